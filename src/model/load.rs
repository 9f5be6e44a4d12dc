//! `model.toml` → [`Model`], with every error pointing at its place in the file.

use std::collections::HashMap;
use std::ops::Range as Span;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
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

/// A model that cannot be loaded: what, where (a span in the file) and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ModelError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Byte range in the file.
    pub span: Option<Span<usize>>,
    /// The range labelled in `src` (the span moved into an excerpt when its line is long).
    shown: Option<Span<usize>>,
    src: Box<NamedSource<String>>,
}

impl Diagnostic for ModelError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("ltlattn::model"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.src.as_ref())
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let s = self.shown.clone()?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some("here".into()),
            s.start,
            s.end - s.start,
        ))))
    }
}

struct Loader<'a> {
    name: &'a str,
    text: &'a str,
    limits: ParseLimits,
}

impl Loader<'_> {
    fn err(
        &self,
        span: Option<Span<usize>>,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) -> ModelError {
        let span = span.map(|s| s.start.min(self.text.len())..s.end.min(self.text.len()));
        let (source, shown) = match &span {
            Some(s) => {
                let (source, shown) = crate::diag::excerpt(self.text, s.clone());
                (source, Some(shown))
            }
            None => (self.text.to_string(), None),
        };
        ModelError {
            message: message.into(),
            help: help.into(),
            span,
            shown,
            src: Box::new(NamedSource::new(self.name, source)),
        }
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
                Some(base + e.span.start..base + e.span.end.max(e.span.start + 1)),
                format!("in the {what}: {}", e.message),
                Some(e.help.clone()),
            )
        })?;
        if let Some(op) = arena.ops(id).iter().find(|o| o.is_temporal()) {
            return Err(self.err(
                Some(span),
                format!("the {what} uses the temporal operator {}; expressions are position-wise", op.name()),
                Some("only attention heads look at other positions: make a head for it and use the head's feature".into()),
            ));
        }
        if arena.ops(id).contains(crate::logic::Op::PosMod) {
            return Err(self.err(
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
            h.mode.as_ref().map(|m| m.span()),
            "Combiner heads are soft",
            Some("Combiner factorizes soft attention; use mode = \"soft\" (the default)".into()),
        ));
    }
    let p = h.pattern.as_ref().ok_or_else(|| {
        l.err(
            Some(h.range.span()),
            format!("the Combiner head `{}` needs a pattern", h.name.get_ref()),
            Some(
                "add pattern = \"fixed\" (with block), \"axial\" (with width) or \"logsparse\""
                    .into(),
            ),
        )
    })?;
    let size = |field: &Option<Spanned<i64>>, what: &str, min: i64| -> Result<u64, ModelError> {
        let v = field.as_ref().ok_or_else(|| {
            l.err(
                Some(p.span()),
                format!("pattern `{}` needs `{what}`", p.get_ref()),
                Some(format!("add {what} = n (1 ≤ n ≤ {MAX_COMBINER_BLOCK})")),
            )
        })?;
        let n = *v.get_ref();
        if n < min || n > MAX_COMBINER_BLOCK {
            return Err(l.err(
                Some(v.span()),
                format!("{what} {n} is outside {min} … {MAX_COMBINER_BLOCK}"),
                None,
            ));
        }
        Ok(n as u64)
    };
    let unused = |field: &Option<Spanned<i64>>, what: &str| -> Result<(), ModelError> {
        match field {
            Some(v) => Err(l.err(
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
        l.err(e.span(), format!("cannot read the model: {msg}"), Some(help.to_string()))
    })?;

    let acceptance = match &raw.acceptance {
        None => Acceptance::Eos,
        Some(a) => a
            .get_ref()
            .parse()
            .map_err(|m: String| l.err(Some(a.span()), m, None))?,
    };
    let default_inclusive = masking(&l, raw.masking.as_ref(), false)?;

    let mut features: Vec<Feature> = Vec::new();
    let mut defined: HashMap<String, (usize, Span<usize>)> = HashMap::new();
    if raw.alphabet.get_ref().is_empty() {
        return Err(l.err(
            Some(raw.alphabet.span()),
            "the alphabet is empty",
            Some("list the tokens: alphabet = [\"a\", \"b\"]".into()),
        ));
    }
    for t in raw.alphabet.get_ref() {
        if t.get_ref().is_empty() {
            return Err(l.err(Some(t.span()), "a token is a non-empty string", None));
        }
        if defined.contains_key(t.get_ref()) {
            return Err(l.err(
                Some(t.span()),
                format!("the token `{}` is listed twice", t.get_ref()),
                None,
            ));
        }
        defined.insert(t.get_ref().clone(), (0, t.span()));
        features.push(Feature {
            name: t.get_ref().clone(),
            layer: 0,
            origin: Origin::Token,
        });
    }
    let alphabet: Vec<String> = raw
        .alphabet
        .get_ref()
        .iter()
        .map(|t| t.get_ref().clone())
        .collect();

    // Where every name is made, to tell "made later" and cycles from "unknown".
    let mut made_at: HashMap<&str, (usize, Span<usize>)> = HashMap::new();
    for (li, layer) in raw.layer.iter().enumerate() {
        for n in layer
            .head
            .iter()
            .map(|h| &h.name)
            .chain(layer.ffn.iter().map(|f| &f.name))
        {
            made_at
                .entry(n.get_ref().as_str())
                .or_insert((li + 1, n.span()));
        }
    }

    let mut exprs = Arena::new();
    // Checks that every atom of `id` names a feature already made.
    let check_atoms = |exprs: &Arena,
                       id: NodeId,
                       s: &Spanned<String>,
                       defined: &HashMap<String, (usize, Span<usize>)>,
                       layer: usize,
                       what: &str,
                       me: &str|
     -> Result<(), ModelError> {
        for a in exprs.atom_names(id) {
            if defined.contains_key(&a) {
                continue;
            }
            let help = match made_at.get(a.as_str()) {
                Some(_) if a == me => format!("`{a}` cannot be defined in terms of itself"),
                Some((at, _)) if *at > layer => format!("`{a}` is made in layer {at}; layer {layer} can only read features of earlier layers"),
                Some((at, _)) if *at == layer && what.contains("head") => format!("`{a}` is made in this layer ({at}); heads read the features of earlier layers"),
                Some(_) => format!("`{a}` is made further down this layer: feed-forward lines read the lines above them (features that read each other form a cycle)"),
                None => {
                    let toks = alphabet.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
                    format!("it is not a token of the alphabet ({toks}) nor a feature made by a head or a feed-forward line; quote tokens that are not identifiers: 'the'")
                }
            };
            let msg = if made_at.contains_key(a.as_str()) {
                format!("the {what} reads `{a}` before it is made")
            } else {
                format!("the {what} reads the unknown feature `{a}`")
            };
            return Err(l.err(Some(s.span()), msg, Some(help)));
        }
        Ok(())
    };

    let mut any_layer_has_content = false;
    for (li, layer) in raw.layer.iter().enumerate() {
        let lno = li + 1;
        let mut heads_made: Vec<(String, Span<usize>)> = Vec::new();
        let mut new_heads: Vec<Feature> = Vec::new();
        for h in &layer.head {
            any_layer_has_content = true;
            let name = h.name.get_ref();
            let mode = match h.mode.as_ref().map(|m| m.get_ref().as_str()) {
                None | Some("soft") => Mode::Soft,
                Some("hard-rightmost") => Mode::HardRightmost,
                Some("hard-leftmost") => Mode::HardLeftmost,
                Some(other) => {
                    return Err(l.err(
                        h.mode.as_ref().map(|m| m.span()),
                        format!("unknown mode `{other}`"),
                        Some("use soft, hard-rightmost or hard-leftmost".into()),
                    ))
                }
            };
            let range = match h.range.get_ref().as_str() {
                "global" => {
                    if let Some(w) = &h.window {
                        return Err(l.err(
                            Some(w.span()),
                            "a global head has no window",
                            Some("use range = \"local\" for a window".into()),
                        ));
                    }
                    Range::Global
                }
                "local" => {
                    let w = h.window.as_ref().ok_or_else(|| {
                        l.err(
                            Some(h.range.span()),
                            format!("the local head `{name}` needs a window"),
                            Some(
                                "add window = k (k ≥ 1): the head sees the k previous positions"
                                    .into(),
                            ),
                        )
                    })?;
                    let k = *w.get_ref();
                    let max = if mode == Mode::Soft {
                        MAX_WINDOW
                    } else {
                        MAX_HARD_WINDOW
                    };
                    if k < 1 {
                        return Err(l.err(
                            Some(w.span()),
                            format!("window {k}: a window must be at least 1"),
                            Some("window = 1 sees the previous position".into()),
                        ));
                    }
                    if k > max {
                        return Err(l.err(
                            Some(w.span()),
                            format!(
                                "window {k} is beyond the maximum of {max} for {} heads",
                                if mode == Mode::Soft { "soft" } else { "hard" }
                            ),
                            Some("a window that covers every position is a global head".into()),
                        ));
                    }
                    Range::Local(k as u32)
                }
                "combiner" => Range::Combiner(combiner_pattern(&l, h, mode)?),
                other => {
                    return Err(l.err(
                        Some(h.range.span()),
                        format!("unknown range `{other}`"),
                        Some(
                            "use global, local (with a window) or combiner (with a pattern)".into(),
                        ),
                    ))
                }
            };
            if !matches!(range, Range::Combiner(_)) {
                let combiner_only = [("pattern", h.pattern.as_ref().map(|x| x.span()))]
                    .into_iter()
                    .chain(
                        [
                            ("block", &h.block),
                            ("width", &h.width),
                            ("columns", &h.columns),
                        ]
                        .map(|(n, x)| (n, x.as_ref().map(|x| x.span()))),
                    );
                for (field, at) in combiner_only {
                    if at.is_some() {
                        return Err(l.err(
                            at,
                            format!("`{field}` belongs to Combiner heads"),
                            Some("use range = \"combiner\" with pattern = \"fixed\" (block, columns), \"axial\" (width) or \"logsparse\"".into()),
                        ));
                    }
                }
            }
            let inclusive = masking(&l, h.masking.as_ref(), default_inclusive)?;
            let default = match (mode, &h.default) {
                (Mode::Soft, Some(d)) => {
                    return Err(l.err(Some(d.span()), "a soft head has no default", Some("soft attention outputs false when nothing selected carries the value; default is for hard heads".into())))
                }
                (Mode::Soft, None) => false,
                (_, Some(d)) => *d.get_ref(),
                (_, None) => {
                    return Err(l.err(Some(h.name.span()), format!("the hard head `{name}` has no default"), Some("add default = false (or true): the output when no position is selected".into())))
                }
            };
            // The selection terms from `select` or `query`/`key` (`prefix`: "" or "summary-").
            let selection = |exprs: &mut Arena,
                             select: &Option<Spanned<Vec<RawTerm>>>,
                             query: &Option<Spanned<String>>,
                             key: &Option<Spanned<String>>,
                             prefix: &str|
             -> Result<Vec<(NodeId, NodeId)>, ModelError> {
                let what = format!("{prefix}selection of head `{name}`");
                let (qw, kw) = (
                    format!("head `{name}` {prefix}query"),
                    format!("head `{name}` {prefix}key"),
                );
                let mut terms = Vec::new();
                match (select, query, key) {
                    (Some(sel), None, None) => {
                        if sel.get_ref().is_empty() {
                            return Err(l.err(
                                Some(sel.span()),
                                "an empty selection selects nothing",
                                Some("give at least one { query, key } term".into()),
                            ));
                        }
                        for t in sel.get_ref() {
                            let q = l.expr(exprs, &t.query, &what)?;
                            check_atoms(exprs, q, &t.query, &defined, lno, &qw, name)?;
                            let k = l.expr(exprs, &t.key, &what)?;
                            check_atoms(exprs, k, &t.key, &defined, lno, &kw, name)?;
                            terms.push((q, k));
                        }
                    }
                    (Some(sel), _, _) => {
                        return Err(l.err(
                            Some(sel.span()),
                            format!("give either `{prefix}select` or `{prefix}query`/`{prefix}key`, not both"),
                            None,
                        ));
                    }
                    (None, q, k) => {
                        let tru = exprs.add(Node::True);
                        let q = match q {
                            Some(q) => {
                                let id = l.expr(exprs, q, &what)?;
                                check_atoms(exprs, id, q, &defined, lno, &qw, name)?;
                                id
                            }
                            None => tru,
                        };
                        let k = match k {
                            Some(k) => {
                                let id = l.expr(exprs, k, &what)?;
                                check_atoms(exprs, id, k, &defined, lno, &kw, name)?;
                                id
                            }
                            None => tru,
                        };
                        terms.push((q, k));
                    }
                }
                Ok(terms)
            };
            let terms = selection(&mut exprs, &h.select, &h.query, &h.key, "")?;
            let summary = if h.summary_select.is_some()
                || h.summary_query.is_some()
                || h.summary_key.is_some()
            {
                if !matches!(range, Range::Combiner(_)) {
                    let at = [&h.summary_query, &h.summary_key]
                        .iter()
                        .find_map(|x| x.as_ref().map(|x| x.span()))
                        .or(h.summary_select.as_ref().map(|x| x.span()));
                    return Err(l.err(
                        at,
                        "only Combiner heads have a summary selection",
                        Some(
                            "use range = \"combiner\" with a pattern, or drop the summary-* fields"
                                .into(),
                        ),
                    ));
                }
                Some(selection(
                    &mut exprs,
                    &h.summary_select,
                    &h.summary_query,
                    &h.summary_key,
                    "summary-",
                )?)
            } else {
                None
            };
            if mode != Mode::Soft && terms.len() > MAX_HARD_TERMS {
                return Err(l.err(
                    h.select.as_ref().map(|s| s.span()),
                    format!("a hard head takes at most {MAX_HARD_TERMS} selection terms"),
                    None,
                ));
            }
            let value = l.expr(&mut exprs, &h.value, &format!("value of head `{name}`"))?;
            check_atoms(
                &exprs,
                value,
                &h.value,
                &defined,
                lno,
                &format!("head `{name}` value"),
                name,
            )?;
            if defined.contains_key(name) || heads_made.iter().any(|(n, _)| n == name) {
                return Err(l.err(
                    Some(h.name.span()),
                    format!("the feature `{name}` is defined twice"),
                    Some("feature names (tokens, heads, feed-forward lines) must be unique".into()),
                ));
            }
            heads_made.push((name.clone(), h.name.span()));
            new_heads.push(Feature {
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
            });
        }
        // Heads of a layer read earlier layers only; they become readable after the layer's heads.
        for (n, s) in heads_made {
            defined.insert(n, (lno, s));
        }
        features.extend(new_heads);
        for f in &layer.ffn {
            any_layer_has_content = true;
            let name = f.name.get_ref();
            let id = l.expr(&mut exprs, &f.expr, &format!("feed-forward line `{name}`"))?;
            check_atoms(
                &exprs,
                id,
                &f.expr,
                &defined,
                lno,
                &format!("feed-forward line `{name}`"),
                name,
            )?;
            if defined.contains_key(name) {
                return Err(l.err(
                    Some(f.name.span()),
                    format!("the feature `{name}` is defined twice"),
                    Some("feature names (tokens, heads, feed-forward lines) must be unique".into()),
                ));
            }
            defined.insert(name.clone(), (lno, f.name.span()));
            features.push(Feature {
                name: name.clone(),
                layer: lno,
                origin: Origin::Ffn(id),
            });
        }
    }
    let _ = any_layer_has_content;
    let out = raw.output.get_ref();
    let output = features.iter().position(|f| &f.name == out).ok_or_else(|| {
        l.err(Some(raw.output.span()), format!("the output `{out}` is not a feature of the model"), Some("name a token, a head or a feed-forward line; a Boolean combination needs its own feed-forward line".into()))
    })?;
    Ok(Model {
        by_name: features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect(),
        name: raw.name,
        alphabet,
        acceptance,
        features,
        output,
        exprs,
        layers: raw.layer.len(),
    })
}

fn masking(l: &Loader, m: Option<&Spanned<String>>, default: bool) -> Result<bool, ModelError> {
    match m.map(|m| (m.get_ref().as_str(), m.span())) {
        None => Ok(default),
        Some(("strict", _)) => Ok(false),
        Some(("inclusive", _)) => Ok(true),
        Some((other, s)) => Err(l.err(
            Some(s),
            format!("unknown masking `{other}`"),
            Some("use strict (j < i) or inclusive (j ≤ i)".into()),
        )),
    }
}
