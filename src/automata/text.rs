//! The DFA input format (`grammar/dfa.md`): languages that no formula here expresses
//! (parity, …) can still be classified.
//!
//! ```text
//! # parity of a: an even number of a's
//! alphabet: a b
//! states: 2
//! initial: 0
//! accepting: 0
//! 0 a 1
//! 0 b 0
//! 1 a 0
//! 1 b 1
//! ```

use std::ops::Range;

use super::alphabet::Alphabet;
use super::dfa::Dfa;
use crate::logic::Acceptance;

/// A DFA file error with the byte range of the offending line part.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DfaTextError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Range<usize>,
}

/// Largest number of states accepted from a file.
pub const MAX_TEXT_STATES: usize = 1_000_000;

/// Parses the format; the DFA is completed check-wise (every transition must be given),
/// restricted to states reachable from the initial one and renumbered from 0.
pub fn parse_dfa(text: &str) -> Result<Dfa, DfaTextError> {
    let mut alphabet: Option<Vec<String>> = None;
    let mut states: Option<usize> = None;
    let mut initial: Option<u32> = None;
    let mut accepting: Vec<u32> = Vec::new();
    let mut edges: Vec<(u32, String, u32, Range<usize>)> = Vec::new();
    let mut offset = 0;
    let err = |m: String, span: Range<usize>| DfaTextError { message: m, span };
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.split('#').next().unwrap_or("").trim();
        if body.is_empty() {
            continue;
        }
        let span = start..start + line.trim_end().len();
        let num = |s: &str, what: &str| -> Result<u64, DfaTextError> {
            s.parse::<u64>()
                .map_err(|_| err(format!("{what}: `{s}` is not a state number"), span.clone()))
        };
        if let Some((key, value)) = body.split_once(':') {
            let value = value.trim();
            match key.trim() {
                "alphabet" => {
                    let letters: Vec<String> = value.split_whitespace().map(String::from).collect();
                    if letters.is_empty() {
                        return Err(err("the alphabet is empty".into(), span));
                    }
                    for (i, l) in letters.iter().enumerate() {
                        if letters[..i].contains(l) {
                            return Err(err(format!("the letter `{l}` is listed twice"), span));
                        }
                    }
                    alphabet = Some(letters);
                }
                "states" => {
                    let n = num(value, "states")? as usize;
                    if n == 0 || n > MAX_TEXT_STATES {
                        return Err(err(
                            format!("states: {n} is not between 1 and {MAX_TEXT_STATES}"),
                            span,
                        ));
                    }
                    states = Some(n);
                }
                "initial" => initial = Some(num(value, "initial")? as u32),
                "accepting" => {
                    for s in value.split_whitespace() {
                        accepting.push(num(s, "accepting")? as u32);
                    }
                }
                other => return Err(err(format!("unknown key `{other}`"), span)),
            }
            continue;
        }
        let parts: Vec<&str> = body.split_whitespace().collect();
        if parts.len() != 3 {
            return Err(err("a transition is `FROM LETTER TO`".into(), span));
        }
        edges.push((
            num(parts[0], "transition")? as u32,
            parts[1].to_string(),
            num(parts[2], "transition")? as u32,
            span,
        ));
    }
    let whole = 0..text.len();
    let letters = alphabet.ok_or_else(|| err("missing `alphabet:` line".into(), whole.clone()))?;
    let n = states.ok_or_else(|| err("missing `states:` line".into(), whole.clone()))?;
    let init = initial.unwrap_or(0);
    let k = letters.len();
    if n.saturating_mul(k) > 50_000_000 {
        return Err(err("the transition table would be too large".into(), whole));
    }
    let mut table = vec![u32::MAX; n * k];
    for (from, letter, to, span) in edges {
        let l = letters
            .iter()
            .position(|x| *x == letter)
            .ok_or_else(|| err(format!("`{letter}` is not in the alphabet"), span.clone()))?;
        if from as usize >= n || to as usize >= n {
            return Err(err(format!("state out of range (states: {n})"), span));
        }
        let slot = &mut table[from as usize * k + l];
        if *slot != u32::MAX && *slot != to {
            return Err(err(format!("two transitions from {from} on `{letter}`: the automaton must be deterministic"), span));
        }
        *slot = to;
    }
    if init as usize >= n {
        return Err(err(format!("initial state {init} out of range"), whole));
    }
    if let Some(&a) = accepting.iter().find(|&&a| a as usize >= n) {
        return Err(err(format!("accepting state {a} out of range"), whole));
    }
    // Reachable part, numbered breadth-first from the initial state.
    let mut order = vec![u32::MAX; n];
    let mut queue = vec![init];
    order[init as usize] = 0;
    let mut head = 0;
    let mut trans = Vec::new();
    while head < queue.len() {
        let q = queue[head] as usize;
        head += 1;
        for l in 0..k {
            let t = table[q * k + l];
            if t == u32::MAX {
                return Err(err(
                    format!(
                        "state {q} has no transition on `{}`: the automaton must be complete",
                        letters[l]
                    ),
                    whole,
                ));
            }
            if order[t as usize] == u32::MAX {
                order[t as usize] = queue.len() as u32;
                queue.push(t);
            }
            trans.push(order[t as usize]);
        }
    }
    let acc: Vec<bool> = queue.iter().map(|q| accepting.contains(q)).collect();
    Ok(Dfa {
        alphabet: Alphabet::Tokens(letters),
        acceptance: Acceptance::Eos,
        states: queue.len(),
        trans,
        accepting: acc,
    })
}
