//! The network of docs/NUMERIC.md §2 in candle, for training: NoPE, strict masking, the
//! end marker ⊣ appended, the classifier read at ⊣, global / local-k heads, an optional
//! ReLU feed-forward block, no layer norm. Parameters are named as NUMERIC.md §3's
//! tensors, so `VarMap::save` writes the weights file `ltlattn` reads.
//!
//! Two forward passes over the same f32 ("shadow") weights:
//! - [`Mode::Float`]: floating-point softmax, the float baseline (its weights are rounded
//!   into the format only afterwards, by the loader);
//! - [`Mode::Exact`]: quantization-aware, computing exactly what `ltlattn`'s executor
//!   computes in the format (docs/NUMERIC.md §2): the weights rounded, every dot product
//!   with its bias rounded once, the scores, exp(s − μ) (the library's correctly rounded
//!   exp), the denominator (overflow: every α = 0), α, the average, the residuals, the
//!   feed-forward block and the classifier. Gradients pass straight through the roundings.
//!
//! The exact pass computes in f64, where every sum it forms is exact for the formats used
//! (fixed 4.4: products are multiples of 2^-8 below 2^8; e4m3: multiples of 2^-18 below
//! 2^16, sums of at most a few hundred terms below 2^26 — far inside 53 bits), so one
//! rounding of the f64 result is the one rounding of the exact real result.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use candle_core::{CpuStorage, CustomOp1, DType, Device, Layout, Result, Shape, Tensor, D};
use candle_nn::{linear, Linear, Module, VarBuilder};
use ltlattn::numeric::{Format, FormatNameError, Kind, Num, Overflow, Rounding};

/// Which forward pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Float arithmetic (the baseline).
    Float,
    /// The judged arithmetic of this format.
    Exact(Fmt),
}

/// Which keys a head attends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// All earlier positions.
    Global,
    /// The k previous positions.
    Local(usize),
}

/// The shape of a network.
#[derive(Clone, Debug)]
pub struct Arch {
    /// Its name in the results (`global`, `local-2`, `hybrid-4`, …).
    pub name: String,
    /// Model width.
    pub width: usize,
    /// Head width.
    pub d_head: usize,
    /// Per layer, the heads' ranges.
    pub layers: Vec<Vec<Range>>,
    /// A feed-forward block in every layer, of this width (0: none).
    pub d_ff: usize,
}

impl Arch {
    /// `global`, `local-k` or `hybrid-k`: two layers of two heads (hybrid: one global,
    /// one local-k), width 8, head width 4, a feed-forward block of width 8.
    pub fn named(name: &str) -> Option<Arch> {
        let heads = if name == "global" {
            vec![Range::Global, Range::Global]
        } else if let Some(k) = name.strip_prefix("local-") {
            let k: usize = k.parse().ok()?;
            vec![Range::Local(k), Range::Local(k)]
        } else if let Some(k) = name.strip_prefix("hybrid-") {
            let k: usize = k.parse().ok()?;
            vec![Range::Global, Range::Local(k)]
        } else {
            return None;
        };
        Some(Arch {
            name: name.into(),
            width: 8,
            d_head: 4,
            layers: vec![heads.clone(), heads],
            d_ff: 8,
        })
    }
}

struct Head {
    range: Range,
    query: Linear,
    key: Linear,
    value: Linear,
}

struct Layer {
    heads: Vec<Head>,
    out: Linear,
    ffn: Option<(Linear, Linear)>,
}

/// The network.
pub struct Net {
    arch: Arch,
    /// Tokens: the alphabet's letters, then ⊣.
    vocab: usize,
    embed: Tensor,
    layers: Vec<Layer>,
    classifier: Linear,
}

impl Net {
    /// A fresh network over `letters` letters (⊣ is token `letters`).
    pub fn new(arch: &Arch, letters: usize, vb: VarBuilder) -> Result<Net> {
        let d = arch.width;
        let embed = vb.get_with_hints(
            (letters + 1, d),
            "embed",
            candle_nn::Init::Randn {
                mean: 0.0,
                stdev: 1.0,
            },
        )?;
        let mut layers = Vec::new();
        for (l, ranges) in arch.layers.iter().enumerate() {
            let lv = vb.pp(format!("layer.{l}"));
            let mut heads = Vec::new();
            for (h, &range) in ranges.iter().enumerate() {
                let hv = lv.pp(format!("head.{h}"));
                heads.push(Head {
                    range,
                    query: linear(d, arch.d_head, hv.pp("query"))?,
                    key: linear(d, arch.d_head, hv.pp("key"))?,
                    value: linear(d, arch.d_head, hv.pp("value"))?,
                });
            }
            let out = linear(arch.d_head * ranges.len(), d, lv.pp("out"))?;
            let ffn = if arch.d_ff > 0 {
                Some((
                    linear(d, arch.d_ff, lv.pp("ffn.up"))?,
                    linear(arch.d_ff, d, lv.pp("ffn.down"))?,
                ))
            } else {
                None
            };
            layers.push(Layer { heads, out, ffn });
        }
        let classifier = linear(d, 1, vb.pp("classifier"))?;
        Ok(Net {
            arch: arch.clone(),
            vocab: letters + 1,
            embed,
            layers,
            classifier,
        })
    }

    /// Logits at ⊣ for a batch of words (letter indices), padded with ⊣ after the end
    /// marker (positions after ⊣ never reach it: the masks are strict).
    pub fn logits(&self, words: &[Vec<u32>], mode: Mode, dev: &Device) -> Result<Tensor> {
        let b = words.len();
        let t = words.iter().map(Vec::len).max().unwrap_or(0) + 1;
        let eos = (self.vocab - 1) as u32;
        let mut ids = Vec::with_capacity(b * t);
        let mut select = vec![0f32; b * t];
        for (i, w) in words.iter().enumerate() {
            ids.extend(w.iter().copied());
            ids.extend(std::iter::repeat_n(eos, t - w.len()));
            select[i * t + w.len()] = 1.0;
        }
        let ids = Tensor::from_vec(ids, b * t, dev)?;
        let select = Tensor::from_vec(select, (b, t), dev)?;
        let logits = match mode {
            Mode::Float => self.float_logits(&ids, b, t, dev)?,
            Mode::Exact(f) => self
                .exact_logits(f, &ids, b, t, dev)?
                .to_dtype(DType::F32)?,
        };
        (logits * select)?.sum(1)
    }

    fn float_logits(&self, ids: &Tensor, b: usize, t: usize, dev: &Device) -> Result<Tensor> {
        let mut x = self
            .embed
            .index_select(ids, 0)?
            .reshape((b, t, self.arch.width))?;
        let scale = 1.0 / (self.arch.d_head as f64).sqrt();
        for layer in &self.layers {
            let mut outs = Vec::new();
            for head in &layer.heads {
                let (mask, has_key) = masks(head.range, t, dev)?;
                let q = head.query.forward(&x)?;
                let k = head.key.forward(&x)?;
                let v = head.value.forward(&x)?;
                let s = (q.matmul(&k.transpose(1, 2)?)? * scale)?;
                let s = s.broadcast_add(&mask.to_dtype(DType::F32)?)?;
                let a = candle_nn::ops::softmax_last_dim(&s)?;
                let a = a.broadcast_mul(&has_key.to_dtype(DType::F32)?)?;
                outs.push(a.matmul(&v)?);
            }
            let concat = Tensor::cat(&outs, D::Minus1)?;
            x = (&x + layer.out.forward(&concat)?)?;
            if let Some((up, down)) = &layer.ffn {
                x = (&x + down.forward(&up.forward(&x)?.relu()?)?)?;
            }
        }
        self.classifier.forward(&x)?.squeeze(D::Minus1)
    }

    /// NUMERIC.md §2 step by step, each rounding where the executor rounds.
    fn exact_logits(
        &self,
        f: Fmt,
        ids: &Tensor,
        b: usize,
        t: usize,
        dev: &Device,
    ) -> Result<Tensor> {
        // round(W x + b): the weights rounded into the format, then one rounding of the
        // exact dot product with its bias.
        let apply = |lin: &Linear, x: &Tensor| -> Result<Tensor> {
            let w = round(f, &lin.weight().to_dtype(DType::F64)?)?;
            let mut y = x.broadcast_matmul(&w.t()?)?;
            if let Some(bias) = lin.bias() {
                y = y.broadcast_add(&round(f, &bias.to_dtype(DType::F64)?)?)?;
            }
            round(f, &y)
        };
        let embed = round(f, &self.embed.to_dtype(DType::F64)?)?;
        let mut x = embed
            .index_select(ids, 0)?
            .reshape((b, t, self.arch.width))?;
        // The default scale, round(1/√d_head), as the loader computes it.
        let scale = f.library().inv_sqrt(self.arch.d_head as u64).to_f64();
        for layer in &self.layers {
            let mut outs = Vec::new();
            for head in &layer.heads {
                let (mask, has_key) = masks(head.range, t, dev)?;
                let attended = mask.ge(MASKED / 2.0)?.to_dtype(DType::F64)?;
                let q = apply(&head.query, &x)?;
                let k = apply(&head.key, &x)?;
                let v = apply(&head.value, &x)?;
                let s = round(f, &(q.matmul(&k.transpose(1, 2)?.contiguous()?)? * scale)?)?;
                // μ over the attended keys; s − μ is exact (a difference of two values of
                // the format), and a masked key's difference is about −10⁹, whose exp is 0.
                let masked = s.broadcast_add(&mask)?;
                let mu = masked.max_keepdim(D::Minus1)?.detach();
                let e = masked
                    .broadcast_sub(&mu)?
                    .contiguous()?
                    .apply_op1(ExpOp(f))?
                    .broadcast_mul(&attended)?;
                let d_sum = e.sum_keepdim(D::Minus1)?;
                // The denominator rule: D beyond the largest value is +∞ and every α is 0;
                // a query with no key has output 0. Both as a constant 0/1 factor.
                let keep: Vec<f64> = d_sum
                    .flatten_all()?
                    .to_vec1::<f64>()?
                    .iter()
                    .map(|&x| f64::from(u8::from(x > 0.0 && f.round_denominator(x).is_some())))
                    .collect();
                let keep = Tensor::from_vec(keep, d_sum.shape(), dev)?;
                // Rows without keys divide by 1 instead of 0 (their α is zeroed anyway).
                let d = round(f, &d_sum)?.broadcast_add(&(1.0 - &has_key)?)?;
                let alpha = round(f, &e.broadcast_div(&d)?)?.broadcast_mul(&keep)?;
                outs.push(round(f, &alpha.matmul(&v)?)?);
            }
            let concat = Tensor::cat(&outs, D::Minus1)?;
            x = round(f, &(&x + apply(&layer.out, &concat)?)?)?;
            if let Some((up, down)) = &layer.ffn {
                let u = apply(up, &x)?.relu()?;
                x = round(f, &(&x + apply(down, &u)?)?)?;
            }
        }
        apply(&self.classifier, &x)?.squeeze(D::Minus1)
    }

    /// Every parameter replaced by its value in the format: what training has been
    /// computing with, so the loader rounds nothing more.
    pub fn round_weights(varmap: &candle_nn::VarMap, f: Fmt) -> Result<()> {
        let data = varmap.data().lock().expect("the var map");
        for var in data.values() {
            let r = round(f, &var.as_tensor().to_dtype(DType::F64)?)?.to_dtype(DType::F32)?;
            var.set(&r)?;
        }
        Ok(())
    }
}

/// The additive mask (0 where j is attended, [`MASKED`] elsewhere) and the rows that
/// attend something (the head's output is zero at a query with no key, NUMERIC.md §2.3),
/// in f64.
fn masks(range: Range, t: usize, dev: &Device) -> Result<(Tensor, Tensor)> {
    let mut m = vec![MASKED; t * t];
    let mut any = vec![0f64; t];
    for i in 0..t {
        let lo = match range {
            Range::Global => 0,
            Range::Local(k) => i.saturating_sub(k),
        };
        for j in lo..i {
            m[i * t + j] = 0.0;
            any[i] = 1.0;
        }
    }
    Ok((
        Tensor::from_vec(m, (t, t), dev)?,
        Tensor::from_vec(any, (t, 1), dev)?,
    ))
}

/// A number format of docs/NUMERIC.md §1 that training rounds into: nearest-even
/// rounding, saturation (the loader's defaults, which the written TOML keeps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fmt {
    /// k·2^-frac in [-2^int, 2^int − 2^-frac].
    Fixed {
        /// Integer bits (without the sign).
        int_bits: u32,
        /// Fraction bits.
        frac_bits: u32,
    },
    /// IEEE-754 layout with subnormals.
    Float {
        /// Exponent bits.
        exp_bits: u32,
        /// Mantissa bits.
        man_bits: u32,
    },
}

/// Its short name is the library's (`fixed4.4`, `e4m3`; grammar/numeric.md, "Format
/// names"), as used in directory names, the manifest and the tables.
impl fmt::Display for Fmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.library().fmt(f)
    }
}

/// Reads the library's names, of the formats training can round into.
impl FromStr for Fmt {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Fmt, String> {
        let f: Format = s.parse().map_err(|e: FormatNameError| e.to_string())?;
        Fmt::try_from(f)
    }
}

/// The library's format, when training can round into it: nearest-even, saturating, with
/// subnormals (the fast f64 rounding of [`Fmt::round`] knows no other).
impl TryFrom<Format> for Fmt {
    type Error = String;

    fn try_from(f: Format) -> std::result::Result<Fmt, String> {
        let fmt = match f.kind {
            Kind::Fixed {
                int_bits,
                frac_bits,
            } => Fmt::Fixed {
                int_bits,
                frac_bits,
            },
            Kind::Float {
                exp_bits, man_bits, ..
            } => Fmt::Float { exp_bits, man_bits },
        };
        if fmt.library() == f {
            Ok(fmt)
        } else {
            Err(format!(
                "training rounds nearest-even, saturating, with subnormals: use {fmt}, not {f}"
            ))
        }
    }
}

/// The manifest records a format by its name.
impl serde::Serialize for Fmt {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Fmt {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Fmt, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl Fmt {
    /// The library's format (the judge's), for the correctly rounded exp and the tests.
    pub fn library(&self) -> Format {
        match *self {
            Fmt::Fixed {
                int_bits,
                frac_bits,
            } => Format::fixed(int_bits, frac_bits, Rounding::NearestEven),
            Fmt::Float { exp_bits, man_bits } => Format::float(
                exp_bits,
                man_bits,
                true,
                Rounding::NearestEven,
                Overflow::Saturate,
            ),
        }
    }

    /// The largest finite value.
    pub fn max(&self) -> f64 {
        self.grid().max
    }

    /// The smallest (most negative) finite value: −2^int_bits for fixed point (two's
    /// complement range), −max for floats.
    pub fn min(&self) -> f64 {
        self.grid().min
    }

    /// The format's grid, its constants computed once (the training passes round millions
    /// of values per batch: a `powi` per value was a tenth of the time).
    fn grid(&self) -> Grid {
        match *self {
            Fmt::Fixed {
                int_bits,
                frac_bits,
            } => {
                let quantum = pow2(-i64::from(frac_bits));
                Grid {
                    fixed_quantum: Some(quantum),
                    emin: 0,
                    man_bits: 0,
                    max: pow2(i64::from(int_bits)) - quantum,
                    min: -pow2(i64::from(int_bits)),
                    smallest: quantum,
                }
            }
            Fmt::Float { exp_bits, man_bits } => {
                let emax = (1i64 << (exp_bits - 1)) - 1;
                let emin = 2 - (1i64 << (exp_bits - 1));
                let max = (2.0 - pow2(-i64::from(man_bits))) * pow2(emax);
                Grid {
                    fixed_quantum: None,
                    emin,
                    man_bits: i64::from(man_bits),
                    max,
                    min: -max,
                    smallest: pow2(emin - i64::from(man_bits)),
                }
            }
        }
    }

    /// round(x) of NUMERIC.md §1: nearest-even, saturating. Exact for the f64 values
    /// this module computes (the tests compare it with the library's rounding).
    pub fn round(&self, x: f64) -> f64 {
        self.grid().round(x)
    }

    /// The denominator's rounding: `None` when it overflows, which NUMERIC.md §2.4 makes
    /// +∞ in every format (then every α is 0).
    pub fn round_denominator(&self, x: f64) -> Option<f64> {
        self.grid().round_denominator(x)
    }

    /// exp(x) rounded into the format, correctly rounded: the library's own exp (so rare
    /// ties cannot differ from the judge), remembered per thread since the arguments are
    /// differences of format values — a few thousand distinct values at most.
    pub fn exp(&self, x: f64) -> f64 {
        with_exp(*self, |exp| exp(x))
    }

    /// The library's correctly rounded exp of x, rounded into the format (0 where the
    /// library has no finite value).
    fn library_exp(&self, x: f64) -> f64 {
        Num::from_f64(x)
            .and_then(|n| self.library().exp(&n).ok())
            .map_or(0.0, |n| n.to_f64())
    }
}

/// 2^e as an f64, for the exponents of these formats (normal f64 range).
fn pow2(e: i64) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// y rounded to an integer, ties to even (`f64::round_ties_even`, without the libm call:
/// below 2^51, adding and subtracting 1.5·2^52 rounds in the FPU's nearest-even mode;
/// the sign is kept for a result of zero).
fn rint(y: f64) -> f64 {
    const C: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    if y.abs() < 2_251_799_813_685_248.0 {
        ((y + C) - C).copysign(y)
    } else {
        y.round_ties_even()
    }
}

/// A format's grid with its constants: what [`Fmt::round`] needs, computed once per
/// tensor instead of once per value.
#[derive(Clone, Copy, Debug)]
struct Grid {
    /// Fixed point: the spacing of the grid; floats: `None`.
    fixed_quantum: Option<f64>,
    /// Floats: the least normal exponent.
    emin: i64,
    /// Floats: mantissa bits.
    man_bits: i64,
    max: f64,
    min: f64,
    /// The smallest positive value: every difference of two values is a multiple of it.
    smallest: f64,
}

impl Grid {
    /// x rounded to the nearest value of the grid (ties to even), before overflow.
    fn on_grid(&self, x: f64) -> f64 {
        let quantum = match self.fixed_quantum {
            Some(q) => q,
            None => {
                if x == 0.0 {
                    return 0.0;
                }
                // ⌊log2 |x|⌋ from the f64's exponent field (every value here is a normal
                // f64: the sums are of products of format values, far above 2^-1022).
                let e = (((x.abs().to_bits() >> 52) & 0x7ff) as i64 - 1023).max(self.emin);
                pow2(e - self.man_bits)
            }
        };
        // Dividing by a power of two and multiplying back are exact.
        rint(x / quantum) * quantum
    }

    fn round(&self, x: f64) -> f64 {
        self.on_grid(x).clamp(self.min, self.max)
    }

    fn round_denominator(&self, x: f64) -> Option<f64> {
        let v = self.on_grid(x);
        (self.min..=self.max).contains(&v).then_some(v)
    }
}

/// One format's exp values, by argument: a dense table indexed by −x / smallest (every
/// argument is a difference s − μ ≤ 0 of two values of the format, so a multiple of the
/// smallest value, at most max − min away from 0) when that fits in a million entries —
/// fixed 4.4: 513, e4m3: 458,753 — else a hash map.
struct ExpTable {
    fmt: Fmt,
    smallest: f64,
    /// NaN: not computed yet.
    dense: Vec<f64>,
    sparse: HashMap<u64, f64>,
}

impl ExpTable {
    fn new(fmt: Fmt) -> ExpTable {
        let g = fmt.grid();
        let slots = ((g.max - g.min) / g.smallest).floor() + 1.0;
        let dense = if slots <= (1 << 20) as f64 {
            vec![f64::NAN; slots as usize]
        } else {
            Vec::new()
        };
        ExpTable {
            fmt,
            smallest: g.smallest,
            dense,
            sparse: HashMap::new(),
        }
    }

    fn get(&mut self, x: f64) -> f64 {
        if x < MASKED / 2.0 {
            // A masked key (see `MASKED`): no weight, whatever the format.
            return 0.0;
        }
        let k = -x / self.smallest;
        if k >= 0.0 && k < self.dense.len() as f64 && k == k.trunc() {
            let slot = &mut self.dense[k as usize];
            if slot.is_nan() {
                *slot = self.fmt.library_exp(x);
            }
            return *slot;
        }
        let fmt = self.fmt;
        *self
            .sparse
            .entry(x.to_bits())
            .or_insert_with(|| fmt.library_exp(x))
    }
}

/// Runs `body` with this thread's exp of format `f` (see [`ExpTable`]), looked up once for
/// a whole tensor.
fn with_exp<R>(f: Fmt, body: impl FnOnce(&mut dyn FnMut(f64) -> f64) -> R) -> R {
    thread_local! {
        static EXPS: RefCell<Vec<ExpTable>> = const { RefCell::new(Vec::new()) };
    }
    EXPS.with(|tables| {
        let mut tables = tables.borrow_mut();
        let i = match tables.iter().position(|t| t.fmt == f) {
            Some(i) => i,
            None => {
                tables.push(ExpTable::new(f));
                tables.len() - 1
            }
        };
        let table = &mut tables[i];
        body(&mut |x| table.get(x))
    })
}

/// The score added at a key a head does not attend: far below any score difference of a
/// format (|s| ≤ max), so such a key's exp is 0.
const MASKED: f64 = -1e9;

/// Rounding into a format, with a straight-through gradient (the rounding's derivative
/// taken as 1).
struct RoundOp(Fmt);

/// exp(x) rounded into a format; the gradient is that of exp (its value).
struct ExpOp(Fmt);

fn map_f64(
    s: &CpuStorage,
    l: &Layout,
    mut f: impl FnMut(f64) -> f64,
) -> Result<(CpuStorage, Shape)> {
    let CpuStorage::F64(v) = s else {
        candle_core::bail!("quantized training computes in f64")
    };
    let Some((a, b)) = l.contiguous_offsets() else {
        candle_core::bail!("rounding needs a contiguous tensor")
    };
    Ok((
        CpuStorage::F64(v[a..b].iter().map(|&x| f(x)).collect()),
        l.shape().clone(),
    ))
}

impl CustomOp1 for RoundOp {
    fn name(&self) -> &'static str {
        "round-into-format"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = self.0.grid();
        map_f64(s, l, |x| g.round(x))
    }
    fn bwd(&self, _arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(grad.clone()))
    }
}

impl CustomOp1 for ExpOp {
    fn name(&self) -> &'static str {
        "exp-into-format"
    }
    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        with_exp(self.0, |exp| map_f64(s, l, exp))
    }
    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some((grad * res)?))
    }
}

fn round(f: Fmt, x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(RoundOp(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::VarMap;
    use ltlattn::numeric::{load_numeric, run_numeric};

    const FORMATS: [Fmt; 2] = [
        Fmt::Fixed {
            int_bits: 4,
            frac_bits: 4,
        },
        Fmt::Float {
            exp_bits: 4,
            man_bits: 3,
        },
    ];

    /// The names are the library's; a format training cannot round into is refused.
    #[test]
    fn names_are_the_librarys() {
        for (f, name) in FORMATS.iter().zip(["fixed4.4", "e4m3"]) {
            assert_eq!(f.to_string(), name);
            assert_eq!(name.parse::<Fmt>(), Ok(*f));
            assert_eq!(f.library().to_string(), name);
        }
        assert_eq!(
            "e5m2".parse::<Fmt>(),
            Ok(Fmt::Float {
                exp_bits: 5,
                man_bits: 2
            })
        );
        assert_eq!(
            "fixed4.4-tz".parse::<Fmt>(),
            Err("training rounds nearest-even, saturating, with subnormals: use fixed4.4, not fixed4.4-tz".into())
        );
        assert!("e4m3-nosub".parse::<Fmt>().is_err());
        assert_eq!(
            "fp8".parse::<Fmt>(),
            Err("`fp8` is not a number format: fp8 names two formats: write e4m3 or e5m2".into())
        );
    }

    /// The fast f64 rounding is the library's rounding, ties and overflow included, on a
    /// fine grid through both formats' ranges (every tie of both grids is on it).
    #[test]
    fn rounding_is_the_librarys() {
        for f in FORMATS {
            let lib = f.library();
            for k in -300 * 4096..=300 * 4096i64 {
                if k % 7 != 0 && k.abs() > 4096 * 20 {
                    continue;
                }
                let x = k as f64 / 4096.0;
                let n = Num::from_f64(x).expect("finite");
                assert_eq!(
                    f.round(x),
                    lib.round(&n).expect("rounds").to_f64(),
                    "{f:?} round({x})"
                );
                let d = lib.round_denominator(&n).expect("rounds");
                let want = d.is_finite().then(|| d.to_f64());
                assert_eq!(f.round_denominator(x), want, "{f:?} denominator({x})");
            }
        }
    }

    /// The quantization-aware forward pass computes the executor's logit, exactly, for
    /// random networks (weights scaled up so that rounding, saturation and the
    /// denominator rule all happen) of every head range, in both formats.
    #[test]
    fn exact_pass_is_the_executor() {
        let dev = Device::Cpu;
        let mut rng = ltlattn::sample::Rng::new(7);
        for f in FORMATS {
            for name in ["global", "local-1", "local-2", "hybrid-1", "hybrid-4"] {
                let arch = Arch::named(name).expect("known");
                let varmap = VarMap::new();
                let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
                let net = Net::new(&arch, 3, vb).expect("a net");
                {
                    let data = varmap.data().lock().expect("the var map");
                    for var in data.values() {
                        let n = var.elem_count();
                        let v: Vec<f32> = (0..n)
                            .map(|_| (rng.below(1 << 16) as f32 / 32768.0 - 1.0) * 3.0)
                            .collect();
                        var.set(&Tensor::from_vec(v, var.dims(), &dev).expect("t"))
                            .expect("set");
                    }
                }
                let dir = std::env::temp_dir().join(format!(
                    "ltlattn-exp-test-{}-{name}-{f}",
                    std::process::id(),
                ));
                std::fs::create_dir_all(&dir).expect("dir");
                let weights = dir.join("w.safetensors");
                varmap.save(&weights).expect("save");
                let mut toml = format!(
                    "alphabet = [\"a\", \"b\", \"c\"]\nweights = \"w.safetensors\"\n[number]\n{}",
                    f.library().number_table()
                );
                for heads in &arch.layers {
                    toml.push_str("[[layer]]\nffn = true\n");
                    for r in heads {
                        match r {
                            Range::Global => toml.push_str("[[layer.head]]\nrange = \"global\"\n"),
                            Range::Local(k) => toml.push_str(&format!(
                                "[[layer.head]]\nrange = \"local\"\nwindow = {k}\n"
                            )),
                        }
                    }
                }
                let bytes = std::fs::read(&weights).expect("read");
                let model = load_numeric("m.toml", &toml, &bytes).expect("loads");
                let _ = std::fs::remove_dir_all(&dir);
                let words: Vec<Vec<u32>> = (0..40)
                    .map(|i| (0..i).map(|_| rng.below(3) as u32).collect())
                    .collect();
                let logits: Vec<f32> = net
                    .logits(&words, Mode::Exact(f), &dev)
                    .expect("forward")
                    .to_vec1()
                    .expect("values");
                for (w, l) in words.iter().zip(logits) {
                    let tokens: Vec<String> = w
                        .iter()
                        .map(|&c| ["a", "b", "c"][c as usize].to_string())
                        .collect();
                    let trace = run_numeric(&model, &tokens).expect("runs");
                    assert_eq!(
                        l as f64,
                        trace.logit.to_f64(),
                        "{name} {f} on {}",
                        tokens.concat()
                    );
                }
            }
        }
    }
}
