//! Formula → DFA by the subformula-vector construction (docs/DESIGN.md, explicit engine).
//!
//! Past operators are deterministic: the truth of every subformula at position i is a
//! function of the letter at i and of a few values at position i − 1. The state after a
//! prefix is exactly those remembered values: one bit per subformula whose previous
//! value some operator reads, a "started" bit (is there a previous position?), and, for
//! each `Y<=k φ`, the distance back to the last position where φ held, capped at k, and,
//! when `pos%m=r` atoms occur, the number of letters read modulo the lcm of their moduli.
//! States are discovered breadth-first from the empty prefix and numbered densely.
//!
//! Acceptance: under EOS acceptance a state accepts when the formula holds at an end
//! marker read in that state; under last-position acceptance, when the formula held at
//! the last letter read (the empty word is rejected).

use rustc_hash::FxHashMap;

use crate::automata::{Alphabet, Budget, Dfa, LimitError};
use crate::engine::layout::{self, Plain, Temporal};
use crate::logic::{Acceptance, Arena, Node, NodeId};

/// One subformula, with operands as indices into the program.
#[derive(Clone, Copy, Debug)]
enum Instr {
    Const(bool),
    Eos,
    Start,
    /// `pos%m=r`: (modulus, residue).
    PosMod(u64, u64),
    /// Letter index (tokens) or bit (props) of the atom; `None` when the atom is not in
    /// the alphabet, so it never holds.
    Atom(Option<u32>),
    Not(u32),
    And(u32, u32),
    Or(u32, u32),
    Implies(u32, u32),
    Iff(u32, u32),
    /// A node that keeps a bit ([`Temporal`]), its operands as instruction indices.
    Temporal(Temporal<u32>),
    /// Reads its `Y<=k` window counter (index into the counters).
    Within(u32),
    /// `P>=m`: whether its count (index into the counters, shared by every `P>=…` of the
    /// same operand and saturated at the largest of their m) reached m.
    AtLeast(u32, u32),
}

impl Instr {
    /// The instructions whose values at the same position this one reads.
    fn operands(self) -> [Option<u32>; 2] {
        match self {
            Instr::Not(x)
            | Instr::Temporal(Temporal::Once(x))
            | Instr::Temporal(Temporal::Historically(x)) => [Some(x), None],
            Instr::And(x, y)
            | Instr::Or(x, y)
            | Instr::Implies(x, y)
            | Instr::Iff(x, y)
            | Instr::Temporal(Temporal::Since(x, y))
            | Instr::Temporal(Temporal::Release(x, y)) => [Some(x), Some(y)],
            _ => [None, None],
        }
    }
}

/// A formula compiled for stepping: instructions in dependency order and the state layout.
#[derive(Clone, Debug)]
pub struct Program {
    instrs: Vec<Instr>,
    /// The instructions a step needs (remembered values, counter operands and what they
    /// read), in order; acceptance evaluates all of them. A formula whose top is a large
    /// Boolean combination of counter tests steps by its atoms alone.
    for_step: Vec<u32>,
    /// For each instruction, the state bit holding its previous value, if remembered.
    slot: Vec<u32>,
    /// Counters of `Y<=k` and `P>=m` nodes.
    counters: Vec<Counter>,
    root: u32,
    props: bool,
    /// State words: bits (started + slots), then one word per window counter, then the
    /// position counter if `position` is set.
    bit_words: usize,
    /// Letters read are counted modulo this (0: not reduced, when the lcm of the moduli
    /// exceeds 2^62), when the formula has `pos%m=r` atoms.
    position: Option<u64>,
    width: usize,
}

const NO_SLOT: u32 = u32::MAX;

/// A counter of the state: a `Y<=k` node's or the shared count of the `P>=…` nodes of
/// one operand, with its rule ([`layout::Counter`]).
#[derive(Clone, Copy, Debug)]
struct Counter {
    /// The operand's instruction.
    operand: u32,
    rule: layout::Counter,
}

impl Program {
    /// Compiles `root` over `alphabet`; `acceptance` decides whether the root's own value
    /// must be remembered.
    pub fn new(
        arena: &Arena,
        root: NodeId,
        alphabet: &Alphabet,
        acceptance: Acceptance,
    ) -> Program {
        let subs = arena.subformulas(root);
        let mut local = FxHashMap::default();
        for (i, &n) in subs.iter().enumerate() {
            local.insert(n, i as u32);
        }
        let l = |n: NodeId| local[&n];
        let atoms: FxHashMap<&str, u32> = alphabet
            .atoms()
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let mut counters: Vec<Counter> = Vec::new();
        // One count per operand of `P>=…` nodes, saturated at the largest m: the counted
        // formulas of a numeric model test one count against many thresholds, and
        // separate counters would multiply the states.
        let mut count_of: FxHashMap<u32, u32> = FxHashMap::default();
        for &n in &subs {
            if let Node::OnceAtLeast(m, x) = arena.node(n) {
                let w = *count_of.entry(l(x)).or_insert_with(|| {
                    counters.push(Counter {
                        operand: l(x),
                        rule: layout::Counter::AtLeast(0),
                    });
                    counters.len() as u32 - 1
                });
                let c = &mut counters[w as usize];
                c.rule = layout::Counter::AtLeast(c.rule.bound().max(m));
            }
        }
        // A state stores the previous values the recurrences read (`Temporal::reads`),
        // not their bits: `Y x` and `Z x` share x's, and no bit is stored that no rule reads.
        let mut remember = vec![false; subs.len()];
        let instrs: Vec<Instr> = subs
            .iter()
            .enumerate()
            .map(|(i, &n)| match arena.node(n) {
                Node::True => Instr::Const(true),
                Node::False => Instr::Const(false),
                Node::Eos => Instr::Eos,
                Node::Start => Instr::Start,
                Node::PosMod(m, r) => Instr::PosMod(u64::from(m), u64::from(r)),
                Node::Atom(a) => Instr::Atom(atoms.get(arena.atom_name(a)).copied()),
                Node::Not(x) => Instr::Not(l(x)),
                Node::And(x, y) => Instr::And(l(x), l(y)),
                Node::Or(x, y) => Instr::Or(l(x), l(y)),
                Node::Implies(x, y) => Instr::Implies(l(x), l(y)),
                Node::Iff(x, y) => Instr::Iff(l(x), l(y)),
                Node::YesterdayWithin(k, x) => {
                    counters.push(Counter {
                        operand: l(x),
                        rule: layout::Counter::Within(k),
                    });
                    Instr::Within(counters.len() as u32 - 1)
                }
                Node::OnceAtLeast(m, x) => Instr::AtLeast(count_of[&l(x)], m),
                // P φ beside a P>=m φ reads the shared count (≥ 1), instead of
                // remembering φ's last value, which would double the states.
                Node::StrictOnce(x) if count_of.contains_key(&l(x)) => {
                    Instr::AtLeast(count_of[&l(x)], 1)
                }
                node => match Temporal::of(node) {
                    Some(t) => {
                        let t = t.map(l);
                        let (own, operands) = t.reads();
                        remember[i] |= own;
                        for x in operands.into_iter().flatten() {
                            remember[x as usize] = true;
                        }
                        Instr::Temporal(t)
                    }
                    None => unreachable!("every other node keeps a bit or a counter"),
                },
            })
            .collect();
        let root = instrs.len() as u32 - 1;
        if acceptance == Acceptance::Last {
            remember[root as usize] = true;
        }
        let mut next = 1u32; // bit 0: started
        let slot = remember
            .iter()
            .map(|&r| {
                if r {
                    next += 1;
                    next - 1
                } else {
                    NO_SLOT
                }
            })
            .collect();
        let bit_words = (next as usize).div_ceil(64);
        let position = position_modulus(&instrs);
        let width = bit_words + counters.len() + usize::from(position.is_some());
        let mut need = remember.clone();
        for c in &counters {
            need[c.operand as usize] = true;
        }
        for i in (0..instrs.len()).rev() {
            if need[i] {
                for x in instrs[i].operands().into_iter().flatten() {
                    need[x as usize] = true;
                }
            }
        }
        let for_step = (0..instrs.len() as u32)
            .filter(|&i| need[i as usize])
            .collect();
        Program {
            for_step,
            instrs,
            slot,
            counters,
            root,
            props: matches!(alphabet, Alphabet::Props(_)),
            bit_words,
            position,
            width,
        }
    }

    /// Number of state bits when the state is one word (started bit and remembered values).
    pub(super) fn bits(&self) -> u32 {
        1 + self.slot.iter().filter(|&&s| s != NO_SLOT).count() as u32
    }

    /// Number of `u64` words in a state.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The state of the empty prefix.
    pub fn initial(&self) -> Vec<u64> {
        let mut s = vec![0u64; self.width];
        for (w, c) in s[self.bit_words..].iter_mut().zip(&self.counters) {
            *w = c.rule.initial();
        }
        s
    }

    fn bit(state: &[u64], b: u32) -> bool {
        state[(b / 64) as usize] >> (b % 64) & 1 == 1
    }

    /// Evaluates the subformulas a step needs ([`Program::for_step`]) at the next
    /// position, which holds `letter`, into `cur`.
    fn eval_for_step(&self, state: &[u64], letter: u32, cur: &mut [bool]) {
        for &i in &self.for_step {
            cur[i as usize] = self.value(i as usize, state, Some(letter), cur);
        }
    }

    /// Instruction `i`'s value at the next position, its operands' values in `cur`.
    #[inline]
    fn value(&self, i: usize, state: &[u64], letter: Option<u32>, cur: &[bool]) -> bool {
        let started = Self::bit(state, 0);
        let c = |j: u32| cur[j as usize];
        match self.instrs[i] {
            Instr::Const(b) => b,
            Instr::Eos => letter.is_none(),
            Instr::Start => !started,
            Instr::PosMod(m, r) => (state[self.width - 1] + 1) % m == r,
            Instr::Atom(a) => match (a, letter) {
                (Some(a), Some(l)) => {
                    if self.props {
                        l >> a & 1 == 1
                    } else {
                        l == a
                    }
                }
                _ => false,
            },
            Instr::Not(x) => !c(x),
            Instr::And(x, y) => c(x) && c(y),
            Instr::Or(x, y) => c(x) || c(y),
            Instr::Implies(x, y) => !c(x) || c(y),
            Instr::Iff(x, y) => c(x) == c(y),
            Instr::Within(w) => self.counter_holds(state, w),
            Instr::AtLeast(w, m) => state[self.bit_words + w as usize] >= u64::from(m),
            Instr::Temporal(t) => {
                // The operands `next` reads have slots (`Temporal::reads`); the node's
                // own value has one where `next` reads it.
                let prev = |j: u32| Self::bit(state, self.slot[j as usize]);
                let own = || self.slot[i] != NO_SLOT && prev(i as u32);
                t.now_from_stored(started, own, prev, c)
            }
        }
    }

    /// The bit of the recurrence `t` (instruction `i`) at the next position: the rule's
    /// next bit from the previous values the state stores, or its initial value before
    /// the first position.
    #[inline]
    fn bit_of(&self, state: &[u64], i: usize, t: Temporal<u32>) -> bool {
        if !Self::bit(state, 0) {
            return t.initial();
        }
        // The operands `next` reads have slots (`Temporal::reads`); the node's own value
        // has one where `next` reads it.
        let prev = |j: u32| Self::bit(state, self.slot[j as usize]);
        let own = self.slot[i] != NO_SLOT && prev(i as u32);
        t.next(&mut Plain, &own, &own, prev)
    }

    /// Whether the `Y<=k` node of window counter `w` holds.
    #[inline]
    fn counter_holds(&self, state: &[u64], w: u32) -> bool {
        self.counters[w as usize]
            .rule
            .holds(state[self.bit_words + w as usize])
    }

    /// [`Program::value`] with the letter left symbolic (proposition alphabets): every
    /// subformula's value at the next position as a guard over the propositions, into `cur`.
    pub(super) fn eval_guards(
        &self,
        state: &[u64],
        g: &mut super::diagram::Bools,
        cur: &mut [u32],
    ) {
        use super::diagram::{FALSE, TRUE};
        let started = Self::bit(state, 0);
        let k = |b: bool| if b { TRUE } else { FALSE };
        for (i, ins) in self.instrs.iter().enumerate() {
            let c = |j: u32| cur[j as usize];
            let v = match *ins {
                Instr::Const(b) => k(b),
                Instr::Eos => FALSE,
                Instr::Start => k(!started),
                Instr::PosMod(m, r) => k((state[self.width - 1] + 1) % m == r),
                Instr::Atom(Some(a)) => g.var(a),
                Instr::Atom(None) => FALSE,
                Instr::Not(x) => g.not(c(x)),
                Instr::And(x, y) => g.and(c(x), c(y)),
                Instr::Or(x, y) => g.or(c(x), c(y)),
                Instr::Implies(x, y) => {
                    let nx = g.not(c(x));
                    g.or(nx, c(y))
                }
                Instr::Iff(x, y) => {
                    let d = g.xor(c(x), c(y));
                    g.not(d)
                }
                Instr::Within(w) => k(self.counter_holds(state, w)),
                Instr::AtLeast(w, m) => k(state[self.bit_words + w as usize] >= u64::from(m)),
                Instr::Temporal(t) => {
                    let bit = k(self.bit_of(state, i, t));
                    t.now(g, &bit, c)
                }
            };
            cur[i] = v;
        }
    }

    /// What [`Program::step`] needs besides the letter, for a symbolic step: the guards of
    /// the remembered subformulas (in slot order) and of the window operands, then the
    /// constant parts (each window's value when its operand fails, the position counter).
    /// Two states with equal keys (restricted alike) have equal successors.
    pub(super) fn step_key(&self, state: &[u64], cur: &[u32], key: &mut Vec<u64>) {
        key.clear();
        for (i, &s) in self.slot.iter().enumerate() {
            if s != NO_SLOT {
                key.push(u64::from(cur[i]));
            }
        }
        for c in &self.counters {
            key.push(u64::from(cur[c.operand as usize]));
        }
        for (w, c) in self.counters.iter().enumerate() {
            key.push(c.rule.next(&mut Plain, &state[self.bit_words + w], &false));
        }
        if let Some(m) = self.position {
            let p = state[self.width - 1] + 1;
            key.push(if m != 0 && p == m { 0 } else { p });
        }
    }

    /// How many leading entries of a [`Program::step_key`] are guards.
    pub(super) fn key_guards(&self) -> usize {
        self.slot.iter().filter(|&&s| s != NO_SLOT).count() + self.counters.len()
    }

    /// The successor state from a step key whose guards are all constants.
    pub(super) fn state_of_key(&self, key: &[u64], out: &mut [u64]) {
        use super::diagram::TRUE;
        for w in out[..self.bit_words].iter_mut() {
            *w = 0;
        }
        out[0] |= 1;
        let mut j = 0;
        for &s in &self.slot {
            if s != NO_SLOT {
                if key[j] == u64::from(TRUE) {
                    out[(s / 64) as usize] |= 1 << (s % 64);
                }
                j += 1;
            }
        }
        let nw = self.counters.len();
        for (w, c) in self.counters.iter().enumerate() {
            let failed = key[j + nw + w];
            // A window's value after its operand held does not depend on the old one,
            // and a count's value after it failed is the old one: the rule applied to
            // the failed value gives the value after a hold for both.
            out[self.bit_words + w] = if key[j + w] == u64::from(TRUE) {
                c.rule.next(&mut Plain, &failed, &true)
            } else {
                failed
            };
        }
        if self.position.is_some() {
            out[self.width - 1] = key[j + 2 * nw];
        }
    }

    /// Number of subformulas (the length of `cur` for the evaluators).
    pub(super) fn len(&self) -> usize {
        self.instrs.len()
    }

    /// The state after reading `letter` in `state`, written into `out`.
    fn step(&self, state: &[u64], letter: u32, cur: &mut [bool], out: &mut [u64]) {
        self.eval_for_step(state, letter, cur);
        for w in out[..self.bit_words].iter_mut() {
            *w = 0;
        }
        out[0] |= 1;
        for (i, &s) in self.slot.iter().enumerate() {
            if s != NO_SLOT && cur[i] {
                out[(s / 64) as usize] |= 1 << (s % 64);
            }
        }
        for (w, c) in self.counters.iter().enumerate() {
            out[self.bit_words + w] = c.rule.next(
                &mut Plain,
                &state[self.bit_words + w],
                &cur[c.operand as usize],
            );
        }
        if let Some(m) = self.position {
            let p = state[self.width - 1] + 1;
            out[self.width - 1] = if m != 0 && p == m { 0 } else { p };
        }
    }

    /// Whether a word leading to `state` is accepted.
    pub(super) fn accepts(&self, state: &[u64], acceptance: Acceptance, cur: &mut [bool]) -> bool {
        match acceptance {
            Acceptance::Eos => {
                for i in 0..self.instrs.len() {
                    cur[i] = self.value(i, state, None, cur);
                }
                cur[self.root as usize]
            }
            Acceptance::Last => {
                Self::bit(state, 0) && Self::bit(state, self.slot[self.root as usize])
            }
        }
    }
}

fn position_modulus(instrs: &[Instr]) -> Option<u64> {
    crate::logic::position_modulus(instrs.iter().filter_map(|i| match *i {
        Instr::PosMod(m, _) => Some(m as u32),
        _ => None,
    }))
}

/// State numbering. States of at most [`DIRECT_BITS`] bits index a table directly; other
/// states that fit one word (up to 63 remembered subformulas, no window) are hashed as
/// that word; the rest as slices.
pub(super) enum StateIndex {
    Direct { ids: Vec<u32>, len: usize },
    One(FxHashMap<u64, u32>),
    Many(FxHashMap<Box<[u64]>, u32>),
}

/// Direct tables take 4 · 2^bits bytes: 64 MiB at this width.
const DIRECT_BITS: u32 = 24;

impl StateIndex {
    pub(super) fn new(width: usize, bits: u32) -> Self {
        if width == 1 && bits <= DIRECT_BITS {
            StateIndex::Direct {
                ids: vec![u32::MAX; 1 << bits],
                len: 0,
            }
        } else if width == 1 {
            StateIndex::One(FxHashMap::default())
        } else {
            StateIndex::Many(FxHashMap::default())
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            StateIndex::Direct { len, .. } => *len,
            StateIndex::One(m) => m.len(),
            StateIndex::Many(m) => m.len(),
        }
    }

    /// The id of `state`, and whether it is new.
    pub(super) fn id(&mut self, state: &[u64]) -> (u32, bool) {
        let next = self.len() as u32;
        match self {
            StateIndex::Direct { ids, len } => {
                let slot = &mut ids[state[0] as usize];
                if *slot == u32::MAX {
                    *slot = next;
                    *len += 1;
                    (next, true)
                } else {
                    (*slot, false)
                }
            }
            StateIndex::One(m) => match m.entry(state[0]) {
                std::collections::hash_map::Entry::Occupied(e) => (*e.get(), false),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(next);
                    (next, true)
                }
            },
            StateIndex::Many(m) => match m.get(state) {
                Some(&id) => (id, false),
                None => {
                    m.insert(state.into(), next);
                    (next, true)
                }
            },
        }
    }
}

/// Builds the (complete, reachable, not yet minimal) DFA of `root` over `alphabet`.
pub fn build_dfa(
    arena: &Arena,
    root: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    budget: &Budget,
) -> Result<Dfa, LimitError> {
    let prog = Program::new(arena, root, alphabet, acceptance);
    let letters = alphabet.len();
    let w = prog.width();
    let mut store: Vec<u64> = prog.initial();
    let mut index = StateIndex::new(w, prog.bits());
    index.id(&store);
    let mut trans: Vec<u32> = Vec::new();
    let mut accepting = Vec::new();
    let mut cur = vec![false; prog.instrs.len()];
    let mut next = vec![0u64; w];
    let mut state = vec![0u64; w];
    let mut q = 0usize;
    budget.check(1, letters, "DFA states")?;
    while q * w < store.len() {
        state.copy_from_slice(&store[q * w..(q + 1) * w]);
        accepting.push(prog.accepts(&state, acceptance, &mut cur));
        for l in 0..letters as u32 {
            prog.step(&state, l, &mut cur, &mut next);
            let (id, new) = index.id(&next);
            if new {
                store.extend_from_slice(&next);
                if index.len() % 1024 == 0 {
                    budget.check(index.len(), letters, "DFA states")?;
                }
            }
            trans.push(id);
            // Large alphabets: the clock is read between new states too.
            if trans.len() % 65_536 == 0 {
                budget.check(index.len(), letters, "DFA states")?;
            }
        }
        q += 1;
    }
    budget.check(index.len(), letters, "DFA states")?;
    Ok(Dfa {
        alphabet: alphabet.clone(),
        acceptance,
        states: accepting.len(),
        trans,
        accepting,
    })
}
