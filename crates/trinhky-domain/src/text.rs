//! Text helpers shared by search, name resolution and the directory.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC-normalise text (the form trinhky stores and renders).
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Fold text for accent-insensitive matching: lower case, diacritics removed, "đ" → "d",
/// whitespace collapsed. "Sở Kế hoạch và Đầu tư" and "so ke hoach va dau tu" fold the same.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_vietnamese_diacritics() {
        assert_eq!(fold("  Sở Kế hoạch  và Đầu tư "), "so ke hoach va dau tu");
        assert_eq!(fold("cải cách"), "cai cach");
        assert_eq!(fold("ĐẮK NÔNG"), "dak nong");
    }

    #[test]
    fn nfc_composes_decomposed_input() {
        let decomposed = "Vie\u{0302}\u{0323}t";
        assert_eq!(nfc(decomposed), "Việt");
    }
}
