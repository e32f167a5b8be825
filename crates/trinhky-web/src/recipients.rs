//! The drafter's live Nơi nhận check: each line of the unsaved Nơi nhận resolved as issuing will
//! resolve it (agency, e-mail, internal, archive note, unresolved), shown under the field while
//! typing (`static/recipients.js`), and the same under `/api/v1`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use trinhky_app::recipients::Line;

use crate::auth::{ApiError, ApiUser, Auth};
use crate::error::WebError;
use crate::state::AppState;

pub fn routes() -> crate::Routes {
    crate::Routes::new().route(
        "/documents/{id}/recipients/check",
        axum::routing::post(check),
    )
}

pub fn api_routes() -> crate::Routes {
    crate::Routes::new().route(
        "/documents/{id}/recipients/check",
        axum::routing::post(api_check),
    )
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    csrf_token: Option<String>,
    /// The Nơi nhận text, one recipient per line.
    #[serde(default)]
    recipients: String,
    /// The Kính gửi text ("Như trên" expands to it).
    #[serde(default)]
    addressees: String,
}

/// Each line of the Nơi nhận and what it resolved to.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = RecipientCheck)]
pub struct CheckOut {
    pub lines: Vec<Line>,
    /// How many lines name nobody the system can deliver to (submitting is refused while any).
    pub unresolved: usize,
}

async fn run(state: &AppState, auth: &Auth, id: i32, f: CheckForm) -> Result<CheckOut, ApiError> {
    let lines = trinhky_app::recipients::check(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        &f.recipients,
        &f.addressees,
    )
    .await?;
    let unresolved = lines
        .iter()
        .filter(|l| l.status == trinhky_app::recipients::LineStatus::Unresolved)
        .count();
    Ok(CheckOut { lines, unresolved })
}

/// `POST /documents/{id}/recipients/check` (form-encoded, from the editor's script).
pub async fn check(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Form(f): Form<CheckForm>,
) -> Result<Json<CheckOut>, ApiError> {
    // Called by script: answer JSON, never a redirect to the login form.
    let Some(axum::Extension(auth)) = auth else {
        return Err(ApiError(WebError::Unauthenticated { api: true }));
    };
    let submitted = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .or(f.csrf_token.as_deref());
    auth.check_csrf(submitted)?;
    Ok(Json(run(&state, &auth, id, f).await?))
}

/// `POST /api/v1/documents/{id}/recipients/check` `{"recipients", "addressees"}`.
pub async fn api_check(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Json(f): Json<CheckForm>,
) -> Result<Json<CheckOut>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    Ok(Json(run(&state, &auth, id, f).await?))
}
