//! The mail outbox: one row per (document, recipient address), written in the issuing
//! transaction, claimed and sent by the dispatcher, never sent twice after a success.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    DocumentId,
    RecipientText,
    AgencyId,
    Email,
    MessageId,
    Subject,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    LastReply,
    SentAt,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OutboxMessages::Table)
                .col(
                    ColumnDef::new(OutboxMessages::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(OutboxMessages::DocumentId)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OutboxMessages::RecipientText)
                        .text()
                        .not_null(),
                )
                .col(ColumnDef::new(OutboxMessages::AgencyId).integer().null())
                .col(ColumnDef::new(OutboxMessages::Email).string().not_null())
                .col(
                    ColumnDef::new(OutboxMessages::MessageId)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(OutboxMessages::Subject).text().not_null())
                .col(ColumnDef::new(OutboxMessages::Body).text().not_null())
                .col(ColumnDef::new(OutboxMessages::Status).string().not_null())
                .col(
                    ColumnDef::new(OutboxMessages::Attempts)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OutboxMessages::NextAttemptAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(OutboxMessages::ClaimedBy).string().null())
                .col(
                    ColumnDef::new(OutboxMessages::ClaimedUntil)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(OutboxMessages::LastReply).text().null())
                .col(
                    ColumnDef::new(OutboxMessages::SentAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(OutboxMessages::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OutboxMessages::Table, OutboxMessages::DocumentId)
                        .to(Documents::Table, Documents::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_status_next")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::Status)
                .col(OutboxMessages::NextAttemptAt)
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
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OutboxMessages::Table).to_owned())
            .await
    }
}
