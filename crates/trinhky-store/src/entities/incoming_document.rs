use sea_orm::entity::prelude::*;

/// Sổ văn bản đến: one row per (recipient agency, issued document).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "incoming_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The recipient agency whose register holds the row.
    pub agency_id: i32,
    pub document_id: i32,
    pub from_agency_id: i32,
    pub from_agency_name: String,
    /// Số, ký hiệu of the issued document.
    pub number: String,
    pub doc_type: String,
    pub doc_date: Date,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    pub signer: String,
    /// The issued (organisation-signed) file as delivered.
    pub file_sha256: Option<String>,
    pub received_at: DateTimeUtc,
    /// Year of the số đến (set when registered).
    pub year: Option<i32>,
    /// Số đến, per recipient agency and year, gap-free.
    pub incoming_no: Option<i32>,
    /// `received`, `registered`, `forwarded`, `acknowledged`, `archived` or `recalled`.
    pub status: String,
    pub registered_by: Option<i32>,
    pub registered_at: Option<DateTimeUtc>,
    pub forwarded_to: Option<i32>,
    pub forwarded_at: Option<DateTimeUtc>,
    pub deadline: Option<Date>,
    pub acknowledged_by: Option<i32>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub archived_by: Option<i32>,
    pub archived_at: Option<DateTimeUtc>,
    pub recalled_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// Folded (accent-free, lower-case) number, title and issuing agency for search.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    /// Folded số, ký hiệu (archive search by number).
    #[sea_orm(column_type = "Text")]
    pub number_search: String,
    /// Folded issuing agency name (archive search by agency).
    #[sea_orm(column_type = "Text")]
    pub from_search: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
