//! Fonts as far as text extraction needs them: codes to text (the `/ToUnicode` CMap first, then
//! the encoding) and glyph widths to place the pen.

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::cmap::CMap;
use super::{CMAP_LIMIT, num};

/// Fonts already read, by object id (fonts are shared between pages).
#[derive(Default)]
pub(super) struct FontCache {
    by_id: HashMap<ObjectId, Rc<Font>>,
}

impl FontCache {
    pub(super) fn get(
        &mut self,
        doc: &Document,
        id: Option<ObjectId>,
        dict: &Dictionary,
    ) -> Rc<Font> {
        match id {
            Some(id) => Rc::clone(
                self.by_id
                    .entry(id)
                    .or_insert_with(|| Rc::new(Font::read(doc, dict))),
            ),
            None => Rc::new(Font::read(doc, dict)),
        }
    }
}

/// What is needed of a font to turn its codes into text and advance the pen.
pub(super) struct Font {
    /// Bytes per character code: 1 for simple fonts, 2 for Type0 (CID) fonts.
    pub(super) code_len: usize,
    to_unicode: Option<CMap>,
    /// Simple fonts: code → text through `/Encoding` (lopdf's tables).
    simple: Vec<Option<String>>,
    /// Type0 fonts with a predefined Unicode CMap (`UniGB-UCS2-H`, …): the
    /// codes are UTF-16 units.
    utf16_codes: bool,
    widths: Widths,
}

impl Font {
    fn read(doc: &Document, dict: &Dictionary) -> Font {
        let name_of = |key: &[u8]| -> Option<Vec<u8>> {
            let (_, o) = doc.dereference(dict.get(key).ok()?).ok()?;
            o.as_name().ok().map(<[u8]>::to_vec)
        };
        let to_unicode = dict
            .get(b"ToUnicode")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_stream().ok())
            .and_then(|s| s.get_plain_content_with_limit(CMAP_LIMIT).ok())
            .map(|bytes| CMap::parse(&bytes));
        let is_type0 = name_of(b"Subtype").as_deref() == Some(b"Type0");
        if is_type0 {
            let encoding = name_of(b"Encoding").unwrap_or_default();
            let utf16_codes = encoding.starts_with(b"Uni")
                && (contains(&encoding, b"UCS2") || contains(&encoding, b"UTF16"));
            let one_byte = to_unicode
                .as_ref()
                .is_some_and(|c| c.codespace_len == Some(1));
            Font {
                code_len: if one_byte { 1 } else { 2 },
                to_unicode,
                simple: Vec::new(),
                utf16_codes,
                widths: Widths::cid(doc, dict),
            }
        } else {
            let simple = match dict.get_font_encoding_with_limit(doc, CMAP_LIMIT) {
                Ok(encoding) => (0u8..=255)
                    .map(|b| {
                        encoding
                            .bytes_to_string(&[b])
                            .ok()
                            .filter(|s| !s.is_empty() && !s.contains('\u{FFFD}'))
                    })
                    .collect(),
                // Without an encoding, read printable ASCII as itself.
                Err(_) => (0u8..=255)
                    .map(|b| {
                        (b' '..=b'~')
                            .contains(&b)
                            .then(|| char::from(b).to_string())
                    })
                    .collect(),
            };
            Font {
                code_len: 1,
                to_unicode,
                simple,
                utf16_codes: false,
                widths: Widths::simple(doc, dict),
            }
        }
    }

    /// Append the text for `code`; false when the font gives no mapping.
    pub(super) fn decode(&self, code: u32, out: &mut String) -> bool {
        if let Some(text) = self.to_unicode.as_ref().and_then(|c| c.lookup(code)) {
            out.push_str(&text);
            return true;
        }
        if self.utf16_codes {
            if let Some(c) = u16::try_from(code)
                .ok()
                .and_then(|u| char::decode_utf16([u]).next()?.ok())
            {
                out.push(c);
                return true;
            }
            return false;
        }
        match usize::try_from(code).ok().and_then(|i| self.simple.get(i)) {
            Some(Some(text)) => {
                out.push_str(text);
                true
            }
            _ => false,
        }
    }

    pub(super) fn width(&self, code: u32) -> f64 {
        self.widths.get(code)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Glyph widths in thousandths of text space.
struct Widths {
    single: HashMap<u32, f64>,
    /// `(first, last, width)`, from `/W` ranges.
    ranges: Vec<(u32, u32, f64)>,
    default: f64,
}

impl Widths {
    fn numbers<'a>(doc: &'a Document, obj: Option<&'a Object>) -> Vec<&'a Object> {
        obj.and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_array().ok())
            .map(|a| {
                a.iter()
                    .filter_map(|o| doc.dereference(o).ok().map(|(_, o)| o))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn simple(doc: &Document, dict: &Dictionary) -> Widths {
        let first = dict.get(b"FirstChar").ok().and_then(num).unwrap_or(0.0);
        let first = if first.is_finite() && first >= 0.0 {
            first as u32
        } else {
            0
        };
        let mut single = HashMap::new();
        for (i, w) in Self::numbers(doc, dict.get(b"Widths").ok())
            .into_iter()
            .enumerate()
        {
            if let (Some(w), Ok(i)) = (num(w), u32::try_from(i)) {
                single.insert(first.saturating_add(i), w);
            }
        }
        let missing = dict
            .get(b"FontDescriptor")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
            .and_then(|d| d.get(b"MissingWidth").ok())
            .and_then(num)
            .filter(|w| *w > 0.0);
        // Standard 14 fonts have no /Widths: assume an average Latin width.
        Widths {
            single,
            ranges: Vec::new(),
            default: missing.unwrap_or(500.0),
        }
    }

    fn cid(doc: &Document, dict: &Dictionary) -> Widths {
        let descendant = dict
            .get(b"DescendantFonts")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok());
        let mut widths = Widths {
            single: HashMap::new(),
            ranges: Vec::new(),
            default: 1000.0,
        };
        let Some(cid_font) = descendant else {
            return widths;
        };
        if let Some(dw) = cid_font.get(b"DW").ok().and_then(num) {
            widths.default = dw;
        }
        // /W [ c [w1 w2 …]  c_first c_last w  … ]
        let items = Self::numbers(doc, cid_font.get(b"W").ok());
        let code = |o: &Object| {
            num(o)
                .filter(|c| c.is_finite() && *c >= 0.0 && *c <= f64::from(u32::MAX))
                .map(|c| c as u32)
        };
        let mut i = 0;
        while i < items.len() {
            let Some(start) = items.get(i).copied().and_then(code) else {
                break;
            };
            match items.get(i + 1).map(|o| doc.dereference(o).map(|(_, o)| o)) {
                Some(Ok(Object::Array(list))) => {
                    for (k, w) in list.iter().enumerate() {
                        if let (Some(w), Ok(k)) = (num(w), u32::try_from(k)) {
                            widths.single.insert(start.saturating_add(k), w);
                        }
                    }
                    i += 2;
                }
                Some(Ok(end)) => {
                    if let (Some(end), Some(w)) =
                        (code(end), items.get(i + 2).copied().and_then(num))
                    {
                        widths.ranges.push((start, end, w));
                    }
                    i += 3;
                }
                _ => break,
            }
        }
        widths
    }

    fn get(&self, code: u32) -> f64 {
        if let Some(w) = self.single.get(&code) {
            return *w;
        }
        self.ranges
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&code))
            .map_or(self.default, |(_, _, w)| *w)
    }
}
