//! Parser behaviour users rely on: the ltlf2dfa dialect, the two readings of `P`,
//! depth without stack overflow, and an error (never a panic) for every bad input.

use ltlattn::logic::{parse, print, Arena, ParseErrorKind, Syntax};

#[test]
fn reads_every_formula_of_the_ltlf2dfa_corpus_as_intended() {
    let corpus = include_str!("../data/ltlf2dfa_ppltl.txt");
    let mut n = 0;
    for line in corpus
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (src, expected) = line.split_once(";;").expect("corpus line without ;;");
        let mut f = Arena::new();
        let phi = parse(&mut f, src.trim()).unwrap_or_else(|e| panic!("{src}: {e}"));
        let want = parse(&mut f, expected.trim()).unwrap();
        assert_eq!(phi, want, "{src} read as {}", print(&f, phi, Syntax::Ascii));
        let printed = print(&f, phi, Syntax::Ascii);
        assert_eq!(
            parse(&mut f, &printed),
            Ok(phi),
            "printing {src} as {printed}"
        );
        n += 1;
    }
    assert!(n >= 50, "corpus too small: {n}");
}

#[test]
fn prefix_p_is_strict_once_and_infix_p_is_release() {
    use ltlattn::logic::Node;
    let mut f = Arena::new();
    let phi = parse(&mut f, "P a P b").unwrap();
    match f.node(phi) {
        Node::Release(l, _) => assert!(matches!(f.node(l), Node::StrictOnce(_))),
        other => panic!("{other:?}"),
    }
    let psi = parse(&mut f, "P (a P b)").unwrap();
    assert!(matches!(f.node(psi), Node::StrictOnce(_)));
}

#[test]
fn hash_consing_shares_equal_subformulas() {
    let mut f = Arena::new();
    let phi = parse(&mut f, "P a & (P a | Y P a)").unwrap();
    // Distinct subformulas: a, P a, Y P a, P a | Y P a, the conjunction.
    assert_eq!(f.size(phi), 5);
    assert_eq!(f.height(phi), 4);
    assert_eq!(f.temporal_depth(phi), 2);
    assert_eq!(f.atom_names(phi), vec!["a"]);
    let ops: Vec<&str> = f.ops(phi).iter().map(|o| o.name()).collect();
    assert_eq!(ops, vec!["atom", "and", "or", "Y", "P"]);
}

#[test]
fn deep_nesting_parses_without_overflow() {
    let n = 100_000;
    let mut f = Arena::new();
    let parens = format!("{}a{}", "(".repeat(n), ")".repeat(n));
    let a = f.atom("a");
    assert_eq!(parse(&mut f, &parens).unwrap(), a);
    let nots = format!("{}a", "!".repeat(n));
    let phi = parse(&mut f, &nots).unwrap();
    assert_eq!(f.height(phi), n as u32);
    // Printing and re-parsing a 100,000-deep formula works too.
    let ys = format!("{}a", "Y ".repeat(n));
    let phi = parse(&mut f, &ys).unwrap();
    let text = print(&f, phi, Syntax::Latex);
    assert_eq!(parse(&mut f, &text).unwrap(), phi);
    let since = format!("{}a", "a S ".repeat(n));
    let phi = parse(&mut f, &since).unwrap();
    assert_eq!(f.height(phi), n as u32);
}

#[test]
fn bad_inputs_end_in_the_right_error() {
    use ParseErrorKind::*;
    let cases: &[(&str, ParseErrorKind)] = &[
        ("", Empty),
        ("   \n\t ", Empty),
        ("(a & b", UnbalancedParen),
        ("a & b)", UnbalancedParen),
        (")", UnexpectedToken),
        ("()", UnexpectedToken),
        ("a &", UnexpectedEnd),
        ("!", UnexpectedEnd),
        ("Y", UnexpectedEnd),
        ("a b", UnexpectedToken),
        ("& a", UnexpectedToken),
        ("a S S b", UnexpectedToken),
        ("X a", UnknownOperator),
        ("a U b", UnknownOperator),
        ("G F a", UnknownOperator),
        ("Foo", UnknownOperator),
        ("Ya", UnknownOperator),
        ("\\frac{a}{b}", UnknownOperator),
        ("'abc", UnterminatedQuote),
        ("\"", UnterminatedQuote),
        ("''", BadAtom),
        ("Y<=0 a", BadWindow),
        ("Y<=99999999999 a", BadWindow),
        ("P>=0 a", BadCount),
        ("P>=99999999999 a", BadCount),
        ("a P>=2 b", UnexpectedToken),
        ("a # b", UnexpectedChar),
        ("a\u{0}b", UnexpectedChar),
        ("a @ b", UnexpectedChar),
        (&"(".repeat(100_000), UnexpectedEnd),
        (&"(a".repeat(100_000), UnexpectedToken),
    ];
    for (src, kind) in cases {
        let mut f = Arena::new();
        match parse(&mut f, src) {
            Err(e) => {
                assert_eq!(e.kind, *kind, "{:?}: {e}", &src[..src.len().min(30)]);
                assert!(
                    e.span.end <= src.len() && e.span.start <= e.span.end,
                    "span {:?}",
                    e.span
                );
                assert!(!e.help.is_empty());
            }
            Ok(x) => panic!("{src:?} parsed as {}", print(&f, x, Syntax::Ascii)),
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    use quickcheck::QuickCheck;
    fn prop(bytes: Vec<u8>) -> bool {
        let text = String::from_utf8_lossy(&bytes);
        let mut f = Arena::new();
        if let Ok(phi) = parse(&mut f, &text) {
            // Whatever parses must print and parse back.
            let again = print(&f, phi, Syntax::Ascii);
            return parse(&mut f, &again) == Ok(phi);
        }
        true
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop as fn(Vec<u8>) -> bool);
    // And strings made of the syntax's own characters, which reach deeper into the parser.
    fn prop2(picks: Vec<u8>) -> bool {
        const PIECES: [&str; 24] = [
            "a",
            "b",
            " ",
            "(",
            ")",
            "!",
            "&",
            "|",
            "->",
            "<->",
            "Y",
            "Y<=2",
            "Z",
            "WY",
            "P",
            "O",
            "H",
            "S",
            "S<",
            "'",
            "true",
            "eos",
            "\\neg",
            "\\mathsf{Y}",
        ];
        let text: String = picks
            .iter()
            .map(|&p| PIECES[p as usize % PIECES.len()])
            .collect::<Vec<_>>()
            .join(" ");
        let mut f = Arena::new();
        match parse(&mut f, &text) {
            Ok(phi) => {
                let again = print(&f, phi, Syntax::Unicode);
                parse(&mut f, &again) == Ok(phi)
            }
            Err(e) => e.span.end <= text.len(),
        }
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop2 as fn(Vec<u8>) -> bool);
}
