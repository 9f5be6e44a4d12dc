//! RESULTS.md and the SVG plots, regenerated from the manifest alone (so `decide` can
//! rewrite them after re-judging the saved models).

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;

use crate::judge::Verdict;
use crate::langs::Cell;
use crate::{Manifest, Record, ARCHS, BUCKETS};

/// Per-bucket accuracies as `a/b/c/d` percentages (`—`: no word in the bucket).
pub fn pcts(x: &[Option<f64>]) -> String {
    x.iter().map(pct).collect::<Vec<_>>().join(" / ")
}

fn pct(x: &Option<f64>) -> String {
    x.map_or("—".into(), |x| format!("{:.1}", 100.0 * x))
}

/// A verdict in a table cell.
pub fn verdict_text(v: &Option<Verdict>) -> String {
    match v {
        None => "not decided".into(),
        Some(Verdict::Proved) => "**proved equal at every length**".into(),
        Some(Verdict::Counterexample {
            word,
            length,
            model_says,
            shortest,
            checked_up_to_length,
            ..
        }) => {
            let w: String = if word.is_empty() {
                "ε".into()
            } else {
                word.concat()
            };
            let w = if w.chars().count() > 24 {
                format!("{}…", w.chars().take(24).collect::<String>())
            } else {
                w
            };
            let length = match (shortest, checked_up_to_length) {
                (Some(false), Some(n)) => {
                    format!("{length}, shortest between {} and {length}", n + 1)
                }
                (Some(false), None) => format!("{length}, not known to be shortest"),
                _ => length.to_string(),
            };
            format!(
                "counterexample `{w}` (length {length}; the model {})",
                if *model_says { "accepts" } else { "rejects" }
            )
        }
        Some(Verdict::Budget {
            message,
            checked_up_to_length,
            ..
        }) => match checked_up_to_length {
            Some(n) => format!("budget ({message}; no counterexample up to length {n})"),
            None => format!("budget ({message})"),
        },
    }
}

/// Every cell of the proofs table: (language name, architecture) → what the tool says a
/// model of the architecture can do with the language.
pub type Cells = BTreeMap<(String, String), crate::langs::Cell>;

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = xs.collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Mean over the buckets that have words.
fn overall(acc: &[Option<f64>]) -> Option<f64> {
    mean(acc.iter().flatten().copied())
}

/// Writes RESULTS.md at `out` and the plots beside it (`plots/`).
pub fn write(
    m: &Manifest,
    manifest_path: &Path,
    out: &Path,
    decide_secs: f64,
    timeout: f64,
    alone: crate::Rerun,
    cells: &Cells,
) -> Result<(), String> {
    // The models `run` trained; the ones `repair` made from them have their own section
    // and their own count in the proofs table.
    let repaired: Vec<&Record> = m.models.iter().filter(|r| r.repair.is_some()).collect();
    let originals = Manifest {
        models: m
            .models
            .iter()
            .filter(|r| r.repair.is_none())
            .cloned()
            .collect(),
        ..m.clone()
    };
    let m = &originals;
    let plots = out.parent().unwrap_or(Path::new(".")).join("plots");
    std::fs::create_dir_all(&plots).map_err(|e| e.to_string())?;
    let nb = BUCKETS
        .iter()
        .filter(|(lo, _)| *lo <= m.plan.test_max)
        .count();
    let heads: Vec<String> = BUCKETS[..nb]
        .iter()
        .map(|(lo, hi)| format!("{lo}–{}", (*hi).min(m.plan.test_max)))
        .collect();
    let archs: Vec<&str> = ARCHS
        .iter()
        .copied()
        .filter(|a| m.models.iter().any(|r| r.architecture == *a))
        .collect();
    let formats: Vec<String> = {
        let mut f: Vec<String> = m.models.iter().map(|r| r.format.to_string()).collect();
        f.dedup();
        f.sort();
        f.dedup();
        f
    };
    let seeds = m.models.iter().map(|r| r.seed).max().unwrap_or(0);
    let mut md = String::new();
    md.push_str(
        "# Results: tiny transformers trained in the exact arithmetic, judged at every length\n\n",
    );
    if m.quick {
        md.push_str("> **This is a `--quick` run** (fewer examples, epochs and seeds, shorter test words), checked in because the full run did not finish in the time available. The full run is `cargo run --release -p ltlattn-experiments -- run`.\n\n");
    }
    md.push_str(&format!(
        "Generated from `{}` by `cargo run --release -p ltlattn-experiments -- {}` (verdicts: {}; at most {timeout:.0} s per verdict{}; training took {:.0} s). \
Every model: two layers of two heads (global, local-k or one of each), width 8, head width 4, a ReLU feed-forward block of width 8, NoPE, strict masking, classifier at ⊣; \
{} training examples of lengths 0–40 (FLaRe's sampling, `ltlattn::sample`), {} epochs of float AdamW (the **float** baseline), then {} epochs of **quantization-aware training (QAT)** from the float weights, \
whose forward pass computes exactly what `ltlattn`'s executor computes in the format (docs/NUMERIC.md §2; straight-through gradients). \
Formats: {}; {} seed(s).\n\n\
Columns, each per test-length bucket ({} test examples of lengths 0–{}): *float*: the float network; *rounded*: the float network's weights rounded into the format afterwards (the old pipeline); \
*QAT*: the quantization-aware network's own answers; *exact*: the saved model run by `ltlattn::numeric::run_numeric` (test words up to length {} only — the executor is exact, not fast). \
*verdict*: the library compares the saved model's language with the target at every length: proved equal, or the shortest counterexample (re-run by the exact executor), or the budget that stopped it.\n\n",
        manifest_path.display(),
        if m.quick { "run --quick" } else { "run" },
        if alone.judged == 0 {
            format!(
                "the manifest's {}, from earlier `decide`/`repair` passes; `report` rewrote this file and judged none",
                alone.total
            )
        } else if alone.judged < alone.total {
            format!(
                "`decide`, {decide_secs:.0} s for {} of {} models (the models `repair` made; the others' verdicts are the manifest's, from an earlier pass)",
                alone.judged, alone.total
            )
        } else {
            format!("`decide`, {decide_secs:.0} s for {} models", alone.total)
        },
        if alone.tried == 0 {
            String::new()
        } else {
            format!(
                "; {} model(s) the clock left undecided in the parallel pass ({} jobs) were re-run one at a time with the same budget, and {} of them decided (a model whose compilation and proof state limits stopped is not re-run: alone the same limits stop them, and only the search before them may get further)",
                alone.tried, alone.jobs, alone.decided
            )
        },
        m.train_wall_secs,
        m.plan.train,
        m.plan.epochs,
        m.plan.qat_epochs,
        formats.join(", "),
        seeds,
        m.plan.test,
        m.plan.test_max,
        m.plan.exact_max,
    ));
    md.push_str("## The languages, as the classifier labels them\n\nThe class is `ltlattn::fragment::classify`'s answer at run time, with the certificates that place the language there (a formula re-checked for equivalence, or a violated identity; `*`: rests on the LR ⇔ LTL[P,Y] working hypothesis). The run stops if a class differs from the one the language was chosen for, or if two rows over the same alphabet are the same language (checked with the equivalence checker).\n\n| language | alphabet | spec | class | certificate |\n|---|---|---|---|---|\n");
    for l in &m.languages {
        let spec = if l.spec.starts_with("dfa:") {
            "a 2-state DFA (manifest)".to_string()
        } else {
            format!("`{}`", l.spec)
        };
        md.push_str(&format!(
            "| {} | {{{}}} | {spec} | {} | {} |\n",
            cell(&l.name),
            l.alphabet.join(","),
            l.class,
            l.certificate.replace('|', "\\|")
        ));
    }
    md.push('\n');
    // Exactness: training and judging compute the same function.
    let worst = m
        .models
        .iter()
        .map(|r| {
            (
                100.0 * r.exact_disagreements as f64 / r.exact_words.max(1) as f64,
                r,
            )
        })
        .fold(None::<(f64, &Record)>, |a, b| match a {
            Some(a) if a.0 >= b.0 => Some(a),
            _ => Some(b),
        });
    let changed: usize = m.models.iter().map(|r| r.rounded_changed).sum();
    let disagreements: usize = m.models.iter().map(|r| r.exact_disagreements).sum();
    let words: usize = m.models.iter().map(|r| r.exact_words).sum();
    md.push_str(&format!(
        "## Training computes what is judged\n\nWeights the loader changed by rounding, over all {} models: **{changed}** (QAT saves values of the format). \
The trained network and the exact executor disagree on **{disagreements} of {words}** (model, test word) pairs; the largest gap for one model is {:.2} points{}.\n\n",
        m.models.len(),
        worst.map_or(0.0, |w| w.0),
        worst
            .filter(|w| w.0 > 0.0)
            .map_or(String::new(), |(_, r)| format!(" ({} {} {} s{})", r.language, r.architecture, r.format, r.seed)),
    ));
    // Per-language tables.
    md.push_str("## Every model\n\n");
    for l in &m.languages {
        md.push_str(&format!("### {} ({})\n\n", l.name, l.class));
        md.push_str(&format!(
            "| arch | format | seed | float {h} | rounded {h} | QAT {h} | exact {h} | verdict |\n|---|---|---|---|---|---|---|---|\n",
            h = heads.join(" / ")
        ));
        for r in m.models.iter().filter(|r| r.language == l.name) {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.architecture,
                r.format,
                r.seed,
                pcts(&r.float_acc[..nb]),
                pcts(&r.float_rounded_acc[..nb]),
                pcts(&r.qat_acc[..nb]),
                pcts(&r.exact_acc[..nb]),
                verdict_text(&r.verdict)
            ));
        }
        md.push('\n');
    }
    // Proved at every length.
    md.push_str("## Proved equal at every length, by language and architecture\n\nModels proved / models trained (all formats and seeds). Every cell is the tool's decision, made at run time, of what a model of the architecture's shape (two layers, its heads, NoPE, strict masking) can do with the language:\n\n- **bold**: the architecture's fragment contains the language, by the classifier's formula (re-checked), which two layers of these heads compute: a proof is possible, and the target is at least one proved model in every bold cell;\n- plain: the fragment does not contain it (the classifier's certificate, column *class* above); a proof there stops the run (the theory as a test);\n- ✗: no model of the shape recognizes it, whatever its weights, width or number format: two words, one in the language and one not, have the same two-layer attention type at ⊣ (a *blind pair*, `ltlattn::fragment::blind`; docs/SEMANTICS.md §5), so every such model answers them alike. The run re-checks each pair by running both words through the exact executor on every model of the cell (equal logits), and stops if one of them is proved;\n- ?: open: the language is in LTL[Y] or LTL[P,Y], but the window k ≥ 2 gives a fragment inside it whose membership the classifier cannot decide (docs/SEMANTICS.md §3), and no blind pair was found.\n\n| language | class |");
    for a in &archs {
        md.push_str(&format!(" {a} |"));
    }
    md.push_str("\n|---|---|");
    md.push_str(&"---|".repeat(archs.len()));
    md.push('\n');
    let (mut targets, mut met, mut met_repaired) = (0, 0, 0);
    // The target cells without a proof: how their models fail.
    let mut unproved: Vec<String> = Vec::new();
    let (mut blind, mut open): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for l in &m.languages {
        md.push_str(&format!("| {} | {} |", cell(&l.name), l.class));
        for a in &archs {
            let rs: Vec<&Record> = m
                .models
                .iter()
                .filter(|r| r.language == l.name && r.architecture == *a)
                .collect();
            let p = rs
                .iter()
                .filter(|r| r.verdict == Some(Verdict::Proved))
                .count();
            let fixed: Vec<&&Record> = repaired
                .iter()
                .filter(|r| r.language == l.name && r.architecture == *a)
                .collect();
            let pf = fixed
                .iter()
                .filter(|r| r.verdict == Some(Verdict::Proved))
                .count();
            let count = if fixed.is_empty() {
                format!("{p}/{}", rs.len())
            } else {
                format!("{p}/{} + {pf}/{} repaired", rs.len(), fixed.len())
            };
            match cells.get(&(l.name.clone(), a.to_string())) {
                Some(Cell::Target(_)) => {
                    targets += 1;
                    met += usize::from(p > 0);
                    met_repaired += usize::from(p == 0 && pf > 0);
                    md.push_str(&format!(" **{count}** |"));
                    if p + pf == 0 {
                        unproved.push(format!("- {}, {a}: {}", l.name, failures(&rs)));
                    }
                }
                Some(Cell::Blind { member, non_member }) => {
                    md.push_str(&format!(" {count} ✗ |"));
                    blind.push(format!(
                        "- {}, {a}: `{}` (in) and `{}` (out); {} models re-run, equal logits",
                        l.name,
                        member.join(" "),
                        non_member.join(" "),
                        rs.len()
                    ));
                }
                Some(Cell::Open(why)) => {
                    md.push_str(&format!(" {count} ? |"));
                    open.push(format!("- {}, {a}: {why}", l.name));
                }
                Some(Cell::Outside(_)) | None => md.push_str(&format!(" {count} |")),
            }
        }
        md.push('\n');
    }
    md.push_str(&format!(
        "\nTarget cells with at least one proof: **{met} of {targets}** as trained{}.\n\n",
        if repaired.is_empty() {
            String::new()
        } else {
            format!(
                ", **{} of {targets}** with the repaired models (*+ p/n repaired*: `repair`, below)",
                met + met_repaired
            )
        }
    ));
    if !blind.is_empty() {
        md.push_str(&format!("No two-layer model of the architecture can recognize the language in {} cells (✗), by these blind pairs (the shortest for each cell; `in`: the word the language holds):\n\n", blind.len()));
        md.push_str(&blind.join("\n"));
        md.push_str("\n\n");
    }
    if !open.is_empty() {
        md.push_str(&format!("Open cells (?), {}:\n\n", open.len()));
        md.push_str(&open.join("\n"));
        md.push_str("\n\n");
    }
    if !unproved.is_empty() {
        md.push_str("Where training found no model the tool proves, the verdicts say how the models fail (counterexample lengths, `*`: found past the search, not known to be shortest; the shortest word, and the model's answer on it):

");
        md.push_str(&unproved.join("\n"));
        md.push_str("\n\n");
    }
    md.push_str("Proofs by format: ");
    let by_format: Vec<String> = formats
        .iter()
        .map(|f| {
            let rs: Vec<&Record> = m
                .models
                .iter()
                .filter(|r| r.format.to_string() == *f)
                .collect();
            let p = rs
                .iter()
                .filter(|r| r.verdict == Some(Verdict::Proved))
                .count();
            let c = rs
                .iter()
                .filter(|r| matches!(r.verdict, Some(Verdict::Counterexample { .. })))
                .count();
            let b = rs
                .iter()
                .filter(|r| matches!(r.verdict, Some(Verdict::Budget { .. })))
                .count();
            format!(
                "{f}: {p} proved, {c} counterexamples, {b} budget stops of {}",
                rs.len()
            )
        })
        .collect();
    md.push_str(&by_format.join("; "));
    md.push_str(".\n\n");
    // Counterexample lengths.
    if !repaired.is_empty() {
        md.push_str(&repair_section(&repaired, m));
    }
    md.push_str("## Shortest counterexamples, by architecture\n\n| arch | proved | counterexamples | budget | lengths 1 / 2 / 3 / 4–5 / 6–10 / 11–50 / >50 (ε counts as 1) | median | longest |\n|---|---|---|---|---|---|---|\n");
    let mut lengths: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for a in &archs {
        let rs: Vec<&Record> = m.models.iter().filter(|r| r.architecture == *a).collect();
        // Only shortest counterexamples: the others are listed below the table.
        let mut ls: Vec<usize> = rs
            .iter()
            .filter_map(|r| match &r.verdict {
                Some(Verdict::Counterexample {
                    length,
                    shortest: None | Some(true),
                    ..
                }) => Some(*length),
                _ => None,
            })
            .collect();
        let found_past = rs
            .iter()
            .filter(|r| {
                matches!(
                    r.verdict,
                    Some(Verdict::Counterexample {
                        shortest: Some(false),
                        ..
                    })
                )
            })
            .count();
        ls.sort();
        let bins = [
            (0, 1),
            (2, 2),
            (3, 3),
            (4, 5),
            (6, 10),
            (11, 50),
            (51, usize::MAX),
        ];
        let counts: Vec<String> = bins
            .iter()
            .map(|(lo, hi)| {
                ls.iter()
                    .filter(|l| (*lo..=*hi).contains(*l))
                    .count()
                    .to_string()
            })
            .collect();
        md.push_str(&format!(
            "| {a} | {} | {} | {} | {} | {} | {} |\n",
            rs.iter()
                .filter(|r| r.verdict == Some(Verdict::Proved))
                .count(),
            ls.len() + found_past,
            rs.iter()
                .filter(|r| matches!(r.verdict, Some(Verdict::Budget { .. })))
                .count(),
            counts.join(" / "),
            ls.get(ls.len() / 2).map_or("—".into(), |x| x.to_string()),
            ls.last().map_or("—".into(), |x| x.to_string()),
        ));
        lengths.insert(a, ls);
    }
    // Counterexamples found past the search, not known to be shortest: apart from the
    // lengths above (and from the plot).
    let past: Vec<String> = m
        .models
        .iter()
        .filter_map(|r| match &r.verdict {
            Some(Verdict::Counterexample {
                length,
                shortest: Some(false),
                checked_up_to_length,
                ..
            }) => Some(format!(
                "{} ({}): length {length}{}",
                r.model.trim_end_matches("/model.toml"),
                r.architecture,
                checked_up_to_length
                    .map(|n| format!(" (shortest between {} and {length})", n + 1))
                    .unwrap_or_default()
            )),
            _ => None,
        })
        .collect();
    if !past.is_empty() {
        md.push_str(&format!(
            "\nThe counterexamples column also counts {} found by testing words past the breadth-first search, not known to be shortest and left out of the lengths: {}.\n",
            past.len(),
            past.join("; ")
        ));
    }
    md.push_str("\n![accuracy by length bucket](plots/accuracy.svg)\n\n![shortest counterexample lengths](plots/counterexamples.svg)\n\n");
    // The seed's claim.
    md.push_str("## The claim that hybrids beat global-only models\n\n");
    md.push_str(&claim(m, &archs));
    std::fs::write(out, md).map_err(|e| format!("{}: {e}", out.display()))?;
    accuracy_plot(m, &archs, nb, &heads, &plots.join("accuracy.svg"))?;
    lengths_plot(&lengths, &plots.join("counterexamples.svg"))?;
    eprintln!("wrote {} and {}", out.display(), plots.display());
    Ok(())
}

/// The generated comparison: mean QAT accuracy, proofs, over all languages and over the
/// languages only hybrids can recognize.
fn claim(m: &Manifest, archs: &[&str]) -> String {
    let stat = |pred: &dyn Fn(&Record) -> bool| {
        let rs: Vec<&Record> = m.models.iter().filter(|r| pred(r)).collect();
        let acc = mean(rs.iter().filter_map(|r| overall(&r.qat_acc)));
        let p = rs
            .iter()
            .filter(|r| r.verdict == Some(Verdict::Proved))
            .count();
        (acc, p, rs.len())
    };
    let hybrid_only = crate::langs::Class::HybridOnly.name();
    let mut s = String::from("The seed's claim: trained hybrids (global + local heads) beat global-only models. Mean QAT accuracy over the length buckets, and models proved equal to their target at every length:\n\n| arch | all languages: accuracy | proved | LTL[P,Y]-only languages: accuracy | proved |\n|---|---|---|---|---|\n");
    let mut rows = Vec::new();
    for a in archs {
        let all = stat(&|r: &Record| r.architecture == *a);
        let hy = stat(&|r: &Record| {
            r.architecture == *a
                && m.languages
                    .iter()
                    .any(|l| l.name == r.language && l.class == hybrid_only)
        });
        s.push_str(&format!(
            "| {a} | {} | {}/{} | {} | {}/{} |\n",
            pct(&all.0),
            all.1,
            all.2,
            pct(&hy.0),
            hy.1,
            hy.2
        ));
        rows.push((a.to_string(), all, hy));
    }
    let g = rows.iter().find(|r| r.0 == "global");
    let best_h = rows
        .iter()
        .filter(|r| r.0.starts_with("hybrid"))
        .max_by(|a, b| {
            a.1 .0
                .partial_cmp(&b.1 .0)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    if let (Some(g), Some(h)) = (g, best_h) {
        let better_acc = h.1 .0 > g.1 .0;
        let proofs = match h.1 .1.cmp(&g.1 .1) {
            std::cmp::Ordering::Greater => "they agree",
            std::cmp::Ordering::Equal => "neither is ahead",
            std::cmp::Ordering::Less => "they do not",
        };
        let undecided = m
            .models
            .iter()
            .filter(|r| r.architecture == "global" || r.architecture.starts_with("hybrid"))
            .filter(|r| matches!(r.verdict, Some(Verdict::Budget { .. })))
            .count();
        let with_global = m
            .models
            .iter()
            .filter(|r| r.architecture == "global" || r.architecture.starts_with("hybrid"))
            .count();
        s.push_str(&format!(
            "\nOn accuracy the trained models {} the claim: the best hybrid ({}) averages {} against global's {}. \
On proofs, the stronger evidence, {}: {} hybrid models of {} are proved against {} global of {}. \
On the languages outside LTL[P] and LTL[Y] (where the theory says only hybrids can succeed), the best hybrid is proved {} time(s) and global {} time(s){}.\n",
            if better_acc { "agree with" } else { "do not support" },
            h.0,
            pct(&h.1 .0),
            pct(&g.1 .0),
            proofs,
            h.1 .1,
            h.1 .2,
            g.1 .1,
            g.1 .2,
            h.2 .1,
            g.2 .1,
            if h.2 .1 == 0 {
                "; no hybrid was proved correct on them, so where the claim rests on these languages it is supported by accuracy on sampled words only, not by a proof"
            } else {
                ""
            }
        ));
        s.push_str(&format!(
            "\n{undecided} of the {with_global} models with a global head have no verdict within the per-model budget (the verdict engine's current limit on global heads, not a property of the models): until they are decided, the comparison on proofs is open, and `decide` re-judges them from the manifest.\n"
        ));
    }
    s
}

/// The models `repair` made: where from, the counterexamples of each round, the verdict.
fn repair_section(repaired: &[&Record], originals: &Manifest) -> String {
    let Some(first) = repaired.first().and_then(|r| r.repair.as_ref()) else {
        return String::new();
    };
    let proved = repaired
        .iter()
        .filter(|r| r.verdict == Some(Verdict::Proved))
        .count();
    let before = mean(repaired.iter().filter_map(|r| {
        let from = &r.repair.as_ref()?.from;
        let o = originals.models.iter().find(|o| &o.model == from)?;
        overall(&o.qat_acc)
    }));
    let after = mean(repaired.iter().filter_map(|r| overall(&r.qat_acc)));
    let unrefuted = repaired
        .iter()
        .filter(|r| matches!(r.verdict, Some(Verdict::Budget { .. })))
        .count();
    let mut s = format!(
        "## Counterexample-guided repair\n\n`cargo run --release -p ltlattn-experiments -- repair`: every refuted model of a target cell is fine-tuned, quantization-aware in its own format, on its training words plus each counterexample found so far ({} times each, {} epoch(s) per round), and decided again (within the seconds the table gives); the rounds stop at a proof, at a verdict that is not a counterexample (a budget stop), or after the last round, and the model is then decided as every other (60 s). Only the verdict engine can drive this loop: each round's word is one the model gets wrong, found by the verdict engine (the shortest, or past the search), not by sampling. **{proved} of {} repaired models are proved equal at every length**; {unrefuted} end in a budget stop with no counterexample up to the length it gives (no verdict: a longer counterexample or a proof the engine did not reach in its budget; global heads are its hard case); mean QAT accuracy over the length buckets goes from {} to {}.\n\n| model | s per round | counterexamples, round by round (lengths) | verdict after repair | QAT 0–40 / 41–80 / 81–160 / 161–500 | exact disagreements |\n|---|---|---|---|---|---|\n",
        first.weight,
        first.epochs,
        repaired.len(),
        pct(&before),
        pct(&after)
    );
    for r in repaired {
        let Some(x) = &r.repair else { continue };
        let lengths: Vec<String> = x
            .counterexamples
            .iter()
            .map(|w| w.len().to_string())
            .collect();
        s.push_str(&format!(
            "| {} | {:.0} | {} | {} | {} | {} of {} |\n",
            x.from.trim_end_matches("/model.toml"),
            x.round_timeout,
            lengths.join(" → "),
            cell(&verdict_text(&r.verdict)),
            pcts(&r.qat_acc),
            r.exact_disagreements,
            r.exact_words
        ));
    }
    s.push('\n');
    s
}

/// A table cell: `|` escaped, so a language like Σ*b(b|c)* stays in its column.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// How the models of one cell fail: their counterexamples' lengths (ascending, `*` when
/// not known to be shortest), the shortest word with the model's answer, and the budget
/// stops.
fn failures(rs: &[&Record]) -> String {
    let mut found: Vec<(usize, bool, &Verdict)> = rs
        .iter()
        .filter_map(|r| match &r.verdict {
            Some(
                v @ Verdict::Counterexample {
                    length, shortest, ..
                },
            ) => Some((*length, *shortest != Some(false), v)),
            _ => None,
        })
        .collect();
    found.sort_by_key(|&(n, sure, _)| (n, !sure));
    let budget = rs
        .iter()
        .filter(|r| matches!(r.verdict, Some(Verdict::Budget { .. })))
        .count();
    let mut parts = Vec::new();
    if let Some(&(_, _, first)) = found.first() {
        let lengths: Vec<String> = found
            .iter()
            .map(|&(n, sure, _)| if sure { n.to_string() } else { format!("{n}*") })
            .collect();
        parts.push(format!(
            "counterexamples of length {}; the first: {}",
            lengths.join(", "),
            verdict_text(&Some(first.clone())).trim_start_matches("counterexample ")
        ));
    }
    if budget > 0 {
        parts.push(format!("{budget} without a verdict (budget)"));
    }
    if rs.is_empty() {
        parts.push("no model trained".to_string());
    }
    parts.join("; ")
}

fn accuracy_plot(
    m: &Manifest,
    archs: &[&str],
    nb: usize,
    heads: &[String],
    path: &Path,
) -> Result<(), String> {
    let e = |e: String| format!("{}: {e}", path.display());
    let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "QAT accuracy by test-length bucket (mean over languages, formats, seeds)",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.2f64..(nb as f64 - 0.8), 0f64..1.0)
        .map_err(|x| e(x.to_string()))?;
    let labels = heads.to_vec();
    chart
        .configure_mesh()
        .x_labels(nb)
        .x_label_formatter(&|x| {
            let i = x.round() as usize;
            if (x - x.round()).abs() < 1e-6 {
                labels.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc("test word length")
        .y_desc("accuracy")
        .draw()
        .map_err(|x| e(x.to_string()))?;
    for (i, a) in archs.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let pts: Vec<(f64, f64)> = (0..nb)
            .filter_map(|b| {
                mean(
                    m.models
                        .iter()
                        .filter(|r| r.architecture == *a)
                        .filter_map(|r| r.qat_acc[b]),
                )
                .map(|y| (b as f64, y))
            })
            .collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
            .map_err(|x| e(x.to_string()))?
            .label(a.to_string())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
            .map_err(|x| e(x.to_string()))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|x| e(x.to_string()))?;
    root.present().map_err(|x| e(x.to_string()))
}

fn lengths_plot(lengths: &BTreeMap<&str, Vec<usize>>, path: &Path) -> Result<(), String> {
    let e = |e: String| format!("{}: {e}", path.display());
    let archs: Vec<&str> = ARCHS
        .iter()
        .copied()
        .filter(|a| lengths.contains_key(a))
        .collect();
    let longest = lengths
        .values()
        .flatten()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Shortest counterexample length per model, by architecture",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(
            -0.5f64..(archs.len() as f64 - 0.5),
            0f64..(longest as f64 * 1.1 + 1.0),
        )
        .map_err(|x| e(x.to_string()))?;
    let names: Vec<String> = archs.iter().map(|a| a.to_string()).collect();
    chart
        .configure_mesh()
        .x_labels(archs.len())
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-6 {
                names.get(x.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc("architecture")
        .y_desc("length of the shortest counterexample")
        .draw()
        .map_err(|x| e(x.to_string()))?;
    for (i, a) in archs.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        // Equal lengths side by side, so each model is one visible dot.
        let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
        let pts: Vec<(f64, f64)> = lengths[a]
            .iter()
            .map(|&l| {
                let k = seen.entry(l).or_insert(0);
                *k += 1;
                (i as f64 - 0.3 + 0.06 * ((*k - 1) % 10) as f64, l as f64)
            })
            .collect();
        chart
            .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
            .map_err(|x| e(x.to_string()))?;
    }
    root.present().map_err(|x| e(x.to_string()))
}
