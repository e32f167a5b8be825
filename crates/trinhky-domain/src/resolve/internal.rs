//! Internal distribution lines of a Nơi nhận: "- Giám đốc, các PGĐ Sở;", "- Các phòng, đơn vị
//! thuộc Sở;", "- Cổng TTĐT Sở;", "- Chủ tịch, các PCT UBND tỉnh;" (in the province's own
//! letter). They name the issuing agency's own leaders, units, staff or web portal, with the
//! agency itself only as a bare generic noun ("Sở", "cơ quan", "UBND tỉnh"), and are delivered
//! inside the agency, not sent anywhere.
//!
//! A line is internal when every word of it belongs to that vocabulary and at least one word
//! names people or units. A line that names another body ("Giám đốc Sở Tài chính") has words
//! outside it ("tài chính") and is left to the directory. The check is run only on lines the
//! directory did not resolve, so "Chủ tịch UBND tỉnh" in a department's letter, which the
//! directory resolves to the province's People's Committee, is never taken for an internal line.

use crate::text::fold;

/// Words (folded, multi-word phrases first) that name the agency's own people and units.
const SUBJECTS: &[&str] = &[
    // Leaders.
    "ban giam doc",
    "pho giam doc",
    "giam doc",
    "ban lanh dao",
    "lanh dao",
    "pho chu tich",
    "chu tich",
    "pho thu truong",
    "thu truong",
    "pho chanh van phong",
    "chanh van phong",
    "pho chanh thanh tra",
    "chanh thanh tra",
    "pho truong phong",
    "truong phong",
    "pho truong ban",
    "truong ban",
    "ke toan truong",
    "thuong truc",
    "bgd",
    "pgd",
    "gd",
    "ct",
    "pct",
    "cvp",
    "pcvp",
    "tp",
    "ptp",
    "ld",
    // Units.
    "phong chuyen mon",
    "phong ban",
    "phong",
    "don vi su nghiep",
    "don vi",
    "van phong",
    "vp",
    "thanh tra",
    "bo phan",
    "to chuyen mon",
    "dang uy",
    "chi bo",
    "cong doan",
    "doan thanh nien",
    // Staff.
    "can bo",
    "cong chuc",
    "vien chuc",
    "nguoi lao dong",
    "chuyen vien",
    "cbccvc",
    "cbcc",
    // The agency's web portal.
    "cong thong tin dien tu",
    "trang thong tin dien tu",
    "cong ttdt",
    "trang ttdt",
    "website",
];

/// Words that may accompany them: the agency named generically, determiners and linkers.
const FILLERS: &[&str] = &[
    "uy ban nhan dan",
    "ubnd",
    "uy ban",
    "co quan",
    "truc thuoc",
    "toan the",
    "tat ca",
    "so",
    "tinh",
    "thanh pho",
    "huyen",
    "xa",
    "phuong",
    "cac",
    "nhung",
    "va",
    "thuoc",
    "cua",
    "cung",
    "toan",
];

/// Folded words of `line`, punctuation removed ("PGĐ," → "pgd").
fn words(line: &str) -> Vec<String> {
    fold(line)
        .split(|c: char| !(c.is_alphanumeric() || c == '&'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Length in words of the longest phrase of `list` at the start of `ws`.
fn longest(list: &[&str], ws: &[String]) -> usize {
    list.iter()
        .map(|p| p.split(' ').collect::<Vec<_>>())
        .filter(|p| p.len() <= ws.len() && p.iter().zip(ws).all(|(a, b)| *a == b))
        .map(|p| p.len())
        .max()
        .unwrap_or(0)
}

/// Determiners and linkers among [`FILLERS`]: not part of the body a line names.
const LINKERS: &[&str] = &[
    "truc thuoc",
    "toan the",
    "tat ca",
    "cac",
    "nhung",
    "va",
    "thuoc",
    "cua",
    "cung",
    "toan",
];

/// When `line` (a Nơi nhận line; bullet, punctuation and parenthetical remarks allowed) names
/// only leaders, units, staff or the portal of a body named generically, that body's words,
/// folded ("ubnd tinh" for "Chủ tịch, các PCT UBND tỉnh"; "so" for "Giám đốc, các PGĐ Sở"; empty
/// for "Các phòng, đơn vị"). The caller decides whose they are: the issuing agency's own (an
/// internal line) unless the body resolves to another agency of the directory.
pub fn internal_body(line: &str) -> Option<String> {
    let cleaned = super::canon::clean(line);
    let ws = words(&cleaned);
    let mut i = 0;
    let mut subject = false;
    let mut body: Vec<&str> = Vec::new();
    while i < ws.len() {
        let s = longest(SUBJECTS, &ws[i..]);
        let f = longest(FILLERS, &ws[i..]);
        if s == 0 && f == 0 {
            return None;
        }
        if s >= f {
            subject = true;
        } else if longest(LINKERS, &ws[i..]) < f {
            body.extend(ws[i..i + f].iter().map(String::as_str));
        }
        i += s.max(f);
    }
    subject.then(|| body.join(" "))
}

/// True when `line` names only the leaders, units, staff or portal of a body named generically.
pub fn is_internal(line: &str) -> bool {
    internal_body(line).is_some()
}

#[cfg(test)]
mod tests {
    use super::{internal_body, is_internal};

    #[test]
    fn the_generic_body_is_returned() {
        assert_eq!(
            internal_body("- Giám đốc, các PGĐ Sở;").as_deref(),
            Some("so")
        );
        assert_eq!(
            internal_body("- Chủ tịch, các PCT UBND tỉnh (b/c);").as_deref(),
            Some("ubnd tinh")
        );
        assert_eq!(internal_body("- Các phòng, đơn vị;").as_deref(), Some(""));
        assert_eq!(internal_body("- Sở Tư pháp;"), None);
    }

    #[test]
    fn the_usual_internal_lines_are_internal() {
        for line in [
            "- Giám đốc, các PGĐ Sở;",
            "- GĐ, các PGĐ Sở (để b/c);",
            "- Ban Giám đốc Sở;",
            "- Các phòng, đơn vị thuộc Sở;",
            "- Các phòng chuyên môn, đơn vị sự nghiệp trực thuộc Sở;",
            "- Lãnh đạo Sở;",
            "- Chánh Văn phòng, các Phó Chánh Văn phòng;",
            "- Chủ tịch, các PCT UBND tỉnh;",
            "- CT, các PCT UBND tỉnh;",
            "- Cổng TTĐT Sở;",
            "- Trang thông tin điện tử Sở;",
            "- Văn phòng Sở;",
            "- Thanh tra Sở;",
            "- Đảng ủy, Công đoàn cơ quan;",
            "- Toàn thể cán bộ, công chức, viên chức;",
            "- CVP, các PCVP;",
        ] {
            assert!(is_internal(line), "{line}");
        }
    }

    #[test]
    fn lines_naming_another_body_or_nothing_are_not_internal() {
        for line in [
            "- Giám đốc Sở Tài chính;",
            "- Sở Tư pháp;",
            "- UBND các huyện, thành phố;",
            "- Các Sở, ban, ngành;",
            "- Sở;",
            "- Như trên;",
            "- Lưu: VT, SNV.",
            "- Công ty Cổ phần ABC;",
            "- Phòng Kinh tế và Hạ tầng các huyện;",
            "",
            "- các;",
        ] {
            assert!(!is_internal(line), "{line}");
        }
    }
}
