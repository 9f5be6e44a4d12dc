//! Numeric model → minimal DFA → past-LTL formula, exact at every length
//! (docs/NUMERIC.md §2 "Why it compiles", grammar/numeric.md "Compilation").
//!
//! Every position-wise map is a function of finitely many vectors of F^d, so each layer
//! has finitely many *types* (vectors that occur). A head's output at a query depends
//! only on the query's type and on the keys it attends, as a multiset of *key classes*
//! (their key and value projections). With the denominator rule a global head's output
//! no longer depends on how many keys of a class there are once that number reaches the
//! class's *count cap*: [`cap_for`] the smallest positive exp weight the class can get
//! (then the denominator is so large that every α rounds to 0). So the state after a
//! prefix is, per layer, the capped counts of key classes (layers with a global head) and
//! the classes of the last k positions (layers with a local head of window k). These
//! states are explored breadth-first from the empty prefix, again with larger caps until
//! no class needs a larger one; a state accepts iff running ⊣ from it gives a positive
//! logit. The reachable part is a DFA of the model's language, which is minimized,
//! classified, and turned into a formula by the classifier's constructions, each
//! re-checked by the equivalence checker (grammar/numeric.md, "Compilation").

use std::collections::VecDeque;

// Fx hashing: the exploration hashes count vectors and exact numbers millions of times.
use rustc_hash::FxHashMap as HashMap;

use super::exec::{layer_step, logit, project, ExecError, Projected, Vector};
use super::load::{NumRange, NumericModel};
use super::number::{Format, Num};
use crate::automata::{minimize, Alphabet, Budget, Dfa, LimitError};
use crate::fragment::Fragment;
use crate::logic::Acceptance;

/// The count from which more keys of one type never change a global head's output in
/// format `f`, whatever their exp weights (`None`: beyond 2^62): [`cap_for`] the
/// smallest positive value.
pub fn count_cap(f: &Format) -> Option<u64> {
    cap_for(f, &f.min_positive())
}

/// The least n such that n keys of weight `e` make every α round to 0: the rounded
/// denominator round_D(n·e) is +∞ or has round(1/D) = 0 (`None`: beyond 2^62).
pub fn cap_for(f: &Format, e: &Num) -> Option<u64> {
    let zero_alphas = |n: u64| -> bool {
        let s = Num::int(n).mul(e).unwrap_or(Num::PosInf);
        match f.round_denominator(&s) {
            Ok(Num::PosInf) => true,
            Ok(d) => {
                let (dn, dd) = super::number::fraction_of(&d);
                f.round_ratio(dd, dn, false).signum() == 0
            }
            Err(_) => true,
        }
    };
    let (mut lo, mut hi) = (1u64, 1u64 << 62);
    if !zero_alphas(hi) {
        return None;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if zero_alphas(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// What one head reads, for the compile report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HeadReport {
    /// Its layer (0-based).
    pub layer: usize,
    /// Its index in the layer.
    pub head: usize,
    /// `global` or `local`.
    pub range: &'static str,
    /// The window of a local head.
    pub window: Option<u32>,
    /// Key types: distinct vectors at its layer's input.
    pub key_types: usize,
    /// Distinct rounded scores over all (query type, key type) pairs.
    pub score_classes: usize,
    /// A global head's count cap: the largest count its layer's key classes are kept
    /// to — from that many keys of one class on, every α is 0.
    pub count_cap: Option<u64>,
}

/// A compiled numeric model.
#[derive(Clone, Debug)]
pub struct NumericCompiled {
    /// The minimal DFA of the accepted language (EOS acceptance).
    pub dfa: Dfa,
    /// Abstract states explored before minimizing.
    pub explored: usize,
    /// Types (distinct vectors) at each layer's input, and at the output.
    pub types: Vec<usize>,
    /// The count cap of the format.
    pub count_cap: Option<u64>,
    /// Per head.
    pub heads: Vec<HeadReport>,
    /// The fragment the architecture lands in.
    pub fragment: Fragment,
    /// Inclusive masking: outside the theorems of docs/SEMANTICS.md §3.
    pub inclusive: bool,
}

/// Why a numeric model did not compile.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NumericCompileError {
    /// An exploration budget was hit.
    #[error("{0}; the numeric compiler had explored {1} abstract states (counts of key classes capped at {2})")]
    Budget(LimitError, usize, String),
    /// An operation would make NaN.
    #[error("{0}")]
    Nan(#[from] ExecError),
    /// A bug: the explored automaton is malformed.
    #[error("internal error: {0}; please report this with the model")]
    Internal(String),
}

impl miette::Diagnostic for NumericCompileError {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            NumericCompileError::Budget(..) => Some(Box::new(
                "raise --max-states or --timeout; formats with tiny smallest values have large count caps",
            )),
            NumericCompileError::Nan(_) | NumericCompileError::Internal(_) => None,
        }
    }
}

/// The abstract state after a prefix: per layer, the capped counts of key classes (layers
/// with a global head) and the key classes of the last positions (layers with a local
/// head). A key class is what the layer's heads see of a position — its key and value
/// projections for every head — so types that differ only where no head looks count as
/// one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct State {
    counts: Vec<Vec<(u32, u32)>>,
    windows: Vec<Vec<u32>>,
}

/// Interned vectors, per layer.
struct Types {
    per_layer: Vec<(Vec<Vector>, HashMap<Vector, u32>)>,
}

impl Types {
    fn intern(&mut self, l: usize, v: Vector) -> u32 {
        let (list, index) = &mut self.per_layer[l];
        if let Some(&id) = index.get(&v) {
            return id;
        }
        let id = list.len() as u32;
        list.push(v.clone());
        index.insert(v, id);
        id
    }

    fn get(&self, l: usize, id: u32) -> &Vector {
        &self.per_layer[l].0[id as usize]
    }
}

/// Interned key classes of one layer: each class's projections (one per head).
type ClassTable = (Vec<Vec<Projected>>, HashMap<Vec<Projected>, u32>);

/// (layer, input type, the id of the layer's capped counts and window) → the output type.
type StepMemo = HashMap<(usize, u32, u32), u32>;

/// Per layer: its part of a state (capped counts, window) interned to an id, so the step
/// memo is keyed by three integers instead of two cloned vectors per position.
type Parts = Vec<HashMap<(Vec<(u32, u32)>, Vec<u32>), u32>>;

struct Compiler<'m> {
    model: &'m NumericModel,
    /// The format's cap for any weight (an upper bound of every class's cap).
    cap: u32,
    /// The cap each key class is counted to: enough for the smallest positive weight it
    /// gets against any query type and any present maximum seen so far (the exploration
    /// repeats until no cap grows, so the caps hold for every reachable type).
    caps: HashMap<(usize, u32), u32>,
    /// [`cap_for`] by weight.
    cap_memo: HashMap<Num, u64>,
    /// (layer, head, query type) → the rounded scores against every known class, in
    /// class order (extended as classes appear).
    score_memo: HashMap<(usize, usize, u32), Vec<Num>>,
    /// The same scores sorted and distinct, with the memo length they were taken at.
    sorted_scores: HashMap<(usize, usize, u32), (usize, Vec<Num>)>,
    types: Types,
    /// Per layer: every key class's projections (one per head), interned.
    classes: Vec<ClassTable>,
    /// (layer, type) → its key class.
    class_of: HashMap<(usize, u32), u32>,
    memo: StepMemo,
    parts: Parts,
}

impl Compiler<'_> {
    /// The key class of a type at layer `l`.
    fn class(&mut self, l: usize, t: u32) -> Result<u32, ExecError> {
        if let Some(&c) = self.class_of.get(&(l, t)) {
            return Ok(c);
        }
        let x = super::exec::attention_input(self.model, l, self.types.get(l, t))?;
        let proj = self.model.layers[l]
            .heads
            .iter()
            .enumerate()
            .map(|(hd, head)| {
                project(
                    &self.model.format,
                    head,
                    &x,
                    &format!("layer {l}, head {hd}"),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (list, index) = &mut self.classes[l];
        let c = match index.get(&proj) {
            Some(&c) => c,
            None => {
                let c = list.len() as u32;
                list.push(proj.clone());
                index.insert(proj, c);
                c
            }
        };
        self.class_of.insert((l, t), c);
        if !self.caps.contains_key(&(l, c)) {
            let need = self.required_cap(l, c)?;
            self.caps.insert((l, c), need);
        }
        Ok(c)
    }

    /// The cap that key class `c` of layer `l` needs against every query type and every
    /// class known now: for each global head, the largest [`cap_for`] over the positive
    /// weights exp(s − μ) it can get, μ any score at least its own.
    fn required_cap(&mut self, l: usize, c: u32) -> Result<u32, ExecError> {
        let model = self.model;
        let f = model.format;
        let mut need = 1u64;
        let n_types = self.types.per_layer[l].0.len() as u32;
        for hd in 0..model.layers[l].heads.len() {
            if model.layers[l].heads[hd].range != NumRange::Global {
                continue;
            }
            for t in 0..n_types {
                let smallest = self.smallest_weight(l, hd, t, c)?;
                if let Some(e) = smallest {
                    let cap = match self.cap_memo.get(&e) {
                        Some(&n) => n,
                        None => {
                            let n = cap_for(&f, &e).unwrap_or(u64::MAX);
                            self.cap_memo.insert(e, n);
                            n
                        }
                    };
                    need = need.max(cap);
                }
            }
        }
        Ok(need.min(self.cap as u64) as u32)
    }

    /// The smallest positive weight round(exp(s − μ)) that class `c` gets from query
    /// type `t` at head `hd` of layer `l`, over every present maximum μ ≥ its score s
    /// among the known classes (`None`: none is positive). exp(s − μ) falls as μ grows,
    /// so the largest μ with a positive weight is found by binary search over the sorted
    /// distinct scores.
    fn smallest_weight(
        &mut self,
        l: usize,
        hd: usize,
        t: u32,
        c: u32,
    ) -> Result<Option<Num>, ExecError> {
        self.scores_of(l, hd, t)?;
        let key = (l, hd, t);
        let all = &self.score_memo[&key];
        let (len, mine) = (all.len(), all[c as usize].clone());
        let (known, mut sorted) = self.sorted_scores.remove(&key).unwrap_or_default();
        // Scores of classes found since: inserted in place (types keep gaining classes
        // as the exploration goes, so re-sorting every time was quadratic).
        for x in &all[known..] {
            let at = sorted.partition_point(|y| y < x);
            if sorted.get(at) != Some(x) {
                sorted.insert(at, x.clone());
            }
        }
        let from = sorted.partition_point(|x| *x < mine);
        let nan = |nan| ExecError {
            what: format!("layer {l}, head {hd}, s − max"),
            nan,
        };
        let weight = |this: &mut Self, mu: &Num| -> Result<Num, ExecError> {
            this.exp(&mine.sub(mu).map_err(nan)?)
        };
        // Invariant: the weight at sorted[lo] is positive (at μ = s it is round(1) > 0);
        // every index ≥ hi has weight 0.
        let (mut lo, mut hi) = (from, sorted.len());
        let first = weight(self, &sorted[from])?;
        let result = if first.signum() > 0 {
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if weight(self, &sorted[mid])?.signum() > 0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            Some(weight(self, &sorted[lo])?)
        } else {
            None
        };
        self.sorted_scores.insert(key, (len, sorted));
        Ok(result)
    }

    /// exp(x) rounded (`Format::exp` remembers its results).
    fn exp(&self, x: &Num) -> Result<Num, ExecError> {
        self.model.format.exp(x).map_err(|nan| ExecError {
            what: "exp".into(),
            nan,
        })
    }

    /// The rounded scores of query type `t` of layer `l` against every known key class
    /// of head `hd`.
    fn scores(&mut self, l: usize, hd: usize, t: u32) -> Result<Vec<Num>, ExecError> {
        self.scores_of(l, hd, t)?;
        Ok(self.score_memo[&(l, hd, t)].clone())
    }

    /// Extends the memo of [`Compiler::scores`] to every known class.
    fn scores_of(&mut self, l: usize, hd: usize, t: u32) -> Result<(), ExecError> {
        let model = self.model;
        let f = &model.format;
        let head = &model.layers[l].heads[hd];
        let known = self.classes[l].0.len();
        let have = self.score_memo.get(&(l, hd, t)).map_or(0, Vec::len);
        if have < known {
            let w = format!("layer {l}, head {hd}, score");
            let x = super::exec::attention_input(model, l, self.types.get(l, t))?;
            let q = super::exec::apply(f, &head.query, &x, &w)?;
            let mut fresh = Vec::new();
            for proj in &self.classes[l].0[have..] {
                fresh.push(super::exec::score(f, head, &q, &proj[hd].0).map_err(|nan| {
                    ExecError {
                        what: w.clone(),
                        nan,
                    }
                })?);
            }
            self.score_memo.entry((l, hd, t)).or_default().extend(fresh);
        }
        self.score_memo.entry((l, hd, t)).or_default();
        Ok(())
    }

    /// What every head reads: its key types, its score classes (distinct scores of the
    /// known query types against the known key classes), its largest count cap.
    fn head_reports(&mut self) -> Result<Vec<HeadReport>, ExecError> {
        let model = self.model;
        let mut out = Vec::new();
        for (l, layer) in model.layers.iter().enumerate() {
            let types = self.types.per_layer[l].0.len() as u32;
            for (hd, head) in layer.heads.iter().enumerate() {
                let mut scores: Vec<Num> = Vec::new();
                for t in 0..types {
                    for s in self.scores(l, hd, t)? {
                        if !scores.contains(&s) {
                            scores.push(s);
                        }
                    }
                }
                let (range, window) = match head.range {
                    NumRange::Global => ("global", None),
                    NumRange::Local(k) => ("local", Some(k)),
                };
                let cap = self
                    .caps
                    .iter()
                    .filter(|((cl, _), _)| *cl == l)
                    .map(|(_, &n)| n as u64)
                    .max()
                    .unwrap_or(1);
                out.push(HeadReport {
                    layer: l,
                    head: hd,
                    range,
                    window,
                    key_types: types as usize,
                    score_classes: scores.len(),
                    count_cap: (head.range == NumRange::Global).then_some(cap),
                });
            }
        }
        Ok(out)
    }

    /// The cap key class `c` of layer `l` is counted to.
    fn cap_of(&self, l: usize, c: u32) -> u32 {
        self.caps.get(&(l, c)).copied().unwrap_or(self.cap)
    }

    /// The keys of head `hd` of layer `l` at a query of class `me`, as (projection, count).
    fn keys(&self, l: usize, hd: usize, me: u32, s: &State) -> Vec<(Projected, u64)> {
        let model = self.model;
        let mut mult: Vec<(u32, u64)> = match model.layers[l].heads[hd].range {
            NumRange::Global => s.counts[l].iter().map(|&(t, n)| (t, n as u64)).collect(),
            NumRange::Local(k) => {
                let w = &s.windows[l];
                let mut m: Vec<(u32, u64)> = Vec::new();
                for &t in w.iter().rev().take(k as usize) {
                    match m.iter_mut().find(|(x, _)| *x == t) {
                        Some((_, n)) => *n += 1,
                        None => m.push((t, 1)),
                    }
                }
                m
            }
        };
        if model.inclusive {
            match mult.iter_mut().find(|(x, _)| *x == me) {
                Some((_, n)) => *n = (*n + 1).min(self.cap_of(l, me) as u64),
                None => mult.push((me, 1)),
            }
        }
        mult.sort_unstable();
        mult.into_iter()
            .map(|(c, n)| (self.classes[l].0[c as usize][hd].clone(), n))
            .collect()
    }

    /// Runs one position (token row `row`) from state `s`: its key class at every layer
    /// with heads, and its type at the output.
    /// The ids of a state's per-layer parts ([`Parts`]).
    fn part_ids(&mut self, s: &State) -> Vec<u32> {
        (0..self.model.layers.len())
            .map(|l| {
                let parts = &mut self.parts[l];
                let next = parts.len() as u32;
                *parts
                    .entry((s.counts[l].clone(), s.windows[l].clone()))
                    .or_insert(next)
            })
            .collect()
    }

    fn position(
        &mut self,
        s: &State,
        part: &[u32],
        row: usize,
    ) -> Result<(Vec<u32>, u32), ExecError> {
        let model = self.model;
        let mut ty = self.types.intern(0, model.embed[row].clone());
        let mut classes = Vec::with_capacity(model.layers.len());
        for (l, &part) in part.iter().enumerate() {
            let me = self.class(l, ty)?;
            classes.push(me);
            let key = (l, ty, part);
            ty = match self.memo.get(&key) {
                Some(&t) => t,
                None => {
                    let h = self.types.get(l, ty).clone();
                    let keys: Vec<Vec<(Projected, u64)>> = (0..model.layers[l].heads.len())
                        .map(|hd| self.keys(l, hd, me, s))
                        .collect();
                    let (v, _) = layer_step(model, l, &h, |hd| keys[hd].clone())?;
                    let t = self.types.intern(l + 1, v);
                    self.memo.insert(key, t);
                    t
                }
            };
        }
        Ok((classes, ty))
    }

    /// The state after a position whose key classes (per layer) are `classes`.
    fn successor(&self, s: &State, classes: &[u32]) -> State {
        let mut next = s.clone();
        for (l, &class) in classes.iter().enumerate() {
            if self.model.has_global(l) {
                let c = &mut next.counts[l];
                let cap = self.cap_of(l, class);
                match c.iter_mut().find(|(t, _)| *t == class) {
                    Some((_, n)) => *n = (*n + 1).min(cap),
                    None => {
                        c.push((class, 1.min(cap)));
                        c.sort_unstable();
                    }
                }
            }
            let k = self.model.window(l) as usize;
            if k > 0 {
                let w = &mut next.windows[l];
                w.push(class);
                if w.len() > k {
                    w.remove(0);
                }
            }
        }
        next
    }
}

/// Compiles a numeric model to the minimal DFA of its language, within `budget`.
pub fn compile_numeric(
    model: &NumericModel,
    budget: &Budget,
) -> Result<NumericCompiled, NumericCompileError> {
    let cap_u64 = count_cap(&model.format);
    // A cap beyond u32 is only reachable by words longer than any budget allows.
    let cap = cap_u64.map_or(u32::MAX, |c| c.min(u32::MAX as u64) as u32);
    let layers = model.layers.len();
    let mut c = Compiler {
        model,
        cap,
        types: Types {
            per_layer: (0..=layers)
                .map(|_| (Vec::new(), HashMap::default()))
                .collect(),
        },
        memo: HashMap::default(),
        parts: (0..layers).map(|_| HashMap::default()).collect(),
        caps: HashMap::default(),
        cap_memo: HashMap::default(),
        score_memo: HashMap::default(),
        sorted_scores: HashMap::default(),
        classes: (0..layers)
            .map(|_| (Vec::new(), HashMap::default()))
            .collect(),
        class_of: HashMap::default(),
    };
    let cap_text = cap_u64.map_or("beyond 2^62".to_string(), |c| c.to_string());
    // Explore with the caps known so far; when the types found need larger caps for some
    // class, explore again with them, until no cap grows.
    let (explored, trans, accepting) = loop {
        let (explored, trans, accepting) = explore(&mut c, budget, &cap_text)?;
        let known: Vec<(usize, u32)> = c.caps.keys().copied().collect();
        let mut grew = false;
        for (l, class) in known {
            let need = c.required_cap(l, class)?;
            if need > c.cap_of(l, class) {
                c.caps.insert((l, class), need);
                grew = true;
            }
        }
        if !grew {
            break (explored, trans, accepting);
        }
        c.memo.clear();
    };
    // BFS numbering: state q's row is trans[q*letters..], in the order states were popped.
    let raw = Dfa::from_parts(
        Alphabet::Tokens(model.alphabet.clone()),
        Acceptance::Eos,
        trans,
        accepting,
    )
    .map_err(|e| {
        NumericCompileError::Internal(format!("the explored automaton is malformed ({e})"))
    })?;
    let dfa = minimize(&raw);
    let heads = c.head_reports()?;
    Ok(NumericCompiled {
        dfa,
        explored,
        types: c.types.per_layer.iter().map(|(v, _)| v.len()).collect(),
        count_cap: cap_u64,
        heads,
        fragment: architecture(model),
        inclusive: model.inclusive,
    })
}

/// One breadth-first exploration of the abstract states with the current caps: the
/// number of states, the transition table and the accepting states.
fn explore(
    c: &mut Compiler<'_>,
    budget: &Budget,
    cap_text: &str,
) -> Result<(usize, Vec<u32>, Vec<bool>), NumericCompileError> {
    let model = c.model;
    let layers = model.layers.len();
    let start = State {
        counts: vec![Vec::new(); layers],
        windows: vec![Vec::new(); layers],
    };
    let letters = model.alphabet.len();
    let mut index: HashMap<State, u32> = HashMap::default();
    let mut states = vec![start.clone()];
    index.insert(start, 0);
    let mut trans: Vec<u32> = Vec::new();
    let mut accepting = Vec::new();
    let mut queue = VecDeque::from([0u32]);
    while let Some(q) = queue.pop_front() {
        budget
            .check(states.len(), letters, "numeric abstract states")
            .map_err(|e| NumericCompileError::Budget(e, states.len(), cap_text.to_string()))?;
        let s = states[q as usize].clone();
        // Acceptance: run ⊣ from here.
        let part = c.part_ids(&s);
        let (_, out) = c.position(&s, &part, letters)?;
        let last = c.types.get(layers, out).clone();
        accepting.push(logit(model, &last)?.signum() > 0);
        for row in 0..letters {
            let (classes, _) = c.position(&s, &part, row)?;
            let next = c.successor(&s, &classes);
            let id = match index.get(&next) {
                Some(&id) => id,
                None => {
                    let id = states.len() as u32;
                    index.insert(next.clone(), id);
                    states.push(next);
                    queue.push_back(id);
                    id
                }
            };
            trans.push(id);
        }
    }
    Ok((states.len(), trans, accepting))
}

/// The fragment of the architecture: global only → `LTL[P]`, local only → `LTL[Y^{≤k}]`,
/// both → `LTL[P, Y^{≤k}]` (Li & Cotterell 2025, 2026).
pub fn architecture(model: &NumericModel) -> Fragment {
    let global = (0..model.layers.len()).any(|l| model.has_global(l));
    let k = (0..model.layers.len())
        .map(|l| model.window(l))
        .max()
        .unwrap_or(0);
    match (global, k) {
        (false, 0) => Fragment::Propositional,
        (true, 0) => Fragment::Global,
        (false, k) => Fragment::Local(k),
        (true, k) => Fragment::Hybrid(k),
    }
}

/// A formula for the compiled language, from the classifier's certificate constructions
/// (each re-checked equivalent to the DFA by the explicit engine): the fragment of the
/// architecture first, then any fragment that has one. `None` when no construction found
/// one within the limits.
pub fn formula_of(
    compiled: &NumericCompiled,
    limits: &crate::fragment::Limits,
) -> (
    Option<crate::fragment::FormulaCert>,
    crate::fragment::Classification,
) {
    use crate::fragment::{bounded_window, classify};
    let dfa = &compiled.dfa;
    let mut c = classify(dfa, limits, None);
    let by_window = |k: u32, hybrid: bool, c: &crate::fragment::Classification| {
        let refuted = if hybrid {
            c.hybrid.member == Some(false)
        } else {
            c.local.member == Some(false)
        };
        bounded_window(dfa, k, hybrid, limits, None, refuted)
    };
    let preferred = match compiled.fragment {
        Fragment::Global => c.global.formula.clone(),
        Fragment::Local(1) => c.local.formula.clone(),
        Fragment::Hybrid(1) => c.hybrid.formula.clone(),
        Fragment::Local(k) | Fragment::Hybrid(k) => {
            let hybrid = matches!(compiled.fragment, Fragment::Hybrid(_));
            let d = by_window(k, hybrid, &c);
            let f = d.formula.clone();
            let (l, h) = if hybrid {
                (by_window(k, false, &c), d)
            } else {
                let h = by_window(k, true, &c);
                (d, h)
            };
            c.windowed = Some((k, l, h));
            f
        }
        _ => None,
    };
    // The shortest formula whose operators the architecture has (P for global heads, Y
    // for local ones), else the shortest of any fragment.
    let global = matches!(compiled.fragment, Fragment::Global | Fragment::Hybrid(_));
    let local = matches!(compiled.fragment, Fragment::Local(_) | Fragment::Hybrid(_));
    let mut candidates: Vec<(bool, crate::fragment::FormulaCert)> = Vec::new();
    for (d, fits) in [
        (&c.global, global),
        (&c.local, local),
        (&c.hybrid, global && local),
        (&c.hard, false),
    ] {
        if let Some(f) = d.formula.clone().filter(|_| d.member == Some(true)) {
            candidates.push((fits, f));
        }
    }
    if let Some(f) = preferred {
        candidates.push((true, f));
    }
    let shortest = |fits: bool| {
        candidates
            .iter()
            .filter(|(x, _)| *x == fits)
            .min_by_key(|(_, f)| f.formula.len())
            .map(|(_, f)| f.clone())
    };
    let formula = shortest(true).or_else(|| shortest(false));
    (formula, c)
}
