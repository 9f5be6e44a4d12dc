//! How number formats are written (grammar/numeric.md, "Format names"): the short name
//! a researcher types and tables print (`fixed4.4`, `e4m3`, `e5m2-inf`), the words of the
//! `[number]` table (`nearest-even`, `saturate`, …) and the table itself. Each spelling is
//! written here once; `Display` prints exactly what `FromStr` reads, so the loader, the
//! command line's header, the trainer and its manifest cannot drift apart.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use super::number::{Format, Kind, Overflow, Rounding};

impl Format {
    /// Integer bits of a fixed format (the loader's range, grammar/numeric.md).
    pub const INT_BITS: RangeInclusive<u32> = 0..=30;
    /// Fraction bits of a fixed format.
    pub const FRAC_BITS: RangeInclusive<u32> = 0..=30;
    /// Integer and fraction bits together: at least one value besides 0 and −1, and
    /// values whose mantissas stay small.
    pub const FIXED_BITS: RangeInclusive<u32> = 1..=40;
    /// Exponent bits of a float format (11: fp64's range).
    pub const EXP_BITS: RangeInclusive<u32> = 2..=11;
    /// Mantissa bits of a float format (52: fp64's precision).
    pub const MAN_BITS: RangeInclusive<u32> = 0..=52;

    /// The body of the `[number]` table of a model.toml (grammar/numeric.md) that the
    /// loader reads back as this format: the kind and widths, then only the settings that
    /// differ from the defaults, one `key = value` line each.
    pub fn number_table(&self) -> String {
        let mut t = match self.kind {
            Kind::Fixed {
                int_bits,
                frac_bits,
            } => format!("format = \"fixed\"\nint_bits = {int_bits}\nfrac_bits = {frac_bits}\n"),
            Kind::Float {
                exp_bits,
                man_bits,
                subnormals,
            } => {
                let mut t =
                    format!("format = \"float\"\nexp_bits = {exp_bits}\nman_bits = {man_bits}\n");
                if !subnormals {
                    t.push_str("subnormals = false\n");
                }
                t
            }
        };
        if self.rounding != Rounding::NearestEven {
            t.push_str(&format!("rounding = \"{}\"\n", self.rounding));
        }
        if self.overflow != Overflow::Saturate {
            t.push_str(&format!("overflow = \"{}\"\n", self.overflow));
        }
        t
    }
}

/// The short name: `fixed<I>.<F>` or `e<E>m<M>`, then `-tz` (toward-zero rounding),
/// `-inf` (overflow to ±∞) and `-nosub` (no subnormals) where they apply, in that order —
/// the defaults (nearest-even, saturate, subnormals) are not written. `FromStr` reads it
/// back. The alternate form (`{:#}`) is the phrase the command line's model header
/// prints: `fixed 5.2, nearest-even, saturate`, `float e4m3 without subnormals, …`.
impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            match self.kind {
                Kind::Fixed {
                    int_bits,
                    frac_bits,
                } => write!(f, "fixed {int_bits}.{frac_bits}")?,
                Kind::Float {
                    exp_bits,
                    man_bits,
                    subnormals,
                } => {
                    write!(f, "float e{exp_bits}m{man_bits}")?;
                    if !subnormals {
                        f.write_str(" without subnormals")?;
                    }
                }
            }
            return write!(f, ", {}, {}", self.rounding, self.overflow);
        }
        let subnormals = match self.kind {
            Kind::Fixed {
                int_bits,
                frac_bits,
            } => {
                write!(f, "fixed{int_bits}.{frac_bits}")?;
                true
            }
            Kind::Float {
                exp_bits,
                man_bits,
                subnormals,
            } => {
                write!(f, "e{exp_bits}m{man_bits}")?;
                subnormals
            }
        };
        if self.rounding == Rounding::TowardZero {
            f.write_str("-tz")?;
        }
        if self.overflow == Overflow::Inf {
            f.write_str("-inf")?;
        }
        if !subnormals {
            f.write_str("-nosub")?;
        }
        Ok(())
    }
}

/// Named formats: IEEE-754 half, single and double precision and bfloat16. `fp8` names
/// two formats and is refused with both.
const ALIASES: [(&str, u32, u32); 4] = [
    ("fp16", 5, 10),
    ("bf16", 8, 7),
    ("fp32", 8, 23),
    ("fp64", 11, 52),
];

/// Reads a short name (see `Display`), ASCII case aside: the options may come in any
/// order, each setting at most once, and the defaults may be written (`-ne`, `-sat`).
/// Every format the loader accepts is named, and no other: widths outside their ranges,
/// `-inf` or `-nosub` on a fixed format are errors that say what was expected.
impl FromStr for Format {
    type Err = FormatNameError;

    fn from_str(name: &str) -> Result<Format, FormatNameError> {
        let err = |problem| FormatNameError {
            name: name.to_string(),
            problem,
        };
        let lower = name.to_ascii_lowercase();
        let mut parts = lower.split('-');
        let mut format = base_format(parts.next().unwrap_or_default()).map_err(err)?;
        const SETTINGS: [&str; 3] = ["rounding", "overflow", "subnormals"];
        let mut given = [false; 3];
        for option in parts {
            let setting = match option {
                "ne" => {
                    format.rounding = Rounding::NearestEven;
                    0
                }
                "tz" => {
                    format.rounding = Rounding::TowardZero;
                    0
                }
                "sat" => 1,
                "inf" => match format.kind {
                    Kind::Float { .. } => {
                        format.overflow = Overflow::Inf;
                        1
                    }
                    Kind::Fixed { .. } => return Err(err(FormatNameProblem::FloatOnly("inf"))),
                },
                "nosub" => match &mut format.kind {
                    Kind::Float { subnormals, .. } => {
                        *subnormals = false;
                        2
                    }
                    Kind::Fixed { .. } => return Err(err(FormatNameProblem::FloatOnly("nosub"))),
                },
                other => return Err(err(FormatNameProblem::Option(other.to_string()))),
            };
            if std::mem::replace(&mut given[setting], true) {
                return Err(err(FormatNameProblem::Twice(SETTINGS[setting])));
            }
        }
        Ok(format)
    }
}

/// The format a name's base (before the first `-`) names, with the default settings.
fn base_format(base: &str) -> Result<Format, FormatNameProblem> {
    let float = |exp_bits, man_bits| {
        Format::float(
            exp_bits,
            man_bits,
            true,
            Rounding::NearestEven,
            Overflow::Saturate,
        )
    };
    if let Some(&(_, e, m)) = ALIASES.iter().find(|(alias, ..)| *alias == base) {
        return Ok(float(e, m));
    }
    if base == "fp8" {
        return Err(FormatNameProblem::Fp8);
    }
    if let Some(widths) = base.strip_prefix("fixed") {
        let (i, f) = widths.split_once('.').ok_or(FormatNameProblem::Shape)?;
        let int_bits = width("int_bits", i, &Format::INT_BITS)?;
        let frac_bits = width("frac_bits", f, &Format::FRAC_BITS)?;
        if !Format::FIXED_BITS.contains(&(int_bits + frac_bits)) {
            return Err(FormatNameProblem::FixedWidth);
        }
        return Ok(Format::fixed(int_bits, frac_bits, Rounding::NearestEven));
    }
    let (e, m) = base
        .strip_prefix('e')
        .and_then(|r| r.split_once('m'))
        .ok_or(FormatNameProblem::Shape)?;
    Ok(float(
        width("exp_bits", e, &Format::EXP_BITS)?,
        width("man_bits", m, &Format::MAN_BITS)?,
    ))
}

/// A width written in decimal digits (no sign, no spaces), within its range.
fn width(
    field: &'static str,
    digits: &str,
    range: &RangeInclusive<u32>,
) -> Result<u32, FormatNameProblem> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FormatNameProblem::Shape);
    }
    match digits.parse::<u32>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(FormatNameProblem::Bits {
            field,
            value: digits.to_string(),
            range: range.clone(),
        }),
    }
}

/// A string that names no number format: the string, and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a number format: {problem}")]
pub struct FormatNameError {
    /// The string as given.
    pub name: String,
    /// What was expected instead.
    pub problem: FormatNameProblem,
}

/// What a [`FormatNameError`]'s string got wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatNameProblem {
    /// Not a format name's shape at all.
    #[error("expected fixed<I>.<F> (as fixed4.4), e<E>m<M> (as e4m3), fp16, bf16, fp32 or fp64, then any of -tz, -inf, -nosub")]
    Shape,
    /// `fp8`: e4m3 or e5m2?
    #[error("fp8 names two formats: write e4m3 or e5m2")]
    Fp8,
    /// A width outside the range the loader accepts.
    #[error("{field} = {value} is outside {range:?}")]
    Bits {
        /// `int_bits`, `frac_bits`, `exp_bits` or `man_bits`.
        field: &'static str,
        /// The digits written.
        value: String,
        /// The widths accepted.
        range: RangeInclusive<u32>,
    },
    /// A fixed format with no value besides 0 and −1, or too wide.
    #[error("a fixed format needs between 1 and 40 bits besides the sign")]
    FixedWidth,
    /// An option that is not one.
    #[error("unknown option `-{0}`: expected -tz (toward-zero), -inf (overflow to ±∞), -nosub (no subnormals), or the defaults -ne, -sat")]
    Option(String),
    /// `rounding`, `overflow` or `subnormals` set twice.
    #[error("the {0} is given twice")]
    Twice(&'static str),
    /// `-inf` or `-nosub` on a fixed format.
    #[error("-{0} needs a float format (fixed-point formats saturate and have no subnormals)")]
    FloatOnly(&'static str),
}

/// The `rounding` words of the `[number]` table (and of the JSON, which serializes them
/// alike): `nearest-even`, `toward-zero`.
impl fmt::Display for Rounding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rounding::NearestEven => "nearest-even",
            Rounding::TowardZero => "toward-zero",
        })
    }
}

impl FromStr for Rounding {
    type Err = UnknownSetting;

    fn from_str(s: &str) -> Result<Rounding, UnknownSetting> {
        match s {
            "nearest-even" => Ok(Rounding::NearestEven),
            "toward-zero" => Ok(Rounding::TowardZero),
            _ => Err(UnknownSetting {
                setting: "rounding",
                word: s.to_string(),
                expected: "nearest-even (the default) or toward-zero",
            }),
        }
    }
}

/// The `overflow` words of the `[number]` table: `saturate`, `inf`.
impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Overflow::Saturate => "saturate",
            Overflow::Inf => "inf",
        })
    }
}

impl FromStr for Overflow {
    type Err = UnknownSetting;

    fn from_str(s: &str) -> Result<Overflow, UnknownSetting> {
        match s {
            "saturate" => Ok(Overflow::Saturate),
            "inf" => Ok(Overflow::Inf),
            _ => Err(UnknownSetting {
                setting: "overflow",
                word: s.to_string(),
                expected: "saturate (the default) or inf (float only)",
            }),
        }
    }
}

/// A word that is no value of a `[number]` setting.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {setting} `{word}`: use {expected}")]
pub struct UnknownSetting {
    /// `rounding` or `overflow`.
    pub setting: &'static str,
    /// The word as given.
    pub word: String,
    /// The words accepted.
    pub expected: &'static str,
}

/// Every format the loader accepts, each setting included (for the tests here and the
/// loader's).
#[cfg(test)]
pub(crate) fn every_format() -> Vec<Format> {
    let float = |e, m, sub, r, o| Format::float(e, m, sub, r, o);
    let roundings = [Rounding::NearestEven, Rounding::TowardZero];
    let mut out = Vec::new();
    for i in Format::INT_BITS {
        for f in Format::FRAC_BITS.filter(|f| Format::FIXED_BITS.contains(&(i + f))) {
            out.extend(roundings.map(|r| Format::fixed(i, f, r)));
        }
    }
    for e in Format::EXP_BITS {
        for m in Format::MAN_BITS {
            for sub in [true, false] {
                for r in roundings {
                    for o in [Overflow::Saturate, Overflow::Inf] {
                        out.push(float(e, m, sub, r, o));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(e: u32, m: u32, sub: bool, r: Rounding, o: Overflow) -> Format {
        Format::float(e, m, sub, r, o)
    }

    /// Every spelling, one by one: the canonical name, and the other names it has.
    #[test]
    fn each_spelling() {
        use Overflow::*;
        use Rounding::*;
        let cases: &[(Format, &str, &[&str])] = &[
            (
                Format::fixed(4, 4, NearestEven),
                "fixed4.4",
                &["fixed4.4-ne", "fixed4.4-sat", "FIXED4.4", "fixed4.4-sat-ne"],
            ),
            (Format::fixed(5, 2, NearestEven), "fixed5.2", &[]),
            (Format::fixed(0, 1, NearestEven), "fixed0.1", &[]),
            (Format::fixed(30, 10, NearestEven), "fixed30.10", &[]),
            (
                Format::fixed(3, 4, TowardZero),
                "fixed3.4-tz",
                &["fixed3.4-sat-tz", "Fixed3.4-TZ"],
            ),
            (
                float(4, 3, true, NearestEven, Saturate),
                "e4m3",
                &["e4m3-ne-sat", "E4M3"],
            ),
            (float(5, 2, true, NearestEven, Saturate), "e5m2", &[]),
            (
                float(5, 2, true, NearestEven, Inf),
                "e5m2-inf",
                &["e5m2-ne-inf", "e5m2-inf-ne"],
            ),
            (
                float(3, 2, false, NearestEven, Saturate),
                "e3m2-nosub",
                &["e3m2-nosub-ne"],
            ),
            (
                float(4, 3, true, TowardZero, Inf),
                "e4m3-tz-inf",
                &["e4m3-inf-tz"],
            ),
            (
                float(2, 0, false, TowardZero, Inf),
                "e2m0-tz-inf-nosub",
                &["e2m0-nosub-inf-tz"],
            ),
            (
                float(5, 10, true, NearestEven, Saturate),
                "e5m10",
                &["fp16", "FP16"],
            ),
            (float(8, 7, true, NearestEven, Saturate), "e8m7", &["bf16"]),
            (
                float(8, 23, true, NearestEven, Inf),
                "e8m23-inf",
                &["fp32-inf"],
            ),
            (
                float(11, 52, false, TowardZero, Saturate),
                "e11m52-tz-nosub",
                &["fp64-nosub-tz"],
            ),
        ];
        for (format, canonical, others) in cases {
            assert_eq!(format.to_string(), *canonical);
            for name in std::iter::once(canonical).chain(others.iter()) {
                assert_eq!(name.parse::<Format>().as_ref(), Ok(format), "{name}");
            }
        }
    }

    /// Display then FromStr gives every format back, and no two formats share a name.
    #[test]
    fn every_format_round_trips() {
        let formats = every_format();
        let mut names = std::collections::HashSet::new();
        for f in &formats {
            let name = f.to_string();
            assert_eq!(name.parse::<Format>().as_ref(), Ok(f), "{name}");
            assert!(names.insert(name));
        }
        // 750 fixed widths in two roundings; 10 × 53 float widths in eight settings.
        assert_eq!(names.len(), 1_500 + 4_240);
    }

    /// Pieces of names, glued at random: most gluings are wrong, some are formats.
    const PIECES: [&str; 24] = [
        "fixed",
        "e",
        "m",
        ".",
        "-",
        "tz",
        "ne",
        "inf",
        "sat",
        "nosub",
        "fp",
        "bf",
        "16",
        "8",
        "0",
        "1",
        "3",
        "4",
        "30",
        "99999999999",
        " ",
        "E",
        "ä",
        "+",
    ];

    fn valid() -> &'static std::collections::HashSet<Format> {
        static VALID: std::sync::OnceLock<std::collections::HashSet<Format>> =
            std::sync::OnceLock::new();
        VALID.get_or_init(|| every_format().into_iter().collect())
    }

    /// FromStr on any string, random or glued from pieces of names, never panics; what it
    /// reads is a format the loader accepts, whose name reads back as it.
    #[test]
    fn any_string_is_a_format_or_an_error() {
        fn check(s: &str) -> bool {
            match s.parse::<Format>() {
                Ok(f) => valid().contains(&f) && f.to_string().parse::<Format>() == Ok(f),
                Err(e) => e.name == s && !e.to_string().is_empty(),
            }
        }
        fn glued(pieces: Vec<u8>) -> bool {
            let s: String = pieces
                .iter()
                .map(|&i| PIECES[i as usize % PIECES.len()])
                .collect();
            check(&s)
        }
        fn any(s: String) -> bool {
            check(&s)
        }
        // Names shaped like formats: a base with widths up to 63, then any options.
        fn shaped(kind: u8, a: u8, b: u8, options: Vec<u8>) -> bool {
            const OPTIONS: [&str; 6] = ["ne", "tz", "sat", "inf", "nosub", "sub"];
            let (a, b) = (a % 64, b % 64);
            let mut s = match kind % 3 {
                0 => format!("fixed{a}.{b}"),
                1 => format!("e{a}m{b}"),
                _ => ["fp8", "fp16", "bf16", "fp32", "fp64"][a as usize % 5].to_string(),
            };
            for o in options.iter().take(4) {
                s.push('-');
                s.push_str(OPTIONS[*o as usize % OPTIONS.len()]);
            }
            check(&s)
        }
        let qc = || quickcheck::QuickCheck::new().tests(3000);
        qc().quickcheck(glued as fn(Vec<u8>) -> bool);
        qc().quickcheck(any as fn(String) -> bool);
        qc().quickcheck(shaped as fn(u8, u8, u8, Vec<u8>) -> bool);
    }

    /// The header's phrase, as the command line has always printed it.
    #[test]
    fn the_alternate_form_is_the_headers_phrase() {
        let f = Format::fixed(5, 2, Rounding::NearestEven);
        assert_eq!(format!("{f:#}"), "fixed 5.2, nearest-even, saturate");
        let g = float(4, 3, false, Rounding::TowardZero, Overflow::Inf);
        assert_eq!(
            format!("{g:#}"),
            "float e4m3 without subnormals, toward-zero, inf"
        );
    }

    /// Each wrong name is an error that says what is wrong.
    #[test]
    fn bad_names_say_what_was_expected() {
        use FormatNameProblem::*;
        let bits = |field, value: &str, range| Bits {
            field,
            value: value.into(),
            range,
        };
        let cases = [
            ("", Shape),
            ("e4", Shape),
            ("fixed4", Shape),
            ("fixed.4", Shape),
            ("fixed+4.4", Shape),
            ("e 4m3", Shape),
            ("float", Shape),
            ("e4m3 ", Shape),
            ("fp8", Fp8),
            ("fixed31.0", bits("int_bits", "31", Format::INT_BITS)),
            (
                "fixed4.99999999999",
                bits("frac_bits", "99999999999", Format::FRAC_BITS),
            ),
            ("fixed0.0", FixedWidth),
            ("fixed30.11", FixedWidth),
            ("e1m3", bits("exp_bits", "1", Format::EXP_BITS)),
            ("e12m3", bits("exp_bits", "12", Format::EXP_BITS)),
            ("e4m53", bits("man_bits", "53", Format::MAN_BITS)),
            ("e4m3-", Option(String::new())),
            ("e4m3-rtz", Option("rtz".into())),
            ("e4m3-tz-ne", Twice("rounding")),
            ("e4m3-inf-sat", Twice("overflow")),
            ("e4m3-nosub-nosub", Twice("subnormals")),
            ("fixed4.4-inf", FloatOnly("inf")),
            ("fixed4.4-nosub", FloatOnly("nosub")),
        ];
        for (name, problem) in cases {
            let e = name.parse::<Format>().unwrap_err();
            assert_eq!(e.problem, problem, "{name}");
            assert_eq!(e.name, name);
        }
        assert_eq!(
            "fixed31.0".parse::<Format>().unwrap_err().to_string(),
            "`fixed31.0` is not a number format: int_bits = 31 is outside 0..=30"
        );
        assert_eq!(
            "e4m3-tz-ne".parse::<Format>().unwrap_err().to_string(),
            "`e4m3-tz-ne` is not a number format: the rounding is given twice"
        );
    }

    #[test]
    fn the_number_table_writes_only_what_differs_from_the_defaults() {
        assert_eq!(
            Format::fixed(4, 4, Rounding::NearestEven).number_table(),
            "format = \"fixed\"\nint_bits = 4\nfrac_bits = 4\n"
        );
        assert_eq!(
            float(4, 3, true, Rounding::NearestEven, Overflow::Saturate).number_table(),
            "format = \"float\"\nexp_bits = 4\nman_bits = 3\n"
        );
        assert_eq!(
            float(3, 1, false, Rounding::TowardZero, Overflow::Inf).number_table(),
            "format = \"float\"\nexp_bits = 3\nman_bits = 1\nsubnormals = false\nrounding = \"toward-zero\"\noverflow = \"inf\"\n"
        );
    }

    #[test]
    fn the_setting_words_round_trip() {
        // The JSON spells them alike (serde's kebab-case names).
        for r in [Rounding::NearestEven, Rounding::TowardZero] {
            assert_eq!(r.to_string().parse(), Ok(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
        }
        for o in [Overflow::Saturate, Overflow::Inf] {
            assert_eq!(o.to_string().parse(), Ok(o));
            assert_eq!(serde_json::to_string(&o).unwrap(), format!("\"{o}\""));
        }
        assert_eq!(
            "up".parse::<Rounding>().unwrap_err().to_string(),
            "unknown rounding `up`: use nearest-even (the default) or toward-zero"
        );
    }
}
