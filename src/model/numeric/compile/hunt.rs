//! Counterexamples past the breadth-first search: candidate words run through the two
//! sides of a product search (grammar/numeric.md, "Checking on the fly").
//!
//! On a trained model the breadth-first search of [`super::search`] reaches words of
//! length ~18 in a minute, while the model may be wrong only on longer words. The hunt
//! runs words longer than the search reached through the two [`Machine`]s (the model's
//! abstract machine is memoized; the slow executor is never in the loop), judging every
//! prefix, and shrinks a word on which the sides disagree by deleting blocks and single
//! letters while they still disagree (delta debugging). The candidates are drawn from a
//! fixed seed, so a hunt finds the same word on every run:
//!
//! - uniform random words of lengths n+1 ..= 4(n+1), n the length the search checked;
//! - words the other side's DFA accepts, of lengths n+1 ..= 8(n+1) (random walks steered
//!   to an accepting state at the chosen length: sparse languages such as (ab)* are
//!   almost never hit by uniform words), and each with one letter inserted, deleted or
//!   changed;
//! - powers u^k v of short words (|u| ≤ 3, |v| ≤ 2) up to length 8(n+1).
//!
//! Where none of these disagrees, [`hunt_powers`] reads far longer powers (|u| ≤ 2,
//! |v| ≤ 2, up to length 2^14 + 2): the counts that only long words reach.
//!
//! Of up to [`MOST_FINDS`] words found, each shrunk, the shortest is kept. It is not
//! known to be shortest: only a breadth-first search tells.
//!
//! ```
//! use ltlattn::automata::{formula_dfa, Alphabet, Budget, Question};
//! use ltlattn::logic::{parse, Acceptance, Arena};
//! use ltlattn::numeric::hunt::hunt;
//! use ltlattn::numeric::search::DfaMachine;
//!
//! // Two DFAs that differ first on words of length 6: a word of length ≥ 6 ends with
//! // the letter a six positions back, or not.
//! let sigma = Alphabet::Tokens(vec!["a".into(), "b".into()]);
//! let mut arena = Arena::new();
//! let (left, right) = (parse(&mut arena, "Y Y Y Y Y a").unwrap(), parse(&mut arena, "Y Y Y Y Y b").unwrap());
//! let d = |root| formula_dfa(&arena, root, &sigma, Acceptance::Eos, &Budget::default()).unwrap();
//! let (l, r) = (d(left), d(right));
//! let found = hunt(&mut DfaMachine(&l), &mut DfaMachine(&r), &r, 2, Question::Equivalent, 3, &Budget::new(100_000, Some(1.0)))
//!     .unwrap();
//! let word = found.counterexample.expect("they differ");
//! assert!(word.len() > 3 && l.accepts(&word) != r.accepts(&word));
//! ```

use super::search::Machine;
use super::*;
use crate::engine::layout::Question;
use crate::sample::Rng;
use std::time::{Duration, Instant};

/// The seed of every hunt's candidates.
pub const SEED: u64 = 0x6875_6e74;

/// What a hunt found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hunted {
    /// A word on which the sides disagree, shrunk, longer than the length the search
    /// had checked; `None` if no candidate within the budget was one.
    pub counterexample: Option<Vec<u32>>,
    /// Candidate words run (shrinking's included).
    pub words_tried: usize,
    /// Abstract states the two machines made while hunting.
    pub states: usize,
}

/// The two machines with their steps memoized, judging prefixes.
struct Runner<'x> {
    a: &'x mut dyn Machine,
    b: &'x mut dyn Machine,
    question: Question,
    next: HashMap<(u32, u32, u32), (u32, u32)>,
    start: (u32, u32),
    made: usize,
}

impl<'x> Runner<'x> {
    fn new(
        a: &'x mut dyn Machine,
        b: &'x mut dyn Machine,
        question: Question,
    ) -> Result<Self, ExecError> {
        let start = (a.initial()?, b.initial()?);
        let made = a.states() + b.states();
        Ok(Runner {
            a,
            b,
            question,
            next: HashMap::default(),
            start,
            made,
        })
    }

    /// States the machines made since the hunt began.
    fn grown(&self) -> usize {
        (self.a.states() + self.b.states()).saturating_sub(self.made)
    }

    fn step(&mut self, (x, y): (u32, u32), r: u32) -> Result<(u32, u32), ExecError> {
        if let Some(&p) = self.next.get(&(x, y, r)) {
            return Ok(p);
        }
        let p = (self.a.step(x, r)?, self.b.step(y, r)?);
        self.next.insert((x, y, r), p);
        Ok(p)
    }

    fn differ(&mut self, (x, y): (u32, u32)) -> Result<bool, ExecError> {
        let (p, q) = (self.a.accepts(x)?, self.b.accepts(y)?);
        Ok(match self.question {
            Question::Equivalent => p != q,
            Question::Included => p && !q,
        })
    }

    /// From the pair `at`, reached by a prefix of length `done`, reads `word`: the length
    /// (counted from the start) of the first prefix longer than `checked` on which the
    /// sides disagree, or the pair reached.
    fn read(
        &mut self,
        mut at: (u32, u32),
        done: usize,
        word: &[u32],
        checked: usize,
    ) -> Result<Result<(u32, u32), usize>, ExecError> {
        for (i, &r) in word.iter().enumerate() {
            at = self.step(at, r)?;
            let len = done + i + 1;
            if len > checked && self.differ(at)? {
                return Ok(Err(len));
            }
        }
        Ok(Ok(at))
    }

    /// The length of the first prefix of `word` longer than `checked` on which the sides
    /// disagree.
    fn first_difference(
        &mut self,
        word: &[u32],
        checked: usize,
    ) -> Result<Option<usize>, ExecError> {
        Ok(self.read(self.start, 0, word, checked)?.err())
    }
}

/// Random walks in a DFA that end in an accepting state at a chosen length.
struct Walks<'d> {
    dfa: &'d Dfa,
    /// `can[k][q]`: some word of length exactly k leads from q to an accepting state.
    can: Vec<Vec<bool>>,
    /// The lengths in range with an accepted word.
    lengths: Vec<usize>,
}

/// The largest table of [`Walks`] built (lengths × states × letters).
const WALK_TABLE: usize = 1 << 26;

impl<'d> Walks<'d> {
    fn new(dfa: &'d Dfa, lengths: std::ops::RangeInclusive<usize>) -> Option<Self> {
        let (states, letters) = (dfa.states(), dfa.letters());
        let top = *lengths.end();
        if (top + 1).saturating_mul(states).saturating_mul(letters) > WALK_TABLE {
            return None;
        }
        let mut can = vec![dfa.accepting().to_vec()];
        for k in 1..=top {
            let before = &can[k - 1];
            let row = (0..states as u32)
                .map(|q| (0..letters as u32).any(|r| before[dfa.next(q, r) as usize]))
                .collect();
            can.push(row);
        }
        let lengths: Vec<usize> = lengths.filter(|&k| can[k][0]).collect();
        (!lengths.is_empty()).then_some(Walks { dfa, can, lengths })
    }

    fn walk(&self, rng: &mut Rng) -> Vec<u32> {
        let len = self.lengths[rng.below(self.lengths.len() as u64) as usize];
        let mut q = 0u32;
        let mut word = Vec::with_capacity(len);
        let mut options = Vec::new();
        for i in 0..len {
            let left = len - i - 1;
            options.clear();
            options.extend(
                (0..self.dfa.letters() as u32)
                    .filter(|&r| self.can[left][self.dfa.next(q, r) as usize]),
            );
            // Never empty: `can[len - i][q]` held for the q reached.
            let r = options[rng.below(options.len() as u64) as usize];
            word.push(r);
            q = self.dfa.next(q, r);
        }
        word
    }
}

/// Every word over `letters` letters with length in `lengths`, shortest first, at most
/// `most` of them.
fn short_words(
    letters: usize,
    lengths: std::ops::RangeInclusive<usize>,
    most: usize,
) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    let mut level: Vec<Vec<u32>> = vec![Vec::new()];
    for len in 0..=*lengths.end() {
        if lengths.contains(&len) {
            out.extend(level.iter().take(most - out.len()).cloned());
        }
        if out.len() >= most {
            break;
        }
        level = crate::automata::one_letter_longer(&level, letters)
            .take(most)
            .collect();
    }
    out
}

/// Hunts for a word longer than `checked` on which `a` and `b` (over `letters`
/// letters) disagree for `question`, every word of length ≤ `checked` being known to
/// agree; `spec` is the DFA of the side that is not a numeric model, whose accepted words
/// are candidates. Each word found is shrunk (the first within as long again as the
/// budget's time, the others within what is left of it), and the shortest (then least)
/// kept; the hunt stops after [`MOST_FINDS`] finds, at a word of length `checked` + 1, at
/// `budget`'s deadline or once the machines have made `budget.max_states` more states. A
/// NaN a step of the model meets is returned: the executor raises it on that word too.
pub fn hunt(
    a: &mut dyn Machine,
    b: &mut dyn Machine,
    spec: &Dfa,
    letters: usize,
    question: Question,
    checked: usize,
    budget: &Budget,
) -> Result<Hunted, ExecError> {
    let mut run = Runner::new(a, b, question)?;
    let mut tried = 0usize;
    if letters == 0 {
        return Ok(Hunted {
            counterexample: None,
            words_tried: 0,
            states: 0,
        });
    }
    let lo = checked + 1;
    let (short, long) = (4 * lo, 8 * lo);
    let walks = Walks::new(spec, lo..=long);
    let us = short_words(letters, 1..=3, 4096);
    let vs = short_words(letters, 0..=2, 256);
    let mut pair = 0usize;
    let mut rng = Rng::new(SEED);
    let mut candidates: Vec<Vec<u32>> = Vec::new();
    // The shortest word found so far, shrunk, and how many were found.
    let (mut best, mut finds): (Option<Vec<u32>>, usize) = (None, 0);
    let mut found: Vec<Vec<u32>> = Vec::new();
    'hunt: loop {
        // One round: a uniform word, a walk and its three mutations, a power family.
        candidates.clear();
        let len = lo + rng.below((short - lo + 1) as u64) as usize;
        candidates.push((0..len).map(|_| rng.below(letters as u64) as u32).collect());
        if let Some(walks) = &walks {
            let w = walks.walk(&mut rng);
            let at = |rng: &mut Rng, n: usize| rng.below(n as u64) as usize;
            let mut inserted = w.clone();
            inserted.insert(at(&mut rng, w.len() + 1), at(&mut rng, letters) as u32);
            candidates.push(inserted);
            if !w.is_empty() {
                let mut deleted = w.clone();
                deleted.remove(at(&mut rng, w.len()));
                candidates.push(deleted);
                let mut changed = w.clone();
                let i = at(&mut rng, w.len());
                if letters > 1 {
                    changed[i] =
                        (changed[i] + 1 + at(&mut rng, letters - 1) as u32) % letters as u32;
                    candidates.push(changed);
                }
            }
            candidates.push(w);
        }
        for word in &candidates {
            if budget
                .check(run.grown(), 1, "abstract states made by the hunt")
                .is_err()
            {
                break 'hunt;
            }
            tried += 1;
            if let Some(m) = run.first_difference(word, checked)? {
                found.push(word[..m].to_vec());
            }
        }
        // u^k v for k = 1, 2, … up to the longest length, one family per round.
        if pair < us.len() * vs.len() {
            let (u, v) = (&us[pair / vs.len()], &vs[pair % vs.len()]);
            pair += 1;
            let (mut at, mut done) = (run.start, 0usize);
            while done + u.len() + v.len() <= long {
                match run.read(at, done, u, checked)? {
                    Err(m) => {
                        found.push(u.repeat(m.div_ceil(u.len()))[..m].to_vec());
                        break;
                    }
                    Ok(next) => at = next,
                }
                done += u.len();
                if done + v.len() > checked {
                    tried += 1;
                    if let Err(m) = run.read(at, done, v, checked)? {
                        let mut w = u.repeat(done / u.len());
                        w.extend_from_slice(&v[..m - done]);
                        found.push(w);
                        break;
                    }
                }
            }
        }
        // Each word found is shrunk; the shortest (then least) is kept. The first gets as
        // long again as the hunt's share to shrink; the others what is left of it.
        for word in found.drain(..) {
            let within = if finds == 0 {
                shrink_budget(budget)
            } else {
                *budget
            };
            finds += 1;
            let word = shrink(&mut run, word, checked, &within, &mut tried)?;
            if best
                .as_ref()
                .is_none_or(|b| (word.len(), &word) < (b.len(), b))
            {
                best = Some(word);
            }
        }
        // No word can be shorter than checked + 1, and a few finds suffice.
        if finds >= MOST_FINDS || best.as_ref().is_some_and(|b| b.len() == lo) {
            break;
        }
    }
    Ok(Hunted {
        counterexample: best,
        words_tried: tried,
        states: run.grown(),
    })
}

/// The longest u^k [`hunt_powers`] reads. A word found is confirmed by the exact
/// executor without its trace (`run_numeric_answer`, time n × distinct keys); the
/// two-layer `contains-a` in e4m3 is wrong on b^13995 a a (13,997 letters).
pub const LONGEST_POWER: usize = 1 << 14;

/// Hunts among long powers u^k v (|u| ≤ 2, |v| ≤ 2, the first 64 of each by length;
/// k·|u| ≤ [`LONGEST_POWER`]), every
/// word of length ≤ `checked` being known to agree: a word longer than `checked` on
/// which `a` and `b` disagree for `question`, shrunk as [`hunt()`] shrinks. The prefixes
/// u^k are read by length, every u side by side, each once for every v after it.
///
/// These words reach the counts that only long words have, far past the [`hunt()`]'s
/// lengths (8 times the search's): a trained e4m3 hybrid for Σ*a is wrong on b^325 a a
/// (the shortest wrong word among the powers tried offline), where the attention weights of the b positions round up
/// and sum to 1.28 (docs/results/2026-12-08-long-powers.md). Stops at `budget`'s
/// deadline or once the machines have made `budget.max_states` more states; a find is
/// shrunk within as long again.
pub fn hunt_powers(
    a: &mut dyn Machine,
    b: &mut dyn Machine,
    letters: usize,
    question: Question,
    checked: usize,
    budget: &Budget,
) -> Result<Hunted, ExecError> {
    let mut run = Runner::new(a, b, question)?;
    let mut tried = 0usize;
    let us = short_words(letters, 1..=2, 64);
    let vs = short_words(letters, 0..=2, 64);
    // Per u: the pair after u^k and k·|u|.
    let mut chains: Vec<((u32, u32), usize)> = vec![(run.start, 0); us.len()];
    let mut found: Option<Vec<u32>> = None;
    'length: for len in 1..=LONGEST_POWER {
        for (u, (at, done)) in us.iter().zip(chains.iter_mut()) {
            if *done + u.len() != len {
                continue;
            }
            if budget
                .check(run.grown(), 1, "abstract states made by the hunt")
                .is_err()
            {
                break 'length;
            }
            match run.read(*at, *done, u, checked)? {
                Err(m) => {
                    found = Some(u.repeat(m.div_ceil(u.len()))[..m].to_vec());
                    break 'length;
                }
                Ok(next) => *at = next,
            }
            *done = len;
            for v in &vs {
                if len + v.len() <= checked {
                    continue;
                }
                tried += 1;
                if let Err(m) = run.read(*at, len, v, checked)? {
                    let mut w = u.repeat(len / u.len());
                    w.extend_from_slice(&v[..m - len]);
                    found = Some(w);
                    break 'length;
                }
            }
        }
    }
    let counterexample = match found {
        None => None,
        Some(word) => Some(shrink(
            &mut run,
            word,
            checked,
            &shrink_budget(budget),
            &mut tried,
        )?),
    };
    Ok(Hunted {
        counterexample,
        words_tried: tried,
        states: run.grown(),
    })
}

/// The budget for shrinking a hunt's first find: as long again as the hunt's share, from
/// now, and twice its states.
fn shrink_budget(budget: &Budget) -> Budget {
    let share = budget.timeout.unwrap_or(Duration::from_secs(1));
    Budget {
        deadline: Some(Instant::now() + share),
        timeout: Some(share),
        max_states: budget.max_states.saturating_mul(2),
    }
}

/// How many words a hunt finds (each shrunk) before it keeps the shortest.
pub const MOST_FINDS: usize = 16;

/// Deletes blocks of `word` (halving their size down to single letters) while the sides
/// still disagree on a prefix of the rest, keeping that prefix, within `within`.
fn shrink(
    run: &mut Runner,
    mut word: Vec<u32>,
    checked: usize,
    within: &Budget,
    tried: &mut usize,
) -> Result<Vec<u32>, ExecError> {
    let mut size = (word.len() / 2).max(1);
    loop {
        let mut progress = false;
        let mut i = 0;
        while i < word.len() {
            if within
                .check(run.grown(), 1, "abstract states made by the hunt")
                .is_err()
            {
                return Ok(word);
            }
            let end = (i + size).min(word.len());
            let candidate = [&word[..i], &word[end..]].concat();
            *tried += 1;
            match run.first_difference(&candidate, checked)? {
                Some(m) => {
                    word = candidate[..m].to_vec();
                    progress = true;
                }
                None => i += size,
            }
        }
        if !progress {
            if size == 1 {
                return Ok(word);
            }
            size /= 2;
        }
        size = size.min((word.len() / 2).max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_words_come_shortest_first() {
        let w = short_words(2, 0..=2, 100);
        assert_eq!(w.len(), 7);
        assert_eq!(w[0], Vec::<u32>::new());
        assert_eq!(w[6], vec![1, 1]);
        assert_eq!(short_words(3, 1..=3, 5).len(), 5);
    }
}
