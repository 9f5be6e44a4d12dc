//! Models: validation errors, the examples, translation validation (compiler vs the
//! reference executor on all short words) and realize round trips.

use crate::helpers::formulas::Tree;
use crate::helpers::words::all_words;
use ltlattn::automata::{compare, formula_dfa, Alphabet, Budget, Question};
use ltlattn::compile::{compile, realize};
use ltlattn::logic::{evaluate, parse, Acceptance, Arena, Word};
use ltlattn::model::{load, run};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

fn letters(w: &Word) -> Vec<String> {
    match w {
        Word::Letters(v) => v.clone(),
        Word::Props(_) => unreachable!(),
    }
}

/// The compiled output formula and the executor agree on every word.
fn compiler_matches_executor(text: &str, words: &[Word]) -> Result<(), String> {
    let model = load("model.toml", text).map_err(|e| format!("load: {e}"))?;
    let c = compile(&model).expect("compiles");
    for w in words {
        let t = run(&model, &letters(w)).map_err(|e| e.to_string())?;
        // Every feature, not only the output, at every position.
        for (f, col) in c.features.iter().zip(&t.values) {
            let table = ltlattn::logic::truth_table(&c.arena, f.formula, w, model.acceptance);
            let compiled = table.values.last().unwrap();
            if compiled != col {
                return Err(format!(
                    "feature {} on {}: executor {:?}, formula {:?}",
                    f.name,
                    w.show(),
                    col,
                    compiled
                ));
            }
        }
        if evaluate(&c.arena, c.accept, w, model.acceptance) != t.accepted {
            return Err(format!("acceptance differs on {}", w.show()));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- validation errors

#[test]
fn every_validation_error_has_its_message_and_a_span() {
    let ok_head = "[[layer]]\n[[layer.head]]\nname = \"h\"\nrange = \"global\"\nvalue = \"a\"\n";
    let cases: Vec<(String, &str)> = vec![
        ("alphabet = [\"a\"\noutput = \"a\"".into(), "cannot read the model"),
        ("alphabet = [\"a\"]\noutput = \"a\"\ncolour = 3".into(), "unknown field"),
        ("alphabet = []\noutput = \"a\"".into(), "the alphabet is empty"),
        ("alphabet = [\"a\", \"a\"]\noutput = \"a\"".into(), "listed twice"),
        ("alphabet = [\"\"]\noutput = \"a\"".into(), "non-empty string"),
        ("alphabet = [\"a\"]\noutput = \"z\"".into(), "the output `z` is not a feature"),
        ("alphabet = [\"a\"]\noutput = \"a\"\nacceptance = \"middle\"".into(), "unknown acceptance"),
        ("alphabet = [\"a\"]\noutput = \"a\"\nmasking = \"loose\"".into(), "unknown masking"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}", ok_head.replace("value = \"a\"", "value = \"c\"")), "unknown feature `c`"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}", ok_head.replace("global", "local")), "needs a window"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}window = 0\n", ok_head.replace("global", "local")), "at least 1"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}window = 1000000000\n", ok_head.replace("global", "local")), "beyond the maximum"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}window = 2\n", ok_head), "a global head has no window"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}", ok_head.replace("global", "sideways")), "unknown range"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}pattern = \"fixed\"\n", ok_head.replace("global", "combiner")), "pattern `fixed` needs `block`"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}", ok_head.replace("global", "combiner")), "needs a pattern"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}pattern = \"fixed\"\nblock = 0\n", ok_head.replace("global", "combiner")), "block 0 is outside"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}pattern = \"fixed\"\nblock = 1000000\n", ok_head.replace("global", "combiner")), "block 1000000 is outside"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}pattern = \"fixed\"\nblock = 4\ncolumns = 5\n", ok_head.replace("global", "combiner")), "columns 5 is outside"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}pattern = \"axial\"\nblock = 4\n", ok_head.replace("global", "combiner")), "pattern `axial` has no `block`"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}pattern = \"strided\"\n", ok_head.replace("global", "combiner")), "unknown Combiner pattern"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}pattern = \"logsparse\"\nmode = \"hard-rightmost\"\ndefault = false\n", ok_head.replace("global", "combiner")), "Combiner heads are soft"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}block = 4\n", ok_head), "`block` belongs to Combiner heads"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}summary-key = \"a\"\n", ok_head), "only Combiner heads have a summary selection"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}pattern = \"logsparse\"\nsummary-key = \"b\"\n", ok_head.replace("global", "combiner")), "unknown feature `b`"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}", ok_head.replace("value = \"a\"", "value = \"pos%2=1\"")), "position-modulo atom"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}mode = \"hard-rightmost\"\n", ok_head), "has no default"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}default = true\n", ok_head), "a soft head has no default"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}mode = \"medium\"\n", ok_head), "unknown mode"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}", ok_head.replace("value = \"a\"", "value = \"P a\"")), "temporal operator"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}", ok_head.replace("value = \"a\"", "value = \"a &\"")), "in the value of head `h`"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}", ok_head.replace("name = \"h\"", "name = \"a\"")), "defined twice"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{ok_head}[[layer.ffn]]\nname = \"h\"\nexpr = \"a\"\n"), "defined twice"),
        // A head reading a feature of its own layer, and a feature of a later layer.
        (format!("alphabet = [\"a\"]\noutput = \"g\"\n{ok_head}[[layer.head]]\nname = \"g\"\nrange = \"global\"\nvalue = \"h\"\n"), "made in this layer"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}[[layer]]\n[[layer.head]]\nname = \"g\"\nrange = \"global\"\nvalue = \"a\"\n", ok_head.replace("value = \"a\"", "value = \"g\"")), "made in layer 2"),
        // Feed-forward lines that read themselves or each other (a cycle).
        ("alphabet = [\"a\"]\noutput = \"x\"\n[[layer]]\n[[layer.ffn]]\nname = \"x\"\nexpr = \"x | a\"\n".into(), "in terms of itself"),
        ("alphabet = [\"a\"]\noutput = \"x\"\n[[layer]]\n[[layer.ffn]]\nname = \"x\"\nexpr = \"y\"\n[[layer.ffn]]\nname = \"y\"\nexpr = \"x\"\n".into(), "cycle"),
        (format!("alphabet = [\"a\"]\noutput = \"h\"\n{}query = \"true\"\nselect = []\n", ok_head), "either `select` or `query`/`key`"),
        ("alphabet = [\"a\"]\noutput = \"h\"\n[[layer]]\n[[layer.head]]\nname = \"h\"\nrange = \"global\"\nvalue = \"a\"\nselect = []\n".into(), "selects nothing"),
    ];
    for (text, msg) in cases {
        match load("bad.toml", &text) {
            Ok(_) => panic!("loaded:\n{text}"),
            Err(e) => {
                let shown = format!("{e} {}", e.help.clone().unwrap_or_default());
                assert!(
                    shown.contains(msg),
                    "expected `{msg}` for\n{text}\ngot: {shown}"
                );
                let span = e
                    .span
                    .clone()
                    .unwrap_or_else(|| panic!("no span for `{msg}`"));
                assert!(
                    span.end <= text.len() && span.start <= span.end,
                    "span {span:?} for `{msg}`"
                );
            }
        }
    }
}

#[test]
fn hostile_models_end_in_errors_not_panics() {
    use ltlattn::model::ModelErrorKind;
    let huge_features: String = (0..20_000)
        .map(|i| format!("[[layer.ffn]]\nname = \"f{i}\"\nexpr = \"a\"\n"))
        .collect();
    let nested = |depth: usize| {
        format!(
            "alphabet = [\"a\"]\noutput = \"x\"\n[[layer]]\n[[layer.ffn]]\nname = \"x\"\nexpr = \"{}a{}\"\n",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    };
    let refused = [
        (String::new(), ModelErrorKind::Toml),
        ("\u{0}\u{1}garbage".to_string(), ModelErrorKind::Toml),
        ("alphabet = 3\noutput = 4".to_string(), ModelErrorKind::Toml),
        (nested(150_000), ModelErrorKind::Expression),
    ];
    for (t, kind) in refused {
        match load("hostile.toml", &t) {
            Ok(_) => panic!("accepted: {}", &t[..t.len().min(60)]),
            Err(e) => assert_eq!(e.kind, kind, "{e}"),
        }
    }
    // Large but legal: 20,000 features, and nesting under the limit.
    let m = load(
        "hostile.toml",
        &format!("alphabet = [\"a\"]\noutput = \"f19999\"\n[[layer]]\n{huge_features}"),
    )
    .expect("20,000 feed-forward lines load");
    assert_eq!(m.features.len(), 20_001);
    assert!(load("hostile.toml", &nested(50_000)).is_ok());
    // The same nesting refused when the caller lowers the limit.
    let low = ltlattn::logic::ParseLimits {
        max_nesting: 1_000,
        ..ltlattn::logic::ParseLimits::DEFAULT
    };
    let e = ltlattn::model::load_with("hostile.toml", &nested(50_000), low).unwrap_err();
    assert_eq!(e.kind, ModelErrorKind::Expression);
}

// ---------------------------------------------------------------- examples

fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("# {key}:")).map(str::trim))
}

#[test]
fn every_example_model_recognizes_its_spec_and_lands_in_its_fragment() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/models");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let model = load(&path.display().to_string(), &text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut c = compile(&model).expect("compiles");
        let spec = parse(&mut c.arena, header(&text, "spec").expect("spec")).unwrap();
        let sigma = Alphabet::Tokens(model.alphabet.clone());
        let b = Budget::default();
        let dm = formula_dfa(&c.arena, c.accept, &sigma, model.acceptance, &b).unwrap();
        let ds = formula_dfa(&c.arena, spec, &sigma, model.acceptance, &b).unwrap();
        let ans = compare(&dm, &ds, Question::Equivalent, &b).unwrap();
        assert!(
            ans.counterexample.is_none(),
            "{}: differs on {:?}",
            path.display(),
            ans.counterexample
        );
        assert_eq!(
            c.fragment.name(),
            header(&text, "fragment").expect("fragment"),
            "{}",
            path.display()
        );
        let alpha: Vec<&str> = model.alphabet.iter().map(String::as_str).collect();
        compiler_matches_executor(&text, &all_words(&alpha, 5))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n >= 12, "only {n} example models");
}

#[test]
fn the_dyck_spec_is_bounded_dyck_of_depth_2() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/models/dyck-depth-2.toml"
    ))
    .unwrap();
    let mut f = Arena::new();
    let spec = parse(&mut f, header(&text, "spec").unwrap()).unwrap();
    for w in all_words(&["(", ")"], 12) {
        let mut depth = 0i32;
        let mut ok = true;
        for t in letters(&w) {
            depth += if t == "(" { 1 } else { -1 };
            ok &= (0..=2).contains(&depth);
        }
        ok &= depth == 0;
        assert_eq!(evaluate(&f, spec, &w, Acceptance::Eos), ok, "{}", w.show());
    }
}

// ---------------------------------------------------------------- random models

/// A random well-formed model, as TOML text.
#[derive(Clone, Debug)]
struct RandModel(String);

fn rand_expr(g: &mut Gen, names: &[String], depth: u32) -> String {
    let pick = u8::arbitrary(g) % 10;
    if depth == 0 || pick < 4 {
        let atoms = names.len() + 3;
        return match usize::arbitrary(g) % atoms {
            i if i < names.len() => names[i].clone(),
            i if i == names.len() => "start".into(),
            i if i == names.len() + 1 => "eos".into(),
            _ => "true".into(),
        };
    }
    let a = rand_expr(g, names, depth - 1);
    match pick {
        4 | 5 => format!("!({a})"),
        6 | 7 => format!("({a}) & ({})", rand_expr(g, names, depth - 1)),
        _ => format!("({a}) | ({})", rand_expr(g, names, depth - 1)),
    }
}

impl Arbitrary for RandModel {
    fn arbitrary(g: &mut Gen) -> RandModel {
        let mut names: Vec<String> = vec!["a".into(), "b".into()];
        let acceptance = if bool::arbitrary(g) { "eos" } else { "last" };
        let mut t = format!("alphabet = [\"a\", \"b\"]\nacceptance = \"{acceptance}\"\n");
        let mut body = String::new();
        let layers = 1 + usize::arbitrary(g) % 3;
        let mut fresh = 0;
        for _ in 0..layers {
            body.push_str("[[layer]]\n");
            let readable = names.clone();
            let heads = 1 + usize::arbitrary(g) % 2;
            for _ in 0..heads {
                fresh += 1;
                let name = format!("f{fresh}");
                let mode =
                    ["soft", "soft", "hard-rightmost", "hard-leftmost"][usize::arbitrary(g) % 4];
                let local = bool::arbitrary(g);
                body.push_str(&format!(
                    "[[layer.head]]\nname = \"{name}\"\nmode = \"{mode}\"\n"
                ));
                if local {
                    body.push_str(&format!(
                        "range = \"local\"\nwindow = {}\n",
                        1 + usize::arbitrary(g) % 3
                    ));
                } else {
                    body.push_str("range = \"global\"\n");
                }
                body.push_str(&format!(
                    "masking = \"{}\"\n",
                    if bool::arbitrary(g) {
                        "strict"
                    } else {
                        "inclusive"
                    }
                ));
                if bool::arbitrary(g) {
                    body.push_str(&format!(
                        "query = \"{}\"\nkey = \"{}\"\n",
                        rand_expr(g, &readable, 1),
                        rand_expr(g, &readable, 2)
                    ));
                } else {
                    body.push_str(&format!(
                        "select = [{{ query = \"{}\", key = \"{}\" }}, {{ query = \"{}\", key = \"{}\" }}]\n",
                        rand_expr(g, &readable, 1),
                        rand_expr(g, &readable, 1),
                        rand_expr(g, &readable, 1),
                        rand_expr(g, &readable, 1)
                    ));
                }
                body.push_str(&format!("value = \"{}\"\n", rand_expr(g, &readable, 2)));
                if mode != "soft" {
                    body.push_str(&format!("default = {}\n", bool::arbitrary(g)));
                }
                names.push(name);
            }
            for _ in 0..usize::arbitrary(g) % 3 {
                fresh += 1;
                let name = format!("f{fresh}");
                body.push_str(&format!(
                    "[[layer.ffn]]\nname = \"{name}\"\nexpr = \"{}\"\n",
                    rand_expr(g, &names, 2)
                ));
                names.push(name);
            }
        }
        t.push_str(&format!("output = \"{}\"\n", names.last().unwrap()));
        t.push_str(&body);
        RandModel(t)
    }
}

#[test]
fn compiled_formulas_agree_with_the_executor_on_all_words_up_to_length_7() {
    fn prop(m: RandModel) -> TestResult {
        thread_local!(static W: Vec<Word> = all_words(&["a", "b"], 7));
        match W.with(|w| compiler_matches_executor(&m.0, w)) {
            Ok(()) => TestResult::passed(),
            Err(e) => TestResult::error(format!("{e}\n{}", m.0)),
        }
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(RandModel) -> TestResult);
}

/// `P>=m` is unrolled into m nested global heads, up to m = 64, and refused beyond.
#[test]
fn realize_unrolls_counting_and_refuses_large_counts() {
    let alphabet = vec!["a".to_string(), "b".to_string()];
    let mut f = Arena::new();
    let phi = ltlattn::logic::parse(&mut f, "P>=3 a & !P>=5 b").unwrap();
    let text = realize(&f, phi, &alphabet, Acceptance::Eos).unwrap();
    let model = load("realized.toml", &text).unwrap();
    assert_eq!(model.layers, 5);
    let c = compile(&model).expect("compiles");
    let back = f.import(&c.arena, c.accept);
    let sigma = Alphabet::Tokens(alphabet.clone());
    let b = Budget::default();
    let d1 = formula_dfa(&f, phi, &sigma, Acceptance::Eos, &b).unwrap();
    let d2 = formula_dfa(&f, back, &sigma, Acceptance::Eos, &b).unwrap();
    assert!(compare(&d1, &d2, Question::Equivalent, &b)
        .unwrap()
        .counterexample
        .is_none());
    let big = ltlattn::logic::parse(&mut f, "P>=65 a").unwrap();
    let e = realize(&f, big, &alphabet, Acceptance::Eos).unwrap_err();
    assert!(
        e.to_string().contains("P>=65 needs 65 nested global heads"),
        "{e}"
    );
}

#[test]
fn realize_round_trips_through_compile() {
    fn prop(t: Tree, eos: bool) -> TestResult {
        let acc = if eos {
            Acceptance::Eos
        } else {
            Acceptance::Last
        };
        let mut f = Arena::new();
        let phi = t.build(&mut f, &["a", "b"]);
        let alphabet = vec!["a".to_string(), "b".to_string()];
        let text = realize(&f, phi, &alphabet, acc).unwrap();
        let model = match load("realized.toml", &text) {
            Ok(m) => m,
            Err(e) => return TestResult::error(format!("{e}\n{text}")),
        };
        // As few layers as the temporal nesting needs.
        if model.layers != (f.temporal_depth(phi) as usize).max(1) {
            return TestResult::error(format!(
                "{} layers for temporal depth {}",
                model.layers,
                f.temporal_depth(phi)
            ));
        }
        let c = compile(&model).expect("compiles");
        let back = f.import(&c.arena, c.accept);
        let sigma = Alphabet::Tokens(alphabet);
        let b = Budget::default();
        let (d1, d2) = (
            formula_dfa(&f, phi, &sigma, acc, &b).unwrap(),
            formula_dfa(&f, back, &sigma, acc, &b).unwrap(),
        );
        match compare(&d1, &d2, Question::Equivalent, &b)
            .unwrap()
            .counterexample
        {
            None => TestResult::passed(),
            Some(w) => TestResult::error(format!("differs on {:?}\n{text}", sigma.word(&w).show())),
        }
    }
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(Tree, bool) -> TestResult);
}

/// z3's bounded analysis of a non-regular model unrolls `P>=m` with `atleast`: a spec
/// that counts b's agrees with the power-of-two model up to length 7 while the count
/// cannot be reached, and differs first at `b b b a` when it can.
#[cfg(feature = "z3")]
#[test]
fn bounded_analysis_counts_with_p_at_least() {
    use ltlattn::verdict::{check_model_bounded, Bounded};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/nonregular/combiner-logsparse-powers.toml"
    );
    let model = load(path, &std::fs::read_to_string(path).unwrap()).unwrap();
    let powers = "(Y a | Y Y a | Y Y Y Y a)";
    let mut f = Arena::new();
    let unreachable = parse(&mut f, &format!("{powers} & !P>=8 b")).unwrap();
    let r = check_model_bounded(&model, &f, unreachable, 7, None).unwrap();
    assert!(matches!(r, Bounded::AgreeUpTo(7)), "{r:?}");
    let three = parse(&mut f, &format!("{powers} & !P>=3 b")).unwrap();
    match check_model_bounded(&model, &f, three, 7, None).unwrap() {
        Bounded::Differ { word, model, spec } => {
            assert_eq!(word.len(), 4, "{word:?}");
            assert_eq!(word.iter().filter(|t| *t == "b").count(), 3, "{word:?}");
            assert!(model && !spec);
        }
        other => panic!("{other:?}"),
    }
}
