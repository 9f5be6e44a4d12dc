//! `dfa`, `equiv` and `includes`: the explicit engine on the command line.

use clap::Args;
use miette::{miette, Report};

use super::{formula_arg, show, Exit, WordOpts};
use ltlattn::automata::{Budget, DEFAULT_MAX_STATES};
use ltlattn::engine::explicit::Automaton;
use ltlattn::engine::layout::Question;
use ltlattn::logic::{Acceptance, Arena, ParseLimits, Syntax};
use ltlattn::report::{to_json, CompareReport, DfaReport};
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
    /// The formula (or @FILE), or a model (`*.toml`, Boolean or numeric) or DFA file
    /// (`*.dfa`): its minimal DFA, over the alphabet and acceptance the file fixes.
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
    /// The first language: a formula, @FILE (a formula file), a model (`*.toml`, Boolean
    /// or numeric) or a DFA file (`*.dfa`).
    left: String,
    /// The second language, likewise.
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

pub(crate) fn dfa(a: DfaArgs, limits: ParseLimits) -> Result<Exit, Report> {
    if is_file_operand(&a.formula) {
        return dfa_of_file(a, limits);
    }
    let mut arena = Arena::new();
    let root = formula_arg(&mut arena, &a.formula, "formula", limits)?;
    // Any number of propositions: beyond DENSE_PROPS the transitions are guards.
    let sigma = a
        .opts
        .options()
        .alphabet_within(&arena, &[root], usize::MAX)?;
    let budget = a.budget.budget()?;
    let dfa = Automaton::of_formula(&arena, root, &sigma, a.opts.accept, &budget, !a.no_minimize)
        .map_err(Report::new)?;
    if a.dot {
        outln!("{}", dfa.to_dot().trim_end());
    } else if a.json {
        let r = DfaReport::of_formula(&dfa, show(&arena, root, Syntax::Ascii), !a.no_minimize);
        outln!("{}", to_json("dfa", &r));
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
        if let Some(note) = dfa.language_kind().note("the formula", a.opts.accept, true) {
            outln!("{note}");
        }
    }
    Ok(Exit::Yes)
}

/// `dfa MODEL.toml` (or `FILE.dfa`): the operand is read by the loader `equiv` uses, and
/// the library picks its minimal DFA ([`verdict::Operand::minimal_dfa`]: a Boolean
/// model's compiled formula under the model's acceptance, a numeric model's compiled
/// DFA, a DFA file minimized); this only renders it.
fn dfa_of_file(a: DfaArgs, limits: ParseLimits) -> Result<Exit, Report> {
    if a.no_minimize {
        return Err(miette!(
            help = "leave out --no-minimize; `dfa` on the model's compiled formula (`compile --json`) shows the subformula-vector automaton",
            "a model or DFA file is shown by its minimal DFA only"
        ));
    }
    let budget = a.budget.budget()?;
    let mut arena = Arena::new();
    let (loaded, source) = load_operand(&mut arena, &a.formula, "formula", limits)?;
    let side = operand(&loaded, &arena, a.opts.accept);
    let fixed = a
        .opts
        .options()
        .alphabet_of_file(side.alphabet().expect("a file operand fixes its alphabet"))?;
    let dfa = side.minimal_dfa(&fixed, &budget).map_err(Report::new)?;
    let formula = match &loaded {
        Loaded::Model(_, c) => Some(show(&c.arena, c.accept, Syntax::Ascii)),
        _ => None,
    };
    let source = source.unwrap_or_default();
    let kind = match &loaded {
        Loaded::Model(..) => "the model",
        Loaded::Numeric(..) => "the numeric model",
        _ => "the DFA in",
    };
    let acceptance = dfa.acceptance();
    let dfa = Automaton::Dense(dfa);
    if a.dot {
        outln!("{}", dfa.to_dot().trim_end());
    } else if a.json {
        outln!(
            "{}",
            to_json("dfa", &DfaReport::of_file(&dfa, formula, source))
        );
    } else {
        outln!("{kind} {source}");
        if let Some(f) = formula {
            outln!("compiled formula: {f}");
        }
        outln!(
            "minimal DFA ({} acceptance): {}",
            match acceptance {
                Acceptance::Eos => "EOS",
                Acceptance::Last => "last-position",
            },
            dfa.to_text().trim_end()
        );
    }
    Ok(Exit::Yes)
}

/// `--engine`'s values: the library's engine names ([`verdict::Engine::name`]), each with
/// what `--help` says of it here.
fn engine_values() -> impl clap::builder::TypedValueParser<Value = verdict::Engine> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let help = |e| {
        match e {
        verdict::Engine::Explicit => "Minimal DFAs and their product (exact; bounded by --max-states)",
        verdict::Engine::Z3 => "z3: bounded model checking for counterexamples, k-induction or Spacer for proofs",
        verdict::Engine::Bdd => "BDDs: breadth-first symbolic reachability (shortest counterexamples, re-checked invariants); --max-states bounds its BDDs",
        verdict::Engine::Auto => "The explicit, BDD and z3 engines side by side (the explicit engine alone first on small instances); the first certified answer wins, and the verdict and the least shortest counterexample do not depend on which",
    }
    };
    PossibleValuesParser::new(
        verdict::Engine::ALL.map(|e| PossibleValue::new(e.name()).help(help(e))),
    )
    .map(|name| name.parse().expect("a possible value names an engine"))
}

/// Options of the engines that decide equivalence and inclusion.
#[derive(Args, Debug, Clone)]
pub(crate) struct EngineOpts {
    /// The engine: explicit, bdd, z3, or auto (the three side by side, each within
    /// --max-states and --timeout; the first certified answer wins).
    #[arg(long, value_parser = engine_values(), default_value = "auto")]
    engine: verdict::Engine,
    /// Longest word the z3 engine's bounded model checking considers (exit 2 beyond).
    #[arg(long, default_value_t = 200, value_name = "N")]
    max_depth: usize,
}

/// The library's decision options from the command line's (starts the `--timeout` watchdog).
pub(crate) fn options(budget: &BudgetOpts, engine: &EngineOpts) -> Result<Options, Report> {
    Ok(Options {
        engine: engine.engine,
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
    if is_file_operand(&a.left) || is_file_operand(&a.right) {
        return compare_files_cmd(a, question, limits);
    }
    let mut arena = Arena::new();
    let left = formula_arg(&mut arena, &a.left, "first formula", limits)?;
    let right = formula_arg(&mut arena, &a.right, "second formula", limits)?;
    // Every engine takes any number of propositions (the explicit one with guards).
    let sigma = a
        .opts
        .options()
        .alphabet_within(&arena, &[left, right], usize::MAX)?;
    let opts = options(&a.budget, &a.engine)?;
    let command = match question {
        Question::Equivalent => "equiv",
        Question::Included => "includes",
    };
    let v = match decide(&arena, left, right, &sigma, a.opts.accept, question, &opts) {
        Ok(v) => v,
        Err(e) => {
            if a.json && e.is_undecided() {
                outln!(
                    "{}",
                    to_json(command, &ltlattn::report::NoAnswerReport::new(&e))
                );
            }
            return Err(Report::new(e));
        }
    };
    let (first, second) = (
        show(&arena, left, Syntax::Ascii),
        show(&arena, right, Syntax::Ascii),
    );
    if a.json {
        outln!(
            "{}",
            to_json(command, &CompareReport::new(&v, first, second))
        );
        return Ok(v.holds().into());
    }
    print_comparison(&v, question, (&first, &second), "the reference evaluator");
    Ok(v.holds().into())
}

/// The text answer of `equiv`/`includes`.
fn print_comparison(
    v: &verdict::Verdict,
    question: Question,
    (first, second): (&str, &str),
    checked_by: &str,
) {
    let say = |b: bool| if b { "accepted" } else { "rejected" };
    match &v.counterexample {
        None => outln!(
            "{}: {} ({})",
            match question {
                Question::Equivalent => "equivalent",
                Question::Included => "included",
            },
            match question {
                Question::Equivalent => "both sides define the same language",
                Question::Included => "every word the first accepts, the second accepts",
            },
            v.engine.describe()
        ),
        Some(c) => {
            outln!(
                "{}: {}counterexample `{}` (length {}{})",
                match question {
                    Question::Equivalent => "not equivalent",
                    Question::Included => "not included",
                },
                if v.shortest() == Some(false) {
                    ""
                } else {
                    "shortest "
                },
                c.word.show(),
                c.word.len(),
                if v.shortest() == Some(false) {
                    "; not known to be shortest"
                } else {
                    ""
                }
            );
            outln!("  first:  {first} — {}", say(c.first));
            outln!("  second: {second} — {}", say(c.second));
            outln!("  ({}; re-checked by {checked_by})", v.engine.describe());
        }
    }
}

/// Whether an `equiv`/`includes` operand names a model or DFA file rather than a formula:
/// an existing file whose name ends in `.toml` or `.dfa` (no formula can be written so:
/// `.` is not part of a bare atom; `@FILE` always reads a formula).
pub(crate) fn is_file_operand(arg: &str) -> bool {
    (arg.ends_with(".toml") || arg.ends_with(".dfa")) && std::path::Path::new(arg).is_file()
}

/// What an operand was read as, kept alive for the comparison (the library's type).
pub(crate) use ltlattn::operand::Loaded;

/// Reads a language operand: a model or DFA file when [`is_file_operand`] says so (with
/// its path), else a formula (or @FILE) into `arena`.
pub(crate) fn load_operand(
    arena: &mut Arena,
    arg: &str,
    what: &str,
    limits: ParseLimits,
) -> Result<(Loaded, Option<String>), Report> {
    if !is_file_operand(arg) {
        return Ok((
            Loaded::Formula(formula_arg(arena, arg, what, limits)?),
            None,
        ));
    }
    if arg.ends_with(".dfa") {
        let d = super::io::read_dfa_file(arg)?;
        return Ok((Loaded::Dfa(d), Some(arg.to_string())));
    }
    let text = super::read_input(arg, "model")?;
    if ltlattn::model::numeric::is_numeric(&text) {
        let m = super::numeric::load(arg, &text)?;
        return Ok((Loaded::Numeric(Box::new(m)), Some(arg.to_string())));
    }
    let m = ltlattn::model::boolean::load_with(arg, &text, limits).map_err(Report::new)?;
    let loaded = Loaded::model(m).map_err(Report::new)?;
    Ok((loaded, Some(arg.to_string())))
}

/// A loaded operand as the library sees it.
pub(crate) fn operand<'a>(
    x: &'a Loaded,
    arena: &'a Arena,
    acceptance: Acceptance,
) -> verdict::Operand<'a> {
    x.operand(arena, acceptance)
}

/// `equiv`/`includes` with a model or DFA file on at least one side: both sides become
/// minimal DFAs compared by the explicit engine; a counterexample is re-judged by each
/// side's evaluator or executor (`verdict::decide_operands`).
fn compare_files_cmd(
    a: CompareArgs,
    question: Question,
    limits: ParseLimits,
) -> Result<Exit, Report> {
    ltlattn::operand::check_engine(a.engine.engine).map_err(Report::new)?;
    // Validated here; the comparison takes its budget from the options below.
    a.budget.budget()?;
    let mut arena = Arena::new();
    let mut load = |arg: &str, what: &str| load_operand(&mut arena, arg, what, limits);
    let (l, l_source) = load(&a.left, "first formula")?;
    let (r, r_source) = load(&a.right, "second formula")?;
    let opts = options(&a.budget, &a.engine)?;
    let command = match question {
        Question::Equivalent => "equiv",
        Question::Included => "includes",
    };
    let v = match ltlattn::operand::decide(&arena, [&l, &r], &a.opts.options(), question, &opts) {
        Ok(v) => v,
        Err(ltlattn::operand::OperandError::Check(e)) => {
            if let (true, Some(n)) = (a.json, e.checked_up_to_length()) {
                let fragment = [&l, &r]
                    .into_iter()
                    .find_map(Loaded::numeric_fragment)
                    .unwrap_or_default();
                let report = ltlattn::report::UndecidedReport::new(&e, n, fragment);
                outln!("{}", to_json(command, &report));
            }
            return Err(Report::new(e));
        }
        Err(e) => return Err(Report::new(e)),
    };
    let print = super::io::print_budget();
    if a.json {
        let report = ltlattn::operand::report(&v, &arena, [(&l, l_source), (&r, r_source)], print);
        outln!("{}", to_json(command, &report));
        return Ok(v.holds().into());
    }
    let (first, second) = (l.shown(&arena, print), r.shown(&arena, print));
    let name = |x: &Loaded, f: Option<String>, path: Option<String>| {
        let path = path.unwrap_or_default();
        match x {
            Loaded::Formula(_) => f.unwrap_or_default(),
            Loaded::Model(..) => format!("the model {path}"),
            Loaded::Numeric(..) => format!("the numeric model {path}"),
            Loaded::Dfa(_) => format!("the DFA in {path}"),
        }
    };
    let (first, second) = (name(&l, first, l_source), name(&r, second, r_source));
    print_comparison(
        &v,
        question,
        (&first, &second),
        "each side's evaluator or executor",
    );
    Ok(v.holds().into())
}
