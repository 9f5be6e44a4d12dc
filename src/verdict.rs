//! Certified decisions: the one place where a question about languages is answered, its
//! certificate re-checked, and the engine's effort recorded (docs/SEMANTICS.md §5).
//!
//! The command line, the tests and any other front end call these functions and render
//! the [`Verdict`] they return; none of them re-checks or re-decides on its own.
//!
//! ```
//! use ltlattn::automata::Alphabet;
//! use ltlattn::engine::Question;
//! use ltlattn::logic::{parse, Acceptance, Arena};
//! use ltlattn::verdict::{decide, Options};
//! let mut f = Arena::new();
//! let once = parse(&mut f, "P a").unwrap();
//! let last = parse(&mut f, "Y a").unwrap();
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
//! let v = decide(&f, last, once, &sigma, Acceptance::Eos, Question::Included, &Options::default())
//!     .unwrap();
//! assert!(v.holds());                       // ends with a ⇒ contains a
//! let v = decide(&f, once, last, &sigma, Acceptance::Eos, Question::Included, &Options::default())
//!     .unwrap();
//! let cex = v.counterexample.unwrap();      // the shortest word that contains a but ends otherwise
//! assert_eq!(cex.word.show(), "a b");
//! assert!(cex.first && !cex.second);        // re-checked by the reference evaluator
//! ```

use std::time::Duration;

use serde::Serialize;

use crate::automata::{Alphabet, Budget, LimitError};
use crate::automata::{DEFAULT_MAX_STATES, MAX_PROPS};
use crate::engine::explicit::DENSE_PROPS;
use crate::engine::explicit::{
    compare, compare_guarded, formula_dfa, formula_guarded_in, guard_order,
};
use crate::engine::layout::{Question, Sides};
use crate::logic::{evaluate, Acceptance, Arena, NodeId, Word};

/// Which engine decides equivalence and inclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Minimal DFAs and their product (exact; bounded by the state budget).
    Explicit,
    /// z3: bounded model checking for counterexamples, k-induction or Spacer for proofs.
    Z3,
    /// BDDs: breadth-first symbolic reachability on the product system (src/bdd.rs).
    Bdd,
    /// The explicit, BDD and z3 engines side by side; the first certified answer wins
    /// (the verdict and the least shortest counterexample do not depend on which).
    Auto,
}

impl Engine {
    /// Every engine, in the order the command line lists them.
    pub const ALL: [Engine; 4] = [Engine::Explicit, Engine::Z3, Engine::Bdd, Engine::Auto];

    /// Its name: the command line's `--engine`, the server's `engine` key and the JSON
    /// (serde's lowercase names) spell it so.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Explicit => "explicit",
            Engine::Z3 => "z3",
            Engine::Bdd => "bdd",
            Engine::Auto => "auto",
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Reads [`Engine::name`] (`z3` too where z3 is not built in: the caller refuses it).
impl std::str::FromStr for Engine {
    type Err = UnknownEngine;

    fn from_str(s: &str) -> Result<Engine, UnknownEngine> {
        Engine::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| UnknownEngine(s.to_string()))
    }
}

/// A name that is no engine's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("unknown engine `{0}`")]
#[diagnostic(help("explicit, bdd, z3 or auto"))]
pub struct UnknownEngine(pub String);

#[cfg(test)]
mod engine_names {
    use super::*;

    #[test]
    fn each_engine_reads_back_and_serializes_as_its_name() {
        let names: Vec<String> = Engine::ALL.iter().map(Engine::to_string).collect();
        assert_eq!(names, ["explicit", "z3", "bdd", "auto"]);
        for e in Engine::ALL {
            assert_eq!(e.name().parse(), Ok(e));
            assert_eq!(serde_json::to_string(&e).unwrap(), format!("\"{e}\""));
        }
        for bad in ["", "Auto", "z", "explicit ", "smt"] {
            assert_eq!(bad.parse::<Engine>(), Err(UnknownEngine(bad.into())));
        }
        assert_eq!(
            UnknownEngine("smt".into()).to_string(),
            "unknown engine `smt`"
        );
    }
}

/// How much work a decision may do, and with which engine.
#[derive(Clone, Debug)]
pub struct Options {
    /// The engine.
    pub engine: Engine,
    /// Most automaton states (or product pairs) the explicit engine builds.
    pub max_states: usize,
    /// Wall-clock limit for the whole decision.
    pub timeout: Option<Duration>,
    /// Longest word the z3 engine's bounded model checking looks at.
    pub max_depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            engine: Engine::Auto,
            max_states: DEFAULT_MAX_STATES,
            timeout: None,
            max_depth: 200,
        }
    }
}

impl Options {
    /// The explicit engine's budget; its deadline starts now.
    pub fn budget(&self) -> Budget {
        Budget::new(self.max_states, self.timeout.map(|t| t.as_secs_f64()))
    }
}

/// A word that tells two languages apart, with each side's judgement, both re-checked by
/// the reference evaluator ([`crate::logic::evaluate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The word.
    pub word: Word,
    /// Whether the first language contains it.
    pub first: bool,
    /// Whether the second language contains it.
    pub second: bool,
}

impl Counterexample {
    /// The word's positions as printed tokens (`{p,q}` under proposition semantics).
    pub fn tokens(&self) -> Vec<String> {
        (0..self.word.len())
            .map(|i| self.word.show_position(i))
            .collect()
    }
}

/// Which engine answered and with what effort: the certificate of a "holds", the
/// provenance of a counterexample.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "engine", rename_all = "lowercase")]
pub enum EngineReport {
    /// The explicit engine walked the product of two minimal DFAs.
    Explicit {
        /// Product states explored (breadth-first).
        states_explored: usize,
        /// States of the two minimal DFAs.
        dfa_states: [usize; 2],
    },
    /// The z3 engine decided symbolically.
    Z3 {
        /// The proof of a "holds" (`null` for a counterexample, which BMC found).
        proof: Option<ProofReport>,
        /// `"bmc"` for a counterexample (absent for a proof).
        #[serde(skip_serializing_if = "Option::is_none")]
        method: Option<&'static str>,
        /// BMC depth reached.
        depth: usize,
        /// State variables of the product system.
        state_variables: usize,
        /// Wall-clock seconds.
        seconds: f64,
        /// Under `auto`: that this engine answered first, and why the engines that
        /// stopped before did.
        fallback: Option<String>,
        /// Under letter semantics: the proof is for proposition sets over the atoms,
        /// which include every letter word (so it holds for letters too).
        over_sets: bool,
    },
    /// A numeric model's abstract states were explored in product with the other side,
    /// breadth first by word length, as they were read (no compilation): a
    /// counterexample is shortest; "holds" means the whole product was explored.
    #[serde(rename = "on-the-fly")]
    OnTheFly {
        /// Product states explored.
        states_explored: usize,
        /// Abstract states each side made (a DFA side: its states).
        side_states: [usize; 2],
    },
    /// A numeric model's abstract states were searched breadth first until a budget
    /// stopped the search; then candidate words past the length it had checked were run
    /// through the model's abstract machine and the other side's DFA (grammar/numeric.md,
    /// "Checking on the fly"), and one on which they disagree was shrunk; the
    /// breadth-first search, taken up again where it stopped and capped at that word's
    /// length, did not reach it before the budget ran out. The
    /// counterexample is **not known to be shortest**: a shortest one has a length
    /// between `checked_up_to_length + 1` and its own. Only for "does not hold".
    Hunt {
        /// Every word of length ≤ this agrees (as far as the breadth-first search got).
        checked_up_to_length: usize,
        /// The counterexample's length m: a shortest one is no longer.
        counterexample_length: usize,
        /// Product states the breadth-first search explored (before and after the hunt).
        states_explored: usize,
        /// Candidate words run through the two sides (shrinking's included).
        words_tried: usize,
    },
    /// A numeric model's last layer was checked by bounds (grammar/numeric.md, "Proofs
    /// by bounds"): the layers below compiled exactly, the last layer's global heads
    /// replaced by boxes holding every value they can take, and the product with the
    /// other side explored; every box gave the other side's answer. Only for "holds".
    Bounds {
        /// Product states explored.
        states_explored: usize,
        /// States of the layers below the last, minimized.
        stage_states: usize,
        /// Logit intervals computed.
        boxes: usize,
        /// Words of every length up to this one were also checked exactly on the fly
        /// before.
        checked_up_to_length: usize,
        /// Whether the refined product proved it: the largest score present tracked
        /// for the query types the plain product left undecided (in either product,
        /// the states only words of length ≤ `checked_up_to_length` reach are those
        /// the search ran).
        refined: bool,
        /// Product states that only the bounds over the paths of the layers below
        /// decided (their count vectors are those of paths, not each class free up to
        /// its most); 0 when the per-class counts sufficed.
        path_states: usize,
    },
    /// The BDD engine explored the product system symbolically, breadth first.
    Bdd {
        /// Breadth-first layers explored: the counterexample's length, or the depth at
        /// which the reachable set stopped growing.
        depth: usize,
        /// States in the reachable set (a float: it can exceed 2^64).
        reachable_states: f64,
        /// State bits of the product system.
        state_bits: usize,
        /// Largest BDD met, in nodes.
        bdd_nodes: usize,
        /// For a "holds": the reachable set was re-checked as an inductive invariant
        /// (Init ⊆ R, Img(R) ⊆ R, R ∩ Bad = ∅) by separate BDD operations.
        invariant_checked: bool,
        /// Wall-clock seconds.
        seconds: f64,
        /// Under `auto`: that this engine answered first, and why the engines that
        /// stopped before did.
        fallback: Option<String>,
    },
}

/// How the z3 engine proved a property (the library's mirror of the solver's proof, so
/// that it exists whether or not z3 is compiled in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum ProofReport {
    /// k-induction with simple-path constraints at depth `k`.
    KInduction {
        /// The induction depth.
        k: usize,
    },
    /// Spacer found an inductive invariant that excludes every violation.
    Spacer {
        /// The invariant as z3 prints it, cut to 400 characters.
        invariant: String,
        /// True: the invariant was re-checked by separate solver calls (Init ⇒ Inv,
        /// Inv ∧ T ⇒ Inv', Inv ⇒ ¬Bad) before this report was made.
        invariant_checked: bool,
        /// The BMC depth reached before Spacer answered.
        bmc_depth: usize,
    },
}

impl EngineReport {
    /// Whether a counterexample this engine reports is known to be shortest: every
    /// engine's is (the least shortest word), except a word found by testing words past
    /// a breadth-first search ([`EngineReport::Hunt`]).
    pub fn counterexample_is_shortest(&self) -> bool {
        !matches!(self, EngineReport::Hunt { .. })
    }

    /// One line for people: which engine answered and with what effort.
    pub fn describe(&self) -> String {
        match self {
            EngineReport::Explicit {
                states_explored,
                dfa_states,
            } => format!(
                "explicit engine: {states_explored} product states explored; minimal DFAs with {} and {} states",
                dfa_states[0], dfa_states[1]
            ),
            EngineReport::OnTheFly {
                states_explored,
                side_states,
            } => format!(
                "on-the-fly search: {states_explored} product states explored breadth first (abstract states {} and {}), no compilation",
                side_states[0], side_states[1]
            ),
            EngineReport::Hunt {
                checked_up_to_length,
                counterexample_length,
                states_explored,
                words_tried,
            } => format!(
                "found by testing words past the breadth-first search ({words_tried} words tried, {states_explored} product states explored breadth first); every word of length ≤ {checked_up_to_length} agrees, so a shortest counterexample has length {} .. {counterexample_length}",
                checked_up_to_length + 1
            ),
            EngineReport::Bounds {
                states_explored,
                stage_states,
                boxes,
                checked_up_to_length,
                refined: false,
                ..
            } => format!(
                "proof by bounds: the layers below the last compiled exactly ({stage_states} states), the last layer's global heads bounded by boxes; {states_explored} product states, {boxes} boxes, every one that a word longer than {checked_up_to_length} reaches giving the same answer, and every shorter word run by the search on the fly"
            ),
            EngineReport::Bounds {
                states_explored,
                stage_states,
                boxes,
                checked_up_to_length,
                refined: true,
                path_states,
            } => format!(
                "proof by bounds: the layers below the last compiled exactly ({stage_states} states), the last layer's global heads bounded by boxes, knowing the largest score present for the query types that needed it; {states_explored} product states{}, {boxes} boxes, every one giving the same answer on the words longer than {checked_up_to_length}, and every shorter word run by the search on the fly",
                if *path_states > 0 {
                    format!(" ({path_states} of them bounded over the paths of the layers below)")
                } else {
                    String::new()
                }
            ),
            EngineReport::Z3 {
                proof,
                depth,
                state_variables,
                seconds,
                fallback,
                over_sets,
                ..
            } => {
                let what = match proof {
                    Some(ProofReport::KInduction { k }) => {
                        format!("proved by k-induction with simple paths at k = {k}")
                    }
                    Some(ProofReport::Spacer { bmc_depth, .. }) => format!(
                        "proved by Spacer (an inductive invariant) after bounded model checking to depth {bmc_depth}"
                    ),
                    None => format!(
                        "bounded model checking found it at depth {depth}, after none at smaller depths"
                    ),
                };
                let what = if *over_sets {
                    format!("{what} for every set of the atoms at each position (which includes every letter word)")
                } else {
                    what
                };
                let why = fallback
                    .as_ref()
                    .map(|f| format!(" (auto: {f})"))
                    .unwrap_or_default();
                format!("z3 engine: {what}; {state_variables} state variables; {seconds:.2} s{why}")
            }
            EngineReport::Bdd {
                depth,
                reachable_states,
                state_bits,
                bdd_nodes,
                invariant_checked,
                seconds,
                fallback,
            } => {
                let what = if *invariant_checked {
                    format!("the reachable set ({reachable_states} states, fixed after {depth} steps) is an inductive invariant that excludes every violation, re-checked")
                } else {
                    format!("breadth-first reachability met the first violation at depth {depth}")
                };
                let why = fallback
                    .as_ref()
                    .map(|f| format!(" (auto: {f})"))
                    .unwrap_or_default();
                format!("BDD engine: {what}; {state_bits} state bits, largest BDD {bdd_nodes} nodes; {seconds:.2} s{why}")
            }
        }
    }
}

/// The answer to "L(first) = L(second)?" or "L(first) ⊆ L(second)?", with its certificate.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// What was asked.
    pub question: Question,
    /// `None`: the property holds; otherwise a word that violates it: the least shortest
    /// one, except when the engine is [`EngineReport::Hunt`], whose word is not known to
    /// be shortest ([`Verdict::shortest`]).
    pub counterexample: Option<Counterexample>,
    /// Which engine answered, with its proof or effort.
    pub engine: EngineReport,
}

impl Verdict {
    /// Whether the property holds.
    pub fn holds(&self) -> bool {
        self.counterexample.is_none()
    }

    /// With a counterexample: whether it is known to be shortest
    /// ([`EngineReport::counterexample_is_shortest`]); `None` when the property holds.
    pub fn shortest(&self) -> Option<bool> {
        self.counterexample
            .as_ref()
            .map(|_| self.engine.counterexample_is_shortest())
    }
}

/// Why a decision has no verdict. Each kind says what was hit and how to go further.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DecideError {
    /// The explicit engine stopped at a limit (and `auto` could not hand over).
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// Too many propositions for the explicit engine. No longer produced: the explicit
    /// engine builds guard-labelled automata for any number of propositions (kept so
    /// code matching on it still compiles).
    #[error("{props} propositions make 2^{props} letters; the explicit engine takes at most {MAX_PROPS} propositions")]
    TooManyProps {
        /// How many propositions the alphabet has.
        props: usize,
    },
    /// z3 could not decide within the limits.
    #[error("the z3 engine could not decide after {seconds:.2} s at depth {depth}: {reason}")]
    Undecided {
        /// Wall-clock seconds spent.
        seconds: f64,
        /// BMC depth reached.
        depth: usize,
        /// z3's reason (depth or time limit).
        reason: String,
    },
    /// The z3 engine was asked for but this build has none.
    #[error("this ltlattn was built without the z3 engine (cargo feature `z3`){}", .after.as_ref().map(|a| format!("; the explicit engine stopped: {a}")).unwrap_or_default())]
    NoZ3 {
        /// What stopped the explicit engine first, if it ran.
        after: Option<String>,
    },
    /// The BDD engine could not decide within the limits.
    #[error("the BDD engine could not decide after {seconds:.2} s at depth {depth}: {reason}")]
    BddUndecided {
        /// Wall-clock seconds spent.
        seconds: f64,
        /// Breadth-first layers explored.
        depth: usize,
        /// Which limit.
        reason: String,
    },
    /// The formulas use something the BDD engine does not encode.
    #[error("the BDD engine cannot encode these formulas: {reason}")]
    BddUnsupported {
        /// What.
        reason: String,
    },
    /// An engine and the reference evaluator disagree: a bug, never a verdict.
    #[error("internal error: the engine and the reference evaluator disagree on `{word}`; please report this with the formulas")]
    Internal {
        /// The word they disagree on.
        word: String,
    },
    /// z3's proof did not survive its re-check: a bug, never a verdict.
    #[error("internal error: {reason}; please report this with the formulas")]
    ProofRecheck {
        /// Which obligation failed.
        reason: String,
    },
}

impl DecideError {
    /// Whether the decision simply has no answer within its limits (a budget, an engine
    /// that could not decide, a z3 child process that failed): `holds` is `null` in the
    /// JSON reports. Internal errors and unavailable engines are not undecided answers.
    pub fn is_undecided(&self) -> bool {
        matches!(
            self,
            DecideError::Limit(_)
                | DecideError::Undecided { .. }
                | DecideError::BddUndecided { .. }
        )
    }

    /// What the user can do about it.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            DecideError::TooManyProps { .. } => {
                Some("use --engine z3 (or auto), which reads propositions as Boolean variables")
            }
            DecideError::Undecided { .. } => {
                Some("raise --timeout or --max-depth, or try --engine explicit")
            }
            DecideError::NoZ3 { .. } => {
                Some("build with the default features (z3, needs libz3) or use --engine explicit")
            }
            _ => None,
        }
    }
}

impl miette::Diagnostic for DecideError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            DecideError::Limit(e) => e.code(),
            _ => None,
        }
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        DecideError::help(self).map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

/// Whether `word`, judged `first`/`second` by the two sides, really violates `question`.
fn violates(question: Question, first: bool, second: bool) -> bool {
    match question {
        Question::Equivalent => first != second,
        Question::Included => first && !second,
    }
}

/// Re-checks an engine's word with the reference evaluator.
fn recheck(
    arena: &Arena,
    (left, right): (NodeId, NodeId),
    word: Word,
    acc: Acceptance,
    question: Question,
) -> Result<Counterexample, DecideError> {
    let first = evaluate(arena, left, &word, acc);
    let second = evaluate(arena, right, &word, acc);
    if !violates(question, first, second) {
        return Err(DecideError::Internal { word: word.show() });
    }
    Ok(Counterexample {
        word,
        first,
        second,
    })
}

/// Decides `question` for L(`left`) and L(`right`) over `sigma`, re-checking every
/// counterexample with the reference evaluator (and, for the explicit engine, against
/// both automata). [`Engine::Auto`] runs the engines side by side: the first certified
/// answer wins, and the verdict and counterexample do not depend on which engine gave it.
pub fn decide(
    arena: &Arena,
    left: NodeId,
    right: NodeId,
    sigma: &Alphabet,
    acc: Acceptance,
    question: Question,
    opts: &Options,
) -> Result<Verdict, DecideError> {
    let s = Sides {
        arena,
        left,
        right,
        alphabet: sigma,
        acceptance: acc,
        question,
    };
    match opts.engine {
        Engine::Explicit => decide_explicit(s, &opts.budget()),
        Engine::Bdd => decide_bdd(s, opts, None),
        Engine::Z3 => decide_z3(s, opts, None),
        Engine::Auto => decide_auto(s, opts),
    }
}

/// z3's time under `--engine auto` when no `--timeout` is given (the BDD engine has
/// [`AUTO_BDD_SECONDS`]; the explicit engine is bounded by its states).
pub const AUTO_Z3_SECONDS: u64 = 120;

/// The BDD engine's time under `--engine auto` when no `--timeout` is given.
pub const AUTO_BDD_SECONDS: u64 = 60;

/// The state cap under which `auto` tries the explicit engine alone before the race.
pub const AUTO_EXPLICIT_FIRST: usize = 2_000;

/// With fewer than three cores, z3 (rarely the first to answer) joins the explicit and
/// BDD engines once one of them has stopped without an answer, or after this long.
pub const AUTO_Z3_DELAY: Duration = Duration::from_secs(1);

/// The most engines `auto` runs at once: the explicit and BDD engines on their threads
/// and z3 in its child process. A server admits an `auto` request as this many workers
/// (docs/SERVE.md, "Admission").
pub const AUTO_ENGINES: usize = 3;

/// The engines of the `auto` portfolio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Racer {
    Explicit,
    Bdd,
    Z3,
}

impl Racer {
    fn name(self) -> &'static str {
        match self {
            Racer::Explicit => "the explicit engine",
            Racer::Bdd => "the BDD engine",
            Racer::Z3 => "the z3 engine",
        }
    }
}

/// `--engine auto`: first the explicit engine alone within [`AUTO_EXPLICIT_FIRST`]
/// states (small instances get the same answer and report on every run); beyond, the
/// explicit, BDD and z3 engines side by side, each on its own thread (z3 in its child process when the binary registered one,
/// [`crate::engine::z3::isolate`]); the first certified answer wins and the others are
/// cancelled ([`crate::cancel`]). On fewer than three cores
/// ([`std::thread::available_parallelism`]) z3 joins when the explicit or BDD engine
/// has stopped without an answer, or after [`AUTO_Z3_DELAY`].
///
/// What is reported does not depend on which engine wins: "holds" is certified by each
/// engine's own proof, and every engine's counterexample is the least shortest word
/// (shortlex; a letter by its index, a proposition set as a number), re-checked by the
/// evaluator. One exception is waited out: over more than [`DENSE_PROPS`] propositions
/// the explicit engine's guard-labelled product orders letters by its guard order, so its
/// counterexample is taken only once the BDD engine has stopped without one. Which engine
/// answered, and its effort, is in [`Verdict::engine`]. Each engine has the whole
/// `--timeout` (without one: the explicit engine its states, the BDD engine
/// [`AUTO_BDD_SECONDS`], z3 [`AUTO_Z3_SECONDS`]); when all stop, the error says why each
/// did.
fn decide_auto(s: Sides, opts: &Options) -> Result<Verdict, DecideError> {
    let Sides {
        arena,
        left,
        right,
        alphabet: sigma,
        acceptance: acc,
        question,
    } = s;
    let sides = (left, right);
    use std::sync::mpsc;
    let begun = std::time::Instant::now();
    // Small instances first, by the explicit engine alone under a small state cap: its
    // answer is then the same on every run, down to the engine report (a race between
    // engines that all answer in milliseconds would name a different winner from run to
    // run), and costs milliseconds when the instance is larger.
    let first = Budget::new(
        opts.max_states.min(AUTO_EXPLICIT_FIRST),
        opts.timeout.map(|t| t.as_secs_f64()),
    );
    // Over more than DENSE_PROPS propositions the explicit engine's counterexample is the
    // least in its guard order, not the least of all engines: that one is left to the race.
    let guarded = matches!(sigma, Alphabet::Props(p) if p.len() > DENSE_PROPS);
    match decide_explicit(s, &first) {
        Ok(v) if !(guarded && v.counterexample.is_some()) => return Ok(v),
        Err(e @ (DecideError::Internal { .. } | DecideError::ProofRecheck { .. })) => {
            return Err(e)
        }
        Ok(_) | Err(_) => {}
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let token = crate::cancel::Cancel::new();
    // Work that is itself cancellable (a front end's Ctrl-C, src/cancel.rs) stops the
    // racers too: they run under this token, not the caller's.
    let _outer = crate::cancel::current().map(|outer| {
        let racers = token.clone();
        outer.on_cancel(move || racers.cancel())
    });
    let (tx, rx) = mpsc::channel::<(Racer, Result<Verdict, DecideError>)>();
    // The losers finish on their own threads after the answer (they stop at their next
    // clock check): they own their inputs.
    let spawn = |racer: Racer| {
        let (arena, sigma, tx, token) = (arena.clone(), sigma.clone(), tx.clone(), token.clone());
        let opts = Options {
            timeout: match racer {
                Racer::Explicit => opts.timeout,
                Racer::Bdd => opts.timeout.or(Some(Duration::from_secs(AUTO_BDD_SECONDS))),
                Racer::Z3 => Some(
                    opts.timeout
                        .map_or(Duration::from_secs(AUTO_Z3_SECONDS), |t| {
                            t.saturating_sub(begun.elapsed())
                        }),
                ),
            },
            ..opts.clone()
        };
        std::thread::spawn(move || {
            let s = Sides {
                arena: &arena,
                left: sides.0,
                right: sides.1,
                alphabet: &sigma,
                acceptance: acc,
                question,
            };
            let answer = token.run(|| match racer {
                Racer::Explicit => decide_explicit(s, &opts.budget()),
                Racer::Bdd => decide_bdd(s, &opts, None),
                Racer::Z3 => decide_z3(s, &opts, None),
            });
            // The receiver may be gone (an answer came first): nothing to tell.
            let _ = tx.send((racer, answer));
        });
    };
    let with_z3 = cfg!(feature = "z3");
    spawn(Racer::Explicit);
    spawn(Racer::Bdd);
    // z3 not started yet, but to be.
    let mut z3_waiting = with_z3;
    if with_z3 && cores >= 3 {
        spawn(Racer::Z3);
        z3_waiting = false;
    }
    let mut running = 2 + usize::from(with_z3 && !z3_waiting);
    let mut stops: Vec<(Racer, DecideError)> = Vec::new();
    // A guarded explicit counterexample, held until the BDD engine has stopped.
    let mut held: Option<Verdict> = None;
    let outcome = loop {
        if running == 0 && !z3_waiting {
            break None;
        }
        let wait = if z3_waiting {
            AUTO_Z3_DELAY.saturating_sub(begun.elapsed())
        } else {
            Duration::from_secs(3600)
        };
        let got = match rx.recv_timeout(wait) {
            Ok(got) => Some(got),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            // `spawn` keeps a sender: not while it lives.
            Err(mpsc::RecvTimeoutError::Disconnected) => break None,
        };
        let Some((racer, answer)) = got else {
            if !z3_waiting {
                continue;
            }
            // z3's turn: the delay is over.
            spawn(Racer::Z3);
            z3_waiting = false;
            running += 1;
            continue;
        };
        running -= 1;
        match answer {
            Ok(v) if racer == Racer::Explicit && guarded && v.counterexample.is_some() => {
                held = Some(v);
                if stops.iter().any(|(r, _)| *r == Racer::Bdd) {
                    break held.take().map(Ok);
                }
            }
            Ok(v) => break Some(Ok(v)),
            // A bug shows, whichever engine meets it: never a verdict, never hidden.
            Err(e @ (DecideError::Internal { .. } | DecideError::ProofRecheck { .. })) => {
                break Some(Err(e))
            }
            Err(e) => {
                if racer == Racer::Bdd {
                    if let Some(v) = held.take() {
                        break Some(Ok(v));
                    }
                }
                stops.push((racer, e));
                if z3_waiting {
                    spawn(Racer::Z3);
                    z3_waiting = false;
                    running += 1;
                }
            }
        }
    };
    token.cancel();
    let why_stopped = |stops: &[(Racer, DecideError)]| {
        stops
            .iter()
            .map(|(r, e)| format!("{} stopped: {e}", r.name()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    match outcome.or_else(|| held.map(Ok)) {
        Some(Ok(mut v)) => {
            let note = if stops.is_empty() {
                "the first certified answer of the engines run side by side".to_string()
            } else {
                format!(
                    "the first certified answer of the engines run side by side; {}",
                    why_stopped(&stops)
                )
            };
            match &mut v.engine {
                EngineReport::Z3 { fallback, .. } | EngineReport::Bdd { fallback, .. } => {
                    *fallback = Some(note)
                }
                _ => {}
            }
            Ok(v)
        }
        Some(Err(e)) => Err(e),
        None => {
            // Every engine stopped: z3's reason first (it is the most complete engine),
            // then the others'.
            stops.sort_by_key(|(r, _)| match r {
                Racer::Z3 => 0,
                Racer::Explicit => 1,
                Racer::Bdd => 2,
            });
            let mut stops = stops.into_iter();
            let seconds = begun.elapsed().as_secs_f64();
            match stops.next() {
                Some((Racer::Z3, DecideError::Undecided { depth, reason, .. })) => {
                    let rest: Vec<_> = stops.collect();
                    Err(DecideError::Undecided {
                        seconds,
                        depth,
                        reason: format!("{reason} (auto: {})", why_stopped(&rest)),
                    })
                }
                Some(first) => {
                    let all: Vec<_> = std::iter::once(first).chain(stops).collect();
                    if with_z3 {
                        Err(DecideError::Undecided {
                            seconds,
                            depth: 0,
                            reason: format!("auto: {}", why_stopped(&all)),
                        })
                    } else {
                        Err(DecideError::NoZ3 {
                            after: Some(why_stopped(&all)),
                        })
                    }
                }
                None => Err(DecideError::Undecided {
                    seconds,
                    depth: 0,
                    reason: "auto: no engine answered".into(),
                }),
            }
        }
    }
}

/// The BDD engine ([`crate::engine::bdd`]); the state budget bounds its BDDs' sizes.
fn decide_bdd(s: Sides, opts: &Options, fallback: Option<String>) -> Result<Verdict, DecideError> {
    use crate::engine::bdd::{compare, BddLimits, BddVerdict};
    let Sides {
        arena,
        left,
        right,
        acceptance: acc,
        question,
        ..
    } = s;
    let sides = (left, right);
    let limits = BddLimits {
        max_nodes: opts.max_states,
        timeout: opts.timeout,
        max_depth: opts.max_depth,
    };
    let started = std::time::Instant::now();
    let a = compare(s, &limits);
    let seconds = started.elapsed().as_secs_f64();
    let report = |checked| EngineReport::Bdd {
        depth: a.depth,
        reachable_states: a.reachable_states,
        state_bits: a.state_bits,
        bdd_nodes: a.peak_nodes,
        invariant_checked: checked,
        seconds,
        fallback: fallback.clone(),
    };
    match a.verdict {
        BddVerdict::Holds => Ok(Verdict {
            question,
            counterexample: None,
            engine: report(true),
        }),
        BddVerdict::Fails(word) => {
            let c = recheck(arena, sides, word, acc, question)?;
            Ok(Verdict {
                question,
                counterexample: Some(c),
                engine: report(false),
            })
        }
        BddVerdict::Unknown(reason) => Err(DecideError::BddUndecided {
            seconds,
            depth: a.depth,
            reason,
        }),
        BddVerdict::Unsupported(reason) => Err(DecideError::BddUnsupported { reason }),
        BddVerdict::Internal(reason) => Err(DecideError::ProofRecheck { reason }),
    }
}

fn decide_explicit(s: Sides, budget: &Budget) -> Result<Verdict, DecideError> {
    let Sides {
        arena,
        left,
        right,
        alphabet: sigma,
        acceptance: acc,
        question,
    } = s;
    if matches!(sigma, Alphabet::Props(p) if p.len() > DENSE_PROPS) {
        return decide_guarded(s, budget);
    }
    let dl = formula_dfa(arena, left, sigma, acc, budget)?;
    let dr = formula_dfa(arena, right, sigma, acc, budget)?;
    let answer = compare(&dl, &dr, question, budget)?;
    let cex = answer
        .counterexample
        .as_ref()
        .map(|l| (sigma.word(l), dl.accepts(l), dr.accepts(l)));
    explicit_verdict(s, cex, answer.states_explored, [dl.states, dr.states])
}

/// The explicit engine's verdict: its counterexample (with both automata's judgements)
/// re-checked by the evaluator, which must agree with the automata.
fn explicit_verdict(
    s: Sides,
    cex: Option<(Word, bool, bool)>,
    states_explored: usize,
    dfa_states: [usize; 2],
) -> Result<Verdict, DecideError> {
    let Sides {
        arena,
        left,
        right,
        acceptance: acc,
        question,
        ..
    } = s;
    let sides = (left, right);
    let counterexample = match cex {
        None => None,
        Some((word, first, second)) => {
            let c = recheck(arena, sides, word, acc, question)?;
            if c.first != first || c.second != second {
                return Err(DecideError::Internal {
                    word: c.word.show(),
                });
            }
            Some(c)
        }
    };
    Ok(Verdict {
        question,
        counterexample,
        engine: EngineReport::Explicit {
            states_explored,
            dfa_states,
        },
    })
}

/// The explicit engine over more than [`DENSE_PROPS`] propositions: guard-labelled
/// minimal DFAs and their product.
fn decide_guarded(s: Sides, budget: &Budget) -> Result<Verdict, DecideError> {
    let Sides {
        arena,
        left,
        right,
        alphabet: sigma,
        acceptance: acc,
        question,
    } = s;
    let order = guard_order(arena, &[left, right], sigma);
    let gl = formula_guarded_in(arena, left, sigma, acc, budget, order.clone())?;
    let gr = formula_guarded_in(arena, right, sigma, acc, budget, order)?;
    let answer = compare_guarded(&gl, &gr, question, budget)?;
    let cex = answer
        .counterexample
        .as_ref()
        .map(|l| (gl.word(l), gl.accepts(l), gr.accepts(l)));
    explicit_verdict(s, cex, answer.states_explored, [gl.states(), gr.states()])
}

#[cfg(feature = "z3")]
fn decide_z3(s: Sides, opts: &Options, fallback: Option<String>) -> Result<Verdict, DecideError> {
    use crate::engine::z3::{isolate, Proof, SmtLimits, SmtVerdict};
    let Sides {
        arena,
        left,
        right,
        alphabet: sigma,
        acceptance: acc,
        question,
    } = s;
    let sides = (left, right);
    let limits = SmtLimits {
        max_depth: opts.max_depth,
        timeout: opts.timeout,
        ..SmtLimits::default()
    };
    let started = std::time::Instant::now();
    // In a child process when the binary registered one: a z3 abort is "undecided".
    let answer = isolate::compare(s, &limits);
    let seconds = started.elapsed().as_secs_f64();
    let report = |proof, method| EngineReport::Z3 {
        proof,
        method,
        depth: answer.depth,
        state_variables: answer.state_vars,
        seconds,
        fallback: fallback.clone(),
        over_sets: answer.over_sets,
    };
    match &answer.verdict {
        SmtVerdict::Unknown(reason) => Err(DecideError::Undecided {
            seconds,
            depth: answer.depth,
            reason: reason.clone(),
        }),
        SmtVerdict::Internal(reason) => Err(DecideError::ProofRecheck {
            reason: reason.clone(),
        }),
        SmtVerdict::Holds(proof) => {
            let proof = match proof {
                Proof::KInduction { k } => ProofReport::KInduction { k: *k },
                Proof::Spacer {
                    invariant,
                    invariant_checked,
                    bmc_depth,
                } => ProofReport::Spacer {
                    invariant: invariant.clone(),
                    invariant_checked: *invariant_checked,
                    bmc_depth: *bmc_depth,
                },
            };
            Ok(Verdict {
                question,
                counterexample: None,
                engine: report(Some(proof), None),
            })
        }
        SmtVerdict::Fails(found) => Ok(Verdict {
            question,
            counterexample: Some(recheck(arena, sides, found.to_word(sigma), acc, question)?),
            engine: report(None, Some("bmc")),
        }),
    }
}

#[cfg(not(feature = "z3"))]
fn decide_z3(_s: Sides, _opts: &Options, fallback: Option<String>) -> Result<Verdict, DecideError> {
    Err(DecideError::NoZ3 { after: fallback })
}

/// Why a model could not be checked against a spec.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CheckError {
    /// The model has no exact translation (`check_model_bounded`, with z3, analyses it up to a length).
    #[error(transparent)]
    Compile(#[from] crate::model::boolean::compile::CompileError),
    /// The spec names an atom that is not a token of the model.
    #[error("the spec uses `{atom}`, which is not a token of the model")]
    NotAToken {
        /// The atom.
        atom: String,
        /// The model's alphabet.
        alphabet: Vec<String>,
    },
    /// The comparison stopped.
    #[error(transparent)]
    Decide(#[from] DecideError),
    /// Two sides of a comparison fix different alphabets.
    #[error("the two sides have different alphabets: {{{}}} and {{{}}}", .left.join(", "), .right.join(", "))]
    Alphabets {
        /// The first side's letters.
        left: Vec<String>,
        /// The second side's (or the requested alphabet).
        right: Vec<String>,
    },
    /// A numeric model did not compile (a budget, or a NaN).
    #[error(transparent)]
    Numeric(#[from] crate::model::numeric::NumericCompileError),
    /// A budget stopped the work with a numeric operand, after the search on the fly had
    /// checked every word up to a length.
    #[error("{reason}; no counterexample among all words of length ≤ {checked_up_to_length} (searched on the fly)")]
    Undecided {
        /// What stopped the compilation (or the search).
        reason: String,
        /// Every word of length ≤ this was checked and is no counterexample.
        checked_up_to_length: usize,
        /// Whether a clock stopped the compilation or the proof by bounds (`--timeout`,
        /// the proof's own 20 s without one, or a cancellation); `false`: no clock did
        /// (a state limit, or a proof that does not apply or cannot decide). The search
        /// on the fly and the hunt before them always have a share of the time, so their
        /// depth may differ from run to run either way.
        timed_out: bool,
    },
    /// The executor, the compiled formula and the spec disagree: a bug, never a verdict.
    #[error("internal error: the compiled model, its executor and the spec disagree on `{word}`; please report this with the model")]
    Internal {
        /// The word they disagree on.
        word: String,
    },
}

impl miette::Diagnostic for CheckError {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            CheckError::Compile(_) => Some(Box::new(
                "`check --bound N` compares it with the spec on every word of length ≤ N (z3)",
            )),
            CheckError::NotAToken { alphabet, .. } => Some(Box::new(format!(
                "the model's alphabet is {{{}}}",
                alphabet.join(", ")
            ))),
            CheckError::Decide(e) => miette::Diagnostic::help(e),
            CheckError::Alphabets { .. } => Some(Box::new(
                "models and DFA files fix their alphabets: compare languages over the same tokens, in the same order",
            )),
            CheckError::Numeric(e) => miette::Diagnostic::help(e),
            CheckError::Undecided { .. } => Some(Box::new(
                "raise --max-states or --timeout: the search goes to longer words, and the compilation may finish the proof",
            )),
            CheckError::Internal { .. } => None,
        }
    }
}

impl CheckError {
    /// For an undecided comparison: whether the clock stopped the work (not a state
    /// limit alone), so that more time, or a machine less busy, may decide it.
    pub fn timed_out(&self) -> bool {
        matches!(
            self,
            CheckError::Undecided {
                timed_out: true,
                ..
            }
        )
    }

    /// For an undecided comparison: every word up to this length was checked.
    pub fn checked_up_to_length(&self) -> Option<usize> {
        match self {
            CheckError::Undecided {
                checked_up_to_length,
                ..
            } => Some(*checked_up_to_length),
            _ => None,
        }
    }
}

/// A model checked against a spec: the comparison of its compiled formula with the spec
/// (first = model, second = spec) and, for a counterexample, the reference executor's
/// trace on it, which agrees with the compiled formula.
#[derive(Clone, Debug)]
pub struct ModelCheck {
    /// The compiled model; the spec is imported into its arena.
    pub compiled: crate::model::boolean::compile::Compiled,
    /// The spec in `compiled.arena`.
    pub spec: NodeId,
    /// Equivalence of the model's language and the spec's.
    pub verdict: Verdict,
    /// The executor's run on the counterexample, if there is one.
    pub trace: Option<crate::model::boolean::Trace>,
}

/// The spec's atoms must be tokens of the model.
fn spec_atoms_are_tokens(
    alphabet: &[String],
    arena: &Arena,
    spec: NodeId,
) -> Result<(), CheckError> {
    match arena
        .atom_names(spec)
        .into_iter()
        .find(|x| !alphabet.contains(x))
    {
        Some(atom) => Err(CheckError::NotAToken {
            atom,
            alphabet: alphabet.to_vec(),
        }),
        None => Ok(()),
    }
}

/// Does `model` recognize exactly L(`spec`)? Compiles the model (translation validated
/// by the tests), decides equivalence with the spec, and re-checks a counterexample with
/// the reference executor, which runs the head semantics and not the formula.
pub fn check_model(
    model: &crate::model::boolean::Model,
    spec_arena: &Arena,
    spec: NodeId,
    opts: &Options,
) -> Result<ModelCheck, CheckError> {
    spec_atoms_are_tokens(&model.alphabet, spec_arena, spec)?;
    let mut compiled = crate::model::boolean::compile::compile(model)?;
    let spec = compiled.arena.import(spec_arena, spec);
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    let verdict = decide(
        &compiled.arena,
        compiled.accept,
        spec,
        &sigma,
        model.acceptance,
        Question::Equivalent,
        opts,
    )?;
    let trace = match &verdict.counterexample {
        None => None,
        Some(c) => {
            let Word::Letters(tokens) = &c.word else {
                return Err(CheckError::Internal {
                    word: c.word.show(),
                });
            };
            let t =
                crate::model::boolean::run(model, tokens).map_err(|_| CheckError::Internal {
                    word: c.word.show(),
                })?;
            if t.accepted != c.first {
                return Err(CheckError::Internal {
                    word: c.word.show(),
                });
            }
            Some(t)
        }
    };
    Ok(ModelCheck {
        compiled,
        spec,
        verdict,
        trace,
    })
}

/// The answer of a bounded comparison of a model with a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bounded {
    /// They agree on every word of length ≤ the bound (not a proof beyond it).
    AgreeUpTo(usize),
    /// A shortest word they disagree on, re-checked by the executor and the evaluator,
    /// with the model's and the spec's judgement.
    Differ {
        /// The word.
        word: Vec<String>,
        /// Whether the model accepts it.
        model: bool,
        /// Whether the spec accepts it.
        spec: bool,
    },
    /// z3 gave up at this length, for this reason.
    Unknown(usize, String),
}

/// For a model without an exact translation (a non-regular Combiner-Logsparse head):
/// z3 compares its executor semantics with the spec on every word of length ≤ `bound`.
#[cfg(feature = "z3")]
pub fn check_model_bounded(
    model: &crate::model::boolean::Model,
    arena: &Arena,
    spec: NodeId,
    bound: usize,
    timeout: Option<Duration>,
) -> Result<Bounded, CheckError> {
    use crate::engine::z3::bounded::Bounded as Z3Bounded;
    use crate::engine::z3::isolate::bounded_check;
    spec_atoms_are_tokens(&model.alphabet, arena, spec)?;
    Ok(match bounded_check(model, arena, spec, bound, timeout) {
        Z3Bounded::AgreeUpTo(n) => Bounded::AgreeUpTo(n),
        Z3Bounded::Unknown(n, r) => Bounded::Unknown(n, r),
        Z3Bounded::Differ(w, mine, theirs) => {
            let internal = || CheckError::Internal { word: w.join(" ") };
            let t = crate::model::boolean::run(model, &w).map_err(|_| internal())?;
            let spec_says = evaluate(arena, spec, &Word::letters(w.clone()), model.acceptance);
            if t.accepted != mine || spec_says != theirs || mine == theirs {
                return Err(internal());
            }
            Bounded::Differ {
                word: w,
                model: mine,
                spec: theirs,
            }
        }
    })
}

/// The longest counterexample whose executor trace [`NumericCheck`] carries (the trace
/// has an α for every pair of positions).
pub const TRACE_LETTERS: usize = 2_000;

/// A numeric model checked against a spec: the verdict (first = model, second = spec)
/// and, for a counterexample, the exact executor's run on it.
#[derive(Clone, Debug)]
pub struct NumericCheck {
    /// Equivalence of the model's language and the spec's.
    pub verdict: Verdict,
    /// The exact executor's run on the counterexample, if there is one of at most
    /// [`TRACE_LETTERS`] letters.
    pub trace: Option<crate::model::numeric::NumericTrace>,
    /// The exact executor's logit at ⊣ on the counterexample, if there is one (with or
    /// without the trace).
    pub logit: Option<crate::model::numeric::Num>,
    /// The compiled model, when the verdict needed the compilation (a proof the search
    /// on the fly could not finish).
    pub compiled: Option<crate::model::numeric::NumericCompiled>,
}

/// Does the numeric `model` recognize exactly L(`spec`)? First the model's abstract
/// states are searched on the fly in product with the spec's minimal DFA, breadth first,
/// for a shortest counterexample; the proof of "holds", when that search does not
/// exhaust the product, comes from the compiled model's minimal DFA
/// ([`decide_operands`]). A counterexample is re-checked by the exact executor (which
/// runs the arithmetic, not the abstraction) and by the reference evaluator. When a
/// budget stops the work, [`CheckError::Undecided`] says up to which length every word
/// was checked.
pub fn check_numeric_spec(
    model: &crate::model::numeric::NumericModel,
    arena: &Arena,
    spec: NodeId,
    opts: &Options,
) -> Result<NumericCheck, CheckError> {
    numeric_against_spec(model, None, arena, spec, opts)
}

/// [`check_numeric_spec`] for a model already compiled: the compiled DFA is compared
/// with the spec's (no search on the fly).
pub fn check_numeric(
    model: &crate::model::numeric::NumericModel,
    compiled: &crate::model::numeric::NumericCompiled,
    arena: &Arena,
    spec: NodeId,
    opts: &Options,
) -> Result<NumericCheck, CheckError> {
    numeric_against_spec(model, Some(compiled), arena, spec, opts)
}

/// The numeric model against the spec's language, with the exact executor's run on a
/// counterexample.
fn numeric_against_spec(
    model: &crate::model::numeric::NumericModel,
    compiled: Option<&crate::model::numeric::NumericCompiled>,
    arena: &Arena,
    spec: NodeId,
    opts: &Options,
) -> Result<NumericCheck, CheckError> {
    let sigma = Alphabet::Tokens(model.alphabet.clone());
    let left = Operand::Numeric { model, compiled };
    let right = Operand::Formula {
        arena,
        root: spec,
        acceptance: Acceptance::Eos,
    };
    let (verdict, mut made) = decide_numeric(&left, &right, &sigma, Question::Equivalent, opts)?;
    let (trace, logit) = match &verdict.counterexample {
        None => (None, None),
        Some(cex) => {
            let internal = || CheckError::Internal {
                word: cex.word.show(),
            };
            let Word::Letters(tokens) = &cex.word else {
                return Err(internal());
            };
            // The trace holds an α per pair of positions: for a long word (the hunt's
            // long powers) only the answer is computed.
            if tokens.len() > TRACE_LETTERS {
                let (logit, _) = crate::model::numeric::run_numeric_answer(model, tokens)
                    .map_err(|_| internal())?;
                (None, Some(logit))
            } else {
                let t =
                    crate::model::numeric::run_numeric(model, tokens).map_err(|_| internal())?;
                let logit = t.logit.clone();
                (Some(t), Some(logit))
            }
        }
    };
    Ok(NumericCheck {
        verdict,
        trace,
        logit,
        compiled: made[0].take(),
    })
}

/// One side of a comparison of languages: a formula, a Boolean model, a numeric model or
/// a DFA. Each has its own judge of a word, independent of the DFA the comparison
/// builds: the reference evaluator, the model's reference executor, the exact numeric
/// executor (a DFA file is its own definition).
#[derive(Clone, Copy, Debug)]
pub enum Operand<'a> {
    /// A formula judged under `acceptance`.
    Formula {
        /// Its arena.
        arena: &'a Arena,
        /// The formula.
        root: NodeId,
        /// The acceptance condition for this side.
        acceptance: Acceptance,
    },
    /// A Boolean model and its compiled formula (judged under the model's acceptance).
    Model {
        /// The model.
        model: &'a crate::model::boolean::Model,
        /// What `compile` made of it.
        compiled: &'a crate::model::boolean::compile::Compiled,
    },
    /// A numeric model (EOS acceptance), and its compiled minimal DFA if it is
    /// compiled already (else it is searched on the fly first and compiled only for a
    /// proof).
    Numeric {
        /// The model.
        model: &'a crate::model::numeric::NumericModel,
        /// What `compile_numeric` made of it, if it ran.
        compiled: Option<&'a crate::model::numeric::NumericCompiled>,
    },
    /// A DFA.
    Dfa(&'a crate::automata::Dfa),
}

impl Operand<'_> {
    /// The alphabet the operand fixes (models and DFAs), `None` for a formula.
    pub fn alphabet(&self) -> Option<Alphabet> {
        match self {
            Operand::Formula { .. } => None,
            Operand::Model { model, .. } => Some(Alphabet::Tokens(model.alphabet.clone())),
            Operand::Numeric { model, .. } => Some(Alphabet::Tokens(model.alphabet.clone())),
            Operand::Dfa(d) => Some(d.alphabet().clone()),
        }
    }

    /// The minimal DFA of the operand's language over `sigma`.
    pub fn minimal_dfa(
        &self,
        sigma: &Alphabet,
        budget: &Budget,
    ) -> Result<crate::automata::Dfa, CheckError> {
        let decide = |e: LimitError| CheckError::Decide(e.into());
        match *self {
            Operand::Formula {
                arena,
                root,
                acceptance,
            } => formula_dfa(arena, root, sigma, acceptance, budget).map_err(decide),
            Operand::Model { model, compiled } => formula_dfa(
                &compiled.arena,
                compiled.accept,
                sigma,
                model.acceptance,
                budget,
            )
            .map_err(decide),
            Operand::Numeric {
                compiled: Some(c), ..
            } => Ok(c.dfa.clone()),
            Operand::Numeric { model, .. } => {
                Ok(crate::model::numeric::compile_numeric(model, budget)?.dfa)
            }
            Operand::Dfa(d) => Ok(crate::automata::minimize(d)),
        }
    }

    /// The operand's own judgement of `word`, not through the comparison's DFA.
    fn judge(&self, word: &Word) -> Option<bool> {
        let tokens = match word {
            Word::Letters(t) => Some(t.as_slice()),
            Word::Props(_) => None,
        };
        match *self {
            Operand::Formula {
                arena,
                root,
                acceptance,
            } => Some(evaluate(arena, root, word, acceptance)),
            Operand::Model { model, .. } => crate::model::boolean::run(model, tokens?)
                .ok()
                .map(|t| t.accepted),
            // Without the trace, keys counted by value: long counterexamples of the hunt
            // among powers are confirmed in seconds.
            Operand::Numeric { model, .. } => {
                crate::model::numeric::run_numeric_answer(model, tokens?)
                    .ok()
                    .map(|(_, accepted)| accepted)
            }
            Operand::Dfa(d) => {
                let letters = d.alphabet().letters_of(word).ok()?;
                Some(d.accepts(&letters))
            }
        }
    }
}

/// Is L(`left`) equal to (or included in) L(`right`), for operands that may be models or
/// DFAs? Both sides become minimal DFAs over `sigma` and the explicit engine compares
/// them; a shortest counterexample is re-judged by each side's own judge (evaluator,
/// executor) and must agree with both DFAs, else [`CheckError::Internal`]. A formula's
/// atoms must be tokens of the alphabet the other side fixes. A numeric side that is not
/// compiled yet is first searched on the fly ([`check_numeric_spec`]).
pub fn decide_operands(
    left: &Operand<'_>,
    right: &Operand<'_>,
    sigma: &Alphabet,
    question: Question,
    opts: &Options,
) -> Result<Verdict, CheckError> {
    decide_numeric(left, right, sigma, question, opts).map(|(v, _)| v)
}

/// The share of the budget the search on the fly gets before the compilation: a quarter
/// of the states, a third of the time (20 s when no timeout is given, so that a proof
/// that needs the compilation is not held up for long).
fn search_budget(budget: &Budget) -> Budget {
    let now = std::time::Instant::now();
    let share = match (budget.deadline, budget.timeout) {
        (Some(d), Some(_)) => d.saturating_duration_since(now) / 3,
        _ => std::time::Duration::from_secs(20),
    };
    Budget {
        max_states: (budget.max_states / 4).max(1),
        deadline: Some(now + share),
        timeout: Some(share),
    }
}

/// Two thirds of the time left and half of the states, for a proof by bounds before a
/// compilation (on the trained models the bounds decide where the compilation, given the
/// rest, would not finish either; the e4m3 Σ*ab model needs 30 s of a 60 s budget).
fn bounds_budget(budget: &Budget) -> Budget {
    let now = std::time::Instant::now();
    let share = match (budget.deadline, budget.timeout) {
        (Some(d), Some(_)) => d.saturating_duration_since(now) * 2 / 3,
        _ => std::time::Duration::from_secs(20),
    };
    Budget {
        max_states: (budget.max_states / 2).max(1),
        deadline: Some(now + share),
        timeout: Some(share),
    }
}

/// [`decide_operands`], with the compiled form of each numeric side that had to be
/// compiled.
fn decide_numeric(
    left: &Operand<'_>,
    right: &Operand<'_>,
    sigma: &Alphabet,
    question: Question,
    opts: &Options,
) -> Result<(Verdict, [Option<crate::model::numeric::NumericCompiled>; 2]), CheckError> {
    use crate::model::numeric::search::{Bfs, SearchStop};
    for (side, other) in [(left, right), (right, left)] {
        if let (Operand::Formula { arena, root, .. }, Some(Alphabet::Tokens(tokens))) =
            (side, other.alphabet())
        {
            spec_atoms_are_tokens(&tokens, arena, *root)?;
        }
    }
    for side in [left, right] {
        if let Some(fixed) = side.alphabet().filter(|a| a != sigma) {
            return Err(CheckError::Alphabets {
                left: fixed.atoms().to_vec(),
                right: sigma.atoms().to_vec(),
            });
        }
    }
    let budget = opts.budget();
    let fresh = |o: &Operand<'_>| matches!(o, Operand::Numeric { compiled: None, .. });
    // Every word up to this length was checked on the fly.
    let mut checked: Option<usize> = None;
    // The non-numeric sides' minimal DFAs, built once for the search and the comparison.
    let mut built: [Option<crate::automata::Dfa>; 2] = [None, None];
    // A verdict found before any compilation (the search, or the hunt past it): the
    // counterexample, if any, re-run by each side's judge.
    let on_the_fly = |letters: Option<Vec<u32>>, engine: EngineReport| {
        let counterexample = match letters {
            None => None,
            Some(letters) => Some(confirm(left, right, sigma, question, &letters, None)?),
        };
        Ok((
            Verdict {
                question,
                counterexample,
                engine,
            },
            [None, None],
        ))
    };
    if fresh(left) || fresh(right) {
        let quick = search_budget(&budget);
        // The other sides as minimal DFAs (a numeric side compiled already is one too).
        let dfa_of = |o: &Operand<'_>| -> Result<Option<crate::automata::Dfa>, CheckError> {
            if fresh(o) {
                Ok(None)
            } else {
                o.minimal_dfa(sigma, &budget).map(Some)
            }
        };
        built = [dfa_of(left)?, dfa_of(right)?];
        let (mut ma, mut mb) = (machine(left, &built[0]), machine(right, &built[1]));
        // Kept after a budget stop: the search for a shortest word past the hunt's goes
        // on from where this one stopped.
        let mut bfs = Bfs::new(sigma.len(), question);
        let found = bfs.run(ma.as_mut(), mb.as_mut(), &quick, None);
        if let Err(SearchStop::Budget {
            checked_up_to_length,
            ..
        }) = &found
        {
            // Against a DFA, words past the search before the proof and the compilation.
            if let Some(other) = built.iter().flatten().next() {
                let hunted = hunt_past(
                    ma.as_mut(),
                    mb.as_mut(),
                    &mut bfs,
                    other,
                    sigma,
                    question,
                    *checked_up_to_length,
                    &budget,
                )?;
                if let Some((letters, engine)) = hunted {
                    drop((ma, mb));
                    return on_the_fly(Some(letters), engine);
                }
            }
        }
        drop((ma, mb));
        match found {
            Ok(found) => {
                let engine = EngineReport::OnTheFly {
                    states_explored: found.states,
                    side_states: found.side_states,
                };
                return on_the_fly(found.counterexample, engine);
            }
            Err(SearchStop::Budget {
                checked_up_to_length,
                ..
            }) => checked = Some(checked_up_to_length),
            // A step of a word's run is NaN: the executor raises it on that word.
            Err(SearchStop::Nan(e)) => return Err(nan(e)),
            Err(SearchStop::Depth { .. }) => unreachable!("the search has no depth cap"),
        }
    }
    // A proof by bounds of the last layer's global heads, for a numeric side against a
    // DFA once the search has checked the short words: beside the compilation on a
    // second core (each with all the time left; the first to decide stops the other),
    // else before it within two thirds of the time left.
    let job = checked.and_then(|n| {
        [(true, left, &built[1]), (false, right, &built[0])]
            .into_iter()
            .find_map(|(model_left, m, o)| match (m, o) {
                (
                    Operand::Numeric {
                        model,
                        compiled: None,
                    },
                    Some(other),
                ) => Some(BoundsJob {
                    model,
                    other,
                    model_left,
                    question,
                    checked: n,
                }),
                _ => None,
            })
    });
    let compile =
        |o: &Operand<'_>| -> Result<Option<crate::model::numeric::NumericCompiled>, CheckError> {
            match o {
                Operand::Numeric {
                    model,
                    compiled: None,
                } => Ok(Some(crate::model::numeric::compile_numeric(
                    model, &budget,
                )?)),
                _ => Ok(None),
            }
        };
    let compile_both =
        || -> Result<[Option<crate::model::numeric::NumericCompiled>; 2], CheckError> {
            Ok([compile(left)?, compile(right)?])
        };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (bounds, compiled) = match &job {
        None => (None, compile_both()),
        Some(job) if cores < NUMERIC_WORKERS => {
            let bounds = job.run(&bounds_budget(&budget))?;
            if let BoundsOutcome::Proved(v) = bounds {
                return Ok((v, [None, None]));
            }
            (Some(bounds), compile_both())
        }
        Some(job) => {
            let token = crate::cancel::Cancel::new();
            // The caller's cancellation (Ctrl-C, a portfolio) reaches both.
            let _link = crate::cancel::current().map(|caller| {
                let token = token.clone();
                caller.on_cancel(move || token.cancel())
            });
            // Half of the states, and without a deadline the proof's 20 s default (the
            // compilation alone is bounded by its states).
            let half = Budget {
                max_states: (budget.max_states / 2).max(1),
                ..if budget.deadline.is_some() {
                    budget
                } else {
                    bounds_budget(&budget)
                }
            };
            let (bounds, compiled) = std::thread::scope(|scope| {
                let proving = scope.spawn(|| {
                    let got = token.run(|| job.run(&half));
                    // A proof (or an internal error) stops the compilation.
                    if !matches!(got, Ok(BoundsOutcome::Undecided(..))) {
                        token.cancel();
                    }
                    got
                });
                // A panic in the compilation must stop the proof too (the scope joins it).
                struct StopOnUnwind<'t>(&'t crate::cancel::Cancel);
                impl Drop for StopOnUnwind<'_> {
                    fn drop(&mut self) {
                        if std::thread::panicking() {
                            self.0.cancel();
                        }
                    }
                }
                let guard = StopOnUnwind(&token);
                let compiled = token.run(compile_both);
                drop(guard);
                if compiled.is_ok() {
                    // Compiled: the comparison decides; the proof is not needed.
                    token.cancel();
                }
                let bounds = proving
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                (bounds, compiled)
            });
            match (bounds, compiled) {
                (_, Ok(c)) => (None, Ok(c)),
                (Ok(BoundsOutcome::Proved(v)), Err(_)) => return Ok((v, [None, None])),
                (Ok(b), Err(e)) => (Some(b), Err(e)),
                (Err(e), Err(_)) => return Err(e),
            }
        }
    };
    let (bounds_note, bounds_timed_out) = match bounds {
        Some(BoundsOutcome::Undecided(why, clock)) => (Some(why), clock),
        _ => (None, false),
    };
    // A budget that stops the compilation after the search: say how far the search got.
    let wrap = |e: CheckError| {
        match (checked, &e) {
        (Some(n), CheckError::Numeric(crate::model::numeric::NumericCompileError::Budget(l, ..)))
        | (Some(n), CheckError::Decide(DecideError::Limit(l))) => CheckError::Undecided {
            reason: match &bounds_note {
                Some(why) => format!(
                    "{e}; a proof by bounds of the last layer's global heads did not decide either ({why})"
                ),
                None => e.to_string(),
            },
            checked_up_to_length: n,
            timed_out: clock(l) || bounds_timed_out,
        },
        _ => e,
    }
    };
    let compiled = compiled.map_err(wrap)?;

    let side = |o: &Operand<'_>,
                c: &Option<crate::model::numeric::NumericCompiled>,
                d: Option<crate::automata::Dfa>|
     -> Result<crate::automata::Dfa, CheckError> {
        match (c, d) {
            (Some(c), _) => Ok(c.dfa.clone()),
            (None, Some(d)) => Ok(d),
            (None, None) => o.minimal_dfa(sigma, &budget),
        }
    };
    let [built_a, built_b] = built;
    let (a, b) = (
        side(left, &compiled[0], built_a).map_err(wrap)?,
        side(right, &compiled[1], built_b).map_err(wrap)?,
    );
    let answer =
        compare(&a, &b, question, &budget).map_err(|e| wrap(CheckError::Decide(e.into())))?;
    let engine = EngineReport::Explicit {
        states_explored: answer.states_explored,
        dfa_states: [a.states(), b.states()],
    };
    let counterexample = match answer.counterexample {
        None => None,
        Some(letters) => Some(confirm(
            left,
            right,
            sigma,
            question,
            &letters,
            Some((&a, &b)),
        )?),
    };
    Ok((
        Verdict {
            question,
            counterexample,
            engine,
        },
        compiled,
    ))
}

/// Whether a clock (a deadline, or a cancellation) stopped the work, not a state limit.
fn clock(l: &crate::automata::LimitError) -> bool {
    matches!(l.limit, crate::automata::Limit::Timeout(_))
}

/// A NaN a step of the model meets: the executor raises it on that word.
fn nan(e: crate::model::numeric::ExecError) -> CheckError {
    CheckError::Numeric(crate::model::numeric::NumericCompileError::Nan(e))
}

/// At most 5 s and a tenth of the time left (of the 20 s the search gets when no timeout
/// is given), and a quarter of the states, for the hunt past the search.
fn hunt_budget(budget: &Budget) -> Budget {
    let now = std::time::Instant::now();
    let left = match (budget.deadline, budget.timeout) {
        (Some(d), Some(_)) => d.saturating_duration_since(now),
        _ => std::time::Duration::from_secs(20),
    };
    let share = (left / 10).min(std::time::Duration::from_secs(5));
    Budget {
        max_states: (budget.max_states / 4).max(1),
        deadline: Some(now + share),
        timeout: Some(share),
    }
}

/// After the search on the fly `bfs` stopped by its budget at length `checked`: hunt for
/// a longer counterexample ([`crate::model::numeric::hunt`], then among long powers,
/// [`crate::model::numeric::hunt::hunt_powers`]), then go on with the
/// breadth-first search from where it stopped, with the rest of `budget`, up to the
/// word's length, for a shortest one. The word found (the search's, engine
/// `on-the-fly`, or the hunt's, engine `hunt`), or `None` if the hunt found none.
#[allow(clippy::too_many_arguments)]
fn hunt_past(
    a: &mut dyn crate::model::numeric::search::Machine,
    b: &mut dyn crate::model::numeric::search::Machine,
    bfs: &mut crate::model::numeric::search::Bfs,
    other: &crate::automata::Dfa,
    sigma: &Alphabet,
    question: Question,
    checked: usize,
    budget: &Budget,
) -> Result<Option<(Vec<u32>, EngineReport)>, CheckError> {
    use crate::model::numeric::hunt::hunt;
    use crate::model::numeric::search::SearchStop;
    let letters = sigma.len();
    let hunted = hunt(
        a,
        b,
        other,
        letters,
        question,
        checked,
        &hunt_budget(budget),
    )
    .map_err(nan)?;
    // Then long powers u^k v, within a share of their own: what only long words reach.
    // (`words_tried` counts both hunts' words.)
    let hunted = match hunted.counterexample {
        Some(_) => hunted,
        None => {
            let mut powers = crate::model::numeric::hunt::hunt_powers(
                a,
                b,
                letters,
                question,
                checked,
                &hunt_budget(budget),
            )
            .map_err(nan)?;
            powers.words_tried += hunted.words_tried;
            powers
        }
    };
    let Some(word) = hunted.counterexample else {
        return Ok(None);
    };
    let internal = || CheckError::Internal {
        word: sigma.word(&word).show(),
    };
    match bfs.run(a, b, budget, Some(word.len())) {
        Ok(found) => match found.counterexample {
            Some(shortest) => Ok(Some((
                shortest,
                EngineReport::OnTheFly {
                    states_explored: found.states,
                    side_states: found.side_states,
                },
            ))),
            // The whole product explored with no disagreement, yet the machines disagree
            // on `word`.
            None => Err(internal()),
        },
        Err(SearchStop::Budget {
            checked_up_to_length,
            ..
        }) => Ok(Some((
            word.clone(),
            EngineReport::Hunt {
                // At least `checked`: the search went on from there.
                checked_up_to_length,
                counterexample_length: word.len(),
                states_explored: bfs.states(),
                words_tried: hunted.words_tried,
            },
        ))),
        // Every word up to its length agrees, yet the machines disagree on it.
        Err(SearchStop::Depth { .. }) => Err(internal()),
        Err(SearchStop::Nan(e)) => Err(nan(e)),
    }
}

/// The threads a numeric side's comparison uses after the search on the fly: the proof
/// by bounds beside the compilation (on fewer cores they run one after the other).
pub const NUMERIC_WORKERS: usize = 2;

/// A proof by bounds to try: a numeric model against the other side's DFA, with every
/// word of length ≤ `checked` known to agree.
struct BoundsJob<'a> {
    model: &'a crate::model::numeric::NumericModel,
    other: &'a crate::automata::Dfa,
    model_left: bool,
    question: Question,
    checked: usize,
}

/// What a proof by bounds gave.
enum BoundsOutcome {
    /// Proved: the verdict.
    Proved(Verdict),
    /// Not decided: why (the budget, or the bounds too wide), and whether the clock
    /// stopped it.
    Undecided(String, bool),
}

impl BoundsJob<'_> {
    fn run(&self, budget: &Budget) -> Result<BoundsOutcome, CheckError> {
        use crate::model::numeric::bounds::{prove_by_bounds, Bounds};
        match prove_by_bounds(
            self.model,
            self.other,
            self.model_left,
            self.question,
            Some(self.checked),
            budget,
        ) {
            Ok(Bounds::Proved(p)) => Ok(BoundsOutcome::Proved(Verdict {
                question: self.question,
                counterexample: None,
                engine: EngineReport::Bounds {
                    states_explored: p.product_states,
                    stage_states: p.stage_states,
                    refined: p.refined,
                    path_states: p.path_states,
                    boxes: p.boxes,
                    checked_up_to_length: self.checked,
                },
            })),
            Ok(Bounds::Inconclusive(why)) => Ok(BoundsOutcome::Undecided(why, false)),
            Err(crate::model::numeric::NumericCompileError::Budget(e, ..)) => Ok(
                BoundsOutcome::Undecided(format!("stopped by the budget: {e}"), clock(&e)),
            ),
            // The proof's interval arithmetic met a NaN that no word need give: the
            // compilation decides (it runs every reachable type exactly).
            Err(crate::model::numeric::NumericCompileError::Nan(e)) => Ok(
                BoundsOutcome::Undecided(format!("a NaN in the bounds: {e}"), false),
            ),
            Err(e) => Err(CheckError::Numeric(e)),
        }
    }
}

/// One side of the search on the fly: a numeric model's machine, or the side's DFA.
fn machine<'a>(
    o: &Operand<'a>,
    d: &'a Option<crate::automata::Dfa>,
) -> Box<dyn crate::model::numeric::search::Machine + 'a> {
    use crate::model::numeric::search::{DfaMachine, NumericMachine};
    match (o, d) {
        (_, Some(d)) => Box::new(DfaMachine(d)),
        (Operand::Numeric { model, .. }, None) => Box::new(NumericMachine::new(model)),
        _ => unreachable!("a side is a numeric model or has a DFA"),
    }
}

/// A counterexample re-judged by each side's own judge (evaluator, executor): it must
/// separate the sides, and agree with the DFAs that found it, if any.
fn confirm(
    left: &Operand<'_>,
    right: &Operand<'_>,
    sigma: &Alphabet,
    question: Question,
    letters: &[u32],
    dfas: Option<(&crate::automata::Dfa, &crate::automata::Dfa)>,
) -> Result<Counterexample, CheckError> {
    let word = sigma.word(letters);
    let internal = || CheckError::Internal { word: word.show() };
    let first = left.judge(&word).ok_or_else(internal)?;
    let second = right.judge(&word).ok_or_else(internal)?;
    let separates = match question {
        Question::Equivalent => first != second,
        Question::Included => first && !second,
    };
    let agree =
        dfas.is_none_or(|(a, b)| first == a.accepts(letters) && second == b.accepts(letters));
    if !agree || !separates {
        return Err(internal());
    }
    Ok(Counterexample {
        word,
        first,
        second,
    })
}
