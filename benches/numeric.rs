//! Numeric models: compilation (time, abstract states, types per layer, minimal-DFA
//! size) for the examples and for random models by size, then verdicts (`check` against
//! a spec: on the fly, or by compilation, or how far a 60 s budget got) for the
//! examples in three formats and random models of the trained size. A benchmark, not a
//! timed test: `cargo bench --bench numeric` (release build) prints two tables.

use std::time::Instant;

use std::time::Duration;

use ltlattn::automata::Budget;
use ltlattn::logic::{parse, Arena};
use ltlattn::model::numeric::{
    compile_numeric, formula_or_note, load_numeric, Format, NumericModel, Rounding,
};
use ltlattn::verdict::{check_numeric_spec, EngineReport, Options};

#[path = "../tests/it/helpers/random_numeric.rs"]
#[allow(dead_code)]
mod random_numeric;
use random_numeric::{random_model, Rng, Shape};
#[path = "support/examples.rs"]
mod examples;
use examples::numeric_examples;

fn row(name: &str, m: &NumericModel) {
    let t0 = Instant::now();
    match compile_numeric(m, &Budget::new(4_000_000, Some(60.0))) {
        Ok(c) => {
            let compile = t0.elapsed().as_secs_f64();
            let (f, note) = formula_or_note(&c, &ltlattn::fragment::Limits::default());
            let total = t0.elapsed().as_secs_f64();
            println!(
                "| {name} | {:.3} | {:.3} | {} | {:?} | {} | {} |",
                compile,
                total,
                c.explored,
                c.types,
                c.dfa.states(),
                match (f, note) {
                    (Some(f), _) => f.formula.len().to_string(),
                    (None, Some(_)) => "not constructed (DFA too large)".to_string(),
                    (None, None) => "none found".to_string(),
                },
            );
        }
        Err(e) => println!("| {name} | — | — | — | — | — | {e} |"),
    }
}

/// One `check` row: the verdict, its time, and what it explored.
fn check_row(name: &str, m: &NumericModel, spec: &str) {
    let mut arena = Arena::new();
    let root = parse(&mut arena, spec).unwrap();
    let opts = Options {
        timeout: Some(Duration::from_secs(60)),
        ..Options::default()
    };
    let t0 = Instant::now();
    let r = check_numeric_spec(m, &arena, root, &opts);
    let secs = t0.elapsed().as_secs_f64();
    let (verdict, effort) = match &r {
        Ok(r) => {
            let verdict = match &r.verdict.counterexample {
                Some(c) if !r.verdict.engine.counterexample_is_shortest() => format!(
                    "counterexample, length {} (not known to be shortest)",
                    c.word.len()
                ),
                Some(c) => format!("counterexample, length {}", c.word.len()),
                None => "proved equal at every length".to_string(),
            };
            let effort = match &r.verdict.engine {
                EngineReport::OnTheFly {
                    states_explored,
                    side_states,
                } => format!(
                    "on the fly: {states_explored} product states, {} model states",
                    side_states[0]
                ),
                EngineReport::Explicit { dfa_states, .. } => format!(
                    "compiled: {} abstract states, minimal DFA {}",
                    r.compiled.as_ref().map_or(0, |c| c.explored),
                    dfa_states[0]
                ),
                e => e.describe(),
            };
            (verdict, effort)
        }
        Err(e) => match e.checked_up_to_length() {
            Some(n) => (
                format!("undecided; no counterexample of length ≤ {n}"),
                e.to_string().chars().take(160).collect(),
            ),
            None => ("error".into(), e.to_string().chars().take(160).collect()),
        },
    };
    // (A `|` in a formula would end the table cell.)
    let spec = spec.replace('|', "\\|");
    println!("| {name} | `{spec}` | {verdict} | {secs:.2} | {effort} |");
}

/// The formats the examples are run in: as written, then the fp8 formats.
const EXAMPLE_FORMATS: [&str; 3] = ["fixed5.2", "e4m3", "e5m2"];

/// The `[number]` table of a format, as the examples write it (no final newline).
fn number_table(f: Format) -> String {
    f.number_table().trim_end().to_string()
}

/// The examples with their weights in the format `name` (the examples are fixed 5.2),
/// and the suffix of their rows' names: none as written, else the format's name.
fn examples_in(name: &str) -> (String, Vec<(String, NumericModel, String)>) {
    let written = EXAMPLE_FORMATS[0];
    let fixed = number_table(written.parse().expect("a format"));
    let f: Format = name.parse().expect("a format");
    let suffix = if name == written {
        String::new()
    } else {
        format!(" {f}")
    };
    let number = number_table(f);
    let models = numeric_examples()
        .into_iter()
        .map(|(p, text, w)| {
            assert!(
                text.contains(&fixed),
                "{}: the examples are fixed 5.2",
                p.display()
            );
            let spec = text
                .lines()
                .find_map(|l| l.strip_prefix("# spec: "))
                .unwrap_or("P a")
                .to_string();
            let text = text.replace(&fixed, &number);
            let m = load_numeric(&p.display().to_string(), &text, &w).unwrap();
            let name = p.file_stem().unwrap().to_str().unwrap().to_string();
            (name, m, spec)
        })
        .collect();
    (suffix, models)
}

fn verdicts() {
    println!();
    println!("| model | spec | verdict | s | explored |");
    println!("|---|---|---|---|---|");
    for format in EXAMPLE_FORMATS {
        let (suffix, models) = examples_in(format);
        for (name, m, spec) in models {
            check_row(&format!("{name}{suffix}"), &m, &spec);
        }
    }
    // Random models of the experiment's size: width 8, two layers of two heads (global
    // and local-1), feed-forward blocks, fixed 4.4.
    let mut rng = Rng(0x7a11_5eed_0000_0001);
    for s in 0..10 {
        let shape = Shape {
            width: 8,
            layers: 2,
            heads: Some(2),
            norm: false,
        };
        let m = random_model(&mut rng, Format::fixed(4, 4, Rounding::NearestEven), &shape);
        check_row(&format!("random trained-size fixed 4.4 #{s}"), &m, "P a");
    }
    trained_rows();
}

/// The trained hybrid-1 models of the experiment (`examples/trained/`, one global and one
/// local-1 head per layer) against their targets: the models whose verdicts took the
/// bounds and the hunt. Each as `ltlattn check MODEL --spec SPEC --timeout 60` runs it,
/// alone on the machine.
fn trained_rows() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/trained");
    let text = std::fs::read_to_string(root.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    for r in manifest["models"].as_array().unwrap() {
        if r["architecture"] != "hybrid-1" || r["spec"].as_str().unwrap().starts_with("dfa:") {
            continue;
        }
        let path = root.join(r["model"].as_str().unwrap());
        let toml = std::fs::read_to_string(&path).unwrap();
        let weights = std::fs::read(path.with_file_name("model.safetensors")).unwrap();
        let m = load_numeric(&path.display().to_string(), &toml, &weights).unwrap();
        let name = format!(
            "trained {}",
            r["model"].as_str().unwrap().trim_end_matches("/model.toml")
        );
        check_row(&name, &m, r["spec"].as_str().unwrap());
    }
}

fn main() {
    if std::env::args().any(|a| a == "verdicts") {
        verdicts();
        return;
    }
    println!("| model | compile s | + formula s | abstract states | types per layer | minimal DFA | formula chars |");
    println!("|---|---|---|---|---|---|---|");
    // The examples as written (fixed 5.2), then with the same weights in the fp8 formats.
    for format in EXAMPLE_FORMATS {
        let (suffix, models) = examples_in(format);
        for (name, m, _) in models {
            row(&format!("{name}{suffix}"), &m);
        }
    }
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for (d, layers, heads) in [(2, 1, 1), (3, 1, 2), (3, 2, 1), (4, 2, 2), (4, 3, 2)] {
        for (fname, f) in [
            ("fixed 2.1", Format::fixed(2, 1, Rounding::NearestEven)),
            ("fixed 5.2", Format::fixed(5, 2, Rounding::NearestEven)),
        ] {
            for s in 0..3 {
                let shape = Shape {
                    width: d,
                    layers,
                    heads: Some(heads),
                    norm: false,
                };
                let m = random_model(&mut rng, f, &shape);
                row(
                    &format!("random d={d} L={layers} H={heads} {fname} #{s}"),
                    &m,
                );
            }
        }
    }
    verdicts();
}
