use sea_orm::entity::prelude::*;

/// One reminder about an assignment's deadline, recorded once (see `trinhky_app::reminders`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment_reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub assignment_id: i32,
    /// `due_soon`, `on_due` or `overdue`.
    pub kind: String,
    /// Unique: `assignment:{id}:{last_day}:{kind}`.
    #[sea_orm(unique)]
    pub dedup_key: String,
    /// Messages queued for it.
    pub recipients: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
