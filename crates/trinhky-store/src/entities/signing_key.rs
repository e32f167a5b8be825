use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `user` (personal certificate) or `agency` (organisation certificate).
    pub owner_kind: String,
    pub owner_id: i32,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub certificate_pem: String,
    /// The PKCS#12 (key encrypted with the holder's PIN), wrapped with the KEK, as a blob.
    pub p12_sha256: String,
    /// The KEK that wrapped the blob; `None` for a bare PKCS#12 stored before keys were
    /// wrapped (re-wrapped at the next start).
    pub kek_id: Option<String>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
