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
    document, document_version, transition, workflow_definition, workflow_instance,
};
use crate::{Result, StoreError};

mod consultations;
mod delegations;
mod effects;
mod queries;

pub use consultations::*;
pub use delegations::*;
pub use effects::*;
pub use queries::*;

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
#[allow(clippy::too_many_arguments)]
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
/// concurrency); records the transition, its effect rows (in the order performed) and the audit
/// event. The caller's transaction makes all of it atomic.
pub async fn record_transition<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    instance: &workflow_instance::Model,
    expected: i64,
    t: &TransitionRecord,
    effects: &[EffectRow],
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
    effects::insert(conn, instance.id, tr.id, effects, now).await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, &format!("workflow.{}", t.action), "document", instance.document_id)
            .before(&(&instance.state, instance.version))
            .after(&(&t.to, expected + 1))
            .details(serde_json::json!({"from": t.from, "to": t.to, "comment": t.comment, "authority": t.authority, "effects": effects.iter().map(|e| &e.kind).collect::<Vec<_>>()})),
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
#[allow(clippy::too_many_arguments)]
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
