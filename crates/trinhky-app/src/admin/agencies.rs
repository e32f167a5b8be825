//! Agencies (cơ quan, đơn vị): create and edit, with the checks a directory file gets.

use trinhky_domain::directory::{Agency, AgencyKind, check_agency};
use trinhky_domain::text::fold;
use trinhky_store::{Store, StoreError, directory};

use super::{commit_err, invalid, require_system_admin};
use crate::{AppError, Principal, Result};

/// What the form or the API sends.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AgencyInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// The name printed in short forms (defaults to the name).
    #[serde(default)]
    pub short_name: String,
    /// The parent body printed above the agency's name in a document's header.
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub kind: String,
    /// The address documents are e-mailed to (Nơi nhận).
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub head_title: String,
    #[serde(default)]
    pub deputy_title: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub uses_trinhky: bool,
}

impl AgencyInput {
    fn to_agency(&self) -> Result<Agency> {
        let kind = AgencyKind::parse(self.kind.trim()).ok_or_else(|| {
            AppError::Invalid(format!(
                "Loại cơ quan \"{}\" không hợp lệ: chọn một loại trong danh sách.",
                self.kind
            ))
        })?;
        Ok(Agency {
            code: self.code.clone(),
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            parent: self.parent.clone(),
            kind,
            email: self.email.clone(),
            head_title: self.head_title.clone(),
            deputy_title: self.deputy_title.clone(),
            aliases: self.aliases.clone(),
            uses_trinhky: self.uses_trinhky,
        })
    }
}

async fn directory_now<C: sea_orm::ConnectionTrait>(
    conn: &C,
) -> Result<(Vec<Agency>, Vec<trinhky_domain::directory::RecipientGroup>)> {
    let agencies = directory::agencies(conn)
        .await?
        .iter()
        .map(directory::agency_from_row)
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((agencies, directory::groups(conn).await?))
}

/// Agencies whose code, name or short name contains `query` (accents and case ignored), by code.
pub async fn search(store: &Store, query: &str) -> Result<Vec<Agency>> {
    let q = fold(query.trim());
    let all = crate::queries::agencies(store).await?;
    if q.is_empty() {
        return Ok(all);
    }
    Ok(all
        .into_iter()
        .filter(|a| {
            fold(&a.code).contains(&q)
                || fold(&a.name).contains(&q)
                || fold(&a.short_name).contains(&q)
        })
        .collect())
}

/// One agency, as the domain type.
pub async fn get(store: &Store, code: &str) -> Result<Option<Agency>> {
    match directory::agency_by_code(store.db(), code).await? {
        Some(row) => Ok(Some(directory::agency_from_row(&row)?)),
        None => Ok(None),
    }
}

/// Creates an agency (system administrators only).
pub async fn create(store: &Store, p: &Principal, input: &AgencyInput) -> Result<Agency> {
    require_system_admin(p)?;
    let candidate = input.to_agency()?;
    let txn = store.begin_write().await?;
    let (agencies, groups) = directory_now(&txn).await?;
    let a = check_agency(&candidate, &agencies, &groups, true).map_err(invalid)?;
    directory::create_agency(&txn, &p.actor(), &a)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(format!(
                "Mã \"{}\" đã được dùng cho một cơ quan khác.",
                a.code
            )),
            other => other.into(),
        })?;
    txn.commit().await.map_err(commit_err)?;
    Ok(a)
}

/// Edits an agency (its code stays); returns it and whether anything changed.
pub async fn update(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &AgencyInput,
) -> Result<Option<(Agency, bool)>> {
    require_system_admin(p)?;
    let mut candidate = input.to_agency()?;
    candidate.code = code.to_owned();
    let txn = store.begin_write().await?;
    let (agencies, groups) = directory_now(&txn).await?;
    if !agencies.iter().any(|a| a.code == code) {
        return Ok(None);
    }
    let a = check_agency(&candidate, &agencies, &groups, false).map_err(invalid)?;
    let changed = directory::update_agency(&txn, &p.actor(), &a).await?;
    txn.commit().await.map_err(commit_err)?;
    Ok(Some((a, changed)))
}
