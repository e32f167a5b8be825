use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_instances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub document_id: i32,
    pub definition_id: String,
    pub definition_version: i32,
    pub state: String,
    /// Optimistic concurrency: every transition increments it by one.
    pub version: i64,
    pub personal_signed: bool,
    pub organization_signed: bool,
    pub signing_authority: Option<String>,
    pub signing_position: Option<String>,
    pub signer_id: Option<i32>,
    pub state_entered_at: DateTimeUtc,
    pub due_date: Option<Date>,
    pub skip_optional: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
