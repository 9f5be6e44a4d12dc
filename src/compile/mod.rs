//! Model → formula (every feature, with provenance) and formula → model (`realize`).
//!
//! Soft global heads compile to P (O with inclusive masking), soft local heads with
//! window k to Y^{≤k}, hard rightmost global heads to strict since, hard heads with a
//! window to bounded forms built from Y (SEMANTICS.md §4).

mod realize;

pub use realize::{realize, RealizeError};

use crate::logic::{Arena, Node, NodeId};
use crate::model::{Head, Mode, Model, Origin, Range};

/// One compiled feature.
#[derive(Clone, Debug)]
pub struct CompiledFeature {
    /// The feature's name.
    pub name: String,
    /// The layer that makes it (0: tokens).
    pub layer: usize,
    /// What made it, for the provenance table.
    pub made_by: String,
    /// The formula it computes, over token atoms.
    pub formula: NodeId,
}

/// The past-LTL fragment an architecture lands in (Li & Cotterell 2025, 2026; Yang et al. 2024).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fragment {
    /// No attention head: a Boolean function of the current letter.
    Propositional,
    /// Soft global heads only: LTL[P].
    Global,
    /// Soft local heads only, largest window k: LTL[Y^{≤k}].
    Local(u32),
    /// Soft global and local heads: LTL[P, Y^{≤k}].
    Hybrid(u32),
    /// Some hard head: LTL[Y, S] (full past LTL, star-free).
    Hard,
}

impl Fragment {
    /// The fragment's name.
    pub fn name(self) -> String {
        match self {
            Fragment::Propositional => "propositional (no temporal operator)".into(),
            Fragment::Global => "LTL[P]".into(),
            Fragment::Local(1) => "LTL[Y]".into(),
            Fragment::Local(k) => format!("LTL[Y^{{<={k}}}]"),
            Fragment::Hybrid(1) => "LTL[P, Y]".into(),
            Fragment::Hybrid(k) => format!("LTL[P, Y^{{<={k}}}]"),
            Fragment::Hard => "LTL[Y, S]".into(),
        }
    }

    /// The architecture it stands for.
    pub fn architecture(self) -> &'static str {
        match self {
            Fragment::Propositional => "no attention",
            Fragment::Global => "fixed-precision soft attention, global only (Li & Cotterell 2025)",
            Fragment::Local(_) => {
                "fixed-precision soft attention, local only (Li & Cotterell 2026)"
            }
            Fragment::Hybrid(_) => {
                "fixed-precision soft attention, global and local (Li & Cotterell 2026)"
            }
            Fragment::Hard => "unique hard attention, B-RASP (Yang, Chiang & Angluin 2024)",
        }
    }
}

/// A compiled model: formulas over the model's tokens.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The formulas (atoms are tokens).
    pub arena: Arena,
    /// Every feature in model order.
    pub features: Vec<CompiledFeature>,
    /// The formula of the accepted language (the output feature's formula).
    pub accept: NodeId,
    /// Where the architecture lands.
    pub fragment: Fragment,
}

/// Boolean constructors that fold constants, so compiled formulas stay readable.
pub struct Builder<'a>(pub &'a mut Arena);

impl Builder<'_> {
    pub fn not(&mut self, x: NodeId) -> NodeId {
        match self.0.node(x) {
            Node::True => self.0.add(Node::False),
            Node::False => self.0.add(Node::True),
            Node::Not(y) => y,
            _ => self.0.add(Node::Not(x)),
        }
    }
    pub fn and(&mut self, x: NodeId, y: NodeId) -> NodeId {
        match (self.0.node(x), self.0.node(y)) {
            (Node::True, _) => y,
            (_, Node::True) => x,
            (Node::False, _) | (_, Node::False) => self.0.add(Node::False),
            _ if x == y => x,
            _ => self.0.add(Node::And(x, y)),
        }
    }
    pub fn or(&mut self, x: NodeId, y: NodeId) -> NodeId {
        match (self.0.node(x), self.0.node(y)) {
            (Node::False, _) => y,
            (_, Node::False) => x,
            (Node::True, _) | (_, Node::True) => self.0.add(Node::True),
            _ if x == y => x,
            _ => self.0.add(Node::Or(x, y)),
        }
    }
    pub fn konst(&mut self, b: bool) -> NodeId {
        self.0.add(if b { Node::True } else { Node::False })
    }
    pub fn un(&mut self, f: fn(NodeId) -> Node, x: NodeId) -> NodeId {
        self.0.add(f(x))
    }
    fn within(&mut self, k: u32, x: NodeId) -> NodeId {
        if k == 0 {
            self.konst(false)
        } else {
            self.0.add(Node::YesterdayWithin(k, x))
        }
    }
}

/// Translates a model expression into the formula arena, atoms mapped to feature formulas.
fn translate(model: &Model, id: NodeId, feature: &[NodeId], b: &mut Builder) -> NodeId {
    let mut map: std::collections::HashMap<NodeId, NodeId> = std::collections::HashMap::new();
    for n in model.exprs.subformulas(id) {
        let m = |x: NodeId| map[&x];
        let out = match model.exprs.node(n) {
            Node::Atom(a) => {
                let name = model.exprs.atom_name(a);
                feature[model
                    .feature(name)
                    .expect("validated: every atom is a feature")]
            }
            Node::Not(x) => b.not(m(x)),
            Node::And(x, y) => b.and(m(x), m(y)),
            Node::Or(x, y) => b.or(m(x), m(y)),
            other => b.0.add(other.map_children(m)),
        };
        map.insert(n, out);
    }
    map[&id]
}

/// The formula of a hard head for one selection set `k` (a formula at the attended
/// position), value `v` and default `d`.
fn hard(b: &mut Builder, h: &Head, k: NodeId, v: NodeId) -> NodeId {
    let d = b.konst(h.default);
    let kv = b.and(k, v);
    let nk = b.not(k);
    let strict = match (h.mode, h.range) {
        (Mode::HardRightmost, Range::Global) => {
            // The rightmost selected j < i carries v: ¬k S< (k ∧ v); none selected: default.
            let s = b.0.add(Node::StrictSince(nk, kv));
            let pk = b.un(Node::StrictOnce, k);
            let none = b.not(pk);
            let dn = b.and(d, none);
            b.or(s, dn)
        }
        (Mode::HardRightmost, Range::Local(w)) => {
            // M_w = Y((k ∧ v) ∨ (¬k ∧ M_{w−1})), M_0 = ⊥: the nearest selected position
            // within the window carries v.
            let mut m = b.konst(false);
            for _ in 0..w {
                let rest = b.and(nk, m);
                let inner = b.or(kv, rest);
                m = b.un(Node::Yesterday, inner);
            }
            let any = b.within(w, k);
            let none = b.not(any);
            let dn = b.and(d, none);
            b.or(m, dn)
        }
        (Mode::HardLeftmost, Range::Global) => {
            // The first selected position carries v: P(k ∧ v ∧ ¬P k).
            let pk = b.un(Node::StrictOnce, k);
            let first = b.not(pk);
            let fv = b.and(kv, first);
            let p = b.un(Node::StrictOnce, fv);
            let none = b.not(pk);
            let dn = b.and(d, none);
            b.or(p, dn)
        }
        (Mode::HardLeftmost, Range::Local(w)) => {
            // Position i−d is the leftmost selected one in [i−w, i−1]: no selected
            // position in the w−d before it.
            let mut acc = b.konst(false);
            for dist in 1..=w {
                let earlier = b.within(w - dist, k);
                let no_earlier = b.not(earlier);
                let mut x = b.and(kv, no_earlier);
                for _ in 0..dist {
                    x = b.un(Node::Yesterday, x);
                }
                acc = b.or(acc, x);
            }
            let any = b.within(w, k);
            let none = b.not(any);
            let dn = b.and(d, none);
            b.or(acc, dn)
        }
        (Mode::Soft, _) => unreachable!("soft heads are compiled elsewhere"),
    };
    if !h.inclusive {
        return strict;
    }
    // Inclusive masking: the current position is attended too.
    match h.mode {
        Mode::HardRightmost => {
            let rest = b.and(nk, strict);
            b.or(kv, rest)
        }
        _ => {
            // Leftmost: an earlier selected position wins; otherwise the current one if it
            // is selected, else the default.
            let earlier = match h.range {
                Range::Global => b.un(Node::StrictOnce, k),
                Range::Local(w) => b.within(w, k),
            };
            let from_earlier = b.and(earlier, strict);
            let d = b.konst(h.default);
            let nk_d = b.and(nk, d);
            let here = b.or(kv, nk_d);
            let no_earlier = b.not(earlier);
            let from_here = b.and(no_earlier, here);
            b.or(from_earlier, from_here)
        }
    }
}

fn head_formula(model: &Model, h: &Head, feature: &[NodeId], b: &mut Builder) -> NodeId {
    let v = translate(model, h.value, feature, b);
    let terms: Vec<(NodeId, NodeId)> = h
        .terms
        .iter()
        .map(|&(q, k)| {
            (
                translate(model, q, feature, b),
                translate(model, k, feature, b),
            )
        })
        .collect();
    match h.mode {
        Mode::Soft => {
            let mut out = b.konst(false);
            for (q, k) in terms {
                let kv = b.and(k, v);
                let seen = match (h.range, h.inclusive) {
                    (Range::Global, false) => b.un(Node::StrictOnce, kv),
                    (Range::Global, true) => b.un(Node::Once, kv),
                    (Range::Local(w), false) => b.within(w, kv),
                    (Range::Local(w), true) => {
                        let y = b.within(w, kv);
                        b.or(kv, y)
                    }
                };
                let t = b.and(q, seen);
                out = b.or(out, t);
            }
            out
        }
        _ => {
            // Split on which queries hold at i: the selected set is the union of their keys.
            let n = terms.len();
            let mut out = b.konst(false);
            for mask in 0u32..(1 << n) {
                let mut guard = b.konst(true);
                let mut keys = b.konst(false);
                for (t, &(q, k)) in terms.iter().enumerate() {
                    if mask >> t & 1 == 1 {
                        guard = b.and(guard, q);
                        keys = b.or(keys, k);
                    } else {
                        let nq = b.not(q);
                        guard = b.and(guard, nq);
                    }
                }
                let body = hard(b, h, keys, v);
                let t = b.and(guard, body);
                out = b.or(out, t);
            }
            out
        }
    }
}

fn describe(h: &Head) -> String {
    let range = match h.range {
        Range::Global => "global".to_string(),
        Range::Local(k) => format!("local, window {k}"),
    };
    let mode = match h.mode {
        Mode::Soft => "soft",
        Mode::HardRightmost => "hard rightmost",
        Mode::HardLeftmost => "hard leftmost",
    };
    let op = match (h.mode, h.range, h.inclusive) {
        (Mode::Soft, Range::Global, false) => "→ P".to_string(),
        (Mode::Soft, Range::Global, true) => "→ O".to_string(),
        (Mode::Soft, Range::Local(1), _) => "→ Y".to_string(),
        (Mode::Soft, Range::Local(k), _) => format!("→ Y<={k}"),
        (Mode::HardRightmost, Range::Global, _) => "→ S<".to_string(),
        _ => "→ Y-chain".to_string(),
    };
    format!(
        "head `{}` ({range}, {mode}{}) {op}",
        h.name,
        if h.inclusive { ", inclusive" } else { "" }
    )
}

/// Compiles every feature of `model` into a formula over its tokens.
pub fn compile(model: &Model) -> Compiled {
    let mut arena = Arena::new();
    let mut b = Builder(&mut arena);
    let mut formulas: Vec<NodeId> = Vec::with_capacity(model.features.len());
    let mut features = Vec::with_capacity(model.features.len());
    let (mut global, mut local_k, mut hard) = (false, 0u32, false);
    for f in &model.features {
        let (formula, made_by) = match &f.origin {
            Origin::Token => (b.0.atom(&f.name), "token".to_string()),
            Origin::Ffn(id) => (
                translate(model, *id, &formulas, &mut b),
                "feed-forward".to_string(),
            ),
            Origin::Head(h) => {
                match (h.mode, h.range) {
                    (Mode::Soft, Range::Global) => global = true,
                    (Mode::Soft, Range::Local(k)) => local_k = local_k.max(k),
                    _ => hard = true,
                }
                (head_formula(model, h, &formulas, &mut b), describe(h))
            }
        };
        formulas.push(formula);
        features.push(CompiledFeature {
            name: f.name.clone(),
            layer: f.layer,
            made_by,
            formula,
        });
    }
    let fragment = match (hard, global, local_k) {
        (true, _, _) => Fragment::Hard,
        (false, true, 0) => Fragment::Global,
        (false, true, k) => Fragment::Hybrid(k),
        (false, false, 0) => Fragment::Propositional,
        (false, false, k) => Fragment::Local(k),
    };
    let accept = formulas[model.output];
    Compiled {
        arena,
        features,
        accept,
        fragment,
    }
}
