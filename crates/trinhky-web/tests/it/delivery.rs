//! The clerk's issuing step (issue 8): the number preview and resolved Nơi nhận before issuing,
//! the e-mail status per recipient after it, and "Gửi lại" for a message that failed, against
//! real SMTP servers (a closed port, then aiosmtpd).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use serde_json::Value;
use trinhky_mail::{Mailer, Security, SmtpConfig, TransportConfig};
use trinhky_testkit::flows::{self, approved_document};
use trinhky_testkit::mail::{SmtpOptions, SmtpServer, free_port};
use trinhky_testkit::{Session, TestApp, body_text, demo_password, page_text, spawn_app};

use crate::validators::scratch;

const RECIPIENTS: &str =
    "- Sở Kế hoạch và Đầu tư;\n- Công ty Tư vấn A <tuvan@congty-a.example>;\n- Lưu: VT, SNV.";
const FROM: &str = "Văn thư Sở Nội vụ <vanthu@snv.example>";
const LEASE: chrono::Duration = chrono::Duration::seconds(130);

fn mailer(port: u16) -> Mailer {
    Mailer::new(&TransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        credentials: None,
        ca_pem: None,
        timeout: std::time::Duration::from_secs(5),
    }))
    .unwrap()
}

async fn login(app: &TestApp, user: &str) -> Session {
    app.login(user, &demo_password(user)).await.unwrap()
}

pub(crate) async fn get(app: &TestApp, s: &Session, path: &str) -> (StatusCode, String) {
    let res = app
        .send(
            Request::get(path)
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let status = res.status();
    (status, body_text(res).await)
}

async fn issue(app: &TestApp, doc: i32) {
    flows::act(app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_clerk_sees_the_number_and_recipients_before_issuing_and_gets_that_number() {
    let app = spawn_app().await;
    let doc = approved_document(&app, RECIPIENTS).await;
    let clerk = login(&app, "snv.vanthu").await;
    let (status, json) = get(
        &app,
        &clerk,
        &format!("/api/v1/documents/{doc}/issue-preview"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let preview: Value = serde_json::from_str(&json).unwrap();
    let number = preview["number"].as_str().unwrap().to_owned();
    let (seq, code) = number.split_once('/').unwrap();
    assert!(seq.chars().all(|c| c.is_ascii_digit()), "{number}");
    assert!(code.ends_with("-SNV"), "{number}");
    assert!(preview["problem"].is_null(), "{json}");
    let emails: Vec<&str> = preview["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"tuvan@congty-a.example"), "{emails:?}");
    assert_eq!(emails.len(), 2, "{emails:?}");
    let internal: Vec<bool> = preview["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["internal"].as_bool().unwrap())
        .collect();
    assert_eq!(internal.iter().filter(|i| **i).count(), 1, "{json}");
    // The page shows the same preview.
    let (_, html) = get(&app, &clerk, &format!("/documents/{doc}")).await;
    let text = trinhky_testkit::unescape(&html);
    assert!(text.contains("Số, ký hiệu dự kiến"), "{text}");
    assert!(text.contains(&number));
    assert!(text.contains("Công ty Tư vấn A"));
    // Nobody else can issue it, so nobody else gets a preview.
    let drafter = login(&app, "snv.chuyenvien").await;
    let (status, _) = get(
        &app,
        &drafter,
        &format!("/api/v1/documents/{doc}/issue-preview"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = get(&app, &drafter, &format!("/documents/{doc}")).await;
    assert!(!html.contains("Số, ký hiệu dự kiến"));
    // Issuing takes exactly the previewed number.
    issue(&app, doc).await;
    let entry = trinhky_testkit::store::numbering::number_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.number, number);
    let (status, _) = get(
        &app,
        &clerk,
        &format!("/api/v1/documents/{doc}/issue-preview"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no preview once issued");
}

#[tokio::test]
async fn an_unresolved_recipient_is_named_in_the_preview() {
    let app = spawn_app().await;
    let doc = trinhky_testkit::flows::approved_with_stale_recipients(
        &app,
        "- Sở Không Tồn Tại;\n- Giám đốc, các PGĐ Sở;\n- Lưu: VT.",
    )
    .await;
    let clerk = login(&app, "snv.vanthu").await;
    let (status, json) = get(
        &app,
        &clerk,
        &format!("/api/v1/documents/{doc}/issue-preview"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let preview: Value = serde_json::from_str(&json).unwrap();
    // Named for the clerk to mark "gửi bản giấy" (or return); not a refusal of everything.
    assert!(preview["problem"].is_null(), "{json}");
    assert_eq!(
        preview["unresolved"],
        serde_json::json!(["Sở Không Tồn Tại"])
    );
    let statuses: Vec<&str> = preview["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["unresolved", "internal", "archive"], "{json}");
    assert!(preview["recipients"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_message_is_shown_with_its_reason_and_the_clerk_resends_it() {
    let app = spawn_app().await;
    let doc = approved_document(&app, RECIPIENTS).await;
    issue(&app, doc).await;
    // A server that is down: every attempt fails until the message is given up.
    let port = free_port();
    let down = mailer(port);
    let mut at = Utc::now();
    for _ in 0..trinhky_app::dispatch::MAX_ATTEMPTS {
        trinhky_app::dispatch::dispatch_once(&app.store, &down, FROM, "w1", 10, LEASE, at)
            .await
            .unwrap();
        at += chrono::Duration::hours(2);
    }
    let rows = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.status == "failed"), "{rows:?}");
    let failed = rows[0].id;

    let clerk = login(&app, "snv.vanthu").await;
    let (_, html) = get(&app, &clerk, &format!("/documents/{doc}")).await;
    let text = page_text_of(&html);
    assert!(text.contains("Tình hình gửi thư điện tử"), "{text}");
    assert!(text.contains("Gửi không thành công"));
    assert!(html.contains(&format!("/documents/{doc}/deliveries/{failed}/resend")));

    // The API lists the same rows; a drafter of the agency sees them but cannot resend.
    let (status, json) = get(&app, &clerk, &format!("/api/v1/documents/{doc}/deliveries")).await;
    assert_eq!(status, StatusCode::OK);
    let list: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["status"], "failed");
    assert_eq!(list[0]["can_resend"], true);
    let drafter = login(&app, "snv.chuyenvien").await;
    let (_, html) = get(&app, &drafter, &format!("/documents/{doc}")).await;
    assert!(
        !html.contains("/resend\""),
        "no resend button for a drafter"
    );
    let res = post_form(
        &app,
        &drafter,
        &format!("/documents/{doc}/deliveries/{failed}/resend"),
    )
    .await;
    assert_eq!(res, StatusCode::FORBIDDEN);
    // A recipient's clerk has the issued copy, not how it reached the others.
    let other = login(&app, "skhdt.vanthu").await;
    let (status, _) = get(&app, &other, &format!("/api/v1/documents/{doc}/deliveries")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Without the CSRF token nothing happens.
    let res = app
        .send(
            Request::post(format!("/documents/{doc}/deliveries/{failed}/resend"))
                .header(header::COOKIE, &clerk.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("csrf_token=wrong"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let before = trinhky_testkit::store::audit::count(app.store.db())
        .await
        .unwrap();

    // The clerk resends one message from the page.
    let res = post_form(
        &app,
        &clerk,
        &format!("/documents/{doc}/deliveries/{failed}/resend"),
    )
    .await;
    assert_eq!(res, StatusCode::SEE_OTHER);
    let row = trinhky_testkit::store::outbox::message_by_id(app.store.db(), failed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 0));
    assert_eq!(
        trinhky_testkit::store::audit::count(app.store.db())
            .await
            .unwrap(),
        before + 1,
        "one audit event for the resend"
    );
    let last = trinhky_testkit::store::audit::latest(app.store.db(), 1)
        .await
        .unwrap();
    assert_eq!(last[0].action, "dispatch.resend");
    assert_eq!(last[0].actor, "snv.vanthu");
    // A second click finds nothing to resend: a clear conflict, nothing changes.
    let res = post_form(
        &app,
        &clerk,
        &format!("/documents/{doc}/deliveries/{failed}/resend"),
    )
    .await;
    // Refused (post/redirect/get: back to the page with the message), nothing changes.
    assert_eq!(res, StatusCode::SEE_OTHER);
    // A message id of another document is refused.
    let res = post_form(
        &app,
        &clerk,
        &format!("/documents/{doc}/deliveries/999999/resend"),
    )
    .await;
    assert_eq!(res, StatusCode::SEE_OTHER, "refused, back to the page");

    // The other one through the API.
    let other_id = rows[1].id;
    let res = app
        .send(
            Request::post(format!(
                "/api/v1/documents/{doc}/deliveries/{other_id}/resend"
            ))
            .header(header::COOKIE, &clerk.cookie)
            .header("x-csrf-token", &clerk.csrf)
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // The server is back: both go out exactly once.
    let dir = scratch("delivery-resend");
    let smtp = SmtpServer::start_on(port, &dir.join("maildir"), &SmtpOptions::default());
    let p =
        trinhky_app::dispatch::dispatch_once(&app.store, &down, FROM, "w1", 10, LEASE, Utc::now())
            .await
            .unwrap();
    assert_eq!(p.sent, 2, "{p:?}");
    assert_eq!(smtp.files().len(), 2);
    let (_, html) = get(&app, &clerk, &format!("/documents/{doc}")).await;
    assert!(page_text_of(&html).contains("Đã gửi"));
    assert!(!html.contains("/resend\""), "nothing left to resend");
}

fn page_text_of(html: &str) -> String {
    trinhky_testkit::unescape(html)
}

async fn post_form(app: &TestApp, s: &Session, path: &str) -> StatusCode {
    let res = app
        .send(
            Request::post(path)
                .header(header::COOKIE, &s.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf_token={}", s.csrf)))
                .unwrap(),
        )
        .await;
    let status = res.status();
    let _ = page_text(res).await;
    status
}
