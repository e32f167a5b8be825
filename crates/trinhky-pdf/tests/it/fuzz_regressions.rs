//! Replays the fuzz corpora on stable: every input the fuzzer ever found
//! crashing or hanging (`fuzz/regressions/<target>/`, see `scripts/fuzz`),
//! plus the seed files, goes through the very function its cargo-fuzz
//! target calls, and must return — without a panic, within a time bound.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Per file. Generous: this is an unoptimised build on a shared CI runner;
/// the fuzzer itself enforces `-timeout=5` on an optimised build.
const LIMIT: Duration = Duration::from_secs(10);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Regular files of `dir` (none if it is missing), dotfiles and READMEs left out.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        p.is_file() && !name.starts_with('.') && !name.starts_with("README")
    });
    out.sort();
    out
}

/// The regression corpus of `target` and the given seed files; returns how
/// many regression files there were.
fn replay(target: &str, seeds: &[&str], run: fn(&[u8])) -> usize {
    let regressions = files_in(&repo().join("fuzz/regressions").join(target));
    let mut files = regressions.clone();
    for s in seeds {
        let p = repo().join(s);
        if p.is_dir() {
            files.extend(files_in(&p));
        } else {
            files.push(p);
        }
    }
    assert!(files.len() > regressions.len(), "{target}: no seed found");
    for path in files {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (tx, rx) = mpsc::channel();
        let start = Instant::now();
        let worker = std::thread::spawn(move || {
            run(&data);
            let _ = tx.send(());
        });
        match rx.recv_timeout(LIMIT) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{target}: {} took over {LIMIT:?}", path.display())
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = worker.join();
                panic!("{target}: {} panicked", path.display());
            }
        }
        let _ = worker.join();
        assert!(start.elapsed() < LIMIT);
    }
    regressions.len()
}

const PDFS: &[&str] = &[
    "fuzz/seeds/signed",
    "crates/trinhky-pdf/tests/fixtures/seed.pdf",
    "crates/trinhky-pdf/tests/fixtures/seed-fpdf2.pdf",
    "crates/trinhky-pdf/tests/fixtures/encrypted.pdf",
    "crates/trinhky-pdf/tests/fixtures/sign/two-page.pdf",
];

fn verify(data: &[u8]) {
    trinhky_pdf::fuzzing::verify(data, include_bytes!("../../../../fuzz/seeds/ca.pem"));
}

#[test]
fn verify_replays() {
    replay("verify", PDFS, verify);
}

#[test]
fn lazy_xref_replays() {
    replay("lazy_xref", PDFS, trinhky_pdf::fuzzing::lazy_xref);
}

#[test]
fn extract_pdf_replays() {
    replay("extract_pdf", PDFS, trinhky_pdf::fuzzing::extract_pdf);
}

#[test]
fn extract_docx_replays() {
    replay(
        "extract_docx",
        &[
            "crates/trinhky-pdf/tests/fixtures/seed.docx",
            "crates/trinhky-pdf/tests/fixtures/no-body.docx",
            "crates/trinhky-pdf/tests/fixtures/bomb.docx",
        ],
        trinhky_pdf::fuzzing::extract_docx,
    );
}

#[test]
fn directive_replays() {
    replay(
        "directive",
        &["crates/trinhky-domain/tests/fixtures/directives"],
        trinhky_domain::directive::fuzzing::parse_checked,
    );
}
