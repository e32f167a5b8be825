//! The seed directive extracts to the same text from .txt, .docx and PDF.

use trinhky_pdf::extract::{SourceFormat, detect, extract_text};
use unicode_normalization::is_nfc;

use crate::{assert_contains_seed_in_order, fixture};

const MUST_CONTAIN: &[&str] = &[
    "Sở Kế hoạch và Đầu tư",
    "chậm nhất ngày 26/6/2023",
    "Nghiêm Đình Hiếu",
    "Ủy ban nhân dân tỉnh",
];

fn check_common(text: &str) {
    assert!(is_nfc(text), "output is not NFC");
    assert!(!text.contains('\r'));
    assert!(
        !text.contains('\u{FFFD}'),
        "replacement characters in output"
    );
    assert!(!text.contains("**"));
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for phrase in MUST_CONTAIN {
        assert!(collapsed.contains(phrase), "missing {phrase:?}");
    }
    assert_contains_seed_in_order(text);
}

#[test]
fn seed_txt() {
    let out = extract_text(&fixture("seed.txt"), Some("seed.txt")).unwrap();
    assert_eq!(out.format, SourceFormat::Text);
    assert_eq!(out.pages, None);
    // `**` is the seed's own markup and stays in plain text; compare without it.
    check_common(&out.text.replace("**", ""));
}

#[test]
fn seed_docx() {
    let bytes = fixture("seed.docx");
    assert_eq!(detect(&bytes, None).unwrap(), SourceFormat::Docx);
    let out = extract_text(&bytes, Some("seed.docx")).unwrap();
    assert_eq!(out.format, SourceFormat::Docx);
    assert_eq!(out.pages, None);
    check_common(&out.text);
    // Bold runs split the paragraph but not the text.
    assert!(
        out.text
            .contains("Báo cáo kết quả về UBND tỉnh (qua Sở Nội vụ) trước ngày 20/6/2023.")
    );
    // The signature block is one paragraph with a line break inside.
    assert!(
        out.text
            .contains("KT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG")
    );
    // Paragraph per line: the docx keeps the seed's lines exactly.
    let lines: Vec<&str> = out.text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), crate::seed_lines().len());
}

/// LibreOffice output: subset TrueType fonts with private one-byte codes that
/// only the /ToUnicode CMap explains.
#[test]
fn seed_pdf_libreoffice() {
    let bytes = fixture("seed.pdf");
    assert_eq!(detect(&bytes, Some("seed.pdf")).unwrap(), SourceFormat::Pdf);
    let out = extract_text(&bytes, Some("seed.pdf")).unwrap();
    assert_eq!(out.format, SourceFormat::Pdf);
    assert_eq!(out.pages, Some(7));
    check_common(&out.text);
    // Printed lines are kept as lines, like pdftotext does.
    assert!(out.text.lines().any(|l| l == "THÔNG BÁO"));
    assert!(out.text.contains("\nNghiêm Đình Hiếu"));
}

/// fpdf2 output: Type0/Identity-H with two-byte glyph ids, like Word and typst.
#[test]
fn seed_pdf_type0_identity_h() {
    let out = extract_text(&fixture("seed-fpdf2.pdf"), None).unwrap();
    assert_eq!(out.format, SourceFormat::Pdf);
    check_common(&out.text);
    assert!(out.text.lines().any(|l| l == "THÔNG BÁO"));
}

/// Protected only against editing (empty user password): opens as usual.
#[test]
fn pdf_with_owner_password_only_is_read() {
    let out = extract_text(&fixture("encrypted-no-user-password.pdf"), None).unwrap();
    check_common(&out.text);
}

#[test]
fn all_formats_agree_word_for_word() {
    let txt = extract_text(&fixture("seed.txt"), None)
        .unwrap()
        .text
        .replace("**", "");
    let docx = extract_text(&fixture("seed.docx"), None).unwrap().text;
    let pdf = extract_text(&fixture("seed.pdf"), None).unwrap().text;
    assert_eq!(crate::words(&docx), crate::words(&txt));
    assert_eq!(crate::words(&pdf), crate::words(&txt));
}
