//! The use cases' one error type, [`AppError`], and its stable codes.
//!
//! Every error has a stable [`code`](AppError::code) that clients may match on: the workflow
//! engine's denials keep theirs (`WFD001`…`WFD011`), a workflow definition that does not check
//! keeps its `WF001`…`WF014`, and everything else has a [`Code`] (`TK-…`). The code also says
//! which [`Kind`] of failure it is; only the web crate turns a kind into an HTTP status.

use trinhky_domain::workflow::Denied;
use trinhky_store::StoreError;

use crate::kek;

/// What kind of failure an error is: the web layer maps each to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// The input is wrong; the message says how to fix it.
    Invalid,
    /// No valid login or token.
    Unauthenticated,
    /// Not allowed (also for things outside the caller's agency, so that existence is not revealed).
    Forbidden,
    NotFound,
    /// The state changed or does not allow it now.
    Conflict,
    /// The body is larger than allowed.
    TooLarge,
    /// The body is not of a type the operation reads.
    UnsupportedMediaType,
    /// The method is not one the address answers.
    MethodNotAllowed,
    /// Too many attempts: try again later.
    Throttled,
    /// The server took too long.
    Timeout,
    /// Something the user cannot fix went wrong; the detail goes to the log only.
    Internal,
}

/// The stable `TK-…` codes of errors that are not the workflow engine's. Their strings never
/// change meaning; new codes are added, old ones are not reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// Input that does not pass a check (the message names the field and the fix).
    Validation,
    /// A request body or query that does not parse (malformed JSON, form, query string).
    Malformed,
    /// A directory file (agencies, groups) that does not check.
    DirectoryFile,
    /// An uploaded file of a type that is not accepted.
    FileType,
    NotFound,
    Unauthenticated,
    Forbidden,
    /// A form without a valid CSRF token.
    Csrf,
    /// The data changed or is in a state that does not allow the operation.
    Conflict,
    /// A unique name (username, code, e-mail) is already taken.
    Duplicate,
    TooLarge,
    UnsupportedMediaType,
    MethodNotAllowed,
    /// Too many attempts (login, PIN, preview).
    Throttled,
    /// The signer has no signing key (certificate) yet.
    KeyMissing,
    /// The PIN does not open the signing key.
    PinWrong,
    /// A new PIN that does not follow the policy.
    PinPolicy,
    /// The key-encryption key is missing or does not open a stored key.
    Kek,
    /// A file the server reads (settings, certificates, images) cannot be read.
    Io,
    /// The database failed.
    Storage,
    Timeout,
    Internal,
}

impl Code {
    /// Every code, for documentation and tests.
    pub const ALL: &'static [Code] = &[
        Code::Validation,
        Code::Malformed,
        Code::DirectoryFile,
        Code::FileType,
        Code::NotFound,
        Code::Unauthenticated,
        Code::Forbidden,
        Code::Csrf,
        Code::Conflict,
        Code::Duplicate,
        Code::TooLarge,
        Code::UnsupportedMediaType,
        Code::MethodNotAllowed,
        Code::Throttled,
        Code::KeyMissing,
        Code::PinWrong,
        Code::PinPolicy,
        Code::Kek,
        Code::Io,
        Code::Storage,
        Code::Timeout,
        Code::Internal,
    ];

    /// The stable string, e.g. `TK-VALIDATION`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Validation => "TK-VALIDATION",
            Code::Malformed => "TK-MALFORMED",
            Code::DirectoryFile => "TK-DIRECTORY-FILE",
            Code::FileType => "TK-FILE-TYPE",
            Code::NotFound => "TK-NOT-FOUND",
            Code::Unauthenticated => "TK-UNAUTHENTICATED",
            Code::Forbidden => "TK-FORBIDDEN",
            Code::Csrf => "TK-CSRF",
            Code::Conflict => "TK-CONFLICT",
            Code::Duplicate => "TK-DUPLICATE",
            Code::TooLarge => "TK-TOO-LARGE",
            Code::UnsupportedMediaType => "TK-MEDIA-TYPE",
            Code::MethodNotAllowed => "TK-METHOD",
            Code::Throttled => "TK-THROTTLED",
            Code::KeyMissing => "TK-KEY-MISSING",
            Code::PinWrong => "TK-PIN-WRONG",
            Code::PinPolicy => "TK-PIN-POLICY",
            Code::Kek => "TK-KEK",
            Code::Io => "TK-IO",
            Code::Storage => "TK-STORAGE",
            Code::Timeout => "TK-TIMEOUT",
            Code::Internal => "TK-INTERNAL",
        }
    }

    /// The kind of failure the code stands for.
    pub fn kind(self) -> Kind {
        match self {
            Code::Validation
            | Code::Malformed
            | Code::DirectoryFile
            | Code::FileType
            | Code::KeyMissing
            | Code::PinWrong
            | Code::PinPolicy => Kind::Invalid,
            Code::NotFound => Kind::NotFound,
            Code::Unauthenticated => Kind::Unauthenticated,
            Code::Forbidden | Code::Csrf => Kind::Forbidden,
            Code::Conflict | Code::Duplicate => Kind::Conflict,
            Code::TooLarge => Kind::TooLarge,
            Code::UnsupportedMediaType => Kind::UnsupportedMediaType,
            Code::MethodNotAllowed => Kind::MethodNotAllowed,
            Code::Throttled => Kind::Throttled,
            Code::Timeout => Kind::Timeout,
            Code::Kek | Code::Io | Code::Storage | Code::Internal => Kind::Internal,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors of the use cases, each with a message a user can act on and a stable [`code`](Self::code).
///
/// New code says which code applies: [`AppError::new`] (or [`invalid`](Self::invalid),
/// [`not_found`](Self::not_found) …). The message-only variants (`Invalid(String)`,
/// `Forbidden(String)` …) stay for the call sites not converted yet; they answer the generic
/// code of their kind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// An error with the code that applies.
    #[error("{message}")]
    Coded { code: Code, message: String },
    /// The workflow engine refused an action (`WFD…`).
    #[error("{0}")]
    Denied(Denied),
    /// A workflow definition that does not check (`WF…`, the first problem's code).
    #[error("{message}")]
    Workflow { code: &'static str, message: String },
    /// A storage error: a store conflict is a 409, "not found" a 404, the rest a 500.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A validation error without a specific code (`TK-VALIDATION`).
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    File(#[from] trinhky_domain::directory::FileError),
    #[error("cannot read {path}: {reason}")]
    Io { path: String, reason: String },
    /// Not allowed, without a specific code (`TK-FORBIDDEN`).
    #[error("{0}")]
    Forbidden(String),
    /// A conflict without a specific code (`TK-CONFLICT`).
    #[error("{0}")]
    Conflict(String),
    /// Too many failed attempts (PIN): try again later.
    #[error("{0}")]
    Throttled(String),
    /// An upload larger than the configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// The key-encryption key is missing or does not open a stored key.
    #[error(transparent)]
    Kek(#[from] kek::KekError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// An error with `code` and a message saying what failed and how to fix it.
    pub fn new(code: Code, message: impl Into<String>) -> AppError {
        AppError::Coded {
            code,
            message: message.into(),
        }
    }

    /// Invalid input (`TK-VALIDATION` or a more specific code of the invalid kind).
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(Code::Validation, message)
    }

    /// Something that does not exist (or that the caller may not know exists).
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(Code::NotFound, message)
    }

    /// A conflict with the current state.
    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::new(Code::Conflict, message)
    }

    /// The stable code: `WFD…`, `WF…` or `TK-…`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Denied(d) => d.code(),
            AppError::Workflow { code, .. } => code,
            other => other.tk_code().as_str(),
        }
    }

    /// The `TK-…` code of an error that has no workflow code.
    fn tk_code(&self) -> Code {
        match self {
            AppError::Coded { code, .. } => *code,
            AppError::Denied(_) | AppError::Workflow { .. } | AppError::Invalid(_) => {
                Code::Validation
            }
            AppError::Store(StoreError::NotFound(_)) => Code::NotFound,
            AppError::Store(StoreError::Conflict(_)) => Code::Conflict,
            AppError::Store(_) => Code::Storage,
            AppError::File(_) => Code::DirectoryFile,
            AppError::Io { .. } => Code::Io,
            AppError::Forbidden(_) => Code::Forbidden,
            AppError::Conflict(_) => Code::Conflict,
            AppError::Throttled(_) => Code::Throttled,
            AppError::TooLarge(_) => Code::TooLarge,
            AppError::Kek(_) => Code::Kek,
            AppError::Internal(_) => Code::Internal,
        }
    }

    /// The kind of failure: 403 for who may act, 409 for when, 400 for what is missing.
    pub fn kind(&self) -> Kind {
        match self {
            AppError::Denied(d) => match d {
                Denied::WrongRole { .. }
                | Denied::WrongAgency { .. }
                | Denied::NoDelegation { .. } => Kind::Forbidden,
                Denied::StaleVersion { .. }
                | Denied::WrongState { .. }
                | Denied::Terminal { .. }
                | Denied::AlreadySigned
                | Denied::PersonalSignatureMissing => Kind::Conflict,
                _ => Kind::Invalid,
            },
            AppError::Workflow { .. } => Kind::Invalid,
            other => other.tk_code().kind(),
        }
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        AppError::Denied(d)
    }
}

impl From<trinhky_domain::workflow::CheckError> for AppError {
    fn from(e: trinhky_domain::workflow::CheckError) -> Self {
        AppError::Workflow {
            code: e.code,
            message: e.to_string(),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_stable_strings() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(c.as_str().starts_with("TK-"), "{c}");
            assert!(seen.insert(c.as_str()), "duplicate {c}");
        }
        assert_eq!(Code::PinWrong.to_string(), "TK-PIN-WRONG");
    }

    #[test]
    fn store_conflict_and_not_found_are_not_internal() {
        let e: AppError = StoreError::Conflict("số đã dùng".into()).into();
        assert_eq!((e.code(), e.kind()), ("TK-CONFLICT", Kind::Conflict));
        let e: AppError = StoreError::NotFound("document 7".into()).into();
        assert_eq!((e.code(), e.kind()), ("TK-NOT-FOUND", Kind::NotFound));
        let e: AppError = StoreError::Corrupt("x".into()).into();
        assert_eq!((e.code(), e.kind()), ("TK-STORAGE", Kind::Internal));
    }

    #[test]
    fn denials_keep_their_workflow_codes() {
        let e: AppError = Denied::AlreadySigned.into();
        assert_eq!((e.code(), e.kind()), ("WFD008", Kind::Conflict));
        let e: AppError = Denied::PersonalSignatureMissing.into();
        assert_eq!((e.code(), e.kind()), ("WFD011", Kind::Conflict));
    }

    #[test]
    fn legacy_variants_answer_the_generic_code_of_their_kind() {
        let e = AppError::Invalid("x".into());
        assert_eq!((e.code(), e.kind()), ("TK-VALIDATION", Kind::Invalid));
        let e = AppError::Forbidden("x".into());
        assert_eq!((e.code(), e.kind()), ("TK-FORBIDDEN", Kind::Forbidden));
        let e = AppError::new(Code::PinWrong, "Mã PIN không đúng");
        assert_eq!((e.code(), e.kind()), ("TK-PIN-WRONG", Kind::Invalid));
        assert_eq!(e.to_string(), "Mã PIN không đúng");
    }
}
