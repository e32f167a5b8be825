//! The mail outbox. Rows are written in the issuing transaction; the dispatcher claims them,
//! sends, and records the SMTP reply. Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL (several
//! servers share the work) and the exclusive write transaction on SQLite. A claim is a lease: a
//! worker killed mid-send leaves a row in `sending`, which another claim takes over once the lease
//! ends. A row marked `sent` is never claimed again.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, Set, Statement,
};

use crate::audit::{self, AuditInput};
use crate::entities::outbox_message;
use crate::{Result, Store};

/// One message to queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewMessage {
    /// `None` only for a reminder about an assignment without a report document.
    pub document_id: Option<i32>,
    pub assignment_id: Option<i32>,
    pub recipient_text: String,
    pub agency_id: Option<i32>,
    pub email: String,
    pub message_id: String,
    pub subject: String,
    pub body: String,
    /// `dispatch` or `recall`: one row per (document, address, kind); `reminder` and `notify`:
    /// one row per Message-ID (a person gets several reminders and notices about one document).
    pub kind: String,
}

/// Queues messages (inside the issuing transaction).
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    msgs: &[NewMessage],
    now: DateTime<Utc>,
) -> Result<usize> {
    for m in msgs {
        outbox_message::ActiveModel {
            document_id: Set(m.document_id),
            assignment_id: Set(m.assignment_id),
            recipient_text: Set(m.recipient_text.clone()),
            agency_id: Set(m.agency_id),
            email: Set(m.email.clone()),
            message_id: Set(m.message_id.clone()),
            subject: Set(m.subject.clone()),
            body: Set(m.body.clone()),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            claimed_by: Set(None),
            claimed_until: Set(None),
            last_reply: Set(None),
            sent_at: Set(None),
            created_at: Set(now),
            kind: Set(m.kind.clone()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    if let Some(first) = msgs.first() {
        let (entity, id) = match (first.document_id, first.assignment_id) {
            (Some(d), _) => ("document", d),
            (None, a) => ("assignment", a.unwrap_or_default()),
        };
        audit::record_at(
            conn,
            AuditInput::new(actor, "dispatch.enqueue", entity, id)
                .details(serde_json::json!({"kind": first.kind, "recipients": msgs.iter().map(|m| &m.email).collect::<Vec<_>>()})),
            now,
        )
        .await?;
    }
    Ok(msgs.len())
}

/// Claims up to `limit` due rows for `worker` with a lease of `lease`.
pub async fn claim(
    store: &Store,
    worker: &str,
    limit: u64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<outbox_message::Model>> {
    let until = now + lease;
    let txn = store.begin_write().await?;
    let db = txn.get_database_backend();
    let ids: Vec<i32> = match db {
        DbBackend::Postgres => {
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT id FROM outbox_messages WHERE (status = 'pending' AND next_attempt_at <= $1) \
                     OR (status = 'sending' AND claimed_until < $1) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
                    [now.into(), (limit as i64).into()],
                ))
                .await?;
            rows.iter()
                .filter_map(|r| r.try_get::<i32>("", "id").ok())
                .collect()
        }
        _ => {
            let rows = outbox_message::Entity::find()
                .filter(
                    sea_orm::Condition::any()
                        .add(
                            sea_orm::Condition::all()
                                .add(outbox_message::Column::Status.eq("pending"))
                                .add(outbox_message::Column::NextAttemptAt.lte(now)),
                        )
                        .add(
                            sea_orm::Condition::all()
                                .add(outbox_message::Column::Status.eq("sending"))
                                .add(outbox_message::Column::ClaimedUntil.lt(now)),
                        ),
                )
                .order_by_asc(outbox_message::Column::Id)
                .all(&txn)
                .await?;
            rows.into_iter()
                .take(limit as usize)
                .map(|r| r.id)
                .collect()
        }
    };
    if ids.is_empty() {
        txn.commit().await?;
        return Ok(Vec::new());
    }
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Status, Expr::value("sending"))
        .col_expr(
            outbox_message::Column::ClaimedBy,
            Expr::value(Some(worker.to_owned())),
        )
        .col_expr(
            outbox_message::Column::ClaimedUntil,
            Expr::value(Some(until)),
        )
        .col_expr(
            outbox_message::Column::Attempts,
            Expr::col(outbox_message::Column::Attempts).add(1),
        )
        .filter(outbox_message::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    let rows = outbox_message::Entity::find()
        .filter(outbox_message::Column::Id.is_in(ids))
        .order_by_asc(outbox_message::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// Marks a claimed row sent (only if this worker still holds it and it is not sent yet).
pub async fn mark_sent(
    store: &Store,
    id: i32,
    worker: &str,
    reply: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let txn = store.begin_write().await?;
    let res = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Status, Expr::value("sent"))
        .col_expr(outbox_message::Column::SentAt, Expr::value(Some(now)))
        .col_expr(
            outbox_message::Column::LastReply,
            Expr::value(Some(reply.to_owned())),
        )
        .filter(outbox_message::Column::Id.eq(id))
        .filter(outbox_message::Column::Status.eq("sending"))
        .filter(outbox_message::Column::ClaimedBy.eq(worker))
        .exec(&txn)
        .await?;
    if res.rows_affected == 1 {
        let row = outbox_message::Entity::find_by_id(id).one(&txn).await?;
        let actor = format!("system:{worker}");
        let mut ev = AuditInput::new(&actor, "dispatch.sent", "outbox_message", id).details(
            serde_json::json!({
                "reply": reply,
                "email": row.as_ref().map(|r| r.email.clone()),
                "recipient": row.as_ref().map(|r| r.recipient_text.clone()),
            }),
        );
        if let Some(d) = row.and_then(|r| r.document_id) {
            ev = ev.document(d);
        }
        audit::record_at(&txn, ev, now).await?;
    }
    txn.commit().await?;
    Ok(res.rows_affected == 1)
}

/// Records a failed attempt: retried with exponential backoff, `failed` after `max_attempts`.
pub async fn mark_failed(
    store: &Store,
    id: i32,
    worker: &str,
    error: &str,
    permanent: bool,
    max_attempts: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    let txn = store.begin_write().await?;
    let Some(row) = outbox_message::Entity::find_by_id(id).one(&txn).await? else {
        txn.commit().await?;
        return Ok(());
    };
    if row.status != "sending" || row.claimed_by.as_deref() != Some(worker) {
        txn.commit().await?;
        return Ok(());
    }
    let give_up = permanent || row.attempts >= max_attempts;
    let (document, email) = (row.document_id, row.email.clone());
    let exp = Ord::min(u32::try_from(row.attempts).unwrap_or(10), 12);
    let backoff = Duration::seconds(2i64.saturating_pow(exp));
    let mut am: outbox_message::ActiveModel = row.into();
    am.status = Set(if give_up {
        "failed".into()
    } else {
        "pending".into()
    });
    am.last_reply = Set(Some(error.to_owned()));
    am.next_attempt_at = Set(now + backoff);
    am.claimed_by = Set(None);
    am.claimed_until = Set(None);
    am.update(&txn).await?;
    if give_up {
        audit::record_at(
            &txn,
            AuditInput {
                document,
                ..AuditInput::new(
                    &format!("system:{worker}"),
                    "dispatch.failed",
                    "outbox_message",
                    id,
                )
                .details(serde_json::json!({"error": error, "email": email}))
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Puts a failed row back in the queue (the clerk's resend button).
pub async fn resend<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    id: i32,
    now: DateTime<Utc>,
) -> Result<bool> {
    let res = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Status, Expr::value("pending"))
        .col_expr(outbox_message::Column::Attempts, Expr::value(0))
        .col_expr(outbox_message::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox_message::Column::Id.eq(id))
        .filter(outbox_message::Column::Status.eq("failed"))
        .exec(conn)
        .await?;
    if res.rows_affected == 1 {
        let document = outbox_message::Entity::find_by_id(id)
            .one(conn)
            .await?
            .and_then(|r| r.document_id);
        audit::record_at(
            conn,
            AuditInput {
                document,
                ..AuditInput::new(actor, "dispatch.resend", "outbox_message", id)
            },
            now,
        )
        .await?;
    }
    Ok(res.rows_affected == 1)
}

/// The messages of a document (dispatch status per recipient): its dispatch and recall rows, not
/// the reminders ([`reminders_of_document`]) nor the notices ([`notices_of_document`]) about it.
pub async fn of_document<C: ConnectionTrait>(
    conn: &C,
    document_id: i32,
) -> Result<Vec<outbox_message::Model>> {
    Ok(outbox_message::Entity::find()
        .filter(outbox_message::Column::DocumentId.eq(document_id))
        .filter(outbox_message::Column::Kind.is_not_in(["reminder", "notify"]))
        .order_by_asc(outbox_message::Column::Id)
        .all(conn)
        .await?)
}

/// The reminder messages (nhắc việc) about a document.
pub async fn reminders_of_document<C: ConnectionTrait>(
    conn: &C,
    document_id: i32,
) -> Result<Vec<outbox_message::Model>> {
    Ok(outbox_message::Entity::find()
        .filter(outbox_message::Column::DocumentId.eq(document_id))
        .filter(outbox_message::Column::Kind.eq("reminder"))
        .order_by_asc(outbox_message::Column::Id)
        .all(conn)
        .await?)
}

/// The notices about a document: people told that it waits for them (effect `notify`).
pub async fn notices_of_document<C: ConnectionTrait>(
    conn: &C,
    document_id: i32,
) -> Result<Vec<outbox_message::Model>> {
    Ok(outbox_message::Entity::find()
        .filter(outbox_message::Column::DocumentId.eq(document_id))
        .filter(outbox_message::Column::Kind.eq("notify"))
        .order_by_asc(outbox_message::Column::Id)
        .all(conn)
        .await?)
}

/// One outbox row.
pub async fn message_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> Result<Option<outbox_message::Model>> {
    Ok(outbox_message::Entity::find_by_id(id).one(conn).await?)
}
