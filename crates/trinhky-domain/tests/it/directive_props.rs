//! Property tests: `parse` and `normalize` never panic, on arbitrary strings and on strings built
//! from directive-like fragments; spans always index the normalised text.

use proptest::prelude::*;
use trinhky_domain::directive::{ParseOptions, normalize, parse};

const FRAGMENTS: &[&str] = &[
    "1. ",
    "2. ",
    "6.1. ",
    "II. ",
    "a) ",
    "- ",
    "+ ",
    "\n",
    "\n\n",
    "**",
    "*",
    ":",
    ";",
    ".",
    ",",
    "./.",
    "Giao ",
    "Sở Nội vụ",
    "Sở: ",
    "các Sở: Kế hoạch và Đầu tư, Thông tin và Truyền thông",
    " chủ trì, phối hợp với ",
    "Thủ trưởng các Sở, Ban, ngành; Chủ tịch UBND các huyện, thành phố ",
    "Giám đốc Sở Tài chính ",
    " báo cáo UBND tỉnh (qua Sở Nội vụ) và Bộ Nội vụ ",
    "trước ngày 20/6/2023",
    "chậm nhất ngày 31/2/2023",
    "trước 14 giờ, ngày 05/12/2017",
    "trong vòng 15 ngày kể từ ngày ký",
    "không quá 2 tháng kể từ ngày 01/7/2023",
    "trong tháng 13/2023",
    "quý III/2023",
    "trong năm 2023",
    "6 tháng đầu năm",
    "sau khi Bộ công bố",
    "ngày 5 tháng 6 năm 2023",
    "trước ngày 99/99",
    "99 giờ ",
    "Kínhgửi:",
    "Nơinhận:",
    "Nơi nhận:",
    "- Như trên;",
    "- Lưu: VT, TH.",
    "KT. CHỦ TỊCH",
    "TM. ỦY BAN NHÂN DÂN",
    "PHÓ CHỦ TỊCH",
    "(đã ký)",
    "Nguyễn Văn A",
    "THÔNG BÁO",
    "V/v ",
    "Số: 1/TB-UBND ",
    "ỦY BAN NHÂN DÂN TỈNH ĐẮK NÔNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Đồng ý ",
    "Thống nhất ",
    "tham mưu UBND tỉnh ban hành Kế hoạch ",
    "(",
    ")",
    "\u{0301}",
    "\u{a0}",
    "\r",
    "9999999999999999999",
    "trong vòng 999 năm kể từ ngày 1/1/9999",
    "chậm nhất 4000000000 tháng kể từ ngày ký",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..60).prop_map(|v| v.concat())
}

fn check(text: &str) {
    let norm = normalize(text);
    assert_eq!(normalize(&norm), norm, "normalize is idempotent");
    if let Ok(d) = parse(
        text,
        &ParseOptions {
            reference_date: chrono::NaiveDate::from_ymd_opt(2023, 6, 1),
        },
    ) {
        for t in &d.tasks {
            assert_eq!(norm.get(t.span.0..t.span.1), Some(t.text.as_str()));
        }
        for s in &d.standing_directives {
            assert_eq!(norm.get(s.span.0..s.span.1), Some(s.text.as_str()));
        }
        let json = serde_json::to_string(&d).unwrap();
        let back: trinhky_domain::directive::Directive = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_strings(s in any::<String>()) {
        check(&s);
    }

    #[test]
    fn never_panics_on_vietnamese_like_text(s in "[\\p{L}\\d .,;:/()*+\\-\\n]{0,400}") {
        check(&s);
    }

    #[test]
    fn never_panics_on_directive_fragments(s in fragments()) {
        check(&s);
    }
}

/// Large inputs stay fast: every pass is linear or bounded per item.
#[test]
fn large_inputs_are_parsed_quickly() {
    let item = "- Giao Sở Nội vụ chủ trì, phối hợp với các Sở: Tài chính, Xây dựng báo cáo UBND tỉnh, trường hợp báo cáo, giao, đề nghị Sở Y tế trước ngày 20/6/2023 ";
    let one_line = format!("1. {}", item.repeat(4000));
    let many_lines = format!("1. Giao Sở Nội vụ:\n{}", format!("{item}\n").repeat(4000));
    for text in [
        one_line,
        many_lines,
        "Kínhgửichủtrìphốihợp ".repeat(20000),
        "a".repeat(1 << 20),
    ] {
        let start = std::time::Instant::now();
        let _ = parse(&text, &ParseOptions::default());
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{} bytes took {:?}",
            text.len(),
            start.elapsed()
        );
    }
}
