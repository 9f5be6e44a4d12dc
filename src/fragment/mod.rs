//! Which architectures can recognize a language: fragment decisions with certificates
//! (docs/SEMANTICS.md §3, §5).
//!
//! Every decision names its basis. "Yes" comes with a formula of the fragment that the
//! equivalence checker has re-checked against the language; "no" comes with the violated
//! identity instantiated by concrete words, and (for the unary fragments) a family of
//! word pairs, one in the language and one not, whose depth-n types agree for every n
//! up to a stated bound — so no formula of that depth tells them apart.

pub mod blind;
pub mod language;
pub mod shortest;
pub mod types;

use crate::algebra::Monoid;
use crate::automata::{Budget, Dfa};
use crate::engine::explicit::{compare, formula_dfa};
use crate::engine::layout::Question;
use crate::logic::{print, Acceptance, Arena, Node, NodeId, Syntax};
use types::{expressible, Expressible, TypeKey, TypeOps, Types};

/// The past-LTL fragment an architecture lands in (Li & Cotterell 2025, 2026; Yang et al. 2024).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fragment {
    /// No attention head: a Boolean function of the current letter.
    Propositional,
    /// Soft global heads only: `LTL[P]`.
    Global,
    /// Soft local heads only, largest window k: `LTL[Y^{≤k}]`.
    Local(u32),
    /// Soft global and local heads: `LTL[P, Y^{≤k}]`.
    Hybrid(u32),
    /// Some hard head: `LTL[Y, S]` (full past LTL, star-free).
    Hard,
    /// Some Combiner head with a block or row structure: past LTL with position-modulo
    /// atoms (its block boundaries leak the position modulo the block).
    Modular,
}

impl Fragment {
    /// The fragment's name.
    pub fn name(self) -> String {
        match self {
            Fragment::Propositional => "propositional (no temporal operator)".into(),
            Fragment::Global => "LTL[P]".into(),
            Fragment::Local(1) => "LTL[Y]".into(),
            Fragment::Local(k) => format!("LTL[Y^{{<={k}}}]"),
            Fragment::Hybrid(1) => "LTL[P, Y]".into(),
            Fragment::Hybrid(k) => format!("LTL[P, Y^{{<={k}}}]"),
            Fragment::Hard => "LTL[Y, S]".into(),
            Fragment::Modular => "past LTL with position-modulo atoms pos%m=r".into(),
        }
    }

    /// The architecture it stands for.
    pub fn architecture(self) -> &'static str {
        match self {
            Fragment::Propositional => "no attention",
            Fragment::Global => "fixed-precision soft attention, global only (Li & Cotterell 2025)",
            Fragment::Local(_) => {
                "fixed-precision soft attention, local only (Li & Cotterell 2026)"
            }
            Fragment::Hybrid(_) => {
                "fixed-precision soft attention, global and local (Li & Cotterell 2026)"
            }
            Fragment::Hard => "unique hard attention, B-RASP (Yang, Chiang & Angluin 2024)",
            Fragment::Modular => "Combiner heads (Ren et al. 2021): the block boundaries count positions, beyond star-free",
        }
    }
}

/// Limits of the classifier.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest syntactic monoid enumerated.
    pub monoid: usize,
    /// Largest type-automaton product explored.
    pub type_states: usize,
    /// Depth bound for type searches and family verification.
    pub depth: usize,
    /// Certificate formulas larger than this many nodes as a tree are not printed (a DAG
    /// can be exponentially smaller than its tree).
    pub max_printed: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            monoid: 200_000,
            type_states: 200_000,
            depth: 3,
            max_printed: crate::logic::ParseLimits::DEFAULT.max_size as u64,
        }
    }
}

/// A formula of the fragment, equivalent to the language.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FormulaCert {
    /// ASCII syntax.
    pub formula: String,
    /// Temporal nesting depth.
    pub depth: u32,
    /// How it was built.
    pub construction: String,
    /// The equivalence checker's verdict against the language (always true when shown).
    pub verified_equivalent: bool,
}

/// One verified word pair: at depth `n`, `member` ∈ L and `non_member` ∉ L have the same type.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TypePair {
    /// Nesting depth.
    pub n: usize,
    /// A word in L.
    pub member: Vec<String>,
    /// A word not in L.
    pub non_member: Vec<String>,
}

/// Why L is outside a fragment.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NonMemberCert {
    /// The identity that fails.
    pub identity: String,
    /// The elements it fails on, as words.
    pub witnesses: Vec<(String, Vec<String>)>,
    /// The family uₙ / vₙ and how it is built.
    pub family: Option<String>,
    /// Word pairs whose depth-n types agree, checked for n = 1..=bound.
    pub pairs: Vec<TypePair>,
    /// Depths for which no formula exists, proven by the exact type procedure.
    pub not_at_depth: Option<usize>,
}

/// A member / non-member verdict with its basis and certificate.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Decision {
    /// `None`: undecided (the output says why in `basis`).
    pub member: Option<bool>,
    /// Theorem or procedure.
    pub basis: String,
    /// Whether the characterization used is a hypothesis.
    pub hypothesis: bool,
    /// For "yes".
    pub formula: Option<FormulaCert>,
    /// For "no".
    pub refutation: Option<NonMemberCert>,
    /// Notes (what was not done and why).
    pub note: Option<String>,
}

/// The full table for one language.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Classification {
    /// Global soft attention: `LTL[P]`.
    pub global: Decision,
    /// 1-local soft attention: `LTL[Y]`.
    pub local: Decision,
    /// Depth of Y-nesting a local formula needs (when local).
    pub local_depth: Option<usize>,
    /// Hybrid: `LTL[P, Y]`.
    pub hybrid: Decision,
    /// Unique hard attention: `LTL[Y, S]` (star-free).
    pub hard: Decision,
    /// Regular (always).
    pub regular: Decision,
    /// Elements of the syntactic monoid (None if it was too large).
    pub monoid_size: Option<usize>,
    /// States of the minimal DFA.
    pub dfa_states: usize,
    /// With a window k ≥ 2: k-local `LTL[Y^{≤k}]` and k-hybrid `LTL[P, Y^{≤k}]` by bounded search.
    pub windowed: Option<(u32, Decision, Decision)>,
}

/// A certificate formula in ASCII syntax, unless written out as a tree it would exceed
/// the process's formula-size limit (a DAG can be exponentially smaller than its tree).
fn cert_text(arena: &Arena, phi: NodeId, limit: u64) -> String {
    let size = arena.tree_size(phi);
    if size <= limit {
        print(arena, phi, Syntax::Ascii)
    } else {
        format!(
            "<not printed: {size} nodes as a tree, over the limit of {limit} (--max-formula-size)>"
        )
    }
}

fn show(dfa: &Dfa, w: &[u32]) -> Vec<String> {
    w.iter().map(|&l| dfa.alphabet.show(l)).collect()
}

/// Shortest words to every state (BFS, letters in order).
fn access_words(dfa: &Dfa) -> Access {
    let mut parent: Vec<Option<(u32, u32)>> = vec![None; dfa.states];
    let mut seen = vec![false; dfa.states];
    seen[0] = true;
    let mut queue = vec![0u32];
    let mut head = 0;
    while head < queue.len() {
        let q = queue[head];
        head += 1;
        for a in 0..dfa.letters() as u32 {
            let t = dfa.next(q, a);
            if !seen[t as usize] {
                seen[t as usize] = true;
                parent[t as usize] = Some((q, a));
                queue.push(t);
            }
        }
    }
    Access { parent }
}

/// Shortest access words as a breadth-first tree (parent state and letter per state):
/// linear in the states, where the words themselves can have n²/2 letters in all (a
/// counter of 100,000 states: 5·10^9).
struct Access {
    parent: Vec<Option<(u32, u32)>>,
}

impl Access {
    /// A shortest word from the initial state to `q` (empty if unreachable).
    fn word(&self, q: u32) -> Vec<u32> {
        let mut w = Vec::new();
        let mut at = q;
        while let Some((p, a)) = self.parent[at as usize] {
            w.push(a);
            at = p;
        }
        w.reverse();
        w
    }
}

/// A transition p →a q with q ≠ p that lies on a cycle, with the way back from q to p:
/// `(p, q, [a], back)`. `None`: the DFA is partially ordered (every cycle is a
/// self-loop). The strongly connected components are found once (linear time; Kosaraju's
/// algorithm, iterative, where petgraph's Tarjan recurses once per state of a chain and
/// overflowed the stack on a 100,000-state counter), so a partially ordered DFA of
/// 100,000 states is answered at once, not by a search back from every transition.
fn nontrivial_cycle(dfa: &Dfa) -> Option<(u32, u32, Vec<u32>, Vec<u32>)> {
    let n = dfa.states;
    let mut g = petgraph::graph::DiGraph::<(), ()>::with_capacity(n, n * dfa.letters());
    let nodes: Vec<_> = (0..n).map(|_| g.add_node(())).collect();
    for p in 0..n as u32 {
        for a in 0..dfa.letters() as u32 {
            let q = dfa.next(p, a);
            if q != p {
                g.add_edge(nodes[p as usize], nodes[q as usize], ());
            }
        }
    }
    let mut component = vec![0usize; n];
    for (i, scc) in petgraph::algo::kosaraju_scc(&g).iter().enumerate() {
        for v in scc {
            component[v.index()] = i;
        }
    }
    (0..n as u32).find_map(|p| {
        (0..dfa.letters() as u32).find_map(|a| {
            let q = dfa.next(p, a);
            (q != p && component[q as usize] == component[p as usize])
                .then(|| path(dfa, q, p).map(|back| (p, q, vec![a], back)))
                .flatten()
        })
    })
}

/// A shortest non-empty word leading from `from` to `to`.
fn path(dfa: &Dfa, from: u32, to: u32) -> Option<Vec<u32>> {
    // parent[q] = (previous state, letter) on a shortest non-empty path from `from`.
    let mut parent: Vec<Option<(u32, u32)>> = vec![None; dfa.states];
    let mut queue = vec![from];
    let mut head = 0;
    while head < queue.len() {
        let q = queue[head];
        head += 1;
        for a in 0..dfa.letters() as u32 {
            let t = dfa.next(q, a);
            if t == to {
                let mut w = vec![a];
                let mut c = q;
                while c != from {
                    let (p, l) = parent[c as usize]?;
                    w.push(l);
                    c = p;
                }
                w.reverse();
                return Some(w);
            }
            if t != from && parent[t as usize].is_none() {
                parent[t as usize] = Some((q, a));
                queue.push(t);
            }
        }
    }
    None
}

/// A shortest word z with δ(p, z) and δ(q, z) of different acceptance.
fn distinguish(dfa: &Dfa, p: u32, q: u32) -> Option<Vec<u32>> {
    let mut seen = rustc_hash::FxHashMap::default();
    let mut pairs: Vec<(u32, u32, u32, u32)> = vec![(p, q, u32::MAX, 0)];
    seen.insert((p, q), 0u32);
    let mut head = 0;
    while head < pairs.len() {
        let (x, y, _, _) = pairs[head];
        if dfa.accepting[x as usize] != dfa.accepting[y as usize] {
            let mut w = Vec::new();
            let mut i = head;
            while pairs[i].2 != u32::MAX {
                w.push(pairs[i].3);
                i = pairs[i].2 as usize;
            }
            w.reverse();
            return Some(w);
        }
        for a in 0..dfa.letters() as u32 {
            let n = (dfa.next(x, a), dfa.next(y, a));
            if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(n) {
                slot.insert(pairs.len() as u32);
                pairs.push((n.0, n.1, head as u32, a));
            }
        }
        head += 1;
    }
    None
}

fn rep(w: &[u32], times: usize) -> Vec<u32> {
    w.iter().copied().cycle().take(w.len() * times).collect()
}

/// Finds, for each n in 1..=bound, a repetition count making `family(N)` = (x, y) type-equal
/// at depth n, and orders each pair as (member, non-member).
fn verify_family(
    dfa: &Dfa,
    ops: TypeOps,
    bound: usize,
    family: impl Fn(usize) -> (Vec<u32>, Vec<u32>),
) -> Vec<TypePair> {
    let mut out = Vec::new();
    let mut types = Types::default();
    for n in 1..=bound {
        for reps in 1..=(4 * n + 8) {
            let (x, y) = family(reps);
            if x.len() + y.len() > 4000 {
                break;
            }
            if types.eos_type(ops, &x, dfa.letters(), n)
                == types.eos_type(ops, &y, dfa.letters(), n)
            {
                let (m, nm) = if dfa.accepts(&x) { (x, y) } else { (y, x) };
                out.push(TypePair {
                    n,
                    member: show(dfa, &m),
                    non_member: show(dfa, &nm),
                });
                break;
            }
        }
    }
    out
}

/// `phi` as a certificate of L(`dfa`) (end-marker acceptance) built by `construction`,
/// when the explicit equivalence checker confirms within `budget` that it defines the
/// language (`None` otherwise).
pub fn formula_certificate(
    arena: &Arena,
    phi: NodeId,
    dfa: &Dfa,
    construction: &str,
    max_printed: u64,
    budget: &Budget,
) -> Option<FormulaCert> {
    verified_within(arena, phi, dfa, budget).then(|| FormulaCert {
        formula: cert_text(arena, phi, max_printed),
        depth: arena.temporal_depth(phi),
        construction: construction.into(),
        verified_equivalent: true,
    })
}

fn verified_within(arena: &Arena, phi: NodeId, dfa: &Dfa, budget: &Budget) -> bool {
    match formula_dfa(arena, phi, &dfa.alphabet, Acceptance::Eos, budget) {
        Ok(d) => {
            matches!(compare(&d, dfa, Question::Equivalent, budget), Ok(a) if a.counterexample.is_none())
        }
        Err(_) => false,
    }
}

fn letter_atom(arena: &mut Arena, dfa: &Dfa, l: u32) -> NodeId {
    arena.atom(&dfa.alphabet.show(l))
}

/// `LTL[P]` formula of a partially ordered DFA: In_q holds where the run is in q before
/// the current position; the run enters each state at most once.
fn po_formula(dfa: &Dfa, arena: &mut Arena) -> NodeId {
    let n = dfa.states;
    let k = dfa.letters() as u32;
    // Topological order: states in order of first reach along the DAG (ignoring self-loops).
    let mut indeg = vec![0usize; n];
    for q in 0..n as u32 {
        for a in 0..k {
            let t = dfa.next(q, a);
            if t != q {
                indeg[t as usize] += 1;
            }
        }
    }
    let mut order = Vec::new();
    let mut ready: Vec<u32> = (0..n as u32).filter(|&q| indeg[q as usize] == 0).collect();
    while let Some(q) = ready.pop() {
        order.push(q);
        for a in 0..k {
            let t = dfa.next(q, a);
            if t != q {
                indeg[t as usize] -= 1;
                if indeg[t as usize] == 0 {
                    ready.push(t);
                }
            }
        }
    }
    let mut b = crate::logic::Builder(arena);
    let mut in_q: Vec<Option<NodeId>> = vec![None; n];
    for &q in &order {
        // Letters that leave q.
        let mut leave = b.konst(false);
        for a in 0..k {
            if dfa.next(q, a) != q {
                let at = letter_atom(b.0, dfa, a);
                leave = b.or(leave, at);
            }
        }
        let f = if q == 0 {
            let p = b.un(Node::StrictOnce, leave);
            b.not(p)
        } else {
            let mut enter = b.konst(false);
            for p in 0..n as u32 {
                if p == q {
                    continue;
                }
                for a in 0..k {
                    if dfa.next(p, a) == q {
                        if let Some(ip) = in_q[p as usize] {
                            let at = letter_atom(b.0, dfa, a);
                            let e = b.and(at, ip);
                            enter = b.or(enter, e);
                        }
                    }
                }
            }
            let entered = b.un(Node::StrictOnce, enter);
            let left_after = {
                let pe = b.un(Node::StrictOnce, enter);
                let x = b.and(leave, pe);
                b.un(Node::StrictOnce, x)
            };
            let stayed = b.not(left_after);
            b.and(entered, stayed)
        };
        in_q[q as usize] = Some(f);
    }
    let mut acc = b.konst(false);
    for (q, f) in in_q.iter().enumerate() {
        if let (true, Some(f)) = (dfa.accepting[q], f) {
            acc = b.or(acc, *f);
        }
    }
    acc
}

/// The characteristic formulas of depth-n types, and the language as the disjunction of
/// the accepted end-marker types.
fn type_formula(
    dfa: &Dfa,
    ops: TypeOps,
    keys: &[Vec<TypeKey>],
    accepted: &[u32],
    n: usize,
    arena: &mut Arena,
) -> NodeId {
    let mut b = crate::logic::Builder(arena);
    let letters = dfa.letters() as u32;
    let mut chi: Vec<Vec<NodeId>> = Vec::new();
    for (m, level) in keys.iter().enumerate().take(n + 1) {
        let mut row = Vec::with_capacity(level.len());
        for (letter, pset, yset) in level {
            let mut f = if *letter == letters {
                b.0.add(Node::Eos)
            } else {
                letter_atom(b.0, dfa, *letter)
            };
            if m > 0 {
                for (u, &cu) in chi[m - 1].iter().enumerate() {
                    let u = u as u32;
                    if ops.p {
                        let p = b.un(Node::StrictOnce, cu);
                        let lit = if pset.binary_search(&u).is_ok() {
                            p
                        } else {
                            b.not(p)
                        };
                        f = b.and(f, lit);
                    }
                    if ops.window > 0 {
                        let y = b.0.add(Node::YesterdayWithin(ops.window, cu));
                        let lit = if yset.binary_search(&u).is_ok() {
                            y
                        } else {
                            b.not(y)
                        };
                        f = b.and(f, lit);
                    }
                }
            }
            row.push(f);
        }
        chi.push(row);
    }
    let mut out = b.konst(false);
    for &t in accepted {
        out = b.or(out, chi[n][t as usize]);
    }
    out
}

/// Searches depths 0..=max for a formula over `ops`; returns it verified, or the deepest
/// depth at which the type procedure proved that none exists.
fn type_search(
    dfa: &Dfa,
    ops: TypeOps,
    limits: &Limits,
) -> (
    Option<FormulaCert>,
    Option<usize>,
    Option<types::TypeConflict>,
) {
    let mut not_at = None;
    let mut conflict = None;
    for n in 0..=limits.depth {
        match expressible(dfa, ops, n, limits.type_states) {
            Expressible::Yes { accepted, keys, .. } => {
                let total: usize = keys.iter().take(n + 1).map(Vec::len).sum();
                if total > 400 {
                    return (None, not_at, conflict);
                }
                let mut arena = Arena::new();
                let phi = type_formula(dfa, ops, &keys, &accepted, n, &mut arena);
                let cert = formula_certificate(
                    &arena,
                    phi,
                    dfa,
                    &format!("characteristic formulas of the depth-{n} types"),
                    limits.max_printed,
                    &Budget::default(),
                );
                return (cert, not_at, conflict);
            }
            Expressible::No(c) => {
                not_at = Some(n);
                conflict = Some(c);
            }
            Expressible::Unknown { .. } => break,
        }
    }
    (None, not_at, conflict)
}

fn undecided(why: &str) -> Decision {
    Decision {
        member: None,
        basis: why.into(),
        hypothesis: false,
        formula: None,
        refutation: None,
        note: None,
    }
}

/// Operators allowed in each fragment's formulas (Booleans, atoms, `start` and `eos` in all).
fn fits(arena: &Arena, phi: NodeId, key: &str) -> bool {
    use crate::logic::Op;
    // P>=m φ = P(φ ∧ P>=m−1 φ): an abbreviation within LTL[P].
    let global = [Op::StrictOnce, Op::Once, Op::Historically, Op::OnceAtLeast];
    let local = [Op::Yesterday, Op::WeakYesterday, Op::YesterdayWithin];
    // Position-modulo atoms are in no fragment's syntax (they count).
    !arena.ops(phi).contains(Op::PosMod)
        && arena
            .ops(phi)
            .iter()
            .filter(|o| o.is_temporal())
            .all(|o| match key {
                "global" => global.contains(&o),
                "local" => local.contains(&o),
                "hybrid" => global.contains(&o) || local.contains(&o),
                _ => true,
            })
}

/// The input formula as a certificate for fragment `key`, when its operators fit and it
/// defines the language under end-marker acceptance.
fn given_cert(
    given: Option<(&Arena, NodeId)>,
    dfa: &Dfa,
    key: &str,
    max_printed: u64,
) -> Option<FormulaCert> {
    let (arena, phi) = given?;
    if !fits(arena, phi, key) {
        return None;
    }
    formula_certificate(
        arena,
        phi,
        dfa,
        "the input formula itself: all its operators belong to the fragment",
        max_printed,
        &Budget::default(),
    )
}

/// What every fragment decision reads: the minimal DFA, its syntactic monoid (when not
/// too large), the shortest word to each state, the limits and the input formula.
struct Ctx<'a> {
    dfa: &'a Dfa,
    limits: &'a Limits,
    given: Option<(&'a Arena, NodeId)>,
    monoid: Option<Monoid>,
    access: Access,
}

/// Classifies L(dfa) (a minimal DFA; acceptance as it says, the end-marker convention).
/// `given` is a formula known to define the language (the input), used as a certificate
/// where its operators fit a fragment.
pub fn classify(dfa: &Dfa, limits: &Limits, given: Option<(&Arena, NodeId)>) -> Classification {
    let cx = Ctx {
        dfa,
        limits,
        given,
        monoid: Monoid::of(dfa, limits.monoid),
        access: access_words(dfa),
    };
    let global = decide_global(&cx);
    let (local, local_depth) = decide_local(&cx);
    let hybrid = decide_hybrid(&cx, &global, &local);
    let hard = decide_hard(&cx, &hybrid);
    let regular = Decision {
        member: Some(true),
        basis: format!("a {}-state minimal DFA recognizes it", dfa.states),
        hypothesis: false,
        formula: None,
        refutation: None,
        note: None,
    };
    Classification {
        global,
        local,
        local_depth,
        hybrid,
        hard,
        regular,
        monoid_size: cx.monoid.as_ref().map(|m| m.len()),
        dfa_states: dfa.states,
        windowed: None,
    }
}

/// The largest minimal DFA for which the classifier builds (and re-checks) the formula of
/// a partially ordered run; beyond it the `LTL[P]` decision stands on the partial order
/// alone, with a note. `compile` on numeric models uses the same bound for any formula.
pub const FORMULA_DFA_STATES: usize = 4096;

/// `LTL[P]`: the minimal DFA is partially ordered (Li & Cotterell 2025).
fn decide_global(cx: &Ctx<'_>) -> Decision {
    let (dfa, limits, given, access) = (cx.dfa, cx.limits, cx.given, &cx.access);
    let cycle = nontrivial_cycle(dfa);
    match &cycle {
        None if dfa.states > FORMULA_DFA_STATES => Decision {
            member: Some(true),
            basis: "the minimal DFA is partially ordered (every cycle is a self-loop), so the syntactic monoid is R-trivial: LTL[P] (Li & Cotterell 2025)".into(),
            hypothesis: false,
            formula: given_cert(given, dfa, "global", limits.max_printed),
            refutation: None,
            note: Some(format!(
                "the formula of the run is not constructed: the minimal DFA has {} states, more than {FORMULA_DFA_STATES} (its re-check would build an automaton over as many subformulas)",
                dfa.states
            )),
        },
        None => {
            let built = || {
                let mut arena = Arena::new();
                let phi = po_formula(dfa, &mut arena);
                formula_certificate(
                    &arena,
                    phi,
                    dfa,
                    "run of the partially ordered DFA: the run is in q iff it entered q and has not read a letter leaving q since",
                    limits.max_printed,
                    &Budget::default(),
                )
            };
            Decision {
                member: Some(true),
                basis: "the minimal DFA is partially ordered (every cycle is a self-loop), so the syntactic monoid is R-trivial: LTL[P] (Li & Cotterell 2025)".into(),
                hypothesis: false,
                formula: given_cert(given, dfa, "global", limits.max_printed).or_else(built),
                refutation: None,
                note: None,
            }
        }
        Some((p, q, u, v)) => {
            let (p, q) = (*p, *q);
            let s = access.word(p);
            let z = distinguish(dfa, p, q).unwrap_or_default();
            let fam = |reps: usize| {
                let uv: Vec<u32> = u.iter().chain(v.iter()).copied().collect();
                let mut x = s.clone();
                x.extend(rep(&uv, reps));
                let mut y = x.clone();
                x.extend(&z);
                y.extend(u.iter().chain(z.iter()));
                (x, y)
            };
            let pairs = verify_family(dfa, TypeOps::GLOBAL, limits.depth, fam);
            Decision {
                member: Some(false),
                basis: "the minimal DFA has a cycle through two states, so the syntactic monoid is not R-trivial: not LTL[P] (Li & Cotterell 2025)".into(),
                hypothesis: false,
                formula: None,
                refutation: Some(NonMemberCert {
                    identity: "(xy)^ω x = (xy)^ω (R-trivial)".into(),
                    witnesses: vec![("x".into(), show(dfa, u)), ("y".into(), show(dfa, v)), ("prefix".into(), show(dfa, &s)), ("suffix".into(), show(dfa, &z))],
                    family: Some(format!(
                        "uₙ, vₙ = prefix (xy)^N suffix and prefix (xy)^N x suffix: states {p} and {q} of the minimal DFA are on one cycle and the suffix tells them apart"
                    )),
                    pairs,
                    not_at_depth: None,
                }),
                note: None,
            }
        }
    }
}

/// The most ordered pairs of states [`definite_depth`] is run on (about 9 bytes each).
const PAIR_GRAPH_PAIRS: usize = 1 << 25;

/// `LTL[Y]`: definite, with the depth from the pair graph.
fn decide_local(cx: &Ctx<'_>) -> (Decision, Option<usize>) {
    let (dfa, limits, given, access, monoid) =
        (cx.dfa, cx.limits, cx.given, &cx.access, &cx.monoid);
    if dfa.states.saturating_mul(dfa.states) > PAIR_GRAPH_PAIRS {
        return (
            undecided(&format!(
                "not decided: the pair graph of the {}-state minimal DFA has {} ordered pairs, more than the {PAIR_GRAPH_PAIRS} it is searched within",
                dfa.states,
                dfa.states.saturating_mul(dfa.states)
            )),
            None,
        );
    }
    let pair_depth = definite_depth(dfa);
    let local = match (&pair_depth, &monoid) {
        (Ok(d), _) => {
            let cert = given_cert(given, dfa, "local", limits.max_printed).or_else(|| {
                type_search(
                    dfa,
                    TypeOps::LOCAL1,
                    &Limits {
                        depth: (*d).max(limits.depth),
                        ..*limits
                    },
                )
                .0
            });
            Decision {
                member: Some(true),
                basis: format!("definite: every pair of states merges under every word of length {d} (no cycle in the pair graph); s·e = e in the syntactic semigroup"),
                hypothesis: false,
                note: cert.is_none().then(|| format!("member; no formula printed: the depth-{d} type formula is beyond the size limit")),
                formula: cert,
                refutation: None,
            }
        }
        (Err((p, q, x)), _) => {
            let (p, q) = (*p, *q);
            let z = distinguish(dfa, p, q).unwrap_or_default();
            let (sp, sq) = (access.word(p), access.word(q));
            let fam = |reps: usize| {
                let mut a = sp.clone();
                a.extend(rep(x, reps));
                a.extend(&z);
                let mut b = sq.clone();
                b.extend(rep(x, reps));
                b.extend(&z);
                (a, b)
            };
            let pairs = verify_family(dfa, TypeOps::LOCAL1, limits.depth, fam);
            let witnesses = match monoid.as_ref().and_then(|m| {
                m.definite_violation()
                    .map(|(s, e)| (m.semigroup_word(s), m.semigroup_word(e)))
            }) {
                Some((s, e)) => vec![("s".into(), show(dfa, &s)), ("e".into(), show(dfa, &e))],
                None => vec![],
            };
            Decision {
                member: Some(false),
                basis: "not definite: the pair graph of the minimal DFA has a cycle, so s·e ≠ e for some s and idempotent e: not LTL[Y]".into(),
                hypothesis: false,
                formula: None,
                refutation: Some(NonMemberCert {
                    identity: "s·e = e for every s and idempotent e (definite)".into(),
                    witnesses,
                    family: Some(format!(
                        "uₙ, vₙ = w_p x^N z and w_q x^N z: the word x = `{}` loops on both states {p} and {q}, which z tells apart",
                        show(dfa, x).join(" ")
                    )),
                    pairs,
                    not_at_depth: None,
                }),
                note: None,
            }
        }
    };
    (local, pair_depth.as_ref().ok().copied())
}

/// `LTL[P, Y]`: LR (the working hypothesis of docs/SEMANTICS.md §3); certificates reuse the
/// global and local formulas where those are members.
fn decide_hybrid(cx: &Ctx<'_>, global: &Decision, local: &Decision) -> Decision {
    let (dfa, limits, given, access, monoid) =
        (cx.dfa, cx.limits, cx.given, &cx.access, &cx.monoid);
    let n = dfa.states;
    match &monoid {
        None => undecided("not decided: the syntactic monoid is larger than the limit"),
        Some(m) => match m.lr_violation() {
            None => {
                let reuse = given_cert(given, dfa, "hybrid", limits.max_printed)
                    .or_else(|| {
                        global
                            .formula
                            .clone()
                            .filter(|_| global.member == Some(true))
                    })
                    .or_else(|| local.formula.clone().filter(|_| local.member == Some(true)));
                let (cert, _, _) = if reuse.is_some() {
                    (reuse, None, None)
                } else {
                    type_search(dfa, TypeOps::HYBRID1, limits)
                };
                Decision {
                    member: Some(true),
                    basis: if cert.is_some() {
                        "every eSe (e idempotent) is R-trivial (LR), and a formula of LTL[P, Y] proves membership".into()
                    } else {
                        "every eSe (e idempotent) is R-trivial (LR)".into()
                    },
                    // A verified formula proves membership whatever becomes of the hypothesis.
                    hypothesis: cert.is_none(),
                    note: cert.is_none().then(|| {
                        format!("no formula found up to depth {} within the limits; the verdict rests on the LR hypothesis alone", limits.depth)
                    }),
                    formula: cert,
                    refutation: None,
                }
            }
            Some((e, sx, sy)) => {
                let w = |t: u32| m.semigroup_word(t);
                let (x, y) = (m.mul(m.mul(e, sx), e), m.mul(m.mul(e, sy), e));
                let omega = m.omega(m.mul(x, y));
                // A context that tells (xy)^ω x from (xy)^ω apart.
                let ctx = (0..n as u32).find_map(|q| {
                    let (a, b) = (m.map(m.mul(omega, x))[q as usize], m.map(omega)[q as usize]);
                    (a != b)
                        .then(|| distinguish(dfa, a, b).map(|z| (access.word(q), z)))
                        .flatten()
                });
                let (pre, z) = ctx.unwrap_or_default();
                let k = m.omega_exponent(m.mul(x, y));
                let (we, ws, wt) = (w(e), w(sx), w(sy));
                // With E = e^N: x = E s E and y = E t E; both words end in the long block E,
                // so the operators that look back a bounded distance see the same letters.
                let fam = |reps: usize| {
                    let big_e = rep(&we, reps);
                    let xw: Vec<u32> = big_e.iter().chain(&ws).chain(&big_e).copied().collect();
                    let yw: Vec<u32> = big_e.iter().chain(&wt).chain(&big_e).copied().collect();
                    let xy: Vec<u32> = xw.iter().chain(&yw).copied().collect();
                    let mut a = pre.clone();
                    a.extend(rep(&xy, k * reps));
                    let mut b = a.clone();
                    a.extend(&z);
                    b.extend(xw.iter().chain(z.iter()));
                    (a, b)
                };
                let wx = ws.clone();
                let wo: Vec<u32> = rep(
                    &[
                        we.clone(),
                        ws.clone(),
                        we.clone(),
                        we.clone(),
                        wt.clone(),
                        we.clone(),
                    ]
                    .concat(),
                    k,
                );
                let pairs = verify_family(dfa, TypeOps::HYBRID1, limits.depth, fam);
                let (_, not_at, _) = type_search(dfa, TypeOps::HYBRID1, limits);
                Decision {
                    member: Some(false),
                    basis: "some eSe is not R-trivial (not LR)".into(),
                    hypothesis: true,
                    formula: None,
                    refutation: Some(NonMemberCert {
                        identity: "(xy)^ω x = (xy)^ω for x, y in eSe (LR)".into(),
                        witnesses: vec![
                            ("e".into(), show(dfa, &we)),
                            ("x = e s e with s".into(), show(dfa, &wx)),
                            ("y = e t e with t".into(), show(dfa, &wt)),
                            ("(xy)^ω".into(), show(dfa, &wo)),
                            ("prefix".into(), show(dfa, &pre)),
                            ("suffix".into(), show(dfa, &z)),
                        ],
                        family: Some("with E = e^N, X = E s E, Y = E t E: uₙ, vₙ = prefix (XY)^{kN} suffix and prefix (XY)^{kN} X suffix (k: (xy)^k is idempotent)".into()),
                        pairs,
                        not_at_depth: not_at,
                    }),
                    note: Some("LR ⇔ LTL[P, Y] is a working hypothesis; the type pairs and the exact depth bound are proofs for the depths they state".into()),
                }
            }
        },
    }
}

/// `LTL[Y, S]`: aperiodic (Schützenberger, McNaughton–Papert, Kamp).
fn decide_hard(cx: &Ctx<'_>, hybrid: &Decision) -> Decision {
    let (dfa, limits, given, access, monoid) =
        (cx.dfa, cx.limits, cx.given, &cx.access, &cx.monoid);
    let n = dfa.states;
    match &monoid {
        None => undecided("not decided: the syntactic monoid is larger than the limit"),
        Some(m) => match m.aperiodic_violation() {
            None => {
                let cert = given_cert(given, dfa, "hard", limits.max_printed).or_else(|| {
                    hybrid
                        .formula
                        .clone()
                        .filter(|_| hybrid.member == Some(true))
                });
                Decision {
                    member: Some(true),
                    basis: format!("the {}-element syntactic monoid is aperiodic (x^ω = x^ω x): star-free, so LTL[Y, S] (Schützenberger, Kamp)", m.len()),
                    hypothesis: false,
                    note: cert.is_none().then(|| "member; no formula is constructed for star-free languages outside LTL[P, Y] (no Krohn–Rhodes/Kamp translation yet)".to_string()),
                    formula: cert,
                    refutation: None,
                }
            }
            Some(x) => {
                let w = |t: u32| m.semigroup_word(t);
                let omega = m.omega(x);
                let ctx = (0..n as u32).find_map(|q| {
                    let (a, b) = (m.map(m.mul(omega, x))[q as usize], m.map(omega)[q as usize]);
                    (a != b)
                        .then(|| distinguish(dfa, a, b).map(|z| (access.word(q), z)))
                        .flatten()
                });
                let (pre, z) = ctx.unwrap_or_default();
                let wo = rep(&w(x), m.omega_exponent(x));
                let mut u = pre.clone();
                u.extend(&wo);
                u.extend(&z);
                let mut v = pre.clone();
                v.extend(&wo);
                v.extend(w(x));
                v.extend(&z);
                let (mem, non) = if dfa.accepts(&u) { (u, v) } else { (v, u) };
                Decision {
                    member: Some(false),
                    basis: "the syntactic monoid has a non-trivial group (x^ω ≠ x^ω x): not star-free, so no hard-attention (or soft) model recognizes it".into(),
                    hypothesis: false,
                    formula: None,
                    refutation: Some(NonMemberCert {
                        identity: "x^ω = x^ω x (aperiodic)".into(),
                        witnesses: vec![("x".into(), show(dfa, &w(x))), ("x^ω".into(), show(dfa, &wo)), ("in L".into(), show(dfa, &mem)), ("not in L".into(), show(dfa, &non))],
                        family: None,
                        pairs: vec![],
                        not_at_depth: None,
                    }),
                    note: Some("depth-n types are defined for unary operator sets only; the identity with its words is the certificate".into()),
                }
            }
        },
    }
}

/// Bounded search for k-local (`p = false`) or k-hybrid (`p = true`) formulas, k ≥ 2: no
/// algebraic test is known, so "yes" needs a formula (verified) and "no" is stated only up
/// to the depth at which the exact type procedure proved it.
pub fn bounded_window(
    dfa: &Dfa,
    k: u32,
    p: bool,
    limits: &Limits,
    given: Option<(&Arena, NodeId)>,
    outside_larger: bool,
) -> Decision {
    let name = if p {
        format!("LTL[P, Y^{{<={k}}}]")
    } else {
        format!("LTL[Y^{{<={k}}}]")
    };
    // These fragments sit inside LTL[Y] and LTL[P, Y]: outside those, outside these.
    if outside_larger {
        return Decision {
            member: Some(false),
            basis: format!(
                "{name} is contained in {}, which does not contain the language",
                if p { "LTL[P, Y]" } else { "LTL[Y]" }
            ),
            hypothesis: p,
            formula: None,
            refutation: None,
            note: Some("the larger fragment's row gives the certificate".into()),
        };
    }
    let fits_window = given.filter(|(a, phi)| {
        a.subformulas(*phi).iter().all(|&n| match a.node(n) {
            Node::YesterdayWithin(w, _) => w == k,
            Node::StrictOnce(_) | Node::Once(_) | Node::Historically(_) | Node::OnceAtLeast(..) => {
                p
            }
            node => !node.is_temporal(),
        })
    });
    if let Some(c) = given_cert(
        fits_window,
        dfa,
        if p { "hybrid" } else { "local" },
        limits.max_printed,
    ) {
        return Decision {
            member: Some(true),
            basis: "the input formula uses only this fragment's operators".into(),
            hypothesis: false,
            formula: Some(c),
            refutation: None,
            note: None,
        };
    }
    let (cert, not_at, conflict) = type_search(dfa, TypeOps { p, window: k }, limits);
    if let Some(c) = cert {
        return Decision {
            member: Some(true),
            basis: "bounded search over depth-n types found a formula".into(),
            hypothesis: false,
            formula: Some(c),
            refutation: None,
            note: None,
        };
    }
    Decision {
        member: None,
        basis: format!("bounded search (no algebraic test is known for {name})"),
        hypothesis: false,
        formula: None,
        refutation: not_at.map(|n| NonMemberCert {
            identity: "none (no algebraic characterization known)".into(),
            witnesses: conflict
                .map(|c| vec![("in L".to_string(), show(dfa, &c.member)), ("not in L".to_string(), show(dfa, &c.non_member))])
                .unwrap_or_default(),
            family: None,
            pairs: vec![],
            not_at_depth: Some(n),
        }),
        note: Some(match not_at {
            Some(n) => format!(
                "no formula of depth ≤ {n} (proven by the type procedure: the words above have equal depth-{n} types); deeper formulas were not searched"
            ),
            None => format!("no formula found up to depth {} within the limits", limits.depth),
        }),
    }
}

/// Definite depth: the smallest d such that all states merge under every word of length d,
/// or a pair (p, q) and a word x looping on both (a cycle of the ordered pair graph).
/// Takes memory for every ordered pair of states (n² of them): the classifier calls it
/// up to 2^25 pairs.
pub fn definite_depth(dfa: &Dfa) -> Result<usize, (u32, u32, Vec<u32>)> {
    let n = dfa.states;
    let k = dfa.letters() as u32;
    // Longest path in the graph of ordered distinct pairs, by DFS with colours.
    let idx = |p: u32, q: u32| p as usize * n + q as usize;
    let mut colour = vec![0u8; n * n];
    let mut longest = vec![0usize; n * n];
    for p0 in 0..n as u32 {
        for q0 in 0..n as u32 {
            if p0 == q0 || colour[idx(p0, q0)] != 0 {
                continue;
            }
            // Iterative DFS: (pair, next letter, word so far).
            let mut stack: Vec<(u32, u32, u32)> = vec![(p0, q0, 0)];
            let mut word: Vec<u32> = Vec::new();
            colour[idx(p0, q0)] = 1;
            while let Some(&mut (p, q, ref mut a)) = stack.last_mut() {
                if *a == k {
                    colour[idx(p, q)] = 2;
                    let l = longest[idx(p, q)];
                    stack.pop();
                    word.pop();
                    if let Some(&(pp, pq, _)) = stack.last() {
                        let e = &mut longest[idx(pp, pq)];
                        *e = (*e).max(l + 1);
                    }
                    continue;
                }
                let letter = *a;
                *a += 1;
                let (np, nq) = (dfa.next(p, letter), dfa.next(q, letter));
                if np == nq {
                    let e = &mut longest[idx(p, q)];
                    *e = (*e).max(1);
                    continue;
                }
                match colour[idx(np, nq)] {
                    0 => {
                        colour[idx(np, nq)] = 1;
                        word.push(letter);
                        stack.push((np, nq, 0));
                    }
                    1 => {
                        // A cycle: from (np, nq) back to itself along the stack.
                        let pos = stack
                            .iter()
                            .position(|&(x, y, _)| (x, y) == (np, nq))
                            .unwrap_or(0);
                        let mut x: Vec<u32> = word[pos..].to_vec();
                        x.push(letter);
                        return Err((np, nq, x));
                    }
                    _ => {
                        let l = longest[idx(np, nq)];
                        let e = &mut longest[idx(p, q)];
                        *e = (*e).max(l + 1);
                    }
                }
            }
        }
    }
    Ok(if n <= 1 {
        0
    } else {
        longest.iter().copied().max().unwrap_or(0)
    })
}

/// [`classify`], with the k-local and k-hybrid rows by bounded search
/// ([`bounded_window`]) when a window k ≥ 2 is given (`classify --window K`).
pub fn classify_windowed(
    dfa: &Dfa,
    limits: &Limits,
    given: Option<(&Arena, NodeId)>,
    window: Option<u32>,
) -> Classification {
    let mut c = classify(dfa, limits, given);
    if let Some(k) = window {
        let local = bounded_window(dfa, k, false, limits, given, c.local.member == Some(false));
        let hybrid = bounded_window(dfa, k, true, limits, given, c.hybrid.member == Some(false));
        c.windowed = Some((k, local, hybrid));
    }
    c
}

/// A class a language can be separated from (`separate --from`): the four rows of the
/// classification table below regular.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `LTL[P]`.
    Global,
    /// `LTL[Y]`.
    Local,
    /// `LTL[P, Y]`.
    Hybrid,
    /// `LTL[Y, S]`.
    Hard,
}

impl Class {
    /// Every class, in table order.
    pub const ALL: [Class; 4] = [Class::Global, Class::Local, Class::Hybrid, Class::Hard];

    /// Its name and the key of its row ([`Classification::rows`]).
    pub fn key(self) -> &'static str {
        match self {
            Class::Global => "global",
            Class::Local => "local",
            Class::Hybrid => "hybrid",
            Class::Hard => "hard",
        }
    }

    /// The fragment it is.
    pub fn fragment(self) -> Fragment {
        match self {
            Class::Global => Fragment::Global,
            Class::Local => Fragment::Local(1),
            Class::Hybrid => Fragment::Hybrid(1),
            Class::Hard => Fragment::Hard,
        }
    }
}

/// A class name that is none of `global`, `local`, `hybrid`, `hard`.
#[derive(Clone, Debug, thiserror::Error, miette::Diagnostic)]
#[error("unknown class `{0}`")]
#[diagnostic(help("use global, local, hybrid or hard"))]
pub struct UnknownClass(pub String);

impl std::str::FromStr for Class {
    type Err = UnknownClass;
    fn from_str(s: &str) -> Result<Self, UnknownClass> {
        Class::ALL
            .into_iter()
            .find(|c| c.key() == s)
            .ok_or_else(|| UnknownClass(s.to_string()))
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// Whether L(dfa) is in `class`, with its certificate (`separate`: the language is
/// separated from the class when the answer is no).
pub fn separate(
    class: Class,
    dfa: &Dfa,
    limits: &Limits,
    given: Option<(&Arena, NodeId)>,
) -> Decision {
    classify(dfa, limits, given).decision(class).clone()
}

impl Classification {
    /// The decision of `class`.
    pub fn decision(&self, class: Class) -> &Decision {
        match class {
            Class::Global => &self.global,
            Class::Local => &self.local,
            Class::Hybrid => &self.hybrid,
            Class::Hard => &self.hard,
        }
    }

    /// The decisions in table order with their keys.
    pub fn rows(&self) -> Vec<(&'static str, Fragment, &Decision)> {
        vec![
            ("global", Fragment::Global, &self.global),
            ("local", Fragment::Local(1), &self.local),
            ("hybrid", Fragment::Hybrid(1), &self.hybrid),
            ("hard", Fragment::Hard, &self.hard),
        ]
    }
}
