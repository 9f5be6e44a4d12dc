//! Every short word, in shortlex order (a letter ordered by its index in the alphabet, a
//! proposition set by the number with proposition i as bit i): the first one that
//! violates a question is its least shortest counterexample, the word every engine
//! reports.

use std::collections::BTreeSet;

use ltlattn::logic::Word;

/// Every word of length at most `max_len` whose positions are drawn from `positions`,
/// shortest first, then in the order of `positions`.
fn shortlex<T: Clone>(positions: &[T], max_len: usize) -> Vec<Vec<T>> {
    let mut out = vec![Vec::new()];
    let mut layer = vec![Vec::new()];
    for _ in 0..max_len {
        let mut next = Vec::new();
        for w in &layer {
            for a in positions {
                let mut v: Vec<T> = Vec::clone(w);
                v.push(a.clone());
                next.push(v);
            }
        }
        out.extend(next.iter().cloned());
        layer = next;
    }
    out
}

/// Every letter word over `alphabet` of length at most `max_len`, shortest first.
pub fn all_words(alphabet: &[&str], max_len: usize) -> Vec<Word> {
    let letters: Vec<String> = alphabet.iter().map(|a| a.to_string()).collect();
    shortlex(&letters, max_len)
        .into_iter()
        .map(Word::Letters)
        .collect()
}

/// Every word over the sets of `props` of length at most `max_len`, shortest first.
pub fn all_prop_words(props: &[&str], max_len: usize) -> Vec<Word> {
    let sets: Vec<BTreeSet<String>> = (0..1u32 << props.len())
        .map(|m| {
            props
                .iter()
                .enumerate()
                .filter(|(i, _)| m >> i & 1 == 1)
                .map(|(_, p)| p.to_string())
                .collect()
        })
        .collect();
    shortlex(&sets, max_len)
        .into_iter()
        .map(Word::Props)
        .collect()
}
