//! Authentication (three credential forms, static token, expiry) and per-area scopes.

mod shoper_util;

use base64::Engine;
use sandbox::catalogue;
use sandbox::Request;
use serde_json::json;
use shoper_util::*;

fn basic(login: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}")))
}

fn assert_token_shape(body: &serde_json::Value) {
    let token = body["access_token"].as_str().expect("access_token");
    assert_eq!(token.len(), 40);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(body["expires_in"], json!(2592000));
    assert_eq!(body["token_type"], json!("bearer"));
}

#[test]
fn auth_with_basic_header_issues_a_working_token() {
    let mut shop = Shop::demo();
    let r = shop.send(Request::new("POST", "/webapi/rest/auth").with_header("Authorization", &basic("webapi", "Sklep!Haslo2026")));
    assert_eq!(r.status, 200, "{}", r.body_text());
    let body = r.body_json();
    assert_token_shape(&body);
    shop.token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(shop.get("/webapi/rest/orders/1")["order_id"], json!("1"));
}

#[test]
fn auth_with_form_body() {
    let mut shop = Shop::demo();
    let req = Request::new("POST", "/webapi/rest/auth")
        .with_header("Content-Type", "application/x-www-form-urlencoded")
        .with_body("client_id=webapi&client_secret=Sklep%21Haslo2026");
    let r = shop.send(req);
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_token_shape(&r.body_json());
}

#[test]
fn auth_with_query_string() {
    let mut shop = Shop::demo();
    let r = shop.send(Request::new("POST", "/webapi/rest/auth?client_id=webapi&client_secret=Sklep%21Haslo2026"));
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_token_shape(&r.body_json());
}

#[test]
fn tokens_are_distinct_per_auth_call() {
    let mut shop = Shop::demo();
    let a = shop.send(Request::new("POST", "/webapi/rest/auth?client_id=webapi&client_secret=Sklep%21Haslo2026")).body_json();
    let b = shop.send(Request::new("POST", "/webapi/rest/auth?client_id=webapi&client_secret=Sklep%21Haslo2026")).body_json();
    assert_ne!(a["access_token"], b["access_token"]);
}

#[test]
fn wrong_credentials_answer_401_auth_failure() {
    let mut shop = Shop::demo();
    for req in [
        Request::new("POST", "/webapi/rest/auth").with_header("Authorization", &basic("webapi", "zle")),
        Request::new("POST", "/webapi/rest/auth?client_id=nikt&client_secret=Sklep%21Haslo2026"),
        Request::new("POST", "/webapi/rest/auth"),
        Request::new("POST", "/webapi/rest/auth").with_header("Authorization", "Basic !!!not-base64"),
    ] {
        let r = shop.send(req);
        assert_eq!(r.status, 401);
        assert_eq!(r.body_json()["error"], json!("auth_failure"));
    }
}

#[test]
fn auth_endpoint_only_accepts_post() {
    let mut shop = Shop::demo();
    let r = shop.send(Request::new("GET", "/webapi/rest/auth?client_id=webapi&client_secret=Sklep%21Haslo2026"));
    assert_eq!(r.status, 405);
}

#[test]
fn static_token_is_accepted_as_bearer() {
    let mut shop = Shop::demo();
    assert_eq!(shop.get("/webapi/rest/application-config")["locale_timezone"], json!("Europe/Warsaw"));
}

#[test]
fn unknown_or_missing_token_answers_401_unauthorized_client() {
    let mut shop = Shop::demo();
    let expected = json!({"error": "unauthorized_client", "error_description": "Provided access token is invalid"});
    shop.token = "0".repeat(40);
    let r = shop.call("GET", "/webapi/rest/orders", None);
    assert_eq!((r.status, r.body_json()), (401, expected.clone()));
    let r = shop.send(Request::new("GET", "/webapi/rest/orders"));
    assert_eq!((r.status, r.body_json()), (401, expected));
}

fn login(shop: &mut Shop) {
    let r = shop.send(Request::new("POST", "/webapi/rest/auth?client_id=webapi&client_secret=Sklep%21Haslo2026"));
    shop.token = r.body_json()["access_token"].as_str().unwrap().to_string();
}

#[test]
fn token_expires_after_its_lifetime() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"token_lifetime_s": 60})).unwrap();
    let r = shop.send(Request::new("POST", "/webapi/rest/auth?client_id=webapi&client_secret=Sklep%21Haslo2026"));
    assert_eq!(r.body_json()["expires_in"], json!(60));
    login(&mut shop);
    shop.now += 59_000;
    assert_eq!(shop.call("GET", "/webapi/rest/orders", None).status, 200);
    shop.now += 1_000;
    let r = shop.call("GET", "/webapi/rest/orders", None);
    assert_eq!(r.status, 401);
    assert_eq!(r.body_json()["error"], json!("unauthorized_client"));
}

#[test]
fn expire_tokens_kills_issued_tokens_only() {
    let mut shop = Shop::demo();
    let static_token = shop.token.clone();
    login(&mut shop);
    assert_eq!(shop.call("GET", "/webapi/rest/orders", None).status, 200);
    shop.st.expire_tokens();
    assert_eq!(shop.call("GET", "/webapi/rest/orders", None).status, 401);
    shop.token = static_token;
    assert_eq!(shop.call("GET", "/webapi/rest/orders", None).status, 200);
}

#[test]
fn static_token_can_be_disabled() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"static_token_enabled": false})).unwrap();
    assert_eq!(shop.call("GET", "/webapi/rest/orders", None).status, 401);
}

#[test]
fn missing_scope_answers_403_insufficient_scope() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"token_scopes": ["orders:read", "products"]})).unwrap();
    assert_eq!(shop.call("GET", "/webapi/rest/orders", None).status, 200);
    assert_eq!(shop.call("GET", "/webapi/rest/product-stocks/1", None).status, 200);
    let expected = json!({"error": "insufficient_scope", "error_description": "The request requires higher privileges than provided by the access token"});
    // order-products belongs to the orders area: read is granted.
    assert_eq!(shop.call("GET", "/webapi/rest/order-products", None).status, 200);
    for (method, path) in [
        ("DELETE", "/webapi/rest/orders/1"),
        ("PUT", "/webapi/rest/orders/1"),
        ("POST", "/webapi/rest/order-products"),
        ("GET", "/webapi/rest/shippings"),
        ("GET", "/webapi/rest/taxes"),
    ] {
        let r = shop.call(method, path, Some(&json!({})));
        assert_eq!((r.status, r.body_json()), (403, expected.clone()), "{method} {path}");
    }
}

#[test]
fn application_config_needs_no_scope() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"token_scopes": []})).unwrap();
    assert_eq!(shop.call("GET", "/webapi/rest/application-config", None).status, 200);
    assert_eq!(shop.call("GET", "/webapi/rest/application-version", None).status, 403);
    assert_eq!(shop.call("GET", "/webapi/rest/orders", None).status, 403);
}

#[test]
fn webapi_user_has_every_area_by_default_but_is_configurable() {
    let mut shop = Shop::with(&catalogue::demo(), false);
    login(&mut shop);
    for path in ["/webapi/rest/shippings", "/webapi/rest/payments", "/webapi/rest/users", "/webapi/rest/taxes", "/webapi/rest/currencies"] {
        assert_eq!(shop.call("GET", path, None).status, 200, "{path}");
    }
    shop.st.configure(&json!({"user_scopes": ["orders:read"]})).unwrap();
    assert_eq!(shop.call("GET", "/webapi/rest/orders", None).status, 200);
    assert_eq!(shop.call("GET", "/webapi/rest/products", None).status, 403);
}

#[test]
fn bad_scope_knobs_are_rejected() {
    let mut shop = Shop::demo();
    assert!(shop.st.configure(&json!({"token_scopes": ["zamowienia:read"]})).unwrap_err().contains("zamowienia"));
    assert!(shop.st.configure(&json!({"token_scopes": ["orders:write"]})).is_err());
    assert!(shop.st.configure(&json!({"token_scopes": "orders"})).is_err());
}
