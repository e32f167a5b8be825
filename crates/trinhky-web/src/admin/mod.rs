//! The administration pages (`/admin/…`, "Quản trị") and their API (`/api/v1/admin/…`), for the
//! system administrator: agencies, recipient groups, users and roles, certificates, workflow
//! definitions and the holiday calendar. Each router carries a guard layer, so every route answers
//! 403 to anyone who is not a system administrator (pages redirect anonymous visitors to the login
//! form; the API answers 401) before any body is read. The rules themselves are the use cases in
//! `trinhky_app::admin`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{Datelike, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};
use trinhky_app::admin::agencies::AgencyInput;
use trinhky_app::admin::calendar::NewEntry;
use trinhky_app::admin::certificates::HolderRef;
use trinhky_app::admin::groups::GroupInput;
use trinhky_app::admin::users::NewAccount;
use trinhky_domain::Role;
use trinhky_domain::directory::{Agency, AgencyKind, RecipientGroup};
use trinhky_domain::workflow::CalendarEntryKind;
use trinhky_pdf::sign::KeyAlgorithm;

use crate::auth::{ApiError, ApiUser, Auth, User};
use crate::error::{WebError, api_response};
use crate::pages::nav;
use crate::paging::{PageQuery, Paging};
use crate::state::AppState;

type PageResult = Result<Response, WebError>;
type ApiResult<T> = Result<T, ApiError>;

mod agencies;
mod calendar;
pub(crate) mod certificates;
mod groups;
pub(crate) mod users;
pub(crate) mod workflows;

use agencies::*;
use calendar::*;
use certificates::*;
use groups::*;
use users::*;
use workflows::*;

// ---------------------------------------------------------------------------------------------
// Routes and the guard

/// `/admin/…` pages.
pub fn page_routes() -> crate::Routes {
    crate::Routes::new()
        .route("/admin", get(home))
        .route("/admin/agencies", get(agencies_page).post(agency_create))
        .route("/admin/agencies/new", get(agency_new))
        .route(
            "/admin/agencies/{code}",
            get(agency_edit).post(agency_update),
        )
        .route("/admin/groups", get(groups_page).post(group_create))
        .route("/admin/groups/new", get(group_new))
        .route("/admin/groups/{code}", get(group_edit).post(group_update))
        .route("/admin/groups/{code}/delete", post(group_delete))
        .route("/admin/users", get(users_page).post(user_create))
        .route("/admin/users/{username}", get(user_page))
        .route("/admin/users/{username}/roles", post(user_grant))
        .route("/admin/users/{username}/roles/revoke", post(user_revoke))
        .route("/admin/users/{username}/active", post(user_active))
        .route("/admin/users/{username}/password", post(user_password))
        .route("/admin/users/{username}/tokens", post(user_token_create))
        .route(
            "/admin/users/{username}/tokens/{id}/revoke",
            post(user_token_revoke),
        )
        .route("/admin/certificates", get(certificates_page))
        .route("/admin/certificates/issue", post(certificates_issue))
        .route(
            "/admin/certificates/{kind}/{handle}/import",
            post(certificate_import),
        )
        .route(
            "/admin/certificates/{kind}/{handle}/revoke",
            post(certificate_revoke),
        )
        .route("/admin/workflows", get(workflows_page))
        .route("/admin/workflows/check", get(check_form).post(check_submit))
        .route("/admin/workflows/{workflow}/{version}", get(workflow_page))
        .route("/admin/calendar", get(calendar_page).post(calendar_add))
        .route("/admin/calendar/{id}/delete", post(calendar_remove))
        .map(|r| r.route_layer(axum::middleware::from_fn(guard_pages)))
}

/// `/api/v1/admin/…` operations (nested under `/api/v1`).
pub fn api_routes() -> crate::Routes {
    crate::Routes::new()
        .route("/admin/agencies", get(api_agencies).post(api_agency_create))
        .route(
            "/admin/agencies/{code}",
            get(api_agency).put(api_agency_update),
        )
        .route("/admin/groups", get(api_groups).post(api_group_create))
        .route(
            "/admin/groups/{code}",
            get(api_group)
                .put(api_group_update)
                .delete(api_group_delete),
        )
        .route("/admin/users", get(api_users).post(api_user_create))
        .route("/admin/users/{username}", get(api_user))
        .route("/admin/users/{username}/roles", post(api_user_grant))
        .route(
            "/admin/users/{username}/roles/{agency}/{role}",
            axum::routing::delete(api_user_revoke),
        )
        .route("/admin/users/{username}/active", put(api_user_active))
        .route("/admin/users/{username}/password", post(api_user_password))
        .route("/admin/certificates", get(api_certificates))
        .route("/admin/certificates/issue", post(api_certificates_issue))
        .route(
            "/admin/certificates/{kind}/{handle}/import",
            post(api_certificate_import),
        )
        .route(
            "/admin/certificates/{kind}/{handle}/revoke",
            post(api_certificate_revoke),
        )
        .route("/admin/workflows", get(api_workflows))
        .route("/admin/workflows/check", post(api_workflow_check))
        .route("/admin/workflows/{workflow}/{version}", get(api_workflow))
        .route("/admin/calendar", get(api_calendar).post(api_calendar_add))
        .route(
            "/admin/calendar/{id}",
            axum::routing::delete(api_calendar_remove),
        )
        .map(|r| r.route_layer(axum::middleware::from_fn(guard_api)))
}

const NOT_ADMIN: &str =
    "Trang quản trị chỉ dành cho quản trị hệ thống (vai trò quản trị tại Văn phòng UBND tỉnh).";

fn is_admin(req: &Request) -> Option<bool> {
    req.extensions()
        .get::<Auth>()
        .map(|a| a.principal.is_system_admin())
}

async fn guard_pages(req: Request, next: Next) -> Response {
    match is_admin(&req) {
        None => WebError::Unauthenticated { api: false }.into_response(),
        Some(false) => WebError::Forbidden(NOT_ADMIN.into()).into_response(),
        Some(true) => next.run(req).await,
    }
}

async fn guard_api(req: Request, next: Next) -> Response {
    match is_admin(&req) {
        None => api_response(WebError::Unauthenticated { api: true }),
        Some(false) => api_response(WebError::Forbidden(NOT_ADMIN.into())),
        Some(true) => next.run(req).await,
    }
}

/// The page extractor plus the same check as the guard (defence in depth).
fn admin(auth: &Auth) -> Result<(), WebError> {
    if auth.principal.is_system_admin() {
        Ok(())
    } else {
        Err(WebError::Forbidden(NOT_ADMIN.into()))
    }
}

fn api_admin(auth: &Auth, headers: Option<&HeaderMap>) -> Result<(), ApiError> {
    admin(auth)?;
    if let Some(h) = headers {
        auth.check_csrf(h.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Forms

/// A urlencoded form body, read without a schema: fields may repeat (check boxes) and a missing
/// field is empty, so a malformed form is answered by the handler with a message, never by the
/// framework with a bare 422.
struct FormData(Vec<(String, String)>);

impl FormData {
    fn parse(body: &[u8]) -> FormData {
        FormData(crate::url::form_pairs(body))
    }

    fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }

    fn csrf(&self, auth: &Auth) -> Result<(), WebError> {
        auth.check_csrf(Some(&self.get("csrf_token")))
    }
}

/// A notice above a page: (succeeded, message).
type Notice = Option<(bool, String)>;

fn render(state: &AppState, name: &str, status: StatusCode, ctx: minijinja::Value) -> PageResult {
    let body = state
        .templates
        .render(name, ctx)
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

/// Splits a use-case error into a message shown on the form (400 invalid, 409 conflict, 403)
/// or an error page.
fn form_error(e: trinhky_app::AppError) -> Result<(StatusCode, String), WebError> {
    match WebError::from(e) {
        WebError::BadRequest(m) => Ok((StatusCode::BAD_REQUEST, m)),
        WebError::Conflict(m) => Ok((StatusCode::CONFLICT, m)),
        other => Err(other),
    }
}

fn notice_ctx(notice: &Notice) -> (Option<String>, bool) {
    match notice {
        Some((ok, m)) => (Some(m.clone()), *ok),
        None => (None, false),
    }
}

fn dmy(d: chrono::NaiveDate) -> String {
    crate::dates::show(d)
}

fn dmy_time(t: Option<chrono::DateTime<Utc>>) -> String {
    t.map(trinhky_domain::time::dmy_vn).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Lists

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<usize>,
    per_page: Option<usize>,
}

/// The search box and page of an admin list.
impl ListQuery {
    fn paging(&self) -> PageQuery {
        PageQuery {
            page: self.page,
            per_page: self.per_page,
        }
    }
}

fn pager_base(path: &str, q: &str) -> String {
    if q.trim().is_empty() {
        path.to_owned()
    } else {
        format!("{path}?q={}", crate::url::encode(q.trim()))
    }
}

// ---------------------------------------------------------------------------------------------
// Overview

pub async fn home(State(state): State<AppState>, User(auth): User) -> PageResult {
    admin(&auth)?;
    let counts = trinhky_app::queries::counts(&state.store).await?;
    let (agencies, groups, users) = (counts.agencies, counts.groups, counts.users);
    let holders = trinhky_app::admin::certificates::holders(&state.store, Utc::now()).await?;
    let without_key = holders.iter().filter(|h| h.current.is_none()).count();
    let workflows = trinhky_app::admin::workflows::list(&state.store, &state.registry)
        .await?
        .len();
    let year = trinhky_app::today_vn().year();
    let days_off = trinhky_app::admin::calendar::year(&state.store, year)
        .await?
        .len();
    let events = trinhky_app::queries::latest_audit(&state.store, &state.registry, 10).await?;
    render(
        &state,
        "admin_home.html",
        StatusCode::OK,
        context! {
            nav => nav(&auth), page_title => "Quản trị hệ thống",
            agencies, groups, users, holders => holders.len(), without_key, workflows, year, days_off, events,
        },
    )
}
