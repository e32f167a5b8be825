//! Every template checked against Nghị định 30/2020 with poppler: fonts, text, page size, margins, positions.

use unicode_normalization::UnicodeNormalization;

use crate::fixtures::{ALL, long_report, renderer, sample};
use crate::poppler::{MM, bbox, collapse, run, text};

fn pdf(template: &str) -> Vec<u8> {
    renderer()
        .render_pdf(template, &sample(template))
        .unwrap_or_else(|e| panic!("{template}: {e}"))
}

#[test]
fn every_font_is_embedded() {
    for t in ALL {
        let out = run("pdffonts", &[], &pdf(t));
        let rows: Vec<&str> = out.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{t}: no fonts listed:\n{out}");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let n = cols.len();
            assert_eq!(
                &cols[n - 5..n - 2],
                &["yes", "yes", "yes"],
                "{t}: font not embedded+subset+unicode: {row}"
            );
            assert!(
                row.starts_with("") && row.contains("LiberationSerif"),
                "{t}: unexpected font {row}"
            );
        }
    }
}

#[test]
fn vietnamese_text_round_trips_exactly() {
    for t in ALL {
        let d = sample(t);
        let got = text(&pdf(t));
        assert!(
            unicode_normalization::is_nfc(&got),
            "{t}: extracted text is not NFC"
        );
        let mut expected = vec![
            d.issuing_body.to_uppercase(),
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
            "Độc lập - Tự do - Hạnh phúc".into(),
            format!("Số: {}", d.number.clone().unwrap()),
            trinhky_render::format_place_date(&d.place, d.date.unwrap()),
            d.signer.position.clone(),
            d.signer.name.clone(),
            "Nơi nhận:".into(),
            d.recipients.last().map(|r| format!("- {r}.")).unwrap(),
        ];
        if t == "cong-van" {
            expected.push(format!("V/v {}", d.title));
            expected.push("Kính gửi:".into());
        } else {
            expected.push(d.title.clone());
        }
        for line in d.body.lines().filter(|l| !l.starts_with('|')) {
            let plain = line.replace("**", "");
            let plain = if line.starts_with("I. ") {
                plain.to_uppercase()
            } else {
                plain
            };
            expected.push(plain);
        }
        for e in expected {
            let e = collapse(&e.nfc().collect::<String>());
            assert!(got.contains(&e), "{t}: {e:?} not found in\n{got}");
        }
    }
}

#[test]
fn pages_are_a4() {
    for t in ALL {
        let info = run("pdfinfo", &[], &pdf(t));
        assert!(
            info.contains("Page size:       595.276 x 841.89 pts (A4)"),
            "{t}: {info}"
        );
    }
}

#[test]
fn metadata_is_pdfa_with_title_and_author() {
    for t in ALL {
        let d = sample(t);
        let info = run("pdfinfo", &[], &pdf(t));
        assert!(
            info.contains(&format!("Title:           {}", d.title)),
            "{t}: {info}"
        );
        assert!(
            info.contains(&format!("Author:          {}", d.issuing_body)),
            "{t}: {info}"
        );
        assert!(info.contains("CreationDate:"), "{t}: {info}");
        let meta = run("pdfinfo", &["-meta"], &pdf(t));
        assert!(
            meta.contains("<pdfaid:part>2</pdfaid:part>")
                && meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{t}: {meta}"
        );
    }
}

/// Words lie inside the margins (top/bottom 20 mm, left 30 mm, right 15 mm); only page numbers use the top margin.
#[test]
fn text_respects_the_margins() {
    let tol = 0.5;
    for t in ALL {
        let l = bbox(&pdf(t));
        assert!((l.width - 595.276).abs() < 0.1 && (l.height - 841.89).abs() < 0.1);
        for w in &l.words {
            assert!(
                w.x0 >= 30.0 * MM - tol,
                "{t}: {w:?} left of the 30 mm margin"
            );
            assert!(
                w.x1 <= l.width - 15.0 * MM + tol,
                "{t}: {w:?} right of the 15 mm margin"
            );
            assert!(w.y0 >= 20.0 * MM - tol, "{t}: {w:?} in the top margin");
            assert!(
                w.y1 <= l.height - 20.0 * MM + tol,
                "{t}: {w:?} in the bottom margin"
            );
        }
    }
}

#[test]
fn header_number_date_and_signature_sit_where_the_decree_puts_them() {
    for t in ALL {
        let d = sample(t);
        let l = bbox(&pdf(t));
        let left = 30.0 * MM;
        let text_width = l.width - 45.0 * MM;
        let split = left + 6.2 * 72.0 / 2.54; // header and footer left column ≈ 6.2 cm
        // Box 2 and box 1 share the top line.
        let body = l.first(d.issuing_body.to_uppercase().split(' ').next().unwrap());
        let qh = l.first("CỘNG");
        assert!(
            body.x1 < split && qh.x0 > split - 5.0,
            "{t}: header columns {body:?} {qh:?}"
        );
        assert!(
            body.y0 > qh.y0 - 1.0 && body.y0 < qh.y0 + 16.0,
            "{t}: issuing body not level with Quốc hiệu"
        );
        // Box 3 under box 2 (left), box 4 under box 1 (right), same line.
        let so = l.first("Số:");
        let ngay = l.first("ngày");
        assert!(
            so.page == 1 && so.x1 < split && so.y0 < 70.0 * MM,
            "{t}: Số: at {so:?}"
        );
        assert!(
            ngay.page == 1 && ngay.x0 > split && (ngay.y0 - so.y0).abs() < 3.0,
            "{t}: date {ngay:?} vs Số {so:?}"
        );
        let place = l.first(&format!("{},", d.place.split(' ').next_back().unwrap()));
        assert!(
            place.x0 > split,
            "{t}: place {place:?} not in the right column"
        );
        // Signature (7a–7b) in the right half below the body; Nơi nhận (9b) at the left, level with 7a.
        let name_word = d.signer.name.split(' ').next_back().unwrap();
        let name = *l.find(name_word).last().unwrap();
        let position = *l
            .find(d.signer.position.split(' ').next_back().unwrap())
            .last()
            .unwrap();
        let last_body = l.words.iter().rfind(|w| w.text.ends_with("./.")).unwrap();
        assert!(
            name.x0 > left + text_width * 0.45,
            "{t}: signer name {name:?} not in the right half"
        );
        assert!(
            name.y0 > last_body.y1 + 60.0 || name.page > last_body.page,
            "{t}: no room for the signature"
        );
        assert!(
            position.y0 > last_body.y1,
            "{t}: signature block above the body end"
        );
        let noi = *l.find("Nơi").last().unwrap();
        assert!(
            noi.x0 < left + 1.0 && noi.page == name.page,
            "{t}: Nơi nhận at {noi:?}"
        );
        let top_7a = l
            .words
            .iter()
            .filter(|w| w.page == name.page && w.x0 > split && w.y0 > last_body.y1)
            .map(|w| w.y0)
            .fold(f64::MAX, f64::min);
        assert!(
            (noi.y0 - top_7a).abs() < 4.0,
            "{t}: Nơi nhận ({}) not level with 7a ({top_7a})",
            noi.y0
        );
        let luu = l.first("Lưu:");
        assert!(
            luu.x0 < left + 10.0 && luu.y0 > noi.y0,
            "{t}: Lưu line {luu:?}"
        );
    }
}

#[test]
fn long_report_breaks_pages_and_numbers_from_page_two() {
    let pdf = renderer().render_pdf("bao-cao", &long_report(60)).unwrap();
    let l = bbox(&pdf);
    let pages = l.pages();
    assert!(pages >= 3, "expected several pages, got {pages}");
    for p in 1..=pages {
        let in_margin: Vec<_> = l
            .words
            .iter()
            .filter(|w| w.page == p && w.y1 < 20.0 * MM)
            .collect();
        if p == 1 {
            assert!(
                in_margin.is_empty(),
                "page 1 must have no number: {in_margin:?}"
            );
        } else {
            assert_eq!(in_margin.len(), 1, "page {p}: {in_margin:?}");
            let n = in_margin[0];
            assert_eq!(n.text, p.to_string());
            let centre = (n.x0 + n.x1) / 2.0;
            let text_centre = 30.0 * MM + (l.width - 45.0 * MM) / 2.0;
            assert!(
                (centre - text_centre).abs() < 3.0,
                "page number not centred: {n:?}"
            );
        }
        // Nothing overflows the bottom margin.
        assert!(
            l.words
                .iter()
                .filter(|w| w.page == p)
                .all(|w| w.y1 <= l.height - 20.0 * MM + 0.5)
        );
    }
    // The signature block stays in one piece on the last page.
    let name = l.first("An");
    let position = l.find("PHÓ").into_iter().last().unwrap();
    assert_eq!(name.page, position.page);
    // Every paragraph arrives, in order.
    let txt = text(&pdf);
    let mut at = 0;
    for i in 1..=60 {
        let needle = format!("Nội dung đoạn số {i}:");
        let found = txt[at..]
            .find(&needle)
            .unwrap_or_else(|| panic!("paragraph {i} missing or out of order"));
        at += found;
    }
}

#[test]
fn drafts_carry_the_watermark_and_blank_number() {
    let mut d = sample("bao-cao");
    d.draft = true;
    d.number = None;
    d.date = None;
    let draft = bbox(&renderer().render_pdf("bao-cao", &d).unwrap());
    // The rotated watermark comes out of pdftotext letter by letter.
    for letter in ["D", "Ự", "T", "H", "Ả", "O"] {
        assert!(
            !draft.find(letter).is_empty(),
            "watermark letter {letter} missing"
        );
    }
    // "Số:      /BC-SNV" in the left column; the date line with blanks on the same line, right column.
    let so = draft.first("Số:");
    let code = draft.first("/BC-SNV");
    assert!(
        (code.y0 - so.y0).abs() < 2.0 && code.x0 - so.x1 > 15.0,
        "{so:?} {code:?}"
    );
    let ngay = draft.first("ngày");
    let nam = draft.first("năm");
    assert!(
        (ngay.y0 - so.y0).abs() < 3.0 && (nam.y0 - so.y0).abs() < 3.0 && nam.x0 - ngay.x1 > 40.0
    );
    let issued = bbox(&pdf("bao-cao"));
    assert!(
        issued.find("Ự").is_empty() && issued.find("Ả").is_empty(),
        "issued document has a watermark"
    );
}

#[test]
fn png_preview_has_one_image_per_page() {
    let r = renderer();
    let pngs = r.render_png("bao-cao", &long_report(40), 72.0).unwrap();
    assert_eq!(
        pngs.len(),
        r.page_count("bao-cao", &long_report(40)).unwrap()
    );
    for png in &pngs {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((w, h), (595, 842));
    }
    assert!(r.render_png("bao-cao", &sample("bao-cao"), 5000.0).is_err());
}

#[test]
fn one_page_preview_is_that_page_of_the_full_preview() {
    let r = renderer();
    let data = long_report(40);
    let all = r.render_png("bao-cao", &data, 72.0).unwrap();
    assert!(all.len() >= 2);
    let (second, count) = r.render_png_page("bao-cao", &data, 72.0, 2).unwrap();
    assert_eq!(count, all.len());
    assert_eq!(second.as_deref(), Some(&all[1][..]));
    let (none, count) = r
        .render_png_page("bao-cao", &data, 72.0, all.len() + 1)
        .unwrap();
    assert!(none.is_none());
    assert_eq!(count, all.len());
    assert!(
        r.render_png_page("bao-cao", &data, 72.0, 0)
            .unwrap()
            .0
            .is_none()
    );
}

#[test]
fn repeated_renders_survive_eviction_and_stay_identical() {
    let r = renderer();
    let d = sample("cong-van");
    let first = r.render_pdf("cong-van", &d).unwrap();
    for _ in 0..trinhky_render::EVICT_EVERY + 2 {
        assert_eq!(r.render_pdf("cong-van", &d).unwrap(), first);
    }
}

#[test]
fn templates_are_listed_and_unknown_ones_refused() {
    let r = renderer();
    for t in ALL {
        assert!(r.templates().iter().any(|x| x == t));
    }
    for bad in ["nope", "../etc/passwd", "/bao-cao", "nd30x"] {
        let err = r.render_pdf(bad, &sample("bao-cao")).unwrap_err();
        assert!(
            matches!(err, trinhky_render::RenderError::UnknownTemplate { .. }),
            "{bad}: {err}"
        );
    }
}

/// The `tk-*` markers put the number, date and signature boxes where the text is: "Số:" inside
/// the number box, the date inside the date box, and the signature box between the signer's
/// position and name (which it must not overlap), on every template.
#[test]
fn slots_cover_the_number_date_and_signature_boxes() {
    for t in ALL {
        let data = sample(t);
        let (pdf, slots) = renderer()
            .render_pdf_with_slots(t, &data)
            .unwrap_or_else(|e| panic!("{t}: {e}"));
        let l = bbox(&pdf);
        // pdftotext boxes have their origin at the top left; slots at the bottom left.
        let inside = |w: &crate::poppler::Word, s: trinhky_render::Slot| {
            let [x1, y1, x2, y2] = s.rect;
            w.page as u32 == s.page
                && w.x0 >= x1 - 0.5
                && w.x1 <= x2 + 0.5
                && l.height - w.y1 >= y1 - 0.5
                && l.height - w.y0 <= y2 + 0.5
        };
        let number = slots
            .number
            .unwrap_or_else(|| panic!("{t}: no number slot"));
        let so = l.first("Số:");
        assert!(inside(so, number), "{t}: Số: {so:?} outside {number:?}");
        let date = slots.date.unwrap_or_else(|| panic!("{t}: no date slot"));
        let ngay = l.first("ngày");
        assert!(inside(ngay, date), "{t}: ngày {ngay:?} outside {date:?}");
        let sig = slots
            .signature
            .unwrap_or_else(|| panic!("{t}: no signature slot"));
        let [_, y1, _, y2] = sig.rect;
        assert!(y2 - y1 > 70.0, "{t}: signature space {sig:?} is too small");
        let first = data
            .signer
            .name
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_owned();
        let name = l
            .find(&first)
            .into_iter()
            .last()
            .unwrap_or_else(|| panic!("{t}: signer name missing"));
        let position = l
            .find("GIÁM")
            .into_iter()
            .filter(|w| w.page as u32 == sig.page)
            .last()
            .unwrap_or_else(|| panic!("{t}: position missing"));
        assert_eq!(name.page as u32, sig.page, "{t}");
        assert!(
            l.height - name.y0 <= y1 + 1.0,
            "{t}: the name {name:?} reaches into the signature box {sig:?}"
        );
        assert!(
            l.height - position.y1 >= y2 - 1.0,
            "{t}: the position {position:?} reaches into the signature box {sig:?}"
        );
        assert!(
            name.x0 >= sig.rect[0] && name.x1 <= sig.rect[2],
            "{t}: the name is outside the signature column"
        );
    }
}

/// A register for a period: A4 landscape, Vietnamese intact, numbered columns.
#[test]
fn register_table_renders_landscape_with_numbered_columns() {
    let t = trinhky_render::TableData {
        agency: "Văn phòng Ủy ban nhân dân tỉnh Đắk Nông".into(),
        title: "Sổ đăng ký văn bản đến".into(),
        period: "Từ ngày 01/06/2023 đến ngày 30/06/2023".into(),
        printed_on: "28/11/2026".into(),
        columns: (1..=10).map(|i| format!("Cột {i}")).collect(),
        widths: vec![1.0; 10],
        rows: vec![(1..=10).map(|i| format!("ô {i} — cải cách")).collect(); 3],
    };
    let pdf = renderer()
        .render_table_pdf(&t)
        .unwrap_or_else(|e| panic!("{e}"));
    let l = bbox(&pdf);
    assert!(l.width > l.height, "landscape: {} x {}", l.width, l.height);
    let txt = text(&pdf);
    assert!(
        txt.contains("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN") && txt.contains("(10)") && txt.contains("cải cách"),
        "{txt}"
    );
    let bad = trinhky_render::TableData {
        rows: vec![vec!["x".into()]],
        ..t
    };
    assert!(renderer().render_table_pdf(&bad).is_err());
}
