//! Single-object shapes: POST → bare id, PUT/DELETE → 1, 404/400/405 envelopes, Polish
//! validation messages, partial merges, read-only resources and singletons.

mod shoper_util;

use sandbox::Request;
use serde_json::{json, Value};
use shoper_util::*;

fn new_product() -> Value {
    json!({"category_id": 1, "tax_id": 1, "code": "NOWY-1", "stock": {"price": 10, "stock": 3},
        "translations": {"pl_PL": {"name": "Nowy produkt", "active": 1}}})
}

fn not_found() -> Value {
    json!({"error": "invalid_request", "error_description": "Resource not found"})
}

#[test]
fn post_answers_the_bare_new_id_and_creates_the_default_stock() {
    let mut shop = Shop::demo();
    let r = shop.post("/webapi/rest/products", &new_product());
    assert_eq!(r.status, 200, "{}", r.body_text());
    assert_eq!(r.body_text(), "326", "ids continue after the seeded (and deleted) products");
    let p = shop.get("/webapi/rest/products/326");
    assert_eq!(p["code"], json!("NOWY-1"));
    assert_eq!(p["stock"]["price"], json!("10.00"));
    assert_eq!(p["stock"]["stock"], json!("3"));
    assert_eq!(p["stock"]["default"], json!("1"));
    assert_eq!(p["categories"], json!([1]));
    assert_eq!(p["translations"]["pl_PL"]["active"], json!("1"));
    assert_eq!(p["options"], json!([]));
}

#[test]
fn put_answers_1_and_merges_nested_objects_field_by_field() {
    let mut shop = Shop::demo();
    let r = shop.put("/webapi/rest/products/1", &json!({"stock": {"price": "31.50"}}));
    assert_eq!((r.status, r.body_text()), (200, "1".to_string()));
    let p = shop.get("/webapi/rest/products/1");
    assert_eq!(p["stock"]["price"], json!("31.50"));
    assert_eq!(p["stock"]["stock"], json!("17"), "untouched");
    assert_eq!(p["translations"]["pl_PL"]["name"], json!("Kubek ceramiczny 300 ml"));
    shop.put("/webapi/rest/products/1", &json!({"translations": {"pl_PL": {"short_description": "Nowy opis"}}}));
    let p = shop.get("/webapi/rest/products/1");
    assert_eq!(p["translations"]["pl_PL"]["name"], json!("Kubek ceramiczny 300 ml"));
    assert_eq!(p["translations"]["pl_PL"]["short_description"], json!("Nowy opis"));
    assert_eq!(p["edit_date"], json!("2026-09-21 16:13:20"), "edit_date = now in Europe/Warsaw");
}

#[test]
fn put_on_an_order_address_keeps_the_other_address_fields() {
    let mut shop = Shop::demo();
    assert_eq!(shop.put("/webapi/rest/orders/2", &json!({"billing_address": {"city": "Sopot"}})).status, 200);
    let o = shop.get("/webapi/rest/orders/2");
    assert_eq!(o["billing_address"]["city"], json!("Sopot"));
    assert_eq!(o["billing_address"]["company"], json!("Herbaciarnia Zielińska Sp. z o.o."));
}

#[test]
fn delete_answers_1_then_404() {
    let mut shop = Shop::demo();
    let r = shop.call("DELETE", "/webapi/rest/products/2", None);
    assert_eq!((r.status, r.body_text()), (200, "1".to_string()));
    let r = shop.call("DELETE", "/webapi/rest/products/2", None);
    assert_eq!((r.status, r.body_json()), (404, not_found()));
    assert_eq!(shop.call("GET", "/webapi/rest/product-stocks/2", None).status, 404, "its stock rows go too");
}

#[test]
fn missing_object_answers_404_envelope() {
    let mut shop = Shop::demo();
    for path in ["/webapi/rest/orders/9999", "/webapi/rest/products/abc", "/webapi/rest/statuses/0"] {
        let r = shop.call("GET", path, None);
        assert_eq!((r.status, r.body_json()), (404, not_found()), "{path}");
    }
    let r = shop.put("/webapi/rest/orders/9999", &json!({"status_id": 2}));
    assert_eq!(r.status, 404);
}

#[test]
fn unknown_resource_answers_400_invalid_request() {
    let mut shop = Shop::demo();
    for path in ["/webapi/rest/zamowienia", "/webapi/rest/", "/webapi/rest/orders/1/lines", "/webapi/rest/ORDERS"] {
        let r = shop.call("GET", path, None);
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.body_json()["error"], json!("invalid_request"));
    }
}

#[test]
fn unsupported_method_answers_405() {
    let mut shop = Shop::demo();
    for (method, path) in [
        ("PUT", "/webapi/rest/orders"),
        ("DELETE", "/webapi/rest/orders"),
        ("POST", "/webapi/rest/orders/1"),
        ("POST", "/webapi/rest/taxes"),
        ("PUT", "/webapi/rest/taxes/1"),
        ("DELETE", "/webapi/rest/languages/1"),
        ("POST", "/webapi/rest/application-config"),
        ("PATCH", "/webapi/rest/orders/1"),
    ] {
        let r = shop.call(method, path, Some(&json!({})));
        assert_eq!(r.status, 405, "{method} {path}");
        assert!(r.body_json()["error"].is_string());
    }
}

#[test]
fn malformed_json_body_answers_400() {
    let mut shop = Shop::demo();
    for body in ["{not json", "[1,2]", "\"text\"", "{\"a\":"] {
        let req = Request::new("PUT", "/webapi/rest/orders/1").with_header("Authorization", &format!("Bearer {}", shop.token)).with_body(body);
        let r = shop.send(req);
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.body_json()["error"], json!("invalid_request"));
    }
}

#[test]
fn validation_failures_are_joined_polish_messages() {
    let mut shop = Shop::demo();
    let body = json!({"user_id": 1, "payment_id": 1, "shipping_id": 1, "shipping_tax_id": 1,
        "billing_address": {"phone": "1"}, "delivery_address": {"phone": "1"}});
    let r = shop.post("/webapi/rest/orders", &body);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body_json(),
        json!({"error": "invalid_request", "error_description": "Wartość pola 'email' jest niepoprawna: Pole wymagane; Wartość pola 'status_id' jest niepoprawna: Pole wymagane"})
    );
}

#[test]
fn unknown_reference_is_reported_with_its_value() {
    let mut shop = Shop::demo();
    let body = json!({"user_id": 0, "email": "a@b.pl", "status_id": 1, "payment_id": 1, "shipping_id": 1, "shipping_tax_id": 1,
        "billing_address": {"phone": "1"}, "delivery_address": {"phone": "1"}});
    let r = shop.post("/webapi/rest/orders", &body);
    assert_eq!(r.body_json()["error_description"], json!("Wartość pola 'user_id' jest niepoprawna: Nie znaleziono wartości '0'"));
}

#[test]
fn duplicate_user_email_is_rejected() {
    let mut shop = Shop::demo();
    let r = shop.post("/webapi/rest/users", &json!({"email": "a@b.pl", "firstname": "A", "lastname": "B"}));
    assert_eq!(r.status, 200);
    let r = shop.post("/webapi/rest/users", &json!({"email": "a@b.pl"}));
    assert_eq!(r.body_json()["error_description"], json!("Wartość pola 'email' jest niepoprawna: Wartość 'a@b.pl' już istnieje"));
    let r = shop.post("/webapi/rest/users", &json!({"email": "nie-email"}));
    assert_eq!(r.status, 400);
    let users = shop.filtered("/webapi/rest/users", r#"{"email":"a@b.pl"}"#);
    assert_eq!(users["count"], json!("1"));
}

#[test]
fn product_post_requirements_and_read_only_nested_stock_fields() {
    let mut shop = Shop::demo();
    let r = shop.post("/webapi/rest/products", &json!({"code": "X"}));
    let msg = r.body_json()["error_description"].as_str().unwrap().to_string();
    for field in ["'stock'", "'category_id'", "'translations.pl_PL.name'"] {
        assert!(msg.contains(field), "{msg}");
    }
    let mut body = new_product();
    body["stock"]["active"] = json!(0);
    let r = shop.post("/webapi/rest/products", &body);
    assert_eq!(r.body_json()["error_description"], json!("Wartość pola 'stock.active' jest niepoprawna: Pole tylko do odczytu"));
    let mut body = new_product();
    body["stock"]["price"] = json!("dziesięć");
    let r = shop.post("/webapi/rest/products", &body);
    assert_eq!(r.body_json()["error_description"], json!("Wartość pola 'stock.price' jest niepoprawna: Wartość musi być liczbą"));
    let mut body = new_product();
    body["translations"]["xx_XX"] = json!({"name": "?"});
    assert_eq!(shop.post("/webapi/rest/products", &body).status, 400);
}

#[test]
fn failed_write_changes_nothing() {
    let mut shop = Shop::demo();
    let before = shop.get("/webapi/rest/products/1");
    let r = shop.put("/webapi/rest/products/1", &json!({"pkwiu": "1.2", "stock": {"price": "zly"}}));
    assert_eq!(r.status, 400);
    assert_eq!(shop.get("/webapi/rest/products/1"), before);
}

#[test]
fn variant_rows_crud_on_product_stocks() {
    let mut shop = Shop::demo();
    let r = shop.post("/webapi/rest/product-stocks", &json!({"product_id": 1, "code": "KUB-300-NIEB", "price": 32, "stock": 4, "options": {"1": "2"}}));
    assert_eq!(r.status, 200, "{}", r.body_text());
    let sid = r.body_json().as_u64().unwrap();
    let row = shop.get(&format!("/webapi/rest/product-stocks/{sid}"));
    assert_eq!((row["extended"].clone(), row["default"].clone(), row["price_type"].clone()), (json!("1"), json!("0"), json!("1")));
    assert_eq!(row["options"], json!({"1": "2"}));
    assert_eq!(shop.get("/webapi/rest/products/1")["options"], json!([sid]));
    let r = shop.call("DELETE", "/webapi/rest/product-stocks/1", None);
    assert_eq!((r.status, r.body_json()["error"].clone()), (400, json!("cannot_delete_internal_object")));
    assert_eq!(shop.call("DELETE", &format!("/webapi/rest/product-stocks/{sid}"), None).status, 200);
    let r = shop.post("/webapi/rest/product-stocks", &json!({"product_id": 99999}));
    assert_eq!(r.body_json()["error_description"], json!("Wartość pola 'product_id' jest niepoprawna: Nie znaleziono wartości '99999'"));
}

#[test]
fn taxes_are_read_only() {
    let mut shop = Shop::demo();
    let taxes = shop.get("/webapi/rest/taxes");
    let names: Vec<&str> = taxes["list"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["23%", "8%", "5%", "0%", "zw.", "np."]);
    assert_eq!(taxes["list"][4], json!({"tax_id": "5", "value": "0", "name": "zw.", "class": "zw."}));
    assert_eq!(shop.post("/webapi/rest/taxes", &json!({"value": 7})).status, 405);
}

#[test]
fn singletons_and_the_bare_category_tree() {
    let mut shop = Shop::demo();
    assert_eq!(shop.get("/webapi/rest/application-version"), json!({"version": "5.26.35"}));
    let cfg = shop.get("/webapi/rest/application-config");
    assert_eq!(cfg["default_language_name"], json!("pl_PL"));
    assert_eq!(cfg["warehouses_enabled"], json!(false));
    let r = shop.post("/webapi/rest/categories", &json!({"parent_id": 3, "translations": {"pl_PL": {"name": "Kawy ziarniste"}}}));
    let child = r.body_json().as_u64().expect("id");
    let tree = shop.get("/webapi/rest/categories-tree");
    assert!(tree.is_array());
    assert_eq!(tree[2], json!({"id": 3, "children": [{"id": child, "children": []}]}));
    assert_eq!(shop.get(&format!("/webapi/rest/categories/{child}"))["root"], json!("0"));
}

#[test]
fn statuses_units_and_categories_are_writable() {
    let mut shop = Shop::demo();
    let r = shop.post("/webapi/rest/statuses", &json!({"type": 2, "translations": {"pl_PL": {"name": "w magazynie"}}}));
    assert_eq!(r.body_text(), "12");
    assert_eq!(shop.post("/webapi/rest/statuses", &json!({"type": 9, "translations": {"pl_PL": {"name": "x"}}})).status, 400);
    let r = shop.post("/webapi/rest/units", &json!({"floating_point": true, "translations": {"pl_PL": {"name": "m"}}}));
    let unit = r.body_json().as_u64().unwrap();
    assert_eq!(shop.get(&format!("/webapi/rest/units/{unit}"))["floating_point"], json!("1"));
    assert_eq!(shop.put("/webapi/rest/categories/1", &json!({"translations": {"pl_PL": {"name": "Kubki"}}})).status, 200);
    assert_eq!(shop.get("/webapi/rest/categories/1")["translations"]["pl_PL"]["name"], json!("Kubki"));
}

#[test]
fn head_returns_headers_only() {
    let mut shop = Shop::demo();
    let r = shop.call("HEAD", "/webapi/rest/orders", None);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(r.header("X-Shop-Result-Count"), Some("17"));
}
