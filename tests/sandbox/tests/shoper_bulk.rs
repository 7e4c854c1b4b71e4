//! `POST /webapi/rest/bulk`: shape, order, per-item errors, the 25-operation cap.

mod shoper_util;

use sandbox::catalogue;
use serde_json::{json, Value};
use shoper_util::*;

fn bulk(shop: &mut Shop, ops: &Value) -> sandbox::Response {
    shop.post("/webapi/rest/bulk", ops)
}

#[test]
fn bulk_answers_items_in_request_order_with_codes_and_bodies() {
    let mut shop = Shop::demo();
    let ops = json!([
        {"id": "get-orders-p1", "path": "/webapi/rest/orders", "method": "GET", "params": {"limit": 5, "page": 1, "filters": "{\"status_id\":1}"}},
        {"id": "stock-1", "path": "/webapi/rest/product-stocks/1", "method": "PUT", "body": {"stock": "5.0"}},
        {"id": "missing", "path": "/webapi/rest/products/99999", "method": "DELETE"},
        {"id": "new-user", "path": "/webapi/rest/users", "method": "POST", "body": {"email": "bulk@example.pl"}}
    ]);
    let r = bulk(&mut shop, &ops);
    assert_eq!(r.status, 200, "{}", r.body_text());
    let v = r.body_json();
    assert_eq!(v["errors"], json!(true));
    let items = v["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["get-orders-p1", "stock-1", "missing", "new-user"]);
    assert_eq!(items[0]["code"], json!(200));
    assert_eq!(items[0]["body"]["count"], json!("16"), "status_id=1 filter applied (17 demo orders, one cancelled)");
    assert_eq!(items[0]["body"]["list"].as_array().unwrap().len(), 5);
    assert_eq!(items[1], json!({"id": "stock-1", "code": 200, "body": 1}));
    assert_eq!(items[2], json!({"id": "missing", "code": 404, "body": {"error": "invalid_request", "error_description": "Resource not found"}}));
    assert_eq!(items[3]["code"], json!(200));
    assert!(items[3]["body"].is_u64());
    assert_eq!(shop.get("/webapi/rest/product-stocks/1")["stock"], json!("5"));
}

#[test]
fn errors_is_false_when_every_item_succeeds() {
    let mut shop = Shop::demo();
    let ops: Vec<Value> = (1..=25).map(|i| json!({"id": format!("o{i}"), "path": format!("/webapi/rest/product-stocks/{i}"), "method": "GET"})).collect();
    let v = bulk(&mut shop, &Value::Array(ops)).body_json();
    assert_eq!(v["errors"], json!(false));
    assert_eq!(v["items"].as_array().unwrap().len(), 25);
}

#[test]
fn more_than_25_operations_answer_400() {
    let mut shop = Shop::demo();
    let ops: Vec<Value> = (0..26).map(|i| json!({"id": i, "path": "/webapi/rest/orders", "method": "GET"})).collect();
    let r = bulk(&mut shop, &Value::Array(ops));
    assert_eq!(r.status, 400);
    assert_eq!(r.body_json()["error"], json!("invalid_request"));
}

#[test]
fn bulk_body_must_be_an_array() {
    let mut shop = Shop::demo();
    for body in [json!({"id": 1}), json!("x")] {
        assert_eq!(bulk(&mut shop, &body).status, 400);
    }
    assert_eq!(shop.call("GET", "/webapi/rest/bulk", None).status, 405);
}

#[test]
fn malformed_operations_fail_alone() {
    let mut shop = Shop::demo();
    let ops = json!([
        {"id": "no-method", "path": "/webapi/rest/orders"},
        {"id": "nested", "path": "/webapi/rest/bulk", "method": "POST", "body": []},
        "not an object",
        {"id": "bad-path", "path": "/webapi/rest/nic", "method": "GET"},
        {"id": "ok", "path": "/webapi/rest/orders/1", "method": "GET"}
    ]);
    let v = bulk(&mut shop, &ops).body_json();
    let codes: Vec<u64> = v["items"].as_array().unwrap().iter().map(|i| i["code"].as_u64().unwrap()).collect();
    assert_eq!(codes, [400, 400, 400, 400, 200]);
}

#[test]
fn bulk_params_accept_order_arrays_and_object_filters() {
    let mut shop = Shop::demo();
    let ops = json!([{"id": "x", "path": "/webapi/rest/orders", "method": "GET",
        "params": {"limit": 2, "order": ["order_id DESC"], "filters": {"order_id": {"<": 10}}}}]);
    let v = bulk(&mut shop, &ops).body_json();
    let ids: Vec<&str> = v["items"][0]["body"]["list"].as_array().unwrap().iter().map(|o| o["order_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["9", "8"]);
}

#[test]
fn bulk_operations_are_checked_against_scopes_one_by_one() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"token_scopes": ["orders:read"]})).unwrap();
    let ops = json!([
        {"id": "a", "path": "/webapi/rest/orders/1", "method": "GET"},
        {"id": "b", "path": "/webapi/rest/products/1", "method": "GET"}
    ]);
    let v = bulk(&mut shop, &ops).body_json();
    assert_eq!(v["items"][0]["code"], json!(200));
    assert_eq!(v["items"][1]["code"], json!(403));
}

#[test]
fn a_bulk_call_costs_one_unit_by_default_or_one_per_operation() {
    let mut shop = Shop::with(&catalogue::demo(), true);
    let ops: Vec<Value> = (0..5).map(|i| json!({"id": i, "path": "/webapi/rest/orders/1", "method": "GET"})).collect();
    let r = bulk(&mut shop, &Value::Array(ops.clone()));
    assert_eq!(r.header("X-Shop-Api-Calls"), Some("1"));
    shop.st.configure(&json!({"rate_limit": {"bulk_cost": "per_op"}})).unwrap();
    let r = bulk(&mut shop, &Value::Array(ops.clone()));
    assert_eq!(r.header("X-Shop-Api-Calls"), Some("6"));
    shop.st.configure(&json!({"rate_limit": {"bulk_cost": 3}})).unwrap();
    let r = bulk(&mut shop, &Value::Array(ops));
    assert_eq!(r.header("X-Shop-Api-Calls"), Some("9"));
}
