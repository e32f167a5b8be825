//! Reminders (nhắc việc) in the outbox: a row may concern an assignment instead of a document,
//! so `document_id` becomes nullable and `assignment_id` is added.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    AssignmentId,
}

async fn rebuild_sqlite(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let sql_of = |ty: &str| {
        Statement::from_string(
            DbBackend::Sqlite,
            format!(
                "SELECT sql FROM sqlite_master WHERE type = '{ty}' AND tbl_name = 'outbox_messages' AND sql IS NOT NULL"
            ),
        )
    };
    let table = db
        .query_one_raw(sql_of("table"))
        .await?
        .ok_or_else(|| DbErr::Migration("outbox_messages not found".into()))?
        .try_get::<String>("", "sql")?;
    let indexes: Vec<String> = db
        .query_all_raw(sql_of("index"))
        .await?
        .iter()
        .filter_map(|r| r.try_get::<String>("", "sql").ok())
        .collect();
    let relaxed = table.replacen(
        "\"document_id\" integer NOT NULL",
        "\"document_id\" integer",
        1,
    );
    if relaxed == table {
        return Err(DbErr::Migration(format!(
            "unexpected outbox_messages definition: {table}"
        )));
    }
    let create = relaxed.replacen("\"outbox_messages\"", "\"outbox_messages_new\"", 1);
    // One batch on one connection: the copy, the swap and the indexes.
    let mut batch = format!(
        "{create};\nINSERT INTO outbox_messages_new SELECT * FROM outbox_messages;\nDROP TABLE outbox_messages;\nALTER TABLE outbox_messages_new RENAME TO outbox_messages;\n"
    );
    for ix in indexes {
        batch.push_str(&ix);
        batch.push_str(";\n");
    }
    db.execute_unprepared(&batch).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DbBackend::Sqlite => rebuild_sqlite(m).await?,
            _ => {
                m.get_connection()
                    .execute_unprepared(
                        "ALTER TABLE outbox_messages ALTER COLUMN document_id DROP NOT NULL",
                    )
                    .await?;
            }
        }
        m.alter_table(
            Table::alter()
                .table(OutboxMessages::Table)
                .add_column(
                    ColumnDef::new(OutboxMessages::AssignmentId)
                        .integer()
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OutboxMessages::Table)
                .drop_column(OutboxMessages::AssignmentId)
                .to_owned(),
        )
        .await
    }
}
