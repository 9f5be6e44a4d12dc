//! The engines that decide `equiv`, `includes` and `check`, and the one product-system
//! layout they read ([`layout`]: state bits, counters, next-state rules).
//!
//! - [`explicit`]: minimal DFAs of each side and their product (guard-labelled over many
//!   propositions);
//! - [`bdd`]: breadth-first symbolic reachability on the product system;
//! - [`z3`] (cargo feature `z3`): bounded model checking, k-induction and Spacer on the
//!   product system, in a child process when the binary registers one.
//!
//! They do not share one entry point: the explicit engine compares two automata built
//! (and minimized, classified, printed) on their own, while the BDD and z3 engines take
//! the [`layout::Comparison`] of the two formulas — z3 across a process boundary, from a
//! request its child turns back into one. docs/book/design/engines.md describes each.

pub mod bdd;
pub mod explicit;
pub mod layout;
#[cfg(feature = "z3")]
pub mod z3;

pub use layout::{Comparison, Question, Sides};
