//! "Việc của tôi": the documents waiting for someone, found with a few set-based queries and
//! decided by the engine, cached per user until something is written.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_domain::workflow::{self, Actor, ActorRole, Definition};
use trinhky_store::documents::{self as repo, InboxQuery};
use trinhky_store::{Store, accounts, directory};

use super::{actor, build_instance, consultations, recipient_codes};
use crate::registry::Registry;
use crate::{Principal, Result};

/// A row of "Việc của tôi".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkItem {
    pub document_id: i32,
    pub title: String,
    pub doc_type: String,
    pub agency_code: String,
    pub state: String,
    pub state_label: String,
    pub due_date: Option<NaiveDate>,
    pub version: i64,
}

/// Documents waiting for `p`: every document of their agencies whose current state asks for a
/// role they hold (the drafter sees only their own drafts).
pub async fn inbox(store: &Store, registry: &Registry, p: &Principal) -> Result<Vec<WorkItem>> {
    let actor = actor(store, p).await?;
    let now = Utc::now();
    // The list only changes when something is written, and every write records an audit event
    // in its own transaction: the newest event's sequence number (one indexed read), the day
    // (delegations are valid per day) and the caller's roles and delegations key the
    // registry's cache, so repeated visits (paging, refreshing) skip the candidate reads and the engine.
    let key = InboxKey {
        head: trinhky_store::audit::head_seq(store.db()).await?,
        day: workflow::local_date(now),
        who: {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            format!("{:?}|{:?}", p.memberships, actor).hash(&mut h);
            h.finish()
        },
    };
    let user = (store.instance(), p.user.id);
    if let Some(items) = registry.inboxes().get(user, &key) {
        return Ok(items);
    }
    let items = inbox_uncached(store, registry, p, &actor, now).await?;
    registry.inboxes().put(user, key, &items);
    Ok(items)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct InboxKey {
    head: i64,
    day: NaiveDate,
    who: u64,
}

/// (store instance, user id) → the key the items were computed under, and the items.
type InboxMap = HashMap<(u64, i32), (InboxKey, Arc<Vec<WorkItem>>)>;

/// Computed inboxes: (store, user) → (key, items). Bounded: cleared when it holds too many users.
#[derive(Default)]
pub struct InboxCache {
    map: Mutex<InboxMap>,
}

impl InboxCache {
    const MAX_USERS: usize = 10_000;

    fn get(&self, user: (u64, i32), key: &InboxKey) -> Option<Vec<WorkItem>> {
        let map = self.map.lock().ok()?;
        match map.get(&user) {
            Some((k, items)) if k == key => Some(items.as_ref().clone()),
            _ => None,
        }
    }

    fn put(&self, user: (u64, i32), key: InboxKey, items: &[WorkItem]) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= Self::MAX_USERS {
                map.clear();
            }
            map.insert(user, (key, Arc::new(items.to_vec())));
        }
    }
}

/// Every definition version in use: the latest of each id and those running instances follow.
async fn definitions_in_use(store: &Store, registry: &Registry) -> Result<Vec<Arc<Definition>>> {
    let mut defs: Vec<Arc<Definition>> = Vec::new();
    for id in registry.ids() {
        if let Some(d) = registry.latest(&id) {
            defs.push(d);
        }
    }
    for (id, version) in repo::definitions_in_use(store.db()).await? {
        if !defs.iter().any(|d| d.id == id && d.version == version)
            && let Ok(d) = registry.get(store, &id, version).await
        {
            defs.push(d);
        }
    }
    Ok(defs)
}

/// Which states each of the user's roles acts in, over every definition in use: the query then
/// reads only documents that can possibly be waiting for this user.
fn inbox_query(p: &Principal, defs: &[Arc<Definition>]) -> InboxQuery {
    let states_for = |roles: &[ActorRole]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for d in defs {
            for s in &d.states {
                if !s.terminal
                    && s.role.is_some_and(|r| roles.contains(&r))
                    && !out.contains(&s.name)
                {
                    out.push(s.name.clone());
                }
            }
        }
        out
    };
    let mut q = InboxQuery::default();
    let mut drafter_agency = false;
    for m in &p.memberships {
        let roles: &[ActorRole] = match m.role {
            Role::Drafter => {
                drafter_agency = true;
                &[]
            }
            Role::UnitHead => &[ActorRole::UnitHead],
            Role::AgencyHead => &[ActorRole::AgencyHead, ActorRole::Signer],
            Role::DeputyHead => &[ActorRole::Signer],
            Role::Clerk => &[ActorRole::Clerk],
            Role::Admin => &[],
        };
        let states = states_for(roles);
        if !states.is_empty() {
            match q.agency_states.iter_mut().find(|(a, _)| *a == m.agency_id) {
                Some((_, s)) => s.extend(states),
                None => q.agency_states.push((m.agency_id, states)),
            }
        }
        if m.role == Role::Clerk && !q.recipient_agencies.contains(&m.agency_id) {
            q.recipient_agencies.push(m.agency_id);
        }
        if matches!(m.role, Role::AgencyHead | Role::DeputyHead)
            && !q.consulted_agencies.contains(&m.agency_id)
        {
            q.consulted_agencies.push(m.agency_id);
        }
    }
    if drafter_agency {
        q.drafter = Some((p.user.id, states_for(&[ActorRole::Drafter])));
    }
    q.recipient_states = states_for(&[ActorRole::RecipientClerk]);
    q
}

async fn inbox_uncached(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<WorkItem>> {
    let db = store.db();
    let defs = definitions_in_use(store, registry).await?;
    let q = inbox_query(p, &defs);
    let candidates = repo::inbox_candidates(db, &q).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // Everything the engine needs, loaded in bulk. The directory index (recipient names to
    // agency codes) is costly to build and only recipient-clerk states need it.
    let agencies: HashMap<i32, trinhky_store::entities::agency::Model> = directory::agencies(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut drafter_ids: Vec<i32> = candidates.iter().map(|(d, _)| d.drafter_id).collect();
    drafter_ids.sort_unstable();
    drafter_ids.dedup();
    let drafters = accounts::usernames(db, &drafter_ids).await?;
    let need_recipients: Vec<(i32, i32)> = candidates
        .iter()
        .filter(|(_, i)| {
            defs.iter().any(|d| {
                d.id == i.definition_id
                    && d.state(&i.state)
                        .is_some_and(|s| s.role == Some(ActorRole::RecipientClerk))
            })
        })
        .map(|(d, _)| (d.id, d.current_version))
        .collect();
    let versions = repo::latest_versions(db, &need_recipients).await?;
    let index = if need_recipients.is_empty() {
        None
    } else {
        Some(crate::directive_intake::directory_index(store).await?)
    };
    let mut out: Vec<WorkItem> = Vec::new();
    for (doc, inst) in candidates {
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
        let Some(agency) = agencies.get(&doc.agency_id) else {
            continue;
        };
        let consulted = def
            .state(&inst.state)
            .is_some_and(|s| s.role == Some(ActorRole::Consulted));
        let consults = if consulted {
            consultations(store, inst.id).await?
        } else {
            Vec::new()
        };
        let mut dom = build_instance(
            None,
            &inst,
            agency,
            drafters.get(&doc.drafter_id).map_or("", String::as_str),
            "",
            consults,
        );
        if let (Some(index), Some(v)) = (&index, versions.get(&doc.id)) {
            dom.recipients = recipient_codes(index, &v.recipients);
        }
        if workflow::available_actions(&def, &dom, actor, now).is_empty() {
            continue;
        }
        // A recipient's step is offered only while the access policy lets the recipient in:
        // issued and not recalled.
        if !p.belongs_to(&agency.code) && versions.contains_key(&doc.id) {
            let entry = trinhky_store::numbering::number_of(db, doc.id).await?;
            if entry.is_none_or(|e| e.recalled_at.is_some()) {
                continue;
            }
            // Received in the caller's incoming register already (registered or further): it
            // is handled there, not waiting in this queue (issue 16).
            if registered_by(db, p, doc.id).await? {
                continue;
            }
        }
        out.push(WorkItem {
            document_id: doc.id,
            title: doc.title.clone(),
            doc_type: doc.doc_type.clone(),
            agency_code: agency.code.clone(),
            state_label: def
                .state(&inst.state)
                .map(|s| s.label.clone())
                .unwrap_or_else(|| inst.state.clone()),
            state: inst.state.clone(),
            due_date: inst.due_date,
            version: inst.version,
        });
    }
    out.sort_by_key(|w| (w.due_date.is_none(), w.due_date, w.document_id));
    Ok(out)
}

/// Whether a recipient agency of `p` (as its clerk) has registered the document.
async fn registered_by(
    db: &trinhky_store::DatabaseConnection,
    p: &Principal,
    document_id: i32,
) -> Result<bool> {
    Ok(trinhky_store::incoming::of_document(db, document_id)
        .await?
        .iter()
        .any(|r| {
            r.status != "received"
                && p.memberships
                    .iter()
                    .any(|m| m.agency_id == r.agency_id && m.role == Role::Clerk)
        }))
}
