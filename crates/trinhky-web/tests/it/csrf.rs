//! Every form is refused without its CSRF token.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use trinhky_testkit::{body_text, demo_password, spawn_app};

fn form(uri: &str, cookie: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn login_without_or_with_wrong_csrf_is_refused() {
    let app = spawn_app().await;
    let pw = demo_password("snv.vanthu");
    let res = app
        .send(form(
            "/login",
            "",
            &format!("username=snv.vanthu&password={pw}"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(body_text(res).await.contains("CSRF"));
    let (cookie, _) = app.login_form().await;
    let res = app
        .send(form(
            "/login",
            &cookie,
            &format!("csrf_token=deadbeef&username=snv.vanthu&password={pw}"),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn logged_in_forms_need_the_session_token() {
    let app = spawn_app().await;
    let s = app
        .login("quantri", &demo_password("quantri"))
        .await
        .unwrap();
    let body = "username=khong.csrf&full_name=A&email=a%40daknong.example&password=mat-khau-rat-dai&role=drafter";
    let res = app
        .send(form("/agencies/VPUBND/users", &s.cookie, body))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .send(form(
            "/agencies/VPUBND/users",
            &s.cookie,
            &format!("csrf_token=00{}&{body}", &s.csrf[2..]),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        trinhky_testkit::store::accounts::user_by_username(app.store.db(), "khong.csrf")
            .await
            .unwrap()
            .is_none()
    );

    let res = app.send(form("/logout", &s.cookie, "")).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "logout needs the token too"
    );

    // JSON API with the browser session needs the X-CSRF-Token header.
    let json = r#"{"username":"api.csrf","full_name":"A","email":"a@daknong.example","password":"mat-khau-rat-dai","role":"drafter"}"#;
    let req = |csrf: Option<&str>| {
        let mut b = Request::post("/api/v1/agencies/VPUBND/members")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &s.cookie);
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(json)).unwrap()
    };
    assert_eq!(app.send(req(None)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.send(req(Some(&s.csrf))).await.status(),
        StatusCode::CREATED
    );
}
