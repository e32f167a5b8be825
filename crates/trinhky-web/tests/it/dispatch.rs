//! Dispatch through a real SMTP server process on loopback (aiosmtpd, started here): every
//! recipient gets exactly one message, the Vietnamese subject decodes, an outage is retried and
//! nothing is sent twice.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use trinhky_app::Principal;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_mail::{Mailer, Security, SmtpConfig, TransportConfig};
use trinhky_testkit::{TestApp, repo_root, spawn_app};

struct Smtp {
    child: Child,
    dir: PathBuf,
}

impl Smtp {
    fn start(port: u16, dir: &Path) -> Smtp {
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
                &dir.display().to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (scripts/test installs aiosmtpd)");
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start; is it installed? (scripts/test installs it)"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Smtp {
            child,
            dir: dir.to_path_buf(),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(rd) = std::fs::read_dir(self.dir.join(sub)) {
                for e in rd.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap());
                }
            }
        }
        out
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn principal(app: &TestApp, username: &str) -> Principal {
    let user = trinhky_store::accounts::user_by_username(app.store.db(), username)
        .await
        .unwrap()
        .unwrap();
    let memberships = trinhky_store::accounts::memberships(app.store.db(), user.id)
        .await
        .unwrap();
    Principal {
        user,
        memberships,
        province_office: Some("VPUBND".into()),
    }
}

/// Takes Sở Nội vụ's plan (task 6.1) to the clerk and returns its id, with the Nơi nhận given.
pub async fn approved_document(app: &TestApp, recipients: &str) -> i32 {
    approved_document_titled(
        app,
        recipients,
        "Kế hoạch cải thiện và nâng cao Chỉ số CCHC cấp tỉnh năm 2023",
    )
    .await
}

/// [`approved_document`] with the given trích yếu.
pub async fn approved_document_titled(app: &TestApp, recipients: &str, title: &str) -> i32 {
    let doc = document_at_approval_titled(app, recipients, title).await;
    uc::act(
        &app.store,
        &app.registry,
        &principal(app, "snv.giamdoc").await,
        doc,
        "approve",
        ActRequest {
            expected_version: 2,
            pin: Some(trinhky_app::demo::DEMO_PIN.into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    doc
}

/// Sở Nội vụ's plan (task 6.1), drafted and forwarded: waiting for the director's signature.
pub async fn document_at_approval(app: &TestApp, recipients: &str) -> i32 {
    document_at_approval_titled(
        app,
        recipients,
        "Kế hoạch cải thiện và nâng cao Chỉ số CCHC cấp tỉnh năm 2023",
    )
    .await
}

async fn document_at_approval_titled(app: &TestApp, recipients: &str, title: &str) -> i32 {
    let bytes = std::fs::read(
        repo_root().join("crates/trinhky-domain/tests/fixtures/directives/seed-tb-cchc-2023.txt"),
    )
    .unwrap();
    let d = trinhky_app::directive_intake::upload(
        &app.store,
        "test",
        "seed.txt",
        &bytes,
        trinhky_app::today_vn(),
    )
    .await
    .unwrap();
    let p = trinhky_app::directive_intake::proposal(&app.store, d.id)
        .await
        .unwrap();
    trinhky_app::directive_intake::confirm(
        &app.store,
        "test",
        d.id,
        &trinhky_app::directive_intake::proposed_decisions(&p.parsed, &p.resolved),
    )
    .await
    .unwrap();
    let snv = trinhky_store::directory::agency_by_code(app.store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    let a = trinhky_store::intake::open_assignments_for(app.store.db(), &[snv.id])
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.task_ref == "6.1")
        .unwrap();
    let drafter = principal(app, "snv.chuyenvien").await;
    let doc = uc::create_from_assignment(&app.store, &app.registry, &drafter, a.id, None)
        .await
        .unwrap();
    let content = trinhky_store::documents::Content {
        title: title.into(),
        body: "I. MỤC ĐÍCH, YÊU CẦU".into(),
        addressees: "Ủy ban nhân dân tỉnh".into(),
        recipients: recipients.into(),
    };
    uc::edit(&app.store, &app.registry, &drafter, doc.id, 1, content, "x")
        .await
        .unwrap();
    let now = Utc::now();
    let req = |v: i64| ActRequest {
        expected_version: v,
        pin: Some(trinhky_app::demo::DEMO_PIN.into()),
        ..Default::default()
    };
    uc::act(
        &app.store,
        &app.registry,
        &drafter,
        doc.id,
        "submit",
        req(0),
        now,
    )
    .await
    .unwrap();
    uc::act(
        &app.store,
        &app.registry,
        &principal(app, "snv.truongphong").await,
        doc.id,
        "forward",
        req(1),
        now,
    )
    .await
    .unwrap();
    doc.id
}

fn smtp_mailer(port: u16) -> Mailer {
    Mailer::new(&TransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        credentials: None,
        ca_pem: None,
    }))
    .unwrap()
}

#[tokio::test]
async fn every_recipient_gets_exactly_one_message_even_across_an_outage() {
    let app = spawn_app().await;
    let doc = approved_document(&app, "- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- UBND các huyện, thành phố;\n- Công ty Tư vấn A <tuvan@congty-a.example>;\n- Lưu: VT, SNV.").await;
    let clerk = principal(&app, "snv.vanthu").await;
    uc::act(
        &app.store,
        &app.registry,
        &clerk,
        doc,
        "issue",
        ActRequest {
            expected_version: 3,
            pin: Some(trinhky_app::demo::DEMO_PIN.into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let rows = trinhky_store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    // UBND tỉnh (Như trên) + SKHĐT + 8 districts + the company.
    assert_eq!(
        rows.len(),
        11,
        "{:?}",
        rows.iter().map(|r| &r.email).collect::<Vec<_>>()
    );

    let port = free_port();
    let dir = std::env::temp_dir().join(format!("trinhky-maildir-{}-{port}", std::process::id()));
    // The server is down for the first pass: everything is retried later, nothing lost.
    let mailer = smtp_mailer(port);
    let from = "Văn thư Sở Nội vụ <vanthu.snv@daknong.example>";
    let p = trinhky_app::dispatch::dispatch_once(&app.store, &mailer, from, "w1", 5, Utc::now())
        .await
        .unwrap();
    assert_eq!((p.sent, p.retried), (0, 5));
    let mut smtp = Smtp::start(port, &dir);
    let later = Utc::now() + chrono::Duration::hours(1);
    let mut total = 0;
    for _ in 0..5 {
        total += trinhky_app::dispatch::dispatch_once(&app.store, &mailer, from, "w1", 50, later)
            .await
            .unwrap()
            .sent;
    }
    assert_eq!(total, 11);
    let again = trinhky_app::dispatch::dispatch_once(
        &app.store,
        &mailer,
        from,
        "w2",
        50,
        later + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(again.sent, 0, "a sent row is never sent again");
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 11);
    let mut to: Vec<String> = msgs
        .iter()
        .map(|m| m.lines().find(|l| l.starts_with("To:")).unwrap().to_owned())
        .collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 11, "one message per recipient");
    let m = msgs
        .iter()
        .find(|m| m.contains("tuvan@congty-a.example"))
        .unwrap();
    assert!(
        m.lines()
            .any(|l| l.starts_with("Subject:") && l.contains("=?utf-8?")),
        "RFC 2047 subject"
    );
    let raw_subject: String = m
        .lines()
        .skip_while(|l| !l.starts_with("Subject:"))
        .take_while(|l| l.starts_with("Subject:") || l.starts_with(' '))
        .collect();
    let decoded = decode_rfc2047(raw_subject.trim_start_matches("Subject:"));
    assert_eq!(
        decoded,
        "[01/KH-SNV] Kế hoạch cải thiện và nâng cao Chỉ số CCHC cấp tỉnh năm 2023"
    );
    assert!(m.contains("Message-ID: <trinhky.doc"));
    smtp.stop();
    let rows = trinhky_store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| {
        r.status == "sent"
            && r.last_reply
                .as_deref()
                .is_some_and(|x| x.starts_with("250"))
    }));
}

#[tokio::test]
async fn an_unresolved_recipient_blocks_issuing_and_changes_nothing() {
    let app = spawn_app().await;
    let doc = approved_document(
        &app,
        "- Như trên;\n- Sở Ngoại giao Sao Hỏa;\n- Lưu: VT, SNV.",
    )
    .await;
    let clerk = principal(&app, "snv.vanthu").await;
    let err = uc::act(
        &app.store,
        &app.registry,
        &clerk,
        doc,
        "issue",
        ActRequest {
            expected_version: 3,
            pin: Some(trinhky_app::demo::DEMO_PIN.into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("Sở Ngoại giao Sao Hỏa"), "{err}");
    let inst = trinhky_store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inst.state, "issuing");
    assert!(
        trinhky_store::numbering::number_of(app.store.db(), doc)
            .await
            .unwrap()
            .is_none(),
        "no number taken"
    );
    assert!(
        trinhky_store::outbox::of_document(app.store.db(), doc)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Decodes `=?utf-8?b?…?=` / `=?utf-8?q?…?=` words (enough for the test).
fn decode_rfc2047(s: &str) -> String {
    let mut out = Vec::new();
    let mut prev_encoded = false;
    for (i, word) in s.split_whitespace().enumerate() {
        let encoded = word.starts_with("=?") && word.ends_with("?=");
        // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        if i > 0 && !(encoded && prev_encoded) {
            out.push(b' ');
        }
        prev_encoded = encoded;
        if !encoded {
            out.extend(word.as_bytes());
            continue;
        }
        let parts: Vec<&str> = word
            .trim_start_matches("=?")
            .trim_end_matches("?=")
            .splitn(3, '?')
            .collect();
        if parts.len() == 3 && parts[1].eq_ignore_ascii_case("b") {
            out.extend(base64_decode(parts[2]));
        } else if parts.len() == 3 {
            let mut bytes = parts[2].bytes().peekable();
            while let Some(b) = bytes.next() {
                match b {
                    b'_' => out.push(b' '),
                    b'=' => {
                        let h: String =
                            [bytes.next().unwrap() as char, bytes.next().unwrap() as char]
                                .iter()
                                .collect();
                        out.push(u8::from_str_radix(&h, 16).unwrap());
                    }
                    b => out.push(b),
                }
            }
        } else {
            out.extend(word.as_bytes());
        }
    }
    String::from_utf8(out).unwrap()
}

fn base64_decode(s: &str) -> Vec<u8> {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut n = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        buf = (buf << 6) | T.iter().position(|x| *x == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((buf >> n) as u8);
        }
    }
    out
}
