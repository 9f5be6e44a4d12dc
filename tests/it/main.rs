//! The integration tests, one crate (one build, one link): a module per subject, the
//! shared helpers in [`helpers`]. `cargo test NAME` runs the tests whose path contains
//! NAME (`cargo test bdd::` a whole module); docs/book/reliability.md says what each
//! module checks.

mod helpers;

mod automata;
mod bdd;
mod blind;
mod browser;
mod classify;
mod cli;
mod docs;
mod eval_semantics;
mod examples;
mod formula_props;
mod fragments;
mod fuzz_regressions;
mod guarded;
mod hostile;
mod isolate;
mod models;
mod numeric;
mod numeric_bounds;
mod numeric_hunt;
mod numeric_models;
mod numeric_oracle;
mod numeric_search;
mod parse;
mod patterns;
mod portfolio;
mod sample;
mod serve;
mod smt;
