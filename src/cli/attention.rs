//! `ltlattn attention`: an attention pattern's exact supports, the z3 proof (or
//! counterexample) of full attention, cost counts with a fitted growth law, and a
//! picture of the mask.

use clap::Args;
use miette::{miette, Report};

use super::check::start_timeout;
use super::Exit;
use ltlattn::patterns::proof::{recheck, Obligation, Outcome, PartitionProof, MAX_BOUND};
use ltlattn::patterns::{ceil_sqrt, fit, picture, Fit, Pattern};
use ltlattn::report::to_json;

/// Largest length whose cost is counted.
const MAX_LENGTH: u64 = 1 << 24;
/// Largest mask picture.
const MAX_PICTURE: u64 = 128;

#[derive(Args, Debug)]
pub(crate) struct AttentionArgs {
    /// global | window | fixed | strided | logsparse | axial | combiner-fixed |
    /// combiner-logsparse | combiner-axial (definitions: grammar/model.md).
    #[arg(long, value_name = "NAME")]
    pub(crate) pattern: String,
    /// Block size s of fixed and combiner-fixed.
    #[arg(long, value_name = "S")]
    pub(crate) block: Option<u64>,
    /// Window k of window (the k previous keys and the query).
    #[arg(long, value_name = "K")]
    pub(crate) window: Option<u64>,
    /// Stride l of strided.
    #[arg(long, value_name = "L")]
    pub(crate) stride: Option<u64>,
    /// Row width m of axial and combiner-axial (default ⌈√L⌉ for the --length L, as the
    /// Combiner paper chooses it).
    #[arg(long, value_name = "M")]
    pub(crate) width: Option<u64>,
    /// Summary columns c of fixed and combiner-fixed: the last c keys of each earlier
    /// block are attended directly (default 1; 0 summarizes whole blocks).
    #[arg(long, value_name = "C")]
    pub(crate) summary_columns: Option<u64>,
    /// Sequence length L for the cost counts (and the picture when L ≤ 64).
    #[arg(long, default_value_t = 4096, value_name = "L")]
    pub(crate) length: u64,
    /// Draw the mask of the first N queries (default: all when L ≤ 64).
    #[arg(long, value_name = "N")]
    pub(crate) picture: Option<u64>,
    /// Prove for every query index i below this bound (a number or 2^k; at most 2^62).
    #[arg(long, default_value = "2^31", value_name = "B", value_parser = parse_bound)]
    pub(crate) bound: u64,
    /// Give up after this many seconds (exit 2).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) timeout: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn parse_bound(s: &str) -> Result<u64, String> {
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
    if v == 0 || v > MAX_BOUND {
        return Err(format!("the bound must be between 1 and 2^62, not {s}"));
    }
    Ok(v)
}

impl AttentionArgs {
    /// The pattern, and whether its width was defaulted to ⌈√L⌉.
    fn pattern(&self) -> Result<(Pattern, bool), Report> {
        let given: Vec<(&str, u64)> = [
            ("block", self.block),
            ("window", self.window),
            ("stride", self.stride),
            ("width", self.width),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
        .collect();
        let wanted = match self.pattern.as_str() {
            "fixed" | "combiner-fixed" => Some("block"),
            "window" => Some("window"),
            "strided" => Some("stride"),
            "axial" | "combiner-axial" => Some("width"),
            _ => None,
        };
        for (n, _) in &given {
            if Some(*n) != wanted {
                return Err(miette!("pattern `{}` has no --{n}", self.pattern));
            }
        }
        let mut param = given.first().map(|&(_, v)| v);
        // Axial rows default to ⌈√L⌉ wide, as the Combiner paper chooses them.
        let defaulted = param.is_none() && wanted == Some("width");
        if defaulted {
            param = Some(ceil_sqrt(self.length.max(1)));
        }
        let p = Pattern::from_name(&self.pattern, param, self.summary_columns)
            .map_err(|e| miette!("{e}"))?;
        Ok((p, defaulted))
    }
}

/// Lengths for the growth fit: L, L/2, … down to 64 (at most 8 of them).
fn fit_lengths(len: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..8).map(|t| len >> t).filter(|&l| l >= 64).collect();
    v.reverse();
    v
}

fn describe_fit(f: &Fit) -> String {
    format!(
        "{}: total / ({}) = {:.3} at L = {}, within a factor {:.3} over the fitted lengths; log-log slope {:.2} over the last doubling",
        f.law,
        f.law,
        f.constant,
        f.points.last().map(|p| p.0).unwrap_or(0),
        f.spread,
        f.exponent
    )
}

/// Everything `attention` computes, for the text, JSON and `serve` renderings.
pub(crate) struct Computed {
    p: Pattern,
    width_defaulted: bool,
    proof: PartitionProof,
    upto: u64,
    len: u64,
    stats: (u64, u64, u128, u128),
    given_fit: Option<Fit>,
    scaled_fit: Option<Fit>,
    mask: Option<Vec<String>>,
    /// Full attention proved (`Some(true)`), refuted, or undecided.
    pub(crate) holds: Option<bool>,
}

/// Builds the pattern, proves its obligations (z3, within `timeout`) and counts its cost.
pub(crate) fn compute(
    args: &AttentionArgs,
    timeout: Option<std::time::Duration>,
) -> Result<Computed, Report> {
    let (p, width_defaulted) = args.pattern()?;
    if args.length == 0 || args.length > MAX_LENGTH {
        return Err(miette!(
            "--length must be between 1 and {MAX_LENGTH}, not {}",
            args.length
        ));
    }
    let pic = args.picture.or((args.length <= 64).then_some(args.length));
    if let Some(n) = pic {
        if n == 0 || n > MAX_PICTURE {
            return Err(miette!(
                "--picture must be between 1 and {MAX_PICTURE}, not {n}"
            ));
        }
    }
    let proof = prove(&p, args.bound, timeout);
    let unknown = proof.outcomes.iter().find_map(|(o, r)| match r {
        Outcome::Unknown { reason } => Some((*o, reason.clone())),
        _ => None,
    });
    // Every counterexample is re-checked by the Rust definitions; proofs are also checked
    // exhaustively on the small queries.
    let upto = recheck(&p, &proof).map_err(|e| miette!("{e}"))?;

    let len = args.length;
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
    let mask = pic.map(|n| picture(&p, n));

    let holds = match (unknown, proof.covers() && proof.partitions()) {
        (Some(_), _) => None,
        (None, full) => Some(full),
    };
    Ok(Computed {
        p,
        width_defaulted,
        proof,
        upto,
        len,
        stats: (min, max, total, full),
        given_fit,
        scaled_fit,
        mask,
        holds,
    })
}

/// What `attention --json` prints (and `serve` answers).
pub(crate) fn json(c: &Computed) -> serde_json::Value {
    let Computed {
        p,
        width_defaulted,
        proof,
        upto,
        len,
        stats: (min, max, total, full),
        given_fit,
        scaled_fit,
        mask,
        holds,
    } = c;
    let (p, len, total, full) = (*p, *len, *total, *full);
    serde_json::json!({
        "holds": holds,
        "pattern": p.name(),
        "parameter": p.param(),
        "parameter_defaulted": width_defaulted.then_some("width = ceil(sqrt(length))"),
        "summary_columns": match p {
            Pattern::Fixed { columns, .. } | Pattern::CombinerFixed { columns, .. } => Some(columns),
            _ => None,
        },
        "definition": p.definition(),
        "indices": "0-based: query i, key j ≤ i; position p of a word is index p − 1",
        "proof": {
            "engine": "z3 bit-vectors (64 bits)",
            "bound": proof.bound,
            "seconds": proof.seconds,
            "obligations": proof.outcomes.iter().map(|(o, r)| serde_json::json!({
                "obligation": o,
                "statement": o.statement(),
                "outcome": r,
                "names": o.witness_names(),
            })).collect::<Vec<_>>(),
            "partitions": proof.partitions(),
            "covers": proof.covers(),
            "exhaustively_checked_below": upto,
        },
        "cost": {
            "length": len,
            "per_query": { "min": min, "mean": total as f64 / len as f64, "max": max },
            "total": total.to_string(),
            "full_attention": full.to_string(),
            "fraction_of_full": total as f64 / full as f64,
        },
        "growth": {
            "given_parameters": given_fit,
            "parameter_ceil_sqrt_L": scaled_fit,
        },
        "picture": mask,
    })
}

pub(crate) fn attention_cmd(args: AttentionArgs) -> Result<Exit, Report> {
    let timeout = start_timeout(args.timeout)?;
    let c = compute(&args, timeout)?;
    let holds = c.holds;
    if args.json {
        outln!("{}", to_json("attention", &json(&c)));
    } else {
        let Computed {
            p,
            width_defaulted,
            proof,
            upto,
            len,
            stats: (min, max, total, full),
            given_fit,
            scaled_fit,
            mask,
            ..
        } = c;
        if width_defaulted {
            outln!(
                "(no --width: rows are ⌈√L⌉ = {} wide at L = {}, as in the Combiner paper)",
                p.param().unwrap_or(0),
                args.length
            );
        }
        render_text(
            &p,
            &proof,
            upto,
            len,
            (min, max, total, full),
            &given_fit,
            &scaled_fit,
            &mask,
        );
    }
    Ok(holds.into())
}

/// The z3 proof of the partition obligations.
#[cfg(feature = "z3")]
fn prove(p: &Pattern, bound: u64, timeout: Option<std::time::Duration>) -> PartitionProof {
    ltlattn::smt::patterns::prove_partition(p, bound, timeout)
}

/// Without z3 every obligation is "unknown" (and the answer undecided, exit 2); the
/// support runs are still checked exhaustively for the small queries.
#[cfg(not(feature = "z3"))]
fn prove(p: &Pattern, bound: u64, _timeout: Option<std::time::Duration>) -> PartitionProof {
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

#[allow(clippy::too_many_arguments)]
fn render_text(
    p: &Pattern,
    proof: &PartitionProof,
    upto: u64,
    len: u64,
    (min, max, total, full): (u64, u64, u128, u128),
    given_fit: &Option<Fit>,
    scaled_fit: &Option<Fit>,
    mask: &Option<Vec<String>>,
) {
    outln!("pattern: {p}");
    for d in p.definition() {
        outln!("  {d}");
    }
    outln!("  (0-based indices: query i sees keys j ≤ i; position p of a word is index p − 1)");
    outln!("");
    outln!(
        "full attention, proved by z3 (64-bit vectors) for every query i < {} in {:.2} s:",
        bound_text(proof.bound),
        proof.seconds
    );
    for (o, r) in &proof.outcomes {
        let what = match r {
            Outcome::Proved => "proved ".to_string(),
            Outcome::Vacuous => "vacuous".to_string(),
            Outcome::Unknown { reason } => format!("unknown ({reason})"),
            Outcome::Refuted { .. } => "FAILS  ".to_string(),
        };
        outln!("  {what}  {}", o.statement());
        if let Some(v) = r.refuted() {
            let pairs: Vec<String> = o
                .witness_names()
                .iter()
                .zip(v)
                .map(|(n, x)| format!("{n} = {x}"))
                .collect();
            outln!(
                "           counterexample: {} (re-checked by the definitions)",
                pairs.join(", ")
            );
            if *o == Obligation::Covers {
                outln!(
                    "           query {} does not attend key {}, directly or through a summary (smallest i, then j)",
                    v[0],
                    v[1]
                );
            }
        }
    }
    let verdict = if proof.covers() && proof.partitions() {
        if p.has_summaries() {
            "the direct part and the regions partition the causal prefix: full attention capability"
        } else {
            "the pattern attends every key of the causal prefix"
        }
    } else if proof.partitions() && proof.outcome(Obligation::Covers).refuted().is_some() {
        "the pattern does not cover the causal prefix: not full attention"
    } else {
        "not established"
    };
    outln!("  => {verdict}");
    outln!("  (also checked exhaustively against the support sets for every i < {upto})");
    outln!("");
    outln!(
        "cost at length L = {len} (items scored per query: direct keys + one summary per region):"
    );
    outln!(
        "  per query: min {min}, mean {:.1}, max {max}  (full attention: mean {:.1}, max {len})",
        total as f64 / len as f64,
        full as f64 / len as f64
    );
    outln!(
        "  total: {total} = {:.2}% of full attention's {full}",
        100.0 * total as f64 / full as f64
    );
    if let Some(f) = given_fit {
        let with = match p.param() {
            Some(v) => format!(" at {} {v}", param_word(p)),
            None => String::new(),
        };
        outln!("  growth{with}: {}", describe_fit(f));
    }
    if let Some(f) = scaled_fit {
        outln!(
            "  growth with {} ⌈√L⌉ (Combiner's choice): {}",
            param_word(p),
            describe_fit(f)
        );
    }
    if let Some(f) = given_fit.as_ref().or(scaled_fit.as_ref()) {
        let pts: Vec<String> = f.points.iter().map(|(l, _)| l.to_string()).collect();
        outln!("  (fitted on L = {})", pts.join(", "));
    }
    if let Some(rows) = mask {
        outln!("");
        outln!("mask (row i, column j): # direct, a b c … the query's regions in order, . not attended");
        for r in rows {
            outln!("{r}");
        }
    }
}

fn param_word(p: &Pattern) -> &'static str {
    match p {
        Pattern::Window { .. } => "window",
        Pattern::Fixed { .. } | Pattern::CombinerFixed { .. } => "block",
        Pattern::Strided { .. } => "stride",
        _ => "width",
    }
}

fn bound_text(b: u64) -> String {
    if b.is_power_of_two() {
        format!("2^{}", b.trailing_zeros())
    } else {
        b.to_string()
    }
}
