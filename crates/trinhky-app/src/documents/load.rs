//! Loading a document for someone: the engine's view of the caller ([`actor`]) and of the
//! document ([`Instance`]), and the access policy's decision ([`Standing`]).

use trinhky_domain::workflow::{Actor, Authority, Consultation, Definition, Delegation, Instance};
use trinhky_store::documents as repo;
use trinhky_store::entities::{document, document_version, workflow_instance};
use trinhky_store::{Store, accounts, directory};

use crate::access::{self, Standing, Want};
use crate::registry::Registry;
use crate::{AppError, Principal, Result};

/// The engine's view of the caller, with their delegations.
pub async fn actor(store: &Store, p: &Principal) -> Result<Actor> {
    let db = store.db();
    let mut delegations = Vec::new();
    for d in repo::delegations_to(db, p.user.id).await? {
        let agency = directory::agency_by_id(db, d.agency_id)
            .await?
            .map(|a| a.code)
            .unwrap_or_default();
        let from = accounts::user_by_id(db, d.from_user_id)
            .await?
            .map(|u| u.username)
            .unwrap_or_default();
        let authority = match d.authority.as_str() {
            "tl" => Authority::Tl,
            "tuq" => Authority::Tuq,
            _ => Authority::Kt,
        };
        delegations.push(Delegation {
            agency,
            from_username: from,
            to_username: p.user.username.clone(),
            authority,
            head_title: d.head_title,
            deputy_title: d.deputy_title,
            valid_from: d.valid_from,
            valid_to: d.valid_to,
            workflow: d.workflow,
        });
    }
    Ok(Actor {
        username: p.user.username.clone(),
        roles: p
            .memberships
            .iter()
            .map(|m| (m.agency_code.clone(), m.role))
            .collect(),
        delegations,
        ..Default::default()
    })
}

/// Everything about one document that pages and the API show.
pub struct Loaded {
    pub document: document::Model,
    pub agency_code: String,
    pub agency_name: String,
    pub drafter_name: String,
    pub version: document_version::Model,
    pub instance: workflow_instance::Model,
    pub definition: std::sync::Arc<Definition>,
    pub domain: Instance,
    /// Why the caller may see it: a recipient sees the issued copy only.
    pub standing: Standing,
}

async fn domain_instance(
    store: &Store,
    inst: &workflow_instance::Model,
    agency: &trinhky_store::entities::agency::Model,
    drafter: &str,
    recipients_text: &str,
) -> Result<Instance> {
    let index = crate::directive_intake::directory_index(store).await?;
    let consultations = consultations(store, inst.id).await?;
    Ok(build_instance(
        Some(&index),
        inst,
        agency,
        drafter,
        recipients_text,
        consultations,
    ))
}

pub(crate) async fn consultations(store: &Store, instance_id: i32) -> Result<Vec<Consultation>> {
    Ok(
        trinhky_store::documents::consultations_of(store.db(), instance_id)
            .await?
            .into_iter()
            .map(|(code, c)| Consultation {
                agency: code,
                answered: c.answered_at.is_some(),
                due: c.due,
            })
            .collect(),
    )
}

/// Recipient agencies of a Nơi nhận text: each line resolved against the directory.
pub(crate) fn recipient_codes(
    index: &trinhky_domain::resolve::DirectoryIndex,
    text: &str,
) -> Vec<String> {
    let mut recipients: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line
            .trim_start_matches(['-', '+', '•'])
            .trim()
            .trim_end_matches([';', '.', ',']);
        if line.to_lowercase().starts_with("lưu") {
            continue;
        }
        for c in index.resolve(line).agency_codes() {
            if !recipients.contains(&c) {
                recipients.push(c);
            }
        }
    }
    recipients
}

pub(crate) fn build_instance(
    index: Option<&trinhky_domain::resolve::DirectoryIndex>,
    inst: &workflow_instance::Model,
    agency: &trinhky_store::entities::agency::Model,
    drafter: &str,
    recipients_text: &str,
    consultations: Vec<Consultation>,
) -> Instance {
    Instance {
        definition_id: inst.definition_id.clone(),
        definition_version: u32::try_from(inst.definition_version).unwrap_or(0),
        state: inst.state.clone(),
        version: inst.version,
        agency: agency.code.clone(),
        head_title: agency.head_title.clone(),
        drafter: drafter.to_owned(),
        personal_signed: inst.personal_signed,
        organization_signed: inst.organization_signed,
        recipients: index.map_or_else(Vec::new, |i| recipient_codes(i, recipients_text)),
        consultations,
        skip_optional: inst.skip_optional,
    }
}

/// Loads a document for `p` and what they ask of it, as the access policy
/// ([`crate::access::decide`]) allows: 404 for an id no document has (a typo or a stale link
/// should not ask the administrator for a role), 403 for anyone with no business with an
/// existing one. [`Loaded::standing`] says why it was granted; a recipient's is the issued copy
/// only. Document ids are sequential, so whether one exists was never a secret.
pub async fn load(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    want: Want,
) -> Result<Loaded> {
    let db = store.db();
    let forbidden = access::refused;
    let document = repo::document_by_id(db, doc_id).await?.ok_or_else(|| {
        AppError::not_found(format!(
            "Không có văn bản mã {doc_id}: kiểm tra lại đường dẫn, hoặc mở văn bản từ danh sách “Việc của tôi”."
        ))
    })?;
    let agency = directory::agency_by_id(db, document.agency_id)
        .await?
        .ok_or_else(forbidden)?;
    let instance = repo::instance_of(db, doc_id).await?.ok_or_else(forbidden)?;
    let version = repo::latest_version(db, doc_id)
        .await?
        .ok_or_else(forbidden)?;
    let drafter = accounts::user_by_id(db, document.drafter_id)
        .await?
        .ok_or_else(forbidden)?;
    let domain = domain_instance(
        store,
        &instance,
        &agency,
        &drafter.username,
        &version.recipients,
    )
    .await?;
    let standing = standing(store, p, &document, &agency.code, &domain, want).await?;
    let definition = registry
        .get(
            store,
            &instance.definition_id,
            u32::try_from(instance.definition_version).unwrap_or(0),
        )
        .await?;
    Ok(Loaded {
        document,
        agency_code: agency.code,
        agency_name: agency.name,
        drafter_name: drafter.full_name,
        version,
        instance,
        definition,
        domain,
        standing,
    })
}

/// The facts the access policy needs, read for `p`, and its decision.
async fn standing(
    store: &Store,
    p: &Principal,
    document: &document::Model,
    agency_code: &str,
    domain: &Instance,
    want: Want,
) -> Result<Standing> {
    let db = store.db();
    let entry = trinhky_store::numbering::number_of(db, document.id).await?;
    let open: Vec<String> = domain
        .consultations
        .iter()
        .filter(|c| !c.answered)
        .map(|c| c.agency.clone())
        .collect();
    // Recipients: the agencies the latest Nơi nhận names and, once issued, those it was
    // delivered to (Kính gửi included). Only read for someone outside the owning agency.
    let mut recipients = domain.recipients.clone();
    if entry.is_some() && !p.belongs_to(agency_code) {
        for row in trinhky_store::incoming::of_document(db, document.id).await? {
            if let Some(a) = directory::agency_by_id(db, row.agency_id).await? {
                recipients.push(a.code);
            }
        }
    }
    let facts = access::Facts::of(
        p,
        agency_code,
        &open,
        &recipients,
        entry.is_some(),
        entry.as_ref().is_some_and(|e| e.recalled_at.is_some()),
    );
    access::decide(&facts, want)
}
