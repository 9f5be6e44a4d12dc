//! Complete DFAs with a flat transition table, and their renderings (text, DOT, JSON).

use super::alphabet::Alphabet;

/// States listed by [`Dfa::to_text`]; larger automata are summarized.
pub const TEXT_STATES: usize = 100;
use crate::logic::Acceptance;

/// A complete deterministic automaton. State 0 is initial; `trans[q * letters + l]` is
/// the successor of `q` on letter `l`. The fields are the crate's; others read them
/// through the accessors and build automata with [`Dfa::from_parts`], which checks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dfa {
    /// The input alphabet.
    pub(crate) alphabet: Alphabet,
    /// The acceptance convention the automaton was built for (it decides what an
    /// accepting state means for the formula; the automaton itself is ordinary).
    pub(crate) acceptance: Acceptance,
    /// Number of states.
    pub(crate) states: usize,
    /// Flat transition table.
    pub(crate) trans: Vec<u32>,
    /// Accepting states.
    pub(crate) accepting: Vec<bool>,
}

impl Dfa {
    /// An automaton from its parts: `trans[q * letters + l]` is the successor of `q` on
    /// `l`, state 0 is initial. Refuses tables of the wrong size or with targets out of range.
    pub fn from_parts(
        alphabet: Alphabet,
        acceptance: Acceptance,
        trans: Vec<u32>,
        accepting: Vec<bool>,
    ) -> Result<Dfa, String> {
        let states = accepting.len();
        if states == 0 {
            return Err("a DFA has at least one state".into());
        }
        if trans.len() != states * alphabet.len() {
            return Err(format!(
                "{} transitions for {states} states × {} letters",
                trans.len(),
                alphabet.len()
            ));
        }
        if let Some(t) = trans.iter().find(|&&t| t as usize >= states) {
            return Err(format!("transition to state {t}, but there are {states}"));
        }
        Ok(Dfa {
            alphabet,
            acceptance,
            states,
            trans,
            accepting,
        })
    }

    /// Number of states.
    pub fn states(&self) -> usize {
        self.states
    }

    /// The input alphabet.
    pub fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// The acceptance convention the automaton was built for.
    pub fn acceptance(&self) -> Acceptance {
        self.acceptance
    }

    /// Which states accept, by state.
    pub fn accepting(&self) -> &[bool] {
        &self.accepting
    }

    /// The flat transition table: entry `q * letters + l` is the successor of `q` on `l`.
    pub fn table(&self) -> &[u32] {
        &self.trans
    }

    /// The same automaton with state `q`'s acceptance set to `accept`.
    pub fn with_accepting(mut self, q: u32, accept: bool) -> Dfa {
        self.accepting[q as usize] = accept;
        self
    }

    /// Number of letters.
    pub fn letters(&self) -> usize {
        self.alphabet.len()
    }

    /// Successor of `q` on `l`.
    pub fn next(&self, q: u32, l: u32) -> u32 {
        self.trans[q as usize * self.letters() + l as usize]
    }

    /// The state reached from the initial state on `word`.
    pub fn run(&self, word: &[u32]) -> u32 {
        word.iter().fold(0, |q, &l| self.next(q, l))
    }

    /// Whether the word (as letter indices) is accepted.
    pub fn accepts(&self, word: &[u32]) -> bool {
        self.accepting[self.run(word) as usize]
    }

    /// Whether the language is empty or universal (over the reachable states).
    pub fn language_kind(&self) -> super::LanguageKind {
        let successors = |q: u32| {
            (0..self.letters() as u32)
                .map(|l| self.next(q, l))
                .collect()
        };
        super::LanguageKind::of(self.states, self.acceptance, &self.accepting, successors)
    }

    /// Number of transitions (states × letters).
    pub fn transitions(&self) -> usize {
        self.trans.len()
    }

    /// Transitions of `q`, grouped by target: (target, letters), in target order.
    fn grouped(&self, q: u32) -> Vec<(u32, Vec<u32>)> {
        let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
        for l in 0..self.letters() as u32 {
            let t = self.next(q, l);
            match groups.iter_mut().find(|(x, _)| *x == t) {
                Some((_, ls)) => ls.push(l),
                None => groups.push((t, vec![l])),
            }
        }
        groups.sort_by_key(|(t, _)| *t);
        groups
    }

    fn label(&self, ls: &[u32]) -> String {
        if ls.len() == self.letters() && ls.len() > 1 {
            return "*".into();
        }
        ls.iter()
            .map(|&l| self.alphabet.show(l))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A plain-text listing: one line per state, cut after `TEXT_STATES` (100) states (the
    /// DOT and JSON forms are always complete).
    pub fn to_text(&self) -> String {
        let acc: Vec<usize> = (0..self.states).filter(|&q| self.accepting[q]).collect();
        let mut shown: Vec<String> = acc.iter().take(50).map(|q| q.to_string()).collect();
        if acc.len() > 50 {
            shown.push(format!("… {} more", acc.len() - 50));
        }
        let count = crate::report::counted;
        let mut s = format!(
            "{}, {}, {}, initial 0, accepting {{{}}}\n",
            count(self.states, "state"),
            count(self.letters(), "letter"),
            count(self.transitions(), "transition"),
            shown.join(", ")
        );
        for q in 0..self.states.min(TEXT_STATES) as u32 {
            let mark = if self.accepting[q as usize] { "*" } else { " " };
            let edges: Vec<String> = self
                .grouped(q)
                .into_iter()
                .map(|(t, ls)| format!("{} -> {t}", self.label(&ls)))
                .collect();
            s.push_str(&format!("{mark}{q:>4}: {}\n", edges.join("; ")));
        }
        if self.states > TEXT_STATES {
            s.push_str(&format!(
                "  … {} more states (--json or --dot print them all)\n",
                self.states - TEXT_STATES
            ));
        }
        s
    }

    /// Graphviz DOT: states labelled by number, accepting states doubled.
    pub fn to_dot(&self) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut s = String::from("digraph dfa {\n  rankdir=LR;\n  node [shape=circle];\n  init [shape=point];\n  init -> 0;\n");
        for q in 0..self.states {
            if self.accepting[q] {
                s.push_str(&format!("  {q} [shape=doublecircle];\n"));
            }
        }
        for q in 0..self.states as u32 {
            for (t, ls) in self.grouped(q) {
                s.push_str(&format!(
                    "  {q} -> {t} [label=\"{}\"];\n",
                    esc(&self.label(&ls))
                ));
            }
        }
        s.push_str("}\n");
        s
    }

    /// The automaton's JSON keys for scripts (`states`, `initial`, `accepting`,
    /// `alphabet`, `acceptance`, `transitions`).
    pub fn to_json(&self) -> AutomatonJson {
        let letters: Vec<String> = (0..self.letters() as u32)
            .map(|l| self.alphabet.show(l))
            .collect();
        let table: Vec<Vec<u32>> = (0..self.states)
            .map(|q| self.trans[q * self.letters()..(q + 1) * self.letters()].to_vec())
            .collect();
        AutomatonJson {
            acceptance: self.acceptance,
            accepting: (0..self.states).filter(|&q| self.accepting[q]).collect(),
            alphabet: Some(letters),
            initial: 0,
            states: self.states,
            transitions: Some(table),
            ..AutomatonJson::default()
        }
    }
}

/// An automaton as JSON for scripts (`dfa --json`, `compile --json`): a dense table
/// (`alphabet`, `transitions`: per state, the successor on each letter) where there is
/// one, and over propositions the guards (`propositions`, `guards`, `diagram`). The
/// fields are in alphabetical order, the order of the keys in the output.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct AutomatonJson {
    /// `eos` or `last`: what an accepting state means.
    pub acceptance: Acceptance,
    /// The accepting states.
    pub accepting: Vec<usize>,
    /// The letters of the dense table, in column order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alphabet: Option<Vec<String>>,
    /// Every guard at once, as shared decision nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagram: Option<GuardDiagram>,
    /// Per state, its transitions as `{"to", "guard"}`; `null` beyond the listing limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guards: Option<Option<Vec<Vec<GuardEdge>>>>,
    /// The initial state (always 0).
    pub initial: usize,
    /// The propositions, over which guards are written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propositions: Option<Vec<String>>,
    /// Number of states.
    pub states: usize,
    /// The dense table: `transitions[q][l]` is the successor of `q` on letter `l`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transitions: Option<Vec<Vec<u32>>>,
}

impl AutomatonJson {
    /// These keys with the guard keys (`propositions`, `guards`, `diagram`) of `g`.
    pub fn with_guards(self, g: AutomatonJson) -> AutomatonJson {
        AutomatonJson {
            propositions: g.propositions,
            guards: g.guards,
            diagram: g.diagram,
            ..self
        }
    }
}

/// One transition of a guarded automaton: its target and guard (`None` when the guard
/// has too many cubes to list).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GuardEdge {
    /// The guard, a disjunction of cubes.
    pub guard: Option<String>,
    /// The target state.
    pub to: u32,
}

/// Every guard as shared decision nodes: `order` (the proposition tested at each level),
/// `nodes` (`[level, low, high]`; a child is a node index, or −1 − q for state q),
/// `roots` (per state, the same encoding).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GuardDiagram {
    /// `[level, low, high]` per node.
    pub nodes: Vec<[i64; 3]>,
    /// The proposition tested at each level.
    pub order: Vec<String>,
    /// Per state, its root.
    pub roots: Vec<i64>,
}
