//! `ltlattn serve`: the JSON API against a server on a loopback port. The answers must be
//! the command line's `--json` reports (compared key by key with the binary's output),
//! counterexamples must hold up under the evaluator, and every limit must end in a clear
//! JSON error, never a hang or a crash.
#![cfg(feature = "serve")]

use crate::helpers::run::command;
use crate::helpers::server::Server;
use base64::Engine as _;
use serde_json::{json, Value};

/// The command line's `--json` answer and its exit code.
fn cli(args: &[&str]) -> (Value, Option<i32>) {
    let out = command(args)
        .arg("--json")
        .output()
        .expect("the binary runs");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (v, out.status.code())
}

/// A report without the keys that differ by nature between two runs or two front ends:
/// timings, and what only the server adds (`exit`, pictures, DOT, truth tables).
fn stable(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    ![
                        "seconds",
                        "exit",
                        "svg",
                        "dot",
                        "tables",
                        "trace",
                        "spec_table",
                    ]
                    .contains(&k.as_str())
                })
                .map(|(k, v)| (k.clone(), stable(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(stable).collect()),
        v => v.clone(),
    }
}

/// Bodies held at once share a memory budget (32 full-size bodies): connections that
/// announce a body and never send it hold their reservation, and the next request is
/// told the server is busy — at once, not after a wait. `/api/status` reports the free
/// part of the budget.
#[test]
fn request_bodies_share_a_memory_budget() {
    use std::io::Write;
    let s = Server::start(&["--max-body-bytes", "4096"]);
    let addr = s.url.trim_start_matches("http://").to_string();
    let free = || {
        let (_, _, body) = s.get("/api/status");
        let v: Value = serde_json::from_str(&body).unwrap();
        v["body_budget_free_kib"]
            .as_u64()
            .expect("body_budget_free_kib")
    };
    assert_eq!(free(), 32 * 4);
    // One stalled connection at a time, each waited for until the server holds its
    // reservation (4 KiB), so no probe of ours takes part of the budget meanwhile.
    let mut open = Vec::new();
    for i in 1..=32u64 {
        let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            tcp,
            "POST /api/fmt HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 4096\r\n\r\n{{"
        )
        .unwrap();
        open.push(tcp);
        let start = std::time::Instant::now();
        while free() != 128 - 4 * i {
            assert!(
                start.elapsed().as_secs() < 20,
                "connection {i} never held: {} KiB free",
                free()
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    let (status, busy) = s.post("fmt", &json!({"formula": "a"}));
    assert_eq!(status, 503, "{busy}");
    assert!(
        busy["error"]["message"]
            .as_str()
            .unwrap()
            .contains("memory budget"),
        "{busy}"
    );
    drop(open);
    // Closed connections give their reservations back.
    let start = std::time::Instant::now();
    while free() != 128 {
        assert!(
            start.elapsed().as_secs() < 20,
            "reservations never released: {} KiB free",
            free()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (status, r) = s.post("fmt", &json!({"formula": "a"}));
    assert_eq!(status, 200, "{r}");
}

/// Issue 29, item 9: a stalled upload (Content-Length larger than the body sent) is
/// answered 408 after `--read-timeout`, and its share of the body budget comes back
/// while the client still holds the connection open.
#[test]
fn a_stalled_upload_times_out() {
    use std::io::{Read, Write};
    let s = Server::start(&["--max-body-bytes", "4096", "--read-timeout", "1"]);
    let addr = s.url.trim_start_matches("http://").to_string();
    let free = || {
        let (_, _, body) = s.get("/api/status");
        let v: Value = serde_json::from_str(&body).unwrap();
        v["body_budget_free_kib"]
            .as_u64()
            .expect("body_budget_free_kib")
    };
    let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let start = std::time::Instant::now();
    write!(
        tcp,
        "POST /api/fmt HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 4096\r\n\r\n{{\"formula\""
    )
    .unwrap();
    tcp.flush().unwrap();
    // The answer comes without another byte sent: 408, as JSON.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\"exit\"") {
        let n = tcp
            .read(&mut buf)
            .expect("an answer before the client's own timeout");
        assert!(
            n > 0,
            "closed without an answer: {:?}",
            String::from_utf8_lossy(&answer)
        );
        answer.extend_from_slice(&buf[..n]);
    }
    let waited = start.elapsed();
    let text = String::from_utf8_lossy(&answer).into_owned();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("did not arrive within 1 s"), "{text}");
    assert!(
        waited >= std::time::Duration::from_millis(900) && waited.as_secs() < 15,
        "answered after {waited:?}"
    );
    // The reservation is back though our end of the connection is still open.
    let start = std::time::Instant::now();
    while free() != 32 * 4 {
        assert!(
            start.elapsed().as_secs() < 10,
            "budget not released: {} KiB",
            free()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (_, _, status) = s.get("/api/status");
    assert!(status.contains("\"read_timeout_seconds\":1.0"), "{status}");
    drop(tcp);
}

fn weights(path: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).expect("weights"))
}

fn text(path: &str) -> String {
    std::fs::read_to_string(path).expect("example")
}

#[test]
fn answers_are_the_command_lines_reports() {
    let s = Server::start(&[]);
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "explain",
            json!({"formula": "P (a & Y b)", "word": "b a c", "alphabet": "a,b,c"}),
            vec![
                "explain",
                "P (a & Y b)",
                "--word",
                "b a c",
                "--alphabet",
                "a,b,c",
            ],
        ),
        (
            "explain",
            json!({"formula": "Y a", "word": "a b", "alphabet": "a,b", "accept": "last"}),
            vec![
                "explain",
                "Y a",
                "--word",
                "a b",
                "--alphabet",
                "a,b",
                "--accept",
                "last",
            ],
        ),
        (
            "eval",
            json!({"formula": "p S q", "word": "{q} {p} {p,q}", "props": true}),
            vec!["eval", "p S q", "--word", "{q} {p} {p,q}", "--props"],
        ),
        (
            "dfa",
            json!({"formula": "P (a & Y b)", "alphabet": ["a", "b", "c"]}),
            vec!["dfa", "P (a & Y b)", "--alphabet", "a,b,c"],
        ),
        (
            "equiv",
            json!({"first": "P (a & Y b)", "second": "P (a & P b)", "alphabet": "a,b,c"}),
            vec!["equiv", "P (a & Y b)", "P (a & P b)", "--alphabet", "a,b,c"],
        ),
        (
            "equiv",
            json!({"first": "O p0 & O p1 & O p2", "second": "!(H !p2 | H !p1 | H !p0)", "props": true, "engine": "bdd"}),
            vec![
                "equiv",
                "O p0 & O p1 & O p2",
                "!(H !p2 | H !p1 | H !p0)",
                "--props",
                "--engine",
                "bdd",
            ],
        ),
        (
            "includes",
            json!({"first": "P (a & Y b)", "second": "P (a & P b)", "alphabet": "a,b,c"}),
            vec![
                "includes",
                "P (a & Y b)",
                "P (a & P b)",
                "--alphabet",
                "a,b,c",
            ],
        ),
        (
            "classify",
            json!({"formula": "P (a & Y b)", "alphabet": "a,b,c", "window": 2}),
            vec![
                "classify",
                "P (a & Y b)",
                "--alphabet",
                "a,b,c",
                "--window",
                "2",
            ],
        ),
        (
            "classify",
            json!({"dfa": text("examples/dfa/parity.dfa")}),
            vec!["classify", "--dfa", "examples/dfa/parity.dfa"],
        ),
        (
            "separate",
            json!({"model": text("examples/models/contains-ba.toml"), "from": "global"}),
            vec![
                "separate",
                "--model",
                "examples/models/contains-ba.toml",
                "--from",
                "global",
            ],
        ),
        (
            "compile",
            json!({"model": text("examples/models/contains-ba.toml")}),
            vec!["compile", "examples/models/contains-ba.toml"],
        ),
        (
            "compile",
            json!({"model": text("examples/numeric/contains-a.toml"), "weights": weights("examples/numeric/contains-a.safetensors")}),
            vec!["compile", "examples/numeric/contains-a.toml"],
        ),
        (
            "run",
            json!({"model": text("examples/models/ends-with-ab.toml"), "word": "b a b"}),
            vec![
                "run",
                "examples/models/ends-with-ab.toml",
                "--word",
                "b a b",
                "--trace",
            ],
        ),
        (
            "run",
            json!({"model": text("examples/numeric/naive-contains-a.toml"), "weights": weights("examples/numeric/naive-contains-a.safetensors"), "word": "a a a a a a a a"}),
            vec![
                "run",
                "examples/numeric/naive-contains-a.toml",
                "--word",
                "a a a a a a a a",
                "--trace",
            ],
        ),
        (
            "check",
            json!({"model": text("examples/numeric/naive-contains-a.toml"), "weights": weights("examples/numeric/naive-contains-a.safetensors"), "spec": "P a"}),
            vec![
                "check",
                "examples/numeric/naive-contains-a.toml",
                "--spec",
                "P a",
            ],
        ),
        (
            "check",
            json!({"model": text("examples/models/contains-ba.toml"), "spec": "P (a & Y b)"}),
            vec![
                "check",
                "examples/models/contains-ba.toml",
                "--spec",
                "P (a & Y b)",
            ],
        ),
        (
            "check",
            json!({"model": text("examples/models/contains-ba.toml"), "spec": "P (a & P b)"}),
            vec![
                "check",
                "examples/models/contains-ba.toml",
                "--spec",
                "P (a & P b)",
            ],
        ),
        (
            "attention",
            json!({"pattern": "combiner-fixed", "block": 4, "length": 16}),
            vec![
                "attention",
                "--pattern",
                "combiner-fixed",
                "--block",
                "4",
                "--length",
                "16",
            ],
        ),
    ];
    for (command, body, args) in cases {
        let (status, answer) = s.post(command, &body);
        assert_eq!(status, 200, "{command} {body}: {answer}");
        let (mut expected, code) = cli(&args);
        // A file operand is named by its path on the command line; the server has none.
        if let Some(path) = args.iter().find(|a| a.starts_with("examples/")) {
            let (mine, theirs) = (answer["language"].as_str(), expected["language"].as_str());
            if let (Some(mine), Some(theirs)) = (mine, theirs) {
                assert_eq!(
                    mine.replace(" given", &format!(" in {path}"))
                        .replace("the model in ", "the model "),
                    theirs
                );
                expected["language"] = answer["language"].clone();
            }
        }
        assert_eq!(stable(&answer), stable(&expected), "{command} {body}");
        // `exit` is the command line's exit code for the same answer.
        assert_eq!(
            answer["exit"].as_i64(),
            code.map(i64::from),
            "{command} {body}"
        );
    }
}

#[test]
fn a_counterexample_holds_up_under_the_evaluator_and_both_tables_show_it() {
    let s = Server::start(&[]);
    let pairs = [
        ("P (a & Y b)", "P (a & P b)"),
        ("H (a -> Y b)", "H (a -> P b)"),
        ("a S b", "b | (a & Y (a S b))"),
        ("Y<=2 a", "Y a | Y Y a"),
    ];
    for (f, g) in pairs {
        let (status, r) = s.post(
            "equiv",
            &json!({"first": f, "second": g, "alphabet": "a,b,c"}),
        );
        assert_eq!(status, 200, "{r}");
        let Some(word) = r["counterexample"].as_array() else {
            assert_eq!(r["holds"], json!(true), "{f} vs {g}: {r}");
            continue;
        };
        let word: Vec<&str> = word.iter().map(|t| t.as_str().unwrap()).collect();
        for (side, formula) in [("first", f), ("second", g)] {
            let (_, e) = s.post(
                "eval",
                &json!({"formula": formula, "word": word.join(" "), "alphabet": "a,b,c"}),
            );
            assert_eq!(e["accepted"], r[side]["accepts"], "{side} of {f} vs {g}");
            // The table's last row at the end marker is the verdict.
            let t = &r["tables"][side];
            let root = t["rows"].as_array().unwrap().last().unwrap();
            assert_eq!(
                root["values"].as_array().unwrap().last().unwrap(),
                &e["accepted"]
            );
            assert_eq!(t["positions"].as_array().unwrap().len(), word.len() + 1);
        }
        assert_ne!(r["first"]["accepts"], r["second"]["accepts"]);
    }
}

#[test]
fn check_shows_the_models_run_on_the_counterexample() {
    let s = Server::start(&[]);
    let model = text("examples/numeric/naive-contains-a.toml");
    let w = weights("examples/numeric/naive-contains-a.safetensors");
    let (status, r) = s.post(
        "check",
        &json!({"model": model, "weights": w, "spec": "P a"}),
    );
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["holds"], false);
    let word: Vec<&str> = r["counterexample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        word,
        vec!["a"; 8],
        "the story of docs/book/guide/numeric-models.md: a⁸ in fixed 5.2"
    );
    // The trace is the exact executor's run on that word: the same as `run`.
    let (_, run) = s.post(
        "run",
        &json!({"model": model, "weights": w, "word": word.join(" ")}),
    );
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut()
            .unwrap()
            .retain(|k, _| !["command", "exit"].contains(&k.as_str()));
        v
    };
    assert_eq!(strip(&r["trace"]), strip(&run));
    assert_eq!(r["trace"]["accepted"], r["model_accepts"]);
    let table = &r["spec_table"];
    assert_eq!(table["accepted"], r["spec_accepts"]);
}

#[test]
fn parse_errors_point_at_the_span_of_the_key() {
    let s = Server::start(&[]);
    let (status, r) = s.post("fmt", &json!({"formula": "P (a & Y b"}));
    assert_eq!(status, 422);
    assert_eq!(r["exit"], 2);
    assert_eq!(r["error"]["input"], "formula");
    assert_eq!(r["error"]["labels"][0]["start"], 2);
    assert_eq!(r["error"]["labels"][0]["end"], 3);
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("never closed"));
    assert!(r["error"]["rendered"]
        .as_str()
        .unwrap()
        .contains("P (a & Y b"));
    // The second formula of a comparison is named as such.
    let (_, r) = s.post("equiv", &json!({"first": "P a", "second": "a &"}));
    assert_eq!(r["error"]["input"], "second");
    // A token outside the alphabet points into the word.
    let (status, r) = s.post("explain", &json!({"formula": "P a", "word": "a z"}));
    assert_eq!(status, 422);
    assert_eq!(r["error"]["input"], "--word");
    assert_eq!(r["error"]["labels"][0]["start"], 2);
    // A model error points into the model text.
    let (status, r) = s.post(
        "compile",
        &json!({"model": "alphabet = [\"a\"]\nbogus = 1\n"}),
    );
    assert_eq!(status, 422, "{r}");
    assert!(
        r["error"]["labels"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "{r}"
    );
}

#[test]
fn fmt_gives_the_three_syntaxes() {
    let s = Server::start(&[]);
    let (_, r) = s.post("fmt", &json!({"formula": "H (a -> Y<=2 b)"}));
    assert_eq!(r["renderings"]["ascii"], "H (a -> Y<=2 b)");
    assert_eq!(r["renderings"]["unicode"], "H (a → Y≤2 b)");
    assert!(r["renderings"]["latex"]
        .as_str()
        .unwrap()
        .contains("\\mathsf{H}"));
    assert_eq!(r["formulas"][0]["formula"], "H (a -> Y<=2 b)");
    assert_eq!(r["atoms"], json!(["a", "b"]));
}

#[test]
fn limits_end_in_clear_errors() {
    let s = Server::start(&[
        "--max-states",
        "5000",
        "--timeout",
        "5",
        "--max-body-bytes",
        "100000",
        "--max-word-length",
        "50",
        "--max-nesting",
        "1000",
    ]);
    // The state budget, named.
    let (status, r) = s.post(
        "dfa",
        &json!({"formula": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y a", "alphabet": "a,b"}),
    );
    assert_eq!(status, 422, "{r}");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("5000"),
        "{r}"
    );
    // A request may lower the budget but not raise it.
    let (status, r) = s.post("dfa", &json!({"formula": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y a", "alphabet": "a,b", "max_states": 10_000_000}));
    assert_eq!(status, 422, "{}", r["error"]);
    let (status, r) = s.post("dfa", &json!({"formula": "Y Y Y Y a", "max_states": 3}));
    assert_eq!(status, 422, "{r}");
    // Words, bodies, keys and JSON.
    let long = vec!["a"; 51].join(" ");
    let (status, r) = s.post("explain", &json!({"formula": "P a", "word": long}));
    assert_eq!(status, 422);
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("limit is 50"));
    // A body over the cap: refused from its Content-Length, before it is sent (a client
    // that waits for `100 Continue` sees the 413 without writing the body).
    {
        use std::io::{Read, Write};
        let addr = s.url.trim_start_matches("http://");
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        write!(tcp, "POST /api/fmt HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
    let (status, r) = s.post("fmt", &json!({"formula": "a", "fromula": "b"}));
    assert_eq!(status, 422);
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown key `fromula`"));
    let (status, r) = s.post_raw("fmt", "{not json");
    assert_eq!(status, 400);
    assert_eq!(r["exit"], 2);
    let (status, _) = s.post_raw("fmt", "[1, 2]");
    assert_eq!(status, 400);
    let (status, r) = s.post("frobnicate", &json!({}));
    assert_eq!(status, 404);
    assert!(r["error"]["help"].as_str().unwrap().contains("GET /api"));
    // Deep nesting and size: the parser's limits.
    let deep = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
    let (status, r) = s.post("fmt", &json!({"formula": deep}));
    assert_eq!(status, 422);
    assert!(
        r["error"]["message"].as_str().unwrap().contains("nest"),
        "{r}"
    );
    // The server still answers.
    let (status, _) = s.post("fmt", &json!({"formula": "a"}));
    assert_eq!(status, 200);
}

/// `bound` as a number is checked like "2^k": 1 to 2^62.
#[test]
fn an_attention_bound_out_of_range_is_refused() {
    let s = Server::start(&[]);
    for bound in [json!(0), json!(u64::MAX), json!("2^63"), json!("0")] {
        let (status, r) = s.post("attention", &json!({"pattern": "global", "bound": bound}));
        assert_eq!(status, 422, "{bound}: {r}");
        let msg = r["error"]["message"].as_str().unwrap();
        assert!(msg.contains("`bound`"), "{bound}: {msg}");
    }
    let (status, r) = s.post("attention", &json!({"pattern": "global", "bound": 1024}));
    assert_eq!(status, 200, "{r}");
}

#[test]
fn requests_never_reach_the_file_system() {
    let s = Server::start(&[]);
    // `@FILE` is the command line's way to read a formula from a file; here it is text.
    let (status, r) = s.post("fmt", &json!({"formula": "@/etc/passwd"}));
    assert_eq!(status, 422, "{r}");
    // A numeric model names its weights file; the server never opens it.
    let toml =
        text("examples/numeric/contains-a.toml").replace("contains-a.safetensors", "/etc/passwd");
    let (status, r) = s.post("compile", &json!({"model": toml}));
    assert_eq!(status, 422);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("needs its weights"),
        "{r}"
    );
    // Weights that are not safetensors are refused by the loader.
    let (status, r) = s.post("compile", &json!({"model": toml, "weights": "aGVsbG8="}));
    assert_eq!(status, 422, "{r}");
    let (status, _) = s.post("compile", &json!({"model": toml, "weights": "***"}));
    assert_eq!(status, 422);
}

#[test]
fn pages_examples_and_the_index() {
    let s = Server::start(&[]);
    let (status, kind, body) = s.get("/");
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"));
    assert!(body.contains("<title>ltlattn"));
    let (_, kind, js) = s.get("/app.js");
    assert_eq!(kind, "text/javascript");
    assert!(js.contains("/api/"));
    let (status, _, _) = s.get("/nowhere");
    assert_eq!(status, 404);
    let (_, _, index) = s.get("/api");
    let index: Value = serde_json::from_str(&index).unwrap();
    let names: Vec<&str> = index["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    for c in [
        "fmt",
        "explain",
        "dfa",
        "equiv",
        "includes",
        "classify",
        "separate",
        "compile",
        "run",
        "attention",
    ] {
        assert!(names.contains(&c), "{c} missing from GET /api");
    }
    // Every file of examples/ that the page can load, with weights for numeric models,
    // and each one answers on its own tab.
    let (_, _, ex) = s.get("/api/examples");
    let ex: Value = serde_json::from_str(&ex).unwrap();
    let list = ex["examples"].as_array().unwrap();
    let on_disk = walk("examples")
        .into_iter()
        .filter(|p| !p.starts_with("examples/trained"))
        .filter(|p| [".ltl", ".toml", ".dfa"].iter().any(|e| p.ends_with(e)))
        .count();
    assert_eq!(list.len(), on_disk);
    for e in list {
        let (command, body) = match e["kind"].as_str().unwrap() {
            "formula" => ("dfa", json!({"formula": e["formula"]})),
            "dfa" => ("classify", json!({"dfa": e["text"]})),
            "numeric" => {
                assert!(e["weights"].is_string(), "{}", e["path"]);
                (
                    "compile",
                    json!({"model": e["text"], "weights": e["weights"]}),
                )
            }
            _ => ("compile", json!({"model": e["text"]})),
        };
        let (status, r) = s.post(command, &body);
        // Combiner-Logsparse is not regular: compile refuses it, with a reason.
        if e["path"].as_str().unwrap().contains("nonregular") {
            assert_eq!(status, 422, "{r}");
        } else {
            assert_eq!(status, 200, "{}: {r}", e["path"]);
        }
    }
}

fn walk(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(p.to_str().unwrap()));
        } else {
            out.push(p.to_string_lossy().to_string());
        }
    }
    out
}

#[test]
fn pictures_are_svg_and_large_automata_are_not_drawn() {
    let s = Server::start(&[]);
    let (_, r) = s.post("dfa", &json!({"formula": "P (a & Y b)"}));
    let svg = r["svg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    // One ellipse per state, two for the accepting one.
    assert_eq!(svg.matches("<ellipse").count(), 3 + 1);
    let (_, r) = s.post(
        "dfa",
        &json!({"formula": "Y Y Y Y Y Y a", "alphabet": "a,b"}),
    );
    assert!(r["states"].as_u64().unwrap() > 60);
    assert!(r["svg"].is_null());
}

/// Hundreds of requests in flight, cheap and budget-hitting mixed, on two workers per
/// pool: every request gets a JSON answer (a report, a clear error, or "busy"), the
/// cheap pool is not starved by the heavy one, and memory stays bounded.
#[test]
fn bounded_load_every_request_answered() {
    let s = Server::start(&[
        "--max-concurrent",
        "2",
        "--max-queued",
        "64",
        "--timeout",
        "2",
        "--max-states",
        "20000",
    ]);
    let url = s.url.clone();
    let handles: Vec<_> = (0..300)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let (command, body) = match i % 3 {
                    0 => ("fmt", json!({"formula": "H (a -> Y b)"})),
                    1 => ("explain", json!({"formula": "a S b", "word": "b a a"})),
                    // Hits the state budget.
                    _ => (
                        "dfa",
                        json!({"formula": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y a", "alphabet": "a,b"}),
                    ),
                };
                let r = ureq::AgentBuilder::new()
                    .timeout(std::time::Duration::from_secs(60))
                    .build()
                    .post(&format!("{url}/api/{command}"))
                    .send_string(&body.to_string());
                let (status, text) = match r {
                    Ok(r) | Err(ureq::Error::Status(_, r)) => {
                        (r.status(), r.into_string().unwrap())
                    }
                    Err(e) => panic!("request {i} got no answer: {e}"),
                };
                let v: Value = serde_json::from_str(&text).expect("JSON");
                (i % 3, status, v)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for (kind, status, v) in &results {
        assert!([200, 422, 503].contains(status), "{status}: {v}");
        assert!(v["exit"].is_i64(), "{v}");
        if *status != 200 {
            assert!(v["error"]["message"].is_string(), "{v}");
        }
        if *kind == 2 && *status == 422 {
            assert!(
                v["error"]["message"].as_str().unwrap().contains("20000"),
                "{v}"
            );
        }
    }
    // A cheap request is refused only when its own queue is full (at once), never for
    // want of a worker: the heavy pool's work does not hold the light pool's workers.
    for (kind, status, v) in &results {
        if *kind < 2 && *status == 503 {
            let m = v["error"]["message"].as_str().unwrap();
            assert!(m.contains("queue is full"), "{v}");
        }
    }
    // With the heavy pool flooded and the light queue otherwise empty, every cheap
    // request in turn is answered (each of these DFAs, 16,384 states, takes about half a
    // second: a cheap request queued behind them would miss the 2 s limit).
    let heavy = (0..14)
        .map(|i| format!("O p{i}"))
        .collect::<Vec<_>>()
        .join(" & ");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood: Vec<_> = (0..8)
        .map(|_| {
            let (url, stop, heavy) = (url.clone(), stop.clone(), heavy.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = ureq::post(&format!("{url}/api/dfa"))
                        .send_string(&json!({"formula": heavy, "props": true}).to_string());
                }
            })
        })
        .collect();
    for _ in 0..20 {
        let (status, v) = s.post("fmt", &json!({"formula": "H (a -> Y b)"}));
        assert_eq!(status, 200, "{v}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in flood {
        h.join().unwrap();
    }
    let (status, _, body) = s.get("/api/status");
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v["answered"].as_u64().unwrap() >= 300 - 2 * 64);
    // Memory: the resident set after the load.
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.pid())).unwrap_or_default();
    if let Some(kb) = status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
        let kb: u64 = kb.trim().trim_end_matches(" kB").trim().parse().unwrap();
        assert!(kb < 1 << 20, "peak resident set {kb} kB");
    }
}

/// `--output` has nothing to write for a server: it is refused (exit 2) with a help,
/// not silently ignored.
#[test]
fn serve_refuses_output() {
    let out = command(&["--output", "/nonexistent-dir/x", "serve", "--port", "0"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--output does not apply to `serve`"), "{err}");
}

/// DOT travels with the picture only: past the drawing limit (60 states) `dot` is
/// `null`, as `svg` is, instead of megabytes no page can draw.
#[test]
fn no_dot_past_the_drawing_limit() {
    let s = Server::start(&[]);
    let (status, r) = s.post("dfa", &json!({"formula": "P (a & Y b)"}));
    assert_eq!(status, 200);
    assert!(r["dot"].as_str().unwrap().starts_with("digraph"), "{r}");
    let (status, r) = s.post(
        "dfa",
        &json!({"formula": "Y Y Y Y Y Y a", "alphabet": "a,b"}),
    );
    assert_eq!(status, 200);
    assert!(r["states"].as_u64().unwrap() > 60);
    assert!(r.get("dot").is_some() && r["dot"].is_null(), "{}", r["dot"]);
    assert!(r.get("svg").is_some() && r["svg"].is_null());
}

/// Two z3 comparisons that run to the time limit: the equivalence of `P>=200 a` and
/// `P>=200 (a & true)`, which k-induction needs 200 steps for.
const LONG_PROOF: &str = r#"{"first": "P>=200 a", "second": "P>=200 (a & true)", "engine": "z3"}"#;

/// A small `dfa` (the Formula tab asks one on every edit) never queues behind long
/// proofs: with every worker of the heavy pool on a z3 comparison that runs to the
/// time limit, it answers within 200 ms.
#[test]
#[cfg(feature = "z3")]
fn a_small_dfa_does_not_wait_for_long_proofs() {
    let s = Server::start(&["--max-concurrent", "1", "--timeout", "6"]);
    let url = s.url.clone();
    let proofs: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let _ = ureq::post(&format!("{url}/api/equiv")).send_string(LONG_PROOF);
            })
        })
        .collect();
    // Wait until the heavy pool is full and proofs are queued.
    let start = std::time::Instant::now();
    loop {
        let (_, _, body) = s.get("/api/status");
        let v: Value = serde_json::from_str(&body).unwrap();
        if v["heavy"]["free_workers"] == 0 && v["heavy"]["waiting"].as_u64() >= Some(1) {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the proofs never filled the pool: {v}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The fastest of three (a loaded machine may stall one request); each well under
    // the seconds a queued request would wait.
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let (status, r) = s.post("dfa", &json!({"formula": "P (a & Y b)"}));
        times.push(t.elapsed());
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["states"], 3);
    }
    let (_, _, body) = s.get("/api/status");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["heavy"]["free_workers"], 0, "the proofs still ran: {v}");
    let fastest = times.iter().min().unwrap();
    assert!(
        fastest.as_millis() < 200,
        "a small dfa took {times:?} while the heavy pool was busy"
    );
    assert!(times.iter().all(|t| t.as_secs() < 2), "{times:?}");
    drop(s);
    for p in proofs {
        let _ = p.join();
    }
}

/// A comparison that reaches the time limit is an undecided answer — `holds: null`,
/// exit 2 (as the command line's), the limit named, how to go further in `help` — which
/// the page draws as "undecided within the limits", not as an input error.
#[test]
#[cfg(feature = "z3")]
fn a_timeout_is_an_undecided_answer() {
    let s = Server::start(&[]);
    let mut body: Value = serde_json::from_str(LONG_PROOF).unwrap();
    body["timeout"] = json!(1);
    let (status, r) = s.post("equiv", &body);
    assert_eq!(status, 422, "{r}");
    assert!(r.get("holds").is_some() && r["holds"].is_null(), "{r}");
    assert_eq!(r["exit"], 2);
    let message = r["error"]["message"].as_str().unwrap();
    assert!(message.contains("time limit"), "{message}");
    assert!(r["error"]["labels"].as_array().unwrap().is_empty());
    // An input error has no `holds`: the page tells the two apart by it.
    let (status, r) = s.post("equiv", &json!({"first": "P (a", "second": "a"}));
    assert_eq!(status, 422);
    assert!(r.get("holds").is_none(), "{r}");
}

/// The page's files are gzip-compressed for browsers that accept it, and cacheable: a
/// browser that holds the file (its ETag) gets 304. A command asked with GET is a JSON
/// 405; the favicon exists.
#[test]
fn assets_compressed_cacheable_and_methods_answered_in_json() {
    use std::io::{Read, Write};
    let s = Server::start(&[]);
    let addr = s.url.trim_start_matches("http://").to_string();
    let raw = |request: String| {
        let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
        tcp.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        tcp.read_to_end(&mut answer).unwrap();
        answer
    };
    let answer = raw(format!("GET /app.js HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n"));
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&answer[..split]).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let body = &answer[split + 4..];
    assert_eq!(&body[..2], &[0x1f, 0x8b], "a gzip stream");
    let js = std::fs::read("web/app.js").unwrap();
    assert!(body.len() * 2 < js.len(), "{} of {}", body.len(), js.len());
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("an ETag")
        .trim()
        .to_string();
    let answer = raw(format!("GET /app.js HTTP/1.1\r\nHost: {addr}\r\nIf-None-Match: {etag}\r\nConnection: close\r\n\r\n"));
    assert!(
        answer.starts_with(b"HTTP/1.1 304"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Without Accept-Encoding, the file as it is.
    let (_, _, plain) = s.get("/app.js");
    assert_eq!(plain.as_bytes(), &js[..]);
    let (status, kind, icon) = s.get("/favicon.ico");
    assert_eq!(status, 200);
    assert_eq!(kind, "image/svg+xml");
    assert!(icon.starts_with("<svg"));
    let (status, kind, body) = s.get("/api/dfa");
    assert_eq!(status, 405);
    assert_eq!(kind, "application/json");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["exit"], 2);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("POST"),
        "{v}"
    );
}

/// `explain` with `latex: true` adds the table as `explain --latex` prints it, byte for
/// byte (the page's LaTeX export).
#[test]
fn explain_gives_the_latex_of_the_command_line() {
    let s = Server::start(&[]);
    let (status, r) = s.post(
        "explain",
        &json!({"formula": "P (a & Y b)", "word": "b a_1 c", "alphabet": "a_1,b,c", "latex": true}),
    );
    assert_eq!(status, 200, "{r}");
    let out = command(&[
        "explain",
        "P (a & Y b)",
        "--word",
        "b a_1 c",
        "--alphabet",
        "a_1,b,c",
        "--latex",
    ])
    .output()
    .expect("the binary runs");
    assert_eq!(
        r["latex"].as_str().unwrap(),
        String::from_utf8_lossy(&out.stdout)
    );
    // Not asked, not sent.
    let (_, r) = s.post("explain", &json!({"formula": "P a", "word": "a"}));
    assert!(r.get("latex").is_none());
}

/// `equiv`/`includes` with a model or a DFA on a side (`first_kind`, `second_kind`):
/// the command line's `equiv FILE …` report, with `source` saying what the side was
/// read as (the command line's file path), and the truth table of each formula side;
/// every counterexample holds up under each side's own judge.
#[test]
fn compare_takes_models_and_dfas_as_the_command_line() {
    let s = Server::start(&[]);
    let ab_star = text("examples/formulas/ab-star.ltl")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<String>();
    let cases: Vec<(&str, Value, Vec<String>)> = vec![
        (
            "equiv",
            json!({"first": text("examples/models/contains-a.toml"), "first_kind": "model", "second": "P b"}),
            vec![
                "equiv".into(),
                "examples/models/contains-a.toml".into(),
                "P b".into(),
            ],
        ),
        (
            "equiv",
            json!({"first": text("examples/numeric/naive-contains-a.toml"), "first_kind": "model",
                   "first_weights": weights("examples/numeric/naive-contains-a.safetensors"), "second": "P a"}),
            vec![
                "equiv".into(),
                "examples/numeric/naive-contains-a.toml".into(),
                "P a".into(),
            ],
        ),
        (
            "equiv",
            json!({"first": text("examples/dfa/ab-star.dfa"), "first_kind": "dfa", "second": ab_star.clone()}),
            vec![
                "equiv".into(),
                "examples/dfa/ab-star.dfa".into(),
                ab_star.clone(),
            ],
        ),
        (
            "equiv",
            json!({"first": text("examples/dfa/ab-star.dfa"), "first_kind": "dfa",
                   "second": text("examples/models/ab-star.toml"), "second_kind": "model", "engine": "explicit"}),
            vec![
                "equiv".into(),
                "examples/dfa/ab-star.dfa".into(),
                "examples/models/ab-star.toml".into(),
                "--engine".into(),
                "explicit".into(),
            ],
        ),
        (
            "includes",
            json!({"first": "P (a & Y b)", "second": text("examples/models/contains-a.toml"), "second_kind": "model",
                   "accept": "last", "alphabet": "a,b,c"}),
            vec![
                "includes".into(),
                "P (a & Y b)".into(),
                "examples/models/contains-a.toml".into(),
                "--accept".into(),
                "last".into(),
                "--alphabet".into(),
                "a,b,c".into(),
            ],
        ),
        (
            "equiv",
            json!({"first": "P a & !P b", "second": text("examples/dfa/parity.dfa"), "second_kind": "dfa", "accept": "last"}),
            vec![
                "equiv".into(),
                "P a & !P b".into(),
                "examples/dfa/parity.dfa".into(),
                "--accept".into(),
                "last".into(),
            ],
        ),
    ];
    for (command, body, args) in cases {
        let (status, r) = s.post(command, &body);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (want, code) = cli(&args);
        assert_eq!(status, 200, "{args:?}: {r}");
        assert_eq!(r["exit"], json!(code.unwrap()), "{args:?}");
        // `source` is the file's path on the command line, what the text was read as here.
        let without_source = |v: &Value| {
            let mut v = stable(v);
            for side in ["first", "second"] {
                if let Some(m) = v[side].as_object_mut() {
                    m.remove("source");
                }
            }
            v
        };
        assert_eq!(without_source(&r), without_source(&want), "{args:?}");
        for (side, kind) in [("first", "first_kind"), ("second", "second_kind")] {
            let expected = match (body[kind].as_str(), &body[side]) {
                (Some("model"), _) if body[format!("{side}_weights")].is_string() => {
                    json!("numeric model")
                }
                (Some("model"), _) => json!("model"),
                (Some("dfa"), _) => json!("dfa"),
                _ => Value::Null,
            };
            assert_eq!(r[side]["source"], expected, "{args:?}: {r}");
        }
        let Some(word) = r["counterexample"].as_array() else {
            assert!(r.get("tables").is_none(), "{r}");
            continue;
        };
        let word: Vec<&str> = word.iter().map(|t| t.as_str().unwrap()).collect();
        assert_ne!(r["first"]["accepts"], r["second"]["accepts"], "{r}");
        // A formula side has its truth table on the counterexample, ending in its
        // verdict; a model or DFA side has none (its verdict is `accepts`).
        for side in ["first", "second"] {
            let t = &r["tables"][side];
            if body[format!("{side}_kind")].is_string() {
                assert!(t.is_null(), "{side}: {r}");
                continue;
            }
            assert_eq!(t["accepted"], r[side]["accepts"], "{side}: {r}");
            // (A formula's value on a word does not depend on the alphabet around it.)
            let (_, e) = s.post(
                "eval",
                &json!({"formula": body[side], "word": word.join(" "), "accept": body["accept"], "alphabet": "a,b,c"}),
            );
            assert_eq!(e["accepted"], r[side]["accepts"], "{side}: {e}");
        }
    }
}

/// Bad model, DFA and weights texts on a side of a comparison are 4xx JSON errors, with
/// the span in the key's text where there is one: never a 500, never a hang.
#[test]
fn bad_model_and_dfa_operands_are_clear_errors() {
    let s = Server::start(&[]);
    let numeric = text("examples/numeric/contains-a.toml");
    let w = weights("examples/numeric/contains-a.safetensors");
    // (body, the key the error points into, a part of its message)
    let cases: Vec<(Value, Option<&str>, &str)> = vec![
        (
            json!({"first": "P a", "second": "alphabet = [\"a\"]\nbogus = 1\n", "second_kind": "model"}),
            Some("second"),
            "",
        ),
        (
            json!({"first": "alphabet = [\"a\", \"b\"\n", "first_kind": "model", "second": "P a"}),
            Some("first"),
            "",
        ),
        (
            json!({"first": "alphabet: a b\nstates: 2\ninitial: 7\n", "first_kind": "dfa", "second": "P a"}),
            Some("first"),
            "",
        ),
        (
            json!({"first": "P a", "second": "", "second_kind": "dfa"}),
            None,
            "",
        ),
        (
            json!({"first": numeric, "first_kind": "model", "second": "P a"}),
            None,
            "needs its weights",
        ),
        (
            json!({"first": numeric, "first_kind": "model", "first_weights": "%%%", "second": "P a"}),
            None,
            "is not base64",
        ),
        (
            json!({"first": numeric, "first_kind": "model", "first_weights": "AAAA", "second": "P a"}),
            None,
            "",
        ),
        (
            json!({"first": "P a", "second": "P b", "first_kind": "table"}),
            None,
            "unknown `first_kind`",
        ),
        (
            json!({"first": "P a", "second": "P b", "second_kind": 3}),
            None,
            "must be a string",
        ),
        (
            json!({"first": "P a", "second": "P b", "first_weights": w}),
            None,
            "goes with a numeric model",
        ),
        (
            json!({"first": numeric, "first_kind": "dfa", "first_weights": w, "second": "P a"}),
            None,
            "goes with a numeric model",
        ),
        (
            json!({"first": text("examples/models/contains-a.toml"), "first_kind": "model", "second": "P a", "engine": "z3"}),
            None,
            "compared by the explicit engine",
        ),
        (
            json!({"first": text("examples/models/contains-a.toml"), "first_kind": "model", "second": "P a", "alphabet": "b,a"}),
            None,
            "",
        ),
        (
            json!({"first": text("examples/models/contains-a.toml"), "first_kind": "model", "second": "P z"}),
            None,
            "not a token of the model",
        ),
        (
            json!({"first": text("examples/dfa/parity.dfa"), "first_kind": "dfa", "second": "alphabet = [\"x\"]\n[[layer]]\n", "second_kind": "model"}),
            Some("second"),
            "",
        ),
        (
            json!({"first": text("examples/dfa/parity.dfa"), "first_kind": "dfa", "second": text("examples/models/contains-ba.toml"), "second_kind": "model", "alphabet": "a,b,c"}),
            None,
            "",
        ),
        (
            json!({"first": "P (a", "first_kind": "formula", "second": text("examples/dfa/parity.dfa"), "second_kind": "dfa"}),
            Some("first"),
            "never closed",
        ),
    ];
    for (body, input, message) in cases {
        let (status, r) = s.post("equiv", &body);
        assert!((400..500).contains(&status), "{status}: {body}: {r}");
        assert_eq!(r["exit"], 2, "{r}");
        assert!(
            r.get("holds").is_none(),
            "an input error is not undecided: {r}"
        );
        let m = r["error"]["message"].as_str().expect("a message");
        assert!(m.contains(message), "{m}");
        if let Some(key) = input {
            assert_eq!(r["error"]["input"], key, "{body}: {r}");
            let labels = r["error"]["labels"].as_array().expect("labels");
            assert!(!labels.is_empty(), "{body}: {r}");
            let len = body[key].as_str().unwrap().len() as u64;
            for l in labels {
                assert!(l["start"].as_u64().unwrap() <= len, "{r}");
            }
        }
    }
}

/// A check of a numeric model that a state limit stops after the search on the fly is an
/// undecided answer whose error says how far the search got and that no clock stopped
/// it, as the command line's report.
#[test]
fn a_numeric_budget_stop_says_how_far_and_whether_a_clock_stopped_it() {
    let s = Server::start(&[]);
    let dir = "examples/trained/ends-a/hybrid-1-e4m3-s2";
    let (status, r) = s.post(
        "check",
        &json!({"model": text(&format!("{dir}/model.toml")),
                "weights": weights(&format!("{dir}/model.safetensors")),
                "spec": "Y a", "max_states": 3000}),
    );
    assert_eq!(status, 422, "{r}");
    assert!(r.get("holds").is_some() && r["holds"].is_null(), "{r}");
    assert!(
        r["error"]["checked_up_to_length"].as_u64().unwrap() > 0,
        "{r}"
    );
    assert_eq!(r["error"]["timed_out"], false, "{r}");
}
