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
use trinhky_app::admin::agencies::{self, AgencyInput};
use trinhky_app::admin::calendar::{self, NewEntry};
use trinhky_app::admin::certificates::{self, HolderRef};
use trinhky_app::admin::groups::{self, GroupInput};
use trinhky_app::admin::users::{self, NewAccount};
use trinhky_app::admin::workflows;
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

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl FormData {
    fn parse(body: &[u8]) -> FormData {
        let text = String::from_utf8_lossy(body);
        FormData(
            text.split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (urldecode(k), urldecode(v))
                })
                .collect(),
        )
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
    t.map(|t| t.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Overview

pub async fn home(State(state): State<AppState>, User(auth): User) -> PageResult {
    admin(&auth)?;
    let db = state.store.db();
    let agencies = trinhky_store::directory::agencies(db).await?.len();
    let groups = trinhky_store::directory::groups(db).await?.len();
    let users = trinhky_store::accounts::user_count(db).await?;
    let holders = certificates::holders(&state.store, Utc::now()).await?;
    let without_key = holders.iter().filter(|h| h.current.is_none()).count();
    let workflows = workflows::list(&state.store, &state.registry).await?.len();
    let year = trinhky_app::today_vn().year();
    let days_off = calendar::year(&state.store, year).await?.len();
    let events: Vec<minijinja::Value> = trinhky_store::audit::latest(db, 10)
        .await?
        .into_iter()
        .map(|e| context! { seq => e.seq, at => e.occurred_at.format("%d/%m/%Y %H:%M").to_string(), actor => e.actor, action => e.action, entity => format!("{} {}", e.entity_type, e.entity_id) })
        .collect();
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

// ---------------------------------------------------------------------------------------------
// Agencies

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<usize>,
    per_page: Option<usize>,
}

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
        format!("{path}?q={}", urlencode(q.trim()))
    }
}

pub async fn agencies_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    admin(&auth)?;
    let all = agencies::search(&state.store, &q.q).await?;
    let paging = Paging::new(&q.paging(), all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|a| {
            let kind = AgencyKind::parse(&a.kind).map_or("", |k| k.label_vi());
            context! { path => urlencode(&a.code), code => a.code, name => a.name, short_name => a.short_name, email => a.email, kind, uses_trinhky => a.uses_trinhky }
        })
        .collect();
    render(
        &state,
        "admin_agencies.html",
        StatusCode::OK,
        context! { nav => nav(&auth), page_title => "Cơ quan, đơn vị", agencies => rows, q => q.q.clone(), pager => paging.pager(&pager_base("/admin/agencies", &q.q)) },
    )
}

fn kinds() -> Vec<minijinja::Value> {
    AgencyKind::ALL
        .iter()
        .map(|k| context! { value => k.as_str(), label => k.label_vi() })
        .collect()
}

fn agency_input(f: &FormData) -> AgencyInput {
    AgencyInput {
        code: f.get("code"),
        name: f.get("name"),
        short_name: f.get("short_name"),
        parent: f.get("parent"),
        kind: f.get("kind"),
        email: f.get("email"),
        head_title: f.get("head_title"),
        deputy_title: f.get("deputy_title"),
        aliases: f.lines("aliases"),
        uses_trinhky: f.checked("uses_trinhky"),
    }
}

fn agency_values(a: &AgencyInput) -> minijinja::Value {
    context! {
        path => urlencode(&a.code), code => a.code.clone(), name => a.name.clone(), short_name => a.short_name.clone(), parent => a.parent.clone(),
        kind => a.kind.clone(), email => a.email.clone(), head_title => a.head_title.clone(), deputy_title => a.deputy_title.clone(),
        aliases => a.aliases.join("\n"), uses_trinhky => a.uses_trinhky,
    }
}

fn input_of(a: &Agency) -> AgencyInput {
    AgencyInput {
        code: a.code.clone(),
        name: a.name.clone(),
        short_name: a.short_name.clone(),
        parent: a.parent.clone(),
        kind: a.kind.as_str().to_owned(),
        email: a.email.clone(),
        head_title: a.head_title.clone(),
        deputy_title: a.deputy_title.clone(),
        aliases: a.aliases.clone(),
        uses_trinhky: a.uses_trinhky,
    }
}

fn agency_form(
    state: &AppState,
    auth: &Auth,
    is_new: bool,
    values: &AgencyInput,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let (message, message_ok) = notice_ctx(&notice);
    let title = if is_new {
        "Thêm cơ quan, đơn vị".to_owned()
    } else {
        format!("Sửa cơ quan {}", values.code)
    };
    render(
        state,
        "admin_agency.html",
        status,
        context! { nav => nav(auth), page_title => title, is_new, a => agency_values(values), kinds => kinds(), message, message_ok },
    )
}

pub async fn agency_new(State(state): State<AppState>, User(auth): User) -> PageResult {
    admin(&auth)?;
    let values = AgencyInput {
        kind: AgencyKind::Department.as_str().into(),
        uses_trinhky: true,
        ..Default::default()
    };
    agency_form(&state, &auth, true, &values, None, StatusCode::OK)
}

pub async fn agency_create(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let input = agency_input(&f);
    match agencies::create(&state.store, &auth.principal, &input).await {
        Ok(a) => agency_form(
            &state,
            &auth,
            false,
            &input_of(&a),
            Some((true, format!("Đã thêm cơ quan {} ({}).", a.name, a.code))),
            StatusCode::CREATED,
        ),
        Err(e) => {
            let (status, m) = form_error(e)?;
            agency_form(&state, &auth, true, &input, Some((false, m)), status)
        }
    }
}

pub async fn agency_edit(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
) -> PageResult {
    admin(&auth)?;
    let a = agencies::get(&state.store, &code)
        .await?
        .ok_or(WebError::NotFound)?;
    agency_form(&state, &auth, false, &input_of(&a), None, StatusCode::OK)
}

pub async fn agency_update(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let mut input = agency_input(&f);
    input.code = code.clone();
    match agencies::update(&state.store, &auth.principal, &code, &input).await {
        Ok(Some((a, changed))) => agency_form(
            &state,
            &auth,
            false,
            &input_of(&a),
            Some((
                true,
                if changed {
                    format!("Đã lưu thay đổi của {}.", a.code)
                } else {
                    "Không có gì thay đổi.".to_owned()
                },
            )),
            StatusCode::OK,
        ),
        Ok(None) => Err(WebError::NotFound),
        Err(e) => {
            let (status, m) = form_error(e)?;
            agency_form(&state, &auth, false, &input, Some((false, m)), status)
        }
    }
}

pub async fn api_agencies(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Agency>>)> {
    api_admin(&auth, None)?;
    let rows = agencies::search(&state.store, &q.q).await?;
    let paging = Paging::new(&q.paging(), rows.len());
    let out = paging
        .slice(rows)
        .iter()
        .map(trinhky_store::directory::agency_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((paging.headers("/api/v1/admin/agencies"), Json(out)))
}

pub async fn api_agency(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Agency>> {
    api_admin(&auth, None)?;
    Ok(Json(
        agencies::get(&state.store, &code)
            .await?
            .ok_or(WebError::NotFound)?,
    ))
}

pub async fn api_agency_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(input): Json<AgencyInput>,
) -> ApiResult<(StatusCode, Json<Agency>)> {
    api_admin(&auth, Some(&headers))?;
    let a = agencies::create(&state.store, &auth.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

pub async fn api_agency_update(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    Json(input): Json<AgencyInput>,
) -> ApiResult<Json<Agency>> {
    api_admin(&auth, Some(&headers))?;
    let (a, _) = agencies::update(&state.store, &auth.principal, &code, &input)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(a))
}

// ---------------------------------------------------------------------------------------------
// Recipient groups

pub async fn groups_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    admin(&auth)?;
    let all = groups::list(&state.store).await?;
    let paging = Paging::new(&q.paging(), all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|g| context! { path => urlencode(&g.code), code => g.code, name => g.name, aliases => g.aliases.join("; "), count => g.members.len(), members => g.members.join(", ") })
        .collect();
    render(
        &state,
        "admin_groups.html",
        StatusCode::OK,
        context! { nav => nav(&auth), page_title => "Nhóm nơi nhận", groups => rows, pager => paging.pager("/admin/groups") },
    )
}

async fn group_form(
    state: &AppState,
    auth: &Auth,
    is_new: bool,
    g: &GroupInput,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let (message, message_ok) = notice_ctx(&notice);
    let agencies: Vec<minijinja::Value> = trinhky_store::directory::agencies(state.store.db())
        .await?
        .into_iter()
        .map(|a| {
            let checked = g.members.contains(&a.code);
            context! { code => a.code, name => a.name, checked }
        })
        .collect();
    let title = if is_new {
        "Thêm nhóm nơi nhận".to_owned()
    } else {
        format!("Sửa nhóm {}", g.code)
    };
    render(
        state,
        "admin_group.html",
        status,
        context! {
            nav => nav(auth), page_title => title, is_new, agencies, message, message_ok,
            g => context! { path => urlencode(&g.code), code => g.code.clone(), name => g.name.clone(), aliases => g.aliases.join("\n"), count => g.members.len() },
        },
    )
}

fn group_input(f: &FormData) -> GroupInput {
    GroupInput {
        code: f.get("code"),
        name: f.get("name"),
        aliases: f.lines("aliases"),
        members: f.all("members"),
    }
}

fn group_input_of(g: &RecipientGroup) -> GroupInput {
    GroupInput {
        code: g.code.clone(),
        name: g.name.clone(),
        aliases: g.aliases.clone(),
        members: g.members.clone(),
    }
}

pub async fn group_new(State(state): State<AppState>, User(auth): User) -> PageResult {
    admin(&auth)?;
    group_form(
        &state,
        &auth,
        true,
        &GroupInput::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn group_create(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let input = group_input(&f);
    match groups::create(&state.store, &auth.principal, &input).await {
        Ok(g) => {
            group_form(
                &state,
                &auth,
                false,
                &group_input_of(&g),
                Some((true, format!("Đã thêm nhóm {} ({}).", g.name, g.code))),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, m) = form_error(e)?;
            group_form(&state, &auth, true, &input, Some((false, m)), status).await
        }
    }
}

pub async fn group_edit(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
) -> PageResult {
    admin(&auth)?;
    let g = groups::get(&state.store, &code)
        .await?
        .ok_or(WebError::NotFound)?;
    group_form(
        &state,
        &auth,
        false,
        &group_input_of(&g),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn group_update(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let mut input = group_input(&f);
    input.code = code.clone();
    match groups::update(&state.store, &auth.principal, &code, &input).await {
        Ok(Some((g, changed))) => {
            let m = if changed {
                format!("Đã lưu nhóm {}.", g.code)
            } else {
                "Không có gì thay đổi.".to_owned()
            };
            group_form(
                &state,
                &auth,
                false,
                &group_input_of(&g),
                Some((true, m)),
                StatusCode::OK,
            )
            .await
        }
        Ok(None) => Err(WebError::NotFound),
        Err(e) => {
            let (status, m) = form_error(e)?;
            group_form(&state, &auth, false, &input, Some((false, m)), status).await
        }
    }
}

pub async fn group_delete(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    FormData::parse(&body).csrf(&auth)?;
    if !groups::delete(&state.store, &auth.principal, &code).await? {
        return Err(WebError::NotFound);
    }
    let all = groups::list(&state.store).await?;
    let paging = Paging::new(&PageQuery::default(), all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|g| context! { path => urlencode(&g.code), code => g.code, name => g.name, aliases => g.aliases.join("; "), count => g.members.len(), members => g.members.join(", ") })
        .collect();
    render(
        &state,
        "admin_groups.html",
        StatusCode::OK,
        context! { nav => nav(&auth), page_title => "Nhóm nơi nhận", groups => rows, pager => paging.pager("/admin/groups"), message => format!("Đã xóa nhóm {code}."), message_ok => true },
    )
}

pub async fn api_groups(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<RecipientGroup>>)> {
    api_admin(&auth, None)?;
    let all = groups::list(&state.store).await?;
    let paging = Paging::new(&q.paging(), all.len());
    Ok((
        paging.headers("/api/v1/admin/groups"),
        Json(paging.slice(all)),
    ))
}

pub async fn api_group(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<RecipientGroup>> {
    api_admin(&auth, None)?;
    Ok(Json(
        groups::get(&state.store, &code)
            .await?
            .ok_or(WebError::NotFound)?,
    ))
}

pub async fn api_group_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(input): Json<GroupInput>,
) -> ApiResult<(StatusCode, Json<RecipientGroup>)> {
    api_admin(&auth, Some(&headers))?;
    let g = groups::create(&state.store, &auth.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

pub async fn api_group_update(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    Json(input): Json<GroupInput>,
) -> ApiResult<Json<RecipientGroup>> {
    api_admin(&auth, Some(&headers))?;
    let (g, _) = groups::update(&state.store, &auth.principal, &code, &input)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(g))
}

pub async fn api_group_delete(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    api_admin(&auth, Some(&headers))?;
    if groups::delete(&state.store, &auth.principal, &code).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(WebError::NotFound.into())
    }
}

// ---------------------------------------------------------------------------------------------
// Users and roles

fn roles_select() -> Vec<minijinja::Value> {
    Role::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), label => r.label_vi() })
        .collect()
}

async fn agencies_select(state: &AppState) -> Result<Vec<minijinja::Value>, WebError> {
    Ok(trinhky_store::directory::agencies(state.store.db())
        .await?
        .into_iter()
        .map(|a| context! { code => a.code, name => a.name })
        .collect())
}

fn role_labels(roles: &[trinhky_store::accounts::Membership]) -> Vec<minijinja::Value> {
    roles
        .iter()
        .map(|m| context! { agency => m.agency_code.clone(), agency_name => m.agency_name.clone(), role => m.role.as_str(), role_label => m.role.label_vi(), title => m.title.clone() })
        .collect()
}

async fn users_list(
    state: &AppState,
    auth: &Auth,
    q: &ListQuery,
    values: &NewAccount,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let all = users::search(&state.store, &q.q).await?;
    let paging = Paging::new(&q.paging(), all.len());
    let page = users::with_roles(&state.store, paging.slice(all)).await?;
    let rows: Vec<minijinja::Value> = page
        .iter()
        .map(|u| context! { username => u.user.username.clone(), full_name => u.user.full_name.clone(), email => u.user.email.clone(), active => u.user.active, roles => role_labels(&u.roles) })
        .collect();
    let (message, message_ok) = notice_ctx(&notice);
    render(
        state,
        "admin_users.html",
        status,
        context! {
            nav => nav(auth), page_title => "Người dùng và vai trò", users => rows, q => q.q.clone(),
            pager => paging.pager(&pager_base("/admin/users", &q.q)),
            roles => roles_select(), agencies => agencies_select(state).await?, message, message_ok,
            v => context! { username => values.username.clone(), full_name => values.full_name.clone(), email => values.email.clone(), agency => values.agency.clone(), role => values.role.clone(), title => values.title.clone() },
        },
    )
}

pub async fn users_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    admin(&auth)?;
    users_list(
        &state,
        &auth,
        &q,
        &NewAccount::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn user_create(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let new = NewAccount {
        username: f.get("username"),
        full_name: f.get("full_name"),
        email: f.get("email"),
        password: f.get("password"),
        agency: f.get("agency"),
        role: f.get("role"),
        title: f.get("title"),
    };
    match users::create(&state.store, state.app.cpu(), &auth.principal, &new).await {
        Ok(u) => {
            user_detail(
                &state,
                &auth,
                &u.username,
                Some((true, format!("Đã tạo tài khoản {}.", u.username))),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, m) = form_error(e)?;
            let kept = NewAccount {
                password: String::new(),
                ..new
            };
            users_list(
                &state,
                &auth,
                &ListQuery::default(),
                &kept,
                Some((false, m)),
                status,
            )
            .await
        }
    }
}

async fn user_detail(
    state: &AppState,
    auth: &Auth,
    username: &str,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let u = users::get(&state.store, username)
        .await?
        .ok_or(WebError::NotFound)?;
    let (message, message_ok) = notice_ctx(&notice);
    let own = u.user.id == auth.principal.user.id;
    let api_tokens: Vec<minijinja::Value> =
        trinhky_app::tokens::list(&state.store, &u.user.username, Utc::now())
            .await?
            .into_iter()
            .map(|t| {
                context! {
                    id => t.id, name => t.name.clone(), status => t.status, status_label => t.status_vi(),
                    created => dmy_time(Some(t.created_at)), expires => dmy_time(t.expires_at),
                    last_used => t.last_used_at.map_or_else(|| "chưa dùng".to_owned(), |d| dmy_time(Some(d))),
                }
            })
            .collect();
    render(
        state,
        "admin_user.html",
        status,
        context! {
            nav => nav(auth), page_title => format!("Tài khoản {}", u.user.username),
            u => context! { username => u.user.username.clone(), full_name => u.user.full_name.clone(), email => u.user.email.clone(), active => u.user.active },
            roles => role_labels(&u.roles), own, all_roles => roles_select(), agencies => agencies_select(state).await?,
            api_tokens, token_default_days => trinhky_app::tokens::DEFAULT_DAYS, token_max_days => trinhky_app::tokens::MAX_DAYS,
            message, message_ok,
        },
    )
}

pub async fn user_page(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
) -> PageResult {
    admin(&auth)?;
    user_detail(&state, &auth, &username, None, StatusCode::OK).await
}

/// Runs a change on one account and shows the account with its outcome.
async fn user_change(
    state: &AppState,
    auth: &Auth,
    username: &str,
    result: trinhky_app::Result<String>,
) -> PageResult {
    match result {
        Ok(m) => user_detail(state, auth, username, Some((true, m)), StatusCode::OK).await,
        Err(_) if users::get(&state.store, username).await?.is_none() => Err(WebError::NotFound),
        Err(e) => {
            let (status, m) = form_error(e)?;
            user_detail(state, auth, username, Some((false, m)), status).await
        }
    }
}

pub async fn user_grant(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let (agency, role) = (f.get("agency"), f.get("role"));
    let r = users::grant(
        &state.store,
        &auth.principal,
        &username,
        &agency,
        &role,
        &f.get("title"),
    )
    .await
    .map(|()| format!("Đã cấp vai trò {} tại {agency}.", role_label(&role)));
    user_change(&state, &auth, &username, r).await
}

fn role_label(role: &str) -> &'static str {
    role.parse::<Role>().map_or("", |r| r.label_vi())
}

pub async fn user_revoke(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let (agency, role) = (f.get("agency"), f.get("role"));
    let r = users::revoke(&state.store, &auth.principal, &username, &agency, &role)
        .await
        .map(|()| format!("Đã thu hồi vai trò {} tại {agency}.", role_label(&role)));
    user_change(&state, &auth, &username, r).await
}

pub async fn user_active(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let active = f.get("active") == "true";
    let r = users::set_active(&state.store, &auth.principal, &username, active)
        .await
        .map(|_| {
            if active {
                format!("Đã mở khóa tài khoản {username}.")
            } else {
                format!("Đã khóa tài khoản {username}: các phiên đăng nhập đã kết thúc, khóa API không còn dùng được.")
            }
        });
    user_change(&state, &auth, &username, r).await
}

pub async fn user_password(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let r = users::reset_password(&state.store, state.app.cpu(), &auth.principal, &username, &f.get("password"))
        .await
        .map(|generated| match generated {
            Some(p) => format!("Đã đặt mật khẩu mới cho {username}: {p} (chỉ hiện một lần; các phiên đăng nhập cũ đã kết thúc, các khóa API đã bị thu hồi)."),
            None => format!("Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập cũ đã kết thúc, các khóa API đã bị thu hồi."),
        });
    user_change(&state, &auth, &username, r).await
}

pub async fn user_token_create(
    State(state): State<AppState>,
    User(auth): User,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let days = match f.get("expires_days").trim() {
        "" => Ok(trinhky_app::tokens::DEFAULT_DAYS),
        d => d.parse::<i64>().map_err(|_| {
            trinhky_app::AppError::Invalid(format!(
                "Thời hạn \"{d}\" không phải số ngày (1–{}).",
                trinhky_app::tokens::MAX_DAYS
            ))
        }),
    };
    let r = match days {
        Ok(days) => trinhky_app::tokens::issue_as(
            &state.store,
            &auth.principal,
            &username,
            &f.get("name"),
            days,
            Utc::now(),
        )
        .await
        .map(|(token, v)| {
            format!(
                "Đã tạo khóa API \"{}\" cho {username}, hết hạn {}: {token} (chỉ hiện một lần; gửi kèm tiêu đề Authorization: Bearer).",
                v.name,
                dmy_time(v.expires_at)
            )
        }),
        Err(e) => Err(e),
    };
    user_change(&state, &auth, &username, r).await
}

pub async fn user_token_revoke(
    State(state): State<AppState>,
    User(auth): User,
    Path((username, id)): Path<(String, i32)>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let owned = trinhky_app::tokens::list(&state.store, &username, Utc::now())
        .await
        .map(|ts| ts.iter().any(|t| t.id == id))
        .unwrap_or(false);
    if !owned {
        return Err(WebError::NotFound);
    }
    let r = trinhky_app::tokens::revoke_as(&state.store, &auth.principal, id, Utc::now())
        .await
        .and_then(|r| match r {
            trinhky_app::tokens::Revoked::Done(v) => Ok(format!(
                "Đã thu hồi khóa API \"{}\" của {username}.",
                v.name
            )),
            trinhky_app::tokens::Revoked::Already(v) => Err(trinhky_app::AppError::Conflict(
                format!("Khóa API \"{}\" đã bị thu hồi trước đó.", v.name),
            )),
            trinhky_app::tokens::Revoked::NotFound => Err(trinhky_app::AppError::Invalid(format!(
                "Không có khóa API số {id}."
            ))),
        });
    user_change(&state, &auth, &username, r).await
}

pub async fn api_users(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<users::UserView>>)> {
    api_admin(&auth, None)?;
    let all = users::search(&state.store, &q.q).await?;
    let paging = Paging::new(&q.paging(), all.len());
    let page = users::with_roles(&state.store, paging.slice(all)).await?;
    Ok((paging.headers("/api/v1/admin/users"), Json(page)))
}

async fn user_json(state: &AppState, username: &str) -> ApiResult<Json<users::UserView>> {
    Ok(Json(
        users::get(&state.store, username)
            .await?
            .ok_or(WebError::NotFound)?,
    ))
}

pub async fn api_user(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(username): Path<String>,
) -> ApiResult<Json<users::UserView>> {
    api_admin(&auth, None)?;
    user_json(&state, &username).await
}

pub async fn api_user_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(new): Json<NewAccount>,
) -> ApiResult<(StatusCode, Json<users::UserView>)> {
    api_admin(&auth, Some(&headers))?;
    let u = users::create(&state.store, state.app.cpu(), &auth.principal, &new).await?;
    Ok((StatusCode::CREATED, user_json(&state, &u.username).await?))
}

/// 404 for an unknown account instead of the use case's 400.
async fn known(state: &AppState, username: &str) -> ApiResult<()> {
    if users::get(&state.store, username).await?.is_none() {
        return Err(WebError::NotFound.into());
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct GrantIn {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    title: String,
}

pub async fn api_user_grant(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(username): Path<String>,
    headers: HeaderMap,
    Json(g): Json<GrantIn>,
) -> ApiResult<(StatusCode, Json<users::UserView>)> {
    api_admin(&auth, Some(&headers))?;
    known(&state, &username).await?;
    users::grant(
        &state.store,
        &auth.principal,
        &username,
        &g.agency,
        &g.role,
        &g.title,
    )
    .await?;
    Ok((StatusCode::CREATED, user_json(&state, &username).await?))
}

pub async fn api_user_revoke(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((username, agency, role)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<users::UserView>> {
    api_admin(&auth, Some(&headers))?;
    known(&state, &username).await?;
    users::revoke(&state.store, &auth.principal, &username, &agency, &role).await?;
    user_json(&state, &username).await
}

#[derive(Deserialize)]
pub struct ActiveIn {
    active: bool,
}

pub async fn api_user_active(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(username): Path<String>,
    headers: HeaderMap,
    Json(a): Json<ActiveIn>,
) -> ApiResult<Json<users::UserView>> {
    api_admin(&auth, Some(&headers))?;
    known(&state, &username).await?;
    users::set_active(&state.store, &auth.principal, &username, a.active).await?;
    user_json(&state, &username).await
}

#[derive(Deserialize)]
pub struct PasswordIn {
    #[serde(default)]
    password: String,
}

#[derive(Serialize)]
pub struct PasswordOut {
    username: String,
    /// Present when the server generated the password (shown once).
    generated_password: Option<String>,
}

pub async fn api_user_password(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(username): Path<String>,
    headers: HeaderMap,
    body: Option<Json<PasswordIn>>,
) -> ApiResult<Json<PasswordOut>> {
    api_admin(&auth, Some(&headers))?;
    known(&state, &username).await?;
    let password = body.map(|b| b.0.password).unwrap_or_default();
    let generated = users::reset_password(
        &state.store,
        state.app.cpu(),
        &auth.principal,
        &username,
        &password,
    )
    .await?;
    Ok(Json(PasswordOut {
        username,
        generated_password: generated,
    }))
}

// ---------------------------------------------------------------------------------------------
// Certificates

fn pki_dir(state: &AppState) -> std::path::PathBuf {
    state.settings.data_dir.join("pki")
}

/// The key-encryption key new keys are wrapped with (configured with signing at start-up).
fn signing_kek(state: &AppState) -> Result<&trinhky_app::kek::Kek, WebError> {
    state.registry.signing().kek().map_err(WebError::from)
}

async fn certificates_view(
    state: &AppState,
    auth: &Auth,
    q: &PageQuery,
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let all = certificates::holders(&state.store, Utc::now()).await?;
    let without = all.iter().filter(|h| h.current.is_none()).count();
    let paging = Paging::new(q, all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|h| {
            let cert = h.current.as_ref().map(|c| context! {
                subject => c.subject.clone(), issuer => c.issuer.clone(), serial => c.serial.clone(),
                from => dmy_time(c.valid_from), to => dmy_time(c.valid_to), status => c.status, status_label => c.status_label(),
            });
            context! { kind => h.kind, kind_label => if h.kind == "agency" { "Tổ chức" } else { "Cá nhân" }, path => urlencode(&h.handle), handle => h.handle, name => h.name, position => h.position, cert, revoked => h.revoked }
        })
        .collect();
    let (message, message_ok) = notice_ctx(&notice);
    render(
        state,
        "admin_certificates.html",
        status,
        context! {
            nav => nav(auth), page_title => "Chứng thư số", holders => rows, without, pager => paging.pager("/admin/certificates"),
            dev_ca => pki_dir(state).join("ca.pem").exists(), message, message_ok,
        },
    )
}

pub async fn certificates_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<PageQuery>,
) -> PageResult {
    admin(&auth)?;
    certificates_view(&state, &auth, &q, None, StatusCode::OK).await
}

fn algorithm(s: &str) -> KeyAlgorithm {
    if s == "p256" {
        KeyAlgorithm::EcdsaP256
    } else {
        KeyAlgorithm::Rsa
    }
}

async fn certificate_outcome(
    state: &AppState,
    auth: &Auth,
    r: trinhky_app::Result<String>,
) -> PageResult {
    match r {
        Ok(m) => {
            certificates_view(
                state,
                auth,
                &PageQuery::default(),
                Some((true, m)),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, m) = form_error(e)?;
            certificates_view(state, auth, &PageQuery::default(), Some((false, m)), status).await
        }
    }
}

pub async fn certificates_issue(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let only = HolderRef::parse(&f.get("kind"), &f.get("handle"));
    let r = certificates::issue_dev(
        &state.store,
        signing_kek(&state)?,
        &auth.principal.actor(),
        &pki_dir(&state),
        &f.get("ca_passphrase"),
        &f.get("pin"),
        algorithm(&f.get("algorithm")),
        only.as_ref(),
    )
    .await
    .map(|issued| {
        format!(
            "Đã cấp {} chứng thư số phát triển: {}.",
            issued.len(),
            issued
                .iter()
                .map(|h| h.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    certificate_outcome(&state, &auth, r).await
}

/// Reads the import form: (csrf, file bytes, PIN).
async fn read_import(mut m: Multipart) -> Result<(String, Vec<u8>, String), WebError> {
    let (mut csrf, mut file, mut pin) = (String::new(), Vec::new(), String::new());
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(WebError::BadRequest(format!(
                    "Không đọc được tệp tải lên: {}",
                    e.body_text()
                )));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| {
            WebError::BadRequest(format!("Không đọc được tệp tải lên: {}", e.body_text()))
        })?;
        match name.as_str() {
            "csrf_token" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "pin" => pin = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = bytes.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, file, pin))
}

pub async fn certificate_import(
    State(state): State<AppState>,
    User(auth): User,
    Path((kind, handle)): Path<(String, String)>,
    multipart: Multipart,
) -> PageResult {
    admin(&auth)?;
    let read = read_import(multipart).await;
    let (csrf, file, pin) = match read {
        Ok(x) => x,
        Err(WebError::BadRequest(m)) => {
            return certificates_view(
                &state,
                &auth,
                &PageQuery::default(),
                Some((false, m)),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    auth.check_csrf(Some(&csrf))?;
    let who = HolderRef::parse(&kind, &handle).ok_or(WebError::NotFound)?;
    let r = certificates::import_p12(
        &state.store,
        state.registry.signing(),
        &auth.principal.actor(),
        &who,
        &file,
        &pin,
        Utc::now(),
    )
    .await
    .map(|i| {
        format!(
            "Đã nhập chứng thư số của {}: {} (hiệu lực đến {}). Mã PIN không được lưu.",
            i.holder,
            i.subject,
            dmy_time(i.valid_to)
        )
    });
    certificate_outcome(&state, &auth, r).await
}

pub async fn certificate_revoke(
    State(state): State<AppState>,
    User(auth): User,
    Path((kind, handle)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let who = HolderRef::parse(&kind, &handle).ok_or(WebError::NotFound)?;
    let pass = f.get("ca_passphrase");
    let r = certificates::revoke(
        &state.store,
        &auth.principal.actor(),
        &who,
        &pki_dir(&state),
        Some(pass.as_str()),
    )
    .await
    .map(|r| {
        format!(
            "Đã thu hồi chứng thư số của {}{}.",
            r.holder,
            if r.crl.is_some() {
                " (CA phát triển đã công bố danh sách thu hồi mới)"
            } else {
                "; đề nghị tổ chức đã cấp chứng thư thu hồi cả ở phía họ"
            }
        )
    });
    certificate_outcome(&state, &auth, r).await
}

pub async fn api_certificates(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<certificates::HolderView>>)> {
    api_admin(&auth, None)?;
    let all = certificates::holders(&state.store, Utc::now()).await?;
    let paging = Paging::new(&q, all.len());
    Ok((
        paging.headers("/api/v1/admin/certificates"),
        Json(paging.slice(all)),
    ))
}

#[derive(Deserialize)]
pub struct HolderIn {
    kind: String,
    handle: String,
}

#[derive(Deserialize)]
pub struct IssueIn {
    #[serde(default)]
    ca_passphrase: String,
    #[serde(default)]
    pin: String,
    /// `rsa` (default) or `p256`.
    #[serde(default)]
    algorithm: String,
    holder: Option<HolderIn>,
}

#[derive(Serialize)]
pub struct IssuedOut {
    kind: &'static str,
    handle: String,
    name: String,
}

pub async fn api_certificates_issue(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(b): Json<IssueIn>,
) -> ApiResult<(StatusCode, Json<Vec<IssuedOut>>)> {
    api_admin(&auth, Some(&headers))?;
    let only = match &b.holder {
        Some(h) => Some(HolderRef::parse(&h.kind, &h.handle).ok_or_else(|| {
            WebError::BadRequest("holder.kind phải là \"user\" hoặc \"agency\".".into())
        })?),
        None => None,
    };
    let issued = certificates::issue_dev(
        &state.store,
        signing_kek(&state)?,
        &auth.principal.actor(),
        &pki_dir(&state),
        &b.ca_passphrase,
        &b.pin,
        algorithm(&b.algorithm),
        only.as_ref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            issued
                .into_iter()
                .map(|h| IssuedOut {
                    kind: if h.organization { "agency" } else { "user" },
                    handle: h.handle,
                    name: h.name,
                })
                .collect(),
        ),
    ))
}

pub async fn api_certificate_import(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((kind, handle)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<certificates::Imported>)> {
    api_admin(&auth, Some(&headers))?;
    let who = HolderRef::parse(&kind, &handle).ok_or(WebError::NotFound)?;
    let (_, file, pin) = read_import(multipart).await?;
    let i = certificates::import_p12(
        &state.store,
        state.registry.signing(),
        &auth.principal.actor(),
        &who,
        &file,
        &pin,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

#[derive(Deserialize, Default)]
pub struct RevokeIn {
    #[serde(default)]
    ca_passphrase: String,
}

#[derive(Serialize)]
pub struct RevokedOut {
    holder: String,
    subject: String,
    /// The development CA listed the certificate in a new CRL.
    crl_published: bool,
}

pub async fn api_certificate_revoke(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((kind, handle)): Path<(String, String)>,
    headers: HeaderMap,
    body: Option<Json<RevokeIn>>,
) -> ApiResult<Json<RevokedOut>> {
    api_admin(&auth, Some(&headers))?;
    let who = HolderRef::parse(&kind, &handle).ok_or(WebError::NotFound)?;
    let pass = body.map(|b| b.0.ca_passphrase).unwrap_or_default();
    let r = certificates::revoke(
        &state.store,
        &auth.principal.actor(),
        &who,
        &pki_dir(&state),
        Some(pass.as_str()),
    )
    .await?;
    Ok(Json(RevokedOut {
        holder: r.holder,
        subject: r.subject,
        crl_published: r.crl.is_some(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Workflows

pub async fn workflows_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<PageQuery>,
) -> PageResult {
    admin(&auth)?;
    let all = workflows::list(&state.store, &state.registry).await?;
    let paging = Paging::new(&q, all.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|w| context! { id => w.id, version => w.version, title => w.title, doc_types => w.doc_types.join(", "), states => w.states, transitions => w.transitions, current => w.current, documents => w.documents, running => w.running })
        .collect();
    render(
        &state,
        "admin_workflows.html",
        StatusCode::OK,
        context! { nav => nav(&auth), page_title => "Quy trình", workflows => rows, pager => paging.pager("/admin/workflows") },
    )
}

fn definition_ctx(
    def: &trinhky_domain::workflow::Definition,
    counts: &BTreeMap<String, i64>,
) -> (Vec<minijinja::Value>, Vec<minijinja::Value>) {
    let label_of = |s: &str| def.state(s).map_or(s.to_owned(), |x| x.label.clone());
    let states = def
        .states
        .iter()
        .map(|s| {
            context! {
                name => s.name.clone(), label => s.label.clone(), role => s.role.map(|r| r.label_vi()),
                sla => s.sla_working_days, terminal => s.terminal, optional => s.optional, initial => s.name == def.initial,
                documents => counts.get(&s.name).copied().unwrap_or(0),
            }
        })
        .collect();
    let transitions = def
        .transitions
        .iter()
        .map(|t| {
            context! {
                action => t.action.clone(), label => t.label.clone(), from => label_of(&t.from), to => label_of(&t.to),
                by => t.by.iter().map(|r| r.label_vi()).collect::<Vec<_>>().join(", "),
                requires => t.requires.iter().map(|r| requirement_vi(*r)).collect::<Vec<_>>().join(", "),
                effects => t.effects.iter().map(|e| effect_vi(*e)).collect::<Vec<_>>().join(" → "),
                when => t.when.map(|w| match w { trinhky_domain::workflow::Guard::OptionalEnabled => "khi cơ quan dùng bước tùy chọn", trinhky_domain::workflow::Guard::OptionalDisabled => "khi cơ quan bỏ bước tùy chọn" }),
            }
        })
        .collect();
    (states, transitions)
}

fn requirement_vi(r: trinhky_domain::workflow::Requirement) -> &'static str {
    use trinhky_domain::workflow::Requirement as R;
    match r {
        R::Comment => "ý kiến",
        R::SigningPin => "mã PIN ký số",
        R::Attachment => "tệp đính kèm",
        R::ConsultationsClosed => "đã hết hạn lấy ý kiến",
    }
}

fn effect_vi(e: trinhky_domain::workflow::EffectKind) -> &'static str {
    use trinhky_domain::workflow::EffectKind as E;
    match e {
        E::Render => "dựng văn bản",
        E::SignPersonal => "ký số cá nhân",
        E::AssignNumber => "cấp số",
        E::SignOrganization => "ký số cơ quan",
        E::Dispatch => "phát hành",
        E::Notify => "thông báo",
        E::OpenConsultations => "lấy ý kiến",
    }
}

pub async fn workflow_page(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, version)): Path<(String, String)>,
) -> PageResult {
    admin(&auth)?;
    let version: u32 = version.parse().map_err(|_| WebError::NotFound)?;
    let (def, counts, current) = workflows::detail(&state.store, &state.registry, &id, version)
        .await?
        .ok_or(WebError::NotFound)?;
    let (states, transitions) = definition_ctx(&def, &counts);
    render(
        &state,
        "admin_workflow.html",
        StatusCode::OK,
        context! {
            nav => nav(&auth), page_title => format!("Quy trình {} (phiên bản {})", def.title, def.version),
            w => context! { id => def.id.clone(), version => def.version, title => def.title.clone(), doc_types => def.doc_types.join(", "), file => def.file.clone(), current },
            states, transitions, documents => counts.values().sum::<i64>(),
        },
    )
}

fn check_view(
    state: &AppState,
    auth: &Auth,
    source: &str,
    file_name: &str,
    report: Option<&workflows::CheckReport>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let report_ctx = report.map(|r| {
        let (states, transitions) = r
            .definition
            .as_ref()
            .map(|d| definition_ctx(d, &BTreeMap::new()))
            .unwrap_or_default();
        context! {
            ok => r.ok,
            diagnostics => r.diagnostics.iter().map(|d| context! { code => d.code, line => d.line, message => d.message.clone(), hint => d.hint.clone() }).collect::<Vec<_>>(),
            notes => r.notes.clone(),
            def => r.definition.as_ref().map(|d| context! { id => d.id.clone(), version => d.version, title => d.title.clone() }),
            states, transitions,
        }
    });
    render(
        state,
        "admin_workflow_check.html",
        status,
        context! { nav => nav(auth), page_title => "Kiểm tra quy trình", source, file_name, report => report_ctx, error },
    )
}

pub async fn check_form(State(state): State<AppState>, User(auth): User) -> PageResult {
    admin(&auth)?;
    check_view(&state, &auth, "", "", None, None, StatusCode::OK)
}

/// The largest definition accepted by the checker.
const MAX_DEFINITION_BYTES: usize = 512 * 1024;

pub async fn check_submit(
    State(state): State<AppState>,
    User(auth): User,
    mut m: Multipart,
) -> PageResult {
    admin(&auth)?;
    let (mut csrf, mut text, mut file, mut file_name) =
        (String::new(), String::new(), Vec::new(), String::new());
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let msg = format!("Không đọc được nội dung gửi lên: {}", e.body_text());
                return check_view(
                    &state,
                    &auth,
                    "",
                    "",
                    None,
                    Some(msg),
                    StatusCode::BAD_REQUEST,
                );
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            file_name = field.file_name().unwrap_or_default().to_owned();
        }
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let msg = format!("Không đọc được nội dung gửi lên: {}", e.body_text());
                return check_view(
                    &state,
                    &auth,
                    "",
                    "",
                    None,
                    Some(msg),
                    StatusCode::BAD_REQUEST,
                );
            }
        };
        match name.as_str() {
            "csrf_token" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "source" => text = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = bytes.to_vec(),
            _ => {}
        }
    }
    auth.check_csrf(Some(&csrf))?;
    let (source, name) = if !file.is_empty() {
        match String::from_utf8(file) {
            Ok(s) => (s, file_name),
            Err(_) => {
                return check_view(
                    &state,
                    &auth,
                    &text,
                    "",
                    None,
                    Some(format!(
                        "Tệp {file_name} không phải văn bản UTF-8: lưu tệp TOML với mã UTF-8 rồi tải lên lại."
                    )),
                    StatusCode::BAD_REQUEST,
                );
            }
        }
    } else {
        (text, String::new())
    };
    if source.trim().is_empty() {
        return check_view(
            &state,
            &auth,
            "",
            "",
            None,
            Some("Dán nội dung tệp quy trình (TOML) hoặc chọn tệp để kiểm tra.".into()),
            StatusCode::BAD_REQUEST,
        );
    }
    if source.len() > MAX_DEFINITION_BYTES {
        return check_view(
            &state,
            &auth,
            "",
            "",
            None,
            Some("Tệp quy trình lớn hơn 512 KB: kiểm tra lại tệp.".into()),
            StatusCode::PAYLOAD_TOO_LARGE,
        );
    }
    let report = workflows::check(&state.store, &name, &source).await?;
    check_view(
        &state,
        &auth,
        &source,
        &name,
        Some(&report),
        None,
        StatusCode::OK,
    )
}

pub async fn api_workflows(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<workflows::WorkflowSummary>>)> {
    api_admin(&auth, None)?;
    let all = workflows::list(&state.store, &state.registry).await?;
    let paging = Paging::new(&q, all.len());
    Ok((
        paging.headers("/api/v1/admin/workflows"),
        Json(paging.slice(all)),
    ))
}

#[derive(Serialize)]
pub struct WorkflowOut {
    definition: trinhky_domain::workflow::Definition,
    current: bool,
    /// Documents per state.
    documents: BTreeMap<String, i64>,
}

pub async fn api_workflow(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Json<WorkflowOut>> {
    api_admin(&auth, None)?;
    let version: u32 = version.parse().map_err(|_| WebError::NotFound)?;
    let (def, documents, current) = workflows::detail(&state.store, &state.registry, &id, version)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(WorkflowOut {
        definition: (*def).clone(),
        current,
        documents,
    }))
}

#[derive(Deserialize, Default)]
pub struct CheckQuery {
    #[serde(default)]
    file: String,
}

/// The body is the TOML text itself. Read only: a check, never an installation; no CSRF needed.
pub async fn api_workflow_check(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<CheckQuery>,
    body: Bytes,
) -> ApiResult<Json<workflows::CheckReport>> {
    api_admin(&auth, None)?;
    if body.len() > MAX_DEFINITION_BYTES {
        return Err(WebError::BadRequest("Tệp quy trình lớn hơn 512 KB.".into()).into());
    }
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| WebError::BadRequest("Nội dung không phải văn bản UTF-8.".into()))?;
    Ok(Json(workflows::check(&state.store, &q.file, &text).await?))
}

// ---------------------------------------------------------------------------------------------
// Holiday calendar

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    page: Option<usize>,
    per_page: Option<usize>,
}

fn year_of(q: &YearQuery) -> i32 {
    q.year
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or_else(|| trinhky_app::today_vn().year())
}

async fn calendar_view(
    state: &AppState,
    auth: &Auth,
    q: &YearQuery,
    values: (&str, &str, &str, &str),
    notice: Notice,
    status: StatusCode,
) -> PageResult {
    let year = year_of(q);
    let all = calendar::year(&state.store, year).await?;
    let paging = Paging::new(
        &PageQuery {
            page: q.page,
            per_page: q.per_page,
        },
        all.len(),
    );
    let rows: Vec<minijinja::Value> = paging
        .slice(all)
        .into_iter()
        .map(|e| {
            let days = e.entry.days().count();
            context! {
                id => e.id, kind => e.entry.kind.as_str(), kind_label => e.entry.kind.label_vi(),
                from => dmy(e.entry.from), to => (e.entry.to != e.entry.from).then(|| dmy(e.entry.to)), days, name => e.entry.name,
            }
        })
        .collect();
    let mut years = calendar::years(&state.store).await?;
    let this = trinhky_app::today_vn().year();
    for y in [year, this, this + 1] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable();
    let (message, message_ok) = notice_ctx(&notice);
    let (kind, from, to, name) = values;
    render(
        state,
        "admin_calendar.html",
        status,
        context! {
            nav => nav(auth), page_title => format!("Lịch nghỉ lễ năm {year}"), year, years, entries => rows,
            pager => paging.pager(&format!("/admin/calendar?year={year}")),
            kinds => [CalendarEntryKind::Holiday, CalendarEntryKind::WorkingDay].iter().map(|k| context! { value => k.as_str(), label => k.label_vi() }).collect::<Vec<_>>(),
            v => context! { kind, from, to, name }, message, message_ok, source => state.registry.calendar_source(),
        },
    )
}

pub async fn calendar_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<YearQuery>,
) -> PageResult {
    admin(&auth)?;
    calendar_view(
        &state,
        &auth,
        &q,
        ("holiday", "", "", ""),
        None,
        StatusCode::OK,
    )
    .await
}

/// Parses the form's or the API's dates into a new entry, or the message to show.
fn new_entry(kind: &str, from: &str, to: &str, name: &str) -> Result<NewEntry, String> {
    let from_d = crate::dates::parse(from).map_err(|m| format!("Ngày bắt đầu: {m}"))?;
    let to_d = crate::dates::parse(to).map_err(|m| format!("Ngày kết thúc: {m}"))?;
    Ok(NewEntry {
        kind: kind.to_owned(),
        from: from_d,
        to: to_d,
        name: name.to_owned(),
    })
}

pub async fn calendar_add(
    State(state): State<AppState>,
    User(auth): User,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    let f = FormData::parse(&body);
    f.csrf(&auth)?;
    let (kind, from, to, name) = (f.get("kind"), f.get("from"), f.get("to"), f.get("name"));
    let values = (kind.as_str(), from.as_str(), to.as_str(), name.as_str());
    let entry = match new_entry(&kind, &from, &to, &name) {
        Ok(e) => e,
        Err(m) => {
            let q = YearQuery::default();
            return calendar_view(
                &state,
                &auth,
                &q,
                values,
                Some((false, m)),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let q = YearQuery {
        year: entry.from.map(|d| d.year()),
        ..Default::default()
    };
    match calendar::add(
        &state.store,
        &state.registry,
        &auth.principal,
        &entry,
        Utc::now(),
    )
    .await
    {
        Ok(m) => {
            let msg = format!(
                "Đã thêm \"{}\" ({}{}). Hạn xử lý tính từ nay theo lịch mới.",
                m.name,
                dmy(m.date_from),
                if m.date_to != m.date_from {
                    format!(" – {}", dmy(m.date_to))
                } else {
                    String::new()
                }
            );
            calendar_view(
                &state,
                &auth,
                &q,
                ("holiday", "", "", ""),
                Some((true, msg)),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let (status, m) = form_error(e)?;
            calendar_view(&state, &auth, &q, values, Some((false, m)), status).await
        }
    }
}

pub async fn calendar_remove(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    body: Bytes,
) -> PageResult {
    admin(&auth)?;
    FormData::parse(&body).csrf(&auth)?;
    let e = calendar::remove(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        Utc::now(),
    )
    .await?
    .ok_or(WebError::NotFound)?;
    let q = YearQuery {
        year: Some(e.from.year()),
        ..Default::default()
    };
    let msg = format!("Đã xóa \"{}\" ({}).", e.name, dmy(e.from));
    calendar_view(
        &state,
        &auth,
        &q,
        ("holiday", "", "", ""),
        Some((true, msg)),
        StatusCode::OK,
    )
    .await
}

pub async fn api_calendar(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<YearQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<calendar::EntryView>>)> {
    api_admin(&auth, None)?;
    let all = calendar::year(&state.store, year_of(&q)).await?;
    let paging = Paging::new(
        &PageQuery {
            page: q.page,
            per_page: q.per_page,
        },
        all.len(),
    );
    Ok((
        paging.headers("/api/v1/admin/calendar"),
        Json(paging.slice(all)),
    ))
}

#[derive(Deserialize)]
pub struct EntryIn {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    name: String,
}

pub async fn api_calendar_add(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(b): Json<EntryIn>,
) -> ApiResult<(StatusCode, Json<calendar::EntryView>)> {
    api_admin(&auth, Some(&headers))?;
    let entry = new_entry(&b.kind, &b.from, &b.to, &b.name).map_err(WebError::BadRequest)?;
    let m = calendar::add(
        &state.store,
        &state.registry,
        &auth.principal,
        &entry,
        Utc::now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(calendar::EntryView {
            id: m.id,
            entry: trinhky_store::calendar::entry_of(&m)?,
        }),
    ))
}

pub async fn api_calendar_remove(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    api_admin(&auth, Some(&headers))?;
    calendar::remove(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        Utc::now(),
    )
    .await?
    .ok_or(WebError::NotFound)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_repeated_fields_and_escapes() {
        let f =
            FormData::parse(b"members=SNV&members=SKH%C4%90T&name=C%C3%A1c+S%E1%BB%9F&bad=%ZZ&x");
        assert_eq!(f.all("members"), ["SNV", "SKHĐT"]);
        assert_eq!(f.get("name"), "Các Sở");
        assert_eq!(f.get("bad"), "%ZZ");
        assert_eq!(f.get("missing"), "");
        assert!(!f.checked("x"));
    }
}
