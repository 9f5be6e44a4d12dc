//! Bounded analysis with z3 for models without an exact past-LTL translation (Combiner-
//! Logsparse heads with their own summary selection, whose semantics is not regular in
//! general): the model is unrolled on a symbolic word of each length n ≤ N, head by
//! head, over the exact attention sets of `patterns`, and compared with a formula
//! unrolled on the same word. The first length with a difference gives a shortest
//! counterexample; no difference up to N is a statement about those lengths only.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use z3::ast::{Bool, BV};
use z3::{Params, SatResult, Solver};

use crate::logic::{Acceptance, Arena, Node, NodeId};
use crate::model::boolean::{Head, Mode, Model, Origin, Range};

/// The answer of [`bounded_check`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Bounded {
    /// Model and formula agree on every word of length ≤ the bound.
    AgreeUpTo(usize),
    /// A shortest word where they differ: the word, the model's and the formula's verdicts.
    Differ(Vec<String>, bool, bool),
    /// z3 gave up (time) at this length.
    Unknown(usize, String),
}

/// Values of a position-wise expression (atoms: feature columns) at column `p`.
fn expr(
    a: &Arena,
    id: NodeId,
    p: usize,
    cols: &dyn Fn(&str) -> Bool,
    start: bool,
    eos: bool,
) -> Bool {
    let mut val: HashMap<NodeId, Bool> = HashMap::new();
    for n in a.subformulas(id) {
        let v = |x: NodeId| val[&x].clone();
        let b = match a.node(n) {
            Node::True => Bool::from_bool(true),
            Node::False => Bool::from_bool(false),
            Node::Start => Bool::from_bool(start),
            Node::Eos => Bool::from_bool(eos),
            Node::PosMod(m, r) => Bool::from_bool((p as u64 + 1) % u64::from(m) == u64::from(r)),
            Node::Atom(x) => cols(a.atom_name(x)),
            Node::Not(x) => v(x).not(),
            Node::And(x, y) => Bool::and(&[v(x), v(y)]),
            Node::Or(x, y) => Bool::or(&[v(x), v(y)]),
            Node::Implies(x, y) => v(x).implies(v(y)),
            Node::Iff(x, y) => v(x).eq(v(y)),
            other => unreachable!("model expressions are position-wise, not {other:?}"),
        };
        val.insert(n, b);
    }
    val.remove(&id).expect("the root")
}

/// The formula unrolled over columns 0 … m − 1 (the letters' terms given per atom).
fn unroll(
    a: &Arena,
    root: NodeId,
    m: usize,
    n: usize,
    letter: &dyn Fn(&str, usize) -> Bool,
) -> Vec<Bool> {
    let mut rows: HashMap<NodeId, Vec<Bool>> = HashMap::new();
    for id in a.subformulas(root) {
        let row = |x: NodeId| &rows[&x];
        let f = |b: bool| Bool::from_bool(b);
        let mut out: Vec<Bool> = Vec::with_capacity(m);
        for i in 0..m {
            let prev = |r: &Vec<Bool>| if i == 0 { f(false) } else { r[i - 1].clone() };
            let b = match a.node(id) {
                Node::True => f(true),
                Node::False => f(false),
                Node::Eos => f(i == n),
                Node::Start => f(i == 0),
                Node::PosMod(k, r) => f((i as u64 + 1) % u64::from(k) == u64::from(r)),
                Node::Atom(x) => {
                    if i < n {
                        letter(a.atom_name(x), i)
                    } else {
                        f(false)
                    }
                }
                Node::Not(x) => row(x)[i].not(),
                Node::And(x, y) => Bool::and(&[row(x)[i].clone(), row(y)[i].clone()]),
                Node::Or(x, y) => Bool::or(&[row(x)[i].clone(), row(y)[i].clone()]),
                Node::Implies(x, y) => row(x)[i].implies(&row(y)[i]),
                Node::Iff(x, y) => row(x)[i].eq(&row(y)[i]),
                Node::Yesterday(x) => prev(row(x)),
                Node::WeakYesterday(x) => {
                    if i == 0 {
                        f(true)
                    } else {
                        row(x)[i - 1].clone()
                    }
                }
                Node::YesterdayWithin(k, x) => {
                    let r = row(x);
                    Bool::or(
                        &(1..=k as usize)
                            .filter(|d| *d <= i)
                            .map(|d| r[i - d].clone())
                            .collect::<Vec<_>>(),
                    )
                }
                Node::StrictOnce(x) => Bool::or(&[prev(row(x)), prev(&out)]),
                // At least m of the earlier positions.
                Node::OnceAtLeast(k, _) if k as usize > i => f(false),
                Node::OnceAtLeast(k, x) => z3::ast::atleast(&row(x)[..i], k),
                Node::Once(x) => Bool::or(&[row(x)[i].clone(), prev(&out)]),
                Node::Historically(x) => Bool::and(&[
                    row(x)[i].clone(),
                    if i == 0 { f(true) } else { out[i - 1].clone() },
                ]),
                Node::Since(x, y) => Bool::or(&[
                    row(y)[i].clone(),
                    Bool::and(&[row(x)[i].clone(), prev(&out)]),
                ]),
                Node::StrictSince(x, y) => {
                    Bool::or(&[prev(row(y)), Bool::and(&[prev(row(x)), prev(&out)])])
                }
                Node::Release(x, y) => Bool::and(&[
                    row(y)[i].clone(),
                    Bool::or(&[
                        row(x)[i].clone(),
                        if i == 0 { f(true) } else { out[i - 1].clone() },
                    ]),
                ]),
            };
            out.push(b);
        }
        rows.insert(id, out);
    }
    rows.remove(&root).expect("the root")
}

/// Compares L(model) with L(`spec`) (atoms: tokens) on every word of length ≤ `bound`.
pub fn bounded_check(
    model: &Model,
    spec_arena: &Arena,
    spec: NodeId,
    bound: usize,
    timeout: Option<Duration>,
) -> Bounded {
    let start = Instant::now();
    let sigma = &model.alphabet;
    let bits = (64 - (sigma.len() as u64).leading_zeros()).max(1);
    let eos_col = model.acceptance == Acceptance::Eos;
    for n in 0..=bound {
        let m = n + usize::from(eos_col);
        let letters: Vec<BV> = (0..n)
            .map(|i| BV::new_const(format!("w{i}"), bits))
            .collect();
        let is = |t: &str, i: usize| match sigma.iter().position(|x| x == t) {
            Some(k) if i < n => letters[i].eq(BV::from_u64(k as u64, bits)),
            _ => Bool::from_bool(false),
        };
        let cols = unroll_model(model, n, m, &is);
        let spec_col = unroll(spec_arena, spec, m, n, &is);
        let judged = match model.acceptance {
            Acceptance::Eos => Some(n),
            Acceptance::Last => n.checked_sub(1),
        };
        let Some(p) = judged else { continue };
        let left = timeout.map(|t| t.saturating_sub(start.elapsed()));
        let (mine, theirs) = (&cols[model.output][p], &spec_col[p]);
        if let Some(answer) = differ(n, &letters, sigma, bits, (mine, theirs), left) {
            return answer;
        }
    }
    Bounded::AgreeUpTo(bound)
}

/// Every feature's column on a symbolic word of length `n` (`m` columns with ⊣).
fn unroll_model(
    model: &Model,
    n: usize,
    m: usize,
    is: &dyn Fn(&str, usize) -> Bool,
) -> Vec<Vec<Bool>> {
    let eos_col = model.acceptance == Acceptance::Eos;
    let mut cols: Vec<Vec<Bool>> = Vec::new();
    for f in &model.features {
        let col: Vec<Bool> = {
            let at = |id: NodeId, p: usize| {
                let lookup = |name: &str| cols[model.feature(name).expect("validated")][p].clone();
                expr(&model.exprs, id, p, &lookup, p == 0, eos_col && p == n)
            };
            match &f.origin {
                Origin::Token => (0..m).map(|p| is(&f.name, p)).collect(),
                Origin::Ffn(id) => (0..m).map(|p| at(*id, p)).collect(),
                Origin::Head(h) => (0..m).map(|i| head_value(h, i, &at)).collect(),
            }
        };
        cols.push(col);
    }
    cols
}

/// The positions head `h` reads at query `i`: directly, and through summaries.
fn attended(h: &Head, i: usize) -> (Vec<usize>, Vec<usize>) {
    let own = usize::from(h.inclusive);
    match h.range {
        Range::Global => ((0..i + own).collect(), vec![]),
        Range::Local(k) => ((i.saturating_sub(k as usize)..i + own).collect(), vec![]),
        Range::Combiner(p) => {
            let s = p.support(i as u64);
            (
                s.direct
                    .iter()
                    .flat_map(|r| r.iter())
                    .map(|j| j as usize)
                    .filter(|&j| h.inclusive || j != i)
                    .collect(),
                s.regions
                    .iter()
                    .flat_map(|r| r.run.iter())
                    .map(|j| j as usize)
                    .collect(),
            )
        }
    }
}

/// A head's output at query `i`, with `at(expression, position)` for its expressions.
fn head_value(h: &Head, i: usize, at: &dyn Fn(NodeId, usize) -> Bool) -> Bool {
    let sel = |terms: &[(NodeId, NodeId)], j: usize| {
        let any: Vec<Bool> = terms
            .iter()
            .map(|&(q, k)| Bool::and(&[at(q, i), at(k, j)]))
            .collect();
        Bool::and(&[Bool::or(&any), at(h.value, j)])
    };
    let (direct, regions) = attended(h, i);
    match h.mode {
        Mode::Soft => {
            let summary = h.summary.as_deref().unwrap_or(&h.terms);
            let mut any: Vec<Bool> = direct.iter().map(|&j| sel(&h.terms, j)).collect();
            any.extend(regions.iter().map(|&j| sel(summary, j)));
            Bool::or(&any)
        }
        Mode::HardRightmost | Mode::HardLeftmost => {
            let mut order = direct;
            if h.mode == Mode::HardLeftmost {
                order.reverse();
            }
            // The last in `order` wins: fold from the far end.
            let mut out = Bool::from_bool(h.default);
            for j in order {
                let picked: Vec<Bool> = h
                    .terms
                    .iter()
                    .map(|&(q, k)| Bool::and(&[at(q, i), at(k, j)]))
                    .collect();
                out = Bool::or(&picked).ite(&at(h.value, j), &out);
            }
            out
        }
    }
}

/// Asks z3 for a word of length `n` on which the model's and the spec's judgements
/// differ: `Some` with the word (or "unknown"), `None` when there is none.
fn differ(
    n: usize,
    letters: &[BV],
    sigma: &[String],
    bits: u32,
    (mine, theirs): (&Bool, &Bool),
    time_left: Option<Duration>,
) -> Option<Bounded> {
    let solver = Solver::new();
    if let Some(t) = time_left {
        let mut params = Params::new();
        params.set_u32(
            "timeout",
            t.as_millis().clamp(1, u128::from(u32::MAX)) as u32,
        );
        solver.set_params(&params);
    }
    for l in letters {
        solver.assert(l.bvult(BV::from_u64(sigma.len() as u64, bits)));
    }
    solver.assert(mine.eq(theirs).not());
    match solver.check() {
        SatResult::Unsat => None,
        SatResult::Unknown => Some(Bounded::Unknown(
            n,
            solver
                .get_reason_unknown()
                .unwrap_or_else(|| "unknown".into()),
        )),
        SatResult::Sat => {
            let Some(model) = solver.get_model() else {
                return Some(Bounded::Unknown(
                    n,
                    "z3 reported sat without a model".into(),
                ));
            };
            let word: Vec<String> = letters
                .iter()
                .map(|l| {
                    let k = model.eval(l, true).and_then(|x| x.as_u64()).unwrap_or(0);
                    sigma[k as usize].clone()
                })
                .collect();
            let get = |b: &Bool| {
                model
                    .eval(b, true)
                    .and_then(|x| x.as_bool())
                    .unwrap_or(false)
            };
            Some(Bounded::Differ(word, get(mine), get(theirs)))
        }
    }
}
