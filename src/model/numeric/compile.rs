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
//! the classes of the last k positions (layers with a local head of window k).
//!
//! These states are explored layer by layer ([`explore`]): the layers below layer l are
//! one machine that gives every position its type at layer l's input; it is minimized
//! (states whose every future gives the same types are one) before layer l's parts are
//! put on it, so the counts of a lower layer that no upper layer can tell apart are
//! never multiplied by the upper layer's. Counts of a class whose weight is 0 against
//! the maximum present, for every query, are forgotten ([`Compiler::dead`]). Everything
//! is explored breadth-first from the empty prefix, again with larger caps until no class
//! needs a larger one; a state accepts iff running ⊣ from it gives a positive logit. The
//! result is a DFA of the model's language, which is minimized, classified, and turned
//! into a formula by the classifier's constructions, each re-checked by the equivalence
//! checker (grammar/numeric.md, "Compilation").

// Fx hashing: the exploration hashes count vectors and exact numbers millions of times.
use rustc_hash::FxHashMap as HashMap;

pub mod bounds;
mod congruence;
pub mod hunt;
mod paths;
pub mod search;

#[doc(hidden)]
pub use congruence::mutate_congruence_for_tests;

use congruence::Congruence;

use super::counting::CountTable;
use super::exec::{layer_rest, layer_step, logit, project, ExecError, Projected, Vector};
use super::intern::Interner;
use super::load::{NumRange, NumericModel};
use super::number::{Format, Num};
use crate::automata::{coarsest_partition, minimize_within, Alphabet, Budget, Dfa, LimitError};
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
    /// One layer with global heads only: acceptance as a function of the capped counts
    /// of the key classes, for the count formula ([`super::count_formula`]).
    pub counts: Option<CountTable>,
    /// Per layer, the layer-by-layer exploration: the abstract states explored with
    /// that layer put on the minimized layers below it, and the states left after
    /// minimizing them (the last layer: the minimal DFA).
    pub stages: Vec<StageReport>,
    /// Counts forgotten because their class can never weigh again (a dead class: its
    /// exp weight is 0 against the maximum present, for every query), over the run.
    pub forgotten: u64,
    /// Count vectors merged into another by a layer's count congruence (they feed the
    /// same sums and live counts), over the run.
    pub congruent: u64,
}

/// One layer's share of the exploration ([`NumericCompiled::stages`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StageReport {
    /// The layer (0-based).
    pub layer: usize,
    /// Abstract states explored: pairs (state of the layers below, this layer's part).
    pub explored: usize,
    /// States after minimizing them.
    pub states: usize,
}

/// Why a numeric model did not compile.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NumericCompileError {
    /// An exploration budget was hit: the limit, the abstract states explored in all,
    /// and where (the count cap, the layer being explored).
    #[error("{0}; the numeric compiler had explored {1} abstract states ({2})")]
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

/// One layer's part of the abstract state after a prefix: the capped counts of key
/// classes (layers with a global head; sorted by class) and the key classes of the last
/// positions (layers with a local head). A key class is what the layer's heads see of a
/// position — its key and value projections for every head — so types that differ only
/// where no head looks count as one. The state itself is one interned part per layer
/// (a row of part ids), so each distinct part is stored once however many states share
/// it. A part is stored as one row of [`Rows`]: `[n, class₁, count₁, …, classₙ, countₙ,
/// window…]` (the exploration keeps tens of millions of them: a flat row costs a few
/// bytes per number, two vectors per part cost ten times more).
struct Part<'a>(&'a [u32]);

impl<'a> Part<'a> {
    /// The counted classes with their counts, sorted by class.
    fn counts(&self) -> impl Iterator<Item = (u32, u32)> + 'a {
        let n = self.0[0] as usize;
        self.0[1..1 + 2 * n].chunks_exact(2).map(|c| (c[0], c[1]))
    }

    /// The count of `class` (0 when absent).
    fn count(&self, class: u32) -> u32 {
        self.counts()
            .find(|&(c, _)| c == class)
            .map_or(0, |(_, n)| n)
    }

    /// The key classes of the last positions, oldest first.
    fn window(&self) -> &'a [u32] {
        &self.0[1 + 2 * self.0[0] as usize..]
    }

    /// The part after one more position of class `class`: its count raised, to the cap
    /// `counted` holds at most (no count for a layer without a global head), and the
    /// class appended to a window of `k` (the oldest dropped). Written into `out`.
    fn next(&self, class: u32, counted: Option<u32>, k: usize, out: &mut Vec<u32>) {
        out.clear();
        out.push(0);
        // The cap, until the class's count is written.
        let mut pending = counted;
        for (c, n) in self.counts() {
            if let Some(cap) = pending.filter(|_| class <= c) {
                pending = None;
                if class == c {
                    out.extend([c, n.saturating_add(1).min(cap)]);
                    continue;
                }
                out.extend([class, 1.min(cap)]);
            }
            out.extend([c, n]);
        }
        if let Some(cap) = pending {
            out.extend([class, 1.min(cap)]);
        }
        out[0] = ((out.len() - 1) / 2) as u32;
        let w = self.window();
        if k > 0 {
            let keep = w.len().min(k - 1);
            out.extend_from_slice(&w[w.len() - keep..]);
            out.push(class);
        }
    }
}

/// Rows of numbers (states, parts) numbered in order of first appearance, each stored
/// once in one flat vector; the index holds only row numbers.
#[derive(Default)]
struct Rows {
    data: Vec<u32>,
    /// Row i is `data[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: Vec<usize>,
    index: hashbrown::HashTable<u32>,
}

impl Rows {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: u32) -> &[u32] {
        Self::at(&self.data, &self.ends, i)
    }

    /// Row `i` of the store `data` with row ends `ends`.
    fn at<'a>(data: &'a [u32], ends: &[usize], i: u32) -> &'a [u32] {
        let i = i as usize;
        &data[if i == 0 { 0 } else { ends[i - 1] }..ends[i]]
    }

    fn hash(row: &[u32]) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(row)
    }

    /// The number of `row`, if it is stored.
    fn find(&self, row: &[u32]) -> Option<u32> {
        let Rows { data, ends, index } = self;
        index
            .find(Self::hash(row), |&id| Self::at(data, ends, id) == row)
            .copied()
    }

    /// The number of `row`, given it if it is new.
    fn intern(&mut self, row: &[u32]) -> u32 {
        let at = Self::at;
        let h = Self::hash(row);
        let Rows { data, ends, index } = self;
        if let Some(&id) = index.find(h, |&id| at(data, ends, id) == row) {
            return id;
        }
        let id = ends.len() as u32;
        data.extend_from_slice(row);
        ends.push(data.len());
        index.insert_unique(h, id, |&id| Self::hash(at(data, ends, id)));
        id
    }
}

/// Interned vectors, per layer.
struct Types {
    per_layer: Vec<Interner<Vector>>,
}

impl Types {
    fn intern(&mut self, l: usize, v: Vector) -> u32 {
        self.per_layer[l].intern(v)
    }

    fn get(&self, l: usize, id: u32) -> &Vector {
        &self.per_layer[l].list[id as usize]
    }
}

/// Interned key classes of one layer: each class's projections (one per head).
type ClassTable = Interner<Vec<Projected>>;

/// One layer's dead classes ([`Compiler::dead`]): present classes → (query types known
/// then, the dead classes among them).
type DeadMemo = HashMap<Box<[u32]>, (usize, Box<[u32]>)>;

/// (layer, input type, the id of the layer's capped counts and window) → the output type.
type StepMemo = HashMap<(usize, u32, u32), u32>;

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
    /// The same scores sorted and distinct, with the memo length they were taken at
    /// and the smallest positive weight found for each.
    sorted_scores: HashMap<(usize, usize, u32), SortedScores>,
    /// (layer, head, query type) → the query vector (the scores of classes that appear
    /// later need it again).
    query_memo: HashMap<(usize, usize, u32), super::exec::Vector>,
    types: Types,
    /// Per layer: every key class's projections (one per head), interned.
    classes: Vec<ClassTable>,
    /// (layer, type) → its key class.
    class_of: HashMap<(usize, u32), u32>,
    memo: StepMemo,
    /// Per layer, the interned parts of states.
    parts: Vec<Rows>,
    /// Forget the counts of classes that can never weigh again ([`Compiler::dead`]);
    /// off where the count formula needs every count.
    forget_dead: bool,
    /// Per layer: present classes → (query types known then, the dead classes among
    /// them).
    dead_memo: Vec<DeadMemo>,
    /// Counts forgotten by [`Compiler::next_part`].
    forgotten: u64,
    /// Count every class to the format's cap, which is exact for any query type
    /// ([`count_cap`]), instead of the per-class caps of [`Compiler::required_cap`]: the
    /// on-the-fly search never knows every query type. (A layer with a congruence does
    /// so too: its sums need the true counts.)
    exact_caps: bool,
    /// Per layer: the count congruence, once the layer's query types are known
    /// ([`congruence`]).
    congruence: Vec<Option<Congruence>>,
    /// Count vectors merged by the congruences.
    congruent: u64,
    /// (layer, type) whose queries [`Compiler::queries_of`] has computed.
    queried: rustc_hash::FxHashSet<(usize, u32)>,
    /// Per layer, the types its heads are queried at, when not every type: the last
    /// layer is read at ⊣ only, so its caps and dead classes answer to ⊣'s types alone
    /// (set when the last stage starts, [`explore`]).
    asked: Vec<Option<Vec<u32>>>,
    /// Whether [`explore`] sets up each layer's congruence.
    use_congruence: bool,
    /// Scratch for signatures.
    signature: Vec<u32>,
    /// Scratch for the classes present in a part.
    support: Vec<u32>,
    /// (layer, head, query type, a present class with the largest score) → the rounded
    /// exp(s − μ) of every known class, extended as classes appear.
    exp_memo: HashMap<(usize, usize, u32, u32), Vec<Num>>,
    /// (e, D) → α = round(e/D).
    alpha_memo: HashMap<(Num, Num), Num>,
    /// (layer, input type, the heads' outputs) → the output type: positions whose heads
    /// answer alike share the output map, residual and feed-forward block.
    rest_memo: HashMap<(usize, u32, Vec<Num>), u32>,
}

/// How a [`Compiler`] bounds the counts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Per-class caps, grown in rounds, and dead classes forgotten.
    Caps,
    /// As `Caps`, but a layer whose congruence is cheap enough ([`congruence`]) counts
    /// its classes to the format's cap and merges parts by the congruence, once the
    /// layers below are explored.
    Congruence,
    /// The format's cap for every class, nothing merged: exact counts for the
    /// on-the-fly search ([`search`]).
    Exact,
}

/// The distinct scores a query type gives a head's key classes, sorted, and the smallest
/// positive weight each score gets ([`Compiler::smallest_weight`]).
#[derive(Default)]
struct SortedScores {
    /// The length of the score memo they were taken at.
    known: usize,
    /// The distinct scores, ascending.
    sorted: Vec<Num>,
    /// Per distinct score, its smallest positive weight once computed.
    smallest: Vec<Option<Option<Num>>>,
}

impl<'m> Compiler<'m> {
    fn new(model: &'m NumericModel, mode: Mode) -> Self {
        // A cap beyond u32 is only reachable by words longer than any budget allows.
        let cap = count_cap(&model.format).map_or(u32::MAX, |c| c.min(u32::MAX as u64) as u32);
        let layers = model.layers.len();
        Compiler {
            model,
            cap,
            types: Types {
                per_layer: (0..=layers).map(|_| Interner::default()).collect(),
            },
            memo: HashMap::default(),
            parts: (0..layers).map(|_| Rows::default()).collect(),
            forget_dead: mode != Mode::Exact && !counted(model),
            dead_memo: (0..layers).map(|_| HashMap::default()).collect(),
            forgotten: 0,
            support: Vec::new(),
            exact_caps: mode == Mode::Exact,
            congruence: (0..layers).map(|_| None).collect(),
            use_congruence: mode == Mode::Congruence,
            asked: (0..layers).map(|_| None).collect(),
            congruent: 0,
            queried: Default::default(),
            signature: Vec::new(),
            caps: HashMap::default(),
            cap_memo: HashMap::default(),
            score_memo: HashMap::default(),
            sorted_scores: HashMap::default(),
            query_memo: HashMap::default(),
            classes: (0..layers).map(|_| Interner::default()).collect(),
            class_of: HashMap::default(),
            exp_memo: HashMap::default(),
            alpha_memo: HashMap::default(),
            rest_memo: HashMap::default(),
        }
    }
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
        let c = self.classes[l].intern(proj);
        self.class_of.insert((l, t), c);
        if !self.exact_caps && !self.caps.contains_key(&(l, c)) {
            let need = self.required_cap(l, c)?;
            self.caps.insert((l, c), need);
        }
        Ok(c)
    }

    /// The types layer `l`'s heads are queried at: [`Compiler::asked`], else every type
    /// known.
    fn queried(&self, l: usize) -> Vec<u32> {
        match &self.asked[l] {
            Some(ts) => ts.clone(),
            None => (0..self.types.per_layer[l].list.len() as u32).collect(),
        }
    }

    /// The cap that key class `c` of layer `l` needs against every query type and every
    /// class known now: for each global head, the largest [`cap_for`] over the positive
    /// weights exp(s − μ) it can get, μ any score at least its own.
    fn required_cap(&mut self, l: usize, c: u32) -> Result<u32, ExecError> {
        let model = self.model;
        let f = model.format;
        let mut need = 1u64;
        let queried = self.queried(l);
        for hd in 0..model.layers[l].heads.len() {
            if model.layers[l].heads[hd].range != NumRange::Global {
                continue;
            }
            for &t in &queried {
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
        let mut memo = self.sorted_scores.remove(&key).unwrap_or_default();
        // Scores of classes found since: inserted in place (types keep gaining classes
        // as the exploration goes, so re-sorting every time was quadratic). A new
        // distinct score may be a larger μ for any score below it: the answers go.
        for x in &all[memo.known..] {
            let at = memo.sorted.partition_point(|y| y < x);
            if memo.sorted.get(at) != Some(x) {
                memo.sorted.insert(at, x.clone());
                memo.smallest.clear();
            }
        }
        memo.known = len;
        memo.smallest.resize(memo.sorted.len(), None);
        let from = memo.sorted.partition_point(|x| *x < mine);
        if let Some(known) = &memo.smallest[from] {
            let result = known.clone();
            self.sorted_scores.insert(key, memo);
            return Ok(result);
        }
        let sorted = &memo.sorted;
        let nan = |nan| ExecError {
            what: format!("layer {l}, head {hd}, s − max"),
            nan,
        };
        let weight = |this: &Self, mu: &Num| -> Result<Num, ExecError> {
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
        memo.smallest[from] = Some(result.clone());
        self.sorted_scores.insert(key, memo);
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
        let known = self.classes[l].list.len();
        let have = self.score_memo.get(&(l, hd, t)).map_or(0, Vec::len);
        if have < known {
            let w = format!("layer {l}, head {hd}, score");
            if !self.query_memo.contains_key(&(l, hd, t)) {
                let x = super::exec::attention_input(model, l, self.types.get(l, t))?;
                let q = super::exec::apply(f, &head.query, &x, &w)?;
                self.query_memo.insert((l, hd, t), q);
            }
            let q = &self.query_memo[&(l, hd, t)];
            let mut fresh = Vec::new();
            for proj in &self.classes[l].list[have..] {
                fresh.push(super::exec::score(f, head, q, &proj[hd].0).map_err(|nan| {
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
            let types = self.types.per_layer[l].list.len() as u32;
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

    /// The classes among `support` (the classes present in a layer-`l` part, sorted)
    /// whose exp weight rounds to 0 for every global head of the layer and every known
    /// query type. A head's maximum μ only grows as classes join, so such a class never
    /// weighs again: it adds 0 to every denominator and has α = 0, and only its presence
    /// (which already fixes μ) matters. Its count past 1 is forgotten. A step that
    /// would be NaN counts as weighing.
    ///
    /// Layer l's parts are made only while its stage is explored, and by then the stage
    /// below has made every type layer l's positions can have ([`explore`]): the query
    /// types known are all there are. A later round with larger caps may find more, so
    /// an answer is reused only while the number of known types is unchanged.
    fn dead(&mut self, l: usize, support: &[u32]) -> &[u32] {
        let n_types = self.types.per_layer[l].list.len();
        if self.dead_memo[l]
            .get(support)
            .is_none_or(|(n, _)| *n != n_types)
        {
            let d = self.dead_now(l, support);
            self.dead_memo[l].insert(Box::from(support), (n_types, d));
        }
        &self.dead_memo[l][support].1
    }

    /// [`Compiler::dead`] computed afresh.
    fn dead_now(&mut self, l: usize, support: &[u32]) -> Box<[u32]> {
        let model = self.model;
        let queried = self.queried(l);
        let mut alive = vec![false; support.len()];
        for hd in 0..model.layers[l].heads.len() {
            if model.layers[l].heads[hd].range != NumRange::Global {
                continue;
            }
            for &t in &queried {
                if self.scores_of(l, hd, t).is_err() {
                    return Box::new([]);
                }
                let scores = &self.score_memo[&(l, hd, t)];
                let Some(mu) = support.iter().map(|&c| &scores[c as usize]).max() else {
                    return Box::new([]);
                };
                for (i, &c) in support.iter().enumerate() {
                    if alive[i] {
                        continue;
                    }
                    let weight = scores[c as usize]
                        .sub(mu)
                        .ok()
                        .and_then(|x| self.model.format.exp(&x).ok());
                    alive[i] = weight.is_none_or(|e| e.signum() != 0);
                }
                if alive.iter().all(|&a| a) {
                    return Box::new([]);
                }
            }
        }
        support
            .iter()
            .zip(&alive)
            .filter(|(_, &a)| !a)
            .map(|(&c, _)| c)
            .collect()
    }

    /// Computes every head's query for a position of type `t` at layer `l` once, for
    /// its NaN error: the executor computes every query, attended or not.
    fn queries_of(&mut self, l: usize, t: u32) -> Result<(), ExecError> {
        if !self.queried.insert((l, t)) {
            return Ok(());
        }
        let model = self.model;
        let x = super::exec::attention_input(model, l, self.types.get(l, t))?;
        for (hd, head) in model.layers[l].heads.iter().enumerate() {
            super::exec::apply(
                &model.format,
                &head.query,
                &x,
                &format!("layer {l}, head {hd}, query"),
            )?;
        }
        Ok(())
    }

    /// The cap key class `c` of layer `l` is counted to.
    fn cap_of(&self, l: usize, c: u32) -> u32 {
        if self.exact_caps || self.congruence[l].is_some() {
            return self.cap;
        }
        self.caps.get(&(l, c)).copied().unwrap_or(self.cap)
    }

    /// The keys of head `hd` of layer `l` at a query of class `me`, as (key class, count),
    /// sorted by class.
    fn key_classes(&self, l: usize, hd: usize, me: u32, part: u32) -> Vec<(u32, u64)> {
        let model = self.model;
        let p = Part(self.parts[l].get(part));
        let mut mult: Vec<(u32, u64)> = match model.layers[l].heads[hd].range {
            NumRange::Global => p.counts().map(|(t, n)| (t, n as u64)).collect(),
            NumRange::Local(k) => {
                let w = p.window();
                // A window of k holds k keys: with inclusive masking the query is one of
                // them (added below), so the window gives only its last k − 1.
                let before = if model.inclusive { k - 1 } else { k };
                let mut m: Vec<(u32, u64)> = Vec::new();
                for &t in w.iter().rev().take(before as usize) {
                    match m.iter_mut().find(|(x, _)| *x == t) {
                        Some((_, n)) => *n += 1,
                        None => m.push((t, 1)),
                    }
                }
                m
            }
        };
        if model.inclusive {
            // A class's cap is the count from which a global head's α are all 0; a
            // window counts its keys exactly (a local head has weights of its own).
            let cap = match model.layers[l].heads[hd].range {
                NumRange::Global => self.cap_of(l, me) as u64,
                NumRange::Local(_) => u64::MAX,
            };
            match mult.iter_mut().find(|(x, _)| *x == me) {
                Some((_, n)) => *n = (*n + 1).min(cap),
                None => mult.push((me, 1)),
            }
        }
        mult.sort_unstable();
        mult
    }

    /// The same keys with their projections, as the executor's [`layer_step`] takes them.
    fn keys(&self, l: usize, hd: usize, me: u32, part: u32) -> Vec<(Projected, u64)> {
        self.key_classes(l, hd, me, part)
            .into_iter()
            .map(|(c, n)| (self.classes[l].list[c as usize][hd].clone(), n))
            .collect()
    }

    /// Head `hd` of layer `l` at a query of type `t` over `keys` (class, count): the
    /// executor's `attend` with the scores, exp weights and α taken from memos; the part
    /// that depends on the counts (denominator and averages) is the executor's own
    /// `softmax_average`. `None` when a step would be NaN: the caller runs the executor's
    /// path for its error.
    fn head_output(
        &mut self,
        l: usize,
        hd: usize,
        t: u32,
        keys: &[(u32, u64)],
    ) -> Result<Option<Vector>, ExecError> {
        let model = self.model;
        let f = model.format;
        let d_head = model.layers[l].heads[hd].value.w.len();
        if keys.iter().all(|&(_, m)| m == 0) {
            return Ok(Some(vec![Num::zero(); d_head]));
        }
        self.scores_of(l, hd, t)?;
        let scores = &self.score_memo[&(l, hd, t)];
        let top = keys
            .iter()
            .filter(|&&(_, m)| m > 0)
            .max_by(|a, b| scores[a.0 as usize].cmp(&scores[b.0 as usize]))
            .map(|&(c, _)| c)
            .unwrap_or(0);
        let known = scores.len();
        let mu = scores[top as usize].clone();
        let have = self.exp_memo.get(&(l, hd, t, top)).map_or(0, Vec::len);
        if have < known {
            let mut fresh = Vec::with_capacity(known - have);
            for s in &self.score_memo[&(l, hd, t)][have..] {
                let Ok(diff) = s.sub(&mu) else {
                    return Ok(None);
                };
                let Ok(e) = f.exp(&diff) else {
                    return Ok(None);
                };
                fresh.push(e);
            }
            self.exp_memo
                .entry((l, hd, t, top))
                .or_default()
                .extend(fresh);
        }
        let e = &self.exp_memo[&(l, hd, t, top)];
        let classes = &self.classes[l].list;
        let terms: Vec<(&Num, u64, &Vector)> = keys
            .iter()
            .map(|&(c, m)| (&e[c as usize], m, &classes[c as usize][hd].1))
            .collect();
        let alpha_memo = &mut self.alpha_memo;
        let alpha = |e: &Num, d: &Num| {
            alpha_memo
                .entry((e.clone(), d.clone()))
                .or_insert_with(|| super::exec::divide(&f, e, d))
                .clone()
        };
        Ok(super::exec::softmax_average(&f, &terms, d_head, alpha)
            .ok()
            .map(|(out, _)| out))
    }

    /// Layer `l` at a position of type `ty` (key class `me`) after a prefix whose part of
    /// layer `l` is `part`: the heads' outputs by [`Compiler::head_output`], then the rest of the layer, memoized by
    /// those outputs. Falls back on the executor's [`layer_step`] where a step is NaN,
    /// for its error.
    fn layer_type(&mut self, l: usize, ty: u32, me: u32, part: u32) -> Result<u32, ExecError> {
        let model = self.model;
        let mut concat = Vec::new();
        if model.layers[l].out.is_some() {
            for hd in 0..model.layers[l].heads.len() {
                let keys = self.key_classes(l, hd, me, part);
                match self.head_output(l, hd, ty, &keys)? {
                    Some(o) => concat.extend(o),
                    None => {
                        let h = self.types.get(l, ty).clone();
                        let keys: Vec<Vec<(Projected, u64)>> = (0..model.layers[l].heads.len())
                            .map(|hd| self.keys(l, hd, me, part))
                            .collect();
                        let (v, _) = layer_step(model, l, &h, |hd| keys[hd].clone())?;
                        return Ok(self.types.intern(l + 1, v));
                    }
                }
            }
        }
        let key = (l, ty, concat);
        if let Some(&t) = self.rest_memo.get(&key) {
            return Ok(t);
        }
        let h = self.types.get(l, ty).clone();
        let v = layer_rest(model, l, &h, &key.2)?;
        let t = self.types.intern(l + 1, v);
        self.rest_memo.insert(key, t);
        Ok(t)
    }

    /// The type at the input of layer `l + 1` of a position whose type at layer `l` is
    /// `ty` (key class `me`) after a prefix whose layer-`l` part is `part`. Memoized but
    /// at the last layer, which runs once per state (for ⊣), so an entry would seldom be
    /// read again.
    fn step(&mut self, l: usize, ty: u32, me: u32, part: u32) -> Result<u32, ExecError> {
        if l + 1 == self.model.layers.len() {
            return self.layer_type(l, ty, me, part);
        }
        let key = (l, ty, part);
        if let Some(&t) = self.memo.get(&key) {
            return Ok(t);
        }
        let t = self.layer_type(l, ty, me, part)?;
        self.memo.insert(key, t);
        Ok(t)
    }

    /// The layer-`l` part after one more position of key class `class`: its count raised
    /// (capped; a dead class's count kept at 1, see [`Compiler::dead`]) and the class
    /// appended to the window.
    fn next_part(&mut self, l: usize, part: u32, class: u32, scratch: &mut Vec<u32>) -> u32 {
        let counted = self.model.has_global(l).then(|| self.cap_of(l, class));
        let k = self.model.window(l) as usize;
        Part(self.parts[l].get(part)).next(class, counted, k, scratch);
        if counted.is_some() && self.forget_dead && self.congruence[l].is_none() {
            let mut support = std::mem::take(&mut self.support);
            support.clear();
            support.extend(Part(scratch).counts().map(|(c, _)| c));
            let dead = self.dead(l, &support);
            let n = scratch[0] as usize;
            let mut forgotten = 0;
            for pair in scratch[1..1 + 2 * n].chunks_exact_mut(2) {
                if pair[1] > 1 && dead.binary_search(&pair[0]).is_ok() {
                    pair[1] = 1;
                    forgotten += 1;
                }
            }
            self.forgotten += forgotten;
            self.support = support;
        }
        if let Some(cg) = self.congruence[l].as_mut() {
            if let Some(id) = self.parts[l].find(scratch) {
                return id;
            }
            let mut sig = std::mem::take(&mut self.signature);
            let id = if cg
                .signature(&self.model.format, scratch, &mut sig)
                .is_some()
            {
                match cg.index.get(sig.as_slice()) {
                    Some(&id) => {
                        self.congruent += 1;
                        id
                    }
                    None => {
                        let id = self.parts[l].intern(scratch);
                        cg.index.insert(Box::from(sig.as_slice()), id);
                        id
                    }
                }
            } else {
                self.parts[l].intern(scratch)
            };
            self.signature = sig;
            return id;
        }
        self.parts[l].intern(scratch)
    }
}

/// The largest minimal DFA that `compile` turns into a formula (the classifier on the
/// 4,096-state DFA of `Y^11 a` takes about 2 s, on 8,192 states about 8 s). Beyond it
/// the DFA is the answer: exact, and what `check`, `equiv` and `includes` compare.
pub const FORMULA_DFA_STATES: usize = crate::fragment::FORMULA_DFA_STATES;

/// The largest minimal DFA for which `compile` first searches for a short formula
/// ([`crate::fragment::shortest`]) before the constructions of [`formula_of`].
pub const SHORT_SEARCH_STATES: usize = crate::fragment::shortest::SEARCH_DFA_STATES;

/// A searched formula this short is shown without trying the constructions too.
const SHORT_ENOUGH: usize = 300;

/// The shorter of two optional certificates (the first on a tie).
fn shorter_of(
    a: Option<crate::fragment::FormulaCert>,
    b: Option<crate::fragment::FormulaCert>,
) -> Option<crate::fragment::FormulaCert> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.formula.len() < a.formula.len() {
            b
        } else {
            a
        }),
        (a, b) => a.or(b),
    }
}

/// What `compile` shows for a compiled model: a short formula found by search (minimal
/// DFAs of at most [`SHORT_SEARCH_STATES`] states), else [`formula_of`]'s (at most
/// [`FORMULA_DFA_STATES`] states); the shorter of that formula and the count formula
/// ([`super::count_formula`], one-layer models with global heads only), each re-checked
/// against the DFA; with no formula a note that says why (the JSON `formula_note`).
/// [`formula_or_note_within`] under the default budget.
pub fn formula_or_note(
    compiled: &NumericCompiled,
    limits: &crate::fragment::Limits,
) -> (Option<crate::fragment::FormulaCert>, Option<String>) {
    formula_or_note_within(compiled, limits, &Budget::default())
}

/// [`formula_or_note`] with the count formula's check within `budget` (its automaton
/// has as many states as the exploration had).
pub fn formula_or_note_within(
    compiled: &NumericCompiled,
    limits: &crate::fragment::Limits,
    budget: &Budget,
) -> (Option<crate::fragment::FormulaCert>, Option<String>) {
    let n = compiled.dfa.states();
    let mut unchecked = false;
    let counted = compiled.counts.as_ref().and_then(|t| {
        let mut arena = crate::logic::Arena::new();
        let names = compiled.dfa.alphabet().atoms().to_vec();
        let phi = super::counting::count_formula(t, &names, &mut arena)?;
        let cert = crate::fragment::formula_certificate(
            &arena,
            phi,
            &compiled.dfa,
            "count formula: the answer depends only on how many earlier positions of each kind the heads see (counted up to the cap), written with P>=m",
            limits.max_printed,
            budget,
        );
        unchecked = cert.is_none();
        cert
    });
    if n > FORMULA_DFA_STATES {
        let note = counted.is_none().then(|| {
            let counts = if unchecked {
                "; the count formula was not confirmed within the budget (raise --max-states or --timeout)"
            } else {
                ""
            };
            format!(
                "no formula constructed: the minimal DFA has {n} states, more than the {FORMULA_DFA_STATES} the formula constructions take{counts}; the DFA is exact, and check, equiv and includes compare it"
            )
        });
        return (counted, note);
    }
    // Small automata: a short formula of the architecture's fragment found by search
    // (re-checked); the constructions only when the search finds none.
    let searched = (n <= SHORT_SEARCH_STATES)
        .then(|| crate::fragment::shortest::Ops::of(compiled.fragment))
        .flatten()
        .and_then(|ops| {
            let limits = crate::fragment::shortest::SearchLimits::default();
            crate::fragment::shortest::shortest_formula(&compiled.dfa, ops, &limits, budget)
        })
        .map(|f| f.cert);
    // A long search result (a greedy cover) may still lose to a construction.
    let built = match searched {
        Some(f) if f.formula.len() <= SHORT_ENOUGH => Some(f),
        searched => shorter_of(searched, formula_of(compiled, limits).0),
    };
    (shorter_of(built, counted), None)
}

/// Compiles a numeric model to the minimal DFA of its language, within `budget`.
pub fn compile_numeric(
    model: &NumericModel,
    budget: &Budget,
) -> Result<NumericCompiled, NumericCompileError> {
    let cap_u64 = count_cap(&model.format);
    // One-layer global models keep per-class caps: their count formula reads every
    // state's capped counts. Every other model is explored under the count congruence.
    let mut c = Compiler::new(
        model,
        if counted(model) {
            Mode::Caps
        } else {
            Mode::Congruence
        },
    );
    let cap_text = format!(
        "counts of key classes capped at {}",
        cap_u64.map_or("beyond 2^62".to_string(), |c| c.to_string())
    );
    let (trans, accepting, states, mut stages) =
        match explore_to_fixpoint(&mut c, budget, &cap_text, model.layers.len())? {
            Explored::Dfa(trans, accepting, states, stages) => (trans, accepting, states, stages),
            Explored::Below(..) => unreachable!("every layer was explored"),
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
    let counts = count_table(&mut c, &states, &raw)?;
    drop(states);
    let explored = stages.iter().map(|r| r.explored).sum();
    let dfa = minimize_within(&raw, budget).map_err(|e| {
        NumericCompileError::Budget(e, explored, format!("{cap_text}; minimizing the DFA"))
    })?;
    if let Some(r) = stages.last_mut() {
        r.states = dfa.states();
    }
    let heads = c.head_reports()?;
    Ok(NumericCompiled {
        dfa,
        explored,
        types: c.types.per_layer.iter().map(|t| t.list.len()).collect(),
        count_cap: cap_u64,
        heads,
        fragment: architecture(model),
        inclusive: model.inclusive,
        counts,
        stages,
        forgotten: c.forgotten,
        congruent: c.congruent,
    })
}

/// [`explore`] with the caps known so far; when the types found need larger caps for
/// some class, again with them, until no cap grows (so the caps hold for every reachable
/// type).
fn explore_to_fixpoint(
    c: &mut Compiler<'_>,
    budget: &Budget,
    cap_text: &str,
    upto: usize,
) -> Result<Explored, NumericCompileError> {
    loop {
        let explored = explore(c, budget, cap_text, upto)?;
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
            return Ok(explored);
        }
        c.memo.clear();
        c.forgotten = 0;
        c.congruent = 0;
        // The congruences index the parts: made afresh with them.
        c.congruence.iter_mut().for_each(|g| *g = None);
        // The parts are numbered afresh: the memo keyed by them is gone.
        c.parts.iter_mut().for_each(|p| *p = Rows::default());
    }
}

/// Whether the model gets a count table: one layer, global heads only.
fn counted(model: &NumericModel) -> bool {
    model.layers.len() == 1 && model.has_global(0) && model.window(0) == 0
}

/// For a one-layer model with global heads only, every explored state's capped counts of
/// the letters' key classes and whether it accepts ([`CountTable`]); `None` otherwise.
fn count_table(
    c: &mut Compiler<'_>,
    states: &Rows,
    raw: &Dfa,
) -> Result<Option<CountTable>, ExecError> {
    let model = c.model;
    if !counted(model) {
        return Ok(None);
    }
    let mut class_ids: Vec<u32> = Vec::new();
    let mut classes: Vec<Vec<u32>> = Vec::new();
    for row in 0..model.alphabet.len() {
        let t = c.types.intern(0, model.embed[row].clone());
        let class = c.class(0, t)?;
        match class_ids.iter().position(|&x| x == class) {
            Some(i) => classes[i].push(row as u32),
            None => {
                class_ids.push(class);
                classes.push(vec![row as u32]);
            }
        }
    }
    let k = class_ids.len();
    let mut counts = Vec::with_capacity(states.len() * k);
    for q in 0..states.len() as u32 {
        let part = Part(c.parts[0].get(states.get(q)[1]));
        for &class in &class_ids {
            counts.push(part.count(class));
        }
    }
    Ok(Some(CountTable {
        classes,
        counts,
        accepting: raw.accepting().to_vec(),
    }))
}

/// What [`explore`] found, with what each layer's stage explored.
enum Explored {
    /// Every layer: the transition table and the accepting states of a DFA of the
    /// model's language, its states (rows `[state of the layers below, part of the last
    /// layer]`), in BFS order (the last stage's `states` filled in once minimized).
    Dfa(Vec<u32>, Vec<bool>, Rows, Vec<StageReport>),
    /// The layers below `upto`, minimized: the machine that gives every position its
    /// type at layer `upto`'s input.
    Below(Stage, Vec<StageReport>),
}

/// The layers below some layer as one machine, minimized: per state a transition for
/// each letter (`trans[q * letters + r]`) and, for each row (the letters, then ⊣), the
/// type that row has at that layer's input (`out[q * (letters + 1) + r]`).
struct Stage {
    trans: Vec<u32>,
    out: Vec<u32>,
}

/// The model's language as a DFA, layer by layer. Layer l reads the types its input
/// has, which the layers below compute; so the layers below l are one machine (a
/// [`Stage`]) and layer l adds its parts: the states of the next stage are the reachable
/// pairs (stage state, layer-l part), explored breadth-first with the current caps. Each
/// stage but the last is minimized as a Mealy machine before the next layer is put on
/// it: two of its states are merged when every word gives the same types at every
/// position, which is all the layers above read (the last layer reads only the key
/// classes of the letters' types). A lower layer's counts that lead to the same types
/// forever are one state, so the pairs explored are far fewer than the product of every
/// layer's counts. The last stage accepts iff running ⊣ gives a positive logit.
///
/// With `upto` below the number of layers, stops there and returns the stage of the
/// layers below `upto` (its last layer's signatures are what layer `upto` reads, as
/// when `upto` is the last layer).
fn explore(
    c: &mut Compiler<'_>,
    budget: &Budget,
    cap_text: &str,
    upto: usize,
) -> Result<Explored, NumericCompileError> {
    let model = c.model;
    let layers = model.layers.len();
    let letters = model.alphabet.len();
    let rows = letters + 1;
    // Where the budget ran out, with the count cap.
    let over =
        |e, n: usize, at: String| NumericCompileError::Budget(e, n, format!("{cap_text}{at}"));
    // Exploring layer l on the layers below, minimized to `below` states.
    let exploring = |l: usize, below: usize| {
        match (layers, l) {
            (1, _) => String::new(),
            (_, 0) => format!("; exploring layer 0 (0-based, of {layers})"),
            _ => format!("; exploring layer {l} (0-based, of {layers}) on the layers below it, minimized to {below} states"),
        }
    };
    let mut stage = Stage {
        trans: vec![0; letters],
        out: (0..rows)
            .map(|r| c.types.intern(0, model.embed[r].clone()))
            .collect(),
    };
    let mut reports: Vec<StageReport> = Vec::new();
    let explored = |reports: &[StageReport]| reports.iter().map(|r| r.explored).sum::<usize>();
    if upto < layers && upto == 0 {
        return Ok(Explored::Below(stage, reports));
    }
    if layers == 0 {
        let last = c.types.get(0, stage.out[letters]).clone();
        let accept = logit(model, &last)?.signum() > 0;
        let mut states = Rows::default();
        states.intern(&[0]);
        return Ok(Explored::Dfa(stage.trans, vec![accept], states, reports));
    }
    let mut scratch = Vec::new();
    for l in 0..layers {
        let last = l + 1 == layers;
        // Every type of this layer is in the stage's table now: make their classes, and
        // list the types the layer is queried at (the last layer: ⊣'s only).
        let mut queries: Vec<u32> = Vec::new();
        for (i, &ty) in stage.out.iter().enumerate() {
            c.class(l, ty)?;
            if !last || i % rows == letters {
                queries.push(ty);
            }
        }
        queries.sort_unstable();
        queries.dedup();
        if last {
            // The last layer's caps and dead classes answer to ⊣'s types alone,
            // recomputed now (no part of this layer exists yet, so a cap may also fall).
            c.asked[l] = Some(queries.clone());
            c.dead_memo[l].clear();
            for class in 0..c.classes[l].list.len() as u32 {
                let need = c.required_cap(l, class)?;
                c.caps.insert((l, class), need);
            }
        }
        if c.use_congruence {
            c.congruence[l] = Congruence::new(c, l, &queries)?;
        }
        let mut states = Rows::default();
        let empty = c.parts[l].intern(&[0]);
        states.intern(&[0, empty]);
        let mut trans: Vec<u32> = Vec::new();
        let mut out: Vec<u32> = Vec::new();
        // Per state, what the layers above read of it (its signature), as a number.
        let mut labels: Vec<u32> = Vec::new();
        let mut signatures = Rows::default();
        let mut signature = Vec::with_capacity(rows);
        // Breadth-first: states are numbered as they are found, so the queue is the range
        // of numbers not yet expanded.
        let mut q = 0u32;
        while (q as usize) < states.len() {
            budget
                .check(states.len(), letters, "numeric abstract states")
                .map_err(|e| {
                    let at = exploring(l, stage.out.len() / rows);
                    over(e, explored(&reports) + states.len(), at)
                })?;
            let (b, part) = match states.get(q) {
                &[b, part] => (b as usize, part),
                _ => unreachable!("stage states are pairs"),
            };
            signature.clear();
            for r in 0..rows {
                let ty = stage.out[b * rows + r];
                let me = c.class(l, ty)?;
                if r == letters {
                    let t = c.step(l, ty, me, part)?;
                    if last {
                        let v = c.types.get(layers, t).clone();
                        signature.push(u32::from(logit(model, &v)?.signum() > 0));
                    } else {
                        signature.push(t);
                        out.push(t);
                    }
                    continue;
                }
                if !last {
                    let t = c.step(l, ty, me, part)?;
                    out.push(t);
                    // The last layer reads only the key class of a letter's type.
                    signature.push(if l + 2 == layers {
                        c.class(l + 1, t)?
                    } else {
                        t
                    });
                }
                let np = c.next_part(l, part, me, &mut scratch);
                let nb = stage.trans[b * letters + r];
                trans.push(states.intern(&[nb, np]));
            }
            labels.push(signatures.intern(&signature));
            q += 1;
        }
        reports.push(StageReport {
            layer: l,
            explored: states.len(),
            states: states.len(),
        });
        if last {
            // Signatures of the last stage are its acceptance alone.
            let accepting = labels.iter().map(|&i| signatures.get(i) == [1]).collect();
            return Ok(Explored::Dfa(trans, accepting, states, reports));
        }
        let block = coarsest_partition(&trans, letters, &labels, budget).map_err(|e| {
            let at = format!("; minimizing layers 0 to {l} ({} states)", states.len());
            over(e, explored(&reports), at)
        })?;
        if let Some(r) = reports.last_mut() {
            r.states = block.iter().max().map_or(0, |&b| b as usize + 1);
        }
        stage = quotient(&trans, &out, &block, letters);
        if l + 1 == upto {
            return Ok(Explored::Below(stage, reports));
        }
    }
    unreachable!("the last layer returns")
}

/// The stage whose states are the blocks of `block` (numbered so that the block of state
/// 0, the initial one, is 0), each with its first member's transitions and types.
fn quotient(trans: &[u32], out: &[u32], block: &[u32], letters: usize) -> Stage {
    let rows = letters + 1;
    let blocks = block.iter().max().map_or(0, |&b| b as usize + 1);
    // Renumber so that the initial state's block is 0.
    let swap = |b: u32| match b {
        b if b == block[0] => 0,
        0 => block[0],
        b => b,
    };
    let mut rep = vec![u32::MAX; blocks];
    for (q, &b) in block.iter().enumerate().rev() {
        rep[swap(b) as usize] = q as u32;
    }
    let mut stage = Stage {
        trans: Vec::with_capacity(blocks * letters),
        out: Vec::with_capacity(blocks * rows),
    };
    for &q in &rep {
        let q = q as usize;
        stage.trans.extend(
            trans[q * letters..(q + 1) * letters]
                .iter()
                .map(|&t| swap(block[t as usize])),
        );
        stage.out.extend_from_slice(&out[q * rows..(q + 1) * rows]);
    }
    stage
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
/// one within the limits. The constructions grow faster than quadratically in the
/// DFA's size; callers bound it with [`FORMULA_DFA_STATES`].
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
