//! Theo dõi, đôn đốc (issue 8): counts per lead agency, the SVG chart, reminders, access.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, NaiveDate};
use serde_json::Value;
use trinhky_testkit::flows::{self, approved_document, principal};
use trinhky_testkit::sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use trinhky_testkit::store::entities::{assignment, outbox_message};
use trinhky_testkit::{Session, TestApp, body_text, demo_password, spawn_app, urlencode};

const RECIPIENTS: &str = "- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- Lưu: VT, SNV.";

/// Uploads and confirms the seed directive, moves task 6.1's deadline 30 days ahead and issues
/// Sở Nội vụ's report today. Returns (directive id, assignment id of 6.1).
async fn directive_with_report_on_time(app: &TestApp) -> (i32, i32) {
    let doc = approved_document(app, RECIPIENTS).await;
    let d = trinhky_testkit::store::documents::document_by_id(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    let a_id = d.assignment_id.unwrap();
    let a = assignment::Entity::find_by_id(a_id)
        .one(app.store.db())
        .await
        .unwrap()
        .unwrap();
    let directive = a.directive_id;
    let mut am: assignment::ActiveModel = a.into();
    am.last_day = Set(Some(trinhky_app::today_vn() + Duration::days(30)));
    am.update(app.store.db()).await.unwrap();
    flows::act(app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
    (directive, a_id)
}

async fn login(app: &TestApp, user: &str) -> Session {
    app.login(user, &demo_password(user)).await.ok().unwrap()
}

fn get(uri: &str, s: &Session) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, &s.cookie)
        .body(Body::empty())
        .unwrap()
}

fn post_form(uri: &str, s: &Session, csrf: Option<&str>) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            csrf.map(|c| format!("csrf_token={}", urlencode(c)))
                .unwrap_or_default(),
        ))
        .unwrap()
}

fn post_api(uri: &str, s: &Session) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .body(Body::empty())
        .unwrap()
}

async fn reminders(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Kind.eq("reminder"))
        .all(app.store.db())
        .await
        .unwrap()
}

/// Checks that every element opened is closed in order (a minimal well-formedness check).
fn assert_balanced(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    for part in svg.split('<').skip(1) {
        let tag = part.split('>').next().unwrap();
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "closing </{name}>"
            );
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap().to_owned();
            stack.push(name);
        }
        assert!(part.contains('>'), "unterminated tag in {part}");
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[tokio::test]
async fn follow_up_counts_chart_and_reminders() {
    let app = spawn_app().await;
    let (directive, on_time) = directive_with_report_on_time(&app).await;
    let s = login(&app, "vpubnd.vanthu").await;

    // The clerk's home and the directive page link to the follow-up.
    let home = body_text(app.send(get("/", &s)).await).await;
    assert!(home.contains(&format!("/directives/{directive}/follow-up")));
    let page = body_text(app.send(get(&format!("/directives/{directive}"), &s)).await).await;
    assert!(page.contains(&format!("/directives/{directive}/follow-up")));

    // JSON: Sở Nội vụ's report is done on time.
    let res = app
        .send(get(
            &format!("/api/v1/directives/{directive}/follow-up"),
            &s,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let f: Value = serde_json::from_str(&body_text(res).await).unwrap();
    let groups = f["groups"].as_array().unwrap();
    let snv = groups.iter().find(|g| g["code"] == "SNV").unwrap();
    assert!(snv["counts"]["on_time"].as_u64().unwrap() >= 1);
    let item = snv["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["assignment_id"] == on_time)
        .unwrap();
    assert_eq!(item["status"], "on_time");
    assert!(item["report_number"].as_str().is_some());
    let total: u64 = ["on_time", "late", "open", "overdue"]
        .iter()
        .map(|k| f["totals"][k].as_u64().unwrap())
        .sum();
    let items: usize = groups
        .iter()
        .map(|g| g["items"].as_array().unwrap().len())
        .sum();
    assert_eq!(total as usize, items);

    // With a day beyond every deadline, whatever is not done and dated is overdue.
    let far = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    let p = principal(&app, "vpubnd.vanthu").await;
    let later = trinhky_app::follow_up::follow_up(&app.store, &app.registry, &p, directive, far)
        .await
        .unwrap()
        .unwrap();
    let all: Vec<_> = later.groups.iter().flat_map(|g| g.items.iter()).collect();
    let dated_pending = all
        .iter()
        .filter(|i| i.report_number.is_none() && i.last_day.is_some())
        .count();
    let undated_pending = all
        .iter()
        .filter(|i| i.report_number.is_none() && i.last_day.is_none())
        .count();
    assert!(dated_pending > 0);
    assert_eq!(later.totals.overdue, dated_pending);
    assert_eq!(later.totals.open, undated_pending);
    assert_eq!(later.totals.on_time, 1);
    use trinhky_app::follow_up::Status;
    assert!(
        all.iter()
            .any(|i| i.assignment_id == on_time && i.status == Status::OnTime)
    );

    // The page: a well-formed SVG with one <rect> per non-zero segment, and the counts.
    let res = app
        .send(get(&format!("/directives/{directive}/follow-up"), &s))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = body_text(res).await;
    let start = html.find("<svg").unwrap();
    let end = html.find("</svg>").unwrap() + "</svg>".len();
    let svg = &html[start..end];
    assert!(svg.starts_with("<svg"));
    assert_balanced(svg);
    assert!(svg.contains("<title"));
    assert!(!svg.contains("<script") && !svg.contains("href"));
    let segments: usize = groups
        .iter()
        .map(|g| {
            ["on_time", "late", "open", "overdue"]
                .iter()
                .filter(|k| g["counts"][**k].as_u64().unwrap() > 0)
                .count()
        })
        .sum();
    assert_eq!(svg.matches("<rect").count(), segments);
    assert!(svg.contains(&format!("Tổng số {total} nhiệm vụ")));
    assert!(svg.contains(&format!("{} hoàn thành đúng hạn", f["totals"]["on_time"])));
    assert!(svg.contains(&format!("{} quá hạn", f["totals"]["overdue"])));
    let text = trinhky_testkit::unescape(&html);
    assert!(text.contains("Theo dõi, đôn đốc"));
    assert!(text.contains("Đúng hạn") && text.contains("Quá hạn"));

    // Remind an open or overdue task: one outbox row, audited; a second click none.
    let pending = groups
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap().iter().map(move |i| (g, i)))
        .filter(|(_, i)| i["status"] == "open" || i["status"] == "overdue")
        .collect::<Vec<_>>();
    assert!(pending.len() >= 2);
    let (g, i) = pending[0];
    let a = i["assignment_id"].as_i64().unwrap();
    let uri = format!("/directives/{directive}/follow-up/{a}/remind");
    assert_eq!(
        app.send(post_form(&uri, &s, None)).await.status(),
        StatusCode::FORBIDDEN,
        "CSRF checked"
    );
    assert!(reminders(&app).await.is_empty());
    // Post/redirect/get: back on the dashboard, the outcome shown once.
    let res = app.send(post_form(&uri, &s, Some(&s.csrf))).await;
    let text = trinhky_testkit::followed(&app, &s, res).await;
    assert!(text.contains("Đã gửi nhắc việc"), "{text}");
    let rows = reminders(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].email, g["email"].as_str().unwrap());
    assert_eq!(rows[0].assignment_id, Some(a as i32));
    assert_eq!(rows[0].document_id, None);
    assert!(
        rows[0].subject.starts_with("[Nhắc việc] Nhiệm vụ"),
        "{}",
        rows[0].subject
    );
    assert!(text.contains("Đã nhắc việc hôm nay"));
    let audited = trinhky_testkit::store::audit::latest(app.store.db(), 20)
        .await
        .unwrap();
    assert!(audited.iter().any(|e| e.action == "assignment.remind"));
    let res = app.send(post_form(&uri, &s, Some(&s.csrf))).await;
    assert!(
        trinhky_testkit::followed(&app, &s, res)
            .await
            .contains("Hôm nay đã nhắc việc")
    );
    assert_eq!(reminders(&app).await.len(), 1);

    // The API: queued (201), then already today (200), no new row.
    let b = pending[1].1["assignment_id"].as_i64().unwrap();
    let api = format!("/api/v1/directives/{directive}/follow-up/{b}/remind");
    let res = app.send(post_api(&api, &s)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(v["result"], "queued");
    let res = app.send(post_api(&api, &s)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(v["result"], "already_today");
    assert_eq!(reminders(&app).await.len(), 2);

    // A done task needs no reminder; an assignment of another directive is not found.
    let done = format!("/api/v1/directives/{directive}/follow-up/{on_time}/remind");
    assert_eq!(
        app.send(post_api(&done, &s)).await.status(),
        StatusCode::CONFLICT
    );
    let other = format!(
        "/api/v1/directives/{}/follow-up/{b}/remind",
        directive + 1000
    );
    assert_eq!(
        app.send(post_api(&other, &s)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(reminders(&app).await.len(), 2);

    // Both operations are described.
    let doc: Value =
        serde_json::from_str(&body_text(app.send(get("/api/v1/openapi.json", &s)).await).await)
            .unwrap();
    assert!(doc["paths"]["/api/v1/directives/{id}/follow-up"]["get"].is_object());
    assert!(
        doc["paths"]["/api/v1/directives/{id}/follow-up/{assignment_id}/remind"]["post"]
            .is_object()
    );
}

#[tokio::test]
async fn follow_up_is_for_the_province_office_only() {
    let app = spawn_app().await;
    let (directive, _) = directive_with_report_on_time(&app).await;
    let a = assignment::Entity::find()
        .filter(assignment::Column::DirectiveId.eq(directive))
        .all(app.store.db())
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.status == "open")
        .unwrap()
        .id;
    let s = login(&app, "snv.chuyenvien").await;
    for uri in [
        format!("/directives/{directive}/follow-up"),
        format!("/api/v1/directives/{directive}/follow-up"),
    ] {
        assert_eq!(
            app.send(get(&uri, &s)).await.status(),
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    let uri = format!("/directives/{directive}/follow-up/{a}/remind");
    assert_eq!(
        app.send(post_form(&uri, &s, Some(&s.csrf))).await.status(),
        StatusCode::FORBIDDEN
    );
    let api = format!("/api/v1/directives/{directive}/follow-up/{a}/remind");
    assert_eq!(
        app.send(post_api(&api, &s)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(reminders(&app).await.is_empty());
    let home = body_text(app.send(get("/", &s)).await).await;
    assert!(!home.contains("/follow-up"));
}
