use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directives")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `review` (uploaded, waiting for the clerk) or `confirmed` (assignments created).
    pub status: String,
    pub doc_type: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub directive_date: Option<Date>,
    pub source_sha256: String,
    pub source_name: String,
    pub source_format: String,
    /// The normalised text the spans refer to.
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// The parser's output (JSON), as proposed.
    #[sea_orm(column_type = "Text")]
    pub parsed: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
