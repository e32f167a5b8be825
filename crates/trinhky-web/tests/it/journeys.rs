//! Journeys without dead ends (issue 16): internal Nơi nhận lines, the drafter's check before
//! submitting, the clerk's "gửi bản giấy" and return after signing, the one receiving sequence,
//! post/redirect/get with the typed text kept, and 404 for ids that do not exist.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use trinhky_app::documents::ActRequest;
use trinhky_testkit::flows::{self, RESOLVABLE};
use trinhky_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use trinhky_testkit::store::entities::outgoing_register;
use trinhky_testkit::{Session, TestApp, body_text, demo_password, page_text, spawn_app};

async fn login(app: &TestApp, user: &str) -> Session {
    app.login(user, &demo_password(user)).await.unwrap()
}

async fn get(
    app: &TestApp,
    s: &Session,
    path: &str,
    extra_cookie: Option<&str>,
) -> axum::http::Response<Body> {
    let cookie = match extra_cookie {
        Some(c) => format!("{}; {c}", s.cookie),
        None => s.cookie.clone(),
    };
    app.send(
        Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn post_form(
    app: &TestApp,
    s: &Session,
    path: &str,
    form: &str,
) -> axum::http::Response<Body> {
    app.send(
        Request::post(path)
            .header(header::COOKIE, &s.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf_token={}&{form}", s.csrf)))
            .unwrap(),
    )
    .await
}

async fn state_of(
    app: &TestApp,
    doc: i32,
) -> trinhky_testkit::store::entities::workflow_instance::Model {
    trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap()
}

async fn register_note(app: &TestApp, doc: i32) -> String {
    outgoing_register::Entity::find()
        .filter(outgoing_register::Column::DocumentId.eq(doc))
        .one(app.store.db())
        .await
        .unwrap()
        .unwrap()
        .note
}

fn request(version: i64, comment: &str, paper: &[&str]) -> ActRequest {
    ActRequest {
        comment: Some(comment.into()),
        paper: paper.iter().map(|s| (*s).to_owned()).collect(),
        ..flows::with_pin(version)
    }
}

#[tokio::test]
async fn the_usual_internal_line_is_delivered_inside_and_issuing_goes_through() {
    let app = spawn_app().await;
    let doc = flows::issued_document(
        &app,
        "- Như trên;\n- Giám đốc, các PGĐ Sở;\n- Các phòng, đơn vị thuộc Sở;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.",
    )
    .await;
    assert_eq!(state_of(&app, doc).await.state, "dispatched");
    let note = register_note(&app, doc).await;
    assert!(
        note.contains("Gửi nội bộ: Giám đốc, các PGĐ Sở; Các phòng, đơn vị thuộc Sở."),
        "{note}"
    );
    // Nothing is e-mailed to the agency itself: only the province (Như trên) and its office.
    let rows = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| !r.recipient_text.contains("Sở Nội vụ")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn a_line_that_names_nobody_is_refused_at_submit_with_its_name() {
    let app = spawn_app().await;
    let a = flows::seed_assignment(&app).await;
    let doc = flows::drafted(
        &app,
        a,
        None,
        "- Như trên;\n- Công ty ABC;\n- Lưu: VT, SNV.",
        "Kế hoạch",
    )
    .await;
    let err = flows::act(&app, "snv.chuyenvien", doc, "submit", 0)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("Công ty ABC") && msg.contains("địa chỉ thư điện tử"),
        "{msg}"
    );
    assert_eq!(state_of(&app, doc).await.state, "drafting");
    // The live check says the same, line by line.
    let drafter = login(&app, "snv.chuyenvien").await;
    let res = post_form(
        &app,
        &drafter,
        &format!("/documents/{doc}/recipients/check"),
        "recipients=-+Gi%C3%A1m+%C4%91%E1%BB%91c%2C+c%C3%A1c+PG%C4%90+S%E1%BB%9F%3B%0A-+C%C3%B4ng+ty+ABC%3B%0A-+L%C6%B0u%3A+VT.&addressees=",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = serde_json::from_str(&body_text(res).await).unwrap();
    let statuses: Vec<&str> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["internal", "unresolved", "archive"], "{v}");
    assert_eq!(v["unresolved"], 1);
}

#[tokio::test]
async fn the_clerk_sends_an_unresolved_line_on_paper_and_the_register_says_so() {
    let app = spawn_app().await;
    let doc = flows::approved_with_stale_recipients(
        &app,
        "- Như trên;\n- Sở Ngoại giao Sao Hỏa;\n- Lưu: VT, SNV.",
    )
    .await;
    // Somebody can always act: the clerk may issue (with paper) or return it.
    let clerk = flows::principal(&app, "snv.vanthu").await;
    let l = trinhky_app::documents::load(
        &app.store,
        &app.registry,
        &clerk,
        doc,
        trinhky_app::access::Want::Step,
    )
    .await
    .unwrap();
    let actor = trinhky_app::documents::actor(&app.store, &clerk)
        .await
        .unwrap();
    let actions: Vec<String> = trinhky_domain::workflow::available_actions(
        &l.definition,
        &l.domain,
        &actor,
        chrono::Utc::now(),
    )
    .iter()
    .map(|t| t.action.clone())
    .collect();
    assert_eq!(actions, ["issue", "return"]);
    flows::act_with(
        &app,
        "snv.vanthu",
        doc,
        "issue",
        request(3, "", &["Sở Ngoại giao Sao Hỏa"]),
    )
    .await
    .unwrap();
    let note = register_note(&app, doc).await;
    assert!(
        note.contains("Gửi bản giấy: Sở Ngoại giao Sao Hỏa."),
        "{note}"
    );
}

#[tokio::test]
async fn a_return_after_signing_voids_the_signature_and_the_document_is_signed_again() {
    let app = spawn_app().await;
    let doc =
        flows::approved_with_stale_recipients(&app, "- Như trên;\n- Sở Ngoại giao Sao Hỏa;").await;
    assert!(state_of(&app, doc).await.personal_signed);
    // Without a comment the return is refused.
    assert!(
        flows::act(&app, "snv.vanthu", doc, "return", 3)
            .await
            .is_err()
    );
    flows::act_with(
        &app,
        "snv.vanthu",
        doc,
        "return",
        request(3, "Sửa Nơi nhận", &[]),
    )
    .await
    .unwrap();
    let inst = state_of(&app, doc).await;
    assert_eq!(inst.state, "drafting");
    assert!(
        !inst.personal_signed && !inst.organization_signed,
        "{inst:?}"
    );
    // The drafter fixes Nơi nhận; the document goes round again and is issued.
    let drafter = flows::principal(&app, "snv.chuyenvien").await;
    let v = trinhky_testkit::store::documents::latest_version(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    let content = trinhky_testkit::store::documents::Content {
        title: v.title,
        body: v.body,
        addressees: v.addressees,
        recipients: RESOLVABLE.into(),
    };
    trinhky_app::documents::edit(
        &app.store,
        &app.registry,
        &drafter,
        doc,
        v.version_no,
        content,
        "Sửa Nơi nhận",
    )
    .await
    .unwrap();
    flows::act(&app, "snv.chuyenvien", doc, "submit", 4)
        .await
        .unwrap();
    flows::act(&app, "snv.truongphong", doc, "forward", 5)
        .await
        .unwrap();
    flows::act(&app, "snv.giamdoc", doc, "approve", 6)
        .await
        .unwrap();
    assert!(state_of(&app, doc).await.personal_signed, "signed again");
    flows::act(&app, "snv.vanthu", doc, "issue", 7)
        .await
        .unwrap();
    assert_eq!(state_of(&app, doc).await.state, "dispatched");
}

#[tokio::test]
async fn a_refused_form_comes_back_by_redirect_with_the_typed_comment() {
    let app = spawn_app().await;
    let doc = flows::document_at_approval(&app, RESOLVABLE).await;
    let head = login(&app, "snv.giamdoc").await;
    let res = post_form(
        &app,
        &head,
        &format!("/documents/{doc}/act/approve"),
        "expected=2&comment=%C4%90%E1%BB%93ng+%C3%BD+k%C3%BD&pin=000000",
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "post/redirect/get");
    assert_eq!(
        res.headers().get(header::LOCATION).unwrap(),
        &format!("/documents/{doc}")
    );
    let flash = trinhky_testkit::set_cookie(&res, "trinhky_flash").expect("flash cookie");
    let page = page_text(get(&app, &head, &format!("/documents/{doc}"), Some(&flash)).await).await;
    assert!(page.contains("Mã PIN không đúng"), "the refusal is shown");
    assert!(
        page.contains(">Đồng ý ký</textarea>"),
        "the comment is kept"
    );
    assert!(!page.contains("000000"), "never the PIN");
    // Shown once: the page without the cookie has neither.
    let again = page_text(get(&app, &head, &format!("/documents/{doc}"), None).await).await;
    assert!(!again.contains(">Đồng ý ký</textarea>"));
    // Another session cannot replay it.
    let other = login(&app, "snv.giamdoc").await;
    let replay =
        page_text(get(&app, &other, &format!("/documents/{doc}"), Some(&flash)).await).await;
    assert!(
        !replay.contains(">Đồng ý ký</textarea>"),
        "sealed per session"
    );
    // Success: a redirect with a confirmation naming the new step.
    let res = post_form(
        &app,
        &head,
        &format!("/documents/{doc}/act/approve"),
        "expected=2&comment=&pin=123456",
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let flash = trinhky_testkit::set_cookie(&res, "trinhky_flash").unwrap();
    let page = page_text(get(&app, &head, &format!("/documents/{doc}"), Some(&flash)).await).await;
    assert!(
        page.contains("Đã chuyển văn bản sang bước “Chờ văn thư phát hành”."),
        "{page}"
    );
}

#[tokio::test]
async fn ids_that_do_not_exist_are_404_not_a_request_for_a_role() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    for path in ["/documents/987654", "/incoming/987654"] {
        let res = get(&app, &s, path, None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let page = page_text(res).await;
        assert!(page.contains("Không có văn bản"), "{page}");
        assert!(!page.contains("cấp vai trò"), "{page}");
    }
    // An existing document of another agency is still refused as before.
    let doc = flows::document_at_approval(&app, RESOLVABLE).await;
    let other = login(&app, "skhdt.chuyenvien").await;
    let res = get(&app, &other, &format!("/documents/{doc}"), None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn registering_receives_the_document_and_clears_the_recipients_queue() {
    let app = spawn_app().await;
    let doc = flows::issued_document(&app, RESOLVABLE).await;
    let clerk = login(&app, "vpubnd.vanthu").await;
    let p = flows::principal(&app, "vpubnd.vanthu").await;
    let queued = trinhky_app::documents::inbox(&app.store, &app.registry, &p)
        .await
        .unwrap();
    assert!(
        queued.iter().any(|w| w.document_id == doc),
        "waiting before"
    );
    // The recipient's document page is the receiving page.
    let res = get(&app, &clerk, &format!("/documents/{doc}"), None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res
        .headers()
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(to.starts_with("/incoming/"), "{to}");
    let res = post_form(&app, &clerk, &format!("{to}/act/register"), "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let inst = state_of(&app, doc).await;
    assert_eq!(
        inst.state, "received",
        "the document reads received everywhere"
    );
    let queued = trinhky_app::documents::inbox(&app.store, &app.registry, &p)
        .await
        .unwrap();
    assert!(
        !queued.iter().any(|w| w.document_id == doc),
        "no longer waiting"
    );
    let res = post_form(&app, &clerk, &format!("{to}/act/archive"), "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, doc).await.state, "archived");
}

#[tokio::test]
async fn after_signing_the_preview_is_the_signed_file_not_the_draft() {
    let app = spawn_app().await;
    let doc = flows::document_at_approval(&app, RESOLVABLE).await;
    let head = flows::principal(&app, "snv.giamdoc").await;
    let load = || async {
        trinhky_app::documents::load(
            &app.store,
            &app.registry,
            &head,
            doc,
            trinhky_app::access::Want::Working,
        )
        .await
        .unwrap()
    };
    let draft = trinhky_app::rendering::preview_page(&app.store, &app.registry, &load().await, 1)
        .await
        .unwrap()
        .unwrap();
    flows::approve(&app, doc).await;
    let l = load().await;
    let shown = trinhky_app::rendering::preview_page(&app.store, &app.registry, &l, 1)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(&*shown, &*draft, "no longer the watermarked layout");
    // Exactly the stored signed file, rasterised.
    let f = trinhky_testkit::store::documents::latest_file(app.store.db(), doc, Some("signed"))
        .await
        .unwrap()
        .unwrap();
    let blob = trinhky_testkit::store::blobs::get(app.store.db(), &f.blob_sha256)
        .await
        .unwrap()
        .unwrap();
    let (png, pages) = app
        .registry
        .renderer()
        .rasterize_pdf_page(blob.data, 1, trinhky_app::rendering::PREVIEW_DPI)
        .unwrap();
    assert_eq!(&*shown, png.unwrap().as_slice());
    assert_eq!(
        trinhky_app::rendering::page_count(&app.store, &app.registry, &l)
            .await
            .unwrap(),
        pages
    );
}
