//! What the document page and the API show beside the workflow: the versions, the number and
//! recall in the outgoing register, the drafters a document can be handed to, the newest file
//! and its verified signatures, the caller's own incoming row. Read-only; the rights were
//! checked when the document was loaded ([`crate::documents::load`]).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::Role;
use trinhky_store::{Store, accounts, blobs, documents, incoming, numbering};

use crate::documents::Loaded;
use crate::signing::{SignatureView, Signing};
use crate::{Principal, Result};

/// One saved version of the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionLine {
    pub no: i32,
    pub title: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// The document's versions, oldest first.
pub async fn versions(store: &Store, l: &Loaded) -> Result<Vec<VersionLine>> {
    Ok(documents::versions(store.db(), l.document.id)
        .await?
        .into_iter()
        .map(|v| VersionLine {
            no: v.version_no,
            title: v.title,
            note: v.note,
            created_at: v.created_at,
        })
        .collect())
}

/// The drafters of the document's agency it can be reassigned to (username, name): everyone
/// holding the drafter role there except the current drafter.
pub async fn other_drafters(store: &Store, l: &Loaded) -> Result<Vec<(String, String)>> {
    Ok(accounts::agency_members(store.db(), l.document.agency_id)
        .await?
        .into_iter()
        .filter(|(u, r, _)| *r == Role::Drafter && u.id != l.document.drafter_id)
        .map(|(u, _, _)| (u.username, u.full_name))
        .collect())
}

/// The document's entry in the outgoing register (sổ văn bản đi).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumberEntry {
    pub number: String,
    pub issued_on: NaiveDate,
    pub recalled_at: Option<DateTime<Utc>>,
    pub recall_reason: Option<String>,
}

/// The number the document was issued under, if it was.
pub async fn number(store: &Store, document_id: i32) -> Result<Option<NumberEntry>> {
    Ok(numbering::number_of(store.db(), document_id)
        .await?
        .map(|e| NumberEntry {
            number: e.number,
            issued_on: e.issued_on,
            recalled_at: e.recalled_at,
            recall_reason: e.recall_reason,
        }))
}

/// A stored PDF of the document with its bytes.
#[derive(Debug, Clone)]
pub struct PdfFile {
    /// `rendered`, `signed` or `issued`.
    pub kind: String,
    pub data: Vec<u8>,
}

/// The newest file the caller may download: the newest rendered or signed file of the working
/// document, or for a recipient the issued one. None also when its bytes are missing.
pub async fn newest_file(store: &Store, l: &Loaded) -> Result<Option<PdfFile>> {
    let kind = if l.standing.working() {
        None
    } else {
        Some("issued")
    };
    let Some(f) = documents::latest_file(store.db(), l.document.id, kind).await? else {
        return Ok(None);
    };
    Ok(blobs::get(store.db(), &f.blob_sha256)
        .await?
        .map(|b| PdfFile {
            kind: f.kind,
            data: b.data,
        }))
}

/// Whether the document has a PDF yet, and the signatures of its newest file verified against
/// the configured roots (on the CPU pool, or the outcome cached for this file and trust
/// configuration; none for an unsigned file; the file's bytes are read only when it is signed
/// and not cached).
pub async fn newest_signatures(
    store: &Store,
    signing: &Arc<Signing>,
    l: &Loaded,
) -> Result<(bool, Vec<SignatureView>)> {
    let Some(f) = documents::latest_file(store.db(), l.document.id, None).await? else {
        return Ok((false, Vec::new()));
    };
    let signed = f.kind == "signed" || f.kind == "issued";
    let sigs = if signed {
        crate::verification::verify_blob(store, signing, &f.blob_sha256).await?
    } else {
        Vec::new()
    };
    Ok((true, sigs))
}

/// The caller's own incoming row of the document (where the caller is a clerk of a recipient
/// agency), to link to its register entry.
pub async fn own_incoming_row(
    store: &Store,
    p: &Principal,
    document_id: i32,
) -> Result<Option<i32>> {
    Ok(incoming::of_document(store.db(), document_id)
        .await?
        .into_iter()
        .find(|r| {
            p.memberships
                .iter()
                .any(|m| m.agency_id == r.agency_id && m.role == Role::Clerk)
        })
        .map(|r| r.id))
}
