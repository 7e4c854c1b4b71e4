//! Field validation for the add* methods: collects every missing and every invalid field of a
//! request, then answers one code 6 naming them all (`produkty[1][id]`, `id_kategorii`, …).

use serde_json::{Map, Value};

use super::envelope::Fault;
use super::form::{filled, leaf};
use super::num;

pub type Params = Map<String, Value>;

pub const REQUIRED: bool = true;
pub const OPTIONAL: bool = false;

/// A parameter map (the request, or one line of it) with the prefix its field names carry.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub map: &'a Params,
    /// `""` for the request itself, `produkty[0]` for a line.
    pub prefix: &'a str,
}

impl<'a> Scope<'a> {
    pub fn root(map: &'a Params) -> Scope<'a> {
        Scope { map, prefix: "" }
    }
    /// The wire name of a field in this scope.
    pub fn field(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}[{name}]", self.prefix)
        }
    }
    pub fn filled(&self, name: &str) -> Option<&'a str> {
        filled(self.map, name)
    }
    pub fn text(&self, name: &str) -> &'a str {
        leaf(self.map, name).unwrap_or("")
    }
}

#[derive(Default)]
pub struct Check {
    missing: Vec<String>,
    invalid: Vec<String>,
}

impl Check {
    pub fn missing(&mut self, field: String) {
        if !self.missing.contains(&field) {
            self.missing.push(field);
        }
    }
    pub fn invalid(&mut self, field: String) {
        if !self.invalid.contains(&field) {
            self.invalid.push(field);
        }
    }
    /// A non-blank field; when `required` and absent it is recorded as missing.
    pub fn get<'a>(&mut self, s: Scope<'a>, name: &str, required: bool) -> Option<&'a str> {
        let value = s.filled(name);
        if value.is_none() && required {
            self.missing(s.field(name));
        }
        value
    }
    pub fn require<'a>(&mut self, s: Scope<'a>, name: &str) -> Option<&'a str> {
        self.get(s, name, REQUIRED)
    }
    pub fn require_all(&mut self, s: Scope<'_>, names: &[&str]) {
        for name in names {
            self.require(s, name);
        }
    }
    /// A field parsed with `parse`; a value it rejects is an invalid field.
    pub fn parsed<T>(&mut self, s: Scope<'_>, name: &str, required: bool, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let raw = self.get(s, name, required)?;
        let value = parse(raw);
        if value.is_none() {
            self.invalid(s.field(name));
        }
        value
    }
    /// Non-negative money with at most 2 decimals, in grosze.
    pub fn money(&mut self, s: Scope<'_>, name: &str, required: bool) -> Option<i64> {
        self.parsed(s, name, required, |v| num::parse_scaled(v, 2).filter(|g| *g >= 0))
    }
    /// Positive quantity with at most 3 decimals, in thousandths.
    pub fn quantity(&mut self, s: Scope<'_>, name: &str, required: bool) -> Option<i64> {
        self.parsed(s, name, required, |v| num::parse_scaled(v, 3).filter(|q| *q > 0))
    }
    /// A reference to an existing row: digits naming an id `exists` accepts.
    pub fn reference(&mut self, s: Scope<'_>, name: &str, required: bool, exists: impl Fn(u64) -> bool) -> Option<u64> {
        self.parsed(s, name, required, |v| id(v).filter(|i| exists(*i)))
    }
    /// A value that must be one of `allowed`.
    pub fn one_of(&mut self, s: Scope<'_>, name: &str, required: bool, allowed: &[&str]) -> Option<String> {
        self.parsed(s, name, required, |v| allowed.contains(&v.trim()).then(|| v.trim().to_string()))
    }
    /// A `YYYY-MM-DD` date.
    pub fn date(&mut self, s: Scope<'_>, name: &str, required: bool) -> Option<String> {
        self.parsed(s, name, required, |v| num::valid_date(v.trim()).then(|| v.trim().to_string()))
    }
    pub fn finish(self) -> Result<(), Fault> {
        if self.missing.is_empty() && self.invalid.is_empty() {
            Ok(())
        } else {
            Err(Fault::fields(self.missing, self.invalid))
        }
    }
}

/// An id as sent: decimal digits (surrounding spaces tolerated).
pub fn id(raw: &str) -> Option<u64> {
    let t = raw.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The parameters worth keeping as "sent": everything but `act` and credentials.
pub fn sent(params: &Params) -> Params {
    params.iter().filter(|(k, _)| !matches!(k.as_str(), "act" | "token" | "login" | "pass")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// One line of a list parameter (`produkty[i]`, `pozycje[i]`).
pub struct Line<'a> {
    pub key: String,
    pub prefix: String,
    pub map: &'a Params,
}

impl<'a> Line<'a> {
    pub fn scope(&'a self) -> Scope<'a> {
        Scope { map: self.map, prefix: &self.prefix }
    }
}

/// The lines of a required list parameter; records `name` missing when absent, and lines that
/// are not maps as invalid.
pub fn lines<'a>(check: &mut Check, params: &'a Params, name: &str) -> Vec<Line<'a>> {
    let Some(node) = params.get(name) else {
        check.missing(name.to_string());
        return Vec::new();
    };
    let Some(map) = node.as_object() else {
        check.invalid(name.to_string());
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map {
        let prefix = format!("{name}[{key}]");
        match value.as_object() {
            Some(line) => out.push(Line { key: key.clone(), prefix, map: line }),
            None => check.invalid(prefix),
        }
    }
    out
}
