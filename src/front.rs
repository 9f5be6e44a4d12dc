//! What every front end (the command line, the server, bindings) shares and must not
//! decide for itself: the exit code an answer implies ([`Exit`]), how words and alphabets
//! are read and checked ([`WordOptions`], [`WordOptions::read_word`],
//! [`WordOptions::alphabet_within`]), and a model's tokens ([`model_tokens`]). The
//! errors are typed ([`InputError`]), with the message, help and span a user reads.
//!
//! ```
//! use ltlattn::front::{Exit, WordOptions};
//! use ltlattn::logic::{parse, Acceptance, Arena};
//! let mut f = Arena::new();
//! let root = parse(&mut f, "P a").unwrap();
//! let opts = WordOptions { alphabet: Some(vec!["a".into(), "b".into()]), ..WordOptions::default() };
//! let word = opts.read_word("b a", &f, root).unwrap();
//! assert_eq!(word.show(), "b a");
//! assert!(opts.read_word("a c", &f, root).is_err());
//! assert_eq!(Exit::from(Some(false)).code(), 1);
//! ```

use std::collections::BTreeSet;
use std::ops::Range;

use miette::NamedSource;

use crate::automata::{Alphabet, MAX_PROPS};
use crate::diag::excerpt;
use crate::logic::{Acceptance, Arena, NodeId, Word};

/// What a command answered. The exit code follows from it alone: 0 yes / holds, 1 no /
/// does not hold, 2 undecided or an error. The server's `exit` key is the same code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The answer is "yes" (or the command did its job).
    Yes,
    /// The answer is "no".
    No,
    /// The question could not be decided within the limits.
    Undecided,
    /// The input was bad or a limit was hit.
    Error,
}

impl Exit {
    /// The process exit code.
    pub const fn code(self) -> i32 {
        match self {
            Exit::Yes => 0,
            Exit::No => 1,
            Exit::Undecided | Exit::Error => 2,
        }
    }
}

impl From<bool> for Exit {
    fn from(yes: bool) -> Self {
        if yes {
            Exit::Yes
        } else {
            Exit::No
        }
    }
}

impl From<Option<bool>> for Exit {
    fn from(answer: Option<bool>) -> Self {
        answer.map_or(Exit::Undecided, Exit::from)
    }
}

/// How words are read: where they are judged, over which alphabet, and whether a letter
/// is a token or a set of propositions (the command line's `--accept`, `--alphabet`,
/// `--props`; the server's `accept`, `alphabet`, `props`).
#[derive(Clone, Debug, Default)]
pub struct WordOptions {
    /// Where a word is judged.
    pub accept: Acceptance,
    /// The alphabet as given (`--alphabet`), token by token, untrimmed.
    pub alphabet: Option<Vec<String>>,
    /// Proposition semantics: each position is a set of atoms, written `{p,q}`.
    pub props: bool,
    /// The tokens a formula file's `# alphabet:` header lines declared: the alphabet
    /// when [`alphabet`](Self::alphabet) is absent (the command line's `@FILE`).
    pub file_alphabet: Option<Vec<String>>,
}

/// A word, an alphabet or a formula that does not fit the others. The messages name the
/// command line's options (`--alphabet`, `--word`); the server's keys have those names'
/// meaning.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum InputError {
    /// An empty or repeated token in `--alphabet`.
    #[error("--alphabet has {what}")]
    AlphabetToken {
        /// "an empty token" or "a repeated token".
        what: &'static str,
        /// What to do.
        #[help]
        help: &'static str,
        /// The token, or the comma beside an empty one.
        #[label("{}", what)]
        span: Range<usize>,
        /// The alphabet as one text.
        #[source_code]
        src: std::sync::Arc<NamedSource<String>>,
    },
    /// A formula's atom that `--alphabet` leaves out.
    #[error("the formula uses `{0}`, which is not in --alphabet")]
    #[diagnostic(help(
        "add it to --alphabet, or leave --alphabet out to use the formulas' atoms"
    ))]
    AtomNotInAlphabet(String),
    /// More propositions than the explicit engine takes.
    #[error("{0} propositions make 2^{0} letters; the explicit engine takes at most {MAX_PROPS} propositions")]
    #[diagnostic(help("each set of propositions is a letter of the explicit automaton"))]
    TooManyProps(usize),
    /// No atom and no alphabet: no letters.
    #[error("the formulas use no atom, so there is no alphabet to read words over")]
    #[diagnostic(help("give the tokens with --alphabet a,b,c"))]
    NoAlphabet,
    /// A reserved word written bare while the alphabet has a token of that name.
    #[error(
        "the formula uses the reserved word `{word}`, and the alphabet also has a token `{word}`"
    )]
    ReservedClash {
        /// The reserved word.
        word: &'static str,
        /// What to do.
        #[help]
        help: String,
    },
    /// A token of `--word` outside the alphabet.
    #[error("the token `{token}` is not in the alphabet")]
    TokenNotInAlphabet {
        /// The token.
        token: String,
        /// The alphabet, and how to change it.
        #[help]
        help: String,
        /// Where it is in the word.
        #[label("not in the alphabet")]
        span: Range<usize>,
        /// The word.
        #[source_code]
        src: std::sync::Arc<NamedSource<String>>,
    },
    /// `--alphabet` (or `--props`) beside a model or DFA file, whose alphabet is fixed,
    /// naming other tokens or another order.
    #[error("--alphabet {given} differs from the file's alphabet {{{file}}}")]
    #[diagnostic(help(
        "models and DFA files fix the alphabet; drop --alphabet/--props or give the same tokens in the same order"
    ))]
    AlphabetDiffers {
        /// The tokens given, comma-separated.
        given: String,
        /// The file's tokens, comma-separated.
        file: String,
    },
    /// A token of a model's word outside the model's alphabet.
    #[error("the token `{token}` is not in the model's alphabet")]
    TokenNotInModel {
        /// The token.
        token: String,
        /// The model's alphabet.
        #[help]
        help: String,
    },
}

impl WordOptions {
    /// The tokens of the alphabet given, in order, each trimmed (else the file's header
    /// alphabet, else `None`); an empty or repeated token is an error pointing at it (the
    /// model loader and DFA files refuse both as well).
    pub fn given_alphabet(&self) -> Result<Option<Vec<String>>, InputError> {
        let Some(given) = &self.alphabet else {
            return Ok(self.file_alphabet.clone());
        };
        let text = given.join(",");
        let mut names: Vec<String> = Vec::new();
        let mut at = 0;
        for raw in given {
            let name = raw.trim();
            let problem = if name.is_empty() {
                Some((
                    "an empty token",
                    "remove the extra comma: tokens are non-empty",
                ))
            } else if names.iter().any(|n| n == name) {
                Some(("a repeated token", "list every token once"))
            } else {
                None
            };
            if let Some((what, help)) = problem {
                // The token itself, or the comma beside an empty one.
                let end = (at + raw.len()).max(at + 1).min(text.len());
                let span =
                    (at + raw.len() - raw.trim_start().len()).min(end.saturating_sub(1))..end;
                return Err(InputError::AlphabetToken {
                    what,
                    help,
                    span,
                    src: std::sync::Arc::new(NamedSource::new("--alphabet", text.clone())),
                });
            }
            names.push(name.to_string());
            at += raw.len() + 1;
        }
        Ok(Some(names))
    }

    /// The alphabet for some formulas: the one given, or their atoms; every atom must be
    /// in it. At most `max_props` propositions under [`props`](Self::props) (the
    /// explicit engine's [`MAX_PROPS`]; any number for engines that read guards).
    pub fn alphabet_within(
        &self,
        arena: &Arena,
        roots: &[NodeId],
        max_props: usize,
    ) -> Result<Alphabet, InputError> {
        let mut atoms: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &r in roots {
            for a in arena.atom_names(r) {
                if seen.insert(a.clone()) {
                    atoms.push(a);
                }
            }
        }
        let names = match self.given_alphabet()? {
            Some(names) => {
                if let Some(missing) = atoms.iter().find(|a| !names.contains(a)) {
                    return Err(InputError::AtomNotInAlphabet(missing.clone()));
                }
                names
            }
            None => atoms,
        };
        refuse_reserved_clash(arena, roots, &names)?;
        if self.props {
            if names.len() > max_props {
                return Err(InputError::TooManyProps(names.len()));
            }
            Ok(Alphabet::Props(names))
        } else {
            if names.is_empty() {
                return Err(InputError::NoAlphabet);
            }
            Ok(Alphabet::Tokens(names))
        }
    }

    /// The alphabet of a question with a model or DFA file among its operands: the file's
    /// (`fixed`). An alphabet given beside it must be the same tokens in the same order,
    /// with letter semantics.
    pub fn alphabet_of_file(&self, fixed: Alphabet) -> Result<Alphabet, InputError> {
        match self.given_alphabet()? {
            Some(names) if self.props || names != fixed.atoms() => {
                Err(InputError::AlphabetDiffers {
                    given: names.join(","),
                    file: fixed.atoms().join(", "),
                })
            }
            _ => Ok(fixed),
        }
    }

    /// [`alphabet_within`](Self::alphabet_within) the explicit engine's [`MAX_PROPS`].
    pub fn alphabet(&self, arena: &Arena, roots: &[NodeId]) -> Result<Alphabet, InputError> {
        self.alphabet_within(arena, roots, MAX_PROPS)
    }

    /// Reads a word (tokens separated by spaces; `{p,q}` sets under
    /// [`props`](Self::props)) and checks it against the alphabet: the one given, else
    /// the formula's atoms.
    pub fn read_word(&self, text: &str, arena: &Arena, root: NodeId) -> Result<Word, InputError> {
        let alphabet: BTreeSet<String> = match self.given_alphabet()? {
            Some(a) => {
                refuse_reserved_clash(arena, &[root], &a)?;
                a.into_iter().collect()
            }
            None => arena.atom_names(root).into_iter().collect(),
        };
        let mut offset = 0;
        let check = |tok: &str, at: usize| -> Result<(), InputError> {
            if alphabet.contains(tok) {
                return Ok(());
            }
            let listed = if alphabet.is_empty() {
                "the alphabet is empty".to_string()
            } else {
                format!(
                    "the alphabet is {{{}}}",
                    alphabet.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            let how = if self.alphabet.is_some() {
                "add it to --alphabet"
            } else if self.file_alphabet.is_some() {
                "the formula file's `# alphabet:` line declares it; give --alphabet to change it"
            } else {
                "the default alphabet is the formula's atoms; give --alphabet to widen it"
            };
            let (source, span) = excerpt(text, at..at + tok.len());
            Err(InputError::TokenNotInAlphabet {
                token: tok.to_string(),
                help: format!("{listed}; {how}"),
                span,
                src: std::sync::Arc::new(NamedSource::new("--word", source)),
            })
        };
        let mut chunks = Vec::new();
        for chunk in text.split_whitespace() {
            let at = offset + text[offset..].find(chunk).unwrap_or(0);
            offset = at + chunk.len();
            chunks.push((chunk, at));
        }
        if self.props {
            let mut out = Vec::new();
            for (chunk, at) in chunks {
                let inner = chunk
                    .strip_prefix('{')
                    .and_then(|c| c.strip_suffix('}'))
                    .unwrap_or(chunk);
                let mut set = BTreeSet::new();
                for p in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let pat = at + chunk.find(p).unwrap_or(0);
                    check(p, pat)?;
                    set.insert(p.to_string());
                }
                out.push(set);
            }
            Ok(Word::Props(out))
        } else {
            for &(chunk, at) in &chunks {
                check(chunk, at)?;
            }
            Ok(Word::letters(chunks.into_iter().map(|(c, _)| c)))
        }
    }
}

/// Refuses formulas that use a reserved word (`eos`, `start`, `true`, `false`) bare while
/// the alphabet has a token of that name: bare is always the reserved word, so the
/// formula almost surely means the token (grammar/formula.md, "Tokens named like
/// reserved words").
pub fn refuse_reserved_clash(
    arena: &Arena,
    roots: &[NodeId],
    tokens: &[String],
) -> Result<(), InputError> {
    for &r in roots {
        if let Some(word) = arena.reserved_clash(r, tokens) {
            return Err(InputError::ReservedClash {
                word,
                help: format!("bare `{word}` is always the reserved word ({}); write '{word}' (quoted) for the token, or rename the token", crate::model::boolean::reserved_meaning(word)),
            });
        }
    }
    Ok(())
}

/// The tokens of a word for a Boolean model (separated by spaces), each in the model's
/// alphabet.
pub fn model_tokens(
    model: &crate::model::boolean::Model,
    word: &str,
) -> Result<Vec<String>, InputError> {
    let toks: Vec<String> = word.split_whitespace().map(String::from).collect();
    if let Some(t) = toks.iter().find(|t| !model.alphabet.contains(t)) {
        return Err(InputError::TokenNotInModel {
            token: t.clone(),
            help: format!("the model's alphabet is {{{}}}", model.alphabet.join(", ")),
        });
    }
    Ok(toks)
}
