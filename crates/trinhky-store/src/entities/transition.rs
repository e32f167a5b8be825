use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub instance_id: i32,
    pub seq: i64,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub actor_id: i32,
    pub acted_as: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    pub authority: Option<String>,
    pub document_version: i32,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
