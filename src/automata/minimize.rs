//! Hopcroft's partition refinement, then a canonical renumbering.
//!
//! The minimal DFA is returned with its states numbered in breadth-first order from the
//! initial state (letters in order), so two formulas with the same language get equal
//! [`Dfa`] values.

use super::budget::{Budget, LimitError};
use super::dfa::Dfa;

/// The minimal complete DFA of the same language. The input must be complete and every
/// state reachable (as [`super::build_dfa`] makes them).
pub fn minimize(dfa: &Dfa) -> Dfa {
    match minimize_within(dfa, &Budget::default()) {
        Ok(d) => d,
        Err(_) => unreachable!("a budget without a deadline never runs out"),
    }
}

/// [`minimize`] under the budget's deadline, checked as the refinement works (a DFA with
/// 2^14 states over 2^14 letters takes tens of seconds to minimize).
pub fn minimize_within(dfa: &Dfa, budget: &Budget) -> Result<Dfa, LimitError> {
    let n = dfa.states;
    let k = dfa.letters();
    if n == 0 {
        return Ok(dfa.clone());
    }
    let labels: Vec<u32> = dfa.accepting.iter().map(|&a| u32::from(a)).collect();
    let block = coarsest_partition(&dfa.trans, k, &labels, budget)?;
    // Canonical numbering: breadth-first from the initial state's block.
    let blocks = block.iter().max().map_or(0, |&b| b as usize + 1);
    let mut rep = vec![u32::MAX; blocks];
    for (q, &b) in block.iter().enumerate().rev() {
        rep[b as usize] = q as u32;
    }
    let mut order = vec![u32::MAX; blocks];
    let mut queue = vec![block[0]];
    order[block[0] as usize] = 0;
    let mut head = 0;
    let mut trans = Vec::with_capacity(blocks * k);
    let mut accepting = Vec::with_capacity(blocks);
    while head < queue.len() {
        let b = queue[head] as usize;
        head += 1;
        let rep = rep[b] as usize;
        accepting.push(dfa.accepting[rep]);
        for l in 0..k {
            let tb = block[dfa.trans[rep * k + l] as usize] as usize;
            if order[tb] == u32::MAX {
                order[tb] = queue.len() as u32;
                queue.push(tb as u32);
            }
            trans.push(order[tb]);
        }
    }
    Ok(Dfa {
        alphabet: dfa.alphabet.clone(),
        acceptance: dfa.acceptance,
        states: queue.len(),
        trans,
        accepting,
    })
}

/// The coarsest partition of the states of a complete deterministic transition table
/// (`trans[q * k + l]`, every state reachable or not) that refines `labels` and is
/// compatible with the transitions: two states share a block iff every word leads them
/// to states with equal labels (Hopcroft's algorithm). With acceptance as the label it
/// minimizes a DFA; with a vector of outputs per state, a Mealy or Moore machine (the
/// numeric compiler's layer stages). Returns each state's block number.
pub fn coarsest_partition(
    trans: &[u32],
    k: usize,
    labels: &[u32],
    budget: &Budget,
) -> Result<Vec<u32>, LimitError> {
    let late = |done: usize| budget.check_time("DFA states (minimizing)", done);
    let n = labels.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    // Inverse transitions per letter, in CSR form: preds of q on l are
    // inv[start[l*n+q] .. start[l*n+q+1]].
    let mut start = vec![0u32; k * n + 1];
    for q in 0..n {
        for l in 0..k {
            start[l * n + trans[q * k + l] as usize + 1] += 1;
        }
    }
    for i in 0..k * n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut inv = vec![0u32; k * n];
    for q in 0..n {
        for l in 0..k {
            let slot = &mut fill[l * n + trans[q * k + l] as usize];
            inv[*slot as usize] = q as u32;
            *slot += 1;
        }
    }
    drop(fill);

    // Partition: elems[first[b]..end[b]] are the states of block b; loc[q] = index in
    // elems. The initial blocks are the runs of equal labels.
    let mut elems: Vec<u32> = (0..n as u32).collect();
    elems.sort_by_key(|&q| labels[q as usize]);
    let mut loc = vec![0u32; n];
    for (i, &q) in elems.iter().enumerate() {
        loc[q as usize] = i as u32;
    }
    let mut first = Vec::new();
    let mut end = Vec::new();
    let mut block = vec![0u32; n];
    let mut lo = 0;
    while lo < n {
        let label = labels[elems[lo] as usize];
        let hi = lo + elems[lo..].partition_point(|&q| labels[q as usize] == label);
        let b = first.len() as u32;
        first.push(lo as u32);
        end.push(hi as u32);
        for &q in &elems[lo..hi] {
            block[q as usize] = b;
        }
        lo = hi;
    }
    let mut marked = vec![0u32; first.len()];
    // The worklist holds (block, letter) splitters; `waiting` mirrors it. Every initial
    // block but a largest one is a splitter.
    let mut waiting: Vec<bool> = vec![false; first.len() * k];
    let mut work: Vec<(u32, u32)> = Vec::new();
    let largest = (0..first.len()).max_by_key(|&b| end[b] - first[b]);
    for b in (0..first.len()).filter(|&b| Some(b) != largest) {
        for l in 0..k as u32 {
            work.push((b as u32, l));
            waiting[b * k + l as usize] = true;
        }
    }
    let mut splitter: Vec<u32> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    let mut steps = 0usize;
    while let Some((a, l)) = work.pop() {
        steps += 1;
        if steps % 1024 == 0 {
            late(n)?;
        }
        waiting[a as usize * k + l as usize] = false;
        splitter.clear();
        splitter.extend_from_slice(&elems[first[a as usize] as usize..end[a as usize] as usize]);
        // Mark the predecessors: move each to the front part of its block.
        for &t in &splitter {
            let i = l as usize * n + t as usize;
            for &p in &inv[start[i] as usize..start[i + 1] as usize] {
                let b = block[p as usize] as usize;
                let pos = loc[p as usize];
                let mpos = first[b] + marked[b];
                if pos < mpos {
                    continue; // already marked
                }
                if marked[b] == 0 {
                    touched.push(b as u32);
                }
                let other = elems[mpos as usize];
                elems.swap(pos as usize, mpos as usize);
                loc[other as usize] = pos;
                loc[p as usize] = mpos;
                marked[b] += 1;
            }
        }
        for b in touched.drain(..) {
            let b = b as usize;
            let m = marked[b];
            marked[b] = 0;
            let size = end[b] - first[b];
            if m == size {
                continue;
            }
            // Split: the marked part becomes a new block.
            let nb = first.len() as u32;
            first.push(first[b]);
            end.push(first[b] + m);
            first[b] += m;
            marked.push(0);
            for &q in &elems[first[nb as usize] as usize..end[nb as usize] as usize] {
                block[q as usize] = nb;
            }
            waiting.extend(std::iter::repeat_n(false, k));
            let small = if m <= size - m { nb } else { b as u32 };
            for c in 0..k {
                if waiting[b * k + c] {
                    waiting[nb as usize * k + c] = true;
                    work.push((nb, c as u32));
                } else {
                    waiting[small as usize * k + c] = true;
                    work.push((small, c as u32));
                }
            }
        }
    }

    Ok(block)
}

/// The same (already minimal) DFA with its states numbered breadth-first from the
/// initial state, letters in order: the canonical numbering of [`minimize`].
pub(crate) fn renumber(dfa: &Dfa) -> Dfa {
    let k = dfa.letters();
    let mut order = vec![u32::MAX; dfa.states];
    let mut queue = vec![0u32];
    order[0] = 0;
    let mut head = 0;
    while head < queue.len() {
        let q = queue[head] as usize;
        head += 1;
        for l in 0..k {
            let t = dfa.trans[q * k + l] as usize;
            if order[t] == u32::MAX {
                order[t] = queue.len() as u32;
                queue.push(t as u32);
            }
        }
    }
    let mut trans = Vec::with_capacity(queue.len() * k);
    for &q in &queue {
        let q = q as usize;
        trans.extend(
            dfa.trans[q * k..(q + 1) * k]
                .iter()
                .map(|&t| order[t as usize]),
        );
    }
    Dfa {
        alphabet: dfa.alphabet.clone(),
        acceptance: dfa.acceptance,
        states: queue.len(),
        accepting: queue.iter().map(|&q| dfa.accepting[q as usize]).collect(),
        trans,
    }
}
