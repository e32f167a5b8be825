use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub directive_id: i32,
    pub task_ref: String,
    pub lead_agency_id: i32,
    /// JSON array of co-agency names/codes as confirmed.
    #[sea_orm(column_type = "Text")]
    pub co_agencies: String,
    #[sea_orm(column_type = "Text")]
    pub deliverable: String,
    #[sea_orm(column_type = "Text")]
    pub report_to: String,
    pub deadline_kind: String,
    pub deadline_date: Option<Date>,
    pub last_day: Option<Date>,
    pub deadline_time: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub deadline_text: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub condition: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub source_text: String,
    pub span_start: i32,
    pub span_end: i32,
    /// `open` or `done`.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
