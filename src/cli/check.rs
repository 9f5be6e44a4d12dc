//! `dfa`, `equiv` and `includes`: the explicit engine on the command line.

use clap::Args;
use miette::{miette, Report};

use super::{formula_arg, WordOpts};
use crate::automata::{
    compare, formula_dfa, Alphabet, Budget, Dfa, Question, DEFAULT_MAX_STATES, MAX_PROPS,
};
use crate::logic::{evaluate, print, Acceptance, Arena, NodeId, Syntax};

/// Resource limits shared by every command that builds automata.
#[derive(Args, Debug, Clone)]
pub(crate) struct BudgetOpts {
    /// Most automaton states (or product pairs) to build before giving up (exit 2).
    #[arg(long, default_value_t = DEFAULT_MAX_STATES, value_name = "N")]
    max_states: usize,
    /// Give up after this many seconds (exit 2).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
}

impl BudgetOpts {
    pub(crate) fn budget(&self) -> Result<Budget, Report> {
        if let Some(t) = self.timeout {
            if !(t.is_finite() && t > 0.0 && t < 1e9) {
                return Err(miette!(
                    "--timeout must be a positive number of seconds, not {t}"
                ));
            }
        }
        Ok(Budget::new(self.max_states, self.timeout))
    }
}

#[derive(Args, Debug)]
pub(crate) struct DfaArgs {
    /// The formula (or @FILE).
    formula: String,
    #[command(flatten)]
    opts: WordOpts,
    #[command(flatten)]
    budget: BudgetOpts,
    /// Print Graphviz DOT.
    #[arg(long, conflicts_with = "json")]
    dot: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Skip minimization (show the subformula-vector automaton as built).
    #[arg(long)]
    no_minimize: bool,
}

#[derive(Args, Debug)]
pub(crate) struct CompareArgs {
    /// The first formula (or @FILE).
    left: String,
    /// The second formula (or @FILE).
    right: String,
    #[command(flatten)]
    opts: WordOpts,
    #[command(flatten)]
    budget: BudgetOpts,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The alphabet for some formulas: `--alphabet`, or their atoms; every atom must be in it.
pub(crate) fn alphabet_for(
    arena: &Arena,
    roots: &[NodeId],
    opts: &WordOpts,
) -> Result<Alphabet, Report> {
    let mut atoms: Vec<String> = Vec::new();
    for &r in roots {
        for a in arena.atom_names(r) {
            if !atoms.contains(&a) {
                atoms.push(a);
            }
        }
    }
    let names = match &opts.alphabet {
        Some(given) => {
            let mut names: Vec<String> = Vec::new();
            for g in given
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
            {
                if !names.contains(&g) {
                    names.push(g);
                }
            }
            if let Some(missing) = atoms.iter().find(|a| !names.contains(a)) {
                return Err(miette!(
                    help =
                        "add it to --alphabet, or leave --alphabet out to use the formulas' atoms",
                    "the formula uses `{missing}`, which is not in --alphabet"
                ));
            }
            names
        }
        None => atoms,
    };
    if opts.props {
        if names.len() > MAX_PROPS {
            return Err(miette!(
                help = "each set of propositions is a letter of the explicit automaton",
                "{} propositions make 2^{} letters; the explicit engine takes at most {MAX_PROPS} propositions",
                names.len(),
                names.len()
            ));
        }
        Ok(Alphabet::Props(names))
    } else {
        if names.is_empty() {
            return Err(miette!(
                help = "give the tokens with --alphabet a,b,c",
                "the formulas use no atom, so there is no alphabet to read words over"
            ));
        }
        Ok(Alphabet::Tokens(names))
    }
}

pub(crate) fn dfa(a: DfaArgs) -> Result<i32, Report> {
    let mut arena = Arena::new();
    let root = formula_arg(&mut arena, &a.formula, "formula")?;
    let sigma = alphabet_for(&arena, &[root], &a.opts)?;
    let budget = a.budget.budget()?;
    let dfa: Dfa = if a.no_minimize {
        crate::automata::build_dfa(&arena, root, &sigma, a.opts.accept, &budget)
    } else {
        formula_dfa(&arena, root, &sigma, a.opts.accept, &budget)
    }
    .map_err(Report::new)?;
    if a.dot {
        outln!("{}", dfa.to_dot().trim_end());
    } else if a.json {
        let mut v = dfa.to_json();
        v["formula"] = serde_json::Value::String(print(&arena, root, Syntax::Ascii));
        v["minimal"] = serde_json::Value::Bool(!a.no_minimize);
        outln!("{}", v);
    } else {
        outln!("{}", print(&arena, root, Syntax::Ascii));
        outln!(
            "{} DFA ({} acceptance): {}",
            if a.no_minimize {
                "subformula-vector"
            } else {
                "minimal"
            },
            match a.opts.accept {
                Acceptance::Eos => "EOS",
                Acceptance::Last => "last-position",
            },
            dfa.to_text().trim_end()
        );
    }
    Ok(0)
}

pub(crate) fn compare_cmd(a: CompareArgs, question: Question) -> Result<i32, Report> {
    let mut arena = Arena::new();
    let left = formula_arg(&mut arena, &a.left, "first formula")?;
    let right = formula_arg(&mut arena, &a.right, "second formula")?;
    let sigma = alphabet_for(&arena, &[left, right], &a.opts)?;
    let budget = a.budget.budget()?;
    let acc = a.opts.accept;
    let dl = formula_dfa(&arena, left, &sigma, acc, &budget).map_err(Report::new)?;
    let dr = formula_dfa(&arena, right, &sigma, acc, &budget).map_err(Report::new)?;
    let answer = compare(&dl, &dr, question, &budget).map_err(Report::new)?;
    let holds = answer.counterexample.is_none();
    let key = match question {
        Question::Equivalent => "equivalent",
        Question::Included => "included",
    };
    // Every counterexample is re-checked by the reference evaluator before it is shown.
    let verdicts = match &answer.counterexample {
        None => None,
        Some(letters) => {
            let word = sigma.word(letters);
            let (vl, vr) = (
                evaluate(&arena, left, &word, acc),
                evaluate(&arena, right, &word, acc),
            );
            let confirmed = match question {
                Question::Equivalent => vl != vr,
                Question::Included => vl && !vr,
            };
            if !confirmed || vl != dl.accepts(letters) || vr != dr.accepts(letters) {
                return Err(miette!(
                    "internal error: the automata and the reference evaluator disagree on `{}`; please report this with the two formulas",
                    word.show()
                ));
            }
            Some((word, vl, vr))
        }
    };
    let show = |b: bool| if b { "accepted" } else { "rejected" };
    if a.json {
        let (cex, l, r) = match &verdicts {
            Some((w, vl, vr)) => (
                serde_json::json!((0..w.len()).map(|i| w.show_position(i)).collect::<Vec<_>>()),
                serde_json::json!(vl),
                serde_json::json!(vr),
            ),
            None => (
                serde_json::Value::Null,
                serde_json::Value::Null,
                serde_json::Value::Null,
            ),
        };
        outln!(
            "{}",
            serde_json::json!({
                key: holds,
                "counterexample": cex,
                "first": {"formula": print(&arena, left, Syntax::Ascii), "accepts": l, "dfa_states": dl.states},
                "second": {"formula": print(&arena, right, Syntax::Ascii), "accepts": r, "dfa_states": dr.states},
                "states_explored": answer.states_explored,
                "engine": "explicit",
            })
        );
    } else {
        match &verdicts {
            None => outln!(
                "{}: {} (explicit engine: {} product states explored; minimal DFAs with {} and {} states)",
                if question == Question::Equivalent { "equivalent" } else { "included" },
                match question {
                    Question::Equivalent => "the two formulas define the same language",
                    Question::Included => "every word the first accepts, the second accepts",
                },
                answer.states_explored,
                dl.states,
                dr.states
            ),
            Some((w, vl, vr)) => {
                outln!(
                    "{}: shortest counterexample `{}` (length {})",
                    if question == Question::Equivalent { "not equivalent" } else { "not included" },
                    w.show(),
                    w.len()
                );
                outln!("  first:  {} — {}", print(&arena, left, Syntax::Ascii), show(*vl));
                outln!("  second: {} — {}", print(&arena, right, Syntax::Ascii), show(*vr));
                outln!(
                    "  (explicit engine: {} product states explored; re-checked by the reference evaluator)",
                    answer.states_explored
                );
            }
        }
    }
    Ok(if holds { 0 } else { 1 })
}
