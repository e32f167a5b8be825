//! `trinhky serve` starts, answers, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[cfg(unix)]
fn r13_data_files_are_private(data: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data.join("kek")), 0o600, "data/kek");
    let pki = data.join("pki");
    assert_eq!(mode(&pki), 0o700, "data/pki");
    let files: Vec<_> = std::fs::read_dir(&pki)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        files
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "p12"))
    );
    assert!(files.iter().any(|p| p.ends_with("ca.pass")));
    for p in files {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

#[cfg(not(unix))]
fn r13_data_files_are_private(_: &std::path::Path) {}

#[tokio::test]
async fn serve_demo_answers_and_stops_on_sigterm() {
    let url = trinhky_testkit::fresh_database_url().await;
    let data = std::env::temp_dir().join(format!("trinhky-serve-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_trinhky"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(trinhky_testkit::repo_root())
        .env("TRINHKY_DATABASE_URL", &url)
        .env("TRINHKY_DATA_DIR", &data)
        .env("TRINHKY_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = Instant::now();
    let mut printed = Vec::new();
    let addr = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        printed.push(line.clone());
        if let Some(a) = line.strip_prefix("trinhky listening on http://") {
            break a.to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(60));
    };
    let out = printed.join("\n");
    assert!(
        out.contains("snv.chuyenvien") && out.contains("demo-snv-chuyenvien"),
        "demo accounts printed: {out}"
    );
    assert!(http_get(&addr, "/healthz").ends_with("ok"));
    assert!(http_get(&addr, "/readyz").contains("\"database\":\"ok\""));
    // Issue 13: the demo's KEK and everything of its development CA are private to the user.
    r13_data_files_are_private(&data);

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "clean exit after SIGTERM: {status:?}");
}
