//! The lazy cross-reference reader of verification on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trinhky_pdf::fuzzing::lazy_xref(data);
});
