//! API tokens (khóa API) over the API: `GET /api/v1/tokens`, `POST /api/v1/tokens`,
//! `POST /api/v1/tokens/{id}/revoke`. Everyone manages their own tokens; an administrator also
//! those of the accounts they administer (`?user=` / `"user"`). Creating a token needs a browser
//! session (a bearer token cannot mint its own successors). The rules are
//! `trinhky_app::tokens`; the system administrator's page section is in `admin.rs`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use trinhky_app::tokens::{self, Revoked, TokenView};

use crate::auth::{ApiError, ApiUser, Via};
use crate::error::WebError;
use crate::paging::{PageQuery, Paging};
use crate::state::AppState;

/// `/api/v1/tokens…` (nested under `/api/v1`).
pub(crate) fn api_routes() -> crate::Routes {
    crate::Routes::new()
        .route("/tokens", get(api_list).post(api_create))
        .route("/tokens/{id}/revoke", post(api_revoke))
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// Whose tokens (default: the caller's).
    user: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
}

pub async fn api_list(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<(HeaderMap, Json<Vec<TokenView>>), ApiError> {
    let p = &auth.principal;
    let username = q.user.as_deref().unwrap_or(&p.user.username);
    let all = tokens::list_as(&state.store, p, username, Utc::now()).await?;
    let paging = Paging::new(
        &PageQuery {
            page: q.page,
            per_page: q.per_page,
        },
        all.len(),
    );
    Ok((paging.headers("/api/v1/tokens"), Json(paging.slice(all))))
}

#[derive(Deserialize)]
pub struct CreateIn {
    /// What the token is for.
    #[serde(default)]
    name: String,
    /// Lifetime in days (default 90, at most 365).
    expires_days: Option<i64>,
    /// For whom (default: the caller).
    user: Option<String>,
}

#[derive(Serialize)]
pub struct Created {
    /// The bearer token, shown once.
    token: String,
    #[serde(flatten)]
    view: TokenView,
}

pub async fn api_create(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    Json(b): Json<CreateIn>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    if matches!(auth.via, Via::Bearer) {
        return Err(WebError::Forbidden(
            "Tạo khóa API cần đăng nhập bằng mật khẩu: một khóa API không tạo được khóa mới."
                .into(),
        )
        .into());
    }
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let p = &auth.principal;
    let username = b.user.as_deref().unwrap_or(&p.user.username);
    let (token, view) = tokens::issue_as(
        &state.store,
        p,
        username,
        &b.name,
        b.expires_days.unwrap_or(tokens::DEFAULT_DAYS),
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { token, view })))
}

pub async fn api_revoke(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
) -> Result<Json<TokenView>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    match tokens::revoke_as(&state.store, &auth.principal, id, Utc::now()).await? {
        Revoked::Done(v) => Ok(Json(v)),
        Revoked::Already(_) => {
            Err(WebError::Conflict(format!("Khóa API số {id} đã bị thu hồi trước đó.")).into())
        }
        Revoked::NotFound => Err(WebError::NotFound.into()),
    }
}
