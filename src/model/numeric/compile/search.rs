//! Counterexamples on the fly: a numeric model's abstract states explored in product
//! with another language's automaton, breadth first by word length, stopping at the
//! first word on which the two disagree (grammar/numeric.md, "Checking on the fly").
//!
//! The model's state after a prefix is, per layer, its part (exact counts of key classes
//! up to the format's cap, which is exact for every query type, and the window), so the
//! search needs no knowledge of the types that longer words bring and no minimization:
//! it computes only the states of the words it has read. Breadth first, a product state
//! is first reached by a shortest word, and whether the two sides agree is a property of
//! the state; so the first disagreement found is a shortest counterexample, and when the
//! budget stops the search after every state of depth ≤ n was judged, no word of length
//! ≤ n is a counterexample (`checked_up_to_length`). When no new state appears the whole
//! product is explored: the two languages agree at every length. A search may be given a
//! depth cap ([`search_to`]): it then stops once every state of that depth is judged,
//! which is how a counterexample of known length m found by testing words ([`super::hunt`])
//! is replaced by a shortest one.

use super::*;
use crate::engine::layout::Question;

/// A deterministic machine over letters 0..k with acceptance per state: one side of a
/// product search.
pub trait Machine {
    /// The state of the empty prefix.
    fn initial(&mut self) -> Result<u32, ExecError>;
    /// The state after one more letter.
    fn step(&mut self, q: u32, letter: u32) -> Result<u32, ExecError>;
    /// Whether the state accepts.
    fn accepts(&mut self, q: u32) -> Result<bool, ExecError>;
    /// States made so far.
    fn states(&self) -> usize;
}

/// A numeric model's abstract machine with exact counts, built as it is read.
pub struct NumericMachine<'m> {
    c: Compiler<'m>,
    /// States: a row of parts, one per layer.
    states: Rows,
    /// Per state: acceptance, once asked.
    accepting: HashMap<u32, bool>,
    scratch: Vec<u32>,
    row: Vec<u32>,
}

impl<'m> NumericMachine<'m> {
    /// The machine of `model`.
    pub fn new(model: &'m NumericModel) -> Self {
        NumericMachine {
            c: Compiler::new(model, Mode::Exact),
            states: Rows::default(),
            accepting: HashMap::default(),
            scratch: Vec::new(),
            row: Vec::new(),
        }
    }

    /// The type at the output of the last layer of the position that reads row `r` (a
    /// letter, or ⊣ for the alphabet's length) after the prefix of state `q`, and the
    /// parts after it (into `self.row`).
    fn run(&mut self, q: u32, r: usize, next: bool) -> Result<u32, ExecError> {
        let model = self.c.model;
        let layers = model.layers.len();
        let parts: Vec<u32> = self.states.get(q).to_vec();
        self.row.clear();
        let mut ty = self.c.types.intern(0, model.embed[r].clone());
        for (l, &part) in parts.iter().enumerate() {
            let me = self.c.class(l, ty)?;
            // Every position runs every layer and computes every head's query, read or
            // not, as the executor does (docs/NUMERIC.md §2.1): a NaN there is the
            // answer for every word through this state, so the search must meet it too.
            self.c.queries_of(l, ty)?;
            let out = self.c.step(l, ty, me, part)?;
            if !(next && l + 1 == layers) {
                ty = out;
            }
            if next {
                let np = self.c.next_part(l, part, me, &mut self.scratch);
                self.row.push(np);
            }
        }
        Ok(ty)
    }
}

impl Machine for NumericMachine<'_> {
    fn initial(&mut self) -> Result<u32, ExecError> {
        let layers = self.c.model.layers.len();
        let row: Vec<u32> = (0..layers).map(|l| self.c.parts[l].intern(&[0])).collect();
        Ok(self.states.intern(&row))
    }

    fn step(&mut self, q: u32, letter: u32) -> Result<u32, ExecError> {
        self.run(q, letter as usize, true)?;
        let row = std::mem::take(&mut self.row);
        let id = self.states.intern(&row);
        self.row = row;
        Ok(id)
    }

    fn accepts(&mut self, q: u32) -> Result<bool, ExecError> {
        if let Some(&a) = self.accepting.get(&q) {
            return Ok(a);
        }
        let model = self.c.model;
        let t = self.run(q, model.alphabet.len(), false)?;
        let v = self.c.types.get(model.layers.len(), t).clone();
        let a = logit(model, &v)?.signum() > 0;
        self.accepting.insert(q, a);
        Ok(a)
    }

    fn states(&self) -> usize {
        self.states.len()
    }
}

/// A DFA as a [`Machine`].
pub struct DfaMachine<'d>(pub &'d Dfa);

impl Machine for DfaMachine<'_> {
    fn initial(&mut self) -> Result<u32, ExecError> {
        Ok(0)
    }
    fn step(&mut self, q: u32, letter: u32) -> Result<u32, ExecError> {
        Ok(self.0.next(q, letter))
    }
    fn accepts(&mut self, q: u32) -> Result<bool, ExecError> {
        Ok(self.0.accepting()[q as usize])
    }
    fn states(&self) -> usize {
        self.0.states()
    }
}

/// What a product search found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    /// A shortest word (letters) on which the sides disagree, if any.
    pub counterexample: Option<Vec<u32>>,
    /// Product states explored.
    pub states: usize,
    /// States each side made.
    pub side_states: [usize; 2],
}

/// Why a product search stopped without an answer.
#[derive(Clone, Debug, PartialEq)]
pub enum SearchStop {
    /// The budget ran out: no word of length ≤ `checked_up_to_length` separates the
    /// sides (every product state of that depth was judged).
    Budget {
        /// The limit that was hit.
        limit: LimitError,
        /// The longest length up to which every word was checked.
        checked_up_to_length: usize,
    },
    /// A step of the model would be NaN.
    Nan(ExecError),
    /// The depth cap of [`search_to`] was reached: no word of length ≤
    /// `checked_up_to_length` (the cap) separates the sides, and longer words were not
    /// looked at.
    Depth {
        /// The cap.
        checked_up_to_length: usize,
    },
}

impl From<ExecError> for SearchStop {
    fn from(e: ExecError) -> Self {
        SearchStop::Nan(e)
    }
}

/// Breadth-first search of the product of `a` and `b` over `letters` letters for a
/// word in L(a) \ L(b) (`Included`) or in their symmetric difference (`Equivalent`).
pub fn search(
    a: &mut dyn Machine,
    b: &mut dyn Machine,
    letters: usize,
    question: Question,
    budget: &Budget,
) -> Result<Search, SearchStop> {
    search_to(a, b, letters, question, budget, None)
}

/// [`search()`] up to words of length `max_depth`: with a cap it stops with
/// [`SearchStop::Depth`] once every product state of that depth has been judged without
/// a disagreement, so a counterexample it returns is never longer than the cap (and is
/// the same shortest word the search without a cap returns).
pub fn search_to(
    a: &mut dyn Machine,
    b: &mut dyn Machine,
    letters: usize,
    question: Question,
    budget: &Budget,
    max_depth: Option<usize>,
) -> Result<Search, SearchStop> {
    let differ = |x: bool, y: bool| match question {
        Question::Equivalent => x != y,
        Question::Included => x && !y,
    };
    let mut ids: HashMap<(u32, u32), u32> = HashMap::default();
    // Per product state: its pair, and the state and letter it was first reached from.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut parent: Vec<(u32, u32)> = Vec::new();
    let word_to = |parent: &[(u32, u32)], mut s: u32| {
        let mut w = Vec::new();
        while s != 0 {
            let (p, r) = parent[s as usize];
            w.push(r);
            s = p;
        }
        w.reverse();
        w
    };
    let start = (a.initial()?, b.initial()?);
    ids.insert(start, 0);
    pairs.push(start);
    parent.push((0, 0));
    let report = |pairs: &[(u32, u32)], a: &dyn Machine, b: &dyn Machine, cex| Search {
        counterexample: cex,
        states: pairs.len(),
        side_states: [a.states(), b.states()],
    };
    if differ(a.accepts(start.0)?, b.accepts(start.1)?) {
        return Ok(report(&pairs, a, b, Some(Vec::new())));
    }
    // States [level_start, level_end) have depth `depth`; all of depth ≤ depth are judged.
    let (mut level_start, mut depth) = (0usize, 0usize);
    loop {
        let level_end = pairs.len();
        if level_start == level_end {
            return Ok(report(&pairs, a, b, None));
        }
        if max_depth.is_some_and(|cap| depth >= cap) {
            return Err(SearchStop::Depth {
                checked_up_to_length: depth,
            });
        }
        for s in level_start..level_end {
            let (x, y) = pairs[s];
            for r in 0..letters as u32 {
                let stop = |e| SearchStop::Budget {
                    limit: e,
                    checked_up_to_length: depth,
                };
                budget
                    .check(
                        pairs.len(),
                        letters,
                        "product states (model × spec) on the fly",
                    )
                    .map_err(stop)?;
                let nx = a.step(x, r)?;
                let ny = b.step(y, r)?;
                if ids.contains_key(&(nx, ny)) {
                    continue;
                }
                let id = pairs.len() as u32;
                ids.insert((nx, ny), id);
                pairs.push((nx, ny));
                parent.push((s as u32, r));
                if differ(a.accepts(nx)?, b.accepts(ny)?) {
                    let w = word_to(&parent, id);
                    return Ok(report(&pairs, a, b, Some(w)));
                }
            }
        }
        level_start = level_end;
        depth += 1;
    }
}
