//! Text extraction for directive intake.
//!
//! [`extract_text`] accepts the bytes of an uploaded file and returns its text:
//! UTF-8 (or UTF-16 with a byte-order mark) plain text, Word `.docx`, or a PDF
//! with a text layer. The format is recognised by content ([`detect`]); the file
//! name only sharpens error messages. The output is NFC-normalised with `\n`
//! line ends, one paragraph (or, for PDFs, one printed line) per line.
//!
//! Every failure is an [`ExtractError`] whose message tells the uploader what is
//! wrong and what to do instead; no input panics (property-tested).

mod docx;
mod pdf;

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Largest accepted input. Directives are a few pages; a bigger file is a scan
/// or a mistake, and refusing it early bounds the work a request can cause.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// The kind of file the bytes were recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// Plain text (`.txt`, `.md`), UTF-8 or UTF-16 with a byte-order mark.
    Text,
    /// Office Open XML word-processing document (`.docx`).
    Docx,
    /// PDF.
    Pdf,
}

impl SourceFormat {
    /// Short lower-case name, as used in logs and file extensions.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Text => "txt",
            SourceFormat::Docx => "docx",
            SourceFormat::Pdf => "pdf",
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text pulled out of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// What the input was recognised as.
    pub format: SourceFormat,
    /// NFC text, lines separated by `\n`, no trailing whitespace on lines; for
    /// `.docx` and PDF at most one blank line in a row.
    pub text: String,
    /// Number of pages, for PDFs.
    pub pages: Option<usize>,
}

/// Why a file's text could not be extracted. Each message says what is wrong
/// and how to fix it, so callers may show it to the uploader as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    #[error(
        "the file is empty (no text at all); upload the directive as .docx, .pdf with a text layer, or UTF-8 .txt"
    )]
    Empty,
    #[error(
        "the file is {size} bytes, over the limit of {limit} bytes; upload the .docx or .txt version, \
         or a PDF exported from the original document rather than a scan"
    )]
    TooLarge { size: usize, limit: usize },
    #[error(
        "unsupported file format: {hint}; upload the directive as .docx, .pdf with a text layer, or UTF-8 .txt"
    )]
    UnsupportedFormat { hint: String },
    #[error(
        "the text file is not valid UTF-8 (first invalid byte at offset {offset}); save it again with \
         encoding UTF-8 (Notepad: File > Save as > Encoding: UTF-8) and upload it again"
    )]
    NotUtf8 { offset: usize },
    #[error(
        "the .docx file is damaged: {reason}; open it in Word or LibreOffice, save it again as .docx \
         and upload the new file"
    )]
    DocxMalformed { reason: String },
    #[error(
        "the .docx file has no text: word/document.xml contains no paragraph with text (is the text only \
         in pictures, or is this the wrong file?); upload the file that holds the directive's text"
    )]
    DocxNoBody,
    #[error(
        "the PDF file is damaged: {reason}; export the PDF again from the original document \
         (File > Export as PDF), or upload the .docx"
    )]
    PdfMalformed { reason: String },
    #[error(
        "the PDF is protected by a password, so its text cannot be read; upload a copy without the \
         password, or the .docx/.txt"
    )]
    PdfEncrypted,
    #[error(
        "no text layer: this PDF looks scanned ({pages} {} of images); run OCR or upload the .docx/.txt",
        plural(*pages, "page", "pages")
    )]
    PdfNoTextLayer { pages: usize },
    #[error(
        "the PDF has {pages} {} but neither text nor images on them; check that this is the right \
         file, or upload the .docx/.txt",
        plural(*pages, "page", "pages")
    )]
    PdfBlank { pages: usize },
    #[error(
        "the PDF shows text on {pages} {} but its fonts carry no Unicode mapping (no /ToUnicode), so the \
         characters cannot be read back; export the PDF again with a current office suite, \
         or upload the .docx/.txt",
        plural(*pages, "page", "pages")
    )]
    PdfUnmappedText { pages: usize },
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// Recognise the format of `bytes` by content.
///
/// PDF by its `%PDF-` header (allowed anywhere in the first kilobyte), `.docx`
/// by a ZIP header plus a `word/document.xml` member, text by decoding as UTF-8
/// (or UTF-16 with a byte-order mark). `filename` is only used to explain a
/// refusal (for example a file named `.pdf` that is not one).
///
/// # Errors
/// [`ExtractError::Empty`], [`ExtractError::TooLarge`],
/// [`ExtractError::UnsupportedFormat`] for binary files that are none of these,
/// [`ExtractError::NotUtf8`] for text in a legacy encoding, and
/// [`ExtractError::DocxMalformed`] for a damaged ZIP.
pub fn detect(bytes: &[u8], filename: Option<&str>) -> Result<SourceFormat, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ExtractError::TooLarge {
            size: bytes.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    if pdf::has_header(bytes) {
        return Ok(SourceFormat::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return match docx::probe(bytes) {
            docx::Probe::Docx => Ok(SourceFormat::Docx),
            docx::Probe::OtherZip(hint) => Err(ExtractError::UnsupportedFormat { hint }),
            docx::Probe::Broken(reason) => Err(ExtractError::DocxMalformed { reason }),
        };
    }
    if let Some(hint) = known_binary(bytes) {
        return Err(ExtractError::UnsupportedFormat {
            hint: hint.to_owned(),
        });
    }
    match decode_text(bytes) {
        Ok(_) => Ok(SourceFormat::Text),
        Err(offset) => Err(refuse_undecodable(bytes, filename, offset)),
    }
}

/// Extract the text of an uploaded directive.
///
/// # Errors
/// See [`ExtractError`]: each variant names the problem and the fix.
pub fn extract_text(bytes: &[u8], filename: Option<&str>) -> Result<Extracted, ExtractError> {
    let format = detect(bytes, filename)?;
    match format {
        SourceFormat::Text => {
            let text =
                decode_text(bytes).map_err(|offset| refuse_undecodable(bytes, filename, offset))?;
            let text = normalize_text(&text);
            if text.trim().is_empty() {
                return Err(ExtractError::Empty);
            }
            Ok(Extracted {
                format,
                text,
                pages: None,
            })
        }
        SourceFormat::Docx => {
            let text = tidy(&docx::extract(bytes)?);
            if text.is_empty() {
                return Err(ExtractError::DocxNoBody);
            }
            Ok(Extracted {
                format,
                text,
                pages: None,
            })
        }
        SourceFormat::Pdf => {
            let out = pdf::extract(bytes)?;
            Ok(Extracted {
                format,
                text: tidy(&out.text),
                pages: Some(out.pages),
            })
        }
    }
}

/// Decode text bytes: UTF-8 (BOM stripped), or UTF-16 LE/BE announced by a BOM
/// (Notepad's "Unicode"). On failure, the byte offset of the first bad byte.
fn decode_text(bytes: &[u8]) -> Result<String, usize> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(str::to_owned)
            .map_err(|e| e.valid_up_to() + 3);
    }
    let utf16: Option<fn([u8; 2]) -> u16> = if bytes.starts_with(b"\xFF\xFE") {
        Some(u16::from_le_bytes)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(u16::from_be_bytes)
    } else {
        None
    };
    if let Some(unit) = utf16 {
        let body = &bytes[2..];
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| unit([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        if body.len() % 2 == 1 {
            return Err(bytes.len() - 1);
        }
        let mut out = String::with_capacity(units.len());
        for (i, r) in char::decode_utf16(units.iter().copied()).enumerate() {
            match r {
                Ok(c) => out.push(c),
                // Index in code units is close enough to point at the problem.
                Err(_) => return Err(2 + 2 * i),
            }
        }
        if out.contains('\0') {
            return Err(2 + 2 * out.chars().take_while(|&c| c != '\0').count());
        }
        return Ok(out);
    }
    let s = std::str::from_utf8(bytes).map_err(|e| e.valid_up_to())?;
    if let Some(pos) = s.find('\0') {
        return Err(pos);
    }
    Ok(s.to_owned())
}

/// Choose between "not UTF-8" (text in a legacy encoding) and "not text".
fn refuse_undecodable(bytes: &[u8], filename: Option<&str>, offset: usize) -> ExtractError {
    let ext = extension(filename);
    let named_text = matches!(ext.as_deref(), Some("txt" | "md" | "text" | "csv"));
    if named_text || !looks_binary(bytes) {
        return ExtractError::NotUtf8 { offset };
    }
    let hint = match ext.as_deref() {
        Some("pdf") => {
            "the file is named .pdf but does not start with %PDF-, so it is damaged or not a PDF"
                .to_owned()
        }
        Some("docx") => {
            "the file is named .docx but is not a ZIP archive, so it is damaged or not a .docx"
                .to_owned()
        }
        Some(e) => format!("binary data (a .{e} file) that is neither PDF, .docx nor text"),
        None => "binary data that is neither PDF, .docx nor text".to_owned(),
    };
    ExtractError::UnsupportedFormat { hint }
}

fn extension(filename: Option<&str>) -> Option<String> {
    let name = filename?.rsplit(['/', '\\']).next()?;
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

/// Formats people upload by mistake, recognised so the message can say what to do.
fn known_binary(bytes: &[u8]) -> Option<&'static str> {
    const KNOWN: &[(&[u8], &str)] = &[
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "a legacy Word .doc (or a password-protected Office file); open it in Word or LibreOffice and save it as .docx without a password",
        ),
        (
            b"{\\rtf",
            "an RTF document; open it in Word or LibreOffice and save it as .docx",
        ),
        (
            b"\x89PNG\r\n\x1a\n",
            "a PNG image; a picture has no text layer, run OCR or upload the .docx/.txt",
        ),
        (
            b"\xFF\xD8\xFF",
            "a JPEG image; a picture has no text layer, run OCR or upload the .docx/.txt",
        ),
        (
            b"II*\0",
            "a TIFF image; a picture has no text layer, run OCR or upload the .docx/.txt",
        ),
        (
            b"MM\0*",
            "a TIFF image; a picture has no text layer, run OCR or upload the .docx/.txt",
        ),
        (
            b"GIF8",
            "a GIF image; a picture has no text layer, run OCR or upload the .docx/.txt",
        ),
        (
            b"Rar!",
            "a RAR archive; unpack it and upload the document inside",
        ),
        (
            b"7z\xBC\xAF\x27\x1C",
            "a 7-Zip archive; unpack it and upload the document inside",
        ),
    ];
    KNOWN
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, hint)| *hint)
}

/// A NUL or many control bytes near the start: not text in any encoding.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F)
        .count();
    controls * 10 > head.len()
}

/// Plain text: CRLF and lone CR become LF, then NFC.
fn normalize_text(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n").nfc().collect()
}

/// Extracted text from structured formats: NFC, no trailing blanks, at most one
/// blank line in a row, none at the start or end.
fn tidy(s: &str) -> String {
    let normalized = normalize_text(s);
    let mut out = String::with_capacity(normalized.len());
    let mut blank_run = 0usize;
    for line in normalized.split('\n') {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn text_strips_bom_and_crlf_and_composes() {
        // "ệ" decomposed: e + U+0323 + U+0302.
        let got =
            extract_text("\u{FEFF}Vi\u{65}\u{323}\u{302}t\r\nNam\r".as_bytes(), None).unwrap();
        assert_eq!(got.text, "Việt\nNam\n");
        assert_eq!(got.format, SourceFormat::Text);
        assert_eq!(got.pages, None);
    }

    #[test]
    fn utf16_with_bom_is_text() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("Đầu tư".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(extract_text(&bytes, Some("a.txt")).unwrap().text, "Đầu tư");
    }

    #[test]
    fn legacy_encoding_is_not_utf8_with_offset() {
        // "Vi\xEAt" in Windows-1258 style: 0xEA is not valid UTF-8 here.
        let err = extract_text(b"Viet Nam Vi\xEAt", None).unwrap_err();
        assert_eq!(err, ExtractError::NotUtf8 { offset: 11 });
        assert!(err.to_string().contains("UTF-8"));
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(
            extract_text(b" \r\n\t\n", None).unwrap_err(),
            ExtractError::Empty
        );
        assert_eq!(detect(b"", None).unwrap_err(), ExtractError::Empty);
    }

    #[test]
    fn known_binaries_get_a_specific_hint() {
        let err = detect(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", Some("qd.doc")).unwrap_err();
        assert!(err.to_string().contains("save it as .docx"), "{err}");
        let err = detect(b"\x00\x01\x02garbage", Some("x.pdf")).unwrap_err();
        assert!(
            err.to_string().contains("does not start with %PDF-"),
            "{err}"
        );
    }

    #[test]
    fn tidy_collapses_blank_runs_and_trailing_space() {
        assert_eq!(tidy("\n\na  \n\n\n\nb\t\nc\n\n"), "a\n\nb\nc");
    }

    #[test]
    fn messages_pluralise_pages() {
        assert!(
            ExtractError::PdfNoTextLayer { pages: 1 }
                .to_string()
                .contains("(1 page of images)")
        );
        assert!(
            ExtractError::PdfNoTextLayer { pages: 3 }
                .to_string()
                .contains("(3 pages of images)")
        );
    }
}
