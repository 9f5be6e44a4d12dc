//! `compile`, `run`, `check` and `classify --model` on numeric models (real weights in
//! safetensors, docs/NUMERIC.md): loading, rendering, exit codes.

use miette::{miette, Report};

use super::io::print_budget;
use super::{read_bytes, show, Exit};
use ltlattn::automata::Budget;
use ltlattn::logic::{Acceptance, Arena, NodeId, Syntax};
use ltlattn::model::numeric::{
    architecture, beyond_range_help, compile_numeric, load_numeric, run_numeric,
    run_numeric_answer, weights_path, NumericCompiled, NumericModel, NumericTrace,
};
use ltlattn::report::numeric::NumericRunReport;
use ltlattn::report::{to_json, CheckReport, UndecidedReport};
use ltlattn::verdict::{check_numeric_spec, Options};

/// Loads a numeric model whose TOML text is `text`; the weights file is relative to it.
pub(crate) fn load(path: &str, text: &str) -> Result<NumericModel, Report> {
    let file = weights_path(path, text)
        .ok_or_else(|| miette!("the numeric model `{path}` names no weights file"))?;
    let bytes = read_bytes(&file.display().to_string(), "weights file")?;
    load_numeric(path, text, &bytes).map_err(Report::new)
}

fn header(m: &NumericModel, path: &str) -> String {
    format!(
        // The format's phrase, `fixed 5.2, nearest-even, saturate` (src/model/numeric/spelling.rs).
        "model: {} (alphabet {{{}}}, {:#}, {} layer{}, width {}, EOS acceptance{})",
        m.name.clone().unwrap_or_else(|| path.to_string()),
        m.alphabet.join(", "),
        m.format,
        m.layers.len(),
        if m.layers.len() == 1 { "" } else { "s" },
        m.width,
        if m.inclusive {
            ", inclusive masking: outside the theorems"
        } else {
            ""
        }
    )
}

fn compiled(m: &NumericModel, budget: &Budget) -> Result<NumericCompiled, Report> {
    compile_numeric(m, budget).map_err(|e| match (&e, beyond_range_help(m)) {
        (ltlattn::model::numeric::NumericCompileError::Nan(_), Some(help)) => {
            miette!(help = help, "{e}")
        }
        _ => Report::new(e),
    })
}

/// `compile --dot` on a numeric model: its minimal DFA as Graphviz DOT, the exact answer
/// at every length (no formula is looked for).
pub(crate) fn compile_dot(m: &NumericModel, budget: &Budget) -> Result<Exit, Report> {
    let c = compiled(m, budget)?;
    outln!("{}", c.dfa.to_dot().trim_end());
    Ok(Exit::Yes)
}

/// The largest DFA whose table `compile` prints when it has no formula.
const SHOWN_DFA_STATES: usize = 1000;

/// `compile` on a numeric model.
pub(crate) fn compile_cmd(
    path: &str,
    m: &NumericModel,
    budget: &Budget,
    json: bool,
    syntax: Syntax,
) -> Result<Exit, Report> {
    let c = compiled(m, budget)?;
    let answer = ltlattn::report::numeric::compile(m, &c, budget, print_budget());
    let exit = answer.exit();
    let report = &answer.report;
    if json {
        outln!("{}", to_json("compile", report));
        return Ok(exit);
    }
    let shown = answer.formula.as_ref().map(|(f, a)| show(f, *a, syntax));
    let construction = report.formula_construction.clone();
    outln!("{}", header(m, path));
    let r = &m.rounding;
    outln!(
        "weights: {} read, {} changed when rounded into the format{}",
        r.weights,
        r.changed,
        r.largest_at
            .as_ref()
            .map(|at| format!(" (largest change {} at {at})", r.largest_change))
            .unwrap_or_default()
    );
    if let Some(beyond) = beyond_range_help(m) {
        outln!("{beyond}");
    }
    outln!(
        "fragment: {} — {}{}",
        c.fragment.name(),
        c.fragment.architecture(),
        if c.inclusive {
            " (but inclusive masking lies outside the theorems)"
        } else {
            ""
        }
    );
    match (&shown, &construction) {
        (Some(f), Some(construction)) => {
            outln!("accepts: {f}");
            outln!(
                "  (exact at every length: {construction}; equivalent to the model's minimal DFA by the explicit engine)"
            );
        }
        _ => match report.formula_note.as_deref() {
            Some(note) => outln!("accepts: {note}"),
            None => outln!("accepts: no formula found within the classifier's limits; the minimal DFA below is exact"),
        },
    }
    if let Some(note) = c
        .dfa
        .language_kind()
        .note("the model", Acceptance::Eos, false)
    {
        outln!("{note}");
    }
    outln!(
        "minimal DFA: {} ({} abstract states explored; types per layer: {}; the format's count cap {})",
        ltlattn::report::counted(c.dfa.states(), "state"),
        c.explored,
        c.types
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        c.count_cap
            .map_or("beyond 2^62".to_string(), |x| x.to_string())
    );
    if c.stages.len() > 1 {
        // Layer by layer: each layer explored on the minimized layers below it.
        let per_layer: Vec<String> = c
            .stages
            .iter()
            .map(|s| format!("layer {}: {} → {}", s.layer, s.explored, s.states))
            .collect();
        outln!(
            "explored layer by layer (abstract states → after minimizing): {}",
            per_layer.join("; ")
        );
    }
    if shown.is_none() {
        if c.dfa.states() <= SHOWN_DFA_STATES {
            outln!("{}", c.dfa.to_text().trim_end());
        } else {
            outln!("(its table is printed up to {SHOWN_DFA_STATES} states)");
        }
    }
    outln!("");
    outln!("layer  head  range        key types  score classes  count cap (head)");
    for h in &c.heads {
        outln!(
            "{:<5}  {:<4}  {:<11}  {:<9}  {:<13}  {}",
            h.layer,
            h.head,
            match h.window {
                Some(k) => format!("local {k}"),
                None => "global".into(),
            },
            h.key_types,
            h.score_classes,
            h.count_cap.map_or("—".into(), |x| x.to_string())
        );
    }
    if c.heads.iter().any(|h| h.count_cap.is_some()) {
        outln!("(count cap: from that many keys of one class on, a head's α are all 0, so counting stops there; the head's cap is what its scores need, at most the format's)");
    }
    Ok(exit)
}

fn trace_lines(t: &NumericTrace) -> Vec<String> {
    let mut out = Vec::new();
    for (l, layer) in t.vectors.iter().enumerate() {
        let what = if l == 0 {
            "embedding".to_string()
        } else {
            format!("after layer {}", l - 1)
        };
        out.push(format!("{what}:"));
        for (i, v) in layer.iter().enumerate() {
            let vals: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            out.push(format!(
                "  {:>3} {:<6} [{}]",
                i + 1,
                t.columns[i],
                vals.join(", ")
            ));
        }
        if let Some(heads) = t.alphas.get(l) {
            for (h, rows) in heads.iter().enumerate() {
                out.push(format!(
                    "  layer {l} head {h}: α per query (key position: α)"
                ));
                for (i, row) in rows.iter().enumerate() {
                    let cells: Vec<String> =
                        row.iter().map(|(j, a)| format!("{}: {a}", j + 1)).collect();
                    out.push(format!("    {:>3} {}", i + 1, cells.join("  ")));
                }
            }
        }
    }
    out.push(format!("logit at ⊣: {}", t.logit));
    out
}

/// `run` on a numeric model.
pub(crate) fn run_cmd(
    m: &NumericModel,
    word: &str,
    trace: bool,
    json: bool,
) -> Result<Exit, Report> {
    let toks: Vec<String> = word.split_whitespace().map(String::from).collect();
    // The answer alone needs no trace: the executor that counts equal keys once (a word
    // of 14,000 letters in a fraction of a second). An error is reported by the traced
    // run below, which names the first step in position order.
    if !json && !trace {
        if let Ok((_, accepted)) = run_numeric_answer(m, &toks) {
            outln!("{}", if accepted { "accepted" } else { "rejected" });
            return Ok(accepted.into());
        }
    }
    let t = run_numeric(m, &toks).map_err(|e| match (&e, beyond_range_help(m)) {
        (ltlattn::model::numeric::RunError::Nan(_), Some(help)) => miette!(help = help, "{e}"),
        _ => Report::new(e),
    })?;
    if json {
        outln!("{}", to_json("run", &NumericRunReport::new(&t)));
    } else {
        if trace {
            for line in trace_lines(&t) {
                outln!("{line}");
            }
        }
        outln!("{}", if t.accepted { "accepted" } else { "rejected" });
    }
    Ok(t.accepted.into())
}

/// `check` on a numeric model.
pub(crate) fn check_cmd(
    m: &NumericModel,
    arena: &Arena,
    spec: NodeId,
    opts: &Options,
    json: bool,
) -> Result<Exit, Report> {
    let r = match check_numeric_spec(m, arena, spec, opts) {
        Ok(r) => r,
        Err(e) => {
            if let (true, Some(n)) = (json, e.checked_up_to_length()) {
                let report = UndecidedReport::new(&e, n, architecture(m).name());
                outln!("{}", to_json("check", &report));
            }
            return Err(Report::new(e));
        }
    };
    let v = &r.verdict;
    if json {
        outln!(
            "{}",
            to_json("check", &CheckReport::new(v, architecture(m).name()))
        );
        return Ok(v.holds().into());
    }
    let spec_text = show(arena, spec, Syntax::Ascii);
    match (&v.counterexample, &r.trace) {
        (Some(cex), t) => {
            let say = |b: bool| if b { "accepts" } else { "rejects" };
            if v.shortest() == Some(false) {
                outln!(
                    "does not hold: counterexample `{}` (length {}; not known to be shortest)",
                    cex.word.show(),
                    cex.word.len()
                );
                outln!("  ({})", v.engine.describe());
            } else {
                outln!(
                    "does not hold: shortest counterexample `{}` (length {})",
                    cex.word.show(),
                    cex.word.len()
                );
            }
            let logit = r.logit.as_ref().map(|l| format!(" (logit {l})"));
            outln!(
                "  model {} it{}; spec {spec_text} {} it",
                say(cex.first),
                logit.unwrap_or_default(),
                say(cex.second)
            );
            match t {
                Some(t) => {
                    outln!("  the exact executor's run on it:");
                    for line in trace_lines(t) {
                        outln!("    {line}");
                    }
                }
                // A word too long for a trace (ltlattn::verdict::TRACE_LETTERS).
                None => outln!(
                    "  (the exact executor's run on it is left out: {} letters; `ltlattn run --trace` prints it, in time and memory that grow with the square of the length)",
                    cex.word.len()
                ),
            }
        }
        _ => outln!(
            "holds: the model recognizes exactly L({spec_text}) at every length ({}{})",
            v.engine.describe(),
            r.compiled
                .as_ref()
                .map(|c| format!("; the model's minimal DFA has {} states", c.dfa.states()))
                .unwrap_or_default()
        ),
    }
    Ok(v.holds().into())
}
