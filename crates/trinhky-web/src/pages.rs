//! Server-rendered pages (Vietnamese UI).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{Duration, Utc};
use minijinja::context;
use serde::Deserialize;
use trinhky_app::auth::{login, logout as end_session, new_token};
use trinhky_app::queries::{self, AgencyRef};
use trinhky_app::user_add::{NewUser, user_add};
use trinhky_domain::Role;

use crate::auth::{Auth, User, Via};
use crate::error::WebError;
use crate::security::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, read_cookie, secure, tokens_match,
};
use crate::state::AppState;

type PageResult = Result<Response, WebError>;

pub(crate) fn html(state: &AppState, name: &str, ctx: minijinja::Value) -> PageResult {
    let body = state
        .templates
        .render(name, ctx)
        .map_err(WebError::Internal)?;
    Ok(Html(body).into_response())
}

/// The navigation and identity shown on every logged-in page.
pub(crate) fn nav(auth: &Auth) -> minijinja::Value {
    let p = &auth.principal;
    let roles = p.roles();
    let agencies: Vec<minijinja::Value> = p
        .agencies()
        .into_iter()
        .map(|(code, name)| context! { code, name })
        .collect();
    let role_labels: Vec<&str> = roles.iter().map(|r| r.label_vi()).collect();
    let mut links = vec![context! { href => "/", label => "Việc của tôi" }];
    if p.memberships.iter().any(|m| m.role == Role::Drafter) {
        links.push(context! { href => "/my-documents", label => "Văn bản của tôi" });
    }
    if let Some(po) = p.province_office.as_deref() {
        if p.has_role(po, Role::Clerk)
            || p.has_role(po, Role::Drafter)
            || p.has_role(po, Role::Admin)
        {
            links.push(context! { href => "/directives", label => "Văn bản chỉ đạo" });
        }
    }
    if !p.memberships.iter().all(|m| m.role != Role::AgencyHead) {
        links.push(context! { href => "/delegations", label => "Giao quyền ký thay" });
    }
    if !trinhky_app::incoming::register_agencies(p).is_empty() {
        links.push(context! { href => "/incoming", label => "Văn bản đến" });
        links.push(context! { href => "/registers/outgoing", label => "Sổ văn bản" });
        links.push(context! { href => "/archive", label => "Lưu trữ" });
    }
    links.push(context! { href => "/directory", label => "Danh bạ cơ quan" });
    if p.is_system_admin() {
        links.push(context! { href => "/admin", label => "Quản trị" });
    }
    for (code, _) in p.agencies() {
        if p.has_role(code, Role::Admin) || p.has_role(code, Role::AgencyHead) {
            links.push(
                context! { href => format!("/agencies/{code}"), label => format!("Cán bộ {code}") },
            );
        }
    }
    context! {
        user => context! { username => p.user.username.clone(), full_name => p.user.full_name.clone() },
        agencies,
        roles => role_labels,
        links,
        csrf_token => auth.csrf_token(),
        receiving_clerk => p.is_receiving_clerk(),
    }
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let ready = async {
        state.store.ping().await?;
        state.store.is_migrated().await
    }
    .await;
    match ready {
        Ok(true) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ready", "database": "ok"})),
        )
            .into_response(),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(
                serde_json::json!({"status": "not_ready", "database": "migrations pending"}),
            ),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "not_ready", "database": "unreachable"})),
            )
                .into_response()
        }
    }
}

pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, ctype): (&'static [u8], &str) = match file.as_str() {
        "app.css" => (
            include_bytes!("../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "logo.svg" => (include_bytes!("../static/logo.svg"), "image/svg+xml"),
        "preview.js" => (
            include_bytes!("../static/preview.js"),
            "text/javascript; charset=utf-8",
        ),
        "recipients.js" => (
            include_bytes!("../static/recipients.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return WebError::NotFound.into_response(),
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(ctype)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// The client's address: the TCP peer, or — when the peer is a trusted reverse proxy
/// (`TRINHKY_TRUSTED_PROXIES`) — the address its `X-Forwarded-For` names
/// ([`trinhky_app::client_addr`]).
pub(crate) fn client_ip(
    state: &AppState,
    conn: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
) -> String {
    let Some(peer) = conn.map(|c| c.0.ip()) else {
        return "unknown".into();
    };
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    state
        .settings
        .trusted_proxies
        .client(peer, forwarded)
        .to_string()
}

fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
    username: &str,
) -> PageResult {
    // Reuse the token already bound to this browser: a second tab, or an image request bounced
    // to /login, must not invalidate the form the user is filling in.
    let existing = read_cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    let csrf = match existing {
        Some(t) => t,
        None => new_token().map_err(|e| WebError::Internal(e.to_string()))?,
    };
    let body = state
        .templates
        .render(
            "login.html",
            context! { csrf_token => csrf.clone(), error, username, page_title => "Đăng nhập" },
        )
        .map_err(WebError::Internal)?;
    let sec = secure(
        state.settings.secure_cookies,
        state.settings.base_url.as_deref(),
        headers,
    );
    let mut res = (status, Html(body)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, sec),
    );
    Ok(res)
}

pub async fn login_form(
    State(state): State<AppState>,
    auth: Option<Extension<Auth>>,
    headers: HeaderMap,
) -> PageResult {
    if auth.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    login_page(&state, &headers, StatusCode::OK, None, "")
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    csrf_token: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    conn: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult {
    // Login CSRF: the hidden field must match the cookie set with the form.
    let cookie_token = read_cookie(&headers, LOGIN_CSRF_COOKIE);
    match (cookie_token.as_deref(), form.csrf_token.as_deref()) {
        (Some(c), Some(f)) if tokens_match(c, f) => {}
        _ => return Err(WebError::Csrf),
    }
    let ttl = Duration::minutes(state.settings.session_ttl_minutes);
    let ip = client_ip(&state, conn.as_ref().map(|c| &c.0), &headers);
    match login(
        &state.store,
        state.app.logins(),
        &form.username,
        &form.password,
        &ip,
        ttl,
        Utc::now(),
    )
    .await
    {
        Ok(session) => {
            let sec = secure(
                state.settings.secure_cookies,
                state.settings.base_url.as_deref(),
                &headers,
            );
            let mut res = Redirect::to("/").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(SESSION_COOKIE, &session.token, ttl.num_seconds(), sec),
            );
            res.headers_mut()
                .append(header::SET_COOKIE, cookie(LOGIN_CSRF_COOKIE, "", 0, sec));
            Ok(res)
        }
        Err(e) => {
            let retry_after = match &e {
                trinhky_app::auth::LoginError::Throttled {
                    retry_after_seconds,
                } => Some(*retry_after_seconds),
                _ => None,
            };
            let web: WebError = e.into();
            match web {
                WebError::BadRequest(msg) => login_page(
                    &state,
                    &headers,
                    StatusCode::UNAUTHORIZED,
                    Some(msg),
                    &form.username,
                ),
                WebError::TooManyRequests(msg) => {
                    let mut res = login_page(
                        &state,
                        &headers,
                        StatusCode::TOO_MANY_REQUESTS,
                        Some(msg),
                        &form.username,
                    )?;
                    if let Some(secs) = retry_after {
                        res.headers_mut()
                            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                    }
                    Ok(res)
                }
                other => Err(other),
            }
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: Option<String>,
}

pub async fn logout(
    State(state): State<AppState>,
    User(auth): User,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    auth.check_csrf(form.csrf_token.as_deref())?;
    if let Via::Session { token_hash, .. } = &auth.via {
        end_session(&state.store, token_hash, &auth.principal.user.username).await?;
    }
    let sec = secure(
        state.settings.secure_cookies,
        state.settings.base_url.as_deref(),
        &headers,
    );
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, cookie(SESSION_COOKIE, "", 0, sec));
    if let Some(c) = crate::security::clear_unprefixed(SESSION_COOKIE, sec) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

pub async fn directory(
    State(state): State<AppState>,
    User(auth): User,
    axum::extract::Query(pq): axum::extract::Query<crate::paging::PageQuery>,
) -> PageResult {
    let agencies = queries::agencies(&state.store).await?;
    let groups = queries::groups(&state.store).await?;
    let paging = crate::paging::Paging::new(&pq, agencies.len());
    let rows: Vec<minijinja::Value> = paging
        .slice(agencies)
        .iter()
        .map(|a| context! { code => a.code.clone(), name => a.name.clone(), email => a.email.clone(), uses_trinhky => a.uses_trinhky })
        .collect();
    let groups: Vec<minijinja::Value> = groups
        .iter()
        .map(|g| context! { code => g.code.clone(), name => g.name.clone(), members => g.members.join(", ") })
        .collect();
    html(
        &state,
        "directory.html",
        context! { nav => nav(&auth), agencies => rows, groups, pager => paging.pager("/directory"), total => paging.total, page_title => "Danh bạ cơ quan" },
    )
}

/// An agency's staff and roles: only its members and whoever may administer it (its admin, a
/// system administrator) may see it. Unknown codes answer the same 403 as foreign ones, so the
/// page does not reveal what exists.
async fn own_agency(state: &AppState, auth: &Auth, code: &str) -> Result<AgencyRef, WebError> {
    if !auth.principal.may_view_staff(code) {
        return Err(WebError::Forbidden(String::new()));
    }
    queries::agency(&state.store, code)
        .await?
        .ok_or(WebError::Forbidden(String::new()))
}

pub async fn agency(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
    axum::extract::Query(pq): axum::extract::Query<crate::paging::PageQuery>,
) -> PageResult {
    let agency = own_agency(&state, &auth, &code).await?;
    agency_page(&state, &auth, &agency, &pq, None, StatusCode::OK).await
}

async fn agency_page(
    state: &AppState,
    auth: &Auth,
    agency: &AgencyRef,
    pq: &crate::paging::PageQuery,
    message: Option<(bool, String)>,
    status: StatusCode,
) -> PageResult {
    let members = queries::agency_members(&state.store, &agency.code).await?;
    let paging = crate::paging::Paging::new(pq, members.len());
    let members: Vec<minijinja::Value> = paging
        .slice(members)
        .iter()
        .map(|m| context! { username => m.username.clone(), full_name => m.full_name.clone(), email => m.email.clone(), role => m.role.label_vi(), title => m.title.clone(), active => m.active })
        .collect();
    let roles: Vec<minijinja::Value> = Role::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), label => r.label_vi() })
        .collect();
    let can_manage = auth.principal.may_administer(&agency.code);
    let (ok, msg) = message.map_or((false, None), |(ok, m)| (ok, Some(m)));
    let body = state
        .templates
        .render(
            "agency.html",
            context! {
                nav => nav(auth), agency => context! { code => agency.code.clone(), name => agency.name.clone(), email => agency.email.clone(), head_title => agency.head_title.clone() },
                members, roles, can_manage, message => msg, total_members => paging.total,
                pager => paging.pager(&format!("/agencies/{}", agency.code)), message_ok => ok, page_title => agency.name.clone(),
            },
        )
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

#[derive(Deserialize)]
pub struct AddUserForm {
    csrf_token: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    title: String,
}

pub async fn agency_add_user(
    State(state): State<AppState>,
    User(auth): User,
    Path(code): Path<String>,
    Form(form): Form<AddUserForm>,
) -> PageResult {
    auth.check_csrf(form.csrf_token.as_deref())?;
    let agency = own_agency(&state, &auth, &code).await?;
    if !auth.principal.may_administer(&code) {
        return Err(WebError::Forbidden(
            "Chỉ quản trị hệ thống của cơ quan mới được thêm cán bộ.".into(),
        ));
    }
    let Ok(role) = form.role.parse::<Role>() else {
        return agency_page(
            &state,
            &auth,
            &agency,
            &Default::default(),
            Some((false, "Vai trò không hợp lệ.".into())),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let title = if form.title.trim().is_empty() {
        role.label_vi().to_owned()
    } else {
        form.title.clone()
    };
    let new = NewUser {
        username: form.username.clone(),
        full_name: form.full_name.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
        roles: vec![(agency.code.clone(), role, title)],
    };
    match user_add(&state.store, state.app.cpu(), &auth.principal.actor(), new).await {
        Ok(u) => {
            let msg = format!("Đã thêm tài khoản {}.", u.username);
            agency_page(
                &state,
                &auth,
                &agency,
                &Default::default(),
                Some((true, msg)),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let web: WebError = e.into();
            match web {
                WebError::BadRequest(m) | WebError::Conflict(m) => {
                    agency_page(
                        &state,
                        &auth,
                        &agency,
                        &Default::default(),
                        Some((false, m)),
                        StatusCode::BAD_REQUEST,
                    )
                    .await
                }
                other => Err(other),
            }
        }
    }
}
