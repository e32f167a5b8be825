//! Workflow: definitions as loaded, documents with immutable versions, one workflow instance per
//! document (optimistic `version`), its transition history, effect rows (the outbox that later
//! issues drain: render, sign, number, dispatch, notify, reminders), delegations and consultations.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WorkflowDefinitions {
    Table,
    Id,
    DefinitionId,
    Version,
    Title,
    Source,
    Sha256,
    LoadedAt,
}
#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    AgencyId,
    AssignmentId,
    DocType,
    Title,
    DrafterId,
    CurrentVersion,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum DocumentVersions {
    Table,
    Id,
    DocumentId,
    VersionNo,
    Title,
    Body,
    Addressees,
    Recipients,
    AuthorId,
    Note,
    CreatedAt,
}
#[derive(DeriveIden)]
enum WorkflowInstances {
    Table,
    Id,
    DocumentId,
    DefinitionId,
    DefinitionVersion,
    State,
    Version,
    PersonalSigned,
    OrganizationSigned,
    SigningAuthority,
    SigningPosition,
    SignerId,
    StateEnteredAt,
    DueDate,
    SkipOptional,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Transitions {
    Table,
    Id,
    InstanceId,
    Seq,
    Action,
    FromState,
    ToState,
    ActorId,
    ActedAs,
    Comment,
    Authority,
    DocumentVersion,
    At,
}
#[derive(DeriveIden)]
enum Effects {
    Table,
    Id,
    InstanceId,
    TransitionId,
    Kind,
    Payload,
    DedupKey,
    Status,
    Attempts,
    LastError,
    CreatedAt,
    ProcessedAt,
}
#[derive(DeriveIden)]
enum Delegations {
    Table,
    Id,
    AgencyId,
    FromUserId,
    ToUserId,
    Authority,
    HeadTitle,
    DeputyTitle,
    ValidFrom,
    ValidTo,
    Workflow,
    CreatedAt,
    RevokedAt,
}
#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    InstanceId,
    AgencyId,
    Due,
    AnsweredAt,
    AnsweredBy,
    Answer,
}
#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
}

fn id(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}
fn int(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).integer().not_null().to_owned()
}
fn int_null(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c).integer().null().to_owned()
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
fn ts(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}
fn ts_null(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}
fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WorkflowDefinitions::Table)
                .col(id(WorkflowDefinitions::Id))
                .col(s(WorkflowDefinitions::DefinitionId))
                .col(int(WorkflowDefinitions::Version))
                .col(t(WorkflowDefinitions::Title))
                .col(t(WorkflowDefinitions::Source))
                .col(s(WorkflowDefinitions::Sha256))
                .col(ts(WorkflowDefinitions::LoadedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_workflow_definitions_id_version")
                .table(WorkflowDefinitions::Table)
                .col(WorkflowDefinitions::DefinitionId)
                .col(WorkflowDefinitions::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Documents::Table)
                .col(id(Documents::Id))
                .col(int(Documents::AgencyId))
                .col(int_null(Documents::AssignmentId))
                .col(s(Documents::DocType))
                .col(t(Documents::Title))
                .col(int(Documents::DrafterId))
                .col(int(Documents::CurrentVersion))
                .col(ts(Documents::CreatedAt))
                .col(ts(Documents::UpdatedAt))
                .foreign_key(&mut fk(
                    (Documents::Table, Documents::AgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .foreign_key(&mut fk(
                    (Documents::Table, Documents::AssignmentId),
                    (Assignments::Table, Assignments::Id),
                ))
                .foreign_key(&mut fk(
                    (Documents::Table, Documents::DrafterId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DocumentVersions::Table)
                .col(id(DocumentVersions::Id))
                .col(int(DocumentVersions::DocumentId))
                .col(int(DocumentVersions::VersionNo))
                .col(t(DocumentVersions::Title))
                .col(t(DocumentVersions::Body))
                .col(t(DocumentVersions::Addressees))
                .col(t(DocumentVersions::Recipients))
                .col(int(DocumentVersions::AuthorId))
                .col(t(DocumentVersions::Note))
                .col(ts(DocumentVersions::CreatedAt))
                .foreign_key(&mut fk(
                    (DocumentVersions::Table, DocumentVersions::DocumentId),
                    (Documents::Table, Documents::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_document_versions_doc_no")
                .table(DocumentVersions::Table)
                .col(DocumentVersions::DocumentId)
                .col(DocumentVersions::VersionNo)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WorkflowInstances::Table)
                .col(id(WorkflowInstances::Id))
                .col(
                    ColumnDef::new(WorkflowInstances::DocumentId)
                        .integer()
                        .not_null()
                        .unique_key(),
                )
                .col(s(WorkflowInstances::DefinitionId))
                .col(int(WorkflowInstances::DefinitionVersion))
                .col(s(WorkflowInstances::State))
                .col(
                    ColumnDef::new(WorkflowInstances::Version)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WorkflowInstances::PersonalSigned)
                        .boolean()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WorkflowInstances::OrganizationSigned)
                        .boolean()
                        .not_null(),
                )
                .col(s_null(WorkflowInstances::SigningAuthority))
                .col(s_null(WorkflowInstances::SigningPosition))
                .col(int_null(WorkflowInstances::SignerId))
                .col(ts(WorkflowInstances::StateEnteredAt))
                .col(ColumnDef::new(WorkflowInstances::DueDate).date().null())
                .col(
                    ColumnDef::new(WorkflowInstances::SkipOptional)
                        .boolean()
                        .not_null(),
                )
                .col(ts(WorkflowInstances::UpdatedAt))
                .foreign_key(&mut fk(
                    (WorkflowInstances::Table, WorkflowInstances::DocumentId),
                    (Documents::Table, Documents::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_workflow_instances_state")
                .table(WorkflowInstances::Table)
                .col(WorkflowInstances::State)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Transitions::Table)
                .col(id(Transitions::Id))
                .col(int(Transitions::InstanceId))
                .col(ColumnDef::new(Transitions::Seq).big_integer().not_null())
                .col(s(Transitions::Action))
                .col(s(Transitions::FromState))
                .col(s(Transitions::ToState))
                .col(int(Transitions::ActorId))
                .col(s(Transitions::ActedAs))
                .col(ColumnDef::new(Transitions::Comment).text().null())
                .col(s_null(Transitions::Authority))
                .col(int(Transitions::DocumentVersion))
                .col(ts(Transitions::At))
                .foreign_key(&mut fk(
                    (Transitions::Table, Transitions::InstanceId),
                    (WorkflowInstances::Table, WorkflowInstances::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_transitions_instance_seq")
                .table(Transitions::Table)
                .col(Transitions::InstanceId)
                .col(Transitions::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Effects::Table)
                .col(id(Effects::Id))
                .col(int(Effects::InstanceId))
                .col(int_null(Effects::TransitionId))
                .col(s(Effects::Kind))
                .col(t(Effects::Payload))
                .col(
                    ColumnDef::new(Effects::DedupKey)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(s(Effects::Status))
                .col(int(Effects::Attempts))
                .col(ColumnDef::new(Effects::LastError).text().null())
                .col(ts(Effects::CreatedAt))
                .col(ts_null(Effects::ProcessedAt))
                .foreign_key(&mut fk(
                    (Effects::Table, Effects::InstanceId),
                    (WorkflowInstances::Table, WorkflowInstances::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_effects_status_kind")
                .table(Effects::Table)
                .col(Effects::Status)
                .col(Effects::Kind)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Delegations::Table)
                .col(id(Delegations::Id))
                .col(int(Delegations::AgencyId))
                .col(int(Delegations::FromUserId))
                .col(int(Delegations::ToUserId))
                .col(s(Delegations::Authority))
                .col(s(Delegations::HeadTitle))
                .col(s(Delegations::DeputyTitle))
                .col(ColumnDef::new(Delegations::ValidFrom).date().not_null())
                .col(ColumnDef::new(Delegations::ValidTo).date().null())
                .col(s_null(Delegations::Workflow))
                .col(ts(Delegations::CreatedAt))
                .col(ts_null(Delegations::RevokedAt))
                .foreign_key(&mut fk(
                    (Delegations::Table, Delegations::AgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Consultations::Table)
                .col(id(Consultations::Id))
                .col(int(Consultations::InstanceId))
                .col(int(Consultations::AgencyId))
                .col(ColumnDef::new(Consultations::Due).date().not_null())
                .col(ts_null(Consultations::AnsweredAt))
                .col(int_null(Consultations::AnsweredBy))
                .col(ColumnDef::new(Consultations::Answer).text().null())
                .foreign_key(&mut fk(
                    (Consultations::Table, Consultations::InstanceId),
                    (WorkflowInstances::Table, WorkflowInstances::Id),
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for tbl in [
            Consultations::Table.into_iden(),
            Delegations::Table.into_iden(),
            Effects::Table.into_iden(),
            Transitions::Table.into_iden(),
            WorkflowInstances::Table.into_iden(),
            DocumentVersions::Table.into_iden(),
            Documents::Table.into_iden(),
            WorkflowDefinitions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(tbl).to_owned()).await?;
        }
        Ok(())
    }
}
