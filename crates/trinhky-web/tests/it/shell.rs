use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use trinhky_testkit::{body_text, demo_password, spawn_app};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let res = app
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains("\"database\":\"ok\""));
}

#[tokio::test]
async fn pages_need_login_and_assets_are_local() {
    let app = spawn_app().await;
    let res = app
        .send(Request::get("/directory").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let login = body_text(
        app.send(Request::get("/login").body(Body::empty()).unwrap())
            .await,
    )
    .await;
    assert!(
        !login.contains("http://") && !login.contains("https://"),
        "no CDN or external asset: {login}"
    );
    let css = app
        .send(Request::get("/static/app.css").body(Body::empty()).unwrap())
        .await;
    assert_eq!(css.status(), StatusCode::OK);
    let missing = app
        .send(Request::get("/static/nope.js").body(Body::empty()).unwrap())
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let res = app
        .send(
            Request::get("/khong-co-trang-nay")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(body_text(res).await.contains("Không tìm thấy trang."));
}

#[tokio::test]
async fn directory_page_lists_the_demo_province() {
    let app = spawn_app().await;
    let s = app
        .login("vpubnd.vanthu", &demo_password("vpubnd.vanthu"))
        .await
        .unwrap();
    let res = app
        .send(
            Request::get("/directory")
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = body_text(res).await;
    for name in [
        "Sở Kế hoạch và Đầu tư",
        "Các Sở, Ban, ngành",
        "UBND các huyện, thành phố",
    ] {
        assert!(html.contains(name), "{name}");
    }
    assert!(res_headers_ok(&app).await);
}

async fn res_headers_ok(app: &trinhky_testkit::TestApp) -> bool {
    let res = app
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    let h = res.headers();
    h.get(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|v| v.to_str().unwrap().contains("frame-ancestors 'none'"))
        && h.get(header::X_CONTENT_TYPE_OPTIONS).is_some()
}
