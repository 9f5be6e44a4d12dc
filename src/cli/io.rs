//! Input and output under the process's limits: inputs are read under a byte cap and
//! remembered, output goes to stdout or is collected and written whole to `--output`
//! (never over an input), and printed formulas share one size budget, so that a small
//! DAG that unfolds into an astronomically large tree cannot flood the terminal.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

use miette::{miette, LabeledSpan, NamedSource, Report};

use ltlattn::automata::{parse_dfa, Dfa};
use ltlattn::logic::{Arena, NodeId, PrintBudget, Shower, Syntax};

/// The default cap on one input file (or stdin): 64 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 64 << 20;

static MAX_INPUT_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_INPUT_BYTES);
/// The command's print budget (`--max-formula-size` nodes in all): one for the process,
/// passed to the library functions that print formulas.
static PRINT: PrintBudget = PrintBudget::new(0);
static INPUTS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// `Some` while output is collected for `--output`.
static COLLECT: Mutex<Option<Vec<u8>>> = Mutex::new(None);
/// The tokens `# alphabet:` header lines of `@FILE` formulas declared, in order, each
/// once: the alphabet when `--alphabet` is absent.
static FILE_ALPHABET: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers the tokens of an `@FILE`'s `# alphabet: a,b,c` header lines.
pub(crate) fn declare_file_alphabet(text: &str) {
    let mut known = FILE_ALPHABET.lock().unwrap_or_else(|e| e.into_inner());
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(list) = rest.trim_start().strip_prefix("alphabet:") else {
            continue;
        };
        for tok in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if !known.iter().any(|k| k == tok) {
                known.push(tok.to_string());
            }
        }
    }
}

/// The alphabet `@FILE` headers declared, if any.
pub(crate) fn file_alphabet() -> Option<Vec<String>> {
    let known = FILE_ALPHABET.lock().unwrap_or_else(|e| e.into_inner());
    (!known.is_empty()).then(|| known.clone())
}

/// Sets the limits for the rest of the process.
pub(crate) fn configure(max_input_bytes: usize, max_printed_nodes: u64, collect: bool) {
    MAX_INPUT_BYTES.store(max_input_bytes, Relaxed);
    PRINT.reset(max_printed_nodes);
    if collect {
        *COLLECT.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
    }
}

/// The process's print budget, for the library functions that print formulas.
pub(crate) fn print_budget() -> &'static PrintBudget {
    &PRINT
}

/// Writes one line of output: to the `--output` buffer, or to stdout, ending the process
/// quietly when stdout is closed (`ltlattn … | head`) instead of panicking.
pub(crate) fn write_line(args: std::fmt::Arguments) {
    {
        let mut collect = COLLECT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(buf) = collect.as_mut() {
            let _ = buf.write_fmt(args);
            buf.push(b'\n');
            return;
        }
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|_| out.write_all(b"\n")) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the output: {e}");
        }
        std::process::exit(super::Exit::Error.code());
    }
}

/// Reads an input file (`-` is stdin) as UTF-8 text under the byte cap, and remembers
/// it so that `--output` never overwrites it.
pub(crate) fn read_input(path: &str, what: &str) -> Result<String, Report> {
    let bytes = read_bytes(path, what)?;
    String::from_utf8(bytes).map_err(|e| {
        miette!(
            help = format!("the {what} must be UTF-8 text"),
            "the {what} `{path}` is not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A DFA file (grammar/dfa.md), with a diagnostic pointing into it when it is malformed.
pub(crate) fn read_dfa_file(path: &str) -> Result<Dfa, Report> {
    let text = read_input(path, "DFA file")?;
    parse_dfa(&text).map_err(|e| {
        let (source, span) = ltlattn::diag::excerpt(&text, e.span.clone());
        miette!(
            labels = vec![LabeledSpan::at(span, "here")],
            help = "see grammar/dfa.md for the format",
            "{}",
            e.message
        )
        .with_source_code(NamedSource::new(path, source))
    })
}

/// Reads an input file (`-` is stdin) as bytes under the byte cap, and remembers it so
/// that `--output` never overwrites it.
pub(crate) fn read_bytes(path: &str, what: &str) -> Result<Vec<u8>, Report> {
    let cap = MAX_INPUT_BYTES.load(Relaxed);
    let mut bytes = Vec::new();
    let too_big = || {
        miette!(
            help = "raise the limit with --max-input-bytes N",
            "the {what} `{path}` is larger than the input limit of {cap} bytes"
        )
    };
    if path == "-" {
        std::io::stdin()
            .lock()
            .take(cap as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| miette!("cannot read the {what} from stdin: {e}"))?;
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| miette!("cannot read the {what} `{path}`: {e}"))?;
        if let Ok(meta) = file.metadata() {
            if meta.is_dir() {
                return Err(miette!("the {what} `{path}` is a directory, not a file"));
            }
            if meta.len() > cap as u64 {
                return Err(too_big());
            }
        }
        file.take(cap as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| miette!("cannot read the {what} `{path}`: {e}"))?;
        if let Ok(canon) = std::fs::canonicalize(path) {
            INPUTS.lock().unwrap_or_else(|e| e.into_inner()).push(canon);
        }
    }
    if bytes.len() > cap {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Prints formulas of `arena` within the process's print budget: a formula over the
/// remaining budget is replaced by a note, and the command ends with exit 2 (see
/// [`finish`]).
pub(crate) fn shower(arena: &Arena) -> Shower<'_> {
    PRINT.shower(arena)
}

/// Prints one formula within the print budget (work proportional to its DAG, not to
/// the arena's).
pub(crate) fn show(arena: &Arena, root: NodeId, syntax: Syntax) -> String {
    PRINT.show(arena, root, syntax)
}

/// Ends a command: writes the collected output to `--output` whole (never over an input,
/// and not at all when the command ended in an error)
/// and turns a cut print budget into exit 2 with its message (then nothing is written).
pub(crate) fn finish(output: Option<&str>, code: i32) -> Result<i32, Report> {
    if let Some(limit) = PRINT.cut() {
        return Err(miette!(
            help = "raise the limit with --max-formula-size N (nodes), or use a smaller model",
            "some formulas were not printed: together they exceed the print limit of {limit} nodes"
        ));
    }
    if let Some(path) = output.filter(|_| code != super::Exit::Error.code()) {
        let text = COLLECT
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default();
        if let Ok(canon) = std::fs::canonicalize(path) {
            let inputs = INPUTS.lock().unwrap_or_else(|e| e.into_inner());
            if inputs.contains(&canon) {
                return Err(miette!(
                    help = "choose another --output file",
                    "refusing to write the output over the input `{path}`"
                ));
            }
        }
        write_whole(path, &text)?;
    }
    Ok(code)
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it, then a rename.
pub(crate) fn write_whole(path: &str, text: &[u8]) -> Result<(), Report> {
    let target = std::path::Path::new(path);
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.ltlattn-tmp-{}",
        target.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    std::fs::write(&tmp, text).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        miette!("cannot write `{}`: {e}", tmp.display())
    })?;
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        miette!("cannot write `{path}`: {e}")
    })
}
