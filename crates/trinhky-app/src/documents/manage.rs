//! The history of a document, signing delegations, and handing a document to another drafter.

use chrono::{NaiveDate, Utc};
use trinhky_domain::Role;
use trinhky_domain::workflow::Authority;
use trinhky_store::documents as repo;
use trinhky_store::entities::transition;
use trinhky_store::{Store, accounts, directory};

use super::{load, store_err};
use crate::access::Want;
use crate::registry::Registry;
use crate::{AppError, Principal, Result};

/// The transition history with actor names, oldest first.
pub async fn history(store: &Store, instance_id: i32) -> Result<Vec<(transition::Model, String)>> {
    let mut out = Vec::new();
    for t in repo::transitions_of(store.db(), instance_id).await? {
        let name = accounts::user_by_id(store.db(), t.actor_id)
            .await?
            .map(|u| u.full_name)
            .unwrap_or_default();
        out.push((t, name));
    }
    Ok(out)
}

/// A head grants a deputy of the same agency signing authority (KT. by default) for a period,
/// or permanently for a workflow.
pub async fn delegate(
    store: &Store,
    p: &Principal,
    agency_code: &str,
    deputy_username: &str,
    authority: Authority,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    workflow_id: Option<String>,
) -> Result<()> {
    if !p.has_role(agency_code, Role::AgencyHead) {
        return Err(AppError::Forbidden(
            "Chỉ thủ trưởng cơ quan mới giao quyền ký thay.".into(),
        ));
    }
    if valid_to.is_some_and(|t| t < valid_from) {
        return Err(AppError::Invalid(
            "Ngày kết thúc phải sau ngày bắt đầu.".into(),
        ));
    }
    let db = store.db();
    let agency = directory::agency_by_code(db, agency_code)
        .await?
        .ok_or_else(|| AppError::Forbidden(String::new()))?;
    let deputy = accounts::user_by_username(db, deputy_username)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("Không có tài khoản \"{deputy_username}\".")))?;
    let deputy_roles = accounts::memberships(db, deputy.id).await?;
    let deputy_title = deputy_roles
        .iter()
        .find(|m| m.agency_code == agency_code && m.role == Role::DeputyHead)
        .map(|m| m.title.clone())
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "{} không phải cấp phó của {}.",
                deputy.full_name, agency.name
            ))
        })?;
    let head_title = p
        .memberships
        .iter()
        .find(|m| m.agency_code == agency_code && m.role == Role::AgencyHead)
        .map(|m| m.title.clone())
        .unwrap_or_else(|| agency.head_title.clone());
    let authority = match authority {
        Authority::Kt => "kt",
        Authority::Tl => "tl",
        Authority::Tuq => "tuq",
    };
    let txn = store.begin_write().await?;
    repo::create_delegation(
        &txn,
        &p.actor(),
        agency.id,
        p.user.id,
        deputy.id,
        authority,
        &head_title,
        &deputy_title,
        valid_from,
        valid_to,
        workflow_id,
    )
    .await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(())
}

/// The agency head (or unit head) gives a document to another drafter of the same agency. The
/// history keeps who drafted it before.
pub async fn reassign(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    new_drafter: &str,
    expected_version: i64,
) -> Result<()> {
    let l = load(store, registry, p, doc_id, Want::Change).await?;
    if !(p.has_role(&l.agency_code, Role::AgencyHead) || p.has_role(&l.agency_code, Role::UnitHead))
    {
        return Err(AppError::Forbidden(
            "Chỉ thủ trưởng hoặc trưởng phòng mới giao lại văn bản cho chuyên viên khác.".into(),
        ));
    }
    if l.definition.is_terminal(&l.instance.state) {
        return Err(AppError::Conflict(
            "Văn bản đã kết thúc quy trình; không giao lại được.".into(),
        ));
    }
    let db = store.db();
    let user = accounts::user_by_username(db, new_drafter)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("Không có tài khoản \"{new_drafter}\".")))?;
    let is_drafter = accounts::memberships(db, user.id)
        .await?
        .iter()
        .any(|m| m.agency_code == l.agency_code && m.role == Role::Drafter);
    if !is_drafter {
        return Err(AppError::Invalid(format!(
            "{} không phải chuyên viên của {}.",
            user.full_name, l.agency_name
        )));
    }
    if user.id == l.document.drafter_id {
        return Err(AppError::Invalid(format!(
            "{} đang là chuyên viên soạn thảo văn bản này.",
            user.full_name
        )));
    }
    let comment = format!("Giao lại từ {} cho {}", l.drafter_name, user.full_name);
    let txn = store.begin_write().await?;
    repo::reassign_drafter(
        &txn,
        &p.actor(),
        p.user.id,
        &l.instance,
        expected_version,
        user.id,
        &comment,
        Utc::now(),
    )
    .await
    .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(())
}
