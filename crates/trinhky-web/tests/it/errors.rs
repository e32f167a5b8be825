//! Error pages (issue #8): every error is answered in Vietnamese, says what happened and what to
//! do, links home, never shows a stack trace or SQL; internal errors show a request id that is
//! in the log. axum's own rejections (malformed form or JSON, bad query string or path, a body
//! over the limit, a wrong method) are mapped too: on pages as HTML, under /api as the JSON
//! error shape.

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use trinhky_testkit::{Session, TestApp, body_text, demo_password, spawn_app};

async fn login(app: &TestApp, username: &str) -> Session {
    app.login(username, &demo_password(username)).await.unwrap()
}

fn with(s: &Session, b: axum::http::request::Builder) -> axum::http::request::Builder {
    b.header(header::COOKIE, &s.cookie)
}

/// Vietnamese, a way back, nothing internal.
fn assert_clear_page(res_status: StatusCode, expected: StatusCode, html: &str) {
    assert_eq!(res_status, expected, "{html}");
    assert!(html.contains("<html lang=\"vi\">"), "{html}");
    assert!(
        html.contains("href=\"/\"") && html.contains("Về trang chủ"),
        "{html}"
    );
    assert!(
        html.contains(&format!("lỗi {}", expected.as_u16())),
        "{html}"
    );
    for english in [
        "Failed to",
        "deserialize",
        "Invalid URL",
        "length limit",
        "Content-Type",
        "panicked",
        "SELECT",
        "sqlx",
        "DbErr",
    ] {
        assert!(
            !html.contains(english),
            "internal text {english:?} shown: {html}"
        );
    }
}

async fn html(res: Response<Body>) -> (StatusCode, String) {
    let s = res.status();
    (s, body_text(res).await)
}

async fn json(res: Response<Body>) -> (StatusCode, serde_json::Value) {
    let s = res.status();
    let ct = res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let v: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(v["status"], s.as_u16(), "{v}");
    assert_eq!(
        v["type"],
        format!("urn:trinhky:problem:{}", v["code"].as_str().unwrap())
    );
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    (s, v)
}

#[tokio::test]
async fn unknown_pages_and_ids_that_are_not_numbers_are_404_in_vietnamese() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    for path in ["/khong-co-trang-nay", "/documents/abc", "/incoming/1x/pdf"] {
        let (status, body) = html(
            app.send(with(&s, Request::get(path)).body(Body::empty()).unwrap())
                .await,
        )
        .await;
        assert_clear_page(status, StatusCode::NOT_FOUND, &body);
        assert!(body.contains("Không tìm thấy"), "{path}: {body}");
    }
    let (status, v) = json(
        app.send(
            with(&s, Request::get("/api/v1/documents/abc"))
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["code"], "TK-NOT-FOUND");
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = spawn_app().await;
    let s = login(&app, "snv.vanthu").await;
    let res = app
        .send(
            with(&s, Request::delete("/archive"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.headers()[header::ALLOW], "GET,HEAD");
    let (status, body) = html(res).await;
    assert_clear_page(status, StatusCode::METHOD_NOT_ALLOWED, &body);
    let res = app
        .send(
            with(&s, Request::put("/api/v1/incoming"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.headers()[header::ALLOW], "GET,HEAD");
    let (status, v) = json(res).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(v["code"], "TK-METHOD");
}

#[tokio::test]
async fn malformed_forms_json_and_query_strings_are_400_with_a_specific_message() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    // A form whose number field is not a number.
    let res = app
        .send(
            with(&s, Request::post("/documents/1/act/submit"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf_token={}&expected=abc", s.csrf)))
                .unwrap(),
        )
        .await;
    let (status, body) = html(res).await;
    assert_clear_page(status, StatusCode::BAD_REQUEST, &body);
    assert!(
        body.contains("Dữ liệu biểu mẫu gửi lên không hợp lệ"),
        "{body}"
    );
    // A form missing a required field names it.
    let res = app
        .send(
            with(&s, Request::post("/documents/1/reassign"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf_token={}&expected=1", s.csrf)))
                .unwrap(),
        )
        .await;
    let (status, body) = html(res).await;
    assert_clear_page(status, StatusCode::BAD_REQUEST, &body);
    assert!(
        body.contains("thiếu trường &quot;drafter&quot;")
            || body.contains("thiếu trường \"drafter\""),
        "{body}"
    );

    // JSON: missing field, broken syntax, wrong content type.
    let api = |body: &'static str, ctype: Option<&'static str>| {
        let mut b = with(&s, Request::post("/api/v1/documents/1/actions/submit"))
            .header("x-csrf-token", &s.csrf);
        if let Some(c) = ctype {
            b = b.header(header::CONTENT_TYPE, c);
        }
        b.body(Body::from(body)).unwrap()
    };
    let (status, v) = json(app.send(api("{}", Some("application/json"))).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "TK-MALFORMED");
    let msg = v["detail"].as_str().unwrap();
    assert!(msg.contains("thiếu trường \"expected_version\""), "{msg}");
    let (status, v) = json(
        app.send(api("{\"expected_version\":", Some("application/json")))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .starts_with("Dữ liệu JSON gửi lên không hợp lệ")
    );
    let (status, v) = json(app.send(api("{}", None)).await).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(v["detail"].as_str().unwrap().contains("application/json"));

    // A query string that does not parse.
    let clerk = login(&app, "snv.vanthu").await;
    let (status, body) = html(
        app.send(
            with(&clerk, Request::get("/registers/outgoing?page=abc"))
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_clear_page(status, StatusCode::BAD_REQUEST, &body);
    assert!(body.contains("Tham số trên địa chỉ"), "{body}");
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    let big = format!(
        "csrf_token={}&expected=1&title={}",
        s.csrf,
        "a".repeat(3 * 1024 * 1024)
    );
    let (status, body) = html(
        app.send(
            with(&s, Request::post("/documents/1/edit"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(big))
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_clear_page(status, StatusCode::PAYLOAD_TOO_LARGE, &body);
    assert!(body.contains("quá lớn"), "{body}");
    let big = format!(
        "{{\"expected_version\": 1, \"title\": \"{}\"}}",
        "a".repeat(3 * 1024 * 1024)
    );
    let (status, v) = json(
        app.send(
            with(&s, Request::put("/api/v1/documents/1"))
                .header("x-csrf-token", &s.csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(big))
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["code"], "TK-TOO-LARGE");
}

#[tokio::test]
async fn a_database_failure_is_a_500_with_a_request_id_and_no_sql() {
    let app = spawn_app().await;
    let s = login(&app, "vpubnd.vanthu").await;
    // Break the table the directive list reads.
    use trinhky_testkit::sea_orm::ConnectionTrait;
    app.store
        .db()
        .execute_unprepared("ALTER TABLE directives RENAME TO directives_gone")
        .await
        .unwrap();
    let (status, body) = html(
        app.send(
            with(&s, Request::get("/directives"))
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_clear_page(status, StatusCode::INTERNAL_SERVER_ERROR, &body);
    assert!(body.contains("Mã yêu cầu"), "{body}");
    assert!(
        !body.contains("directives_gone")
            && !body.contains("no such table")
            && !body.contains("relation"),
        "{body}"
    );
    let (status, v) = json(
        app.send(
            with(&s, Request::get("/api/v1/directives"))
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v["code"], "TK-STORAGE");
    assert_eq!(v["request_id"].as_str().unwrap().len(), 16);
    assert!(!v.to_string().contains("directives"), "{v}");
}

#[tokio::test]
async fn forbidden_and_csrf_pages_say_what_to_do() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    let (status, body) = html(
        app.send(
            with(
                &s,
                Request::get("/agencies/SKHĐT".replace('Đ', "%C4%90").as_str()),
            )
            .body(Body::empty())
            .unwrap(),
        )
        .await,
    )
    .await;
    assert_clear_page(status, StatusCode::FORBIDDEN, &body);
    assert!(body.contains("quản trị hệ thống"), "the hint: {body}");
    let res = app
        .send(
            with(&s, Request::post("/assignments/1/documents"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("csrf_token=wrong"))
                .unwrap(),
        )
        .await;
    let (status, body) = html(res).await;
    assert_clear_page(status, StatusCode::FORBIDDEN, &body);
    assert!(body.contains("Tải lại trang"), "{body}");
}

/// Issue #14: every API error is RFC 9457 problem details with a stable code — a workflow
/// denial keeps its `WFD…` code, the rest answer `TK-…` — and the HTML pages show the code too.
#[tokio::test]
async fn api_errors_are_problem_details_with_stable_codes() {
    let app = spawn_app().await;
    let doc =
        trinhky_testkit::flows::document_at_approval(&app, "- Như trên;\n- Lưu: VT, SNV.").await;
    let drafter = login(&app, "snv.chuyenvien").await;
    let director = login(&app, "snv.giamdoc").await;
    let post = |s: &Session, uri: &str, body: serde_json::Value| {
        with(s, Request::post(uri))
            .header("x-csrf-token", &s.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let approve = format!("/api/v1/documents/{doc}/actions/approve");

    // 401 without a login or token.
    let (status, v) = json(
        app.send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
            .await,
    )
    .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("TK-UNAUTHENTICATED"))
    );
    assert_eq!(v["title"], "Chưa đăng nhập");

    // Workflow denials: who (403) and when (409), each with its engine code.
    let (status, v) = json(
        app.send(post(
            &drafter,
            &approve,
            serde_json::json!({"expected_version": 2}),
        ))
        .await,
    )
    .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("WFD004")),
        "{v}"
    );
    assert_eq!(v["type"], "urn:trinhky:problem:WFD004");
    let (status, v) = json(
        app.send(post(
            &director,
            &approve,
            serde_json::json!({"expected_version": 1}),
        ))
        .await,
    )
    .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("WFD007")),
        "{v}"
    );
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    assert!(
        v["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{v}"
    );

    // A validation error and a conflict outside the workflow.
    let (status, v) = json(
        app.send(post(
            &drafter,
            "/api/v1/tokens",
            serde_json::json!({"name": " "}),
        ))
        .await,
    )
    .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("TK-VALIDATION")),
        "{v}"
    );
    let res = app
        .send(post(
            &drafter,
            "/api/v1/tokens",
            serde_json::json!({"name": "tích hợp"}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let token: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    let revoke = format!("/api/v1/tokens/{}/revoke", token["id"]);
    let res = app
        .send(post(&drafter, &revoke, serde_json::json!({})))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, v) = json(
        app.send(post(&drafter, &revoke, serde_json::json!({})))
            .await,
    )
    .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("TK-CONFLICT")),
        "{v}"
    );

    // 404 under /api, and the code on the HTML error page.
    let (status, v) = json(
        app.send(
            with(&drafter, Request::get("/api/v1/khong-co"))
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("TK-NOT-FOUND"))
    );
    assert!(
        v["detail"].as_str().unwrap().contains("openapi.json"),
        "{v}"
    );
    let (status, body) = html(
        app.send(
            with(&drafter, Request::get("/khong-co-trang-nay"))
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_clear_page(status, StatusCode::NOT_FOUND, &body);
    assert!(
        body.contains("Mã lỗi") && body.contains("TK-NOT-FOUND"),
        "{body}"
    );
}
