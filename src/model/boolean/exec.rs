//! The reference executor: runs a model on a word by the head semantics of docs/SEMANTICS.md §4
//! (loops over attended positions), not through formulas. The compiler is tested
//! against it.

use std::collections::HashMap;

use super::{Mode, Model, Origin, Range};
use crate::logic::{Acceptance, Arena, Node, NodeId};

/// Every feature at every position of one run.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Column headings: the tokens, then `⊣` under EOS acceptance.
    pub columns: Vec<String>,
    /// `values[f][i]`: feature `f` (in [`Model::features`] order) at column `i`.
    pub values: Vec<Vec<bool>>,
    /// Whether the model accepts the word.
    pub accepted: bool,
}

/// Evaluates a position-wise expression; atoms are looked up by name.
pub(crate) fn eval_expr(
    exprs: &Arena,
    id: NodeId,
    atom: impl Fn(&str) -> bool,
    start: bool,
    eos: bool,
) -> bool {
    let subs = exprs.subformulas(id);
    let mut val: HashMap<NodeId, bool> = HashMap::with_capacity(subs.len());
    for n in subs {
        let v = |x: NodeId| val[&x];
        let b = match exprs.node(n) {
            Node::True => true,
            Node::False => false,
            Node::Start => start,
            Node::Eos => eos,
            Node::Atom(a) => atom(exprs.atom_name(a)),
            Node::Not(x) => !v(x),
            Node::And(x, y) => v(x) && v(y),
            Node::Or(x, y) => v(x) || v(y),
            Node::Implies(x, y) => !v(x) || v(y),
            Node::Iff(x, y) => v(x) == v(y),
            // The loader rejects temporal operators and position-modulo atoms in expressions.
            other => unreachable!("temporal operator {other:?} in a model expression"),
        };
        val.insert(n, b);
    }
    val[&id]
}

/// Runs `model` on `word`; a token outside the alphabet is an error.
pub fn run(model: &Model, word: &[String]) -> Result<Trace, String> {
    if let Some(t) = word.iter().find(|t| !model.alphabet.contains(t)) {
        return Err(format!(
            "the token `{t}` is not in the model's alphabet {{{}}}",
            model.alphabet.join(", ")
        ));
    }
    let n = word.len();
    let has_eos = model.acceptance == Acceptance::Eos;
    let m = n + usize::from(has_eos);
    let index: HashMap<&str, usize> = model
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let mut values: Vec<Vec<bool>> = Vec::with_capacity(model.features.len());
    for f in &model.features {
        // Reads the already computed features at position p.
        let at = |values: &Vec<Vec<bool>>, id: NodeId, p: usize| {
            eval_expr(
                &model.exprs,
                id,
                |a| values[index[a]][p],
                p == 0,
                has_eos && p == n,
            )
        };
        let col: Vec<bool> = match &f.origin {
            Origin::Token => (0..m).map(|p| p < n && word[p] == f.name).collect(),
            Origin::Ffn(id) => (0..m).map(|p| at(&values, *id, p)).collect(),
            Origin::Head(h) if matches!(h.range, Range::Combiner(_)) => {
                let Range::Combiner(pattern) = h.range else {
                    unreachable!()
                };
                let summary = h.summary.as_ref().unwrap_or(&h.terms);
                let hit = |terms: &[(NodeId, NodeId)], i: usize, j: u64| {
                    let j = j as usize;
                    terms
                        .iter()
                        .any(|&(q, k)| at(&values, q, i) && at(&values, k, j))
                        && at(&values, h.value, j)
                };
                (0..m)
                    .map(|i| {
                        let s = pattern.support(i as u64);
                        let direct = s
                            .direct
                            .iter()
                            .flat_map(|r| r.iter())
                            .filter(|&j| h.inclusive || j != i as u64);
                        let through = s.regions.iter().flat_map(|r| r.run.iter());
                        direct.into_iter().any(|j| hit(&h.terms, i, j))
                            || through.into_iter().any(|j| hit(summary, i, j))
                    })
                    .collect()
            }
            Origin::Head(h) => (0..m)
                .map(|i| {
                    let lo = match h.range {
                        Range::Global => 0,
                        Range::Local(k) => i.saturating_sub(k as usize),
                        Range::Combiner(_) => unreachable!("Combiner heads are executed above"),
                    };
                    let hi = if h.inclusive { i + 1 } else { i };
                    let selected = |j: usize| {
                        h.terms
                            .iter()
                            .any(|&(q, k)| at(&values, q, i) && at(&values, k, j))
                    };
                    match h.mode {
                        Mode::Soft => (lo..hi).any(|j| selected(j) && at(&values, h.value, j)),
                        Mode::HardRightmost => (lo..hi)
                            .rev()
                            .find(|&j| selected(j))
                            .map_or(h.default, |j| at(&values, h.value, j)),
                        Mode::HardLeftmost => (lo..hi)
                            .find(|&j| selected(j))
                            .map_or(h.default, |j| at(&values, h.value, j)),
                    }
                })
                .collect(),
        };
        values.push(col);
    }
    let accepted = match model.acceptance {
        Acceptance::Eos => values[model.output][n],
        Acceptance::Last => n > 0 && values[model.output][n - 1],
    };
    let mut columns: Vec<String> = word.to_vec();
    if has_eos {
        columns.push("⊣".into());
    }
    Ok(Trace {
        columns,
        values,
        accepted,
    })
}
