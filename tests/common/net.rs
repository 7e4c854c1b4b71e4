//! The sandbox server (`target/release/sandbox`) over real HTTP: the server process, a small
//! blocking HTTP/1.1 client behind the engine's `Http` and the control API, on the engine's
//! virtual clock. By default one connection per request (`Connection: close`);
//! [`RealHttp::keep_alive`] keeps one connection per host open, so the engine meets the faults
//! of reused connections (`write_then_close`) — as a network error: this client never resends.
//! Answers are read by their framing (`Content-Length` or chunked): an answer cut short or reset
//! mid-body (`reset_mid_answer`) is `NetError::Unreachable`, never a truncated body.
//!
//! The server keeps its own (real) time: it stamps its log and records with it, so the soak
//! relates the engine's writes to the world's changes by the server's clock
//! ([`World::server_now`]). Waits the engine makes (backoff, pacing) pass on the virtual clock,
//! so the shop's own rate limit must be off (`{"rate_limit": false}`): only injected 429s remain.

use super::tap::Tap;
use super::world::World;
use serde_json::Value;
use shoper_systim::io::{Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::mem::VirtualClock;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Patience with the control API and the harness's own REST calls.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(120);
/// Tries of a harness REST call through the injected faults.
const REST_TRIES: u32 = 50;

/// The running server (stopped when the last handle goes), or one this process did not start.
struct Server {
    child: Option<Child>,
    shop: String,
    systim: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[derive(Clone)]
pub struct RealHttp {
    server: Rc<Server>,
    pub clock: VirtualClock,
    tap: Rc<Tap>,
    /// The longest the engine's calls wait for an answer (shorter than the engine asks, so a
    /// "slow" fault costs a fraction of a second, not half a minute).
    pub patience: Duration,
    /// Keep one connection per host open between the engine's calls.
    keep_alive: Rc<Cell<bool>>,
    /// The open connections, by `host:port`.
    pool: Rc<RefCell<HashMap<String, TcpStream>>>,
}

/// Where `cargo build -p sandbox --release --bin sandbox` puts the server.
fn server_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("release").join("sandbox")
}

impl RealHttp {
    /// Start the server with a scenario; its first line gives the URLs.
    pub fn spawn(scenario: &str, patience: Duration) -> RealHttp {
        let bin = server_binary();
        assert!(bin.exists(), "{} is missing: run `cargo build -p sandbox --release --bin sandbox` first", bin.display());
        let mut child =
            Command::new(&bin).args(["--scenario", scenario]).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("the sandbox server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the sandbox prints its URLs");
        let first: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("sandbox said {line:?}: {e}"));
        let url = |k: &str| first[k].as_str().expect("a URL").to_string();
        let server = Server { shop: url("shoper"), systim: url("systim"), child: Some(child) };
        RealHttp { server: Rc::new(server), clock: VirtualClock::default(), tap: Rc::default(), patience, keep_alive: Rc::default(), pool: Rc::default() }
    }

    /// A client of a server already running at these base URLs (`./build.sh sandbox`, or a test's
    /// own listener); it is not stopped when the handle goes.
    pub fn attach(shop: &str, systim: &str, patience: Duration) -> RealHttp {
        let server = Server { shop: shop.trim_end_matches('/').to_string(), systim: systim.trim_end_matches('/').to_string(), child: None };
        RealHttp { server: Rc::new(server), clock: VirtualClock::default(), tap: Rc::default(), patience, keep_alive: Rc::default(), pool: Rc::default() }
    }

    /// Reuse connections for the engine's calls (off by default; shared by every clone).
    pub fn keep_alive(self, on: bool) -> Self {
        self.keep_alive.set(on);
        self.pool.borrow_mut().clear();
        self
    }

    fn static_token(&self) -> String {
        self.info()["shoper_token"].as_str().unwrap_or_default().to_string()
    }
}

impl Http for RealHttp {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        self.tap.run_hook(&req);
        let dies = self.tap.dies_now();
        if dies == Some(false) {
            return std::future::pending().await;
        }
        let patience = self.patience.min(Duration::from_millis(u64::from(req.timeout_ms)));
        let result = if self.keep_alive.get() {
            exchange_kept(&self.pool, req.method.as_str(), &req.url, &req.headers, req.body.as_deref(), patience)
        } else {
            exchange(req.method.as_str(), &req.url, &req.headers, req.body.as_deref(), patience)
        };
        if dies.is_some() {
            // Served, and the answer never reaches the engine.
            return std::future::pending().await;
        }
        result
    }
}

impl World for RealHttp {
    fn clock(&self) -> &VirtualClock {
        &self.clock
    }

    fn tap(&self) -> &Tap {
        &self.tap
    }

    fn server_now(&self) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    }

    fn tick(&self) {
        std::thread::sleep(Duration::from_millis(2));
    }

    fn shop_url(&self) -> String {
        self.server.shop.clone()
    }

    fn systim_url(&self) -> String {
        self.server.systim.clone()
    }

    fn try_control(&self, method: &str, route: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}/__sandbox{route}", self.server.shop);
        let body = (!body.is_null()).then(|| body.to_string());
        let headers = [("content-type".to_string(), "application/json".to_string())];
        let resp = exchange(method, &url, &headers, body.as_deref(), CONTROL_TIMEOUT).map_err(|e| format!("{e:?}"))?;
        if resp.status < 300 {
            serde_json::from_str(&resp.body).map_err(|e| e.to_string())
        } else {
            Err(format!("{} {}", resp.status, resp.body))
        }
    }

    /// Through the injected faults like any client: tried until the shop answers.
    fn shop_rest(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let url = format!("{}/webapi/rest/{path}", self.server.shop);
        let headers = [("authorization".to_string(), format!("Bearer {}", self.static_token())), ("content-type".to_string(), "application/json".to_string())];
        let body = body.map(Value::to_string);
        for _ in 0..REST_TRIES {
            if let Ok(resp) = exchange(method, &url, &headers, body.as_deref(), self.patience * 4) {
                if resp.status == 200 {
                    return serde_json::from_str(&resp.body).expect("shop JSON");
                }
            }
        }
        panic!("{method} {path}: no answer in {REST_TRIES} tries");
    }
}

/// `http://host:port/path?query` → (`host:port`, `/path?query`).
fn split_url(url: &str) -> Result<(&str, &str), NetError> {
    let rest = url.strip_prefix("http://").ok_or_else(|| NetError::Unreachable(format!("only http:// here: {url}")))?;
    Ok(match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    })
}

fn lost(e: std::io::Error) -> NetError {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => NetError::Timeout,
        _ => NetError::Unreachable(e.to_string()),
    }
}

fn request_head(method: &str, host: &str, path: &str, headers: &[(String, String)], body: &str, keep_alive: bool) -> String {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: {connection}\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers.iter().filter(|(k, _)| !["host", "connection", "content-length"].contains(&k.to_ascii_lowercase().as_str())) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// One request on its own connection.
fn exchange(method: &str, url: &str, headers: &[(String, String)], body: Option<&str>, patience: Duration) -> Result<HttpResponse, NetError> {
    let (host, path) = split_url(url)?;
    let mut stream = TcpStream::connect(host).map_err(lost)?;
    stream.set_read_timeout(Some(patience)).map_err(lost)?;
    stream.set_write_timeout(Some(patience)).map_err(lost)?;
    let body = body.unwrap_or("");
    let head = request_head(method, host, path, headers, body, false);
    stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).map_err(lost)?;
    read_response(&mut stream).map(|(resp, _)| resp)
}

/// One request on the host's kept-alive connection (a new one when none is open). A reused
/// connection that closes before any byte of the answer is `NetError::Unreachable`: a browser
/// would resend here, this client does not.
fn exchange_kept(
    pool: &RefCell<HashMap<String, TcpStream>>,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    patience: Duration,
) -> Result<HttpResponse, NetError> {
    let (host, path) = split_url(url)?;
    let pooled = pool.borrow_mut().remove(host);
    let mut stream = match pooled {
        Some(s) => s,
        None => TcpStream::connect(host).map_err(lost)?,
    };
    stream.set_read_timeout(Some(patience)).map_err(lost)?;
    stream.set_write_timeout(Some(patience)).map_err(lost)?;
    let body = body.unwrap_or("");
    let head = request_head(method, host, path, headers, body, true);
    stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).map_err(lost)?;
    let (resp, reusable) = read_response(&mut stream)?;
    if reusable {
        pool.borrow_mut().insert(host.to_string(), stream);
    }
    Ok(resp)
}

/// Read one answer by its framing. `Ok((answer, reusable))`: whether the connection may carry
/// another request. A connection that ends before any byte, inside the headers or before the
/// body is complete (a reset mid-answer) is `Unreachable`; a read that outlasts the patience is
/// `Timeout`.
pub fn read_response(stream: &mut impl Read) -> Result<(HttpResponse, bool), NetError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let mut fill = |buf: &mut Vec<u8>| -> Result<usize, NetError> {
        loop {
            match stream.read(&mut chunk) {
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(lost(e)),
            }
        }
    };
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if fill(&mut buf)? == 0 {
            let what = if buf.is_empty() { "connection closed without an answer" } else { "connection closed inside the answer's headers" };
            return Err(NetError::Unreachable(what.into()));
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| NetError::Unreachable("no HTTP status line".into()))?;
    let headers: Vec<(String, String)> = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let length = header("content-length").and_then(|v| v.parse::<usize>().ok());
    let closes = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let mut payload = buf.split_off(head_end + 4);
    let cut = || NetError::Unreachable("connection closed before the whole answer arrived".into());
    let body = if chunked {
        loop {
            if let Some(body) = dechunk(&payload) {
                break body;
            }
            if fill(&mut payload)? == 0 {
                return Err(cut());
            }
        }
    } else if let Some(length) = length {
        while payload.len() < length {
            if fill(&mut payload)? == 0 {
                return Err(cut());
            }
        }
        payload.truncate(length);
        payload
    } else {
        // No framing: the body runs to the end of the connection.
        while fill(&mut payload)? > 0 {}
        return Ok((HttpResponse { status, headers, body: String::from_utf8_lossy(&payload).into_owned() }, false));
    };
    let resp = HttpResponse { status, headers, body: String::from_utf8_lossy(&body).into_owned() };
    Ok((resp, !closes))
}

/// A complete chunked body, joined; `None` while the last (empty) chunk has not arrived.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).split(';').next().unwrap_or("").trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        if rest.len() < eol + 2 + size + 2 {
            return None;
        }
        out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
        rest = &rest[eol + 4 + size..];
    }
}
