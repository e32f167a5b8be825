//! PAdES signatures (baseline B-B): a signature field with a visible widget,
//! written as an incremental update so every earlier revision — and every
//! earlier signature — stays byte-for-byte intact.
//!
//! The CMS is built in [`cms`]; the private-key operation is delegated to a
//! [`Signer`]. Appearances (signature image, seal + text) live in
//! [`appearance`]. PDF plumbing (incremental saves, placeholders) lives in
//! [`crate::incremental`], which knows nothing about signatures.

pub mod appearance;
pub mod cms;
pub mod dss;
pub mod signer;
pub mod tsa;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use lopdf::{Object, StringFormat, dictionary};
use openssl::x509::X509;

pub use appearance::SignatureImage;
pub use dss::{add_dss, add_dss_with_ocsp, embedded_certificates, fetch_crls};
pub use signer::{KeyAlgorithm, LocalSigner, Signer};

use crate::incremental::{self, Placeholders};

/// Why a document could not be signed. Nothing is written when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    #[error("the PDF could not be read: {0}")]
    Pdf(String),
    #[error("the PDF is encrypted; decrypt it before signing")]
    Encrypted,
    #[error("page {page} does not exist (the document has {pages} pages)")]
    NoSuchPage { page: u32, pages: usize },
    #[error("an organisation signature needs a valid personal signature first: {0}")]
    NoPersonalSignature(String),
    #[error("the signature image is not a usable PNG: {0}")]
    Image(String),
    #[error("the appearance font could not be embedded: {0}")]
    Font(String),
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    #[error("unsupported key type {0}: use RSA (2048 bits or more) or ECDSA P-256")]
    UnsupportedKey(String),
    #[error("building the CMS signature failed: {0}")]
    Cms(String),
    #[error("the signature ({need} bytes) does not fit the reserved space ({have} bytes)")]
    TooLarge { need: usize, have: usize },
    #[error("{0} is not supported yet")]
    Unsupported(&'static str),
    #[error("the private-key operation failed: {0}")]
    Crypto(String),
    #[error("time-stamping failed: {0}")]
    Timestamp(String),
    #[error("revocation data could not be fetched: {0}")]
    Revocation(String),
}

impl SignError {
    pub(crate) fn openssl(e: openssl::error::ErrorStack) -> Self {
        Self::Crypto(e.to_string())
    }
}

/// Personal signature (the person with authority) or the organisation's
/// signature applied afterwards by the clerk; `Attachment` is the
/// organisation's signature on a phụ lục or attachment issued as a separate
/// file (Nghị định 30/2020, Phụ lục I, II.8b): no image, the number and code
/// and the ISO 8601 signing time in 10 pt black at the top right of page 1,
/// and no personal signature before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    Personal,
    Organization,
    Attachment,
}

/// Where an attachment's organisation signature goes: the top right corner
/// of page 1, inside the decree's margins (20 mm right, 20 mm top), wide
/// enough for "05/BC-SNV" and an ISO 8601 time in 10 pt.
pub fn attachment_placement(pdf: &[u8]) -> Result<Placement, SignError> {
    let doc = lopdf::Document::load_mem(pdf).map_err(|e| SignError::Pdf(e.to_string()))?;
    let page = *doc
        .get_pages()
        .get(&1)
        .ok_or(SignError::NoSuchPage { page: 1, pages: 0 })?;
    let media: Vec<f64> = doc
        .get_object(page)
        .and_then(Object::as_dict)
        .and_then(|d| d.get(b"MediaBox"))
        .and_then(Object::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|o| o.as_float().ok())
                .map(f64::from)
                .collect()
        })
        .unwrap_or_else(|_| vec![0.0, 0.0, 595.28, 841.89]);
    let (x2, y2) = match media[..] {
        [_, _, x, y] => (x, y),
        _ => (595.28, 841.89),
    };
    let mm = 72.0 / 25.4;
    let right = x2 - 20.0 * mm;
    let top = y2 - 20.0 * mm;
    Ok(Placement {
        page: 1,
        rect: [right - 150.0, top - 30.0, right, top],
    })
}

/// Where the widget goes: 1-based page number and rectangle in PDF points
/// (`[x1, y1, x2, y2]`, origin bottom-left). An empty rectangle makes an
/// invisible signature.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    pub page: u32,
    pub rect: [f64; 4],
}

impl Placement {
    /// The organisation's seal rectangle per Nghị định 30/2020: the seal, a
    /// square of `seal_pt` points (36 mm ≈ 102 pt), its right third over the
    /// left of the personal signature's rectangle and vertically centred on
    /// it, plus a band of `text_pt` points below for the name and time
    /// (two 7 pt lines need about 20 pt).
    pub fn seal_over(personal: Placement, seal_pt: f64, text_pt: f64) -> Placement {
        let [x1, y1, _x2, y2] = personal.rect;
        let cy = (y1 + y2) / 2.0;
        let left = x1 - seal_pt * 2.0 / 3.0;
        Placement {
            page: personal.page,
            rect: [
                left,
                cy - seal_pt / 2.0 - text_pt,
                left + seal_pt.max(120.0),
                cy + seal_pt / 2.0,
            ],
        }
    }
}

/// What to sign and how it looks.
#[derive(Clone, Debug)]
pub struct SignOptions {
    pub kind: SignatureKind,
    pub placement: Placement,
    /// Signature (personal) or seal (organisation) image, decoded once.
    pub image: Option<SignatureImage>,
    pub reason: Option<String>,
    pub location: Option<String>,
    /// `/Name`; for an organisation signature also the first line of its text.
    pub name: Option<String>,
    /// Signing time (`/M`, and the organisation's visible ISO 8601 time).
    pub time: DateTime<FixedOffset>,
    /// RFC 3161 time-stamping service (`http://` or `https://`): when set,
    /// the signature gets a signature time-stamp (PAdES B-T).
    pub tsa_url: Option<String>,
    /// Roots the existing personal signature must chain to before an
    /// organisation signature is applied (empty: only integrity is checked).
    pub trust: Vec<X509>,
}

/// Decodes a PDF text string (UTF-16BE with BOM, else PDFDocEncoding read as Latin-1).
pub(crate) fn decode_text(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

/// A PDF text string: PDFDocEncoding-compatible ASCII as is, else UTF-16BE with BOM.
pub(crate) fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut b = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            b.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(b, StringFormat::Literal)
    }
}

/// `D:YYYYMMDDHHmmSS+HH'mm'`.
pub(crate) fn pdf_date(t: &DateTime<FixedOffset>) -> String {
    let off = t.offset().local_minus_utc();
    let sign = if off < 0 { '-' } else { '+' };
    let off = off.abs();
    format!(
        "D:{}{sign}{:02}'{:02}'",
        t.format("%Y%m%d%H%M%S"),
        off / 3600,
        (off % 3600) / 60
    )
}

/// Room reserved for a time-stamp token at first: TSTInfo, the TSA's
/// signature and one or two certificates. A bigger token costs one retry.
const TIMESTAMP_RESERVE: usize = 4096;

/// Sign `pdf`, returning the original bytes followed by one incremental update.
///
/// With `tsa_url`, the TSA is asked for a signature time-stamp (PAdES B-T);
/// if its token does not fit the space reserved for it, the document is
/// signed once more with the exact size (a second request to the TSA).
pub fn sign_pdf(pdf: &[u8], signer: &dyn Signer, opts: &SignOptions) -> Result<Vec<u8>, SignError> {
    if opts.kind == SignatureKind::Organization {
        require_personal_signature(pdf, &opts.trust)?;
    }
    let reserve = estimate_cms_size(signer)
        + if opts.tsa_url.is_some() {
            TIMESTAMP_RESERVE
        } else {
            0
        };
    match sign_reserving(pdf, signer, opts, reserve) {
        Err(SignError::TooLarge { need, .. }) if opts.tsa_url.is_some() => {
            sign_reserving(pdf, signer, opts, (need + 512).div_ceil(256) * 256)
        }
        other => other,
    }
}

fn sign_reserving(
    pdf: &[u8],
    signer: &dyn Signer,
    opts: &SignOptions,
    reserve: usize,
) -> Result<Vec<u8>, SignError> {
    let mut inc = incremental::open(pdf).map_err(|e| SignError::Pdf(e.to_string()))?;
    let prev = inc.get_prev_documents();
    if prev.is_encrypted() || prev.trailer.has(b"Encrypt") {
        return Err(SignError::Encrypted);
    }
    let pages = prev.get_pages();
    let page_id = *pages
        .get(&opts.placement.page)
        .ok_or(SignError::NoSuchPage {
            page: opts.placement.page,
            pages: pages.len(),
        })?;
    let existing = incremental::signature_field_count(prev);

    let mut v = dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "ETSI.CAdES.detached",
    };
    incremental::add_placeholders(&mut v, reserve);
    v.set("M", Object::string_literal(pdf_date(&opts.time)));
    for (key, val) in [
        ("Reason", &opts.reason),
        ("Location", &opts.location),
        ("Name", &opts.name),
    ] {
        if let Some(val) = val {
            v.set(key, text_string(val));
        }
    }
    let doc = &mut inc.new_document;
    let v_id = doc.add_object(v);

    let [x1, y1, x2, y2] = opts.placement.rect;
    let (w, h) = ((x2 - x1).abs(), (y2 - y1).abs());
    let prefix = match opts.kind {
        SignatureKind::Personal => "ChuKyCaNhan",
        SignatureKind::Organization => "ChuKyToChuc",
        SignatureKind::Attachment => "ChuKyToChucPhuLuc",
    };
    let mut widget = dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal(format!("{prefix}{}", existing + 1)),
        "V" => v_id,
        "F" => 4,
        "P" => page_id,
        "Rect" => vec![Object::Real(x1.min(x2) as f32), Object::Real(y1.min(y2) as f32),
                       Object::Real(x1.max(x2) as f32), Object::Real(y1.max(y2) as f32)],
    };
    if w > 0.0 && h > 0.0 {
        let text: Vec<String> = match opts.kind {
            SignatureKind::Personal | SignatureKind::Attachment => Vec::new(),
            SignatureKind::Organization => opts
                .name
                .iter()
                .cloned()
                .chain(std::iter::once(
                    opts.time.to_rfc3339_opts(SecondsFormat::Secs, false),
                ))
                .collect(),
        };
        let ap = match opts.kind {
            // Number/code and time, 10 pt black, no image.
            SignatureKind::Attachment => appearance::build_styled(
                doc,
                w,
                h,
                None,
                &opts
                    .name
                    .iter()
                    .cloned()
                    .chain(std::iter::once(
                        opts.time.to_rfc3339_opts(SecondsFormat::Secs, false),
                    ))
                    .collect::<Vec<_>>(),
                10.0,
                "0 g",
            )?,
            _ => appearance::build(doc, w, h, opts.image.as_ref(), &text)?,
        };
        widget.set("AP", dictionary! { "N" => ap });
    }
    let widget_id = doc.add_object(widget);
    incremental::attach_widget(&mut inc, page_id, widget_id)
        .map_err(|e| SignError::Pdf(e.to_string()))?;

    let mut out = Vec::with_capacity(pdf.len() + reserve * 2 + 64 * 1024);
    inc.save_to(&mut out)
        .map_err(|e| SignError::Pdf(e.to_string()))?;
    let ph = Placeholders::find(&out, pdf.len()).map_err(|e| SignError::Pdf(e.to_string()))?;
    ph.write_byte_range(&mut out);
    let digest = ph.digest(&out);
    let cms = match &opts.tsa_url {
        Some(url) => {
            let stamp = |signature: &[u8]| tsa::timestamp(url, signature);
            cms::build_signed_data_with(&digest, signer, Some(&stamp))?
        }
        None => cms::build_signed_data(&digest, signer)?,
    };
    ph.write_contents(&mut out, &cms)
        .map_err(|have| SignError::TooLarge {
            need: cms.len(),
            have,
        })?;
    Ok(out)
}

/// Bytes to reserve for the CMS: the certificates plus room for the signed
/// attributes (~250 bytes + issuer name), the signature (≤ 512 bytes for
/// RSA-4096) and the SignedData framing. Every reserved byte costs two hex
/// digits that every reader parses, so the margin is kept modest.
fn estimate_cms_size(signer: &dyn Signer) -> usize {
    let cert = signer.certificate_der().len();
    let certs: usize = cert + signer.chain_der().iter().map(Vec::len).sum::<usize>();
    (certs + cert / 2 + 1024).div_ceil(256) * 256
}

fn require_personal_signature(pdf: &[u8], trust: &[X509]) -> Result<(), SignError> {
    let report = crate::verify::verify_pdf(pdf, trust)
        .map_err(|e| SignError::NoPersonalSignature(e.to_string()))?;
    let ok = report
        .signatures
        .iter()
        .any(|s| s.intact && (trust.is_empty() || s.trusted) && !s.revoked());
    if ok {
        Ok(())
    } else if report.signatures.is_empty() {
        Err(SignError::NoPersonalSignature(
            "the document has no signature".into(),
        ))
    } else {
        Err(SignError::NoPersonalSignature(
            "no existing signature is intact and trusted".into(),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn pdf_date_keeps_the_offset() {
        let t = trinhky_domain::time::VN_OFFSET
            .with_ymd_and_hms(2025, 3, 14, 9, 30, 5)
            .unwrap();
        assert_eq!(pdf_date(&t), "D:20250314093005+07'00'");
        assert_eq!(
            t.to_rfc3339_opts(SecondsFormat::Secs, false),
            "2025-03-14T09:30:05+07:00"
        );
    }

    #[test]
    fn text_strings_are_utf16_when_needed() {
        assert_eq!(
            text_string("Ha Noi"),
            Object::String(b"Ha Noi".to_vec(), StringFormat::Literal)
        );
        let Object::String(b, _) = text_string("Hà") else {
            panic!()
        };
        assert_eq!(b, vec![0xFE, 0xFF, 0, b'H', 0, 0xE0]);
    }

    #[test]
    fn seal_overlaps_the_left_third() {
        let p = Placement {
            page: 2,
            rect: [300.0, 500.0, 420.0, 548.0],
        };
        let s = Placement::seal_over(p, 102.0, 20.0);
        assert!((s.rect[0] + 102.0 - 300.0 - 34.0).abs() < 1e-9);
        assert_eq!(s.page, 2);
    }
}
