//! Every certificate the classifier gives on the shipped examples, re-checked from the
//! outside: formulas by a fresh equivalence check, word pairs by DFA membership and by
//! recomputing their depth-n types, identity witnesses by membership.

use ltlattn::automata::{
    compare, formula_dfa, minimize, parse_dfa, Alphabet, Budget, Dfa, Question,
};
use ltlattn::compile::compile;
use ltlattn::fragment::types::{TypeOps, Types};
use ltlattn::fragment::{classify, Classification, Limits};
use ltlattn::logic::{parse, Acceptance, Arena};
use ltlattn::model::load;

fn recheck(dfa: &Dfa, c: &Classification, what: &str) {
    let letters = |w: &[String]| -> Vec<u32> {
        w.iter()
            .map(|t| dfa.alphabet().atoms().iter().position(|a| a == t).unwrap() as u32)
            .collect()
    };
    for (key, _, d) in c.rows() {
        if let Some(f) = &d.formula {
            let mut arena = Arena::new();
            let phi = parse(&mut arena, &f.formula)
                .unwrap_or_else(|e| panic!("{what}/{key}: certificate does not parse: {e}"));
            let b = Budget::default();
            let fd = formula_dfa(&arena, phi, dfa.alphabet(), Acceptance::Eos, &b).unwrap();
            assert!(
                compare(&fd, dfa, Question::Equivalent, &b)
                    .unwrap()
                    .counterexample
                    .is_none(),
                "{what}/{key}: formula certificate is wrong"
            );
        }
        if let Some(r) = &d.refutation {
            let ops = match key {
                "global" => TypeOps::GLOBAL,
                "local" => TypeOps::LOCAL1,
                _ => TypeOps::HYBRID1,
            };
            for p in &r.pairs {
                let (u, v) = (letters(&p.member), letters(&p.non_member));
                assert!(
                    dfa.accepts(&u) && !dfa.accepts(&v),
                    "{what}/{key}: pair membership"
                );
                let mut t = Types::default();
                assert_eq!(
                    t.eos_type(ops, &u, dfa.letters(), p.n),
                    t.eos_type(ops, &v, dfa.letters(), p.n),
                    "{what}/{key}: depth {}",
                    p.n
                );
            }
            if key != "hard" {
                assert_eq!(
                    r.pairs.len(),
                    3,
                    "{what}/{key}: family verified up to depth 3"
                );
            } else {
                let get = |k: &str| letters(&r.witnesses.iter().find(|(n, _)| n == k).unwrap().1);
                assert!(
                    dfa.accepts(&get("in L")) && !dfa.accepts(&get("not in L")),
                    "{what}: hard witnesses"
                );
            }
        }
        if d.member == Some(true) && d.formula.is_none() {
            assert!(
                d.note.is_some(),
                "{what}/{key}: a member without a certificate must say why"
            );
        }
    }
}

#[test]
fn every_certificate_on_the_examples_rechecks() {
    let root = env!("CARGO_MANIFEST_DIR");
    let limits = Limits::default();
    let mut n = 0;
    for entry in std::fs::read_dir(format!("{root}/examples/models")).unwrap() {
        let path = entry.unwrap().path();
        let model = load("m", &std::fs::read_to_string(&path).unwrap()).unwrap();
        let c = compile(&model).expect("compiles");
        let sigma = Alphabet::Tokens(model.alphabet.clone());
        let dfa = formula_dfa(
            &c.arena,
            c.accept,
            &sigma,
            model.acceptance,
            &Budget::default(),
        )
        .unwrap();
        let cl = classify(&dfa, &limits, Some((&c.arena, c.accept)));
        recheck(&dfa, &cl, &path.display().to_string());
        // The architecture's fragment contains the language.
        let key = match c.fragment.name().as_str() {
            "LTL[P]" => Some(&cl.global),
            "LTL[Y]" => Some(&cl.local),
            "LTL[P, Y]" => Some(&cl.hybrid),
            "LTL[Y, S]" => Some(&cl.hard),
            _ => None,
        };
        if let Some(d) = key {
            assert_eq!(
                d.member,
                Some(true),
                "{}: the model's own architecture must recognize its language",
                path.display()
            );
        }
        n += 1;
    }
    for entry in std::fs::read_dir(format!("{root}/examples/dfa")).unwrap() {
        let path = entry.unwrap().path();
        let dfa = minimize(&parse_dfa(&std::fs::read_to_string(&path).unwrap()).unwrap());
        let cl = classify(&dfa, &limits, None);
        recheck(&dfa, &cl, &path.display().to_string());
        n += 1;
    }
    assert!(n >= 14);
}

#[test]
fn the_papers_separations() {
    let limits = Limits::default();
    let of = |text: &str, alphabet: &[&str]| {
        let mut f = Arena::new();
        let phi = parse(&mut f, text).unwrap();
        let sigma = Alphabet::Tokens(alphabet.iter().map(|s| s.to_string()).collect());
        let dfa = formula_dfa(&f, phi, &sigma, Acceptance::Eos, &Budget::default()).unwrap();
        let c = classify(&dfa, &limits, Some((&f, phi)));
        recheck(&dfa, &c, text);
        c
    };
    // Global and local are incomparable (Li & Cotterell 2026): "contains a" is global only,
    // "last symbol is a" local only; hybrids recognize their combination.
    let contains = of("P a", &["a", "b"]);
    assert_eq!(
        (contains.global.member, contains.local.member),
        (Some(true), Some(false))
    );
    let last = of("Y a", &["a", "b"]);
    assert_eq!(
        (last.global.member, last.local.member),
        (Some(false), Some(true))
    );
    let both = of("P a & Y b", &["a", "b"]);
    assert_eq!(
        (both.global.member, both.local.member, both.hybrid.member),
        (Some(false), Some(false), Some(true))
    );
    assert!(
        !both.hybrid.hypothesis,
        "a verified formula proves hybrid membership"
    );
    // Hard attention gives since: "the last non-b is a" is star-free but not LR.
    let since = of("b S< a", &["a", "b", "c"]);
    assert_eq!(
        (since.hybrid.member, since.hard.member),
        (Some(false), Some(true))
    );
    // Parity is regular but not star-free.
    let dfa = minimize(
        &parse_dfa("alphabet: a b\nstates: 2\naccepting: 0\n0 a 1\n0 b 0\n1 a 0\n1 b 1\n").unwrap(),
    );
    let parity = classify(&dfa, &limits, None);
    assert_eq!(
        (parity.hard.member, parity.regular.member),
        (Some(false), Some(true))
    );
}

#[test]
fn dfa_files_with_errors_say_where() {
    for (text, msg) in [
        ("states: 2\n0 a 1\n", "missing `alphabet:`"),
        ("alphabet: a\nstates: 2\n0 a 1\n", "no transition"),
        ("alphabet: a\nstates: 1\n0 b 0\n", "not in the alphabet"),
        ("alphabet: a\nstates: 1\n0 a 0\n0 a 1\n", "out of range"),
        (
            "alphabet: a\nstates: 2\n0 a 0\n0 a 1\n1 a 1\n",
            "deterministic",
        ),
        ("alphabet: a a\nstates: 1\n", "twice"),
        ("alphabet: a\nstates: 0\n", "between 1"),
        ("alphabet: a\nstates: x\n", "not a state number"),
        ("alphabet: a\nstates: 1\ncolour: red\n", "unknown key"),
        ("alphabet: a\nstates: 1\n0 a\n", "FROM LETTER TO"),
    ] {
        let e = parse_dfa(text).expect_err(text);
        assert!(e.to_string().contains(msg), "{text}: {e}");
        assert!(e.span.end <= text.len());
    }
}

#[test]
fn greens_relations_nest_and_windows_are_searched() {
    use ltlattn::algebra::Monoid;
    use ltlattn::fragment::bounded_window;
    let limits = Limits::default();
    for text in [
        "P (a & Y b)",
        "Y Y a",
        "b S< a",
        "(start & eos) | (P (start & a) & !P (a & Y a) & !P (b & Y b) & Y b)",
    ] {
        let mut f = Arena::new();
        let phi = parse(&mut f, text).unwrap();
        let names: Vec<String> = f.atom_names(phi);
        let dfa = formula_dfa(
            &f,
            phi,
            &Alphabet::Tokens(names),
            Acceptance::Eos,
            &Budget::default(),
        )
        .unwrap();
        let m = Monoid::of(&dfa, 10_000).unwrap();
        let (r, l, j) = (m.r_classes(), m.l_classes(), m.j_classes());
        for x in 0..m.len() {
            for y in 0..m.len() {
                if r[x] == r[y] || l[x] == l[y] {
                    assert_eq!(j[x], j[y], "{text}: R or L implies J");
                }
            }
        }
    }
    let of = |text: &str| {
        let mut f = Arena::new();
        let phi = parse(&mut f, text).unwrap();
        let dfa = formula_dfa(
            &f,
            phi,
            &Alphabet::Tokens(vec!["a".into(), "b".into()]),
            Acceptance::Eos,
            &Budget::default(),
        )
        .unwrap();
        (f, phi, dfa)
    };
    // "An a among the last two letters" is 2-local; "the second-to-last letter is a" is
    // 1-local but has no 2-local formula of depth ≤ 3, and the procedure proves that much.
    let (f, phi, dfa) = of("Y<=2 a");
    let d = bounded_window(&dfa, 2, false, &limits, Some((&f, phi)), false);
    assert_eq!(d.member, Some(true));
    let (_, _, dfa) = of("Y Y a");
    let d = bounded_window(&dfa, 2, false, &limits, None, false);
    assert_eq!(d.member, None);
    let r = d.refutation.expect("a proof up to the depth searched");
    assert_eq!(r.not_at_depth, Some(3));
    let get = |k: &str| {
        r.witnesses
            .iter()
            .find(|(n, _)| n == k)
            .unwrap()
            .1
            .iter()
            .map(|t| if t == "a" { 0 } else { 1 })
            .collect::<Vec<u32>>()
    };
    let (u, v) = (get("in L"), get("not in L"));
    assert!(dfa.accepts(&u) && !dfa.accepts(&v));
    let mut t = Types::default();
    let ops = TypeOps {
        p: false,
        window: 2,
    };
    assert_eq!(t.eos_type(ops, &u, 2, 3), t.eos_type(ops, &v, 2, 3));
}
