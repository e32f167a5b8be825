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
    /// A page request. Both numbers come from query strings: the page is clamped so that its
    /// offset fits the databases' signed 64-bit OFFSET (a page past the end is simply empty, and
    /// callers then ask for the last page).
    pub fn new(page: u64, per_page: u64) -> PageRequest {
        let per_page = per_page.clamp(1, i64::MAX as u64);
        let max_page = (i64::MAX as u64) / per_page;
        PageRequest {
            page: page.clamp(1, max_page.max(1)),
            per_page,
        }
    }

    /// Rows before this page; never overflows (see [`PageRequest::new`]).
    pub fn offset(&self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(self.per_page)
    }
}

#[cfg(test)]
mod page_tests {
    use super::PageRequest;

    #[test]
    fn huge_pages_do_not_overflow() {
        for page in [0, 1, 2, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
            for per_page in [0, 1, 50, 200, u64::MAX] {
                let r = PageRequest::new(page, per_page);
                assert!(r.page >= 1 && r.per_page >= 1);
                assert!(r.offset() <= i64::MAX as u64, "{page} {per_page}");
            }
        }
        assert_eq!(PageRequest::new(3, 50).offset(), 100);
        assert_eq!(PageRequest::new(0, 0), PageRequest::new(1, 1));
    }
}
