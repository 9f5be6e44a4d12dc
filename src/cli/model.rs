//! `compile`, `run`, `check` and `realize`: transformer descriptions on the command line.

use std::path::Path;

use clap::Args;
use miette::{miette, Report};

use super::check::{alphabet_for, BudgetOpts};
use super::{formula_arg, WordOpts};
use crate::automata::{compare, formula_dfa, Alphabet, Question};
use crate::compile::{compile, realize, Compiled};
use crate::logic::{evaluate, print, Acceptance, Arena, Syntax, Word};
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
    /// Write the model to this file (written whole or not at all) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
}

pub(crate) fn load_model(path: &str) -> Result<Model, Report> {
    let bytes = std::fs::read(path).map_err(|e| miette!("cannot read the model `{path}`: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        miette!(
            help = "model.toml is UTF-8 text",
            "`{path}` is not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
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

pub(crate) fn compile_cmd(a: CompileArgs) -> Result<i32, Report> {
    let model = load_model(&a.model)?;
    let c = compile(&model);
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
                    serde_json::json!({"layer": f.layer, "made_by": f.made_by, "formula": print(&c.arena, f.formula, Syntax::Ascii)}),
                )
            })
            .collect();
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "accept": print(&c.arena, c.accept, Syntax::Ascii),
                "fragment": c.fragment.name(),
                "architecture": c.fragment.architecture(),
                "acceptance": model.acceptance,
                "alphabet": model.alphabet,
                "features": features,
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
                print(&c.arena, f.formula, Syntax::Latex)
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
    outln!("accepts: {}", print(&c.arena, c.accept, syntax));
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
            print(&c.arena, f.formula, syntax),
        ]);
    }
    outln!("{}", table(&rows).trim_end());
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

/// Checks that `c` (compiled from `model`) recognizes exactly L(spec).
pub(crate) fn check_cmd(a: CheckArgs) -> Result<i32, Report> {
    let model = load_model(&a.model)?;
    let Compiled {
        mut arena,
        accept,
        fragment,
        ..
    } = compile(&model);
    let spec = formula_arg(&mut arena, &a.spec, "spec")?;
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
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    let budget = a.budget.budget()?;
    let acc = model.acceptance;
    let dm = formula_dfa(&arena, accept, &sigma, acc, &budget).map_err(Report::new)?;
    let ds = formula_dfa(&arena, spec, &sigma, acc, &budget).map_err(Report::new)?;
    let ans = compare(&dm, &ds, Question::Equivalent, &budget).map_err(Report::new)?;
    let Some(letters) = ans.counterexample else {
        if a.json {
            outln!(
                "{}",
                serde_json::json!({"holds": true, "counterexample": null, "fragment": fragment.name(), "states_explored": ans.states_explored, "engine": "explicit"})
            );
        } else {
            outln!(
                "holds: the model recognizes exactly L({}) (explicit engine: {} product states explored; minimal DFAs with {} and {} states)",
                print(&arena, spec, Syntax::Ascii),
                ans.states_explored,
                dm.states,
                ds.states
            );
        }
        return Ok(0);
    };
    let word = sigma.word(&letters);
    let toks = match &word {
        Word::Letters(w) => w.clone(),
        Word::Props(_) => unreachable!("models read letters"),
    };
    // Re-check by the two references: the executor (not the compiled formula) and the evaluator.
    let t = execute(&model, &toks).map_err(|e| miette!("{e}"))?;
    let spec_says = evaluate(&arena, spec, &word, acc);
    if t.accepted == spec_says || t.accepted != dm.accepts(&letters) {
        return Err(miette!(
            "internal error: the compiled model, its executor and the spec disagree on `{}`; please report this with the model",
            word.show()
        ));
    }
    let say = |b: bool| if b { "accepts" } else { "rejects" };
    if a.json {
        outln!(
            "{}",
            serde_json::json!({"holds": false, "counterexample": toks, "model_accepts": t.accepted, "spec_accepts": spec_says, "fragment": fragment.name(), "states_explored": ans.states_explored, "engine": "explicit"})
        );
    } else {
        outln!(
            "does not hold: shortest counterexample `{}` (length {})",
            word.show(),
            word.len()
        );
        outln!(
            "  model {} it; spec {} {} it",
            say(t.accepted),
            print(&arena, spec, Syntax::Ascii),
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
    match a.output {
        None => outln!("{}", text.trim_end()),
        Some(path) => {
            if a.formula
                .strip_prefix('@')
                .is_some_and(|input| same_file(input, &path))
            {
                return Err(miette!(
                    "refusing to write the model over its input `{path}`"
                ));
            }
            write_whole(&path, &text)?;
        }
    }
    Ok(0)
}

fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it, then a rename.
pub(crate) fn write_whole(path: &str, text: &str) -> Result<(), Report> {
    let target = Path::new(path);
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.ltlattn-tmp-{}",
        target.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    std::fs::write(&tmp, text).map_err(|e| miette!("cannot write `{}`: {e}", tmp.display()))?;
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        miette!("cannot write `{path}`: {e}")
    })
}
