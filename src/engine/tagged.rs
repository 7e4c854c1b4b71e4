//! Internally tagged JSON (`{"type": "run", "kind": …}`) read into enums derived with serde's
//! default, external tagging (`{"run": {"kind": …}}`), converted through a [`Value`]. The JSON
//! is the same as with `#[serde(tag = "…")]`, but reading it does not go through serde's
//! buffered `Content` deserialiser, whose code for every tagged type is a large share of the
//! wasm.

use crate::json::{from_value, Error};
use serde::de::{DeserializeOwned, Error as _};
use serde_json::{Map, Value};

/// `{tag: variant, ...fields}` → `T`. Unit variants (`{tag: variant}`) and struct variants alike;
/// other keys than the variant's fields are ignored, as with `#[serde(tag = "…")]`.
pub fn from_internal<T: DeserializeOwned>(value: Value, tag: &str) -> Result<T, Error> {
    let variant = match value.get(tag) {
        Some(Value::String(v)) => v.clone(),
        Some(_) => return Err(Error::custom(format_args!("`{tag}` is not a variant name"))),
        None => return Err(Error::missing_field(tagged_name(tag))),
    };
    // A unit variant reads from its bare name; a struct variant refuses that and reads from
    // `{variant: fields}` (the tag among the fields is an unknown field, ignored).
    if let Ok(unit) = from_value(Value::String(variant.clone())) {
        return Ok(unit);
    }
    let mut wrapped = Map::new();
    wrapped.insert(variant, value);
    from_value(Value::Object(wrapped))
}

/// `missing_field` wants a `&'static str`; the tags used are few and fixed.
fn tagged_name(tag: &str) -> &'static str {
    match tag {
        "state" => "state",
        "type" => "type",
        _ => "tag",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum External {
        Plain,
        Fields { a: u32, #[serde(default)] b: String },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Internal {
        Plain,
        Fields { a: u32, #[serde(default)] b: String },
    }

    fn same(e: &External, i: &Internal) -> bool {
        matches!((e, i), (External::Plain, Internal::Plain))
            || matches!((e, i), (External::Fields { a, b }, Internal::Fields { a: a2, b: b2 }) if a == a2 && b == b2)
    }

    #[test]
    fn reads_and_writes_what_serde_tag_reads_and_writes() {
        for text in [
            r#"{"kind":"plain"}"#,
            r#"{"kind":"plain","extra":1}"#,
            r#"{"kind":"fields","a":1}"#,
            r#"{"a":2,"kind":"fields","b":"x","extra":[1]}"#,
            r#"{"kind":"fields","a":"1"}"#,
            r#"{"kind":"fields"}"#,
            r#"{"kind":"other"}"#,
            r#"{"kind":5}"#,
            r#"{"a":1}"#,
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            let external = from_internal::<External>(value.clone(), "kind");
            let internal = serde_json::from_value::<Internal>(value);
            assert_eq!(external.is_ok(), internal.is_ok(), "{text}: {external:?} vs {internal:?}");
            if let (Ok(e), Ok(i)) = (&external, &internal) {
                assert!(same(e, i), "{text}");
            }
        }
        let missing = from_internal::<External>(json!({"a": 1}), "type").unwrap_err();
        assert_eq!(missing.to_string(), "missing field `type`");
    }
}
