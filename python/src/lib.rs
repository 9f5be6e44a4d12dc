//! `ltlattn._ltlattn`: the extension module under the Python package `ltlattn`
//! (docs/book/guide/python.md).
//!
//! A third front end over the library, beside the command line and the server: it reads
//! Python arguments into the library's requests, calls the library and returns its
//! reports as the JSON text the command line prints with `--json` (the package turns it
//! into typed objects). It decides nothing itself. Long work runs on a worker thread
//! with the GIL released, under a cancellation token (`ltlattn::cancel`) that Ctrl-C
//! sets.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use miette::{miette, Report};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;

use ltlattn::automata::{Budget, DEFAULT_MAX_STATES};
use ltlattn::cancel::Cancel;
use ltlattn::engine::layout::Question;
use ltlattn::fragment::language::{language as language_of, LanguageSource};
use ltlattn::fragment::{classify_windowed, Limits};
use ltlattn::front::{model_tokens, WordOptions};
use ltlattn::logic::{parse_with, Acceptance, Arena, NodeId, ParseLimits, PrintBudget, Syntax};
use ltlattn::model::boolean::compile::drop_in::{drop_in_budget, drop_in_checks};
use ltlattn::model::boolean::compile::{compile as compile_boolean, short_formula, Compiled};
use ltlattn::model::numeric::{
    architecture, beyond_range_help, compile_numeric, is_numeric, load_numeric, run_numeric,
    weights_path, NumericCompileError, NumericModel, RunError,
};
use ltlattn::report::numeric::NumericRunReport;
use ltlattn::report::{
    to_json, CheckReport, ClassifyReport, CompareReport, CompileReport, NoAnswerReport, RunReport,
    UndecidedReport,
};
use ltlattn::sample::{Rng, Sampler};
use ltlattn::verdict::{self, CheckError, DecideError, Engine, Operand, Options};

create_exception!(
    ltlattn,
    LtlattnError,
    PyException,
    "An error of ltlattn: `message`, `help` (how to fix it, or None), `span` ((start, end) byte offsets into `source`, or None), `source` (the name of the input the span points into), `rendered` (the report as the command line draws it)."
);
create_exception!(
    ltlattn,
    ParseError,
    LtlattnError,
    "A formula that does not parse; `span` points into it."
);
create_exception!(
    ltlattn,
    ModelError,
    LtlattnError,
    "A model that does not load, compile or run (a model.toml, its weights, a word outside its alphabet)."
);
create_exception!(
    ltlattn,
    InputError,
    LtlattnError,
    "An argument that does not fit: an alphabet, a word, an option."
);
create_exception!(
    ltlattn,
    BudgetExceeded,
    LtlattnError,
    "The work stopped at `max_states` or `timeout` without an answer. `checked_up_to_length` says up to which length every word was checked when the engine knows (else None); `report` is the JSON the command line prints with --json (a dict with `holds: None`), or None."
);

// The keyword default `max_states = 4_000_000` is written as a literal so that `help()`
// shows it; it is the library's default.
const _: () = assert!(DEFAULT_MAX_STATES == 4_000_000);

/// The print budget of one call: the command line's default formula size.
fn print_budget() -> PrintBudget {
    PrintBudget::new(ParseLimits::DEFAULT.max_size as u64)
}

/// Why a call failed: the report, and the JSON the command line prints for it with
/// `--json` when it prints one (an undecided comparison).
struct Fail {
    report: Report,
    json: Option<String>,
    /// A syntax error (its report carries the formula's text, which hides its type).
    parse: bool,
}

impl<E: Into<Report>> From<E> for Fail {
    fn from(e: E) -> Self {
        Fail {
            report: e.into(),
            json: None,
            parse: false,
        }
    }
}

type Out = Result<String, Fail>;

/// The exception class of a report, by the library's error types.
fn class_of<'py>(py: Python<'py>, r: &Report) -> (Bound<'py, PyType>, Option<usize>) {
    use ltlattn::fragment::language::LanguageError;
    let budget = |n: Option<usize>| (py.get_type::<BudgetExceeded>(), n);
    if r.downcast_ref::<ltlattn::logic::ParseError>().is_some() {
        return (py.get_type::<ParseError>(), None);
    }
    if r.downcast_ref::<ltlattn::front::InputError>().is_some() {
        return (py.get_type::<InputError>(), None);
    }
    if let Some(e) = r.downcast_ref::<CheckError>() {
        return match e {
            CheckError::Undecided {
                checked_up_to_length,
                ..
            } => budget(Some(*checked_up_to_length)),
            CheckError::Decide(d) if d.is_undecided() => budget(None),
            CheckError::Numeric(NumericCompileError::Budget(..)) => budget(None),
            CheckError::Compile(_)
            | CheckError::NotAToken { .. }
            | CheckError::Alphabets { .. }
            | CheckError::Numeric(_) => (py.get_type::<ModelError>(), None),
            _ => (py.get_type::<LtlattnError>(), None),
        };
    }
    if let Some(d) = r.downcast_ref::<DecideError>() {
        if d.is_undecided() {
            return budget(None);
        }
    }
    if r.downcast_ref::<ltlattn::automata::LimitError>().is_some() {
        return budget(None);
    }
    if let Some(e) = r.downcast_ref::<NumericCompileError>() {
        return match e {
            NumericCompileError::Budget(..) => budget(None),
            _ => (py.get_type::<ModelError>(), None),
        };
    }
    if let Some(e) = r.downcast_ref::<LanguageError>() {
        return match e {
            LanguageError::Limit(_) | LanguageError::Numeric(NumericCompileError::Budget(..)) => {
                budget(None)
            }
            _ => (py.get_type::<ModelError>(), None),
        };
    }
    if r.downcast_ref::<ltlattn::model::boolean::ModelError>()
        .is_some()
        || r.downcast_ref::<ltlattn::model::numeric::NumericError>()
            .is_some()
        || r.downcast_ref::<ltlattn::model::boolean::compile::CompileError>()
            .is_some()
        || r.downcast_ref::<RunError>().is_some()
    {
        return (py.get_type::<ModelError>(), None);
    }
    (py.get_type::<LtlattnError>(), None)
}

/// The Python exception of a failure: its class, message, help, span and rendering.
fn to_py(py: Python<'_>, fail: Fail) -> PyErr {
    let r = &fail.report;
    let (class, checked) = if fail.parse {
        (py.get_type::<ParseError>(), None)
    } else {
        class_of(py, r)
    };
    let parts = ltlattn::diag::ErrorParts::of(r);
    let span = parts.labels.first().map(|l| (l.start, l.end));
    let (message, help, source, rendered) =
        (parts.message, parts.help, parts.input, parts.rendered);
    let set = || -> PyResult<PyErr> {
        let value = class.call1((message.clone(),))?;
        value.setattr("message", &message)?;
        value.setattr("help", help)?;
        value.setattr("span", span)?;
        value.setattr("source", source)?;
        value.setattr("rendered", rendered)?;
        value.setattr("checked_up_to_length", checked)?;
        let report = match &fail.json {
            Some(json) => Some(py.import("json")?.call_method1("loads", (json,))?),
            None => None,
        };
        value.setattr("report", report)?;
        Ok(PyErr::from_value(value))
    };
    set().unwrap_or_else(|e| e)
}

/// Runs `work` on a worker thread under a cancellation token, with the GIL released;
/// this thread checks for signals meanwhile, and on Ctrl-C cancels the work (the engines
/// stop at their next clock check) and raises KeyboardInterrupt.
fn work<F>(py: Python<'_>, f: F) -> PyResult<String>
where
    F: FnOnce() -> Out + Send,
{
    let token = Cancel::new();
    let answer = py.allow_threads(|| {
        std::thread::scope(|s| {
            let (tx, rx) = channel();
            let worker = token.clone();
            s.spawn(move || {
                let out = std::panic::catch_unwind(AssertUnwindSafe(|| worker.run(f)));
                let _ = tx.send(out);
            });
            loop {
                match rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(out) => return Ok(out),
                    Err(RecvTimeoutError::Timeout) => {
                        if let Err(interrupt) = Python::with_gil(|py| py.check_signals()) {
                            token.cancel();
                            return Err(interrupt);
                        }
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        let lost: Box<dyn std::any::Any + Send> =
                            Box::new("the worker thread ended without an answer");
                        return Ok(Err(lost));
                    }
                }
            }
        })
    })?;
    match answer {
        Ok(Ok(json)) => Ok(json),
        Ok(Err(fail)) => Err(to_py(py, fail)),
        Err(panic) => {
            let what = ltlattn::diag::panic_message(&*panic);
            Err(LtlattnError::new_err(format!(
                "internal error: {what}; please report the call that caused it"
            )))
        }
    }
}

/// A loaded model: Boolean (a model.toml program) or numeric (model.toml + weights).
enum Loaded {
    Boolean(ltlattn::model::boolean::Model),
    Numeric(NumericModel),
}

/// A model, Boolean or numeric, as `ltlattn.load` read it.
#[pyclass(frozen, module = "ltlattn._ltlattn")]
struct Model {
    inner: Arc<Loaded>,
    /// The path it was read from (or the name it was given), as the JSON's `source`.
    #[pyo3(get)]
    source: String,
    /// The model.toml text it was read from.
    #[pyo3(get)]
    text: String,
    /// The safetensors bytes of a numeric model.
    weights: Option<Arc<Vec<u8>>>,
}

#[pymethods]
impl Model {
    /// "boolean" or "numeric".
    #[getter]
    fn kind(&self) -> &'static str {
        match *self.inner {
            Loaded::Boolean(_) => "boolean",
            Loaded::Numeric(_) => "numeric",
        }
    }

    /// The model's tokens, in order.
    #[getter]
    fn alphabet(&self) -> Vec<String> {
        match &*self.inner {
            Loaded::Boolean(m) => m.alphabet.clone(),
            Loaded::Numeric(m) => m.alphabet.clone(),
        }
    }

    /// The model's `name`, if its file gives one.
    #[getter]
    fn name(&self) -> Option<String> {
        match &*self.inner {
            Loaded::Boolean(m) => m.name.clone(),
            Loaded::Numeric(m) => m.name.clone(),
        }
    }

    /// The safetensors bytes of a numeric model (None for a Boolean model).
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Option<Bound<'py, pyo3::types::PyBytes>> {
        self.weights
            .as_ref()
            .map(|w| pyo3::types::PyBytes::new(py, w))
    }

    fn __repr__(&self) -> String {
        format!(
            "<ltlattn.Model {} {} over {{{}}}>",
            self.kind(),
            self.source,
            self.alphabet().join(", ")
        )
    }
}

/// A parsed formula (its text is kept, and re-parsed into each call's arena).
#[pyclass(frozen, module = "ltlattn._ltlattn")]
struct Formula {
    /// The text as given.
    #[pyo3(get)]
    text: String,
    /// The formula in ASCII syntax, as the JSON reports print it.
    #[pyo3(get)]
    ascii: String,
    /// Its atoms, in order of first occurrence.
    #[pyo3(get)]
    atoms: Vec<String>,
}

#[pymethods]
impl Formula {
    fn __repr__(&self) -> String {
        format!("ltlattn.formula({:?})", self.ascii)
    }

    fn __str__(&self) -> String {
        self.ascii.clone()
    }

    /// The formula in a syntax: "ascii", "unicode" or "latex".
    #[pyo3(signature = (syntax = "ascii"))]
    fn show(&self, py: Python<'_>, syntax: &str) -> PyResult<String> {
        let syntax = match syntax {
            "ascii" => Syntax::Ascii,
            "unicode" => Syntax::Unicode,
            "latex" => Syntax::Latex,
            other => {
                return Err(InputError::new_err(format!(
                    "unknown syntax `{other}`: ascii, unicode or latex"
                )))
            }
        };
        let mut arena = Arena::new();
        let root = parse(&mut arena, &self.text, "formula").map_err(|f| to_py(py, f))?;
        Ok(print_budget().show(&arena, root, syntax))
    }
}

/// Parses `text` into `arena`; a syntax error points into the text named `what`.
fn parse(arena: &mut Arena, text: &str, what: &str) -> Result<NodeId, Fail> {
    parse_with(arena, text, ParseLimits::DEFAULT).map_err(|e| Fail {
        report: Report::new(e).with_source_code(miette::NamedSource::new(what, text.to_string())),
        json: None,
        parse: true,
    })
}

/// A language argument: a formula (its text) or a model.
enum Lang {
    Formula(String),
    Model(Arc<Loaded>, String),
}

fn lang(x: &Bound<'_, PyAny>) -> PyResult<Lang> {
    if let Ok(m) = x.downcast::<Model>() {
        let m = m.get();
        return Ok(Lang::Model(m.inner.clone(), m.source.clone()));
    }
    if let Ok(f) = x.downcast::<Formula>() {
        return Ok(Lang::Formula(f.get().text.clone()));
    }
    if let Ok(s) = x.extract::<String>() {
        return Ok(Lang::Formula(s));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "a language is a formula (ltlattn.formula or str) or a model (ltlattn.load), not {}",
        x.get_type().name()?
    )))
}

/// The word options of a call (the command line's --accept, --alphabet, --props).
fn word_options(
    accept: &str,
    alphabet: Option<Vec<String>>,
    props: bool,
) -> Result<WordOptions, Fail> {
    let accept = match accept {
        "eos" => Acceptance::Eos,
        "last" => Acceptance::Last,
        other => {
            return Err(Fail::from(miette!(
                help = "eos (at the end marker) or last (at the last position)",
                "unknown acceptance `{other}`"
            )))
        }
    };
    Ok(WordOptions {
        accept,
        alphabet,
        props,
        file_alphabet: None,
    })
}

/// The state and time budget of a call.
fn budget(max_states: usize, timeout: Option<f64>) -> Result<Budget, Fail> {
    if let Some(t) = timeout {
        if !(t.is_finite() && t > 0.0 && t < 1e9) {
            return Err(Fail::from(miette!(
                "timeout must be a positive number of seconds, not {t}"
            )));
        }
    }
    Ok(Budget::new(max_states, timeout))
}

fn options(
    engine: &str,
    max_states: usize,
    timeout: Option<f64>,
    max_depth: usize,
) -> Result<Options, Fail> {
    let b = budget(max_states, timeout)?;
    let engine: Engine = engine.parse().map_err(Report::new)?;
    Ok(Options {
        engine,
        max_states,
        timeout: b.timeout,
        max_depth,
    })
}

fn bad_input(py: Python<'_>, r: Report) -> PyErr {
    to_py(py, Fail::from(r))
}

/// Reads a model file: Boolean, or numeric with the weights file it names beside it.
#[pyfunction]
fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Model> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad_input(py, miette!("cannot read the model `{source}`: {e}")))?;
    let weights = if is_numeric(&text) {
        let file = weights_path(&source, &text).ok_or_else(|| {
            bad_input(
                py,
                miette!("the numeric model `{source}` names no weights file"),
            )
        })?;
        Some(std::fs::read(&file).map_err(|e| {
            bad_input(
                py,
                miette!("cannot read the weights file `{}`: {e}", file.display()),
            )
        })?)
    } else {
        None
    };
    load_text(py, &source, &text, weights.as_deref())
}

/// A model from its TOML text (and, for a numeric model, its safetensors bytes), named
/// `name` in messages and reports.
#[pyfunction]
#[pyo3(signature = (name, text, weights = None))]
fn load_text(py: Python<'_>, name: &str, text: &str, weights: Option<&[u8]>) -> PyResult<Model> {
    let inner = if is_numeric(text) {
        let bytes = weights.ok_or_else(|| {
            bad_input(
                py,
                miette!(
                    help = "pass the safetensors file's bytes as `weights`",
                    "the numeric model `{name}` needs its weights"
                ),
            )
        })?;
        Loaded::Numeric(load_numeric(name, text, bytes).map_err(|e| bad_input(py, e.into()))?)
    } else {
        Loaded::Boolean(
            ltlattn::model::boolean::load_with(name, text, ParseLimits::DEFAULT)
                .map_err(|e| bad_input(py, e.into()))?,
        )
    };
    Ok(Model {
        inner: Arc::new(inner),
        source: name.to_string(),
        text: text.to_string(),
        weights: weights
            .filter(|_| is_numeric(text))
            .map(|w| Arc::new(w.to_vec())),
    })
}

/// Parses a formula (grammar/formula.md).
#[pyfunction]
fn formula(py: Python<'_>, text: &str) -> PyResult<Formula> {
    let mut arena = Arena::new();
    let root = parse(&mut arena, text, "formula").map_err(|f| to_py(py, f))?;
    Ok(Formula {
        text: text.to_string(),
        ascii: print_budget().show(&arena, root, Syntax::Ascii),
        atoms: arena.atom_names(root),
    })
}

/// Compiles a Boolean model (its exact translation), as a report-ready failure.
fn compiled(m: &ltlattn::model::boolean::Model) -> Result<Compiled, Fail> {
    compile_boolean(m).map_err(Fail::from)
}

/// A numeric error with the help the command line adds to a NaN.
fn numeric_nan(m: &NumericModel, e: impl Into<Report> + std::fmt::Display, nan: bool) -> Fail {
    match (nan, beyond_range_help(m)) {
        (true, Some(help)) => Fail::from(miette!(help = help, "{e}")),
        _ => Fail::from(e.into()),
    }
}

/// `check`: does the model recognize exactly L(spec)?
#[pyfunction]
#[pyo3(signature = (model, spec, *, engine = "auto", max_states = 4_000_000, timeout = None, max_depth = 200))]
fn check(
    py: Python<'_>,
    model: &Model,
    spec: &Bound<'_, PyAny>,
    engine: &str,
    max_states: usize,
    timeout: Option<f64>,
    max_depth: usize,
) -> PyResult<String> {
    let Lang::Formula(spec) = lang(spec)? else {
        return Err(InputError::new_err(
            "the spec is a formula; equiv compares two models",
        ));
    };
    let inner = model.inner.clone();
    let engine = engine.to_string();
    work(py, move || {
        let mut arena = Arena::new();
        let spec = parse(&mut arena, &spec, "spec")?;
        let opts = options(&engine, max_states, timeout, max_depth)?;
        match &*inner {
            Loaded::Numeric(m) => {
                let r =
                    ltlattn::verdict::check_numeric_spec(m, &arena, spec, &opts).map_err(|e| {
                        let json = e.checked_up_to_length().map(|n| {
                            to_json(
                                "check",
                                &UndecidedReport::new(&e, n, architecture(m).name()),
                            )
                        });
                        Fail {
                            report: Report::new(e),
                            json,
                            parse: false,
                        }
                    })?;
                Ok(to_json(
                    "check",
                    &CheckReport::new(&r.verdict, architecture(m).name()),
                ))
            }
            Loaded::Boolean(m) => {
                let r = ltlattn::verdict::check_model(m, &arena, spec, &opts).map_err(|e| {
                    let json = match &e {
                        CheckError::Decide(d) if d.is_undecided() => {
                            Some(to_json("check", &NoAnswerReport::new(d)))
                        }
                        _ => None,
                    };
                    Fail {
                        report: Report::new(e),
                        json,
                        parse: false,
                    }
                })?;
                Ok(to_json(
                    "check",
                    &CheckReport::new(&r.verdict, r.compiled.fragment.name()),
                ))
            }
        }
    })
}

/// `equiv` / `includes`: two languages, formulas or models.
#[allow(clippy::too_many_arguments)]
fn compare(
    py: Python<'_>,
    question: Question,
    first: &Bound<'_, PyAny>,
    second: &Bound<'_, PyAny>,
    engine: &str,
    max_states: usize,
    timeout: Option<f64>,
    max_depth: usize,
    accept: &str,
    alphabet: Option<Vec<String>>,
    props: bool,
) -> PyResult<String> {
    let (l, r) = (lang(first)?, lang(second)?);
    let engine = engine.to_string();
    let accept = accept.to_string();
    let command = match question {
        Question::Equivalent => "equiv",
        Question::Included => "includes",
    };
    work(py, move || {
        let word = word_options(&accept, alphabet, props)?;
        let opts = options(&engine, max_states, timeout, max_depth)?;
        let mut arena = Arena::new();
        if let (Lang::Formula(a), Lang::Formula(b)) = (&l, &r) {
            let left = parse(&mut arena, a, "first formula")?;
            let right = parse(&mut arena, b, "second formula")?;
            let sigma = word.alphabet_within(&arena, &[left, right], usize::MAX)?;
            let v = verdict::decide(&arena, left, right, &sigma, word.accept, question, &opts)
                .map_err(|e| {
                    let json = e
                        .is_undecided()
                        .then(|| to_json(command, &NoAnswerReport::new(&e)));
                    Fail {
                        report: Report::new(e),
                        json,
                        parse: false,
                    }
                })?;
            let print = print_budget();
            let sh = print.shower(&arena);
            let report = CompareReport::new(
                &v,
                sh.show(left, Syntax::Ascii),
                sh.show(right, Syntax::Ascii),
            );
            return Ok(to_json(command, &report));
        }
        if engine == "z3" {
            return Err(Fail::from(miette!(
                help = "leave engine at auto or explicit; compile(model).to_dict() gives a Boolean model's formula for z3",
                "model and DFA operands are compared by the explicit engine"
            )));
        }
        // Both sides as the command line reads them (`equiv` with a model file).
        let mut compiled_sides: Vec<Option<Compiled>> = Vec::new();
        let mut roots: Vec<Option<NodeId>> = Vec::new();
        for (side, what) in [(&l, "first formula"), (&r, "second formula")] {
            match side {
                Lang::Formula(t) => {
                    roots.push(Some(parse(&mut arena, t, what)?));
                    compiled_sides.push(None);
                }
                Lang::Model(m, _) => {
                    roots.push(None);
                    compiled_sides.push(match &**m {
                        Loaded::Boolean(b) => Some(compiled(b)?),
                        Loaded::Numeric(_) => None,
                    });
                }
            }
        }
        let operand = |i: usize| -> Operand<'_> {
            let side = if i == 0 { &l } else { &r };
            match side {
                Lang::Formula(_) => Operand::Formula {
                    arena: &arena,
                    root: roots[i].expect("a formula side has a root"),
                    acceptance: word.accept,
                },
                Lang::Model(m, _) => match &**m {
                    Loaded::Boolean(model) => Operand::Model {
                        model,
                        compiled: compiled_sides[i].as_ref().expect("compiled above"),
                    },
                    Loaded::Numeric(model) => Operand::Numeric {
                        model,
                        compiled: None,
                    },
                },
            }
        };
        let (lo, ro) = (operand(0), operand(1));
        let fixed = lo
            .alphabet()
            .or_else(|| ro.alphabet())
            .expect("a model side fixes the alphabet");
        // The library's rule for a file operand's alphabet, as the command line applies it.
        let sigma = word.alphabet_of_file(fixed)?;
        let v = verdict::decide_operands(&lo, &ro, &sigma, question, &opts).map_err(|e| {
            let json = e.checked_up_to_length().map(|n| {
                let fragment = [&l, &r]
                    .into_iter()
                    .find_map(|x| match x {
                        Lang::Model(m, _) => match &**m {
                            Loaded::Numeric(m) => Some(architecture(m).name()),
                            Loaded::Boolean(_) => None,
                        },
                        Lang::Formula(_) => None,
                    })
                    .unwrap_or_default();
                to_json(command, &UndecidedReport::new(&e, n, fragment))
            });
            Fail {
                report: Report::new(e),
                json,
                parse: false,
            }
        })?;
        let print = print_budget();
        let describe = |i: usize| -> (Option<String>, Option<String>) {
            let side = if i == 0 { &l } else { &r };
            match side {
                Lang::Formula(_) => (
                    Some(print.show(
                        &arena,
                        roots[i].expect("a formula side has a root"),
                        Syntax::Ascii,
                    )),
                    None,
                ),
                Lang::Model(_, source) => (
                    compiled_sides[i]
                        .as_ref()
                        .map(|c| print.show(&c.arena, c.accept, Syntax::Ascii)),
                    Some(source.clone()),
                ),
            }
        };
        let mut report = CompareReport::new(&v, String::new(), String::new());
        (report.first.formula, report.first.source) = describe(0);
        (report.second.formula, report.second.source) = describe(1);
        Ok(to_json(command, &report))
    })
}

/// `equiv`: do the two languages agree on every word?
#[pyfunction]
#[pyo3(signature = (first, second, *, engine = "auto", max_states = 4_000_000, timeout = None, max_depth = 200, accept = "eos", alphabet = None, props = false))]
#[allow(clippy::too_many_arguments)]
fn equiv(
    py: Python<'_>,
    first: &Bound<'_, PyAny>,
    second: &Bound<'_, PyAny>,
    engine: &str,
    max_states: usize,
    timeout: Option<f64>,
    max_depth: usize,
    accept: &str,
    alphabet: Option<Vec<String>>,
    props: bool,
) -> PyResult<String> {
    compare(
        py,
        Question::Equivalent,
        first,
        second,
        engine,
        max_states,
        timeout,
        max_depth,
        accept,
        alphabet,
        props,
    )
}

/// `includes`: is L(first) ⊆ L(second)?
#[pyfunction]
#[pyo3(signature = (first, second, *, engine = "auto", max_states = 4_000_000, timeout = None, max_depth = 200, accept = "eos", alphabet = None, props = false))]
#[allow(clippy::too_many_arguments)]
fn includes(
    py: Python<'_>,
    first: &Bound<'_, PyAny>,
    second: &Bound<'_, PyAny>,
    engine: &str,
    max_states: usize,
    timeout: Option<f64>,
    max_depth: usize,
    accept: &str,
    alphabet: Option<Vec<String>>,
    props: bool,
) -> PyResult<String> {
    compare(
        py,
        Question::Included,
        first,
        second,
        engine,
        max_states,
        timeout,
        max_depth,
        accept,
        alphabet,
        props,
    )
}

/// `compile`: the formula each feature computes (Boolean) or the minimal DFA and a
/// formula (numeric). Returns the JSON and the command line's exit code.
#[pyfunction]
#[pyo3(signature = (model, *, max_states = 4_000_000, timeout = None))]
fn compile(
    py: Python<'_>,
    model: &Model,
    max_states: usize,
    timeout: Option<f64>,
) -> PyResult<(String, i32)> {
    let inner = model.inner.clone();
    let exit = std::sync::atomic::AtomicI32::new(0);
    let json = work(py, || {
        let budget = budget(max_states, timeout)?;
        let print = print_budget();
        match &*inner {
            Loaded::Numeric(m) => {
                let c = compile_numeric(m, &budget).map_err(|e| {
                    let nan = matches!(e, NumericCompileError::Nan(_));
                    numeric_nan(m, e, nan)
                })?;
                let answer = ltlattn::report::numeric::compile(m, &c, &budget, &print);
                exit.store(answer.exit().code(), std::sync::atomic::Ordering::Relaxed);
                Ok(to_json("compile", &answer.report))
            }
            Loaded::Boolean(m) => {
                let c = compiled(m)?;
                let drop_in = drop_in_checks(m, &c, &drop_in_budget(None))?;
                let short = short_formula(m, &c, &budget);
                let report = CompileReport::new(m, &c, drop_in, short, &print);
                Ok(to_json("compile", &report))
            }
        }
    })?;
    Ok((json, exit.into_inner()))
}

/// `run`: the model on a word (tokens separated by spaces).
#[pyfunction]
fn run(py: Python<'_>, model: &Model, word: &str) -> PyResult<String> {
    let inner = model.inner.clone();
    let word = word.to_string();
    work(py, move || match &*inner {
        Loaded::Numeric(m) => {
            let toks: Vec<String> = word.split_whitespace().map(String::from).collect();
            let t = run_numeric(m, &toks).map_err(|e| {
                let nan = matches!(e, RunError::Nan(_));
                numeric_nan(m, e, nan)
            })?;
            Ok(to_json("run", &NumericRunReport::new(&t)))
        }
        Loaded::Boolean(m) => {
            let toks = model_tokens(m, &word)?;
            let t = ltlattn::model::boolean::run(m, &toks).map_err(|e| miette!("{e}"))?;
            Ok(to_json("run", &RunReport::new(m, &t)))
        }
    })
}

/// The language of a classify or sample call, made ready by the library, and its name
/// in the report.
fn language(
    l: &Lang,
    word: &WordOptions,
    budget: &Budget,
    print: &PrintBudget,
    what: &str,
) -> Result<ltlattn::fragment::language::Language, Fail> {
    if word.props {
        return Err(Fail::from(miette!(
            "{what} works with letter alphabets (the architectures read tokens), not props"
        )));
    }
    let source = match l {
        Lang::Model(m, _) => {
            if word.alphabet.is_some() {
                return Err(Fail::from(miette!(
                    help = "models fix the alphabet; drop alphabet",
                    "a model's alphabet is its own"
                )));
            }
            match &**m {
                Loaded::Numeric(m) => {
                    return Ok(language_of(LanguageSource::Numeric(m), budget, print)?)
                }
                Loaded::Boolean(m) => {
                    return Ok(language_of(LanguageSource::Model(m), budget, print)?)
                }
            }
        }
        Lang::Formula(text) => {
            let mut arena = Arena::new();
            let root = parse(&mut arena, text, "formula")?;
            let alphabet = word.alphabet(&arena, &[root])?;
            LanguageSource::Formula {
                arena,
                root,
                alphabet,
                acceptance: word.accept,
            }
        }
    };
    Ok(language_of(source, budget, print)?)
}

/// `classify`: which architectures can recognize the language, with certificates.
#[pyfunction]
#[pyo3(signature = (language, *, depth = 3, window = None, max_states = 4_000_000, timeout = None, accept = "eos", alphabet = None, props = false))]
#[allow(clippy::too_many_arguments)]
fn classify(
    py: Python<'_>,
    language: &Bound<'_, PyAny>,
    depth: usize,
    window: Option<u32>,
    max_states: usize,
    timeout: Option<f64>,
    accept: &str,
    alphabet: Option<Vec<String>>,
    props: bool,
) -> PyResult<String> {
    let l = lang(language)?;
    if let Some(k) = window {
        if !(2..=64).contains(&k) {
            return Err(InputError::new_err(format!(
                "window must be between 2 and 64, not {k}"
            )));
        }
    }
    let accept = accept.to_string();
    work(py, move || {
        let word = word_options(&accept, alphabet, props)?;
        let budget = budget(max_states, timeout)?;
        let print = print_budget();
        let lang = self::language(&l, &word, &budget, &print, "classify")?;
        let name = match &l {
            Lang::Model(m, source) => match &**m {
                Loaded::Numeric(_) => format!("the numeric model {source}"),
                Loaded::Boolean(_) => format!(
                    "the model {source}: {}",
                    lang.shown.as_deref().unwrap_or_default()
                ),
            },
            Lang::Formula(_) => lang.shown.clone().unwrap_or_default(),
        };
        let limits = Limits {
            depth: depth.min(6),
            max_printed: ParseLimits::DEFAULT.max_size as u64,
            ..Limits::default()
        };
        let c = classify_windowed(&lang.dfa, &limits, lang.given(), window);
        Ok(to_json("classify", &ClassifyReport::new(name, &c)))
    })
}

/// `sample --positive/--negative`: `count` words of length `length`, exactly uniform
/// and independent, from the language (or its complement); the seed used is returned.
#[pyfunction]
#[pyo3(signature = (language, *, length, count, seed = None, negative = false, max_table_bytes = 4u64 << 30, max_states = 4_000_000, timeout = None, accept = "eos", alphabet = None))]
#[allow(clippy::too_many_arguments)]
fn sample(
    py: Python<'_>,
    language: &Bound<'_, PyAny>,
    length: usize,
    count: usize,
    seed: Option<u64>,
    negative: bool,
    max_table_bytes: u64,
    max_states: usize,
    timeout: Option<f64>,
    accept: &str,
    alphabet: Option<Vec<String>>,
) -> PyResult<(Vec<Vec<String>>, u64)> {
    let l = lang(language)?;
    let accept = accept.to_string();
    let seed = seed.unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        now ^ (std::process::id() as u64).rotate_left(32)
    });
    let words = std::sync::Mutex::new(Vec::new());
    work(py, || {
        let word = word_options(&accept, alphabet, false)?;
        let budget = budget(max_states, timeout)?;
        let print = print_budget();
        let dfa = self::language(&l, &word, &budget, &print, "sample")?.dfa;
        let bytes = Sampler::estimated_bytes(dfa.states(), dfa.letters(), length);
        if bytes > u128::from(max_table_bytes) {
            return Err(Fail::from(miette!(
                help = "shorter lengths, a language with a smaller minimal DFA, or a larger max_table_bytes",
                "counting the words up to length {length} for a {}-state DFA takes about {} MiB, more than max_table_bytes ({} MiB)",
                dfa.states(),
                bytes >> 20,
                max_table_bytes >> 20
            )));
        }
        let s = if negative {
            Sampler::complement(&dfa, length)
        } else {
            Sampler::new(&dfa, length)
        };
        if s.count(length) == &Default::default() {
            return Err(Fail::from(miette!(
                "the {} has no word of length {length}",
                if negative { "complement" } else { "language" }
            )));
        }
        let names = dfa.alphabet().atoms().to_vec();
        let mut rng = Rng::new(seed);
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            if ltlattn::cancel::cancelled() {
                return Err(Fail::from(miette!("cancelled")));
            }
            let w = s.uniform(length, &mut rng).expect("a word");
            out.push(w.iter().map(|&x| names[x as usize].clone()).collect());
        }
        *words.lock().unwrap_or_else(|e| e.into_inner()) = out;
        Ok(String::new())
    })?;
    Ok((words.into_inner().unwrap_or_else(|e| e.into_inner()), seed))
}

/// The version of the ltlattn library this module was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _ltlattn(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("LtlattnError", py.get_type::<LtlattnError>())?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("BudgetExceeded", py.get_type::<BudgetExceeded>())?;
    m.add("DEFAULT_MAX_STATES", DEFAULT_MAX_STATES)?;
    m.add_class::<Model>()?;
    m.add_class::<Formula>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(load_text, m)?)?;
    m.add_function(wrap_pyfunction!(formula, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(equiv, m)?)?;
    m.add_function(wrap_pyfunction!(includes, m)?)?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(classify, m)?)?;
    m.add_function(wrap_pyfunction!(sample, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
