//! trinhky-store: persistence on SQLite (embedded default) or PostgreSQL.
//!
//! Owns the sea-orm entities, repositories, content-addressed blobs and the audit chain. It must
//! not decide workflow rules: callers (the use cases in `trinhky-app`) decide, the store records.
//! Every state-changing function takes a transaction, and the caller writes the audit event in
//! the same transaction through [`audit::record`].

pub mod accounts;
pub mod attachments;
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

/// A `LIKE` pattern matching rows that contain `folded` anywhere (`%`, `_` and `\` escaped).
pub(crate) fn contains_pattern(folded: &str) -> sea_orm::sea_query::LikeExpr {
    let mut p = String::with_capacity(folded.len() + 2);
    p.push('%');
    for c in folded.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    sea_orm::sea_query::LikeExpr::new(p).escape('\\')
}

/// One page of a list: 1-based `page` of `per_page` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub fn new(page: u64, per_page: u64) -> PageRequest {
        PageRequest {
            page: page.max(1),
            per_page: per_page.max(1),
        }
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
}
