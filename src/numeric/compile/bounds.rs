//! Proofs by bounds: the last layer's global heads replaced by boxes that hold every
//! value they can take (grammar/numeric.md, "Proofs by bounds").
//!
//! The last layer is read at ⊣ only, and what makes its exact exploration large is the
//! counts of its global heads' key classes, one count per class. Many trained models
//! decide with their other heads (a local head that reads the last letters) and give
//! the global heads a weight too small to change the answer. For such a model this
//! module proves the answer without the counts: every possible output of a global head
//! at a given query type lies in a box (an interval per component), and if the
//! classifier's logit has the required sign for every point of the boxes, it has that
//! sign at the true output too. The rest is exact: the layers below are compiled and
//! minimized as in [`compile_numeric`], the local heads read the last k classes, and
//! the product with the other side's DFA is explored breadth first.
//!
//! A head's output at query type q is round(Σ c_k α_k v_k) with α_k = round(e_k / d),
//! d = round_D(Σ c_k e_k) and e_k = round(exp(s_k − μ)), μ the largest score present.
//! For fixed μ and d the sum is a linear function of y_k = c_k e_k ≥ 0 under the
//! constraint lo_d ≤ Σ y_k ≤ hi_d (the reals that round to d): its extremes are at
//! the largest and smallest ratio α_k v_k / e_k, times hi_d or lo_d. The union over μ
//! and d of these boxes, plus the zero vector (an overflowing denominator), holds every
//! output; rounding is monotone, so rounding the bounds bounds the rounded output. The
//! boxes are tried coarsest first (one box for every μ and d) and split only where the
//! sign is not decided, down to single points.

use super::*;
use crate::automata::Question;
use crate::numeric::number::{fraction_of, Overflow};

/// What a proof by bounds established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundsProof {
    /// States of the layers below the last one, minimized.
    pub stage_states: usize,
    /// Product states (stage state, last letters' classes, the other side's state)
    /// explored.
    pub product_states: usize,
    /// Logit intervals computed (boxes tried).
    pub boxes: usize,
}

/// The outcome of [`prove_by_bounds`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bounds {
    /// The two sides agree at every length (for `Included`: the inclusion holds).
    Proved(BoundsProof),
    /// Not proved: why (the method does not apply, or some box does not decide the
    /// sign; the exact compilation may still decide).
    Inconclusive(String),
}

thread_local! {
    static MUTATION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// For the tests that must fail under it: wrong bounds, which forget that an
/// overflowing denominator makes a head's output the zero vector.
#[doc(hidden)]
pub fn mutate_bounds_for_tests(on: bool) {
    MUTATION.with(|m| m.set(on));
}

/// Boxes tried for one product state before it is given up.
const BOXES_PER_STATE: usize = 4096;

/// Per component, the smallest and the largest value over some key classes.
type Extremes = (Vec<Num>, Vec<Num>);

/// An interval of exact values, lo ≤ hi.
type Iv = (Num, Num);

/// Proves that `model` (left side when `model_left`) and `other` agree under
/// `question`, by bounding the last layer's global heads. `Ok(Inconclusive)` when it
/// cannot; `Err` for a budget, or a NaN in the exact part.
pub fn prove_by_bounds(
    model: &NumericModel,
    other: &Dfa,
    model_left: bool,
    question: Question,
    budget: &Budget,
) -> Result<Bounds, NumericCompileError> {
    let layers = model.layers.len();
    let f = model.format;
    let inconclusive = |why: &str| Ok(Bounds::Inconclusive(why.to_string()));
    if layers == 0 || !model.has_global(layers - 1) {
        return inconclusive("the last layer has no global head");
    }
    let l = layers - 1;
    let layer = &model.layers[l];
    if f.overflow == Overflow::Inf {
        return inconclusive("the format has infinities");
    }
    if model.inclusive {
        return inconclusive("inclusive masking");
    }
    if layer.norm.is_some() {
        return inconclusive("the last layer has a layer norm");
    }
    if layer.out.is_none() {
        return inconclusive("the last layer has no output map");
    }
    let Some(values) = f.values().filter(|v| v.len() <= 1 << 12) else {
        return inconclusive("the format has too many values to enumerate denominators");
    };
    // The boxes and intervals are computed in f64 (widened outward): every value of the
    // format, and each product of up to four of them, must be far inside f64's normal
    // range, or an underflow to 0 would lose a bound (e11m0 reaches 2^-1022).
    let inside =
        |x: &Num| x.signum() == 0 || (2f64.powi(-200)..=2f64.powi(200)).contains(&x.to_f64().abs());
    if !inside(&f.min_positive()) || !inside(&f.max_finite()) {
        return inconclusive("the format's range is too wide for the bounds' f64 arithmetic");
    }
    let Some(dens) = denominators(&f, &values) else {
        return inconclusive("the format's denominator does not overflow as expected");
    };
    let letters = model.alphabet.len();
    if other.states() == 0 || other.alphabet().len() != letters {
        return inconclusive("the other side's alphabet differs");
    }
    let rows = letters + 1;
    let cap_text = "the layers below the last, for a proof by bounds".to_string();
    let mut c = Compiler::new(model, Mode::Congruence);
    let (stage, reports) = match explore_to_fixpoint(&mut c, budget, &cap_text, l)? {
        Explored::Below(stage, reports) => (stage, reports),
        Explored::Dfa(..) => unreachable!("explored below the last layer"),
    };
    // The last layer's classes count nothing: no cap is needed.
    c.exact_caps = true;
    let stage_states = stage.trans.len() / letters.max(1);
    // The key classes any letter position can have at the last layer.
    // The key class of each (stage state, letter) position, and the distinct ones.
    let mut class_at: Vec<u32> = Vec::with_capacity(stage_states * letters);
    for b in 0..stage_states {
        for r in 0..letters {
            class_at.push(c.class(l, stage.out[b * rows + r])?);
        }
    }
    let mut keys = class_at.clone();
    keys.sort_unstable();
    keys.dedup();
    // Per stage state: the key classes some word reaching it can have put before ⊣
    // (the least fixpoint of seen(b') ⊇ seen(b) ∪ {class of the letter}), as a set.
    // Bit sets over `keys`, grown by a worklist until nothing changes.
    let mut seen: Vec<Vec<u64>> = vec![vec![0; keys.len().div_ceil(64)]; stage_states];
    let letter_class: Vec<usize> = class_at
        .iter()
        .map(|k| keys.binary_search(k).expect("a letter's class is a key"))
        .collect();
    let mut queued = vec![false; stage_states];
    let mut work = std::collections::VecDeque::from([0usize]);
    queued[0] = true;
    while let Some(b) = work.pop_front() {
        queued[b] = false;
        budget
            .check_time("classes seen before each state, for a proof by bounds", b)
            .map_err(|e| {
                NumericCompileError::Budget(
                    e,
                    stage_states,
                    "checking the last layer by bounds".into(),
                )
            })?;
        for r in 0..letters {
            let nb = stage.trans[b * letters + r] as usize;
            let i = letter_class[b * letters + r];
            let mut from = seen[b].clone();
            from[i / 64] |= 1u64 << (i % 64);
            let mut grown = false;
            for (to, add) in seen[nb].iter_mut().zip(from) {
                if add & !*to != 0 {
                    *to |= add;
                    grown = true;
                }
            }
            // A first visit always grows the set (by the letter's class).
            if grown && !queued[nb] {
                queued[nb] = true;
                work.push_back(nb);
            }
        }
    }
    let mut seen_ids: Interner<Vec<u64>> = Interner::default();
    let seen_of: Vec<u32> = seen.into_iter().map(|s| seen_ids.intern(s)).collect();
    let mut prover = Prover {
        c,
        budget: *budget,
        l,
        keys,
        seen: seen_ids.list,
        dens,
        coarse: HashMap::default(),
        fine: HashMap::default(),
        values,
        alpha: HashMap::default(),
        memo: HashMap::default(),
        boxes: 0,
    };
    let window = model.window(l) as usize;
    // Product states: (stage state, the other side's state, whether a letter was read,
    // the classes of the last `window` letters).
    type State = (u32, u32, bool, Vec<u32>);
    let mut ids: HashMap<State, u32> = HashMap::default();
    let mut queue: Vec<State> = vec![(0, 0, false, Vec::new())];
    // Per product state: the state and letter it was first reached from.
    let mut parent: Vec<(u32, u32)> = vec![(0, 0)];
    ids.insert(queue[0].clone(), 0);
    let mut next = 0usize;
    while next < queue.len() {
        budget
            .check(queue.len(), letters, "product states of a proof by bounds")
            .map_err(|e| {
                NumericCompileError::Budget(
                    e,
                    reports.iter().map(|r| r.explored).sum::<usize>() + queue.len(),
                    "checking the last layer by bounds".into(),
                )
            })?;
        let (b, s, nonempty, win) = queue[next].clone();
        next += 1;
        let accepts = other.accepting()[s as usize];
        // The answers of the model that would be a disagreement.
        let wrong: &[bool] = match (question, model_left) {
            (Question::Equivalent, _) => {
                if accepts {
                    &[false]
                } else {
                    &[true]
                }
            }
            // model ⊆ other: the model must reject where the other rejects.
            (Question::Included, true) => {
                if accepts {
                    &[]
                } else {
                    &[true]
                }
            }
            // other ⊆ model: the model must accept where the other accepts.
            (Question::Included, false) => {
                if accepts {
                    &[false]
                } else {
                    &[]
                }
            }
        };
        if let [bad] = wrong {
            let t = stage.out[b as usize * rows + letters];
            if !prover.always(t, seen_of[b as usize], &win, nonempty, !bad)? {
                return Ok(Bounds::Inconclusive(format!(
                    "its boxes do not decide the answer on the word \"{}\" (a box may hold values that no word reaches there)",
                    word_to(&parent, next - 1, model)
                )));
            }
        }
        for r in 0..letters {
            let nb = stage.trans[b as usize * letters + r];
            let ns = other.next(s, r as u32);
            let class = class_at[b as usize * letters + r];
            let mut nw = win.clone();
            if window > 0 {
                nw.push(class);
                if nw.len() > window {
                    nw.remove(0);
                }
            }
            let st = (nb, ns, true, nw);
            if !ids.contains_key(&st) {
                ids.insert(st.clone(), queue.len() as u32);
                queue.push(st);
                parent.push(((next - 1) as u32, r as u32));
            }
        }
    }
    Ok(Bounds::Proved(BoundsProof {
        stage_states,
        product_states: queue.len(),
        boxes: prover.boxes,
    }))
}

/// The shortest word that reaches product state `i`, as the model's tokens.
fn word_to(parent: &[(u32, u32)], mut i: usize, model: &NumericModel) -> String {
    let mut w = Vec::new();
    while i != 0 {
        let (p, r) = parent[i];
        w.push(model.alphabet[r as usize].as_str());
        i = p as usize;
    }
    w.reverse();
    w.join(" ")
}

/// The finite denominators: each positive value d with the reals that round to it,
/// [lo_d, hi_d] (a superset: the midpoints to its neighbours for nearest rounding, d to
/// the next value toward zero), ascending. `None` if a value a full step above the
/// largest does not overflow to +∞, as the denominator rule says it must.
fn denominators(f: &Format, values: &[Num]) -> Option<Vec<(Num, Iv)>> {
    let pos: Vec<&Num> = values
        .iter()
        .filter(|v| v.signum() > 0 && v.is_finite())
        .collect();
    let half = |a: &Num, b: &Num| -> Option<Num> {
        let s = Num::sum([a, b]).ok()?;
        Some(div_pow2(&s, 1))
    };
    let top = pos.last()?;
    let below = if pos.len() >= 2 {
        pos[pos.len() - 2].clone()
    } else {
        Num::zero()
    };
    let step = top.sub(&below).ok()?;
    let beyond = Num::sum([*top, &step]).ok()?;
    if f.round_denominator(&beyond).ok()? != Num::PosInf {
        return None;
    }
    let nearest = f.rounding == crate::numeric::number::Rounding::NearestEven;
    let mut out = Vec::with_capacity(pos.len());
    for (i, d) in pos.iter().enumerate() {
        let prev = if i == 0 {
            Num::zero()
        } else {
            pos[i - 1].clone()
        };
        let next = pos.get(i + 1).map_or(beyond.clone(), |n| (*n).clone());
        let (lo, hi) = if nearest {
            // The largest value: up to the first value checked to overflow.
            let hi = if i + 1 == pos.len() {
                beyond.clone()
            } else {
                half(d, &next)?
            };
            (half(&prev, d)?, hi)
        } else {
            ((*d).clone(), next)
        };
        out.push(((*d).clone(), (lo, hi)));
    }
    Some(out)
}

/// x / 2^k, exactly.
fn div_pow2(x: &Num, k: i64) -> Num {
    let (n, d) = fraction_of(x);
    // d is a power of two: x / 2^k = n / (d · 2^k), a dyadic.
    let den = d << k as usize;
    let shift = den.bits() as i64 - 1;
    Num::Fin(crate::numeric::number::Dyadic::new(n, -shift))
}

/// A box: per component an interval; `coarse` marks the one box for every μ and d,
/// which is refined into [`Prover::fine`]'s boxes before it is split.
#[derive(Clone, Debug)]
struct BoxOf {
    iv: Vec<Iv>,
    coarse: bool,
}

/// A head's boxes in a branch of the search: a range of a shared list, or one box of
/// its own (a point, a coarse box, a bisected box).
#[derive(Clone, Debug)]
enum Span {
    Range(std::rc::Rc<Pieces>, usize, usize),
    One(BoxOf),
}

impl Span {
    fn len(&self) -> usize {
        match self {
            Span::Range(_, lo, hi) => hi - lo,
            Span::One(_) => 1,
        }
    }
    fn is_coarse(&self) -> bool {
        matches!(self, Span::One(b) if b.coarse)
    }
    fn hull(&self) -> Vec<Iv> {
        match self {
            Span::Range(list, lo, hi) => hull(&list[*lo..*hi]),
            Span::One(b) => b.iv.clone(),
        }
    }
    /// The one box (of a span of length 1).
    fn single(&self) -> BoxOf {
        match self {
            Span::Range(list, lo, _) => BoxOf {
                iv: list[*lo].iv.clone(),
                coarse: false,
            },
            Span::One(b) => b.clone(),
        }
    }
}

/// In place of a set of seen classes: every key class.
const ALL: u32 = u32::MAX;

/// One global head's possible outputs at a product state: boxes whose union holds them.
type Pieces = Vec<BoxOf>;

struct Prover<'m> {
    c: Compiler<'m>,
    /// The proof's budget: its deadline is checked as boxes are made and tried.
    budget: Budget,
    l: usize,
    /// Key classes of the last layer at letter positions.
    keys: Vec<u32>,
    /// Sets of them (as flags over `keys`): the classes seen before a stage state.
    seen: Vec<Vec<u64>>,
    dens: Vec<(Num, Iv)>,
    /// (head, query type) → the coarse box.
    coarse: HashMap<(usize, u32), BoxOf>,
    /// (head, query type) → a box per (μ, d), and the zero vector.
    fine: HashMap<(usize, u32, u32), std::rc::Rc<Pieces>>,
    /// Every value of the format, ascending (for bisection).
    values: Vec<Num>,
    /// (e, d) → round(e/d) as an f64 (exact: a value of the format).
    alpha: HashMap<(Num, Num), f64>,
    /// (query type, local heads' outputs, whether a letter was read, the answer) →
    /// whether every point of the boxes gives that answer.
    memo: HashMap<(u32, u32, Vec<Num>, bool, bool), bool>,
    boxes: usize,
}

impl Prover<'_> {
    /// The budget's deadline, as the exploration reports it.
    fn out_of_time(&self) -> Result<(), NumericCompileError> {
        self.budget
            .check_time("boxes of a proof by bounds", self.boxes)
            .map_err(|e| {
                NumericCompileError::Budget(
                    e,
                    self.boxes,
                    "checking the last layer by bounds".into(),
                )
            })
    }

    /// Whether every output the global heads can take at ⊣ of type `t`, with the local
    /// heads reading `win`, gives the answer `answer`.
    fn always(
        &mut self,
        t: u32,
        seen: u32,
        win: &[u32],
        nonempty: bool,
        answer: bool,
    ) -> Result<bool, NumericCompileError> {
        let model = self.c.model;
        let l = self.l;
        self.c.class(l, t)?;
        // Every query is computed (a NaN there is the executor's error too).
        self.c.queries_of(l, t)?;
        let heads = &model.layers[l].heads;
        let mut locals: Vec<Num> = Vec::new();
        let mut exact: Vec<Option<Vector>> = Vec::with_capacity(heads.len());
        for (hd, head) in heads.iter().enumerate() {
            match head.range {
                NumRange::Local(k) => {
                    let mut ks: Vec<(u32, u64)> = Vec::new();
                    for &cl in win.iter().rev().take(k as usize) {
                        match ks.iter_mut().find(|(x, _)| *x == cl) {
                            Some((_, n)) => *n += 1,
                            None => ks.push((cl, 1)),
                        }
                    }
                    ks.sort_unstable();
                    let Some(out) = self.c.head_output(l, hd, t, &ks)? else {
                        // A NaN step (not in formats without infinities): nothing is
                        // proved, and the compilation meets the executor's error.
                        return Ok(false);
                    };
                    locals.extend(out.iter().cloned());
                    exact.push(Some(out));
                }
                NumRange::Global => exact.push(None),
            }
        }
        let key = (t, seen, locals, nonempty, answer);
        if let Some(&v) = self.memo.get(&key) {
            return Ok(v);
        }
        // Per head: its pieces (a local head: its exact output as one box).
        let mut pieces: Vec<Span> = Vec::with_capacity(heads.len());
        for (hd, out) in exact.iter().enumerate() {
            let p = match out {
                Some(o) => Span::One(point(o)),
                None if !nonempty => Span::One(point(&vec![Num::zero(); heads[hd].value.w.len()])),
                None => Span::One(self.coarse_box(hd, t)?),
            };
            pieces.push(p);
        }
        let h = self.c.types.get(l, t).clone();
        let mut tried = 0usize;
        let v = self.split(t, seen, &h, pieces, answer, &mut tried)?;
        self.memo.insert(key, v);
        Ok(v)
    }

    /// Branch and bound: whether every point of `pieces` gives `answer`.
    fn split(
        &mut self,
        t: u32,
        seen: u32,
        h: &[Num],
        pieces: Vec<Span>,
        answer: bool,
        tried: &mut usize,
    ) -> Result<bool, NumericCompileError> {
        let mut stack = vec![pieces];
        while let Some(p) = stack.pop() {
            *tried += 1;
            self.boxes += 1;
            if self.boxes % 256 == 0 {
                self.out_of_time()?;
            }
            if *tried > BOXES_PER_STATE {
                return Ok(false);
            }
            let hulls: Vec<Vec<Iv>> = p.iter().map(Span::hull).collect();
            // In f64 first (outward), exactly where that does not decide.
            let (yes, no) = match self.logit_interval_f64(h, &hulls) {
                Some((lo, hi)) if lo > 0.0 || hi <= 0.0 => (lo > 0.0, hi <= 0.0),
                _ => {
                    let (lo, hi) = self.logit_interval(h, &hulls)?;
                    (lo.signum() > 0, hi.signum() <= 0)
                }
            };
            if (answer && yes) || (!answer && no) {
                continue;
            }
            if (answer && no) || (!answer && yes) {
                return Ok(false);
            }
            // Undecided: halve the head with the most boxes, else refine a coarse box,
            // else bisect the widest box.
            let Some(hd) = (0..p.len())
                .max_by_key(|&i| p[i].len())
                .filter(|&i| p[i].len() > 1)
            else {
                if let Some(hd) = (0..p.len()).find(|&i| p[i].is_coarse()) {
                    let fine = self.fine_boxes(hd, t, seen)?;
                    let n = fine.len();
                    let mut q = p;
                    q[hd] = Span::Range(fine, 0, n);
                    stack.push(q);
                    continue;
                }
                match self.bisect(&p)? {
                    Some((a, b)) => {
                        stack.push(a);
                        stack.push(b);
                        continue;
                    }
                    // Every box is a point and the sign is wrong or zero-ambiguous.
                    None => return Ok(false),
                }
            };
            let Span::Range(list, lo, hi) = &p[hd] else {
                unreachable!("only a range holds more than one box")
            };
            let (list, lo, hi) = (list.clone(), *lo, *hi);
            let mid = lo + (hi - lo) / 2;
            let mut a = p.clone();
            let mut b = p;
            a[hd] = Span::Range(list.clone(), lo, mid);
            b[hd] = Span::Range(list, mid, hi);
            stack.push(a);
            stack.push(b);
        }
        Ok(true)
    }

    /// Splits the widest single box (each head has one box here) in two at a value of
    /// the format; `None` when every box is a point.
    #[allow(clippy::type_complexity)]
    fn bisect(&self, p: &[Span]) -> Result<Option<(Vec<Span>, Vec<Span>)>, ExecError> {
        let boxes: Vec<BoxOf> = p.iter().map(Span::single).collect();
        let mut best: Option<(usize, usize, f64)> = None;
        for (hd, bx) in boxes.iter().enumerate() {
            for (i, (lo, hi)) in bx.iv.iter().enumerate() {
                let w = hi.to_f64() - lo.to_f64();
                if lo != hi && best.is_none_or(|(_, _, bw)| w > bw) {
                    best = Some((hd, i, w));
                }
            }
        }
        let Some((hd, i, _)) = best else {
            return Ok(None);
        };
        let (lo, hi) = boxes[hd].iv[i].clone();
        // The largest value of the format ≤ the midpoint, and the one after it:
        // [lo, m] and [m2, hi] cover every value of the format in [lo, hi].
        let mid = div_pow2(&Num::sum([&lo, &hi]).map_err(nan)?, 1);
        let idx = self.values.partition_point(|v| v <= &mid);
        let m = self.values[idx.saturating_sub(1)].clone();
        let m2 = self.values.get(idx).cloned().unwrap_or_else(|| hi.clone());
        if m < lo || m2 > hi || m2 <= m {
            return Ok(None);
        }
        let mut a: Vec<Span> = boxes.iter().cloned().map(Span::One).collect();
        let mut b = a.clone();
        if let (Span::One(x), Span::One(y)) = (&mut a[hd], &mut b[hd]) {
            x.iv[i] = (lo, m);
            y.iv[i] = (m2, hi);
        }
        Ok(Some((a, b)))
    }

    /// [`Prover::logit_interval`] in f64, each bound widened outward before it is rounded
    /// into the format (rounding is monotone, so the result holds the exact interval):
    /// every operand is a value of the format (whose range [`prove_by_bounds`] keeps far
    /// inside f64's normal numbers), exact in f64, and each sum of n products is off by at
    /// most (n + 1)·2^-53 of the sum of their magnitudes, below the (n + 2)·2^-50 of it
    /// added. Wider than the exact interval only where a bound sits on a rounding
    /// boundary: the caller then computes the exact one. `None` if a bound is not finite.
    fn logit_interval_f64(&self, h: &[Num], heads: &[Vec<Iv>]) -> Option<(f64, f64)> {
        let model = self.c.model;
        let f = model.format;
        let layer = &model.layers[self.l];
        let round = |x: f64| -> Option<f64> { Some(f.round(&Num::from_f64(x)?).ok()?.to_f64()) };
        let linear =
            |lin: &crate::numeric::load::Linear, x: &[(f64, f64)]| -> Option<Vec<(f64, f64)>> {
                let mut out = Vec::with_capacity(lin.w.len());
                for (row, b) in lin.w.iter().zip(&lin.b) {
                    let b = b.to_f64();
                    let (mut lo, mut hi, mut mag) = (b, b, b.abs());
                    for (w, &(xl, xh)) in row.iter().zip(x) {
                        let w = w.to_f64();
                        let (a, z) = if w >= 0.0 {
                            (w * xl, w * xh)
                        } else {
                            (w * xh, w * xl)
                        };
                        lo += a;
                        hi += z;
                        mag += a.abs().max(z.abs());
                    }
                    // n + 1 roundings, each within 2^-53 of `mag`.
                    let err = mag * (row.len() as f64 + 2.0) * 2f64.powi(-50) + f64::MIN_POSITIVE;
                    out.push((round(lo - err)?, round(hi + err)?));
                }
                Some(out)
            };
        let add = |x: &[(f64, f64)], y: &[(f64, f64)]| -> Option<Vec<(f64, f64)>> {
            x.iter()
                .zip(y)
                .map(|(&(a, b), &(c, d))| {
                    let err =
                        |u: f64, v: f64| (u.abs() + v.abs()) * 2f64.powi(-40) + f64::MIN_POSITIVE;
                    Some((round(a + c - err(a, c))?, round(b + d + err(b, d))?))
                })
                .collect()
        };
        let concat: Vec<(f64, f64)> = heads
            .iter()
            .flatten()
            .map(|(a, b)| (a.to_f64(), b.to_f64()))
            .collect();
        let mut x: Vec<(f64, f64)> = h.iter().map(|v| (v.to_f64(), v.to_f64())).collect();
        if let Some(out) = &layer.out {
            let a = linear(out, &concat)?;
            x = add(&x, &a)?;
        }
        if let Some((up, down)) = &layer.ffn {
            let u: Vec<(f64, f64)> = linear(up, &x)?
                .into_iter()
                .map(|(a, b)| (a.max(0.0), b.max(0.0)))
                .collect();
            let dn = linear(down, &u)?;
            x = add(&x, &dn)?;
        }
        let lin = crate::numeric::load::Linear {
            w: vec![model.classifier.clone()],
            b: vec![model.classifier_bias.clone()],
        };
        let out = linear(&lin, &x)?;
        out.into_iter()
            .next()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
    }

    /// The interval of the classifier's logit when the heads' outputs range over
    /// `heads` (one box each) and the position's layer input is `h`: the rest of the
    /// layer (output map, residual, feed-forward block) and the classifier in interval
    /// arithmetic, exact sums rounded once, which is monotone.
    fn logit_interval(&self, h: &[Num], heads: &[Vec<Iv>]) -> Result<Iv, ExecError> {
        let model = self.c.model;
        let f = model.format;
        let layer = &model.layers[self.l];
        let concat: Vec<Iv> = heads.iter().flatten().cloned().collect();
        let mut x: Vec<Iv> = h.iter().map(|v| (v.clone(), v.clone())).collect();
        if let Some(out) = &layer.out {
            let a = linear(&f, out, &concat)?;
            x = add(&f, &x, &a)?;
        }
        if let Some((up, down)) = &layer.ffn {
            let u: Vec<Iv> = linear(&f, up, &x)?
                .into_iter()
                .map(|(a, b)| (a.relu(), b.relu()))
                .collect();
            let dn = linear(&f, down, &u)?;
            x = add(&f, &x, &dn)?;
        }
        let lin = crate::numeric::load::Linear {
            w: vec![model.classifier.clone()],
            b: vec![model.classifier_bias.clone()],
        };
        Ok(linear(&f, &lin, &x)?.remove(0))
    }

    /// The coarse box of global head `hd` at query type `t`: the hull of its boxes over
    /// every key class, shared by every stage state (refined into the boxes of the
    /// classes seen before the state when it does not decide).
    fn coarse_box(&mut self, hd: usize, t: u32) -> Result<BoxOf, NumericCompileError> {
        if let Some(b) = self.coarse.get(&(hd, t)) {
            return Ok(b.clone());
        }
        let fine = self.fine_boxes(hd, t, ALL)?;
        let b = BoxOf {
            iv: hull(fine.as_slice()),
            coarse: true,
        };
        self.coarse.insert((hd, t), b.clone());
        Ok(b)
    }

    /// A box per (μ, d) for global head `hd` at query type `t`, and the zero vector.
    fn fine_boxes(
        &mut self,
        hd: usize,
        t: u32,
        seen: u32,
    ) -> Result<std::rc::Rc<Pieces>, NumericCompileError> {
        if let Some(p) = self.fine.get(&(hd, t, seen)) {
            return Ok(p.clone());
        }
        let model = self.c.model;
        let f = model.format;
        let l = self.l;
        let d_head = model.layers[l].heads[hd].value.w.len();
        let scores = self.c.scores(l, hd, t)?;
        // Per distinct score: the smallest and largest value of each component.
        let mut groups: std::collections::BTreeMap<Num, Extremes> = Default::default();
        for (i, &k) in self.keys.iter().enumerate() {
            if seen != ALL && self.seen[seen as usize][i / 64] >> (i % 64) & 1 == 0 {
                continue;
            }
            let v = &self.c.classes[l].list[k as usize][hd].1;
            let g = groups
                .entry(scores[k as usize].clone())
                .or_insert_with(|| (v.clone(), v.clone()));
            for ((x, lo), hi) in v.iter().zip(g.0.iter_mut()).zip(g.1.iter_mut()) {
                if x < lo {
                    *lo = x.clone();
                }
                if x > hi {
                    *hi = x.clone();
                }
            }
        }
        let groups: Vec<(Num, Extremes)> = groups.into_iter().collect();
        let mut out: Pieces = Vec::new();
        if !MUTATION.with(|m| m.get()) {
            out.push(point(&vec![Num::zero(); d_head]));
        }
        for (m, (mu, _)) in groups.iter().enumerate() {
            self.out_of_time()?;
            // e of each score ≤ μ (positive ones only: a zero weight adds nothing).
            let mut live: Vec<(Num, &Vec<Num>, &Vec<Num>)> = Vec::new();
            for (s, (vmin, vmax)) in &groups[..=m] {
                let diff = s.sub(mu).map_err(nan)?;
                let e = f.exp(&diff).map_err(nan)?;
                if e.signum() > 0 {
                    live.push((e, vmin, vmax));
                }
            }
            let e_mu = live.last().map(|x| x.0.clone()).unwrap_or_else(Num::zero);
            for (d, (lo_d, hi_d)) in &self.dens {
                // D ≥ e_μ: a class with the largest score is present.
                if hi_d < &e_mu {
                    continue;
                }
                // In f64, whose every value here (a format's values and midpoints) is
                // exact; the few roundings of α/e·v·(lo or hi) are covered by widening
                // each bound outward by far more than their relative error (≤ 2^-51).
                let (lo_x, hi_x) = (lo_d.to_f64(), hi_d.to_f64());
                let ratios: Vec<f64> = live
                    .iter()
                    .map(|(e, _, _)| {
                        let a = self
                            .alpha
                            .entry((e.clone(), d.clone()))
                            .or_insert_with(|| crate::numeric::exec::divide(&f, e, d).to_f64());
                        *a / e.to_f64()
                    })
                    .collect();
                let mut iv = Vec::with_capacity(d_head);
                for i in 0..d_head {
                    let mut rmax = f64::NEG_INFINITY;
                    let mut rmin = f64::INFINITY;
                    for ((_, vmin, vmax), ra) in live.iter().zip(&ratios) {
                        rmax = rmax.max(ra * vmax[i].to_f64());
                        rmin = rmin.min(ra * vmin[i].to_f64());
                    }
                    let upper = rmax * if rmax < 0.0 { lo_x } else { hi_x };
                    let lower = rmin * if rmin < 0.0 { hi_x } else { lo_x };
                    let widen = |x: f64| x.abs() * 1e-12 + 1e-30;
                    let (Some(lower), Some(upper)) = (
                        Num::from_f64(lower - widen(lower)),
                        Num::from_f64(upper + widen(upper)),
                    ) else {
                        iv.push((f.max_finite().neg(), f.max_finite()));
                        continue;
                    };
                    iv.push((f.round(&lower).map_err(nan)?, f.round(&upper).map_err(nan)?));
                }
                out.push(BoxOf { iv, coarse: false });
            }
        }
        let out = std::rc::Rc::new(out);
        self.fine.insert((hd, t, seen), out.clone());
        Ok(out)
    }
}

fn nan(e: crate::numeric::number::NanError) -> ExecError {
    ExecError {
        what: "a proof by bounds".into(),
        nan: e,
    }
}

/// A vector as a box of points.
fn point(v: &[Num]) -> BoxOf {
    BoxOf {
        iv: v.iter().map(|x| (x.clone(), x.clone())).collect(),
        coarse: false,
    }
}

/// The smallest box that holds every box of `ps`.
fn hull(ps: &[BoxOf]) -> Vec<Iv> {
    let mut out = ps[0].iv.clone();
    for b in &ps[1..] {
        for (o, (lo, hi)) in out.iter_mut().zip(&b.iv) {
            if lo < &o.0 {
                o.0 = lo.clone();
            }
            if hi > &o.1 {
                o.1 = hi.clone();
            }
        }
    }
    out
}

/// round(W x + b) over a box: each row's exact extremes, rounded (rounding is monotone).
fn linear(f: &Format, lin: &crate::numeric::load::Linear, x: &[Iv]) -> Result<Vec<Iv>, ExecError> {
    let mut out = Vec::with_capacity(lin.w.len());
    for (row, b) in lin.w.iter().zip(&lin.b) {
        let mut lo = vec![b.clone()];
        let mut hi = vec![b.clone()];
        for (w, (xl, xh)) in row.iter().zip(x) {
            let (a, z) = if w.signum() >= 0 { (xl, xh) } else { (xh, xl) };
            lo.push(w.mul(a).map_err(nan)?);
            hi.push(w.mul(z).map_err(nan)?);
        }
        let lo = f.round(&Num::sum(&lo).map_err(nan)?).map_err(nan)?;
        let hi = f.round(&Num::sum(&hi).map_err(nan)?).map_err(nan)?;
        out.push((lo, hi));
    }
    Ok(out)
}

/// round(x + y) over boxes.
fn add(f: &Format, x: &[Iv], y: &[Iv]) -> Result<Vec<Iv>, ExecError> {
    x.iter()
        .zip(y)
        .map(|((a, b), (c, d))| {
            Ok((
                f.round(&Num::sum([a, c]).map_err(nan)?).map_err(nan)?,
                f.round(&Num::sum([b, d]).map_err(nan)?).map_err(nan)?,
            ))
        })
        .collect()
}
