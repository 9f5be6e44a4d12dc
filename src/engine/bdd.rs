//! The BDD engine: equivalence and inclusion by symbolic breadth-first reachability.
//!
//! The product system is the one the explicit and z3 engines use (docs/DESIGN.md,
//! "Engines"): a state is the value of every temporal subformula of both sides at the
//! previous position (one bit per Y, Z, P, O, H, S, S<, past release), a binary counter
//! per `Y<=k`, a position counter for `pos%m=r`, a "first position" bit, and under
//! last-position acceptance the two sides' values at the last position. Sets of states
//! are BDDs (biodivine-lib-bdd) over those bits; a letter is read through input bits (a
//! binary letter code, or one bit per proposition), so 2^k proposition sets are never
//! enumerated.
//!
//! Breadth-first layers from the initial state give the shortest counterexample: the
//! first layer that meets the violation set, and a path back through the layers (each
//! step a witness of the transition relation restricted to the next state). When a layer
//! adds nothing, the reachable set R is a proof; it is re-checked as an inductive
//! invariant by separate BDD operations (Init ⊆ R, Img(R) ⊆ R, R ∩ Bad = ∅) before it
//! is reported.

use std::time::{Duration, Instant};

use biodivine_lib_bdd::{op_function, Bdd, BddVariable, BddVariableSet};
use rustc_hash::FxHashMap;

use crate::automata::Alphabet;
use crate::engine::layout::Question;
use crate::engine::layout::{Comparison, Counter, Counting, Logic, Memory, Sides};
use crate::logic::{Acceptance, Arena, Node, NodeId, Word};

/// How much work the BDD engine may do.
#[derive(Clone, Debug)]
pub struct BddLimits {
    /// Largest BDD (in nodes) kept: the transition relation, a layer or the reached set.
    pub max_nodes: usize,
    /// Wall-clock limit, checked between operations.
    pub timeout: Option<Duration>,
    /// Longest word looked at (breadth-first layers).
    pub max_depth: usize,
}

/// What the engine found.
#[derive(Clone, Debug, PartialEq)]
pub enum BddVerdict {
    /// No reachable state violates the property: the reachable set is an inductive
    /// invariant, re-checked.
    Holds,
    /// A shortest violating word.
    Fails(Word),
    /// A limit was reached; why.
    Unknown(String),
    /// The formulas use something this engine does not encode; what.
    Unsupported(String),
    /// The invariant did not re-check (a bug, never a verdict).
    Internal(String),
}

/// The engine's answer with its effort.
#[derive(Clone, Debug, PartialEq)]
pub struct BddAnswer {
    /// The verdict.
    pub verdict: BddVerdict,
    /// Breadth-first layers explored (the counterexample's length when it fails).
    pub depth: usize,
    /// Reachable states found (as a float: the sets can exceed 2^64).
    pub reachable_states: f64,
    /// State bits of the product system.
    pub state_bits: usize,
    /// Largest BDD met, in nodes.
    pub peak_nodes: usize,
}

/// The product system ([`Comparison`]) over BDD variables.
struct System<'a> {
    layout: Comparison<'a>,
    /// The layout's bits in variable order (indices into `layout.bits`).
    bit_order: Vec<usize>,
    /// Where each layout bit sits in that order.
    bit_slot: Vec<usize>,
    /// Each counter's width in bits (MSB first).
    counter_widths: Vec<usize>,
    vars: BddVariableSet,
    /// Input variables (a binary letter code, or one per proposition).
    input: Vec<BddVariable>,
    /// Current-state variables: first, memory bits, counters (MSB first), position,
    /// roots — and the next-state twin of each, interleaved in the order.
    cur: Vec<BddVariable>,
    nxt: Vec<BddVariable>,
    /// Where each group starts in `cur`.
    at_bits: usize,
    at_counters: Vec<usize>,
    at_position: usize,
    position_width: usize,
    at_roots: usize,
}

/// BDD operations for the layout's rules; a counter is its bits, MSB first.
struct Ops<'s> {
    vars: &'s BddVariableSet,
}

impl Logic for Ops<'_> {
    type B = Bdd;
    fn constant(&mut self, b: bool) -> Bdd {
        if b {
            self.vars.mk_true()
        } else {
            self.vars.mk_false()
        }
    }
    fn not(&mut self, a: &Bdd) -> Bdd {
        a.not()
    }
    fn and(&mut self, a: &Bdd, b: &Bdd) -> Bdd {
        a.and(b)
    }
    fn or(&mut self, a: &Bdd, b: &Bdd) -> Bdd {
        a.or(b)
    }
    fn implies(&mut self, a: &Bdd, b: &Bdd) -> Bdd {
        a.imp(b)
    }
    fn iff(&mut self, a: &Bdd, b: &Bdd) -> Bdd {
        a.iff(b)
    }
}

impl Counting for Ops<'_> {
    type C = Vec<Bdd>;
    fn constant_like(&mut self, like: &Vec<Bdd>, v: u64) -> Vec<Bdd> {
        let w = like.len();
        (0..w)
            .map(|b| self.constant((v >> (w - 1 - b)) & 1 == 1))
            .collect()
    }
    /// `bits + 1` (wrapping).
    fn increment(&mut self, bits: &Vec<Bdd>) -> Vec<Bdd> {
        let mut out = bits.clone();
        let mut carry = self.vars.mk_true();
        for b in (0..bits.len()).rev() {
            out[b] = bits[b].xor(&carry);
            carry = bits[b].and(&carry);
        }
        out
    }
    /// The bits equal `cap`.
    fn reached(&mut self, c: &Vec<Bdd>, cap: u64) -> Bdd {
        let w = c.len();
        let mut out = self.vars.mk_true();
        for (b, x) in c.iter().enumerate() {
            let bit = (cap >> (w - 1 - b)) & 1 == 1;
            out = out.and(&if bit { x.clone() } else { x.not() });
        }
        out
    }
    fn select(&mut self, cond: &Bdd, yes: &Vec<Bdd>, no: &Vec<Bdd>) -> Vec<Bdd> {
        yes.iter()
            .zip(no)
            .map(|(y, n)| Bdd::if_then_else(cond, y, n))
            .collect()
    }
}

fn bits_for(n: u64) -> usize {
    (64 - n.leading_zeros()).max(1) as usize
}

impl<'a> System<'a> {
    fn new(sides: Sides<'a>) -> Result<Self, String> {
        let Sides {
            arena,
            left,
            right,
            acceptance,
            ..
        } = sides;
        let layout = Comparison::new(sides);
        let (set, atoms, props) = (&layout.nodes, &layout.atoms, layout.props);
        // Variable order: atoms ranked by a depth-first walk from the roots (children
        // in order), and each state bit ranked by the first-walked of its atoms, so the
        // bits of subformulas about the same atom sit together (O p beside H !p keeps
        // "H !p = !O p" linear) and a since chain interleaves with its inputs.
        let mut walked: Vec<String> = Vec::new();
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack = vec![right, left];
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            let node = arena.node(n);
            if let Node::Atom(a) = node {
                walked.push(arena.atom_name(a).to_string());
            }
            let kids: Vec<NodeId> = node.children().collect();
            stack.extend(kids.into_iter().rev());
        }
        let atom_pos: FxHashMap<&str, usize> = walked
            .iter()
            .enumerate()
            .map(|(i, a)| (a.as_str(), i))
            .collect();
        let atom_rank = |n: NodeId| -> usize {
            arena
                .atom_names(n)
                .iter()
                .filter_map(|a| atom_pos.get(a.as_str()).copied())
                .min()
                .unwrap_or(usize::MAX)
        };
        let mut bit_order: Vec<usize> = (0..layout.bits.len()).collect();
        bit_order.sort_by_key(|&j| (atom_rank(set[layout.bits[j]]), layout.bits[j]));
        let mut bit_slot = vec![0; bit_order.len()];
        for (slot, &j) in bit_order.iter().enumerate() {
            bit_slot[j] = slot;
        }
        // Room for k + 1 ("farther"), or for m.
        let counter_widths: Vec<usize> = layout
            .counters
            .iter()
            .map(|&(_, rule)| bits_for(rule.cap()))
            .collect();
        let modulus = layout.modulus;
        if modulus == Some(0) {
            return Err("the position moduli's least common multiple is beyond 2^62".into());
        }
        let position_width = modulus.map_or(0, |m| bits_for(m.saturating_sub(1)));
        let input_count = if props {
            atoms.len()
        } else {
            bits_for(atoms.len().saturating_sub(1) as u64)
        };
        let state_count = 1
            + bit_order.len()
            + counter_widths.iter().sum::<usize>()
            + position_width
            + if acceptance == Acceptance::Last { 2 } else { 0 };
        if input_count + 2 * state_count > usize::from(u16::MAX) {
            return Err(format!(
                "{} BDD variables are beyond the library's 65,535",
                input_count + 2 * state_count
            ));
        }
        // The global order: under proposition semantics each input bit sits just above
        // the state bits of the subformulas about its atom (a since chain's BDDs stay
        // linear); a letter code's bits stay together at the top. The first-position
        // bit leads, the roots (which depend on everything) end.
        let mut rank_of_state: Vec<usize> = vec![0];
        rank_of_state.extend(bit_order.iter().map(|&j| atom_rank(set[layout.bits[j]])));
        for (&(i, _), &w) in layout.counters.iter().zip(&counter_widths) {
            rank_of_state.extend(std::iter::repeat_n(atom_rank(set[i]), w));
        }
        rank_of_state.extend(std::iter::repeat_n(usize::MAX, position_width));
        if acceptance == Acceptance::Last {
            rank_of_state.extend([usize::MAX, usize::MAX]);
        }
        // Slots: (rank, 0 = input / 1 = state, index).
        let mut slots: Vec<(usize, u8, usize)> = Vec::new();
        let input_rank = |p: usize| match atoms.get(p) {
            Some(a) if props => atom_pos.get(a.as_str()).copied().unwrap_or(usize::MAX - 1),
            _ => 0,
        };
        slots.extend((0..input_count).map(|p| (input_rank(p), 0, p)));
        for (j, &r) in rank_of_state.iter().enumerate() {
            let r = if j == 0 {
                0
            } else {
                r.saturating_add(usize::from(!props))
            };
            slots.push((r, 1, j));
        }
        slots.sort();
        let mut names: Vec<String> = Vec::new();
        for &(_, kind, i) in &slots {
            if kind == 0 {
                names.push(format!("x{i}"));
            } else {
                names.push(format!("s{i}"));
                names.push(format!("t{i}"));
            }
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let vars = BddVariableSet::new(&refs);
        let var = |name: String| vars.var_by_name(&name).expect("a declared variable");
        let input = (0..input_count).map(|i| var(format!("x{i}"))).collect();
        let cur = (0..state_count).map(|j| var(format!("s{j}"))).collect();
        let nxt = (0..state_count).map(|j| var(format!("t{j}"))).collect();
        let at_bits = 1;
        let mut at = at_bits + bit_order.len();
        let at_counters = counter_widths
            .iter()
            .map(|&w| {
                let here = at;
                at += w;
                here
            })
            .collect();
        let at_position = at;
        let at_roots = at + position_width;
        Ok(System {
            layout,
            bit_order,
            bit_slot,
            counter_widths,
            vars,
            input,
            cur,
            nxt,
            at_bits,
            at_counters,
            at_position,
            position_width,
            at_roots,
        })
    }

    fn ops(&self) -> Ops<'_> {
        Ops { vars: &self.vars }
    }

    fn lit(&self, v: BddVariable) -> Bdd {
        self.vars.mk_var(v)
    }

    fn t(&self) -> Bdd {
        self.vars.mk_true()
    }

    fn f(&self) -> Bdd {
        self.vars.mk_false()
    }

    /// The bits `vars[at..at + w]` (MSB first) equal `value`.
    fn equals(&self, vars: &[BddVariable], at: usize, w: usize, value: u64) -> Bdd {
        let mut out = self.t();
        for b in 0..w {
            let bit = (value >> (w - 1 - b)) & 1 == 1;
            out = out.and(&self.vars.mk_literal(vars[at + b], bit));
        }
        out
    }

    /// The bits (MSB first) are at most `bound`, unsigned.
    fn at_most(&self, vars: &[BddVariable], at: usize, w: usize, bound: u64) -> Bdd {
        // x ≤ c: scanning from the MSB, the first differing bit has x = 0, c = 1.
        let mut out = self.t(); // equal so far to the end: x = c
        for b in (0..w).rev() {
            let x = self.lit(vars[at + b]);
            let c = (bound >> (w - 1 - b)) & 1 == 1;
            out = if c {
                // c's bit is 1: x's 0 is below, x's 1 continues.
                x.not().or(&x.and(&out))
            } else {
                x.not().and(&out)
            };
        }
        if w < 64 && bound >> w != 0 {
            return self.t();
        }
        out
    }

    fn cur_bits(&self, at: usize, w: usize) -> Vec<Bdd> {
        (0..w).map(|b| self.lit(self.cur[at + b])).collect()
    }

    /// Atom `p` of the alphabet at a letter position.
    fn atom(&self, p: usize) -> Bdd {
        if self.layout.props {
            self.lit(self.input[p])
        } else {
            self.equals(&self.input, 0, self.input.len(), p as u64)
        }
    }

    /// Letter codes that name a letter.
    fn valid_input(&self) -> Bdd {
        if self.layout.props {
            self.t()
        } else {
            self.at_most(
                &self.input,
                0,
                self.input.len(),
                self.layout.atoms.len().saturating_sub(1) as u64,
            )
        }
    }

    /// Layout bit `j` of the current state.
    fn bit(&self, j: usize) -> Bdd {
        self.lit(self.cur[self.at_bits + self.bit_slot[j]])
    }

    /// Every node's value at the current position, over the current state and the
    /// input (`eos`: at the end marker, where letter atoms are false).
    fn values(&self, eos: bool) -> Vec<Bdd> {
        let layout = &self.layout;
        layout.values(
            &mut self.ops(),
            |j| self.bit(j),
            |ops, i, node| match node {
                Node::Eos => ops.constant(eos),
                Node::Start => self.lit(self.cur[0]),
                Node::PosMod(m, r) => {
                    // The position counter holds (position − 1) mod M before this step;
                    // this position is counter + 1, so pos % m = r iff counter ≡ r − 1.
                    let big = layout.modulus.unwrap_or(1);
                    let w = self.position_width;
                    let mut any = self.f();
                    let (m, r) = (u64::from(m), u64::from(r));
                    let mut c = (r + m - 1) % m;
                    while c < big {
                        any = any.or(&self.equals(&self.cur, self.at_position, w, c));
                        c += m;
                    }
                    any
                }
                Node::Atom(a) => {
                    let name = layout.arena.atom_name(a);
                    match layout.atoms.iter().position(|x| x == name) {
                        Some(p) if !eos => self.atom(p),
                        _ => self.f(),
                    }
                }
                _ => match (Counter::of(node), layout.memory[i]) {
                    (Some((rule, _)), Some(Memory::Counter(j))) => {
                        let (at, w) = (self.at_counters[j], self.counter_widths[j]);
                        match rule {
                            Counter::Within(k) => self.at_most(&self.cur, at, w, u64::from(k)),
                            Counter::AtLeast(m) => {
                                self.at_most(&self.cur, at, w, u64::from(m) - 1).not()
                            }
                        }
                    }
                    _ => unreachable!("the layout gives every other node a bit or a counter"),
                },
            },
        )
    }

    /// The next state's bits as functions of the current state and the input, in the
    /// order of `cur`.
    fn next(&self, v: &[Bdd]) -> Vec<Bdd> {
        let mut ops = self.ops();
        let bits = self.layout.next_bits(&mut ops, v, |j| self.bit(j));
        let mut out = vec![self.f()];
        out.extend(self.bit_order.iter().map(|&j| bits[j].clone()));
        for j in 0..self.layout.counters.len() {
            let c = self.cur_bits(self.at_counters[j], self.counter_widths[j]);
            out.extend(self.layout.next_counter(&mut ops, j, &c, v));
        }
        if let Some(m) = self.layout.modulus {
            let w = self.position_width;
            let c = self.cur_bits(self.at_position, w);
            let last = self.equals(&self.cur, self.at_position, w, m - 1);
            let zero = ops.constant_like(&c, 0);
            let one_more = ops.increment(&c);
            out.extend(ops.select(&last, &zero, &one_more));
        }
        if self.layout.acceptance == Acceptance::Last {
            out.push(v[self.layout.roots[0]].clone());
            out.push(v[self.layout.roots[1]].clone());
        }
        out
    }

    fn init(&self) -> Bdd {
        let mut out = self.lit(self.cur[0]);
        for (slot, &j) in self.bit_order.iter().enumerate() {
            let start = self.layout.initial_bit(j);
            out = out.and(&self.vars.mk_literal(self.cur[self.at_bits + slot], start));
        }
        for (j, &(_, rule)) in self.layout.counters.iter().enumerate() {
            let w = self.counter_widths[j];
            out = out.and(&self.equals(&self.cur, self.at_counters[j], w, rule.initial()));
        }
        if self.layout.modulus.is_some() {
            out = out.and(&self.equals(&self.cur, self.at_position, self.position_width, 0));
        }
        if self.layout.acceptance == Acceptance::Last {
            for r in 0..2 {
                out = out.and(&self.vars.mk_literal(self.cur[self.at_roots + r], false));
            }
        }
        out
    }

    fn bad(&self) -> Bdd {
        let (l, r) = match self.layout.acceptance {
            Acceptance::Eos => {
                let v = self.values(true);
                (
                    v[self.layout.roots[0]].clone(),
                    v[self.layout.roots[1]].clone(),
                )
            }
            Acceptance::Last => (
                self.lit(self.cur[self.at_roots]),
                self.lit(self.cur[self.at_roots + 1]),
            ),
        };
        let first = self.lit(self.cur[0]);
        self.layout.bad(&mut self.ops(), &l, &r, &first)
    }
}

/// Decides `question` for the two formulas over `alphabet` by breadth-first reachability
/// on BDDs: [`compare`] with the sides spelled out.
pub fn compare_bdd(
    arena: &Arena,
    left: NodeId,
    right: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    question: Question,
    limits: &BddLimits,
) -> BddAnswer {
    compare(
        Sides {
            arena,
            left,
            right,
            alphabet,
            acceptance,
            question,
        },
        limits,
    )
}

/// Decides the question of `sides` by breadth-first reachability on BDDs. A
/// counterexample is shortest; "holds" comes with a re-checked invariant.
pub fn compare(sides: Sides, limits: &BddLimits) -> BddAnswer {
    let start = Instant::now();
    let mut answer = BddAnswer {
        verdict: BddVerdict::Holds,
        depth: 0,
        reachable_states: 0.0,
        state_bits: 0,
        peak_nodes: 0,
    };
    let sys = match System::new(sides) {
        Ok(s) => s,
        Err(why) => {
            answer.verdict = BddVerdict::Unsupported(why);
            return answer;
        }
    };
    answer.state_bits = sys.cur.len();
    // A cancelled run (the `auto` portfolio has its answer) stops as at its deadline.
    let out_of_time =
        || crate::cancel::cancelled() || limits.timeout.is_some_and(|t| start.elapsed() >= t);
    let mut peak = 0usize;
    let mut big = |b: &Bdd, what: &str| -> Option<String> {
        peak = peak.max(b.size());
        (b.size() > limits.max_nodes).then(|| {
            format!(
                "the {what} has {} BDD nodes, beyond the limit of {} (--max-states)",
                b.size(),
                limits.max_nodes
            )
        })
    };

    // The transition relation: a valid input, and every next-state bit its function.
    let values = sys.values(false);
    let next = sys.next(&values);
    let mut tr = sys.valid_input();
    for (j, f) in next.iter().enumerate() {
        tr = tr.and(&sys.lit(sys.nxt[j]).iff(f));
        if let Some(why) = big(&tr, "transition relation") {
            answer.verdict = BddVerdict::Unknown(why);
            answer.peak_nodes = peak;
            return answer;
        }
        if out_of_time() {
            answer.verdict = BddVerdict::Unknown("the time limit was reached".into());
            return answer;
        }
    }
    drop(values);
    let bad = sys.bad();
    let init = sys.init();
    let quantified: Vec<BddVariable> = sys.input.iter().chain(&sys.cur).copied().collect();
    let mut same = sys.t();
    for (c, n) in sys.cur.iter().zip(&sys.nxt) {
        same = same.and(&sys.lit(*c).iff(&sys.lit(*n)));
    }
    // The states one step from `set`, over the current-state variables.
    let image = |set: &Bdd| -> Bdd {
        let over_next = Bdd::binary_op_with_exists(set, &tr, op_function::and, &quantified);
        Bdd::binary_op_with_exists(&over_next, &same, op_function::and, &sys.nxt)
    };
    let count = |set: &Bdd| set.cardinality() / 2f64.powi((sys.input.len() + sys.nxt.len()) as i32);

    let mut layers: Vec<Bdd> = vec![init.clone()];
    let mut reached = init.clone();
    loop {
        let depth = layers.len() - 1;
        answer.depth = depth;
        let frontier = &layers[depth];
        let hit = frontier.and(&bad);
        if !hit.is_false() {
            answer.reachable_states = count(&reached);
            answer.peak_nodes = peak;
            answer.verdict = match path_back(&sys, &tr, &layers, &hit) {
                Ok(word) => BddVerdict::Fails(word),
                Err(why) => BddVerdict::Internal(why),
            };
            return answer;
        }
        if depth >= limits.max_depth {
            answer.verdict = BddVerdict::Unknown(format!(
                "no violating word up to length {depth} (raise --max-depth)"
            ));
            break;
        }
        if out_of_time() {
            answer.verdict = BddVerdict::Unknown("the time limit was reached".into());
            break;
        }
        let new = image(frontier).and_not(&reached);
        if let Some(why) = big(&new, "breadth-first layer") {
            answer.verdict = BddVerdict::Unknown(why);
            break;
        }
        if new.is_false() {
            // Every reachable state is in `reached`, and none violates: re-check that it
            // is an inductive invariant, by separate operations.
            answer.verdict = if !init.and_not(&reached).is_false() {
                BddVerdict::Internal("the initial state is outside the invariant".into())
            } else if !image(&reached).and_not(&reached).is_false() {
                BddVerdict::Internal("the invariant is not closed under a step".into())
            } else if !reached.and(&bad).is_false() {
                BddVerdict::Internal("the invariant meets a violation".into())
            } else {
                BddVerdict::Holds
            };
            break;
        }
        reached = reached.or(&new);
        if let Some(why) = big(&reached, "reached set") {
            answer.verdict = BddVerdict::Unknown(why);
            break;
        }
        layers.push(new);
    }
    answer.reachable_states = count(&reached);
    answer.peak_nodes = peak;
    answer
}

/// The least shortest word from the initial state to a state of `hit` (in the last
/// layer), in the order every engine reports: shortlex, a letter by its index in the
/// alphabet (its code), a proposition set as the number with proposition i as bit i.
/// Backward sets first: `back[k]` holds the states of layer n − k with a violating
/// continuation of exactly k letters (a shortest word's i-th state lies in layer i).
/// Then forward from the initial state, the least input whose successor is in the next
/// backward set: the input bits are fixed to false where they can be, most significant
/// first (a letter code's bits in order; propositions from the last).
fn path_back(sys: &System, tr: &Bdd, layers: &[Bdd], hit: &Bdd) -> Result<Word, String> {
    let n = layers.len() - 1;
    let mut same = sys.t();
    for (c, x) in sys.cur.iter().zip(&sys.nxt) {
        same = same.and(&sys.lit(*c).iff(&sys.lit(*x)));
    }
    // A set over the current-state bits, moved to the next-state bits.
    let as_next = |set: &Bdd| Bdd::binary_op_with_exists(set, &same, op_function::and, &sys.cur);
    let inputs_and_next: Vec<BddVariable> = sys.input.iter().chain(&sys.nxt).copied().collect();
    let mut back: Vec<Bdd> = vec![hit.clone()];
    for k in 1..=n {
        let pre = Bdd::binary_op_with_exists(
            tr,
            &as_next(&back[k - 1]),
            op_function::and,
            &inputs_and_next,
        );
        back.push(pre.and(&layers[n - k]));
    }
    let mut state: Vec<bool> = {
        let w = back[n]
            .sat_witness()
            .ok_or("no initial state reaches the violation")?;
        sys.cur.iter().map(|&v| w.value(v)).collect()
    };
    // Input bits from the most significant: the code's first bit; the last proposition.
    let order: Vec<usize> = if sys.layout.props {
        (0..sys.input.len()).rev().collect()
    } else {
        (0..sys.input.len()).collect()
    };
    let mut word: Vec<Vec<bool>> = Vec::new();
    for i in 0..n {
        let fixed: Vec<(BddVariable, bool)> =
            sys.cur.iter().copied().zip(state.iter().copied()).collect();
        let mut step = tr.restrict(&fixed).and(&as_next(&back[n - 1 - i]));
        if step.is_false() {
            return Err(format!("no successor toward the violation at position {i}"));
        }
        let mut bits = vec![false; sys.input.len()];
        for &b in &order {
            let low = step.restrict(&[(sys.input[b], false)]);
            if low.is_false() {
                bits[b] = true;
                step = step.restrict(&[(sys.input[b], true)]);
            } else {
                step = low;
            }
        }
        let w = step
            .sat_witness()
            .ok_or_else(|| format!("no successor toward the violation at position {i}"))?;
        state = sys.nxt.iter().map(|&v| w.value(v)).collect();
        word.push(bits);
    }
    if sys.layout.props {
        return Ok(Word::Props(
            word.iter()
                .map(|bits| {
                    sys.layout
                        .atoms
                        .iter()
                        .zip(bits)
                        .filter(|(_, &b)| b)
                        .map(|(p, _)| p.clone())
                        .collect()
                })
                .collect(),
        ));
    }
    // Letter codes, MSB first.
    Ok(Word::letters(word.iter().map(|bits| {
        let code = bits.iter().fold(0usize, |acc, &b| acc * 2 + usize::from(b));
        sys.layout.atoms[code].as_str()
    })))
}
