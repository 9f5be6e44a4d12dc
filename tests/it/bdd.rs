//! The BDD engine against the explicit engine: the same verdicts and counterexamples of
//! the same (shortest, least) words on thousands of random formula pairs — letters (binary
//! letter codes with unused codes), propositions, both acceptances, both questions,
//! position-modulo atoms and `Y<=k` counters — every counterexample re-checked by the
//! reference evaluator; proofs on pairs equivalent by the laws of docs/SEMANTICS.md §2;
//! the families the explicit engine cannot enumerate; limits reported as such.

use crate::helpers::agree::{engines_agree, Pair, Same};
use crate::helpers::formulas::{conj, dual, law_rewriting, letters, names, ModTree, Tree};
use ltlattn::automata::{Alphabet, Question};
use ltlattn::bdd::{compare_bdd, BddLimits, BddVerdict};
use ltlattn::logic::{parse, Acceptance, Arena, NodeId};
use ltlattn::verdict::{Engine, Options};
use quickcheck::{QuickCheck, TestResult};

/// The explicit and the BDD engine on one pair (state budget 200,000): the same verdict
/// and the same least shortest counterexample, each re-checked by the evaluator; a BDD
/// proof carries its re-checked invariant.
fn agree(
    f: &Arena,
    l: NodeId,
    r: NodeId,
    sigma: &Alphabet,
    acc: Acceptance,
    q: Question,
) -> Result<bool, String> {
    let pair = Pair {
        f,
        l,
        r,
        sigma,
        acc,
        q,
    };
    engines_agree(&pair, &[Engine::Explicit, Engine::Bdd], 200_000, Same::Word)
}

#[test]
fn engines_agree_on_random_pairs() {
    fn prop(a: ModTree, b: ModTree, pick: u8) -> TestResult {
        let mut f = Arena::new();
        let atoms = ["a", "b", "c"];
        let l = a.0.build(&mut f, &atoms);
        let r = b.0.build(&mut f, &atoms);
        let acc = if pick & 1 == 0 {
            Acceptance::Eos
        } else {
            Acceptance::Last
        };
        let q = if pick & 2 == 0 {
            Question::Equivalent
        } else {
            Question::Included
        };
        // Three letters use two code bits, one code unused: the validity constraint
        // is exercised; a fourth token no formula names is read as "no atom true".
        let sigma = match pick >> 2 & 3 {
            0 => letters(3),
            1 => Alphabet::Tokens(vec!["a".into(), "b".into(), "c".into(), "d".into()]),
            2 => Alphabet::Props(vec!["a".into(), "b".into(), "c".into()]),
            _ => letters(2),
        };
        // With two letters, formulas must not use `c`.
        if pick >> 2 & 3 == 3
            && (f.atom_names(l).contains(&"c".to_string())
                || f.atom_names(r).contains(&"c".to_string()))
        {
            return TestResult::discard();
        }
        match agree(&f, l, r, &sigma, acc, q) {
            Ok(_) => TestResult::passed(),
            Err(e) => TestResult::error(format!("{a:?} vs {b:?} ({acc:?}, {q:?}, {sigma:?}): {e}")),
        }
    }
    QuickCheck::new()
        .tests(3000)
        .max_tests(20_000)
        .quickcheck(prop as fn(ModTree, ModTree, u8) -> TestResult);
}

/// φ against a rewriting of φ by one law at its root: the pair is equivalent, so the
/// engine must reach its fixed point and prove it.
#[test]
fn proofs_on_equivalent_rewritings() {
    fn prop(a: Tree, law: u8) -> TestResult {
        let mut f = Arena::new();
        let x = a.build(&mut f, &["a", "b", "c"]);
        let (l, r) = law_rewriting(&mut f, x, law);
        let acc = if law & 8 == 0 {
            Acceptance::Eos
        } else {
            Acceptance::Last
        };
        match agree(&f, l, r, &letters(3), acc, Question::Equivalent) {
            Ok(true) => TestResult::passed(),
            Ok(false) => {
                TestResult::error(format!("law {} on {a:?} is not an equivalence", law % 5))
            }
            Err(e) => TestResult::error(format!("law {} on {a:?}: {e}", law % 5)),
        }
    }
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(Tree, u8) -> TestResult);
}

/// The families of issue #17 that the explicit engine cannot enumerate: 40 letters
/// (2^40 reachable states) and 64 propositions, each proved, and the broken variant's
/// counterexample of length 39, which the evaluator confirms.
#[test]
fn families_beyond_the_explicit_engine() {
    // The BDD engine alone, at the default budgets: its counterexamples re-checked by the
    // evaluator, its proofs carrying the re-checked invariant.
    let bdd = |pair: &Pair| {
        let a = pair
            .decide(Engine::Bdd, Options::default().max_states)
            .unwrap();
        if let Some(c) = &a.counterexample {
            pair.check_counterexample(c).unwrap();
        }
        a.counterexample
    };
    for k in [20usize, 40] {
        let mut f = Arena::new();
        let l = parse(&mut f, &conj(k)).unwrap();
        let r = parse(&mut f, &dual(k)).unwrap();
        let broken = parse(&mut f, &conj(k - 1)).unwrap();
        let sigma = Alphabet::Tokens(names(k));
        let pair = Pair {
            f: &f,
            l,
            r,
            sigma: &sigma,
            acc: Acceptance::Eos,
            q: Question::Equivalent,
        };
        assert_eq!(bdd(&pair), None, "{k} letters");
        let c = bdd(&Pair { l: broken, ..pair }).expect("the broken pair differs");
        assert_eq!(c.word.len(), k - 1);
        // Under propositions the same pair (one set holds every atom).
        let sigma = Alphabet::Props(names(k));
        let c = bdd(&Pair {
            l: broken,
            sigma: &sigma,
            ..pair
        })
        .expect("differs");
        assert_eq!(c.word.len(), 1);
    }
    // The since chain p63 S (… (p1 S p0)) against a rewriting with a dead disjunct.
    let mut f = Arena::new();
    let mut a = "p0".to_string();
    let mut b = "p0".to_string();
    for i in 1..64 {
        a = format!("p{i} S ({a})");
        b = format!("p{i} S ({b} | p0 & !p0)");
    }
    let (l, r) = (parse(&mut f, &a).unwrap(), parse(&mut f, &b).unwrap());
    // Dropping the innermost atom breaks it, at length 1.
    let c = parse(&mut f, &a.replacen("(p0)", "(p1)", 1)).unwrap();
    let sigma = Alphabet::Props(names(64));
    let pair = Pair {
        f: &f,
        l,
        r,
        sigma: &sigma,
        acc: Acceptance::Last,
        q: Question::Equivalent,
    };
    assert_eq!(bdd(&pair), None);
    bdd(&Pair { r: c, ..pair }).expect("differs");
}

#[test]
fn limits_are_reported_not_guessed() {
    let mut f = Arena::new();
    let l = parse(&mut f, "Y Y Y Y Y Y a").unwrap();
    let r = parse(&mut f, "Y Y Y Y Y Y b").unwrap();
    let run = |max_nodes, max_depth| {
        compare_bdd(
            &f,
            l,
            r,
            &letters(2),
            Acceptance::Eos,
            Question::Equivalent,
            &BddLimits {
                max_nodes,
                timeout: None,
                max_depth,
            },
        )
    };
    // Words of length ≥ 6 tell them apart: depth 3 is not enough, and says so.
    let a = run(1_000_000, 3);
    assert!(
        matches!(&a.verdict, BddVerdict::Unknown(w) if w.contains("--max-depth")),
        "{a:?}"
    );
    let a = run(10, 100);
    assert!(
        matches!(&a.verdict, BddVerdict::Unknown(w) if w.contains("BDD nodes")),
        "{a:?}"
    );
    let a = run(1_000_000, 100);
    assert!(
        matches!(&a.verdict, BddVerdict::Fails(w) if w.len() == 6),
        "{a:?}"
    );
}
