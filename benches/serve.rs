//! Load on `ltlattn serve` over loopback: hundreds of requests in flight, cheap and
//! budget-hitting mixed. Prints requests/s, p50/p99 latency per kind of request, how many
//! were refused as busy, and the server's peak resident memory.
//!
//! `cargo bench --bench serve [-- IN_FLIGHT REQUESTS]` (default 256 in flight, 6,000
//! requests). The server runs with its defaults except `--timeout 2`, so the
//! time-budget requests finish within the run.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

const KINDS: [(&str, &str); 5] = [
    ("fmt", "parse and print (light pool)"),
    ("explain", "truth table (light pool)"),
    ("dfa", "minimal DFA + SVG picture"),
    ("equiv", "equivalence, counterexample"),
    ("budget", "hits the state budget (heavy)"),
];

fn request(i: usize) -> (usize, &'static str, serde_json::Value) {
    // 40% fmt, 30% explain, 15% dfa, 10% equiv, 5% budget-hitting.
    match i % 20 {
        0..=7 => (0, "fmt", json!({"formula": "H (a -> Y<=2 (b S c))"})),
        8..=13 => (
            1,
            "explain",
            json!({"formula": "P (a & Y b)", "word": "b a c b a", "alphabet": "a,b,c"}),
        ),
        14..=16 => (
            2,
            "dfa",
            json!({"formula": "P (a & Y b) & !P (c & Y c)", "alphabet": "a,b,c"}),
        ),
        17 | 18 => (
            3,
            "equiv",
            json!({"first": "P (a & Y b)", "second": "P (a & P b)", "alphabet": "a,b,c"}),
        ),
        _ => (
            4,
            "dfa",
            json!({"formula": "Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y a", "alphabet": "a,b", "max_states": 100000}),
        ),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let in_flight: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(256);
    let total: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(6000);

    let mut child = Command::new(env!("CARGO_BIN_EXE_ltlattn"))
        .args(["serve", "--port", "0", "--timeout", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().trim_start_matches("listening on ").to_string();
    let pid = child.id();

    let next = Arc::new(AtomicUsize::new(0));
    let results: Arc<Mutex<Vec<(usize, u16, f64)>>> =
        Arc::new(Mutex::new(Vec::with_capacity(total)));
    let start = Instant::now();
    let threads: Vec<_> = (0..in_flight)
        .map(|_| {
            let (next, results, url) = (next.clone(), results.clone(), url.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(60))
                    .build();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let (kind, command, body) = request(i);
                    let t = Instant::now();
                    let status = match agent
                        .post(&format!("{url}/api/{command}"))
                        .send_string(&body.to_string())
                    {
                        Ok(r) | Err(ureq::Error::Status(_, r)) => {
                            let s = r.status();
                            let _ = r.into_string();
                            s
                        }
                        Err(_) => 0,
                    };
                    let ms = t.elapsed().as_secs_f64() * 1e3;
                    results.lock().unwrap().push((kind, status, ms));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let wall = start.elapsed().as_secs_f64();
    let peak_kb: u64 = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();

    let results = results.lock().unwrap();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("ltlattn serve under load: {total} requests, {in_flight} in flight, {cores} cores, loopback");
    println!(
        "{:<9} {:<32} {:>6} {:>6} {:>6} {:>6} {:>9} {:>9}",
        "kind", "what", "n", "200", "422", "503", "p50 ms", "p99 ms"
    );
    for (k, (name, what)) in KINDS.iter().enumerate() {
        let mine: Vec<&(usize, u16, f64)> = results.iter().filter(|r| r.0 == k).collect();
        let mut ms: Vec<f64> = mine.iter().map(|r| r.2).collect();
        ms.sort_by(|a, b| a.total_cmp(b));
        let count = |s: u16| mine.iter().filter(|r| r.1 == s).count();
        println!(
            "{:<9} {:<32} {:>6} {:>6} {:>6} {:>6} {:>9.1} {:>9.1}",
            name,
            what,
            mine.len(),
            count(200),
            count(422),
            count(503),
            percentile(&ms, 0.5),
            percentile(&ms, 0.99)
        );
    }
    let unanswered = results.iter().filter(|r| r.1 == 0).count();
    let mut all: Vec<f64> = results.iter().map(|r| r.2).collect();
    all.sort_by(|a, b| a.total_cmp(b));
    println!(
        "all: {:.0} requests/s over {wall:.2} s; p50 {:.1} ms, p99 {:.1} ms; no answer: {unanswered}; server peak RSS {:.1} MiB",
        results.len() as f64 / wall,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        peak_kb as f64 / 1024.0
    );
}
