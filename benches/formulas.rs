//! Sizes of the compiled formulas before and after the short-formula search
//! (`src/fragment/shortest.rs`): the numeric and Boolean examples and 50 random small
//! numeric models. Not a timed test: `cargo bench --bench formulas` prints one table
//! and a summary.

use std::time::Instant;

use ltlattn::automata::Budget;
use ltlattn::fragment::shortest::{shortest_formula, Ops, SearchLimits};
use ltlattn::fragment::{formula_certificate, Limits};
use ltlattn::logic::Arena;
use ltlattn::model::numeric::{
    compile_numeric, count_formula, formula_of, formula_or_note, load_numeric, Format, Overflow,
    Rounding,
};

#[path = "support/examples.rs"]
mod examples;
#[path = "../tests/it/helpers/random_numeric.rs"]
#[allow(dead_code)]
mod random_numeric;
use examples::numeric_examples;
use random_numeric::{random_model, Rng, Shape};

/// The formula `compile` showed before the search: the constructions' and the count
/// formula's, the shorter (character counts).
fn before(c: &ltlattn::model::numeric::NumericCompiled) -> Option<usize> {
    let limits = Limits::default();
    let built = formula_of(c, &limits).0.map(|f| f.formula.len());
    let counted = c.counts.as_ref().and_then(|t| {
        let mut arena = Arena::new();
        let names = c.dfa.alphabet().atoms().to_vec();
        let phi = count_formula(t, &names, &mut arena)?;
        formula_certificate(&arena, phi, &c.dfa, "count", u64::MAX, &Budget::default())
            .map(|f| f.formula.len())
    });
    match (built, counted) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

struct Tally {
    small: usize,
    small_within_300: usize,
}

fn numeric_row(name: &str, m: &ltlattn::model::numeric::NumericModel, tally: &mut Tally) {
    let c = match compile_numeric(m, &Budget::new(200_000, Some(60.0))) {
        Ok(c) => c,
        Err(e) => return println!("| {name} | — | — | — | — | {e} |"),
    };
    let old = if c.dfa.states() <= ltlattn::model::numeric::FORMULA_DFA_STATES {
        before(&c)
    } else {
        None
    };
    let t0 = Instant::now();
    let (f, _) = formula_or_note(&c, &Limits::default());
    let secs = t0.elapsed().as_secs_f64();
    let new = f.as_ref().map(|f| f.formula.len());
    if c.dfa.states() <= 8 {
        tally.small += 1;
        tally.small_within_300 += usize::from(new.is_some_and(|n| n <= 300));
    }
    let show = |x: Option<usize>| x.map_or("none".to_string(), |n| n.to_string());
    let shown = f.map_or(String::new(), |f| {
        if f.formula.len() <= 120 {
            format!("`{}`", f.formula.replace('|', "\\|"))
        } else {
            "(long)".into()
        }
    });
    println!(
        "| {name} | {} | {} | {} | {secs:.2} | {shown} |",
        c.dfa.states(),
        show(old),
        show(new)
    );
}

fn main() {
    let mut tally = Tally {
        small: 0,
        small_within_300: 0,
    };
    println!("| model | minimal DFA | chars before | chars after | formula s | formula |");
    println!("|---|---|---|---|---|---|");
    for (p, text, w) in numeric_examples() {
        let m = load_numeric(&p.display().to_string(), &text, &w).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        numeric_row(&name, &m, &mut tally);
    }
    let formats = [
        Format::fixed(2, 1, Rounding::NearestEven),
        Format::fixed(2, 1, Rounding::TowardZero),
        Format::float(2, 1, true, Rounding::NearestEven, Overflow::Saturate),
        Format::float(2, 1, false, Rounding::NearestEven, Overflow::Saturate),
    ];
    let mut rng = Rng(0x5eed_f0f0_1234_5678);
    for (i, f) in formats.iter().cycle().take(50).enumerate() {
        let shape = Shape {
            width: 2 + rng.below(2) as usize,
            layers: 1 + rng.below(2) as usize,
            heads: None,
            norm: false,
        };
        let m = random_model(&mut rng, *f, &shape);
        numeric_row(&format!("random {i}"), &m, &mut tally);
    }
    // Boolean examples: the compiled formula against the search on its minimal DFA.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/models");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    println!();
    println!("| Boolean model | minimal DFA | compiled chars | searched chars | formula |");
    println!("|---|---|---|---|---|");
    for p in &paths {
        let text = std::fs::read_to_string(p).unwrap();
        let m = ltlattn::model::boolean::load(&p.display().to_string(), &text).unwrap();
        let c = ltlattn::model::boolean::compile::compile(&m).unwrap();
        let compiled = ltlattn::logic::print(&c.arena, c.accept, ltlattn::logic::Syntax::Ascii);
        let sigma = ltlattn::automata::Alphabet::Tokens(m.alphabet.clone());
        let dfa = ltlattn::engine::explicit::formula_dfa(
            &c.arena,
            c.accept,
            &sigma,
            m.acceptance,
            &Budget::default(),
        )
        .unwrap();
        let found = Ops::of(c.fragment).and_then(|ops| {
            shortest_formula(&dfa, ops, &SearchLimits::default(), &Budget::default())
        });
        println!(
            "| {} | {} | {} | {} | {} |",
            p.file_name().unwrap().to_string_lossy(),
            dfa.states(),
            compiled.len(),
            found
                .as_ref()
                .map_or("none".into(), |f| f.cert.formula.len().to_string()),
            found.map_or(String::new(), |f| format!(
                "`{}`",
                f.cert.formula.replace('|', "\\|")
            ))
        );
    }
    println!();
    println!(
        "numeric models with minimal DFAs of at most 8 states: {}, with formulas of at most 300 characters: {}",
        tally.small, tally.small_within_300
    );
}
