//! Receiving (issue 7): delivery of issued documents into the incoming registers of recipient
//! agencies that use trinhky, the recipient clerk's steps (register with a số đến, forward,
//! acknowledge, archive), the sender's receipt view, recall (thu hồi), the archive search and
//! the two registers (sổ văn bản đi / đến) with the decree's ten columns.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_domain::incoming::{Event, Status, Step, status_label, step};
use trinhky_store::entities::{agency, incoming_document, outgoing_register};
use trinhky_store::incoming::{self as repo, Delivery};
use trinhky_store::{PageRequest, Store, StoreError, accounts, directory, numbering, outbox};

use crate::queries::AgencyRef;
use crate::{AppError, Principal, Result};

mod archive;
mod deliver;
mod export;
mod follow;
mod recall;
mod register;
mod steps;

pub use archive::*;
pub use deliver::*;
pub use export::*;
pub use follow::follow;
pub use recall::*;
pub use register::*;
pub use steps::*;

fn store_err(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::Conflict(m),
        other => other.into(),
    }
}

/// The step `event` makes from the row's stored status (the domain's transition table); a
/// refused event is a conflict naming the current status.
fn step_of(row: &incoming_document::Model, event: Event) -> Result<Step> {
    let status = Status::parse(&row.status)
        .ok_or_else(|| AppError::Internal(format!("unknown incoming status {:?}", row.status)))?;
    step(status, event).map_err(|r| AppError::Conflict(r.to_string()))
}

fn forbidden() -> AppError {
    AppError::Forbidden(String::new())
}

/// A time in Vietnam (UTC+7), "dd/mm/yyyy HH:MM".
pub fn vn_time(t: DateTime<Utc>) -> String {
    trinhky_domain::time::dmy_hm(t)
}

/// The date in Vietnam of an instant.
pub fn vn_date(t: DateTime<Utc>) -> NaiveDate {
    trinhky_domain::time::local_date(t)
}

/// A date as "19/06/2023".
pub fn fmt_date(d: NaiveDate) -> String {
    trinhky_domain::time::dmy(d)
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

// ---- who may see and act ----

/// What the caller may do with one incoming row.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
        status_label: status_label(&r.status).to_owned(),
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    pub(crate) row: incoming_document::Model,
    /// People of the agency a document can be forwarded to (username, name, title).
    pub people: Vec<(String, String, String)>,
}

pub async fn detail(store: &Store, p: &Principal, id: i32) -> Result<Detail> {
    let row = repo::by_id(store.db(), id).await?.ok_or_else(|| {
        AppError::not_found(format!(
            "Không có văn bản đến mã {id}: kiểm tra lại đường dẫn, hoặc mở văn bản từ sổ văn bản đến."
        ))
    })?;
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

/// Which of the recipient's steps the caller may take on the row now: the caller's rights and
/// the domain's transition table together (the page shows only these buttons).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Can {
    pub register: bool,
    pub forward: bool,
    pub acknowledge: bool,
    pub archive: bool,
}

impl Detail {
    pub fn can(&self) -> Can {
        let allowed =
            |e: Event| Status::parse(&self.row.status).is_some_and(|s| step(s, e).is_ok());
        let a = &self.access;
        Can {
            register: a.clerk && allowed(Event::Register),
            forward: a.clerk && allowed(Event::Forward),
            acknowledge: (a.clerk || a.assignee) && allowed(Event::Acknowledge),
            archive: a.clerk && allowed(Event::Archive),
        }
    }
}

/// The row with the signatures of its delivered file verified (on the CPU pool, or the outcome
/// cached for this file and trust configuration; none when the row has no file).
pub async fn detail_with_signatures(
    store: &Store,
    signing: &std::sync::Arc<crate::signing::Signing>,
    p: &Principal,
    id: i32,
) -> Result<(Detail, Vec<crate::signing::SignatureView>)> {
    let d = detail(store, p, id).await?;
    let sigs = match &d.row.file_sha256 {
        Some(sha) => crate::verification::verify_blob(store, signing, sha).await?,
        None => Vec::new(),
    };
    Ok((d, sigs))
}

/// Whether the viewer of an incoming row may have the issued copy (the PDF and its
/// attachments): the documents' access policy, for a recipient — not once it is recalled.
pub fn may_have_copy(d: &Detail) -> Result<()> {
    let facts = crate::access::Facts {
        recipient: d.access.view(),
        issued: true,
        recalled: d.row.recalled_at.is_some() || d.row.status == Status::Recalled.as_str(),
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
