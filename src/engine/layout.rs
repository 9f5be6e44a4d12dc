//! The product-system layout every engine reads (docs/book/design/engines.md, "One
//! layout"): which subformula keeps a state bit or a counter, their values before the
//! first position, and the rules that give a subformula's value at a position and the
//! next state.
//!
//! Past operators are deterministic: a subformula's value at position i is a function of
//! the letter at i and of a few values kept from position i − 1. The rules here are
//! written once, over a [`Logic`] (and, for counters, a [`Counting`]) that each engine
//! supplies: plain `bool`s and `u64`s for the explicit engine, guards over the
//! propositions for its guard-labelled automata, BDDs, and z3 terms. How a value is
//! stored (a bit in a word, a BDD variable, a solver constant; a counter's width) is the
//! engine's own business; what is stored and how it evolves is decided here.
//!
//! - A [`Temporal`] node (`Y`, `Z`, `P`, `S<`, `O`, `H`, `S`, past release) keeps one
//!   bit: what its recurrence reads from the previous position ([`Temporal::initial`]
//!   before the first one). [`Temporal::now`] gives its value at a position from that
//!   bit and its operands' values there; [`Temporal::next`] the bit for the next
//!   position.
//! - A [`Counter`] node keeps a number: `Y<=k φ` the distance back to φ's last truth
//!   (1 … k, and k + 1 for "farther or never"), `P>=m φ` how often φ held before,
//!   saturated at m.
//! - `pos%m=r` atoms share one position counter modulo the lcm of their moduli
//!   ([`crate::logic::position_modulus`]).
//! - [`Comparison`] lays out the product system of two formulas (the BDD and z3 engines
//!   explore it; the explicit engine builds one automaton per side and walks their
//!   product, storing per side the previous values the rules read, [`Temporal::reads`]).
//!
//! ```
//! use ltlattn::automata::Alphabet;
//! use ltlattn::engine::layout::{Comparison, Plain, Question, Sides};
//! use ltlattn::logic::{parse, Acceptance, Arena};
//! let mut f = Arena::new();
//! let l = parse(&mut f, "P (a & Y b)").unwrap();
//! let r = parse(&mut f, "O (a & Y b)").unwrap();
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
//! let c = Comparison::new(Sides {
//!     arena: &f,
//!     left: l,
//!     right: r,
//!     alphabet: &sigma,
//!     acceptance: Acceptance::Eos,
//!     question: Question::Equivalent,
//! });
//! assert_eq!(c.bits.len(), 3); // Y b, P (…), O (…)
//! // At the first position, reading "a": the letter atoms are leaves the engine gives.
//! let first: Vec<bool> = c.bits.iter().map(|&i| c.temporal(i).unwrap().initial()).collect();
//! let v = c.values(&mut Plain, |j| first[j], |_, i, node| match node {
//!     ltlattn::logic::Node::Atom(a) => f.atom_name(a) == "a",
//!     _ => false,
//! });
//! assert!(!v[c.roots[0]] && !v[c.roots[1]]);
//! ```

use rustc_hash::FxHashMap;

use crate::automata::Alphabet;
use crate::logic::{Acceptance, Arena, Node, NodeId};

/// What a comparison asks: equivalence or inclusion of the two sides' languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Question {
    /// L(left) = L(right)?
    Equivalent,
    /// L(left) ⊆ L(right)?
    Included,
}

impl Question {
    /// Whether a pair of verdicts (left accepts, right accepts) violates the property.
    pub fn violated(self, left: bool, right: bool) -> bool {
        match self {
            Question::Equivalent => left != right,
            Question::Included => left && !right,
        }
    }
}

/// The Boolean operations the rules are written in. Each engine implements it over its
/// own values; the rules call the operations in a fixed order, so an engine whose terms
/// are not canonical (z3) gets the same terms on every run.
pub trait Logic {
    /// A Boolean value: `bool`, a guard, a BDD, a z3 term.
    type B: Clone;
    /// The constant `b`.
    fn constant(&mut self, b: bool) -> Self::B;
    /// ¬a.
    fn not(&mut self, a: &Self::B) -> Self::B;
    /// a ∧ b.
    fn and(&mut self, a: &Self::B, b: &Self::B) -> Self::B;
    /// a ∨ b.
    fn or(&mut self, a: &Self::B, b: &Self::B) -> Self::B;
    /// a → b.
    fn implies(&mut self, a: &Self::B, b: &Self::B) -> Self::B {
        let na = self.not(a);
        self.or(&na, b)
    }
    /// a ↔ b.
    fn iff(&mut self, a: &Self::B, b: &Self::B) -> Self::B {
        let x = self.implies(a, b);
        let y = self.implies(b, a);
        self.and(&x, &y)
    }
}

/// The counter operations the counter rules are written in.
pub trait Counting: Logic {
    /// A counter value: a `u64`, a bit-vector of BDDs, a z3 bit-vector.
    type C: Clone;
    /// The constant `v`, as wide as `like`.
    fn constant_like(&mut self, like: &Self::C, v: u64) -> Self::C;
    /// c + 1.
    fn increment(&mut self, c: &Self::C) -> Self::C;
    /// Whether `c` has reached its saturation value `cap` (it never exceeds it on a
    /// reachable state, so an engine may test `c = cap` or `c ≥ cap`).
    fn reached(&mut self, c: &Self::C, cap: u64) -> Self::B;
    /// `yes` where `cond` holds, else `no`.
    fn select(&mut self, cond: &Self::B, yes: &Self::C, no: &Self::C) -> Self::C;
}

/// Plain values: the explicit engine's `bool`s and `u64` counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Plain;

impl Logic for Plain {
    type B = bool;
    #[inline]
    fn constant(&mut self, b: bool) -> bool {
        b
    }
    #[inline]
    fn not(&mut self, a: &bool) -> bool {
        !a
    }
    #[inline]
    fn and(&mut self, a: &bool, b: &bool) -> bool {
        *a && *b
    }
    #[inline]
    fn or(&mut self, a: &bool, b: &bool) -> bool {
        *a || *b
    }
    #[inline]
    fn implies(&mut self, a: &bool, b: &bool) -> bool {
        !a || *b
    }
    #[inline]
    fn iff(&mut self, a: &bool, b: &bool) -> bool {
        a == b
    }
}

impl Counting for Plain {
    type C = u64;
    #[inline]
    fn constant_like(&mut self, _: &u64, v: u64) -> u64 {
        v
    }
    #[inline]
    fn increment(&mut self, c: &u64) -> u64 {
        c + 1
    }
    #[inline]
    fn reached(&mut self, c: &u64, cap: u64) -> bool {
        *c >= cap
    }
    #[inline]
    fn select(&mut self, cond: &bool, yes: &u64, no: &u64) -> u64 {
        if *cond {
            *yes
        } else {
            *no
        }
    }
}

/// A node that keeps one bit, with its operands (`T`: how the engine names a
/// subformula — a node id, an index into its own table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Temporal<T> {
    /// `Y x`: the bit is x's previous value.
    Yesterday(T),
    /// `Z x` (weak yesterday): likewise, true before the first position.
    WeakYesterday(T),
    /// `P x` (strictly before): the bit is its own value.
    StrictOnce(T),
    /// `x S< y` (strict since): the bit is its own value.
    StrictSince(T, T),
    /// `O x`: the bit is its previous value.
    Once(T),
    /// `H x`: the bit is its previous value, true before the first position.
    Historically(T),
    /// `x S y`: the bit is its previous value.
    Since(T, T),
    /// Past release `x R y`: the bit is its previous value, true before the first position.
    Release(T, T),
}

impl Temporal<NodeId> {
    /// The node's recurrence, if it keeps a bit.
    pub fn of(node: Node) -> Option<Self> {
        Some(match node {
            Node::Yesterday(x) => Temporal::Yesterday(x),
            Node::WeakYesterday(x) => Temporal::WeakYesterday(x),
            Node::StrictOnce(x) => Temporal::StrictOnce(x),
            Node::StrictSince(x, y) => Temporal::StrictSince(x, y),
            Node::Once(x) => Temporal::Once(x),
            Node::Historically(x) => Temporal::Historically(x),
            Node::Since(x, y) => Temporal::Since(x, y),
            Node::Release(x, y) => Temporal::Release(x, y),
            _ => return None,
        })
    }
}

impl<T: Copy> Temporal<T> {
    /// The same recurrence with its operands renamed.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Temporal<U> {
        match self {
            Temporal::Yesterday(x) => Temporal::Yesterday(f(x)),
            Temporal::WeakYesterday(x) => Temporal::WeakYesterday(f(x)),
            Temporal::StrictOnce(x) => Temporal::StrictOnce(f(x)),
            Temporal::StrictSince(x, y) => Temporal::StrictSince(f(x), f(y)),
            Temporal::Once(x) => Temporal::Once(f(x)),
            Temporal::Historically(x) => Temporal::Historically(f(x)),
            Temporal::Since(x, y) => Temporal::Since(f(x), f(y)),
            Temporal::Release(x, y) => Temporal::Release(f(x), f(y)),
        }
    }

    /// The bit before the first position: the recurrences' base cases (`Z`, `H` and past
    /// release are true there).
    #[inline]
    pub fn initial(self) -> bool {
        matches!(
            self,
            Temporal::WeakYesterday(_) | Temporal::Historically(_) | Temporal::Release(..)
        )
    }

    /// The node's value at a position, from its bit and (`at`) its operands' values at
    /// the same position.
    #[inline]
    pub fn now<L: Logic>(self, l: &mut L, bit: &L::B, at: impl Fn(T) -> L::B) -> L::B {
        match self {
            Temporal::Yesterday(_)
            | Temporal::WeakYesterday(_)
            | Temporal::StrictOnce(_)
            | Temporal::StrictSince(..) => bit.clone(),
            Temporal::Once(x) => l.or(bit, &at(x)),
            Temporal::Historically(x) => l.and(bit, &at(x)),
            Temporal::Since(x, y) => {
                let keep = l.and(&at(x), bit);
                l.or(&at(y), &keep)
            }
            Temporal::Release(x, y) => {
                let keep = l.or(&at(x), bit);
                l.and(&at(y), &keep)
            }
        }
    }

    /// The node's value on plain values, straight from what the explicit engine's states
    /// store ([`Temporal::reads`]): whether a position came before (`started`), the
    /// node's own previous value (`own`) and its operands' previous values (`prev`),
    /// with its operands' values here (`at`). Each stored value is read only where the
    /// others leave the answer open (each read is a lookup in the state: the engine's
    /// inner loop). Equal to [`Temporal::now`] of the bit that [`Temporal::next`] makes
    /// of them ([`Temporal::initial`] before the first position); a test checks every
    /// case.
    #[inline]
    pub fn now_from_stored(
        self,
        started: bool,
        own: impl Fn() -> bool,
        prev: impl Fn(T) -> bool,
        at: impl Fn(T) -> bool,
    ) -> bool {
        match self {
            Temporal::Yesterday(x) => started && prev(x),
            Temporal::WeakYesterday(x) => !started || prev(x),
            Temporal::StrictOnce(x) => started && (own() || prev(x)),
            Temporal::StrictSince(x, y) => started && (prev(y) || (prev(x) && own())),
            Temporal::Once(x) => at(x) || (started && own()),
            Temporal::Historically(x) => at(x) && (!started || own()),
            Temporal::Since(x, y) => at(y) || (at(x) && started && own()),
            Temporal::Release(x, y) => at(y) && (at(x) || !started || own()),
        }
    }

    /// The bit for the next position, from this position's bit, the node's own value
    /// here (`own`, from [`Temporal::now`]) and its operands' values here (`at`).
    #[inline]
    pub fn next<L: Logic>(self, l: &mut L, bit: &L::B, own: &L::B, at: impl Fn(T) -> L::B) -> L::B {
        match self {
            Temporal::Yesterday(x) | Temporal::WeakYesterday(x) => at(x),
            Temporal::StrictOnce(x) => l.or(bit, &at(x)),
            Temporal::StrictSince(x, y) => {
                let keep = l.and(&at(x), bit);
                l.or(&at(y), &keep)
            }
            Temporal::Once(_)
            | Temporal::Historically(_)
            | Temporal::Since(..)
            | Temporal::Release(..) => own.clone(),
        }
    }

    /// The values at the previous position that [`Temporal::next`] reads: whether the
    /// node's own value (for `P` and `S<` the bit equals it), and which operands'. An
    /// engine that stores these instead of the bit (the explicit engine, whose states are
    /// hashed and fewer that way) gets the bit back as `next` of them.
    pub fn reads(self) -> (bool, [Option<T>; 2]) {
        match self {
            Temporal::Yesterday(x) | Temporal::WeakYesterday(x) => (false, [Some(x), None]),
            Temporal::StrictOnce(x) => (true, [Some(x), None]),
            Temporal::StrictSince(x, y) => (true, [Some(x), Some(y)]),
            Temporal::Once(_)
            | Temporal::Historically(_)
            | Temporal::Since(..)
            | Temporal::Release(..) => (true, [None, None]),
        }
    }
}

/// A node that keeps a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// `Y<=k φ`: the distance back to φ's last truth, 1 … k, and k + 1 ("farther, or
    /// never") where it saturates. The node holds when the counter is at most k.
    Within(u32),
    /// `P>=m φ`: how often φ held before this position, saturated at m. The node holds
    /// when the counter is at least m.
    AtLeast(u32),
}

impl Counter {
    /// The node's counter rule and its operand, if it keeps a number.
    pub fn of(node: Node) -> Option<(Counter, NodeId)> {
        match node {
            Node::YesterdayWithin(k, x) => Some((Counter::Within(k), x)),
            Node::OnceAtLeast(m, x) => Some((Counter::AtLeast(m), x)),
            _ => None,
        }
    }

    /// k or m.
    pub fn bound(self) -> u32 {
        match self {
            Counter::Within(b) | Counter::AtLeast(b) => b,
        }
    }

    /// The largest value the counter takes (k + 1, or m).
    pub fn cap(self) -> u64 {
        match self {
            Counter::Within(k) => u64::from(k) + 1,
            Counter::AtLeast(m) => u64::from(m),
        }
    }

    /// The value before the first position: φ never held.
    pub fn initial(self) -> u64 {
        match self {
            Counter::Within(k) => u64::from(k) + 1,
            Counter::AtLeast(_) => 0,
        }
    }

    /// Whether the node holds with counter value `c` (plain values).
    #[inline]
    pub fn holds(self, c: u64) -> bool {
        match self {
            Counter::Within(k) => c <= u64::from(k),
            Counter::AtLeast(m) => c >= u64::from(m),
        }
    }

    /// The counter at the next position, from its value `c` here and whether the operand
    /// holds here.
    #[inline]
    pub fn next<C: Counting>(self, l: &mut C, c: &C::C, operand: &C::B) -> C::C {
        let cap = self.cap();
        match self {
            Counter::Within(_) => {
                let far = l.constant_like(c, cap);
                let one_more = l.increment(c);
                let at_far = l.reached(c, cap);
                let grown = l.select(&at_far, &far, &one_more);
                let one = l.constant_like(c, 1);
                l.select(operand, &one, &grown)
            }
            Counter::AtLeast(_) => {
                let one_more = l.increment(c);
                let full = l.reached(c, cap);
                let grown = l.select(&full, c, &one_more);
                l.select(operand, &grown, c)
            }
        }
    }
}

/// What a comparison is about: two formulas of one arena, the alphabet they are read
/// over, where a word is judged, and what is asked. The engines take it whole instead of
/// six arguments.
#[derive(Clone, Copy, Debug)]
pub struct Sides<'a> {
    /// The formulas' arena.
    pub arena: &'a Arena,
    /// The first formula.
    pub left: NodeId,
    /// The second formula.
    pub right: NodeId,
    /// The alphabet.
    pub alphabet: &'a Alphabet,
    /// Where a word is judged.
    pub acceptance: Acceptance,
    /// What is asked.
    pub question: Question,
}

impl<'a> Sides<'a> {
    /// The same question over another alphabet.
    pub fn over<'b>(&self, alphabet: &'b Alphabet) -> Sides<'b>
    where
        'a: 'b,
    {
        Sides { alphabet, ..*self }
    }
}

/// Where a node's memory lives in a [`Comparison`]'s state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// Bit `j` ([`Comparison::bits`]).
    Bit(usize),
    /// Counter `j` ([`Comparison::counters`]).
    Counter(usize),
}

/// The product system of two formulas compared over an alphabet: the state of both sides
/// at once (a first-position flag, a bit per [`Temporal`] node, a counter per
/// [`Counter`] node, the position counter, and under last-position acceptance the two
/// roots' values at the last position), and the violation the question looks for.
#[derive(Clone, Debug)]
pub struct Comparison<'a> {
    /// The formulas' arena.
    pub arena: &'a Arena,
    /// Every subformula of both sides, once, children before parents.
    pub nodes: Vec<NodeId>,
    /// A node's index in `nodes`.
    pub index: FxHashMap<NodeId, usize>,
    /// For each node (by index), where its memory lives, if it keeps one.
    pub memory: Vec<Option<Memory>>,
    /// The node index of each bit, in node order.
    pub bits: Vec<usize>,
    /// The node index and rule of each counter, in node order.
    pub counters: Vec<(usize, Counter)>,
    /// The position counter's modulus (0: counted without reducing, beyond 2^62), when
    /// `pos%m=r` atoms occur.
    pub modulus: Option<u64>,
    /// The two sides' node indices.
    pub roots: [usize; 2],
    /// The alphabet's letters or propositions.
    pub atoms: Vec<String>,
    /// Proposition semantics (a letter is a set of atoms).
    pub props: bool,
    /// Where a word is judged.
    pub acceptance: Acceptance,
    /// What is asked.
    pub question: Question,
}

impl<'a> Comparison<'a> {
    /// The layout of the two sides.
    pub fn new(sides: Sides<'a>) -> Self {
        let Sides {
            arena,
            left,
            right,
            alphabet,
            acceptance,
            question,
        } = sides;
        let mut nodes: Vec<NodeId> = arena.subformulas(left);
        nodes.extend(arena.subformulas(right));
        nodes.sort_unstable();
        nodes.dedup();
        let index: FxHashMap<NodeId, usize> =
            nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let (mut bits, mut counters, mut moduli) = (Vec::new(), Vec::new(), Vec::new());
        let memory = nodes
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let node = arena.node(n);
                if Temporal::of(node).is_some() {
                    bits.push(i);
                    return Some(Memory::Bit(bits.len() - 1));
                }
                if let Some((rule, _)) = Counter::of(node) {
                    counters.push((i, rule));
                    return Some(Memory::Counter(counters.len() - 1));
                }
                if let Node::PosMod(m, _) = node {
                    moduli.push(m);
                }
                None
            })
            .collect();
        let (atoms, props) = match alphabet {
            Alphabet::Tokens(t) => (t.clone(), false),
            Alphabet::Props(p) => (p.clone(), true),
        };
        Comparison {
            arena,
            roots: [index[&left], index[&right]],
            nodes,
            index,
            memory,
            bits,
            counters,
            modulus: crate::logic::position_modulus(moduli),
            atoms,
            props,
            acceptance,
            question,
        }
    }

    /// Node `i`'s recurrence, its operands as node indices, if it keeps a bit.
    pub fn temporal(&self, i: usize) -> Option<Temporal<usize>> {
        Temporal::of(self.arena.node(self.nodes[i])).map(|t| t.map(|x| self.index[&x]))
    }

    /// Counter `j`'s operand, as a node index.
    pub fn counter_operand(&self, j: usize) -> usize {
        let (i, _) = self.counters[j];
        match Counter::of(self.arena.node(self.nodes[i])) {
            Some((_, x)) => self.index[&x],
            None => unreachable!("counters belong to Y<=k and P>=m nodes"),
        }
    }

    /// Every node's value at a position, in node order. `bit(j)` is bit j of the state;
    /// `leaf(l, i, node)` gives what the engine encodes itself: letter atoms, the end
    /// marker, `start`, `pos%m=r` and the counter tests of `Y<=k` and `P>=m`.
    pub fn values<L: Logic>(
        &self,
        l: &mut L,
        bit: impl Fn(usize) -> L::B,
        mut leaf: impl FnMut(&mut L, usize, Node) -> L::B,
    ) -> Vec<L::B> {
        let mut v: Vec<L::B> = Vec::with_capacity(self.nodes.len());
        for (i, &n) in self.nodes.iter().enumerate() {
            let node = self.arena.node(n);
            let b = {
                let at = |x: NodeId| v[self.index[&x]].clone();
                match node {
                    Node::True => l.constant(true),
                    Node::False => l.constant(false),
                    Node::Not(x) => l.not(&at(x)),
                    Node::And(x, y) => l.and(&at(x), &at(y)),
                    Node::Or(x, y) => l.or(&at(x), &at(y)),
                    Node::Implies(x, y) => l.implies(&at(x), &at(y)),
                    Node::Iff(x, y) => l.iff(&at(x), &at(y)),
                    _ => match (Temporal::of(node), self.memory[i]) {
                        (Some(t), Some(Memory::Bit(j))) => t.now(l, &bit(j), at),
                        _ => leaf(l, i, node),
                    },
                }
            };
            v.push(b);
        }
        v
    }

    /// The bits of the next state, in [`Comparison::bits`] order, from the values at this
    /// position ([`Comparison::values`]) and this state's bits.
    pub fn next_bits<L: Logic>(
        &self,
        l: &mut L,
        v: &[L::B],
        bit: impl Fn(usize) -> L::B,
    ) -> Vec<L::B> {
        self.bits
            .iter()
            .enumerate()
            .map(|(j, &i)| match self.temporal(i) {
                Some(t) => t.next(l, &bit(j), &v[i], |x| v[x].clone()),
                None => unreachable!("bits belong to temporal nodes"),
            })
            .collect()
    }

    /// Counter `j` at the next position, from its value `c` here and the values here.
    pub fn next_counter<C: Counting>(&self, l: &mut C, j: usize, c: &C::C, v: &[C::B]) -> C::C {
        self.counters[j].1.next(l, c, &v[self.counter_operand(j)])
    }

    /// Bit `j` before the first position.
    pub fn initial_bit(&self, j: usize) -> bool {
        match self.temporal(self.bits[j]) {
            Some(t) => t.initial(),
            None => unreachable!("bits belong to temporal nodes"),
        }
    }

    /// The violation: the two sides' verdicts `left`, `right` break the question; under
    /// last-position acceptance never at the empty word (`first`: no letter read yet).
    pub fn bad<L: Logic>(&self, l: &mut L, left: &L::B, right: &L::B, first: &L::B) -> L::B {
        let differ = match self.question {
            Question::Equivalent => {
                let same = l.iff(left, right);
                l.not(&same)
            }
            Question::Included => {
                let nr = l.not(right);
                l.and(left, &nr)
            }
        };
        match self.acceptance {
            Acceptance::Last => {
                let nf = l.not(first);
                l.and(&nf, &differ)
            }
            Acceptance::Eos => differ,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The explicit engine's evaluation from stored values is the rules': every
    /// recurrence, before and after the first position, every stored and current value.
    #[test]
    fn now_from_stored_is_now_of_next() {
        let all = [
            Temporal::Yesterday(0u8),
            Temporal::WeakYesterday(0),
            Temporal::StrictOnce(0),
            Temporal::StrictSince(0, 1),
            Temporal::Once(0),
            Temporal::Historically(0),
            Temporal::Since(0, 1),
            Temporal::Release(0, 1),
        ];
        for t in all {
            for bits in 0..64u8 {
                let started = bits & 1 == 1;
                let own = bits >> 1 & 1 == 1;
                let prev = |j: u8| bits >> (2 + j) & 1 == 1;
                let at = |j: u8| bits >> (4 + j) & 1 == 1;
                let bit = if started {
                    t.next(&mut Plain, &own, &own, prev)
                } else {
                    t.initial()
                };
                assert_eq!(
                    t.now_from_stored(started, || own, prev, at),
                    t.now(&mut Plain, &bit, at),
                    "{t:?} with stored/current values {bits:06b}"
                );
            }
        }
    }
}
