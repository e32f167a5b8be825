//! Receiving: the recipient clerk's "Văn bản đến" (list, detail with signature verification,
//! register / forward / acknowledge / archive), the registers (sổ văn bản đi / đến) with CSV,
//! XLSX and a print view, the archive search, recall of an issued document; and the JSON API.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use chrono::{NaiveDate, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};
use trinhky_app::AppError;
use trinhky_app::incoming::{self as uc, ArchiveQuery, Filter, Kind};

use crate::auth::{ApiError, ApiUser, Auth, User};
use crate::error::WebError;
use crate::flash::{self, Flash};
use crate::pages::nav;
use crate::paging::{PageQuery, Paging};
use crate::state::AppState;
use crate::url::encode;

type PageResult = Result<Response, WebError>;

/// A date from a form (dd/mm/yyyy, or ISO); empty is none.
fn parse_date(s: Option<&str>) -> Result<Option<NaiveDate>, WebError> {
    crate::dates::parse(s.unwrap_or_default()).map_err(WebError::BadRequest)
}

fn html(state: &AppState, name: &str, ctx: minijinja::Value, status: StatusCode) -> PageResult {
    let body = state
        .templates
        .render(name, ctx)
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

fn agencies_ctx(auth: &Auth) -> Vec<minijinja::Value> {
    uc::register_agencies(&auth.principal)
        .into_iter()
        .map(|(code, name)| context! { code, name })
        .collect()
}

// ---- list ----

#[derive(Deserialize)]
pub struct ListQuery {
    agency: Option<String>,
    page: Option<u64>,
}

pub async fn list(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let l = uc::list(
        &state.store,
        &auth.principal,
        q.agency.as_deref(),
        q.page.unwrap_or(1),
    )
    .await?;
    html(
        &state,
        "incoming_list.html",
        context! {
            nav => nav(&auth), page_title => "Văn bản đến", list => l, agencies => agencies_ctx(&auth),
        },
        StatusCode::OK,
    )
}

// ---- detail and actions ----

async fn signatures(
    state: &AppState,
    auth: &Auth,
    id: i32,
) -> Result<(uc::Detail, Vec<trinhky_app::signing::SignatureView>), AppError> {
    uc::detail_with_signatures(&state.store, state.registry.signing(), &auth.principal, id).await
}

async fn detail_page(
    state: &AppState,
    auth: &Auth,
    id: i32,
    message: Option<Flash>,
    status: StatusCode,
) -> PageResult {
    let (d, sigs) = signatures(state, auth, id).await?;
    let (message_ok, kept) = message
        .as_ref()
        .map_or((false, Default::default()), |f| (f.ok, f.fields.clone()));
    let message = message.map(|f| f.message);
    let attachments = trinhky_app::attachments::of_detail(&state.store, &d).await?;
    let people: Vec<minijinja::Value> = d
        .people
        .iter()
        .map(|(u, n, t)| context! { username => u, name => n, title => t })
        .collect();
    let can = d.can();
    html(
        state,
        "incoming.html",
        context! {
            nav => nav(auth), page_title => format!("Văn bản đến {}", d.view.number),
            item => d.view, signatures => sigs, people, can, message, message_ok, kept, attachments,
            today => crate::dates::show(trinhky_app::today_vn()),
        },
        status,
    )
}

pub async fn show(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    headers: HeaderMap,
) -> PageResult {
    let f = flash::take(&headers, &auth, &format!("/incoming/{id}"));
    let res = detail_page(&state, &auth, id, f, StatusCode::OK).await?;
    Ok(flash::consumed(&state, &headers, res))
}

pub async fn pdf(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
) -> PageResult {
    let (d, data) = uc::file(&state.store, &auth.principal, id).await?;
    let name = format!(
        "attachment; filename=\"van-ban-den-{}.pdf\"",
        d.view.number.replace(['/', '"', '\\'], "-")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        data,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct ActForm {
    csrf_token: Option<String>,
    to: Option<String>,
    deadline: Option<String>,
    note: Option<String>,
}

async fn perform(
    state: &AppState,
    auth: &Auth,
    id: i32,
    action: &str,
    to: Option<&str>,
    deadline: Option<NaiveDate>,
    note: Option<&str>,
) -> Result<uc::IncomingView, AppError> {
    let (store, p, now) = (&state.store, &auth.principal, Utc::now());
    let view = match action {
        "register" => uc::register(store, p, id, now).await,
        "forward" => {
            let to = to
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| AppError::Invalid("Chọn người nhận xử lý.".into()))?;
            uc::forward(store, p, id, to, deadline, note, now).await
        }
        "acknowledge" => uc::acknowledge(store, p, id, now).await,
        "archive" => uc::archive(store, p, id, now).await,
        _ => Err(AppError::Invalid(format!(
            "Không có thao tác \"{action}\"."
        ))),
    }?;
    // The issued document follows the register: received once registered, archived with it.
    uc::follow(store, &state.registry, p, id, now).await?;
    Ok(view)
}

pub async fn act(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, action)): Path<(i32, String)>,
    headers: HeaderMap,
    Form(f): Form<ActForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    let typed = Flash::default()
        .keep("to", f.to.as_deref())
        .keep("deadline", f.deadline.as_deref())
        .keep("note", f.note.as_deref());
    let r = match parse_date(f.deadline.as_deref()) {
        Ok(deadline) => {
            perform(
                &state,
                &auth,
                id,
                &action,
                f.to.as_deref(),
                deadline,
                f.note.as_deref(),
            )
            .await
        }
        Err(e) => Err(AppError::Invalid(e.message())),
    };
    let (flash, status) = match r {
        Ok(v) => (
            Flash::ok(format!("Đã cập nhật: {}.", v.status_label)),
            StatusCode::OK,
        ),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            let status = if matches!(e, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            (
                Flash {
                    ok: false,
                    message: e.to_string(),
                    ..typed
                },
                status,
            )
        }
        Err(e) => return Err(e.into()),
    };
    let to = format!("/incoming/{id}");
    let (state, auth) = (&state, &auth);
    flash::redirect_or(state, &headers, auth, &to, flash, |f| async move {
        detail_page(state, auth, id, Some(f), status).await
    })
    .await
}

// ---- registers ----

#[derive(Deserialize, Default)]
pub struct RegisterQuery {
    agency: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    format: Option<String>,
}

impl RegisterQuery {
    /// The register's address with its filters (page links keep them).
    fn base(&self, path: &str, agency: &str) -> String {
        let o = |s: &Option<String>| encode(s.as_deref().unwrap_or(""));
        format!(
            "{path}?agency={}&from={}&to={}&q={}",
            encode(agency),
            o(&self.from),
            o(&self.to),
            o(&self.q)
        )
    }

    fn filter(&self) -> Result<Filter, WebError> {
        Ok(Filter {
            from: parse_date(self.from.as_deref())?,
            to: parse_date(self.to.as_deref())?,
            text: self.q.clone().filter(|q| !q.trim().is_empty()),
        })
    }
}

pub async fn register(
    State(state): State<AppState>,
    User(auth): User,
    Path(kind): Path<String>,
    Query(q): Query<RegisterQuery>,
    Query(pq): Query<PageQuery>,
) -> PageResult {
    let kind = Kind::parse(&kind).ok_or(WebError::NotFound)?;
    let filter = q.filter()?;
    let format = q.format.as_deref().unwrap_or("html");
    // The page shows one page; exports and the print view hold the whole filtered period.
    let (paging, reg) = if format == "html" {
        let (st, au, flt, agency) = (&state, &auth, &filter, q.agency.as_deref());
        let (p, r) = Paging::fetch(&pq, move |page| async move {
            let r =
                uc::register_view(&st.store, &au.principal, agency, kind, flt, Some(page)).await?;
            let total = r.total;
            Ok::<_, AppError>((r, total))
        })
        .await?;
        (Some(p), r)
    } else {
        let r = uc::register_view(
            &state.store,
            &auth.principal,
            q.agency.as_deref(),
            kind,
            &filter,
            None,
        )
        .await?;
        (None, r)
    };
    let file = format!(
        "{}-{}",
        kind.file_stem(),
        trinhky_domain::text::fold(&reg.agency_code)
    );
    let period = filter.period();
    match format {
        "pdf" => {
            let renderer = state.registry.renderer().clone();
            let pdf = uc::register_pdf(
                state.app.cpu(),
                renderer,
                &reg,
                &filter,
                trinhky_app::today_vn(),
            )
            .await?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}.pdf\""),
                    ),
                ],
                pdf,
            )
                .into_response())
        }
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}.csv\""),
                ),
            ],
            uc::csv(&reg)?,
        )
            .into_response()),
        "xlsx" => Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}.xlsx\""),
                ),
            ],
            uc::register_xlsx(&reg)?,
        )
            .into_response()),
        "html" | "print" => {
            let print = q.format.as_deref() == Some("print");
            let base = q.base(&format!("/registers/{}", kind.slug()), &reg.agency_code);
            let pager = paging.map(|p| p.pager(&base));
            html(
                &state,
                "register.html",
                context! {
                    nav => nav(&auth), page_title => reg.title, reg, print, period, base, pager,
                    agencies => agencies_ctx(&auth),
                    f => context! { from => q.from, to => q.to, q => q.q },
                    printed_on => uc::fmt_date(trinhky_app::today_vn()),
                },
                StatusCode::OK,
            )
        }
        other => Err(WebError::BadRequest(format!(
            "Định dạng \"{other}\" không được hỗ trợ (csv, xlsx, pdf, print)."
        ))),
    }
}

// ---- archive ----

#[derive(Deserialize, Default)]
pub struct ArchiveParams {
    agency: Option<String>,
    q: Option<String>,
    number: Option<String>,
    from_agency: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl ArchiveParams {
    fn query(&self) -> Result<ArchiveQuery, WebError> {
        Ok(ArchiveQuery {
            text: self.q.clone(),
            number: self.number.clone(),
            from_agency: self.from_agency.clone(),
            from: parse_date(self.from.as_deref())?,
            to: parse_date(self.to.as_deref())?,
        })
    }
}

impl ArchiveParams {
    /// The page's address with its filters (page links keep them).
    fn base(&self, path: &str, agency: &str) -> String {
        let o = |s: &Option<String>| encode(s.as_deref().unwrap_or(""));
        format!(
            "{path}?agency={}&q={}&number={}&from_agency={}&from={}&to={}",
            encode(agency),
            o(&self.q),
            o(&self.number),
            o(&self.from_agency),
            o(&self.from),
            o(&self.to)
        )
    }
}

async fn archive_page(
    state: &AppState,
    auth: &Auth,
    q: &ArchiveParams,
    pq: &PageQuery,
) -> Result<
    (
        Paging,
        trinhky_app::queries::AgencyRef,
        Vec<uc::IncomingView>,
    ),
    WebError,
> {
    let query = q.query()?;
    let query = &query;
    let (paging, (a, items)) = Paging::fetch(pq, move |page| async move {
        let (a, items, total) = uc::archive_search(
            &state.store,
            &auth.principal,
            q.agency.as_deref(),
            query,
            Some(page),
        )
        .await?;
        Ok::<_, AppError>(((a, items), total))
    })
    .await?;
    Ok((paging, a, items))
}

pub async fn archive(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<ArchiveParams>,
    Query(pq): Query<PageQuery>,
) -> PageResult {
    let (paging, a, items) = archive_page(&state, &auth, &q, &pq).await?;
    let pager = paging.pager(&q.base("/archive", &a.code));
    html(
        &state,
        "archive.html",
        context! {
            nav => nav(&auth), page_title => "Lưu trữ", agency => context! { code => a.code, name => a.name },
            items, pager, total => paging.total, agencies => agencies_ctx(&auth),
            f => context! { q => q.q, number => q.number, from_agency => q.from_agency, from => q.from, to => q.to },
        },
        StatusCode::OK,
    )
}

// ---- recall (the sender's side) ----

#[derive(Deserialize)]
pub struct RecallForm {
    csrf_token: Option<String>,
    #[serde(default)]
    reason: String,
}

/// The documents' access policy for a change (recall is one), before the use case's own check.
async fn may_change(state: &AppState, auth: &Auth, id: i32) -> Result<(), AppError> {
    trinhky_app::documents::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        trinhky_app::access::Want::Change,
    )
    .await
    .map(|_| ())
}

pub async fn recall(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Form(f): Form<RecallForm>,
) -> PageResult {
    auth.check_csrf(f.csrf_token.as_deref())?;
    may_change(&state, &auth, id).await?;
    let r = uc::recall(&state.store, &auth.principal, id, &f.reason, Utc::now())
        .await
        .map(|_| ());
    let typed = Flash::default().keep("reason", Some(&f.reason));
    let done = "Đã thu hồi văn bản và gửi thông báo thu hồi tới các nơi nhận.".to_owned();
    crate::documents::after(&state, &headers, &auth, id, r, done, typed).await
}

// ---- JSON API ----

pub async fn api_list(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ListQuery>,
) -> Result<(HeaderMap, Json<uc::ListPage>), ApiError> {
    let l = uc::list(
        &state.store,
        &auth.principal,
        q.agency.as_deref(),
        q.page.unwrap_or(1),
    )
    .await?;
    let paging = Paging {
        page: usize::try_from(l.page).unwrap_or(1),
        per_page: usize::try_from(uc::PER_PAGE).unwrap_or(20),
        total: usize::try_from(l.total).unwrap_or(0),
    };
    let headers = paging.headers(&format!(
        "/api/v1/incoming?agency={}",
        encode(&l.agency_code)
    ));
    Ok((headers, Json(l)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DetailOut {
    #[serde(flatten)]
    item: uc::IncomingView,
    access: uc::Access,
    signatures: Vec<trinhky_app::signing::SignatureView>,
}

pub async fn api_get(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Json<DetailOut>, ApiError> {
    let (d, signatures) = signatures(&state, &auth, id).await?;
    Ok(Json(DetailOut {
        item: d.view,
        access: d.access,
        signatures,
    }))
}

#[derive(Deserialize, Default)]
pub struct ActIn {
    /// Username of the person to forward to.
    to: Option<String>,
    /// "yyyy-mm-dd".
    deadline: Option<NaiveDate>,
    note: Option<String>,
}

pub async fn api_act(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, action)): Path<(i32, String)>,
    headers: HeaderMap,
    body: Option<Json<ActIn>>,
) -> Result<Json<uc::IncomingView>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let b = body.map(|b| b.0).unwrap_or_default();
    Ok(Json(
        perform(
            &state,
            &auth,
            id,
            &action,
            b.to.as_deref(),
            b.deadline,
            b.note.as_deref(),
        )
        .await?,
    ))
}

pub async fn api_register(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(kind_s): Path<String>,
    Query(q): Query<RegisterQuery>,
    Query(pq): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let kind = Kind::parse(&kind_s).ok_or(WebError::NotFound)?;
    let filter = q.filter()?;
    if q.format.as_deref().is_some_and(|f| f != "json") {
        // CSV, XLSX and PDF: the same files as the page's export links, for the whole period.
        return register(State(state), User(auth), Path(kind_s), Query(q), Query(pq))
            .await
            .map_err(ApiError);
    }
    let (st, au, flt, agency) = (&state, &auth, &filter, q.agency.as_deref());
    let (paging, reg) = Paging::fetch(&pq, move |page| async move {
        let r = uc::register_view(&st.store, &au.principal, agency, kind, flt, Some(page)).await?;
        let total = r.total;
        Ok::<_, AppError>((r, total))
    })
    .await?;
    let base = q.base(
        &format!("/api/v1/registers/{}", kind.slug()),
        &reg.agency_code,
    );
    Ok((paging.headers(&base), Json(reg)).into_response())
}

pub async fn api_archive(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(q): Query<ArchiveParams>,
    Query(pq): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<uc::IncomingView>>), ApiError> {
    let (paging, a, items) = archive_page(&state, &auth, &q, &pq).await?;
    Ok((
        paging.headers(&q.base("/api/v1/archive", &a.code)),
        Json(items),
    ))
}

pub async fn api_receipts(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Json<Vec<uc::Receipt>>, ApiError> {
    let l = trinhky_app::documents::load(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        trinhky_app::access::Want::Working,
    )
    .await?;
    if !auth.principal.belongs_to(&l.agency_code) {
        return Err(WebError::Forbidden(String::new()).into());
    }
    Ok(Json(uc::receipts(&state.store, id).await?))
}

#[derive(Deserialize)]
pub struct RecallIn {
    reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecallOut {
    notified: usize,
}

pub async fn api_recall(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
    headers: HeaderMap,
    Json(b): Json<RecallIn>,
) -> Result<Json<RecallOut>, ApiError> {
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    may_change(&state, &auth, id).await?;
    let notified = uc::recall(&state.store, &auth.principal, id, &b.reason, Utc::now()).await?;
    Ok(Json(RecallOut { notified }))
}
