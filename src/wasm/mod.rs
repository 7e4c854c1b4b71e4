//! The browser boundary: implementations of the I/O traits for extension contexts (service
//! worker, event page, pages, workers) and the `#[wasm_bindgen]` exports. Conversions only — no
//! sync logic lives here.

pub mod clock;
pub mod exports;
pub mod http;
pub mod storage;

/// The global timer functions, the same in every extension context (service worker, event page,
/// page, worker): declared once for the clock's sleep and the HTTP deadline.
mod timers {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = setTimeout)]
        pub fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
        #[wasm_bindgen(js_name = clearTimeout)]
        pub fn clear_timeout(id: &JsValue);
    }
}

pub use clock::JsClock;
pub use http::FetchHttp;
pub use storage::{ExtensionStorage, PageLocalStorage};
