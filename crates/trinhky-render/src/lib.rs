//! trinhky-render: lays out administrative documents exactly as Nghị định 30/2020 requires.
//!
//! This crate owns the page: typst (as a library) with trinhky's own [`typst::World`], the templates in
//! `templates/*.typ` (the shared module `nd30.typ` holds the decree's rules; one file per document type),
//! the Liberation Serif fonts shipped in `templates/fonts/`, and the conversion of the drafters' body
//! markup ([`markup`]) into data the templates lay out. It produces PDF/A-2b for archiving and signing,
//! and PNG pages for the web preview.
//!
//! It must not: look up system fonts, read any file outside the templates directory after
//! [`Renderer::new`], reach the network, or let user text run as typst code. It knows nothing about
//! workflows, storage or signatures (`trinhky-pdf` signs what this crate renders).
//!
//! ```no_run
//! # fn demo(data: &trinhky_render::DocumentData) -> Result<(), trinhky_render::RenderError> {
//! let renderer = trinhky_render::Renderer::new("templates")?;
//! let pdf = renderer.render_pdf("bao-cao", data)?;
//! let pngs = renderer.render_png("bao-cao", data, 96.0)?;
//! # Ok(()) }
//! ```

mod data;
pub mod markup;
mod raster;
mod world;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, Timelike};
use serde::Serialize;
use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::Source;
use typst::text::{Font, FontBook};
use typst::utils::{LazyHash, Scalar};
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};
use unicode_normalization::UnicodeNormalization;

pub use data::{DocumentData, Signer};
pub use markup::Limits;
pub use trinhky_domain::time::format_place_date;

use world::{RenderWorld, Shared, file_id};

/// The templates every installation has; [`Renderer::new`] refuses a directory missing one of them.
pub const TEMPLATES: [&str; 6] = [
    "bao-cao",
    "ke-hoach",
    "to-trinh",
    "thong-bao",
    "quyet-dinh",
    "cong-van",
];

/// typst memoises layout work in a process-global cache that never shrinks by itself. Every
/// `EVICT_EVERY` renders the renderer drops the entries not used since the previous eviction
/// (`comemo::evict(1)`): the templates, fonts and library stay warm because every render hits them,
/// while each document's own layout goes. A server rendering thousands of documents keeps a flat heap.
pub const EVICT_EVERY: usize = 32;

/// The data of a table document ([`Renderer::render_table_pdf`]): a register for a period.
#[derive(Clone, Debug, Default)]
pub struct TableData {
    pub agency: String,
    pub title: String,
    /// "Từ ngày … đến ngày …", or empty.
    pub period: String,
    /// dd/mm/yyyy.
    pub printed_on: String,
    pub columns: Vec<String>,
    /// Relative column widths.
    pub widths: Vec<f64>,
    pub rows: Vec<Vec<String>>,
}

/// A rectangle on a page: 1-based page number and `[x1, y1, x2, y2]` in PDF points, origin at the
/// bottom left (what a PDF widget annotation's `/Rect` takes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slot {
    pub page: u32,
    pub rect: [f64; 4],
}

/// Where the template put the decree's boxes that are filled after rendering: "Số:" (box 3), the
/// place and date (box 4) and the space between the signer's position and name (box 7c). `None` when
/// the template has no such box.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Slots {
    pub number: Option<Slot>,
    pub date: Option<Slot>,
    pub signature: Option<Slot>,
}

impl Slots {
    /// Reads the `tk-*` markers of `nd30.typ`.
    fn of(doc: &PagedDocument) -> Slots {
        use typst::foundations::Label;
        use typst::introspection::Introspector;
        use typst::utils::PicoStr;
        let intro = doc.introspector();
        let at = |name: &str| {
            let label = Label::new(PicoStr::intern(name))?;
            let loc = intro.query_label(label).ok()?.location()?;
            let pos = intro.position(loc)?;
            let page = doc.pages().get(pos.page.get() - 1)?;
            let width = page.frame.width().to_pt();
            let height = page.frame.height().to_pt();
            let page_no = u32::try_from(pos.page.get()).ok()?;
            Some((
                page_no,
                pos.point.x.to_pt(),
                pos.point.y.to_pt(),
                width,
                height,
            ))
        };
        // The header's columns (nd30.typ): left column 6.2 cm from the 30 mm margin, right column
        // to the 15 mm margin. A 13 pt line: the marker sits on the line's top.
        const MM: f64 = 72.0 / 25.4;
        let (left, right_margin) = (30.0 * MM, 15.0 * MM);
        let line = |(page, _x, y, _w, h): (u32, f64, f64, f64, f64), x1: f64, x2: f64| Slot {
            page,
            rect: [x1, h - y - 17.0, x2, h - y + 3.0],
        };
        let number = at("tk-number").map(|p| line(p, left, left + 62.0 * MM));
        let date = at("tk-date").map(|p| line(p, left + 62.0 * MM + 4.0, p.3 - right_margin));
        // The signature box: the `signature-space` (3.2 cm) of blank lines right above the signer's
        // name, across the signature column (after the 6.3 cm Nơi nhận column and its 4 pt gutter).
        let signature = at("tk-name").map(|(page, _, name_top, w, h)| Slot {
            page,
            rect: [
                left + 63.0 * MM + 4.0,
                h - name_top,
                w - right_margin,
                h - name_top + 32.0 * MM,
            ],
        });
        Slots {
            number,
            date,
            signature,
        }
    }
}

/// Why a render failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The templates directory or a font could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A shipped file is not what it should be (no fonts, a template missing …).
    #[error("{0}")]
    Setup(String),
    /// The named template does not exist.
    #[error("unknown template {name:?}; available: {available}")]
    UnknownTemplate { name: String, available: String },
    /// The document is larger than [`Limits`] allow.
    #[error("document too large: {0}")]
    TooLarge(String),
    /// The data could not be prepared for the template.
    #[error("invalid document data: {0}")]
    Data(String),
    /// typst reported errors while laying the document out (a template bug, not the user's text).
    #[error("layout failed: {0}")]
    Layout(String),
    /// PDF or PNG export failed.
    #[error("export failed: {0}")]
    Export(String),
}

/// Renders documents; build one at start-up and share it (`&self` methods, `Send + Sync`).
pub struct Renderer {
    shared: Shared,
    templates: Vec<String>,
    limits: Limits,
    renders: AtomicUsize,
}

impl Renderer {
    /// The fonts the templates use (also the standard fonts of a rasterised PDF).
    pub(crate) fn shared_fonts(&self) -> Vec<typst::text::Font> {
        self.shared.fonts.clone()
    }
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("templates", &self.templates)
            .field("limits", &self.limits)
            .finish()
    }
}

/// What a template receives as `/data.json`: the document with every decree formatting rule that is
/// easier in Rust (number line, date line, punctuation) already applied, and the body as [`markup::Block`]s.
#[derive(Serialize)]
struct TemplateInput<'a> {
    parent_body: Option<&'a str>,
    issuing_body: &'a str,
    number_line: String,
    date_line: String,
    type_name: Option<&'a str>,
    title: &'a str,
    addressees: Vec<String>,
    decider: Option<&'a str>,
    preamble: &'a [String],
    blocks: Vec<markup::Block>,
    signer: &'a Signer,
    recipients: Vec<String>,
    draft: bool,
}

impl Renderer {
    /// Loads the templates (`*.typ`) and fonts (`fonts/*.ttf`) from `templates_dir`, with default [`Limits`].
    pub fn new(templates_dir: impl AsRef<Path>) -> Result<Renderer, RenderError> {
        Self::with_limits(templates_dir, Limits::default())
    }

    /// As [`Renderer::new`] with explicit limits.
    pub fn with_limits(
        templates_dir: impl AsRef<Path>,
        limits: Limits,
    ) -> Result<Renderer, RenderError> {
        let dir = templates_dir.as_ref();
        let fonts = load_fonts(&dir.join("fonts"))?;
        let mut sources = HashMap::new();
        let mut templates = Vec::new();
        for entry in read_dir(dir)? {
            let Some(stem) = entry.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if entry.extension().and_then(|e| e.to_str()) != Some("typ") {
                continue;
            }
            let text = std::fs::read_to_string(&entry).map_err(|source| RenderError::Io {
                path: entry.clone(),
                source,
            })?;
            let id = file_id(&format!("/{stem}.typ")).ok_or_else(|| {
                RenderError::Setup(format!(
                    "template file name {stem:?} is not a valid typst path"
                ))
            })?;
            sources.insert(id, Source::new(id, text));
            if stem != "nd30" {
                templates.push(stem.to_string());
            }
        }
        templates.sort();
        for required in TEMPLATES.iter().chain(["nd30"].iter()) {
            if *required != "nd30" && !templates.iter().any(|t| t == required)
                || *required == "nd30"
                    && file_id("/nd30.typ").is_none_or(|id| !sources.contains_key(&id))
            {
                return Err(RenderError::Setup(format!(
                    "{} has no {required}.typ",
                    dir.display()
                )));
            }
        }
        let data_id =
            file_id("/data.json").ok_or_else(|| RenderError::Setup("data path".into()))?;
        let shared = Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            sources,
            data_id,
        };
        Ok(Renderer {
            shared,
            templates,
            limits,
            renders: AtomicUsize::new(0),
        })
    }

    /// The available template names (file stems), sorted.
    pub fn templates(&self) -> &[String] {
        &self.templates
    }

    /// The limits this renderer enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Renders `data` with `template` (e.g. "bao-cao") to a PDF/A-2b file with the trích yếu as title,
    /// the issuing body as author, and all fonts embedded as subsets.
    pub fn render_pdf(&self, template: &str, data: &DocumentData) -> Result<Vec<u8>, RenderError> {
        Ok(self.render_pdf_with_slots(template, data)?.0)
    }

    /// [`Renderer::render_pdf`], and where the number, the date and the signature go on the pages
    /// (so the signature images and the clerk's number can be placed on the decree's boxes).
    pub fn render_pdf_with_slots(
        &self,
        template: &str,
        data: &DocumentData,
    ) -> Result<(Vec<u8>, Slots), RenderError> {
        let data = normalize(data)?;
        let doc = self.layout(template, &data)?;
        let slots = Slots::of(&doc);
        let now = data
            .timestamp
            .unwrap_or_else(|| chrono::Utc::now().fixed_offset());
        let datetime = Datetime::from_ymd_hms(
            now.year(),
            month_u8(now.month()),
            month_u8(now.day()),
            month_u8(now.hour()),
            month_u8(now.minute()),
            month_u8(now.second()),
        )
        .ok_or_else(|| RenderError::Data(format!("timestamp {now} is out of range")))?;
        let offset_minutes = now.offset().local_minus_utc() / 60;
        let timestamp = Timestamp::new_local(datetime, offset_minutes).ok_or_else(|| {
            RenderError::Data(format!(
                "timestamp offset {offset_minutes} min is out of range"
            ))
        })?;
        let standards = PdfStandards::new(&[PdfStandard::A_2b])
            .map_err(|e| RenderError::Export(e.message().to_string()))?;
        let options = PdfOptions {
            timestamp: Some(timestamp),
            standards,
            ..PdfOptions::default()
        };
        let pdf =
            typst_pdf::pdf(&doc, &options).map_err(|d| RenderError::Export(diagnostics(&d)))?;
        Ok((pdf, slots))
    }

    /// Renders `data` with `template` to one PNG per page at `dpi` (18–600; 96 suits a screen).
    pub fn render_png(
        &self,
        template: &str,
        data: &DocumentData,
        dpi: f32,
    ) -> Result<Vec<Vec<u8>>, RenderError> {
        if !(18.0..=600.0).contains(&dpi) {
            return Err(RenderError::Data(format!("dpi {dpi} is outside 18–600")));
        }
        let data = normalize(data)?;
        let doc = self.layout(template, &data)?;
        let options = typst_render::RenderOptions {
            pixel_per_pt: Scalar::new(f64::from(dpi) / 72.0),
            render_bleed: false,
        };
        doc.pages()
            .iter()
            .map(|page| {
                typst_render::render(page, &options)
                    .encode_png()
                    .map_err(|e| RenderError::Export(format!("PNG: {e}")))
            })
            .collect()
    }

    /// One page of `data` laid out with `template`, as PNG at `dpi`: the whole document is laid
    /// out (page breaks depend on everything before), but only page `page` (1-based) is
    /// rasterised. Returns the PNG, `None` when the document has fewer pages, and the page count.
    pub fn render_png_page(
        &self,
        template: &str,
        data: &DocumentData,
        dpi: f32,
        page: usize,
    ) -> Result<(Option<Vec<u8>>, usize), RenderError> {
        if !(18.0..=600.0).contains(&dpi) {
            return Err(RenderError::Data(format!("dpi {dpi} is outside 18–600")));
        }
        let data = normalize(data)?;
        let doc = self.layout(template, &data)?;
        let count = doc.pages().len();
        let Some(p) = page.checked_sub(1).and_then(|i| doc.pages().get(i)) else {
            return Ok((None, count));
        };
        let options = typst_render::RenderOptions {
            pixel_per_pt: Scalar::new(f64::from(dpi) / 72.0),
            render_bleed: false,
        };
        let png = typst_render::render(p, &options)
            .encode_png()
            .map_err(|e| RenderError::Export(format!("PNG: {e}")))?;
        Ok((Some(png), count))
    }

    /// Number of pages `data` takes with `template` (layout only).
    pub fn page_count(&self, template: &str, data: &DocumentData) -> Result<usize, RenderError> {
        Ok(self.layout(template, &normalize(data)?)?.pages().len())
    }

    /// A register for a period (sổ văn bản đi / đến) as PDF/A-2b, A4 landscape, with the
    /// `register.typ` template: the agency, the title and period, the columns numbered (1)…(n) and
    /// repeated on every page, one row per entry.
    pub fn render_table_pdf(&self, table: &TableData) -> Result<Vec<u8>, RenderError> {
        let n = table.columns.len();
        if n == 0 || table.rows.iter().any(|r| r.len() != n) || table.widths.len() != n {
            return Err(RenderError::Data(format!(
                "a register has {n} columns; every row and the widths must have as many"
            )));
        }
        if table.rows.len() > 20_000 {
            return Err(RenderError::TooLarge(format!(
                "{} rows; print a shorter period (at most 20,000 rows)",
                table.rows.len()
            )));
        }
        let nfc = |s: &str| -> String { s.nfc().collect() };
        let json = serde_json::json!({
            "agency": nfc(&table.agency),
            "title": nfc(&table.title),
            "period": nfc(&table.period),
            "printed_on": nfc(&table.printed_on),
            "columns": table.columns.iter().map(|c| nfc(c)).collect::<Vec<_>>(),
            "widths": table.widths,
            "rows": table.rows.iter().map(|r| r.iter().map(|c| nfc(c)).collect::<Vec<_>>()).collect::<Vec<_>>(),
        });
        let bytes = serde_json::to_vec(&json).map_err(|e| RenderError::Data(e.to_string()))?;
        let doc = self.compile("register", bytes, None)?;
        let standards = PdfStandards::new(&[PdfStandard::A_2b])
            .map_err(|e| RenderError::Export(e.message().to_string()))?;
        // PDF/A needs the document date: now, in Vietnam time.
        let now = trinhky_domain::time::vn(chrono::Utc::now());
        let datetime = Datetime::from_ymd_hms(
            now.year(),
            month_u8(now.month()),
            month_u8(now.day()),
            month_u8(now.hour()),
            month_u8(now.minute()),
            month_u8(now.second()),
        )
        .ok_or_else(|| RenderError::Data(format!("time {now} is out of range")))?;
        let timestamp = Timestamp::new_local(datetime, trinhky_domain::time::VN_OFFSET_SECS / 60)
            .ok_or_else(|| RenderError::Data("time zone offset".into()))?;
        let options = PdfOptions {
            timestamp: Some(timestamp),
            standards,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&doc, &options).map_err(|d| RenderError::Export(diagnostics(&d)))
    }

    fn layout(&self, template: &str, data: &DocumentData) -> Result<PagedDocument, RenderError> {
        let input = self.input(data)?;
        let json = serde_json::to_vec(&input).map_err(|e| RenderError::Data(e.to_string()))?;
        let today = data
            .date
            .and_then(|d| Datetime::from_ymd(d.year(), month_u8(d.month()), month_u8(d.day())));
        self.compile(template, json, today)
    }

    fn compile(
        &self,
        template: &str,
        json: Vec<u8>,
        today: Option<Datetime>,
    ) -> Result<PagedDocument, RenderError> {
        if !self.templates.iter().any(|t| t == template) {
            return Err(RenderError::UnknownTemplate {
                name: template.to_string(),
                available: self.templates.join(", "),
            });
        }
        let main = file_id(&format!("/{template}.typ"))
            .ok_or_else(|| RenderError::Setup(format!("template {template:?}")))?;
        let world = RenderWorld {
            shared: &self.shared,
            main,
            data: Bytes::new(json),
            today,
        };
        let Warned { output, .. } = typst::compile::<PagedDocument>(&world);
        self.maybe_evict();
        let doc = output.map_err(|d| RenderError::Layout(diagnostics(&d)))?;
        if doc.pages().len() > self.limits.max_pages {
            return Err(RenderError::TooLarge(format!(
                "the document takes {} pages; the limit is {}",
                doc.pages().len(),
                self.limits.max_pages
            )));
        }
        Ok(doc)
    }

    fn input<'a>(&self, data: &'a DocumentData) -> Result<TemplateInput<'a>, RenderError> {
        let short = 4 * 1024;
        let fields = [
            &data.issuing_body,
            &data.title,
            &data.code,
            &data.place,
            &data.signer.position,
            &data.signer.name,
        ];
        let lists = [
            &data.addressees,
            &data.preamble,
            &data.recipients,
            &data.signer.authority,
        ];
        if fields.iter().any(|f| f.len() > short)
            || lists
                .iter()
                .any(|l| l.len() > 100 || l.iter().any(|f| f.len() > short))
        {
            return Err(RenderError::TooLarge(format!(
                "a header, signature or recipient field is longer than {short} bytes or has more than 100 lines"
            )));
        }
        let number_line = match &data.number {
            Some(n) => format!("Số: {n}"),
            None => format!("Số:      /{}", data.code),
        };
        let date_line = match data.date {
            Some(d) => format_place_date(&data.place, d),
            None => trinhky_domain::time::format_place_blank(&data.place),
        };
        let n = data.addressees.len();
        let addressees = data
            .addressees
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let a = a.trim().trim_end_matches([';', '.', ',']);
                if n == 1 {
                    format!("{a}.")
                } else if i + 1 == n {
                    format!("- {a}.")
                } else {
                    format!("- {a};")
                }
            })
            .collect();
        let m = data.recipients.len();
        let recipients = data
            .recipients
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let r = r
                    .trim()
                    .trim_start_matches("- ")
                    .trim_end_matches([';', '.', ',']);
                format!("- {r}{}", if i + 1 == m { "." } else { ";" })
            })
            .collect();
        Ok(TemplateInput {
            parent_body: data.parent_body.as_deref().filter(|p| !p.trim().is_empty()),
            issuing_body: &data.issuing_body,
            number_line,
            date_line,
            type_name: data.type_name.as_deref(),
            title: &data.title,
            addressees,
            decider: data.decider.as_deref(),
            preamble: &data.preamble,
            blocks: markup::parse(&data.body, &self.limits)?,
            signer: &data.signer,
            recipients,
            draft: data.draft,
        })
    }

    fn maybe_evict(&self) {
        if self.renders.fetch_add(1, Ordering::Relaxed) % EVICT_EVERY == EVICT_EVERY - 1 {
            comemo::evict(1);
        }
    }
}

fn month_u8(v: u32) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}

/// NFC-normalises every string so that what the PDF carries is exactly what `pdftotext` gives back.
fn normalize(data: &DocumentData) -> Result<DocumentData, RenderError> {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if !unicode_normalization::is_nfc(s) => {
                *s = s.nfc().collect()
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(o) => o.values_mut().for_each(walk),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(data).map_err(|e| RenderError::Data(e.to_string()))?;
    walk(&mut value);
    serde_json::from_value(value).map_err(|e| RenderError::Data(e.to_string()))
}

fn diagnostics(diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let hints: Vec<String> = d
                .hints
                .iter()
                .map(|h| format!(" (hint: {})", h.v))
                .collect();
            format!("{}{}", d.message, hints.concat())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, RenderError> {
    let io = |source| RenderError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        paths.push(entry.map_err(io)?.path());
    }
    paths.sort();
    Ok(paths)
}

fn load_fonts(dir: &Path) -> Result<Vec<Font>, RenderError> {
    let mut fonts = Vec::new();
    for path in read_dir(dir)? {
        if path.extension().and_then(|e| e.to_str()) != Some("ttf") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|source| RenderError::Io {
            path: path.clone(),
            source,
        })?;
        fonts.extend(Font::iter(Bytes::new(bytes)));
    }
    if fonts.is_empty() {
        return Err(RenderError::Setup(format!(
            "no .ttf fonts in {}; ship Liberation Serif there",
            dir.display()
        )));
    }
    Ok(fonts)
}
