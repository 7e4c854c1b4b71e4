//! [`Http`] over the global `fetch` (gloo-net), usable in service workers, event pages, pages and
//! workers alike. A timeout aborts the request through an `AbortController`; a redirect is
//! never followed.

use super::timers::{clear_timeout, set_timeout};
use crate::io::{Http, HttpRequest, HttpResponse, Method, NetError};
use gloo_net::http::{Method as GlooMethod, RequestBuilder};
use wasm_bindgen::prelude::*;
use web_sys::{RequestCredentials, RequestRedirect, ResponseType};

#[derive(Clone, Copy, Debug, Default)]
pub struct FetchHttp;

fn gloo_method(m: Method) -> GlooMethod {
    match m {
        Method::Get => GlooMethod::GET,
        Method::Head => GlooMethod::HEAD,
        Method::Post => GlooMethod::POST,
        Method::Put => GlooMethod::PUT,
        Method::Delete => GlooMethod::DELETE,
    }
}

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

impl Http for FetchHttp {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        let controller = web_sys::AbortController::new().map_err(|e| NetError::Unreachable(js_text(&e)))?;
        let _deadline = Deadline::new(&controller, req.timeout_ms);
        let signal = controller.signal();
        // No redirect is followed: a request may carry a key (the Systim log-in is a form POST
        // with it; a 307/308 would re-send that body to the new host). `manual` gives an opaque
        // answer — the target stays hidden — that is reported as a redirect; no cookies either.
        let mut builder = RequestBuilder::new(&req.url)
            .method(gloo_method(req.method))
            .abort_signal(Some(&signal))
            .redirect(RequestRedirect::Manual)
            .credentials(RequestCredentials::Omit);
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        let request = match req.body {
            Some(body) => builder.body(body),
            None => builder.build(),
        }
        .map_err(|e| NetError::Unreachable(e.to_string()))?;
        let response = match request.send().await {
            Ok(r) => r,
            Err(_) if signal.aborted() => return Err(NetError::Timeout),
            Err(e) => return Err(NetError::Unreachable(e.to_string())),
        };
        if response.type_() == ResponseType::Opaqueredirect {
            return Err(NetError::Redirected(None));
        }
        let status = response.status();
        let headers = response.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        let body = match response.text().await {
            Ok(b) => b,
            Err(_) if signal.aborted() => return Err(NetError::Timeout),
            Err(e) => return Err(NetError::Unreachable(e.to_string())),
        };
        Ok(HttpResponse { status, headers, body })
    }
}

pub(crate) fn js_text(v: &JsValue) -> String {
    v.as_string().or_else(|| v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message()))).unwrap_or_else(|| format!("{v:?}"))
}
