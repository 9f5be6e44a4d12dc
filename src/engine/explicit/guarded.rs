//! Guard-labelled DFAs over proposition alphabets (docs/DESIGN.md, "Guard-labelled
//! automata"): the explicit engine without enumerating the 2^k letters of k propositions.
//!
//! A state's transitions are one decision diagram over the propositions whose leaves are
//! successor states (a multi-terminal BDD, as in MONA); the diagrams of all states share
//! one hash-consed node store. The subformula-vector construction ([`super::build`])
//! evaluates a state's next values as Boolean guards over the propositions, and the
//! diagram is built by splitting on the first proposition any of them reads, with a memo
//! on the split guards that is shared by all states (so `O p0 & … & O p15` builds its
//! 65,536 states from 524,288 shared nodes instead of 3^16 edges).
//! Minimization is partition refinement on the diagrams (each round maps the leaves to
//! blocks and hash-conses again; a state's signature is its block and its mapped
//! diagram); the product walks two diagrams together, so every pair of successors comes
//! with a letter that leads there, and a breadth-first walk gives a shortest
//! counterexample. Guards are printed as disjunctions of the diagram's disjoint cubes.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};

use super::build::{Program, StateIndex};
use super::diagram::{Bools, Store, FALSE, LEAF, NO_VAR, TRUE};
use crate::automata::{
    Alphabet, AutomatonJson, Budget, Dfa, GuardDiagram, GuardEdge, Limit, LimitError, MAX_PROPS,
    MAX_TRANSITIONS,
};
use crate::engine::layout::Question;
use crate::logic::{Acceptance, Arena, NodeId, Word};

/// Guard-labelled automata over more propositions are refused ([`Limit::Propositions`]):
/// the diagrams are walked recursively, one level per proposition, and each memo key
/// holds a guard per remembered subformula.
pub const MAX_GUARD_PROPS: usize = 1024;

/// Proposition alphabets up to this many propositions are built as dense tables (2^8 =
/// 256 letters); above it the explicit engine builds guard-labelled automata.
pub const DENSE_PROPS: usize = 8;

/// Targets listed per state by [`GuardedDfa::to_text`], and cubes per guard (DOT and
/// JSON print every one).
const TEXT_EDGES: usize = 12;
/// See [`TEXT_EDGES`].
const TEXT_CUBES: usize = 6;

/// A complete DFA over a proposition alphabet whose transitions are guards. State 0 is
/// initial; `roots[q]` is the diagram of `q`'s transitions (leaves are states).
#[derive(Clone, Debug)]
pub struct GuardedDfa {
    alphabet: Alphabet,
    acceptance: Acceptance,
    /// The proposition tested at each level of the diagrams (a permutation of the
    /// alphabet's indices, [`guard_order`]).
    order: Vec<u32>,
    roots: Vec<u32>,
    accepting: Vec<bool>,
    store: Store,
}

/// One letter: the propositions that hold (by index into the alphabet).
pub type PropSet = Vec<u32>;

/// Called with each leaf of a diagram and the cube of the path to it.
type LeafVisitor<'a> = dyn FnMut(u32, &[(u32, bool)]) + 'a;

/// A conjunction of literals: (proposition index, value).
pub type Cube = Vec<(u32, bool)>;

/// A guard as disjoint cubes, or `None` when it has more than [`MAX_CUBES`].
pub type Guard = Option<Vec<Cube>>;

impl GuardedDfa {
    /// Number of states.
    pub fn states(&self) -> usize {
        self.roots.len()
    }

    /// The proposition alphabet.
    pub fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// The acceptance convention it was built for.
    pub fn acceptance(&self) -> Acceptance {
        self.acceptance
    }

    /// Which states accept.
    pub fn accepting(&self) -> &[bool] {
        &self.accepting
    }

    /// The same automaton with state `q`'s acceptance set to `accept`.
    pub fn with_accepting(mut self, q: u32, accept: bool) -> GuardedDfa {
        self.accepting[q as usize] = accept;
        self
    }

    /// The proposition (index into the alphabet) tested at each level of the diagrams.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// Decision nodes shared by all states' transitions.
    pub fn nodes(&self) -> usize {
        self.store.len()
    }

    fn props(&self) -> usize {
        self.alphabet.atoms().len()
    }

    /// The successor of `q` on the letter whose true propositions are `holds`.
    pub fn next(&self, q: u32, holds: &[bool]) -> u32 {
        let mut n = self.roots[q as usize];
        while n & LEAF == 0 {
            let (v, lo, hi) = self.store.nodes[n as usize];
            n = if holds
                .get(self.order[v as usize] as usize)
                .copied()
                .unwrap_or(false)
            {
                hi
            } else {
                lo
            };
        }
        n & !LEAF
    }

    /// Whether the word (each letter the set of true propositions, by index) is accepted.
    pub fn accepts(&self, word: &[PropSet]) -> bool {
        let mut holds = vec![false; self.props()];
        let mut q = 0;
        for l in word {
            holds.iter_mut().for_each(|h| *h = false);
            for &p in l {
                holds[p as usize] = true;
            }
            q = self.next(q, &holds);
        }
        self.accepting[q as usize]
    }

    /// The word as the evaluator reads it.
    pub fn word(&self, letters: &[PropSet]) -> Word {
        let names = self.alphabet.atoms();
        Word::Props(
            letters
                .iter()
                .map(|l| {
                    l.iter()
                        .map(|&p| names[p as usize].clone())
                        .collect::<BTreeSet<_>>()
                })
                .collect(),
        )
    }

    /// `q`'s transitions grouped by target, in target order: each guard a list of
    /// disjoint cubes, a cube a list of (proposition, value) — or `None` when the guard
    /// has more than [`MAX_CUBES`] cubes (the JSON `diagram` holds every guard).
    pub fn guards(&self, q: u32) -> Vec<(u32, Guard)> {
        let root = self.roots[q as usize];
        let mut count = FxHashMap::default();
        let paths = count_paths(&self.store, root, &mut count);
        let mut out: FxHashMap<u32, Guard> = FxHashMap::default();
        if paths <= MAX_CUBES as u64 {
            // Few paths: each is a cube of its leaf's guard.
            let mut cubes: FxHashMap<u32, Vec<Cube>> = FxHashMap::default();
            self.cubes_to(&self.store, root, &mut Vec::new(), &mut |leaf, c| {
                cubes.entry(leaf & !LEAF).or_default().push(c.to_vec())
            });
            out.extend(cubes.into_iter().map(|(t, c)| (t, Some(c))));
        } else {
            // Many paths: one Boolean diagram per target (paths to other targets merge),
            // when that work is bounded.
            let mut leaves = FxHashSet::default();
            let mut seen = FxHashSet::default();
            let mut stack = vec![root];
            while let Some(n) = stack.pop() {
                if n & LEAF != 0 {
                    leaves.insert(n);
                } else if seen.insert(n) {
                    let (_, lo, hi) = self.store.nodes[n as usize];
                    stack.extend([lo, hi]);
                }
            }
            let bounded = leaves.len().saturating_mul(seen.len()) <= 1 << 22;
            for &leaf in &leaves {
                let t = leaf & !LEAF;
                if !bounded {
                    out.insert(t, None);
                    continue;
                }
                let mut b = Store::default();
                let mut memo = FxHashMap::default();
                let g = indicator(&self.store, root, leaf, &mut b, &mut memo);
                let mut count = FxHashMap::default();
                if count_paths_to(&b, g, TRUE, &mut count) > MAX_CUBES as u64 {
                    out.insert(t, None);
                    continue;
                }
                let mut cubes = Vec::new();
                self.cubes_to(&b, g, &mut Vec::new(), &mut |l, c| {
                    if l == TRUE {
                        cubes.push(c.to_vec())
                    }
                });
                out.insert(t, Some(cubes));
            }
        }
        let mut v: Vec<_> = out.into_iter().collect();
        v.sort_by_key(|(t, _)| *t);
        v
    }

    /// Calls `f` with every leaf of `n` and the cube of the path to it (propositions by
    /// alphabet index).
    fn cubes_to(&self, s: &Store, n: u32, cube: &mut Cube, f: &mut LeafVisitor) {
        if n & LEAF != 0 {
            f(n, cube);
            return;
        }
        let (v, lo, hi) = s.nodes[n as usize];
        let p = self.order[v as usize];
        cube.push((p, false));
        self.cubes_to(s, lo, cube, f);
        cube.pop();
        cube.push((p, true));
        self.cubes_to(s, hi, cube, f);
        cube.pop();
    }

    /// A guard in the formula syntax (`true`, `p & !q`, `(p & !q) | r`), or a note that
    /// it is too large to write out.
    pub fn show_guard_or_note(&self, cubes: &Guard) -> String {
        match cubes {
            Some(c) => self.show_guard(c),
            None => format!("(more than {MAX_CUBES} cubes: see the JSON diagram)"),
        }
    }

    /// A guard in the formula syntax (`true`, `p & !q`, `(p & !q) | r`).
    pub fn show_guard(&self, cubes: &[Cube]) -> String {
        let names = self.alphabet.atoms();
        let cube = |c: &Cube| -> String {
            if c.is_empty() {
                return "true".into();
            }
            c.iter()
                .map(|&(p, b)| format!("{}{}", if b { "" } else { "!" }, names[p as usize]))
                .collect::<Vec<_>>()
                .join(" & ")
        };
        if cubes.len() == 1 {
            return cube(&cubes[0]);
        }
        cubes
            .iter()
            .map(|c| {
                if c.len() > 1 {
                    format!("({})", cube(c))
                } else {
                    cube(c)
                }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// The same automaton with a dense table, when it has at most [`MAX_PROPS`]
    /// propositions and at most [`MAX_TRANSITIONS`] transitions.
    pub fn to_dense(&self) -> Option<Dfa> {
        match self.to_dense_within(&Budget::default()) {
            Ok(d) => d,
            Err(_) => unreachable!("a budget without a deadline never runs out"),
        }
    }

    /// [`GuardedDfa::to_dense`] under the budget's deadline (2^k letters per state).
    pub fn to_dense_within(&self, budget: &Budget) -> Result<Option<Dfa>, LimitError> {
        let k = self.props();
        if k > MAX_PROPS || self.states().saturating_mul(1 << k) > MAX_TRANSITIONS {
            return Ok(None);
        }
        let mut trans = Vec::with_capacity(self.states() << k);
        let mut holds = vec![false; k];
        for q in 0..self.states() as u32 {
            for l in 0..1u32 << k {
                for (i, h) in holds.iter_mut().enumerate() {
                    *h = l >> i & 1 == 1;
                }
                trans.push(self.next(q, &holds));
            }
            // The clock every 65,536 entries.
            if k >= 16 || (q + 1) % (1 << (16 - k)) == 0 {
                budget.check(q as usize, 1, "DFA states (tabulating the guards)")?;
            }
        }
        Ok(Dfa::from_parts(
            self.alphabet.clone(),
            self.acceptance,
            trans,
            self.accepting.clone(),
        )
        .ok())
    }

    /// The guard-labelled form of a dense DFA over a proposition alphabet (`None` for
    /// token alphabets).
    pub fn from_dense(dfa: &Dfa) -> Option<GuardedDfa> {
        if !matches!(dfa.alphabet, Alphabet::Props(_)) {
            return None;
        }
        let k = dfa.alphabet.atoms().len() as u32;
        fn build(s: &mut Store, dfa: &Dfa, q: u32, level: u32, k: u32, mask: u32) -> u32 {
            if level == k {
                return LEAF | dfa.next(q, mask);
            }
            let lo = build(s, dfa, q, level + 1, k, mask);
            let hi = build(s, dfa, q, level + 1, k, mask | 1 << level);
            s.mk(level, lo, hi)
        }
        let mut store = Store::default();
        let roots = (0..dfa.states as u32)
            .map(|q| build(&mut store, dfa, q, 0, k, 0))
            .collect();
        Some(GuardedDfa {
            alphabet: dfa.alphabet.clone(),
            acceptance: dfa.acceptance,
            order: (0..k).collect(),
            roots,
            accepting: dfa.accepting.clone(),
            store,
        })
    }

    /// Every state's [`GuardedDfa::guards`], or `None` when they hold more than
    /// [`MAX_LISTED`] transitions and cubes in all (`O p0 & … & O p15` has 3^16).
    pub fn listing(&self) -> Option<Vec<Vec<(u32, Guard)>>> {
        let mut total = 0usize;
        let mut all = Vec::with_capacity(self.states());
        for q in 0..self.states() as u32 {
            let g = self.guards(q);
            total += g
                .iter()
                .map(|(_, c)| 1 + c.as_ref().map_or(0, Vec::len))
                .sum::<usize>();
            if total > MAX_LISTED {
                return None;
            }
            all.push(g);
        }
        Some(all)
    }

    /// Graphviz DOT, edges labelled by guards (only the states when the listing is over
    /// [`MAX_LISTED`]).
    pub fn to_dot(&self) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut s = String::from("digraph dfa {\n  rankdir=LR;\n  node [shape=circle];\n  init [shape=point];\n  init -> 0;\n");
        for q in 0..self.states() {
            if self.accepting[q] {
                s.push_str(&format!("  {q} [shape=doublecircle];\n"));
            }
        }
        match self.listing() {
            Some(all) => {
                for (q, edges) in all.into_iter().enumerate() {
                    for (t, cubes) in edges {
                        s.push_str(&format!(
                            "  {q} -> {t} [label=\"{}\"];\n",
                            esc(&self.show_guard_or_note(&cubes))
                        ));
                    }
                }
            }
            None => s.push_str(&format!(
                "  // more than {MAX_LISTED} transitions and cubes: not drawn; the JSON diagram has them all\n"
            )),
        }
        s.push_str("}\n");
        s
    }

    /// A plain-text listing, cut after 100 states, 12 targets per
    /// state and 6 cubes per guard.
    pub fn to_text(&self) -> String {
        let n = self.states();
        let acc: Vec<usize> = (0..n).filter(|&q| self.accepting[q]).collect();
        let mut shown: Vec<String> = acc.iter().take(50).map(|q| q.to_string()).collect();
        if acc.len() > 50 {
            shown.push(format!("… {} more", acc.len() - 50));
        }
        let mut s = format!(
            "{}, {} (guard-labelled, {} shared decision nodes), initial 0, accepting {{{}}}\n",
            crate::report::counted(n, "state"),
            crate::report::counted(self.props(), "proposition"),
            self.nodes(),
            shown.join(", ")
        );
        for q in 0..n.min(crate::automata::TEXT_STATES) as u32 {
            let mark = if self.accepting[q as usize] { "*" } else { " " };
            let guards = self.guards(q);
            let mut edges: Vec<String> = guards
                .iter()
                .take(TEXT_EDGES)
                .map(|(t, c)| match c {
                    Some(c) if c.len() > TEXT_CUBES => format!(
                        "{} | … ({} more cubes) -> {t}",
                        self.show_guard(&c[..TEXT_CUBES]),
                        c.len() - TEXT_CUBES
                    ),
                    c => format!("{} -> {t}", self.show_guard_or_note(c)),
                })
                .collect();
            if guards.len() > TEXT_EDGES {
                edges.push(format!("… {} more targets", guards.len() - TEXT_EDGES));
            }
            s.push_str(&format!("{mark}{q:>4}: {}\n", edges.join("; ")));
        }
        if n > crate::automata::TEXT_STATES {
            s.push_str(&format!(
                "  … {} more states (--json or --dot print them all)\n",
                n - crate::automata::TEXT_STATES
            ));
        }
        s
    }

    /// JSON keys for scripts: `propositions`; `guards` (per state, its transitions as
    /// `{"to", "guard"}` in target order; `guard` is null when it has more than
    /// [`MAX_CUBES`] cubes; the whole key null beyond [`MAX_LISTED`]); and `diagram`, every guard at once as the shared decision
    /// nodes: `order` (the proposition tested at each level), `nodes` (`[level, low,
    /// high]`; a child is a node index, or −1 − q for state q), `roots` (per state, the
    /// same encoding).
    pub fn guards_json(&self) -> AutomatonJson {
        let guards = self.listing().map(|all| {
            all.into_iter()
                .map(|edges| {
                    edges
                        .into_iter()
                        .map(|(t, c)| GuardEdge {
                            to: t,
                            guard: c.map(|c| self.show_guard(&c)),
                        })
                        .collect()
                })
                .collect()
        });
        // A child is a node index, or −1 − q for state q.
        let child = |n: u32| -> i64 {
            if n & LEAF != 0 {
                -1 - i64::from(n & !LEAF)
            } else {
                i64::from(n)
            }
        };
        let names = self.alphabet.atoms();
        AutomatonJson {
            propositions: Some(names.to_vec()),
            guards: Some(guards),
            diagram: Some(GuardDiagram {
                order: self
                    .order
                    .iter()
                    .map(|&p| names[p as usize].clone())
                    .collect(),
                nodes: self
                    .store
                    .nodes
                    .iter()
                    .map(|&(v, lo, hi)| [i64::from(v), child(lo), child(hi)])
                    .collect(),
                roots: self.roots.iter().map(|&r| child(r)).collect(),
            }),
            ..AutomatonJson::default()
        }
    }

    /// The whole automaton as JSON: `states`, `initial`, `accepting`, `acceptance`,
    /// `propositions`, `guards`, `diagram`, and, when the dense table has at most
    /// [`JSON_DENSE_TRANSITIONS`] entries, the dense `alphabet` and `transitions` of
    /// [`Dfa::to_json`].
    pub fn to_json(&self) -> AutomatonJson {
        let small = self.props() <= MAX_PROPS
            && self.states().saturating_mul(1 << self.props()) <= JSON_DENSE_TRANSITIONS;
        let v = match if small { self.to_dense() } else { None } {
            Some(d) => d.to_json(),
            None => AutomatonJson {
                states: self.states(),
                initial: 0,
                accepting: (0..self.states()).filter(|&q| self.accepting[q]).collect(),
                acceptance: self.acceptance,
                ..AutomatonJson::default()
            },
        };
        v.with_guards(self.guards_json())
    }
}

/// Transitions and cubes listed at most by the JSON `guards` (null beyond) and by DOT
/// (states only beyond); the JSON `diagram` always holds every guard.
pub const MAX_LISTED: usize = 1_000_000;

/// Dense tables with more entries are left out of [`GuardedDfa::to_json`] (as JSON
/// values they would take gigabytes; the guards and the diagram say the same).
pub const JSON_DENSE_TRANSITIONS: usize = 1 << 22;

/// Guards with more disjoint cubes than this are not written out (text, DOT, `guard`
/// in JSON); the JSON `diagram` has every guard.
pub const MAX_CUBES: usize = 4096;

/// Paths from `n` to any leaf (saturating).
fn count_paths(s: &Store, n: u32, memo: &mut FxHashMap<u32, u64>) -> u64 {
    if n & LEAF != 0 {
        return 1;
    }
    if let Some(&c) = memo.get(&n) {
        return c;
    }
    let (_, lo, hi) = s.nodes[n as usize];
    let c = count_paths(s, lo, memo).saturating_add(count_paths(s, hi, memo));
    memo.insert(n, c);
    c
}

/// Paths from `n` to the leaf `leaf` (saturating).
fn count_paths_to(s: &Store, n: u32, leaf: u32, memo: &mut FxHashMap<u32, u64>) -> u64 {
    if n & LEAF != 0 {
        return u64::from(n == leaf);
    }
    if let Some(&c) = memo.get(&n) {
        return c;
    }
    let (_, lo, hi) = s.nodes[n as usize];
    let c = count_paths_to(s, lo, leaf, memo).saturating_add(count_paths_to(s, hi, leaf, memo));
    memo.insert(n, c);
    c
}

/// The Boolean diagram (in `to`) of "the diagram `n` leads to `leaf`".
fn indicator(
    from: &Store,
    n: u32,
    leaf: u32,
    to: &mut Store,
    memo: &mut FxHashMap<u32, u32>,
) -> u32 {
    map_leaves(from, n, &|l| if l == leaf { TRUE } else { FALSE }, to, memo)
}

/// The diagram `n` (in `from`) with every leaf replaced by `f(leaf)`, built in `to` and
/// memoized in `memo`.
fn map_leaves(
    from: &Store,
    n: u32,
    f: &dyn Fn(u32) -> u32,
    to: &mut Store,
    memo: &mut FxHashMap<u32, u32>,
) -> u32 {
    if n & LEAF != 0 {
        return f(n);
    }
    if let Some(&m) = memo.get(&n) {
        return m;
    }
    let (v, lo, hi) = from.nodes[n as usize];
    let lo = map_leaves(from, lo, f, to, memo);
    let hi = map_leaves(from, hi, f, to, memo);
    let m = to.mk(v, lo, hi);
    memo.insert(n, m);
    m
}

/// The order in which the diagrams test the propositions: the order of their atoms in a
/// depth-first walk of the formulas that visits the right operand of `S`, `S'` and `R`
/// first (what the operator waits for is read before what must hold since), then the
/// alphabet's other propositions. For the since chain `p31 S (… (p1 S p0))` this is
/// p0, p1, …, where each diagram has a few nodes per level; the atoms' order of
/// appearance would give diagrams with exponentially many paths.
pub fn guard_order(arena: &Arena, roots: &[NodeId], alphabet: &Alphabet) -> Vec<u32> {
    use crate::logic::Node;
    let names = alphabet.atoms();
    let index: FxHashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as u32))
        .collect();
    let mut order = Vec::with_capacity(names.len());
    let mut placed = vec![false; names.len()];
    let mut seen = FxHashSet::default();
    for &r in roots {
        let mut stack = vec![r];
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            let node = arena.node(n);
            match node {
                Node::Atom(a) => {
                    if let Some(&i) = index.get(arena.atom_name(a)) {
                        if !placed[i as usize] {
                            placed[i as usize] = true;
                            order.push(i);
                        }
                    }
                }
                Node::Since(x, y) | Node::StrictSince(x, y) | Node::Release(x, y) => {
                    // Popped in reverse: y first.
                    stack.push(x);
                    stack.push(y);
                }
                _ => {
                    let kids: Vec<NodeId> = node.children().collect();
                    stack.extend(kids.into_iter().rev());
                }
            }
        }
    }
    order.extend((0..names.len() as u32).filter(|&i| !placed[i as usize]));
    order
}

/// Builds the (complete, reachable, not yet minimal) guard-labelled DFA of `root` over a
/// proposition alphabet, testing the propositions in [`guard_order`] of `root`.
pub fn build_guarded(
    arena: &Arena,
    root: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    budget: &Budget,
) -> Result<GuardedDfa, LimitError> {
    let order = guard_order(arena, &[root], alphabet);
    build_guarded_in(arena, root, alphabet, acceptance, budget, order)
}

/// [`build_guarded`] with the order of the propositions given (automata to be compared
/// need the same order: [`guard_order`] of both formulas).
pub fn build_guarded_in(
    arena: &Arena,
    root: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    budget: &Budget,
    order: Vec<u32>,
) -> Result<GuardedDfa, LimitError> {
    assert!(
        matches!(alphabet, Alphabet::Props(_)),
        "guard-labelled automata are over proposition alphabets"
    );
    let props = alphabet.atoms().len();
    if props > MAX_GUARD_PROPS {
        return Err(LimitError {
            limit: Limit::Propositions(MAX_GUARD_PROPS),
            what: "propositions",
            reached: props,
        });
    }
    let prog = Program::new(arena, root, alphabet, acceptance);
    let w = prog.width();
    let guards = prog.key_guards();
    let mut store_states: Vec<u64> = prog.initial();
    let mut index = StateIndex::new(w, prog.bits());
    index.id(&store_states);
    assert!(
        order.len() == alphabet.atoms().len(),
        "the order must list every proposition once"
    );
    let mut level = vec![0u32; order.len()];
    for (l, &p) in order.iter().enumerate() {
        level[p as usize] = l as u32;
    }
    let mut bools = Bools {
        level,
        ..Bools::default()
    };
    let mut trans = Store::default();
    let mut memo: FxHashMap<Box<[u64]>, u32> = FxHashMap::default();
    let mut roots = Vec::new();
    let mut accepting = Vec::new();
    let mut cur = vec![0u32; prog.len()];
    let mut cur_bool = vec![false; prog.len()];
    let mut key = Vec::new();
    let mut state = vec![0u64; w];
    let mut succ = vec![0u64; w];
    // Memory kept at most by the diagrams, the scratch guards, the memo and the states:
    // 128 bytes per allowed state, at least 256 MiB (512 MiB for the default budget).
    let max_bytes = budget.max_states.saturating_mul(128).max(256 << 20);
    let mut memo_bytes = 0usize;
    budget.check(1, 1, "DFA states")?;

    struct Ctx<'a> {
        prog: &'a Program,
        guards: usize,
        bools: &'a Bools,
        trans: &'a mut Store,
        memo: &'a mut FxHashMap<Box<[u64]>, u32>,
        index: &'a mut StateIndex,
        store_states: &'a mut Vec<u64>,
        succ: &'a mut Vec<u64>,
        budget: &'a Budget,
        max_bytes: usize,
        memo_bytes: usize,
        checked_at: usize,
    }
    impl Ctx<'_> {
        /// The budget, read every 4,096 memo entries: states, memory, the clock.
        fn check(&self) -> Result<(), LimitError> {
            // Nodes and their unique-table entries, cached guard operations, the memo,
            // the states and their index (estimates of the allocations, in bytes).
            let bytes = (self.trans.len() + self.bools.store.len()) * 32
                + self.bools.cache.len() * 24
                + self.memo_bytes
                + self.store_states.len() * 8
                + self.index.len() * 24;
            if bytes > self.max_bytes {
                return Err(LimitError {
                    limit: Limit::States(self.budget.max_states),
                    what: "DFA states (the guard diagrams' memory allowed: 128 bytes per state)",
                    reached: self.index.len(),
                });
            }
            self.budget.check(self.index.len(), 1, "DFA states")
        }
    }
    /// The diagram of the successors for `key` (split in place on the way down and
    /// restored on the way up, so the path holds one key).
    fn diagram(c: &mut Ctx, key: &mut Vec<u64>) -> Result<u32, LimitError> {
        if let Some(&n) = c.memo.get(key.as_slice()) {
            return Ok(n);
        }
        let s = &c.bools.store;
        let v = key[..c.guards]
            .iter()
            .map(|&g| s.var(g as u32))
            .min()
            .unwrap_or(NO_VAR);
        let n = if v == NO_VAR {
            c.prog.state_of_key(key, c.succ);
            let (id, new) = c.index.id(c.succ);
            if new {
                c.store_states.extend_from_slice(c.succ);
            }
            LEAF | id
        } else {
            // The guards that test v, with their low and high children.
            let split: Vec<(usize, u64, u64)> = (0..c.guards)
                .filter(|&i| s.var(key[i] as u32) == v)
                .map(|i| {
                    let (lo, hi) = s.split(key[i] as u32, v);
                    (i, u64::from(lo), u64::from(hi))
                })
                .collect();
            let original: Vec<u64> = split.iter().map(|&(i, _, _)| key[i]).collect();
            for &(i, lo, _) in &split {
                key[i] = lo;
            }
            let lo = diagram(c, key);
            for &(i, _, hi) in &split {
                key[i] = hi;
            }
            let hi = lo.and_then(|lo| diagram(c, key).map(|hi| (lo, hi)));
            for (&(i, _, _), &o) in split.iter().zip(&original) {
                key[i] = o;
            }
            let (lo, hi) = hi?;
            c.trans.mk(v, lo, hi)
        };
        c.memo.insert(key.as_slice().into(), n);
        c.memo_bytes += key.len() * 8 + 40;
        // The budget every 4,096 entries, and every 4 MiB of memo keys.
        if c.memo.len() % 4096 == 0 || c.memo_bytes >> 22 != c.checked_at {
            c.checked_at = c.memo_bytes >> 22;
            c.check()?;
        }
        Ok(n)
    }

    let mut q = 0usize;
    while q * w < store_states.len() {
        state.copy_from_slice(&store_states[q * w..(q + 1) * w]);
        accepting.push(prog.accepts(&state, acceptance, &mut cur_bool));
        prog.eval_guards(&state, &mut bools, &mut cur);
        prog.step_key(&state, &cur, &mut key);
        let mut c = Ctx {
            prog: &prog,
            guards,
            bools: &bools,
            trans: &mut trans,
            memo: &mut memo,
            index: &mut index,
            store_states: &mut store_states,
            succ: &mut succ,
            budget,
            max_bytes,
            memo_bytes,
            checked_at: memo_bytes >> 22,
        };
        roots.push(diagram(&mut c, &mut key)?);
        memo_bytes = c.memo_bytes;
        q += 1;
        if q % 256 == 0 {
            c.check()?;
        }
    }
    budget.check(index.len(), 1, "DFA states")?;
    Ok(GuardedDfa {
        alphabet: alphabet.clone(),
        acceptance,
        order,
        roots,
        accepting,
        store: trans,
    })
}

/// The minimal DFA of `root` with guard-labelled transitions: [`build_guarded`] then
/// [`minimize_guarded`].
pub fn formula_guarded(
    arena: &Arena,
    root: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    budget: &Budget,
) -> Result<GuardedDfa, LimitError> {
    minimize_guarded(
        &build_guarded(arena, root, alphabet, acceptance, budget)?,
        budget,
    )
}

/// [`formula_guarded`] with the order of the propositions given.
pub fn formula_guarded_in(
    arena: &Arena,
    root: NodeId,
    alphabet: &Alphabet,
    acceptance: Acceptance,
    budget: &Budget,
    order: Vec<u32>,
) -> Result<GuardedDfa, LimitError> {
    minimize_guarded(
        &build_guarded_in(arena, root, alphabet, acceptance, budget, order)?,
        budget,
    )
}

/// Maps the leaves of `n` (in `from`), which are states, through `map` into `to`.
fn remap(from: &Store, n: u32, map: &[u32], to: &mut Store, memo: &mut FxHashMap<u32, u32>) -> u32 {
    map_leaves(from, n, &|l| LEAF | map[(l & !LEAF) as usize], to, memo)
}

/// The minimal complete DFA of the same language, states numbered breadth-first from
/// the initial state (successors in the order of their diagram's leaves, low branch
/// first). Partition refinement: blocks start as accepting / rejecting; a round gives
/// each state the signature (block, diagram with leaves mapped to blocks) and splits by
/// it, until no block splits.
pub fn minimize_guarded(d: &GuardedDfa, budget: &Budget) -> Result<GuardedDfa, LimitError> {
    let n = d.states();
    let late = |done: usize| budget.check_time("DFA states (minimizing)", done);
    let mut block: Vec<u32> = d.accepting.iter().map(|&a| u32::from(a)).collect();
    if d.accepting.iter().all(|&a| a == d.accepting[0]) {
        block.iter_mut().for_each(|b| *b = 0);
    }
    let mut blocks = block.iter().copied().max().map_or(0, |m| m + 1) as usize;
    loop {
        let mut to = Store::default();
        let mut memo = FxHashMap::default();
        let mut ids: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        let mut next = Vec::with_capacity(n);
        for q in 0..n {
            let sig = (
                block[q],
                remap(&d.store, d.roots[q], &block, &mut to, &mut memo),
            );
            let fresh = ids.len() as u32;
            next.push(*ids.entry(sig).or_insert(fresh));
            if q % 4096 == 4095 {
                late(q)?;
            }
        }
        late(n)?;
        let now = ids.len();
        block = next;
        if now == blocks {
            break;
        }
        blocks = now;
    }
    // Renumber the blocks breadth-first from the initial state's.
    let mut order = vec![u32::MAX; blocks];
    let mut rep = Vec::with_capacity(blocks);
    order[block[0] as usize] = 0;
    rep.push(0u32);
    let mut head = 0;
    while head < rep.len() {
        let q = rep[head];
        let mut stack = vec![d.roots[q as usize]];
        let mut seen = FxHashSet::default();
        while let Some(m) = stack.pop() {
            if m & LEAF != 0 {
                let b = block[(m & !LEAF) as usize] as usize;
                if order[b] == u32::MAX {
                    order[b] = rep.len() as u32;
                    rep.push(m & !LEAF);
                }
                continue;
            }
            if seen.insert(m) {
                let (_, lo, hi) = d.store.nodes[m as usize];
                stack.push(hi);
                stack.push(lo);
            }
        }
        head += 1;
    }
    let map: Vec<u32> = block.iter().map(|&b| order[b as usize]).collect();
    let mut store = Store::default();
    let mut memo = FxHashMap::default();
    let roots = rep
        .iter()
        .map(|&q| remap(&d.store, d.roots[q as usize], &map, &mut store, &mut memo))
        .collect();
    Ok(GuardedDfa {
        alphabet: d.alphabet.clone(),
        acceptance: d.acceptance,
        order: d.order.clone(),
        roots,
        accepting: rep.iter().map(|&q| d.accepting[q as usize]).collect(),
        store,
    })
}

/// The answer of [`compare_guarded`], before re-checking by the evaluator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardedAnswer {
    /// `None` when the property holds; otherwise a shortest violating word (each letter
    /// the true propositions, by index).
    pub counterexample: Option<Vec<PropSet>>,
    /// Product pairs visited.
    pub states_explored: usize,
}

/// Walks the product of two guard-labelled DFAs (same alphabet) breadth-first; the
/// successors of a pair come from walking both diagrams together, each with a letter
/// that leads there (propositions not tested are false).
///
/// Both automata must test the propositions in one order: build them with
/// `formula_guarded_in` and the `guard_order` of both formulas (it panics otherwise,
/// like a mismatch of alphabets).
pub fn compare_guarded(
    left: &GuardedDfa,
    right: &GuardedDfa,
    question: Question,
    budget: &Budget,
) -> Result<GuardedAnswer, LimitError> {
    assert_eq!(
        left.alphabet, right.alphabet,
        "compared automata must share their alphabet"
    );
    assert_eq!(
        left.order, right.order,
        "compared automata must test the propositions in one order (guard_order of both)"
    );
    let mut walked: FxHashSet<(u32, u32)> = FxHashSet::default();
    let (counterexample, states_explored) = super::product::product_bfs(
        |p, q| question.violated(left.accepting[p as usize], right.accepting[q as usize]),
        |p, q, out| {
            walked.clear();
            walk_pair(
                (&left.store, &right.store),
                &left.order,
                (left.roots[p as usize], right.roots[q as usize]),
                &mut Vec::new(),
                &mut walked,
                out,
            );
        },
        budget,
    )?;
    Ok(GuardedAnswer {
        counterexample,
        states_explored,
    })
}

/// Every pair of leaves reachable by walking two diagrams together, each once, with the
/// first letter (low branches first) that leads there.
fn walk_pair(
    s: (&Store, &Store),
    order: &[u32],
    (a, b): (u32, u32),
    path: &mut PropSet,
    walked: &mut FxHashSet<(u32, u32)>,
    out: &mut Vec<((u32, u32), PropSet)>,
) {
    if !walked.insert((a, b)) {
        return;
    }
    if a & LEAF != 0 && b & LEAF != 0 {
        out.push(((a & !LEAF, b & !LEAF), path.clone()));
        return;
    }
    let v = s.0.var(a).min(s.1.var(b));
    let (a0, a1) = s.0.split(a, v);
    let (b0, b1) = s.1.split(b, v);
    walk_pair(s, order, (a0, b0), path, walked, out);
    path.push(order[v as usize]);
    walk_pair(s, order, (a1, b1), path, walked, out);
    path.pop();
}
