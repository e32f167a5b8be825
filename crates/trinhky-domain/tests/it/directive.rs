//! Directive parser: every fixture under tests/fixtures/directives parses to its expected JSON.

use std::path::{Path, PathBuf};

use trinhky_domain::directive::{ParseOptions, parse};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/directives")
}

/// Parse every `NAME.txt` and compare with `NAME.expected.json`. On a mismatch (or a missing
/// expected file) the actual output is written to `NAME.actual.json` for review; never copy it
/// over the expected file without checking it by hand.
#[test]
fn fixtures_parse_to_expected_json() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for path in &names {
        let text = std::fs::read_to_string(path).unwrap();
        let opts = ParseOptions {
            reference_date: None,
        };
        let actual = serde_json::to_value(parse(&text, &opts).unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected_path = path.with_file_name(format!("{stem}.expected.json"));
        let actual_path = path.with_file_name(format!("{stem}.actual.json"));
        let expected: Option<serde_json::Value> = std::fs::read_to_string(&expected_path)
            .ok()
            .map(|s| serde_json::from_str(&s).unwrap());
        if expected.as_ref() == Some(&actual) {
            let _ = std::fs::remove_file(&actual_path);
        } else {
            std::fs::write(
                &actual_path,
                serde_json::to_string_pretty(&actual).unwrap() + "\n",
            )
            .unwrap();
            failures.push(stem);
        }
    }
    assert!(
        names.len() >= 11,
        "expected the seed and at least ten more fixtures, found {}",
        names.len()
    );
    assert!(
        failures.is_empty(),
        "fixtures differ from their expected JSON (see *.actual.json): {failures:?}"
    );
}

/// Every span points at exactly its text in the normalised input.
#[test]
fn spans_index_the_normalised_text() {
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let norm = trinhky_domain::directive::normalize(&text);
        let d = parse(&text, &ParseOptions::default()).unwrap();
        for t in &d.tasks {
            assert_eq!(
                &norm[t.span.0..t.span.1],
                t.text,
                "{path:?} task {}",
                t.reference
            );
        }
        for s in &d.standing_directives {
            assert_eq!(
                &norm[s.span.0..s.span.1],
                s.text,
                "{path:?} standing {}",
                s.reference
            );
        }
    }
}
