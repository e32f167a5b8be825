//! A word-level diff between two versions of a text (so sánh phiên bản): words and the whitespace
//! runs between them are the tokens, so that the unchanged and removed pieces spell the old text
//! and the unchanged and added pieces spell the new text exactly.
//!
//! The common head and tail are cut off first (an edit usually touches a few places, and it keeps
//! a change next to the words it changes: "tổ chức[+ hai] hội nghị"); the middle is compared with
//! the `similar` crate (Myers' algorithm). Two long middles that share little are compared line
//! by line instead: the result is still a correct diff, only coarser, and it stays fast.

use serde::Serialize;
use similar::{Algorithm, DiffTag, capture_diff_slices};

/// What happened to a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// In both texts.
    Same,
    /// Only in the new text.
    Added,
    /// Only in the old text.
    Removed,
}

/// A run of text with one [`Change`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chunk {
    pub change: Change,
    pub text: String,
}

/// Token pairs (old × new) of the middle above which it is compared line by line.
const MAX_CELLS: usize = 4_000_000;

/// Words and the whitespace runs between them, in order; concatenated they give `s` back.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_space: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let space = c.is_whitespace();
        if prev_space.is_some_and(|p| p != space) {
            out.push(&s[start..i]);
            start = i;
        }
        prev_space = Some(space);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Lines with their line break; concatenated they give `s` back.
fn lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

fn push(out: &mut Vec<Chunk>, change: Change, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(last) if last.change == change => last.text.push_str(text),
        _ => out.push(Chunk {
            change,
            text: text.to_owned(),
        }),
    }
}

fn push_all(out: &mut Vec<Chunk>, change: Change, tokens: &[&str]) {
    for t in tokens {
        push(out, change, t);
    }
}

fn diff_tokens(out: &mut Vec<Chunk>, a: &[&str], b: &[&str], fallback_to_lines: bool) {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a_rest, b_rest) = (&a[head..], &b[head..]);
    let tail = a_rest
        .iter()
        .rev()
        .zip(b_rest.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let a_mid = &a_rest[..a_rest.len() - tail];
    let b_mid = &b_rest[..b_rest.len() - tail];
    push_all(out, Change::Same, &a[..head]);
    if fallback_to_lines && a_mid.len().saturating_mul(b_mid.len()) > MAX_CELLS {
        let (old, new) = (a_mid.concat(), b_mid.concat());
        diff_tokens(out, &lines(&old), &lines(&new), false);
    } else {
        for op in capture_diff_slices(Algorithm::Myers, a_mid, b_mid) {
            let (tag, old, new) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => push_all(out, Change::Same, &a_mid[old]),
                DiffTag::Delete => push_all(out, Change::Removed, &a_mid[old]),
                DiffTag::Insert => push_all(out, Change::Added, &b_mid[new]),
                DiffTag::Replace => {
                    push_all(out, Change::Removed, &a_mid[old]);
                    push_all(out, Change::Added, &b_mid[new]);
                }
            }
        }
    }
    push_all(out, Change::Same, &a_rest[a_rest.len() - tail..]);
}

/// The word-level diff from `old` to `new`, adjacent pieces of one kind merged.
pub fn diff_words(old: &str, new: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    diff_tokens(&mut out, &words(old), &words(new), true);
    out
}

/// The text a side of the diff spells: the old text (`Same` + `Removed`) or the new one
/// (`Same` + `Added`).
pub fn side(diff: &[Chunk], new: bool) -> String {
    diff.iter()
        .filter(|c| match c.change {
            Change::Same => true,
            Change::Added => new,
            Change::Removed => !new,
        })
        .map(|c| c.text.as_str())
        .collect()
}

/// Applies `diff` to `old`: the new text, or `None` if `diff` was not made from `old`.
pub fn apply(old: &str, diff: &[Chunk]) -> Option<String> {
    let mut rest = old;
    let mut out = String::with_capacity(old.len());
    for c in diff {
        match c.change {
            Change::Same => {
                rest = rest.strip_prefix(c.text.as_str())?;
                out.push_str(&c.text);
            }
            Change::Removed => rest = rest.strip_prefix(c.text.as_str())?,
            Change::Added => out.push_str(&c.text),
        }
    }
    rest.is_empty().then_some(out)
}

/// Whether the two texts differ at all (a diff with something added or removed).
pub fn changed(diff: &[Chunk]) -> bool {
    diff.iter().any(|c| c.change != Change::Same)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(d: &[Chunk]) -> String {
        d.iter()
            .map(|c| match c.change {
                Change::Same => c.text.clone(),
                Change::Added => format!("[+{}]", c.text),
                Change::Removed => format!("[-{}]", c.text),
            })
            .collect()
    }

    #[test]
    fn one_word_replaced() {
        let d = diff_words("Báo cáo kết quả năm 2022", "Báo cáo kết quả năm 2023");
        assert_eq!(show(&d), "Báo cáo kết quả năm [-2022][+2023]");
    }

    #[test]
    fn words_added_and_removed_in_the_middle() {
        let d = diff_words(
            "Sở Nội vụ đã tổ chức hội nghị.",
            "Sở Nội vụ đã khẩn trương tổ chức hai hội nghị.",
        );
        assert_eq!(
            show(&d),
            "Sở Nội vụ đã [+khẩn trương ]tổ chức[+ hai] hội nghị."
        );
        let d = diff_words("a b c d", "a d");
        assert_eq!(show(&d), "a [-b c ]d");
    }

    #[test]
    fn identical_and_empty_texts() {
        assert!(!changed(&diff_words("như cũ", "như cũ")));
        assert!(diff_words("", "").is_empty());
        assert_eq!(show(&diff_words("", "mới")), "[+mới]");
        assert_eq!(show(&diff_words("cũ", "")), "[-cũ]");
    }

    #[test]
    fn whitespace_and_line_breaks_are_kept() {
        let old = "Dòng một.\nDòng hai.";
        let new = "Dòng một.\n\nDòng hai mới.";
        let d = diff_words(old, new);
        assert_eq!(side(&d, false), old);
        assert_eq!(side(&d, true), new);
        assert_eq!(apply(old, &d).as_deref(), Some(new));
    }

    #[test]
    fn a_diff_does_not_apply_to_another_text() {
        let d = diff_words("một hai", "một ba");
        assert_eq!(apply("một bốn", &d), None);
        assert_eq!(apply("một hai thêm", &d), None);
    }

    #[test]
    fn large_texts_fall_back_to_lines_and_stay_correct() {
        let old: String = (0..3000).map(|i| format!("từ{i} ")).collect::<String>() + "\n";
        let new: String = (0..3000)
            .map(|i| format!("chữ{} ", 2999 - i))
            .collect::<String>()
            + "\nthêm";
        let d = diff_words(&old, &new);
        assert_eq!(apply(&old, &d).as_deref(), Some(new.as_str()));
        assert_eq!(side(&d, false), old);
    }
}
