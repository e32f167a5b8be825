//! Pagination on every list that grows (issue #8): the registers and the archive page in SQL,
//! their page links keep the filters, exports hold the whole filtered period, and the API
//! answers `X-Total-Count` and `Link`.

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use chrono::{Duration, NaiveDate, Utc};
use trinhky_testkit::sea_orm::{ActiveModelTrait, Set};
use trinhky_testkit::{Session, TestApp, demo_password, page_text, spawn_app};

async fn login(app: &TestApp, username: &str) -> Session {
    app.login(username, &demo_password(username)).await.unwrap()
}

async fn get(app: &TestApp, s: &Session, path: &str) -> Response<Body> {
    app.send(
        Request::get(path)
            .header(header::COOKIE, &s.cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn json(res: Response<Body>) -> serde_json::Value {
    let b = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    serde_json::from_slice(&b).unwrap()
}

async fn agency_id(app: &TestApp, code: &str) -> i32 {
    trinhky_testkit::store::directory::agency_by_code(app.store.db(), code)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// 120 entries in Sở Nội vụ's outgoing register, one a day from 01/01/2023; every even one is
/// about "cải cách hành chính".
async fn outgoing_entries(app: &TestApp) {
    let snv = agency_id(app, "SNV").await;
    let txn = app.store.begin_write().await.unwrap();
    for k in 1..=120 {
        let title = if k % 2 == 0 {
            format!("Báo cáo số {k} về cải cách hành chính")
        } else {
            format!("Báo cáo số {k} về thi đua khen thưởng")
        };
        trinhky_testkit::store::numbering::register_outgoing(
            &txn,
            "system:test",
            &trinhky_testkit::store::numbering::Entry {
                agency_id: snv,
                register: "chung".into(),
                seq: k,
                number: format!("{k:02}/BC-SNV"),
                document_id: None,
                doc_type: "BC".into(),
                issued_on: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
                    + Duration::days(i64::from(k) - 1),
                title,
                signer: "Nguyễn Văn Thắng".into(),
                recipients: "- UBND tỉnh;\n- Lưu: VT, SNV.".into(),
                copies: 2,
                note: String::new(),
            },
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn the_outgoing_register_pages_in_sql_and_page_links_keep_the_filters() {
    let app = spawn_app().await;
    outgoing_entries(&app).await;
    let clerk = login(&app, "snv.vanthu").await;

    let page = page_text(get(&app, &clerk, "/registers/outgoing").await).await;
    assert!(page.contains("120 văn bản"), "{page}");
    assert!(page.contains("Trang 1/3"), "{page}");
    assert!(page.contains("01/BC-SNV") && page.contains("50/BC-SNV"));
    assert!(!page.contains("51/BC-SNV"), "page 1 holds 50 rows");
    let page = page_text(get(&app, &clerk, "/registers/outgoing?page=3").await).await;
    assert!(page.contains("120/BC-SNV") && !page.contains("100/BC-SNV"));
    // Past the end: the last page.
    let page = page_text(get(&app, &clerk, "/registers/outgoing?page=99").await).await;
    assert!(
        page.contains("Trang 3/3") && page.contains("120/BC-SNV"),
        "{page}"
    );

    // Accent-insensitive text filter in SQL: 60 rows, two pages; the next link keeps q.
    let page = page_text(get(&app, &clerk, "/registers/outgoing?q=CAI+CACH").await).await;
    assert!(
        page.contains("60 văn bản") && page.contains("Trang 1/2"),
        "{page}"
    );
    assert!(page.contains("02/BC-SNV") && !page.contains("01/BC-SNV"));
    assert!(
        page.contains("q=CAI%20CACH&page=2"),
        "the next page keeps the filter: {page}"
    );
    let page = page_text(
        get(
            &app,
            &clerk,
            "/registers/outgoing?q=c%E1%BA%A3i%20c%C3%A1ch&page=2",
        )
        .await,
    )
    .await;
    assert!(
        page.contains("120/BC-SNV") && page.contains("Trang 2/2"),
        "{page}"
    );
    // Period filter.
    let page = page_text(
        get(
            &app,
            &clerk,
            "/registers/outgoing?from=01/02/2023&to=28/02/2023",
        )
        .await,
    )
    .await;
    assert!(page.contains("28 văn bản"), "{page}");

    // Exports hold the whole filtered period, not one page.
    let res = get(&app, &clerk, "/registers/outgoing?q=cai+cach&format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = trinhky_testkit::body_text(res).await;
    assert_eq!(csv.lines().count(), 61, "header and 60 rows");

    // The API: one page, X-Total-Count, Link with the filters.
    let res = get(
        &app,
        &clerk,
        "/api/v1/registers/outgoing?q=cai%20cach&per_page=25&page=2",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-total-count"], "60");
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("q=cai%20cach&page=3&per_page=25>; rel=\"next\"")
            && link.contains("page=1&per_page=25>; rel=\"prev\""),
        "{link}"
    );
    let v = json(res).await;
    assert_eq!(v["rows"].as_array().unwrap().len(), 25);
    assert_eq!(v["total"], 60);
    assert_eq!(v["rows"][0][0], "52/BC-SNV");
    // The API also exports the files.
    let res = get(&app, &clerk, "/api/v1/registers/outgoing?format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(trinhky_testkit::body_text(res).await.lines().count(), 121);
}

/// `n` documents of Sở Nội vụ delivered into Văn phòng UBND's incoming register, one a minute;
/// every third is registered and archived. Returns the ids of the incoming rows.
async fn incoming_rows(app: &TestApp, n: i32) -> Vec<i32> {
    let snv = agency_id(app, "SNV").await;
    let vp = agency_id(app, "VPUBND").await;
    let drafter =
        trinhky_testkit::store::accounts::user_by_username(app.store.db(), "snv.chuyenvien")
            .await
            .unwrap()
            .unwrap();
    let clerk = trinhky_testkit::store::accounts::user_by_username(app.store.db(), "vpubnd.vanthu")
        .await
        .unwrap()
        .unwrap();
    let start = Utc::now() - Duration::minutes(i64::from(n) + 5);
    let mut ids = Vec::new();
    for k in 1..=n {
        let at = start + Duration::minutes(i64::from(k));
        let txn = app.store.begin_write().await.unwrap();
        let title = format!("Kế hoạch số {k} về chuyển đổi số");
        let doc = trinhky_testkit::store::entities::document::ActiveModel {
            agency_id: Set(snv),
            assignment_id: Set(None),
            doc_type: Set("KH".into()),
            title: Set(title.clone()),
            drafter_id: Set(drafter.id),
            current_version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
            classification: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .unwrap();
        let row = trinhky_testkit::store::incoming::deliver(
            &txn,
            "system:test",
            &trinhky_testkit::store::incoming::Delivery {
                agency_id: vp,
                document_id: doc.id,
                from_agency_id: snv,
                from_agency_name: "Sở Nội vụ tỉnh Đắk Nông".into(),
                number: format!("{k:02}/KH-SNV"),
                doc_type: "KH".into(),
                doc_date: at.date_naive(),
                title,
                signer: "Nguyễn Văn Thắng".into(),
                file_sha256: None,
            },
            at,
        )
        .await
        .unwrap();
        if k % 3 == 0 {
            use trinhky_domain::incoming::{Event, Status, step};
            let registered = step(Status::Received, Event::Register).unwrap();
            trinhky_testkit::store::incoming::register(
                &txn,
                "system:test",
                &row,
                registered,
                clerk.id,
                at.date_naive(),
                at,
            )
            .await
            .unwrap();
            let archived = step(Status::Registered, Event::Archive).unwrap();
            trinhky_testkit::store::incoming::archive(
                &txn,
                "system:test",
                row.id,
                archived,
                clerk.id,
                at,
            )
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
        ids.push(row.id);
    }
    ids
}

#[tokio::test]
async fn the_incoming_register_and_the_archive_page_in_sql() {
    let app = spawn_app().await;
    incoming_rows(&app, 75).await;
    let clerk = login(&app, "vpubnd.vanthu").await;

    let page = page_text(get(&app, &clerk, "/registers/incoming").await).await;
    assert!(
        page.contains("75 văn bản") && page.contains("Trang 1/2"),
        "{page}"
    );
    let page = page_text(get(&app, &clerk, "/registers/incoming?page=2").await).await;
    assert!(page.contains("75/KH-SNV") && !page.contains("50/KH-SNV"));
    let res = get(&app, &clerk, "/api/v1/registers/incoming?per_page=10").await;
    assert_eq!(res.headers()["x-total-count"], "75");
    assert_eq!(json(res).await["rows"].as_array().unwrap().len(), 10);
    let csv =
        trinhky_testkit::body_text(get(&app, &clerk, "/registers/incoming?format=csv").await).await;
    assert_eq!(csv.lines().count(), 76);

    // 25 archived rows; searched accent-insensitively, newest archived first, paged.
    let page = page_text(
        get(
            &app,
            &clerk,
            "/archive?q=CHUY%E1%BB%82N%20%C4%90%E1%BB%94I%20S%E1%BB%90&per_page=10",
        )
        .await,
    )
    .await;
    assert!(
        page.contains("25 văn bản lưu trữ") && page.contains("Trang 1/3"),
        "{page}"
    );
    assert!(
        page.contains("75/KH-SNV") && !page.contains("45/KH-SNV"),
        "{page}"
    );
    assert!(
        page.contains("q=CHUY%E1%BB%82N%20%C4%90%E1%BB%94I%20S%E1%BB%90&number=&from_agency=&from=&to=&page=2&per_page=10"),
        "the next page keeps the filters: {page}"
    );
    let res = get(&app, &clerk, "/api/v1/archive?number=03%2Fkh&per_page=5").await;
    assert_eq!(res.headers()["x-total-count"], "1");
    let v = json(res).await;
    assert_eq!(v[0]["number"], "03/KH-SNV");
    let res = get(
        &app,
        &clerk,
        "/api/v1/archive?from_agency=so+noi+vu&per_page=5&page=5",
    )
    .await;
    assert_eq!(res.headers()["x-total-count"], "25");
    assert!(
        res.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"prev\"")
    );
    assert_eq!(json(res).await.as_array().unwrap().len(), 5);
    // A LIKE wildcard in the query is a literal character, not "anything".
    let res = get(&app, &clerk, "/api/v1/archive?q=%25").await;
    assert_eq!(res.headers()["x-total-count"], "0");
    // The incoming list's API carries the same headers.
    let res = get(&app, &clerk, "/api/v1/incoming?page=2").await;
    assert_eq!(res.headers()["x-total-count"], "75");
    assert!(res.headers()["link"].to_str().unwrap().contains("page=3"));
}

#[tokio::test]
async fn directives_agency_members_and_directory_have_pagers() {
    let app = spawn_app().await;
    let clerk = login(&app, "vpubnd.vanthu").await;
    // 55 directives (rows written directly; the list does not parse them).
    let txn = app.store.begin_write().await.unwrap();
    let sha = trinhky_testkit::store::blobs::put(&txn, b"TB", "text/plain; charset=utf-8")
        .await
        .unwrap();
    for k in 1..=55 {
        trinhky_testkit::store::intake::insert_directive(
            &txn,
            "system:test",
            trinhky_testkit::store::intake::NewDirective {
                doc_type: Some("TB".into()),
                number: Some(format!("{k}/TB-VPUBND")),
                issuer: None,
                title: format!("Thông báo kết luận số {k}"),
                directive_date: None,
                source_sha256: sha.clone(),
                source_name: format!("tb-{k}.txt"),
                source_format: "txt".into(),
                text: String::new(),
                parsed: "{}".into(),
            },
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
    let page = page_text(get(&app, &clerk, "/directives").await).await;
    assert!(
        page.contains("Đã tiếp nhận (55)") && page.contains("Trang 1/2"),
        "{page}"
    );
    assert!(page.contains("55/TB-VPUBND") && !page.contains(">5/TB-VPUBND"));
    let page = page_text(get(&app, &clerk, "/directives?page=2").await).await;
    assert!(page.contains(">5/TB-VPUBND"), "{page}");
    assert!(!page.contains("55/TB-VPUBND"), "{page}");
    let res = get(&app, &clerk, "/api/v1/directives?per_page=50&page=2").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-total-count"], "55");
    assert_eq!(json(res).await.as_array().unwrap().len(), 5);

    let admin = login(&app, "quantri").await;
    let res = get(&app, &admin, "/api/v1/agencies/VPUBND/members?per_page=2").await;
    assert_eq!(res.status(), StatusCode::OK);
    let total: usize = res.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 2);
    assert_eq!(json(res).await.as_array().unwrap().len(), 2);
    let page = page_text(get(&app, &admin, "/agencies/VPUBND?per_page=2").await).await;
    assert!(
        page.contains(&format!("Trang 1/{}", total.div_ceil(2))),
        "{page}"
    );
    assert!(page.contains("/agencies/VPUBND?page=2"), "{page}");
    let page = page_text(get(&app, &admin, "/directory?per_page=5").await).await;
    assert!(page.contains("/directory?page=2"), "{page}");
}
