//! The mail dispatcher of real `trinhky serve` processes against a real SMTP server (aiosmtpd):
//! a server killed mid-dispatch and restarted still delivers every message, once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::Utc;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_testkit::flows::{approved_document, principal};
use trinhky_testkit::mail::{SmtpOptions, SmtpServer, message_id};
use trinhky_testkit::spawn_app;

use crate::servers::{Serve, scratch};

const FROM: &str = "Văn thư Sở Nội vụ <vanthu.snv@daknong.example>";

/// Settings of a server that sends through the test SMTP server on `port`.
pub fn smtp_env(port: u16, timeout_secs: u64) -> Vec<(&'static str, String)> {
    vec![
        ("TRINHKY_SMTP_HOST", "127.0.0.1".into()),
        ("TRINHKY_SMTP_PORT", port.to_string()),
        ("TRINHKY_SMTP_TLS", "none".into()),
        ("TRINHKY_MAIL_FROM", FROM.into()),
        ("TRINHKY_SMTP_TIMEOUT_SECS", timeout_secs.to_string()),
    ]
}

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let t = Instant::now();
    while !ok() {
        assert!(t.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_server_killed_mid_dispatch_and_restarted_delivers_every_message_once() {
    const N: usize = 30;
    let app = spawn_app().await;
    let mut recipients: String = (1..=N)
        .map(|i| format!("- Công ty số {i} <cty{i:02}@congty.example>;\n"))
        .collect();
    recipients.push_str("- Lưu: VT, SNV.");
    let doc = approved_document(&app, &recipients).await;
    uc::act(
        &app.store,
        &app.registry,
        &principal(&app, "snv.vanthu").await,
        doc,
        "issue",
        ActRequest {
            expected_version: 3,
            paper: Vec::new(),
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
    assert_eq!(rows.len(), N);

    let dir = scratch("kill-mid-dispatch");
    // Each message waits 0.25 s between its data and the 250: the kill lands inside an exchange.
    let smtp = SmtpServer::start(
        &dir.join("maildir"),
        &SmtpOptions {
            data_delay: 0.25,
            ..Default::default()
        },
    );
    // SMTP timeout 1 s → the dispatcher's lease is 4 × 1 + 10 = 14 s.
    let env = smtp_env(smtp.port, 1);
    let lease = Duration::from_secs(14);
    let mut first = Serve::start(&app.database_url, &dir.join("data1"), &app.pki.dir, &env);
    wait_for("the first messages", Duration::from_secs(60), || {
        dispatch_messages(&smtp).len() >= 8
    });
    std::thread::sleep(Duration::from_millis(120));
    first.kill();
    let killed_at = Utc::now();
    let delivered_at_kill = dispatch_messages(&smtp).len();
    assert!(delivered_at_kill < N, "the kill landed mid-dispatch");
    let rows = trinhky_store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    let stranded: Vec<_> = rows.iter().filter(|r| r.status == "sending").collect();
    assert!(
        stranded.len() <= 1,
        "a killed worker leaves at most the one message it was sending: {stranded:?}"
    );
    let sent_at_kill = rows.iter().filter(|r| r.status == "sent").count();
    assert!(sent_at_kill >= 8 - 1);

    let mut second = Serve::start(&app.database_url, &dir.join("data2"), &app.pki.dir, &env);
    // Everything else goes out; the stranded row is left alone while its lease is live.
    let mut checked_lease = false;
    let t = Instant::now();
    loop {
        let rows = trinhky_store::outbox::of_document(app.store.db(), doc)
            .await
            .unwrap();
        let pending = rows.iter().filter(|r| r.status != "sent").count();
        if pending == 0 {
            break;
        }
        if let Some(s) = stranded.first() {
            // Read the clock before the row: a row read while the killed worker's lease is live.
            let live = s
                .claimed_until
                .is_some_and(|u| u > Utc::now() + chrono::Duration::milliseconds(500));
            let now = rows.iter().find(|r| r.id == s.id).unwrap();
            if live {
                assert_eq!(
                    now.status, "sending",
                    "not taken over while the lease is live"
                );
                assert_eq!(now.claimed_by, s.claimed_by);
                checked_lease |= pending == 1;
            }
        }
        assert!(
            t.elapsed() < lease + Duration::from_secs(45),
            "not everything was sent: {pending} left"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(second.stop().success());

    let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids_per_rcpt: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in dispatch_messages(&smtp) {
        let id = message_id(&m).expect("Message-ID");
        *per_id.entry(id.clone()).or_default() += 1;
        let to = m.lines().find(|l| l.starts_with("To:")).unwrap().to_owned();
        ids_per_rcpt.entry(to).or_default().insert(id);
    }
    assert_eq!(per_id.len(), N, "every recipient's message arrived");
    assert_eq!(ids_per_rcpt.len(), N);
    assert!(ids_per_rcpt.values().all(|ids| ids.len() == 1));
    let rows = trinhky_store::outbox::of_document(app.store.db(), doc)
        .await
        .unwrap();
    for r in &rows {
        assert_eq!(r.status, "sent");
        assert!(per_id.contains_key(&format!("<{}>", r.message_id)));
    }
    // The one message in flight at the kill may arrive twice (same Message-ID) when the server
    // had stored it before the client died: SMTP has no way to close that gap. Never more.
    let duplicates: Vec<_> = per_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        per_id.values().all(|n| *n <= 2) && duplicates.len() <= stranded.len(),
        "{duplicates:?}"
    );
    eprintln!(
        "killed at {killed_at} with {delivered_at_kill}/{N} delivered, {} stranded; \
         lease respected: {checked_lease}; duplicates (same Message-ID): {}",
        stranded.len(),
        duplicates.len()
    );
}

/// The delivered messages of the document (the server also mails the reminders of the seed
/// directive's assignments whose deadlines are near or past: Message-IDs `trinhky.remind.…`).
fn dispatch_messages(smtp: &SmtpServer) -> Vec<String> {
    smtp.messages()
        .into_iter()
        .filter(|m| message_id(m).is_some_and(|id| id.starts_with("<trinhky.doc")))
        .collect()
}
