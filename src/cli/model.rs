//! `compile`, `run`, `check` and `realize`: transformer descriptions on the command line.

use clap::Args;
use miette::{miette, Report};

use super::check::{alphabet_for, decide, BudgetOpts, EngineOpts};
use super::{formula_arg, read_input, show, Shower, WordOpts};
use crate::automata::{Alphabet, Question};
use crate::compile::{compile, realize, Compiled};
use crate::logic::{Acceptance, Arena, NodeId, Syntax, Word};
use crate::model::{load, run as execute, Model, Trace};

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

pub(crate) fn load_model(path: &str) -> Result<Model, Report> {
    let text = read_input(path, "model")?;
    load(path, &text).map_err(Report::new)
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

/// Largest block or row width for which `compile` checks a drop-in head against the
/// global head (the automata grow with the block).
const MAX_DROP_IN_CHECK: u64 = 32;

/// For every drop-in Combiner head: whether its compiled formula is equivalent to the
/// global head's (explicit engine, default budget). One line per head.
fn drop_in_checks(model: &Model, c: &Compiled) -> Vec<(String, serde_json::Value)> {
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    // A small budget: compile stays fast; a head beyond it says so.
    let budget = crate::automata::Budget::new(500_000, Some(20.0));
    c.features
        .iter()
        .filter_map(|f| f.global_equivalent.map(|g| (f, g)))
        .map(|(f, g)| {
            let big = model.heads().any(|h| {
                h.name == f.name
                    && matches!(h.range, crate::model::Range::Combiner(p) if p.param().unwrap_or(0) > MAX_DROP_IN_CHECK)
            });
            if big {
                return (
                    format!("drop-in head `{}`: equivalence with the global head not checked here (block or width above {MAX_DROP_IN_CHECK}); `ltlattn attention` proves the pattern's coverage", f.name),
                    serde_json::json!({"feature": f.name, "equivalent_to_global": null, "why": "block or width too large for the check in compile"}),
                );
            }
            let dfa = |x| crate::automata::formula_dfa(&c.arena, x, &sigma, model.acceptance, &budget);
            let answer = dfa(f.formula).and_then(|l| {
                let r = dfa(g)?;
                crate::automata::compare(&l, &r, Question::Equivalent, &budget)
            });
            match answer {
                Ok(a) => match a.counterexample {
                    None => (
                        format!("drop-in head `{}` ≡ the global head with its selection (equivalence checker: {} product states): full coverage makes the Combiner factorization exact", f.name, a.states_explored),
                        serde_json::json!({"feature": f.name, "equivalent_to_global": true, "product_states": a.states_explored}),
                    ),
                    Some(w) => (
                        format!("drop-in head `{}` differs from the global head on `{}`", f.name, sigma.word(&w).show()),
                        serde_json::json!({"feature": f.name, "equivalent_to_global": false}),
                    ),
                },
                Err(e) => (
                    format!("drop-in head `{}`: equivalence with the global head not decided ({e})", f.name),
                    serde_json::json!({"feature": f.name, "equivalent_to_global": null, "why": e.to_string()}),
                ),
            }
        })
        .collect()
}

pub(crate) fn compile_cmd(a: CompileArgs) -> Result<i32, Report> {
    let model = load_model(&a.model)?;
    let c = compile(&model).map_err(|e| miette!("{e}"))?;
    let drop_in = drop_in_checks(&model, &c);
    let sh = Shower::new(&c.arena);
    let syntax = if a.latex {
        Syntax::Latex
    } else if a.unicode {
        Syntax::Unicode
    } else {
        Syntax::Ascii
    };
    if a.json {
        let features: serde_json::Map<String, serde_json::Value> = c
            .features
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    serde_json::json!({"layer": f.layer, "made_by": f.made_by, "formula": sh.show(f.formula, Syntax::Ascii)}),
                )
            })
            .collect();
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "accept": sh.show(c.accept, Syntax::Ascii),
                "fragment": c.fragment.name(),
                "architecture": c.fragment.architecture(),
                "acceptance": model.acceptance,
                "alphabet": model.alphabet,
                "features": features,
                "drop_in": drop_in.iter().map(|(_, j)| j.clone()).collect::<Vec<_>>(),
            }))
            .unwrap_or_default()
        );
        return Ok(0);
    }
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
        return Ok(0);
    }
    outln!("{}", header(&model, &a.model));
    outln!(
        "fragment: {} — {}",
        c.fragment.name(),
        c.fragment.architecture()
    );
    outln!("accepts: {}", sh.show(c.accept, syntax));
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
    for (line, _) in &drop_in {
        outln!("{line}");
    }
    Ok(0)
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

fn tokens_of(model: &Model, word: &str) -> Result<Vec<String>, Report> {
    let toks: Vec<String> = word.split_whitespace().map(String::from).collect();
    if let Some(t) = toks.iter().find(|t| !model.alphabet.contains(t)) {
        return Err(miette!(
            help = format!("the model's alphabet is {{{}}}", model.alphabet.join(", ")),
            "the token `{t}` is not in the model's alphabet"
        ));
    }
    Ok(toks)
}

pub(crate) fn run_cmd(a: RunArgs) -> Result<i32, Report> {
    let model = load_model(&a.model)?;
    let toks = tokens_of(&model, &a.word)?;
    let t = execute(&model, &toks).map_err(|e| miette!("{e}"))?;
    if a.json {
        let features: serde_json::Map<String, serde_json::Value> = model
            .features
            .iter()
            .zip(&t.values)
            .map(|(f, v)| (f.name.clone(), serde_json::json!(v)))
            .collect();
        outln!(
            "{}",
            serde_json::json!({"accepted": t.accepted, "positions": t.columns, "features": features})
        );
    } else {
        if a.trace {
            outln!("{}", trace_table(&model, &t).trim_end());
        }
        outln!("{}", if t.accepted { "accepted" } else { "rejected" });
    }
    Ok(if t.accepted { 0 } else { 1 })
}

/// Parses the spec into `arena` and checks that its atoms are tokens of the model.
fn model_spec(arena: &mut Arena, model: &Model, text: &str) -> Result<NodeId, Report> {
    let spec = formula_arg(arena, text, "spec")?;
    if let Some(x) = arena
        .atom_names(spec)
        .into_iter()
        .find(|x| !model.alphabet.contains(x))
    {
        return Err(miette!(
            help = format!("the model's alphabet is {{{}}}", model.alphabet.join(", ")),
            "the spec uses `{x}`, which is not a token of the model"
        ));
    }
    Ok(spec)
}

/// `check --bound N` on a model without an exact translation: z3 on every word up to N.
fn bounded_cmd(a: &CheckArgs, model: &Model, why: &str, bound: usize) -> Result<i32, Report> {
    use crate::smt::bounded::{bounded_check, Bounded};
    let timeout = a.budget.timeout_duration()?;
    let mut arena = Arena::new();
    let spec = model_spec(&mut arena, model, &a.spec)?;
    let started = std::time::Instant::now();
    let answer = bounded_check(model, &arena, spec, bound, timeout);
    let secs = started.elapsed().as_secs_f64();
    let (code, text, json) = match &answer {
        Bounded::AgreeUpTo(n) => (
            0,
            format!("holds on every word of length ≤ {n}: the model and {} agree (z3, bounded analysis in {secs:.2} s)\n  not a proof for longer words: {why}", show(&arena, spec, Syntax::Ascii)),
            serde_json::json!({"result": "agree-up-to", "bound": n}),
        ),
        Bounded::Differ(w, mine, theirs) => {
            // Re-check with the reference executor and evaluator.
            let t = execute(model, w).map_err(|e| miette!("{e}"))?;
            let spec_says = crate::logic::evaluate(&arena, spec, &Word::letters(w.clone()), model.acceptance);
            if t.accepted != *mine || spec_says != *theirs {
                return Err(miette!("internal error: z3's word {w:?} does not re-check (executor {}, evaluator {spec_says})", t.accepted));
            }
            (
                1,
                format!("does not hold: shortest counterexample `{}` (length {}; z3, bounded analysis): model {}, spec {}", if w.is_empty() { "ε".to_string() } else { w.join(" ") }, w.len(), if *mine { "accepts" } else { "rejects" }, if *theirs { "accepts" } else { "rejects" }),
                serde_json::json!({"result": "differ", "word": w, "model_accepts": mine, "spec_accepts": theirs}),
            )
        }
        Bounded::Unknown(n, r) => (2, format!("could not decide: z3 gave up at length {n} ({r})"), serde_json::json!({"result": "unknown", "length": n, "reason": r})),
    };
    if a.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"bounded": json, "why": why, "seconds": secs})
            )
            .unwrap_or_default()
        );
    } else {
        outln!("{text}");
    }
    Ok(code)
}

/// Checks that the model recognizes exactly L(spec): through its compiled formula, or
/// with `--bound` by z3 on short words when it has no exact translation.
pub(crate) fn check_cmd(a: CheckArgs) -> Result<i32, Report> {
    let model = load_model(&a.model)?;
    let compiled = compile(&model);
    let Compiled {
        mut arena,
        accept,
        fragment,
        ..
    } = match (compiled, a.bound) {
        (Ok(c), _) => c,
        (Err(e), Some(n)) => return bounded_cmd(&a, &model, &e.to_string(), n as usize),
        (Err(e), None) => {
            return Err(miette!(
                help =
                    "`check --bound N` compares it with the spec on every word of length ≤ N (z3)",
                "{e}"
            ))
        }
    };
    let spec = model_spec(&mut arena, &model, &a.spec)?;
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    let acc = model.acceptance;
    let d = decide(
        &arena,
        accept,
        spec,
        &sigma,
        acc,
        Question::Equivalent,
        &a.budget,
        &a.engine,
    )?;
    let Some((word, _, spec_says)) = d.counterexample else {
        if a.json {
            let mut v = serde_json::json!({"holds": true, "counterexample": null, "fragment": fragment.name()});
            if let (Some(obj), serde_json::Value::Object(extra)) = (v.as_object_mut(), d.json) {
                obj.extend(extra);
            }
            outln!("{v}");
        } else {
            outln!(
                "holds: the model recognizes exactly L({}) ({})",
                show(&arena, spec, Syntax::Ascii),
                d.how
            );
        }
        return Ok(0);
    };
    let toks = match &word {
        Word::Letters(w) => w.clone(),
        Word::Props(_) => unreachable!("models read letters"),
    };
    // Re-check by the executor (not the compiled formula); the evaluator already agreed.
    let t = execute(&model, &toks).map_err(|e| miette!("{e}"))?;
    if t.accepted == spec_says {
        return Err(miette!(
            "internal error: the compiled model, its executor and the spec disagree on `{}`; please report this with the model",
            word.show()
        ));
    }
    let say = |b: bool| if b { "accepts" } else { "rejects" };
    if a.json {
        outln!("{}", {
            let mut v = serde_json::json!({"holds": false, "counterexample": toks, "model_accepts": t.accepted, "spec_accepts": spec_says, "fragment": fragment.name()});
            if let (Some(obj), serde_json::Value::Object(extra)) = (v.as_object_mut(), d.json) {
                obj.extend(extra);
            }
            v
        });
    } else {
        outln!(
            "does not hold: shortest counterexample `{}` (length {})",
            word.show(),
            word.len()
        );
        outln!(
            "  model {} it; spec {} {} it",
            say(t.accepted),
            show(&arena, spec, Syntax::Ascii),
            say(spec_says)
        );
        outln!("  the model's trace on it (reference executor):");
        for line in trace_table(&model, &t).lines() {
            outln!("    {line}");
        }
    }
    Ok(1)
}

pub(crate) fn realize_cmd(a: RealizeArgs) -> Result<i32, Report> {
    let mut arena = Arena::new();
    let root = formula_arg(&mut arena, &a.formula, "formula")?;
    let sigma = alphabet_for(&arena, &[root], &a.opts)?;
    if a.opts.props {
        return Err(miette!(
            "models read letters: realize works with letter alphabets, not --props"
        ));
    }
    let text = realize(&arena, root, sigma.atoms(), a.opts.accept).map_err(|e| miette!("{e}"))?;
    outln!("{}", text.trim_end());
    Ok(0)
}
