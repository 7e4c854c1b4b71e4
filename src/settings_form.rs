//! The options page's settings form, described once: `settings_form.json` lists every field of
//! [`Settings`] with its control (`bool`, `int` with its bounds, `optInt`, `optText`, `choice` with
//! its values, `idList` picked from a list, `rows` with their columns, and the compound `origins`, `statuses`, `start`), the
//! pick list it is chosen from (`listChoices`) and the mapping its suggestions are for. The page
//! builds its form from [`form`] (through the wasm export `settings_form`), which adds each
//! field's default from [`Settings::default`] and each row's blank. Labels follow from the path:
//! `set_<path with _>` and `…_help`, `…__<value>` for a choice, `…_<column>` for a column (and
//! `…_<column>_empty` for an optional one).
//!
//! The tests hold the description to the struct: every field of `Settings` has exactly one
//! control and no control names a field that is not there; the bounds are the ones the core's
//! validation enforces (the bound accepted, one past it refused); every label exists in Polish
//! and in English.

use crate::settings::Settings;
use serde_json::{Map, Value};

/// The form's description as written (without defaults).
pub const FORM_JSON: &str = include_str!("settings_form.json");

/// The form with each field's `default` (the value of [`Settings::default`] at its path) and each
/// `rows` field's `blank` row (an empty list for an `idList` column, `null` for the others).
pub fn form() -> Value {
    let mut form: Value = serde_json::from_str(FORM_JSON).unwrap_or(Value::Null);
    let defaults = serde_json::to_value(Settings::default()).unwrap_or(Value::Null);
    for field in form.as_array_mut().into_iter().flatten().filter_map(|g| g.get_mut("fields")?.as_array_mut()).flatten() {
        let path = field.get("path").and_then(Value::as_str).unwrap_or_default().to_string();
        let default = path.split('.').fold(&defaults, |v, key| &v[key]).clone();
        let blank: Option<Map<String, Value>> = field.get("columns").and_then(Value::as_array).map(|columns| {
            let mut blank = Map::new();
            for c in columns {
                let key = c.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
                let empty = if c.get("type").and_then(Value::as_str) == Some("idList") { Value::Array(Vec::new()) } else { Value::Null };
                blank.insert(key, empty);
            }
            blank
        });
        if let Some(object) = field.as_object_mut() {
            object.insert("default".into(), default);
            if let Some(blank) = blank {
                object.insert("blank".into(), Value::Object(blank));
            }
        }
    }
    form
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn fields() -> Vec<Value> {
        form().as_array().unwrap().iter().flat_map(|g| g["fields"].as_array().unwrap().clone()).collect()
    }

    fn text<'v>(v: &'v Value, key: &str) -> &'v str {
        v[key].as_str().unwrap_or_else(|| panic!("{key} of {v}"))
    }

    /// Every leaf path of a JSON value (`orders.statuses.mode`, `auto_sync`, …).
    fn leaves(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    leaves(v, &format!("{prefix}{k}."), out);
                }
            }
            _ => out.push(prefix.trim_end_matches('.').to_string()),
        }
    }

    #[test]
    fn every_setting_has_exactly_one_control_and_every_control_a_setting() {
        let defaults = serde_json::to_value(Settings::default()).unwrap();
        let mut all = Vec::new();
        leaves(&defaults, "", &mut all);
        let paths: Vec<String> = fields().iter().map(|f| text(f, "path").to_string()).collect();
        let unique: BTreeSet<&String> = paths.iter().collect();
        assert_eq!(unique.len(), paths.len(), "a path twice in the form");
        for leaf in &all {
            let covering: Vec<&String> = paths.iter().filter(|p| leaf == *p || leaf.starts_with(&format!("{p}."))).collect();
            assert_eq!(covering.len(), 1, "setting {leaf}: controls {covering:?} (add it to src/settings_form.json)");
        }
        for path in &paths {
            let value = path.split('.').fold(&defaults, |v, key| &v[key]);
            assert!(all.iter().any(|leaf| leaf == path || leaf.starts_with(&format!("{path}."))), "the form's {path} is no setting");
            assert!(defaults.pointer(&format!("/{}", path.replace('.', "/"))).is_some(), "{path} has no default ({value})");
        }
    }

    #[test]
    fn every_control_is_one_the_page_can_draw_with_what_it_needs() {
        for f in fields() {
            let path = text(&f, "path");
            match text(&f, "type") {
                "bool" | "optInt" | "optText" | "origins" | "statuses" | "start" => {}
                "idList" => assert!(f["list"].is_string(), "{path}: a list of ids is picked from a list"),
                "int" => assert!(f["min"].is_i64(), "{path}: an int needs its lower bound"),
                "choice" => {
                    let options: Vec<&str> = f["options"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
                    // Each value is one the setting takes: the default is among them, and each reads as the setting.
                    assert!(options.contains(&f["default"].as_str().unwrap()), "{path}: default not among {options:?}");
                    for o in options {
                        let mut s = serde_json::to_value(Settings::default()).unwrap();
                        *s.pointer_mut(&format!("/{}", path.replace('.', "/"))).unwrap() = Value::from(o);
                        assert!(serde_json::from_value::<Settings>(s).is_ok(), "{path}: {o} is not a value of the setting");
                    }
                }
                "rows" => {
                    assert!(!f["columns"].as_array().unwrap().is_empty(), "{path}: rows without columns");
                    assert!(f["blank"].is_object());
                }
                other => panic!("{path}: the options page has no control of type {other}"),
            }
        }
    }

    /// Settings with `value` at `path`, validated: the problems' fields.
    fn refused_fields(path: &str, value: i64) -> Option<Vec<String>> {
        let mut s = serde_json::to_value(Settings::default()).unwrap();
        *s.pointer_mut(&format!("/{}", path.replace('.', "/"))).unwrap() = Value::from(value);
        let settings: Settings = serde_json::from_value(s).ok()?; // out of the type's range
        Some(settings.validate().into_iter().map(|e| e.field).collect())
    }

    #[test]
    fn the_bounds_are_the_ones_the_core_enforces() {
        let mut checked = 0;
        for f in fields().into_iter().filter(|f| f["type"] == "int") {
            let path = text(&f, "path");
            let min = f["min"].as_i64().unwrap();
            assert_eq!(refused_fields(path, min), Some(vec![]), "{path}: its minimum {min} must be accepted");
            assert!(refused_fields(path, min - 1).is_none_or(|r| r.contains(&path.to_string())), "{path}: {} must be refused", min - 1);
            if let Some(max) = f["max"].as_i64() {
                assert_eq!(refused_fields(path, max), Some(vec![]), "{path}: its maximum {max} must be accepted");
                assert!(refused_fields(path, max + 1).is_none_or(|r| r.contains(&path.to_string())), "{path}: {} must be refused", max + 1);
            } else {
                assert_eq!(refused_fields(path, i64::from(u32::MAX)), Some(vec![]), "{path}: no maximum in the form, none in the core");
            }
            checked += 1;
        }
        assert!(checked >= 4, "the form's whole-number fields");
    }

    #[test]
    fn every_label_is_there_in_polish_and_english() {
        let locale = |lang: &str| -> Value {
            let path = format!("{}/extension/_locales/{lang}/messages.json", env!("CARGO_MANIFEST_DIR"));
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        let (pl, en) = (locale("pl"), locale("en"));
        for g in form().as_array().unwrap() {
            let mut keys = vec![format!("group_{}", text(g, "group"))];
            for f in g["fields"].as_array().unwrap() {
                let key = format!("set_{}", text(f, "path").replace('.', "_"));
                keys.push(format!("{key}_help"));
                for o in f["options"].as_array().into_iter().flatten() {
                    keys.push(format!("{key}__{}", o.as_str().unwrap()));
                }
                for c in f["columns"].as_array().into_iter().flatten() {
                    let column = format!("{key}_{}", text(c, "key"));
                    if matches!(text(c, "type"), "optInt" | "idList") {
                        keys.push(format!("{column}_empty"));
                    }
                    keys.push(column);
                }
                keys.push(key);
            }
            for key in keys {
                assert!(pl[&key]["message"].is_string(), "_locales/pl lacks {key}");
                assert!(en[&key]["message"].is_string(), "_locales/en lacks {key}");
            }
        }
    }
}
