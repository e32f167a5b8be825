//! Official numbers (số, ký hiệu) and the outgoing register (sổ văn bản đi): one counter per
//! issuing organisation, calendar year and register, incremented inside the issuing transaction.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NumberCounters {
    Table,
    AgencyId,
    Year,
    Register,
    LastValue,
}
#[derive(DeriveIden)]
enum OutgoingRegister {
    Table,
    Id,
    AgencyId,
    Year,
    Register,
    Seq,
    Number,
    DocumentId,
    DocType,
    IssuedOn,
    Title,
    Signer,
    Recipients,
    Copies,
    Note,
    CreatedAt,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NumberCounters::Table)
                .col(
                    ColumnDef::new(NumberCounters::AgencyId)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(NumberCounters::Year).integer().not_null())
                .col(ColumnDef::new(NumberCounters::Register).string().not_null())
                .col(
                    ColumnDef::new(NumberCounters::LastValue)
                        .integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(NumberCounters::AgencyId)
                        .col(NumberCounters::Year)
                        .col(NumberCounters::Register),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NumberCounters::Table, NumberCounters::AgencyId)
                        .to(Agencies::Table, Agencies::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OutgoingRegister::Table)
                .col(
                    ColumnDef::new(OutgoingRegister::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(OutgoingRegister::AgencyId)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(OutgoingRegister::Year).integer().not_null())
                .col(
                    ColumnDef::new(OutgoingRegister::Register)
                        .string()
                        .not_null(),
                )
                .col(ColumnDef::new(OutgoingRegister::Seq).integer().not_null())
                .col(ColumnDef::new(OutgoingRegister::Number).string().not_null())
                .col(
                    ColumnDef::new(OutgoingRegister::DocumentId)
                        .integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(OutgoingRegister::DocType)
                        .string()
                        .not_null(),
                )
                .col(ColumnDef::new(OutgoingRegister::IssuedOn).date().not_null())
                .col(ColumnDef::new(OutgoingRegister::Title).text().not_null())
                .col(ColumnDef::new(OutgoingRegister::Signer).string().not_null())
                .col(
                    ColumnDef::new(OutgoingRegister::Recipients)
                        .text()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OutgoingRegister::Copies)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(OutgoingRegister::Note).text().not_null())
                .col(
                    ColumnDef::new(OutgoingRegister::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OutgoingRegister::Table, OutgoingRegister::AgencyId)
                        .to(Agencies::Table, Agencies::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(OutgoingRegister::Table, OutgoingRegister::DocumentId)
                        .to(Documents::Table, Documents::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_outgoing_register_seq")
                .table(OutgoingRegister::Table)
                .col(OutgoingRegister::AgencyId)
                .col(OutgoingRegister::Year)
                .col(OutgoingRegister::Register)
                .col(OutgoingRegister::Seq)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OutgoingRegister::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(NumberCounters::Table).to_owned())
            .await
    }
}
