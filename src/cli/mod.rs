//! The command line: clap definitions, input handling and rendering. The binary's
//! `main` calls [`run`]; everything here is a thin layer over the library.

/// `println!` that ends the process quietly when stdout is closed (`ltlattn … | head`)
/// instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::io::write_line(format_args!($($arg)*)) };
}

mod attention;
mod check;
mod classify;
mod explain;
mod io;
mod model;
mod numeric;
mod sample;

pub(crate) use io::{read_bytes, read_input, show, shower};
pub(crate) use ltlattn::diag::Plain;

use clap::{Args, Parser, Subcommand};
use miette::{NamedSource, Report};

use ltlattn::diag::excerpt;
use ltlattn::front::WordOptions;
use ltlattn::logic::{evaluate, parse_with, Acceptance, Arena, NodeId, ParseLimits, Syntax};
use ltlattn::report::{to_json, EvalReport, FmtItem, FmtReport};

/// What a command answered, and the exit code it implies (the library's).
pub(crate) use ltlattn::front::Exit;

#[derive(Parser, Debug)]
#[command(
    name = "ltlattn",
    version,
    about = "Fixed-precision transformers as past-time temporal logic: compile, check, classify",
    after_help = "Exit codes: 0 yes/holds, 1 no/does not hold, 2 error.\nFormula syntax: grammar/formula.md."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    limits: Limits,
}

/// Limits and output options that hold for every command.
#[derive(Args, Debug)]
struct Limits {
    /// Most operators and parentheses open at once in a formula (exit 2 beyond).
    #[arg(long, global = true, value_name = "N", default_value_t = ParseLimits::DEFAULT.max_nesting)]
    max_nesting: usize,
    /// Most tokens in a formula read, and most nodes (as a tree) in all formulas printed
    /// by one command (exit 2 beyond).
    #[arg(long, global = true, value_name = "N", default_value_t = ParseLimits::DEFAULT.max_size)]
    max_formula_size: usize,
    /// Most bytes in one input file or stdin (exit 2 beyond).
    #[arg(long, global = true, value_name = "N", default_value_t = io::DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: usize,
    /// Write the output to FILE, whole or not at all (never over an input), instead of stdout.
    #[arg(short, long, global = true, value_name = "FILE")]
    output: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Re-print formulas (arguments, or one per line on stdin) in a chosen syntax.
    Fmt(FmtArgs),
    /// Decide whether a word is in the language of a formula.
    Eval(EvalArgs),
    /// Show the truth of every subformula at every position (a teaching view).
    Explain(ExplainArgs),
    /// Print the minimal DFA of a formula (text, --dot or --json).
    Dfa(check::DfaArgs),
    /// Decide whether two formulas define the same language; shortest counterexample if not.
    Equiv(check::CompareArgs),
    /// Decide whether L(FIRST) ⊆ L(SECOND); shortest counterexample if not.
    Includes(check::CompareArgs),
    /// Compile a transformer description (model.toml) into past LTL, feature by feature.
    Compile(model::CompileArgs),
    /// Run a model on a word with the reference executor.
    Run(model::RunArgs),
    /// Check that a model recognizes exactly the language of a formula.
    Check(model::CheckArgs),
    /// Write a model.toml that recognizes a formula's language.
    Realize(model::RealizeArgs),
    /// Which architectures can recognize a language, with certificates for yes and no.
    Classify(classify::ClassifyArgs),
    /// Prove that a language is outside a class (or give the formula inside it).
    Separate(classify::SeparateArgs),
    /// An attention pattern's exact supports: z3 proof of full attention (or a
    /// counterexample), cost per query and in total, growth, and a mask picture.
    Attention(attention::AttentionArgs),
    /// Exactly uniform words of a language; datasets in FLaRe's layout.
    Sample(sample::SampleArgs),
    /// The web page for courses and its JSON API, on http://127.0.0.1:8080 by default.
    #[cfg(feature = "serve")]
    Serve(crate::serve::ServeArgs),
}

#[derive(Args, Debug)]
struct FmtArgs {
    /// Formulas to print; read one per line from stdin when none is given.
    formulas: Vec<String>,
    /// Print with Unicode symbols (¬ ∧ ∨ → ↔ ⊤ ⊥ ⊣ Y≤k).
    #[arg(long, conflicts_with = "latex")]
    unicode: bool,
    /// Print as math-mode LaTeX.
    #[arg(long)]
    latex: bool,
    /// Print JSON: `{"formulas": [{"input", "formula", "error"}]}` (formulas in the chosen syntax).
    #[arg(long)]
    json: bool,
}

/// Options shared by every command that reads words.
#[derive(Args, Debug, Clone)]
pub(crate) struct WordOpts {
    /// Where a word is judged: `eos` (at the end marker, default) or `last` (last position).
    #[arg(long, default_value = "eos", value_name = "eos|last")]
    accept: Acceptance,
    /// The alphabet, comma-separated (default: the formula's atoms).
    #[arg(long, value_delimiter = ',', value_name = "a,b,c")]
    alphabet: Option<Vec<String>>,
    /// Proposition semantics: each position is a set of atoms, written `{p,q}`.
    #[arg(long)]
    props: bool,
}

impl WordOpts {
    /// The library's word options: these, with the alphabet the `@FILE` formulas read so
    /// far declared (call it after reading them).
    pub(crate) fn options(&self) -> WordOptions {
        WordOptions {
            accept: self.accept,
            alphabet: self.alphabet.clone(),
            props: self.props,
            file_alphabet: io::file_alphabet(),
        }
    }
}

#[derive(Args, Debug)]
struct EvalArgs {
    /// The formula (or @FILE).
    formula: String,
    /// The word: tokens separated by spaces; "" is the empty word.
    #[arg(long, allow_hyphen_values = true)]
    word: String,
    #[command(flatten)]
    opts: WordOpts,
    /// Print `{"command": "eval", "holds": true|false, "accepted": …}`.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// The formula (or @FILE).
    formula: String,
    /// The word: tokens separated by spaces; "" is the empty word.
    #[arg(long, allow_hyphen_values = true)]
    word: String,
    #[command(flatten)]
    opts: WordOpts,
    /// Write the table as a LaTeX tabular.
    #[arg(long, conflicts_with_all = ["json", "unicode"])]
    latex: bool,
    /// Label rows with Unicode formulas.
    #[arg(long)]
    unicode: bool,
    /// Print the table as JSON.
    #[arg(long)]
    json: bool,
}

/// Parses `text` into `arena`, turning a syntax error into a report that shows the span.
pub(crate) fn parse_formula(
    arena: &mut Arena,
    text: &str,
    source_name: &str,
    limits: ParseLimits,
) -> Result<NodeId, Report> {
    parse_with(arena, text, limits).map_err(|mut e| {
        let (source, span) = excerpt(text, e.span.clone());
        e.span = span;
        Report::new(e).with_source_code(NamedSource::new(source_name, source))
    })
}

/// A formula argument: the formula itself, or `@FILE` to read it from a file, where
/// lines starting with `#` are comments.
pub(crate) fn formula_arg(
    arena: &mut Arena,
    arg: &str,
    what: &str,
    limits: ParseLimits,
) -> Result<NodeId, Report> {
    let Some(path) = arg.strip_prefix('@') else {
        return parse_formula(arena, arg, what, limits);
    };
    let text = read_input(path, &format!("{what} file"))?;
    io::declare_file_alphabet(&text);
    // Comment lines become blanks of the same length, so spans still point into the file.
    let blanked: String = text
        .split_inclusive('\n')
        .map(|l| {
            if l.trim_start().starts_with('#') {
                l.chars().map(|c| if c == '\n' { c } else { ' ' }).collect()
            } else {
                l.to_string()
            }
        })
        .collect();
    parse_with(arena, &blanked, limits).map_err(|mut e| {
        let (source, span) = excerpt(&text, e.span.clone());
        e.span = span;
        Report::new(e).with_source_code(NamedSource::new(path, source))
    })
}

pub(crate) fn syntax_of(unicode: bool, latex: bool) -> Syntax {
    if latex {
        Syntax::Latex
    } else if unicode {
        Syntax::Unicode
    } else {
        Syntax::Ascii
    }
}

fn fmt(args: FmtArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let syntax = syntax_of(args.unicode, args.latex);
    let inputs: Vec<(String, String)> = if args.formulas.is_empty() {
        let text = read_input("-", "formulas")?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (format!("stdin:{}", i + 1), l.to_string()))
            .collect()
    } else {
        args.formulas
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("argument {}", i + 1), f.clone()))
            .collect()
    };
    let mut exit = Exit::Yes;
    let mut arena = Arena::new();
    let mut items = Vec::new();
    for (name, text) in inputs {
        let item = match formula_arg(&mut arena, &text, &name, limits) {
            Ok(root) => {
                let shown = show(&arena, root, syntax);
                if !args.json {
                    outln!("{shown}");
                }
                FmtItem {
                    input: name,
                    formula: Some(shown),
                    error: None,
                }
            }
            Err(report) => {
                eprintln!("{report:?}");
                exit = Exit::Error;
                FmtItem {
                    input: name,
                    formula: None,
                    error: Some(report.to_string()),
                }
            }
        };
        items.push(item);
    }
    if args.json {
        outln!("{}", to_json("fmt", &FmtReport::new(items)));
    }
    Ok(exit)
}

fn eval(args: EvalArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let mut arena = Arena::new();
    let root = formula_arg(&mut arena, &args.formula, "formula", limits)?;
    let word = args.opts.options().read_word(&args.word, &arena, root)?;
    let accepted = evaluate(&arena, root, &word, args.opts.accept);
    if args.json {
        outln!("{}", to_json("eval", &EvalReport::new(accepted)));
    } else {
        outln!("{}", if accepted { "accepted" } else { "rejected" });
    }
    Ok(accepted.into())
}

/// Runs the command line; returns the exit code, or the error to report (exit 2).
pub(crate) fn run(cli: Cli) -> Result<i32, Report> {
    let l = &cli.limits;
    let limits = ParseLimits {
        max_nesting: l.max_nesting,
        max_size: l.max_formula_size,
    };
    io::configure(
        l.max_input_bytes,
        l.max_formula_size as u64,
        l.output.is_some(),
    );
    #[cfg(feature = "serve")]
    if matches!(cli.command, Command::Serve(_)) && l.output.is_some() {
        // The server prints its address as it starts and then answers over HTTP:
        // there is no output to write whole at the end.
        return Err(miette::miette!(
            help = "drop --output: `serve` prints `listening on http://…` to stdout as it starts (redirect stdout to keep it)",
            "--output does not apply to `serve`"
        ));
    }
    let exit = run_command(cli.command, limits)?;
    io::finish(cli.limits.output.as_deref(), exit.code())
}

fn run_command(command: Command, limits: ParseLimits) -> Result<Exit, Report> {
    use ltlattn::engine::layout::Question;
    match command {
        Command::Fmt(a) => fmt(a, limits),
        Command::Dfa(a) => check::dfa(a, limits),
        Command::Compile(a) => model::compile_cmd(a, limits),
        Command::Run(a) => model::run_cmd(a, limits),
        Command::Check(a) => model::check_cmd(a, limits),
        Command::Realize(a) => model::realize_cmd(a, limits),
        Command::Classify(a) => classify::classify_cmd(a, limits),
        Command::Separate(a) => classify::separate_cmd(a, limits),
        Command::Attention(a) => attention::attention_cmd(a),
        Command::Equiv(a) => check::compare_cmd(a, Question::Equivalent, limits),
        Command::Includes(a) => check::compare_cmd(a, Question::Included, limits),
        Command::Sample(a) => sample::sample_cmd(a, limits),
        #[cfg(feature = "serve")]
        Command::Serve(a) => crate::serve::serve_cmd(a, limits),
        Command::Eval(a) => eval(a, limits),
        Command::Explain(a) => {
            let mut arena = Arena::new();
            let root = formula_arg(&mut arena, &a.formula, "formula", limits)?;
            let word = a.opts.options().read_word(&a.word, &arena, root)?;
            let style = if a.json {
                explain::Style::Json
            } else if a.latex {
                explain::Style::Latex
            } else {
                explain::Style::Text(syntax_of(a.unicode, false))
            };
            explain::explain(&arena, root, &word, a.opts.accept, style)
        }
    }
}
