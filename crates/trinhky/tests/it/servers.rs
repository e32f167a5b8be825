//! `trinhky serve` processes for tests: started on a given database, killed or stopped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct Serve {
    child: Child,
    pub addr: String,
}

impl Serve {
    /// Starts `trinhky serve` (no demo data: the test prepared the database) and waits for its
    /// address. The test CA of `pki_dir` is trusted for signatures.
    pub fn start(database_url: &str, data: &Path, pki_dir: &Path, env: &[(&str, String)]) -> Serve {
        std::fs::create_dir_all(data.join("trust")).unwrap();
        std::fs::copy(pki_dir.join("ca.pem"), data.join("trust/ca.pem")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trinhky"));
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(trinhky_testkit::repo_root())
            .env_remove("TRINHKY_CONFIG")
            .env("TRINHKY_DATABASE_URL", database_url)
            .env("TRINHKY_DATA_DIR", data)
            .env("TRINHKY_LOG", "warn")
            .env("TRINHKY_KEK", trinhky_testkit::TEST_KEK_BASE64)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let started = Instant::now();
        let addr = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(a) = line.strip_prefix("trinhky listening on http://") {
                break a.to_owned();
            }
            assert!(started.elapsed() < Duration::from_secs(60));
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Serve { child, addr }
    }

    /// SIGKILL: no shutdown, no cleanup, as in a crash or an OOM kill.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for the exit.
    pub fn stop(&mut self) -> ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

/// A JSON POST with a bearer token; returns (status, body).
pub fn post_json(addr: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_owned();
    (status, body)
}

/// A scratch folder for one test.
pub fn scratch(tag: &str) -> std::path::PathBuf {
    let mut b = [0u8; 4];
    getrandom_fill(&mut b);
    let d = std::env::temp_dir().join(format!(
        "trinhky-cli-{tag}-{}-{:02x}{:02x}{:02x}{:02x}",
        std::process::id(),
        b[0],
        b[1],
        b[2],
        b[3]
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn getrandom_fill(b: &mut [u8]) {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        .to_le_bytes();
    b.copy_from_slice(&t[..b.len()]);
}
