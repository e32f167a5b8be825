//! The directive parser on arbitrary text (UTF-8 inputs only).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trinhky_domain::directive::fuzzing::parse_checked(data);
});
