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
    /// The document the event concerns, when it is not the entity itself.
    pub document: Option<i32>,
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
            document: None,
        }
    }

    /// Files the event under a document's nhật ký (events on a document entity are filed
    /// under it without this).
    pub fn document(mut self, document_id: i32) -> Self {
        self.document = Some(document_id);
        self
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
    let document_id = input.document.or_else(|| {
        (input.entity_type == "document")
            .then(|| input.entity_id.parse().ok())
            .flatten()
    });
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
        document_id: Set(document_id),
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

/// The chain head as recorded: the last event's sequence number and hash (0 and the genesis
/// hash for an empty chain).
pub async fn head<C: ConnectionTrait>(conn: &C) -> Result<(i64, String)> {
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt("audit_head row is missing; run `trinhky migrate`".into())
        })?;
    Ok((head.seq, head.hash))
}

/// The stored hash of event `seq`, if it exists.
pub async fn hash_at<C: ConnectionTrait>(conn: &C, seq: i64) -> Result<Option<String>> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Seq.eq(seq))
        .one(conn)
        .await?
        .map(|m| m.hash))
}

/// Re-computes the events after `from_seq` (whose hash is `from_hash`, e.g. a checkpoint) up to
/// `to_seq`; returns the first break, if any.
pub async fn verify_after<C: ConnectionTrait>(
    conn: &C,
    from_seq: i64,
    from_hash: &str,
    to_seq: i64,
) -> Result<Option<ChainBreak>> {
    let mut pages = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(from_seq))
        .filter(audit_event::Column::Seq.lte(to_seq))
        .order_by_asc(audit_event::Column::Seq)
        .paginate(conn, 1000);
    let mut verifier = ChainVerifier::starting_after(from_seq, from_hash);
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
            if let Err(b) = verifier.push(&entry, &m.prev_hash, &m.hash) {
                return Ok(Some(b));
            }
        }
    }
    Ok(verifier.finish(to_seq).err())
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

/// One event of a document's nhật ký, with whether its stored hash still matches its content and
/// its link to the event before it.
#[derive(Debug, Clone)]
pub struct DocumentEvent {
    pub event: audit_event::Model,
    /// The event's own hash re-computed from its content and its `prev_hash` matches.
    pub hash_ok: bool,
    /// The event before it in the chain carries the hash this one links to.
    pub link_ok: bool,
}

/// The events of one document, oldest first, one page at a time (`page` from 1), and how many
/// there are. Each event's hash is re-computed, and its link checked against the event before it
/// in the whole chain (which may belong to another document).
pub async fn of_document<C: ConnectionTrait>(
    conn: &C,
    document_id: i32,
    page: u64,
    per_page: u64,
) -> Result<(Vec<DocumentEvent>, u64)> {
    let q = audit_event::Entity::find().filter(audit_event::Column::DocumentId.eq(document_id));
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(audit_event::Column::Seq)
        .paginate(conn, Ord::max(per_page, 1))
        .fetch_page(page.saturating_sub(1))
        .await?;
    let prev_seqs: Vec<i64> = rows.iter().map(|m| m.seq - 1).filter(|s| *s > 0).collect();
    let prevs: std::collections::HashMap<i64, String> = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.is_in(prev_seqs))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.seq, m.hash))
        .collect();
    let out = rows
        .into_iter()
        .map(|m| {
            let entry = AuditEntry {
                seq: m.seq,
                occurred_at: m.occurred_at,
                actor: m.actor.clone(),
                action: m.action.clone(),
                entity_type: m.entity_type.clone(),
                entity_id: m.entity_id.clone(),
                before_hash: m.before_hash.clone(),
                after_hash: m.after_hash.clone(),
                details: m.details.clone(),
            };
            let hash_ok = entry.chain_hash(&m.prev_hash) == m.hash;
            let link_ok = match prevs.get(&(m.seq - 1)) {
                Some(h) => *h == m.prev_hash,
                None => m.seq == 1 && m.prev_hash == trinhky_domain::audit::GENESIS_HASH,
            };
            DocumentEvent {
                event: m,
                hash_ok,
                link_ok,
            }
        })
        .collect();
    Ok((out, total))
}

/// The sequence number of the newest event (0 when the chain is empty). Every state change
/// writes an event in its own transaction, so a cache keyed by this number is invalidated by
/// any change, made by any process sharing the database.
pub async fn head_seq<C: ConnectionTrait>(conn: &C) -> Result<i64> {
    use sea_orm::QuerySelect;
    let seq: Option<i64> = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Seq)
        .order_by_desc(audit_event::Column::Seq)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(seq.unwrap_or(0))
}
