//! Number formats against an independent high-precision reference
//! (`tests/data/make_numeric_reference.py`: mpmath at 200 digits, exact fractions, its own
//! rounding): every exp(x) for x ≤ 0 in F, divisions, 1/√n, layer norms, ties, overflow and
//! underflow,
//! in fixed and float formats, both rounding modes, with and without subnormals.

use ltlattn::numeric::{Format, Num, Overflow, Rounding};
use num_bigint::BigInt;

/// The reference's formats, by the names the library reads (src/model/numeric/spelling.rs).
fn format(name: &str) -> Format {
    name.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn fraction(s: &str) -> (BigInt, BigInt) {
    let (n, d) = s.split_once('/').expect("num/den");
    (n.parse().unwrap(), d.parse().unwrap())
}

fn num(s: &str) -> Num {
    match s {
        "inf" => Num::PosInf,
        "-inf" => Num::NegInf,
        _ => {
            let (n, d) = fraction(s);
            // The reference's values are dyadic: round exactly into a wide float.
            Format::float(15, 112, true, Rounding::NearestEven, Overflow::Inf)
                .round_ratio(n, d, false)
        }
    }
}

#[test]
fn every_exp_division_and_rounding_matches_the_reference() {
    let text = include_str!("../data/numeric_reference.txt");
    let mut counts = std::collections::BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (lhs, want) = line.split_once(" -> ").expect("a result");
        let parts: Vec<&str> = lhs.split(' ').collect();
        let f = format(parts[1]);
        if parts[0] == "lnorm" {
            let vec = |s: &str| -> Vec<Num> { s.split(',').map(num).collect() };
            let got = f
                .layer_norm(
                    &vec(parts[3]),
                    &vec(parts[4]),
                    &vec(parts[5]),
                    &fraction(parts[2]),
                )
                .unwrap();
            assert_eq!(got, vec(want), "{line}");
            *counts.entry("lnorm").or_insert(0) += 1;
            continue;
        }
        let got = match parts[0] {
            "exp" => f.exp(&num(parts[2])).unwrap(),
            "div" => {
                let (a, b) = (fraction(parts[2]), fraction(parts[3]));
                f.round_ratio(a.0 * &b.1, a.1 * b.0, false)
            }
            "isqrt" => f.inv_sqrt(parts[2].parse().unwrap()),
            "round" => {
                let (n, d) = fraction(parts[2]);
                f.round_ratio(n, d, false)
            }
            op => panic!("unknown op {op}"),
        };
        assert_eq!(got, num(want), "{line}");
        *counts.entry(parts[0]).or_insert(0) += 1;
    }
    assert!(
        counts["exp"] > 600
            && counts["div"] > 3000
            && counts["round"] > 1000
            && counts["lnorm"] > 800,
        "{counts:?}"
    );
}

/// The denominator rule: past the largest finite value the softmax denominator is +∞ in
/// every format, saturating or not.
#[test]
fn the_denominator_overflows_to_infinity_in_every_format() {
    let fixed = Format::fixed(5, 2, Rounding::NearestEven);
    assert_eq!(
        fixed.round_denominator(&Num::ratio(32, 1)).unwrap(),
        Num::PosInf
    );
    assert_eq!(fixed.round(&Num::ratio(32, 1)).unwrap(), Num::ratio(127, 4));
    assert_eq!(
        fixed.round_denominator(&Num::ratio(127, 4)).unwrap(),
        Num::ratio(127, 4)
    );
    let e4m3 = Format::float(4, 3, true, Rounding::NearestEven, Overflow::Saturate);
    let big = Num::from_f64(1e6).unwrap();
    assert_eq!(e4m3.round_denominator(&big).unwrap(), Num::PosInf);
    assert_eq!(e4m3.round(&big).unwrap(), e4m3.max_finite());
}

/// NaN is never a value: ∞ − ∞ and ∞ · 0 are errors naming the operation.
#[test]
fn nan_is_an_error() {
    assert_eq!(
        Num::sum([&Num::PosInf, &Num::NegInf]).unwrap_err().op,
        "sum"
    );
    assert_eq!(Num::PosInf.mul(&Num::zero()).unwrap_err().op, "product");
    assert_eq!(Num::PosInf.sub(&Num::PosInf).unwrap_err().op, "sum");
}

/// Every value of a format rounds to itself, and exp is monotone over the format.
#[test]
fn rounding_fixes_the_format_and_exp_is_monotone() {
    for f in [
        Format::fixed(5, 2, Rounding::NearestEven),
        Format::float(4, 3, true, Rounding::NearestEven, Overflow::Inf),
        Format::float(5, 2, false, Rounding::TowardZero, Overflow::Saturate),
    ] {
        let values = f.values().unwrap();
        let mut last = Num::NegInf;
        for v in &values {
            assert_eq!(&f.round(v).unwrap(), v, "{f:?} {v}");
            if v.is_finite() && v.signum() <= 0 {
                let e = f.exp(v).unwrap();
                assert!(e >= last, "{f:?}: exp not monotone at {v}");
                last = e;
            }
        }
    }
}
