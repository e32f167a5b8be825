//! PDF: the text layer, page by page, in content-stream order.
//!
//! lopdf parses the file and the content streams; the text itself is read by
//! a small interpreter here, because lopdf's own `extract_text` ignores text
//! positioning (no line breaks on `Td`/`Tm`, no spaces for gaps) and prefers a
//! font's `/Encoding` over its `/ToUnicode` map. Vietnamese text from office
//! suites lives in subset fonts whose codes mean nothing without that map —
//! LibreOffice writes simple TrueType fonts with private one-byte codes, Word
//! and typst write Type0/Identity-H fonts with two-byte glyph ids — so the
//! `/ToUnicode` CMap is always consulted first.
//!
//! Lines are rebuilt from positions: a string drawn at a noticeably different
//! height starts a new line (a blank line for a larger jump), and a horizontal
//! gap wider than a fraction of the font size becomes a space. Reading order is
//! the order the producer drew the text, which for office exports is the order
//! of the document; multi-column layouts are not reordered.

use std::rc::Rc;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};

use super::ExtractError;
use font::{Font, FontCache};

mod cmap;
mod font;

/// Any one stream may inflate to at most this much while the file loads.
const LOAD_STREAM_LIMIT: usize = crate::limits::STREAM_LIMIT;
/// Decompressed content of one page (all its streams) at most.
const PAGE_CONTENT_LIMIT: usize = crate::limits::STREAM_LIMIT;
/// Decompressed content of all pages and form XObjects together at most (the
/// whole extraction stays within 256 MB: see [`crate::limits`]).
const TOTAL_CONTENT_LIMIT: usize = crate::limits::TOTAL_INFLATE_LIMIT;
/// Content-stream operators between two looks at the clock.
const OPS_PER_CLOCK: usize = 256;
/// Why an extraction stopped at a limit.
const TOO_COMPLEX: &str = "it is too complex to read in bounded time and memory (file too complex)";
/// A `/ToUnicode` CMap larger than this is not a real one.
const CMAP_LIMIT: usize = 4 * 1024 * 1024;
/// Form XObjects drawing form XObjects: depth and number of calls per page.
const MAX_FORM_DEPTH: usize = 12;
const MAX_FORM_CALLS: usize = 2048;
/// Deepest `q` nesting kept; deeper saves are ignored (their `Q` then is too).
const MAX_GSTATE_DEPTH: usize = 1024;

pub(super) struct PdfText {
    pub(super) text: String,
    pub(super) pages: usize,
}

/// `%PDF-` within the first kilobyte, where readers accept it.
pub(super) fn has_header(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

fn malformed(reason: impl Into<String>) -> ExtractError {
    ExtractError::PdfMalformed {
        reason: reason.into(),
    }
}

pub(super) fn extract(bytes: &[u8]) -> Result<PdfText, ExtractError> {
    let deadline = std::time::Instant::now() + crate::limits::DEFAULT_TIME;
    let doc = load(bytes)?;
    // lopdf walks the page tree with a visited set: a /Kids cycle ends it.
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(malformed(
            "it has no pages (its page tree is missing or empty)",
        ));
    }
    let mut fonts = FontCache::default();
    let mut budget = TOTAL_CONTENT_LIMIT;
    let mut text = String::new();
    let (mut text_pages, mut image_pages, mut unmapped_pages) = (0usize, 0usize, 0usize);
    for (&number, &page_id) in &pages {
        if std::time::Instant::now() > deadline {
            return Err(malformed(TOO_COMPLEX));
        }
        let page = read_page(&doc, page_id, &mut fonts, &mut budget, deadline)
            .map_err(|reason| malformed(format!("page {number}: {reason}")))?;
        if page.mapped > 0 {
            text_pages += 1;
            text.push_str(page.text.trim_end());
            text.push('\n');
        } else if page.unmapped > 0 {
            unmapped_pages += 1;
        } else if page.images > 0 {
            image_pages += 1;
        }
    }
    if text_pages == 0 {
        return Err(if unmapped_pages > 0 {
            ExtractError::PdfUnmappedText {
                pages: unmapped_pages,
            }
        } else if image_pages > 0 {
            ExtractError::PdfNoTextLayer { pages: image_pages }
        } else {
            ExtractError::PdfBlank { pages: pages.len() }
        });
    }
    Ok(PdfText {
        text,
        pages: pages.len(),
    })
}

fn load(bytes: &[u8]) -> Result<Document, ExtractError> {
    // lopdf tries the empty user password itself, so files that are only
    // "protected" against printing or copying open like any other.
    let options = LoadOptions::with_max_decompressed_size(LOAD_STREAM_LIMIT);
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::InvalidPassword
        | lopdf::Error::Decryption(_)
        | lopdf::Error::UnsupportedSecurityHandler(_) => ExtractError::PdfEncrypted,
        other => malformed(format!("it cannot be parsed ({other})")),
    })?;
    if doc.is_encrypted() && !doc.was_encrypted() {
        return Err(ExtractError::PdfEncrypted);
    }
    Ok(doc)
}

/// What one page yielded.
struct PageText {
    text: String,
    /// Non-blank characters decoded to Unicode.
    mapped: usize,
    /// Glyphs shown with no way to map them to Unicode.
    unmapped: usize,
    /// Images drawn (XObjects and inline).
    images: usize,
}

fn read_page(
    doc: &Document,
    page_id: ObjectId,
    fonts: &mut FontCache,
    budget: &mut usize,
    deadline: std::time::Instant,
) -> Result<PageText, String> {
    let content = doc
        .get_page_content_with_limit(page_id, PAGE_CONTENT_LIMIT.min(*budget))
        .map_err(|e| format!("its content cannot be unpacked within the size limit ({e})"))?;
    *budget = budget.saturating_sub(content.len());
    let ops = Content::decode(&content)
        .map_err(|e| format!("its content stream cannot be parsed ({e})"))?;
    let resources = page_resources(doc, page_id);
    let mut reader = PageReader::new(doc, fonts, budget);
    reader.deadline = deadline;
    reader.run(&ops.operations, &resources, 0)?;
    Ok(PageText {
        text: reader.out,
        mapped: reader.mapped,
        unmapped: reader.unmapped,
        images: reader.images,
    })
}

/// The resource dictionaries in force, nearest first.
struct Resources<'d> {
    dicts: Vec<&'d Dictionary>,
}

impl<'d> Resources<'d> {
    /// `/Category /Name` → the object (dereferenced) and its id if indirect.
    fn lookup(
        &self,
        doc: &'d Document,
        category: &[u8],
        name: &[u8],
    ) -> Option<(Option<ObjectId>, &'d Object)> {
        self.dicts.iter().find_map(|dict| {
            let (_, cat) = doc.dereference(dict.get(category).ok()?).ok()?;
            let entry = cat.as_dict().ok()?.get(name).ok()?;
            doc.dereference(entry).ok()
        })
    }
}

fn page_resources(doc: &Document, page_id: ObjectId) -> Resources<'_> {
    let mut dicts = Vec::new();
    if let Ok((inline, ids)) = doc.get_page_resources(page_id) {
        dicts.extend(inline);
        dicts.extend(ids.into_iter().filter_map(|id| doc.get_dictionary(id).ok()));
    }
    Resources { dicts }
}

/// Row-vector affine matrix `[a b c d e f]`, as PDF writes them.
#[derive(Clone, Copy, Debug)]
struct Matrix([f64; 6]);

impl Matrix {
    const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    fn translate(tx: f64, ty: f64) -> Matrix {
        Matrix([1.0, 0.0, 0.0, 1.0, tx, ty])
    }

    fn from_operands(ops: &[Object]) -> Option<Matrix> {
        let v: Vec<f64> = ops.iter().filter_map(num).collect();
        (v.len() >= 6 && v.iter().all(|x| x.is_finite()))
            .then(|| Matrix([v[0], v[1], v[2], v[3], v[4], v[5]]))
    }

    /// `self × other`: apply `self` first, then `other`.
    fn then(self, other: Matrix) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = other.0;
        Matrix([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn apply(self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    /// How much a unit vertical distance in this space grows on the page.
    fn vertical_scale(self) -> f64 {
        self.0[2].hypot(self.0[3])
    }
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

/// The parts of the graphics state that matter for text.
#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    h_scale: f64,
    leading: f64,
    rise: f64,
}

impl Default for GState {
    fn default() -> Self {
        GState {
            ctm: Matrix::IDENTITY,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }
}

/// Where the previous string ended, on the page.
#[derive(Clone, Copy)]
struct Pen {
    x: f64,
    y: f64,
    size: f64,
}

struct PageReader<'d, 'c> {
    doc: &'d Document,
    fonts: &'c mut FontCache,
    budget: &'c mut usize,
    gs: GState,
    saved: Vec<GState>,
    /// `q` operations beyond `MAX_GSTATE_DEPTH` that were not saved.
    unsaved: usize,
    tm: Matrix,
    tlm: Matrix,
    last: Option<Pen>,
    pending_space: bool,
    form_calls: usize,
    /// When to give up ([`TOO_COMPLEX`]), and operators run so far.
    deadline: std::time::Instant,
    ops: usize,
    out: String,
    mapped: usize,
    unmapped: usize,
    images: usize,
}

impl<'d, 'c> PageReader<'d, 'c> {
    fn new(doc: &'d Document, fonts: &'c mut FontCache, budget: &'c mut usize) -> Self {
        PageReader {
            doc,
            fonts,
            budget,
            gs: GState::default(),
            saved: Vec::new(),
            unsaved: 0,
            tm: Matrix::IDENTITY,
            tlm: Matrix::IDENTITY,
            last: None,
            pending_space: false,
            form_calls: 0,
            deadline: std::time::Instant::now() + crate::limits::DEFAULT_TIME,
            ops: 0,
            out: String::new(),
            mapped: 0,
            unmapped: 0,
            images: 0,
        }
    }

    fn run(&mut self, ops: &[Operation], res: &Resources<'d>, depth: usize) -> Result<(), String> {
        for op in ops {
            self.ops += 1;
            if self.ops.is_multiple_of(OPS_PER_CLOCK) && std::time::Instant::now() > self.deadline {
                return Err(TOO_COMPLEX.into());
            }
            let args = op.operands.as_slice();
            let arg = |i: usize| args.get(i).and_then(num);
            match op.operator.as_str() {
                "q" => self.save(),
                "Q" => self.restore(),
                "cm" => {
                    if let Some(m) = Matrix::from_operands(args) {
                        self.gs.ctm = m.then(self.gs.ctm);
                    }
                }
                "BT" => {
                    self.tm = Matrix::IDENTITY;
                    self.tlm = Matrix::IDENTITY;
                }
                "Tf" => {
                    let name = args.first().and_then(|o| o.as_name().ok());
                    self.gs.font = name
                        .and_then(|n| res.lookup(self.doc, b"Font", n))
                        .and_then(|(id, obj)| {
                            let dict = obj.as_dict().ok()?;
                            Some(self.fonts.get(self.doc, id, dict))
                        });
                    if let Some(size) = arg(1) {
                        self.gs.size = size;
                    }
                }
                "Tc" => self.gs.char_spacing = arg(0).unwrap_or(self.gs.char_spacing),
                "Tw" => self.gs.word_spacing = arg(0).unwrap_or(self.gs.word_spacing),
                "Tz" => self.gs.h_scale = arg(0).map_or(self.gs.h_scale, |s| s / 100.0),
                "TL" => self.gs.leading = arg(0).unwrap_or(self.gs.leading),
                "Ts" => self.gs.rise = arg(0).unwrap_or(self.gs.rise),
                "Td" | "TD" => {
                    if let (Some(tx), Some(ty)) = (arg(0), arg(1)) {
                        if op.operator == "TD" {
                            self.gs.leading = -ty;
                        }
                        self.move_line(tx, ty);
                    }
                }
                "Tm" => {
                    if let Some(m) = Matrix::from_operands(args) {
                        self.tm = m;
                        self.tlm = m;
                    }
                }
                "T*" => self.move_line(0.0, -self.gs.leading),
                "Tj" => {
                    if let Some(Object::String(s, _)) = args.first() {
                        self.show(s);
                    }
                }
                "'" => {
                    self.move_line(0.0, -self.gs.leading);
                    if let Some(Object::String(s, _)) = args.first() {
                        self.show(s);
                    }
                }
                "\"" => {
                    self.gs.word_spacing = arg(0).unwrap_or(self.gs.word_spacing);
                    self.gs.char_spacing = arg(1).unwrap_or(self.gs.char_spacing);
                    self.move_line(0.0, -self.gs.leading);
                    if let Some(Object::String(s, _)) = args.get(2) {
                        self.show(s);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = args.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(s),
                                other => {
                                    if let Some(n) = num(other) {
                                        let tx = -n / 1000.0 * self.gs.size * self.gs.h_scale;
                                        self.tm = Matrix::translate(tx, 0.0).then(self.tm);
                                    }
                                }
                            }
                        }
                    }
                }
                "BI" => self.images += 1,
                "Do" => {
                    if let Some(name) = args.first().and_then(|o| o.as_name().ok()) {
                        self.draw_xobject(name, res, depth)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn save(&mut self) {
        if self.saved.len() < MAX_GSTATE_DEPTH {
            self.saved.push(self.gs.clone());
        } else {
            self.unsaved += 1;
        }
    }

    fn restore(&mut self) {
        if self.unsaved > 0 {
            self.unsaved -= 1;
        } else if let Some(gs) = self.saved.pop() {
            self.gs = gs;
        }
    }

    fn move_line(&mut self, tx: f64, ty: f64) {
        self.tlm = Matrix::translate(tx, ty).then(self.tlm);
        self.tm = self.tlm;
    }

    fn draw_xobject(
        &mut self,
        name: &[u8],
        res: &Resources<'d>,
        depth: usize,
    ) -> Result<(), String> {
        let Some((_, obj)) = res.lookup(self.doc, b"XObject", name) else {
            return Ok(());
        };
        let Ok(stream) = obj.as_stream() else {
            return Ok(());
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => self.images += 1,
            Ok(b"Form") => {
                if depth >= MAX_FORM_DEPTH || self.form_calls >= MAX_FORM_CALLS {
                    return Ok(());
                }
                self.form_calls += 1;
                let content = stream
                    .get_plain_content_with_limit(PAGE_CONTENT_LIMIT.min(*self.budget))
                    .map_err(|e| {
                        format!("a form XObject cannot be unpacked within the size limit ({e})")
                    })?;
                *self.budget = self.budget.saturating_sub(content.len());
                let Ok(ops) = Content::decode(&content) else {
                    return Ok(());
                };
                let own = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|o| self.doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_dict().ok());
                let form_res = match own {
                    Some(dict) => Resources { dicts: vec![dict] },
                    // Old files let forms use the page's resources.
                    None => Resources {
                        dicts: res.dicts.clone(),
                    },
                };
                let matrix = stream
                    .dict
                    .get(b"Matrix")
                    .ok()
                    .and_then(|o| o.as_array().ok())
                    .and_then(|a| Matrix::from_operands(a))
                    .unwrap_or(Matrix::IDENTITY);
                let (outer_gs, outer_tm, outer_tlm) = (self.gs.clone(), self.tm, self.tlm);
                let outer_depth = (self.saved.len(), self.unsaved);
                self.gs.ctm = matrix.then(self.gs.ctm);
                let result = self.run(&ops.operations, &form_res, depth + 1);
                self.saved.truncate(outer_depth.0);
                self.unsaved = outer_depth.1;
                self.gs = outer_gs;
                self.tm = outer_tm;
                self.tlm = outer_tlm;
                result?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Show one string with the current font, advancing the text matrix.
    fn show(&mut self, bytes: &[u8]) {
        let Some(font) = self.gs.font.clone() else {
            // Text without a usable font cannot be decoded.
            self.unmapped += bytes.len();
            return;
        };
        let rise = self.gs.rise;
        let trm = self.tm.then(self.gs.ctm);
        let (x, y) = trm.apply(0.0, rise);
        let size = (self.gs.size * trm.vertical_scale()).abs();
        let size = if size.is_finite() && size > 0.01 {
            size
        } else {
            1.0
        };
        self.place(x, y, size);

        let mut decoded = String::new();
        for chunk in bytes.chunks(font.code_len) {
            let code = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            decoded.clear();
            if font.decode(code, &mut decoded) {
                let visible: String = decoded
                    .chars()
                    .filter(|c| !c.is_control() || *c == '\t')
                    .collect();
                self.mapped += visible.chars().filter(|c| !c.is_whitespace()).count();
                self.emit(&visible);
            } else {
                self.unmapped += 1;
                self.emit("\u{FFFD}");
            }
            let word_spacing = if chunk.len() == 1 && code == 32 {
                self.gs.word_spacing
            } else {
                0.0
            };
            let advance =
                (font.width(code) / 1000.0 * self.gs.size + self.gs.char_spacing + word_spacing)
                    * self.gs.h_scale;
            if advance.is_finite() {
                self.tm = Matrix::translate(advance, 0.0).then(self.tm);
            }
        }
        let (x_end, _) = self.tm.then(self.gs.ctm).apply(0.0, rise);
        self.last = Some(Pen { x: x_end, y, size });
    }

    /// Decide whether a string drawn at `(x, y)` continues the line, follows
    /// a gap (a space), or starts a new line.
    fn place(&mut self, x: f64, y: f64, size: f64) {
        let Some(last) = self.last else {
            return;
        };
        let h = size.max(last.size);
        let dy = (y - last.y).abs();
        // NaN positions count as "new line".
        if dy.is_nan() || dy > 0.5 * h {
            if !self.out.is_empty() {
                self.out.push('\n');
                if dy > 2.0 * h {
                    self.out.push('\n');
                }
            }
            self.pending_space = false;
        } else if x - last.x > 0.15 * h || x < last.x - 0.5 * h {
            self.pending_space = true;
        }
    }

    fn emit(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if std::mem::take(&mut self.pending_space)
            && !s.starts_with(char::is_whitespace)
            && !self.out.is_empty()
            && !self.out.ends_with(char::is_whitespace)
        {
            self.out.push(' ');
        }
        self.out.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use lopdf::{Stream, dictionary};

    /// Save a one-page document whose page has `resources` and `content`;
    /// `build` may add objects (fonts, XObjects) first.
    fn one_page(build: impl FnOnce(&mut Document) -> (Dictionary, Vec<u8>)) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let (resources, content) = build(&mut doc);
        let stream = doc.add_object(Stream::new(dictionary! {}, content));
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => stream, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    }

    fn helvetica(doc: &mut Document) -> ObjectId {
        doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
        })
    }

    /// A page drawn the way simple producers (and TeX) do it: standard font,
    /// WinAnsi, lines placed with Td / T* / Tm inside one BT, words split by
    /// TJ kerning gaps and Td jumps rather than space characters.
    #[test]
    fn simple_font_lines_and_gaps() {
        let bytes = one_page(|doc| {
            let font = helvetica(doc);
            let content =
                b"BT /F1 12 Tf 14 TL 72 700 Td (Caf\xe9 au lait) Tj T* [(two)-600(words)] TJ \
                            1 0 0 1 72 600 Tm (far) Tj 200 0 Td (right) Tj ET";
            (
                dictionary! { "Font" => dictionary! { "F1" => font } },
                content.to_vec(),
            )
        });
        let out = extract(&bytes).unwrap();
        assert_eq!(out.pages, 1);
        assert_eq!(out.text, "Café au lait\ntwo words\n\nfar right\n");
    }

    /// /ToUnicode wins over /Encoding (lopdf's own extract_text prefers /Encoding);
    /// a code the CMap lacks falls back to the encoding.
    #[test]
    fn to_unicode_beats_encoding() {
        let bytes = one_page(|doc| {
            let cmap = b"begincmap 1 begincodespacerange <00> <FF> endcodespacerange\n\
                         3 beginbfchar <41> <0110> <42> <1EA7> <43> <0075> endbfchar endcmap";
            let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.to_vec()));
            let font = doc.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "ABCDEF+Subset",
                "Encoding" => "WinAnsiEncoding", "ToUnicode" => to_unicode,
                "FirstChar" => 65, "Widths" => vec![600.into(), 500.into(), 500.into()],
            });
            (
                dictionary! { "Font" => dictionary! { "F1" => font } },
                b"BT /F1 12 Tf 72 700 Td (ABCD) Tj ET".to_vec(),
            )
        });
        assert_eq!(extract(&bytes).unwrap().text, "ĐầuD\n");
    }

    #[test]
    fn text_inside_form_xobjects_is_read() {
        let bytes = one_page(|doc| {
            let font = helvetica(doc);
            let form = doc.add_object(Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Form",
                    "BBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
                    "Resources" => dictionary! { "Font" => dictionary! { "F9" => font } },
                },
                b"BT /F9 10 Tf 0 0 Td (in form) Tj ET".to_vec(),
            ));
            let resources = dictionary! { "Font" => dictionary! { "F1" => font }, "XObject" => dictionary! { "X1" => form } };
            (
                resources,
                b"BT /F1 10 Tf 72 700 Td (before) Tj ET q 1 0 0 1 72 650 cm /X1 Do Q".to_vec(),
            )
        });
        assert_eq!(extract(&bytes).unwrap().text, "before\n\nin form\n");
    }

    #[test]
    fn identity_h_without_to_unicode_is_unmapped() {
        let bytes = one_page(|doc| {
            let cid = doc.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "XYZ+Font",
            });
            let font = doc.add_object(dictionary! {
                "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "XYZ+Font",
                "Encoding" => "Identity-H", "DescendantFonts" => vec![cid.into()],
            });
            (
                dictionary! { "Font" => dictionary! { "F1" => font } },
                b"BT /F1 12 Tf 72 700 Td <00250026> Tj ET".to_vec(),
            )
        });
        assert_eq!(
            extract(&bytes).err(),
            Some(ExtractError::PdfUnmappedText { pages: 1 })
        );
    }

    #[test]
    fn blank_page_is_blank() {
        let bytes = one_page(|_| (dictionary! {}, b"0 0 m 100 100 l S".to_vec()));
        assert_eq!(
            extract(&bytes).err(),
            Some(ExtractError::PdfBlank { pages: 1 })
        );
    }
}
