//! So sánh phiên bản: the word-level difference between two versions of a document (trích yếu,
//! Kính gửi, body, Nơi nhận), for whoever may read the document.

use chrono::{DateTime, Utc};
use serde::Serialize;
use trinhky_domain::diff::{self, Chunk};
use trinhky_store::entities::document_version;
use trinhky_store::{Store, accounts};

use crate::documents;
use crate::registry::Registry;
use crate::{AppError, Principal, Result};

/// One side of a comparison.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    pub no: i32,
    pub note: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub created_at_vn: String,
}

/// One field compared.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldDiff {
    /// `title`, `addressees`, `body`, `recipients`.
    pub field: &'static str,
    /// Its Vietnamese name.
    pub label: &'static str,
    pub changed: bool,
    #[schema(value_type = Vec<ChunkSchema>)]
    pub chunks: Vec<Chunk>,
}

/// The difference from version `from` to version `to`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub document_id: i32,
    /// The document's current trích yếu.
    pub title: String,
    pub from: VersionInfo,
    pub to: VersionInfo,
    pub fields: Vec<FieldDiff>,
    /// Every version number of the document, for choosing another pair.
    pub versions: Vec<i32>,
}

async fn info(store: &Store, v: &document_version::Model) -> Result<VersionInfo> {
    let author = accounts::user_by_id(store.db(), v.author_id)
        .await?
        .map(|u| u.full_name)
        .unwrap_or_default();
    Ok(VersionInfo {
        no: v.version_no,
        note: v.note.clone(),
        author,
        created_at: v.created_at,
        created_at_vn: crate::incoming::vn_time(v.created_at),
    })
}

/// Compares two versions; `to` defaults to the newest, `from` to the one before `to`.
pub async fn compare(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    from: Option<i32>,
    to: Option<i32>,
) -> Result<Comparison> {
    let l = documents::load(store, registry, p, doc_id, crate::access::Want::Working).await?;
    let all = trinhky_store::documents::versions(store.db(), l.document.id).await?;
    let numbers: Vec<i32> = all.iter().map(|v| v.version_no).collect();
    let to_no = to.unwrap_or(l.version.version_no);
    let from_no = from.unwrap_or(to_no - 1);
    let find = |n: i32| {
        all.iter().find(|v| v.version_no == n).ok_or_else(|| {
            AppError::Invalid(format!(
                "Văn bản không có phiên bản {n}: chọn trong các phiên bản {}.",
                numbers
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    };
    if to_no == 1 && from.is_none() {
        return Err(AppError::Invalid(
            "Văn bản mới có một phiên bản: lưu thêm một phiên bản để so sánh.".into(),
        ));
    }
    let (a, b) = (find(from_no)?, find(to_no)?);
    let field = |field, label, old: &str, new: &str| {
        // Browsers send CRLF from a textarea, the API usually LF: a line break is a line break.
        let chunks = diff::diff_words(&old.replace("\r\n", "\n"), &new.replace("\r\n", "\n"));
        FieldDiff {
            field,
            label,
            changed: diff::changed(&chunks),
            chunks,
        }
    };
    Ok(Comparison {
        document_id: l.document.id,
        title: l.version.title.clone(),
        fields: vec![
            field("title", "Trích yếu", &a.title, &b.title),
            field("addressees", "Kính gửi", &a.addressees, &b.addressees),
            field("body", "Nội dung", &a.body, &b.body),
            field("recipients", "Nơi nhận", &a.recipients, &b.recipients),
        ],
        from: info(store, a).await?,
        to: info(store, b).await?,
        versions: numbers,
    })
}

/// The JSON shape of a [`Chunk`] (the domain type carries no schema).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ChunkSchema {
    #[schema(inline)]
    change: ChangeSchema,
    text: String,
}

/// [`trinhky_domain::diff::Change`] as it is serialised.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ChangeSchema {
    Same,
    Added,
    Removed,
}
