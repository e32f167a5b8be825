//! "Việc của tôi" (the home page) and "Văn bản của tôi" (issue 16): the documents waiting for the
//! caller, the tasks of their agencies with each report's current step (open and finished ones
//! on two tabs), and the documents they draft. The JSON twins are `/api/v1/my-tasks` and
//! `/api/v1/my-documents`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use trinhky_app::my_work::{self as uc, DocStep, MyTask};
use trinhky_domain::time;

use crate::auth::{ApiError, ApiUser, Auth, User};
use crate::error::WebError;
use crate::pages::{html, nav};
use crate::paging::{PageQuery, Paging};
use crate::state::AppState;

type PageResult = Result<Response, WebError>;

/// `?tab=done` shows the finished tasks; anything else the open ones.
#[derive(Debug, Default, Deserialize)]
pub struct TabQuery {
    tab: Option<String>,
}

impl TabQuery {
    fn done(&self) -> bool {
        self.tab.as_deref() == Some("done")
    }
}

fn doc_ctx(d: &DocStep) -> minijinja::Value {
    context! {
        id => d.document_id, title => d.title.clone(), doc_type => d.doc_type.clone(), agency => d.agency_code.clone(),
        step => d.step.clone(), number => d.number.clone(), recalled => d.recalled,
        updated => trinhky_app::incoming::vn_time(d.updated_at),
    }
}

fn task_ctx(t: &MyTask, today: chrono::NaiveDate) -> minijinja::Value {
    let days_left = t.last_day.map(|d| (d - today).num_days());
    let due = if t.done {
        t.status.label().to_owned()
    } else {
        match days_left {
            None => t.condition.clone().map_or_else(
                || "Chưa có hạn".to_owned(),
                |c| format!("Có điều kiện: {c}"),
            ),
            Some(0) => "Hết hạn hôm nay".to_owned(),
            Some(n) if n > 0 => format!("Còn {n} ngày"),
            Some(n) => format!("Quá hạn {} ngày", -n),
        }
    };
    context! {
        id => t.assignment_id, reference => t.task_ref.clone(), directive => t.directive_title.clone(),
        lead => t.lead_name.clone(), lead_code => t.lead_code.clone(),
        deliverable => t.deliverable.clone(), report_to => t.report_to.clone(),
        last_day => t.last_day.map(time::dmy), due, done => t.done,
        overdue => !t.done && days_left.is_some_and(|n| n < 0),
        can_draft => t.can_draft && t.document.is_none(),
        document => t.document.as_ref().map(doc_ctx),
    }
}

/// The documents waiting for the caller (one page of them).
async fn waiting(
    state: &AppState,
    auth: &Auth,
    q: &PageQuery,
) -> Result<(Vec<minijinja::Value>, Paging), WebError> {
    let today = trinhky_app::today_vn();
    let all = trinhky_app::documents::inbox(&state.store, &state.registry, &auth.principal).await?;
    let paging = Paging::new(q, all.len());
    let documents = paging
        .slice(all)
        .into_iter()
        .map(|w| {
            let days_left = w.due_date.map(|d| (d - today).num_days());
            context! {
                id => w.document_id, title => w.title, doc_type => w.doc_type, agency => w.agency_code, state => w.state_label,
                due => w.due_date.map(time::dmy), overdue => days_left.is_some_and(|n| n < 0),
            }
        })
        .collect();
    Ok((documents, paging))
}

pub async fn home(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<PageQuery>,
    Query(tab): Query<TabQuery>,
) -> PageResult {
    let memberships: Vec<minijinja::Value> = auth
        .principal
        .memberships
        .iter()
        .map(|m| context! { agency_code => m.agency_code.clone(), agency_name => m.agency_name.clone(), role => m.role.label_vi(), title => m.title.clone() })
        .collect();
    let today = trinhky_app::today_vn();
    let tasks = uc::my_tasks(&state.store, &state.registry, &auth.principal, today).await?;
    let done_count = tasks.iter().filter(|t| t.done).count();
    let open_count = tasks.len() - done_count;
    let done = tab.done();
    let work: Vec<minijinja::Value> = tasks
        .iter()
        .filter(|t| t.done == done)
        .map(|t| task_ctx(t, today))
        .collect();
    // Văn phòng UBND follows up the directives it has assigned (theo dõi, đôn đốc).
    let follow_up: Vec<minijinja::Value> = if trinhky_app::follow_up::may_follow_up(&auth.principal)
    {
        trinhky_app::queries::recent_directives(&state.store, 10)
            .await?
            .into_iter()
            .filter(|d| !d.in_review())
            .map(|d| context! { id => d.id, title => d.title, number => d.number, uploaded => time::dmy_vn(d.created_at) })
            .collect()
    } else {
        Vec::new()
    };
    let (documents, paging) = waiting(&state, &auth, &q).await?;
    html(
        &state,
        "home.html",
        context! {
            nav => nav(&auth), memberships, work, documents, follow_up, pager => paging.pager("/"),
            tab => if done { "done" } else { "open" }, open_count, done_count,
            page_title => "Việc của tôi",
        },
    )
}

/// "Văn bản của tôi": the documents the caller drafts, with their current step.
pub async fn documents_page(
    State(state): State<AppState>,
    User(auth): User,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let all = uc::my_documents(&state.store, &state.registry, &auth.principal).await?;
    let paging = Paging::new(&q, all.len());
    let documents: Vec<minijinja::Value> = paging.slice(all).iter().map(doc_ctx).collect();
    html(
        &state,
        "my_documents.html",
        context! {
            nav => nav(&auth), documents, total => paging.total, pager => paging.pager("/my-documents"),
            page_title => "Văn bản của tôi",
        },
    )
}

/// Every task of the caller's agencies with its report's step; `?tab=done` the finished ones,
/// otherwise the open ones. One page, with `X-Total-Count` and `Link`.
pub async fn api_tasks(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(pq): Query<PageQuery>,
    Query(tab): Query<TabQuery>,
) -> Result<(HeaderMap, Json<Vec<MyTask>>), ApiError> {
    let done = tab.done();
    let all: Vec<MyTask> = uc::my_tasks(
        &state.store,
        &state.registry,
        &auth.principal,
        trinhky_app::today_vn(),
    )
    .await?
    .into_iter()
    .filter(|t| t.done == done)
    .collect();
    let paging = Paging::new(&pq, all.len());
    let path = if done {
        "/api/v1/my-tasks?tab=done"
    } else {
        "/api/v1/my-tasks"
    };
    Ok((paging.headers(path), Json(paging.slice(all))))
}

/// The documents the caller drafts, most recently changed first, with their current step.
pub async fn api_documents(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Query(pq): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<DocStep>>), ApiError> {
    let all = uc::my_documents(&state.store, &state.registry, &auth.principal).await?;
    let paging = Paging::new(&pq, all.len());
    Ok((
        paging.headers("/api/v1/my-documents"),
        Json(paging.slice(all)),
    ))
}
