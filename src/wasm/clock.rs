//! [`Clock`] from JS: `Date.now()`, `Math.random()` and a `setTimeout` promise.

use crate::io::Clock;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout_cb(handler: &js_sys::Function, ms: i32) -> JsValue;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
    async fn sleep(&self, ms: u64) {
        let ms = ms.min(i32::MAX as u64) as i32;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            set_timeout_cb(&resolve, ms);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}
