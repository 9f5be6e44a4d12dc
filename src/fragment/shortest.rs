//! Short formulas for small automata: enumerative synthesis with the DFA as the oracle.
//!
//! The formula constructions of the classifier (runs of a partially ordered DFA, depth-n
//! types) are complete but can be enormous: a 5-state language gave 70,843 characters.
//! For small automata a reader wants the short formula a person would write. This module
//! finds one by enumerating formulas of a fragment bottom-up by size (number of nodes as a
//! tree), as enumerative program synthesis does:
//!
//! - every candidate is represented by its *semantic signature*: its truth value at every
//!   position of a prefix-closed sample of words (all words up to a length chosen by the
//!   alphabet's size, each also read with the end marker ⊣), computed from the
//!   signatures of its operands;
//! - candidates with the same signature are observationally equivalent on the sample, so
//!   only the first (smallest) is kept, which is what keeps the search small;
//! - a candidate whose values at the judged positions (the ⊣ positions under EOS
//!   acceptance, the last letters under last-position acceptance) are the DFA's answers
//!   is the winner. When no single candidate fits within the limits, the judged
//!   positions are covered greedily by a disjunction of candidates that never say yes
//!   wrongly (or a conjunction of candidates that never say no wrongly).
//!
//! The sample is only a sample, so the winner is re-checked by the explicit equivalence
//! checker; a counterexample word joins the sample and the search starts again (at most
//! [`SearchLimits::rounds`] times). Only a re-checked formula is returned: the
//! certificate is the re-check. Every loop is bounded by candidates and by time.

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use super::{cert_text, FormulaCert, Fragment};
use crate::automata::{Alphabet, Budget, Dfa};
use crate::engine::explicit::{compare, formula_dfa};
use crate::engine::layout::Question;
use crate::logic::{Acceptance, Arena, Node, NodeId};

/// The temporal operators a search may use (the Boolean connectives, letter atoms,
/// `true`, `start`, and under EOS acceptance `eos`, are always allowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ops {
    /// Strict once `P` (global heads).
    pub once: bool,
    /// Bounded yesterday `Y^{≤k}` with this window (1 = `Y`); 0 = none.
    pub window: u32,
    /// Since `S` and strict since `S<` (hard attention: full past LTL).
    pub since: bool,
}

impl Ops {
    /// The operators of a fragment's syntax: `LTL[P]` → `P`; `LTL[Y^{≤k}]` → `Y^{≤k}`;
    /// hybrid → both; `LTL[Y, S]` → `Y`, `P`, `S`, `S<`; propositional → none. `None` for
    /// position-modulo atoms, which the search does not enumerate.
    pub fn of(fragment: Fragment) -> Option<Ops> {
        let ops = |once, window, since| {
            Some(Ops {
                once,
                window,
                since,
            })
        };
        match fragment {
            Fragment::Propositional => ops(false, 0, false),
            Fragment::Global => ops(true, 0, false),
            Fragment::Local(k) => ops(false, k, false),
            Fragment::Hybrid(k) => ops(true, k, false),
            Fragment::Hard => ops(true, 1, true),
            Fragment::Modular => None,
        }
    }

    /// Whether every operator of `phi` is one of these (or a Boolean connective, an atom,
    /// a constant, `start` or `eos`): membership of the formula in the fragment.
    pub fn admits(&self, arena: &Arena, phi: NodeId) -> bool {
        let mut stack = vec![phi];
        let mut seen = rustc_hash::FxHashSet::default();
        while let Some(x) = stack.pop() {
            if !seen.insert(x) {
                continue;
            }
            let node = arena.node(x);
            let ok = match node {
                Node::StrictOnce(_) => self.once,
                Node::Yesterday(_) => self.window == 1 || self.since,
                Node::YesterdayWithin(k, _) => self.window == k,
                Node::Since(..) | Node::StrictSince(..) => self.since,
                Node::PosMod(..) => false,
                n => !n.is_temporal(),
            };
            if !ok {
                return false;
            }
            stack.extend(node.children());
        }
        true
    }
}

/// The largest minimal DFA that `compile` (numeric and Boolean models) searches a short
/// formula for: within [`SearchLimits::default`] the search answers in about a second
/// at most on the examples' automata of up to 9 states (release build), and gives up
/// after about 2 s on `naive-contains-a`'s 9 states.
pub const SEARCH_DFA_STATES: usize = 10;

/// Bounds of the search: it never runs past them, and then reports nothing found.
#[derive(Clone, Copy, Debug)]
pub struct SearchLimits {
    /// Largest formula enumerated (nodes as a tree).
    pub max_size: usize,
    /// Most distinct candidates (signatures) kept per round.
    pub max_candidates: usize,
    /// Most candidates built (with their signatures), distinct or not, per round. With
    /// `max_candidates` this bounds the work deterministically, so that what is found
    /// does not depend on the machine's speed or load.
    pub max_tries: u64,
    /// Wall-clock backstop for the whole search, re-checks included (the caller's
    /// deadline, when earlier, also stops it); far above what the other limits take.
    pub timeout: Duration,
    /// Most rounds of "search, re-check, add the counterexample to the sample".
    pub rounds: usize,
    /// Most positions in the sample (sets the length of the words it holds).
    pub sample_positions: usize,
}

impl Default for SearchLimits {
    fn default() -> Self {
        SearchLimits {
            max_size: 25,
            max_candidates: 500_000,
            max_tries: 2_500_000,
            timeout: Duration::from_secs(20),
            rounds: 4,
            sample_positions: 600,
        }
    }
}

/// A formula found by [`shortest_formula`], re-checked equivalent to the DFA.
#[derive(Clone, Debug)]
pub struct Found {
    /// The certificate (ASCII formula, depth, how it was found).
    pub cert: FormulaCert,
    /// Nodes of the formula as a tree.
    pub size: usize,
    /// Distinct candidates enumerated over all rounds.
    pub candidates: usize,
    /// Candidates built over all rounds, distinct or not.
    pub tries: u64,
    /// Rounds run (1 when the first sample sufficed).
    pub rounds: usize,
    /// Whether the formula is a greedy cover (a disjunction or conjunction of enumerated
    /// candidates) rather than one enumerated candidate, which is of least size among
    /// the formulas that agree with the language on the sample.
    pub covered: bool,
}

/// Searches for a short formula over `ops` that defines L(`dfa`) under the DFA's own
/// acceptance, within `limits` and (for the re-checks) `budget`. Letter alphabets only.
/// `None` when nothing within the limits was confirmed by the equivalence checker.
pub fn shortest_formula(
    dfa: &Dfa,
    ops: Ops,
    limits: &SearchLimits,
    budget: &Budget,
) -> Option<Found> {
    if !matches!(dfa.alphabet, Alphabet::Tokens(_)) {
        return None;
    }
    // The search's own limit, or the caller's deadline when that comes first.
    let mut deadline = Instant::now() + limits.timeout;
    if let Some(d) = budget.deadline {
        deadline = deadline.min(d);
    }
    let mut extra: Vec<Vec<u32>> = Vec::new();
    let (mut candidates, mut tries) = (0, 0);
    for round in 1..=limits.rounds.max(1) {
        let sample = Sample::new(dfa, limits.sample_positions, &extra);
        let mut search = Search::new(dfa.acceptance, &sample, ops, limits, deadline);
        let (expr, covered) = search.run()?;
        candidates += search.pool.exprs.len();
        tries += search.tries;
        let mut arena = Arena::new();
        let phi = search.pool.build(&mut arena, expr, dfa, ops);
        let size = search.pool.tree_size(expr);
        match counterexample(&arena, phi, dfa, budget) {
            Some(None) => {
                let construction = format!(
                    "shortest search: formulas of the fragment enumerated by size with the DFA as the oracle ({candidates} distinct candidates, {round} round{}), re-checked equivalent",
                    if round == 1 { "" } else { "s" }
                );
                return Some(Found {
                    cert: FormulaCert {
                        formula: cert_text(&arena, phi, u64::MAX),
                        depth: arena.temporal_depth(phi),
                        construction,
                        verified_equivalent: true,
                    },
                    size,
                    candidates,
                    tries,
                    rounds: round,
                    covered,
                });
            }
            // The sample did not tell the candidate from the language: learn the word.
            Some(Some(w)) => extra.push(w),
            None => return None,
        }
        if Instant::now() >= deadline {
            return None;
        }
    }
    None
}

/// The explicit checker's answer for `phi` against `dfa`: `Some(None)` equivalent,
/// `Some(Some(w))` a shortest word they disagree on, `None` out of budget.
pub fn counterexample(
    arena: &Arena,
    phi: NodeId,
    dfa: &Dfa,
    budget: &Budget,
) -> Option<Option<Vec<u32>>> {
    let d = formula_dfa(arena, phi, &dfa.alphabet, dfa.acceptance, budget).ok()?;
    let answer = compare(&d, dfa, Question::Equivalent, budget).ok()?;
    Some(answer.counterexample)
}

/// A prefix-closed set of positions: every word of the sample, each prefix ending in a
/// letter, and each word followed by ⊣. Parents come before children.
struct Sample {
    /// The previous position (`NONE` at the first position).
    parent: Vec<u32>,
    /// The symbol at the position: a letter, or `letters` for ⊣.
    sym: Vec<u32>,
    /// Letters of the alphabet (⊣ is written as this number).
    letters: u32,
    /// Positions at which the formula is judged, and the DFA's answer there.
    judged: Bits,
    target: Bits,
}

const NONE: u32 = u32::MAX;

type Bits = Vec<u64>;

fn words_for(n: usize) -> usize {
    n.div_ceil(64)
}

impl Sample {
    fn new(dfa: &Dfa, max_positions: usize, extra: &[Vec<u32>]) -> Sample {
        let k = dfa.letters();
        // The longest length such that all words up to it, with their ⊣, fit.
        let mut len = 0;
        loop {
            let next = len + 1;
            let words: usize = (0..=next).map(|l| k.saturating_pow(l as u32)).sum();
            if k == 0 || 2 * words > max_positions || next > 12 {
                break;
            }
            len = next;
        }
        let mut s = Sample {
            letters: k as u32,
            parent: Vec::new(),
            sym: Vec::new(),
            judged: Vec::new(),
            target: Vec::new(),
        };
        let mut index: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        let mut state: Vec<u32> = Vec::new();
        let mut add = |s: &mut Sample, parent: u32, sym: u32| -> u32 {
            *index.entry((parent, sym)).or_insert_with(|| {
                s.parent.push(parent);
                s.sym.push(sym);
                let from = if parent == NONE {
                    0
                } else {
                    state[parent as usize]
                };
                state.push(if (sym as usize) < k {
                    dfa.next(from, sym)
                } else {
                    from
                });
                (s.parent.len() - 1) as u32
            })
        };
        let mut words: Vec<Vec<u32>> = vec![Vec::new()];
        let mut layer: Vec<Vec<u32>> = vec![Vec::new()];
        for _ in 0..len {
            layer = crate::automata::one_letter_longer(&layer, k).collect();
            words.extend(layer.iter().cloned());
        }
        words.extend(extra.iter().cloned());
        let eos = k as u32;
        for w in &words {
            let mut at = NONE;
            for &l in w {
                at = add(&mut s, at, l);
            }
            add(&mut s, at, eos);
        }
        let n = s.parent.len();
        s.judged = vec![0; words_for(n)];
        s.target = vec![0; words_for(n)];
        for (i, &q) in state.iter().enumerate() {
            let judged = match dfa.acceptance {
                Acceptance::Eos => s.sym[i] == eos,
                Acceptance::Last => s.sym[i] != eos,
            };
            if judged {
                s.judged[i / 64] |= 1 << (i % 64);
                if dfa.accepting[q as usize] {
                    s.target[i / 64] |= 1 << (i % 64);
                }
            }
        }
        s
    }

    fn len(&self) -> usize {
        self.parent.len()
    }
}

/// How a candidate is built from earlier ones.
#[derive(Clone, Copy, Debug)]
enum Expr {
    True,
    False,
    Eos,
    Start,
    Letter(u32),
    Not(u32),
    And(u32, u32),
    Or(u32, u32),
    /// `Y^{≤k}` with the search's window (`Y` when it is 1).
    Window(u32),
    /// `Y` in full past LTL.
    Yesterday(u32),
    Once(u32),
    Since(u32, u32),
    StrictSince(u32, u32),
}

/// The distinct candidates so far: signatures (flat), how each is built, its size.
struct Pool {
    width: usize,
    sigs: Vec<u64>,
    exprs: Vec<Expr>,
    sizes: Vec<u16>,
    by_size: Vec<Vec<u32>>,
    /// The ids of the distinct signatures, by the signature's hash (each signature is
    /// stored once, in `sigs`).
    seen: hashbrown::HashTable<u32>,
}

impl Pool {
    fn sig(&self, id: u32) -> &[u64] {
        &self.sigs[id as usize * self.width..(id as usize + 1) * self.width]
    }

    fn tree_size(&self, id: u32) -> usize {
        self.sizes[id as usize] as usize
    }

    /// The candidate as a formula in `arena`.
    fn build(&self, arena: &mut Arena, id: u32, dfa: &Dfa, ops: Ops) -> NodeId {
        // Operands have smaller ids than the candidates built from them.
        let mut memo: FxHashMap<u32, NodeId> = FxHashMap::default();
        let mut stack = vec![(id, false)];
        while let Some((x, ready)) = stack.pop() {
            if memo.contains_key(&x) {
                continue;
            }
            let e = self.exprs[x as usize];
            let kids: Vec<u32> = match e {
                Expr::Not(a) | Expr::Window(a) | Expr::Yesterday(a) | Expr::Once(a) => vec![a],
                Expr::And(a, b) | Expr::Or(a, b) | Expr::Since(a, b) | Expr::StrictSince(a, b) => {
                    vec![a, b]
                }
                _ => vec![],
            };
            if !ready {
                stack.push((x, true));
                stack.extend(kids.iter().map(|&k| (k, false)));
                continue;
            }
            let c = |k: u32| memo[&k];
            let node = match e {
                Expr::True => Node::True,
                Expr::False => Node::False,
                Expr::Eos => Node::Eos,
                Expr::Start => Node::Start,
                Expr::Letter(l) => {
                    let a = arena.atom(&dfa.alphabet.show(l));
                    memo.insert(x, a);
                    continue;
                }
                Expr::Not(a) => Node::Not(c(a)),
                Expr::And(a, b) => Node::And(c(a), c(b)),
                Expr::Or(a, b) => Node::Or(c(a), c(b)),
                Expr::Window(a) if ops.window == 1 => Node::Yesterday(c(a)),
                Expr::Window(a) => Node::YesterdayWithin(ops.window, c(a)),
                Expr::Yesterday(a) => Node::Yesterday(c(a)),
                Expr::Once(a) => Node::StrictOnce(c(a)),
                Expr::Since(a, b) => Node::Since(c(a), c(b)),
                Expr::StrictSince(a, b) => Node::StrictSince(c(a), c(b)),
            };
            let n = arena.add(node);
            memo.insert(x, n);
        }
        memo[&id]
    }
}

/// One round of the search over one sample.
struct Search<'a> {
    acceptance: Acceptance,
    sample: &'a Sample,
    ops: Ops,
    limits: &'a SearchLimits,
    deadline: Instant,
    pool: Pool,
    scratch: Bits,
    /// Set when a limit stopped the enumeration.
    stopped: bool,
    tries: u64,
}

impl<'a> Search<'a> {
    fn new(
        acceptance: Acceptance,
        sample: &'a Sample,
        ops: Ops,
        limits: &'a SearchLimits,
        deadline: Instant,
    ) -> Search<'a> {
        let width = words_for(sample.len());
        Search {
            acceptance,
            sample,
            ops,
            limits,
            deadline,
            pool: Pool {
                width,
                sigs: Vec::new(),
                exprs: Vec::new(),
                sizes: Vec::new(),
                by_size: vec![Vec::new()],
                seen: hashbrown::HashTable::new(),
            },
            scratch: vec![0; width],
            stopped: false,
            tries: 0,
        }
    }

    /// Whether the judged bits of signature `s` are the target's.
    fn hits(&self, s: &[u64]) -> bool {
        s.iter()
            .zip(&self.sample.judged)
            .zip(&self.sample.target)
            .all(|((x, j), t)| x & j == *t)
    }

    /// Computes `e`'s signature into the scratch buffer.
    fn compute(&mut self, e: Expr) {
        let s = self.sample;
        let n = s.len();
        let eos = s.letters;
        let mut out = std::mem::take(&mut self.scratch);
        out.iter_mut().for_each(|w| *w = 0);
        let bit = |v: &[u64], i: usize| v[i / 64] >> (i % 64) & 1 == 1;
        let set = |v: &mut [u64], i: usize| v[i / 64] |= 1 << (i % 64);
        let pool = &self.pool;
        match e {
            Expr::True => {
                for i in 0..n {
                    set(&mut out, i);
                }
            }
            Expr::False => {}
            Expr::Eos => (0..n)
                .filter(|&i| s.sym[i] == eos)
                .for_each(|i| set(&mut out, i)),
            Expr::Start => (0..n)
                .filter(|&i| s.parent[i] == NONE)
                .for_each(|i| set(&mut out, i)),
            Expr::Letter(l) => (0..n)
                .filter(|&i| s.sym[i] == l)
                .for_each(|i| set(&mut out, i)),
            Expr::Not(a) => {
                for (o, x) in out.iter_mut().zip(pool.sig(a)) {
                    *o = !x;
                }
                if n % 64 != 0 {
                    let last = out.len() - 1;
                    out[last] &= (1u64 << (n % 64)) - 1;
                }
            }
            Expr::And(a, b) => {
                for ((o, x), y) in out.iter_mut().zip(pool.sig(a)).zip(pool.sig(b)) {
                    *o = x & y;
                }
            }
            Expr::Or(a, b) => {
                for ((o, x), y) in out.iter_mut().zip(pool.sig(a)).zip(pool.sig(b)) {
                    *o = x | y;
                }
            }
            Expr::Window(a) | Expr::Yesterday(a) => {
                let k = match e {
                    Expr::Window(_) => self.ops.window,
                    _ => 1,
                };
                let x = pool.sig(a);
                for i in 0..n {
                    let mut p = s.parent[i];
                    for _ in 0..k {
                        if p == NONE {
                            break;
                        }
                        if bit(x, p as usize) {
                            set(&mut out, i);
                            break;
                        }
                        p = s.parent[p as usize];
                    }
                }
            }
            Expr::Once(a) => {
                // P φ at i: φ or P φ at the previous position (parents come first).
                let x = pool.sig(a);
                for i in 0..n {
                    let p = s.parent[i];
                    if p != NONE && (bit(x, p as usize) || bit(&out, p as usize)) {
                        set(&mut out, i);
                    }
                }
            }
            Expr::Since(a, b) => {
                // φ S ψ at i: ψ at i, or φ at i and φ S ψ at i − 1.
                let (x, y) = (pool.sig(a), pool.sig(b));
                for i in 0..n {
                    let p = s.parent[i];
                    if bit(y, i) || (bit(x, i) && p != NONE && bit(&out, p as usize)) {
                        set(&mut out, i);
                    }
                }
            }
            Expr::StrictSince(a, b) => {
                // φ S< ψ at i: at i − 1, ψ, or φ and φ S< ψ.
                let (x, y) = (pool.sig(a), pool.sig(b));
                for i in 0..n {
                    let p = s.parent[i];
                    if p != NONE
                        && (bit(y, p as usize) || (bit(x, p as usize) && bit(&out, p as usize)))
                    {
                        set(&mut out, i);
                    }
                }
            }
        }
        self.scratch = out;
    }

    /// Adds `e` of size `size` when its signature is new; `Some(id)` when it hits the
    /// target. Sets `stopped` when a limit is reached.
    fn offer(&mut self, e: Expr, size: usize) -> Option<u32> {
        self.tries += 1;
        if self.tries >= self.limits.max_tries
            || (self.tries % 2048 == 0 && Instant::now() >= self.deadline)
        {
            self.stopped = true;
            return None;
        }
        self.compute(e);
        let hash = |sig: &[u64]| rustc_hash::FxBuildHasher.hash_one(sig);
        let id = self.pool.exprs.len() as u32;
        let Pool {
            width, sigs, seen, ..
        } = &mut self.pool;
        let w = *width;
        let at = |id: u32| id as usize * w..(id as usize + 1) * w;
        let h = hash(&self.scratch);
        if seen
            .find(h, |&id| sigs[at(id)] == self.scratch[..])
            .is_some()
        {
            return None;
        }
        sigs.extend_from_slice(&self.scratch);
        seen.insert_unique(h, id, |&id| hash(&sigs[at(id)]));
        self.pool.exprs.push(e);
        self.pool.sizes.push(size as u16);
        while self.pool.by_size.len() <= size {
            self.pool.by_size.push(Vec::new());
        }
        self.pool.by_size[size].push(id);
        if self.pool.exprs.len() >= self.limits.max_candidates {
            self.stopped = true;
        }
        self.hits(self.pool.sig(id)).then_some(id)
    }

    /// Enumerates by size until a candidate hits the target or a limit stops it; then
    /// tries a cover by the candidates found.
    fn run(&mut self) -> Option<(u32, bool)> {
        // The constants first: a one-state language reads as `true` or `false` (not as
        // a letter, false at ⊣ just the same).
        let mut leaves = vec![Expr::True, Expr::False, Expr::Start];
        // `eos` holds only at ⊣, which last-position acceptance never reads.
        if self.acceptance == Acceptance::Eos {
            leaves.push(Expr::Eos);
        }
        leaves.extend((0..self.sample.letters).map(Expr::Letter));
        for e in leaves {
            if let Some(id) = self.offer(e, 1) {
                return Some((id, false));
            }
        }
        for size in 2..=self.limits.max_size {
            if let Some(id) = self.level(size) {
                return Some((id, false));
            }
            if self.stopped {
                break;
            }
        }
        self.cover().map(|id| (id, true))
    }

    /// All candidates of `size` built from smaller ones.
    fn level(&mut self, size: usize) -> Option<u32> {
        let ops = self.ops;
        let smaller = self.pool.by_size.get(size - 1).cloned().unwrap_or_default();
        for a in smaller {
            let mut unary = vec![Expr::Not(a)];
            if ops.window > 0 {
                unary.push(Expr::Window(a));
            }
            if ops.since && ops.window != 1 {
                unary.push(Expr::Yesterday(a));
            }
            if ops.once {
                unary.push(Expr::Once(a));
            }
            for e in unary {
                if let Some(id) = self.offer(e, size) {
                    return Some(id);
                }
                if self.stopped {
                    return None;
                }
            }
        }
        for i in 1..size - 1 {
            let j = size - 1 - i;
            let left = self.pool.by_size.get(i).cloned().unwrap_or_default();
            let right = self.pool.by_size.get(j).cloned().unwrap_or_default();
            for &a in &left {
                for &b in &right {
                    let mut binary: Vec<Expr> = Vec::with_capacity(4);
                    // ∧ and ∨ commute: each unordered pair once.
                    if i < j || (i == j && a < b) {
                        binary.push(Expr::And(a, b));
                        binary.push(Expr::Or(a, b));
                    }
                    if ops.since {
                        binary.push(Expr::Since(a, b));
                        binary.push(Expr::StrictSince(a, b));
                    }
                    for e in binary {
                        if let Some(id) = self.offer(e, size) {
                            return Some(id);
                        }
                        if self.stopped {
                            return None;
                        }
                    }
                }
            }
        }
        None
    }

    /// A disjunction of candidates that are false wherever the target is (on the judged
    /// positions) and together true wherever it is, chosen greedily by positions covered
    /// per node; or dually a conjunction. The smaller, as a new candidate.
    fn cover(&mut self) -> Option<u32> {
        let judged = self.sample.judged.clone();
        let target = self.sample.target.clone();
        let negated: Bits = target.iter().zip(&judged).map(|(t, j)| !t & j).collect();
        let any = self.greedy(&target, &judged);
        let all = self.greedy(&negated, &judged);
        let size = |terms: &Option<Vec<(u32, bool)>>, pool: &Pool| {
            terms.as_ref().map(|t| {
                t.iter()
                    .map(|&(id, neg)| pool.tree_size(id) + usize::from(neg) + 1)
                    .sum::<usize>()
            })
        };
        let (terms, conj) = match (size(&any, &self.pool), size(&all, &self.pool)) {
            (Some(a), Some(b)) if b < a => (all?, true),
            (Some(_), _) => (any?, false),
            (None, Some(_)) => (all?, true),
            (None, None) => return None,
        };
        // Build the chain as fresh candidates (they may repeat signatures: forced in).
        let mut acc: Option<u32> = None;
        for (id, neg) in terms {
            // A conjunct is the complement of a term covering the non-members.
            let t = if conj != neg {
                self.force(Expr::Not(id))
            } else {
                id
            };
            acc = Some(match acc {
                None => t,
                Some(x) if conj => self.force(Expr::And(x, t)),
                Some(x) => self.force(Expr::Or(x, t)),
            });
        }
        let id = acc?;
        self.hits(self.pool.sig(id)).then_some(id)
    }

    /// Greedy cover of the set bits of `goal` (within `judged`) by candidates (or their
    /// negations, marked `true`) that are never true on a judged position outside `goal`.
    fn greedy(&self, goal: &Bits, judged: &Bits) -> Option<Vec<(u32, bool)>> {
        let pool = &self.pool;
        let width = pool.width;
        let count = pool.exprs.len() as u32;
        let inside = |s: &[u64], neg: bool| -> Option<Bits> {
            let mut v = Vec::with_capacity(width);
            for w in 0..width {
                let x = if neg { !s[w] } else { s[w] } & judged[w];
                if x & !goal[w] != 0 {
                    return None;
                }
                v.push(x);
            }
            Some(v)
        };
        let mut usable: Vec<(u32, bool, Bits)> = Vec::new();
        for id in 0..count {
            for neg in [false, true] {
                if let Some(v) = inside(pool.sig(id), neg) {
                    if v.iter().any(|&w| w != 0) {
                        usable.push((id, neg, v));
                    }
                }
            }
        }
        let mut left = goal.clone();
        let mut terms = Vec::new();
        while left.iter().any(|&w| w != 0) {
            if Instant::now() >= self.deadline {
                return None;
            }
            let gain =
                |v: &Bits| -> u32 { v.iter().zip(&left).map(|(x, l)| (x & l).count_ones()).sum() };
            let best = usable
                .iter()
                .filter(|(_, _, v)| gain(v) > 0)
                .max_by(|x, y| {
                    let cost =
                        |t: &(u32, bool, Bits)| (pool.tree_size(t.0) + usize::from(t.1) + 1) as u64;
                    // gain(x)/cost(x) against gain(y)/cost(y), then the smaller id.
                    (gain(&x.2) as u64 * cost(y))
                        .cmp(&(gain(&y.2) as u64 * cost(x)))
                        .then(y.0.cmp(&x.0))
                })?;
            for (l, x) in left.iter_mut().zip(&best.2) {
                *l &= !x;
            }
            terms.push((best.0, best.1));
        }
        Some(terms)
    }

    /// Adds `e` as a candidate even when its signature is known (for the cover's chain).
    fn force(&mut self, e: Expr) -> u32 {
        self.compute(e);
        let size = match e {
            Expr::Not(a) => self.pool.tree_size(a) + 1,
            Expr::And(a, b) | Expr::Or(a, b) => self.pool.tree_size(a) + self.pool.tree_size(b) + 1,
            _ => 1,
        };
        let id = self.pool.exprs.len() as u32;
        self.pool.sigs.extend_from_slice(&self.scratch);
        self.pool.exprs.push(e);
        self.pool.sizes.push(size.min(u16::MAX as usize) as u16);
        id
    }
}
