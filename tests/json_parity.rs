#![cfg(not(target_arch = "wasm32"))]
//! `shoper_systim::json::from_value` (the wasm's small reader of stored records) against
//! `serde_json::from_value` (what it replaces), over generated values: the records a demo run
//! really stores, each mutated at random — a field removed, a value of another type, a string
//! taken from elsewhere in the record (so that enum tags and ids meet wrong places), a number out
//! of range. Both readers must agree: the same record, or both an error with the same text.

mod common;

use common::harness::*;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use shoper_systim::engine::connection::Connection;
use shoper_systim::engine::ledger::LedgerEntry;
use shoper_systim::engine::methods::Probes;
use shoper_systim::engine::report::{RunKind, RunSummary};
use shoper_systim::engine::{Phase, Progress};
use shoper_systim::mem::MemStorage;
use shoper_systim::settings::Settings;
use std::sync::OnceLock;

/// The records of a demo shop after a full run ("Wyślij produkty") and a second one, by key.
fn stored() -> &'static Vec<(String, Value)> {
    static STORED: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    STORED.get_or_init(|| {
        let world = demo_world_in(GENEROUS);
        let store = MemStorage::new();
        let engine = engine_on(&world, store.clone());
        run_ok(&engine, RunKind::SendProducts);
        run_ok(&engine, RunKind::SendStock);
        store
            .keys()
            .into_iter()
            .map(|k| {
                let v = serde_json::from_str(&store.raw(&k).unwrap()).unwrap();
                (k, v)
            })
            .collect()
    })
}

fn record(key_end: &str) -> Value {
    stored().iter().find(|(k, _)| k.ends_with(key_end)).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no stored record {key_end}"))
}

/// A progress record as a run in progress writes it (a finished run leaves none).
fn progress() -> Value {
    let p = Progress {
        run_id: "1a22206ca00-ad5d".into(),
        kind: RunKind::SendStock,
        dry_run: false,
        phase: Phase::Planning,
        done: 3,
        total: 9,
        started_ms: 1_795_867_200_000,
        updated_ms: 1_795_867_201_000,
    };
    serde_json::to_value(p).unwrap()
}

/// Same outcome from both readers; values compared as they would be written again. The one
/// documented difference: a struct is read from an object only (serde_json also takes an array
/// of its fields), so there ours refuses the array whatever serde_json makes of it.
fn same<T: DeserializeOwned + Serialize>(value: &Value) -> Result<(), TestCaseError> {
    let ours = shoper_systim::json::from_value::<T>(value.clone());
    let theirs = serde_json::from_value::<T>(value.clone());
    if ours.as_ref().is_err_and(|e| e.to_string().starts_with("invalid type: sequence, expected struct ")) {
        return Ok(());
    }
    match (ours, theirs) {
        (Ok(a), Ok(b)) => prop_assert_eq!(serde_json::to_value(a).unwrap(), serde_json::to_value(b).unwrap(), "{}", value),
        (Err(a), Err(b)) => {
            let b = b.to_string();
            let b = b.split(" at line 1 column ").next().unwrap_or_default().to_string();
            prop_assert_eq!(a.to_string(), b, "{}", value)
        }
        (a, b) => prop_assert!(false, "{}: ours {:?}, serde_json {:?}", value, a.map(|_| ()), b.map(|_| ())),
    }
    Ok(())
}

/// Every place in a value: the path of keys and indexes from the root.
fn places(value: &Value, at: &mut Vec<Vec<Step>>, path: &mut Vec<Step>) {
    at.push(path.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(Step::Key(k.clone()));
                places(v, at, path);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Step::Index(i));
                places(v, at, path);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// A change at one place.
#[derive(Clone, Debug)]
enum Change {
    Remove,
    Put(Value),
    /// A string met elsewhere in the record (chosen by index).
    Borrow(usize),
}

fn change() -> impl Strategy<Value = Change> {
    let leaf = prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..300).prop_map(Value::from),
        Just(json!(1.5)),
        Just(json!(2.0)),
        Just(json!(-0.0)),
        "[a-z_]{0,8}".prop_map(Value::from),
        Just(json!("2026-11-01")),
        Just(json!([])),
        Just(json!({})),
        Just(json!([1, "x"])),
        Just(json!({"x": 1})),
    ];
    prop_oneof![1 => Just(Change::Remove), 3 => leaf.prop_map(Change::Put), 2 => any::<usize>().prop_map(Change::Borrow)]
}

fn apply(value: &mut Value, path: &[Step], change: &Change, borrowed: &[String]) {
    let (last, parent_path) = match path.split_last() {
        Some((last, rest)) => (Some(last), rest),
        None => (None, path),
    };
    let mut parent = &mut *value;
    for step in parent_path {
        parent = match step {
            Step::Key(k) => &mut parent[k.as_str()],
            Step::Index(i) => &mut parent[*i],
        };
    }
    let new = match change {
        Change::Remove => None,
        Change::Put(v) => Some(v.clone()),
        Change::Borrow(_) if borrowed.is_empty() => Some(json!("")),
        Change::Borrow(i) => Some(Value::from(borrowed[i % borrowed.len()].clone())),
    };
    match (last, new) {
        (None, Some(v)) => *parent = v,
        (None, None) => *parent = json!(null),
        (Some(Step::Key(k)), None) => {
            parent.as_object_mut().map(|m| m.remove(k));
        }
        (Some(Step::Index(i)), None) => {
            parent.as_array_mut().map(|a| a.remove(*i));
        }
        (Some(Step::Key(k)), Some(v)) => parent[k.as_str()] = v,
        (Some(Step::Index(i)), Some(v)) => parent[*i] = v,
    }
}

/// The record with up to three changes at places chosen by `edits`.
fn mutated(original: &Value, edits: &[(usize, Change)]) -> Value {
    let mut value = original.clone();
    let mut borrowed = Vec::new();
    strings(original, &mut borrowed);
    for (pick, change) in edits {
        let mut at = Vec::new();
        places(&value, &mut at, &mut Vec::new());
        let path = &at[pick % at.len()];
        apply(&mut value, path, change, &borrowed);
    }
    value
}

fn edits() -> impl Strategy<Value = Vec<(usize, Change)>> {
    prop::collection::vec((any::<usize>(), change()), 0..=3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn settings_read_alike(edits in edits()) {
        same::<Settings>(&mutated(&record("settings"), &edits))?;
    }

    #[test]
    fn connections_read_alike(edits in edits()) {
        same::<Connection>(&mutated(&record("connection"), &edits))?;
    }

    #[test]
    fn ledger_entries_read_alike(edits in edits(), which in any::<usize>()) {
        let entries: Vec<&Value> = stored().iter().filter(|(k, _)| k.contains(":order:")).map(|(_, v)| v).collect();
        prop_assert!(!entries.is_empty());
        same::<LedgerEntry>(&mutated(entries[which % entries.len()], &edits))?;
    }

    #[test]
    fn run_histories_read_alike(edits in edits()) {
        same::<Vec<RunSummary>>(&mutated(&record("history"), &edits))?;
    }

    #[test]
    fn method_probes_read_alike(edits in edits()) {
        same::<Probes>(&mutated(&record("systim_methods"), &edits))?;
    }

    #[test]
    fn progress_records_read_alike(edits in edits()) {
        same::<Progress>(&mutated(&progress(), &edits))?;
    }
}
