//! Boxes filled after the person with authority has signed: the clerk's number ("Số: 05/BC-SNV")
//! and the issuing date.
//!
//! Nghị định 30/2020 has the head sign first and the clerk (văn thư) number and date the document
//! afterwards. Drawing into the page after the first signature would break it (validators report
//! illegal modifications), and re-rendering would change what the head signed. So, before the head
//! signs, [`add_text_fields`] puts read-only, empty text fields over the number and date lines; at
//! issuing, [`fill_text_fields`] sets their values and appearances. Filling existing form fields is
//! the change a PAdES approval signature permits ("form filling"), and the organisation's signature
//! that follows covers the filled values.

use lopdf::{Dictionary, Object, ObjectId, Stream, dictionary};

use crate::incremental::{self, resolve};
use crate::sign::SignError;
use crate::sign::appearance::{Face, embed_face, encode, fmt};
use crate::sign::text_string;

/// An empty text field to create: its name (`/T`), 1-based page and rectangle in PDF points.
#[derive(Clone, Debug, PartialEq)]
pub struct TextField {
    pub name: String,
    pub page: u32,
    pub rect: [f64; 4],
}

/// A value for an existing text field, drawn centred in its rectangle over a white background
/// (which hides the blank placeholder line the renderer printed beneath it).
#[derive(Clone, Debug, PartialEq)]
pub struct Fill {
    pub name: String,
    pub value: String,
    pub size: f64,
    pub italic: bool,
}

fn pdf_err(e: impl std::fmt::Display) -> SignError {
    SignError::Pdf(e.to_string())
}

/// Appends an incremental update with one empty, read-only text field per entry. Refused on a
/// signed document (fields must exist before the first signature).
pub fn add_text_fields(pdf: &[u8], fields: &[TextField]) -> Result<Vec<u8>, SignError> {
    let mut inc = incremental::open(pdf).map_err(pdf_err)?;
    let prev = inc.get_prev_documents();
    if prev.is_encrypted() || prev.trailer.has(b"Encrypt") {
        return Err(SignError::Encrypted);
    }
    if incremental::signature_field_count(prev) > 0 {
        return Err(SignError::Pdf(
            "text fields must be added before the first signature".into(),
        ));
    }
    let pages = prev.get_pages();
    for f in fields {
        let page_id = *pages.get(&f.page).ok_or(SignError::NoSuchPage {
            page: f.page,
            pages: pages.len(),
        })?;
        let [x1, y1, x2, y2] = f.rect;
        let (w, h) = ((x2 - x1).abs(), (y2 - y1).abs());
        let doc = &mut inc.new_document;
        let empty = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), Object::Real(w as f32), Object::Real(h as f32)],
                "Resources" => Dictionary::new(),
            },
            Vec::new(),
        ));
        let widget = doc.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "Widget",
            "FT" => "Tx",
            "T" => text_string(&f.name),
            "Ff" => 1, // ReadOnly: only trinhky fills it, at issuing
            "F" => 4,
            "P" => page_id,
            "DA" => Object::string_literal("/Helv 13 Tf 0 g"),
            "Q" => 1,
            "V" => Object::string_literal(""),
            "Rect" => vec![Object::Real(x1.min(x2) as f32), Object::Real(y1.min(y2) as f32),
                           Object::Real(x1.max(x2) as f32), Object::Real(y1.max(y2) as f32)],
            "AP" => dictionary! { "N" => empty },
        });
        incremental::attach_widget(&mut inc, page_id, widget).map_err(pdf_err)?;
    }
    let mut out = Vec::with_capacity(pdf.len() + 4096);
    inc.save_to(&mut out).map_err(pdf_err)?;
    Ok(out)
}

/// Names of the text fields in `pdf` with their current values.
pub fn text_fields(pdf: &[u8]) -> Result<Vec<(String, String)>, SignError> {
    let doc = lopdf::Document::load_mem(pdf).map_err(pdf_err)?;
    Ok(find_fields(&doc)
        .into_iter()
        .filter_map(|(id, name)| {
            let d = doc.get_object(id).ok()?.as_dict().ok()?;
            let v = match d.get(b"V").ok().map(|o| resolve(&doc, o)) {
                Some(Object::String(b, _)) => crate::sign::decode_text(b),
                _ => String::new(),
            };
            Some((name, v))
        })
        .collect())
}

fn find_fields(doc: &lopdf::Document) -> Vec<(ObjectId, String)> {
    let Some(fields) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|o| resolve(doc, o).as_dict().ok())
        .and_then(|f| f.get(b"Fields").ok())
        .and_then(|o| resolve(doc, o).as_array().ok())
    else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|f| {
            let id = f.as_reference().ok()?;
            let d = doc.get_object(id).ok()?.as_dict().ok()?;
            if d.get(b"FT").ok().and_then(|o| o.as_name().ok()) != Some(b"Tx") {
                return None;
            }
            let name = match d.get(b"T").ok()? {
                Object::String(b, _) => crate::sign::decode_text(b),
                _ => return None,
            };
            Some((id, name))
        })
        .collect()
}

/// Appends an incremental update setting each named text field's value and appearance. Every
/// name must exist (the error names the missing one); nothing else in the document changes.
pub fn fill_text_fields(pdf: &[u8], fills: &[Fill]) -> Result<Vec<u8>, SignError> {
    let mut inc = incremental::open(pdf).map_err(pdf_err)?;
    let prev = inc.get_prev_documents();
    if prev.is_encrypted() || prev.trailer.has(b"Encrypt") {
        return Err(SignError::Encrypted);
    }
    let existing = find_fields(prev);
    let mut targets = Vec::with_capacity(fills.len());
    for f in fills {
        let id = existing
            .iter()
            .find(|(_, n)| *n == f.name)
            .map(|(id, _)| *id)
            .ok_or_else(|| {
                SignError::Pdf(format!(
                    "the document has no text field {:?} to fill (it was rendered before numbering existed: re-render and sign it again)",
                    f.name
                ))
            })?;
        let rect: Vec<f64> = prev
            .get_object(id)
            .and_then(Object::as_dict)
            .and_then(|d| d.get(b"Rect"))
            .and_then(Object::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.as_float().ok())
                    .map(f64::from)
                    .collect()
            })
            .map_err(pdf_err)?;
        let [x1, y1, x2, y2] = rect[..] else {
            return Err(SignError::Pdf(format!("field {:?} has no /Rect", f.name)));
        };
        targets.push((id, f, (x2 - x1).abs(), (y2 - y1).abs()));
    }
    for (id, f, w, h) in targets {
        inc.opt_clone_object_to_new_document(id).map_err(pdf_err)?;
        let doc = &mut inc.new_document;
        let face = if f.italic {
            Face::Italic
        } else {
            Face::Regular
        };
        let (font, map) = embed_face(doc, face, &f.value)?;
        let (hex, tw) = encode(&map, &f.value, f.size);
        let x = ((w - tw) / 2.0).max(0.0);
        let y = (h - f.size) / 2.0 + f.size * 0.22;
        let content = format!(
            "1 g 0 0 {} {} re f\nBT 0 g /F1 {} Tf {} {} Td <{hex}> Tj ET\n",
            fmt(w),
            fmt(h),
            fmt(f.size),
            fmt(x),
            fmt(y)
        );
        let ap = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), Object::Real(w as f32), Object::Real(h as f32)],
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            },
            content.into_bytes(),
        ));
        let d = doc
            .get_object_mut(id)
            .and_then(Object::as_dict_mut)
            .map_err(pdf_err)?;
        d.set("V", text_string(&f.value));
        d.set("AP", dictionary! { "N" => ap });
    }
    let mut out = Vec::with_capacity(pdf.len() + 32 * 1024);
    inc.save_to(&mut out).map_err(pdf_err)?;
    Ok(out)
}

/// Every signature widget: field name, 1-based page and `/Rect`, in the order of `/AcroForm
/// /Fields` (so the personal signature comes first). The organisation's seal is placed over the
/// personal signature found here.
pub fn signature_widgets(pdf: &[u8]) -> Result<Vec<(String, u32, [f64; 4])>, SignError> {
    let doc = lopdf::Document::load_mem(pdf).map_err(pdf_err)?;
    let pages = doc.get_pages();
    let Some(fields) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").ok())
        .and_then(|o| resolve(&doc, o).as_dict().ok())
        .and_then(|f| f.get(b"Fields").ok())
        .and_then(|o| resolve(&doc, o).as_array().ok())
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for f in fields {
        let Ok(d) = resolve(&doc, f).as_dict() else {
            continue;
        };
        if d.get(b"FT").ok().and_then(|o| o.as_name().ok()) != Some(b"Sig") {
            continue;
        }
        let name = match d.get(b"T") {
            Ok(Object::String(b, _)) => crate::sign::decode_text(b),
            _ => String::new(),
        };
        let page = d
            .get(b"P")
            .ok()
            .and_then(|p| p.as_reference().ok())
            .and_then(|p| pages.iter().find(|(_, id)| **id == p).map(|(n, _)| *n))
            .unwrap_or(1);
        let r: Vec<f64> = d
            .get(b"Rect")
            .ok()
            .and_then(|o| resolve(&doc, o).as_array().ok())
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.as_float().ok())
                    .map(f64::from)
                    .collect()
            })
            .unwrap_or_default();
        if let [x1, y1, x2, y2] = r[..] {
            out.push((name, page, [x1, y1, x2, y2]));
        }
    }
    Ok(out)
}
