//! Theo dõi, đôn đốc (issue 8): the follow-up page of a directive for Văn phòng UBND, with a
//! server-rendered SVG chart, one-click reminders (nhắc việc) and the JSON equivalent.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use chrono::Utc;
use minijinja::context;
use trinhky_app::follow_up::{self as uc, Counts, FollowUp, Reminded, Status};

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
/// resource). Each non-zero segment is one `<rect>` with a `<title>`; the legend uses paths.
pub fn chart_svg(f: &FollowUp) -> String {
    const LABEL_W: usize = 230;
    const BAR_W: usize = 380;
    const ROW_H: usize = 30;
    const TOP: usize = 34;
    let width = LABEL_W + BAR_W + 50;
    let height = TOP + ROW_H * f.groups.len().max(1) + 10;
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
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"fu-chart-title fu-chart-desc\" font-family=\"Liberation Sans, Arial, sans-serif\" font-size=\"13\">\
<title id=\"fu-chart-title\">Tình hình thực hiện nhiệm vụ theo cơ quan chủ trì</title>\
<desc id=\"fu-chart-desc\">{}</desc>",
        esc(&summary)
    );
    // Legend: a square path per status, then its label.
    let mut x = LABEL_W;
    for (_, label, fill, _) in SEGMENTS {
        s.push_str(&format!(
            "<path d=\"M{x} 8h12v12h-12z\" fill=\"{fill}\" stroke=\"#1d2433\" stroke-width=\"0.5\"/><text x=\"{}\" y=\"18\" fill=\"#1d2433\">{}</text>",
            x + 16,
            esc(label)
        ));
        x += 16 + label.chars().count() * 7 + 14;
    }
    for (i, g) in f.groups.iter().enumerate() {
        let y = TOP + i * ROW_H;
        s.push_str(&format!(
            "<g><title>{}: {} nhiệm vụ</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1d2433\">{}</text>",
            esc(&g.name),
            g.counts.total(),
            LABEL_W - 8,
            y + 17,
            esc(&short(&g.name, 32))
        ));
        let mut x = LABEL_W;
        for (status, label, fill, ink) in SEGMENTS {
            let n = count_of(&g.counts, status);
            if n == 0 {
                continue;
            }
            let w = n * BAR_W / max;
            let w = w.max(4);
            s.push_str(&format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"1\"><title>{} — {}: {n}</title></rect>",
                y + 3,
                ROW_H - 8,
                esc(&g.name),
                esc(label)
            ));
            if w >= 16 {
                s.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\" aria-hidden=\"true\">{n}</text>",
                    x + w / 2,
                    y + 17
                ));
            }
            x += w;
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"#5a6478\" aria-hidden=\"true\">{}</text></g>",
            x + 6,
            y + 17,
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

async fn page(
    state: &AppState,
    auth: &Auth,
    id: i32,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let f = uc::follow_up(&state.store, &auth.principal, id, trinhky_app::today_vn())
        .await?
        .ok_or(WebError::NotFound)?;
    let groups: Vec<minijinja::Value> = f
        .groups
        .iter()
        .map(|g| {
            let items: Vec<minijinja::Value> = g
                .items
                .iter()
                .map(|i| {
                    let deadline = match (i.last_day, &i.condition) {
                        (Some(d), _) => show(d),
                        (None, Some(c)) => format!("Có điều kiện: {c}"),
                        (None, None) => "Chưa có hạn".into(),
                    };
                    context! {
                        id => i.assignment_id, reference => i.task_ref.clone(), deliverable => i.deliverable.clone(),
                        report_to => i.report_to.clone(), deadline, status => i.status.label(), class => status_class(i.status),
                        pending => i.status.pending(), days_late => i.days_late,
                        report => i.report_number.clone(), issued_on => i.issued_on.map(show),
                        reminded_today => i.reminded_today,
                    }
                })
                .collect();
            context! { code => g.code.clone(), name => g.name.clone(), email => g.email.clone(), counts => counts_ctx(&g.counts), items }
        })
        .collect();
    let body = state
        .templates
        .render(
            "follow_up.html",
            context! {
                nav => nav(auth), id, title => f.title.clone(), number => f.number.clone(), confirmed => f.confirmed,
                today => show(f.today), totals => counts_ctx(&f.totals), groups, notice, error,
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
) -> Result<Response, WebError> {
    page(&state, &auth, id, None, None, StatusCode::OK).await
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
    match uc::remind(
        &state.store,
        &auth.principal,
        id,
        assignment,
        trinhky_app::today_vn(),
        Utc::now(),
    )
    .await
    {
        Ok(Some(r)) => page(&state, &auth, id, Some(notice_of(&r)), None, StatusCode::OK).await,
        Ok(None) => Err(WebError::NotFound),
        Err(e) => match WebError::from(e) {
            WebError::BadRequest(m) | WebError::Conflict(m) => {
                page(&state, &auth, id, None, Some(m), StatusCode::CONFLICT).await
            }
            other => Err(other),
        },
    }
}

pub async fn api_get(
    State(state): State<AppState>,
    ApiUser(auth): ApiUser,
    Path(id): Path<i32>,
) -> Result<Json<FollowUp>, ApiError> {
    let f = uc::follow_up(&state.store, &auth.principal, id, trinhky_app::today_vn())
        .await?
        .ok_or(WebError::NotFound)?;
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
    use trinhky_app::follow_up::AgencyGroup;

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
