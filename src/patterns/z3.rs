//! z3 proofs about attention patterns: for every query index i below a bound, the direct
//! set Ω⁰(i) and the regions Ωʳ(i) stay inside the causal prefix {j ≤ i}, are pairwise
//! disjoint, and cover it — Combiner's "full attention capability" — or a concrete
//! (i, j) where they do not.
//!
//! The sets are the pointwise definitions of [`Pattern::direct`] and
//! [`Pattern::in_region`], transcribed into 64-bit bit-vector arithmetic (divisions by
//! constants, masks for powers of two); coverage uses the region the pattern assigns to
//! each key ([`Pattern::region_of`]) as its witness, so every obligation is a
//! quantifier-free query that z3 decides by bit-blasting. Tests evaluate the
//! transcription against the Rust definitions on all small (i, j).
//!
//! ```
//! use ltlattn::patterns::Pattern;
//! use ltlattn::patterns::z3::{prove_partition, Obligation};
//! let proof = prove_partition(&Pattern::CombinerFixed { block: 8, columns: 1 }, 1 << 20, None);
//! assert!(proof.covers() && proof.partitions());
//! let window = prove_partition(&Pattern::Window { k: 3 }, 1 << 20, None);
//! // The smallest counterexample: query 4 does not see key 0.
//! assert_eq!(window.outcome(Obligation::Covers).refuted(), Some(&vec![4, 0]));
//! ```

use std::time::{Duration, Instant};

use z3::ast::{Bool, BV};
use z3::{Params, SatResult, Solver};

pub use crate::patterns::proof::{Obligation, Outcome, PartitionProof, MAX_BOUND};
use crate::patterns::Pattern;

/// Bit width of the encoding: indices up to 2^62 without overflow in i + k or 2^r.
const W: u32 = 64;

fn bv(name: &str) -> BV {
    BV::new_const(name, W)
}

fn c(v: u64) -> BV {
    BV::from_u64(v, W)
}

/// The pattern's sets as z3 terms over i, j (and region keys).
pub(crate) struct Encoding {
    pattern: Pattern,
}

impl Encoding {
    pub(crate) fn new(pattern: Pattern) -> Self {
        Encoding { pattern }
    }

    /// d is 0 or a power of two.
    fn pow2_or_zero(d: &BV) -> Bool {
        d.bvand(d.bvsub(c(1))).eq(c(0))
    }

    /// j ∈ Ω⁰(i), for j ≤ i, i, j < 2^62.
    pub(crate) fn direct(&self, i: &BV, j: &BV) -> Bool {
        let causal = j.bvule(i);
        let body = match self.pattern {
            Pattern::Global => Bool::from_bool(true),
            Pattern::Window { k } => i.bvule(j.bvadd(c(k))),
            Pattern::Fixed {
                block: s,
                columns: col,
            }
            | Pattern::CombinerFixed {
                block: s,
                columns: col,
            } => Bool::or(&[
                j.bvudiv(c(s)).eq(i.bvudiv(c(s))),
                j.bvurem(c(s)).bvadd(c(col)).bvuge(c(s)),
            ]),
            Pattern::Strided { stride: l } => {
                Bool::or(&[i.bvule(j.bvadd(c(l))), i.bvsub(j).bvurem(c(l)).eq(c(0))])
            }
            Pattern::Logsparse | Pattern::CombinerLogsparse => Self::pow2_or_zero(&i.bvsub(j)),
            Pattern::Axial { width: m } | Pattern::CombinerAxial { width: m } => Bool::or(&[
                j.bvudiv(c(m)).eq(i.bvudiv(c(m))),
                j.bvurem(c(m)).eq(i.bvurem(c(m))),
            ]),
        };
        Bool::and(&[causal, body])
    }

    /// j ∈ Ωʳ(i) for region key r.
    pub(crate) fn in_region(&self, i: &BV, r: &BV, j: &BV) -> Bool {
        let causal = j.bvule(i);
        let body = match self.pattern {
            Pattern::CombinerFixed {
                block: s,
                columns: col,
            } => Bool::and(&[
                r.bvult(i.bvudiv(c(s))),
                j.bvudiv(c(s)).eq(r),
                j.bvurem(c(s)).bvadd(c(col)).bvult(c(s)),
            ]),
            Pattern::CombinerLogsparse => {
                let d = i.bvsub(j);
                Bool::and(&[
                    r.bvuge(c(2)),
                    r.bvult(c(64)),
                    c(1).bvshl(r.bvsub(c(1))).bvult(&d),
                    d.bvult(c(1).bvshl(r)),
                ])
            }
            Pattern::CombinerAxial { width: m } => Bool::and(&[
                r.bvult(c(m)),
                r.eq(i.bvurem(c(m))).not(),
                j.bvurem(c(m)).eq(r),
                j.bvudiv(c(m)).bvult(i.bvudiv(c(m))),
            ]),
            _ => Bool::from_bool(false),
        };
        Bool::and(&[causal, body])
    }

    /// The region the pattern assigns to key j (meaningful for j ≤ i).
    pub(crate) fn region_of(&self, i: &BV, j: &BV) -> Option<BV> {
        match self.pattern {
            Pattern::CombinerFixed { block: s, .. } => Some(j.bvudiv(c(s))),
            Pattern::CombinerLogsparse => {
                // Bit length of d: the index of the highest set bit, plus one.
                let d = i.bvsub(j);
                let mut len = c(0);
                for b in 0..W {
                    len = d
                        .extract(b, b)
                        .eq(BV::from_u64(1, 1))
                        .ite(&c(u64::from(b) + 1), &len);
                }
                Some(len)
            }
            Pattern::CombinerAxial { width: m } => Some(j.bvurem(c(m))),
            _ => None,
        }
    }
}

/// Proves the four [`Obligation`]s for every query i < `bound` (at most [`MAX_BOUND`]).
pub fn prove_partition(pattern: &Pattern, bound: u64, timeout: Option<Duration>) -> PartitionProof {
    let start = Instant::now();
    let bound = bound.min(MAX_BOUND);
    let enc = Encoding::new(*pattern);
    let (i, j, r, s) = (bv("i"), bv("j"), bv("r"), bv("s"));
    let in_bound = i.bvult(c(bound));
    let summaries = pattern.has_summaries();
    let mut outcomes = Vec::new();
    for o in Obligation::ALL {
        let (vars, violation): (Vec<&BV>, Bool) = match o {
            Obligation::Causal => (
                vec![&i, &j, &r],
                Bool::and(&[
                    Bool::or(&[enc.direct(&i, &j), enc.in_region(&i, &r, &j)]),
                    i.bvult(&j),
                ]),
            ),
            Obligation::DirectDisjoint if summaries => (
                vec![&i, &j, &r],
                Bool::and(&[enc.direct(&i, &j), enc.in_region(&i, &r, &j)]),
            ),
            Obligation::RegionsDisjoint if summaries => (
                vec![&i, &j, &r, &s],
                Bool::and(&[
                    r.eq(&s).not(),
                    enc.in_region(&i, &r, &j),
                    enc.in_region(&i, &s, &j),
                ]),
            ),
            Obligation::DirectDisjoint | Obligation::RegionsDisjoint => {
                outcomes.push((o, Outcome::Vacuous));
                continue;
            }
            Obligation::Covers => {
                let seen = match enc.region_of(&i, &j) {
                    Some(w) => Bool::or(&[enc.direct(&i, &j), enc.in_region(&i, &w, &j)]),
                    None => enc.direct(&i, &j),
                };
                (vec![&i, &j], Bool::and(&[j.bvule(&i), seen.not()]))
            }
        };
        let left = timeout.map(|t| t.saturating_sub(start.elapsed()));
        let outcome = solve(
            &[in_bound.clone(), violation],
            &vars,
            o == Obligation::Covers,
            left,
        );
        outcomes.push((o, outcome));
    }
    PartitionProof {
        bound,
        outcomes,
        seconds: start.elapsed().as_secs_f64(),
    }
}

fn check(solver: &Solver, extra: &[Bool], left: Option<Duration>) -> SatResult {
    if let Some(t) = left {
        let mut p = Params::new();
        p.set_u32(
            "timeout",
            t.as_millis().clamp(1, u128::from(u32::MAX)) as u32,
        );
        solver.set_params(&p);
    }
    solver.check_assumptions(extra)
}

/// Searches a satisfying assignment of `facts`; with `minimize`, the smallest value of
/// each of `vars` in turn (binary search on an upper bound).
fn solve(facts: &[Bool], vars: &[&BV], minimize: bool, left: Option<Duration>) -> Outcome {
    let start = Instant::now();
    let solver = Solver::new();
    for f in facts {
        solver.assert(f);
    }
    let remaining = || left.map(|t| t.saturating_sub(start.elapsed()));
    let unknown = |solver: &Solver| Outcome::Unknown {
        reason: solver
            .get_reason_unknown()
            .unwrap_or_else(|| "unknown".into()),
    };
    match check(&solver, &[], remaining()) {
        SatResult::Unsat => return Outcome::Proved,
        SatResult::Unknown => return unknown(&solver),
        SatResult::Sat => {}
    }
    let value = |solver: &Solver, v: &BV| {
        solver
            .get_model()
            .and_then(|m| m.eval(v, true))
            .and_then(|x| x.as_u64())
            .unwrap_or(0)
    };
    let mut values: Vec<u64> = vars.iter().map(|v| value(&solver, v)).collect();
    if minimize {
        for (n, v) in vars.iter().enumerate() {
            // Smallest x with a model where v = x: v ≤ hi is satisfiable, v < lo is not.
            let (mut lo, mut hi) = (0u64, values[n]);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                match check(&solver, &[v.bvule(c(mid))], remaining()) {
                    SatResult::Sat => hi = mid,
                    SatResult::Unsat => lo = mid + 1,
                    SatResult::Unknown => return unknown(&solver),
                }
            }
            solver.assert((*v).eq(c(hi)));
            if check(&solver, &[], remaining()) != SatResult::Sat {
                return unknown(&solver);
            }
            values = vars.iter().map(|v| value(&solver, v)).collect();
        }
    }
    Outcome::Refuted { values }
}

#[cfg(test)]
mod tests {
    use super::*;
    use z3::ast::Ast;

    /// The z3 transcription agrees with the Rust definitions on every (i, j, r), j ≤ i < 40.
    #[test]
    fn encoding_matches_the_definitions() {
        let patterns = [
            Pattern::Global,
            Pattern::Window { k: 3 },
            Pattern::Fixed {
                block: 4,
                columns: 1,
            },
            Pattern::Strided { stride: 3 },
            Pattern::Logsparse,
            Pattern::Axial { width: 5 },
            Pattern::CombinerFixed {
                block: 4,
                columns: 2,
            },
            Pattern::CombinerLogsparse,
            Pattern::CombinerAxial { width: 5 },
        ];
        for p in patterns {
            let enc = Encoding::new(p);
            let (i, j, r) = (bv("i"), bv("j"), bv("r"));
            let direct = enc.direct(&i, &j);
            let region = enc.in_region(&i, &r, &j);
            let witness = enc.region_of(&i, &j);
            for x in 0..40u64 {
                for y in 0..=x + 1 {
                    let at = |t: &Bool| {
                        let sub = t.substitute(&[(&i, &c(x)), (&j, &c(y))]);
                        sub.simplify().as_bool().expect("ground")
                    };
                    assert_eq!(at(&direct), p.direct(x, y), "{p} direct({x},{y})");
                    for key in 0..12u64 {
                        let t = region.substitute(&[(&r, &c(key))]);
                        assert_eq!(
                            at(&t),
                            p.in_region(x, key, y),
                            "{p} in_region({x},{key},{y})"
                        );
                    }
                    if let Some(w) = &witness {
                        let got = w
                            .substitute(&[(&i, &c(x)), (&j, &c(y))])
                            .simplify()
                            .as_u64();
                        if y <= x {
                            assert_eq!(got, p.region_of(x, y), "{p} region_of({x},{y})");
                        }
                    }
                }
            }
        }
    }
}
