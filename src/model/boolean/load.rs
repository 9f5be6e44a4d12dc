//! `model.toml` → [`Model`], with every error pointing at its place in the file.

// A load makes at most one error; its size does not matter, its public fields do.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::ops::Range as Span;

use serde::Deserialize;
use toml::Spanned;

use super::{Feature, Head, Mode, Model, Origin, Range};
use crate::logic::{parse_with, Acceptance, Arena, Node, NodeId, ParseLimits};
use crate::patterns::Pattern;

/// Largest window of a soft local head.
pub const MAX_WINDOW: i64 = 1_000_000;
/// Largest window of a hard local head (its formula grows with the window).
pub const MAX_HARD_WINDOW: i64 = 256;
/// Most selection terms of a hard head (its formula splits on the queries that hold).
const MAX_HARD_TERMS: usize = 8;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Option<String>,
    alphabet: Spanned<Vec<Spanned<String>>>,
    acceptance: Option<Spanned<String>>,
    masking: Option<Spanned<String>>,
    output: Spanned<String>,
    #[serde(default)]
    layer: Vec<RawLayer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    #[serde(default)]
    head: Vec<RawHead>,
    #[serde(default)]
    ffn: Vec<RawFfn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHead {
    name: Spanned<String>,
    range: Spanned<String>,
    window: Option<Spanned<i64>>,
    masking: Option<Spanned<String>>,
    query: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    select: Option<Spanned<Vec<RawTerm>>>,
    value: Spanned<String>,
    mode: Option<Spanned<String>>,
    default: Option<Spanned<bool>>,
    // Combiner heads (range = "combiner").
    pattern: Option<Spanned<String>>,
    block: Option<Spanned<i64>>,
    width: Option<Spanned<i64>>,
    columns: Option<Spanned<i64>>,
    #[serde(rename = "summary-query")]
    summary_query: Option<Spanned<String>>,
    #[serde(rename = "summary-key")]
    summary_key: Option<Spanned<String>>,
    #[serde(rename = "summary-select")]
    summary_select: Option<Spanned<Vec<RawTerm>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    query: Spanned<String>,
    key: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFfn {
    name: Spanned<String>,
    expr: Spanned<String>,
}

/// What kind of mistake a [`ModelError`] reports (the message says it for people).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelErrorKind {
    /// The file is not valid TOML, or has a field the schema does not know.
    Toml,
    /// A field has a value the schema does not allow (an unknown mode, range, masking,
    /// acceptance or pattern; a default on a soft head; a Combiner field elsewhere).
    Value {
        /// The field.
        field: &'static str,
    },
    /// The alphabet is empty, or has an empty or repeated token.
    Alphabet,
    /// An expression does not parse, or uses what expressions may not (temporal
    /// operators, position-modulo atoms).
    Expression,
    /// An expression reads a name that is neither a token nor a feature.
    UnknownFeature {
        /// The name.
        name: String,
    },
    /// An expression reads a feature before the layer (or line) that makes it: a later
    /// layer, the same layer for a head, or a cycle.
    NotYetMade {
        /// The feature.
        name: String,
    },
    /// A feature name is defined twice.
    Duplicate {
        /// The name.
        name: String,
    },
    /// A window or block outside its range (window 0, above the maximum).
    Size {
        /// The field (`window`, `block`, `width`, `columns`).
        field: &'static str,
        /// The value given.
        value: i64,
    },
    /// A required field is missing (a local head's window, a hard head's default, …).
    Missing {
        /// The field.
        field: &'static str,
    },
    /// The output is not a feature of the model.
    UnknownOutput {
        /// The name given.
        name: String,
    },
}

/// A model that cannot be loaded: what, where (a span in the file) and how to fix it.
pub type ModelError = crate::diag::FileError<ModelErrorKind>;

impl crate::diag::ErrorKind for ModelErrorKind {
    const CODE: &'static str = "ltlattn::model";
}

struct Loader<'a> {
    name: &'a str,
    text: &'a str,
    limits: ParseLimits,
}

impl Loader<'_> {
    fn err(
        &self,
        kind: ModelErrorKind,
        span: Option<Span<usize>>,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) -> ModelError {
        ModelError::new(kind, (self.name, self.text), span, message, help.into())
    }

    /// Parses an expression held in a TOML string, mapping formula spans into the file.
    fn expr(
        &self,
        arena: &mut Arena,
        s: &Spanned<String>,
        what: &str,
    ) -> Result<NodeId, ModelError> {
        let span = s.span();
        // Basic strings: the contents start after the opening quote (escapes shift
        // positions; the label then lands near, not on, the spot).
        let quote = self.text.get(span.clone()).map_or(1, |t| {
            if t.starts_with("'''") || t.starts_with("\"\"\"") {
                3
            } else {
                1
            }
        });
        let base = span.start + quote;
        let id = parse_with(arena, s.get_ref(), self.limits).map_err(|e| {
            self.err(
                ModelErrorKind::Expression,
                Some(base + e.span.start..base + e.span.end.max(e.span.start + 1)),
                format!("in the {what}: {}", e.message),
                Some(e.help.clone()),
            )
        })?;
        if let Some(op) = arena.ops(id).iter().find(|o| o.is_temporal()) {
            return Err(self.err(
                ModelErrorKind::Expression,
                Some(span),
                format!("the {what} uses the temporal operator {}; expressions are position-wise", op.name()),
                Some("only attention heads look at other positions: make a head for it and use the head's feature".into()),
            ));
        }
        if arena.ops(id).contains(crate::logic::Op::PosMod) {
            return Err(self.err(
                ModelErrorKind::Expression,
                Some(span),
                format!("the {what} uses a position-modulo atom; models read positions only through their heads"),
                Some("a Combiner head's block boundaries are where position-modulo information comes from (range = \"combiner\")".into()),
            ));
        }
        Ok(id)
    }
}

/// Largest block size or row width of a Combiner head in a model (the compiled formula
/// has a case per offset in the block).
pub const MAX_COMBINER_BLOCK: i64 = 4_096;

/// The pattern of a Combiner head from `pattern`, `block`, `width`, `columns`.
fn combiner_pattern(l: &Loader<'_>, h: &RawHead, mode: Mode) -> Result<Pattern, ModelError> {
    if mode != Mode::Soft {
        return Err(l.err(
            ModelErrorKind::Value { field: "mode" },
            h.mode.as_ref().map(|m| m.span()),
            "Combiner heads are soft",
            Some("Combiner factorizes soft attention; use mode = \"soft\" (the default)".into()),
        ));
    }
    let p = h.pattern.as_ref().ok_or_else(|| {
        l.err(
            ModelErrorKind::Missing { field: "pattern" },
            Some(h.range.span()),
            format!("the Combiner head `{}` needs a pattern", h.name.get_ref()),
            Some(
                "add pattern = \"fixed\" (with block), \"axial\" (with width) or \"logsparse\""
                    .into(),
            ),
        )
    })?;
    let size =
        |field: &Option<Spanned<i64>>, what: &'static str, min: i64| -> Result<u64, ModelError> {
            let v = field.as_ref().ok_or_else(|| {
                l.err(
                    ModelErrorKind::Missing { field: what },
                    Some(p.span()),
                    format!("pattern `{}` needs `{what}`", p.get_ref()),
                    Some(format!("add {what} = n (1 ≤ n ≤ {MAX_COMBINER_BLOCK})")),
                )
            })?;
            let n = *v.get_ref();
            if n < min || n > MAX_COMBINER_BLOCK {
                return Err(l.err(
                    ModelErrorKind::Size {
                        field: what,
                        value: n,
                    },
                    Some(v.span()),
                    format!("{what} {n} is outside {min} … {MAX_COMBINER_BLOCK}"),
                    None,
                ));
            }
            Ok(n as u64)
        };
    let unused = |field: &Option<Spanned<i64>>, what: &'static str| -> Result<(), ModelError> {
        match field {
            Some(v) => Err(l.err(
                ModelErrorKind::Value { field: what },
                Some(v.span()),
                format!("pattern `{}` has no `{what}`", p.get_ref()),
                None,
            )),
            None => Ok(()),
        }
    };
    match p.get_ref().as_str() {
        "fixed" => {
            unused(&h.width, "width")?;
            let block = size(&h.block, "block", 1)?;
            let columns = match &h.columns {
                None => 1.min(block),
                Some(c) if (0..=block as i64).contains(c.get_ref()) => *c.get_ref() as u64,
                Some(c) => {
                    return Err(l.err(
                        ModelErrorKind::Size {
                            field: "columns",
                            value: *c.get_ref(),
                        },
                        Some(c.span()),
                        format!(
                            "columns {} is outside 0 … {block} (the block size)",
                            c.get_ref()
                        ),
                        None,
                    ))
                }
            };
            Ok(Pattern::CombinerFixed { block, columns })
        }
        "axial" => {
            unused(&h.block, "block")?;
            unused(&h.columns, "columns")?;
            Ok(Pattern::CombinerAxial {
                width: size(&h.width, "width", 1)?,
            })
        }
        "logsparse" => {
            unused(&h.block, "block")?;
            unused(&h.width, "width")?;
            unused(&h.columns, "columns")?;
            Ok(Pattern::CombinerLogsparse)
        }
        other => Err(l.err(
            ModelErrorKind::Value { field: "pattern" },
            Some(p.span()),
            format!("unknown Combiner pattern `{other}`"),
            Some("use fixed (with block), axial (with width) or logsparse".into()),
        )),
    }
}

/// Loads and validates a model from the text of a `model.toml` (`name` is shown in errors),
/// parsing its expressions under the default [`ParseLimits`].
pub fn load(name: &str, text: &str) -> Result<Model, ModelError> {
    load_with(name, text, ParseLimits::DEFAULT)
}

/// [`load`] with chosen limits on the expressions' nesting and size.
pub fn load_with(name: &str, text: &str, limits: ParseLimits) -> Result<Model, ModelError> {
    let l = Loader { name, text, limits };
    let raw: RawModel = toml::from_str(text).map_err(|e| {
        let msg = e.message().trim().to_string();
        let help = if msg.contains("unknown field") {
            "see grammar/model.md for the fields of a model, a layer, a head and a feed-forward line"
        } else {
            "model.toml must be valid TOML (see grammar/model.md)"
        };
        l.err(
            ModelErrorKind::Toml,
            e.span(),
            format!("cannot read the model: {msg}"),
            Some(help.to_string()),
        )
    })?;
    let acceptance = match &raw.acceptance {
        None => Acceptance::Eos,
        Some(a) => a.get_ref().parse().map_err(|m: String| {
            l.err(
                ModelErrorKind::Value {
                    field: "acceptance",
                },
                Some(a.span()),
                m,
                None,
            )
        })?,
    };
    let default_inclusive = masking(&l, raw.masking.as_ref(), false)?;
    let mut scope = Scope::new(&l, &raw)?;
    let mut features = scope.tokens.clone();
    let mut exprs = Arena::new();
    for (li, layer) in raw.layer.iter().enumerate() {
        let lno = li + 1;
        let mut heads = Vec::new();
        for h in &layer.head {
            let head = load_head(&l, &scope, &mut exprs, h, lno, default_inclusive)?;
            if heads.iter().any(|f: &Feature| f.name == head.name) {
                return Err(scope.duplicate(&l, &h.name));
            }
            heads.push(head);
        }
        // Heads read earlier layers only; they become readable after all the layer's heads.
        for h in &layer.head {
            scope.define(&l, &h.name, lno)?;
        }
        features.extend(heads);
        for f in &layer.ffn {
            let name = f.name.get_ref();
            let what = format!("feed-forward line `{name}`");
            let id = l.expr(&mut exprs, &f.expr, &what)?;
            scope.check_atoms(&l, &exprs, id, &f.expr, lno, &what, name)?;
            scope.define(&l, &f.name, lno)?;
            features.push(Feature {
                name: name.clone(),
                layer: lno,
                origin: Origin::Ffn(id),
            });
        }
    }
    let out = raw.output.get_ref();
    let output = features.iter().position(|f| &f.name == out).ok_or_else(|| {
        l.err(
            ModelErrorKind::UnknownOutput { name: out.clone() },
            Some(raw.output.span()),
            format!("the output `{out}` is not a feature of the model"),
            Some("name a token, a head or a feed-forward line; a Boolean combination needs its own feed-forward line".into()),
        )
    })?;
    Ok(Model {
        by_name: features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect(),
        name: raw.name.clone(),
        alphabet: scope.alphabet,
        acceptance,
        features,
        output,
        exprs,
        layers: raw.layer.len(),
    })
}

/// The names a model defines as it is read: which are readable so far, and where every
/// name is made (to tell "made later" and cycles from "unknown").
struct Scope<'r> {
    alphabet: Vec<String>,
    tokens: Vec<Feature>,
    defined: HashMap<String, usize>,
    made_at: HashMap<&'r str, usize>,
}

impl<'r> Scope<'r> {
    /// The tokens (validated) and where every head and feed-forward line is made.
    fn new(l: &Loader<'_>, raw: &'r RawModel) -> Result<Self, ModelError> {
        if raw.alphabet.get_ref().is_empty() {
            return Err(l.err(
                ModelErrorKind::Alphabet,
                Some(raw.alphabet.span()),
                "the alphabet is empty",
                Some("list the tokens: alphabet = [\"a\", \"b\"]".into()),
            ));
        }
        let mut scope = Scope {
            alphabet: Vec::new(),
            tokens: Vec::new(),
            defined: HashMap::new(),
            made_at: HashMap::new(),
        };
        for t in raw.alphabet.get_ref() {
            let tok = t.get_ref();
            if tok.is_empty() {
                return Err(l.err(
                    ModelErrorKind::Alphabet,
                    Some(t.span()),
                    "a token is a non-empty string",
                    None,
                ));
            }
            if scope.defined.insert(tok.clone(), 0).is_some() {
                return Err(l.err(
                    ModelErrorKind::Alphabet,
                    Some(t.span()),
                    format!("the token `{tok}` is listed twice"),
                    None,
                ));
            }
            scope.alphabet.push(tok.clone());
            scope.tokens.push(Feature {
                name: tok.clone(),
                layer: 0,
                origin: Origin::Token,
            });
        }
        for (li, layer) in raw.layer.iter().enumerate() {
            let names = layer.head.iter().map(|h| &h.name);
            for n in names.chain(layer.ffn.iter().map(|f| &f.name)) {
                scope.made_at.entry(n.get_ref().as_str()).or_insert(li + 1);
            }
        }
        Ok(scope)
    }

    /// Makes `name` readable from now on; a name defined before is an error.
    fn define(
        &mut self,
        l: &Loader<'_>,
        name: &Spanned<String>,
        layer: usize,
    ) -> Result<(), ModelError> {
        if self.defined.contains_key(name.get_ref()) {
            return Err(self.duplicate(l, name));
        }
        self.defined.insert(name.get_ref().clone(), layer);
        Ok(())
    }

    fn duplicate(&self, l: &Loader<'_>, name: &Spanned<String>) -> ModelError {
        l.err(
            ModelErrorKind::Duplicate {
                name: name.get_ref().clone(),
            },
            Some(name.span()),
            format!("the feature `{}` is defined twice", name.get_ref()),
            Some("feature names (tokens, heads, feed-forward lines) must be unique".into()),
        )
    }

    /// Checks that every atom of `id` (read from `s`, by `what` in layer `layer`, which
    /// makes the feature `me`) names a feature already made.
    #[allow(clippy::too_many_arguments)]
    fn check_atoms(
        &self,
        l: &Loader<'_>,
        exprs: &Arena,
        id: NodeId,
        s: &Spanned<String>,
        layer: usize,
        what: &str,
        me: &str,
    ) -> Result<(), ModelError> {
        if let Some(word) = exprs.reserved_clash(id, &self.alphabet) {
            return Err(l.err(
                ModelErrorKind::Expression,
                Some(s.span()),
                format!("the {what} uses the reserved word `{word}`, and the alphabet also has a token `{word}`"),
                Some(format!("bare `{word}` is always the reserved word ({}); write '{word}' (quoted) for the token, or rename the token", reserved_meaning(word))),
            ));
        }
        let Some(a) = exprs
            .atom_names(id)
            .into_iter()
            .find(|a| !self.defined.contains_key(a))
        else {
            return Ok(());
        };
        let help = match self.made_at.get(a.as_str()) {
            Some(_) if a == me => format!("`{a}` cannot be defined in terms of itself"),
            Some(at) if *at > layer => format!("`{a}` is made in layer {at}; layer {layer} can only read features of earlier layers"),
            Some(at) if *at == layer && what.contains("head") => format!("`{a}` is made in this layer ({at}); heads read the features of earlier layers"),
            Some(_) => format!("`{a}` is made further down this layer: feed-forward lines read the lines above them (features that read each other form a cycle)"),
            None => {
                let toks = self.alphabet.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
                format!("it is not a token of the alphabet ({toks}) nor a feature made by a head or a feed-forward line; quote tokens that are not identifiers: 'the'")
            }
        };
        let (kind, msg) = if self.made_at.contains_key(a.as_str()) {
            let msg = format!("the {what} reads `{a}` before it is made");
            (ModelErrorKind::NotYetMade { name: a }, msg)
        } else {
            let msg = format!("the {what} reads the unknown feature `{a}`");
            (ModelErrorKind::UnknownFeature { name: a }, msg)
        };
        Err(l.err(kind, Some(s.span()), msg, Some(help)))
    }
}

/// What a reserved word means, for messages.
pub fn reserved_meaning(word: &str) -> &'static str {
    match word {
        "eos" => "the end marker ⊣",
        "start" => "the first-position atom",
        "true" => "the constant ⊤",
        _ => "the constant ⊥",
    }
}

fn head_mode(l: &Loader<'_>, h: &RawHead) -> Result<Mode, ModelError> {
    match h.mode.as_ref().map(|m| m.get_ref().as_str()) {
        None | Some("soft") => Ok(Mode::Soft),
        Some("hard-rightmost") => Ok(Mode::HardRightmost),
        Some("hard-leftmost") => Ok(Mode::HardLeftmost),
        Some(other) => Err(l.err(
            ModelErrorKind::Value { field: "mode" },
            h.mode.as_ref().map(|m| m.span()),
            format!("unknown mode `{other}`"),
            Some("use soft, hard-rightmost or hard-leftmost".into()),
        )),
    }
}

fn local_window(l: &Loader<'_>, h: &RawHead, mode: Mode) -> Result<u32, ModelError> {
    let name = h.name.get_ref();
    let w = h.window.as_ref().ok_or_else(|| {
        l.err(
            ModelErrorKind::Missing { field: "window" },
            Some(h.range.span()),
            format!("the local head `{name}` needs a window"),
            Some("add window = k (k ≥ 1): the head sees the k previous positions".into()),
        )
    })?;
    let k = *w.get_ref();
    let max = if mode == Mode::Soft {
        MAX_WINDOW
    } else {
        MAX_HARD_WINDOW
    };
    let size = ModelErrorKind::Size {
        field: "window",
        value: k,
    };
    if k < 1 {
        return Err(l.err(
            size,
            Some(w.span()),
            format!("window {k}: a window must be at least 1"),
            Some("window = 1 sees the previous position".into()),
        ));
    }
    if k > max {
        return Err(l.err(
            size,
            Some(w.span()),
            format!(
                "window {k} is beyond the maximum of {max} for {} heads",
                if mode == Mode::Soft { "soft" } else { "hard" }
            ),
            Some("a window that covers every position is a global head".into()),
        ));
    }
    Ok(k as u32)
}

fn head_range(l: &Loader<'_>, h: &RawHead, mode: Mode) -> Result<Range, ModelError> {
    let range = match h.range.get_ref().as_str() {
        "global" => {
            if let Some(w) = &h.window {
                return Err(l.err(
                    ModelErrorKind::Value { field: "window" },
                    Some(w.span()),
                    "a global head has no window",
                    Some("use range = \"local\" for a window".into()),
                ));
            }
            Range::Global
        }
        "local" => Range::Local(local_window(l, h, mode)?),
        "combiner" => return Ok(Range::Combiner(combiner_pattern(l, h, mode)?)),
        other => {
            return Err(l.err(
                ModelErrorKind::Value { field: "range" },
                Some(h.range.span()),
                format!("unknown range `{other}`"),
                Some("use global, local (with a window) or combiner (with a pattern)".into()),
            ))
        }
    };
    let combiner_only = [
        ("pattern", h.pattern.as_ref().map(|x| x.span())),
        ("block", h.block.as_ref().map(|x| x.span())),
        ("width", h.width.as_ref().map(|x| x.span())),
        ("columns", h.columns.as_ref().map(|x| x.span())),
    ];
    if let Some((field, at)) = combiner_only.into_iter().find(|(_, at)| at.is_some()) {
        return Err(l.err(
            ModelErrorKind::Value { field },
            at,
            format!("`{field}` belongs to Combiner heads"),
            Some("use range = \"combiner\" with pattern = \"fixed\" (block, columns), \"axial\" (width) or \"logsparse\"".into()),
        ));
    }
    Ok(range)
}

fn head_default(l: &Loader<'_>, h: &RawHead, mode: Mode) -> Result<bool, ModelError> {
    match (mode, &h.default) {
        (Mode::Soft, Some(d)) => Err(l.err(
            ModelErrorKind::Value { field: "default" },
            Some(d.span()),
            "a soft head has no default",
            Some("soft attention outputs false when nothing selected carries the value; default is for hard heads".into()),
        )),
        (Mode::Soft, None) => Ok(false),
        (_, Some(d)) => Ok(*d.get_ref()),
        (_, None) => Err(l.err(
            ModelErrorKind::Missing { field: "default" },
            Some(h.name.span()),
            format!("the hard head `{}` has no default", h.name.get_ref()),
            Some("add default = false (or true): the output when no position is selected".into()),
        )),
    }
}

/// A head's `select`, `query` and `key` fields (or their `summary-` versions).
type SelectionFields<'a> = (
    &'a Option<Spanned<Vec<RawTerm>>>,
    &'a Option<Spanned<String>>,
    &'a Option<Spanned<String>>,
);

/// The selection terms of head `h` from `select` or `query`/`key` (`prefix`: "" or
/// "summary-"), every atom checked against the scope.
#[allow(clippy::too_many_arguments)]
fn selection(
    l: &Loader<'_>,
    scope: &Scope<'_>,
    exprs: &mut Arena,
    h: &RawHead,
    lno: usize,
    (select, query, key): SelectionFields<'_>,
    prefix: &str,
) -> Result<Vec<(NodeId, NodeId)>, ModelError> {
    let name = h.name.get_ref();
    let what = format!("{prefix}selection of head `{name}`");
    let (qw, kw) = (
        format!("head `{name}` {prefix}query"),
        format!("head `{name}` {prefix}key"),
    );
    let side = |exprs: &mut Arena, s: Option<&Spanned<String>>, who: &str| match s {
        None => Ok(exprs.add(Node::True)),
        Some(s) => {
            let id = l.expr(exprs, s, &what)?;
            scope.check_atoms(l, exprs, id, s, lno, who, name)?;
            Ok(id)
        }
    };
    match (select, query, key) {
        (Some(sel), None, None) => {
            if sel.get_ref().is_empty() {
                return Err(l.err(
                    ModelErrorKind::Value { field: "select" },
                    Some(sel.span()),
                    "an empty selection selects nothing",
                    Some("give at least one { query, key } term".into()),
                ));
            }
            sel.get_ref()
                .iter()
                .map(|t| {
                    Ok((
                        side(exprs, Some(&t.query), &qw)?,
                        side(exprs, Some(&t.key), &kw)?,
                    ))
                })
                .collect()
        }
        (Some(sel), _, _) => Err(l.err(
            ModelErrorKind::Value { field: "select" },
            Some(sel.span()),
            format!("give either `{prefix}select` or `{prefix}query`/`{prefix}key`, not both"),
            None,
        )),
        (None, q, k) => Ok(vec![(
            side(exprs, q.as_ref(), &qw)?,
            side(exprs, k.as_ref(), &kw)?,
        )]),
    }
}

/// One head of layer `lno`, validated against what the earlier layers made.
fn load_head(
    l: &Loader<'_>,
    scope: &Scope<'_>,
    exprs: &mut Arena,
    h: &RawHead,
    lno: usize,
    default_inclusive: bool,
) -> Result<Feature, ModelError> {
    let name = h.name.get_ref();
    let mode = head_mode(l, h)?;
    let range = head_range(l, h, mode)?;
    let inclusive = masking(l, h.masking.as_ref(), default_inclusive)?;
    let default = head_default(l, h, mode)?;
    let terms = selection(l, scope, exprs, h, lno, (&h.select, &h.query, &h.key), "")?;
    let has_summary =
        h.summary_select.is_some() || h.summary_query.is_some() || h.summary_key.is_some();
    let summary = if !has_summary {
        None
    } else if matches!(range, Range::Combiner(_)) {
        let fields = (&h.summary_select, &h.summary_query, &h.summary_key);
        Some(selection(l, scope, exprs, h, lno, fields, "summary-")?)
    } else {
        let at = [&h.summary_query, &h.summary_key]
            .iter()
            .find_map(|x| x.as_ref().map(|x| x.span()))
            .or(h.summary_select.as_ref().map(|x| x.span()));
        return Err(l.err(
            ModelErrorKind::Value {
                field: "summary-select",
            },
            at,
            "only Combiner heads have a summary selection",
            Some("use range = \"combiner\" with a pattern, or drop the summary-* fields".into()),
        ));
    };
    if mode != Mode::Soft && terms.len() > MAX_HARD_TERMS {
        return Err(l.err(
            ModelErrorKind::Value { field: "select" },
            h.select.as_ref().map(|s| s.span()),
            format!("a hard head takes at most {MAX_HARD_TERMS} selection terms"),
            None,
        ));
    }
    let what = format!("head `{name}` value");
    let value = l.expr(exprs, &h.value, &format!("value of head `{name}`"))?;
    scope.check_atoms(l, exprs, value, &h.value, lno, &what, name)?;
    if scope.defined.contains_key(name) {
        return Err(scope.duplicate(l, &h.name));
    }
    Ok(Feature {
        name: name.clone(),
        layer: lno,
        origin: Origin::Head(Head {
            name: name.clone(),
            range,
            inclusive,
            terms,
            value,
            mode,
            default,
            summary,
        }),
    })
}

fn masking(l: &Loader, m: Option<&Spanned<String>>, default: bool) -> Result<bool, ModelError> {
    match m.map(|m| (m.get_ref().as_str(), m.span())) {
        None => Ok(default),
        Some(("strict", _)) => Ok(false),
        Some(("inclusive", _)) => Ok(true),
        Some((other, s)) => Err(l.err(
            ModelErrorKind::Value { field: "masking" },
            Some(s),
            format!("unknown masking `{other}`"),
            Some("use strict (j < i) or inclusive (j ≤ i)".into()),
        )),
    }
}
