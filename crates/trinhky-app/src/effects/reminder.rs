//! `reminder`: not an action's effect but the deadline scan's. [`scan_reminders`] writes one
//! `pending` row per (instance, step, due date, kind); the reminder worker
//! ([`crate::reminders::mail_pending`]) turns each into e-mails and marks it `done`.

use chrono::{DateTime, NaiveDate, Utc};
use trinhky_domain::workflow;
use trinhky_store::Store;
use trinhky_store::documents as repo;

use crate::registry::Registry;
use crate::{AppError, Result};

/// Produces reminder effect rows for running instances (before due, on due, overdue escalated
/// to the province office). Idempotent: one row per (instance, kind, due date).
pub async fn scan_reminders(
    store: &Store,
    registry: &Registry,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut written = 0;
    let calendar = registry.calendar_now(store).await?;
    for inst in repo::running_instances(store.db()).await? {
        let Some(due) = inst.due_date else { continue };
        let Ok(def) = registry
            .get(
                store,
                &inst.definition_id,
                u32::try_from(inst.definition_version).unwrap_or(0),
            )
            .await
        else {
            continue;
        };
        if def.is_terminal(&inst.state) {
            continue;
        }
        let Some(kind) = workflow::reminders_due(&calendar, due, today) else {
            continue;
        };
        let kind_s = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let role = def.state(&inst.state).and_then(|s| s.role);
        let payload = serde_json::json!({"kind": "reminder", "reminder": kind_s, "state": inst.state, "due": due, "role": role, "escalate_to_province_office": kind_s == "overdue"});
        let key = format!("reminder:{}:{}:{}:{}", inst.id, inst.state, due, kind_s);
        let txn = store.begin_write().await?;
        if repo::add_effect_once(&txn, inst.id, "reminder", payload, &key, now).await? {
            written += 1;
        }
        txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    }
    Ok(written)
}
