//! Every input the fuzzers (`fuzz/`, see its README) ever found failing, re-checked with
//! the same properties the fuzz targets check, plus the examples as a baseline.

#[path = "../../fuzz/fuzz_targets/props.rs"]
mod props;

use std::path::Path;

fn each(dir: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for d in [
        format!("tests/fuzz-regressions/{dir}"),
        format!("fuzz/seeds/{dir}"),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(&d)) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("the property fails on {name}");
            }
            n += 1;
        }
    }
    n
}

#[test]
fn formula_regressions() {
    assert!(each("formula", props::formula) > 0);
}

#[test]
fn model_regressions() {
    assert!(each("model", props::model) > 0);
}

#[test]
fn dfa_regressions() {
    assert!(each("dfa", props::dfa) > 0);
}

#[test]
fn numeric_regressions() {
    assert!(each("numeric", props::numeric) > 0);
}

/// The numeric seeds made from `examples/numeric/` load, so the property above checks
/// the DFA against the executor on them and not only that a bad file is refused.
#[test]
fn numeric_example_seeds_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/numeric");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("numeric-") {
            continue; // the hostile cases of tests/hostile/, refused or over budget
        }
        let data = std::fs::read(&path).unwrap();
        let (text, weights) = props::split_numeric(&data);
        let text = std::str::from_utf8(text).unwrap();
        if let Err(e) = ltlattn::numeric::load_numeric(&name, text, weights) {
            panic!("seed {name} does not load: {e}");
        }
        n += 1;
    }
    assert!(n >= 6, "the examples' seeds are missing");
}
