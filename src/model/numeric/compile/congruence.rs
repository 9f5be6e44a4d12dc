//! Counts that stay small: the exact congruence on a layer's key-class counts
//! (grammar/numeric.md, "Counts that no continuation can tell apart").
//!
//! A global head reads the counts c of the key classes present (the support S) only
//! through a few sums. For a query type t the present maximum is μ = max over S of the
//! scores; each class then weighs eₖ = round(exp(sₖ − μ)), the denominator is
//! D = round_D(L) with L = Σ cₖ·eₖ, each α is round(eₖ/D), and the output is
//! round(Σ cₖ·αₖ·vₖ). Counts only grow and μ only rises, so what a continuation can
//! still see of c is, for every query type t and every maximum m ≥ μ(S) that a later
//! class could bring (a *form*: the head and the weights eₖ at that maximum):
//!
//! - L_form(c), exactly, until it *saturates* (D is +∞ or round(1/D) = 0: every α is 0
//!   then and stays 0 as L grows, so the form answers the zero vector forever);
//! - the count of every class that is *live*: some unsaturated form gives it α > 0 and
//!   its value is not the zero vector. A class that is not live adds 0 to every average
//!   from now on (α only falls as L grows), so only its share of the sums L matters,
//!   and that is in the L's.
//!
//! Two count vectors with the same support, window, L's (or saturation) and live counts
//! answer every query alike, and one more key of any class keeps them alike (each L
//! grows by the same weight, a class never becomes live again, the live counts grow
//! alike): the relation is a congruence, and merging its classes is exact at every
//! length. It replaces per-class caps: K classes with caps cₖ give ∏ cₖ count vectors,
//! but the sums they feed take far fewer values. The forms need every query type and
//! every class of the layer, so the congruence is used once the layers below are
//! explored ([`super::explore`]); the query types are those the layer is asked at.

use super::*;

/// A layer's congruence: its forms and the parts found so far, by signature.
pub(super) struct Congruence {
    /// Per (global head, query type): every class's score and the distinct scores,
    /// ascending, each with the form it gives as the maximum.
    queries: Vec<Query>,
    /// The forms: the head and each class's weight at that maximum (`None` where the
    /// class scores above it: it cannot be present then).
    forms: Vec<(usize, Vec<Option<Num>>)>,
    /// Per head: which classes have a value that is not the zero vector.
    nonzero: Vec<Vec<bool>>,
    /// Support → the forms a continuation can reach (maxima ≥ the support's).
    relevant: HashMap<Box<[u32]>, Box<[u32]>>,
    /// Exact sums, numbered.
    sums: Interner<Num>,
    /// Signature → the part that represents it.
    pub(super) index: HashMap<Box<[u32]>, u32>,
}

struct Query {
    scores: Vec<Num>,
    levels: Vec<(Num, u32)>,
}

/// The most forms a layer's congruence keeps: every new part computes each reachable
/// form's sum, so a layer asked at hundreds of query types (a trained model's last
/// layer: one form per query type and maximum) keeps the per-class caps instead.
pub(super) const MAX_FORMS: usize = 512;

thread_local! {
    static MUTATION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// For the tests that must fail under it: a wrong congruence, which leaves the sums out
/// of the signature (count vectors with the same support and live counts merge).
#[doc(hidden)]
pub fn mutate_congruence_for_tests(on: bool) {
    MUTATION.with(|m| m.set(on));
}

/// A saturated sum, in a signature.
const SATURATED: u32 = u32::MAX;
/// Separates a signature's fields.
const SEP: u32 = u32::MAX - 1;

impl Congruence {
    /// The congruence of layer `l` of `c`'s model, asked at the query types `queries`,
    /// with every class of the layer known. `None` when the layer has no global head, or
    /// more than [`MAX_FORMS`] forms.
    pub(super) fn new(
        c: &mut Compiler<'_>,
        l: usize,
        queries: &[u32],
    ) -> Result<Option<Congruence>, ExecError> {
        let model = c.model;
        if !model.has_global(l) {
            return Ok(None);
        }
        let f = model.format;
        let classes = c.classes[l].list.len();
        let mut forms: Interner<(usize, Vec<Option<Num>>)> = Interner::default();
        let mut out = Vec::new();
        let mut nonzero = Vec::new();
        for (hd, head) in model.layers[l].heads.iter().enumerate() {
            nonzero.push(
                c.classes[l]
                    .list
                    .iter()
                    .map(|p| p[hd].1.iter().any(|x| x.signum() != 0))
                    .collect(),
            );
            if head.range != NumRange::Global {
                continue;
            }
            for &t in queries {
                let scores = c.scores(l, hd, t)?;
                debug_assert_eq!(scores.len(), classes);
                let mut distinct = scores.clone();
                distinct.sort();
                distinct.dedup();
                let mut levels = Vec::with_capacity(distinct.len());
                for m in distinct {
                    let mut weights = Vec::with_capacity(classes);
                    for s in &scores {
                        weights.push(if *s <= m {
                            let nan = |nan| ExecError {
                                what: format!("layer {l}, head {hd}, exp"),
                                nan,
                            };
                            Some(f.exp(&s.sub(&m).map_err(nan)?).map_err(nan)?)
                        } else {
                            None
                        });
                    }
                    let id = forms.intern((hd, weights));
                    if forms.list.len() > MAX_FORMS {
                        return Ok(None);
                    }
                    levels.push((m, id));
                }
                out.push(Query { scores, levels });
            }
        }
        Ok(Some(Congruence {
            queries: out,
            forms: forms.list,
            nonzero,
            relevant: HashMap::default(),
            sums: Interner::default(),
            index: HashMap::default(),
        }))
    }

    /// The forms a continuation of a part with support `support` can reach.
    fn relevant(&mut self, support: &[u32]) -> &[u32] {
        if !self.relevant.contains_key(support) {
            let mut ids: Vec<u32> = Vec::new();
            for q in &self.queries {
                let Some(mu) = support.iter().map(|&k| &q.scores[k as usize]).max() else {
                    continue;
                };
                let from = q.levels.partition_point(|(m, _)| m < mu);
                // A form that weighs no present class has the sum 0 and no live class
                // for every count vector of this support: it tells none apart.
                let weighs = |id: u32| {
                    support.iter().any(|&k| {
                        self.forms[id as usize].1[k as usize]
                            .as_ref()
                            .is_some_and(|e| e.signum() != 0)
                    })
                };
                ids.extend(
                    q.levels[from..]
                        .iter()
                        .map(|&(_, id)| id)
                        .filter(|&id| weighs(id)),
                );
            }
            ids.sort_unstable();
            ids.dedup();
            self.relevant
                .insert(Box::from(support), ids.into_boxed_slice());
        }
        &self.relevant[support]
    }

    /// The signature of a part (a row of [`Part`]): its support, window, every
    /// reachable form's sum (or [`SATURATED`]) and the counts of its live classes.
    /// `None` when a step would be NaN (the part is then kept as it is).
    pub(super) fn signature(&mut self, f: &Format, row: &[u32], out: &mut Vec<u32>) -> Option<()> {
        let part = Part(row);
        let support: Vec<u32> = part.counts().map(|(k, _)| k).collect();
        let counts: Vec<u32> = part.counts().map(|(_, n)| n).collect();
        out.clear();
        out.extend_from_slice(&support);
        out.push(SEP);
        out.extend_from_slice(part.window());
        out.push(SEP);
        let mut live = vec![false; support.len()];
        let relevant = self.relevant(&support).to_vec();
        for id in relevant {
            let (hd, weights) = &self.forms[id as usize];
            let mut terms = Vec::with_capacity(support.len());
            for (&k, &n) in support.iter().zip(&counts) {
                let e = weights[k as usize].as_ref()?;
                terms.push(e.mul(&Num::int(n as u64)).ok()?);
            }
            let sum = Num::sum(&terms).ok()?;
            let d = f.round_denominator(&sum).ok()?;
            // Saturated: every α is 0 now and for every larger sum. A denominator of 0
            // (a form of a maximum no present class has: its sum is tiny or 0) is not:
            // the class that brings that maximum adds 1.
            let positive = d.signum() > 0;
            if positive && super::super::exec::divide(f, &Num::int(1), &d).signum() == 0 {
                out.push(SATURATED);
                continue;
            }
            if !MUTATION.with(|m| m.get()) {
                out.push(self.sums.intern(sum));
            }
            for (i, &k) in support.iter().enumerate() {
                if !live[i] && self.nonzero[*hd][k as usize] {
                    let e = weights[k as usize].as_ref()?;
                    // α only falls as the sum grows, so α > 0 now bounds every later α;
                    // with no positive denominator yet, any weight may still count.
                    live[i] = if positive {
                        super::super::exec::divide(f, e, &d).signum() != 0
                    } else {
                        e.signum() != 0
                    };
                }
            }
        }
        out.push(SEP);
        for ((&k, &n), &is_live) in support.iter().zip(&counts).zip(&live) {
            if is_live {
                out.extend([k, n]);
            }
        }
        Some(())
    }
}
