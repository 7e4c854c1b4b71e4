//! The network faults a browser meets, in the pure core: which requests they hit (by their
//! place on their connection), what is committed, how the resend is recognised and refused, and
//! what the log and the state say. The wire itself is checked in `server.rs`.

use sandbox::wire::Delivery;
use sandbox::{Request, Response, Sandbox, Service};
use serde_json::{json, Value};

fn control(sb: &mut Sandbox, method: &str, route: &str, body: Value) -> Response {
    let req = Request::new(method, &format!("/__sandbox{route}")).with_body(serde_json::to_vec(&body).unwrap());
    sb.handle(Service::Shoper, &req, 1_000)
}

fn faults(sb: &mut Sandbox, body: Value) {
    let r = control(sb, "POST", "/faults", body);
    assert_eq!(r.status, 200, "{}", r.body_text());
}

fn state(sb: &mut Sandbox) -> Value {
    control(sb, "GET", "/state", Value::Null).body_json()
}

fn log(sb: &mut Sandbox) -> Vec<Value> {
    control(sb, "GET", "/log", Value::Null).body_json()["entries"].as_array().unwrap().clone()
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// `act=login` as the `n`-th request of its connection.
fn systim_login(sb: &mut Sandbox, seq: u32, now: u64) -> Response {
    let info = sb.info();
    let body = form(&[("act", "login"), ("login", info["systim_login"].as_str().unwrap()), ("pass", info["systim_key"].as_str().unwrap())]);
    let req = Request::new("POST", "/jsonAPI.php").with_header("content-type", "application/x-www-form-urlencoded").with_body(body).on_connection(seq);
    sb.handle(Service::Systim, &req, now)
}

/// A Shoper product creation with the static token, as the `n`-th request of its connection.
fn create_product(sb: &mut Sandbox, code: &str, seq: u32, now: u64) -> Response {
    let token = sb.info()["shoper_token"].as_str().unwrap().to_string();
    let body = json!({"code": code, "category_id": 1, "tax_id": 1, "unit_id": 1, "stock": {"price": 10, "stock": 1}, "translations": {"pl_PL": {"name": code, "active": true}}});
    let req = Request::new("POST", "/webapi/rest/products")
        .with_header("authorization", &format!("Bearer {token}"))
        .with_header("content-type", "application/json")
        .with_body(serde_json::to_vec(&body).unwrap())
        .on_connection(seq);
    sb.handle(Service::Shoper, &req, now)
}

fn shop_products_with_code(sb: &Sandbox, code: &str) -> usize {
    sb.shoper.state_json()["products"].as_array().unwrap().iter().filter(|p| p["code"] == code).count()
}

#[test]
fn write_then_close_waits_for_a_reused_connection_then_commits_without_an_answer() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "systim", "kind": "write_then_close", "matching": "login"}]}));
    let first = systim_login(&mut sb, 1, 10);
    assert_eq!((first.delivery, first.body_json()["error"]["code"].clone()), (Delivery::Normal, json!(0)), "a fresh connection is left alone");
    let second = systim_login(&mut sb, 2, 20);
    assert_eq!(second.delivery, Delivery::Drop);
    assert_eq!(sb.systim.token_count(), 2, "the second login happened although its answer was lost");
    let entries = log(&mut sb);
    assert_eq!(entries[0]["fault"], Value::Null);
    assert_eq!(
        (entries[1]["fault"].as_str(), entries[1]["connection_seq"].as_u64(), entries[1]["delivered"].as_bool()),
        (Some("write_then_close"), Some(2), Some(false))
    );
    assert!(sb.faults.rules.is_empty(), "the rule is used up");
}

#[test]
fn an_unknown_connection_place_counts_as_reused() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "systim", "kind": "write_then_close"}]}));
    assert_eq!(systim_login(&mut sb, 0, 10).delivery, Delivery::Drop, "in-process callers (0) meet the fault at once");
}

#[test]
fn the_resend_of_a_dropped_request_is_marked_and_counted() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "shoper", "kind": "write_then_close", "matching": "/products"}]}));
    assert_eq!(create_product(&mut sb, "RES-1", 3, 10).delivery, Delivery::Drop);
    // The browser's resend goes out on a fresh connection, identical, and is served.
    let resent = create_product(&mut sb, "RES-1", 1, 12);
    assert_eq!(resent.status, 200);
    assert_eq!(shop_products_with_code(&sb, "RES-1"), 2, "one fetch, two writes");
    // A different request is no resend.
    create_product(&mut sb, "RES-2", 2, 14);
    let entries = log(&mut sb);
    let resend: Vec<bool> = entries.iter().map(|e| e["resend"].as_bool().unwrap()).collect();
    assert_eq!(resend, [false, true, false]);
    let s = state(&mut sb);
    assert_eq!((s["faults"]["resends_seen"].as_u64(), s["faults"]["by_kind"]["write_then_close"].as_u64()), (Some(1), Some(1)));
    assert_eq!(s["faults_injected"], 1);
}

#[test]
fn then_429_refuses_the_shoper_resend_without_serving_it() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "shoper", "kind": "write_then_close", "matching": "/products", "then": "429"}]}));
    assert_eq!(create_product(&mut sb, "R429", 2, 10).delivery, Delivery::Drop);
    let resent = create_product(&mut sb, "R429", 1, 11);
    assert_eq!(resent.status, 429);
    assert_eq!(resent.header("retry-after"), Some("1"));
    assert_eq!(resent.body_json()["error"], "temporarily_unavailable");
    assert_eq!(shop_products_with_code(&sb, "R429"), 1, "created once: by the dropped request");
    let again = create_product(&mut sb, "R429", 2, 12);
    assert_eq!(again.status, 200, "only the first resend is refused");
    let entries = log(&mut sb);
    assert_eq!((entries[1]["fault"].as_str(), entries[1]["resend"].as_bool(), entries[1]["status"].as_u64()), (Some("resend_429"), Some(true), Some(429)));
    let s = state(&mut sb);
    assert_eq!(s["faults"]["by_kind"], json!({"write_then_close_then_429": 1, "resend_429": 1}), "the rule's kind says what it does");
}

#[test]
fn then_429_refuses_the_systim_resend_with_code_2_in_its_envelope() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "systim", "kind": "drop_after_commit", "matching": "login", "then": "429"}]}));
    assert_eq!(systim_login(&mut sb, 1, 10).delivery, Delivery::Drop);
    let resent = systim_login(&mut sb, 1, 11);
    assert_eq!(resent.status, 200);
    assert_eq!(resent.body_json()["error"]["code"], 2);
    assert_eq!(sb.systim.token_count(), 1, "the resend was not served");
    assert_eq!(state(&mut sb)["faults"]["armed_429"], 0);
}

#[test]
fn then_is_refused_on_kinds_that_answer_and_resend_429_cannot_be_configured() {
    let mut sb = Sandbox::new("demo").unwrap();
    for body in [
        json!({"rules": [{"service": "shoper", "kind": "http500", "then": "429"}]}),
        json!({"rules": [{"service": "shoper", "kind": "resend_429"}]}),
        json!({"rules": [{"service": "shoper", "kind": "write_then_close", "then": "500"}]}),
        json!({"rule": [{"service": "shoper", "kind": "slow"}]}),
        json!({"rules": [{"service": "shoper", "kind": "slow", "matchin": "x"}]}),
    ] {
        let r = control(&mut sb, "POST", "/faults", body.clone());
        assert_eq!(r.status, 400, "{body}: {}", r.body_text());
    }
    assert!(sb.faults.rules.is_empty());
}

#[test]
fn close_before_write_serves_nothing_and_its_resend_is_served() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "systim", "kind": "close_before_write", "matching": "login"}]}));
    let closed = systim_login(&mut sb, 2, 10);
    assert_eq!(closed.delivery, Delivery::Close);
    assert_eq!(sb.systim.token_count(), 0, "nothing committed");
    let resent = systim_login(&mut sb, 1, 11);
    assert_eq!(resent.body_json()["error"]["code"], 0);
    assert_eq!(sb.systim.token_count(), 1, "harmless: one session in all");
    let entries = log(&mut sb);
    assert_eq!((entries[0]["status"].as_u64(), entries[0]["fault"].as_str()), (Some(0), Some("close_before_write")));
    assert_eq!(entries[1]["resend"], true);
}

#[test]
fn reset_mid_answer_commits_and_cuts_the_answer() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "shoper", "kind": "reset_mid_answer", "matching": "/products"}]}));
    let cut = create_product(&mut sb, "RST-1", 2, 10);
    assert_eq!((cut.delivery, cut.status), (Delivery::Reset, 200));
    assert_eq!(shop_products_with_code(&sb, "RST-1"), 1, "committed");
    // The client had the headers: a later identical request is no resend.
    create_product(&mut sb, "RST-1", 1, 11);
    assert_eq!(log(&mut sb)[1]["resend"], false);
}

#[test]
fn slow_answers_wait_as_long_as_configured() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "systim", "kind": "slow"}], "slow_ms": 180_000}));
    let slow = systim_login(&mut sb, 1, 10);
    assert_eq!((slow.delay_ms, slow.delivery), (180_000, Delivery::Normal));
    assert_eq!(sb.systim.token_count(), 1, "committed");
}

#[test]
fn random_write_then_close_on_a_fresh_connection_becomes_drop_after_commit() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"random": {"rate": 1.0, "seed": 3, "kinds": ["write_then_close_then_429"], "services": ["systim"]}}));
    assert_eq!(systim_login(&mut sb, 1, 10).delivery, Delivery::Drop);
    assert_eq!(systim_login(&mut sb, 2, 11).body_json()["error"]["code"], 2, "the resend is refused: the 429 was armed all the same");
    assert_eq!(systim_login(&mut sb, 3, 12).delivery, Delivery::Drop);
    let kinds: Vec<Value> = log(&mut sb).iter().map(|e| e["fault"].clone()).collect();
    assert_eq!(kinds, [json!("drop_after_commit_then_429"), json!("resend_429"), json!("write_then_close_then_429")]);
}

#[test]
fn random_faults_draw_network_kinds_only_when_named() {
    let mut sb = Sandbox::new("empty").unwrap();
    faults(&mut sb, json!({"random": {"rate": 1.0, "seed": 11, "services": ["systim"]}}));
    for i in 0..300 {
        systim_login(&mut sb, 2, 1_000 * i);
    }
    let by_kind = state(&mut sb)["faults"]["by_kind"].as_object().unwrap().clone();
    let network = ["write_then_close", "close_before_write", "reset_mid_answer", "write_then_close_then_429"];
    assert!(by_kind.keys().all(|k| !network.contains(&k.as_str())), "{by_kind:?}");
    let mut sb = Sandbox::new("empty").unwrap();
    faults(&mut sb, json!({"random": {"rate": 1.0, "seed": 11, "services": ["systim"], "kinds": network}}));
    for i in 0..300 {
        systim_login(&mut sb, 2, 1_000_000 + 1_000 * i);
    }
    let by_kind = state(&mut sb)["faults"]["by_kind"].as_object().unwrap().clone();
    for kind in network {
        assert!(by_kind.get(kind).and_then(Value::as_u64).unwrap_or(0) > 30, "{kind}: {by_kind:?}");
    }
}

#[test]
fn a_resend_is_only_recognised_within_the_window() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "systim", "kind": "write_then_close", "then": "429"}]}));
    systim_login(&mut sb, 2, 10_000);
    let late = systim_login(&mut sb, 1, 10_000 + sandbox::faults::RESEND_WINDOW_MS + 1);
    assert_eq!(late.body_json()["error"]["code"], 0, "long after: an ordinary request");
    assert_eq!(log(&mut sb)[1]["resend"], false);
}

#[test]
fn clearing_faults_disarms_refusals_and_keeps_the_counters() {
    let mut sb = Sandbox::new("demo").unwrap();
    faults(&mut sb, json!({"rules": [{"service": "systim", "kind": "write_then_close", "then": "429"}]}));
    systim_login(&mut sb, 2, 10);
    assert_eq!(state(&mut sb)["faults"]["armed_429"], 1);
    assert_eq!(control(&mut sb, "DELETE", "/faults", Value::Null).status, 200);
    assert_eq!(systim_login(&mut sb, 1, 11).body_json()["error"]["code"], 0, "disarmed");
    let s = state(&mut sb);
    assert_eq!((s["faults"]["injected"].as_u64(), s["faults"]["resends_seen"].as_u64()), (Some(1), Some(1)));
}
