//! `trinhky demo run` as a user runs it: on the test backend with `.eml` output, and over SMTP to
//! a real server process (aiosmtpd) on loopback; its table must match what the database, the
//! outbox folder and the mail server hold.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::text;

fn demo_run(url: &str, data: &Path, env: &[(&str, String)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trinhky"));
    c.args(["demo", "run", "--date", "2023-06-12"])
        .current_dir(trinhky_testkit::repo_root())
        .env("TRINHKY_DATABASE_URL", url)
        .env("TRINHKY_DATA_DIR", data)
        .env("TRINHKY_LOG", "warn")
        .env_remove("TRINHKY_CONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// (number, signatures, delivered, failed, pending, deadline) per table line.
fn rows(out: &str) -> Vec<(String, String, usize, usize, usize, String)> {
    out.lines()
        .filter(|l| l.contains("hợp lệ") || l.contains("chưa ký"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // Mục, Cơ quan, Số, "2/2", "hợp", "lệ", sent, failed, pending, "đúng"/"trễ", "hạn", (date), state
            (
                f[2].to_owned(),
                format!("{} {} {}", f[3], f[4], f[5]),
                f[6].parse().unwrap(),
                f[7].parse().unwrap(),
                f[8].parse().unwrap(),
                f[9].to_owned(),
            )
        })
        .collect()
}

async fn check_against_database(
    url: &str,
    table: &[(String, String, usize, usize, usize, String)],
) {
    let store = trinhky_store::Store::connect(url).await.unwrap();
    use sea_orm::EntityTrait;
    let register = trinhky_store::entities::outgoing_register::Entity::find()
        .all(store.db())
        .await
        .unwrap();
    assert_eq!(
        register.len(),
        table.len(),
        "one register entry per document"
    );
    for (number, ..) in table {
        assert!(
            register.iter().any(|r| &r.number == number),
            "{number} is in the outgoing register"
        );
    }
    let sent = trinhky_store::entities::outbox_message::Entity::find()
        .all(store.db())
        .await
        .unwrap();
    let delivered: usize = table.iter().map(|r| r.2).sum();
    assert_eq!(
        sent.iter().filter(|m| m.status == "sent").count(),
        delivered
    );
}

#[tokio::test]
async fn demo_run_plays_the_seed_scenario_with_eml_output() {
    let url = trinhky_testkit::fresh_database_url().await;
    let data = std::env::temp_dir().join(format!("trinhky-demo-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let o = demo_run(&url, &data, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    let table = rows(&out);
    // The seed's dated tasks for the demo agencies: 2.6 (four agencies), 4, 6.1 and 7.1.
    assert_eq!(table.len(), 7, "{out}");
    for (number, sigs, delivered, failed, pending, deadline) in &table {
        assert_eq!(sigs, "2/2 hợp lệ", "{number}: {out}");
        // Văn phòng UBND's own reports go to the province only: a line naming the issuing
        // office itself is internal delivery, not a message to itself (issue 16).
        assert!(*delivered >= 1 && *failed == 0 && *pending == 0, "{out}");
        assert_eq!(deadline, "đúng", "{number}: {out}");
    }
    assert!(
        out.contains("01/KH-SNV") || out.contains("02/KH-SNV"),
        "{out}"
    );
    let eml = std::fs::read_dir(data.join("outbox")).unwrap().count();
    assert_eq!(
        eml,
        table.iter().map(|r| r.2).sum::<usize>(),
        "one .eml per delivered message"
    );
    check_against_database(&url, &table).await;
    // Văn phòng UBND registered the other agencies' five reports with số đến 1…5 (its own two
    // reports are not incoming documents) and archived them.
    let mut nos: Vec<u32> = out
        .lines()
        .filter(|l| l.contains("hợp lệ") && !l.contains(" VPUBND "))
        .map(|l| l.split_whitespace().last().unwrap().parse().unwrap())
        .collect();
    nos.sort_unstable();
    assert_eq!(nos, (1..=5).collect::<Vec<_>>(), "{out}");
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test]
async fn demo_run_sends_over_smtp() {
    let url = trinhky_testkit::fresh_database_url().await;
    let data = std::env::temp_dir().join(format!("trinhky-demo-smtp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let maildir = data.join("maildir");
    let mut smtp = Command::new("python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m aiosmtpd (scripts/test installs aiosmtpd)");
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "aiosmtpd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = demo_run(
        &url,
        &data,
        &[
            ("TRINHKY_SMTP_HOST", "127.0.0.1".into()),
            ("TRINHKY_SMTP_PORT", port.to_string()),
            ("TRINHKY_SMTP_TLS", "none".into()),
            (
                "TRINHKY_MAIL_FROM",
                "Văn thư <vanthu@daknong.example>".into(),
            ),
        ],
    );
    let _ = smtp.kill();
    let _ = smtp.wait();
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains(&format!("SMTP 127.0.0.1:{port}")), "{out}");
    let table = rows(&out);
    assert_eq!(table.len(), 7, "{out}");
    let received: Vec<String> = std::fs::read_dir(maildir.join("new"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(
        received.len(),
        table.iter().map(|r| r.2).sum::<usize>(),
        "{out}"
    );
    let mut ids: Vec<&str> = received
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID:")))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), received.len(), "every message exactly once");
    for (number, ..) in &table {
        assert!(
            received
                .iter()
                .any(|m| m.contains(&format!("[{number}]")) || m.contains("=?utf-8?")),
            "{number}"
        );
    }
    check_against_database(&url, &table).await;
    let _ = std::fs::remove_dir_all(&data);
}
