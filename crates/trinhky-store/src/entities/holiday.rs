use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holidays")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `holiday` (days off, an inclusive range) or `working_day` (a make-up weekend day).
    pub kind: String,
    pub date_from: Date,
    pub date_to: Date,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
