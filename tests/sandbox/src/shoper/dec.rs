//! Exact decimal numbers for money and quantities (the shop stores them as SQL DECIMALs and
//! serializes them as strings; floats would drift).

use serde_json::Value;

/// Fixed-point decimal with six fractional digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dec(i128);

const SCALE: i128 = 1_000_000;
const FRAC_DIGITS: usize = 6;
/// Larger integer parts are refused (keeps every product of two values inside `i128`).
const MAX_INT_DIGITS: usize = 12;

impl Dec {
    pub const ZERO: Dec = Dec(0);

    /// `minor / 10^dp`, e.g. `from_minor(1499, 2)` = 14.99, `from_minor(750, 3)` = 0.75.
    pub fn from_minor(minor: i64, dp: u32) -> Dec {
        let dp = dp.min(FRAC_DIGITS as u32);
        Dec(i128::from(minor) * 10i128.pow(FRAC_DIGITS as u32 - dp))
    }

    pub fn from_int(v: i64) -> Dec {
        Dec(i128::from(v) * SCALE)
    }

    /// Parses `-12`, `12.5`, `+0.75`; extra fractional digits are rounded half away from zero.
    /// Refuses exponents, `NaN`, empty strings and integer parts over 12 digits.
    pub fn parse(text: &str) -> Option<Dec> {
        let t = text.trim();
        let (neg, t) = match t.as_bytes().first()? {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
            return None;
        }
        let int = int.trim_start_matches('0');
        if int.len() > MAX_INT_DIGITS {
            return None;
        }
        let mut raw: i128 = if int.is_empty() { 0 } else { int.parse::<i128>().ok()? * SCALE };
        let kept = &frac[..frac.len().min(FRAC_DIGITS)];
        if !kept.is_empty() {
            let padded = format!("{kept:0<FRAC_DIGITS$}");
            raw += padded.parse::<i128>().ok()?;
        }
        if frac.as_bytes().get(FRAC_DIGITS).is_some_and(|b| *b >= b'5') {
            raw += 1;
        }
        Some(Dec(if neg { -raw } else { raw }))
    }

    /// A JSON number or a numeric string.
    pub fn from_json(v: &Value) -> Option<Dec> {
        match v {
            Value::Number(n) => Dec::parse(&n.to_string()),
            Value::String(s) => Dec::parse(s),
            _ => None,
        }
    }

    pub fn is_integral(self) -> bool {
        self.0 % SCALE == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Drops the fractional part (towards zero).
    pub fn trunc(self) -> Dec {
        Dec(self.0 / SCALE * SCALE)
    }

    /// Rounds to `dp` fractional digits, half away from zero.
    pub fn round_dp(self, dp: usize) -> Dec {
        let dp = dp.min(FRAC_DIGITS);
        let unit = 10i128.pow((FRAC_DIGITS - dp) as u32);
        let half = unit / 2;
        let adj = if self.0 >= 0 { self.0 + half } else { self.0 - half };
        Dec(adj / unit * unit)
    }

    /// Value with exactly `dp` fractional digits: `"290.00"`, `"0.0000"`.
    pub fn fixed(self, dp: usize) -> String {
        let dp = dp.min(FRAC_DIGITS);
        let r = self.round_dp(dp).0;
        let sign = if r < 0 { "-" } else { "" };
        let abs = r.unsigned_abs();
        let int = abs / SCALE as u128;
        if dp == 0 {
            return format!("{sign}{int}");
        }
        let frac = abs % SCALE as u128;
        let frac = format!("{frac:06}");
        format!("{sign}{int}.{}", &frac[..dp])
    }

    /// Shortest form: `"10"`, `"7.5"`, `"0.125"`.
    pub fn trimmed(self) -> String {
        let s = self.fixed(FRAC_DIGITS);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" || s.is_empty() {
            "0".to_string()
        } else {
            s.to_string()
        }
    }

    /// Approximate value for rate arithmetic and JSON numbers in tests.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }
}

impl std::ops::Add for Dec {
    type Output = Dec;
    fn add(self, o: Dec) -> Dec {
        Dec(self.0.saturating_add(o.0))
    }
}

impl std::ops::Sub for Dec {
    type Output = Dec;
    fn sub(self, o: Dec) -> Dec {
        Dec(self.0.saturating_sub(o.0))
    }
}

/// Product rounded to six digits; saturates instead of overflowing.
impl std::ops::Mul for Dec {
    type Output = Dec;
    fn mul(self, o: Dec) -> Dec {
        match self.0.checked_mul(o.0) {
            Some(p) => Dec(p / SCALE),
            None => Dec(if (self.0 < 0) ^ (o.0 < 0) { i128::MIN / 2 } else { i128::MAX / 2 }),
        }
    }
}

impl std::ops::Neg for Dec {
    type Output = Dec;
    fn neg(self) -> Dec {
        Dec(self.0.saturating_neg())
    }
}

impl std::iter::Sum for Dec {
    fn sum<I: Iterator<Item = Dec>>(iter: I) -> Dec {
        iter.fold(Dec::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::Dec;

    #[test]
    fn parse_and_format() {
        assert_eq!(Dec::parse("149.95").unwrap().fixed(2), "149.95");
        assert_eq!(Dec::parse("10").unwrap().trimmed(), "10");
        assert_eq!(Dec::parse("7.500").unwrap().trimmed(), "7.5");
        assert_eq!(Dec::parse("-0.5").unwrap().fixed(2), "-0.50");
        assert_eq!(Dec::parse("0.0049").unwrap().fixed(2), "0.00");
        assert_eq!(Dec::parse("0.005").unwrap().fixed(2), "0.01");
        assert!(Dec::parse("1e5").is_none());
        assert!(Dec::parse("").is_none());
        assert!(Dec::parse(".").is_none());
        assert!(Dec::parse("9999999999999999999999").is_none());
        assert_eq!(Dec::from_minor(1499, 2).fixed(2), "14.99");
        assert_eq!((Dec::from_minor(750, 3) * Dec::from_minor(8091, 2)).fixed(2), "60.68");
    }
}
