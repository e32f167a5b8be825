//! The holiday calendar in the database (`holidays`, `calendar_state`). The rules (what a valid
//! entry is) live in `trinhky_domain::workflow::calendar`; callers check, the store records.
//!
//! Every change bumps `calendar_state.version` first, inside the caller's transaction: that row
//! update serialises concurrent editors (a row lock on PostgreSQL; SQLite writers are serial), and
//! the new number tells every server process that its in-memory calendar is stale.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use trinhky_domain::workflow::{CalendarEntry, CalendarEntryKind};

use crate::audit::{self, AuditInput};
use crate::entities::{calendar_state, holiday};
use crate::{Result, StoreError};

/// The calendar's version: 0 until first filled, then one more per change.
pub async fn version<C: ConnectionTrait>(conn: &C) -> Result<i64> {
    Ok(calendar_state::Entity::find_by_id(1)
        .one(conn)
        .await?
        .map_or(0, |s| s.version))
}

/// Raises the version (taking the row lock); returns the new number.
async fn bump<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<i64> {
    let r = calendar_state::Entity::update_many()
        .col_expr(
            calendar_state::Column::Version,
            Expr::col(calendar_state::Column::Version).add(1),
        )
        .col_expr(calendar_state::Column::UpdatedAt, Expr::value(now))
        .filter(calendar_state::Column::Id.eq(1))
        .exec(conn)
        .await?;
    if r.rows_affected != 1 {
        return Err(StoreError::Corrupt(
            "calendar_state row is missing; run `trinhky migrate`".into(),
        ));
    }
    version(conn).await
}

/// Converts a row into the domain entry.
pub fn entry_of(m: &holiday::Model) -> Result<CalendarEntry> {
    Ok(CalendarEntry {
        kind: CalendarEntryKind::parse(&m.kind).ok_or_else(|| {
            StoreError::Corrupt(format!("holiday {} has unknown kind {}", m.id, m.kind))
        })?,
        from: m.date_from,
        to: m.date_to,
        name: m.name.clone(),
    })
}

/// Every entry, by date.
pub async fn entries<C: ConnectionTrait>(conn: &C) -> Result<Vec<holiday::Model>> {
    Ok(holiday::Entity::find()
        .order_by_asc(holiday::Column::DateFrom)
        .order_by_asc(holiday::Column::Id)
        .all(conn)
        .await?)
}

/// The version and every entry, read together (one transaction is not needed: a reader that
/// sees an older version than the entries reloads once more at its next read).
pub async fn snapshot<C: ConnectionTrait>(conn: &C) -> Result<(i64, Vec<CalendarEntry>)> {
    let v = version(conn).await?;
    let rows = entries(conn).await?;
    let list = rows.iter().map(entry_of).collect::<Result<Vec<_>>>()?;
    Ok((v, list))
}

async fn insert<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    e: &CalendarEntry,
    now: DateTime<Utc>,
) -> Result<holiday::Model> {
    Ok(holiday::ActiveModel {
        kind: Set(e.kind.as_str().to_owned()),
        date_from: Set(e.from),
        date_to: Set(e.to),
        name: Set(e.name.clone()),
        created_by: Set(actor.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Fills the calendar with `initial` when it has never been filled (version 0 and no rows);
/// returns whether it did. Safe when several servers start at once: only the one whose update
/// moves the version from 0 to 1 inserts.
pub async fn seed<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    source: &str,
    initial: &[CalendarEntry],
    now: DateTime<Utc>,
) -> Result<bool> {
    let won = calendar_state::Entity::update_many()
        .col_expr(calendar_state::Column::Version, Expr::value(1i64))
        .col_expr(calendar_state::Column::UpdatedAt, Expr::value(now))
        .filter(calendar_state::Column::Id.eq(1))
        .filter(calendar_state::Column::Version.eq(0i64))
        .exec(conn)
        .await?;
    if won.rows_affected != 1 || holiday::Entity::find().count(conn).await? > 0 {
        return Ok(false);
    }
    for e in initial {
        insert(conn, actor, e, now).await?;
    }
    audit::record(
        conn,
        AuditInput::new(actor, "calendar.seed", "calendar", 1)
            .after(&initial)
            .details(serde_json::json!({"source": source, "entries": initial.len()})),
    )
    .await?;
    Ok(true)
}

/// Starts a change: raises the version (serialising editors) and returns the entries as they
/// are now, for the caller to check the new one against.
pub async fn lock_for_change<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<Vec<holiday::Model>> {
    bump(conn, now).await?;
    entries(conn).await
}

/// Adds an entry (after [`lock_for_change`] and the caller's checks) with its audit event.
pub async fn add<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    e: &CalendarEntry,
    now: DateTime<Utc>,
) -> Result<holiday::Model> {
    let m = insert(conn, actor, e, now).await?;
    audit::record(
        conn,
        AuditInput::new(actor, "calendar.add", "holiday", m.id)
            .after(e)
            .details(serde_json::json!({"kind": e.kind.as_str(), "from": e.from, "to": e.to, "name": e.name})),
    )
    .await?;
    Ok(m)
}

/// Removes an entry (after [`lock_for_change`]) with its audit event; `None` when absent.
pub async fn remove<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    id: i32,
) -> Result<Option<CalendarEntry>> {
    let Some(m) = holiday::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let e = entry_of(&m)?;
    holiday::Entity::delete_by_id(id).exec(conn).await?;
    audit::record(
        conn,
        AuditInput::new(actor, "calendar.remove", "holiday", id)
            .before(&e)
            .details(serde_json::json!({"kind": e.kind.as_str(), "from": e.from, "to": e.to, "name": e.name})),
    )
    .await?;
    Ok(Some(e))
}
