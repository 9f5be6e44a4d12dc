//! ltlattn against ltlf2dfa (+ MONA) on PPLTL → minimal DFA, side by side in one run.
//!
//! `cargo bench --bench peers` (add `-- --quick` for small sizes only). Both tools use
//! proposition semantics and last-position acceptance, the peers' conventions. For each
//! family member the table shows both times, the ratio, and both minimal DFA sizes. The
//! peer gets `LTLATTN_BENCH_TIMEOUT` seconds per formula (default 60); a family stops
//! calling the peer after its first timeout. Missing peers are installed (Debian `mona`,
//! PyPI `ltlf2dfa`).

use std::process::Command;
use std::time::{Duration, Instant};

use ltlattn::automata::{minimize, Alphabet, Budget};
use ltlattn::engine::explicit::{build_dfa, build_guarded, minimize_guarded, DENSE_PROPS};
use ltlattn::logic::{parse, print, Acceptance, Arena, Syntax};

fn ensure_peers() -> bool {
    let has_mona = Command::new("mona").arg("-h").output().is_ok();
    if !has_mona {
        eprintln!("installing MONA (Debian package mona)…");
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "mona"])
            .status();
    }
    let has_py = Command::new("python3")
        .args(["-c", "import ltlf2dfa"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !has_py {
        eprintln!("installing ltlf2dfa (PyPI)…");
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "-q", "ltlf2dfa"])
            .status();
    }
    Command::new("python3")
        .args(["-c", "import ltlf2dfa"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
        && Command::new("mona").arg("-h").output().is_ok()
}

enum Peer {
    Done { secs: f64, states: usize },
    Timeout,
    Failed(String),
}

fn run_peer(formula: &str, timeout: Duration) -> Peer {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/ltlf2dfa_run.py");
    let out = Command::new("timeout")
        .args([
            &format!("{}", timeout.as_secs()),
            "python3",
            script,
            formula,
        ])
        .output();
    match out {
        Ok(o) if o.status.code() == Some(124) => Peer::Timeout,
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            let mut it = text.split_whitespace();
            match (
                it.next().and_then(|s| s.parse().ok()),
                it.next().and_then(|s| s.parse().ok()),
            ) {
                (Some(secs), Some(states)) => Peer::Done { secs, states },
                _ => Peer::Failed(text.into_owned()),
            }
        }
        Ok(o) => Peer::Failed(
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
                .to_string(),
        ),
        Err(e) => Peer::Failed(e.to_string()),
    }
}

struct Ours {
    secs: f64,
    build_secs: f64,
    states: usize,
    /// Minimal size if the empty word were accepted: MONA accepts the empty trace for
    /// some formulas, while last-position acceptance (docs/SEMANTICS.md §1) never does.
    states_with_empty: usize,
    transitions: usize,
    /// Built with guard-labelled transitions.
    guarded: bool,
}

/// Best of a few runs (as many as fit in ~0.3 s) of build + minimize: dense tables up to
/// `DENSE_PROPS` propositions, guard-labelled transitions beyond (as the explicit engine
/// does).
fn run_ours(text: &str, budget_secs: f64) -> Result<Ours, String> {
    let mut f = Arena::new();
    let phi = parse(&mut f, text).map_err(|e| e.to_string())?;
    let props = f.atom_names(phi);
    let guarded = props.len() > DENSE_PROPS;
    let sigma = Alphabet::Props(props);
    let mut best: Option<Ours> = None;
    let started = Instant::now();
    while best.is_none() || started.elapsed() < Duration::from_millis(300) {
        let budget = Budget::new(ltlattn::automata::DEFAULT_MAX_STATES, Some(budget_secs));
        let t0 = Instant::now();
        let run = if guarded {
            let raw = build_guarded(&f, phi, &sigma, Acceptance::Last, &budget)
                .map_err(|e| e.to_string())?;
            let t1 = Instant::now();
            let min = minimize_guarded(&raw, &budget).map_err(|e| e.to_string())?;
            let t2 = Instant::now();
            let with_empty = raw.clone().with_accepting(0, true);
            Ours {
                secs: (t2 - t0).as_secs_f64(),
                build_secs: (t1 - t0).as_secs_f64(),
                states: min.states(),
                states_with_empty: minimize_guarded(&with_empty, &budget)
                    .map_err(|e| e.to_string())?
                    .states(),
                transitions: raw.nodes(),
                guarded: true,
            }
        } else {
            let raw =
                build_dfa(&f, phi, &sigma, Acceptance::Last, &budget).map_err(|e| e.to_string())?;
            let t1 = Instant::now();
            let min = minimize(&raw);
            let t2 = Instant::now();
            // State 0 is the empty prefix and is never re-entered: flipping it changes ε only.
            let with_empty = raw.clone().with_accepting(0, true);
            Ours {
                secs: (t2 - t0).as_secs_f64(),
                build_secs: (t1 - t0).as_secs_f64(),
                states: min.states(),
                states_with_empty: minimize(&with_empty).states(),
                transitions: raw.transitions(),
                guarded: false,
            }
        };
        if best.as_ref().is_none_or(|b| run.secs < b.secs) {
            best = Some(run);
        }
    }
    best.ok_or_else(|| "no run".into())
}

fn fmt_secs(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// A deterministic pseudo-random PPLTL formula over p0..p3 (operators ltlf2dfa reads).
fn random_formula(seed: &mut u64, depth: u32) -> String {
    let mut next = || {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) as u32
    };
    let r = next();
    if depth == 0 || r % 5 == 0 {
        return format!("p{}", next() % 4);
    }
    let op = next() % 10;
    let a = random_formula(seed, depth - 1);
    match op {
        0 => format!("!({a})"),
        1 => format!("Y({a})"),
        2 => format!("WY({a})"),
        3 => format!("O({a})"),
        4 => format!("H({a})"),
        _ => {
            let b = random_formula(seed, depth - 1);
            let sym = ["&", "|", "S", "P", "->"][(op - 5) as usize];
            format!("({a}) {sym} ({b})")
        }
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let timeout = Duration::from_secs(
        std::env::var("LTLATTN_BENCH_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let peers = ensure_peers();
    if !peers {
        eprintln!("ltlf2dfa or MONA is not available: only ltlattn's column is filled");
    }
    let max = |full: usize, q: usize| if quick { q } else { full };
    let families: Vec<(&str, Vec<(usize, String)>)> = vec![
        (
            "Y^k(a)",
            (1..=max(20, 10))
                .map(|k| (k, format!("{}a", "Y ".repeat(k))))
                .collect(),
        ),
        (
            "O(p0) & … & O(p{k-1})",
            (1..=max(14, 6))
                .chain(if quick { vec![10] } else { vec![16] })
                .map(|k| {
                    (
                        k,
                        (0..k)
                            .map(|i| format!("O p{i}"))
                            .collect::<Vec<_>>()
                            .join(" & "),
                    )
                })
                .collect(),
        ),
        (
            "p{k-1} S (… (p1 S p0))",
            (1..=max(20, 6))
                .chain(if quick { vec![12] } else { vec![32, 64] })
                .map(|k| {
                    let mut s = "p0".to_string();
                    for i in 1..k {
                        s = format!("p{i} S ({s})");
                    }
                    (k, s)
                })
                .collect(),
        ),
        ("random (depth 5, p0..p3)", {
            let mut seed = 2026u64;
            (1..=max(30, 8))
                .map(|i| (i, random_formula(&mut seed, 5)))
                .collect()
        }),
    ];
    println!("| family | k | ltlattn | ltlf2dfa+MONA | ratio | states (ltlattn / ltlf2dfa) |");
    println!("|---|---|---|---|---|---|");
    let mut worst_ratio = f64::INFINITY;
    let mut mismatches = 0;
    let mut eps_only = 0;
    for (name, members) in families {
        let mut peer_gave_up = !peers;
        for (k, text) in members {
            let ours = run_ours(&text, timeout.as_secs_f64());
            let peer = if peer_gave_up {
                None
            } else {
                Some(run_peer(&text, timeout))
            };
            if matches!(peer, Some(Peer::Timeout)) {
                peer_gave_up = true;
            }
            let (ours_cell, our_states, our_secs) = match &ours {
                Ok(o) => (
                    if o.guarded {
                        format!("{} (guards)", fmt_secs(o.secs))
                    } else {
                        fmt_secs(o.secs)
                    },
                    Some((o.states, o.states_with_empty)),
                    Some(o.secs),
                ),
                Err(e) => (format!("— ({e})"), None, None),
            };
            let (peer_cell, peer_states, peer_secs) = match &peer {
                None => ("not run".to_string(), None, None),
                Some(Peer::Timeout) => (format!("> {} s", timeout.as_secs()), None, None),
                Some(Peer::Failed(e)) => (
                    format!("failed: {}", e.chars().take(40).collect::<String>()),
                    None,
                    None,
                ),
                Some(Peer::Done { secs, states }) => (fmt_secs(*secs), Some(*states), Some(*secs)),
            };
            let ratio = match (our_secs, peer_secs) {
                (Some(a), Some(b)) => {
                    let r = b / a;
                    worst_ratio = worst_ratio.min(r);
                    format!("{r:.0}×")
                }
                _ => "—".into(),
            };
            let states = match (our_states, peer_states) {
                (Some((a, _)), Some(b)) if a == b => format!("{a} / {b}"),
                (Some((a, e)), Some(b)) if e == b => {
                    eps_only += 1;
                    format!("{a} / {b} (MONA accepts ε; with ε: {e})")
                }
                (Some((a, _)), Some(b)) => {
                    mismatches += 1;
                    format!("{a} / {b} ≠")
                }
                (Some((a, _)), None) => format!("{a} / —"),
                _ => "—".into(),
            };
            let label = if name.starts_with("random") {
                let mut f = Arena::new();
                let shown = parse(&mut f, &text)
                    .map(|p| print(&f, p, Syntax::Ascii))
                    .unwrap_or(text.clone());
                // `|` would end the markdown cell even inside a code span.
                format!(
                    "`{}`",
                    shown
                        .chars()
                        .take(40)
                        .collect::<String>()
                        .replace('|', "\\|")
                )
            } else {
                k.to_string()
            };
            println!("| {name} | {label} | {ours_cell} | {peer_cell} | {ratio} | {states} |");
        }
    }
    // Construction throughput on Y^20(a): transitions built per second (build only).
    if let Ok(o) = run_ours(
        &format!("{}a", "Y ".repeat(if quick { 14 } else { 20 })),
        600.0,
    ) {
        println!(
            "\nY^{}(a): {} states, {} transitions built in {} ({:.1} M transitions/s; with minimization {})",
            if quick { 14 } else { 20 },
            o.states,
            o.transitions,
            fmt_secs(o.build_secs),
            o.transitions as f64 / o.build_secs / 1e6,
            fmt_secs(o.secs)
        );
    }
    if worst_ratio.is_finite() {
        println!(
            "smallest speed-up over ltlf2dfa on the members both finished: {worst_ratio:.0}×; \
             size mismatches: {mismatches} (and {eps_only} that differ only in whether ε is accepted)"
        );
    }
}
