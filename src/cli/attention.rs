//! `ltlattn attention`: an attention pattern's exact supports, the z3 proof (or
//! counterexample) of full attention, cost counts with a fitted growth law, and a
//! picture of the mask.

use clap::Args;
use miette::{miette, Report};

use super::check::start_timeout;
use super::Exit;
use ltlattn::patterns::proof::{Obligation, Outcome};
use ltlattn::patterns::report::parse_bound;
use ltlattn::patterns::report::{attention, AttentionReport, AttentionRequest, ObligationReport};
use ltlattn::patterns::{Fit, Pattern};
use ltlattn::report::to_json;

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

impl AttentionArgs {
    /// The library's request.
    pub(crate) fn request(&self) -> AttentionRequest {
        AttentionRequest {
            pattern: self.pattern.clone(),
            block: self.block,
            window: self.window,
            stride: self.stride,
            width: self.width,
            summary_columns: self.summary_columns,
            length: self.length,
            picture: self.picture,
            bound: self.bound,
        }
    }
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

pub(crate) fn attention_cmd(args: AttentionArgs) -> Result<Exit, Report> {
    let timeout = start_timeout(args.timeout)?;
    let r = attention(&args.request(), timeout).map_err(|e| miette!("{e}"))?;
    if args.json {
        outln!("{}", to_json("attention", &r));
    } else {
        if r.parameter_defaulted.is_some() {
            outln!(
                "(no --width: rows are ⌈√L⌉ = {} wide at L = {}, as in the Combiner paper)",
                r.parameter.unwrap_or(0),
                args.length
            );
        }
        render_text(&r);
    }
    Ok(r.holds.into())
}

fn render_text(r: &AttentionReport) {
    let p = &r.spec;
    let proof = &r.proof;
    outln!("pattern: {p}");
    for d in &r.definition {
        outln!("  {d}");
    }
    outln!("  (0-based indices: query i sees keys j ≤ i; position p of a word is index p − 1)");
    outln!("");
    outln!(
        "full attention, asked of z3 (64-bit vectors) for every query i < {}, {:.2} s:",
        bound_text(proof.bound),
        proof.seconds
    );
    for ObligationReport {
        names,
        obligation: o,
        outcome,
        statement,
    } in &proof.obligations
    {
        let what = match outcome {
            Outcome::Proved => "proved ".to_string(),
            Outcome::Vacuous => "vacuous".to_string(),
            Outcome::Unknown { reason } => format!("unknown ({reason})"),
            Outcome::Refuted { .. } => "FAILS  ".to_string(),
        };
        outln!("  {what}  {statement}");
        if let Some(v) = outcome.refuted() {
            let pairs: Vec<String> = names
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
    outln!("  => {}", r.conclusion());
    outln!(
        "  (also checked exhaustively against the support sets for every i < {})",
        proof.exhaustively_checked_below
    );
    outln!("");
    let c = &r.cost;
    let (len, min, max, total, full) = (
        c.length,
        c.per_query.min,
        c.per_query.max,
        c.total,
        c.full_attention,
    );
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
    let (given_fit, scaled_fit) = (&r.growth.given_parameters, &r.growth.parameter_ceil_sqrt_l);
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
    if let Some(rows) = &r.picture {
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
