//! Printers: ASCII (the default; in ltlf2dfa's PPLTL spelling wherever its operators reach), Unicode
//! and LaTeX. Each prints minimal parentheses for the precedences of `grammar/formula.md`,
//! and each output parses back to the same DAG node.
//!
//! ```
//! use ltlattn::logic::{parse, print, Arena, Syntax};
//! let mut f = Arena::new();
//! let phi = parse(&mut f, "!(a | b) -> Y<=3 P a").unwrap();
//! assert_eq!(print(&f, phi, Syntax::Unicode), "¬(a ∨ b) → Y≤3 P a");
//! let latex = print(&f, phi, Syntax::Latex);
//! assert_eq!(parse(&mut f, &latex).unwrap(), phi);
//! ```

use super::formula::{Arena, Node, NodeId};
use super::lexer::is_plain_atom;

/// Which notation to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// `!`, `&`, `|`, `->`, `<->`, `Y<=k`, `S<`.
    Ascii,
    /// `¬`, `∧`, `∨`, `→`, `↔`, `⊤`, `⊥`, `⊣`, `Y≤k`.
    Unicode,
    /// Math-mode LaTeX: `\neg`, `\land`, `\mathsf{Y}^{\leq k}`.
    Latex,
}

struct Symbols {
    tru: &'static str,
    fals: &'static str,
    eos: &'static str,
    start: &'static str,
    not: &'static str,
    and: &'static str,
    or: &'static str,
    implies: &'static str,
    iff: &'static str,
    y: &'static str,
    z: &'static str,
    p: &'static str,
    o: &'static str,
    h: &'static str,
    since: &'static str,
    strict_since: &'static str,
    release: &'static str,
}

const ASCII: Symbols = Symbols {
    tru: "true",
    fals: "false",
    eos: "eos",
    start: "start",
    not: "!",
    and: " & ",
    or: " | ",
    implies: " -> ",
    iff: " <-> ",
    y: "Y ",
    z: "WY ",
    p: "P ",
    o: "O ",
    h: "H ",
    since: " S ",
    strict_since: " S< ",
    release: " P ",
};

const UNICODE: Symbols = Symbols {
    tru: "⊤",
    fals: "⊥",
    eos: "⊣",
    start: "start",
    not: "¬",
    and: " ∧ ",
    or: " ∨ ",
    implies: " → ",
    iff: " ↔ ",
    y: "Y ",
    z: "Z ",
    p: "P ",
    o: "O ",
    h: "H ",
    since: " S ",
    strict_since: " S< ",
    release: " P ",
};

const LATEX: Symbols = Symbols {
    tru: "\\top",
    fals: "\\bot",
    eos: "\\dashv",
    start: "\\mathsf{start}",
    not: "\\neg ",
    and: " \\land ",
    or: " \\lor ",
    implies: " \\rightarrow ",
    iff: " \\leftrightarrow ",
    y: "\\mathsf{Y}\\, ",
    z: "\\mathsf{Z}\\, ",
    p: "\\mathsf{P}\\, ",
    o: "\\mathsf{O}\\, ",
    h: "\\mathsf{H}\\, ",
    since: " \\;\\mathsf{S}\\; ",
    strict_since: " \\;\\mathsf{S}^{<}\\; ",
    release: " \\;\\mathsf{P}\\; ",
};

/// Binding strength of a node's top operator, as the parser sees it (higher binds tighter).
fn prec(node: Node) -> u8 {
    match node {
        Node::Iff(..) => 1,
        Node::Implies(..) => 2,
        Node::Or(..) => 3,
        Node::And(..) => 4,
        Node::Since(..) | Node::StrictSince(..) => 5,
        Node::Release(..) => 6,
        _ => 7,
    }
}

fn atom_text(name: &str, syntax: Syntax) -> String {
    match syntax {
        Syntax::Ascii | Syntax::Unicode => {
            if is_plain_atom(name) {
                name.to_string()
            } else {
                let q = if name.contains('\'') && !name.contains('"') {
                    '"'
                } else {
                    '\''
                };
                let mut s = String::with_capacity(name.len() + 2);
                s.push(q);
                for c in name.chars() {
                    if c == q || c == '\\' {
                        s.push('\\');
                    }
                    s.push(c);
                }
                s.push(q);
                s
            }
        }
        Syntax::Latex => {
            if is_plain_atom(name) && name.len() == 1 {
                name.to_string()
            } else {
                let s = latex_escape(name);
                let cmd = if is_plain_atom(name) {
                    "\\mathit"
                } else {
                    "\\texttt"
                };
                format!("{cmd}{{{s}}}")
            }
        }
    }
}

/// Text with TeX's special characters escaped, for text mode (`\texttt{…}`).
pub(crate) fn latex_escape(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars() {
        match c {
            '\\' => s.push_str("\\textbackslash{}"),
            '^' => s.push_str("\\textasciicircum{}"),
            '~' => s.push_str("\\textasciitilde{}"),
            '{' | '}' | '_' | '%' | '&' | '#' | '$' => {
                s.push('\\');
                s.push(c);
            }
            c => s.push(c),
        }
    }
    s
}

enum Item {
    Node(NodeId),
    Paren(NodeId),
    Text(String),
    Static(&'static str),
}

/// Prints `root` in the given syntax with minimal parentheses.
pub fn print(arena: &Arena, root: NodeId, syntax: Syntax) -> String {
    let sym = match syntax {
        Syntax::Ascii => &ASCII,
        Syntax::Unicode => &UNICODE,
        Syntax::Latex => &LATEX,
    };
    let mut out = String::new();
    let mut stack = vec![Item::Node(root)];
    while let Some(item) = stack.pop() {
        let id = match item {
            Item::Static(s) => {
                out.push_str(s);
                continue;
            }
            Item::Text(s) => {
                out.push_str(&s);
                continue;
            }
            Item::Paren(id) => {
                out.push('(');
                stack.push(Item::Static(")"));
                stack.push(Item::Node(id));
                continue;
            }
            Item::Node(id) => id,
        };
        let node = arena.node(id);
        let p = prec(node);
        // Pushes are in reverse order of output.
        let unary = |stack: &mut Vec<Item>, op: Item, x: NodeId| {
            stack.push(if prec(arena.node(x)) < 7 {
                Item::Paren(x)
            } else {
                Item::Node(x)
            });
            stack.push(op);
        };
        match node {
            Node::True => out.push_str(sym.tru),
            Node::False => out.push_str(sym.fals),
            Node::Eos => out.push_str(sym.eos),
            Node::Start => out.push_str(sym.start),
            Node::PosMod(m, r) => match syntax {
                Syntax::Ascii | Syntax::Unicode => out.push_str(&format!("pos%{m}={r}")),
                Syntax::Latex => out.push_str(&format!("(\\mathsf{{pos}} \\bmod {m} = {r})")),
            },
            Node::Atom(a) => out.push_str(&atom_text(arena.atom_name(a), syntax)),
            Node::Not(x) => unary(&mut stack, Item::Static(sym.not), x),
            Node::Yesterday(x) => unary(&mut stack, Item::Static(sym.y), x),
            Node::WeakYesterday(x) => unary(&mut stack, Item::Static(sym.z), x),
            Node::StrictOnce(x) => unary(&mut stack, Item::Static(sym.p), x),
            Node::Once(x) => unary(&mut stack, Item::Static(sym.o), x),
            Node::Historically(x) => unary(&mut stack, Item::Static(sym.h), x),
            Node::YesterdayWithin(k, x) => {
                let op = match syntax {
                    Syntax::Ascii => format!("Y<={k} "),
                    Syntax::Unicode => format!("Y≤{k} "),
                    Syntax::Latex => format!("\\mathsf{{Y}}^{{\\leq {k}}}\\, "),
                };
                unary(&mut stack, Item::Text(op), x)
            }
            Node::OnceAtLeast(m, x) => {
                let op = match syntax {
                    Syntax::Ascii => format!("P>={m} "),
                    Syntax::Unicode => format!("P≥{m} "),
                    Syntax::Latex => format!("\\mathsf{{P}}^{{\\geq {m}}}\\, "),
                };
                unary(&mut stack, Item::Text(op), x)
            }
            Node::And(l, r)
            | Node::Or(l, r)
            | Node::Implies(l, r)
            | Node::Iff(l, r)
            | Node::Since(l, r)
            | Node::StrictSince(l, r)
            | Node::Release(l, r) => {
                let op = match node {
                    Node::And(..) => sym.and,
                    Node::Or(..) => sym.or,
                    Node::Implies(..) => sym.implies,
                    Node::Iff(..) => sym.iff,
                    Node::Since(..) => sym.since,
                    Node::StrictSince(..) => sym.strict_since,
                    _ => sym.release,
                };
                let (pl, pr) = (prec(arena.node(l)), prec(arena.node(r)));
                let right_assoc = p >= 5;
                // Implication and iff chains are always bracketed: readers disagree on
                // how `a -> b -> c` associates, and an `<->` chain means "all equal".
                let chain_guard = matches!(node, Node::Implies(..) | Node::Iff(..));
                let paren_l = if right_assoc || chain_guard {
                    pl <= p
                } else {
                    pl < p
                };
                let paren_r = if right_assoc { pr < p } else { pr <= p };
                stack.push(if paren_r {
                    Item::Paren(r)
                } else {
                    Item::Node(r)
                });
                stack.push(Item::Static(op));
                stack.push(if paren_l {
                    Item::Paren(l)
                } else {
                    Item::Node(l)
                });
            }
        }
    }
    out
}

/// A budget of printed nodes shared by the formulas of one answer (the command line's
/// `--max-formula-size`, the server's per request): a small DAG can unfold into an
/// astronomically large tree, so every formula a report prints is charged its size as a
/// tree, and one over what is left is replaced by a note. The front end asks [`cut`]
/// at the end and turns a cut budget into an error.
///
/// It is a value passed to whatever prints (shared across threads: atomics), not state
/// of the thread: the command line has one for the process, the server one per request.
///
/// ```
/// use ltlattn::logic::{parse, Arena, PrintBudget, Syntax};
/// let mut f = Arena::new();
/// let phi = parse(&mut f, "P (a & Y b)").unwrap();
/// let budget = PrintBudget::new(6);
/// assert_eq!(budget.show(&f, phi, Syntax::Ascii), "P (a & Y b)");
/// assert!(budget.show(&f, phi, Syntax::Ascii).starts_with("<not printed"));
/// assert_eq!(budget.cut(), Some(6));
/// ```
///
/// [`cut`]: PrintBudget::cut
#[derive(Debug)]
pub struct PrintBudget {
    left: std::sync::atomic::AtomicU64,
    limit: std::sync::atomic::AtomicU64,
    cut: std::sync::atomic::AtomicBool,
}

impl PrintBudget {
    /// A budget of `nodes` printed nodes (as trees) in all.
    pub const fn new(nodes: u64) -> Self {
        PrintBudget {
            left: std::sync::atomic::AtomicU64::new(nodes),
            limit: std::sync::atomic::AtomicU64::new(nodes),
            cut: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Starts over with `nodes` nodes, nothing cut.
    pub fn reset(&self, nodes: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.left.store(nodes, Relaxed);
        self.limit.store(nodes, Relaxed);
        self.cut.store(false, Relaxed);
    }

    /// The budget's size, when some formula was left unprinted since it began.
    pub fn cut(&self) -> Option<u64> {
        use std::sync::atomic::Ordering::Relaxed;
        self.cut.load(Relaxed).then(|| self.limit.load(Relaxed))
    }

    /// One formula within the budget (work proportional to its DAG, not to the arena's).
    pub fn show(&self, arena: &Arena, root: NodeId, syntax: Syntax) -> String {
        self.within(arena, root, arena.tree_size(root), syntax)
    }

    /// A printer of many formulas of `arena` within the budget (the tree sizes of the
    /// whole arena computed once).
    pub fn shower<'a>(&'a self, arena: &'a Arena) -> Shower<'a> {
        Shower {
            arena,
            sizes: arena.tree_sizes(),
            budget: self,
        }
    }

    fn within(&self, arena: &Arena, root: NodeId, size: u64, syntax: Syntax) -> String {
        use std::sync::atomic::Ordering::Relaxed;
        let charged = self
            .left
            .fetch_update(Relaxed, Relaxed, |left| left.checked_sub(size));
        if charged.is_ok() {
            return print(arena, root, syntax);
        }
        self.cut.store(true, Relaxed);
        format!(
            "<not printed: {} nodes as a tree, over the print limit>",
            if size == u64::MAX {
                "2^64 or more".to_string()
            } else {
                size.to_string()
            }
        )
    }
}

/// Prints formulas of one arena within a [`PrintBudget`] ([`PrintBudget::shower`]).
#[derive(Debug)]
pub struct Shower<'a> {
    arena: &'a Arena,
    /// Tree size of every node of the arena ([`Arena::tree_sizes`]).
    sizes: Vec<u64>,
    budget: &'a PrintBudget,
}

impl Shower<'_> {
    /// The formula in `syntax`, or a note saying why it is not printed.
    pub fn show(&self, root: NodeId, syntax: Syntax) -> String {
        self.budget
            .within(self.arena, root, self.sizes[root.index()], syntax)
    }
}
