//! Receiving (issue 7): issued documents land in the incoming registers of the recipient
//! agencies inside trinhky; their clerks register, forward, acknowledge and archive; registers
//! export; the archive searches accent-insensitively; recall marks and notifies.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use trinhky_testkit::{Session, TestApp, demo_password, page_text, spawn_app};

use trinhky_testkit::flows::{self, approved_document_titled};

const RECIPIENTS: &str =
    "- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.";
const TITLE: &str = "Kế hoạch cải cách hành chính và nâng cao Chỉ số CCHC cấp tỉnh năm 2023";

/// Sở Nội vụ's plan issued to SKHĐT and VPUBND (and the UBND tỉnh by "Như trên").
async fn issued_document(app: &TestApp) -> i32 {
    let doc = approved_document_titled(app, RECIPIENTS, TITLE).await;
    flows::act(app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
    doc
}

async fn incoming_of(
    app: &TestApp,
    code: &str,
) -> Vec<trinhky_testkit::store::entities::incoming_document::Model> {
    let a = trinhky_testkit::store::directory::agency_by_code(app.store.db(), code)
        .await
        .unwrap()
        .unwrap();
    trinhky_testkit::store::incoming::of_agency_between(app.store.db(), a.id, None, None)
        .await
        .unwrap()
}

async fn login(app: &TestApp, username: &str) -> Session {
    app.login(username, &demo_password(username)).await.unwrap()
}

async fn get(app: &TestApp, s: &Session, path: &str) -> axum::http::Response<Body> {
    app.send(
        Request::get(path)
            .header(header::COOKIE, &s.cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn post(app: &TestApp, s: &Session, path: &str, form: &str) -> axum::http::Response<Body> {
    let body = if form.is_empty() {
        format!("csrf_token={}", s.csrf)
    } else {
        format!("csrf_token={}&{form}", s.csrf)
    };
    app.send(
        Request::post(path)
            .header(header::COOKIE, &s.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn bytes(res: axum::http::Response<Body>) -> Vec<u8> {
    axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn issuing_delivers_into_each_recipient_agencys_incoming_register() {
    let app = spawn_app().await;
    let doc = issued_document(&app).await;
    for code in ["SKHĐT", "VPUBND"] {
        let rows = incoming_of(&app, code).await;
        assert_eq!(rows.len(), 1, "{code}");
        let r = &rows[0];
        assert_eq!(r.document_id, doc);
        assert_eq!(r.number, "01/KH-SNV");
        assert_eq!(r.title, TITLE);
        assert_eq!(r.status, "received");
        assert_eq!(r.incoming_no, None);
        assert!(r.file_sha256.is_some());
        assert_eq!(r.from_agency_name, "Sở Nội vụ tỉnh Đắk Nông");
    }
    // UBND tỉnh (Như trên) has no clerk account: e-mail only. The issuer is not a recipient.
    assert!(incoming_of(&app, "UBND").await.is_empty());
    assert!(incoming_of(&app, "SNV").await.is_empty());
    let events = trinhky_testkit::store::audit::latest(app.store.db(), 200)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "incoming.deliver")
            .count(),
        2
    );
}

async fn incoming_id(app: &TestApp, code: &str) -> i32 {
    incoming_of(app, code).await[0].id
}

#[tokio::test]
async fn vpubnd_clerk_registers_forwards_acknowledges_and_archives_and_the_sender_sees_it() {
    let app = spawn_app().await;
    let doc = issued_document(&app).await;
    let id = incoming_id(&app, "VPUBND").await;
    let clerk = login(&app, "vpubnd.vanthu").await;

    let list = page_text(get(&app, &clerk, "/incoming").await).await;
    assert!(list.contains("01/KH-SNV") && list.contains(TITLE), "{list}");
    assert!(list.contains("Chờ vào sổ"));

    // Both signatures (the director's and Sở Nội vụ's seal) verify.
    let res = get(&app, &clerk, &format!("/incoming/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = page_text(res).await;
    assert_eq!(page.matches("badge valid").count(), 2, "{page}");
    assert!(!page.contains("badge invalid") && !page.contains("badge untrusted"));
    assert!(page.contains(&format!("/incoming/{id}/pdf")));
    let pdf = get(&app, &clerk, &format!("/incoming/{id}/pdf")).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(bytes(pdf).await.starts_with(b"%PDF"));

    let res = post(&app, &clerk, &format!("/incoming/{id}/act/register"), "").await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        page_text(res).await
    );
    let row = trinhky_testkit::store::incoming::by_id(app.store.db(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.status.as_str(), row.incoming_no),
        ("registered", Some(1))
    );
    assert_eq!(
        row.year,
        Some(chrono::Datelike::year(&trinhky_app::today_vn()))
    );
    // Registering twice is refused and takes no number.
    let res = post(&app, &clerk, &format!("/incoming/{id}/act/register"), "").await;
    let page = trinhky_testkit::followed(&app, &clerk, res).await;
    assert!(page.contains("alert error"), "refused: {page}");

    let deadline = (trinhky_app::today_vn() + chrono::Duration::days(5)).format("%Y-%m-%d");
    let res = post(
        &app,
        &clerk,
        &format!("/incoming/{id}/act/forward"),
        &format!("to=vpubnd.chuyenvien&deadline={deadline}&note=X%E1%BB%AD+l%C3%BD"),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        page_text(res).await
    );
    // Forwarding outside the agency is refused.
    let res = post(
        &app,
        &clerk,
        &format!("/incoming/{id}/act/forward"),
        "to=snv.chuyenvien",
    )
    .await;
    let page = trinhky_testkit::followed(&app, &clerk, res).await;
    assert!(
        page.contains("không thuộc"),
        "refused with the reason: {page}"
    );
    // The person it was forwarded to may see it.
    let assignee = login(&app, "vpubnd.chuyenvien").await;
    assert_eq!(
        get(&app, &assignee, &format!("/incoming/{id}"))
            .await
            .status(),
        StatusCode::OK
    );

    let res = post(&app, &clerk, &format!("/incoming/{id}/act/acknowledge"), "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = post(&app, &clerk, &format!("/incoming/{id}/act/archive"), "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let row = trinhky_testkit::store::incoming::by_id(app.store.db(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "archived");
    assert!(row.forwarded_to.is_some() && row.deadline.is_some());
    assert!(row.acknowledged_at.is_some() && row.archived_at.is_some());
    assert_eq!(row.note, "Xử lý");
    let events = trinhky_testkit::store::audit::latest(app.store.db(), 200)
        .await
        .unwrap();
    for a in [
        "incoming.register",
        "incoming.forward",
        "incoming.acknowledge",
        "incoming.archive",
    ] {
        assert_eq!(events.iter().filter(|e| e.action == a).count(), 1, "{a}");
    }
    let chain = trinhky_testkit::store::audit::verify(app.store.db(), |_, _| {})
        .await
        .unwrap();
    assert!(chain.broken.is_none());

    // The sender sees who received it and when.
    let sender = login(&app, "snv.vanthu").await;
    let page = page_text(get(&app, &sender, &format!("/documents/{doc}")).await).await;
    assert!(page.contains("Nơi nhận đã tiếp nhận"), "{page}");
    assert!(page.contains("Văn phòng Ủy ban nhân dân tỉnh Đắk Nông"));
    assert!(page.contains("Sở Kế hoạch và Đầu tư tỉnh Đắk Nông"));
    assert!(page.contains("(số đến 1)"));
    let res = get(&app, &sender, &format!("/api/v1/documents/{doc}/receipts")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    let vp = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency_code"] == "VPUBND")
        .unwrap();
    assert_eq!(vp["status"], "archived");
    assert!(vp["registered_at"].is_string() && vp["acknowledged_at"].is_string());
    let kh = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency_code"] == "SKHĐT")
        .unwrap();
    assert_eq!(kh["status"], "received");
    assert!(kh["registered_at"].is_null());

    // The API gives the same row with its signatures.
    let res = get(&app, &clerk, &format!("/api/v1/incoming/{id}")).await;
    let v: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert_eq!(v["incoming_no"], 1);
    assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
    assert!(
        v["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "valid")
    );
}

#[tokio::test]
async fn other_agencies_get_403_and_forms_need_csrf() {
    let app = spawn_app().await;
    issued_document(&app).await;
    let id = incoming_id(&app, "VPUBND").await;
    for who in ["stttt.vanthu", "skhdt.vanthu", "vpubnd.chuyenvien"] {
        let s = login(&app, who).await;
        assert_eq!(
            get(&app, &s, &format!("/incoming/{id}")).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            get(&app, &s, &format!("/incoming/{id}/pdf")).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            post(&app, &s, &format!("/incoming/{id}/act/register"), "")
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            get(&app, &s, &format!("/api/v1/incoming/{id}"))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }
    let s = login(&app, "stttt.vanthu").await;
    for path in [
        "/registers/incoming?agency=VPUBND",
        "/registers/outgoing?agency=SNV&format=csv",
        "/archive?agency=VPUBND",
        "/incoming?agency=VPUBND",
    ] {
        assert_eq!(
            get(&app, &s, path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // The recipient agency's head may view but not act.
    let head = login(&app, "vpubnd.chanhvanphong").await;
    assert_eq!(
        get(&app, &head, &format!("/incoming/{id}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        post(&app, &head, &format!("/incoming/{id}/act/register"), "")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // A recipient cannot recall the sender's document.
    let clerk = login(&app, "vpubnd.vanthu").await;
    let doc = incoming_of(&app, "VPUBND").await[0].document_id;
    assert_eq!(
        post(
            &app,
            &clerk,
            &format!("/documents/{doc}/recall"),
            "reason=x"
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    // No CSRF token: refused, nothing changes.
    let res = app
        .send(
            Request::post(format!("/incoming/{id}/act/register"))
                .header(header::COOKIE, &clerk.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let row = trinhky_testkit::store::incoming::by_id(app.store.db(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "received");
}

#[tokio::test]
async fn registers_export_csv_and_xlsx_with_vietnamese_text_and_print() {
    let app = spawn_app().await;
    issued_document(&app).await;
    let id = incoming_id(&app, "VPUBND").await;
    let clerk = login(&app, "vpubnd.vanthu").await;
    post(&app, &clerk, &format!("/incoming/{id}/act/register"), "").await;

    let res = get(&app, &clerk, "/registers/incoming?format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = bytes(res).await;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("Ngày đến,Số đến,Tác giả,\"Số, ký hiệu\",Ngày tháng,Tên loại và trích yếu nội dung,Đơn vị hoặc người nhận,Ngày chuyển,Ký nhận,Ghi chú"), "{csv}");
    assert!(csv.contains(&format!("Kế hoạch: {TITLE}")), "{csv}");
    assert!(
        csv.contains(",1,Sở Nội vụ tỉnh Đắk Nông,01/KH-SNV,"),
        "{csv}"
    );

    let sender = login(&app, "snv.vanthu").await;
    let csv =
        String::from_utf8(bytes(get(&app, &sender, "/registers/outgoing?format=csv").await).await)
            .unwrap();
    assert!(csv.contains("\"Số, ký hiệu\",Ngày tháng văn bản,Tên loại và trích yếu nội dung,Người ký,Nơi nhận,\"Đơn vị, người nhận bản lưu\",Số lượng bản,Ngày chuyển,Ký nhận,Ghi chú"), "{csv}");
    assert!(
        csv.contains("01/KH-SNV") && csv.contains("Nguyễn Văn Thắng") && csv.contains("VT, SNV"),
        "{csv}"
    );

    // Filters: a period before the document shows nothing; text is accent-insensitive.
    let page = page_text(
        get(
            &app,
            &clerk,
            "/registers/incoming?from=2000-01-01&to=2000-12-31",
        )
        .await,
    )
    .await;
    assert!(!page.contains("01/KH-SNV"));
    let page = page_text(get(&app, &clerk, "/registers/incoming?q=nang+cao+chi+so").await).await;
    assert!(page.contains("01/KH-SNV"), "{page}");
    let page = page_text(get(&app, &clerk, "/registers/incoming?format=print").await).await;
    assert!(
        page.contains("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN") && page.contains("print-view"),
        "{page}"
    );

    // The register for a period as a PDF laid out by typst (A4 landscape, numbered columns).
    let res = get(&app, &clerk, "/registers/incoming?format=pdf").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
    let pdf = bytes(res).await;
    let dir = std::env::temp_dir().join(format!("trinhky-register-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("r.pdf"), &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", dir.join("r.pdf").to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN")
            && text.contains("(10)")
            && text.contains("01/KH-SNV"),
        "{text}"
    );
    let info = std::process::Command::new("pdfinfo")
        .arg(dir.join("r.pdf"))
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("842 x 595") || info.contains("841.89 x 595.276"),
        "A4 landscape: {info}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let res = get(&app, &clerk, "/registers/incoming?format=xlsx").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let xlsx = bytes(res).await;
    let path =
        std::env::temp_dir().join(format!("trinhky-register-{}-{id}.xlsx", std::process::id()));
    std::fs::write(&path, &xlsx).unwrap();
    // openpyxl when installed (a real reader), else the package structure with zipfile.
    let script = r#"
import sys, zipfile, xml.etree.ElementTree as ET
p = sys.argv[1]
try:
    import openpyxl
    ws = openpyxl.load_workbook(p).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
except ImportError:
    z = zipfile.ZipFile(p)
    names = set(z.namelist())
    for n in ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"]:
        assert n in names, n
        ET.fromstring(z.read(n))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    text = lambda e: "".join(t.text or "" for t in e.iter("{%s}t" % ns["m"]))
    shared = []
    if "xl/sharedStrings.xml" in names:
        shared = [text(si) for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
    # A cell holds an inline string, or (t="s") the index of a shared string.
    value = lambda c: shared[int(c.find("m:v", ns).text)] if c.get("t") == "s" else text(c)
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = [[value(c) for c in r.findall("m:c", ns)] for r in sheet.find("m:sheetData", ns).findall("m:row", ns)]
print("\n".join("\t".join("" if v is None else str(v) for v in r) for r in rows))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("Ngày đến\tSố đến\tTác giả\tSố, ký hiệu"),
        "{text}"
    );
    assert!(
        lines[1].contains(&format!("Kế hoạch: {TITLE}"))
            && lines[1].contains("\t1\tSở Nội vụ tỉnh Đắk Nông\t01/KH-SNV\t"),
        "{text}"
    );
}

#[tokio::test]
async fn archive_search_is_accent_insensitive() {
    let app = spawn_app().await;
    issued_document(&app).await;
    let id = incoming_id(&app, "VPUBND").await;
    let clerk = login(&app, "vpubnd.vanthu").await;
    // Not archived yet: not found.
    let page = page_text(get(&app, &clerk, "/archive?q=cai+cach").await).await;
    assert!(!page.contains("01/KH-SNV"));
    post(&app, &clerk, &format!("/incoming/{id}/act/register"), "").await;
    post(&app, &clerk, &format!("/incoming/{id}/act/archive"), "").await;
    let page = page_text(get(&app, &clerk, "/archive?q=cai+cach").await).await;
    assert!(page.contains("01/KH-SNV") && page.contains(TITLE), "{page}");
    let today = trinhky_app::today_vn().format("%Y-%m-%d");
    for q in [
        "q=C%E1%BA%A2I+C%C3%81CH",
        "number=01%2Fkh",
        "from_agency=so+noi+vu",
        &format!("from={today}&to={today}"),
    ] {
        let page = page_text(get(&app, &clerk, &format!("/archive?{q}")).await).await;
        assert!(page.contains("01/KH-SNV"), "{q}");
    }
    for q in ["q=thue+dat", "from_agency=so+tai+chinh", "to=2000-01-01"] {
        let page = page_text(get(&app, &clerk, &format!("/archive?{q}")).await).await;
        assert!(!page.contains("01/KH-SNV"), "{q}");
    }
    let res = get(&app, &clerk, "/api/v1/archive?q=cai%20cach").await;
    let v: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn recall_marks_every_register_and_notifies_everyone_it_reached() {
    let app = spawn_app().await;
    let doc = issued_document(&app).await;
    let id = incoming_id(&app, "VPUBND").await;
    let clerk = login(&app, "vpubnd.vanthu").await;
    post(&app, &clerk, &format!("/incoming/{id}/act/register"), "").await;
    let before = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    let sender = login(&app, "snv.vanthu").await;
    let page = page_text(get(&app, &sender, &format!("/documents/{doc}")).await).await;
    assert!(page.contains("Thu hồi văn bản"));
    let res = post(
        &app,
        &sender,
        &format!("/documents/{doc}/recall"),
        "reason=Sai+s%E1%BB%91+li%E1%BB%87u",
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        page_text(res).await
    );

    let after = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    let recalls: Vec<_> = after.iter().filter(|m| m.kind == "recall").collect();
    assert_eq!(recalls.len(), before.len());
    let mut emails: Vec<&str> = recalls.iter().map(|m| m.email.as_str()).collect();
    emails.sort();
    let mut orig: Vec<&str> = before.iter().map(|m| m.email.as_str()).collect();
    orig.sort();
    assert_eq!(emails, orig);
    assert!(recalls.iter().all(|m| m.subject == format!("[THU HỒI] [01/KH-SNV] {TITLE}") && m.status == "pending"));
    assert!(
        recalls
            .iter()
            .all(|m| m.body.contains("Lý do thu hồi: Sai số liệu."))
    );

    for code in ["VPUBND", "SKHĐT"] {
        let row = &incoming_of(&app, code).await[0];
        assert_eq!(row.status, "recalled", "{code}");
        assert!(row.recalled_at.is_some());
    }
    let entry = trinhky_testkit::store::numbering::number_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    assert!(entry.recalled_at.is_some());
    assert_eq!(entry.recall_reason.as_deref(), Some("Sai số liệu"));

    let page = page_text(get(&app, &clerk, &format!("/incoming/{id}")).await).await;
    assert!(page.contains("Đã thu hồi"), "{page}");
    let res = post(&app, &clerk, &format!("/incoming/{id}/act/archive"), "").await;
    let page = trinhky_testkit::followed(&app, &clerk, res).await;
    assert!(
        page.contains("alert error"),
        "refused once recalled: {page}"
    );
    let csv =
        String::from_utf8(bytes(get(&app, &clerk, "/registers/incoming?format=csv").await).await)
            .unwrap();
    assert!(csv.contains("Đã thu hồi: Sai số liệu"), "{csv}");
    let csv =
        String::from_utf8(bytes(get(&app, &sender, "/registers/outgoing?format=csv").await).await)
            .unwrap();
    assert!(csv.contains("Đã thu hồi ngày"), "{csv}");
    let page = page_text(get(&app, &sender, &format!("/documents/{doc}")).await).await;
    assert!(page.contains("Đã thu hồi ngày"), "{page}");
    assert!(
        !page.contains(&format!("action=\"/documents/{doc}/recall\"")),
        "no recall form once recalled"
    );
    let res = post(
        &app,
        &sender,
        &format!("/documents/{doc}/recall"),
        "reason=l%E1%BA%A7n+hai",
    )
    .await;
    // Twice is refused (post/redirect/get: the page says why, the reason typed is kept).
    let page = trinhky_testkit::followed(&app, &sender, res).await;
    assert!(page.contains("alert error"), "{page}");
    let events = trinhky_testkit::store::audit::latest(app.store.db(), 200)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "incoming.recall")
            .count(),
        2
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "document.recall")
            .count(),
        1
    );
}

#[tokio::test]
async fn the_json_api_registers_and_forwards_with_the_csrf_header() {
    let app = spawn_app().await;
    issued_document(&app).await;
    let id = incoming_id(&app, "SKHĐT").await;
    let clerk = login(&app, "skhdt.vanthu").await;
    let call = |path: String, body: &'static str, csrf: Option<String>| {
        let mut b = Request::post(path)
            .header(header::COOKIE, &clerk.cookie)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(body)).unwrap()
    };
    let res = app
        .send(call(format!("/api/v1/incoming/{id}/register"), "{}", None))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF header");
    let res = app
        .send(call(
            format!("/api/v1/incoming/{id}/register"),
            "{}",
            Some(clerk.csrf.clone()),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert_eq!(
        (v["incoming_no"].as_i64(), v["status"].as_str()),
        (Some(1), Some("registered"))
    );
    let res = app
        .send(call(
            format!("/api/v1/incoming/{id}/forward"),
            r#"{"to": "skhdt.chuyenvien", "deadline": "2999-12-31"}"#,
            Some(clerk.csrf.clone()),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert_eq!(v["forwarded_to"], "Đỗ Quang Huy");
    assert_eq!(v["deadline"], "2999-12-31");
    let res = get(&app, &clerk, "/api/v1/registers/incoming").await;
    let v: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert_eq!(v["rows"][0][1], "1");
    assert_eq!(v["rows"][0][6], "Đỗ Quang Huy");
}
