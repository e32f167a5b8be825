//! Giao quyền ký thay: the agency head's page (grant, list with paging, revoke) and the
//! matching JSON API. The rules live in `trinhky_app::delegations` and
//! `trinhky_app::documents::delegate`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::{NaiveDate, Utc};
use minijinja::context;
use serde::Deserialize;
use trinhky_app::AppError;
use trinhky_app::delegations::{self as uc, DelegationView};
use trinhky_domain::workflow::Authority;

use crate::auth::{ApiError, ApiUser, Auth, User};
use crate::error::WebError;
use crate::pages::nav;
use crate::paging::{PageQuery, Paging};
use crate::state::AppState;

type PageResult = Result<Response, WebError>;

async fn page(
    state: &AppState,
    auth: &Auth,
    pq: &PageQuery,
    message: Option<(bool, String)>,
    status: StatusCode,
) -> PageResult {
    let deputies = uc::deputies(&state.store, &auth.principal).await?;
    let (paging, items) = Paging::fetch(pq, |p| uc::list(&state.store, &auth.principal, p)).await?;
    let (ok, msg) = message.map_or((false, None), |(o, m)| (o, Some(m)));
    let body = state
        .templates
        .render(
            "delegations.html",
            context! {
                nav => nav(auth), deputies, items, pager => paging.pager("/delegations"), total => paging.total,
                message => msg, message_ok => ok, page_title => "Giao quyền ký thay",
                today => crate::dates::show(trinhky_app::today_vn()),
            },
        )
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    User(auth): User,
    Query(pq): Query<PageQuery>,
) -> PageResult {
    page(&state, &auth, &pq, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct DelegateForm {
    csrf_token: Option<String>,
    #[serde(default)]
    deputy: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
}

/// Reads the period of a delegation: a start date is required, the end is optional.
fn period(from: &str, to: &str) -> Result<(NaiveDate, Option<NaiveDate>), String> {
    let from = crate::dates::parse(from)?
        .ok_or_else(|| "Nhập ngày bắt đầu giao quyền (dd/mm/yyyy).".to_owned())?;
    Ok((from, crate::dates::parse(to)?))
}

pub async fn create(
    State(state): State<AppState>,
    User(auth): User,
    Form(f): Form<DelegateForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    let pq = PageQuery::default();
    let bad = |m: String| (false, m);
    let Some((agency, deputy)) = f.deputy.split_once('/') else {
        return page(
            &state,
            &auth,
            &pq,
            Some(bad("Chọn cấp phó.".into())),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let (from, to) = match period(&f.valid_from, &f.valid_to) {
        Ok(p) => p,
        Err(m) => return page(&state, &auth, &pq, Some(bad(m)), StatusCode::BAD_REQUEST).await,
    };
    let r = trinhky_app::documents::delegate(
        &state.store,
        &auth.principal,
        agency,
        deputy,
        Authority::Kt,
        from,
        to,
        None,
    )
    .await;
    match r {
        Ok(()) => {
            page(
                &state,
                &auth,
                &pq,
                Some((true, "Đã giao quyền ký thay.".into())),
                StatusCode::OK,
            )
            .await
        }
        Err(AppError::Invalid(m)) => {
            page(&state, &auth, &pq, Some(bad(m)), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: Option<String>,
}

pub async fn revoke(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    match uc::revoke(&state.store, &auth.principal, id, Utc::now()).await {
        Ok(_) => Ok(Redirect::to("/delegations").into_response()),
        Err(AppError::Conflict(m)) => {
            page(
                &state,
                &auth,
                &PageQuery::default(),
                Some((false, m)),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- JSON API ----

/// `GET /api/v1/delegations`: one page, with `X-Total-Count` and `Link`.
pub async fn api_list(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(pq): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<DelegationView>>), ApiError> {
    let (paging, items) =
        Paging::fetch(&pq, |p| uc::list(&state.store, &auth.principal, p)).await?;
    Ok((paging.headers("/api/v1/delegations"), Json(items)))
}

#[derive(Deserialize)]
pub struct DelegateIn {
    /// Agency code, e.g. "SNV".
    agency: String,
    /// The deputy's username.
    deputy: String,
    /// "dd/mm/yyyy" or "yyyy-mm-dd".
    valid_from: String,
    #[serde(default)]
    valid_to: Option<String>,
}

pub async fn api_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(b): Json<DelegateIn>,
) -> Result<(StatusCode, Json<DelegationView>), ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let (from, to) = period(&b.valid_from, b.valid_to.as_deref().unwrap_or_default())
        .map_err(WebError::BadRequest)?;
    trinhky_app::documents::delegate(
        &state.store,
        &auth.principal,
        &b.agency,
        &b.deputy,
        Authority::Kt,
        from,
        to,
        None,
    )
    .await?;
    // The newest delegation of the caller's agencies is the one just granted.
    let (items, _) = uc::list(
        &state.store,
        &auth.principal,
        trinhky_app::PageRequest::new(1, 1),
    )
    .await?;
    let d = items
        .into_iter()
        .next()
        .ok_or_else(|| WebError::Internal("granted delegation not found".into()))?;
    Ok((StatusCode::CREATED, Json(d)))
}

pub async fn api_revoke(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
) -> Result<Json<DelegationView>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    Ok(Json(
        uc::revoke(&state.store, &auth.principal, id, Utc::now()).await?,
    ))
}
