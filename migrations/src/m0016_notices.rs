//! Notices (kind `notify`): the e-mails that tell people a document waits for them. Like
//! reminders, a person gets several about one document, so they are one row per Message-ID and
//! the one-row-per-(document, address, kind) index of dispatch and recall rows leaves them out.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const DROP: &str = "DROP INDEX IF EXISTS ux_outbox_document_email_kind";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // One batch, so both statements run on the same pooled connection: another SQLite
        // connection may still see the dropped index in its cached schema.
        db.execute_unprepared(&format!(
            "{DROP};\nCREATE UNIQUE INDEX ux_outbox_document_email_kind ON outbox_messages \
             (document_id, email, kind) WHERE kind NOT IN ('reminder', 'notify')"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DELETE FROM outbox_messages WHERE kind = 'notify'")
            .await?;
        db.execute_unprepared(&format!(
            "{DROP};\nCREATE UNIQUE INDEX ux_outbox_document_email_kind ON outbox_messages \
             (document_id, email, kind) WHERE kind <> 'reminder'"
        ))
        .await?;
        Ok(())
    }
}
