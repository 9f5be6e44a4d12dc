//! Transformer models: [`boolean`] (`model.toml`: loading, the reference executor, the
//! compiler to past LTL and back) and [`numeric`] (fixed-precision weights: formats,
//! safetensors, the exact executor, the compiler with counts and stages).

pub mod boolean;
pub mod numeric;

// Old path, kept for existing users: the Boolean model was `model::*`.
#[doc(hidden)]
pub use boolean::*;
