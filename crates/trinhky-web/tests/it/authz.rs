//! A user of one agency cannot read or act on another agency's data: 403 (never 404, never 500).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use trinhky_testkit::{body_text, demo_password, spawn_app, urlencode};

fn form_post(uri: &str, cookie: &str, body: String) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn pages_of_another_agency_are_forbidden() {
    let app = spawn_app().await;
    let s = app
        .login("snv.giamdoc", &demo_password("snv.giamdoc"))
        .await
        .unwrap();
    let own = app
        .send(
            Request::get("/agencies/SNV")
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(own.status(), StatusCode::OK);
    assert!(
        body_text(own).await.contains("snv.chuyenvien"),
        "own staff list is visible"
    );

    for uri in [
        "/agencies/SKH%C4%90T",
        "/agencies/VPUBND",
        "/agencies/KHONGCO",
    ] {
        let res = app
            .send(
                Request::get(uri)
                    .header(header::COOKIE, &s.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{uri}");
        let html = body_text(res).await;
        assert!(html.contains("Bạn không có quyền"), "{uri}: {html}");
        assert!(
            !html.contains("skhdt.chuyenvien"),
            "no data leaks into the error page"
        );
    }
}

#[tokio::test]
async fn acting_on_another_agency_is_forbidden_and_changes_nothing() {
    let app = spawn_app().await;
    // An admin of SNV manages SNV's staff only.
    trinhky_app::user_add::user_add(
        &app.store,
        app.app.cpu(),
        "test",
        trinhky_app::user_add::NewUser {
            username: "snv.quantri".into(),
            full_name: "Quản Trị Sở".into(),
            email: "snv.quantri@daknong.example".into(),
            password: demo_password("snv.quantri"),
            roles: vec![("SNV".into(), trinhky_domain::Role::Admin, "Quản trị".into())],
        },
    )
    .await
    .unwrap();
    let s = app
        .login("snv.quantri", &demo_password("snv.quantri"))
        .await
        .unwrap();
    let body = format!(
        "csrf_token={}&username=ke.gian&full_name={}&email=kg%40daknong.example&password=mat-khau-rat-dai&role=agency_head&title=x",
        s.csrf,
        urlencode("Kẻ Gian")
    );
    for uri in ["/agencies/VPUBND/users", "/agencies/SKH%C4%90T/users"] {
        let res = app.send(form_post(uri, &s.cookie, body.clone())).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{uri}");
    }
    assert!(
        trinhky_testkit::store::accounts::user_by_username(app.store.db(), "ke.gian")
            .await
            .unwrap()
            .is_none()
    );

    // A member who is not admin cannot add users to their own agency either.
    let d = app
        .login("snv.chuyenvien", &demo_password("snv.chuyenvien"))
        .await
        .unwrap();
    let body_d = body.replace(&s.csrf, &d.csrf);
    let res = app
        .send(form_post("/agencies/SNV/users", &d.cookie, body_d))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The agency admin can, in their own agency.
    let ok = body.replace("ke.gian", "snv.moi");
    let res = app
        .send(form_post("/agencies/SNV/users", &s.cookie, ok))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains("Đã thêm tài khoản snv.moi"));

    // quantri, admin of the province office (VPUBND), administers every agency's staff.
    let q = app
        .login("quantri", &demo_password("quantri"))
        .await
        .unwrap();
    let body_q = body
        .replace(&s.csrf, &q.csrf)
        .replace("ke.gian", "snv.moi2");
    let res = app
        .send(form_post("/agencies/SNV/users", &q.cookie, body_q))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        trinhky_testkit::store::accounts::user_by_username(app.store.db(), "snv.moi2")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn api_tokens_are_scoped_to_the_agency() {
    let app = spawn_app().await;
    let token = trinhky_app::auth::create_api_token(&app.store, "test", "snv.vanthu", "tích hợp")
        .await
        .unwrap();
    let get = |uri: &str, token: &str| {
        Request::get(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let me = app.send(get("/api/v1/me", &token)).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert!(body_text(me).await.contains("\"username\":\"snv.vanthu\""));

    let own = app.send(get("/api/v1/agencies/SNV/members", &token)).await;
    assert_eq!(own.status(), StatusCode::OK);
    let foreign = app
        .send(get("/api/v1/agencies/STTTT/members", &token))
        .await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let json = body_text(foreign).await;
    assert!(json.contains("\"code\":\"TK-FORBIDDEN\""), "{json}");
    let unknown = app
        .send(get("/api/v1/agencies/KHONGCO/members", &token))
        .await;
    assert_eq!(unknown.status(), StatusCode::FORBIDDEN);

    let post = Request::post("/api/v1/agencies/STTTT/members")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"username":"x.y","full_name":"X Y","email":"x@daknong.example","password":"mat-khau-rat-dai","role":"drafter"}"#))
        .unwrap();
    assert_eq!(app.send(post).await.status(), StatusCode::FORBIDDEN);

    let bad = app.send(get("/api/v1/me", "tk_not-a-real-token")).await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let none = app
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
}
