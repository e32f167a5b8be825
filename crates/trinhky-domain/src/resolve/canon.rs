//! Canonical keys for matching agency names: folded text with the usual administrative
//! abbreviations expanded, punctuation dropped, and the connective "và" (and a non-initial "các")
//! left out, so that "Sở KH&ĐT", "Sở Kế hoạch - Đầu tư" and "so ke hoach va dau tu" share one key.
//!
//! Everything here is Vietnamese administrative language, never an agency name: names are data.

use std::collections::HashMap;

use regex::Regex;

use crate::text::fold;

/// Abbreviations expanded everywhere (in phrases and in directory names), as folded parts. The
/// parts may be written joined ("khdt") or with "&", "-", "," or one space between them ("kh&dt",
/// "ld-tb&xh", "vh,tt&dl").
const ABBREVIATIONS: &[(&[&str], &str)] = &[
    (&["kh", "dt"], "ke hoach va dau tu"),
    (&["tt", "tt"], "thong tin va truyen thong"),
    (&["tn", "mt"], "tai nguyen va moi truong"),
    (&["gd", "dt"], "giao duc va dao tao"),
    (&["ld", "tb", "xh"], "lao dong thuong binh va xa hoi"),
    (&["nn", "ptnt"], "nong nghiep va phat trien nong thon"),
    (&["ptnt"], "phat trien nong thon"),
    (&["vh", "tt", "dl"], "van hoa the thao va du lich"),
    (&["kh", "cn"], "khoa hoc va cong nghe"),
    (&["gtvt"], "giao thong van tai"),
    (&["vpubnd"], "van phong uy ban nhan dan"),
    (&["ubmttqvn"], "uy ban mat tran to quoc viet nam"),
    (&["ubmttq"], "uy ban mat tran to quoc"),
    (&["mttqvn"], "mat tran to quoc viet nam"),
    (&["mttq"], "mat tran to quoc"),
    (&["ubnd"], "uy ban nhan dan"),
    (&["hdnd"], "hoi dong nhan dan"),
    (&["dbqh"], "dai bieu quoc hoi"),
    (&["vp"], "van phong"),
    (&["pt", "th"], "phat thanh va truyen hinh"),
    (&["ttdt"], "thong tin dien tu"),
    (&["tw"], "trung uong"),
    (&["kcn"], "khu cong nghiep"),
    (&["bql"], "ban quan ly"),
    (&["ct", "xh"], "chinh tri xa hoi"),
    (&["ttxvn"], "thong tan xa viet nam"),
    (&["bhxh"], "bao hiem xa hoi"),
    (&["kbnn"], "kho bac nha nuoc"),
    (&["nhnn"], "ngan hang nha nuoc"),
    (&["tand"], "toa an nhan dan"),
    (&["vksnd"], "vien kiem sat nhan dan"),
    (&["chqs"], "chi huy quan su"),
    (&["bdbp"], "bo doi bien phong"),
    (&["ldld"], "lien doan lao dong"),
    (&["lhpn"], "lien hiep phu nu"),
    (&["pvhcc"], "phuc vu hanh chinh cong"),
    (&["hcc"], "hanh chinh cong"),
];

/// Abbreviations that are too short to expand on their own ("TC" alone is nothing); they are
/// expanded only as an item of a list under a head ("Sở: TC, KH&ĐT, GTVT").
const LIST_ABBREVIATIONS: &[(&str, &str)] = &[
    ("tc", "tai chinh"),
    ("ct", "cong thuong"),
    ("xd", "xay dung"),
    ("nv", "noi vu"),
    ("tp", "tu phap"),
    ("yt", "y te"),
];

/// Builds canonical keys. Holds the compiled abbreviation pattern.
#[derive(Debug, Clone)]
pub(super) struct Canon {
    /// `None` only if the pattern failed to compile (the unit tests make sure it does not);
    /// matching then works without abbreviation expansion.
    re: Option<Regex>,
    expansions: HashMap<String, &'static str>,
}

/// The compiled abbreviation pattern is the same for every index: compile it once per process
/// (building it took milliseconds, paid by every request that resolved a recipient).
static SHARED: std::sync::OnceLock<Canon> = std::sync::OnceLock::new();

impl Canon {
    /// The process-wide instance.
    pub(super) fn shared() -> &'static Canon {
        SHARED.get_or_init(Canon::new)
    }

    pub(super) fn new() -> Self {
        let mut alts: Vec<String> = ABBREVIATIONS
            .iter()
            .map(|(parts, _)| {
                parts
                    .iter()
                    .map(|p| regex::escape(p))
                    .collect::<Vec<_>>()
                    .join(r" ?[&,\-]? ?")
            })
            .collect();
        // Leftmost-first alternation: longer alternatives first.
        alts.sort_by_key(|a| std::cmp::Reverse(a.len()));
        let pattern = format!(r"\b(?:{})\b", alts.join("|"));
        let expansions = ABBREVIATIONS
            .iter()
            .map(|(parts, exp)| (parts.concat(), *exp))
            .collect();
        Self {
            re: Regex::new(&pattern).ok(),
            expansions,
        }
    }

    #[cfg(test)]
    pub(super) fn compiles(&self) -> bool {
        self.re.is_some()
    }

    /// Folded text with abbreviations expanded (punctuation kept).
    fn expand(&self, s: &str) -> String {
        let f = fold(s);
        match &self.re {
            Some(re) => re
                .replace_all(&f, |c: &regex::Captures<'_>| {
                    let m = c.get(0).map_or("", |m| m.as_str());
                    let key: String = m.chars().filter(|c| c.is_alphanumeric()).collect();
                    match self.expansions.get(&key) {
                        Some(e) => format!(" {e} "),
                        None => m.to_owned(),
                    }
                })
                .into_owned(),
            None => f,
        }
    }

    /// The canonical tokens of `s`.
    pub(super) fn tokens(&self, s: &str) -> Vec<String> {
        let expanded = self.expand(s);
        let joined: String = expanded
            .chars()
            .filter(|c| !matches!(c, '\'' | '’' | 'ʼ' | '‘'))
            .collect();
        let mut out: Vec<String> = Vec::new();
        for t in joined.split(|c: char| !c.is_alphanumeric()) {
            if t.is_empty() || t == "va" || (t == "cac" && !out.is_empty()) {
                continue;
            }
            out.push(t.to_owned());
        }
        out
    }

    /// The canonical key of `s`: its tokens joined by one space.
    pub(super) fn key(&self, s: &str) -> String {
        self.tokens(s).join(" ")
    }

    /// The key of an item of a list under a head: "TC" under "Sở" → "so tai chinh".
    pub(super) fn list_item_key(&self, head: &str, item: &str) -> String {
        let item_key = self.key(item);
        let item_key = LIST_ABBREVIATIONS
            .iter()
            .find(|(a, _)| *a == item_key)
            .map_or(item_key, |(_, e)| (*e).to_owned());
        let head_key = self.key(head);
        if head_key.is_empty() {
            item_key
        } else {
            format!("{head_key} {item_key}")
        }
    }
}

/// Leading titles and verbs stripped before matching ("Giám đốc Sở Tài chính" → "Sở Tài chính"),
/// as folded words. Longer ones first. Stripping is only tried after the phrase as written failed
/// to match, so names that start with a title ("Lãnh đạo UBND tỉnh") still match whole.
const TITLES: &[&str] = &[
    // "Chánh Văn phòng UBND tỉnh" heads the Văn phòng: only "Chánh" goes.
    "pho chanh an",
    "chanh an",
    "pho chanh",
    "chanh",
    "pho chu tich",
    "chu tich",
    "pho giam doc",
    "giam doc",
    "thu truong",
    "lanh dao",
    // "Trưởng Ban Dân tộc": only "Trưởng" goes, "Ban …" is the name.
    "pho truong",
    "truong",
    "pho bi thu",
    "bi thu",
    "cuc truong",
    "pho vien truong",
    "vien truong",
    "chi huy truong",
    "tong bien tap",
    "nguoi dung dau",
    "cac dong chi",
    "dong chi",
    "d/c",
    "dai dien",
    "thuong truc",
    "tt",
    "gd",
    "pgd",
    "giao",
    "de nghi",
    "yeu cau",
    "kinh gui",
];

/// Folded words of `s` with their byte ranges in `s`.
pub(super) fn words(s: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                out.push((st, i, fold(&s[st..i])));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, s.len(), fold(&s[st..])));
    }
    out
}

/// `s` without its leading title, if it has one and something is left after it.
pub(super) fn strip_title(s: &str) -> Option<&str> {
    let ws = words(s);
    for title in TITLES {
        let tw: Vec<&str> = title.split(' ').collect();
        if ws.len() <= tw.len() {
            continue;
        }
        let matches = tw.iter().zip(&ws).all(|(t, (a, b, w))| {
            // "trưởng" (head) and "trường" (school) fold the same; only the first is a title.
            let word = w.trim_end_matches([',', ':']);
            word == *t
                && !(*t == "truong"
                    && crate::text::nfc(&s[*a..*b])
                        .to_lowercase()
                        .starts_with("trường"))
        });
        if matches {
            let next = ws[tw.len()].0;
            return Some(s[next..].trim());
        }
    }
    None
}

/// `s` without a leading determiner "các"/"những", if it has one.
pub(super) fn strip_determiner(s: &str) -> Option<&str> {
    let ws = words(s);
    match ws.first() {
        Some((_, _, w)) if ws.len() > 1 && (w == "cac" || w == "nhung") => {
            Some(s[ws[1].0..].trim())
        }
        _ => None,
    }
}

/// Words that may make up a phrase naming no specific body ("các cơ quan, đơn vị có liên quan").
const VAGUE_WORDS: &[&str] = &[
    "cac", "nhung", "moi", "toan", "the", "tap", "co", "quan", "don", "vi", "dia", "phuong", "to",
    "chuc", "ca", "nhan", "doanh", "nghiep", "nganh", "cap", "lien", "truc", "thuoc", "khac",
    "tren", "ban", "tinh", "huyen", "xa", "thi", "tran", "chuyen", "mon", "phong", "duoc", "giao",
    "chu", "tri", "phoi", "hop", "de", "nay",
];

/// At least one of these must occur for a phrase to be vague.
const VAGUE_CORES: &[&str] = &[
    "co quan",
    "don vi",
    "dia phuong",
    "to chuc",
    "ca nhan",
    "nganh",
    "doanh nghiep",
    "phong ban",
];

/// True when `s` (titles already stripped) names no specific body.
pub(super) fn is_vague(canon: &Canon, s: &str) -> bool {
    let toks = canon.tokens(s);
    if toks.is_empty() || !toks.iter().all(|t| VAGUE_WORDS.contains(&t.as_str())) {
        return false;
    }
    // "cac" is kept only in first position by `tokens`; for the core test join everything.
    let joined = format!(" {} ", toks.join(" "));
    VAGUE_CORES
        .iter()
        .any(|c| joined.contains(&format!(" {c} ")))
}

/// "Như trên" (the addressees of Kính gửi).
pub(super) fn is_same_as_addressees(s: &str) -> bool {
    let f = fold(s);
    f == "nhu tren"
        || f.starts_with("nhu tren ")
        || f.starts_with("nhu tren;")
        || f.starts_with("nhu tren,")
}

/// Organisation head nouns of the language (the directory adds the first words of its names): an
/// unresolved piece of a split phrase that does not start with one is taken to be the tail of a
/// name that was cut at a "và" or comma ("Phòng Kinh tế và Hạ tầng …"), not a separate body.
pub(super) const HEAD_NOUNS: &[&str] = &[
    "so", "ban", "phong", "uy", "trung", "cuc", "chi", "hoi", "bo", "cong", "truong", "benh",
    "vien", "dai", "bao", "doan", "dang", "kho", "ngan", "toa", "thanh", "lien", "hiep", "tong",
    "chinh", "quan", "van", "tinh", "huyen", "thi", "xa", "phuong", "cac", "nhung",
];

/// Phrase cleanup: parenthetical remarks ("(b/c)", "(qua Sở Nội vụ)"), bullets and trailing
/// punctuation removed.
pub(super) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    let t = out
        .trim()
        .trim_start_matches(['-', '+', '•', '*', '–', ' '])
        .trim();
    let t = t
        .trim_end_matches(['/', ';', ',', '.', ':', ' ', '*'])
        .trim();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_compiles_and_expands() {
        let c = Canon::new();
        assert!(c.compiles());
        assert_eq!(c.key("Sở KH&ĐT"), "so ke hoach dau tu");
        assert_eq!(c.key("Sở Kế hoạch và Đầu tư"), "so ke hoach dau tu");
        assert_eq!(c.key("Sở Kế hoạch - Đầu tư"), "so ke hoach dau tu");
        assert_eq!(
            c.key("Sở VH,TT&DL"),
            c.key("Sở Văn hóa, Thể thao và Du lịch")
        );
        assert_eq!(
            c.key("Sở LĐ-TB&XH"),
            c.key("Sở Lao động - Thương binh và Xã hội")
        );
        assert_eq!(
            c.key("VPUBND tỉnh"),
            c.key("Văn phòng Ủy ban nhân dân tỉnh")
        );
        assert_eq!(c.key("Uỷ ban nhân dân tỉnh"), c.key("UBND tỉnh"));
        assert_eq!(c.key("CT, các PCT UBND tỉnh"), c.key("CT, PCT UBND tỉnh"));
        assert_eq!(c.key("UBND huyện Đắk R'Lấp"), c.key("UBND huyện Đắk Rlấp"));
        // Tiny abbreviations are not expanded on their own.
        assert_eq!(c.key("TC"), "tc");
        assert_eq!(c.list_item_key("Sở", "TC"), "so tai chinh");
    }

    #[test]
    fn titles_are_stripped() {
        assert_eq!(strip_title("Giám đốc Sở Tài chính"), Some("Sở Tài chính"));
        assert_eq!(strip_title("Chủ tịch UBND tỉnh"), Some("UBND tỉnh"));
        assert_eq!(
            strip_title("Chánh Văn phòng UBND tỉnh"),
            Some("Văn phòng UBND tỉnh")
        );
        assert_eq!(strip_title("Trưởng Ban Dân tộc"), Some("Ban Dân tộc"));
        assert_eq!(strip_title("Trường Chính trị tỉnh"), None);
        assert_eq!(strip_title("Giám đốc"), None);
        assert_eq!(strip_determiner("các Sở Nội vụ"), Some("Sở Nội vụ"));
    }

    #[test]
    fn vague_phrases() {
        let c = Canon::new();
        for v in [
            "các đơn vị có liên quan",
            "các cơ quan, đơn vị, địa phương",
            "các cơ quan, đơn vị",
            "các đơn vị trực thuộc",
        ] {
            assert!(is_vague(&c, v), "{v}");
        }
        for v in ["các huyện", "Sở Nội vụ", "các Sở", "UBND các xã, thị trấn"] {
            assert!(!is_vague(&c, v), "{v}");
        }
    }

    #[test]
    fn cleanup() {
        assert_eq!(clean("- UBND tỉnh (qua Sở Nội vụ);"), "UBND tỉnh");
        assert_eq!(
            clean("TT Tỉnh ủy, TT HĐND tỉnh (b/c)."),
            "TT Tỉnh ủy, TT HĐND tỉnh"
        );
        assert!(is_same_as_addressees("Như trên"));
        assert!(is_same_as_addressees("như trên;"));
    }
}
