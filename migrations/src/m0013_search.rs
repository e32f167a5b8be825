//! Search and paging in SQL: folded (accent-free, lower-case) columns maintained on write, so
//! the registers and the archive filter, count and page in the database on SQLite and PostgreSQL
//! alike (neither engine folds Vietnamese the way `trinhky_domain::text::fold` does). Existing
//! rows are backfilled here with the same fold.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use trinhky_domain::text::fold;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutgoingRegister {
    Table,
    SearchText,
}

#[derive(DeriveIden)]
enum IncomingDocuments {
    Table,
    NumberSearch,
    FromSearch,
}

fn text_col(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .text()
        .not_null()
        .default("")
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OutgoingRegister::Table)
                .add_column(text_col(OutgoingRegister::SearchText))
                .to_owned(),
        )
        .await?;
        // SQLite adds one column per ALTER TABLE.
        for col in [
            IncomingDocuments::NumberSearch,
            IncomingDocuments::FromSearch,
        ] {
            m.alter_table(
                Table::alter()
                    .table(IncomingDocuments::Table)
                    .add_column(text_col(col))
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_incoming_agency_status")
                .table(IncomingDocuments::Table)
                .col(Alias::new("agency_id"))
                .col(Alias::new("status"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outgoing_register_agency_issued")
                .table(OutgoingRegister::Table)
                .col(Alias::new("agency_id"))
                .col(Alias::new("issued_on"))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, number, doc_type, title, signer, recipients, note FROM outgoing_register",
            ))
            .await?;
        for r in rows {
            let id: i32 = r.try_get("", "id")?;
            let parts: Vec<String> = [
                "number",
                "doc_type",
                "title",
                "signer",
                "recipients",
                "note",
            ]
            .iter()
            .map(|c| r.try_get::<String>("", c))
            .collect::<Result<_, _>>()?;
            let search = outgoing_search(&parts.iter().map(String::as_str).collect::<Vec<_>>());
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(
                    backend,
                    "UPDATE outgoing_register SET search_text = ? WHERE id = ?",
                ),
                [search.into(), id.into()],
            ))
            .await?;
        }
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, number, from_agency_name FROM incoming_documents",
            ))
            .await?;
        for r in rows {
            let id: i32 = r.try_get("", "id")?;
            let number: String = r.try_get("", "number")?;
            let from: String = r.try_get("", "from_agency_name")?;
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(
                    backend,
                    "UPDATE incoming_documents SET number_search = ?, from_search = ? WHERE id = ?",
                ),
                [fold(&number).into(), fold(&from).into(), id.into()],
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_outgoing_register_agency_issued")
                .table(OutgoingRegister::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_incoming_agency_status")
                .table(IncomingDocuments::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OutgoingRegister::Table)
                .drop_column(OutgoingRegister::SearchText)
                .to_owned(),
        )
        .await?;
        for col in [
            IncomingDocuments::NumberSearch,
            IncomingDocuments::FromSearch,
        ] {
            m.alter_table(
                Table::alter()
                    .table(IncomingDocuments::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// The folded text a register row is searched by (number, type code, title, signer, recipients,
/// note); the store computes the same on write.
fn outgoing_search(parts: &[&str]) -> String {
    fold(&parts.join(" "))
}

/// `?` placeholders as PostgreSQL wants them (`$1`, `$2` …).
fn placeholders(backend: sea_orm_migration::sea_orm::DbBackend, sql: &str) -> String {
    if backend != sea_orm_migration::sea_orm::DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}
