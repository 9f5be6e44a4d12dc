//! `ltlattn`: fixed-precision transformers as past-time temporal logic.
//!
//! The library behind the `ltlattn` command: every decision the command line prints is
//! made here and returned as a value with its certificate. Data flows one way
//! (docs/DESIGN.md draws it in full):
//!
//! ```text
//! formula ─[logic]─▶ DAG ─[engine::explicit]─▶ minimal DFA ─[algebra, fragment]─▶ Classification
//!                      └─[engine::layout]─▶ product system ─[engine::bdd, engine::z3]─▶ verdict
//! model.toml ─[model::boolean]─▶ Model ─[compile]─▶ formula per feature   (and back: realize)
//! attention pattern ─[patterns, patterns::z3]─▶ supports, partition proof, costs
//! engines ─[verdict]─▶ Verdict (counterexample re-checked, or proof) ─[report]─▶ JSON
//! ```
//!
//! The meaning of every word is fixed by `docs/SEMANTICS.md`, numeric models by
//! `docs/NUMERIC.md`; the syntaxes by `grammar/`.
//!
//! ```
//! use ltlattn::automata::Alphabet;
//! use ltlattn::engine::Question;
//! use ltlattn::logic::{parse, Acceptance, Arena};
//! use ltlattn::verdict::{decide, Options};
//!
//! // Does "contains the factor ba" equal "contains b somewhere after an a"?
//! let mut f = Arena::new();
//! let factor = parse(&mut f, "P (a & Y b)").unwrap();
//! let scattered = parse(&mut f, "P (a & P b)").unwrap();
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into(), "c".into()]);
//! let v = decide(&f, factor, scattered, &sigma, Acceptance::Eos, Question::Equivalent,
//!                &Options::default()).unwrap();
//! let c = v.counterexample.expect("they differ");
//! assert_eq!(c.word.show(), "b c a");          // shortest: b … a with a gap
//! assert!(!c.first && c.second);               // as the reference evaluator judges it
//! ```

#![warn(missing_docs)]

pub mod algebra;
pub mod automata;
pub mod cancel;
pub mod diag;
pub mod engine;
pub mod fragment;
pub mod front;
pub mod logic;
pub mod model;
pub mod operand;
pub mod patterns;
pub mod report;
pub mod sample;
pub mod verdict;

// Old paths, kept for existing users (docs/DESIGN.md has the module map).
#[doc(hidden)]
pub use engine::bdd;
#[doc(hidden)]
pub use model::boolean::compile;
#[doc(hidden)]
pub use model::numeric;
/// Old path, kept for existing users: the z3 engine is [`engine::z3`], the attention
/// proofs [`patterns::z3`].
#[cfg(feature = "z3")]
#[doc(hidden)]
pub mod smt {
    pub use crate::engine::z3::*;
    pub use crate::patterns::z3 as patterns;
}

/// The README's code blocks, checked by `cargo test` (the tour is shell and text only).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The library example of the docs book (docs/book/reference/library.md), compiled and
/// run by `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../docs/book/reference/library.md")]
pub struct LibraryDoctests;
