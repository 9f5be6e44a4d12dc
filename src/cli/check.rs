//! `dfa`, `equiv` and `includes`: the explicit engine on the command line.

use clap::Args;
use miette::{miette, Report};

use super::{formula_arg, show, WordOpts};
use crate::automata::LimitError;
use crate::automata::{
    compare, formula_dfa, Alphabet, Budget, Dfa, Question, DEFAULT_MAX_STATES, MAX_PROPS,
};
use crate::logic::{evaluate, Acceptance, Arena, NodeId, Syntax, Word};
use crate::smt::{compare_symbolic, Proof, SmtLimits, SmtVerdict};

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
        start_timeout(self.timeout)?;
        Ok(Budget::new(self.max_states, self.timeout))
    }

    /// The time limit, validated.
    pub(crate) fn timeout_duration(&self) -> Result<Option<std::time::Duration>, Report> {
        self.budget()?;
        Ok(self.timeout.map(std::time::Duration::from_secs_f64))
    }
}

/// Validates `--timeout` and starts its watchdog; the limit as a duration.
pub(crate) fn start_timeout(seconds: Option<f64>) -> Result<Option<std::time::Duration>, Report> {
    let Some(t) = seconds else { return Ok(None) };
    if !(t.is_finite() && t > 0.0 && t < 1e9) {
        return Err(miette!(
            "--timeout must be a positive number of seconds, not {t}"
        ));
    }
    watchdog(t);
    Ok(Some(std::time::Duration::from_secs_f64(t)))
}

/// The engines check the clock as they work; this backstop ends the process if some
/// step between checks runs long, so `--timeout` holds whatever the input.
fn watchdog(seconds: f64) {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let grace = (seconds * 0.1).max(1.0);
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs_f64(seconds + grace));
            eprintln!(
                "error: the time limit of {seconds} s was reached (--timeout); raise it to let the work finish"
            );
            std::process::exit(super::EXIT_ERROR);
        });
    });
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
    #[command(flatten)]
    engine: EngineOpts,
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
    alphabet_within(arena, roots, opts, MAX_PROPS)
}

/// [`alphabet_for`] with a chosen cap on propositions (the z3 engine takes any number).
fn alphabet_within(
    arena: &Arena,
    roots: &[NodeId],
    opts: &WordOpts,
    max_props: usize,
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
        if names.len() > max_props {
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
        v["formula"] = serde_json::Value::String(show(&arena, root, Syntax::Ascii));
        v["minimal"] = serde_json::Value::Bool(!a.no_minimize);
        outln!("{}", v);
    } else {
        outln!("{}", show(&arena, root, Syntax::Ascii));
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

/// Which engine decides equivalence and inclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Engine {
    /// Minimal DFAs and their product (exact; bounded by --max-states).
    Explicit,
    /// z3: bounded model checking for counterexamples, k-induction or Spacer for proofs.
    Z3,
    /// The explicit engine under its state budget, z3 beyond it.
    Auto,
}

/// Options of the engines that decide equivalence and inclusion.
#[derive(Args, Debug, Clone)]
pub(crate) struct EngineOpts {
    /// The engine: explicit, z3, or auto (explicit under --max-states, z3 beyond).
    #[arg(long, value_enum, default_value = "auto")]
    engine: Engine,
    /// Longest word the z3 engine's bounded model checking considers (exit 2 beyond).
    #[arg(long, default_value_t = 200, value_name = "N")]
    max_depth: usize,
}

/// A decided comparison: a counterexample (already re-checked by the evaluator) or none,
/// and how it was decided.
pub(crate) struct Decided {
    pub(crate) counterexample: Option<(Word, bool, bool)>,
    /// One line: which engine answered and with what effort.
    pub(crate) how: String,
    /// The same for JSON.
    pub(crate) json: serde_json::Value,
}

/// Decides `question` for L(left), L(right) with the chosen engine, re-checking every
/// counterexample with the reference evaluator.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decide(
    arena: &Arena,
    left: NodeId,
    right: NodeId,
    sigma: &Alphabet,
    acc: Acceptance,
    question: Question,
    budget: &BudgetOpts,
    engine: &EngineOpts,
) -> Result<Decided, Report> {
    let too_many_props = matches!(sigma, Alphabet::Props(p) if p.len() > MAX_PROPS);
    let mut fallback = None;
    if engine.engine != Engine::Z3 && !(engine.engine == Engine::Auto && too_many_props) {
        if too_many_props {
            return Err(miette!(
                help = "use --engine z3 (or auto), which reads propositions as Boolean variables",
                "{} propositions make 2^{} letters; the explicit engine takes at most {MAX_PROPS} propositions",
                sigma.atoms().len(),
                sigma.atoms().len()
            ));
        }
        let b = budget.budget()?;
        let explicit = (|| -> Result<_, LimitError> {
            let dl = formula_dfa(arena, left, sigma, acc, &b)?;
            let dr = formula_dfa(arena, right, sigma, acc, &b)?;
            let answer = compare(&dl, &dr, question, &b)?;
            Ok((dl, dr, answer))
        })();
        match explicit {
            Ok((dl, dr, answer)) => {
                let counterexample = match &answer.counterexample {
                    None => None,
                    Some(letters) => {
                        let word = sigma.word(letters);
                        let (vl, vr) = (
                            evaluate(arena, left, &word, acc),
                            evaluate(arena, right, &word, acc),
                        );
                        if !confirmed(question, vl, vr)
                            || vl != dl.accepts(letters)
                            || vr != dr.accepts(letters)
                        {
                            return Err(internal(&word));
                        }
                        Some((word, vl, vr))
                    }
                };
                return Ok(Decided {
                    counterexample,
                    how: format!(
                        "explicit engine: {} product states explored; minimal DFAs with {} and {} states",
                        answer.states_explored, dl.states, dr.states
                    ),
                    json: serde_json::json!({
                        "engine": "explicit",
                        "states_explored": answer.states_explored,
                        "dfa_states": [dl.states, dr.states],
                    }),
                });
            }
            Err(e)
                if engine.engine == Engine::Auto
                    && matches!(
                        e.limit,
                        crate::automata::Limit::States(_) | crate::automata::Limit::Transitions(_)
                    ) =>
            {
                fallback = Some(e.to_string());
            }
            Err(e) => return Err(Report::new(e)),
        }
    }
    if too_many_props {
        fallback = Some(format!(
            "{} propositions are beyond the explicit engine's {MAX_PROPS}",
            sigma.atoms().len()
        ));
    }
    let limits = SmtLimits {
        max_depth: engine.max_depth,
        timeout: budget.timeout_duration()?,
        ..SmtLimits::default()
    };
    let started = std::time::Instant::now();
    let answer = compare_symbolic(arena, left, right, sigma, acc, question, &limits);
    let seconds = started.elapsed().as_secs_f64();
    let why = fallback
        .as_ref()
        .map(|f| format!(" (auto: the explicit engine stopped: {f})"))
        .unwrap_or_default();
    match answer.verdict {
        SmtVerdict::Unknown(reason) => Err(miette!(
            help = "raise --timeout or --max-depth, or try --engine explicit",
            "the z3 engine could not decide after {:.2} s at depth {}: {reason}",
            seconds,
            answer.depth
        )),
        SmtVerdict::Holds(proof) => {
            let method = match &proof {
                Proof::KInduction { k } => format!("proved by k-induction with simple paths at k = {k}"),
                Proof::Spacer { bmc_depth, .. } => format!(
                    "proved by Spacer (an inductive invariant) after bounded model checking to depth {bmc_depth}"
                ),
            };
            Ok(Decided {
                counterexample: None,
                how: format!(
                    "z3 engine: {method}; {} state variables; {seconds:.2} s{why}",
                    answer.state_vars
                ),
                json: serde_json::json!({
                    "engine": "z3",
                    "proof": proof,
                    "depth": answer.depth,
                    "state_variables": answer.state_vars,
                    "seconds": seconds,
                    "fallback": fallback,
                }),
            })
        }
        SmtVerdict::Fails(found) => {
            let word = found.to_word(sigma);
            let (vl, vr) = (
                evaluate(arena, left, &word, acc),
                evaluate(arena, right, &word, acc),
            );
            if !confirmed(question, vl, vr) {
                return Err(internal(&word));
            }
            Ok(Decided {
                counterexample: Some((word, vl, vr)),
                how: format!(
                    "z3 engine: bounded model checking found it at depth {}, after none at smaller depths; {} state variables; {seconds:.2} s{why}",
                    answer.depth, answer.state_vars
                ),
                json: serde_json::json!({
                    "engine": "z3",
                    "method": "bmc",
                    "depth": answer.depth,
                    "state_variables": answer.state_vars,
                    "seconds": seconds,
                    "fallback": fallback,
                }),
            })
        }
    }
}

fn confirmed(question: Question, vl: bool, vr: bool) -> bool {
    match question {
        Question::Equivalent => vl != vr,
        Question::Included => vl && !vr,
    }
}

fn internal(word: &Word) -> Report {
    miette!(
        "internal error: the engine and the reference evaluator disagree on `{}`; please report this with the formulas",
        word.show()
    )
}

pub(crate) fn compare_cmd(a: CompareArgs, question: Question) -> Result<i32, Report> {
    let mut arena = Arena::new();
    let left = formula_arg(&mut arena, &a.left, "first formula")?;
    let right = formula_arg(&mut arena, &a.right, "second formula")?;
    let max_props = if a.engine.engine == Engine::Explicit {
        MAX_PROPS
    } else {
        usize::MAX
    };
    let sigma = alphabet_within(&arena, &[left, right], &a.opts, max_props)?;
    let acc = a.opts.accept;
    let d = decide(
        &arena, left, right, &sigma, acc, question, &a.budget, &a.engine,
    )?;
    let holds = d.counterexample.is_none();
    let key = match question {
        Question::Equivalent => "equivalent",
        Question::Included => "included",
    };
    let verdict = |b: bool| if b { "accepted" } else { "rejected" };
    if a.json {
        let (cex, l, r) = match &d.counterexample {
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
        let mut v = serde_json::json!({
            key: holds,
            "counterexample": cex,
            "first": {"formula": show(&arena, left, Syntax::Ascii), "accepts": l},
            "second": {"formula": show(&arena, right, Syntax::Ascii), "accepts": r},
        });
        if let (Some(obj), serde_json::Value::Object(extra)) = (v.as_object_mut(), d.json) {
            obj.extend(extra);
        }
        outln!("{v}");
    } else {
        match &d.counterexample {
            None => outln!(
                "{}: {} ({})",
                if question == Question::Equivalent {
                    "equivalent"
                } else {
                    "included"
                },
                match question {
                    Question::Equivalent => "the two formulas define the same language",
                    Question::Included => "every word the first accepts, the second accepts",
                },
                d.how
            ),
            Some((w, vl, vr)) => {
                outln!(
                    "{}: shortest counterexample `{}` (length {})",
                    if question == Question::Equivalent {
                        "not equivalent"
                    } else {
                        "not included"
                    },
                    w.show(),
                    w.len()
                );
                outln!(
                    "  first:  {} — {}",
                    show(&arena, left, Syntax::Ascii),
                    verdict(*vl)
                );
                outln!(
                    "  second: {} — {}",
                    show(&arena, right, Syntax::Ascii),
                    verdict(*vr)
                );
                outln!("  ({}; re-checked by the reference evaluator)", d.how);
            }
        }
    }
    Ok(if holds { 0 } else { 1 })
}
