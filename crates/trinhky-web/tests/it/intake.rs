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

fn post_form(location: &str, s: &Session, fields: &[(String, String)]) -> Request<Body> {
    let body = fields
        .iter()
        .map(|(n, v)| format!("{}={}", urlencode(n), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Request::post(format!("{location}/confirm"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &s.cookie)
        .body(Body::from(body))
        .unwrap()
}

/// The index of task `reference` in the review form.
fn task_index(review: &str, reference: &str) -> String {
    let start = review.find(&format!("Nhiệm vụ {reference} ")).unwrap();
    review[start..]
        .split("name=\"last_day_")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// Issue 16: agencies by name from the directory (codes stay in the data), unknown names refused
/// with the form kept, the number of assignments confirmed, the source text as uploaded.
#[tokio::test]
async fn agencies_are_chosen_by_name_unknown_names_refused_and_the_count_confirmed() {
    let app = spawn_app().await;
    let clerk = app
        .login("vpubnd.vanthu", &demo_password("vpubnd.vanthu"))
        .await
        .unwrap();
    let res = upload(&app, &clerk, "thong-bao.txt", &seed(), Some(&clerk.csrf)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let review = body_text(app.send(get(&location, &clerk)).await).await;

    // The source text as the file has it: a Tây Nguyên name is not "taken apart".
    assert!(review.contains("đồng chí Đieu K'Re - Ủy viên"), "{review}");
    assert!(!review.contains("Đi e u"));
    // Agencies by name, with the directory as suggestions; no code to type.
    assert!(review.contains("<datalist id=\"agency-names\">"));
    assert!(review.contains("<option value=\"Sở Tư pháp tỉnh Đắk Nông\">"));
    assert!(review.contains("list=\"agency-names\""));
    let i = task_index(&review, "6.1");
    let fields = form_fields(&review);
    let leads: Vec<&String> = fields
        .iter()
        .filter(|(n, v)| *n == format!("leads_{i}") && !v.is_empty())
        .map(|(_, v)| v)
        .collect();
    assert_eq!(leads, ["Sở Nội vụ tỉnh Đắk Nông"]);

    // A co-agency typed as a name the directory does not know: refused, everything kept.
    let with_co = |name: &str| {
        let mut f = fields.clone();
        let at = f
            .iter()
            .position(|(n, v)| *n == format!("co_{i}") && v.is_empty())
            .unwrap();
        f[at].1 = name.to_owned();
        for (n, v) in f.iter_mut() {
            if *n == format!("last_day_{i}") {
                *v = "15/01/2027".into();
            }
        }
        f
    };
    let res = app
        .send(post_form(&location, &clerk, &with_co("Sở Du hành vũ trụ")))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = page_text(res).await;
    assert!(
        html.contains(
            "Nhiệm vụ 6.1, ô “Cơ quan phối hợp”: không có cơ quan “Sở Du hành vũ trụ” trong danh bạ"
        ),
        "{html}"
    );
    assert!(
        html.contains("value=\"Sở Du hành vũ trụ\""),
        "the typed name stays"
    );
    assert!(
        html.contains("value=\"15/01/2027\""),
        "the edited date stays"
    );
    let id: i32 = location.rsplit('/').next().unwrap().parse().unwrap();
    assert!(
        trinhky_testkit::store::intake::assignments_of(app.store.db(), id)
            .await
            .unwrap()
            .is_empty(),
        "nothing assigned"
    );

    // The short name (or alias, or code) is mapped to the code; the count is confirmed.
    let res = app
        .send(post_form(&location, &clerk, &with_co("Sở Tư pháp")))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        body_text(res).await
    );
    let done_at = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let n: usize = done_at
        .split("?assigned=")
        .nth(1)
        .expect("the redirect carries the count")
        .parse()
        .unwrap();
    let rows = trinhky_testkit::store::intake::assignments_of(app.store.db(), id)
        .await
        .unwrap();
    assert_eq!(n, rows.len());
    let done = page_text(app.send(get(&done_at, &clerk)).await).await;
    assert!(
        done.contains(&format!("Đã giao {n} nhiệm vụ cho ")),
        "{done}"
    );
    let snv_61 = rows
        .iter()
        .find(|a| a.task_ref == "6.1" && a.lead_code == "SNV")
        .unwrap();
    let stored = trinhky_testkit::store::intake::assignment_by_id(app.store.db(), snv_61.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.co_agencies.contains("\"STP\""),
        "{}",
        stored.co_agencies
    );
    // A count that does not match what exists is not shown.
    for q in ["?assigned=9999", "?assigned=abc", "?assigned=-1"] {
        let page = page_text(app.send(get(&format!("{location}{q}"), &clerk)).await).await;
        assert!(!page.contains("Đã giao"), "{q}");
    }
}

/// Issue 16: the agency named in "(qua …)" reports straight to the report-to body.
#[tokio::test]
async fn the_channel_agencys_own_report_skips_the_qua_remark() {
    use trinhky_app::directive_intake as di;
    let app = spawn_app().await;
    let d = di::upload(
        &app.store,
        app.app.cpu(),
        "test",
        "seed.txt",
        &seed(),
        trinhky_app::today_vn(),
    )
    .await
    .unwrap();
    let p = di::proposal(&app.store, d.id).await.unwrap();
    let i = p
        .parsed
        .tasks
        .iter()
        .position(|t| t.reference == "6.1")
        .unwrap();
    let decisions: Vec<di::TaskDecision> = di::proposed_decisions(&p.parsed, &p.resolved)
        .into_iter()
        .map(|mut x| {
            x.include = x.task_index == i;
            if x.include {
                x.leads = vec!["Sở Nội vụ".into(), "SKHĐT".into()];
                x.report_to = "UBND tỉnh (qua Sở Nội vụ)".into();
            }
            x
        })
        .collect();
    let created = di::confirm(&app.store, "test", d.id, &decisions)
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    for (username, expected) in [
        ("snv.chuyenvien", "UBND tỉnh"),
        ("skhdt.chuyenvien", "UBND tỉnh (qua Sở Nội vụ)"),
    ] {
        let drafter = trinhky_testkit::flows::principal(&app, username).await;
        let mine = created
            .iter()
            .find(|a| {
                drafter
                    .memberships
                    .iter()
                    .any(|m| m.agency_id == a.lead_agency_id)
            })
            .unwrap();
        let doc = trinhky_app::documents::create_from_assignment(
            &app.store,
            &app.registry,
            &drafter,
            mine.id,
            None,
        )
        .await
        .unwrap();
        let v = trinhky_testkit::store::documents::latest_version(app.store.db(), doc.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.addressees, expected, "{username}");
    }
    // Unknown names are refused by the use case too (the API goes through it).
    let mut bad = decisions.clone();
    bad[i].co_agencies = vec!["Sở Du hành vũ trụ".into()];
    let d2 = di::upload(
        &app.store,
        app.app.cpu(),
        "test",
        "seed.txt",
        &seed(),
        trinhky_app::today_vn(),
    )
    .await
    .unwrap();
    let err = di::confirm(&app.store, "test", d2.id, &bad)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("“Sở Du hành vũ trụ”"), "{err}");
}
