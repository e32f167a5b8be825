//! Theo dõi, đôn đốc (issue 8): the province office follows every assignment of a directive,
//! per lead agency — done on time, done late, open, overdue — and sends reminders (nhắc việc)
//! through the outbox. A task is done when a report created from the assignment has been issued
//! (it has an outgoing-register entry that was not recalled); its issue date is compared with the
//! assignment's last day. An assignment without a date deadline is open until done.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use trinhky_store::entities::outbox_message;
use trinhky_store::outbox::{self, NewMessage};
use trinhky_store::{Store, audit, directory, documents, intake, numbering};

use crate::access::Want;
use crate::my_work::{DocStep, report_step};
use crate::registry::Registry;
use crate::{AppError, Principal, Result};

/// Where an assignment stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTime,
    Late,
    Open,
    Overdue,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::OnTime => "Hoàn thành đúng hạn",
            Status::Late => "Hoàn thành trễ hạn",
            Status::Open => "Đang thực hiện",
            Status::Overdue => "Quá hạn",
        }
    }

    /// Still to be done: a reminder makes sense.
    pub fn pending(self) -> bool {
        matches!(self, Status::Open | Status::Overdue)
    }
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub on_time: usize,
    pub late: usize,
    pub open: usize,
    pub overdue: usize,
}

impl Counts {
    fn add(&mut self, s: Status) {
        match s {
            Status::OnTime => self.on_time += 1,
            Status::Late => self.late += 1,
            Status::Open => self.open += 1,
            Status::Overdue => self.overdue += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.on_time + self.late + self.open + self.overdue
    }
}

/// One assignment with its status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub assignment_id: i32,
    pub task_ref: String,
    pub deliverable: String,
    pub report_to: String,
    pub last_day: Option<NaiveDate>,
    pub condition: Option<String>,
    pub status: Status,
    pub report_number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    /// Days past the last day (overdue or late), 0 otherwise.
    pub days_late: i64,
    /// A reminder for this assignment has been queued today.
    pub reminded_today: bool,
    /// The co-agencies (cơ quan phối hợp).
    pub co_agencies: Vec<AgencyName>,
    /// The report created from the assignment, at whatever step it stands.
    pub document: Option<DocStep>,
    /// The caller may open that document (its issued copy at least): the page links it.
    pub document_open: bool,
}

/// An agency's code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgencyName {
    pub code: String,
    pub name: String,
}

/// The assignments of one lead agency.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgencyGroup {
    pub agency_id: i32,
    pub code: String,
    pub name: String,
    pub email: String,
    pub counts: Counts,
    pub items: Vec<Item>,
}

/// The follow-up view of a directive on `today`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUp {
    pub directive_id: i32,
    pub title: String,
    pub number: Option<String>,
    pub confirmed: bool,
    pub today: NaiveDate,
    pub totals: Counts,
    pub groups: Vec<AgencyGroup>,
}

/// Members of the province office (Văn phòng UBND) follow up directives; nobody else.
pub fn may_follow_up(p: &Principal) -> bool {
    p.province_office
        .as_deref()
        .is_some_and(|po| p.belongs_to(po))
}

fn require(p: &Principal) -> Result<()> {
    if may_follow_up(p) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Chỉ Văn phòng UBND tỉnh theo dõi, đôn đốc việc thực hiện nhiệm vụ.".into(),
        ))
    }
}

/// Status of an assignment from its last day and the issue date of its report.
pub fn status_of(
    last_day: Option<NaiveDate>,
    issued_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Status {
    match (issued_on, last_day) {
        (Some(i), Some(l)) if i > l => Status::Late,
        (Some(_), _) => Status::OnTime,
        (None, Some(l)) if today > l => Status::Overdue,
        (None, _) => Status::Open,
    }
}

/// The issued (not recalled) report of an assignment: its number and issue date.
async fn report_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    assignment_id: i32,
) -> Result<Option<(String, NaiveDate)>> {
    let Some(doc) = documents::document_for_assignment(conn, assignment_id).await? else {
        return Ok(None);
    };
    Ok(numbering::number_of(conn, doc.id)
        .await?
        .filter(|e| e.recalled_at.is_none())
        .map(|e| (e.number, e.issued_on)))
}

fn reminder_message_id(assignment_id: i32, email: &str, today: NaiveDate, domain: &str) -> String {
    let h = hex::encode(&Sha256::digest(email.as_bytes())[..6]);
    format!(
        "trinhky.remind.a{assignment_id}.{}.{h}@{domain}",
        today.format("%Y%m%d")
    )
}

async fn email_domain<C: sea_orm::ConnectionTrait>(conn: &C) -> Result<String> {
    Ok(directory::settings(conn)
        .await?
        .map(|s| s.email_domain)
        .unwrap_or_else(|| "trinhky.invalid".into()))
}

async fn reminded<C: sea_orm::ConnectionTrait>(conn: &C, message_id: &str) -> Result<bool> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let n = outbox_message::Entity::find()
        .filter(outbox_message::Column::MessageId.eq(message_id))
        .count(conn)
        .await
        .map_err(|e| AppError::Store(e.into()))?;
    Ok(n > 0)
}

/// The follow-up of directive `directive_id` on `today`; None when there is no such directive.
pub async fn follow_up(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    directive_id: i32,
    today: NaiveDate,
) -> Result<Option<FollowUp>> {
    require(p)?;
    let db = store.db();
    let Some(d) = intake::directive_by_id(db, directive_id).await? else {
        return Ok(None);
    };
    let agencies = directory::agencies(db).await?;
    let domain = email_domain(db).await?;
    let by_id = crate::my_work::agencies(store).await?;
    let mut groups: Vec<AgencyGroup> = Vec::new();
    let mut totals = Counts::default();
    for a in intake::assignments_of(db, directive_id).await? {
        let report = report_of(db, a.id).await?;
        let status = status_of(a.last_day, report.as_ref().map(|r| r.1), today);
        let end = report.as_ref().map_or(today, |r| r.1);
        let days_late = a
            .last_day
            .map(|l| (end - l).num_days().max(0))
            .filter(|_| matches!(status, Status::Late | Status::Overdue))
            .unwrap_or(0);
        let agency = agencies.iter().find(|x| x.code == a.lead_code);
        let document = report_step(store, registry, &by_id, a.id).await?;
        let document_open = match &document {
            Some(d) => crate::documents::load(store, registry, p, d.document_id, Want::IssuedCopy)
                .await
                .is_ok(),
            None => false,
        };
        let co_agencies = a
            .co_agencies
            .iter()
            .map(|c| AgencyName {
                code: c.clone(),
                name: agencies
                    .iter()
                    .find(|x| &x.code == c)
                    .map_or_else(|| c.clone(), |x| x.short_name.clone()),
            })
            .collect();
        let email = agency.map(|x| x.email.clone()).unwrap_or_default();
        let reminded_today = status.pending()
            && !email.is_empty()
            && reminded(db, &reminder_message_id(a.id, &email, today, &domain)).await?;
        let item = Item {
            assignment_id: a.id,
            task_ref: a.task_ref.clone(),
            deliverable: a.deliverable.clone(),
            report_to: a.report_to.clone(),
            last_day: a.last_day,
            condition: a.condition.clone(),
            status,
            report_number: report.as_ref().map(|r| r.0.clone()),
            issued_on: report.map(|r| r.1),
            days_late,
            reminded_today,
            co_agencies,
            document,
            document_open,
        };
        totals.add(status);
        match groups.iter_mut().find(|g| g.code == a.lead_code) {
            Some(g) => {
                g.counts.add(status);
                g.items.push(item);
            }
            None => {
                let mut counts = Counts::default();
                counts.add(status);
                groups.push(AgencyGroup {
                    agency_id: agency.map(|x| x.id).unwrap_or_default(),
                    code: a.lead_code.clone(),
                    name: a.lead_name.clone(),
                    email,
                    counts,
                    items: vec![item],
                });
            }
        }
    }
    Ok(Some(FollowUp {
        directive_id,
        title: d.title,
        number: d.number,
        confirmed: d.status != "review",
        today,
        totals,
        groups,
    }))
}

/// What a reminder request did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Reminded {
    /// Queued to `email`.
    Queued {
        email: String,
        agency: String,
        subject: String,
    },
    /// Already queued today: nothing new.
    AlreadyToday { email: String, agency: String },
}

fn deadline_phrase(last_day: Option<NaiveDate>, condition: Option<&str>) -> String {
    match (last_day, condition) {
        (Some(d), _) => format!("hạn {}", trinhky_domain::time::dmy(d)),
        (None, Some(c)) => format!("hạn: {c}"),
        (None, None) => "chưa có hạn cụ thể".into(),
    }
}

/// Queues a reminder (kind `reminder`) for assignment `assignment_id` of directive
/// `directive_id` to its lead agency's address, once per day. None when the assignment does not
/// belong to the directive.
pub async fn remind(
    store: &Store,
    p: &Principal,
    directive_id: i32,
    assignment_id: i32,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<Reminded>> {
    require(p)?;
    let db = store.db();
    let Some(a) = intake::assignment_by_id(db, assignment_id)
        .await?
        .filter(|a| a.directive_id == directive_id)
    else {
        return Ok(None);
    };
    let Some(d) = intake::directive_by_id(db, directive_id).await? else {
        return Ok(None);
    };
    let report = report_of(db, a.id).await?;
    let status = status_of(a.last_day, report.as_ref().map(|r| r.1), today);
    if !status.pending() {
        return Err(AppError::Conflict(format!(
            "Nhiệm vụ {} đã có báo cáo phát hành; không cần nhắc việc.",
            a.task_ref
        )));
    }
    let agency = directory::agency_by_id(db, a.lead_agency_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("lead agency {} missing", a.lead_agency_id)))?;
    if agency.email.trim().is_empty() {
        return Err(AppError::Invalid(format!(
            "{} chưa có địa chỉ thư điện tử trong danh bạ.",
            agency.name
        )));
    }
    let domain = email_domain(db).await?;
    let message_id = reminder_message_id(a.id, &agency.email, today, &domain);
    let deadline = deadline_phrase(a.last_day, a.condition.as_deref());
    let task = if a.deliverable.trim().is_empty() {
        format!("Nhiệm vụ {}", a.task_ref)
    } else {
        format!("Nhiệm vụ {}: {}", a.task_ref, a.deliverable.trim())
    };
    let subject = format!("[Nhắc việc] {task} — {deadline}");
    let source = match &d.number {
        Some(n) => format!("văn bản số {n} — {}", d.title),
        None => d.title.clone(),
    };
    let late = match (status, a.last_day) {
        (Status::Overdue, Some(l)) => {
            format!("\nNhiệm vụ đã quá hạn {} ngày.", (today - l).num_days())
        }
        _ => String::new(),
    };
    let body = format!(
        "Kính gửi: {}.\n\nThực hiện chỉ đạo tại {source}, Văn phòng UBND tỉnh đề nghị quý cơ quan khẩn trương thực hiện {task} ({deadline}).{late}\nBáo cáo về: {}.\n\nTrân trọng./.\n\n(Thư gửi tự động từ hệ thống trinhky; vui lòng không trả lời thư này.)",
        agency.name,
        if a.report_to.trim().is_empty() {
            "UBND tỉnh"
        } else {
            a.report_to.trim()
        },
    );
    let txn = store.begin_write().await?;
    if reminded(&txn, &message_id).await? {
        return Ok(Some(Reminded::AlreadyToday {
            email: agency.email,
            agency: agency.name,
        }));
    }
    let msg = NewMessage {
        document_id: None,
        assignment_id: Some(a.id),
        recipient_text: agency.name.clone(),
        agency_id: Some(agency.id),
        email: agency.email.clone(),
        message_id,
        subject: subject.clone(),
        body,
        kind: "reminder".into(),
    };
    outbox::enqueue(&txn, &p.actor(), &[msg], now).await?;
    audit::record_at(
        &txn,
        audit::AuditInput::new(&p.actor(), "assignment.remind", "assignment", a.id).details(
            serde_json::json!({
                "directive_id": directive_id, "agency": agency.code, "email": agency.email,
                "status": status, "day": today.format("%Y-%m-%d").to_string(), "subject": subject,
            }),
        ),
        now,
    )
    .await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(Some(Reminded::Queued {
        email: agency.email,
        agency: agency.name,
        subject,
    }))
}
