//! One serializable report per command: what `--json` prints, and what any other front
//! end (the web page, bindings) renders. The schema is documented in the docs book
//! (docs/book/reference/json.md and each command's page); [`to_json`] is the one writer.
//!
//! Every report of a decision carries the answer under the key `holds` (`true`, `false`,
//! or `null` for "could not decide"), and the command line derives its exit code from
//! that key alone: 0 for `true`, 1 for `false`, 2 for `null` or an error. Older keys for
//! the same answer (`accepted`, `equivalent`, `included`, `bounded.result`) are still
//! written beside it.
//!
//! ```
//! use ltlattn::automata::Alphabet;
//! use ltlattn::engine::Question;
//! use ltlattn::logic::{parse, Acceptance, Arena};
//! use ltlattn::report::{to_json, CompareReport};
//! use ltlattn::verdict::{decide, Options};
//! let mut f = Arena::new();
//! let (l, r) = (parse(&mut f, "P a").unwrap(), parse(&mut f, "O a").unwrap());
//! let sigma = Alphabet::Tokens(vec!["a".into()]);
//! let v = decide(&f, l, r, &sigma, Acceptance::Eos, Question::Equivalent, &Options::default())
//!     .unwrap();
//! let json = to_json("equiv", &CompareReport::new(&v, "P a".into(), "O a".into()));
//! assert!(json.starts_with(r#"{"command":"equiv","holds":true"#));
//! ```

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::engine::explicit::Automaton;
use crate::engine::layout::Question;
use crate::fragment::{Class, Decision, FormulaCert, NonMemberCert};
use crate::logic::{
    accepting_column, truth_table, Acceptance, Arena, NodeId, PrintBudget, Syntax, Word,
};
use crate::verdict::{Bounded, EngineReport, Verdict};

pub mod numeric;

/// Serializes its value with the keys of every object sorted, as a `serde_json::Value`
/// prints them (the crate's `preserve_order` feature is off). Reports that used to be
/// built as `Value`s keep their key order with it where a part of them is a type whose
/// fields are not in alphabetical order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sorted<T>(pub T);

impl<T: Serialize> Serialize for Sorted<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::to_value(&self.0)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

/// `n` and a noun with a regular plural, agreeing: "1 state", "2 states".
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The report as one line of compact JSON, with the command's name under `command`
/// (first) and the report's keys after it.
pub fn to_json<T: Serialize>(command: &str, report: &T) -> String {
    #[derive(Serialize)]
    struct Tagged<'a, T> {
        command: &'a str,
        #[serde(flatten)]
        report: &'a T,
    }
    serde_json::to_string(&Tagged { command, report }).unwrap_or_else(|e| {
        // Only a map key that is not a string can fail here; none of the reports has one.
        format!(r#"{{"command":"{command}","error":"cannot write the report: {e}"}}"#)
    })
}

/// `eval`: is the word in the language?
#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    /// Whether the word is accepted.
    pub holds: bool,
    /// The same (the key `eval --json` has always had).
    pub accepted: bool,
}

impl EvalReport {
    /// The report of an accepted (or rejected) word.
    pub fn new(accepted: bool) -> Self {
        EvalReport {
            holds: accepted,
            accepted,
        }
    }
}

/// One row of a truth table: a subformula and its value at every position.
#[derive(Clone, Debug, Serialize)]
pub struct TruthRow {
    /// The subformula, ASCII syntax.
    pub formula: String,
    /// Its value at each column.
    pub values: Vec<bool>,
}

/// `explain`: the truth of every subformula at every position.
#[derive(Clone, Debug, Serialize)]
pub struct ExplainReport {
    /// Whether the word is accepted.
    pub holds: bool,
    /// The same, under its older key.
    pub accepted: bool,
    /// Column headings: the word's positions (then `⊣` under EOS acceptance).
    pub positions: Vec<String>,
    /// Subformulas, children before parents; the last row is the formula.
    pub rows: Vec<TruthRow>,
    /// The server's, when the request asks for it: the table as a LaTeX `tabular`
    /// ([`explain_latex`], what `explain --latex` prints).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latex: Option<String>,
}

/// Rows beyond this make a truth table no reader can use; the limit also bounds the
/// output size.
pub const MAX_EXPLAIN_ROWS: usize = 500;

/// A truth table with more rows than [`MAX_EXPLAIN_ROWS`].
#[derive(Clone, Debug, thiserror::Error, miette::Diagnostic)]
#[error("the table would have {0} rows (one per subformula); the limit is {MAX_EXPLAIN_ROWS}")]
#[diagnostic(help(
    "explain is a teaching view for small formulas; use `ltlattn eval` for the verdict alone"
))]
pub struct TableTooLarge(pub usize);

/// Whether the truth table of `root` fits in [`MAX_EXPLAIN_ROWS`] rows.
pub fn explain_fits(arena: &Arena, root: NodeId) -> Result<(), TableTooLarge> {
    let size = arena.size(root);
    if size > MAX_EXPLAIN_ROWS {
        return Err(TableTooLarge(size));
    }
    Ok(())
}

/// `explain`: the truth of every subformula of `root` at every position of `word`, the
/// rows printed (ASCII) within `print`.
pub fn explain(
    arena: &Arena,
    root: NodeId,
    word: &Word,
    acceptance: Acceptance,
    print: &PrintBudget,
) -> Result<ExplainReport, TableTooLarge> {
    explain_fits(arena, root)?;
    let sh = print.shower(arena);
    let table = truth_table(arena, root, word, acceptance);
    let mut positions: Vec<String> = (0..word.len()).map(|i| word.show_position(i)).collect();
    if table.has_eos {
        positions.push("⊣".into());
    }
    let accepted = accepting_column(word.len(), acceptance)
        .map(|c| table.values[table.rows.len() - 1][c])
        .unwrap_or(false);
    Ok(ExplainReport {
        holds: accepted,
        accepted,
        positions,
        rows: table
            .rows
            .iter()
            .zip(&table.values)
            .map(|(&id, v)| TruthRow {
                formula: sh.show(id, Syntax::Ascii),
                values: v.clone(),
            })
            .collect(),
        latex: None,
    })
}

/// The truth table of `explain` as a LaTeX `tabular`, one line per row (what `explain
/// --latex` prints): the tokens in `\texttt`, the end marker as `$\dashv$`, each
/// subformula in the LaTeX syntax.
pub fn explain_latex(
    arena: &Arena,
    root: NodeId,
    word: &Word,
    acceptance: Acceptance,
    print: &PrintBudget,
) -> Result<String, TableTooLarge> {
    explain_fits(arena, root)?;
    let sh = print.shower(arena);
    let table = truth_table(arena, root, word, acceptance);
    let mut headers: Vec<String> = (0..word.len())
        .map(|i| latex_token(&word.show_position(i)))
        .collect();
    if table.has_eos {
        headers.push("$\\dashv$".into());
    }
    let mut out = format!("\\begin{{tabular}}{{l|{}}}\n", "c".repeat(table.columns));
    out.push_str(&format!("  & {} \\\\ \\hline\n", headers.join(" & ")));
    for (&id, v) in table.rows.iter().zip(&table.values) {
        let cells: Vec<&str> = v.iter().map(|&b| if b { "1" } else { "0" }).collect();
        out.push_str(&format!(
            "  ${}$ & {} \\\\\n",
            sh.show(id, Syntax::Latex),
            cells.join(" & ")
        ));
    }
    out.push_str("\\end{tabular}\n");
    Ok(out)
}

/// A token in LaTeX: `\texttt`, with TeX's special characters escaped.
fn latex_token(t: &str) -> String {
    format!("\\texttt{{{}}}", crate::logic::latex_escape(t))
}

/// Both sides' truth tables on a counterexample ([`CompareReport::tables`]); a side
/// whose table is too large has none.
#[derive(Clone, Debug, Serialize)]
pub struct Tables {
    /// The first formula's.
    pub first: Option<ExplainReport>,
    /// The second formula's.
    pub second: Option<ExplainReport>,
}

impl Tables {
    /// The tables of `first` and `second` on `word`.
    pub fn on(
        arena: &Arena,
        (first, second): (NodeId, NodeId),
        word: &Word,
        acceptance: Acceptance,
        print: &PrintBudget,
    ) -> Self {
        let table = |root| explain(arena, root, word, acceptance, print).ok();
        Tables {
            first: table(first),
            second: table(second),
        }
    }
}

/// `dfa --json`: an automaton's JSON (its keys: `states`, `initial`, `accepting`,
/// `acceptance`, and `alphabet` and `transitions` or `propositions`, `guards` and
/// `diagram`; [`Automaton::to_json`]) with the report's keys beside them, every key in
/// alphabetical order as the report has always printed them.
#[derive(Clone, Debug)]
pub struct DfaReport {
    /// The automaton's JSON.
    pub automaton: crate::automata::AutomatonJson,
    /// The formula, ASCII syntax (a Boolean model's compiled formula; absent for a
    /// numeric model or a DFA file).
    pub formula: Option<String>,
    /// Whether the automaton is the minimal DFA.
    pub minimal: bool,
    /// Whether it accepts no word (of a formula's automaton).
    pub empty: Option<bool>,
    /// Whether it accepts every word its acceptance allows (of a formula's automaton).
    pub universal: Option<bool>,
    /// The model or DFA file it was read from.
    pub source: Option<String>,
    /// The server's: the automaton as Graphviz DOT (`null` when it is too large to draw:
    /// the command line's `dfa --dot` writes any size).
    pub dot: Option<Option<String>>,
    /// The server's: the picture as SVG (`null` when it is too large to draw).
    pub svg: Option<Option<String>>,
}

impl DfaReport {
    /// The report of a formula's automaton (`formula` as printed; `minimal`: minimized).
    pub fn of_formula(dfa: &Automaton, formula: String, minimal: bool) -> Self {
        let kind = dfa.language_kind();
        DfaReport {
            automaton: dfa.to_json(),
            formula: Some(formula),
            minimal,
            empty: Some(kind.empty),
            universal: Some(kind.universal),
            source: None,
            dot: None,
            svg: None,
        }
    }

    /// The report of the minimal DFA of a model or DFA file read from `source`
    /// (`formula`: a Boolean model's compiled formula).
    pub fn of_file(dfa: &Automaton, formula: Option<String>, source: String) -> Self {
        DfaReport {
            automaton: dfa.to_json(),
            formula,
            minimal: true,
            empty: None,
            universal: None,
            source: Some(source),
            dot: None,
            svg: None,
        }
    }
}

impl Serialize for DfaReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Keys<'a> {
            #[serde(flatten)]
            automaton: &'a crate::automata::AutomatonJson,
            #[serde(skip_serializing_if = "Option::is_none")]
            dot: Option<&'a Option<String>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            empty: Option<bool>,
            #[serde(skip_serializing_if = "Option::is_none")]
            formula: Option<&'a String>,
            minimal: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            source: Option<&'a String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            svg: Option<&'a Option<String>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            universal: Option<bool>,
        }
        // The automaton's keys and the report's interleave: sorted, as always.
        Sorted(Keys {
            automaton: &self.automaton,
            dot: self.dot.as_ref(),
            empty: self.empty,
            formula: self.formula.as_ref(),
            minimal: self.minimal,
            source: self.source.as_ref(),
            svg: self.svg.as_ref(),
            universal: self.universal,
        })
        .serialize(s)
    }
}

/// `fmt`: each formula re-printed, or its parse error.
#[derive(Clone, Debug, Serialize)]
pub struct FmtReport {
    /// The formulas in input order.
    pub formulas: Vec<FmtItem>,
    /// The server's: the (one) formula in the three syntaxes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renderings: Option<Renderings>,
    /// The server's: the formula's atoms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub atoms: Option<Vec<String>>,
    /// The server's: its number of distinct subformulas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subformulas: Option<usize>,
}

impl FmtReport {
    /// The report of these formulas (nothing a front end adds).
    pub fn new(formulas: Vec<FmtItem>) -> Self {
        FmtReport {
            formulas,
            renderings: None,
            atoms: None,
            subformulas: None,
        }
    }

    /// The report of one formula read from `input`, with its three renderings, atoms
    /// and size (what the web page shows).
    pub fn of_formula(input: &str, arena: &Arena, root: NodeId, print: &PrintBudget) -> Self {
        let sh = print.shower(arena);
        let ascii = sh.show(root, Syntax::Ascii);
        FmtReport {
            formulas: vec![FmtItem {
                input: input.into(),
                formula: Some(ascii.clone()),
                error: None,
            }],
            renderings: Some(Renderings {
                ascii,
                latex: sh.show(root, Syntax::Latex),
                unicode: sh.show(root, Syntax::Unicode),
            }),
            atoms: Some(arena.atom_names(root)),
            subformulas: Some(arena.size(root)),
        }
    }
}

/// A formula in the three syntaxes ([`FmtReport::renderings`]).
#[derive(Clone, Debug, Serialize)]
pub struct Renderings {
    /// ASCII.
    pub ascii: String,
    /// Math-mode LaTeX.
    pub latex: String,
    /// Unicode.
    pub unicode: String,
}

/// One formula of [`FmtReport`].
#[derive(Clone, Debug, Serialize)]
pub struct FmtItem {
    /// Where it came from (`argument 1`, `stdin:3`).
    pub input: String,
    /// The formula in the chosen syntax, when it parsed.
    pub formula: Option<String>,
    /// The parse error, when it did not.
    pub error: Option<String>,
}

/// One side of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct SideReport {
    /// The formula, ASCII syntax (a Boolean model's compiled formula; `null` for a numeric
    /// model or a DFA file, whose language is their minimal DFA).
    pub formula: Option<String>,
    /// The model or DFA file this side was read from (absent for a formula).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Whether it accepts the counterexample (`null` when there is none).
    pub accepts: Option<bool>,
}

/// `equiv` and `includes`: the verdict, the counterexample, and the engine's report
/// (its keys — `engine`, `states_explored`, `dfa_states` or `proof`, `depth`,
/// `state_variables`, `seconds`, `fallback` — sit at the top level).
#[derive(Clone, Debug, Serialize)]
pub struct CompareReport {
    /// Whether the languages are equal (`equiv`) or the first is included in the second.
    pub holds: bool,
    /// `equiv`: the same as `holds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equivalent: Option<bool>,
    /// `includes`: the same as `holds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included: Option<bool>,
    /// The shortest word that tells them apart, as tokens (`{p,q}` for proposition sets).
    pub counterexample: Option<Vec<String>>,
    /// `false` when the counterexample is not known to be shortest (engine `hunt`);
    /// absent otherwise (every other engine's counterexample is the least shortest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortest: Option<bool>,
    /// The first formula and its judgement of the counterexample.
    pub first: SideReport,
    /// The second formula and its judgement.
    pub second: SideReport,
    /// Which engine answered, with what effort or proof.
    #[serde(flatten)]
    pub engine: EngineReport,
    /// The server's: both truth tables on the counterexample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tables: Option<Tables>,
}

/// `Some(false)` for a counterexample not known to be shortest, else `None` (the key is
/// left out, as it always was).
fn not_shortest(verdict: &Verdict) -> Option<bool> {
    verdict.shortest().filter(|s| !s)
}

impl CompareReport {
    /// The report of `verdict`, with the two formulas as printed.
    pub fn new(verdict: &Verdict, first: String, second: String) -> Self {
        let holds = verdict.holds();
        let c = verdict.counterexample.as_ref();
        CompareReport {
            holds,
            equivalent: (verdict.question == Question::Equivalent).then_some(holds),
            included: (verdict.question == Question::Included).then_some(holds),
            counterexample: c.map(|c| c.tokens()),
            shortest: not_shortest(verdict),
            first: SideReport {
                formula: Some(first),
                source: None,
                accepts: c.map(|c| c.first),
            },
            second: SideReport {
                formula: Some(second),
                source: None,
                accepts: c.map(|c| c.second),
            },
            engine: verdict.engine.clone(),
            tables: None,
        }
    }
}

/// `check MODEL --spec F`: does the model recognize exactly L(F)?
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// Whether it does.
    pub holds: bool,
    /// The shortest word where model and spec differ.
    pub counterexample: Option<Vec<String>>,
    /// `false` when the counterexample is not known to be shortest (engine `hunt`);
    /// absent otherwise (every other engine's counterexample is the least shortest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortest: Option<bool>,
    /// The model's judgement of it (reference executor).
    pub model_accepts: Option<bool>,
    /// The spec's judgement of it (reference evaluator).
    pub spec_accepts: Option<bool>,
    /// The fragment the model's architecture lands in.
    pub fragment: String,
    /// Which engine answered.
    #[serde(flatten)]
    pub engine: EngineReport,
    /// The server's, with a counterexample: the model's run on it (`null` when there is
    /// none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Option<RunTrace>>,
    /// The server's, with a counterexample: the spec's truth table on it (`null` when it
    /// is too large).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_table: Option<Option<ExplainReport>>,
}

/// A model's run: a Boolean model's features, or a numeric model's vectors and α.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum RunTrace {
    /// A Boolean model's.
    Boolean(RunReport),
    /// A numeric model's.
    Numeric(numeric::NumericRunReport),
}

/// A comparison with a numeric model that a budget stopped: no verdict (`holds` is
/// `null`, exit 2), but how far the search on the fly got, a fact a paper can quote.
#[derive(Clone, Debug, Serialize)]
pub struct UndecidedReport {
    /// Always `null`: undecided.
    pub holds: Option<bool>,
    /// No word of length ≤ this separates the two sides.
    pub checked_up_to_length: usize,
    /// Whether a clock stopped the compilation or the proof by bounds (`--timeout`, the
    /// proof's own 20 s without one, or a cancellation); `false`: no clock did.
    pub timed_out: bool,
    /// The fragment the model's architecture lands in.
    pub fragment: String,
    /// What stopped the work, as the error message says it.
    pub error: ErrorReport,
}

/// A comparison (`equiv`, `includes`, `check` of a Boolean model) with no answer: a
/// budget stopped it or the engines could not decide (a z3 child process that aborted
/// included). `holds` is `null`, the exit code 2.
#[derive(Clone, Debug, Serialize)]
pub struct NoAnswerReport {
    /// Always `null`: undecided.
    pub holds: Option<bool>,
    /// Why, as the error message says it.
    pub error: ErrorReport,
}

impl NoAnswerReport {
    /// The report of `error`.
    pub fn new(error: &crate::verdict::DecideError) -> Self {
        NoAnswerReport {
            holds: None,
            error: ErrorReport {
                message: error.to_string(),
                help: error.help().map(str::to_string),
                checked_up_to_length: None,
            },
        }
    }
}

/// An error as JSON: its message and the help that goes with it.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorReport {
    /// The message.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// For an undecided comparison: every word up to this length was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_up_to_length: Option<usize>,
}

impl UndecidedReport {
    /// The report of `error`, which stopped a comparison after every word of length ≤
    /// `checked` was checked; `fragment` is the model's architecture's.
    pub fn new(error: &crate::verdict::CheckError, checked: usize, fragment: String) -> Self {
        UndecidedReport {
            holds: None,
            checked_up_to_length: checked,
            timed_out: error.timed_out(),
            fragment,
            error: ErrorReport {
                message: error.to_string(),
                help: miette::Diagnostic::help(error).map(|h| h.to_string()),
                checked_up_to_length: Some(checked),
            },
        }
    }
}

impl CheckReport {
    /// The report of a model check whose model lands in `fragment`.
    pub fn new(verdict: &Verdict, fragment: String) -> Self {
        let c = verdict.counterexample.as_ref();
        CheckReport {
            holds: verdict.holds(),
            counterexample: c.map(|c| c.tokens()),
            shortest: not_shortest(verdict),
            model_accepts: c.map(|c| c.first),
            spec_accepts: c.map(|c| c.second),
            fragment,
            engine: verdict.engine.clone(),
            trace: None,
            spec_table: None,
        }
    }
}

/// The bounded part of [`BoundedReport`], tagged by `result`.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum BoundedResult {
    /// Model and spec agree on every word of length ≤ `bound`.
    AgreeUpTo {
        /// The bound.
        bound: usize,
    },
    /// They differ on `word`.
    Differ {
        /// A shortest word where they differ.
        word: Vec<String>,
        /// The model's judgement.
        model_accepts: bool,
        /// The spec's judgement.
        spec_accepts: bool,
    },
    /// z3 gave up at this length.
    Unknown {
        /// The length it gave up at.
        length: usize,
        /// Why.
        reason: String,
    },
}

/// `check --bound N` on a model without an exact translation.
#[derive(Clone, Debug, Serialize)]
pub struct BoundedReport {
    /// `true`: they agree up to the bound (a statement about those lengths only);
    /// `false`: they differ; `null`: undecided.
    pub holds: Option<bool>,
    /// The answer with its details.
    pub bounded: BoundedResult,
    /// Why the model has no exact translation.
    pub why: String,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl BoundedReport {
    /// The report of a bounded check.
    pub fn new(answer: &Bounded, why: String, seconds: f64) -> Self {
        let (holds, bounded) = match answer {
            Bounded::AgreeUpTo(n) => (Some(true), BoundedResult::AgreeUpTo { bound: *n }),
            Bounded::Differ { word, model, spec } => (
                Some(false),
                BoundedResult::Differ {
                    word: word.clone(),
                    model_accepts: *model,
                    spec_accepts: *spec,
                },
            ),
            Bounded::Unknown(n, r) => (
                None,
                BoundedResult::Unknown {
                    length: *n,
                    reason: r.clone(),
                },
            ),
        };
        BoundedReport {
            holds,
            bounded,
            why,
            seconds,
        }
    }
}

/// `run MODEL --word …`: the reference executor's run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// Whether the model accepts the word.
    pub holds: bool,
    /// The same, under its older key.
    pub accepted: bool,
    /// Column headings: the tokens (then `⊣` under EOS acceptance).
    pub positions: Vec<String>,
    /// Every feature's value at every column.
    pub features: BTreeMap<String, Vec<bool>>,
}

impl RunReport {
    /// The report of `model`'s run `trace`.
    pub fn new(model: &crate::model::boolean::Model, trace: &crate::model::boolean::Trace) -> Self {
        RunReport {
            holds: trace.accepted,
            accepted: trace.accepted,
            positions: trace.columns.clone(),
            features: model
                .features
                .iter()
                .zip(&trace.values)
                .map(|(f, v)| (f.name.clone(), v.clone()))
                .collect(),
        }
    }
}

/// One feature of [`CompileReport`].
#[derive(Clone, Debug, Serialize)]
pub struct FeatureReport {
    /// The layer that makes it (0: tokens).
    pub layer: usize,
    /// What made it.
    pub made_by: String,
    /// Its formula, ASCII syntax.
    pub formula: String,
}

/// `compile MODEL`: the accepted language's formula, the fragment, every feature.
#[derive(Clone, Debug, Serialize)]
pub struct CompileReport {
    /// The accepted language's formula, ASCII syntax.
    pub accept: String,
    /// The fragment's name.
    pub fragment: String,
    /// The architecture it stands for.
    pub architecture: String,
    /// `eos` or `last`.
    pub acceptance: crate::logic::Acceptance,
    /// The model's tokens.
    pub alphabet: Vec<String>,
    /// Every feature by name.
    pub features: BTreeMap<String, FeatureReport>,
    /// The drop-in checks of Combiner heads.
    pub drop_in: Vec<crate::model::boolean::compile::drop_in::DropInCheck>,
    /// A shorter formula of the same language found by search in the fragment (small
    /// minimal DFAs), re-checked equivalent; `accept` and the features stay the
    /// provenance. `null` when none is found or none is shorter.
    pub short_formula: Option<FormulaCert>,
    /// The server's: the minimal DFA's picture as SVG (`null` when too large to draw;
    /// absent when the DFA is beyond the request's budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg: Option<Option<String>>,
}

impl CompileReport {
    /// The report of `model` compiled into `c`, with its drop-in checks and shorter
    /// formula; formulas printed (ASCII) within `print`.
    pub fn new(
        model: &crate::model::boolean::Model,
        c: &crate::model::boolean::compile::Compiled,
        drop_in: Vec<crate::model::boolean::compile::drop_in::DropInCheck>,
        short_formula: Option<FormulaCert>,
        print: &PrintBudget,
    ) -> Self {
        let sh = print.shower(&c.arena);
        CompileReport {
            accept: sh.show(c.accept, Syntax::Ascii),
            fragment: c.fragment.name(),
            architecture: c.fragment.architecture().to_string(),
            acceptance: model.acceptance,
            alphabet: model.alphabet.clone(),
            features: c
                .features
                .iter()
                .map(|f| {
                    (
                        f.name.clone(),
                        FeatureReport {
                            layer: f.layer,
                            made_by: f.made_by.clone(),
                            formula: sh.show(f.formula, Syntax::Ascii),
                        },
                    )
                })
                .collect(),
            drop_in,
            short_formula,
            svg: None,
        }
    }

    /// `compile` on a Boolean `model` compiled into `c`: the drop-in checks within
    /// `drop_in` (see [`drop_in_budget`](crate::model::boolean::compile::drop_in::drop_in_budget))
    /// and the shorter formula within `budget`; an error when a drop-in head's check
    /// disagrees with its own evaluator.
    pub fn of_model(
        model: &crate::model::boolean::Model,
        c: &crate::model::boolean::compile::Compiled,
        budget: &crate::automata::Budget,
        drop_in: &crate::automata::Budget,
        print: &PrintBudget,
    ) -> Result<Self, crate::model::boolean::compile::drop_in::DropInDisagreement> {
        use crate::model::boolean::compile::{drop_in::drop_in_checks, short_formula};
        let checks = drop_in_checks(model, c, drop_in)?;
        let short = short_formula(model, c, budget);
        Ok(CompileReport::new(model, c, checks, short, print))
    }
}

/// A certificate: a formula for "yes", a refutation for "no".
#[derive(Clone, Debug, Serialize)]
pub struct CertificateReport {
    /// For "yes": a formula of the fragment, re-checked equivalent.
    pub formula: Option<FormulaCert>,
    /// For "no": the violated identity and word pairs.
    pub refutation: Option<NonMemberCert>,
}

/// One fragment decision of [`ClassifyReport`].
#[derive(Clone, Debug, Serialize)]
pub struct DecisionReport {
    /// `true`, `false`, or `null` (undecided).
    pub member: Option<bool>,
    /// The theorem or procedure used.
    pub basis: String,
    /// Whether that characterization is a hypothesis.
    pub hypothesis: bool,
    /// The certificate.
    pub certificate: CertificateReport,
    /// What was not done, and why.
    pub note: Option<String>,
}

impl From<&Decision> for DecisionReport {
    fn from(d: &Decision) -> Self {
        DecisionReport {
            member: d.member,
            basis: d.basis.clone(),
            hypothesis: d.hypothesis,
            certificate: CertificateReport {
                formula: d.formula.clone(),
                refutation: d.refutation.clone(),
            },
            note: d.note.clone(),
        }
    }
}

/// The 1-local row of [`ClassifyReport`]: a decision plus the window and depth.
#[derive(Clone, Debug, Serialize)]
pub struct LocalReport {
    /// The decision.
    #[serde(flatten)]
    pub decision: DecisionReport,
    /// The smallest window (1) when the language is local.
    pub window: Option<u32>,
    /// The nesting depth a local formula needs.
    pub depth: Option<usize>,
}

/// The k-local and k-hybrid rows of `classify --window K`.
#[derive(Clone, Debug, Serialize)]
pub struct WindowedReport {
    /// The window.
    pub k: u32,
    /// `LTL[Y^{≤k}]`.
    pub local: DecisionReport,
    /// `LTL[P, Y^{≤k}]`.
    pub hybrid: DecisionReport,
}

/// `classify`: which architectures can recognize the language.
#[derive(Clone, Debug, Serialize)]
pub struct ClassifyReport {
    /// What the language is (a formula, a model, a DFA file).
    pub language: String,
    /// States of its minimal DFA.
    pub dfa_states: usize,
    /// Elements of its syntactic monoid (`null` when beyond the limit).
    pub monoid_size: Option<usize>,
    /// `LTL[P]`.
    pub global: DecisionReport,
    /// `LTL[Y]`.
    pub local: LocalReport,
    /// `LTL[P, Y]`.
    pub hybrid: DecisionReport,
    /// `LTL[Y, S]`.
    pub hard: DecisionReport,
    /// Regular (always yes).
    pub regular: DecisionReport,
    /// With `--window K`.
    pub windowed: Option<WindowedReport>,
    /// The server's: the minimal DFA's picture as SVG (`null` when too large to draw).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg: Option<Option<String>>,
    /// With `--layers L`: per model shape, a blind pair or how far the search got
    /// (absent without `--layers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blind: Option<Vec<BlindReport>>,
}

/// A model shape and what the search for a blind pair found (docs/SEMANTICS.md §5).
#[derive(Clone, Debug, Serialize)]
pub struct BlindReport {
    /// `global`, `local-k` or `hybrid-k`.
    pub architecture: String,
    /// The most layers.
    pub layers: u32,
    /// Global heads allowed.
    pub global: bool,
    /// The local heads' window (`null`: no local heads).
    pub window: Option<u32>,
    /// `false`: no model of the shape recognizes the language (the pair below); `null`:
    /// no pair among the words searched.
    pub recognizable: Option<bool>,
    /// The pair's word in the language.
    pub member: Option<Vec<String>>,
    /// The pair's word outside it.
    pub non_member: Option<Vec<String>>,
    /// Without a pair: every word up to this length was typed (`null` with `separating`).
    pub checked_up_to_length: Option<usize>,
    /// The shape's types tell every two words apart (global heads, two layers or more),
    /// so no blind pair exists and none was searched.
    pub separating: bool,
}

impl BlindReport {
    /// The report of one row of [`crate::fragment::blind::blind_rows`].
    pub fn new(
        shape: crate::fragment::blind::ModelShape,
        found: &crate::fragment::blind::BlindSearch,
        alphabet: &crate::automata::Alphabet,
    ) -> Self {
        use crate::fragment::blind::BlindSearch;
        let show = |w: &[u32]| w.iter().map(|&l| alphabet.show(l)).collect::<Vec<_>>();
        let (recognizable, member, non_member, checked_up_to_length) = match found {
            BlindSearch::Found { member, non_member } => (
                Some(false),
                Some(show(member)),
                Some(show(non_member)),
                None,
            ),
            BlindSearch::NoneUpTo(n) => (None, None, None, Some(*n)),
            BlindSearch::Separating => (None, None, None, None),
        };
        BlindReport {
            architecture: shape.heads_name(),
            layers: shape.layers,
            global: shape.global,
            window: shape.window,
            recognizable,
            member,
            non_member,
            checked_up_to_length,
            separating: matches!(found, BlindSearch::Separating),
        }
    }
}

impl ClassifyReport {
    /// The report of a classification of `language`.
    pub fn new(language: String, c: &crate::fragment::Classification) -> Self {
        ClassifyReport {
            language,
            dfa_states: c.dfa_states,
            monoid_size: c.monoid_size,
            global: (&c.global).into(),
            local: LocalReport {
                decision: (&c.local).into(),
                window: c.local.member.filter(|&m| m).map(|_| 1),
                depth: c.local_depth,
            },
            hybrid: (&c.hybrid).into(),
            hard: (&c.hard).into(),
            regular: (&c.regular).into(),
            windowed: c.windowed.as_ref().map(|(k, l, h)| WindowedReport {
                k: *k,
                local: l.into(),
                hybrid: h.into(),
            }),
            svg: None,
            blind: None,
        }
    }
}

/// `separate --from CLASS`: is the language outside the class?
#[derive(Clone, Debug, Serialize)]
pub struct SeparateReport {
    /// `true`: separated (outside the class); `false`: inside; `null`: undecided.
    pub holds: Option<bool>,
    /// What the language is.
    pub language: String,
    /// The class as given (`global`, `local`, `hybrid`, `hard`).
    pub class: String,
    /// The fragment's name.
    pub fragment: String,
    /// The architecture it stands for.
    pub architecture: String,
    /// The membership decision with its certificate.
    pub decision: DecisionReport,
}

impl SeparateReport {
    /// The report of the decision `d` whether `language` is in `class`.
    pub fn new(class: Class, language: String, d: &Decision) -> Self {
        let frag = class.fragment();
        SeparateReport {
            holds: d.member.map(|m| !m),
            language,
            class: class.key().to_string(),
            fragment: frag.name(),
            architecture: frag.architecture().to_string(),
            decision: d.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automata::{Alphabet, Budget};
    use crate::logic::parse;

    /// `dfa --json` prints the automaton's keys and the report's sorted together, as the
    /// `serde_json::Value` it replaces did: dense, guarded, with and without a source.
    #[test]
    fn dfa_keys_are_sorted() {
        let mut f = Arena::new();
        for (text, sigma) in [
            (
                "P (a & Y b)",
                Alphabet::Tokens(vec!["a".into(), "b".into()]),
            ),
            ("p S q", Alphabet::Props(vec!["p".into(), "q".into()])),
        ] {
            let root = parse(&mut f, text).unwrap();
            let d =
                Automaton::of_formula(&f, root, &sigma, Acceptance::Eos, &Budget::default(), true)
                    .unwrap();
            let mut reports = vec![
                DfaReport::of_formula(&d, text.into(), true),
                DfaReport::of_file(&d, None, "x.dfa".into()),
            ];
            let mut drawn = DfaReport::of_formula(&d, text.into(), false);
            drawn.dot = Some(Some(d.to_dot()));
            drawn.svg = Some(None);
            reports.push(drawn);
            for r in &reports {
                let direct = serde_json::to_string(r).unwrap();
                assert_eq!(direct, serde_json::to_value(r).unwrap().to_string());
            }
            // The keys the command line used to patch into the automaton's JSON.
            let v = serde_json::to_value(&reports[0]).unwrap();
            let mut old = serde_json::to_value(d.to_json()).unwrap();
            old["formula"] = text.into();
            old["minimal"] = true.into();
            old["empty"] = d.language_kind().empty.into();
            old["universal"] = d.language_kind().universal.into();
            assert_eq!(v, old);
        }
    }

    /// [`Sorted`] writes an object's keys in alphabetical order, whatever its fields'.
    #[test]
    fn sorted_prints_as_a_value() {
        let s = Sorted(SideReport {
            formula: Some("a".into()),
            source: None,
            accepts: Some(true),
        });
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"accepts":true,"formula":"a"}"#
        );
    }
}
