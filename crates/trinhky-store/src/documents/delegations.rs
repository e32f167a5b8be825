//! Signing delegations (ủy quyền, ký thay), with their audit events.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::audit::{self, AuditInput};
use crate::entities::delegation;
use crate::{Result, StoreError};

/// Grants a delegation, with its audit event.
#[allow(clippy::too_many_arguments)]
pub async fn create_delegation<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    agency_id: i32,
    from_user_id: i32,
    to_user_id: i32,
    authority: &str,
    head_title: &str,
    deputy_title: &str,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    workflow: Option<String>,
) -> Result<delegation::Model> {
    let d = delegation::ActiveModel {
        agency_id: Set(agency_id),
        from_user_id: Set(from_user_id),
        to_user_id: Set(to_user_id),
        authority: Set(authority.to_owned()),
        head_title: Set(head_title.to_owned()),
        deputy_title: Set(deputy_title.to_owned()),
        valid_from: Set(valid_from),
        valid_to: Set(valid_to),
        workflow: Set(workflow.clone()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditInput::new(actor, "delegation.create", "delegation", d.id).details(serde_json::json!({
            "agency_id": agency_id, "from": from_user_id, "to": to_user_id, "authority": authority,
            "valid_from": valid_from, "valid_to": valid_to, "workflow": workflow,
        })),
    )
    .await?;
    Ok(d)
}

/// Delegations held by a user (not revoked).
pub async fn delegations_to<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
) -> Result<Vec<delegation::Model>> {
    Ok(delegation::Entity::find()
        .filter(delegation::Column::ToUserId.eq(user_id))
        .filter(delegation::Column::RevokedAt.is_null())
        .all(conn)
        .await?)
}

/// One page of the delegations granted in the given agencies (revoked ones included), newest
/// first, and how many there are.
pub async fn delegations_of_agencies<C: ConnectionTrait>(
    conn: &C,
    agency_ids: &[i32],
    page: crate::PageRequest,
) -> Result<(Vec<delegation::Model>, u64)> {
    use sea_orm::QuerySelect;
    let q = delegation::Entity::find()
        .filter(delegation::Column::AgencyId.is_in(agency_ids.iter().copied()))
        .order_by_desc(delegation::Column::Id);
    let total = q.clone().count(conn).await?;
    let rows = q
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

pub async fn delegation_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> Result<Option<delegation::Model>> {
    Ok(delegation::Entity::find_by_id(id).one(conn).await?)
}

/// Revokes a delegation (a guarded update: revoking twice is a conflict), with its audit event.
pub async fn revoke_delegation<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    id: i32,
    now: DateTime<Utc>,
) -> Result<delegation::Model> {
    let res = delegation::Entity::update_many()
        .col_expr(delegation::Column::RevokedAt, Expr::value(Some(now)))
        .filter(delegation::Column::Id.eq(id))
        .filter(delegation::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict(
            "Giao quyền này đã được thu hồi trước đó.".into(),
        ));
    }
    let d = delegation_by_id(conn, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("delegation {id}")))?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "delegation.revoke", "delegation", id)
            .details(serde_json::json!({"agency_id": d.agency_id, "to": d.to_user_id})),
        now,
    )
    .await?;
    Ok(d)
}
