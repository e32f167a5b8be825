use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use trinhky_migrations::{Migrator, MigratorTrait};

use crate::{Result, StoreError};

/// Which database engine the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone (a connection pool inside).
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    /// Distinguishes stores opened in one process (clones share it): per-process caches key on it.
    instance: u64,
}

static NEXT_INSTANCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Store {
    /// This store's number within the process (see the field).
    pub fn instance(&self) -> u64 {
        self.instance
    }

    /// Opens the database named by `url` (`sqlite://PATH?mode=rwc` or `postgres://…`).
    /// SQLite runs in WAL mode with foreign keys on and a busy timeout, so several connections
    /// (and `trinhky audit verify` next to a running server) can share the file.
    pub async fn connect(url: &str) -> Result<Store> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Connect {
                url: redact(url),
                reason: "unsupported scheme; use sqlite://PATH?mode=rwc or postgres://USER@HOST/DB"
                    .into(),
            });
        };
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            opts.max_connections(8)
                .min_connections(1)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(30))
                });
        } else {
            opts.max_connections(16);
        }
        let db = Database::connect(opts)
            .await
            .map_err(|e| StoreError::Connect {
                url: redact(url),
                reason: e.to_string(),
            })?;
        Ok(Store {
            db,
            backend,
            instance: NEXT_INSTANCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Applies pending migrations; returns how many ran.
    pub async fn migrate(&self) -> Result<usize> {
        let pending = Migrator::get_pending_migrations(&self.db).await?.len();
        Migrator::up(&self.db, None).await?;
        Ok(pending)
    }

    /// True when every migration has been applied.
    pub async fn is_migrated(&self) -> Result<bool> {
        Ok(Migrator::get_pending_migrations(&self.db).await?.is_empty())
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at BEGIN
    /// (IMMEDIATE), so a transaction never fails half-way when upgrading a read to a write.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction> {
        Ok(self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?)
    }

    /// A cheap liveness query for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        let sql = match self.db.get_database_backend() {
            DbBackend::Postgres => "SELECT 1",
            _ => "SELECT 1",
        };
        self.db.execute_unprepared(sql).await?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        self.db.close().await?;
        Ok(())
    }
}

/// Hides a password in a database URL before it goes into a message or a log.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }
}
