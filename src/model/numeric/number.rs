//! Number formats and exact arithmetic (docs/NUMERIC.md §1).
//!
//! Every value of a format is a dyadic rational m·2^e, held exactly as [`Dyadic`]
//! (a big-integer mantissa). Sums and products of dyadics are exact; [`Format::round`]
//! rounds an exact rational once, by the format's rounding mode and overflow rule;
//! [`Format::exp`] and [`Format::inv_sqrt`] are correctly rounded by Ziv's method: an
//! enclosing interval at growing precision until both ends round to the same value
//! (exp of a non-zero rational is irrational, so it never lies on a rounding boundary).
//!
//! ```
//! use ltlattn::model::numeric::{Format, Num, Rounding, Overflow};
//! let f = Format::fixed(5, 2, Rounding::NearestEven);       // k/4 in [-32, 31.75]
//! let eighth = Num::ratio(1, 8);
//! assert_eq!(f.round(&eighth).unwrap(), Num::ratio(0, 1)); // a tie: to the even 0
//! let e = f.exp(&Num::ratio(-1, 1)).unwrap();               // e^-1 = 0.3678… → 0.25
//! assert_eq!(e, Num::ratio(1, 4));
//! ```

use std::cmp::Ordering;
use std::fmt;

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// How a format rounds an exact result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// To the nearest value; ties to the one with an even last digit.
    NearestEven,
    /// Toward zero (truncation).
    TowardZero,
}

/// What a result beyond the largest finite value becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Overflow {
    /// ± the largest finite value.
    Saturate,
    /// ±∞ (float formats only).
    Inf,
}

/// The shape of a number format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "format", rename_all = "kebab-case")]
pub enum Kind {
    /// k·2^-frac_bits in [-2^int_bits, 2^int_bits − 2^-frac_bits].
    Fixed {
        /// Integer bits (without the sign).
        int_bits: u32,
        /// Fraction bits.
        frac_bits: u32,
    },
    /// IEEE-754 layout: bias 2^(exp_bits−1) − 1, the all-ones exponent for ±∞.
    Float {
        /// Exponent bits.
        exp_bits: u32,
        /// Mantissa (fraction) bits.
        man_bits: u32,
        /// Whether values below the smallest normal exist.
        subnormals: bool,
    },
}

/// A number format F: its values, rounding and overflow rule. Named by `Display` and
/// `FromStr` (`fixed4.4`, `e4m3`, `e5m2-inf`; grammar/numeric.md, "Format names").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Format {
    /// Fixed or float, with its widths.
    #[serde(flatten)]
    pub kind: Kind,
    /// Rounding mode.
    pub rounding: Rounding,
    /// Overflow rule.
    pub overflow: Overflow,
}

/// An exact dyadic rational `mant · 2^exp` (normalized: the mantissa is odd, or zero
/// with exponent 0).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dyadic {
    mant: Mant,
    exp: i64,
}

/// A mantissa: a machine integer whenever it fits in an `i64` (always so normalized,
/// which keeps equality and hashing structural), a big integer otherwise. The small case
/// is the hot one — format values, exp weights, counts — and computes without allocating.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Mant {
    Small(i64),
    Big(BigInt),
}

impl Mant {
    fn of(m: BigInt) -> Mant {
        match m.to_i64() {
            Some(v) => Mant::Small(v),
            None => Mant::Big(m),
        }
    }

    fn big(&self) -> BigInt {
        match self {
            Mant::Small(v) => BigInt::from(*v),
            Mant::Big(b) => b.clone(),
        }
    }

    fn sign(&self) -> Sign {
        match self {
            Mant::Small(v) => match v.cmp(&0) {
                Ordering::Less => Sign::Minus,
                Ordering::Equal => Sign::NoSign,
                Ordering::Greater => Sign::Plus,
            },
            Mant::Big(b) => b.sign(),
        }
    }

    /// The number of bits of |m| (0 for 0).
    fn bits(&self) -> u64 {
        match self {
            Mant::Small(v) => 64 - v.unsigned_abs().leading_zeros() as u64,
            Mant::Big(b) => b.bits(),
        }
    }
}

impl fmt::Display for Mant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mant::Small(v) => write!(f, "{v}"),
            Mant::Big(b) => write!(f, "{b}"),
        }
    }
}

/// The largest shift of an `i64` mantissa that the `i128` fast paths take (an `i64`
/// shifted by 62 has at most 126 bits, so a sum of two still fits).
const SMALL_SHIFT: i64 = 62;

impl Dyadic {
    /// `mant · 2^exp`, normalized.
    pub fn new(mant: BigInt, exp: i64) -> Dyadic {
        if mant.is_zero() {
            return Dyadic::zero();
        }
        if let Some(v) = mant.to_i128() {
            return Dyadic::small(v, exp);
        }
        let tz = mant.trailing_zeros().unwrap_or(0) as i64;
        Dyadic {
            mant: Mant::of(mant >> tz as usize),
            exp: exp + tz,
        }
    }

    /// `m · 2^exp`, normalized, without a big integer when the result fits in an `i64`.
    fn small(m: i128, exp: i64) -> Dyadic {
        if m == 0 {
            return Dyadic::zero();
        }
        let tz = m.trailing_zeros();
        let m = m >> tz;
        Dyadic {
            mant: match i64::try_from(m) {
                Ok(v) => Mant::Small(v),
                Err(_) => Mant::Big(BigInt::from(m)),
            },
            exp: exp + tz as i64,
        }
    }

    fn zero() -> Dyadic {
        Dyadic {
            mant: Mant::Small(0),
            exp: 0,
        }
    }

    fn is_zero(&self) -> bool {
        self.mant == Mant::Small(0)
    }

    fn add(&self, o: &Dyadic) -> Dyadic {
        if self.is_zero() {
            return o.clone();
        }
        if o.is_zero() {
            return self.clone();
        }
        let e = self.exp.min(o.exp);
        if let (Mant::Small(a), Mant::Small(b)) = (&self.mant, &o.mant) {
            let (sa, sb) = (self.exp - e, o.exp - e);
            if sa <= SMALL_SHIFT && sb <= SMALL_SHIFT {
                return Dyadic::small(((*a as i128) << sa) + ((*b as i128) << sb), e);
            }
        }
        let a = self.mant.big() << (self.exp - e) as usize;
        let b = o.mant.big() << (o.exp - e) as usize;
        Dyadic::new(a + b, e)
    }

    fn mul(&self, o: &Dyadic) -> Dyadic {
        if let (Mant::Small(a), Mant::Small(b)) = (&self.mant, &o.mant) {
            return Dyadic::small(*a as i128 * *b as i128, self.exp + o.exp);
        }
        Dyadic::new(self.mant.big() * o.mant.big(), self.exp + o.exp)
    }

    fn neg(&self) -> Dyadic {
        match &self.mant {
            Mant::Small(v) => Dyadic::small(-(*v as i128), self.exp),
            Mant::Big(b) => Dyadic {
                mant: Mant::of(-b),
                exp: self.exp,
            },
        }
    }

    /// As a fraction `(num, den)` with `den` a positive power of two or one.
    fn fraction(&self) -> (BigInt, BigInt) {
        if self.exp >= 0 {
            (self.mant.big() << self.exp as usize, BigInt::one())
        } else {
            (self.mant.big(), BigInt::one() << (-self.exp) as usize)
        }
    }

    /// Exact comparison; by sign and magnitude (the position of the top bit) first, so
    /// only values of the same sign and binade are aligned (the hot path of the compiler).
    fn cmp(&self, o: &Dyadic) -> Ordering {
        let (sa, sb) = (self.mant.sign(), o.mant.sign());
        if sa != sb {
            return sa.cmp_to_zero().cmp(&sb.cmp_to_zero());
        }
        if sa == Sign::NoSign {
            return Ordering::Equal;
        }
        // Both non-zero with the same sign: compare magnitudes, then flip for negatives.
        let top = |d: &Dyadic| d.exp + d.mant.bits() as i64;
        let by_mag = match top(self).cmp(&top(o)) {
            Ordering::Equal => {
                let e = self.exp.min(o.exp);
                let (da, db) = (self.exp - e, o.exp - e);
                match (&self.mant, &o.mant) {
                    (Mant::Small(a), Mant::Small(b)) if da <= SMALL_SHIFT && db <= SMALL_SHIFT => {
                        ((a.unsigned_abs() as u128) << da).cmp(&((b.unsigned_abs() as u128) << db))
                    }
                    _ => {
                        let a = self.mant.big().magnitude() << da as usize;
                        let b = o.mant.big().magnitude() << db as usize;
                        a.cmp(&b)
                    }
                }
            }
            other => other,
        };
        if sa == Sign::Minus {
            by_mag.reverse()
        } else {
            by_mag
        }
    }

    /// Nearest f64 (for display only).
    fn to_f64(&self) -> f64 {
        let big = self.mant.big();
        let bits = big.bits() as i64;
        let shift = (bits - 60).max(0);
        let m = (&big >> shift as usize).to_f64().unwrap_or(0.0);
        m * 2f64.powi((self.exp + shift).clamp(-2000, 2000) as i32)
    }
}

trait SignCmp {
    fn cmp_to_zero(self) -> Ordering;
}

impl SignCmp for Sign {
    fn cmp_to_zero(self) -> Ordering {
        match self {
            Sign::Minus => Ordering::Less,
            Sign::NoSign => Ordering::Equal,
            Sign::Plus => Ordering::Greater,
        }
    }
}

/// A value: finite and exact, or ±∞ (only in float formats with `overflow = "inf"`, and
/// the softmax denominator in every format).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Num {
    /// A finite value.
    Fin(Dyadic),
    /// +∞.
    PosInf,
    /// −∞.
    NegInf,
}

/// An operation that would make NaN: the tool never produces one (docs/NUMERIC.md §1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{op} of {a} and {b} is not a number")]
pub struct NanError {
    /// The operation (`sum`, `product`, `difference`).
    pub op: &'static str,
    /// Its operands, as printed.
    pub a: String,
    /// The other operand.
    pub b: String,
}

impl Num {
    /// Zero.
    pub fn zero() -> Num {
        Num::Fin(Dyadic::zero())
    }

    /// The exact value `num / 2^k` when `den` is a power of two; otherwise the nearest
    /// dyadic below is not taken — this constructor is for dyadic ratios only (tests and
    /// examples), and panics on any other denominator.
    pub fn ratio(num: i64, den: i64) -> Num {
        assert!(den > 0 && (den & (den - 1)) == 0, "a dyadic ratio");
        Num::Fin(Dyadic::new(
            BigInt::from(num),
            -(den.trailing_zeros() as i64),
        ))
    }

    /// The integer `n`.
    pub fn int(n: u64) -> Num {
        Num::Fin(Dyadic::small(n as i128, 0))
    }

    /// The exact value of an `f64` (finite), or ±∞.
    pub fn from_f64(x: f64) -> Option<Num> {
        if x.is_nan() {
            return None;
        }
        if x.is_infinite() {
            return Some(if x > 0.0 { Num::PosInf } else { Num::NegInf });
        }
        if x == 0.0 {
            return Some(Num::zero());
        }
        let bits = x.to_bits();
        let sign = if bits >> 63 == 1 { -1 } else { 1 };
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let frac = (bits & ((1u64 << 52) - 1)) as i64;
        let (m, e) = if exp == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), exp - 1075)
        };
        Some(Num::Fin(Dyadic::new(BigInt::from(sign * m), e)))
    }

    /// Whether the value is finite.
    pub fn is_finite(&self) -> bool {
        matches!(self, Num::Fin(_))
    }

    /// The sign: −1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match self {
            Num::Fin(d) => match d.mant.sign() {
                Sign::Minus => -1,
                Sign::NoSign => 0,
                Sign::Plus => 1,
            },
            Num::PosInf => 1,
            Num::NegInf => -1,
        }
    }

    /// Nearest f64 (display and reports only; never used in computation).
    pub fn to_f64(&self) -> f64 {
        match self {
            Num::Fin(d) => d.to_f64(),
            Num::PosInf => f64::INFINITY,
            Num::NegInf => f64::NEG_INFINITY,
        }
    }

    /// The exact sum of `terms`; ∞ − ∞ is an error.
    pub fn sum<'a>(terms: impl IntoIterator<Item = &'a Num>) -> Result<Num, NanError> {
        let (mut fin, mut pos, mut neg) = (Dyadic::zero(), false, false);
        for t in terms {
            match t {
                Num::Fin(d) => fin = fin.add(d),
                Num::PosInf => pos = true,
                Num::NegInf => neg = true,
            }
        }
        match (pos, neg) {
            (true, true) => Err(NanError {
                op: "sum",
                a: "+∞".into(),
                b: "−∞".into(),
            }),
            (true, false) => Ok(Num::PosInf),
            (false, true) => Ok(Num::NegInf),
            (false, false) => Ok(Num::Fin(fin)),
        }
    }

    /// The exact product; ∞·0 is an error.
    pub fn mul(&self, o: &Num) -> Result<Num, NanError> {
        match (self, o) {
            (Num::Fin(a), Num::Fin(b)) => Ok(Num::Fin(a.mul(b))),
            _ => {
                let s = self.signum() * o.signum();
                match s.cmp(&0) {
                    Ordering::Greater => Ok(Num::PosInf),
                    Ordering::Less => Ok(Num::NegInf),
                    Ordering::Equal => Err(NanError {
                        op: "product",
                        a: self.to_string(),
                        b: o.to_string(),
                    }),
                }
            }
        }
    }

    /// The exact difference `self − o`; ∞ − ∞ is an error.
    pub fn sub(&self, o: &Num) -> Result<Num, NanError> {
        Num::sum([self, &o.neg()])
    }

    /// −x.
    pub fn neg(&self) -> Num {
        match self {
            Num::Fin(d) => Num::Fin(d.neg()),
            Num::PosInf => Num::NegInf,
            Num::NegInf => Num::PosInf,
        }
    }

    /// max(x, 0).
    pub fn relu(&self) -> Num {
        if self.signum() < 0 {
            Num::zero()
        } else {
            self.clone()
        }
    }

    fn as_fraction(&self) -> Option<(BigInt, BigInt)> {
        match self {
            Num::Fin(d) => Some(d.fraction()),
            _ => None,
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Num {
    fn cmp(&self, o: &Self) -> Ordering {
        match (self, o) {
            (Num::Fin(a), Num::Fin(b)) => a.cmp(b),
            (Num::PosInf, Num::PosInf) | (Num::NegInf, Num::NegInf) => Ordering::Equal,
            (Num::PosInf, _) | (_, Num::NegInf) => Ordering::Greater,
            (Num::NegInf, _) | (_, Num::PosInf) => Ordering::Less,
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::PosInf => write!(f, "+∞"),
            Num::NegInf => write!(f, "−∞"),
            Num::Fin(d) => {
                // The shortest decimal when an f64 holds the value exactly, else m·2^e.
                let v = d.to_f64();
                if Num::from_f64(v).as_ref() == Some(self) {
                    write!(f, "{v}")
                } else {
                    write!(f, "{}·2^{}", d.mant, d.exp)
                }
            }
        }
    }
}

/// An exact positive rational `num/den`, for rounding.
struct Ratio {
    num: BigInt,
    den: BigInt,
}

impl Format {
    /// A fixed-point format with saturation.
    pub fn fixed(int_bits: u32, frac_bits: u32, rounding: Rounding) -> Format {
        Format {
            kind: Kind::Fixed {
                int_bits,
                frac_bits,
            },
            rounding,
            overflow: Overflow::Saturate,
        }
    }

    /// A float format.
    pub fn float(
        exp_bits: u32,
        man_bits: u32,
        subnormals: bool,
        rounding: Rounding,
        overflow: Overflow,
    ) -> Format {
        Format {
            kind: Kind::Float {
                exp_bits,
                man_bits,
                subnormals,
            },
            rounding,
            overflow,
        }
    }

    /// The largest finite value.
    pub fn max_finite(&self) -> Num {
        Num::Fin(self.largest_magnitude(false))
    }

    /// The smallest positive value.
    pub fn min_positive(&self) -> Num {
        match self.kind {
            Kind::Fixed { frac_bits, .. } => {
                Num::Fin(Dyadic::new(BigInt::one(), -(frac_bits as i64)))
            }
            Kind::Float {
                exp_bits,
                man_bits,
                subnormals,
            } => {
                let emin = emin(exp_bits);
                let e = if subnormals {
                    emin - man_bits as i64
                } else {
                    emin
                };
                Num::Fin(Dyadic::new(BigInt::one(), e))
            }
        }
    }

    /// Rounds an exact value once into the format (finite values; ±∞ stay ±∞ in
    /// `inf` formats and saturate otherwise).
    pub fn round(&self, x: &Num) -> Result<Num, NanError> {
        if let Some(r) = self.round_small(x, false) {
            return Ok(r);
        }
        match x.as_fraction() {
            Some((n, d)) => Ok(self.round_ratio(n, d, false)),
            None => Ok(match (x, self.overflow) {
                (Num::PosInf, Overflow::Inf) => Num::PosInf,
                (Num::NegInf, Overflow::Inf) => Num::NegInf,
                (Num::PosInf, _) => self.max_finite(),
                _ => self.max_finite().neg(),
            }),
        }
    }

    /// The softmax denominator's rounding: beyond the largest finite value it is +∞ in
    /// every format (docs/NUMERIC.md §2.4), whatever the overflow rule says.
    pub fn round_denominator(&self, x: &Num) -> Result<Num, NanError> {
        if let Some(r) = self.round_small(x, true) {
            return Ok(r);
        }
        match x.as_fraction() {
            Some((n, d)) => Ok(self.round_ratio(n, d, true)),
            None => Ok(x.clone()),
        }
    }

    /// [`Format::round_ratio`] for a finite value with a machine-integer mantissa, in
    /// integer arithmetic (`None`: not such a value, or a format whose widths exceed the
    /// fast path; the general path then rounds it). Step for step the same rule as
    /// `round_magnitude`: the grid's quantum, the mode's choice, the flush below the
    /// smallest normal without subnormals, the overflow; `tests/numeric_fast.rs` checks it
    /// against the general path.
    fn round_small(&self, x: &Num, overflow_to_inf: bool) -> Option<Num> {
        let Num::Fin(Dyadic {
            mant: Mant::Small(m),
            exp,
        }) = x
        else {
            return None;
        };
        let (m, exp) = (*m, *exp);
        if m == 0 {
            return Some(Num::zero());
        }
        let negative = m < 0;
        let a = m.unsigned_abs() as u128;
        let bits = 128 - a.leading_zeros() as i64;
        // ⌊log2 |x|⌋ = exp + bits − 1.
        let (q, flush_below) = match self.kind {
            Kind::Fixed {
                int_bits,
                frac_bits,
            } => {
                if int_bits + frac_bits > 120 {
                    return None;
                }
                (-(frac_bits as i64), None)
            }
            Kind::Float {
                exp_bits,
                man_bits,
                subnormals,
            } => {
                if exp_bits > 20 || man_bits > 120 {
                    return None;
                }
                let emin = emin(exp_bits);
                let e = (exp + bits - 1).max(emin);
                (e - man_bits as i64, (!subnormals).then_some(emin))
            }
        };
        // k·2^q, the value on the grid.
        let (k, kexp) = if exp >= q {
            (a, exp)
        } else {
            let s = q - exp;
            let (fl, up) = if s >= 128 {
                // |x| < 2^64 ≤ half a quantum: the floor is 0 and the remainder below half.
                (0u128, false)
            } else {
                let fl = a >> s;
                let rem = a & ((1u128 << s) - 1);
                let half = 1u128 << (s - 1);
                let up = match self.rounding {
                    Rounding::TowardZero => false,
                    Rounding::NearestEven => rem > half || (rem == half && fl & 1 == 1),
                };
                (fl, up)
            };
            (fl + up as u128, q)
        };
        let mut value = Dyadic::small(k as i128, kexp);
        if let Some(emin) = flush_below {
            // Below the smallest normal 2^emin: 0 or 2^emin, whichever is nearer (ties
            // and truncation to 0). |x| > 2^(emin−1) ⟺ a > 2^(emin−1−exp).
            let below = value.is_zero() || value.exp + (value.mant.bits() as i64) - 1 < emin;
            if below {
                let p = emin - 1 - exp;
                let more_than_half = match self.rounding {
                    Rounding::TowardZero => false,
                    Rounding::NearestEven => p < 0 || (p < 127 && a > (1u128 << p)),
                };
                value = if more_than_half {
                    Dyadic::small(1, emin)
                } else {
                    Dyadic::zero()
                };
            }
        }
        let max = self.largest_magnitude(negative);
        let mag = if value.cmp(&max) == Ordering::Greater {
            self.beyond(overflow_to_inf, max)
        } else {
            Num::Fin(value)
        };
        Some(if negative { mag.neg() } else { mag })
    }

    /// Rounds `num/den` (den ≠ 0) once.
    pub fn round_ratio(&self, num: BigInt, den: BigInt, overflow_to_inf: bool) -> Num {
        let negative = (num.sign() == Sign::Minus) != (den.sign() == Sign::Minus);
        let r = Ratio {
            num: num.abs(),
            den: den.abs(),
        };
        if r.num.is_zero() {
            return Num::zero();
        }
        let mag = self.round_magnitude(&r, overflow_to_inf, negative);
        if negative {
            mag.neg()
        } else {
            mag
        }
    }

    /// Rounds a positive rational: the two neighbours on the format's grid (with an
    /// unbounded exponent range), the mode's choice, then underflow and overflow.
    fn round_magnitude(&self, r: &Ratio, overflow_to_inf: bool, negative: bool) -> Num {
        let (quantum_exp, flush_below) = match self.kind {
            Kind::Fixed { frac_bits, .. } => (-(frac_bits as i64), None),
            Kind::Float {
                exp_bits,
                man_bits,
                subnormals,
            } => {
                let emin = emin(exp_bits);
                let e = floor_log2(r).max(emin);
                (e - man_bits as i64, (!subnormals).then_some(emin))
            }
        };
        // k = r / 2^quantum_exp, split into floor and remainder.
        let (scaled_num, scaled_den) = if quantum_exp >= 0 {
            (r.num.clone(), &r.den << quantum_exp as usize)
        } else {
            (&r.num << (-quantum_exp) as usize, r.den.clone())
        };
        let (q, rem) = scaled_num.div_rem(&scaled_den);
        let up = match self.rounding {
            Rounding::TowardZero => false,
            Rounding::NearestEven => match (&rem * 2u32).cmp(&scaled_den) {
                Ordering::Less => false,
                Ordering::Greater => true,
                Ordering::Equal => q.is_odd(),
            },
        };
        let k = if up { q + 1u32 } else { q };
        let mut value = Num::Fin(Dyadic::new(k, quantum_exp));
        if let Some(emin) = flush_below {
            let min_normal = Num::Fin(Dyadic::new(BigInt::one(), emin));
            if value < min_normal {
                // No subnormals: 0 or the smallest normal, whichever is nearer (ties and
                // truncation to 0).
                let twice = Ratio {
                    num: &r.num * 2u32,
                    den: r.den.clone(),
                };
                let half_or_more = match self.rounding {
                    Rounding::TowardZero => false,
                    Rounding::NearestEven => {
                        floor_log2(&twice) >= emin && !is_exact_power(&twice, emin)
                    }
                };
                value = if half_or_more {
                    min_normal
                } else {
                    Num::zero()
                };
            }
        }
        let max = self.largest_magnitude(negative);
        if value > Num::Fin(max.clone()) {
            return self.beyond(overflow_to_inf, max);
        }
        value
    }

    /// The largest magnitude a rounded result of this sign can have: the largest finite
    /// value, except that fixed formats reach one step further below zero (−2^int_bits).
    fn largest_magnitude(&self, negative: bool) -> Dyadic {
        let (bits, exp) = match self.kind {
            Kind::Fixed { int_bits, .. } if negative => return Dyadic::small(1, int_bits as i64),
            Kind::Fixed {
                int_bits,
                frac_bits,
            } => (int_bits + frac_bits, -(frac_bits as i64)),
            Kind::Float {
                exp_bits, man_bits, ..
            } => (man_bits + 1, (1i64 << (exp_bits - 1)) - 1 - man_bits as i64),
        };
        // (2^bits − 1)·2^exp.
        if bits < 127 {
            Dyadic::small((1i128 << bits) - 1, exp)
        } else {
            Dyadic::new((BigInt::one() << bits as usize) - 1, exp)
        }
    }

    /// What a magnitude beyond [`Format::largest_magnitude`] rounds to: +∞ (the
    /// denominator, or `inf` formats rounding to nearest) or that largest magnitude.
    fn beyond(&self, overflow_to_inf: bool, max: Dyadic) -> Num {
        let to_inf = overflow_to_inf
            || (self.overflow == Overflow::Inf && self.rounding == Rounding::NearestEven);
        if to_inf {
            Num::PosInf
        } else {
            Num::Fin(max)
        }
    }

    /// e^x, correctly rounded (x finite; e^−∞ = 0, e^+∞ = +∞ rounded). Results are
    /// remembered per thread (exp is pure; the executor and the compiler ask for the same
    /// few values very often).
    pub fn exp(&self, x: &Num) -> Result<Num, NanError> {
        thread_local! {
            static EXPS: std::cell::RefCell<std::collections::HashMap<(Format, Num), Num>> =
                std::cell::RefCell::new(std::collections::HashMap::new());
        }
        let key = (*self, x.clone());
        if let Some(e) = EXPS.with(|m| m.borrow().get(&key).cloned()) {
            return Ok(e);
        }
        let e = self.exp_uncached(x)?;
        EXPS.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() > 1 << 20 {
                m.clear();
            }
            m.insert(key, e.clone());
        });
        Ok(e)
    }

    fn exp_uncached(&self, x: &Num) -> Result<Num, NanError> {
        let d = match x {
            Num::NegInf => return Ok(Num::zero()),
            Num::PosInf => return self.round(&Num::PosInf),
            Num::Fin(d) => d,
        };
        if d.is_zero() {
            return self.round(&Num::Fin(Dyadic::new(BigInt::one(), 0)));
        }
        let mut prec = 64u64;
        loop {
            let (lo, hi) = exp_interval(d, prec);
            let a = self.round_ratio(lo.0, lo.1, false);
            let b = self.round_ratio(hi.0, hi.1, false);
            if a == b {
                return Ok(a);
            }
            prec *= 2;
        }
    }

    /// 1/√n for a positive integer n, correctly rounded (the default attention scale).
    pub fn inv_sqrt(&self, n: u64) -> Num {
        let n_big = BigInt::from(n);
        let root = n_big.sqrt();
        if &root * &root == n_big {
            return self.round_ratio(BigInt::one(), root, false);
        }
        let mut prec = 64usize;
        loop {
            // s ≤ √n · 2^prec < s + 1, so 1/√n ∈ (2^prec/(s+1), 2^prec/s).
            let s = (&n_big << (2 * prec)).sqrt();
            let top = BigInt::one() << prec;
            let a = self.round_ratio(top.clone(), &s + 1u32, false);
            let b = self.round_ratio(top, s, false);
            if a == b {
                return a;
            }
            prec *= 2;
        }
    }

    /// Layer norm of `x`, every component rounded once (docs/NUMERIC.md §2.7):
    /// yᵢ = round(γᵢ (xᵢ − mean)/√(var + ε) + βᵢ), with the population variance and `eps`
    /// the exact rational ε = eps.0 / eps.1 ≥ 0. Exact: with every xᵢ = Xᵢ/L over one
    /// denominator, uᵢ = d·Xᵢ − ΣX and W = q·Σu² + p·d³·L² (ε = p/q), the normalized
    /// value is uᵢ·√(q·d·W)/W; a perfect square is taken exactly, otherwise √ is bracketed
    /// by integer square roots at growing precision until both ends round alike (an
    /// irrational value is never a rounding boundary, so this ends).
    pub fn layer_norm(
        &self,
        x: &[Num],
        gamma: &[Num],
        beta: &[Num],
        eps: &(BigInt, BigInt),
    ) -> Result<Vec<Num>, NanError> {
        let nan = |why: &str| NanError {
            op: "layer norm",
            a: format!(
                "[{}]",
                x.iter().map(Num::to_string).collect::<Vec<_>>().join(", ")
            ),
            b: why.to_string(),
        };
        if x.iter().chain(gamma).chain(beta).any(|v| !v.is_finite()) {
            return Err(nan("an infinite component"));
        }
        let fr: Vec<(BigInt, BigInt)> = x.iter().map(fraction_of).collect();
        let l = fr
            .iter()
            .map(|(_, d)| d.clone())
            .max()
            .unwrap_or_else(BigInt::one);
        let xs: Vec<BigInt> = fr.iter().map(|(n, d)| n * (&l / d)).collect();
        let d = BigInt::from(x.len());
        let s: BigInt = xs.iter().sum();
        let u: Vec<BigInt> = xs.iter().map(|xi| &d * xi - &s).collect();
        let q2: BigInt = u.iter().map(|v| v * v).sum();
        let (p, q) = eps;
        let w = q * &q2 + p * &d * &d * &d * &l * &l;
        if w.is_zero() {
            return Err(nan("a constant vector with ε = 0 (0/0)"));
        }
        let m = q * &d * &w;
        let root = m.sqrt();
        let exact = (&root * &root == m).then_some(root);
        let mut out = Vec::with_capacity(x.len());
        for ((ui, g), b) in u.iter().zip(gamma).zip(beta) {
            let (gn, gd) = fraction_of(g);
            let (bn, bd) = fraction_of(b);
            // y = β + γ·u·√M/W = (bn·gd·W + bd·gn·u·√M) / (bd·gd·W).
            let c = &bd * &gn * ui;
            let base = &bn * &gd * &w;
            let den = &bd * &gd * &w;
            if c.is_zero() {
                out.push(self.round_ratio(base, den, false));
                continue;
            }
            if let Some(r) = &exact {
                out.push(self.round_ratio(&base + &c * r, den, false));
                continue;
            }
            let mut prec = 64usize;
            loop {
                // t ≤ √M · 2^prec < t + 1.
                let t = (&m << (2 * prec)).sqrt();
                let scaled_base = &base << prec;
                let scaled_den = &den << prec;
                let lo = self.round_ratio(&scaled_base + &c * &t, scaled_den.clone(), false);
                let hi = self.round_ratio(&scaled_base + &c * (&t + 1u32), scaled_den, false);
                if lo == hi {
                    out.push(lo);
                    break;
                }
                prec *= 2;
            }
        }
        Ok(out)
    }

    /// Every value of the format in increasing order (for tests and small formats:
    /// refuses formats with more than 2^20 values).
    pub fn values(&self) -> Option<Vec<Num>> {
        let mut out = Vec::new();
        match self.kind {
            Kind::Fixed {
                int_bits,
                frac_bits,
            } => {
                let n = int_bits + frac_bits;
                if n > 19 {
                    return None;
                }
                for k in -(1i64 << n)..(1i64 << n) {
                    out.push(Num::Fin(Dyadic::new(BigInt::from(k), -(frac_bits as i64))));
                }
            }
            Kind::Float {
                exp_bits,
                man_bits,
                subnormals,
            } => {
                if exp_bits + man_bits > 18 {
                    return None;
                }
                let bias = (1i64 << (exp_bits - 1)) - 1;
                let mut pos = Vec::new();
                for biased in 0..(1i64 << exp_bits) - 1 {
                    for frac in 0..(1i64 << man_bits) {
                        let v = if biased == 0 {
                            if !subnormals || frac == 0 {
                                continue;
                            }
                            Dyadic::new(BigInt::from(frac), 1 - bias - man_bits as i64)
                        } else {
                            Dyadic::new(
                                BigInt::from(frac | (1 << man_bits)),
                                biased - bias - man_bits as i64,
                            )
                        };
                        pos.push(Num::Fin(v));
                    }
                }
                out.extend(pos.iter().rev().map(Num::neg));
                out.push(Num::zero());
                out.extend(pos);
                if self.overflow == Overflow::Inf {
                    out.insert(0, Num::NegInf);
                    out.push(Num::PosInf);
                }
            }
        }
        Some(out)
    }
}

/// A finite value as a fraction (num, den), den > 0; ±∞ as (±1, 0).
pub(crate) fn fraction_of(n: &Num) -> (BigInt, BigInt) {
    match n {
        Num::Fin(d) => d.fraction(),
        Num::PosInf => (BigInt::one(), BigInt::zero()),
        Num::NegInf => (-BigInt::one(), BigInt::zero()),
    }
}

/// The exponent of the smallest normal value of a float format with `exp_bits`.
fn emin(exp_bits: u32) -> i64 {
    2 - (1i64 << (exp_bits - 1))
}

/// ⌊log2(r)⌋ for a positive rational.
fn floor_log2(r: &Ratio) -> i64 {
    let mut e = r.num.bits() as i64 - r.den.bits() as i64;
    // 2^e ≤ r < 2^(e+1)?
    let ge = |e: i64| -> bool {
        if e >= 0 {
            r.num >= (&r.den << e as usize)
        } else {
            (&r.num << (-e) as usize) >= r.den
        }
    };
    while !ge(e) {
        e -= 1;
    }
    while ge(e + 1) {
        e += 1;
    }
    e
}

/// Whether r = 2^e exactly.
fn is_exact_power(r: &Ratio, e: i64) -> bool {
    if e >= 0 {
        r.num == (&r.den << e as usize)
    } else {
        (&r.num << (-e) as usize) == r.den
    }
}

/// An interval (lo, hi), each as (num, den), that contains e^d, computed with about
/// `prec` bits: argument reduction d = r·2^k with |r| ≤ 2^-8, a Taylor sum with its
/// remainder bound, then k squarings rounded outward.
fn exp_interval(d: &Dyadic, prec: u64) -> ((BigInt, BigInt), (BigInt, BigInt)) {
    // |d| < 2^bits(d); take k with |d| / 2^k ≤ 2^-8.
    let mag_bits = d.mant.bits() as i64 + d.exp;
    let k = (mag_bits + 8).max(0) as u64;
    let p = (prec + k + 16) as usize;
    // r = d / 2^k as a fraction over 2^p, rounded outward later by the error term.
    let r = Dyadic::new(d.mant.big(), d.exp - k as i64);
    let (rn, rd) = r.fraction();
    // Fixed point at scale 2^p: term_n = r^n / n!, summed until the term < 2^-p.
    let scale = BigInt::one() << p;
    let mut sum = scale.clone();
    let mut term_num = BigInt::one();
    let mut term_den = BigInt::one();
    let mut n = 0u64;
    loop {
        n += 1;
        term_num *= &rn;
        term_den *= &rd * BigInt::from(n);
        let t = (&term_num * &scale).div_floor(&term_den);
        sum += &t;
        // |r| ≤ 2^-8: the remaining terms sum to less than 2·|term| each later factor ≤ 1/256.
        if t.abs() <= BigInt::one() && n > 2 {
            break;
        }
    }
    // Truncation of each term (floor) is at most 1 unit per term, the tail at most 2 units.
    let slack = BigInt::from(n + 4);
    let mut lo = &sum - &slack;
    let mut hi = &sum + &slack;
    if lo.sign() != Sign::Plus {
        lo = BigInt::one();
    }
    // Square k times at scale 2^p, rounding lo down and hi up.
    for _ in 0..k {
        lo = (&lo * &lo) >> p;
        hi = ((&hi * &hi) >> p) + 1u32;
    }
    ((lo, scale.clone()), (hi, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_range_is_asymmetric() {
        let f = Format::fixed(5, 2, Rounding::NearestEven);
        assert_eq!(f.round(&Num::ratio(-1000, 1)).unwrap(), Num::ratio(-32, 1));
        assert_eq!(f.round(&Num::ratio(1000, 1)).unwrap(), Num::ratio(127, 4));
    }

    #[test]
    fn fixed_grid_ties_and_saturation() {
        let f = Format::fixed(5, 2, Rounding::NearestEven);
        assert_eq!(f.round(&Num::ratio(3, 8)).unwrap(), Num::ratio(2, 4));
        assert_eq!(f.round(&Num::ratio(5, 8)).unwrap(), Num::ratio(2, 4));
        assert_eq!(f.round(&Num::ratio(1000, 1)).unwrap(), Num::ratio(127, 4));
        let t = Format::fixed(5, 2, Rounding::TowardZero);
        assert_eq!(t.round(&Num::ratio(-7, 8)).unwrap(), Num::ratio(-3, 4));
    }

    #[test]
    fn fp16_extremes() {
        let h = Format::float(5, 10, true, Rounding::NearestEven, Overflow::Inf);
        assert_eq!(h.max_finite().to_f64(), 65504.0);
        assert_eq!(h.min_positive().to_f64(), 2f64.powi(-24));
        assert_eq!(
            h.round(&Num::from_f64(65520.0).unwrap()).unwrap(),
            Num::PosInf
        );
        assert_eq!(
            h.round(&Num::from_f64(65519.0).unwrap()).unwrap().to_f64(),
            65504.0
        );
    }
}

#[cfg(test)]
mod cmp_tests {
    use super::*;

    /// The fast comparison agrees with the sign of the exact difference on values of
    /// every sign, binade and alignment (mantissas −40…40, exponents −6…6).
    #[test]
    fn comparison_is_the_sign_of_the_difference() {
        let values: Vec<Dyadic> = (-40i64..=40)
            .flat_map(|m| (-6i64..=6).map(move |e| Dyadic::new(BigInt::from(m), e)))
            .collect();
        for a in &values {
            for b in &values {
                let slow = a.add(&b.neg()).mant.sign().cmp_to_zero();
                assert_eq!(a.cmp(b), slow, "{a:?} vs {b:?}");
            }
        }
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    /// The integer rounding path gives the general path's result — on edge mantissas
    /// (±1, ±2^k ± 1, the i64 extremes) and 40,000 pseudo-random ones per format and
    /// overflow rule, at exponents across each format's range and far beyond it.
    #[test]
    fn small_rounding_is_the_general_rounding() {
        let mut formats = Vec::new();
        for r in [Rounding::NearestEven, Rounding::TowardZero] {
            for (i, fr) in [(2, 1), (5, 2), (3, 4), (16, 16), (0, 3), (60, 60)] {
                formats.push(Format::fixed(i, fr, r));
            }
            for (e, m) in [(4, 3), (5, 2), (5, 10), (8, 7), (2, 1), (11, 52)] {
                for sub in [true, false] {
                    for o in [Overflow::Saturate, Overflow::Inf] {
                        formats.push(Format::float(e, m, sub, r, o));
                    }
                }
            }
        }
        let mut mants: Vec<i64> = vec![1, -1, 2, 3, i64::MAX, i64::MIN, i64::MIN + 1];
        for k in 1..63 {
            for d in [-1i64, 0, 1] {
                mants.push((1i64 << k) + d);
                mants.push(-((1i64 << k) + d));
            }
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for f in formats {
            let mut cases: Vec<(i64, i64)> = Vec::new();
            for &m in &mants {
                for e in (-80..=80).step_by(7) {
                    cases.push((m, e));
                }
            }
            for _ in 0..40_000 {
                let bits = next() % 64;
                let m =
                    (next() >> (64 - bits.max(1))) as i64 * if next() & 1 == 1 { -1 } else { 1 };
                let e = (next() % 240) as i64 - 140;
                cases.push((m, e));
            }
            for (m, e) in cases {
                let x = Num::Fin(Dyadic::new(BigInt::from(m), e));
                for inf in [false, true] {
                    let fast = f.round_small(&x, inf).expect("the fast path takes it");
                    let (n, d) = fraction_of(&x);
                    let slow = f.round_ratio(n, d, inf);
                    assert_eq!(fast, slow, "{f:?}: {m}·2^{e}, overflow to ∞: {inf}");
                }
            }
        }
    }
}
