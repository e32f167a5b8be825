//! The clerk's (văn thư) side of issuing: before issuing, the number the document will get and
//! where each Nơi nhận line will go; after issuing, how each e-mail fared, with a resend button for
//! the ones that failed.
//!
//! Glossary: *số dự kiến* = the number the document will get if issued now; *phát hành* =
//! issuing; *gửi lại* = resend.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use trinhky_domain::role::Role;
use trinhky_domain::workflow::{self, EffectKind};

use crate::documents::Loaded;
use crate::principal::Principal;
use crate::registry::Registry;
use crate::{AppError, Result, incoming::vn_time};

/// What issuing would do now (shown to the clerk on the issuing step).
#[derive(Debug, Clone, Serialize)]
pub struct IssuePreview {
    /// Số, ký hiệu the document gets if it is issued now, e.g. `120/BC-SNV`. Another issuing in
    /// between takes it; the number is only assigned in the issuing transaction.
    pub number: String,
    /// Each recipient the Nơi nhận lines resolve to.
    pub recipients: Vec<PreviewRecipient>,
    /// Every Nơi nhận line and what it resolved to (internal lines, the archive note …).
    pub lines: Vec<crate::recipients::Line>,
    /// Lines the system cannot deliver to: the clerk marks each "gửi bản giấy" or returns the
    /// document.
    pub unresolved: Vec<String>,
    /// Why issuing would be refused whatever the clerk marks (no recipient at all), if it would.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewRecipient {
    pub name: String,
    pub email: String,
    /// Delivered into the agency's incoming register inside trinhky as well as by e-mail.
    pub internal: bool,
}

/// The issuing preview when `p` may issue the document now (a clerk of its agency at a step that
/// assigns the number); `None` otherwise.
pub async fn issue_preview(
    store: &trinhky_store::Store,
    registry: &Registry,
    p: &Principal,
    l: &Loaded,
    now: DateTime<Utc>,
) -> Result<Option<IssuePreview>> {
    if !p.has_role(&l.agency_code, Role::Clerk) {
        return Ok(None);
    }
    let actor = crate::documents::actor(store, p).await?;
    let issues = workflow::available_actions(&l.definition, &l.domain, &actor, now)
        .iter()
        .any(|t| t.effects.contains(&EffectKind::AssignNumber));
    if !issues {
        return Ok(None);
    }
    let year = workflow::local_date(now).year();
    let register = trinhky_domain::numbering::register_for(
        registry.numbering_per_type,
        &l.document.doc_type,
        l.document.classification.is_some(),
    );
    let next =
        trinhky_store::numbering::peek_next(store.db(), l.document.agency_id, year, &register)
            .await?;
    let number = trinhky_domain::numbering::format_number(
        next,
        Some(&l.document.doc_type),
        &l.agency_code,
        None,
    );
    let resolved = crate::recipients::resolve_lines(
        store,
        &l.version.recipients,
        &l.version.addressees,
        &l.agency_code,
    )
    .await?;
    let unresolved = resolved.unresolved();
    let problem = resolved
        .lines
        .iter()
        .all(|x| x.status == crate::recipients::LineStatus::Archive)
        .then(|| {
            "Văn bản chưa có nơi nhận nào để phát hành: trả lại chuyên viên để bổ sung Nơi nhận."
                .to_owned()
        });
    let recipients = resolved
        .recipients
        .into_iter()
        .map(|r| PreviewRecipient {
            name: r.text,
            email: r.email,
            internal: r.agency_id.is_some(),
        })
        .collect();
    Ok(Some(IssuePreview {
        number,
        recipients,
        lines: resolved.lines,
        unresolved,
        problem,
    }))
}

/// One e-mail of an issued document (or of its recall notice).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i32,
    pub kind: String,
    pub recipient: String,
    pub email: String,
    /// `pending`, `sending`, `sent`, `failed`.
    pub status: String,
    pub status_label: String,
    pub attempts: i32,
    /// The server's last reply (or the connection error) — why a message failed.
    pub last_reply: Option<String>,
    pub sent_at: Option<String>,
    /// A clerk of the issuing agency may put a failed message back in the queue.
    pub can_resend: bool,
}

fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "Đang chờ gửi",
        "sending" => "Đang gửi",
        "sent" => "Đã gửi",
        "failed" => "Gửi không thành công",
        _ => "Không rõ",
    }
}

/// The e-mails of a document, for members of the issuing agency (the caller loaded it).
pub async fn deliveries(
    store: &trinhky_store::Store,
    p: &Principal,
    l: &Loaded,
) -> Result<Vec<Delivery>> {
    // Recipients may read the document, but how it reached the others is the sender's business.
    if !p.belongs_to(&l.agency_code) {
        return Err(AppError::Forbidden(
            "Chỉ cơ quan ban hành xem được tình hình gửi văn bản.".into(),
        ));
    }
    let clerk = p.has_role(&l.agency_code, Role::Clerk);
    let rows = trinhky_store::outbox::of_document(store.db(), l.document.id).await?;
    Ok(rows
        .into_iter()
        .map(|m| Delivery {
            id: m.id,
            kind: m.kind.clone(),
            recipient: m.recipient_text.clone(),
            email: m.email.clone(),
            status_label: status_label(&m.status).to_owned(),
            can_resend: clerk && m.status == "failed",
            status: m.status,
            attempts: m.attempts,
            last_reply: m
                .last_reply
                .as_deref()
                .map(crate::audit_text::without_paths),
            sent_at: m.sent_at.map(vn_time),
        })
        .collect())
}

/// Puts a failed e-mail of the document back in the queue (gửi lại). Only a clerk of the issuing
/// agency may; the row must belong to the document and have failed. Audited with the row.
pub async fn resend(
    store: &trinhky_store::Store,
    p: &Principal,
    l: &Loaded,
    message_id: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    if !p.has_role(&l.agency_code, Role::Clerk) {
        return Err(AppError::Forbidden(
            "Chỉ văn thư của cơ quan ban hành được gửi lại văn bản.".into(),
        ));
    }
    let txn = store.begin_write().await?;
    let row = trinhky_store::outbox::message_by_id(&txn, message_id)
        .await?
        .filter(|m| {
            m.document_id == Some(l.document.id) && !matches!(m.kind.as_str(), "reminder" | "notify")
        })
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "Thư số {message_id} không thuộc văn bản này: tải lại trang và chọn thư trong bảng gửi văn bản."
            ))
        })?;
    if row.status != "failed" {
        return Err(AppError::Conflict(format!(
            "Thư gửi {} đang ở trạng thái \"{}\": chỉ gửi lại được thư gửi không thành công.",
            row.email,
            status_label(&row.status)
        )));
    }
    if !trinhky_store::outbox::resend(&txn, &p.user.username, message_id, now).await? {
        return Err(AppError::Conflict(
            "Thư vừa được gửi lại bởi người khác: tải lại trang để xem trạng thái mới.".into(),
        ));
    }
    txn.commit()
        .await
        .map_err(trinhky_store::StoreError::from)?;
    Ok(())
}
