//! Helpers for diagnostics that show source text.

use std::ops::Range;

/// Reports show at most this many characters of source on each side of the span: long
/// lines are unreadable, and the report renderer is slow (or worse) on them.
const EXCERPT: usize = 60;

/// Cuts the line of `text` that holds `span` down to the span's neighbourhood when the
/// line is long, returning the source to show and the span moved into it. Earlier lines
/// become empty lines, so line numbers in the report stay right; texts whose line is
/// short come back whole.
pub fn excerpt(text: &str, span: Range<usize>) -> (String, Range<usize>) {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let line_start = text[..floor(span.start)].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[floor(span.end)..]
        .find('\n')
        .map_or(text.len(), |i| floor(span.end) + i);
    if line_end - line_start <= 4 * EXCERPT {
        return (text.to_string(), span);
    }
    let from = floor(span.start.saturating_sub(EXCERPT).max(line_start));
    let span_end = floor(span.end.min(span.start + EXCERPT));
    let to = floor((span_end + EXCERPT).min(line_end));
    let mut out = "\n".repeat(text[..line_start].matches('\n').count());
    if from > line_start {
        out.push('…');
    }
    let shift = out.len();
    out.push_str(&text[from..to]);
    if to < line_end {
        out.push('…');
    }
    let start = span.start.max(from) - from + shift;
    (out, start..span_end.max(span.start) - from + shift)
}

/// Where an error sits in its source file: the span (clamped to the text), and the
/// excerpt and label that a report shows. Errors with a span in a file embed one and
/// delegate `source_code` and `labels` to it.
#[derive(Debug)]
pub struct Located {
    /// The byte range in the file, if the error has one.
    pub span: Option<Range<usize>>,
    shown: Option<Range<usize>>,
    src: Box<miette::NamedSource<String>>,
}

impl Located {
    /// The place `span` (if any) in the file `name` whose text is `text`.
    pub fn new(name: &str, text: &str, span: Option<Range<usize>>) -> Located {
        let span = span.map(|s| s.start.min(text.len())..s.end.min(text.len()));
        let (source, shown) = match &span {
            Some(s) => {
                let (source, shown) = excerpt(text, s.clone());
                (source, Some(shown))
            }
            None => (text.to_string(), None),
        };
        Located {
            span,
            shown,
            src: Box::new(miette::NamedSource::new(name, source)),
        }
    }

    /// The source to show.
    pub fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.src.as_ref())
    }

    /// The label "here" on the span.
    pub fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let s = self.shown.clone()?;
        Some(Box::new(std::iter::once(miette::LabeledSpan::new(
            Some("here".into()),
            s.start,
            s.end - s.start,
        ))))
    }
}

/// The kind of a [`FileError`]: it names the diagnostic code.
pub trait ErrorKind: std::fmt::Debug {
    /// The miette code of errors of this kind (`ltlattn::model`, `ltlattn::model::numeric`).
    const CODE: &'static str;
}

/// An error in an input file: its kind, what is wrong, how to fix it, and where.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct FileError<K: ErrorKind> {
    /// What kind of mistake it is.
    pub kind: K,
    /// What is wrong, for people.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Byte range in the file.
    pub span: Option<Range<usize>>,
    at: Located,
}

impl<K: ErrorKind> FileError<K> {
    /// An error of `kind` at `span` of the file `name` whose text is `text`.
    pub fn new(
        kind: K,
        (name, text): (&str, &str),
        span: Option<Range<usize>>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        let at = Located::new(name, text, span);
        FileError {
            kind,
            message: message.into(),
            help,
            span: at.span.clone(),
            at,
        }
    }
}

impl<K: ErrorKind> miette::Diagnostic for FileError<K> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(K::CODE))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.at.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.at.labels()
    }
}

/// One style for every error the user reads: the message, its labelled excerpt, its help
/// — never a code line. Some library errors carry a diagnostic code
/// (`ltlattn::parse::UnbalancedParen`) and most do not; printed, the code was an
/// identifier a user cannot act on, and only some messages had it. Library callers still
/// get the code from the error itself. Every front end renders errors through it.
pub struct Plain<'a>(pub &'a miette::Report);

impl std::fmt::Debug for Plain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&**self.0, f)
    }
}

impl std::fmt::Display for Plain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&**self.0, f)
    }
}

impl std::error::Error for Plain<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl miette::Diagnostic for Plain<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.0.help()
    }
    fn url<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.0.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        self.0.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn miette::Diagnostic> {
        self.0.diagnostic_source()
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn long_lines_are_cut_and_line_numbers_kept() {
        let text = format!(
            "first\nsecond\n{}X{}\nlast",
            "a".repeat(500),
            "b".repeat(500)
        );
        let at = text.find('X').unwrap();
        let (shown, span) = excerpt(&text, at..at + 1);
        assert_eq!(&shown[span.clone()], "X");
        assert_eq!(
            shown.matches('\n').count(),
            2,
            "two lines before, none after"
        );
        assert!(shown.len() < 200);
        let short = "P (a & ";
        assert_eq!(excerpt(short, 4..5), (short.to_string(), 4..5));
    }
}

/// What a front end shows of an error (the server's `error` object, the Python package's
/// exception attributes), read once from its report: the message, the help, the
/// labelled spans, the name of the input the first span points into, and the report
/// drawn as the command line draws it ([`Plain`], no colour, 100 columns).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ErrorParts {
    /// The message.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
    /// The labelled spans, byte offsets into `input`.
    pub labels: Vec<ErrorLabel>,
    /// The name of the input the first span points into (`--word`, `formula`, a file).
    pub input: Option<String>,
    /// The report as the command line prints it.
    pub rendered: String,
}

/// A labelled span of an [`ErrorParts`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ErrorLabel {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What the label says.
    pub label: Option<String>,
}

impl ErrorParts {
    /// The parts of `report`.
    pub fn of(report: &miette::Report) -> Self {
        let labels = report
            .labels()
            .into_iter()
            .flatten()
            .map(|l| ErrorLabel {
                start: l.offset(),
                end: l.offset() + l.len(),
                label: l.label().map(str::to_string),
            })
            .collect();
        let input = report.source_code().and_then(|src| {
            let first = report.labels()?.next()?;
            let contents = src.read_span(first.inner(), 0, 0).ok()?;
            contents.name().map(str::to_string)
        });
        let mut rendered = String::new();
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100);
        let _ = handler.render_report(&mut rendered, &Plain(report));
        ErrorParts {
            message: report.to_string(),
            help: report.help().map(|h| h.to_string()),
            labels,
            input,
            rendered,
        }
    }
}

/// The message of a caught panic (`std::panic::catch_unwind`'s payload), empty when it is
/// not text: what a front end reports as an internal error.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}
