#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tenken_fuzz::exercise(tenken_formats::Format::Json, data));
