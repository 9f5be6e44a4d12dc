//! Causal attention patterns, exactly: which earlier positions each query sees directly
//! (Ω⁰), and which it reaches only through a summary of a region (Ω¹ … Ωᵐ), as in
//! Combiner (Ren et al., NeurIPS 2021). The definitions are written down in
//! `grammar/model.md` ("Attention patterns"); the z3 proofs that a pattern's parts
//! partition the causal prefix are in `smt::patterns`.
//!
//! Indices are 0-based here, as in the papers' code: query i sees keys j ≤ i. Position p
//! of a word (docs/SEMANTICS.md, 1-based) has index p − 1.
//!
//! Every pattern is given three ways, and the tests hold them to each other:
//! pointwise membership ([`Pattern::direct`], [`Pattern::in_region`], with the claimed
//! region of each key [`Pattern::region_of`]) — the definitions, which z3 encodes;
//! the support of a query as arithmetic runs ([`Pattern::support`]) — for pictures and
//! the compiler; and the closed-form cost ([`Pattern::cost`]).
//!
//! ```
//! use ltlattn::patterns::Pattern;
//! let p = Pattern::CombinerFixed { block: 4, columns: 1 };
//! let s = p.support(9);
//! // Own block 8..=9 and the last position of blocks 0 and 1 directly ...
//! assert_eq!(s.direct_len(), 4);
//! // ... and the rest of blocks 0 and 1 through one summary each.
//! assert_eq!(s.regions.len(), 2);
//! assert_eq!(p.cost(9), 6);
//! ```

pub mod proof;
pub mod report;
#[cfg(feature = "z3")]
pub mod z3;

use std::fmt;

/// Largest parameter (block, window, stride, width) accepted.
pub const MAX_PARAM: u64 = 1 << 31;

/// A causal attention pattern (serialized for the z3 child process, `smt::isolate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Pattern {
    /// Full causal attention: every j ≤ i.
    Global,
    /// Sliding window: the `k` previous keys and the query itself.
    Window {
        /// k ≥ 1.
        k: u64,
    },
    /// Sparse Transformer "fixed" (Child et al. 2019): the own block of `block` keys,
    /// and the last `columns` keys of every earlier block.
    Fixed {
        /// Block size s ≥ 1.
        block: u64,
        /// Summary columns c, 0 ≤ c ≤ s.
        columns: u64,
    },
    /// Sparse Transformer "strided": the `stride` previous keys, and every key at a
    /// distance that is a multiple of the stride.
    Strided {
        /// Stride l ≥ 1.
        stride: u64,
    },
    /// LogSparse (Li et al. 2019): the query and the keys at distance 2^k.
    Logsparse,
    /// Axial (Ho et al. 2019), row-major over rows of `width`: the own row up to i and
    /// the own column above.
    Axial {
        /// Row width m ≥ 1.
        width: u64,
    },
    /// Combiner-Fixed: Fixed directly; the rest of every earlier block through its summary.
    CombinerFixed {
        /// Block size s ≥ 1.
        block: u64,
        /// Summary columns c attended directly, 0 ≤ c ≤ s.
        columns: u64,
    },
    /// Combiner-Logsparse: LogSparse directly; each gap between distances 2^(r−1) and
    /// 2^r through its summary.
    CombinerLogsparse,
    /// Combiner-Axial: Axial directly; every other column above the own row through its
    /// summary.
    CombinerAxial {
        /// Row width m ≥ 1.
        width: u64,
    },
}

/// Positions `first, first + step, …` (`count` of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Run {
    /// The first index.
    pub first: u64,
    /// The distance between consecutive indices (≥ 1).
    pub step: u64,
    /// How many.
    pub count: u64,
}

impl Run {
    fn interval(lo: u64, hi_inclusive: u64) -> Run {
        Run {
            first: lo,
            step: 1,
            count: hi_inclusive + 1 - lo,
        }
    }

    fn single(j: u64) -> Run {
        Run::interval(j, j)
    }

    /// Whether `j` is one of the run's indices.
    pub fn contains(&self, j: u64) -> bool {
        j >= self.first
            && (j - self.first) % self.step == 0
            && (j - self.first) / self.step < self.count
    }

    /// The indices, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.count).map(move |t| self.first + t * self.step)
    }
}

/// A region reached through a summary: its key (block, column or distance bucket, as in
/// [`Pattern::in_region`]) and its indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    /// Which region of the pattern this is.
    pub key: u64,
    /// Its indices (never empty).
    pub run: Run,
}

/// What query i attends to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Support {
    /// Ω⁰(i), as disjoint runs.
    pub direct: Vec<Run>,
    /// Ω¹(i) … Ωᵐ(i), the non-empty regions, in increasing order of their first index.
    pub regions: Vec<Region>,
}

impl Support {
    /// |Ω⁰(i)|.
    pub fn direct_len(&self) -> u64 {
        self.direct.iter().map(|r| r.count).sum()
    }
}

/// Where key j stands for query i.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// In Ω⁰(i).
    Direct,
    /// In the region with this key.
    Region(u64),
    /// Not attended (j ≤ i but outside every part: the pattern does not cover).
    Unseen,
}

/// A pattern with a parameter out of range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(pub String);

/// Length of the binary representation of d (0 for d = 0).
fn bit_len(d: u64) -> u64 {
    u64::from(64 - d.leading_zeros())
}

impl Pattern {
    /// The pattern names the command line and model.toml use.
    pub const NAMES: [&'static str; 9] = [
        "global",
        "window",
        "fixed",
        "strided",
        "logsparse",
        "axial",
        "combiner-fixed",
        "combiner-logsparse",
        "combiner-axial",
    ];

    /// Builds the pattern called `name` from its parameters: `param` is the block size
    /// (fixed), window k, stride or row width; `columns` the summary columns of the fixed
    /// patterns (default 1, the Sparse Transformer's c = 1).
    pub fn from_name(
        name: &str,
        param: Option<u64>,
        columns: Option<u64>,
    ) -> Result<Pattern, PatternError> {
        let need = |what: &str| {
            param.ok_or_else(|| PatternError(format!("pattern `{name}` needs --{what}")))
        };
        let p = match name {
            "global" => Pattern::Global,
            "window" => Pattern::Window { k: need("window")? },
            "fixed" => Pattern::Fixed {
                block: need("block")?,
                columns: columns.unwrap_or(1),
            },
            "strided" => Pattern::Strided {
                stride: need("stride")?,
            },
            "logsparse" => Pattern::Logsparse,
            "axial" => Pattern::Axial {
                width: need("width")?,
            },
            "combiner-fixed" => Pattern::CombinerFixed {
                block: need("block")?,
                columns: columns.unwrap_or(1),
            },
            "combiner-logsparse" => Pattern::CombinerLogsparse,
            "combiner-axial" => Pattern::CombinerAxial {
                width: need("width")?,
            },
            _ => {
                return Err(PatternError(format!(
                    "unknown pattern `{name}`; known: {}",
                    Pattern::NAMES.join(", ")
                )))
            }
        };
        if columns.is_some() && !matches!(p, Pattern::Fixed { .. } | Pattern::CombinerFixed { .. })
        {
            return Err(PatternError(format!(
                "pattern `{name}` has no summary columns"
            )));
        }
        p.validate()?;
        Ok(p)
    }

    /// Checks the parameters: each ≥ 1 and ≤ [`MAX_PARAM`], columns ≤ block.
    pub fn validate(&self) -> Result<(), PatternError> {
        let check = |what: &str, v: u64| {
            if v == 0 || v > MAX_PARAM {
                Err(PatternError(format!(
                    "{what} must be between 1 and 2^31, not {v}"
                )))
            } else {
                Ok(())
            }
        };
        match *self {
            Pattern::Global | Pattern::Logsparse | Pattern::CombinerLogsparse => Ok(()),
            Pattern::Window { k } => check("the window", k),
            Pattern::Strided { stride } => check("the stride", stride),
            Pattern::Axial { width } | Pattern::CombinerAxial { width } => {
                check("the row width", width)
            }
            Pattern::Fixed { block, columns } | Pattern::CombinerFixed { block, columns } => {
                check("the block size", block)?;
                if columns > block {
                    return Err(PatternError(format!(
                        "summary columns ({columns}) cannot exceed the block size ({block})"
                    )));
                }
                Ok(())
            }
        }
    }

    /// The pattern's name.
    pub fn name(&self) -> &'static str {
        match self {
            Pattern::Global => "global",
            Pattern::Window { .. } => "window",
            Pattern::Fixed { .. } => "fixed",
            Pattern::Strided { .. } => "strided",
            Pattern::Logsparse => "logsparse",
            Pattern::Axial { .. } => "axial",
            Pattern::CombinerFixed { .. } => "combiner-fixed",
            Pattern::CombinerLogsparse => "combiner-logsparse",
            Pattern::CombinerAxial { .. } => "combiner-axial",
        }
    }

    /// The same pattern with its size parameter (block, window, stride, width) replaced.
    pub fn with_param(&self, v: u64) -> Pattern {
        match *self {
            Pattern::Window { .. } => Pattern::Window { k: v },
            Pattern::Fixed { columns, .. } => Pattern::Fixed {
                block: v,
                columns: columns.min(v),
            },
            Pattern::Strided { .. } => Pattern::Strided { stride: v },
            Pattern::Axial { .. } => Pattern::Axial { width: v },
            Pattern::CombinerFixed { columns, .. } => Pattern::CombinerFixed {
                block: v,
                columns: columns.min(v),
            },
            Pattern::CombinerAxial { .. } => Pattern::CombinerAxial { width: v },
            p => p,
        }
    }

    /// The size parameter, if the pattern has one.
    pub fn param(&self) -> Option<u64> {
        match *self {
            Pattern::Window { k } => Some(k),
            Pattern::Fixed { block, .. } | Pattern::CombinerFixed { block, .. } => Some(block),
            Pattern::Strided { stride } => Some(stride),
            Pattern::Axial { width } | Pattern::CombinerAxial { width } => Some(width),
            _ => None,
        }
    }

    /// Whether the pattern reaches regions through summaries (the Combiner patterns).
    pub fn has_summaries(&self) -> bool {
        matches!(
            self,
            Pattern::CombinerFixed { .. }
                | Pattern::CombinerLogsparse
                | Pattern::CombinerAxial { .. }
        )
    }

    /// The definition of Ω⁰(i) and Ωʳ(i), for reports (0-based indices).
    pub fn definition(&self) -> Vec<String> {
        match *self {
            Pattern::Global => vec!["Ω⁰(i) = {j : j ≤ i}".into()],
            Pattern::Window { k } => vec![format!("Ω⁰(i) = {{j : i − {k} ≤ j ≤ i}}")],
            Pattern::Fixed {
                block: s,
                columns: c,
            }
            | Pattern::CombinerFixed {
                block: s,
                columns: c,
            } => {
                let mut v = vec![format!(
                    "Ω⁰(i) = {{j ≤ i : ⌊j/{s}⌋ = ⌊i/{s}⌋}} ∪ {{j : ⌊j/{s}⌋ < ⌊i/{s}⌋, j mod {s} ≥ {}}}",
                    s - c
                )];
                if self.has_summaries() {
                    v.push(format!(
                        "Ωᵇ(i) = {{j : ⌊j/{s}⌋ = b, j mod {s} < {}}} for every block b < ⌊i/{s}⌋",
                        s - c
                    ));
                }
                v
            }
            Pattern::Strided { stride: l } => vec![format!(
                "Ω⁰(i) = {{j ≤ i : i − j ≤ {l}}} ∪ {{j ≤ i : (i − j) mod {l} = 0}}"
            )],
            Pattern::Logsparse | Pattern::CombinerLogsparse => {
                let mut v = vec!["Ω⁰(i) = {i} ∪ {i − 2^k : k ≥ 0, 2^k ≤ i}".to_string()];
                if self.has_summaries() {
                    v.push("Ωʳ(i) = {j : 2^(r−1) < i − j < 2^r} for r ≥ 2 (the gaps between the powers)".into());
                }
                v
            }
            Pattern::Axial { width: m } | Pattern::CombinerAxial { width: m } => {
                let mut v = vec![format!(
                    "Ω⁰(i) = {{j ≤ i : ⌊j/{m}⌋ = ⌊i/{m}⌋}} ∪ {{j ≤ i : j mod {m} = i mod {m}}}"
                )];
                if self.has_summaries() {
                    v.push(format!(
                        "Ωᶜ(i) = {{j : j mod {m} = c, ⌊j/{m}⌋ < ⌊i/{m}⌋}} for every column c ≠ i mod {m}"
                    ));
                }
                v
            }
        }
    }

    /// j ∈ Ω⁰(i): the pointwise definition.
    pub fn direct(&self, i: u64, j: u64) -> bool {
        if j > i {
            return false;
        }
        match *self {
            Pattern::Global => true,
            Pattern::Window { k } => i - j <= k,
            Pattern::Fixed {
                block: s,
                columns: c,
            }
            | Pattern::CombinerFixed {
                block: s,
                columns: c,
            } => j / s == i / s || j % s + c >= s,
            Pattern::Strided { stride: l } => i - j <= l || (i - j) % l == 0,
            Pattern::Logsparse | Pattern::CombinerLogsparse => {
                let d = i - j;
                d & d.wrapping_sub(1) == 0
            }
            Pattern::Axial { width: m } | Pattern::CombinerAxial { width: m } => {
                j / m == i / m || j % m == i % m
            }
        }
    }

    /// j ∈ Ωʳ(i) for the region with key r (block b, column c, or distance bucket r):
    /// the pointwise definition. Always false for patterns without summaries.
    pub fn in_region(&self, i: u64, r: u64, j: u64) -> bool {
        if j > i {
            return false;
        }
        match *self {
            Pattern::CombinerFixed {
                block: s,
                columns: c,
            } => r < i / s && j / s == r && j % s + c < s,
            Pattern::CombinerLogsparse => {
                let d = i - j;
                (2..64).contains(&r) && d > 1 << (r - 1) && d < 1 << r
            }
            Pattern::CombinerAxial { width: m } => {
                r < m && r != i % m && j % m == r && j / m < i / m
            }
            _ => false,
        }
    }

    /// The region the pattern assigns key j ≤ i to, if j is not attended directly: the
    /// witness the coverage proof uses.
    pub fn region_of(&self, i: u64, j: u64) -> Option<u64> {
        match *self {
            Pattern::CombinerFixed { block: s, .. } => Some(j / s),
            Pattern::CombinerLogsparse => Some(bit_len(i - j)),
            Pattern::CombinerAxial { width: m } => Some(j % m),
            _ => None,
        }
    }

    /// Where key j stands for query i (j ≤ i), by the pointwise definitions.
    pub fn seen(&self, i: u64, j: u64) -> Seen {
        if self.direct(i, j) {
            return Seen::Direct;
        }
        match self.region_of(i, j) {
            Some(r) if self.in_region(i, r, j) => Seen::Region(r),
            _ => Seen::Unseen,
        }
    }

    /// Ω⁰(i) and the non-empty regions of query i, as runs.
    pub fn support(&self, i: u64) -> Support {
        let mut direct = Vec::new();
        let mut regions = Vec::new();
        match *self {
            Pattern::Global => direct.push(Run::interval(0, i)),
            Pattern::Window { k } => direct.push(Run::interval(i.saturating_sub(k), i)),
            Pattern::Fixed {
                block: s,
                columns: c,
            }
            | Pattern::CombinerFixed {
                block: s,
                columns: c,
            } => {
                let b = i / s;
                for col in s - c..s {
                    if b > 0 {
                        direct.push(Run {
                            first: col,
                            step: s,
                            count: b,
                        });
                    }
                }
                direct.push(Run::interval(b * s, i));
                if self.has_summaries() && c < s {
                    for r in 0..b {
                        regions.push(Region {
                            key: r,
                            run: Run::interval(r * s, r * s + s - c - 1),
                        });
                    }
                }
            }
            Pattern::Strided { stride: l } => {
                if i / l >= 2 {
                    direct.push(Run {
                        first: i % l,
                        step: l,
                        count: i / l - 1,
                    });
                }
                direct.push(Run::interval(i.saturating_sub(l), i));
            }
            Pattern::Logsparse | Pattern::CombinerLogsparse => {
                let mut k = bit_len(i);
                while k > 0 {
                    k -= 1;
                    let j = i - (1 << k);
                    if self.has_summaries() && k >= 1 {
                        // The gap of bucket r = k + 1, just left of i − 2^k.
                        let lo = (i + 1).saturating_sub(1 << (k + 1));
                        if i > 1 << k && i - (1 << k) > lo {
                            regions.push(Region {
                                key: k + 1,
                                run: Run::interval(lo, i - (1 << k) - 1),
                            });
                        }
                    }
                    direct.push(Run::single(j));
                }
                direct.push(Run::single(i));
                // Regions were pushed far to near; the gap of the largest bucket may
                // start at 0 before the first direct key, so order regions by position.
                regions.sort_by_key(|r: &Region| r.run.first);
            }
            Pattern::Axial { width: m } | Pattern::CombinerAxial { width: m } => {
                let (row, col) = (i / m, i % m);
                if row > 0 {
                    direct.push(Run {
                        first: col,
                        step: m,
                        count: row,
                    });
                    if self.has_summaries() {
                        for c in (0..m).filter(|&c| c != col) {
                            regions.push(Region {
                                key: c,
                                run: Run {
                                    first: c,
                                    step: m,
                                    count: row,
                                },
                            });
                        }
                    }
                }
                direct.push(Run::interval(row * m, i));
            }
        }
        Support { direct, regions }
    }

    /// Items query i scores: |Ω⁰(i)| keys plus one summary per non-empty region.
    pub fn cost(&self, i: u64) -> u64 {
        match *self {
            Pattern::Global => i + 1,
            Pattern::Window { k } => i.min(k) + 1,
            Pattern::Fixed {
                block: s,
                columns: c,
            } => i % s + 1 + c * (i / s),
            Pattern::CombinerFixed {
                block: s,
                columns: c,
            } => i % s + 1 + c * (i / s) + if c < s { i / s } else { 0 },
            Pattern::Strided { stride: l } => i.min(l) + 1 + (i / l).saturating_sub(1),
            Pattern::Logsparse => 1 + bit_len(i),
            Pattern::CombinerLogsparse => {
                1 + bit_len(i) + if i >= 2 { bit_len(i - 1) - 1 } else { 0 }
            }
            Pattern::Axial { width: m } => i % m + 1 + i / m,
            Pattern::CombinerAxial { width: m } => {
                i % m + 1 + i / m + if i >= m { m - 1 } else { 0 }
            }
        }
    }

    /// Σ cost(i) over the queries 0 … len − 1.
    pub fn total_cost(&self, len: u64) -> u128 {
        (0..len).map(|i| u128::from(self.cost(i))).sum()
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Pattern::Global | Pattern::Logsparse | Pattern::CombinerLogsparse => {
                write!(f, "{}", self.name())
            }
            Pattern::Window { k } => write!(f, "window {k}"),
            Pattern::Fixed { block, columns } | Pattern::CombinerFixed { block, columns } => {
                write!(
                    f,
                    "{} (block {block}, {columns} summary column{})",
                    self.name(),
                    if columns == 1 { "" } else { "s" }
                )
            }
            Pattern::Strided { stride } => write!(f, "strided (stride {stride})"),
            Pattern::Axial { width } | Pattern::CombinerAxial { width } => {
                write!(f, "{} (row width {width})", self.name())
            }
        }
    }
}

/// A growth law: its name and f(L).
pub type Law = (&'static str, fn(f64) -> f64);

/// Growth laws a total cost is fitted against.
pub const GROWTHS: [Law; 4] = [
    ("L", |l| l),
    ("L log L", |l| l * l.log2()),
    ("L √L", |l| l * l.sqrt()),
    ("L²", |l| l * l),
];

/// A fitted growth law for total cost over lengths.
///
/// The fields are declared in alphabetical order: that is the order of their keys in
/// `attention --json` (which sorted them when the report was a `serde_json::Value`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Fit {
    /// total / f(L) at the largest length.
    pub constant: f64,
    /// Slope of log(total) against log(L) between the two largest lengths.
    pub exponent: f64,
    /// The law whose log-log slope over the last doubling is nearest the total's: the
    /// growth the largest lengths show.
    pub law: &'static str,
    /// (L, total) for each length used.
    pub points: Vec<(u64, u128)>,
    /// max / min of total / f(L) over all the lengths (1 = exactly proportional).
    pub spread: f64,
}

/// Fits the total cost of `make(L)` at the lengths `lens` (increasing, at least two)
/// against [`GROWTHS`].
pub fn fit(lens: &[u64], make: impl Fn(u64) -> Pattern) -> Fit {
    let points: Vec<(u64, u128)> = lens.iter().map(|&l| (l, make(l).total_cost(l))).collect();
    let n = points.len();
    let (l1, t1) = (points[n - 2].0 as f64, points[n - 2].1 as f64);
    let (l2, t2) = (points[n - 1].0 as f64, points[n - 1].1 as f64);
    let slope = |a: f64, b: f64| (b.ln() - a.ln()) / (l2.ln() - l1.ln());
    let exponent = slope(t1, t2);
    let (law, f) = GROWTHS
        .iter()
        .min_by(|x, y| {
            let dx = (slope(x.1(l1), x.1(l2)) - exponent).abs();
            let dy = (slope(y.1(l1), y.1(l2)) - exponent).abs();
            dx.total_cmp(&dy)
        })
        .copied()
        .expect("four laws");
    let ratios: Vec<f64> = points
        .iter()
        .map(|&(l, t)| t as f64 / f(l as f64))
        .collect();
    let (lo, hi) = ratios
        .iter()
        .fold((f64::INFINITY, 0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    Fit {
        law,
        exponent,
        constant: ratios[n - 1],
        spread: hi / lo,
        points,
    }
}

/// ⌈√n⌉, the block size and row width Combiner uses for O(L√L).
pub fn ceil_sqrt(n: u64) -> u64 {
    let mut r = (n as f64).sqrt() as u64;
    while r * r < n {
        r += 1;
    }
    while r > 1 && (r - 1) * (r - 1) >= n {
        r -= 1;
    }
    r.max(1)
}

/// A cell of [`mask`]: key j is not attended by query i.
pub const MASK_NOT_ATTENDED: u8 = 0;
/// A cell of [`mask`]: key j is attended directly (Ω⁰(i)).
pub const MASK_DIRECT: u8 = 1;
/// A cell of [`mask`]: key j is summarized in the query's first region (Ω¹(i)); the
/// query's n-th region (from 0) is `MASK_FIRST_REGION + n`.
pub const MASK_FIRST_REGION: u8 = 2;

/// The mask of the first `len` queries as data: row i holds one cell per key j ≤ i
/// ([`MASK_NOT_ATTENDED`], [`MASK_DIRECT`], or [`MASK_FIRST_REGION`] + n for the query's
/// n-th region, counted from 0 and capped at 253).
///
/// ```
/// use ltlattn::patterns::{mask, Pattern};
/// let m = mask(&Pattern::Window { k: 2 }, 4);
/// assert_eq!(m[3], vec![0, 1, 1, 1]);
/// ```
pub fn mask(p: &Pattern, len: u64) -> Vec<Vec<u8>> {
    (0..len)
        .map(|i| {
            let s = p.support(i);
            let mut row = vec![MASK_NOT_ATTENDED; i as usize + 1];
            for r in &s.direct {
                for j in r.iter() {
                    row[j as usize] = MASK_DIRECT;
                }
            }
            for (n, r) in s.regions.iter().enumerate() {
                let cell = MASK_FIRST_REGION.saturating_add(n.min(253) as u8);
                for j in r.run.iter() {
                    row[j as usize] = cell;
                }
            }
            row
        })
        .collect()
}

/// The mask of the first `len` queries as text ([`mask`] drawn for a terminal): one row
/// per query i, labelled with i, one column per key j: `#` direct, a letter per region
/// (`a` for the query's first region, `b` for the next, …), `.` not attended; the keys
/// j > i are left out.
pub fn picture(p: &Pattern, len: u64) -> Vec<String> {
    mask(p, len)
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let cells: String = row
                .into_iter()
                .map(|c| match c {
                    MASK_NOT_ATTENDED => '.',
                    MASK_DIRECT => '#',
                    region => char::from(b'a' + ((region - MASK_FIRST_REGION) as usize % 26) as u8),
                })
                .collect();
            format!("{i:>4} {cells}")
        })
        .collect()
}
