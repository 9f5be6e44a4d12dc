//! Guard-labelled automata (src/automata/guarded.rs) against the dense ones on random
//! formulas: the same minimal automaton (isomorphic, state for state), the same
//! verdicts and counterexample lengths from the product, every counterexample re-judged
//! by the reference evaluator, every printed guard re-parsed and evaluated on every
//! letter; the families that need guards (the since chain at 32 and 64 propositions,
//! the O-conjunction); budgets.

use crate::helpers::agree::{agree, engines_agree, Answer, Pair, Same};
use crate::helpers::formulas::{names, since_chain, ModTree};
use ltlattn::automata::{
    build_dfa, compare, compare_guarded, formula_dfa, formula_guarded, formula_guarded_in,
    guard_order, Alphabet, Budget, Dfa, GuardedDfa, Question,
};
use ltlattn::logic::{evaluate, parse, Acceptance, Arena, NodeId, Word};
use ltlattn::verdict::Counterexample;
use quickcheck::{QuickCheck, TestResult};
use std::collections::BTreeSet;

fn props(names: &[&str]) -> Alphabet {
    Alphabet::Props(names.iter().map(|s| s.to_string()).collect())
}

/// Whether two complete DFAs over the same letters are isomorphic from their initial
/// states (both minimal and reachable, so this is language equality and equal size).
fn isomorphic(a: &Dfa, b: &Dfa) -> Result<(), String> {
    if a.states() != b.states() {
        return Err(format!("{} states against {}", a.states(), b.states()));
    }
    let mut map = vec![u32::MAX; a.states()];
    map[0] = 0;
    let mut stack = vec![0u32];
    while let Some(q) = stack.pop() {
        let r = map[q as usize];
        if a.accepting()[q as usize] != b.accepting()[r as usize] {
            return Err(format!("state {q} ~ {r} differ in acceptance"));
        }
        for l in 0..a.letters() as u32 {
            let (x, y) = (a.next(q, l), b.next(r, l));
            if map[x as usize] == u32::MAX {
                map[x as usize] = y;
                stack.push(x);
            } else if map[x as usize] != y {
                return Err(format!("letter {l} from {q} ~ {r} leads apart"));
            }
        }
    }
    Ok(())
}

fn letter_set(alphabet: &Alphabet, l: u32) -> BTreeSet<String> {
    alphabet
        .atoms()
        .iter()
        .enumerate()
        .filter(|(i, _)| l >> i & 1 == 1)
        .map(|(_, n)| n.clone())
        .collect()
}

/// Every printed guard, parsed back as a formula, holds on a letter exactly when the
/// letter leads to the guard's target.
fn guards_reparse(g: &GuardedDfa) -> Result<(), String> {
    let k = g.alphabet().atoms().len();
    for q in 0..g.states() as u32 {
        for (t, cubes) in g.guards(q) {
            let text = g.show_guard(&cubes.ok_or("a small guard is written out")?);
            let mut f = Arena::new();
            let phi = parse(&mut f, &text).map_err(|e| format!("{text}: {e:?}"))?;
            for l in 0..1u32 << k {
                let holds: Vec<bool> = (0..k).map(|i| l >> i & 1 == 1).collect();
                let word = Word::Props(vec![letter_set(g.alphabet(), l)]);
                let leads = g.next(q, &holds) == t;
                if evaluate(&f, phi, &word, Acceptance::Last) != leads {
                    return Err(format!("guard {text} of {q} -> {t} on letter {l}"));
                }
            }
        }
    }
    Ok(())
}

fn acceptance(pick: u8) -> Acceptance {
    if pick & 1 == 0 {
        Acceptance::Eos
    } else {
        Acceptance::Last
    }
}

#[test]
fn minimal_guarded_automata_equal_the_dense_ones() {
    fn prop(a: ModTree, pick: u8) -> TestResult {
        let mut f = Arena::new();
        let x = a.0.build(&mut f, &["a", "b", "c"]);
        // A fourth proposition no formula names doubles the letters.
        let sigma = if pick & 2 == 0 {
            props(&["a", "b", "c"])
        } else {
            props(&["a", "b", "c", "d"])
        };
        let acc = acceptance(pick);
        let b = Budget::default();
        let dense = formula_dfa(&f, x, &sigma, acc, &b).unwrap();
        let g = formula_guarded(&f, x, &sigma, acc, &b).unwrap();
        let check = || -> Result<(), String> {
            isomorphic(&dense, &g.to_dense().ok_or("no dense form")?)?;
            // The round trip through guards is exact, state numbers included.
            let back = GuardedDfa::from_dense(&dense).ok_or("not props")?;
            if back.to_dense().as_ref() != Some(&dense) {
                return Err("from_dense then to_dense changed the automaton".into());
            }
            guards_reparse(&g)
        };
        match check() {
            Ok(()) => TestResult::passed(),
            Err(e) => TestResult::error(format!("{a:?} ({acc:?}, {sigma:?}): {e}")),
        }
    }
    QuickCheck::new()
        .tests(1500)
        .quickcheck(prop as fn(ModTree, u8) -> TestResult);
}

/// The unminimized guarded construction reaches the same subformula vectors as the
/// dense one.
#[test]
fn unminimized_sizes_agree() {
    fn prop(a: ModTree, pick: u8) -> TestResult {
        let mut f = Arena::new();
        let x = a.0.build(&mut f, &["a", "b", "c"]);
        let sigma = props(&["a", "b", "c"]);
        let acc = acceptance(pick);
        let b = Budget::default();
        let dense = build_dfa(&f, x, &sigma, acc, &b).unwrap();
        let g = ltlattn::automata::build_guarded(&f, x, &sigma, acc, &b).unwrap();
        if dense.states() == g.states() {
            TestResult::passed()
        } else {
            TestResult::error(format!("{a:?}: {} vs {}", dense.states(), g.states()))
        }
    }
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(ModTree, u8) -> TestResult);
}

#[test]
fn products_agree_with_the_dense_product() {
    fn prop(a: ModTree, b: ModTree, pick: u8) -> TestResult {
        let mut f = Arena::new();
        let l = a.0.build(&mut f, &["a", "b", "c"]);
        let r = b.0.build(&mut f, &["a", "b", "c"]);
        let sigma = props(&["a", "b", "c"]);
        let acc = acceptance(pick);
        let q = if pick & 2 == 0 {
            Question::Equivalent
        } else {
            Question::Included
        };
        let bud = Budget::default();
        let (dl, dr) = (
            formula_dfa(&f, l, &sigma, acc, &bud).unwrap(),
            formula_dfa(&f, r, &sigma, acc, &bud).unwrap(),
        );
        // Both sides test the propositions in one order; a random order exercises
        // the permutation.
        let mut order = guard_order(&f, &[l, r], &sigma);
        order.rotate_left(usize::from(pick >> 2) % 3);
        let (gl, gr) = (
            formula_guarded_in(&f, l, &sigma, acc, &bud, order.clone()).unwrap(),
            formula_guarded_in(&f, r, &sigma, acc, &bud, order).unwrap(),
        );
        let dense = compare(&dl, &dr, q, &bud).unwrap();
        let guarded = compare_guarded(&gl, &gr, q, &bud).unwrap();
        // Each product's word, judged by its own automata; the harness holds both to the
        // evaluator and the lengths to each other.
        let answers = [
            Answer {
                by: "the dense product".into(),
                counterexample: dense.counterexample.as_ref().map(|d| Counterexample {
                    word: sigma.word(d),
                    first: dl.accepts(d),
                    second: dr.accepts(d),
                }),
            },
            Answer {
                by: "the guarded product".into(),
                counterexample: guarded.counterexample.as_ref().map(|g| Counterexample {
                    word: gl.word(g),
                    first: gl.accepts(g),
                    second: gr.accepts(g),
                }),
            },
        ];
        let pair = Pair {
            f: &f,
            l,
            r,
            sigma: &sigma,
            acc,
            q,
        };
        match agree(&pair, &answers, Same::Length, None) {
            Ok(_) => TestResult::passed(),
            Err(e) => TestResult::error(format!("{a:?} vs {b:?} ({acc:?}, {q:?}): {e}")),
        }
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(ModTree, ModTree, u8) -> TestResult);
}

fn minimal(f: &Arena, x: NodeId, k: usize, acc: Acceptance) -> GuardedDfa {
    formula_guarded(f, x, &Alphabet::Props(names(k)), acc, &Budget::default()).unwrap()
}

/// Minimal automata of several formulas in one order of the propositions.
fn minimal_all(f: &Arena, xs: &[NodeId], k: usize, acc: Acceptance) -> Vec<GuardedDfa> {
    let sigma = Alphabet::Props(names(k));
    let order = guard_order(f, xs, &sigma);
    xs.iter()
        .map(|&x| formula_guarded_in(f, x, &sigma, acc, &Budget::default(), order.clone()).unwrap())
        .collect()
}

/// The since chain over 32 and 64 propositions (2^32 and 2^64 letters): k states under
/// last-position acceptance, as in the peers' table; and the O-conjunction's 2^k.
#[test]
fn families_with_many_propositions() {
    for k in [32usize, 64] {
        let mut f = Arena::new();
        let x = parse(&mut f, &since_chain(k)).unwrap();
        let g = minimal(&f, x, k, Acceptance::Last);
        assert_eq!(g.states(), k, "since chain k = {k}");
        // Its language: a word of one letter {p0} is accepted, {p1} is not; p0 then
        // p1 ... p{k-1} held since.
        assert!(g.accepts(&[vec![0]]));
        assert!(!g.accepts(&[vec![1]]));
        let climb: Vec<Vec<u32>> = (0..k as u32).map(|i| vec![i]).collect();
        let mut word = climb.clone();
        word.push(vec![k as u32 - 1]);
        assert_eq!(
            g.accepts(&word),
            evaluate(&f, x, &g.word(&word), Acceptance::Last)
        );
    }
    let k = 10;
    let conj: Vec<String> = (0..k).map(|i| format!("O p{i}")).collect();
    let mut f = Arena::new();
    let x = parse(&mut f, &conj.join(" & ")).unwrap();
    assert_eq!(minimal(&f, x, k, Acceptance::Eos).states(), 1 << k);
    // Equivalent to its dual, and a shortest counterexample for the broken variant.
    let dual: Vec<String> = (0..k).rev().map(|i| format!("H !p{i}")).collect();
    let y = parse(&mut f, &format!("!({})", dual.join(" | "))).unwrap();
    let broken = parse(&mut f, &conj[1..].join(" & ")).unwrap();
    let all = minimal_all(&f, &[x, y, broken], k, Acceptance::Eos);
    let (g, gy, gb) = (&all[0], &all[1], &all[2]);
    assert_eq!(g.states(), 1 << k);
    let b = Budget::default();
    let a = compare_guarded(g, gy, Question::Equivalent, &b).unwrap();
    assert_eq!(a.counterexample, None);
    let a = compare_guarded(gb, gy, Question::Equivalent, &b).unwrap();
    let c = a
        .counterexample
        .expect("p0 is never required by the broken side");
    assert_eq!(c.len(), 1, "one letter with p1..p9 and not p0");
    let w = gb.word(&c);
    assert!(evaluate(&f, broken, &w, Acceptance::Eos) && !evaluate(&f, y, &w, Acceptance::Eos));
}

/// Guards too large to write out are marked, and the JSON diagram still holds them:
/// after `Y (p0 <-> (p1 <-> … p13))` the guard of each target is a parity of 14
/// propositions, 2^13 disjoint cubes; every state's diagram, read back from the JSON,
/// gives the same successors as the automaton.
#[test]
fn large_guards_are_noted_and_the_diagram_is_complete() {
    let k = 14;
    let mut parity = format!("p{}", k - 1);
    for i in (0..k - 1).rev() {
        parity = format!("p{i} <-> ({parity})");
    }
    let mut f = Arena::new();
    let x = parse(&mut f, &format!("Y ({parity})")).unwrap();
    let sigma = Alphabet::Props(names(k));
    let g = formula_guarded(&f, x, &sigma, Acceptance::Eos, &Budget::default()).unwrap();
    assert_eq!(g.states(), 2);
    assert!(
        (0..g.states() as u32).all(|q| g.guards(q).iter().all(|(_, c)| c.is_none())),
        "parity guards exceed the cube limit"
    );
    assert!(g.to_dot().contains("see the JSON diagram"));
    let v = serde_json::to_value(g.to_json()).unwrap();
    let d = &v["diagram"];
    let order: Vec<usize> = d["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            names(k)
                .iter()
                .position(|x| x == n.as_str().unwrap())
                .unwrap()
        })
        .collect();
    let nodes = d["nodes"].as_array().unwrap();
    let mut seed = 7u64;
    for q in 0..g.states() {
        for _ in 0..200 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let holds: Vec<bool> = (0..k).map(|i| seed >> (20 + i) & 1 == 1).collect();
            let mut at = &d["roots"][q];
            let target = loop {
                let i = at.as_i64().unwrap();
                if i < 0 {
                    break (-1 - i) as u32;
                }
                let n = &nodes[i as usize];
                let level = n[0].as_u64().unwrap() as usize;
                at = if holds[order[level]] { &n[2] } else { &n[1] };
            };
            assert_eq!(target, g.next(q as u32, &holds));
        }
    }
}

/// Budgets stop the construction cleanly: states, and the deadline.
#[test]
fn budgets_stop_the_guarded_construction() {
    let conj: Vec<String> = (0..24).map(|i| format!("O p{i}")).collect();
    let mut f = Arena::new();
    let x = parse(&mut f, &conj.join(" & ")).unwrap();
    let sigma = Alphabet::Props(names(24));
    let e = formula_guarded(&f, x, &sigma, Acceptance::Eos, &Budget::new(5_000, None)).unwrap_err();
    assert!(e.to_string().contains("--max-states"), "{e}");
    let started = std::time::Instant::now();
    let e = formula_guarded(
        &f,
        x,
        &sigma,
        Acceptance::Eos,
        &Budget::new(usize::MAX / 16, Some(0.5)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("timeout"), "{e}");
    assert!(
        started.elapsed().as_secs_f64() < 5.0,
        "{:?}",
        started.elapsed()
    );
}

/// Over more than `DENSE_PROPS` propositions `formula_dfa` goes through the guarded
/// automaton; the result equals, state numbers included, the dense construction's
/// minimal automaton.
#[test]
fn formula_dfa_through_guards_is_the_canonical_minimal_dfa() {
    fn prop(a: ModTree, pick: u8) -> TestResult {
        let mut f = Arena::new();
        let x = a.0.build(&mut f, &["a", "b", "c"]);
        let mut names: Vec<&str> = vec!["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        names.rotate_left(usize::from(pick >> 1) % 9);
        let sigma = props(&names);
        let acc = acceptance(pick);
        let b = Budget::default();
        let through_guards = formula_dfa(&f, x, &sigma, acc, &b).unwrap();
        let dense = ltlattn::automata::minimize(&build_dfa(&f, x, &sigma, acc, &b).unwrap());
        if through_guards == dense {
            TestResult::passed()
        } else {
            TestResult::error(format!("{a:?} over {names:?} ({acc:?})"))
        }
    }
    QuickCheck::new()
        .tests(150)
        .quickcheck(prop as fn(ModTree, u8) -> TestResult);
}

/// The `dfa` command's JSON over propositions: the dense keys where the table exists,
/// plus `propositions`, `guards` and `diagram`; above 20 propositions only the guards.
#[test]
fn json_keys_over_propositions() {
    use ltlattn::automata::Automaton;
    let mut f = Arena::new();
    let x = parse(&mut f, "O p & Y q").unwrap();
    let sigma = props(&["p", "q"]);
    let a =
        Automaton::of_formula(&f, x, &sigma, Acceptance::Eos, &Budget::default(), true).unwrap();
    let v = serde_json::to_value(a.to_json()).unwrap();
    for key in [
        "states",
        "alphabet",
        "transitions",
        "propositions",
        "guards",
        "diagram",
    ] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    assert_eq!(v["guards"][0][0]["guard"], "!p");
    let x = parse(&mut f, &since_chain(24)).unwrap();
    let sigma = Alphabet::Props(names(24));
    let a =
        Automaton::of_formula(&f, x, &sigma, Acceptance::Last, &Budget::default(), true).unwrap();
    assert!(matches!(a, Automaton::Guarded(_)));
    let v = serde_json::to_value(a.to_json()).unwrap();
    assert_eq!(v["states"], 24);
    assert!(v.get("transitions").is_none());
    assert_eq!(v["guards"].as_array().unwrap().len(), 24);
}

/// Through `decide`: over nine propositions the explicit engine works with guards; its
/// verdicts and counterexample lengths equal the BDD engine's (and z3's, when built
/// with it) on random pairs, and every counterexample is re-judged by the evaluator.
#[test]
fn guarded_explicit_engine_agrees_with_the_symbolic_engines() {
    use ltlattn::verdict::Engine;
    fn prop(a: ModTree, b: ModTree, pick: u8) -> TestResult {
        let atoms = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        let mut f = Arena::new();
        let l = a.0.build(&mut f, &atoms);
        let r = b.0.build(&mut f, &atoms);
        let sigma = props(&atoms);
        let acc = acceptance(pick);
        let q = if pick & 2 == 0 {
            Question::Equivalent
        } else {
            Question::Included
        };
        let mut engines = vec![Engine::Explicit, Engine::Bdd];
        if cfg!(feature = "z3") && pick & 4 == 0 {
            engines.push(Engine::Z3);
        }
        let pair = Pair {
            f: &f,
            l,
            r,
            sigma: &sigma,
            acc,
            q,
        };
        match engines_agree(&pair, &engines, 200_000, Same::Length) {
            Ok(_) => TestResult::passed(),
            Err(e) => TestResult::error(format!("{a:?} vs {b:?} ({acc:?}, {q:?}): {e}")),
        }
    }
    QuickCheck::new()
        .tests(400)
        .quickcheck(prop as fn(ModTree, ModTree, u8) -> TestResult);
}
