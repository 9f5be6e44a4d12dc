//! Exactly uniform sampling of words of a regular language, and datasets in the layout
//! of FLaRe (Butoi et al., "Training neural networks as recognizers of formal
//! languages"; docs/DESIGN.md "Datasets").
//!
//! A [`Sampler`] counts, with big integers, the accepted words of every length from every
//! state of a complete DFA; a uniform word of length n is then drawn letter by letter,
//! each letter with probability (words completing from its successor) / (words
//! completing from here) — a uniform integer below the count, found by exact rejection
//! on random bits, so no floating point enters. The same counts rank and unrank words in
//! lexicographic order, which draws uniformly among the words *not* in a set of excluded
//! ones (the held-out split). Negatives come from the same machinery on the complement
//! DFA when rejection keeps failing, so a split is never shortened and sampling never
//! hangs.
//!
//! The random source is ChaCha20 seeded from a `u64` (`rand_chacha`, whose stream is
//! fixed across versions): the same seed gives the same files byte for byte.

use std::collections::HashSet;

use num_bigint::BigUint;
use num_traits::{One, Zero};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use crate::automata::Dfa;

mod dataset;
pub use dataset::{
    check_table, check_writable, split_name, words, write_dataset, DatasetProgress, DatasetReport,
    DatasetShape, SampleError, Words, MAX_LENGTH, MAX_TABLE_BYTES,
};

/// The random source of every sampling function: ChaCha20 from a seed.
pub struct Rng(ChaCha20Rng);

impl Rng {
    /// The stream of `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(ChaCha20Rng::seed_from_u64(seed))
    }

    /// A uniform integer in `0..n` (n > 0), by rejection on random bits.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let bits = 64 - (n - 1).leading_zeros();
        let mask = if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        loop {
            let x = self.0.next_u64() & mask;
            if x < n {
                return x;
            }
        }
    }

    /// A uniform integer in `0..n` (n > 0) for big n, by rejection on random bits.
    pub fn below_big(&mut self, n: &BigUint) -> BigUint {
        assert!(!n.is_zero(), "below_big(0)");
        let bits = n.bits();
        let words = bits.div_ceil(32) as usize;
        let top_bits = bits - 32 * (words as u64 - 1);
        loop {
            let mut digits: Vec<u32> = (0..words).map(|_| self.0.next_u32()).collect();
            if top_bits < 32 {
                digits[words - 1] &= (1u32 << top_bits) - 1;
            }
            let x = BigUint::new(digits);
            if &x < n {
                return x;
            }
        }
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.0.next_u32() & 1 == 1
    }

    /// Geometric(½) on {1, 2, …}: the number of fair coin flips up to the first head.
    pub fn geometric_half(&mut self) -> u32 {
        let mut n = 1;
        while !self.coin() && n < 64 {
            n += 1;
        }
        n
    }
}

/// Counts of accepted words by length and state, for uniform sampling up to a length.
pub struct Sampler {
    dfa: Dfa,
    /// `counts[n][q]`: accepted words of length n read from state q.
    counts: Vec<Vec<BigUint>>,
}

impl Sampler {
    /// About how many bytes the count table of a DFA with `states` states over `letters`
    /// letters takes up to `max_len`: the count of length n has at most n·log2(letters)
    /// bits, for every state.
    pub fn estimated_bytes(states: usize, letters: usize, max_len: usize) -> u128 {
        let bits_per_letter = (letters.max(2) as f64).log2();
        let n = max_len as f64;
        // Σ_{n ≤ max_len} (n·log2 k / 8 + 32) bytes per state (the integer and its header).
        (states as f64 * (n * n / 2.0 * bits_per_letter / 8.0 + 32.0 * (n + 1.0))) as u128
    }

    /// Counts for every length up to `max_len`. Work: `max_len × states × letters`
    /// additions of integers of at most `max_len · log2(letters)` bits.
    pub fn new(dfa: &Dfa, max_len: usize) -> Sampler {
        let k = dfa.letters();
        let table = dfa.table();
        let mut counts: Vec<Vec<BigUint>> = Vec::with_capacity(max_len + 1);
        counts.push(
            dfa.accepting()
                .iter()
                .map(|&a| if a { BigUint::one() } else { BigUint::zero() })
                .collect(),
        );
        for n in 1..=max_len {
            let prev = &counts[n - 1];
            let row = (0..dfa.states())
                .map(|q| {
                    table[q * k..(q + 1) * k]
                        .iter()
                        .map(|&t| &prev[t as usize])
                        .sum()
                })
                .collect();
            counts.push(row);
        }
        Sampler {
            dfa: dfa.clone(),
            counts,
        }
    }

    /// The same for the complement language (the accepting states flipped).
    pub fn complement(dfa: &Dfa, max_len: usize) -> Sampler {
        let flipped: Vec<bool> = dfa.accepting().iter().map(|a| !a).collect();
        let c = Dfa::from_parts(
            dfa.alphabet().clone(),
            dfa.acceptance(),
            dfa.table().to_vec(),
            flipped,
        )
        .expect("the same table");
        Sampler::new(&c, max_len)
    }

    /// The DFA it samples from.
    pub fn dfa(&self) -> &Dfa {
        &self.dfa
    }

    /// The longest length it counted.
    pub fn max_len(&self) -> usize {
        self.counts.len() - 1
    }

    /// How many words of length `n` the language has (`n ≤ max_len`).
    pub fn count(&self, n: usize) -> &BigUint {
        &self.counts[n][0]
    }

    /// The `k`-th word of length `n` (0-based, lexicographic by letter index), `k < count(n)`.
    pub fn unrank(&self, n: usize, k: &BigUint) -> Vec<u32> {
        let mut k = k.clone();
        let mut q = 0u32;
        let mut word = Vec::with_capacity(n);
        for i in 0..n {
            let rest = n - i - 1;
            for l in 0..self.dfa.letters() as u32 {
                let t = self.dfa.next(q, l);
                let c = &self.counts[rest][t as usize];
                if &k < c {
                    word.push(l);
                    q = t;
                    break;
                }
                k -= c;
            }
        }
        debug_assert!(self.dfa.accepting()[q as usize] && k.is_zero());
        word
    }

    /// The rank of an accepted word of length ≤ max_len among the words of its length
    /// (`None` if the language does not have it).
    pub fn rank(&self, word: &[u32]) -> Option<BigUint> {
        let n = word.len();
        if n > self.max_len() || !self.dfa.accepts(word) {
            return None;
        }
        let mut r = BigUint::zero();
        let mut q = 0u32;
        for (i, &letter) in word.iter().enumerate() {
            let rest = n - i - 1;
            for l in 0..letter {
                r += &self.counts[rest][self.dfa.next(q, l) as usize];
            }
            q = self.dfa.next(q, letter);
        }
        Some(r)
    }

    /// A word of length `n` drawn uniformly from the language (`None`: it has none).
    pub fn uniform(&self, n: usize, rng: &mut Rng) -> Option<Vec<u32>> {
        let c = self.count(n);
        if c.is_zero() {
            return None;
        }
        Some(self.unrank(n, &rng.below_big(c)))
    }

    /// The ranks of the words of `excluded` the language has, by length, sorted (for
    /// [`Sampler::uniform_skipping`]).
    pub fn ranks_of(&self, excluded: &HashSet<Vec<u32>>) -> Vec<Vec<BigUint>> {
        let mut by_len = vec![Vec::new(); self.max_len() + 1];
        for w in excluded {
            if let Some(r) = self.rank(w) {
                by_len[w.len()].push(r);
            }
        }
        for v in &mut by_len {
            v.sort();
        }
        by_len
    }

    /// A word of length `n` drawn uniformly from the language minus the words whose
    /// ranks are `skip` (sorted, all below `count(n)`); `None`: nothing is left. The k-th
    /// remaining word is found by stepping over the skipped ranks, so the draw is exact
    /// however many words are excluded.
    pub fn uniform_skipping(&self, n: usize, skip: &[BigUint], rng: &mut Rng) -> Option<Vec<u32>> {
        let left = self.count(n) - BigUint::from(skip.len());
        if left.is_zero() {
            return None;
        }
        let mut r = rng.below_big(&left);
        for e in skip {
            if *e <= r {
                r += 1u32;
            } else {
                break;
            }
        }
        Some(self.unrank(n, &r))
    }
}

/// How an example was drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A positive: a length uniform among those with words, then a uniform word.
    Positive,
    /// A positive with a Geometric(½) number of random edits, outside the language.
    Perturbed,
    /// A uniformly random string (length uniform in the range, letters uniform).
    Random,
    /// Rejection kept failing: a uniform word of the complement (length uniform among
    /// those where it has words).
    Complement,
}

/// One example of a split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The word (letter indices).
    pub word: Vec<u32>,
    /// Whether it is in the language.
    pub label: bool,
    /// The number of edits of a perturbed negative.
    pub num_edits: Option<u32>,
    /// How it was drawn.
    pub origin: Origin,
}

/// What a split asks for.
#[derive(Clone, Debug)]
pub struct SplitSpec {
    /// Its directory below the output (`""` for the training split, FLaRe's layout).
    pub dir: String,
    /// Number of examples.
    pub count: usize,
    /// Shortest and longest length.
    pub lengths: (usize, usize),
    /// Add its strings (up to this length) to the set a held-out split avoids.
    pub record_up_to: Option<usize>,
    /// Avoid every string recorded so far (the held-out split).
    pub held_out: bool,
}

/// Why a split could not be filled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// No positive word in the length range (outside the excluded ones).
    #[error("the language has no word of length {0}–{1}{2}")]
    NoPositive(usize, usize, &'static str),
    /// No negative word in the length range (outside the excluded ones).
    #[error("every word of length {0}–{1}{2} is in the language")]
    NoNegative(usize, usize, &'static str),
}

/// Proposals for a negative before the exact draw from the complement takes over.
pub const NEGATIVE_TRIES: usize = 100;

/// Draws one split: each label a fair coin; positives exactly uniform (a length uniform
/// among those with words, then a uniform word of it); negatives, on each try, with
/// probability ½ a positive perturbed by Geometric(½) edits, else a random string,
/// re-drawn until outside the language (and the excluded set), and after
/// [`NEGATIVE_TRIES`] failed tries a uniform word of the complement. `progress` is called
/// after every example.
pub fn draw_split(
    pos: &Sampler,
    neg: &Sampler,
    spec: &SplitSpec,
    excluded: &HashSet<Vec<u32>>,
    rng: &mut Rng,
    mut progress: impl FnMut(usize),
) -> Result<Vec<Example>, SplitError> {
    let (lo, hi) = spec.lengths;
    let empty = HashSet::new();
    let avoid = if spec.held_out { excluded } else { &empty };
    let note = if spec.held_out {
        " outside the other splits"
    } else {
        ""
    };
    let (pos_skip, neg_skip) = (pos.ranks_of(avoid), neg.ranks_of(avoid));
    let fillable = |s: &Sampler, skip: &[Vec<BigUint>]| -> Vec<usize> {
        (lo..=hi)
            .filter(|&n| s.count(n) > &BigUint::from(skip[n].len()))
            .collect()
    };
    let (pos_lengths, neg_lengths) = (fillable(pos, &pos_skip), fillable(neg, &neg_skip));
    let k = pos.dfa().letters() as u64;
    let mut out = Vec::with_capacity(spec.count);
    for i in 0..spec.count {
        let e = if rng.coin() {
            if pos_lengths.is_empty() {
                return Err(SplitError::NoPositive(lo, hi, note));
            }
            let word = draw_around(pos, &pos_lengths, &pos_skip, rng);
            Example {
                word,
                label: true,
                num_edits: None,
                origin: Origin::Positive,
            }
        } else {
            if neg_lengths.is_empty() {
                return Err(SplitError::NoNegative(lo, hi, note));
            }
            let mut found = None;
            for _ in 0..NEGATIVE_TRIES {
                let (word, edits) = if rng.coin() && !pos_lengths.is_empty() {
                    let n = pos_lengths[rng.below(pos_lengths.len() as u64) as usize];
                    let mut w = pos.uniform(n, rng).expect("a length with words");
                    let edits = rng.geometric_half();
                    for _ in 0..edits {
                        edit(&mut w, spec.lengths, k, rng);
                    }
                    (w, Some(edits))
                } else {
                    let n = lo + rng.below((hi - lo + 1) as u64) as usize;
                    ((0..n).map(|_| rng.below(k) as u32).collect(), None)
                };
                if !pos.dfa().accepts(&word) && !avoid.contains(&word) {
                    found = Some((word, edits));
                    break;
                }
            }
            match found {
                Some((word, edits)) => Example {
                    word,
                    label: false,
                    num_edits: edits,
                    origin: if edits.is_some() {
                        Origin::Perturbed
                    } else {
                        Origin::Random
                    },
                },
                None => {
                    let word = draw_around(neg, &neg_lengths, &neg_skip, rng);
                    Example {
                        word,
                        label: false,
                        num_edits: None,
                        origin: Origin::Complement,
                    }
                }
            }
        };
        out.push(e);
        progress(i + 1);
    }
    Ok(out)
}

/// A length uniform among `lengths` (each has a word outside the skipped ranks), then a
/// uniform word of that length around the skipped ranks `skip[n]`.
fn draw_around(s: &Sampler, lengths: &[usize], skip: &[Vec<BigUint>], rng: &mut Rng) -> Vec<u32> {
    let n = lengths[rng.below(lengths.len() as u64) as usize];
    s.uniform_skipping(n, &skip[n], rng)
        .expect("a length with words")
}

/// One random edit within the length range, as FLaRe makes them: insertion (if below
/// the longest length), replacement by a different letter (if non-empty and there are
/// two letters), deletion (if above the shortest length), one of the possible kinds
/// uniformly, at a uniform position.
fn edit(w: &mut Vec<u32>, (lo, hi): (usize, usize), k: u64, rng: &mut Rng) {
    let mut kinds = Vec::with_capacity(3);
    if w.len() < hi {
        kinds.push(0);
    }
    if !w.is_empty() && k > 1 {
        kinds.push(1);
    }
    if w.len() > lo {
        kinds.push(2);
    }
    if kinds.is_empty() {
        return;
    }
    match kinds[rng.below(kinds.len() as u64) as usize] {
        0 => {
            let i = rng.below(w.len() as u64 + 1) as usize;
            w.insert(i, rng.below(k) as u32);
        }
        1 => {
            let i = rng.below(w.len() as u64) as usize;
            let mut l = rng.below(k - 1) as u32;
            if l >= w[i] {
                l += 1;
            }
            w[i] = l;
        }
        _ => {
            let i = rng.below(w.len() as u64) as usize;
            w.remove(i);
        }
    }
}

/// FLaRe's splits with its sizes and lengths: training (10,000 of 0–40) in the output
/// directory itself, then `datasets/validation-short` (1,000 of 0–40),
/// `datasets/validation-long` (1,000 of 0–80), `datasets/test` (5,010 of 0–500) and
/// `datasets/test-short-held-out` (1,000 of 0–40, none of them in training,
/// validation-short or the ≤ 40 part of validation-long).
pub fn flare_splits() -> Vec<SplitSpec> {
    let split = |dir: &str, count, lengths, record_up_to, held_out| SplitSpec {
        dir: dir.into(),
        count,
        lengths,
        record_up_to,
        held_out,
    };
    vec![
        split("", 10_000, (0, 40), Some(40), false),
        split("datasets/validation-short", 1_000, (0, 40), Some(40), false),
        split("datasets/validation-long", 1_000, (0, 80), Some(40), false),
        split("datasets/test", 5_010, (0, 500), None, false),
        split("datasets/test-short-held-out", 1_000, (0, 40), None, true),
    ]
}

/// The file format of a dataset's splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetFormat {
    /// FLaRe's files: `main.tok`, `labels.txt`, `num-edits.txt` per split.
    Flare,
    /// One `main.jsonl` per split, one [`ExampleLine`] a line.
    Jsonl,
}

/// The manifest `sample --out DIR` writes to `DIR/ltlattn-sample.json`: what was drawn,
/// how, and what each split holds. (Fields in alphabetical order: the order of the keys
/// in the file.)
#[derive(Clone, Debug, serde::Serialize)]
pub struct SampleManifest {
    /// The letters, in the order of the DFA's alphabet.
    pub alphabet: Vec<String>,
    /// Always `sample`.
    pub command: &'static str,
    /// States of the language's minimal DFA.
    pub dfa_states: usize,
    /// The file format of the splits.
    pub format: DatasetFormat,
    /// The language as given (a formula, `@FILE`, a model or a DFA file).
    pub language: String,
    /// How negatives are drawn, in words.
    pub negatives: String,
    /// How positives are drawn, in words.
    pub positives: &'static str,
    /// The random seed (the same seed gives the same files byte for byte).
    pub seed: u64,
    /// Each split, in FLaRe's order.
    pub splits: Vec<SplitManifest>,
}

impl SampleManifest {
    /// The manifest of a dataset drawn from `language` (its alphabet and minimal DFA
    /// size given) with `seed`.
    pub fn new(
        language: String,
        alphabet: Vec<String>,
        dfa_states: usize,
        seed: u64,
        format: DatasetFormat,
        splits: Vec<SplitManifest>,
    ) -> SampleManifest {
        SampleManifest {
            alphabet,
            command: "sample",
            dfa_states,
            format,
            language,
            negatives: format!("each try: with probability 1/2 a positive with Geometric(1/2) random edits, else a random string (length uniform in the range, letters uniform); re-drawn until outside the language; after {NEGATIVE_TRIES} tries a uniform word of the complement (origin `complement`)"),
            positives: "a length uniform among the lengths of the range where the language has a word (outside the excluded ones), then a word of that length uniformly (path counts with big integers)",
            seed,
            splits,
        }
    }
}

/// One split in the manifest. The counts by origin are `null` when the split was not
/// written.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SplitManifest {
    /// Negatives drawn from the complement after rejection kept failing.
    pub complement: Option<usize>,
    /// Examples asked for.
    pub count: usize,
    /// Its directory below the output (`""` for the training split).
    pub dir: String,
    /// Why it was not written (`null` when it was).
    pub error: Option<String>,
    /// Whether it avoids every string of the earlier splits.
    pub held_out: bool,
    /// Shortest and longest length.
    pub lengths: [usize; 2],
    /// Its name (`training`, or its directory below `datasets/`).
    pub name: String,
    /// Negatives that are perturbed positives.
    pub perturbed: Option<usize>,
    /// Positives.
    pub positives: Option<usize>,
    /// Negatives that are random strings.
    pub random: Option<usize>,
    /// Whether its files were written.
    pub written: bool,
}

impl SplitManifest {
    /// The manifest entry of the split `spec` named `name`: its `examples` when it was
    /// drawn, else the `error` that stopped it.
    pub fn new(
        spec: &SplitSpec,
        name: &str,
        examples: Option<&[Example]>,
        error: Option<String>,
    ) -> SplitManifest {
        let by = |o: Origin| examples.map(|e| e.iter().filter(|x| x.origin == o).count());
        SplitManifest {
            complement: by(Origin::Complement),
            count: spec.count,
            dir: spec.dir.clone(),
            error,
            held_out: spec.held_out,
            lengths: [spec.lengths.0, spec.lengths.1],
            name: name.to_string(),
            perturbed: by(Origin::Perturbed),
            positives: by(Origin::Positive),
            random: by(Origin::Random),
            written: examples.is_some(),
        }
    }
}

/// One line of a split's `main.jsonl`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExampleLine<'a> {
    /// 1 if the word is in the language, else 0.
    pub label: u8,
    /// The word's length.
    pub length: usize,
    /// The number of edits of a perturbed negative (`null` otherwise).
    pub num_edits: Option<u32>,
    /// How it was drawn.
    pub origin: Origin,
    /// The word, letters separated by spaces.
    pub tokens: &'a str,
}

impl<'a> ExampleLine<'a> {
    /// The line of `e`, whose word reads `tokens`.
    pub fn new(e: &Example, tokens: &'a str) -> ExampleLine<'a> {
        ExampleLine {
            label: u8::from(e.label),
            length: e.word.len(),
            num_edits: e.num_edits,
            origin: e.origin,
            tokens,
        }
    }
}
