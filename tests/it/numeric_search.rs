//! The verdict engine for numeric models: counterexamples found on the fly are shortest
//! (brute force by the executor over every shorter word), `checked_up_to_length` never
//! overstates, and the count congruence agrees with the executor on every word past the
//! count caps — and a wrong congruence is caught.

use ltlattn::automata::{formula_dfa, Alphabet, Budget, Question};
use ltlattn::logic::{evaluate, parse, Acceptance, Arena, Word};
use ltlattn::numeric::search::{search, Bfs, DfaMachine, Machine, NumericMachine, SearchStop};
use ltlattn::numeric::{
    compile_numeric, count_cap, mutate_congruence_for_tests, run_numeric, Num, NumericModel,
};
use ltlattn::verdict::{
    check_numeric, check_numeric_spec, decide_operands, EngineReport, Operand, Options,
};

use crate::helpers::random_numeric::{
    random_model, random_models, small_formats as formats, Rng, Shape,
};

/// Every word over {a, b} of length exactly `n`.
fn words_of(n: usize) -> Vec<Vec<String>> {
    (0..1usize << n)
        .map(|bits| {
            (0..n)
                .map(|i| {
                    if bits >> (n - 1 - i) & 1 == 0 {
                        "a"
                    } else {
                        "b"
                    }
                    .to_string()
                })
                .collect()
        })
        .collect()
}

fn letters(w: &[String]) -> Vec<u32> {
    w.iter().map(|t| u32::from(t != "a")).collect()
}

/// The executor and the evaluator disagree on `w`.
fn separates(m: &NumericModel, arena: &Arena, spec: ltlattn::logic::NodeId, w: &[String]) -> bool {
    let model = run_numeric(m, w).expect("no NaN").accepted;
    model != evaluate(arena, spec, &Word::Letters(w.to_vec()), Acceptance::Eos)
}

/// On random models against several specs, `check` answers on the fly (no compilation)
/// with a counterexample that the executor and the evaluator confirm, and no shorter
/// word separates them (every shorter word run by the executor). Where the compiled
/// DFA is within reach, its comparison finds a counterexample of the same length.
#[test]
fn counterexamples_on_the_fly_are_shortest() {
    let specs = ["P a", "P (a & Y b)", "Y b", "P (b & start)"];
    let (mut on_the_fly, mut longer_than_two, mut compared) = (0, 0, 0);
    for (i, m) in random_models(0x5eed_0001, 120).iter().enumerate() {
        let mut arena = Arena::new();
        let spec = parse(&mut arena, specs[i % specs.len()]).unwrap();
        let opts = Options {
            max_states: 50_000,
            ..Options::default()
        };
        let Ok(r) = check_numeric_spec(m, &arena, spec, &opts) else {
            continue;
        };
        let Some(cex) = &r.verdict.counterexample else {
            continue;
        };
        if matches!(r.verdict.engine, EngineReport::OnTheFly { .. }) {
            on_the_fly += 1;
        }
        let w = cex.tokens();
        assert!(
            separates(m, &arena, spec, &w),
            "model {i}: {w:?} is no counterexample"
        );
        for n in 0..w.len() {
            for shorter in words_of(n) {
                assert!(
                    !separates(m, &arena, spec, &shorter),
                    "model {i}: {shorter:?} is shorter than the counterexample {w:?}"
                );
            }
        }
        longer_than_two += usize::from(w.len() > 2);
        if let Ok(c) = compile_numeric(m, &Budget::new(20_000, None)) {
            let by_dfa = check_numeric(m, &c, &arena, spec, &opts).unwrap();
            let other = by_dfa.verdict.counterexample.expect("the same verdict");
            assert_eq!(other.word.len(), w.len(), "model {i}: both are shortest");
            compared += 1;
        }
    }
    eprintln!("{on_the_fly} found on the fly, {longer_than_two} longer than 2, {compared} compared with the compiled DFA");
    assert!(on_the_fly >= 60 && compared >= 40);
}

/// Two numeric models searched against each other on the fly (a random model and the
/// same model with its classifier bias moved by a few smallest values): the
/// counterexample separates the two executors and no shorter word does.
#[test]
fn two_numeric_models_are_searched_against_each_other() {
    let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
    let (mut found, mut longer_than_two) = (0, 0);
    for (i, m) in random_models(0x5eed_0004, 120).iter().enumerate() {
        let mut moved = m.clone();
        let step = m.format.min_positive();
        let shift: Vec<Num> = vec![step; 1 + i % 3];
        let mut terms: Vec<&Num> = shift.iter().collect();
        terms.push(&m.classifier_bias);
        moved.classifier_bias = m.format.round(&Num::sum(terms).unwrap()).unwrap();
        let left = Operand::Numeric {
            model: m,
            compiled: None,
        };
        let right = Operand::Numeric {
            model: &moved,
            compiled: None,
        };
        let opts = Options {
            max_states: 40_000,
            ..Options::default()
        };
        let Ok(v) = decide_operands(&left, &right, &sigma, Question::Equivalent, &opts) else {
            continue;
        };
        let Some(cex) = v.counterexample else {
            continue;
        };
        let w = cex.tokens();
        let differ = |w: &[String]| {
            run_numeric(m, w).unwrap().accepted != run_numeric(&moved, w).unwrap().accepted
        };
        assert!(differ(&w), "model {i}: {w:?}");
        for n in 0..w.len() {
            assert!(
                words_of(n).iter().all(|x| !differ(x)),
                "model {i}: a word shorter than {w:?} separates"
            );
        }
        found += 1;
        longer_than_two += usize::from(w.len() > 2);
    }
    eprintln!("{found} counterexamples, {longer_than_two} longer than 2");
    assert!(
        found >= 20 && longer_than_two >= 2,
        "{found} found, {longer_than_two} longer than 2"
    );
}

/// The naive "contains a" model counts to seven: the search finds a⁸ against `P a`
/// without compiling, and says so.
#[test]
fn the_naive_model_fails_at_eight_on_the_fly() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let text =
        std::fs::read_to_string(format!("{dir}/examples/numeric/naive-contains-a.toml")).unwrap();
    let bytes = std::fs::read(format!(
        "{dir}/examples/numeric/naive-contains-a.safetensors"
    ))
    .unwrap();
    let m = ltlattn::numeric::load_numeric("naive-contains-a.toml", &text, &bytes).unwrap();
    let mut arena = Arena::new();
    let spec = parse(&mut arena, "P a").unwrap();
    let r = check_numeric_spec(&m, &arena, spec, &Options::default()).unwrap();
    assert!(
        matches!(r.verdict.engine, EngineReport::OnTheFly { .. }),
        "{:?}",
        r.verdict.engine
    );
    assert!(r.compiled.is_none());
    assert_eq!(r.verdict.counterexample.unwrap().tokens(), vec!["a"; 8]);
    assert!(!r.trace.unwrap().accepted);
}

/// A budget that stops the search reports a length up to which every word was checked:
/// never the length of the shortest counterexample or more.
#[test]
fn checked_up_to_length_never_overstates() {
    let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
    let (mut stopped, mut positive) = (0, 0);
    for (i, m) in random_models(0x5eed_0002, 80).iter().enumerate() {
        let mut arena = Arena::new();
        let spec = parse(&mut arena, "P (a & P b)").unwrap();
        let dfa = formula_dfa(&arena, spec, &sigma, Acceptance::Eos, &Budget::default()).unwrap();
        let full = search(
            &mut NumericMachine::new(m),
            &mut DfaMachine(&dfa),
            2,
            Question::Equivalent,
            &Budget::new(100_000, None),
        );
        let Ok(found) = full else { continue };
        let Some(cex) = found.counterexample else {
            continue;
        };
        for max_states in 1..found.states {
            match search(
                &mut NumericMachine::new(m),
                &mut DfaMachine(&dfa),
                2,
                Question::Equivalent,
                &Budget::new(max_states, None),
            ) {
                Err(SearchStop::Budget {
                    checked_up_to_length,
                    ..
                }) => {
                    assert!(
                        checked_up_to_length < cex.len(),
                        "model {i}: checked up to {checked_up_to_length}, but {cex:?} separates"
                    );
                    stopped += 1;
                    positive += usize::from(checked_up_to_length > 0);
                }
                Ok(r) => assert_eq!(r.counterexample.as_ref(), Some(&cex), "model {i}"),
                Err(e) => panic!("model {i}: {e:?}"),
            }
        }
    }
    eprintln!("{stopped} searches stopped by a budget, {positive} with a positive length");
    assert!(stopped >= 50 && positive >= 20);
}

/// A machine that counts the steps asked of it.
struct Counting<M>(M, usize);

impl<M: Machine> Machine for Counting<M> {
    fn initial(&mut self) -> Result<u32, ltlattn::numeric::ExecError> {
        self.0.initial()
    }
    fn step(&mut self, q: u32, letter: u32) -> Result<u32, ltlattn::numeric::ExecError> {
        self.1 += 1;
        self.0.step(q, letter)
    }
    fn accepts(&mut self, q: u32) -> Result<bool, ltlattn::numeric::ExecError> {
        self.0.accepts(q)
    }
    fn states(&self) -> usize {
        self.0.states()
    }
}

/// A search stopped by its budget and taken up again, step by step (each run allowed
/// one more product state; the later runs capped at the counterexample's length, as
/// after a hunt, and once at a length already passed), ends with the same answer — the
/// same shortest counterexample, or none where the whole product is explored — the same
/// product states and the same steps asked of the model as one search without a stop
/// (nothing done twice, nothing left out); no stop claims a length at or past the
/// counterexample's, and the claims never go down.
#[test]
fn a_search_taken_up_again_finds_the_same_word_with_the_same_states() {
    let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
    let specs = [
        "P (a & P b)",
        "P (b & Y (a & Y a))",
        "Y Y a",
        "!P (a & Y a)",
    ];
    let (mut resumed, mut exhausted, mut stops, mut positive, mut passed) = (0, 0, 0, 0, 0);
    for (i, m) in random_models(0x5eed_0004, 160).iter().enumerate() {
        let mut arena = Arena::new();
        let spec = parse(&mut arena, specs[i % specs.len()]).unwrap();
        let dfa = formula_dfa(&arena, spec, &sigma, Acceptance::Eos, &Budget::default()).unwrap();
        // Every fourth model against itself: the two agree, and the search explores the
        // whole product.
        let other = || -> Box<dyn Machine + '_> {
            if i % 4 == 3 {
                Box::new(NumericMachine::new(m))
            } else {
                Box::new(DfaMachine(&dfa))
            }
        };
        let mut whole = Counting(NumericMachine::new(m), 0);
        let Ok(full) = search(
            &mut whole,
            other().as_mut(),
            2,
            Question::Equivalent,
            &Budget::new(20_000, None),
        ) else {
            continue;
        };
        // Beyond the counterexample nothing is claimed; without one, every length.
        let bound = full.counterexample.as_ref().map_or(usize::MAX, Vec::len);
        let (mut a, mut b) = (Counting(NumericMachine::new(m), 0), other());
        let mut bfs = Bfs::new(2, Question::Equivalent);
        let (mut limit, mut last, mut once) = (1, 0, true);
        let found = loop {
            let late = limit > full.states / 2;
            let cap = full.counterexample.as_ref().filter(|_| late).map(Vec::len);
            // Once, a cap at a length already checked: it stops there, claiming no more.
            if once && last > 0 {
                once = false;
                match bfs.run(&mut a, b.as_mut(), &Budget::new(limit, None), Some(last)) {
                    Err(SearchStop::Depth {
                        checked_up_to_length,
                    }) => {
                        assert!(checked_up_to_length >= last, "model {i}");
                        assert!(checked_up_to_length < bound, "model {i}");
                        passed += 1;
                    }
                    other => panic!("model {i}: {other:?}"),
                }
            }
            match bfs.run(&mut a, b.as_mut(), &Budget::new(limit, None), cap) {
                Ok(r) => break r,
                Err(SearchStop::Budget {
                    checked_up_to_length,
                    ..
                }) => {
                    assert!(checked_up_to_length < bound, "model {i}");
                    assert!(checked_up_to_length >= last, "model {i}");
                    last = checked_up_to_length;
                    stops += 1;
                    positive += usize::from(checked_up_to_length > 0);
                }
                Err(e) => panic!("model {i}: {e:?}"),
            }
            limit += 1;
        };
        assert_eq!(found.counterexample, full.counterexample, "model {i}");
        assert_eq!(found.states, full.states, "model {i}");
        assert_eq!(a.1, whole.1, "model {i}: steps asked");
        // Asked again, the answer stays.
        let again = bfs
            .run(&mut a, b.as_mut(), &Budget::new(1, None), None)
            .unwrap();
        assert_eq!(again.counterexample, full.counterexample, "model {i}");
        resumed += 1;
        exhausted += usize::from(full.counterexample.is_none());
    }
    eprintln!(
        "{resumed} searches taken up again ({exhausted} to the whole product) after {stops} stops, {positive} past length 0; {passed} capped below their depth"
    );
    assert!(resumed >= 100 && exhausted >= 20 && stops >= 5000 && positive >= 5000 && passed >= 40);
}

/// Random two-layer models (global and local heads, both orders): the compiled DFA,
/// whose layers merge count vectors by the congruence, agrees with the executor on every
/// word up to two past the format's count cap; the same models compiled under a wrong
/// congruence (sums left out) disagree somewhere.
#[test]
fn the_count_congruence_agrees_with_the_executor_and_a_wrong_one_is_caught() {
    let mut rng = Rng(0x5eed_0003);
    let (mut merged, mut caught) = (0, 0);
    for i in 0..60 {
        let f = formats()[i % 4];
        let shape = Shape {
            width: 2 + rng.below(2) as usize,
            layers: 2,
            heads: Some(1 + rng.below(2) as usize),
            norm: false,
        };
        let m = random_model(&mut rng, f, &shape);
        let cap = count_cap(&f).expect("a small cap") as usize;
        let Ok(c) = compile_numeric(&m, &Budget::new(50_000, None)) else {
            continue;
        };
        let words: Vec<Vec<String>> = (0..=(cap + 2).min(11)).flat_map(words_of).collect();
        for w in &words {
            let t = run_numeric(&m, w).expect("no NaN");
            assert_eq!(
                c.dfa.accepts(&letters(w)),
                t.accepted,
                "model {i} ({f:?}) on {w:?}: compiled DFA vs executor"
            );
        }
        if c.congruent == 0 {
            continue;
        }
        merged += 1;
        mutate_congruence_for_tests(true);
        let wrong = compile_numeric(&m, &Budget::new(50_000, None));
        mutate_congruence_for_tests(false);
        if let Ok(wrong) = wrong {
            caught += usize::from(words.iter().any(|w| {
                wrong.dfa.accepts(&letters(w)) != run_numeric(&m, w).expect("no NaN").accepted
            }));
        }
    }
    eprintln!("{merged} models merged count vectors, {caught} caught the wrong congruence");
    assert!(
        merged >= 15 && caught >= 3,
        "{merged} merged, {caught} caught"
    );
}

/// A NaN the executor raises at a query with nothing to attend (the first query of the
/// empty word) is the answer of the search too: it computes every query of every
/// position and runs every layer, as the executor does. (It reported "holds" against
/// `!P a`, and an internal error against `P a`, when it skipped unread queries.)
#[test]
fn a_nan_the_executor_raises_stops_the_search() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let text =
        std::fs::read_to_string(format!("{dir}/tests/data/nan-at-the-first-query.toml")).unwrap();
    let bytes = std::fs::read(format!(
        "{dir}/tests/data/nan-at-the-first-query.safetensors"
    ))
    .unwrap();
    let m = ltlattn::numeric::load_numeric("nan-at-the-first-query.toml", &text, &bytes).unwrap();
    let run = run_numeric(&m, &[]).map(|t| t.accepted);
    assert!(run.is_err(), "the executor raises the NaN: {run:?}");
    for spec in ["!P a", "P a"] {
        let mut arena = Arena::new();
        let root = parse(&mut arena, spec).unwrap();
        match check_numeric_spec(&m, &arena, root, &Options::default()) {
            Err(e) => assert!(e.to_string().contains("not a number"), "{spec}: {e}"),
            Ok(r) => panic!("{spec}: a verdict {:?} where the executor fails", r.verdict),
        }
    }
}
