//! Each kind of bad upload gets its own error, and a message that says what to do.

use trinhky_pdf::extract::{ExtractError, MAX_INPUT_BYTES, SourceFormat, detect, extract_text};

use crate::fixture;

#[test]
fn empty_file() {
    let err = extract_text(&fixture("empty.txt"), Some("empty.txt")).unwrap_err();
    assert_eq!(err, ExtractError::Empty);
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn junk_bytes_are_unsupported() {
    let err = extract_text(&fixture("junk.bin"), Some("junk.bin")).unwrap_err();
    assert!(
        matches!(err, ExtractError::UnsupportedFormat { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("unsupported file format") && msg.contains(".docx"),
        "{msg}"
    );
    // Without a name too.
    assert!(matches!(
        detect(&fixture("junk.bin"), None),
        Err(ExtractError::UnsupportedFormat { .. })
    ));
}

#[test]
fn junk_named_txt_is_not_utf8() {
    let mut bytes = b"Th\xF4ng b\xE1o".to_vec();
    bytes.extend_from_slice(b" (Windows-1258)");
    let err = extract_text(&bytes, Some("thong-bao.txt")).unwrap_err();
    assert_eq!(err, ExtractError::NotUtf8 { offset: 2 });
    assert!(
        err.to_string()
            .contains("save it again with encoding UTF-8"),
        "{err}"
    );
}

#[test]
fn too_large() {
    let big = vec![b'a'; 21 * 1024 * 1024];
    let err = extract_text(&big, Some("big.txt")).unwrap_err();
    assert_eq!(
        err,
        ExtractError::TooLarge {
            size: big.len(),
            limit: MAX_INPUT_BYTES
        }
    );
    assert!(err.to_string().contains("over the limit"), "{err}");
    // Size is checked before anything else, whatever the content.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(MAX_INPUT_BYTES + 1, b' ');
    assert!(matches!(
        detect(&pdf, None),
        Err(ExtractError::TooLarge { .. })
    ));
}

#[test]
fn docx_without_paragraphs() {
    let bytes = fixture("no-body.docx");
    assert_eq!(detect(&bytes, None).unwrap(), SourceFormat::Docx);
    let err = extract_text(&bytes, Some("no-body.docx")).unwrap_err();
    assert_eq!(err, ExtractError::DocxNoBody);
    assert!(err.to_string().contains("no paragraph with text"), "{err}");
}

#[test]
fn truncated_docx_is_malformed() {
    let bytes = fixture("seed.docx");
    let err = extract_text(&bytes[..bytes.len() / 2], Some("seed.docx")).unwrap_err();
    assert!(matches!(err, ExtractError::DocxMalformed { .. }), "{err:?}");
    assert!(err.to_string().contains("save it again as .docx"), "{err}");
}

#[test]
fn scanned_pdf_has_no_text_layer() {
    let err = extract_text(&fixture("scanned.pdf"), Some("scanned.pdf")).unwrap_err();
    assert_eq!(err, ExtractError::PdfNoTextLayer { pages: 2 });
    assert_eq!(
        err.to_string(),
        "no text layer: this PDF looks scanned (2 pages of images); run OCR or upload the .docx/.txt"
    );
}

#[test]
fn password_protected_pdf() {
    let err = extract_text(&fixture("encrypted.pdf"), Some("encrypted.pdf")).unwrap_err();
    assert_eq!(err, ExtractError::PdfEncrypted);
    assert!(err.to_string().contains("password"), "{err}");
}

#[test]
fn truncated_pdf_is_malformed_or_partial() {
    // Cut in the middle: lopdf may rebuild the cross-reference table from what is
    // left, so either the text of the surviving pages or a "damaged" error.
    let bytes = fixture("seed.pdf");
    match extract_text(&bytes[..bytes.len() / 3], None) {
        Ok(out) => assert!(!out.text.is_empty()),
        Err(err) => assert!(
            matches!(
                err,
                ExtractError::PdfMalformed { .. } | ExtractError::PdfBlank { .. }
            ),
            "{err:?}"
        ),
    }
    let err = extract_text(b"%PDF-1.7\n%%EOF\n", None).unwrap_err();
    assert!(matches!(err, ExtractError::PdfMalformed { .. }), "{err:?}");
    assert!(err.to_string().contains("export the PDF again"), "{err}");
}

#[test]
fn zip_that_is_not_docx() {
    // A stored ZIP with one member, hello.txt.
    let zip = b"PK\x03\x04\x0a\x00\x00\x00\x00\x00\x00\x00\x21\x00\x86\xa6\x10\x36\x05\x00\x00\x00\x05\x00\x00\x00\x09\x00\x00\x00hello.txthelloPK\x01\x02\x14\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x21\x00\x86\xa6\x10\x36\x05\x00\x00\x00\x05\x00\x00\x00\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00hello.txtPK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x37\x00\x00\x00\x2c\x00\x00\x00\x00\x00";
    let err = detect(zip, Some("archive.zip")).unwrap_err();
    assert!(
        matches!(err, ExtractError::UnsupportedFormat { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("without word/document.xml"),
        "{err}"
    );
}

#[test]
fn zip_bomb_docx_is_refused_before_inflating() {
    let bytes = fixture("bomb.docx");
    assert!(bytes.len() < 200 * 1024);
    let err = extract_text(&bytes, Some("bomb.docx")).unwrap_err();
    assert!(matches!(err, ExtractError::DocxMalformed { .. }), "{err:?}");
    assert!(err.to_string().contains("zip bomb"), "{err}");
}

/// Deep nesting must not exhaust the stack (the parsers recurse on arrays,
/// dictionaries and XML elements).
#[test]
fn deeply_nested_input_does_not_overflow() {
    let depth = 200_000;
    let mut pdf = b"%PDF-1.7\n1 0 obj\n".to_vec();
    pdf.extend(std::iter::repeat_n(b'[', depth));
    pdf.extend(std::iter::repeat_n(b']', depth));
    pdf.extend_from_slice(b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    assert!(extract_text(&pdf, None).is_err());

    let mut dicts = b"%PDF-1.7\n1 0 obj\n".to_vec();
    dicts.extend(std::iter::repeat_n(&b"<</A "[..], depth).flatten());
    dicts.extend(std::iter::repeat_n(&b">>"[..], depth).flatten());
    dicts.extend_from_slice(b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    assert!(extract_text(&dicts, None).is_err());

    // The same inside a page's content stream.
    let content: Vec<u8> = [
        &b"BT /F1 12 Tf "[..],
        &vec![b'['; depth],
        &vec![b']'; depth],
        b" TJ ET",
    ]
    .concat();
    let mut page = format!(
        "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
         3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n\
         4 0 obj << /Length {} >> stream\n",
        content.len()
    )
    .into_bytes();
    page.extend_from_slice(&content);
    page.extend_from_slice(b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    assert!(extract_text(&page, None).is_err());
}
