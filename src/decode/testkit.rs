//! Proptest strategies for fuzzing the decoders: arbitrary JSON, and records whose keys are the
//! fields a decoder reads, filled with wire-like junk (numeric strings with commas, zero dates,
//! entities, huge numbers, nested garbage).

use super::DecodeError;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Strings that look like what the APIs send, and strings that do not.
pub fn wire_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("0".to_string()),
        Just("1".to_string()),
        Just("0000-00-00 00:00:00".to_string()),
        Just("2026-06-28 21:59:15".to_string()),
        Just("pl_PL".to_string()),
        Just("23%".to_string()),
        Just("zw.".to_string()),
        Just("&amp;&quot;&#039;".to_string()),
        "-?[0-9]{1,22}([.,][0-9]{0,5})?",
        "[0-9]{8,14}",
        "\\PC{0,16}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        wire_string().prop_map(Value::String),
    ]
}

/// Any JSON value, a few levels deep.
pub fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(prop_oneof![wire_string(), "[a-z_]{1,12}"], inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An object using (some of) the given field names, each with an arbitrary value.
pub fn record(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(fields), any_json()), 0..=fields.len() + 2)
        .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

/// A list of such records, sometimes with a completely arbitrary value mixed in.
pub fn records(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(prop_oneof![4 => record(fields), 1 => any_json()], 0..6)
}

/// The fuzzing property: every error names its record and a field.
pub fn assert_named(errors: &[DecodeError]) {
    for e in errors {
        assert!(!e.record.trim().is_empty(), "error without a record: {e:?}");
        assert!(!e.field.trim().is_empty(), "error without a field: {e:?}");
        assert!(!e.problem.trim().is_empty(), "error without a problem: {e:?}");
    }
}
