//! The drop-in check of Combiner heads: a drop-in head (its summaries use the head's own
//! selection) is exact when the pattern covers every key, and then its compiled formula
//! must be equivalent to the global head's with the same selection
//! ([`CompiledFeature::global_equivalent`](super::CompiledFeature::global_equivalent)).
//! `compile` checks it with the explicit engine within a small budget; a word on which
//! the two differ is re-checked by the reference evaluator (a disagreement is an error).

use serde::Serialize;

use super::Compiled;
use crate::automata::{Alphabet, Budget};
use crate::engine::explicit::{compare, formula_dfa};
use crate::engine::layout::Question;
use crate::logic::evaluate;
use crate::model::boolean::{Model, Range};

/// Largest block or row width for which a drop-in head is checked against the global
/// head (the automata grow with the block).
pub const MAX_DROP_IN_CHECK: u64 = 32;

/// The budget (states, seconds) of the drop-in checks: small, so that compile stays
/// fast; a head beyond it says so.
pub const DROP_IN_BUDGET: (usize, f64) = (500_000, 20.0);

/// The drop-in checks' budget: [`DROP_IN_BUDGET`], within `within` (a request's states
/// and the time it has left) when given.
pub fn drop_in_budget(within: Option<&Budget>) -> Budget {
    let (states, seconds) = DROP_IN_BUDGET;
    let Some(within) = within else {
        return Budget::new(states, Some(seconds));
    };
    let remaining = within.deadline.map_or(seconds, |d| {
        d.saturating_duration_since(std::time::Instant::now())
            .as_secs_f64()
    });
    Budget::new(
        states.min(within.max_states),
        Some(seconds.min(remaining).max(0.001)),
    )
}

/// One drop-in head's check, as `compile --json` lists it under `drop_in`. The keys are
/// in alphabetical order (the records were `serde_json::Value`s).
#[derive(Clone, Debug, Serialize)]
pub struct DropInCheck {
    /// `true`: equivalent (full coverage makes the Combiner factorization exact);
    /// `false`: they differ; `null`: not checked or not decided.
    pub equivalent_to_global: Option<bool>,
    /// The head's feature.
    pub feature: String,
    /// Product states the equivalence checker visited (when equivalent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_states: Option<usize>,
    /// Why there is no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// A shortest word where the two heads differ (when they do), as tokens.
    #[serde(skip)]
    pub differs_on: Option<String>,
    /// Not checked: the block or row width is above [`MAX_DROP_IN_CHECK`].
    #[serde(skip)]
    pub too_large: bool,
}

/// A word the equivalence checker gave as a difference between a drop-in head and its
/// global head, on which the reference evaluator finds none: a bug in one of them, so an
/// error (exit 2), never a record.
#[derive(Clone, Debug, thiserror::Error, miette::Diagnostic)]
#[error("internal error: the equivalence checker says the drop-in head `{feature}` and its global head differ on `{word}`, but the reference evaluator gives both the same answer there")]
#[diagnostic(help("please report the model: this is a bug in ltlattn"))]
pub struct DropInDisagreement {
    /// The head's feature.
    pub feature: String,
    /// The word, as tokens.
    pub word: String,
}

/// For every drop-in Combiner head of `model` (compiled into `c`): whether its compiled
/// formula is equivalent to the global head's (explicit engine, within `budget`).
pub fn drop_in_checks(
    model: &Model,
    c: &Compiled,
    budget: &Budget,
) -> Result<Vec<DropInCheck>, DropInDisagreement> {
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    let record = |f: &super::CompiledFeature| DropInCheck {
        equivalent_to_global: None,
        feature: f.name.clone(),
        product_states: None,
        why: None,
        differs_on: None,
        too_large: false,
    };
    c.features
        .iter()
        .filter_map(|f| f.global_equivalent.map(|g| (f, g)))
        .map(|(f, g)| {
            let big = model.heads().any(|h| {
                h.name == f.name
                    && matches!(h.range, Range::Combiner(p) if p.param().unwrap_or(0) > MAX_DROP_IN_CHECK)
            });
            if big {
                return Ok(DropInCheck {
                    why: Some("block or width too large for the check in compile".into()),
                    too_large: true,
                    ..record(f)
                });
            }
            let dfa = |x| formula_dfa(&c.arena, x, &sigma, model.acceptance, budget);
            let answer = dfa(f.formula).and_then(|l| {
                let r = dfa(g)?;
                compare(&l, &r, Question::Equivalent, budget)
            });
            Ok(match answer {
                Ok(a) => match a.counterexample {
                    None => DropInCheck {
                        equivalent_to_global: Some(true),
                        product_states: Some(a.states_explored),
                        ..record(f)
                    },
                    Some(w) => {
                        // Re-checked by the reference evaluator, which shares no code with
                        // the automata: the two formulas must disagree on the word.
                        let word = sigma.word(&w);
                        let at = |x| evaluate(&c.arena, x, &word, model.acceptance);
                        if at(f.formula) == at(g) {
                            return Err(DropInDisagreement {
                                feature: f.name.clone(),
                                word: word.show(),
                            });
                        }
                        DropInCheck {
                            equivalent_to_global: Some(false),
                            differs_on: Some(word.show()),
                            ..record(f)
                        }
                    }
                },
                Err(e) => DropInCheck {
                    why: Some(e.to_string()),
                    ..record(f)
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records print their keys as the `serde_json::Value`s they replace: sorted.
    #[test]
    fn keys_are_sorted() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/models/combiner-drop-in.toml"
        ))
        .unwrap();
        let m = crate::model::boolean::load_with("m", &text, crate::logic::ParseLimits::DEFAULT)
            .unwrap();
        let c = super::super::compile(&m).unwrap();
        let checks = drop_in_checks(&m, &c, &drop_in_budget(None)).unwrap();
        assert!(!checks.is_empty());
        let mut all = checks.clone();
        all.push(DropInCheck {
            equivalent_to_global: None,
            feature: "f".into(),
            product_states: None,
            why: Some("x".into()),
            differs_on: None,
            too_large: true,
        });
        for r in &all {
            let direct = serde_json::to_string(r).unwrap();
            assert_eq!(direct, serde_json::to_value(r).unwrap().to_string());
        }
    }
}
