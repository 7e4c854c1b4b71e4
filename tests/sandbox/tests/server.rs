//! The real server binary: start-up line, loopback HTTP, CORS, and a connection dropped after
//! the write was committed.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_sandbox")).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
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

    let (status, head, _) = http(shoper, &request("OPTIONS", "/webapi/rest/products", "Origin: chrome-extension://x\r\nAccess-Control-Request-Method: PUT\r\n", "")).unwrap();
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
