//! The binary, run the way users run it: exit codes, JSON, and errors on bad input.

use crate::helpers::run::{ltlattn, scratch_dir, stderr, stdout, with_stdin};

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
    assert_eq!(
        stdout(&no).trim(),
        r#"{"command":"eval","holds":false,"accepted":false}"#
    );
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
        (b"P>=0 a".to_vec(), "count of P>=m"),
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

#[test]
fn dfa_prints_text_dot_and_json() {
    let o = ltlattn(&["dfa", "P (a & Y b)", "--alphabet", "a,b,c"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("minimal DFA (EOS acceptance): 3 states, 3 letters"),
        "{out}"
    );
    let dot = stdout(&ltlattn(&["dfa", "P (a & Y b)", "--dot"]));
    assert!(
        dot.starts_with("digraph dfa {") && dot.contains("2 [shape=doublecircle];"),
        "{dot}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&ltlattn(&["dfa", "Y a", "--json"]))).unwrap();
    assert_eq!(json["states"], 2);
    assert_eq!(json["alphabet"], serde_json::json!(["a"]));
    assert_eq!(json["minimal"], true);
    // Proposition alphabets print letters as sets.
    let props = stdout(&ltlattn(&[
        "dfa",
        "O p & O q",
        "--props",
        "--accept",
        "last",
    ]));
    assert!(
        props.contains("4 states, 4 letters") && props.contains("{p,q} -> 3"),
        "{props}"
    );
}

#[test]
fn equiv_and_includes_give_verdicts_with_checked_shortest_counterexamples() {
    let o = ltlattn(&["equiv", "O a", "a | P a", "--accept", "last"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("equivalent"));
    let o = ltlattn(&["equiv", "P (a & Y b)", "P (b & Y a)", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["equivalent"], false);
    assert_eq!(json["counterexample"], serde_json::json!(["a", "b"]));
    assert_eq!(json["first"]["accepts"], false);
    assert_eq!(json["second"]["accepts"], true);
    assert_eq!(json["engine"], "explicit");
    assert!(json["states_explored"].as_u64().unwrap() > 0);
    let o = ltlattn(&["includes", "P (a & Y b)", "P a & P b"]);
    assert_eq!(o.status.code(), Some(0));
    let o = ltlattn(&["includes", "P a & P b", "P (a & Y b)"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("not included: shortest counterexample `a b`"),
        "{out}"
    );
    assert!(
        out.contains("re-checked by the reference evaluator"),
        "{out}"
    );
    // The empty word can be the counterexample.
    let o = ltlattn(&["equiv", "eos", "start", "--json", "--alphabet", "a"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["counterexample"], serde_json::json!(["a"]));
}

#[test]
fn limits_end_with_exit_2_and_say_which_limit() {
    let deep = format!("{}a", "Y ".repeat(24));
    let o = ltlattn(&["dfa", &deep, "--alphabet", "a,b", "--max-states", "1000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("state limit reached") && stderr(&o).contains("--max-states"),
        "{}",
        stderr(&o)
    );
    let o = ltlattn(&[
        "equiv",
        &deep,
        "a",
        "--alphabet",
        "a,b",
        "--timeout",
        "0.05",
        "--engine",
        "explicit",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("timeout after") && stderr(&o).contains("--timeout"),
        "{}",
        stderr(&o)
    );
    // Under auto the engines run side by side, each with the whole --timeout; the BDD
    // engine answers first, and the report says that auto chose it.
    let o = ltlattn(&[
        "equiv",
        &deep,
        "a",
        "--alphabet",
        "a,b",
        "--timeout",
        "2",
        "--max-states",
        "100000000",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("length 24")
            && stdout(&o).contains("BDD engine")
            && stdout(&o).contains("auto: the first certified answer"),
        "{}",
        stdout(&o)
    );
    // Any number of propositions (guard-labelled transitions), within --max-states.
    let many: Vec<String> = (0..21).map(|i| format!("O p{i}")).collect();
    let o = ltlattn(&["dfa", &many.join(" & "), "--props", "--max-states", "1000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--max-states"), "{}", stderr(&o));
    let mut chain = "p0".to_string();
    for i in 1..24 {
        chain = format!("p{i} S ({chain})");
    }
    let o = ltlattn(&["dfa", &chain, "--props", "--accept", "last"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("24 states, 24 propositions (guard-labelled"),
        "{}",
        stdout(&o)
    );
    let o = ltlattn(&["dfa", "a", "--alphabet", "b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not in --alphabet"), "{}", stderr(&o));
    let o = ltlattn(&["dfa", "true"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no atom"), "{}", stderr(&o));
}

#[test]
fn formulas_can_come_from_files_with_comments() {
    let dir = scratch_dir("cli");
    let good = dir.join("good.ltl");
    std::fs::write(&good, "# contains the factor ba\nP (a & Y b)\n").unwrap();
    let o = ltlattn(&["eval", &format!("@{}", good.display()), "--word", "b a"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bad = dir.join("bad.ltl");
    std::fs::write(&bad, "# comment\nP (a & \n").unwrap();
    let o = ltlattn(&["dfa", &format!("@{}", bad.display())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.ltl") && stderr(&o).contains("operand"),
        "{}",
        stderr(&o)
    );
    let o = ltlattn(&["dfa", "@/nonexistent/x.ltl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

fn example(name: &str) -> String {
    format!("{}/examples/models/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn compile_prints_the_language_the_fragment_and_the_feature_table() {
    let o = ltlattn(&["compile", &example("contains-ba.toml")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("fragment: LTL[P, Y]"), "{out}");
    assert!(out.contains("accepts: P (a & Y b)"), "{out}");
    assert!(
        out.contains("head `prev_b` (local, window 1, soft) → Y"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&ltlattn(&[
        "compile",
        &example("contains-ba.toml"),
        "--json",
    ])))
    .unwrap();
    assert_eq!(json["accept"], "P (a & Y b)");
    assert_eq!(json["fragment"], "LTL[P, Y]");
    assert_eq!(json["features"]["ba_here"]["formula"], "a & Y b");
    assert_eq!(json["features"]["seen_ba"]["layer"], 2);
    // The JSON formula parses back.
    let o = ltlattn(&["equiv", json["accept"].as_str().unwrap(), "P (a & Y b)"]);
    assert_eq!(o.status.code(), Some(0));
    let latex = stdout(&ltlattn(&[
        "compile",
        &example("first-is-a.toml"),
        "--latex",
    ]));
    assert!(
        latex.contains("\\begin{tabular}") && latex.contains("\\mathsf{P}"),
        "{latex}"
    );
}

#[test]
fn run_and_check_use_exit_codes_and_show_the_trace() {
    let m = example("first-is-a.toml");
    assert_eq!(
        ltlattn(&["run", &m, "--word", "a b"]).status.code(),
        Some(0)
    );
    let o = ltlattn(&["run", &m, "--word", "b a", "--trace"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("first_a  0  0  0"), "{}", stdout(&o));
    assert_eq!(
        ltlattn(&["run", &m, "--word", "a z"]).status.code(),
        Some(2)
    );
    assert_eq!(
        ltlattn(&["check", &m, "--spec", "P (start & a)"])
            .status
            .code(),
        Some(0)
    );
    let o = ltlattn(&["check", &m, "--spec", "P a", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["counterexample"], serde_json::json!(["b", "a"]));
    assert_eq!(json["model_accepts"], false);
    assert_eq!(json["spec_accepts"], true);
    let o = ltlattn(&["check", &m, "--spec", "P c"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a token of the model"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn model_errors_show_the_file_and_the_place() {
    let dir = scratch_dir("models");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "alphabet = [\"a\"]\noutput = \"h\"\n[[layer]]\n[[layer.head]]\nname = \"h\"\nrange = \"local\"\nwindow = 0\nvalue = \"a\"\n").unwrap();
    let o = ltlattn(&["compile", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("window 0") && err.contains("bad.toml:7") && err.contains("here"),
        "{err}"
    );
    std::fs::write(&bad, [0xffu8, 0xfe, 0x00]).unwrap();
    let o = ltlattn(&["compile", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not valid UTF-8"));
    assert_eq!(
        ltlattn(&["compile", "/nonexistent/model.toml"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn realize_writes_a_model_that_checks_and_never_overwrites_its_input() {
    let dir = scratch_dir("realize");
    let out = dir.join("m.toml");
    let phi = "P (a & Y b) | (c S< a)";
    let o = ltlattn(&[
        "realize",
        phi,
        "--alphabet",
        "a,b,c",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ltlattn(&["check", out.to_str().unwrap(), "--spec", phi]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let input = dir.join("phi.ltl");
    std::fs::write(&input, phi).unwrap();
    let o = ltlattn(&[
        "realize",
        &format!("@{}", input.display()),
        "-o",
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), phi);
}

#[test]
fn classify_and_separate_on_the_command_line() {
    let o = ltlattn(&["classify", "P (a & Y b)", "--alphabet", "a,b,c", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for key in ["global", "local", "hybrid", "hard", "regular"] {
        assert!(json[key]["member"].is_boolean(), "{key}");
        assert!(json[key]["basis"].is_string(), "{key}");
        assert!(json[key].get("certificate").is_some(), "{key}");
    }
    assert_eq!(json["global"]["member"], false);
    assert_eq!(json["hybrid"]["member"], true);
    assert_eq!(
        json["hybrid"]["certificate"]["formula"]["formula"],
        "P (a & Y b)"
    );
    assert!(json["local"]["window"].is_null());
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&ltlattn(&["classify", "Y (b & Y a)", "--json"]))).unwrap();
    assert_eq!(json["local"]["window"], 1);
    assert_eq!(json["local"]["depth"], 2);
    let text = stdout(&ltlattn(&[
        "classify",
        "--model",
        &example("first-is-a.toml"),
    ]));
    assert!(text.contains("LTL[P]") && text.contains("yes"), "{text}");
    let latex = stdout(&ltlattn(&["classify", "P a", "--latex"]));
    assert!(latex.contains("\\begin{tabular}"), "{latex}");
    let parity = format!("{}/examples/dfa/parity.dfa", env!("CARGO_MANIFEST_DIR"));
    let o = ltlattn(&["separate", "--dfa", &parity, "--from", "hard"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("separated") && stdout(&o).contains("x^ω"),
        "{}",
        stdout(&o)
    );
    let o = ltlattn(&["separate", "P a", "--from", "global"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("formula: P a"), "{}", stdout(&o));
    assert_eq!(
        ltlattn(&["separate", "P a", "--from", "sideways"])
            .status
            .code(),
        Some(2)
    );
    let dir = scratch_dir("dfa");
    let bad = dir.join("bad.dfa");
    std::fs::write(&bad, "alphabet: a b\nstates: 2\n0 a 1\n0 c 0\n").unwrap();
    let o = ltlattn(&["classify", "--dfa", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`c` is not in the alphabet") && stderr(&o).contains("bad.dfa:4"),
        "{}",
        stderr(&o)
    );
}

#[test]
#[cfg(not(feature = "z3"))]
fn without_z3_the_z3_engine_is_refused_plainly() {
    let o = ltlattn(&["equiv", "P a", "O a", "--engine", "z3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("without the z3 engine"),
        "{}",
        stderr(&o)
    );
    let o = ltlattn(&["attention", "--pattern", "global", "--json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(json["holds"].is_null());
}

#[test]
#[cfg(feature = "z3")]
fn engines_on_the_command_line() {
    let o = ltlattn(&[
        "equiv",
        "P (a & Y b)",
        "Y P (a & Y b) | Y (a & Y b)",
        "--engine",
        "z3",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["engine"], "z3");
    assert!(json["proof"]["method"].is_string());
    let o = ltlattn(&["equiv", "P (a & Y b)", "P (a & Y a)", "--engine", "z3"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("`a a` (length 2)"), "{}", stdout(&o));
    // Undecided within the depth bound: exit 2, never a verdict.
    let o = ltlattn(&[
        "equiv",
        "Y Y Y a",
        "Y Y Y b",
        "--engine",
        "z3",
        "--max-depth",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("could not decide"), "{}", stderr(&o));
    // Beyond the explicit engine's propositions, auto hands over (to the BDD engine,
    // which answers this pair) and says so.
    let conj: Vec<String> = (0..30).map(|i| format!("O p{i}")).collect();
    let conj = conj.join(" & ");
    let dual: Vec<String> = (0..30).rev().map(|i| format!("H !p{i}")).collect();
    let dual = format!("!({})", dual.join(" | "));
    let o = ltlattn(&["equiv", &conj, &dual, "--props"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("BDD engine") && stdout(&o).contains("auto:"),
        "{}",
        stdout(&o)
    );
    let o = ltlattn(&["equiv", &conj, &dual, "--props", "--engine", "explicit"]);
    assert_eq!(o.status.code(), Some(2));
    // The BDD engine by name: its report, with the re-checked invariant.
    let o = ltlattn(&[
        "equiv", &conj, &dual, "--props", "--engine", "bdd", "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["engine"], "bdd");
    assert_eq!(json["invariant_checked"], true);
    assert_eq!(json["fallback"], serde_json::Value::Null);
    let broken = conj.replacen("O p0 & ", "", 1);
    let o = ltlattn(&[
        "equiv", &broken, &dual, "--props", "--engine", "bdd", "--json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["invariant_checked"], false);
    assert_eq!(json["counterexample"].as_array().map(Vec::len), Some(1));
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/models/contains-ba.toml"
    );
    let o = ltlattn(&["check", model, "--spec", "O (a & Y b)", "--engine", "z3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("z3 engine"));
}

/// Every `--json` report is one line starting with its command; decisions carry `holds`
/// (a Boolean, or null when undecided) and the exit code follows from it alone.
#[test]
fn json_reports_share_one_schema() {
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/models/contains-ba.toml"
    );
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "eval",
            vec![
                "eval",
                "P a",
                "--word",
                "b a",
                "--alphabet",
                "a,b",
                "--json",
            ],
        ),
        (
            "explain",
            vec![
                "explain",
                "P a",
                "--word",
                "a b",
                "--alphabet",
                "a,b",
                "--json",
            ],
        ),
        ("equiv", vec!["equiv", "P a", "O a", "--json"]),
        ("includes", vec!["includes", "Y a", "P a", "--json"]),
        ("run", vec!["run", model, "--word", "b a", "--json"]),
        (
            "check",
            vec!["check", model, "--spec", "P (a & Y b)", "--json"],
        ),
        ("check", vec!["check", model, "--spec", "P a", "--json"]),
        (
            "separate",
            vec!["separate", "P (a & Y b)", "--from", "global", "--json"],
        ),
        (
            "separate",
            vec!["separate", "P a", "--from", "global", "--json"],
        ),
        (
            "attention",
            vec![
                "attention",
                "--pattern",
                "window",
                "--window",
                "2",
                "--length",
                "8",
                "--json",
            ],
        ),
    ];
    for (command, args) in cases {
        let o = ltlattn(&args);
        let out = stdout(&o);
        assert_eq!(out.lines().count(), 1, "{args:?}: one line\n{out}");
        assert!(
            out.starts_with(&format!(r#"{{"command":"{command}""#)),
            "{args:?}: {out}"
        );
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let holds = &json["holds"];
        let want = match holds.as_bool() {
            Some(true) => 0,
            Some(false) => 1,
            None => {
                assert!(holds.is_null(), "{args:?}: holds = {holds}");
                2
            }
        };
        // Without z3 the attention proof is undecided (null, exit 2), else a verdict.
        assert_eq!(o.status.code(), Some(want), "{args:?}: {out}");
    }
    // Informational reports: no `holds`, exit 0.
    for (command, args) in [
        ("compile", vec!["compile", model, "--json"]),
        ("classify", vec!["classify", "P a", "--json"]),
        ("dfa", vec!["dfa", "P a", "--json"]),
        ("fmt", vec!["fmt", "P a", "Y b", "--json"]),
    ] {
        let o = ltlattn(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(json["command"], command);
        assert!(json.get("holds").is_none(), "{args:?}");
    }
    // fmt --json reports a parse error in place and exits 2.
    let o = ltlattn(&["fmt", "P a", "a &", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["formulas"][0]["formula"], "P a");
    assert!(json["formulas"][1]["error"].is_string());
    assert!(json["formulas"][1]["formula"].is_null());
}

/// Input-handling defects found by differential testing (issue #19), one case each.
#[test]
fn input_handling_regressions() {
    let dir = scratch_dir("cli");
    let path = |name: &str| dir.join(name).display().to_string();

    // 1. Tokens named like reserved words: bare is the reserved word, quoted the token;
    //    a bare use while the alphabet has such a token is refused, in models and formulas.
    let model = |expr: &str| {
        format!("alphabet = [\"a\", \"eos\"]\nacceptance = \"last\"\noutput = \"f\"\n[[layer]]\n[[layer.ffn]]\nname = \"f\"\nexpr = \"{expr}\"\n")
    };
    std::fs::write(path("bare.toml"), model("eos")).unwrap();
    let o = ltlattn(&["compile", &path("bare.toml")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("reserved word `eos`") && stderr(&o).contains("'eos'"),
        "{}",
        stderr(&o)
    );
    std::fs::write(path("quoted.toml"), model("'eos'")).unwrap();
    let o = ltlattn(&["run", &path("quoted.toml"), "--word", "a eos"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ltlattn(&["eval", "eos", "--alphabet", "a,eos", "--word", "a eos"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("reserved word `eos`"));
    for (f, accept) in [("'eos'", "last"), ("'true' & Y a", "eos")] {
        let o = ltlattn(&[
            "eval",
            f,
            "--alphabet",
            "a,eos,true",
            "--accept",
            accept,
            "--word",
            "a eos",
        ]);
        assert!(o.status.code() != Some(2), "{f}: {}", stderr(&o));
    }
    let o = ltlattn(&["equiv", "true", "'true' | !'true'", "--alphabet", "True"]);
    assert_eq!(o.status.code(), Some(2), "any case: {}", stdout(&o));

    // 2. realize refuses the windows the loader refuses; what it writes loads.
    let o = ltlattn(&["realize", "Y<=2000000 a"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1000000"), "{}", stderr(&o));
    let o = ltlattn(&["realize", "Y<=1000000 a", "-o", &path("wide.toml")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        ltlattn(&["compile", &path("wide.toml")]).status.code(),
        Some(0)
    );

    // 3. fmt takes @FILE like every formula argument (comment lines skipped).
    std::fs::write(path("f.ltl"), "# a comment\nY  a & b\n").unwrap();
    let o = ltlattn(&["fmt", &format!("@{}", path("f.ltl"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "Y a & b");

    // 4. --alphabet with a repeated or empty token is refused, with a span.
    for bad in ["a,a,b", "a,,b", "a,"] {
        for cmd in [
            vec!["eval", "P a", "--word", "a", "--alphabet", bad],
            vec!["equiv", "P a", "O a", "--alphabet", bad],
        ] {
            let o = ltlattn(&cmd);
            assert_eq!(o.status.code(), Some(2), "{cmd:?}");
            assert!(
                stderr(&o).contains("--alphabet has"),
                "{cmd:?}: {}",
                stderr(&o)
            );
        }
    }

    // 5. Unknown escapes in quoted tokens are errors at the backslash.
    let o = ltlattn(&["fmt", r"Y '\ud800'"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(r"unknown escape `\u`"),
        "{}",
        stderr(&o)
    );
    let o = ltlattn(&["fmt", r"'a\\b' & 'it\'s' & 'q\x'"]);
    assert_eq!(o.status.code(), Some(2));
    let o = ltlattn(&["fmt", r"'a\\b' & 'it\'s'"]);
    assert_eq!(stdout(&o).trim(), r#"'a\\b' & "it's""#);

    // 7. Axial patterns default their width to ⌈√L⌉ and say so.
    for p in ["axial", "combiner-axial"] {
        let o = ltlattn(&["attention", "--pattern", p, "--length", "1000", "--json"]);
        let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(json["parameter"], 32, "{p}");
        assert!(json["parameter_defaulted"].is_string(), "{p}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 29, item 7: an empty or universal language is named in the text (with the hint
/// about EOS acceptance) and in `dfa --json`; counts agree in number ("1 state").
#[test]
fn empty_and_universal_languages_are_named() {
    let o = ltlattn(&["dfa", "a S b"]);
    let text = stdout(&o);
    assert!(text.contains("1 state, 2 letters"), "{text}");
    assert!(text.contains("accepts no word at all"), "{text}");
    assert!(
        text.contains("--accept last") && text.contains("S<"),
        "{text}"
    );
    let json = |f: &str, extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["dfa", f, "--json"];
        args.extend(extra);
        serde_json::from_str(stdout(&ltlattn(&args)).trim()).unwrap()
    };
    let v = json("a S b", &[]);
    assert_eq!(
        (v["empty"].clone(), v["universal"].clone()),
        (true.into(), false.into())
    );
    let v = json("!a S !b", &[]);
    assert_eq!(
        (v["empty"].clone(), v["universal"].clone()),
        (false.into(), true.into())
    );
    assert!(stdout(&ltlattn(&["dfa", "!a S !b"])).contains("accepts every word"));
    let v = json("a S< b", &[]);
    assert_eq!(
        (v["empty"].clone(), v["universal"].clone()),
        (false.into(), false.into())
    );
    assert!(!stdout(&ltlattn(&["dfa", "a S< b"])).contains("note:"));
    // Last-position acceptance never accepts the empty word: every nonempty word is
    // the most a formula can accept.
    let v = json("a | !a", &["--accept", "last"]);
    assert_eq!(v["universal"], true);
    let v = json("a & !a", &["--accept", "last"]);
    assert_eq!(v["empty"], true);
    // compile says it of a Boolean model too: a feed-forward "a" read at ⊣ under EOS
    // acceptance is false on every word.
    let dir = scratch_dir("empty");
    let model = dir.join("m.toml").display().to_string();
    let write = |acceptance: &str| {
        std::fs::write(
            &model,
            format!("alphabet = [\"a\", \"b\"]\nacceptance = \"{acceptance}\"\noutput = \"f\"\n[[layer]]\n[[layer.ffn]]\nname = \"f\"\nexpr = \"a\"\n"),
        )
        .unwrap()
    };
    write("eos");
    let text = stdout(&ltlattn(&["compile", &model]));
    assert!(
        text.contains("note: the model accepts no word at all"),
        "{text}"
    );
    write("last");
    let text = stdout(&ltlattn(&["compile", &model]));
    assert!(!text.contains("note:"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 29, item 5: `sample --positive -o FILE` writes the words to FILE, not stdout.
#[test]
fn sample_words_go_to_the_output_file() {
    let dir = scratch_dir("sample-o");
    let file = dir.join("words.txt").display().to_string();
    for (flag, lang) in [("--positive", "P a"), ("--negative", "P a")] {
        let o = ltlattn(&[
            "sample",
            lang,
            flag,
            "--length",
            "3",
            "--count",
            "5",
            "--seed",
            "7",
            "--alphabet",
            "a,b",
            "-o",
            &file,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stdout(&o), "", "{flag}: nothing on stdout");
        let written = std::fs::read_to_string(&file).unwrap();
        let words: Vec<&str> = written.lines().collect();
        assert_eq!(words.len(), 5, "{flag}: {written:?}");
        for w in words {
            assert_eq!(w.split(' ').count(), 3, "{w}");
            assert_eq!(w.contains('a'), flag == "--positive", "{flag}: {w}");
        }
    }
    // The empty word is a line of its own.
    let o = ltlattn(&[
        "sample",
        "!P a",
        "--positive",
        "--length",
        "0",
        "--count",
        "3",
        "--seed",
        "1",
        "-o",
        &file,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "\n\n\n");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 29, item 6: an `@FILE` formula's `# alphabet:` header is its default alphabet.
#[test]
fn formula_files_bring_their_alphabet() {
    let file = format!(
        "@{}/examples/formulas/contains-ba.ltl",
        env!("CARGO_MANIFEST_DIR")
    );
    let o = ltlattn(&["explain", &file, "--word", "b c a"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = ltlattn(&["eval", &file, "--word", "c b a"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The DFA reads the declared alphabet too: c is a letter of it.
    let v: serde_json::Value =
        serde_json::from_str(stdout(&ltlattn(&["dfa", &file, "--json"])).trim()).unwrap();
    assert_eq!(v["alphabet"], serde_json::json!(["a", "b", "c"]));
    // A token outside it is still refused, and the message says where the alphabet came from.
    let o = ltlattn(&["eval", &file, "--word", "b d a"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("# alphabet:"), "{}", stderr(&o));
    // --alphabet still wins.
    let o = ltlattn(&["eval", &file, "--word", "b c a", "--alphabet", "a,b"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Issue 29, item 8: one error style (no diagnostic code line on some errors only); the
/// two count caps of `compile` are labelled; no jargon; `compile --dot` exists and
/// `compile --json` has a `dfa` key (the DFA when the formula is withheld).
#[test]
fn messages_are_plain_and_compile_has_dot() {
    for args in [
        &["eval", "a & (b", "--word", "a"][..],
        &["dfa", "Y Y Y Y Y Y Y Y a", "--max-states", "4"][..],
    ] {
        let o = ltlattn(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(!err.contains("ltlattn::"), "{args:?}: a code line:\n{err}");
        assert!(err.contains('×'), "{args:?}: the usual error mark:\n{err}");
    }
    let naive = example("naive-contains-a.toml").replace("models/", "numeric/");
    let o = ltlattn(&["compile", &naive]);
    let text = stdout(&o);
    assert!(text.contains("the format's count cap 32"), "{text}");
    assert!(text.contains("count cap (head)"), "{text}");
    assert!(!text.contains("interval diagram"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(stdout(&ltlattn(&["compile", &naive, "--json"])).trim()).unwrap();
    assert!(json["accept"].is_string());
    assert!(json.get("dfa").is_some_and(|d| d.is_null()), "{json}");
    // --dot: the minimal DFA (9 states), numeric and Boolean models alike.
    let o = ltlattn(&["compile", &naive, "--dot"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dot = stdout(&o);
    assert!(dot.starts_with("digraph dfa {"), "{dot}");
    let sources: std::collections::BTreeSet<&str> = dot
        .lines()
        .filter_map(|l| l.trim().split_once(" -> "))
        .map(|(from, _)| from)
        .filter(|f| *f != "init")
        .collect();
    assert_eq!(
        sources.len(),
        json["dfa_states"].as_u64().unwrap() as usize,
        "{dot}"
    );
    let o = ltlattn(&["compile", &example("contains-a.toml"), "--dot"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("digraph dfa {"));
}

/// The example model files (Boolean and numeric), sorted.
fn example_models() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples/models", "examples/numeric"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `dfa --json`'s automaton read back.
fn dfa_from_json(v: &serde_json::Value) -> ltlattn::automata::Dfa {
    use ltlattn::automata::{Alphabet, Dfa};
    let names: Vec<String> = v["alphabet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    let acceptance = match v["acceptance"].as_str().unwrap() {
        "eos" => ltlattn::logic::Acceptance::Eos,
        _ => ltlattn::logic::Acceptance::Last,
    };
    let states = v["states"].as_u64().unwrap() as usize;
    let mut accepting = vec![false; states];
    for q in v["accepting"].as_array().unwrap() {
        accepting[q.as_u64().unwrap() as usize] = true;
    }
    let trans: Vec<u32> = v["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter())
        .map(|t| t.as_u64().unwrap() as u32)
        .collect();
    Dfa::from_parts(Alphabet::Tokens(names), acceptance, trans, accepting).unwrap()
}

/// A model's executor on a word: accepted or not.
type Judge = Box<dyn Fn(&[String]) -> bool>;

#[test]
fn dfa_of_a_model_file_agrees_with_its_compiled_formula_and_its_executor() {
    use ltlattn::automata::{compare, formula_dfa, Budget, Question};
    use ltlattn::logic::{parse_with, Arena, ParseLimits};
    let models = example_models();
    assert!(models.len() >= 15, "{models:?}");
    let mut numeric = 0;
    for path in &models {
        let p = path.display().to_string();
        let out = ltlattn(&["dfa", &p, "--json"]);
        assert_eq!(out.status.code(), Some(0), "{p}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["source"], p.as_str(), "{p}");
        let dfa = dfa_from_json(&v);
        let tokens: Vec<String> = dfa.alphabet().atoms().to_vec();
        // The compiled formula defines the same language as the printed DFA.
        let compiled = ltlattn(&["compile", &p, "--json"]);
        assert_eq!(
            compiled.status.code(),
            Some(0),
            "{p}: {}",
            stderr(&compiled)
        );
        let c: serde_json::Value = serde_json::from_str(&stdout(&compiled)).unwrap();
        let formula = c["accept"].as_str().unwrap_or_else(|| panic!("{p}: {c}"));
        let mut arena = Arena::new();
        let limits = ParseLimits {
            max_nesting: 1 << 20,
            max_size: 1 << 24,
        };
        let phi = parse_with(&mut arena, formula, limits).unwrap();
        let budget = Budget::default();
        let of_formula =
            formula_dfa(&arena, phi, dfa.alphabet(), dfa.acceptance(), &budget).unwrap();
        let answer = compare(&of_formula, &dfa, Question::Equivalent, &budget).unwrap();
        assert_eq!(answer.counterexample, None, "{p}: {formula}");
        // The executor judges every word up to length 5 as the DFA does.
        let text = std::fs::read_to_string(path).unwrap();
        let judge: Judge = if ltlattn::numeric::is_numeric(&text) {
            numeric += 1;
            let weights = std::fs::read(path.with_extension("safetensors")).unwrap();
            let m = ltlattn::numeric::load_numeric(&p, &text, &weights).unwrap();
            Box::new(move |w| ltlattn::numeric::run_numeric(&m, w).unwrap().accepted)
        } else {
            let m = ltlattn::model::load(&p, &text).unwrap();
            Box::new(move |w| ltlattn::model::run(&m, w).unwrap().accepted)
        };
        let names: Vec<&str> = tokens.iter().map(String::as_str).collect();
        for w in crate::helpers::words::all_words(&names, 5) {
            let ltlattn::logic::Word::Letters(w) = w else {
                unreachable!()
            };
            let letters: Vec<u32> = w
                .iter()
                .map(|t| tokens.iter().position(|x| x == t).unwrap() as u32)
                .collect();
            assert_eq!(judge(&w), dfa.accepts(&letters), "{p} on {w:?}");
        }
        // The text and DOT renderings show the same automaton.
        let text_out = stdout(&ltlattn(&["dfa", &p]));
        assert!(
            text_out.contains(&format!("{} states,", dfa.states())),
            "{p}: {text_out}"
        );
        let dot = stdout(&ltlattn(&["dfa", &p, "--dot"]));
        assert!(dot.starts_with("digraph dfa {"), "{p}: {dot}");
    }
    assert!(numeric >= 6, "{numeric} numeric examples");
}

#[test]
fn dfa_of_a_model_file_refuses_a_different_alphabet_and_no_minimize() {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/models/contains-a.toml"
    );
    let other = ltlattn(&["dfa", p, "--alphabet", "a,b"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(stderr(&other).contains("differs from the file's alphabet"));
    let raw = ltlattn(&["dfa", p, "--no-minimize"]);
    assert_eq!(raw.status.code(), Some(2));
    assert!(
        stderr(&raw).contains("minimal DFA only"),
        "{}",
        stderr(&raw)
    );
    let same = ltlattn(&["dfa", p, "--alphabet", "a,b,c"]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
}

/// A Boolean model whose compiled formula is longer than need be gets a shorter one
/// beside it, re-checked equivalent; the compiled formula and the features stay.
#[test]
fn compile_shows_a_shorter_formula_beside_the_compiled_one() {
    use ltlattn::automata::{compare, formula_dfa, Alphabet, Budget, Question};
    use ltlattn::logic::{parse, Acceptance, Arena};
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/models/ab-star.toml");
    let out = ltlattn(&["compile", p, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let compiled = v["accept"].as_str().unwrap();
    let short = v["short_formula"]["formula"]
        .as_str()
        .expect("a short formula");
    assert!(short.len() < compiled.len(), "{short} vs {compiled}");
    assert!(v["features"].as_object().unwrap().len() >= 3, "{v}");
    let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
    let budget = Budget::default();
    let mut f = Arena::new();
    let (x, y) = (
        parse(&mut f, compiled).unwrap(),
        parse(&mut f, short).unwrap(),
    );
    let dx = formula_dfa(&f, x, &sigma, Acceptance::Eos, &budget).unwrap();
    let dy = formula_dfa(&f, y, &sigma, Acceptance::Eos, &budget).unwrap();
    let answer = compare(&dx, &dy, Question::Equivalent, &budget).unwrap();
    assert_eq!(answer.counterexample, None, "{short}");
    let text = stdout(&ltlattn(&["compile", p]));
    assert!(text.contains(&format!("shorter: {short} (")), "{text}");
    // A formula already short has no second one.
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/models/contains-a.toml"
    );
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&ltlattn(&["compile", p, "--json"]))).unwrap();
    assert!(v["short_formula"].is_null(), "{v}");
}
