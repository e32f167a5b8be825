//! Directive intake: directives (with their original file as a blob) and the assignments they
//! create, one per lead agency and task.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Directives {
    Table,
    Id,
    Status,
    DocType,
    Number,
    Issuer,
    Title,
    DirectiveDate,
    SourceSha256,
    SourceName,
    SourceFormat,
    Text,
    Parsed,
    CreatedBy,
    CreatedAt,
    ConfirmedBy,
    ConfirmedAt,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    DirectiveId,
    TaskRef,
    LeadAgencyId,
    CoAgencies,
    Deliverable,
    ReportTo,
    DeadlineKind,
    DeadlineDate,
    LastDay,
    DeadlineTime,
    DeadlineText,
    Condition,
    SourceText,
    SpanStart,
    SpanEnd,
    Status,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Blobs {
    Table,
    Sha256,
}

fn s(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).string().not_null().to_owned()
}
fn s_null(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).string().null().to_owned()
}
fn t(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).text().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Directives::Table)
                .col(
                    ColumnDef::new(Directives::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(s(Directives::Status))
                .col(s_null(Directives::DocType))
                .col(s_null(Directives::Number))
                .col(s_null(Directives::Issuer))
                .col(t(Directives::Title))
                .col(ColumnDef::new(Directives::DirectiveDate).date().null())
                .col(s(Directives::SourceSha256))
                .col(s(Directives::SourceName))
                .col(s(Directives::SourceFormat))
                .col(t(Directives::Text))
                .col(t(Directives::Parsed))
                .col(s(Directives::CreatedBy))
                .col(
                    ColumnDef::new(Directives::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(s_null(Directives::ConfirmedBy))
                .col(
                    ColumnDef::new(Directives::ConfirmedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Directives::Table, Directives::SourceSha256)
                        .to(Blobs::Table, Blobs::Sha256)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Assignments::Table)
                .col(
                    ColumnDef::new(Assignments::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Assignments::DirectiveId)
                        .integer()
                        .not_null(),
                )
                .col(s(Assignments::TaskRef))
                .col(
                    ColumnDef::new(Assignments::LeadAgencyId)
                        .integer()
                        .not_null(),
                )
                .col(t(Assignments::CoAgencies))
                .col(t(Assignments::Deliverable))
                .col(t(Assignments::ReportTo))
                .col(s(Assignments::DeadlineKind))
                .col(ColumnDef::new(Assignments::DeadlineDate).date().null())
                .col(ColumnDef::new(Assignments::LastDay).date().null())
                .col(s_null(Assignments::DeadlineTime))
                .col(t(Assignments::DeadlineText))
                .col(ColumnDef::new(Assignments::Condition).text().null())
                .col(t(Assignments::SourceText))
                .col(ColumnDef::new(Assignments::SpanStart).integer().not_null())
                .col(ColumnDef::new(Assignments::SpanEnd).integer().not_null())
                .col(s(Assignments::Status))
                .col(
                    ColumnDef::new(Assignments::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Assignments::CompletedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Assignments::Table, Assignments::DirectiveId)
                        .to(Directives::Table, Directives::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Assignments::Table, Assignments::LeadAgencyId)
                        .to(Agencies::Table, Agencies::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_assignments_lead_status_last_day")
                .table(Assignments::Table)
                .col(Assignments::LeadAgencyId)
                .col(Assignments::Status)
                .col(Assignments::LastDay)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_assignments_directive_task_lead")
                .table(Assignments::Table)
                .col(Assignments::DirectiveId)
                .col(Assignments::TaskRef)
                .col(Assignments::LeadAgencyId)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Assignments::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Directives::Table).to_owned())
            .await
    }
}
