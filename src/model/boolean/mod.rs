//! Transformer descriptions (`model.toml`): the schema, loading with validation, and the
//! reference executor. The format is documented in `grammar/model.md`; the semantics of
//! every head in docs/SEMANTICS.md §4.
//!
//! A model is an alphabet, an acceptance convention, layers of attention heads and
//! position-wise feed-forward features, and an output feature. Every feature is one bit
//! per position. Expressions (queries, keys, values, feed-forward lines) are Boolean
//! formulas over feature names in the formula syntax of `grammar/formula.md`; `start`
//! and `eos` are the built-in position features.

pub mod compile;
mod exec;
mod load;

pub use exec::{run, Trace};
pub use load::{
    load, load_with, reserved_meaning, ModelError, ModelErrorKind, MAX_HARD_WINDOW, MAX_WINDOW,
};

use crate::logic::{Acceptance, Arena, NodeId};

/// Which positions a head attends to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Range {
    /// Every earlier position (and the current one with inclusive masking).
    Global,
    /// The `k` previous positions (and the current one with inclusive masking).
    Local(u32),
    /// A Combiner factorization: the pattern's direct part Ω⁰ (the current position only
    /// with inclusive masking) with the head's selection, and its regions with the
    /// summary selection (grammar/model.md). Positions p have pattern index p − 1.
    Combiner(crate::patterns::Pattern),
}

/// How a head turns the selected positions into a bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    /// Fixed-precision soft attention: some selected position carries the value.
    Soft,
    /// Unique hard attention to the rightmost selected position.
    HardRightmost,
    /// Unique hard attention to the leftmost selected position.
    HardLeftmost,
}

/// An attention head.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Head {
    /// Its name, which is also the name of the feature it makes.
    pub name: String,
    /// Attended positions.
    pub range: Range,
    /// Whether the current position is attended too.
    pub inclusive: bool,
    /// Selection: a disjunction of query(i) ∧ key(j) terms (expressions in [`Model::exprs`]).
    pub terms: Vec<(NodeId, NodeId)>,
    /// The value read at the selected position.
    pub value: NodeId,
    /// Soft or hard.
    pub mode: Mode,
    /// The output of a hard head when no position is selected.
    pub default: bool,
    /// Combiner heads: the selection used for the regions reached through summaries;
    /// `None` when it is the head's own selection (a drop-in replacement).
    pub summary: Option<Vec<(NodeId, NodeId)>>,
}

/// Where a feature comes from.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    /// The one-hot feature of a token.
    Token,
    /// An attention head.
    Head(Head),
    /// A position-wise (feed-forward) Boolean function.
    Ffn(NodeId),
}

/// A named feature.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Feature {
    /// The name expressions use.
    pub name: String,
    /// 0 for tokens, otherwise the layer (1-based) that makes it.
    pub layer: usize,
    /// How it is made.
    pub origin: Origin,
}

/// A validated model.
#[derive(Clone, Debug)]
pub struct Model {
    /// The model's `name`, if given.
    pub name: Option<String>,
    /// The tokens, in order.
    pub alphabet: Vec<String>,
    /// Acceptance convention (EOS by default).
    pub acceptance: Acceptance,
    /// Features in dependency order: tokens, then each layer's heads, then its
    /// feed-forward lines.
    pub features: Vec<Feature>,
    /// Index of the output feature.
    pub output: usize,
    /// The expressions: Boolean formulas whose atoms are feature names.
    pub exprs: Arena,
    /// Number of layers.
    pub layers: usize,
    /// Feature index by name (built by the loader).
    pub(crate) by_name: std::collections::HashMap<String, usize>,
}

impl Model {
    /// The index of the feature with this name.
    pub fn feature(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// All heads, in order.
    pub fn heads(&self) -> impl Iterator<Item = &Head> {
        self.features.iter().filter_map(|f| match &f.origin {
            Origin::Head(h) => Some(h),
            _ => None,
        })
    }
}
