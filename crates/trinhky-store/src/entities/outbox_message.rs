use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The document sent or recalled; none for a reminder.
    pub document_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub recipient_text: String,
    pub agency_id: Option<i32>,
    pub email: String,
    /// Stable per (document, recipient): a resend is recognisable as the same message.
    #[sea_orm(unique)]
    pub message_id: String,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `pending`, `sending` (claimed), `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_reply: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// `dispatch` (the issued document), `recall` (its thu hồi notice) or `reminder` (nhắc việc).
    pub kind: String,
    /// The assignment a reminder is about.
    pub assignment_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
