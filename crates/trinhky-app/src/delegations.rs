//! Giao quyền ký thay: the agency head's list of delegations (granted with
//! [`crate::documents::delegate`]) and their revocation. Only heads see and revoke the
//! delegations of their own agencies.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_store::documents as repo;
use trinhky_store::entities::delegation;
use trinhky_store::{PageRequest, Store, StoreError, accounts, directory};

use crate::{AppError, Principal, Result};

/// One delegation as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct DelegationView {
    pub id: i32,
    pub agency: String,
    pub agency_name: String,
    /// The head who granted it.
    pub from: String,
    pub from_name: String,
    /// The deputy who holds it.
    pub to: String,
    pub to_name: String,
    /// `kt`, `tl` or `tuq`.
    pub authority: String,
    pub head_title: String,
    pub deputy_title: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub valid_from_vn: String,
    pub valid_to_vn: Option<String>,
    pub workflow: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_at_vn: Option<String>,
    /// False once revoked or past its end date.
    pub active: bool,
}

/// A deputy a head may delegate to.
#[derive(Debug, Clone, Serialize)]
pub struct Deputy {
    pub agency: String,
    pub agency_name: String,
    pub username: String,
    pub name: String,
    pub title: String,
}

fn not_head() -> AppError {
    AppError::Forbidden("Chỉ thủ trưởng cơ quan mới giao quyền ký thay.".into())
}

/// The agencies where `p` is the head (code, name, id); none is a 403.
fn head_agencies(p: &Principal) -> Result<Vec<(String, String, i32)>> {
    let out: Vec<(String, String, i32)> = p
        .memberships
        .iter()
        .filter(|m| m.role == Role::AgencyHead)
        .map(|m| (m.agency_code.clone(), m.agency_name.clone(), m.agency_id))
        .collect();
    if out.is_empty() {
        Err(not_head())
    } else {
        Ok(out)
    }
}

/// Deputies (cấp phó) of the agencies `p` heads.
pub async fn deputies(store: &Store, p: &Principal) -> Result<Vec<Deputy>> {
    let mut out = Vec::new();
    for (code, name, id) in head_agencies(p)? {
        for (u, role, title) in accounts::agency_members(store.db(), id).await? {
            if role == Role::DeputyHead && u.active {
                out.push(Deputy {
                    agency: code.clone(),
                    agency_name: name.clone(),
                    username: u.username,
                    name: u.full_name,
                    title,
                });
            }
        }
    }
    Ok(out)
}

async fn view(store: &Store, d: delegation::Model, today: NaiveDate) -> Result<DelegationView> {
    let db = store.db();
    let a = directory::agency_by_id(db, d.agency_id).await?;
    let from = accounts::user_by_id(db, d.from_user_id).await?;
    let to = accounts::user_by_id(db, d.to_user_id).await?;
    let fmt = crate::incoming::fmt_date;
    Ok(DelegationView {
        id: d.id,
        agency: a.as_ref().map(|a| a.code.clone()).unwrap_or_default(),
        agency_name: a.map(|a| a.name).unwrap_or_default(),
        from: from
            .as_ref()
            .map(|u| u.username.clone())
            .unwrap_or_default(),
        from_name: from.map(|u| u.full_name).unwrap_or_default(),
        to: to.as_ref().map(|u| u.username.clone()).unwrap_or_default(),
        to_name: to.map(|u| u.full_name).unwrap_or_default(),
        authority: d.authority,
        head_title: d.head_title,
        deputy_title: d.deputy_title,
        valid_from_vn: fmt(d.valid_from),
        valid_to_vn: d.valid_to.map(fmt),
        valid_from: d.valid_from,
        valid_to: d.valid_to,
        workflow: d.workflow,
        created_at: d.created_at,
        revoked_at_vn: d.revoked_at.map(crate::incoming::vn_time),
        revoked_at: d.revoked_at,
        active: d.revoked_at.is_none() && d.valid_to.is_none_or(|t| t >= today),
    })
}

/// One page of the delegations of the agencies `p` heads, newest first, and their number.
pub async fn list(
    store: &Store,
    p: &Principal,
    page: PageRequest,
) -> Result<(Vec<DelegationView>, u64)> {
    let ids: Vec<i32> = head_agencies(p)?.into_iter().map(|(_, _, id)| id).collect();
    let (rows, total) = repo::delegations_of_agencies(store.db(), &ids, page).await?;
    let today = crate::today_vn();
    let mut out = Vec::with_capacity(rows.len());
    for d in rows {
        out.push(view(store, d, today).await?);
    }
    Ok((out, total))
}

/// One delegation of an agency `p` heads; anything else is a 403 (unknown ids too, so that
/// existence is not revealed).
pub async fn get(store: &Store, p: &Principal, id: i32) -> Result<DelegationView> {
    let heads = head_agencies(p)?;
    let d = repo::delegation_by_id(store.db(), id)
        .await?
        .filter(|d| heads.iter().any(|(_, _, a)| *a == d.agency_id))
        .ok_or_else(not_head)?;
    view(store, d, crate::today_vn()).await
}

/// The head revokes (thu hồi) a delegation of their agency; the deputy can no longer sign "KT."
/// from this moment. Revoking twice is a conflict.
pub async fn revoke(
    store: &Store,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<DelegationView> {
    get(store, p, id).await?;
    let txn = store.begin_write().await?;
    let d = repo::revoke_delegation(&txn, &p.actor(), id, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => AppError::Conflict(m),
            other => other.into(),
        })?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    view(store, d, crate::incoming::vn_date(now)).await
}
