//! The sender's side: who received an issued document, and recall (thu hồi).

use super::*;

/// Who received an issued document, and when (for the sender's document page).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub agency_code: String,
    pub agency_name: String,
    pub status: String,
    pub status_label: String,
    pub incoming_no: Option<i32>,
    pub received_at: DateTime<Utc>,
    pub received_at_vn: String,
    pub registered_at: Option<DateTime<Utc>>,
    pub registered_at_vn: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_at_vn: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub archived_at_vn: Option<String>,
}

pub async fn receipts(store: &Store, document_id: i32) -> Result<Vec<Receipt>> {
    let mut out = Vec::new();
    for r in repo::of_document(store.db(), document_id).await? {
        let Some(a) = directory::agency_by_id(store.db(), r.agency_id).await? else {
            continue;
        };
        out.push(Receipt {
            agency_code: a.code,
            agency_name: a.name,
            status_label: status_label(&r.status).to_owned(),
            status: r.status,
            incoming_no: r.incoming_no,
            received_at_vn: vn_time(r.received_at),
            received_at: r.received_at,
            registered_at_vn: r.registered_at.map(vn_time),
            registered_at: r.registered_at,
            acknowledged_at_vn: r.acknowledged_at.map(vn_time),
            acknowledged_at: r.acknowledged_at,
            archived_at_vn: r.archived_at.map(vn_time),
            archived_at: r.archived_at,
        });
    }
    Ok(out)
}

/// Whether `p` may recall the document of `agency_code` (its clerk or head).
pub fn may_recall(p: &Principal, agency_code: &str) -> bool {
    p.has_role(agency_code, Role::Clerk) || p.has_role(agency_code, Role::AgencyHead)
}

/// Recalls (thu hồi) an issued document: marks its outgoing-register entry and every incoming
/// row, and queues a "[THU HỒI]" message to every address the document was sent to — one
/// transaction. Returns the number of messages queued.
pub async fn recall(
    store: &Store,
    p: &Principal,
    document_id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize> {
    let db = store.db();
    let doc = trinhky_store::documents::document_by_id(db, document_id)
        .await?
        .ok_or_else(forbidden)?;
    let a = directory::agency_by_id(db, doc.agency_id)
        .await?
        .ok_or_else(forbidden)?;
    if !may_recall(p, &a.code) {
        return Err(AppError::Forbidden(
            "Chỉ văn thư hoặc thủ trưởng cơ quan ban hành mới thu hồi văn bản.".into(),
        ));
    }
    let reason = trinhky_domain::text::nfc(reason.trim());
    if reason.is_empty() {
        return Err(AppError::Invalid("Nhập lý do thu hồi.".into()));
    }
    let entry = numbering::number_of(db, document_id)
        .await?
        .ok_or_else(|| AppError::Conflict("Văn bản chưa được phát hành.".into()))?;
    if entry.recalled_at.is_some() {
        return Err(AppError::Conflict("Văn bản đã bị thu hồi.".into()));
    }
    let domain = directory::settings(db)
        .await?
        .map(|s| s.email_domain)
        .unwrap_or_else(|| "trinhky.invalid".into());
    let sent = outbox::of_document(db, document_id).await?;
    let mut msgs: Vec<outbox::NewMessage> = Vec::new();
    for m in sent {
        if m.kind != "dispatch" || msgs.iter().any(|x| x.email == m.email) {
            continue;
        }
        msgs.push(recall_message(
            document_id,
            &entry,
            &a.name,
            &m.recipient_text,
            m.agency_id,
            &m.email,
            &reason,
            &domain,
        ));
    }
    let rows = repo::of_document(db, document_id).await?;
    let txn = store.begin_write().await?;
    repo::recall_outgoing(&txn, &p.actor(), document_id, &reason, now)
        .await
        .map_err(store_err)?;
    for row in &rows {
        let step = step_of(row, Event::Recall)?;
        repo::recall_row(&txn, &p.actor(), row, step, &reason, now)
            .await
            .map_err(store_err)?;
    }
    outbox::enqueue(&txn, &p.actor(), &msgs, now).await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(msgs.len())
}

#[allow(clippy::too_many_arguments)]
fn recall_message(
    document_id: i32,
    entry: &outgoing_register::Model,
    issuing_body: &str,
    recipient_text: &str,
    agency_id: Option<i32>,
    email: &str,
    reason: &str,
    domain: &str,
) -> outbox::NewMessage {
    let id = crate::dispatch::message_id(document_id, email, domain);
    outbox::NewMessage {
        document_id: Some(document_id),
        assignment_id: None,
        recipient_text: recipient_text.to_owned(),
        agency_id,
        email: email.to_owned(),
        message_id: id.replacen("trinhky.doc", "trinhky.recall.doc", 1),
        kind: "recall".into(),
        subject: format!("[THU HỒI] [{}] {}", entry.number, entry.title),
        body: format!(
            "Kính gửi: {recipient_text}.\n\n{issuing_body} thu hồi văn bản số {} ngày {} về việc: {}.\nLý do thu hồi: {reason}.\n\nĐề nghị quý cơ quan không sử dụng văn bản trên và hủy các bản đã nhận.\n\nTrân trọng./.\n\n(Thư gửi tự động từ hệ thống trinhky; vui lòng không trả lời thư này.)",
            entry.number,
            fmt_date(entry.issued_on),
            entry.title,
        ),
    }
}
