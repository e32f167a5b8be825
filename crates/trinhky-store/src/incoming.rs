//! The incoming register (sổ văn bản đến) of each agency. Rows are delivered in the issuer's
//! issuing transaction; the recipient's clerk registers them (số đến from the agency's counter
//! for register [`REGISTER`], per calendar year, gap-free), forwards, acknowledges and archives.
//! Each change is a guarded update (`status` must be one the change starts from), so two clerks
//! acting at once cannot both succeed, and writes its audit event in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::audit::{self, AuditInput};
use crate::entities::{incoming_document, outgoing_register};
use trinhky_domain::incoming::{Refused, Status, Step};

use crate::{Result, StoreError};

/// The counter register that numbers incoming documents (số đến).
pub const REGISTER: &str = "den";

/// What the issuing side knows about a delivered document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    pub agency_id: i32,
    pub document_id: i32,
    pub from_agency_id: i32,
    pub from_agency_name: String,
    pub number: String,
    pub doc_type: String,
    pub doc_date: NaiveDate,
    pub title: String,
    pub signer: String,
    pub file_sha256: Option<String>,
}

/// The folded text archive search matches against.
pub fn search_text(number: &str, title: &str, from: &str, doc_type: &str) -> String {
    trinhky_domain::text::fold(&format!("{number} {doc_type} {title} {from}"))
}

/// Delivers one document into a recipient's register (inside the issuing transaction).
pub async fn deliver<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    d: &Delivery,
    now: DateTime<Utc>,
) -> Result<incoming_document::Model> {
    let m = incoming_document::ActiveModel {
        agency_id: Set(d.agency_id),
        document_id: Set(d.document_id),
        from_agency_id: Set(d.from_agency_id),
        from_agency_name: Set(d.from_agency_name.clone()),
        number: Set(d.number.clone()),
        doc_type: Set(d.doc_type.clone()),
        doc_date: Set(d.doc_date),
        title: Set(d.title.clone()),
        signer: Set(d.signer.clone()),
        file_sha256: Set(d.file_sha256.clone()),
        received_at: Set(now),
        year: Set(None),
        incoming_no: Set(None),
        status: Set(Status::Received.as_str().into()),
        registered_by: Set(None),
        registered_at: Set(None),
        forwarded_to: Set(None),
        forwarded_at: Set(None),
        deadline: Set(None),
        acknowledged_by: Set(None),
        acknowledged_at: Set(None),
        archived_by: Set(None),
        archived_at: Set(None),
        recalled_at: Set(None),
        note: Set(String::new()),
        search_text: Set(search_text(
            &d.number,
            &d.title,
            &d.from_agency_name,
            &d.doc_type,
        )),
        number_search: Set(trinhky_domain::text::fold(&d.number)),
        from_search: Set(trinhky_domain::text::fold(&d.from_agency_name)),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, "incoming.deliver", "incoming_document", m.id)
            .document(d.document_id)
            .after(&m)
            .details(serde_json::json!({"document": d.document_id, "agency": d.agency_id, "number": d.number})),
        now,
    )
    .await?;
    Ok(m)
}

pub async fn by_id<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> Result<Option<incoming_document::Model>> {
    Ok(incoming_document::Entity::find_by_id(id).one(conn).await?)
}

/// One page (1-based) of an agency's incoming documents, newest first, and the total count.
pub async fn page_of_agency<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    page: u64,
    per_page: u64,
) -> Result<(Vec<incoming_document::Model>, u64)> {
    let q = incoming_document::Entity::find()
        .filter(incoming_document::Column::AgencyId.eq(agency_id))
        .order_by_desc(incoming_document::Column::ReceivedAt)
        .order_by_desc(incoming_document::Column::Id)
        .paginate(conn, per_page.max(1));
    let total = q.num_items().await?;
    let rows = q.fetch_page(page.saturating_sub(1)).await?;
    Ok((rows, total))
}

/// Every incoming row of an agency received in `[from, to]` (inclusive; either open), oldest
/// first (register order).
pub async fn of_agency_between<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<incoming_document::Model>> {
    let mut q =
        incoming_document::Entity::find().filter(incoming_document::Column::AgencyId.eq(agency_id));
    if let Some(f) = from {
        q = q.filter(incoming_document::Column::ReceivedAt.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(incoming_document::Column::ReceivedAt.lt(t));
    }
    Ok(q.order_by_asc(incoming_document::Column::ReceivedAt)
        .order_by_asc(incoming_document::Column::Id)
        .all(conn)
        .await?)
}

/// The recipients' rows of one issued document (the sender's receipt view).
pub async fn of_document<C: ConnectionTrait>(
    conn: &C,
    document_id: i32,
) -> Result<Vec<incoming_document::Model>> {
    Ok(incoming_document::Entity::find()
        .filter(incoming_document::Column::DocumentId.eq(document_id))
        .order_by_asc(incoming_document::Column::Id)
        .all(conn)
        .await?)
}

/// Persists `step` on row `id`: moves it to `step.to` if its status is still `step.from` (a
/// guarded update: on PostgreSQL it holds the row lock until commit), then applies `fill` and
/// writes the audit event. Which steps are allowed is the domain's table
/// ([`trinhky_domain::incoming::step`]); a row changed meanwhile is a conflict.
async fn change<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    id: i32,
    step: Step,
    now: DateTime<Utc>,
    fill: impl FnOnce(&mut incoming_document::ActiveModel),
) -> Result<incoming_document::Model> {
    let before = by_id(conn, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("incoming document {id}")))?;
    let res = incoming_document::Entity::update_many()
        .col_expr(
            incoming_document::Column::Status,
            Expr::value(step.to.as_str()),
        )
        .filter(incoming_document::Column::Id.eq(id))
        .filter(incoming_document::Column::Status.eq(step.from.as_str()))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        let status = Status::parse(&before.status).unwrap_or(step.from);
        let refused = Refused {
            status,
            event: step.event,
        };
        return Err(StoreError::Conflict(refused.to_string()));
    }
    let mut am = before.clone().into_active_model();
    am.status = Set(step.to.as_str().to_owned());
    fill(&mut am);
    let after = am.update(conn).await?;
    audit::record_at(
        conn,
        AuditInput::new(actor, step.event.action(), "incoming_document", id)
            .document(before.document_id)
            .before(&before)
            .after(&after),
        now,
    )
    .await?;
    Ok(after)
}

/// Persists a register step: the row takes the agency's next số đến for the year of `today`.
pub async fn register<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    row: &incoming_document::Model,
    step: Step,
    user_id: i32,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<incoming_document::Model> {
    use chrono::Datelike;
    let no = crate::numbering::next_number(conn, row.agency_id, today.year(), REGISTER).await?;
    change(conn, actor, row.id, step, now, |am| {
        am.year = Set(Some(today.year()));
        am.incoming_no = Set(Some(no));
        am.registered_by = Set(Some(user_id));
        am.registered_at = Set(Some(now));
    })
    .await
}

/// Persists a forward step (chuyển) to a person of the agency, with a deadline.
#[allow(clippy::too_many_arguments)]
pub async fn forward<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    id: i32,
    step: Step,
    to_user: i32,
    deadline: Option<NaiveDate>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<incoming_document::Model> {
    change(conn, actor, id, step, now, |am| {
        am.forwarded_to = Set(Some(to_user));
        am.forwarded_at = Set(Some(now));
        am.deadline = Set(deadline);
        if let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) {
            am.note = Set(n.to_owned());
        }
    })
    .await
}

/// Persists an acknowledge step (ký nhận).
pub async fn acknowledge<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    id: i32,
    step: Step,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<incoming_document::Model> {
    change(conn, actor, id, step, now, |am| {
        am.acknowledged_by = Set(Some(user_id));
        am.acknowledged_at = Set(Some(now));
    })
    .await
}

/// Persists an archive step (lưu trữ).
pub async fn archive<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    id: i32,
    step: Step,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<incoming_document::Model> {
    change(conn, actor, id, step, now, |am| {
        am.archived_by = Set(Some(user_id));
        am.archived_at = Set(Some(now));
    })
    .await
}

/// Marks an issued document's outgoing-register entry recalled. Recalling twice, or a document
/// without a number, is a conflict.
pub async fn recall_outgoing<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    document_id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let res = outgoing_register::Entity::update_many()
        .col_expr(
            outgoing_register::Column::RecalledAt,
            Expr::value(Some(now)),
        )
        .col_expr(
            outgoing_register::Column::RecallReason,
            Expr::value(Some(reason.to_owned())),
        )
        .filter(outgoing_register::Column::DocumentId.eq(document_id))
        .filter(outgoing_register::Column::RecalledAt.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Conflict(
            "Văn bản chưa được cấp số hoặc đã bị thu hồi.".into(),
        ));
    }
    audit::record_at(
        conn,
        AuditInput::new(actor, "document.recall", "document", document_id)
            .details(serde_json::json!({"reason": reason})),
        now,
    )
    .await
    .map(|_| ())
}

/// Persists a recall step on one incoming row, noting the reason.
pub async fn recall_row<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    row: &incoming_document::Model,
    step: Step,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<incoming_document::Model> {
    change(conn, actor, row.id, step, now, |am| {
        am.recalled_at = Set(Some(now));
        am.note = Set(if row.note.is_empty() {
            format!("Đã thu hồi: {reason}")
        } else {
            format!("{} — Đã thu hồi: {reason}", row.note)
        });
    })
    .await
}

/// Filters of the incoming register, applied in SQL.
#[derive(Debug, Clone, Default)]
pub struct RegisterFilter {
    /// Received at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Received before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Already folded; matched anywhere in the row's search text.
    pub text: Option<String>,
}

/// The rows of an agency's incoming register matching `f`, oldest first (register order), and
/// how many match in all; `page` None returns every matching row (exports).
pub async fn register_filtered<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    f: &RegisterFilter,
    page: Option<crate::PageRequest>,
) -> Result<(Vec<incoming_document::Model>, u64)> {
    let mut q =
        incoming_document::Entity::find().filter(incoming_document::Column::AgencyId.eq(agency_id));
    if let Some(from) = f.from {
        q = q.filter(incoming_document::Column::ReceivedAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(incoming_document::Column::ReceivedAt.lt(to));
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(incoming_document::Column::SearchText.like(crate::contains_pattern(t)));
    }
    let q = q
        .order_by_asc(incoming_document::Column::ReceivedAt)
        .order_by_asc(incoming_document::Column::Id);
    fetch(conn, q, page).await
}

/// Archive search (every text field already folded), applied in SQL.
#[derive(Debug, Clone, Default)]
pub struct ArchiveFilter {
    pub text: Option<String>,
    pub number: Option<String>,
    pub from_agency: Option<String>,
    /// Document date range (inclusive).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The archived rows of an agency matching `f`, newest archived first, and how many match.
pub async fn archive_filtered<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    f: &ArchiveFilter,
    page: Option<crate::PageRequest>,
) -> Result<(Vec<incoming_document::Model>, u64)> {
    let mut q = incoming_document::Entity::find()
        .filter(incoming_document::Column::AgencyId.eq(agency_id))
        .filter(incoming_document::Column::Status.eq(Status::Archived.as_str()));
    let nonempty = |s: &Option<String>| s.clone().filter(|x| !x.is_empty());
    if let Some(t) = nonempty(&f.text) {
        q = q.filter(incoming_document::Column::SearchText.like(crate::contains_pattern(&t)));
    }
    if let Some(n) = nonempty(&f.number) {
        q = q.filter(incoming_document::Column::NumberSearch.like(crate::contains_pattern(&n)));
    }
    if let Some(a) = nonempty(&f.from_agency) {
        q = q.filter(incoming_document::Column::FromSearch.like(crate::contains_pattern(&a)));
    }
    if let Some(from) = f.from {
        q = q.filter(incoming_document::Column::DocDate.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(incoming_document::Column::DocDate.lte(to));
    }
    let q = q
        .order_by_desc(incoming_document::Column::ArchivedAt)
        .order_by_desc(incoming_document::Column::Id);
    fetch(conn, q, page).await
}

async fn fetch<C: ConnectionTrait>(
    conn: &C,
    q: sea_orm::Select<incoming_document::Entity>,
    page: Option<crate::PageRequest>,
) -> Result<(Vec<incoming_document::Model>, u64)> {
    use sea_orm::QuerySelect;
    match page {
        None => {
            let rows = q.all(conn).await?;
            let n = rows.len() as u64;
            Ok((rows, n))
        }
        Some(p) => {
            let total = q.clone().count(conn).await?;
            let rows = q.offset(p.offset()).limit(p.per_page).all(conn).await?;
            Ok((rows, total))
        }
    }
}
