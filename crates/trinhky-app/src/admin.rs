//! Use cases of the system administrator (quản trị hệ thống): the directory (agencies and
//! recipient groups), accounts and roles, signing keys and certificates, the workflow definitions
//! (read only) and the holiday calendar. Each change is one transaction with its audit event.
//!
//! Who may do what is one rule, asked everywhere ([`Principal::is_system_admin`],
//! [`Principal::may_administer`]): an admin of the province office (Văn phòng UBND) administers
//! the whole province's directory; an admin of another agency manages that agency's staff only.
//! The web layer's `/admin` pages are for system administrators.
//!
//! - [`agencies`]: create and edit agencies, validated like a directory file.
//! - [`groups`]: recipient groups (nhóm nơi nhận) and their members.
//! - [`users`]: search, create, grant and revoke roles, enable and disable, reset passwords.
//! - [`certificates`]: keys per holder; development certificates, PKCS#12 import, revocation
//!   (the CLI's `trinhky pki import` / `pki revoke` call the same functions).
//! - [`workflows`]: loaded definitions, their use by documents, and a read-only checker.
//! - [`calendar`]: holidays and make-up working days.

pub mod agencies;
pub mod calendar;
pub mod certificates;
pub mod groups;
pub mod users;
pub mod workflows;

use crate::{AppError, Principal, Result};

/// Refuses anyone but a system administrator.
pub fn require_system_admin(p: &Principal) -> Result<()> {
    if p.is_system_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Chỉ quản trị hệ thống (vai trò quản trị tại Văn phòng UBND tỉnh) được dùng chức năng này."
                .into(),
        ))
    }
}

/// Joins field messages into one error (each is a full sentence).
fn invalid(errors: Vec<trinhky_domain::directory::FieldError>) -> AppError {
    AppError::Invalid(
        errors
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn commit_err(e: sea_orm::DbErr) -> AppError {
    AppError::Store(e.into())
}
