//! Foundation: directory (agencies, groups), accounts (users, roles, sessions, API tokens, login
//! attempts), content-addressed blobs and the audit chain.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    Code,
    Name,
    ShortName,
    Parent,
    Kind,
    Email,
    HeadTitle,
    DeputyTitle,
    Aliases,
    UsesTrinhky,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecipientGroups {
    Table,
    Id,
    Code,
    Name,
    Aliases,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    GroupId,
    AgencyId,
}

#[derive(DeriveIden)]
enum DirectorySettings {
    Table,
    Id,
    Name,
    Place,
    EmailDomain,
    ProvinceOffice,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    FullName,
    Email,
    PasswordHash,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    Id,
    UserId,
    AgencyId,
    Role,
    Title,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
    ClientIp,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    ClientIp,
    Succeeded,
    AttemptedAt,
}

#[derive(DeriveIden)]
enum Blobs {
    Table,
    Sha256,
    Size,
    MediaType,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    OccurredAt,
    Actor,
    Action,
    EntityType,
    EntityId,
    BeforeHash,
    AfterHash,
    Details,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn fk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DirectorySettings::Table)
                .col(
                    ColumnDef::new(DirectorySettings::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(text(DirectorySettings::Name))
                .col(text(DirectorySettings::Place))
                .col(text(DirectorySettings::EmailDomain))
                .col(text(DirectorySettings::ProvinceOffice))
                .col(ts(DirectorySettings::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Agencies::Table)
                .col(id(Agencies::Id))
                .col(text(Agencies::Code).unique_key())
                .col(text(Agencies::Name))
                .col(text(Agencies::ShortName))
                .col(text(Agencies::Parent))
                .col(text(Agencies::Kind))
                .col(text(Agencies::Email))
                .col(text(Agencies::HeadTitle))
                .col(text(Agencies::DeputyTitle))
                .col(ColumnDef::new(Agencies::Aliases).text().not_null())
                .col(ColumnDef::new(Agencies::UsesTrinhky).boolean().not_null())
                .col(ts(Agencies::CreatedAt))
                .col(ts(Agencies::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RecipientGroups::Table)
                .col(id(RecipientGroups::Id))
                .col(text(RecipientGroups::Code).unique_key())
                .col(text(RecipientGroups::Name))
                .col(ColumnDef::new(RecipientGroups::Aliases).text().not_null())
                .col(ts(RecipientGroups::CreatedAt))
                .col(ts(RecipientGroups::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(GroupMembers::Table)
                .col(fk(GroupMembers::GroupId))
                .col(fk(GroupMembers::AgencyId))
                .primary_key(
                    Index::create()
                        .col(GroupMembers::GroupId)
                        .col(GroupMembers::AgencyId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(GroupMembers::Table, GroupMembers::GroupId)
                        .to(RecipientGroups::Table, RecipientGroups::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(GroupMembers::Table, GroupMembers::AgencyId)
                        .to(Agencies::Table, Agencies::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id(Users::Id))
                .col(text(Users::Username).unique_key())
                .col(text(Users::FullName))
                .col(text(Users::Email))
                .col(text(Users::PasswordHash))
                .col(ColumnDef::new(Users::Active).boolean().not_null())
                .col(ts(Users::CreatedAt))
                .col(ts(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserRoles::Table)
                .col(id(UserRoles::Id))
                .col(fk(UserRoles::UserId))
                .col(fk(UserRoles::AgencyId))
                .col(text(UserRoles::Role))
                .col(text(UserRoles::Title))
                .col(ts(UserRoles::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserRoles::Table, UserRoles::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UserRoles::Table, UserRoles::AgencyId)
                        .to(Agencies::Table, Agencies::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_user_roles_user_agency_role")
                .table(UserRoles::Table)
                .col(UserRoles::UserId)
                .col(UserRoles::AgencyId)
                .col(UserRoles::Role)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(
                    ColumnDef::new(Sessions::Id)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(fk(Sessions::UserId))
                .col(text(Sessions::CsrfToken))
                .col(ts(Sessions::CreatedAt))
                .col(ts(Sessions::ExpiresAt))
                .col(ts(Sessions::LastSeenAt))
                .col(text(Sessions::ClientIp))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(id(ApiTokens::Id))
                .col(fk(ApiTokens::UserId))
                .col(text(ApiTokens::Name))
                .col(text(ApiTokens::TokenHash).unique_key())
                .col(ts(ApiTokens::CreatedAt))
                .col(ts_null(ApiTokens::LastUsedAt))
                .col(ts_null(ApiTokens::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ApiTokens::Table, ApiTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(id(LoginAttempts::Id))
                .col(text(LoginAttempts::Username))
                .col(text(LoginAttempts::ClientIp))
                .col(
                    ColumnDef::new(LoginAttempts::Succeeded)
                        .boolean()
                        .not_null(),
                )
                .col(ts(LoginAttempts::AttemptedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_attempts_username_at")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::Username)
                .col(LoginAttempts::AttemptedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Blobs::Table)
                .col(
                    ColumnDef::new(Blobs::Sha256)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Blobs::Size).big_integer().not_null())
                .col(text(Blobs::MediaType))
                .col(ColumnDef::new(Blobs::Data).blob().not_null())
                .col(ts(Blobs::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(
                    ColumnDef::new(AuditEvents::Seq)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ts(AuditEvents::OccurredAt))
                .col(text(AuditEvents::Actor))
                .col(text(AuditEvents::Action))
                .col(text(AuditEvents::EntityType))
                .col(text(AuditEvents::EntityId))
                .col(ColumnDef::new(AuditEvents::BeforeHash).string().null())
                .col(ColumnDef::new(AuditEvents::AfterHash).string().null())
                .col(ColumnDef::new(AuditEvents::Details).text().not_null())
                .col(text(AuditEvents::PrevHash))
                .col(text(AuditEvents::Hash))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditHead::Table)
                .col(
                    ColumnDef::new(AuditHead::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(AuditHead::Seq).big_integer().not_null())
                .col(text(AuditHead::Hash))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(AuditHead::Table)
                .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
                .values_panic([
                    1.into(),
                    0i64.into(),
                    "0000000000000000000000000000000000000000000000000000000000000000".into(),
                ])
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AuditHead::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            Blobs::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            UserRoles::Table.into_iden(),
            Users::Table.into_iden(),
            GroupMembers::Table.into_iden(),
            RecipientGroups::Table.into_iden(),
            Agencies::Table.into_iden(),
            DirectorySettings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
