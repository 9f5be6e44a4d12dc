//! Count formulas for numeric models whose abstract state is one layer of capped counts
//! (grammar/numeric.md, "Count formulas").
//!
//! In a one-layer model with global heads only, the abstract state after a prefix is the
//! vector of capped counts of the layer's key classes, and a key class is a set of
//! letters. Whether the model accepts is then a function of that vector, known on every
//! explored state. This module compresses that function into an *interval decision
//! diagram*: one class's count per level, each node a list of count intervals with one
//! child each (adjacent counts with equal children merged, hash-consed), and writes it as
//! a formula with the counting operator: "the count of class c lies in [lo, hi)" is
//! `P>=lo χ_c & !P>=hi χ_c`, χ_c the disjunction of the class's letters. fp8-sized count
//! caps (thousands) give minimal DFAs with hundreds of thousands of states but formulas
//! of a few thousand nodes. The formula is re-checked against the minimal DFA by the
//! explicit equivalence checker before it is shown.

use rustc_hash::FxHashMap as HashMap;

use super::intern::Interner;
use crate::logic::{Arena, Builder, Node, NodeId};

/// The acceptance of every explored state as a function of the counts of its key
/// classes.
#[derive(Clone, Debug)]
pub struct CountTable {
    /// Per counted class, its letters (indices into the alphabet).
    pub classes: Vec<Vec<u32>>,
    /// Row r's counts are `counts[r * k..(r + 1) * k]`, k = the number of classes; each is
    /// kept up to its class's cap (a count equal to the cap means "at least the cap", so
    /// the last interval of a class is open above).
    pub counts: Vec<u32>,
    /// Whether row r accepts.
    pub accepting: Vec<bool>,
}

/// A node of the diagram: a constant, or a class (by level) with its intervals as
/// (lower end, child); an interval reaches to the next one's lower end, the last to
/// infinity, and the first starts at 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Idd {
    Leaf(bool),
    Split(usize, Vec<(u32, u32)>),
}

/// The hash-consed diagram over one order of the classes.
struct Diagram {
    order: Vec<usize>,
    nodes: Interner<Idd>,
}

impl Diagram {
    fn node(&mut self, n: Idd) -> u32 {
        self.nodes.intern(n)
    }

    /// The diagram of the rows `rows` from level `level` on (`None`: two rows with equal
    /// counts disagree, so acceptance is not a function of the counts).
    fn build(&mut self, t: &CountTable, level: usize, rows: &mut [u32]) -> Option<u32> {
        let k = t.classes.len();
        if level == k {
            let first = t.accepting[rows[0] as usize];
            if rows.iter().any(|&r| t.accepting[r as usize] != first) {
                return None;
            }
            return Some(self.node(Idd::Leaf(first)));
        }
        let class = self.order[level];
        let count = |r: u32| t.counts[r as usize * k + class];
        rows.sort_unstable_by_key(|&r| count(r));
        let mut runs: Vec<(u32, u32)> = Vec::new();
        let mut at = 0;
        while at < rows.len() {
            let v = count(rows[at]);
            let end = at + rows[at..].partition_point(|&r| count(r) == v);
            let child = self.build(t, level + 1, &mut rows[at..end])?;
            // Counts no explored state has are free: the interval before them covers them.
            match runs.last() {
                Some(&(_, c)) if c == child => {}
                Some(_) => runs.push((v, child)),
                None => runs.push((0, child)),
            }
            at = end;
        }
        Some(if runs.len() == 1 {
            runs[0].1
        } else {
            self.node(Idd::Split(level, runs))
        })
    }

    /// The diagram's node `id` as a formula; `chi[c]` is class c's letter disjunction.
    fn formula(
        &self,
        id: u32,
        chi: &[NodeId],
        b: &mut Builder<'_>,
        memo: &mut HashMap<u32, NodeId>,
    ) -> NodeId {
        if let Some(&f) = memo.get(&id) {
            return f;
        }
        let out = match &self.nodes.list[id as usize] {
            Idd::Leaf(v) => b.konst(*v),
            Idd::Split(level, runs) => {
                let x = chi[self.order[*level]];
                let mut out = b.konst(false);
                for (i, &(lo, child)) in runs.iter().enumerate() {
                    let sub = self.formula(child, chi, b, memo);
                    if b.0.node(sub) == Node::False {
                        continue;
                    }
                    let at_least = b.0.add(Node::OnceAtLeast(lo, x));
                    let range = match runs.get(i + 1) {
                        Some(&(hi, _)) => {
                            let below = b.0.add(Node::OnceAtLeast(hi, x));
                            let below = b.not(below);
                            b.and(at_least, below)
                        }
                        None => at_least,
                    };
                    let term = b.and(range, sub);
                    out = b.or(out, term);
                }
                out
            }
        };
        memo.insert(id, out);
        out
    }
}

/// Every order of `0..k` for k ≤ 3 (the smallest diagram is kept), else the given one.
fn orders(k: usize) -> Vec<Vec<usize>> {
    fn perms(rest: &mut Vec<usize>, at: usize, out: &mut Vec<Vec<usize>>) {
        if at == rest.len() {
            out.push(rest.clone());
            return;
        }
        for i in at..rest.len() {
            rest.swap(at, i);
            perms(rest, at + 1, out);
            rest.swap(at, i);
        }
    }
    let mut out = Vec::new();
    let mut base: Vec<usize> = (0..k).collect();
    if k <= 3 {
        perms(&mut base, 0, &mut out);
    } else {
        out.push(base);
    }
    out
}

/// The count formula of `t` over the letter names `alphabet`, in `arena`: the smallest
/// over the class orders tried (`None` when acceptance is not a function of the counts).
pub fn count_formula(t: &CountTable, alphabet: &[String], arena: &mut Arena) -> Option<NodeId> {
    let k = t.classes.len();
    let rows = t.accepting.len() as u32;
    let chi: Vec<NodeId> = t
        .classes
        .iter()
        .map(|letters| {
            let mut b = Builder(arena);
            let mut f = b.konst(false);
            for &l in letters {
                let a = b.0.atom(&alphabet[l as usize]);
                f = b.or(f, a);
            }
            f
        })
        .collect();
    let mut best: Option<(usize, Diagram, u32)> = None;
    for order in orders(k) {
        let mut d = Diagram {
            order,
            nodes: Interner::default(),
        };
        let mut all: Vec<u32> = (0..rows).collect();
        let root = d.build(t, 0, &mut all)?;
        let size: usize = d
            .nodes
            .list
            .iter()
            .map(|n| match n {
                Idd::Leaf(_) => 1,
                Idd::Split(_, runs) => runs.len(),
            })
            .sum();
        if best.as_ref().is_none_or(|(s, _, _)| size < *s) {
            best = Some((size, d, root));
        }
    }
    let (_, d, root) = best?;
    let mut memo = HashMap::default();
    Some(d.formula(root, &chi, &mut Builder(arena), &mut memo))
}
