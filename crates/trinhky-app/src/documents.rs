//! Use cases of the document workflow: create a report from an assignment, edit it (each edit a
//! new version), act on it (submit, return, approve, issue …), delegate signing authority, list
//! one's work, and produce deadline reminders. Each action is one transaction with its audit
//! event and effect rows; who may act is decided by the pure engine
//! (`trinhky_domain::workflow::apply`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_domain::workflow::{
    self, ActionInput, Actor, Authority, Consultation, Definition, Delegation, Denied, Effect,
    Instance,
};
use trinhky_store::documents::{self as repo, Content, NewDocument, TransitionRecord};
use trinhky_store::entities::{document, document_version, transition, workflow_instance};
use trinhky_store::{Store, StoreError, accounts, directory, intake};

use crate::access::{self, Standing, Want};
use crate::registry::Registry;
use crate::signing;
use crate::{AppError, Principal, Result};

fn store_err(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::Conflict(m),
        other => other.into(),
    }
}

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

async fn consultations(store: &Store, instance_id: i32) -> Result<Vec<Consultation>> {
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
fn recipient_codes(index: &trinhky_domain::resolve::DirectoryIndex, text: &str) -> Vec<String> {
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

fn build_instance(
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
/// ([`crate::access::decide`]) allows: 403 for anyone with no business with it, whether or not
/// it exists. [`Loaded::standing`] says why it was granted; a recipient's is the issued copy only.
pub async fn load(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    want: Want,
) -> Result<Loaded> {
    let db = store.db();
    let forbidden = access::refused;
    let document = repo::document_by_id(db, doc_id)
        .await?
        .ok_or_else(forbidden)?;
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

/// Creates a report (báo cáo …) from an assignment of the caller's agency; the caller becomes
/// its drafter. The content is prefilled from the assignment.
pub async fn create_from_assignment(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    assignment_id: i32,
    doc_type: Option<&str>,
) -> Result<document::Model> {
    let db = store.db();
    let a = intake::assignment_by_id(db, assignment_id)
        .await?
        .ok_or_else(|| AppError::Forbidden(String::new()))?;
    let agency = directory::agency_by_id(db, a.lead_agency_id)
        .await?
        .ok_or_else(|| AppError::Forbidden(String::new()))?;
    if !p.has_role(&agency.code, Role::Drafter) {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên của cơ quan chủ trì mới soạn báo cáo cho nhiệm vụ này.".into(),
        ));
    }
    // One report per assignment: opening it again leads to the same document.
    if let Some(existing) = repo::document_for_assignment(db, a.id).await? {
        return Ok(existing);
    }
    let doc_type = doc_type.unwrap_or(if a.deliverable.to_lowercase().starts_with("kế hoạch") {
        "KH"
    } else {
        "BC"
    });
    let def = registry.for_doc_type(doc_type).ok_or_else(|| {
        AppError::Invalid(format!(
            "no workflow handles document type {doc_type}; add it to a definition's doc_types"
        ))
    })?;
    let title = if a.deliverable.trim().is_empty() {
        format!("Báo cáo thực hiện nhiệm vụ {}", a.task_ref)
    } else {
        a.deliverable.clone()
    };
    let addressees = if a.report_to.trim().is_empty() {
        "Ủy ban nhân dân tỉnh".to_owned()
    } else {
        a.report_to.clone()
    };
    let content = Content {
        title,
        body: String::new(),
        addressees: addressees.clone(),
        recipients: format!("- Như trên;\n- Lưu: VT, {}.", agency.code),
    };
    // The optional unit review applies in agencies that have a unit head (trưởng phòng).
    let has_unit_head = accounts::agency_members(db, agency.id)
        .await?
        .iter()
        .any(|(_, r, _)| *r == Role::UnitHead);
    let now = Utc::now();
    let txn = store.begin_write().await?;
    let (doc, _) = repo::create_document(
        &txn,
        &p.actor(),
        NewDocument {
            agency_id: agency.id,
            assignment_id: Some(a.id),
            doc_type: doc_type.to_owned(),
            drafter_id: p.user.id,
            content,
            definition_id: def.id.clone(),
            definition_version: i32::try_from(def.version).unwrap_or(i32::MAX),
            initial_state: def.initial.clone(),
            skip_optional: !has_unit_head,
            due_date: a.last_day,
        },
        now,
    )
    .await
    .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(doc)
}

/// Saves an edit as a new version. Only the drafter, and only while the document is in a state
/// the drafter is responsible for.
pub async fn edit(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    expected_version: i32,
    content: Content,
    note: &str,
) -> Result<i32> {
    let l = load(store, registry, p, doc_id, Want::Change).await?;
    if !crate::attachments::may_edit(&l, p) {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên soạn thảo được sửa văn bản khi văn bản đang ở bước dự thảo.".into(),
        ));
    }
    if content.title.trim().is_empty() {
        return Err(AppError::Invalid("Trích yếu không được để trống.".into()));
    }
    let content = Content {
        title: trinhky_domain::text::nfc(content.title.trim()),
        body: trinhky_domain::text::nfc(&content.body),
        addressees: trinhky_domain::text::nfc(content.addressees.trim()),
        recipients: trinhky_domain::text::nfc(content.recipients.trim()),
    };
    let txn = store.begin_write().await?;
    let no = repo::add_version(
        &txn,
        &p.actor(),
        doc_id,
        expected_version,
        p.user.id,
        &content,
        note,
        Utc::now(),
    )
    .await
    .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(no)
}

/// Sets the document's độ mật: the drafter while drafting, or the agency head before issuing.
/// A classified document is numbered in its own register and is never e-mailed.
pub async fn classify(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    classification: Option<trinhky_domain::numbering::Classification>,
) -> Result<()> {
    let l = load(store, registry, p, doc_id, Want::Change).await?;
    let drafter_state = l
        .definition
        .state(&l.instance.state)
        .is_some_and(|s| s.role == Some(workflow::ActorRole::Drafter));
    let numbered = trinhky_store::numbering::number_of(store.db(), doc_id)
        .await?
        .is_some();
    let allowed = (l.document.drafter_id == p.user.id && drafter_state)
        || (p.has_role(&l.agency_code, Role::AgencyHead) && !numbered);
    if !allowed {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên soạn thảo (khi dự thảo) hoặc thủ trưởng cơ quan (trước khi phát hành) được xác định độ mật.".into(),
        ));
    }
    let txn = store.begin_write().await?;
    repo::set_classification(
        &txn,
        &p.actor(),
        doc_id,
        classification.map(|c| c.as_str()),
        Utc::now(),
    )
    .await
    .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(())
}

/// What the caller sends with an action.
#[derive(Debug, Clone, Default)]
pub struct ActRequest {
    pub comment: Option<String>,
    pub pin: Option<String>,
    pub attachments: usize,
    pub expected_version: i64,
}

/// A denial as a use-case error, with its `WFD…` code (see [`AppError::kind`]).
pub fn denied(d: Denied) -> AppError {
    AppError::Denied(d)
}

fn effect_row(e: &Effect) -> (String, serde_json::Value) {
    let v = serde_json::to_value(e).unwrap_or_default();
    let kind = v
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("unknown")
        .to_owned();
    (kind, v)
}

/// Performs an action on a document as `p`, atomically with history, effects and audit.
pub async fn act(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    action: &str,
    req: ActRequest,
    now: DateTime<Utc>,
) -> Result<workflow_instance::Model> {
    let l = load(store, registry, p, doc_id, Want::Step).await?;
    // A recipient takes the recipients' steps (receive, archive) and nothing else.
    if l.standing == Standing::Recipient
        && !l
            .definition
            .actions_from(&l.instance.state)
            .iter()
            .any(|t| t.action == action && t.by.contains(&workflow::ActorRole::RecipientClerk))
    {
        return Err(access::refused());
    }
    let actor = actor(store, p).await?;
    let input = ActionInput {
        comment: req
            .comment
            .clone()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        pin_provided: req.pin.as_deref().is_some_and(|x| !x.trim().is_empty()),
        // A workflow may require an attachment: the files stored with the document count.
        attachments: req.attachments.max(
            trinhky_store::attachments::of_document(store.db(), l.document.id)
                .await?
                .len(),
        ),
        expected_version: req.expected_version,
    };
    let outcome =
        workflow::apply(&l.definition, &l.domain, &actor, action, &input, now).map_err(denied)?;
    // The step's due date: its SLA in working days, never later than the assignment's deadline,
    // which the document inherits.
    let deadline = match l.document.assignment_id {
        Some(aid) => intake::assignment_by_id(store.db(), aid)
            .await?
            .and_then(|a| a.last_day),
        None => None,
    };
    let sla = match l
        .definition
        .state(&outcome.to)
        .and_then(|s| s.sla_working_days)
    {
        Some(n) => Some(workflow::sla_due(
            &*registry.calendar_now(store).await?,
            now,
            n,
        )),
        None => None,
    };
    let due = match (sla, deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let signing = outcome.signing.clone();
    let effects: Vec<(String, serde_json::Value)> =
        outcome.effects.iter().map(effect_row).collect();
    let record = TransitionRecord {
        action: outcome.action.clone(),
        from: outcome.from.clone(),
        to: outcome.to.clone(),
        actor_id: p.user.id,
        acted_as: serde_json::to_value(outcome.acted_as)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        comment: input.comment.clone(),
        authority: signing.as_ref().and_then(|s| s.authority.clone()),
        position: signing.as_ref().map(|s| s.position.clone()),
        document_version: l.version.version_no,
        personal_signed: l.instance.personal_signed
            || outcome
                .effects
                .iter()
                .any(|e| matches!(e, Effect::SignPersonal { .. })),
        organization_signed: l.instance.organization_signed
            || outcome
                .effects
                .iter()
                .any(|e| matches!(e, Effect::SignOrganization)),
        signer_id: signing.as_ref().map(|_| p.user.id),
        due_date: due,
    };
    // Keys first: a wrong PIN stops the action before anything is rendered or written.
    let sign_personal = outcome
        .effects
        .iter()
        .any(|e| matches!(e, Effect::SignPersonal { .. }));
    let sign_org = outcome
        .effects
        .iter()
        .any(|e| matches!(e, Effect::SignOrganization));
    let pin = req.pin.as_deref().map(str::trim).unwrap_or_default();
    let signing_cfg = if sign_personal || sign_org {
        Some(registry.signing.clone().ok_or_else(|| {
            AppError::Internal("signing is not configured (no trust roots or images)".into())
        })?)
    } else {
        None
    };
    let personal_key = if sign_personal {
        Some(
            signing::unlock(
                store,
                signing_cfg
                    .as_deref()
                    .unwrap_or(&signing::Signing::default()),
                signing::KeyOf::Person {
                    user_id: p.user.id,
                    username: &p.user.username,
                },
                pin,
                now,
            )
            .await
            .map(std::sync::Arc::new)?,
        )
    } else {
        None
    };
    let org_key = if sign_org {
        Some(
            signing::unlock(
                store,
                signing_cfg
                    .as_deref()
                    .unwrap_or(&signing::Signing::default()),
                signing::KeyOf::Agency {
                    agency_id: l.document.agency_id,
                    code: &l.agency_code,
                    clerk: &p.user.username,
                },
                pin,
                now,
            )
            .await
            .map(std::sync::Arc::new)?,
        )
    } else {
        None
    };
    let place = directory::settings(store.db())
        .await?
        .map(|s| s.place)
        .unwrap_or_default();
    // Render: the version laid out per the decree, stored with the transition. A draft (submit)
    // carries the DỰ THẢO watermark; the text the head approves does not, and is signed at once
    // (with empty number and date fields the clerk's issuing fills in).
    let mut rendered: Option<(&'static str, Vec<u8>, usize)> = None;
    let mut personal_signature: Option<signing::Signed> = None;
    if outcome.effects.iter().any(|e| matches!(e, Effect::Render)) {
        if let Some(renderer) = &registry.renderer {
            let signer = match (&outcome.signing, sign_personal) {
                (Some(s), true) => trinhky_render::Signer {
                    authority: s.authority.clone().into_iter().collect(),
                    position: s.position.clone(),
                    name: p.user.full_name.clone(),
                },
                _ => crate::rendering::signer_block(store, &l).await?,
            };
            let data =
                crate::rendering::document_data(store, &l, signer, None, None, !sign_personal)
                    .await?;
            let (pdf, pages, slots) = {
                let (r, doc_type) = (renderer.clone(), l.document.doc_type.clone());
                crate::cpu::run(move || crate::rendering::render_with_slots(&r, &doc_type, &data))
                    .await?
            };
            match (&personal_key, &signing_cfg) {
                (Some(key), Some(cfg)) => {
                    let (cfg, key, pdf) = (cfg.clone(), key.clone(), pdf.clone());
                    let (username, full_name) = (p.user.username.clone(), p.user.full_name.clone());
                    let place = place.clone();
                    let signed = crate::cpu::run(move || {
                        signing::sign_personal(
                            &cfg, &key, &pdf, &slots, &username, &full_name, &place, now,
                        )
                    })
                    .await?;
                    rendered = Some(("signed", signed.pdf.clone(), pages));
                    personal_signature = Some(signed);
                }
                _ => rendered = Some(("draft", pdf.clone(), pages)),
            }
        }
    }
    if sign_personal && personal_signature.is_none() {
        return Err(AppError::Internal(
            "sign_personal needs the render effect before it and a renderer".into(),
        ));
    }
    // Dispatch needs every Nơi nhận line resolved: an unresolved line blocks issuing.
    let dispatch_to = if outcome
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Dispatch))
    {
        Some(
            crate::dispatch::resolve_recipients(
                store,
                &l.version.recipients,
                &l.version.addressees,
            )
            .await?,
        )
    } else {
        None
    };
    // A classified document (văn bản mật) never leaves by e-mail: it goes only to agencies that
    // receive inside trinhky (they have a clerk account), and every other line blocks issuing.
    let classified = l.document.classification.is_some();
    if let (true, Some(recipients)) = (classified, &dispatch_to) {
        let mut outside = Vec::new();
        for r in recipients {
            let internal = match r.agency_id {
                Some(id) => accounts::agency_members(store.db(), id)
                    .await?
                    .iter()
                    .any(|(_, role, _)| *role == Role::Clerk),
                None => false,
            };
            if !internal {
                outside.push(r.text.clone());
            }
        }
        if !outside.is_empty() {
            return Err(AppError::Invalid(format!(
                "Văn bản mật không được gửi qua thư điện tử: {} không nhận văn bản trên trinhky. Bỏ các dòng này khỏi Nơi nhận và gửi bản giấy theo quy định bảo vệ bí mật nhà nước.",
                outside.join("; ")
            )));
        }
    }
    let txn = store.begin_write().await?;
    let mut effects = effects;
    let mut issued_number: Option<String> = None;
    let mut issued_sha: Option<String> = None;
    if outcome
        .effects
        .iter()
        .any(|e| matches!(e, Effect::AssignNumber))
    {
        // Số, ký hiệu: taken inside this transaction, so a failed issuing gives it back.
        let today = workflow::local_date(now);
        let register = trinhky_domain::numbering::register_for(
            registry.numbering_per_type,
            &l.document.doc_type,
            l.document.classification.is_some(),
        );
        let seq = trinhky_store::numbering::next_number(
            &txn,
            l.document.agency_id,
            chrono::Datelike::year(&today),
            &register,
        )
        .await?;
        let number = trinhky_domain::numbering::format_number(
            seq,
            Some(&l.document.doc_type),
            &l.agency_code,
            None,
        );
        let signer = match l.instance.signer_id {
            Some(id) => accounts::user_by_id(&txn, id)
                .await?
                .map(|u| u.full_name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let recipients: Vec<&str> = l
            .version
            .recipients
            .lines()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect();
        trinhky_store::numbering::register_outgoing(
            &txn,
            &p.actor(),
            &trinhky_store::numbering::Entry {
                agency_id: l.document.agency_id,
                register,
                seq,
                number: number.clone(),
                document_id: Some(l.document.id),
                doc_type: l.document.doc_type.clone(),
                issued_on: today,
                title: l.version.title.clone(),
                signer,
                recipients: l.version.recipients.clone(),
                copies: i32::try_from(recipients.len()).unwrap_or(0),
                note: String::new(),
            },
        )
        .await?;
        for (kind, payload) in effects.iter_mut() {
            if kind == "assign_number" {
                payload["number"] = serde_json::Value::String(number.clone());
            }
        }
        // The organisation's signature: the number and date written into the head's signed
        // file, then the seal. Inside this transaction, so the number and the file go together.
        if let (Some(key), Some(cfg)) = (&org_key, &signing_cfg) {
            let file = repo::latest_file(&txn, l.document.id, Some("signed"))
                .await?
                .ok_or_else(|| {
                    AppError::Conflict(
                        "Văn bản chưa có bản đã ký số của người có thẩm quyền: không thể phát hành."
                            .into(),
                    )
                })?;
            let blob = trinhky_store::blobs::get(&txn, &file.blob_sha256)
                .await?
                .ok_or_else(|| AppError::Internal("signed file blob is missing".into()))?;
            let signed = {
                let (cfg, key) = (cfg.clone(), key.clone());
                let number_line = format!("Số: {number}");
                let date_line = trinhky_render::format_place_date(&place, today);
                let (code, name) = (l.agency_code.clone(), l.agency_name.clone());
                crate::cpu::run(move || {
                    signing::sign_organization(
                        &cfg,
                        &key,
                        &blob.data,
                        &number_line,
                        &date_line,
                        &code,
                        &name,
                        now,
                    )
                })
                .await?
            };
            let sha = repo::add_file(
                &txn,
                l.document.id,
                l.version.version_no,
                "issued",
                &signed.pdf,
                usize::try_from(file.pages).unwrap_or(0),
                now,
            )
            .await?;
            issued_sha = Some(sha.clone());
            // Phụ lục in separate PDF files travel with the document, each signed by the
            // organisation with the document's number (Word and Excel files go unsigned).
            let mut signed_attachments = Vec::new();
            for a in trinhky_store::attachments::of_document(&txn, l.document.id).await? {
                if a.kind != "pdf" {
                    continue;
                }
                let blob = trinhky_store::blobs::get(&txn, &a.blob_sha256)
                    .await?
                    .ok_or_else(|| AppError::Internal("attachment blob is missing".into()))?;
                let (c, k, n, name) = (
                    cfg.clone(),
                    key.clone(),
                    number.clone(),
                    l.agency_name.clone(),
                );
                let signed =
                    crate::cpu::run(move || signing::sign_attachment(&c, &k, &blob.data, &n, &name, now))
                        .await
                        .map_err(|e| {
                            AppError::Invalid(format!(
                                "Không ký số được phụ lục \"{}\" ({e}): thay tệp PDF này rồi phát hành lại.",
                                a.file_name
                            ))
                        })?;
                trinhky_store::attachments::set_signed(
                    &txn,
                    &p.actor(),
                    &a,
                    &signed.pdf,
                    &number,
                    now,
                )
                .await?;
                signed_attachments.push(a.file_name.clone());
            }
            for (kind, payload) in effects.iter_mut() {
                if kind == "sign_organization" {
                    payload["attachments"] = serde_json::json!(signed_attachments);
                    payload["pdf_sha256"] = serde_json::Value::String(sha.clone());
                    payload["certificate"] = serde_json::Value::String(signed.subject.clone());
                    payload["serial"] = serde_json::Value::String(signed.serial.clone());
                    payload["signed_at"] = serde_json::Value::String(signed.time.clone());
                }
            }
        }
        issued_number = Some(number);
    }
    if sign_org && issued_number.is_none() {
        return Err(AppError::Internal(
            "sign_organization needs assign_number before it".into(),
        ));
    }
    if let Some(recipients) = &dispatch_to {
        let number = issued_number
            .clone()
            .unwrap_or_else(|| format!("dự thảo {}", l.document.id));
        let domain = directory::settings(&txn)
            .await?
            .map(|s| s.email_domain)
            .unwrap_or_else(|| "trinhky.invalid".into());
        let signer = match l.instance.signer_id {
            Some(id) => accounts::user_by_id(&txn, id)
                .await?
                .map(|u| u.full_name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let msgs = crate::dispatch::messages(
            l.document.id,
            &number,
            &l.version.title,
            &l.agency_name,
            &signer,
            workflow::local_date(now),
            recipients,
            &domain,
        );
        if !classified {
            trinhky_store::outbox::enqueue(&txn, &p.actor(), &msgs, now).await?;
        }
        // Agencies inside trinhky get it in their incoming register, in this same transaction.
        if let Some(number) = &issued_number {
            let agencies: Vec<i32> = recipients.iter().filter_map(|r| r.agency_id).collect();
            crate::incoming::deliver(
                &txn,
                &p.actor(),
                &crate::incoming::Issued {
                    document_id: l.document.id,
                    from_agency_id: l.document.agency_id,
                    from_agency_name: &l.agency_name,
                    number,
                    doc_type: &l.document.doc_type,
                    doc_date: workflow::local_date(now),
                    title: &l.version.title,
                    signer: &signer,
                    file_sha256: issued_sha.clone(),
                },
                &agencies,
                now,
            )
            .await?;
        }
    }
    if let Some((kind, pdf, pages)) = &rendered {
        let sha = repo::add_file(
            &txn,
            l.document.id,
            l.version.version_no,
            kind,
            pdf,
            *pages,
            now,
        )
        .await?;
        for (k, payload) in effects.iter_mut() {
            if k == "render" {
                payload["pdf_sha256"] = serde_json::Value::String(sha.clone());
                payload["pages"] = serde_json::Value::from(*pages);
            }
            if let (true, Some(s)) = (k == "sign_personal", &personal_signature) {
                payload["pdf_sha256"] = serde_json::Value::String(sha.clone());
                payload["certificate"] = serde_json::Value::String(s.subject.clone());
                payload["serial"] = serde_json::Value::String(s.serial.clone());
                payload["signed_at"] = serde_json::Value::String(s.time.clone());
            }
        }
    }
    let (inst, _) = repo::record_transition(
        &txn,
        &p.actor(),
        &l.instance,
        req.expected_version,
        &record,
        &effects,
        now,
    )
    .await
    .map_err(store_err)?;
    if outcome
        .effects
        .iter()
        .any(|e| matches!(e, Effect::OpenConsultations))
    {
        open_consultations(&txn, store, &l, due.unwrap_or_else(|| now.date_naive())).await?;
    }
    if action == "answer" {
        for m in &p.memberships {
            repo::answer_consultation(
                &txn,
                inst.id,
                m.agency_id,
                p.user.id,
                input.comment.as_deref().unwrap_or_default(),
                now,
            )
            .await?;
        }
    }
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(inst)
}

async fn open_consultations(
    txn: &trinhky_store::DatabaseTransaction,
    store: &Store,
    l: &Loaded,
    due: NaiveDate,
) -> Result<()> {
    // The assignment's co-agencies are consulted (phối hợp, lấy ý kiến).
    let Some(aid) = l.document.assignment_id else {
        return Ok(());
    };
    let Some(a) = intake::assignment_by_id(store.db(), aid).await? else {
        return Ok(());
    };
    let codes: Vec<String> = serde_json::from_str(&a.co_agencies).unwrap_or_default();
    for code in codes {
        if let Some(ag) = directory::agency_by_code(store.db(), &code).await? {
            if ag.id != l.document.agency_id {
                repo::open_consultation(txn, l.instance.id, ag.id, due).await?;
            }
        }
    }
    Ok(())
}

/// A row of "Việc của tôi".
#[derive(Debug, Clone, Serialize)]
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
    // (delegations are valid per day) and the caller's roles and delegations key a per-process
    // cache, so repeated visits (paging, refreshing) skip the candidate reads and the engine.
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
    if let Some(items) = inbox_cache::get(user, &key) {
        return Ok(items);
    }
    let items = inbox_uncached(store, registry, p, &actor, now).await?;
    inbox_cache::put(user, key, &items);
    Ok(items)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct InboxKey {
    head: i64,
    day: chrono::NaiveDate,
    who: u64,
}

/// Per-process inbox cache: (store, user) → (key, items). Bounded: cleared when it holds too many users.
mod inbox_cache {
    use super::{InboxKey, WorkItem};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    /// (store instance, user id) → the key the items were computed under, and the items.
    type Map = HashMap<(u64, i32), (InboxKey, Arc<Vec<WorkItem>>)>;
    static CACHE: OnceLock<Mutex<Map>> = OnceLock::new();
    const MAX_USERS: usize = 10_000;

    pub(super) fn get(user: (u64, i32), key: &InboxKey) -> Option<Vec<WorkItem>> {
        let map = CACHE.get_or_init(Default::default).lock().ok()?;
        match map.get(&user) {
            Some((k, items)) if k == key => Some(items.as_ref().clone()),
            _ => None,
        }
    }

    pub(super) fn put(user: (u64, i32), key: InboxKey, items: &[WorkItem]) {
        if let Ok(mut map) = CACHE.get_or_init(Default::default).lock() {
            if map.len() >= MAX_USERS {
                map.clear();
            }
            map.insert(user, (key, Arc::new(items.to_vec())));
        }
    }
}

async fn inbox_uncached(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    actor: &Actor,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<WorkItem>> {
    use workflow::ActorRole;
    let db = store.db();
    // Which states each of the user's roles acts in, over every definition in use: the query
    // then reads only documents that can possibly be waiting for this user.
    let mut defs: Vec<Arc<Definition>> = Vec::new();
    for id in registry.ids() {
        if let Some(d) = registry.latest(&id) {
            defs.push(d);
        }
    }
    for (id, version) in repo::definitions_in_use(db).await? {
        if !defs.iter().any(|d| d.id == id && d.version == version) {
            if let Ok(d) = registry.get(store, &id, version).await {
                defs.push(d);
            }
        }
    }
    let states_for = |roles: &[ActorRole]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for d in &defs {
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
    let mut q = repo::InboxQuery::default();
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

/// The transition history with actor names, oldest first.
pub async fn history(store: &Store, instance_id: i32) -> Result<Vec<(transition::Model, String)>> {
    let mut out = Vec::new();
    for t in repo::transitions_of(store.db(), instance_id).await? {
        let name = accounts::user_by_id(store.db(), t.actor_id)
            .await?
            .map(|u| u.full_name)
            .unwrap_or_default();
        out.push((t, name));
    }
    Ok(out)
}

/// A head grants a deputy of the same agency signing authority (KT. by default) for a period,
/// or permanently for a workflow.
pub async fn delegate(
    store: &Store,
    p: &Principal,
    agency_code: &str,
    deputy_username: &str,
    authority: Authority,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    workflow_id: Option<String>,
) -> Result<()> {
    if !p.has_role(agency_code, Role::AgencyHead) {
        return Err(AppError::Forbidden(
            "Chỉ thủ trưởng cơ quan mới giao quyền ký thay.".into(),
        ));
    }
    if valid_to.is_some_and(|t| t < valid_from) {
        return Err(AppError::Invalid(
            "Ngày kết thúc phải sau ngày bắt đầu.".into(),
        ));
    }
    let db = store.db();
    let agency = directory::agency_by_code(db, agency_code)
        .await?
        .ok_or_else(|| AppError::Forbidden(String::new()))?;
    let deputy = accounts::user_by_username(db, deputy_username)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("Không có tài khoản \"{deputy_username}\".")))?;
    let deputy_roles = accounts::memberships(db, deputy.id).await?;
    let deputy_title = deputy_roles
        .iter()
        .find(|m| m.agency_code == agency_code && m.role == Role::DeputyHead)
        .map(|m| m.title.clone())
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "{} không phải cấp phó của {}.",
                deputy.full_name, agency.name
            ))
        })?;
    let head_title = p
        .memberships
        .iter()
        .find(|m| m.agency_code == agency_code && m.role == Role::AgencyHead)
        .map(|m| m.title.clone())
        .unwrap_or_else(|| agency.head_title.clone());
    let authority = match authority {
        Authority::Kt => "kt",
        Authority::Tl => "tl",
        Authority::Tuq => "tuq",
    };
    let txn = store.begin_write().await?;
    repo::create_delegation(
        &txn,
        &p.actor(),
        agency.id,
        p.user.id,
        deputy.id,
        authority,
        &head_title,
        &deputy_title,
        valid_from,
        valid_to,
        workflow_id,
    )
    .await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(())
}

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

/// The agency head (or unit head) gives a document to another drafter of the same agency. The
/// history keeps who drafted it before.
pub async fn reassign(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    new_drafter: &str,
    expected_version: i64,
) -> Result<()> {
    let l = load(store, registry, p, doc_id, Want::Change).await?;
    if !(p.has_role(&l.agency_code, Role::AgencyHead) || p.has_role(&l.agency_code, Role::UnitHead))
    {
        return Err(AppError::Forbidden(
            "Chỉ thủ trưởng hoặc trưởng phòng mới giao lại văn bản cho chuyên viên khác.".into(),
        ));
    }
    if l.definition.is_terminal(&l.instance.state) {
        return Err(AppError::Conflict(
            "Văn bản đã kết thúc quy trình; không giao lại được.".into(),
        ));
    }
    let db = store.db();
    let user = accounts::user_by_username(db, new_drafter)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("Không có tài khoản \"{new_drafter}\".")))?;
    let is_drafter = accounts::memberships(db, user.id)
        .await?
        .iter()
        .any(|m| m.agency_code == l.agency_code && m.role == Role::Drafter);
    if !is_drafter {
        return Err(AppError::Invalid(format!(
            "{} không phải chuyên viên của {}.",
            user.full_name, l.agency_name
        )));
    }
    if user.id == l.document.drafter_id {
        return Err(AppError::Invalid(format!(
            "{} đang là chuyên viên soạn thảo văn bản này.",
            user.full_name
        )));
    }
    let comment = format!("Giao lại từ {} cho {}", l.drafter_name, user.full_name);
    let txn = store.begin_write().await?;
    repo::reassign_drafter(
        &txn,
        &p.actor(),
        p.user.id,
        &l.instance,
        expected_version,
        user.id,
        &comment,
        Utc::now(),
    )
    .await
    .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(())
}
