//! Numeric models: the examples with their specs, translation validation of the compiler
//! against the exact executor on random models (every word up to a length past the count
//! caps), and hostile inputs through the command line.

use ltlattn::automata::{compare, formula_dfa, Alphabet, Budget, Question};
use ltlattn::logic::{parse, Acceptance, Arena};
use ltlattn::numeric::{
    compile_numeric, count_cap, count_formula, formula_of, formula_or_note, load_numeric,
    run_numeric, run_numeric_answer, Format, NormPlace, NumRange, Overflow, Rounding,
    FORMULA_DFA_STATES,
};
use ltlattn::verdict::{check_numeric, Options};

use crate::helpers::random_numeric::{random_model, Rng, Shape};
use crate::helpers::run::{ltlattn, scratch_dir};

fn examples() -> Vec<(String, String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/numeric");
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            let w = p.with_extension("safetensors");
            out.push((p.display().to_string(), text, std::fs::read(w).unwrap()));
        }
    }
    out.sort();
    out
}

/// The naive "contains a" example: its path, text and weights.
fn naive() -> (String, String, Vec<u8>) {
    example("naive-contains-a")
}

/// The example `examples/numeric/{stem}.toml`: its path, text and weights.
fn example(stem: &str) -> (String, String, Vec<u8>) {
    examples()
        .into_iter()
        .find(|(p, _, _)| p.ends_with(&format!("/{stem}.toml")))
        .unwrap_or_else(|| panic!("examples/numeric/{stem}.toml"))
}

/// The example `stem` with its weights read into the float format with `exp` exponent and
/// `man` mantissa bits (the examples are written in fixed 5.2): its path, text, weights.
fn example_in_float(stem: &str, exp: u32, man: u32) -> (String, String, Vec<u8>) {
    let (path, text, w) = example(stem);
    let fixed = "format = \"fixed\"\nint_bits = 5\nfrac_bits = 2";
    assert!(text.contains(fixed), "{path}: the examples are fixed 5.2");
    let float = format!("format = \"float\"\nexp_bits = {exp}\nman_bits = {man}");
    (path, text.replace(fixed, &float), w)
}

fn header<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("# {key}:")).map(str::trim))
        .unwrap_or_else(|| panic!("no `# {key}:` header"))
}

#[test]
fn every_numeric_example_meets_its_expectation_at_every_length() {
    let ex = examples();
    assert!(ex.len() >= 6, "{} examples", ex.len());
    for (path, text, weights) in &ex {
        let m = load_numeric(path, text, weights).unwrap_or_else(|e| panic!("{path}: {e}"));
        let c = compile_numeric(&m, &Budget::default()).expect("compiles");
        // The formula the compiler reports defines the model's language.
        let (cert, _) = formula_of(&c, &ltlattn::fragment::Limits::default());
        let cert = cert.unwrap_or_else(|| panic!("{path}: no formula"));
        let mut f = Arena::new();
        let phi = parse(&mut f, &cert.formula).unwrap();
        let sigma = Alphabet::Tokens(m.alphabet.clone());
        let b = Budget::default();
        let d = formula_dfa(&f, phi, &sigma, Acceptance::Eos, &b).unwrap();
        assert!(
            compare(&d, &c.dfa, Question::Equivalent, &b)
                .unwrap()
                .counterexample
                .is_none(),
            "{path}: the reported formula differs from the model"
        );
        // The spec in the header: proved, or the expected shortest counterexample.
        let mut g = Arena::new();
        let spec = parse(&mut g, header(text, "spec")).unwrap();
        let r = check_numeric(&m, &c, &g, spec, &Options::default()).unwrap();
        match header(text, "expect") {
            "holds" => assert!(r.verdict.holds(), "{path}: {:?}", r.verdict.counterexample),
            e => {
                let want = e
                    .strip_prefix("counterexample ")
                    .expect("holds | counterexample …");
                let cex = r.verdict.counterexample.expect("a counterexample");
                assert_eq!(cex.word.show(), want, "{path}");
                let t = r.trace.expect("the executor's run");
                assert_eq!(t.accepted, cex.first);
                assert_eq!(
                    run_numeric(&m, &want.split(' ').map(String::from).collect::<Vec<_>>())
                        .unwrap()
                        .accepted,
                    cex.first
                );
            }
        }
    }
}

/// fp8 with a global head: the naive model with its weights read into e4m3 compiles
/// (3.5 million abstract states: the b-keys' weight 9/512 beside the a-keys' 1 makes
/// the minimal DFA keep 512·#a + 9·#b) to a DFA too large for the classifier's formulas
/// but not for the count formula, and `check`
/// against `P a` finds a^248 — a denominator of 248 ties to 256, past e4m3's largest
/// value 240, so it is +∞ and every α is 0. The executor confirms both sides of it.
/// (About a minute: CI runs it once, in the default-feature run; nothing in it needs z3.)
#[test]
#[cfg_attr(
    not(feature = "z3"),
    ignore = "slow; runs in the default-feature test run"
)]
fn the_naive_model_in_e4m3_fails_at_248() {
    let (path, text, w) = example_in_float("naive-contains-a", 4, 3);
    let m = load_numeric(&path, &text, &w).unwrap();
    let c = compile_numeric(&m, &Budget::default()).expect("compiles within the default budget");
    assert!(
        c.dfa.states() > FORMULA_DFA_STATES,
        "{} states",
        c.dfa.states()
    );
    // Too large for the classifier's constructions, but the capped counts give a count
    // formula (re-checked equivalent inside): #a ≥ 1 and #b below a bound that falls by
    // 57 ≈ 512/9 per a — 14,052 b's are too many after one a.
    let (f, note) = formula_or_note(&c, &ltlattn::fragment::Limits::default());
    let f = f.expect("a count formula");
    assert!(note.is_none() && f.verified_equivalent);
    assert!(
        f.formula
            .starts_with("P a & !P>=2 a & !P>=14052 b | P>=2 a & !P>=3 a & !P>=13995 b |"),
        "{}",
        &f.formula[..200]
    );
    let mut h = Arena::new();
    let phi = parse(&mut h, &f.formula).unwrap();
    for n in [0usize, 1, 2, 7, 8, 100, 247, 248] {
        let w: Vec<String> = vec!["a".to_string(); n];
        let word = ltlattn::logic::Word::letters(w.clone());
        assert_eq!(
            ltlattn::logic::evaluate(&h, phi, &word, Acceptance::Eos),
            run_numeric(&m, &w).unwrap().accepted,
            "a^{n}"
        );
    }
    let mut g = Arena::new();
    let spec = parse(&mut g, "P a").unwrap();
    let r = check_numeric(&m, &c, &g, spec, &Options::default()).unwrap();
    let cex = r.verdict.counterexample.expect("a counterexample");
    let a = |n: usize| vec!["a".to_string(); n];
    assert_eq!(cex.word.show(), a(248).join(" "));
    assert!(!cex.first, "the model rejects it");
    assert!(!run_numeric(&m, &a(248)).unwrap().accepted);
    assert!(run_numeric(&m, &a(247)).unwrap().accepted);
}

/// The robust two-layer "contains a" with its weights in e3m3 (count cap 496): explored
/// all at once its two layers' counts passed 27 million abstract states; layer by layer
/// (the first layer minimized as a Mealy machine before the second is put on it) it
/// compiles within the default budget. Its DFA agrees with the executor on every word up
/// to 8 letters and on long random words, and `check` against `P a` finds a shortest
/// counterexample of 406 letters that the executor confirms.
#[test]
#[cfg_attr(
    not(feature = "z3"),
    ignore = "slow; runs in the default-feature test run"
)]
fn the_two_layer_model_in_e3m3_compiles_layer_by_layer() {
    let (path, text, w) = example_in_float("contains-a", 3, 3);
    let m = load_numeric(&path, &text, &w).unwrap();
    let c = compile_numeric(&m, &Budget::default()).expect("compiles within the default budget");
    assert_eq!(c.stages.len(), 2);
    let (first, last) = (c.stages[0], c.stages[1]);
    assert!(first.states < first.explored, "{first:?}");
    assert_eq!(last.states, c.dfa.states());
    assert_eq!(c.explored, first.explored + last.explored);
    let sigma =
        |w: &[String]| -> Vec<u32> { w.iter().map(|t| if t == "a" { 0 } else { 1 }).collect() };
    for w in words(8) {
        assert_eq!(
            c.dfa.accepts(&sigma(&w)),
            run_numeric(&m, &w).unwrap().accepted,
            "{w:?}"
        );
    }
    let mut rng = Rng(0x5eed_1e55_c0ff_ee00);
    for _ in 0..6 {
        let n = 300 + rng.below(120) as usize;
        let p_a = 1 + rng.below(9);
        let w: Vec<String> = (0..n)
            .map(|_| if rng.below(10) < p_a { "a" } else { "b" }.to_string())
            .collect();
        assert_eq!(
            c.dfa.accepts(&sigma(&w)),
            run_numeric(&m, &w).unwrap().accepted,
            "{w:?}"
        );
    }
    let mut g = Arena::new();
    let spec = parse(&mut g, "P a").unwrap();
    let r = check_numeric(&m, &c, &g, spec, &Options::default()).unwrap();
    let cex = r.verdict.counterexample.expect("a counterexample");
    let word: Vec<String> = cex.word.show().split(' ').map(str::to_string).collect();
    assert_eq!(word.len(), 406);
    assert!(!cex.first, "the model rejects it");
    assert!(!run_numeric(&m, &word).unwrap().accepted);
    assert!(word.contains(&"a".to_string()));
}

/// The naive model of docs/NUMERIC.md §2 accepts exactly 1 ≤ #a ≤ 7, by the executor.
#[test]
fn the_naive_model_counts_to_seven() {
    let (path, text, w) = naive();
    let m = load_numeric(&path, &text, &w).unwrap();
    for n in 0..12usize {
        for pad in [0usize, 3] {
            let mut word: Vec<String> = vec!["b".into(); pad];
            word.extend(std::iter::repeat_n("a".to_string(), n));
            let t = run_numeric(&m, &word).unwrap();
            assert_eq!(
                t.accepted,
                (1..=7).contains(&n),
                "#a = {n}, {pad} b's first"
            );
        }
    }
}

/// `compile` constructs a formula up to FORMULA_DFA_STATES minimal-DFA states and beyond
/// that says why not: the naive model's 9-state DFA gets its formula (re-checked
/// equivalent); a counter of one more state than the bound gets the note.
#[test]
fn formulas_are_constructed_up_to_the_dfa_bound() {
    use ltlattn::automata::Dfa;
    let (path, text, w) = naive();
    let m = load_numeric(&path, &text, &w).unwrap();
    let mut c = compile_numeric(&m, &Budget::new(100_000, None)).unwrap();
    let (f, note) = formula_or_note(&c, &ltlattn::fragment::Limits::default());
    assert!(note.is_none());
    assert!(f.expect("a formula").verified_equivalent);
    // Count a's up to n − 1 (b stays), accept exactly at the top.
    let n = FORMULA_DFA_STATES + 1;
    let trans: Vec<u32> = (0..n as u32)
        .flat_map(|q| [(q + 1).min(n as u32 - 1), q])
        .collect();
    let accepting: Vec<bool> = (0..n).map(|q| q == n - 1).collect();
    c.dfa = Dfa::from_parts(
        Alphabet::Tokens(vec!["a".into(), "b".into()]),
        Acceptance::Eos,
        trans,
        accepting,
    )
    .unwrap();
    let (f, note) = formula_or_note(&c, &ltlattn::fragment::Limits::default());
    assert!(f.is_none());
    let note = note.expect("a note");
    assert!(note.contains(&format!("{n} states")), "{note}");
}

fn words(max: usize) -> Vec<Vec<String>> {
    let mut out = vec![vec![]];
    let mut frontier = vec![vec![]];
    for _ in 0..max {
        let mut next = Vec::new();
        for w in &frontier {
            for t in ["a", "b"] {
                let mut x: Vec<String> = w.clone();
                x.push(t.into());
                next.push(x);
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

/// Translation validation: on random models in four small formats (fixed and float,
/// both rounding modes, 1–3 layers, global and local heads, FFN on and off, some with
/// inclusive masking) the compiled DFA and the exact executor agree on every word up to
/// a length beyond the format's count cap.
#[test]
fn compiled_dfas_agree_with_the_executor_on_random_models() {
    let formats = [
        Format::fixed(2, 1, Rounding::NearestEven),
        Format::fixed(2, 1, Rounding::TowardZero),
        Format::float(2, 1, true, Rounding::NearestEven, Overflow::Saturate),
        Format::float(2, 1, false, Rounding::NearestEven, Overflow::Saturate),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut checked, mut skipped, mut exercised_caps) = (0, 0, 0);
    // Models whose compilation forgot dead classes' counts or merged count vectors by
    // the congruence, and multi-layer models whose lower layers merged states when
    // minimized as a stage: each shortcut is checked here against the executor. (Before
    // the congruence, some of these models passed the budget and were skipped; model 10,
    // with inclusive masking, then showed that a local head's window count was cut to a
    // global head's cap.)
    let (mut forgot, mut merged, mut congruent) = (0, 0, 0);
    for (i, f) in formats.iter().cycle().take(160).enumerate() {
        let shape = Shape {
            width: 2 + rng.below(2) as usize,
            layers: 1 + rng.below(3) as usize,
            heads: None,
            norm: false,
        };
        let m = random_model(&mut rng, *f, &shape);
        let cap = count_cap(f).expect("a small cap") as usize;
        assert!(cap <= 8, "{f:?}: cap {cap}");
        let c = match compile_numeric(&m, &Budget::new(20_000, None)) {
            Ok(c) => c,
            Err(_) => {
                skipped += 1;
                continue;
            }
        };
        let sigma =
            |w: &[String]| -> Vec<u32> { w.iter().map(|t| if t == "a" { 0 } else { 1 }).collect() };
        for w in words(cap + 1) {
            let t = run_numeric(&m, &w).unwrap_or_else(|e| panic!("model {i}: {e}"));
            assert_eq!(
                c.dfa.accepts(&sigma(&w)),
                t.accepted,
                "model {i} ({f:?}) on {w:?}: compiled DFA vs executor"
            );
        }
        if m.layers
            .iter()
            .any(|l| l.heads.iter().any(|h| h.range == NumRange::Global))
        {
            exercised_caps += 1;
        }
        forgot += usize::from(c.forgotten > 0);
        congruent += usize::from(c.congruent > 0);
        let (_, lower) = c.stages.split_last().expect("a stage per layer");
        merged += usize::from(lower.iter().any(|s| s.states < s.explored));
        checked += 1;
    }
    let counts = format!("{checked} checked, {skipped} over budget, {exercised_caps} with global heads, {forgot} forgot counts, {congruent} merged count vectors by the congruence, {merged} merged lower layers");
    eprintln!("{counts}");
    assert!(
        checked >= 150 && exercised_caps >= 60 && congruent >= 30 && merged >= 20,
        "{counts}"
    );
}

/// Count formulas (`P>=m`) of random one-layer models with global heads only: the formula
/// written from the capped counts defines the compiled DFA's language (re-checked by the
/// explicit engine here, not only inside the compiler) and agrees with the executor on
/// every word past the count caps; `compile` shows it or a shorter formula.
#[test]
fn count_formulas_of_one_layer_models_agree_with_the_executor() {
    let formats = [
        Format::fixed(2, 1, Rounding::NearestEven),
        Format::fixed(2, 1, Rounding::TowardZero),
        Format::float(2, 1, true, Rounding::NearestEven, Overflow::Saturate),
        Format::float(2, 1, false, Rounding::NearestEven, Overflow::Saturate),
    ];
    let mut rng = Rng(0x51_7cc1_b727_220a);
    let (mut checked, mut counting) = (0, 0);
    for (i, f) in formats.iter().cycle().take(120).enumerate() {
        let shape = Shape {
            width: 2 + rng.below(2) as usize,
            layers: 1,
            heads: Some(1 + rng.below(2) as usize * 2),
            norm: false,
        };
        let mut m = random_model(&mut rng, *f, &shape);
        for h in &mut m.layers[0].heads {
            h.range = NumRange::Global;
        }
        let Ok(c) = compile_numeric(&m, &Budget::new(20_000, None)) else {
            continue;
        };
        let table = c
            .counts
            .as_ref()
            .expect("one global layer has a count table");
        let mut g = Arena::new();
        let phi = count_formula(table, &m.alphabet, &mut g)
            .expect("acceptance is a function of the counts");
        let sigma = Alphabet::Tokens(m.alphabet.clone());
        let b = Budget::default();
        let d = formula_dfa(&g, phi, &sigma, Acceptance::Eos, &b).unwrap();
        assert!(
            compare(&d, &c.dfa, Question::Equivalent, &b)
                .unwrap()
                .counterexample
                .is_none(),
            "model {i}: the count formula differs from the compiled DFA"
        );
        let cap = count_cap(f).expect("a small cap") as usize;
        for w in words(cap + 1) {
            let t = run_numeric(&m, &w).unwrap_or_else(|e| panic!("model {i}: {e}"));
            let word = ltlattn::logic::Word::letters(w.clone());
            assert_eq!(
                ltlattn::logic::evaluate(&g, phi, &word, Acceptance::Eos),
                t.accepted,
                "model {i} ({f:?}) on {w:?}: count formula vs executor"
            );
        }
        let (cert, note) = formula_or_note(&c, &ltlattn::fragment::Limits::default());
        let cert = cert.unwrap_or_else(|| panic!("model {i}: no formula ({note:?})"));
        assert!(cert.verified_equivalent);
        if g.ops(phi).contains(ltlattn::logic::Op::OnceAtLeast) {
            counting += 1;
        }
        checked += 1;
    }
    assert!(
        checked >= 100 && counting >= 10,
        "{checked} checked, {counting} with P>=m"
    );
}

/// A model file with layer norms (TOML keys `norm`, `norm_eps`; tensors `norm1`, `norm2`)
/// loads, and its compiled DFA agrees with the executor; ε is read as the decimal written.
#[test]
fn layer_norm_model_files_load_and_compile() {
    let text = "alphabet = [\"a\", \"b\"]\nweights = \"w.safetensors\"\n[number]\nformat = \"fixed\"\nint_bits = 3\nfrac_bits = 2\n\n[[layer]]\nffn = true\nnorm = \"pre\"\nnorm_eps = 1e-5\n[[layer.head]]\nrange = \"global\"\nscale = 1.0\n\n[[layer]]\nnorm = \"post\"\nnorm_eps = 0.25\n[[layer.head]]\nrange = \"local\"\nwindow = 1\nscale = 1.0\n";
    let t: Vec<Tensor> = vec![
        ("embed", vec![3, 2], vec![1.0, 0.0, 0.0, 1.0, 0.5, 0.5]),
        ("layer.0.norm1.weight", vec![2], vec![1.0, 0.5]),
        ("layer.0.norm1.bias", vec![2], vec![0.0, 0.25]),
        ("layer.0.head.0.query.weight", vec![1, 2], vec![1.0, 0.0]),
        ("layer.0.head.0.key.weight", vec![1, 2], vec![2.0, -1.0]),
        ("layer.0.head.0.value.weight", vec![1, 2], vec![1.0, -1.0]),
        ("layer.0.out.weight", vec![2, 1], vec![1.0, -0.5]),
        ("layer.0.norm2.weight", vec![2], vec![0.75, 1.0]),
        ("layer.0.ffn.up.weight", vec![1, 2], vec![1.0, 1.0]),
        ("layer.0.ffn.down.weight", vec![2, 1], vec![0.5, -0.5]),
        ("layer.1.norm1.weight", vec![2], vec![1.0, 1.0]),
        ("layer.1.head.0.query.weight", vec![1, 2], vec![1.0, 1.0]),
        ("layer.1.head.0.key.weight", vec![1, 2], vec![1.0, -1.0]),
        ("layer.1.head.0.value.weight", vec![1, 2], vec![1.0, 0.0]),
        ("layer.1.out.weight", vec![2, 1], vec![1.0, 1.0]),
        ("classifier.weight", vec![1, 2], vec![1.0, -1.0]),
        ("classifier.bias", vec![1], vec![0.25]),
    ];
    let m = load_numeric("norms.toml", text, &safetensors(&t)).unwrap_or_else(|e| panic!("{e:?}"));
    let n0 = m.layers[0].norm.as_ref().unwrap();
    assert_eq!(n0.place, NormPlace::Pre);
    assert_eq!(
        n0.eps,
        (1.into(), 100_000.into()),
        "1e-5 exactly, not the nearest double"
    );
    assert!(n0.attention.is_some() && n0.ffn.is_some());
    let n1 = m.layers[1].norm.as_ref().unwrap();
    assert_eq!(
        (n1.place, n1.eps.clone()),
        (NormPlace::Post, (1.into(), 4.into()))
    );
    assert!(n1.ffn.is_none());
    let c = compile_numeric(&m, &Budget::new(100_000, None)).unwrap();
    let cap = count_cap(&m.format).unwrap() as usize;
    let (mut yes, mut no) = (0, 0);
    for w in words(cap.min(9) + 1) {
        let t = run_numeric(&m, &w).unwrap();
        let letters: Vec<u32> = w.iter().map(|t| if t == "a" { 0 } else { 1 }).collect();
        assert_eq!(c.dfa.accepts(&letters), t.accepted, "{w:?}");
        if t.accepted {
            yes += 1
        } else {
            no += 1
        }
    }
    assert!(
        yes > 0 && no > 0,
        "a language with both answers: {yes} yes, {no} no"
    );
}

/// Translation validation with layer norms (pre and post, ε = 1e-5): the compiler sees
/// normalized vectors exactly where the executor computes them.
#[test]
fn compiled_dfas_agree_with_the_executor_on_random_models_with_layer_norm() {
    let formats = [
        Format::fixed(2, 1, Rounding::NearestEven),
        Format::float(2, 1, true, Rounding::NearestEven, Overflow::Saturate),
        Format::fixed(2, 1, Rounding::TowardZero),
    ];
    let mut rng = Rng(0x51_7cc1_b727_220a);
    let (mut checked, mut skipped, mut pre, mut post) = (0, 0, 0, 0);
    for (i, f) in formats.iter().cycle().take(60).enumerate() {
        let shape = Shape {
            width: 2 + rng.below(2) as usize,
            layers: 1 + rng.below(2) as usize,
            heads: None,
            norm: true,
        };
        let m = random_model(&mut rng, *f, &shape);
        let c = match compile_numeric(&m, &Budget::new(20_000, None)) {
            Ok(c) => c,
            Err(_) => {
                skipped += 1;
                continue;
            }
        };
        let cap = count_cap(f).expect("a small cap") as usize;
        let sigma =
            |w: &[String]| -> Vec<u32> { w.iter().map(|t| if t == "a" { 0 } else { 1 }).collect() };
        for w in words(cap + 1) {
            let t = run_numeric(&m, &w).unwrap_or_else(|e| panic!("model {i}: {e}"));
            assert_eq!(
                c.dfa.accepts(&sigma(&w)),
                t.accepted,
                "model {i} ({f:?}) on {w:?}: compiled DFA vs executor"
            );
        }
        for l in &m.layers {
            match l.norm.as_ref().map(|n| n.place) {
                Some(NormPlace::Pre) => pre += 1,
                Some(NormPlace::Post) => post += 1,
                None => {}
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 50 && pre >= 10 && post >= 10,
        "{checked} checked, {skipped} over budget, {pre} pre, {post} post"
    );
}

/// A tensor: name, shape, values.
type Tensor = (&'static str, Vec<usize>, Vec<f32>);

/// A safetensors file of F32 tensors.
fn safetensors(tensors: &[Tensor]) -> Vec<u8> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, s, v)| {
            (
                n.to_string(),
                s.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> = bytes
        .iter()
        .map(|(n, s, b)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b)
                    .unwrap(),
            )
        })
        .collect();
    safetensors::serialize(views, &None).unwrap()
}

/// Bad numeric inputs end in exit 2 with a message that names the tensor or the key.
#[test]
fn hostile_numeric_models_are_refused_clearly() {
    let dir = scratch_dir("numeric");
    let toml = |extra: &str, head: &str| {
        format!(
            "alphabet = [\"a\", \"b\"]\nweights = \"w.safetensors\"\n{extra}\n[number]\nformat = \"fixed\"\nint_bits = 5\nfrac_bits = 2\n\n[[layer]]\n[[layer.head]]\n{head}\n"
        )
    };
    let good: Vec<Tensor> = vec![
        ("embed", vec![3, 2], vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
        ("layer.0.head.0.query.weight", vec![1, 2], vec![0.0, 0.0]),
        ("layer.0.head.0.key.weight", vec![1, 2], vec![4.0, 0.0]),
        ("layer.0.head.0.value.weight", vec![1, 2], vec![1.0, 0.0]),
        ("layer.0.out.weight", vec![2, 1], vec![1.0, 0.0]),
        ("classifier.weight", vec![1, 2], vec![1.0, 0.0]),
    ];
    let with = |f: &dyn Fn(&mut Vec<Tensor>)| {
        let mut t = good.clone();
        f(&mut t);
        safetensors(&t)
    };
    let cases: Vec<(&str, String, Vec<u8>, &str)> = vec![
        (
            "missing tensor",
            toml("", "range = \"global\""),
            with(&|t| {
                t.remove(2);
            }),
            "layer.0.head.0.key.weight",
        ),
        (
            "extra tensor",
            toml("", "range = \"global\""),
            with(&|t| t.push(("layer.3.out.weight", vec![1], vec![0.0]))),
            "layer.3.out.weight",
        ),
        (
            "wrong shape",
            toml("", "range = \"global\""),
            with(&|t| t[3] = ("layer.0.head.0.value.weight", vec![2, 1], vec![1.0, 0.0])),
            "shape",
        ),
        (
            "NaN weight",
            toml("", "range = \"global\""),
            with(&|t| t[5].2[1] = f32::NAN),
            "non-finite",
        ),
        (
            "infinite weight",
            toml("", "range = \"global\""),
            with(&|t| t[0].2[0] = f32::INFINITY),
            "non-finite",
        ),
        (
            "not safetensors",
            toml("", "range = \"global\""),
            b"PK\x03\x04 not a tensor file".to_vec(),
            "not a safetensors file",
        ),
        (
            "unknown key",
            toml("colour = 3", "range = \"global\""),
            with(&|_| {}),
            "unknown field",
        ),
        (
            "window 0",
            toml("", "range = \"local\"\nwindow = 0"),
            with(&|_| {}),
            "window 0",
        ),
        (
            "broken TOML",
            "alphabet = [\"a\"\n".into(),
            with(&|_| {}),
            "cannot read the model",
        ),
        (
            "layer norm without its weight",
            toml("", "range = \"global\"").replace("[[layer]]\n", "[[layer]]\nnorm = \"pre\"\n"),
            with(&|_| {}),
            "layer.0.norm1.weight",
        ),
        (
            "unknown norm",
            toml("", "range = \"global\"").replace("[[layer]]\n", "[[layer]]\nnorm = \"rms\"\n"),
            with(&|_| {}),
            "unknown norm `rms`",
        ),
        (
            "negative norm_eps",
            toml("", "range = \"global\"").replace(
                "[[layer]]\n",
                "[[layer]]\nnorm = \"post\"\nnorm_eps = -1e-5\n",
            ),
            with(&|t| t.push(("layer.0.norm1.weight", vec![2], vec![1.0, 1.0]))),
            "must not be negative",
        ),
        (
            "norm_eps without a norm",
            toml("", "range = \"global\"").replace("[[layer]]\n", "[[layer]]\nnorm_eps = 0.1\n"),
            with(&|_| {}),
            "norm_eps belongs to a layer with norm",
        ),
        (
            "norm2 without a feed-forward block",
            toml("", "range = \"global\"").replace("[[layer]]\n", "[[layer]]\nnorm = \"post\"\n"),
            with(&|t| {
                t.push(("layer.0.norm1.weight", vec![2], vec![1.0, 1.0]));
                t.push(("layer.0.norm2.weight", vec![2], vec![1.0, 1.0]));
            }),
            "layer.0.norm2.weight",
        ),
    ];
    for (what, text, weights, needle) in cases {
        let model = dir.join("m.toml");
        std::fs::write(&model, text).unwrap();
        std::fs::write(dir.join("w.safetensors"), weights).unwrap();
        for cmd in ["compile", "run"] {
            let mut args = vec![cmd, model.to_str().unwrap()];
            if cmd == "run" {
                args.extend(["--word", "a b"]);
            }
            let o = ltlattn(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{what} ({cmd}): {err}");
            assert!(
                err.contains(needle),
                "{what} ({cmd}): expected `{needle}` in\n{err}"
            );
            assert!(!err.contains("panicked"), "{what}: {err}");
        }
    }
    // The good model runs; in fp16 its count cap is astronomically large, and compile
    // stops at the state budget with exit 2, naming it and how far it got.
    std::fs::write(dir.join("w.safetensors"), safetensors(&good)).unwrap();
    let fp16 = toml("", "range = \"global\"").replace(
        "format = \"fixed\"\nint_bits = 5\nfrac_bits = 2",
        "format = \"float\"\nexp_bits = 5\nman_bits = 10",
    );
    std::fs::write(dir.join("m.toml"), fp16).unwrap();
    let m = dir.join("m.toml").display().to_string();
    let o = ltlattn(&["run", &m, "--word", "a b a"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = ltlattn(&["compile", &m, "--max-states", "2000"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--max-states") && err.contains("2001"),
        "{err}"
    );
    // A two-layer model names the layer it was exploring and what the layers below it
    // were minimized to (contains-a in e3m3: layer 0 explores 8,449 states, 4,065 after
    // minimizing; layer 1 needs 908,122).
    let (_, e3m3, w) = example_in_float("contains-a", 3, 3);
    std::fs::write(dir.join("contains-a.toml"), e3m3).unwrap();
    std::fs::write(dir.join("contains-a.safetensors"), w).unwrap();
    let m = dir.join("contains-a.toml").display().to_string();
    for (limit, at) in [
        ("2000", "exploring layer 0 (0-based, of 2)"),
        (
            "20000",
            "exploring layer 1 (0-based, of 2) on the layers below it, minimized to 4065 states",
        ),
    ] {
        let o = ltlattn(&["compile", &m, "--max-states", limit]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(at) && err.contains("--max-states"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The formula `compile --json` reports for a numeric model is an ordinary formula:
/// `equiv` against the spec proves it, and `check` agrees.
#[test]
fn compiled_numeric_formulas_work_with_equiv() {
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/numeric/contains-ba.toml"
    );
    let o = ltlattn(&["compile", model, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let accept = json["accept"].as_str().unwrap().to_string();
    assert_eq!(json["fragment"], "LTL[P, Y]");
    assert!(json["features"]["layer.1.head.0"]["count_cap"].is_number());
    let o = ltlattn(&["equiv", &accept, "P (a & Y b)", "--alphabet", "a,b"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = ltlattn(&["check", model, "--spec", "P (a & Y b)", "--json"]);
    assert_eq!(o.status.code(), Some(0));
}

/// `equiv` and `includes` take model and DFA files as operands: the numeric model's
/// language against a formula, a Boolean model and a DFA file, with the counterexample
/// re-judged by each side's executor; mismatched alphabets and `--engine z3` are refused.
#[test]
fn equiv_and_includes_take_model_files() {
    let ex = |p: &str| format!("{}/examples/{p}", env!("CARGO_MANIFEST_DIR"));
    let naive = ex("numeric/naive-contains-a.toml");
    let o = ltlattn(&["equiv", &naive, "P a", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["holds"], false);
    assert_eq!(j["counterexample"], serde_json::json!(vec!["a"; 8]));
    assert_eq!(j["first"]["source"], naive.as_str());
    assert!(j["first"]["formula"].is_null());
    assert_eq!(
        (&j["first"]["accepts"], &j["second"]["accepts"]),
        (&false.into(), &true.into())
    );
    assert_eq!(j["second"]["formula"], "P a");
    assert!(j["second"].get("source").is_none());
    // Inclusion holds one way (a⁸ is the first word it misses), not the other.
    assert_eq!(ltlattn(&["includes", &naive, "P a"]).status.code(), Some(0));
    let o = ltlattn(&["includes", "P a", &naive]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("a a a a a a a a"));
    // Numeric against numeric, Boolean model and DFA file.
    let robust = ex("numeric/contains-a.toml");
    let o = ltlattn(&["equiv", &robust, "P a"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = ltlattn(&[
        "includes",
        &ex("numeric/ends-with-ab.toml"),
        &robust,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["first"]["source"].is_string() && j["second"]["source"].is_string());
    let o = ltlattn(&[
        "equiv",
        &ex("models/ends-with-ab.toml"),
        &ex("numeric/ends-with-ab.toml"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = ltlattn(&["equiv", &ex("dfa/parity.dfa"), &robust, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["counterexample"], serde_json::json!([]));
    // Refusals, exit 2 with a reason.
    for (args, needle) in [
        (
            vec!["equiv", &robust, &ex("models/contains-a.toml")],
            "different alphabets",
        ),
        (
            vec!["equiv", &robust, "P a", "--alphabet", "b,a"],
            "differs from the file's alphabet",
        ),
        (vec!["equiv", &robust, "P c"], "not a token"),
        (
            vec!["equiv", &robust, "P a", "--engine", "z3"],
            "explicit engine",
        ),
    ] {
        let o = ltlattn(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// Issue 29, item 2: a weight beyond the format's range becomes +∞ on loading (e3m1
/// without subnormals, `overflow = "inf"`: 48 > 12). The query of ⊣ on the empty word
/// reads it times a zero weight — NaN — though ⊣ has nothing to attend to there. Every
/// value is computed at every position (grammar/numeric.md), so `run` stops with the NaN
/// error as `compile` does (`run` gave the empty word a verdict), and both name the
/// weight; a model whose infinite weight makes no NaN runs and compiles, and lists it.
#[test]
fn weights_beyond_the_range_are_reported_and_run_agrees_with_compile() {
    let dir = scratch_dir("beyond");
    let toml = "alphabet = [\"a\", \"b\"]\nweights = \"w.safetensors\"\n[number]\nformat = \"float\"\nexp_bits = 3\nman_bits = 1\nsubnormals = false\noverflow = \"inf\"\n\n[[layer]]\n[[layer.head]]\nrange = \"global\"\nscale = 1.0\n";
    let tensors = |query: Vec<f32>| -> Vec<Tensor> {
        vec![
            // ⊣'s embedding has 48 in component 1: +∞ in e3m1.
            ("embed", vec![3, 2], vec![1.0, 0.0, 0.0, 1.0, 0.0, 48.0]),
            ("layer.0.head.0.query.weight", vec![1, 2], query),
            ("layer.0.head.0.key.weight", vec![1, 2], vec![1.0, 0.0]),
            ("layer.0.head.0.value.weight", vec![1, 2], vec![1.0, 0.0]),
            ("layer.0.out.weight", vec![2, 1], vec![1.0, 0.0]),
            ("classifier.weight", vec![1, 2], vec![1.0, 0.0]),
        ]
    };
    let path = dir.join("m.toml").display().to_string();
    std::fs::write(&path, toml).unwrap();
    // The query reads component 1 with weight 0: 0 · ∞.
    std::fs::write(
        dir.join("w.safetensors"),
        safetensors(&tensors(vec![1.0, 0.0])),
    )
    .unwrap();
    for args in [
        vec!["run", &path, "--word", ""],
        vec!["run", &path, "--word", "a b"],
        vec!["compile", &path],
    ] {
        let o = ltlattn(&args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("not a number"), "{args:?}: {err}");
        assert!(err.contains("embed[2, 1] = 48 → +∞"), "{args:?}: {err}");
    }
    // An infinite classifier bias makes no NaN (the logit is +∞ on every word): it is
    // listed, the JSON counts it, and the model accepts everything.
    let mut finite = tensors(vec![1.0, 0.0]);
    finite[0].2[5] = 0.0;
    finite.push(("classifier.bias", vec![1], vec![48.0]));
    std::fs::write(dir.join("w.safetensors"), safetensors(&finite)).unwrap();
    let o = ltlattn(&["compile", &path]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        text.contains(
            "1 weights were beyond the format's range when loaded: classifier.bias[0] = 48 → +∞"
        ),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("the model accepts every word"), "{text}");
    let o = ltlattn(&["compile", &path, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rounding"]["beyond_range"], 1, "{v}");
    for w in ["", "a", "b a"] {
        let o = ltlattn(&["run", &path, "--word", w]);
        assert_eq!(o.status.code(), Some(0), "{w:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 27's target for readable formulas: every model whose minimal DFA has at most 8
/// states gets a formula of at most 300 characters (the search of
/// `fragment::shortest`; before it, `first-equals-last` printed 70,843), in the
/// architecture's fragment and re-checked here against the DFA and the executor.
#[test]
fn small_automata_get_short_formulas_in_the_architectures_fragment() {
    use ltlattn::fragment::shortest::Ops;
    let mut models: Vec<(String, ltlattn::numeric::NumericModel)> = examples()
        .into_iter()
        .map(|(p, text, w)| (p.clone(), load_numeric(&p, &text, &w).unwrap()))
        .collect();
    let mut rng = Rng(0x5eed_f0f0_1234_5678);
    for i in 0..30 {
        let shape = Shape {
            width: 2 + rng.below(2) as usize,
            layers: 1 + rng.below(2) as usize,
            heads: None,
            norm: false,
        };
        let f = Format::fixed(2, 1, Rounding::NearestEven);
        models.push((format!("random {i}"), random_model(&mut rng, f, &shape)));
    }
    let mut small = 0;
    for (name, m) in &models {
        let c = compile_numeric(m, &Budget::new(200_000, None)).unwrap();
        if c.dfa.states() > 8 {
            continue;
        }
        small += 1;
        let (f, _) = formula_or_note(&c, &ltlattn::fragment::Limits::default());
        let f = f.unwrap_or_else(|| panic!("{name}: no formula"));
        assert!(f.formula.len() <= 300, "{name}: {}", f.formula.len());
        let mut g = Arena::new();
        let phi = parse(&mut g, &f.formula).unwrap();
        let ops = Ops::of(c.fragment).unwrap();
        assert!(
            ops.admits(&g, phi),
            "{name}: {} in {:?}",
            f.formula,
            c.fragment
        );
        let d = formula_dfa(
            &g,
            phi,
            c.dfa.alphabet(),
            Acceptance::Eos,
            &Budget::default(),
        )
        .unwrap();
        let answer = compare(&d, &c.dfa, Question::Equivalent, &Budget::default()).unwrap();
        assert_eq!(answer.counterexample, None, "{name}: {}", f.formula);
        for w in words(6) {
            let word = ltlattn::logic::Word::letters(w.clone());
            assert_eq!(
                ltlattn::logic::evaluate(&g, phi, &word, Acceptance::Eos),
                run_numeric(m, &w).unwrap().accepted,
                "{name} on {w:?}: {}",
                f.formula
            );
        }
    }
    assert!(small >= 25, "{small} models with small automata");
}

/// The executor without the trace (`run_numeric_answer`, keys counted by value) gives
/// `run_numeric`'s logit, and fails where it fails, on random models of every masking, range
/// (windows 1–2) and small format, with and without feed-forward blocks and layer norms,
/// on random words up to length 40 and on long runs of one letter (where keys repeat);
/// and the trained e4m3 model's wrong answer on b^325 a a.
#[test]
fn the_answer_without_the_trace_is_the_executors() {
    let formats = [
        Format::fixed(2, 1, Rounding::NearestEven),
        Format::fixed(3, 2, Rounding::TowardZero),
        Format::float(2, 1, true, Rounding::NearestEven, Overflow::Saturate),
        Format::float(3, 2, false, Rounding::NearestEven, Overflow::Inf),
        Format::float(4, 3, true, Rounding::NearestEven, Overflow::Saturate),
    ];
    let mut rng = Rng(0x5eed_a115);
    let (mut runs, mut errors) = (0, 0);
    for i in 0..150 {
        let shape = Shape {
            width: 2 + rng.below(3) as usize,
            layers: 1 + rng.below(2) as usize,
            heads: None,
            norm: i % 5 == 0,
        };
        let m = random_model(&mut rng, formats[i % formats.len()], &shape);
        let mut words: Vec<Vec<String>> = (0..12)
            .map(|_| {
                let n = rng.below(41) as usize;
                (0..n)
                    .map(|_| ["a", "b"][rng.below(2) as usize].to_string())
                    .collect()
            })
            .collect();
        words.push(vec!["a".to_string(); 90]);
        words.push(
            (0..90)
                .map(|j| ["a", "b"][usize::from(j % 3 == 0)].to_string())
                .collect(),
        );
        for w in &words {
            let full = run_numeric(&m, w).map(|t| (t.logit, t.accepted));
            let fast = run_numeric_answer(&m, w);
            assert_eq!(full.is_err(), fast.is_err(), "model {i}, word {w:?}");
            if let (Ok(a), Ok(b)) = (full, fast) {
                assert_eq!(a, b, "model {i}, word {w:?}");
                runs += 1;
            } else {
                errors += 1;
            }
        }
    }
    assert!(runs > 1500, "{runs} runs, {errors} errors");
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/trained/ends-a/hybrid-1-e4m3-s1"
    );
    let text = std::fs::read_to_string(format!("{dir}/model.toml")).unwrap();
    let bytes = std::fs::read(format!("{dir}/model.safetensors")).unwrap();
    let m = load_numeric("model.toml", &text, &bytes).unwrap();
    let mut w = vec!["b".to_string(); 325];
    w.extend(["a".to_string(), "a".to_string()]);
    let (logit, accepted) = run_numeric_answer(&m, &w).unwrap();
    assert!(!accepted);
    assert_eq!(logit, run_numeric(&m, &w).unwrap().logit);
}
