//! Numeric-model compilation: time, abstract states, types per layer and minimal-DFA size
//! for the examples and for random models by size. A benchmark, not a timed test:
//! `cargo bench --bench numeric` (release build) prints one table.

use std::time::Instant;

use ltlattn::automata::Budget;
use ltlattn::numeric::{
    compile_numeric, formula_or_note, load_numeric, Format, NumericModel, Rounding,
};

#[path = "../tests/support/random_numeric.rs"]
#[allow(dead_code)]
mod random_numeric;
use random_numeric::{random_model, Rng, Shape};

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

fn main() {
    println!("| model | compile s | + formula s | abstract states | types per layer | minimal DFA | formula chars |");
    println!("|---|---|---|---|---|---|---|");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/numeric");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    // The examples as written (fixed 5.2), then with the same weights in the fp8 formats.
    let fixed = "format = \"fixed\"\nint_bits = 5\nfrac_bits = 2";
    for (suffix, number) in [
        ("", fixed),
        (" e4m3", "format = \"float\"\nexp_bits = 4\nman_bits = 3"),
        (" e5m2", "format = \"float\"\nexp_bits = 5\nman_bits = 2"),
    ] {
        for p in &paths {
            let text = std::fs::read_to_string(p).unwrap();
            assert!(
                text.contains(fixed),
                "{}: the examples are fixed 5.2",
                p.display()
            );
            let text = text.replace(fixed, number);
            let w = std::fs::read(p.with_extension("safetensors")).unwrap();
            let m = load_numeric(&p.display().to_string(), &text, &w).unwrap();
            row(
                &format!("{}{suffix}", p.file_stem().unwrap().to_str().unwrap()),
                &m,
            );
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
}
