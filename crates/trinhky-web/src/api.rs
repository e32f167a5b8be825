//! JSON API under `/api/v1`. Authenticated by bearer token (integrations) or by the browser
//! session (then mutating calls need the `X-CSRF-Token` header).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trinhky_app::queries::{self, AgencyRef, AssignmentRow};
use trinhky_app::user_add::{NewUser, user_add};
use trinhky_domain::Role;
use utoipa::ToSchema;

use crate::auth::{ApiError, ApiUser};
use crate::error::WebError;
use crate::paging::{PageQuery, Paging};
use crate::state::AppState;

/// A role's JSON form (`drafter`, `agency_head` …) for the OpenAPI description.
fn role_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(Role::ALL.iter().map(|r| r.as_str())))
        .build()
}

fn deadline_kind_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([
            "before",
            "no_later_than",
            "within",
            "relative",
            "conditional",
        ]))
        .build()
}

#[derive(Serialize, ToSchema)]
pub struct MeRole {
    agency: String,
    #[schema(schema_with = role_schema)]
    role: Role,
    title: String,
}

#[derive(Serialize, ToSchema)]
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

#[derive(Serialize, ToSchema)]
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
    let rows = queries::agencies(&state.store).await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| AgencyOut {
                code: a.code,
                name: a.name,
                short_name: a.short_name,
                kind: a.kind.as_str().to_owned(),
                email: a.email,
                uses_trinhky: a.uses_trinhky,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    username: String,
    full_name: String,
    email: String,
    #[schema(schema_with = role_schema)]
    role: Role,
    title: String,
}

async fn own_agency(
    state: &AppState,
    auth: &crate::auth::Auth,
    code: &str,
) -> Result<AgencyRef, ApiError> {
    if !auth.principal.may_view_staff(code) {
        return Err(ApiError(WebError::Forbidden(String::new())));
    }
    queries::agency(&state.store, code)
        .await?
        .ok_or(ApiError(WebError::Forbidden(String::new())))
}

/// Members of an agency: for its members and whoever may administer it (403 otherwise, also for
/// unknown codes).
pub async fn members(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(code): Path<String>,
    Query(pq): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<MemberOut>>), ApiError> {
    let agency = own_agency(&state, &auth, &code).await?;
    let rows = queries::agency_members(&state.store, &agency.code).await?;
    let paging = Paging::new(&pq, rows.len());
    let headers = paging.headers(&format!(
        "/api/v1/agencies/{}/members",
        crate::url::encode(&agency.code)
    ));
    Ok((
        headers,
        Json(
            paging
                .slice(rows)
                .into_iter()
                .map(|m| MemberOut {
                    username: m.username,
                    full_name: m.full_name,
                    email: m.email,
                    role: m.role,
                    title: m.title,
                })
                .collect(),
        ),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewMember {
    username: String,
    full_name: String,
    email: String,
    password: String,
    #[schema(schema_with = role_schema)]
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
        state.app.cpu(),
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

// ---- lists and actions the pages have (API parity) ----

fn csrf(auth: &crate::auth::Auth, headers: &HeaderMap) -> Result<(), ApiError> {
    Ok(auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?)
}

#[derive(Serialize, ToSchema)]
pub struct GroupOut {
    code: String,
    name: String,
    /// Member agency codes.
    members: Vec<String>,
}

/// Recipient groups (nhóm nơi nhận), as the directory page shows them.
pub async fn groups(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Json<Vec<GroupOut>>, ApiError> {
    let rows = queries::groups(&state.store).await?;
    Ok(Json(
        rows.into_iter()
            .map(|g| GroupOut {
                code: g.code,
                name: g.name,
                members: g.members,
            })
            .collect(),
    ))
}

/// Open assignments (nhiệm vụ) led by the caller's agencies, soonest deadline first: the upper
/// list of "Việc của tôi". One page, with `X-Total-Count` and `Link`.
pub async fn assignments(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(pq): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<AssignmentRow>>), ApiError> {
    let all = queries::open_assignments(&state.store, &auth.principal).await?;
    let paging = Paging::new(&pq, all.len());
    Ok((
        paging.headers("/api/v1/assignments"),
        Json(paging.slice(all)),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct DirectiveOut {
    id: i32,
    /// `review` (waiting for the clerk) or `confirmed` (assignments created).
    status: String,
    doc_type: Option<String>,
    number: Option<String>,
    issuer: Option<String>,
    title: String,
    directive_date: Option<NaiveDate>,
    source_name: String,
    created_by: String,
    created_at: chrono::DateTime<chrono::Utc>,
    confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn directive_out(d: trinhky_app::queries::DirectiveSummary) -> DirectiveOut {
    DirectiveOut {
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

/// Directives received by the province office, newest first (its clerks and drafters only).
pub async fn directives(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(pq): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<DirectiveOut>>), ApiError> {
    crate::intake::require_intake(&auth)?;
    let (paging, rows) = crate::intake::directive_rows(&state, &pq).await?;
    Ok((
        paging.headers("/api/v1/directives"),
        Json(rows.into_iter().map(directive_out).collect()),
    ))
}

#[derive(Serialize)]
pub struct ProposalOut {
    #[serde(flatten)]
    directive: DirectiveOut,
    /// The parser's extraction (document, tasks, standing directives, recipients, warnings).
    parsed: trinhky_domain::directive::Directive,
    /// The proposed decision per task, as the review page pre-fills it.
    proposed: Vec<trinhky_app::directive_intake::TaskDecision>,
    /// Names in Nơi nhận that match no agency or group.
    unresolved_recipients: Vec<String>,
    /// The assignments created at confirmation.
    assignments: Vec<AssignmentRow>,
}

async fn proposal_out(state: &AppState, id: i32) -> Result<ProposalOut, ApiError> {
    let p = trinhky_app::directive_intake::proposal(&state.store, id)
        .await
        .map_err(|e| match e {
            trinhky_app::AppError::Invalid(_) => WebError::NotFound,
            other => other.into(),
        })?;
    let proposed = trinhky_app::directive_intake::proposed_decisions(&p.parsed, &p.resolved);
    let assignments = queries::assignments_of(&state.store, id).await?;
    Ok(ProposalOut {
        directive: directive_out(p.directive.into()),
        parsed: p.parsed,
        proposed,
        unresolved_recipients: p.resolved.unresolved.clone(),
        assignments,
    })
}

pub async fn directive(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Json<ProposalOut>, ApiError> {
    crate::intake::require_intake(&auth)?;
    Ok(Json(proposal_out(&state, id).await?))
}

/// Uploads a directive (multipart/form-data, field `file`: .txt, .md, .docx or .pdf) for review.
pub async fn upload_directive(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    headers: HeaderMap,
    mut multipart: axum::extract::Multipart,
) -> Result<(StatusCode, Json<ProposalOut>), ApiError> {
    csrf(&auth, &headers)?;
    crate::intake::require_intake(&auth)?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        let msg = format!("Không đọc được tệp tải lên: {}", e.body_text());
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::PayloadTooLarge(msg)
        } else {
            WebError::BadRequest(msg)
        }
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("van-ban.txt").to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let (name, bytes) = file.filter(|(n, _)| !n.is_empty()).ok_or_else(|| {
        WebError::BadRequest("Thiếu tệp văn bản (trường \"file\" của multipart/form-data).".into())
    })?;
    let d = trinhky_app::directive_intake::upload(
        &state.store,
        state.app.cpu(),
        &auth.principal.actor(),
        &name,
        &bytes,
        trinhky_app::today_vn(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(proposal_out(&state, d.id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct TaskIn {
    task_index: usize,
    #[serde(default = "yes")]
    include: bool,
    /// Lead agencies or recipient groups: names ("Sở Nội vụ tỉnh Đắk Nông"), short names,
    /// aliases or codes; an unknown or ambiguous name is refused (400) with a message naming it.
    leads: Vec<String>,
    /// Co-agencies, named as `leads`; stored as agency codes.
    #[serde(default)]
    co_agencies: Vec<String>,
    #[serde(default)]
    deliverable: String,
    #[serde(default)]
    report_to: String,
    /// before, no_later_than, within, relative, conditional.
    #[schema(schema_with = deadline_kind_schema)]
    deadline_kind: String,
    /// "dd/mm/yyyy" or "yyyy-mm-dd".
    #[serde(default)]
    last_day: Option<String>,
    #[serde(default)]
    condition: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default, ToSchema)]
pub struct ConfirmIn {
    /// The clerk's decisions; omitted, the proposal is confirmed as parsed.
    tasks: Option<Vec<TaskIn>>,
}

/// Confirms a directive: creates its assignments (once; a second confirmation is 409).
pub async fn confirm_directive(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    body: Option<Json<ConfirmIn>>,
) -> Result<Json<ProposalOut>, ApiError> {
    csrf(&auth, &headers)?;
    crate::intake::require_intake(&auth)?;
    let decisions = match body.and_then(|b| b.0.tasks) {
        Some(tasks) => {
            let mut out = Vec::with_capacity(tasks.len());
            for t in tasks {
                let kind = trinhky_app::directive_intake::parse_kind(&t.deadline_kind)
                    .ok_or_else(|| {
                        WebError::BadRequest(format!(
                            "Nhiệm vụ {}: loại hạn \"{}\" không hợp lệ (before, no_later_than, within, relative, conditional).",
                            t.task_index, t.deadline_kind
                        ))
                    })?;
                let last_day = crate::dates::parse(t.last_day.as_deref().unwrap_or_default())
                    .map_err(|e| WebError::BadRequest(format!("Nhiệm vụ {}: {e}", t.task_index)))?;
                out.push(trinhky_app::directive_intake::TaskDecision {
                    task_index: t.task_index,
                    include: t.include,
                    leads: t.leads,
                    co_agencies: t.co_agencies,
                    deliverable: t.deliverable,
                    report_to: t.report_to,
                    deadline_kind: kind,
                    last_day,
                    condition: t.condition.filter(|c| !c.trim().is_empty()),
                });
            }
            out
        }
        None => {
            let p = trinhky_app::directive_intake::proposal(&state.store, id)
                .await
                .map_err(|_| WebError::NotFound)?;
            trinhky_app::directive_intake::proposed_decisions(&p.parsed, &p.resolved)
        }
    };
    trinhky_app::directive_intake::confirm(&state.store, &auth.principal.actor(), id, &decisions)
        .await?;
    Ok(Json(proposal_out(&state, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ReassignIn {
    expected_version: i64,
    /// Username of the new drafter (a drafter of the document's agency).
    drafter: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReassignOut {
    id: i32,
    drafter: String,
}

/// The agency head or unit head gives a document to another drafter.
pub async fn reassign(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Json(b): Json<ReassignIn>,
) -> Result<Json<ReassignOut>, ApiError> {
    csrf(&auth, &headers)?;
    trinhky_app::documents::reassign(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        &b.drafter,
        b.expected_version,
    )
    .await?;
    Ok(Json(ReassignOut {
        id,
        drafter: b.drafter,
    }))
}

fn pdf_response(data: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        data,
    )
        .into_response()
}

/// The newest rendered or signed PDF of a document.
pub async fn document_pdf(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Response, ApiError> {
    let l = crate::documents::load_card(&state, &auth, id).await?;
    let file = crate::documents::newest_file(&state, &l).await?;
    Ok(pdf_response(
        file.data,
        &format!("van-ban-{}-{}.pdf", l.document.id, file.kind),
    ))
}

/// A page of the document as PNG (`1.png` …); drafts carry the DỰ THẢO watermark.
pub async fn document_preview(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, page)): Path<(i32, String)>,
) -> Result<Response, ApiError> {
    let n: usize = page
        .trim_end_matches(".png")
        .parse()
        .map_err(|_| WebError::NotFound)?;
    let l = trinhky_app::documents::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        trinhky_app::access::Want::Working,
    )
    .await?;
    let png = trinhky_app::rendering::preview_page(&state.store, &state.registry, &l, n)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        axum::body::Bytes::from_owner(png),
    )
        .into_response())
}

/// The delivered file of an incoming document.
pub async fn incoming_pdf(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Response, ApiError> {
    let (d, data) = trinhky_app::incoming::file(&state.store, &auth.principal, id).await?;
    Ok(pdf_response(
        data,
        &format!(
            "van-ban-den-{}.pdf",
            d.view.number.replace(['/', '"', '\\'], "-")
        ),
    ))
}

/// Unknown addresses under `/api/v1`: a 404 problem that points at the description.
pub async fn not_found() -> Response {
    crate::error::api_response(WebError::coded(
        trinhky_app::Code::NotFound,
        "Không có thao tác API nào ở địa chỉ này; xem danh sách thao tác tại /api/v1/openapi.json.",
    ))
}
