//! The z3 engine in a child process, so that z3 cannot take the caller down with it.
//!
//! z3 4.8.12 can end the whole process: Spacer fails an internal assertion and calls
//! `exit(114)`, a bug crashes it, or it runs out of memory. [`compare`] runs
//! [`super::compare_symbolic`] in a child process instead: the request (both formulas
//! as one DAG, the alphabet, the question and the limits) goes to the child's standard
//! input as one JSON line, the [`SmtAnswer`] comes back on its standard output.
//! [`prove_partition`] does the same for an attention pattern's partition proof
//! ([`crate::patterns::z3::prove_partition`]; a failed child leaves every obligation
//! unknown), and [`bounded_check`] for the bounded check of models without an exact
//! translation ([`super::bounded`], `check --bound`; a failed child is "could not
//! decide"). A child
//! that aborts, crashes, exits with another status, is killed (out of memory) or answers
//! garbage gives [`SmtVerdict::Unknown`] with what happened — "could not decide", never
//! a verdict — and the caller (the command line, the server) lives on. The child is
//! killed at the time limit and when the `auto` portfolio cancels it
//! ([`crate::cancel`]); it also ends itself when its standard input closes, so a caller
//! that dies leaves no solver behind.
//!
//! The child is a program that answers the argument [`CHILD_ARG`] with [`child_main`]:
//! the `ltlattn` binary is one, and registers itself with [`run_in_children_of`] when
//! it starts. **Without a registered program** (a library user, unit tests, doctests,
//! the benches) z3 runs in the calling process, as before — the documented fallback: an
//! abort in z3 then ends the caller. A library user who wants the isolation calls
//! `run_in_children_of` with a program that calls `child_main`.
//!
//! For tests, the child reads [`FAULT_ENV`] before it answers and, if set, fails on
//! purpose: `exit114` (Spacer's failed assertion), `abort`, `segfault`, `oom` (allocates
//! under a 256 MiB address-space limit until the allocator gives up), `hang` (never
//! answers: the time limit must kill it), `garbage` (answers something that is not an
//! answer).
//!
//! ```
//! use ltlattn::automata::Alphabet;
//! use ltlattn::engine::z3::{isolate, SmtLimits, SmtVerdict};
//! use ltlattn::engine::{Question, Sides};
//! use ltlattn::logic::{parse, Acceptance, Arena};
//! let mut f = Arena::new();
//! let l = parse(&mut f, "P a").unwrap();
//! let r = parse(&mut f, "Y P a | Y a").unwrap();
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
//! // No program registered here: z3 runs in this process.
//! assert!(isolate::helper().is_none());
//! let sides = Sides {
//!     arena: &f,
//!     left: l,
//!     right: r,
//!     alphabet: &sigma,
//!     acceptance: Acceptance::Eos,
//!     question: Question::Equivalent,
//! };
//! let answer = isolate::compare(sides, &SmtLimits::default());
//! assert!(matches!(answer.verdict, SmtVerdict::Holds(_)));
//! ```

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::bounded::Bounded;
use super::{SmtAnswer, SmtLimits, SmtVerdict};
use crate::automata::Alphabet;
use crate::engine::layout::{Question, Sides};
use crate::logic::{Acceptance, Arena, Node, NodeId};
use crate::model::boolean::Model;
use crate::patterns::proof::{Obligation, Outcome, PartitionProof};
use crate::patterns::Pattern;

/// The argument that makes a program answer as the z3 child ([`child_main`]).
pub const CHILD_ARG: &str = "__z3-child";

/// The environment variable that makes the child fail on purpose (tests only; see the
/// module's documentation for its values).
pub const FAULT_ENV: &str = "LTLATTN_Z3_CHILD_FAULT";

/// How long past the time limit the child may take to send its own "time limit" answer
/// before it is killed.
const GRACE: Duration = Duration::from_millis(300);

/// Most bytes of the child's output kept (an answer is a few kilobytes).
const MAX_OUTPUT: u64 = 1 << 22;

static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Runs the z3 engine in child processes of `program` from now on (the first call wins).
/// `program` must call [`child_main`] when its first argument is [`CHILD_ARG`]; the
/// `ltlattn` binary registers itself.
pub fn run_in_children_of(program: PathBuf) {
    let _ = HELPER.set(program);
}

/// The registered child program, if any (`None`: z3 runs in this process).
pub fn helper() -> Option<&'static Path> {
    HELPER.get().map(PathBuf::as_path)
}

/// [`super::compare`] in a child process when a program is registered
/// ([`run_in_children_of`]), else in this process. A child that does not answer gives
/// [`SmtVerdict::Unknown`] saying why. Under a [`crate::cancel`] token a cancellation
/// kills the child (or interrupts z3 in this process).
pub fn compare(sides: Sides, limits: &SmtLimits) -> SmtAnswer {
    match helper() {
        Some(program) => {
            let job = Job::Compare(Request::new(sides, limits));
            in_child(program, &job, limits.timeout).unwrap_or_else(unknown)
        }
        None => in_process(sides, limits),
    }
}

/// [`crate::patterns::z3::prove_partition`] (the attention pattern's partition proof) in a
/// child process when a program is registered, else in this process. A child that does
/// not answer leaves every obligation unknown, saying why.
pub fn prove_partition(pattern: &Pattern, bound: u64, timeout: Option<Duration>) -> PartitionProof {
    let Some(program) = helper() else {
        return crate::patterns::z3::prove_partition(pattern, bound, timeout);
    };
    let job = Job::Partition {
        pattern: *pattern,
        bound,
        timeout_seconds: timeout.map(|t| t.as_secs_f64()),
    };
    let start = Instant::now();
    // A proof that leaves out an obligation is no answer (the report asks for each).
    let answered = in_child::<PartitionProof>(program, &job, timeout).and_then(|p| {
        let whole = Obligation::ALL
            .iter()
            .all(|o| p.outcomes.iter().any(|(x, _)| x == o));
        if whole {
            Ok(p)
        } else {
            Err("the z3 child process answered without every obligation".into())
        }
    });
    answered.unwrap_or_else(|why| PartitionProof {
        bound,
        outcomes: Obligation::ALL
            .iter()
            .map(|&o| {
                (
                    o,
                    Outcome::Unknown {
                        reason: why.clone(),
                    },
                )
            })
            .collect(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// z3 in this thread; a cancellation interrupts the thread's z3 context.
fn in_process(sides: Sides, limits: &SmtLimits) -> SmtAnswer {
    let _interrupt = crate::cancel::current().map(|token| {
        // The thread's context outlives the guard (it lives until the thread ends), and
        // the guard's drop waits for a running hook: the pointer is live whenever the
        // hook runs. Z3_interrupt is z3's call for exactly this, from another thread.
        let ctx = z3::Context::thread_local().get_z3_context().as_ptr() as usize;
        token.on_cancel(move || {
            if let Some(ctx) = std::ptr::NonNull::new(ctx as *mut z3_sys::_Z3_context) {
                // SAFETY: see above; `ctx` is the live context of the z3 thread.
                unsafe { z3_sys::Z3_interrupt(ctx) };
            }
        })
    });
    super::compare(sides, limits)
}

fn unknown(why: String) -> SmtAnswer {
    SmtAnswer {
        verdict: SmtVerdict::Unknown(why),
        depth: 0,
        state_vars: 0,
        over_sets: false,
    }
}

/// [`super::bounded::bounded_check`] (a model without an exact translation against a
/// spec, on every word up to a length) in a child process when a program is registered,
/// else in this process. A child that does not answer gives [`Bounded::Unknown`] at
/// length 0, saying why.
pub fn bounded_check(
    model: &Model,
    spec_arena: &Arena,
    spec: NodeId,
    bound: usize,
    timeout: Option<Duration>,
) -> Bounded {
    let Some(program) = helper() else {
        return super::bounded::bounded_check(model, spec_arena, spec, bound, timeout);
    };
    let ids = spec_arena.subformulas(spec);
    let (spec_nodes, at) = encode(spec_arena, &ids);
    let job = Job::Bounded {
        model: ModelWire::new(model),
        spec_nodes,
        spec: at[&spec],
        bound,
        timeout_seconds: timeout.map(|t| t.as_secs_f64()),
    };
    in_child(program, &job, timeout).unwrap_or_else(|why| Bounded::Unknown(0, why))
}

/// What a child is asked to do: one line of JSON on its standard input.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "kebab-case")]
enum Job {
    /// [`super::compare`]; answered by an [`SmtAnswer`].
    Compare(Request),
    /// [`crate::patterns::z3::prove_partition`]; answered by a [`PartitionProof`].
    Partition {
        pattern: Pattern,
        bound: u64,
        timeout_seconds: Option<f64>,
    },
    /// [`super::bounded::bounded_check`]; answered by a [`Bounded`].
    Bounded {
        model: ModelWire,
        spec_nodes: Vec<Wire>,
        spec: u32,
        bound: usize,
        timeout_seconds: Option<f64>,
    },
}

/// A time limit read from the wire (a nonsensical one is no limit).
fn seconds(t: Option<f64>) -> Option<Duration> {
    t.filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e12)
        .map(Duration::from_secs_f64)
}

/// One formula node on the wire: children are indices of earlier nodes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Wire {
    True,
    False,
    Eos,
    Start,
    PosMod(u32, u32),
    Atom(String),
    Not(u32),
    And(u32, u32),
    Or(u32, u32),
    Implies(u32, u32),
    Iff(u32, u32),
    Yesterday(u32),
    WeakYesterday(u32),
    YesterdayWithin(u32, u32),
    StrictOnce(u32),
    Once(u32),
    Historically(u32),
    Since(u32, u32),
    StrictSince(u32, u32),
    Release(u32, u32),
    OnceAtLeast(u32, u32),
}

/// What the child is asked: the DAG of both formulas (children first), the roots, and
/// the rest of [`super::compare`]'s arguments.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Request {
    nodes: Vec<Wire>,
    left: u32,
    right: u32,
    /// Proposition semantics (else letters).
    props: bool,
    atoms: Vec<String>,
    acceptance: Acceptance,
    /// Equivalence (else inclusion).
    equivalent: bool,
    max_depth: usize,
    timeout_seconds: Option<f64>,
    spacer_after: usize,
}

impl Request {
    fn new(sides: Sides, limits: &SmtLimits) -> Self {
        let Sides {
            arena,
            left,
            right,
            alphabet,
            acceptance,
            question,
        } = sides;
        let mut ids = arena.subformulas(left);
        ids.extend(arena.subformulas(right));
        ids.sort_unstable();
        ids.dedup();
        let (nodes, at) = encode(arena, &ids);
        let c = |n: NodeId| at[&n];
        Request {
            nodes,
            left: c(left),
            right: c(right),
            props: matches!(alphabet, Alphabet::Props(_)),
            atoms: alphabet.atoms().to_vec(),
            acceptance,
            equivalent: question == Question::Equivalent,
            max_depth: limits.max_depth,
            timeout_seconds: limits.timeout.map(|t| t.as_secs_f64()),
            spacer_after: limits.spacer_after,
        }
    }

    /// The formulas in a fresh arena, with their roots; `Err` for a malformed request.
    fn arena(&self) -> Result<(Arena, NodeId, NodeId), String> {
        let (arena, ids) = decode(&self.nodes)?;
        let root = |r: u32| {
            ids.get(r as usize)
                .copied()
                .ok_or_else(|| format!("no root {r}"))
        };
        let (l, r) = (root(self.left)?, root(self.right)?);
        Ok((arena, l, r))
    }
}

/// The nodes `ids` (ascending, each node's children among them) on the wire, and each
/// node's index there.
fn encode(arena: &Arena, ids: &[NodeId]) -> (Vec<Wire>, rustc_hash::FxHashMap<NodeId, u32>) {
    let at: rustc_hash::FxHashMap<NodeId, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, &n)| (n, i as u32))
        .collect();
    let c = |n: NodeId| at[&n];
    let nodes = ids
        .iter()
        .map(|&n| match arena.node(n) {
            Node::True => Wire::True,
            Node::False => Wire::False,
            Node::Eos => Wire::Eos,
            Node::Start => Wire::Start,
            Node::PosMod(m, r) => Wire::PosMod(m, r),
            Node::Atom(a) => Wire::Atom(arena.atom_name(a).to_string()),
            Node::Not(x) => Wire::Not(c(x)),
            Node::And(x, y) => Wire::And(c(x), c(y)),
            Node::Or(x, y) => Wire::Or(c(x), c(y)),
            Node::Implies(x, y) => Wire::Implies(c(x), c(y)),
            Node::Iff(x, y) => Wire::Iff(c(x), c(y)),
            Node::Yesterday(x) => Wire::Yesterday(c(x)),
            Node::WeakYesterday(x) => Wire::WeakYesterday(c(x)),
            Node::YesterdayWithin(k, x) => Wire::YesterdayWithin(k, c(x)),
            Node::StrictOnce(x) => Wire::StrictOnce(c(x)),
            Node::Once(x) => Wire::Once(c(x)),
            Node::Historically(x) => Wire::Historically(c(x)),
            Node::Since(x, y) => Wire::Since(c(x), c(y)),
            Node::StrictSince(x, y) => Wire::StrictSince(c(x), c(y)),
            Node::Release(x, y) => Wire::Release(c(x), c(y)),
            Node::OnceAtLeast(m, x) => Wire::OnceAtLeast(m, c(x)),
        })
        .collect();
    (nodes, at)
}

/// The wire's nodes in a fresh arena, with the id of each; `Err` for a malformed list.
fn decode(nodes: &[Wire]) -> Result<(Arena, Vec<NodeId>), String> {
    let mut arena = Arena::new();
    let mut ids: Vec<NodeId> = Vec::with_capacity(nodes.len());
    for (i, w) in nodes.iter().enumerate() {
        let c = |x: u32| {
            ids.get(x as usize)
                .copied()
                .filter(|_| (x as usize) < i)
                .ok_or_else(|| format!("node {i} refers to node {x}, not an earlier one"))
        };
        let node = match w {
            Wire::True => Node::True,
            Wire::False => Node::False,
            Wire::Eos => Node::Eos,
            Wire::Start => Node::Start,
            Wire::PosMod(m, r) if *m > 0 && r < m => Node::PosMod(*m, *r),
            Wire::PosMod(m, r) => return Err(format!("pos%{m}={r} is not an atom")),
            Wire::Atom(name) => {
                ids.push(arena.atom(name));
                continue;
            }
            Wire::Not(x) => Node::Not(c(*x)?),
            Wire::And(x, y) => Node::And(c(*x)?, c(*y)?),
            Wire::Or(x, y) => Node::Or(c(*x)?, c(*y)?),
            Wire::Implies(x, y) => Node::Implies(c(*x)?, c(*y)?),
            Wire::Iff(x, y) => Node::Iff(c(*x)?, c(*y)?),
            Wire::Yesterday(x) => Node::Yesterday(c(*x)?),
            Wire::WeakYesterday(x) => Node::WeakYesterday(c(*x)?),
            Wire::YesterdayWithin(k, x) => Node::YesterdayWithin(*k, c(*x)?),
            Wire::StrictOnce(x) => Node::StrictOnce(c(*x)?),
            Wire::Once(x) => Node::Once(c(*x)?),
            Wire::Historically(x) => Node::Historically(c(*x)?),
            Wire::Since(x, y) => Node::Since(c(*x)?, c(*y)?),
            Wire::StrictSince(x, y) => Node::StrictSince(c(*x)?, c(*y)?),
            Wire::Release(x, y) => Node::Release(c(*x)?, c(*y)?),
            Wire::OnceAtLeast(m, x) => Node::OnceAtLeast(*m, c(*x)?),
        };
        ids.push(arena.add(node));
    }
    Ok((arena, ids))
}

/// A Boolean model on the wire: its expressions as every node of its arena, in order
/// (so that the features' node ids stay valid), and the rest as it is.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ModelWire {
    name: Option<String>,
    alphabet: Vec<String>,
    acceptance: Acceptance,
    features: Vec<crate::model::boolean::Feature>,
    output: usize,
    exprs: Vec<Wire>,
    layers: usize,
}

impl ModelWire {
    fn new(m: &Model) -> Self {
        let all: Vec<NodeId> = (0..m.exprs.len() as u32).map(NodeId).collect();
        ModelWire {
            name: m.name.clone(),
            alphabet: m.alphabet.clone(),
            acceptance: m.acceptance,
            features: m.features.clone(),
            output: m.output,
            exprs: encode(&m.exprs, &all).0,
            layers: m.layers,
        }
    }

    /// The model; `Err` when the arena does not come back node for node, or a feature
    /// or the output is out of range.
    fn model(self) -> Result<Model, String> {
        let (exprs, ids) = decode(&self.exprs)?;
        if ids.iter().enumerate().any(|(i, id)| id.index() != i) {
            return Err("the model's expressions do not come back node for node".into());
        }
        if self.output >= self.features.len() {
            return Err("the output feature is out of range".into());
        }
        let by_name = self
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        Ok(Model {
            name: self.name,
            alphabet: self.alphabet,
            acceptance: self.acceptance,
            features: self.features,
            output: self.output,
            exprs,
            layers: self.layers,
            by_name,
        })
    }
}

/// Runs the job in a child of `program`; kills it at `timeout` (plus [`GRACE`]) or on
/// cancellation. `Err`: why there is no answer.
fn in_child<T: DeserializeOwned>(
    program: &Path,
    job: &Job,
    timeout: Option<Duration>,
) -> Result<T, String> {
    let start = Instant::now();
    let line = match serde_json::to_string(job) {
        Ok(l) => l,
        Err(e) => return Err(format!("the request for the z3 child process: {e}")),
    };
    let mut child = match Command::new(program)
        .arg(CHILD_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Err(format!(
                "the z3 child process ({}) could not start: {e}",
                program.display()
            ))
        }
    };
    // Standard input stays open while the child works: it ends itself when it closes.
    let mut stdin = child.stdin.take();
    if let Some(w) = stdin.as_mut() {
        // A child that died at once shows in its status below.
        let _ = w.write_all(line.as_bytes());
        let _ = w.write_all(b"\n");
        let _ = w.flush();
    }
    let collect = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut p) = pipe {
                let _ = (&mut p).take(MAX_OUTPUT).read_to_end(&mut out);
                // The rest is read and dropped, so that a chatty child never blocks.
                let _ = std::io::copy(&mut p, &mut std::io::sink());
            }
            String::from_utf8_lossy(&out).into_owned()
        })
    };
    let stdout = collect(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = collect(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let token = crate::cancel::current();
    let deadline = timeout.map(|t| start + t + GRACE);
    let mut stopped: Option<&str> = None;
    let mut nap = Duration::from_millis(1);
    let status: Option<ExitStatus> = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {}
            Err(_) => break None,
        }
        if token
            .as_ref()
            .is_some_and(crate::cancel::Cancel::is_cancelled)
        {
            stopped = Some("cancelled");
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            stopped = Some("the time limit was reached; the z3 child process was stopped");
        }
        if stopped.is_some() {
            let _ = child.kill();
            break child.wait().ok();
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    };
    drop(stdin);
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if let Some(why) = stopped {
        return Err(why.to_string());
    }
    let answered = status
        .filter(ExitStatus::success)
        .and_then(|_| serde_json::from_str::<T>(out.trim()).ok());
    match answered {
        Some(a) => Ok(a),
        None => {
            let what = status.map_or("could not be waited for".to_string(), describe);
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| format!(" (its last message: {})", l.trim()))
                .unwrap_or_default();
            Err(format!(
                "the z3 solver failed: its child process {what} without an answer{last}; this process is unaffected"
            ))
        }
    }
}

/// How a child ended, for the reason of an undecided answer.
fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                libc::SIGABRT => " (SIGABRT: an abort)",
                libc::SIGSEGV => " (SIGSEGV: a crash)",
                libc::SIGKILL => " (SIGKILL: killed, perhaps out of memory)",
                libc::SIGBUS => " (SIGBUS: a crash)",
                _ => "",
            };
            return format!("was killed by signal {sig}{name}");
        }
    }
    match status.code() {
        Some(0) => "exited".to_string(),
        Some(code) => format!("exited with status {code}"),
        None => format!("ended ({status})"),
    }
}

/// The child's side: reads one request line from standard input, answers it on
/// standard output as JSON, and returns the exit status (0 answered, 2 a malformed
/// request). It ends the process when standard input closes before it is done (its
/// parent is gone).
pub fn child_main() -> i32 {
    let mut input = std::io::stdin().lock();
    let mut line = String::new();
    if let Err(e) = input.read_line(&mut line) {
        eprintln!("error: the z3 child process could not read its request: {e}");
        return 2;
    }
    drop(input);
    std::thread::spawn(|| {
        let mut rest = Vec::new();
        let _ = std::io::stdin().lock().read_to_end(&mut rest);
        // The parent closed the pipe: nobody waits for the answer.
        std::process::exit(3);
    });
    let job: Job = match serde_json::from_str(&line) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the z3 child process got a malformed request: {e}");
            return 2;
        }
    };
    // A test's fault strikes once the request is read, whichever job it is.
    if let Ok(fault) = std::env::var(FAULT_ENV) {
        inject(&fault);
    }
    let answer = match job {
        Job::Compare(request) => answer_compare(&request),
        Job::Partition {
            pattern,
            bound,
            timeout_seconds,
        } => {
            let proof =
                crate::patterns::z3::prove_partition(&pattern, bound, seconds(timeout_seconds));
            serde_json::to_string(&proof).map_err(|e| e.to_string())
        }
        Job::Bounded {
            model,
            spec_nodes,
            spec,
            bound,
            timeout_seconds,
        } => answer_bounded(model, &spec_nodes, spec, bound, timeout_seconds),
    };
    let json = match answer {
        Ok(json) => json,
        Err(e) => {
            eprintln!("error: the z3 child process could not answer its request: {e}");
            return 2;
        }
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{json}").and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(_) => 2,
    }
}

/// The child's answer to a bounded check, as JSON (`Err`: a malformed request).
fn answer_bounded(
    model: ModelWire,
    spec_nodes: &[Wire],
    spec: u32,
    bound: usize,
    timeout_seconds: Option<f64>,
) -> Result<String, String> {
    let model = model.model()?;
    let (arena, ids) = decode(spec_nodes)?;
    let spec = *ids.get(spec as usize).ok_or("no spec root")?;
    let answer =
        super::bounded::bounded_check(&model, &arena, spec, bound, seconds(timeout_seconds));
    serde_json::to_string(&answer).map_err(|e| e.to_string())
}

/// The child's answer to a comparison, as JSON (`Err`: a malformed request).
fn answer_compare(request: &Request) -> Result<String, String> {
    let (arena, left, right) = request.arena()?;
    let alphabet = if request.props {
        Alphabet::Props(request.atoms.clone())
    } else {
        Alphabet::Tokens(request.atoms.clone())
    };
    let question = if request.equivalent {
        Question::Equivalent
    } else {
        Question::Included
    };
    let limits = SmtLimits {
        max_depth: request.max_depth,
        timeout: seconds(request.timeout_seconds),
        spacer_after: request.spacer_after,
    };
    let sides = Sides {
        arena: &arena,
        left,
        right,
        alphabet: &alphabet,
        acceptance: request.acceptance,
        question,
    };
    let answer = super::compare(sides, &limits);
    serde_json::to_string(&answer).map_err(|e| e.to_string())
}

/// The faults of [`FAULT_ENV`]; an unknown value is ignored.
fn inject(fault: &str) {
    match fault {
        "exit114" => {
            eprintln!("ASSERTION VIOLATION (injected by {FAULT_ENV})");
            std::process::exit(114)
        }
        "abort" => std::process::abort(),
        #[cfg(unix)]
        "segfault" => {
            // The Rust runtime catches SIGSEGV (for stack overflows): restore the default
            // action, as a crash in z3's C++ would meet it, then raise it.
            // SAFETY: resetting a signal's action and raising it in this process.
            unsafe {
                libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                libc::raise(libc::SIGSEGV);
            }
        }
        #[cfg(unix)]
        "oom" => {
            let cap = libc::rlimit {
                rlim_cur: 256 << 20,
                rlim_max: 256 << 20,
            };
            // SAFETY: setrlimit reads the struct passed by reference.
            unsafe { libc::setrlimit(libc::RLIMIT_AS, &cap) };
            let mut hog: Vec<Vec<u8>> = Vec::new();
            loop {
                hog.push(vec![1u8; 16 << 20]);
            }
        }
        "hang" => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        "garbage" => {
            println!("this is not an answer");
            std::process::exit(0)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::parse;

    /// A Boolean model comes back from the wire node for node: every example model's
    /// expressions, features and output, and the executor's answers on short words.
    #[test]
    fn models_come_back_from_the_wire() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/models");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(m) =
                crate::model::boolean::load_with("m", &text, crate::logic::ParseLimits::DEFAULT)
            else {
                continue;
            };
            let line = serde_json::to_string(&ModelWire::new(&m)).unwrap();
            let back = serde_json::from_str::<ModelWire>(&line)
                .unwrap()
                .model()
                .unwrap();
            assert_eq!(back.exprs.len(), m.exprs.len(), "{path:?}");
            for i in 0..m.exprs.len() as u32 {
                let n = NodeId(i);
                match (back.exprs.node(n), m.exprs.node(n)) {
                    (Node::Atom(x), Node::Atom(y)) => {
                        assert_eq!(back.exprs.atom_name(x), m.exprs.atom_name(y), "{path:?}")
                    }
                    (x, y) => assert_eq!(x, y, "{path:?}"),
                }
            }
            assert_eq!(back.output, m.output);
            assert_eq!(back.features.len(), m.features.len());
            for (i, f) in m.features.iter().enumerate() {
                assert_eq!(back.feature(&f.name), Some(i));
            }
            for w in [vec![], vec![m.alphabet[0].clone()], m.alphabet.clone()] {
                let a = crate::model::boolean::run(&m, &w).map(|t| t.accepted).ok();
                let b = crate::model::boolean::run(&back, &w)
                    .map(|t| t.accepted)
                    .ok();
                assert_eq!(a, b, "{path:?} on {w:?}");
            }
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} example models");
    }

    /// The wire format keeps every operator and the sharing of the DAG.
    #[test]
    fn a_request_rebuilds_the_same_formulas() {
        let mut f = Arena::new();
        let l = parse(&mut f, "a S< (Y<=3 b | Z !a) & H (a -> O b) & P>=2 pos%3=1").unwrap();
        let r = parse(&mut f, "(a P b) <-> (Y a S Y<=3 b) & start & !false").unwrap();
        let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
        let sides = Sides {
            arena: &f,
            left: l,
            right: r,
            alphabet: &sigma,
            acceptance: Acceptance::Last,
            question: Question::Included,
        };
        let req = Request::new(sides, &SmtLimits::default());
        let json = serde_json::to_string(&req).unwrap();
        let back: Request = serde_json::from_str(&json).unwrap();
        let (g, l2, r2) = back.arena().unwrap();
        let show = |a: &Arena, n| crate::logic::print(a, n, crate::logic::Syntax::Ascii);
        assert_eq!(show(&f, l), show(&g, l2));
        assert_eq!(show(&f, r), show(&g, r2));
        assert_eq!(f.size(l) + f.size(r), g.size(l2) + g.size(r2));
        assert!(back.atoms == ["a", "b"] && !back.props && !back.equivalent);
    }

    #[test]
    fn malformed_requests_are_errors() {
        let forward = Request {
            nodes: vec![Wire::Not(1), Wire::True],
            left: 0,
            right: 1,
            props: false,
            atoms: vec![],
            acceptance: Acceptance::Eos,
            equivalent: true,
            max_depth: 1,
            timeout_seconds: None,
            spacer_after: 2,
        };
        assert!(forward.arena().is_err());
        let bad_mod = Request {
            nodes: vec![Wire::PosMod(0, 0)],
            left: 0,
            right: 0,
            ..forward.clone()
        };
        assert!(bad_mod.arena().is_err());
        let no_root = Request {
            nodes: vec![Wire::True],
            left: 0,
            right: 5,
            ..forward
        };
        assert!(no_root.arena().is_err());
    }
}
