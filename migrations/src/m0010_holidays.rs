//! The holiday calendar becomes data the administrator edits (Lịch nghỉ lễ): `holidays` holds
//! public holidays and compensatory days off (`kind = 'holiday'`, an inclusive date range) and
//! make-up working days (`kind = 'working_day'`, one weekend date). `calendar_state` is a single row
//! whose `version` rises with every change, so each server process sharing the database reloads
//! its in-memory calendar when the number it holds is stale. Version 0 means "never filled": at
//! start-up the entries of the calendar file (`TRINHKY_CALENDAR`) become the initial content.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Holidays {
    Table,
    Id,
    Kind,
    DateFrom,
    DateTo,
    Name,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CalendarState {
    Table,
    Id,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Holidays::Table)
                .col(
                    ColumnDef::new(Holidays::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Holidays::Kind).string().not_null())
                .col(ColumnDef::new(Holidays::DateFrom).date().not_null())
                .col(ColumnDef::new(Holidays::DateTo).date().not_null())
                .col(ColumnDef::new(Holidays::Name).text().not_null())
                .col(ColumnDef::new(Holidays::CreatedBy).string().not_null())
                .col(
                    ColumnDef::new(Holidays::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_holidays_date_from")
                .table(Holidays::Table)
                .col(Holidays::DateFrom)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CalendarState::Table)
                .col(
                    ColumnDef::new(CalendarState::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(CalendarState::Version)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CalendarState::UpdatedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(CalendarState::Table)
                .columns([CalendarState::Id, CalendarState::Version])
                .values_panic([1.into(), 0i64.into()])
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CalendarState::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Holidays::Table).to_owned())
            .await
    }
}
