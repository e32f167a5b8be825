//! Attachments of a document (tệp đính kèm, phụ lục: PDF, DOCX, XLSX) as content-addressed blobs,
//! with the organisation-signed copy of a PDF attachment made at issuing; and the document an
//! audit event concerns, so a document's nhật ký is one indexed query. The column is filled for
//! the events written before it from what those events already name (entity, or the document in
//! their details).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DocumentAttachments {
    Table,
    Id,
    DocumentId,
    FileName,
    MediaType,
    Kind,
    Size,
    BlobSha256,
    SignedSha256,
    UploadedBy,
    UploadedAt,
}
#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    DocumentId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DocumentAttachments::Table)
                .col(
                    ColumnDef::new(DocumentAttachments::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::DocumentId)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::FileName)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::MediaType)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::Kind)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::Size)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::BlobSha256)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::SignedSha256)
                        .string()
                        .null(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::UploadedBy)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(DocumentAttachments::UploadedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(DocumentAttachments::Table, DocumentAttachments::DocumentId)
                        .to(Documents::Table, Documents::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_document_attachments_document")
                .table(DocumentAttachments::Table)
                .col(DocumentAttachments::DocumentId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditEvents::Table)
                .add_column(ColumnDef::new(AuditEvents::DocumentId).integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_events_document")
                .table(AuditEvents::Table)
                .col(AuditEvents::DocumentId)
                .to_owned(),
        )
        .await?;
        // Earlier events: documents by entity, the rest by the document their details name.
        let db = m.get_connection();
        let detail_document = match db.get_database_backend() {
            DbBackend::Postgres => "CAST(CAST(details AS jsonb) ->> 'document' AS INTEGER)",
            _ => "CAST(json_extract(details, '$.document') AS INTEGER)",
        };
        db.execute_unprepared(
            "UPDATE audit_events SET document_id = CAST(entity_id AS INTEGER) \
             WHERE entity_type = 'document'",
        )
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE audit_events SET document_id = {detail_document} \
             WHERE entity_type = 'incoming_document' AND action = 'incoming.deliver'"
        ))
        .await?;
        // Actions on an incoming row concern the document delivered in it.
        db.execute_unprepared(
            "UPDATE audit_events SET document_id = (SELECT i.document_id FROM incoming_documents i \
             WHERE CAST(i.id AS TEXT) = audit_events.entity_id) \
             WHERE entity_type = 'incoming_document' AND document_id IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE audit_events SET document_id = (SELECT o.document_id FROM outbox_messages o \
             WHERE CAST(o.id AS TEXT) = audit_events.entity_id) \
             WHERE entity_type = 'outbox_message'",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE audit_events SET document_id = (SELECT r.document_id FROM outgoing_register r \
             WHERE r.number = audit_events.entity_id ORDER BY r.id LIMIT 1) \
             WHERE entity_type = 'outgoing_register'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_audit_events_document")
                .table(AuditEvents::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(AuditEvents::Table)
                .drop_column(AuditEvents::DocumentId)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(DocumentAttachments::Table).to_owned())
            .await
    }
}
