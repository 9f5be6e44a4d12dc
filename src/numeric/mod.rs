//! Numeric fixed-precision transformers (docs/NUMERIC.md): number formats with exact
//! arithmetic, loading TOML + safetensors, the exact executor, and compilation to a
//! minimal DFA and a past-LTL formula, exact at every length.

mod number;

pub use number::{Dyadic, Format, Kind, NanError, Num, Overflow, Rounding};
