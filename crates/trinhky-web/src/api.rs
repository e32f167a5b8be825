//! JSON API under `/api/v1`. Authenticated by bearer token (integrations) or by the browser
//! session (then mutating calls need the `X-CSRF-Token` header).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use trinhky_app::user_add::{NewUser, user_add};
use trinhky_domain::Role;
use trinhky_store::{accounts, directory};

use crate::auth::{ApiError, ApiUser};
use crate::error::WebError;
use crate::state::AppState;

#[derive(Serialize)]
pub struct MeRole {
    agency: String,
    role: Role,
    title: String,
}

#[derive(Serialize)]
pub struct Me {
    username: String,
    full_name: String,
    email: String,
    roles: Vec<MeRole>,
}

pub async fn me(ApiUser(auth): ApiUser) -> Json<Me> {
    let p = auth.principal;
    Json(Me {
        username: p.user.username,
        full_name: p.user.full_name,
        email: p.user.email,
        roles: p
            .memberships
            .into_iter()
            .map(|m| MeRole {
                agency: m.agency_code,
                role: m.role,
                title: m.title,
            })
            .collect(),
    })
}

#[derive(Serialize)]
pub struct AgencyOut {
    code: String,
    name: String,
    short_name: String,
    kind: String,
    email: String,
    uses_trinhky: bool,
}

/// The directory is shared by every agency (it is what "Nơi nhận" resolves against).
pub async fn agencies(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Json<Vec<AgencyOut>>, ApiError> {
    let rows = directory::agencies(state.store.db()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| AgencyOut {
                code: a.code,
                name: a.name,
                short_name: a.short_name,
                kind: a.kind,
                email: a.email,
                uses_trinhky: a.uses_trinhky,
            })
            .collect(),
    ))
}

#[derive(Serialize)]
pub struct MemberOut {
    username: String,
    full_name: String,
    email: String,
    role: Role,
    title: String,
}

async fn own_agency(
    state: &AppState,
    auth: &crate::auth::Auth,
    code: &str,
) -> Result<trinhky_store::entities::agency::Model, ApiError> {
    if !auth.principal.may_view_staff(code) {
        return Err(ApiError(WebError::Forbidden(String::new())));
    }
    directory::agency_by_code(state.store.db(), code)
        .await?
        .ok_or(ApiError(WebError::Forbidden(String::new())))
}

/// Members of an agency: for its members and whoever may administer it (403 otherwise, also for
/// unknown codes).
pub async fn members(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
) -> Result<Json<Vec<MemberOut>>, ApiError> {
    let agency = own_agency(&state, &auth, &code).await?;
    let rows = accounts::agency_members(state.store.db(), agency.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(u, role, title)| MemberOut {
                username: u.username,
                full_name: u.full_name,
                email: u.email,
                role,
                title,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct NewMember {
    username: String,
    full_name: String,
    email: String,
    password: String,
    role: Role,
    #[serde(default)]
    title: Option<String>,
}

/// Adds a user to an agency (the agency's admin only).
pub async fn add_member(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
    headers: HeaderMap,
    Json(body): Json<NewMember>,
) -> Result<(StatusCode, Json<MemberOut>), ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let agency = own_agency(&state, &auth, &code).await?;
    if !auth.principal.may_administer(&code) {
        return Err(ApiError(WebError::Forbidden(
            "only the agency's admin may add users".into(),
        )));
    }
    let title = body
        .title
        .clone()
        .unwrap_or_else(|| body.role.label_vi().to_owned());
    let u = user_add(
        &state.store,
        &auth.principal.actor(),
        NewUser {
            username: body.username,
            full_name: body.full_name,
            email: body.email,
            password: body.password,
            roles: vec![(agency.code, body.role, title.clone())],
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(MemberOut {
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            role: body.role,
            title,
        }),
    ))
}
