//! Equivalence and inclusion by a breadth-first walk of the product of two DFAs: the
//! first pair of states that tells the languages apart is reached by a shortest word.

use rustc_hash::FxHashMap;

use super::budget::{Budget, LimitError};
use super::dfa::Dfa;

/// What is asked of the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Question {
    /// L(left) = L(right)?
    Equivalent,
    /// L(left) ⊆ L(right)?
    Included,
}

/// The answer, before re-checking by the evaluator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductAnswer {
    /// `None` when the property holds; otherwise a shortest word (letters) that
    /// violates it, the first in letter order among the shortest.
    pub counterexample: Option<Vec<u32>>,
    /// Product pairs visited.
    pub states_explored: usize,
}

/// Walks the product of `left` and `right` (same alphabet) breadth-first.
pub fn compare(
    left: &Dfa,
    right: &Dfa,
    question: Question,
    budget: &Budget,
) -> Result<ProductAnswer, LimitError> {
    assert_eq!(
        left.alphabet, right.alphabet,
        "compared automata must share their alphabet"
    );
    let k = left.letters() as u32;
    let bad = |p: u32, q: u32| {
        let (a, b) = (left.accepting[p as usize], right.accepting[q as usize]);
        match question {
            Question::Equivalent => a != b,
            Question::Included => a && !b,
        }
    };
    // pairs[i] = (p, q, parent index, letter).
    let mut pairs: Vec<(u32, u32, u32, u32)> = vec![(0, 0, u32::MAX, 0)];
    let mut seen: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    seen.insert((0, 0), 0);
    let mut head = 0;
    while head < pairs.len() {
        let (p, q, _, _) = pairs[head];
        if bad(p, q) {
            let mut word = Vec::new();
            let mut i = head as u32;
            while pairs[i as usize].2 != u32::MAX {
                word.push(pairs[i as usize].3);
                i = pairs[i as usize].2;
            }
            word.reverse();
            return Ok(ProductAnswer {
                counterexample: Some(word),
                states_explored: pairs.len(),
            });
        }
        for l in 0..k {
            let next = (left.next(p, l), right.next(q, l));
            if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(next) {
                e.insert(pairs.len() as u32);
                pairs.push((next.0, next.1, head as u32, l));
                if pairs.len() % 1024 == 0 {
                    budget.check(pairs.len(), 1, "product pairs")?;
                }
            }
        }
        head += 1;
    }
    Ok(ProductAnswer {
        counterexample: None,
        states_explored: pairs.len(),
    })
}
