//! `classify` and `separate`: which architectures can recognize a language, with proofs.

use clap::Args;
use miette::{miette, LabeledSpan, NamedSource, Report};

use super::check::{alphabet_for, BudgetOpts};
use super::{formula_arg, show, Exit, WordOpts};
use ltlattn::automata::{formula_dfa, minimize, parse_dfa, Alphabet, Dfa};
use ltlattn::compile::compile;
use ltlattn::fragment::Fragment;
use ltlattn::fragment::{classify, Classification, Decision, Limits};
use ltlattn::logic::ParseLimits;
use ltlattn::logic::Syntax;
use ltlattn::report::{to_json, ClassifyReport, SeparateReport};

#[derive(Args, Debug)]
pub(crate) struct Source {
    /// The language as a formula (or @FILE).
    #[arg(required_unless_present_any = ["model", "dfa"])]
    formula: Option<String>,
    /// The language a model.toml recognizes.
    #[arg(long, conflicts_with_all = ["formula", "dfa"])]
    model: Option<String>,
    /// The language of a DFA file (format: grammar/dfa.md).
    #[arg(long, conflicts_with = "formula")]
    dfa: Option<String>,
    #[command(flatten)]
    opts: WordOpts,
    #[command(flatten)]
    budget: BudgetOpts,
    /// Depth bound for type searches and for verifying word families.
    #[arg(long, default_value_t = 3, value_name = "N")]
    depth: usize,
    /// Also search k-local `LTL[Y^{<=k}]` and k-hybrid `LTL[P, Y^{<=k}]` formulas (k ≥ 2).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(2..=64))]
    window: Option<u32>,
}

#[derive(Args, Debug)]
pub(crate) struct ClassifyArgs {
    #[command(flatten)]
    src: Source,
    /// Print JSON.
    #[arg(long, conflicts_with = "latex")]
    json: bool,
    /// Print a LaTeX table (for a slide or a paper).
    #[arg(long)]
    latex: bool,
}

#[derive(Args, Debug)]
pub(crate) struct SeparateArgs {
    #[command(flatten)]
    src: Source,
    /// The class to separate the language from.
    #[arg(long, value_name = "global|local|hybrid|hard")]
    from: String,
    /// Print JSON: `{"command": "separate", "holds": separated, "decision": …}`.
    #[arg(long)]
    json: bool,
}

/// The minimal DFA of the language, a name for it, and a formula that defines it (under
/// end-marker acceptance) when there is one.
type Language = (
    Dfa,
    String,
    Option<(ltlattn::logic::Arena, ltlattn::logic::NodeId)>,
);

/// A DFA file (grammar/dfa.md), with a diagnostic pointing into it when it is malformed.
pub(crate) fn read_dfa_file(path: &str) -> Result<Dfa, Report> {
    let text = super::read_input(path, "DFA file")?;
    parse_dfa(&text).map_err(|e| {
        let (source, span) = ltlattn::diag::excerpt(&text, e.span.clone());
        miette!(
            labels = vec![LabeledSpan::at(span, "here")],
            help = "see grammar/dfa.md for the format",
            "{}",
            e.message
        )
        .with_source_code(NamedSource::new(path, source))
    })
}

fn language(src: &Source, limits: ParseLimits) -> Result<Language, Report> {
    let budget = src.budget.budget()?;
    if src.opts.props {
        return Err(miette!(
            "classify works with letter alphabets (the architectures read tokens), not --props"
        ));
    }
    if let Some(path) = &src.dfa {
        let dfa = read_dfa_file(path)?;
        return Ok((minimize(&dfa), format!("the DFA in {path}"), None));
    }
    if let Some(path) = &src.model {
        let text = super::read_input(path, "model")?;
        if ltlattn::numeric::is_numeric(&text) {
            let m = super::numeric::load(path, &text)?;
            let c = ltlattn::numeric::compile_numeric(&m, &budget).map_err(Report::new)?;
            return Ok((c.dfa, format!("the numeric model {path}"), None));
        }
        let model = ltlattn::model::load_with(path, &text, limits).map_err(Report::new)?;
        let c = compile(&model).map_err(Report::new)?;
        let sigma = Alphabet::Tokens(model.alphabet.clone());
        let dfa = formula_dfa(&c.arena, c.accept, &sigma, model.acceptance, &budget)
            .map_err(Report::new)?;
        let given = (model.acceptance == ltlattn::logic::Acceptance::Eos)
            .then_some((c.arena.clone(), c.accept));
        return Ok((
            dfa,
            format!(
                "the model {path}: {}",
                show(&c.arena, c.accept, Syntax::Ascii)
            ),
            given,
        ));
    }
    let text = src.formula.as_deref().unwrap_or_default();
    let mut arena = ltlattn::logic::Arena::new();
    let root = formula_arg(&mut arena, text, "formula", limits)?;
    let sigma = alphabet_for(&arena, &[root], &src.opts)?;
    let dfa = formula_dfa(&arena, root, &sigma, src.opts.accept, &budget).map_err(Report::new)?;
    let name = show(&arena, root, Syntax::Ascii);
    let given = (src.opts.accept == ltlattn::logic::Acceptance::Eos).then_some((arena, root));
    Ok((dfa, name, given))
}

fn fragment_limits(src: &Source, parse: ParseLimits) -> Limits {
    Limits {
        depth: src.depth.min(6),
        max_printed: parse.max_size as u64,
        ..Limits::default()
    }
}

fn verdict(d: &Decision) -> &'static str {
    match (d.member, d.hypothesis) {
        (Some(true), false) => "yes",
        (Some(true), true) => "yes*",
        (Some(false), false) => "no",
        (Some(false), true) => "no*",
        (None, _) => "?",
    }
}

fn brief(d: &Decision) -> String {
    if let Some(f) = &d.formula {
        let shown: String = f.formula.chars().take(60).collect();
        let more = if f.formula.chars().count() > 60 {
            "…"
        } else {
            ""
        };
        return format!("formula (depth {}, re-checked): {shown}{more}", f.depth);
    }
    if let Some(r) = &d.refutation {
        let mut s = if r.identity.starts_with("none") {
            "not found".to_string()
        } else {
            format!("violates {}", r.identity)
        };
        if let Some(last) = r.pairs.last() {
            s.push_str(&format!("; types agree up to depth {}", last.n));
        }
        if let Some(n) = r.not_at_depth {
            s.push_str(&format!("; no formula of depth ≤ {n}"));
        }
        return s;
    }
    d.note.clone().unwrap_or_default()
}

fn words(w: &[String]) -> String {
    if w.is_empty() {
        "ε".into()
    } else {
        w.join(" ")
    }
}

fn details(key: &str, d: &Decision) -> Vec<String> {
    let mut out = vec![format!("{key}: {} — {}", verdict(d), d.basis)];
    if let Some(f) = &d.formula {
        out.push(format!("  formula: {}", f.formula));
        out.push(format!(
            "  built from: {}; equivalent to the language (checked by the explicit engine)",
            f.construction
        ));
    }
    if let Some(r) = &d.refutation {
        out.push(format!("  identity: {}", r.identity));
        for (name, w) in &r.witnesses {
            out.push(format!("    {name} = {}", words(w)));
        }
        if let Some(f) = &r.family {
            out.push(format!("  family: {f}"));
        }
        for p in &r.pairs {
            out.push(format!(
                "    depth {}: in L `{}`, not in L `{}` — same depth-{} type",
                p.n,
                words(&p.member),
                words(&p.non_member),
                p.n
            ));
        }
        if let Some(n) = r.not_at_depth {
            out.push(format!(
                "  exact type procedure: no formula of nesting depth ≤ {n} defines the language"
            ));
        }
    }
    if let Some(n) = &d.note {
        out.push(format!("  note: {n}"));
    }
    out
}

/// The classification `classify` prints (and `serve` answers), with the k-local and
/// k-hybrid rows when a window is given.
pub(crate) fn classification(
    dfa: &Dfa,
    lim: &Limits,
    given: Option<(&ltlattn::logic::Arena, ltlattn::logic::NodeId)>,
    window: Option<u32>,
) -> Classification {
    let mut c = classify(dfa, lim, given);
    if let Some(k) = window {
        let local = ltlattn::fragment::bounded_window(
            dfa,
            k,
            false,
            lim,
            given,
            c.local.member == Some(false),
        );
        let hybrid = ltlattn::fragment::bounded_window(
            dfa,
            k,
            true,
            lim,
            given,
            c.hybrid.member == Some(false),
        );
        c.windowed = Some((k, local, hybrid));
    }
    c
}

pub(crate) fn classify_cmd(a: ClassifyArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let (dfa, name, given) = language(&a.src, limits)?;
    let g = given.as_ref().map(|(f, r)| (f, *r));
    let c = classification(&dfa, &fragment_limits(&a.src, limits), g, a.src.window);
    if a.json {
        outln!("{}", to_json("classify", &ClassifyReport::new(name, &c)));
        return Ok(Exit::Yes);
    }
    if a.latex {
        outln!("% {name}");
        outln!("\\begin{{tabular}}{{lll}}");
        outln!("fragment & architecture & member \\\\ \\hline");
        for (_, frag, d) in c.rows() {
            outln!(
                "${}$ & {} & {} \\\\",
                frag.name().replace("Y^{<=", "Y^{\\leq "),
                frag.architecture().replace('&', "\\&"),
                verdict(d).replace('*', "$^*$")
            );
        }
        outln!("regular & — & yes \\\\");
        outln!("\\end{{tabular}}");
        return Ok(Exit::Yes);
    }
    outln!("language: {name}");
    outln!(
        "minimal DFA: {} states; syntactic monoid: {}",
        c.dfa_states,
        c.monoid_size
            .map_or("beyond the limit".to_string(), |m| format!("{m} elements"))
    );
    outln!("");
    let mut rows = vec![[
        "fragment".to_string(),
        "architecture".into(),
        "member".into(),
        "certificate".into(),
    ]];
    for (_, frag, d) in c.rows() {
        rows.push([
            frag.name(),
            frag.architecture()
                .split(" (")
                .next()
                .unwrap_or("")
                .to_string(),
            verdict(d).into(),
            brief(d),
        ]);
    }
    if let Some((k, l, h)) = &c.windowed {
        rows.push([
            format!("LTL[Y^{{<={k}}}]"),
            format!("{k}-local soft attention"),
            verdict(l).into(),
            brief(l),
        ]);
        rows.push([
            format!("LTL[P, Y^{{<={k}}}]"),
            format!("global + {k}-local"),
            verdict(h).into(),
            brief(h),
        ]);
    }
    rows.push([
        "regular".into(),
        "—".into(),
        "yes".into(),
        c.regular.basis.clone(),
    ]);
    let w: Vec<usize> = (0..3)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let pad = |i: usize| format!("{}{}", r[i], " ".repeat(w[i] - r[i].chars().count()));
        outln!("{}  {}  {}  {}", pad(0), pad(1), pad(2), r[3]);
    }
    let window = match (c.local.member, c.local_depth) {
        (Some(true), Some(d)) => {
            format!("1 (local attention with window 1 and {d} layer(s) of nesting suffices)")
        }
        (None, _) => "not decided (LTL[Y] is not decided above)".to_string(),
        _ => "none: no local-only model recognizes it".to_string(),
    };
    outln!("smallest window for local attention: {window}");
    outln!("(* rests on the LR ⇔ LTL[P, Y] working hypothesis, docs/SEMANTICS.md §3)");
    outln!("");
    for (key, _, d) in c.rows() {
        for line in details(key, d) {
            outln!("{line}");
        }
    }
    if let Some((k, l, h)) = &c.windowed {
        for (key, d) in [(format!("{k}-local"), l), (format!("{k}-hybrid"), h)] {
            for line in details(&key, d) {
                outln!("{line}");
            }
        }
    }
    Ok(Exit::Yes)
}

/// The class named by `separate --from` (global, local, hybrid or hard).
pub(crate) fn class_of(from: &str) -> Result<(Fragment, &'static str), Report> {
    Ok(match from {
        "global" => (Fragment::Global, "global"),
        "local" => (Fragment::Local(1), "local"),
        "hybrid" => (Fragment::Hybrid(1), "hybrid"),
        "hard" => (Fragment::Hard, "hard"),
        other => {
            return Err(miette!(
                help = "use global, local, hybrid or hard",
                "unknown class `{other}`"
            ))
        }
    })
}

/// What `separate --json` prints (and `serve` answers).
pub(crate) fn separate_report(
    (frag, key): (Fragment, &'static str),
    dfa: &Dfa,
    name: String,
    lim: &Limits,
    given: Option<(&ltlattn::logic::Arena, ltlattn::logic::NodeId)>,
) -> Result<SeparateReport, Report> {
    let c = classify(dfa, lim, given);
    let Some((_, _, d)) = c.rows().into_iter().find(|(k, _, _)| *k == key) else {
        return Err(miette!("internal error: no decision for `{key}`"));
    };
    Ok(SeparateReport {
        holds: d.member.map(|m| !m),
        language: name,
        class: key.to_string(),
        fragment: frag.name(),
        architecture: frag.architecture().to_string(),
        decision: d.into(),
    })
}

pub(crate) fn separate_cmd(a: SeparateArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let (frag, key) = class_of(&a.from)?;
    let (dfa, name, given) = language(&a.src, limits)?;
    let given = given.as_ref().map(|(f, r)| (f, *r));
    let lim = fragment_limits(&a.src, limits);
    if a.json {
        let report = separate_report((frag, key), &dfa, name, &lim, given)?;
        let separated = report.holds;
        outln!("{}", to_json("separate", &report));
        return Ok(separated.into());
    }
    let c = classify(&dfa, &lim, given);
    let Some((_, _, d)) = c.rows().into_iter().find(|(k, _, _)| *k == key) else {
        return Err(miette!("internal error: no decision for `{key}`"));
    };
    let separated = d.member.map(|m| !m);
    outln!("language: {name}");
    match separated {
        Some(true) => outln!(
            "separated: the language is not in {} ({})",
            frag.name(),
            frag.architecture()
        ),
        Some(false) => outln!(
            "not separated: the language is in {} ({})",
            frag.name(),
            frag.architecture()
        ),
        None => outln!("undecided for {}", frag.name()),
    }
    for line in details(key, d) {
        outln!("{line}");
    }
    Ok(separated.into())
}
