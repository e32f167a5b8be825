//! `sign_organization`: the organisation's signature, after the number is assigned. The number
//! and date are written into the head's signed file, then the seal; inside the issuing
//! transaction, so the number and the file go together. Phụ lục in separate PDF files travel
//! with the document, each signed by the organisation with the document's number (Word and
//! Excel files go unsigned).

use std::sync::Arc;

use serde::Serialize;
use trinhky_pdf::sign::LocalSigner;
use trinhky_store::DatabaseTransaction;
use trinhky_store::documents as repo;

use super::{Carry, Context, Prepared};
use crate::signing::{self, Signing};
use crate::{AppError, Result};

/// The recorded seal.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    /// File names of the PDF attachments signed with the document.
    pub attachments: Vec<String>,
    pub pdf_sha256: String,
    pub certificate: String,
    pub serial: String,
    pub signed_at: String,
}

/// Unlocks the agency's key with the clerk's PIN.
pub async fn unlock(cx: &Context<'_>, pin: &str) -> Result<Arc<LocalSigner>> {
    let cfg = cx.signing()?;
    let l = cx.loaded;
    let key = signing::unlock(
        cx.store,
        &cfg,
        signing::KeyOf::Agency {
            agency_id: l.document.agency_id,
            code: &l.agency_code,
            clerk: &cx.principal.user.username,
        },
        pin,
        cx.now,
    )
    .await?;
    Ok(Arc::new(key))
}

pub async fn perform(
    txn: &DatabaseTransaction,
    cx: &Context<'_>,
    prep: &Prepared,
    carry: &mut Carry,
) -> Result<Done> {
    let (Some(key), Some(number)) = (&prep.org_key, carry.number.clone()) else {
        return Err(AppError::Internal(
            "sign_organization needs assign_number before it".into(),
        ));
    };
    let cfg = cx.signing()?;
    let l = cx.loaded;
    let file = repo::latest_file(txn, l.document.id, Some("signed"))
        .await?
        .ok_or_else(|| {
            AppError::Conflict(
                "Văn bản chưa có bản đã ký số của người có thẩm quyền: không thể phát hành.".into(),
            )
        })?;
    let blob = trinhky_store::blobs::get(txn, &file.blob_sha256)
        .await?
        .ok_or_else(|| AppError::Internal("signed file blob is missing".into()))?;
    let today = trinhky_domain::workflow::local_date(cx.now);
    let signed = {
        let (cfg, key, now) = (cfg.clone(), key.clone(), cx.now);
        let number_line = format!("Số: {number}");
        let date_line = trinhky_render::format_place_date(&cx.place, today);
        let (code, name) = (l.agency_code.clone(), l.agency_name.clone());
        cx.registry
            .cpu()
            .run(move || {
                signing::sign_organization(
                    &cfg,
                    &key,
                    &blob.data,
                    &number_line,
                    &date_line,
                    &code,
                    &name,
                    now,
                )
            })
            .await?
    };
    let sha = repo::add_file(
        txn,
        l.document.id,
        l.version.version_no,
        "issued",
        &signed.pdf,
        usize::try_from(file.pages).unwrap_or(0),
        cx.now,
    )
    .await?;
    carry.issued_sha256 = Some(sha.clone());
    let attachments = sign_attachments(txn, cx, &cfg, key, &number).await?;
    Ok(Done {
        attachments,
        pdf_sha256: sha,
        certificate: signed.subject,
        serial: signed.serial,
        signed_at: signed.time,
    })
}

/// Signs every PDF attachment with the document's number; returns their file names.
async fn sign_attachments(
    txn: &DatabaseTransaction,
    cx: &Context<'_>,
    cfg: &Arc<Signing>,
    key: &Arc<LocalSigner>,
    number: &str,
) -> Result<Vec<String>> {
    let l = cx.loaded;
    let mut signed_attachments = Vec::new();
    for a in trinhky_store::attachments::of_document(txn, l.document.id).await? {
        if a.kind != "pdf" {
            continue;
        }
        let blob = trinhky_store::blobs::get(txn, &a.blob_sha256)
            .await?
            .ok_or_else(|| AppError::Internal("attachment blob is missing".into()))?;
        let (c, k, n, name, now) = (
            cfg.clone(),
            key.clone(),
            number.to_owned(),
            l.agency_name.clone(),
            cx.now,
        );
        let signed = cx
            .registry
            .cpu()
            .run(move || signing::sign_attachment(&c, &k, &blob.data, &n, &name, now))
            .await
            .map_err(|e| {
                AppError::Invalid(format!(
                    "Không ký số được phụ lục \"{}\" ({e}): thay tệp PDF này rồi phát hành lại.",
                    a.file_name
                ))
            })?;
        trinhky_store::attachments::set_signed(txn, &cx.actor(), &a, &signed.pdf, number, cx.now)
            .await?;
        signed_attachments.push(a.file_name.clone());
    }
    Ok(signed_attachments)
}
