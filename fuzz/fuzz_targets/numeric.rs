//! Fuzz target: a numeric model, TOML text and safetensors bytes split at the separator
//! line `--- safetensors ---` (property in props.rs).
#![no_main]

mod props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| props::numeric(data));
