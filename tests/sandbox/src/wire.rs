//! Transport-neutral request/response types shared by both stand-ins, the control API and the server.

/// Which stand-in a request is addressed to (each listens on its own port).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Shoper,
    Systim,
}

#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Upper-case HTTP method.
    pub method: String,
    /// Path without the query string, percent-encoding left as sent (e.g. `/webapi/rest/products/3`).
    pub path: String,
    /// Raw query string without the leading `?` (may be empty).
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which request of its TCP connection this is: 1 for the first (a fresh connection), 2 and
    /// more for a reused (kept-alive) one; 0 = unknown (in-process callers that do not model
    /// connections). The server fills it; `write_then_close` waits for a request that is not
    /// known to be on a fresh connection (0 counts as reused), because only there does a browser
    /// resend the request by itself.
    pub connection_seq: u32,
}

impl Request {
    pub fn new(method: &str, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (path_and_query.to_string(), String::new()),
        };
        Request { method: method.to_ascii_uppercase(), path, query, headers: Vec::new(), body: Vec::new(), connection_seq: 0 }
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    /// The request as the `n`-th of its connection (see [`Request::connection_seq`]).
    pub fn on_connection(mut self, n: u32) -> Self {
        self.connection_seq = n;
        self
    }
    /// Query-string pairs, percent-decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes()).into_owned().collect()
    }
}

/// What the transport must do beyond sending the response (set by fault injection).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delivery {
    /// Send the response normally.
    #[default]
    Normal,
    /// The server has done its work (any write is committed) but the connection is closed
    /// without an answer byte (`drop_after_commit`, `write_then_close`).
    Drop,
    /// The connection is closed without an answer byte and the request was NOT served: nothing
    /// committed (`close_before_write`).
    Close,
    /// The server has done its work; the status line, the headers (with the full
    /// `Content-Length`) and the first half of the body go out, then the connection is aborted
    /// (`reset_mid_answer`). The client has the headers, so a browser does not resend; reading
    /// the body fails.
    Reset,
}

impl Delivery {
    /// The client gets no byte of the answer (a browser resends such a request by itself when
    /// it went out on a reused connection).
    pub fn no_answer(self) -> bool {
        matches!(self, Delivery::Drop | Delivery::Close)
    }
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Delay before the answer is sent (slow-answer fault). The work is already done.
    pub delay_ms: u64,
    pub delivery: Delivery,
    /// Shoper leaky-bucket level after this call (for the request log), when the call was counted.
    pub bucket_level: Option<f64>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay_ms: 0,
            delivery: Delivery::Normal,
            bucket_level: None,
        }
    }
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Response::new(status, "application/json", serde_json::to_vec(value).expect("json"))
    }
    pub fn html(status: u16, html: impl Into<String>) -> Self {
        Response::new(status, "text/html; charset=utf-8", html.into().into_bytes())
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
    }
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
