//! The engine-agreement harness: one question about two formulas, put to several
//! engines (through the library's certified `decide`, or to the automata directly), and
//! the answers held to each other, to the reference evaluator and, where the words are
//! few enough, to brute force. Every cross-check of the engines calls [`agree`].

use ltlattn::automata::{Alphabet, Question};
use ltlattn::logic::{evaluate, Acceptance, Arena, NodeId, Word};
use ltlattn::verdict::{decide, Counterexample, Engine, EngineReport, Options};

/// One question: is `l` equivalent to (or included in) `r` over `sigma`?
#[derive(Clone, Copy)]
pub struct Pair<'a> {
    pub f: &'a Arena,
    pub l: NodeId,
    pub r: NodeId,
    pub sigma: &'a Alphabet,
    pub acc: Acceptance,
    pub q: Question,
}

/// How closely the engines' counterexamples must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Same {
    /// The same word: every engine reports the least shortest counterexample, so what
    /// `auto` reports does not depend on which engine answered first.
    Word,
    /// The same length only (over more than 8 propositions the explicit engine's
    /// guard-labelled product orders letters its own way).
    Length,
}

/// One engine's answer: proved (`None`) or its counterexample, with the engine's own
/// judgement of the word on each side.
#[derive(Debug)]
pub struct Answer {
    /// Who answered, for the messages.
    pub by: String,
    pub counterexample: Option<Counterexample>,
}

impl Pair<'_> {
    /// Whether `w` violates the question, by the reference evaluator.
    pub fn violated_by(&self, w: &Word) -> bool {
        let (vl, vr) = (
            evaluate(self.f, self.l, w, self.acc),
            evaluate(self.f, self.r, w, self.acc),
        );
        match self.q {
            Question::Equivalent => vl != vr,
            Question::Included => vl && !vr,
        }
    }

    /// Re-checks a counterexample with the reference evaluator: both sides' judgements
    /// are the evaluator's, and the word violates the question.
    pub fn check_counterexample(&self, c: &Counterexample) -> Result<(), String> {
        let (vl, vr) = (
            evaluate(self.f, self.l, &c.word, self.acc),
            evaluate(self.f, self.r, &c.word, self.acc),
        );
        if (vl, vr) != (c.first, c.second) {
            return Err(format!(
                "{}: the answer says ({}, {}), the evaluator ({vl}, {vr})",
                c.word.show(),
                c.first,
                c.second
            ));
        }
        if !self.violated_by(&c.word) {
            return Err(format!("{} does not violate {:?}", c.word.show(), self.q));
        }
        Ok(())
    }

    /// The library's certified decision with `engine` (the state budget `max_states`),
    /// checked to come from that engine; a BDD proof must carry its re-checked invariant.
    pub fn decide(&self, engine: Engine, max_states: usize) -> Result<Answer, String> {
        let opts = Options {
            engine,
            max_states,
            ..Options::default()
        };
        let v = decide(self.f, self.l, self.r, self.sigma, self.acc, self.q, &opts)
            .map_err(|e| format!("{engine:?}: {e}"))?;
        match (engine, &v.engine) {
            (Engine::Auto, _)
            | (Engine::Explicit, EngineReport::Explicit { .. })
            | (Engine::Z3, EngineReport::Z3 { .. }) => {}
            (
                Engine::Bdd,
                EngineReport::Bdd {
                    invariant_checked, ..
                },
            ) => {
                if *invariant_checked != v.counterexample.is_none() {
                    return Err("a proof must carry the re-checked invariant".into());
                }
            }
            (_, other) => return Err(format!("asked {engine:?}, answered by {other:?}")),
        }
        Ok(Answer {
            by: format!("{engine:?}"),
            counterexample: v.counterexample,
        })
    }
}

/// The answers agree: one verdict; counterexamples equal as `same` asks, each re-checked
/// by the evaluator; and, given `words` (every word up to some length, shortest first
/// in shortlex order), none of them misses a violating word or reports one longer than
/// the shortest — under [`Same::Word`], than the least. `Ok(true)`: the question holds.
pub fn agree(
    pair: &Pair,
    answers: &[Answer],
    same: Same,
    words: Option<&[Word]>,
) -> Result<bool, String> {
    let first = answers.first().ok_or("no answers")?;
    for a in answers {
        match (&first.counterexample, &a.counterexample) {
            (None, None) => {}
            (Some(x), Some(y)) => {
                if y.word.len() != x.word.len() {
                    return Err(format!(
                        "{}'s counterexample {} has length {}, {}'s {} has {}",
                        a.by,
                        y.word.show(),
                        y.word.len(),
                        first.by,
                        x.word.show(),
                        x.word.len()
                    ));
                }
                if same == Same::Word && y.word != x.word {
                    return Err(format!(
                        "{}'s counterexample {} is not {}'s, {}: one is not the least \
                         shortest",
                        a.by,
                        y.word.show(),
                        first.by,
                        x.word.show()
                    ));
                }
            }
            (x, y) => return Err(format!("{} says {x:?}, {} says {y:?}", first.by, a.by)),
        }
        if let Some(c) = &a.counterexample {
            pair.check_counterexample(c)
                .map_err(|e| format!("{}: {e}", a.by))?;
        }
    }
    if let Some(words) = words {
        let brute = words.iter().find(|w| pair.violated_by(w));
        let longest = words.iter().map(Word::len).max().unwrap_or(0);
        match (&first.counterexample, brute) {
            (None, Some(w)) => {
                return Err(format!("{} proves it, but {} violates", first.by, w.show()))
            }
            (Some(c), Some(w)) if c.word.len() != w.len() => {
                return Err(format!(
                    "{} reports {}, but {} is shorter",
                    first.by,
                    c.word.show(),
                    w.show()
                ))
            }
            (Some(c), Some(w)) if same == Same::Word && c.word != *w => {
                return Err(format!(
                    "{} reports {}, but {} is the least shortest",
                    first.by,
                    c.word.show(),
                    w.show()
                ))
            }
            (Some(c), None) if c.word.len() <= longest => {
                return Err(format!(
                    "brute force missed the short counterexample {}",
                    c.word.show()
                ))
            }
            _ => {}
        }
    }
    Ok(first.counterexample.is_none())
}

/// Puts the pair to each engine through `decide` and holds the answers to each other
/// ([`agree`]).
pub fn engines_agree(
    pair: &Pair,
    engines: &[Engine],
    max_states: usize,
    same: Same,
) -> Result<bool, String> {
    let answers = engines
        .iter()
        .map(|&e| pair.decide(e, max_states))
        .collect::<Result<Vec<_>, _>>()?;
    agree(pair, &answers, same, None)
}
