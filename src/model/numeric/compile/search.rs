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
//! is replaced by a shortest one. A search stopped by its budget can be taken up again
//! where it stopped ([`Bfs`]), as the verdict does after the hunt.

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
    /// `checked_up_to_length` separates the sides, and longer words were not all looked
    /// at.
    Depth {
        /// The cap (or, for a [`Bfs`] taken up again with a cap below the depth it had
        /// reached, that depth).
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
    Bfs::new(letters, question).run(a, b, budget, max_depth)
}

/// A breadth-first product search that a budget stop leaves where it was: [`Bfs::run`]
/// again, on the same two machines, goes on from the product state and letter it stopped
/// at, with a new budget (whose state limit counts every product state, those of the
/// runs before included) and a new depth cap. [`search_to`] is one run of a new one.
/// After an answer (`Ok`), a run gives the same answer again.
#[derive(Clone, Debug)]
pub struct Bfs {
    letters: usize,
    question: Question,
    ids: HashMap<(u32, u32), u32>,
    /// Per product state: its pair, and the state and letter it was first reached from.
    pairs: Vec<(u32, u32)>,
    parent: Vec<(u32, u32)>,
    /// States [level_start, level_end) have depth `depth`; every state of depth ≤ depth
    /// is judged, and those before `next` (from letter `letter` on for `next` itself)
    /// are expanded.
    level_start: usize,
    level_end: usize,
    depth: usize,
    next: usize,
    letter: u32,
    /// The answer, once found: the counterexample, or none (the product explored).
    /// (A state is recorded only once judged, and the cursor moves past a letter only
    /// then: after a NaN, a later run meets it again.)
    answer: Option<Option<Vec<u32>>>,
}

impl Bfs {
    /// A search not started, over `letters` letters for a word in L(a) \ L(b)
    /// (`Included`) or in their symmetric difference (`Equivalent`).
    pub fn new(letters: usize, question: Question) -> Self {
        Bfs {
            letters,
            question,
            ids: HashMap::default(),
            pairs: Vec::new(),
            parent: Vec::new(),
            level_start: 0,
            level_end: 0,
            depth: 0,
            next: 0,
            letter: 0,
            answer: None,
        }
    }

    /// Product states made so far.
    pub fn states(&self) -> usize {
        self.pairs.len()
    }

    fn word_to(&self, mut s: u32) -> Vec<u32> {
        let mut w = Vec::new();
        while s != 0 {
            let (p, r) = self.parent[s as usize];
            w.push(r);
            s = p;
        }
        w.reverse();
        w
    }

    fn report(&self, a: &dyn Machine, b: &dyn Machine) -> Search {
        Search {
            counterexample: self.answer.clone().flatten(),
            states: self.pairs.len(),
            side_states: [a.states(), b.states()],
        }
    }

    /// Runs (or goes on with) the search within `budget`, up to words of length
    /// `max_depth` if given ([`search_to`]).
    pub fn run(
        &mut self,
        a: &mut dyn Machine,
        b: &mut dyn Machine,
        budget: &Budget,
        max_depth: Option<usize>,
    ) -> Result<Search, SearchStop> {
        let question = self.question;
        let differ = |x: bool, y: bool| match question {
            Question::Equivalent => x != y,
            Question::Included => x && !y,
        };
        if self.answer.is_some() {
            return Ok(self.report(a, b));
        }
        if self.pairs.is_empty() {
            let start = (a.initial()?, b.initial()?);
            let bad = differ(a.accepts(start.0)?, b.accepts(start.1)?);
            self.ids.insert(start, 0);
            self.pairs.push(start);
            self.parent.push((0, 0));
            self.level_end = 1;
            if bad {
                self.answer = Some(Some(Vec::new()));
                return Ok(self.report(a, b));
            }
        }
        loop {
            if self.next == self.level_end {
                // Every state of this depth is expanded: the next level.
                self.level_start = self.level_end;
                self.level_end = self.pairs.len();
                self.depth += 1;
                self.letter = 0;
            }
            if self.level_start == self.level_end {
                self.answer = Some(None);
                return Ok(self.report(a, b));
            }
            if max_depth.is_some_and(|cap| self.depth >= cap) {
                return Err(SearchStop::Depth {
                    checked_up_to_length: self.depth,
                });
            }
            while self.next < self.level_end {
                let s = self.next;
                let (x, y) = self.pairs[s];
                while (self.letter as usize) < self.letters {
                    let r = self.letter;
                    let depth = self.depth;
                    budget
                        .check(
                            self.pairs.len(),
                            self.letters,
                            "product states (model × spec) on the fly",
                        )
                        .map_err(|e| SearchStop::Budget {
                            limit: e,
                            checked_up_to_length: depth,
                        })?;
                    let nx = a.step(x, r)?;
                    let ny = b.step(y, r)?;
                    if self.ids.contains_key(&(nx, ny)) {
                        self.letter += 1;
                        continue;
                    }
                    let bad = differ(a.accepts(nx)?, b.accepts(ny)?);
                    self.letter += 1;
                    let id = self.pairs.len() as u32;
                    self.ids.insert((nx, ny), id);
                    self.pairs.push((nx, ny));
                    self.parent.push((s as u32, r));
                    if bad {
                        self.answer = Some(Some(self.word_to(id)));
                        return Ok(self.report(a, b));
                    }
                }
                self.letter = 0;
                self.next += 1;
            }
        }
    }
}
