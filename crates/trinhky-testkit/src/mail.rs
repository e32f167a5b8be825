//! A real SMTP server process for the mail tests: `tests/smtp/server.py` (aiosmtpd), delivering
//! into a Maildir, optionally with TLS (STARTTLS or implicit), AUTH and a delay per message.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::repo_root;

/// How the test server is set up.
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// (certificate, key) PEM files.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// With `tls`: TLS from the first byte instead of STARTTLS.
    pub implicit_tls: bool,
    pub auth: Option<(String, String)>,
    /// Seconds between receiving a message and storing + answering it.
    pub data_delay: f64,
}

/// A running test SMTP server; killed on drop.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpServer {
    pub fn start(maildir: &Path, opts: &SmtpOptions) -> SmtpServer {
        Self::start_on(free_port(), maildir, opts)
    }

    pub fn start_on(port: u16, maildir: &Path, opts: &SmtpOptions) -> SmtpServer {
        let mut cmd = Command::new("python3");
        cmd.arg(repo_root().join("tests/smtp/server.py"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--maildir", &maildir.display().to_string()]);
        if let Some((cert, key)) = &opts.tls {
            cmd.args(["--cert", &cert.display().to_string()])
                .args(["--key", &key.display().to_string()])
                .arg(if opts.implicit_tls {
                    "--implicit-tls"
                } else {
                    "--starttls"
                });
        }
        if let Some((u, p)) = &opts.auth {
            cmd.args(["--user", u, "--password", p]);
        }
        if opts.data_delay > 0.0 {
            cmd.args(["--data-delay", &opts.data_delay.to_string()]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 tests/smtp/server.py (scripts/test installs aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("ready"),
            "the test SMTP server did not start (is aiosmtpd installed? scripts/test installs it): {line:?}"
        );
        SmtpServer {
            child,
            port,
            maildir: maildir.to_path_buf(),
        }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Paths of the delivered messages.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(rd) = std::fs::read_dir(self.maildir.join(sub)) {
                out.extend(rd.flatten().map(|e| e.path()));
            }
        }
        out.sort();
        out
    }

    /// The delivered messages, raw.
    pub fn messages(&self) -> Vec<String> {
        self.files()
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The Message-ID header of a raw message.
pub fn message_id(raw: &str) -> Option<String> {
    raw.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        .map(|l| l["message-id:".len()..].trim().to_owned())
}

/// A self-signed certificate for 127.0.0.1 / localhost made with the openssl CLI:
/// returns (cert.pem, key.pem). The certificate is its own CA.
pub fn self_signed_cert(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let cert = dir.join("smtp-cert.pem");
    let key = dir.join("smtp-key.pem");
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=127.0.0.1/O=trinhky test SMTP"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl CLI (scripts/test installs it)");
    assert!(
        out.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

/// Parses a received message with Python's `email` package (an independent MIME reader): returns
/// the decoded subject and writes the first application/pdf attachment to `pdf_out`.
pub fn read_with_python(message: &Path, pdf_out: &Path) -> (String, bool) {
    let script = r#"
import email, email.header, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
print(str(m['Subject']))
found = False
for part in m.walk():
    if part.get_content_type() == 'application/pdf' and not found:
        open(sys.argv[2], 'wb').write(part.get_payload(decode=True))
        found = True
print('pdf' if found else 'nopdf')
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(message)
        .arg(pdf_out)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let subject = lines.next().unwrap_or_default().to_owned();
    (subject, lines.next() == Some("pdf"))
}
