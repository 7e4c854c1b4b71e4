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
pub fn any_json() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(3, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(prop_oneof![wire_string(), "[a-z_]{1,12}"], inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
            ]
        })
        .boxed()
}

/// An object using (some of) the given field names, each with an arbitrary value.
pub fn record(fields: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop::collection::vec((prop::sample::select(fields), any_json()), 0..=fields.len() + 2)
        .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
        .boxed()
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

/// Every path (object keys and array indexes, as strings) of `value` down to `depth` levels.
fn paths(value: &Value, depth: usize) -> Vec<Vec<String>> {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for (key, child) in children {
        out.push(vec![key.clone()]);
        if depth > 1 {
            out.extend(paths(child, depth - 1).into_iter().map(|mut p| {
                p.insert(0, key.clone());
                p
            }));
        }
    }
    out
}

fn set_path(value: &mut Value, path: &[String], new: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut target = value;
    for key in parents {
        target = match target {
            Value::Object(map) => match map.get_mut(key) {
                Some(next) => next,
                None => return,
            },
            Value::Array(items) => match key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    match target {
        Value::Object(map) => {
            map.insert(last.clone(), new);
        }
        Value::Array(items) => {
            if let Some(slot) = last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *slot = new;
            }
        }
        _ => {}
    }
}

/// A recorded payload with one to four of its fields (at any depth up to 3) replaced by junk.
pub fn mutated(fixture: Value) -> BoxedStrategy<Value> {
    let all = paths(&fixture, 3);
    prop::collection::vec((prop::sample::select(all), any_json()), 1..5)
        .prop_map(move |changes| {
            let mut value = fixture.clone();
            for (path, new) in changes {
                set_path(&mut value, &path, new);
            }
            value
        })
        .boxed()
}

/// A list of mutated copies of a recorded payload, with junk records mixed in.
pub fn mutated_list(fixture: Value) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(prop_oneof![4 => mutated(fixture), 1 => any_json()], 0..5)
}
