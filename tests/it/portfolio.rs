//! `--engine auto` runs the engines side by side (src/verdict.rs, `decide_auto`): it
//! reports what each engine alone reports — the same verdict and the same least
//! shortest counterexample, whichever engine answers first — and it answers as soon as
//! the fastest engine does (issue #29: it used to spend 11 s in the explicit engine on a
//! pair the BDD engine answers in half a second).

use std::time::{Duration, Instant};

use crate::helpers::agree::{engines_agree, Pair, Same};
use crate::helpers::formulas::{conj, dual, names, ModTree};
use ltlattn::automata::{Alphabet, Question};
use ltlattn::logic::{parse, Acceptance, Arena, NodeId};
use ltlattn::verdict::{decide, Engine, EngineReport, Options, Verdict};
use quickcheck::{QuickCheck, TestResult};

fn run(f: &Arena, l: NodeId, r: NodeId, sigma: &Alphabet, q: Question, engine: Engine) -> Verdict {
    let opts = Options {
        engine,
        max_states: 200_000,
        ..Options::default()
    };
    decide(f, l, r, sigma, Acceptance::Eos, q, &opts).expect("small pairs are decided")
}

/// 1,000 random pairs: auto's verdict and counterexample are the BDD engine's (the least
/// shortest word, also the dense explicit engine's), over letters, a few propositions,
/// and nine propositions, where the explicit engine's guard-labelled product orders
/// letters differently and auto must not take its word while the BDD engine may still
/// answer.
#[test]
fn auto_reports_what_each_engine_reports() {
    fn prop(a: ModTree, b: ModTree, pick: u8) -> TestResult {
        let mut f = Arena::new();
        let atoms = ["a", "b", "c"];
        let l = a.0.build(&mut f, &atoms);
        let r = b.0.build(&mut f, &atoms);
        let q = if pick & 1 == 0 {
            Question::Equivalent
        } else {
            Question::Included
        };
        let mut props: Vec<String> = atoms.iter().map(|s| s.to_string()).collect();
        let sigma = match pick >> 1 & 3 {
            0 => Alphabet::Tokens(props),
            1 => Alphabet::Props(props),
            _ => {
                props.extend((3..9).map(|i| format!("q{i}")));
                Alphabet::Props(props)
            }
        };
        let pair = Pair {
            f: &f,
            l,
            r,
            sigma: &sigma,
            acc: Acceptance::Eos,
            q,
        };
        match engines_agree(&pair, &[Engine::Bdd, Engine::Auto], 200_000, Same::Word) {
            Ok(_) => TestResult::passed(),
            Err(e) => TestResult::error(format!("{a:?} vs {b:?} ({q:?}, {sigma:?}): {e}")),
        }
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(ModTree, ModTree, u8) -> TestResult);
}

/// The bench's slowest family for the old `auto`: 40 letters, the broken variant. The
/// BDD engine answers in about half a second; auto used to wait for the explicit engine's
/// 4,000,000 states (11 s) first. The bound leaves room for a loaded machine.
#[test]
fn auto_answers_as_fast_as_the_fastest_engine() {
    let k = 40;
    let mut f = Arena::new();
    let broken = parse(&mut f, &conj(k - 1)).unwrap();
    let r = parse(&mut f, &dual(k)).unwrap();
    let sigma = Alphabet::Tokens(names(k));
    let started = Instant::now();
    let v = run(&f, broken, r, &sigma, Question::Equivalent, Engine::Auto);
    let took = started.elapsed();
    let c = v.counterexample.expect("the broken pair differs");
    assert_eq!(c.word.len(), k - 1);
    // The least word: every letter the broken side asks for (p39 is the one it does
    // not), in order.
    assert_eq!(c.word.show(), names(k)[..k - 1].join(" "));
    assert!(
        matches!(v.engine, EngineReport::Bdd { .. }),
        "{:?}",
        v.engine
    );
    assert!(took < Duration::from_secs(6), "auto took {took:?}");
    // Sixteen propositions: the explicit engine alone needs about 10 s, the BDD engine
    // a millisecond.
    let mut f = Arena::new();
    let l = parse(&mut f, &conj(16)).unwrap();
    let r = parse(&mut f, &dual(16)).unwrap();
    let started = Instant::now();
    let v = run(
        &f,
        l,
        r,
        &Alphabet::Props(names(16)),
        Question::Equivalent,
        Engine::Auto,
    );
    let took = started.elapsed();
    assert!(v.holds());
    assert!(took < Duration::from_secs(4), "auto took {took:?}");
}
