//! Helpers shared by the Shoper stand-in integration tests.
#![allow(dead_code)]

use sandbox::catalogue::{self, Scenario};
use sandbox::shoper::ShoperState;
use sandbox::{Request, Response};
use serde_json::Value;

/// 2026-09-21 ~14:13 UTC; any fixed instant works.
pub const T0: u64 = 1_790_000_000_000;

pub struct Shop {
    pub st: ShoperState,
    pub now: u64,
    pub token: String,
}

impl Shop {
    /// The demo shop with rate limiting off, authenticated with the static token.
    pub fn demo() -> Shop {
        Shop::with(&catalogue::demo(), false)
    }

    pub fn with(sc: &Scenario, rate_limited: bool) -> Shop {
        let mut st = ShoperState::from_scenario(sc);
        st.configure(&serde_json::json!({"rate_limit": rate_limited})).expect("knob");
        Shop { st, now: T0, token: sc.shoper_token.clone() }
    }

    pub fn send(&mut self, req: Request) -> Response {
        self.st.handle(&req, self.now)
    }

    /// A call with the current bearer token and an optional JSON body.
    pub fn call(&mut self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let mut req = Request::new(method, path).with_header("Authorization", &format!("Bearer {}", self.token));
        if let Some(b) = body {
            req = req.with_header("Content-Type", "application/json").with_body(serde_json::to_vec(b).unwrap());
        }
        self.send(req)
    }

    /// GET that must answer 200; returns the JSON body.
    pub fn get(&mut self, path: &str) -> Value {
        let r = self.call("GET", path, None);
        assert_eq!(r.status, 200, "GET {path}: {}", r.body_text());
        r.body_json()
    }

    pub fn post(&mut self, path: &str, body: &Value) -> Response {
        self.call("POST", path, Some(body))
    }

    pub fn put(&mut self, path: &str, body: &Value) -> Response {
        self.call("PUT", path, Some(body))
    }

    /// Every row of a list, following `pages`.
    pub fn all(&mut self, path_with_query: &str) -> Vec<Value> {
        let sep = if path_with_query.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let v = self.get(&format!("{path_with_query}{sep}limit=50&page={page}"));
            out.extend(v["list"].as_array().cloned().unwrap_or_default());
            if page >= v["pages"].as_u64().unwrap_or(0) as usize {
                return out;
            }
            page += 1;
        }
    }

    /// GET of a list with a JSON `filters` value (URL-encoded here).
    pub fn filtered(&mut self, path: &str, filters: &str) -> Value {
        let sep = if path.contains('?') { '&' } else { '?' };
        self.get(&format!("{path}{sep}filters={}", enc(filters)))
    }

    /// The first stock row with this code, via the API.
    pub fn stock_by_code(&mut self, code: &str) -> Value {
        self.filtered("/webapi/rest/product-stocks", &format!(r#"{{"code":"{code}"}}"#))["list"][0].clone()
    }
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `"12.5"` → 12.5 for assertions on decimal strings.
pub fn num(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_f64()).unwrap_or(f64::NAN)
}
