//! The hash-consed decision diagrams of the guard-labelled automata: the node store
//! (transitions, with states as leaves) and the Boolean guards the construction
//! evaluates a state's next values into.

use rustc_hash::FxHashMap;

/// Node ids with this bit set are leaves; the rest index the node store.
pub(super) const LEAF: u32 = 1 << 31;
/// The Boolean leaves.
pub(super) const FALSE: u32 = LEAF;
/// See [`FALSE`].
pub(super) const TRUE: u32 = LEAF | 1;
/// The variable of a leaf: after every proposition.
pub(super) const NO_VAR: u32 = u32::MAX;

/// A hash-consed store of decision nodes `(level, low, high)`; levels are tested in
/// increasing order from the root, level i being proposition `order[i]` of the automaton.
#[derive(Clone, Debug, Default)]
pub(super) struct Store {
    pub(super) nodes: Vec<(u32, u32, u32)>,
    pub(super) unique: FxHashMap<(u32, u32, u32), u32>,
}

impl Store {
    pub(super) fn var(&self, n: u32) -> u32 {
        if n & LEAF != 0 {
            NO_VAR
        } else {
            self.nodes[n as usize].0
        }
    }

    /// The children of `n` for variable `v` (`n` twice when `n` does not test `v`).
    pub(super) fn split(&self, n: u32, v: u32) -> (u32, u32) {
        if n & LEAF == 0 && self.nodes[n as usize].0 == v {
            let (_, lo, hi) = self.nodes[n as usize];
            (lo, hi)
        } else {
            (n, n)
        }
    }

    pub(super) fn mk(&mut self, v: u32, lo: u32, hi: u32) -> u32 {
        if lo == hi {
            return lo;
        }
        let next = self.nodes.len() as u32;
        *self.unique.entry((v, lo, hi)).or_insert_with(|| {
            self.nodes.push((v, lo, hi));
            next
        })
    }

    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }
}

/// Boolean guards over the propositions (the construction's scratch BDDs).
#[derive(Debug, Default)]
pub(crate) struct Bools {
    pub(super) store: Store,
    pub(super) cache: FxHashMap<(u8, u32, u32), u32>,
    /// The level of each proposition.
    pub(super) level: Vec<u32>,
}

impl Bools {
    /// The guard "proposition `i` holds".
    pub(super) fn var(&mut self, i: u32) -> u32 {
        let l = self.level[i as usize];
        self.store.mk(l, FALSE, TRUE)
    }

    pub(super) fn not(&mut self, a: u32) -> u32 {
        self.xor(a, TRUE)
    }

    pub(super) fn and(&mut self, a: u32, b: u32) -> u32 {
        self.apply(0, a, b)
    }

    pub(super) fn or(&mut self, a: u32, b: u32) -> u32 {
        self.apply(1, a, b)
    }

    pub(super) fn xor(&mut self, a: u32, b: u32) -> u32 {
        self.apply(2, a, b)
    }

    fn apply(&mut self, op: u8, a: u32, b: u32) -> u32 {
        if a & LEAF != 0 && b & LEAF != 0 {
            let (x, y) = (a == TRUE, b == TRUE);
            let r = match op {
                0 => x && y,
                1 => x || y,
                _ => x != y,
            };
            return if r { TRUE } else { FALSE };
        }
        match (op, a, b) {
            (0, FALSE, _) | (0, _, FALSE) => return FALSE,
            (0, TRUE, x) | (0, x, TRUE) => return x,
            (1, TRUE, _) | (1, _, TRUE) => return TRUE,
            (1, FALSE, x) | (1, x, FALSE) | (2, FALSE, x) | (2, x, FALSE) => return x,
            _ => {}
        }
        let key = (op, a.min(b), a.max(b));
        if let Some(&r) = self.cache.get(&key) {
            return r;
        }
        let v = self.store.var(a).min(self.store.var(b));
        let (a0, a1) = self.store.split(a, v);
        let (b0, b1) = self.store.split(b, v);
        let lo = self.apply(op, a0, b0);
        let hi = self.apply(op, a1, b1);
        let r = self.store.mk(v, lo, hi);
        self.cache.insert(key, r);
        r
    }
}

/// Guards are the values the layout's rules compute when the letter is left symbolic.
impl crate::engine::layout::Logic for Bools {
    type B = u32;
    fn constant(&mut self, b: bool) -> u32 {
        if b {
            TRUE
        } else {
            FALSE
        }
    }
    fn not(&mut self, a: &u32) -> u32 {
        Bools::not(self, *a)
    }
    fn and(&mut self, a: &u32, b: &u32) -> u32 {
        Bools::and(self, *a, *b)
    }
    fn or(&mut self, a: &u32, b: &u32) -> u32 {
        Bools::or(self, *a, *b)
    }
    fn iff(&mut self, a: &u32, b: &u32) -> u32 {
        let d = self.xor(*a, *b);
        Bools::not(self, d)
    }
}
