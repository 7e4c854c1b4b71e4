//! Systim's answer envelope, read leniently:
//! `{"error":{"code":0,"message":"","fields":[]},"result":…}` where `code` may be a string,
//! `fields` an array, an object keyed by field name, a comma-separated string or absent, and a
//! missing `error` means success when `result` is there.
//!
//! The envelope is read in one pass over the text and never becomes one `Value` tree: `error` is
//! small and is read as a `Value`; what becomes of `result` is the caller's [`Take`] — a `Value`
//! for small answers, record by record into a sink for the lists that carry a whole catalogue
//! ([`crate::decode::stream`]), nothing at all (checked to be JSON) for the code alone. One
//! reader, not one per kind of result: the wasm carries serde_json's parser code once.

use crate::decode::stream::{FieldName, ListSeed, Records};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Envelope<T = Value> {
    pub code: i64,
    pub message: String,
    pub fields: Vec<String>,
    pub result: T,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Parsed<T = Value> {
    Envelope(Envelope<T>),
    /// A PHP error page or other text.
    NotJson,
    /// JSON, but not an envelope (or cut off).
    Malformed,
}

/// What becomes of `result`.
pub(super) enum Take<'r> {
    /// Kept as a `Value`.
    Value,
    /// Checked to be JSON, not kept (`Value::Null` is handed back).
    Nothing,
    /// A list, record by record into the sink (`Value::Null` is handed back).
    List(&'r mut dyn Records),
}

/// The envelope with its `result` as a `Value` (small answers: a token, a new id, dictionaries).
#[cfg(test)]
pub(super) fn parse(body: &str) -> Parsed {
    read(body, Take::Value)
}

/// The envelope's code alone; `result` is checked to be JSON but not kept.
pub(super) fn code(body: &str) -> Parsed<()> {
    match read(body, Take::Nothing) {
        Parsed::Envelope(e) => Parsed::Envelope(Envelope { code: e.code, message: e.message, fields: e.fields, result: () }),
        Parsed::NotJson => Parsed::NotJson,
        Parsed::Malformed => Parsed::Malformed,
    }
}

/// The envelope, its `result` taken as `take` says while it is read.
pub(super) fn read(body: &str, take: Take<'_>) -> Parsed {
    let trimmed = body.trim();
    let mut de = serde_json::Deserializer::from_str(trimmed);
    let top = Top(take).deserialize(&mut de).and_then(|top| de.end().map(|()| top));
    let (error, result, result_null) = match top {
        Ok(Some(parts)) => parts,
        Ok(None) => return Parsed::Malformed,
        Err(_) if trimmed.starts_with(['{', '[']) => return Parsed::Malformed,
        Err(_) => return Parsed::NotJson,
    };
    let envelope = match error {
        None | Some(Value::Null) if !result_null => Some(success(result)),
        Some(Value::Object(error)) => code_of(error.get("code")).map(|code| Envelope {
            code,
            message: error.get("message").map(text_of).unwrap_or_default(),
            fields: error.get("fields").map(fields_of).unwrap_or_default(),
            result,
        }),
        _ => None,
    };
    envelope.map_or(Parsed::Malformed, Parsed::Envelope)
}

const KEYS: &[&str] = &["error", "result"];

/// The top level: of an object `(error, result, result was null or absent)`, `None` for any other
/// JSON value. Keys other than `error` and `result` are skipped; of a repeated key the last
/// `error` and the first `result` count. (Every kind of value is visited: serde's error for an
/// unexpected one would bring the standard library's float formatting into the wasm.)
struct Top<'r>(Take<'r>);

type Parts = Option<(Option<Value>, Value, bool)>;

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = Parts;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Parts, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Parts;

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Parts, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Parts, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Parts, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Parts, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Parts, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Parts, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Parts, E> {
        Ok(None)
    }

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parts, A::Error> {
        let (mut take, mut error, mut result) = (Some(self.0), None, None);
        while let Some(key) = map.next_key_seed(FieldName(KEYS))? {
            match (key, take.take()) {
                (Some("error"), unused) => {
                    take = unused;
                    error = Some(map.next_value::<Value>()?);
                }
                (Some("result"), Some(t)) => result = Some(map.next_value_seed(ResultSeed(t))?),
                (_, unused) => {
                    take = unused;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // No `result`: as `null`.
        let (result, null) = result.unwrap_or((Value::Null, true));
        Ok(Some((error, result, null)))
    }
}

/// `result`, taken as told: `(the value kept, whether it was null)`.
struct ResultSeed<'r>(Take<'r>);

impl<'de> DeserializeSeed<'de> for ResultSeed<'_> {
    type Value = (Value, bool);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(Value, bool), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_> {
    type Value = (Value, bool);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_none<E>(self) -> Result<(Value, bool), E> {
        Ok((Value::Null, true))
    }

    fn visit_unit<E>(self) -> Result<(Value, bool), E> {
        Ok((Value::Null, true))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(Value, bool), D::Error> {
        match self.0 {
            Take::Value => serde::Deserialize::deserialize(d).map(|v| (v, false)),
            Take::Nothing => <IgnoredAny as serde::Deserialize>::deserialize(d).map(|_| (Value::Null, false)),
            Take::List(sink) => ListSeed(sink).deserialize(d).map(|()| (Value::Null, false)),
        }
    }
}

fn success(result: Value) -> Envelope {
    Envelope { code: 0, message: String::new(), fields: Vec::new(), result }
}

/// `0`, `13`, `"13"`, `" 13 "`, `13.0`; a missing code counts as 0.
fn code_of(code: Option<&Value>) -> Option<i64> {
    match code {
        None | Some(Value::Null) => Some(0),
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Some(Value::String(s)) if s.trim().is_empty() => Some(0),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Field names from any of the shapes `fields` comes in.
fn fields_of(value: &Value) -> Vec<String> {
    let names: Vec<String> = match value {
        Value::Array(items) => items.iter().filter_map(field_name).collect(),
        Value::Object(map) => map.keys().cloned().collect(),
        Value::String(s) => s.split([',', ';']).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    names.into_iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect()
}

fn field_name(item: &Value) -> Option<String> {
    match item {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(map) => ["field", "name", "pole"].iter().find_map(|k| map.get(*k)).and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testkit::{any_json, record};
    use proptest::prelude::*;
    use serde_json::json;

    fn envelope(body: &str) -> Envelope {
        match parse(body) {
            Parsed::Envelope(e) => e,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn code_arrives_as_number_or_string() {
        assert_eq!(envelope(r#"{"error":{"code":"13","message":"Brak sesji"},"result":null}"#).code, 13);
        assert_eq!(envelope(r#"{"error":{"code":6.0},"result":null}"#).code, 6);
        assert_eq!(envelope(r#"{"error":{"code":""},"result":5}"#).code, 0);
        assert_eq!(envelope(r#"{"result":{"token":"x"}}"#).result, json!({"token": "x"}));
    }

    #[test]
    fn fields_come_in_every_shape() {
        let cases = [
            (r#"["nip","kod"]"#, vec!["nip", "kod"]),
            (r#"{"nip":"zły format","kod":"brak"}"#, vec!["kod", "nip"]),
            (r#""nip, kod""#, vec!["nip", "kod"]),
            (r#"[{"field":"nip"}, 7]"#, vec!["nip", "7"]),
            ("null", vec![]),
        ];
        for (fields, expected) in cases {
            let body = format!(r#"{{"error":{{"code":6,"message":"m","fields":{fields}}},"result":null}}"#);
            let mut got = envelope(&body).fields;
            got.sort();
            let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
            expected.sort();
            assert_eq!(got, expected, "{fields}");
        }
        assert!(envelope(r#"{"error":{"code":6,"message":"m"},"result":null}"#).fields.is_empty());
    }

    /// The envelope reader before answers were read in one pass: the whole body one `Value`
    /// tree. The oracle [`parse`] and [`code`] are checked against.
    mod before {
        // The same lenient readers of the error's parts: the oracle differs in how the body is
        // read (one tree), not in what a code or a field name is.
        use super::super::{code_of, fields_of, success, text_of, Envelope, Parsed};
        use serde_json::Value;

        pub(super) fn whole(body: &str) -> Parsed {
            let trimmed = body.trim();
            let value: Value = match serde_json::from_str(trimmed) {
                Ok(value) => value,
                Err(_) if trimmed.starts_with(['{', '[']) => return Parsed::Malformed,
                Err(_) => return Parsed::NotJson,
            };
            let Value::Object(mut map) = value else { return Parsed::Malformed };
            let result = map.remove("result").unwrap_or(Value::Null);
            let envelope = match map.remove("error") {
                None | Some(Value::Null) if !result.is_null() => Some(success(result)),
                Some(Value::Object(error)) => code_of(error.get("code")).map(|code| Envelope {
                    code,
                    message: error.get("message").map(text_of).unwrap_or_default(),
                    fields: error.get("fields").map(fields_of).unwrap_or_default(),
                    result,
                }),
                _ => None,
            };
            envelope.map_or(Parsed::Malformed, Parsed::Envelope)
        }
    }

    /// A body from parts that may be missing, misplaced or wrong.
    fn body() -> impl Strategy<Value = String> {
        let error = prop_oneof![
            record(&["code", "message", "fields"]),
            (prop_oneof![Just(json!(0)), Just(json!("13")), Just(json!(2)), Just(json!("8")), any_json()], any_json())
                .prop_map(|(code, fields)| json!({"code": code, "message": "Brak sesji &amp; inne", "fields": fields})),
            any_json(),
        ];
        let envelope = (prop::option::of(error), prop::option::of(any_json()), any::<bool>(), any_json()).prop_map(|(error, result, result_first, extra)| {
            let mut parts = Vec::new();
            if let Some(e) = error {
                parts.push(format!("\"error\":{e}"));
            }
            if let Some(r) = result {
                let at = if result_first { 0 } else { parts.len() };
                parts.insert(at, format!("\"result\":{r}"));
            }
            parts.push(format!("\"method\":{extra}"));
            format!("{{{}}}", parts.join(","))
        });
        prop_oneof![
            4 => envelope.clone(),
            1 => (envelope, 0..40usize).prop_map(|(text, cut)| text.chars().take(cut).collect()),
            1 => any_json().prop_map(|v| v.to_string()),
            1 => "\\PC{0,40}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// One pass over the text reads what a whole tree read: the same envelope (result
        /// included), the same "not JSON" and "malformed" — and the judge's code-only reading
        /// agrees with both.
        #[test]
        fn one_pass_reads_what_the_tree_read(text in body(), padded in any::<bool>()) {
            let text = if padded { format!(" \n{text}\t ") } else { text };
            let old = before::whole(&text);
            prop_assert_eq!(parse(&text), old.clone(), "{}", text);
            let code_only = match old {
                Parsed::Envelope(e) => Parsed::Envelope(Envelope { code: e.code, message: e.message, fields: e.fields, result: () }),
                Parsed::NotJson => Parsed::NotJson,
                Parsed::Malformed => Parsed::Malformed,
            };
            prop_assert_eq!(code(&text), code_only, "{}", text);
        }
    }

    #[test]
    fn pages_and_garbage_are_told_apart() {
        assert_eq!(parse("<html><b>Fatal error</b></html>"), Parsed::NotJson);
        assert_eq!(parse(""), Parsed::NotJson);
        assert_eq!(parse(r#"{"error":{"code":0"#), Parsed::Malformed);
        assert_eq!(parse("[1,2]"), Parsed::Malformed);
        assert_eq!(parse(r#"{"error":"boom"}"#), Parsed::Malformed);
        assert_eq!(parse(r#"{"error":{"code":"x"},"result":1}"#), Parsed::Malformed);
    }
}
