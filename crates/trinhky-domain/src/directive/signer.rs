//! The signature block: authority lines ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), the position
//! ("PHÓ CHỦ TỊCH"), notes such as "(đã ký)", and the signer's name. It may come before or after
//! "Nơi nhận", or be glued to the recipient lines when the two footer columns were flattened.

use super::Signer;
use super::layout;
use super::pattern::Re;
use super::recipients::split_signature_tail;

static NOTE: Re = Re::new(
    r"(?i)^\(?\s*(?:đã\s+ký|ký|ký\s+tên|ký,?\s+(?:ghi\s+rõ\s+họ\s+tên|đóng\s+dấu)|chữ\s+ký\s+số|đã\s+ký\s+(?:và|,)\s+đóng\s+dấu|ký\s+và\s+đóng\s+dấu|ký\s+số)[^)]*\)?\.?$",
);
static POSITION_WORD: Re = Re::new(
    r"(?:CHỦ\s+TỊCH|GIÁM\s+ĐỐC|CHÁNH|TRƯỞNG|BÍ\s+THƯ|THỦ\s+TRƯỞNG|ỦY\s+VIÊN|UỶ\s+VIÊN|PHÓ|VĂN\s+PHÒNG|HIỆU\s+TRƯỞNG|TỔNG|THỦ\s+TƯỚNG|BỘ\s+TRƯỞNG|THỨ\s+TRƯỞNG)",
);
static NAME: Re = Re::new(r"^\p{Lu}[\p{L}'’]*(?:[ \-]\p{Lu}[\p{L}'’]*){1,5}$");

pub(super) fn parse(footer: &[&str]) -> Signer {
    // Lines that can belong to the signature column.
    let mut lines: Vec<&str> = Vec::new();
    let mut in_recipients = false;
    for &l in footer {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if layout::is_noi_nhan(l) {
            in_recipients = true;
            if let Some((_, inline)) = l.split_once(':') {
                let inline = inline.trim();
                if layout::is_all_caps(inline) {
                    lines.push(inline);
                } else if let (_, Some(tail)) = split_signature_tail(inline) {
                    lines.push(tail);
                }
            }
            continue;
        }
        let recipient_like = l.starts_with(['-', '+', '•']) || (in_recipients && l.ends_with(';'));
        if recipient_like {
            if let (_, Some(tail)) = split_signature_tail(l) {
                lines.push(tail);
            }
            continue;
        }
        lines.push(l);
    }

    let mut signer = Signer::default();
    let mut authority: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if layout::is_authority(l) {
            authority.push(l);
        } else if signer.position.is_none()
            && layout::is_all_caps(l)
            && POSITION_WORD.is_match(l)
            && !NOTE.is_match(l)
        {
            signer.position = Some(l.to_owned());
        } else if NOTE.is_match(l) {
            // "(đã ký)"
        } else if signer.position.is_some() || !authority.is_empty() {
            let candidate = l.trim_end_matches('.');
            if NAME.is_match(candidate) {
                signer.name = Some(candidate.to_owned());
                break;
            }
        }
        i += 1;
    }
    // "TL. CHỦ TỊCH" with no position line under it: the title after the prefix is the position.
    if signer.position.is_none()
        && let Some(last) = authority.last()
        && !last.starts_with("KT")
    {
        signer.position = last.split_once('.').map(|(_, p)| p.trim().to_owned());
    }
    if !authority.is_empty() {
        signer.authority = Some(authority.join("\n"));
    }
    signer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for re in [&NOTE, &POSITION_WORD, &NAME] {
            assert!(re.compiles());
        }
    }

    #[test]
    fn deputy_signs_for_the_head() {
        let s = parse(&[
            "Nơi nhận:",
            "- Lưu: VT, TH (Dg).",
            "KT. CHÁNH VĂN PHÒNG",
            "PHÓ CHÁNH VĂN PHÒNG",
            "",
            "Nghiêm Đình Hiếu",
        ]);
        assert_eq!(s.authority.as_deref(), Some("KT. CHÁNH VĂN PHÒNG"));
        assert_eq!(s.position.as_deref(), Some("PHÓ CHÁNH VĂN PHÒNG"));
        assert_eq!(s.name.as_deref(), Some("Nghiêm Đình Hiếu"));
    }

    #[test]
    fn on_behalf_of_the_committee() {
        let s = parse(&[
            "TM. ỦY BAN NHÂN DÂN",
            "KT. CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "(đã ký)",
            "Lê Trọng Yên",
            "Nơi nhận:",
            "- Như trên;",
        ]);
        assert_eq!(
            s.authority.as_deref(),
            Some("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH")
        );
        assert_eq!(s.position.as_deref(), Some("PHÓ CHỦ TỊCH"));
        assert_eq!(s.name.as_deref(), Some("Lê Trọng Yên"));
    }

    #[test]
    fn flattened_footer() {
        let s = parse(&[
            "Nơi nhận: KT. CHỦ TỊCH",
            "- Như trên; PHÓ CHỦ TỊCH",
            "- Lưu: VT, KT.",
            "(Đã ký)",
            "Trần Văn Bình",
        ]);
        assert_eq!(s.authority.as_deref(), Some("KT. CHỦ TỊCH"));
        assert_eq!(s.position.as_deref(), Some("PHÓ CHỦ TỊCH"));
        assert_eq!(s.name.as_deref(), Some("Trần Văn Bình"));
    }

    #[test]
    fn head_signs_directly() {
        let s = parse(&["GIÁM ĐỐC", "Nguyễn Văn An"]);
        assert_eq!(s.authority, None);
        assert_eq!(s.position.as_deref(), Some("GIÁM ĐỐC"));
        assert_eq!(s.name.as_deref(), Some("Nguyễn Văn An"));
    }
}
