//! The clerk's issuing helpers on the document page and in the API: the number preview with the
//! resolved Nơi nhận before issuing, the e-mail status per recipient after it, and resend.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Form, Json};
use chrono::Utc;
use serde::Deserialize;
use trinhky_app::delivery::{self as uc, Delivery, IssuePreview};

use crate::auth::{ApiError, ApiUser, User};
use crate::error::WebError;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ResendForm {
    csrf_token: Option<String>,
}

/// `POST /documents/{id}/deliveries/{message}/resend` (the "Gửi lại" button).
pub async fn resend(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, message)): Path<(i32, i32)>,
    headers: axum::http::HeaderMap,
    Form(f): Form<ResendForm>,
) -> Result<Response, WebError> {
    auth.check_csrf(f.csrf_token.as_deref())?;
    let l = trinhky_app::documents::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        trinhky_app::access::Want::Change,
    )
    .await?;
    let r = uc::resend(&state.store, &auth.principal, &l, message, Utc::now()).await;
    let done = "Đã đưa thư vào hàng đợi gửi lại.".to_owned();
    crate::documents::after(&state, &headers, &auth, id, r, done, Default::default()).await
}

/// `GET /api/v1/documents/{id}/deliveries`: the e-mails of an issued document.
pub async fn api_list(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    let l = trinhky_app::documents::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        trinhky_app::access::Want::Working,
    )
    .await?;
    Ok(Json(
        uc::deliveries(&state.store, &auth.principal, &l).await?,
    ))
}

/// `POST /api/v1/documents/{id}/deliveries/{message}/resend`.
pub async fn api_resend(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, message)): Path<(i32, i32)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let l = trinhky_app::documents::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        trinhky_app::access::Want::Change,
    )
    .await?;
    uc::resend(&state.store, &auth.principal, &l, message, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/documents/{id}/issue-preview`: the number and recipients issuing would use now;
/// 404 when the caller cannot issue the document at its current step.
pub async fn api_preview(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Json<IssuePreview>, ApiError> {
    let l = trinhky_app::documents::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        trinhky_app::access::Want::Working,
    )
    .await?;
    uc::issue_preview(
        &state.store,
        &state.registry,
        &auth.principal,
        &l,
        Utc::now(),
    )
    .await?
    .map(Json)
    .ok_or(ApiError(WebError::NotFound))
}
