//! Equivalence and inclusion by a breadth-first walk of the product of two DFAs: the
//! first pair of states that tells the languages apart is reached by a shortest word.

use rustc_hash::FxHashMap;

use crate::automata::{Budget, Dfa, LimitError};
use crate::engine::layout::Question;

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
    let (counterexample, states_explored) = product_bfs(
        |p, q| question.violated(left.accepting[p as usize], right.accepting[q as usize]),
        |p, q, out| {
            out.extend((0..k).map(|l| ((left.next(p, l), right.next(q, l)), l)));
        },
        budget,
    )?;
    Ok(ProductAnswer {
        counterexample,
        states_explored,
    })
}

/// The breadth-first walk of a product from the pair (0, 0): `succ(p, q, out)` appends the
/// successor pairs of (p, q), each with a letter leading there, in the order they are to
/// be tried. The first pair `bad` accepts is reached by a shortest word (the first in
/// that order among the shortest), returned with the number of pairs visited.
pub(super) fn product_bfs<L: Clone>(
    bad: impl Fn(u32, u32) -> bool,
    mut succ: impl FnMut(u32, u32, &mut Vec<((u32, u32), L)>),
    budget: &Budget,
) -> Result<(Option<Vec<L>>, usize), LimitError> {
    // pairs[i] = (p, q, parent index, letter); the initial pair has no letter.
    let mut pairs: Vec<(u32, u32, u32, Option<L>)> = vec![(0, 0, u32::MAX, None)];
    let mut seen: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    seen.insert((0, 0), 0);
    let mut found = Vec::new();
    let mut head = 0;
    while head < pairs.len() {
        let (p, q) = (pairs[head].0, pairs[head].1);
        if bad(p, q) {
            let mut word = Vec::new();
            let mut i = head;
            while let Some(l) = &pairs[i].3 {
                word.push(l.clone());
                i = pairs[i].2 as usize;
            }
            word.reverse();
            return Ok((Some(word), pairs.len()));
        }
        found.clear();
        succ(p, q, &mut found);
        for (next, l) in found.drain(..) {
            if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(next) {
                e.insert(pairs.len() as u32);
                pairs.push((next.0, next.1, head as u32, Some(l)));
                if pairs.len() % 1024 == 0 {
                    budget.check(pairs.len(), 1, "product pairs")?;
                }
            }
        }
        head += 1;
    }
    Ok((None, pairs.len()))
}
