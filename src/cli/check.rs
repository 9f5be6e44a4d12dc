//! `dfa`, `equiv` and `includes`: the explicit engine on the command line.

use clap::Args;
use miette::{miette, Report};

use super::{formula_arg, show, Exit, WordOpts};
use ltlattn::automata::{
    formula_dfa, Alphabet, Budget, Dfa, Question, DEFAULT_MAX_STATES, MAX_PROPS,
};
use ltlattn::logic::{Acceptance, Arena, NodeId, ParseLimits, Syntax};
use ltlattn::report::{to_json, CompareReport};
use ltlattn::verdict::{self, decide, Options};

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
            std::process::exit(Exit::Error.code());
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
    let names = match super::given_alphabet(opts)? {
        Some(names) => {
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
    super::refuse_reserved_clash(arena, roots, &names)?;
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

pub(crate) fn dfa(a: DfaArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let mut arena = Arena::new();
    let root = formula_arg(&mut arena, &a.formula, "formula", limits)?;
    let sigma = alphabet_for(&arena, &[root], &a.opts)?;
    let budget = a.budget.budget()?;
    let dfa: Dfa = if a.no_minimize {
        ltlattn::automata::build_dfa(&arena, root, &sigma, a.opts.accept, &budget)
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
        outln!("{}", to_json("dfa", &v));
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
    Ok(Exit::Yes)
}

/// Which engine decides equivalence and inclusion (the command-line face of
/// [`ltlattn::verdict::Engine`]).
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

/// The library's decision options from the command line's (starts the `--timeout` watchdog).
pub(crate) fn options(budget: &BudgetOpts, engine: &EngineOpts) -> Result<Options, Report> {
    Ok(Options {
        engine: match engine.engine {
            Engine::Explicit => verdict::Engine::Explicit,
            Engine::Z3 => verdict::Engine::Z3,
            Engine::Auto => verdict::Engine::Auto,
        },
        max_states: budget.max_states,
        timeout: budget.timeout_duration()?,
        max_depth: engine.max_depth,
    })
}

pub(crate) fn compare_cmd(
    a: CompareArgs,
    question: Question,
    limits: ParseLimits,
) -> Result<Exit, Report> {
    let mut arena = Arena::new();
    let left = formula_arg(&mut arena, &a.left, "first formula", limits)?;
    let right = formula_arg(&mut arena, &a.right, "second formula", limits)?;
    let max_props = if a.engine.engine == Engine::Explicit {
        MAX_PROPS
    } else {
        usize::MAX
    };
    let sigma = alphabet_within(&arena, &[left, right], &a.opts, max_props)?;
    let opts = options(&a.budget, &a.engine)?;
    let v = decide(&arena, left, right, &sigma, a.opts.accept, question, &opts)?;
    let (first, second) = (
        show(&arena, left, Syntax::Ascii),
        show(&arena, right, Syntax::Ascii),
    );
    let command = match question {
        Question::Equivalent => "equiv",
        Question::Included => "includes",
    };
    if a.json {
        outln!(
            "{}",
            to_json(command, &CompareReport::new(&v, first, second))
        );
        return Ok(v.holds().into());
    }
    let say = |b: bool| if b { "accepted" } else { "rejected" };
    match &v.counterexample {
        None => outln!(
            "{}: {} ({})",
            match question {
                Question::Equivalent => "equivalent",
                Question::Included => "included",
            },
            match question {
                Question::Equivalent => "the two formulas define the same language",
                Question::Included => "every word the first accepts, the second accepts",
            },
            v.engine.describe()
        ),
        Some(c) => {
            outln!(
                "{}: shortest counterexample `{}` (length {})",
                match question {
                    Question::Equivalent => "not equivalent",
                    Question::Included => "not included",
                },
                c.word.show(),
                c.word.len()
            );
            outln!("  first:  {first} — {}", say(c.first));
            outln!("  second: {second} — {}", say(c.second));
            outln!(
                "  ({}; re-checked by the reference evaluator)",
                v.engine.describe()
            );
        }
    }
    Ok(v.holds().into())
}
