//! Depth-n types (docs/SEMANTICS.md §5) for unary operator sets: P (strict once) and
//! Y^{≤k} (k = 1 is Y).
//!
//! type₀(i) is the letter at i (⊣ at the end marker); typeₙ(i) is the letter with, for P,
//! the set of typeₙ₋₁(j) for j < i and, for Y^{≤k}, the typeₙ₋₁ of each of the k previous
//! positions ("none" before the first). Two words agree on every formula of nesting depth
//! ≤ n over these operators iff their end-marker positions have the same depth-n type.
//!
//! [`expressible`] decides exactly whether a language (its minimal DFA) is expressible at
//! depth ≤ n: a finite automaton computes the types of the current position, and its
//! product with the DFA is explored; two reachable words with the same end-marker type
//! and different membership prove "no", and are returned.

use rustc_hash::FxHashMap;

use crate::automata::Dfa;

/// Which unary operators the types account for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypeOps {
    /// Strict once.
    pub p: bool,
    /// Bounded yesterday with this window (1 = Y); 0 = not used.
    pub window: u32,
}

impl TypeOps {
    /// {P}: global soft attention.
    pub const GLOBAL: TypeOps = TypeOps { p: true, window: 0 };
    /// {Y}: 1-local attention.
    pub const LOCAL1: TypeOps = TypeOps {
        p: false,
        window: 1,
    };
    /// {P, Y}: hybrid attention.
    pub const HYBRID1: TypeOps = TypeOps { p: true, window: 1 };
}

/// A type's description: its letter, the set of lower types seen before (P) and the set
/// in the window (Y^{≤k}).
pub type TypeKey = (u32, Vec<u32>, Vec<u32>);
type Key = TypeKey;

/// Interned types, level by level, shared by all words compared with each other.
#[derive(Default)]
pub struct Types {
    levels: Vec<FxHashMap<Key, u32>>,
}

/// Letter index standing for the end marker.
fn eos_letter(letters: usize) -> u32 {
    letters as u32
}

impl Types {
    fn intern(&mut self, level: usize, key: Key) -> u32 {
        while self.levels.len() <= level {
            self.levels.push(FxHashMap::default());
        }
        let m = &mut self.levels[level];
        let next = m.len() as u32;
        *m.entry(key).or_insert(next)
    }

    /// The depth-n type of the end-marker position of `word` (letters `0..letters`).
    pub fn eos_type(&mut self, ops: TypeOps, word: &[u32], letters: usize, n: usize) -> u32 {
        let len = word.len() + 1;
        let letter = |i: usize| {
            if i < word.len() {
                word[i]
            } else {
                eos_letter(letters)
            }
        };
        let mut prev: Vec<u32> = (0..len)
            .map(|i| self.intern(0, (letter(i), vec![], vec![])))
            .collect();
        for m in 1..=n {
            let mut cur = Vec::with_capacity(len);
            let mut seen: Vec<u32> = Vec::new();
            for i in 0..len {
                let pset = if ops.p {
                    let mut s = seen.clone();
                    s.sort_unstable();
                    s.dedup();
                    s
                } else {
                    vec![]
                };
                // Y^{≤k} sees the set of types in its window (positions before the first
                // one contribute nothing).
                let mut ywin: Vec<u32> = (1..=ops.window as usize)
                    .filter(|&d| i >= d)
                    .map(|d| prev[i - d])
                    .collect();
                ywin.sort_unstable();
                ywin.dedup();
                cur.push(self.intern(m, (letter(i), pset, ywin)));
                seen.push(prev[i]);
            }
            prev = cur;
        }
        prev[len - 1]
    }
}

/// Two words with the same depth-n type and different membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeConflict {
    /// A word in the language.
    pub member: Vec<u32>,
    /// A word outside it with the same depth-n end-marker type.
    pub non_member: Vec<u32>,
}

/// The outcome of [`expressible`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expressible {
    /// Every pair of words with equal depth-n types has equal membership.
    Yes {
        /// Product states explored.
        type_states: usize,
        /// The end-marker types of accepted words.
        accepted: Vec<u32>,
        /// Every type that occurs, level by level: `keys[m][id]` = (letter, P-set, Y-set).
        keys: Vec<Vec<TypeKey>>,
    },
    /// Two words prove that no formula of depth ≤ n defines the language.
    No(TypeConflict),
    /// The type automaton outgrew the budget.
    Unknown {
        /// Type-automaton states built when it stopped.
        type_states: usize,
    },
}

/// Type-automaton state: for each level m < n, the set of m-types seen (for P) and the
/// m-types of the last `window` positions, most recent first (ordered, to slide the
/// window; the types themselves only see the window as a set).
type TState = Vec<(Vec<u32>, Vec<u32>)>;

/// Decides whether L(dfa) (acceptance as the DFA says, i.e. at the end marker) is
/// expressible by formulas of nesting depth ≤ n over `ops`.
pub fn expressible(dfa: &Dfa, ops: TypeOps, n: usize, max_states: usize) -> Expressible {
    let k = dfa.letters();
    let mut types = Types::default();
    let w = ops.window as usize;
    // The types at the next position, holding `letter`, given the state.
    // The types at the next position, holding `letter`, up to level `top` (n for the end
    // marker; below n for letters, whose level-n types nothing reads).
    let next_types = |types: &mut Types, st: &TState, letter: u32, top: usize| -> Vec<u32> {
        let mut t = Vec::with_capacity(top + 1);
        t.push(types.intern(0, (letter, vec![], vec![])));
        for m in 1..=top {
            let (pset, ywin) = &st[m - 1];
            let p = if ops.p { pset.clone() } else { vec![] };
            let mut y = ywin.clone();
            y.sort_unstable();
            y.dedup();
            t.push(types.intern(m, (letter, p, y)));
        }
        t
    };
    let advance = |st: &TState, t: &[u32]| -> TState {
        st.iter()
            .enumerate()
            .map(|(m, (pset, ywin))| {
                let mut p = pset.clone();
                if ops.p {
                    if let Err(pos) = p.binary_search(&t[m]) {
                        p.insert(pos, t[m]);
                    }
                }
                let mut y = Vec::with_capacity(w);
                if w > 0 {
                    y.push(t[m]);
                    y.extend(ywin.iter().take(w - 1));
                }
                (p, y)
            })
            .collect()
    };
    let start: TState = vec![(vec![], vec![]); n];
    let mut index: FxHashMap<(TState, u32), u32> = FxHashMap::default();
    // Explored pairs: (type state, DFA state, parent, letter).
    let mut pairs: Vec<(TState, u32, u32, u32)> = vec![(start.clone(), 0, u32::MAX, 0)];
    index.insert((start, 0), 0);
    let mut verdict: FxHashMap<u32, (bool, u32)> = FxHashMap::default();
    let word_of = |pairs: &Vec<(TState, u32, u32, u32)>, mut i: u32| {
        let mut w = Vec::new();
        while pairs[i as usize].2 != u32::MAX {
            w.push(pairs[i as usize].3);
            i = pairs[i as usize].2;
        }
        w.reverse();
        w
    };
    let mut head = 0;
    while head < pairs.len() {
        let (st, q) = (pairs[head].0.clone(), pairs[head].1);
        let eos = next_types(&mut types, &st, eos_letter(k), n)[n];
        let acc = dfa.accepting[q as usize];
        match verdict.get(&eos) {
            Some(&(a, other)) if a != acc => {
                let (x, y) = (word_of(&pairs, head as u32), word_of(&pairs, other));
                let (member, non_member) = if acc { (x, y) } else { (y, x) };
                return Expressible::No(TypeConflict { member, non_member });
            }
            Some(_) => {}
            None => {
                verdict.insert(eos, (acc, head as u32));
            }
        }
        for a in 0..k as u32 {
            let t = next_types(&mut types, &st, a, n.saturating_sub(1));
            let ns = advance(&st, &t);
            let nq = dfa.next(q, a);
            let key = (ns, nq);
            if !index.contains_key(&key) {
                if pairs.len() >= max_states {
                    return Expressible::Unknown {
                        type_states: pairs.len(),
                    };
                }
                index.insert(key.clone(), pairs.len() as u32);
                pairs.push((key.0, nq, head as u32, a));
            }
        }
        head += 1;
    }
    let accepted = verdict
        .iter()
        .filter(|(_, &(a, _))| a)
        .map(|(&t, _)| t)
        .collect();
    let keys = types
        .levels
        .iter()
        .map(|m| {
            let mut v: Vec<TypeKey> = vec![(0, vec![], vec![]); m.len()];
            for (k, &id) in m {
                v[id as usize] = k.clone();
            }
            v
        })
        .collect();
    Expressible::Yes {
        type_states: pairs.len(),
        accepted,
        keys,
    }
}
