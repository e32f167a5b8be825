//! Keys at rest: every signing key's PKCS#12 is stored wrapped with the key-encryption key (KEK),
//! which is not in the database. `kek_id` names the KEK that wrapped the row's blob; rows from
//! before this migration have none and hold a bare PKCS#12 (protected by the PIN only). The KEK
//! is not known here, so those rows are re-wrapped when `trinhky serve` (or any command that
//! stores or uses keys) first starts with a KEK — each one audited as `key.wrap` — and the bare
//! blob is deleted.
//!
//! The audit chain needs no change: its checkpoints (`trinhky audit checkpoint`) are written to a
//! file outside the database, and the first one anchors every event before it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    KekId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SigningKeys::Table)
                .add_column(ColumnDef::new(SigningKeys::KekId).string().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(SigningKeys::Table)
                .drop_column(SigningKeys::KekId)
                .to_owned(),
        )
        .await
    }
}
