//! The incoming register (sổ văn bản đến): one row per (recipient agency, issued document),
//! written in the issuing transaction for every recipient agency that uses trinhky; the number
//! (số đến) comes from the recipient's `number_counters` row for register "den". The row also
//! files the final signed PDF (its blob) once archived (lưu trữ). Recall (thu hồi) marks the
//! outgoing register entry, and outbox rows get a kind ("dispatch", "recall") so that a recall
//! notice can go to the addresses the document went to.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IncomingDocuments {
    Table,
    Id,
    AgencyId,
    DocumentId,
    FromAgencyId,
    FromAgencyName,
    Number,
    DocType,
    DocDate,
    Title,
    Signer,
    FileSha256,
    ReceivedAt,
    Year,
    IncomingNo,
    Status,
    RegisteredBy,
    RegisteredAt,
    ForwardedTo,
    ForwardedAt,
    Deadline,
    AcknowledgedBy,
    AcknowledgedAt,
    ArchivedBy,
    ArchivedAt,
    RecalledAt,
    Note,
    SearchText,
}
#[derive(DeriveIden)]
enum OutgoingRegister {
    Table,
    RecalledAt,
    RecallReason,
}
#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    DocumentId,
    Email,
    Kind,
}
#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use IncomingDocuments as T;
        m.create_table(
            Table::create()
                .table(T::Table)
                .col(
                    ColumnDef::new(T::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(T::AgencyId).integer().not_null())
                .col(ColumnDef::new(T::DocumentId).integer().not_null())
                .col(ColumnDef::new(T::FromAgencyId).integer().not_null())
                .col(ColumnDef::new(T::FromAgencyName).string().not_null())
                .col(ColumnDef::new(T::Number).string().not_null())
                .col(ColumnDef::new(T::DocType).string().not_null())
                .col(ColumnDef::new(T::DocDate).date().not_null())
                .col(ColumnDef::new(T::Title).text().not_null())
                .col(ColumnDef::new(T::Signer).string().not_null())
                .col(ColumnDef::new(T::FileSha256).string().null())
                .col(
                    ColumnDef::new(T::ReceivedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(T::Year).integer().null())
                .col(ColumnDef::new(T::IncomingNo).integer().null())
                .col(ColumnDef::new(T::Status).string().not_null())
                .col(ColumnDef::new(T::RegisteredBy).integer().null())
                .col(
                    ColumnDef::new(T::RegisteredAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(T::ForwardedTo).integer().null())
                .col(
                    ColumnDef::new(T::ForwardedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(T::Deadline).date().null())
                .col(ColumnDef::new(T::AcknowledgedBy).integer().null())
                .col(
                    ColumnDef::new(T::AcknowledgedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(T::ArchivedBy).integer().null())
                .col(
                    ColumnDef::new(T::ArchivedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(T::RecalledAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(T::Note).text().not_null())
                .col(ColumnDef::new(T::SearchText).text().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::AgencyId)
                        .to(Agencies::Table, Agencies::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::FromAgencyId)
                        .to(Agencies::Table, Agencies::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::DocumentId)
                        .to(Documents::Table, Documents::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(T::Table, T::ForwardedTo)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_incoming_agency_document")
                .table(T::Table)
                .col(T::AgencyId)
                .col(T::DocumentId)
                .unique()
                .to_owned(),
        )
        .await?;
        // Gap-free and unique per agency and year (NULL until registered).
        m.create_index(
            Index::create()
                .name("ux_incoming_agency_year_no")
                .table(T::Table)
                .col(T::AgencyId)
                .col(T::Year)
                .col(T::IncomingNo)
                .unique()
                .to_owned(),
        )
        .await?;
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(OutgoingRegister::Table)
                .add_column(
                    ColumnDef::new(OutgoingRegister::RecalledAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OutgoingRegister::Table)
                .add_column(ColumnDef::new(OutgoingRegister::RecallReason).text().null())
                .to_owned(),
        )
        .await?;
        // A recall notice goes to the same addresses as the dispatch: one row per (document,
        // address, kind) instead of per (document, address).
        m.alter_table(
            Table::alter()
                .table(OutboxMessages::Table)
                .add_column(
                    ColumnDef::new(OutboxMessages::Kind)
                        .string()
                        .not_null()
                        .default("dispatch"),
                )
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ux_outbox_document_email")
                .table(OutboxMessages::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_outbox_document_email_kind")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::DocumentId)
                .col(OutboxMessages::Email)
                .col(OutboxMessages::Kind)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ux_outbox_document_email_kind")
                .table(OutboxMessages::Table)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_outbox_document_email")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::DocumentId)
                .col(OutboxMessages::Email)
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OutboxMessages::Table)
                .drop_column(OutboxMessages::Kind)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OutgoingRegister::Table)
                .drop_column(OutgoingRegister::RecallReason)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OutgoingRegister::Table)
                .drop_column(OutgoingRegister::RecalledAt)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(IncomingDocuments::Table).to_owned())
            .await
    }
}
