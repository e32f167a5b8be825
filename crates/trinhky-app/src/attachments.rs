//! Attachments of a document (tệp đính kèm, phụ lục): upload while the document is editable by
//! the caller, list and download for whoever may read the document (and the recipients of the
//! issued document), delete while editable. Only PDF, DOCX and XLSX are accepted, recognised by
//! their content — a renamed program is refused whatever its name says.

use std::io::{Cursor, Read};

use chrono::{DateTime, Utc};
use serde::Serialize;
use trinhky_store::attachments::{self as repo, NewAttachment};
use trinhky_store::entities::document_attachment;
use trinhky_store::{Store, accounts};

use crate::documents::{self, Loaded};
use crate::registry::Registry;
use crate::{AppError, Principal, Result};

/// The accepted kinds of attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Pdf,
    Docx,
    Xlsx,
}

impl Kind {
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The name shown in the list ("PDF", "Word", "Excel").
    pub fn label(self) -> &'static str {
        match self {
            Kind::Pdf => "PDF",
            Kind::Docx => "Word (DOCX)",
            Kind::Xlsx => "Excel (XLSX)",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "pdf" => Some(Kind::Pdf),
            "docx" => Some(Kind::Docx),
            "xlsx" => Some(Kind::Xlsx),
            _ => None,
        }
    }
}

const ACCEPTED: &str = "Chỉ nhận tệp PDF, Word (.docx) hoặc Excel (.xlsx)";

/// Recognises the kind of a file from its content: the PDF header, or an OOXML package (a zip
/// whose `[Content_Types].xml` declares the main part of a Word document or an Excel workbook,
/// and which holds that part under `word/` or `xl/`).
pub fn detect(data: &[u8]) -> std::result::Result<Kind, String> {
    if data.starts_with(b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if !data.starts_with(b"PK\x03\x04") {
        return Err(format!(
            "{ACCEPTED}; nội dung tệp này không phải PDF, DOCX hay XLSX (đổi tên tệp không làm thay đổi loại tệp)."
        ));
    }
    let not_office = || {
        format!(
            "{ACCEPTED}; tệp nén này không phải văn bản Word hay bảng tính Excel (thiếu [Content_Types].xml hoặc phần word/, xl/)."
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(data)).map_err(|_| not_office())?;
    let mut types = String::new();
    zip.by_name("[Content_Types].xml")
        .map_err(|_| not_office())?
        .take(1024 * 1024)
        .read_to_string(&mut types)
        .map_err(|_| not_office())?;
    let has = |prefix: &str| zip.file_names().flatten().any(|n| n.starts_with(prefix));
    if types.contains("wordprocessingml.document.main+xml") && has("word/") {
        return Ok(Kind::Docx);
    }
    if types.contains("spreadsheetml.sheet.main+xml") && has("xl/") {
        return Ok(Kind::Xlsx);
    }
    Err(not_office())
}

/// A file name safe to store and to send back in a header: the last path component, NFC,
/// without control or reserved characters, at most 120 characters, ending in the extension of
/// its kind. A name that claims another accepted kind is refused.
pub fn sanitize_name(raw: &str, kind: Kind) -> std::result::Result<String, String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = trinhky_domain::text::nfc(base)
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .collect();
    let mut name = cleaned
        .trim()
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned();
    if name.is_empty() {
        name = "tep-dinh-kem".into();
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if let Some(claimed) = Kind::parse(&ext) {
        if claimed != kind {
            return Err(format!(
                "Tệp \"{name}\" mang đuôi .{ext} nhưng nội dung là {}: đặt lại đúng đuôi .{} rồi tải lên lại.",
                kind.label(),
                kind.extension()
            ));
        }
    } else {
        name = format!("{name}.{}", kind.extension());
    }
    if name.chars().count() > 120 {
        let stem: String = name.chars().take(110).collect();
        name = format!("{}.{}", stem.trim_end(), kind.extension());
    }
    Ok(name)
}

/// Whether `p` may change the document now: its drafter, while the workflow is at a drafter's
/// step (draft, returned). The same rule as editing the text.
pub fn may_edit(l: &Loaded, p: &Principal) -> bool {
    l.document.drafter_id == p.user.id
        && l.definition
            .state(&l.instance.state)
            .is_some_and(|s| s.role == Some(trinhky_domain::workflow::ActorRole::Drafter))
}

/// An attachment as pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: i32,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub media_type: String,
    pub size: i64,
    pub size_label: String,
    pub uploader: String,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_at_vn: String,
    /// Signed by the organisation at issuing (a PDF phụ lục).
    pub signed: bool,
}

/// "1,5 MB", "820 KB", "312 B".
pub fn size_label(n: i64) -> String {
    const KB: f64 = 1024.0;
    let f = n as f64;
    if f >= KB * KB {
        format!("{:.1} MB", f / (KB * KB)).replace('.', ",")
    } else if f >= KB {
        format!("{:.0} KB", f / KB)
    } else {
        format!("{n} B")
    }
}

async fn views(
    store: &Store,
    rows: Vec<document_attachment::Model>,
) -> Result<Vec<AttachmentView>> {
    let mut ids: Vec<i32> = rows.iter().map(|r| r.uploaded_by).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for id in ids {
        if let Some(u) = accounts::user_by_id(store.db(), id).await? {
            names.insert(id, u.full_name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let kind = Kind::parse(&r.kind);
            AttachmentView {
                id: r.id,
                kind_label: kind.map_or(r.kind.clone(), |k| k.label().to_owned()),
                kind: r.kind,
                media_type: r.media_type,
                size: r.size,
                size_label: size_label(r.size),
                uploader: names.get(&r.uploaded_by).cloned().unwrap_or_default(),
                uploaded_at: r.uploaded_at,
                uploaded_at_vn: crate::incoming::vn_time(r.uploaded_at),
                signed: r.signed_sha256.is_some(),
                name: r.file_name,
            }
        })
        .collect())
}

/// The attachments of a document the caller may read.
pub async fn list(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
) -> Result<Vec<AttachmentView>> {
    let l = documents::load(store, registry, p, doc_id, crate::access::Want::IssuedCopy).await?;
    of_loaded(store, &l).await
}

/// The attachments of an already loaded (and so authorised) document.
pub async fn of_loaded(store: &Store, l: &Loaded) -> Result<Vec<AttachmentView>> {
    views(store, repo::of_document(store.db(), l.document.id).await?).await
}

/// Adds a file to a document the caller may edit; the upload and its audit event are one
/// transaction.
#[allow(clippy::too_many_arguments)]
pub async fn upload(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    file_name: &str,
    data: &[u8],
    max_bytes: usize,
    now: DateTime<Utc>,
) -> Result<AttachmentView> {
    let l = documents::load(store, registry, p, doc_id, crate::access::Want::Change).await?;
    if !may_edit(&l, p) {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên soạn thảo được đính kèm tệp khi văn bản đang ở bước dự thảo.".into(),
        ));
    }
    if data.is_empty() {
        return Err(AppError::Invalid(
            "Chưa chọn tệp, hoặc tệp rỗng: chọn một tệp PDF, DOCX hoặc XLSX để đính kèm.".into(),
        ));
    }
    if data.len() > max_bytes {
        return Err(AppError::TooLarge(format!(
            "Tệp \"{}\" ({}) lớn hơn giới hạn {} cho mỗi tệp đính kèm: nén hoặc tách tệp rồi tải lên lại.",
            file_name,
            size_label(i64::try_from(data.len()).unwrap_or(i64::MAX)),
            size_label(i64::try_from(max_bytes).unwrap_or(i64::MAX)),
        )));
    }
    let kind = detect(data)
        .map_err(|m| AppError::Invalid(format!("Không nhận tệp \"{file_name}\": {m}")))?;
    if kind == Kind::Pdf {
        // It is signed at issuing: a PDF we cannot read would block issuing later; say so now.
        let copy = data.to_vec();
        registry.cpu().run(move || trinhky_pdf::sign::attachment_placement(&copy).map(|_| ()))
            .await
            .map_err(|e| {
            AppError::Invalid(format!(
                "Tệp PDF \"{file_name}\" bị hỏng hoặc không đọc được ({e}): xuất lại tệp PDF rồi tải lên."
            ))
        })?;
    }
    let name = sanitize_name(file_name, kind).map_err(AppError::Invalid)?;
    let txn = store.begin_write().await?;
    let m = repo::add(
        &txn,
        &p.actor(),
        &NewAttachment {
            document_id: l.document.id,
            file_name: &name,
            media_type: kind.media_type(),
            kind: kind.extension(),
            data,
            uploaded_by: p.user.id,
        },
        now,
    )
    .await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    views(store, vec![m])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("attachment vanished".into()))
}

/// Removes an attachment while the caller may edit the document.
pub async fn delete(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    attachment_id: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    let l = documents::load(store, registry, p, doc_id, crate::access::Want::Change).await?;
    if !may_edit(&l, p) {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên soạn thảo được xóa tệp đính kèm khi văn bản đang ở bước dự thảo."
                .into(),
        ));
    }
    let txn = store.begin_write().await?;
    let found = repo::delete(&txn, &p.actor(), l.document.id, attachment_id, now).await?;
    if !found {
        return Err(AppError::Invalid(format!(
            "Văn bản không có tệp đính kèm số {attachment_id} (có thể đã bị xóa)."
        )));
    }
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(())
}

/// A file to send back: name, media type, bytes.
pub struct Download {
    pub name: String,
    pub media_type: String,
    pub data: Vec<u8>,
}

async fn download_of(store: &Store, doc_id: i32, attachment_id: i32) -> Result<Download> {
    let m = repo::by_id(store.db(), doc_id, attachment_id)
        .await?
        .ok_or_else(|| {
            AppError::Invalid(format!("Văn bản không có tệp đính kèm số {attachment_id}."))
        })?;
    // The organisation-signed copy once the document is issued.
    let sha = m.signed_sha256.as_deref().unwrap_or(&m.blob_sha256);
    let blob = trinhky_store::blobs::get(store.db(), sha)
        .await?
        .ok_or_else(|| AppError::Internal(format!("attachment blob {sha} is missing")))?;
    Ok(Download {
        name: m.file_name,
        media_type: m.media_type,
        data: blob.data,
    })
}

/// An attachment of a document the caller may read.
pub async fn download(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    attachment_id: i32,
) -> Result<Download> {
    let l = documents::load(store, registry, p, doc_id, crate::access::Want::IssuedCopy).await?;
    download_of(store, l.document.id, attachment_id).await
}

/// The attachments of an incoming document (văn bản đến), for whoever may see that row.
pub async fn of_incoming(
    store: &Store,
    p: &Principal,
    incoming_id: i32,
) -> Result<Vec<AttachmentView>> {
    let d = crate::incoming::detail(store, p, incoming_id).await?;
    crate::incoming::may_have_copy(&d)?;
    of_detail(store, &d).await
}

/// The attachments of an incoming document already shown to the caller.
pub async fn of_detail(store: &Store, d: &crate::incoming::Detail) -> Result<Vec<AttachmentView>> {
    views(
        store,
        repo::of_document(store.db(), d.row.document_id).await?,
    )
    .await
}

/// One attachment of an incoming document.
pub async fn download_incoming(
    store: &Store,
    p: &Principal,
    incoming_id: i32,
    attachment_id: i32,
) -> Result<Download> {
    let d = crate::incoming::detail(store, p, incoming_id).await?;
    crate::incoming::may_have_copy(&d)?;
    download_of(store, d.row.document_id, attachment_id).await
}

/// What the dispatch e-mail of a document carries besides the signed document: each attachment,
/// the organisation-signed copy for a PDF.
pub async fn for_mail<C: sea_orm::ConnectionTrait>(
    conn: &C,
    doc_id: i32,
) -> Result<Vec<(String, String, Vec<u8>)>> {
    let mut out = Vec::new();
    for m in repo::of_document(conn, doc_id).await? {
        let sha = m.signed_sha256.as_deref().unwrap_or(&m.blob_sha256);
        if let Some(b) = trinhky_store::blobs::get(conn, sha).await? {
            out.push((m.file_name, m.media_type, b.data));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    fn zip_with(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in files {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const DOCX_TYPES: &str = r#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

    #[test]
    fn kinds_are_recognised_by_content() {
        assert_eq!(detect(b"%PDF-1.7\n..."), Ok(Kind::Pdf));
        let docx = zip_with(&[
            ("[Content_Types].xml", DOCX_TYPES),
            ("word/document.xml", "<w:document/>"),
        ]);
        assert_eq!(detect(&docx), Ok(Kind::Docx));
        let xlsx = crate::incoming::xlsx("Sheet1", &["a"], &[vec!["1".into()]]).unwrap();
        assert_eq!(detect(&xlsx), Ok(Kind::Xlsx));
    }

    #[test]
    fn programs_and_plain_zips_are_refused() {
        let e = detect(b"MZ\x90\x00\x03\x00\x00\x00").unwrap_err();
        assert!(e.contains("không phải PDF, DOCX hay XLSX"), "{e}");
        let plain = zip_with(&[("readme.txt", "hi")]);
        assert!(detect(&plain).unwrap_err().contains("[Content_Types].xml"));
        // Declares a Word document but has no word/ part.
        let fake = zip_with(&[("[Content_Types].xml", DOCX_TYPES), ("x.bin", "")]);
        assert!(detect(&fake).is_err());
        assert!(detect(b"").is_err());
    }

    #[test]
    fn names_are_sanitised_and_match_their_kind() {
        assert_eq!(
            sanitize_name("C:\\Users\\a\\Phụ lục 1.pdf", Kind::Pdf).unwrap(),
            "Phụ lục 1.pdf"
        );
        assert_eq!(
            sanitize_name("../../etc/bang\"<x>.xlsx", Kind::Xlsx).unwrap(),
            "bangx.xlsx"
        );
        assert_eq!(sanitize_name("", Kind::Pdf).unwrap(), "tep-dinh-kem.pdf");
        assert_eq!(
            sanitize_name("setup.exe", Kind::Pdf).unwrap(),
            "setup.exe.pdf"
        );
        assert!(sanitize_name("so-lieu.xlsx", Kind::Pdf).is_err());
        let long = "a".repeat(300) + ".pdf";
        let n = sanitize_name(&long, Kind::Pdf).unwrap();
        assert!(n.chars().count() <= 120 && n.ends_with(".pdf"));
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_label(312), "312 B");
        assert_eq!(size_label(840 * 1024), "840 KB");
        assert_eq!(size_label(1536 * 1024), "1,5 MB");
    }
}
