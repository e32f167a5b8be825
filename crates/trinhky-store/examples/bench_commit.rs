//! What `synchronous=FULL` costs a SQLite write transaction (issue 13): N transactions, each an
//! IMMEDIATE transaction that appends one audit event (the smallest write every use case makes)
//! and commits, on a fresh database file in WAL mode, once with `synchronous=NORMAL` (before) and
//! once with `FULL` (now). Prints the median and p95 per commit.
//!
//! `cargo run --release -p trinhky-store --example bench_commit [N]` (default 500; the database
//! goes under $TMPDIR, which should be on the disk the real database lives on).

use std::time::{Duration, Instant};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use trinhky_migrations::{Migrator, MigratorTrait};
use trinhky_store::audit::{self, AuditInput};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

async fn run(sync: SqliteSynchronous, n: usize) -> Res<Vec<Duration>> {
    let dir = std::env::temp_dir().join(format!(
        "trinhky-bench-commit-{}-{:?}",
        std::process::id(),
        sync
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut opts = ConnectOptions::new(format!(
        "sqlite://{}?mode=rwc",
        dir.join("trinhky.db").display()
    ));
    opts.sqlx_logging(false)
        .max_connections(1)
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(sync)
                .foreign_keys(true)
        });
    let db = Database::connect(opts).await?;
    Migrator::up(&db, None).await?;
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let txn = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        audit::record(
            &txn,
            AuditInput::new("system:bench", "bench.commit", "bench", i)
                .details(serde_json::json!({"i": i})),
        )
        .await?;
        txn.commit().await?;
        times.push(t.elapsed());
    }
    db.close().await?;
    let _ = std::fs::remove_dir_all(&dir);
    times.sort();
    Ok(times)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Res<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    for (name, sync) in [
        ("NORMAL", SqliteSynchronous::Normal),
        ("FULL", SqliteSynchronous::Full),
        ("NORMAL", SqliteSynchronous::Normal),
        ("FULL", SqliteSynchronous::Full),
    ] {
        let t = run(sync, n).await?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let total: Duration = t.iter().sum();
        println!(
            "synchronous={name:<6} {n} commits: median {:.3} ms, p95 {:.3} ms, total {:.2} s ({:.0} commits/s)",
            ms(t[n / 2]),
            ms(t[n * 95 / 100]),
            total.as_secs_f64(),
            n as f64 / total.as_secs_f64()
        );
    }
    Ok(())
}
