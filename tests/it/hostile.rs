//! Hostile input, end to end: every case in `tests/hostile/` (and the large ones these
//! tests generate) runs the binary under a memory cap (`ulimit -v`) and a wall-clock
//! bound, and must end with its expected exit code and message: never a panic, a hang or
//! an exhausted machine. Each case is a test of its own, named after it. The corpus is
//! described in `tests/hostile/README.md`.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::run::{scratch_dir, BIN};

/// Virtual memory cap for every run, in KiB (the state-limit cases peak near 0.5 GiB).
const MEMORY_KB: u64 = 3_000_000;

struct Case {
    name: &'static str,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    exit: i32,
    /// Must occur in stderr (or stdout for answers).
    message: &'static str,
    seconds: u64,
}

fn case(name: &'static str, args: &[&str], exit: i32, message: &'static str) -> Case {
    Case {
        name,
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin: None,
        exit,
        message,
        seconds: 60,
    }
}

/// Writes `text` into `dir` as `name`: the path.
fn put(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("the scratch directory is writable");
    p.display().to_string()
}

fn corpus(f: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(f)
        .display()
        .to_string()
}

/// Runs one case under the caps; returns (exit code, stdout + stderr, elapsed).
fn run(c: &Case) -> (Option<i32>, String, Duration) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KB} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(&c.args)
        .stdin(if c.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("sh runs");
    if let Some(input) = &c.stdin {
        let mut stdin = child.stdin.take().unwrap();
        let input = input.clone();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    // Drain both pipes while waiting: a child blocked on a full pipe is not a hang.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = start + Duration::from_secs(c.seconds);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait works") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "killed: past the time bound".into(), start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.join().unwrap()),
        String::from_utf8_lossy(&err.join().unwrap())
    );
    (status.code(), text, start.elapsed())
}

/// Runs `c` under the caps and fails, naming the case, unless it ended with its exit code
/// and message and without a panic.
fn check(c: &Case) {
    let (code, text, took) = run(c);
    let ok = code == Some(c.exit) && text.contains(c.message) && !text.contains("panicked");
    assert!(
        ok,
        "[{}] exit {code:?} (expected {}), {:.1} s, output:\n{}",
        c.name,
        c.exit,
        took.as_secs_f64(),
        text.chars().take(1500).collect::<String>()
    );
}

/// One `#[test]` per case: `name(dir) => case;`, where `dir` is a fresh scratch
/// directory of the test's own for the inputs it generates.
macro_rules! hostile {
    ($($(#[$attr:meta])* $name:ident($dir:ident) => $case:expr;)*) => {$(
        $(#[$attr])*
        #[test]
        fn $name() {
            let $dir = scratch_dir("hostile");
            check(&$case);
            let _ = std::fs::remove_dir_all(&$dir);
        }
    )*};
}

// The corpus of tests/hostile/.
hostile! {
    empty_formula_file(_dir) => case(
        "empty formula file",
        &["eval", &format!("@{}", corpus("empty.ltl")), "--word", "a"],
        2,
        "empty formula",
    );
    empty_model(_dir) => case(
        "empty model",
        &["compile", &corpus("empty.toml")],
        2,
        "missing field `alphabet`",
    );
    empty_dfa_file(_dir) => case(
        "empty DFA file",
        &["classify", "--dfa", &corpus("empty.dfa")],
        2,
        "missing `alphabet:` line",
    );
    invalid_utf8_formula(_dir) => case(
        "invalid UTF-8 formula",
        &[
            "eval",
            &format!("@{}", corpus("invalid-utf8.ltl")),
            "--word",
            "a",
        ],
        2,
        "not valid UTF-8 (byte 7)",
    );
    invalid_utf8_model(_dir) => case(
        "invalid UTF-8 model",
        &["compile", &corpus("invalid-utf8.toml")],
        2,
        "not valid UTF-8 (byte 18)",
    );
    invalid_utf8_dfa(_dir) => case(
        "invalid UTF-8 DFA",
        &["classify", "--dfa", &corpus("invalid-utf8.dfa")],
        2,
        "not valid UTF-8 (byte 12)",
    );
    cyclic_features(_dir) => case(
        "cyclic features",
        &["compile", &corpus("cyclic.toml")],
        2,
        "reads `g` before it is made",
    );
    model_window_1e9(_dir) => case(
        "model window 10^9",
        &["compile", &corpus("window-1e9.toml")],
        2,
        "beyond the maximum",
    );
    formula_window_1e9(_dir) => case(
        "formula window 10^9",
        &[
            "dfa",
            &format!("@{}", corpus("window-1e9.ltl")),
            "--alphabet",
            "a,b",
        ],
        2,
        "--max-states",
    );
    formula_window_1e9_under_a_timeout(_dir) => case(
        "formula window 10^9 under a timeout",
        &[
            "dfa",
            &format!("@{}", corpus("window-1e9.ltl")),
            "--alphabet",
            "a,b",
            "--timeout",
            "0.5",
        ],
        2,
        "--timeout",
    );
    numeric_model_with_a_nan_weight(_dir) => case(
        "numeric model with a NaN weight",
        &["compile", &corpus("numeric-nan.toml")],
        2,
        "non-finite weight NaN at index 1",
    );
    numeric_model_whose_weights_are_not_safetensors(_dir) => case(
        "numeric model whose weights are not safetensors",
        &["run", &corpus("numeric-garbage.toml"), "--word", "a"],
        2,
        "not a safetensors file",
    );
    numeric_fp16_compile_stops_at_the_state_budget(_dir) => case(
        "numeric fp16 model: count cap ~2^40, compile stops at the state budget",
        &["compile", &corpus("numeric-fp16.toml"), "--max-states", "5000"],
        2,
        "--max-states",
    );
    numeric_fp16_compile_stops_at_the_time_limit(_dir) => case(
        "numeric fp16 model: compile stops at the time limit",
        &["compile", &corpus("numeric-fp16.toml"), "--timeout", "1"],
        2,
        "--timeout",
    );
    broken_toml(_dir) => case(
        "broken TOML",
        &["compile", &corpus("broken.toml")],
        2,
        "expected `]`",
    );
    dfa_with_1e9_states(_dir) => case(
        "DFA with 10^9 states",
        &["classify", "--dfa", &corpus("states-1e9.dfa")],
        2,
        "not between 1 and 1000000",
    );
    model_2e60_states_explicit_check(_dir) => case(
        "model with a 2^60-state DFA: explicit check",
        &[
            "check",
            &corpus("states-2e60.toml"),
            "--spec",
            "a",
            "--engine",
            "explicit",
        ],
        2,
        "--max-states",
    );
    /// auto hands over to the BDD engine, which finds it (with or without z3).
    model_2e60_states_auto_check_falls_back_to_the_bdd_engine(_dir) => case(
        "model with a 2^60-state DFA: auto check falls back to the BDD engine",
        &["check", &corpus("states-2e60.toml"), "--spec", "a"],
        1,
        "(length 60)",
    );
    model_2e60_states_classify(_dir) => case(
        "model with a 2^60-state DFA: classify",
        &["classify", "--model", &corpus("states-2e60.toml")],
        2,
        "--max-states",
    );
    model_2e60_states_compile_is_linear(_dir) => case(
        "model with a 2^60-state DFA: compile is linear",
        &["compile", &corpus("states-2e60.toml")],
        0,
        "h60",
    );
    a_directory_as_the_model(_dir) => case(
        "a directory as the model",
        &["compile", &corpus("")],
        2,
        "is a directory",
    );
    invalid_utf8_on_stdin(_dir) => Case {
        stdin: Some(b"P (a & \xc3\x28 b)\n".to_vec()),
        ..case("invalid UTF-8 on stdin", &["fmt"], 2, "not valid UTF-8")
    };
    forty_letters_2e40_states(_dir) => case(
        "40 letters, 2^40 states",
        &[
            "dfa",
            &(0..40)
                .map(|i| format!("P a{i}"))
                .collect::<Vec<_>>()
                .join(" & "),
        ],
        2,
        "--max-states",
    );
    /// Any number of propositions (guard-labelled), within the state budget.
    thirty_propositions(_dir) => case(
        "30 propositions",
        &[
            "dfa",
            "--props",
            &(0..30)
                .map(|i| format!("P p{i}"))
                .collect::<Vec<_>>()
                .join(" & "),
            "--max-states",
            "200000",
        ],
        2,
        "--max-states",
    );
    /// A thousand remembered propositions: the memory budget of the guard diagrams
    /// (each memo key holds a guard per subformula) stops it, at the default budget.
    thousand_propositions(_dir) => case(
        "1000 propositions",
        &[
            "dfa",
            "--props",
            &(0..1000)
                .map(|i| format!("O p{i}"))
                .collect::<Vec<_>>()
                .join(" & "),
        ],
        2,
        "--max-states",
    );
    /// Beyond the guard-labelled automata's propositions: refused at once, naming the
    /// engines that take any number. `@FILE` with `O p0 & … & O p19999` (too long for
    /// one command-line argument).
    twenty_thousand_propositions(dir) => case(
        "20000 propositions",
        &[
            "dfa",
            "--props",
            &format!(
                "@{}",
                put(
                    &dir,
                    "props-20000.ltl",
                    &(0..20_000)
                        .map(|i| format!("O p{i}"))
                        .collect::<Vec<_>>()
                        .join(" & ")
                )
            ),
        ],
        2,
        "--engine bdd",
    );
}

/// 200,000 nested parentheses.
fn deep_parens(dir: &Path) -> String {
    put(
        dir,
        "deep-parens.ltl",
        &format!("{}a{}", "(".repeat(200_000), ")".repeat(200_000)),
    )
}

/// 150,000 nested `Y`.
fn deep_y(dir: &Path) -> String {
    put(dir, "deep-y.ltl", &format!("{}a", "Y ".repeat(150_000)))
}

/// 10^5 feed-forward features in a chain; f_i = (f_{i-1} & !b) | a, so the output is `a`
/// (false at the end marker: every word is rejected, as `check --spec a` confirms).
fn many_features(dir: &Path) -> String {
    let mut many = String::from("alphabet = [\"a\", \"b\"]\noutput = \"f99999\"\n[[layer]]\n");
    many.push_str("[[layer.ffn]]\nname = \"f0\"\nexpr = \"a\"\n");
    for i in 1..100_000 {
        many.push_str(&format!(
            "[[layer.ffn]]\nname = \"f{i}\"\nexpr = \"f{} & !b | a\"\n",
            i - 1
        ));
    }
    put(dir, "features-1e5.toml", &many)
}

/// A 100,000-state counter (a counts, b stays; accepting at the top): partially
/// ordered, 10^10 ordered pairs of states, transition maps of 100,000 states, a chain
/// 100,000 deep. Before they were bounded: the access words alone (5·10^9 letters) and
/// the pair graph (90 GB) did not fit, and the SCC search overflowed the stack.
fn counter(dir: &Path) -> String {
    let n = 100_000;
    let mut counter = format!(
        "alphabet: a b\nstates: {n}\ninitial: 0\naccepting: {}\n",
        n - 1
    );
    for q in 0..n {
        counter.push_str(&format!("{q} a {}\n{q} b {q}\n", (q + 1).min(n - 1)));
    }
    put(dir, "counter-1e5.dfa", &counter)
}

// The large inputs, generated.
hostile! {
    nesting_200000_parentheses(dir) => case(
        "nesting 200,000 parentheses",
        &["eval", &format!("@{}", deep_parens(&dir)), "--word", "a"],
        2,
        "--max-nesting",
    );
    nesting_150000_y(dir) => case(
        "nesting 150,000 Y",
        &["dfa", &format!("@{}", deep_y(&dir))],
        2,
        "--max-nesting",
    );
    nesting_raised_150000_y_evaluated(dir) => case(
        "nesting raised: 150,000 Y evaluated",
        &[
            "eval",
            &format!("@{}", deep_y(&dir)),
            "--word",
            "a",
            "--max-nesting",
            "200000",
        ],
        1,
        "rejected",
    );
    /// `fmt` reads formulas from stdin (its arguments are formulas, not @FILEs).
    tokens_1_2_million_on_stdin(_dir) => Case {
        stdin: Some(vec!["a"; 600_000].join(" & ").into_bytes()),
        ..case(
            "1.2 million tokens on stdin",
            &["fmt"],
            2,
            "--max-formula-size",
        )
    };
    toml_nested_100000_deep(dir) => case(
        "TOML nested 100,000 deep",
        &[
            "compile",
            &put(
                &dir,
                "deep-array.toml",
                &format!(
                    "alphabet = {}{}\n",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                ),
            ),
        ],
        2,
        "recursion limit",
    );
    features_1e5_compile_stops_at_the_print_limit(dir) => case(
        "10^5 features: compile stops at the print limit",
        &["compile", &many_features(&dir)],
        2,
        "--max-formula-size",
    );
    features_1e5_run(dir) => case(
        "10^5 features: run",
        &["run", &many_features(&dir), "--word", "b a"],
        1,
        "rejected",
    );
    features_1e5_check(dir) => case(
        "10^5 features: check",
        &["check", &many_features(&dir), "--spec", "a"],
        0,
        "recognizes exactly",
    );
    /// A sparse file over the default input cap of 64 MiB.
    file_over_the_64_mib_input_cap(dir) => case(
        "file over the 64 MiB input cap",
        &[
            "eval",
            &format!("@{}", {
                let huge = dir.join("huge.ltl");
                std::fs::File::create(&huge)
                    .unwrap()
                    .set_len(65 << 20)
                    .unwrap();
                huge.display().to_string()
            }),
            "--word",
            "a",
        ],
        2,
        "--max-input-bytes",
    );
    file_over_a_lowered_input_cap(dir) => case(
        "file over a lowered input cap",
        &[
            "eval",
            &format!("@{}", put(&dir, "over-cap.ltl", &"a | ".repeat(500))),
            "--word",
            "a",
            "--max-input-bytes",
            "1000",
        ],
        2,
        "--max-input-bytes",
    );
    classify_a_100000_state_counter(dir) => case(
        "classify a 100,000-state counter",
        &["classify", "--dfa", &counter(&dir)],
        0,
        "the formula of the run is not constructed",
    );
}

#[test]
fn output_over_an_input() {
    let dir = scratch_dir("hostile");
    let victim = put(&dir, "victim.ltl", "P a");
    check(&case(
        "output over an input",
        &["dfa", &format!("@{victim}"), "-o", &victim],
        2,
        "refusing to write",
    ));
    let survived = std::fs::read_to_string(&victim).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(survived, "P a", "the input survived -o pointing at it");
}
