use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use trinhky_testkit::{body_text, demo_password, spawn_app, urlencode};

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

    for _ in 1..5 {
        let (status, _) = attempt(&app, "snv.giamdoc", "still-wrong-pass").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Five failures in the window: even the right password is refused for now.
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
