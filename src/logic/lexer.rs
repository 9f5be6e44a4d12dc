//! Tokens of the formula syntax (nom).
//!
//! The lexer accepts the three printed forms (ASCII, Unicode, LaTeX) and the PPLTL
//! dialect of ltlf2dfa. Structure (precedence, parentheses) is the parser's job.

use nom::{
    branch::alt,
    bytes::complete::{tag, take_while, take_while1},
    character::complete::{char, digit1, multispace0},
    combinator::{opt, recognize, value},
    sequence::{pair, preceded, tuple},
    IResult,
};
use std::ops::Range;

use super::error::{ParseError, ParseErrorKind};

/// A lexical token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    LParen,
    RParen,
    Not,
    And,
    Or,
    Implies,
    Iff,
    True,
    False,
    Eos,
    Start,
    /// `pos%m=r`.
    PosMod(u32, u32),
    Atom(String),
    /// `Y`, and `Y<=k` with k ≥ 2 as `YWithin(k)`.
    Y,
    YWithin(u32),
    /// `Z` or `WY`.
    Z,
    /// `P`: strict once before an operand, past release between two operands.
    P,
    /// `P>=m` with m ≥ 2 (at least m times before; `P>=1` is `P`).
    PAtLeast(u32),
    O,
    H,
    S,
    /// `S<`: strict since.
    SStrict,
}

/// A token and its byte range in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Range<usize>,
}

/// Words (case-insensitive) that are not atoms.
pub const KEYWORDS: [&str; 4] = ["true", "false", "start", "eos"];

/// Whether `name` can be written without quotes: it starts with a lowercase letter,
/// a digit or `_`, continues with letters, digits or `_`, and is not a keyword.
pub fn is_plain_atom(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whitespace and LaTeX spacing (`\,` `\;` `\:` `\!` `\ ` `\quad` `\left` `\right`).
fn skip_space(s: &str) -> &str {
    let mut s = s;
    loop {
        s = s.trim_start();
        let Some(cmd) = s.strip_prefix('\\') else {
            return s;
        };
        if let Some(rest) = cmd.strip_prefix([',', ';', ':', '!', ' ']) {
            s = rest;
            continue;
        }
        let name_len = cmd.bytes().take_while(u8::is_ascii_alphabetic).count();
        match &cmd[..name_len] {
            "quad" | "qquad" | "left" | "right" => s = &cmd[name_len..],
            _ => return s,
        }
    }
}

fn punct(s: &str) -> IResult<&str, Tok> {
    alt((
        value(Tok::Iff, alt((tag("<->"), tag("<=>"), tag("↔"), tag("⇔")))),
        value(
            Tok::Implies,
            alt((tag("->"), tag("=>"), tag("→"), tag("⇒"))),
        ),
        value(Tok::And, alt((tag("&&"), tag("&"), tag("∧")))),
        value(Tok::Or, alt((tag("||"), tag("|"), tag("∨")))),
        value(Tok::Not, alt((tag("!"), tag("~"), tag("¬")))),
        value(Tok::LParen, tag("(")),
        value(Tok::RParen, tag(")")),
        value(Tok::True, tag("⊤")),
        value(Tok::False, tag("⊥")),
        value(Tok::Eos, tag("⊣")),
    ))(s)
}

/// `'…'` or `"…"` with `\\`, `\'` and `\"` escapes.
/// Why a quoted token does not lex.
enum QuoteError {
    /// No closing quote.
    Unterminated,
    /// A backslash followed by something other than the quote in use or a backslash,
    /// at this byte offset (of the backslash) with this length.
    BadEscape(usize, usize),
}

/// A quoted token: `'…'` or `"…"`, where a backslash escapes only the quote in use
/// and the backslash itself (grammar/formula.md).
fn quoted(s: &str) -> Result<(&str, String), QuoteError> {
    let mut chars = s.char_indices();
    let q = match chars.next() {
        Some((_, c @ ('\'' | '"'))) => c,
        _ => return Err(QuoteError::Unterminated),
    };
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        if c == q {
            return Ok((&s[i + c.len_utf8()..], out));
        }
        if c == '\\' {
            match chars.next() {
                Some((_, e)) if e == q || e == '\\' => out.push(e),
                Some((_, e)) => return Err(QuoteError::BadEscape(i, 1 + e.len_utf8())),
                None => break,
            }
        } else {
            out.push(c);
        }
    }
    Err(QuoteError::Unterminated)
}

/// LaTeX `\texttt{…}` argument unescaping, in one pass: `\{`, `\_`, `\textbackslash{}`
/// and friends, `\ ` for a space.
fn unescape_latex(arg: &str) -> String {
    const NAMED: [(&str, char); 3] = [
        ("textbackslash{}", '\\'),
        ("textasciicircum{}", '^'),
        ("textasciitilde{}", '~'),
    ];
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some((name, c)) = NAMED.iter().find(|(n, _)| after.starts_with(n)) {
            out.push(*c);
            rest = &after[name.len()..];
        } else if let Some(c) = after.chars().next().filter(|c| "{}_%&#$ ".contains(*c)) {
            out.push(c);
            rest = &after[c.len_utf8()..];
        } else {
            out.push('\\');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A LaTeX braced argument, allowing escaped braces and `\text…{}` inside.
fn braced(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('{')?;
    let mut depth = 0usize;
    let mut it = s.char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '\\' => {
                it.next();
            }
            '{' => depth += 1,
            '}' if depth == 0 => return Some((&s[i + 1..], &s[..i])),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// What follows `pos`: the rest of the input, and the modulus and residue if well formed.
type PosModSuffix<'a> = Option<(&'a str, Result<(u64, u64), ()>)>;

/// After the word `pos`: `%m=r` (also `% m = r`, `mod m = r`, LaTeX `\bmod m = r`,
/// `\% m {=} r`). `None` when no modulo operator follows (`pos` is then an atom);
/// `Some(Err)` when one does but the rest is malformed.
fn posmod_suffix(s: &str) -> PosModSuffix<'_> {
    let t = skip_space(s);
    let after_op = ["%", "\\%", "\\bmod", "mod"].iter().find_map(|op| {
        let rest = t.strip_prefix(op)?;
        // `mod` and `\bmod` must end there (not `model`).
        let word_op = op.ends_with('d');
        (!word_op || !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')).then_some(rest)
    })?;
    fn num(s: &str) -> Option<(&str, u64)> {
        let s = skip_space(s);
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        let v = s[..n].parse::<u64>().ok()?;
        Some((&s[n..], v))
    }
    let parsed = (|| {
        let (rest, m) = num(after_op)?;
        let rest = skip_space(rest);
        let rest = rest
            .strip_prefix("{=}")
            .or_else(|| rest.strip_prefix('='))?;
        let (rest, r) = num(rest)?;
        Some((rest, m, r))
    })();
    Some(match parsed {
        Some((rest, m, r)) => (rest, Ok((m, r))),
        None => (after_op, Err(())),
    })
}

/// The token for `pos` followed by `rest`: a position-modulo atom when a modulo
/// operator follows, else the atom `pos`.
fn pos_token<'a>(rest: &'a str, start: usize, src: &str) -> Result<(&'a str, Tok), ParseError> {
    let bad = |end: usize, msg: &str| {
        err(
            ParseErrorKind::BadModulus,
            start..end,
            msg.to_string(),
            "a position-modulo atom is written pos%m=r: true at positions p with p mod m = r, for 1 ≤ m ≤ 2^31 and 0 ≤ r < m",
        )
    };
    match posmod_suffix(rest) {
        None => Ok((rest, Tok::Atom("pos".into()))),
        Some((rest2, Ok((m, r)))) => {
            let end = src.len() - rest2.len();
            if m == 0 || m > 1 << 31 {
                Err(bad(
                    end,
                    "the modulus of pos%m=r must be between 1 and 2^31",
                ))
            } else if r >= m {
                Err(bad(end, "the residue of pos%m=r must be below the modulus"))
            } else {
                Ok((rest2, Tok::PosMod(m as u32, r as u32)))
            }
        }
        Some((rest2, Err(()))) => Err(bad(
            src.len() - rest2.len(),
            "malformed position-modulo atom",
        )),
    }
}

/// The window suffix of `Y`: `<=k`, `≤k`, `^{<=k}`, `^{\leq k}`, `[<=k]`.
/// Returns the rest and the window, or `None` when there is no suffix.
fn window_suffix(s: &str) -> Option<(&str, Result<u64, ()>)> {
    fn le(s: &str) -> IResult<&str, &str> {
        preceded(
            multispace0,
            alt((
                recognize(pair(tag("<="), nom::combinator::not(char('>')))),
                tag("≤"),
                tag("\\leq"),
                tag("\\le"),
            )),
        )(s)
    }
    bound_suffix(s, le)
}

/// The count suffix of `P`: `>=m`, `≥m`, `^{>=m}`, `^{\geq m}`, `[>=m]`.
fn count_suffix(s: &str) -> Option<(&str, Result<u64, ()>)> {
    fn ge(s: &str) -> IResult<&str, &str> {
        preceded(
            multispace0,
            alt((tag(">="), tag("≥"), tag("\\geq"), tag("\\ge"))),
        )(s)
    }
    bound_suffix(s, ge)
}

/// A relation (`rel`) and a number, bare or in `^{…}`, `^…` or `[…]`: the rest and the
/// number, or `None` when there is no such suffix.
fn bound_suffix(s: &str, rel: fn(&str) -> IResult<&str, &str>) -> Option<(&str, Result<u64, ()>)> {
    fn num(s: &str) -> IResult<&str, &str> {
        preceded(multispace0, digit1)(s)
    }
    let open_close = [("^{", "}"), ("^", ""), ("[", "]"), ("", "")];
    for (open, close) in open_close {
        let Some(rest) = s.strip_prefix(open) else {
            continue;
        };
        let Ok((rest, _)) = rel(rest) else { continue };
        let Ok((rest, digits)) = num(rest) else {
            continue;
        };
        let (rest, _) = multispace0::<&str, nom::error::Error<&str>>(rest).ok()?;
        let Some(rest) = rest.strip_prefix(close) else {
            continue;
        };
        return Some((rest, digits.parse::<u64>().map_err(|_| ())));
    }
    None
}

/// Splits an uppercase operator word (`Y`, `WY`, `OY`, `YY` …) into operator tokens,
/// as ltlf2dfa reads `YY a` as two yesterdays.
fn operator_letters(word: &str) -> Option<Vec<(Tok, usize)>> {
    let mut out = Vec::new();
    let mut i = 0;
    let b = word.as_bytes();
    while i < b.len() {
        let (t, n) = match b[i] {
            b'W' if b.get(i + 1) == Some(&b'Y') => (Tok::Z, 2),
            b'Y' => (Tok::Y, 1),
            b'Z' => (Tok::Z, 1),
            b'P' => (Tok::P, 1),
            b'O' => (Tok::O, 1),
            b'H' => (Tok::H, 1),
            b'S' => (Tok::S, 1),
            _ => return None,
        };
        out.push((t, i));
        i += n;
    }
    Some(out)
}

const FUTURE: [&str; 9] = ["X", "WX", "F", "G", "U", "W", "R", "M", "N"];

fn err(
    kind: ParseErrorKind,
    span: Range<usize>,
    msg: impl Into<String>,
    help: impl Into<String>,
) -> ParseError {
    ParseError::new(kind, span, msg, help)
}

/// Splits `src` into tokens.
pub fn tokenize(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut out = Vec::new();
    let mut s = skip_space(src);
    while !s.is_empty() {
        let start = src.len() - s.len();
        let rest = if let Ok((rest, tok)) = punct(s) {
            out.push(Token {
                tok,
                span: start..src.len() - rest.len(),
            });
            rest
        } else if s.starts_with('\'') || s.starts_with('"') {
            quoted_token(s, start, src, &mut out)?
        } else if let Some(cmd) = s.strip_prefix('\\') {
            latex_token(cmd, start, src, &mut out)?
        } else if let Ok((rest, word)) =
            take_while1::<_, &str, nom::error::Error<&str>>(is_word_char)(s)
        {
            word_token(word, rest, start, src, &mut out)?
        } else {
            return Err(unexpected_char(s, start));
        };
        s = skip_space(rest);
    }
    Ok(out)
}

/// A quoted atom at `s` (byte `start` of `src`): pushes it, returns the rest.
fn quoted_token<'s>(
    s: &'s str,
    start: usize,
    src: &str,
    out: &mut Vec<Token>,
) -> Result<&'s str, ParseError> {
    match quoted(s) {
        Ok((rest, name)) if !name.is_empty() => {
            out.push(Token {
                tok: Tok::Atom(name),
                span: start..src.len() - rest.len(),
            });
            Ok(rest)
        }
        Ok((rest, _)) => Err(err(
            ParseErrorKind::BadAtom,
            start..src.len() - rest.len(),
            "empty quoted token",
            "a token is a non-empty string",
        )),
        Err(QuoteError::BadEscape(at, len)) => Err(err(
            ParseErrorKind::BadEscape,
            start + at..start + at + len,
            format!("unknown escape `{}` in a quoted token", &s[at..at + len]),
            format!(
                "inside {q}…{q} a backslash escapes only {q} and itself: write \\\\ for a backslash",
                q = &s[..1]
            ),
        )),
        Err(QuoteError::Unterminated) => Err(err(
            ParseErrorKind::UnterminatedQuote,
            start..src.len(),
            "this quoted token is never closed",
            "close it with the same quote it opens with; escape a quote inside as \\'",
        )),
    }
}

/// A LaTeX command (`cmd_rest` follows the backslash at byte `start`): pushes its
/// token(s), returns the rest.
fn latex_token<'s>(
    cmd_rest: &'s str,
    start: usize,
    src: &str,
    out: &mut Vec<Token>,
) -> Result<&'s str, ParseError> {
    let at = |rest: &str| start..src.len() - rest.len();
    let (rest, name) =
        take_while::<_, &str, nom::error::Error<&str>>(|c: char| c.is_ascii_alphabetic())(cmd_rest)
            .unwrap_or((cmd_rest, ""));
    let simple = match name {
        "neg" | "lnot" => Some(Tok::Not),
        "land" | "wedge" => Some(Tok::And),
        "lor" | "vee" => Some(Tok::Or),
        "rightarrow" | "to" | "Rightarrow" | "implies" => Some(Tok::Implies),
        "leftrightarrow" | "Leftrightarrow" | "iff" => Some(Tok::Iff),
        "top" => Some(Tok::True),
        "bot" => Some(Tok::False),
        "dashv" => Some(Tok::Eos),
        _ => None,
    };
    if let Some(tok) = simple {
        out.push(Token {
            tok,
            span: at(rest),
        });
        return Ok(rest);
    }
    if let ("mathsf" | "mathit" | "texttt" | "mathrm" | "text", Some((rest, arg))) =
        (name, braced(rest))
    {
        // Spaces are part of a text-mode token (`\texttt{a b}`); math mode drops them.
        let word = if matches!(name, "texttt" | "text") {
            arg
        } else {
            arg.trim()
        };
        if matches!(name, "mathsf" | "mathrm") && word == "pos" {
            let (rest2, tok) = pos_token(rest, start, src)?;
            if !matches!(tok, Tok::Atom(_)) {
                out.push(Token {
                    tok,
                    span: at(rest2),
                });
                return Ok(rest2);
            }
        }
        if name == "mathsf" && !word.contains('\\') {
            // An operator or keyword in sans-serif: re-lex it as plain text.
            let sub = tokenize(word).map_err(|e| e.shifted(start))?;
            if sub.len() == 1 {
                let tok = sub.into_iter().next().map(|t| t.tok).unwrap_or(Tok::True);
                let (rest, tok) = operator_suffix(rest, tok, start, src)?;
                out.push(Token {
                    tok,
                    span: at(rest),
                });
                return Ok(rest);
            }
        } else if !word.is_empty() {
            out.push(Token {
                tok: Tok::Atom(unescape_latex(word)),
                span: at(rest),
            });
            return Ok(rest);
        }
    }
    Err(err(
        ParseErrorKind::UnknownOperator,
        at(rest),
        format!("unknown LaTeX command `\\{name}`"),
        "LaTeX input understands \\neg \\land \\lor \\rightarrow \\leftrightarrow \\top \\bot \\dashv, \\mathsf{Y} (and the other operators), \\mathit{atom} and \\texttt{token}",
    ))
}

/// A word (atom, keyword or run of operator letters) at byte `start`, followed by
/// `rest`: pushes its token(s), returns what follows them.
fn word_token<'s>(
    word: &str,
    rest: &'s str,
    start: usize,
    src: &str,
    out: &mut Vec<Token>,
) -> Result<&'s str, ParseError> {
    let at = |rest: &str| start..src.len() - rest.len();
    let keyword = match word.to_ascii_lowercase().as_str() {
        "true" => Some(Tok::True),
        "false" => Some(Tok::False),
        "start" => Some(Tok::Start),
        "eos" if word == "eos" => Some(Tok::Eos),
        _ => None,
    };
    if let Some(tok) = keyword {
        out.push(Token {
            tok,
            span: at(rest),
        });
        return Ok(rest);
    }
    if word == "pos" {
        let (rest2, tok) = pos_token(rest, start, src)?;
        out.push(Token {
            tok,
            span: at(rest2),
        });
        return Ok(rest2);
    }
    if !word.chars().next().unwrap_or('a').is_ascii_uppercase() {
        out.push(Token {
            tok: Tok::Atom(word.to_string()),
            span: at(rest),
        });
        return Ok(rest);
    }
    if let Some(letters) = operator_letters(word) {
        let n = letters.len();
        let mut after = rest;
        for (k, (tok, off)) in letters.into_iter().enumerate() {
            if k + 1 < n {
                out.push(Token {
                    tok,
                    span: start + off..start + off + 1,
                });
            } else {
                let (rest2, tok) = operator_suffix(rest, tok, start, src)?;
                out.push(Token {
                    tok,
                    span: start + off..src.len() - rest2.len(),
                });
                after = rest2;
            }
        }
        return Ok(after);
    }
    let help = if FUTURE.contains(&word) {
        format!("`{word}` is a future-time operator; ltlattn works with past-time LTL (Y, Z/WY, Y<=k, P, P>=m, O, H, S, S<)")
    } else {
        format!("operators are Y, Z (or WY), Y<=k, P, P>=m, O, H, S, S<; an atom that starts with an uppercase letter must be quoted: '{word}'")
    };
    Err(err(
        ParseErrorKind::UnknownOperator,
        at(rest),
        format!("unknown operator `{word}`"),
        help,
    ))
}

/// The error for a character no token starts with.
fn unexpected_char(s: &str, start: usize) -> ParseError {
    let c = s.chars().next().unwrap_or(' ');
    let help = if c.is_control() || c == '\u{fffd}' {
        "the input contains a control or non-text character".to_string()
    } else {
        format!("quote tokens that are not plain identifiers: '{c}'")
    };
    err(
        ParseErrorKind::UnexpectedChar,
        start..start + c.len_utf8(),
        format!("unexpected character {c:?}"),
        help,
    )
}

/// The token of `Y` or `P` after its bound suffix, if any (`suffix`, parsed from
/// `rest`): the plain operator for no suffix or a bound of 1, `bounded(n)` for n ≥ 2,
/// the error `bad` (spanning from the operator, `span.start`, to the suffix's end; `span.end`
/// is the source's length) for 0 or a bound beyond u32.
fn bounded_operator<'a>(
    suffix: Option<(&'a str, Result<u64, ()>)>,
    rest: &'a str,
    (plain, bounded): (Tok, fn(u32) -> Tok),
    span: Range<usize>,
    bad: (ParseErrorKind, &str, &str),
) -> Result<(&'a str, Tok), ParseError> {
    match suffix {
        None => Ok((rest, plain)),
        Some((rest2, Ok(1))) => Ok((rest2, plain)),
        Some((rest2, Ok(n))) if (2..=u32::MAX as u64).contains(&n) => {
            Ok((rest2, bounded(n as u32)))
        }
        Some((rest2, _)) => Err(err(bad.0, span.start..span.end - rest2.len(), bad.1, bad.2)),
    }
}

/// After `Y` a window suffix may follow, after `P` a count suffix; after `S` a `<`
/// (strict since).
fn operator_suffix<'a>(
    rest: &'a str,
    tok: Tok,
    start: usize,
    src: &str,
) -> Result<(&'a str, Tok), ParseError> {
    match tok {
        Tok::Y => bounded_operator(
            window_suffix(rest),
            rest,
            (Tok::Y, Tok::YWithin),
            start..src.len(),
            (
                ParseErrorKind::BadWindow,
                "the window of Y<=k must be between 1 and 4294967295",
                "Y<=k looks back at most k positions; k = 0 would look nowhere (write false)",
            ),
        ),
        Tok::P => bounded_operator(
            count_suffix(rest),
            rest,
            (Tok::P, Tok::PAtLeast),
            start..src.len(),
            (
                ParseErrorKind::BadCount,
                "the count of P>=m must be between 1 and 4294967295",
                "P>=m holds where its operand held at m or more earlier positions; m = 0 would always hold (write true)",
            ),
        ),
        Tok::S => {
            let strict: IResult<&str, _> = tuple((
                opt(tag("^{")),
                char('<'),
                nom::combinator::not(alt((char('-'), char('=')))),
                opt(char('}')),
            ))(rest);
            match strict {
                Ok((rest2, _)) => Ok((rest2, Tok::SStrict)),
                Err(_) => Ok((rest, Tok::S)),
            }
        }
        other => Ok((rest, other)),
    }
}
