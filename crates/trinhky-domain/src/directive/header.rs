//! The header (thể thức): parent body and issuing body (left column), the national motto (right
//! column), "Số: …", "Địa danh, ngày … tháng … năm …", the type line and the trích yếu. The two
//! columns are often flattened by conversion onto one line:
//! "ỦY BAN NHÂN DÂN TỈNH ĐẮK NÔNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".

use chrono::NaiveDate;

use super::DocumentInfo;
use super::layout::{self, Layout};
use super::pattern::Re;

static NUMBER: Re = Re::new(r"(?i)\bSố\s*:\s*(\d{1,6}\s*/\s*[0-9A-Za-zĐđ&.\-/]+[0-9A-Za-zĐđ])");
static PLACE_DATE: Re = Re::new(
    r"(?:^|\s)(\p{Lu}[\p{L} .'\-]{0,40}?),\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})",
);
static MOTTO_NATION: Re =
    Re::new(r"(?i)CỘNG\s+H(?:Ò|O)(?:A|À)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM");
static MOTTO: Re = Re::new(r"(?i)Độc\s+lập\s*[-–—]\s*Tự\s+do\s*[-–—]\s*Hạnh\s+phúc");
static VV: Re = Re::new(r"(?:^|\s)(V/v\s.+)$");
static TYPE_CODE: Re = Re::new(r"^\d+\s*/\s*([A-ZĐa-z]{1,4})-");
static LOCALITY_TAIL: Re = Re::new(r"^(?:TỈNH|HUYỆN|THÀNH PHỐ|THỊ XÃ|QUẬN|XÃ|PHƯỜNG|THỊ TRẤN)\b");

pub(super) fn parse(layout: &Layout<'_>, warnings: &mut Vec<String>) -> DocumentInfo {
    let mut doc = DocumentInfo::default();
    let header_lines: Vec<&str> = layout.lines[layout.header.clone()]
        .iter()
        .map(|l| l.text)
        .collect();

    let mut left_units: Vec<String> = Vec::new();
    for raw in &header_lines {
        let mut line = raw.to_string();
        if doc.number.is_none()
            && let Some(c) = NUMBER.captures(&line)
        {
            doc.number = c
                .get(1)
                .map(|m| m.as_str().split_whitespace().collect::<String>());
        }
        if let Some(c) = PLACE_DATE.captures(&line) {
            let place = c.get(1).map(|m| m.as_str().trim().to_owned());
            let date = (|| {
                let d: u32 = c.get(2)?.as_str().parse().ok()?;
                let m: u32 = c.get(3)?.as_str().parse().ok()?;
                let y: i32 = c.get(4)?.as_str().parse().ok()?;
                Some((d, m, y))
            })();
            if doc.date.is_none() {
                doc.place = place.filter(|p| !p.starts_with("Số"));
                if let Some((d, m, y)) = date {
                    doc.date = NaiveDate::from_ymd_opt(y, m, d);
                    if doc.date.is_none() {
                        warnings.push(format!("ngày ban hành {d}/{m}/{y} không phải ngày hợp lệ"));
                    }
                }
            }
        }
        if doc.title.is_none()
            && layout.type_line.is_none()
            && let Some(c) = VV.captures(&line)
        {
            let mut t = c.get(1).map_or("", |m| m.as_str()).to_owned();
            if let Some(pd) = PLACE_DATE.find(&t) {
                t.truncate(pd.start());
            }
            doc.title = Some(t.trim().to_owned());
        }
        // Left column: what remains of a line once the right column and the number/date are cut.
        for re in [&MOTTO_NATION, &MOTTO, &PLACE_DATE, &VV] {
            if let Some(m) = re.find(&line) {
                line.truncate(m.start());
            }
        }
        if let Some(m) = NUMBER.find(&line) {
            line.truncate(m.start());
        }
        let left = line.trim().trim_matches(['-', '_', '*', ' ']).trim();
        if left.chars().filter(|c| c.is_alphabetic()).count() >= 2 && layout::is_all_caps(left) {
            match left_units.last_mut() {
                Some(prev) if LOCALITY_TAIL.is_match(left) => {
                    prev.push(' ');
                    prev.push_str(left);
                }
                _ => left_units.push(left.to_owned()),
            }
        }
    }
    match left_units.len() {
        0 => {}
        1 => doc.issuer = left_units.pop(),
        _ => {
            doc.parent = left_units.first().cloned();
            doc.issuer = left_units.last().cloned();
        }
    }

    if let Some(t) = layout.type_line {
        doc.doc_type = layout::doc_type_of_line(layout.lines[t].text).map(str::to_owned);
        let title: Vec<&str> = layout.lines[layout.title.clone()]
            .iter()
            .map(|l| l.text)
            .collect();
        if !title.is_empty() {
            doc.title = Some(title.join(" "));
        }
    }
    if doc.doc_type.is_none() {
        doc.doc_type = doc
            .number
            .as_deref()
            .and_then(|n| TYPE_CODE.captures(n))
            .and_then(|c| c.get(1))
            .map(|m| m.as_str())
            .filter(|code| layout::DOC_TYPES.iter().any(|(_, c)| c == code))
            .map(str::to_owned);
    }

    if header_lines.is_empty() {
        warnings.push(
            "không thấy phần đầu văn bản: số, cơ quan ban hành, địa danh và ngày tháng để trống"
                .to_owned(),
        );
    } else {
        if doc.number.is_none() {
            warnings.push("không thấy số văn bản (\"Số: …\") ở phần đầu".to_owned());
        }
        if doc.date.is_none() {
            warnings.push(
                "không thấy ngày ban hành (\"…, ngày … tháng … năm …\") ở phần đầu".to_owned(),
            );
        }
    }
    if doc.title.is_none() {
        warnings.push("không thấy trích yếu".to_owned());
    }
    if doc.doc_type.is_none() && doc.title.as_deref().is_some_and(|t| !t.starts_with("V/v")) {
        warnings.push("không nhận ra tên loại văn bản".to_owned());
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for re in [
            &NUMBER,
            &PLACE_DATE,
            &MOTTO_NATION,
            &MOTTO,
            &VV,
            &TYPE_CODE,
            &LOCALITY_TAIL,
        ] {
            assert!(re.compiles());
        }
    }

    #[test]
    fn flattened_header() {
        let text = "ỦY BAN NHÂN DÂN TỈNH ĐẮK NÔNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVĂN PHÒNG Độc lập - Tự do - Hạnh phúc\nSố: 123/TB-VPUBND Gia Nghĩa, ngày 05 tháng 6 năm 2023\n\nTHÔNG BÁO\nKết luận của Chủ tịch\n\n1. Giao Sở Y tế làm.";
        let layout = Layout::of(text);
        let mut w = Vec::new();
        let d = parse(&layout, &mut w);
        assert_eq!(d.parent.as_deref(), Some("ỦY BAN NHÂN DÂN TỈNH ĐẮK NÔNG"));
        assert_eq!(d.issuer.as_deref(), Some("VĂN PHÒNG"));
        assert_eq!(d.number.as_deref(), Some("123/TB-VPUBND"));
        assert_eq!(d.place.as_deref(), Some("Gia Nghĩa"));
        assert_eq!(d.date, NaiveDate::from_ymd_opt(2023, 6, 5));
        assert_eq!(d.doc_type.as_deref(), Some("TB"));
        assert_eq!(d.title.as_deref(), Some("Kết luận của Chủ tịch"));
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn column_header_of_a_cong_van() {
        let text = "ỦY BAN NHÂN DÂN\nTỈNH ĐẮK NÔNG\nSố: 45/UBND-KT\nV/v triển khai thu ngân sách\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nĐắk Nông, ngày 5 tháng 6 năm 2023\nKính gửi: Sở Tài chính.\n1. Đề nghị Sở Tài chính làm.";
        let layout = Layout::of(text);
        let mut w = Vec::new();
        let d = parse(&layout, &mut w);
        assert_eq!(d.parent, None);
        assert_eq!(d.issuer.as_deref(), Some("ỦY BAN NHÂN DÂN TỈNH ĐẮK NÔNG"));
        assert_eq!(d.number.as_deref(), Some("45/UBND-KT"));
        assert_eq!(d.title.as_deref(), Some("V/v triển khai thu ngân sách"));
        assert_eq!(d.place.as_deref(), Some("Đắk Nông"));
        assert_eq!(d.doc_type, None);
    }
}
