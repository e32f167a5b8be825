//! "Việc của tôi" and "Văn bản của tôi" (issue 16): every task of the caller's agencies with its
//! report and the step that report stands at, the open tasks apart from the finished ones, and the
//! documents the caller drafts with their current step.
//!
//! The step of a document is the workflow state's label; once issued, its number ("Đã phát hành
//! 01/KH-SNV"); once a recipient registered it (vào sổ), that too ("Văn phòng UBND tỉnh đã vào
//! sổ"). A task is finished when its report has been issued and not recalled, as the follow-up
//! dashboard counts it ([`crate::follow_up::status_of`]).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_store::entities::{agency, document, workflow_instance};
use trinhky_store::intake::AssignmentRow;
use trinhky_store::{Store, directory, documents as repo, incoming, intake, numbering};

use crate::follow_up::{Status, status_of};
use crate::registry::Registry;
use crate::{Principal, Result};

/// Where a document stands, in one line and in parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DocStep {
    pub document_id: i32,
    pub title: String,
    pub doc_type: String,
    pub agency_code: String,
    /// The workflow state (`drafting`, `approval`, …) and its label.
    pub state: String,
    pub state_label: String,
    /// The issued number (số, ký hiệu), kept once recalled.
    pub number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub recalled: bool,
    /// Short names of the recipient agencies that registered it in their incoming register.
    pub registered_by: Vec<String>,
    /// The line lists show: "Chờ lãnh đạo ký duyệt", "Đã phát hành 01/KH-SNV",
    /// "Đã phát hành 01/KH-SNV — Văn phòng UBND tỉnh đã vào sổ".
    pub step: String,
    pub updated_at: DateTime<Utc>,
}

/// The one-line step of a document from its parts.
pub fn step_line(
    state_label: &str,
    number: Option<&str>,
    recalled: bool,
    registered_by: &[String],
) -> String {
    match number {
        Some(n) if recalled => format!("Đã thu hồi {n}"),
        Some(n) if registered_by.is_empty() => format!("Đã phát hành {n}"),
        Some(n) => format!("Đã phát hành {n} — {} đã vào sổ", registered_by.join(", ")),
        None => state_label.to_owned(),
    }
}

/// The agencies by id, for short names.
pub(crate) async fn agencies(store: &Store) -> Result<HashMap<i32, agency::Model>> {
    Ok(directory::agencies(store.db())
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// The step of one document. Says nothing about who may see it: callers decide that first.
async fn doc_step(
    store: &Store,
    registry: &Registry,
    agencies: &HashMap<i32, agency::Model>,
    doc: &document::Model,
    inst: &workflow_instance::Model,
) -> Result<DocStep> {
    let db = store.db();
    let state_label = match registry
        .get(
            store,
            &inst.definition_id,
            u32::try_from(inst.definition_version).unwrap_or(0),
        )
        .await
    {
        Ok(def) => def
            .state(&inst.state)
            .map_or_else(|| inst.state.clone(), |s| s.label.clone()),
        Err(_) => inst.state.clone(),
    };
    let entry = numbering::number_of(db, doc.id).await?;
    let recalled = entry.as_ref().is_some_and(|e| e.recalled_at.is_some());
    let mut registered_by: Vec<String> = Vec::new();
    if entry.is_some() {
        for row in incoming::of_document(db, doc.id).await? {
            if row.registered_at.is_some()
                && row.status != "recalled"
                && let Some(a) = agencies.get(&row.agency_id)
                && !registered_by.contains(&a.short_name)
            {
                registered_by.push(a.short_name.clone());
            }
        }
    }
    let number = entry.as_ref().map(|e| e.number.clone());
    Ok(DocStep {
        document_id: doc.id,
        title: doc.title.clone(),
        doc_type: doc.doc_type.clone(),
        agency_code: agencies
            .get(&doc.agency_id)
            .map(|a| a.code.clone())
            .unwrap_or_default(),
        step: step_line(&state_label, number.as_deref(), recalled, &registered_by),
        state: inst.state.clone(),
        state_label,
        number,
        issued_on: entry.map(|e| e.issued_on),
        recalled,
        registered_by,
        updated_at: doc.updated_at,
    })
}

/// The report of an assignment and its step, if one was created.
pub(crate) async fn report_step(
    store: &Store,
    registry: &Registry,
    agencies: &HashMap<i32, agency::Model>,
    assignment_id: i32,
) -> Result<Option<DocStep>> {
    let db = store.db();
    let Some(doc) = repo::document_for_assignment(db, assignment_id).await? else {
        return Ok(None);
    };
    let Some(inst) = repo::instance_of(db, doc.id).await? else {
        return Ok(None);
    };
    Ok(Some(
        doc_step(store, registry, agencies, &doc, &inst).await?,
    ))
}

/// A task (nhiệm vụ) of one of the caller's agencies, with its report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyTask {
    pub assignment_id: i32,
    pub directive_id: i32,
    pub directive_title: String,
    pub task_ref: String,
    pub lead_code: String,
    pub lead_name: String,
    pub deliverable: String,
    pub report_to: String,
    pub last_day: Option<NaiveDate>,
    pub condition: Option<String>,
    /// As the follow-up dashboard counts it.
    pub status: Status,
    /// Finished: its report was issued (and not recalled).
    pub done: bool,
    /// The caller drafts for the lead agency: offered to draft the report while there is none.
    pub can_draft: bool,
    /// The report created from the task, at whatever step.
    pub document: Option<DocStep>,
}

fn task(a: AssignmentRow, p: &Principal, document: Option<DocStep>, today: NaiveDate) -> MyTask {
    let issued = document
        .as_ref()
        .filter(|d| !d.recalled)
        .and_then(|d| d.issued_on);
    let status = status_of(a.last_day, issued, today);
    MyTask {
        assignment_id: a.id,
        directive_id: a.directive_id,
        directive_title: a.directive_title,
        can_draft: p.has_role(&a.lead_code, Role::Drafter),
        task_ref: a.task_ref,
        lead_code: a.lead_code,
        lead_name: a.lead_name,
        deliverable: a.deliverable,
        report_to: a.report_to,
        last_day: a.last_day,
        condition: a.condition,
        done: !status.pending(),
        status,
        document,
    }
}

/// Every task led by the caller's agencies on `today`, each with its report's step: the open
/// ones soonest deadline first (undated last), then the finished ones, most recently issued
/// first.
pub async fn my_tasks(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    today: NaiveDate,
) -> Result<Vec<MyTask>> {
    let mut ids: Vec<i32> = p.memberships.iter().map(|m| m.agency_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let agencies = agencies(store).await?;
    let mut out = Vec::new();
    for a in intake::open_assignments_for(store.db(), &ids).await? {
        let document = report_step(store, registry, &agencies, a.id).await?;
        out.push(task(a, p, document, today));
    }
    // A stable sort keeps the deadline order among the open ones.
    out.sort_by_key(|t| {
        (
            t.done,
            std::cmp::Reverse(
                t.document
                    .as_ref()
                    .and_then(|d| d.issued_on)
                    .filter(|_| t.done),
            ),
        )
    });
    Ok(out)
}

/// The documents the caller drafts (is the drafter of), most recently changed first.
pub async fn my_documents(
    store: &Store,
    registry: &Registry,
    p: &Principal,
) -> Result<Vec<DocStep>> {
    let agencies = agencies(store).await?;
    let mut out = Vec::new();
    for (doc, inst) in repo::documents_drafted_by(store.db(), p.user.id).await? {
        out.push(doc_step(store, registry, &agencies, &doc, &inst).await?);
    }
    out.sort_by_key(|d| {
        (
            std::cmp::Reverse(d.updated_at),
            std::cmp::Reverse(d.document_id),
        )
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_line_says_the_most_advanced_fact() {
        assert_eq!(
            step_line("Chờ lãnh đạo ký duyệt", None, false, &[]),
            "Chờ lãnh đạo ký duyệt"
        );
        assert_eq!(
            step_line(
                "Đã phát hành, chờ nơi nhận tiếp nhận",
                Some("01/KH-SNV"),
                false,
                &[]
            ),
            "Đã phát hành 01/KH-SNV"
        );
        assert_eq!(
            step_line(
                "Đã phát hành, chờ nơi nhận tiếp nhận",
                Some("01/KH-SNV"),
                false,
                &["Văn phòng UBND tỉnh".to_owned()]
            ),
            "Đã phát hành 01/KH-SNV — Văn phòng UBND tỉnh đã vào sổ"
        );
        assert_eq!(
            step_line("x", Some("01/KH-SNV"), true, &["A".to_owned()]),
            "Đã thu hồi 01/KH-SNV"
        );
    }
}
