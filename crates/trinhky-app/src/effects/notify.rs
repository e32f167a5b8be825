//! `notify`: tell whoever holds a role (relative to the document) that the document waits for
//! them in a state — entering a state notifies its responsible role, and a definition's explicit
//! `notify` tells the drafter (e.g. a consulted agency answered). The action records the row
//! `pending`; [`deliver_pending`] turns it into e-mails through the outbox (kind `notify`, sent by
//! the dispatcher) and marks it `done` in the same transaction, with a guarded update so that of
//! several workers exactly one delivers it. The person who acted is not told of their own step.

use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_domain::workflow::ActorRole;
use trinhky_store::documents as repo;
use trinhky_store::entities::{document, effect, transition, workflow_instance};
use trinhky_store::outbox::{self, NewMessage};
use trinhky_store::{Store, accounts, directory};

use super::Context;
use crate::registry::Registry;
use crate::reminders::{FOOTER, Person, addr_hash, members, push_unique};
use crate::{AppError, Result};

/// The actor recorded in the audit trail for queued notices.
const ACTOR: &str = "system:notify";

/// What the action records for the worker.
#[derive(Debug, Clone, Serialize)]
pub struct Queued {
    /// The username of the person who acted (not notified).
    pub by: String,
    /// The action taken.
    pub action: String,
}

/// The notice to deliver after the transaction.
pub fn plan(cx: &Context<'_>) -> Queued {
    Queued {
        by: cx.principal.user.username.clone(),
        action: cx.outcome.action.clone(),
    }
}

/// What one pass delivered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Notify rows marked `done`.
    pub effects: usize,
    /// Outbox rows written.
    pub messages: usize,
}

/// Delivers every pending notify row: its messages queued and the row marked `done` in one
/// transaction. `base_url` prefixes the link path (`""` for a bare `/documents/{id}`).
pub async fn deliver_pending(
    store: &Store,
    registry: &Registry,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<Delivered> {
    let mut out = Delivered::default();
    let domain = directory::settings(store.db())
        .await?
        .map(|s| s.email_domain)
        .unwrap_or_else(|| "trinhky.invalid".into());
    let base = base_url.trim_end_matches('/');
    for e in repo::pending_effects(store.db(), "notify").await? {
        let (msgs, note) = messages(store, registry, &e, base, &domain).await?;
        let txn = store.begin_write().await?;
        if !repo::finish_effect(&txn, e.id, note.as_deref(), now).await? {
            // Another worker delivered it meanwhile.
            txn.rollback()
                .await
                .map_err(|e| AppError::Store(e.into()))?;
            continue;
        }
        outbox::enqueue(&txn, ACTOR, &msgs, now).await?;
        txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
        out.effects += 1;
        out.messages += msgs.len();
    }
    Ok(out)
}

/// The messages of one notify row, or none with a note saying why.
async fn messages(
    store: &Store,
    registry: &Registry,
    e: &effect::Model,
    base: &str,
    domain: &str,
) -> Result<(Vec<NewMessage>, Option<String>)> {
    let db = store.db();
    let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
    let state = payload["state"].as_str().unwrap_or_default().to_owned();
    let by = payload["by"].as_str().unwrap_or_default().to_owned();
    let role: Option<ActorRole> = serde_json::from_value(payload["role"].clone()).ok();
    let Some(inst) = workflow_instance::Entity::find_by_id(e.instance_id)
        .one(db)
        .await
        .map_err(|e| AppError::Store(e.into()))?
    else {
        return Ok((Vec::new(), Some("workflow instance not found".into())));
    };
    if inst.state != state {
        return Ok((
            Vec::new(),
            Some(format!(
                "the document left step {state} before the notice was sent"
            )),
        ));
    }
    let Some(doc) = repo::document_by_id(db, inst.document_id).await? else {
        return Ok((Vec::new(), Some("document not found".into())));
    };
    let mut people = holders(store, &doc, &inst, role).await?;
    people.retain(|p| p.user.username != by);
    if people.is_empty() {
        return Ok((
            Vec::new(),
            Some(format!("no one to notify at step {state}")),
        ));
    }
    let def = registry
        .get(
            store,
            &inst.definition_id,
            u32::try_from(inst.definition_version).unwrap_or(0),
        )
        .await?;
    let state_label = def.state(&state).map_or(state.clone(), |s| s.label.clone());
    let action = payload["action"].as_str().unwrap_or_default();
    let action_label = def
        .transitions
        .iter()
        .find(|t| t.action == action)
        .map_or(action.to_owned(), |t| t.label.clone());
    let actor_name = match e.transition_id {
        Some(id) => match transition::Entity::find_by_id(id)
            .one(db)
            .await
            .map_err(|e| AppError::Store(e.into()))?
        {
            Some(t) => accounts::user_by_id(db, t.actor_id)
                .await?
                .map(|u| u.full_name)
                .unwrap_or_default(),
            None => String::new(),
        },
        None => String::new(),
    };
    let title = repo::latest_version(db, doc.id)
        .await?
        .map_or(doc.title.clone(), |v| v.title);
    let agency_name = directory::agency_by_id(db, doc.agency_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let subject = format!("[Thông báo] Văn bản \"{title}\" chờ xử lý: {state_label}");
    let link = format!("{base}/documents/{}", doc.id);
    let msgs = people
        .iter()
        .map(|p| NewMessage {
            document_id: Some(doc.id),
            assignment_id: doc.assignment_id,
            recipient_text: format!("{} ({})", p.user.full_name, p.capacity),
            agency_id: None,
            email: p.user.email.clone(),
            message_id: format!(
                "trinhky.notify.e{}.{}@{domain}",
                e.id,
                addr_hash(&p.user.email)
            ),
            subject: subject.clone(),
            body: format!(
                "Kính gửi: {} ({}).\n\nVăn bản: {title}\nCơ quan soạn thảo: {agency_name}\nThao tác vừa thực hiện: {action_label} ({actor_name})\nBước xử lý hiện tại: {state_label}\n\nĐề nghị xem và xử lý văn bản: {link}\n\n{FOOTER}",
                p.user.full_name, p.capacity
            ),
            kind: "notify".into(),
        })
        .collect();
    Ok((msgs, None))
}

/// The active people holding `role` for the document, with a valid e-mail address.
async fn holders(
    store: &Store,
    doc: &document::Model,
    inst: &workflow_instance::Model,
    role: Option<ActorRole>,
) -> Result<Vec<Person>> {
    let db = store.db();
    let agency_name = directory::agency_by_id(db, doc.agency_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let mut people = Vec::new();
    let (agencies, roles): (Vec<i32>, &[Role]) = match role {
        None | Some(ActorRole::System) => (Vec::new(), &[]),
        Some(ActorRole::Drafter) => {
            if let Some(u) = accounts::user_by_id(db, doc.drafter_id).await?
                && u.active
            {
                push_unique(
                    &mut people,
                    vec![Person {
                        capacity: format!("chuyên viên soạn thảo, {agency_name}"),
                        user: u,
                    }],
                );
            }
            (Vec::new(), &[])
        }
        Some(ActorRole::UnitHead) => (vec![doc.agency_id], &[Role::UnitHead]),
        Some(ActorRole::AgencyHead) => (vec![doc.agency_id], &[Role::AgencyHead]),
        Some(ActorRole::Signer) => (vec![doc.agency_id], &[Role::AgencyHead, Role::DeputyHead]),
        Some(ActorRole::Clerk) => (vec![doc.agency_id], &[Role::Clerk]),
        Some(ActorRole::RecipientClerk) => (recipient_agencies(store, doc).await?, &[Role::Clerk]),
        Some(ActorRole::Consulted) => {
            let mut ids = Vec::new();
            for (_, c) in repo::consultations_of(db, inst.id).await? {
                if c.answered_at.is_none() && !ids.contains(&c.agency_id) {
                    ids.push(c.agency_id);
                }
            }
            (ids, &[Role::AgencyHead, Role::DeputyHead])
        }
    };
    for id in agencies {
        let name = directory::agency_by_id(db, id)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        push_unique(&mut people, members(store, id, roles, &name).await?);
    }
    Ok(people)
}

/// The agencies the latest Nơi nhận names, other than the document's own.
async fn recipient_agencies(store: &Store, doc: &document::Model) -> Result<Vec<i32>> {
    let db = store.db();
    let Some(version) = repo::latest_version(db, doc.id).await? else {
        return Ok(Vec::new());
    };
    let index = crate::directive_intake::directory_index(store).await?;
    let mut ids = Vec::new();
    for code in crate::documents::recipient_codes(&index, &version.recipients) {
        if let Some(a) = directory::agency_by_code(db, &code).await?
            && a.id != doc.agency_id
            && !ids.contains(&a.id)
        {
            ids.push(a.id);
        }
    }
    Ok(ids)
}
