//! `attention`: the request (a pattern, its parameters and the budgets) and the typed
//! report that `attention --json` prints and `serve` answers. [`attention`] decides
//! everything (the pattern, the proof and its re-check, the costs, the growth fits, the
//! picture); the front ends only parse the request and render or serialize the report.
//!
//! The report's fields are declared in alphabetical order, at every level: that is the
//! order its keys have always had (the report used to be a `serde_json::Value`, whose
//! keys are sorted), and a test holds the two to each other.

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::proof::{recheck, Obligation, Outcome, PartitionProof, MAX_BOUND};
use super::{ceil_sqrt, fit, mask, picture, Fit, Pattern};

/// Largest length whose cost is counted.
pub const MAX_LENGTH: u64 = 1 << 24;
/// Largest mask picture.
pub const MAX_PICTURE: u64 = 128;

/// What `attention` is asked: a pattern by name and its parameters, the length of the
/// cost counts and the picture, and the bound of the proof.
#[derive(Clone, Debug)]
pub struct AttentionRequest {
    /// The pattern's name ([`Pattern::NAMES`]).
    pub pattern: String,
    /// Block size s of fixed and combiner-fixed.
    pub block: Option<u64>,
    /// Window k of window.
    pub window: Option<u64>,
    /// Stride l of strided.
    pub stride: Option<u64>,
    /// Row width m of axial and combiner-axial (default ⌈√L⌉).
    pub width: Option<u64>,
    /// Summary columns c of fixed and combiner-fixed (default 1).
    pub summary_columns: Option<u64>,
    /// Sequence length L of the cost counts.
    pub length: u64,
    /// Draw the mask of the first N queries (`None`: all of them when L ≤ 64, else none).
    pub picture: Option<u64>,
    /// Prove for every query index below this bound (1 to 2^62).
    pub bound: u64,
}

/// A request `attention` cannot answer (an unknown pattern, a parameter it has not, a
/// length or picture out of range, a counterexample the definitions do not confirm).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AttentionError(pub String);

/// Parses a proof bound written as a number or `2^k` (between 1 and 2^62).
pub fn parse_bound(s: &str) -> Result<u64, String> {
    let v = match s.split_once('^') {
        Some(("2", k)) => {
            let k: u32 = k
                .trim()
                .parse()
                .map_err(|_| format!("not a power of two: {s}"))?;
            if k > 62 {
                return Err(format!("the bound is at most 2^62, not {s}"));
            }
            1u64 << k
        }
        Some(_) => return Err(format!("write the bound as a number or 2^k, not {s}")),
        None => s.trim().parse().map_err(|_| format!("not a number: {s}"))?,
    };
    check_bound(v)
}

/// A proof's bound as a number: between 1 and 2^62 ([`MAX_BOUND`]).
pub fn check_bound(v: u64) -> Result<u64, String> {
    if v == 0 || v > MAX_BOUND {
        return Err(format!("the bound must be between 1 and 2^62, not {v}"));
    }
    Ok(v)
}

/// The `attention` report: the pattern, the proof of full attention, the costs, their
/// growth and the mask.
#[derive(Clone, Debug, Serialize)]
pub struct AttentionReport {
    /// The cost counts at length L.
    pub cost: Cost,
    /// The pattern's definition, one line per part (direct keys, regions).
    pub definition: Vec<String>,
    /// The growth laws fitted to the total cost over lengths.
    pub growth: Growth,
    /// Full attention proved (`true`), refuted (`false`), or undecided (`null`: an
    /// obligation z3 did not settle).
    pub holds: Option<bool>,
    /// How queries and keys are numbered.
    pub indices: &'static str,
    /// The picture's mask as data, one row per query i, one cell per key j ≤ i
    /// ([`mask`]: 0 not attended, 1 direct, 2 + n the query's n-th region); `null`
    /// when there is no picture.
    pub mask: Option<Vec<Vec<u8>>>,
    /// The pattern's parameter (block, window, stride or width), `null` if it has none.
    pub parameter: Option<u64>,
    /// How the parameter was chosen when it was not given (`null` when it was given).
    pub parameter_defaulted: Option<&'static str>,
    /// The pattern's name.
    pub pattern: &'static str,
    /// The mask of the first queries, one row per query (`null`: no picture).
    pub picture: Option<Vec<String>>,
    /// The z3 proof that the pattern's parts partition the causal prefix.
    pub proof: ProofReport,
    /// Wall-clock seconds of the whole request (only from `serve`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Summary columns c of fixed and combiner-fixed (`null` for the other patterns).
    pub summary_columns: Option<u64>,
    /// The pattern itself (for the text rendering).
    #[serde(skip)]
    pub spec: Pattern,
}

/// The proof of full attention.
#[derive(Clone, Debug, Serialize)]
pub struct ProofReport {
    /// Every query index i below this bound is covered.
    pub bound: u64,
    /// Whether every key j ≤ i is attended, directly or through a summary.
    pub covers: bool,
    /// The solver and its encoding.
    pub engine: &'static str,
    /// The support sets were also checked against the definitions for every i below this.
    pub exhaustively_checked_below: u64,
    /// Each obligation with its outcome, in the order they are proved.
    pub obligations: Vec<ObligationReport>,
    /// Whether the direct part and the regions are causal and pairwise disjoint.
    pub partitions: bool,
    /// Wall-clock seconds of the proof.
    pub seconds: f64,
}

/// One proof obligation and its outcome.
#[derive(Clone, Debug, Serialize)]
pub struct ObligationReport {
    /// The names of a counterexample's values, in order.
    pub names: &'static [&'static str],
    /// The obligation (`causal`, `direct-disjoint`, `regions-disjoint`, `covers`).
    pub obligation: Obligation,
    /// `result` (`proved`, `vacuous`, `refuted` with its `values`, `unknown` with its
    /// `reason`).
    #[serde(serialize_with = "outcome_sorted")]
    pub outcome: Outcome,
    /// The obligation in words.
    pub statement: &'static str,
}

/// The cost counts at one length.
#[derive(Clone, Debug, Serialize)]
pub struct Cost {
    /// Total items scored divided by full attention's.
    pub fraction_of_full: f64,
    /// Items full attention scores at this length, L(L+1)/2 (a decimal string).
    #[serde(serialize_with = "decimal")]
    pub full_attention: u128,
    /// The length L.
    pub length: u64,
    /// Items scored per query.
    pub per_query: PerQuery,
    /// Items scored by all L queries (a decimal string).
    #[serde(serialize_with = "decimal")]
    pub total: u128,
}

/// Items scored per query: direct keys plus one summary per region.
#[derive(Clone, Debug, Serialize)]
pub struct PerQuery {
    /// The largest.
    pub max: u64,
    /// The mean.
    pub mean: f64,
    /// The smallest.
    pub min: u64,
}

/// The growth laws fitted to the total cost at L, L/2, … (down to 64).
#[derive(Clone, Debug, Serialize)]
pub struct Growth {
    /// With the parameters as given (`null` below two fitted lengths).
    pub given_parameters: Option<Fit>,
    /// With the parameter scaled as ⌈√L⌉ at each length (`null` for patterns without a
    /// parameter, for window, and below two fitted lengths).
    #[serde(rename = "parameter_ceil_sqrt_L")]
    pub parameter_ceil_sqrt_l: Option<Fit>,
}

impl AttentionReport {
    /// The proof's conclusion in words.
    pub fn conclusion(&self) -> &'static str {
        let proof = &self.proof;
        let covers_refuted = proof
            .obligations
            .iter()
            .any(|o| o.obligation == Obligation::Covers && o.outcome.refuted().is_some());
        if proof.covers && proof.partitions {
            if self.spec.has_summaries() {
                "the direct part and the regions partition the causal prefix: full attention capability"
            } else {
                "the pattern attends every key of the causal prefix"
            }
        } else if proof.partitions && covers_refuted {
            "the pattern does not cover the causal prefix: not full attention"
        } else {
            "not established"
        }
    }
}

/// Builds the pattern, proves its obligations (z3, within `timeout`), re-checks the
/// outcome against the definitions, and counts its cost.
pub fn attention(
    req: &AttentionRequest,
    timeout: Option<Duration>,
) -> Result<AttentionReport, AttentionError> {
    let (p, width_defaulted) = pattern(req)?;
    if req.length == 0 || req.length > MAX_LENGTH {
        return Err(AttentionError(format!(
            "--length must be between 1 and {MAX_LENGTH}, not {}",
            req.length
        )));
    }
    let pic = req.picture.or((req.length <= 64).then_some(req.length));
    if let Some(n) = pic {
        if n == 0 || n > MAX_PICTURE {
            return Err(AttentionError(format!(
                "--picture must be between 1 and {MAX_PICTURE}, not {n}"
            )));
        }
    }
    let proof = prove(&p, req.bound, timeout);
    let unknown = proof
        .outcomes
        .iter()
        .any(|(_, r)| matches!(r, Outcome::Unknown { .. }));
    // Every counterexample is re-checked by the Rust definitions; proofs are also checked
    // exhaustively on the small queries.
    let upto = recheck(&p, &proof).map_err(AttentionError)?;

    let len = req.length;
    let costs: Vec<u64> = (0..len).map(|i| p.cost(i)).collect();
    let total: u128 = costs.iter().map(|&c| u128::from(c)).sum();
    let full: u128 = u128::from(len) * u128::from(len + 1) / 2;
    let (min, max) = (
        costs.iter().min().copied().unwrap_or(0),
        costs.iter().max().copied().unwrap_or(0),
    );
    let lens = fit_lengths(len);
    let given_fit = (lens.len() >= 2).then(|| fit(&lens, |_| p));
    let scaled_fit = match (p.param(), lens.len() >= 2) {
        (Some(_), true) if !matches!(p, Pattern::Window { .. }) => {
            Some(fit(&lens, |l| p.with_param(ceil_sqrt(l))))
        }
        _ => None,
    };
    let (covers, partitions) = (proof.covers(), proof.partitions());
    let holds = (!unknown).then_some(covers && partitions);
    Ok(AttentionReport {
        cost: Cost {
            fraction_of_full: total as f64 / full as f64,
            full_attention: full,
            length: len,
            per_query: PerQuery {
                max,
                mean: total as f64 / len as f64,
                min,
            },
            total,
        },
        definition: p.definition(),
        growth: Growth {
            given_parameters: given_fit,
            parameter_ceil_sqrt_l: scaled_fit,
        },
        holds,
        indices: "0-based: query i, key j ≤ i; position p of a word is index p − 1",
        mask: pic.map(|n| mask(&p, n)),
        parameter: p.param(),
        parameter_defaulted: width_defaulted.then_some("width = ceil(sqrt(length))"),
        pattern: p.name(),
        picture: pic.map(|n| picture(&p, n)),
        proof: ProofReport {
            bound: proof.bound,
            covers,
            engine: "z3 bit-vectors (64 bits)",
            exhaustively_checked_below: upto,
            obligations: proof
                .outcomes
                .into_iter()
                .map(|(o, r)| ObligationReport {
                    names: o.witness_names(),
                    obligation: o,
                    outcome: r,
                    statement: o.statement(),
                })
                .collect(),
            partitions,
            seconds: proof.seconds,
        },
        seconds: None,
        summary_columns: match p {
            Pattern::Fixed { columns, .. } | Pattern::CombinerFixed { columns, .. } => {
                Some(columns)
            }
            _ => None,
        },
        spec: p,
    })
}

/// The pattern, and whether its width was defaulted to ⌈√L⌉.
fn pattern(req: &AttentionRequest) -> Result<(Pattern, bool), AttentionError> {
    let given: Vec<(&str, u64)> = [
        ("block", req.block),
        ("window", req.window),
        ("stride", req.stride),
        ("width", req.width),
    ]
    .into_iter()
    .filter_map(|(n, v)| v.map(|v| (n, v)))
    .collect();
    let wanted = match req.pattern.as_str() {
        "fixed" | "combiner-fixed" => Some("block"),
        "window" => Some("window"),
        "strided" => Some("stride"),
        "axial" | "combiner-axial" => Some("width"),
        _ => None,
    };
    for (n, _) in &given {
        if Some(*n) != wanted {
            return Err(AttentionError(format!(
                "pattern `{}` has no --{n}",
                req.pattern
            )));
        }
    }
    let mut param = given.first().map(|&(_, v)| v);
    // Axial rows default to ⌈√L⌉ wide, as the Combiner paper chooses them.
    let defaulted = param.is_none() && wanted == Some("width");
    if defaulted {
        param = Some(ceil_sqrt(req.length.max(1)));
    }
    let p = Pattern::from_name(&req.pattern, param, req.summary_columns)
        .map_err(|e| AttentionError(e.to_string()))?;
    Ok((p, defaulted))
}

/// Lengths for the growth fit: L, L/2, … down to 64 (at most 8 of them).
fn fit_lengths(len: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..8).map(|t| len >> t).filter(|&l| l >= 64).collect();
    v.reverse();
    v
}

/// The z3 proof of the partition obligations.
#[cfg(feature = "z3")]
fn prove(p: &Pattern, bound: u64, timeout: Option<Duration>) -> PartitionProof {
    crate::engine::z3::isolate::prove_partition(p, bound, timeout)
}

/// Without z3 every obligation is "unknown" (and the answer undecided, exit 2); the
/// support runs are still checked exhaustively for the small queries.
#[cfg(not(feature = "z3"))]
fn prove(p: &Pattern, bound: u64, _timeout: Option<Duration>) -> PartitionProof {
    let _ = p;
    PartitionProof {
        bound,
        outcomes: Obligation::ALL
            .iter()
            .map(|&o| {
                (
                    o,
                    Outcome::Unknown {
                        reason: "this ltlattn was built without the z3 engine (cargo feature `z3`)"
                            .into(),
                    },
                )
            })
            .collect(),
        seconds: 0.0,
    }
}

/// A count too large for some JSON readers' numbers, as a decimal string.
fn decimal<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// An [`Outcome`] with its keys in alphabetical order (`reason` before `result`), as
/// the report has always had them.
fn outcome_sorted<S: Serializer>(o: &Outcome, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Sorted<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
        result: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        values: Option<&'a [u64]>,
    }
    let (reason, result, values) = match o {
        Outcome::Proved => (None, "proved", None),
        Outcome::Vacuous => (None, "vacuous", None),
        Outcome::Refuted { values } => (None, "refuted", Some(values.as_slice())),
        Outcome::Unknown { reason } => (Some(reason.as_str()), "unknown", None),
    };
    Sorted {
        reason,
        result,
        values,
    }
    .serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report's keys come out in the order a sorted `serde_json::Value` gives them.
    #[test]
    fn keys_are_sorted() {
        for (name, block, width) in [
            ("fixed", Some(4), None),
            ("axial", None, None),
            ("global", None, None),
        ] {
            let req = AttentionRequest {
                pattern: name.into(),
                block,
                window: None,
                stride: None,
                width,
                summary_columns: None,
                length: 256,
                picture: Some(8),
                bound: 1 << 10,
            };
            let mut r = attention(&req, Some(Duration::from_secs(30))).unwrap();
            r.seconds = Some(0.5);
            let direct = serde_json::to_string(&r).unwrap();
            let sorted = serde_json::to_value(&r).unwrap().to_string();
            assert_eq!(direct, sorted);
        }
        let unknown = ObligationReport {
            names: &["i"],
            obligation: Obligation::Causal,
            outcome: Outcome::Unknown { reason: "x".into() },
            statement: "s",
        };
        assert_eq!(
            serde_json::to_string(&unknown).unwrap(),
            serde_json::to_value(&unknown).unwrap().to_string()
        );
    }
}
