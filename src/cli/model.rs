//! `compile`, `run`, `check` and `realize`: transformer descriptions on the command line.

use clap::Args;
use miette::{miette, Report};

use super::check::{options, BudgetOpts, EngineOpts};
use super::io::print_budget;
use super::{formula_arg, read_input, show, shower, Exit, WordOpts};
use ltlattn::front::model_tokens;
use ltlattn::logic::{Acceptance, Arena, ParseLimits, Syntax};
use ltlattn::model::boolean::compile::drop_in::{drop_in_budget, DropInCheck, MAX_DROP_IN_CHECK};
use ltlattn::model::boolean::compile::{compile, realize};
use ltlattn::model::boolean::{load_with, run as execute, Model, Trace};
use ltlattn::report::{to_json, CheckReport, CompileReport, RunReport};
use ltlattn::verdict::{check_model, CheckError};

#[derive(Args, Debug)]
pub(crate) struct CompileArgs {
    /// The model description (model.toml).
    model: String,
    /// Print formulas with Unicode symbols.
    #[arg(long, conflicts_with_all = ["latex", "json"])]
    unicode: bool,
    /// Print the feature table as LaTeX.
    #[arg(long, conflicts_with = "json")]
    latex: bool,
    /// Print JSON: {"accept", "fragment", "architecture", "features"}.
    #[arg(long)]
    json: bool,
    /// Print the model's minimal DFA as Graphviz DOT (exact at every length) instead.
    #[arg(long, conflicts_with_all = ["json", "unicode", "latex"])]
    dot: bool,
    #[command(flatten)]
    budget: BudgetOpts,
}

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// The model description (model.toml).
    model: String,
    /// The word: tokens separated by spaces; "" is the empty word.
    #[arg(long, allow_hyphen_values = true)]
    word: String,
    /// Print every feature at every position.
    #[arg(long)]
    trace: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// The model description (model.toml).
    model: String,
    /// The language the model should recognize (a formula, or @FILE).
    #[arg(long)]
    spec: String,
    #[command(flatten)]
    budget: BudgetOpts,
    #[command(flatten)]
    engine: EngineOpts,
    /// For a model without an exact translation (a non-regular Combiner-Logsparse head):
    /// compare it with the spec with z3 on every word of length ≤ N instead (a bounded
    /// analysis, not a proof beyond N).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=256))]
    bound: Option<u32>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub(crate) struct RealizeArgs {
    /// The formula (or @FILE).
    formula: String,
    #[command(flatten)]
    opts: WordOpts,
}

fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| {
                format!(
                    "{s}{}",
                    " ".repeat(widths[c].saturating_sub(s.chars().count()))
                )
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn header(model: &Model, path: &str) -> String {
    format!(
        "model: {} (alphabet {{{}}}, {} acceptance, {} layer{})",
        model.name.clone().unwrap_or_else(|| path.to_string()),
        model.alphabet.join(", "),
        if model.acceptance == Acceptance::Eos {
            "EOS"
        } else {
            "last-position"
        },
        model.layers,
        if model.layers == 1 { "" } else { "s" }
    )
}

pub(crate) fn compile_cmd(a: CompileArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let text = read_input(&a.model, "model")?;
    let syntax = super::syntax_of(a.unicode, a.latex);
    if ltlattn::model::numeric::is_numeric(&text) {
        let m = super::numeric::load(&a.model, &text)?;
        let budget = a.budget.budget()?;
        if a.dot {
            return super::numeric::compile_dot(&m, &budget);
        }
        return super::numeric::compile_cmd(&a.model, &m, &budget, a.json, syntax);
    }
    let model = load_with(&a.model, &text, limits).map_err(Report::new)?;
    let c = compile(&model).map_err(Report::new)?;
    if a.dot {
        // A Boolean model's language is its compiled formula's: that formula's minimal DFA.
        let sigma = ltlattn::automata::Alphabet::Tokens(model.alphabet.clone());
        let dfa = ltlattn::engine::explicit::Automaton::of_formula(
            &c.arena,
            c.accept,
            &sigma,
            model.acceptance,
            &a.budget.budget()?,
            true,
        )
        .map_err(Report::new)?;
        outln!("{}", dfa.to_dot().trim_end());
        return Ok(Exit::Yes);
    }
    let report = CompileReport::of_model(
        &model,
        &c,
        &a.budget.budget()?,
        &drop_in_budget(None),
        print_budget(),
    )
    .map_err(Report::new)?;
    if a.json {
        outln!("{}", to_json("compile", &report));
        return Ok(Exit::Yes);
    }
    let sh = shower(&c.arena);
    if a.latex {
        outln!("% {}", header(&model, &a.model));
        outln!(
            "% fragment: {} ({})",
            c.fragment.name(),
            c.fragment.architecture()
        );
        outln!("\\begin{{tabular}}{{lllll}}");
        outln!("layer & feature & made by & formula \\\\ \\hline");
        for f in &c.features {
            outln!(
                "{} & \\texttt{{{}}} & {} & ${}$ \\\\",
                f.layer,
                f.name.replace('_', "\\_"),
                f.made_by
                    .replace('_', "\\_")
                    .replace('`', "")
                    .replace('→', "$\\to$")
                    .replace("<=", "$\\leq$"),
                sh.show(f.formula, Syntax::Latex)
            );
        }
        outln!("\\end{{tabular}}");
        return Ok(Exit::Yes);
    }
    outln!("{}", header(&model, &a.model));
    outln!(
        "fragment: {} — {}",
        c.fragment.name(),
        c.fragment.architecture()
    );
    outln!("accepts: {}", sh.show(c.accept, syntax));
    if let Some(note) = ltlattn::model::boolean::compile::language_note(&model, &c) {
        outln!("{note}");
    }
    if let Some(f) = &report.short_formula {
        outln!("shorter: {} ({})", f.formula, f.construction);
    }
    outln!("");
    let mut rows = vec![vec![
        "layer".to_string(),
        "feature".into(),
        "made by".into(),
        "formula".into(),
    ]];
    for f in &c.features {
        rows.push(vec![
            f.layer.to_string(),
            f.name.clone(),
            f.made_by.clone(),
            sh.show(f.formula, syntax),
        ]);
    }
    outln!("{}", table(&rows).trim_end());
    for check in &report.drop_in {
        outln!("{}", drop_in_line(check));
    }
    Ok(Exit::Yes)
}

/// The text line of one drop-in check.
fn drop_in_line(d: &DropInCheck) -> String {
    let name = &d.feature;
    match (d.equivalent_to_global, &d.differs_on) {
        (Some(true), _) => format!("drop-in head `{name}` ≡ the global head with its selection (equivalence checker: {} product states): full coverage makes the Combiner factorization exact", d.product_states.unwrap_or(0)),
        (Some(false), w) => format!("drop-in head `{name}` differs from the global head on `{}`", w.as_deref().unwrap_or_default()),
        (None, _) if d.too_large => format!("drop-in head `{name}`: equivalence with the global head not checked here (block or width above {MAX_DROP_IN_CHECK}); `ltlattn attention` proves the pattern's coverage"),
        (None, _) => format!("drop-in head `{name}`: equivalence with the global head not decided ({})", d.why.as_deref().unwrap_or_default()),
    }
}

fn trace_table(model: &Model, t: &Trace) -> String {
    let mut rows = vec![std::iter::once("feature".to_string())
        .chain(t.columns.iter().cloned())
        .collect::<Vec<_>>()];
    for (f, v) in model.features.iter().zip(&t.values) {
        rows.push(
            std::iter::once(f.name.clone())
                .chain(v.iter().map(|&b| if b { "1" } else { "0" }.to_string()))
                .collect(),
        );
    }
    table(&rows)
}

pub(crate) fn run_cmd(a: RunArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let text = read_input(&a.model, "model")?;
    if ltlattn::model::numeric::is_numeric(&text) {
        let m = super::numeric::load(&a.model, &text)?;
        return super::numeric::run_cmd(&m, &a.word, a.trace, a.json);
    }
    let model = load_with(&a.model, &text, limits).map_err(Report::new)?;
    let toks = model_tokens(&model, &a.word)?;
    let t = execute(&model, &toks).map_err(|e| miette!("{e}"))?;
    if a.json {
        outln!("{}", to_json("run", &RunReport::new(&model, &t)));
    } else {
        if a.trace {
            outln!("{}", trace_table(&model, &t).trim_end());
        }
        outln!("{}", if t.accepted { "accepted" } else { "rejected" });
    }
    Ok(t.accepted.into())
}

/// `check --bound N` on a model without an exact translation: z3 on every word up to N.
#[cfg(feature = "z3")]
fn bounded_cmd(
    a: &CheckArgs,
    model: &Model,
    why: &str,
    bound: usize,
    limits: ParseLimits,
) -> Result<Exit, Report> {
    use ltlattn::report::BoundedReport;
    use ltlattn::verdict::{check_model_bounded, Bounded};
    let timeout = a.budget.timeout_duration()?;
    let mut arena = Arena::new();
    let spec = formula_arg(&mut arena, &a.spec, "spec", limits)?;
    let started = std::time::Instant::now();
    let answer = check_model_bounded(model, &arena, spec, bound, timeout).map_err(Report::new)?;
    let secs = started.elapsed().as_secs_f64();
    let report = BoundedReport::new(&answer, why.to_string(), secs);
    if a.json {
        outln!("{}", to_json("check", &report));
        return Ok(report.holds.into());
    }
    let say = |b: bool| if b { "accepts" } else { "rejects" };
    match &answer {
        Bounded::AgreeUpTo(n) => outln!(
            "holds on every word of length ≤ {n}: the model and {} agree (z3, bounded analysis in {secs:.2} s)\n  not a proof for longer words: {why}",
            show(&arena, spec, Syntax::Ascii)
        ),
        Bounded::Differ { word, model, spec } => outln!(
            "does not hold: shortest counterexample `{}` (length {}; z3, bounded analysis): model {}, spec {}",
            if word.is_empty() { "ε".to_string() } else { word.join(" ") },
            word.len(),
            say(*model),
            say(*spec)
        ),
        Bounded::Unknown(n, r) => outln!("could not decide: z3 gave up at length {n} ({r})"),
    }
    Ok(report.holds.into())
}

#[cfg(not(feature = "z3"))]
fn bounded_cmd(
    _a: &CheckArgs,
    _model: &Model,
    why: &str,
    _bound: usize,
    _limits: ParseLimits,
) -> Result<Exit, Report> {
    Err(miette!(
        help = "build with the default features (z3, needs libz3) for `check --bound`",
        "the bounded analysis needs the z3 engine, which this ltlattn was built without; the model has no exact translation: {why}"
    ))
}

/// Checks that the model recognizes exactly L(spec): through its compiled formula, or
/// with `--bound` by z3 on short words when it has no exact translation.
pub(crate) fn check_cmd(a: CheckArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let text = read_input(&a.model, "model")?;
    let mut arena = Arena::new();
    let spec = formula_arg(&mut arena, &a.spec, "spec", limits)?;
    let opts = options(&a.budget, &a.engine)?;
    if ltlattn::model::numeric::is_numeric(&text) {
        let m = super::numeric::load(&a.model, &text)?;
        return super::numeric::check_cmd(&m, &arena, spec, &opts, a.json);
    }
    let model = load_with(&a.model, &text, limits).map_err(Report::new)?;
    let m = match check_model(&model, &arena, spec, &opts) {
        Ok(m) => m,
        Err(CheckError::Compile(e)) => {
            return match a.bound {
                Some(n) => bounded_cmd(&a, &model, &e.to_string(), n as usize, limits),
                None => Err(Report::new(CheckError::Compile(e))),
            }
        }
        Err(e) => {
            if let (true, CheckError::Decide(d)) = (a.json, &e) {
                if d.is_undecided() {
                    outln!(
                        "{}",
                        to_json("check", &ltlattn::report::NoAnswerReport::new(d))
                    );
                }
            }
            return Err(Report::new(e));
        }
    };
    let v = &m.verdict;
    if a.json {
        outln!(
            "{}",
            to_json("check", &CheckReport::new(v, m.compiled.fragment.name()))
        );
        return Ok(v.holds().into());
    }
    let spec_text = show(&m.compiled.arena, m.spec, Syntax::Ascii);
    match (&v.counterexample, &m.trace) {
        (Some(c), Some(t)) => {
            let say = |b: bool| if b { "accepts" } else { "rejects" };
            outln!(
                "does not hold: shortest counterexample `{}` (length {})",
                c.word.show(),
                c.word.len()
            );
            outln!(
                "  model {} it; spec {spec_text} {} it",
                say(t.accepted),
                say(c.second)
            );
            outln!("  the model's trace on it (reference executor):");
            for line in trace_table(&model, t).lines() {
                outln!("    {line}");
            }
        }
        _ => outln!(
            "holds: the model recognizes exactly L({spec_text}) ({})",
            v.engine.describe()
        ),
    }
    Ok(v.holds().into())
}

pub(crate) fn realize_cmd(a: RealizeArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let mut arena = Arena::new();
    let root = formula_arg(&mut arena, &a.formula, "formula", limits)?;
    let sigma = a.opts.options().alphabet(&arena, &[root])?;
    if a.opts.props {
        return Err(miette!(
            "models read letters: realize works with letter alphabets, not --props"
        ));
    }
    let text = realize(&arena, root, sigma.atoms(), a.opts.accept).map_err(Report::new)?;
    outln!("{}", text.trim_end());
    Ok(Exit::Yes)
}
