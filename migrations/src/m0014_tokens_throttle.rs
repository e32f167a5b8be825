//! API tokens expire, and login throttling counts per client address as well as per account.
//!
//! - `api_tokens.expires_at`: every token now has an end. Tokens issued before this migration
//!   had none; they get 90 days from the upgrade (the default lifetime of a new token), so no
//!   integration stops at once but none lives forever.
//! - `ix_login_attempts_ip_at`: the per-address tally of the progressive login delay
//!   (`trinhky_app::throttle`) is one indexed query, like the per-account one.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    ClientIp,
    AttemptedAt,
}

/// Lifetime given to tokens issued before expiry existed.
const LEGACY_TOKEN_DAYS: i64 = 90;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .add_column(
                    ColumnDef::new(ApiTokens::ExpiresAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        let until = chrono::Utc::now() + chrono::Duration::days(LEGACY_TOKEN_DAYS);
        m.exec_stmt(
            Query::update()
                .table(ApiTokens::Table)
                .value(ApiTokens::ExpiresAt, until)
                .and_where(Expr::col(ApiTokens::ExpiresAt).is_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_login_attempts_ip_at")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::ClientIp)
                .col(LoginAttempts::AttemptedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_login_attempts_ip_at")
                .table(LoginAttempts::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .drop_column(ApiTokens::ExpiresAt)
                .to_owned(),
        )
        .await
    }
}
