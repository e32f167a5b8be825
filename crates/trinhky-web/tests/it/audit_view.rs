//! Issue 16: the audit log as people read it. The administrator's recent actions and a
//! recipient's nhật ký are Vietnamese sentences with people by name, documents by số, ký hiệu,
//! Vietnam time, and no action keys, table names, row ids or server paths.

use axum::http::StatusCode;
use chrono::Utc;
use trinhky_mail::{Mailer, TransportConfig};
use trinhky_testkit::flows::{self, approved_document_titled};
use trinhky_testkit::{Session, TestApp, demo_password, spawn_app};

const LEASE: chrono::Duration = chrono::Duration::seconds(130);
const FROM: &str = "Văn thư Sở Nội vụ <vanthu.snv@daknong.example>";

async fn page(app: &TestApp, s: &Session, path: &str) -> String {
    let (status, html) = crate::delivery::get(app, s, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    trinhky_testkit::unescape(&html)
}

async fn full_name(app: &TestApp, username: &str) -> String {
    trinhky_testkit::store::accounts::user_by_username(app.store.db(), username)
        .await
        .unwrap()
        .unwrap()
        .full_name
}

/// Visible text only: the page without its tags (attributes may carry keys for scripts/tests).
fn visible(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn assert_no_internals(text: &str, mail_dir: &str) {
    for leak in [
        "workflow.",
        "dispatch.",
        "document.",
        "incoming.",
        "outbox_message",
        "incoming_document",
        "system:",
        "user:",
        "user 14",
        "(UTC)",
        "/tmp/",
        mail_dir,
    ] {
        assert!(!text.contains(leak), "{leak:?} shown: {text}");
    }
    // No row id in quotes where a name belongs ("tên đăng nhập “14”" for a key holder).
    let quoted_number = text.split('“').skip(1).any(|rest| {
        let inner = rest.split('”').next().unwrap_or_default();
        !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit())
    });
    assert!(!quoted_number, "a row id shown as a name: {text}");
}

#[tokio::test]
async fn recent_actions_and_the_nhat_ky_read_as_vietnamese() {
    let app = spawn_app().await;
    let doc = approved_document_titled(
        &app,
        "- Như trên;\n- Văn phòng UBND tỉnh;\n- Lưu: VT, SNV.",
        "Kế hoạch cải cách hành chính năm 2027",
    )
    .await;
    let issued = flows::act(&app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
    // The e-mails go out through the file transport: the reply is the .eml path on the server.
    let dir = std::env::temp_dir().join(format!("trinhky-audit-view-{}-{doc}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mailer = Mailer::new(&TransportConfig::Files(dir.clone())).unwrap();
    let sent = trinhky_app::dispatch::dispatch_once(
        &app.store,
        &mailer,
        FROM,
        "trinhky-32551",
        50,
        LEASE,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(sent.sent >= 1, "{sent:?}");
    flows::act(&app, "vpubnd.vanthu", doc, "receive", issued.version)
        .await
        .unwrap();
    let mail_dir = dir.display().to_string();

    // The administrator's overview: sentences, names, Vietnam time.
    let admin = app
        .login("quantri", &demo_password("quantri"))
        .await
        .unwrap();
    let home = visible(&page(&app, &admin, "/admin").await);
    let clerk = full_name(&app, "vpubnd.vanthu").await;
    for sentence in [
        format!("{clerk} đã tiếp nhận văn bản 01/KH-SNV"),
        "Hệ thống đã gửi thư điện tử văn bản 01/KH-SNV đến".to_owned(),
        format!(
            "{} đã cấp số, ký hiệu cho văn bản 01/KH-SNV",
            full_name(&app, "snv.vanthu").await
        ),
    ] {
        assert!(home.contains(&sentence), "{sentence}: {home}");
    }
    let today_vn = trinhky_domain::time::dmy_hm(Utc::now());
    assert!(home.contains(&today_vn[..10]), "{today_vn}: {home}");
    assert!(home.contains("Giờ Việt Nam"));
    assert_no_internals(&home, &mail_dir);

    // The nhật ký, one row per recipient: the e-mail is "saved", not a path on the server.
    let sender = app
        .login("snv.vanthu", &demo_password("snv.vanthu"))
        .await
        .unwrap();
    let trail = visible(&page(&app, &sender, &format!("/documents/{doc}/audit")).await);
    for text in [
        "Đã gửi thư điện tử",
        "Đã lưu bản thư (.eml)",
        "Tiếp nhận",
        "Hệ thống",
        &clerk,
    ] {
        assert!(trail.contains(text), "{text}: {trail}");
    }
    assert!(!trail.contains(".eml <"), "{trail}");
    assert_no_internals(&trail, &mail_dir);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_recorded_action_has_a_vietnamese_sentence() {
    use trinhky_app::audit_text::{action_label, sentence};
    // Every action the code base records (grep `AuditInput::new`), plus one it does not know.
    let actions = [
        "agency.create",
        "agency.update",
        "api_token.create",
        "api_token.revoke",
        "assignment.create",
        "assignment.remind",
        "attachment.add",
        "attachment.delete",
        "attachment.sign",
        "calendar.add",
        "calendar.remove",
        "calendar.seed",
        "delegation.create",
        "delegation.revoke",
        "directive.confirm",
        "directive.upload",
        "directory.settings",
        "dispatch.enqueue",
        "dispatch.failed",
        "dispatch.resend",
        "dispatch.sent",
        "document.classify",
        "document.create",
        "document.edit",
        "document.reassign",
        "document.recall",
        "group.create",
        "group.delete",
        "group.update",
        "incoming.acknowledge",
        "incoming.archive",
        "incoming.deliver",
        "incoming.forward",
        "incoming.recall",
        "incoming.register",
        "key.revoke",
        "key.store",
        "key.wrap",
        "number.assign",
        "role.grant",
        "role.revoke",
        "session.lockout",
        "session.login",
        "session.logout",
        "signing.pin_lockout",
        "user.create",
        "user.disable",
        "user.enable",
        "user.password_reset",
        "workflow.register",
        "workflow.receive",
        "workflow.submit",
        "something.new",
    ];
    for a in actions {
        let label = action_label(a, None);
        let s = sentence("Hệ thống", a, None, "");
        for text in [&label, &s] {
            assert!(!text.contains('.') && !text.contains('_'), "{a}: {text}");
            assert!(!text.is_empty());
        }
        assert!(s.starts_with("Hệ thống đã "), "{a}: {s}");
    }
}
