//! Writable columns per resource and the one merge routine behind every POST and PUT: values
//! are validated and normalized to their wire form (strings for DB scalars), nested objects and
//! translations merge field by field, unknown keys are ignored.

use serde_json::Value;

use super::clock;
use super::dec::Dec;
use super::error::{reason, Errors};
use super::store::{text, Db, Res, Row};

#[derive(Clone, Copy)]
pub enum Kind {
    Text,
    Email,
    /// Decimal, two digits (`"290.00"`).
    Money,
    /// Decimal, four digits (`"0.0000"`).
    Dec4,
    /// Decimal in shortest form (`"10"`, `"0.75"`).
    Qty,
    /// Integer as a string.
    Int,
    /// Integer as a string, or `null`.
    NullableInt,
    /// `"0"`/`"1"` from booleans, numbers or strings.
    Flag,
    Date,
    /// Array of JSON integers (`categories`).
    IntList,
    /// Stored as sent.
    Json,
    /// Id of an existing row of another resource.
    Ref(Res),
    Object(&'static [Field]),
    Translations(&'static TrSpec),
}

pub struct Field(pub &'static str, pub Kind);

/// Per-locale translation objects: writable fields and the template of a new locale entry.
pub struct TrSpec {
    pub fields: &'static [Field],
    pub template: fn() -> Row,
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn flag_of(v: &Value) -> Option<&'static str> {
    match v {
        Value::Bool(b) => Some(if *b { "1" } else { "0" }),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some("0"),
            Some(1) => Some("1"),
            _ => None,
        },
        Value::String(s) => match s.trim() {
            "0" | "" | "false" => Some("0"),
            "1" | "true" => Some("1"),
            _ => None,
        },
        _ => None,
    }
}

fn decimal(v: &Value, fmt: fn(Dec) -> String) -> Result<Value, String> {
    Dec::from_json(v).map(|d| Value::String(fmt(d))).ok_or_else(|| reason::NOT_A_NUMBER.to_string())
}

fn text_of(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(reason::INVALID.to_string()),
    }
}

pub fn is_email(s: &str) -> bool {
    let Some((user, host)) = s.split_once('@') else { return false };
    !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.') && !s.chars().any(char::is_whitespace) && !host.contains('@')
}

/// Normalizes one scalar value; `Err(reason)` when it does not fit the kind.
fn scalar(db: &Db, kind: Kind, v: &Value) -> Result<Value, String> {
    match kind {
        Kind::Text => text_of(v).map(Value::String),
        Kind::Email => match text_of(v)? {
            e if is_email(e.trim()) => Ok(Value::String(e.trim().to_string())),
            _ => Err(reason::BAD_EMAIL.to_string()),
        },
        Kind::Money => decimal(v, |d| d.fixed(2)),
        Kind::Dec4 => decimal(v, |d| d.fixed(4)),
        Kind::Qty => decimal(v, Dec::trimmed),
        Kind::Int => int_of(v).map(|i| Value::String(i.to_string())).ok_or_else(|| reason::NOT_AN_INTEGER.to_string()),
        Kind::NullableInt if v.is_null() => Ok(Value::Null),
        Kind::NullableInt => scalar(db, Kind::Int, v),
        Kind::Flag => flag_of(v).map(|f| Value::String(f.to_string())).ok_or_else(|| reason::INVALID.to_string()),
        Kind::Date => match text_of(v)? {
            d if clock::is_naive_date(&d) => Ok(Value::String(d)),
            _ => Err(reason::BAD_DATE.to_string()),
        },
        Kind::IntList => match v {
            Value::Array(items) => {
                items.iter().map(|i| int_of(i).map(Value::from)).collect::<Option<Vec<_>>>().map(Value::Array).ok_or_else(|| reason::INVALID.to_string())
            }
            _ => Err(reason::INVALID.to_string()),
        },
        Kind::Json => Ok(v.clone()),
        Kind::Ref(res) => {
            let shown = text_of(v).unwrap_or_default();
            match int_of(v) {
                Some(i) if i > 0 && db.t(res).contains(i as u64) => Ok(Value::String(i.to_string())),
                _ => Err(reason::not_found(&shown)),
            }
        }
        Kind::Object(_) | Kind::Translations(_) => Err(reason::INVALID.to_string()),
    }
}

/// Merges `body` into `row` following `schema`; failures are collected under `prefix + key`.
pub fn merge(db: &Db, row: &mut Row, body: &Row, schema: &[Field], prefix: &str, errs: &mut Errors) {
    for (key, value) in body {
        let Some(Field(_, kind)) = schema.iter().find(|f| f.0 == key) else { continue };
        let name = format!("{prefix}{key}");
        match (*kind, value) {
            (Kind::Object(sub), Value::Object(obj)) => {
                let mut inner = match row.get(key) {
                    Some(Value::Object(m)) => m.clone(),
                    _ => Row::new(),
                };
                merge(db, &mut inner, obj, sub, &format!("{name}."), errs);
                row.insert(key.clone(), Value::Object(inner));
            }
            (Kind::Translations(spec), Value::Object(obj)) => merge_translations(db, row, key, obj, spec, errs),
            (kind, v) => match scalar(db, kind, v) {
                Ok(norm) => {
                    row.insert(key.clone(), norm);
                }
                Err(why) => errs.add(&name, why),
            },
        }
    }
}

fn merge_translations(db: &Db, row: &mut Row, key: &str, body: &Row, spec: &TrSpec, errs: &mut Errors) {
    let mut all = match row.get(key) {
        Some(Value::Object(m)) => m.clone(),
        _ => Row::new(),
    };
    for (locale, tv) in body {
        if lang_id(db, locale).is_none() {
            errs.add(key, reason::not_found(locale));
            continue;
        }
        let Value::Object(fields) = tv else {
            errs.add(&format!("{key}.{locale}"), reason::INVALID);
            continue;
        };
        let mut entry = match all.get(locale) {
            Some(Value::Object(m)) => m.clone(),
            _ => (spec.template)(),
        };
        merge(db, &mut entry, fields, spec.fields, &format!("{key}.{locale}."), errs);
        all.insert(locale.clone(), Value::Object(entry));
    }
    row.insert(key.to_string(), Value::Object(all));
}

/// Language id of a locale (`pl_PL` → 1).
pub fn lang_id(db: &Db, locale: &str) -> Option<u64> {
    db.t(Res::Languages).iter().find(|(_, r)| text(r, "locale") == locale).map(|(id, _)| id)
}

/// Flags every listed (possibly dotted) field that is missing, null or empty (unless the field
/// already failed for another reason).
pub fn require(row: &Row, fields: &[&str], errs: &mut Errors) {
    for field in fields {
        let mut cur = Some(row);
        let mut leaf = None;
        let parts: Vec<&str> = field.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let v = cur.and_then(|r| r.get(*part));
            if i + 1 == parts.len() {
                leaf = v;
            } else {
                cur = v.and_then(Value::as_object);
            }
        }
        let missing = match leaf {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            _ => false,
        };
        if missing && !errs.has(field) {
            errs.add(field, reason::REQUIRED);
        }
    }
}
