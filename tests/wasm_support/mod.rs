//! Shared by the wasm-bindgen test binaries (`web.rs` runs in a page, `worker.rs` in a dedicated
//! worker). The running sandbox's URLs and credentials come from `SANDBOX_INFO`, set by
//! `./build.sh test` when it compiles these tests.

#![allow(dead_code)]

use serde_json::Value;
use shoper_systim::io::{Http, HttpRequest, HttpResponse, Method, NetError};
use shoper_systim::wasm::FetchHttp;
use wasm_bindgen::prelude::*;

// Built by `./build.sh test` with the running sandbox's address baked in; built any other way
// the tests are meant to stop at once, saying how to run them.
#[allow(clippy::option_env_unwrap)]
pub fn info() -> Value {
    let raw = option_env!("SANDBOX_INFO").expect("SANDBOX_INFO is not set: run these tests through ./build.sh test");
    serde_json::from_str(raw).expect("SANDBOX_INFO is JSON")
}

pub fn url(key: &str) -> String {
    info()[key].as_str().expect("url").to_string()
}

pub async fn send(method: Method, url: &str, body: Option<&str>, content_type: &str) -> Result<HttpResponse, NetError> {
    let mut req = HttpRequest::new(method, url);
    if let Some(b) = body {
        req = req.header("Content-Type", content_type).body(b);
    }
    FetchHttp.send(req).await
}

pub async fn control(method: Method, route: &str, body: &str) -> Value {
    let body = (!body.is_empty()).then_some(body);
    let resp = send(method, &format!("{}{}", url("control"), route), body, "application/json").await.expect("control API answers");
    assert!(resp.status < 300, "control {route}: {} {}", resp.status, resp.body);
    serde_json::from_str(&resp.body).unwrap_or(Value::Null)
}

#[wasm_bindgen(inline_js = "
export function install_fake_ext_api() {
  const m = new Map();
  globalThis.ExtApi = {
    storageGet: async (k) => m.get(k),
    storageSet: async (k, v) => {
      if (v.length > 1000000) { throw new Error('QUOTA_BYTES quota exceeded'); }
      m.set(k, v);
    },
    storageRemove: async (k) => { m.delete(k); },
    storageScan: async (p) => JSON.stringify([...m.entries()].filter(([k]) => k.startsWith(p))),
  };
}")]
extern "C" {
    pub fn install_fake_ext_api();
}

/// The merchant's texts the core renders, from the extension's own files — what the background
/// hands to `init_core` (src/texts.rs); before an engine is made, as the shipped exports do.
pub fn load_texts() {
    shoper_systim::texts::load(include_str!("../../extension/_locales/pl/messages.json"), include_str!("../../extension/_locales/en/messages.json"))
        .expect("the extension's texts");
}
