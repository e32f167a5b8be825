//! The signature fields of a form, walked with cycle detection, and lopdf's
//! whole-file parse with its streams bounded (issue #15: a /Kids cycle with
//! fan-out once made this walk take minutes and gigabytes).

use std::collections::HashSet;

use lopdf::{Document, Object};

use super::{Lookup, name};

/// lopdf's whole-file parse, each stream inflated to at most
/// [`crate::limits::STREAM_LIMIT`].
pub(super) fn load_bounded(pdf: &[u8]) -> Result<Document, lopdf::Error> {
    let options = lopdf::LoadOptions::with_max_decompressed_size(crate::limits::STREAM_LIMIT);
    Document::load_mem_with_options(pdf, options)
}

fn pdf_text(b: &[u8]) -> String {
    if b.starts_with(&[0xFE, 0xFF]) {
        let u: Vec<u16> = b[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&u)
    } else {
        String::from_utf8_lossy(b).into_owned()
    }
}

/// Longest fully qualified field name followed (a deeper form is cut off).
const MAX_FIELD_NAME: usize = 4096;

/// (field name, signature dictionary) for every signed signature field.
pub(super) fn signature_fields(l: &dyn Lookup) -> Vec<(String, lopdf::Dictionary)> {
    let mut out = Vec::new();
    let Some(cat) = l.catalog() else { return out };
    let Some(form) = cat
        .get(b"AcroForm")
        .ok()
        .and_then(|f| l.resolve(f).as_dict().ok().cloned())
    else {
        return out;
    };
    let Some(fields) = form
        .get(b"Fields")
        .ok()
        .and_then(|f| l.resolve(f).as_array().ok().cloned())
    else {
        return out;
    };
    let mut stack: Vec<(Object, String)> = fields.into_iter().map(|f| (f, String::new())).collect();
    // Each field once (a /Kids cycle, or a field listed twice), and a bounded
    // walk: names grow with depth, so a deep tree is cut off too.
    let mut visited = HashSet::new();
    let mut steps = 0usize;
    while let Some((f, parent)) = stack.pop() {
        steps += 1;
        if steps > crate::limits::WALK_LIMIT {
            break;
        }
        if parent.len() > MAX_FIELD_NAME {
            continue;
        }
        if let Object::Reference(id) = f
            && !visited.insert(id)
        {
            continue;
        }
        let Ok(d) = l.resolve(&f).as_dict().cloned() else {
            continue;
        };
        let t = d
            .get(b"T")
            .ok()
            .and_then(|t| t.as_str().ok())
            .map(pdf_text)
            .unwrap_or_default();
        let full = if parent.is_empty() {
            t
        } else {
            format!("{parent}.{t}")
        };
        if let Ok(kids) = d.get(b"Kids").map(|k| l.resolve(k))
            && let Ok(kids) = kids.as_array()
        {
            for k in kids {
                stack.push((k.clone(), full.clone()));
            }
        }
        if name(l, d.get(b"FT").ok()).as_deref() != Some("Sig") {
            continue;
        }
        if let Some(v) = d
            .get(b"V")
            .ok()
            .and_then(|v| l.resolve(v).as_dict().ok().cloned())
        {
            out.push((full, v));
        }
    }
    out
}
