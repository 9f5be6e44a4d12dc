//! The judging step, separate from training and re-runnable: [`verdict`] decides one saved
//! model against its spec with the library, under a wall-clock budget.

use std::path::Path;
use std::time::Duration;

use ltlattn::automata::Alphabet;
use ltlattn::engine::layout::Question;
use ltlattn::fragment::Fragment;
use ltlattn::logic::{parse, Acceptance, Arena, Word};
use ltlattn::model::numeric::{architecture, load_numeric, NumericModel};
use ltlattn::verdict::{decide_operands, EngineReport, Operand, Options};
use serde::{Deserialize, Serialize};

/// Most automaton states the compiler and the comparison may build per model.
const MAX_STATES: usize = 2_000_000;

/// What the library says about one model and its spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Verdict {
    /// The model's language equals the spec's at every length.
    Proved,
    /// A word on which they differ, re-run by the exact executor: the shortest, unless
    /// `shortest` is `false`.
    Counterexample {
        /// Its letters.
        word: Vec<String>,
        /// Its length.
        length: usize,
        /// The model's (exact executor's) answer.
        model_says: bool,
        /// The spec's answer.
        spec_says: bool,
        /// `false` when the word was found by testing words past the breadth-first
        /// search and is not known to be shortest (absent: it is the shortest).
        #[serde(skip_serializing_if = "Option::is_none", default)]
        shortest: Option<bool>,
        /// With `shortest: false`: every word up to this length agrees, so a shortest
        /// counterexample has a length between this + 1 and `length`.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        checked_up_to_length: Option<usize>,
    },
    /// The budget ran out first.
    Budget {
        /// Which budget, and how far it got.
        message: String,
        /// Every word up to this length was checked, when the engine says so.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        checked_up_to_length: Option<usize>,
        /// The clock stopped it (absent: a state limit did, which stops it again on any
        /// machine).
        #[serde(skip_serializing_if = "std::ops::Not::not", default)]
        timed_out: bool,
    },
}

/// A saved model: model.toml and the weights file it names (model.safetensors beside it).
pub fn load(model_path: &Path) -> Result<NumericModel, String> {
    let text = std::fs::read_to_string(model_path)
        .map_err(|e| format!("{}: {e}", model_path.display()))?;
    let weights = model_path.with_file_name("model.safetensors");
    let bytes = std::fs::read(&weights).map_err(|e| format!("{}: {e}", weights.display()))?;
    load_numeric(&model_path.display().to_string(), &text, &bytes).map_err(|e| format!("{e:?}"))
}

/// Decides the model at `model_path` against `spec` (a formula, or `dfa:` and a DFA's
/// text) within `timeout`, as `ltlattn check` does: the model's abstract states are
/// searched on the fly in product with the spec's minimal DFA for a shortest
/// counterexample (past a search the budget stopped, words are tested for a longer one,
/// not known to be shortest), and compiled to its minimal DFA only for a proof the search
/// cannot finish. A counterexample is re-judged by the exact executor and the spec's own judge;
/// a budget stop says up to which length every word was checked.
pub fn verdict(model_path: &Path, spec: &str, timeout: Duration) -> Verdict {
    let budget_stop = |message: String, checked_up_to_length| Verdict::Budget {
        message,
        checked_up_to_length,
        timed_out: false,
    };
    let model = match load(model_path) {
        Ok(m) => m,
        Err(e) => return budget_stop(format!("not loaded: {e}"), None),
    };
    let opts = Options {
        max_states: MAX_STATES,
        timeout: Some(timeout),
        ..Options::default()
    };
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    let left = Operand::Numeric {
        model: &model,
        compiled: None,
    };
    let mut arena = Arena::new();
    let dfa;
    let right = match spec.strip_prefix("dfa:") {
        Some(text) => match ltlattn::automata::parse_dfa(text) {
            Ok(d) => {
                dfa = d;
                Operand::Dfa(&dfa)
            }
            Err(e) => return budget_stop(e.to_string(), None),
        },
        None => match parse(&mut arena, spec) {
            Ok(root) => Operand::Formula {
                arena: &arena,
                root,
                acceptance: Acceptance::Eos,
            },
            Err(e) => return budget_stop(format!("{e:?}"), None),
        },
    };
    match decide_operands(&left, &right, &sigma, Question::Equivalent, &opts) {
        Ok(a) => match a.counterexample {
            None => Verdict::Proved,
            Some(c) => Verdict::Counterexample {
                shortest: (!a.engine.counterexample_is_shortest()).then_some(false),
                checked_up_to_length: match a.engine {
                    EngineReport::Hunt {
                        checked_up_to_length,
                        ..
                    } => Some(checked_up_to_length),
                    _ => None,
                },
                length: c.word.len(),
                word: match &c.word {
                    Word::Letters(t) => t.clone(),
                    Word::Props(_) => c.tokens(),
                },
                model_says: c.first,
                spec_says: c.second,
            },
        },
        Err(e) => Verdict::Budget {
            message: first_sentence(&e.to_string()),
            checked_up_to_length: e.checked_up_to_length(),
            timed_out: e.timed_out(),
        },
    }
}

/// The fragment the model's architecture lands in (the library's reading of its heads).
pub fn fragment_of(model_path: &Path) -> Result<Fragment, String> {
    load(model_path).map(|m| architecture(&m))
}

fn first_sentence(s: &str) -> String {
    s.split(';').next().unwrap_or("").trim().to_string()
}
