//! List queries (reference §3.1–§3.3): `limit`/`page` with the shop's clamping rules, `filters`
//! (URL-encoded JSON or PHP bracket form, every operator spelling, dotted paths) and `order`.

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use super::dec::Dec;
use super::error::ApiError;
use super::store::obj;

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    In,
}

/// One filter condition; `negated` turns `=`/LIKE/IN into `!=`/NOT LIKE/NOT IN.
#[derive(Clone, Debug)]
pub struct Cond {
    pub path: String,
    pub op: Op,
    pub negated: bool,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub struct ListQuery {
    pub limit: usize,
    pub page: usize,
    pub filters: Vec<Cond>,
    /// `(path, descending)`.
    pub order: Vec<(String, bool)>,
    /// Top-level field names given in bracket form (`filters[code]=…`).
    pub bracket_fields: Vec<String>,
}

impl ListQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery, ApiError> {
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim());
        let limit = match get("limit").and_then(|v| v.parse::<i64>().ok()) {
            Some(l) if (1..=MAX_LIMIT as i64).contains(&l) => l as usize,
            _ => DEFAULT_LIMIT,
        };
        let page = get("page").and_then(|v| v.parse::<i64>().ok()).filter(|p| *p >= 1).unwrap_or(1);
        let (tree, bracket_fields) = filter_tree(pairs)?;
        Ok(ListQuery { limit, page: usize::try_from(page).unwrap_or(usize::MAX), filters: conditions(&tree)?, order: order_terms(pairs)?, bracket_fields })
    }

    pub fn has_filter_prefix(&self, prefix: &str) -> bool {
        self.filters.iter().any(|c| c.path.starts_with(prefix))
    }

    /// Splits the filters by a predicate on their paths: `(matching, the rest)`.
    pub fn split_filters(&self, pred: impl Fn(&str) -> bool) -> (Vec<Cond>, Vec<Cond>) {
        self.filters.iter().cloned().partition(|c| pred(&c.path))
    }
}

/// Filters of both forms merged into one JSON object.
fn filter_tree(pairs: &[(String, String)]) -> Result<(Map<String, Value>, Vec<String>), ApiError> {
    let mut root = Value::Object(Map::new());
    let mut bracket_fields = Vec::new();
    for (key, value) in pairs {
        if key == "filters" {
            match serde_json::from_str::<Value>(value) {
                Ok(Value::Object(m)) => {
                    if let Value::Object(r) = &mut root {
                        r.extend(m);
                    }
                }
                Ok(Value::Array(a)) if a.is_empty() => {}
                _ => return Err(ApiError::bad_request("Invalid filters: a JSON object expected")),
            }
        } else if let Some(segs) = bracket_segments(key) {
            if let Some(first) = segs.first() {
                bracket_fields.push(first.clone());
            }
            put_path(&mut root, &segs, value.clone());
        }
    }
    match root {
        Value::Object(m) => Ok((m, bracket_fields)),
        _ => Ok((Map::new(), bracket_fields)),
    }
}

/// `filters[a][b][]` → `["a", "b", ""]`; `None` for other keys or malformed brackets.
fn bracket_segments(key: &str) -> Option<Vec<String>> {
    let mut rest = key.strip_prefix("filters")?;
    let mut segs = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        segs.push(inner[..end].to_string());
        rest = &inner[end + 1..];
    }
    (!segs.is_empty() && !segs[0].is_empty()).then_some(segs)
}

fn put_path(target: &mut Value, segs: &[String], value: String) {
    let Some((head, rest)) = segs.split_first() else {
        *target = Value::String(value);
        return;
    };
    if head.is_empty() {
        if !target.is_array() {
            *target = Value::Array(Vec::new());
        }
        let mut item = Value::Null;
        put_path(&mut item, rest, value);
        if let Value::Array(a) = target {
            a.push(item);
        }
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(m) = target {
        put_path(m.entry(head.clone()).or_insert(Value::Null), rest, value);
    }
}

/// Operator spelling → (operator, negated).
fn parse_op(op: &str) -> Option<(Op, bool)> {
    let norm = op.trim().to_ascii_lowercase().replace('_', " ");
    let norm = norm.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match norm.as_str() {
        "=" | "==" => (Op::Eq, false),
        "!=" | "<>" => (Op::Eq, true),
        ">" => (Op::Gt, false),
        ">=" => (Op::Ge, false),
        "<" => (Op::Lt, false),
        "<=" => (Op::Le, false),
        "like" | "~" => (Op::Like, false),
        "not like" | "!~" => (Op::Like, true),
        "in" => (Op::In, false),
        "not in" => (Op::In, true),
        _ => return None,
    })
}

fn conditions(tree: &Map<String, Value>) -> Result<Vec<Cond>, ApiError> {
    let mut out = Vec::new();
    for (field, spec) in tree {
        let path = field.trim().to_string();
        let cond = |op: Op, negated: bool, value: &Value| Cond { path: path.clone(), op, negated, value: value.clone() };
        match spec {
            Value::Object(ops) => {
                for (op, value) in ops {
                    let (op, negated) = parse_op(op).ok_or_else(|| bad_operator(op))?;
                    out.push(cond(op, negated, value));
                }
            }
            // Legacy SDK form `["=", "laptop"]`.
            Value::Array(a) if a.len() == 2 && a[0].as_str().and_then(parse_op).is_some() => {
                let (op, negated) = a[0].as_str().and_then(parse_op).unwrap_or((Op::Eq, false));
                out.push(cond(op, negated, &a[1]));
            }
            Value::Array(_) => out.push(cond(Op::In, false, spec)),
            scalar => out.push(cond(Op::Eq, false, scalar)),
        }
    }
    Ok(out)
}

fn bad_operator(op: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid filter operator '{op}'"))
}

/// `order=f ASC`, `order[]=f DESC` (repeatable); a bare field sorts descending.
fn order_terms(pairs: &[(String, String)]) -> Result<Vec<(String, bool)>, ApiError> {
    let mut out = Vec::new();
    for (key, value) in pairs {
        let is_order = key == "order" || (key.starts_with("order[") && key.ends_with(']'));
        if !is_order {
            continue;
        }
        let mut words = value.split_whitespace();
        let Some(field) = words.next() else { continue };
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(_) => return Err(ApiError::bad_request(format!("Invalid order expression '{value}'"))),
        };
        if words.next().is_some() {
            return Err(ApiError::bad_request(format!("Invalid order expression '{value}'")));
        }
        out.push((field.to_string(), desc));
    }
    Ok(out)
}

/// Values a dotted path reaches. `translations.<field>` without a locale fans out over locales
/// (`translation.` is accepted as an alias); arrays are flattened.
pub fn resolve<'a>(v: &'a Value, path: &str) -> Vec<&'a Value> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    walk(v, &segs, false, &mut out);
    out
}

/// [`resolve`] starting from an object's fields.
pub fn resolve_in<'a>(m: &'a Map<String, Value>, path: &str) -> Vec<&'a Value> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    walk_object(m, &segs, false, &mut out);
    out
}

fn walk<'a>(v: &'a Value, segs: &[&str], in_translations: bool, out: &mut Vec<&'a Value>) {
    if segs.is_empty() {
        match v {
            Value::Array(items) => out.extend(items.iter()),
            other => out.push(other),
        }
        return;
    }
    match v {
        Value::Object(m) => walk_object(m, segs, in_translations, out),
        Value::Array(items) => items.iter().for_each(|item| walk(item, segs, in_translations, out)),
        _ => {}
    }
}

fn walk_object<'a>(m: &'a Map<String, Value>, segs: &[&str], in_translations: bool, out: &mut Vec<&'a Value>) {
    let Some((head, rest)) = segs.split_first() else { return };
    let key = if *head == "translation" && !m.contains_key("translation") { "translations" } else { head };
    if let Some(child) = m.get(key) {
        walk(child, rest, key == "translations", out);
    } else if in_translations {
        for child in m.values() {
            walk(child, segs, false, out);
        }
    }
}

/// Text of a scalar as the database would compare it (`None` for null/objects).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    }
}

fn fold(s: &str, ci: bool) -> String {
    if ci {
        s.trim_end_matches(' ').to_lowercase()
    } else {
        s.to_string()
    }
}

/// A number, unless it is text with a leading zero (codes and EANs like `0187` stay text).
fn numeric(v: &Value) -> Option<Dec> {
    if let Value::String(s) = v {
        let digits = s.trim().trim_start_matches(['-', '+']);
        if digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.") {
            return None;
        }
    }
    Dec::from_json(v)
}

/// Numeric comparison when both look numeric, else collation-aware text comparison.
fn compare(field: &Value, wanted: &Value, ci: bool) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (numeric(field), numeric(wanted)) {
        return Some(a.cmp(&b));
    }
    let (a, b) = (scalar_text(field)?, scalar_text(wanted)?);
    Some(fold(&a, ci).cmp(&fold(&b, ci)))
}

fn equals(field: &Value, wanted: &Value, ci: bool) -> bool {
    match (field, wanted) {
        (Value::Null, Value::Null) => true,
        (Value::Object(_), _) | (_, Value::Object(_)) => field == wanted,
        _ => compare(field, wanted, ci) == Some(Ordering::Equal),
    }
}

enum LikeToken {
    Any,
    One,
    Lit(char),
}

fn like_tokens(pattern: &str) -> Vec<LikeToken> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '%' => LikeToken::Any,
            '_' => LikeToken::One,
            '\\' => LikeToken::Lit(chars.next().unwrap_or('\\')),
            c => LikeToken::Lit(c),
        });
    }
    out
}

/// SQL LIKE with `%` and `_` (backslash escapes).
pub fn like(text: &str, pattern: &str, ci: bool) -> bool {
    let t: Vec<char> = fold(text, ci).chars().collect();
    // reach[i]: the first i characters of the text match the pattern consumed so far
    let mut reach = vec![false; t.len() + 1];
    reach[0] = true;
    for token in like_tokens(&fold(pattern, ci)) {
        let mut next = vec![false; t.len() + 1];
        match token {
            LikeToken::Any => {
                let mut seen = false;
                for (i, slot) in next.iter_mut().enumerate() {
                    seen |= reach[i];
                    *slot = seen;
                }
            }
            LikeToken::One => (0..t.len()).for_each(|i| next[i + 1] = reach[i]),
            LikeToken::Lit(c) => (0..t.len()).for_each(|i| next[i + 1] = reach[i] && t[i] == c),
        }
        reach = next;
    }
    reach[t.len()]
}

fn test_one(field: &Value, cond: &Cond, ci: bool) -> bool {
    let ord = || compare(field, &cond.value, ci);
    match cond.op {
        Op::Eq => equals(field, &cond.value, ci),
        Op::Gt => ord() == Some(Ordering::Greater),
        Op::Ge => matches!(ord(), Some(Ordering::Greater | Ordering::Equal)),
        Op::Lt => ord() == Some(Ordering::Less),
        Op::Le => matches!(ord(), Some(Ordering::Less | Ordering::Equal)),
        Op::Like => match (scalar_text(field), scalar_text(&cond.value)) {
            (Some(t), Some(p)) => like(&t, &p, ci),
            _ => false,
        },
        Op::In => match &cond.value {
            Value::Array(options) => options.iter().any(|o| equals(field, o, ci)),
            single => equals(field, single, ci),
        },
    }
}

/// A row passes when any reached value satisfies the positive form of the condition
/// (for negated operators: when none does). Missing fields count as null.
fn passes(mut found: Vec<&Value>, cond: &Cond, ci: bool) -> bool {
    if found.is_empty() {
        found.push(&Value::Null);
    }
    let hit = found.iter().any(|v| test_one(v, cond, ci));
    hit != cond.negated
}

pub fn matches_all(row: &Value, conds: &[Cond], ci: bool) -> bool {
    conds.iter().all(|c| passes(resolve(row, &c.path), c, ci))
}

/// [`matches_all`] on an object's fields (a stored row).
pub fn matches_all_in(row: &Map<String, Value>, conds: &[Cond], ci: bool) -> bool {
    conds.iter().all(|c| passes(resolve_in(row, &c.path), c, ci))
}

fn sort_key_cmp(a: &Value, b: &Value, path: &str, ci: bool) -> Ordering {
    let first = |v: &Value| resolve(v, path).into_iter().next().cloned().unwrap_or(Value::Null);
    let (x, y) = (first(a), first(b));
    match (&x, &y) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => compare(&x, &y, ci).unwrap_or(Ordering::Equal),
    }
}

/// Stable sort by the `order` terms (rows arrive in id order, which breaks ties).
pub fn sort_rows(rows: &mut [Value], order: &[(String, bool)], ci: bool) {
    if order.is_empty() {
        return;
    }
    rows.sort_by(|a, b| {
        for (path, desc) in order {
            let o = sort_key_cmp(a, b, path, ci);
            if o != Ordering::Equal {
                return if *desc { o.reverse() } else { o };
            }
        }
        Ordering::Equal
    });
}

/// Page bookkeeping of a list answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageInfo {
    pub count: usize,
    pub pages: usize,
    pub page: usize,
    /// Index range of the rows to show.
    pub start: usize,
    pub end: usize,
}

/// Beyond the last page the list is empty and `page` is clamped to the last page (1 when empty).
pub fn page_info(count: usize, limit: usize, page: usize) -> PageInfo {
    let pages = count.div_ceil(limit.max(1));
    if page > pages {
        return PageInfo { count, pages, page: pages.max(1), start: 0, end: 0 };
    }
    let start = (page - 1).saturating_mul(limit);
    PageInfo { count, pages, page, start, end: (start + limit).min(count) }
}

pub fn envelope(info: &PageInfo, list: Vec<Value>) -> Value {
    obj([("count", json!(info.count.to_string())), ("pages", json!(info.pages)), ("page", json!(info.page)), ("list", Value::Array(list))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("Okulary słoneczne", "%okulary%", true));
        assert!(!like("Okulary", "%okulary%", false));
        assert!(like("KUB-300", "KUB-___", true));
        assert!(like("a%b", "a\\%b", false));
        assert!(!like("axb", "a\\%b", false));
        assert!(like("", "%", false));
    }

    #[test]
    fn leading_zeros_compare_as_text() {
        let (a, b) = (Value::from("0187"), Value::from("187"));
        assert!(!equals(&a, &b, true));
        assert!(equals(&Value::from("10.50"), &Value::from(10.5), true));
        assert!(equals(&Value::from("0.5"), &Value::from(".5"), true));
    }

    #[test]
    fn paging() {
        assert_eq!(page_info(57, 10, 6), PageInfo { count: 57, pages: 6, page: 6, start: 50, end: 57 });
        assert_eq!(page_info(5, 10, 2).page, 1);
        assert_eq!(page_info(0, 10, 1), PageInfo { count: 0, pages: 0, page: 1, start: 0, end: 0 });
    }
}
