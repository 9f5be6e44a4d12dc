//! Proofs by bounds (grammar/numeric.md, "Proofs by bounds"): where one says "holds",
//! the exact compilation agrees, on random models against their own language and
//! against languages one state away from it; wrong bounds are caught; the affine bounds
//! hold the executor's logit at every point of their boxes; and a model whose
//! last global head is too weak to matter is decided by bounds, which the executor
//! confirms on every short word.

use ltlattn::automata::{compare, Budget, Dfa, Question};
use ltlattn::logic::{parse, Acceptance};
use ltlattn::numeric::bounds::{
    prove_by_bounds, set_bounds_mutation, Bounds, BoundsMutation, RestF64,
};
use ltlattn::numeric::{
    compile_numeric, layer_rest, load_numeric, logit, run_numeric, Format, Num, NumericModel,
    Overflow, Rounding,
};
use ltlattn::verdict::{check_numeric_spec, EngineReport, Options};

use crate::helpers::random_numeric::{random_model, small_formats as formats, Rng, Shape};

/// `dfa` with the acceptance of state `q` flipped.
fn flipped(dfa: &Dfa, q: usize) -> Dfa {
    let mut acc = dfa.accepting().to_vec();
    acc[q] = !acc[q];
    let trans = (0..dfa.states() as u32)
        .flat_map(|s| (0..dfa.alphabet().len() as u32).map(move |r| (s, r)))
        .map(|(s, r)| dfa.next(s, r))
        .collect();
    Dfa::from_parts(dfa.alphabet().clone(), Acceptance::Eos, trans, acc).expect("a DFA")
}

/// Runs the bounds prover on random models with a global head in the last layer,
/// against the compiled DFA and each one-state flip of it, under both questions and
/// both sides. Returns (proofs that were right, proofs that were wrong, proofs that
/// needed the refined product, proofs where the bounds over paths decided some state).
fn proofs(seed: u64, models: usize) -> (usize, usize, usize, usize) {
    let mut rng = Rng(seed);
    // The lengths a search would have checked: drawn apart, so the models stay those
    // of `rng` alone.
    let mut pick = Rng(seed ^ 0x5bd1_e995);
    let budget = Budget::new(200_000, Some(20.0));
    let (mut right, mut wrong, mut refined, mut paths) = (0, 0, 0, 0);
    let mut tried = 0;
    for f in formats().iter().cycle() {
        if tried == models {
            break;
        }
        let shape = Shape {
            width: 2 + rng.below(2) as usize,
            layers: 1 + rng.below(2) as usize,
            heads: Some(2),
            norm: false,
        };
        let m: NumericModel = random_model(&mut rng, *f, &shape);
        if !m.has_global(m.layers.len() - 1) {
            continue;
        }
        let Ok(compiled) = compile_numeric(&m, &budget) else {
            continue;
        };
        tried += 1;
        let truth = &compiled.dfa;
        let mut others = vec![truth.clone()];
        others.extend((0..truth.states()).map(|q| flipped(truth, q)));
        for other in &others {
            for question in [Question::Equivalent, Question::Included] {
                for model_left in [true, false] {
                    let (a, b) = if model_left {
                        (truth, other)
                    } else {
                        (other, truth)
                    };
                    let exact = compare(a, b, question, &budget).expect("small DFAs");
                    // What a search would have established: no disagreement up to a
                    // length below the shortest one (0 to 4 when there is none), or
                    // nothing.
                    let shortest = exact.counterexample.as_ref().map_or(usize::MAX, Vec::len);
                    let checked = match pick.below(6) as usize {
                        5 => None,
                        n => shortest.checked_sub(1).map(|s| n.min(s)),
                    };
                    let got = prove_by_bounds(&m, other, model_left, question, checked, &budget);
                    if let Ok(Bounds::Proved(p)) = &got {
                        refined += usize::from(p.refined);
                        paths += usize::from(p.path_states > 0);
                    }
                    let Ok(Bounds::Proved(_)) = got else {
                        continue;
                    };
                    if exact.counterexample.is_none() {
                        right += 1;
                    } else {
                        wrong += 1;
                    }
                }
            }
        }
    }
    (right, wrong, refined, paths)
}

/// Random models per run (each compiled, then proved against ~5 DFAs 4 ways): about
/// 100 proofs, a few seconds in a debug build.
const MODELS: usize = 30;

#[test]
fn a_proof_by_bounds_is_never_wrong_and_wrong_bounds_are_caught() {
    let (right, wrong, refined, paths) = proofs(11, MODELS);
    eprintln!("{right} proofs, {refined} refined, {paths} by paths");
    assert_eq!(
        wrong, 0,
        "a proof by bounds contradicted the exact compilation"
    );
    assert!(
        right >= 80 && refined >= 5,
        "only {right} proofs by bounds, {refined} of them refined: the test no longer exercises them"
    );
    for (m, what) in [
        (
            BoundsMutation::ForgetOverflow,
            "bounds that forget the zero output of an overflowing denominator",
        ),
        (
            BoundsMutation::LengthOffByOne,
            "a product that skips the states whose longest word is one letter longer than the search checked",
        ),
        (
            BoundsMutation::FewerCounts,
            "counts one fewer than a class can occur",
        ),
        (
            BoundsMutation::PathsIgnoreCycles,
            "bounds over paths that take every cycle as weightless",
        ),
    ] {
        set_bounds_mutation(m);
        let (_, wrong, _, _) = proofs(11, MODELS);
        set_bounds_mutation(BoundsMutation::None);
        assert!(wrong > 0, "{what} went unnoticed");
    }
}

#[test]
fn a_model_whose_last_global_head_is_too_weak_is_decided_by_bounds() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let path = format!("{dir}/weak-global-head.toml");
    let text = std::fs::read_to_string(&path).expect("the fixture");
    let weights = std::fs::read(format!("{dir}/weak-global-head.safetensors")).expect("weights");
    let m = load_numeric(&path, &text, &weights).expect("the fixture loads");
    let mut arena = ltlattn::logic::Arena::new();
    let spec = parse(&mut arena, "Y a").expect("a formula");
    let opts = Options {
        max_states: 400_000,
        timeout: Some(std::time::Duration::from_secs(90)),
        ..Options::default()
    };
    let found = check_numeric_spec(&m, &arena, spec, &opts).expect("decided");
    assert!(found.verdict.holds(), "the model recognizes Σ*a");
    assert!(
        matches!(found.verdict.engine, EngineReport::Bounds { .. }),
        "decided by bounds, not {:?}",
        found.verdict.engine
    );
    // The executor agrees on every word of length ≤ 12.
    for n in 0..=12usize {
        for bits in 0..1usize << n {
            let w: Vec<String> = (0..n)
                .map(|i| if bits >> i & 1 == 0 { "a" } else { "b" }.to_string())
                .collect();
            let accepted = run_numeric(&m, &w).expect("no NaN").accepted;
            assert_eq!(accepted, w.last().is_some_and(|x| x == "a"), "{w:?}");
        }
    }
}

/// Found by review: in e11m0 (values down to 2^-1022) a bound's f64 product underflowed
/// to 0 and the box lost the head's output 2^-82, which a word with 2^1000 a's and 2^1023
/// b's gives; the model then rejects, while the bounds "proved" it accepts every word.
/// Formats whose values leave 2^±200 are refused.
#[test]
fn a_format_whose_bounds_would_underflow_in_f64_is_refused() {
    use ltlattn::automata::Alphabet;
    use ltlattn::numeric::{
        Dyadic, Format, Linear, Num, NumHead, NumLayer, NumRange, Overflow, Rounding,
        RoundingReport,
    };
    let p2 = |k: i64| Num::Fin(Dyadic::new(1.into(), k));
    let (z, one) = (Num::zero(), p2(0));
    let lin = |w: Vec<Vec<Num>>, b: Vec<Num>| Linear { w, b };
    let head = NumHead {
        range: NumRange::Global,
        scale: one.clone(),
        query: lin(
            vec![vec![z.clone(), one.clone(), z.clone()]],
            vec![z.clone()],
        ),
        key: lin(vec![vec![z.clone(), z.clone(), p2(-1)]], vec![z.clone()]),
        value: lin(vec![vec![z.clone(), p2(-60), z.clone()]], vec![z.clone()]),
    };
    let out = lin(
        vec![vec![one.clone()], vec![z.clone()], vec![z.clone()]],
        vec![z.clone(); 3],
    );
    let up = lin(
        vec![
            vec![p2(90), z.clone(), z.clone()],
            vec![p2(70), z.clone(), z.clone()],
        ],
        vec![one.neg(), one.neg()],
    );
    let down = lin(
        vec![
            vec![z.clone(), z.clone()],
            vec![p2(-6).neg(), p2(20)],
            vec![z.clone(), z.clone()],
        ],
        vec![z.clone(); 3],
    );
    let m = NumericModel {
        name: None,
        alphabet: vec!["a".into(), "b".into()],
        format: Format::float(11, 0, false, Rounding::NearestEven, Overflow::Saturate),
        inclusive: false,
        width: 3,
        embed: vec![
            vec![z.clone(), one.clone(), one.clone()],
            vec![z.clone(), one.clone(), z.clone()],
            vec![z.clone(), one.clone(), z.clone()],
        ],
        layers: vec![NumLayer {
            heads: vec![head],
            out: Some(out),
            ffn: Some((up, down)),
            norm: None,
        }],
        classifier: vec![z.clone(), one.clone(), z.clone()],
        classifier_bias: z,
        rounding: RoundingReport::default(),
    };
    let everything = Dfa::from_parts(
        Alphabet::Tokens(vec!["a".into(), "b".into()]),
        Acceptance::Eos,
        vec![0, 0],
        vec![true],
    )
    .expect("a DFA");
    let got = prove_by_bounds(
        &m,
        &everything,
        true,
        Question::Equivalent,
        None,
        &Budget::new(200_000, Some(60.0)),
    );
    assert!(
        matches!(&got, Ok(Bounds::Inconclusive(why)) if why.contains("too wide")),
        "{got:?}"
    );
}

/// Misses of `RestF64::affine` (and of the plain f64 intervals) over random last layers and boxes: points of a box (its
/// corners and random values of the format inside it) whose logit, computed by the
/// executor's own `layer_rest` and `logit`, falls outside the bound for the box.
fn affine_misses(seed: u64) -> (usize, usize) {
    let mut rng = Rng(seed);
    let (mut points, mut misses) = (0, 0);
    let mut fs = formats().to_vec();
    fs.push(Format::fixed(4, 4, Rounding::NearestEven));
    fs.push(Format::float(
        4,
        3,
        true,
        Rounding::NearestEven,
        Overflow::Saturate,
    ));
    // Without subnormals (below the smallest normal, to it or to 0), and truncating.
    fs.push(Format::float(
        3,
        2,
        false,
        Rounding::NearestEven,
        Overflow::Saturate,
    ));
    fs.push(Format::float(
        3,
        2,
        true,
        Rounding::TowardZero,
        Overflow::Saturate,
    ));
    for round in 0..240 {
        let f = fs[round % fs.len()];
        let shape = Shape {
            width: 2 + rng.below(3) as usize,
            layers: 1,
            heads: if rng.below(2) == 0 { Some(2) } else { None },
            norm: false,
        };
        let m: NumericModel = random_model(&mut rng, f, &shape);
        let values: Vec<Num> = f.values().expect("a small format");
        let vf: Vec<f64> = values.iter().map(Num::to_f64).collect();
        let rest = RestF64::new(&m, 0).expect("no norm, few values");
        // Values within ±4, where the random weights keep sums inside the range now and
        // then and outside it at other times.
        let near: Vec<usize> = (0..values.len()).filter(|&i| vf[i].abs() <= 4.0).collect();
        let pick = |rng: &mut Rng| near[rng.below(near.len() as u64) as usize];
        let h: Vec<Num> = (0..m.width)
            .map(|_| values[pick(&mut rng)].clone())
            .collect();
        let boxes: Vec<Vec<(usize, usize)>> = m.layers[0]
            .heads
            .iter()
            .map(|head| {
                (0..head.value.w.len())
                    .map(|_| {
                        let (a, b) = (pick(&mut rng), pick(&mut rng));
                        match rng.below(4) {
                            0 => (a, a),
                            _ => (a.min(b), a.max(b)),
                        }
                    })
                    .collect()
            })
            .collect();
        let heads: Vec<Vec<(Num, Num)>> = boxes
            .iter()
            .map(|b| {
                b.iter()
                    .map(|&(lo, hi)| (values[lo].clone(), values[hi].clone()))
                    .collect()
            })
            .collect();
        let (Some((lo, hi)), Some((plo, phi))) =
            (rest.affine(&h, &heads), rest.interval(&h, &heads))
        else {
            continue;
        };
        for sample in 0..40 {
            let concat: Vec<Num> = boxes
                .iter()
                .flatten()
                .map(|&(a, b)| {
                    let i = match sample {
                        0 => a,
                        1 => b,
                        _ => a + rng.below((b - a + 1) as u64) as usize,
                    };
                    values[i].clone()
                })
                .collect();
            let Ok(v) = layer_rest(&m, 0, &h, &concat) else {
                continue;
            };
            let Ok(z) = logit(&m, &v) else {
                continue;
            };
            points += 1;
            let z = z.to_f64();
            if z < lo || z > hi || z < plo || z > phi {
                misses += 1;
            }
        }
    }
    (points, misses)
}

#[test]
fn the_affine_bounds_hold_the_executors_logit_and_forgotten_roundings_are_caught() {
    let (points, misses) = affine_misses(5);
    assert!(points >= 4000, "only {points} points checked");
    assert_eq!(
        misses, 0,
        "{misses} of {points} logits fell outside their affine bound"
    );
    set_bounds_mutation(BoundsMutation::AffineNoRounding);
    let (_, misses) = affine_misses(5);
    set_bounds_mutation(BoundsMutation::None);
    assert!(
        misses > 0,
        "affine bounds without the roundings went unnoticed"
    );
    for (m, what) in [
        (
            BoundsMutation::AffineQuarterStep,
            "rounding to nearest as off by a quarter gap",
        ),
        (
            BoundsMutation::AffineLogitUnrounded,
            "the logit's exact sum, unrounded",
        ),
    ] {
        set_bounds_mutation(m);
        let (_, misses) = affine_misses(5);
        set_bounds_mutation(BoundsMutation::None);
        assert!(misses > 0, "affine bounds that take {what} went unnoticed");
    }
}
