//! Directive intake through the web: upload → review → edit → confirm → the lead agency sees it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use trinhky_testkit::{
    Session, TestApp, body_text, demo_password, page_text, repo_root, spawn_app, urlencode,
};

fn seed() -> Vec<u8> {
    std::fs::read(
        repo_root().join("crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt"),
    )
    .unwrap()
}

async fn upload(
    app: &TestApp,
    s: &Session,
    name: &str,
    bytes: &[u8],
    csrf: Option<&str>,
) -> axum::http::Response<Body> {
    let boundary = "----trinhkyboundary";
    let mut body = Vec::new();
    if let Some(c) = csrf {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{c}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.send(
        Request::post("/directives")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, &s.cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn get(uri: &str, s: &Session) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, &s.cookie)
        .body(Body::empty())
        .unwrap()
}

/// Extracts `name="…" value="…"` pairs of the review form (inputs, checked boxes, selected options).
fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in html.split("<input").skip(1) {
        let tag = chunk.split('>').next().unwrap_or_default();
        let attr = |a: &str| {
            tag.split(&format!("{a}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_owned)
        };
        let Some(name) = attr("name") else { continue };
        if attr("type").as_deref() == Some("checkbox") && !tag.contains("checked") {
            continue;
        }
        if attr("type").as_deref() == Some("file") {
            continue;
        }
        out.push((
            name,
            trinhky_testkit::unescape(&attr("value").unwrap_or_default()),
        ));
    }
    for chunk in html.split("<select").skip(1) {
        let name = chunk
            .split("name=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_owned();
        let body = chunk.split("</select>").next().unwrap();
        let value = body
            .split("<option")
            .find(|o| o.contains("selected"))
            .and_then(|o| o.split("value=\"").nth(1))
            .and_then(|r| r.split('"').next())
            .unwrap_or("before")
            .to_owned();
        out.push((name, value));
    }
    out
}

#[tokio::test]
async fn clerk_uploads_reviews_edits_and_confirms_then_the_lead_sees_it() {
    let app = spawn_app().await;
    let clerk = app
        .login("vpubnd.vanthu", &demo_password("vpubnd.vanthu"))
        .await
        .unwrap();
    let res = upload(
        &app,
        &clerk,
        "thong-bao-ket-luan.txt",
        &seed(),
        Some(&clerk.csrf),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        body_text(res).await
    );
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();

    let review = body_text(app.send(get(&location, &clerk)).await).await;
    assert!(review.contains("Rà soát văn bản chỉ đạo"));
    assert!(
        review.contains("<mark id=\"src-"),
        "source sentences are highlighted"
    );
    assert!(review.contains("Nhiệm vụ 6.1"));
    assert!(review.contains("chậm nhất ngày 26/6/2023"));

    // Edit the deadline of task 6.1 and confirm.
    let mut fields = form_fields(&review);
    let idx = {
        let start = review.find("Nhiệm vụ 6.1").unwrap();
        let tail = &review[start..];
        let id = tail
            .split("name=\"last_day_")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        id.to_owned()
    };
    for (n, v) in fields.iter_mut() {
        if *n == format!("last_day_{idx}") {
            assert_eq!(v, "26/06/2023", "dates are shown dd/mm/yyyy");
            *v = "15/01/2027".into();
        }
    }
    let body = fields
        .iter()
        .map(|(n, v)| format!("{}={}", urlencode(n), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let res = app
        .send(
            Request::post(format!("{location}/confirm"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &clerk.cookie)
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        body_text(res).await
    );
    let done = page_text(app.send(get(&location, &clerk)).await).await;
    assert!(done.contains("Nhiệm vụ đã giao"));
    assert!(done.contains("15/01/2027"));

    // Confirming twice creates nothing more.
    let again = app
        .send(
            Request::post(format!("{location}/confirm"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &clerk.cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(again).await.contains("already confirmed"));

    // The lead agency's drafter sees the assignment with days left; 2023 deadlines are overdue.
    let drafter = app
        .login("snv.chuyenvien", &demo_password("snv.chuyenvien"))
        .await
        .unwrap();
    let home = page_text(app.send(get("/", &drafter)).await).await;
    assert!(home.contains("15/01/2027"), "{home}");
    assert!(home.contains("Kế hoạch cải thiện"), "{home}");
    assert!(
        home.contains("class=\"overdue\""),
        "task 2.6 (19/06/2023) is overdue: {home}"
    );
    assert!(home.contains("Quá hạn"));
    // A drafter of SNV is not intake staff.
    assert_eq!(
        app.send(get("/directives", &drafter)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.send(get(&location, &drafter)).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn bad_uploads_are_explained_and_store_nothing() {
    let app = spawn_app().await;
    let clerk = app
        .login("vpubnd.vanthu", &demo_password("vpubnd.vanthu"))
        .await
        .unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("trong.txt", Vec::new(), "empty"),
        (
            "rac.bin",
            vec![0, 159, 146, 150, 255, 1, 2, 3, 200, 201],
            "Không tiếp nhận được văn bản",
        ),
        (
            "scan.pdf",
            std::fs::read(repo_root().join("crates/trinhky-pdf/tests/fixtures/scanned.pdf"))
                .unwrap(),
            "no text layer",
        ),
        ("lon.txt", vec![b'a'; 50 * 1024 * 1024], "MB"),
    ];
    for (name, bytes, needle) in cases {
        let res = upload(&app, &clerk, name, &bytes, Some(&clerk.csrf)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let html = body_text(res).await;
        assert!(html.contains(needle), "{name}: {html}");
    }
    let res = upload(&app, &clerk, "seed.txt", &seed(), None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");
    assert!(
        trinhky_testkit::store::intake::recent_directives(app.store.db(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}
