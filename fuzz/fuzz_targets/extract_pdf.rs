//! Text extraction of a `.pdf` upload on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trinhky_pdf::fuzzing::extract_pdf(data);
});
