//! [`Clock`] from JS: `Date.now()`, `Math.random()` and a `setTimeout` promise.

use super::timers::set_timeout;
use crate::io::Clock;

#[derive(Clone, Copy, Debug, Default)]
pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
    async fn sleep(&self, ms: u64) {
        let ms = ms.min(i32::MAX as u64) as i32;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            set_timeout(&resolve, ms);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}
