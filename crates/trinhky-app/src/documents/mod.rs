//! Use cases of the document workflow: create a report from an assignment, edit it (each edit a
//! new version), act on it (submit, return, approve, issue …), delegate signing authority, list
//! one's work, and produce deadline reminders. Each action is one transaction with its audit
//! event and effect rows; who may act is decided by the pure engine
//! (`trinhky_domain::workflow::apply`), what it does is performed by [`crate::effects`].
//!
//! - [`load`](mod@load): the engine's view of a document and the access decision;
//! - [`create`]: create from an assignment, edit, classify;
//! - [`act`](mod@act): plan → perform;
//! - [`inbox`](mod@inbox): "Việc của tôi" and its cache;
//! - [`manage`]: history, delegation, reassignment.

pub mod act;
pub mod create;
pub mod inbox;
pub mod load;
pub mod manage;

pub use act::{ActRequest, act, denied};
pub use create::{classify, create_from_assignment, edit};
pub use inbox::{InboxCache, WorkItem, inbox};
pub use load::{Loaded, actor, load};
pub(crate) use load::{build_instance, consultations, recipient_codes};
pub use manage::{delegate, history, reassign};

pub use crate::effects::reminder::scan_reminders;

use trinhky_store::StoreError;

use crate::AppError;

fn store_err(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::Conflict(m),
        other => other.into(),
    }
}
