//! Dispatch through a real SMTP server process on loopback (aiosmtpd, started here): every
//! recipient gets exactly one message, the Vietnamese subject decodes, an outage is retried and
//! nothing is sent twice.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use trinhky_mail::{Mailer, Security, SmtpConfig, TransportConfig};
use trinhky_testkit::flows::{self, approved_document};
use trinhky_testkit::mail::{SmtpOptions, SmtpServer, read_with_python, self_signed_cert};
use trinhky_testkit::spawn_app;

use crate::validators::{assert_issued_pdf_valid, scratch};

/// The dispatcher's lease in these tests (as in production with the default SMTP timeout).
const LEASE: chrono::Duration = chrono::Duration::seconds(130);

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

fn smtp_mailer(port: u16) -> Mailer {
    Mailer::new(&TransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        credentials: None,
        ca_pem: None,
        timeout: trinhky_mail::DEFAULT_SMTP_TIMEOUT,
    }))
    .unwrap()
}

#[tokio::test]
async fn every_recipient_gets_exactly_one_message_even_across_an_outage() {
    let app = spawn_app().await;
    let doc = approved_document(&app, "- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- UBND các huyện, thành phố;\n- Công ty Tư vấn A <tuvan@congty-a.example>;\n- Lưu: VT, SNV.").await;
    flows::act(&app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap();
    let rows = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
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
    let p =
        trinhky_app::dispatch::dispatch_once(&app.store, &mailer, from, "w1", 5, LEASE, Utc::now())
            .await
            .unwrap();
    assert_eq!((p.sent, p.retried), (0, 5));
    let mut smtp = Smtp::start(port, &dir);
    let later = Utc::now() + chrono::Duration::hours(1);
    let mut total = 0;
    for _ in 0..5 {
        total +=
            trinhky_app::dispatch::dispatch_once(&app.store, &mailer, from, "w1", 50, LEASE, later)
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
        LEASE,
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
    let rows = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
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
    let doc = flows::approved_with_stale_recipients(
        &app,
        "- Như trên;\n- Sở Ngoại giao Sao Hỏa;\n- Lưu: VT, SNV.",
    )
    .await;
    let err = flows::act(&app, "snv.vanthu", doc, "issue", 3)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Sở Ngoại giao Sao Hỏa"), "{err}");
    let inst = trinhky_testkit::store::documents::instance_of(app.store.db(), doc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inst.state, "issuing");
    assert!(
        trinhky_testkit::store::numbering::number_of(app.store.db(), doc)
            .await
            .unwrap()
            .is_none(),
        "no number taken"
    );
    assert!(
        trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
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

fn tls_mailer(port: u16, security: Security, password: &str, ca: &Path) -> Mailer {
    Mailer::new(&TransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security,
        credentials: Some(("vanthu.snv".into(), password.into())),
        ca_pem: Some(std::fs::read(ca).unwrap()),
        timeout: Duration::from_secs(10),
    }))
    .unwrap()
}

const FROM: &str = "Văn thư Sở Nội vụ <vanthu.snv@daknong.example>";
const PASSWORD: &str = "dung-mat-khau-42";

#[tokio::test]
async fn starttls_with_auth_delivers_once_the_subject_decodes_and_the_pdf_still_verifies() {
    let app = spawn_app().await;
    let doc = approved_document(
        &app,
        "- Như trên;\n- Sở Kế hoạch và Đầu tư;\n- Công ty Tư vấn A <tuvan@congty-a.example>;\n- Lưu: VT, SNV.",
    )
    .await;
    flows::issue(&app, doc).await;
    let dir = scratch("smtp-starttls");
    let (cert, key) = self_signed_cert(&dir);
    let smtp = SmtpServer::start(
        &dir.join("maildir"),
        &SmtpOptions {
            tls: Some((cert.clone(), key)),
            auth: Some(("vanthu.snv".into(), PASSWORD.into())),
            ..Default::default()
        },
    );

    // A wrong password: the server's 535 is recorded, the rows wait for a retry, nothing sent.
    let wrong = tls_mailer(smtp.port, Security::Starttls, "sai-mat-khau", &cert);
    let p =
        trinhky_app::dispatch::dispatch_once(&app.store, &wrong, FROM, "w1", 50, LEASE, Utc::now())
            .await
            .unwrap();
    assert_eq!((p.sent, p.retried, p.failed), (0, 3, 0));
    let rows = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    for r in &rows {
        assert_eq!(r.status, "pending");
        let reply = r.last_reply.as_deref().unwrap_or_default();
        assert!(
            reply.contains("535") && reply.contains("Authentication credentials invalid"),
            "{reply}"
        );
    }
    assert!(smtp.files().is_empty());

    // The right password (the administrator fixed the setting): each recipient gets one message.
    let right = tls_mailer(smtp.port, Security::Starttls, PASSWORD, &cert);
    let later = Utc::now() + chrono::Duration::hours(1);
    let p = trinhky_app::dispatch::dispatch_once(&app.store, &right, FROM, "w1", 50, LEASE, later)
        .await
        .unwrap();
    assert_eq!(p.sent, 3);
    let again = trinhky_app::dispatch::dispatch_once(
        &app.store,
        &right,
        FROM,
        "w2",
        50,
        LEASE,
        later + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(again.sent, 0);
    let files = smtp.files();
    assert_eq!(files.len(), 3);
    let mut ids: Vec<String> = smtp
        .messages()
        .iter()
        .filter_map(|m| trinhky_testkit::mail::message_id(m))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "one message per recipient: {ids:?}");
    let rows = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| {
        r.status == "sent"
            && r.last_reply
                .as_deref()
                .is_some_and(|x| x.starts_with("250"))
    }));

    // Read back as a receiver would: the subject decodes, the attached PDF still verifies.
    let company = smtp
        .files()
        .into_iter()
        .find(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("tuvan@congty-a.example")
        })
        .unwrap();
    let pdf = dir.join("received.pdf");
    let (subject, has_pdf) = read_with_python(&company, &pdf);
    assert_eq!(
        subject,
        "[01/KH-SNV] Kế hoạch cải thiện và nâng cao Chỉ số CCHC cấp tỉnh năm 2023"
    );
    assert!(has_pdf, "the issued PDF is attached");
    assert_issued_pdf_valid(&app.pki, &dir, &pdf);
}

#[tokio::test]
async fn a_wrong_smtp_password_is_retried_then_failed_with_the_reply_never_sent() {
    let app = spawn_app().await;
    let doc = approved_document(
        &app,
        "- Công ty Tư vấn A <tuvan@congty-a.example>;\n- Lưu: VT.",
    )
    .await;
    flows::issue(&app, doc).await;
    let dir = scratch("smtp-wrong-password");
    let (cert, key) = self_signed_cert(&dir);
    let smtp = SmtpServer::start(
        &dir.join("maildir"),
        &SmtpOptions {
            tls: Some((cert.clone(), key)),
            auth: Some(("vanthu.snv".into(), PASSWORD.into())),
            ..Default::default()
        },
    );
    let wrong = tls_mailer(smtp.port, Security::Starttls, "sai-mat-khau", &cert);
    let mut at = Utc::now();
    for _ in 0..trinhky_app::dispatch::MAX_ATTEMPTS {
        trinhky_app::dispatch::dispatch_once(&app.store, &wrong, FROM, "w1", 1, LEASE, at)
            .await
            .unwrap();
        at += chrono::Duration::hours(2);
    }
    let rows = trinhky_testkit::store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "failed");
    assert_eq!(rows[0].attempts, trinhky_app::dispatch::MAX_ATTEMPTS);
    assert!(rows[0].sent_at.is_none());
    assert!(
        rows[0]
            .last_reply
            .as_deref()
            .unwrap_or_default()
            .contains("535")
    );
    assert!(smtp.files().is_empty());
}

#[tokio::test]
async fn implicit_tls_with_auth_delivers() {
    let app = spawn_app().await;
    let doc = approved_document(
        &app,
        "- Công ty Tư vấn A <tuvan@congty-a.example>;\n- Lưu: VT.",
    )
    .await;
    flows::issue(&app, doc).await;
    let dir = scratch("smtp-implicit-tls");
    let (cert, key) = self_signed_cert(&dir);
    let smtp = SmtpServer::start(
        &dir.join("maildir"),
        &SmtpOptions {
            tls: Some((cert.clone(), key)),
            implicit_tls: true,
            auth: Some(("vanthu.snv".into(), PASSWORD.into())),
            ..Default::default()
        },
    );
    let mailer = tls_mailer(smtp.port, Security::ImplicitTls, PASSWORD, &cert);
    let p = trinhky_app::dispatch::dispatch_once(
        &app.store,
        &mailer,
        FROM,
        "w1",
        50,
        LEASE,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(p.sent, 1);
    assert_eq!(smtp.files().len(), 1);
    // Without the CA the server's certificate is refused: nothing is sent in clear instead.
    let untrusted = Mailer::new(&TransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port: smtp.port,
        security: Security::ImplicitTls,
        credentials: Some(("vanthu.snv".into(), PASSWORD.into())),
        ca_pem: None,
        timeout: Duration::from_secs(10),
    }))
    .unwrap();
    let mut another = trinhky_app::dispatch::messages(
        doc,
        "01/KH-SNV",
        "Thử",
        "Sở Nội vụ",
        "Giám đốc",
        trinhky_app::today_vn(),
        &[trinhky_app::dispatch::Recipient {
            text: "Công ty B".into(),
            agency_id: None,
            email: "b@congty-b.example".into(),
        }],
        "daknong.example",
    );
    trinhky_testkit::store::outbox::enqueue(
        app.store.db(),
        "test",
        &another.split_off(0),
        Utc::now(),
    )
    .await
    .unwrap();
    let p = trinhky_app::dispatch::dispatch_once(
        &app.store,
        &untrusted,
        FROM,
        "w1",
        50,
        LEASE,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((p.sent, p.retried), (0, 1));
    assert_eq!(smtp.files().len(), 1);
}
