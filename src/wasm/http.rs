//! [`Http`] over the global `fetch` (through web-sys), usable in service workers, event pages,
//! pages and workers alike. A timeout aborts the request through an `AbortController`.

use crate::io::{Http, HttpRequest, HttpResponse, NetError};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    /// The global `fetch` (window or worker scope alike).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_request(request: &web_sys::Request) -> js_sys::Promise;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct FetchHttp;

/// Aborts its controller after a delay unless dropped first.
struct Deadline {
    timer: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Deadline {
    fn new(controller: &web_sys::AbortController, ms: u32) -> Deadline {
        let c = controller.clone();
        let callback = Closure::<dyn FnMut()>::new(move || c.abort());
        let timer = set_timeout(callback.as_ref().unchecked_ref(), ms.min(i32::MAX as u32) as i32);
        Deadline { timer, _callback: callback }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
    }
}

/// The request `fetch` is given (a malformed URL or header is refused here).
fn request(req: &HttpRequest, signal: &web_sys::AbortSignal) -> Result<web_sys::Request, JsValue> {
    let headers = web_sys::Headers::new()?;
    for (k, v) in &req.headers {
        headers.append(k, v)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(req.method.as_str());
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    if let Some(body) = &req.body {
        init.set_body(&JsValue::from_str(body));
    }
    web_sys::Request::new_with_str_and_init(&req.url, &init)
}

/// The answer's headers, names lower-cased.
fn headers(response: &web_sys::Response) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) {
        for entry in entries.flatten() {
            let entry: js_sys::Array = entry.unchecked_into();
            if let (Some(k), Some(v)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
                out.push((k.to_ascii_lowercase(), v));
            }
        }
    }
    out
}

impl Http for FetchHttp {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        let controller = web_sys::AbortController::new().map_err(|e| NetError::Unreachable(js_text(&e)))?;
        let _deadline = Deadline::new(&controller, req.timeout_ms);
        let signal = controller.signal();
        let request = request(&req, &signal).map_err(|e| NetError::Unreachable(js_error_text(&e)))?;
        let response: web_sys::Response = match JsFuture::from(fetch_request(&request)).await {
            Ok(r) => r.unchecked_into(),
            Err(_) if signal.aborted() => return Err(NetError::Timeout),
            Err(e) => return Err(NetError::Unreachable(js_error_text(&e))),
        };
        let status = response.status();
        let headers = headers(&response);
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(e) => Err(e),
        };
        let body = match text {
            Ok(b) => b.as_string().unwrap_or_default(),
            Err(_) if signal.aborted() => return Err(NetError::Timeout),
            Err(e) => return Err(NetError::Unreachable(js_error_text(&e))),
        };
        Ok(HttpResponse { status, headers, body })
    }
}

/// A rejection as JavaScript writes it (`TypeError: Failed to fetch`): the error's `toString()`.
fn js_error_text(v: &JsValue) -> String {
    match v.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.to_string()),
        None => js_text(v),
    }
}

pub(crate) fn js_text(v: &JsValue) -> String {
    v.as_string()
        .or_else(|| v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{v:?}"))
}
