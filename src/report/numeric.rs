//! The reports of numeric models (docs/NUMERIC.md): `compile --json` and `run --json`.
//!
//! Both used to be built as `serde_json::Value`s, whose keys print sorted: their fields
//! are declared in alphabetical order, at every level, and parts whose types are not
//! ([`RoundingReport`], [`StageReport`]) are written [`Sorted`]; a test holds the two
//! orders to each other.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Sorted;
use crate::automata::Budget;
use crate::front::Exit;
use crate::logic::{Acceptance, Arena, NodeId, PrintBudget, Syntax};
use crate::model::numeric::{
    formula_or_note_within, NumericCompiled, NumericModel, NumericTrace, RoundingReport,
    StageReport,
};

/// `compile --json` on a numeric model: the formula found (if any), the fragment, the
/// exploration's sizes, every head, and the minimal DFA when no formula is given.
#[derive(Clone, Debug, Serialize)]
pub struct NumericCompileReport {
    /// The accepted language's formula, ASCII syntax (`null` when none was found).
    pub accept: Option<String>,
    /// Always `eos`: numeric models accept at the end marker.
    pub acceptance: Acceptance,
    /// The model's tokens.
    pub alphabet: Vec<String>,
    /// The architecture the fragment stands for.
    pub architecture: String,
    /// Count vectors merged by a layer's count congruence, over the run.
    pub congruent: u64,
    /// The format's count cap (`null`: beyond 2^62).
    pub count_cap: Option<u64>,
    /// The minimal DFA itself, the exact answer when no formula is given (`null` when
    /// one is).
    pub dfa: Option<crate::automata::AutomatonJson>,
    /// States of the minimal DFA.
    pub dfa_states: usize,
    /// Whether the model accepts no word.
    pub empty: bool,
    /// Abstract states explored before minimizing.
    pub explored_states: usize,
    /// Every head, by `layer.L.head.H`.
    pub features: BTreeMap<String, NumericHeadReport>,
    /// Counts forgotten because their class can never weigh again, over the run.
    pub forgotten: u64,
    /// How the formula was found (`null` without one).
    pub formula_construction: Option<String>,
    /// Why there is no formula, when there is none.
    pub formula_note: Option<String>,
    /// The fragment the architecture lands in.
    pub fragment: String,
    /// Inclusive masking: outside the theorems.
    pub outside_theorems: bool,
    /// How much rounding the weights into the format changed them.
    pub rounding: Sorted<RoundingReport>,
    /// The layer-by-layer exploration.
    pub stages: Sorted<Vec<StageReport>>,
    /// The server's: the minimal DFA's picture as SVG (`null` when too large to draw).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg: Option<Option<String>>,
    /// Types (distinct vectors) at each layer's input, and at the output.
    pub types_per_layer: Vec<usize>,
    /// Whether the model accepts every word.
    pub universal: bool,
}

/// One head of [`NumericCompileReport::features`].
#[derive(Clone, Debug, Serialize)]
pub struct NumericHeadReport {
    /// The head's count cap (global heads).
    pub count_cap: Option<u64>,
    /// Always `null`: a numeric head's formula is not computed (the model's is).
    pub formula: Option<String>,
    /// Key types: distinct vectors at its layer's input.
    pub key_types: usize,
    /// Its layer (1-based).
    pub layer: usize,
    /// `global head` or `local head, window k`.
    pub made_by: String,
    /// Distinct rounded scores.
    pub score_classes: usize,
}

/// A [`NumericCompileReport`] and the formula it prints, for a front end to print in
/// another syntax.
#[derive(Clone, Debug)]
pub struct NumericCompileAnswer {
    /// The report.
    pub report: NumericCompileReport,
    /// The accepted language's formula, when one was found.
    pub formula: Option<(Arena, NodeId)>,
}

impl NumericCompileAnswer {
    /// The exit code: 0 with a formula, 2 without one (the minimal DFA is exact, but
    /// the question "which formula" is undecided).
    pub fn exit(&self) -> Exit {
        if self.formula.is_some() {
            Exit::Yes
        } else {
            Exit::Undecided
        }
    }
}

/// The `compile` report of the numeric model `m` compiled into `c`: a formula is looked
/// for within `budget` (and the classifier's default limits) and printed within `print`.
pub fn compile(
    m: &NumericModel,
    c: &NumericCompiled,
    budget: &Budget,
    print: &PrintBudget,
) -> NumericCompileAnswer {
    let (cert, formula_note) =
        formula_or_note_within(c, &crate::fragment::Limits::default(), budget);
    let mut arena = Arena::new();
    let accept: Option<NodeId> = cert
        .as_ref()
        .and_then(|f| crate::logic::parse(&mut arena, &f.formula).ok());
    let features = c
        .heads
        .iter()
        .map(|h| {
            (
                format!("layer.{}.head.{}", h.layer, h.head),
                NumericHeadReport {
                    count_cap: h.count_cap,
                    formula: None,
                    key_types: h.key_types,
                    layer: h.layer + 1,
                    made_by: match h.window {
                        Some(k) => format!("local head, window {k}"),
                        None => "global head".into(),
                    },
                    score_classes: h.score_classes,
                },
            )
        })
        .collect();
    let kind = c.dfa.language_kind();
    let report = NumericCompileReport {
        accept: accept.map(|a| print.show(&arena, a, Syntax::Ascii)),
        acceptance: Acceptance::Eos,
        alphabet: m.alphabet.clone(),
        architecture: c.fragment.architecture().to_string(),
        congruent: c.congruent,
        count_cap: c.count_cap,
        // The exact answer when no formula is given: the minimal DFA itself.
        dfa: accept.is_none().then(|| c.dfa.to_json()),
        dfa_states: c.dfa.states(),
        empty: kind.empty,
        explored_states: c.explored,
        features,
        forgotten: c.forgotten,
        formula_construction: cert.as_ref().map(|f| f.construction.clone()),
        formula_note,
        fragment: c.fragment.name(),
        outside_theorems: c.inclusive,
        rounding: Sorted(m.rounding.clone()),
        stages: Sorted(c.stages.clone()),
        svg: None,
        types_per_layer: c.types.clone(),
        universal: kind.universal,
    };
    NumericCompileAnswer {
        report,
        formula: accept.map(|a| (arena, a)),
    }
}

/// `run --json` on a numeric model: the exact executor's run, every number as its exact
/// decimal text.
#[derive(Clone, Debug, Serialize)]
pub struct NumericRunReport {
    /// Whether the model accepts the word, under its older key.
    pub accepted: bool,
    /// `alphas[l][h][i]`: head h of layer l at query column i.
    pub alphas: Vec<Vec<Vec<AlphaCells>>>,
    /// Whether the model accepts the word (logit > 0).
    pub holds: bool,
    /// The classifier's logit at ⊣.
    pub logit: String,
    /// Column headings: the tokens, then ⊣.
    pub positions: Vec<String>,
    /// `vectors[l][i]`: the input of layer l (l = L: the output) at column i.
    pub vectors: Vec<Vec<Vec<String>>>,
}

/// One query's α row of [`NumericRunReport::alphas`]: `[key column, α]` per attended key.
pub type AlphaCells = Vec<(usize, String)>;

impl NumericRunReport {
    /// The report of the run `t`.
    pub fn new(t: &NumericTrace) -> Self {
        NumericRunReport {
            accepted: t.accepted,
            alphas: t
                .alphas
                .iter()
                .map(|l| {
                    l.iter()
                        .map(|h| {
                            h.iter()
                                .map(|row| row.iter().map(|(j, a)| (*j, a.to_string())).collect())
                                .collect()
                        })
                        .collect()
                })
                .collect(),
            holds: t.accepted,
            logit: t.logit.to_string(),
            positions: t.columns.clone(),
            vectors: t
                .vectors
                .iter()
                .map(|l| {
                    l.iter()
                        .map(|v| v.iter().map(|x| x.to_string()).collect())
                        .collect()
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> NumericModel {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/numeric/");
        let text = std::fs::read_to_string(format!("{dir}{name}.toml")).unwrap();
        let weights = std::fs::read(format!("{dir}{name}.safetensors")).unwrap();
        crate::model::numeric::load_numeric(name, &text, &weights).unwrap()
    }

    /// The reports print their keys in the order the `serde_json::Value`s they replace
    /// printed them: sorted, at every level.
    #[test]
    fn keys_are_sorted() {
        // With a formula, and without one (the DFA in the report).
        for name in ["contains-a", "first-equals-last", "naive-contains-a"] {
            let m = example(name);
            let budget = Budget::new(200_000, Some(60.0));
            let c = crate::model::numeric::compile_numeric(&m, &budget).unwrap();
            let print = PrintBudget::new(1_000_000);
            let mut r = compile(&m, &c, &budget, &print).report;
            let direct = serde_json::to_string(&r).unwrap();
            assert_eq!(direct, serde_json::to_value(&r).unwrap().to_string());
            r.svg = Some(Some("<svg/>".into()));
            let direct = serde_json::to_string(&r).unwrap();
            assert_eq!(direct, serde_json::to_value(&r).unwrap().to_string());
            let word: Vec<String> = ["a", "b", "a"].map(String::from).into();
            if let Ok(t) = crate::model::numeric::run_numeric(&m, &word) {
                let r = NumericRunReport::new(&t);
                let direct = serde_json::to_string(&r).unwrap();
                assert_eq!(direct, serde_json::to_value(&r).unwrap().to_string());
            }
        }
    }
}
