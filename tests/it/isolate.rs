//! The z3 engine runs in a child process (src/smt/isolate.rs): a fault injected into the
//! child (`LTLATTN_Z3_CHILD_FAULT`: Spacer's `exit(114)`, an abort, a segfault, running
//! out of memory, a garbled answer, a hang) ends in "could not decide" — exit 2,
//! `holds: null` in `--json` and in the server's JSON — while the command and the server
//! live on; `--timeout` kills a child that does not answer. Without the isolation these
//! faults would end the process itself (or, since only the child reads the variable,
//! give an answer where the test demands "undecided").
#![cfg(feature = "z3")]

use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::run::command;
use crate::helpers::server::Server;

const FAULT: &str = "LTLATTN_Z3_CHILD_FAULT";

fn ltlattn_with(fault: Option<&str>, args: &[&str]) -> Output {
    let mut c = command(args);
    match fault {
        Some(f) => c.env(FAULT, f),
        None => c.env_remove(FAULT),
    };
    c.output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A pair z3 proves at once (k-induction), and one it refutes.
const PROVED: [&str; 2] = ["P a", "Y P a | Y a"];
const REFUTED: [&str; 2] = ["P (a & Y b)", "P (a & Y a)"];

#[test]
fn every_fault_of_the_child_is_an_undecided_answer() {
    // Without a fault the child answers, with the verdict and its proof.
    let o = ltlattn_with(None, &["equiv", PROVED[0], PROVED[1], "--engine", "z3"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("z3 engine"));
    let o = ltlattn_with(None, &["equiv", REFUTED[0], REFUTED[1], "--engine", "z3"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("`a a` (length 2)"),
        "{}",
        text(&o.stdout)
    );

    for (fault, says) in [
        ("exit114", "exited with status 114"),
        ("abort", "SIGABRT"),
        ("segfault", "SIGSEGV"),
        ("oom", "SIGABRT"),
        ("garbage", "without an answer"),
    ] {
        for pair in [PROVED, REFUTED] {
            let o = ltlattn_with(Some(fault), &["equiv", pair[0], pair[1], "--engine", "z3"]);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{fault}: {err}");
            assert!(
                err.contains("could not decide") && err.contains(says),
                "{fault}: {err}"
            );
            assert!(text(&o.stdout).is_empty(), "{fault}: no verdict");
        }
        // --json: one report with `holds: null` and the reason.
        let o = ltlattn_with(
            Some(fault),
            &["includes", PROVED[1], PROVED[0], "--engine", "z3", "--json"],
        );
        assert_eq!(o.status.code(), Some(2), "{fault}: {}", text(&o.stderr));
        let report: Value = serde_json::from_str(&text(&o.stdout))
            .unwrap_or_else(|e| panic!("{fault}: not JSON ({e}): {}", text(&o.stdout)));
        assert_eq!(report["command"], "includes");
        assert!(report["holds"].is_null() && report.get("holds").is_some());
        assert!(report["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("could not decide")));
    }
    // A model check through z3 is undecided the same way.
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/models/contains-ba.toml"
    );
    let o = ltlattn_with(
        Some("exit114"),
        &[
            "check",
            model,
            "--spec",
            "O (a & Y b)",
            "--engine",
            "z3",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let report: Value = serde_json::from_str(&text(&o.stdout)).expect("JSON");
    assert!(report["holds"].is_null() && report.get("holds").is_some());
}

#[test]
fn the_time_limit_kills_a_child_that_does_not_answer() {
    let started = Instant::now();
    let o = ltlattn_with(
        Some("hang"),
        &[
            "equiv",
            PROVED[0],
            PROVED[1],
            "--engine",
            "z3",
            "--timeout",
            "1",
        ],
    );
    let took = started.elapsed();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // The child was stopped (the watchdog, at 2 s, would say "the time limit of").
    assert!(err.contains("the z3 child process was stopped"), "{err}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

/// The attention pattern's partition proof runs in the child too: a fault there leaves
/// every obligation unknown (exit 2, `holds: null`), and without the fault the same
/// request is proved.
#[test]
fn a_fault_in_the_partition_proof_is_an_unknown_obligation() {
    let args = [
        "attention",
        "--pattern",
        "combiner-fixed",
        "--block",
        "4",
        "--length",
        "16",
        "--json",
    ];
    let o = ltlattn_with(None, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let report: Value = serde_json::from_str(&text(&o.stdout)).expect("JSON");
    assert_eq!(report["holds"], true);
    for (fault, says) in [
        ("exit114", "exited with status 114"),
        ("segfault", "SIGSEGV"),
        ("garbage", "without an answer"),
    ] {
        let o = ltlattn_with(Some(fault), &args);
        assert_eq!(o.status.code(), Some(2), "{fault}: {}", text(&o.stderr));
        let out = text(&o.stdout);
        let report: Value = serde_json::from_str(&out).expect("JSON");
        assert!(
            report["holds"].is_null() && report.get("holds").is_some(),
            "{fault}: {out}"
        );
        assert!(out.contains(says), "{fault}: {out}");
        assert!(
            !out.contains("\"proved\""),
            "{fault}: nothing is proved: {out}"
        );
    }
    // A child that never answers is stopped at the time limit.
    let started = Instant::now();
    let o = ltlattn_with(Some("hang"), &[&args[..], &["--timeout", "1"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("the z3 child process was stopped"));
    assert!(started.elapsed() < Duration::from_secs(3));
}

/// `check --bound` (a model without an exact translation, unrolled for z3) runs in the
/// child too: a fault is "could not decide", exit 2, and `holds: null` in `--json`.
#[test]
fn a_fault_in_the_bounded_check_is_an_undecided_answer() {
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/nonregular/combiner-logsparse-powers.toml"
    );
    let args = [
        "check",
        model,
        "--spec",
        "Y a | Y Y a | Y Y Y Y a",
        "--bound",
        "10",
    ];
    let o = ltlattn_with(None, &args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("`a b b b b b b b` (length 8"));
    for (fault, says) in [
        ("exit114", "exited with status 114"),
        ("abort", "SIGABRT"),
        ("garbage", "without an answer"),
    ] {
        let o = ltlattn_with(Some(fault), &args);
        let out = text(&o.stdout);
        assert_eq!(o.status.code(), Some(2), "{fault}: {out}");
        assert!(
            out.contains("could not decide") && out.contains(says),
            "{fault}: {out}"
        );
        let o = ltlattn_with(Some(fault), &[&args[..], &["--json"]].concat());
        assert_eq!(o.status.code(), Some(2), "{fault}");
        let report: Value = serde_json::from_str(&text(&o.stdout)).expect("JSON");
        assert!(report["holds"].is_null() && report.get("holds").is_some());
    }
}

/// Under `auto` a failing z3 child is one engine stopped among others: with budgets
/// that stop the explicit and BDD engines at once, z3 is asked, its child fails, and the
/// answer is "could not decide" with each engine's reason.
#[test]
fn auto_reports_a_failed_child_among_the_engines_stops() {
    let args = ["equiv", REFUTED[0], REFUTED[1], "--max-states", "1"];
    let o = ltlattn_with(Some("exit114"), &args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("status 114")
            && err.contains("the explicit engine stopped")
            && err.contains("the BDD engine stopped"),
        "{err}"
    );
    // Without the fault z3 answers the same request.
    let o = ltlattn_with(None, &args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("`a a` (length 2)"));
}

#[test]
fn the_server_lives_on_after_a_child_fault() {
    let server = Server::start_with_env(&[], &[(FAULT, "exit114")]);
    let ask = |engine: &str| {
        server.post(
            "equiv",
            &json!({"first": PROVED[0], "second": PROVED[1], "engine": engine}),
        )
    };
    for _ in 0..2 {
        let (status, body) = ask("z3");
        assert_eq!(status, 422, "{body}");
        assert!(
            body["holds"].is_null() && body.get("holds").is_some(),
            "{body}"
        );
        assert_eq!(body["exit"], 2);
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("status 114")),
            "{body}"
        );
        // The same server answers the next request (another engine needs no child).
        let (status, body) = ask("explicit");
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["holds"], true);
    }
}
