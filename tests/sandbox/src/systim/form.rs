//! PHP request-variable parsing (`parse_str` / `$_REQUEST` semantics) for `jsonAPI.php`.
//!
//! Query string and `application/x-www-form-urlencoded` body are merged (body wins, as PHP's
//! default `request_order=GP`). Bracket keys become nested objects: `produkty[0][id]=12` and
//! `produkty%5B0%5D%5Bid%5D=12` both give `{"produkty":{"0":{"id":"12"}}}`. Every leaf is a
//! string; keys keep their first-insertion order; `a[]` appends the next integer key.
//! PHP quirks kept: spaces and dots in the base name become `_`; an unmatched first `[` becomes
//! `_`; text after a `]` that is not followed by `[` is dropped; names nested deeper than 64
//! levels and names starting with `[` are ignored.

use serde_json::{Map, Value};

use crate::wire::Request;

/// PHP's `max_input_nesting_level`.
const MAX_DEPTH: usize = 64;

/// Parameters of one request: query merged with a form body.
pub fn request_params(req: &Request) -> Map<String, Value> {
    let mut root = Map::new();
    insert_pairs(&mut root, form_urlencoded::parse(req.query.as_bytes()).into_owned());
    if is_form(req.header("content-type")) {
        insert_pairs(&mut root, form_urlencoded::parse(&req.body).into_owned());
    }
    root
}

/// Parse one urlencoded string (`a=1&b[x]=2`) into nested parameters.
pub fn parse(encoded: &str) -> Map<String, Value> {
    let mut root = Map::new();
    insert_pairs(&mut root, form_urlencoded::parse(encoded.as_bytes()).into_owned());
    root
}

fn is_form(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| ct.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"))
}

fn insert_pairs(root: &mut Map<String, Value>, pairs: impl Iterator<Item = (String, String)>) {
    for (key, value) in pairs {
        if let Some(path) = key_path(&key) {
            insert(root, &path, value);
        }
    }
}

/// Split a PHP variable name into its path: `produkty[0][id]` → `["produkty", "0", "id"]`,
/// `a[]` → `["a", ""]` (an empty segment appends).
pub fn key_path(key: &str) -> Option<Vec<String>> {
    let key = key.trim_start_matches(' ');
    let (base, mut rest) = key.find('[').map_or((key, ""), |i| key.split_at(i));
    if base.is_empty() {
        return None;
    }
    let mut path = vec![php_base_name(base)];
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            if path.len() == 1 {
                // Unmatched first bracket: PHP keeps the whole name, `[` turned into `_`.
                return Some(vec![php_base_name(&key.replacen('[', "_", 1))]);
            }
            break;
        };
        path.push(inner[..close].to_string());
        rest = &inner[close + 1..];
    }
    (path.len() <= MAX_DEPTH + 1).then_some(path)
}

fn php_base_name(base: &str) -> String {
    base.replace([' ', '.'], "_")
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: String) {
    let Some((segment, rest)) = path.split_first() else { return };
    let key = if segment.is_empty() { next_index(map) } else { segment.clone() };
    if rest.is_empty() {
        map.insert(key, Value::String(value));
        return;
    }
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(child) = slot {
        insert(child, rest, value);
    }
}

/// PHP's next free integer key: one past the largest canonical non-negative integer key.
fn next_index(map: &Map<String, Value>) -> String {
    let next = map.keys().filter_map(|k| canonical_index(k)).max().map_or(0, |m| m.saturating_add(1));
    next.to_string()
}

fn canonical_index(key: &str) -> Option<u64> {
    let n: u64 = key.parse().ok()?;
    (n.to_string() == key).then_some(n)
}

/// A scalar leaf of a parameter map (`None` for absent or nested values).
pub fn leaf<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    map.get(name).and_then(Value::as_str)
}

/// A leaf that is present and not blank (PHP `empty()`-ish: whitespace counts as unset).
pub fn filled<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    leaf(map, name).filter(|v| !v.trim().is_empty())
}
