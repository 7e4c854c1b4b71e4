//! The real server binary: start-up line, loopback HTTP, CORS, the Systim profile flag, and the
//! network faults as a browser meets them on the wire — over raw sockets and kept-alive
//! connections.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    info: Value,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Server {
    start_with_env(args, &[])
}

fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sandbox"));
    cmd.args(args).env_remove("SANDBOX_SYSTIM_PROFILE").stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("first line");
    let info: Value = serde_json::from_str(&line).expect("the first line is JSON");
    Server { child, info }
}

/// One HTTP/1.1 exchange; `None` when the server closed the connection without answering.
fn http(base: &str, raw_request: &str) -> Option<(u16, String, String)> {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(raw_request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    if buf.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Some((status, head.to_ascii_lowercase(), body.to_string()))
}

fn request(method: &str, path: &str, headers: &str, body: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n{body}", body.len())
}

#[test]
fn prints_urls_and_credentials_first_and_serves_both_services_on_loopback() {
    let srv = start(&["--scenario", "demo", "--shoper-port", "0", "--systim-port", "0"]);
    for k in ["shoper", "systim", "control", "shoper_login", "shoper_password", "shoper_token", "systim_login", "systim_key"] {
        assert!(srv.info[k].as_str().is_some_and(|v| !v.is_empty()), "{k} in {}", srv.info);
    }
    let shoper = srv.info["shoper"].as_str().unwrap();
    let systim = srv.info["systim"].as_str().unwrap();
    assert!(shoper.starts_with("http://127.0.0.1:") && systim.starts_with("http://127.0.0.1:"));
    assert_ne!(shoper, systim);

    let (status, head, body) = http(shoper, &request("GET", "/webapi/rest/products", "", "")).unwrap();
    assert_eq!(status, 401, "{body}");
    assert!(head.contains("access-control-allow-origin: *"));

    let (status, head, _) =
        http(shoper, &request("OPTIONS", "/webapi/rest/products", "Origin: chrome-extension://x\r\nAccess-Control-Request-Method: PUT\r\n", "")).unwrap();
    assert_eq!(status, 204);
    assert!(head.contains("access-control-allow-methods"));

    let form = format!("act=login&login={}&pass={}", srv.info["systim_login"].as_str().unwrap().replace('@', "%40"), srv.info["systim_key"].as_str().unwrap());
    let (status, _, body) = http(systim, &request("POST", "/jsonAPI.php", "Content-Type: application/x-www-form-urlencoded\r\n", &form)).unwrap();
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], 0, "{body}");
}

#[test]
fn a_dropped_answer_closes_the_connection_after_the_work_is_done() {
    let srv = start(&["--scenario", "empty"]);
    let systim = srv.info["systim"].as_str().unwrap();
    let control = srv.info["control"].as_str().unwrap();
    let base = control.trim_end_matches("/__sandbox");
    let rules = r#"{"rules":[{"service":"systim","kind":"drop_after_commit","matching":"login"}]}"#;
    let (status, _, _) = http(base, &request("POST", "/__sandbox/faults", "Content-Type: application/json\r\n", rules)).unwrap();
    assert_eq!(status, 200);
    let form = format!("act=login&login={}&pass={}", srv.info["systim_login"].as_str().unwrap().replace('@', "%40"), srv.info["systim_key"].as_str().unwrap());
    assert!(http(systim, &request("POST", "/jsonAPI.php", "Content-Type: application/x-www-form-urlencoded\r\n", &form)).is_none(), "no answer");
    let (_, _, state) = http(base, &request("GET", "/__sandbox/state", "", "")).unwrap();
    let state: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["systim"]["tokens"], 1, "the session exists although the answer was lost: {}", state["systim"]["tokens"]);
}

#[test]
fn bad_arguments_exit_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_sandbox")).args(["--scenario", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scenario"));
    let out = Command::new(env!("CARGO_BIN_EXE_sandbox")).args(["--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
}

#[test]
fn the_systim_profile_comes_from_the_flag_else_the_environment() {
    let srv = start(&["--scenario", "empty"]);
    assert_eq!(srv.info["systim_profile"], sandbox::systim::config::DEFAULT_PROFILE.name(), "the default");
    let srv = start(&["--scenario", "empty", "--systim-profile", "strict"]);
    assert_eq!(srv.info["systim_profile"], "strict");
    let srv = start_with_env(&["--scenario", "empty"], &[("SANDBOX_SYSTIM_PROFILE", "strict")]);
    assert_eq!(srv.info["systim_profile"], "strict");
    let srv = start_with_env(&["--scenario", "empty", "--systim-profile", "generous"], &[("SANDBOX_SYSTIM_PROFILE", "strict")]);
    assert_eq!(srv.info["systim_profile"], "generous", "the flag wins");
    // A strict account has no listOrders, and keeps its profile through a reset.
    let srv = start(&["--scenario", "demo", "--systim-profile", "strict"]);
    let mut c = Client::connect(&srv, "systim");
    let token = c.systim_login(&srv);
    let v = c.systim(&format!("act=listOrders&token={token}")).json();
    assert_eq!((v["error"]["code"].as_u64(), &v["error"]["fields"]), (Some(6), &json!(["act"])));
    let mut ctl = Client::connect(&srv, "shoper");
    assert_eq!(ctl.control("POST", "/reset", json!({})).status, 200);
    assert_eq!(ctl.control("GET", "/info", Value::Null).json()["systim_profile"], "strict");
    let out = Command::new(env!("CARGO_BIN_EXE_sandbox")).args(["--systim-profile", "lenient"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("strict or generous"));
    let out = Command::new(env!("CARGO_BIN_EXE_sandbox")).env("SANDBOX_SYSTIM_PROFILE", "x").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// --- network faults on the wire --------------------------------------------------------------

/// What came back on a connection for one request.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
    /// The body is as long as `Content-Length` says.
    complete: bool,
    /// How reading ended early (reset, EOF…), if it did.
    error: Option<ErrorKind>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
    }
}

/// One kept-alive connection, as a browser keeps it.
struct Client {
    stream: TcpStream,
}

impl Client {
    fn connect(srv: &Server, service: &str) -> Client {
        let stream = TcpStream::connect(srv.info[service].as_str().unwrap().trim_start_matches("http://")).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client { stream }
    }

    fn send(&mut self, method: &str, path: &str, content_type: &str, body: &str) -> Option<Answer> {
        let raw = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(raw.as_bytes()).expect("write");
        self.read_answer()
    }

    /// `None` when the connection closed before any byte of an answer.
    fn read_answer(&mut self) -> Option<Answer> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            match self.stream.read(&mut chunk) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Ok(0) | Err(_) if buf.is_empty() => return None,
                Ok(0) => panic!("connection closed inside the headers"),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("reading the headers: {e}"),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut body = buf[head_end + 4..].to_vec();
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let length: usize =
            head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())).expect("content-length");
        let mut error = None;
        while body.len() < length {
            match self.stream.read(&mut chunk) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Ok(0) => {
                    error = Some(ErrorKind::UnexpectedEof);
                    break;
                }
                Ok(n) => body.extend_from_slice(&chunk[..n]),
                Err(e) => {
                    error = Some(e.kind());
                    break;
                }
            }
        }
        Some(Answer { status, head, complete: body.len() == length, body, error })
    }

    fn systim(&mut self, form: &str) -> Answer {
        self.send("POST", "/jsonAPI.php", "application/x-www-form-urlencoded", form).expect("an answer")
    }

    fn systim_login(&mut self, srv: &Server) -> String {
        let v = self.systim(&login_form(srv)).json();
        v["result"]["token"].as_str().expect("token").to_string()
    }

    fn control(&mut self, method: &str, route: &str, body: Value) -> Answer {
        let body = if body.is_null() { String::new() } else { body.to_string() };
        self.send(method, &format!("/__sandbox{route}"), "application/json", &body).expect("a control answer")
    }

    fn create_product(&mut self, srv: &Server, code: &str) -> Option<Answer> {
        let body = json!({"code": code, "category_id": 1, "tax_id": 1, "unit_id": 1, "stock": {"price": 10, "stock": 1}, "translations": {"pl_PL": {"name": code, "active": true}}}).to_string();
        let raw = format!(
            "POST /webapi/rest/products HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            srv.info["shoper_token"].as_str().unwrap(),
            body.len()
        );
        self.stream.write_all(raw.as_bytes()).expect("write");
        self.read_answer()
    }
}

fn login_form(srv: &Server) -> String {
    format!("act=login&login={}&pass={}", srv.info["systim_login"].as_str().unwrap().replace('@', "%40"), srv.info["systim_key"].as_str().unwrap())
}

fn state(srv: &Server) -> Value {
    Client::connect(srv, "shoper").control("GET", "/state", Value::Null).json()
}

fn log(srv: &Server) -> Vec<Value> {
    Client::connect(srv, "shoper").control("GET", "/log", Value::Null).json()["entries"].as_array().unwrap().clone()
}

fn set_faults(srv: &Server, body: Value) {
    let a = Client::connect(srv, "shoper").control("POST", "/faults", body);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
}

fn products_with_code(srv: &Server, code: &str) -> usize {
    state(srv)["shoper"]["products"].as_array().unwrap().iter().filter(|p| p["code"] == code).count()
}

#[test]
fn write_then_close_spares_a_fresh_connection_and_closes_a_reused_one_after_the_write() {
    let srv = start(&["--scenario", "demo"]);
    set_faults(&srv, json!({"rules": [{"service": "shoper", "kind": "write_then_close", "matching": "/products"}]}));
    let mut conn = Client::connect(&srv, "shoper");
    let first = conn.create_product(&srv, "WTC-1").expect("the first request of a connection is answered");
    assert_eq!(first.status, 200);
    assert!(conn.create_product(&srv, "WTC-2").is_none(), "the reused connection closes without a byte");
    assert_eq!(products_with_code(&srv, "WTC-2"), 1, "the write was committed");
    // What a browser does next: the identical request on a new connection.
    let resent = Client::connect(&srv, "shoper").create_product(&srv, "WTC-2").expect("the resend is answered");
    assert_eq!(resent.status, 200);
    assert_eq!(products_with_code(&srv, "WTC-2"), 2, "one fetch, two products");
    let entries: Vec<Value> = log(&srv).into_iter().filter(|e| e["path"] == "/webapi/rest/products").collect();
    let seen: Vec<(u64, Value, bool)> =
        entries.iter().map(|e| (e["connection_seq"].as_u64().unwrap(), e["fault"].clone(), e["resend"].as_bool().unwrap())).collect();
    assert_eq!(seen, [(1, Value::Null, false), (2, json!("write_then_close"), false), (1, Value::Null, true)]);
    let s = state(&srv);
    assert_eq!((s["faults"]["by_kind"]["write_then_close"].as_u64(), s["faults"]["resends_seen"].as_u64()), (Some(1), Some(1)));
}

#[test]
fn the_resend_after_write_then_close_meets_429_on_shoper_and_code_2_on_systim() {
    let srv = start(&["--scenario", "demo"]);
    set_faults(
        &srv,
        json!({"rules": [
            {"service": "shoper", "kind": "write_then_close", "matching": "/products", "then": "429"},
            {"service": "systim", "kind": "write_then_close", "matching": "addCompany", "then": "429"}
        ]}),
    );
    let mut shop = Client::connect(&srv, "shoper");
    shop.create_product(&srv, "T429-1").unwrap();
    assert!(shop.create_product(&srv, "T429-2").is_none());
    let refused = Client::connect(&srv, "shoper").create_product(&srv, "T429-2").unwrap();
    assert_eq!((refused.status, refused.header("retry-after")), (429, Some("1")));
    assert_eq!(refused.json()["error"], "temporarily_unavailable");
    assert_eq!(products_with_code(&srv, "T429-2"), 1, "the resend was not served");

    let mut sys = Client::connect(&srv, "systim");
    let token = sys.systim_login(&srv);
    let form = format!("act=addCompany&token={token}&nazwa=Firma&ulica=D%C5%82uga+1&kod=00-001&miejscowosc=Gdynia");
    assert!(sys.send("POST", "/jsonAPI.php", "application/x-www-form-urlencoded", &form).is_none());
    let refused = Client::connect(&srv, "systim").systim(&form);
    assert_eq!(refused.status, 200);
    assert_eq!(refused.json()["error"]["code"], 2);
    let seeded = sandbox::systim::CONTRACTORS.len();
    assert_eq!(state(&srv)["systim"]["companies"].as_array().unwrap().len(), seeded + 1, "created once");
}

#[test]
fn close_before_write_closes_a_connection_without_serving() {
    let srv = start(&["--scenario", "demo"]);
    set_faults(&srv, json!({"rules": [{"service": "systim", "kind": "close_before_write", "matching": "login"}]}));
    let mut conn = Client::connect(&srv, "systim");
    assert!(conn.send("POST", "/jsonAPI.php", "application/x-www-form-urlencoded", &login_form(&srv)).is_none());
    assert_eq!(state(&srv)["systim"]["tokens"], 0, "nothing committed");
    let again = Client::connect(&srv, "systim").systim(&login_form(&srv));
    assert_eq!(again.json()["error"]["code"], 0);
    assert_eq!(log(&srv).iter().filter(|e| e["resend"] == true).count(), 1);
}

#[test]
fn reset_mid_answer_sends_headers_and_part_of_the_body_then_resets() {
    let srv = start(&["--scenario", "demo"]);
    set_faults(&srv, json!({"rules": [{"service": "systim", "kind": "reset_mid_answer", "matching": "addCompany"}]}));
    let mut conn = Client::connect(&srv, "systim");
    let token = conn.systim_login(&srv);
    let form = format!("act=addCompany&token={token}&nazwa=Firma&ulica=D%C5%82uga+1&kod=00-001&miejscowosc=Gdynia");
    let cut = conn.send("POST", "/jsonAPI.php", "application/x-www-form-urlencoded", &form).expect("headers arrive");
    assert_eq!(cut.status, 200);
    assert!(!cut.complete, "fewer bytes than Content-Length: {cut:?}");
    assert!(!cut.body.is_empty(), "part of the body arrived");
    assert_eq!(cut.error, Some(ErrorKind::ConnectionReset), "aborted with a TCP reset");
    assert!(serde_json::from_slice::<Value>(&cut.body).is_err(), "the part is no JSON");
    assert_eq!(state(&srv)["systim"]["companies"].as_array().unwrap().len(), sandbox::systim::CONTRACTORS.len() + 1, "committed");
}

#[test]
fn a_slow_answer_arrives_after_the_configured_wait_and_commits_at_once() {
    let srv = start(&["--scenario", "demo"]);
    set_faults(&srv, json!({"rules": [{"service": "systim", "kind": "slow", "matching": "login"}], "slow_ms": 1_500}));
    let mut conn = Client::connect(&srv, "systim");
    conn.stream.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let raw = format!(
        "POST /jsonAPI.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
        login_form(&srv).len(),
        login_form(&srv)
    );
    conn.stream.write_all(raw.as_bytes()).unwrap();
    let mut buf = [0u8; 64];
    let early = loop {
        match conn.stream.read(&mut buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => break other,
        }
    };
    assert!(matches!(early.as_ref().map_err(|e| e.kind()), Err(ErrorKind::WouldBlock | ErrorKind::TimedOut)), "nothing yet: {early:?}");
    assert_eq!(state(&srv)["systim"]["tokens"], 1, "served before the answer");
    conn.stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let late = conn.read_answer().expect("the answer comes");
    assert_eq!(late.json()["error"]["code"], 0);
}
