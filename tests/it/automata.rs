//! The explicit engine against the reference evaluator and against brute force.

use crate::helpers::agree::{agree, Answer, Pair, Same};
use crate::helpers::formulas::{ModTree, Tree};
use crate::helpers::words::{all_prop_words, all_words};
use ltlattn::automata::{
    build_dfa, coarsest_partition, compare, formula_dfa, minimize, Alphabet, Budget, Dfa, Limit,
    Question,
};
use ltlattn::logic::{evaluate, parse, Acceptance, Arena, Node, NodeId, Word};
use ltlattn::verdict::Counterexample;
use quickcheck::{QuickCheck, TestResult};
use std::collections::BTreeSet;

fn tokens(xs: &[&str]) -> Alphabet {
    Alphabet::Tokens(xs.iter().map(|s| s.to_string()).collect())
}

/// The DFA (as built and minimized) accepts exactly what the evaluator accepts.
fn dfa_matches_evaluator(
    f: &Arena,
    phi: NodeId,
    sigma: &Alphabet,
    words: &[Word],
) -> Result<(), String> {
    for acc in [Acceptance::Eos, Acceptance::Last] {
        let raw = build_dfa(f, phi, sigma, acc, &Budget::default()).unwrap();
        let min = minimize(&raw);
        if min.states() > raw.states() {
            return Err("minimization grew the automaton".into());
        }
        for w in words {
            let letters = sigma.letters_of(w).unwrap();
            let want = evaluate(f, phi, w, acc);
            if raw.accepts(&letters) != want || min.accepts(&letters) != want {
                return Err(format!("{acc:?} on {}: evaluator says {want}", w.show()));
            }
        }
    }
    Ok(())
}

#[test]
fn dfa_acceptance_equals_the_evaluator_on_all_words_up_to_length_7() {
    // Random formulas may use position-modulo atoms pos%m=r (m ≤ 4).
    fn prop(t: ModTree) -> TestResult {
        thread_local!(static W: Vec<Word> = all_words(&["a", "b"], 7));
        let mut f = Arena::new();
        let phi = t.0.build(&mut f, &["a", "b"]);
        match W.with(|words| dfa_matches_evaluator(&f, phi, &tokens(&["a", "b"]), words)) {
            Ok(()) => TestResult::passed(),
            Err(e) => TestResult::error(format!(
                "{}: {e}",
                ltlattn::logic::print(&f, phi, ltlattn::logic::Syntax::Ascii)
            )),
        }
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(ModTree) -> TestResult);
}

#[test]
fn dfa_acceptance_equals_the_evaluator_with_three_letters_and_with_propositions() {
    let letter_words = all_words(&["a", "b", "c"], 5);
    let prop_words = all_prop_words(&["a", "b"], 4);
    fn prop(t: Tree) -> TestResult {
        thread_local! {
            static W: (Vec<Word>, Vec<Word>) = (all_words(&["a", "b", "c"], 5), all_prop_words(&["a", "b"], 4));
        }
        let mut f = Arena::new();
        let phi = t.build(&mut f, &["a", "b", "c"]);
        W.with(|(lw, _)| dfa_matches_evaluator(&f, phi, &tokens(&["a", "b", "c"]), lw))
            .and_then(|_| {
                let mut g = Arena::new();
                let psi = t.build(&mut g, &["a", "b"]);
                W.with(|(_, pw)| {
                    dfa_matches_evaluator(
                        &g,
                        psi,
                        &Alphabet::Props(vec!["a".into(), "b".into()]),
                        pw,
                    )
                })
            })
            .map_or_else(TestResult::error, |_| TestResult::passed())
    }
    assert!(!letter_words.is_empty() && !prop_words.is_empty());
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(Tree) -> TestResult);
}

/// Moore's refinement, written naively: the reference for Hopcroft's state counts.
fn moore_states(d: &Dfa) -> usize {
    let mut class: Vec<usize> = d.accepting().iter().map(|&a| a as usize).collect();
    loop {
        let mut sigs: Vec<(usize, Vec<usize>)> = (0..d.states())
            .map(|q| {
                (
                    class[q],
                    (0..d.letters() as u32)
                        .map(|l| class[d.next(q as u32, l) as usize])
                        .collect(),
                )
            })
            .collect();
        let mut uniq = sigs.clone();
        uniq.sort();
        uniq.dedup();
        let next: Vec<usize> = sigs
            .drain(..)
            .map(|s| uniq.binary_search(&s).unwrap())
            .collect();
        let before = class.iter().collect::<BTreeSet<_>>().len();
        if uniq.len() == before {
            return uniq.len();
        }
        class = next;
    }
}

#[test]
fn hopcroft_agrees_with_moore_and_is_invariant_under_the_laws() {
    fn prop(t: Tree) -> TestResult {
        let mut f = Arena::new();
        let phi = t.build(&mut f, &["a", "b"]);
        let sigma = tokens(&["a", "b"]);
        let b = Budget::default();
        for acc in [Acceptance::Eos, Acceptance::Last] {
            let raw = build_dfa(&f, phi, &sigma, acc, &b).unwrap();
            let min = minimize(&raw);
            if moore_states(&raw) != min.states() {
                return TestResult::error(format!(
                    "Moore {} vs Hopcroft {}",
                    moore_states(&raw),
                    min.states()
                ));
            }
            // Equal languages give equal canonical minimal DFAs.
            let p = f.add(Node::StrictOnce(phi));
            let o = f.add(Node::Once(phi));
            let unrolled = f.add(Node::Or(phi, p));
            let n = f.add(Node::Not(phi));
            let nn = f.add(Node::Not(n));
            let dd = |x| formula_dfa(&f, x, &sigma, acc, &b).unwrap();
            if dd(o) != dd(unrolled) {
                return TestResult::error("O φ and φ | P φ have different minimal DFAs");
            }
            if dd(nn) != dd(phi) {
                return TestResult::error("!!φ and φ have different minimal DFAs");
            }
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Tree) -> TestResult);
}

/// Hopcroft with any number of initial labels (the numeric compiler minimizes its layer
/// stages as Mealy machines with it) gives the same partition as Moore's refinement
/// written naively, on random transition tables with random labels: two states share a
/// block iff every word leads them to equal labels.
#[test]
fn coarsest_partition_with_many_labels_agrees_with_moore() {
    fn moore(trans: &[u32], k: usize, labels: &[u32]) -> Vec<usize> {
        let n = labels.len();
        let mut class: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        loop {
            let sigs: Vec<(usize, Vec<usize>)> = (0..n)
                .map(|q| {
                    (
                        class[q],
                        (0..k).map(|l| class[trans[q * k + l] as usize]).collect(),
                    )
                })
                .collect();
            let mut uniq = sigs.clone();
            uniq.sort();
            uniq.dedup();
            let next: Vec<usize> = sigs
                .iter()
                .map(|s| uniq.binary_search(s).unwrap())
                .collect();
            let before = class.iter().collect::<BTreeSet<_>>().len();
            class = next;
            if uniq.len() == before {
                return class;
            }
        }
    }
    fn prop(seed: u64, n: u8, k: u8, kinds: u8) -> TestResult {
        let (n, k, kinds) = (
            1 + n as usize % 40,
            1 + k as usize % 3,
            1 + kinds as u64 % 5,
        );
        let mut x = seed | 1;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let trans: Vec<u32> = (0..n * k).map(|_| next(n as u64) as u32).collect();
        let labels: Vec<u32> = (0..n).map(|_| next(kinds) as u32 * 7).collect();
        let fast = coarsest_partition(&trans, k, &labels, &Budget::default()).unwrap();
        let slow = moore(&trans, k, &labels);
        for p in 0..n {
            for q in 0..n {
                if (fast[p] == fast[q]) != (slow[p] == slow[q]) {
                    return TestResult::error(format!(
                        "states {p} and {q}: Hopcroft {} vs Moore {}",
                        fast[p] == fast[q],
                        slow[p] == slow[q]
                    ));
                }
            }
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(u64, u8, u8, u8) -> TestResult);
}

fn size(text: &str, sigma: &Alphabet, acc: Acceptance) -> usize {
    let mut f = Arena::new();
    let phi = parse(&mut f, text).unwrap();
    formula_dfa(&f, phi, sigma, acc, &Budget::default())
        .unwrap()
        .states()
}

#[test]
fn known_families_have_their_known_minimal_sizes() {
    let ab = tokens(&["a", "b"]);
    // "The k-th letter from the end is a": 2^k states (the classic blow-up).
    for k in 1..=10 {
        let text = format!("{}a", "Y ".repeat(k));
        assert_eq!(size(&text, &ab, Acceptance::Eos), 1 << k, "Y^{k} a");
    }
    // Which of k propositions have been seen: 2^k states.
    for k in 1..=8 {
        let props: Vec<String> = (0..k).map(|i| format!("p{i}")).collect();
        let text = props
            .iter()
            .map(|p| format!("O {p}"))
            .collect::<Vec<_>>()
            .join(" & ");
        assert_eq!(
            size(&text, &Alphabet::Props(props), Acceptance::Last),
            1 << k,
            "{text}"
        );
    }
    // One of the last k letters is a: the distance to the last a, or none: k + 1 states.
    for k in 1..=12 {
        assert_eq!(
            size(&format!("Y<={k} a"), &ab, Acceptance::Eos),
            k + 1,
            "Y<={k} a"
        );
    }
    // Small languages from the papers.
    let abc = tokens(&["a", "b", "c"]);
    assert_eq!(size("P (a & Y b)", &abc, Acceptance::Eos), 3); // contains "ba"
    assert_eq!(size("P (start & a)", &ab, Acceptance::Eos), 3); // first symbol is a
    assert_eq!(size("Y a", &ab, Acceptance::Eos), 2); // last symbol is a
    assert_eq!(size("true", &ab, Acceptance::Eos), 1);
    assert_eq!(size("false", &ab, Acceptance::Eos), 1);
    // (ab)*: first a, no aa, no bb, ends in b or empty.
    let ab_star = "(eos & start) | (P (start & a) & !P (a & Y a) & !P (b & Y b) & Y b)";
    assert_eq!(size(ab_star, &ab, Acceptance::Eos), 3); // ε or after b (accepting), after a, sink
}

#[test]
fn product_verdicts_agree_with_brute_force_and_counterexamples_are_shortest() {
    let words = all_words(&["a", "b"], 6);
    fn prop(t1: Tree, t2: Tree, incl: bool) -> TestResult {
        thread_local!(static W: Vec<Word> = all_words(&["a", "b"], 6));
        let mut f = Arena::new();
        let x = t1.build(&mut f, &["a", "b"]);
        let y = t2.build(&mut f, &["a", "b"]);
        let sigma = tokens(&["a", "b"]);
        let b = Budget::default();
        let q = if incl {
            Question::Included
        } else {
            Question::Equivalent
        };
        for acc in [Acceptance::Eos, Acceptance::Last] {
            let (dx, dy) = (
                formula_dfa(&f, x, &sigma, acc, &b).unwrap(),
                formula_dfa(&f, y, &sigma, acc, &b).unwrap(),
            );
            let ans = compare(&dx, &dy, q, &b).unwrap();
            // The product's word, judged by the automata themselves; the harness holds
            // it to the evaluator and to brute force (the first violating word among all
            // short words, shortest first).
            let answer = Answer {
                by: "the DFA product".into(),
                counterexample: ans.counterexample.as_ref().map(|c| Counterexample {
                    word: sigma.word(c),
                    first: dx.accepts(c),
                    second: dy.accepts(c),
                }),
            };
            let pair = Pair {
                f: &f,
                l: x,
                r: y,
                sigma: &sigma,
                acc,
                q,
            };
            if let Err(e) = W.with(|ws| agree(&pair, &[answer], Same::Word, Some(ws))) {
                return TestResult::error(format!("{acc:?}: {e}"));
            }
        }
        TestResult::passed()
    }
    assert!(!words.is_empty());
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Tree, Tree, bool) -> TestResult);
}

#[test]
fn budgets_stop_work_cleanly() {
    let mut f = Arena::new();
    let phi = parse(&mut f, &format!("{}a", "Y ".repeat(20))).unwrap();
    let sigma = tokens(&["a", "b"]);
    let err = build_dfa(&f, phi, &sigma, Acceptance::Eos, &Budget::new(5000, None)).unwrap_err();
    assert_eq!(err.limit, Limit::States(5000));
    assert!(err.to_string().contains("--max-states"), "{err}");
    let err = build_dfa(
        &f,
        phi,
        &sigma,
        Acceptance::Eos,
        &Budget::new(usize::MAX, Some(1e-6)),
    )
    .unwrap_err();
    assert!(matches!(err.limit, Limit::Timeout(_)));
    assert!(err.to_string().contains("--timeout"), "{err}");
}

/// The deadline holds on large proposition alphabets too: 14 propositions make 16,384
/// letters, and once every state is found the dense build still reads the clock (it
/// took 56 s past a 10 s limit before), as does minimization. (`formula_dfa` itself goes
/// through guards there and answers in about a second.)
#[test]
fn the_deadline_holds_with_many_letters() {
    use ltlattn::automata::{build_dfa, minimize_within, Limit};
    let formula_dfa = |f: &Arena, root, sigma: &Alphabet, acc, budget: &Budget| {
        minimize_within(&build_dfa(f, root, sigma, acc, budget)?, budget)
    };
    let mut f = Arena::new();
    let conj: Vec<String> = (0..14).map(|i| format!("O p{i}")).collect();
    let root = ltlattn::logic::parse(&mut f, &conj.join(" & ")).unwrap();
    let sigma = Alphabet::Props((0..14).map(|i| format!("p{i}")).collect());
    let start = std::time::Instant::now();
    let budget = Budget::new(4_000_000, Some(1.0));
    let r = formula_dfa(&f, root, &sigma, Acceptance::Eos, &budget);
    let e = r.expect_err("16,384 states × 16,384 letters do not fit in a second");
    assert!(matches!(e.limit, Limit::Timeout(_)), "{e}");
    assert!(
        start.elapsed().as_secs_f64() < 10.0,
        "stopped after {:?}",
        start.elapsed()
    );
}
