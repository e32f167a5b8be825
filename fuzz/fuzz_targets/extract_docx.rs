//! Text extraction of a `.docx` upload on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trinhky_pdf::fuzzing::extract_docx(data);
});
