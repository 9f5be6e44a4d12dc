//! `sample`'s two jobs beyond drawing one word: a list of uniform words of one length
//! ([`words`]), and a dataset in FLaRe's layout written to a directory
//! ([`write_dataset`]: the splits, their files and the manifest). The limits that keep
//! the count table in memory are checked here, before it is built (docs/DESIGN.md,
//! "Datasets").

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use num_traits::Zero;

use super::{
    draw_split, flare_splits, DatasetFormat, Example, ExampleLine, Rng, SampleManifest, Sampler,
    SplitError, SplitManifest, SplitSpec,
};
use crate::automata::{Alphabet, Dfa};

/// Longest length `sample` counts words to (the counts take length × states big integers).
pub const MAX_LENGTH: usize = 100_000;
/// Largest count table `sample` builds (see [`Sampler::estimated_bytes`]).
pub const MAX_TABLE_BYTES: u128 = 4 << 30;

/// Why `sample` wrote nothing, or stopped.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SampleError {
    /// The count table would not fit in [`MAX_TABLE_BYTES`].
    #[error("counting the words up to length {max_len} for a {states}-state DFA takes about {mib} MiB, more than the {limit} MiB sample allows", limit = MAX_TABLE_BYTES >> 20)]
    #[diagnostic(help("shorter lengths, or a language with a smaller minimal DFA"))]
    TableTooLarge {
        /// The longest length asked for.
        max_len: usize,
        /// States of the minimal DFA.
        states: usize,
        /// The table's estimated size in MiB.
        mib: u128,
    },
    /// A word length beyond [`MAX_LENGTH`].
    #[error("--length goes up to {MAX_LENGTH}")]
    TooLong,
    /// The language (or its complement) has no word of the length asked for.
    #[error("the {which} has no word of length {length}")]
    NoWord {
        /// `language` or `complement`.
        which: &'static str,
        /// The length.
        length: usize,
    },
    /// Proposition semantics: a letter is a set, which a token file cannot hold.
    #[error("sample writes token strings: it works with letter alphabets, not --props")]
    #[diagnostic(help("give the letters with --alphabet a,b,…"))]
    Props,
    /// A token with white space (or an empty one) cannot be written space-separated.
    #[error("the token `{0}` cannot be written to a space-separated file")]
    Unwritable(String),
    /// A file of the dataset could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// Refuses a count table up to `max_len` that would not fit, before building it.
pub fn check_table(dfa: &Dfa, max_len: usize) -> Result<(), SampleError> {
    let bytes = Sampler::estimated_bytes(dfa.states(), dfa.letters(), max_len);
    if bytes > MAX_TABLE_BYTES {
        return Err(SampleError::TableTooLarge {
            max_len,
            states: dfa.states(),
            mib: bytes >> 20,
        });
    }
    Ok(())
}

/// Refuses an alphabet whose words cannot be written as space-separated tokens: sets of
/// propositions, and tokens that are empty or hold white space.
pub fn check_writable(sigma: &Alphabet) -> Result<(), SampleError> {
    match sigma {
        Alphabet::Props(_) => Err(SampleError::Props),
        Alphabet::Tokens(t) => match t
            .iter()
            .find(|t| t.is_empty() || t.chars().any(char::is_whitespace))
        {
            Some(bad) => Err(SampleError::Unwritable(bad.clone())),
            None => Ok(()),
        },
    }
}

/// `count` words of length `length`, each uniform and independent, of the language of
/// `dfa` (`positive`) or of its complement. Refused when the table is too large or there
/// is no such word; the words are drawn as the iterator is read.
pub fn words<'r>(
    dfa: &Dfa,
    length: usize,
    count: usize,
    positive: bool,
    rng: &'r mut Rng,
) -> Result<Words<'r>, SampleError> {
    if length > MAX_LENGTH {
        return Err(SampleError::TooLong);
    }
    check_table(dfa, length)?;
    let sampler = if positive {
        Sampler::new(dfa, length)
    } else {
        Sampler::complement(dfa, length)
    };
    if sampler.count(length).is_zero() {
        return Err(SampleError::NoWord {
            which: if positive { "language" } else { "complement" },
            length,
        });
    }
    Ok(Words {
        sampler,
        length,
        left: count,
        rng,
    })
}

/// The words [`words`] draws.
pub struct Words<'r> {
    sampler: Sampler,
    length: usize,
    left: usize,
    rng: &'r mut Rng,
}

impl Iterator for Words<'_> {
    type Item = Vec<u32>;

    fn next(&mut self) -> Option<Vec<u32>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // `words` checked that the length has a word.
        self.sampler.uniform(self.length, self.rng)
    }
}

/// The sizes and lengths of the five splits (FLaRe's by default, see [`flare_splits`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetShape {
    /// Examples in the training split.
    pub train: usize,
    /// Examples in `validation-short`.
    pub validation_short: usize,
    /// Examples in `validation-long`.
    pub validation_long: usize,
    /// Examples in `test`.
    pub test: usize,
    /// Examples in `test-short-held-out`.
    pub held_out: usize,
    /// Lengths of training, `validation-short` and `test-short-held-out`.
    pub short_lengths: (usize, usize),
    /// Lengths of `validation-long`.
    pub long_lengths: (usize, usize),
    /// Lengths of `test`.
    pub test_lengths: (usize, usize),
}

impl Default for DatasetShape {
    fn default() -> Self {
        DatasetShape {
            train: 10_000,
            validation_short: 1_000,
            validation_long: 1_000,
            test: 5_010,
            held_out: 1_000,
            short_lengths: (0, 40),
            long_lengths: (0, 80),
            test_lengths: (0, 500),
        }
    }
}

impl DatasetShape {
    /// FLaRe's splits with these sizes and lengths; the held-out split avoids the strings
    /// of the earlier splits up to the short lengths' end.
    pub fn splits(&self) -> Vec<SplitSpec> {
        let mut specs = flare_splits();
        let sizes = [
            self.train,
            self.validation_short,
            self.validation_long,
            self.test,
            self.held_out,
        ];
        let ranges = [
            self.short_lengths,
            self.short_lengths,
            self.long_lengths,
            self.test_lengths,
            self.short_lengths,
        ];
        for ((s, n), r) in specs.iter_mut().zip(sizes).zip(ranges) {
            s.count = n;
            s.lengths = r;
            s.record_up_to = s.record_up_to.map(|_| self.short_lengths.1);
        }
        specs
    }
}

/// What [`write_dataset`] reports while it works, for a progress bar.
#[derive(Debug)]
pub enum DatasetProgress<'a> {
    /// The total number of examples asked for, once at the start.
    Total(usize),
    /// A split begins.
    Split(&'a str),
    /// Examples drawn so far, over all splits.
    Drawn(usize),
    /// A split could not be filled and was not written (the others go on).
    Failed(&'a str, &'a SplitError),
}

/// What [`write_dataset`] wrote.
#[derive(Clone, Debug)]
pub struct DatasetReport {
    /// The manifest, also written to `ltlattn-sample.json`.
    pub manifest: SampleManifest,
    /// Examples asked for over all splits.
    pub examples: usize,
    /// The training split could not be filled: the dataset is not usable.
    pub training_failed: bool,
}

/// The name of a split: `training`, or its directory below `datasets/`.
pub fn split_name(spec: &SplitSpec) -> String {
    if spec.dir.is_empty() {
        "training".into()
    } else {
        spec.dir.trim_start_matches("datasets/").to_string()
    }
}

/// Draws the splits of `shape` from the language of `dfa` (`language` is how it was
/// given, for the manifest) with `seed`, writes each split's files under `out` in
/// `format`, and the manifest `ltlattn-sample.json`. A split that cannot be filled is
/// reported ([`DatasetProgress::Failed`], and in the manifest) and not written.
pub fn write_dataset(
    dfa: &Dfa,
    language: &str,
    shape: &DatasetShape,
    seed: u64,
    format: DatasetFormat,
    out: &Path,
    progress: &mut dyn FnMut(DatasetProgress),
) -> Result<DatasetReport, SampleError> {
    check_writable(dfa.alphabet())?;
    let specs = shape.splits();
    let max_len = specs.iter().map(|s| s.lengths.1).max().unwrap_or(0);
    check_table(dfa, max_len)?;
    let pos = Sampler::new(dfa, max_len);
    let neg = Sampler::complement(dfa, max_len);
    let names: Vec<String> = dfa.alphabet().atoms().to_vec();
    let show = |w: &[u32]| dfa.alphabet().show_word(w);
    let mut rng = Rng::new(seed);
    let total: usize = specs.iter().map(|s| s.count).sum();
    progress(DatasetProgress::Total(total));
    let mut excluded: HashSet<Vec<u32>> = HashSet::new();
    let mut done = 0usize;
    let mut splits = Vec::new();
    let mut training_failed = false;
    for spec in &specs {
        let name = split_name(spec);
        progress(DatasetProgress::Split(&name));
        let drawn = draw_split(&pos, &neg, spec, &excluded, &mut rng, |i| {
            progress(DatasetProgress::Drawn(done + i))
        });
        done += spec.count;
        progress(DatasetProgress::Drawn(done));
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
                write_split(&out.join(&spec.dir), &examples, &show, format)?;
                splits.push(SplitManifest::new(spec, &name, Some(&examples), None));
            }
            Err(e) => {
                progress(DatasetProgress::Failed(&name, &e));
                training_failed |= spec.dir.is_empty();
                splits.push(SplitManifest::new(spec, &name, None, Some(e.to_string())));
            }
        }
    }
    let manifest = SampleManifest::new(
        language.to_string(),
        names.clone(),
        dfa.states(),
        seed,
        format,
        splits,
    );
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SampleError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let file = out.join("ltlattn-sample.json");
    let text = serde_json::to_string_pretty(&manifest).expect("the manifest serializes") + "\n";
    std::fs::write(&file, text).map_err(io(&file))?;
    Ok(DatasetReport {
        manifest,
        examples: done,
        training_failed,
    })
}

/// Writes one split's files into `dir`: FLaRe's `main.tok`, `labels.txt`,
/// `num-edits.txt`, or one `main.jsonl`.
fn write_split(
    dir: &Path,
    examples: &[Example],
    show: &dyn Fn(&[u32]) -> String,
    format: DatasetFormat,
) -> Result<(), SampleError> {
    let at = |path: PathBuf| move |source| SampleError::Io { path, source };
    std::fs::create_dir_all(dir).map_err(at(dir.to_path_buf()))?;
    let file = |name: &str| -> Result<(PathBuf, std::io::BufWriter<std::fs::File>), SampleError> {
        let path = dir.join(name);
        let f = std::fs::File::create(&path).map_err(at(path.clone()))?;
        Ok((path, std::io::BufWriter::new(f)))
    };
    match format {
        DatasetFormat::Flare => {
            let (tok_path, mut tok) = file("main.tok")?;
            let (labels_path, mut labels) = file("labels.txt")?;
            let (edits_path, mut edits) = file("num-edits.txt")?;
            for e in examples {
                writeln!(tok, "{}", show(&e.word)).map_err(at(tok_path.clone()))?;
                writeln!(labels, "{}", u8::from(e.label)).map_err(at(labels_path.clone()))?;
                // FLaRe: one line per negative, empty when it was not a perturbation.
                if !e.label {
                    match e.num_edits {
                        Some(n) => writeln!(edits, "{n}"),
                        None => writeln!(edits),
                    }
                    .map_err(at(edits_path.clone()))?;
                }
            }
            for (path, mut f) in [(tok_path, tok), (labels_path, labels), (edits_path, edits)] {
                f.flush().map_err(at(path))?;
            }
        }
        DatasetFormat::Jsonl => {
            let (path, mut f) = file("main.jsonl")?;
            for e in examples {
                let tokens = show(&e.word);
                let line = serde_json::to_string(&ExampleLine::new(e, &tokens))
                    .expect("an example line serializes");
                writeln!(f, "{line}").map_err(at(path.clone()))?;
            }
            f.flush().map_err(at(path))?;
        }
    }
    Ok(())
}
