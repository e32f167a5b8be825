//! No input makes extraction panic: arbitrary bytes, and valid files damaged
//! by flipped bytes or truncation.

use proptest::prelude::*;
use trinhky_pdf::extract::{detect, extract_text};

use crate::fixture;

fn mutate(mut bytes: Vec<u8>, flips: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for &(at, value) in flips {
        let len = bytes.len();
        if len > 0 {
            bytes[at % len] = value;
        }
    }
    if let Some(cut) = cut {
        let len = bytes.len();
        bytes.truncate(cut % (len + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = detect(&bytes, None);
        let _ = extract_text(&bytes, Some("x.txt"));
    }

    #[test]
    fn arbitrary_bytes_after_magic_never_panic(
        magic in prop_oneof![Just(&b"%PDF-1.7\n"[..]), Just(&b"PK\x03\x04"[..]), Just(&b"\xEF\xBB\xBF"[..]), Just(&b"\xFF\xFE"[..])],
        tail in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend(tail);
        let _ = extract_text(&bytes, None);
    }
}

proptest! {
    // Each case parses a whole document; fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mutated_docx_never_panics(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let _ = extract_text(&mutate(fixture("seed.docx"), &flips, cut), Some("seed.docx"));
    }

    #[test]
    fn mutated_pdf_never_panics(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let _ = extract_text(&mutate(fixture("seed.pdf"), &flips, cut), Some("seed.pdf"));
    }

    #[test]
    fn mutated_type0_pdf_never_panics(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let _ = extract_text(&mutate(fixture("seed-fpdf2.pdf"), &flips, cut), None);
    }
}
