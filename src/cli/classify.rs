//! `classify` and `separate`: which architectures can recognize a language, with proofs.

use clap::Args;
use miette::{miette, Report};

use super::check::BudgetOpts;
use super::io::{print_budget, read_dfa_file};
use super::{formula_arg, Exit, WordOpts};
use ltlattn::fragment::blind::{blind_rows, ROW_WORDS};
use ltlattn::fragment::language::{language as language_of, Language, LanguageSource};
use ltlattn::fragment::{classify_windowed, separate, Class, Decision, Limits};
use ltlattn::logic::ParseLimits;
use ltlattn::report::{to_json, BlindReport, ClassifyReport, SeparateReport};

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
    /// Also ask, per model shape with at most L layers (global, 1-local, 1-hybrid, and with
    /// --window K the K-local and K-hybrid ones, window exactly K), for two words every such
    /// model answers alike, one in the language and one not (a blind pair, docs/SEMANTICS.md §5).
    #[arg(long, value_name = "L", value_parser = clap::value_parser!(u32).range(1..=16), conflicts_with = "latex")]
    layers: Option<u32>,
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

/// The language of `src`, made ready for the classifier by the library, and its name.
fn language(src: &Source, limits: ParseLimits) -> Result<(Language, String), Report> {
    let budget = src.budget.budget()?;
    if src.opts.props {
        return Err(miette!(
            "classify works with letter alphabets (the architectures read tokens), not --props"
        ));
    }
    let print = print_budget();
    if let Some(path) = &src.dfa {
        let dfa = read_dfa_file(path)?;
        let l = language_of(LanguageSource::Dfa(&dfa), &budget, print)?;
        return Ok((l, format!("the DFA in {path}")));
    }
    if let Some(path) = &src.model {
        let text = super::read_input(path, "model")?;
        if ltlattn::model::numeric::is_numeric(&text) {
            let m = super::numeric::load(path, &text)?;
            let l = language_of(LanguageSource::Numeric(&m), &budget, print)?;
            return Ok((l, format!("the numeric model {path}")));
        }
        let model = ltlattn::model::boolean::load_with(path, &text, limits).map_err(Report::new)?;
        let l = language_of(LanguageSource::Model(&model), &budget, print)?;
        let name = format!(
            "the model {path}: {}",
            l.shown.as_deref().unwrap_or_default()
        );
        return Ok((l, name));
    }
    let text = src.formula.as_deref().unwrap_or_default();
    let mut arena = ltlattn::logic::Arena::new();
    let root = formula_arg(&mut arena, text, "formula", limits)?;
    let alphabet = src.opts.options().alphabet(&arena, &[root])?;
    let source = LanguageSource::Formula {
        arena,
        root,
        alphabet,
        acceptance: src.opts.options().accept,
    };
    let l = language_of(source, &budget, print)?;
    let name = l.shown.clone().unwrap_or_default();
    Ok((l, name))
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

pub(crate) fn classify_cmd(a: ClassifyArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let (l, name) = language(&a.src, limits)?;
    let c = classify_windowed(
        &l.dfa,
        &fragment_limits(&a.src, limits),
        l.given(),
        a.src.window,
    );
    let blind = a.layers.map(|n| {
        blind_rows(&l.dfa, n, a.src.window, ROW_WORDS)
            .iter()
            .map(|(shape, found)| BlindReport::new(*shape, found, l.dfa.alphabet()))
            .collect::<Vec<_>>()
    });
    if a.json {
        let mut report = ClassifyReport::new(name, &c);
        report.blind = blind;
        outln!("{}", to_json("classify", &report));
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
    if let (Some(n), Some(rows)) = (a.layers, &blind) {
        outln!("");
        outln!("models with at most {n} layer(s) (no positional encoding, strict masking, any weights, widths and number format):");
        for r in rows {
            let said = match (&r.member, &r.non_member, r.checked_up_to_length) {
                (Some(u), Some(v), _) => format!(
                    "none can recognize it: `{}` (in L) and `{}` (not in L) have the same attention type at ⊣ (a blind pair)",
                    words(u),
                    words(v)
                ),
                (_, _, Some(m)) => format!(
                    "no blind pair among the words up to length {m} (which does not say a model can)"
                ),
                _ if r.separating => "no blind pair exists: with global heads, two layers type every word apart".to_string(),
                _ => String::new(),
            };
            outln!("  {:<10}  {said}", r.architecture);
        }
    }
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

pub(crate) fn separate_cmd(a: SeparateArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let class: Class = a.from.parse()?;
    let (l, name) = language(&a.src, limits)?;
    let lim = fragment_limits(&a.src, limits);
    let d = separate(class, &l.dfa, &lim, l.given());
    let report = SeparateReport::new(class, name, &d);
    let separated = report.holds;
    if a.json {
        outln!("{}", to_json("separate", &report));
        return Ok(separated.into());
    }
    let (frag, key, name) = (class.fragment(), class.key(), &report.language);
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
    for line in details(key, &d) {
        outln!("{line}");
    }
    Ok(separated.into())
}
