//! `sample`: exactly uniform words of a language, and FLaRe-layout datasets (the
//! library's `sample` module draws and writes; this reads the options and shows
//! progress).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::Report;

use super::check::{load_operand, operand, BudgetOpts};
use super::{Exit, WordOpts};
use ltlattn::automata::Dfa;
use ltlattn::logic::{Arena, ParseLimits};
use ltlattn::sample::{
    check_writable, words, write_dataset, DatasetFormat, DatasetProgress, DatasetShape, Rng,
    SampleError, MAX_LENGTH,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// FLaRe's files: `main.tok`, `labels.txt`, `num-edits.txt` per split.
    Flare,
    /// One `main.jsonl` per split: `{"tokens", "label", "length", "num_edits", "origin"}`.
    Jsonl,
}

#[derive(Args, Debug)]
pub(crate) struct SampleArgs {
    /// The language: a formula (or @FILE), a model (`*.toml`, Boolean or numeric) or a DFA
    /// file (`*.dfa`).
    language: String,
    #[command(flatten)]
    opts: WordOpts,
    /// Write FLaRe's split tree into this directory (training split in it, the others
    /// under `datasets/`).
    #[arg(long, value_name = "DIR", required_unless_present_any = ["positive", "negative"])]
    out: Option<PathBuf>,
    /// The random seed (default: drawn from the clock and reported, so the run can be
    /// repeated with --seed).
    #[arg(long)]
    seed: Option<u64>,
    /// File format of the splits.
    #[arg(long, value_enum, default_value = "flare")]
    format: Format,
    /// Print --count words of the language of length --length, uniform and independent.
    #[arg(long, conflicts_with_all = ["negative", "out"], requires_all = ["length", "count"])]
    positive: bool,
    /// Likewise for the complement.
    #[arg(long, conflicts_with = "out", requires_all = ["length", "count"])]
    negative: bool,
    /// The length of --positive / --negative words.
    #[arg(long)]
    length: Option<usize>,
    /// How many --positive / --negative words.
    #[arg(long)]
    count: Option<usize>,
    /// Examples in the training split (FLaRe: 10,000).
    #[arg(long, default_value_t = 10_000)]
    train: usize,
    /// Examples in validation-short (FLaRe: 1,000).
    #[arg(long, default_value_t = 1_000)]
    validation_short: usize,
    /// Examples in validation-long (FLaRe: 1,000).
    #[arg(long, default_value_t = 1_000)]
    validation_long: usize,
    /// Examples in test (FLaRe: 5,010).
    #[arg(long, default_value_t = 5_010)]
    test: usize,
    /// Examples in test-short-held-out (FLaRe: 1,000).
    #[arg(long, default_value_t = 1_000)]
    held_out: usize,
    /// Lengths of training, validation-short and test-short-held-out (FLaRe: 0-40).
    #[arg(long, default_value = "0-40", value_parser = parse_range)]
    short_lengths: (usize, usize),
    /// Lengths of validation-long (FLaRe: 0-80).
    #[arg(long, default_value = "0-80", value_parser = parse_range)]
    long_lengths: (usize, usize),
    /// Lengths of test (FLaRe: 0-500).
    #[arg(long, default_value = "0-500", value_parser = parse_range)]
    test_lengths: (usize, usize),
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    budget: BudgetOpts,
}

fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("`{s}` is not a range like 0-40"))?;
    let a: usize = a
        .trim()
        .parse()
        .map_err(|_| format!("`{a}` is not a length"))?;
    let b: usize = b
        .trim()
        .parse()
        .map_err(|_| format!("`{b}` is not a length"))?;
    if a > b {
        return Err(format!("the range {a}-{b} is empty"));
    }
    if b > MAX_LENGTH {
        return Err(format!("lengths go up to {MAX_LENGTH}"));
    }
    Ok((a, b))
}

/// The language's minimal DFA over a letter alphabet.
fn language_dfa(a: &SampleArgs, limits: ParseLimits) -> Result<Dfa, Report> {
    if a.opts.props {
        return Err(SampleError::Props.into());
    }
    let budget = a.budget.budget()?;
    let mut arena = Arena::new();
    let (loaded, _) = load_operand(&mut arena, &a.language, "language", limits)?;
    let op = operand(&loaded, &arena, a.opts.accept);
    let sigma = match op.alphabet() {
        Some(fixed) => a.opts.options().alphabet_of_file(fixed)?,
        None => {
            let ltlattn::verdict::Operand::Formula { root, .. } = op else {
                unreachable!("only formulas leave the alphabet open")
            };
            a.opts.options().alphabet(&arena, &[root])?
        }
    };
    check_writable(&sigma)?;
    op.minimal_dfa(&sigma, &budget).map_err(Report::new)
}

pub(crate) fn sample_cmd(a: SampleArgs, limits: ParseLimits) -> Result<Exit, Report> {
    let dfa = language_dfa(&a, limits)?;
    let seed = a.seed.unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        now ^ (std::process::id() as u64).rotate_left(32)
    });
    let show = |w: &[u32]| dfa.alphabet().show_word(w);
    if a.positive || a.negative {
        let (n, m) = (a.length.unwrap_or(0), a.count.unwrap_or(0));
        let mut rng = Rng::new(seed);
        let drawn = words(&dfa, n, m, a.positive, &mut rng)?;
        // Through `outln!`, so that `-o FILE` gets the words (it collects the output and
        // writes it whole); in chunks of lines, so that stdout is not flushed per word.
        let mut chunk: Vec<String> = Vec::new();
        for (i, w) in drawn.enumerate() {
            chunk.push(show(&w));
            if (i + 1) % 4096 == 0 || i + 1 == m {
                outln!("{}", chunk.join("\n"));
                chunk.clear();
            }
        }
        if a.seed.is_none() {
            eprintln!("seed {seed} (repeat with --seed {seed})");
        }
        return Ok(Exit::Yes);
    }
    let out_dir = a.out.clone().expect("clap requires --out");
    let shape = DatasetShape {
        train: a.train,
        validation_short: a.validation_short,
        validation_long: a.validation_long,
        test: a.test,
        held_out: a.held_out,
        short_lengths: a.short_lengths,
        long_lengths: a.long_lengths,
        test_lengths: a.test_lengths,
    };
    let format = match a.format {
        Format::Flare => DatasetFormat::Flare,
        Format::Jsonl => DatasetFormat::Jsonl,
    };
    let bar = if a.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg:28} {wide_bar} {pos}/{len} ({eta})")
                .expect("a valid template"),
        );
        b
    };
    let written = write_dataset(
        &dfa,
        &a.language,
        &shape,
        seed,
        format,
        &out_dir,
        &mut |p| match p {
            DatasetProgress::Total(n) => bar.set_length(n as u64),
            DatasetProgress::Split(name) => bar.set_message(name.to_string()),
            DatasetProgress::Drawn(n) => bar.set_position(n as u64),
            DatasetProgress::Failed(name, e) => {
                bar.suspend(|| eprintln!("warning: split {name} not written: {e}"))
            }
        },
    );
    bar.finish_and_clear();
    let written = written?;
    eprintln!(
        "wrote {} examples to {} (seed {seed}{})",
        written.examples,
        out_dir.display(),
        if a.seed.is_none() {
            format!("; repeat with --seed {seed}")
        } else {
            String::new()
        }
    );
    Ok(if written.training_failed {
        Exit::Error
    } else {
        Exit::Yes
    })
}
