//! Context-free readers for the loose JSON both APIs send (shoper-api.md §1,
//! systim-contract.md): numbers as strings or JSON numbers, decimal commas, booleans in four
//! encodings, `""`/`null`/zero dates meaning "unset", lists as a map, an array or `[]`, HTML
//! entities in Systim texts.
//!
//! Every reader has the shape `fn(&Value) -> Result<Option<T>, WireError>`: `Ok(None)` means the
//! value is unset (`null`, `""`), `Err` means it is there but unreadable. What an unset or bad
//! value costs (the field or the whole record) is decided by the caller, never here.

use crate::money::{parse_scaled, Money, NumberError, Qty};
use serde_json::Value;
use std::fmt;

/// Why one JSON value could not be read. The `Display` is Polish (it ends up in user reports).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The value is required but unset or absent.
    Missing,
    /// A JSON type the field never has.
    WrongType { expected: &'static str, found: &'static str },
    /// Text that is not a decimal number of the wanted precision.
    Number { text: String, error: NumberError },
    /// A negative number where only ids or counts make sense.
    Negative(String),
    /// Not one of `0`, `1`, `true`, `false`.
    NotAFlag(String),
    /// Not `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`.
    NotADate(String),
    /// Not a valid EAN/GTIN (8, 12, 13 or 14 digits with a correct check digit).
    NotAGtin(String),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Missing => write!(f, "brak wartości"),
            WireError::WrongType { expected, found } => write!(f, "oczekiwano: {expected}, otrzymano: {found}"),
            WireError::Number { text, error } => write!(f, "„{}”: {error}", shown(text)),
            WireError::Negative(text) => write!(f, "„{}”: wartość ujemna jest tu niedozwolona", shown(text)),
            WireError::NotAFlag(text) => write!(f, "„{}”: oczekiwano 0/1/true/false", shown(text)),
            WireError::NotADate(text) => write!(f, "„{}”: oczekiwano daty RRRR-MM-DD [GG:MM:SS]", shown(text)),
            WireError::NotAGtin(text) => write!(f, "„{}”: niepoprawny kod EAN", shown(text)),
        }
    }
}

/// At most 40 characters of a wire value, for messages (fuzzed inputs can be huge).
pub fn shown(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The Polish name of a JSON value's type, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "wartość logiczna",
        Value::Number(_) => "liczba",
        Value::String(_) => "tekst",
        Value::Array(_) => "lista",
        Value::Object(_) => "obiekt",
    }
}

fn wrong(expected: &'static str, value: &Value) -> WireError {
    WireError::WrongType { expected, found: kind(value) }
}

/// Text as sent. Numbers become their decimal text; `null`, `""` and PHP's `false` are unset.
/// Not trimmed: product codes keep their spaces.
pub fn text(value: &Value) -> Result<Option<String>, WireError> {
    match value {
        Value::Null | Value::Bool(false) => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(wrong("tekst", other)),
    }
}

/// Decode HTML entities once, as Systim escapes once: the ones PHP's `htmlspecialchars` writes
/// (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#039;`/`&#39;`, `&apos;`) and any numeric `&#NNN;` /
/// `&#xHH;`. Anything else (an unknown name, a bad number, no `;`) stays as it is.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // The longest entity decoded is `&#x10FFFF;` / `&#1114111;` (10 bytes).
        let decoded = rest.as_bytes()[1..].iter().take(10).position(|&b| b == b';').and_then(|semi| {
            let c = entity(&rest[1..1 + semi])?;
            Some((c, semi + 2))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character an entity's name (between `&` and `;`) stands for.
fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => u32::from_str_radix(hex, 16).ok()?,
                None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => number.parse().ok()?,
                _ => return None,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

/// The trimmed text of a number sent as a string or as a JSON number.
pub fn number_text(value: &Value) -> Result<Option<String>, WireError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.trim().to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(wrong("liczba", other)),
    }
}

/// A decimal scaled by `10^places`, refusing silent rounding (see [`crate::money`]). The text
/// is [`number_text`]'s, read in place.
pub fn scaled(value: &Value, places: u32) -> Result<Option<i64>, WireError> {
    let text: std::borrow::Cow<str> = match value {
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().into(),
        // An integer needs no text: scaled in place (the text is made only to report an overflow).
        Value::Number(n) => match n.as_i64().and_then(|i| i.checked_mul(10i64.pow(places))) {
            Some(scaled) => return Ok(Some(scaled)),
            None => n.to_string().into(),
        },
        // `null` is unset, anything else the wrong type.
        other => return number_text(other).map(|_| None),
    };
    parse_scaled(&text, places).map(Some).map_err(|error| WireError::Number { text: text.into_owned(), error })
}

/// Money in grosze: `"149.95"`, `"149,95"`, `149.95`, `"10"`.
pub fn money(value: &Value) -> Result<Option<Money>, WireError> {
    Ok(scaled(value, 2)?.map(Money))
}

/// A quantity in thousandths: `"10"`, `"7.500"`, `"0,75"`, `-2`.
pub fn qty(value: &Value) -> Result<Option<Qty>, WireError> {
    Ok(scaled(value, 3)?.map(Qty))
}

/// A non-negative integer (ids, counts, codes): `"12"`, `12`, `"3.00"`. `"3.5"` and `"-1"` are errors.
pub fn uint(value: &Value) -> Result<Option<u64>, WireError> {
    let Some(n) = scaled(value, 0)? else { return Ok(None) };
    u64::try_from(n).map(Some).map_err(|_| WireError::Negative(n.to_string()))
}

/// [`uint`] narrowed to a smaller integer type (status codes, origins, kinds).
pub fn uint_as<T: TryFrom<u64>>(value: &Value) -> Result<Option<T>, WireError> {
    let Some(n) = uint(value)? else { return Ok(None) };
    T::try_from(n).map(Some).map_err(|_| WireError::Number { text: n.to_string(), error: NumberError::TooLarge })
}

/// A boolean in any of its encodings: `"1"`/`"0"`, `1`/`0`, `true`/`false`, `"true"`/`"false"`;
/// `""` and `null` are unset.
pub fn flag(value: &Value) -> Result<Option<bool>, WireError> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            _ => Err(WireError::NotAFlag(n.to_string())),
        },
        Value::String(s) => match s.trim() {
            "" => Ok(None),
            t if t == "0" || t.eq_ignore_ascii_case("false") => Ok(Some(false)),
            t if t == "1" || t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            _ => Err(WireError::NotAFlag(s.clone())),
        },
        other => Err(wrong("0/1", other)),
    }
}

/// A naive date or date-time (`YYYY-MM-DD[ HH:MM:SS]`), returned trimmed. Zero dates
/// (`0000-00-00…`) are unset.
pub fn date(value: &Value) -> Result<Option<String>, WireError> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(s) => s.trim(),
        other => return Err(wrong("data", other)),
    };
    if text.is_empty() || text.starts_with("0000-00-00") {
        return Ok(None);
    }
    if is_date_shape(text) {
        Ok(Some(text.to_string()))
    } else {
        Err(WireError::NotADate(text.to_string()))
    }
}

fn is_date_shape(text: &str) -> bool {
    const DATE: &str = "dddd-dd-dd";
    const DATE_TIME: &str = "dddd-dd-dd dd:dd:dd";
    let fits =
        |pattern: &str| text.len() == pattern.len() && text.bytes().zip(pattern.bytes()).all(|(c, p)| if p == b'd' { c.is_ascii_digit() } else { c == p });
    fits(DATE) || fits(DATE_TIME)
}

/// An EAN/GTIN: 8, 12, 13 or 14 digits with a valid check digit. Numbers are accepted as text.
pub fn gtin(value: &Value) -> Result<Option<String>, WireError> {
    let Some(raw) = text(value)? else { return Ok(None) };
    let code = raw.trim();
    if code.is_empty() {
        return Ok(None);
    }
    if matches!(code.len(), 8 | 12 | 13 | 14) && code.bytes().all(|b| b.is_ascii_digit()) && gtin_check_ok(code) {
        Ok(Some(if code.len() == raw.len() { raw } else { code.to_string() }))
    } else {
        Err(WireError::NotAGtin(raw))
    }
}

fn gtin_check_ok(digits: &str) -> bool {
    let (body, check) = digits.as_bytes().split_at(digits.len() - 1);
    // Weights 3,1,3,… from the digit next to the check digit leftwards.
    let sum: u32 = body.iter().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    (10 - sum % 10) % 10 == u32::from(check[0] - b'0')
}

/// A list sent as an object keyed by id, an array, or `[]`/`{}`; `null`, `""` and `false` are
/// empty. Entries carry their key when the list was an object.
pub fn entries(value: &Value) -> Result<Vec<(Option<&str>, &Value)>, WireError> {
    match value {
        Value::Null | Value::Bool(false) => Ok(Vec::new()),
        Value::String(s) if s.is_empty() => Ok(Vec::new()),
        Value::Array(items) => Ok(items.iter().map(|v| (None, v)).collect()),
        Value::Object(map) => Ok(map.iter().map(|(k, v)| (Some(k.as_str()), v)).collect()),
        other => Err(wrong("lista", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_come_as_strings_numbers_and_with_commas() {
        assert_eq!(money(&json!("149.95")), Ok(Some(Money(14_995))));
        assert_eq!(money(&json!("149,95")), Ok(Some(Money(14_995))));
        assert_eq!(money(&json!(149.95)), Ok(Some(Money(14_995))));
        assert_eq!(money(&json!(10)), Ok(Some(Money(1_000))));
        assert_eq!(money(&json!("")), Ok(None));
        assert_eq!(money(&json!(null)), Ok(None));
        assert_eq!(qty(&json!("7.500")), Ok(Some(Qty(7_500))));
        assert_eq!(qty(&json!("-2")), Ok(Some(Qty(-2_000))));
        assert_eq!(uint(&json!("3.00")), Ok(Some(3)));
        assert_eq!(uint(&json!(12)), Ok(Some(12)));
    }

    #[test]
    fn bad_numbers_are_errors_never_zero() {
        assert!(matches!(money(&json!("12zł")), Err(WireError::Number { .. })));
        assert!(matches!(money(&json!("1.005")), Err(WireError::Number { error: NumberError::TooPrecise { .. }, .. })));
        assert!(matches!(qty(&json!("99999999999999999999")), Err(WireError::Number { error: NumberError::TooLarge, .. })));
        assert!(matches!(qty(&json!(1e300)), Err(WireError::Number { .. })));
        assert!(matches!(money(&json!(true)), Err(WireError::WrongType { .. })));
        assert!(matches!(money(&json!({"a": 1})), Err(WireError::WrongType { .. })));
        assert_eq!(uint(&json!("-1")), Err(WireError::Negative("-1".into())));
        assert!(matches!(uint(&json!("3.5")), Err(WireError::Number { .. })));
    }

    #[test]
    fn flags_in_every_encoding() {
        for (v, want) in [
            (json!("1"), Some(true)),
            (json!("0"), Some(false)),
            (json!(1), Some(true)),
            (json!(0), Some(false)),
            (json!(true), Some(true)),
            (json!(false), Some(false)),
            (json!("true"), Some(true)),
            (json!(""), None),
            (json!(null), None),
        ] {
            assert_eq!(flag(&v), Ok(want), "{v}");
        }
        assert!(flag(&json!("2")).is_err());
        assert!(flag(&json!(2)).is_err());
        assert!(flag(&json!("tak")).is_err());
        assert!(flag(&json!([])).is_err());
    }

    #[test]
    fn zero_dates_are_unset_and_shapes_checked() {
        assert_eq!(date(&json!("0000-00-00 00:00:00")), Ok(None));
        assert_eq!(date(&json!("0000-00-00")), Ok(None));
        assert_eq!(date(&json!("")), Ok(None));
        assert_eq!(date(&json!("2026-06-28 21:59:15")), Ok(Some("2026-06-28 21:59:15".into())));
        assert_eq!(date(&json!("2026-07-05")), Ok(Some("2026-07-05".into())));
        assert!(date(&json!("28.06.2026")).is_err());
        assert!(date(&json!(20260628)).is_err());
    }

    #[test]
    fn lists_as_map_array_or_empty() {
        let map = json!({"41": {"nazwa": "Alfa"}, "42": {"nazwa": "Beta"}});
        let keys: Vec<_> = entries(&map).unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![Some("41"), Some("42")]);
        assert_eq!(entries(&json!([{"a": 1}])).unwrap().len(), 1);
        assert!(entries(&json!([])).unwrap().is_empty());
        assert!(entries(&json!({})).unwrap().is_empty());
        assert!(entries(&json!(null)).unwrap().is_empty());
        assert!(entries(&json!("x")).is_err());
    }

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(unescape("Kowalski &amp; Synowie"), "Kowalski & Synowie");
        assert_eq!(unescape("&quot;Żółw&quot; &#039;mały&#039; &lt;b&gt;"), "\"Żółw\" 'mały' <b>");
        assert_eq!(unescape("&amp;amp;"), "&amp;");
        assert_eq!(unescape("&#39;&#x41;&#X42;&#67;&apos;"), "'ABC'");
        assert_eq!(unescape("&#261;&#x17C;"), "ąż");
        // Unknown names, bad numbers and a missing `;` stay as they are.
        for kept in ["&nbsp;", "&amp", "& amp;", "&#;", "&#x;", "&#xZZ;", "&#0;", "&#xD800;", "&#99999999999;", "a & b", "&", "&;", "ą&ę"] {
            assert_eq!(unescape(kept), kept);
        }
        assert_eq!(unescape("&&amp;&"), "&&&");
    }

    #[test]
    fn gtins_need_a_valid_check_digit() {
        assert_eq!(gtin(&json!("5901234123457")), Ok(Some("5901234123457".into())));
        assert_eq!(gtin(&json!("96385074")), Ok(Some("96385074".into())));
        assert_eq!(gtin(&json!(5901234123457u64)), Ok(Some("5901234123457".into())));
        assert_eq!(gtin(&json!("")), Ok(None));
        assert!(gtin(&json!("5901234123458")).is_err());
        assert!(gtin(&json!("59012341234")).is_err());
        assert!(gtin(&json!("ABC")).is_err());
    }

    #[test]
    fn texts_keep_spaces_and_take_numbers() {
        assert_eq!(text(&json!(" ABC ")), Ok(Some(" ABC ".into())));
        assert_eq!(text(&json!(101)), Ok(Some("101".into())));
        assert_eq!(text(&json!(false)), Ok(None));
        assert!(text(&json!({"x": 1})).is_err());
        assert_eq!(shown(&"ą".repeat(50)).chars().count(), 41);
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn readers_never_panic_on_any_string(junk in "\\PC{0,30}", numeric in "[-+ ]?[0-9 ]{0,22}([.,][0-9]{0,6})?") {
            for t in [&junk, &numeric] {
                let v = Value::String(t.clone());
                let _ = (text(&v), number_text(&v), uint(&v), uint_as::<u8>(&v), flag(&v), date(&v), gtin(&v), entries(&v));
                let _ = unescape(t);
                if let Ok(Some(m)) = money(&v) {
                    prop_assert_eq!(Money::parse(&m.to_wire()), Ok(m), "money round-trips exactly");
                }
                if let Ok(Some(q)) = qty(&v) {
                    prop_assert_eq!(Qty::parse(&q.to_wire()), Ok(q), "quantity round-trips exactly");
                }
                if let Err(e) = qty(&v) {
                    prop_assert!(!e.to_string().is_empty());
                }
            }
        }

        /// The fast paths (an integer scaled without its text, a flag compared without a lowered
        /// copy) answer exactly as reading the text does, overflow and errors included.
        #[test]
        fn fast_paths_agree_with_the_text(n in any::<i64>(), u in any::<u64>(), places in 0u32..4, word in "(?i)[ ]?(true|false|0|1|yes|tru|)[ ]?") {
            for v in [Value::from(n), Value::from(u)] {
                let by_text = parse_scaled(&v.to_string(), places).map(Some).map_err(|error| WireError::Number { text: v.to_string(), error });
                prop_assert_eq!(scaled(&v, places), by_text);
            }
            let lowered = word.trim().to_ascii_lowercase();
            let expected = match lowered.as_str() {
                "" => Ok(None),
                "0" | "false" => Ok(Some(false)),
                "1" | "true" => Ok(Some(true)),
                _ => Err(WireError::NotAFlag(word.clone())),
            };
            prop_assert_eq!(flag(&Value::String(word.clone())), expected);
        }

        /// The check digit computed in place agrees with the digit-by-digit reading it replaced.
        #[test]
        fn gtin_check_digits_agree_with_the_plain_reading(digits in "[0-9]{8}|[0-9]{12,14}") {
            let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
            let (body, check) = values.split_at(values.len() - 1);
            let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
            prop_assert_eq!(gtin_check_ok(&digits), (10 - sum % 10) % 10 == check[0]);
        }

        #[test]
        fn json_numbers_read_exactly(n in any::<i64>(), f in any::<f64>()) {
            let _ = (money(&Value::from(f)), qty(&Value::from(f)), uint(&Value::from(f)), flag(&Value::from(f)));
            if let Ok(Some(q)) = qty(&Value::from(n)) {
                prop_assert_eq!(i128::from(q.0), i128::from(n) * 1000);
            }
        }
    }
}
