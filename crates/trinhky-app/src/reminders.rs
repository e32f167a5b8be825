//! Reminder e-mails (nhắc việc). Two sources:
//!
//! - the `reminder` effect rows that [`crate::documents::scan_reminders`] writes (a document's
//!   step is due tomorrow, today, or overdue): each pending row becomes one outbox message per
//!   person responsible for the document's current step, and overdue ones also go to the clerks
//!   of Văn phòng UBND (the escalation the effect names);
//! - open assignments whose last day is at most [`ASSIGNMENT_WARNING_DAYS`] working days away
//!   (or past) and whose report has not been issued: one reminder per assignment, last day and
//!   kind, to the lead agency's clerks and head.
//!
//! Exactly once, with any number of workers: an effect is marked `done` by a guarded update
//! (`pending` → `done`) in the same transaction as its outbox rows, and a worker whose update
//! changed nothing writes nothing; an assignment reminder is recorded under a unique dedup key
//! (`INSERT … ON CONFLICT DO NOTHING`) in the same transaction as its outbox rows. Reminder
//! messages carry no attachment (the dispatcher attaches files to `dispatch` rows only).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::EntityTrait;
use sha2::{Digest, Sha256};
use trinhky_domain::Role;
use trinhky_domain::directory::valid_email;
use trinhky_domain::workflow::ActorRole;
use trinhky_store::documents as repo;
use trinhky_store::entities::{assignment, effect, user, workflow_instance};
use trinhky_store::outbox::{self, NewMessage};
use trinhky_store::{Store, accounts, directory, intake, numbering};

use crate::registry::Registry;
use crate::{AppError, Result};

/// An assignment is reminded of when its last day is this many working days away or fewer.
pub const ASSIGNMENT_WARNING_DAYS: i64 = 3;

/// The actor recorded in the audit trail for queued reminders.
const ACTOR: &str = "system:reminders";

pub(crate) const FOOTER: &str =
    "(Thư gửi tự động từ hệ thống trinhky; vui lòng không trả lời thư này.)";

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Mailed {
    /// Reminder effect rows handled (marked `done`) by this pass.
    pub effects: usize,
    /// Assignment reminders recorded by this pass.
    pub assignments: usize,
    /// Outbox rows written.
    pub messages: usize,
}

pub(crate) fn addr_hash(email: &str) -> String {
    hex::encode(&Sha256::digest(email.as_bytes())[..6])
}

fn commit_err(e: sea_orm::DbErr) -> AppError {
    AppError::Store(e.into())
}

/// A person to remind, with the capacity they are reminded in.
pub(crate) struct Person {
    pub(crate) user: user::Model,
    pub(crate) capacity: String,
}

/// Active members of `agency_id` holding one of `roles`, as [`Person`]s.
pub(crate) async fn members(
    store: &Store,
    agency_id: i32,
    roles: &[Role],
    agency: &str,
) -> Result<Vec<Person>> {
    Ok(accounts::agency_members(store.db(), agency_id)
        .await?
        .into_iter()
        .filter(|(u, r, _)| u.active && roles.contains(r))
        .map(|(u, r, title)| Person {
            capacity: if title.trim().is_empty() {
                format!("{}, {agency}", r.label_vi())
            } else {
                format!("{title}, {agency}")
            },
            user: u,
        })
        .collect())
}

pub(crate) fn push_unique(out: &mut Vec<Person>, more: Vec<Person>) {
    for p in more {
        if valid_email(&p.user.email) && !out.iter().any(|x| x.user.email == p.user.email) {
            out.push(p);
        }
    }
}

/// Turns every pending reminder effect row into outbox messages, then queues the assignment
/// reminders due `today` (Vietnam date). `base_url` prefixes the link path (`""` for a bare
/// `/documents/{id}`).
pub async fn mail_pending(
    store: &Store,
    registry: &Registry,
    base_url: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Mailed> {
    let mut out = Mailed::default();
    let settings = directory::settings(store.db()).await?;
    let domain = settings
        .as_ref()
        .map(|s| s.email_domain.clone())
        .unwrap_or_else(|| "trinhky.invalid".into());
    let province_office = settings.map(|s| s.province_office);
    let base = base_url.trim_end_matches('/');
    for e in repo::pending_effects(store.db(), "reminder").await? {
        let (msgs, note) = effect_messages(
            store,
            registry,
            &e,
            base,
            province_office.as_deref(),
            &domain,
            today,
        )
        .await?;
        let txn = store.begin_write().await?;
        if !repo::finish_effect(&txn, e.id, note.as_deref(), now).await? {
            // Another worker handled it meanwhile.
            txn.rollback().await.map_err(commit_err)?;
            continue;
        }
        outbox::enqueue(&txn, ACTOR, &msgs, now).await?;
        txn.commit().await.map_err(commit_err)?;
        out.effects += 1;
        out.messages += msgs.len();
    }
    let (n, m) = assignment_reminders(store, registry, base, &domain, today, now).await?;
    out.assignments = n;
    out.messages += m;
    Ok(out)
}

/// The messages of one reminder effect, or none with a note saying why.
async fn effect_messages(
    store: &Store,
    registry: &Registry,
    e: &effect::Model,
    base: &str,
    province_office: Option<&str>,
    domain: &str,
    today: NaiveDate,
) -> Result<(Vec<NewMessage>, Option<String>)> {
    let db = store.db();
    let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
    let kind = payload["reminder"].as_str().unwrap_or_default().to_owned();
    let state = payload["state"].as_str().unwrap_or_default().to_owned();
    let Some(due) = payload["due"]
        .as_str()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    else {
        return Ok((Vec::new(), Some("reminder without a due date".into())));
    };
    if kind != "overdue" && today > due {
        // Mailed late (the worker was down): the overdue reminder says it better.
        return Ok((
            Vec::new(),
            Some(format!("{kind} reminder superseded: {due} has passed")),
        ));
    }
    let Some(inst) = workflow_instance::Entity::find_by_id(e.instance_id)
        .one(db)
        .await
        .map_err(|e| AppError::Store(e.into()))?
    else {
        return Ok((Vec::new(), Some("workflow instance not found".into())));
    };
    if inst.state != state {
        return Ok((
            Vec::new(),
            Some(format!(
                "the document left step {state} before the reminder was mailed"
            )),
        ));
    }
    let Some(doc) = repo::document_by_id(db, inst.document_id).await? else {
        return Ok((Vec::new(), Some("document not found".into())));
    };
    let def = registry
        .get(
            store,
            &inst.definition_id,
            u32::try_from(inst.definition_version).unwrap_or(0),
        )
        .await?;
    let (label, role) = def
        .state(&state)
        .map(|s| (s.label.clone(), s.role))
        .unwrap_or_else(|| (state.clone(), None));
    let title = repo::latest_version(db, doc.id)
        .await?
        .map(|v| v.title)
        .unwrap_or_else(|| doc.title.clone());
    let agency = directory::agency_by_id(db, doc.agency_id).await?;
    let agency_name = agency.as_ref().map(|a| a.name.clone()).unwrap_or_default();

    let mut people: Vec<Person> = Vec::new();
    match role {
        Some(ActorRole::Drafter) => {
            if let Some(u) = accounts::user_by_id(db, doc.drafter_id).await?
                && u.active
            {
                push_unique(
                    &mut people,
                    vec![Person {
                        capacity: format!("chuyên viên soạn thảo, {agency_name}"),
                        user: u,
                    }],
                );
            }
        }
        Some(r) => {
            let roles: &[Role] = match r {
                ActorRole::UnitHead => &[Role::UnitHead],
                ActorRole::AgencyHead => &[Role::AgencyHead],
                ActorRole::Signer => &[Role::AgencyHead, Role::DeputyHead],
                ActorRole::Clerk => &[Role::Clerk],
                _ => &[],
            };
            if !roles.is_empty() {
                push_unique(
                    &mut people,
                    members(store, doc.agency_id, roles, &agency_name).await?,
                );
            }
        }
        None => {}
    }
    let overdue = kind == "overdue";
    let escalate = overdue
        && payload["escalate_to_province_office"]
            .as_bool()
            .unwrap_or(true);
    if escalate
        && let Some(po) = province_office
        && let Some(office) = directory::agency_by_code(db, po).await?
    {
        let office_people = members(store, office.id, &[Role::Clerk], &office.name).await?;
        push_unique(&mut people, office_people);
    }
    if people.is_empty() {
        return Ok((
            Vec::new(),
            Some(format!("no one to remind at step {state}")),
        ));
    }
    let due_s = trinhky_domain::time::dmy(due);
    let subject = match kind.as_str() {
        "overdue" => format!("[Quá hạn] Văn bản \"{title}\" đã quá hạn ngày {due_s}"),
        _ => format!("[Nhắc việc] Văn bản \"{title}\" đến hạn ngày {due_s}"),
    };
    let sentence = match kind.as_str() {
        "before_due" => "Văn bản đến hạn vào ngày làm việc tiếp theo; đề nghị hoàn thành bước xử lý này đúng hạn.".to_owned(),
        "on_due" => "Hôm nay là hạn cuối của bước xử lý này.".to_owned(),
        _ => "Văn bản đã quá hạn xử lý. Việc quá hạn được báo cáo Văn phòng UBND tỉnh để theo dõi, đôn đốc.".to_owned(),
    };
    let link = format!("{base}/documents/{}", doc.id);
    let msgs = people
        .iter()
        .map(|p| NewMessage {
            document_id: Some(doc.id),
            assignment_id: doc.assignment_id,
            recipient_text: format!("{} ({})", p.user.full_name, p.capacity),
            agency_id: None,
            email: p.user.email.clone(),
            message_id: format!(
                "trinhky.remind.e{}.{}@{domain}",
                e.id,
                addr_hash(&p.user.email)
            ),
            subject: subject.clone(),
            body: format!(
                "Kính gửi: {} ({}).\n\nVăn bản: {title}\nCơ quan soạn thảo: {agency_name}\nBước xử lý: {label}\nHạn xử lý: {due_s}\n\n{sentence}\n\nXem và xử lý văn bản: {link}\n\n{FOOTER}",
                p.user.full_name, p.capacity
            ),
            kind: "reminder".into(),
        })
        .collect();
    Ok((msgs, None))
}

/// The reminder kind of an assignment's last day `today`, if one is due.
pub fn assignment_kind(
    cal: &trinhky_domain::workflow::Calendar,
    last_day: NaiveDate,
    today: NaiveDate,
) -> Option<&'static str> {
    if today > last_day {
        Some("overdue")
    } else if today == last_day {
        Some("on_due")
    } else if cal.is_working_day(today)
        && cal.working_days_between(today, last_day) <= ASSIGNMENT_WARNING_DAYS
    {
        Some("due_soon")
    } else {
        None
    }
}

/// Queues the assignment reminders due `today`; returns (reminders, messages).
async fn assignment_reminders(
    store: &Store,
    registry: &Registry,
    base: &str,
    domain: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(usize, usize)> {
    let db = store.db();
    let mut reminders = 0;
    let mut messages = 0;
    let calendar = registry.calendar_now(store).await?;
    for a in intake::open_dated_assignments(db).await? {
        let Some(last_day) = a.last_day else { continue };
        let Some(kind) = assignment_kind(&calendar, last_day, today) else {
            continue;
        };
        let key = format!("assignment:{}:{last_day}:{kind}", a.id);
        if intake::reminders_of_assignment(db, a.id)
            .await?
            .iter()
            .any(|r| r.dedup_key == key)
        {
            continue;
        }
        let report = repo::document_for_assignment(db, a.id).await?;
        let mut report_step = None;
        if let Some(doc) = &report {
            let issued = numbering::number_of(db, doc.id)
                .await?
                .is_some_and(|e| e.recalled_at.is_none());
            if issued {
                continue;
            }
            if let Some(inst) = repo::instance_of(db, doc.id).await? {
                let label = registry
                    .get(
                        store,
                        &inst.definition_id,
                        u32::try_from(inst.definition_version).unwrap_or(0),
                    )
                    .await
                    .ok()
                    .and_then(|d| d.state(&inst.state).map(|s| s.label.clone()))
                    .unwrap_or(inst.state);
                report_step = Some(label);
            }
        }
        let Some(lead) = directory::agency_by_id(db, a.lead_agency_id).await? else {
            continue;
        };
        let mut people = Vec::new();
        push_unique(
            &mut people,
            members(store, lead.id, &[Role::Clerk, Role::AgencyHead], &lead.name).await?,
        );
        let directive = intake::directive_by_id(db, a.directive_id).await?;
        let msgs = assignment_messages(
            &a,
            kind,
            last_day,
            &lead.name,
            directive.map(|d| d.title).unwrap_or_default().as_str(),
            report.as_ref().map(|d| d.id),
            report_step.as_deref(),
            &people,
            base,
            domain,
        );
        let txn = store.begin_write().await?;
        if !intake::record_assignment_reminder(&txn, a.id, kind, &key, msgs.len(), now).await? {
            txn.rollback().await.map_err(commit_err)?;
            continue;
        }
        outbox::enqueue(&txn, ACTOR, &msgs, now).await?;
        txn.commit().await.map_err(commit_err)?;
        reminders += 1;
        messages += msgs.len();
    }
    Ok((reminders, messages))
}

#[allow(clippy::too_many_arguments)]
fn assignment_messages(
    a: &assignment::Model,
    kind: &str,
    last_day: NaiveDate,
    lead_name: &str,
    directive_title: &str,
    report: Option<i32>,
    report_step: Option<&str>,
    people: &[Person],
    base: &str,
    domain: &str,
) -> Vec<NewMessage> {
    let due_s = trinhky_domain::time::dmy(last_day);
    let what = if a.deliverable.trim().is_empty() {
        format!("Nhiệm vụ {}", a.task_ref)
    } else {
        format!("Nhiệm vụ {}: {}", a.task_ref, a.deliverable.trim())
    };
    let subject = match kind {
        "overdue" => format!("[Quá hạn] {what} đã quá hạn ngày {due_s}"),
        _ => format!("[Nhắc việc] {what} đến hạn ngày {due_s}"),
    };
    let sentence = match kind {
        "due_soon" => {
            "Nhiệm vụ sắp đến hạn; đề nghị cơ quan chủ trì hoàn thành và phát hành báo cáo đúng hạn."
        }
        "on_due" => "Hôm nay là hạn cuối của nhiệm vụ.",
        _ => "Nhiệm vụ đã quá hạn mà báo cáo chưa được phát hành; đề nghị khẩn trương hoàn thành.",
    };
    let status = match (report, report_step) {
        (Some(_), Some(step)) => format!("Báo cáo đang ở bước: {step}"),
        (Some(_), None) => "Báo cáo đang soạn thảo".to_owned(),
        (None, _) => "Chưa có báo cáo".to_owned(),
    };
    let link = match report {
        Some(id) => format!("{base}/documents/{id}"),
        None => format!("{base}/directives/{}", a.directive_id),
    };
    let deadline = if a.deadline_text.trim().is_empty() {
        due_s.clone()
    } else {
        format!("{due_s} ({})", a.deadline_text.trim())
    };
    people
        .iter()
        .map(|p| NewMessage {
            document_id: report,
            assignment_id: Some(a.id),
            recipient_text: format!("{} ({})", p.user.full_name, p.capacity),
            agency_id: Some(a.lead_agency_id),
            email: p.user.email.clone(),
            message_id: format!(
                "trinhky.remind.a{}.{last_day}.{kind}.{}@{domain}",
                a.id,
                addr_hash(&p.user.email)
            ),
            subject: subject.clone(),
            body: format!(
                "Kính gửi: {} ({}).\n\nVăn bản giao nhiệm vụ: {directive_title}\n{what}\nCơ quan chủ trì: {lead_name}\nHạn hoàn thành: {deadline}\nTình trạng: {status}\n\n{sentence}\n\nXem chi tiết: {link}\n\n{FOOTER}",
                p.user.full_name, p.capacity
            ),
            kind: "reminder".into(),
        })
        .collect()
}
