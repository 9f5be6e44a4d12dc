//! Property tests of the formula core: printers round-trip, evaluator laws hold.

use crate::helpers::formulas::{ModTree, RandWord, Tree, ATOMS};
use ltlattn::logic::{parse, print, truth_table, Acceptance, Arena, Node, NodeId, Syntax, Word};
use quickcheck::{QuickCheck, TestResult};
use std::collections::BTreeSet;

fn qc() -> QuickCheck {
    QuickCheck::new().tests(2000)
}

#[test]
fn every_printer_round_trips_to_the_same_node() {
    // Position-modulo atoms included, next to `pos` and `mod` as plain atoms.
    fn prop(t: ModTree) -> TestResult {
        let mut f = Arena::new();
        let atoms = ["a", "p_0", "(", "the", "x'y", "True", "{\\}", "pos", "mod"];
        let root = t.0.build(&mut f, &atoms);
        for syntax in [Syntax::Ascii, Syntax::Unicode, Syntax::Latex] {
            let text = print(&f, root, syntax);
            match parse(&mut f, &text) {
                Ok(back) if back == root => {}
                other => {
                    return TestResult::error(format!("{syntax:?}: {text:?} parsed as {other:?}"))
                }
            }
        }
        TestResult::passed()
    }
    qc().quickcheck(prop as fn(ModTree) -> TestResult);
}

/// Both sides agree at every position of every random word, under both acceptances
/// (the table covers the end marker under EOS) and under proposition semantics.
fn agree(f: &Arena, x: NodeId, y: NodeId, w: &RandWord) -> bool {
    let words = [
        Word::letters(w.0.clone()),
        // Proposition semantics: position i carries the letters of i and i+1.
        Word::Props(
            (0..w.0.len())
                .map(|i| {
                    w.0[i..(i + 2).min(w.0.len())]
                        .iter()
                        .cloned()
                        .collect::<BTreeSet<_>>()
                })
                .collect(),
        ),
    ];
    words.iter().all(|word| {
        [Acceptance::Eos, Acceptance::Last].iter().all(|&acc| {
            let tx = truth_table(f, x, word, acc);
            let ty = truth_table(f, y, word, acc);
            tx.values.last() == ty.values.last()
        })
    })
}

macro_rules! law {
    ($name:ident, |$f:ident, $phi:ident, $psi:ident| ($lhs:expr, $rhs:expr)) => {
        #[test]
        fn $name() {
            fn prop(t1: Tree, t2: Tree, w: RandWord) -> bool {
                let mut $f = Arena::new();
                let $phi = t1.build(&mut $f, &ATOMS);
                let $psi = t2.build(&mut $f, &ATOMS);
                let _ = ($phi, $psi);
                let l = $lhs;
                let r = $rhs;
                agree(&$f, l, r, &w)
            }
            qc().quickcheck(prop as fn(Tree, Tree, RandWord) -> bool);
        }
    };
}

law!(once_is_now_or_strictly_before, |f, phi, psi| (
    f.add(Node::Once(phi)),
    {
        let p = f.add(Node::StrictOnce(phi));
        f.add(Node::Or(phi, p))
    }
));

law!(strict_once_is_yesterday_once, |f, phi, psi| (
    f.add(Node::StrictOnce(phi)),
    {
        let o = f.add(Node::Once(phi));
        f.add(Node::Yesterday(o))
    }
));

law!(historically_is_dual_of_once, |f, phi, psi| (
    f.add(Node::Historically(phi)),
    {
        let n = f.add(Node::Not(phi));
        let o = f.add(Node::Once(n));
        f.add(Node::Not(o))
    }
));

law!(once_is_true_since, |f, phi, psi| (
    f.add(Node::Once(phi)),
    {
        let t = f.add(Node::True);
        f.add(Node::Since(t, phi))
    }
));

law!(since_unrolls, |f, phi, psi| (
    f.add(Node::Since(phi, psi)),
    {
        // φ S ψ ≡ ψ ∨ (φ ∧ Y(φ S ψ))
        let s = f.add(Node::Since(phi, psi));
        let y = f.add(Node::Yesterday(s));
        let a = f.add(Node::And(phi, y));
        f.add(Node::Or(psi, a))
    }
));

law!(strict_since_unrolls, |f, phi, psi| (
    f.add(Node::StrictSince(phi, psi)),
    {
        // φ S< ψ ≡ Y(ψ ∨ (φ ∧ (φ S< ψ)))
        let s = f.add(Node::StrictSince(phi, psi));
        let a = f.add(Node::And(phi, s));
        let o = f.add(Node::Or(psi, a));
        f.add(Node::Yesterday(o))
    }
));

law!(strict_since_is_yesterday_of_since, |f, phi, psi| (
    f.add(Node::StrictSince(phi, psi)),
    {
        // φ S< ψ ≡ Y(φ S ψ)
        let s = f.add(Node::Since(phi, psi));
        f.add(Node::Yesterday(s))
    }
));

law!(release_is_dual_of_since, |f, phi, psi| (
    f.add(Node::Release(phi, psi)),
    {
        let nphi = f.add(Node::Not(phi));
        let npsi = f.add(Node::Not(psi));
        let s = f.add(Node::Since(nphi, npsi));
        f.add(Node::Not(s))
    }
));

law!(release_unrolls, |f, phi, psi| (
    f.add(Node::Release(phi, psi)),
    {
        // φ P ψ ≡ ψ ∧ (φ ∨ Z(φ P ψ))
        let r = f.add(Node::Release(phi, psi));
        let z = f.add(Node::WeakYesterday(r));
        let o = f.add(Node::Or(phi, z));
        f.add(Node::And(psi, o))
    }
));

law!(weak_yesterday_is_start_or_yesterday, |f, phi, psi| (
    f.add(Node::WeakYesterday(phi)),
    {
        let s = f.add(Node::Start);
        let y = f.add(Node::Yesterday(phi));
        f.add(Node::Or(s, y))
    }
));

law!(start_is_not_yesterday_true, |f, phi, psi| (
    f.add(Node::Start),
    {
        let t = f.add(Node::True);
        let y = f.add(Node::Yesterday(t));
        f.add(Node::Not(y))
    }
));

#[test]
fn bounded_yesterday_is_a_disjunction_of_yesterday_chains() {
    fn prop(t: Tree, w: RandWord, k: u8) -> bool {
        let k = 1 + (k % 6) as u32;
        let mut f = Arena::new();
        let phi = t.build(&mut f, &ATOMS);
        let lhs = f.add(Node::YesterdayWithin(k, phi));
        let mut chain = f.add(Node::Yesterday(phi));
        let mut rhs = chain;
        for _ in 1..k {
            chain = f.add(Node::Yesterday(chain));
            rhs = f.add(Node::Or(rhs, chain));
        }
        agree(&f, lhs, rhs, &w)
    }
    qc().quickcheck(prop as fn(Tree, RandWord, u8) -> bool);
}

#[test]
fn counting_once_is_a_chain_of_strict_onces() {
    // P>=m φ = P(φ ∧ P>=m−1 φ), P>=1 = P: the abbreviation docs/SEMANTICS.md §2 names.
    fn prop(t: Tree, w: RandWord, m: u8) -> bool {
        let m = 1 + (m % 6) as u32;
        let mut f = Arena::new();
        let phi = t.build(&mut f, &ATOMS);
        let lhs = f.add(Node::OnceAtLeast(m, phi));
        let mut rhs = f.add(Node::StrictOnce(phi));
        for _ in 1..m {
            let both = f.add(Node::And(phi, rhs));
            rhs = f.add(Node::StrictOnce(both));
        }
        agree(&f, lhs, rhs, &w)
    }
    qc().quickcheck(prop as fn(Tree, RandWord, u8) -> bool);
}

#[test]
fn counting_once_counts_the_earlier_positions() {
    // Independent of the evaluator's own code: the number of earlier letters `a`.
    fn prop(w: RandWord, m: u8) -> bool {
        let m = 1 + (m % 5) as u32;
        let mut f = Arena::new();
        let a = f.atom("a");
        let phi = f.add(Node::OnceAtLeast(m, a));
        let word = Word::letters(w.0.clone());
        let t = truth_table(&f, phi, &word, Acceptance::Eos);
        (0..=w.0.len()).all(|i| {
            let before = w.0[..i].iter().filter(|x| *x == "a").count();
            t.values[t.rows.len() - 1][i] == (before >= m as usize)
        })
    }
    qc().quickcheck(prop as fn(RandWord, u8) -> bool);
}
