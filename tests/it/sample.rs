//! `sample`: exact uniform sampling and FLaRe-layout datasets.
//!
//! Uniformity is checked where it can be checked exactly — unranking enumerates exactly
//! the language's words of each length, in order, each once (against the reference
//! evaluator on every word), so a uniform rank is a uniform word — and statistically for
//! the random source and the held-out draw. The dataset tests read the written files back
//! and judge every label with the evaluator.

use std::collections::{HashMap, HashSet};

use crate::helpers::run::ltlattn;
use ltlattn::automata::{formula_dfa, Alphabet, Budget};
use ltlattn::logic::{evaluate, parse, Acceptance, Arena, Word};
use ltlattn::sample::{Rng, Sampler};
use num_bigint::BigUint;

fn all_words(k: u32, n: usize) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new()];
    for _ in 0..n {
        out = out
            .into_iter()
            .flat_map(|w| {
                (0..k).map(move |l| {
                    let mut v = w.clone();
                    v.push(l);
                    v
                })
            })
            .collect();
    }
    out
}

const FORMULAS: [&str; 6] = [
    "P (a & Y b)",
    "Y a",
    "a S b",
    "!P a",
    "P (a & P (b & P c))",
    "(Y a) <-> (Y Y b)",
];

/// Unranking lists exactly L ∩ Σⁿ in lexicographic order (so a uniform rank is a
/// uniform word), and rank inverts it; the complement sampler lists the rest.
#[test]
fn unranking_enumerates_each_length_exactly() {
    for f in FORMULAS {
        let mut arena = Arena::new();
        let root = parse(&mut arena, f).unwrap();
        let sigma = Alphabet::Tokens(vec!["a".into(), "b".into(), "c".into()]);
        for acc in [Acceptance::Eos, Acceptance::Last] {
            let dfa = formula_dfa(&arena, root, &sigma, acc, &Budget::new(10_000, None)).unwrap();
            let (pos, neg) = (Sampler::new(&dfa, 6), Sampler::complement(&dfa, 6));
            for n in 0..=6 {
                let words = all_words(3, n); // lexicographic by letter index
                let judge = |w: &Vec<u32>| evaluate(&arena, root, &sigma.word(w), acc);
                let inside: Vec<&Vec<u32>> = words.iter().filter(|w| judge(w)).collect();
                let outside: Vec<&Vec<u32>> = words.iter().filter(|w| !judge(w)).collect();
                for (s, want) in [(&pos, &inside), (&neg, &outside)] {
                    assert_eq!(s.count(n), &BigUint::from(want.len()), "{f} n={n}");
                    for (k, w) in want.iter().enumerate() {
                        let k = BigUint::from(k);
                        assert_eq!(&&s.unrank(n, &k), w, "{f} n={n} k={k}");
                        assert_eq!(s.rank(w), Some(k), "{f} {w:?}");
                    }
                }
            }
        }
    }
}

/// The random source: `below` and `below_big` are uniform (chi-square, far from the
/// critical value), reproducible from the seed, and different seeds differ.
#[test]
fn the_random_source_is_uniform_and_reproducible() {
    let mut rng = Rng::new(42);
    for n in [3u64, 7, 10] {
        let draws = 30_000u64;
        let mut hist = vec![0u64; n as usize];
        for _ in 0..draws {
            hist[rng.below(n) as usize] += 1;
        }
        let e = draws as f64 / n as f64;
        let chi: f64 = hist.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
        // 99.9% quantile of χ² with ≤ 9 degrees of freedom is below 28.
        assert!(chi < 28.0, "below({n}): χ² = {chi}, {hist:?}");
    }
    let big = BigUint::from(5u32) << 70; // 5·2^70: five blocks by the top bits
    let mut hist = [0u64; 5];
    for _ in 0..20_000 {
        let x = rng.below_big(&big);
        assert!(x < big);
        hist[(x >> 70u32).try_into().unwrap_or(0usize)] += 1;
    }
    let chi: f64 = hist
        .iter()
        .map(|&o| (o as f64 - 4000.0).powi(2) / 4000.0)
        .sum();
    assert!(chi < 19.0, "below_big: χ² = {chi}, {hist:?}");
    let a: Vec<u64> = (0..8).map(|_| Rng::new(9).below(1000)).collect();
    let b: Vec<u64> = (0..8).map(|_| Rng::new(9).below(1000)).collect();
    assert_eq!(a, b);
    let (mut x, mut y) = (Rng::new(1), Rng::new(2));
    assert_ne!(
        (0..8).map(|_| x.below(1000)).collect::<Vec<_>>(),
        (0..8).map(|_| y.below(1000)).collect::<Vec<_>>()
    );
}

/// Drawing around excluded words: never an excluded one, every other one about equally
/// often.
#[test]
fn skipping_excluded_words_stays_uniform() {
    let mut arena = Arena::new();
    let root = parse(&mut arena, "Y a").unwrap();
    let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
    let dfa = formula_dfa(
        &arena,
        root,
        &sigma,
        Acceptance::Eos,
        &Budget::new(100, None),
    )
    .unwrap();
    let s = Sampler::new(&dfa, 3);
    // Length 3, ends with a: aaa, aba, baa, bba; exclude two of them.
    let excluded: HashSet<Vec<u32>> = [vec![0, 0, 0], vec![1, 0, 0], vec![1, 1, 1]].into();
    let ranks = s.ranks_of(&excluded);
    assert_eq!(ranks[3].len(), 2, "bbb is not in the language");
    let mut rng = Rng::new(5);
    let mut hist: HashMap<Vec<u32>, u32> = HashMap::new();
    for _ in 0..4_000 {
        let w = s.uniform_skipping(3, &ranks[3], &mut rng).unwrap();
        *hist.entry(w).or_default() += 1;
    }
    assert_eq!(hist.len(), 2, "{hist:?}");
    for (w, c) in &hist {
        assert!(!excluded.contains(w));
        assert!((1_800..=2_200).contains(c), "{w:?}: {c}");
    }
    let all: Vec<BigUint> = (0..4u32).map(BigUint::from).collect();
    assert_eq!(s.uniform_skipping(3, &all, &mut rng), None);
}

fn read_split(dir: &std::path::Path) -> (Vec<String>, Vec<u8>, Vec<String>) {
    let lines = |f: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(f))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
            .lines()
            .map(str::to_string)
            .collect()
    };
    let labels = lines("labels.txt")
        .iter()
        .map(|l| l.parse().unwrap())
        .collect();
    (lines("main.tok"), labels, lines("num-edits.txt"))
}

/// The FLaRe tree with small sizes: every split full, every label right (by the
/// evaluator), num-edits one line per negative, the held-out split disjoint from the
/// others' short strings, and the same seed giving the same bytes.
#[test]
fn datasets_have_the_flare_layout_and_right_labels() {
    let base = std::env::temp_dir().join(format!("ltlattn-sample-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    // "Contains a": its only negatives are bⁿ, so rejection fails on long strings and
    // the exact draw from the complement has to fill the splits.
    let formula = "P a";
    let sizes = [
        "--train",
        "300",
        "--validation-short",
        "50",
        "--validation-long",
        "50",
        "--test",
        "200",
        "--held-out",
        "60",
        "--short-lengths",
        "0-8",
        "--long-lengths",
        "0-16",
        "--test-lengths",
        "0-60",
        "--alphabet",
        "a,b",
        "--quiet",
    ];
    for run in ["one", "two"] {
        let out = base.join(run);
        let mut args = vec![
            "sample",
            formula,
            "--out",
            out.to_str().unwrap(),
            "--seed",
            "11",
        ];
        args.extend(sizes);
        let o = ltlattn(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let mut arena = Arena::new();
    let root = parse(&mut arena, formula).unwrap();
    let one = base.join("one");
    let mut short_seen: HashSet<String> = HashSet::new();
    for (dir, count, max) in [
        ("", 300, 8),
        ("datasets/validation-short", 50, 8),
        ("datasets/validation-long", 50, 16),
        ("datasets/test", 200, 60),
        ("datasets/test-short-held-out", 60, 8),
    ] {
        let (words, labels, edits) = read_split(&one.join(dir));
        assert_eq!((words.len(), labels.len()), (count, count), "{dir}");
        assert_eq!(
            edits.len(),
            labels.iter().filter(|&&l| l == 0).count(),
            "{dir}: one num-edits line per negative"
        );
        assert!(edits
            .iter()
            .all(|e| e.is_empty() || e.parse::<u32>().unwrap() >= 1));
        for (w, &l) in words.iter().zip(&labels) {
            let tokens: Vec<String> = w.split_whitespace().map(str::to_string).collect();
            assert!(tokens.len() <= max, "{dir}: {w}");
            let want = evaluate(&arena, root, &Word::Letters(tokens), Acceptance::Eos);
            assert_eq!(want, l == 1, "{dir}: `{w}` labelled {l}");
        }
        if dir.ends_with("held-out") {
            assert!(
                words.iter().all(|w| !short_seen.contains(w)),
                "held-out overlaps"
            );
        } else if dir != "datasets/test" {
            short_seen.extend(
                words
                    .iter()
                    .filter(|w| w.split_whitespace().count() <= 8)
                    .cloned(),
            );
        }
        // Both labels occur: the coin is fair.
        let pos = labels.iter().filter(|&&l| l == 1).count();
        assert!(
            pos * 4 > count && pos * 4 < 3 * count,
            "{dir}: {pos} of {count}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("ltlattn-sample.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["seed"], 11);
    let test = &manifest["splits"][3];
    assert!(test["complement"].as_u64().unwrap() > 0, "{test}");
    // Byte for byte the same with the same seed.
    for f in [
        "main.tok",
        "labels.txt",
        "num-edits.txt",
        "datasets/test/main.tok",
    ] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(base.join("two").join(f)).unwrap(),
            "{f}"
        );
    }
    // JSON lines.
    let jl = base.join("jsonl");
    let mut args = vec![
        "sample",
        formula,
        "--out",
        jl.to_str().unwrap(),
        "--seed",
        "3",
        "--format",
        "jsonl",
    ];
    args.extend(sizes);
    assert_eq!(ltlattn(&args).status.code(), Some(0));
    let text = std::fs::read_to_string(jl.join("datasets/validation-long/main.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 50);
    assert!(rows
        .iter()
        .all(|r| r["label"].is_u64() && r["tokens"].is_string()));
    let _ = std::fs::remove_dir_all(&base);
}

/// `--positive` / `--negative` print words of the length asked for, inside / outside the
/// language; languages that cannot fill a split say so.
#[test]
fn positive_negative_and_unfillable() {
    let o = ltlattn(&[
        "sample",
        "P (a & Y b)",
        "--positive",
        "--length",
        "30",
        "--count",
        "50",
        "--seed",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 50);
    for l in text.lines() {
        assert_eq!(l.split(' ').count(), 30);
        assert!(l.contains("b a"), "{l}");
    }
    let o = ltlattn(&[
        "sample",
        "P (a & Y b)",
        "--negative",
        "--length",
        "30",
        "--count",
        "20",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text
        .lines()
        .all(|l| !l.contains("b a") && l.split(' ').count() == 30));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--seed"),
        "the drawn seed is reported"
    );
    // No word of length 1 satisfies Y Y a; ⊤ has no negatives at all.
    let o = ltlattn(&[
        "sample",
        "Y Y a",
        "--positive",
        "--length",
        "1",
        "--count",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no word of length 1"));
    let dir = std::env::temp_dir().join(format!("ltlattn-sample-top-{}", std::process::id()));
    let o = ltlattn(&[
        "sample",
        "a | !a",
        "--out",
        dir.to_str().unwrap(),
        "--train",
        "10",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is in the language"));
    let _ = std::fs::remove_dir_all(&dir);
    let o = ltlattn(&[
        "sample",
        "P a",
        "--props",
        "--positive",
        "--length",
        "2",
        "--count",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    // A count table that would not fit (10 states, length 100,000: ≈ 6 GiB) is refused
    // before it is built.
    let t = std::time::Instant::now();
    let o = ltlattn(&[
        "sample",
        "Y<=9 a",
        "--alphabet",
        "a,b",
        "--positive",
        "--length",
        "100000",
        "--count",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("MiB"));
    assert!(t.elapsed().as_secs() < 10);
}
