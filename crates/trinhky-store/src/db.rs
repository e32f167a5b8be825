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
    /// The SQLite database file (its migration lock file goes next to it).
    sqlite_path: Option<std::path::PathBuf>,
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
    /// (and `trinhky audit verify` next to a running server) can share the file, and with
    /// `synchronous=FULL`: a commit is on disk before it returns, so a power cut cannot lose an
    /// issuing (its number, its e-mails) that was already reported done.
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
                        .synchronous(SqliteSynchronous::Full)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(30))
                });
        } else {
            opts.max_connections(16);
        }
        let sqlite_path = (backend == Backend::Sqlite)
            .then(|| sqlite_file(url))
            .flatten();
        // Processes opening a new SQLite file at once (replicas starting) would race to switch it
        // to WAL and one would get "database is locked": they open it one at a time, under the
        // migration lock (best effort: without a usable lock file, open anyway).
        let _opening = match &sqlite_path {
            Some(p) => lock_file(format!("{}.migrate.lock", p.display()).into())
                .await
                .ok(),
            None => None,
        };
        let db = Database::connect(opts)
            .await
            .map_err(|e| StoreError::Connect {
                url: redact(url),
                reason: e.to_string(),
            })?;
        Ok(Store {
            db,
            backend,
            sqlite_path,
            instance: NEXT_INSTANCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Applies pending migrations; returns how many ran. Several processes may start at once
    /// (replicas of a new release): on PostgreSQL the migrations run under a session advisory
    /// lock held on a dedicated connection, on SQLite under an exclusive lock on the file
    /// `<database>.migrate.lock`, so one process migrates and the others then find nothing to do.
    pub async fn migrate(&self) -> Result<usize> {
        match self.backend {
            Backend::Postgres => {
                use sea_orm::sqlx;
                let lock_err = |e: sqlx::Error| {
                    StoreError::Db(sea_orm::DbErr::Custom(format!(
                        "taking the migration lock (pg_advisory_lock): {e}"
                    )))
                };
                let pool = self.db.get_postgres_connection_pool();
                let mut conn = pool.acquire().await.map_err(lock_err)?;
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(MIGRATION_LOCK_KEY)
                    .execute(&mut *conn)
                    .await
                    .map_err(lock_err)?;
                let result = self.migrate_unlocked().await;
                let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(MIGRATION_LOCK_KEY)
                    .execute(&mut *conn)
                    .await;
                // Closing the session releases the lock whatever happened above; the connection
                // never goes back to the pool holding it.
                let _ = sea_orm::sqlx::Connection::close(conn.detach()).await;
                unlocked.map_err(lock_err)?;
                result
            }
            Backend::Sqlite => {
                let _lock = match &self.sqlite_path {
                    Some(p) => {
                        Some(lock_file(format!("{}.migrate.lock", p.display()).into()).await?)
                    }
                    None => None,
                };
                self.migrate_unlocked().await
            }
        }
    }

    async fn migrate_unlocked(&self) -> Result<usize> {
        let pending = Migrator::get_pending_migrations(&self.db).await?.len();
        Migrator::up(&self.db, None).await?;
        Ok(pending)
    }

    /// Returns freed space to the file system so deleted rows (a bare key's blob after it was
    /// wrapped) do not linger in free pages: SQLite `VACUUM` and a WAL checkpoint. PostgreSQL
    /// keeps dead tuples until its own vacuum; nothing is done there.
    pub async fn compact(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            self.db.execute_unprepared("VACUUM").await?;
            self.db
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        Ok(())
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

/// The advisory lock key of migrations on PostgreSQL ("trinhky" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x0074_7269_6e68_6b79;

/// The file of a `sqlite://PATH?…` URL (`None` for an in-memory database).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.into())
}

/// Waits for an exclusive lock on `path` (created when missing, mode 0600); released when the
/// returned file is dropped or the process exits.
async fn lock_file(path: std::path::PathBuf) -> Result<std::fs::File> {
    let shown = path.display().to_string();
    let locked = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let f = o.open(&path)?;
        f.lock()?;
        Ok(f)
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("migration lock task: {e}")))?;
    locked.map_err(|e| {
        StoreError::Db(sea_orm::DbErr::Custom(format!(
            "cannot lock {shown} for migrations: {e}"
        )))
    })
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
    fn sqlite_files_are_found_in_urls() {
        use super::sqlite_file;
        assert_eq!(
            sqlite_file("sqlite://./data/trinhky.db?mode=rwc"),
            Some("./data/trinhky.db".into())
        );
        assert_eq!(sqlite_file("sqlite:/tmp/x.db"), Some("/tmp/x.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }
}
