//! The binary, run the way users run it: exit codes, JSON, and errors on bad input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn ltlattn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ltlattn"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ltlattn"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn eval_exit_codes_and_json() {
    let yes = ltlattn(&[
        "eval",
        "P (a & Y b)",
        "--word",
        "c b a",
        "--alphabet",
        "a,b,c",
    ]);
    assert_eq!(yes.status.code(), Some(0), "{}", stderr(&yes));
    assert_eq!(stdout(&yes).trim(), "accepted");
    let no = ltlattn(&[
        "eval",
        "P (a & Y b)",
        "--word",
        "a b c",
        "--alphabet",
        "a,b,c",
        "--json",
    ]);
    assert_eq!(no.status.code(), Some(1));
    assert_eq!(stdout(&no).trim(), r#"{"accepted":false}"#);
    // The empty word: accepted under EOS by `eos`, rejected under last-position acceptance.
    assert_eq!(
        ltlattn(&["eval", "eos", "--word", ""]).status.code(),
        Some(0)
    );
    assert_eq!(
        ltlattn(&["eval", "true", "--word", "", "--accept", "last"])
            .status
            .code(),
        Some(1)
    );
    // Quoted tokens and proposition words.
    assert_eq!(
        ltlattn(&["eval", "Y ')' & P '('", "--word", "( )"])
            .status
            .code(),
        Some(0)
    );
    let props = ltlattn(&[
        "eval",
        "p & q & Y !q",
        "--props",
        "--accept",
        "last",
        "--word",
        "{p} {p,q}",
    ]);
    assert_eq!(props.status.code(), Some(0), "{}", stderr(&props));
}

#[test]
fn eval_rejects_tokens_outside_the_alphabet() {
    let o = ltlattn(&["eval", "P a", "--word", "a z"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("the token `z` is not in the alphabet"),
        "{err}"
    );
    assert!(err.contains("--alphabet"), "{err}");
}

#[test]
fn explain_prints_a_row_per_subformula_and_the_verdict() {
    let o = ltlattn(&[
        "explain",
        "P (a & Y b)",
        "--word",
        "b a",
        "--alphabet",
        "a,b",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let row = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row {name}:\n{out}"))
            .to_string()
    };
    // Columns: b, a, ⊣.
    assert!(row("token").ends_with("b  a  ⊣"), "{out}");
    assert!(row("Y b ").ends_with("0  1  0"), "{out}");
    assert!(row("a & Y b ").ends_with("0  1  0"), "{out}");
    assert!(row("P (a & Y b)").ends_with("0  0  1"), "{out}");
    assert!(out.contains("accepted"), "{out}");
    let latex = stdout(&ltlattn(&["explain", "O a", "--word", "a", "--latex"]));
    assert!(latex.starts_with("\\begin{tabular}{l|cc}"), "{latex}");
    assert!(latex.contains("$\\mathsf{O}\\, a$ & 1 & 1 \\\\"), "{latex}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&ltlattn(&[
        "explain", "Y a", "--word", "a", "--json",
    ])))
    .unwrap();
    assert_eq!(json["positions"], serde_json::json!(["a", "⊣"]));
    assert_eq!(json["rows"][1]["values"], serde_json::json!([false, true]));
}

#[test]
fn fmt_reads_stdin_and_prints_each_syntax() {
    let o = with_stdin(&["fmt", "--unicode"], b"!a & Y<=2 b\n\nWY (a S< b)\n");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "¬a ∧ Y≤2 b\nZ (a S< b)\n");
    let o = ltlattn(&["fmt", "--latex", "a -> O b"]);
    assert_eq!(stdout(&o).trim(), "a \\rightarrow \\mathsf{O}\\, b");
}

#[test]
fn bad_formulas_exit_2_with_a_span_and_never_panic() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"(a & b".to_vec(), "never closed"),
        (b"a & b)".to_vec(), "closes no"),
        (b"X a".to_vec(), "future-time operator"),
        (b"a b".to_vec(), "expected an operator"),
        (b"\xff\xfe\x00garbage".to_vec(), "not valid UTF-8"),
        (b"Y<=0 a".to_vec(), "window"),
        ("(".repeat(100_000).into_bytes(), "operand"),
        (
            format!("{}a{}", "(".repeat(100_000), ")".repeat(99_999)).into_bytes(),
            "never closed",
        ),
    ];
    for (input, msg) in cases {
        let o = with_stdin(&["fmt"], &input);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(msg), "expected `{msg}` in:\n{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A bad formula in an argument shows where the problem is.
    let o = ltlattn(&["eval", "a & & b", "--word", "a"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("a & & b") && err.contains("here"), "{err}");
    // Bad options are errors too (exit 2), not panics.
    assert_eq!(
        ltlattn(&["eval", "a", "--word", "a", "--accept", "middle"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(ltlattn(&["nonsense"]).status.code(), Some(2));
}

#[test]
fn deep_formulas_work_end_to_end() {
    let deep = format!("{}a", "Y ".repeat(100_000));
    let o = with_stdin(&["fmt"], deep.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ltlattn(&[
        "explain",
        &format!("{}a", "Y ".repeat(30_000)),
        "--word",
        "a",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("limit is 500"));
}
