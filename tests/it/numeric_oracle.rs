//! `ltlattn run --json` against an exact executor written from docs/NUMERIC.md alone
//! (`tests/data/numeric_oracle.py`: Python's standard library, exact fractions, exp and
//! 1/√d bracketed by rational bounds until the rounding is decided). Random small models
//! of every masking, range (windows 1–3), fixed and float format (with and without
//! subnormals, saturating or overflowing to ∞, both roundings), with and without a
//! feed-forward block; every vector, every α row, the logit and the verdict are compared,
//! and a NaN error must be an error of the binary too. It shares no code with
//! `src/numeric`, so a mistake there (like the inclusive window that held k + 1 keys)
//! cannot hide in both.

use std::process::Command;

use crate::helpers::run::BIN;

fn oracle(seed: u64, models: usize) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/numeric_oracle.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(BIN)
        .args(["--seed", &seed.to_string(), "--models", &models.to_string()])
        .output()
        .expect("python3 runs (CI has it; the oracle needs only its standard library)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the executor disagrees with the reference:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The runs must have happened: the summary names the models and runs.
    assert!(
        text.contains(&format!("{models} models")),
        "unexpected summary:\n{text}"
    );
}

#[test]
fn run_agrees_with_an_independent_exact_executor() {
    oracle(29, 300);
}
