//! From a document version to the decree's layout: which template a document type uses and the
//! data it receives. The workflow's `render` effect calls [`render_version`] inside the action's
//! transaction and stores the PDF as a blob linked to the document version.

use chrono::NaiveDate;
use trinhky_render::{DocumentData, Renderer, Signer};
use trinhky_store::{Store, accounts, directory};

use crate::documents::Loaded;
use crate::{AppError, Result};

/// The template of a document type (ký hiệu loại văn bản).
pub fn template_for(doc_type: &str) -> &'static str {
    match doc_type {
        "KH" => "ke-hoach",
        "TTr" => "to-trinh",
        "TB" => "thong-bao",
        "QĐ" => "quyet-dinh",
        "CV" => "cong-van",
        _ => "bao-cao",
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| l.trim().trim_start_matches('-').trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The signature block: the signing authority recorded by the engine when someone signed, else
/// the agency head's position (for drafts).
pub async fn signer_block(store: &Store, l: &Loaded) -> Result<Signer> {
    let db = store.db();
    if let (Some(position), Some(id)) = (&l.instance.signing_position, l.instance.signer_id) {
        let name = accounts::user_by_id(db, id)
            .await?
            .map(|u| u.full_name)
            .unwrap_or_default();
        return Ok(Signer {
            authority: l.instance.signing_authority.clone().into_iter().collect(),
            position: position.clone(),
            name,
        });
    }
    let agency = directory::agency_by_code(db, &l.agency_code)
        .await?
        .ok_or_else(|| AppError::Internal("agency vanished".into()))?;
    let head = accounts::agency_members(db, agency.id)
        .await?
        .into_iter()
        .find(|(_, r, _)| *r == trinhky_domain::Role::AgencyHead);
    Ok(Signer {
        authority: Vec::new(),
        position: agency.head_title.to_uppercase(),
        name: head.map(|(u, _, _)| u.full_name).unwrap_or_default(),
    })
}

/// The template data of the loaded version.
pub async fn document_data(
    store: &Store,
    l: &Loaded,
    signer: Signer,
    number: Option<String>,
    date: Option<NaiveDate>,
    draft: bool,
) -> Result<DocumentData> {
    let db = store.db();
    let agency = directory::agency_by_code(db, &l.agency_code)
        .await?
        .ok_or_else(|| AppError::Internal("agency vanished".into()))?;
    let place = directory::settings(db)
        .await?
        .map(|s| s.place)
        .unwrap_or_default();
    Ok(DocumentData {
        parent_body: Some(agency.parent.clone()).filter(|p| !p.is_empty()),
        issuing_body: agency.short_name.clone(),
        number,
        code: if l.document.doc_type == "CV" {
            agency.code.clone()
        } else {
            format!("{}-{}", l.document.doc_type, agency.code)
        },
        place,
        date,
        type_name: None,
        title: l.version.title.clone(),
        addressees: lines(&l.version.addressees),
        decider: None,
        preamble: Vec::new(),
        body: l.version.body.clone(),
        signer,
        recipients: lines(&l.version.recipients),
        draft,
        timestamp: None,
    })
}

/// Renders the loaded version to PDF; returns the bytes and the page count.
pub fn render(
    renderer: &Renderer,
    doc_type: &str,
    data: &DocumentData,
) -> Result<(Vec<u8>, usize)> {
    let (pdf, pages, _) = render_with_slots(renderer, doc_type, data)?;
    Ok((pdf, pages))
}

/// [`render`], and where the number, date and signature boxes are on the pages.
pub fn render_with_slots(
    renderer: &Renderer,
    doc_type: &str,
    data: &DocumentData,
) -> Result<(Vec<u8>, usize, trinhky_render::Slots)> {
    let template = template_for(doc_type);
    let (pdf, slots) = renderer
        .render_pdf_with_slots(template, data)
        .map_err(|e| AppError::Invalid(format!("Không dựng được văn bản: {e}")))?;
    let pages = trinhky_pdf::extract::extract_text(&pdf, Some("document.pdf"))
        .ok()
        .and_then(|x| x.pages)
        .unwrap_or(0);
    Ok((pdf, pages, slots))
}

/// The number of pages of the current version's layout (no rasterising).
pub async fn page_count(store: &Store, renderer: &Renderer, l: &Loaded) -> Result<usize> {
    let signer = signer_block(store, l).await?;
    let number = trinhky_store::numbering::number_of(store.db(), l.document.id)
        .await?
        .map(|n| n.number);
    let draft = number.is_none();
    let data = document_data(store, l, signer, number, None, draft).await?;
    renderer
        .page_count(template_for(&l.document.doc_type), &data)
        .map_err(|e| AppError::Invalid(format!("Không dựng được văn bản: {e}")))
}

/// PNG previews of the current version (one per page), drafts watermarked.
pub async fn preview(
    store: &Store,
    renderer: &Renderer,
    l: &Loaded,
    dpi: f32,
) -> Result<Vec<Vec<u8>>> {
    let signer = signer_block(store, l).await?;
    let number = trinhky_store::numbering::number_of(store.db(), l.document.id)
        .await?
        .map(|n| n.number);
    let draft = number.is_none();
    let data = document_data(store, l, signer, number, None, draft).await?;
    renderer
        .render_png(template_for(&l.document.doc_type), &data, dpi)
        .map_err(|e| AppError::Invalid(format!("Không dựng được bản xem trước: {e}")))
}

/// PNG previews of text the drafter has not saved yet (the live preview of the editor): the
/// current version with `content` in place of its text, rendered the same way. Nothing is
/// stored. Only for someone who may edit the document.
pub async fn preview_unsaved(
    store: &Store,
    registry: &crate::registry::Registry,
    p: &crate::Principal,
    doc_id: i32,
    content: trinhky_store::documents::Content,
    dpi: f32,
) -> Result<Vec<Vec<u8>>> {
    let mut l =
        crate::documents::load(store, registry, p, doc_id, crate::access::Want::Change).await?;
    if !crate::attachments::may_edit(&l, p) {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên soạn thảo xem trước bản chưa lưu khi văn bản đang ở bước dự thảo."
                .into(),
        ));
    }
    let renderer = registry.renderer.as_ref().ok_or_else(|| {
        AppError::Invalid("Máy chủ chưa có mẫu văn bản để dựng bản xem trước.".into())
    })?;
    l.version.title = trinhky_domain::text::nfc(content.title.trim());
    l.version.body = trinhky_domain::text::nfc(&content.body);
    l.version.addressees = trinhky_domain::text::nfc(content.addressees.trim());
    l.version.recipients = trinhky_domain::text::nfc(content.recipients.trim());
    preview(store, renderer, &l, dpi).await
}
