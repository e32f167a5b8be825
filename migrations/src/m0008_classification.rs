//! Độ mật (classification) of a document: classified documents (Mật, Tối mật, Tuyệt mật) are
//! numbered in their own register and never leave by e-mail.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Classification,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Documents::Table)
                .add_column(ColumnDef::new(Documents::Classification).string().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Documents::Table)
                .drop_column(Documents::Classification)
                .to_owned(),
        )
        .await
    }
}
