//! Documents (văn bản), their immutable versions, workflow instances with optimistic
//! concurrency, transition history, effect rows (outbox), delegations and loaded definitions.
//! Nothing here decides who may do what: the engine in `trinhky-domain` does, the use cases in
//! `trinhky-app` call these functions inside one transaction per action.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditInput};
use crate::entities::{
    delegation, document, document_version, effect, transition, workflow_definition,
    workflow_instance,
};
use crate::{Result, StoreError};

/// Records a loaded definition. The same (id, version) with different content is refused: a
/// changed definition must get a new version so running instances keep theirs.
pub async fn register_definition<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    version: i32,
    title: &str,
    source: &str,
) -> Result<bool> {
    let sha = hex::encode(Sha256::digest(source.as_bytes()));
    let existing = workflow_definition::Entity::find()
        .filter(workflow_definition::Column::DefinitionId.eq(id))
        .filter(workflow_definition::Column::Version.eq(version))
        .one(conn)
        .await?;
    match existing {
        Some(e) if e.sha256 == sha => Ok(false),
        Some(_) => Err(StoreError::Conflict(format!(
            "workflow \"{id}\" version {version} differs from the one already in use; raise `version` in the file"
        ))),
        None => {
            workflow_definition::ActiveModel {
                definition_id: Set(id.to_owned()),
                version: Set(version),
                title: Set(title.to_owned()),
                source: Set(source.to_owned()),
                sha256: Set(sha),
                loaded_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            audit::record(
                conn,
                AuditInput::new(
                    "system",
                    "workflow.register",
                    "workflow_definition",
                    format!("{id}@{version}"),
                ),
            )
            .await?;
            Ok(true)
        }
    }
}

/// The source of a definition version (what a running instance follows).
pub async fn definition_source<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    version: i32,
) -> Result<Option<String>> {
    Ok(workflow_definition::Entity::find()
        .filter(workflow_definition::Column::DefinitionId.eq(id))
        .filter(workflow_definition::Column::Version.eq(version))
        .one(conn)
        .await?
        .map(|d| d.source))
}

/// The content of one version, as written by its author.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Content {
    pub title: String,
    pub body: String,
    pub addressees: String,
    pub recipients: String,
}

#[derive(Debug, Clone)]
pub struct NewDocument {
    pub agency_id: i32,
    pub assignment_id: Option<i32>,
    pub doc_type: String,
    pub drafter_id: i32,
    pub content: Content,
    pub definition_id: String,
    pub definition_version: i32,
    pub initial_state: String,
    pub skip_optional: bool,
    pub due_date: Option<NaiveDate>,
}

/// Creates a document, its version 1 and its workflow instance (version 0).
pub async fn create_document<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    d: NewDocument,
    now: DateTime<Utc>,
) -> Result<(document::Model, workflow_instance::Model)> {
    let doc = document::ActiveModel {
        agency_id: Set(d.agency_id),
        assignment_id: Set(d.assignment_id),
        doc_type: Set(d.doc_type.clone()),
        title: Set(d.content.title.clone()),
        drafter_id: Set(d.drafter_id),
        current_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    insert_version(
        conn,
        doc.id,
        1,
        d.drafter_id,
        &d.content,
        "Tạo dự thảo",
        now,
    )
    .await?;
    let inst = workflow_instance::ActiveModel {
        document_id: Set(doc.id),
        definition_id: Set(d.definition_id.clone()),
        definition_version: Set(d.definition_version),
        state: Set(d.initial_state.clone()),
        version: Set(0),
        personal_signed: Set(false),
        organization_signed: Set(false),
        signing_authority: Set(None),
        signing_position: Set(None),
        signer_id: Set(None),
        state_entered_at: Set(now),
        due_date: Set(d.due_date),
        skip_optional: Set(d.skip_optional),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "document.create", "document", doc.id)
            .after(&d.content)
            .details(serde_json::json!({"workflow": format!("{}@{}", d.definition_id, d.definition_version), "assignment": d.assignment_id})),
        now,
    )
    .await?;
    Ok((doc, inst))
}

async fn insert_version<C: ConnectionTrait>(
    conn: &C,
    doc_id: i32,
    no: i32,
    author: i32,
    c: &Content,
    note: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    document_version::ActiveModel {
        document_id: Set(doc_id),
        version_no: Set(no),
        title: Set(c.title.clone()),
        body: Set(c.body.clone()),
        addressees: Set(c.addressees.clone()),
        recipients: Set(c.recipients.clone()),
        author_id: Set(author),
        note: Set(note.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Adds a new version (nothing is overwritten). `expected` is the version the author edited;
/// a different current version is a conflict.
pub async fn add_version<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    doc_id: i32,
    expected: i32,
    author: i32,
    content: &Content,
    note: &str,
    now: DateTime<Utc>,
) -> Result<i32> {
    let next = expected + 1;
    let bumped = document::Entity::update_many()
        .col_expr(document::Column::CurrentVersion, Expr::value(next))
        .col_expr(document::Column::Title, Expr::value(content.title.clone()))
        .col_expr(document::Column::UpdatedAt, Expr::value(now))
        .filter(document::Column::Id.eq(doc_id))
        .filter(document::Column::CurrentVersion.eq(expected))
        .exec(conn)
        .await?;
    if bumped.rows_affected != 1 {
        return Err(StoreError::Conflict(format!(
            "Văn bản đã có phiên bản mới hơn phiên bản {expected} bạn đang sửa; tải lại trang để xem."
        )));
    }
    let before = latest_version(conn, doc_id).await?.map(|v| Content {
        title: v.title,
        body: v.body,
        addressees: v.addressees,
        recipients: v.recipients,
    });
    insert_version(conn, doc_id, next, author, content, note, now).await?;
    let mut ev = AuditInput::new(actor, "document.edit", "document", doc_id)
        .after(content)
        .details(serde_json::json!({"version": next}));
    if let Some(b) = before {
        ev = ev.before(&b);
    }
    audit::record_at(conn, ev, now).await?;
    Ok(next)
}

pub async fn document_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> Result<Option<document::Model>> {
    Ok(document::Entity::find_by_id(id).one(conn).await?)
}

pub async fn latest_version<C: ConnectionTrait>(
    conn: &C,
    doc_id: i32,
) -> Result<Option<document_version::Model>> {
    Ok(document_version::Entity::find()
        .filter(document_version::Column::DocumentId.eq(doc_id))
        .order_by_desc(document_version::Column::VersionNo)
        .one(conn)
        .await?)
}

pub async fn versions<C: ConnectionTrait>(
    conn: &C,
    doc_id: i32,
) -> Result<Vec<document_version::Model>> {
    Ok(document_version::Entity::find()
        .filter(document_version::Column::DocumentId.eq(doc_id))
        .order_by_asc(document_version::Column::VersionNo)
        .all(conn)
        .await?)
}

pub async fn instance_of<C: ConnectionTrait>(
    conn: &C,
    doc_id: i32,
) -> Result<Option<workflow_instance::Model>> {
    Ok(workflow_instance::Entity::find()
        .filter(workflow_instance::Column::DocumentId.eq(doc_id))
        .one(conn)
        .await?)
}

/// One transition to record.
#[derive(Debug, Clone, Serialize)]
pub struct TransitionRecord {
    pub action: String,
    pub from: String,
    pub to: String,
    pub actor_id: i32,
    pub acted_as: String,
    pub comment: Option<String>,
    pub authority: Option<String>,
    pub position: Option<String>,
    pub document_version: i32,
    pub personal_signed: bool,
    pub organization_signed: bool,
    pub signer_id: Option<i32>,
    pub due_date: Option<NaiveDate>,
}

/// Moves an instance: succeeds only if its version is still `expected` (optimistic
/// concurrency); records the transition, its effect rows and the audit event. The caller's
/// transaction makes all of it atomic.
pub async fn record_transition<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    instance: &workflow_instance::Model,
    expected: i64,
    t: &TransitionRecord,
    effects: &[(String, serde_json::Value)],
    now: DateTime<Utc>,
) -> Result<(workflow_instance::Model, transition::Model)> {
    let mut upd = workflow_instance::Entity::update_many()
        .col_expr(workflow_instance::Column::State, Expr::value(t.to.clone()))
        .col_expr(
            workflow_instance::Column::Version,
            Expr::col(workflow_instance::Column::Version).add(1),
        )
        .col_expr(
            workflow_instance::Column::PersonalSigned,
            Expr::value(t.personal_signed),
        )
        .col_expr(
            workflow_instance::Column::OrganizationSigned,
            Expr::value(t.organization_signed),
        )
        .col_expr(workflow_instance::Column::DueDate, Expr::value(t.due_date))
        .col_expr(workflow_instance::Column::UpdatedAt, Expr::value(now));
    if t.from != t.to {
        upd = upd.col_expr(workflow_instance::Column::StateEnteredAt, Expr::value(now));
    }
    if t.authority.is_some() || t.position.is_some() {
        upd = upd
            .col_expr(
                workflow_instance::Column::SigningAuthority,
                Expr::value(t.authority.clone()),
            )
            .col_expr(
                workflow_instance::Column::SigningPosition,
                Expr::value(t.position.clone()),
            )
            .col_expr(
                workflow_instance::Column::SignerId,
                Expr::value(t.signer_id),
            );
    }
    let res = upd
        .filter(workflow_instance::Column::Id.eq(instance.id))
        .filter(workflow_instance::Column::Version.eq(expected))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict(
            "Văn bản vừa được người khác xử lý; tải lại trang để xem trạng thái mới.".into(),
        ));
    }
    let seq = transition::Entity::find()
        .filter(transition::Column::InstanceId.eq(instance.id))
        .count(conn)
        .await? as i64
        + 1;
    let tr = transition::ActiveModel {
        instance_id: Set(instance.id),
        seq: Set(seq),
        action: Set(t.action.clone()),
        from_state: Set(t.from.clone()),
        to_state: Set(t.to.clone()),
        actor_id: Set(t.actor_id),
        acted_as: Set(t.acted_as.clone()),
        comment: Set(t.comment.clone()),
        authority: Set(t.authority.clone()),
        document_version: Set(t.document_version),
        at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for (i, (kind, payload)) in effects.iter().enumerate() {
        effect::ActiveModel {
            instance_id: Set(instance.id),
            transition_id: Set(Some(tr.id)),
            kind: Set(kind.clone()),
            payload: Set(payload.to_string()),
            dedup_key: Set(format!("t{}:{i}:{kind}", tr.id)),
            status: Set("pending".into()),
            attempts: Set(0),
            last_error: Set(None),
            created_at: Set(now),
            processed_at: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    audit::record_at(
        conn,
        AuditInput::new(actor, &format!("workflow.{}", t.action), "document", instance.document_id)
            .before(&(&instance.state, instance.version))
            .after(&(&t.to, expected + 1))
            .details(serde_json::json!({"from": t.from, "to": t.to, "comment": t.comment, "authority": t.authority, "effects": effects.iter().map(|e| &e.0).collect::<Vec<_>>()})),
        now,
    )
    .await?;
    let updated = workflow_instance::Entity::find_by_id(instance.id)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("workflow instance {}", instance.id)))?;
    Ok((updated, tr))
}

pub async fn transitions_of<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
) -> Result<Vec<transition::Model>> {
    Ok(transition::Entity::find()
        .filter(transition::Column::InstanceId.eq(instance_id))
        .order_by_asc(transition::Column::Seq)
        .all(conn)
        .await?)
}

pub async fn effects_of<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
) -> Result<Vec<effect::Model>> {
    Ok(effect::Entity::find()
        .filter(effect::Column::InstanceId.eq(instance_id))
        .order_by_asc(effect::Column::Id)
        .all(conn)
        .await?)
}

/// Writes an effect row unless one with the same dedup key exists (reminders are produced
/// repeatedly by a periodic job; each is written once). Returns whether it was new.
pub async fn add_effect_once<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
    kind: &str,
    payload: serde_json::Value,
    dedup_key: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    if effect::Entity::find()
        .filter(effect::Column::DedupKey.eq(dedup_key))
        .one(conn)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    effect::ActiveModel {
        instance_id: Set(instance_id),
        transition_id: Set(None),
        kind: Set(kind.to_owned()),
        payload: Set(payload.to_string()),
        dedup_key: Set(dedup_key.to_owned()),
        status: Set("pending".into()),
        attempts: Set(0),
        last_error: Set(None),
        created_at: Set(now),
        processed_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

/// Effect rows of `kind` still `pending`, oldest first.
pub async fn pending_effects<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
) -> Result<Vec<effect::Model>> {
    Ok(effect::Entity::find()
        .filter(effect::Column::Kind.eq(kind))
        .filter(effect::Column::Status.eq("pending"))
        .order_by_asc(effect::Column::Id)
        .all(conn)
        .await?)
}

/// Marks a pending effect `done` (with an optional note in `last_error`). Guarded: only a row
/// still `pending` changes, so of two workers handling the same effect exactly one gets `true`
/// (on PostgreSQL the second waits for the first's transaction and then matches nothing).
pub async fn finish_effect<C: ConnectionTrait>(
    conn: &C,
    id: i32,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let res = effect::Entity::update_many()
        .col_expr(effect::Column::Status, Expr::value("done"))
        .col_expr(effect::Column::ProcessedAt, Expr::value(Some(now)))
        .col_expr(
            effect::Column::LastError,
            Expr::value(note.map(str::to_owned)),
        )
        .col_expr(
            effect::Column::Attempts,
            Expr::col(effect::Column::Attempts).add(1),
        )
        .filter(effect::Column::Id.eq(id))
        .filter(effect::Column::Status.eq("pending"))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Instances not in one of `terminal` states (for SLA and reminder scans).
pub async fn running_instances<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<workflow_instance::Model>> {
    Ok(workflow_instance::Entity::find()
        .order_by_asc(workflow_instance::Column::Id)
        .all(conn)
        .await?)
}

/// Documents of the given agencies whose instance is in one of `states`.
pub async fn documents_in_states<C: ConnectionTrait>(
    conn: &C,
    agency_ids: &[i32],
    states: &[String],
) -> Result<Vec<(document::Model, workflow_instance::Model)>> {
    if agency_ids.is_empty() || states.is_empty() {
        return Ok(Vec::new());
    }
    let insts = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::State.is_in(states.iter().cloned()))
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for i in insts {
        if let Some(d) = document::Entity::find_by_id(i.document_id)
            .one(conn)
            .await?
        {
            if agency_ids.contains(&d.agency_id) {
                out.push((d, i));
            }
        }
    }
    out.sort_by_key(|(d, i)| (i.due_date.is_none(), i.due_date, d.id));
    Ok(out)
}

/// Documents a user drafts.
pub async fn documents_drafted_by<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
) -> Result<Vec<(document::Model, workflow_instance::Model)>> {
    let docs = document::Entity::find()
        .filter(document::Column::DrafterId.eq(user_id))
        .order_by_desc(document::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for d in docs {
        if let Some(i) = instance_of(conn, d.id).await? {
            out.push((d, i));
        }
    }
    Ok(out)
}

/// Grants a delegation, with its audit event.
#[allow(clippy::too_many_arguments)]
pub async fn create_delegation<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    agency_id: i32,
    from_user_id: i32,
    to_user_id: i32,
    authority: &str,
    head_title: &str,
    deputy_title: &str,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    workflow: Option<String>,
) -> Result<delegation::Model> {
    let d = delegation::ActiveModel {
        agency_id: Set(agency_id),
        from_user_id: Set(from_user_id),
        to_user_id: Set(to_user_id),
        authority: Set(authority.to_owned()),
        head_title: Set(head_title.to_owned()),
        deputy_title: Set(deputy_title.to_owned()),
        valid_from: Set(valid_from),
        valid_to: Set(valid_to),
        workflow: Set(workflow.clone()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditInput::new(actor, "delegation.create", "delegation", d.id).details(serde_json::json!({
            "agency_id": agency_id, "from": from_user_id, "to": to_user_id, "authority": authority,
            "valid_from": valid_from, "valid_to": valid_to, "workflow": workflow,
        })),
    )
    .await?;
    Ok(d)
}

/// Delegations held by a user (not revoked).
pub async fn delegations_to<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
) -> Result<Vec<delegation::Model>> {
    Ok(delegation::Entity::find()
        .filter(delegation::Column::ToUserId.eq(user_id))
        .filter(delegation::Column::RevokedAt.is_null())
        .all(conn)
        .await?)
}

/// One page of the delegations granted in the given agencies (revoked ones included), newest
/// first, and how many there are.
pub async fn delegations_of_agencies<C: ConnectionTrait>(
    conn: &C,
    agency_ids: &[i32],
    page: crate::PageRequest,
) -> Result<(Vec<delegation::Model>, u64)> {
    use sea_orm::QuerySelect;
    let q = delegation::Entity::find()
        .filter(delegation::Column::AgencyId.is_in(agency_ids.iter().copied()))
        .order_by_desc(delegation::Column::Id);
    let total = q.clone().count(conn).await?;
    let rows = q
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

pub async fn delegation_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> Result<Option<delegation::Model>> {
    Ok(delegation::Entity::find_by_id(id).one(conn).await?)
}

/// Revokes a delegation (a guarded update: revoking twice is a conflict), with its audit event.
pub async fn revoke_delegation<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    id: i32,
    now: DateTime<Utc>,
) -> Result<delegation::Model> {
    let res = delegation::Entity::update_many()
        .col_expr(delegation::Column::RevokedAt, Expr::value(Some(now)))
        .filter(delegation::Column::Id.eq(id))
        .filter(delegation::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict(
            "Giao quyền này đã được thu hồi trước đó.".into(),
        ));
    }
    let d = delegation_by_id(conn, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("delegation {id}")))?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "delegation.revoke", "delegation", id)
            .details(serde_json::json!({"agency_id": d.agency_id, "to": d.to_user_id})),
        now,
    )
    .await?;
    Ok(d)
}

/// Consultations of an instance with the consulted agency's code.
pub async fn consultations_of<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
) -> Result<Vec<(String, crate::entities::consultation::Model)>> {
    use crate::entities::{agency, consultation};
    let rows = consultation::Entity::find()
        .filter(consultation::Column::InstanceId.eq(instance_id))
        .order_by_asc(consultation::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for c in rows {
        let code = agency::Entity::find_by_id(c.agency_id)
            .one(conn)
            .await?
            .map(|a| a.code)
            .unwrap_or_default();
        out.push((code, c));
    }
    Ok(out)
}

/// Opens a consultation of an agency (once per instance and agency).
pub async fn open_consultation<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
    agency_id: i32,
    due: NaiveDate,
) -> Result<()> {
    use crate::entities::consultation;
    let exists = consultation::Entity::find()
        .filter(consultation::Column::InstanceId.eq(instance_id))
        .filter(consultation::Column::AgencyId.eq(agency_id))
        .one(conn)
        .await?;
    if exists.is_none() {
        consultation::ActiveModel {
            instance_id: Set(instance_id),
            agency_id: Set(agency_id),
            due: Set(due),
            answered_at: Set(None),
            answered_by: Set(None),
            answer: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Records an agency's answer to a consultation.
pub async fn answer_consultation<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
    agency_id: i32,
    user_id: i32,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    use crate::entities::consultation;
    consultation::Entity::update_many()
        .col_expr(consultation::Column::AnsweredAt, Expr::value(Some(now)))
        .col_expr(consultation::Column::AnsweredBy, Expr::value(Some(user_id)))
        .col_expr(
            consultation::Column::Answer,
            Expr::value(Some(answer.to_owned())),
        )
        .filter(consultation::Column::InstanceId.eq(instance_id))
        .filter(consultation::Column::AgencyId.eq(agency_id))
        .filter(consultation::Column::AnsweredAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Documents of other agencies that may concern these agencies as recipients or consulted
/// parties (the engine decides whether the caller may act on each).
pub async fn documents_for_recipient_clerk<C: ConnectionTrait>(
    conn: &C,
    agency_ids: &[i32],
) -> Result<Vec<(document::Model, workflow_instance::Model)>> {
    use crate::entities::consultation;
    let mut out = Vec::new();
    let consulted = consultation::Entity::find()
        .filter(consultation::Column::AgencyId.is_in(agency_ids.iter().copied()))
        .filter(consultation::Column::AnsweredAt.is_null())
        .all(conn)
        .await?;
    for c in consulted {
        if let Some(i) = workflow_instance::Entity::find_by_id(c.instance_id)
            .one(conn)
            .await?
        {
            if let Some(d) = document::Entity::find_by_id(i.document_id)
                .one(conn)
                .await?
            {
                out.push((d, i));
            }
        }
    }
    // Dispatched documents: recipients are resolved from the Nơi nhận lines by the caller.
    let dispatched = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::State.is_in(["dispatched", "received"]))
        .all(conn)
        .await?;
    for i in dispatched {
        if let Some(d) = document::Entity::find_by_id(i.document_id)
            .one(conn)
            .await?
        {
            out.push((d, i));
        }
    }
    Ok(out)
}

/// The document created for an assignment, if any.
pub async fn document_for_assignment<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i32,
) -> Result<Option<document::Model>> {
    Ok(document::Entity::find()
        .filter(document::Column::AssignmentId.eq(assignment_id))
        .one(conn)
        .await?)
}

/// Hands a document to another drafter. The change is a history entry (action `reassign`, state
/// unchanged) and bumps the instance version, so it is serialised with other actions; the old
/// drafter stays in the history and the audit chain.
pub async fn reassign_drafter<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    actor_id: i32,
    instance: &workflow_instance::Model,
    expected: i64,
    new_drafter_id: i32,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let doc = document::Entity::find_by_id(instance.document_id)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("document {}", instance.document_id)))?;
    let t = TransitionRecord {
        action: "reassign".into(),
        from: instance.state.clone(),
        to: instance.state.clone(),
        actor_id,
        acted_as: "agency_head".into(),
        comment: Some(comment.to_owned()),
        authority: None,
        position: None,
        document_version: doc.current_version,
        personal_signed: instance.personal_signed,
        organization_signed: instance.organization_signed,
        signer_id: None,
        due_date: instance.due_date,
    };
    record_transition(conn, actor, instance, expected, &t, &[], now).await?;
    document::Entity::update_many()
        .col_expr(document::Column::DrafterId, Expr::value(new_drafter_id))
        .col_expr(document::Column::UpdatedAt, Expr::value(now))
        .filter(document::Column::Id.eq(doc.id))
        .exec(conn)
        .await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "document.reassign", "document", doc.id)
            .before(&doc.drafter_id)
            .after(&new_drafter_id),
        now,
    )
    .await?;
    Ok(())
}

/// Stores a rendered or signed PDF of a document version (content-addressed).
pub async fn add_file<C: ConnectionTrait>(
    conn: &C,
    doc_id: i32,
    version_no: i32,
    kind: &str,
    pdf: &[u8],
    pages: usize,
    now: DateTime<Utc>,
) -> Result<String> {
    use crate::entities::document_file;
    let sha = crate::blobs::put(conn, pdf, "application/pdf").await?;
    document_file::ActiveModel {
        document_id: Set(doc_id),
        version_no: Set(version_no),
        kind: Set(kind.to_owned()),
        blob_sha256: Set(sha.clone()),
        pages: Set(i32::try_from(pages).unwrap_or(i32::MAX)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(sha)
}

/// The newest file of a document (of `kind` when given).
pub async fn latest_file<C: ConnectionTrait>(
    conn: &C,
    doc_id: i32,
    kind: Option<&str>,
) -> Result<Option<crate::entities::document_file::Model>> {
    use crate::entities::document_file;
    let mut q = document_file::Entity::find().filter(document_file::Column::DocumentId.eq(doc_id));
    if let Some(k) = kind {
        q = q.filter(document_file::Column::Kind.eq(k));
    }
    Ok(q.order_by_desc(document_file::Column::Id).one(conn).await?)
}

/// Sets a document's độ mật (`None` for an ordinary document), with its audit event.
pub async fn set_classification<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    doc_id: i32,
    classification: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(doc) = document::Entity::find_by_id(doc_id).one(conn).await? else {
        return Err(crate::StoreError::NotFound(format!("document {doc_id}")));
    };
    let before = doc.classification.clone();
    let mut m: document::ActiveModel = doc.into();
    m.classification = Set(classification.map(str::to_owned));
    m.updated_at = Set(now);
    m.update(conn).await?;
    crate::audit::record(
        conn,
        crate::audit::AuditInput::new(actor, "document.classify", "document", doc_id)
            .details(serde_json::json!({"from": before, "to": classification})),
    )
    .await?;
    Ok(())
}

/// What an inbox asks for: per agency the states the user's roles act in, the user's own drafts
/// in drafter states, and (as a recipient or consulted agency) documents sent to or awaiting an
/// answer from their agencies in the given states.
#[derive(Debug, Default, Clone)]
pub struct InboxQuery {
    pub agency_states: Vec<(i32, Vec<String>)>,
    pub drafter: Option<(i32, Vec<String>)>,
    pub recipient_agencies: Vec<i32>,
    pub recipient_states: Vec<String>,
    pub consulted_agencies: Vec<i32>,
}

/// Candidates for an inbox in a few set-based queries (no per-document round trips): documents
/// with their instances, newest first by nothing in particular (the caller sorts).
pub async fn inbox_candidates<C: ConnectionTrait>(
    conn: &C,
    q: &InboxQuery,
) -> Result<Vec<(document::Model, workflow_instance::Model)>> {
    use crate::entities::{consultation, outbox_message};
    use sea_orm::sea_query::Query;
    use std::collections::{BTreeSet, HashMap};
    let mut wanted: HashMap<i32, workflow_instance::Model> = HashMap::new();
    // 1. Own agencies (and own drafts): instances in the relevant states of their documents.
    let agency_ids: BTreeSet<i32> = q.agency_states.iter().map(|(a, _)| *a).collect();
    let mut states: BTreeSet<String> = q
        .agency_states
        .iter()
        .flat_map(|(_, s)| s.iter().cloned())
        .collect();
    if let Some((_, s)) = &q.drafter {
        states.extend(s.iter().cloned());
    }
    if !states.is_empty() && (!agency_ids.is_empty() || q.drafter.is_some()) {
        let mut docs = Query::select();
        docs.column(document::Column::Id).from(document::Entity);
        let mut cond = sea_orm::Condition::any();
        if !agency_ids.is_empty() {
            cond = cond.add(document::Column::AgencyId.is_in(agency_ids.iter().copied()));
        }
        if let Some((uid, _)) = &q.drafter {
            cond = cond.add(document::Column::DrafterId.eq(*uid));
        }
        docs.cond_where(cond);
        for i in workflow_instance::Entity::find()
            .filter(workflow_instance::Column::State.is_in(states.iter().cloned()))
            .filter(workflow_instance::Column::DocumentId.in_subquery(docs.to_owned()))
            .all(conn)
            .await?
        {
            wanted.insert(i.document_id, i);
        }
    }
    // 2. Sent to one of the user's agencies (the outbox records each recipient agency).
    if !q.recipient_agencies.is_empty() && !q.recipient_states.is_empty() {
        let mut sent = Query::select();
        sent.column(outbox_message::Column::DocumentId)
            .from(outbox_message::Entity)
            .and_where(
                outbox_message::Column::AgencyId.is_in(q.recipient_agencies.iter().copied()),
            );
        for i in workflow_instance::Entity::find()
            .filter(workflow_instance::Column::State.is_in(q.recipient_states.iter().cloned()))
            .filter(workflow_instance::Column::DocumentId.in_subquery(sent.to_owned()))
            .all(conn)
            .await?
        {
            wanted.insert(i.document_id, i);
        }
    }
    // 3. Consultations awaiting an answer from one of the user's agencies.
    if !q.consulted_agencies.is_empty() {
        let mut open = Query::select();
        open.column(consultation::Column::InstanceId)
            .from(consultation::Entity)
            .and_where(consultation::Column::AgencyId.is_in(q.consulted_agencies.iter().copied()))
            .and_where(consultation::Column::AnsweredAt.is_null());
        for i in workflow_instance::Entity::find()
            .filter(workflow_instance::Column::Id.in_subquery(open.to_owned()))
            .all(conn)
            .await?
        {
            wanted.insert(i.document_id, i);
        }
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(wanted.len());
    let ids: Vec<i32> = wanted.keys().copied().collect();
    for chunk in ids.chunks(500) {
        for d in document::Entity::find()
            .filter(document::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            if let Some(i) = wanted.remove(&d.id) {
                out.push((d, i));
            }
        }
    }
    Ok(out)
}

/// Latest versions of several documents, by document id.
pub async fn latest_versions<C: ConnectionTrait>(
    conn: &C,
    docs: &[(i32, i32)],
) -> Result<std::collections::HashMap<i32, document_version::Model>> {
    let mut out = std::collections::HashMap::new();
    for chunk in docs.chunks(300) {
        let mut cond = sea_orm::Condition::any();
        for (doc, no) in chunk {
            cond = cond.add(
                sea_orm::Condition::all()
                    .add(document_version::Column::DocumentId.eq(*doc))
                    .add(document_version::Column::VersionNo.eq(*no)),
            );
        }
        for v in document_version::Entity::find()
            .filter(cond)
            .all(conn)
            .await?
        {
            out.insert(v.document_id, v);
        }
    }
    Ok(out)
}

/// Distinct (definition id, version) pairs that instances run on.
pub async fn definitions_in_use<C: ConnectionTrait>(conn: &C) -> Result<Vec<(String, u32)>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(String, i32)> = workflow_instance::Entity::find()
        .select_only()
        .column(workflow_instance::Column::DefinitionId)
        .column(workflow_instance::Column::DefinitionVersion)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, v)| (id, u32::try_from(v).unwrap_or(0)))
        .collect())
}

/// Every registered workflow definition version (sources included), by id and version.
pub async fn definitions<C: ConnectionTrait>(conn: &C) -> Result<Vec<workflow_definition::Model>> {
    Ok(workflow_definition::Entity::find()
        .order_by_asc(workflow_definition::Column::DefinitionId)
        .order_by_asc(workflow_definition::Column::Version)
        .all(conn)
        .await?)
}

/// How many documents sit in each state of each definition version:
/// (definition id, version, state, documents).
pub async fn instance_counts<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(String, i32, String, i64)>> {
    use sea_orm::QuerySelect;
    Ok(workflow_instance::Entity::find()
        .select_only()
        .column(workflow_instance::Column::DefinitionId)
        .column(workflow_instance::Column::DefinitionVersion)
        .column(workflow_instance::Column::State)
        .column_as(workflow_instance::Column::Id.count(), "n")
        .group_by(workflow_instance::Column::DefinitionId)
        .group_by(workflow_instance::Column::DefinitionVersion)
        .group_by(workflow_instance::Column::State)
        .into_tuple()
        .all(conn)
        .await?)
}
