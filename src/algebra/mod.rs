//! The syntactic monoid of a regular language: the transition monoid of its minimal DFA.
//!
//! Elements are transformations of the DFA's states, each with a shortest word that acts
//! as it. Green's R- and L-classes are the strongly connected components of the right and
//! left Cayley graphs (petgraph). Identity checks return the elements that violate them,
//! so a caller can show them as words.
//!
//! ```
//! use ltlattn::logic::{parse, Arena, Acceptance};
//! use ltlattn::automata::{Alphabet, Budget};
//! use ltlattn::engine::explicit::formula_dfa;
//! use ltlattn::algebra::Monoid;
//! let mut f = Arena::new();
//! let phi = parse(&mut f, "P a").unwrap();
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
//! let dfa = formula_dfa(&f, phi, &sigma, Acceptance::Eos, &Budget::default()).unwrap();
//! let m = Monoid::of(&dfa, 1000).unwrap();
//! assert_eq!(m.len(), 2);               // 1 (no a yet) and 0 (an a was read)
//! assert!(m.is_r_trivial() && m.is_aperiodic());
//! ```

use petgraph::algo::kosaraju_scc;
use petgraph::graph::DiGraph;
use rustc_hash::FxHashMap;

use crate::automata::Dfa;

/// The transition monoid of a complete DFA.
#[derive(Clone, Debug)]
pub struct Monoid {
    /// Number of DFA states (the width of a transformation).
    pub n: usize,
    /// Number of letters (generators).
    pub letters: usize,
    /// Transformations, flat: element e maps state q to `maps[e * n + q]`.
    maps: Vec<u32>,
    /// A shortest word (letters) acting as each element; element 0 is the identity (ε).
    pub words: Vec<Vec<u32>>,
    /// `right[e * letters + a]` = e·a.
    right: Vec<u32>,
    /// Whether some non-empty word acts as the element (it is in the semigroup S).
    pub in_semigroup: Vec<bool>,
    /// A shortest non-empty word acting as the identity, if there is one.
    identity_word: Option<Vec<u32>>,
    index: FxHashMap<Vec<u32>, u32>,
}

impl Monoid {
    /// The most map entries (elements × states) an enumeration holds: 2^25, 128 MiB of
    /// maps and as much again in the index.
    pub const MAX_CELLS: usize = 1 << 25;

    /// Enumerates the transition monoid of `dfa`; `None` if it has more than `max` elements,
    /// or more than [`Monoid::MAX_CELLS`] entries in all (elements × DFA states: each
    /// element is a map of every state, so a large DFA stops after few elements instead of
    /// filling the memory).
    pub fn of(dfa: &Dfa, max: usize) -> Option<Monoid> {
        let n = dfa.states;
        let k = dfa.letters();
        let id: Vec<u32> = (0..n as u32).collect();
        let mut m = Monoid {
            n,
            letters: k,
            maps: id.clone(),
            words: vec![vec![]],
            right: Vec::new(),
            in_semigroup: vec![false],
            identity_word: None,
            index: FxHashMap::default(),
        };
        m.index.insert(id, 0);
        let mut e = 0;
        while e < m.words.len() {
            for a in 0..k as u32 {
                // (e·a)(q) = δ(e(q), a): first e, then a.
                let t: Vec<u32> = (0..n).map(|q| dfa.next(m.maps[e * n + q], a)).collect();
                let id = match m.index.get(&t) {
                    Some(&id) => id,
                    None => {
                        if m.words.len() >= max
                            || (m.words.len() + 1).saturating_mul(n) > Self::MAX_CELLS
                        {
                            return None;
                        }
                        let id = m.words.len() as u32;
                        let mut w = m.words[e].clone();
                        w.push(a);
                        m.words.push(w);
                        m.maps.extend_from_slice(&t);
                        m.in_semigroup.push(false);
                        m.index.insert(t, id);
                        id
                    }
                };
                if id == 0 && m.identity_word.is_none() {
                    let mut w = m.words[e].clone();
                    w.push(a);
                    m.identity_word = Some(w);
                }
                m.in_semigroup[id as usize] = true;
                m.right.push(id);
            }
            e += 1;
        }
        Some(m)
    }

    /// Number of elements (with the identity).
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the monoid has only the identity.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The transformation of element `e`.
    pub fn map(&self, e: u32) -> &[u32] {
        &self.maps[e as usize * self.n..(e as usize + 1) * self.n]
    }

    /// The product x·y (x first, then y): x followed by the letters of y's shortest word,
    /// through the right Cayley graph — as long as that word, where composing the two maps
    /// and looking the result up costs two passes over every DFA state.
    pub fn mul(&self, x: u32, y: u32) -> u32 {
        self.words[y as usize].iter().fold(x, |e, &a| {
            self.right[e as usize * self.letters + a as usize]
        })
    }

    /// The element a word acts as.
    pub fn of_word(&self, w: &[u32]) -> u32 {
        w.iter().fold(0, |e, &a| {
            self.right[e as usize * self.letters + a as usize]
        })
    }

    /// A shortest non-empty word acting as `e` (for elements of S; ε for the identity
    /// when no non-empty word acts as it).
    pub fn semigroup_word(&self, e: u32) -> Vec<u32> {
        if e == 0 {
            self.identity_word.clone().unwrap_or_default()
        } else {
            self.words[e as usize].clone()
        }
    }

    /// The elements of the semigroup S (acted by non-empty words).
    pub fn semigroup(&self) -> Vec<u32> {
        (0..self.len() as u32)
            .filter(|&e| self.in_semigroup[e as usize])
            .collect()
    }

    /// Idempotents of S.
    pub fn idempotents(&self) -> Vec<u32> {
        self.semigroup()
            .into_iter()
            .filter(|&e| self.mul(e, e) == e)
            .collect()
    }

    /// The smallest k ≥ 1 with x^k idempotent (so x^ω = x^k).
    pub fn omega_exponent(&self, x: u32) -> usize {
        let mut p = x;
        let mut k = 1;
        while self.mul(p, p) != p {
            p = self.mul(p, x);
            k += 1;
        }
        k
    }

    /// x^ω: the idempotent power of x, in time linear in the number of DFA states.
    ///
    /// As a map of states, x is a functional graph: every state q walks a tail of t_q
    /// steps into a cycle of length c_q. x^m is idempotent for every m that is a
    /// multiple of every cycle length and at least every tail, and then x^m(q) is the
    /// cycle state (−t_q mod c_q) steps past where q enters its cycle — which needs no m.
    pub fn omega(&self, x: u32) -> u32 {
        let map = self.map(x);
        let n = map.len();
        const NEW: u32 = u32::MAX;
        // For each state: its cycle (index into `cycles`), where it enters it (position
        // on the cycle) and its tail length.
        let mut cycle_of = vec![NEW; n];
        let mut entry = vec![0usize; n];
        let mut tail = vec![0usize; n];
        let mut cycles: Vec<Vec<u32>> = Vec::new();
        let mut on_path = vec![usize::MAX; n];
        let mut path: Vec<u32> = Vec::new();
        for start in 0..n as u32 {
            if cycle_of[start as usize] != NEW {
                continue;
            }
            path.clear();
            let mut q = start;
            while cycle_of[q as usize] == NEW && on_path[q as usize] == usize::MAX {
                on_path[q as usize] = path.len();
                path.push(q);
                q = map[q as usize];
            }
            // Either a new cycle closed on the path at q, or the path ran into a known state.
            let known = if cycle_of[q as usize] == NEW {
                let at = on_path[q as usize];
                let c = cycles.len() as u32;
                for (pos, &r) in path[at..].iter().enumerate() {
                    cycle_of[r as usize] = c;
                    entry[r as usize] = pos;
                    tail[r as usize] = 0;
                }
                cycles.push(path[at..].to_vec());
                path.truncate(at);
                q
            } else {
                q
            };
            let (c, e, t) = (
                cycle_of[known as usize],
                entry[known as usize],
                tail[known as usize],
            );
            for (steps, &r) in path.iter().rev().enumerate() {
                cycle_of[r as usize] = c;
                entry[r as usize] = e;
                tail[r as usize] = t + steps + 1;
            }
            for &r in &path {
                on_path[r as usize] = usize::MAX;
            }
            for r in cycles[c as usize].iter() {
                on_path[*r as usize] = usize::MAX;
            }
        }
        let power: Vec<u32> = (0..n)
            .map(|q| {
                let cyc = &cycles[cycle_of[q] as usize];
                let len = cyc.len();
                cyc[(entry[q] + (len - tail[q] % len) % len) % len]
            })
            .collect();
        self.index[&power]
    }

    /// Classes of the strongly connected components of the Cayley graph with right
    /// edges (e → e·a), left edges (e → a·e), or both (J). Kosaraju's algorithm: petgraph
    /// runs it with explicit stacks, where its Tarjan recurses once per element of a long
    /// cycle (a cyclic group of 200,000 elements).
    fn scc_classes(&self, right: bool, left: bool) -> Vec<u32> {
        let mut g: DiGraph<(), ()> = DiGraph::with_capacity(self.len(), self.len() * self.letters);
        let nodes: Vec<_> = (0..self.len()).map(|_| g.add_node(())).collect();
        let letter_elems: Vec<u32> = (0..self.letters as u32)
            .map(|a| self.of_word(&[a]))
            .collect();
        for e in 0..self.len() as u32 {
            for a in 0..self.letters as u32 {
                if right {
                    let t = self.right[e as usize * self.letters + a as usize];
                    g.add_edge(nodes[e as usize], nodes[t as usize], ());
                }
                if left {
                    let t = self.mul(letter_elems[a as usize], e);
                    g.add_edge(nodes[e as usize], nodes[t as usize], ());
                }
            }
        }
        let mut class = vec![0u32; self.len()];
        for (c, comp) in kosaraju_scc(&g).into_iter().enumerate() {
            for v in comp {
                class[v.index()] = c as u32;
            }
        }
        class
    }

    /// Green's R-classes: `r[e]` numbers the class of e (e R f iff eM = fM).
    pub fn r_classes(&self) -> Vec<u32> {
        self.scc_classes(true, false)
    }

    /// Green's L-classes: `l[e]` numbers the class of e (e L f iff Me = Mf).
    pub fn l_classes(&self) -> Vec<u32> {
        self.scc_classes(false, true)
    }

    /// Green's J-classes: `j[e]` numbers the class of e (e J f iff MeM = MfM).
    pub fn j_classes(&self) -> Vec<u32> {
        self.scc_classes(true, true)
    }

    /// Two distinct R-equivalent elements, or `None` when the monoid is R-trivial.
    pub fn r_violation(&self) -> Option<(u32, u32)> {
        Self::same_class(&self.r_classes())
    }

    /// Whether every R-class is a single element.
    pub fn is_r_trivial(&self) -> bool {
        self.r_violation().is_none()
    }

    fn same_class(class: &[u32]) -> Option<(u32, u32)> {
        let mut first: FxHashMap<u32, u32> = FxHashMap::default();
        for (e, &c) in class.iter().enumerate() {
            if let Some(&f) = first.get(&c) {
                return Some((f, e as u32));
            }
            first.insert(c, e as u32);
        }
        None
    }

    /// An element x with x^ω ≠ x^ω·x (a non-trivial group), or `None` when aperiodic.
    pub fn aperiodic_violation(&self) -> Option<u32> {
        (0..self.len() as u32).find(|&x| {
            let w = self.omega(x);
            self.mul(w, x) != w
        })
    }

    /// Whether x^ω = x^ω·x for every x (star-free, Schützenberger).
    pub fn is_aperiodic(&self) -> bool {
        self.aperiodic_violation().is_none()
    }

    /// (s, e) with s ∈ S, e an idempotent of S and s·e ≠ e, or `None` when S is definite.
    pub fn definite_violation(&self) -> Option<(u32, u32)> {
        let s = self.semigroup();
        for e in self.idempotents() {
            if let Some(&x) = s.iter().find(|&&x| self.mul(x, e) != e) {
                return Some((x, e));
            }
        }
        None
    }

    /// (e, s, t) with e idempotent and x = ese, y = ete such that (xy)^ω x ≠ (xy)^ω — eSe
    /// is not R-trivial — or `None` when every eSe is R-trivial (the monoid is in LR).
    ///
    /// For elements of eMe, Green's R of the local monoid eMe is R of M restricted, so eSe
    /// is R-trivial iff no two of its elements share an R-class of M; for two that do,
    /// a = b·u and b = a·v with u, v ∈ eSe, and x = v, y = u violate the identity:
    /// a·(vu)^ω = a but a·(vu)^ω·v = b. Linear in |S| per idempotent, not quadratic.
    pub fn lr_violation(&self) -> Option<(u32, u32, u32)> {
        let s = self.semigroup();
        let r = self.r_classes();
        for e in self.idempotents() {
            // One s per element of eSe.
            let mut local: Vec<(u32, u32)> = Vec::new();
            let mut seen: FxHashMap<u32, ()> = FxHashMap::default();
            for &x in &s {
                let exe = self.mul(self.mul(e, x), e);
                if seen.insert(exe, ()).is_none() {
                    local.push((exe, x));
                }
            }
            let mut first_in_class: FxHashMap<u32, u32> = FxHashMap::default();
            for &(b, _) in &local {
                let a = *first_in_class.entry(r[b as usize]).or_insert(b);
                if a == b {
                    continue;
                }
                let by = |from: u32, to: u32| {
                    local
                        .iter()
                        .find(|&&(y, _)| self.mul(from, y) == to)
                        .map(|&(_, sy)| sy)
                };
                if let (Some(sv), Some(su)) = (by(a, b), by(b, a)) {
                    return Some((e, sv, su));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automata::Alphabet;
    use crate::logic::Acceptance;

    /// A rotation of n states generates a cyclic group of n elements, each a map of n
    /// states: with n = 40,000 that is 1.6·10^9 entries, so the enumeration stops at the
    /// cell budget (about 840 elements) instead of filling the memory; a small rotation is
    /// enumerated in full.
    #[test]
    fn enumeration_stops_at_the_cell_budget() {
        let rotation = |n: u32| {
            Dfa::from_parts(
                Alphabet::Tokens(vec!["a".into(), "b".into()]),
                Acceptance::Eos,
                (0..n).flat_map(|q| [(q + 1) % n, q]).collect(),
                (0..n).map(|q| q == 0).collect(),
            )
            .unwrap()
        };
        assert!(Monoid::of(&rotation(40_000), 200_000).is_none());
        assert_eq!(Monoid::of(&rotation(1_000), 200_000).unwrap().len(), 1_000);
    }

    /// The product through the Cayley graph is the composition of the two maps, on every
    /// pair of elements of the monoids of 300 pseudo-random DFAs (2–5 states, 2–3 letters;
    /// monoids of up to 500 elements).
    #[test]
    fn product_is_composition() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as u32
        };
        for _ in 0..300 {
            let n = 2 + next(4);
            let k = 2 + next(2) as usize;
            let names: Vec<String> = (0..k).map(|i| format!("t{i}")).collect();
            let trans: Vec<u32> = (0..n as usize * k).map(|_| next(n as u64)).collect();
            let accepting: Vec<bool> = (0..n).map(|_| next(2) == 1).collect();
            let d = Dfa::from_parts(Alphabet::Tokens(names), Acceptance::Eos, trans, accepting)
                .unwrap();
            let Some(m) = Monoid::of(&d, 500) else {
                continue;
            };
            for x in 0..m.len() as u32 {
                for y in 0..m.len() as u32 {
                    let composed: Vec<u32> =
                        m.map(x).iter().map(|&q| m.map(y)[q as usize]).collect();
                    assert_eq!(m.map(m.mul(x, y)), &composed[..]);
                }
            }
        }
    }
}
