use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use trinhky_app::auth::{LoginError, login};
use trinhky_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use trinhky_testkit::store::entities::{audit_event, login_attempt};
use trinhky_testkit::{TestApp, body_text, demo_password, spawn_app, spawn_app_with, urlencode};

async fn attempt(
    app: &trinhky_testkit::TestApp,
    user: &str,
    password: &str,
) -> (StatusCode, String) {
    let (cookie, csrf) = app.login_form().await;
    let res = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .body(Body::from(format!(
                    "csrf_token={csrf}&username={}&password={}",
                    urlencode(user),
                    urlencode(password)
                )))
                .unwrap(),
        )
        .await;
    let status = res.status();
    (status, body_text(res).await)
}

#[tokio::test]
async fn right_password_logs_in_and_shows_vietnamese_home() {
    let app = spawn_app().await;
    let s = app
        .login("snv.chuyenvien", &demo_password("snv.chuyenvien"))
        .await
        .expect("login");
    let res = app
        .send(
            Request::get("/")
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = body_text(res).await;
    assert!(html.contains("Việc của tôi"), "{html}");
    assert!(
        html.contains("Sở Nội vụ"),
        "agency name with diacritics: {html}"
    );
}

#[tokio::test]
async fn wrong_password_is_rejected_then_throttled() {
    let app = spawn_app().await;
    let (status, html) = attempt(&app, "snv.giamdoc", "not-the-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        html.contains("Tên đăng nhập hoặc mật khẩu không đúng."),
        "{html}"
    );
    assert!(!html.contains("trinhky_session"));
    // An unknown user gets the same answer (no username enumeration).
    let (status, html) = attempt(&app, "khong.ton.tai", "whatever-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Tên đăng nhập hoặc mật khẩu không đúng."));

    for _ in 1..4 {
        let (status, _) = attempt(&app, "snv.giamdoc", "still-wrong-pass").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The fifth failure starts a delay, and says how long it is.
    let (status, html) = attempt(&app, "snv.giamdoc", "still-wrong-pass").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{html}");
    assert!(html.contains("thử lại sau 15 giây"), "{html}");
    // Inside the delay even the right password is not checked.
    let (status, html) = attempt(&app, "snv.giamdoc", &demo_password("snv.giamdoc")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{html}");
    assert!(html.contains("Đăng nhập sai quá nhiều lần"), "{html}");
    // Other users are not affected.
    assert!(
        app.login("snv.vanthu", &demo_password("snv.vanthu"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn session_cookie_is_httponly_and_strict_and_logout_ends_it() {
    let app = spawn_app().await;
    let (cookie, csrf) = app.login_form().await;
    let res = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .header("x-forwarded-proto", "https")
                .body(Body::from(format!(
                    "csrf_token={csrf}&username=snv.vanthu&password={}",
                    demo_password("snv.vanthu")
                )))
                .unwrap(),
        )
        .await;
    let set = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        // Secure behind TLS, so `__Host-` prefixed (issue #13).
        .find(|v| v.starts_with("__Host-trinhky_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Secure"),
        "{set}"
    );
    let session = set.split(';').next().unwrap().to_owned();

    let home = body_text(
        app.send(
            Request::get("/")
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    let csrf = trinhky_testkit::extract_csrf(&home).unwrap();
    let out = app
        .send(
            Request::post("/logout")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &session)
                .body(Body::from(format!("csrf_token={csrf}")))
                .unwrap(),
        )
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = app
        .send(
            Request::get("/")
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "the old cookie no longer opens the home page"
    );
    assert_eq!(after.headers()[header::LOCATION], "/login");
}

/// A login through the form from TCP peer `peer`, with an optional `X-Forwarded-For`.
async fn attempt_from(
    app: &TestApp,
    peer: &str,
    forwarded_for: Option<&str>,
    user: &str,
    password: &str,
) -> (StatusCode, String) {
    let (cookie, csrf) = app.login_form().await;
    let mut req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    let mut req = req
        .body(Body::from(format!(
            "csrf_token={csrf}&username={}&password={}",
            urlencode(user),
            urlencode(password)
        )))
        .unwrap();
    let addr: SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    let res = app.send(req).await;
    let status = res.status();
    (status, body_text(res).await)
}

async fn attempts_from(app: &TestApp, ip: &str) -> usize {
    login_attempt::Entity::find()
        .filter(login_attempt::Column::ClientIp.eq(ip))
        .all(app.store.db())
        .await
        .unwrap()
        .len()
}

async fn events(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .all(app.store.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn thirty_five_failures_through_a_trusted_proxy_do_not_stop_the_right_password() {
    let app = spawn_app_with(&[("TRINHKY_TRUSTED_PROXIES", "10.0.0.0/24, 127.0.0.1")]).await;
    // 35 failures from 35 clients behind nginx (10.0.0.2): each client is itself.
    for i in 1..=35 {
        let (status, html) = attempt_from(
            &app,
            "10.0.0.2",
            Some(&format!("203.0.113.{i}")),
            "snv.giamdoc",
            "sai-mat-khau",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}: {html}");
    }
    assert_eq!(attempts_from(&app, "10.0.0.2").await, 0, "never the proxy");
    assert_eq!(attempts_from(&app, "203.0.113.7").await, 1);
    // The director, from the office, behind the same proxy (and a second one in front).
    let (status, html) = attempt_from(
        &app,
        "10.0.0.2",
        Some("198.51.100.20, 127.0.0.1"),
        "snv.giamdoc",
        &demo_password("snv.giamdoc"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    // One client failing five times is delayed; everyone else is not.
    for _ in 0..5 {
        attempt_from(&app, "10.0.0.2", Some("192.0.2.66"), "snv.vanthu", "sai").await;
    }
    let (status, html) = attempt_from(
        &app,
        "10.0.0.2",
        Some("192.0.2.66"),
        "snv.vanthu",
        &demo_password("snv.vanthu"),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{html}");
    assert!(html.contains("thử lại sau"), "{html}");
    let (status, _) = attempt_from(
        &app,
        "10.0.0.2",
        Some("192.0.2.67"),
        "snv.vanthu",
        &demo_password("snv.vanthu"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_untrusted_peer_cannot_choose_its_address() {
    let app = spawn_app_with(&[("TRINHKY_TRUSTED_PROXIES", "10.0.0.0/24")]).await;
    // Not a trusted proxy: its X-Forwarded-For is ignored, every attempt is the peer's.
    for i in 1..=5 {
        attempt_from(
            &app,
            "198.51.100.9",
            Some(&format!("203.0.113.{i}")),
            "snv.giamdoc",
            "sai-mat-khau",
        )
        .await;
    }
    assert_eq!(attempts_from(&app, "198.51.100.9").await, 5);
    assert_eq!(attempts_from(&app, "203.0.113.1").await, 0);
    let (status, html) = attempt_from(
        &app,
        "198.51.100.9",
        Some("203.0.113.99"),
        "snv.giamdoc",
        &demo_password("snv.giamdoc"),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{html}");
    // Without trusted proxies no header is believed either.
    let app = spawn_app().await;
    attempt_from(&app, "10.0.0.2", Some("203.0.113.1"), "snv.giamdoc", "sai").await;
    assert_eq!(attempts_from(&app, "10.0.0.2").await, 1);
    assert_eq!(attempts_from(&app, "203.0.113.1").await, 0);
}

#[tokio::test]
async fn parallel_wrong_attempts_are_all_counted() {
    let app = spawn_app().await;
    let now = Utc::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (store, logins) = (app.store.clone(), app.app.logins().clone());
        set.spawn(async move {
            login(
                &store,
                &logins,
                "snv.giamdoc",
                &format!("doan-sai-{i}"),
                "192.0.2.1",
                Duration::minutes(5),
                now,
            )
            .await
        });
    }
    let (mut invalid, mut delayed) = (0, 0);
    while let Some(r) = set.join_next().await {
        match r.unwrap() {
            Err(LoginError::Invalid) => invalid += 1,
            Err(LoginError::Throttled { .. }) => delayed += 1,
            other => panic!("{other:?}"),
        }
    }
    // Only the five free attempts had their password checked (the fifth starts the delay).
    assert_eq!((invalid, delayed), (4, 16));
    assert_eq!(attempts_from(&app, "192.0.2.1").await, 5);
    assert_eq!(events(&app, "session.lockout").await.len(), 1);
}

#[tokio::test]
async fn after_many_failures_the_right_password_works_once_the_delay_has_passed() {
    let app = spawn_app().await;
    let ttl = Duration::minutes(5);
    let mut t = Utc::now();
    // An attacker at one address guesses as fast as the delays allow, for a while.
    let mut waits = Vec::new();
    let mut last = t;
    for _ in 0..14 {
        last = t;
        match login(
            &app.store,
            app.app.logins(),
            "snv.giamdoc",
            "doan-sai",
            "192.0.2.9",
            ttl,
            t,
        )
        .await
        {
            Err(LoginError::Invalid) => t += Duration::milliseconds(10),
            Err(LoginError::Throttled {
                retry_after_seconds,
            }) => {
                waits.push(retry_after_seconds);
                t += Duration::seconds(retry_after_seconds);
            }
            other => panic!("{other:?}"),
        }
    }
    // Exponential from the fifth failure, capped at five minutes.
    assert_eq!(&waits[..5], &[15, 30, 60, 120, 240], "{waits:?}");
    assert!(waits.iter().all(|w| *w <= 300), "{waits:?}");
    assert_eq!(waits.last(), Some(&300));
    // From that address the right password waits for the delay too ...
    let r = login(
        &app.store,
        app.app.logins(),
        "snv.giamdoc",
        &demo_password("snv.giamdoc"),
        "192.0.2.9",
        ttl,
        last + Duration::seconds(10),
    )
    .await;
    assert!(matches!(r, Err(LoginError::Throttled { .. })), "{r:?}");
    // ... and works once it has passed.
    let r = login(
        &app.store,
        app.app.logins(),
        "snv.giamdoc",
        &demo_password("snv.giamdoc"),
        "192.0.2.9",
        ttl,
        last + Duration::seconds(301),
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
    // The owner elsewhere was never delayed.
    let r = login(
        &app.store,
        app.app.logins(),
        "snv.giamdoc",
        &demo_password("snv.giamdoc"),
        "192.0.2.200",
        ttl,
        t,
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
}

#[tokio::test]
async fn an_attacker_rotating_addresses_does_not_lock_out_the_owner() {
    let app = spawn_app().await;
    let ttl = Duration::minutes(5);
    let now = Utc::now();
    // 55 addresses, one guess each: past the account's ceiling of 50.
    for i in 0..55 {
        let r = login(
            &app.store,
            app.app.logins(),
            "snv.giamdoc",
            "doan-sai",
            &format!("192.0.2.{i}"),
            ttl,
            now,
        )
        .await;
        assert!(r.is_err(), "{r:?}");
    }
    // An address that failed is now delayed by the account's ceiling ...
    let r = login(
        &app.store,
        app.app.logins(),
        "snv.giamdoc",
        "doan-sai-nua",
        "192.0.2.3",
        ttl,
        now,
    )
    .await;
    assert!(matches!(r, Err(LoginError::Throttled { .. })), "{r:?}");
    // ... but the owner from an address of their own logs in.
    let r = login(
        &app.store,
        app.app.logins(),
        "snv.giamdoc",
        &demo_password("snv.giamdoc"),
        "198.51.100.1",
        ttl,
        now,
    )
    .await;
    assert!(r.is_ok(), "{r:?}");
    assert!(
        events(&app, "session.lockout").await.iter().any(|e| e
            .details
            .contains("\"scopes\":[\"subject\"]")
            || serde_json::from_str::<serde_json::Value>(&e.details).unwrap()["scopes"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("subject"))),
        "the account's ceiling was audited"
    );
}

#[tokio::test]
async fn a_lockout_is_audited_once_with_the_wait() {
    let app = spawn_app().await;
    for _ in 0..5 {
        attempt_from(&app, "192.0.2.50", None, "snv.vanthu", "sai").await;
    }
    // Refused attempts inside the delay add nothing.
    for _ in 0..3 {
        let (status, _) = attempt_from(&app, "192.0.2.50", None, "snv.vanthu", "sai").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    let lockouts = events(&app, "session.lockout").await;
    assert_eq!(lockouts.len(), 1, "{lockouts:?}");
    let e = &lockouts[0];
    assert_eq!(e.entity_id, "snv.vanthu");
    let details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
    assert_eq!(details["source"], "192.0.2.50", "{details}");
    assert_eq!(details["retry_after_seconds"], 15, "{details}");
    assert_eq!(details["scopes"], serde_json::json!(["pair"]), "{details}");
    assert_eq!(attempts_from(&app, "192.0.2.50").await, 5);
}
