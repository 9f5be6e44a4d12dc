//! The network of docs/NUMERIC.md §2 in candle, for training: NoPE, strict masking, the
//! end marker ⊣ appended, the classifier read at ⊣, global / local-k heads, an optional
//! ReLU feed-forward block, no layer norm. Parameters are named as NUMERIC.md §3's
//! tensors, so `VarMap::save` writes the weights file `ltlattn` reads.
//!
//! Training uses floating-point softmax; the model `ltlattn` judges is the same weights
//! rounded into a number format and run exactly (the quantized accuracy and the verdict).

use candle_core::{DType, Device, Result, Tensor, D};
use candle_nn::{linear, Linear, Module, VarBuilder};

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

    /// The architecture.
    pub fn arch(&self) -> &Arch {
        &self.arch
    }

    /// Logits at ⊣ for a batch of words (letter indices), padded with ⊣ after the end
    /// marker (positions after ⊣ never reach it: the masks are strict).
    pub fn logits(&self, words: &[Vec<u32>], dev: &Device) -> Result<Tensor> {
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
        let mut x = self
            .embed
            .index_select(&ids, 0)?
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
                let s = s.broadcast_add(&mask)?;
                let a = candle_nn::ops::softmax_last_dim(&s)?;
                let a = a.broadcast_mul(&has_key)?;
                outs.push(a.matmul(&v)?);
            }
            let concat = Tensor::cat(&outs, D::Minus1)?;
            x = (&x + layer.out.forward(&concat)?)?;
            if let Some((up, down)) = &layer.ffn {
                x = (&x + down.forward(&up.forward(&x)?.relu()?)?)?;
            }
        }
        let logits = self.classifier.forward(&x)?.squeeze(D::Minus1)?; // [b, t]
        let select = Tensor::from_vec(select, (b, t), dev)?;
        (logits * select)?.sum(1)
    }
}

/// The additive mask (0 where j is attended, −10⁹ elsewhere) and the rows that attend
/// something (the head's output is zero at a query with no key, NUMERIC.md §2.3).
fn masks(range: Range, t: usize, dev: &Device) -> Result<(Tensor, Tensor)> {
    let mut m = vec![-1e9f32; t * t];
    let mut any = vec![0f32; t];
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
        Tensor::from_vec(any, (t, 1), dev)?.to_dtype(DType::F32)?,
    ))
}
