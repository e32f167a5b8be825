//! Entry point of the `directive` cargo-fuzz target in `fuzz/` (not a stable API); the ordinary
//! test that replays `fuzz/regressions/directive/` calls the same function.

use chrono::NaiveDate;

use super::{ParseOptions, normalize, parse};

/// Parse `data` (when it is UTF-8) as a directive, with and without a reference date, and check
/// what the parser promises: no panic, and every span indexes the normalised text at its `text`.
///
/// # Panics
/// When a promise is broken — that is the finding the fuzzer reports.
pub fn parse_checked(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let norm = normalize(text);
    for reference_date in [None, NaiveDate::from_ymd_opt(2023, 6, 12)] {
        let Ok(d) = parse(text, &ParseOptions { reference_date }) else {
            continue;
        };
        for (span, t) in d
            .tasks
            .iter()
            .map(|t| (t.span, &t.text))
            .chain(d.standing_directives.iter().map(|s| (s.span, &s.text)))
        {
            assert_eq!(
                norm.get(span.0..span.1),
                Some(t.as_str()),
                "span {span:?} does not index the normalised text"
            );
        }
    }
}
