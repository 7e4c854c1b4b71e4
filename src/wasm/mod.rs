//! The browser boundary: implementations of the I/O traits for extension contexts (service
//! worker, event page, pages, workers) and the `#[wasm_bindgen]` exports. Conversions only — no
//! sync logic lives here.

pub mod clock;
pub mod exports;
pub mod http;
pub mod storage;

pub use clock::JsClock;
pub use http::FetchHttp;
pub use storage::{ExtensionStorage, PageLocalStorage};
