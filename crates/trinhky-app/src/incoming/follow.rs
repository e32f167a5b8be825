//! One receiving sequence (issue 16): the recipient's register steps (tiếp nhận và vào sổ →
//! chuyển xử lý → ký nhận → lưu trữ) also move the issued document through its workflow's
//! recipient steps (`receive`, `archive`), so the document reads the same everywhere — on the
//! sender's page, in the registers and in everybody's queue.
//!
//! Each register step commits on its own; [`follow`] then takes the workflow steps the row's
//! status implies that are still open to the caller, each in its own transaction with its
//! history and audit. It is called after every register step, so a step it missed (a crash in
//! between, a concurrent recipient) is taken the next time: it converges, and never acts twice
//! (the engine refuses an action the document has moved past).

use trinhky_domain::workflow;

use super::*;
use crate::documents::ActRequest;
use crate::registry::Registry;

/// The workflow actions a row's register status implies, in order.
fn implied(status: Status) -> &'static [&'static str] {
    match status {
        Status::Registered | Status::Forwarded | Status::Acknowledged => &["receive"],
        Status::Archived => &["receive", "archive"],
        Status::Received | Status::Recalled => &[],
    }
}

/// Brings the issued document of incoming row `id` up to the row's register status.
pub async fn follow(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    let d = detail(store, p, id).await?;
    let Some(status) = Status::parse(&d.row.status) else {
        return Ok(());
    };
    let doc_id = d.row.document_id;
    let actor = crate::documents::actor(store, p).await?;
    for action in implied(status) {
        // A document the caller may not step (recalled, say) has nothing to follow.
        let Ok(l) =
            crate::documents::load(store, registry, p, doc_id, crate::access::Want::Step).await
        else {
            return Ok(());
        };
        let open = workflow::available_actions(&l.definition, &l.domain, &actor, now)
            .iter()
            .any(|t| t.action == *action);
        if !open {
            continue;
        }
        let comment = match (*action, d.row.incoming_no) {
            ("receive", Some(no)) => format!(
                "{} đã tiếp nhận, vào sổ văn bản đến số {no}.",
                d.view.agency_name
            ),
            _ => format!("{} đã lưu trữ văn bản.", d.view.agency_name),
        };
        let req = ActRequest {
            comment: Some(comment),
            pin: None,
            attachments: 0,
            expected_version: l.instance.version,
            paper: Vec::new(),
        };
        crate::documents::act(store, registry, p, doc_id, action, req, now).await?;
    }
    Ok(())
}
