//! Formulas: the hash-consed DAG, the parser, the printers and the reference evaluator.

mod builder;
mod error;
mod eval;
mod formula;
mod lexer;
mod parser;
mod printer;
pub(crate) use printer::latex_escape;

pub use builder::Builder;
pub use error::{ParseError, ParseErrorKind};
pub use eval::{accepting_column, evaluate, truth_table, Acceptance, TruthTable, Word};
pub use formula::{position_modulus, Arena, AtomId, Node, NodeId, Op, OpSet};
pub use lexer::is_plain_atom;
pub use parser::{parse, parse_with, ParseLimits};
pub use printer::{print, PrintBudget, Shower, Syntax};
