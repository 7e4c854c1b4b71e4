//! Leaky bucket: headers on every REST answer, 429 with Retry-After, leaking over time.

mod shoper_util;

use sandbox::catalogue;
use sandbox::Request;
use serde_json::json;
use shoper_util::*;

fn limited() -> Shop {
    Shop::with(&catalogue::demo(), true)
}

#[test]
fn every_rest_response_carries_the_bucket_headers() {
    let mut shop = limited();
    for (i, path) in ["/webapi/rest/orders", "/webapi/rest/orders/9999", "/webapi/rest/nic"].iter().enumerate() {
        let r = shop.call("GET", path, None);
        assert_eq!(r.header("X-Shop-Api-Calls"), Some((i + 1).to_string().as_str()), "{path}");
        assert_eq!(r.header("X-Shop-Api-Limit"), Some("10"));
        assert_eq!(r.header("X-Shop-Api-Bandwidth"), Some("2"));
        assert_eq!(r.bucket_level, Some((i + 1) as f64));
    }
}

#[test]
fn the_eleventh_call_in_a_burst_gets_429_with_retry_after() {
    let mut shop = limited();
    for _ in 0..10 {
        assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).status, 200);
    }
    let r = shop.call("GET", "/webapi/rest/orders/1", None);
    assert_eq!(r.status, 429);
    assert_eq!(r.body_json()["error"], json!("temporarily_unavailable"));
    assert_eq!(r.header("Retry-After"), Some("1"));
    assert_eq!(r.header("X-Shop-Api-Calls"), Some("10"));
    assert_eq!(r.bucket_level, Some(10.0));
}

#[test]
fn the_bucket_leaks_over_time() {
    let mut shop = limited();
    for _ in 0..10 {
        shop.call("GET", "/webapi/rest/orders/1", None);
    }
    shop.now += 400; // leaked 0.8: still full
    assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).status, 429);
    shop.now += 100; // leaked 1.0 in total
    let r = shop.call("GET", "/webapi/rest/orders/1", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("X-Shop-Api-Calls"), Some("10"));
    shop.now += 3_000; // leaks 6
    assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).header("X-Shop-Api-Calls"), Some("5"));
    shop.now += 60_000;
    assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).header("X-Shop-Api-Calls"), Some("1"));
}

#[test]
fn retry_after_grows_with_the_overflow() {
    let mut shop = limited();
    shop.st.configure(&json!({"rate_limit": {"limit": 4, "bandwidth": 0.5, "bulk_cost": 10}})).unwrap();
    let ops = json!([{"id": 1, "path": "/webapi/rest/orders/1", "method": "GET"}]);
    assert_eq!(shop.post("/webapi/rest/bulk", &ops).status, 200); // level 10
    let r = shop.call("GET", "/webapi/rest/orders/1", None);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), Some("14"), "ceil((10 + 1 - 4) / 0.5)");
    assert_eq!(r.header("X-Shop-Api-Limit"), Some("4"));
    assert_eq!(r.header("X-Shop-Api-Bandwidth"), Some("0.5"));
    shop.now += 14_000;
    assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).status, 200);
}

#[test]
fn buckets_are_per_credential() {
    let mut shop = limited();
    for _ in 0..10 {
        shop.call("GET", "/webapi/rest/orders/1", None);
    }
    assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).status, 429);
    let r = shop.send(Request::new("POST", "/webapi/rest/auth?client_id=webapi&client_secret=Sklep%21Haslo2026"));
    assert_eq!(r.status, 200, "auth is not limited");
    shop.token = r.body_json()["access_token"].as_str().unwrap().to_string();
    let r = shop.call("GET", "/webapi/rest/orders/1", None);
    assert_eq!((r.status, r.header("X-Shop-Api-Calls")), (200, Some("1")));
}

#[test]
fn rate_limiting_can_be_switched_off() {
    let mut shop = limited();
    shop.st.configure(&json!({"rate_limit": false})).unwrap();
    for _ in 0..50 {
        let r = shop.call("GET", "/webapi/rest/orders/1", None);
        assert_eq!(r.status, 200);
        assert_eq!(r.bucket_level, None);
    }
    shop.st.configure(&json!({"rate_limit": {"enabled": true, "limit": 10, "bandwidth": 10}})).unwrap();
    let r = shop.call("GET", "/webapi/rest/orders/1", None);
    assert_eq!(r.header("X-Shop-Api-Bandwidth"), Some("10"));
}

#[test]
fn unauthorized_calls_do_not_touch_the_bucket() {
    let mut shop = limited();
    let real = shop.token.clone();
    shop.token = "nope".into();
    for _ in 0..20 {
        assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).status, 401);
    }
    shop.token = real;
    assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).header("X-Shop-Api-Calls"), Some("1"));
}

#[test]
fn bad_rate_knobs_are_rejected() {
    let mut shop = limited();
    assert!(shop.st.configure(&json!({"rate_limit": {"limit": 0}})).is_err());
    assert!(shop.st.configure(&json!({"rate_limit": {"burst": 3}})).unwrap_err().contains("burst"));
    assert!(shop.st.configure(&json!({"rate_limits": false})).unwrap_err().contains("rate_limits"));
}
