//! The z3 engine against the explicit engine: same verdicts and counterexamples of the
//! same least shortest words on thousands of random formula pairs, every counterexample
//! re-checked by the reference evaluator; proofs on pairs that are equivalent by the laws
//! of docs/SEMANTICS.md §2; unknown answers reported as such.
#![cfg(feature = "z3")]

use crate::helpers::agree::{engines_agree, Pair, Same};
use crate::helpers::formulas::{law_rewriting, letters, ModTree, Tree};
use ltlattn::automata::{Alphabet, Question};
use ltlattn::logic::{evaluate, Acceptance, Arena, NodeId};
use ltlattn::smt::{compare_symbolic, SmtLimits, SmtVerdict};
use ltlattn::verdict::Engine;
use quickcheck::{QuickCheck, TestResult};

/// The explicit engine and z3 on one pair (state budget 100,000), both through the
/// library's certified decision: the same verdict and the same least shortest
/// counterexample, each re-checked by the evaluator.
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
    engines_agree(&pair, &[Engine::Explicit, Engine::Z3], 100_000, Same::Word)
}

#[test]
fn engines_agree_on_random_pairs() {
    // Random formulas may use position-modulo atoms pos%m=r (m ≤ 4).
    fn prop(a: ModTree, b: ModTree, pick: u8) -> TestResult {
        let mut f = Arena::new();
        let atoms = ["a", "b"];
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
        let sigma = if pick & 4 == 0 {
            letters(2)
        } else {
            Alphabet::Props(vec!["a".into(), "b".into()])
        };
        match agree(&f, l, r, &sigma, acc, q) {
            Ok(_) => TestResult::passed(),
            Err(e) => TestResult::error(format!("{:?} vs {:?} ({acc:?}, {q:?}): {e}", a, b)),
        }
    }
    QuickCheck::new()
        .tests(1500)
        .quickcheck(prop as fn(ModTree, ModTree, u8) -> TestResult);
}

/// φ against a rewriting of φ by one law at its root: the pair is equivalent, so z3 has
/// to prove it (k-induction or Spacer), not just fail to find a word.
#[test]
fn engines_agree_on_equivalent_rewritings() {
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

#[test]
fn unknown_is_reported_as_unknown() {
    let mut f = Arena::new();
    // Words of length ≥ 3 are needed to tell these apart; BMC stops at depth 1.
    let l = ltlattn::logic::parse(&mut f, "Y Y Y a").unwrap();
    let r = ltlattn::logic::parse(&mut f, "Y Y Y b").unwrap();
    let limits = SmtLimits {
        max_depth: 1,
        ..SmtLimits::default()
    };
    let z = compare_symbolic(
        &f,
        l,
        r,
        &letters(2),
        Acceptance::Eos,
        Question::Equivalent,
        &limits,
    );
    assert!(
        matches!(z.verdict, SmtVerdict::Unknown(_)),
        "{:?}",
        z.verdict
    );
}

#[test]
fn conjunctions_of_once_beyond_the_explicit_engine() {
    for k in [20usize, 40] {
        let mut f = Arena::new();
        let l = ltlattn::logic::parse(
            &mut f,
            &(0..k)
                .map(|i| format!("O p{i}"))
                .collect::<Vec<_>>()
                .join(" & "),
        )
        .unwrap();
        let r = ltlattn::logic::parse(
            &mut f,
            &format!(
                "!({})",
                (0..k)
                    .rev()
                    .map(|i| format!("H !p{i}"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        )
        .unwrap();
        let bad = ltlattn::logic::parse(
            &mut f,
            &format!(
                "!({})",
                (1..k)
                    .rev()
                    .map(|i| format!("H !p{i}"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        )
        .unwrap();
        let sigma = Alphabet::Props((0..k).map(|i| format!("p{i}")).collect());
        let limits = SmtLimits::default();
        let z = compare_symbolic(
            &f,
            l,
            r,
            &sigma,
            Acceptance::Eos,
            Question::Equivalent,
            &limits,
        );
        assert!(
            matches!(z.verdict, SmtVerdict::Holds(_)),
            "k = {k}: {:?}",
            z.verdict
        );
        let z = compare_symbolic(
            &f,
            l,
            bad,
            &sigma,
            Acceptance::Eos,
            Question::Equivalent,
            &limits,
        );
        let SmtVerdict::Fails(found) = z.verdict else {
            panic!("k = {k}: expected a counterexample");
        };
        let w = found.to_word(&sigma);
        assert_eq!(w.len(), 1);
        assert_ne!(
            evaluate(&f, l, &w, Acceptance::Eos),
            evaluate(&f, bad, &w, Acceptance::Eos)
        );
    }
}

/// Found by `engines_agree_on_random_pairs`: with z3 4.8.12's default slicing, Spacer
/// called this (true) inclusion unsafe. The engine turns slicing off.
#[test]
fn spacer_without_slicing_proves_this_inclusion() {
    let mut f = Arena::new();
    let l = ltlattn::logic::parse(
        &mut f,
        "(!true S (b & eos) -> ((b <-> false) <-> (a <-> b))) S< (a S (start <-> false)) P H (eos & a)",
    )
    .unwrap();
    let r = ltlattn::logic::parse(&mut f, "a").unwrap();
    let sigma = Alphabet::Tokens(vec!["b".into(), "a".into()]);
    let limits = SmtLimits {
        max_depth: 4,
        ..SmtLimits::default()
    };
    let z = compare_symbolic(
        &f,
        l,
        r,
        &sigma,
        Acceptance::Last,
        Question::Included,
        &limits,
    );
    assert!(matches!(z.verdict, SmtVerdict::Holds(_)), "{:?}", z.verdict);
}

/// Under letter semantics a proof may come from proposition sets (letter words are among
/// the set words): the 20-letter pair of docs/results/2026-12-06-engines.md is proved that way and says so; a
/// pair that fails for sets but holds for letters is still proved, over letters.
#[test]
fn letter_proofs_may_come_from_proposition_sets() {
    let mut f = Arena::new();
    let conj: Vec<String> = (0..20).map(|i| format!("O p{i}")).collect();
    let disj: Vec<String> = (0..20).rev().map(|i| format!("H !p{i}")).collect();
    let l = ltlattn::logic::parse(&mut f, &conj.join(" & ")).unwrap();
    let r = ltlattn::logic::parse(&mut f, &format!("!({})", disj.join(" | "))).unwrap();
    let sigma = Alphabet::Tokens((0..20).map(|i| format!("p{i}")).collect());
    let limits = SmtLimits::default();
    let z = compare_symbolic(
        &f,
        l,
        r,
        &sigma,
        Acceptance::Eos,
        Question::Equivalent,
        &limits,
    );
    assert!(matches!(z.verdict, SmtVerdict::Holds(_)), "{:?}", z.verdict);
    assert!(z.over_sets);
    // "Never two letters at once" holds for letters only: the set relaxation cannot
    // prove it, the letter system must.
    let l = ltlattn::logic::parse(&mut f, "H !(p0 & p1)").unwrap();
    let r = ltlattn::logic::parse(&mut f, "true").unwrap();
    let z = compare_symbolic(
        &f,
        l,
        r,
        &sigma,
        Acceptance::Eos,
        Question::Equivalent,
        &limits,
    );
    assert!(matches!(z.verdict, SmtVerdict::Holds(_)), "{:?}", z.verdict);
    assert!(!z.over_sets);
}
