//! Receiving (issue 7): delivery of issued documents into the incoming registers of recipient
//! agencies that use trinhky, the recipient clerk's steps (register with a số đến, forward,
//! acknowledge, archive), the sender's receipt view, recall (thu hồi), the archive search and
//! the two registers (sổ văn bản đi / đến) with the decree's ten columns.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_store::entities::{agency, incoming_document, outgoing_register};
use trinhky_store::incoming::{self as repo, Delivery};
use trinhky_store::{Store, StoreError, accounts, directory, numbering, outbox};

use crate::{AppError, Principal, Result};

fn store_err(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::Conflict(m),
        other => other.into(),
    }
}

fn forbidden() -> AppError {
    AppError::Forbidden(String::new())
}

/// A time in Vietnam (UTC+7), "dd/mm/yyyy HH:MM".
pub fn vn_time(t: DateTime<Utc>) -> String {
    match chrono::FixedOffset::east_opt(7 * 3600) {
        Some(tz) => t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string(),
        None => t.format("%d/%m/%Y %H:%M UTC").to_string(),
    }
}

/// The date in Vietnam of an instant.
pub fn vn_date(t: DateTime<Utc>) -> NaiveDate {
    match chrono::FixedOffset::east_opt(7 * 3600) {
        Some(tz) => t.with_timezone(&tz).date_naive(),
        None => t.date_naive(),
    }
}

pub fn fmt_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Tên loại văn bản of a type code ("BC" → "Báo cáo").
pub fn type_name(code: &str) -> &str {
    match code {
        "BC" => "Báo cáo",
        "KH" => "Kế hoạch",
        "TB" => "Thông báo",
        "QĐ" => "Quyết định",
        "CT" => "Chỉ thị",
        "TTr" => "Tờ trình",
        "CV" | "" => "Công văn",
        "GM" => "Giấy mời",
        "KL" => "Kết luận",
        "NQ" => "Nghị quyết",
        "CTr" => "Chương trình",
        "HD" => "Hướng dẫn",
        "PA" => "Phương án",
        "ĐA" => "Đề án",
        "BB" => "Biên bản",
        other => other,
    }
}

// ---- delivery (inside the issuing transaction) ----

/// An issued document as the recipients' registers record it.
pub struct Issued<'a> {
    pub document_id: i32,
    pub from_agency_id: i32,
    pub from_agency_name: &'a str,
    pub number: &'a str,
    pub doc_type: &'a str,
    pub doc_date: NaiveDate,
    pub title: &'a str,
    pub signer: &'a str,
    pub file_sha256: Option<String>,
}

/// Delivers an issued document to every recipient agency that uses trinhky (has a clerk
/// account), once per agency, never to the issuing agency itself. Call inside the issuing
/// transaction. Returns the number of deliveries.
pub async fn deliver<C: sea_orm::ConnectionTrait>(
    conn: &C,
    actor: &str,
    doc: &Issued<'_>,
    recipient_agencies: &[i32],
    now: DateTime<Utc>,
) -> Result<usize> {
    let mut done: Vec<i32> = Vec::new();
    for &agency_id in recipient_agencies {
        if agency_id == doc.from_agency_id || done.contains(&agency_id) {
            continue;
        }
        let has_clerk = accounts::agency_members(conn, agency_id)
            .await?
            .iter()
            .any(|(_, r, _)| *r == Role::Clerk);
        if !has_clerk {
            continue;
        }
        repo::deliver(
            conn,
            actor,
            &Delivery {
                agency_id,
                document_id: doc.document_id,
                from_agency_id: doc.from_agency_id,
                from_agency_name: doc.from_agency_name.to_owned(),
                number: doc.number.to_owned(),
                doc_type: doc.doc_type.to_owned(),
                doc_date: doc.doc_date,
                title: doc.title.to_owned(),
                signer: doc.signer.to_owned(),
                file_sha256: doc.file_sha256.clone(),
            },
            now,
        )
        .await?;
        done.push(agency_id);
    }
    Ok(done.len())
}

// ---- who may see and act ----

/// What the caller may do with one incoming row.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Access {
    /// Clerk of the recipient agency: every action.
    pub clerk: bool,
    /// Head of the recipient agency: viewing.
    pub head: bool,
    /// The person it was forwarded to: viewing and acknowledging.
    pub assignee: bool,
}

impl Access {
    pub fn view(&self) -> bool {
        self.clerk || self.head || self.assignee
    }
}

fn access(p: &Principal, agency_code: &str, row: &incoming_document::Model) -> Access {
    Access {
        clerk: p.has_role(agency_code, Role::Clerk),
        head: p.has_role(agency_code, Role::AgencyHead),
        assignee: row.forwarded_to == Some(p.user.id),
    }
}

/// The agency (by code, or the caller's first) whose registers `p` may read as clerk or head.
pub async fn register_agency(
    store: &Store,
    p: &Principal,
    code: Option<&str>,
) -> Result<agency::Model> {
    let allowed = |c: &str| p.has_role(c, Role::Clerk) || p.has_role(c, Role::AgencyHead);
    let code = match code.filter(|c| !c.is_empty()) {
        Some(c) if allowed(c) => c.to_owned(),
        Some(_) => {
            return Err(AppError::Forbidden(
                "Chỉ văn thư hoặc thủ trưởng cơ quan mới xem sổ văn bản của cơ quan.".into(),
            ));
        }
        None => p
            .agencies()
            .into_iter()
            .map(|(c, _)| c)
            .find(|c| allowed(c))
            .map(str::to_owned)
            .ok_or_else(|| {
                AppError::Forbidden(
                    "Chỉ văn thư hoặc thủ trưởng cơ quan mới xem sổ văn bản của cơ quan.".into(),
                )
            })?,
    };
    directory::agency_by_code(store.db(), &code)
        .await?
        .ok_or_else(forbidden)
}

/// Agencies whose registers `p` may read (code, name).
pub fn register_agencies(p: &Principal) -> Vec<(String, String)> {
    p.agencies()
        .into_iter()
        .filter(|(c, _)| p.has_role(c, Role::Clerk) || p.has_role(c, Role::AgencyHead))
        .map(|(c, n)| (c.to_owned(), n.to_owned()))
        .collect()
}

async fn user_name(store: &Store, id: Option<i32>) -> Result<Option<String>> {
    Ok(match id {
        Some(id) => accounts::user_by_id(store.db(), id)
            .await?
            .map(|u| u.full_name),
        None => None,
    })
}

// ---- views ----

/// One incoming document as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct IncomingView {
    pub id: i32,
    pub agency_code: String,
    pub agency_name: String,
    pub document_id: i32,
    pub from_agency: String,
    pub number: String,
    pub doc_type: String,
    pub type_name: String,
    pub doc_date: NaiveDate,
    pub doc_date_vn: String,
    pub title: String,
    pub signer: String,
    pub received_at: DateTime<Utc>,
    pub received_at_vn: String,
    pub incoming_no: Option<i32>,
    pub year: Option<i32>,
    pub status: String,
    pub status_label: String,
    pub registered_at: Option<DateTime<Utc>>,
    pub registered_by: Option<String>,
    pub forwarded_to: Option<String>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub deadline: Option<NaiveDate>,
    pub deadline_vn: Option<String>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub archived_by: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub recalled_at: Option<DateTime<Utc>>,
    pub note: String,
    pub has_file: bool,
}

async fn view_of(
    store: &Store,
    a: &agency::Model,
    r: incoming_document::Model,
) -> Result<IncomingView> {
    Ok(IncomingView {
        id: r.id,
        agency_code: a.code.clone(),
        agency_name: a.name.clone(),
        document_id: r.document_id,
        from_agency: r.from_agency_name.clone(),
        type_name: type_name(&r.doc_type).to_owned(),
        doc_type: r.doc_type.clone(),
        doc_date_vn: fmt_date(r.doc_date),
        doc_date: r.doc_date,
        title: r.title.clone(),
        signer: r.signer.clone(),
        received_at_vn: vn_time(r.received_at),
        received_at: r.received_at,
        incoming_no: r.incoming_no,
        year: r.year,
        status_label: repo::status_label(&r.status).to_owned(),
        status: r.status.clone(),
        registered_at: r.registered_at,
        registered_by: user_name(store, r.registered_by).await?,
        forwarded_to: user_name(store, r.forwarded_to).await?,
        forwarded_at: r.forwarded_at,
        deadline: r.deadline,
        deadline_vn: r.deadline.map(fmt_date),
        acknowledged_by: user_name(store, r.acknowledged_by).await?,
        acknowledged_at: r.acknowledged_at,
        archived_by: user_name(store, r.archived_by).await?,
        archived_at: r.archived_at,
        recalled_at: r.recalled_at,
        note: r.note.clone(),
        has_file: r.file_sha256.is_some(),
        number: r.number,
    })
}

/// A page of an agency's "Văn bản đến".
#[derive(Debug, Clone, Serialize)]
pub struct ListPage {
    pub agency_code: String,
    pub agency_name: String,
    pub items: Vec<IncomingView>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
}

pub const PER_PAGE: u64 = 20;

pub async fn list(
    store: &Store,
    p: &Principal,
    agency_code: Option<&str>,
    page: u64,
) -> Result<ListPage> {
    let a = register_agency(store, p, agency_code).await?;
    let page = page.max(1);
    let (rows, total) = repo::page_of_agency(store.db(), a.id, page, PER_PAGE).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(view_of(store, &a, r).await?);
    }
    Ok(ListPage {
        agency_code: a.code,
        agency_name: a.name,
        items,
        page,
        pages: total.div_ceil(PER_PAGE).max(1),
        total,
    })
}

/// One incoming row with the caller's rights; 403 for anyone outside the recipient agency.
pub struct Detail {
    pub view: IncomingView,
    pub access: Access,
    pub row: incoming_document::Model,
    /// People of the agency a document can be forwarded to (username, name, title).
    pub people: Vec<(String, String, String)>,
}

pub async fn detail(store: &Store, p: &Principal, id: i32) -> Result<Detail> {
    let row = repo::by_id(store.db(), id).await?.ok_or_else(forbidden)?;
    let a = directory::agency_by_id(store.db(), row.agency_id)
        .await?
        .ok_or_else(forbidden)?;
    let access = access(p, &a.code, &row);
    if !access.view() {
        return Err(AppError::Forbidden(
            "Chỉ văn thư, thủ trưởng cơ quan nhận hoặc người được giao xử lý mới xem văn bản đến này."
                .into(),
        ));
    }
    let people = if access.clerk {
        accounts::agency_members(store.db(), a.id)
            .await?
            .into_iter()
            .filter(|(u, _, _)| u.active)
            .map(|(u, _, t)| (u.username, u.full_name, t))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Detail {
        view: view_of(store, &a, row.clone()).await?,
        access,
        row,
        people,
    })
}

/// Whether the viewer of an incoming row may have the issued copy (the PDF and its
/// attachments): the documents' access policy, for a recipient — not once it is recalled.
pub fn may_have_copy(d: &Detail) -> Result<()> {
    let facts = crate::access::Facts {
        recipient: d.access.view(),
        issued: true,
        recalled: d.row.recalled_at.is_some() || d.row.status == "recalled",
        ..Default::default()
    };
    crate::access::decide(&facts, crate::access::Want::IssuedCopy).map(|_| ())
}

/// The issued file as delivered (for the PDF link); refused once the document is recalled.
pub async fn file(store: &Store, p: &Principal, id: i32) -> Result<(Detail, Vec<u8>)> {
    let d = detail(store, p, id).await?;
    may_have_copy(&d)?;
    let sha = d.row.file_sha256.clone().ok_or_else(|| {
        AppError::Conflict("Văn bản đến này không kèm tệp văn bản điện tử.".into())
    })?;
    let blob = trinhky_store::blobs::get(store.db(), &sha)
        .await?
        .ok_or_else(|| AppError::Internal("delivered file blob is missing".into()))?;
    Ok((d, blob.data))
}

fn clerk_only(d: &Detail) -> Result<()> {
    if d.access.clerk {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Chỉ văn thư của cơ quan nhận mới thực hiện thao tác này.".into(),
        ))
    }
}

/// The recipient clerk registers the document with the agency's next số đến.
pub async fn register(
    store: &Store,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<IncomingView> {
    let d = detail(store, p, id).await?;
    clerk_only(&d)?;
    let txn = store.begin_write().await?;
    repo::register(&txn, &p.actor(), id, p.user.id, vn_date(now), now)
        .await
        .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(detail(store, p, id).await?.view)
}

/// Forwards (chuyển xử lý) to a person of the recipient agency, with an optional deadline.
pub async fn forward(
    store: &Store,
    p: &Principal,
    id: i32,
    to_username: &str,
    deadline: Option<NaiveDate>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IncomingView> {
    let d = detail(store, p, id).await?;
    clerk_only(&d)?;
    let user = accounts::user_by_username(store.db(), to_username.trim())
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::Invalid(format!("Không có tài khoản \"{to_username}\".")))?;
    let member = accounts::memberships(store.db(), user.id)
        .await?
        .iter()
        .any(|m| m.agency_id == d.row.agency_id);
    if !member {
        return Err(AppError::Invalid(format!(
            "{} không thuộc {}.",
            user.full_name, d.view.agency_name
        )));
    }
    if deadline.is_some_and(|dl| dl < vn_date(now)) {
        return Err(AppError::Invalid(
            "Hạn xử lý không được trước ngày hôm nay.".into(),
        ));
    }
    let txn = store.begin_write().await?;
    repo::forward(&txn, &p.actor(), id, user.id, deadline, note, now)
        .await
        .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(detail(store, p, id).await?.view)
}

/// Acknowledges receipt (ký nhận): the clerk, or the person it was forwarded to.
pub async fn acknowledge(
    store: &Store,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<IncomingView> {
    let d = detail(store, p, id).await?;
    if !(d.access.clerk || d.access.assignee) {
        return Err(AppError::Forbidden(
            "Chỉ văn thư hoặc người được giao xử lý mới ký nhận văn bản đến.".into(),
        ));
    }
    let txn = store.begin_write().await?;
    repo::acknowledge(&txn, &p.actor(), id, p.user.id, now)
        .await
        .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(detail(store, p, id).await?.view)
}

/// Archives (lưu trữ) the document with its signed file.
pub async fn archive(
    store: &Store,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<IncomingView> {
    let d = detail(store, p, id).await?;
    clerk_only(&d)?;
    let txn = store.begin_write().await?;
    repo::archive(&txn, &p.actor(), id, p.user.id, now)
        .await
        .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(detail(store, p, id).await?.view)
}

// ---- the sender's side ----

/// Who received an issued document, and when (for the sender's document page).
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub agency_code: String,
    pub agency_name: String,
    pub status: String,
    pub status_label: String,
    pub incoming_no: Option<i32>,
    pub received_at: DateTime<Utc>,
    pub received_at_vn: String,
    pub registered_at: Option<DateTime<Utc>>,
    pub registered_at_vn: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_at_vn: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub archived_at_vn: Option<String>,
}

pub async fn receipts(store: &Store, document_id: i32) -> Result<Vec<Receipt>> {
    let mut out = Vec::new();
    for r in repo::of_document(store.db(), document_id).await? {
        let Some(a) = directory::agency_by_id(store.db(), r.agency_id).await? else {
            continue;
        };
        out.push(Receipt {
            agency_code: a.code,
            agency_name: a.name,
            status_label: repo::status_label(&r.status).to_owned(),
            status: r.status,
            incoming_no: r.incoming_no,
            received_at_vn: vn_time(r.received_at),
            received_at: r.received_at,
            registered_at_vn: r.registered_at.map(vn_time),
            registered_at: r.registered_at,
            acknowledged_at_vn: r.acknowledged_at.map(vn_time),
            acknowledged_at: r.acknowledged_at,
            archived_at_vn: r.archived_at.map(vn_time),
            archived_at: r.archived_at,
        });
    }
    Ok(out)
}

/// Whether `p` may recall the document of `agency_code` (its clerk or head).
pub fn may_recall(p: &Principal, agency_code: &str) -> bool {
    p.has_role(agency_code, Role::Clerk) || p.has_role(agency_code, Role::AgencyHead)
}

/// Recalls (thu hồi) an issued document: marks its outgoing-register entry and every incoming
/// row, and queues a "[THU HỒI]" message to every address the document was sent to — one
/// transaction. Returns the number of messages queued.
pub async fn recall(
    store: &Store,
    p: &Principal,
    document_id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let db = store.db();
    let doc = trinhky_store::documents::document_by_id(db, document_id)
        .await?
        .ok_or_else(forbidden)?;
    let a = directory::agency_by_id(db, doc.agency_id)
        .await?
        .ok_or_else(forbidden)?;
    if !may_recall(p, &a.code) {
        return Err(AppError::Forbidden(
            "Chỉ văn thư hoặc thủ trưởng cơ quan ban hành mới thu hồi văn bản.".into(),
        ));
    }
    let reason = trinhky_domain::text::nfc(reason.trim());
    if reason.is_empty() {
        return Err(AppError::Invalid("Nhập lý do thu hồi.".into()));
    }
    let entry = numbering::number_of(db, document_id)
        .await?
        .ok_or_else(|| AppError::Conflict("Văn bản chưa được phát hành.".into()))?;
    if entry.recalled_at.is_some() {
        return Err(AppError::Conflict("Văn bản đã bị thu hồi.".into()));
    }
    let domain = directory::settings(db)
        .await?
        .map(|s| s.email_domain)
        .unwrap_or_else(|| "trinhky.invalid".into());
    let sent = outbox::of_document(db, document_id).await?;
    let mut msgs: Vec<outbox::NewMessage> = Vec::new();
    for m in sent {
        if m.kind != "dispatch" || msgs.iter().any(|x| x.email == m.email) {
            continue;
        }
        msgs.push(recall_message(
            document_id,
            &entry,
            &a.name,
            &m.recipient_text,
            m.agency_id,
            &m.email,
            &reason,
            &domain,
        ));
    }
    let txn = store.begin_write().await?;
    repo::recall(&txn, &p.actor(), document_id, &reason, now)
        .await
        .map_err(store_err)?;
    outbox::enqueue(&txn, &p.actor(), &msgs, now).await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(msgs.len())
}

#[allow(clippy::too_many_arguments)]
fn recall_message(
    document_id: i32,
    entry: &outgoing_register::Model,
    issuing_body: &str,
    recipient_text: &str,
    agency_id: Option<i32>,
    email: &str,
    reason: &str,
    domain: &str,
) -> outbox::NewMessage {
    let id = crate::dispatch::message_id(document_id, email, domain);
    outbox::NewMessage {
        document_id: Some(document_id),
        assignment_id: None,
        recipient_text: recipient_text.to_owned(),
        agency_id,
        email: email.to_owned(),
        message_id: id.replacen("trinhky.doc", "trinhky.recall.doc", 1),
        kind: "recall".into(),
        subject: format!("[THU HỒI] [{}] {}", entry.number, entry.title),
        body: format!(
            "Kính gửi: {recipient_text}.\n\n{issuing_body} thu hồi văn bản số {} ngày {} về việc: {}.\nLý do thu hồi: {reason}.\n\nĐề nghị quý cơ quan không sử dụng văn bản trên và hủy các bản đã nhận.\n\nTrân trọng./.\n\n(Thư gửi tự động từ hệ thống trinhky; vui lòng không trả lời thư này.)",
            entry.number,
            fmt_date(entry.issued_on),
            entry.title,
        ),
    }
}

// ---- registers ----

/// Filters of a register view or export.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub text: Option<String>,
}

impl Filter {
    fn folded_text(&self) -> Option<String> {
        self.text
            .as_deref()
            .map(trinhky_domain::text::fold)
            .filter(|q| !q.is_empty())
    }

    /// The instant a day in Vietnam (UTC+7) starts.
    fn day_start(d: NaiveDate) -> DateTime<Utc> {
        (d.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(7)).and_utc()
    }
}

/// Which register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Outgoing,
    Incoming,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "outgoing" | "di" => Some(Kind::Outgoing),
            "incoming" | "den" => Some(Kind::Incoming),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::Outgoing => "Sổ đăng ký văn bản đi",
            Kind::Incoming => "Sổ đăng ký văn bản đến",
        }
    }

    /// The decree's ten columns.
    pub fn columns(self) -> [&'static str; 10] {
        match self {
            Kind::Outgoing => [
                "Số, ký hiệu",
                "Ngày tháng văn bản",
                "Tên loại và trích yếu nội dung",
                "Người ký",
                "Nơi nhận",
                "Đơn vị, người nhận bản lưu",
                "Số lượng bản",
                "Ngày chuyển",
                "Ký nhận",
                "Ghi chú",
            ],
            Kind::Incoming => [
                "Ngày đến",
                "Số đến",
                "Tác giả",
                "Số, ký hiệu",
                "Ngày tháng",
                "Tên loại và trích yếu nội dung",
                "Đơn vị hoặc người nhận",
                "Ngày chuyển",
                "Ký nhận",
                "Ghi chú",
            ],
        }
    }
}

/// A register for display and export.
#[derive(Debug, Clone, Serialize)]
pub struct Register {
    pub kind: Kind,
    pub title: &'static str,
    pub agency_code: String,
    pub agency_name: String,
    pub columns: [&'static str; 10],
    pub rows: Vec<[String; 10]>,
    /// Rows matching the filter in all (`rows` holds one page of them, or all for exports).
    pub total: u64,
}

fn recipients_and_archive(text: &str) -> (String, String) {
    let mut to = Vec::new();
    let mut archive = Vec::new();
    for line in text.lines() {
        let l = line
            .trim()
            .trim_start_matches(['-', '+', '•'])
            .trim()
            .trim_end_matches([';', '.', ','])
            .trim();
        if l.is_empty() {
            continue;
        }
        if trinhky_domain::text::fold(l).starts_with("luu") {
            let rest = l.split_once(':').map(|(_, r)| r.trim()).unwrap_or("");
            archive.push(rest.to_owned());
        } else {
            to.push(l.to_owned());
        }
    }
    (to.join("; "), archive.join("; "))
}

pub async fn register_view(
    store: &Store,
    p: &Principal,
    agency_code: Option<&str>,
    kind: Kind,
    filter: &Filter,
    page: Option<trinhky_store::PageRequest>,
) -> Result<Register> {
    let a = register_agency(store, p, agency_code).await?;
    let db = store.db();
    let mut rows: Vec<[String; 10]> = Vec::new();
    let total;
    match kind {
        Kind::Outgoing => {
            let f = numbering::OutgoingFilter {
                from: filter.from,
                to: filter.to,
                text: filter.folded_text(),
            };
            let (entries, n) = numbering::outgoing_filtered(db, a.id, &f, page).await?;
            total = n;
            for e in entries {
                let (to, archive) = recipients_and_archive(&e.recipients);
                let mut receipts = Vec::new();
                if let Some(doc) = e.document_id {
                    for r in repo::of_document(db, doc).await? {
                        let code = directory::agency_by_id(db, r.agency_id)
                            .await?
                            .map(|x| x.code)
                            .unwrap_or_default();
                        let when = r
                            .acknowledged_at
                            .or(r.registered_at)
                            .unwrap_or(r.received_at);
                        receipts.push(format!("{code} {}", vn_time(when)));
                    }
                }
                let mut note = e.note.clone();
                if let Some(at) = e.recalled_at {
                    let r = format!(
                        "Đã thu hồi ngày {}: {}",
                        fmt_date(vn_date(at)),
                        e.recall_reason.clone().unwrap_or_default()
                    );
                    note = if note.is_empty() {
                        r
                    } else {
                        format!("{note}; {r}")
                    };
                }
                let cells = [
                    e.number.clone(),
                    fmt_date(e.issued_on),
                    format!("{}: {}", type_name(&e.doc_type), e.title),
                    e.signer.clone(),
                    to,
                    archive,
                    e.copies.to_string(),
                    fmt_date(e.issued_on),
                    receipts.join("; "),
                    note,
                ];
                rows.push(cells);
            }
        }
        Kind::Incoming => {
            let f = repo::RegisterFilter {
                from: filter.from.map(Filter::day_start),
                to: filter.to.and_then(|t| t.succ_opt()).map(Filter::day_start),
                text: filter.folded_text(),
            };
            let (found, n) = repo::register_filtered(db, a.id, &f, page).await?;
            total = n;
            for r in found {
                let forwarded = user_name(store, r.forwarded_to).await?.unwrap_or_default();
                let ack = match (
                    user_name(store, r.acknowledged_by).await?,
                    r.acknowledged_at,
                ) {
                    (Some(n), Some(t)) => format!("{n} {}", vn_time(t)),
                    _ => String::new(),
                };
                let mut note = r.note.clone();
                if r.status == "recalled" && !note.contains("Đã thu hồi") {
                    note = format!("Đã thu hồi {note}").trim().to_owned();
                }
                if let Some(d) = r.deadline {
                    note = format!("{note} (hạn xử lý {})", fmt_date(d))
                        .trim()
                        .to_owned();
                }
                let cells = [
                    fmt_date(vn_date(r.received_at)),
                    r.incoming_no.map(|n| n.to_string()).unwrap_or_default(),
                    r.from_agency_name.clone(),
                    r.number.clone(),
                    fmt_date(r.doc_date),
                    format!("{}: {}", type_name(&r.doc_type), r.title),
                    forwarded,
                    r.forwarded_at
                        .map(|t| fmt_date(vn_date(t)))
                        .unwrap_or_default(),
                    ack,
                    note,
                ];
                rows.push(cells);
            }
        }
    }
    Ok(Register {
        kind,
        title: kind.title(),
        agency_code: a.code,
        agency_name: a.name,
        columns: kind.columns(),
        rows,
        total,
    })
}

/// The register as CSV: UTF-8 with a byte-order mark (Excel reads the Vietnamese text), CRLF.
///
/// Cells come from other agencies (trích yếu, nơi gửi), so a cell that a spreadsheet would read
/// as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return, also after
/// leading spaces) is neutralised with a leading apostrophe and quoted.
pub fn csv(reg: &Register) -> Vec<u8> {
    fn field(s: &str) -> String {
        let formula = s.trim_start_matches(' ').starts_with([
            '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
        ]);
        if formula {
            format!("\"'{}\"", s.replace('"', "\"\""))
        } else if s.contains([',', '"', '\n', '\r', ';']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = String::from("\u{feff}");
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells.map(field).collect::<Vec<_>>().join(",") + "\r\n"
    };
    out.push_str(&line(&mut reg.columns.iter().copied()));
    for r in &reg.rows {
        out.push_str(&line(&mut r.iter().map(String::as_str)));
    }
    out.into_bytes()
}

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            // XML 1.0 forbids most control characters; keep tab, newline and carriage return.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

fn column_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + u8::try_from(i % 26).unwrap_or(0));
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A minimal XLSX workbook (one sheet, inline strings) written with `zip`.
pub fn xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
    );
    let all = std::iter::once(header.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
        .chain(rows.iter().cloned());
    for (ri, row) in all.enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", ri + 1));
        for (ci, cell) in row.iter().enumerate() {
            sheet.push_str(&format!(
                "<c r=\"{}{}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
                column_name(ci),
                ri + 1,
                xml_escape(cell)
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let name: String = xml_escape(
        &sheet_name
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
            .take(31)
            .collect::<String>(),
    );
    let files: [(&str, String); 5] = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>".to_owned(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_owned(),
        ),
        (
            "xl/workbook.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"{name}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>".to_owned(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let zerr = |e: zip::result::ZipError| AppError::Internal(format!("xlsx: {e}"));
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, body) in files {
        zw.start_file(path, opts).map_err(zerr)?;
        zw.write_all(body.as_bytes())
            .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    }
    Ok(zw.finish().map_err(zerr)?.into_inner())
}

/// The register as XLSX.
pub fn register_xlsx(reg: &Register) -> Result<Vec<u8>> {
    let rows: Vec<Vec<String>> = reg.rows.iter().map(|r| r.to_vec()).collect();
    xlsx(reg.title, &reg.columns, &rows)
}

// ---- archive (lưu trữ) ----

/// Archive search: number, subject (trích yếu), issuing agency, date range of the document.
#[derive(Debug, Clone, Default)]
pub struct ArchiveQuery {
    pub text: Option<String>,
    pub number: Option<String>,
    pub from_agency: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One page of the archived documents of an agency matching `q` (accent- and case-insensitive,
/// filtered in SQL), newest archived first, with the number of matches in all.
pub async fn archive_search(
    store: &Store,
    p: &Principal,
    agency_code: Option<&str>,
    q: &ArchiveQuery,
    page: Option<trinhky_store::PageRequest>,
) -> Result<(agency::Model, Vec<IncomingView>, u64)> {
    let a = register_agency(store, p, agency_code).await?;
    let fold = |s: &Option<String>| {
        s.as_deref()
            .map(trinhky_domain::text::fold)
            .filter(|x| !x.is_empty())
    };
    let f = repo::ArchiveFilter {
        text: fold(&q.text),
        number: fold(&q.number),
        from_agency: fold(&q.from_agency),
        from: q.from,
        to: q.to,
    };
    let (rows, total) = repo::archive_filtered(store.db(), a.id, &f, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view_of(store, &a, r).await?);
    }
    Ok((a, out, total))
}

#[cfg(test)]
mod csv_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn register(cells: [&str; 10]) -> Register {
        Register {
            kind: Kind::Incoming,
            title: Kind::Incoming.title(),
            agency_code: "VPUBND".into(),
            agency_name: "Văn phòng UBND tỉnh".into(),
            columns: Kind::Incoming.columns(),
            rows: vec![cells.map(str::to_owned)],
            total: 1,
        }
    }

    fn data_line(reg: &Register) -> String {
        let text = String::from_utf8(csv(reg)).unwrap();
        text.split("\r\n").nth(1).unwrap().to_owned()
    }

    #[test]
    fn formula_cells_are_neutralised() {
        let hostile = [
            "=HYPERLINK(\"http://x.example\",\"Bấm\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tcmd",
            "  =1+1",
            "＝1+1",
            "Báo cáo, kết quả",
            "12/BC-SNV",
            "",
        ];
        let line = data_line(&register(hostile));
        assert!(
            line.starts_with("\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Bấm\"\")\","),
            "{line}"
        );
        for cell in [
            "\"'+1+1\"",
            "\"'-2+3\"",
            "\"'@SUM(A1)\"",
            "\"'\tcmd\"",
            "\"'  =1+1\"",
            "\"'＝1+1\"",
        ] {
            assert!(line.contains(cell), "{cell} in {line}");
        }
        // Ordinary text is untouched (quoted only for its comma); numbers keep their form.
        assert!(line.contains(",\"Báo cáo, kết quả\",12/BC-SNV,"), "{line}");
    }
}
