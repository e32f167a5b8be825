use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: i32,
    pub assignment_id: Option<i32>,
    pub doc_type: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub drafter_id: i32,
    pub current_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Độ mật: `mat`, `toi-mat` or `tuyet-mat`; `None` for ordinary documents.
    pub classification: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
