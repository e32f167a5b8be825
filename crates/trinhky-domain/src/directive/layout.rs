//! Where the parts of a directive are: header, type line and trích yếu, "Kính gửi", body,
//! "Nơi nhận" and the signature block. Works on lines of the normalised text.

use super::pattern::Re;

#[derive(Debug, Clone, Copy)]
pub(super) struct Line<'a> {
    /// Byte offset of the line in the normalised text.
    pub start: usize,
    pub text: &'a str,
}

impl Line<'_> {
    pub(super) fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

pub(super) struct Layout<'a> {
    pub text: &'a str,
    pub lines: Vec<Line<'a>>,
    /// Lines of the header (both columns), before the type line / "Kính gửi" / body.
    pub header: std::ops::Range<usize>,
    /// The type line ("THÔNG BÁO"), if any.
    pub type_line: Option<usize>,
    /// The trích yếu lines after the type line.
    pub title: std::ops::Range<usize>,
    /// "Kính gửi" block.
    pub addressees: std::ops::Range<usize>,
    pub body: std::ops::Range<usize>,
    /// Everything after the body: "Nơi nhận" and the signature block, in whatever order.
    pub footer: std::ops::Range<usize>,
}

pub(super) const DOC_TYPES: &[(&str, &str)] = &[
    ("THÔNG BÁO", "TB"),
    ("KẾ HOẠCH", "KH"),
    ("QUYẾT ĐỊNH", "QĐ"),
    ("CHỈ THỊ", "CT"),
    ("BÁO CÁO", "BC"),
    ("TỜ TRÌNH", "TTr"),
    ("CÔNG ĐIỆN", "CĐ"),
    ("GIẤY MỜI", "GM"),
    ("KẾT LUẬN", "KL"),
    ("NGHỊ QUYẾT", "NQ"),
    ("CHƯƠNG TRÌNH", "CTr"),
    ("HƯỚNG DẪN", "HD"),
    ("PHƯƠNG ÁN", "PA"),
    ("ĐỀ ÁN", "ĐA"),
    ("BIÊN BẢN", "BB"),
];

static MARKER: Re =
    Re::new(r"^(?:(?:I|II|III|IV|V|VI|VII|VIII|IX|X)\.|\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ]\)|[-+])\s");
static KINH_GUI: Re = Re::new(
    r"(?i)^(?:-?\s*kính\s+gửi\b|(?:thủ\s+tướng\s+chính\s+phủ|chủ\s+tịch\s+(?:UBND|ủy\s+ban\s+nhân\s+dân)[^:]{0,30}|bộ\s+trưởng[^:]{0,30})\s+điện\s*:)",
);
static NOI_NHAN: Re = Re::new(r"(?i)^-?\s*nơi\s+nhận\b");
static AUTHORITY: Re = Re::new(r"^(?:KT|TM|TL|TUQ|Q)\s?\.\s*\p{Lu}");
static SEPARATOR: Re = Re::new(r"^[\s\-_=*~.—–]+$");

pub(super) fn is_marker_line(s: &str) -> bool {
    MARKER.is_match(s)
}

pub(super) fn is_kinh_gui(s: &str) -> bool {
    KINH_GUI.is_match(s)
}

pub(super) fn is_noi_nhan(s: &str) -> bool {
    NOI_NHAN.is_match(s)
}

pub(super) fn is_authority(s: &str) -> bool {
    AUTHORITY.is_match(s) && is_all_caps(s)
}

pub(super) fn is_separator(s: &str) -> bool {
    SEPARATOR.is_match(s)
}

pub(super) fn is_all_caps(s: &str) -> bool {
    let mut letters = s.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek().is_some() && letters.all(|c| !c.is_lowercase())
}

/// "THÔNG BÁO" → "TB" when the whole line is a type name (optionally followed by more capitals).
pub(super) fn doc_type_of_line(s: &str) -> Option<&'static str> {
    let t = s.trim().trim_end_matches(['.', ':']);
    if !is_all_caps(t) {
        return None;
    }
    DOC_TYPES
        .iter()
        .find(|(name, _)| {
            t == *name
                || t.strip_prefix(name)
                    .is_some_and(|r| r.starts_with(' ') && r.len() < 40)
        })
        .map(|(_, code)| *code)
}

impl<'a> Layout<'a> {
    pub(super) fn of(text: &'a str) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        for part in text.split('\n') {
            lines.push(Line { start, text: part });
            start += part.len() + 1;
        }
        let n = lines.len();
        let first_marker = lines
            .iter()
            .position(|l| is_marker_line(l.text) && !l.text.starts_with(['-', '+']));
        let first_item = first_marker.unwrap_or(n);
        let kinh_gui = lines[..first_item].iter().position(|l| is_kinh_gui(l.text));
        let search_end = kinh_gui.unwrap_or(first_item).min(n);
        let type_line = lines[..search_end]
            .iter()
            .position(|l| doc_type_of_line(l.text).is_some());

        // Title: consecutive lines after the type line.
        let mut title = 0..0;
        if let Some(t) = type_line {
            let mut i = t + 1;
            while i < n && (lines[i].text.is_empty() || is_separator(lines[i].text)) && i < t + 3 {
                i += 1;
            }
            let begin = i;
            while i < n && i < begin + 3 {
                let l = lines[i].text;
                if l.is_empty()
                    || is_separator(l)
                    || is_kinh_gui(l)
                    || is_marker_line(l)
                    || starts_body(l)
                {
                    break;
                }
                if i > begin && l.ends_with(['.', ':']) {
                    break;
                }
                i += 1;
            }
            title = begin..i;
        }

        // Addressees.
        let mut addressees = 0..0;
        if let Some(k) = kinh_gui {
            let mut i = k + 1;
            let inline = lines[k]
                .text
                .split_once(':')
                .is_some_and(|(_, r)| !r.trim().is_empty());
            while i < n {
                let l = lines[i].text;
                let bullet = l.starts_with(['-', '+']);
                let listy =
                    !inline && l.len() < 200 && l.ends_with([';', '.', ',']) && !is_marker_line(l);
                if l.is_empty() && i == k + 1 {
                    i += 1;
                    continue;
                }
                if bullet || listy {
                    i += 1;
                    if l.ends_with('.') {
                        break;
                    }
                } else {
                    break;
                }
            }
            addressees = k..i;
        }

        let header_end = type_line
            .or(kinh_gui)
            .unwrap_or_else(|| header_end_without_type(&lines, first_item));
        let body_start = match (type_line, kinh_gui) {
            (Some(t), _) => title.end.max(addressees.end).max(t + 1),
            (None, Some(_)) => addressees.end,
            (None, None) => header_end,
        };

        // Body end: the closing "./." line (inclusive), "Nơi nhận", or a signature authority line.
        let mut body_end = n;
        for (i, l) in lines.iter().enumerate().skip(body_start) {
            if is_noi_nhan(l.text) || is_authority(l.text) {
                body_end = i;
                break;
            }
            if l.text.ends_with("/.") || l.text.ends_with("./") {
                body_end = i + 1;
                break;
            }
        }
        let body_start = body_start.min(body_end);
        Layout {
            text,
            lines,
            header: 0..header_end.min(n),
            type_line,
            title,
            addressees,
            body: body_start..body_end,
            footer: body_end..n,
        }
    }

    pub(super) fn footer_lines(&self) -> Vec<&'a str> {
        self.lines[self.footer.clone()]
            .iter()
            .map(|l| l.text)
            .collect()
    }
}

fn starts_body(l: &str) -> bool {
    static BODY: Re = Re::new(
        r"^(?:(?:Căn cứ|Thực hiện|Vừa qua|Theo|Để|Sáng|Chiều|Trên cơ sở|Xét|Tham dự|Hôm nay|Chủ tịch|Thủ tướng)\b|Ngày\s+\d)",
    );
    BODY.is_match(l)
}

/// Without a type line or "Kính gửi", the header is the leading block that ends with the
/// place-and-date line (if one is found near the top); otherwise there is no header.
fn header_end_without_type(lines: &[Line<'_>], first_item: usize) -> usize {
    static PLACE_DATE: Re = Re::new(r"(?i)ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}");
    static MOTTO: Re = Re::new(r"(?i)độc\s+lập\s*[-–]\s*tự\s+do");
    let limit = first_item.min(14).min(lines.len());
    lines[..limit]
        .iter()
        .rposition(|l| {
            PLACE_DATE.is_match(l.text) || MOTTO.is_match(l.text) || l.text.starts_with("Số:")
        })
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for re in [&MARKER, &KINH_GUI, &NOI_NHAN, &AUTHORITY, &SEPARATOR] {
            assert!(re.compiles());
        }
    }

    #[test]
    fn finds_parts() {
        let text = "ỦY BAN NHÂN DÂN\nSố: 12/UBND-TH\nV/v triển khai\n\nKính gửi:\n- Sở Y tế;\n- Sở Tài chính.\n\nĐể triển khai, UBND tỉnh đề nghị:\n1. Sở Y tế làm A.\nTrân trọng./.\nNơi nhận:\n- Như trên;\nCHỦ TỊCH\nNguyễn Văn A";
        let l = Layout::of(text);
        assert_eq!(l.header, 0..4);
        assert_eq!(l.addressees, 4..7);
        assert_eq!(l.lines[l.body.start].text, "");
        assert_eq!(l.lines[l.body.end - 1].text, "Trân trọng./.");
        assert_eq!(
            l.footer_lines(),
            ["Nơi nhận:", "- Như trên;", "CHỦ TỊCH", "Nguyễn Văn A"]
        );
    }

    #[test]
    fn type_lines() {
        assert_eq!(doc_type_of_line("THÔNG BÁO"), Some("TB"));
        assert_eq!(doc_type_of_line("KẾ HOẠCH"), Some("KH"));
        assert_eq!(doc_type_of_line("Thông báo"), None);
    }
}
