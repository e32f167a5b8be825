//! Dispatch (phát hành): turning a document's Nơi nhận into outbox rows, and the worker that sends
//! them. The lines are resolved by [`crate::recipients`].

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use trinhky_domain::time;
use trinhky_mail::{MailError, Mailer, Outgoing};
use trinhky_store::Store;
use trinhky_store::outbox::{self, NewMessage};

use crate::Result;

pub use crate::recipients::{Line, LineStatus, Recipient, Resolved, resolve_lines};

/// A stable Message-ID per (document, recipient address).
pub fn message_id(document_id: i32, email: &str, domain: &str) -> String {
    let h = hex::encode(&Sha256::digest(email.as_bytes())[..6]);
    format!("trinhky.doc{document_id}.{h}@{domain}")
}

/// Builds the outbox rows of an issued document.
#[allow(clippy::too_many_arguments)]
pub fn messages(
    document_id: i32,
    number: &str,
    title: &str,
    issuing_body: &str,
    signer: &str,
    issued_on: chrono::NaiveDate,
    recipients: &[Recipient],
    domain: &str,
) -> Vec<NewMessage> {
    recipients
        .iter()
        .map(|r| NewMessage {
            document_id: Some(document_id),
            assignment_id: None,
            recipient_text: r.text.clone(),
            agency_id: r.agency_id,
            email: r.email.clone(),
            message_id: message_id(document_id, &r.email, domain),
            kind: "dispatch".into(),
            subject: format!("[{number}] {title}"),
            body: format!(
                "Kính gửi: {}.\n\n{issuing_body} gửi văn bản số {number} ngày {} về việc: {title}.\nNgười ký: {signer}.\n\nVăn bản điện tử có chữ ký số (và phụ lục, tệp đính kèm nếu có) được đính kèm thư này; đề nghị quý cơ quan kiểm tra chữ ký số khi tiếp nhận.\n\nTrân trọng./.\n\n(Thư gửi tự động từ hệ thống trinhky; vui lòng không trả lời thư này.)",
                r.text,
                time::dmy(issued_on),
            ),
        })
        .collect()
}

/// What one pass of the dispatcher did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Attempts before a message is marked failed and shown to the clerk.
pub const MAX_ATTEMPTS: i32 = 6;

/// Claims due messages and sends them once each. Safe to run in several processes at once.
///
/// Delivery guarantee. Each message is claimed on its own, just before its SMTP exchange: the
/// claim commits `sending` with a lease of `lease`, the exchange runs (abandoned after half the
/// lease, so it never outlives the claim), then `mark_sent` commits the server's reply. A worker
/// killed at any point leaves at most ONE row in `sending`; no other worker touches it while its
/// lease is live, and after the lease another worker sends it again. If the kill landed after the
/// server had accepted the message (the data was complete, the 250 on its way) but before
/// `mark_sent` committed, the recipient gets that message twice, with the same stable Message-ID
/// ([`message_id`]) so it is recognisably the same. Exactly-once is impossible across that gap
/// with SMTP (there is no two-phase commit with a mail server); the window is one message per
/// crash, a few milliseconds wide (the time from the 250 to the commit).
pub async fn dispatch_once(
    store: &Store,
    mailer: &Mailer,
    from: &str,
    worker: &str,
    limit: u64,
    lease: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Pass> {
    let mut pass = Pass::default();
    let bound = lease
        .to_std()
        .map(|d| d / 2)
        .unwrap_or(std::time::Duration::from_secs(60));
    for i in 0..limit {
        // `now` for the first claim (tests drive time through it); real time moves on after.
        let at = if i == 0 { now } else { now.max(Utc::now()) };
        let Some(row) = outbox::claim(store, worker, 1, lease, at)
            .await?
            .into_iter()
            .next()
        else {
            break;
        };
        // A recall notice carries no file: the recalled document is not sent again.
        // Neither do reminders (nhắc việc).
        let file = match (row.kind.as_str(), row.document_id) {
            ("dispatch", Some(doc)) => {
                trinhky_store::documents::latest_file(store.db(), doc, None).await?
            }
            _ => None,
        };
        let attachment = match file {
            Some(f) => trinhky_store::blobs::get(store.db(), &f.blob_sha256)
                .await?
                .map(|b| b.data),
            None => None,
        };
        let name = row
            .subject
            .split(']')
            .next()
            .unwrap_or("van-ban")
            .trim_start_matches('[')
            .replace('/', "-");
        let mut attachments: Vec<(String, String, Vec<u8>)> = attachment
            .map(|a| vec![(format!("{name}.pdf"), "application/pdf".to_owned(), a)])
            .unwrap_or_default();
        // The document's attachments (phụ lục) travel with it, PDFs as the organisation signed them.
        if let (true, "dispatch", Some(doc)) =
            (!attachments.is_empty(), row.kind.as_str(), row.document_id)
        {
            attachments.extend(crate::attachments::for_mail(store.db(), doc).await?);
        }
        let msg = Outgoing {
            from: from.to_owned(),
            to: row.email.clone(),
            subject: row.subject.clone(),
            text: row.body.clone(),
            message_id: row.message_id.clone(),
            attachments,
        };
        let sent = match tokio::time::timeout(bound, mailer.send(&msg)).await {
            Ok(r) => r,
            Err(_) => Err(MailError::Send {
                message: format!(
                    "no answer from the mail server within {} s",
                    bound.as_secs()
                ),
                permanent: false,
            }),
        };
        match sent {
            Ok(reply) => {
                if outbox::mark_sent(store, row.id, worker, &reply, Utc::now()).await? {
                    pass.sent += 1;
                }
            }
            Err(e) => {
                let permanent = matches!(
                    e,
                    MailError::Send {
                        permanent: true,
                        ..
                    } | MailError::Address { .. }
                        | MailError::Build(_)
                );
                outbox::mark_failed(
                    store,
                    row.id,
                    worker,
                    &e.to_string(),
                    permanent,
                    MAX_ATTEMPTS,
                    Utc::now(),
                )
                .await?;
                if permanent || row.attempts >= MAX_ATTEMPTS {
                    pass.failed += 1;
                } else {
                    pass.retried += 1;
                }
                tracing::warn!(message = row.id, error = %e, "dispatch attempt failed");
            }
        }
    }
    Ok(pass)
}
