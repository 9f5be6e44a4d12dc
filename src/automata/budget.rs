//! Resource budgets: a state limit and a deadline, checked while automata are built.

use std::time::{Duration, Instant};

/// Limits on the work of one command. Exceeding one ends the work with [`LimitError`].
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Most states (or product pairs) to keep.
    pub max_states: usize,
    /// When to give up.
    pub deadline: Option<Instant>,
    /// The timeout as given, for messages.
    pub timeout: Option<Duration>,
}

/// Default `--max-states`: enough for the 2^20-state DFA of Y^20 a, small enough that a
/// laptop keeps the tables in memory.
pub const DEFAULT_MAX_STATES: usize = 4_000_000;

/// Transitions (states × letters) kept at most, whatever `--max-states` says: 4 bytes each.
pub const MAX_TRANSITIONS: usize = 400_000_000;

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_states: DEFAULT_MAX_STATES,
            deadline: None,
            timeout: None,
        }
    }
}

impl Budget {
    /// A budget with the given state limit and timeout in seconds.
    pub fn new(max_states: usize, timeout_secs: Option<f64>) -> Self {
        let timeout = timeout_secs.map(Duration::from_secs_f64);
        Budget {
            max_states,
            deadline: timeout.map(|t| Instant::now() + t),
            timeout,
        }
    }

    /// Checks the deadline alone (work that does not add states, such as minimizing).
    pub fn check_time(&self, what: &'static str, reached: usize) -> Result<(), LimitError> {
        self.check_cancelled(what, reached)?;
        match (self.deadline, self.timeout) {
            (Some(d), Some(t)) if Instant::now() > d => Err(LimitError {
                limit: Limit::Timeout(t),
                what,
                reached,
            }),
            _ => Ok(()),
        }
    }

    /// Work the `auto` portfolio cancelled ([`crate::cancel`]) stops as at its deadline;
    /// the portfolio discards the error.
    fn check_cancelled(&self, what: &'static str, reached: usize) -> Result<(), LimitError> {
        if crate::cancel::cancelled() {
            return Err(LimitError {
                limit: Limit::Timeout(self.timeout.unwrap_or_default()),
                what,
                reached,
            });
        }
        Ok(())
    }

    /// Checks the limits after `states` states of `what` have been built.
    pub fn check(
        &self,
        states: usize,
        letters: usize,
        what: &'static str,
    ) -> Result<(), LimitError> {
        if states > self.max_states {
            return Err(LimitError {
                limit: Limit::States(self.max_states),
                what,
                reached: states,
            });
        }
        if states.saturating_mul(letters.max(1)) > MAX_TRANSITIONS {
            return Err(LimitError {
                limit: Limit::Transitions(MAX_TRANSITIONS),
                what,
                reached: states,
            });
        }
        self.check_cancelled(what, states)?;
        if let (Some(d), Some(t)) = (self.deadline, self.timeout) {
            if Instant::now() > d {
                return Err(LimitError {
                    limit: Limit::Timeout(t),
                    what,
                    reached: states,
                });
            }
        }
        Ok(())
    }
}

/// Which limit was hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    /// `--max-states`.
    States(usize),
    /// `--timeout`.
    Timeout(Duration),
    /// The fixed cap on transitions (states × letters).
    Transitions(usize),
    /// The fixed cap on the propositions of a guard-labelled automaton.
    Propositions(usize),
}

/// Work stopped at a limit, with how far it got.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct LimitError {
    /// The limit that was hit.
    pub limit: Limit,
    /// What was being built ("DFA states", "product pairs").
    pub what: &'static str,
    /// How many had been built when it stopped.
    pub reached: usize,
}

impl LimitError {
    fn describe(&self) -> String {
        match self.limit {
            Limit::States(n) => format!(
                "state limit reached: more than {n} {} (raise it with --max-states)",
                self.what
            ),
            Limit::Timeout(t) => format!(
                "timeout after {} s with {} {} built (raise it with --timeout)",
                t.as_secs_f64(),
                self.reached,
                self.what
            ),
            Limit::Transitions(n) => format!(
                "transition table limit reached: {} {} × the alphabet exceed {n} transitions (use a smaller alphabet)",
                self.reached, self.what
            ),
            Limit::Propositions(n) => format!(
                "{} propositions: guard-labelled automata take at most {n} (the BDD engine and z3 take any number: --engine bdd or z3)",
                self.reached
            ),
        }
    }
}

impl miette::Diagnostic for LimitError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(match self.limit {
            Limit::States(_) => "ltlattn::limit::states",
            Limit::Timeout(_) => "ltlattn::limit::timeout",
            Limit::Transitions(_) => "ltlattn::limit::transitions",
            Limit::Propositions(_) => "ltlattn::limit::propositions",
        }))
    }
}
