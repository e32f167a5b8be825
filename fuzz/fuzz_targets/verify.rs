//! Signature verification on arbitrary bytes, without and with a trust root.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trinhky_pdf::fuzzing::verify(data, include_bytes!("../seeds/ca.pem"));
});
