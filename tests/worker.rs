//! wasm-bindgen tests in a dedicated worker: no `window`, no `document` — what the Chrome
//! service worker offers. Proves the core and its browser I/O never touch the window.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[path = "wasm_support/mod.rs"]
mod support;

include!("wasm_support/http_cases.rs");
include!("wasm_support/engine_cases.rs");
