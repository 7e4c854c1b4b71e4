//! Login, sessions (code 4, code 13, TTL, web login) and throttling (code 2).

mod systim_support;

use serde_json::{json, Value};
use systim_support::*;

#[test]
fn login_gives_a_38_hex_token_in_the_envelope() {
    let mut st = demo();
    let (l, k) = creds(&st);
    let v = post(&mut st, &[("act", "login"), ("login", &l), ("pass", &k)], T0);
    assert_eq!(v["error"], json!({"code": 0, "message": "", "fields": []}));
    let token = v["result"]["token"].as_str().unwrap();
    assert_eq!(token.len(), 38, "the manual's example token has 38 hex digits");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let again = login(&mut st, T0);
    assert_ne!(token, again, "every login issues a new token");
    assert_eq!(st.token_count(), 2, "old tokens stay valid");
}

#[test]
fn wrong_login_or_key_is_code_4_with_null_result() {
    let mut st = demo();
    let (l, k) = creds(&st);
    for (login, pass) in [(l.as_str(), "wrong"), ("wrong", k.as_str()), ("", ""), (l.as_str(), "")] {
        let v = post(&mut st, &[("act", "login"), ("login", login), ("pass", pass)], T0);
        assert_eq!(code(&v), 4);
        assert_eq!(v["error"]["message"], "Nieprawidłowy login lub hasło");
        assert_eq!(v["result"], Value::Null);
    }
    assert_eq!(st.token_count(), 0);
}

fn assert_no_session(v: &Value) {
    assert_eq!(code(v), 13, "{v}");
    assert_eq!(v["error"]["message"], "Brak sesji użytkownika");
}

#[test]
fn code_13_without_token_or_with_an_unknown_one() {
    let mut st = demo();
    assert_no_session(&post(&mut st, &[("act", "listProducts")], T0));
    assert_no_session(&call(&mut st, "0123456789abcdef0123456789abcdef01234567", "listProducts", &[], T0));
}

#[test]
fn code_13_after_a_web_login_kills_tokens_and_relogin_recovers() {
    let mut st = demo();
    let t = login(&mut st, T0);
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0)), 0);
    st.kill_tokens();
    assert_eq!(st.token_count(), 0);
    assert_no_session(&call(&mut st, &t, "listVatRates", &[], T0 + 1));
    let t2 = login(&mut st, T0 + 2);
    assert_eq!(code(&call(&mut st, &t2, "listVatRates", &[], T0 + 3)), 0);
}

#[test]
fn tokens_expire_after_ttl_since_last_use() {
    let mut st = demo();
    let t = login(&mut st, T0);
    // Used at 29 min: the 30-minute clock restarts.
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + 29 * MINUTE)), 0);
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + 58 * MINUTE)), 0);
    assert_no_session(&call(&mut st, &t, "listVatRates", &[], T0 + 88 * MINUTE));
    // A configurable lifetime; 0 = never expires.
    st.configure(&json!({"token_ttl_s": 60})).unwrap();
    let t = login(&mut st, T0 + 100 * MINUTE);
    assert_no_session(&call(&mut st, &t, "listVatRates", &[], T0 + 101 * MINUTE));
    st.configure(&json!({"token_ttl_s": 0})).unwrap();
    let t = login(&mut st, T0);
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + 365 * DAY)), 0);
}

#[test]
fn legacy_login_and_pass_on_every_call_are_accepted_unless_switched_off() {
    let mut st = demo();
    let (l, k) = creds(&st);
    let legacy = [("act", "listVatRates"), ("login", l.as_str()), ("pass", k.as_str())];
    assert_eq!(code(&post(&mut st, &legacy, T0)), 0);
    assert_eq!(code(&post(&mut st, &[("act", "listVatRates"), ("login", &l), ("pass", "bad")], T0)), 4);
    st.configure(&json!({"legacy_auth": false})).unwrap();
    assert_eq!(code(&post(&mut st, &legacy, T0)), 13);
}

#[test]
fn throttling_answers_code_2_past_n_calls_a_minute_and_recovers() {
    let mut st = demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"throttle_per_minute": 5})).unwrap();
    for i in 0..5 {
        assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + i * 1_000)), 0, "call {i}");
    }
    let v = call(&mut st, &t, "listVatRates", &[], T0 + 10_000);
    assert_eq!(code(&v), 2);
    assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(code(&post(&mut st, &[("act", "login")], T0 + 20_000)), 2, "login is throttled too");
    // The first admitted call leaves the window at T0 + 60 s.
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + 59_999)), 2);
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + MINUTE)), 0);
    // A full minute of quiet restores the whole allowance.
    for i in 0..5 {
        assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + 3 * MINUTE + i)), 0);
    }
    st.configure(&json!({"throttle_per_minute": 0})).unwrap();
    for i in 0..50 {
        assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + 3 * MINUTE + 10 + i)), 0);
    }
}
