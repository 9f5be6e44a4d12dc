//! The explicit engine: formula → DFA by the subformula-vector construction
//! ([`build_dfa`], reading the rules of [`crate::engine::layout`]), minimal DFAs
//! ([`formula_dfa`]), guard-labelled automata over many propositions ([`GuardedDfa`]),
//! and products for equivalence and inclusion with shortest counterexamples
//! ([`compare`]).
//!
//! ```
//! use ltlattn::logic::{parse, Arena, Acceptance};
//! use ltlattn::automata::{Alphabet, Budget};
//! use ltlattn::engine::explicit::formula_dfa;
//! let mut f = Arena::new();
//! let phi = parse(&mut f, "P (a & Y b)").unwrap();   // contains the factor "ba"
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
//! let dfa = formula_dfa(&f, phi, &sigma, Acceptance::Eos, &Budget::default()).unwrap();
//! assert_eq!(dfa.states(), 3);
//! ```

mod build;
mod diagram;
mod guarded;
mod product;

pub use build::{build_dfa, Program};
pub use guarded::{
    build_guarded, build_guarded_in, compare_guarded, formula_guarded, formula_guarded_in,
    guard_order, minimize_guarded, Cube, Guard, GuardedAnswer, GuardedDfa, PropSet, DENSE_PROPS,
    JSON_DENSE_TRANSITIONS, MAX_CUBES, MAX_GUARD_PROPS, MAX_LISTED,
};
pub use product::{compare, ProductAnswer};

use crate::automata::{
    minimize_within, renumber, Alphabet, Budget, Dfa, LanguageKind, Limit, LimitError, MAX_PROPS,
    MAX_TRANSITIONS,
};
use crate::logic::{Acceptance, Arena, NodeId};

/// The minimal DFA of `root`: [`build_dfa`] then [`crate::automata::minimize`]. Over more than
/// [`DENSE_PROPS`] propositions the minimal automaton is built with guards first
/// ([`formula_guarded`]) and then tabulated, which is much faster than tabulating the
/// unminimized one; either way the states are numbered breadth-first in letter order.
pub fn formula_dfa(
    arena: &Arena,
    root: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    budget: &Budget,
) -> Result<Dfa, LimitError> {
    if let Alphabet::Props(p) = alphabet {
        if p.len() > DENSE_PROPS {
            let too_big = |reached| LimitError {
                limit: Limit::Transitions(MAX_TRANSITIONS),
                what: "DFA states",
                reached,
            };
            if p.len() > MAX_PROPS {
                return Err(too_big(1));
            }
            let g = formula_guarded(arena, root, alphabet, acceptance, budget)?;
            let letters = 1usize << p.len();
            budget.check(g.states(), letters, "DFA states")?;
            let dense = g
                .to_dense_within(budget)?
                .ok_or_else(|| too_big(g.states()))?;
            return Ok(renumber(&dense));
        }
    }
    minimize_within(
        &build_dfa(arena, root, alphabet, acceptance, budget)?,
        budget,
    )
}

/// A DFA as the `dfa` command shows it: a dense table (letter alphabets, and proposition
/// alphabets up to [`DENSE_PROPS`] propositions) or guard-labelled transitions (more
/// propositions; any number).
#[derive(Clone, Debug)]
pub enum Automaton {
    /// A flat transition table.
    Dense(Dfa),
    /// Transitions labelled by guards over the propositions.
    Guarded(GuardedDfa),
}

impl Automaton {
    /// The DFA of `root` (minimal when `minimal`), dense or guard-labelled by the size of
    /// the alphabet.
    pub fn of_formula(
        arena: &Arena,
        root: NodeId,
        alphabet: &Alphabet,
        acceptance: Acceptance,
        budget: &Budget,
        minimal: bool,
    ) -> Result<Automaton, LimitError> {
        let guarded = matches!(alphabet, Alphabet::Props(p) if p.len() > DENSE_PROPS);
        Ok(match (guarded, minimal) {
            (false, true) => {
                Automaton::Dense(formula_dfa(arena, root, alphabet, acceptance, budget)?)
            }
            (false, false) => {
                Automaton::Dense(build_dfa(arena, root, alphabet, acceptance, budget)?)
            }
            (true, true) => {
                Automaton::Guarded(formula_guarded(arena, root, alphabet, acceptance, budget)?)
            }
            (true, false) => {
                Automaton::Guarded(build_guarded(arena, root, alphabet, acceptance, budget)?)
            }
        })
    }

    /// Number of states.
    pub fn states(&self) -> usize {
        match self {
            Automaton::Dense(d) => d.states(),
            Automaton::Guarded(g) => g.states(),
        }
    }

    /// Whether the automaton's language is empty or universal ([`LanguageKind`]).
    pub fn language_kind(&self) -> LanguageKind {
        match self {
            Automaton::Dense(d) => d.language_kind(),
            Automaton::Guarded(g) => {
                let successors = |q: u32| g.guards(q).into_iter().map(|(t, _)| t).collect();
                LanguageKind::of(g.states(), g.acceptance(), g.accepting(), successors)
            }
        }
    }

    /// The plain-text listing (letters for dense tables, guards otherwise).
    pub fn to_text(&self) -> String {
        match self {
            Automaton::Dense(d) => d.to_text(),
            Automaton::Guarded(g) => g.to_text(),
        }
    }

    /// Graphviz DOT; over propositions the edges are labelled by guards.
    pub fn to_dot(&self) -> String {
        match self {
            Automaton::Dense(d) => match GuardedDfa::from_dense(d) {
                Some(g) => g.to_dot(),
                None => d.to_dot(),
            },
            Automaton::Guarded(g) => g.to_dot(),
        }
    }

    /// JSON: [`Dfa::to_json`]'s keys where a dense table exists, and over propositions
    /// `propositions` and `guards` ([`GuardedDfa::to_json`]).
    pub fn to_json(&self) -> crate::automata::AutomatonJson {
        match self {
            Automaton::Dense(d) => match GuardedDfa::from_dense(d) {
                Some(g) => d.to_json().with_guards(g.guards_json()),
                None => d.to_json(),
            },
            Automaton::Guarded(g) => g.to_json(),
        }
    }
}
