#![cfg(not(target_arch = "wasm32"))]
//! The test worlds' models of a browser's network stack: the in-process world's
//! `browser_like` mode (a kept-alive connection per service, the browser's own resend of a
//! request whose reused connection closed without an answer) and the HTTP client `RealHttp`
//! (kept-alive connections, answers cut short). What the engine would see, call by call.

mod common;

use common::net::RealHttp;
use common::world::World;
use common::InProcess;
use pollster::block_on;
use sandbox::systim::config::Profile;
use sandbox::Sandbox;
use serde_json::{json, Value};
use shoper_systim::io::{Clock, Http, HttpRequest, HttpResponse, Method, NetError};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

const TIMEOUT_MS: u32 = 30_000;

fn world(browser: bool) -> InProcess {
    InProcess::with_systim_profile(Sandbox::new("demo").unwrap(), Profile::Generous).browser_like(browser)
}

fn faults(world: &InProcess, rules: Value) {
    world.control("POST", "/faults", json!({ "rules": rules }));
}

/// A Shoper product creation with the static token, as the engine would send it.
fn create_product(world: &InProcess, code: &str) -> Result<HttpResponse, NetError> {
    let token = world.info()["shoper_token"].as_str().unwrap().to_string();
    let body = json!({"code": code, "category_id": 1, "tax_id": 1, "unit_id": 1, "stock": {"price": 10, "stock": 1}, "translations": {"pl_PL": {"name": code, "active": true}}});
    let req = HttpRequest {
        method: Method::Post,
        url: format!("{}/webapi/rest/products", common::SHOP_URL),
        headers: vec![("authorization".into(), format!("Bearer {token}")), ("content-type".into(), "application/json".into())],
        body: Some(body.to_string()),
        timeout_ms: TIMEOUT_MS,
    };
    block_on(world.send(req))
}

fn list_taxes(world: &InProcess) -> Result<HttpResponse, NetError> {
    let token = world.info()["shoper_token"].as_str().unwrap().to_string();
    let req = HttpRequest {
        method: Method::Get,
        url: format!("{}/webapi/rest/taxes", common::SHOP_URL),
        headers: vec![("authorization".into(), format!("Bearer {token}"))],
        body: None,
        timeout_ms: TIMEOUT_MS,
    };
    block_on(world.send(req))
}

fn copies(world: &InProcess, code: &str) -> usize {
    world.state()["shoper"]["products"].as_array().unwrap().iter().filter(|p| p["code"] == code).count()
}

/// `(connection_seq, fault, resend)` of every product creation in the log.
fn creations(world: &InProcess) -> Vec<(u64, Value, bool)> {
    let log = world.sandbox.borrow().log.clone();
    log.iter().filter(|e| e.path == "/webapi/rest/products").map(|e| (u64::from(e.connection_seq), serde_json::to_value(e.fault).unwrap(), e.resend)).collect()
}

fn unreachable(r: &Result<HttpResponse, NetError>) -> bool {
    matches!(r, Err(NetError::Unreachable(_)))
}

#[test]
fn by_default_a_lost_answer_is_unreachable_and_never_resent() {
    let w = world(false);
    faults(&w, json!([{"service": "shoper", "kind": "write_then_close", "matching": "/products"}]));
    assert!(unreachable(&create_product(&w, "DEF-1")));
    assert_eq!(copies(&w, "DEF-1"), 1, "the write happened once");
    assert_eq!(w.traffic().resent, 0);
    assert_eq!(creations(&w), [(0, json!("write_then_close"), false)], "connection place unknown (0)");
}

#[test]
fn a_reused_connection_closed_without_an_answer_is_resent_once_and_the_resend_decides() {
    let w = world(true);
    faults(&w, json!([{"service": "shoper", "kind": "write_then_close", "matching": "/products", "count": 2}]));
    assert_eq!(create_product(&w, "BRW-1").unwrap().status, 200, "the first request of a connection is spared");
    let second = create_product(&w, "BRW-2").expect("the engine sees the resend's answer");
    assert_eq!(second.status, 200);
    assert_eq!(copies(&w, "BRW-2"), 2, "one call of the engine, two products");
    assert_eq!(w.traffic().resent, 1);
    // The resend went out on a new connection, where the remaining rule does not apply; the
    // next call reuses that connection and meets it.
    let third = create_product(&w, "BRW-3").unwrap();
    assert_eq!((third.status, copies(&w, "BRW-3")), (200, 2));
    let seen = creations(&w);
    assert_eq!(
        seen,
        [(1, Value::Null, false), (2, json!("write_then_close"), false), (1, Value::Null, true), (2, json!("write_then_close"), false), (1, Value::Null, true)]
    );
}

#[test]
fn the_first_request_of_a_connection_is_not_resent() {
    let w = world(true);
    faults(&w, json!([{"service": "shoper", "kind": "drop_after_commit", "matching": "/products"}]));
    assert!(unreachable(&create_product(&w, "FRS-1")));
    assert_eq!((copies(&w, "FRS-1"), w.traffic().resent), (1, 0));
}

#[test]
fn a_dropped_answer_on_a_reused_connection_resent_into_a_429_reaches_the_engine_as_429() {
    let w = world(true);
    list_taxes(&w).unwrap();
    faults(&w, json!([{"service": "shoper", "kind": "drop_after_commit", "matching": "/products", "then": "429"}]));
    let answer = create_product(&w, "R429-1").expect("an answer: the resend's 429");
    assert_eq!((answer.status, copies(&w, "R429-1")), (429, 1), "created once, and the engine is told 'too many requests'");
    assert_eq!(answer.headers.iter().find(|(k, _)| k == "retry-after").map(|(_, v)| v.as_str()), Some("1"));
}

#[test]
fn close_before_write_on_a_reused_connection_is_harmless() {
    let w = world(true);
    list_taxes(&w).unwrap();
    faults(&w, json!([{"service": "shoper", "kind": "close_before_write", "matching": "/products"}]));
    assert_eq!(create_product(&w, "CBW-1").unwrap().status, 200);
    assert_eq!(copies(&w, "CBW-1"), 1);
    assert_eq!((w.traffic().closed, w.traffic().resent), (1, 1));
}

#[test]
fn reset_mid_answer_commits_then_fails_and_the_next_call_opens_a_new_connection() {
    let w = world(true);
    list_taxes(&w).unwrap();
    faults(&w, json!([{"service": "shoper", "kind": "reset_mid_answer", "matching": "/products"}]));
    assert!(unreachable(&create_product(&w, "RMA-1")));
    assert_eq!((copies(&w, "RMA-1"), w.traffic().resent), (1, 0), "committed, not resent");
    create_product(&w, "RMA-2").unwrap();
    assert_eq!(creations(&w).iter().map(|c| c.0).collect::<Vec<_>>(), [2, 1]);
}

#[test]
fn an_answer_slower_than_the_timeout_is_a_timeout_after_the_timeout() {
    let w = world(true);
    w.control("POST", "/faults", json!({"rules": [{"service": "shoper", "kind": "slow", "matching": "/products"}], "slow_ms": 120_000}));
    let before = w.clock.now_ms();
    assert!(matches!(create_product(&w, "SLO-1"), Err(NetError::Timeout)));
    assert_eq!(w.clock.now_ms() - before, u64::from(TIMEOUT_MS));
    assert_eq!(copies(&w, "SLO-1"), 1, "served all the same");
}

#[test]
fn the_systim_profile_is_a_constructor_option_kept_through_a_reset() {
    let w = InProcess::with_systim_profile(Sandbox::new("demo").unwrap(), Profile::Strict);
    assert_eq!(w.state()["systim"]["config"]["profile"], "strict");
    w.control("POST", "/reset", json!({}));
    assert_eq!(w.state()["systim"]["config"]["profile"], "strict");
    assert_eq!(w.info()["systim_profile"], "strict");
}

// --- RealHttp against a hand-written server --------------------------------------------------

/// One raw request off a connection (`None` when it closed first).
fn read_request(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())).unwrap_or(0);
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).ok()?;
    Some(head)
}

/// A server on a free port that runs `script` on each accepted connection in turn, reporting
/// how many connections it accepted.
fn fake_server(scripts: Vec<Box<dyn FnOnce(TcpStream) + Send>>) -> (String, mpsc::Receiver<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for (n, script) in scripts.into_iter().enumerate() {
            let (s, _) = listener.accept().unwrap();
            script(s);
            let _ = tx.send(n + 1);
        }
    });
    (url, rx)
}

fn get(http: &RealHttp, url: &str) -> Result<HttpResponse, NetError> {
    block_on(http.send(HttpRequest { method: Method::Get, url: format!("{url}/x"), headers: vec![], body: None, timeout_ms: 5_000 }))
}

#[test]
fn real_http_reports_an_answer_cut_short_as_unreachable() {
    let cut_plain: Box<dyn FnOnce(TcpStream) + Send> = Box::new(|mut s| {
        read_request(&mut s);
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{\"error\":{\"code\":0").unwrap();
    });
    let cut_chunked: Box<dyn FnOnce(TcpStream) + Send> = Box::new(|mut s| {
        read_request(&mut s);
        s.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n").unwrap();
    });
    let whole: Box<dyn FnOnce(TcpStream) + Send> = Box::new(|mut s| {
        read_request(&mut s);
        s.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n").unwrap();
    });
    let (url, _) = fake_server(vec![cut_plain, cut_chunked, whole]);
    let http = RealHttp::attach(&url, &url, Duration::from_secs(5));
    assert!(matches!(get(&http, &url), Err(NetError::Unreachable(_))), "fewer bytes than Content-Length");
    assert!(matches!(get(&http, &url), Err(NetError::Unreachable(_))), "a chunked body without its last chunk");
    assert_eq!(get(&http, &url).unwrap().body, "{\"a\":1}");
}

#[test]
fn real_http_keeps_connections_alive_on_request_and_never_resends() {
    let script: Box<dyn FnOnce(TcpStream) + Send> = Box::new(|mut s| {
        assert!(read_request(&mut s).unwrap().contains("connection: keep-alive"));
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").unwrap();
        // The second request of the connection: closed without a byte of an answer.
        read_request(&mut s).expect("the second request reuses the connection");
    });
    let fresh: Box<dyn FnOnce(TcpStream) + Send> = Box::new(|mut s| {
        read_request(&mut s);
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfresh").unwrap();
    });
    let (url, accepted) = fake_server(vec![script, fresh]);
    let http = RealHttp::attach(&url, &url, Duration::from_secs(5)).keep_alive(true);
    assert_eq!(get(&http, &url).unwrap().body, "ok");
    assert!(matches!(get(&http, &url), Err(NetError::Unreachable(_))), "a closed reused connection is a network error");
    assert_eq!(accepted.recv_timeout(Duration::from_secs(5)), Ok(1));
    assert_eq!(get(&http, &url).unwrap().body, "fresh", "the next call opens a new connection");
    assert_eq!(accepted.recv_timeout(Duration::from_secs(5)), Ok(2), "two connections in all: nothing was resent");
}
