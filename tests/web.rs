//! wasm-bindgen tests in a page (like the popup and options page), in headless Chromium and Firefox.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

#[path = "wasm_support/mod.rs"]
mod support;

include!("wasm_support/http_cases.rs");

#[wasm_bindgen_test]
async fn page_local_storage_round_trips() {
    let s = shoper_systim::wasm::PageLocalStorage { prefix: "test:".into() };
    s.set("a", "1").await.unwrap();
    assert_eq!(s.get("a").await, Ok(Some("1".into())));
    s.remove("a").await.unwrap();
    assert_eq!(s.get("a").await, Ok(None));
}
include!("wasm_support/engine_cases.rs");
