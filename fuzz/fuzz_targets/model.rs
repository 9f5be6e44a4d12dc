//! Fuzz target: the model reader on arbitrary bytes (property in props.rs).
#![no_main]

mod props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| props::model(data));
