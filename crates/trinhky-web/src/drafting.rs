//! The drafter's and reader's tools of the document page: attachments (tệp đính kèm, phụ lục),
//! the comparison of two versions (so sánh), the document's nhật ký (audit trail), and the live
//! preview of unsaved text; the same under `/api/v1`. Rules live in `trinhky-app`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use chrono::Utc;
use minijinja::context;
use serde::{Deserialize, Serialize};
use trinhky_app::DocumentContent as Content;
use trinhky_app::attachments::{self as att, AttachmentView, Download};
use trinhky_app::audit_trail::{self, Trail};
use trinhky_app::compare::{self, Comparison};

use crate::auth::{ApiError, ApiUser, Auth, User};
use crate::error::WebError;
use crate::pages::nav;
use crate::paging::{PageQuery, Paging};
use crate::state::AppState;

type PageResult = Result<Response, WebError>;

/// The pages of this module (merged into the router in `lib.rs`).
pub fn routes(state: &AppState) -> crate::Routes {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post};
    crate::Routes::new()
        .route(
            "/documents/{id}/attachments",
            post(upload).layer(DefaultBodyLimit::max(upload_limit(state))),
        )
        .route("/documents/{id}/attachments/{aid}", get(download))
        .route("/documents/{id}/attachments/{aid}/delete", post(delete))
        .route("/documents/{id}/diff", get(diff_page))
        .route("/documents/{id}/audit", get(audit_page))
        .route("/documents/{id}/preview", post(preview))
        .route("/incoming/{id}/attachments/{aid}", get(incoming_download))
}

/// The API operations of this module (nested under `/api/v1` in `lib.rs`).
pub fn api_routes(state: &AppState) -> crate::Routes {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post};
    crate::Routes::new()
        .route(
            "/documents/{id}/attachments",
            get(api_list)
                .post(api_upload)
                .layer(DefaultBodyLimit::max(upload_limit(state))),
        )
        .route(
            "/documents/{id}/attachments/{aid}",
            get(api_download).delete(api_delete),
        )
        .route("/documents/{id}/diff", get(api_diff))
        .route("/documents/{id}/audit", get(api_audit))
        .route("/documents/{id}/preview", post(api_preview))
        .route("/incoming/{id}/attachments", get(api_incoming_list))
        .route(
            "/incoming/{id}/attachments/{aid}",
            get(api_incoming_download),
        )
}

// ---- attachments ----

/// The uploaded form: its CSRF token and the file.
struct Upload {
    csrf_token: Option<String>,
    file_name: String,
    data: Vec<u8>,
}

async fn read_upload(state: &AppState, mut mp: Multipart) -> Result<Upload, WebError> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::PayloadTooLarge(format!(
                "Tệp lớn hơn giới hạn {} cho mỗi tệp đính kèm: nén hoặc tách tệp rồi tải lên lại.",
                att::size_label(
                    i64::try_from(state.settings.attachment_max_bytes).unwrap_or(i64::MAX)
                )
            ))
        } else {
            WebError::BadRequest(format!("Không đọc được biểu mẫu tải tệp lên: {e}"))
        }
    };
    let mut up = Upload {
        csrf_token: None,
        file_name: String::new(),
        data: Vec::new(),
    };
    while let Some(field) = mp.next_field().await.map_err(too_large)? {
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some("csrf_token") => up.csrf_token = Some(field.text().await.map_err(too_large)?),
            Some("file") => {
                up.file_name = field.file_name().unwrap_or_default().to_owned();
                up.data = field.bytes().await.map_err(too_large)?.to_vec();
            }
            _ => {}
        }
    }
    Ok(up)
}

/// The body limit of an upload route: the configured file size plus room for the form itself.
/// A file just over the limit still reaches the use case, which answers with its name and size.
pub fn upload_limit(state: &AppState) -> usize {
    state.settings.attachment_max_bytes + 1024 * 1024
}

/// `POST /documents/{id}/attachments` (multipart: `csrf_token`, `file`).
pub async fn upload(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    headers: HeaderMap,
    mp: Multipart,
) -> PageResult {
    let r = match read_upload(&state, mp).await {
        Ok(up) => {
            auth.check_csrf(up.csrf_token.as_deref())?;
            att::upload(
                &state.store,
                &state.registry,
                &auth.principal,
                id,
                &up.file_name,
                &up.data,
                state.settings.attachment_max_bytes,
                Utc::now(),
            )
            .await
            .map_err(WebError::from)
            .map(|_| ())
        }
        Err(e) => Err(e),
    };
    back_to_document(&state, &headers, &auth, id, r).await
}

/// After a form on the document page: back to it (303) with a confirmation, or with the
/// refusal (the file itself cannot be kept: it is chosen again).
async fn back_to_document(
    state: &AppState,
    headers: &HeaderMap,
    auth: &Auth,
    id: i32,
    r: Result<(), WebError>,
) -> PageResult {
    let (flash, status) = match r {
        Ok(()) => (
            crate::flash::Flash::ok("Đã cập nhật tệp đính kèm."),
            axum::http::StatusCode::OK,
        ),
        Err(
            e @ (WebError::BadRequest(_)
            | WebError::PayloadTooLarge(_)
            | WebError::Conflict(_)
            | WebError::TooManyRequests(_)),
        ) => (crate::flash::Flash::refused(e.message()), e.status()),
        Err(e) => return Err(e),
    };
    let to = format!("/documents/{id}#tep-dinh-kem");
    crate::flash::redirect_or(state, headers, auth, &to, flash, |f| async move {
        crate::documents::page_with_message(state, auth, id, f.message, status).await
    })
    .await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: Option<String>,
}

/// `POST /documents/{id}/attachments/{aid}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, aid)): Path<(i32, i32)>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    let r = att::delete(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        aid,
        Utc::now(),
    )
    .await
    .map_err(WebError::from);
    back_to_document(&state, &headers, &auth, id, r).await
}

/// `attachment; filename="ascii"; filename*=UTF-8''…` so every browser keeps the Vietnamese name.
fn disposition(name: &str) -> String {
    let ascii: String = trinhky_domain::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            enc.push(char::from(b));
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{enc}")
}

fn file_response(d: Download) -> Response {
    let ctype = HeaderValue::from_str(&d.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disp = HeaderValue::from_str(&disposition(&d.name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CONTENT_DISPOSITION, disp),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        d.data,
    )
        .into_response()
}

/// `GET /documents/{id}/attachments/{aid}`: whoever may read the document.
pub async fn download(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, aid)): Path<(i32, i32)>,
) -> PageResult {
    let d = att::download(&state.store, &state.registry, &auth.principal, id, aid).await?;
    Ok(file_response(d))
}

/// `GET /incoming/{id}/attachments/{aid}`: whoever may see the incoming document.
pub async fn incoming_download(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, aid)): Path<(i32, i32)>,
) -> PageResult {
    let d = att::download_incoming(&state.store, &auth.principal, id, aid).await?;
    Ok(file_response(d))
}

/// `GET /api/v1/documents/{id}/attachments`.
pub async fn api_list(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<AttachmentView>>), ApiError> {
    let all = att::list(&state.store, &state.registry, &auth.principal, id).await?;
    let paging = Paging::new(&q, all.len());
    Ok((
        paging.headers(&format!("/api/v1/documents/{id}/attachments")),
        Json(paging.slice(all)),
    ))
}

/// `POST /api/v1/documents/{id}/attachments` (multipart `file`).
pub async fn api_upload(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<(StatusCode, Json<AttachmentView>), ApiError> {
    let up = read_upload(&state, mp).await?;
    let submitted = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .or(up.csrf_token.as_deref());
    auth.check_csrf(submitted)?;
    let v = att::upload(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        &up.file_name,
        &up.data,
        state.settings.attachment_max_bytes,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// `GET /api/v1/documents/{id}/attachments/{aid}`.
pub async fn api_download(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, aid)): Path<(i32, i32)>,
) -> Result<Response, ApiError> {
    let d = att::download(&state.store, &state.registry, &auth.principal, id, aid).await?;
    Ok(file_response(d))
}

/// `DELETE /api/v1/documents/{id}/attachments/{aid}`.
pub async fn api_delete(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, aid)): Path<(i32, i32)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    att::delete(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        aid,
        Utc::now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/incoming/{id}/attachments`.
pub async fn api_incoming_list(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<AttachmentView>>), ApiError> {
    let all = att::of_incoming(&state.store, &auth.principal, id).await?;
    let paging = Paging::new(&q, all.len());
    Ok((
        paging.headers(&format!("/api/v1/incoming/{id}/attachments")),
        Json(paging.slice(all)),
    ))
}

/// `GET /api/v1/incoming/{id}/attachments/{aid}`.
pub async fn api_incoming_download(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, aid)): Path<(i32, i32)>,
) -> Result<Response, ApiError> {
    let d = att::download_incoming(&state.store, &auth.principal, id, aid).await?;
    Ok(file_response(d))
}

// ---- so sánh phiên bản ----

#[derive(Deserialize)]
pub struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
}

fn version_param(name: &str, v: Option<&str>) -> Result<Option<i32>, WebError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i32>().map(Some).map_err(|_| {
            WebError::BadRequest(format!(
                "Tham số {name}=\"{s}\" không phải số phiên bản (ví dụ {name}=2)."
            ))
        }),
    }
}

async fn comparison(
    state: &AppState,
    auth: &Auth,
    id: i32,
    q: &DiffQuery,
) -> Result<Comparison, WebError> {
    let from = version_param("from", q.from.as_deref())?;
    let to = version_param("to", q.to.as_deref())?;
    Ok(compare::compare(&state.store, &state.registry, &auth.principal, id, from, to).await?)
}

/// `GET /documents/{id}/diff?from=N&to=M`.
pub async fn diff_page(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    Query(q): Query<DiffQuery>,
) -> PageResult {
    let c = comparison(&state, &auth, id, &q).await?;
    let body = state
        .templates
        .render(
            "compare.html",
            context! {
                nav => nav(&auth), page_title => format!("So sánh phiên bản {} và {}", c.from.no, c.to.no),
                title => c.title.clone(), cmp => c,
            },
        )
        .map_err(WebError::Internal)?;
    Ok(Html(body).into_response())
}

/// `GET /api/v1/documents/{id}/diff?from=N&to=M`.
pub async fn api_diff(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    Query(q): Query<DiffQuery>,
) -> Result<Json<Comparison>, ApiError> {
    Ok(Json(comparison(&state, &auth, id, &q).await?))
}

// ---- nhật ký ----

async fn trail(
    state: &AppState,
    auth: &Auth,
    id: i32,
    q: &PageQuery,
) -> Result<(Trail, Paging), WebError> {
    let per_page = Paging::new(q, 0).per_page;
    let want = q.page.unwrap_or(1).max(1);
    let load = |page: usize| {
        audit_trail::trail(
            &state.store,
            &state.registry,
            &auth.principal,
            id,
            page as u64,
            per_page as u64,
        )
    };
    let mut t = load(want).await?;
    let paging = Paging::new(
        &PageQuery {
            page: Some(want),
            per_page: Some(per_page),
        },
        usize::try_from(t.total).unwrap_or(usize::MAX),
    );
    if paging.page != want {
        t = load(paging.page).await?;
    }
    Ok((t, paging))
}

/// `GET /documents/{id}/audit?page=N`: the nhật ký page.
pub async fn audit_page(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let q = PageQuery {
        page: q.page,
        per_page: None,
    };
    let (t, paging) = trail(&state, &auth, id, &q).await?;
    let body = state
        .templates
        .render(
            "audit.html",
            context! {
                nav => nav(&auth), page_title => format!("Nhật ký văn bản: {}", t.title),
                title => t.title.clone(), trail => t,
                pager => paging.pager(&format!("/documents/{id}/audit")),
            },
        )
        .map_err(WebError::Internal)?;
    Ok(Html(body).into_response())
}

/// `GET /api/v1/documents/{id}/audit?page=&per_page=`, with `X-Total-Count` and `Link`.
pub async fn api_audit(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Trail>), ApiError> {
    let (t, paging) = trail(&state, &auth, id, &q).await?;
    Ok((
        paging.headers(&format!("/api/v1/documents/{id}/audit")),
        Json(t),
    ))
}

// ---- live preview of unsaved text ----

/// Renders of unsaved text allowed per user per minute: the page asks after the drafter stops
/// typing for 0.8 s, so a person stays far below it; a script hammering the renderer does not.
pub const PREVIEWS_PER_MINUTE: u32 = 30;

/// A per-user fixed-window counter of preview renders (in memory, per process).
#[derive(Default)]
pub struct PreviewLimiter {
    windows: Mutex<HashMap<i32, (Instant, u32)>>,
}

impl PreviewLimiter {
    /// Counts one render for `user`; false when the user is over the limit for this minute.
    pub fn allow(&self, user: i32, now: Instant) -> bool {
        let Ok(mut w) = self.windows.lock() else {
            return true;
        };
        if w.len() > 10_000 {
            w.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let e = w.entry(user).or_insert((now, 0));
        if now.duration_since(e.0) >= Duration::from_secs(60) {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= PREVIEWS_PER_MINUTE
    }
}

#[derive(Deserialize)]
pub struct PreviewForm {
    csrf_token: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    addressees: String,
    #[serde(default)]
    recipients: String,
}

/// The rendered pages of unsaved text, as `data:` URLs the page swaps in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PreviewOut {
    pages: Vec<String>,
}

async fn preview_unsaved(
    state: &AppState,
    auth: &Auth,
    id: i32,
    f: PreviewForm,
) -> Result<PreviewOut, WebError> {
    if !state
        .preview_limiter
        .allow(auth.principal.user.id, Instant::now())
    {
        return Err(WebError::TooManyRequests(format!(
            "Đã xem trước quá {PREVIEWS_PER_MINUTE} lần trong một phút: chờ một lát rồi tiếp tục, hoặc lưu phiên bản để xem."
        )));
    }
    let content = Content {
        title: f.title,
        body: f.body,
        addressees: f.addressees,
        recipients: f.recipients,
    };
    let pages = trinhky_app::rendering::preview_unsaved(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        content,
        96.0,
    )
    .await?;
    Ok(PreviewOut {
        pages: pages
            .iter()
            .map(|p| format!("data:image/png;base64,{}", base64(p)))
            .collect(),
    })
}

/// Standard base64 with padding (RFC 4648), for the `data:` URLs of the preview images.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `POST /documents/{id}/preview` (the edit form's fields, form-encoded): JSON page images of
/// the unsaved text. Nothing is stored.
pub async fn preview(
    State(state): State<AppState>,
    auth: Option<axum::Extension<Auth>>,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Form(f): Form<PreviewForm>,
) -> Result<Json<PreviewOut>, ApiError> {
    // Called by script: answer JSON, never a redirect to the login form.
    let Some(axum::Extension(auth)) = auth else {
        return Err(ApiError(WebError::Unauthenticated { api: true }));
    };
    let submitted = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .or(f.csrf_token.as_deref());
    auth.check_csrf(submitted)?;
    Ok(Json(preview_unsaved(&state, &auth, id, f).await?))
}

/// `POST /api/v1/documents/{id}/preview` `{"title", "body", "addressees", "recipients"}`.
pub async fn api_preview(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Json(f): Json<PreviewForm>,
) -> Result<Json<PreviewOut>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    Ok(Json(preview_unsaved(&state, &auth, id, f).await?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn disposition_keeps_the_vietnamese_name_and_an_ascii_fallback() {
        let d = disposition("Phụ lục 1.pdf");
        assert!(
            d.starts_with("attachment; filename=\"phu luc 1.pdf\""),
            "{d}"
        );
        assert!(
            d.contains("filename*=UTF-8''Ph%E1%BB%A5%20l%E1%BB%A5c%201.pdf"),
            "{d}"
        );
    }

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_limiter_counts_per_user_per_minute() {
        let l = PreviewLimiter::default();
        let t = Instant::now();
        for _ in 0..PREVIEWS_PER_MINUTE {
            assert!(l.allow(1, t));
        }
        assert!(!l.allow(1, t));
        assert!(l.allow(2, t));
        assert!(l.allow(1, t + Duration::from_secs(61)));
    }
}
