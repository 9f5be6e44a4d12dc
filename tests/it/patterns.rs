//! Attention patterns: the support sets, the closed-form cost and the z3 partition proofs
//! against brute force over the pointwise definitions; the `attention` command.
// Without z3 the proof tests are left out; their helpers stay.
#![cfg_attr(not(feature = "z3"), allow(unused))]

use crate::helpers::run::ltlattn;

use ltlattn::patterns::proof::{Obligation, Outcome};
use ltlattn::patterns::{fit, Pattern, Seen};
#[cfg(feature = "z3")]
use ltlattn::smt::patterns::prove_partition;

/// A spread of parameters for every pattern, edge cases included (block 1, c = 0, c = s).
fn patterns() -> Vec<Pattern> {
    let mut v = vec![
        Pattern::Global,
        Pattern::Logsparse,
        Pattern::CombinerLogsparse,
    ];
    for k in [1, 2, 3, 7, 16] {
        v.push(Pattern::Window { k });
        v.push(Pattern::Strided { stride: k });
        v.push(Pattern::Axial { width: k });
        v.push(Pattern::CombinerAxial { width: k });
    }
    for s in [1, 2, 3, 5, 8] {
        for c in [0, 1, s / 2, s] {
            v.push(Pattern::Fixed {
                block: s,
                columns: c,
            });
            v.push(Pattern::CombinerFixed {
                block: s,
                columns: c,
            });
        }
    }
    v.dedup();
    v
}

/// Every region key that can matter for query i: blocks ≤ i, columns, buckets < 64.
fn keys(i: u64) -> std::ops::Range<u64> {
    0..(i + 3).max(70)
}

/// Direct keys and distinct regions of query i, counted pointwise (no runs, no formula).
fn brute_cost(p: &Pattern, i: u64) -> (u64, Vec<u64>) {
    let mut direct = 0;
    let mut regions = Vec::new();
    for j in 0..=i {
        if p.direct(i, j) {
            direct += 1;
        }
        for r in keys(i) {
            if p.in_region(i, r, j) && !regions.contains(&r) {
                regions.push(r);
            }
        }
    }
    (direct, regions)
}

#[test]
fn cost_matches_brute_force_enumeration() {
    for p in patterns() {
        let mut total = 0u128;
        for i in 0..200u64 {
            let (direct, regions) = brute_cost(&p, i);
            let s = p.support(i);
            assert_eq!(s.direct_len(), direct, "{p}: |Ω⁰({i})|");
            let mut keys: Vec<u64> = s.regions.iter().map(|r| r.key).collect();
            let mut want = regions.clone();
            keys.sort();
            want.sort();
            assert_eq!(keys, want, "{p}: regions of {i}");
            assert_eq!(p.cost(i), direct + regions.len() as u64, "{p}: cost({i})");
            total += u128::from(direct + regions.len() as u64);
        }
        assert_eq!(p.total_cost(200), total, "{p}: total cost at L = 200");
    }
}

#[test]
fn support_runs_are_the_pointwise_sets() {
    for p in patterns() {
        for i in 0..200u64 {
            let s = p.support(i);
            for j in 0..=i + 2 {
                let in_direct = s.direct.iter().filter(|r| r.contains(j)).count();
                let in_regions: Vec<u64> = s
                    .regions
                    .iter()
                    .filter(|r| r.run.contains(j))
                    .map(|r| r.key)
                    .collect();
                assert_eq!(in_direct == 1, p.direct(i, j), "{p}: direct({i}, {j})");
                assert!(in_direct <= 1, "{p}: direct runs overlap at ({i}, {j})");
                for r in keys(i) {
                    assert_eq!(
                        in_regions.contains(&r),
                        p.in_region(i, r, j),
                        "{p}: in_region({i}, {r}, {j})"
                    );
                }
            }
            for r in &s.regions {
                assert!(r.run.count > 0, "{p}: empty region listed for {i}");
            }
        }
    }
}

/// The smallest (i, j) with j ≤ i seen neither directly nor in the assigned region.
fn brute_gap(p: &Pattern, upto: u64) -> Option<(u64, u64)> {
    (0..upto).find_map(|i| {
        (0..=i)
            .find(|&j| p.seen(i, j) == Seen::Unseen)
            .map(|j| (i, j))
    })
}

/// Brute force on small i: every key in exactly one part (whatever the witness says).
fn brute_partition(p: &Pattern, upto: u64) -> bool {
    (0..upto).all(|i| {
        (0..=i).all(|j| {
            let parts = u64::from(p.direct(i, j))
                + keys(i).filter(|&r| p.in_region(i, r, j)).count() as u64;
            parts <= 1
        }) && (i + 1..i + 4).all(|j| !p.direct(i, j) && keys(i).all(|r| !p.in_region(i, r, j)))
    })
}

#[test]
#[cfg(feature = "z3")]
fn z3_proofs_agree_with_brute_force() {
    for p in patterns() {
        let proof = prove_partition(&p, 1 << 31, None);
        for (o, r) in &proof.outcomes {
            assert!(!matches!(r, Outcome::Unknown { .. }), "{p}: {o:?} unknown");
        }
        assert!(
            proof.partitions(),
            "{p}: parts not disjoint: {:?}",
            proof.outcomes
        );
        assert!(
            brute_partition(&p, 150),
            "{p}: brute force finds overlapping parts"
        );
        let gap = brute_gap(&p, 600);
        match proof.outcome(Obligation::Covers) {
            Outcome::Proved => assert_eq!(
                gap, None,
                "{p}: z3 proved coverage, brute force found {gap:?}"
            ),
            Outcome::Refuted { values } => {
                assert_eq!(
                    Some((values[0], values[1])),
                    gap,
                    "{p}: smallest counterexample"
                );
                assert_eq!(p.seen(values[0], values[1]), Seen::Unseen);
            }
            other => panic!("{p}: {other:?}"),
        }
        // Every Combiner pattern covers; of the others only global and fixed with c = s.
        let covers = p.has_summaries()
            || matches!(p, Pattern::Global)
            || matches!(p, Pattern::Fixed { block, columns } if block == columns)
            || matches!(p, Pattern::Axial { width: 1 })
            || matches!(p, Pattern::Strided { stride: 1 });
        assert_eq!(proof.covers(), covers, "{p}");
    }
}

#[test]
#[cfg(feature = "z3")]
fn large_bounds_and_parameters() {
    for p in [
        Pattern::CombinerFixed {
            block: 1 << 20,
            columns: 3,
        },
        Pattern::CombinerAxial { width: 65536 },
        Pattern::CombinerLogsparse,
    ] {
        let proof = prove_partition(&p, 1 << 62, None);
        assert!(
            proof.covers() && proof.partitions(),
            "{p}: {:?}",
            proof.outcomes
        );
    }
    let w = prove_partition(&Pattern::Window { k: 1 << 30 }, 1 << 62, None);
    assert_eq!(
        w.outcome(Obligation::Covers).refuted(),
        Some(&vec![(1 << 30) + 1, 0])
    );
}

#[test]
fn growth_laws() {
    let lens: Vec<u64> = (9..=14).map(|k| 1u64 << k).collect();
    let law = |f: &dyn Fn(u64) -> Pattern| fit(&lens, f).law;
    assert_eq!(law(&|_| Pattern::Global), "L²");
    assert_eq!(law(&|_| Pattern::Window { k: 16 }), "L");
    assert_eq!(law(&|_| Pattern::Logsparse), "L log L");
    assert_eq!(law(&|_| Pattern::CombinerLogsparse), "L log L");
    let sqrt = |l: u64| ltlattn::patterns::ceil_sqrt(l);
    assert_eq!(
        law(&|l| Pattern::CombinerFixed {
            block: sqrt(l),
            columns: 1
        }),
        "L √L"
    );
    assert_eq!(law(&|l| Pattern::CombinerAxial { width: sqrt(l) }), "L √L");
    assert_eq!(
        law(&|_| Pattern::CombinerFixed {
            block: 8,
            columns: 1
        }),
        "L²"
    );
}

#[test]
#[cfg(feature = "z3")]
fn attention_command() {
    let o = ltlattn(&[
        "attention",
        "--pattern",
        "combiner-fixed",
        "--block",
        "64",
        "--length",
        "65536",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(out.matches("  proved ").count(), 4, "{out}");
    assert!(out.contains("full attention capability"), "{out}");
    assert!(out.contains("L √L"), "{out}");

    let o = ltlattn(&[
        "attention",
        "--pattern",
        "window",
        "--window",
        "3",
        "--length",
        "8",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("i = 4, j = 0"), "{out}");
    assert!(out.contains("   4 .####"), "{out}");

    let o = ltlattn(&[
        "attention",
        "--pattern",
        "combiner-axial",
        "--width",
        "4",
        "--length",
        "16",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["proof"]["covers"], true);
    assert_eq!(
        v["cost"]["total"],
        Pattern::CombinerAxial { width: 4 }
            .total_cost(16)
            .to_string()
    );
    assert_eq!(v["picture"].as_array().map(|a| a.len()), Some(16));

    for bad in [
        &["attention", "--pattern", "fixed", "--block", "0"][..],
        &["attention", "--pattern", "fixed", "--width", "4"],
        &["attention", "--pattern", "fixed"],
        &[
            "attention",
            "--pattern",
            "fixed",
            "--block",
            "4",
            "--summary-columns",
            "5",
        ],
        &[
            "attention",
            "--pattern",
            "logsparse",
            "--summary-columns",
            "1",
        ],
        &["attention", "--pattern", "sparse"],
        &["attention", "--pattern", "global", "--bound", "2^63"],
        &["attention", "--pattern", "global", "--length", "0"],
        &["attention", "--pattern", "global", "--picture", "100000"],
        &["attention", "--pattern", "axial", "--width", "99999999999"],
    ] {
        let o = ltlattn(bad);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(!o.stderr.is_empty(), "{bad:?}: no message");
    }
}

// ---------------------------------------------------------------- Combiner heads

use ltlattn::automata::{compare, formula_dfa, Alphabet, Budget, Question};
use ltlattn::compile::compile;
use ltlattn::logic::{evaluate, truth_table, Word};
use ltlattn::model::{load, run};

fn all_words(n: usize) -> Vec<Vec<String>> {
    let mut out = vec![Vec::<String>::new()];
    let mut layer = out.clone();
    for _ in 0..n {
        let mut next = Vec::new();
        for w in &layer {
            for a in ["a", "b"] {
                let mut v = w.clone();
                v.push(a.to_string());
                next.push(v);
            }
        }
        out.extend(next.iter().cloned());
        layer = next;
    }
    out
}

/// A one-head Combiner model over {a, b}.
fn combiner_model(pattern: &str, masking: &str, head: &str, summary: &str) -> String {
    format!(
        "alphabet = [\"a\", \"b\"]\noutput = \"h\"\n[[layer]]\n[[layer.head]]\nname = \"h\"\nrange = \"combiner\"\n{pattern}\nmasking = \"{masking}\"\n{head}\n{summary}\n"
    )
}

fn patterns_in_models() -> Vec<String> {
    let mut v = vec!["pattern = \"logsparse\"".to_string()];
    for s in 1..=4 {
        for c in 0..=s {
            v.push(format!("pattern = \"fixed\"\nblock = {s}\ncolumns = {c}"));
        }
    }
    for m in 1..=4 {
        v.push(format!("pattern = \"axial\"\nwidth = {m}"));
    }
    v
}

/// Compiled formula = reference executor at every position of every word up to length 8.
fn compiled_matches_executor(text: &str) {
    let model = load("m.toml", text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    let c = compile(&model).unwrap_or_else(|e| panic!("{text}\n{e}"));
    for letters in all_words(8) {
        let t = run(&model, &letters).unwrap();
        let w = Word::letters(letters);
        for (f, col) in c.features.iter().zip(&t.values) {
            let table = truth_table(&c.arena, f.formula, &w, model.acceptance);
            assert_eq!(
                table.values.last().unwrap(),
                col,
                "{text}\nfeature {} on {}",
                f.name,
                w.show()
            );
        }
        assert_eq!(
            evaluate(&c.arena, c.accept, &w, model.acceptance),
            t.accepted,
            "{text}"
        );
    }
}

#[test]
fn drop_in_combiner_heads_are_global_heads() {
    let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
    let b = Budget::default();
    for p in patterns_in_models() {
        for masking in ["strict", "inclusive"] {
            for head in [
                "value = \"a\"",
                "query = \"b\"\nkey = \"a\"\nvalue = \"true\"",
            ] {
                let text = combiner_model(&p, masking, head, "");
                compiled_matches_executor(&text);
                let model = load("m.toml", &text).unwrap();
                let c = compile(&model).unwrap();
                let f = &c.features[model.output];
                let g = f
                    .global_equivalent
                    .expect("a drop-in head has its global equivalent");
                let l = formula_dfa(&c.arena, f.formula, &sigma, model.acceptance, &b).unwrap();
                let r = formula_dfa(&c.arena, g, &sigma, model.acceptance, &b).unwrap();
                let ans = compare(&l, &r, Question::Equivalent, &b).unwrap();
                assert!(
                    ans.counterexample.is_none(),
                    "{text}: differs from the global head on {:?}",
                    ans.counterexample
                );
            }
        }
    }
}

#[test]
fn combiner_heads_with_their_own_summary_selection_compile_exactly() {
    let summaries = [
        "summary-key = \"false\"",
        "summary-key = \"b\"",
        "summary-query = \"a\"\nsummary-key = \"!a\"",
    ];
    for p in patterns_in_models()
        .into_iter()
        .filter(|p| !p.contains("logsparse"))
    {
        for masking in ["strict", "inclusive"] {
            for s in summaries {
                compiled_matches_executor(&combiner_model(
                    &p,
                    masking,
                    "key = \"a\"\nvalue = \"true\"",
                    s,
                ));
            }
        }
    }
}

#[test]
fn combiner_fixed_block_2_recognizes_even_length_which_is_not_star_free() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/models/combiner-even-length.toml"
    ))
    .unwrap();
    let model = load("even.toml", &text).unwrap();
    for w in all_words(9) {
        assert_eq!(run(&model, &w).unwrap().accepted, w.len() % 2 == 0, "{w:?}");
    }
    let c = compile(&model).unwrap();
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    let dfa = formula_dfa(
        &c.arena,
        c.accept,
        &sigma,
        model.acceptance,
        &Budget::default(),
    )
    .unwrap();
    let cl = ltlattn::fragment::classify(
        &dfa,
        &ltlattn::fragment::Limits::default(),
        Some((&c.arena, c.accept)),
    );
    // Not aperiodic, so outside every soft and hard fragment; regular.
    for d in [&cl.global, &cl.local, &cl.hybrid, &cl.hard] {
        assert_eq!(d.member, Some(false));
    }
}

#[test]
fn logsparse_with_its_own_summary_selection_is_refused_with_the_reason() {
    let text = combiner_model(
        "pattern = \"logsparse\"",
        "strict",
        "value = \"a\"",
        "summary-key = \"false\"",
    );
    let model = load("m.toml", &text).unwrap();
    let e = compile(&model).unwrap_err().to_string();
    assert!(e.contains("not regular"), "{e}");
    // The executor still runs it: an a at distance 1, 2 or 4 from the end marker counts,
    // at distance 3 it does not.
    let acc = |w: &str| {
        run(&model, &w.split(' ').map(String::from).collect::<Vec<_>>())
            .unwrap()
            .accepted
    };
    assert!(acc("a b b b"));
    assert!(acc("b b a b"));
    assert!(!acc("a b b"));
    assert!(!acc("b a b b"));
}

#[test]
#[cfg(feature = "z3")]
fn non_regular_heads_are_analysed_up_to_a_bound_with_z3() {
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/nonregular/combiner-logsparse-powers.toml"
    );
    // Distances 1, 2, 4, 8 from the end marker: right for every word of length ≤ 14.
    let o = ltlattn(&[
        "check",
        model,
        "--spec",
        "Y a | Y Y a | Y Y Y Y a | Y Y Y Y Y Y Y Y a",
        "--bound",
        "14",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("length ≤ 14") && out.contains("not a proof"),
        "{out}"
    );
    // Brute force agrees: the executor and the evaluator on every word up to length 12.
    let m = load("p.toml", &std::fs::read_to_string(model).unwrap()).unwrap();
    let mut f = ltlattn::logic::Arena::new();
    let spec =
        ltlattn::logic::parse(&mut f, "Y a | Y Y a | Y Y Y Y a | Y Y Y Y Y Y Y Y a").unwrap();
    for w in all_words(12) {
        let want = evaluate(&f, spec, &Word::letters(w.clone()), m.acceptance);
        assert_eq!(run(&m, &w).unwrap().accepted, want, "{w:?}");
    }
    // Without distance 8 the shortest counterexample has length 8 (re-checked by the executor).
    let o = ltlattn(&[
        "check",
        model,
        "--spec",
        "Y a | Y Y a | Y Y Y Y a",
        "--bound",
        "14",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("`a b b b b b b b` (length 8"), "{out}");
    // Without a bound: refused, with the reason and the way out.
    let o = ltlattn(&["check", model, "--spec", "Y a"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("not regular") && err.contains("--bound"),
        "{err}"
    );
    let o = ltlattn(&["compile", model]);
    assert_eq!(o.status.code(), Some(2));
}
