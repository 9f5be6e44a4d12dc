//! Deterministic automata: the DFA type, Hopcroft minimization, the DFA text format,
//! alphabets, and the budget every construction is bounded by. The explicit engine that
//! builds automata from formulas and compares them is [`crate::engine::explicit`].
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

mod alphabet;
mod budget;
mod dfa;
mod minimize;
mod text;

pub use alphabet::{Alphabet, MAX_PROPS};
pub use budget::{Budget, Limit, LimitError, DEFAULT_MAX_STATES, MAX_TRANSITIONS};
pub use dfa::{AutomatonJson, Dfa, GuardDiagram, GuardEdge, TEXT_STATES};
pub(crate) use minimize::renumber;
pub use minimize::{coarsest_partition, minimize, minimize_within};
pub use text::{parse_dfa, DfaTextError, MAX_TEXT_STATES};

// Old paths, kept for existing users: the explicit engine moved to `engine::explicit`,
// the question of a comparison to `engine::layout`.
#[doc(hidden)]
pub use crate::engine::explicit::{
    build_dfa, build_guarded, build_guarded_in, compare, compare_guarded, formula_dfa,
    formula_guarded, formula_guarded_in, guard_order, minimize_guarded, Automaton, Cube, Guard,
    GuardedAnswer, GuardedDfa, ProductAnswer, Program, PropSet, DENSE_PROPS,
    JSON_DENSE_TRANSITIONS, MAX_CUBES, MAX_GUARD_PROPS, MAX_LISTED,
};
#[doc(hidden)]
pub use crate::engine::layout::Question;

use crate::logic::Acceptance;

/// Whether an automaton accepts no word or every word its acceptance convention allows
/// (under EOS acceptance every word; under last-position acceptance, which never accepts
/// the empty word, every nonempty word). Both are almost never what a formula's author
/// meant, so `dfa` and `compile` say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LanguageKind {
    /// No word is accepted.
    pub empty: bool,
    /// Every word (every nonempty word under last-position acceptance) is accepted.
    pub universal: bool,
}

impl LanguageKind {
    /// From the states reachable by nonempty words (breadth-first from the initial
    /// state's successors) and the initial state, which stands for the empty word.
    pub fn of(
        states: usize,
        acceptance: Acceptance,
        accepting: &[bool],
        successors: impl Fn(u32) -> Vec<u32>,
    ) -> LanguageKind {
        let mut seen = vec![false; states];
        let mut stack = successors(0);
        for &q in &stack {
            seen[q as usize] = true;
        }
        while let Some(q) = stack.pop() {
            for t in successors(q) {
                if !std::mem::replace(&mut seen[t as usize], true) {
                    stack.push(t);
                }
            }
        }
        let nonempty = (0..states).filter(|&q| seen[q]);
        let any = nonempty.clone().any(|q| accepting[q]);
        let all = nonempty.clone().all(|q| accepting[q]);
        let empty_word = acceptance == Acceptance::Eos && accepting[0];
        LanguageKind {
            empty: !any && !empty_word,
            universal: all && (acceptance == Acceptance::Last || empty_word),
        }
    }

    /// A note for a reader, or `None` when the language is neither empty nor universal.
    /// `what` names the automaton's source ("the formula", "the model"); for a formula
    /// (`formula_hint`) under EOS acceptance the note says why it may come out so.
    pub fn note(&self, what: &str, acceptance: Acceptance, formula_hint: bool) -> Option<String> {
        let head = if self.empty {
            format!("note: {what} accepts no word at all (the empty language)")
        } else if self.universal {
            match acceptance {
                Acceptance::Eos => format!("note: {what} accepts every word"),
                Acceptance::Last => format!("note: {what} accepts every nonempty word"),
            }
        } else {
            return None;
        };
        Some(match acceptance {
            Acceptance::Eos if formula_hint => format!(
                "{head}. Under EOS acceptance a formula is judged at the end marker ⊣, where no letter holds: `--accept last` judges it at the last letter instead, and the strict since `S<` reads only earlier positions (`a S< b`, not `a S b`)."
            ),
            _ => format!("{head}."),
        })
    }
}

/// The words one letter longer than those of `level` (letter indices `0..letters`), in
/// length-lexicographic order when `level` is: the step of every enumeration of words by
/// length (the shortest-formula search, the numeric hunt, blind pairs).
pub fn one_letter_longer(
    level: &[Vec<u32>],
    letters: usize,
) -> impl Iterator<Item = Vec<u32>> + '_ {
    level.iter().flat_map(move |w| {
        (0..letters as u32).map(move |l| {
            let mut v = w.clone();
            v.push(l);
            v
        })
    })
}
