//! The reference evaluator against docs/SEMANTICS.md, written a second way: each formula is
//! paired with a plain Rust predicate on the word, and the two must agree on every word
//! over {a, b, c} of length at most 6, under both acceptance conventions.

use crate::helpers::words::all_words;
use ltlattn::logic::{evaluate, parse, Acceptance, Arena, Word};

type Pred = fn(&[&str]) -> bool;

fn letters(w: &Word) -> Vec<&str> {
    match w {
        Word::Letters(v) => v.iter().map(String::as_str).collect(),
        Word::Props(_) => unreachable!(),
    }
}

fn check(cases: &[(&str, Acceptance, Pred)]) {
    let words = all_words(&["a", "b", "c"], 6);
    assert_eq!(words.len(), (0..=6).map(|n| 3usize.pow(n)).sum::<usize>());
    for (text, acc, pred) in cases {
        let mut f = Arena::new();
        let phi = parse(&mut f, text).unwrap();
        for w in &words {
            let l = letters(w);
            assert_eq!(
                evaluate(&f, phi, w, *acc),
                pred(&l),
                "{text} ({acc:?}) on {:?}",
                l
            );
        }
    }
}

fn last<'a>(w: &[&'a str]) -> Option<&'a str> {
    w.last().copied()
}

#[test]
fn eos_acceptance_matches_the_definitions() {
    use Acceptance::Eos;
    check(&[
        // At ⊣: letters are false, eos is true, start only for the empty word.
        ("a", Eos, |_| false),
        ("eos", Eos, |_| true),
        ("start", Eos, |w| w.is_empty()),
        ("true", Eos, |_| true),
        // Y looks at the last letter of the word.
        ("Y a", Eos, |w| last(w) == Some("a")),
        ("Z a", Eos, |w| w.is_empty() || last(w) == Some("a")),
        ("Y Y b", Eos, |w| w.len() >= 2 && w[w.len() - 2] == "b"),
        ("Y<=2 a", Eos, |w| w.iter().rev().take(2).any(|&x| x == "a")),
        ("Y<=3 c", Eos, |w| w.iter().rev().take(3).any(|&x| x == "c")),
        // P: some earlier position (all of w, since ⊣ is last).
        ("P a", Eos, |w| w.contains(&"a")),
        ("O a", Eos, |w| w.contains(&"a")),
        ("H !a", Eos, |w| !w.contains(&"a")),
        ("H (a | eos)", Eos, |w| w.iter().all(|&x| x == "a")),
        // First symbol is a: the start position carries a, seen from ⊣.
        ("P (start & a)", Eos, |w| w.first() == Some(&"a")),
        // Contains the factor "ba".
        ("P (a & Y b)", Eos, |w| {
            w.windows(2).any(|p| p == ["b", "a"])
        }),
        // Some a comes after some b.
        ("P (a & P b)", Eos, |w| {
            w.iter()
                .position(|&x| x == "b")
                .is_some_and(|i| w[i + 1..].contains(&"a"))
        }),
        // Since at ⊣ needs ψ at ⊣ or φ at ⊣: Y(a S b) says the word ends in b a*.
        ("Y (a S b)", Eos, |w| {
            let k = w.iter().rev().take_while(|&&x| x == "a").count();
            k < w.len() && w[w.len() - 1 - k] == "b"
        }),
        // Strict since from ⊣: some b, and only a's after it: b a*.
        ("a S< b", Eos, |w| {
            let k = w.iter().rev().take_while(|&&x| x == "a").count();
            k < w.len() && w[w.len() - 1 - k] == "b"
        }),
        // Release at ⊣ with ψ = !a: ⊣ is not a, and looking back, every a is covered by a
        // later c (within w) — "after the last a there is a c", or no a at all.
        ("c P !a", Eos, |w| match w.iter().rposition(|&x| x == "a") {
            None => true,
            Some(i) => w[i + 1..].contains(&"c"),
        }),
        // Even pairs: first symbol equals last symbol (over a, b, c).
        (
            "(P (start & a) & Y a) | (P (start & b) & Y b) | (P (start & c) & Y c)",
            Eos,
            |w| !w.is_empty() && w[0] == w[w.len() - 1],
        ),
    ]);
}

#[test]
fn last_position_acceptance_matches_the_definitions() {
    use Acceptance::Last;
    check(&[
        ("a", Last, |w| last(w) == Some("a")),
        ("true", Last, |w| !w.is_empty()),
        ("eos", Last, |_| false),
        ("start", Last, |w| w.len() == 1),
        ("Y a", Last, |w| w.len() >= 2 && w[w.len() - 2] == "a"),
        ("WY a", Last, |w| {
            w.len() == 1 || (w.len() >= 2 && w[w.len() - 2] == "a")
        }),
        ("O a", Last, |w| w.contains(&"a")),
        ("P a", Last, |w| {
            !w.is_empty() && w[..w.len() - 1].contains(&"a")
        }),
        ("H a", Last, |w| {
            !w.is_empty() && w.iter().all(|&x| x == "a")
        }),
        ("a S b", Last, |w| {
            let k = w.iter().rev().take_while(|&&x| x == "a").count();
            k < w.len() && w[w.len() - 1 - k] == "b"
        }),
        ("a S< b", Last, |w| {
            if w.is_empty() {
                return false;
            }
            let body = &w[..w.len() - 1];
            let k = body.iter().rev().take_while(|&&x| x == "a").count();
            k < body.len() && body[body.len() - 1 - k] == "b"
        }),
        ("Y<=2 c", Last, |w| {
            w.len() >= 2 && w[..w.len() - 1].iter().rev().take(2).any(|&x| x == "c")
        }),
        // PPLTL release: every position holds b, or is followed (up to the end) by a c.
        ("c P b", Last, |w| {
            !w.is_empty() && (0..w.len()).all(|j| w[j] == "b" || w[j + 1..].contains(&"c"))
        }),
    ]);
}

#[test]
fn proposition_semantics_reads_sets() {
    use std::collections::BTreeSet;
    let mut f = Arena::new();
    let phi = parse(&mut f, "p & q & Y (p & !q)").unwrap();
    let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let w = Word::Props(vec![set(&["p"]), set(&["p", "q"])]);
    assert!(evaluate(&f, phi, &w, Acceptance::Last));
    let w = Word::Props(vec![set(&["p", "q"]), set(&["p", "q"])]);
    assert!(!evaluate(&f, phi, &w, Acceptance::Last));
    // At the end marker no proposition holds.
    let psi = parse(&mut f, "eos & !p & Y (p & q)").unwrap();
    assert!(evaluate(
        &f,
        psi,
        &Word::Props(vec![set(&["p", "q"])]),
        Acceptance::Eos
    ));
}
