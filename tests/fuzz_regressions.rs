//! Every input the fuzzers (`fuzz/`, see its README) ever found failing, re-checked with
//! the same properties the fuzz targets check, plus the examples as a baseline.

#[path = "../fuzz/fuzz_targets/props.rs"]
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
