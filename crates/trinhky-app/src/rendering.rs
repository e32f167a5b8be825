//! From a document version to the decree's layout: which template a document type uses and the
//! data it receives. The workflow's `render` effect calls [`render_version`] inside the action's
//! transaction and stores the PDF as a blob linked to the document version.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
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

/// The data the current version is laid out with for previews: the number once assigned, the
/// DỰ THẢO watermark before.
async fn preview_data(store: &Store, l: &Loaded) -> Result<DocumentData> {
    let signer = signer_block(store, l).await?;
    let number = trinhky_store::numbering::number_of(store.db(), l.document.id)
        .await?
        .map(|n| n.number);
    let draft = number.is_none();
    document_data(store, l, signer, number, None, draft).await
}

/// The stored file the preview shows once the document is signed: the newest signed (then
/// issued) file of the current version. `None` while it is a draft (also after it was returned
/// for correction: the signatures are void then), when the layout is shown, watermarked.
async fn signed_file(
    store: &Store,
    l: &Loaded,
) -> Result<Option<trinhky_store::entities::document_file::Model>> {
    if !(l.instance.personal_signed || l.instance.organization_signed) {
        return Ok(None);
    }
    Ok(
        trinhky_store::documents::latest_file(store.db(), l.document.id, None)
            .await?
            .filter(|f| {
                (f.kind == "signed" || f.kind == "issued") && f.version_no == l.version.version_no
            }),
    )
}

/// Page `page` of a stored file (0: only count the pages), through the cache per file.
async fn stored_page(
    store: &Store,
    registry: &crate::registry::Registry,
    l: &Loaded,
    f: &trinhky_store::entities::document_file::Model,
    page: usize,
) -> Result<(Option<Arc<[u8]>>, usize)> {
    let cache = &registry.previews;
    let key = LayoutKey::for_file(l.version.id, &f.blob_sha256, PREVIEW_DPI);
    if let Some(n) = cache.pages(&key) {
        if page == 0 || page > n {
            return Ok((None, n));
        }
        if let Some(png) = cache.page(&key, page) {
            return Ok((Some(png), n));
        }
    }
    let Some(blob) = trinhky_store::blobs::get(store.db(), &f.blob_sha256).await? else {
        return Err(AppError::Internal(format!(
            "stored file {} of document {} is missing",
            f.blob_sha256, l.document.id
        )));
    };
    let r = registry.renderer().clone();
    let wanted = page.max(1);
    let (png, count) = registry
        .cpu()
        .run(move || r.rasterize_pdf_page(blob.data, wanted, PREVIEW_DPI))
        .await
        .map_err(|e| {
            AppError::Invalid(format!("Không dựng được bản xem trước của tệp đã ký: {e}"))
        })?;
    cache.put_pages(key.clone(), count);
    let png = png.map(|png| cache.put_page(key, wanted, png));
    Ok((if page == 0 { None } else { png }, count))
}

/// The number of pages of what the preview shows: the signed file once there is one, else the
/// current version's layout (no rasterising; cached with the pages).
pub async fn page_count(
    store: &Store,
    registry: &crate::registry::Registry,
    l: &Loaded,
) -> Result<usize> {
    if let Some(f) = signed_file(store, l).await? {
        return Ok(stored_page(store, registry, l, &f, 0).await?.1);
    }
    let cache = &registry.previews;
    let data = preview_data(store, l).await?;
    let template = template_for(&l.document.doc_type);
    let key = LayoutKey::new(l.version.id, template, &data, PREVIEW_DPI);
    if let Some(n) = cache.pages(&key) {
        return Ok(n);
    }
    let r = registry.renderer().clone();
    let n = registry
        .cpu()
        .run(move || r.page_count(template, &data))
        .await
        .map_err(|e| AppError::Invalid(format!("Không dựng được văn bản: {e}")))?;
    cache.put_pages(key, n);
    Ok(n)
}

/// The resolution of the preview images.
pub const PREVIEW_DPI: f32 = 96.0;

/// Page `page` (1-based) as PNG; `None` past the last page. Once the document is signed, a page
/// of the signed (then issued) file — signature, seal, number and date as stored; before, the
/// current version laid out, watermarked DỰ THẢO. Only that page is rasterised, on the CPU pool,
/// and kept in `cache` per (version, layout data or file, page): a head paging through a
/// document, or twenty people opening the same one, lays it out once.
pub async fn preview_page(
    store: &Store,
    registry: &crate::registry::Registry,
    l: &Loaded,
    page: usize,
) -> Result<Option<Arc<[u8]>>> {
    if let Some(f) = signed_file(store, l).await? {
        if page == 0 {
            return Ok(None);
        }
        return Ok(stored_page(store, registry, l, &f, page).await?.0);
    }
    let cache = &registry.previews;
    let data = preview_data(store, l).await?;
    let template = template_for(&l.document.doc_type);
    let key = LayoutKey::new(l.version.id, template, &data, PREVIEW_DPI);
    if cache.pages(&key).is_some_and(|n| page == 0 || page > n) {
        return Ok(None);
    }
    if let Some(png) = cache.page(&key, page) {
        return Ok(Some(png));
    }
    if page == 0 {
        return Ok(None);
    }
    let r = registry.renderer().clone();
    let (png, count) = registry
        .cpu()
        .run(move || r.render_png_page(template, &data, PREVIEW_DPI, page))
        .await
        .map_err(|e| AppError::Invalid(format!("Không dựng được bản xem trước: {e}")))?;
    cache.put_pages(key.clone(), count);
    Ok(png.map(|png| cache.put_page(key, page, png)))
}

/// PNG previews of every page of the current version, drafts watermarked (the editor's live
/// preview shows them all). Laid out and rasterised on the CPU pool.
pub async fn preview(
    store: &Store,
    registry: &crate::registry::Registry,
    l: &Loaded,
    dpi: f32,
) -> Result<Vec<Vec<u8>>> {
    let data = preview_data(store, l).await?;
    let template = template_for(&l.document.doc_type);
    let r = registry.renderer().clone();
    registry
        .cpu()
        .run(move || r.render_png(template, &data, dpi))
        .await
        .map_err(|e| AppError::Invalid(format!("Không dựng được bản xem trước: {e}")))
}

/// What a layout depends on: the version, the template, the data it receives (signer, number,
/// watermark …, hashed) and the resolution.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LayoutKey {
    version_id: i32,
    digest: [u8; 32],
}

impl LayoutKey {
    /// The key of a stored file's pages: its content hash and the resolution.
    pub fn for_file(version_id: i32, sha256_hex: &str, dpi: f32) -> LayoutKey {
        let mut h = Sha256::new();
        h.update(b"stored-file\0");
        h.update(sha256_hex.as_bytes());
        h.update(dpi.to_le_bytes());
        LayoutKey {
            version_id,
            digest: h.finalize().into(),
        }
    }

    pub fn new(version_id: i32, template: &str, data: &DocumentData, dpi: f32) -> LayoutKey {
        let mut h = Sha256::new();
        h.update(template.as_bytes());
        h.update([0]);
        h.update(dpi.to_le_bytes());
        // DocumentData serialises to plain JSON; should it ever fail, the key still differs
        // per version and template, and the empty data hashes the same for both lookups.
        h.update(serde_json::to_vec(data).unwrap_or_default());
        LayoutKey {
            version_id,
            digest: h.finalize().into(),
        }
    }
}

/// Default bound of [`PreviewCache`]: 64 MiB of PNG (a page at 96 dpi is 60–150 KB).
pub const PREVIEW_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Rasterised pages per (layout, page), least recently used evicted first once the PNG bytes
/// pass the bound; page counts per layout beside them (a few bytes each, bounded by count).
pub struct PreviewCache {
    inner: Mutex<CacheInner>,
    max_bytes: usize,
}

/// A page of a layout.
type PageKey = (LayoutKey, usize);

#[derive(Default)]
struct CacheInner {
    /// The PNG and when it was last used.
    pages: HashMap<PageKey, (Arc<[u8]>, u64)>,
    order: BTreeMap<u64, PageKey>,
    counts: HashMap<LayoutKey, usize>,
    bytes: usize,
    tick: u64,
}

impl Default for PreviewCache {
    fn default() -> Self {
        PreviewCache::new(PREVIEW_CACHE_BYTES)
    }
}

impl PreviewCache {
    pub fn new(max_bytes: usize) -> PreviewCache {
        PreviewCache {
            inner: Mutex::new(CacheInner::default()),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        // A panic while holding the lock leaves consistent maps (every update is one step).
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached page, marked as just used.
    pub fn page(&self, key: &LayoutKey, page: usize) -> Option<Arc<[u8]>> {
        let mut c = self.lock();
        c.tick += 1;
        let tick = c.tick;
        let k = (key.clone(), page);
        let (png, old) = c.pages.get_mut(&k).map(|(png, t)| {
            let old = *t;
            *t = tick;
            (png.clone(), old)
        })?;
        c.order.remove(&old);
        c.order.insert(tick, k);
        Some(png)
    }

    /// Keeps a page, evicting the least recently used ones beyond the bound.
    pub fn put_page(&self, key: LayoutKey, page: usize, png: Vec<u8>) -> Arc<[u8]> {
        let png: Arc<[u8]> = png.into();
        if png.len() > self.max_bytes {
            return png;
        }
        let mut c = self.lock();
        c.tick += 1;
        let tick = c.tick;
        let k = (key, page);
        if let Some((old, t)) = c.pages.insert(k.clone(), (png.clone(), tick)) {
            c.bytes -= old.len();
            c.order.remove(&t);
        }
        c.order.insert(tick, k);
        c.bytes += png.len();
        while c.bytes > self.max_bytes {
            let Some((_, oldest)) = c.order.pop_first() else {
                break;
            };
            if let Some((old, _)) = c.pages.remove(&oldest) {
                c.bytes -= old.len();
            }
        }
        png
    }

    /// The cached page count of a layout.
    pub fn pages(&self, key: &LayoutKey) -> Option<usize> {
        self.lock().counts.get(key).copied()
    }

    pub fn put_pages(&self, key: LayoutKey, count: usize) {
        let mut c = self.lock();
        if c.counts.len() >= 10_000 {
            c.counts.clear();
        }
        c.counts.insert(key, count);
    }

    /// Bytes of PNG held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Forgets everything (memory pressure, tests).
    pub fn clear(&self) {
        *self.lock() = CacheInner::default();
    }
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
    l.version.title = trinhky_domain::text::nfc(content.title.trim());
    l.version.body = trinhky_domain::text::nfc(&content.body);
    l.version.addressees = trinhky_domain::text::nfc(content.addressees.trim());
    l.version.recipients = trinhky_domain::text::nfc(content.recipients.trim());
    preview(store, registry, &l, dpi).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(v: i32) -> LayoutKey {
        LayoutKey {
            version_id: v,
            digest: [0; 32],
        }
    }

    #[test]
    fn the_cache_evicts_the_least_recently_used_page_by_bytes() {
        let c = PreviewCache::new(300);
        c.put_page(key(1), 1, vec![1; 100]);
        c.put_page(key(1), 2, vec![2; 100]);
        c.put_page(key(2), 1, vec![3; 100]);
        assert!(c.page(&key(1), 1).is_some()); // now the most recent
        c.put_page(key(3), 1, vec![4; 100]);
        assert_eq!(c.bytes(), 300);
        assert!(c.page(&key(1), 2).is_none(), "the oldest went");
        assert!(c.page(&key(1), 1).is_some());
        assert!(c.page(&key(2), 1).is_some());
        assert_eq!(&*c.page(&key(3), 1).unwrap(), &[4; 100][..]);
        // Too large for the whole cache: returned, not kept.
        c.put_page(key(4), 1, vec![5; 400]);
        assert!(c.page(&key(4), 1).is_none());
        assert_eq!(c.bytes(), 300);
    }

    #[test]
    fn the_layout_key_follows_the_data() {
        let d = DocumentData {
            parent_body: None,
            issuing_body: "SỞ NỘI VỤ".into(),
            number: None,
            code: "BC-SNV".into(),
            place: "Gia Nghĩa".into(),
            date: None,
            type_name: None,
            title: "t".into(),
            addressees: vec![],
            decider: None,
            preamble: vec![],
            body: "b".into(),
            signer: Signer {
                authority: vec![],
                position: "GIÁM ĐỐC".into(),
                name: "A".into(),
            },
            recipients: vec![],
            draft: true,
            timestamp: None,
        };
        let mut numbered = d.clone();
        numbered.number = Some("05".into());
        numbered.draft = false;
        let a = LayoutKey::new(1, "bao-cao", &d, 96.0);
        assert_eq!(a, LayoutKey::new(1, "bao-cao", &d, 96.0));
        assert_ne!(a, LayoutKey::new(1, "bao-cao", &numbered, 96.0));
        assert_ne!(a, LayoutKey::new(2, "bao-cao", &d, 96.0));
        assert_ne!(a, LayoutKey::new(1, "bao-cao", &d, 150.0));
    }
}
