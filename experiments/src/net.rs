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
use std::sync::Arc;

use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, DType, Device, Layout, Result, Shape, Tensor, D,
};
use candle_nn::{linear, Linear, Module, VarBuilder};
use ltlattn::model::numeric::{Format, FormatNameError, Kind, Num, Overflow, Rounding};

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
    /// marker (positions after ⊣ never reach it: the masks are strict). The last layer is
    /// computed at ⊣ only (the classifier reads nothing else), the others at every
    /// position.
    pub fn logits(&self, words: &[Vec<u32>], mode: Mode, dev: &Device) -> Result<Tensor> {
        let b = words.len();
        let t = words.iter().map(Vec::len).max().unwrap_or(0) + 1;
        let eos = (self.vocab - 1) as u32;
        let mut ids = Vec::with_capacity(b * t);
        for w in words {
            ids.extend(w.iter().copied());
            ids.extend(std::iter::repeat_n(eos, t - w.len()));
        }
        let ids = Tensor::from_vec(ids, b * t, dev)?;
        let lens: Vec<usize> = words.iter().map(Vec::len).collect();
        let at_end: Vec<u32> = lens
            .iter()
            .enumerate()
            .map(|(i, &n)| (i * t + n) as u32)
            .collect();
        let at_end = Tensor::from_vec(at_end, b, dev)?;
        match mode {
            Mode::Float => {
                let masks = Masks::new(&self.arch, t, &lens, DType::F32, dev)?;
                self.float_logits(&ids, &at_end, &masks, b, t)
            }
            Mode::Exact(f) => {
                let masks = Masks::new(&self.arch, t, &lens, DType::F64, dev)?;
                self.exact_logits(f, &ids, &at_end, &masks, b, t)?
                    .to_dtype(DType::F32)
            }
        }
    }

    /// The layer's query positions: `x` itself, or for the last layer each word's ⊣
    /// (b, 1, width).
    fn queries(&self, x: &Tensor, at_end: &Tensor, last: bool, b: usize) -> Result<Tensor> {
        if last {
            let (_, t, d) = x.dims3()?;
            x.reshape((b * t, d))?
                .index_select(at_end, 0)?
                .reshape((b, 1, d))
        } else {
            Ok(x.clone())
        }
    }

    fn float_logits(
        &self,
        ids: &Tensor,
        at_end: &Tensor,
        masks: &Masks,
        b: usize,
        t: usize,
    ) -> Result<Tensor> {
        let mut x = self
            .embed
            .index_select(ids, 0)?
            .reshape((b, t, self.arch.width))?;
        let scale = 1.0 / (self.arch.d_head as f64).sqrt();
        let n = self.layers.len();
        for (l, layer) in self.layers.iter().enumerate() {
            let last = l + 1 == n;
            let xq = self.queries(&x, at_end, last, b)?;
            let mut outs = Vec::new();
            for head in &layer.heads {
                let m = masks.get(head.range, last);
                let q = head.query.forward(&xq)?;
                let k = head.key.forward(&x)?;
                let v = head.value.forward(&x)?;
                let s = (q.matmul(&k.transpose(1, 2)?)? * scale)?;
                let s = s.broadcast_add(&m.add)?;
                let a = candle_nn::ops::softmax_last_dim(&s)?;
                let a = a.broadcast_mul(&m.has_key)?;
                outs.push(a.matmul(&v)?);
            }
            let concat = Tensor::cat(&outs, D::Minus1)?;
            x = (&xq + layer.out.forward(&concat)?)?;
            if let Some((up, down)) = &layer.ffn {
                x = (&x + down.forward(&up.forward(&x)?.relu()?)?)?;
            }
        }
        if n == 0 {
            x = self.queries(&x, at_end, true, b)?;
        }
        self.classifier.forward(&x)?.reshape(b)
    }

    /// NUMERIC.md §2 step by step, each rounding where the executor rounds.
    fn exact_logits(
        &self,
        f: Fmt,
        ids: &Tensor,
        at_end: &Tensor,
        masks: &Masks,
        b: usize,
        t: usize,
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
        let n = self.layers.len();
        for (l, layer) in self.layers.iter().enumerate() {
            let last = l + 1 == n;
            let xq = self.queries(&x, at_end, last, b)?;
            let mut outs = Vec::new();
            for head in &layer.heads {
                let m = masks.get(head.range, last);
                let q = apply(&head.query, &xq)?;
                let k = apply(&head.key, &x)?;
                let v = apply(&head.value, &x)?;
                let s = round(f, &(q.matmul(&k.transpose(1, 2)?.contiguous()?)? * scale)?)?;
                let alpha = s.apply_op1(SoftmaxOp {
                    f,
                    rows: m.rows.clone(),
                })?;
                outs.push(round(f, &alpha.matmul(&v)?)?);
            }
            let concat = Tensor::cat(&outs, D::Minus1)?;
            x = round(f, &(&xq + apply(&layer.out, &concat)?)?)?;
            if let Some((up, down)) = &layer.ffn {
                let u = apply(up, &x)?.relu()?;
                x = round(f, &(&x + apply(down, &u)?)?)?;
            }
        }
        if n == 0 {
            x = self.queries(&x, at_end, true, b)?;
        }
        apply(&self.classifier, &x)?.reshape(b)
    }

    /// The exact pass's logits without tensors, one word at a time: the same roundings of
    /// the same exact values as [`Mode::Exact`] (so the same logits, bit for bit: the tests
    /// compare both with the executor), without autograd, padding or masked keys — a local
    /// head reads its k keys, not t — and the last layer at ⊣ only. For answers on long
    /// test words.
    pub fn exact_logits_plain(&self, f: Fmt, words: &[Vec<u32>]) -> Result<Vec<f64>> {
        let plain = Plain::new(self, f)?;
        Ok(with_exp(f, |exp| {
            words.iter().map(|w| plain.logit(w, &mut *exp)).collect()
        }))
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

/// A linear map with its weights rounded into the format, row-major (out × in).
struct PlainLinear {
    w: Vec<f64>,
    b: Vec<f64>,
    inputs: usize,
}

impl PlainLinear {
    fn new(lin: &Linear, g: &Grid) -> Result<PlainLinear> {
        let w = lin.weight().to_dtype(DType::F64)?;
        let (outs, inputs) = w.dims2()?;
        let b = match lin.bias() {
            Some(b) => b.to_dtype(DType::F64)?.to_vec1()?,
            None => vec![0.0; outs],
        };
        Ok(PlainLinear {
            w: w.flatten_all()?
                .to_vec1::<f64>()?
                .into_iter()
                .map(|x| g.round(x))
                .collect(),
            b: b.into_iter().map(|x| g.round(x)).collect(),
            inputs,
        })
    }

    /// round(W x + b) into `y` (the sums are exact in f64, so their order is free).
    fn apply(&self, g: &Grid, x: &[f64], y: &mut Vec<f64>) {
        y.clear();
        for (row, b) in self.w.chunks_exact(self.inputs).zip(&self.b) {
            let s: f64 = row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + b;
            y.push(g.round(s));
        }
    }
}

struct PlainHead {
    range: Range,
    query: PlainLinear,
    key: PlainLinear,
    value: PlainLinear,
}

struct PlainLayer {
    heads: Vec<PlainHead>,
    out: PlainLinear,
    ffn: Option<(PlainLinear, PlainLinear)>,
}

/// The network's weights rounded into a format, for [`Net::exact_logits_plain`].
struct Plain {
    g: Grid,
    width: usize,
    d_head: usize,
    eos: u32,
    embed: Vec<f64>,
    layers: Vec<PlainLayer>,
    classifier: PlainLinear,
    scale: f64,
}

impl Plain {
    fn new(net: &Net, f: Fmt) -> Result<Plain> {
        let g = f.grid();
        let lin = |l: &Linear| PlainLinear::new(l, &g);
        let layers = net
            .layers
            .iter()
            .map(|layer| {
                Ok(PlainLayer {
                    heads: layer
                        .heads
                        .iter()
                        .map(|h| {
                            Ok(PlainHead {
                                range: h.range,
                                query: lin(&h.query)?,
                                key: lin(&h.key)?,
                                value: lin(&h.value)?,
                            })
                        })
                        .collect::<Result<_>>()?,
                    out: lin(&layer.out)?,
                    ffn: match &layer.ffn {
                        Some((up, down)) => Some((lin(up)?, lin(down)?)),
                        None => None,
                    },
                })
            })
            .collect::<Result<_>>()?;
        Ok(Plain {
            g,
            width: net.arch.width,
            d_head: net.arch.d_head,
            eos: (net.vocab - 1) as u32,
            embed: net
                .embed
                .to_dtype(DType::F64)?
                .flatten_all()?
                .to_vec1::<f64>()?
                .into_iter()
                .map(|x| g.round(x))
                .collect(),
            layers,
            classifier: lin(&net.classifier)?,
            scale: f.library().inv_sqrt(net.arch.d_head as u64).to_f64(),
        })
    }

    /// The logit at ⊣ of one word: NUMERIC.md §2 as [`Net::exact_logits`] computes it.
    fn logit(&self, word: &[u32], exp: &mut dyn FnMut(f64) -> f64) -> f64 {
        let g = &self.g;
        let (d, dh) = (self.width, self.d_head);
        let t = word.len() + 1;
        // x: every position's vector (t × d), row-major.
        let mut x: Vec<f64> = Vec::with_capacity(t * d);
        for &c in word.iter().chain(std::iter::once(&self.eos)) {
            x.extend_from_slice(&self.embed[c as usize * d..(c as usize + 1) * d]);
        }
        let mut y = Vec::with_capacity(d.max(dh));
        let mut keys = vec![0.0; t * dh];
        let mut values = vec![0.0; t * dh];
        let mut q = Vec::with_capacity(dh);
        let mut s = Vec::with_capacity(t);
        let mut e = Vec::with_capacity(t);
        let mut a = Vec::with_capacity(d);
        let mut u = Vec::with_capacity(d);
        let n = self.layers.len();
        for (l, layer) in self.layers.iter().enumerate() {
            // The last layer only at ⊣; the others everywhere (the next layer's keys).
            let queries = if l + 1 == n { t - 1..t } else { 0..t };
            // Keys are read only before the last query.
            let read = queries.end - 1;
            let mut concat = vec![0.0; queries.len() * dh * layer.heads.len()];
            let width = dh * layer.heads.len();
            for (hi, head) in layer.heads.iter().enumerate() {
                let lo = match head.range {
                    Range::Global => 0,
                    Range::Local(k) => queries.start.saturating_sub(k),
                };
                for j in lo..read {
                    head.key.apply(g, &x[j * d..(j + 1) * d], &mut y);
                    keys[j * dh..(j + 1) * dh].copy_from_slice(&y);
                    head.value.apply(g, &x[j * d..(j + 1) * d], &mut y);
                    values[j * dh..(j + 1) * dh].copy_from_slice(&y);
                }
                for (row, i) in queries.clone().enumerate() {
                    let out = &mut concat[row * width + hi * dh..row * width + (hi + 1) * dh];
                    let js = attended_keys(head.range, i);
                    if js.is_empty() {
                        continue;
                    }
                    head.query.apply(g, &x[i * d..(i + 1) * d], &mut q);
                    s.clear();
                    for j in js.clone() {
                        let k = &keys[j * dh..(j + 1) * dh];
                        let dot: f64 = q.iter().zip(k).map(|(a, b)| a * b).sum();
                        s.push(g.round(dot * self.scale));
                    }
                    e.resize(s.len(), 0.0);
                    // The denominator rule: D beyond the largest value makes every α 0.
                    let Some(dd) = softmax_row(g, &mut *exp, &s, (0, s.len()), &mut e) else {
                        continue;
                    };
                    for (a, e) in s.iter_mut().zip(&e) {
                        *a = g.round(e / dd);
                    }
                    for (c, o) in out.iter_mut().enumerate() {
                        let sum: f64 = js
                            .clone()
                            .zip(&s)
                            .map(|(j, alpha)| alpha * values[j * dh + c])
                            .sum();
                        *o = g.round(sum);
                    }
                }
            }
            let mut next = Vec::with_capacity(queries.len() * d);
            for (row, i) in queries.enumerate() {
                layer
                    .out
                    .apply(g, &concat[row * width..(row + 1) * width], &mut a);
                let start = next.len();
                next.extend(
                    x[i * d..(i + 1) * d]
                        .iter()
                        .zip(&a)
                        .map(|(h, a)| g.round(h + a)),
                );
                if let Some((up, down)) = &layer.ffn {
                    up.apply(g, &next[start..], &mut u);
                    for v in u.iter_mut() {
                        *v = v.max(0.0);
                    }
                    down.apply(g, &u, &mut a);
                    for (h, a) in next[start..].iter_mut().zip(&a) {
                        *h = g.round(*h + a);
                    }
                }
            }
            x = next;
        }
        let at_end = x.len() - d;
        self.classifier.apply(g, &x[at_end..], &mut y);
        y[0]
    }
}

/// One head range's masks for one layer's queries. `rows`: each query row's attended keys
/// lo..hi (every layer but the last: one per position, the same for every word; the last
/// layer's query is each word's ⊣: one per word). For the float pass, in its dtype:
/// `add`, 0 where key j is attended and [`MASKED`] elsewhere, and `has_key`, 1 at the
/// queries that attend something (a head's output is zero at a query with no key,
/// NUMERIC.md §2.3): (t, t) and (t, 1), or (b, 1, t) and (b, 1, 1) for the last layer.
struct Mask {
    rows: Arc<Vec<(usize, usize)>>,
    add: Tensor,
    has_key: Tensor,
}

/// Every mask of one batch, made once (each is shared by the heads and layers of its
/// range).
struct Masks {
    all: Vec<(Range, Mask)>,
    last: Vec<(Range, Mask)>,
}

impl Masks {
    fn new(arch: &Arch, t: usize, lens: &[usize], dtype: DType, dev: &Device) -> Result<Masks> {
        let mut ranges: Vec<Range> = arch.layers.iter().flatten().copied().collect();
        ranges.sort_by_key(|r| match r {
            Range::Global => 0,
            Range::Local(k) => k + 1,
        });
        ranges.dedup();
        let every: Vec<usize> = (0..t).collect();
        let mut all = Vec::new();
        let mut last = Vec::new();
        for r in ranges {
            all.push((r, Mask::new(r, t, &every, &[t, t], &[t, 1], dtype, dev)?));
            let b = lens.len();
            last.push((
                r,
                Mask::new(r, t, lens, &[b, 1, t], &[b, 1, 1], dtype, dev)?,
            ));
        }
        Ok(Masks { all, last })
    }

    fn get(&self, range: Range, last: bool) -> &Mask {
        let list = if last { &self.last } else { &self.all };
        &list
            .iter()
            .find(|(r, _)| *r == range)
            .expect("a mask for every range of the architecture")
            .1
    }
}

impl Mask {
    /// The mask of queries at positions `queries` against keys 0..t.
    fn new(
        range: Range,
        t: usize,
        queries: &[usize],
        shape: &[usize],
        rows: &[usize],
        dtype: DType,
        dev: &Device,
    ) -> Result<Mask> {
        let n = queries.len();
        let mut add = vec![MASKED; n * t];
        let mut has_key = vec![0f64; n];
        let mut ranges = Vec::with_capacity(n);
        for (row, &i) in queries.iter().enumerate() {
            let js = attended_keys(range, i);
            ranges.push((js.start, js.end));
            for j in js {
                add[row * t + j] = 0.0;
                has_key[row] = 1.0;
            }
        }
        let make =
            |v: Vec<f64>, s: &[usize]| Tensor::from_vec(v, s, dev).and_then(|x| x.to_dtype(dtype));
        Ok(Mask {
            rows: Arc::new(ranges),
            add: make(add, shape)?,
            has_key: make(has_key, rows)?,
        })
    }
}

/// The keys a query at position i attends (strict masking).
fn attended_keys(range: Range, i: usize) -> std::ops::Range<usize> {
    match range {
        Range::Global => 0..i,
        Range::Local(k) => i.saturating_sub(k)..i,
    }
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
    /// ties cannot differ from the judge), remembered per thread (see [`ExpTable`]) since
    /// the arguments are differences of format values.
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
/// fixed 4.4: 512 entries, e4m3 (largest value 240): 245,761 — else a hash map.
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

/// A head's exact softmax (NUMERIC.md §2.3–2.4) over its rounded scores (b, q, t), one
/// op instead of a dozen tensors: per query row, μ = the largest attended score, e_j =
/// exp(s_j − μ) (the library's, see [`ExpTable`]), D = Σ e_j, α_j = round(e_j / round(D)),
/// and every α = 0 when D overflows (the denominator rule) or the row attends nothing.
/// The gradient is the one the separate ops had: straight through the roundings, μ held
/// constant, exp's gradient its value.
#[derive(Clone)]
struct SoftmaxOp {
    f: Fmt,
    /// Each row's attended keys lo..hi: row r of the b·q rows uses `rows[r % rows.len()]`
    /// (q entries shared by the batch, or one per row).
    rows: Arc<Vec<(usize, usize)>>,
}

/// One softmax row: the e_j into `e` (0 outside `keys`), and round(D) if the α are kept.
fn softmax_row(
    g: &Grid,
    exp: &mut dyn FnMut(f64) -> f64,
    s: &[f64],
    keys: (usize, usize),
    e: &mut [f64],
) -> Option<f64> {
    e.fill(0.0);
    let (lo, hi) = keys;
    if lo >= hi {
        return None;
    }
    let mu = s[lo..hi].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut d_sum = 0.0;
    for j in lo..hi {
        e[j] = exp(s[j] - mu);
        d_sum += e[j];
    }
    (d_sum > 0.0 && g.round_denominator(d_sum).is_some()).then(|| g.round(d_sum))
}

fn contiguous_f64<'a>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [f64]> {
    let CpuStorage::F64(v) = s else {
        candle_core::bail!("quantized training computes in f64")
    };
    let Some((a, b)) = l.contiguous_offsets() else {
        candle_core::bail!("the softmax needs a contiguous tensor")
    };
    Ok(&v[a..b])
}

impl SoftmaxOp {
    /// Runs `each(row, e, round(D))` on every row of scores `s` with last dimension t.
    fn rows_of(
        &self,
        s: &[f64],
        t: usize,
        mut each: impl FnMut(usize, &[f64], Option<f64>),
    ) -> Result<()> {
        let g = self.f.grid();
        let mut e = vec![0.0; t];
        with_exp(self.f, |exp| {
            for (r, row) in s.chunks_exact(t).enumerate() {
                let keys = self.rows[r % self.rows.len()];
                let d = softmax_row(&g, exp, row, keys, &mut e);
                each(r, &e, d);
            }
        });
        Ok(())
    }
}

impl CustomOp1 for SoftmaxOp {
    fn name(&self) -> &'static str {
        "exact-softmax"
    }
    fn cpu_fwd(&self, st: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let s = contiguous_f64(st, l)?;
        let t = l.dims().last().copied().unwrap_or(1).max(1);
        let g = self.f.grid();
        let mut alpha = vec![0.0; s.len()];
        self.rows_of(s, t, |r, e, d| {
            if let Some(d) = d {
                for (a, e) in alpha[r * t..(r + 1) * t].iter_mut().zip(e) {
                    *a = g.round(e / d);
                }
            }
        })?;
        Ok((CpuStorage::F64(alpha), l.shape().clone()))
    }
    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let grad = grad.contiguous()?;
        Ok(Some(
            arg.contiguous()?
                .apply_op2_no_bwd(&grad, &SoftmaxGrad(self.clone()))?,
        ))
    }
}

/// The scores' gradient of [`SoftmaxOp`], from the scores and α's gradient G: where the α
/// are kept, ∂/∂s_j = e_j · (G_j / d − Σ_k G_k e_k / d²) (α = e / d with d = round(Σ e)
/// taken straight through, exp's derivative its value); 0 elsewhere.
struct SoftmaxGrad(SoftmaxOp);

impl CustomOp2 for SoftmaxGrad {
    fn name(&self) -> &'static str {
        "exact-softmax-grad"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let s = contiguous_f64(s1, l1)?;
        let gr = contiguous_f64(s2, l2)?;
        let t = l1.dims().last().copied().unwrap_or(1).max(1);
        let mut out = vec![0.0; s.len()];
        self.0.rows_of(s, t, |r, e, d| {
            if let Some(d) = d {
                let g = &gr[r * t..(r + 1) * t];
                let through_d: f64 = g.iter().zip(e).map(|(g, e)| g * e).sum::<f64>() / (d * d);
                for ((o, g), e) in out[r * t..(r + 1) * t].iter_mut().zip(g).zip(e) {
                    *o = (g / d - through_d) * e;
                }
            }
        })?;
        Ok((CpuStorage::F64(out), l1.shape().clone()))
    }
}

fn round(f: Fmt, x: &Tensor) -> Result<Tensor> {
    x.contiguous()?.apply_op1(RoundOp(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::VarMap;
    use ltlattn::model::numeric::{load_numeric, run_numeric};

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

    /// exp(x) rounded into a format; the gradient is that of exp (its value). The
    /// separate op the QAT pass used before [`SoftmaxOp`].
    struct ExpOp(Fmt);

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

    /// [`SoftmaxOp`] computes what the separate tensor ops it replaced computed — the same
    /// α, bit for bit, and the same gradient up to the order of f64 sums — on rows of every
    /// shape the pass uses (every position; one ⊣ per word, the empty word's without
    /// keys), global and local, with ties and, in fixed 4.4, a denominator that overflows.
    #[test]
    fn softmax_op_is_the_separate_ops() {
        let dev = Device::Cpu;
        let mut rng = ltlattn::sample::Rng::new(11);
        let (b, t) = (3, 24);
        for f in FORMATS {
            for range in [Range::Global, Range::Local(2)] {
                let every: Vec<usize> = (0..t).collect();
                let lens = [0, 5, t - 1];
                let shapes: [(&[usize], Vec<usize>, Vec<usize>); 2] = [
                    (&every, vec![t, t], vec![t, 1]),
                    (&lens, vec![b, 1, t], vec![b, 1, 1]),
                ];
                for (queries, shape, rows) in shapes {
                    // Query rows per word: every position, or the word's ⊣.
                    let q = if shape.len() == 3 { 1 } else { t };
                    let m = Mask::new(range, t, queries, &shape, &rows, DType::F64, &dev)
                        .expect("masks");
                    // Word 0's scores all equal: 16 or more keys overflow fixed 4.4's D.
                    let s: Vec<f64> = (0..b * q * t)
                        .map(|i| {
                            if i < q * t {
                                0.0
                            } else {
                                f.round((rng.below(64) as f64 - 32.0) / 4.0)
                            }
                        })
                        .collect();
                    let w: Vec<f64> = (0..b * q * t)
                        .map(|_| rng.below(1000) as f64 / 500.0 - 1.0)
                        .collect();
                    let s = candle_core::Var::from_vec(s, (b, q, t), &dev).expect("s");
                    let w = Tensor::from_vec(w, (b, q, t), &dev).expect("w");
                    let fused = s
                        .apply_op1(SoftmaxOp {
                            f,
                            rows: m.rows.clone(),
                        })
                        .expect("fused");
                    // The ops of the pass before the fused softmax.
                    let attended = m
                        .add
                        .ge(MASKED / 2.0)
                        .unwrap()
                        .to_dtype(DType::F64)
                        .unwrap();
                    let no_key = (1.0 - &m.has_key).unwrap();
                    let masked = s.broadcast_add(&m.add).unwrap();
                    let mu = masked.max_keepdim(D::Minus1).unwrap().detach();
                    let e = masked
                        .broadcast_sub(&mu)
                        .unwrap()
                        .contiguous()
                        .unwrap()
                        .apply_op1(ExpOp(f))
                        .unwrap()
                        .broadcast_mul(&attended)
                        .unwrap();
                    let d_sum = e.sum_keepdim(D::Minus1).unwrap();
                    let keep: Vec<f64> = d_sum
                        .flatten_all()
                        .unwrap()
                        .to_vec1::<f64>()
                        .unwrap()
                        .iter()
                        .map(|&x| f64::from(u8::from(x > 0.0 && f.round_denominator(x).is_some())))
                        .collect();
                    let keep = Tensor::from_vec(keep, d_sum.shape(), &dev).unwrap();
                    let d = round(f, &d_sum).unwrap().broadcast_add(&no_key).unwrap();
                    let separate = round(f, &e.broadcast_div(&d).unwrap())
                        .unwrap()
                        .broadcast_mul(&keep)
                        .unwrap();
                    let values = |x: &Tensor| x.flatten_all().unwrap().to_vec1::<f64>().unwrap();
                    assert_eq!(values(&fused), values(&separate), "{f} {range:?} α");
                    if f == FORMATS[0] && range == Range::Global && q == t {
                        // Word 0's query 20 attends 20 keys of weight 1: D = 20 overflows.
                        assert_eq!(values(&keep)[20], 0.0);
                        assert_eq!(values(&keep)[40], 1.0);
                    }
                    let grad = |a: &Tensor| {
                        let g = (a * &w).unwrap().sum_all().unwrap().backward().unwrap();
                        values(g.get(s.as_tensor()).expect("a gradient"))
                    };
                    for (x, y) in grad(&fused).iter().zip(grad(&separate)) {
                        assert!(
                            (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                            "{f} {range:?}: {x} {y}"
                        );
                    }
                }
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
                let plain = net.exact_logits_plain(f, &words).expect("plain pass");
                for ((w, l), p) in words.iter().zip(logits).zip(plain) {
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
                    assert_eq!(
                        p,
                        trace.logit.to_f64(),
                        "{name} {f} on {} (plain pass)",
                        tokens.concat()
                    );
                }
            }
        }
    }
}
