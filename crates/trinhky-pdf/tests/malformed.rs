//! Bounded work on hostile PDFs (issue #15), in process: every file of the
//! malformed corpus (`tests/fixtures/malformed/`, made by `make_malformed.py`)
//! is verified and has its text extracted within 2 s and 256 MB of heap,
//! with an answer or a clear error, never a panic. The heap is measured by
//! the counting allocator of `trinhky_alloc`, installed for this test
//! binary (one test, so nothing else allocates meanwhile).
//!
//! The validly signed files with xref streams, object streams and hybrid
//! references (`tests/fixtures/xref/`, made by `make_signed.sh`) are read by
//! the lazy reader and give the same report as lopdf's full parse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use trinhky_alloc::{CappedAllocator, arm_memory_ceiling, heap_peak};
use trinhky_pdf::extract::extract_text;
use trinhky_pdf::verify::{Verdict, Verifier, VerifyError, VerifyOptions, verify_pdf};

#[global_allocator]
static ALLOC: CappedAllocator = CappedAllocator;

const TIME: Duration = Duration::from_secs(2);
const MEMORY: isize = 256 * 1024 * 1024;

fn fixtures(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Tests measure one at a time (the heap count is process-wide).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` with the heap counted from zero; its result, wall time and peak heap.
fn measured<T>(f: impl FnOnce() -> T) -> (T, Duration, isize) {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    arm_memory_ceiling(usize::MAX / 4, "test: heap ceiling");
    let start = Instant::now();
    let r = f();
    (r, start.elapsed(), heap_peak())
}

#[test]
fn malformed_corpus_is_answered_in_bounded_time_and_memory() {
    let corpus = fixtures("malformed");
    assert!(
        corpus.len() >= 25,
        "the corpus is there ({} files)",
        corpus.len()
    );
    let mut too_complex = Vec::new();
    for (name, pdf) in &corpus {
        let (r, took, peak) = measured(|| verify_pdf(pdf, &[]));
        assert!(took < TIME, "{name}: verify took {took:?}");
        assert!(peak < MEMORY, "{name}: verify used {} MB", peak >> 20);
        match r {
            Ok(report) => assert_ne!(report.verdict, Verdict::Valid, "{name}"),
            Err(VerifyError::TooComplex(why)) => {
                assert!(
                    VerifyError::TooComplex(why)
                        .to_string()
                        .starts_with("file too complex"),
                    "{name}"
                );
                too_complex.push(name.clone());
            }
            Err(e) => assert!(!e.to_string().is_empty(), "{name}"),
        }

        let (r, took, peak) = measured(|| extract_text(pdf, Some(name)));
        assert!(took < TIME, "{name}: extraction took {took:?}");
        assert!(peak < MEMORY, "{name}: extraction used {} MB", peak >> 20);
        if let Err(e) = r {
            assert!(
                e.to_string().len() > 10,
                "{name}: a clear message, not {e:?}"
            );
        }
    }
    // The flate bombs are refused as too complex, not inflated.
    for bomb in ["flate-bomb.pdf", "objstm-bomb.pdf"] {
        assert!(
            too_complex.iter().any(|n| n == bomb),
            "{bomb}: {too_complex:?}"
        );
    }
}

#[test]
fn the_form_field_cycle_of_issue_15_is_cut() {
    let pdf = fixtures("malformed")
        .into_iter()
        .find(|(n, _)| n == "fields-kids-cycle.pdf")
        .unwrap()
        .1;
    let (r, took, _) = measured(|| verify_pdf(&pdf, &[]));
    assert!(took < Duration::from_millis(200), "{took:?}");
    let report = r.unwrap();
    // Fields a and a.b.c (each once, however often the cycle lists them).
    let names: Vec<&str> = report.signatures.iter().map(|s| s.field.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_ne!(report.verdict, Verdict::Valid);
}

#[test]
fn xref_streams_object_streams_and_hybrid_files_read_lazily() {
    let v = Verifier::new(&VerifyOptions::default()).unwrap();
    let signed = fixtures("xref");
    let mut checked = 0;
    for (name, pdf) in signed.iter().filter(|(n, _)| n.starts_with("signed-")) {
        let lazy = v.verify(pdf).unwrap();
        let full = v.verify_parsed(pdf).unwrap();
        assert_eq!(format!("{lazy:?}"), format!("{full:?}"), "{name}");
        assert!(!lazy.signatures.is_empty(), "{name}");
        // Each signature's bytes are intact (the untrusted throwaway key and what the
        // change policy says about pyHanko's later /ModDate are not this test's business).
        for s in &lazy.signatures {
            assert!(s.intact, "{name}: {s:?}");
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
}
