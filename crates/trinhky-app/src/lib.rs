//! trinhky-app: configuration and the use cases that both the web server and the CLI call
//! (one module per verb: `login`, `user_add`, `directory_import`, `demo` …). Use cases open the
//! transaction, decide, and write the audit event with the change; the web and CLI layers only
//! translate input and output.

pub mod access;
pub mod admin;
pub mod app;
pub mod attachments;
pub mod audit_anchor;
pub mod audit_text;
pub mod audit_trail;
pub mod auth;
pub mod client_addr;
pub mod compare;
pub mod cpu;
pub mod delegations;
pub mod delivery;
pub mod demo;
pub mod directive_intake;
pub mod directory_import;
pub mod dispatch;
pub mod document_view;
pub mod documents;
pub mod effects;
pub mod error;
pub mod follow_up;
pub mod incoming;
pub mod kek;
pub mod my_work;
pub mod principal;
pub mod queries;
pub mod recipients;
pub mod registry;
pub mod reminders;
pub mod rendering;
pub mod settings;
pub mod signing;
pub mod throttle;
pub mod tokens;
pub mod user_add;
pub mod verification;

pub use app::App;
pub use error::{AppError, Code, Kind, Result};
pub use principal::{Principal, PrincipalUser};
pub use settings::Settings;
/// A document's text as an edit or a new document gives it.
pub use trinhky_store::documents::Content as DocumentContent;
/// The storage handle the web layer holds and passes to the use cases, and its page request.
pub use trinhky_store::{PageRequest, Store};

/// Reads a text file with a clear error.
pub fn read_text(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| AppError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| AppError::Io {
        path: path.display().to_string(),
        reason: format!(
            "not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Today's date in Vietnam (UTC+7), the calendar deadlines are counted in.
pub fn today_vn() -> chrono::NaiveDate {
    trinhky_domain::time::local_date(chrono::Utc::now())
}
