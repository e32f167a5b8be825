//! Directive intake records: the uploaded directive (status `review`) and, once a clerk
//! confirms, its assignments. Each change writes its audit event in the caller's transaction.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use crate::audit::{self, AuditInput};
use crate::entities::{agency, assignment, assignment_reminder, directive};
use crate::{Result, StoreError};

/// A directive as uploaded (before review).
#[derive(Debug, Clone, Serialize)]
pub struct NewDirective {
    pub doc_type: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub title: String,
    pub directive_date: Option<NaiveDate>,
    pub source_sha256: String,
    pub source_name: String,
    pub source_format: String,
    pub text: String,
    pub parsed: String,
}

/// Stores an uploaded directive in status `review`.
pub async fn insert_directive<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    d: NewDirective,
) -> Result<directive::Model> {
    let m = directive::ActiveModel {
        status: Set("review".into()),
        doc_type: Set(d.doc_type.clone()),
        number: Set(d.number.clone()),
        issuer: Set(d.issuer.clone()),
        title: Set(d.title.clone()),
        directive_date: Set(d.directive_date),
        source_sha256: Set(d.source_sha256.clone()),
        source_name: Set(d.source_name.clone()),
        source_format: Set(d.source_format.clone()),
        text: Set(d.text.clone()),
        parsed: Set(d.parsed.clone()),
        created_by: Set(actor.to_owned()),
        created_at: Set(Utc::now()),
        confirmed_by: Set(None),
        confirmed_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditInput::new(actor, "directive.upload", "directive", m.id)
            .after(&d)
            .details(serde_json::json!({"source": d.source_name, "sha256": d.source_sha256})),
    )
    .await?;
    Ok(m)
}

pub async fn directive_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> Result<Option<directive::Model>> {
    Ok(directive::Entity::find_by_id(id).one(conn).await?)
}

/// The newest directives first.
pub async fn recent_directives<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> Result<Vec<directive::Model>> {
    Ok(directive::Entity::find()
        .order_by_desc(directive::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// One page of directives, newest first, and how many there are.
pub async fn directives_page<C: ConnectionTrait>(
    conn: &C,
    page: crate::PageRequest,
) -> Result<(Vec<directive::Model>, u64)> {
    use sea_orm::PaginatorTrait;
    let total = directive::Entity::find().count(conn).await?;
    let rows = directive::Entity::find()
        .order_by_desc(directive::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// One confirmed assignment to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewAssignment {
    pub task_ref: String,
    pub lead_agency_code: String,
    pub co_agencies: Vec<String>,
    pub deliverable: String,
    pub report_to: String,
    pub deadline_kind: String,
    pub deadline_date: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    pub deadline_time: Option<String>,
    pub deadline_text: String,
    pub condition: Option<String>,
    pub source_text: String,
    pub span: (usize, usize),
}

/// Confirms a directive under review: creates its assignments and marks it confirmed.
/// A directive already confirmed is a conflict (nothing is created twice).
pub async fn confirm_directive<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    directive_id: i32,
    items: &[NewAssignment],
) -> Result<Vec<assignment::Model>> {
    let d = directive::Entity::find_by_id(directive_id)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("directive {directive_id}")))?;
    if d.status != "review" {
        return Err(StoreError::Conflict(format!(
            "directive {directive_id} was already confirmed"
        )));
    }
    let now = Utc::now();
    let mut out = Vec::with_capacity(items.len());
    for a in items {
        let lead = agency::Entity::find()
            .filter(agency::Column::Code.eq(&a.lead_agency_code))
            .one(conn)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("agency {}", a.lead_agency_code)))?;
        let m = assignment::ActiveModel {
            directive_id: Set(directive_id),
            task_ref: Set(a.task_ref.clone()),
            lead_agency_id: Set(lead.id),
            co_agencies: Set(serde_json::to_string(&a.co_agencies).unwrap_or_else(|_| "[]".into())),
            deliverable: Set(a.deliverable.clone()),
            report_to: Set(a.report_to.clone()),
            deadline_kind: Set(a.deadline_kind.clone()),
            deadline_date: Set(a.deadline_date),
            last_day: Set(a.last_day),
            deadline_time: Set(a.deadline_time.clone()),
            deadline_text: Set(a.deadline_text.clone()),
            condition: Set(a.condition.clone()),
            source_text: Set(a.source_text.clone()),
            span_start: Set(i32::try_from(a.span.0).unwrap_or(i32::MAX)),
            span_end: Set(i32::try_from(a.span.1).unwrap_or(i32::MAX)),
            status: Set("open".into()),
            created_at: Set(now),
            completed_at: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        audit::record(
            conn,
            AuditInput::new(actor, "assignment.create", "assignment", m.id).after(a),
        )
        .await?;
        out.push(m);
    }
    let before = d.status.clone();
    let mut am: directive::ActiveModel = d.into();
    am.status = Set("confirmed".into());
    am.confirmed_by = Set(Some(actor.to_owned()));
    am.confirmed_at = Set(Some(now));
    am.update(conn).await?;
    audit::record(
        conn,
        AuditInput::new(actor, "directive.confirm", "directive", directive_id)
            .before(&before)
            .after(&"confirmed")
            .details(serde_json::json!({"assignments": out.len()})),
    )
    .await?;
    Ok(out)
}

/// An assignment with its lead agency and directive, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentRow {
    pub id: i32,
    pub directive_id: i32,
    pub directive_title: String,
    pub task_ref: String,
    pub lead_code: String,
    pub lead_name: String,
    /// Codes of the co-agencies (cơ quan phối hợp), as confirmed.
    pub co_agencies: Vec<String>,
    pub deliverable: String,
    pub report_to: String,
    pub deadline_kind: String,
    pub last_day: Option<NaiveDate>,
    pub deadline_time: Option<String>,
    pub deadline_text: String,
    pub condition: Option<String>,
    pub status: String,
    pub source_text: String,
}

async fn rows<C: ConnectionTrait>(
    conn: &C,
    list: Vec<assignment::Model>,
) -> Result<Vec<AssignmentRow>> {
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let lead = agency::Entity::find_by_id(a.lead_agency_id)
            .one(conn)
            .await?;
        let d = directive::Entity::find_by_id(a.directive_id)
            .one(conn)
            .await?;
        out.push(AssignmentRow {
            id: a.id,
            directive_id: a.directive_id,
            directive_title: d.map(|d| d.title).unwrap_or_default(),
            task_ref: a.task_ref,
            lead_code: lead.as_ref().map(|l| l.code.clone()).unwrap_or_default(),
            lead_name: lead.map(|l| l.name).unwrap_or_default(),
            co_agencies: serde_json::from_str(&a.co_agencies).unwrap_or_default(),
            deliverable: a.deliverable,
            report_to: a.report_to,
            deadline_kind: a.deadline_kind,
            last_day: a.last_day,
            deadline_time: a.deadline_time,
            deadline_text: a.deadline_text,
            condition: a.condition,
            status: a.status,
            source_text: a.source_text,
        });
    }
    Ok(out)
}

/// Open assignments led by any of `agency_ids`, soonest deadline first (undated last).
pub async fn open_assignments_for<C: ConnectionTrait>(
    conn: &C,
    agency_ids: &[i32],
) -> Result<Vec<AssignmentRow>> {
    if agency_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut list = assignment::Entity::find()
        .filter(assignment::Column::LeadAgencyId.is_in(agency_ids.iter().copied()))
        .filter(assignment::Column::Status.eq("open"))
        .all(conn)
        .await?;
    list.sort_by_key(|a| (a.last_day.is_none(), a.last_day, a.id));
    rows(conn, list).await
}

/// Every assignment of a directive, by task and lead.
pub async fn assignments_of<C: ConnectionTrait>(
    conn: &C,
    directive_id: i32,
) -> Result<Vec<AssignmentRow>> {
    let list = assignment::Entity::find()
        .filter(assignment::Column::DirectiveId.eq(directive_id))
        .order_by_asc(assignment::Column::Id)
        .all(conn)
        .await?;
    rows(conn, list).await
}

pub async fn assignment_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> Result<Option<assignment::Model>> {
    Ok(assignment::Entity::find_by_id(id).one(conn).await?)
}

/// Open assignments that have a last day, soonest first (for deadline reminders).
pub async fn open_dated_assignments<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<assignment::Model>> {
    Ok(assignment::Entity::find()
        .filter(assignment::Column::Status.eq("open"))
        .filter(assignment::Column::LastDay.is_not_null())
        .order_by_asc(assignment::Column::LastDay)
        .order_by_asc(assignment::Column::Id)
        .all(conn)
        .await?)
}

/// Records an assignment reminder under its dedup key. Returns `false` (and changes nothing) when
/// the key exists: `INSERT … ON CONFLICT DO NOTHING`, so of two workers racing on the same key
/// exactly one gets `true` (PostgreSQL makes the second wait on the unique index until the first
/// commits; SQLite serialises write transactions).
pub async fn record_assignment_reminder<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i32,
    kind: &str,
    dedup_key: &str,
    recipients: usize,
    now: chrono::DateTime<Utc>,
) -> Result<bool> {
    use sea_orm::sea_query::{OnConflict, Query};
    let mut q = Query::insert();
    q.into_table(assignment_reminder::Entity).columns([
        assignment_reminder::Column::AssignmentId,
        assignment_reminder::Column::Kind,
        assignment_reminder::Column::DedupKey,
        assignment_reminder::Column::Recipients,
        assignment_reminder::Column::CreatedAt,
    ]);
    q.values([
        assignment_id.into(),
        kind.into(),
        dedup_key.into(),
        i32::try_from(recipients).unwrap_or(i32::MAX).into(),
        now.into(),
    ])
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    q.on_conflict(
        OnConflict::column(assignment_reminder::Column::DedupKey)
            .do_nothing()
            .to_owned(),
    );
    let res = conn.execute(&q).await?;
    Ok(res.rows_affected() == 1)
}

/// The reminders recorded for an assignment, oldest first.
pub async fn reminders_of_assignment<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i32,
) -> Result<Vec<assignment_reminder::Model>> {
    Ok(assignment_reminder::Entity::find()
        .filter(assignment_reminder::Column::AssignmentId.eq(assignment_id))
        .order_by_asc(assignment_reminder::Column::Id)
        .all(conn)
        .await?)
}
