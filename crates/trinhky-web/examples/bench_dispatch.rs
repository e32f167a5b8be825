//! Dispatch benchmark (issue 7): one document issued to 60 recipients, sent by the dispatcher
//! (`dispatch_once`) to a real aiosmtpd on loopback (plain SMTP). Baselines in the same run:
//! the dispatcher writing the same 60 messages as .eml files (Files transport: the same claims,
//! attachment reads and MIME composition, no SMTP), and a bare send loop of the same 60 messages
//! through the mail crate's lettre SMTP transport (SMTP without the database). Each measurement
//! is repeated (`RUNS`, default 3) and the median reported, as messages per second.
//!
//! Run through `scripts/bench-dispatch`, which installs aiosmtpd and builds this example.
//! Backend: TRINHKY_TEST_DATABASE (sqlite, the default, or postgres).

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use trinhky_app::documents::{self as uc, ActRequest};
use trinhky_mail::{Mailer, Outgoing, Security, SmtpConfig, TransportConfig};
use trinhky_testkit::flows::{approved_document, principal};
use trinhky_testkit::mail::{SmtpOptions, SmtpServer};
use trinhky_testkit::sea_orm::ConnectionTrait;
use trinhky_testkit::{TestApp, spawn_app};

const RECIPIENTS: usize = 60;
const FROM: &str = "Văn thư Sở Nội vụ <vanthu.snv@daknong.example>";
const LEASE: chrono::Duration = chrono::Duration::seconds(130);

type Res<T> = Result<T, Box<dyn Error>>;

fn smtp_mailer(port: u16) -> Res<Mailer> {
    Ok(Mailer::new(&TransportConfig::Smtp(SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        credentials: None,
        ca_pem: None,
        timeout: trinhky_mail::DEFAULT_SMTP_TIMEOUT,
    }))?)
}

/// Puts the document's outbox rows back in the queue, as freshly issued.
async fn requeue(app: &TestApp, doc: i32) -> Res<()> {
    app.store
        .db()
        .execute_unprepared(&format!(
            "UPDATE outbox_messages SET status = 'pending', attempts = 0, claimed_by = NULL, \
             claimed_until = NULL, sent_at = NULL, last_reply = NULL WHERE document_id = {doc}"
        ))
        .await?;
    Ok(())
}

/// One dispatcher pass over the 60 queued rows; returns the elapsed time.
async fn dispatcher(app: &TestApp, doc: i32, mailer: &Mailer) -> Res<Duration> {
    requeue(app, doc).await?;
    let t = Instant::now();
    let pass = trinhky_app::dispatch::dispatch_once(
        &app.store,
        mailer,
        FROM,
        "bench",
        1000,
        LEASE,
        Utc::now(),
    )
    .await?;
    let dt = t.elapsed();
    if pass.sent != RECIPIENTS {
        return Err(format!("dispatcher sent {} of {RECIPIENTS}: {pass:?}", pass.sent).into());
    }
    Ok(dt)
}

/// The same 60 messages (subject, body, Message-ID, PDF) sent in a plain loop, no database.
async fn bare_loop(msgs: &[Outgoing], mailer: &Mailer) -> Res<Duration> {
    let t = Instant::now();
    for m in msgs {
        mailer.send(m).await?;
    }
    Ok(t.elapsed())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn count_files(dir: &Path, ext: Option<&str>) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| ext.is_none_or(|x| e.path().extension().is_some_and(|y| y == x)))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Res<()> {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let work = std::env::temp_dir().join(format!("trinhky-bench-dispatch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;

    let app = spawn_app().await;
    let mut noi_nhan = String::new();
    for i in 1..=RECIPIENTS {
        noi_nhan.push_str(&format!(
            "- Công ty TNHH Số {i:02} <nguoinhan{i:02}@example.vn>;\n"
        ));
    }
    noi_nhan.push_str("- Lưu: VT, SNV.");
    let doc = approved_document(&app, &noi_nhan).await;
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
    .await?;
    let rows = trinhky_testkit::store::outbox::of_document(app.store.db(), doc).await?;
    if rows.len() != RECIPIENTS {
        return Err(format!("{} outbox rows, expected {RECIPIENTS}", rows.len()).into());
    }
    let file = trinhky_testkit::store::documents::latest_file(app.store.db(), doc, None)
        .await?
        .ok_or("the issued document has no file")?;
    let pdf = trinhky_testkit::store::blobs::get(app.store.db(), &file.blob_sha256)
        .await?
        .ok_or("blob missing")?
        .data;
    let msgs: Vec<Outgoing> = rows
        .iter()
        .map(|r| Outgoing {
            from: FROM.into(),
            to: r.email.clone(),
            subject: r.subject.clone(),
            text: r.body.clone(),
            message_id: format!("bare.{}", r.message_id),
            attachments: vec![("van-ban.pdf".into(), "application/pdf".into(), pdf.clone())],
        })
        .collect();
    println!(
        "backend={} recipients={RECIPIENTS} pdf_bytes={} runs={runs}",
        trinhky_testkit::backend(),
        pdf.len()
    );

    let (mut smtp, mut files, mut bare) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=runs {
        // trinhky dispatcher → aiosmtpd (a fresh server and Maildir per run).
        let maildir = work.join(format!("maildir-{run}"));
        let server = SmtpServer::start(&maildir, &SmtpOptions::default());
        // Warm-up: one message, so that neither measurement pays the server's first connection.
        let mut warm = msgs[0].clone();
        warm.message_id = format!("warm{run}.{}", warm.message_id);
        smtp_mailer(server.port)?.send(&warm).await?;
        let base = server.files().len();
        let mailer = smtp_mailer(server.port)?;
        let dt = dispatcher(&app, doc, &mailer).await?;
        let got = server.files().len() - base;
        if got != RECIPIENTS {
            return Err(format!("aiosmtpd stored {got} messages").into());
        }
        smtp.push(RECIPIENTS as f64 / dt.as_secs_f64());

        // Baseline 1: trinhky dispatcher → .eml files.
        let eml = work.join(format!("eml-{run}"));
        let fmailer = Mailer::new(&TransportConfig::Files(eml.clone()))?;
        let dt = dispatcher(&app, doc, &fmailer).await?;
        let got = count_files(&eml, Some("eml"));
        if got != RECIPIENTS {
            return Err(format!("{got} .eml files").into());
        }
        files.push(RECIPIENTS as f64 / dt.as_secs_f64());

        // Baseline 2: bare lettre SMTP loop → the same aiosmtpd (new transport, new pool).
        let mailer = smtp_mailer(server.port)?;
        let dt = bare_loop(&msgs, &mailer).await?;
        let got = server.files().len() - base;
        if got != 2 * RECIPIENTS {
            return Err(format!("aiosmtpd stored {got} messages after the bare loop").into());
        }
        bare.push(RECIPIENTS as f64 / dt.as_secs_f64());
        drop(server);
        println!(
            "run {run}: dispatcher→aiosmtpd {:.1} msg/s, dispatcher→.eml {:.1} msg/s, bare lettre→aiosmtpd {:.1} msg/s",
            smtp[run - 1],
            files[run - 1],
            bare[run - 1]
        );
    }
    let (s, f, b) = (median(smtp), median(files), median(bare));
    println!(
        "median: dispatcher→aiosmtpd {s:.1} msg/s ({:.0} ms for {RECIPIENTS})",
        1000.0 * RECIPIENTS as f64 / s
    );
    println!(
        "median: dispatcher→.eml files {f:.1} msg/s ({:.0} ms)",
        1000.0 * RECIPIENTS as f64 / f
    );
    println!(
        "median: bare lettre loop→aiosmtpd {b:.1} msg/s ({:.0} ms)",
        1000.0 * RECIPIENTS as f64 / b
    );
    println!("ratio dispatcher→aiosmtpd / bare lettre loop: {:.2}", s / b);
    println!("ratio dispatcher→aiosmtpd / dispatcher→.eml: {:.2}", s / f);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
