//! Property tests of the word diff: applying the diff to the old text gives the new text, and
//! each side of the diff spells its text exactly.

use proptest::prelude::*;
use trinhky_domain::diff::{Change, apply, diff_words, side};

const WORDS: &[&str] = &[
    "báo", "cáo", "Sở", "Nội", "vụ", "năm", "2023", "kết", "quả", " ", "  ", "\n", "\n\n", "\t",
    ".", ";", "đ", "ủy",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..60).prop_map(|w| w.concat())
}

proptest! {
    #[test]
    fn applying_the_diff_to_the_old_text_gives_the_new_text(old in text(), new in text()) {
        let d = diff_words(&old, &new);
        prop_assert_eq!(apply(&old, &d), Some(new.clone()));
        prop_assert_eq!(side(&d, false), old);
        prop_assert_eq!(side(&d, true), new);
        // Adjacent chunks never share a kind, and none is empty.
        for w in d.windows(2) {
            prop_assert_ne!(w[0].change, w[1].change);
        }
        prop_assert!(d.iter().all(|c| !c.text.is_empty()));
    }

    #[test]
    fn arbitrary_strings(old in ".{0,80}", new in ".{0,80}") {
        let d = diff_words(&old, &new);
        prop_assert_eq!(apply(&old, &d), Some(new));
    }

    #[test]
    fn a_text_against_itself_is_all_same(old in text()) {
        let d = diff_words(&old, &old);
        prop_assert!(d.iter().all(|c| c.change == Change::Same));
    }
}
