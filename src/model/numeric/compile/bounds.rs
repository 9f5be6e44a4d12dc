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
//! constraint lo_d ≤ Σ y_k ≤ hi_d (the reals that round to d) and y_k ≤ (the most
//! times class k can occur)·e_k: a linear program whose extremes the greedy order by
//! the ratio α_k v_k / e_k reaches (with no count bounds: the largest and smallest
//! ratio times hi_d or lo_d). The union over μ
//! and d of these boxes, plus the zero vector (an overflowing denominator), holds every
//! output; rounding is monotone, so rounding the bounds bounds the rounded output. The
//! boxes are tried coarsest first (one box for every μ and d) and split only where the
//! sign is not decided, down to single points.

use super::*;
use crate::engine::layout::Question;
use crate::model::numeric::number::{fraction_of, Overflow, Rounding};

/// What a proof by bounds established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundsProof {
    /// States of the layers below the last one, minimized.
    pub stage_states: usize,
    /// Product states (stage state, last letters' classes, the other side's state;
    /// in the refined product also the largest scores present for the tracked query
    /// types) explored by the round that proved it.
    pub product_states: usize,
    /// Logit intervals computed (boxes tried), over every round.
    pub boxes: usize,
    /// Whether the refined product (the largest score present tracked,
    /// [`prove_by_bounds`]) was needed.
    pub refined: bool,
    /// Product states that only the bounds over the stage graph's paths decided
    /// (module `paths`; 0 when the per-class counts sufficed).
    pub path_states: usize,
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
    static MUTATION: std::cell::Cell<BoundsMutation> = const { std::cell::Cell::new(BoundsMutation::None) };
}

/// Wrong proofs by bounds, for the tests that must catch them.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsMutation {
    None,
    /// Forget that an overflowing denominator makes a head's output the zero vector.
    ForgetOverflow,
    /// Take the states whose longest word is one letter longer than the search checked
    /// as checked too.
    LengthOffByOne,
    /// Count every class one time fewer than it can occur.
    FewerCounts,
    /// No bounds over paths (not wrong: for the tests that show the paths decide more).
    NoPaths,
    /// Inside a cycle of the stage graph, take every lane as bounded (wrong: a cycle
    /// of positive weight can be repeated without end).
    PathsIgnoreCycles,
    /// Affine forms that forget the roundings of the rest of the layer.
    AffineNoRounding,
    /// Affine forms that take a rounding to nearest as off by a quarter of the gap
    /// around the value (it is off by up to half).
    AffineQuarterStep,
    /// Affine forms that give the bounds of the logit's exact sum, unrounded.
    AffineLogitUnrounded,
}

/// For the tests that must fail under it: [`BoundsMutation::ForgetOverflow`] when `on`.
#[doc(hidden)]
pub fn mutate_bounds_for_tests(on: bool) {
    set_bounds_mutation(if on {
        BoundsMutation::ForgetOverflow
    } else {
        BoundsMutation::None
    });
}

/// For the tests that must fail under it: the wrong proofs of `m`.
#[doc(hidden)]
pub fn set_bounds_mutation(m: BoundsMutation) {
    MUTATION.with(|x| x.set(m));
}

fn mutation() -> BoundsMutation {
    MUTATION.with(|m| m.get())
}

/// Boxes tried for one product state before it is given up.
const BOXES_PER_STATE: usize = 4096;

/// At most this many boxes for a query type's union of classes (tried before each
/// state's own classes, see [`prove_by_bounds`]; where it fails, each state's own try
/// follows), and for each try at a query type the refined product does not track yet:
/// a failed try costs at most this many.
const BOXES_PER_UNION: usize = 256;

/// At most this many boxes for each try at a tracked query type's state in the refined
/// product, before the bounds over paths: with 4,096 a trained model's proof took 41 s,
/// with 512 33 s; the random models' proofs are the same 127 either way.
const BOXES_PER_TRACKED: usize = 512;

/// Key classes of one score: each distinct value vector with the least and the most
/// times its classes occur together (f64::INFINITY: without bound). The least is 0
/// today: which classes are present is not known class by class (the refined product
/// knows only the largest score); [`extreme`] takes lower bounds all the same.
type Group = Vec<(Vec<f64>, f64, f64)>;

/// A try of [`Prover::always`]: (query type, context, local heads' outputs, whether a
/// letter was read, the answer, the most boxes it may split into).
type MemoKey = (u32, u32, Vec<Num>, bool, bool, usize);

/// An interval of exact values, lo ≤ hi.
type Iv = (Num, Num);

/// Proves that `model` (left side when `model_left`) and `other` agree under
/// `question`, by bounding the last layer's global heads. `Ok(Inconclusive)` when it
/// cannot; `Err` for a budget, or a NaN in the exact part.
///
/// `checked`: every word of length ≤ `checked` is known to agree already (the on-the-fly
/// search ran the model on each); only longer words are left to the bounds.
///
/// First the plain product: (stage state, the other side's state, the last `window`
/// classes, whether a letter was read), with the boxes bounded by the classes seen, then
/// the most times each can occur, before the stage state. Where that does not decide, a
/// refined one, in rounds, which tracks for some query types and every global head the
/// largest score present: μ is then known there, and the classes scoring above it are
/// absent; a type is tracked once a state asking it is left undecided. In each product,
/// a state that only words of length ≤ `checked` reach (its longest word, from the
/// product's graph: `longest_words`) is not asked about. grammar/numeric.md, "Proofs
/// by bounds".
pub fn prove_by_bounds(
    model: &NumericModel,
    other: &Dfa,
    model_left: bool,
    question: Question,
    checked: Option<usize>,
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
    // Per stage state, the seen classes as a most-count vector (every one unbounded):
    // few distinct ones, so few boxes to make. The tight vectors (how many times each
    // class can occur, [`most_counts`]) are made only where these do not decide.
    let mut seen_ids: Interner<Vec<u32>> = Interner::default();
    let mut bits: Interner<Vec<u64>> = Interner::default();
    let bits_of: Vec<u32> = seen.into_iter().map(|s| bits.intern(s)).collect();
    // A set of classes as a most-count vector: each one in it without bound.
    let unbounded = |set: &[u64]| -> Vec<u32> {
        (0..keys.len())
            .map(|i| {
                if set[i / 64] >> (i % 64) & 1 == 1 {
                    u32::MAX
                } else {
                    0
                }
            })
            .collect()
    };
    let loose_of: Vec<u32> = bits
        .list
        .iter()
        .map(|set| seen_ids.intern(unbounded(set)))
        .collect();
    let seen_of: Vec<u32> = bits_of.iter().map(|&i| loose_of[i as usize]).collect();
    // Per query type ⊣ can have: the classes seen before any stage state that asks it. A
    // proof for that union holds for each state's own classes (fewer classes, fewer count
    // vectors: every output of the smaller set lies in a box of the larger's), so it is
    // tried first, within a few boxes: one proof per query type where there would be
    // one per set of classes (16,094 sets on an e4m3 trained model, each box made anew).
    let mut union_bits: std::collections::BTreeMap<u32, Vec<u64>> = Default::default();
    for (b, &i) in bits_of.iter().enumerate() {
        let t = stage.out[b * rows + letters];
        let set = &bits.list[i as usize];
        let u = union_bits.entry(t).or_insert_with(|| vec![0; set.len()]);
        for (x, y) in u.iter_mut().zip(set) {
            *x |= y;
        }
    }
    let union_of: HashMap<u32, u32> = union_bits
        .into_iter()
        .map(|(t, set)| (t, seen_ids.intern(unbounded(&set))))
        .collect();
    let mut tight_of: Option<Vec<u32>> = None;
    let Some(rest) = RestF64::new(model, l) else {
        return inconclusive("the last layer's rest cannot be bounded in f64");
    };
    let mut prover = Prover {
        c,
        budget: *budget,
        l,
        keys,
        seen: seen_ids.list,
        contexts: Interner::default(),
        dens,
        coarse: HashMap::default(),
        fine: HashMap::default(),
        rest,
        values,
        alpha: HashMap::default(),
        memo: HashMap::default(),
        graph: None,
        path_tables: HashMap::default(),
        path_scope: None,
        dirs: HashMap::default(),
        boxes: 0,
        per_try: BOXES_PER_STATE,
    };
    let window = model.window(l) as usize;
    // Product states: (stage state, the other side's state, whether a letter was read,
    // the classes of the last `window` letters, the largest score present for every
    // tracked query type and every global head).
    type State = (u32, u32, bool, Vec<u32>, u32);
    let mut asked: Vec<u32> = (0..stage_states)
        .map(|b| stage.out[b * rows + letters])
        .collect();
    asked.sort_unstable();
    asked.dedup();
    let globals: Vec<usize> = (0..layer.heads.len())
        .filter(|&hd| layer.heads[hd].range == NumRange::Global)
        .collect();
    // First without the refinement, whose product is the smaller (asking stops at the
    // first state it does not decide); then, where that does not decide, with it, tracking μ
    // for the query types of the states left undecided only: first the plain product's,
    // then every type the refined product leaves undecided, until no new one is left
    // (tracking all of them, 200 on an e4m3 trained model, multiplied the product past
    // 15 M states).
    let mut tracked: Option<Vec<u32>> = None;
    let why = loop {
        let refined = tracked.is_some();
        let types: &[u32] = tracked.as_deref().unwrap_or(&[]);
        // The scores' ranks, per tracked type and global head.
        let ranked = {
            let keys = prover.keys.clone();
            ranks(&mut prover.c, l, &keys, types, &globals)?
        };
        let mut present: Interner<Vec<u32>> = Interner::default();
        let none = present.intern(vec![0; ranked.len()]);
        // First the product alone (cheap: no box is made), then the longest word that
        // reaches each state, then the states some word longer than the search's reaches
        // are asked about, in breadth-first order.
        let mut ids: HashMap<State, u32> = HashMap::default();
        let mut queue: Vec<State> = vec![(0, 0, false, Vec::new(), none)];
        // The edges, `letters` per state.
        let mut succ: Vec<u32> = Vec::new();
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
            let (b, s, _, win, pres) = queue[next].clone();
            next += 1;
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
                let i = letter_class[b as usize * letters + r];
                let mut np = present.list[pres as usize].clone();
                for (top, (_, rank)) in np.iter_mut().zip(&ranked) {
                    *top = (*top).max(rank[i] + 1);
                }
                let st = (nb, ns, true, nw, present.intern(np));
                let id = match ids.get(&st) {
                    Some(&id) => id,
                    None => {
                        let id = queue.len() as u32;
                        ids.insert(st.clone(), id);
                        queue.push(st);
                        parent.push(((next - 1) as u32, r as u32));
                        id
                    }
                };
                succ.push(id);
            }
        }
        drop(ids);
        let longest = longest_words(&succ, letters);
        drop(succ);
        // (The test mutation also skips the states whose longest word is one letter
        // longer than checked.)
        let slack = usize::from(mutation() == BoundsMutation::LengthOffByOne);
        // Query types not tracked yet whose states are left undecided.
        let mut more: Vec<u32> = Vec::new();
        // The first state left undecided: its shortest word.
        let mut failed: Option<String> = None;
        // Product states decided only by the bounds over paths.
        let mut path_states = 0usize;
        // The product states left to the bounds over paths, per (query type, μ), in the
        // order first met.
        let mut groups: Vec<(PathGroup, Vec<PathQuery>)> = Vec::new();
        let mut group_of: HashMap<PathGroup, usize> = HashMap::default();
        for (at, (b, s, nonempty, win, pres)) in queue.iter().enumerate() {
            // Only words the search has run reach it (the empty word among them).
            if checked.is_some_and(|c| longest[at] <= c + slack) {
                continue;
            }
            let accepts = other.accepting()[*s as usize];
            // The answer of the model that would be a disagreement, if one would.
            let bad = match (question, model_left) {
                (Question::Equivalent, _) => Some(!accepts),
                // model ⊆ other: the model must reject where the other rejects.
                (Question::Included, true) => (!accepts).then_some(true),
                // other ⊆ model: the model must accept where the other accepts.
                (Question::Included, false) => accepts.then_some(false),
            };
            let Some(bad) = bad else {
                continue;
            };
            let (b, nonempty) = (*b, *nonempty);
            let t = stage.out[b as usize * rows + letters];
            // An untracked query type (every one in the plain product): an empty list, μ
            // not known.
            let mut mu: Vec<Option<Num>> = Vec::new();
            let tracked_at = types.binary_search(&t).ok();
            if let Some(j) = tracked_at {
                let tops =
                    &present.list[*pres as usize][j * globals.len()..(j + 1) * globals.len()];
                mu = vec![None; layer.heads.len()];
                for (g, &hd) in globals.iter().enumerate() {
                    mu[hd] = tops[g]
                        .checked_sub(1)
                        .map(|r| ranked[j * globals.len() + g].0[r as usize].clone());
                }
            }
            let union = prover.contexts.intern((union_of[&t], mu.clone()));
            let loose = prover.contexts.intern((seen_of[b as usize], mu.clone()));
            // In the refined product, a query type not tracked yet gets a few boxes only:
            // where they do not decide, it is tracked in the next round, where μ known
            // makes its boxes fewer and narrower.
            let untracked = refined && tracked_at.is_none();
            // A tracked type's states that the boxes do not decide are left to the paths,
            // which bound them more tightly: fewer boxes before them.
            let per_state = if refined {
                BOXES_PER_TRACKED
            } else {
                BOXES_PER_STATE
            };
            prover.per_try = BOXES_PER_UNION;
            let mut decided = union != loose && prover.always(t, union, win, nonempty, !bad)?;
            if !untracked {
                prover.per_try = per_state;
            }
            decided = decided || prover.always(t, loose, win, nonempty, !bad)?;
            if !decided && !untracked {
                let tight = tight_of.get_or_insert_with(|| {
                    tight_counts(&stage.trans, &letter_class, letters, &mut prover.seen)
                        .unwrap_or_else(|| seen_of.clone())
                });
                let tight = prover.contexts.intern((tight[b as usize], mu.clone()));
                decided = tight != loose && prover.always(t, tight, win, nonempty, !bad)?;
            }
            if decided {
                continue;
            }
            // The plain product stops at its first undecided state, and the refined one
            // tracks μ for its query type; the refined product tracks every untracked
            // type it leaves undecided in its next round, and leaves the rest to the
            // bounds over the paths, grouped by query type and μ.
            if !refined {
                more.push(t);
                break;
            }
            if untracked {
                more.push(t);
                continue;
            }
            if mutation() == BoundsMutation::NoPaths {
                failed = Some(word_to(&parent, at, model));
                break;
            }
            let key = (t, mu);
            let g = match group_of.get(&key) {
                Some(&g) => g,
                None => {
                    group_of.insert(key.clone(), groups.len());
                    groups.push((key, Vec::new()));
                    groups.len() - 1
                }
            };
            groups[g].1.push(PathQuery {
                at: at as u32,
                b,
                win: win.clone(),
                nonempty,
                answer: !bad,
            });
        }
        if !more.is_empty() {
            let mut next_types = types.to_vec();
            next_types.extend(more);
            next_types.sort_unstable();
            next_types.dedup();
            tracked = Some(next_types);
            continue;
        }
        if failed.is_none() && !groups.is_empty() {
            if prover.graph.is_none() {
                prover.graph = Some(super::paths::StageGraph::new(
                    &stage.trans,
                    &letter_class,
                    letters,
                ));
            }
            'groups: for ((t, mu), queries) in groups.drain(..) {
                // Tables made for another group's states do not cover these (one scope
                // at a time: each is a flag per stage state).
                let targets: Vec<usize> = queries.iter().map(|q| q.b as usize).collect();
                let scope = prover
                    .graph
                    .as_ref()
                    .expect("made above")
                    .ancestors(&targets);
                prover.path_tables.clear();
                prover.path_scope = Some(std::rc::Rc::new(scope));
                // The paths are the last try: every box a state may take.
                prover.per_try = BOXES_PER_STATE;
                for q in queries {
                    let ctx = prover.contexts.intern((PATH | q.b, mu.clone()));
                    if !prover.always(t, ctx, &q.win, q.nonempty, q.answer)? {
                        failed = Some(word_to(&parent, q.at as usize, model));
                        break 'groups;
                    }
                    path_states += 1;
                }
            }
            prover.path_scope = None;
            prover.path_tables.clear();
        }
        match failed {
            None => {
                return Ok(Bounds::Proved(BoundsProof {
                    stage_states,
                    product_states: queue.len(),
                    boxes: prover.boxes,
                    refined,
                    path_states,
                }))
            }
            Some(word) => break format!(
                "its boxes do not decide the answer at the state the word \"{word}\" reaches, which words longer than the search's also reach (a box may hold values that no word reaches there)"
            ),
        }
    };
    Ok(Bounds::Inconclusive(why))
}

/// Per state of a graph whose every state is reachable from state 0 (`succ[i · letters +
/// r]`: the successor of state i under letter r): the length of the longest word that
/// reaches it from state 0, `usize::MAX` where there is none (a cycle lies on a path to
/// it). In Kahn's order, a state whose predecessors are all removed is removed with its
/// longest word; those never removed are on a cycle or past one.
fn longest_words(succ: &[u32], letters: usize) -> Vec<usize> {
    let states = succ.len() / letters.max(1);
    let mut into = vec![0usize; states];
    for &to in succ {
        into[to as usize] += 1;
    }
    let mut longest = vec![usize::MAX; states];
    // The longest word to a state so far, over its removed predecessors.
    let mut best = vec![0usize; states];
    let mut ready: Vec<usize> = (0..states).filter(|&i| into[i] == 0).collect();
    while let Some(i) = ready.pop() {
        longest[i] = best[i];
        for &to in &succ[i * letters..(i + 1) * letters] {
            let to = to as usize;
            best[to] = best[to].max(best[i] + 1);
            into[to] -= 1;
            if into[to] == 0 {
                ready.push(to);
            }
        }
    }
    longest
}

/// [`most_counts`] interned into `seen`: each state's vector's index. `None` when the
/// vectors would take too much memory (states × classes above 2^24).
fn tight_counts(
    trans: &[u32],
    class: &[usize],
    letters: usize,
    seen: &mut Vec<Vec<u32>>,
) -> Option<Vec<u32>> {
    let classes = seen.first().map_or(0, Vec::len);
    let states = trans.len() / letters.max(1);
    if states.saturating_mul(classes) > 1 << 24 {
        return None;
    }
    let mut ids: Interner<Vec<u32>> = Interner::default();
    for v in seen.drain(..) {
        ids.intern(v);
    }
    let fewer = mutation() == BoundsMutation::FewerCounts;
    let out = most_counts(trans, class, letters, classes)
        .into_iter()
        .map(|mut m| {
            if fewer {
                m.iter_mut()
                    .filter(|n| **n != u32::MAX)
                    .for_each(|n| *n = n.saturating_sub(1));
            }
            ids.intern(m)
        })
        .collect();
    *seen = ids.list;
    Some(out)
}

/// Per state of a DFA (`trans[b · letters + r]`, each edge labelled with a class index
/// `class[b · letters + r]` < `classes`): for each class, the most times it occurs on a
/// path from state 0 to the state (`u32::MAX`: without bound; all 0 for a state state 0
/// does not reach, which no word reaches either).
fn most_counts(trans: &[u32], class: &[usize], letters: usize, classes: usize) -> Vec<Vec<u32>> {
    use petgraph::graph::{DiGraph, NodeIndex};
    let states = trans.len() / letters.max(1);
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(states, trans.len());
    for _ in 0..states {
        g.add_node(());
    }
    for (e, &to) in trans.iter().enumerate() {
        g.add_edge(NodeIndex::new(e / letters), NodeIndex::new(to as usize), ());
    }
    // Tarjan's order is reverse topological: sources last.
    let sccs = petgraph::algo::tarjan_scc(&g);
    let mut comp = vec![0usize; states];
    for (i, scc) in sccs.iter().enumerate() {
        for n in scc {
            comp[n.index()] = i;
        }
    }
    let mut most: Vec<Option<Vec<u32>>> = vec![None; sccs.len()];
    most[comp[0]] = Some(vec![0; classes]);
    for i in (0..sccs.len()).rev() {
        let Some(mut here) = most[i].take() else {
            continue;
        };
        for n in &sccs[i] {
            let b = n.index();
            for r in 0..letters {
                let to = trans[b * letters + r] as usize;
                if comp[to] == i {
                    here[class[b * letters + r]] = u32::MAX;
                }
            }
        }
        for n in &sccs[i] {
            let b = n.index();
            for r in 0..letters {
                let to = trans[b * letters + r] as usize;
                let k = class[b * letters + r];
                if comp[to] == i {
                    continue;
                }
                let there = most[comp[to]].get_or_insert_with(|| vec![0; classes]);
                for (j, (t, &h)) in there.iter_mut().zip(&here).enumerate() {
                    let h = if j == k { h.saturating_add(1) } else { h };
                    *t = (*t).max(h);
                }
            }
        }
        most[i] = Some(here);
    }
    (0..states)
        .map(|b| most[comp[b]].clone().unwrap_or_else(|| vec![0; classes]))
        .collect()
}

/// Per (query type, global head) of `asked` × `globals`: the distinct scores of the key
/// classes `keys`, ascending, and each key class's rank among them (for the refined
/// product's largest score present).
#[allow(clippy::type_complexity)]
fn ranks(
    c: &mut Compiler<'_>,
    l: usize,
    keys: &[u32],
    asked: &[u32],
    globals: &[usize],
) -> Result<Vec<(Vec<Num>, Vec<u32>)>, ExecError> {
    let mut ranked = Vec::with_capacity(asked.len() * globals.len());
    for &t in asked {
        for &hd in globals {
            let all = c.scores(l, hd, t)?;
            let of: Vec<Num> = keys.iter().map(|&k| all[k as usize].clone()).collect();
            let mut distinct = of.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let rank = of
                .iter()
                .map(|x| distinct.binary_search(x).expect("a key's score") as u32)
                .collect();
            ranked.push((distinct, rank));
        }
    }
    Ok(ranked)
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
    let nearest = f.rounding == crate::model::numeric::number::Rounding::NearestEven;
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
    Num::Fin(crate::model::numeric::number::Dyadic::new(n, -shift))
}

/// A box: per component an interval; `coarse` marks the one box for every μ and d,
/// which is refined into [`Prover::fine`]'s boxes before it is split.
#[derive(Clone, Debug)]
struct BoxOf {
    iv: Vec<Iv>,
    coarse: bool,
    /// Where the box came from the paths of the stage graph: per direction u of
    /// [`Prover::directions`], the interval holding u·S for every path, S the exact
    /// (unrounded) sum; a sub-box whose u·S range misses it holds no reachable output.
    dir: std::rc::Rc<[(f64, f64)]>,
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
                dir: list[*lo].dir.clone(),
            },
            Span::One(b) => b.clone(),
        }
    }
}

/// In place of a set of seen classes: every key class.
const ALL: u32 = u32::MAX;

/// A context's count part with this bit set: the paths of the stage graph to the stage
/// state in the other bits ([`Prover::path_boxes`]), not per-class counts.
const PATH: u32 = 1 << 31;

/// w·x for every x in [lo, hi], as its f64 ends (each product rounded once: the callers
/// widen by their own error bound).
fn times(w: f64, lo: f64, hi: f64) -> (f64, f64) {
    if w >= 0.0 {
        (w * lo, w * hi)
    } else {
        (w * hi, w * lo)
    }
}

/// The product states whose paths share tables: (query type at ⊣, μ per head).
type PathGroup = (u32, Vec<Option<Num>>);

/// A product state left to the bounds over paths: its index in the product, its stage
/// state, the local heads' window, whether a letter was read, and the answer every box
/// must give.
struct PathQuery {
    at: u32,
    b: u32,
    win: Vec<u32>,
    nonempty: bool,
    answer: bool,
}

/// Per denominator (an index into the prover's list), `None` if no path to any stage
/// state fits it, else per stage state and head component the bounds of the rounded
/// output as indices into the format's values, lower then upper (`u16::MAX` first:
/// no path to that state fits).
struct PathTable {
    per_d: Vec<Option<Vec<u16>>>,
    width: usize,
    /// Per denominator and stage state, per direction, the interval of u·S.
    dir_per_d: Vec<Option<Vec<(f64, f64)>>>,
    dirs: usize,
    /// Per stage state: whether some path's Σ e may overflow the denominator (then the
    /// zero vector is an output).
    overflow: Vec<bool>,
    /// The stage states the table was made for (`None`: all); elsewhere it says nothing.
    scope: Option<std::rc::Rc<Vec<bool>>>,
}

/// One global head's possible outputs at a product state: boxes whose union holds them.
type Pieces = Vec<BoxOf>;

struct Prover<'m> {
    c: Compiler<'m>,
    /// The proof's budget: its deadline is checked as boxes are made and tried.
    budget: Budget,
    l: usize,
    /// Key classes of the last layer at letter positions.
    keys: Vec<u32>,
    /// Per key class (index into `keys`), the most times it can occur before a stage
    /// state (u32::MAX: without bound); one such vector per distinct one.
    seen: Vec<Vec<u32>>,
    /// What a product state knows of the classes before ⊣: (an index into `seen`, the
    /// largest score present at each global head).
    contexts: Interner<(u32, Vec<Option<Num>>)>,
    dens: Vec<(Num, Iv)>,
    /// (head, query type) → the coarse box.
    coarse: HashMap<(usize, u32), BoxOf>,
    /// (head, query type) → a box per (μ, d), and the zero vector.
    fine: HashMap<(usize, u32, u32), std::rc::Rc<Pieces>>,
    /// Every value of the format, ascending (for bisection).
    values: Vec<Num>,
    /// The rest of the layer with f64 weights, for the f64 bounds.
    rest: RestF64,
    /// (e, d) → round(e/d) as an f64 (exact: a value of the format).
    alpha: HashMap<(Num, Num), f64>,
    /// (query type, context, local heads' outputs, whether a letter was read, the
    /// answer, the boxes a try may take) → whether every point of the boxes gives that
    /// answer.
    memo: HashMap<MemoKey, bool>,
    /// The stage graph, for bounds over its paths ([`Prover::path_boxes`]).
    graph: Option<super::paths::StageGraph>,
    /// (head, query type, μ) → per denominator, the bounds over the paths to each
    /// stage state.
    path_tables: HashMap<(usize, u32, Num), std::rc::Rc<PathTable>>,
    /// The stage states the next path tables must cover (`None`: all of them): the
    /// queried states and every state on a path to them.
    path_scope: Option<std::rc::Rc<Vec<bool>>>,
    /// Per global head: the directions of [`Prover::directions`].
    dirs: HashMap<usize, Vec<Vec<f64>>>,
    boxes: usize,
    /// The most boxes one try may split into: [`BOXES_PER_STATE`], or
    /// [`BOXES_PER_UNION`] while a query type's union is tried (part of the memo's key).
    per_try: usize,
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
        let mut key = (t, seen, locals, nonempty, answer, BOXES_PER_STATE);
        // A try with more boxes answers one with fewer (it splits the same boxes in the
        // same order, further).
        if let Some(&v) = self.memo.get(&key) {
            return Ok(v);
        }
        key.5 = self.per_try;
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
            if *tried > self.per_try {
                return Ok(false);
            }
            // A single box no path reaches holds no output: nothing to decide.
            if mutation() != BoundsMutation::NoPaths
                && p.iter().enumerate().any(|(hd, sp)| {
                    let (iv, dir) = match sp {
                        Span::Range(list, lo, hi) if hi - lo == 1 => {
                            (&list[*lo].iv, &list[*lo].dir)
                        }
                        Span::One(b) => (&b.iv, &b.dir),
                        Span::Range(..) => return false,
                    };
                    self.misses(hd, iv, dir)
                })
            {
                continue;
            }
            let hulls: Vec<Vec<Iv>> = p.iter().map(Span::hull).collect();
            // In f64 first (outward), then as affine forms (which keep how the heads'
            // components enter several features at once), exactly where neither decides.
            // Both hold the logit, so their intersection does too.
            let decides = |(lo, hi): (f64, f64)| lo > 0.0 || hi <= 0.0;
            let plain = self.rest.interval(h, &hulls);
            let both = match plain.filter(|&iv| !decides(iv)) {
                Some((lo, hi)) => self
                    .rest
                    .affine(h, &hulls)
                    .map_or((lo, hi), |(a, b)| (lo.max(a), hi.min(b))),
                None => plain.unwrap_or((f64::NEG_INFINITY, f64::INFINITY)),
            };
            // The exact intervals are the f64 ones but for the outward widening, which
            // moves a bound by about a step of the format: they are computed only where a
            // bound lies within two steps of 0 (elsewhere they would seldom decide, and
            // an undecided box is split, never taken as decided).
            // So are points, whose exact interval is their exact logit (nothing is left
            // to split).
            let near = |x: f64| x.abs() <= 2.0 * self.rest.step_at(x.abs());
            let points = hulls.iter().flatten().all(|(lo, hi)| lo == hi);
            let (yes, no) = if decides(both) {
                (both.0 > 0.0, both.1 <= 0.0)
            } else if points || plain.is_none_or(|(lo, hi)| near(lo) || near(hi)) {
                let (lo, hi) = self.logit_interval(h, &hulls)?;
                (lo.signum() > 0, hi.signum() <= 0)
            } else {
                (false, false)
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
        let lin = crate::model::numeric::load::Linear {
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
            dir: std::rc::Rc::new([]),
        };
        self.coarse.insert((hd, t), b.clone());
        Ok(b)
    }

    /// A box per (μ, d) for global head `hd` at query type `t`, and the zero vector,
    /// given the most times each key class can occur (`seen`, or [`ALL`]: every class
    /// without bound).
    ///
    /// For fixed μ and d a component of the sum is Σ y_k r_k with y_k = c_k e_k,
    /// r_k = α_k v_k / e_k, 0 ≤ y_k ≤ (most c_k)·e_k and lo_d ≤ Σ y_k ≤ hi_d: a
    /// linear program with one coupling constraint, whose extremes the greedy order by
    /// r_k reaches ([`extreme`]). A (μ, d) the classes cannot fill (Σ of their largest
    /// y_k below lo_d) has no box.
    fn fine_boxes(
        &mut self,
        hd: usize,
        t: u32,
        seen: u32,
    ) -> Result<std::rc::Rc<Pieces>, NumericCompileError> {
        if let Some(p) = self.fine.get(&(hd, t, seen)) {
            return Ok(p.clone());
        }
        if seen != ALL && self.contexts.list[seen as usize].0 & PATH != 0 {
            let (b, mu) = self.contexts.list[seen as usize].clone();
            let out = std::rc::Rc::new(self.path_boxes(hd, t, (b & !PATH) as usize, &mu)?);
            self.fine.insert((hd, t, seen), out.clone());
            return Ok(out);
        }
        let model = self.c.model;
        let f = model.format;
        let l = self.l;
        let d_head = model.layers[l].heads[hd].value.w.len();
        let scores = self.c.scores(l, hd, t)?;
        // Per distinct score: each distinct value vector with the least and the most
        // times its classes occur together (f64::INFINITY: without bound). In a
        // context, the classes seen whose score is at most the largest present.
        let mut groups: std::collections::BTreeMap<Num, Group> = Default::default();
        for (i, &k) in self.keys.iter().enumerate() {
            let (least, most) = if seen == ALL {
                (0.0, f64::INFINITY)
            } else {
                let (most, mu) = &self.contexts.list[seen as usize];
                // An empty list: μ is not tracked (the plain product).
                match mu.get(hd) {
                    None if mu.is_empty() => {}
                    Some(Some(mu)) if scores[k as usize] <= *mu => {}
                    _ => continue,
                }
                match self.seen[*most as usize][i] {
                    0 => continue,
                    u32::MAX => (0.0, f64::INFINITY),
                    n => (0.0, n as f64),
                }
            };
            let v: Vec<f64> = self.c.classes[l].list[k as usize][hd]
                .1
                .iter()
                .map(Num::to_f64)
                .collect();
            let g = groups.entry(scores[k as usize].clone()).or_default();
            match g.iter_mut().find(|(w, _, _)| *w == v) {
                Some((_, a, b)) => {
                    *a += least;
                    *b += most;
                }
                None => g.push((v, least, most)),
            }
        }
        let groups: Vec<(Num, Group)> = groups.into_iter().collect();
        let mut out: Pieces = Vec::new();
        if mutation() != BoundsMutation::ForgetOverflow {
            out.push(point(&vec![Num::zero(); d_head]));
        }
        let mut items: Vec<(f64, f64, f64)> = Vec::new();
        // In a context μ is known: the largest score (a class with it is present);
        // otherwise every score in turn.
        let known_mu: Option<Num> = match seen {
            ALL => None,
            _ => self.contexts.list[seen as usize]
                .1
                .get(hd)
                .cloned()
                .flatten(),
        };
        let mus: Vec<Num> = match known_mu {
            Some(mu) => vec![mu],
            None => groups.iter().map(|(s, _)| s.clone()).collect(),
        };
        for mu in &mus {
            self.out_of_time()?;
            // e of each score ≤ μ (positive ones only: a zero weight adds nothing).
            let mut live: Vec<(Num, f64, &Group)> = Vec::new();
            for (s, g) in groups.iter().take_while(|(s, _)| s <= mu) {
                let diff = s.sub(mu).map_err(nan)?;
                let e = f.exp(&diff).map_err(nan)?;
                if e.signum() > 0 {
                    let ef = e.to_f64();
                    live.push((e, ef, g));
                }
            }
            // Every count free (no bounds known): per distinct weight, the largest and
            // the smallest value of each component, for [`extreme`]'s first case without
            // a pass over every class per denominator.
            let free = live
                .iter()
                .all(|(_, _, g)| g.iter().all(|&(_, a, b)| a == 0.0 && b == f64::INFINITY));
            let mut es: Vec<(Num, f64)> = Vec::new();
            let free: Option<Vec<(Vec<f64>, Vec<f64>)>> = free.then(|| {
                let mut spans: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
                for (e, ef, g) in &live {
                    let j = match es.iter().position(|(x, _)| x == e) {
                        Some(j) => j,
                        None => {
                            es.push((e.clone(), *ef));
                            spans.push((
                                vec![f64::NEG_INFINITY; d_head],
                                vec![f64::INFINITY; d_head],
                            ));
                            es.len() - 1
                        }
                    };
                    let (top, bottom) = &mut spans[j];
                    for (v, _, _) in g.iter() {
                        for ((t, b), &x) in top.iter_mut().zip(bottom.iter_mut()).zip(v) {
                            *t = t.max(x);
                            *b = b.min(x);
                        }
                    }
                }
                spans
            });
            if free.is_none() {
                es = live.iter().map(|(e, ef, _)| (e.clone(), *ef)).collect();
            }
            // e_μ = round(exp(0)), whether or not a class of score μ is among the groups.
            let e_mu = f.exp(&Num::zero()).map_err(nan)?;
            // The most Σ y_k can be (exact in f64 for any count a budget allows, and
            // compared with a margin anyway).
            let room: f64 = live
                .iter()
                .map(|(_, ef, g)| g.iter().map(|(_, _, n)| ef * n).sum::<f64>())
                .sum();
            for (d, (lo_d, hi_d)) in &self.dens {
                // D ≥ e_μ: a class with the largest score is present.
                if hi_d < &e_mu {
                    continue;
                }
                // In f64, whose every value here (a format's values and midpoints) is
                // exact; the roundings of α/e·v, of the products and of the sums are
                // covered by widening each bound outward by far more than their error.
                let (lo_x, hi_x) = (lo_d.to_f64(), hi_d.to_f64());
                if room * (1.0 + 1e-9) < lo_x {
                    continue;
                }
                let ratios: Vec<f64> = es
                    .iter()
                    .map(|(e, ef)| {
                        let a = self.alpha.entry((e.clone(), d.clone())).or_insert_with(|| {
                            crate::model::numeric::exec::divide(&f, e, d).to_f64()
                        });
                        *a / ef
                    })
                    .collect();
                let mut iv = Vec::with_capacity(d_head);
                for i in 0..d_head {
                    let (upper, lower) = if let Some(spans) = &free {
                        // Every count free: the extremes of α/e·v over the classes are
                        // those over the weights' spans ([`extreme`]'s first case).
                        let (mut top, mut bottom) = (f64::NEG_INFINITY, f64::INFINITY);
                        for (ra, (vmax, vmin)) in ratios.iter().zip(spans) {
                            top = top.max(ra * vmax[i]);
                            bottom = bottom.min(ra * vmin[i]);
                        }
                        (
                            unbounded_extreme(top, lo_x, hi_x, true),
                            unbounded_extreme(bottom, lo_x, hi_x, false),
                        )
                    } else {
                        items.clear();
                        for ((_, ef, g), ra) in live.iter().zip(&ratios) {
                            for (v, a, b) in g.iter() {
                                items.push((ra * v[i], ef * a, ef * b));
                            }
                        }
                        (
                            extreme(&mut items, lo_x, hi_x, true),
                            extreme(&mut items, lo_x, hi_x, false),
                        )
                    };
                    let (Some(lower), Some(upper)) = (Num::from_f64(lower), Num::from_f64(upper))
                    else {
                        // Every value of the format (a fixed format reaches −2^int,
                        // one step below −max_finite).
                        iv.push((
                            self.values[0].clone(),
                            self.values[self.values.len() - 1].clone(),
                        ));
                        continue;
                    };
                    iv.push((f.round(&lower).map_err(nan)?, f.round(&upper).map_err(nan)?));
                }
                out.push(BoxOf {
                    iv,
                    coarse: false,
                    dir: std::rc::Rc::new([]),
                });
            }
        }
        let out = std::rc::Rc::new(maximal(out));
        self.fine.insert((hd, t, seen), out.clone());
        Ok(out)
    }

    /// Directions u along which head `hd`'s output moves the logit: the classifier
    /// through the output map, and through the output map and the feed-forward block
    /// with every ReLU active. (Any u is sound for [`Prover::misses`]; these make the
    /// cuts useful.)
    fn directions(&mut self, hd: usize) -> Vec<Vec<f64>> {
        if let Some(d) = self.dirs.get(&hd) {
            return d.clone();
        }
        let model = self.c.model;
        let layer = &model.layers[self.l];
        let off: usize = layer.heads[..hd].iter().map(|h| h.value.w.len()).sum();
        let w = layer.heads[hd].value.w.len();
        let cls: Vec<f64> = model.classifier.iter().map(Num::to_f64).collect();
        let mut gs = vec![cls.clone()];
        if let Some((up, down)) = &layer.ffn {
            let hidden = up.w.len();
            let t: Vec<f64> = (0..hidden)
                .map(|j| {
                    down.w
                        .iter()
                        .zip(&cls)
                        .map(|(row, c)| c * row[j].to_f64())
                        .sum()
                })
                .collect();
            let g: Vec<f64> = (0..cls.len())
                .map(|col| {
                    cls[col]
                        + up.w
                            .iter()
                            .zip(&t)
                            .map(|(row, tj)| tj * row[col].to_f64())
                            .sum::<f64>()
                })
                .collect();
            gs.push(g);
        }
        let out = layer
            .out
            .as_ref()
            .expect("checked: the last layer has an output map");
        let dirs: Vec<Vec<f64>> = gs
            .iter()
            .map(|g| {
                (0..w)
                    .map(|i| {
                        out.w
                            .iter()
                            .zip(g)
                            .map(|(row, gr)| gr * row[off + i].to_f64())
                            .sum()
                    })
                    .collect()
            })
            .collect();
        self.dirs.insert(hd, dirs.clone());
        dirs
    }

    /// Whether the box `iv` (with its paths' intervals `dir`) of head `hd` holds no output a path reaches: along some
    /// direction u, every S that rounds into the box has u·S outside the paths'
    /// interval. A rounded value is within one gap between the format's values around
    /// it of S; at the format's ends (saturation) nothing is cut.
    fn misses(&self, hd: usize, iv: &[Iv], dir: &[(f64, f64)]) -> bool {
        if dir.is_empty() {
            return false;
        }
        let Some(us) = self.dirs.get(&hd) else {
            return false;
        };
        let top = self.c.model.format.max_finite();
        let gap = |x: &Num| -> f64 {
            match self.values.binary_search(x) {
                Ok(i) => {
                    let up = self.values.get(i + 1).map(|v| v.to_f64() - x.to_f64());
                    let down = i
                        .checked_sub(1)
                        .map(|j| x.to_f64() - self.values[j].to_f64());
                    up.unwrap_or(0.0).max(down.unwrap_or(0.0))
                }
                Err(_) => f64::INFINITY,
            }
        };
        for (u, &(dlo, dhi)) in us.iter().zip(dir) {
            let (mut lo, mut hi, mut mag) = (0.0f64, 0.0f64, 0.0f64);
            let mut open = false;
            for (ui, (a, b)) in u.iter().zip(iv) {
                if *a <= top.neg() || *b >= top {
                    open = true;
                    break;
                }
                let g = gap(a).max(gap(b));
                let (a, b) = (a.to_f64() - g, b.to_f64() + g);
                let (x, y) = times(*ui, a, b);
                lo += x;
                hi += y;
                mag += x.abs().max(y.abs());
            }
            if open || !lo.is_finite() || !hi.is_finite() {
                continue;
            }
            let err = mag * 2f64.powi(-40) + 1e-300;
            if hi + err < dlo || lo - err > dhi {
                return true;
            }
        }
        false
    }

    /// The boxes of global head `hd` at query type `t` over the paths of the stage
    /// graph to stage state `b`, with the largest score present `mu[hd]` (known: the
    /// refined product's context). One box per denominator some path fits, and the
    /// zero vector.
    fn path_boxes(
        &mut self,
        hd: usize,
        t: u32,
        b: usize,
        mu: &[Option<Num>],
    ) -> Result<Pieces, NumericCompileError> {
        let d_head = self.c.model.layers[self.l].heads[hd].value.w.len();
        let Some(Some(mu)) = mu.get(hd) else {
            // μ unknown here: the per-class counts' boxes.
            return Ok(self.fine_boxes(hd, t, ALL)?.as_ref().clone());
        };
        let mut table = self.path_table(hd, t, mu)?;
        if table.scope.as_ref().is_some_and(|s| !s[b]) {
            // Made for other states: made again for all (never met when the queries
            // come by group).
            self.path_tables.clear();
            let scope = self.path_scope.take();
            let fresh = self.path_table(hd, t, mu);
            self.path_scope = scope;
            table = fresh?;
        }
        let mut out: Pieces = Vec::new();
        // The zero vector of an overflowing denominator, where a path's Σ e can reach
        // past the largest finite denominator.
        if table.overflow[b] && mutation() != BoundsMutation::ForgetOverflow {
            out.push(point(&vec![Num::zero(); d_head]));
        }
        let w = table.width;
        let nd = table.dirs;
        for (per, dir) in table.per_d.iter().zip(&table.dir_per_d) {
            let (Some(per), Some(dir)) = (per, dir) else {
                continue;
            };
            let at = &per[b * 2 * w..(b + 1) * 2 * w];
            if at[0] == u16::MAX {
                continue;
            }
            let cut: std::rc::Rc<[(f64, f64)]> = dir[b * nd..(b + 1) * nd].into();
            let iv = (0..w)
                .map(|i| {
                    (
                        self.values[at[2 * i] as usize].clone(),
                        self.values[at[2 * i + 1] as usize].clone(),
                    )
                })
                .collect();
            out.push(BoxOf {
                iv,
                coarse: false,
                dir: cut,
            });
        }
        // No box at all: not expected (μ known means a letter was read, and some d or
        // the overflow holds every Σ e); the list must not be empty, and the zero
        // vector keeps the prover going without claiming anything new.
        if out.is_empty() {
            out.push(point(&vec![Num::zero(); d_head]));
        }
        Ok(maximal(out))
    }

    /// [`Prover::path_boxes`]' bounds at every stage state at once (module
    /// [`super::paths`]): per denominator d, the states some path fits (its Σ e within
    /// [lo_d, hi_d], by the longest and shortest Σ e), and per component the least of
    /// the Lagrangian bounds over a few multipliers λ.
    fn path_table(
        &mut self,
        hd: usize,
        t: u32,
        mu: &Num,
    ) -> Result<std::rc::Rc<PathTable>, NumericCompileError> {
        if let Some(p) = self.path_tables.get(&(hd, t, mu.clone())) {
            return Ok(p.clone());
        }
        // Tables are large (states × denominators × components): keep a few.
        if self.path_tables.len() >= 8 {
            self.path_tables.clear();
        }
        let model = self.c.model;
        let f = model.format;
        let l = self.l;
        let w = model.layers[l].heads[hd].value.w.len();
        let scores = self.c.scores(l, hd, t)?;
        let nk = self.keys.len();
        // Per key: present (score ≤ μ), e (exact and f64), the value vector.
        let mut present = vec![false; nk];
        let mut e_num: Vec<Num> = vec![Num::zero(); nk];
        let mut e_f = vec![0.0f64; nk];
        let mut v_f: Vec<Vec<f64>> = Vec::with_capacity(nk);
        for (i, &k) in self.keys.iter().enumerate() {
            let s = &scores[k as usize];
            v_f.push(
                self.c.classes[l].list[k as usize][hd]
                    .1
                    .iter()
                    .map(Num::to_f64)
                    .collect(),
            );
            if s > mu {
                continue;
            }
            present[i] = true;
            let e = f.exp(&s.sub(mu).map_err(nan)?).map_err(nan)?;
            e_f[i] = e.to_f64();
            e_num[i] = e;
        }
        let e_mu = f.exp(&Num::zero()).map_err(nan)?;
        let dirs = self.directions(hd);
        let scope = self.path_scope.clone();
        let g = self
            .graph
            .as_ref()
            .expect("the stage graph is made before path contexts");
        let n = g.states();
        // (The test mutation takes every weight in a cycle as exactly 0.)
        let zero: Vec<bool> = e_f
            .iter()
            .map(|&e| e == 0.0 || mutation() == BoundsMutation::PathsIgnoreCycles)
            .collect();
        // The least and the most Σ e over the paths to each state (lanes 0 and 1).
        let mut wt = vec![0.0; nk * 2];
        for i in 0..nk {
            wt[2 * i] = -e_f[i];
            wt[2 * i + 1] = e_f[i];
        }
        let tol: Vec<f64> = wt.iter().map(|x| x.abs() * 2f64.powi(-50)).collect();
        let mut sums = Vec::new();
        g.longest(&wt, &tol, &zero, &present, 2, None, &mut sums);
        // One buffer for every denominator's pass (states × lanes f64s: hundreds of MB on
        // the largest stages).
        let mut dist = Vec::new();
        let emax = e_f.iter().cloned().fold(0.0, f64::max);
        // Paths have at most n edges outside cycles of weight ≤ 0: each f64 sum is off
        // by far less than this.
        let slack = |mag: f64| (n as f64 + 2.0).powi(2) * mag * 2f64.powi(-50) + 1e-300;
        let sum_slack = slack(emax);
        let mut per_d: Vec<Option<Vec<u16>>> = Vec::with_capacity(self.dens.len());
        let dens = self.dens.clone();
        let lanes_per = super::paths::LAMBDA_COUNT;
        let nd = dirs.len();
        // Lanes: per component, then per direction, both ways, each λ.
        let rows = w + nd;
        let lanes = rows * 2 * lanes_per;
        let mut dir_per_d: Vec<Option<Vec<(f64, f64)>>> = Vec::with_capacity(self.dens.len());
        for (d, (lo_d, hi_d)) in &dens {
            self.out_of_time()?;
            // D ≥ e_μ: a class with the largest score is present.
            if hi_d < &e_mu {
                per_d.push(None);
                dir_per_d.push(None);
                continue;
            }
            let (lo_x, hi_x) = (lo_d.to_f64(), hi_d.to_f64());
            let fits: Vec<bool> = (0..n)
                .map(|b| {
                    let least = -sums[2 * b];
                    let most = sums[2 * b + 1];
                    scope.as_ref().is_none_or(|s| s[b])
                        && most > f64::NEG_INFINITY
                        && least <= hi_x + sum_slack
                        && most >= lo_x - sum_slack
                })
                .collect();
            if !fits.iter().any(|&x| x) {
                per_d.push(None);
                dir_per_d.push(None);
                continue;
            }
            // r = α v per key and component.
            let mut alpha = vec![0.0f64; nk];
            for i in 0..nk {
                if present[i] && !zero[i] {
                    let key = (e_num[i].clone(), d.clone());
                    alpha[i] = *self.alpha.entry(key).or_insert_with(|| {
                        crate::model::numeric::exec::divide(&f, &e_num[i], d).to_f64()
                    });
                }
            }
            // Lanes: component c, direction s (0: max, 1: min as max of −r), λ.
            // r per key and row: α·v_c for a component, α·(u·v) for a direction.
            let r_of = |i: usize, c: usize| -> f64 {
                if c < w {
                    alpha[i] * v_f[i][c]
                } else {
                    alpha[i]
                        * dirs[c - w]
                            .iter()
                            .zip(&v_f[i])
                            .map(|(u, v)| u * v)
                            .sum::<f64>()
                }
            };
            let mut lams = vec![0.0f64; lanes];
            for c in 0..rows {
                for s in 0..2 {
                    let sign = if s == 0 { 1.0 } else { -1.0 };
                    let mut ratios: Vec<f64> = (0..nk)
                        .filter(|&i| present[i] && !zero[i])
                        .map(|i| sign * r_of(i, c) / e_f[i])
                        .collect();
                    let ls = super::paths::lambdas(&mut ratios);
                    let at = (c * 2 + s) * lanes_per;
                    lams[at..at + lanes_per].copy_from_slice(&ls);
                }
            }
            let mut weight = vec![0.0f64; nk * lanes];
            let mut tolw = vec![0.0f64; nk * lanes];
            let mut mag: f64 = 0.0;
            for i in 0..nk {
                if !present[i] {
                    continue;
                }
                for c in 0..rows {
                    let r = r_of(i, c);
                    // A direction's r is a dot product: its own f64 error, which the
                    // computed |r| does not cover when u·v cancels.
                    let dot_err = if c < w {
                        0.0
                    } else {
                        alpha[i]
                            * (w as f64 + 2.0)
                            * 2f64.powi(-52)
                            * dirs[c - w]
                                .iter()
                                .zip(&v_f[i])
                                .map(|(u, v)| (u * v).abs())
                                .sum::<f64>()
                    };
                    for s in 0..2 {
                        let sign = if s == 0 { 1.0 } else { -1.0 };
                        for j in 0..lanes_per {
                            let lane = (c * 2 + s) * lanes_per + j;
                            let a = sign * r;
                            let b = lams[lane] * e_f[i];
                            weight[i * lanes + lane] = a - b;
                            tolw[i * lanes + lane] =
                                (a.abs() + b.abs()) * 2f64.powi(-50) + 2.0 * dot_err;
                            mag = mag.max(a.abs() + b.abs() + 2.0 * dot_err);
                        }
                    }
                }
            }
            // Σ e only grows along a path (every e ≥ 0), so a path whose sum ends within
            // [lo_d, hi_d] passes only states some path reaches with Σ e ≤ hi_d: the
            // others are left out of the pass (fewer states, and tighter bounds).
            // And outside the scope: states on no path to a state asked about.
            let active: Vec<bool> = (0..n)
                .map(|b| -sums[2 * b] <= hi_x + sum_slack && scope.as_ref().is_none_or(|s| s[b]))
                .collect();
            g.longest(
                &weight,
                &tolw,
                &zero,
                &present,
                lanes,
                Some(&active),
                &mut dist,
            );
            let path_slack = slack(mag);
            let mut per = vec![u16::MAX; n * 2 * w];
            // A rounded value is a value of the format; were it not, the neighbour
            // outward keeps the bound sound.
            let last = self.values.len() - 1;
            let index = |x: &Num, hi: bool| -> u16 {
                match self.values.binary_search(x) {
                    Ok(i) => i as u16,
                    Err(i) if hi => i.min(last) as u16,
                    Err(i) => i.saturating_sub(1) as u16,
                }
            };
            // The least Lagrangian bound of row c, direction s (0: the most, 1: minus
            // the least) at state b.
            let best_of = |b: usize, c: usize, s: usize| -> f64 {
                let mut best = f64::INFINITY;
                for j in 0..lanes_per {
                    let lane = (c * 2 + s) * lanes_per + j;
                    let lam = lams[lane];
                    // A state some path fits is reached through active states, so no
                    // lane is −∞ there; were one, it is taken as unbounded, never as
                    // "no path" (which would drop the box).
                    let dv = match dist[b * lanes + lane] {
                        f64::NEG_INFINITY => f64::INFINITY,
                        dv => dv,
                    };
                    let term = if lam >= 0.0 { lam * hi_x } else { lam * lo_x };
                    let bound = dv + term + path_slack + term.abs() * 2f64.powi(-50);
                    if bound < best {
                        best = bound;
                    }
                }
                best
            };
            let mut cuts = vec![(f64::NEG_INFINITY, f64::INFINITY); n * nd];
            for b in 0..n {
                if !fits[b] {
                    continue;
                }
                for k in 0..nd {
                    cuts[b * nd + k] = (-best_of(b, w + k, 1), best_of(b, w + k, 0));
                }
                for c in 0..w {
                    let (upper, lower) = (best_of(b, c, 0), -best_of(b, c, 1));
                    let round = |x: f64, hi: bool| -> Result<Num, NumericCompileError> {
                        match Num::from_f64(x) {
                            Some(v) if x.is_finite() => Ok(f.round(&v).map_err(nan)?),
                            // Unbounded: the format's extreme values (a fixed format
                            // reaches −2^int, one step below −max_finite).
                            _ if hi => Ok(self.values[self.values.len() - 1].clone()),
                            _ => Ok(self.values[0].clone()),
                        }
                    };
                    let (lo_v, hi_v) = (round(lower, false)?, round(upper, true)?);
                    // A fitting state whose bounds cross holds no path after all; keep
                    // the box sound anyway (an empty box would be skipped).
                    let (lo_v, hi_v) = if lo_v <= hi_v {
                        (lo_v, hi_v)
                    } else {
                        (hi_v.clone(), hi_v)
                    };
                    per[(b * w + c) * 2] = index(&lo_v, false);
                    per[(b * w + c) * 2 + 1] = index(&hi_v, true);
                }
            }
            per_d.push(Some(per));
            dir_per_d.push(Some(cuts));
        }
        // A Σ e at most the largest finite denominator rounds to a finite one (rounding
        // is monotone); past it, it may overflow.
        let past = dens.last().map_or(0.0, |(d, _)| d.to_f64());
        let overflow = (0..n)
            .map(|b| sums[2 * b + 1] + sum_slack >= past)
            .collect();
        let table = std::rc::Rc::new(PathTable {
            per_d,
            width: w,
            dir_per_d,
            dirs: nd,
            overflow,
            scope,
        });
        self.path_tables.insert((hd, t, mu.clone()), table.clone());
        Ok(table)
    }
}

/// The largest (`max`) or smallest Σ y_k r_k over a_k ≤ y_k ≤ b_k, lo ≤ Σ y_k ≤ hi,
/// for `items` (r_k, a_k, b_k), widened outward by more than the f64 error: start from
/// every y_k = a_k, then raise the items in order of r_k (largest first for the
/// maximum) while they add to the objective, up to hi, and further ones only as far as
/// lo requires. (The caller has checked that Σ a_k ≤ hi and Σ b_k ≥ lo, up to
/// rounding.)
/// One linear map with its weights as f64 (exact: values of the format).
struct LinF64 {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl LinF64 {
    fn of(lin: &crate::model::numeric::load::Linear) -> LinF64 {
        LinF64 {
            w: lin
                .w
                .iter()
                .map(|r| r.iter().map(Num::to_f64).collect())
                .collect(),
            b: lin.b.iter().map(Num::to_f64).collect(),
        }
    }
}

/// The rest of a model's last layer (output map, residual, feed-forward block) and the
/// classifier, with the weights and the format's values as f64, made once per proof:
/// the f64 bounds of a box ([`RestF64::interval`], [`RestF64::affine`]) then convert
/// nothing but the box.
#[doc(hidden)]
pub struct RestF64 {
    out: Option<LinF64>,
    ffn: Option<(LinF64, LinF64)>,
    classifier: LinF64,
    format: Format,
    /// Every value of the format, ascending.
    values: Vec<f64>,
    min_positive: f64,
}

impl RestF64 {
    /// For layer `l` of `model`; `None` when it has a norm, the format has infinities,
    /// or the format's values are too many to list.
    pub fn new(model: &NumericModel, l: usize) -> Option<RestF64> {
        let layer = model.layers.get(l)?;
        let f = model.format;
        let values: Vec<f64> = f
            .values()
            .filter(|v| (2..=1 << 12).contains(&v.len()))?
            .iter()
            .map(Num::to_f64)
            .collect();
        // round_out's neighbours of a value past the largest finite one would be that
        // value and +∞, and rounding to nearest could take the finite one where the
        // format gives ∞ (prove_by_bounds refuses these formats before it gets here).
        if layer.norm.is_some() || f.overflow == Overflow::Inf {
            return None;
        }
        Some(RestF64 {
            out: layer.out.as_ref().map(LinF64::of),
            ffn: layer
                .ffn
                .as_ref()
                .map(|(u, d)| (LinF64::of(u), LinF64::of(d))),
            classifier: LinF64 {
                w: vec![model.classifier.iter().map(Num::to_f64).collect()],
                b: vec![model.classifier_bias.to_f64()],
            },
            format: f,
            values,
            min_positive: f.min_positive().to_f64(),
        })
    }

    /// A value of the format at most (`up`: at least) what the format's rounding makes
    /// of every real beyond `x` (≥ `x` for the lower bound, ≤ for the upper): rounding
    /// goes to one of the two values around `x` and is monotone, so the nearer one is
    /// taken where the mode is nearest and no tie or flush to 0 can choose the other,
    /// the outer one otherwise; beyond the range, the format's own rounding.
    fn round_out(&self, x: f64, up: bool) -> Option<f64> {
        if x.is_nan() {
            return None;
        }
        let v = &self.values;
        let i = v.partition_point(|&y| y <= x);
        if i == 0 || i == v.len() {
            // Beyond the range: the format's own rounding (which end it saturates to,
            // −2^int or −max_finite for a fixed format, is its rule, not this one's).
            return Some(self.format.round(&Num::from_f64(x)?).ok()?.to_f64());
        }
        let (a, b) = (v[i - 1], v[i]);
        if a == x {
            return Some(a);
        }
        let nearest = self.format.rounding == Rounding::NearestEven && a != 0.0 && b != 0.0;
        Some(match (nearest, up) {
            (true, false) if b - x < x - a => b,
            (true, true) if x - a < b - x => a,
            (_, false) => a,
            (_, true) => b,
        })
    }

    /// The gap between the two values of the format around `m` ≥ 0 (the last gap past
    /// the largest value), and at least the smallest positive value.
    fn step_at(&self, m: f64) -> f64 {
        let v = &self.values;
        let i = v.partition_point(|&x| x <= m).clamp(1, v.len() - 1);
        (v[i] - v[i - 1]).max(self.min_positive)
    }

    /// The interval of the classifier's logit when the heads' outputs range over
    /// `heads` and the layer input is `h`, in interval arithmetic in f64, each bound
    /// widened outward before it is rounded into the format (rounding is monotone, so
    /// the result holds the exact interval): every operand is a value of the format
    /// (whose range [`prove_by_bounds`] keeps far inside f64's normal numbers), exact in
    /// f64, and each sum of n products is off by at most (n + 1)·2^-53 of the sum of
    /// their magnitudes, below the (n + 2)·2^-50 of it added. `None` if a bound is not
    /// finite.
    pub fn interval(&self, h: &[Num], heads: &[Vec<(Num, Num)>]) -> Option<(f64, f64)> {
        let round = |x: f64, up: bool| self.round_out(x, up);
        let linear = |lin: &LinF64, x: &[(f64, f64)]| -> Option<Vec<(f64, f64)>> {
            let mut out = Vec::with_capacity(lin.w.len());
            for (row, &b) in lin.w.iter().zip(&lin.b) {
                let (mut lo, mut hi, mut mag) = (b, b, b.abs());
                for (&w, &(xl, xh)) in row.iter().zip(x) {
                    let (a, z) = times(w, xl, xh);
                    lo += a;
                    hi += z;
                    mag += a.abs().max(z.abs());
                }
                // n + 1 roundings, each within 2^-53 of `mag`.
                let err = mag * (row.len() as f64 + 2.0) * 2f64.powi(-50) + f64::MIN_POSITIVE;
                out.push((round(lo - err, false)?, round(hi + err, true)?));
            }
            Some(out)
        };
        let add = |x: &[(f64, f64)], y: &[(f64, f64)]| -> Option<Vec<(f64, f64)>> {
            x.iter()
                .zip(y)
                .map(|(&(a, b), &(c, d))| {
                    let err =
                        |u: f64, v: f64| (u.abs() + v.abs()) * 2f64.powi(-40) + f64::MIN_POSITIVE;
                    Some((
                        round(a + c - err(a, c), false)?,
                        round(b + d + err(b, d), true)?,
                    ))
                })
                .collect()
        };
        let concat: Vec<(f64, f64)> = heads
            .iter()
            .flatten()
            .map(|(a, b)| (a.to_f64(), b.to_f64()))
            .collect();
        let mut x: Vec<(f64, f64)> = h.iter().map(|v| (v.to_f64(), v.to_f64())).collect();
        if let Some(out) = &self.out {
            let a = linear(out, &concat)?;
            x = add(&x, &a)?;
        }
        if let Some((up, down)) = &self.ffn {
            let u: Vec<(f64, f64)> = linear(up, &x)?
                .into_iter()
                .map(|(a, b)| (a.max(0.0), b.max(0.0)))
                .collect();
            let dn = linear(down, &u)?;
            x = add(&x, &dn)?;
        }
        let out = linear(&self.classifier, &x)?;
        out.into_iter()
            .next()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
    }

    /// The classifier's logit over the boxes `heads` (each head's output, per component)
    /// when the layer input is `h`, as an affine form in them
    /// (grammar/numeric.md, "Proofs by bounds"): every quantity of the rest of the layer
    /// is `c + Σ a_i ε_i ± err` with each ε_i in [−1, 1], one per head component (the
    /// box's half-width) and one per ReLU that the box may cut (its parallelogram
    /// bound: for x in [lo, hi], relu(x) lies in λx + μ ± μ with λ = hi/(hi − lo),
    /// μ = −λ·lo/2). A rounding toward zero adds at most the gap between the two values
    /// of the format around the range's largest magnitude (at least the smallest
    /// positive value), one to nearest half of it; a value whose whole range rounds to
    /// one value is that constant, and where a value may leave the finite range, the
    /// rounded interval (rounding is monotone) becomes a fresh ε; the logit's own
    /// rounding rounds its bounds (grammar/numeric.md, "Proofs by bounds"). Each f64
    /// sum adds 2^-40 of its magnitude. Plain intervals forget that one head component
    /// enters every feature of the feed-forward block at once: on trained models whose
    /// logit is −16 at every sampled point of a box, the intervals give [−16, 15.9].
    /// `None` if a bound is not finite. Public for the tests that check it against the
    /// executor.
    pub fn affine(&self, h: &[Num], heads: &[Vec<(Num, Num)>]) -> Option<(f64, f64)> {
        #[derive(Clone)]
        struct Aff {
            c: f64,
            a: Vec<f64>,
            err: f64,
        }
        impl Aff {
            fn range(&self) -> (f64, f64) {
                let r = self.a.iter().map(|x| x.abs()).sum::<f64>() + self.err;
                let slack = (self.c.abs() + r) * 2f64.powi(-40);
                (self.c - r - slack, self.c + r + slack)
            }
        }
        let f = self.format;
        let (&first, &last) = (self.values.first()?, self.values.last()?);
        let concat: Vec<(f64, f64)> = heads
            .iter()
            .flatten()
            .map(|(a, b)| (a.to_f64(), b.to_f64()))
            .collect();
        // Symbols: the head components, then one per ReLU cut and per value that may
        // leave the range (at most one per feature computed, so a bound of them all).
        let mut symbols = concat.len();
        let grow = |x: &mut Aff, n: usize| x.a.resize(n, 0.0);
        let nearest = self.format.rounding == Rounding::NearestEven;
        let round_rows = |v: Vec<Aff>, symbols: &mut usize| -> Option<Vec<Aff>> {
            let mut out = Vec::with_capacity(v.len());
            for mut x in v {
                let (lo, hi) = x.range();
                if !lo.is_finite() || !hi.is_finite() {
                    return None;
                }
                if lo > first && hi < last {
                    // Rounding is monotone: where every real of the range rounds to
                    // one value, the rounded quantity is that constant, exactly.
                    let (rl, rh) = (self.round_out(lo, false)?, self.round_out(hi, true)?);
                    if rl == rh && mutation() != BoundsMutation::AffineNoRounding {
                        x = Aff {
                            c: rl,
                            a: vec![0.0; *symbols],
                            err: 0.0,
                        };
                    } else if mutation() != BoundsMutation::AffineNoRounding {
                        // Every real in [lo, hi] lies between two neighbouring values
                        // at most `step` apart: the grid's gaps grow with the magnitude,
                        // but for the gap [0, 2^emin] of a float without subnormals,
                        // which `step_at`'s floor (the smallest positive value) covers.
                        // To nearest it moves by at most half that gap (such a float
                        // rounds below its smallest normal to it or to 0, whichever is
                        // nearer), toward zero by less than the gap.
                        let step = self.step_at(lo.abs().max(hi.abs()));
                        let half = if mutation() == BoundsMutation::AffineQuarterStep {
                            step / 4.0
                        } else {
                            step / 2.0
                        };
                        x.err += if nearest { half } else { step };
                    }
                } else {
                    let r = |y: f64| Some(f.round(&Num::from_f64(y)?).ok()?.to_f64());
                    let (rl, rh) = (r(lo)?, r(hi)?);
                    x = Aff {
                        c: (rl + rh) / 2.0,
                        a: vec![0.0; *symbols + 1],
                        err: 0.0,
                    };
                    x.a[*symbols] = (rh - rl) / 2.0;
                    *symbols += 1;
                }
                out.push(x);
            }
            Some(out)
        };
        let linear = |lin: &LinF64, x: &[Aff], symbols: usize| -> Vec<Aff> {
            lin.w
                .iter()
                .zip(&lin.b)
                .map(|(row, b)| {
                    let mut y = Aff {
                        c: *b,
                        a: vec![0.0; symbols],
                        err: 0.0,
                    };
                    let mut mag = y.c.abs();
                    for (&w, xi) in row.iter().zip(x) {
                        y.c += w * xi.c;
                        mag += (w * xi.c).abs();
                        for (ya, xa) in y.a.iter_mut().zip(&xi.a) {
                            *ya += w * xa;
                            mag += (w * xa).abs();
                        }
                        y.err += w.abs() * xi.err;
                    }
                    y.err += mag * 2f64.powi(-40);
                    y
                })
                .collect()
        };
        let add = |x: &[Aff], y: &[Aff], symbols: usize| -> Vec<Aff> {
            x.iter()
                .zip(y)
                .map(|(p, q)| {
                    let mut s = p.clone();
                    grow(&mut s, symbols);
                    s.c += q.c;
                    let mut mag = p.c.abs() + q.c.abs();
                    for (sa, qa) in s.a.iter_mut().zip(&q.a) {
                        mag += sa.abs() + qa.abs();
                        *sa += qa;
                    }
                    s.err += q.err + mag * 2f64.powi(-40);
                    s
                })
                .collect()
        };
        let inputs: Vec<Aff> = concat
            .iter()
            .enumerate()
            .map(|(i, &(lo, hi))| {
                let mut a = vec![0.0; concat.len()];
                a[i] = (hi - lo) / 2.0;
                Aff {
                    c: (lo + hi) / 2.0,
                    a,
                    err: 0.0,
                }
            })
            .collect();
        let mut x: Vec<Aff> = h
            .iter()
            .map(|v| Aff {
                c: v.to_f64(),
                a: vec![0.0; symbols],
                err: 0.0,
            })
            .collect();
        if let Some(out) = &self.out {
            let a = round_rows(linear(out, &inputs, symbols), &mut symbols)?;
            let s = add(&x, &a, symbols);
            x = round_rows(s, &mut symbols)?;
        }
        if let Some((up, down)) = &self.ffn {
            x.iter_mut().for_each(|v| grow(v, symbols));
            let u = round_rows(linear(up, &x, symbols), &mut symbols)?;
            let mut cut = Vec::with_capacity(u.len());
            for mut v in u {
                let (lo, hi) = v.range();
                if lo >= 0.0 {
                } else if hi <= 0.0 {
                    v = Aff {
                        c: 0.0,
                        a: Vec::new(),
                        err: 0.0,
                    };
                } else {
                    let lambda = hi / (hi - lo);
                    let mu = -lambda * lo / 2.0;
                    v.c = lambda * v.c + mu;
                    v.a.iter_mut().for_each(|a| *a *= lambda);
                    v.err *= lambda;
                    grow(&mut v, symbols + 1);
                    v.a[symbols] = mu;
                    symbols += 1;
                }
                cut.push(v);
            }
            cut.iter_mut().for_each(|v| grow(v, symbols));
            let dn = round_rows(linear(down, &cut, symbols), &mut symbols)?;
            let s = add(&x, &dn, symbols);
            x = round_rows(s, &mut symbols)?;
        }
        x.iter_mut().for_each(|v| grow(v, symbols));
        // The logit's own rounding is monotone: the bounds of the exact sum, rounded.
        let z = linear(&self.classifier, &x, symbols);
        let (lo, hi) = z.first()?.range();
        if mutation() == BoundsMutation::AffineLogitUnrounded {
            return Some((lo, hi));
        }
        Some((self.round_out(lo, false)?, self.round_out(hi, true)?))
            .filter(|(a, b)| a.is_finite() && b.is_finite())
    }
}

/// [`extreme`] when every item is free and unbounded: all of Σ y on the best ratio `r`
/// (the largest for `max`, else the smallest; ±∞ for no item), `hi` of it if that adds,
/// else `lo`.
fn unbounded_extreme(r: f64, lo: f64, hi: f64, max: bool) -> f64 {
    let sign = if max { 1.0 } else { -1.0 };
    let best = sign * r;
    if best == f64::NEG_INFINITY {
        return 0.0;
    }
    let value = best * if best > 0.0 { hi } else { lo };
    sign * (value + value.abs() * 2f64.powi(-48) + 1e-30)
}

fn extreme(items: &mut [(f64, f64, f64)], lo: f64, hi: f64, max: bool) -> f64 {
    let sign = if max { 1.0 } else { -1.0 };
    // Every item free and unbounded (no counts known).
    if items
        .iter()
        .all(|&(_, a, b)| a == 0.0 && b == f64::INFINITY)
    {
        let fold = if max { f64::max } else { f64::min };
        let start = if max {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        let r = items.iter().map(|&(r, _, _)| r).fold(start, fold);
        return unbounded_extreme(r, lo, hi, max);
    }
    items.sort_unstable_by(|a, b| (sign * b.0).total_cmp(&(sign * a.0)));
    let (mut total, mut value, mut mag, mut rmax) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for &(r, a, _) in items.iter() {
        let r = sign * r;
        total += a;
        value += a * r;
        mag += (a * r).abs();
        rmax = rmax.max(r.abs());
    }
    for &(r, a, b) in items.iter() {
        let r = sign * r;
        if b <= a {
            continue;
        }
        let limit = if r > 0.0 { hi } else { lo };
        let take = (b - a).min(limit - total);
        if take <= 0.0 {
            if r > 0.0 {
                continue;
            }
            break;
        }
        total += take;
        value += take * r;
        mag += (take * r).abs();
    }
    let n = items.len() as f64;
    let widen = (mag + rmax * hi) * (n + 4.0) * 2f64.powi(-48) + 1e-30;
    sign * (value + widen)
}

fn nan(e: crate::model::numeric::number::NanError) -> ExecError {
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
        dir: std::rc::Rc::new([]),
    }
}

/// The boxes of `boxes` that no other one holds (the union is the same): of equal
/// boxes one is kept. A box B holds A when each interval of A lies in B's and B's
/// directions leave out nothing A's keep (B has none, or each of B's intervals of u·S
/// holds A's). Trained models' (μ, d) boxes repeat: 385 boxes were 14 maximal ones.
fn maximal(mut boxes: Vec<BoxOf>) -> Vec<BoxOf> {
    // Larger first (the intervals, then the directions', none the largest): a box is
    // held only by one at least as large in both.
    let width = |b: &BoxOf| -> (f64, f64) {
        let iv = b.iv.iter().map(|(lo, hi)| hi.to_f64() - lo.to_f64()).sum();
        let dir = if b.dir.is_empty() {
            f64::INFINITY
        } else {
            b.dir.iter().map(|(lo, hi)| hi - lo).sum()
        };
        (iv, dir)
    };
    let mut sized: Vec<((f64, f64), BoxOf)> = boxes.drain(..).map(|b| (width(&b), b)).collect();
    sized.sort_by(|x, y| y.0 .0.total_cmp(&x.0 .0).then(y.0 .1.total_cmp(&x.0 .1)));
    let holds = |big: &BoxOf, a: &BoxOf| -> bool {
        big.coarse == a.coarse
            && big
                .iv
                .iter()
                .zip(&a.iv)
                .all(|((blo, bhi), (lo, hi))| blo <= lo && hi <= bhi)
            && (big.dir.is_empty()
                || (big.dir.len() == a.dir.len()
                    && big
                        .dir
                        .iter()
                        .zip(a.dir.iter())
                        .all(|(b, x)| b.0 <= x.0 && x.1 <= b.1)))
    };
    // Past MAXIMAL_KEPT kept boxes the rest are kept as they come (keeping a box is
    // always sound): the work stays within boxes × MAXIMAL_KEPT comparisons.
    let mut kept: Vec<BoxOf> = Vec::new();
    for (_, b) in sized {
        if kept.len() >= MAXIMAL_KEPT || !kept.iter().any(|k| holds(k, &b)) {
            kept.push(b);
        }
    }
    kept
}

/// The most boxes [`maximal`] compares each box with.
const MAXIMAL_KEPT: usize = 256;

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
fn linear(
    f: &Format,
    lin: &crate::model::numeric::load::Linear,
    x: &[Iv],
) -> Result<Vec<Iv>, ExecError> {
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

#[cfg(test)]
mod tests {
    use super::{extreme, longest_words, maximal, most_counts, BoxOf};
    use crate::model::numeric::number::Num;

    /// A small deterministic generator (the tests' own, so no dependency).
    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// `maximal` keeps the union: every box given is held by a kept one (each interval
    /// inside, and the kept box's direction intervals, if any, around the given box's),
    /// every kept box is one of those given, and no kept box holds another. Random
    /// boxes on a small grid (so that many repeat or nest), with and without directions.
    #[test]
    fn maximal_boxes_keep_the_union() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let iv = |s: &mut u64| {
            let a = (next(s) % 5) as i64;
            let b = a + (next(s) % 3) as i64;
            (
                Num::from_f64(a as f64).unwrap(),
                Num::from_f64(b as f64).unwrap(),
            )
        };
        let inside = |big: &BoxOf, a: &BoxOf| {
            big.iv
                .iter()
                .zip(&a.iv)
                .all(|(b, x)| b.0 <= x.0 && x.1 <= b.1)
                && (big.dir.is_empty()
                    || (big.dir.len() == a.dir.len()
                        && big
                            .dir
                            .iter()
                            .zip(a.dir.iter())
                            .all(|(b, x)| b.0 <= x.0 && x.1 <= b.1)))
        };
        for _ in 0..300 {
            let n = 1 + (next(&mut seed) % 30) as usize;
            let with_dirs = next(&mut seed) % 2 == 0;
            let boxes: Vec<BoxOf> = (0..n)
                .map(|_| {
                    // Within one list, boxes with and without directions (as the
                    // paths give: their boxes, and the zero vector of an overflow).
                    let dir: Vec<(f64, f64)> = if with_dirs && next(&mut seed) % 4 != 0 {
                        (0..2)
                            .map(|_| {
                                let a = (next(&mut seed) % 4) as f64;
                                (a, a + (next(&mut seed) % 3) as f64)
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    BoxOf {
                        iv: (0..3).map(|_| iv(&mut seed)).collect(),
                        coarse: false,
                        dir: dir.into(),
                    }
                })
                .collect();
            let kept = maximal(boxes.clone());
            for b in &boxes {
                assert!(kept.iter().any(|k| inside(k, b)), "a box lost: {:?}", b.iv);
            }
            for (i, k) in kept.iter().enumerate() {
                assert!(
                    boxes.iter().any(|b| b.iv == k.iv && b.dir == k.dir),
                    "a kept box that was not given"
                );
                for (j, other) in kept.iter().enumerate() {
                    assert!(i == j || !inside(k, other), "a kept box holds another");
                }
            }
        }
    }

    /// The most counts against every word up to length 14 on random 4-state graphs: a
    /// finite count is the largest a word reaches (a simple path, of at most 3 letters,
    /// reaches it); an unbounded one is at least 2 on some word (3 letters to the
    /// cycle, twice round it, 3 letters on).
    #[test]
    fn most_counts_agree_with_every_short_word() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let (states, letters, classes) = (4usize, 2usize, 3usize);
        for _ in 0..300 {
            let trans: Vec<u32> = (0..states * letters)
                .map(|_| (next(&mut seed) % states as u64) as u32)
                .collect();
            let class: Vec<usize> = (0..states * letters)
                .map(|_| (next(&mut seed) % classes as u64) as usize)
                .collect();
            let most = most_counts(&trans, &class, letters, classes);
            // Brute force: per state, the largest count of each class over the words
            // reaching it; None for a state no word reaches.
            let mut best: Vec<Option<Vec<u32>>> = vec![None; states];
            let mut layer: Vec<(usize, Vec<u32>)> = vec![(0, vec![0; classes])];
            for _ in 0..=14 {
                let mut grown = Vec::new();
                for (q, counts) in &layer {
                    let b = best[*q].get_or_insert_with(|| vec![0; classes]);
                    for (x, c) in b.iter_mut().zip(counts) {
                        *x = (*x).max(*c);
                    }
                    for r in 0..letters {
                        let mut c = counts.clone();
                        c[class[q * letters + r]] += 1;
                        grown.push((trans[q * letters + r] as usize, c));
                    }
                }
                grown.sort();
                grown.dedup();
                layer = grown;
            }
            for q in 0..states {
                match &best[q] {
                    None => assert!(most[q].iter().all(|&n| n == 0)),
                    Some(b) => {
                        for k in 0..classes {
                            if most[q][k] == u32::MAX {
                                assert!(b[k] >= 2, "{trans:?} {class:?} {q} {k}");
                            } else {
                                assert_eq!(most[q][k], b[k], "{trans:?} {class:?} {q} {k}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// `longest_words` against the lengths of the words themselves: on random graphs
    /// (only the states state 0 reaches kept, renumbered), a state some word of length
    /// ≥ n (the number of states) reaches is past a cycle (the word repeats a state), so
    /// it must be `usize::MAX`; removing cycles from such a word leaves one of length in
    /// [n, 2n), so lengths up to 2n find it. Else the longest length at which some word
    /// reaches it.
    #[test]
    fn longest_words_agree_with_every_word() {
        let mut seed = 0x1234_5678_9abc_def1_u64;
        let letters = 2usize;
        for round in 0..400 {
            let states = 1 + round % 9;
            let trans: Vec<usize> = (0..states * letters)
                .map(|e| {
                    // Mostly forward edges, so that long acyclic stretches are common
                    // (every state has an edge per letter: some cycle is always there).
                    let q = e / letters;
                    let any = (next(&mut seed) % states as u64) as usize;
                    if q + 1 < states && next(&mut seed) % 8 != 0 {
                        q + 1 + any % (states - q - 1)
                    } else {
                        any
                    }
                })
                .collect();
            // The states state 0 reaches, in the order first met.
            let mut order = vec![0usize];
            let mut k = 0;
            while k < order.len() {
                for r in 0..letters {
                    let to = trans[order[k] * letters + r];
                    if !order.contains(&to) {
                        order.push(to);
                    }
                }
                k += 1;
            }
            let index = |q: usize| order.iter().position(|&x| x == q).unwrap();
            let succ: Vec<u32> = order
                .iter()
                .flat_map(|&q| (0..letters).map(move |r| (q, r)))
                .map(|(q, r)| index(trans[q * letters + r]) as u32)
                .collect();
            let n = order.len();
            let got = longest_words(&succ, letters);
            // The states reached by some word of each length 0 … 2n.
            let mut at = vec![false; n];
            at[0] = true;
            let mut last = vec![None; n];
            for len in 0..=2 * n {
                for q in 0..n {
                    if at[q] {
                        last[q] = Some(len);
                    }
                }
                let mut grown = vec![false; n];
                for q in 0..n {
                    if at[q] {
                        for r in 0..letters {
                            grown[succ[q * letters + r] as usize] = true;
                        }
                    }
                }
                at = grown;
            }
            for q in 0..n {
                let len = last[q].expect("every state is reached");
                if len >= n {
                    assert_eq!(got[q], usize::MAX, "{succ:?} {q}");
                } else {
                    assert_eq!(got[q], len, "{succ:?} {q}");
                }
            }
        }
    }

    /// The greedy extremes against a fine grid of feasible points, on small programs.
    #[test]
    fn extremes_bound_every_feasible_point_and_are_reached() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..500 {
            let n = 1 + (next(&mut seed) % 3) as usize;
            let mut items: Vec<(f64, f64, f64)> = (0..n)
                .map(|_| {
                    let r = (next(&mut seed) % 9) as f64 - 4.0;
                    let a = (next(&mut seed) % 3) as f64;
                    let b = if next(&mut seed) % 4 == 0 {
                        f64::INFINITY
                    } else {
                        a + (next(&mut seed) % 4) as f64
                    };
                    (r, a, b)
                })
                .collect();
            let lo = (next(&mut seed) % 6) as f64;
            let hi = lo + (next(&mut seed) % 4) as f64;
            // Grid points with y_k in steps of 1/2 up to 8.
            let mut feasible: Vec<f64> = Vec::new();
            let steps = 17usize;
            let mut idx = vec![0usize; n];
            loop {
                let y: Vec<f64> = idx.iter().map(|&i| i as f64 / 2.0).collect();
                let ok = y.iter().zip(&items).all(|(y, (_, a, b))| y >= a && y <= b);
                let sum: f64 = y.iter().sum();
                if ok && sum >= lo && sum <= hi {
                    feasible.push(y.iter().zip(&items).map(|(y, (r, _, _))| y * r).sum());
                }
                let mut k = 0;
                while k < n && idx[k] + 1 == steps {
                    idx[k] = 0;
                    k += 1;
                }
                if k == n {
                    break;
                }
                idx[k] += 1;
            }
            if feasible.is_empty() {
                continue;
            }
            let max = extreme(&mut items, lo, hi, true);
            let min = extreme(&mut items, lo, hi, false);
            let (gmax, gmin) = feasible
                .iter()
                .fold((f64::MIN, f64::MAX), |(a, b), &x| (a.max(x), b.min(x)));
            assert!(max >= gmax && min <= gmin, "{items:?} {lo} {hi}");
            // Integer data within the grid: the extremes are grid points, so reached.
            if items.iter().all(|&(_, _, b)| b <= 8.0) || hi <= 8.0 {
                assert!(
                    (max - gmax).abs() < 1e-9,
                    "max {max} vs {gmax}: {items:?} {lo} {hi}"
                );
                assert!(
                    (min - gmin).abs() < 1e-9,
                    "min {min} vs {gmin}: {items:?} {lo} {hi}"
                );
            }
        }
    }
}
