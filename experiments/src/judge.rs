//! The judging step, separate from training and re-runnable: [`verdict`] decides one saved
//! model against its spec with the library, under a wall-clock budget.

use std::path::Path;
use std::time::{Duration, Instant};

use ltlattn::automata::{Alphabet, Budget, Question};
use ltlattn::fragment::Fragment;
use ltlattn::logic::{parse, Arena, Word};
use ltlattn::numeric::{architecture, compile_numeric, load_numeric, NumericModel};
use ltlattn::verdict::{check_numeric, decide_operands, Operand, Options, Verdict as Answer};
use serde::{Deserialize, Serialize};

/// Most automaton states the compiler and the comparison may build per model.
const MAX_STATES: usize = 2_000_000;

/// What the library says about one model and its spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Verdict {
    /// The model's language equals the spec's at every length.
    Proved,
    /// The shortest word on which they differ, re-run by the exact executor.
    Counterexample {
        /// Its letters.
        word: Vec<String>,
        /// Its length.
        length: usize,
        /// The model's (exact executor's) answer.
        model_says: bool,
        /// The spec's answer.
        spec_says: bool,
    },
    /// The budget ran out first.
    Budget {
        /// Which budget, and how far it got.
        message: String,
        /// Every word up to this length was checked, when the engine says so.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        checked_up_to_length: Option<usize>,
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
/// text) within `timeout`: compile the model to its minimal DFA, compare with the spec's;
/// a counterexample is re-judged by the exact executor and the spec's own judge.
pub fn verdict(model_path: &Path, spec: &str, timeout: Duration) -> Verdict {
    let budget_stop = |message: String| Verdict::Budget {
        message,
        checked_up_to_length: None,
    };
    let started = Instant::now();
    let model = match load(model_path) {
        Ok(m) => m,
        Err(e) => return budget_stop(format!("not loaded: {e}")),
    };
    let compiled = match compile_numeric(
        &model,
        &Budget::new(MAX_STATES, Some(timeout.as_secs_f64())),
    ) {
        Ok(c) => c,
        Err(e) => return budget_stop(first_sentence(&e.to_string())),
    };
    let opts = Options {
        max_states: MAX_STATES,
        timeout: Some(
            timeout
                .saturating_sub(started.elapsed())
                .max(Duration::from_secs(1)),
        ),
        ..Options::default()
    };
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    let answer: Result<Answer, String> = match spec.strip_prefix("dfa:") {
        Some(text) => match ltlattn::automata::parse_dfa(text) {
            Ok(dfa) => decide_operands(
                &Operand::Numeric {
                    model: &model,
                    compiled: &compiled,
                },
                &Operand::Dfa(&dfa),
                &sigma,
                Question::Equivalent,
                &opts,
            )
            .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        None => {
            let mut arena = Arena::new();
            match parse(&mut arena, spec) {
                Ok(root) => check_numeric(&model, &compiled, &arena, root, &opts)
                    .map(|c| c.verdict)
                    .map_err(|e| e.to_string()),
                Err(e) => Err(format!("{e:?}")),
            }
        }
    };
    match answer {
        Ok(a) => match a.counterexample {
            None => Verdict::Proved,
            Some(c) => Verdict::Counterexample {
                length: c.word.len(),
                word: match &c.word {
                    Word::Letters(t) => t.clone(),
                    Word::Props(_) => c.tokens(),
                },
                model_says: c.first,
                spec_says: c.second,
            },
        },
        Err(e) => budget_stop(first_sentence(&e)),
    }
}

/// The fragment the model's architecture lands in (the library's reading of its heads).
pub fn fragment_of(model_path: &Path) -> Result<Fragment, String> {
    load(model_path).map(|m| architecture(&m))
}

fn first_sentence(s: &str) -> String {
    s.split(';').next().unwrap_or("").trim().to_string()
}
