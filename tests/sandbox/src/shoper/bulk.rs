//! `POST /webapi/rest/bulk`: a top-level array of at most 25 operations, answered in order as
//! `{"errors": bool, "items": [{"id", "code", "body"}]}`.

use serde_json::{json, Map, Value};

use super::auth::Principal;
use super::error::ApiError;
use super::store::obj;
use super::{ApiResult, Reply, ShoperState};

pub const MAX_OPS: usize = 25;

/// `params` of an operation as query pairs; `filters` given as an object is serialized to JSON,
/// arrays become `key[]` pairs.
fn params_to_pairs(params: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(map)) = params else { return Vec::new() };
    let mut out = Vec::new();
    for (k, v) in map {
        match v {
            Value::Null => {}
            Value::String(s) => out.push((k.clone(), s.clone())),
            Value::Array(items) => out.extend(items.iter().map(|i| (format!("{k}[]"), i.as_str().map_or_else(|| i.to_string(), str::to_string)))),
            other => out.push((k.clone(), other.to_string())),
        }
    }
    out
}

fn op_field<'a>(op: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    op.get(key).and_then(Value::as_str).ok_or_else(|| ApiError::bad_request(format!("Bulk operation without '{key}'")))
}

impl ShoperState {
    pub(super) fn bulk(&mut self, who: Principal, method: &str, body: &[u8], now_ms: u64) -> ApiResult {
        if method != "POST" {
            return Err(ApiError::method_not_allowed(method));
        }
        let ops = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Array(ops)) => ops,
            _ => return Err(ApiError::bad_request("Bulk request body must be a JSON array of operations")),
        };
        if ops.len() > MAX_OPS {
            return Err(ApiError::bad_request(format!("Too many operations in a bulk request (max {MAX_OPS})")));
        }
        let items: Vec<Value> = ops.iter().map(|op| self.bulk_item(who, op, now_ms)).collect();
        let errors = items.iter().any(|i| i["code"].as_u64().unwrap_or(500) >= 400);
        Ok(Reply::json(obj([("errors", json!(errors)), ("items", Value::Array(items))])))
    }

    fn bulk_item(&mut self, who: Principal, op: &Value, now_ms: u64) -> Value {
        let id = op.get("id").cloned().unwrap_or(Value::Null);
        let (code, body) = match self.bulk_exec(who, op, now_ms) {
            Ok(reply) => (200, reply.body),
            Err(e) => (e.status, e.body()),
        };
        obj([("id", id), ("code", json!(code)), ("body", body)])
    }

    fn bulk_exec(&mut self, who: Principal, op: &Value, now_ms: u64) -> ApiResult {
        let op = op.as_object().ok_or_else(|| ApiError::bad_request("Bulk operation must be an object"))?;
        let method = op_field(op, "method")?.to_ascii_uppercase();
        let (path, query) = op_field(op, "path")?.split_once('?').unwrap_or((op_field(op, "path")?, ""));
        let sub = path.strip_prefix("/webapi/rest").unwrap_or(path);
        let segs: Vec<&str> = sub.split('/').filter(|s| !s.is_empty()).collect();
        if matches!(segs.first(), Some(&"bulk") | Some(&"auth")) {
            return Err(ApiError::bad_request("This path is not allowed inside a bulk request"));
        }
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        pairs.extend(params_to_pairs(op.get("params")));
        let body = match op.get("body") {
            Some(Value::Null) | None => Vec::new(),
            Some(b) => serde_json::to_vec(b).unwrap_or_default(),
        };
        let mut reply = self.rest(who, &method, &segs, &pairs, &body, now_ms)?;
        if method == "HEAD" {
            reply.body = Value::Null;
        }
        Ok(reply)
    }
}
