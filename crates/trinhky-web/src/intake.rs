//! Pages of directive intake (Văn phòng UBND): upload, review side by side with the source,
//! edit, confirm.

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use trinhky_app::directive_intake::{self, TaskDecision, kind_str, parse_kind, proposed_decisions};
use trinhky_app::queries::{self, DirectiveSummary};
use trinhky_domain::Role;
use trinhky_domain::time;

use crate::auth::{Auth, User};
use crate::error::WebError;
use crate::pages::nav;
use crate::state::AppState;

type PageResult = Result<Response, WebError>;

/// Intake is the province office's job: its clerks and drafters (chuyên viên tổng hợp).
pub(crate) fn require_intake(auth: &Auth) -> Result<String, WebError> {
    let p = &auth.principal;
    let po = p
        .province_office
        .clone()
        .ok_or(WebError::Forbidden(String::new()))?;
    if p.has_role(&po, Role::Clerk)
        || p.has_role(&po, Role::Drafter)
        || p.has_role(&po, Role::Admin)
    {
        Ok(po)
    } else {
        Err(WebError::Forbidden(
            "Chỉ Văn phòng UBND tỉnh tiếp nhận văn bản chỉ đạo.".into(),
        ))
    }
}

const KINDS: [(&str, &str); 5] = [
    ("before", "Trước ngày"),
    ("no_later_than", "Chậm nhất ngày"),
    ("within", "Trong thời hạn"),
    ("relative", "Tính từ ngày"),
    ("conditional", "Có điều kiện"),
];

/// The rows of one page of the directive list, as the page and the API show them.
pub(crate) async fn directive_rows(
    state: &AppState,
    pq: &crate::paging::PageQuery,
) -> Result<(crate::paging::Paging, Vec<DirectiveSummary>), WebError> {
    Ok(crate::paging::Paging::fetch(pq, |p| queries::directives_page(&state.store, p)).await?)
}

async fn list_page(
    state: &AppState,
    auth: &Auth,
    pq: &crate::paging::PageQuery,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let (paging, list) = directive_rows(state, pq).await?;
    let rows: Vec<minijinja::Value> = list
        .iter()
        .map(|d| {
            context! {
                id => d.id, title => d.title.clone(), number => d.number.clone(), source => d.source_name.clone(),
                status => if d.in_review() { "Chờ rà soát" } else { "Đã giao nhiệm vụ" },
                uploaded => time::dmy_vn(d.created_at),
            }
        })
        .collect();
    let body = state
        .templates
        .render("directives.html", context! { nav => nav(auth), directives => rows, pager => paging.pager("/directives"), total => paging.total, error, page_title => "Văn bản chỉ đạo" })
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    User(auth): User,
    axum::extract::Query(pq): axum::extract::Query<crate::paging::PageQuery>,
) -> PageResult {
    require_intake(&auth)?;
    list_page(&state, &auth, &pq, None, StatusCode::OK).await
}

pub async fn upload(
    State(state): State<AppState>,
    User(auth): User,
    mut multipart: Multipart,
) -> PageResult {
    require_intake(&auth)?;
    let mut csrf: Option<String> = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let msg = format!("Không đọc được tệp tải lên: {}", e.body_text());
                return list_page(
                    &state,
                    &auth,
                    &Default::default(),
                    Some(msg),
                    StatusCode::BAD_REQUEST,
                )
                .await;
            }
        };
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.ok(),
            Some("file") => {
                let name = field.file_name().unwrap_or("van-ban.txt").to_owned();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => {
                        let msg = format!("Không đọc được tệp tải lên: {}", e.body_text());
                        return list_page(
                            &state,
                            &auth,
                            &Default::default(),
                            Some(msg),
                            StatusCode::PAYLOAD_TOO_LARGE,
                        )
                        .await;
                    }
                }
            }
            _ => {}
        }
    }
    auth.check_csrf(csrf.as_deref())?;
    let Some((name, bytes)) = file.filter(|(n, _)| !n.is_empty()) else {
        return list_page(
            &state,
            &auth,
            &Default::default(),
            Some("Chưa chọn tệp văn bản.".into()),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    match directive_intake::upload(
        &state.store,
        state.app.cpu(),
        &auth.principal.actor(),
        &name,
        &bytes,
        trinhky_app::today_vn(),
    )
    .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/directives/{}", d.id)).into_response()),
        Err(e) => match WebError::from(e) {
            WebError::BadRequest(m) => {
                list_page(
                    &state,
                    &auth,
                    &Default::default(),
                    Some(format!("Không tiếp nhận được văn bản. {m}")),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            other => Err(other),
        },
    }
}

/// The source text as HTML with each task's sentences highlighted (escaped piece by piece).
fn highlighted(text: &str, spans: &[(usize, usize, usize)]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut spans: Vec<(usize, usize, usize)> = spans
        .iter()
        .copied()
        .filter(|(s, e, _)| {
            s < e && *e <= text.len() && text.is_char_boundary(*s) && text.is_char_boundary(*e)
        })
        .collect();
    spans.sort();
    let mut out = String::with_capacity(text.len() + spans.len() * 40);
    let mut at = 0;
    for (s, e, i) in spans {
        if s < at {
            continue;
        }
        out.push_str(&esc(&text[at..s]));
        out.push_str(&format!("<mark id=\"src-{i}\" data-task=\"{i}\">"));
        out.push_str(&esc(&text[s..e]));
        out.push_str("</mark>");
        at = e;
    }
    out.push_str(&esc(&text[at..]));
    out
}

/// What the review page shows besides the directive: the clerk's decisions as typed (after a
/// refused confirmation), a message, or the number of assignments just created.
#[derive(Default)]
struct Outcome {
    decisions: Option<Vec<TaskDecision>>,
    error: Option<String>,
    assigned: Option<usize>,
}

/// Agency inputs of a task: the values, then `blanks` empty inputs for more.
fn agency_inputs(values: &[String], blanks: usize) -> Vec<String> {
    values
        .iter()
        .cloned()
        .chain(std::iter::repeat_n(String::new(), blanks))
        .collect()
}

async fn review_page(
    state: &AppState,
    auth: &Auth,
    id: i32,
    outcome: Outcome,
    status: StatusCode,
) -> PageResult {
    let Outcome {
        decisions,
        error,
        assigned,
    } = outcome;
    let p = directive_intake::proposal(&state.store, id)
        .await
        .map_err(|e| match e {
            trinhky_app::AppError::Invalid(_) => WebError::NotFound,
            other => other.into(),
        })?;
    let index = directive_intake::directory_index(&state.store).await?;
    // The proposal holds codes; the form shows names (what the clerk reads and types).
    let decisions = decisions.unwrap_or_else(|| {
        let by_name = |codes: &[String]| -> Vec<String> {
            codes
                .iter()
                .map(|c| index.name_of(c).unwrap_or(c).to_owned())
                .collect()
        };
        proposed_decisions(&p.parsed, &p.resolved)
            .into_iter()
            .map(|d| TaskDecision {
                leads: by_name(&d.leads),
                co_agencies: by_name(&d.co_agencies),
                ..d
            })
            .collect()
    });
    let agency_names: Vec<String> = index
        .entries()
        .iter()
        .filter_map(|t| index.name_of(t.code()).map(str::to_owned))
        .collect();
    let spans: Vec<(usize, usize, usize)> = p
        .parsed
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.span.0, t.span.1, i))
        .collect();
    let tasks: Vec<minijinja::Value> = decisions
        .iter()
        .filter_map(|d| {
            let t = p.parsed.tasks.get(d.task_index)?;
            let r = p.resolved.tasks.get(d.task_index);
            let unresolved: Vec<String> = r
                .map(|r| r.leads.iter().flat_map(|l| l.unresolved.clone()).collect())
                .unwrap_or_default();
            Some(context! {
                i => d.task_index, reference => t.reference.clone(), include => d.include,
                leads => agency_inputs(&d.leads, 1), leads_written => t.leads.join("; "), unresolved,
                co_agencies => agency_inputs(&d.co_agencies, 2),
                deliverable => d.deliverable.clone(), report_to => d.report_to.clone(),
                kind => kind_str(d.deadline_kind), last_day => d.last_day.map(crate::dates::show),
                deadline_text => t.deadline.as_ref().map(|x| x.text.clone()), condition => d.condition.clone(),
            })
        })
        .collect();
    let kinds: Vec<minijinja::Value> = KINDS
        .iter()
        .map(|(v, l)| context! { value => *v, label => *l })
        .collect();
    let confirmed = p.directive.status != "review";
    let rows = if confirmed {
        queries::assignments_of(&state.store, id).await?
    } else {
        Vec::new()
    };
    // "?assigned=N" right after confirming: shown only when it matches what exists.
    let notice = assigned
        .filter(|n| *n > 0 && *n <= rows.len())
        .map(|n| {
            let mut leads: Vec<&str> = rows.iter().map(|a| a.lead_name.as_str()).collect();
            leads.sort_unstable();
            leads.dedup();
            format!(
                "Đã giao {n} nhiệm vụ cho {} cơ quan chủ trì; các cơ quan thấy nhiệm vụ trên trang công việc của mình.",
                leads.len()
            )
        });
    let assignments: Vec<minijinja::Value> = rows
        .into_iter()
        .map(|a| context! { reference => a.task_ref, lead => a.lead_name, last_day => a.last_day.map(time::dmy), deliverable => a.deliverable })
        .collect();
    // A signed PDF from outside: its signatures, verified on the CPU pool (or cached).
    let is_pdf = p.directive.source_format == "pdf";
    let signatures = if is_pdf {
        trinhky_app::signing::verify_blob(
            &state.store,
            state.registry.signing(),
            &p.directive.source_sha256,
        )
        .await?
    } else {
        Vec::new()
    };
    let doc = &p.parsed.document;
    let body = state
        .templates
        .render(
            "directive.html",
            context! {
                nav => nav(auth), id, confirmed, tasks, kinds, error, notice, assignments, is_pdf, signatures, agency_names,
                source_html => minijinja::Value::from_safe_string(highlighted(&p.directive.text, &spans)),
                doc => context! {
                    title => p.directive.title.clone(), number => doc.number.clone(), doc_type => doc.doc_type.clone(),
                    issuer => doc.issuer.clone(), date => doc.date.map(time::dmy),
                    signer => doc.signer.name.clone(), authority => doc.signer.authority.clone(), position => doc.signer.position.clone(),
                    source => p.directive.source_name.clone(),
                },
                standing => p.parsed.standing_directives.len(),
                recipients => p.parsed.recipients.iter().map(|r| r.text.clone()).collect::<Vec<_>>(),
                unresolved_recipients => p.resolved.unresolved.clone(),
                warnings => p.parsed.warnings.clone(),
                page_title => "Rà soát văn bản chỉ đạo",
            },
        )
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ShowQuery {
    /// Set by the redirect after confirming: the number of assignments created.
    assigned: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> PageResult {
    require_intake(&auth)?;
    let outcome = Outcome {
        assigned: q.assigned.and_then(|n| n.trim().parse().ok()),
        ..Outcome::default()
    };
    review_page(&state, &auth, id, outcome, StatusCode::OK).await
}

/// Every non-empty value of a repeated form field, as typed.
fn all_values(fields: &[(String, String)], key: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(n, v)| n == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

pub async fn confirm(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    require_intake(&auth)?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    auth.check_csrf(get("csrf_token").as_deref())?;
    let p = directive_intake::proposal(&state.store, id)
        .await
        .map_err(|_| WebError::NotFound)?;
    let mut decisions = Vec::new();
    let mut problems = Vec::new();
    for (i, t) in p.parsed.tasks.iter().enumerate() {
        let kind_raw = get(&format!("kind_{i}")).unwrap_or_default();
        let kind = parse_kind(&kind_raw);
        if kind.is_none() {
            problems.push(format!("Nhiệm vụ {}: loại hạn không hợp lệ.", t.reference));
        }
        let last_raw = get(&format!("last_day_{i}")).unwrap_or_default();
        let last_day = if last_raw.trim().is_empty() {
            None
        } else {
            match crate::dates::parse(&last_raw) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(format!("Nhiệm vụ {}: {e}", t.reference));
                    None
                }
            }
        };
        decisions.push(TaskDecision {
            task_index: i,
            include: get(&format!("include_{i}")).is_some(),
            leads: all_values(&fields, &format!("leads_{i}")),
            co_agencies: all_values(&fields, &format!("co_{i}")),
            deliverable: get(&format!("deliverable_{i}")).unwrap_or_default(),
            report_to: get(&format!("report_to_{i}")).unwrap_or_default(),
            deadline_kind: kind.unwrap_or(trinhky_domain::directive::DeadlineKind::Conditional),
            last_day,
            condition: get(&format!("condition_{i}")).filter(|c| !c.trim().is_empty()),
        });
    }
    // Every name the clerk typed must name one agency or group of the directory: all refusals at
    // once, the form kept as typed.
    let index = directive_intake::directory_index(&state.store).await?;
    for (d, t) in decisions
        .iter()
        .zip(&p.parsed.tasks)
        .filter(|(d, _)| d.include)
    {
        for (field, values) in [
            (directive_intake::LEAD_FIELD, &d.leads),
            (directive_intake::CO_FIELD, &d.co_agencies),
        ] {
            if let Err(e) = directive_intake::agency_codes(&index, field, &t.reference, values) {
                problems.push(e.to_string());
            }
        }
    }
    if !problems.is_empty() {
        let outcome = Outcome {
            decisions: Some(decisions),
            error: Some(problems.join(" ")),
            assigned: None,
        };
        return review_page(&state, &auth, id, outcome, StatusCode::BAD_REQUEST).await;
    }
    match directive_intake::confirm(&state.store, &auth.principal.actor(), id, &decisions).await {
        Ok(created) => Ok(
            Redirect::to(&format!("/directives/{id}?assigned={}", created.len())).into_response(),
        ),
        Err(e) => match WebError::from(e) {
            WebError::BadRequest(m) | WebError::Conflict(m) => {
                let outcome = Outcome {
                    decisions: Some(decisions),
                    error: Some(m),
                    assigned: None,
                };
                review_page(&state, &auth, id, outcome, StatusCode::BAD_REQUEST).await
            }
            other => Err(other),
        },
    }
}
