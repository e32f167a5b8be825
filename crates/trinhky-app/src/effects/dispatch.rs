//! `dispatch`: the issued document sent to every Nơi nhận line. The lines are resolved before
//! the transaction (an unresolved line blocks issuing unless the clerk marked it "gửi bản
//! giấy"; internal lines go nowhere); inside it, e-mails are queued in the
//! outbox (the dispatcher sends them) and agencies inside trinhky get the document in their
//! incoming register. A classified document (văn bản mật) never leaves by e-mail: it goes only
//! to agencies that receive inside trinhky (they have a clerk account), and every other line
//! blocks issuing.

use serde::Serialize;
use trinhky_domain::Role;
use trinhky_store::{DatabaseTransaction, accounts, directory};

use super::{Carry, Context, Prepared};
use crate::dispatch::Recipient;
use crate::{AppError, Result};

/// What was sent.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    /// Outbox messages queued (none for a classified document).
    pub messages: usize,
    /// Agencies whose incoming register received the document.
    pub delivered: usize,
    /// Internal distribution lines (delivered inside the agency).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub internal: Vec<String>,
    /// Lines sent on paper, as the clerk marked them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paper: Vec<String>,
}

/// The resolved Nơi nhận of the document being issued.
pub struct Recipients {
    pub list: Vec<Recipient>,
    pub internal: Vec<String>,
    pub paper: Vec<String>,
}

/// Whether the clerk marked `line` "gửi bản giấy" (compared as written, folded).
fn marked(paper: &[String], line: &str) -> bool {
    let f = trinhky_domain::text::fold(line.trim());
    paper
        .iter()
        .any(|p| trinhky_domain::text::fold(p.trim()) == f)
}

/// Resolves the Nơi nhận lines and checks a classified document's recipients.
pub async fn prepare(cx: &Context<'_>) -> Result<Recipients> {
    let l = cx.loaded;
    let resolved = crate::recipients::resolve_lines(
        cx.store,
        &l.version.recipients,
        &l.version.addressees,
        &l.agency_code,
    )
    .await?;
    let (paper, unresolved): (Vec<String>, Vec<String>) = resolved
        .unresolved()
        .into_iter()
        .partition(|line| marked(&cx.paper, line));
    if !unresolved.is_empty() {
        return Err(crate::recipients::unresolved_error(&unresolved, true));
    }
    let internal = resolved.internal();
    let recipients = resolved.recipients;
    if recipients.is_empty() && paper.is_empty() && internal.is_empty() {
        return Err(AppError::Invalid(
            "Văn bản chưa có nơi nhận nào để phát hành: thêm nơi nhận vào dự thảo.".into(),
        ));
    }
    let done = |list| Recipients {
        list,
        internal,
        paper,
    };
    if l.document.classification.is_none() {
        return Ok(done(recipients));
    }
    let mut outside = Vec::new();
    for r in &recipients {
        let internal = match r.agency_id {
            Some(id) => accounts::agency_members(cx.store.db(), id)
                .await?
                .iter()
                .any(|(_, role, _)| *role == Role::Clerk),
            None => false,
        };
        if !internal {
            outside.push(r.text.clone());
        }
    }
    if !outside.is_empty() {
        return Err(AppError::Invalid(format!(
            "Văn bản mật không được gửi qua thư điện tử: {} không nhận văn bản trên trinhky. Bỏ các dòng này khỏi Nơi nhận và gửi bản giấy theo quy định bảo vệ bí mật nhà nước.",
            outside.join("; ")
        )));
    }
    Ok(done(recipients))
}

pub async fn perform(
    txn: &DatabaseTransaction,
    cx: &Context<'_>,
    prep: &Prepared,
    carry: &Carry,
) -> Result<Done> {
    let (recipients, internal, paper) = match &prep.recipients {
        Some(r) => (r.list.as_slice(), r.internal.clone(), r.paper.clone()),
        None => (&[][..], Vec::new(), Vec::new()),
    };
    let l = cx.loaded;
    let number = carry
        .number
        .clone()
        .unwrap_or_else(|| format!("dự thảo {}", l.document.id));
    let domain = directory::settings(txn)
        .await?
        .map(|s| s.email_domain)
        .unwrap_or_else(|| "trinhky.invalid".into());
    let signer = super::assign_number::signer_name(txn, cx).await?;
    let today = trinhky_domain::workflow::local_date(cx.now);
    let msgs = crate::dispatch::messages(
        l.document.id,
        &number,
        &l.version.title,
        &l.agency_name,
        &signer,
        today,
        recipients,
        &domain,
    );
    let mut done = Done {
        messages: 0,
        delivered: 0,
        internal,
        paper,
    };
    if l.document.classification.is_none() {
        trinhky_store::outbox::enqueue(txn, &cx.actor(), &msgs, cx.now).await?;
        done.messages = msgs.len();
    }
    // Agencies inside trinhky get it in their incoming register, in this same transaction.
    if let Some(number) = &carry.number {
        let agencies: Vec<i32> = recipients.iter().filter_map(|r| r.agency_id).collect();
        done.delivered = crate::incoming::deliver(
            txn,
            &cx.actor(),
            &crate::incoming::Issued {
                document_id: l.document.id,
                from_agency_id: l.document.agency_id,
                from_agency_name: &l.agency_name,
                number,
                doc_type: &l.document.doc_type,
                doc_date: today,
                title: &l.version.title,
                signer: &signer,
                file_sha256: carry.issued_sha256.clone(),
            },
            &agencies,
            cx.now,
        )
        .await?;
    }
    Ok(done)
}
