// The HTTP and storage checks both test binaries run (included with `include!`, so each binary
// registers them under its own runner: a page or a dedicated worker).

use shoper_systim::io::{Clock, Method, NetError, Storage, StoreError};
use shoper_systim::wasm::{ExtensionStorage, JsClock};

#[wasm_bindgen_test]
async fn shoper_sandbox_answers_over_real_http_with_cors() {
    let resp = support::send(Method::Get, &format!("{}/webapi/rest/application-config", support::url("shoper")), None, "").await.expect("reachable");
    // No token: the shop refuses with its own JSON envelope, readable cross-origin.
    assert_eq!(resp.status, 401, "{}", resp.body);
    let body: serde_json::Value = serde_json::from_str(&resp.body).expect("json");
    assert_eq!(body["error"], "unauthorized_client");
}

#[wasm_bindgen_test]
async fn shoper_login_then_rate_limit_headers_are_visible() {
    let info = support::info();
    let auth = format!(
        "client_id={}&client_secret={}",
        info["shoper_login"].as_str().unwrap(),
        info["shoper_password"].as_str().unwrap()
    );
    let resp = support::send(Method::Post, &format!("{}/webapi/rest/auth", support::url("shoper")), Some(&auth), "application/x-www-form-urlencoded")
        .await
        .expect("reachable");
    assert_eq!(resp.status, 200, "{}", resp.body);
    let token = serde_json::from_str::<serde_json::Value>(&resp.body).unwrap()["access_token"].as_str().unwrap().to_string();
    let req = shoper_systim::io::HttpRequest::new(Method::Get, format!("{}/webapi/rest/taxes?limit=50", support::url("shoper")))
        .header("Authorization", format!("Bearer {token}"));
    let resp = shoper_systim::io::Http::send(&shoper_systim::wasm::FetchHttp, req).await.expect("reachable");
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert!(resp.header("x-shop-api-limit").is_some(), "rate-limit headers exposed to the extension: {:?}", resp.headers);
}

#[wasm_bindgen_test]
async fn systim_login_over_a_form_body() {
    let info = support::info();
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("act", "login")
        .append_pair("login", info["systim_login"].as_str().unwrap())
        .append_pair("pass", info["systim_key"].as_str().unwrap())
        .finish();
    let resp = support::send(Method::Post, &format!("{}/jsonAPI.php", support::url("systim")), Some(&body), "application/x-www-form-urlencoded; charset=UTF-8")
        .await
        .expect("reachable");
    let v: serde_json::Value = serde_json::from_str(&resp.body).expect("json envelope");
    assert_eq!(v["error"]["code"], 0, "{}", resp.body);
    assert!(v["result"]["token"].as_str().is_some_and(|t| t.len() >= 32));
}

#[wasm_bindgen_test]
async fn a_slow_answer_times_out_and_an_unreachable_host_is_named() {
    support::control(Method::Post, "/faults", r#"{"rules":[{"service":"shoper","kind":"slow","count":1,"matching":"application-config"}],"slow_ms":3000}"#).await;
    let mut req = shoper_systim::io::HttpRequest::new(Method::Get, format!("{}/webapi/rest/application-config", support::url("shoper")));
    req.timeout_ms = 300;
    let err = shoper_systim::io::Http::send(&shoper_systim::wasm::FetchHttp, req).await.expect_err("must time out");
    assert_eq!(err, NetError::Timeout);
    let err = support::send(Method::Get, "http://127.0.0.1:9/nothing-listens-here", None, "").await.expect_err("refused");
    assert!(matches!(err, NetError::Unreachable(_)), "{err:?}");
}

#[wasm_bindgen_test]
async fn extension_storage_goes_through_the_shim_and_reports_quota() {
    support::install_fake_ext_api();
    let s = ExtensionStorage;
    assert_eq!(s.get("k").await, Ok(None));
    s.set("k", "wartość ✓").await.unwrap();
    assert_eq!(s.get("k").await, Ok(Some("wartość ✓".into())));
    let huge = "x".repeat(1_000_001);
    assert!(matches!(s.set("big", &huge).await, Err(StoreError::Quota(_))));
    s.remove("k").await.unwrap();
    assert_eq!(s.get("k").await, Ok(None));
}

#[wasm_bindgen_test]
async fn the_js_clock_sleeps_and_tells_time() {
    let c = JsClock;
    let t0 = c.now_ms();
    c.sleep(50).await;
    assert!(c.now_ms() >= t0 + 45);
    let r = c.random();
    assert!((0.0..1.0).contains(&r));
}
