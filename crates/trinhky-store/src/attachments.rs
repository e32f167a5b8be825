//! Attachments of a document (tệp đính kèm, phụ lục): the blob and its row written together with
//! the audit event, listed, fetched, removed; and the organisation-signed copy of a PDF attachment
//! recorded at issuing.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

use crate::Result;
use crate::audit::{self, AuditInput};
use crate::entities::document_attachment;

/// What an upload stores.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub document_id: i32,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub kind: &'a str,
    pub data: &'a [u8],
    pub uploaded_by: i32,
}

/// Stores the file (content-addressed) and its row, with the `attachment.add` event.
pub async fn add<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    a: &NewAttachment<'_>,
    now: DateTime<Utc>,
) -> Result<document_attachment::Model> {
    let sha = crate::blobs::put(conn, a.data, a.media_type).await?;
    let m = document_attachment::ActiveModel {
        document_id: Set(a.document_id),
        file_name: Set(a.file_name.to_owned()),
        media_type: Set(a.media_type.to_owned()),
        kind: Set(a.kind.to_owned()),
        size: Set(i64::try_from(a.data.len()).unwrap_or(i64::MAX)),
        blob_sha256: Set(sha.clone()),
        signed_sha256: Set(None),
        uploaded_by: Set(a.uploaded_by),
        uploaded_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "attachment.add", "document", a.document_id).details(
            serde_json::json!({"attachment": m.id, "name": m.file_name, "kind": m.kind, "size": m.size, "sha256": sha}),
        ),
        now,
    )
    .await?;
    Ok(m)
}

/// The attachments of a document, in upload order.
pub async fn of_document<C: ConnectionTrait>(
    conn: &C,
    document_id: i32,
) -> Result<Vec<document_attachment::Model>> {
    Ok(document_attachment::Entity::find()
        .filter(document_attachment::Column::DocumentId.eq(document_id))
        .order_by_asc(document_attachment::Column::Id)
        .all(conn)
        .await?)
}

/// One attachment of one document (`None` if the id belongs to another document).
pub async fn by_id<C: ConnectionTrait>(
    conn: &C,
    document_id: i32,
    id: i32,
) -> Result<Option<document_attachment::Model>> {
    Ok(document_attachment::Entity::find_by_id(id)
        .filter(document_attachment::Column::DocumentId.eq(document_id))
        .one(conn)
        .await?)
}

/// Removes an attachment's row (the blob stays: another row or the audit trail may name it),
/// with the `attachment.delete` event. False if there was no such attachment.
pub async fn delete<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    document_id: i32,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(m) = by_id(conn, document_id, id).await? else {
        return Ok(false);
    };
    document_attachment::Entity::delete_by_id(m.id)
        .exec(conn)
        .await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "attachment.delete", "document", document_id).details(
            serde_json::json!({"attachment": m.id, "name": m.file_name, "kind": m.kind, "sha256": m.blob_sha256}),
        ),
        now,
    )
    .await?;
    Ok(true)
}

/// Records the organisation-signed copy of a PDF attachment (inside the issuing transaction).
pub async fn set_signed<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    m: &document_attachment::Model,
    signed_pdf: &[u8],
    number: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let sha = crate::blobs::put(conn, signed_pdf, "application/pdf").await?;
    let mut am = m.clone().into_active_model();
    am.signed_sha256 = Set(Some(sha.clone()));
    am.update(conn).await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "attachment.sign", "document", m.document_id).details(
            serde_json::json!({"attachment": m.id, "name": m.file_name, "number": number, "sha256": sha}),
        ),
        now,
    )
    .await?;
    Ok(sha)
}
