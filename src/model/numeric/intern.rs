//! Hash-consing tables shared by the compiler and the count formulas.

use rustc_hash::FxHashMap as HashMap;

/// Values numbered in order of first appearance, each stored once in `list` and once as
/// a key of the index (parts of states, vectors, key classes, diagram nodes).
pub(super) struct Interner<T> {
    pub(super) list: Vec<T>,
    index: HashMap<T, u32>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            list: Vec::new(),
            index: HashMap::default(),
        }
    }
}

impl<T: Clone + Eq + std::hash::Hash> Interner<T> {
    /// The number of `v`, given it if it is new.
    pub(super) fn intern(&mut self, v: T) -> u32 {
        if let Some(&id) = self.index.get(&v) {
            return id;
        }
        let id = self.list.len() as u32;
        self.list.push(v.clone());
        self.index.insert(v, id);
        id
    }
}
