//! Formula syntax errors, shared by the lexer and the parser.

use std::ops::Range;

use miette::{Diagnostic, LabeledSpan};

/// What went wrong, for tests and scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Nothing but white space.
    Empty,
    /// A character that starts no token.
    UnexpectedChar,
    /// A quoted token without its closing quote.
    UnterminatedQuote,
    /// A backslash in a quoted token that escapes neither the quote nor a backslash.
    BadEscape,
    /// An empty or otherwise unusable atom.
    BadAtom,
    /// An uppercase word that is no operator (or a future-time operator).
    UnknownOperator,
    /// `Y<=0` or a window that does not fit.
    BadWindow,
    /// `P>=0` or a count that does not fit.
    BadCount,
    /// A malformed `pos%m=r` atom, or a modulus or residue out of range.
    BadModulus,
    /// An operand where an operator belongs, or the reverse.
    UnexpectedToken,
    /// The input stops where an operand is needed.
    UnexpectedEnd,
    /// `(` without `)` or `)` without `(`.
    UnbalancedParen,
    /// More open operators and parentheses than the nesting limit allows.
    TooDeep,
    /// More tokens than the size limit allows.
    TooLarge,
}

/// A formula syntax error with its byte span in the source.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// The kind of error.
    pub kind: ParseErrorKind,
    /// Byte range in the parsed text.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl ParseError {
    pub(crate) fn new(
        kind: ParseErrorKind,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        ParseError {
            kind,
            span,
            message: message.into(),
            help: help.into(),
        }
    }

    /// The same error with its span moved by `offset` bytes.
    pub(crate) fn shifted(mut self, offset: usize) -> Self {
        self.span = self.span.start + offset..self.span.end + offset;
        self
    }
}

impl Diagnostic for ParseError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!("ltlattn::parse::{:?}", self.kind)))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.span.end.saturating_sub(self.span.start);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some("here".into()),
            self.span.start,
            len,
        ))))
    }
}
