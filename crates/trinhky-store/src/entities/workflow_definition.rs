use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_definitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub definition_id: String,
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// The TOML as loaded: running instances keep the version they started with.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub sha256: String,
    pub loaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
