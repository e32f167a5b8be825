//! Nhật ký of one document: every audit event that concerns it (created, edited, submitted,
//! returned, signed, numbered, issued, e-mailed per recipient, received, attachments …), in
//! Vietnamese, with whether each event still matches its hash in the chain. Visible to whoever
//! may read the document.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use trinhky_store::{Store, accounts, directory};

use crate::audit_text;
use crate::documents::{self, Loaded};
use crate::registry::Registry;
use crate::{Principal, Result};

/// One row of the nhật ký.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrailEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// dd/mm/yyyy HH:MM, Vietnam time.
    pub at_vn: String,
    /// `user:…` or `system…`, as recorded.
    pub actor: String,
    /// The actor's name.
    pub actor_name: String,
    /// As recorded, e.g. `workflow.submit`.
    pub action: String,
    /// In Vietnamese, e.g. "Trình duyệt".
    pub action_label: String,
    /// Details in Vietnamese (comment, version, recipient …).
    pub details: String,
    /// The event's hash matches its content and its link to the event before it.
    pub chain_ok: bool,
}

/// One page of the nhật ký, oldest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Trail {
    pub document_id: i32,
    /// The document's current trích yếu.
    pub title: String,
    pub events: Vec<TrailEvent>,
    pub total: u64,
    /// Whether every event on this page checks out.
    pub page_ok: bool,
}

fn s<'a>(d: &'a Value, k: &str) -> Option<&'a str> {
    d.get(k).and_then(Value::as_str).filter(|x| !x.is_empty())
}

fn label(l: &Loaded, action: &str, d: &Value) -> String {
    // The definition's own label for a workflow action, from the state it was taken in.
    let workflow_label = action.strip_prefix("workflow.").and_then(|a| {
        let from = s(d, "from").unwrap_or_default();
        l.definition
            .actions_from(from)
            .into_iter()
            .find(|t| t.action == a)
            .map(|t| t.label.clone())
    });
    audit_text::action_label(action, workflow_label.as_deref())
}

fn details(l: &Loaded, action: &str, d: &Value, agencies: &HashMap<i32, String>) -> String {
    let mut parts: Vec<String> = Vec::new();
    match action {
        "document.create" => parts.push("Phiên bản 1".into()),
        "document.edit" => {
            if let Some(v) = d.get("version").and_then(Value::as_i64) {
                parts.push(format!("Lưu phiên bản {v}"));
            }
        }
        "document.classify" => parts.push(format!(
            "Độ mật: {}",
            s(d, "to")
                .and_then(trinhky_domain::numbering::Classification::parse)
                .map_or("Thường".to_owned(), |c| c.label().to_owned())
        )),
        "document.recall" => {
            if let Some(r) = s(d, "reason") {
                parts.push(format!("Lý do: {r}"));
            }
        }
        "dispatch.enqueue" => {
            if let Some(list) = d.get("recipients").and_then(Value::as_array) {
                let emails: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                parts.push(format!("{} địa chỉ: {}", emails.len(), emails.join(", ")));
            }
        }
        "dispatch.sent" | "dispatch.failed" => {
            match (s(d, "recipient"), s(d, "email")) {
                (Some(r), Some(e)) => parts.push(format!("{r} <{e}>")),
                (None, Some(e)) => parts.push(e.to_owned()),
                _ => {}
            }
            if let Some(r) = s(d, "reply") {
                parts.push(audit_text::mail_reply(r));
            }
            if let Some(r) = s(d, "error") {
                parts.push(format!("Lỗi: {}", audit_text::without_paths(r)));
            }
        }
        "incoming.deliver" => {
            if let Some(name) = d
                .get("agency")
                .and_then(Value::as_i64)
                .and_then(|a| i32::try_from(a).ok())
                .and_then(|a| agencies.get(&a))
            {
                parts.push(name.clone());
            }
        }
        "number.assign" => {}
        "attachment.add" | "attachment.delete" | "attachment.sign" => {
            if let Some(n) = s(d, "name") {
                parts.push(n.to_owned());
            }
            if let Some(n) = d.get("size").and_then(Value::as_i64) {
                parts.push(crate::attachments::size_label(n));
            }
            if let Some(n) = s(d, "number") {
                parts.push(format!("số {n}"));
            }
        }
        a if a.starts_with("workflow.") => {
            let to = s(d, "to").unwrap_or_default();
            if let Some(st) = l.definition.state(to) {
                parts.push(format!("Chuyển sang: {}", st.label));
            }
            if let Some(x) = s(d, "authority") {
                parts.push(format!("Thẩm quyền ký: {x}"));
            }
            if let Some(c) = s(d, "comment") {
                parts.push(format!("Ý kiến: {c}"));
            }
        }
        _ => {}
    }
    parts.join(" · ")
}

/// One page of the nhật ký of a document the caller may read.
pub async fn trail(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    page: u64,
    per_page: u64,
) -> Result<Trail> {
    let l = documents::load(store, registry, p, doc_id, crate::access::Want::Working).await?;
    let db = store.db();
    let (rows, total) =
        trinhky_store::audit::of_document(db, l.document.id, page, per_page).await?;
    let agencies: HashMap<i32, String> = directory::agencies(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        let e = r.event;
        let full_name = match e.actor.strip_prefix("user:") {
            Some(u) => match names.get(u) {
                Some(n) => n.clone(),
                None => {
                    let n = accounts::user_by_username(db, u)
                        .await?
                        .map(|x| x.full_name);
                    names.insert(u.to_owned(), n.clone());
                    n
                }
            },
            None => None,
        };
        let actor_name = audit_text::actor_label(&e.actor, full_name.as_deref());
        let d: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
        let mut detail = details(&l, &e.action, &d, &agencies);
        // Actions on an incoming row name the receiving agency.
        let incoming = match e.entity_id.parse::<i32>() {
            Ok(id) if e.entity_type == "incoming_document" && e.action != "incoming.deliver" => {
                trinhky_store::incoming::by_id(db, id).await?
            }
            _ => None,
        };
        if let Some(n) = incoming.and_then(|row| agencies.get(&row.agency_id)) {
            detail = n.clone();
        }
        if e.action == "number.assign" {
            detail = format!("Số, ký hiệu: {}", e.entity_id);
        }
        events.push(TrailEvent {
            seq: e.seq,
            at: e.occurred_at,
            at_vn: crate::incoming::vn_time(e.occurred_at),
            action_label: label(&l, &e.action, &d),
            actor: e.actor,
            actor_name,
            action: e.action,
            details: detail,
            chain_ok: r.hash_ok && r.link_ok,
        });
    }
    Ok(Trail {
        document_id: l.document.id,
        title: l.version.title.clone(),
        page_ok: events.iter().all(|e| e.chain_ok),
        events,
        total,
    })
}
