//! Hostile input, end to end: every case in `tests/hostile/` (and the large ones this test
//! generates) runs the binary under a memory cap (`ulimit -v`) and a wall-clock bound,
//! and must end with its expected exit code and message: never a panic, a hang or an
//! exhausted machine. The corpus is described in `tests/hostile/README.md`.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// `@FILE` with `O p0 & … & O p{n-1}` (too long for one command-line argument).
fn many_props_file(n: usize) -> String {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("props-{n}.ltl"));
    let text: Vec<String> = (0..n).map(|i| format!("O p{i}")).collect();
    std::fs::write(&path, text.join(" & ")).expect("the target's tmp dir is writable");
    format!("@{}", path.display())
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
        .arg(env!("CARGO_BIN_EXE_ltlattn"))
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

/// Writes the generated cases' inputs into a fresh directory.
fn generated(dir: &Path) -> Vec<Case> {
    std::fs::create_dir_all(dir).unwrap();
    let put = |name: &str, text: &str| -> String {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let deep_parens = put(
        "deep-parens.ltl",
        &format!("{}a{}", "(".repeat(200_000), ")".repeat(200_000)),
    );
    let deep_y = put("deep-y.ltl", &format!("{}a", "Y ".repeat(150_000)));
    let wide = put("wide.ltl", &vec!["a"; 600_000].join(" & "));
    let deep_toml = put(
        "deep-array.toml",
        &format!(
            "alphabet = {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    );
    // 10^5 feed-forward features in a chain; f_i = (f_{i-1} & !b) | a, so the output is `a`
    // (false at the end marker: every word is rejected, as `check --spec a` confirms).
    let mut many = String::from("alphabet = [\"a\", \"b\"]\noutput = \"f99999\"\n[[layer]]\n");
    many.push_str("[[layer.ffn]]\nname = \"f0\"\nexpr = \"a\"\n");
    for i in 1..100_000 {
        many.push_str(&format!(
            "[[layer.ffn]]\nname = \"f{i}\"\nexpr = \"f{} & !b | a\"\n",
            i - 1
        ));
    }
    let many = put("features-1e5.toml", &many);
    // A 100,000-state counter (a counts, b stays; accepting at the top): partially
    // ordered, 10^10 ordered pairs of states, transition maps of 100,000 states, a chain
    // 100,000 deep. Before they were bounded: the access words alone (5·10^9 letters) and
    // the pair graph (90 GB) did not fit, and the SCC search overflowed the stack.
    let n = 100_000;
    let mut counter = format!(
        "alphabet: a b\nstates: {n}\ninitial: 0\naccepting: {}\n",
        n - 1
    );
    for q in 0..n {
        counter.push_str(&format!("{q} a {}\n{q} b {q}\n", (q + 1).min(n - 1)));
    }
    let counter = put("counter-1e5.dfa", &counter);
    // A sparse file over the default input cap of 64 MiB.
    let huge = dir.join("huge.ltl");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    let huge = huge.display().to_string();
    let small_over = put("over-cap.ltl", &"a | ".repeat(500));
    let victim = put("victim.ltl", "P a");

    let cases = vec![
        case(
            "nesting 200,000 parentheses",
            &["eval", &format!("@{deep_parens}"), "--word", "a"],
            2,
            "--max-nesting",
        ),
        case(
            "nesting 150,000 Y",
            &["dfa", &format!("@{deep_y}")],
            2,
            "--max-nesting",
        ),
        case(
            "nesting raised: 150,000 Y evaluated",
            &[
                "eval",
                &format!("@{deep_y}"),
                "--word",
                "a",
                "--max-nesting",
                "200000",
            ],
            1,
            "rejected",
        ),
        // `fmt` reads formulas from stdin (its arguments are formulas, not @FILEs).
        Case {
            stdin: Some(std::fs::read(&wide).unwrap()),
            ..case(
                "1.2 million tokens on stdin",
                &["fmt"],
                2,
                "--max-formula-size",
            )
        },
        case(
            "TOML nested 100,000 deep",
            &["compile", &deep_toml],
            2,
            "recursion limit",
        ),
        case(
            "10^5 features: compile stops at the print limit",
            &["compile", &many],
            2,
            "--max-formula-size",
        ),
        case(
            "10^5 features: run",
            &["run", &many, "--word", "b a"],
            1,
            "rejected",
        ),
        case(
            "10^5 features: check",
            &["check", &many, "--spec", "a"],
            0,
            "recognizes exactly",
        ),
        case(
            "file over the 64 MiB input cap",
            &["eval", &format!("@{huge}"), "--word", "a"],
            2,
            "--max-input-bytes",
        ),
        case(
            "file over a lowered input cap",
            &[
                "eval",
                &format!("@{small_over}"),
                "--word",
                "a",
                "--max-input-bytes",
                "1000",
            ],
            2,
            "--max-input-bytes",
        ),
        case(
            "output over an input",
            &["dfa", &format!("@{victim}"), "-o", &victim],
            2,
            "refusing to write",
        ),
        case(
            "classify a 100,000-state counter",
            &["classify", "--dfa", &counter],
            0,
            "the formula of the run is not constructed",
        ),
    ];
    cases
}

fn fixed() -> Vec<Case> {
    let c = corpus;
    vec![
        case(
            "empty formula file",
            &["eval", &format!("@{}", c("empty.ltl")), "--word", "a"],
            2,
            "empty formula",
        ),
        case(
            "empty model",
            &["compile", &c("empty.toml")],
            2,
            "missing field `alphabet`",
        ),
        case(
            "empty DFA file",
            &["classify", "--dfa", &c("empty.dfa")],
            2,
            "missing `alphabet:` line",
        ),
        case(
            "invalid UTF-8 formula",
            &[
                "eval",
                &format!("@{}", c("invalid-utf8.ltl")),
                "--word",
                "a",
            ],
            2,
            "not valid UTF-8 (byte 7)",
        ),
        case(
            "invalid UTF-8 model",
            &["compile", &c("invalid-utf8.toml")],
            2,
            "not valid UTF-8 (byte 18)",
        ),
        case(
            "invalid UTF-8 DFA",
            &["classify", "--dfa", &c("invalid-utf8.dfa")],
            2,
            "not valid UTF-8 (byte 12)",
        ),
        case(
            "cyclic features",
            &["compile", &c("cyclic.toml")],
            2,
            "reads `g` before it is made",
        ),
        case(
            "model window 10^9",
            &["compile", &c("window-1e9.toml")],
            2,
            "beyond the maximum",
        ),
        case(
            "formula window 10^9",
            &[
                "dfa",
                &format!("@{}", c("window-1e9.ltl")),
                "--alphabet",
                "a,b",
            ],
            2,
            "--max-states",
        ),
        case(
            "formula window 10^9 under a timeout",
            &[
                "dfa",
                &format!("@{}", c("window-1e9.ltl")),
                "--alphabet",
                "a,b",
                "--timeout",
                "0.5",
            ],
            2,
            "--timeout",
        ),
        case(
            "numeric model with a NaN weight",
            &["compile", &c("numeric-nan.toml")],
            2,
            "non-finite weight NaN at index 1",
        ),
        case(
            "numeric model whose weights are not safetensors",
            &["run", &c("numeric-garbage.toml"), "--word", "a"],
            2,
            "not a safetensors file",
        ),
        case(
            "numeric fp16 model: count cap ~2^40, compile stops at the state budget",
            &["compile", &c("numeric-fp16.toml"), "--max-states", "5000"],
            2,
            "--max-states",
        ),
        case(
            "numeric fp16 model: compile stops at the time limit",
            &["compile", &c("numeric-fp16.toml"), "--timeout", "1"],
            2,
            "--timeout",
        ),
        case(
            "broken TOML",
            &["compile", &c("broken.toml")],
            2,
            "expected `]`",
        ),
        case(
            "DFA with 10^9 states",
            &["classify", "--dfa", &c("states-1e9.dfa")],
            2,
            "not between 1 and 1000000",
        ),
        case(
            "model with a 2^60-state DFA: explicit check",
            &[
                "check",
                &c("states-2e60.toml"),
                "--spec",
                "a",
                "--engine",
                "explicit",
            ],
            2,
            "--max-states",
        ),
        // auto hands over to the BDD engine, which finds it (with or without z3).
        case(
            "model with a 2^60-state DFA: auto check falls back to the BDD engine",
            &["check", &c("states-2e60.toml"), "--spec", "a"],
            1,
            "(length 60)",
        ),
        case(
            "model with a 2^60-state DFA: classify",
            &["classify", "--model", &c("states-2e60.toml")],
            2,
            "--max-states",
        ),
        case(
            "model with a 2^60-state DFA: compile is linear",
            &["compile", &c("states-2e60.toml")],
            0,
            "h60",
        ),
        case(
            "a directory as the model",
            &["compile", &corpus("")],
            2,
            "is a directory",
        ),
        Case {
            stdin: Some(b"P (a & \xc3\x28 b)\n".to_vec()),
            ..case("invalid UTF-8 on stdin", &["fmt"], 2, "not valid UTF-8")
        },
        case(
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
        ),
        // Any number of propositions (guard-labelled), within the state budget.
        case(
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
        ),
        // A thousand remembered propositions: the memory budget of the guard diagrams
        // (each memo key holds a guard per subformula) stops it, at the default budget.
        case(
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
        ),
        // Beyond the guard-labelled automata's propositions: refused at once, naming the
        // engines that take any number.
        case(
            "20000 propositions",
            &["dfa", "--props", &many_props_file(20_000)],
            2,
            "--engine bdd",
        ),
    ]
}

#[test]
fn hostile_inputs_end_cleanly_within_their_bounds() {
    let dir = std::env::temp_dir().join(format!("ltlattn-hostile-{}", std::process::id()));
    let mut cases = fixed();
    cases.extend(generated(&dir));
    let results: Vec<(String, Option<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|c| {
                s.spawn(move || {
                    let (code, text, took) = run(c);
                    let ok = code == Some(c.exit)
                        && text.contains(c.message)
                        && !text.contains("panicked");
                    let failure = (!ok).then(|| {
                        format!(
                            "exit {code:?} (expected {}), {:.1} s, output:\n{}",
                            c.exit,
                            took.as_secs_f64(),
                            text.chars().take(1500).collect::<String>()
                        )
                    });
                    (c.name.to_string(), failure)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let victim = std::fs::read_to_string(dir.join("victim.ltl")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(victim, "P a", "the input survived -o pointing at it");
    let failures: Vec<String> = results
        .into_iter()
        .filter_map(|(name, f)| f.map(|f| format!("[{name}] {f}")))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
