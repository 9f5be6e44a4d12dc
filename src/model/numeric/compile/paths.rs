//! Bounds over the paths of the stage graph (grammar/numeric.md, "Proofs by bounds",
//! the third pass).
//!
//! A global head's count vector at ⊣ is the Parikh vector of a path of the stage graph
//! (the layers below the last, minimized) from its start to the state before ⊣: each
//! letter position is one edge, labelled with its key class. Per-class bounds on the
//! counts ([`super::bounds`]' most counts) let the classes of different branches occur
//! together, which no path does. Here, for fixed μ and d, a component of the head's
//! sum, Σ_e x_e r_e with r = α·v, is bounded over the paths whose Σ_e x_e e_e lies in
//! [lo_d, hi_d] by Lagrangian duality: for every real λ,
//!
//! ```text
//!   Σ r  =  Σ (r − λ e) + λ Σ e  ≤  longest_λ(b) + max(λ·lo_d, λ·hi_d),
//! ```
//!
//! where longest_λ(b) is the longest path to b with edge weights r − λe (+∞ when a
//! cycle of positive weight lies on the way). Every λ gives a valid bound; a handful
//! spread over the ratios r/e is tried and the least kept. The stage graphs of trained
//! models are acyclic but for a few small components (the lower layers settle), so one
//! pass in topological order computes longest_λ at every state at once.

/// Multipliers λ tried per component and direction.
pub(super) const LAMBDA_COUNT: usize = 12;

/// The most work (component states × internal edges × lanes) spent on the longest
/// paths inside one strongly connected component; above it the component's lanes are
/// taken as unbounded (sound, and only loose).
const COMPONENT_WORK: usize = 50_000_000;

/// The stage graph: edge `b·letters + r` goes from state b to `trans[..]` and carries
/// the key class `key[..]` (an index into the prover's key list).
pub(super) struct StageGraph {
    #[cfg_attr(not(test), allow(dead_code))]
    trans: Vec<u32>,
    key: Vec<usize>,
    #[cfg_attr(not(test), allow(dead_code))]
    letters: usize,
    /// States, each strongly connected component's together, components in
    /// topological order.
    order: Vec<u32>,
    /// Per component: its range in `order`, and whether it has a cycle.
    comps: Vec<(usize, usize, bool)>,
    comp_of: Vec<u32>,
    /// Per state: its incoming edges (source state, edge).
    preds: Vec<Vec<(u32, u32)>>,
}

impl StageGraph {
    pub(super) fn new(trans: &[u32], key: &[usize], letters: usize) -> StageGraph {
        let n = trans.len() / letters.max(1);
        let mut g = petgraph::graph::DiGraph::<(), ()>::with_capacity(n, trans.len());
        for _ in 0..n {
            g.add_node(());
        }
        let mut preds = vec![Vec::new(); n];
        for (e, &to) in trans.iter().enumerate() {
            let from = e / letters;
            g.add_edge(
                petgraph::graph::NodeIndex::new(from),
                petgraph::graph::NodeIndex::new(to as usize),
                (),
            );
            preds[to as usize].push((from as u32, e as u32));
        }
        // Kosaraju gives the components in reverse topological order.
        let mut sccs = petgraph::algo::kosaraju_scc(&g);
        sccs.reverse();
        let mut order = Vec::with_capacity(n);
        let mut comps = Vec::with_capacity(sccs.len());
        let mut comp_of = vec![0u32; n];
        for (c, scc) in sccs.iter().enumerate() {
            let start = order.len();
            for v in scc {
                order.push(v.index() as u32);
                comp_of[v.index()] = c as u32;
            }
            let cyclic = scc.len() > 1
                || (0..letters)
                    .any(|r| trans[scc[0].index() * letters + r] as usize == scc[0].index());
            comps.push((start, order.len(), cyclic));
        }
        StageGraph {
            trans: trans.to_vec(),
            key: key.to_vec(),
            letters,
            order,
            comps,
            comp_of,
            preds,
        }
    }

    pub(super) fn states(&self) -> usize {
        self.preds.len()
    }

    /// For each of `lanes` weightings (`weight[key · lanes + lane]`; a key with
    /// `present[key]` false is no edge), the largest total weight of a path from state 0
    /// to each state, `dist[state · lanes + lane]` (written into `dist`, whose old
    /// contents are dropped: one buffer serves many calls): −∞ where no path goes, +∞
    /// where a cycle that may have positive weight lies on the way.
    /// `tol[key · lanes + lane]`: how far below 0 a weight must be to count as negative
    /// inside a cycle (its f64 error); a weight of exactly 0 with `zero[key]` is exactly
    /// 0. With `active`, only paths through active states count (an inactive state is
    /// −∞ and passes nothing on).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn longest(
        &self,
        weight: &[f64],
        tol: &[f64],
        zero: &[bool],
        present: &[bool],
        lanes: usize,
        active: Option<&[bool]>,
        dist: &mut Vec<f64>,
    ) {
        let n = self.states();
        dist.clear();
        dist.resize(n * lanes, f64::NEG_INFINITY);
        let on = |v: usize| active.is_none_or(|a| a[v]);
        if n == 0 || !on(0) {
            return;
        }
        for x in &mut dist[..lanes] {
            *x = 0.0;
        }
        for &(start, end, cyclic) in &self.comps {
            let members = &self.order[start..end];
            let comp = self.comp_of[members[0] as usize];
            // Edges from earlier components (and, in an acyclic component, all of them).
            for &v in members {
                let v = v as usize;
                if !on(v) {
                    continue;
                }
                for &(u, e) in &self.preds[v] {
                    let u = u as usize;
                    let k = self.key[e as usize];
                    if !present[k] || !on(u) || (cyclic && self.comp_of[u] == comp) {
                        continue;
                    }
                    relax(dist, u, v, &weight[k * lanes..(k + 1) * lanes], lanes);
                }
            }
            if !cyclic {
                continue;
            }
            // Inside a cycle: a lane with an edge that may be positive is unbounded
            // past it; the others (every cycle ≤ 0) settle within |component| rounds.
            let internal: Vec<(usize, usize, usize)> = members
                .iter()
                .filter(|&&v| on(v as usize))
                .flat_map(|&v| {
                    let v = v as usize;
                    self.preds[v]
                        .iter()
                        .filter(move |&&(u, _)| self.comp_of[u as usize] == comp)
                        .map(move |&(u, e)| (u as usize, v, self.key[e as usize]))
                })
                .filter(|&(u, _, k)| present[k] && on(u))
                .collect();
            let work = members.len() * internal.len() * lanes;
            for lane in 0..lanes {
                let reached = members
                    .iter()
                    .any(|&v| dist[v as usize * lanes + lane] > f64::NEG_INFINITY);
                if !reached {
                    continue;
                }
                let positive = work > COMPONENT_WORK
                    || internal.iter().any(|&(_, _, k)| {
                        !zero[k] && weight[k * lanes + lane] > -tol[k * lanes + lane]
                    });
                if positive {
                    for &v in members {
                        if on(v as usize) {
                            dist[v as usize * lanes + lane] = f64::INFINITY;
                        }
                    }
                    continue;
                }
                for _ in 0..members.len() {
                    let mut changed = false;
                    for &(u, v, k) in &internal {
                        let c = dist[u * lanes + lane] + weight[k * lanes + lane];
                        if c > dist[v * lanes + lane] {
                            dist[v * lanes + lane] = c;
                            changed = true;
                        }
                    }
                    if !changed {
                        break;
                    }
                }
            }
        }
    }

    /// The states with a path to one of `targets` (the targets among them).
    pub(super) fn ancestors(&self, targets: &[usize]) -> Vec<bool> {
        let mut on = vec![false; self.states()];
        let mut work: Vec<usize> = Vec::with_capacity(targets.len());
        for &b in targets {
            if !on[b] {
                on[b] = true;
                work.push(b);
            }
        }
        while let Some(v) = work.pop() {
            for &(u, _) in &self.preds[v] {
                if !on[u as usize] {
                    on[u as usize] = true;
                    work.push(u as usize);
                }
            }
        }
        on
    }

    /// Edges leaving state `b` (for the tests).
    #[cfg(test)]
    fn next(&self, b: usize, r: usize) -> usize {
        self.trans[b * self.letters + r] as usize
    }
}

fn relax(dist: &mut [f64], u: usize, v: usize, w: &[f64], lanes: usize) {
    let (from, to) = if u < v {
        let (a, b) = dist.split_at_mut(v * lanes);
        (&a[u * lanes..(u + 1) * lanes], &mut b[..lanes])
    } else if u > v {
        let (a, b) = dist.split_at_mut(u * lanes);
        (&b[..lanes], &mut a[v * lanes..(v + 1) * lanes])
    } else {
        // A self-loop outside a cycle cannot be: a self-loop makes its component cyclic.
        return;
    };
    for ((t, f), w) in to.iter_mut().zip(from).zip(w) {
        let c = f + w;
        if c > *t {
            *t = c;
        }
    }
}

/// The multipliers to try for one component and direction: 0, the extreme ratios, and
/// quantiles of the ratios between.
pub(super) fn lambdas(ratios: &mut Vec<f64>) -> Vec<f64> {
    ratios.retain(|r| r.is_finite());
    ratios.sort_unstable_by(f64::total_cmp);
    ratios.dedup();
    let mut out = vec![0.0];
    if let (Some(&lo), Some(&hi)) = (ratios.first(), ratios.last()) {
        out.push(lo);
        // Just above the largest ratio: every weight r − λe with e > 0 is then strictly
        // negative, so no cycle makes the lane unbounded (at λ = the ratio itself, that
        // key's weight would be 0 and taken as possibly positive).
        out.push(hi + hi.abs() * 2f64.powi(-30) + 2f64.powi(-60));
        let inner = LAMBDA_COUNT.saturating_sub(3);
        for q in 1..=inner {
            out.push(ratios[q * (ratios.len() - 1) / (inner + 1)]);
        }
    }
    out.sort_unstable_by(f64::total_cmp);
    out.dedup();
    out.resize(LAMBDA_COUNT, *out.last().unwrap_or(&0.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heaviest walk from state 0 to each state with at most `n` edges through
    /// active states, per lane, by the plain recurrence over lengths (no components, no
    /// cycle test).
    fn heaviest_walks(
        g: &StageGraph,
        weight: &[f64],
        present: &[bool],
        active: Option<&[bool]>,
        lanes: usize,
        n: usize,
    ) -> Vec<f64> {
        let states = g.states();
        let on = |v: usize| active.is_none_or(|a| a[v]);
        let mut now = vec![f64::NEG_INFINITY; states * lanes];
        if on(0) {
            now[..lanes].fill(0.0);
        }
        let mut best = now.clone();
        for _ in 0..n {
            let mut next = vec![f64::NEG_INFINITY; states * lanes];
            for b in 0..states {
                for r in 0..g.letters {
                    let k = g.key[b * g.letters + r];
                    let to = g.next(b, r);
                    if !present[k] || !on(b) || !on(to) {
                        continue;
                    }
                    for l in 0..lanes {
                        let c = now[b * lanes + l] + weight[k * lanes + l];
                        if c > next[to * lanes + l] {
                            next[to * lanes + l] = c;
                        }
                    }
                }
            }
            for (x, y) in best.iter_mut().zip(&next) {
                *x = x.max(*y);
            }
            now = next;
        }
        best
    }

    /// The longest paths bound every walk of up to 40 edges on random graphs with
    /// integer weights, and where no cycle makes them unbounded, the heaviest walk
    /// reaches them.
    #[test]
    fn longest_paths_bound_every_walk() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let mut dist = Vec::new();
        for _ in 0..300 {
            let n = 1 + rnd(7) as usize;
            let letters = 1 + rnd(2) as usize;
            let keys = 1 + rnd(4) as usize;
            // Mostly forward edges (acyclic), sometimes back.
            let trans: Vec<u32> = (0..n * letters)
                .map(|e| {
                    let b = e / letters;
                    if rnd(5) == 0 {
                        rnd(n as u64) as u32
                    } else {
                        (b + 1 + rnd(2) as usize).min(n - 1) as u32
                    }
                })
                .collect();
            let key: Vec<usize> = (0..n * letters)
                .map(|_| rnd(keys as u64) as usize)
                .collect();
            let lanes = 3;
            let weight: Vec<f64> = (0..keys * lanes).map(|_| rnd(7) as f64 - 4.0).collect();
            let present: Vec<bool> = (0..keys).map(|_| rnd(5) != 0).collect();
            let zero: Vec<bool> = (0..keys)
                .map(|k| (0..lanes).all(|l| weight[k * lanes + l] == 0.0))
                .collect();
            let tol = vec![0.0; keys * lanes];
            let g = StageGraph::new(&trans, &key, letters);
            // Every state active, then (one time in two) a random set of them: walks
            // through active states only. The buffer is the last graph's, as in the prover.
            let mask: Vec<bool> = (0..n).map(|_| rnd(4) != 0).collect();
            // The ancestors of a random set of targets: the states from which a walk
            // (by the plain forward closure) reaches one.
            let targets: Vec<usize> = (0..n).filter(|_| rnd(3) == 0).collect();
            let up = g.ancestors(&targets);
            for (v, &is) in up.iter().enumerate() {
                let mut seen = vec![false; n];
                let mut work = vec![v];
                seen[v] = true;
                while let Some(x) = work.pop() {
                    for r in 0..letters {
                        let y = g.next(x, r);
                        if !seen[y] {
                            seen[y] = true;
                            work.push(y);
                        }
                    }
                }
                assert_eq!(is, targets.iter().any(|&t| seen[t]), "state {v}");
            }
            for active in [None, Some(&mask[..]).filter(|_| rnd(2) == 0)] {
                g.longest(&weight, &tol, &zero, &present, lanes, active, &mut dist);
                // 40 edges: several times around any cycle of these ≤ 7 states.
                let walks = heaviest_walks(&g, &weight, &present, active, lanes, 40);
                assert_eq!(dist.len(), walks.len());
                for (i, (&w, &d)) in walks.iter().zip(&dist).enumerate() {
                    assert!(
                        w <= d,
                        "state {}, lane {}: a walk of weight {w} above the bound {d}",
                        i / lanes,
                        i % lanes
                    );
                    // No cycle of positive weight on the way: a simple path is the longest.
                    if d.is_finite() || d == f64::NEG_INFINITY {
                        assert_eq!(w, d, "state {}, lane {}", i / lanes, i % lanes);
                    }
                }
            }
        }
    }

    #[test]
    fn lambdas_take_zero_and_the_extremes() {
        let mut r = vec![3.0, -1.0, 2.0, 2.0, 0.5];
        let l = lambdas(&mut r);
        assert_eq!(l.len(), LAMBDA_COUNT);
        for x in [0.0, -1.0] {
            assert!(l.contains(&x));
        }
        // Just above the largest ratio, not at it.
        assert!(l.iter().any(|&x| x > 3.0 && x < 3.0 + 1e-6));
    }
}
