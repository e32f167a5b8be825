//! Entry points of the cargo-fuzz targets in `fuzz/` (not a stable API).
//!
//! Each function runs one reader of this crate over arbitrary bytes and
//! discards the result: a fuzz target calls it, and the ordinary test that
//! replays `fuzz/regressions/<target>/` calls the very same function, so a
//! crash the fuzzer found stays fixed without a nightly toolchain.

use std::sync::OnceLock;

use lopdf::Object;
use openssl::x509::X509;

use crate::extract::extract_text;
use crate::verify::{Verifier, VerifyOptions, revisions, scan};

/// Objects the lazy-reader target reads per input at most.
const MAX_OBJECTS: usize = 4096;
/// Revisions (`%%EOF` markers) the lazy-reader target compares per input at most.
const MAX_REVISIONS: usize = 16;

/// `extract_pdf` target: text extraction of a `.pdf` upload.
pub fn extract_pdf(data: &[u8]) {
    let _ = extract_text(data, Some("fuzz.pdf"));
}

/// `extract_docx` target: text extraction of a `.docx` upload.
pub fn extract_docx(data: &[u8]) {
    let _ = extract_text(data, Some("fuzz.docx"));
}

fn verifier(trust: &[X509]) -> Option<Verifier> {
    Verifier::new(&VerifyOptions {
        trust,
        crls: &[],
        local_crl_dp: false,
        cache: None,
    })
    .ok()
}

/// `verify` target: verification without a trust root, then with `root`
/// (PEM; the fuzz seeds' CA) as the only trust root.
pub fn verify(data: &[u8], root_pem: &[u8]) {
    static UNTRUSTED: OnceLock<Option<Verifier>> = OnceLock::new();
    static TRUSTED: OnceLock<Option<Verifier>> = OnceLock::new();
    let untrusted = UNTRUSTED.get_or_init(|| verifier(&[]));
    let trusted = TRUSTED.get_or_init(|| {
        let roots = X509::stack_from_pem(root_pem).ok()?;
        verifier(&roots)
    });
    for v in [untrusted, trusted].into_iter().flatten() {
        let _ = v.verify(data);
    }
}

/// `lazy_xref` target: the lazy reader of verification on its own — the
/// cross-reference chain, every object it lists (and what they reference),
/// the catalog, and the "what changed after this revision" fast path for
/// every revision end.
pub fn lazy_xref(pdf: &[u8]) {
    let budget = std::rc::Rc::new(crate::limits::Budget::default());
    let Some(xref) = scan::xref_chain_with(pdf, &budget) else {
        return;
    };
    let objs = scan::Objects::with_budget(pdf, xref, budget);
    let mut ids: Vec<_> = objs
        .xref
        .used
        .iter()
        .map(|(&n, place)| match place {
            scan::Place::Direct(_, g) => (n, *g),
            scan::Place::Packed { .. } => (n, 0),
        })
        .collect();
    ids.sort_unstable();
    for id in ids.into_iter().take(MAX_OBJECTS) {
        match objs.get(id) {
            Some(Object::Dictionary(d)) => d.iter().for_each(|(_, v)| {
                objs.resolve(v);
            }),
            Some(Object::Array(a)) => a.iter().for_each(|v| {
                objs.resolve(v);
            }),
            _ => {}
        }
    }
    let ends = pdf
        .windows(5)
        .enumerate()
        .filter(|(_, w)| *w == b"%%EOF")
        .map(|(i, _)| i + 5)
        .take(MAX_REVISIONS);
    for end in ends {
        let _ = revisions::coverage(pdf, &objs, end);
    }
}
