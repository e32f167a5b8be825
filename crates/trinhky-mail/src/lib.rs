//! trinhky-mail: composing Vietnamese e-mail (MIME, RFC 2047 subjects, PDF attachments) and the
//! transports that carry it: SMTP (STARTTLS, implicit TLS, AUTH, pooled connections) when
//! configured, otherwise `.eml` files under the data folder so the embedded default works with no
//! mail server. The dispatcher that drains the outbox builds on this crate.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How messages leave trinhky.
#[derive(Clone)]
pub enum TransportConfig {
    /// Write each message as `<id>.eml` into this folder.
    Files(PathBuf),
    Smtp(SmtpConfig),
}

/// SMTP transport security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Starttls,
    ImplicitTls,
    /// Plain text; only sensible for a relay on loopback.
    None,
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<(String, String)>,
    /// Extra CA certificate (PEM) to trust, e.g. for a private relay.
    pub ca_pem: Option<Vec<u8>>,
    /// Bound on each network operation of an SMTP exchange (connect, each command, the data).
    pub timeout: Duration,
}

/// The default [`SmtpConfig::timeout`].
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    #[error("invalid address \"{address}\": {reason}")]
    Address { address: String, reason: String },
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("SMTP setup failed: {0}")]
    Setup(String),
    /// The server refused or could not be reached; `permanent` when retrying cannot help.
    #[error("sending failed: {message}")]
    Send { message: String, permanent: bool },
    #[error("cannot write the .eml file: {0}")]
    File(String),
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Globally unique, stable per (document, recipient) so a resend is recognisable.
    pub message_id: String,
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address.parse::<Mailbox>().map_err(|e| MailError::Address {
        address: address.to_owned(),
        reason: e.to_string(),
    })
}

/// Builds the MIME message (UTF-8 body, subject encoded per RFC 2047 by lettre).
pub fn compose(m: &Outgoing) -> Result<Message, MailError> {
    let builder = Message::builder()
        .from(mailbox(&m.from)?)
        .to(mailbox(&m.to)?)
        .subject(m.subject.clone())
        .message_id(Some(format!("<{}>", m.message_id.trim_matches(['<', '>']))));
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(m.text.clone());
    let msg = if m.attachments.is_empty() {
        builder.singlepart(text)
    } else {
        let mut mp = MultiPart::mixed().singlepart(text);
        for (name, ctype, bytes) in &m.attachments {
            let ct = ContentType::parse(ctype)
                .map_err(|e| MailError::Build(format!("content type {ctype}: {e}")))?;
            mp = mp.singlepart(Attachment::new(name.clone()).body(bytes.clone(), ct));
        }
        builder.multipart(mp)
    };
    msg.map_err(|e| MailError::Build(e.to_string()))
}

/// A ready transport.
#[derive(Clone)]
pub enum Mailer {
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn new(config: &TransportConfig) -> Result<Mailer, MailError> {
        match config {
            TransportConfig::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| MailError::File(format!("{}: {e}", dir.display())))?;
                Ok(Mailer::Files(
                    AsyncFileTransport::<Tokio1Executor>::new(dir),
                    dir.clone(),
                ))
            }
            TransportConfig::Smtp(c) => {
                let mut tls = TlsParameters::builder(c.host.clone());
                if let Some(pem) = &c.ca_pem {
                    let cert = Certificate::from_pem(pem)
                        .map_err(|e| MailError::Setup(format!("CA certificate: {e}")))?;
                    tls = tls.add_root_certificate(cert);
                }
                let tls = tls.build().map_err(|e| MailError::Setup(e.to_string()))?;
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(c.host.clone())
                    .port(c.port)
                    .timeout(Some(c.timeout))
                    .tls(match c.security {
                        Security::Starttls => Tls::Required(tls),
                        Security::ImplicitTls => Tls::Wrapper(tls),
                        Security::None => Tls::None,
                    });
                if let Some((u, p)) = &c.credentials {
                    b = b.credentials(Credentials::new(u.clone(), p.clone()));
                }
                Ok(Mailer::Smtp(b.build()))
            }
        }
    }

    /// Sends one message; returns the server's reply (SMTP) or the written file's path.
    pub async fn send(&self, m: &Outgoing) -> Result<String, MailError> {
        let msg = compose(m)?;
        match self {
            Mailer::Files(t, dir) => {
                let id = t
                    .send(msg)
                    .await
                    .map_err(|e| MailError::File(e.to_string()))?;
                Ok(dir.join(format!("{id}.eml")).display().to_string())
            }
            Mailer::Smtp(t) => match t.send(msg).await {
                Ok(resp) => Ok(format!(
                    "{} {}",
                    resp.code(),
                    resp.message().collect::<Vec<_>>().join(" ")
                )),
                Err(e) => Err(MailError::Send {
                    permanent: e.is_permanent() && !is_auth_failure(&e),
                    message: e.to_string(),
                }),
            },
        }
    }
}

/// 530/534/535 (authentication required, mechanism too weak, credentials invalid) are permanent
/// replies, but they say nothing about the message: the settings are wrong, and once an
/// administrator fixes them the queued messages should go out. So they are retried.
fn is_auth_failure(e: &lettre::transport::smtp::Error) -> bool {
    e.status()
        .is_some_and(|c| matches!(c.to_string().as_str(), "530" | "534" | "535"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn sample() -> Outgoing {
        Outgoing {
            from: "Văn thư Sở Nội vụ <vanthu.snv@daknong.example>".into(),
            to: "vpubnd@daknong.example".into(),
            subject: "[05/BC-SNV] Báo cáo kết quả cải thiện Chỉ số CCHC năm 2023".into(),
            text: "Kính gửi: Văn phòng UBND tỉnh.\nSở Nội vụ gửi kèm văn bản.".into(),
            message_id: "doc-1.rcpt-2@trinhky.daknong.example".into(),
            attachments: vec![(
                "05-BC-SNV.pdf".into(),
                "application/pdf".into(),
                b"%PDF-1.7 test".to_vec(),
            )],
        }
    }

    #[test]
    fn subject_is_rfc2047_encoded_and_message_id_kept() {
        let raw = String::from_utf8(compose(&sample()).unwrap().formatted()).unwrap();
        let subject = raw.lines().find(|l| l.starts_with("Subject:")).unwrap();
        assert!(subject.contains("=?utf-8?"), "{subject}");
        assert!(raw.contains("Message-ID: <doc-1.rcpt-2@trinhky.daknong.example>"));
        assert!(raw.contains("filename=\"05-BC-SNV.pdf\""));
    }

    #[test]
    fn bad_addresses_are_named() {
        let mut m = sample();
        m.to = "không phải địa chỉ".into();
        let e = compose(&m).unwrap_err();
        assert!(e.to_string().contains("không phải địa chỉ"));
    }

    #[tokio::test]
    async fn file_transport_writes_an_eml() {
        let dir = std::env::temp_dir().join(format!("trinhky-mail-{}", std::process::id()));
        let mailer = Mailer::new(&TransportConfig::Files(dir.clone())).unwrap();
        let path = mailer.send(&sample()).await.unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(raw.contains("To: vpubnd@daknong.example"), "{raw}");
        assert!(raw.contains("Content-Type: application/pdf"));
    }
}
