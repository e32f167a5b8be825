//! The audit chain on disk. [`record`] is the one function through which every state change
//! writes its event, inside the caller's transaction; [`verify`] re-computes the chain.
//!
//! Appends are serialised through the single `audit_head` row: the first statement updates it,
//! which takes a row lock on PostgreSQL (and SQLite write transactions are serial anyway), so two
//! concurrent transactions can never both link to the same previous event.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use trinhky_domain::audit::{AuditEntry, ChainBreak, ChainVerifier, state_hash};

use crate::entities::{audit_event, audit_head};
use crate::{Result, StoreError};

/// What the caller says about a change; the store adds sequence, time and hashes.
#[derive(Debug, Clone)]
pub struct AuditInput<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub details: serde_json::Value,
}

impl<'a> AuditInput<'a> {
    pub fn new(
        actor: &'a str,
        action: &'a str,
        entity_type: &'a str,
        entity_id: impl ToString,
    ) -> Self {
        AuditInput {
            actor,
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
            details: serde_json::Value::Object(Default::default()),
        }
    }

    /// Records the hash of the entity's state before the change.
    pub fn before<T: Serialize>(mut self, state: &T) -> Self {
        self.before = Some(state_hash(state));
        self
    }

    /// Records the hash of the entity's state after the change.
    pub fn after<T: Serialize>(mut self, state: &T) -> Self {
        self.after = Some(state_hash(state));
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends one event to the chain inside `conn` (a transaction); returns its sequence number.
pub async fn record<C: ConnectionTrait>(conn: &C, input: AuditInput<'_>) -> Result<i64> {
    record_at(conn, input, Utc::now()).await
}

/// [`record`] with an explicit time (tests control the clock).
pub async fn record_at<C: ConnectionTrait>(
    conn: &C,
    input: AuditInput<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let bumped = audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::Seq,
            Expr::col(audit_head::Column::Seq).add(1),
        )
        .filter(audit_head::Column::Id.eq(1))
        .exec(conn)
        .await?;
    if bumped.rows_affected != 1 {
        return Err(StoreError::Corrupt(
            "audit_head row is missing; run `trinhky migrate`".into(),
        ));
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt("audit_head row is missing".into()))?;
    let entry = AuditEntry {
        seq: head.seq,
        occurred_at: now.trunc_subsecs(6),
        actor: input.actor.to_owned(),
        action: input.action.to_owned(),
        entity_type: input.entity_type.to_owned(),
        entity_id: input.entity_id,
        before_hash: input.before,
        after_hash: input.after,
        details: input.details.to_string(),
    };
    let hash = entry.chain_hash(&head.hash);
    audit_event::ActiveModel {
        seq: Set(entry.seq),
        occurred_at: Set(entry.occurred_at),
        actor: Set(entry.actor),
        action: Set(entry.action),
        entity_type: Set(entry.entity_type),
        entity_id: Set(entry.entity_id),
        before_hash: Set(entry.before_hash),
        after_hash: Set(entry.after_hash),
        details: Set(entry.details),
        prev_hash: Set(head.hash.clone()),
        hash: Set(hash.clone()),
    }
    .insert(conn)
    .await?;
    audit_head::ActiveModel {
        id: Set(1),
        seq: Set(head.seq),
        hash: Set(hash),
    }
    .update(conn)
    .await?;
    Ok(head.seq)
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Number of events read.
    pub events: u64,
    /// The first break, if any.
    pub broken: Option<ChainBreak>,
}

/// Re-computes every hash in order, reading in pages so memory stays flat on long chains.
pub async fn verify<C: ConnectionTrait>(
    conn: &C,
    mut progress: impl FnMut(u64, u64),
) -> Result<VerifyReport> {
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt("audit_head row is missing; run `trinhky migrate`".into())
        })?;
    let total = audit_event::Entity::find().count(conn).await?;
    let mut pages = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Seq)
        .paginate(conn, 1000);
    let mut verifier = ChainVerifier::default();
    let mut read = 0u64;
    while let Some(page) = pages.fetch_and_next().await? {
        for m in page {
            let entry = AuditEntry {
                seq: m.seq,
                occurred_at: m.occurred_at,
                actor: m.actor,
                action: m.action,
                entity_type: m.entity_type,
                entity_id: m.entity_id,
                before_hash: m.before_hash,
                after_hash: m.after_hash,
                details: m.details,
            };
            read += 1;
            if let Err(b) = verifier.push(&entry, &m.prev_hash, &m.hash) {
                return Ok(VerifyReport {
                    events: read,
                    broken: Some(b),
                });
            }
        }
        progress(read, total);
    }
    Ok(VerifyReport {
        events: read,
        broken: verifier.finish(head.seq).err(),
    })
}

/// The latest events, newest first (for admin views).
pub async fn latest<C: ConnectionTrait>(conn: &C, limit: u64) -> Result<Vec<audit_event::Model>> {
    use sea_orm::QuerySelect;
    Ok(audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?)
}

/// How many events the chain holds.
pub async fn count<C: ConnectionTrait>(conn: &C) -> Result<u64> {
    Ok(audit_event::Entity::find().count(conn).await?)
}
