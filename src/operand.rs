//! The operands of `equiv` and `includes` when a side is not a formula: a Boolean model
//! with its compiled formula, a numeric model, or a DFA, held as values ([`Loaded`]),
//! compared ([`decide`]) and reported ([`report`]) in one place for every front end. The
//! command line reads an operand from a file (`equiv model.toml 'P a'`), the server from
//! its request's text; both call these functions and only render what they return. The
//! comparison itself is [`verdict::decide_operands`] (minimal DFAs, the explicit engine,
//! every counterexample re-judged by each side's evaluator or executor).
//!
//! ```
//! use ltlattn::engine::Question;
//! use ltlattn::front::WordOptions;
//! use ltlattn::logic::{parse, Acceptance, Arena, ParseLimits, PrintBudget};
//! use ltlattn::operand::{decide, report, Loaded};
//! use ltlattn::verdict::Options;
//!
//! let dfa = ltlattn::automata::parse_dfa(
//!     "alphabet: a b\nstates: 2\ninitial: 0\naccepting: 1\n0 a 1\n0 b 0\n1 a 1\n1 b 1\n",
//! ).unwrap();
//! let mut arena = Arena::new();
//! let first = Loaded::Dfa(dfa);
//! let second = Loaded::Formula(parse(&mut arena, "P b").unwrap());
//! let opts = WordOptions { accept: Acceptance::Eos, alphabet: None, props: false, file_alphabet: None };
//! let v = decide(&arena, [&first, &second], &opts, Question::Equivalent, &Options::default())
//!     .unwrap();
//! let r = report(&v, &arena, [(&first, None), (&second, None)], &PrintBudget::new(1000));
//! assert_eq!(r.counterexample, Some(vec!["a".to_string()])); // "contains a" vs "contains b"
//! assert_eq!((r.first.accepts, r.second.accepts), (Some(true), Some(false)));
//! ```

use crate::automata::{Alphabet, Dfa};
use crate::engine::layout::Question;
use crate::front::{InputError, WordOptions};
use crate::logic::{Acceptance, Arena, NodeId, PrintBudget, Syntax};
use crate::model::boolean::compile::Compiled;
use crate::model::boolean::Model;
use crate::model::numeric::NumericModel;
use crate::report::CompareReport;
use crate::verdict::{self, CheckError, Engine, Operand, Options, Verdict};

/// A side of a comparison, read and owned (a formula lives in the caller's [`Arena`]).
#[derive(Debug)]
pub enum Loaded {
    /// A formula, judged under the comparison's acceptance.
    Formula(NodeId),
    /// A Boolean model and its compiled formula, judged under the model's acceptance.
    Model(Box<Model>, Box<Compiled>),
    /// A numeric model: compiled only if the comparison needs it (the search on the fly
    /// comes first).
    Numeric(Box<NumericModel>),
    /// A DFA, its own definition.
    Dfa(Dfa),
}

impl Loaded {
    /// A Boolean model with its compiled formula.
    pub fn model(model: Model) -> Result<Self, crate::model::boolean::compile::CompileError> {
        let compiled = crate::model::boolean::compile::compile(&model)?;
        Ok(Loaded::Model(Box::new(model), Box::new(compiled)))
    }

    /// The side as the library's decisions take it; a formula is judged under
    /// `acceptance` (models and DFAs have their own).
    pub fn operand<'a>(&'a self, arena: &'a Arena, acceptance: Acceptance) -> Operand<'a> {
        match self {
            Loaded::Formula(root) => Operand::Formula {
                arena,
                root: *root,
                acceptance,
            },
            Loaded::Model(m, c) => Operand::Model {
                model: m,
                compiled: c,
            },
            Loaded::Numeric(m) => Operand::Numeric {
                model: m,
                compiled: None,
            },
            Loaded::Dfa(d) => Operand::Dfa(d),
        }
    }

    /// Whether the side is a formula.
    pub fn is_formula(&self) -> bool {
        matches!(self, Loaded::Formula(_))
    }

    /// The formula that defines the side, printed (ASCII): a formula, or a Boolean
    /// model's compiled formula; none for a numeric model or a DFA.
    pub fn shown(&self, arena: &Arena, print: &PrintBudget) -> Option<String> {
        match self {
            Loaded::Formula(root) => Some(print.show(arena, *root, Syntax::Ascii)),
            Loaded::Model(_, c) => Some(print.show(&c.arena, c.accept, Syntax::Ascii)),
            Loaded::Numeric(_) | Loaded::Dfa(_) => None,
        }
    }

    /// The fragment a numeric model's architecture lands in (for the report of an
    /// undecided comparison), none for the other sides.
    pub fn numeric_fragment(&self) -> Option<String> {
        match self {
            Loaded::Numeric(m) => Some(crate::model::numeric::architecture(m).name()),
            _ => None,
        }
    }
}

/// Why two sides were not compared.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum OperandError {
    /// The z3 engine was asked for, which reads formulas only.
    #[error("model and DFA operands are compared by the explicit engine")]
    #[diagnostic(help(
        "leave --engine at auto or explicit; `compile --json` gives a Boolean model's formula for z3"
    ))]
    Engine,
    /// The alphabet given beside a model or DFA is not the one it fixes.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(#[from] InputError),
    /// The comparison stopped, or the sides do not fit each other.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
}

/// Refuses an engine that cannot compare models and DFAs (z3); every other engine name
/// means the explicit engine here.
pub fn check_engine(engine: Engine) -> Result<(), OperandError> {
    if engine == Engine::Z3 {
        return Err(OperandError::Engine);
    }
    Ok(())
}

/// Is L(`first`) equal to (or included in) L(`second`), when at least one side is a
/// model or a DFA? The alphabet is the one the files fix (an alphabet given in `opts`
/// must be the same tokens in the same order); a formula side is judged under
/// `opts.accept`. With two formulas, use [`verdict::decide`] (every engine).
pub fn decide(
    arena: &Arena,
    [first, second]: [&Loaded; 2],
    opts: &WordOptions,
    question: Question,
    options: &Options,
) -> Result<Verdict, OperandError> {
    check_engine(options.engine)?;
    let (a, b) = (
        first.operand(arena, opts.accept),
        second.operand(arena, opts.accept),
    );
    let fixed: Option<Alphabet> = a.alphabet().or_else(|| b.alphabet());
    let Some(fixed) = fixed else {
        // Two formulas: no file fixes the alphabet; the formulas' atoms do.
        let sigma = opts.alphabet(arena, &formulas([first, second]))?;
        return Ok(verdict::decide_operands(&a, &b, &sigma, question, options)?);
    };
    let sigma = opts.alphabet_of_file(fixed)?;
    Ok(verdict::decide_operands(&a, &b, &sigma, question, options)?)
}

/// The formula roots among the sides.
fn formulas(sides: [&Loaded; 2]) -> Vec<NodeId> {
    sides
        .into_iter()
        .filter_map(|s| match s {
            Loaded::Formula(r) => Some(*r),
            _ => None,
        })
        .collect()
}

/// The `equiv --json` report of `verdict` on two sides, each with where it came from
/// (`source`: the command line's file path, the server's kind of text); a side's
/// `formula` is its formula, or a Boolean model's compiled formula, printed within
/// `print`.
pub fn report(
    verdict: &Verdict,
    arena: &Arena,
    [(first, first_source), (second, second_source)]: [(&Loaded, Option<String>); 2],
    print: &PrintBudget,
) -> CompareReport {
    let mut r = CompareReport::new(verdict, String::new(), String::new());
    r.first.formula = first.shown(arena, print);
    r.first.source = first_source;
    r.second.formula = second.shown(arena, print);
    r.second.source = second_source;
    r
}
