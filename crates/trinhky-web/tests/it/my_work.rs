//! "Việc của tôi" and "Văn bản của tôi" (issue 16): a drafter's task shows its report and the
//! step it stands at, changing at each step (drafted, waiting for the signature, issued,
//! registered by Văn phòng UBND); "Soạn báo cáo" becomes "Mở văn bản"; the finished task moves to
//! the "Đã hoàn thành" tab; the follow-up table shows the report at any step and filters.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use trinhky_testkit::flows::{self, seed_assignment};

use trinhky_testkit::{Session, TestApp, demo_password, page_text, spawn_app};

const RECIPIENTS: &str = "- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.";
const TITLE: &str = "Kế hoạch cải thiện Chỉ số CCHC năm 2023 (việc của tôi)";

async fn login(app: &TestApp, username: &str) -> Session {
    app.login(username, &demo_password(username)).await.unwrap()
}

async fn get(app: &TestApp, s: &Session, path: &str) -> (StatusCode, String) {
    let res = app
        .send(
            Request::get(path)
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let status = res.status();
    (status, page_text(res).await)
}

async fn json(app: &TestApp, s: &Session, path: &str) -> Value {
    let (status, body) = get(app, s, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The `<tr>` carrying `attr="id"`, or None.
fn row(html: &str, attr: &str, id: i32) -> Option<String> {
    let at = html.find(&format!("{attr}=\"{id}\""))?;
    let start = html[..at].rfind("<tr")?;
    let end = at + html[at..].find("</tr>")?;
    Some(html[start..end].to_owned())
}

async fn home_row(app: &TestApp, s: &Session, tab: &str, a: i32) -> Option<String> {
    let (status, html) = get(app, s, &format!("/?tab={tab}")).await;
    assert_eq!(status, StatusCode::OK);
    row(&html, "data-assignment", a)
}

/// The step line of the task on the open tab, or on the done tab when `done`.
async fn step_of(app: &TestApp, s: &Session, a: i32, done: bool) -> String {
    let (here, there) = if done {
        ("done", "open")
    } else {
        ("open", "done")
    };
    let r = home_row(app, s, here, a)
        .await
        .unwrap_or_else(|| panic!("task {a} on the {here} tab"));
    assert!(
        home_row(app, s, there, a).await.is_none(),
        "task {a} is not on the {there} tab"
    );
    assert!(r.contains("Mở văn bản"), "{r}");
    assert!(!r.contains("Soạn báo cáo"), "{r}");
    let i = r.find("class=\"step\">").expect("a step line") + "class=\"step\">".len();
    r[i..].split('<').next().unwrap().to_owned()
}

async fn registered_by_the_province_office(app: &TestApp, doc: i32) {
    let vp = trinhky_testkit::store::directory::agency_by_code(app.store.db(), "VPUBND")
        .await
        .unwrap()
        .unwrap();
    let row = trinhky_testkit::store::incoming::of_document(app.store.db(), doc)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.agency_id == vp.id)
        .expect("delivered to Văn phòng UBND");
    let clerk = flows::principal(app, "vpubnd.vanthu").await;
    trinhky_app::incoming::register(&app.store, &clerk, row.id, chrono::Utc::now())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_drafters_task_follows_its_report_to_the_recipients_register() {
    let app = spawn_app().await;
    let a = seed_assignment(&app).await;
    let s = login(&app, "snv.chuyenvien").await;

    // No report yet: "Soạn báo cáo", no step.
    let r = home_row(&app, &s, "open", a)
        .await
        .expect("task on the open tab");
    assert!(
        r.contains("Soạn báo cáo") && !r.contains("Mở văn bản"),
        "{r}"
    );
    assert!(r.contains("Chưa có văn bản báo cáo"), "{r}");
    let (_, mine) = get(&app, &s, "/my-documents").await;
    assert!(mine.contains("Bạn chưa soạn văn bản nào"), "{mine}");

    // Drafted: the task opens it, and it is on "Văn bản của tôi".
    let doc = flows::drafted(&app, a, None, RECIPIENTS, TITLE).await;
    assert_eq!(step_of(&app, &s, a, false).await, "Dự thảo");
    let (status, mine) = get(&app, &s, "/my-documents").await;
    assert_eq!(status, StatusCode::OK);
    let r = row(&mine, "data-document", doc).expect("the draft on Văn bản của tôi");
    assert!(r.contains(TITLE) && r.contains("Dự thảo"), "{r}");
    assert!(
        mine.contains("href=\"/my-documents\""),
        "the nav links the list"
    );

    // Submitted and forwarded: waiting for the head's signature.
    flows::act(&app, "snv.chuyenvien", doc, "submit", 0)
        .await
        .unwrap();
    assert_eq!(step_of(&app, &s, a, false).await, "Trưởng phòng xem xét");
    flows::act(&app, "snv.truongphong", doc, "forward", 1)
        .await
        .unwrap();
    assert_eq!(step_of(&app, &s, a, false).await, "Chờ lãnh đạo ký duyệt");

    // Signed, then issued: finished, on the "Đã hoàn thành" tab with its number.
    flows::act(&app, "snv.giamdoc", doc, "approve", 2)
        .await
        .unwrap();
    assert_eq!(step_of(&app, &s, a, false).await, "Chờ văn thư phát hành");
    flows::act(&app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
    let number = trinhky_testkit::store::numbering::number_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap()
        .number;
    assert_eq!(
        step_of(&app, &s, a, true).await,
        format!("Đã phát hành {number}")
    );

    // Văn phòng UBND registers it.
    registered_by_the_province_office(&app, doc).await;
    let step = step_of(&app, &s, a, true).await;
    assert_eq!(
        step,
        format!("Đã phát hành {number} — Văn phòng UBND tỉnh đã vào sổ")
    );
    let (_, mine) = get(&app, &s, "/my-documents").await;
    assert!(row(&mine, "data-document", doc).unwrap().contains(&step));

    // The API says the same.
    let done = json(&app, &s, "/api/v1/my-tasks?tab=done").await;
    let t = done
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["assignment_id"] == a)
        .expect("the task among the finished ones");
    assert_eq!(t["done"], true);
    assert_eq!(t["document"]["document_id"], doc);
    assert_eq!(t["document"]["step"], step.as_str());
    assert_eq!(t["document"]["registered_by"][0], "Văn phòng UBND tỉnh");
    let open = json(&app, &s, "/api/v1/my-tasks").await;
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|t| t["assignment_id"] != a)
    );
    let docs = json(&app, &s, "/api/v1/my-documents").await;
    assert_eq!(docs[0]["document_id"], doc);
    assert_eq!(docs[0]["number"], number.as_str());

    // Another agency's drafter sees neither the task nor the document.
    let other = login(&app, "skhdt.chuyenvien").await;
    assert!(home_row(&app, &other, "done", a).await.is_none());
    let docs = json(&app, &other, "/api/v1/my-documents").await;
    assert!(
        docs.as_array()
            .unwrap()
            .iter()
            .all(|d| d["document_id"] != doc)
    );
    let (_, html) = get(&app, &other, "/my-documents").await;
    assert!(row(&html, "data-document", doc).is_none());
}

#[tokio::test]
async fn the_follow_up_table_shows_the_report_at_any_step_and_filters() {
    let app = spawn_app().await;
    // At the signature step: the step, but no link (Văn phòng UBND cannot open a draft).
    let doc = flows::document_at_approval(&app, RECIPIENTS).await;
    let b = trinhky_testkit::store::documents::document_by_id(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap()
        .assignment_id
        .unwrap();
    let directive = trinhky_testkit::store::intake::assignment_by_id(app.store.db(), b)
        .await
        .unwrap()
        .unwrap()
        .directive_id;
    let vp = login(&app, "vpubnd.vanthu").await;
    let page = format!("/directives/{directive}/follow-up");
    let (status, html) = get(&app, &vp, &page).await;
    assert_eq!(status, StatusCode::OK);
    // The table comes before the chart; tasks without a report say so.
    assert!(html.find("follow-up-tasks").unwrap() < html.find("<svg").unwrap());
    assert!(html.contains("Chưa có báo cáo"));
    let r = row(&html, "data-assignment", b).expect("the task in the table");
    assert!(r.contains("Chờ lãnh đạo ký duyệt"), "{r}");
    assert!(!r.contains(&format!("/documents/{doc}")), "{r}");
    let f = json(&app, &vp, &format!("/api/v1{page}")).await;
    let item = f["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap())
        .find(|i| i["assignment_id"] == b)
        .unwrap()
        .clone();
    assert_eq!(item["document"]["step"], "Chờ lãnh đạo ký duyệt");
    assert_eq!(item["document_open"], false);

    // Issued: the number, linked (the province office is a recipient).
    flows::approve(&app, doc).await;
    flows::issue(&app, doc).await;
    let (_, html) = get(&app, &vp, &page).await;
    let r = row(&html, "data-assignment", b).unwrap();
    assert!(r.contains(&format!("href=\"/documents/{doc}\"")), "{r}");
    assert!(r.contains("Đã phát hành"), "{r}");

    // Filters: overdue only; one lead agency; a co-agency.
    let (_, all) = get(&app, &vp, &page).await;
    let rows = |h: &str| h.matches("<tr data-assignment=").count();
    let total = rows(&all);
    assert!(total > 3, "{total}");
    let (status, overdue) = get(&app, &vp, &format!("{page}?status=overdue")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(rows(&overdue) > 0 && rows(&overdue) < total);
    assert_eq!(
        rows(&overdue),
        overdue
            .matches("<span class=\"badge fu-overdue\">Quá hạn</span>")
            .count()
    );
    assert!(
        row(&overdue, "data-assignment", b).is_none(),
        "done is not overdue"
    );
    let (_, snv) = get(&app, &vp, &format!("{page}?agency=SNV&role=lead")).await;
    assert!(rows(&snv) >= 1);
    assert_eq!(
        rows(&snv),
        snv.matches("data-agency=\"SNV\" class=").count()
    );
    let (_, done) = get(&app, &vp, &format!("{page}?status=done")).await;
    assert!(row(&done, "data-assignment", b).is_some());
    // Unknown values filter nothing and never fail.
    let (status, odd) = get(&app, &vp, &format!("{page}?status=x&role=%3Cb%3E")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&odd), total);
    let (_, none) = get(&app, &vp, &format!("{page}?agency=KHONGCO")).await;
    assert!(none.contains("Không có nhiệm vụ nào khớp bộ lọc."));
    // A co-agency filter keeps exactly the tasks naming it.
    let f = json(&app, &vp, &format!("/api/v1{page}")).await;
    let items: Vec<&Value> = f["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap())
        .collect();
    if let Some(code) = items
        .iter()
        .flat_map(|i| i["co_agencies"].as_array().unwrap())
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .next()
    {
        let expected = items
            .iter()
            .filter(|i| {
                i["co_agencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["code"] == code.as_str())
            })
            .count();
        let q = trinhky_testkit::urlencode(&code);
        let (_, co) = get(&app, &vp, &format!("{page}?agency={q}&role=co")).await;
        assert_eq!(rows(&co), expected, "co-agency {code}");
    }
}
