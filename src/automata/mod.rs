//! The explicit engine: formula → DFA (subformula vectors), minimization, products for
//! equivalence and inclusion with shortest counterexamples.
//!
//! ```
//! use ltlattn::logic::{parse, Arena, Acceptance};
//! use ltlattn::automata::{formula_dfa, Alphabet, Budget};
//! let mut f = Arena::new();
//! let phi = parse(&mut f, "P (a & Y b)").unwrap();   // contains the factor "ba"
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
//! let dfa = formula_dfa(&f, phi, &sigma, Acceptance::Eos, &Budget::default()).unwrap();
//! assert_eq!(dfa.states(), 3);
//! ```

mod alphabet;
mod budget;
mod build;
mod dfa;
mod minimize;
mod product;
mod text;

pub use alphabet::{Alphabet, MAX_PROPS};
pub use budget::{Budget, Limit, LimitError, DEFAULT_MAX_STATES, MAX_TRANSITIONS};
pub use build::{build_dfa, Program};
pub use dfa::Dfa;
pub use minimize::{minimize, minimize_within};
pub use product::{compare, ProductAnswer, Question};
pub use text::{parse_dfa, DfaTextError, MAX_TEXT_STATES};

use crate::logic::{Acceptance, Arena, NodeId};

/// The minimal DFA of `root`: [`build_dfa`] then [`minimize`].
pub fn formula_dfa(
    arena: &Arena,
    root: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    budget: &Budget,
) -> Result<Dfa, LimitError> {
    minimize_within(
        &build_dfa(arena, root, alphabet, acceptance, budget)?,
        budget,
    )
}
