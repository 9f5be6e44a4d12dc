//! Numeric models: `model.toml` (with `weights = "….safetensors"`) plus the weights,
//! validated and rounded into the number format (docs/NUMERIC.md §3, grammar/numeric.md).

// A load makes at most one error; its size does not matter, its fields do.
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;
use std::ops::Range as Span;

use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;
use toml::Spanned;

use num_bigint::BigInt;
use num_traits::{One, Signed};

use super::number::{Format, Kind, Num, Overflow, Rounding};
use super::spelling::UnknownSetting;

/// Largest window of a local head.
pub const MAX_WINDOW: i64 = 4096;
/// Largest model width, head width or feed-forward width.
pub const MAX_WIDTH: usize = 4096;

/// A linear map `y = W x + b` (`w[out][in]`, PyTorch's `nn.Linear` layout).
#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    /// The weight rows.
    pub w: Vec<Vec<Num>>,
    /// The bias (zero when the file has none).
    pub b: Vec<Num>,
}

/// Which keys a head attends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumRange {
    /// All earlier positions (and itself under inclusive masking).
    Global,
    /// The `k` previous positions (and itself under inclusive masking).
    Local(u32),
}

/// One attention head.
#[derive(Clone, Debug, PartialEq)]
pub struct NumHead {
    /// Its range.
    pub range: NumRange,
    /// The score scale (default round(1/√d_head)).
    pub scale: Num,
    /// Query, key and value maps.
    pub query: Linear,
    /// Key map.
    pub key: Linear,
    /// Value map.
    pub value: Linear,
}

/// Where a layer's norms sit (docs/NUMERIC.md §2.7, grammar/numeric.md "Layer norm").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormPlace {
    /// On the input of each block: h ← h + block(norm(h)).
    Pre,
    /// On each block's residual sum: h ← norm(h + block(h)).
    Post,
}

/// A layer's norms: `norm1` with the attention block, `norm2` with the feed-forward block.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNorm {
    /// Pre or post.
    pub place: NormPlace,
    /// ε as an exact fraction (num, den), den > 0, num ≥ 0: the decimal the TOML wrote.
    pub eps: (BigInt, BigInt),
    /// (weight γ, bias β) of `norm1` (a layer with heads).
    pub attention: Option<(Vec<Num>, Vec<Num>)>,
    /// (weight γ, bias β) of `norm2` (a layer with a feed-forward block).
    pub ffn: Option<(Vec<Num>, Vec<Num>)>,
}

/// One layer: heads, their output map, an optional feed-forward block, optional norms.
#[derive(Clone, Debug, PartialEq)]
pub struct NumLayer {
    /// The heads (possibly none).
    pub heads: Vec<NumHead>,
    /// The map from the concatenated head outputs back to the model width (none when the
    /// layer has no head).
    pub out: Option<Linear>,
    /// `up` and `down` of the ReLU feed-forward block.
    pub ffn: Option<(Linear, Linear)>,
    /// Layer norm (`norm = "pre"` or `"post"`).
    pub norm: Option<LayerNorm>,
}

/// How much rounding the weights into the format changed them (`Default`: nothing
/// read yet).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct RoundingReport {
    /// Weights read.
    pub weights: usize,
    /// Weights whose value changed.
    pub changed: usize,
    /// The largest change, as a real number.
    pub largest_change: f64,
    /// Where it was (`tensor[index]`).
    pub largest_at: Option<String>,
    /// Weights beyond the format's range (above its largest value or below its lowest):
    /// they became ±∞ under `overflow = "inf"` (nearest-even), else the extreme value.
    pub beyond_range: usize,
    /// The first 20 of them (`BEYOND_RANGE_LISTED`), in file order, as
    /// `tensor[row, column] = weight → value` (`tensor[index]` for a vector).
    pub beyond_range_at: Vec<String>,
}

/// How many weights beyond the format's range the report lists by name.
pub const BEYOND_RANGE_LISTED: usize = 20;

/// A numeric fixed-precision transformer, every weight already in its format.
#[derive(Clone, Debug, PartialEq)]
pub struct NumericModel {
    /// The model's name.
    pub name: Option<String>,
    /// The tokens; `embed` has one more row, for ⊣.
    pub alphabet: Vec<String>,
    /// The number format.
    pub format: Format,
    /// Inclusive masking (outside the theorems).
    pub inclusive: bool,
    /// The model width d.
    pub width: usize,
    /// Token embeddings, then ⊣.
    pub embed: Vec<Vec<Num>>,
    /// The layers.
    pub layers: Vec<NumLayer>,
    /// The classifier weight row.
    pub classifier: Vec<Num>,
    /// The classifier bias.
    pub classifier_bias: Num,
    /// What rounding the weights into the format did.
    pub rounding: RoundingReport,
}

/// What kind of mistake a [`NumericError`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumericErrorKind {
    /// The TOML does not parse or has an unknown key.
    Toml,
    /// A TOML value the schema does not allow.
    Value {
        /// The key.
        field: &'static str,
    },
    /// The weights file cannot be read or is not safetensors.
    Weights,
    /// A tensor the model needs is not in the file.
    MissingTensor {
        /// Its name.
        tensor: String,
    },
    /// The file has a tensor the model does not use.
    ExtraTensor {
        /// Its name.
        tensor: String,
    },
    /// A tensor of the wrong shape or type.
    Shape {
        /// Its name.
        tensor: String,
    },
    /// A NaN or infinite weight.
    NotFinite {
        /// The tensor.
        tensor: String,
    },
    /// A feature the tool does not implement (none today; kept for scripts matching on it).
    Unsupported {
        /// What.
        what: &'static str,
    },
}

/// A numeric model that cannot be loaded: what, where (a TOML span or a tensor name),
/// and how to fix it.
pub type NumericError = crate::diag::FileError<NumericErrorKind>;

impl crate::diag::ErrorKind for NumericErrorKind {
    const CODE: &'static str = "ltlattn::numeric";
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Option<String>,
    alphabet: Spanned<Vec<Spanned<String>>>,
    weights: Spanned<String>,
    acceptance: Option<Spanned<String>>,
    masking: Option<Spanned<String>>,
    number: Spanned<RawNumber>,
    #[serde(default)]
    layer: Vec<RawLayer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumber {
    format: Spanned<String>,
    int_bits: Option<Spanned<i64>>,
    frac_bits: Option<Spanned<i64>>,
    exp_bits: Option<Spanned<i64>>,
    man_bits: Option<Spanned<i64>>,
    subnormals: Option<bool>,
    rounding: Option<Spanned<String>>,
    overflow: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    #[serde(default)]
    ffn: bool,
    norm: Option<Spanned<String>>,
    norm_eps: Option<Spanned<toml::Value>>,
    #[serde(default)]
    head: Vec<RawHead>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHead {
    range: Spanned<String>,
    window: Option<Spanned<i64>>,
    scale: Option<Spanned<f64>>,
}

/// ε of a layer norm as the exact decimal the TOML wrote (`1e-5` is 1/100000, not the
/// nearest double): a non-negative integer or float literal.
fn exact_eps(c: &Ctx<'_>, e: &Spanned<toml::Value>) -> Result<(BigInt, BigInt), NumericError> {
    let bad = |why: &str| {
        c.err(
            NumericErrorKind::Value { field: "norm_eps" },
            Some(e.span()),
            format!("norm_eps {why}"),
            Some("write ε as a decimal number ≥ 0, e.g. norm_eps = 1e-5".into()),
        )
    };
    if !matches!(e.get_ref(), toml::Value::Float(_) | toml::Value::Integer(_)) {
        return Err(bad("must be a number"));
    }
    let literal = c.text.get(e.span()).unwrap_or("");
    let (num, den) =
        parse_decimal(literal).ok_or_else(|| bad("must be a finite decimal number"))?;
    if num.is_negative() {
        return Err(bad("must not be negative"));
    }
    Ok((num, den))
}

/// A TOML decimal literal (`-1_000.5e-3`, `7`, `+0.1`) as an exact fraction; `None` for
/// anything else (hexadecimal, inf, nan). In lowest terms.
pub(crate) fn parse_decimal(text: &str) -> Option<(BigInt, BigInt)> {
    let t: String = text.trim().chars().filter(|&ch| ch != '_').collect();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int_part}{frac_part}");
    if int_part.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !(-400..=400).contains(&exponent)
    {
        return None;
    }
    let mut num: BigInt = digits.parse().ok()?;
    let shift = exponent - frac_part.len() as i32;
    let ten = BigInt::from(10u32);
    let mut den = BigInt::one();
    if shift >= 0 {
        num *= num_traits::pow(ten, shift as usize);
    } else {
        den = num_traits::pow(ten, (-shift) as usize);
    }
    if negative {
        num = -num;
    }
    let g = num_integer::Integer::gcd(&num, &den);
    if g > BigInt::one() {
        num /= &g;
        den /= &g;
    }
    Some((num, den))
}

/// Whether a `model.toml` text describes a numeric model (it names a weights file)
/// rather than a Boolean program.
pub fn is_numeric(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("weights"))
}

/// The weights file a numeric model at `model_path` (a `model.toml` text `text`) names:
/// its `weights` key, relative to the model file's folder. `None` when it names none.
///
/// ```
/// use ltlattn::model::numeric::weights_path;
/// let at = weights_path("examples/numeric/contains-a.toml", "weights = \"contains-a.safetensors\"");
/// assert_eq!(at, Some("examples/numeric/contains-a.safetensors".into()));
/// ```
pub fn weights_path(model_path: &str, text: &str) -> Option<std::path::PathBuf> {
    let weights = toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("weights").and_then(|w| w.as_str()).map(String::from))?;
    let dir = std::path::Path::new(model_path)
        .parent()
        .unwrap_or(std::path::Path::new("."));
    Some(dir.join(weights))
}

/// The help for a NaN met while running or compiling `m`: an infinity often comes from
/// weights beyond the format's range when loaded (they became ±∞), so they are named.
/// `None` when every weight was within range.
pub fn beyond_range_help(m: &NumericModel) -> Option<String> {
    let r = &m.rounding;
    let more = r.beyond_range - r.beyond_range_at.len();
    (r.beyond_range > 0).then(|| {
        format!(
            "{} weights were beyond the format's range when loaded: {}{}",
            r.beyond_range,
            r.beyond_range_at.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        )
    })
}

struct Ctx<'a> {
    name: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(
        &self,
        kind: NumericErrorKind,
        span: Option<Span<usize>>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> NumericError {
        NumericError::new(kind, (self.name, self.text), span, message, help)
    }
}

fn bits(
    c: &Ctx<'_>,
    v: &Option<Spanned<i64>>,
    field: &'static str,
    at: Span<usize>,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, NumericError> {
    let v = v.as_ref().ok_or_else(|| {
        c.err(
            NumericErrorKind::Value { field },
            Some(at),
            format!("the format needs `{field}`"),
            Some(format!("add {field} = n with n in {range:?}")),
        )
    })?;
    if !u32::try_from(*v.get_ref()).is_ok_and(|b| range.contains(&b)) {
        return Err(c.err(
            NumericErrorKind::Value { field },
            Some(v.span()),
            format!("{field} = {} is outside {range:?}", v.get_ref()),
            None,
        ));
    }
    Ok(*v.get_ref() as u32)
}

fn format_of(c: &Ctx<'_>, n: &Spanned<RawNumber>) -> Result<Format, NumericError> {
    let raw = n.get_ref();
    let at = raw.format.span();
    // The words are `Rounding`'s and `Overflow`'s spelling (src/model/numeric/spelling.rs).
    let unknown = |field, s, e: UnknownSetting| {
        c.err(
            NumericErrorKind::Value { field },
            Some(s),
            format!("unknown {} `{}`", e.setting, e.word),
            Some(format!("use {}", e.expected)),
        )
    };
    let rounding = match &raw.rounding {
        None => Rounding::NearestEven,
        Some(r) => r
            .get_ref()
            .parse()
            .map_err(|e| unknown("rounding", r.span(), e))?,
    };
    let overflow = match &raw.overflow {
        None => Overflow::Saturate,
        Some(o) => {
            let overflow = o
                .get_ref()
                .parse()
                .map_err(|e| unknown("overflow", o.span(), e))?;
            if overflow == Overflow::Inf && raw.format.get_ref() != "float" {
                return Err(c.err(
                    NumericErrorKind::Value { field: "overflow" },
                    Some(o.span()),
                    "overflow = \"inf\" needs a float format",
                    Some("fixed-point formats saturate".into()),
                ));
            }
            overflow
        }
    };
    let misplaced = |v: &Option<Spanned<i64>>, field: &'static str, kind: &str| match v {
        Some(v) => Err(c.err(
            NumericErrorKind::Value { field },
            Some(v.span()),
            format!("`{field}` belongs to {kind} formats"),
            None,
        )),
        None => Ok(()),
    };
    match raw.format.get_ref().as_str() {
        "fixed" => {
            misplaced(&raw.exp_bits, "exp_bits", "float")?;
            misplaced(&raw.man_bits, "man_bits", "float")?;
            let int_bits = bits(c, &raw.int_bits, "int_bits", at.clone(), Format::INT_BITS)?;
            let frac_bits = bits(
                c,
                &raw.frac_bits,
                "frac_bits",
                at.clone(),
                Format::FRAC_BITS,
            )?;
            if !Format::FIXED_BITS.contains(&(int_bits + frac_bits)) {
                return Err(c.err(
                    NumericErrorKind::Value { field: "frac_bits" },
                    Some(at),
                    "a fixed format needs between 1 and 40 bits besides the sign",
                    None,
                ));
            }
            let mut f = Format::fixed(int_bits, frac_bits, rounding);
            f.overflow = overflow;
            Ok(f)
        }
        "float" => {
            misplaced(&raw.int_bits, "int_bits", "fixed")?;
            misplaced(&raw.frac_bits, "frac_bits", "fixed")?;
            let exp_bits = bits(c, &raw.exp_bits, "exp_bits", at.clone(), Format::EXP_BITS)?;
            let man_bits = bits(c, &raw.man_bits, "man_bits", at, Format::MAN_BITS)?;
            Ok(Format::float(
                exp_bits,
                man_bits,
                raw.subnormals.unwrap_or(true),
                rounding,
                overflow,
            ))
        }
        other => Err(c.err(
            NumericErrorKind::Value { field: "format" },
            Some(raw.format.span()),
            format!("unknown number format `{other}`"),
            Some("use fixed (int_bits, frac_bits) or float (exp_bits, man_bits)".into()),
        )),
    }
}

/// The tensors of a safetensors file, read as exact values and rounded into F, with
/// the names still unread (to report extra tensors).
struct Tensors<'a> {
    c: &'a Ctx<'a>,
    file: SafeTensors<'a>,
    format: Format,
    unread: BTreeSet<String>,
    report: RoundingReport,
}

impl Tensors<'_> {
    /// The tensor `name` with this shape, rounded into F; `optional` tensors default to
    /// zero.
    fn get(
        &mut self,
        name: &str,
        shape: &[usize],
        optional: bool,
    ) -> Result<Vec<Num>, NumericError> {
        let t = match self.file.tensor(name) {
            Ok(t) => t,
            Err(_) if optional => return Ok(vec![Num::zero(); shape.iter().product()]),
            Err(_) => {
                return Err(self.c.err(
                    NumericErrorKind::MissingTensor {
                        tensor: name.into(),
                    },
                    None,
                    format!("the weights file has no tensor `{name}`"),
                    Some(format!(
                        "the model needs `{name}` of shape {shape:?} (docs/NUMERIC.md §3)"
                    )),
                ))
            }
        };
        self.unread.remove(name);
        if t.shape() != shape {
            return Err(self.c.err(
                NumericErrorKind::Shape {
                    tensor: name.into(),
                },
                None,
                format!(
                    "tensor `{name}` has shape {:?}; the model needs {shape:?}",
                    t.shape()
                ),
                Some(
                    "shapes follow PyTorch's nn.Linear: weight[out, in] (docs/NUMERIC.md §3)"
                        .into(),
                ),
            ));
        }
        let raw: Vec<f64> = match t.dtype() {
            Dtype::F32 => t
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
                .collect(),
            Dtype::F64 => t
                .data()
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                .collect(),
            Dtype::F16 => t
                .data()
                .chunks_exact(2)
                .map(|b| f16_to_f64(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
            Dtype::BF16 => t
                .data()
                .chunks_exact(2)
                .map(|b| f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16) as f64)
                .collect(),
            other => {
                return Err(self.c.err(
                    NumericErrorKind::Shape {
                        tensor: name.into(),
                    },
                    None,
                    format!("tensor `{name}` has dtype {other:?}"),
                    Some("store weights as F32, F16, BF16 or F64".into()),
                ))
            }
        };
        let mut out = Vec::with_capacity(raw.len());
        // The format's range: its largest value, and its lowest (−2^int_bits for fixed
        // formats), found as the saturated rounding of a huge negative number.
        let top = self.format.max_finite();
        let bottom = Num::from_f64(-f64::MAX)
            .and_then(|x| self.format.round(&x).ok())
            .filter(Num::is_finite)
            .unwrap_or_else(|| top.neg());
        for (i, x) in raw.into_iter().enumerate() {
            let exact = Num::from_f64(x).filter(Num::is_finite).ok_or_else(|| {
                self.c.err(
                    NumericErrorKind::NotFinite {
                        tensor: name.into(),
                    },
                    None,
                    format!("tensor `{name}` has the non-finite weight {x} at index {i}"),
                    Some("every weight must be a finite number".into()),
                )
            })?;
            // Finite inputs never make NaN when rounded.
            let r = self.format.round(&exact).unwrap_or_else(|_| Num::zero());
            self.report.weights += 1;
            if exact > top || exact < bottom {
                self.report.beyond_range += 1;
                if self.report.beyond_range_at.len() < BEYOND_RANGE_LISTED {
                    let at = match shape {
                        [_, cols] if *cols > 0 => format!("{}, {}", i / cols, i % cols),
                        _ => i.to_string(),
                    };
                    self.report
                        .beyond_range_at
                        .push(format!("{name}[{at}] = {x} → {r}"));
                }
            }
            if r != exact {
                self.report.changed += 1;
                let change = (r.to_f64() - x).abs();
                if change > self.report.largest_change || self.report.largest_at.is_none() {
                    self.report.largest_change = change;
                    self.report.largest_at = Some(format!("{name}[{i}]"));
                }
            }
            out.push(r);
        }
        Ok(out)
    }

    fn linear(&mut self, prefix: &str, out: usize, inp: usize) -> Result<Linear, NumericError> {
        let w = self.get(&format!("{prefix}.weight"), &[out, inp], false)?;
        let b = self.get(&format!("{prefix}.bias"), &[out], true)?;
        Ok(Linear {
            w: w.chunks(inp.max(1)).map(<[Num]>::to_vec).collect(),
            b,
        })
    }

    fn shape_of(&self, name: &str) -> Option<Vec<usize>> {
        self.file.tensor(name).ok().map(|t| t.shape().to_vec())
    }
}

fn f16_to_f64(h: u16) -> f64 {
    let sign = if h >> 15 == 1 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f64;
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// Loads a numeric model from its TOML text (`name` is shown in errors) and the bytes
/// of its weights file.
pub fn load_numeric(name: &str, text: &str, weights: &[u8]) -> Result<NumericModel, NumericError> {
    let c = Ctx { name, text };
    let raw: RawModel = toml::from_str(text).map_err(|e| {
        let msg = e.message().trim().to_string();
        c.err(
            NumericErrorKind::Toml,
            e.span(),
            format!("cannot read the model: {msg}"),
            Some("see grammar/numeric.md for the keys of a numeric model".into()),
        )
    })?;
    if let Some(a) = &raw.acceptance {
        if a.get_ref() != "eos" {
            return Err(c.err(
                NumericErrorKind::Value {
                    field: "acceptance",
                },
                Some(a.span()),
                format!(
                    "acceptance `{}`: numeric models classify at the end marker",
                    a.get_ref()
                ),
                Some("acceptance = \"eos\" is the only value for numeric models".into()),
            ));
        }
    }
    let inclusive = match raw
        .masking
        .as_ref()
        .map(|m| (m.get_ref().as_str(), m.span()))
    {
        None | Some(("strict", _)) => false,
        Some(("inclusive", _)) => true,
        Some((other, s)) => {
            return Err(c.err(
                NumericErrorKind::Value { field: "masking" },
                Some(s),
                format!("unknown masking `{other}`"),
                Some("use strict (j < i, the default) or inclusive (j ≤ i)".into()),
            ))
        }
    };
    let format = format_of(&c, &raw.number)?;
    let mut alphabet: Vec<String> = Vec::new();
    for t in raw.alphabet.get_ref() {
        if t.get_ref().is_empty() || alphabet.contains(t.get_ref()) {
            return Err(c.err(
                NumericErrorKind::Value { field: "alphabet" },
                Some(t.span()),
                format!("the token `{}` is empty or listed twice", t.get_ref()),
                None,
            ));
        }
        alphabet.push(t.get_ref().clone());
    }
    if alphabet.is_empty() {
        return Err(c.err(
            NumericErrorKind::Value { field: "alphabet" },
            Some(raw.alphabet.span()),
            "the alphabet is empty",
            None,
        ));
    }
    let file = SafeTensors::deserialize(weights).map_err(|e| {
        c.err(
            NumericErrorKind::Weights,
            Some(raw.weights.span()),
            format!("`{}` is not a safetensors file: {e}", raw.weights.get_ref()),
            Some(
                "write the weights with safetensors (PyTorch: safetensors.torch.save_file)".into(),
            ),
        )
    })?;
    let unread = file.names().into_iter().cloned().collect();
    let mut t = Tensors {
        c: &c,
        file,
        format,
        unread,
        report: RoundingReport::default(),
    };
    let width = match t.shape_of("embed").as_deref() {
        Some([rows, d]) if *rows == alphabet.len() + 1 && (1..=MAX_WIDTH).contains(d) => *d,
        Some(shape) => {
            return Err(c.err(
                NumericErrorKind::Shape {
                    tensor: "embed".into(),
                },
                None,
                format!(
                    "tensor `embed` has shape {shape:?}; the model needs [{}, d] (one row per token, then ⊣) with 1 ≤ d ≤ {MAX_WIDTH}",
                    alphabet.len() + 1
                ),
                None,
            ))
        }
        None => {
            return Err(c.err(
                NumericErrorKind::MissingTensor {
                    tensor: "embed".into(),
                },
                None,
                "the weights file has no tensor `embed`",
                Some("embed has one row per token, then one for ⊣".into()),
            ))
        }
    };
    let e = t.get("embed", &[alphabet.len() + 1, width], false)?;
    let embed = e.chunks(width).map(<[Num]>::to_vec).collect();
    let mut layers = Vec::new();
    for (l, layer) in raw.layer.iter().enumerate() {
        let place = match layer
            .norm
            .as_ref()
            .map(|n| (n.get_ref().as_str(), n.span()))
        {
            None | Some(("none", _)) => None,
            Some(("pre", _)) => Some(NormPlace::Pre),
            Some(("post", _)) => Some(NormPlace::Post),
            Some((other, span)) => {
                return Err(c.err(
                    NumericErrorKind::Value { field: "norm" },
                    Some(span),
                    format!("unknown norm `{other}`"),
                    Some("norm is \"none\" (the default), \"pre\" or \"post\"".into()),
                ))
            }
        };
        let eps = match (&layer.norm_eps, place) {
            (Some(e), None) => {
                return Err(c.err(
                    NumericErrorKind::Value { field: "norm_eps" },
                    Some(e.span()),
                    "norm_eps belongs to a layer with norm = \"pre\" or \"post\"",
                    None,
                ))
            }
            (Some(e), Some(_)) => exact_eps(&c, e)?,
            // PyTorch's nn.LayerNorm default, 1e-5, as the decimal it is.
            (None, _) => (BigInt::one(), BigInt::from(100_000u32)),
        };
        let mut heads = Vec::new();
        let mut d_head = None;
        for (h, raw_head) in layer.head.iter().enumerate() {
            let prefix = format!("layer.{l}.head.{h}");
            let dh = match t.shape_of(&format!("{prefix}.query.weight")).as_deref() {
                Some([dh, d]) if *d == width && (1..=MAX_WIDTH).contains(dh) => *dh,
                _ => width,
            };
            let range = match raw_head.range.get_ref().as_str() {
                "global" => {
                    if let Some(w) = &raw_head.window {
                        return Err(c.err(
                            NumericErrorKind::Value { field: "window" },
                            Some(w.span()),
                            "a global head has no window",
                            None,
                        ));
                    }
                    NumRange::Global
                }
                "local" => {
                    let w = raw_head.window.as_ref().ok_or_else(|| {
                        c.err(
                            NumericErrorKind::Value { field: "window" },
                            Some(raw_head.range.span()),
                            format!("the local head {h} of layer {l} needs a window"),
                            Some("add window = k (k ≥ 1)".into()),
                        )
                    })?;
                    if !(1..=MAX_WINDOW).contains(w.get_ref()) {
                        return Err(c.err(
                            NumericErrorKind::Value { field: "window" },
                            Some(w.span()),
                            format!("window {} is outside 1 … {MAX_WINDOW}", w.get_ref()),
                            Some("window = 1 sees the previous position".into()),
                        ));
                    }
                    NumRange::Local(*w.get_ref() as u32)
                }
                other => {
                    return Err(c.err(
                        NumericErrorKind::Value { field: "range" },
                        Some(raw_head.range.span()),
                        format!("unknown range `{other}`"),
                        Some("numeric heads are global or local (with a window)".into()),
                    ))
                }
            };
            let scale = match &raw_head.scale {
                None => format.inv_sqrt(dh as u64),
                Some(s) => Num::from_f64(*s.get_ref())
                    .filter(Num::is_finite)
                    .map(|x| format.round(&x).unwrap_or_else(|_| Num::zero()))
                    .ok_or_else(|| {
                        c.err(
                            NumericErrorKind::Value { field: "scale" },
                            Some(s.span()),
                            "the scale must be a finite number",
                            None,
                        )
                    })?,
            };
            if d_head.is_some_and(|x| x != dh) {
                return Err(c.err(
                    NumericErrorKind::Shape {
                        tensor: format!("{prefix}.query.weight"),
                    },
                    None,
                    format!("the heads of layer {l} have different widths"),
                    None,
                ));
            }
            d_head = Some(dh);
            heads.push(NumHead {
                range,
                scale,
                query: t.linear(&format!("{prefix}.query"), dh, width)?,
                key: t.linear(&format!("{prefix}.key"), dh, width)?,
                value: t.linear(&format!("{prefix}.value"), dh, width)?,
            });
        }
        let out = match d_head {
            Some(dh) => Some(t.linear(&format!("layer.{l}.out"), width, dh * heads.len())?),
            None => None,
        };
        let ffn = if layer.ffn {
            let up_name = format!("layer.{l}.ffn.up.weight");
            let dff = match t.shape_of(&up_name).as_deref() {
                Some([dff, d]) if *d == width && (1..=MAX_WIDTH).contains(dff) => *dff,
                _ => width,
            };
            Some((
                t.linear(&format!("layer.{l}.ffn.up"), dff, width)?,
                t.linear(&format!("layer.{l}.ffn.down"), width, dff)?,
            ))
        } else {
            None
        };
        let norm = match place {
            None => None,
            Some(place) => {
                let mut pair = |which: &str| -> Result<(Vec<Num>, Vec<Num>), NumericError> {
                    Ok((
                        t.get(&format!("layer.{l}.{which}.weight"), &[width], false)?,
                        t.get(&format!("layer.{l}.{which}.bias"), &[width], true)?,
                    ))
                };
                let attention = if out.is_some() {
                    Some(pair("norm1")?)
                } else {
                    None
                };
                let ffn_norm = if ffn.is_some() {
                    Some(pair("norm2")?)
                } else {
                    None
                };
                Some(LayerNorm {
                    place,
                    eps,
                    attention,
                    ffn: ffn_norm,
                })
            }
        };
        layers.push(NumLayer {
            heads,
            out,
            ffn,
            norm,
        });
    }
    let classifier = t.get("classifier.weight", &[1, width], false)?;
    let classifier_bias = t.get("classifier.bias", &[1], true)?[0].clone();
    if let Some(extra) = t.unread.iter().next() {
        return Err(c.err(
            NumericErrorKind::ExtraTensor {
                tensor: extra.clone(),
            },
            None,
            format!("the weights file has the tensor `{extra}`, which the model does not use"),
            Some("remove it, or add the layer, head or ffn = true that reads it".into()),
        ));
    }
    let rounding = t.report;
    Ok(NumericModel {
        name: raw.name,
        alphabet,
        format,
        inclusive,
        width,
        embed,
        layers,
        classifier,
        classifier_bias,
        rounding,
    })
}

impl NumericModel {
    /// The largest window of the local heads of layer `l` (0: none).
    pub fn window(&self, l: usize) -> u32 {
        self.layers[l]
            .heads
            .iter()
            .filter_map(|h| match h.range {
                NumRange::Local(k) => Some(k),
                NumRange::Global => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// Whether layer `l` has a global head.
    pub fn has_global(&self, l: usize) -> bool {
        self.layers[l]
            .heads
            .iter()
            .any(|h| h.range == NumRange::Global)
    }

    /// The format's kind, for reports.
    pub fn kind(&self) -> Kind {
        self.format.kind
    }
}

#[cfg(test)]
mod tests {
    use super::{format_of, parse_decimal, Ctx, RawNumber};
    use num_bigint::BigInt;
    use toml::Spanned;

    /// The `[number]` table the library writes for a format (the trainer's) is read back
    /// as that format, for every format there is.
    #[test]
    fn every_number_table_reads_back_as_its_format() {
        #[derive(serde::Deserialize)]
        struct Model {
            number: Spanned<RawNumber>,
        }
        for f in crate::model::numeric::spelling::every_format() {
            let text = format!("[number]\n{}", f.number_table());
            let m: Model = toml::from_str(&text).unwrap();
            let c = Ctx {
                name: "t",
                text: &text,
            };
            assert_eq!(format_of(&c, &m.number).ok(), Some(f), "{text}");
        }
    }

    fn q(n: i64, d: i64) -> Option<(BigInt, BigInt)> {
        Some((n.into(), d.into()))
    }

    #[test]
    fn decimals_are_read_exactly() {
        assert_eq!(parse_decimal("1e-5"), q(1, 100_000));
        assert_eq!(parse_decimal("-1_000.5e-3"), q(-2001, 2000));
        assert_eq!(parse_decimal("7"), q(7, 1));
        assert_eq!(parse_decimal("+0.1"), q(1, 10));
        assert_eq!(parse_decimal("2.5E2"), q(250, 1));
        assert_eq!(parse_decimal("0.0"), q(0, 1));
        for bad in ["0x10", "inf", "nan", "-inf", ".5", "1e", "", "1e99999"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }
}
