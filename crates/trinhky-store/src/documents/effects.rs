//! Effect rows: what each transition did (`done`) or left to a worker (`pending`), and the
//! deadline scan's reminder rows.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use crate::Result;
use crate::entities::effect;

/// One effect of a transition as performed: `status` is `done` when the transition's
/// transaction did the work, `pending` when a worker finishes it.
#[derive(Debug, Clone, Serialize)]
pub struct EffectRow {
    pub kind: String,
    /// The effect's fields and what performing it produced.
    pub payload: serde_json::Value,
    pub status: String,
}

/// Inserts a transition's effect rows, in order.
pub(super) async fn insert<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
    transition_id: i32,
    rows: &[EffectRow],
    now: DateTime<Utc>,
) -> Result<()> {
    for (i, row) in rows.iter().enumerate() {
        let done = row.status == "done";
        effect::ActiveModel {
            instance_id: Set(instance_id),
            transition_id: Set(Some(transition_id)),
            kind: Set(row.kind.clone()),
            payload: Set(row.payload.to_string()),
            dedup_key: Set(format!("t{transition_id}:{i}:{}", row.kind)),
            status: Set(row.status.clone()),
            attempts: Set(i32::from(done)),
            last_error: Set(None),
            created_at: Set(now),
            processed_at: Set(done.then_some(now)),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

pub async fn effects_of<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
) -> Result<Vec<effect::Model>> {
    Ok(effect::Entity::find()
        .filter(effect::Column::InstanceId.eq(instance_id))
        .order_by_asc(effect::Column::Id)
        .all(conn)
        .await?)
}

/// Writes an effect row unless one with the same dedup key exists (reminders are produced
/// repeatedly by a periodic job; each is written once). Returns whether it was new.
pub async fn add_effect_once<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
    kind: &str,
    payload: serde_json::Value,
    dedup_key: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    if effect::Entity::find()
        .filter(effect::Column::DedupKey.eq(dedup_key))
        .one(conn)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    effect::ActiveModel {
        instance_id: Set(instance_id),
        transition_id: Set(None),
        kind: Set(kind.to_owned()),
        payload: Set(payload.to_string()),
        dedup_key: Set(dedup_key.to_owned()),
        status: Set("pending".into()),
        attempts: Set(0),
        last_error: Set(None),
        created_at: Set(now),
        processed_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

/// Effect rows of `kind` still `pending`, oldest first.
pub async fn pending_effects<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
) -> Result<Vec<effect::Model>> {
    Ok(effect::Entity::find()
        .filter(effect::Column::Kind.eq(kind))
        .filter(effect::Column::Status.eq("pending"))
        .order_by_asc(effect::Column::Id)
        .all(conn)
        .await?)
}

/// Marks a pending effect `done` (with an optional note in `last_error`). Guarded: only a row
/// still `pending` changes, so of two workers handling the same effect exactly one gets `true`
/// (on PostgreSQL the second waits for the first's transaction and then matches nothing).
pub async fn finish_effect<C: ConnectionTrait>(
    conn: &C,
    id: i32,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let res = effect::Entity::update_many()
        .col_expr(effect::Column::Status, Expr::value("done"))
        .col_expr(effect::Column::ProcessedAt, Expr::value(Some(now)))
        .col_expr(
            effect::Column::LastError,
            Expr::value(note.map(str::to_owned)),
        )
        .col_expr(
            effect::Column::Attempts,
            Expr::col(effect::Column::Attempts).add(1),
        )
        .filter(effect::Column::Id.eq(id))
        .filter(effect::Column::Status.eq("pending"))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}
