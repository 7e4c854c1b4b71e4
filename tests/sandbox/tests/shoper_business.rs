//! Business rules: stock taken by order lines and given back, origins, sums, storefront orders,
//! fractional stock modes, relative stock writes, the multi-warehouse module.

mod shoper_util;

use sandbox::catalogue;
use serde_json::{json, Value};
use shoper_util::*;

fn order_body() -> Value {
    let addr = json!({"firstname": "Jan", "lastname": "Test", "street1": "Długa 1", "postcode": "00-001", "city": "Warszawa", "phone": "600100200", "country_code": "PL"});
    json!({"user_id": 1, "email": "jan@example.pl", "status_id": 1, "payment_id": 1, "shipping_id": 1, "shipping_tax_id": 1,
        "shipping_cost": "14.99", "billing_address": addr, "delivery_address": addr, "notes_priv": "marker-1", "code": "moj-kod", "origin": 0})
}

fn create_order(shop: &mut Shop) -> u64 {
    let r = shop.post("/webapi/rest/orders", &order_body());
    assert_eq!(r.status, 200, "{}", r.body_text());
    r.body_json().as_u64().unwrap()
}

fn stock_of(shop: &mut Shop, stock_id: u64) -> Value {
    shop.get(&format!("/webapi/rest/product-stocks/{stock_id}"))["stock"].clone()
}

#[test]
fn api_orders_get_origin_4_and_drop_the_callers_code() {
    let mut shop = Shop::demo();
    let oid = create_order(&mut shop);
    assert_eq!(oid, 18, "after the 17 demo orders");
    let o = shop.get(&format!("/webapi/rest/orders/{oid}"));
    assert_eq!(o["origin"], json!("4"));
    assert_eq!(o["code"], json!(""));
    assert_eq!(o["sum"], json!("14.99"));
    assert_eq!(o["date"], json!("2026-09-21 16:13:20"));
    assert_eq!(o["billing_address"]["country"], json!("Polska"));
    let found = shop.filtered("/webapi/rest/orders", r#"{"notes_priv":"marker-1"}"#);
    assert_eq!(found["count"], json!("1"));
}

#[test]
fn order_line_created_via_api_decrements_stock() {
    let mut shop = Shop::demo();
    let oid = create_order(&mut shop);
    let r = shop.post("/webapi/rest/order-products", &json!({"order_id": oid, "product_id": 1, "quantity": 2}));
    assert_eq!(r.status, 200, "{}", r.body_text());
    let line = shop.get(&format!("/webapi/rest/order-products/{}", r.body_json()));
    assert_eq!((line["stock_id"].clone(), line["code"].clone(), line["name"].clone()), (json!("1"), json!("KUB-300"), json!("Kubek ceramiczny 300 ml")));
    assert_eq!(
        (line["price"].clone(), line["tax"].clone(), line["tax_value"].clone(), line["unit"].clone()),
        (json!("30.00"), json!("23%"), json!("23"), json!("szt."))
    );
    assert_eq!(stock_of(&mut shop, 1), json!("15"));
    assert_eq!(shop.get("/webapi/rest/product-stocks/1")["sold"], json!("2"));
    let o = shop.get(&format!("/webapi/rest/orders/{oid}"));
    assert_eq!((o["sum"].clone(), o["total_products"].clone()), (json!("74.99"), json!(1)));
}

#[test]
fn line_price_is_caller_controlled_and_catalogue_free_lines_need_name_and_price() {
    let mut shop = Shop::demo();
    let oid = create_order(&mut shop);
    let r = shop.post(
        "/webapi/rest/order-products",
        &json!({"order_id": oid, "stock_id": 1, "price": 999.0, "quantity": 1, "name": "X", "tax": "23%", "tax_value": 23}),
    );
    let line = shop.get(&format!("/webapi/rest/order-products/{}", r.body_json()));
    assert_eq!((line["price"].clone(), line["name"].clone()), (json!("999.00"), json!("X")));
    let r = shop.post("/webapi/rest/order-products", &json!({"order_id": oid, "quantity": 1}));
    assert_eq!(
        r.body_json()["error_description"],
        json!("Wartość pola 'name' jest niepoprawna: Pole wymagane; Wartość pola 'price' jest niepoprawna: Pole wymagane")
    );
    let r = shop.post("/webapi/rest/order-products", &json!({"order_id": oid, "quantity": 1, "name": "Usługa", "price": "10"}));
    let line = shop.get(&format!("/webapi/rest/order-products/{}", r.body_json()));
    assert_eq!((line["product_id"].clone(), line["stock_id"].clone()), (json!("0"), json!("0")));
    let r = shop.post("/webapi/rest/order-products", &json!({"order_id": 9999, "product_id": 1, "quantity": 1}));
    assert_eq!(r.status, 400);
}

#[test]
fn deleting_an_order_restores_stock() {
    let mut shop = Shop::demo();
    let oid = create_order(&mut shop);
    shop.post("/webapi/rest/order-products", &json!({"order_id": oid, "product_id": 1, "quantity": 2}));
    shop.post("/webapi/rest/order-products", &json!({"order_id": oid, "product_id": 1, "quantity": 3}));
    assert_eq!(stock_of(&mut shop, 1), json!("12"));
    assert_eq!(shop.call("DELETE", &format!("/webapi/rest/orders/{oid}"), None).status, 200);
    assert_eq!(stock_of(&mut shop, 1), json!("17"));
    let lines = shop.filtered("/webapi/rest/order-products", &format!(r#"{{"order_id":{oid}}}"#));
    assert_eq!(lines["count"], json!("0"));
}

#[test]
fn line_quantity_changes_and_deletions_move_stock() {
    let mut shop = Shop::demo();
    let oid = create_order(&mut shop);
    let lid = shop.post("/webapi/rest/order-products", &json!({"order_id": oid, "product_id": 1, "quantity": 2})).body_json();
    assert_eq!(shop.put(&format!("/webapi/rest/order-products/{lid}"), &json!({"quantity": 5})).status, 200);
    assert_eq!(stock_of(&mut shop, 1), json!("12"));
    assert_eq!(shop.put(&format!("/webapi/rest/order-products/{lid}"), &json!({"order_id": 1})).status, 400);
    assert_eq!(shop.call("DELETE", &format!("/webapi/rest/order-products/{lid}"), None).status, 200);
    assert_eq!(stock_of(&mut shop, 1), json!("17"));
}

#[test]
fn stock_is_untouched_when_update_stock_on_buy_is_off() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"update_stock_on_buy": false})).unwrap();
    assert_eq!(shop.get("/webapi/rest/application-config")["shopping_update_stock_on_buy"], json!("0"));
    let oid = create_order(&mut shop);
    shop.post("/webapi/rest/order-products", &json!({"order_id": oid, "product_id": 1, "quantity": 2}));
    assert_eq!(stock_of(&mut shop, 1), json!("17"));
}

#[test]
fn paid_and_status_changes() {
    let mut shop = Shop::demo();
    let o = shop.get("/webapi/rest/orders/1");
    assert_eq!((o["sum"].clone(), o["is_paid"].clone(), o["is_underpayment"].clone()), (json!("74.99"), json!(false), json!(true)));
    shop.now += 3_600_000;
    assert_eq!(shop.put("/webapi/rest/orders/1", &json!({"paid": "74.99", "status_id": 2})).body_text(), "1");
    let o = shop.get("/webapi/rest/orders/1");
    assert_eq!((o["paid"].clone(), o["is_paid"].clone(), o["is_underpayment"].clone()), (json!("74.99"), json!(true), json!(false)));
    assert_eq!(o["status_date"], json!("2026-09-21 17:13:20"));
    assert_eq!(o["date"], json!("2026-11-20 09:15:00"), "creation date untouched");
    assert_eq!(shop.put("/webapi/rest/orders/1", &json!({"status_id": 99})).status, 400);
}

#[test]
fn storefront_order_has_origin_0_and_takes_stock() {
    let mut shop = Shop::demo();
    let spec = json!({"lines": [{"code": "KUB-300", "quantity": 2}, {"code": "KOSZ-LEN-M", "quantity": "1"}],
        "email": "nowy.klient@example.pl", "company": "Firma", "nip": "586-212-09-28", "shipping_cost": "14.99"});
    let oid = shop.st.place_storefront_order(&spec, shop.now).unwrap();
    let o = shop.get(&format!("/webapi/rest/orders/{oid}"));
    assert_eq!(o["origin"], json!("0"));
    assert_eq!(o["code"].as_str().unwrap().len(), 32);
    assert_eq!(o["sum"], json!("203.99"));
    assert_eq!(o["billing_address"]["tax_identification_number"], json!("586-212-09-28"));
    let user = shop.get(&format!("/webapi/rest/users/{}", o["user_id"].as_str().unwrap()));
    assert_eq!(user["email"], json!("nowy.klient@example.pl"));
    assert_eq!(stock_of(&mut shop, 1), json!("15"));
    let shirt = shop.stock_by_code("KOSZ-LEN-M");
    assert_eq!(shirt["stock"], json!("4"));
    let lines = shop.filtered("/webapi/rest/order-products", &format!(r#"{{"order_id":{oid}}}"#));
    assert_eq!(lines["list"][1]["option"], json!("Rozmiar: M"));
    assert_eq!(lines["list"][1]["name"], json!("Koszula lniana"));
}

#[test]
fn storefront_order_rejects_what_the_shop_would_not_sell() {
    let mut shop = Shop::demo();
    let place = |shop: &mut Shop, spec: Value| shop.st.place_storefront_order(&spec, shop.now);
    assert!(place(&mut shop, json!({"lines": [{"code": "KUB-300", "quantity": 18}]})).unwrap_err().contains("not enough stock"));
    assert!(place(&mut shop, json!({"lines": [{"code": "KUB-300", "quantity": 9}, {"code": "KUB-300", "quantity": 9}]})).is_err());
    assert!(place(&mut shop, json!({"lines": [{"code": "OLD-KUB-200", "quantity": 1}]})).unwrap_err().contains("OLD-KUB-200"));
    assert!(place(&mut shop, json!({"lines": []})).is_err());
    assert!(place(&mut shop, json!({"lines": [{"code": "KUB-300", "quantity": 0}]})).is_err());
    assert!(place(&mut shop, json!([1])).is_err());
    shop.st.configure(&json!({"allow_overselling": true})).unwrap();
    place(&mut shop, json!({"lines": [{"code": "KUB-300", "quantity": 18}]})).unwrap();
    assert_eq!(stock_of(&mut shop, 1), json!("-1"));
}

#[test]
fn storefront_order_with_fractional_quantity_and_own_price() {
    let mut shop = Shop::demo();
    let oid = shop.st.place_storefront_order(&json!({"lines": [{"code": "PIE-CZA-KG", "quantity": 0.75, "price": "80.91"}]}), shop.now).unwrap();
    let o = shop.get(&format!("/webapi/rest/orders/{oid}"));
    assert_eq!(o["sum"], json!("60.68"));
    assert_eq!(shop.stock_by_code("PIE-CZA-KG")["stock"], json!("1.75"));
}

#[test]
fn stock_put_is_absolute_and_stock_relative_is_a_delta() {
    let mut shop = Shop::demo();
    assert_eq!(shop.put("/webapi/rest/product-stocks/1", &json!({"stock": 77})).body_text(), "1");
    assert_eq!(stock_of(&mut shop, 1), json!("77"));
    shop.put("/webapi/rest/product-stocks/1", &json!({"stock_relative": -7, "stock": 1000}));
    assert_eq!(stock_of(&mut shop, 1), json!("70"), "stock is ignored when stock_relative is present");
    shop.put("/webapi/rest/products/1", &json!({"stock": {"stock_relative": "5"}}));
    assert_eq!(stock_of(&mut shop, 1), json!("75"));
}

#[test]
fn fractional_stock_accept_mode_stores_fractions() {
    let mut shop = Shop::demo();
    shop.put("/webapi/rest/product-stocks/1", &json!({"stock": 2.5}));
    assert_eq!(stock_of(&mut shop, 1), json!("2.5"));
}

#[test]
fn fractional_stock_truncate_mode_drops_the_fraction_for_integer_units() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"fractional_stock": "truncate"})).unwrap();
    shop.put("/webapi/rest/product-stocks/1", &json!({"stock": "7.5"}));
    assert_eq!(stock_of(&mut shop, 1), json!("7"));
    let kg = shop.stock_by_code("PIE-CZA-KG")["stock_id"].as_str().unwrap().parse::<u64>().unwrap();
    shop.put(&format!("/webapi/rest/product-stocks/{kg}"), &json!({"stock": "7.5"}));
    assert_eq!(stock_of(&mut shop, kg), json!("7.5"), "kg is fractional");
}

#[test]
fn fractional_stock_reject_mode_answers_400() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"fractional_stock": "reject"})).unwrap();
    let r = shop.put("/webapi/rest/product-stocks/1", &json!({"stock": 7.5}));
    assert_eq!(r.status, 400);
    assert_eq!(r.body_json()["error_description"], json!("Wartość pola 'stock' jest niepoprawna: Wartość musi być liczbą całkowitą"));
    assert_eq!(stock_of(&mut shop, 1), json!("17"));
    assert_eq!(shop.put("/webapi/rest/product-stocks/1", &json!({"stock": "8.000"})).status, 200);
    assert!(shop.st.configure(&json!({"fractional_stock": "round"})).is_err());
}

#[test]
fn warehouses_answer_400_when_the_module_is_off() {
    let mut shop = Shop::demo();
    let r = shop.call("GET", "/webapi/rest/warehouses", None);
    assert_eq!((r.status, r.body_json()), (400, json!({"error": "invalid_request", "error_description": "Warehouses module is disabled"})));
    assert!(shop.get("/webapi/rest/product-stocks/1").get("warehouses").is_none());
}

#[test]
fn warehouses_module_on_lists_warehouses_and_per_warehouse_stock() {
    let mut shop = Shop::with(&catalogue::warehouses(), false);
    assert_eq!(shop.get("/webapi/rest/application-config")["warehouses_enabled"], json!(true));
    let whs = shop.get("/webapi/rest/warehouses");
    assert_eq!(whs["count"], json!("2"));
    assert_eq!(whs["list"][0]["name"], json!("Magazyn Kraków"));
    assert_eq!(whs["list"][0]["default"], json!("1"));
    let row = shop.get("/webapi/rest/product-stocks/1");
    assert_eq!(row["warehouses"], json!({"1": "9", "2": "8"}));
    assert_eq!(row["stock"], json!("17"));
}

#[test]
fn warehouses_module_makes_stock_read_only_and_the_map_writable() {
    let mut shop = Shop::with(&catalogue::warehouses(), false);
    let r = shop.put("/webapi/rest/product-stocks/1", &json!({"stock": 5}));
    assert_eq!(r.body_json()["error_description"], json!("Wartość pola 'stock' jest niepoprawna: Pole tylko do odczytu"));
    assert_eq!(shop.put("/webapi/rest/product-stocks/1", &json!({"warehouses": {"2": 3}})).status, 200);
    let row = shop.get("/webapi/rest/product-stocks/1");
    assert_eq!((row["warehouses"].clone(), row["stock"].clone()), (json!({"1": "9", "2": "3"}), json!("12")));
    let r = shop.put("/webapi/rest/product-stocks/1", &json!({"warehouses": {"7": 3}}));
    assert_eq!(r.body_json()["error_description"], json!("Wartość pola 'warehouses' jest niepoprawna: Nie znaleziono wartości '7'"));
}

#[test]
fn warehouses_module_order_lines_take_from_the_default_warehouse() {
    let mut shop = Shop::with(&catalogue::warehouses(), false);
    let oid = create_order(&mut shop);
    let lid = shop.post("/webapi/rest/order-products", &json!({"order_id": oid, "product_id": 1, "quantity": 2})).body_json();
    let line = shop.get(&format!("/webapi/rest/order-products/{lid}"));
    assert_eq!(line["warehouses"], json!({"1": {"quantity": 2, "source_warehouse_id": 1, "shipping_warehouse_id": 1}}));
    assert_eq!(shop.get("/webapi/rest/product-stocks/1")["warehouses"], json!({"1": "7", "2": "8"}));
    assert_eq!(shop.put(&format!("/webapi/rest/order-products/{lid}"), &json!({"quantity": 3})).status, 400, "quantity is read-only");
    shop.call("DELETE", &format!("/webapi/rest/orders/{oid}"), None);
    assert_eq!(shop.get("/webapi/rest/product-stocks/1")["warehouses"], json!({"1": "9", "2": "8"}));
}

#[test]
fn switching_the_warehouses_module_on_creates_a_default_warehouse() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"warehouses_enabled": true})).unwrap();
    let whs = shop.get("/webapi/rest/warehouses");
    assert_eq!(whs["list"][0]["name"], json!("Magazyn główny"));
    assert_eq!(shop.get("/webapi/rest/product-stocks/1")["warehouses"], json!({"1": "17"}));
    let r = shop.post("/webapi/rest/warehouses", &json!({"name": "Magazyn 2", "short_name": "M2"}));
    assert_eq!(r.body_text(), "2");
    assert_eq!(shop.call("DELETE", "/webapi/rest/warehouses/1", None).status, 400);
    shop.st.configure(&json!({"warehouses_enabled": false})).unwrap();
    assert_eq!(stock_of(&mut shop, 1), json!("17"));
    assert_eq!(shop.put("/webapi/rest/product-stocks/1", &json!({"stock": 4})).status, 200);
}
