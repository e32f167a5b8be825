use sea_orm::entity::prelude::*;

/// Sổ văn bản đi: one row per issued number.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outgoing_register")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: i32,
    pub year: i32,
    pub register: String,
    pub seq: i32,
    pub number: String,
    pub document_id: Option<i32>,
    pub doc_type: String,
    pub issued_on: Date,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub signer: String,
    #[sea_orm(column_type = "Text")]
    pub recipients: String,
    pub copies: i32,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub created_at: DateTimeUtc,
    /// Set when the issuing agency recalled (thu hồi) the document.
    pub recalled_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub recall_reason: Option<String>,
    /// Folded number, type code, title, signer, recipients and note (register search).
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
