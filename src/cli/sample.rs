//! `sample`: exactly uniform words of a language, and FLaRe-layout datasets
//! (the library's `sample` module does the drawing; this writes files).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use miette::{miette, IntoDiagnostic, Report};

use super::check::{load_operand, operand, BudgetOpts};
use super::{Exit, WordOpts};
use ltlattn::automata::{Alphabet, Dfa};
use ltlattn::logic::{Arena, ParseLimits};
use ltlattn::sample::{
    draw_split, flare_splits, DatasetFormat, Example, ExampleLine, Rng, SampleManifest, Sampler,
    SplitManifest, SplitSpec,
};

/// Longest length `sample` counts words to (the counts take length × states big integers).
const MAX_LENGTH: usize = 100_000;
/// Largest count table `sample` builds (see `Sampler::estimated_bytes`).
const MAX_TABLE_BYTES: u128 = 4 << 30;

/// Refuses a count table that would not fit, before building it.
fn check_table(dfa: &Dfa, max_len: usize) -> Result<(), Report> {
    let bytes = Sampler::estimated_bytes(dfa.states(), dfa.letters(), max_len);
    if bytes > MAX_TABLE_BYTES {
        return Err(miette!(
            help = "shorter lengths, or a language with a smaller minimal DFA",
            "counting the words up to length {max_len} for a {}-state DFA takes about {} MiB, more than the {} MiB sample allows",
            dfa.states(),
            bytes >> 20,
            MAX_TABLE_BYTES >> 20
        ));
    }
    Ok(())
}

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
        return Err(miette!(
            help = "give the letters with --alphabet a,b,…",
            "sample writes token strings: it works with letter alphabets, not --props"
        ));
    }
    let budget = a.budget.budget()?;
    let mut arena = Arena::new();
    let (loaded, _) = load_operand(&mut arena, &a.language, "language", limits)?;
    let op = operand(&loaded, &arena, a.opts.accept);
    let sigma = match op.alphabet() {
        Some(fixed) => {
            if let Some(names) = a.opts.options().given_alphabet()? {
                if names != fixed.atoms() {
                    return Err(miette!(
                        "--alphabet {} differs from the file's alphabet {{{}}}",
                        names.join(","),
                        fixed.atoms().join(", ")
                    ));
                }
            }
            fixed
        }
        None => {
            let ltlattn::verdict::Operand::Formula { root, .. } = op else {
                unreachable!("only formulas leave the alphabet open")
            };
            a.opts.options().alphabet(&arena, &[root])?
        }
    };
    if let Alphabet::Tokens(t) = &sigma {
        if let Some(bad) = t
            .iter()
            .find(|t| t.chars().any(char::is_whitespace) || t.is_empty())
        {
            return Err(miette!(
                "the token `{bad}` cannot be written to a space-separated file"
            ));
        }
    }
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
    let mut rng = Rng::new(seed);
    let names: Vec<String> = dfa.alphabet().atoms().to_vec();
    let show = |w: &[u32]| {
        w.iter()
            .map(|&l| names[l as usize].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    if a.positive || a.negative {
        let (n, m) = (a.length.unwrap_or(0), a.count.unwrap_or(0));
        if n > MAX_LENGTH {
            return Err(miette!("--length goes up to {MAX_LENGTH}"));
        }
        check_table(&dfa, n)?;
        let s = if a.positive {
            Sampler::new(&dfa, n)
        } else {
            Sampler::complement(&dfa, n)
        };
        if s.count(n) == &num_bigint::BigUint::default() {
            return Err(miette!(
                "the {} has no word of length {n}",
                if a.positive { "language" } else { "complement" }
            ));
        }
        // Through `outln!`, so that `-o FILE` gets the words (it collects the output and
        // writes it whole); in chunks of lines, so that stdout is not flushed per word.
        let mut chunk: Vec<String> = Vec::new();
        for i in 0..m {
            let w = s.uniform(n, &mut rng).expect("a word");
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
    let mut specs = flare_splits();
    let sizes = [
        a.train,
        a.validation_short,
        a.validation_long,
        a.test,
        a.held_out,
    ];
    let ranges = [
        a.short_lengths,
        a.short_lengths,
        a.long_lengths,
        a.test_lengths,
        a.short_lengths,
    ];
    for ((s, n), r) in specs.iter_mut().zip(sizes).zip(ranges) {
        s.count = n;
        s.lengths = r;
        s.record_up_to = s.record_up_to.map(|_| a.short_lengths.1);
    }
    let max_len = specs.iter().map(|s| s.lengths.1).max().unwrap_or(0);
    check_table(&dfa, max_len)?;
    let pos = Sampler::new(&dfa, max_len);
    let neg = Sampler::complement(&dfa, max_len);
    let total: usize = specs.iter().map(|s| s.count).sum();
    let bar = if a.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg:28} {wide_bar} {pos}/{len} ({eta})")
                .expect("a valid template"),
        );
        b
    };
    let mut excluded: HashSet<Vec<u32>> = HashSet::new();
    let mut done = 0usize;
    let mut manifest_splits = Vec::new();
    let mut failed_training = false;
    for spec in &specs {
        let name = split_name(spec);
        bar.set_message(name.clone());
        let drawn = draw_split(&pos, &neg, spec, &excluded, &mut rng, |i| {
            bar.set_position((done + i) as u64)
        });
        done += spec.count;
        bar.set_position(done as u64);
        let dir = out_dir.join(&spec.dir);
        match drawn {
            Ok(examples) => {
                if let Some(max) = spec.record_up_to {
                    excluded.extend(
                        examples
                            .iter()
                            .filter(|e| e.word.len() <= max)
                            .map(|e| e.word.clone()),
                    );
                }
                write_split(&dir, &examples, &show, a.format)?;
                manifest_splits.push(SplitManifest::new(spec, &name, Some(&examples), None));
            }
            Err(e) => {
                bar.suspend(|| eprintln!("warning: split {name} not written: {e}"));
                if spec.dir.is_empty() {
                    failed_training = true;
                }
                manifest_splits.push(SplitManifest::new(spec, &name, None, Some(e.to_string())));
            }
        }
    }
    bar.finish_and_clear();
    let format = match a.format {
        Format::Flare => DatasetFormat::Flare,
        Format::Jsonl => DatasetFormat::Jsonl,
    };
    let manifest = SampleManifest::new(
        a.language.clone(),
        names.clone(),
        dfa.states(),
        seed,
        format,
        manifest_splits,
    );
    std::fs::create_dir_all(&out_dir).into_diagnostic()?;
    std::fs::write(
        out_dir.join("ltlattn-sample.json"),
        serde_json::to_string_pretty(&manifest).into_diagnostic()? + "\n",
    )
    .into_diagnostic()?;
    eprintln!(
        "wrote {} examples to {} (seed {seed}{})",
        done,
        out_dir.display(),
        if a.seed.is_none() {
            format!("; repeat with --seed {seed}")
        } else {
            String::new()
        }
    );
    Ok(if failed_training {
        Exit::Error
    } else {
        Exit::Yes
    })
}

fn split_name(spec: &SplitSpec) -> String {
    if spec.dir.is_empty() {
        "training".into()
    } else {
        spec.dir.trim_start_matches("datasets/").to_string()
    }
}

fn write_split(
    dir: &Path,
    examples: &[Example],
    show: &dyn Fn(&[u32]) -> String,
    format: Format,
) -> Result<(), Report> {
    std::fs::create_dir_all(dir).into_diagnostic()?;
    let file = |name: &str| -> Result<std::io::BufWriter<std::fs::File>, Report> {
        Ok(std::io::BufWriter::new(
            std::fs::File::create(dir.join(name)).into_diagnostic()?,
        ))
    };
    match format {
        Format::Flare => {
            let (mut tok, mut labels, mut edits) = (
                file("main.tok")?,
                file("labels.txt")?,
                file("num-edits.txt")?,
            );
            for e in examples {
                writeln!(tok, "{}", show(&e.word)).into_diagnostic()?;
                writeln!(labels, "{}", u8::from(e.label)).into_diagnostic()?;
                // FLaRe: one line per negative, empty when it was not a perturbation.
                if !e.label {
                    match e.num_edits {
                        Some(n) => writeln!(edits, "{n}"),
                        None => writeln!(edits),
                    }
                    .into_diagnostic()?;
                }
            }
            for mut f in [tok, labels, edits] {
                f.flush().into_diagnostic()?;
            }
        }
        Format::Jsonl => {
            let mut f = file("main.jsonl")?;
            for e in examples {
                let tokens = show(&e.word);
                let line =
                    serde_json::to_string(&ExampleLine::new(e, &tokens)).into_diagnostic()?;
                writeln!(f, "{line}").into_diagnostic()?;
            }
            f.flush().into_diagnostic()?;
        }
    }
    Ok(())
}
