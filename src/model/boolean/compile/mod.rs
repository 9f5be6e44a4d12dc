//! Model → formula (every feature, with provenance) and formula → model (`realize`).
//!
//! Soft global heads compile to P (O with inclusive masking), soft local heads with
//! window k to Y^{≤k}, hard rightmost global heads to strict since, hard heads with a
//! window to bounded forms built from Y (docs/SEMANTICS.md §4).

pub mod drop_in;
mod realize;

/// Re-exported from [`crate::fragment`], where it lives.
pub use crate::fragment::Fragment;
/// Re-exported from [`crate::logic`], where it lives.
pub use crate::logic::Builder;
pub use realize::{realize, RealizeError, MAX_REALIZED_COUNT};

use crate::logic::{Arena, Node, NodeId};
use crate::model::boolean::{Head, Mode, Model, Origin, Range};

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
    /// For a drop-in Combiner head (summaries use the head's own selection): the formula
    /// of the global head with the same selection, value and masking, which it must be
    /// equivalent to when the pattern has full coverage.
    pub global_equivalent: Option<NodeId>,
}

/// A model that has no exact past-LTL translation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum CompileError {
    /// A Combiner-Logsparse head whose summary selection differs from its own selection:
    /// its language is not regular in general.
    #[error("head `{head}`: a Combiner-Logsparse head whose summary selection differs from its own has no past-LTL translation: which keys it reads directly (distances 0 and 2^k) and which through summaries depends on distances being powers of two, so its language is not regular in general; `run` executes it exactly and `check --bound N` compares it with a formula on all words up to length N")]
    #[diagnostic(code(ltlattn::model::boolean::compile::not_regular))]
    NotRegular {
        /// The head's name.
        head: String,
    },
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

// Compiler-specific constructors on the formula arena's folding builder.
impl Builder<'_> {
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
        (Mode::Soft, _) | (_, Range::Combiner(_)) => {
            unreachable!("soft heads are compiled elsewhere; Combiner heads are soft")
        }
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
                Range::Combiner(_) => unreachable!("Combiner heads are soft"),
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

/// A head's selection terms, translated.
fn translate_terms(
    model: &Model,
    terms: &[(NodeId, NodeId)],
    feature: &[NodeId],
    b: &mut Builder,
) -> Vec<(NodeId, NodeId)> {
    terms
        .iter()
        .map(|&(q, k)| {
            (
                translate(model, q, feature, b),
                translate(model, k, feature, b),
            )
        })
        .collect()
}

fn head_formula(model: &Model, h: &Head, feature: &[NodeId], b: &mut Builder) -> NodeId {
    let v = translate(model, h.value, feature, b);
    let terms = translate_terms(model, &h.terms, feature, b);
    if let Range::Combiner(pattern) = h.range {
        let summary = match &h.summary {
            None => terms.clone(),
            Some(s) => translate_terms(model, s, feature, b),
        };
        return combiner(b, h, pattern, &terms, &summary, v);
    }
    soft_or_hard(b, h, terms, v)
}

/// The formula of a global head with these (translated) terms: what a drop-in Combiner
/// head with full coverage computes.
fn global_head(b: &mut Builder, inclusive: bool, terms: &[(NodeId, NodeId)], v: NodeId) -> NodeId {
    let op = if inclusive {
        Node::Once
    } else {
        Node::StrictOnce
    };
    let mut out = b.konst(false);
    for &(q, k) in terms {
        let kv = b.and(k, v);
        let seen = b.un(op, kv);
        let t = b.and(q, seen);
        out = b.or(out, t);
    }
    out
}

fn soft_or_hard(b: &mut Builder, h: &Head, terms: Vec<(NodeId, NodeId)>, v: NodeId) -> NodeId {
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
                    (Range::Combiner(_), _) => unreachable!("compiled by `combiner`"),
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
        Range::Combiner(p) => format!(
            "{p}, {}",
            if h.summary.is_none() {
                "drop-in: summaries use the head's selection"
            } else {
                "own summary selection"
            }
        ),
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
        (_, Range::Combiner(crate::patterns::Pattern::CombinerLogsparse), _) => {
            "→ O/P (full coverage)".to_string()
        }
        (_, Range::Combiner(_), _) => "→ pos%m cases with Y, Y<=d, P".to_string(),
        _ => "→ Y-chain".to_string(),
    };
    format!(
        "head `{}` ({range}, {mode}{}) {op}",
        h.name,
        if h.inclusive { ", inclusive" } else { "" }
    )
}

/// Compiles every feature of `model` into a formula over its tokens. Fails only for
/// Combiner-Logsparse heads with their own summary selection, whose semantics is not
/// regular in general (distances that are powers of two).
pub fn compile(model: &Model) -> Result<Compiled, CompileError> {
    let mut arena = Arena::new();
    let mut b = Builder(&mut arena);
    let mut formulas: Vec<NodeId> = Vec::with_capacity(model.features.len());
    let mut features = Vec::with_capacity(model.features.len());
    let (mut global, mut local_k, mut hard, mut modular) = (false, 0u32, false, false);
    for f in &model.features {
        let mut global_equivalent = None;
        let (formula, made_by) = match &f.origin {
            Origin::Token => (b.0.atom(&f.name), "token".to_string()),
            Origin::Ffn(id) => (
                translate(model, *id, &formulas, &mut b),
                "feed-forward".to_string(),
            ),
            Origin::Head(h) => {
                match (h.mode, h.range) {
                    (_, Range::Combiner(crate::patterns::Pattern::CombinerLogsparse)) => {
                        if h.summary.is_some() {
                            return Err(CompileError::NotRegular {
                                head: h.name.clone(),
                            });
                        }
                        global = true;
                    }
                    (_, Range::Combiner(_)) => modular = true,
                    (Mode::Soft, Range::Global) => global = true,
                    (Mode::Soft, Range::Local(k)) => local_k = local_k.max(k),
                    _ => hard = true,
                }
                if let (Range::Combiner(_), None) = (h.range, &h.summary) {
                    let v = translate(model, h.value, &formulas, &mut b);
                    let terms = translate_terms(model, &h.terms, &formulas, &mut b);
                    global_equivalent = Some(global_head(&mut b, h.inclusive, &terms, v));
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
            global_equivalent,
        });
    }
    let fragment = match (hard, global, local_k) {
        _ if modular => Fragment::Modular,
        (true, _, _) => Fragment::Hard,
        (false, true, 0) => Fragment::Global,
        (false, true, k) => Fragment::Hybrid(k),
        (false, false, 0) => Fragment::Propositional,
        (false, false, k) => Fragment::Local(k),
    };
    let accept = formulas[model.output];
    Ok(Compiled {
        arena,
        features,
        accept,
        fragment,
    })
}

/// Y applied `d` times, remembering the last chain built from each `x`: the offsets
/// of a block are visited in increasing order, so each new chain is one Y more (linear
/// time in the block size, not quadratic).
fn yesterday_n(
    b: &mut Builder,
    memo: &mut std::collections::HashMap<NodeId, (u64, NodeId)>,
    d: u64,
    x: NodeId,
) -> NodeId {
    let (mut at, mut y) = match memo.get(&x) {
        Some(&(e, y)) if e <= d => (e, y),
        _ => (0, x),
    };
    while at < d {
        y = b.un(Node::Yesterday, y);
        at += 1;
    }
    memo.insert(x, (d, y));
    y
}

/// Y^{≤d} (⊥ for d = 0, Y for d = 1).
fn within_d(b: &mut Builder, d: u64, x: NodeId) -> NodeId {
    match d {
        0 => b.konst(false),
        1 => b.un(Node::Yesterday, x),
        _ => b.within(d as u32, x),
    }
}

/// `pos%m=r` at the position with pattern index ≡ `t` (mod m): position p = index + 1.
fn residue(b: &mut Builder, m: u64, t: u64) -> NodeId {
    if m == 1 {
        b.konst(true)
    } else {
        b.0.add(Node::PosMod(m as u32, ((t + 1) % m) as u32))
    }
}

/// A soft Combiner head (grammar/model.md): ∃ j ∈ Ω⁰(i) with the head's selection (j ≠ i
/// under strict masking) or ∃ j in a region with the summary selection; both read `v`.
/// With index i = p − 1 and offset d = i mod s in the block (or row), every set is a
/// past formula guarded by `pos%s=…`: the own block is `Y<=d`, the keys before the block
/// are `Y^d P`, a column is a `pos%s` condition on the key.
fn combiner(
    b: &mut Builder,
    h: &Head,
    pattern: crate::patterns::Pattern,
    terms: &[(NodeId, NodeId)],
    summary: &[(NodeId, NodeId)],
    v: NodeId,
) -> NodeId {
    use crate::patterns::Pattern;
    // ∨ₜ qₜ ∧ f(kₜ ∧ v) over a selection.
    let over = |b: &mut Builder,
                sel: &[(NodeId, NodeId)],
                f: &mut dyn FnMut(&mut Builder, NodeId) -> NodeId| {
        let mut out = b.konst(false);
        for &(q, k) in sel {
            let kv = b.and(k, v);
            let seen = f(b, kv);
            let t = b.and(q, seen);
            out = b.or(out, t);
        }
        out
    };
    let inclusive = h.inclusive;
    let mut memo = std::collections::HashMap::new();
    // The own block or row: keys i − d … i (i itself only when inclusive).
    let own = move |b: &mut Builder, d: u64, kv: NodeId| {
        let before = within_d(b, d, kv);
        if inclusive {
            b.or(kv, before)
        } else {
            before
        }
    };
    match pattern {
        Pattern::CombinerLogsparse => {
            // Full coverage (proved in smt::patterns): a drop-in head sees every j ≤ i.
            global_head(b, inclusive, terms, v)
        }
        Pattern::CombinerFixed {
            block: s,
            columns: c,
        } => {
            // Keys in the summary columns: index mod s ≥ s − c.
            let mut col = b.konst(false);
            for t in s - c..s {
                let r = residue(b, s, t);
                col = b.or(col, r);
            }
            let ncol = b.not(col);
            let mut out = b.konst(false);
            for d in 0..s {
                let direct = over(b, terms, &mut |b, kv| {
                    let here = own(b, d, kv);
                    let cols = b.and(kv, col);
                    let p = b.un(Node::StrictOnce, cols);
                    let earlier = yesterday_n(b, &mut memo, d, p);
                    b.or(here, earlier)
                });
                let regions = over(b, summary, &mut |b, kv| {
                    let rest = b.and(kv, ncol);
                    let p = b.un(Node::StrictOnce, rest);
                    yesterday_n(b, &mut memo, d, p)
                });
                let g = residue(b, s, d);
                let body = b.or(direct, regions);
                let case = b.and(g, body);
                out = b.or(out, case);
            }
            out
        }
        Pattern::CombinerAxial { width: m } => {
            let mut out = b.konst(false);
            for d in 0..m {
                let g = residue(b, m, d);
                let ng = b.not(g);
                let direct = over(b, terms, &mut |b, kv| {
                    let here = own(b, d, kv);
                    let same = b.and(kv, g);
                    let column = b.un(Node::StrictOnce, same);
                    b.or(here, column)
                });
                let regions = over(b, summary, &mut |b, kv| {
                    let other = b.and(kv, ng);
                    let p = b.un(Node::StrictOnce, other);
                    yesterday_n(b, &mut memo, d, p)
                });
                let body = b.or(direct, regions);
                let case = b.and(g, body);
                out = b.or(out, case);
            }
            out
        }
        other => unreachable!("the loader makes Combiner heads only, not {other}"),
    }
}

/// The budget (states, seconds) of the DFA [`language_note`] builds.
pub const NOTE_BUDGET: (usize, f64) = (100_000, 2.0);

/// A note when the model accepts no word or every word, which is almost never what its
/// author meant; `None` otherwise, and when the compiled formula's minimal DFA is beyond
/// [`NOTE_BUDGET`] (then nothing is said).
pub fn language_note(model: &Model, compiled: &Compiled) -> Option<String> {
    let sigma = crate::automata::Alphabet::Tokens(model.alphabet.clone());
    let budget = crate::automata::Budget::new(NOTE_BUDGET.0, Some(NOTE_BUDGET.1));
    let dfa = crate::engine::explicit::Automaton::of_formula(
        &compiled.arena,
        compiled.accept,
        &sigma,
        model.acceptance,
        &budget,
        true,
    )
    .ok()?;
    dfa.language_kind()
        .note("the model", model.acceptance, false)
}

/// A shorter formula for a compiled model's language, to show beside the per-feature
/// formulas (which stay the provenance): the short-formula search of
/// [`crate::fragment::shortest`] in the model's fragment, on the minimal DFA of the
/// accepted formula under the model's acceptance, when that DFA has at most
/// [`crate::fragment::shortest::SEARCH_DFA_STATES`] states. Re-checked equivalent by the explicit
/// engine; `None` when the search finds nothing within its limits or nothing shorter
/// (in characters) than the compiled formula.
pub fn short_formula(
    model: &Model,
    compiled: &Compiled,
    budget: &crate::automata::Budget,
) -> Option<crate::fragment::FormulaCert> {
    use crate::fragment::shortest::{shortest_formula, Ops, SearchLimits};
    let ops = Ops::of(compiled.fragment)?;
    let sigma = crate::automata::Alphabet::Tokens(model.alphabet.clone());
    let dfa = crate::engine::explicit::formula_dfa(
        &compiled.arena,
        compiled.accept,
        &sigma,
        model.acceptance,
        budget,
    )
    .ok()?;
    if dfa.states() > crate::fragment::shortest::SEARCH_DFA_STATES {
        return None;
    }
    // Fewer tries than for numeric models: this formula is a second, optional view (the
    // compiled one is already shown), and `compile` should not wait long for it.
    let limits = SearchLimits {
        max_tries: 1_200_000,
        ..SearchLimits::default()
    };
    let found = shortest_formula(&dfa, ops, &limits, budget)?;
    let compiled_len = crate::logic::print(
        &compiled.arena,
        compiled.accept,
        crate::logic::Syntax::Ascii,
    )
    .len();
    (found.cert.formula.len() < compiled_len).then_some(found.cert)
}
