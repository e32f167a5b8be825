//! Issue 8, the drafter's and reader's tools of the document page: attachments (type and size
//! refused with clear messages, downloads authorised across agencies, audited, signed and
//! e-mailed at issuing, listed at the recipient), the version diff, the document's nhật ký, and
//! the live preview of unsaved text.

use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use chrono::Utc;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_testkit::flows::{principal, seed_assignment};
use trinhky_testkit::mail::{SmtpOptions, SmtpServer};
use trinhky_testkit::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use trinhky_testkit::store::entities::audit_event;
use trinhky_testkit::{Session, TestApp, demo_password, page_text, repo_root, spawn_app};

use crate::validators::{pdfsig, pyhanko, scratch};

const BOUNDARY: &str = "----trinhkyTestBoundary7MA4YWxkTrZu0gW";

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

async fn post_form(app: &TestApp, s: &Session, path: &str, form: &str) -> Response<Body> {
    app.send(
        Request::post(path)
            .header(header::COOKIE, &s.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf_token={}&{form}", s.csrf)))
            .unwrap(),
    )
    .await
}

async fn bytes(res: Response<Body>) -> Vec<u8> {
    axum::body::to_bytes(res.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec()
}

fn multipart(csrf: Option<&str>, name: &str, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    if let Some(c) = csrf {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{c}\r\n"
            )
            .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(data);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn upload_with(
    router: &axum::Router,
    s: &Session,
    doc: i32,
    name: &str,
    data: &[u8],
) -> Response<Body> {
    use tower::ServiceExt;
    router
        .clone()
        .oneshot(
            Request::post(format!("/documents/{doc}/attachments"))
                .header(header::COOKIE, &s.cookie)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(Body::from(multipart(Some(&s.csrf), name, data)))
                .unwrap(),
        )
        .await
        .unwrap()
}

async fn upload(app: &TestApp, s: &Session, doc: i32, name: &str, data: &[u8]) -> Response<Body> {
    upload_with(&app.router, s, doc, name, data).await
}

fn xlsx() -> Vec<u8> {
    trinhky_app::incoming::xlsx(
        "So lieu",
        &["Chỉ số", "Năm 2022"],
        &[vec!["PAR INDEX".into(), "85,3".into()]],
    )
    .unwrap()
}

fn pdf() -> Vec<u8> {
    std::fs::read(repo_root().join("crates/trinhky-pdf/tests/fixtures/sign/two-page.pdf")).unwrap()
}

/// A draft of Sở Nội vụ's report (task 6.1), created over HTTP by its drafter.
async fn draft(app: &TestApp, s: &Session) -> i32 {
    let a = seed_assignment(app).await;
    let res = post_form(app, s, &format!("/assignments/{a}/documents"), "").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "create");
    let loc = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    loc.trim_start_matches("/documents/").parse().unwrap()
}

async fn save(app: &TestApp, s: &Session, doc: i32, expected: i32, title: &str, body: &str) {
    let form = format!(
        "expected={expected}&title={}&addressees={}&body={}&recipients={}&note=",
        trinhky_testkit::urlencode(title),
        trinhky_testkit::urlencode("Ủy ban nhân dân tỉnh"),
        trinhky_testkit::urlencode(body),
        trinhky_testkit::urlencode("- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV."),
    );
    let res = post_form(app, s, &format!("/documents/{doc}/edit"), &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "save version");
}

async fn events(app: &TestApp, doc: i32, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::DocumentId.eq(doc))
        .filter(audit_event::Column::Action.eq(action))
        .all(app.store.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn attachments_are_checked_listed_downloaded_by_readers_only_and_audited() {
    let app = spawn_app().await;
    let drafter = login(&app, "snv.chuyenvien").await;
    let doc = draft(&app, &drafter).await;

    // Accepted: an Excel workbook and a PDF, recognised by content.
    let res = upload(&app, &drafter, doc, "Số liệu CCHC.xlsx", &xlsx()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = upload(&app, &drafter, doc, "../Phụ lục I.pdf", &pdf()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Refused, each with a message that says why and what to do.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00 This program cannot be run in DOS mode";
    let res = upload(&app, &drafter, doc, "bao-cao.pdf", exe).await;
    let html = trinhky_testkit::followed(&app, &drafter, res).await;
    assert!(
        html.contains("Không nhận tệp \"bao-cao.pdf\"")
            && html.contains("không phải PDF, DOCX hay XLSX"),
        "{html}"
    );
    // A sound zip without [Content_Types].xml: the workbook with that part renamed (the name is
    // in the local and central headers, outside every CRC).
    let plain_zip = {
        let mut z = xlsx();
        let (from, to) = (b"[Content_Types].xml", b"[Content_Typez].xml");
        let mut i = 0;
        while i + from.len() <= z.len() {
            if &z[i..i + from.len()] == from {
                z[i..i + from.len()].copy_from_slice(to);
            }
            i += 1;
        }
        z
    };
    let res = upload(&app, &drafter, doc, "tai-lieu.docx", &plain_zip).await;
    let page = trinhky_testkit::followed(&app, &drafter, res).await;
    assert!(page.contains("[Content_Types].xml"), "{page}");
    let res = upload(&app, &drafter, doc, "so-lieu.xlsx", &pdf()).await;
    let page = trinhky_testkit::followed(&app, &drafter, res).await;
    assert!(
        page.contains("mang đuôi .xlsx nhưng nội dung là PDF"),
        "{page}"
    );
    let res = upload(&app, &drafter, doc, "rong.pdf", b"").await;
    let page = trinhky_testkit::followed(&app, &drafter, res).await;
    assert!(page.contains("alert error"), "{page}");
    // No CSRF token: refused before anything is stored.
    let res = app
        .send(
            Request::post(format!("/documents/{doc}/attachments"))
                .header(header::COOKIE, &drafter.cookie)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(Body::from(multipart(None, "x.pdf", &pdf())))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The size limit is a setting: 1 MiB here. Just over it: the use case names file and limit;
    // far over it: the body limit answers, with the same kind of message.
    let small = trinhky_web::router(app.state_with(&[("TRINHKY_ATTACHMENT_MAX_MB", "1")]).await);
    let mut big = pdf();
    big.resize(1024 * 1024 + 10, b' ');
    let res = upload_with(&small, &drafter, doc, "lon.pdf", &big).await;
    let html = trinhky_testkit::followed(&app, &drafter, res).await;
    assert!(
        html.contains("Tệp \"lon.pdf\"") && html.contains("lớn hơn giới hạn 1,0 MB"),
        "{html}"
    );
    big.resize(3 * 1024 * 1024, b' ');
    let res = upload_with(&small, &drafter, doc, "rat-lon.pdf", &big).await;
    let page = trinhky_testkit::followed(&app, &drafter, res).await;
    assert!(page.contains("lớn hơn giới hạn 1,0 MB"), "{page}");

    // Listed with name, type, size, uploader and time; nothing refused was stored.
    let page = page_text(get(&app, &drafter, &format!("/documents/{doc}")).await).await;
    assert!(
        page.contains("Số liệu CCHC.xlsx") && page.contains("Excel (XLSX)"),
        "{page}"
    );
    assert!(
        page.contains("Phụ lục I.pdf") && page.contains("Trần Thị Minh Hạnh"),
        "{page}"
    );
    let res = get(
        &app,
        &drafter,
        &format!("/api/v1/documents/{doc}/attachments"),
    )
    .await;
    assert_eq!(res.headers()["x-total-count"], "2");
    let list: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["xlsx", "pdf"]);
    let xlsx_id = list[0]["id"].as_i64().unwrap();
    assert_eq!(list[0]["size"].as_i64().unwrap() as usize, xlsx().len());
    assert_eq!(list[1]["name"], "Phụ lục I.pdf");

    // Download: whoever may read the document (the director), not another agency.
    let head = login(&app, "snv.giamdoc").await;
    let res = get(
        &app,
        &head,
        &format!("/documents/{doc}/attachments/{xlsx_id}"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''S%E1%BB%91%20li%E1%BB%87u%20CCHC.xlsx")
    );
    assert_eq!(bytes(res).await, xlsx());
    let other = login(&app, "skhdt.chuyenvien").await;
    for path in [
        format!("/documents/{doc}/attachments/{xlsx_id}"),
        format!("/api/v1/documents/{doc}/attachments/{xlsx_id}"),
        format!("/api/v1/documents/{doc}/attachments"),
    ] {
        let res = get(&app, &other, &path).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // Only the drafter uploads or deletes.
    let res = upload(&app, &head, doc, "x.xlsx", &xlsx()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post_form(
        &app,
        &head,
        &format!("/documents/{doc}/attachments/{xlsx_id}/delete"),
        "",
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Delete while editable; every upload and delete is in the audit chain.
    let res = post_form(
        &app,
        &drafter,
        &format!("/documents/{doc}/attachments/{xlsx_id}/delete"),
        "",
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = get(
        &app,
        &drafter,
        &format!("/documents/{doc}/attachments/{xlsx_id}"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(events(&app, doc, "attachment.add").await.len(), 2);
    let deleted = events(&app, doc, "attachment.delete").await;
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].details.contains("Số liệu CCHC.xlsx"));
    assert_eq!(deleted[0].actor, "user:snv.chuyenvien");
    let report = trinhky_testkit::store::audit::verify(app.store.db(), |_, _| {})
        .await
        .unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);

    // Once submitted the document is no longer the drafter's to change.
    uc::act(
        &app.store,
        &app.registry,
        &principal(&app, "snv.chuyenvien").await,
        doc,
        "submit",
        ActRequest::default(),
        Utc::now(),
    )
    .await
    .unwrap();
    let res = upload(&app, &drafter, doc, "muon.xlsx", &xlsx()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn issued_attachments_travel_signed_by_e_mail_and_to_the_incoming_register() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    let doc = draft(&app, &s).await;
    save(
        &app,
        &s,
        doc,
        1,
        "Kế hoạch cải thiện Chỉ số CCHC năm 2023",
        "I. MỤC ĐÍCH",
    )
    .await;
    assert_eq!(
        upload(&app, &s, doc, "Số liệu.xlsx", &xlsx())
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        upload(&app, &s, doc, "Phụ lục I.pdf", &pdf())
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let req = |v: i64| ActRequest {
        expected_version: v,
        paper: Vec::new(),
        pin: Some(trinhky_app::demo::DEMO_PIN.into()),
        ..Default::default()
    };
    for (who, action, v) in [
        ("snv.chuyenvien", "submit", 0),
        ("snv.truongphong", "forward", 1),
        ("snv.giamdoc", "approve", 2),
        ("snv.vanthu", "issue", 3),
    ] {
        uc::act(
            &app.store,
            &app.registry,
            &principal(&app, who).await,
            doc,
            action,
            req(v),
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{action}: {e}"));
    }
    assert_eq!(events(&app, doc, "attachment.sign").await.len(), 1);

    // The e-mail (through a real SMTP server) carries the signed document and both attachments.
    let dir = scratch("drafting-mail");
    let server = SmtpServer::start(&dir.join("maildir"), &SmtpOptions::default());
    let mailer = trinhky_mail::Mailer::new(&trinhky_mail::TransportConfig::Smtp(
        trinhky_mail::SmtpConfig {
            host: "127.0.0.1".into(),
            port: server.port,
            security: trinhky_mail::Security::None,
            credentials: None,
            ca_pem: None,
            timeout: trinhky_mail::DEFAULT_SMTP_TIMEOUT,
        },
    ))
    .unwrap();
    let pass = trinhky_app::dispatch::dispatch_once(
        &app.store,
        &mailer,
        "Văn thư <vanthu.snv@daknong.example>",
        "w1",
        20,
        chrono::Duration::seconds(130),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(pass.sent >= 1, "{pass:?}");
    let files = server.files();
    assert!(!files.is_empty());
    let script = r#"
import email, sys, os
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
for part in m.iter_attachments():
    name = part.get_filename()
    data = part.get_payload(decode=True)
    safe = str(abs(hash(name))) + '-' + str(len(data))
    open(os.path.join(sys.argv[2], safe), 'wb').write(data)
    print(part.get_content_type() + '\t' + name + '\t' + safe)
"#;
    let out_dir = dir.join("parts");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&files[0])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8(out.stdout).unwrap();
    let parts: Vec<(String, String, std::path::PathBuf)> = listing
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            (
                f.next().unwrap().to_owned(),
                f.next().unwrap().to_owned(),
                out_dir.join(f.next().unwrap()),
            )
        })
        .collect();
    assert_eq!(parts.len(), 3, "{listing}");
    assert!(parts[0].1.starts_with("01-KH-SNV"), "{listing}");
    let sheet = parts
        .iter()
        .find(|p| p.1 == "Số liệu.xlsx")
        .expect(&listing);
    assert_eq!(std::fs::read(&sheet.2).unwrap(), xlsx());
    let annex = parts
        .iter()
        .find(|p| p.1 == "Phụ lục I.pdf")
        .expect(&listing);
    assert_eq!(annex.0, "application/pdf");

    // The phụ lục carries the organisation's signature, validated by pyHanko and pdfsig.
    let (rc, statuses, report) = pyhanko(&app.pki, &annex.2);
    assert_eq!(rc, 0, "pyHanko: {report}");
    assert_eq!(statuses, ["INTACT:TRUSTED,UNTOUCHED"], "{report}");
    let sig = pdfsig(&app.pki, &dir, &annex.2);
    assert!(
        sig.contains("Signature is Valid") && sig.contains("Certificate is Trusted"),
        "pdfsig: {sig}"
    );
    // Signed as the phụ lục of 01/KH-SNV (the signature's /Name; the appearance shows it too).
    let annex_bytes = std::fs::read(&annex.2).unwrap();
    assert!(
        annex_bytes.windows(9).any(|w| w == b"01/KH-SNV"),
        "the number is in the signature"
    );

    // Văn phòng UBND tỉnh lists and downloads them with the incoming document.
    let vp = trinhky_testkit::store::directory::agency_by_code(app.store.db(), "VPUBND")
        .await
        .unwrap()
        .unwrap();
    let rows =
        trinhky_testkit::store::incoming::of_agency_between(app.store.db(), vp.id, None, None)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    let incoming = rows[0].id;
    let clerk = login(&app, "vpubnd.vanthu").await;
    let page = page_text(get(&app, &clerk, &format!("/incoming/{incoming}")).await).await;
    assert!(
        page.contains("Phụ lục I.pdf") && page.contains("Đã ký số của cơ quan ban hành"),
        "{page}"
    );
    let res = get(
        &app,
        &clerk,
        &format!("/api/v1/incoming/{incoming}/attachments"),
    )
    .await;
    let list: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    let pdf_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "pdf")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let res = get(
        &app,
        &clerk,
        &format!("/incoming/{incoming}/attachments/{pdf_id}"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(bytes(res).await, std::fs::read(&annex.2).unwrap());
    // Another agency's clerk sees neither the row nor its files.
    let other = login(&app, "stttt.vanthu").await;
    let res = get(
        &app,
        &other,
        &format!("/incoming/{incoming}/attachments/{pdf_id}"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The nhật ký names the signing of the phụ lục and each e-mail sent.
    let trail = page_text(get(&app, &s, &format!("/documents/{doc}/audit")).await).await;
    for label in [
        "Ký số của cơ quan lên phụ lục",
        "Cấp số, ký hiệu",
        "Đã gửi thư điện tử",
        "Chuyển đến cơ quan nhận",
        "Văn phòng Ủy ban nhân dân tỉnh Đắk Nông",
    ] {
        assert!(trail.contains(label), "{label}: {trail}");
    }
}

#[tokio::test]
async fn versions_compare_word_by_word_on_the_page_and_the_api() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    let doc = draft(&app, &s).await;
    save(
        &app,
        &s,
        doc,
        1,
        "Báo cáo kết quả năm 2022",
        "Sở Nội vụ đã tổ chức hội nghị.",
    )
    .await;
    save(
        &app,
        &s,
        doc,
        2,
        "Báo cáo kết quả năm 2023",
        "Sở Nội vụ đã khẩn trương tổ chức hội nghị.",
    )
    .await;

    let res = get(
        &app,
        &s,
        &format!("/api/v1/documents/{doc}/diff?from=2&to=3"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let d: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert_eq!(d["from"]["no"], 2);
    assert_eq!(d["to"]["no"], 3);
    let field = |name: &str| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == name)
            .unwrap()
            .clone()
    };
    let body = field("body");
    assert_eq!(body["changed"], true);
    let added: Vec<&str> = body["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == "added")
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["khẩn trương "]);
    let title = field("title");
    let changes: Vec<(String, String)> = title["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().to_owned(),
                c["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        changes.contains(&("removed".into(), "2022".into())),
        "{changes:?}"
    );
    assert!(
        changes.contains(&("added".into(), "2023".into())),
        "{changes:?}"
    );
    assert_eq!(field("recipients")["changed"], false);
    // Defaults: the newest against the one before it.
    let res = get(&app, &s, &format!("/api/v1/documents/{doc}/diff")).await;
    let d2: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert_eq!(d2["from"]["no"], 2);
    assert_eq!(d2["to"]["no"], 3);

    // The page: <ins>/<del> with a text marker, and a link from every version.
    let page = page_text(get(&app, &s, &format!("/documents/{doc}/diff?from=2&to=3")).await).await;
    assert!(
        page.contains("<ins><span class=\"sr-only\">[thêm: </span>"),
        "{page}"
    );
    assert!(page.contains("khẩn trương"), "{page}");
    assert!(page.contains("<del>") && page.contains("2022"), "{page}");
    let doc_page = page_text(get(&app, &s, &format!("/documents/{doc}")).await).await;
    assert!(
        doc_page.contains(&format!("/documents/{doc}/diff?from=2&to=3")),
        "{doc_page}"
    );

    // Bad versions: a clear 400; another agency: 403.
    let res = get(
        &app,
        &s,
        &format!("/api/v1/documents/{doc}/diff?from=1&to=9"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let e: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .contains("không có phiên bản 9")
    );
    let res = get(&app, &s, &format!("/documents/{doc}/diff?from=x")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let other = login(&app, "skhdt.chuyenvien").await;
    let res = get(&app, &other, &format!("/api/v1/documents/{doc}/diff")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Every new API operation is described.
    let spec: serde_json::Value =
        serde_json::from_slice(&bytes(get(&app, &s, "/api/v1/openapi.json").await).await).unwrap();
    for (path, method) in [
        ("/api/v1/documents/{id}/attachments", "get"),
        ("/api/v1/documents/{id}/attachments", "post"),
        ("/api/v1/documents/{id}/attachments/{aid}", "get"),
        ("/api/v1/documents/{id}/attachments/{aid}", "delete"),
        ("/api/v1/documents/{id}/diff", "get"),
        ("/api/v1/documents/{id}/audit", "get"),
        ("/api/v1/documents/{id}/preview", "post"),
        ("/api/v1/incoming/{id}/attachments", "get"),
        ("/api/v1/incoming/{id}/attachments/{aid}", "get"),
        ("/api/v1/documents/{id}/actions/{action}", "post"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path}");
    }
}

#[tokio::test]
async fn the_nhat_ky_lists_the_documents_events_and_shows_a_broken_chain() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    let doc = draft(&app, &s).await;
    save(&app, &s, doc, 1, "Báo cáo CCHC", "Nội dung.").await;
    assert_eq!(
        upload(&app, &s, doc, "Số liệu.xlsx", &xlsx())
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let now = Utc::now();
    uc::act(
        &app.store,
        &app.registry,
        &principal(&app, "snv.chuyenvien").await,
        doc,
        "submit",
        ActRequest::default(),
        now,
    )
    .await
    .unwrap();
    uc::act(
        &app.store,
        &app.registry,
        &principal(&app, "snv.truongphong").await,
        doc,
        "return",
        ActRequest {
            comment: Some("Bổ sung số liệu quý II".into()),
            expected_version: 1,
            paper: Vec::new(),
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();

    let res = get(&app, &s, &format!("/documents/{doc}/audit")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = page_text(res).await;
    for text in [
        "Tạo dự thảo",
        "Chỉnh sửa dự thảo",
        "Lưu phiên bản 2",
        "Đính kèm tệp",
        "Số liệu.xlsx",
        "Ý kiến: Bổ sung số liệu quý II",
        "Chuỗi băm toàn vẹn",
        "Trần Thị Minh Hạnh",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    // Time in Vietnam, dd/mm/yyyy HH:MM.
    let vn = trinhky_app::incoming::vn_time(now);
    assert!(page.contains(&vn[..10]), "{vn}: {page}");
    // Events of other documents are not there.
    assert!(!page.contains("session.login"));

    // The API: one page with X-Total-Count and Link.
    let res = get(
        &app,
        &s,
        &format!("/api/v1/documents/{doc}/audit?per_page=2"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let total: usize = res.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= 5, "{total}");
    assert!(
        res.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    let t: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    assert_eq!(t["events"].as_array().unwrap().len(), 2);
    assert_eq!(t["events"][0]["action"], "document.create");
    assert_eq!(t["events"][0]["chain_ok"], true);

    // Readers only.
    let other = login(&app, "skhdt.giamdoc").await;
    assert_eq!(
        get(&app, &other, &format!("/documents/{doc}/audit"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, &other, &format!("/api/v1/documents/{doc}/audit"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let head = login(&app, "snv.giamdoc").await;
    assert_eq!(
        get(&app, &head, &format!("/documents/{doc}/audit"))
            .await
            .status(),
        StatusCode::OK
    );

    // Someone edits an event in the database: the nhật ký says so.
    let edited = events(&app, doc, "attachment.add").await.remove(0);
    audit_event::Entity::update_many()
        .col_expr(
            audit_event::Column::Details,
            trinhky_testkit::sea_orm::sea_query::Expr::value(
                edited.details.replace("Số liệu", "Số liệu giả"),
            ),
        )
        .filter(audit_event::Column::Seq.eq(edited.seq))
        .exec(app.store.db())
        .await
        .unwrap();
    let page = page_text(get(&app, &s, &format!("/documents/{doc}/audit")).await).await;
    assert!(
        page.contains("Chuỗi băm bị phá vỡ") && page.contains("Không khớp"),
        "{page}"
    );
}

#[tokio::test]
async fn the_preview_of_unsaved_text_differs_from_the_saved_one_and_changes_nothing() {
    let app = spawn_app().await;
    let s = login(&app, "snv.chuyenvien").await;
    let doc = draft(&app, &s).await;
    save(&app, &s, doc, 1, "Báo cáo CCHC", "Nội dung đã lưu.").await;
    let saved = get(&app, &s, &format!("/documents/{doc}/preview/1.png")).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved = bytes(saved).await;
    let audit_before = trinhky_testkit::store::audit::count(app.store.db())
        .await
        .unwrap();

    let unsaved = format!(
        "title={}&addressees={}&body={}&recipients={}",
        trinhky_testkit::urlencode("Báo cáo CCHC"),
        trinhky_testkit::urlencode("Ủy ban nhân dân tỉnh"),
        trinhky_testkit::urlencode("Nội dung khác hẳn, chưa lưu: năm 2023 tỉnh đạt nhiều kết quả."),
        trinhky_testkit::urlencode("- Như trên;\n- Lưu: VT, SNV."),
    );
    let res = post_form(&app, &s, &format!("/documents/{doc}/preview"), &unsaved).await;
    assert_eq!(res.status(), StatusCode::OK);
    let out: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    let first = out["pages"][0].as_str().unwrap();
    let b64 = first.strip_prefix("data:image/png;base64,").unwrap();
    let png = decode_base64(b64);
    assert!(png.starts_with(b"\x89PNG"));
    assert_ne!(png, saved, "the unsaved text is what is rendered");
    // The same text as saved renders the same picture as the saved preview.
    let same = format!(
        "title={}&addressees={}&body={}&recipients={}",
        trinhky_testkit::urlencode("Báo cáo CCHC"),
        trinhky_testkit::urlencode("Ủy ban nhân dân tỉnh"),
        trinhky_testkit::urlencode("Nội dung đã lưu."),
        trinhky_testkit::urlencode("- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV."),
    );
    let res = post_form(&app, &s, &format!("/documents/{doc}/preview"), &same).await;
    let out: serde_json::Value = serde_json::from_slice(&bytes(res).await).unwrap();
    let png_same = decode_base64(
        out["pages"][0]
            .as_str()
            .unwrap()
            .strip_prefix("data:image/png;base64,")
            .unwrap(),
    );
    assert_eq!(png_same, saved);

    // Nothing changed: no new version, no audit event, the saved preview as before.
    let versions = trinhky_testkit::store::documents::versions(app.store.db(), doc)
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].body, "Nội dung đã lưu.");
    assert_eq!(
        trinhky_testkit::store::audit::count(app.store.db())
            .await
            .unwrap(),
        audit_before
    );
    let again = bytes(get(&app, &s, &format!("/documents/{doc}/preview/1.png")).await).await;
    assert_eq!(again, saved);

    // CSRF checked; only the drafter while drafting; no session → 401 JSON, not a redirect.
    let res = app
        .send(
            Request::post(format!("/documents/{doc}/preview"))
                .header(header::COOKIE, &s.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(unsaved.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let head = login(&app, "snv.giamdoc").await;
    let res = post_form(&app, &head, &format!("/documents/{doc}/preview"), &unsaved).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .send(
            Request::post(format!("/documents/{doc}/preview"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(unsaved.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // The page loads the script (no inline script) and marks the form for it.
    let page = page_text(get(&app, &s, &format!("/documents/{doc}")).await).await;
    assert!(page.contains("<script src=\"/static/preview.js\" defer></script>"));
    assert!(page.contains(&format!("data-preview-url=\"/documents/{doc}/preview\"")));
    let res = app
        .send(
            Request::get("/static/preview.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        String::from_utf8(bytes(res).await)
            .unwrap()
            .contains("setTimeout(render, 800)")
    );
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk.iter().fold(0u32, |acc, c| (acc << 6) | val(*c));
        let pad = chunk.iter().filter(|c| **c == b'=').count();
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..4 - pad]);
    }
    out
}
