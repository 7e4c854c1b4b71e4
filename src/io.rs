//! The I/O seams: HTTP, key-value storage and the clock. The core and the engine only ever see
//! these traits; `src/wasm/` implements them for the browser, tests implement them in memory
//! (the sandbox in-process, a virtual clock). Futures are `!Send` (wasm is single-threaded).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    /// Absolute URL including the query string.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// Give up after this long; the transport reports [`NetError::Timeout`].
    pub timeout_ms: u32,
}

impl std::fmt::Debug for HttpRequest {
    /// Headers by name only and the body by size: they carry keys and tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        let url = self.url.split('?').next().unwrap_or("");
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url)
            .field("headers", &names)
            .field("body_bytes", &self.body.as_ref().map_or(0, String::len))
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

impl HttpRequest {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest { method, url: url.into(), headers: Vec::new(), body: None, timeout_ms: 30_000 }
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A request that produced no HTTP answer. Whether a write happened on the server is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetError {
    /// No answer within the timeout.
    Timeout,
    /// DNS failure, connection refused, connection reset, TLS failure, CORS refusal…
    Unreachable(String),
    /// The caller cancelled.
    Aborted,
    /// The server answered with a redirect (3xx), which is never followed: the request may
    /// carry a key, and its new address is not one the merchant typed. The target's origin, when
    /// the answer shows it (a browser's `fetch` hides it).
    Redirected(Option<String>),
}

#[allow(async_fn_in_trait)]
pub trait Http {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The storage area is full (e.g. `QUOTA_BYTES` exceeded).
    Quota(String),
    Other(String),
}

/// A string key-value store (extension `storage.local`, a page's localStorage, memory in tests).
#[allow(async_fn_in_trait)]
pub trait Storage {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set(&self, key: &str, value: &str) -> Result<(), StoreError>;
    async fn remove(&self, key: &str) -> Result<(), StoreError>;
    /// Every record whose key starts with `prefix`, with its value, in no particular order;
    /// `None` when this store cannot list its keys (then what needs a listing — pruning the
    /// order ledger, `engine::prune` — is not done).
    async fn scan(&self, prefix: &str) -> Result<Option<Vec<(String, String)>>, StoreError> {
        let _ = prefix;
        Ok(None)
    }
}

/// Time and randomness come from outside: the core never reads a clock or sleeps on its own.
#[allow(async_fn_in_trait)]
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Wait this long (a virtual clock in tests just advances).
    async fn sleep(&self, ms: u64);
    /// A uniform random number in `0.0..1.0` (for jitter).
    fn random(&self) -> f64;
}
