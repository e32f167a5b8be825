//! Vietnamese syllable grammar, used to take apart words that a PDF/DOCX conversion glued
//! together ("Kínhgửi" → "Kính gửi", "chủtrì" → "chủ trì", "Nơinhận" → "Nơi nhận").
//!
//! A Vietnamese syllable is `onset? rhyme` with at most one tone mark, and a rhyme that ends in a
//! stop (`c`, `ch`, `p`, `t`) only carries the sắc or nặng tone. A run of letters that is not one
//! syllable but splits cleanly into two or three is a glued word. Runs without any Vietnamese
//! diacritic are left alone, so English words and acronyms ("INDEX", "PARIN") are never split.

use unicode_normalization::UnicodeNormalization;

const ONSETS: &[&str] = &[
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];

/// Rhymes without tone marks (lower case). Includes "ak"/"ăk"/"ôk" for Tây Nguyên place names.
const RHYMES: &[&str] = &[
    "a", "ai", "ao", "au", "ay", "ac", "ach", "am", "an", "ang", "anh", "ap", "at", "ak", "ăc",
    "ăm", "ăn", "ăng", "ăp", "ăt", "ăk", "â", "âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây", "e",
    "ec", "em", "en", "eng", "eo", "ep", "et", "ê", "êch", "êm", "ên", "ênh", "êp", "êt", "êu",
    "i", "ia", "ich", "im", "in", "inh", "ip", "it", "iu", "iêc", "iêm", "iên", "iêng", "iêp",
    "iêt", "iêu", "o", "oc", "oi", "om", "on", "ong", "op", "ot", "oa", "oac", "oach", "oai",
    "oam", "oan", "oang", "oanh", "oao", "oap", "oat", "oay", "oăc", "oăm", "oăn", "oăng", "oăt",
    "oe", "oen", "oeo", "oet", "ooc", "oong", "ô", "ôc", "ôi", "ôm", "ôn", "ông", "ôp", "ôt", "ôk",
    "ơ", "ơi", "ơm", "ơn", "ơp", "ơt", "u", "uc", "ui", "um", "un", "ung", "up", "ut", "ua", "uân",
    "uâng", "uât", "uây", "uê", "uêch", "uênh", "uy", "uya", "uych", "uyên", "uyêt", "uyn", "uynh",
    "uyp", "uyt", "uyu", "uôc", "uôi", "uôm", "uôn", "uông", "uôt", "uơ", "ư", "ưa", "ưc", "ưi",
    "ưn", "ưng", "ưt", "ưu", "ươc", "ươi", "ươm", "ươn", "ương", "ươp", "ươt", "ươu", "y", "yêm",
    "yên", "yêng", "yêt", "yêu", "ynh", "yt",
];

/// Frequent syllables of administrative texts; a split into known syllables wins over another
/// grammatical split ("thựchiện" → "thực hiện", not "thự chiện").
const KNOWN: &[&str] = &[
    "kính",
    "gửi",
    "nơi",
    "nhận",
    "chủ",
    "trì",
    "phối",
    "hợp",
    "thực",
    "hiện",
    "triển",
    "khai",
    "báo",
    "cáo",
    "ngày",
    "tháng",
    "năm",
    "trước",
    "chậm",
    "nhất",
    "hoàn",
    "thành",
    "giao",
    "sở",
    "nội",
    "vụ",
    "tài",
    "chính",
    "kế",
    "hoạch",
    "đầu",
    "tư",
    "thông",
    "tin",
    "truyền",
    "văn",
    "phòng",
    "ủy",
    "uỷ",
    "ban",
    "nhân",
    "dân",
    "tỉnh",
    "huyện",
    "xã",
    "phường",
    "thị",
    "trấn",
    "cơ",
    "quan",
    "đơn",
    "vị",
    "liên",
    "tham",
    "mưu",
    "ký",
    "lưu",
    "như",
    "trên",
    "đề",
    "nghị",
    "yêu",
    "cầu",
    "xây",
    "dựng",
    "tổ",
    "chức",
    "cải",
    "cách",
    "hành",
    "số",
    "điện",
    "tử",
    "quyền",
    "chỉ",
    "đạo",
    "kết",
    "luận",
    "thủ",
    "trưởng",
    "giám",
    "đốc",
    "tịch",
    "phó",
    "chánh",
    "độc",
    "lập",
    "tự",
    "do",
    "hạnh",
    "phúc",
    "cộng",
    "hòa",
    "hoà",
    "hội",
    "nghĩa",
    "việt",
    "nam",
    "nông",
    "nghiệp",
    "phát",
    "triển",
    "thôn",
    "tế",
    "y",
    "giáo",
    "dục",
    "đào",
    "tạo",
    "lao",
    "động",
    "thương",
    "binh",
    "môi",
    "trường",
    "nguyên",
    "giao",
    "vận",
    "tải",
    "công",
    "an",
    "khoa",
    "học",
    "nghệ",
    "tướng",
    "thể",
    "thao",
    "du",
    "lịch",
    "ngoại",
    "pháp",
    "thanh",
    "tra",
    "bộ",
    "theo",
    "dõi",
    "đôn",
    "kiểm",
    "hướng",
    "dẫn",
    "nghiên",
    "cứu",
    "xuất",
    "trình",
    "quyết",
    "định",
    "hồ",
    "sơ",
    "dự",
    "án",
    "đảm",
    "bảo",
    "có",
    "liên",
    "quan",
    "các",
    "và",
    "của",
    "về",
    "cho",
    "với",
    "trong",
    "để",
    "tại",
    "theo",
    "được",
    "những",
    "này",
    "đó",
    "khẩn",
    "trương",
    "tiếp",
    "tục",
    "tăng",
    "cường",
    "nâng",
    "cao",
    "hiệu",
    "quả",
    "ý",
    "kiến",
    "đồng",
    "thống",
    "nhất",
    "rà",
    "soát",
    "tổng",
    "hợp",
    "gian",
    "thời",
    "hạn",
    "quy",
    "chế",
    "phương",
    "ngành",
    "đoàn",
    "thể",
    "thuộc",
    "lãnh",
    "đạo",
    "người",
    "đứng",
    "địa",
    "phương",
    "bàn",
    "điểm",
    "mục",
    "tiêu",
    "nhiệm",
    "vụ",
    "giải",
    "pháp",
    "chương",
    "trình",
    "trực",
    "tiếp",
    "đã",
    "sẽ",
    "ngân",
    "sách",
    "vốn",
    "kinh",
    "phí",
    "doanh",
    "nghiệp",
    "gì",
    "mới",
    "sau",
    "khi",
    "từ",
    "vòng",
    "không",
    "quá",
    "quý",
    "đầu",
    "cuối",
    "tuần",
    "giờ",
    "phút",
    "trả",
    "lời",
    "tiếp",
    "nhận",
    "ban",
    "hành",
    "thẩm",
    "tra",
    "phê",
    "duyệt",
    "chấp",
    "thuận",
    "hướng",
    "cơ",
    "sở",
];

/// Strip the tone mark, keep vowel quality marks (â ă ê ô ơ ư đ); return the toneless lower-case
/// syllable and the tone ('\0' for none, or the combining mark).
fn split_tone(s: &str) -> Option<(String, char)> {
    let mut base = String::with_capacity(s.len());
    let mut tone = '\0';
    for c in s.nfd() {
        match c {
            '\u{0300}' | '\u{0301}' | '\u{0303}' | '\u{0309}' | '\u{0323}' => {
                if tone != '\0' {
                    return None;
                }
                tone = c;
            }
            c => base.extend(c.to_lowercase()),
        }
    }
    Some((base.nfc().collect(), tone))
}

/// Is `s` (letters only) one Vietnamese syllable?
pub fn is_syllable(s: &str) -> bool {
    let Some((base, tone)) = split_tone(s) else {
        return false;
    };
    if base.is_empty() || base.chars().count() > 7 {
        return false;
    }
    ONSETS.iter().any(|onset| {
        let Some(rhyme) = base.strip_prefix(onset) else {
            return false;
        };
        if !RHYMES.contains(&rhyme) {
            return false;
        }
        // "gi" and "qu" already carry a vowel letter; "gi" + "" is handled by "g" + "i".
        let stop = ["c", "ch", "p", "t"].iter().any(|f| rhyme.ends_with(f));
        !stop || tone == '\0' || tone == '\u{0301}' || tone == '\u{0323}'
    })
}

fn has_vietnamese_mark(s: &str) -> bool {
    s.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
}

fn is_known(s: &str) -> bool {
    let lower: String = s.chars().flat_map(char::to_lowercase).collect();
    KNOWN.contains(&lower.as_str())
}

/// If `word` (a run of letters) is two or three glued syllables, return the pieces.
pub fn split_glued(word: &str) -> Option<Vec<&str>> {
    let n = word.chars().count();
    if !(2..=21).contains(&n) || !has_vietnamese_mark(word) || is_syllable(word) {
        return None;
    }
    let bounds: Vec<usize> = word
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(word.len()))
        .collect();
    let score = |pieces: &[&str]| -> i32 {
        let per_piece: i32 = pieces
            .iter()
            .map(|p| {
                let onset = p
                    .chars()
                    .next()
                    .is_some_and(|c| !"aăâeêioôơuưyAĂÂEÊIOÔƠUƯY".contains(c));
                i32::from(is_known(p)) * 4 + i32::from(onset)
            })
            .sum();
        per_piece - 3 * i32::try_from(pieces.len()).unwrap_or(3)
    };
    // A syllable has at most 7 letters ("nghiêng"): checking the length first keeps this cheap.
    // A bare unmarked vowel ("e", "u") is grammatical but almost never a word of its own in
    // these texts; accepting it would take names apart ("Đieu" → "Đi e u").
    let short_syllable = |s: &str| {
        let n = s.chars().count();
        n <= 7 && is_syllable(s) && (n > 1 || !s.is_ascii() || s.eq_ignore_ascii_case("y"))
    };
    let mut best: Option<(i32, Vec<&str>)> = None;
    for i in 1..n {
        let (a, rest) = word.split_at(bounds[i]);
        if !short_syllable(a) {
            continue;
        }
        let mut options: Vec<Vec<&str>> = Vec::new();
        if short_syllable(rest) {
            options.push(vec![a, rest]);
        }
        for j in (i + 1)..n {
            let b = &word[bounds[i]..bounds[j]];
            let c = &word[bounds[j]..];
            if short_syllable(b) && short_syllable(c) {
                options.push(vec![a, b, c]);
            }
        }
        for pieces in options {
            let s = score(&pieces);
            if best.as_ref().is_none_or(|(b, _)| s > *b) {
                best = Some((s, pieces));
            }
        }
    }
    best.map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_syllables() {
        for s in [
            "Kính", "gửi", "Nghĩa", "quyết", "giữ", "gì", "Nguyễn", "khuyến", "Huỳnh", "thuỷ",
            "Đăk", "xuất", "Hiếu", "Thương", "nghiêng",
        ] {
            assert!(is_syllable(s), "{s}");
        }
        for s in ["Kínhgửi", "chủt", "hgửi", "UBND", "Nơin", "Krông"] {
            assert!(!is_syllable(s), "{s}");
        }
    }

    #[test]
    fn splits_glued_words() {
        assert_eq!(split_glued("Kínhgửi"), Some(vec!["Kính", "gửi"]));
        assert_eq!(split_glued("chủtrì"), Some(vec!["chủ", "trì"]));
        assert_eq!(split_glued("Nơinhận"), Some(vec!["Nơi", "nhận"]));
        assert_eq!(split_glued("thựchiện"), Some(vec!["thực", "hiện"]));
        assert_eq!(split_glued("phốihợpvới"), Some(vec!["phối", "hợp", "với"]));
    }

    #[test]
    fn leaves_real_words_and_foreign_words_alone() {
        for w in [
            "Nghĩa", "INDEX", "PARIN", "UBND", "Krông", "online", "Đắk", "Đieu", "K'Re",
        ] {
            assert_eq!(split_glued(w), None, "{w}");
        }
    }
}
