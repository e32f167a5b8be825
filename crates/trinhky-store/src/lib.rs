//! trinhky-store: persistence on SQLite (embedded default) or PostgreSQL.
//!
//! Owns the sea-orm entities, repositories, content-addressed blobs and the audit chain. It must
//! not decide workflow rules: callers (the use cases in `trinhky-app`) decide, the store records.
//! Every state-changing function takes a transaction, and the caller writes the audit event in
//! the same transaction through [`audit::record`].

pub mod accounts;
pub mod audit;
pub mod blobs;
pub mod calendar;
mod db;
pub mod directory;
pub mod documents;
pub mod entities;
pub mod incoming;
pub mod intake;
pub mod keys;
pub mod numbering;
pub mod outbox;

pub use db::{Backend, Store};
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};

/// Errors of the store. Messages say what failed; database details stay in the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("cannot open the database at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
