//! Alphabets: letters (one token per position) or proposition sets (Σ = 2^AP).

use std::collections::BTreeSet;

use crate::logic::Word;

/// The input alphabet of an automaton. Letters are numbered `0..len()`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Alphabet {
    /// Letter semantics: letter `i` is the token `tokens[i]`.
    Tokens(Vec<String>),
    /// Proposition semantics: letter `m` is the set of propositions whose bit is set in `m`.
    Props(Vec<String>),
}

/// Proposition alphabets above this many propositions are refused: 2^AP letters each
/// need their own transition in an explicit automaton.
pub const MAX_PROPS: usize = 20;

impl Alphabet {
    /// Number of letters.
    pub fn len(&self) -> usize {
        match self {
            Alphabet::Tokens(t) => t.len(),
            Alphabet::Props(p) => 1usize << p.len().min(MAX_PROPS),
        }
    }

    /// Whether there is no letter at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The atom names (tokens or propositions).
    pub fn atoms(&self) -> &[String] {
        match self {
            Alphabet::Tokens(t) | Alphabet::Props(t) => t,
        }
    }

    /// A word (letter indices) as its letters separated by spaces (the token-file form
    /// `sample` writes).
    pub fn show_word(&self, word: &[u32]) -> String {
        word.iter()
            .map(|&l| self.show(l))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Letter `l` written for people: the token, or `{p,q}`.
    pub fn show(&self, l: u32) -> String {
        match self {
            Alphabet::Tokens(t) => t[l as usize].clone(),
            Alphabet::Props(p) => {
                let names: Vec<&str> = p
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| l >> i & 1 == 1)
                    .map(|(_, n)| n.as_str())
                    .collect();
                format!("{{{}}}", names.join(","))
            }
        }
    }

    /// A sequence of letters as a [`Word`] for the evaluator.
    pub fn word(&self, letters: &[u32]) -> Word {
        match self {
            Alphabet::Tokens(t) => {
                Word::Letters(letters.iter().map(|&l| t[l as usize].clone()).collect())
            }
            Alphabet::Props(p) => Word::Props(
                letters
                    .iter()
                    .map(|&l| {
                        p.iter()
                            .enumerate()
                            .filter(|(i, _)| l >> i & 1 == 1)
                            .map(|(_, n)| n.clone())
                            .collect::<BTreeSet<_>>()
                    })
                    .collect(),
            ),
        }
    }

    /// The letters of a [`Word`], or the first token that is not in the alphabet.
    pub fn letters_of(&self, word: &Word) -> Result<Vec<u32>, String> {
        match (self, word) {
            (Alphabet::Tokens(t), Word::Letters(w)) => w
                .iter()
                .map(|x| {
                    t.iter()
                        .position(|y| y == x)
                        .map(|i| i as u32)
                        .ok_or_else(|| x.clone())
                })
                .collect(),
            (Alphabet::Props(p), Word::Props(w)) => w
                .iter()
                .map(|set| {
                    set.iter().try_fold(0u32, |m, x| {
                        p.iter()
                            .position(|y| y == x)
                            .map(|i| m | 1 << i)
                            .ok_or_else(|| x.clone())
                    })
                })
                .collect(),
            _ => Err("letter and proposition words do not mix".into()),
        }
    }
}
