//! Theo dõi, đôn đốc (issue 8): the follow-up page of a directive for Văn phòng UBND, with a
//! server-rendered SVG chart, one-click reminders (nhắc việc) and the JSON equivalent.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use chrono::Utc;
use minijinja::context;
use trinhky_app::follow_up::{self as uc, AgencyGroup, Counts, FollowUp, Item, Reminded, Status};

use crate::auth::{ApiError, ApiUser, Auth, User};
use crate::dates::show;
use crate::error::WebError;
use crate::pages::nav;
use crate::state::AppState;

/// The four statuses in chart order, with their label and colours (fill, text on the fill).
/// Colours are from a colour-blind-safe palette and differ in lightness too; every segment also
/// carries its number, so colour is never the only cue.
const SEGMENTS: [(Status, &str, &str, &str); 4] = [
    (Status::OnTime, "Đúng hạn", "#1a7f37", "#ffffff"),
    (Status::Late, "Trễ hạn", "#f0b400", "#1d2433"),
    (Status::Open, "Đang thực hiện", "#1f5fae", "#ffffff"),
    (Status::Overdue, "Quá hạn", "#b3261e", "#ffffff"),
];

fn count_of(c: &Counts, s: Status) -> usize {
    match s {
        Status::OnTime => c.on_time,
        Status::Late => c.late,
        Status::Open => c.open,
        Status::Overdue => c.overdue,
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A horizontal stacked bar per lead agency, as a self-contained SVG (no script, no external
/// resource). Each non-zero segment is one `<rect>` with a `<title>`; the legend uses paths. The
/// agency's name stands above its bar and the drawing is narrow (360 units), so it scales to a
/// phone's width with its text still readable (issue 16).
pub fn chart_svg(f: &FollowUp) -> String {
    const WIDTH: usize = 360;
    const BAR_W: usize = 310;
    const ROW_H: usize = 46;
    const TOP: usize = 52;
    let height = TOP + ROW_H * f.groups.len().max(1) + 4;
    let max = f
        .groups
        .iter()
        .map(|g| g.counts.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let t = &f.totals;
    let summary = format!(
        "Tổng số {} nhiệm vụ: {} hoàn thành đúng hạn, {} hoàn thành trễ hạn, {} đang thực hiện, {} quá hạn (tính đến ngày {}).",
        t.total(),
        t.on_time,
        t.late,
        t.open,
        t.overdue,
        show(f.today)
    );
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"fu-chart-title fu-chart-desc\" font-family=\"Liberation Sans, Arial, sans-serif\" font-size=\"14\">\
<title id=\"fu-chart-title\">Tình hình thực hiện nhiệm vụ theo cơ quan chủ trì</title>\
<desc id=\"fu-chart-desc\">{}</desc>",
        esc(&summary)
    );
    // Legend: two rows of two, a square path per status, then its label.
    for (k, (_, label, fill, _)) in SEGMENTS.iter().enumerate() {
        let x = (k % 2) * (WIDTH / 2);
        let y = 4 + (k / 2) * 20;
        s.push_str(&format!(
            "<path d=\"M{x} {y}h13v13h-13z\" fill=\"{fill}\" stroke=\"#1d2433\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"{}\" fill=\"#1d2433\">{}</text>",
            x + 18,
            y + 12,
            esc(label)
        ));
    }
    for (i, g) in f.groups.iter().enumerate() {
        let y = TOP + i * ROW_H;
        s.push_str(&format!(
            "<g><title>{}: {} nhiệm vụ</title><text x=\"0\" y=\"{}\" fill=\"#1d2433\">{}</text>",
            esc(&g.name),
            g.counts.total(),
            y + 12,
            esc(&short(&g.name, 44))
        ));
        let mut x = 0;
        for (status, label, fill, ink) in SEGMENTS {
            let n = count_of(&g.counts, status);
            if n == 0 {
                continue;
            }
            let w = (n * BAR_W / max).max(4);
            s.push_str(&format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"22\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"1\"><title>{} — {}: {n}</title></rect>",
                y + 17,
                esc(&g.name),
                esc(label)
            ));
            if w >= 18 {
                s.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\" aria-hidden=\"true\">{n}</text>",
                    x + w / 2,
                    y + 33
                ));
            }
            x += w;
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"#5a6478\" aria-hidden=\"true\">{}</text></g>",
            x + 6,
            y + 33,
            g.counts.total()
        ));
    }
    s.push_str("</svg>");
    s
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::OnTime => "fu-ontime",
        Status::Late => "fu-late",
        Status::Open => "fu-open",
        Status::Overdue => "fu-overdue",
    }
}

fn counts_ctx(c: &Counts) -> minijinja::Value {
    context! { on_time => c.on_time, late => c.late, open => c.open, overdue => c.overdue, total => c.total() }
}

/// The table's filters (`?status=…&agency=…&role=…`). Unknown values filter nothing.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Filter {
    /// `overdue`, `pending` (not done yet) or `done`.
    #[serde(default)]
    status: String,
    /// An agency code: the tasks it leads or co-operates on (see `role`).
    #[serde(default)]
    agency: String,
    /// `lead` (chủ trì) or `co` (phối hợp); anything else both.
    #[serde(default)]
    role: String,
}

impl Filter {
    fn keeps(&self, lead: &str, i: &Item) -> bool {
        let status = match self.status.as_str() {
            "overdue" => i.status == Status::Overdue,
            "pending" => i.status.pending(),
            "done" => !i.status.pending(),
            _ => true,
        };
        let co = || i.co_agencies.iter().any(|c| c.code == self.agency);
        let agency = self.agency.is_empty()
            || match self.role.as_str() {
                "lead" => lead == self.agency,
                "co" => co(),
                _ => lead == self.agency || co(),
            };
        status && agency
    }

    fn active(&self) -> bool {
        !(self.status.is_empty() && self.agency.is_empty() && self.role.is_empty())
    }
}

fn deadline_of(i: &Item) -> String {
    match (i.last_day, &i.condition) {
        (Some(d), _) => show(d),
        (None, Some(c)) => format!("Có điều kiện: {c}"),
        (None, None) => "Chưa có hạn".into(),
    }
}

fn item_ctx(g: &AgencyGroup, i: &Item) -> minijinja::Value {
    let co: Vec<String> = i.co_agencies.iter().map(|c| c.name.clone()).collect();
    context! {
        id => i.assignment_id, reference => i.task_ref.clone(), deliverable => i.deliverable.clone(),
        agency => g.name.clone(), agency_code => g.code.clone(), co => co.join(", "),
        report_to => i.report_to.clone(), deadline => deadline_of(i), status => i.status.label(), class => status_class(i.status),
        pending => i.status.pending(), days_late => i.days_late,
        report => i.report_number.clone(), issued_on => i.issued_on.map(show),
        document => i.document.as_ref().map(|d| context! { id => d.document_id, step => d.step.clone(), doc_type => d.doc_type.clone() }),
        document_open => i.document_open,
        reminded_today => i.reminded_today,
    }
}

/// The agencies the filter offers: every lead and co-agency of the directive, leads first.
fn agency_options(f: &FollowUp) -> Vec<minijinja::Value> {
    let mut seen: Vec<(String, String)> = f
        .groups
        .iter()
        .map(|g| (g.code.clone(), g.name.clone()))
        .collect();
    for i in f.groups.iter().flat_map(|g| &g.items) {
        for c in &i.co_agencies {
            if !seen.iter().any(|(code, _)| code == &c.code) {
                seen.push((c.code.clone(), c.name.clone()));
            }
        }
    }
    seen.into_iter()
        .map(|(code, name)| context! { code, name })
        .collect()
}

/// The directive's follow-up today; 404 when there is no such directive.
async fn follow_up_of(state: &AppState, auth: &Auth, id: i32) -> Result<FollowUp, WebError> {
    uc::follow_up(
        &state.store,
        &state.registry,
        &auth.principal,
        id,
        trinhky_app::today_vn(),
    )
    .await?
    .ok_or(WebError::NotFound)
}

async fn page(
    state: &AppState,
    auth: &Auth,
    id: i32,
    filter: &Filter,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let f = follow_up_of(state, auth, id).await?;
    let total = f.groups.iter().map(|g| g.items.len()).sum::<usize>();
    let rows: Vec<minijinja::Value> = f
        .groups
        .iter()
        .flat_map(|g| g.items.iter().map(move |i| (g, i)))
        .filter(|(g, i)| filter.keeps(&g.code, i))
        .map(|(g, i)| item_ctx(g, i))
        .collect();
    let groups: Vec<minijinja::Value> = f
        .groups
        .iter()
        .map(|g| {
            let code: String = form_urlencoded::byte_serialize(g.code.as_bytes()).collect();
            let href = format!("/directives/{id}/follow-up?agency={code}&role=lead");
            context! { code => g.code.clone(), name => g.name.clone(), href, counts => counts_ctx(&g.counts) }
        })
        .collect();
    let body = state
        .templates
        .render(
            "follow_up.html",
            context! {
                nav => nav(auth), id, title => f.title.clone(), number => f.number.clone(), confirmed => f.confirmed,
                today => show(f.today), totals => counts_ctx(&f.totals), groups, rows, total, notice, error,
                agencies => agency_options(&f), filtered => filter.active(),
                filter => context! { status => filter.status.clone(), agency => filter.agency.clone(), role => filter.role.clone() },
                chart => minijinja::Value::from_safe_string(chart_svg(&f)),
                page_title => "Theo dõi, đôn đốc",
            },
        )
        .map_err(WebError::Internal)?;
    Ok((status, Html(body)).into_response())
}

pub async fn show_page(
    State(state): State<AppState>,
    User(auth): User,
    Path(id): Path<i32>,
    Query(filter): Query<Filter>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let flash = crate::flash::take(&headers, &auth, &format!("/directives/{id}/follow-up"));
    let (notice, error) = match flash {
        Some(f) if f.ok => (Some(f.message), None),
        Some(f) => (None, Some(f.message)),
        None => (None, None),
    };
    let res = page(&state, &auth, id, &filter, notice, error, StatusCode::OK).await?;
    Ok(crate::flash::consumed(&state, &headers, res))
}

fn notice_of(r: &Reminded) -> String {
    match r {
        Reminded::Queued { email, agency, .. } => {
            format!("Đã gửi nhắc việc tới {agency} ({email}). Thư sẽ được gửi trong ít phút.")
        }
        Reminded::AlreadyToday { email, agency } => {
            format!("Hôm nay đã nhắc việc {agency} ({email}) về nhiệm vụ này; không gửi thêm thư.")
        }
    }
}

pub async fn remind(
    State(state): State<AppState>,
    User(auth): User,
    Path((id, assignment)): Path<(i32, i32)>,
    headers: axum::http::HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    if !uc::may_follow_up(&auth.principal) {
        return Err(WebError::Forbidden(
            "Chỉ Văn phòng UBND tỉnh theo dõi, đôn đốc việc thực hiện nhiệm vụ.".into(),
        ));
    }
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str());
    auth.check_csrf(csrf)?;
    let r = uc::remind(
        &state.store,
        &auth.principal,
        id,
        assignment,
        trinhky_app::today_vn(),
        Utc::now(),
    )
    .await;
    // Post/redirect/get: back to the dashboard with the outcome (a reload sends nothing).
    let (flash, status) = match r {
        Ok(Some(r)) => (crate::flash::Flash::ok(notice_of(&r)), StatusCode::OK),
        Ok(None) => return Err(WebError::NotFound),
        Err(e) => match WebError::from(e) {
            WebError::BadRequest(m) | WebError::Conflict(m) => {
                (crate::flash::Flash::refused(m), StatusCode::CONFLICT)
            }
            other => return Err(other),
        },
    };
    let to = format!("/directives/{id}/follow-up");
    let (state, auth) = (&state, &auth);
    crate::flash::redirect_or(state, &headers, auth, &to, flash, |f| async move {
        let (notice, error) = if f.ok {
            (Some(f.message), None)
        } else {
            (None, Some(f.message))
        };
        page(state, auth, id, &Filter::default(), notice, error, status).await
    })
    .await
}

pub async fn api_get(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Json<FollowUp>, ApiError> {
    let f = follow_up_of(&state, &auth, id).await?;
    Ok(Json(f))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RemindOut {
    #[serde(flatten)]
    result: Reminded,
    message: String,
}

pub async fn api_remind(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path((id, assignment)): Path<(i32, i32)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !uc::may_follow_up(&auth.principal) {
        return Err(WebError::Forbidden(
            "Chỉ Văn phòng UBND tỉnh theo dõi, đôn đốc việc thực hiện nhiệm vụ.".into(),
        )
        .into());
    }
    auth.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let r = uc::remind(
        &state.store,
        &auth.principal,
        id,
        assignment,
        trinhky_app::today_vn(),
        Utc::now(),
    )
    .await?
    .ok_or(WebError::NotFound)?;
    let code = match r {
        Reminded::Queued { .. } => StatusCode::CREATED,
        Reminded::AlreadyToday { .. } => StatusCode::OK,
    };
    let message = notice_of(&r);
    Ok((code, Json(RemindOut { result: r, message })).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn chart_has_a_rect_per_nonzero_segment_and_escapes_names() {
        let counts = Counts {
            on_time: 1,
            late: 0,
            open: 2,
            overdue: 3,
        };
        let f = FollowUp {
            directive_id: 1,
            title: "T".into(),
            number: None,
            confirmed: true,
            today: NaiveDate::from_ymd_opt(2023, 7, 1).unwrap(),
            totals: counts,
            groups: vec![AgencyGroup {
                agency_id: 1,
                code: "A".into(),
                name: "Sở <A> & B".into(),
                email: "a@b.vn".into(),
                counts,
                items: vec![],
            }],
        };
        let svg = chart_svg(&f);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("Sở &lt;A&gt; &amp; B"));
        assert!(!svg.contains("<script"));
    }
}
