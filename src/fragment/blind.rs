//! Words that every model of a shape answers alike (docs/SEMANTICS.md §5, "blind pairs").
//!
//! A numeric model (docs/NUMERIC.md §2) has no positional encoding and masks strictly, and
//! every reduction is exact before its one rounding, so a head's output at a position is
//! a function of the query's vector and of the *multiset* of the vectors it attends to:
//! the whole prefix before it (global) or the k positions before it (local, window k).
//! Every position-wise step is a function of the position's vector. So the vector of layer
//! l at a position is a function of its *depth-l attention type*:
//!
//! - depth 0: the token (a letter, or ⊣);
//! - depth l: the depth-(l−1) type, with the multiset of depth-(l−1) types of the
//!   positions a global head attends to (if the shape has global heads) and the multiset of
//!   those in the window (if it has local heads).
//!
//! Two words whose ⊣ positions have the same depth-L type get the same logit from every
//! model with at most L layers whose heads are global or local with exactly that window,
//! of any number, width, feed-forward block, norm or number format, that answers both
//! (a NaN anywhere in a run is an error, docs/NUMERIC.md §1, and may strike one word
//! only). If one is in a language and the other is not, no such model recognizes the
//! language: a *blind pair*, the certificate for "no" at a given depth. The search below
//! enumerates words by length and stops at the first pair.
//!
//! The types are finer than the depth-L formula types of `Y^{≤k}` (multisets, not sets):
//! a numeric head counts within its window, which a Boolean `Y^{≤k}` formula does not.
//! With global heads and two layers or more they tell every two words apart (the depth-1
//! type of position j holds the multiset of the j − 1 tokens before it, so the depth-2 type
//! at ⊣ lists every prefix's letter counts, which spell the word): no blind pair exists
//! there, and [`blind_pair`] says so without searching ([`BlindSearch::Separating`]).

use std::collections::HashMap;

use crate::automata::Dfa;

/// Which heads the layers of a model may have. Every model with at most `layers` layers
/// whose heads are all global (if `global`) or local with window exactly `window` (if
/// given), strict masking and no positional encoding, has this shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ModelShape {
    /// The most layers.
    pub layers: u32,
    /// Global heads allowed.
    pub global: bool,
    /// Local heads allowed, with this window (k ≥ 1).
    pub window: Option<u32>,
}

impl ModelShape {
    /// "global", "local-k" or "hybrid-k", the experiment's names for the head kinds.
    pub fn heads_name(&self) -> String {
        match (self.global, self.window) {
            (true, None) => "global".into(),
            (false, Some(k)) => format!("local-{k}"),
            (true, Some(k)) => format!("hybrid-{k}"),
            (false, None) => "no attention".into(),
        }
    }
}

/// Depth-L attention types of the ⊣ position of words, interned (equal ids, equal types).
pub struct EndTypes {
    shape: ModelShape,
    /// The token id of ⊣ (the letters are 0..end).
    end: u32,
    multisets: HashMap<Vec<u32>, u32>,
    types: HashMap<(u32, u32, u32, u32), u32>,
}

/// Multiset id of "no such head" (distinct from every interned multiset, the empty one
/// included).
const ABSENT: u32 = u32::MAX;

impl EndTypes {
    /// Types for a shape over `letters` letters.
    pub fn new(shape: ModelShape, letters: usize) -> EndTypes {
        EndTypes {
            shape,
            end: letters as u32,
            multisets: HashMap::new(),
            types: HashMap::new(),
        }
    }

    fn multiset(&mut self, mut items: Vec<u32>) -> u32 {
        items.sort_unstable();
        let n = self.multisets.len() as u32;
        *self.multisets.entry(items).or_insert(n)
    }

    /// The depth-L type (L = the shape's layers) of the ⊣ position after `word` (letter
    /// indices), as an interned id: two words get the same id exactly when their types are
    /// equal.
    pub fn of(&mut self, word: &[u32]) -> u32 {
        let mut row: Vec<u32> = word.iter().copied().chain([self.end]).collect();
        for layer in 0..self.shape.layers {
            let mut next = Vec::with_capacity(row.len());
            for i in 0..row.len() {
                let global = if self.shape.global {
                    self.multiset(row[..i].to_vec())
                } else {
                    ABSENT
                };
                let local = match self.shape.window {
                    Some(k) => self.multiset(row[i.saturating_sub(k as usize)..i].to_vec()),
                    None => ABSENT,
                };
                let n = self.types.len() as u32;
                next.push(
                    *self
                        .types
                        .entry((layer, row[i], global, local))
                        .or_insert(n),
                );
            }
            row = next;
        }
        row[row.len() - 1]
    }
}

/// What the search for a blind pair found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlindSearch {
    /// `member` ∈ L, `non_member` ∉ L, and their ⊣ positions have the same depth-L type;
    /// no pair of words both shorter than the longer of the two has one.
    Found {
        /// A word of the language (letter indices).
        member: Vec<u32>,
        /// A word outside it.
        non_member: Vec<u32>,
    },
    /// Every word up to this length was typed and no two of different membership share a
    /// type (the search stopped at its word budget or its length limit).
    NoneUpTo(usize),
    /// The shape's types tell every two words apart (global heads, two layers or more):
    /// no blind pair exists, which says nothing about whether a model recognizes the
    /// language.
    Separating,
}

impl ModelShape {
    /// Whether the depth-L types are one-to-one on words (see the module's doc).
    pub fn separates_all_words(&self) -> bool {
        self.global && self.layers >= 2
    }
}

/// Types every word in length order, up to `max_len` letters and `max_words` words, and
/// returns the first blind pair for the language of `dfa` (EOS acceptance: the DFA's
/// answer on a word is the language's).
pub fn blind_pair(dfa: &Dfa, shape: ModelShape, max_len: usize, max_words: usize) -> BlindSearch {
    if shape.separates_all_words() {
        return BlindSearch::Separating;
    }
    let letters = dfa.letters();
    let mut types = EndTypes::new(shape, letters);
    // The first word seen of each type, with its membership.
    let mut seen: HashMap<u32, (Vec<u32>, bool)> = HashMap::new();
    let mut level: Vec<Vec<u32>> = vec![Vec::new()];
    let mut words = 0usize;
    for len in 0..=max_len {
        for w in &level {
            words += 1;
            let t = types.of(w);
            let inside = dfa.accepts(w);
            match seen.get(&t) {
                Some((v, was)) if *was != inside => {
                    let (member, non_member) = if inside {
                        (w.clone(), v.clone())
                    } else {
                        (v.clone(), w.clone())
                    };
                    return BlindSearch::Found { member, non_member };
                }
                Some(_) => {}
                None => {
                    seen.insert(t, (w.clone(), inside));
                }
            }
        }
        let next_words = level.len().saturating_mul(letters);
        if len == max_len || letters == 0 || words.saturating_add(next_words) > max_words {
            return BlindSearch::NoneUpTo(len);
        }
        level = crate::automata::one_letter_longer(&level, letters).collect();
    }
    BlindSearch::NoneUpTo(max_len)
}

/// Words `classify --layers L` types per shape (each under a second in a release build).
pub const ROW_WORDS: usize = 100_000;

/// Longest word `classify --layers L` types (a one-letter alphabet has one word per length).
pub const ROW_LENGTH: usize = 64;

/// The shapes with at most `layers` layers that `classify --layers` asks about — global,
/// 1-local, 1-hybrid, and with a window k ≥ 2 also k-local and k-hybrid — each with its
/// first blind pair for the language of `dfa`, or how far the search got
/// (`max_words` words and [`ROW_LENGTH`] letters per shape).
pub fn blind_rows(
    dfa: &Dfa,
    layers: u32,
    window: Option<u32>,
    max_words: usize,
) -> Vec<(ModelShape, BlindSearch)> {
    let mut shapes = vec![(true, None), (false, Some(1)), (true, Some(1))];
    if let Some(k) = window.filter(|&k| k >= 2) {
        shapes.extend([(false, Some(k)), (true, Some(k))]);
    }
    shapes
        .into_iter()
        .map(|(global, window)| {
            let shape = ModelShape {
                layers,
                global,
                window,
            };
            (shape, blind_pair(dfa, shape, ROW_LENGTH, max_words))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(global: bool, window: Option<u32>) -> ModelShape {
        ModelShape {
            layers: 2,
            global,
            window,
        }
    }

    #[test]
    fn a_window_of_two_loses_the_order_of_its_keys() {
        // The two positions before ⊣ of `a a b a` and `b a a b` carry the same tokens,
        // and their own windows the same multisets, in the other order.
        let mut t = EndTypes::new(shape(false, Some(2)), 2);
        assert_eq!(t.of(&[0, 0, 1, 0]), t.of(&[1, 0, 0, 1]));
        // A window of one keeps it.
        let mut t = EndTypes::new(shape(false, Some(1)), 2);
        assert_ne!(t.of(&[0, 0, 1, 0]), t.of(&[1, 0, 0, 1]));
    }

    #[test]
    fn global_heads_with_two_layers_separate_every_word_and_one_letter_ends() {
        // Every word over {a, b} up to length 9 has its own depth-2 type.
        let mut t = EndTypes::new(shape(true, Some(1)), 2);
        let mut seen = std::collections::HashSet::new();
        let mut level = vec![Vec::new()];
        for _ in 0..=9 {
            for w in &level {
                assert!(seen.insert(t.of(w)), "{w:?} shares a type");
            }
            level = crate::automata::one_letter_longer(&level, 2).collect();
        }
        // A one-letter alphabet stops at the length limit.
        let dfa = Dfa::from_parts(
            crate::automata::Alphabet::Tokens(vec!["a".into()]),
            crate::logic::Acceptance::Eos,
            vec![1, 1],
            vec![false, true],
        )
        .unwrap();
        let one = ModelShape {
            layers: 1,
            global: true,
            window: None,
        };
        assert_eq!(
            blind_pair(&dfa, one, ROW_LENGTH, ROW_WORDS),
            BlindSearch::NoneUpTo(ROW_LENGTH)
        );
        assert_eq!(
            blind_pair(&dfa, shape(true, None), 9, 9),
            BlindSearch::Separating
        );
    }

    #[test]
    fn layers_of_different_depth_are_never_confused() {
        // One layer: ⊣ after `a` and after `b` differ by their windows.
        let mut t = EndTypes::new(
            ModelShape {
                layers: 1,
                global: true,
                window: None,
            },
            2,
        );
        assert_ne!(t.of(&[0]), t.of(&[1]));
        assert_eq!(t.of(&[0, 1]), t.of(&[1, 0]));
        // Zero layers: only the token, ⊣ for every word.
        let mut t = EndTypes::new(
            ModelShape {
                layers: 0,
                global: true,
                window: None,
            },
            2,
        );
        assert_eq!(t.of(&[]), t.of(&[0, 1, 1]));
    }
}
