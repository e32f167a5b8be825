//! Agency names in running text: lead agencies (chủ trì), co-agencies (phối hợp), report-to
//! bodies (báo cáo về …) and the issuer named in a closing sentence.
//!
//! A name starts at an agency head ("Sở", "UBND", "Văn phòng", "các cơ quan" …), possibly behind
//! a title ("Giám đốc Sở Tài chính" → "Sở Tài chính"), and runs until the predicate starts (a
//! lower-case verb or adverb such as "chủ trì", "khẩn trương", "căn cứ"). Within a list, ";"
//! always separates, while "," and "và" separate only when another head follows ("Sở Văn hóa,
//! Thể thao và Du lịch" stays one name, "Sở Tài chính, Sở Xây dựng" is two). "các Sở: Kế hoạch
//! và Đầu tư, Thông tin và Truyền thông" expands to "Sở Kế hoạch và Đầu tư", "Sở Thông tin và
//! Truyền thông".

use super::pattern::Re;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Leads and co-agencies: titles are stripped to their agency.
    Agency,
    /// Report-to bodies: people by office ("Chủ tịch UBND tỉnh") are kept as written.
    ReportTo,
}

/// Heads that name one agency by themselves.
const STRONG_HEADS: &[&str] = &[
    "UBND",
    "Ủy ban",
    "Uỷ ban",
    "ỦY BAN",
    "Văn phòng",
    "VP",
    "Công an",
    "Kho bạc",
    "Ngân hàng",
    "Bảo hiểm xã hội",
    "BHXH",
    "Thanh tra tỉnh",
    "Thanh tra huyện",
    "Thanh tra Chính phủ",
    "Thanh tra Sở",
    "Trung tâm",
    "Liên đoàn",
    "Liên minh",
    "Tỉnh đoàn",
    "Tỉnh ủy",
    "Tỉnh uỷ",
    "Huyện ủy",
    "Huyện uỷ",
    "Thành ủy",
    "Thành uỷ",
    "Đảng ủy",
    "HĐND",
    "Hội đồng",
    "Mặt trận",
    "MTTQ",
    "Cổng thông tin",
    "Cổng Thông tin",
    "Bệnh viện",
    "Tòa án",
    "Toà án",
    "Viện kiểm sát",
    "Công ty",
    "Tổng công ty",
    "Chi cục",
    "Tổng cục",
    "Bộ Chỉ huy",
    "Bộ đội",
    "Đài Phát thanh",
    "Chính phủ",
    "Cục Thuế",
    "Hải quan",
    "Ban Quản lý",
    "Ban quản lý",
    "Ban Chỉ đạo",
    "Ban chỉ đạo",
    "Ban Thường vụ",
    "Đoàn ĐBQH",
];

/// Heads that need a capitalised word after them ("Sở Y tế", "Ban Dân tộc", "Bộ Nội vụ").
const NAMED_HEADS: &[&str] = &[
    "Sở",
    "Ban",
    "Bộ",
    "Cục",
    "Vụ",
    "Phòng",
    "Hội",
    "Đoàn",
    "Quỹ",
    "Trường",
    "Viện",
    "Đài",
    "Cảng",
    "Học viện",
    "Đại học",
    "Khu",
    "Hạt",
    "Chi nhánh",
    "Báo",
    "Thanh tra",
    "phòng",
    "ban",
];

/// Common nouns that name agencies in general ("các cơ quan, đơn vị", "cơ quan thông tấn").
const GENERIC_HEADS: &[&str] = &[
    "cơ quan",
    "đơn vị",
    "địa phương",
    "Sở",
    "sở",
    "Ban",
    "ban",
    "ngành",
    "huyện",
    "xã",
    "tổ chức",
    "doanh nghiệp",
    "trường",
    "cơ sở",
    "hội",
    "đoàn thể",
    "phòng",
    "Phòng",
    "Bộ",
    "bộ",
    "tỉnh",
    "thành viên",
    "chủ đầu tư",
    "nhà trường",
    "Hội",
    "Chi cục",
    "Trung tâm",
    "Ủy ban",
    "UBND",
    "lực lượng",
    "Báo",
    "báo",
    "Đài",
    "đài",
    "Đoàn",
    "cơ quan báo chí",
];

/// People by office, kept in report-to lists.
const PERSON_HEADS: &[&str] = &[
    "Chủ tịch",
    "Phó Chủ tịch",
    "Giám đốc",
    "Thủ tướng",
    "Phó Thủ tướng",
    "Bộ trưởng",
    "Thường trực",
    "Lãnh đạo",
    "Bí thư",
    "Ban Thường vụ",
    "Tổ công tác",
    "Hội đồng",
];

/// Titles in front of an agency ("Giám đốc Sở Tài chính" → "Sở Tài chính").
const TITLES: &[&str] = &[
    "Thủ trưởng",
    "Người đứng đầu",
    "Giám đốc",
    "Tổng Giám đốc",
    "Chủ tịch",
    "Chánh",
    "Trưởng",
    "Cục trưởng",
    "Chi cục trưởng",
    "Chỉ huy trưởng",
    "Hiệu trưởng",
    "Viện trưởng",
    "Lãnh đạo",
    "Bí thư",
];

/// Compounds whose second word would otherwise read as a predicate ("công trình", "chương trình").
const COMPOUNDS: &[&str] = &[
    "công trình",
    "chương trình",
    "quy trình",
    "lộ trình",
    "tờ trình",
    "hành trình",
    "giáo trình",
    "tư xây dựng",
    "đầu tư xây dựng",
];

/// Agency names that contain "và" before another head.
const AND_NAMES: &[&str] = &[
    "Văn phòng HĐND và UBND",
    "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân",
    "Văn phòng Đoàn ĐBQH và HĐND",
    "Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân",
    "Văn phòng Đoàn ĐBQH, HĐND và UBND",
];

/// Words that start the predicate and so end a name (lower case; capitalised words are names).
const STOPS: &[&str] = &[
    "chủ trì",
    "phối hợp",
    "tham mưu",
    "khẩn trương",
    "kịp thời",
    "căn cứ",
    "tiếp tục",
    "tổ chức",
    "thực hiện",
    "triển khai",
    "nghiên cứu",
    "rà soát",
    "hướng dẫn",
    "theo dõi",
    "đôn đốc",
    "kiểm tra",
    "xây dựng",
    "báo cáo",
    "chỉ đạo",
    "có trách nhiệm",
    "chịu trách nhiệm",
    "thường xuyên",
    "tăng cường",
    "đẩy mạnh",
    "tập trung",
    "quán triệt",
    "nâng cao",
    "đề xuất",
    "trình",
    "ban hành",
    "tổng hợp",
    "cập nhật",
    "bố trí",
    "phân công",
    "giải quyết",
    "xử lý",
    "xem xét",
    "thẩm định",
    "hoàn thành",
    "hoàn thiện",
    "chuẩn bị",
    "cung cấp",
    "gửi",
    "nộp",
    "trước",
    "chậm nhất",
    "trong",
    "để",
    "nhằm",
    "theo",
    "về",
    "khi",
    "sau",
    "nếu",
    "thì",
    "cần",
    "phải",
    "nghiêm túc",
    "chủ động",
    "quan tâm",
    "lưu ý",
    "bảo đảm",
    "đảm bảo",
    "phát huy",
    "tiếp nhận",
    "tuyên truyền",
    "phổ biến",
    "ghi nhận",
    "biểu dương",
    "đánh giá",
    "thống nhất",
    "đồng ý",
    "yêu cầu",
    "đề nghị",
    "giao",
    "được",
    "đã",
    "sớm",
    "ngay",
    "khắc phục",
    "tích cực",
    "duy trì",
    "lập",
    "tiến hành",
    "rút kinh nghiệm",
    "trực tiếp",
    "làm",
    "hỗ trợ",
    "chấp hành",
    "vận động",
    "huy động",
    "quyết liệt",
    "nghiêm",
    "cử",
    "dự",
    "tham dự",
    "tham gia",
    "chuyển",
    "đăng tải",
    "phát động",
    "mở",
    "điều chỉnh",
    "sửa đổi",
    "bổ sung",
    "phê duyệt",
    "chấp thuận",
    "cho",
    "với",
    "ra",
    "rà",
    "đối với",
    "vào",
    "hằng",
    "định kỳ",
    "lựa chọn",
    "tổ chức thực hiện",
    "là",
    "có ý kiến",
    "kết luận",
    "hoan nghênh",
    "tiếp thu",
    "giám sát",
    "thanh tra",
    "quản lý chặt chẽ",
    "tạo điều kiện",
    "ưu tiên",
    "phân bổ",
    "cân đối",
    "tính toán",
    "dành",
];

/// Verbs after which the subject at the start of an item is the speaker ("UBND tỉnh ghi nhận …",
/// "Chủ tịch UBND tỉnh giao …"), not a lead.
const SPEAKER_VERBS: &[&str] = &[
    "ghi nhận",
    "biểu dương",
    "hoan nghênh",
    "đánh giá",
    "yêu cầu",
    "đề nghị",
    "giao",
    "thống nhất",
    "đồng ý",
    "chấp thuận",
    "chỉ đạo",
    "lưu ý",
    "nhấn mạnh",
    "kết luận",
    "cơ bản",
    "nhất trí",
    "có ý kiến",
    "thông báo",
    "tiếp thu",
];

/// National names of the departments (Sở) for the "các Sở: A, B" form.
const SO_SUFFIXES: &[&str] = &[
    "Nông nghiệp và Phát triển nông thôn",
    "Lao động - Thương binh và Xã hội",
    "Lao động, Thương binh và Xã hội",
    "Văn hóa, Thể thao và Du lịch",
    "Văn hoá, Thể thao và Du lịch",
    "Kế hoạch và Đầu tư",
    "Thông tin và Truyền thông",
    "Tài nguyên và Môi trường",
    "Khoa học và Công nghệ",
    "Giáo dục và Đào tạo",
    "Nông nghiệp và Môi trường",
    "Dân tộc và Tôn giáo",
    "Giao thông vận tải",
    "Giao thông - Vận tải",
    "Tài chính",
    "Nội vụ",
    "Tư pháp",
    "Công Thương",
    "Công thương",
    "Xây dựng",
    "Y tế",
    "Ngoại vụ",
    "Du lịch",
];

fn starts_word(s: &str, w: &str) -> bool {
    s.strip_prefix(w)
        .is_some_and(|r| r.is_empty() || !r.starts_with(char::is_alphanumeric))
}

fn next_word(s: &str) -> &str {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !c.is_alphanumeric() && c != '&' && c != '-')
        .unwrap_or(s.len());
    &s[..end]
}

fn starts_upper(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// Length of the head at the start of `s` (including a leading "các"), if `s` names an agency.
fn head_len(s: &str, mode: Mode, generic_ok: bool) -> Option<usize> {
    let rest = s
        .strip_prefix("các ")
        .or_else(|| s.strip_prefix("Các "))
        .unwrap_or(s);
    let cac = s.len() - rest.len();
    if rest.starts_with("Sở:") {
        return Some(cac + "Sở".len());
    }
    for h in STRONG_HEADS {
        if starts_word(rest, h) {
            return Some(cac + h.len());
        }
    }
    for h in NAMED_HEADS {
        if starts_word(rest, h) && starts_upper(next_word(&rest[h.len()..])) {
            return Some(cac + h.len());
        }
    }
    for h in GENERIC_HEADS {
        let lower = h.starts_with(char::is_lowercase);
        if (cac > 0 || (generic_ok && lower)) && starts_word(rest, h) {
            return Some(cac + h.len());
        }
    }
    if mode == Mode::ReportTo {
        for h in PERSON_HEADS {
            if starts_word(rest, h) {
                return Some(cac + h.len());
            }
        }
    }
    None
}

fn strip_title(s: &str, mode: Mode) -> &str {
    if mode == Mode::ReportTo {
        return s;
    }
    for t in TITLES {
        if let Some(rest) = s.strip_prefix(t).and_then(|r| r.strip_prefix(' '))
            && head_len(rest, mode, false).is_some()
        {
            return rest;
        }
    }
    s
}

/// "… công" + "trình …" is the compound "công trình", not the verb "trình".
fn continues_compound(before: &str, after: &str) -> bool {
    let mut words = before.rsplit(' ');
    let prev = words.next().unwrap_or("");
    let prev2 = words.next().unwrap_or("");
    let one = format!("{prev} {after}");
    let two = format!("{prev2} {prev} {after}");
    COMPOUNDS
        .iter()
        .any(|c| starts_word(&one, c) || starts_word(&two, c))
}

pub(super) fn is_stop_at(s: &str) -> bool {
    STOPS.iter().any(|w| starts_word(s, w))
}

/// What comes after a separator: another agency, or the end of the list.
fn head_follows(s: &str, mode: Mode, generic_ok: bool) -> bool {
    let s = s.trim_start();
    let s = strip_title(s, mode);
    !is_stop_at(s) && head_len(s, mode, generic_ok).is_some()
}

/// Parse a list of agencies at the start of `s`. Returns the names and the bytes consumed.
pub(super) fn list_at(s: &str, mode: Mode) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut pos = 0usize;
    let mut generic_ok = matches!(mode, Mode::Agency);
    loop {
        let rest = &s[pos..];
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        // "Trưởng phòng Nội vụ" → "Phòng Nội vụ", "Trưởng ban Dân tộc" → "Ban Dân tộc".
        let by_lower_title = mode == Mode::Agency
            && (trimmed.starts_with("Trưởng phòng ") || trimmed.starts_with("Trưởng ban "));
        let stripped = if by_lower_title {
            &trimmed["Trưởng ".len()..]
        } else {
            strip_title(trimmed, mode)
        };
        pos += trimmed.len() - stripped.len();
        let Some(hl) = head_len(stripped, mode, generic_ok) else {
            break;
        };
        if is_stop_at(stripped) {
            break;
        }
        // "các Sở: A, B" / "Sở: A, B"
        let after_head = &stripped[hl..];
        if stripped[..hl].ends_with("Sở") && after_head.starts_with(':') {
            let (expanded, used) = expand_so_list(&after_head[1..]);
            if !expanded.is_empty() {
                names.extend(expanded);
                pos += hl + 1 + used;
                break;
            }
        }
        let (len, next) = name_len(stripped, hl, mode);
        let mut name = clean_name(&stripped[..len]);
        if by_lower_title {
            name = capitalize(&name);
        }
        if !name.is_empty() {
            names.push(name);
        }
        pos += len;
        match next {
            Some(skip) => pos += skip,
            None => break,
        }
        generic_ok = true;
    }
    (names, pos.min(s.len()))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn clean_name(s: &str) -> String {
    s.trim()
        .trim_end_matches([',', ';', ':', '.', ' '])
        .trim()
        .to_owned()
}

/// Length of the name starting at `s` (whose head is `hl` bytes), and, when another name
/// follows, how many separator bytes to skip to reach it.
fn name_len(s: &str, hl: usize, mode: Mode) -> (usize, Option<usize>) {
    let mut i = AND_NAMES
        .iter()
        .find(|n| starts_word(s, n))
        .map_or(hl, |n| n.len());
    let mut depth = 0usize;
    while i < s.len() {
        let rest = &s[i..];
        let Some(c) = rest.chars().next() else { break };
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            ';' => {
                let after = &rest[1..];
                return if head_follows(after, mode, true) {
                    (i, Some(1))
                } else {
                    (i, None)
                };
            }
            ',' => {
                let after = &rest[1..];
                if head_follows(after, mode, false) {
                    return (i, Some(1));
                }
                let a = after.trim_start();
                if is_stop_at(a) || a.starts_with(|c: char| c.is_ascii_digit()) || a.is_empty() {
                    return (i, None);
                }
            }
            '.' if ["TP", "Tp", "TX", "TT", "Q", "P", "H"]
                .iter()
                .any(|a| s[..i].ends_with(&format!(" {a}"))) => {}
            '.' | ':' | '\n' => return (i, None),
            ' ' => {
                let after = &rest[1..];
                if starts_word(after, "và") || starts_word(after, "cùng") {
                    let w = if starts_word(after, "và") {
                        "và"
                    } else {
                        "cùng"
                    };
                    if head_follows(&after[w.len()..], mode, true) {
                        return (i, Some(1 + w.len()));
                    }
                } else if is_stop_at(after) && !continues_compound(&s[..i], after) {
                    return (i, None);
                }
            }
            _ => {}
        }
        i += c.len_utf8();
    }
    (s.len(), None)
}

/// "Kế hoạch và Đầu tư, Thông tin và Truyền thông, Văn phòng UBND tỉnh và các đơn vị …".
fn expand_so_list(s: &str) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut pos = 0usize;
    loop {
        let rest = &s[pos..];
        let t = rest.trim_start();
        pos += rest.len() - t.len();
        if t.is_empty() || is_stop_at(t) {
            break;
        }
        let len = if head_len(t, Mode::Agency, true).is_some() {
            let (names_here, used) = list_at(t, Mode::Agency);
            names.extend(names_here);
            pos += used;
            break;
        } else if let Some(known) = SO_SUFFIXES.iter().find(|k| starts_word(t, k)) {
            names.push(format!("Sở {known}"));
            known.len()
        } else if starts_upper(t) {
            let end = t
                .char_indices()
                .find(|&(i, c)| {
                    matches!(c, ',' | ';' | '.' | ':' | '\n')
                        || (c == ' ' && {
                            let a = &t[i + 1..];
                            is_stop_at(a)
                                || (starts_word(a, "và")
                                    && head_follows(&a["và".len()..], Mode::Agency, true))
                        })
                })
                .map_or(t.len(), |(i, _)| i);
            let n = clean_name(&t[..end]);
            if n.is_empty() {
                break;
            }
            names.push(format!("Sở {n}"));
            end
        } else {
            break;
        };
        pos += len;
        let rest = &s[pos..];
        if let Some(r) = rest.strip_prefix(',') {
            pos += rest.len() - r.len();
        } else if let Some(r) = rest.strip_prefix(" và ") {
            pos += rest.len() - r.len();
        } else {
            break;
        }
    }
    (names, pos)
}

fn push_unique(v: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for i in items {
        if !v.contains(&i) {
            v.push(i);
        }
    }
}

static ASSIGN: Re = Re::new(r"(?i)(?:^|[\s,;.:(])(giao|đề\s+nghị|yêu\s+cầu)(?:\s+cho)?\s+");
static NOT_ASSIGN_BEFORE: Re =
    Re::new(r"(?i)(?:được|đã|đang|vừa|nhiệm\s+vụ|việc|của|theo|như|với)\s*$");
static START_ASSIGN: Re = Re::new(r"^(?:Giao|Đề nghị|Yêu cầu)(?:\s+cho)?\s*:?\s+");
static COOP: Re = Re::new(
    r"(?i)(?:phối\s+hợp(?:\s+chặt\s+chẽ)?(?:\s+(?:với|cùng))?|sự\s+phối\s+hợp\s+của|cùng\s+với)\s+",
);
static REPORT: Re = Re::new(r"(?i)\b(?:báo\s+cáo|gửi)\b");
static ADVISE: Re = Re::new(r"(?i)\b(?:tham\s+mưu|trình)(?:\s*,\s*(?:đề\s+xuất|trình))?\s+");

/// The lead agencies an item names itself (empty when it names none).
pub(super) fn leads(text: &str) -> Vec<String> {
    let text = text.trim_start();
    if let Some(m) = START_ASSIGN.find(text) {
        let (names, _) = list_at(&text[m.end()..], Mode::Agency);
        if !names.is_empty() {
            return names;
        }
    }
    let (names, used) = list_at(text, Mode::Agency);
    if !names.is_empty() {
        let after = text[used..].trim_start();
        if !SPEAKER_VERBS.iter().any(|v| starts_word(after, v)) {
            return names;
        }
    }
    for c in ASSIGN.captures_iter(text) {
        let (Some(verb), Some(all)) = (c.get(1), c.get(0)) else {
            continue;
        };
        if NOT_ASSIGN_BEFORE.is_match(tail(&text[..verb.start()], 64)) {
            continue;
        }
        let (names, _) = list_at(&text[all.end()..], Mode::Agency);
        if !names.is_empty() {
            return names;
        }
    }
    Vec::new()
}

/// Co-agencies named after "phối hợp (với)".
pub(super) fn co_agencies(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for m in COOP.find_iter(text) {
        let (names, _) = list_at(&text[m.end()..], Mode::Agency);
        push_unique(&mut out, names);
    }
    out
}

/// Where the result goes: "báo cáo (kết quả) về UBND tỉnh (qua Sở Nội vụ) và Bộ Nội vụ",
/// "gửi về Sở Nội vụ"; failing those, whom the lead advises ("tham mưu UBND tỉnh …").
/// Returns the bodies and the words of the first report ("Báo cáo kết quả"), if any.
pub(super) fn report_to(text: &str) -> (Vec<String>, Option<String>) {
    let mut out = Vec::new();
    let mut report_words = None;
    for m in REPORT.find_iter(text) {
        let mut rest = &text[m.end()..];
        if starts_word(rest.trim_start(), "số") || in_condition(&text[..m.start()]) {
            continue;
        }
        let mut skipped = 0usize;
        let mut found = false;
        for _ in 0..8 {
            let t = rest.trim_start();
            if let Some(r) = t.strip_prefix(',') {
                let r2 = r.trim_start();
                if starts_word(r2, "đề xuất") || starts_word(r2, "kiến nghị") {
                    rest = r;
                    continue;
                }
                break;
            }
            if t.starts_with(['.', ';', ':', '(']) || t.is_empty() {
                break;
            }
            if head_len(t, Mode::ReportTo, false).is_some() && !is_stop_at(t) {
                let (names, _) = list_at(t, Mode::ReportTo);
                if !names.is_empty() {
                    push_unique(&mut out, names);
                    found = true;
                }
                break;
            }
            let w = next_word(t);
            let wl = if w.is_empty() {
                t.chars().next().map_or(1, char::len_utf8)
            } else {
                w.len()
            };
            if !matches!(w, "về" | "cho" | "lên" | "đến" | "tới") {
                skipped += 1;
            }
            rest = &t[wl..];
        }
        if found && report_words.is_none() && m.as_str().to_lowercase().starts_with("báo") {
            let words = &text[m.start()..];
            let stop = words
                .match_indices(' ')
                .map(|(i, _)| i)
                .take(skipped.saturating_add(2))
                .last()
                .filter(|_| skipped > 0)
                .unwrap_or_else(|| m.as_str().len());
            let w = words[..stop.min(words.len())].trim_end_matches([',', ' ']);
            report_words = Some(w.to_owned());
        }
    }
    if out.is_empty() {
        for m in ADVISE.find_iter(text) {
            if in_condition(&text[..m.start()]) {
                continue;
            }
            let (names, _) = list_at(&text[m.end()..], Mode::ReportTo);
            if !names.is_empty() {
                push_unique(&mut out, names);
                break;
            }
        }
    }
    (out, report_words)
}

/// Is the position after `before` inside a conditional clause ("trường hợp …, báo cáo …")?
pub(super) fn in_condition(before: &str) -> bool {
    static COND: Re = Re::new(r"(?i)(?:trường\s+hợp|nếu|khi|phát\s+sinh)[^.;]*$");
    COND.is_match(tail(before, 400))
}

/// The last `max` bytes of `s` (or a little less, at a character boundary): the look-behind
/// checks only need the end of the clause, and scanning whole prefixes would be quadratic.
fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết" → "Văn phòng UBND tỉnh".
pub(super) fn issuer_from_closing(closing: &str) -> Option<String> {
    static WHO: Re = Re::new(
        r"(?i)([^;.,]+?)\s+(?:xin\s+)?thông\s+báo\s+(?:để|ý\s+kiến|kết\s+luận|nội\s+dung|đến)",
    );
    let c = WHO.captures(closing)?;
    let who = c.get(1)?.as_str().trim();
    let (names, used) = list_at(who, Mode::Agency);
    (names.len() == 1 && used + 1 >= who.len())
        .then(|| names.into_iter().next())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        for re in [
            &ASSIGN,
            &NOT_ASSIGN_BEFORE,
            &START_ASSIGN,
            &COOP,
            &REPORT,
            &ADVISE,
        ] {
            assert!(re.compiles());
        }
    }

    #[test]
    fn leads_by_title_and_group() {
        assert_eq!(
            leads(
                "Thủ trưởng các Sở, Ban, ngành; Chủ tịch UBND các huyện, thành phố căn cứ chức năng, nhiệm vụ được giao:"
            ),
            ["các Sở, Ban, ngành", "UBND các huyện, thành phố"]
        );
        assert_eq!(
            leads("Giám đốc Sở Tài chính chủ trì thẩm định."),
            ["Sở Tài chính"]
        );
        assert_eq!(leads("Giao Sở Nội vụ:"), ["Sở Nội vụ"]);
        assert_eq!(
            leads("Giao Sở Kế hoạch và Đầu tư chủ trì, phối hợp"),
            ["Sở Kế hoạch và Đầu tư"]
        );
        assert_eq!(
            leads(
                "Các cơ quan báo, đài địa phương; cơ quan thông tấn, báo chí Trung ương đóng chân trên địa bàn tỉnh kịp thời tiếp cận"
            ),
            [
                "Các cơ quan báo, đài địa phương",
                "cơ quan thông tấn, báo chí Trung ương đóng chân trên địa bàn tỉnh"
            ]
        );
        assert_eq!(
            leads(
                "Ủy ban nhân dân tỉnh ghi nhận những cố gắng. Trong thời gian tới, yêu cầu các cơ quan, đơn vị, địa phương tiếp tục phát huy"
            ),
            ["các cơ quan, đơn vị, địa phương"]
        );
        assert_eq!(
            leads("Sở Văn hóa, Thể thao và Du lịch, Sở Y tế chủ trì"),
            ["Sở Văn hóa, Thể thao và Du lịch", "Sở Y tế"]
        );
        assert_eq!(
            leads("Chủ tịch UBND tỉnh giao Công an tỉnh, Bộ Chỉ huy Quân sự tỉnh theo dõi"),
            ["Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh"]
        );
        assert!(
            leads("Theo dõi, đôn đốc các nhiệm vụ đã giao các Sở: Nội vụ, Tài chính thực hiện")
                .is_empty()
        );
        assert!(leads("phù hợp với vị trí việc làm và yêu cầu công tác.").is_empty());
    }

    #[test]
    fn co_agencies_expand_so_lists() {
        assert_eq!(
            co_agencies(
                "Chủ trì, phối hợp với các Sở: Kế hoạch và Đầu tư, Thông tin và Truyền thông, Văn phòng UBND tỉnh và các đơn vị có liên quan nghiên cứu"
            ),
            [
                "Sở Kế hoạch và Đầu tư",
                "Sở Thông tin và Truyền thông",
                "Văn phòng UBND tỉnh",
                "các đơn vị có liên quan"
            ]
        );
        assert_eq!(
            co_agencies("phối hợp với các đơn vị có liên quan tiếp tục"),
            ["các đơn vị có liên quan"]
        );
        assert_eq!(
            co_agencies("phối hợp với Sở: Tài chính, Xây dựng và Công an tỉnh thẩm định"),
            ["Sở Tài chính", "Sở Xây dựng", "Công an tỉnh"]
        );
        assert!(co_agencies("tăng cường sự phối hợp giữa các cấp, các ngành").is_empty());
    }

    #[test]
    fn report_to_bodies() {
        let (r, w) =
            report_to("Báo cáo kết quả về UBND tỉnh (qua Sở Nội vụ) trước ngày 20/6/2023.");
        assert_eq!(r, ["UBND tỉnh (qua Sở Nội vụ)"]);
        assert_eq!(w.as_deref(), Some("Báo cáo kết quả"));
        let (r, _) =
            report_to("báo cáo UBND tỉnh (qua Sở Nội vụ) và Bộ Nội vụ trước ngày 20/6/2023");
        assert_eq!(r, ["UBND tỉnh (qua Sở Nội vụ)", "Bộ Nội vụ"]);
        let (r, _) = report_to("tổng hợp, báo cáo Chủ tịch UBND tỉnh trước 30/6");
        assert_eq!(r, ["Chủ tịch UBND tỉnh"]);
        let (r, _) =
            report_to("tại Báo cáo số 119/BC-SNV; trường hợp vượt thẩm quyền, báo cáo UBND tỉnh");
        assert!(r.is_empty());
        let (r, _) = report_to("Khẩn trương tham mưu UBND tỉnh ban hành Kế hoạch");
        assert_eq!(r, ["UBND tỉnh"]);
    }

    #[test]
    fn issuer_from_closing_sentence() {
        assert_eq!(
            issuer_from_closing("Trên đây là nội dung kết luận; Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, tổ chức thực hiện./.").as_deref(),
            Some("Văn phòng UBND tỉnh")
        );
        assert_eq!(issuer_from_closing("Trân trọng./."), None);
    }
}
