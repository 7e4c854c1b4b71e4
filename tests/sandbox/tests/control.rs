//! The sandbox world around both stand-ins: control API, fault injection, request log, CORS.

use sandbox::{Request, Response, Sandbox, Service};
use serde_json::{json, Value};

fn control(sb: &mut Sandbox, method: &str, route: &str, body: Value) -> Response {
    let req = Request::new(method, &format!("/__sandbox{route}")).with_body(serde_json::to_vec(&body).unwrap());
    sb.handle(Service::Shoper, &req, 1_000)
}

fn systim_login(sb: &mut Sandbox, now: u64) -> Response {
    let info = sb.info();
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("act", "login")
        .append_pair("login", info["systim_login"].as_str().unwrap())
        .append_pair("pass", info["systim_key"].as_str().unwrap())
        .finish();
    let req = Request::new("POST", "/jsonAPI.php").with_header("content-type", "application/x-www-form-urlencoded").with_body(body);
    sb.handle(Service::Systim, &req, now)
}

fn shoper_get(sb: &mut Sandbox, path: &str, now: u64) -> Response {
    sb.handle(Service::Shoper, &Request::new("GET", path), now)
}

#[test]
fn every_answer_carries_permissive_cors_and_preflights_succeed() {
    let mut sb = Sandbox::new("demo").unwrap();
    let pre = sb.handle(Service::Shoper, &Request::new("OPTIONS", "/webapi/rest/products").with_header("origin", "chrome-extension://abc"), 0);
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    assert!(pre.header("access-control-allow-headers").unwrap().contains("authorization"));
    let api = shoper_get(&mut sb, "/webapi/rest/products", 0);
    assert_eq!(api.status, 401);
    assert_eq!(api.header("access-control-allow-origin"), Some("*"));
    assert!(api.header("access-control-expose-headers").unwrap().contains("x-shop-api-calls"));
    assert_eq!(systim_login(&mut sb, 0).header("access-control-allow-origin"), Some("*"));
}

#[test]
fn state_info_and_reset_to_another_scenario() {
    let mut sb = Sandbox::new("demo").unwrap();
    let info = control(&mut sb, "GET", "/info", Value::Null).body_json();
    assert_eq!(info["scenario"], "demo");
    for k in ["shoper_login", "shoper_password", "shoper_token", "systim_login", "systim_key"] {
        assert!(info[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
    }
    let state = control(&mut sb, "GET", "/state", Value::Null).body_json();
    assert!(state["shoper"].is_object() && state["systim"].is_object());
    assert_eq!(control(&mut sb, "POST", "/reset", json!({"scenario": "warehouses"})).status, 200);
    assert_eq!(sb.scenario.name, "warehouses");
    let bad = control(&mut sb, "POST", "/reset", json!({"scenario": "nope"}));
    assert_eq!(bad.status, 400);
    assert!(bad.body_text().contains("unknown scenario"));
    assert_eq!(sb.scenario.name, "warehouses", "a failed reset keeps the world");
    assert_eq!(control(&mut sb, "GET", "/nothing", Value::Null).status, 404);
    assert_eq!(control(&mut sb, "POST", "/faults", json!("not an object")).status, 400);
}

#[test]
fn queued_faults_hit_only_matching_calls_and_are_consumed() {
    let mut sb = Sandbox::new("demo").unwrap();
    let r = control(&mut sb, "POST", "/faults", json!({"rules": [{"service": "shoper", "kind": "http503", "count": 2, "matching": "/taxes"}]}));
    assert_eq!(r.status, 200);
    // A call that does not match is untouched (401: no token).
    assert_eq!(shoper_get(&mut sb, "/webapi/rest/products", 10).status, 401);
    assert_eq!(shoper_get(&mut sb, "/webapi/rest/taxes", 20).status, 503);
    assert_eq!(shoper_get(&mut sb, "/webapi/rest/taxes", 30).status, 503);
    assert_eq!(shoper_get(&mut sb, "/webapi/rest/taxes", 40).status, 401, "the rule is used up");
    let log = control(&mut sb, "GET", "/log", Value::Null).body_json();
    let faults: Vec<&Value> = log["entries"].as_array().unwrap().iter().filter(|e| !e["fault"].is_null()).collect();
    assert_eq!(faults.len(), 2);
    assert_eq!(faults[0]["fault"], "http503");
    assert_eq!(sb.faults.injected, 2);
}

#[test]
fn a_systim_html_page_fault_answers_a_php_error_and_commits_nothing() {
    let mut sb = Sandbox::new("demo").unwrap();
    control(&mut sb, "POST", "/faults", json!({"rules": [{"service": "systim", "kind": "html_page", "matching": "login"}]}));
    let r = systim_login(&mut sb, 5);
    assert_eq!(r.status, 200);
    assert!(r.body_text().contains("Fatal error"));
    assert!(serde_json::from_slice::<Value>(&r.body).is_err(), "not JSON");
    assert_eq!(sb.systim.token_count(), 0, "no session was created");
    assert_eq!(systim_login(&mut sb, 6).body_json()["error"]["code"], 0);
}

#[test]
fn committing_faults_do_the_work_then_drop_or_delay_the_answer() {
    let mut sb = Sandbox::new("demo").unwrap();
    control(
        &mut sb,
        "POST",
        "/faults",
        json!({"rules": [
        {"service": "systim", "kind": "drop_after_commit", "matching": "login"},
        {"service": "systim", "kind": "slow", "matching": "login"}
    ], "slow_ms": 45000}),
    );
    let dropped = systim_login(&mut sb, 5);
    assert_eq!(dropped.delivery, sandbox::wire::Delivery::Drop);
    assert_eq!(sb.systim.token_count(), 1, "the login happened although its answer was lost");
    let slow = systim_login(&mut sb, 6);
    assert_eq!(slow.delay_ms, 45_000);
    assert_eq!(sb.systim.token_count(), 2);
    let log = control(&mut sb, "GET", "/log", Value::Null).body_json();
    let entries = log["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["act"] == "login" && e["delivered"] == false));
    // The log never holds Systim bodies (they carry keys).
    assert!(!log.to_string().contains(sb.info()["systim_key"].as_str().unwrap()));
}

#[test]
fn random_faults_are_deterministic_for_a_seed_and_respect_the_rate() {
    let run = |seed: u64| {
        let mut sb = Sandbox::new("empty").unwrap();
        control(&mut sb, "POST", "/faults", json!({"random": {"rate": 0.1, "seed": seed, "kinds": ["http500", "http503"], "services": ["shoper"]}}));
        (0..2000).map(|i| shoper_get(&mut sb, "/webapi/rest/taxes", i * 1000).status).collect::<Vec<u16>>()
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8));
    let faults = a.iter().filter(|s| **s >= 500).count();
    assert!((120..=280).contains(&faults), "≈10 % of 2000, got {faults}");
    let mut sb = Sandbox::new("empty").unwrap();
    assert_eq!(control(&mut sb, "POST", "/faults", json!({"random": {"rate": 1.5, "seed": 1}})).status, 400);
}

#[test]
fn the_log_pages_by_sequence_and_can_be_cleared() {
    let mut sb = Sandbox::new("empty").unwrap();
    for i in 0..5 {
        shoper_get(&mut sb, "/webapi/rest/taxes", i);
    }
    let log = control(&mut sb, "GET", "/log?since=3", Value::Null).body_json();
    assert_eq!(log["next"], 5);
    let seqs: Vec<u64> = log["entries"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![3, 4]);
    control(&mut sb, "DELETE", "/log", Value::Null);
    assert_eq!(control(&mut sb, "GET", "/log", Value::Null).body_json()["entries"].as_array().unwrap().len(), 0);
}

#[test]
fn systim_stock_can_be_changed_from_outside_and_bad_input_is_refused() {
    let mut sb = Sandbox::new("demo").unwrap();
    let id = sb.systim.product_ids_by_code("KUB-300")[0];
    assert_eq!(control(&mut sb, "POST", "/systim/stock", json!({"product_id": id, "store_id": 1, "quantity": "12,5"})).status, 200);
    assert_eq!(sb.systim.quantity(id, 1), Some(12_500));
    assert_eq!(control(&mut sb, "POST", "/systim/stock", json!({"product_id": id, "store_id": 1, "quantity": "1.0001"})).status, 400);
    assert_eq!(control(&mut sb, "POST", "/systim/stock", json!({"product_id": 999_999, "store_id": 1, "quantity": 1})).status, 400);
}

fn systim_call(sb: &mut Sandbox, form: &str, now: u64) -> Value {
    let req = Request::new("POST", "/jsonAPI.php").with_header("content-type", "application/x-www-form-urlencoded").with_body(form.to_string());
    sb.handle(Service::Systim, &req, now).body_json()
}

#[test]
fn systim_products_can_be_created_from_outside_and_are_listed_like_any() {
    let mut sb = Sandbox::new("demo").unwrap();
    let before = sb.systim.state_json()["products"].as_array().unwrap().len() as u64;
    let r = control(
        &mut sb,
        "POST",
        "/systim/products",
        json!({"products": [
            {"name": "Kubek 500 ml", "code": "SOAK-1", "ean": "5901234123457", "price_gross": "36.90", "vat_id": 1, "category_id": 3, "quantity": "12.5"},
            {"name": "Herbata biała", "code": "SOAK-2", "price_gross": 21, "vat_id": 3}
        ]}),
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(r.body_json()["ids"], json!([before + 1, before + 2]));
    let token = systim_login(&mut sb, 10).body_json()["result"]["token"].as_str().unwrap().to_string();
    let list = systim_call(&mut sb, &format!("act=listProducts&token={token}"), 11);
    let p = &list["result"][(before + 1).to_string()];
    assert_eq!(
        (p["kod_produktu"].as_str(), p["cena_brutto"].as_str(), p["cena_netto"].as_str(), p["stawka_vat"].as_str()),
        (Some("SOAK-1"), Some("36.90"), Some("30.00"), Some("1"))
    );
    assert_eq!((p["id_kategorii"].as_str(), p["ilosc"].as_str(), p["kod_kreskowy"].as_str()), (Some("3"), Some("12.50"), Some("5901234123457")));
    let q = &list["result"][(before + 2).to_string()];
    assert_eq!(
        (q["cena_netto"].as_str(), q["id_kategorii"].as_str(), q["jednostka"].as_str(), q["ilosc"].as_str()),
        (Some("20.00"), Some("1"), Some("szt."), Some("0.00"))
    );
    // A single spec works too.
    assert_eq!(control(&mut sb, "POST", "/systim/products", json!({"name": "X", "price_gross": "1"})).body_json()["ids"], json!([before + 3]));
}

#[test]
fn systim_products_are_all_or_nothing_with_a_clear_error() {
    let mut sb = Sandbox::new("demo").unwrap();
    let before = sb.systim.state_json()["products"].as_array().unwrap().len();
    for (spec, error) in [
        (
            json!({"products": [{"name": "A", "price_gross": "1", "quantity": 3}, {"name": "B", "price_gross": "1", "vat_id": 99}]}),
            "products[1]: no VAT rate 99",
        ),
        (json!({"name": "", "price_gross": "1"}), "'name' is required"),
        (json!({"name": "A"}), "'price_gross' is required"),
        (json!({"name": "A", "price_gross": "1.234"}), "at most 2 decimals"),
        (json!({"name": "A", "price_gross": "1", "category_id": 999}), "no category 999"),
        (json!({"name": "A", "price_gross": "1", "price": 2}), "unknown field 'price'"),
        (json!({"products": {"name": "A"}}), "must be an array"),
    ] {
        let r = control(&mut sb, "POST", "/systim/products", spec.clone());
        assert_eq!(r.status, 400, "{spec}");
        assert!(r.body_json()["error"].as_str().unwrap().contains(error), "{spec}: {}", r.body_text());
    }
    let state = sb.systim.state_json();
    assert_eq!(state["products"].as_array().unwrap().len(), before, "nothing was added");
    let new_id = before as u64 + 1;
    assert!(state["products"].as_array().unwrap().iter().all(|p| p["stock_milli"]["1"] != 3_000 || p["id"] != new_id), "no stock left behind");
}

#[test]
fn the_state_has_what_an_audit_needs() {
    let mut sb = Sandbox::new("demo").unwrap();
    let state = control(&mut sb, "GET", "/state", Value::Null).body_json();
    let shop = state["shoper"]["products"].as_array().unwrap();
    let mug = shop.iter().find(|p| p["code"] == "KUB-300").expect("Shoper products by code");
    assert_eq!(
        (mug["product_id"].as_str(), mug["stocks"][0]["code"].as_str(), mug["stocks"][0]["stock_id"].as_str()),
        (Some("1"), Some("KUB-300"), Some("1")),
        "ids and codes, variants' rows too"
    );
    let systim = state["systim"]["products"].as_array().unwrap();
    assert!(systim.iter().any(|p| p["kod_produktu"] == "KUB-300" && p["id"].as_u64().is_some()));
    // Systim orders with their notes (the import markers).
    let token = systim_login(&mut sb, 10).body_json()["result"]["token"].as_str().unwrap().to_string();
    let order = "act=addOrder&nazwa=A&imie=A&nazwisko=B&ulica=U&kod=00-001&miejscowosc=M&nazwa_dostawy=A&ulica_dostawy=U&kod_dostawy=00-001&miejscowosc_dostawy=M&id_dostawy=1&produkty%5B0%5D%5Bid%5D=1&produkty%5B0%5D%5Bilosc%5D=1&uwagi=Shoper+5+%40+sklep";
    assert_eq!(systim_call(&mut sb, &format!("{order}&token={token}"), 11)["error"]["code"], 0);
    let state = control(&mut sb, "GET", "/state", Value::Null).body_json();
    assert_eq!(state["systim"]["orders"][0]["uwagi"], "Shoper 5 @ sklep");
    assert_eq!(state["faults"], json!({"injected": 0, "by_kind": {}, "resends_seen": 0, "armed_429": 0}));
}

#[test]
fn the_systim_profile_is_kept_through_a_reset_unless_one_is_named() {
    let mut sb = Sandbox::with_profile("demo", sandbox::systim::config::Profile::Strict).unwrap();
    assert_eq!(control(&mut sb, "GET", "/info", Value::Null).body_json()["systim_profile"], "strict");
    assert_eq!(control(&mut sb, "POST", "/systim/config", json!({"profile": "generous"})).status, 200);
    assert_eq!(control(&mut sb, "POST", "/reset", json!({})).status, 200);
    assert_eq!(sb.systim.state_json()["config"]["profile"], "strict", "back to the start-up profile");
    assert_eq!(control(&mut sb, "POST", "/reset", json!({"systim_profile": "generous"})).status, 200);
    assert_eq!(sb.systim.state_json()["config"]["profile"], "generous");
    assert_eq!(control(&mut sb, "POST", "/reset", json!({"systim_profile": "loose"})).status, 400);
    assert_eq!(control(&mut sb, "POST", "/reset", json!({"scenarios": "demo"})).status, 400, "a typo is refused");
}
