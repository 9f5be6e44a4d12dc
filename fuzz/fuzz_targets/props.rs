//! The properties the fuzz targets check, shared with `tests/fuzz_regressions.rs`, which
//! re-runs them on every input the fuzzers ever found failing. Each takes arbitrary bytes;
//! inputs that are not UTF-8 or do not parse are fine (the parser must only not panic),
//! and every input that parses must satisfy the property, or the function panics.

use ltlattn::automata::{formula_dfa, minimize, parse_dfa, Alphabet, Budget};
use ltlattn::compile::compile;
use ltlattn::logic::{evaluate, parse, print, truth_table, Acceptance, Arena, Syntax, Word};
use ltlattn::model::{load, run};

/// Every word over `k` letters of length at most `n`, shortest first.
fn words(k: u32, n: usize) -> Vec<Vec<u32>> {
    let mut all: Vec<Vec<u32>> = vec![vec![]];
    let mut frontier = all.clone();
    for _ in 0..n {
        frontier = frontier
            .iter()
            .flat_map(|w| {
                (0..k).map(move |a| {
                    let mut v = w.clone();
                    v.push(a);
                    v
                })
            })
            .collect();
        all.extend(frontier.iter().cloned());
    }
    all
}

/// Formulas: every parsed formula prints in all three syntaxes and parses back to the
/// same node, and its minimal DFA (under a small budget) agrees with the reference
/// evaluator on every word of length ≤ 4, under both acceptance conventions.
pub fn formula(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut arena = Arena::new();
    let Ok(root) = parse(&mut arena, text) else {
        return;
    };
    for syntax in [Syntax::Ascii, Syntax::Unicode, Syntax::Latex] {
        let printed = print(&arena, root, syntax);
        let again = parse(&mut arena, &printed)
            .unwrap_or_else(|e| panic!("{syntax:?} output {printed:?} does not parse: {e}"));
        assert_eq!(
            again, root,
            "{syntax:?} round trip of {text:?} via {printed:?}"
        );
    }
    let atoms = arena.atom_names(root);
    if atoms.is_empty() || atoms.len() > 3 {
        return;
    }
    let sigma = Alphabet::Tokens(atoms);
    for acc in [Acceptance::Eos, Acceptance::Last] {
        let Ok(dfa) = formula_dfa(&arena, root, &sigma, acc, &Budget::new(20_000, None)) else {
            continue;
        };
        for w in words(sigma.len() as u32, 4) {
            let expected = evaluate(&arena, root, &sigma.word(&w), acc);
            assert_eq!(dfa.accepts(&w), expected, "{text:?} on {w:?} ({acc:?})");
        }
    }
}

/// Models: every model that loads compiles, and the compiled formula of every feature
/// agrees with the reference executor at every position of every word of length ≤ 3.
pub fn model(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(model) = load("fuzz.toml", text) else {
        return;
    };
    // Models without an exact translation (non-regular heads) are refused with a message.
    let Ok(c) = compile(&model) else {
        return;
    };
    if model.alphabet.len() > 3 {
        return;
    }
    for w in words(model.alphabet.len() as u32, 3) {
        let w: Vec<String> = w
            .iter()
            .map(|&a| model.alphabet[a as usize].clone())
            .collect();
        let trace = run(&model, &w).expect("the word is over the model's alphabet");
        let word = Word::letters(w.iter().cloned());
        for (f, feature) in c.features.iter().enumerate() {
            let table = truth_table(&c.arena, feature.formula, &word, model.acceptance);
            let row = table.values.last().expect("a row for the root");
            for (i, &v) in trace.values[f].iter().enumerate() {
                assert_eq!(
                    row[i], v,
                    "feature `{}` at column {i} of {w:?}",
                    feature.name
                );
            }
        }
    }
}

/// DFA files: minimization preserves the language on every word of length ≤ 5 and
/// minimizing again changes nothing.
pub fn dfa(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dfa) = parse_dfa(text) else {
        return;
    };
    let min = minimize(&dfa);
    assert_eq!(
        minimize(&min).states(),
        min.states(),
        "minimizing twice changes the size"
    );
    let k = dfa.letters() as u32;
    if k == 0 || k > 4 {
        return;
    }
    for w in words(k, 5) {
        assert_eq!(dfa.accepts(&w), min.accepts(&w), "on {w:?}");
    }
}
