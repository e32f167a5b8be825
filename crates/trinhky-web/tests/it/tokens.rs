//! API tokens (issue 13): they expire, are listed without their secret, are revoked one by one
//! by their owner or an administrator of the owner, and a password reset revokes them all.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use trinhky_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use trinhky_testkit::store::entities::audit_event;
use trinhky_testkit::{
    Session, TestApp, body_text, demo_password, page_text, spawn_app, urlencode,
};

async fn login(app: &TestApp, user: &str) -> Session {
    app.login(user, &demo_password(user)).await.ok().unwrap()
}

fn api(method: &str, uri: &str, s: &Session, body: Option<Value>) -> Request<Body> {
    let b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, &s.cookie)
        .header("x-csrf-token", &s.csrf);
    match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

fn bearer(method: &str, uri: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

async fn json_of(res: axum::http::Response<Body>) -> Value {
    serde_json::from_str(&body_text(res).await).unwrap()
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    app.send(bearer("GET", "/api/v1/me", token, None))
        .await
        .status()
}

async fn audited(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .all(app.store.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn expired_and_revoked_tokens_answer_401() {
    let app = spawn_app().await;
    let now = Utc::now();
    let (live, view) = trinhky_app::tokens::issue(
        &app.store,
        "test",
        "snv.vanthu",
        "cổng dịch vụ công",
        30,
        now,
    )
    .await
    .unwrap();
    // PostgreSQL keeps microseconds.
    let off = view.expires_at.unwrap() - (now + Duration::days(30));
    assert!(off.num_milliseconds().abs() < 1, "{off}");
    assert_eq!(view.status, "active");
    let (old, _) = trinhky_app::tokens::issue(
        &app.store,
        "test",
        "snv.vanthu",
        "cũ",
        1,
        now - Duration::days(2),
    )
    .await
    .unwrap();
    assert_eq!(me(&app, &live).await, StatusCode::OK);
    assert_eq!(me(&app, &old).await, StatusCode::UNAUTHORIZED, "expired");
    // Lifetimes are bounded.
    for days in [0, 366] {
        let e = trinhky_app::tokens::issue(&app.store, "test", "snv.vanthu", "x", days, now)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("từ 1 đến 365 ngày"), "{e}");
    }
    let list = trinhky_app::tokens::list(&app.store, "snv.vanthu", Utc::now())
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|t| t.status).collect::<Vec<_>>(),
        ["expired", "active"]
    );
    assert!(list[1].last_used_at.is_some(), "used once");
    match trinhky_app::tokens::revoke(&app.store, "test", view.id, Utc::now())
        .await
        .unwrap()
    {
        trinhky_app::tokens::Revoked::Done(v) => assert_eq!(v.status, "revoked"),
        other => panic!("{other:?}"),
    }
    assert_eq!(me(&app, &live).await, StatusCode::UNAUTHORIZED, "revoked");
    let revoked = audited(&app, "api_token.revoke").await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].actor, "test");
    assert_eq!(audited(&app, "api_token.create").await.len(), 2);
}

#[tokio::test]
async fn users_manage_their_own_tokens_and_admins_those_they_administer() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    let res = app
        .send(api(
            "POST",
            "/api/v1/tokens",
            &s,
            Some(json!({"name": "báo cáo tự động", "expires_days": 7})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created = json_of(res).await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("tk_"));
    assert_eq!(created["username"], "snv.chuyenvien");
    assert_eq!(me(&app, &token).await, StatusCode::OK);
    // Listed without secret or hash, by session and by the token itself.
    let list = json_of(app.send(api("GET", "/api/v1/tokens", &s, None)).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["name"], "báo cáo tự động");
    assert_eq!(list[0]["status"], "active");
    let text = list.to_string();
    assert!(
        !text.contains(&token[3..]) && !text.contains("token_hash"),
        "{text}"
    );
    let res = app
        .send(bearer("GET", "/api/v1/tokens", &token, None))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A token cannot mint its successors.
    let res = app
        .send(bearer(
            "POST",
            "/api/v1/tokens",
            &token,
            Some(json!({"name": "x"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Out of range lifetime.
    let res = app
        .send(api(
            "POST",
            "/api/v1/tokens",
            &s,
            Some(json!({"name": "x", "expires_days": 400})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Nobody else's tokens: not listed, not revocable (and not disclosed).
    let other = trinhky_app::auth::create_api_token(&app.store, "test", "snv.giamdoc", "y")
        .await
        .unwrap();
    let other_id = trinhky_app::tokens::list(&app.store, "snv.giamdoc", Utc::now())
        .await
        .unwrap()[0]
        .id;
    let res = app
        .send(api("GET", "/api/v1/tokens?user=snv.giamdoc", &s, None))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .send(api(
            "POST",
            &format!("/api/v1/tokens/{other_id}/revoke"),
            &s,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(me(&app, &other).await, StatusCode::OK);
    // The province's administrator lists and revokes the drafter's token.
    let admin = login(&app, "quantri").await;
    let list = json_of(
        app.send(api(
            "GET",
            "/api/v1/tokens?user=snv.chuyenvien",
            &admin,
            None,
        ))
        .await,
    )
    .await;
    let id = list[0]["id"].as_i64().unwrap();
    let res = app
        .send(api(
            "POST",
            &format!("/api/v1/tokens/{id}/revoke"),
            &admin,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_of(res).await["status"], "revoked");
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
    let res = app
        .send(api(
            "POST",
            &format!("/api/v1/tokens/{id}/revoke"),
            &admin,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // The owner revokes their own with the session (CSRF header needed).
    let res = app
        .send(
            Request::post(format!("/api/v1/tokens/{other_id}/revoke"))
                .header(header::COOKIE, &admin.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF header");
    let gd = login(&app, "snv.giamdoc").await;
    let res = app
        .send(api(
            "POST",
            &format!("/api/v1/tokens/{other_id}/revoke"),
            &gd,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &other).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_password_reset_revokes_tokens_and_sessions() {
    let app = spawn_app().await;
    let token = trinhky_app::auth::create_api_token(&app.store, "test", "snv.chuyenvien", "x")
        .await
        .unwrap();
    let victim = login(&app, "snv.chuyenvien").await;
    assert_eq!(me(&app, &token).await, StatusCode::OK);
    let admin = login(&app, "quantri").await;
    let res = app
        .send(api(
            "POST",
            "/api/v1/admin/users/snv.chuyenvien/password",
            &admin,
            Some(json!({"password": "mot-mat-khau-moi-rat-dai"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
    let res = app
        .send(
            Request::get("/")
                .header(header::COOKIE, &victim.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(res.status().is_redirection(), "the session ended");
    let reset = audited(&app, "user.password_reset").await;
    let details: Value = serde_json::from_str(&reset[0].details).unwrap();
    assert_eq!(details["api_tokens_revoked"], 1, "{details}");
    assert_eq!(details["sessions_ended"], 1, "{details}");
}

#[tokio::test]
async fn the_admin_user_page_lists_creates_and_revokes_tokens() {
    let app = spawn_app().await;
    let admin = login(&app, "quantri").await;
    let form = |uri: &str, fields: &[(&str, &str)]| {
        let mut body = format!("csrf_token={}", urlencode(&admin.csrf));
        for (k, v) in fields {
            body.push_str(&format!("&{k}={}", urlencode(v)));
        }
        Request::post(uri)
            .header(header::COOKIE, &admin.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let res = app
        .send(form(
            "/admin/users/snv.vanthu/tokens",
            &[("name", "phần mềm một cửa"), ("expires_days", "30")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = page_text(res).await;
    assert!(
        html.contains("Đã tạo khóa API \"phần mềm một cửa\""),
        "{html}"
    );
    let token = html
        .split_whitespace()
        .find(|w| w.starts_with("tk_"))
        .unwrap()
        .trim_end_matches(|c: char| !c.is_ascii_hexdigit())
        .to_owned();
    assert_eq!(me(&app, &token).await, StatusCode::OK);
    assert!(
        html.contains("Khóa API") && html.contains("đang dùng"),
        "{html}"
    );
    let res = app
        .send(form(
            "/admin/users/snv.vanthu/tokens",
            &[("name", "x"), ("expires_days", "999")],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let id = trinhky_app::tokens::list(&app.store, "snv.vanthu", Utc::now())
        .await
        .unwrap()[0]
        .id;
    // A token of another account through this account's page: not found.
    let res = app
        .send(form(
            &format!("/admin/users/snv.giamdoc/tokens/{id}/revoke"),
            &[],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .send(form(
            &format!("/admin/users/snv.vanthu/tokens/{id}/revoke"),
            &[],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = page_text(res).await;
    assert!(html.contains("Đã thu hồi khóa API"), "{html}");
    assert!(html.contains("đã thu hồi"), "{html}");
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
}
