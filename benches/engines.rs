//! The three engines side by side on the families of issue #17 that the explicit
//! engine cannot enumerate: proposition alphabets (since chains, conjunctions of once)
//! and large letter alphabets (the O-conjunction against its dual, proof and the broken
//! variant's long counterexample). Every answer is the library's certified verdict
//! (counterexamples re-checked by the evaluator, BDD invariants and Spacer invariants
//! re-checked), and `auto`, which runs them side by side, against the best of them.
//! `cargo bench --bench engines [-- --quick]`.

use std::time::{Duration, Instant};

use ltlattn::automata::Alphabet;
use ltlattn::engine::layout::Question;
use ltlattn::logic::{parse, Acceptance, Arena};
use ltlattn::verdict::{decide, Engine, Options};

fn names(k: usize) -> Vec<String> {
    (0..k).map(|i| format!("p{i}")).collect()
}

fn conj(k: usize) -> String {
    (0..k)
        .map(|i| format!("O p{i}"))
        .collect::<Vec<_>>()
        .join(" & ")
}

fn dual(k: usize) -> String {
    let d: Vec<String> = (0..k).rev().map(|i| format!("H !p{i}")).collect();
    format!("!({})", d.join(" | "))
}

fn chain(k: usize, dead: bool) -> String {
    let mut s = "p0".to_string();
    for i in 1..k {
        s = if dead {
            format!("p{i} S ({s} | p0 & !p0)")
        } else {
            format!("p{i} S ({s})")
        };
    }
    s
}

/// One engine on one pair: the printed cell and the seconds it took to answer (`None`
/// without an answer).
fn run(
    engine: Engine,
    f: &str,
    g: &str,
    sigma: &Alphabet,
    limit: Duration,
) -> (String, Option<f64>) {
    let mut arena = Arena::new();
    let (l, r) = (parse(&mut arena, f).unwrap(), parse(&mut arena, g).unwrap());
    let opts = Options {
        engine,
        timeout: Some(limit),
        ..Options::default()
    };
    let t = Instant::now();
    let v = decide(
        &arena,
        l,
        r,
        sigma,
        Acceptance::Eos,
        Question::Equivalent,
        &opts,
    );
    let secs = t.elapsed().as_secs_f64();
    match v {
        Ok(v) => (
            match v.counterexample {
                None => format!("{secs:>8.3} s  holds"),
                Some(c) => format!("{secs:>8.3} s  fails at length {}", c.word.len()),
            },
            Some(secs),
        ),
        Err(e) => {
            let e = e.to_string();
            let short: String = e.chars().take(60).collect();
            (format!("{secs:>8.3} s  no answer ({short})"), None)
        }
    }
}

fn main() {
    // z3 runs in a child process of the binary, as under `ltlattn` itself.
    #[cfg(feature = "z3")]
    ltlattn::engine::z3::isolate::run_in_children_of(env!("CARGO_BIN_EXE_ltlattn").into());
    let quick = std::env::args().any(|a| a == "--quick");
    let limit = Duration::from_secs(if quick { 10 } else { 60 });
    let mut cases: Vec<(String, String, String, Alphabet)> = Vec::new();
    for k in [16usize, 32, 64] {
        cases.push((
            format!("since chain k = {k}, --props"),
            chain(k, false),
            chain(k, true),
            Alphabet::Props(names(k)),
        ));
    }
    for k in [14usize, 16, 30] {
        cases.push((
            format!("O p0 & … & O p{} vs dual, --props", k - 1),
            conj(k),
            dual(k),
            Alphabet::Props(names(k)),
        ));
    }
    for k in [10usize, 20, 40] {
        cases.push((
            format!("{k} letters: O-conjunction vs dual (proof)"),
            conj(k),
            dual(k),
            Alphabet::Tokens(names(k)),
        ));
        cases.push((
            format!("{k} letters: broken variant (counterexample)"),
            conj(k - 1),
            dual(k),
            Alphabet::Tokens(names(k)),
        ));
    }
    println!(
        "engines side by side (limit {} s each; explicit with the default 4,000,000 states)",
        limit.as_secs()
    );
    println!(
        "{:<48} {:<32} {:<32} {:<32} {:<32} auto vs best",
        "pair", "explicit", "bdd", "z3", "auto"
    );
    let mut within = true;
    for (name, f, g, sigma) in &cases {
        let explicit = run(Engine::Explicit, f, g, sigma, limit);
        let bdd = run(Engine::Bdd, f, g, sigma, limit);
        let z3 = if cfg!(feature = "z3") {
            run(Engine::Z3, f, g, sigma, limit)
        } else {
            ("not built".to_string(), None)
        };
        let auto = run(Engine::Auto, f, g, sigma, limit);
        let best = [explicit.1, bdd.1, z3.1]
            .into_iter()
            .flatten()
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))));
        // The target of issue #29: auto within 2 × the best single engine + 1 s.
        let verdict = match (best, auto.1) {
            (Some(b), Some(a)) => {
                let ok = a <= 2.0 * b + 1.0;
                within &= ok;
                format!(
                    "{:.3} s vs {b:.3} s{}",
                    a,
                    if ok { "" } else { "  OVER 2x+1s" }
                )
            }
            (None, _) => "no engine answered".to_string(),
            (Some(_), None) => {
                within = false;
                "auto did not answer".to_string()
            }
        };
        println!(
            "{name:<48} {:<32} {:<32} {:<32} {:<32} {verdict}",
            explicit.0, bdd.0, z3.0, auto.0
        );
    }
    println!(
        "auto within 2 × the best single engine + 1 s on every pair: {}",
        if within { "yes" } else { "no" }
    );
}
