//! The formula parser: operator precedence with an explicit stack.
//!
//! The grammar is in `grammar/formula.md`. There is no recursion here, so nesting depth
//! is bounded by memory, not by the call stack: 100,000 nested parentheses parse.
//!
//! ```
//! use ltlattn::logic::{parse, print, Arena, Syntax};
//! let mut f = Arena::new();
//! let phi = parse(&mut f, "a S b & O c").unwrap();
//! assert_eq!(print(&f, phi, Syntax::Ascii), "a S b & O c");
//! ```

use std::ops::Range;

use super::error::{ParseError, ParseErrorKind};
use super::formula::{Arena, Node, NodeId};
use super::lexer::{tokenize, Tok, Token};

/// Caps on what the parser accepts, so that hostile input ends in an error, not in
/// exhausted memory further down the pipeline. Every pass over formulas is iterative,
/// so the caps protect memory and time, not the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// Most operators and parentheses open at once (the formula's nesting depth).
    pub max_nesting: usize,
    /// Most tokens in one formula (about its size as a tree).
    pub max_size: usize,
}

impl ParseLimits {
    /// The defaults: nesting 100,000 and size 1,000,000 tokens.
    pub const DEFAULT: ParseLimits = ParseLimits {
        max_nesting: 100_000,
        max_size: 1_000_000,
    };
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits::DEFAULT
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Binary {
    Iff,
    Implies,
    Or,
    And,
    Since,
    StrictSince,
    Release,
}

impl Binary {
    /// Binding strength: higher binds tighter.
    fn prec(self) -> u8 {
        match self {
            Binary::Iff => 1,
            Binary::Implies => 2,
            Binary::Or => 3,
            Binary::And => 4,
            Binary::Since | Binary::StrictSince => 5,
            Binary::Release => 6,
        }
    }
    fn right_assoc(self) -> bool {
        matches!(self, Binary::Since | Binary::StrictSince | Binary::Release)
    }
}

#[derive(Clone, Copy, Debug)]
enum Unary {
    Not,
    Y,
    YWithin(u32),
    Z,
    StrictOnce,
    AtLeast(u32),
    Once,
    Historically,
}

#[derive(Clone, Debug)]
enum Pending {
    Paren(Range<usize>),
    Unary(Unary),
    /// A binary operator; `operands` counts the chained operands (an `<->` chain
    /// `a <-> b <-> c` is one entry with three operands, as in ltlf2dfa: all equal).
    Binary(Binary, usize),
}

struct Machine<'a> {
    arena: &'a mut Arena,
    operands: Vec<NodeId>,
    ops: Vec<Pending>,
}

impl Machine<'_> {
    fn apply_unaries(&mut self) {
        while let Some(Pending::Unary(u)) = self.ops.last().cloned() {
            self.ops.pop();
            let x = self
                .operands
                .pop()
                .expect("a unary operator always has its operand");
            let node = match u {
                Unary::Not => Node::Not(x),
                Unary::Y => Node::Yesterday(x),
                Unary::YWithin(k) => Node::YesterdayWithin(k, x),
                Unary::Z => Node::WeakYesterday(x),
                Unary::StrictOnce => Node::StrictOnce(x),
                Unary::AtLeast(m) => Node::OnceAtLeast(m, x),
                Unary::Once => Node::Once(x),
                Unary::Historically => Node::Historically(x),
            };
            let id = self.arena.add(node);
            self.operands.push(id);
        }
    }

    fn reduce(&mut self, op: Binary, count: usize) {
        let at = self.operands.len() - count;
        let args: Vec<NodeId> = self.operands.drain(at..).collect();
        let id = match op {
            // Chains of <-> mean "all equal" (ltlf2dfa): (a <-> b) & (b <-> c).
            Binary::Iff => {
                let mut acc = self.arena.add(Node::Iff(args[0], args[1]));
                for w in args[1..].windows(2) {
                    let next = self.arena.add(Node::Iff(w[0], w[1]));
                    acc = self.arena.add(Node::And(acc, next));
                }
                acc
            }
            _ => {
                // Right-associative operators fold from the right, the others from the left.
                let mk = |l, r| match op {
                    Binary::Implies => Node::Implies(l, r),
                    Binary::Or => Node::Or(l, r),
                    Binary::And => Node::And(l, r),
                    Binary::Since => Node::Since(l, r),
                    Binary::StrictSince => Node::StrictSince(l, r),
                    Binary::Release => Node::Release(l, r),
                    Binary::Iff => unreachable!(),
                };
                if op.right_assoc() {
                    let mut acc = args[args.len() - 1];
                    for &l in args[..args.len() - 1].iter().rev() {
                        acc = self.arena.add(mk(l, acc));
                    }
                    acc
                } else {
                    let mut acc = args[0];
                    for &r in &args[1..] {
                        acc = self.arena.add(mk(acc, r));
                    }
                    acc
                }
            }
        };
        self.operands.push(id);
    }

    /// Reduces pending binary operators that bind at least as tightly as `prec`.
    fn reduce_above(&mut self, prec: u8) {
        while let Some(Pending::Binary(op, n)) = self.ops.last().cloned() {
            if op.prec() < prec {
                break;
            }
            self.ops.pop();
            self.reduce(op, n);
        }
    }

    fn binary(&mut self, op: Binary) {
        // Reduce what binds tighter; operators of the same level chain into one entry,
        // folded left or right when reduced.
        self.reduce_above(op.prec() + 1);
        if let Some(Pending::Binary(top, n)) = self.ops.last_mut() {
            if top.prec() == op.prec() {
                if *top == op {
                    *n += 1;
                    return;
                }
                // Mixed operators of one level (S with S<): right-associative,
                // so the new one nests inside; left-associative ones reduce first.
                if !op.right_assoc() {
                    let (t, k) = (*top, *n);
                    self.ops.pop();
                    self.reduce(t, k);
                }
            }
        }
        self.ops.push(Pending::Binary(op, 2));
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Not => "negation".into(),
        Tok::And => "`&`".into(),
        Tok::Or => "`|`".into(),
        Tok::Implies => "`->`".into(),
        Tok::Iff => "`<->`".into(),
        Tok::True | Tok::False | Tok::Eos | Tok::Start => "a constant".into(),
        Tok::PosMod(..) => "a position-modulo atom".into(),
        Tok::Atom(a) => format!("the atom `{a}`"),
        Tok::Y | Tok::YWithin(_) | Tok::PAtLeast(_) | Tok::Z | Tok::O | Tok::H => {
            "a unary operator".into()
        }
        Tok::P => "`P`".into(),
        Tok::S | Tok::SStrict => "a since operator".into(),
    }
}

/// Parses `src` into `arena`, returning the root of the formula, under the default
/// limits ([`ParseLimits::DEFAULT`]; [`parse_with`] takes others).
pub fn parse(arena: &mut Arena, src: &str) -> Result<NodeId, ParseError> {
    parse_with(arena, src, ParseLimits::DEFAULT)
}

/// Parses `src` into `arena` under explicit limits.
pub fn parse_with(arena: &mut Arena, src: &str, limits: ParseLimits) -> Result<NodeId, ParseError> {
    let tokens = tokenize(src)?;
    if tokens.len() > limits.max_size {
        let at = tokens[limits.max_size].span.clone();
        return Err(ParseError::new(
            ParseErrorKind::TooLarge,
            at,
            format!(
                "the formula has {} tokens, more than the limit of {}",
                tokens.len(),
                limits.max_size
            ),
            "raise the limit with --max-formula-size N",
        ));
    }
    if tokens.is_empty() {
        return Err(ParseError::new(
            ParseErrorKind::Empty,
            0..src.len(),
            "empty formula",
            "write a formula such as `O a & !b`; `true` accepts every word",
        ));
    }
    let mut m = Machine {
        arena,
        operands: Vec::new(),
        ops: Vec::new(),
    };
    let mut expect_operand = true;
    let mut last_span = 0..0;
    for Token { tok, span } in tokens {
        last_span = span.clone();
        if m.ops.len() >= limits.max_nesting
            && matches!(
                tok,
                Tok::LParen
                    | Tok::Not
                    | Tok::Y
                    | Tok::YWithin(_)
                    | Tok::PAtLeast(_)
                    | Tok::Z
                    | Tok::O
                    | Tok::H
                    | Tok::P
            )
            || m.ops.len() > limits.max_nesting
        {
            return Err(ParseError::new(
                ParseErrorKind::TooDeep,
                span,
                format!(
                    "the formula nests deeper than the limit of {}",
                    limits.max_nesting
                ),
                "raise the limit with --max-nesting N",
            ));
        }
        if expect_operand {
            let leaf = match &tok {
                Tok::True => Some(Node::True),
                Tok::False => Some(Node::False),
                Tok::Eos => Some(Node::Eos),
                Tok::Start => Some(Node::Start),
                Tok::PosMod(m, r) => Some(Node::PosMod(*m, *r)),
                _ => None,
            };
            let unary = match tok {
                Tok::Not => Some(Unary::Not),
                Tok::Y => Some(Unary::Y),
                Tok::YWithin(k) => Some(Unary::YWithin(k)),
                Tok::Z => Some(Unary::Z),
                Tok::P => Some(Unary::StrictOnce),
                Tok::PAtLeast(m) => Some(Unary::AtLeast(m)),
                Tok::O => Some(Unary::Once),
                Tok::H => Some(Unary::Historically),
                _ => None,
            };
            if let Some(node) = leaf {
                let id = m.arena.add(node);
                m.operands.push(id);
                m.apply_unaries();
                expect_operand = false;
            } else if let Tok::Atom(name) = &tok {
                let id = m.arena.atom(name);
                m.operands.push(id);
                m.apply_unaries();
                expect_operand = false;
            } else if let Some(u) = unary {
                m.ops.push(Pending::Unary(u));
            } else if tok == Tok::LParen {
                m.ops.push(Pending::Paren(span.clone()));
            } else {
                let help = if tok == Tok::RParen {
                    "parentheses must contain a formula".to_string()
                } else {
                    format!("{} needs a formula on its left", describe(&tok))
                };
                return Err(ParseError::new(
                    ParseErrorKind::UnexpectedToken,
                    span,
                    format!("expected a formula, found {}", describe(&tok)),
                    help,
                ));
            }
        } else {
            let op =
                match tok {
                    Tok::Iff => Binary::Iff,
                    Tok::Implies => Binary::Implies,
                    Tok::Or => Binary::Or,
                    Tok::And => Binary::And,
                    Tok::S => Binary::Since,
                    Tok::SStrict => Binary::StrictSince,
                    Tok::P => Binary::Release,
                    Tok::RParen => {
                        m.reduce_above(0);
                        match m.ops.pop() {
                            Some(Pending::Paren(_)) => {}
                            _ => {
                                return Err(ParseError::new(
                                    ParseErrorKind::UnbalancedParen,
                                    span,
                                    "this `)` closes no `(`",
                                    "remove it, or add the `(` it should close",
                                ))
                            }
                        }
                        m.apply_unaries();
                        continue;
                    }
                    other => return Err(ParseError::new(
                        ParseErrorKind::UnexpectedToken,
                        span,
                        format!("expected an operator, found {}", describe(&other)),
                        "two formulas in a row need a connective between them, such as `&` or `S`",
                    )),
                };
            m.binary(op);
            expect_operand = true;
        }
    }
    if expect_operand {
        let end = src.trim_end().len();
        return Err(ParseError::new(
            ParseErrorKind::UnexpectedEnd,
            last_span.start.min(end)..end.max(last_span.end),
            "the formula ends where an operand is expected",
            "complete the formula after the last operator",
        ));
    }
    m.reduce_above(0);
    if let Some(Pending::Paren(open)) = m.ops.pop() {
        return Err(ParseError::new(
            ParseErrorKind::UnbalancedParen,
            open,
            "this `(` is never closed",
            "add the matching `)`",
        ));
    }
    debug_assert_eq!(m.operands.len(), 1);
    Ok(m.operands[0])
}
