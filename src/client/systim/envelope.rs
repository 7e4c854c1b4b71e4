//! Systim's answer envelope, read leniently:
//! `{"error":{"code":0,"message":"","fields":[]},"result":…}` where `code` may be a string,
//! `fields` an array, an object keyed by field name, a comma-separated string or absent, and a
//! missing `error` means success when `result` is there.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Envelope {
    pub code: i64,
    pub message: String,
    pub fields: Vec<String>,
    pub result: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Parsed {
    Envelope(Envelope),
    /// A PHP error page or other text.
    NotJson,
    /// JSON, but not an envelope (or cut off).
    Malformed,
}

pub(super) fn parse(body: &str) -> Parsed {
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
