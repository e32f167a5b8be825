//! The holiday calendar (lịch nghỉ lễ): holidays, compensatory days off and make-up working days.
//! Each change raises the database's calendar version in the same transaction; this process
//! reloads at once, other server processes at their next read ([`Registry::calendar_now`]).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use trinhky_domain::text::nfc;
use trinhky_domain::workflow::{CalendarEntry, CalendarEntryKind};
use trinhky_store::Store;
use trinhky_store::calendar as repo;

use super::{commit_err, require_system_admin};
use crate::registry::Registry;
use crate::{AppError, Principal, Result};

/// One entry as listed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub id: i32,
    #[schema(value_type = Object)]
    #[serde(flatten)]
    pub entry: CalendarEntry,
}

/// The entries touching `year`, by date.
pub async fn year(store: &Store, year: i32) -> Result<Vec<EntryView>> {
    let mut out = Vec::new();
    for m in repo::entries(store.db()).await? {
        if m.date_from.year() <= year && m.date_to.year() >= year {
            out.push(EntryView {
                id: m.id,
                entry: repo::entry_of(&m)?,
            });
        }
    }
    Ok(out)
}

/// The years that have entries, ascending.
pub async fn years(store: &Store) -> Result<Vec<i32>> {
    let mut ys: Vec<i32> = repo::entries(store.db())
        .await?
        .iter()
        .flat_map(|m| m.date_from.year()..=m.date_to.year())
        .collect();
    ys.sort_unstable();
    ys.dedup();
    Ok(ys)
}

/// What the form or the API sends.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: String,
    pub from: Option<NaiveDate>,
    /// Empty: a single day.
    pub to: Option<NaiveDate>,
    pub name: String,
}

fn message(e: trinhky_domain::workflow::CalendarEntryError) -> AppError {
    let s = e.to_string();
    let mut c = s.chars();
    AppError::Invalid(match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => s,
    })
}

/// Adds an entry, checked against the calendar (no day twice, no day both off and worked).
pub async fn add(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    new: &NewEntry,
    now: DateTime<Utc>,
) -> Result<EntryView> {
    require_system_admin(p)?;
    let kind = CalendarEntryKind::parse(new.kind.trim()).ok_or_else(|| {
        AppError::Invalid(format!(
            "Loại \"{}\" không hợp lệ: chọn Ngày nghỉ hoặc Ngày làm bù.",
            new.kind
        ))
    })?;
    let from = new.from.ok_or_else(|| {
        AppError::Invalid("Nhập ngày bắt đầu theo dạng ngày/tháng/năm, ví dụ 02/09/2025.".into())
    })?;
    let entry = CalendarEntry {
        kind,
        from,
        to: new.to.unwrap_or(from),
        name: nfc(new.name.trim()),
    };
    entry.check().map_err(message)?;
    let txn = store.begin_write().await?;
    let existing = repo::lock_for_change(&txn, now)
        .await?
        .iter()
        .map(repo::entry_of)
        .collect::<Result<Vec<_>, _>>()?;
    entry.check_against(&existing).map_err(message)?;
    let m = repo::add(&txn, &p.actor(), &entry, now).await?;
    txn.commit().await.map_err(commit_err)?;
    registry.calendar_now(store).await?;
    Ok(EntryView { id: m.id, entry })
}

/// Removes an entry; `None` when there is no such entry.
pub async fn remove(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Option<CalendarEntry>> {
    require_system_admin(p)?;
    let txn = store.begin_write().await?;
    repo::lock_for_change(&txn, now).await?;
    let Some(e) = repo::remove(&txn, &p.actor(), id).await? else {
        txn.rollback().await.map_err(commit_err)?;
        return Ok(None);
    };
    txn.commit().await.map_err(commit_err)?;
    registry.calendar_now(store).await?;
    Ok(Some(e))
}
