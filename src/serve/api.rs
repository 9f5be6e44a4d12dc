//! The JSON API of `ltlattn serve`: one request (a JSON object) in, the command's
//! `--json` report out, with `exit` (the command line's exit code for the same answer)
//! beside its keys. Inputs are texts in the request — formulas, model TOML, DFA files,
//! weights in base64 — never paths. docs/SERVE.md documents every command and key.
//!
//! Each command reads its request's keys into the library's request values, calls the
//! library function the command line calls, fills the report's fields only the page
//! needs (pictures, DOT, truth tables, renderings) and serializes the report once, in
//! the envelope ([`Envelope`]): nothing here decides.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use axum::http::StatusCode;
use base64::Engine as _;
use miette::{miette, NamedSource, Report};
use serde::Serialize;
use serde_json::Value;

use super::Config;
use ltlattn::automata::{parse_dfa, Alphabet, Budget, Dfa, MAX_PROPS};
use ltlattn::engine::explicit::{formula_dfa, Automaton};
use ltlattn::engine::layout::Question;
use ltlattn::fragment::language::{language as language_of, Language, LanguageSource};
use ltlattn::fragment::{classify_windowed, separate, Class};
use ltlattn::front::{model_tokens, Exit, WordOptions};
use ltlattn::logic::{evaluate, parse_with, Acceptance, Arena, NodeId, PrintBudget, Syntax, Word};
use ltlattn::model::boolean::compile::drop_in::drop_in_budget;
use ltlattn::operand::Loaded;
use ltlattn::patterns::report::AttentionReport;
use ltlattn::report::numeric::{NumericCompileReport, NumericRunReport};
use ltlattn::report::{
    CheckReport, ClassifyReport, CompareReport, CompileReport, DfaReport, EvalReport,
    ExplainReport, FmtReport, RunReport, RunTrace, SeparateReport, Tables,
};
use ltlattn::verdict::{self, Options};

/// How many of its pool's workers a request is admitted as: an `auto` comparison (the
/// default engine) runs up to [`verdict::AUTO_ENGINES`] engines at once, a `check` at
/// least [`verdict::NUMERIC_WORKERS`] threads (a numeric model's proof by bounds beside
/// its compilation), every other request one thread. The pool's size caps it, so that
/// such a request can still run.
pub(crate) fn workers_taken(command: &str, request: &serde_json::Value, pool: usize) -> usize {
    let compares = COMMANDS
        .iter()
        .any(|(name, _, keys, _)| *name == command && keys.contains(&"engine"));
    let auto = match request.get("engine") {
        None | Some(serde_json::Value::Null) => true,
        Some(e) => e.as_str() == Some(verdict::Engine::Auto.name()),
    };
    let engines = if compares && auto {
        verdict::AUTO_ENGINES
    } else {
        1
    };
    // A numeric model's check proves by bounds beside its compilation, whatever the
    // engine; so may a comparison with a model side.
    let model_side = compares
        && ["first_kind", "second_kind"]
            .iter()
            .any(|k| request.get(k).and_then(|v| v.as_str()) == Some("model"));
    let numeric = if command == "check" || model_side {
        verdict::NUMERIC_WORKERS
    } else {
        1
    };
    engines.max(numeric).min(pool).max(1)
}

/// Which pool of workers a command runs on: light commands never wait behind heavy ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Parsing and evaluating: bounded by the formula and word size.
    Light,
    /// A formula's automaton (`dfa`): bounded by the state budget, asked on every edit
    /// of the page's Formula tab, so it never queues behind a long proof.
    Automaton,
    /// Comparisons, classification, models, attention proofs: the work that may run to
    /// the time limit (z3 among it).
    Heavy,
}

/// Every command: its pool, the keys its request takes, and what it does.
const COMMANDS: &[(&str, Kind, &[&str], &str)] = &[
    ("fmt", Kind::Light, &["formula"], "the formula in ASCII, Unicode and LaTeX (FmtReport, plus `renderings` and `atoms`)"),
    ("eval", Kind::Light, &["formula", "word", "accept", "alphabet", "props"], "is the word in the language (EvalReport)"),
    ("explain", Kind::Light, &["formula", "word", "accept", "alphabet", "props", "latex"], "every subformula's truth at every position (ExplainReport, plus `latex` when asked: the table as `explain --latex` prints it)"),
    ("dfa", Kind::Automaton, &["formula", "accept", "alphabet", "props", "minimize", "max_states", "timeout"], "the minimal DFA (the `dfa --json` report, plus `dot` and `svg`)"),
    ("equiv", Kind::Heavy, &["first", "second", "first_kind", "second_kind", "first_weights", "second_weights", "accept", "alphabet", "props", "engine", "max_states", "timeout", "max_depth"], "language equivalence with the shortest counterexample (CompareReport, plus `tables`: both truth tables on the counterexample); a side may be a model (`first_kind`: model, with `first_weights` for a numeric model) or a DFA (`first_kind`: dfa)"),
    ("includes", Kind::Heavy, &["first", "second", "first_kind", "second_kind", "first_weights", "second_weights", "accept", "alphabet", "props", "engine", "max_states", "timeout", "max_depth"], "language inclusion, likewise"),
    ("classify", Kind::Heavy, &["formula", "model", "weights", "dfa", "accept", "alphabet", "window", "depth", "max_states", "timeout"], "which architectures recognize the language, with certificates (ClassifyReport)"),
    ("separate", Kind::Heavy, &["formula", "model", "weights", "dfa", "accept", "alphabet", "from", "depth", "max_states", "timeout"], "a proof that the language is outside a class, or its formula inside (SeparateReport)"),
    ("compile", Kind::Heavy, &["model", "weights", "max_states", "timeout"], "a Boolean or numeric model's formula, fragment and features (the `compile --json` report)"),
    ("run", Kind::Heavy, &["model", "weights", "word"], "a model's trace on a word (the `run --json` report)"),
    ("check", Kind::Heavy, &["model", "weights", "spec", "engine", "max_states", "timeout", "max_depth"], "does the model recognize exactly L(spec), at every length (CheckReport, plus `trace`: the model's run on the counterexample, and `spec_table`)"),
    ("attention", Kind::Heavy, &["pattern", "block", "window", "stride", "width", "summary_columns", "length", "picture", "bound", "timeout"], "an attention pattern's supports, z3 partition proof, cost and mask (the `attention --json` report)"),
];

/// The pool of a command, or `None` for an unknown command.
pub(crate) fn kind(name: &str) -> Option<Kind> {
    COMMANDS.iter().find(|c| c.0 == name).map(|c| c.1)
}

/// `GET /api`: the commands and their keys.
#[derive(Serialize)]
pub(crate) struct Index {
    command: &'static str,
    commands: Vec<IndexEntry>,
    also: Also,
    exit: i32,
}

/// One command of [`Index`].
#[derive(Serialize)]
struct IndexEntry {
    command: &'static str,
    method: &'static str,
    path: String,
    keys: &'static [&'static str],
    answers: &'static str,
}

/// The other paths of [`Index`].
#[derive(Serialize)]
struct Also {
    #[serde(rename = "GET /api/examples")]
    examples: &'static str,
    #[serde(rename = "GET /api/status")]
    status: &'static str,
}

/// `GET /api`: the commands and their keys.
pub(crate) fn index() -> Index {
    Index {
        command: "api",
        commands: COMMANDS
            .iter()
            .map(|&(command, _, keys, answers)| IndexEntry {
                command,
                method: "POST",
                path: format!("/api/{command}"),
                keys,
                answers,
            })
            .collect(),
        also: Also {
            examples: "every file of examples/ but the trained models of examples/trained, with its text (and weights, base64)",
            status: "workers, queue, the free part of the body memory budget (KiB) and limits",
        },
        exit: 0,
    }
}

static EXAMPLES: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/examples");

/// `GET /api/examples`: the files of `examples/` compiled into the binary.
#[derive(Serialize)]
pub(crate) struct Examples {
    command: &'static str,
    examples: Vec<Example>,
    exit: i32,
}

/// One file of [`Examples`].
#[derive(Serialize)]
struct Example {
    /// `examples/…`.
    path: String,
    /// `formula`, `model`, `numeric` or `dfa`.
    kind: &'static str,
    /// Its first comment line.
    title: String,
    /// The file.
    text: &'static str,
    /// A formula file's formula: its lines that are not comments.
    formula: Option<String>,
    /// A numeric model's weights, base64.
    weights: Option<String>,
}

/// `GET /api/examples`: the files of `examples/` compiled into the binary.
pub(crate) fn examples() -> Examples {
    let mut out = Vec::new();
    let mut stack = vec![&EXAMPLES];
    while let Some(dir) = stack.pop() {
        // The experiment's trained models (examples/trained, with their manifest) are
        // research artifacts, a hundred of them, most too large to compile within the
        // page's limits: the page lists the teaching examples.
        for d in dir.dirs().filter(|d| !d.path().starts_with("trained")) {
            stack.push(d);
        }
        for f in dir.files() {
            let path = f.path().to_string_lossy().to_string();
            let kind = match path.rsplit('.').next() {
                Some("ltl") => "formula",
                Some("dfa") => "dfa",
                Some("toml") => "model",
                _ => continue,
            };
            let Some(text) = f.contents_utf8() else {
                continue;
            };
            let numeric = kind == "model" && ltlattn::model::numeric::is_numeric(text);
            let weights = numeric
                .then(|| {
                    let name = path.replace(".toml", ".safetensors");
                    EXAMPLES
                        .get_file(&name)
                        .map(|w| base64::engine::general_purpose::STANDARD.encode(w.contents()))
                })
                .flatten();
            let title = text
                .lines()
                .find_map(|l| l.trim().strip_prefix('#').map(|t| t.trim().to_string()))
                .unwrap_or_default();
            let formula = (kind == "formula").then(|| {
                text.lines()
                    .filter(|l| !l.trim_start().starts_with('#'))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .trim()
                    .to_string()
            });
            out.push(Example {
                path: format!("examples/{path}"),
                kind: if numeric { "numeric" } else { kind },
                title,
                text,
                formula,
                weights,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Examples {
        command: "examples",
        examples: out,
        exit: 0,
    }
}

/// A finished request: the HTTP status and the JSON body.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

/// The report of a command, whichever it is.
#[derive(Serialize)]
#[serde(untagged)]
enum Reply {
    Fmt(FmtReport),
    Eval(EvalReport),
    Explain(ExplainReport),
    Dfa(DfaReport),
    Compare(CompareReport),
    Classify(Box<ClassifyReport>),
    Separate(SeparateReport),
    Compile(CompileReport),
    NumericCompile(NumericCompileReport),
    Run(RunReport),
    NumericRun(NumericRunReport),
    Check(CheckReport),
    Attention(AttentionReport),
}

/// An answer's body: the command, the report's keys, and the command line's exit code
/// for the same answer. Written as a `serde_json::Value`, whose keys print sorted (as
/// every answer of the server always has).
#[derive(Serialize)]
struct Envelope<'a> {
    command: &'a str,
    #[serde(flatten)]
    report: Reply,
    exit: i32,
}

/// An error's body: the error, `holds: null` for a comparison without an answer (as the
/// command line's `--json`), and exit 2.
#[derive(Serialize)]
struct Failure<'a> {
    command: &'a str,
    error: ErrorObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    holds: Option<Option<bool>>,
    exit: i32,
}

/// An input error or a limit: the message, the help, the spans (byte offsets into the
/// request key named by `input`) and the report as the command line draws it.
#[derive(Serialize)]
struct ErrorObject {
    message: String,
    help: Option<String>,
    labels: Vec<ltlattn::diag::ErrorLabel>,
    input: Option<String>,
    rendered: String,
    /// For a comparison a budget stopped: every word up to this length was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    checked_up_to_length: Option<usize>,
    /// With `checked_up_to_length`: whether a clock stopped the compilation or the proof
    /// by bounds ([`verdict::CheckError::timed_out`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    timed_out: Option<bool>,
}

/// An answer that is not a report (busy, too large, an internal error): the HTTP
/// status's reason with its help, no spans.
#[derive(Serialize)]
pub(crate) struct Refusal<'a> {
    command: &'a str,
    error: Refused<'a>,
    exit: i32,
}

/// The error of a [`Refusal`].
#[derive(Serialize)]
struct Refused<'a> {
    message: String,
    help: &'a str,
    labels: [ltlattn::diag::ErrorLabel; 0],
}

impl<'a> Refusal<'a> {
    /// The refusal of `command` with `message` and `help`.
    pub(crate) fn new(command: &'a str, message: String, help: &'a str) -> Self {
        Refusal {
            command,
            error: Refused {
                message,
                help,
                labels: [],
            },
            exit: Exit::Error.code(),
        }
    }
}

/// A body as JSON (a `serde_json::Value`: keys sorted).
pub(crate) fn to_value<T: Serialize>(body: &T) -> Value {
    // Only a map key that is not a string can fail here; no body has one.
    serde_json::to_value(body)
        .unwrap_or_else(|e| Value::String(format!("internal error: cannot write the answer: {e}")))
}

/// Answers one request on the calling (worker) thread.
pub(crate) fn answer(command: &str, request: &Value, config: &Config) -> Answer {
    // Every formula this answer prints shares one budget.
    let print = PrintBudget::new(config.parse.max_size as u64);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let req = Req {
            v: request,
            command,
        };
        req.only_known_keys()?;
        dispatch(&req, config, &print)
    }));
    match result {
        Ok(Ok((report, exit))) => {
            if let Some(limit) = print.cut() {
                return failure(
                    command,
                    &miette!(
                        help = "the server's --max-formula-size bounds what one answer prints",
                        "some formulas were not printed: together they exceed the print limit of {limit} nodes"
                    ),
                );
            }
            match serde_json::to_value(Envelope {
                command,
                report,
                exit: exit.code(),
            }) {
                Ok(body) => Answer {
                    status: StatusCode::OK,
                    body,
                },
                Err(e) => internal_error(command, &format!("cannot write the answer: {e}")),
            }
        }
        Ok(Err(report)) => failure(command, &report),
        Err(panic) => {
            let what = ltlattn::diag::panic_message(&*panic);
            internal_error(command, &what)
        }
    }
}

fn internal_error(command: &str, what: &str) -> Answer {
    Answer {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        body: to_value(&Refusal::new(
            command,
            format!("internal error: {what}"),
            "please report the request that caused it",
        )),
    }
}

/// An input error or a limit, as JSON: the message, the help, the spans (byte offsets
/// into the request key named by `input`) and the report as the command line draws it.
fn failure(command: &str, report: &Report) -> Answer {
    let parts = ltlattn::diag::ErrorParts::of(report);
    // A comparison without an answer (a budget, engines that could not decide, a z3
    // child process that failed) has `holds: null`, as the command line's --json; one
    // that a budget stopped says how far the search on the fly got.
    let check = report.downcast_ref::<verdict::CheckError>();
    let decide_error = report
        .downcast_ref::<verdict::DecideError>()
        .or(match check {
            Some(verdict::CheckError::Decide(e)) => Some(e),
            _ => None,
        });
    let checked_up_to_length = check.and_then(verdict::CheckError::checked_up_to_length);
    let undecided = decide_error.is_some_and(verdict::DecideError::is_undecided)
        || checked_up_to_length.is_some();
    let body = Failure {
        command,
        error: ErrorObject {
            message: parts.message,
            help: parts.help,
            labels: parts.labels,
            input: parts.input,
            rendered: parts.rendered,
            checked_up_to_length,
            timed_out: checked_up_to_length.and(check.map(verdict::CheckError::timed_out)),
        },
        holds: undecided.then_some(None),
        exit: Exit::Error.code(),
    };
    Answer {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        body: to_value(&body),
    }
}

/// A request's keys, read with errors that name the key.
struct Req<'a> {
    v: &'a Value,
    command: &'a str,
}

impl<'a> Req<'a> {
    fn only_known_keys(&self) -> Result<(), Report> {
        let keys = COMMANDS
            .iter()
            .find(|c| c.0 == self.command)
            .map_or(&[][..], |c| c.2);
        if let Value::Object(map) = self.v {
            if let Some(k) = map.keys().find(|k| !keys.contains(&k.as_str())) {
                return Err(miette!(
                    help = format!("`{}` takes {}", self.command, keys.join(", ")),
                    "unknown key `{k}`"
                ));
            }
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.v.get(key).filter(|v| !v.is_null())
    }

    fn str(&self, key: &str) -> Result<Option<&'a str>, Report> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(miette!("`{key}` must be a string")),
        }
    }

    fn need(&self, key: &str) -> Result<&'a str, Report> {
        self.str(key)?.ok_or_else(|| {
            miette!(
                help = format!("GET /api lists the keys of `{}`", self.command),
                "`{}` needs `{key}`",
                self.command
            )
        })
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, Report> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(miette!("`{key}` must be true or false")),
        }
    }

    fn uint(&self, key: &str) -> Result<Option<u64>, Report> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| miette!("`{key}` must be a whole number ≥ 0")),
        }
    }

    fn word_opts(&self) -> Result<WordOptions, Report> {
        let accept = match self.str("accept")? {
            None | Some("eos") => Acceptance::Eos,
            Some("last") => Acceptance::Last,
            Some(other) => {
                return Err(miette!(
                    help = "eos (at the end marker) or last (at the last position)",
                    "unknown acceptance `{other}`"
                ))
            }
        };
        let alphabet = match self.get("alphabet") {
            None => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.split(',').map(str::to_string).collect()),
            Some(Value::Array(a)) => Some(
                a.iter()
                    .map(|t| {
                        t.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| miette!("`alphabet` must list strings"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => return Err(miette!("`alphabet` must be \"a,b,c\" or [\"a\", \"b\"]")),
        };
        Ok(WordOptions {
            accept,
            alphabet,
            props: self.bool("props")?.unwrap_or(false),
            file_alphabet: None,
        })
    }

    /// The server's state and time budget, lowered (never raised) by the request's
    /// `max_states` and `timeout`.
    fn budget(&self, config: &Config) -> Result<Budget, Report> {
        let states = self
            .uint("max_states")?
            .map_or(config.max_states, |n| (n as usize).min(config.max_states));
        Ok(Budget::new(states, Some(self.seconds(config)?)))
    }

    fn seconds(&self, config: &Config) -> Result<f64, Report> {
        let limit = config.timeout.as_secs_f64();
        match self.get("timeout") {
            None => Ok(limit),
            Some(v) => match v.as_f64() {
                Some(t) if t.is_finite() && t > 0.0 => Ok(t.min(limit)),
                _ => Err(miette!("`timeout` must be a positive number of seconds")),
            },
        }
    }

    fn formula(&self, arena: &mut Arena, key: &str, config: &Config) -> Result<NodeId, Report> {
        let text = self.need(key)?;
        parse_with(arena, text, config.parse)
            .map_err(|e| Report::new(e).with_source_code(NamedSource::new(key, text.to_string())))
    }

    fn word(
        &self,
        opts: &WordOptions,
        arena: &Arena,
        root: NodeId,
        config: &Config,
    ) -> Result<Word, Report> {
        let text = self.need("word")?;
        let n = text.split_whitespace().count();
        if n > config.max_word_length {
            return Err(miette!(
                help = "the server's --max-word-length bounds words",
                "the word has {n} tokens; the limit is {}",
                config.max_word_length
            ));
        }
        Ok(opts.read_word(text, arena, root)?)
    }

    /// The weights of a numeric model: base64 in `key` (`weights`, `first_weights`, …).
    fn weights(&self, key: &str) -> Result<Vec<u8>, Report> {
        let text = self.str(key)?.ok_or_else(|| {
            miette!(
                help = format!("send the .safetensors file base64-encoded under `{key}` (the page's upload button does this)"),
                "a numeric model needs its weights"
            )
        })?;
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| miette!("`{key}` is not base64: {e}"))
    }

    /// A DFA file's text under `key`, parsed; an error is marked in that text.
    fn dfa(&self, key: &str) -> Result<Dfa, Report> {
        let text = self.need(key)?;
        parse_dfa(text).map_err(|e| {
            miette!(
                labels = vec![miette::LabeledSpan::at(e.span.clone(), "here")],
                help = "see grammar/dfa.md for the format",
                "{}",
                e.message
            )
            .with_source_code(NamedSource::new(key, text.to_string()))
        })
    }
}

/// A model from the request: Boolean, or numeric with its weights.
enum Model {
    Boolean(ltlattn::model::boolean::Model),
    Numeric(ltlattn::model::numeric::NumericModel),
}

fn model(req: &Req, config: &Config) -> Result<Model, Report> {
    model_at(req, "model", "weights", config)
}

/// The model whose TOML text is under `key` (its spans point into that key), with a
/// numeric model's weights under `weights`.
fn model_at(req: &Req, key: &str, weights: &str, config: &Config) -> Result<Model, Report> {
    let text = req.need(key)?;
    if ltlattn::model::numeric::is_numeric(text) {
        let bytes = req.weights(weights)?;
        return ltlattn::model::numeric::load_numeric(key, text, &bytes)
            .map(Model::Numeric)
            .map_err(Report::new);
    }
    ltlattn::model::boolean::load_with(key, text, config.parse)
        .map(Model::Boolean)
        .map_err(Report::new)
}

fn dispatch(req: &Req, config: &Config, print: &PrintBudget) -> Result<(Reply, Exit), Report> {
    match req.command {
        "fmt" => {
            let mut arena = Arena::new();
            let root = req.formula(&mut arena, "formula", config)?;
            let r = FmtReport::of_formula("formula", &arena, root, print);
            Ok((Reply::Fmt(r), Exit::Yes))
        }
        "eval" | "explain" => {
            let mut arena = Arena::new();
            let root = req.formula(&mut arena, "formula", config)?;
            let opts = req.word_opts()?;
            let word = req.word(&opts, &arena, root, config)?;
            if req.command == "eval" {
                let accepted = evaluate(&arena, root, &word, opts.accept);
                return Ok((Reply::Eval(EvalReport::new(accepted)), accepted.into()));
            }
            let mut r = ltlattn::report::explain(&arena, root, &word, opts.accept, print)?;
            if req.command == "explain" && req.bool("latex")?.unwrap_or(false) {
                r.latex = Some(ltlattn::report::explain_latex(
                    &arena,
                    root,
                    &word,
                    opts.accept,
                    print,
                )?);
            }
            let exit = r.holds.into();
            Ok((Reply::Explain(r), exit))
        }
        "dfa" => dfa(req, config, print),
        "equiv" => compare(req, config, Question::Equivalent, print),
        "includes" => compare(req, config, Question::Included, print),
        "classify" | "separate" => classify(req, config, print),
        "compile" => compile(req, config, print),
        "run" => run(req, config),
        "check" => check(req, config, print),
        "attention" => attention(req, config),
        other => Err(miette!("unknown command `{other}`")),
    }
}

/// Largest automaton drawn as a picture: layout time and legibility both end here.
const MAX_DRAWN_STATES: usize = 60;

/// The DFA as SVG, laid out by layout-rs from its DOT (None when it is too large).
/// [`svg`] of a dense DFA (over propositions, its edges labelled by guards).
fn svg_dfa(d: &Dfa) -> Option<String> {
    if d.states() > MAX_DRAWN_STATES {
        return None;
    }
    svg(&Automaton::Dense(d.clone()).to_dot(), d.states())
}

fn svg(dot: &str, states: usize) -> Option<String> {
    if states > MAX_DRAWN_STATES {
        return None;
    }
    // layout-rs draws no point shape: the arrow into the initial state starts at "start".
    let dot = dot.replace(
        "init [shape=point];",
        "init [shape=box, label=\"start\", color=\"white\"];",
    );
    let mut parser = layout::gv::DotParser::new(&dot);
    let graph = parser.process().ok()?;
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&graph);
    let mut vg = builder.get();
    let mut out = layout::backends::svg::SVGWriter::new();
    // Layout is its own library; a failure there costs the picture, not the answer.
    catch_unwind(AssertUnwindSafe(|| vg.do_it(false, false, false, &mut out))).ok()?;
    Some(out.finalize())
}

fn dfa(req: &Req, config: &Config, print: &PrintBudget) -> Result<(Reply, Exit), Report> {
    let mut arena = Arena::new();
    let root = req.formula(&mut arena, "formula", config)?;
    let opts = req.word_opts()?;
    let sigma = opts.alphabet_within(&arena, &[root], usize::MAX)?;
    let budget = req.budget(config)?;
    let minimal = req.bool("minimize")?.unwrap_or(true);
    let d = Automaton::of_formula(&arena, root, &sigma, opts.accept, &budget, minimal)
        .map_err(Report::new)?;
    let mut r = DfaReport::of_formula(&d, print.show(&arena, root, Syntax::Ascii), minimal);
    // DOT and the picture only within the drawing limit: the DOT of a large automaton
    // runs to megabytes that no page can use (`dfa --dot` on the command line writes it).
    let dot = (d.states() <= MAX_DRAWN_STATES).then(|| d.to_dot());
    r.svg = Some(dot.as_deref().and_then(|dot| svg(dot, d.states())));
    r.dot = Some(dot);
    Ok((Reply::Dfa(r), Exit::Yes))
}

/// The request's `engine`, by the library's names ([`verdict::Engine::name`]); `z3` is
/// unknown where z3 is not built in.
fn engine(req: &Req) -> Result<verdict::Engine, Report> {
    let Some(name) = req.str("engine")? else {
        return Ok(verdict::Engine::Auto);
    };
    match name.parse() {
        #[cfg(not(feature = "z3"))]
        Ok(verdict::Engine::Z3) => Err(Report::new(verdict::UnknownEngine(name.into()))),
        Ok(e) => Ok(e),
        Err(e) => Err(Report::new(e)),
    }
}

/// The decision options of a request: its engine within the server's budget.
fn options(req: &Req, config: &Config) -> Result<Options, Report> {
    let budget = req.budget(config)?;
    Ok(Options {
        engine: engine(req)?,
        max_states: budget.max_states,
        timeout: budget.timeout,
        max_depth: req.uint("max_depth")?.map_or(200, |d| d.min(1000) as usize),
    })
}

fn compare(
    req: &Req,
    config: &Config,
    question: Question,
    print: &PrintBudget,
) -> Result<(Reply, Exit), Report> {
    let kinds = [req.side_kind("first_kind")?, req.side_kind("second_kind")?];
    if kinds != [SideKind::Formula; 2] {
        return compare_operands(req, config, question, kinds, print);
    }
    for key in ["first_weights", "second_weights"] {
        if req.get(key).is_some() {
            return Err(miette!(
                help = "set `first_kind` or `second_kind` to model for a numeric model",
                "`{key}` goes with a numeric model, and both sides are formulas"
            ));
        }
    }
    let mut arena = Arena::new();
    let left = req.formula(&mut arena, "first", config)?;
    let right = req.formula(&mut arena, "second", config)?;
    let opts = req.word_opts()?;
    let sigma = opts.alphabet_within(&arena, &[left, right], usize::MAX)?;
    let options = options(req, config)?;
    let v = verdict::decide(&arena, left, right, &sigma, opts.accept, question, &options)?;
    let sh = print.shower(&arena);
    let mut r = CompareReport::new(
        &v,
        sh.show(left, Syntax::Ascii),
        sh.show(right, Syntax::Ascii),
    );
    // Both truth tables on the counterexample, for the page to highlight.
    if let Some(c) = &v.counterexample {
        r.tables = Some(Tables::on(
            &arena,
            (left, right),
            &c.word,
            opts.accept,
            print,
        ));
    }
    Ok((Reply::Compare(r), v.holds().into()))
}

/// What a side of a comparison is (`first_kind`, `second_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SideKind {
    /// A formula (the default).
    Formula,
    /// A Boolean or numeric model's TOML (a numeric model's weights beside it).
    Model,
    /// A DFA file's text.
    Dfa,
}

impl Req<'_> {
    fn side_kind(&self, key: &str) -> Result<SideKind, Report> {
        match self.str(key)? {
            None | Some("formula") => Ok(SideKind::Formula),
            Some("model") => Ok(SideKind::Model),
            Some("dfa") => Ok(SideKind::Dfa),
            Some(other) => Err(miette!(
                help = "formula (the default), model (a model.toml, numeric with its weights) or dfa (a DFA file)",
                "unknown `{key}` `{other}`"
            )),
        }
    }

    /// The side under `key` (`first`, `second`), read as `kind`; formulas go into `arena`.
    fn side(
        &self,
        arena: &mut Arena,
        key: &str,
        kind: SideKind,
        config: &Config,
    ) -> Result<Loaded, Report> {
        let weights = format!("{key}_weights");
        if kind != SideKind::Model && self.get(&weights).is_some() {
            return Err(miette!(
                help = format!("set `{key}_kind` to model for a numeric model"),
                "`{weights}` goes with a numeric model, and `{key}` is not one"
            ));
        }
        match kind {
            SideKind::Formula => Ok(Loaded::Formula(self.formula(arena, key, config)?)),
            SideKind::Dfa => Ok(Loaded::Dfa(self.dfa(key)?)),
            SideKind::Model => match model_at(self, key, &weights, config)? {
                Model::Numeric(m) => Ok(Loaded::Numeric(Box::new(m))),
                Model::Boolean(m) => Loaded::model(m).map_err(Report::new),
            },
        }
    }
}

/// `equiv`/`includes` with a model or a DFA on a side: the library's comparison of
/// operands ([`ltlattn::operand::decide`]), as the command line's `equiv A.toml B`.
/// `source` says what each side was read as; `tables` has the truth table of each side
/// that is a formula.
fn compare_operands(
    req: &Req,
    config: &Config,
    question: Question,
    [first_kind, second_kind]: [SideKind; 2],
    print: &PrintBudget,
) -> Result<(Reply, Exit), Report> {
    let options = options(req, config)?;
    ltlattn::operand::check_engine(options.engine).map_err(Report::new)?;
    let opts = req.word_opts()?;
    let mut arena = Arena::new();
    let first = req.side(&mut arena, "first", first_kind, config)?;
    let second = req.side(&mut arena, "second", second_kind, config)?;
    let v = ltlattn::operand::decide(&arena, [&first, &second], &opts, question, &options)
        .map_err(|e| match e {
            // As a CheckError, so that an undecided answer is drawn as one.
            ltlattn::operand::OperandError::Check(e) => Report::new(e),
            e => Report::new(e),
        })?;
    let source = |l: &Loaded| {
        Some(
            match l {
                // A formula is its own source, as on the command line.
                Loaded::Formula(_) => return None,
                Loaded::Model(..) => "model",
                Loaded::Numeric(_) => "numeric model",
                Loaded::Dfa(_) => "dfa",
            }
            .to_string(),
        )
    };
    let mut r = ltlattn::operand::report(
        &v,
        &arena,
        [(&first, source(&first)), (&second, source(&second))],
        print,
    );
    if let Some(c) = &v.counterexample {
        let table = |l: &Loaded| match l {
            Loaded::Formula(root) => {
                ltlattn::report::explain(&arena, *root, &c.word, opts.accept, print).ok()
            }
            _ => None,
        };
        r.tables = Some(Tables {
            first: table(&first),
            second: table(&second),
        });
    }
    Ok((Reply::Compare(r), v.holds().into()))
}

/// The language of a classify/separate request (a formula, a model or a DFA text), made
/// ready by the library, and its name.
fn language(
    req: &Req,
    config: &Config,
    budget: &Budget,
    print: &PrintBudget,
) -> Result<(Language, String), Report> {
    let given: Vec<&str> = ["formula", "model", "dfa"]
        .into_iter()
        .filter(|k| req.get(k).is_some())
        .collect();
    if given.len() != 1 {
        return Err(miette!(
            help = "send one of `formula`, `model` (with `weights` for a numeric model) or `dfa`",
            "the language must be given exactly once, not by {}",
            if given.is_empty() {
                "nothing".to_string()
            } else {
                given.join(" and ")
            }
        ));
    }
    let opts = req.word_opts()?;
    if opts.props {
        return Err(miette!(
            "classify works with letter alphabets (the architectures read tokens), not props"
        ));
    }
    match given[0] {
        "dfa" => {
            let d = req.dfa("dfa")?;
            let l = language_of(LanguageSource::Dfa(&d), budget, print)?;
            Ok((l, "the DFA given".into()))
        }
        "model" => match model(req, config)? {
            Model::Numeric(m) => {
                let l = language_of(LanguageSource::Numeric(&m), budget, print)?;
                Ok((l, "the numeric model given".into()))
            }
            Model::Boolean(m) => {
                let l = language_of(LanguageSource::Model(&m), budget, print)?;
                let name = format!(
                    "the model given: {}",
                    l.shown.as_deref().unwrap_or_default()
                );
                Ok((l, name))
            }
        },
        _ => {
            let mut arena = Arena::new();
            let root = req.formula(&mut arena, "formula", config)?;
            let alphabet = opts.alphabet_within(&arena, &[root], MAX_PROPS)?;
            let source = LanguageSource::Formula {
                arena,
                root,
                alphabet,
                acceptance: opts.accept,
            };
            let l = language_of(source, budget, print)?;
            let name = l.shown.clone().unwrap_or_default();
            Ok((l, name))
        }
    }
}

/// The classifier's limits for a request: the command line's, with the server's
/// state budget on the monoid and the type automata.
fn fragment_limits(
    req: &Req,
    config: &Config,
    budget: &Budget,
) -> Result<ltlattn::fragment::Limits, Report> {
    Ok(ltlattn::fragment::Limits {
        monoid: budget.max_states.min(200_000),
        type_states: budget.max_states.min(200_000),
        depth: req.uint("depth")?.map_or(3, |d| d.min(6) as usize),
        max_printed: config.parse.max_size as u64,
    })
}

fn classify(req: &Req, config: &Config, print: &PrintBudget) -> Result<(Reply, Exit), Report> {
    let budget = req.budget(config)?;
    let lim = fragment_limits(req, config, &budget)?;
    let (l, name) = language(req, config, &budget, print)?;
    if req.command == "separate" {
        let class: Class = req.need("from")?.parse()?;
        let d = separate(class, &l.dfa, &lim, l.given());
        let r = SeparateReport::new(class, name, &d);
        let exit = r.holds.into();
        return Ok((Reply::Separate(r), exit));
    }
    let window = match req.uint("window")? {
        None => None,
        Some(k) if (2..=64).contains(&k) => Some(k as u32),
        Some(k) => return Err(miette!("`window` must be between 2 and 64, not {k}")),
    };
    let c = classify_windowed(&l.dfa, &lim, l.given(), window);
    let mut r = ClassifyReport::new(name, &c);
    r.svg = Some(svg_dfa(&l.dfa));
    Ok((Reply::Classify(Box::new(r)), Exit::Yes))
}

fn compile(req: &Req, config: &Config, print: &PrintBudget) -> Result<(Reply, Exit), Report> {
    let budget = req.budget(config)?;
    match model(req, config)? {
        Model::Numeric(m) => {
            let c = ltlattn::model::numeric::compile_numeric(&m, &budget).map_err(Report::new)?;
            let mut a = ltlattn::report::numeric::compile(&m, &c, &budget, print);
            a.report.svg = Some(svg_dfa(&c.dfa));
            let exit = a.exit();
            Ok((Reply::NumericCompile(a.report), exit))
        }
        Model::Boolean(m) => {
            let c = ltlattn::model::boolean::compile::compile(&m).map_err(Report::new)?;
            // The command line's budget for the drop-in checks, within the request's.
            let drop_in = drop_in_budget(Some(&budget));
            let mut r =
                CompileReport::of_model(&m, &c, &budget, &drop_in, print).map_err(Report::new)?;
            let sigma = Alphabet::Tokens(m.alphabet.clone());
            // The picture is a courtesy: a DFA beyond the budget costs it, not the answer.
            if let Ok(d) = formula_dfa(&c.arena, c.accept, &sigma, m.acceptance, &budget) {
                r.svg = Some(svg_dfa(&d));
            }
            Ok((Reply::Compile(r), Exit::Yes))
        }
    }
}

fn run(req: &Req, config: &Config) -> Result<(Reply, Exit), Report> {
    let text = req.need("word")?;
    let tokens: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    if tokens.len() > config.max_word_length {
        return Err(miette!(
            help = "the server's --max-word-length bounds words",
            "the word has {} tokens; the limit is {}",
            tokens.len(),
            config.max_word_length
        ));
    }
    match model(req, config)? {
        Model::Numeric(m) => {
            let t = ltlattn::model::numeric::run_numeric(&m, &tokens).map_err(Report::new)?;
            Ok((
                Reply::NumericRun(NumericRunReport::new(&t)),
                t.accepted.into(),
            ))
        }
        Model::Boolean(m) => {
            let tokens = model_tokens(&m, text)?;
            let t = ltlattn::model::boolean::run(&m, &tokens).map_err(|e| miette!("{e}"))?;
            Ok((Reply::Run(RunReport::new(&m, &t)), t.accepted.into()))
        }
    }
}

fn check(req: &Req, config: &Config, print: &PrintBudget) -> Result<(Reply, Exit), Report> {
    let mut arena = Arena::new();
    let spec = req.formula(&mut arena, "spec", config)?;
    let options = options(req, config)?;
    let (verdict, fragment, trace, acceptance) = match model(req, config)? {
        Model::Numeric(m) => {
            let r = verdict::check_numeric_spec(&m, &arena, spec, &options).map_err(Report::new)?;
            let trace = r
                .trace
                .as_ref()
                .map(|t| RunTrace::Numeric(NumericRunReport::new(t)));
            let fragment = ltlattn::model::numeric::architecture(&m).name();
            (r.verdict, fragment, trace, Acceptance::Eos)
        }
        Model::Boolean(m) => {
            let r = verdict::check_model(&m, &arena, spec, &options).map_err(Report::new)?;
            let trace = r
                .trace
                .as_ref()
                .map(|t| RunTrace::Boolean(RunReport::new(&m, t)));
            (r.verdict, r.compiled.fragment.name(), trace, m.acceptance)
        }
    };
    let mut r = CheckReport::new(&verdict, fragment);
    if let Some(c) = &verdict.counterexample {
        r.trace = Some(trace);
        r.spec_table =
            Some(ltlattn::report::explain(&arena, spec, &c.word, acceptance, print).ok());
    }
    Ok((Reply::Check(r), verdict.holds().into()))
}

fn attention(req: &Req, config: &Config) -> Result<(Reply, Exit), Report> {
    let length = req.uint("length")?.unwrap_or(64);
    if length > 65_536 {
        return Err(miette!(
            help = "the command line counts costs to 2^24",
            "`length` is at most 65,536 on the server, not {length}"
        ));
    }
    let bound = match req.get("bound") {
        None => 1u64 << 31,
        Some(Value::String(s)) => {
            ltlattn::patterns::report::parse_bound(s).map_err(|e| miette!("`bound`: {e}"))?
        }
        // A number passes the same range check as "2^k" (1 to 2^62).
        Some(v) => {
            let n = v
                .as_u64()
                .ok_or_else(|| miette!("`bound` must be a number or \"2^k\""))?;
            ltlattn::patterns::report::check_bound(n).map_err(|e| miette!("`bound`: {e}"))?
        }
    };
    let request = ltlattn::patterns::report::AttentionRequest {
        pattern: req.need("pattern")?.to_string(),
        block: req.uint("block")?,
        window: req.uint("window")?,
        stride: req.uint("stride")?,
        width: req.uint("width")?,
        summary_columns: req.uint("summary_columns")?,
        length,
        picture: req
            .uint("picture")?
            .or((length <= 64).then_some(length))
            .or(Some(64)),
        bound,
    };
    let timeout = std::time::Duration::from_secs_f64(req.seconds(config)?);
    let started = Instant::now();
    let mut r = ltlattn::patterns::report::attention(&request, Some(timeout))
        .map_err(|e| miette!("{e}"))?;
    r.seconds = Some(started.elapsed().as_secs_f64());
    let exit = r.holds.into();
    Ok((Reply::Attention(r), exit))
}

#[cfg(test)]
mod tests {
    use super::workers_taken;

    /// A request body, as the server receives it.
    fn body(text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("a JSON object")
    }

    #[test]
    fn an_auto_comparison_is_admitted_as_its_engines() {
        for command in ["equiv", "includes", "check"] {
            assert_eq!(workers_taken(command, &body("{}"), 8), 3, "{command}");
            assert_eq!(workers_taken(command, &body(r#"{"engine": null}"#), 8), 3);
            assert_eq!(workers_taken(command, &body(r#"{"engine": "auto"}"#), 8), 3);
            // Never more than the pool has, or the request could never run.
            assert_eq!(workers_taken(command, &body(r#"{"engine": "auto"}"#), 2), 2);
            // A numeric model's check takes two threads whatever the engine.
            let single = if command == "check" { 2 } else { 1 };
            for one in ["explicit", "bdd", "z3", "nonsense"] {
                assert_eq!(
                    workers_taken(command, &body(&format!(r#"{{"engine": "{one}"}}"#)), 8),
                    single
                );
            }
        }
        // A model side may prove by bounds beside its compilation: two threads.
        let model = body(r#"{"engine": "explicit", "second_kind": "model"}"#);
        assert_eq!(workers_taken("equiv", &model, 8), 2);
        let dfa = body(r#"{"engine": "explicit", "first_kind": "dfa"}"#);
        assert_eq!(workers_taken("includes", &dfa, 8), 1);
        for command in ["dfa", "classify", "compile", "run", "attention", "fmt"] {
            assert_eq!(workers_taken(command, &body("{}"), 8), 1, "{command}");
        }
    }
}
