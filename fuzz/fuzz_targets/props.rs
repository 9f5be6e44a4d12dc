//! The properties the fuzz targets check, shared with `tests/it/fuzz_regressions.rs`, which
//! re-runs them on every input the fuzzers ever found failing. Each takes arbitrary bytes;
//! inputs that are not UTF-8 or do not parse are fine (the parser must only not panic),
//! and every input that parses must satisfy the property, or the function panics.

use ltlattn::automata::{minimize, parse_dfa, Alphabet, Budget};
use ltlattn::engine::explicit::formula_dfa;
use ltlattn::logic::{evaluate, parse, print, truth_table, Acceptance, Arena, Syntax, Word};
use ltlattn::model::boolean::compile::compile;
use ltlattn::model::boolean::{load, run};
use ltlattn::model::numeric::{
    attention_input, compile_numeric, layer_step, load_numeric, logit, project, run_numeric,
    ExecError, Num, NumRange, NumericCompileError, NumericModel, Projected, RunError,
};

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

/// The line that ends a numeric input's TOML text: the bytes after it are the safetensors
/// file (all of them, separators included). An input without it is all TOML, with an
/// empty weights file.
pub const NUMERIC_SEPARATOR: &[u8] = b"\n--- safetensors ---\n";

/// A numeric input split at the first [`NUMERIC_SEPARATOR`]: (TOML bytes, safetensors bytes).
pub fn split_numeric(data: &[u8]) -> (&[u8], &[u8]) {
    match data
        .windows(NUMERIC_SEPARATOR.len())
        .position(|w| w == NUMERIC_SEPARATOR)
    {
        Some(i) => (&data[..i], &data[i + NUMERIC_SEPARATOR.len()..]),
        None => (data, &[]),
    }
}

/// The longest word length (at most 4) that keeps the words over `k` letters to a few
/// hundred exact runs.
fn numeric_length(k: usize) -> usize {
    let mut n = 0;
    let (mut total, mut layer) = (1usize, 1usize);
    while n < 4 {
        layer = layer.saturating_mul(k);
        if total.saturating_add(layer) > 400 {
            break;
        }
        total += layer;
        n += 1;
    }
    n
}

/// Numeric models (TOML text, separator line, safetensors bytes; see [`split_numeric`]):
/// loading, running and compiling (budget 20,000 states, 2 s) never panic, the compiler
/// reports no internal error, and where it succeeds its DFA agrees with the executor on
/// every word up to length 4 (3 letters or 4; fewer letters' words for larger
/// alphabets, [`numeric_length`]). A NaN of the executor must be the compiler's too
/// (grammar/numeric.md, "A NaN nothing reads is still the error"), except in the one
/// corner documented there: the compiler computes the last layer at ⊣ only, so a NaN of
/// the last layer's query, heads, output or feed-forward block at a letter stops `run`
/// and not `compile`. [`last_layer_at_end`] recomputes every value the compiler does
/// compute for that word, which must then be free of NaN. (The other corner — the
/// compiler's NaN on a pair no word brings together — only makes it fail where every run
/// succeeds, which the property allows.)
pub fn numeric(data: &[u8]) {
    let (text, weights) = split_numeric(data);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(model) = load_numeric("fuzz.toml", text, weights) else {
        return;
    };
    let compiled = compile_numeric(&model, &Budget::new(20_000, Some(2.0)));
    let dfa = match &compiled {
        Ok(c) => Some(&c.dfa),
        Err(NumericCompileError::Internal(e)) => panic!("compile: internal error: {e}"),
        Err(NumericCompileError::Budget(..) | NumericCompileError::Nan(_)) => None,
    };
    let k = model.alphabet.len();
    for w in words(k as u32, numeric_length(k)) {
        let tokens: Vec<String> = w
            .iter()
            .map(|&a| model.alphabet[a as usize].clone())
            .collect();
        match run_numeric(&model, &tokens) {
            Ok(trace) => {
                if let Some(dfa) = dfa {
                    assert_eq!(
                        dfa.accepts(&w),
                        trace.accepted,
                        "the DFA and the executor (logit {:?}) on {tokens:?}",
                        trace.logit
                    );
                }
            }
            Err(RunError::Token(t)) => panic!("run: the alphabet's token {t:?} refused"),
            Err(RunError::Nan(e)) => {
                if compiled.is_ok() {
                    let last = model.layers.len().checked_sub(1);
                    assert!(
                        last.is_some_and(|l| e.what.starts_with(&format!("layer {l}, "))),
                        "run on {tokens:?} stops with NaN ({e}) below the last layer, compile does not"
                    );
                    if let Err(e) = last_layer_at_end(&model, &tokens) {
                        panic!("run on {tokens:?}: NaN at ⊣ or in a key ({e}), compile succeeds");
                    }
                }
            }
        }
    }
}

/// For a word whose run stops with NaN in the last layer: every value of that layer the
/// compiler computes for the word — the layer's attention input, keys and values at
/// every position, and the whole layer and the classifier at ⊣.
fn last_layer_at_end(model: &NumericModel, tokens: &[String]) -> Result<(), ExecError> {
    let f = &model.format;
    let l = model.layers.len() - 1;
    // The layers below, whose run the NaN did not stop: its vectors at layer l's input.
    // An empty classifier row reads nothing (its logit is the bias), so an infinity at
    // the top of the truncated model cannot make a NaN of its own.
    let mut below = model.clone();
    below.layers.pop();
    below.classifier = Vec::new();
    below.classifier_bias = Num::zero();
    let trace = run_numeric(&below, tokens)
        .unwrap_or_else(|e| panic!("the layers below the last stop on {tokens:?}: {e}"));
    let xs = &trace.vectors[l];
    let heads = &model.layers[l].heads;
    let mut projected: Vec<Vec<Projected>> = Vec::with_capacity(heads.len());
    for (hd, head) in heads.iter().enumerate() {
        let mut p = Vec::with_capacity(xs.len());
        for x in xs {
            let input = attention_input(model, l, x)?;
            p.push(project(f, head, &input, &format!("layer {l}, head {hd}"))?);
        }
        projected.push(p);
    }
    // The attended columns at ⊣ (docs/NUMERIC.md §2.2): window k holds k keys.
    let end = xs.len() - 1;
    let upto = if model.inclusive { end + 1 } else { end };
    let keys = |hd: usize| {
        let from = match heads[hd].range {
            NumRange::Global => 0,
            NumRange::Local(k) => upto.saturating_sub(k as usize),
        };
        (from..upto)
            .map(|j| (projected[hd][j].clone(), 1))
            .collect::<Vec<_>>()
    };
    let (h, _) = layer_step(model, l, &xs[end], keys)?;
    logit(model, &h)?;
    Ok(())
}
