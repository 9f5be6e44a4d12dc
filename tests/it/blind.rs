//! Blind pairs (src/fragment/blind.rs, docs/SEMANTICS.md §5): words whose ⊣ positions have
//! the same depth-L attention type get the same answer from every model of the shape.
//! Checked against the exact executor on random numeric models of each shape and against
//! the reference evaluator on random formulas of the shape's operators — neither reads the
//! types — and against a second typing written here from docs/NUMERIC.md §2 alone, which
//! must split the words exactly as the library does; two wrong typings (sets instead of
//! multisets, the window taking the query in) must be caught by the executor.

use std::collections::HashMap;

use crate::helpers::random_numeric::{random_model, small_formats, Rng, Shape};
use ltlattn::automata::{minimize, one_letter_longer, Alphabet, Budget};
use ltlattn::engine::explicit::formula_dfa;
use ltlattn::fragment::blind::{blind_pair, BlindSearch, EndTypes, ModelShape};
use ltlattn::logic::{evaluate, parse, Acceptance, Arena, Node, NodeId, Word};
use ltlattn::numeric::{run_numeric, NumRange, NumericModel};

/// Every word over `letters` letters up to `max_len`, shortest first.
fn words(letters: u32, max_len: usize) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new()];
    let mut level = vec![Vec::new()];
    for _ in 0..max_len {
        level = one_letter_longer(&level, letters as usize).collect();
        out.extend(level.iter().cloned());
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Typing {
    /// As docs/NUMERIC.md §2 says: a head sees the multiset of what it attends to.
    Right,
    /// Mutation: a head sees only which types occur (sets).
    Sets,
    /// Mutation: the window ends at the query (inclusive masking).
    Inclusive,
}

/// The test's own typing: each position's type is the nested description itself (a
/// string), built from the tokens up. Independent of the library's interning.
fn own_type(shape: ModelShape, word: &[u32], typing: Typing) -> String {
    let mut row: Vec<String> = word
        .iter()
        .map(|l| format!("{l}"))
        .chain(["end".to_string()])
        .collect();
    for _ in 0..shape.layers {
        let next: Vec<String> = (0..row.len())
            .map(|i| {
                let bag = |from: usize, to: usize| {
                    let mut v: Vec<&String> = row[from..to].iter().collect();
                    v.sort();
                    if typing == Typing::Sets {
                        v.dedup();
                    }
                    v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
                };
                let mut t = format!("({}", row[i]);
                if shape.global {
                    t += &format!(" g[{}]", bag(0, i));
                }
                if let Some(k) = shape.window {
                    let k = k as usize;
                    let (from, to) = if typing == Typing::Inclusive {
                        ((i + 1).saturating_sub(k), i + 1)
                    } else {
                        (i.saturating_sub(k), i)
                    };
                    t += &format!(" w[{}]", bag(from, to));
                }
                t + ")"
            })
            .collect();
        row = next;
    }
    row.pop().unwrap_or_default()
}

/// Classes of words (at least two words each) with equal types under `ty`.
fn classes<T: std::hash::Hash + Eq>(
    ws: &[Vec<u32>],
    mut ty: impl FnMut(&[u32]) -> T,
) -> Vec<Vec<Vec<u32>>> {
    let mut by: HashMap<T, Vec<Vec<u32>>> = HashMap::new();
    for w in ws {
        by.entry(ty(w)).or_default().push(w.clone());
    }
    by.into_values().filter(|c| c.len() > 1).collect()
}

const SHAPES: [(bool, Option<u32>); 6] = [
    (true, None),
    (false, Some(1)),
    (false, Some(2)),
    (false, Some(3)),
    (true, Some(1)),
    (true, Some(2)),
];

/// Every shape of [`SHAPES`] with one and with two layers.
fn shapes() -> impl Iterator<Item = ModelShape> {
    (1..=2).flat_map(|layers| {
        SHAPES.iter().map(move |&(global, window)| ModelShape {
            layers,
            global,
            window,
        })
    })
}

/// A random model of the shape: two heads per layer, global ones where the shape has
/// them and local ones with its window.
fn model_of(rng: &mut Rng, shape: ModelShape, i: usize) -> NumericModel {
    let formats = small_formats();
    let mut m = random_model(
        rng,
        formats[i % formats.len()],
        &Shape {
            width: 3,
            layers: shape.layers as usize,
            heads: Some(2),
            norm: false,
        },
    );
    for layer in &mut m.layers {
        for (h, head) in layer.heads.iter_mut().enumerate() {
            head.range = match (shape.global, shape.window) {
                (true, Some(k)) if h == 1 => NumRange::Local(k),
                (true, _) => NumRange::Global,
                (false, Some(k)) => NumRange::Local(k),
                (false, None) => NumRange::Global,
            };
        }
    }
    m
}

fn tokens(w: &[u32]) -> Vec<String> {
    w.iter()
        .map(|&l| ["a", "b"][l as usize].to_string())
        .collect()
}

/// Runs every class's words through `models`; the number of classes the models split
/// (two words of one class with different logits).
fn split_classes(models: &[NumericModel], cls: &[Vec<Vec<u32>>]) -> (usize, usize) {
    let (mut split, mut compared) = (0, 0);
    for c in cls {
        for m in models {
            let logits: Vec<_> = c
                .iter()
                .filter_map(|w| run_numeric(m, &tokens(w)).ok().map(|t| t.logit))
                .collect();
            if logits.len() > 1 {
                compared += 1;
                if logits.iter().any(|l| *l != logits[0]) {
                    split += 1;
                }
            }
        }
    }
    (split, compared)
}

#[test]
fn the_library_types_split_words_as_the_docs_say() {
    let ws = words(2, 8);
    for shape in shapes() {
        let mut t = EndTypes::new(shape, 2);
        let mut mine: Vec<Vec<Vec<u32>>> = classes(&ws, |w| t.of(w));
        let mut theirs = classes(&ws, |w| own_type(shape, w, Typing::Right));
        mine.iter_mut().for_each(|c| c.sort());
        theirs.iter_mut().for_each(|c| c.sort());
        mine.sort();
        theirs.sort();
        assert_eq!(mine, theirs, "{shape:?}");
        // Global heads with two layers type every word apart (the library then does not
        // search); every other shape has words that share a type.
        assert_eq!(
            mine.is_empty(),
            shape.separates_all_words(),
            "{shape:?}: {} classes",
            mine.len()
        );
    }
}

#[test]
fn every_random_model_of_the_shape_gives_one_type_one_logit() {
    let ws = words(2, 7);
    let mut rng = Rng(0x5eed_b11d);
    let mut compared = 0;
    for shape in shapes().filter(|s| !s.separates_all_words()) {
        let models: Vec<NumericModel> = (0..12).map(|i| model_of(&mut rng, shape, i)).collect();
        let mut t = EndTypes::new(shape, 2);
        let cls = classes(&ws, |w| t.of(w));
        let (split, n) = split_classes(&models, &cls);
        assert_eq!(
            split, 0,
            "{shape:?}: a model tells apart two words of one type"
        );
        assert!(n > 20, "{shape:?}: only {n} (model, class) pairs compared");
        compared += n;
    }
    assert!(
        compared > 1000,
        "only {compared} (model, class) pairs compared"
    );
}

#[test]
fn typings_coarser_than_the_docs_are_caught_by_the_executor() {
    let ws = words(2, 7);
    let mut rng = Rng(0xbad_7e57);
    for (typing, shape) in [
        (
            Typing::Sets,
            ModelShape {
                layers: 1,
                global: false,
                window: Some(3),
            },
        ),
        (
            Typing::Sets,
            ModelShape {
                layers: 2,
                global: true,
                window: None,
            },
        ),
        (
            Typing::Inclusive,
            ModelShape {
                layers: 2,
                global: false,
                window: Some(2),
            },
        ),
    ] {
        let models: Vec<NumericModel> = (0..24).map(|i| model_of(&mut rng, shape, i)).collect();
        let cls = classes(&ws, |w| own_type(shape, w, typing));
        let (split, _) = split_classes(&models, &cls);
        assert!(split > 0, "{shape:?}: the mutated typing was not caught");
    }
}

/// A random formula over a, b and ⊤ with the shape's temporal operators (P and P≥n for
/// global heads, Y^{≤k} for local ones), of temporal depth at most `depth`.
fn formula(rng: &mut Rng, f: &mut Arena, shape: ModelShape, depth: u32) -> NodeId {
    let pick = rng.below(8);
    if depth == 0 || pick < 2 {
        return match rng.below(3) {
            0 => f.add(Node::True),
            1 => f.atom("a"),
            _ => f.atom("b"),
        };
    }
    match pick {
        2 => {
            let x = formula(rng, f, shape, depth);
            f.add(Node::Not(x))
        }
        3 | 4 => {
            let x = formula(rng, f, shape, depth);
            let y = formula(rng, f, shape, depth);
            f.add(if pick == 3 {
                Node::And(x, y)
            } else {
                Node::Or(x, y)
            })
        }
        _ => {
            let x = formula(rng, f, shape, depth - 1);
            match (shape.global, shape.window) {
                (true, Some(k)) if pick == 7 => f.add(Node::YesterdayWithin(k, x)),
                (true, _) if pick == 6 => f.add(Node::OnceAtLeast(2 + rng.below(2) as u32, x)),
                (true, _) => f.add(Node::StrictOnce(x)),
                (false, Some(k)) => f.add(Node::YesterdayWithin(k, x)),
                (false, None) => x,
            }
        }
    }
}

#[test]
fn formulas_of_the_shape_agree_on_words_of_one_type() {
    let ws = words(2, 7);
    let mut rng = Rng(0xf0_4a11);
    let mut compared = 0;
    for shape in shapes().filter(|s| !s.separates_all_words()) {
        let mut t = EndTypes::new(shape, 2);
        let cls = classes(&ws, |w| t.of(w));
        assert!(!cls.is_empty(), "{shape:?}: no two words share a type");
        for _ in 0..60 {
            let mut f = Arena::new();
            let root = formula(&mut rng, &mut f, shape, shape.layers);
            for c in &cls {
                let answers: Vec<bool> = c
                    .iter()
                    .map(|w| evaluate(&f, root, &Word::letters(tokens(w)), Acceptance::Eos))
                    .collect();
                compared += 1;
                assert!(
                    answers.iter().all(|a| *a == answers[0]),
                    "{shape:?}: {} tells apart {:?}",
                    ltlattn::logic::print(&f, root, ltlattn::logic::Syntax::Ascii),
                    c
                );
            }
        }
    }
    eprintln!("{compared} (formula, class) pairs compared");
    assert!(compared > 5_000);
}

#[test]
fn the_first_blind_pair_is_shortest_and_splits_the_language() {
    let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
    let mut f = Arena::new();
    let root = parse(&mut f, "Y a").unwrap();
    let dfa = minimize(
        &formula_dfa(&f, root, &sigma, Acceptance::Eos, &Budget::new(1000, None)).unwrap(),
    );
    let shape = ModelShape {
        layers: 2,
        global: false,
        window: Some(2),
    };
    let BlindSearch::Found { member, non_member } = blind_pair(&dfa, shape, 12, 100_000) else {
        panic!("no blind pair for Σ*a with two layers of window 2");
    };
    assert!(evaluate(
        &f,
        root,
        &Word::letters(tokens(&member)),
        Acceptance::Eos
    ));
    assert!(!evaluate(
        &f,
        root,
        &Word::letters(tokens(&non_member)),
        Acceptance::Eos
    ));
    assert_eq!(
        own_type(shape, &member, Typing::Right),
        own_type(shape, &non_member, Typing::Right)
    );
    // No pair of shorter words: every class of words shorter than the longer one agrees
    // on the language.
    let n = member.len().max(non_member.len());
    for c in classes(&words(2, n - 1), |w| own_type(shape, w, Typing::Right)) {
        let inside: Vec<bool> = c.iter().map(|w| dfa.accepts(w)).collect();
        assert!(
            inside.iter().all(|x| *x == inside[0]),
            "{c:?} is a shorter blind pair"
        );
    }
    // Window 1 keeps the order: `Y a` is recognized by one layer, and no pair exists.
    let local1 = ModelShape {
        layers: 2,
        global: false,
        window: Some(1),
    };
    assert_eq!(
        blind_pair(&dfa, local1, 9, 100_000),
        BlindSearch::NoneUpTo(9)
    );
}

#[test]
fn classify_with_layers_names_the_pair_and_its_json_holds_it() {
    use crate::helpers::run::{ltlattn, stdout};
    let args = [
        "classify",
        "Y a",
        "--alphabet",
        "a,b",
        "--window",
        "2",
        "--layers",
        "2",
    ];
    let out = ltlattn(&args);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains(
            "local-2     none can recognize it: `a a b a` (in L) and `b a a b` (not in L)"
        ),
        "{text}"
    );
    assert!(
        text.contains("local-1     no blind pair among the words up to length"),
        "{text}"
    );
    assert!(
        text.contains("hybrid-2    no blind pair exists: with global heads"),
        "{text}"
    );
    let out = ltlattn(&[&args[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = v["blind"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["architecture"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["global", "local-1", "hybrid-1", "local-2", "hybrid-2"]
    );
    let local2 = &rows[3];
    assert_eq!(local2["recognizable"], false);
    assert_eq!(local2["layers"], 2);
    assert_eq!(local2["window"], 2);
    // The pair, re-judged by the evaluator: one word in `Y a`, the other not.
    let word = |k: &str| -> Vec<String> {
        local2[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };
    let mut f = Arena::new();
    let root = parse(&mut f, "Y a").unwrap();
    assert!(evaluate(
        &f,
        root,
        &Word::letters(word("member")),
        Acceptance::Eos
    ));
    assert!(!evaluate(
        &f,
        root,
        &Word::letters(word("non_member")),
        Acceptance::Eos
    ));
    assert!(
        rows[1]["recognizable"].is_null()
            && rows[1]["checked_up_to_length"].as_u64().unwrap() >= 10
    );
    assert_eq!(rows[0]["separating"], true);
    assert!(rows[0]["checked_up_to_length"].is_null() && rows[0]["recognizable"].is_null());
    assert_eq!(rows[1]["separating"], false);
    // Without --layers the key is absent (the report as before).
    let out = ltlattn(&["classify", "Y a", "--alphabet", "a,b", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v.get("blind").is_none());
}
