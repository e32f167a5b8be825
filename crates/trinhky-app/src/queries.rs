//! Read-only queries the pages and the API show: the directory, an agency's staff, the caller's
//! open assignments, the latest directives and audit events. Each returns the app's own view
//! types (or the domain's), never a storage row, so the web crate needs no storage types.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_domain::directory::{Agency, RecipientGroup};
use trinhky_store::entities::{agency, directive};
use trinhky_store::{PageRequest, Store, accounts, audit, directory, intake};

pub use trinhky_store::intake::AssignmentRow;

use crate::{Principal, Result};

/// An agency by code and name, as links and headings show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyRef {
    pub code: String,
    pub name: String,
    pub email: String,
    pub head_title: String,
}

impl From<agency::Model> for AgencyRef {
    fn from(a: agency::Model) -> Self {
        AgencyRef {
            code: a.code,
            name: a.name,
            email: a.email,
            head_title: a.head_title,
        }
    }
}

/// Every agency of the directory, by code.
pub async fn agencies(store: &Store) -> Result<Vec<Agency>> {
    directory::agencies(store.db())
        .await?
        .iter()
        .map(|a| directory::agency_from_row(a).map_err(Into::into))
        .collect()
}

/// Every recipient group with its member codes.
pub async fn groups(store: &Store) -> Result<Vec<RecipientGroup>> {
    Ok(directory::groups(store.db()).await?)
}

/// One agency by code.
pub async fn agency(store: &Store, code: &str) -> Result<Option<AgencyRef>> {
    Ok(directory::agency_by_code(store.db(), code)
        .await?
        .map(AgencyRef::from))
}

/// A member of an agency with one role held there (a person holding two roles is listed twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub active: bool,
    pub role: Role,
    pub title: String,
}

/// The members of the agency `code` with their roles (none for an unknown code).
pub async fn agency_members(store: &Store, code: &str) -> Result<Vec<Member>> {
    let Some(a) = directory::agency_by_code(store.db(), code).await? else {
        return Ok(Vec::new());
    };
    Ok(accounts::agency_members(store.db(), a.id)
        .await?
        .into_iter()
        .map(|(u, role, title)| Member {
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            active: u.active,
            role,
            title,
        })
        .collect())
}

/// How many agencies, groups and accounts the system holds (the admin overview).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub agencies: usize,
    pub groups: usize,
    pub users: u64,
}

pub async fn counts(store: &Store) -> Result<Counts> {
    let db = store.db();
    Ok(Counts {
        agencies: directory::agencies(db).await?.len(),
        groups: directory::groups(db).await?.len(),
        users: accounts::user_count(db).await?,
    })
}

pub use crate::audit_text::AuditLine;

/// The newest `limit` audit events, newest first, in Vietnamese (see [`crate::audit_text`]).
pub async fn latest_audit(
    store: &Store,
    registry: &crate::registry::Registry,
    limit: u64,
) -> Result<Vec<AuditLine>> {
    let mut describer = crate::audit_text::Describer::new(store, registry).await?;
    let mut out = Vec::new();
    for e in audit::latest(store.db(), limit).await? {
        out.push(describer.describe(&e).await?);
    }
    Ok(out)
}

/// The open assignments of every agency the caller belongs to.
pub async fn open_assignments(store: &Store, p: &Principal) -> Result<Vec<AssignmentRow>> {
    let mut ids: Vec<i32> = p.memberships.iter().map(|m| m.agency_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(intake::open_assignments_for(store.db(), &ids).await?)
}

/// The assignments created from one directive.
pub async fn assignments_of(store: &Store, directive_id: i32) -> Result<Vec<AssignmentRow>> {
    Ok(intake::assignments_of(store.db(), directive_id).await?)
}

/// A received directive (văn bản chỉ đạo) without its text, for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectiveSummary {
    pub id: i32,
    /// `review` (waiting for the clerk) or `confirmed` (assignments created).
    pub status: String,
    pub doc_type: Option<String>,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub title: String,
    pub directive_date: Option<NaiveDate>,
    pub source_name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl DirectiveSummary {
    /// Still waiting for the clerk's review.
    pub fn in_review(&self) -> bool {
        self.status == "review"
    }
}

impl From<directive::Model> for DirectiveSummary {
    fn from(d: directive::Model) -> Self {
        DirectiveSummary {
            id: d.id,
            status: d.status,
            doc_type: d.doc_type,
            number: d.number,
            issuer: d.issuer,
            title: d.title,
            directive_date: d.directive_date,
            source_name: d.source_name,
            created_by: d.created_by,
            created_at: d.created_at,
            confirmed_at: d.confirmed_at,
        }
    }
}

/// The newest `limit` directives.
pub async fn recent_directives(store: &Store, limit: u64) -> Result<Vec<DirectiveSummary>> {
    Ok(intake::recent_directives(store.db(), limit)
        .await?
        .into_iter()
        .map(DirectiveSummary::from)
        .collect())
}

/// One page of the directives, newest first, and how many there are.
pub async fn directives_page(
    store: &Store,
    page: PageRequest,
) -> Result<(Vec<DirectiveSummary>, u64)> {
    let (rows, total) = intake::directives_page(store.db(), page).await?;
    Ok((
        rows.into_iter().map(DirectiveSummary::from).collect(),
        total,
    ))
}
