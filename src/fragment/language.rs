//! The language a classification is asked about (`classify`, `separate`): a formula, a
//! Boolean or numeric model, or a DFA, made into its minimal DFA, with a formula known to
//! define it when there is one (the classifier's certificate where its operators fit a
//! fragment).

use crate::automata::{minimize, Alphabet, Budget, Dfa, LimitError};
use crate::engine::explicit::formula_dfa;
use crate::logic::{Acceptance, Arena, NodeId, PrintBudget, Syntax};
use crate::model::boolean::compile::{compile, CompileError};
use crate::model::boolean::Model;
use crate::model::numeric::{compile_numeric, NumericCompileError, NumericModel};

/// Where the language comes from.
#[derive(Debug)]
pub enum LanguageSource<'a> {
    /// A formula over an alphabet (a letter alphabet: the architectures read tokens).
    Formula {
        /// The formula's arena.
        arena: Arena,
        /// The formula.
        root: NodeId,
        /// The alphabet.
        alphabet: Alphabet,
        /// Where words are judged.
        acceptance: Acceptance,
    },
    /// A Boolean model: its compiled formula's language, under its acceptance.
    Model(&'a Model),
    /// A numeric model: its compiled minimal DFA.
    Numeric(&'a NumericModel),
    /// A DFA (minimized here).
    Dfa(&'a Dfa),
}

/// The language made ready for the classifier.
#[derive(Clone, Debug)]
pub struct Language {
    /// Its minimal DFA.
    pub dfa: Dfa,
    /// A formula that defines it under end-marker acceptance (a formula, or a Boolean
    /// model's compiled formula, judged at ⊣), for [`super::classify`]'s `given`.
    pub formula: Option<(Arena, NodeId)>,
    /// The formula, or a Boolean model's compiled formula, printed (ASCII), for the
    /// language's name.
    pub shown: Option<String>,
}

impl Language {
    /// [`Language::formula`] as the classifier takes it.
    pub fn given(&self) -> Option<(&Arena, NodeId)> {
        self.formula.as_ref().map(|(a, r)| (a, *r))
    }
}

/// Why a language could not be made ready.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LanguageError {
    /// The Boolean model has no exact translation.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Compile(#[from] CompileError),
    /// The numeric model did not compile.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Numeric(#[from] NumericCompileError),
    /// The automaton is beyond the budget.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Limit(#[from] LimitError),
}

/// The minimal DFA of `source` within `budget`, with its defining formula; formulas are
/// printed within `print`.
pub fn language(
    source: LanguageSource,
    budget: &Budget,
    print: &PrintBudget,
) -> Result<Language, LanguageError> {
    match source {
        LanguageSource::Dfa(d) => Ok(Language {
            dfa: minimize(d),
            formula: None,
            shown: None,
        }),
        LanguageSource::Numeric(m) => {
            let c = compile_numeric(m, budget)?;
            Ok(Language {
                dfa: c.dfa,
                formula: None,
                shown: None,
            })
        }
        LanguageSource::Model(m) => {
            let c = compile(m)?;
            let sigma = Alphabet::Tokens(m.alphabet.clone());
            let dfa = formula_dfa(&c.arena, c.accept, &sigma, m.acceptance, budget)?;
            let shown = print.show(&c.arena, c.accept, Syntax::Ascii);
            Ok(Language {
                dfa,
                formula: (m.acceptance == Acceptance::Eos).then_some((c.arena, c.accept)),
                shown: Some(shown),
            })
        }
        LanguageSource::Formula {
            arena,
            root,
            alphabet,
            acceptance,
        } => {
            let dfa = formula_dfa(&arena, root, &alphabet, acceptance, budget)?;
            let shown = print.show(&arena, root, Syntax::Ascii);
            Ok(Language {
                dfa,
                formula: (acceptance == Acceptance::Eos).then_some((arena, root)),
                shown: Some(shown),
            })
        }
    }
}
