use sea_orm::entity::prelude::*;

/// A file attached to a document (tệp đính kèm, phụ lục), kept as a content-addressed blob.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub document_id: i32,
    /// The sanitised file name as uploaded.
    pub file_name: String,
    pub media_type: String,
    /// `pdf`, `docx` or `xlsx`, detected from the content.
    pub kind: String,
    pub size: i64,
    pub blob_sha256: String,
    /// A PDF attachment signed by the organisation at issuing (phụ lục, separate file).
    pub signed_sha256: Option<String>,
    pub uploaded_by: i32,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
