//! Sampling throughput (issue: `ltlattn sample`): exactly uniform words of length 500
//! from a 1,000-state DFA, and a FLaRe dataset end to end. Run with
//! `cargo bench --bench sampling`; prints the figures kept in docs/results/ (see docs/book/benchmarks.md).

use std::time::Instant;

use ltlattn::automata::{minimize, Alphabet, Dfa};
use ltlattn::logic::Acceptance;
use ltlattn::sample::{draw_split, flare_splits, Rng, Sampler};

/// A random minimal DFA with at least 1,000 states over `k` letters (xorshift, fixed):
/// random tables grow until their minimization keeps 1,000.
fn dfa_1000(k: usize, seed: u64) -> Dfa {
    (1_000..)
        .step_by(25)
        .map(|n| random_dfa(n, k, seed))
        .find(|d| d.states() >= 1_000)
        .expect("some size")
}

/// A random complete DFA with `n` states over `k` letters, minimized.
fn random_dfa(n: usize, k: usize, seed: u64) -> Dfa {
    let mut x = seed;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let trans = (0..n * k).map(|_| (next() % n as u64) as u32).collect();
    let accepting = (0..n).map(|_| next() % 2 == 0).collect();
    let letters = (0..k).map(|i| format!("t{i}")).collect();
    minimize(
        &Dfa::from_parts(Alphabet::Tokens(letters), Acceptance::Eos, trans, accepting).unwrap(),
    )
}

fn main() {
    println!("| DFA states | letters | length | count table s | words | tokens/s |");
    println!("|---|---|---|---|---|---|");
    for k in [2, 4] {
        let dfa = dfa_1000(k, 0x9e37_79b9 + k as u64);
        let t = Instant::now();
        let s = Sampler::new(&dfa, 500);
        let table = t.elapsed().as_secs_f64();
        let mut rng = Rng::new(1);
        let t = Instant::now();
        let mut words = 0usize;
        while t.elapsed().as_secs_f64() < 2.0 {
            std::hint::black_box(s.uniform(500, &mut rng));
            words += 1;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "| {} | {k} | 500 | {table:.3} | {words} | {:.0} |",
            dfa.states(),
            (words * 500) as f64 / secs
        );
    }
    // A whole FLaRe tree (18,010 examples) for the 1,000-state language.
    let dfa = dfa_1000(2, 0x9e37_79b9 + 2);
    let t = Instant::now();
    let (pos, neg) = (Sampler::new(&dfa, 500), Sampler::complement(&dfa, 500));
    let mut rng = Rng::new(7);
    let mut excluded = std::collections::HashSet::new();
    let mut tokens = 0usize;
    for spec in flare_splits() {
        let ex = draw_split(&pos, &neg, &spec, &excluded, &mut rng, |_| {}).unwrap();
        tokens += ex.iter().map(|e| e.word.len()).sum::<usize>();
        if let Some(max) = spec.record_up_to {
            excluded.extend(
                ex.iter()
                    .filter(|e| e.word.len() <= max)
                    .map(|e| e.word.clone()),
            );
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "\nFLaRe tree for a {}-state DFA: 18,010 examples, {tokens} tokens in {secs:.2} s ({:.0} tokens/s)",
        dfa.states(),
        tokens as f64 / secs
    );
}
