//! Reminder e-mails. Outbox rows of kind `reminder` are about a document's deadline (one row per
//! reminder effect and person) or about an assignment's deadline, possibly before any report
//! document exists: `document_id` becomes nullable and rows get an `assignment_id`. The unique
//! (document, address, kind) index keeps holding for `dispatch` and `recall` only, since one person
//! gets several reminders about the same document (before, on and after the due date); reminder
//! rows are kept unique by their Message-ID. `assignment_reminders` records each assignment
//! reminder once (unique dedup key), so that two workers never send it twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    DocumentId,
    AssignmentId,
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
    Kind,
}

#[derive(DeriveIden)]
enum OutboxMessagesNew {
    Table,
}

#[derive(DeriveIden)]
enum AssignmentReminders {
    Table,
    Id,
    AssignmentId,
    Kind,
    DedupKey,
    Recipients,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
}

const COLUMNS: &str = "id, document_id, recipient_text, agency_id, email, message_id, subject, body, \
     status, attempts, next_attempt_at, claimed_by, claimed_until, last_reply, sent_at, created_at, kind";

const UNIQUE_INDEX: &str = "CREATE UNIQUE INDEX ux_outbox_document_email_kind ON outbox_messages \
     (document_id, email, kind) WHERE kind <> 'reminder'";

/// The outbox table as it is after this migration (SQLite rebuilds it under a new name).
fn outbox_table(name: impl IntoIden) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(
            ColumnDef::new(OutboxMessages::Id)
                .integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new(OutboxMessages::DocumentId).integer().null())
        .col(
            ColumnDef::new(OutboxMessages::AssignmentId)
                .integer()
                .null(),
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
        .col(
            ColumnDef::new(OutboxMessages::Kind)
                .string()
                .not_null()
                .default("dispatch"),
        )
        .foreign_key(
            ForeignKey::create()
                .from(OutboxMessages::Table, OutboxMessages::DocumentId)
                .to(Documents::Table, Documents::Id),
        )
        .foreign_key(
            ForeignKey::create()
                .from(OutboxMessages::Table, OutboxMessages::AssignmentId)
                .to(Assignments::Table, Assignments::Id),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                // SQLite cannot drop a NOT NULL constraint: rebuild the table, keeping its ids. One
                // batch, so that every statement runs on the same pooled connection (a rename on
                // another connection can still see the dropped table in its cached schema).
                let create = outbox_table(OutboxMessagesNew::Table).to_string(SqliteQueryBuilder);
                let index = Index::create()
                    .name("ix_outbox_status_next")
                    .table(OutboxMessages::Table)
                    .col(OutboxMessages::Status)
                    .col(OutboxMessages::NextAttemptAt)
                    .to_string(SqliteQueryBuilder);
                db.execute_unprepared(&format!(
                    "{create};\n\
                     INSERT INTO outbox_messages_new ({COLUMNS}) SELECT {COLUMNS} FROM outbox_messages;\n\
                     DROP TABLE outbox_messages;\n\
                     ALTER TABLE outbox_messages_new RENAME TO outbox_messages;\n\
                     {index};\n\
                     {UNIQUE_INDEX};"
                ))
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "ALTER TABLE outbox_messages ALTER COLUMN document_id DROP NOT NULL",
                )
                .await?;
                m.alter_table(
                    Table::alter()
                        .table(OutboxMessages::Table)
                        .add_column(
                            ColumnDef::new(OutboxMessages::AssignmentId)
                                .integer()
                                .null(),
                        )
                        .add_foreign_key(
                            TableForeignKey::new()
                                .name("fk_outbox_assignment")
                                .from_tbl(OutboxMessages::Table)
                                .from_col(OutboxMessages::AssignmentId)
                                .to_tbl(Assignments::Table)
                                .to_col(Assignments::Id),
                        )
                        .to_owned(),
                )
                .await?;
                db.execute_unprepared("DROP INDEX ux_outbox_document_email_kind")
                    .await?;
                db.execute_unprepared(UNIQUE_INDEX).await?;
            }
        }
        m.create_table(
            Table::create()
                .table(AssignmentReminders::Table)
                .col(
                    ColumnDef::new(AssignmentReminders::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AssignmentReminders::AssignmentId)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AssignmentReminders::Kind)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AssignmentReminders::DedupKey)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(AssignmentReminders::Recipients)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AssignmentReminders::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            AssignmentReminders::Table,
                            AssignmentReminders::AssignmentId,
                        )
                        .to(Assignments::Table, Assignments::Id),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "m0009_reminders cannot be reverted: reminder rows have no document".into(),
        ))
    }
}
