//! Random small numeric models, shared by the tests (`numeric_models`: translation
//! validation; `numeric_bounds`, `numeric_search`) and `benches/numeric.rs` and
//! `benches/formulas.rs` (figures by size).

use ltlattn::numeric::{
    Format, LayerNorm, Linear, NormPlace, Num, NumHead, NumLayer, NumRange, NumericModel, Overflow,
    Rounding, RoundingReport,
};

/// A small deterministic generator (xorshift), so failures and figures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A weight in {−2, −1.5, …, 2}, zero 40% of the time (representable in every
    /// format the tests use).
    pub fn weight(&mut self) -> Num {
        if self.below(10) < 4 {
            return Num::zero();
        }
        Num::ratio(self.below(9) as i64 - 4, 2)
    }

    pub fn linear(&mut self, out: usize, inp: usize) -> Linear {
        Linear {
            w: (0..out)
                .map(|_| (0..inp).map(|_| self.weight()).collect())
                .collect(),
            b: (0..out).map(|_| self.weight()).collect(),
        }
    }
}

/// The shape of a random model.
pub struct Shape {
    /// Model width.
    pub width: usize,
    /// Layers.
    pub layers: usize,
    /// Heads per layer, alternating global and local-1; `None`: 0–2 random heads of random
    /// ranges (windows 1–2), random FFNs, and inclusive masking one time in eight.
    pub heads: Option<usize>,
    /// Give every layer a layer norm (pre or post at random, ε = 1e-5).
    pub norm: bool,
}

/// A random model over {a, b} in `format`.
pub fn random_model(rng: &mut Rng, format: Format, shape: &Shape) -> NumericModel {
    let d = shape.width;
    let mut layers = Vec::new();
    for l in 0..shape.layers {
        let n = shape.heads.unwrap_or_else(|| rng.below(3) as usize);
        let heads: Vec<NumHead> = (0..n)
            .map(|h| NumHead {
                range: match shape.heads {
                    Some(_) if (l + h) % 2 == 0 => NumRange::Global,
                    Some(_) => NumRange::Local(1),
                    None if rng.below(2) == 0 => NumRange::Global,
                    None => NumRange::Local(1 + rng.below(2) as u32),
                },
                scale: Num::ratio(1, 1),
                query: rng.linear(1, d),
                key: rng.linear(1, d),
                value: rng.linear(1, d),
            })
            .collect();
        let out = (!heads.is_empty()).then(|| rng.linear(d, heads.len()));
        let ffn = (shape.heads.is_some() || rng.below(2) == 0).then(|| {
            let dff = 1 + rng.below(2) as usize;
            (rng.linear(dff, d), rng.linear(d, dff))
        });
        let norm = shape.norm.then(|| {
            let mut pair = || {
                let gamma = (0..d).map(|_| rng.weight()).collect();
                let beta = (0..d).map(|_| rng.weight()).collect();
                (gamma, beta)
            };
            let attention = out.is_some().then(&mut pair);
            let ffn_norm = ffn.is_some().then(&mut pair);
            LayerNorm {
                place: if rng.below(2) == 0 {
                    NormPlace::Pre
                } else {
                    NormPlace::Post
                },
                eps: (1u32.into(), 100_000u32.into()),
                attention,
                ffn: ffn_norm,
            }
        });
        layers.push(NumLayer {
            heads,
            out,
            ffn,
            norm,
        });
    }
    NumericModel {
        name: None,
        alphabet: vec!["a".into(), "b".into()],
        format,
        inclusive: shape.heads.is_none() && rng.below(8) == 0,
        width: d,
        embed: (0..3)
            .map(|_| (0..d).map(|_| rng.weight()).collect())
            .collect(),
        layers,
        classifier: (0..d).map(|_| rng.weight()).collect(),
        classifier_bias: rng.weight(),
        rounding: RoundingReport::default(),
    }
}

/// Four small formats (fixed 2.1 both roundings, a float e2m1, fixed 3.2): counts cap
/// early, so compilations stay small.
pub fn small_formats() -> [Format; 4] {
    [
        Format::fixed(2, 1, Rounding::NearestEven),
        Format::fixed(2, 1, Rounding::TowardZero),
        Format::float(2, 1, true, Rounding::NearestEven, Overflow::Saturate),
        Format::fixed(3, 2, Rounding::NearestEven),
    ]
}

/// `n` random models over {a, b} (width 2–3, one or two layers of random heads, no
/// norm), cycling through [`small_formats`].
pub fn random_models(seed: u64, n: usize) -> Vec<NumericModel> {
    let mut rng = Rng(seed);
    small_formats()
        .iter()
        .cycle()
        .take(n)
        .map(|f| {
            let shape = Shape {
                width: 2 + rng.below(2) as usize,
                layers: 1 + rng.below(2) as usize,
                heads: None,
                norm: false,
            };
            random_model(&mut rng, *f, &shape)
        })
        .collect()
}
