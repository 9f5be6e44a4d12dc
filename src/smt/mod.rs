//! The z3 engine: formulas as symbolic transition systems, compared by bounded model
//! checking (shortest counterexamples) and proved by k-induction with simple-path
//! constraints or by z3's CHC engine Spacer (an inductive invariant).
//!
//! The state of a formula's system is what the explicit construction keeps
//! (`automata/build.rs`), as solver variables: for every temporal subformula the value
//! its recurrence reads from the previous position (one Boolean), a distance counter for
//! every `Y<=k` (a bit-vector), a "first position" flag, and under last-position
//! acceptance the roots' values at the last position read. A step reads one letter
//! (a bit-vector index in letter mode, one Boolean per proposition with `--props`); the
//! end-marker step reads none. Nothing of z3 leaks out of this module: answers are
//! plain words and strings.
//!
//! ```
//! use ltlattn::automata::{Alphabet, Question};
//! use ltlattn::logic::{parse, Acceptance, Arena};
//! use ltlattn::smt::{compare_symbolic, SmtLimits, SmtVerdict};
//! let mut f = Arena::new();
//! let l = parse(&mut f, "P (a & Y b)").unwrap();
//! let r = parse(&mut f, "Y P (a & Y b) | Y (a & Y b)").unwrap();
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
//! let answer = compare_symbolic(&f, l, r, &sigma, Acceptance::Eos, Question::Equivalent,
//!                               &SmtLimits::default());
//! assert!(matches!(answer.verdict, SmtVerdict::Holds(_)));
//! ```

pub mod bounded;
pub mod patterns;

use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;
use z3::ast::{Bool, Dynamic, BV};
use z3::{FuncDecl, Params, SatResult, Solver, Sort};

use crate::automata::{Alphabet, Question};
use crate::logic::{Acceptance, Arena, Node, NodeId, Word};

/// How far the z3 engine may go.
#[derive(Clone, Debug)]
pub struct SmtLimits {
    /// Longest word bounded model checking looks at (and deepest k-induction).
    pub max_depth: usize,
    /// Wall-clock limit for the whole answer.
    pub timeout: Option<Duration>,
    /// Try Spacer (complete, finds inductive invariants) once BMC has reached this depth.
    pub spacer_after: usize,
}

impl Default for SmtLimits {
    fn default() -> Self {
        SmtLimits {
            max_depth: 200,
            timeout: None,
            spacer_after: 2,
        }
    }
}

/// How a "holds" was proved.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Proof {
    /// k-induction with simple-path constraints at depth `k`: no violation within `k`
    /// steps of the start, and none after `k` violation-free distinct states.
    KInduction {
        /// The induction depth.
        k: usize,
    },
    /// Spacer found an inductive invariant that excludes every violation.
    Spacer {
        /// The invariant, as z3 prints it (over the state variables), cut to 400 characters.
        invariant: String,
        /// The BMC depth reached before Spacer answered.
        bmc_depth: usize,
    },
}

/// The verdict of the z3 engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmtVerdict {
    /// The property (equivalence or inclusion) holds, with its proof.
    Holds(Proof),
    /// A shortest word violating it.
    Fails(SmtWord),
    /// z3 could not decide within the limits; the reason.
    Unknown(String),
}

/// A word found by the z3 engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmtWord {
    /// Letter indices into the alphabet.
    Letters(Vec<u32>),
    /// For each position, which propositions hold (in the alphabet's order).
    Props(Vec<Vec<bool>>),
}

impl SmtWord {
    /// The word over `alphabet` (the one the comparison ran over).
    pub fn to_word(&self, alphabet: &Alphabet) -> Word {
        let atoms = alphabet.atoms();
        match self {
            SmtWord::Letters(ls) => {
                Word::Letters(ls.iter().map(|&l| atoms[l as usize].clone()).collect())
            }
            SmtWord::Props(ps) => Word::Props(
                ps.iter()
                    .map(|on| {
                        atoms
                            .iter()
                            .zip(on)
                            .filter(|(_, &b)| b)
                            .map(|(n, _)| n.clone())
                            .collect()
                    })
                    .collect(),
            ),
        }
    }
}

/// The z3 engine's answer with its statistics.
#[derive(Clone, Debug)]
pub struct SmtAnswer {
    /// The verdict.
    pub verdict: SmtVerdict,
    /// BMC depth reached (the length of the longest words ruled out).
    pub depth: usize,
    /// State variables of the product system.
    pub state_vars: usize,
}

/// One state variable.
#[derive(Clone, Debug)]
enum Var {
    Bool(Bool),
    Bv(BV),
}

impl Var {
    fn dynamic(&self) -> Dynamic {
        match self {
            Var::Bool(b) => Dynamic::from_ast(b),
            Var::Bv(b) => Dynamic::from_ast(b),
        }
    }
    fn eq(&self, other: &Var) -> Bool {
        match (self, other) {
            (Var::Bool(a), Var::Bool(b)) => a.eq(b),
            (Var::Bv(a), Var::Bv(b)) => a.eq(b),
            _ => unreachable!("state vectors share their layout"),
        }
    }
}

/// What a state slot holds.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// The "first position" flag.
    First,
    /// A Boolean memory of node `n` (its recurrence's previous value).
    Mem(usize),
    /// The distance counter of a `Y<=k` node.
    Counter(usize, u32),
    /// A root's value at the last position read (last-position acceptance).
    Root(usize),
    /// Letters read, modulo this (0: not reduced), when `pos%m=r` atoms occur.
    Position(u64),
}

/// The symbolic system of the product of two formulas.
struct System<'a> {
    arena: &'a Arena,
    nodes: Vec<NodeId>,
    index: FxHashMap<NodeId, usize>,
    slots: Vec<Slot>,
    /// Slot of each node's memory / counter.
    mem_slot: Vec<Option<usize>>,
    roots: [usize; 2],
    atoms: Vec<String>,
    props: bool,
    letter_bits: u32,
    acceptance: Acceptance,
    question: Question,
}

fn bits_for(n: u64) -> u32 {
    (64 - n.leading_zeros()).max(1)
}

/// The input of one step: letter index or proposition values; `None` for the end marker.
enum Input {
    Letter(BV),
    Props(Vec<Bool>),
    Eos,
}

impl<'a> System<'a> {
    fn new(
        arena: &'a Arena,
        left: NodeId,
        right: NodeId,
        alphabet: &Alphabet,
        acceptance: Acceptance,
        question: Question,
    ) -> Self {
        let mut set: Vec<NodeId> = arena.subformulas(left);
        set.extend(arena.subformulas(right));
        set.sort_unstable();
        set.dedup();
        let index: FxHashMap<NodeId, usize> =
            set.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let mut slots = vec![Slot::First];
        let mut mem_slot = vec![None; set.len()];
        for (i, &n) in set.iter().enumerate() {
            let slot = match arena.node(n) {
                Node::Yesterday(_)
                | Node::WeakYesterday(_)
                | Node::StrictOnce(_)
                | Node::Once(_)
                | Node::Historically(_)
                | Node::Since(..)
                | Node::StrictSince(..)
                | Node::Release(..) => Some(Slot::Mem(i)),
                Node::YesterdayWithin(k, _) => Some(Slot::Counter(i, k)),
                _ => None,
            };
            if let Some(s) = slot {
                mem_slot[i] = Some(slots.len());
                slots.push(s);
            }
        }
        let roots = [index[&left], index[&right]];
        let moduli = set.iter().filter_map(|&n| match arena.node(n) {
            Node::PosMod(m, _) => Some(m),
            _ => None,
        });
        if let Some(m) = crate::logic::position_modulus(moduli) {
            slots.push(Slot::Position(m));
        }
        if acceptance == Acceptance::Last {
            slots.push(Slot::Root(0));
            slots.push(Slot::Root(1));
        }
        let (atoms, props) = match alphabet {
            Alphabet::Tokens(t) => (t.clone(), false),
            Alphabet::Props(p) => (p.clone(), true),
        };
        // Wide enough to hold the letter count itself (the bound of the range constraint).
        let letter_bits = bits_for(atoms.len() as u64);
        System {
            arena,
            nodes: set,
            index,
            slots,
            mem_slot,
            roots,
            atoms,
            props,
            letter_bits,
            acceptance,
            question,
        }
    }

    fn counter_bits(k: u32) -> u32 {
        bits_for(u64::from(k) + 1)
    }

    /// Width of the position counter: room for the modulus itself (0: 64 bits).
    fn position_bits(m: u64) -> u32 {
        if m == 0 {
            64
        } else {
            bits_for(m) + 1
        }
    }

    /// The position counter among the state variables, with its modulus.
    fn position<'s>(&self, s: &'s [Var]) -> Option<(&'s BV, u64)> {
        self.slots
            .iter()
            .zip(s)
            .find_map(|(slot, v)| match (slot, v) {
                (Slot::Position(m), Var::Bv(c)) => Some((c, *m)),
                _ => None,
            })
    }

    /// Fresh state variables named `s{step}_{slot}`.
    fn state(&self, tag: &str) -> Vec<Var> {
        self.slots
            .iter()
            .enumerate()
            .map(|(i, s)| match s {
                Slot::Counter(_, k) => {
                    Var::Bv(BV::new_const(format!("{tag}_{i}"), Self::counter_bits(*k)))
                }
                Slot::Position(m) => {
                    Var::Bv(BV::new_const(format!("{tag}_{i}"), Self::position_bits(*m)))
                }
                _ => Var::Bool(Bool::new_const(format!("{tag}_{i}"))),
            })
            .collect()
    }

    /// The initial state as a constraint.
    fn init(&self, s: &[Var]) -> Bool {
        let parts: Vec<Bool> = self
            .slots
            .iter()
            .zip(s)
            .map(|(slot, v)| match (slot, v) {
                (Slot::First, Var::Bool(b)) => b.clone(),
                (Slot::Mem(i), Var::Bool(b)) => {
                    // Values "before the first position": the recurrences' base cases.
                    let truthy = matches!(
                        self.arena.node(self.nodes[*i]),
                        Node::WeakYesterday(_) | Node::Historically(_) | Node::Release(..)
                    );
                    if truthy {
                        b.clone()
                    } else {
                        b.not()
                    }
                }
                (Slot::Counter(_, k), Var::Bv(c)) => {
                    c.eq(BV::from_u64(u64::from(*k) + 1, Self::counter_bits(*k)))
                }
                (Slot::Root(_), Var::Bool(b)) => b.not(),
                (Slot::Position(m), Var::Bv(c)) => c.eq(BV::from_u64(0, Self::position_bits(*m))),
                _ => unreachable!(),
            })
            .collect();
        Bool::and(&parts)
    }

    /// Fresh input variables for a letter step, with their well-formedness constraint.
    fn input(&self, tag: &str) -> (Input, Bool) {
        if self.props {
            let ps = (0..self.atoms.len())
                .map(|i| Bool::new_const(format!("{tag}_p{i}")))
                .collect();
            (Input::Props(ps), Bool::from_bool(true))
        } else {
            let l = BV::new_const(format!("{tag}_letter"), self.letter_bits);
            let ok = l.bvult(BV::from_u64(self.atoms.len() as u64, self.letter_bits));
            (Input::Letter(l), ok)
        }
    }

    /// The values of every node at the current position.
    fn values(&self, s: &[Var], input: &Input) -> Vec<Bool> {
        let first = match &s[0] {
            Var::Bool(b) => b.clone(),
            Var::Bv(_) => unreachable!(),
        };
        let mem = |i: usize| match &s[self.mem_slot[i].expect("temporal nodes have a slot")] {
            Var::Bool(b) => b.clone(),
            Var::Bv(_) => unreachable!(),
        };
        let mut v: Vec<Bool> = Vec::with_capacity(self.nodes.len());
        for (i, &n) in self.nodes.iter().enumerate() {
            let at = |x: NodeId| v[self.index[&x]].clone();
            let b = match self.arena.node(n) {
                Node::True => Bool::from_bool(true),
                Node::False => Bool::from_bool(false),
                Node::Eos => Bool::from_bool(matches!(input, Input::Eos)),
                Node::Start => first.clone(),
                Node::PosMod(m, r) => {
                    let (c, modulus) = self.position(s).expect("a position counter");
                    let w = Self::position_bits(modulus);
                    c.bvadd(BV::from_u64(1, w))
                        .bvurem(BV::from_u64(u64::from(m), w))
                        .eq(BV::from_u64(u64::from(r), w))
                }
                Node::Atom(a) => {
                    let name = self.arena.atom_name(a);
                    match (input, self.atoms.iter().position(|x| x == name)) {
                        (Input::Eos, _) | (_, None) => Bool::from_bool(false),
                        (Input::Letter(l), Some(p)) => {
                            l.eq(BV::from_u64(p as u64, self.letter_bits))
                        }
                        (Input::Props(ps), Some(p)) => ps[p].clone(),
                    }
                }
                Node::Not(x) => at(x).not(),
                Node::And(x, y) => Bool::and(&[at(x), at(y)]),
                Node::Or(x, y) => Bool::or(&[at(x), at(y)]),
                Node::Implies(x, y) => at(x).implies(at(y)),
                Node::Iff(x, y) => at(x).eq(at(y)),
                Node::Yesterday(_)
                | Node::WeakYesterday(_)
                | Node::StrictOnce(_)
                | Node::StrictSince(..) => mem(i),
                Node::YesterdayWithin(k, _) => {
                    let Var::Bv(c) = &s[self.mem_slot[i].expect("counter")] else {
                        unreachable!()
                    };
                    c.bvule(BV::from_u64(u64::from(k), Self::counter_bits(k)))
                }
                Node::Once(x) => Bool::or(&[mem(i), at(x)]),
                Node::Historically(x) => Bool::and(&[mem(i), at(x)]),
                Node::Since(x, y) => Bool::or(&[at(y), Bool::and(&[at(x), mem(i)])]),
                Node::Release(x, y) => Bool::and(&[at(y), Bool::or(&[at(x), mem(i)])]),
            };
            v.push(b);
        }
        v
    }

    /// The state after a letter step, given the values at this position.
    fn next(&self, s: &[Var], v: &[Bool]) -> Vec<Var> {
        let at = |x: NodeId| v[self.index[&x]].clone();
        self.slots
            .iter()
            .zip(s)
            .map(|(slot, old)| match slot {
                Slot::First => Var::Bool(Bool::from_bool(false)),
                Slot::Root(r) => Var::Bool(v[self.roots[*r]].clone()),
                Slot::Mem(i) => {
                    let Var::Bool(m) = old else { unreachable!() };
                    Var::Bool(match self.arena.node(self.nodes[*i]) {
                        Node::Yesterday(x) | Node::WeakYesterday(x) => at(x),
                        Node::StrictOnce(x) => Bool::or(&[m.clone(), at(x)]),
                        Node::StrictSince(x, y) => {
                            Bool::or(&[at(y), Bool::and(&[at(x), m.clone()])])
                        }
                        // O, H, S, past release: the node's own value now.
                        _ => v[*i].clone(),
                    })
                }
                Slot::Position(m) => {
                    let Var::Bv(c) = old else { unreachable!() };
                    let w = Self::position_bits(*m);
                    let p = c.bvadd(BV::from_u64(1, w));
                    Var::Bv(if *m == 0 {
                        p
                    } else {
                        p.eq(BV::from_u64(*m, w)).ite(&BV::from_u64(0, w), &p)
                    })
                }
                Slot::Counter(i, k) => {
                    let Var::Bv(c) = old else { unreachable!() };
                    let w = Self::counter_bits(*k);
                    let far = BV::from_u64(u64::from(*k) + 1, w);
                    let x = match self.arena.node(self.nodes[*i]) {
                        Node::YesterdayWithin(_, x) => at(x),
                        _ => unreachable!(),
                    };
                    let grown = c.bvuge(&far).ite(&far, &c.bvadd(BV::from_u64(1, w)));
                    Var::Bv(x.ite(&BV::from_u64(1, w), &grown))
                }
            })
            .collect()
    }

    /// The violation predicate on a state: judged at the end marker read from it, or on
    /// the remembered roots at the last position.
    fn bad(&self, s: &[Var]) -> Bool {
        let (l, r) = match self.acceptance {
            Acceptance::Eos => {
                let v = self.values(s, &Input::Eos);
                (v[self.roots[0]].clone(), v[self.roots[1]].clone())
            }
            Acceptance::Last => {
                let root = |k: usize| match &s[self.slots.len() - 2 + k] {
                    Var::Bool(b) => b.clone(),
                    Var::Bv(_) => unreachable!(),
                };
                (root(0), root(1))
            }
        };
        let differ = match self.question {
            Question::Equivalent => l.eq(&r).not(),
            Question::Included => Bool::and(&[l, r.not()]),
        };
        match (self.acceptance, &s[0]) {
            (Acceptance::Last, Var::Bool(first)) => Bool::and(&[first.not(), differ]),
            _ => differ,
        }
    }
}

fn distinct(a: &[Var], b: &[Var]) -> Bool {
    let eqs: Vec<Bool> = a.iter().zip(b).map(|(x, y)| x.eq(y)).collect();
    Bool::and(&eqs).not()
}

fn params_with_timeout(left: Option<Duration>) -> Params {
    let mut p = Params::new();
    if let Some(t) = left {
        p.set_u32(
            "timeout",
            t.as_millis().clamp(1, u128::from(u32::MAX)) as u32,
        );
    }
    p
}

/// Decides `question` for L(left) and L(right) (both in `arena`) over `alphabet` with the
/// z3 engine. A "fails" verdict carries a shortest violating word; the caller re-checks
/// it with the reference evaluator.
pub fn compare_symbolic(
    arena: &Arena,
    left: NodeId,
    right: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    question: Question,
    limits: &SmtLimits,
) -> SmtAnswer {
    let start = Instant::now();
    let left_time = || limits.timeout.map(|t| t.saturating_sub(start.elapsed()));
    let out_of_time = || limits.timeout.is_some_and(|t| start.elapsed() >= t);
    let sys = System::new(arena, left, right, alphabet, acceptance, question);
    let state_vars = sys.slots.len();
    let unknown = |depth: usize, why: String| SmtAnswer {
        verdict: SmtVerdict::Unknown(why),
        depth,
        state_vars,
    };

    // BMC: one solver, the path from the initial state grows one step per depth.
    let bmc = Solver::new();
    let mut path = vec![sys.state("s0")];
    bmc.assert(sys.init(&path[0]));
    let mut inputs: Vec<Input> = Vec::new();
    // k-induction: a second solver with a path from an arbitrary state.
    let ind = Solver::new();
    let mut ipath = vec![sys.state("t0")];
    let mut spacer_tried = false;

    for depth in 0..=limits.max_depth {
        if out_of_time() {
            return unknown(depth, "the time limit was reached".into());
        }
        // Base: a violation after exactly `depth` letters?
        bmc.set_params(&params_with_timeout(left_time()));
        bmc.push();
        bmc.assert(sys.bad(&path[depth]));
        match bmc.check() {
            SatResult::Sat => {
                let model = bmc.get_model().expect("a model after sat");
                let word = if sys.props {
                    SmtWord::Props(
                        inputs
                            .iter()
                            .map(|inp| match inp {
                                Input::Props(ps) => ps
                                    .iter()
                                    .map(|p| {
                                        model.eval(p, true).and_then(|x| x.as_bool()) == Some(true)
                                    })
                                    .collect(),
                                _ => unreachable!("proposition steps"),
                            })
                            .collect(),
                    )
                } else {
                    SmtWord::Letters(
                        inputs
                            .iter()
                            .map(|inp| match inp {
                                Input::Letter(l) => {
                                    model.eval(l, true).and_then(|x| x.as_u64()).unwrap_or(0) as u32
                                }
                                _ => unreachable!("letter steps"),
                            })
                            .collect(),
                    )
                };
                return SmtAnswer {
                    verdict: SmtVerdict::Fails(word),
                    depth,
                    state_vars,
                };
            }
            SatResult::Unknown => {
                return unknown(
                    depth,
                    bmc.get_reason_unknown()
                        .unwrap_or_else(|| "z3 gave up".into()),
                );
            }
            SatResult::Unsat => {}
        }
        bmc.pop(1);

        // Step: `depth` violation-free distinct states, then a violation? Unsat proves it.
        {
            ind.set_params(&params_with_timeout(left_time()));
            ind.push();
            ind.assert(sys.bad(&ipath[depth]));
            let step = ind.check();
            ind.pop(1);
            if step == SatResult::Unsat {
                return SmtAnswer {
                    verdict: SmtVerdict::Holds(Proof::KInduction { k: depth }),
                    depth,
                    state_vars,
                };
            }
        }

        if depth >= limits.spacer_after && !spacer_tried {
            spacer_tried = true;
            match spacer(&sys, left_time()) {
                SpacerResult::Safe(invariant) => {
                    return SmtAnswer {
                        verdict: SmtVerdict::Holds(Proof::Spacer {
                            invariant,
                            bmc_depth: depth,
                        }),
                        depth,
                        state_vars,
                    }
                }
                // A violation exists (BMC will reach it), or Spacer gave up: either way
                // BMC and k-induction go on; Spacer's "unsafe" is never taken as a verdict.
                SpacerResult::Unsafe | SpacerResult::Unknown => {}
            }
        }

        // Grow both paths by one letter step.
        let tag = format!("x{depth}");
        let (inp, ok) = sys.input(&tag);
        let v = sys.values(&path[depth], &inp);
        let nxt = sys.next(&path[depth], &v);
        bmc.assert(ok);
        // Name the next state so the formulas stay small.
        let named = sys.state(&format!("s{}", depth + 1));
        for (a, b) in named.iter().zip(&nxt) {
            bmc.assert(a.eq(b));
        }
        path.push(named);
        inputs.push(inp);

        let (iinp, iok) = sys.input(&format!("y{depth}"));
        let iv = sys.values(&ipath[depth], &iinp);
        let inxt = sys.next(&ipath[depth], &iv);
        ind.assert(iok);
        ind.assert(sys.bad(&ipath[depth]).not());
        let inamed = sys.state(&format!("t{}", depth + 1));
        for (a, b) in inamed.iter().zip(&inxt) {
            ind.assert(a.eq(b));
        }
        for earlier in &ipath {
            ind.assert(distinct(earlier, &inamed));
        }
        ipath.push(inamed);
    }
    unknown(
        limits.max_depth,
        format!(
            "no violating word up to length {} and no proof (raise --max-depth)",
            limits.max_depth
        ),
    )
}

enum SpacerResult {
    Safe(String),
    Unsafe,
    Unknown,
}

/// Spacer on the Horn clauses Init(s) → Inv(s); Inv(s) ∧ T(s, x, s') → Inv(s');
/// Inv(s) ∧ Bad(s) → Err. Unsat of Err means an inductive invariant excludes Bad.
fn spacer(sys: &System, time_left: Option<Duration>) -> SpacerResult {
    let fp = z3::Fixedpoint::new();
    let mut p = params_with_timeout(time_left);
    p.set_symbol("engine", "spacer");
    // The slicing transformation of z3 4.8.12 drops state variables that the transition
    // still reads (found by tests/smt.rs: a spurious "unsafe"); without it Spacer is sound here.
    p.set_bool("xform.slice", false);
    fp.set_params(&p);
    let sorts: Vec<Sort> = sys
        .slots
        .iter()
        .map(|s| match s {
            Slot::Counter(_, k) => Sort::bitvector(System::counter_bits(*k)),
            Slot::Position(m) => Sort::bitvector(System::position_bits(*m)),
            _ => Sort::bool(),
        })
        .collect();
    let sort_refs: Vec<&Sort> = sorts.iter().collect();
    let inv = FuncDecl::new("Inv", &sort_refs, &Sort::bool());
    let err = FuncDecl::new("Err", &[], &Sort::bool());
    fp.register_relation(&inv);
    fp.register_relation(&err);
    let apply = |s: &[Var]| -> Bool {
        let args: Vec<Dynamic> = s.iter().map(Var::dynamic).collect();
        let refs: Vec<&dyn z3::ast::Ast> = args.iter().map(|a| a as &dyn z3::ast::Ast).collect();
        inv.apply(&refs).as_bool().expect("Inv is a predicate")
    };
    let bound = |vars: &[&[Var]], extra: &[Dynamic]| -> Vec<Dynamic> {
        let mut out: Vec<Dynamic> = vars
            .iter()
            .flat_map(|s| s.iter().map(Var::dynamic))
            .collect();
        out.extend(extra.iter().cloned());
        out
    };
    let forall = |vars: &[Dynamic], body: Bool| -> Bool {
        let refs: Vec<&dyn z3::ast::Ast> = vars.iter().map(|a| a as &dyn z3::ast::Ast).collect();
        z3::ast::forall_const(&refs, &[], &body)
    };
    let s = sys.state("h");
    let s2 = sys.state("h2");
    fp.add_rule(
        &forall(&bound(&[&s], &[]), sys.init(&s).implies(apply(&s))),
        Some("init"),
    );
    let (inp, ok) = sys.input("hx");
    let input_vars: Vec<Dynamic> = match &inp {
        Input::Letter(l) => vec![Dynamic::from_ast(l)],
        Input::Props(ps) => ps.iter().map(|p| Dynamic::from_ast(p)).collect(),
        Input::Eos => vec![],
    };
    let v = sys.values(&s, &inp);
    let nxt = sys.next(&s, &v);
    let mut body = vec![apply(&s), ok];
    body.extend(s2.iter().zip(&nxt).map(|(a, b)| a.eq(b)));
    fp.add_rule(
        &forall(
            &bound(&[&s, &s2], &input_vars),
            Bool::and(&body).implies(apply(&s2)),
        ),
        Some("step"),
    );
    let err_app = err.apply(&[]).as_bool().expect("Err is a predicate");
    fp.add_rule(
        &forall(
            &bound(&[&s], &[]),
            Bool::and(&[apply(&s), sys.bad(&s)]).implies(&err_app),
        ),
        Some("bad"),
    );
    let answer = fp.query_relations(&[&err]);
    match answer {
        SatResult::Unsat => {
            let mut text = fp
                .get_answer()
                .map(|a| a.to_string())
                .unwrap_or_else(|| "(not reported)".into());
            text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.chars().count() > 400 {
                text = text.chars().take(400).collect::<String>() + "…";
            }
            SpacerResult::Safe(text)
        }
        SatResult::Sat => SpacerResult::Unsafe,
        SatResult::Unknown => SpacerResult::Unknown,
    }
}
