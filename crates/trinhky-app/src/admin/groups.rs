//! Recipient groups (nhóm nơi nhận): the lines of Nơi nhận such as "Các Sở, Ban, ngành" that
//! resolve to their member agencies at dispatch.

use trinhky_domain::directory::{Agency, RecipientGroup, check_group};
use trinhky_store::{Store, StoreError, directory};

use super::{commit_err, invalid, require_system_admin};
use crate::{AppError, Principal, Result};

/// What the form or the API sends.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GroupInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Agency codes.
    #[serde(default)]
    pub members: Vec<String>,
}

impl GroupInput {
    fn to_group(&self) -> RecipientGroup {
        RecipientGroup {
            code: self.code.clone(),
            name: self.name.clone(),
            aliases: self.aliases.clone(),
            members: self.members.clone(),
        }
    }
}

async fn directory_now<C: sea_orm::ConnectionTrait>(
    conn: &C,
) -> Result<(Vec<Agency>, Vec<RecipientGroup>)> {
    let agencies = directory::agencies(conn)
        .await?
        .iter()
        .map(directory::agency_from_row)
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((agencies, directory::groups(conn).await?))
}

/// Every group with its members, by code.
pub async fn list(store: &Store) -> Result<Vec<RecipientGroup>> {
    Ok(directory::groups(store.db()).await?)
}

pub async fn get(store: &Store, code: &str) -> Result<Option<RecipientGroup>> {
    Ok(directory::group_by_code(store.db(), code).await?)
}

/// Creates a group (system administrators only).
pub async fn create(store: &Store, p: &Principal, input: &GroupInput) -> Result<RecipientGroup> {
    require_system_admin(p)?;
    let txn = store.begin_write().await?;
    let (agencies, groups) = directory_now(&txn).await?;
    let g = check_group(&input.to_group(), &agencies, &groups, true).map_err(invalid)?;
    directory::create_group(&txn, &p.actor(), &g)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                AppError::Conflict(format!("Mã nhóm \"{}\" đã được dùng.", g.code))
            }
            other => other.into(),
        })?;
    txn.commit().await.map_err(commit_err)?;
    Ok(g)
}

/// Replaces a group's name, aliases and members; `None` when there is no such group.
pub async fn update(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &GroupInput,
) -> Result<Option<(RecipientGroup, bool)>> {
    require_system_admin(p)?;
    let mut candidate = input.to_group();
    candidate.code = code.to_owned();
    let txn = store.begin_write().await?;
    let (agencies, groups) = directory_now(&txn).await?;
    if !groups.iter().any(|g| g.code == code) {
        return Ok(None);
    }
    let g = check_group(&candidate, &agencies, &groups, false).map_err(invalid)?;
    let changed = directory::update_group(&txn, &p.actor(), &g).await?;
    txn.commit().await.map_err(commit_err)?;
    Ok(Some((g, changed)))
}

/// Deletes a group; false when there is no such group.
pub async fn delete(store: &Store, p: &Principal, code: &str) -> Result<bool> {
    require_system_admin(p)?;
    let txn = store.begin_write().await?;
    let deleted = directory::delete_group(&txn, &p.actor(), code).await?;
    txn.commit().await.map_err(commit_err)?;
    Ok(deleted)
}
