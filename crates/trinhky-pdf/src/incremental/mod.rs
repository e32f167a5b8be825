//! Incremental updates: append objects to a PDF without touching a byte of
//! the earlier revisions, and patch fixed-width placeholders in the appended
//! section afterwards (lopdf does not report byte offsets).
//!
//! Nothing here knows what a signature means; `sign/` decides what to write.

use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, StringFormat};

/// Errors of the PDF plumbing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IncrementalError {
    #[error("{0}")]
    Lopdf(#[from] lopdf::Error),
    #[error("the document has no catalog (/Root)")]
    NoCatalog,
    #[error("placeholder {0} not found in the appended section")]
    PlaceholderMissing(&'static str),
}

/// Parse `pdf` as the base of an incremental update.
pub fn open(pdf: &[u8]) -> Result<IncrementalDocument, IncrementalError> {
    let doc = Document::load_mem(pdf)?;
    Ok(IncrementalDocument::create_from(pdf.to_vec(), doc))
}

const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// Put `/ByteRange` and `/Contents` placeholders into a signature dictionary;
/// `/Contents` reserves `bytes` bytes (twice as many hex digits).
pub fn add_placeholders(dict: &mut Dictionary, bytes: usize) {
    dict.set(
        "ByteRange",
        vec![
            Object::Integer(0),
            BYTE_RANGE_PLACEHOLDER.into(),
            BYTE_RANGE_PLACEHOLDER.into(),
            BYTE_RANGE_PLACEHOLDER.into(),
        ],
    );
    // Written as a literal of ASCII zeros, `(000…)`, then turned into the hex
    // string `<000…>` by swapping the delimiters: same width, and lopdf writes
    // a literal in one call instead of formatting every byte as hex.
    dict.set(
        "Contents",
        Object::String(vec![b'0'; bytes * 2], StringFormat::Literal),
    );
}

/// Number of signature fields (`/FT /Sig`) reachable from `/AcroForm /Fields`.
pub fn signature_field_count(doc: &Document) -> usize {
    acroform(doc)
        .and_then(|f| {
            f.get(b"Fields")
                .ok()
                .and_then(|o| resolve(doc, o).as_array().ok().cloned())
        })
        .map(|fields| {
            fields
                .iter()
                .filter(|f| {
                    resolve(doc, f)
                        .as_dict()
                        .ok()
                        .and_then(|d| d.get(b"FT").ok())
                        .and_then(|o| o.as_name().ok())
                        == Some(b"Sig")
                })
                .count()
        })
        .unwrap_or(0)
}

pub(crate) fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

fn acroform(doc: &Document) -> Option<&Dictionary> {
    let cat = doc.catalog().ok()?;
    resolve(doc, cat.get(b"AcroForm").ok()?).as_dict().ok()
}

/// Append `widget_id` (a merged field + widget) to the page's `/Annots` and to
/// `/AcroForm /Fields`, setting `/SigFlags 3`. Changed objects are copied
/// into the new revision; inline arrays stay inline.
pub fn attach_widget(
    inc: &mut IncrementalDocument,
    page_id: ObjectId,
    widget_id: ObjectId,
) -> Result<(), IncrementalError> {
    // Page /Annots.
    inc.opt_clone_object_to_new_document(page_id)?;
    let annots_ref = {
        let page = inc.new_document.get_object(page_id)?.as_dict()?;
        match page.get(b"Annots") {
            Ok(Object::Reference(id)) => Some(*id),
            _ => None,
        }
    };
    if let Some(id) = annots_ref {
        inc.opt_clone_object_to_new_document(id)?;
        inc.new_document
            .get_object_mut(id)?
            .as_array_mut()?
            .push(Object::Reference(widget_id));
    } else {
        let page = inc.new_document.get_object_mut(page_id)?.as_dict_mut()?;
        match page.get_mut(b"Annots") {
            Ok(Object::Array(a)) => a.push(Object::Reference(widget_id)),
            _ => page.set("Annots", vec![Object::Reference(widget_id)]),
        }
    }

    // Catalog /AcroForm.
    let root_id = inc
        .get_prev_documents()
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| IncrementalError::NoCatalog)?;
    inc.opt_clone_object_to_new_document(root_id)?;
    let form_ref = match inc
        .new_document
        .get_object(root_id)?
        .as_dict()?
        .get(b"AcroForm")
    {
        Ok(Object::Reference(id)) => Some(*id),
        _ => None,
    };
    let form: &mut Dictionary = if let Some(id) = form_ref {
        inc.opt_clone_object_to_new_document(id)?;
        inc.new_document.get_object_mut(id)?.as_dict_mut()?
    } else {
        let cat = inc.new_document.get_object_mut(root_id)?.as_dict_mut()?;
        if !matches!(cat.get(b"AcroForm"), Ok(Object::Dictionary(_))) {
            cat.set("AcroForm", Dictionary::new());
        }
        cat.get_mut(b"AcroForm")?.as_dict_mut()?
    };
    form.set("SigFlags", 3);
    let fields_ref = match form.get(b"Fields") {
        Ok(Object::Reference(id)) => Some(*id),
        _ => None,
    };
    match form.get_mut(b"Fields") {
        Ok(Object::Array(a)) => a.push(Object::Reference(widget_id)),
        Ok(Object::Reference(_)) => {}
        _ => form.set("Fields", vec![Object::Reference(widget_id)]),
    }
    if let Some(id) = fields_ref {
        inc.opt_clone_object_to_new_document(id)?;
        inc.new_document
            .get_object_mut(id)?
            .as_array_mut()?
            .push(Object::Reference(widget_id));
    }
    Ok(())
}

/// Where the `/ByteRange` and `/Contents` placeholders ended up after saving.
#[derive(Clone, Copy, Debug)]
pub struct Placeholders {
    /// Offset of the `[` … `]` of the byte range array and its width.
    range_at: usize,
    range_len: usize,
    /// Offset of `<` of the contents and of the byte after `>`.
    contents_start: usize,
    contents_end: usize,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

impl Placeholders {
    /// Locate the placeholders in `out[from..]` (the appended section).
    pub fn find(out: &[u8], from: usize) -> Result<Self, IncrementalError> {
        let marker = b"9999999999 9999999999 9999999999";
        let m =
            find(out, marker, from).ok_or(IncrementalError::PlaceholderMissing("/ByteRange"))?;
        let range_at = out[..m]
            .iter()
            .rposition(|&b| b == b'[')
            .ok_or(IncrementalError::PlaceholderMissing("/ByteRange"))?;
        let range_end =
            find(out, b"]", m).ok_or(IncrementalError::PlaceholderMissing("/ByteRange"))? + 1;
        // The page object copied into this section has a /Contents key too; the
        // placeholder is the long run of zeros.
        let zeros = [b'0'; 64];
        let run =
            find(out, &zeros, from).ok_or(IncrementalError::PlaceholderMissing("/Contents"))?;
        let contents_start = run
            .checked_sub(1)
            .filter(|&p| out[p] == b'<' || out[p] == b'(')
            .ok_or(IncrementalError::PlaceholderMissing("/Contents"))?;
        let contents_end = out[contents_start + 1..]
            .iter()
            .position(|&b| b != b'0')
            .map(|p| p + contents_start + 2)
            .filter(|&e| matches!(out[e - 1], b'>' | b')'))
            .ok_or(IncrementalError::PlaceholderMissing("/Contents"))?;
        Ok(Self {
            range_at,
            range_len: range_end - range_at,
            contents_start,
            contents_end,
        })
    }

    /// The four `/ByteRange` numbers.
    pub fn byte_range(&self, total: usize) -> [usize; 4] {
        [
            0,
            self.contents_start,
            self.contents_end,
            total - self.contents_end,
        ]
    }

    /// Overwrite the byte range placeholder with the real numbers, padded
    /// with spaces, and make the contents placeholder a hex string.
    pub fn write_byte_range(&self, out: &mut [u8]) {
        out[self.contents_start] = b'<';
        out[self.contents_end - 1] = b'>';
        let [a, b, c, d] = self.byte_range(out.len());
        let mut text = format!("[{a} {b} {c} {d}]").into_bytes();
        text.resize(self.range_len, b' ');
        // Keep the closing bracket last so the padding sits inside the array.
        if let Some(p) = text.iter().position(|&x| x == b']') {
            text[p] = b' ';
            let last = text.len() - 1;
            text[last] = b']';
        }
        out[self.range_at..self.range_at + self.range_len].copy_from_slice(&text);
    }

    /// SHA-256 over everything but the `/Contents` hex string.
    pub fn digest(&self, out: &[u8]) -> [u8; 32] {
        let mut h = openssl::sha::Sha256::new();
        h.update(&out[..self.contents_start]);
        h.update(&out[self.contents_end..]);
        h.finish()
    }

    /// Hex-encode `value` into the `/Contents` placeholder (zero-padded).
    /// On overflow returns the reserved size in bytes.
    pub fn write_contents(&self, out: &mut [u8], value: &[u8]) -> Result<(), usize> {
        let room = (self.contents_end - self.contents_start - 2) / 2;
        if value.len() > room {
            return Err(room);
        }
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut i = self.contents_start + 1;
        for &b in value {
            out[i] = HEX[usize::from(b >> 4)];
            out[i + 1] = HEX[usize::from(b & 15)];
            i += 2;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_patched_in_place() {
        let mut out = b"%PDF-1.7\nold\n1 0 obj<</ByteRange[0 9999999999 9999999999 9999999999]/Contents<00000000000000000000000000000000000000000000000000000000000000000000>>>endobj\ntrailer".to_vec();
        let len = out.len();
        let ph = Placeholders::find(&out, 9).unwrap();
        ph.write_byte_range(&mut out);
        assert_eq!(out.len(), len);
        let [_, b, c, d] = ph.byte_range(len);
        assert_eq!(out[b], b'<');
        assert_eq!(out[c - 1], b'>');
        assert_eq!(c + d, len);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains(&format!("[0 {b} {c} {d}")), "{text}");
        ph.write_contents(&mut out, &[0xAB, 0x01]).unwrap();
        assert!(String::from_utf8_lossy(&out).contains("<AB0100"));
        assert_eq!(ph.write_contents(&mut out, &[0; 40]), Err(34));
    }
}
