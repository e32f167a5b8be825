//! "Kính gửi:" addressees and the "Nơi nhận:" distribution list. The last "Lưu: VT, …" line is the
//! archive note, not a recipient. In flattened two-column footers a recipient line may carry the
//! signature column at its end ("- Như trên; PHÓ CHỦ TỊCH"); that tail is cut off here and read
//! by [`super::signer`].

use super::layout::{self, Layout};
use super::pattern::Re;
use super::{Recipient, RecipientKind};

static SO_LIST: Re = Re::new(r"^(?:[Cc]ác\s+)?Sở\s*:");
static LUU: Re = Re::new(r"(?i)^lưu\s*:");
static NHU_TREN: Re = Re::new(r"(?i)^như\s+trên\b");
static PERSON: Re = Re::new(
    r"^(?:CT|PCT|CVP|PCVP|GĐ|PGĐ|Chủ tịch|Phó Chủ tịch|Bí thư|Phó Bí thư|Giám đốc|Phó Giám đốc|Chánh Văn phòng|Phó Chánh Văn phòng|Đồng chí|Đ/c|đ/c|Ông|Bà|Lãnh đạo|LĐ|Thủ tướng|Phó Thủ tướng|Bộ trưởng|Thứ trưởng|Trưởng ban|Các đồng chí|các đồng chí|TT|Thường trực)\b",
);
static GROUP: Re = Re::new(r"(?i)(?:^các\s|\scác\s|^ban,\s*ngành|sở,\s*ban,\s*ngành)");
static AGENCY: Re = Re::new(
    r"(?i)(?:\bSở\b|UBND|Ủy\s+ban|Uỷ\s+ban|Văn\s+phòng|\bVP\b|\bBáo\b|\bĐài\b|Cổng|Tỉnh\s+ủy|Tỉnh\s+uỷ|HĐND|Đoàn\s+ĐBQH|\bBan\b|\bBộ\b|\bCục\b|Công\s+an|Kho\s+bạc|Trung\s+tâm|Thanh\s+tra|Ngân\s+hàng|Bảo\s+hiểm|BHXH|\bHội\b|Liên\s+đoàn|Đảng\s+ủy|MTTQ|Mặt\s+trận|Tòa\s+án|Toà\s+án|Viện|Chi\s+cục|Công\s+báo|thông\s+tin\s+điện\s+tử|Website|Trang\s+thông\s+tin|Huyện\s+ủy|Thành\s+ủy|Tỉnh\s+đoàn|Công\s+ty|Bệnh\s+viện|Trường|Phòng)",
);
/// Position words that mark the signature column when it is glued to a recipient line.
static SIGNATURE_TAIL: Re = Re::new(
    r"(?:^|[;.,]\s*|\s)((?:(?:KT|TM|TL|TUQ|Q)\s?\.\s*)?(?:PHÓ\s+)?(?:CHỦ\s+TỊCH|GIÁM\s+ĐỐC|CHÁNH\s+VĂN\s+PHÒNG|TRƯỞNG\s+BAN|BÍ\s+THƯ|ỦY\s+BAN\s+NHÂN\s+DÂN|UỶ\s+BAN\s+NHÂN\s+DÂN|CỤC\s+TRƯỞNG|THỦ\s+TRƯỞNG|GIÁM\s+ĐỐC\s+SỞ)[\p{Lu}\s.]*)$",
);

fn clean(s: &str) -> String {
    let s = s.trim().trim_start_matches(['-', '+', '•']).trim();
    s.trim_end_matches([';', ',', ' '])
        .trim_end_matches('.')
        .trim()
        .to_owned()
}

pub(super) fn kind_of(text: &str) -> RecipientKind {
    if NHU_TREN.is_match(text) {
        RecipientKind::SameAsAddressees
    } else if PERSON.is_match(text) {
        RecipientKind::Person
    } else if SO_LIST.is_match(text) {
        RecipientKind::Agency
    } else if GROUP.is_match(text) {
        RecipientKind::Group
    } else if AGENCY.is_match(text) {
        RecipientKind::Agency
    } else {
        RecipientKind::Other
    }
}

/// The "Kính gửi" addressees.
pub(super) fn addressees(layout: &Layout<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, l) in layout.lines[layout.addressees.clone()].iter().enumerate() {
        let text = if i == 0 {
            l.text.split_once(':').map_or("", |(_, r)| r)
        } else {
            l.text
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        // Inline lists: "Kính gửi: - Sở A; - Sở B." or "Kính gửi: Sở A; Sở B."
        for part in text.split(';') {
            let part = part.trim();
            let pieces: Vec<&str> = if part.contains(" - ") && part.trim_start().starts_with('-') {
                part.split(" - ").collect()
            } else {
                vec![part]
            };
            for p in pieces {
                let c = clean(p);
                if !c.is_empty() {
                    out.push(c);
                }
            }
        }
    }
    out
}

static NOTE_TAIL: Re = Re::new(r"(?i)\s(\((?:đã\s+ký|ký|đã\s+ký\s+và\s+đóng\s+dấu|ký\s+số)\))\s*$");
static NAME_TAIL: Re = Re::new(r"[.;]\s+(\p{Lu}\p{Ll}*(?:\s+\p{Lu}\p{Ll}+){1,4})\s*$");
const NOT_NAMES: &[&str] = &[
    "Sở",
    "Ban",
    "Bộ",
    "Báo",
    "Đài",
    "Cục",
    "Phòng",
    "Văn",
    "Trung",
    "Công",
    "Ủy",
    "Uỷ",
    "Hội",
    "Đoàn",
    "Kho",
    "Ngân",
    "Bảo",
    "Thanh",
    "Tỉnh",
    "Huyện",
    "Thành",
    "Cổng",
    "Trường",
    "Viện",
    "Chi",
    "Như",
];

/// Split a footer line into its recipient part and a glued signature column tail: a position
/// ("- Như trên; PHÓ CHỦ TỊCH"), a note ("- Như trên; (đã ký)") or the name ("- Lưu: VT. Đỗ Thị Lan Anh").
pub(super) fn split_signature_tail(line: &str) -> (&str, Option<&str>) {
    if layout::is_all_caps(line) {
        return (line, None);
    }
    for re in [&SIGNATURE_TAIL, &NOTE_TAIL] {
        if let Some(m) = re.captures(line).and_then(|c| c.get(1))
            && m.start() > 0
        {
            return (line[..m.start()].trim_end(), Some(m.as_str().trim()));
        }
    }
    if let Some(m) = NAME_TAIL.captures(line).and_then(|c| c.get(1)) {
        let first = m.as_str().split(' ').next().unwrap_or("");
        if !NOT_NAMES.contains(&first) {
            return (line[..m.start()].trim_end(), Some(m.as_str().trim()));
        }
    }
    (line, None)
}

/// The "Nơi nhận" list and the archive line.
pub(super) fn recipients(layout: &Layout<'_>) -> (Vec<Recipient>, Option<String>) {
    let footer = layout.footer_lines();
    let Some(start) = footer.iter().position(|l| layout::is_noi_nhan(l)) else {
        return (Vec::new(), None);
    };
    let mut out = Vec::new();
    let mut archive = None;
    let mut entries: Vec<&str> = Vec::new();
    if let Some((_, inline)) = footer[start].split_once(':') {
        let (r, _) = split_signature_tail(inline.trim());
        if !r.is_empty() && !layout::is_authority(r) && !layout::is_all_caps(r) {
            entries.push(r);
        }
    }
    for l in &footer[start + 1..] {
        if l.is_empty() {
            continue;
        }
        let (r, _) = split_signature_tail(l);
        let bullet = r.starts_with(['-', '+', '•']);
        let listy = r.ends_with([';', '.']) && !layout::is_all_caps(r) && !r.starts_with('(');
        if !(bullet || listy) {
            if archive.is_some() {
                break;
            }
            continue;
        }
        entries.push(r);
        if LUU.is_match(&clean(r)) {
            break;
        }
    }
    for e in entries {
        let text = clean(e);
        if text.is_empty() {
            continue;
        }
        if LUU.is_match(&text) {
            let a = e.trim().trim_start_matches(['-', '+', '•']).trim();
            archive = Some(a.to_owned());
            continue;
        }
        out.push(Recipient {
            kind: kind_of(&text),
            text,
        });
    }
    (out, archive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for re in [
            &LUU,
            &NHU_TREN,
            &PERSON,
            &GROUP,
            &AGENCY,
            &SIGNATURE_TAIL,
            &SO_LIST,
            &NOTE_TAIL,
            &NAME_TAIL,
        ] {
            assert!(re.compiles());
        }
    }

    #[test]
    fn kinds() {
        use RecipientKind::*;
        for (t, k) in [
            ("Các Sở, Ban, ngành", Group),
            ("UBND các huyện, thành phố", Group),
            ("CT, các PCT UBND tỉnh", Person),
            ("CVP, các PCVP UBND tỉnh", Person),
            ("Báo Đăk Nông, Đài PT&TH Đăk Nông", Agency),
            ("Văn phòng Tỉnh ủy", Agency),
            ("Như trên", SameAsAddressees),
            ("Sở: TC, KH&ĐT, GTVT", Agency),
            ("Công thông tin điện tử tỉnh", Agency),
            ("Các tổ chức chính trị - xã hội tỉnh", Group),
            ("TT Tỉnh ủy, TT HĐND tỉnh", Person),
            ("Như Điều 3", Other),
        ] {
            assert_eq!(kind_of(t), k, "{t}");
        }
    }

    #[test]
    fn signature_tails() {
        assert_eq!(
            split_signature_tail("- Như trên; PHÓ CHỦ TỊCH"),
            ("- Như trên;", Some("PHÓ CHỦ TỊCH"))
        );
        assert_eq!(
            split_signature_tail("- CT, các PCT UBND tỉnh; KT. CHỦ TỊCH"),
            ("- CT, các PCT UBND tỉnh;", Some("KT. CHỦ TỊCH"))
        );
        assert_eq!(
            split_signature_tail("- Sở Tài chính;"),
            ("- Sở Tài chính;", None)
        );
        assert_eq!(
            split_signature_tail("- Như trên; (đã ký)"),
            ("- Như trên;", Some("(đã ký)"))
        );
        assert_eq!(
            split_signature_tail("- Lưu: VT, NVY. Đỗ Thị Lan Anh"),
            ("- Lưu: VT, NVY.", Some("Đỗ Thị Lan Anh"))
        );
        assert_eq!(
            split_signature_tail("- Báo Đắk Nông; Sở Nội Vụ"),
            ("- Báo Đắk Nông; Sở Nội Vụ", None)
        );
    }
}
