//! Giao quyền ký thay (issue #8): the head's list pages, revocation on the page and through the
//! API, with the same rules (heads of the agency only, CSRF, revoking twice is a conflict) and
//! an audit event; a revoked delegation no longer lets the deputy sign "KT.".

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use trinhky_testkit::flows::principal;
use trinhky_testkit::{Session, TestApp, body_text, demo_password, page_text, spawn_app};

async fn login(app: &TestApp, username: &str) -> Session {
    app.login(username, &demo_password(username)).await.unwrap()
}

async fn api(app: &TestApp, s: &Session, method: &str, path: &str, body: &str) -> Response<Body> {
    app.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, &s.cookie)
            .header("x-csrf-token", &s.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

async fn json(res: Response<Body>) -> serde_json::Value {
    serde_json::from_str(&body_text(res).await).unwrap()
}

#[tokio::test]
async fn delegations_are_listed_page_by_page_and_revoked_on_the_page_and_through_the_api() {
    let app = spawn_app().await;
    let head = login(&app, "snv.giamdoc").await;
    let mut ids = Vec::new();
    for from in ["01/01/2023", "2023-02-01", "01/03/2023", "01/04/2023"] {
        let res = api(
            &app,
            &head,
            "POST",
            "/api/v1/delegations",
            &format!(r#"{{"agency": "SNV", "deputy": "snv.phogiamdoc", "valid_from": "{from}"}}"#),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let v = json(res).await;
        assert_eq!(
            (v["to"].as_str(), v["active"].as_bool()),
            (Some("snv.phogiamdoc"), Some(true))
        );
        ids.push(v["id"].as_i64().unwrap());
    }
    // A bad date names the value.
    let res = api(
        &app,
        &head,
        "POST",
        "/api/v1/delegations",
        r#"{"agency": "SNV", "deputy": "snv.phogiamdoc", "valid_from": "31/02/2023"}"#,
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        json(res).await["detail"]
            .as_str()
            .unwrap()
            .contains("31/02/2023")
    );

    let res = api(&app, &head, "GET", "/api/v1/delegations?per_page=3", "").await;
    assert_eq!(res.headers()["x-total-count"], "4");
    assert!(
        res.headers()["link"]
            .to_str()
            .unwrap()
            .contains("page=2&per_page=3")
    );
    let v = json(res).await;
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[0]["id"].as_i64(), ids.last().copied(), "newest first");
    let page = page_text(
        app.send(
            Request::get("/delegations?per_page=3")
                .header(header::COOKIE, &head.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert!(
        page.contains("Đã giao quyền (4)") && page.contains("Trang 1/2"),
        "{page}"
    );
    assert!(
        page.contains("Đang hiệu lực") && page.contains("Thu hồi"),
        "{page}"
    );

    // Revoke on the page (form with CSRF) …
    let first = ids[0];
    let res = app
        .send(
            Request::post(format!("/delegations/{first}/revoke"))
                .header(header::COOKIE, &head.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("csrf_token=wrong"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "CSRF checked");
    let res = app
        .send(
            Request::post(format!("/delegations/{first}/revoke"))
                .header(header::COOKIE, &head.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf_token={}", head.csrf)))
                .unwrap(),
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    // … and through the API; twice is a conflict, another agency's head is refused.
    let second = ids[1];
    let res = api(
        &app,
        &head,
        "POST",
        &format!("/api/v1/delegations/{second}/revoke"),
        "",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v = json(res).await;
    assert_eq!(v["active"], false);
    assert!(v["revoked_at"].is_string());
    let res = api(
        &app,
        &head,
        "POST",
        &format!("/api/v1/delegations/{second}/revoke"),
        "",
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let other = login(&app, "skhdt.giamdoc").await;
    let res = api(
        &app,
        &other,
        "POST",
        &format!("/api/v1/delegations/{}/revoke", ids[2]),
        "",
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let drafter = login(&app, "snv.chuyenvien").await;
    let res = api(&app, &drafter, "GET", "/api/v1/delegations", "").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Two delegations left for the deputy; each revocation is audited.
    let actor = trinhky_app::documents::actor(&app.store, &principal(&app, "snv.phogiamdoc").await)
        .await
        .unwrap();
    assert_eq!(actor.delegations.len(), 2);
    let events = trinhky_testkit::store::audit::latest(app.store.db(), 50)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "delegation.revoke")
            .count(),
        2
    );
    let page = page_text(
        app.send(
            Request::get("/delegations")
                .header(header::COOKIE, &head.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(page.matches("Đã thu hồi").count(), 2, "{page}");
}
