//! The reference evaluator: docs/SEMANTICS.md §1–§2 read as code, position by position.
//!
//! This is the oracle the automata, the z3 encodings and the model compiler are tested
//! against, so it follows the definitions literally (scans over earlier positions), not
//! the incremental updates the automata use.
//!
//! ```
//! use ltlattn::logic::{parse, Arena, Acceptance, Word, evaluate};
//! let mut f = Arena::new();
//! let phi = parse(&mut f, "P a").unwrap();     // "an a occurred before the end marker"
//! assert!(evaluate(&f, phi, &Word::letters(["b", "a"]), Acceptance::Eos));
//! assert!(!evaluate(&f, phi, &Word::letters(["b", "a"]), Acceptance::Last));
//! ```

use std::collections::BTreeSet;

use super::formula::{Arena, Node, NodeId};

/// Where a word is judged (docs/SEMANTICS.md §1).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Acceptance {
    /// At the end marker ⊣ appended after the word (the papers' convention; default).
    #[default]
    Eos,
    /// At the last position; the empty word is rejected (PPLTL tools).
    Last,
}

impl std::str::FromStr for Acceptance {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "eos" => Ok(Acceptance::Eos),
            "last" => Ok(Acceptance::Last),
            _ => Err(format!("unknown acceptance `{s}`: use `eos` or `last`")),
        }
    }
}

/// A finite word: one token per position, or one set of propositions per position.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Word {
    /// Letter semantics: exactly one atom (the token) holds at each position.
    Letters(Vec<String>),
    /// Proposition semantics: the atoms in the set hold.
    Props(Vec<BTreeSet<String>>),
}

impl Word {
    /// A letter word from tokens.
    pub fn letters<I, S>(tokens: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Word::Letters(tokens.into_iter().map(Into::into).collect())
    }

    /// Number of positions (without the end marker).
    pub fn len(&self) -> usize {
        match self {
            Word::Letters(w) => w.len(),
            Word::Props(w) => w.len(),
        }
    }

    /// Whether this is the empty word.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the atom `name` holds at position `i` (0-based, inside the word).
    pub fn holds(&self, i: usize, name: &str) -> bool {
        match self {
            Word::Letters(w) => w[i] == name,
            Word::Props(w) => w[i].contains(name),
        }
    }

    /// Position `i` written for people: the token, or `{p,q}`.
    pub fn show_position(&self, i: usize) -> String {
        match self {
            Word::Letters(w) => w[i].clone(),
            Word::Props(w) => format!("{{{}}}", w[i].iter().cloned().collect::<Vec<_>>().join(",")),
        }
    }

    /// The whole word written for people, positions separated by spaces (`ε` when empty).
    pub fn show(&self) -> String {
        if self.is_empty() {
            return "ε".into();
        }
        (0..self.len())
            .map(|i| self.show_position(i))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The truth of every subformula at every position.
#[derive(Clone, Debug)]
pub struct TruthTable {
    /// Subformulas, children before parents; the last one is the root.
    pub rows: Vec<NodeId>,
    /// `values[r][i]`: row `r` at position `i` (0-based; under EOS acceptance the last
    /// column is the end marker).
    pub values: Vec<Vec<bool>>,
    /// Number of columns.
    pub columns: usize,
    /// Whether the last column is the end marker.
    pub has_eos: bool,
}

/// Computes the truth table of `root` on `word`.
pub fn truth_table(arena: &Arena, root: NodeId, word: &Word, acceptance: Acceptance) -> TruthTable {
    let n = word.len();
    let has_eos = acceptance == Acceptance::Eos;
    let m = n + usize::from(has_eos);
    let rows = arena.subformulas(root);
    let mut row_of = vec![usize::MAX; root.index() + 1];
    let mut values: Vec<Vec<bool>> = Vec::with_capacity(rows.len());
    for (r, &id) in rows.iter().enumerate() {
        row_of[id.index()] = r;
        let v = |x: NodeId| &values[row_of[x.index()]];
        let is_eos = |i: usize| has_eos && i == n;
        let col: Vec<bool> = (0..m)
            .map(|i| match arena.node(id) {
                Node::True => true,
                Node::False => false,
                Node::Eos => is_eos(i),
                Node::Start => i == 0,
                Node::PosMod(m, r) => (i as u64 + 1) % u64::from(m) == u64::from(r),
                Node::Atom(a) => !is_eos(i) && word.holds(i, arena.atom_name(a)),
                Node::Not(x) => !v(x)[i],
                Node::And(x, y) => v(x)[i] && v(y)[i],
                Node::Or(x, y) => v(x)[i] || v(y)[i],
                Node::Implies(x, y) => !v(x)[i] || v(y)[i],
                Node::Iff(x, y) => v(x)[i] == v(y)[i],
                // i > 1 and φ at i−1
                Node::Yesterday(x) => i >= 1 && v(x)[i - 1],
                // i = 1 or φ at i−1
                Node::WeakYesterday(x) => i == 0 || v(x)[i - 1],
                // ∃ d ∈ 1..k with i−d ≥ 1 and φ at i−d
                Node::YesterdayWithin(k, x) => (1..=(k as usize).min(i)).any(|d| v(x)[i - d]),
                // ∃ j < i
                Node::StrictOnce(x) => (0..i).any(|j| v(x)[j]),
                // |{j < i : φ at j}| ≥ m
                Node::OnceAtLeast(m, x) => (0..i).filter(|&j| v(x)[j]).count() >= m as usize,
                // ∃ j ≤ i
                Node::Once(x) => (0..=i).any(|j| v(x)[j]),
                // ∀ j ≤ i
                Node::Historically(x) => (0..=i).all(|j| v(x)[j]),
                // ∃ j ≤ i: ψ at j and φ at every k in (j, i]
                Node::Since(x, y) => (0..=i).any(|j| v(y)[j] && (j + 1..=i).all(|k| v(x)[k])),
                // ∃ j < i: ψ at j and φ at every k in (j, i)
                Node::StrictSince(x, y) => (0..i).any(|j| v(y)[j] && (j + 1..i).all(|k| v(x)[k])),
                // ¬(¬φ S ¬ψ)
                Node::Release(x, y) => !(0..=i).any(|j| !v(y)[j] && (j + 1..=i).all(|k| !v(x)[k])),
            })
            .collect();
        values.push(col);
    }
    TruthTable {
        rows,
        values,
        columns: m,
        has_eos,
    }
}

/// The column at which acceptance is judged, or `None` (the empty word under `Last`).
pub fn accepting_column(word_len: usize, acceptance: Acceptance) -> Option<usize> {
    match acceptance {
        Acceptance::Eos => Some(word_len),
        Acceptance::Last => word_len.checked_sub(1),
    }
}

/// Whether `word` is in L(`root`).
pub fn evaluate(arena: &Arena, root: NodeId, word: &Word, acceptance: Acceptance) -> bool {
    match accepting_column(word.len(), acceptance) {
        None => false,
        Some(c) => {
            let t = truth_table(arena, root, word, acceptance);
            t.values[t.rows.len() - 1][c]
        }
    }
}
