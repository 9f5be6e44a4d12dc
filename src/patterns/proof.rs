//! What a proof of full attention says, independent of the solver that gives it: the
//! obligations (causality, disjointness, coverage), their outcomes, and the re-checks of
//! every outcome against the pattern's own definitions. The z3 encoding lives in
//! `smt::patterns`; a build without z3 still checks the supports exhaustively.

use super::{Pattern, Seen};

/// The largest bound a proof accepts.
pub const MAX_BOUND: u64 = 1 << 62;

/// One proof obligation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Obligation {
    /// Every attended key j (direct or in a region) satisfies j ≤ i.
    Causal,
    /// Ω⁰(i) and every region are disjoint.
    DirectDisjoint,
    /// Two different regions are disjoint.
    RegionsDisjoint,
    /// Every j ≤ i is in Ω⁰(i) or in the region the pattern assigns to it.
    Covers,
}

impl Obligation {
    /// All four, in the order they are proved.
    pub const ALL: [Obligation; 4] = [
        Obligation::Causal,
        Obligation::DirectDisjoint,
        Obligation::RegionsDisjoint,
        Obligation::Covers,
    ];

    /// What the obligation says, for reports.
    pub fn statement(&self) -> &'static str {
        match self {
            Obligation::Causal => "every attended key j has j ≤ i",
            Obligation::DirectDisjoint => "Ω⁰(i) ∩ Ωʳ(i) = ∅ for every region r",
            Obligation::RegionsDisjoint => "Ωʳ(i) ∩ Ωˢ(i) = ∅ for regions r ≠ s",
            Obligation::Covers => "every j ≤ i is in Ω⁰(i) or in a region",
        }
    }

    /// The names of the values in a counterexample.
    pub fn witness_names(&self) -> &'static [&'static str] {
        match self {
            Obligation::Causal => &["i", "j", "r"],
            Obligation::DirectDisjoint => &["i", "j", "r"],
            Obligation::RegionsDisjoint => &["i", "j", "r", "s"],
            Obligation::Covers => &["i", "j"],
        }
    }
}

/// How one obligation ended.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Outcome {
    /// Proved for every i below the bound (z3: unsatisfiable negation).
    Proved,
    /// Nothing to prove: the pattern has no regions.
    Vacuous,
    /// A counterexample, values named by [`Obligation::witness_names`]; for `Covers`
    /// the smallest i, then the smallest j.
    Refuted {
        /// The values.
        values: Vec<u64>,
    },
    /// z3 gave up (time).
    Unknown {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// The counterexample, if refuted.
    pub fn refuted(&self) -> Option<&Vec<u64>> {
        match self {
            Outcome::Refuted { values } => Some(values),
            _ => None,
        }
    }
}

/// The result of a partition proof (`smt::patterns::prove_partition`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PartitionProof {
    /// Queries i < bound were covered.
    pub bound: u64,
    /// Each obligation with its outcome.
    pub outcomes: Vec<(Obligation, Outcome)>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl PartitionProof {
    /// The outcome of one obligation.
    pub fn outcome(&self, o: Obligation) -> &Outcome {
        &self
            .outcomes
            .iter()
            .find(|(x, _)| *x == o)
            .expect("every obligation is answered")
            .1
    }

    /// Whether coverage was proved.
    pub fn covers(&self) -> bool {
        self.outcome(Obligation::Covers) == &Outcome::Proved
    }

    /// Whether the parts were proved to stay causal and be pairwise disjoint.
    pub fn partitions(&self) -> bool {
        [
            Obligation::Causal,
            Obligation::DirectDisjoint,
            Obligation::RegionsDisjoint,
        ]
        .iter()
        .all(|&o| matches!(self.outcome(o), Outcome::Proved | Outcome::Vacuous))
    }
}

/// Queries below this are also checked exhaustively against the support runs.
pub const EXHAUSTIVE: u64 = 1024;

/// Checks a proof's claims against the support runs for every i < `upto`: every key
/// j ≤ i in exactly one part, the part the pointwise definition names. Returns the first
/// disagreement.
pub fn check_supports(p: &Pattern, upto: u64) -> Option<String> {
    for i in 0..upto {
        let s = p.support(i);
        let mut owner = vec![Seen::Unseen; i as usize + 1];
        let mut claim = |j: u64, who: Seen| -> Option<String> {
            if j > i {
                return Some(format!("query {i}: key {j} > i is attended"));
            }
            if owner[j as usize] != Seen::Unseen {
                return Some(format!("query {i}: key {j} is in two parts"));
            }
            owner[j as usize] = who;
            None
        };
        for r in &s.direct {
            for j in r.iter() {
                if let Some(e) = claim(j, Seen::Direct) {
                    return Some(e);
                }
            }
        }
        for r in &s.regions {
            for j in r.run.iter() {
                if let Some(e) = claim(j, Seen::Region(r.key)) {
                    return Some(e);
                }
            }
        }
        for (j, who) in owner.iter().enumerate() {
            if *who != p.seen(i, j as u64) {
                return Some(format!(
                    "query {i}, key {j}: the support says {who:?}, the definition {:?}",
                    p.seen(i, j as u64)
                ));
            }
        }
        let cost = s.direct_len() + s.regions.len() as u64;
        if cost != p.cost(i) {
            return Some(format!(
                "query {i}: cost {} counted, {cost} enumerated",
                p.cost(i)
            ));
        }
    }
    None
}

/// Re-checks every counterexample of `proof` against the pattern's definitions, and the
/// support runs against the pointwise definitions for every query below
/// min([`EXHAUSTIVE`], the proof's bound). An error is a bug (never a verdict).
pub fn recheck(p: &Pattern, proof: &PartitionProof) -> Result<u64, String> {
    for (o, r) in &proof.outcomes {
        if let Some(v) = r.refuted() {
            let ok = match o {
                Obligation::Covers => v[1] <= v[0] && p.seen(v[0], v[1]) == Seen::Unseen,
                Obligation::Causal => v[1] > v[0],
                Obligation::DirectDisjoint => p.direct(v[0], v[1]) && p.in_region(v[0], v[2], v[1]),
                Obligation::RegionsDisjoint => {
                    p.in_region(v[0], v[2], v[1]) && p.in_region(v[0], v[3], v[1])
                }
            };
            if !ok {
                return Err(format!(
                    "internal error: z3's counterexample {v:?} to `{}` does not hold for the definitions",
                    o.statement()
                ));
            }
        }
    }
    let upto = EXHAUSTIVE.min(proof.bound);
    match check_supports(p, upto) {
        Some(e) => Err(format!(
            "internal error: the support runs disagree with the definitions: {e}"
        )),
        None => Ok(upto),
    }
}
