//! `ltlattn`: fixed-precision transformers as past-time temporal logic.
//!
//! The library behind the `ltlattn` command. Data flows one way:
//! [`logic`] (formulas: parse, print, evaluate) → automata → fragment decisions.
//! The meaning of every word is fixed by `SEMANTICS.md`; the syntax by `grammar/`.

#![warn(missing_docs)]

pub mod algebra;
pub mod automata;
pub mod compile;
pub mod diag;
pub mod fragment;
pub mod logic;
pub mod model;
pub mod patterns;
pub mod report;
#[cfg(feature = "z3")]
pub mod smt;
pub mod verdict;
