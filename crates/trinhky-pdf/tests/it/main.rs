//! The one integration-test binary of trinhky-pdf (see STYLE.md: one binary
//! per crate keeps linking fast). Add modules here, not new test files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extract_errors;
mod extract_props;
mod extract_seed;
mod fuzz_regressions;
mod ocsp;
mod oracle;
mod sign_levels;
mod sign_pades;

use std::path::PathBuf;

use unicode_normalization::UnicodeNormalization;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The seed directive's non-empty lines, `**` markers removed, NFC.
pub fn seed_lines() -> Vec<String> {
    let seed = String::from_utf8(fixture("seed.txt")).unwrap();
    seed.lines()
        .map(|l| l.replace("**", "").nfc().collect::<String>())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

pub fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// Every seed line's words occur in `text`, contiguously and in order (so line
/// wrapping and paragraph breaks do not matter, but order and content do).
pub fn assert_contains_seed_in_order(text: &str) {
    let haystack = words(text);
    let mut from = 0;
    for line in seed_lines() {
        let needle = words(&line);
        let found = (from..=haystack.len().saturating_sub(needle.len()))
            .find(|&i| haystack[i..i + needle.len()] == needle[..]);
        match found {
            Some(i) => from = i + needle.len(),
            None => {
                let context = haystack[from..haystack.len().min(from + 40)].join(" ");
                panic!(
                    "seed line not found in order:\n  {line}\nafter word {from}; text continues:\n  {context}"
                );
            }
        }
    }
}
