use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "effects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub instance_id: i32,
    pub transition_id: Option<i32>,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// Unique: the same effect (e.g. one reminder per due date) is never written twice.
    #[sea_orm(unique)]
    pub dedup_key: String,
    /// `pending`, `done` or `failed`.
    pub status: String,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
