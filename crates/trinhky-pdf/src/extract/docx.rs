//! `.docx`: paragraphs of `word/document.xml`, in document order.
//!
//! Only the main document part is read: headers, footers, footnotes and
//! comments are not part of a directive's body. Table cells are paragraphs
//! too, so they come out one per line in reading order.

use std::io::{Cursor, Read};

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use zip::ZipArchive;
use zip::result::ZipError;

use super::ExtractError;

const DOCUMENT_XML: &str = "word/document.xml";
/// A real .docx has a few dozen members; thousands means a crafted archive.
const MAX_ENTRIES: usize = 10_000;
/// Zip-bomb guard: the declared sizes of all members together, and the bytes
/// actually inflated from `word/document.xml`, stay under this.
const MAX_UNCOMPRESSED: u64 = 50 * 1024 * 1024;

const W_TRANSITIONAL: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W_STRICT: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";
const MARKUP_COMPAT: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// What a ZIP archive turned out to be.
pub(super) enum Probe {
    Docx,
    /// A readable ZIP that is not a .docx; the hint says what it is.
    OtherZip(String),
    /// Not readable as ZIP at all.
    Broken(String),
}

pub(super) fn probe(bytes: &[u8]) -> Probe {
    let archive = match open(bytes) {
        Ok(archive) => archive,
        Err(ExtractError::DocxMalformed { reason }) => return Probe::Broken(reason),
        Err(other) => return Probe::Broken(other.to_string()),
    };
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has(DOCUMENT_XML) {
        Probe::Docx
    } else if has("content.xml") {
        Probe::OtherZip(
            "an OpenDocument file (.odt); open it in LibreOffice and save it as .docx".to_owned(),
        )
    } else if has("xl/workbook.xml") {
        Probe::OtherZip("an Excel workbook (.xlsx), not a text document".to_owned())
    } else if has("ppt/presentation.xml") {
        Probe::OtherZip("a PowerPoint presentation (.pptx), not a text document".to_owned())
    } else {
        Probe::OtherZip(format!(
            "a ZIP archive without {DOCUMENT_XML}, so not a .docx; unpack it and upload the document inside"
        ))
    }
}

fn open(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, ExtractError> {
    let malformed = |reason: String| ExtractError::DocxMalformed { reason };
    let archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| malformed(format!("it cannot be read as a ZIP archive ({e})")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(malformed(format!(
            "the archive has {} members, more than the {MAX_ENTRIES} a document can have",
            archive.len()
        )));
    }
    Ok(archive)
}

/// The text of `word/document.xml`, one paragraph per line. Blank paragraphs
/// are kept as blank lines; the caller tidies them.
pub(super) fn extract(bytes: &[u8]) -> Result<String, ExtractError> {
    let malformed = |reason: String| ExtractError::DocxMalformed { reason };
    let mut archive = open(bytes)?;
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index_raw(i)
            .map(|f| f.size())
            .map_err(|e| malformed(zip_reason(&e)))?;
        declared = declared.saturating_add(size);
    }
    if declared > MAX_UNCOMPRESSED {
        return Err(malformed(format!(
            "its members would unpack to {declared} bytes, more than the {MAX_UNCOMPRESSED}-byte limit \
             (a zip bomb, or a document full of embedded media)"
        )));
    }
    let mut xml = Vec::new();
    {
        let file = archive.by_name(DOCUMENT_XML).map_err(|e| match e {
            ZipError::FileNotFound => malformed(format!("it has no {DOCUMENT_XML}")),
            other => malformed(zip_reason(&other)),
        })?;
        file.take(MAX_UNCOMPRESSED + 1)
            .read_to_end(&mut xml)
            .map_err(|e| malformed(format!("{DOCUMENT_XML} cannot be unpacked ({e})")))?;
    }
    if xml.len() as u64 > MAX_UNCOMPRESSED {
        return Err(malformed(format!(
            "{DOCUMENT_XML} unpacks to more than {MAX_UNCOMPRESSED} bytes"
        )));
    }
    let paragraphs = paragraphs(&xml)?;
    if paragraphs.iter().all(|p| p.trim().is_empty()) {
        return Err(ExtractError::DocxNoBody);
    }
    Ok(paragraphs.join("\n"))
}

fn zip_reason(e: &ZipError) -> String {
    match e {
        ZipError::UnsupportedArchive(what) => {
            format!("it uses an unsupported ZIP feature ({what})")
        }
        other => format!("its ZIP structure is broken ({other})"),
    }
}

fn is_w(ns: &ResolveResult<'_>) -> bool {
    matches!(ns, ResolveResult::Bound(Namespace(uri)) if *uri == W_TRANSITIONAL || *uri == W_STRICT)
}

/// What an element means for the text, decided once per start tag.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Paragraph,
    Run,
    Text,
    /// Emits this string when it occurs inside a run (`w:tab`, `w:br`, …).
    Inline(&'static str),
    /// `mc:Fallback` repeats its `mc:Choice` sibling (text boxes): skip it.
    Skip,
    Other,
}

fn classify(ns: &ResolveResult<'_>, e: &BytesStart<'_>) -> Tag {
    let local = e.local_name();
    if matches!(ns, ResolveResult::Bound(Namespace(uri)) if *uri == MARKUP_COMPAT)
        && local.as_ref() == "Fallback"
    {
        return Tag::Skip;
    }
    if !is_w(ns) {
        return Tag::Other;
    }
    match local.as_ref() {
        "p" => Tag::Paragraph,
        "r" => Tag::Run,
        "t" => Tag::Text,
        "tab" | "ptab" => Tag::Inline("\t"),
        "br" | "cr" => Tag::Inline("\n"),
        "noBreakHyphen" => Tag::Inline("-"),
        _ => Tag::Other,
    }
}

/// Paragraph texts of a WordprocessingML main part, in document order.
///
/// A paragraph nested in another (a text box inside a run) is emitted as its
/// own line when it closes, before the paragraph that holds it.
fn paragraphs(xml: &[u8]) -> Result<Vec<String>, ExtractError> {
    let mut reader = NsReader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut out: Vec<String> = Vec::new();
    // Open paragraphs, innermost last.
    let mut open: Vec<String> = Vec::new();
    // Stack of the tags we are inside, so end tags need no name matching.
    let mut stack: Vec<Tag> = Vec::new();
    let mut skip_depth = 0usize;
    let mut runs = 0usize;
    let mut in_text = 0usize;
    loop {
        let (ns, event) =
            reader
                .read_resolved_event()
                .map_err(|e| ExtractError::DocxMalformed {
                    reason: format!("{DOCUMENT_XML} is not well-formed XML ({e})"),
                })?;
        match event {
            Event::Start(e) => {
                let tag = if skip_depth > 0 {
                    Tag::Skip
                } else {
                    classify(&ns, &e)
                };
                stack.push(tag);
                match tag {
                    Tag::Skip => skip_depth += 1,
                    Tag::Paragraph => open.push(String::new()),
                    Tag::Run => runs += 1,
                    Tag::Text => in_text += 1,
                    Tag::Inline(s) if runs > 0 => push(&mut open, s),
                    Tag::Inline(_) | Tag::Other => {}
                }
            }
            Event::Empty(e) => {
                if skip_depth > 0 {
                    continue;
                }
                match classify(&ns, &e) {
                    Tag::Paragraph => out.push(String::new()),
                    Tag::Inline(s) if runs > 0 => push(&mut open, s),
                    _ => {}
                }
            }
            Event::End(_) => match stack.pop() {
                Some(Tag::Skip) => skip_depth = skip_depth.saturating_sub(1),
                Some(Tag::Paragraph) => {
                    if let Some(p) = open.pop() {
                        out.push(p);
                    }
                }
                Some(Tag::Run) => runs = runs.saturating_sub(1),
                Some(Tag::Text) => in_text = in_text.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) if in_text > 0 && skip_depth == 0 => {
                push(&mut open, &t.xml10_content());
            }
            Event::CData(t) if in_text > 0 && skip_depth == 0 => {
                push(&mut open, &t.xml10_content());
            }
            Event::GeneralRef(r) if in_text > 0 && skip_depth == 0 => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => match r.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                    Err(_) => None,
                };
                if let Some(c) = resolved {
                    push(&mut open, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // A truncated document: keep what was opened, in order.
    out.extend(open);
    Ok(out)
}

fn push(open: &mut [String], s: &str) {
    if let Some(p) = open.last_mut() {
        p.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn doc(body: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body}</w:body></w:document>"#
        )
        .into_bytes()
    }

    #[test]
    fn runs_tabs_breaks_and_entities() {
        let xml = doc(concat!(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>"#,
            r#"<w:r><w:rPr><w:b/></w:rPr><w:t>Điều 1.</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve"> A &amp; B &#x1EA1;</w:t></w:r></w:p>"#,
            r#"<w:p/>"#,
            r#"<w:p><w:r><w:t>KT. CHÁNH VĂN PHÒNG</w:t><w:br/><w:t>PHÓ CHÁNH</w:t></w:r></w:p>"#,
        ));
        assert_eq!(
            paragraphs(&xml).unwrap(),
            vec![
                "Điều 1.\t A & B ạ".to_owned(),
                String::new(),
                "KT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH".to_owned()
            ]
        );
    }

    #[test]
    fn table_cells_in_reading_order() {
        let xml = doc(concat!(
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>UBND TỈNH</w:t></w:r></w:p></w:tc>"#,
            r#"<w:tc><w:p><w:r><w:t>CỘNG HÒA</w:t></w:r></w:p><w:p><w:r><w:t>Độc lập</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
            r#"<w:p><w:r><w:t>Sau bảng</w:t></w:r></w:p>"#,
        ));
        assert_eq!(
            paragraphs(&xml).unwrap(),
            vec!["UBND TỈNH", "CỘNG HÒA", "Độc lập", "Sau bảng"]
        );
    }

    #[test]
    fn text_box_fallback_is_not_duplicated_and_deleted_text_is_dropped() {
        let xml = doc(concat!(
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>"#,
            r#"<w:p><w:r><w:t>Hộp</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>"#,
            r#"<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Hộp</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>"#,
            r#"</mc:AlternateContent></w:r><w:r><w:t>Ngoài</w:t></w:r><w:del><w:r><w:delText>bỏ</w:delText></w:r></w:del></w:p>"#,
        ));
        assert_eq!(paragraphs(&xml).unwrap(), vec!["Hộp", "Ngoài"]);
    }

    #[test]
    fn other_namespaces_are_ignored() {
        let xml = br#"<x:document xmlns:x="urn:other"><x:body><x:p><x:r><x:t>no</x:t></x:r></x:p></x:body></x:document>"#;
        assert!(paragraphs(xml).unwrap().is_empty());
    }

    #[test]
    fn broken_xml_is_malformed() {
        let err = paragraphs(b"<w:document xmlns:w='x'><w:body></w:document>").unwrap_err();
        assert!(matches!(err, ExtractError::DocxMalformed { .. }), "{err:?}");
    }
}
