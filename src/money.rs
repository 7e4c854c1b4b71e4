//! Exact numbers: money in integer grosze, quantities in integer thousandths. Never `f64`.
//!
//! Parsing accepts what both APIs send: `"149.95"`, `"149,95"`, `"3.00"`, `"10"`, `"-2"`,
//! `"7.500"`, a leading `+`, surrounding spaces and spaces or non-breaking spaces as thousands
//! separators (`"1 234,50"`). More decimals than the type holds are an error unless they are
//! zeros (`"290.0000"` is fine, `"1.005"` as money is not), so nothing is ever rounded silently.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

/// Why a decimal string was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberError {
    Empty,
    /// Not a decimal number at all (letters, two separators, …).
    NotANumber,
    /// More significant decimal places than the type keeps.
    TooPrecise {
        max_places: u32,
    },
    /// Does not fit in 64 bits.
    TooLarge,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::Empty => write!(f, "pusta wartość"),
            NumberError::NotANumber => write!(f, "to nie jest liczba"),
            NumberError::TooPrecise { max_places } => write!(f, "za dużo miejsc po przecinku (najwyżej {max_places})"),
            NumberError::TooLarge => write!(f, "liczba jest za duża"),
        }
    }
}

/// Parse a decimal string into an integer scaled by `10^places`.
pub fn parse_scaled(text: &str, places: u32) -> Result<i64, NumberError> {
    const SPACES: [char; 3] = [' ', '\u{a0}', '\u{202f}'];
    let trimmed = text.trim();
    // Spaces inside (`1 234,50`) are dropped; most numbers have none and are read in place.
    // (Only a text with a space or a non-ASCII character can hold one of them.)
    let cleaned: std::borrow::Cow<str> = if trimmed.bytes().any(|b| b == b' ' || !b.is_ascii()) && trimmed.contains(SPACES) {
        trimmed.chars().filter(|c| !SPACES.contains(c)).collect::<String>().into()
    } else {
        trimmed.into()
    };
    if cleaned.is_empty() {
        return Err(NumberError::Empty);
    }
    let (negative, digits) = match cleaned.as_bytes()[0] {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, &cleaned[..]),
    };
    let mut parts = digits.splitn(2, ['.', ',']);
    let int_part = parts.next().unwrap_or("");
    let frac_part = parts.next().unwrap_or("");
    if (int_part.is_empty() && frac_part.is_empty()) || !int_part.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    let (kept, dropped) = frac_part.split_at(frac_part.len().min(places as usize));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(NumberError::TooPrecise { max_places: places });
    }
    let scale = 10i64.pow(places);
    let mut value: i64 = 0;
    for b in int_part.bytes() {
        value = value.checked_mul(10).and_then(|v| v.checked_add(i64::from(b - b'0'))).ok_or(NumberError::TooLarge)?;
    }
    value = value.checked_mul(scale).ok_or(NumberError::TooLarge)?;
    let mut frac: i64 = 0;
    for b in kept.bytes() {
        frac = frac * 10 + i64::from(b - b'0');
    }
    frac *= 10i64.pow(places - kept.len() as u32);
    let total = value.checked_add(frac).ok_or(NumberError::TooLarge)?;
    Ok(if negative { -total } else { total })
}

fn fmt_scaled(f: &mut fmt::Formatter<'_>, value: i64, places: u32, sep: char, trim: bool) -> fmt::Result {
    let scale = 10u64.pow(places);
    let abs = value.unsigned_abs();
    let sign = if value < 0 { "-" } else { "" };
    let int = abs / scale;
    let frac = abs % scale;
    if places == 0 || (trim && frac == 0) {
        return write!(f, "{sign}{int}");
    }
    let mut frac_s = format!("{:0width$}", frac, width = places as usize);
    if trim {
        while frac_s.ends_with('0') {
            frac_s.pop();
        }
    }
    write!(f, "{sign}{int}{sep}{frac_s}")
}

/// Divide rounding half away from zero.
pub fn div_round(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0);
    let q = num / den;
    let r = num % den;
    if r.abs() * 2 >= den {
        q + num.signum()
    } else {
        q
    }
}

/// An amount of money in grosze (hundredths of the currency unit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_grosze(grosze: i64) -> Money {
        Money(grosze)
    }
    pub fn grosze(self) -> i64 {
        self.0
    }
    /// `"149.95"`, `"149,95"`, `"10"`; at most two significant decimals.
    pub fn parse(text: &str) -> Result<Money, NumberError> {
        parse_scaled(text, 2).map(Money)
    }
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
    /// Price × quantity, rounded to the grosz half away from zero.
    pub fn times(self, qty: Qty) -> Money {
        Money(div_round(i128::from(self.0) * i128::from(qty.0), 1000) as i64)
    }
    /// Wire form with a dot: `"149.95"`.
    pub fn to_wire(self) -> String {
        self.to_string()
    }
    /// Polish display form: `"149,95 zł"`.
    pub fn to_pl(self) -> String {
        struct Pl(i64);
        impl fmt::Display for Pl {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_scaled(f, self.0, 2, ',', false)
            }
        }
        format!("{} zł", Pl(self.0))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_scaled(f, self.0, 2, '.', false)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}
impl Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}
impl AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 += o.0;
    }
}
impl SubAssign for Money {
    fn sub_assign(&mut self, o: Money) {
        self.0 -= o.0;
    }
}
impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}
impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

/// A quantity in thousandths of a unit (`1000` = 1 szt., `750` = 0.75 kg).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Qty(pub i64);

impl Qty {
    pub const ZERO: Qty = Qty(0);

    pub fn from_milli(milli: i64) -> Qty {
        Qty(milli)
    }
    pub fn units(n: i64) -> Qty {
        Qty(n * 1000)
    }
    pub fn milli(self) -> i64 {
        self.0
    }
    /// `"7.50"`, `"10"`, `"0,750"`; at most three significant decimals.
    pub fn parse(text: &str) -> Result<Qty, NumberError> {
        parse_scaled(text, 3).map(Qty)
    }
    pub fn is_whole(self) -> bool {
        self.0 % 1000 == 0
    }
    /// Round down to whole units (toward negative infinity).
    pub fn floor_units(self) -> Qty {
        Qty(self.0.div_euclid(1000) * 1000)
    }
    pub fn max(self, o: Qty) -> Qty {
        if self >= o {
            self
        } else {
            o
        }
    }
    /// Wire form: `"10"` for whole values, else up to three decimals (`"7.5"`).
    pub fn to_wire(self) -> String {
        self.to_string()
    }
    /// Polish display form with a decimal comma.
    pub fn to_pl(self) -> String {
        self.to_string().replace('.', ",")
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_scaled(f, self.0, 3, '.', true)
    }
}

impl Add for Qty {
    type Output = Qty;
    fn add(self, o: Qty) -> Qty {
        Qty(self.0 + o.0)
    }
}
impl Sub for Qty {
    type Output = Qty;
    fn sub(self, o: Qty) -> Qty {
        Qty(self.0 - o.0)
    }
}
impl AddAssign for Qty {
    fn add_assign(&mut self, o: Qty) {
        self.0 += o.0;
    }
}
impl SubAssign for Qty {
    fn sub_assign(&mut self, o: Qty) {
        self.0 -= o.0;
    }
}
impl std::iter::Sum for Qty {
    fn sum<I: Iterator<Item = Qty>>(iter: I) -> Qty {
        Qty(iter.map(|m| m.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parses_every_wire_spelling() {
        let cases = [
            ("149.95", 14_995),
            ("149,95", 14_995),
            ("10", 1_000),
            ("3.00", 300),
            ("290.0000", 29_000),
            ("0.5", 50),
            (" 1 234,50 ", 123_450),
            ("1\u{a0}234.50", 123_450),
            ("-2.10", -210),
            ("+7", 700),
            (".5", 50),
            ("5.", 500),
        ];
        for (text, grosze) in cases {
            assert_eq!(Money::parse(text), Ok(Money(grosze)), "{text:?}");
        }
    }

    #[test]
    fn money_refuses_garbage_and_silent_rounding() {
        assert_eq!(Money::parse(""), Err(NumberError::Empty));
        assert_eq!(Money::parse("  "), Err(NumberError::Empty));
        assert_eq!(Money::parse("abc"), Err(NumberError::NotANumber));
        assert_eq!(Money::parse("1.2.3"), Err(NumberError::NotANumber));
        assert_eq!(Money::parse("1,2,3"), Err(NumberError::NotANumber));
        assert_eq!(Money::parse("-"), Err(NumberError::NotANumber));
        assert_eq!(Money::parse("12zł"), Err(NumberError::NotANumber));
        assert_eq!(Money::parse("1.005"), Err(NumberError::TooPrecise { max_places: 2 }));
        assert_eq!(Money::parse("99999999999999999999"), Err(NumberError::TooLarge));
    }

    #[test]
    fn money_formats_for_wire_and_people() {
        assert_eq!(Money(14_995).to_wire(), "149.95");
        assert_eq!(Money(500).to_wire(), "5.00");
        assert_eq!(Money(-7).to_wire(), "-0.07");
        assert_eq!(Money(123_450).to_pl(), "1234,50 zł");
    }

    #[test]
    fn price_times_quantity_rounds_half_away_from_zero() {
        // 80.91 zł/kg × 0.750 kg = 60.6825 → 60.68
        assert_eq!(Money(8_091).times(Qty(750)), Money(6_068));
        // 0.01 × 0.5 = 0.005 → 0.01
        assert_eq!(Money(1).times(Qty(500)), Money(1));
        assert_eq!(Money(-1).times(Qty(500)), Money(-1));
        assert_eq!(Money(3_000).times(Qty::units(2)), Money(6_000));
    }

    #[test]
    fn quantities_parse_and_round_down_to_units() {
        assert_eq!(Qty::parse("7.50"), Ok(Qty(7_500)));
        assert_eq!(Qty::parse("0,750"), Ok(Qty(750)));
        assert_eq!(Qty::parse("10"), Ok(Qty(10_000)));
        assert_eq!(Qty::parse("1.0005"), Err(NumberError::TooPrecise { max_places: 3 }));
        assert_eq!(Qty(7_500).floor_units(), Qty(7_000));
        assert_eq!(Qty(-500).floor_units(), Qty(-1_000));
        assert_eq!(Qty(7_500).to_wire(), "7.5");
        assert_eq!(Qty(10_000).to_wire(), "10");
        assert_eq!(Qty(750).to_pl(), "0,75");
    }
}
