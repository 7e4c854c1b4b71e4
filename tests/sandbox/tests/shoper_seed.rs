//! The seeded shop: fresh-shop dictionaries and the catalogue traps of the scenarios.

mod shoper_util;

use sandbox::catalogue;
use sandbox::shoper::ShoperState;
use serde_json::{json, Value};
use shoper_util::*;

fn names(list: &Value, key: &str) -> Vec<String> {
    list["list"].as_array().unwrap().iter().map(|r| r["translations"]["pl_PL"][key].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_variant_product_has_three_extra_stock_rows() {
    let mut shop = Shop::demo();
    let shirt = shop.stock_by_code("KOSZ-LEN");
    let pid = shirt["product_id"].as_str().unwrap().to_string();
    let product = shop.get(&format!("/webapi/rest/products/{pid}"));
    assert_eq!(product["options"].as_array().unwrap().len(), 3);
    let rows = shop.filtered("/webapi/rest/product-stocks", &format!(r#"{{"product_id":{pid}}}"#));
    assert_eq!(rows["count"], json!("4"));
    let variants: Vec<&Value> = rows["list"].as_array().unwrap().iter().filter(|r| r["default"] == json!("0")).collect();
    assert_eq!(variants.len(), 3);
    assert!(variants.iter().all(|v| v["extended"] == json!("1") && v["options"].is_object()));
    assert_eq!(shirt["options"], json!([]), "the base row has no options: an empty array");
    let codes: Vec<&str> = variants.iter().map(|v| v["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["KOSZ-LEN-S", "KOSZ-LEN-M", "KOSZ-LEN-L"]);
}

#[test]
fn a_deleted_product_is_absent_but_still_referenced_by_an_old_order_line() {
    let mut shop = Shop::demo();
    let line = shop.filtered("/webapi/rest/order-products", r#"{"order_id":7}"#)["list"][0].clone();
    assert_eq!(line["code"], json!("OLD-KUB-200"));
    assert_eq!(line["name"], json!("Kubek 200 ml (wycofany)"));
    let pid = line["product_id"].as_str().unwrap();
    assert_ne!(pid, "0");
    assert_eq!(shop.call("GET", &format!("/webapi/rest/products/{pid}"), None).status, 404);
    assert_eq!(shop.call("GET", &format!("/webapi/rest/product-stocks/{}", line["stock_id"].as_str().unwrap()), None).status, 404);
    let found = shop.filtered("/webapi/rest/products", r#"{"stock.code":"OLD-KUB-200"}"#);
    assert_eq!(found["count"], json!("0"));
}

#[test]
fn duplicate_and_empty_codes_exist_in_the_shop() {
    let mut shop = Shop::demo();
    let dup = shop.filtered("/webapi/rest/product-stocks", r#"{"code":"LYZ-SRE"}"#);
    assert_eq!(dup["count"], json!("2"));
    let empty = shop.filtered("/webapi/rest/product-stocks", r#"{"code":""}"#);
    assert_eq!(empty["count"], json!("1"));
}

#[test]
fn seeded_order_lines_carry_price_discount_and_fractional_quantity() {
    let mut shop = Shop::demo();
    let lines = shop.filtered("/webapi/rest/order-products", r#"{"order_id":5}"#);
    let pepper = &lines["list"][0];
    // The shop's default way of writing a discount on the whole order: list prices on the lines,
    // only `sum` lower (the `order_discounts` knob).
    assert_eq!((pepper["quantity"].clone(), pepper["price"].clone(), pepper["discount_perc"].clone()), (json!("0.75"), json!("89.90"), json!("0.0000")));
    assert_eq!((pepper["unit"].clone(), pepper["unit_fp"].clone(), pepper["tax"].clone()), (json!("kg"), json!("1"), json!("8%")));
    let o = shop.get("/webapi/rest/orders/5");
    assert_eq!(o["sum"], json!("156.67"), "(0.75 × 89.90 + 3 × 30.00) × 90 % + 14.99");
    assert_eq!((o["promo_code"].clone(), o["code_id"].clone(), o["discount_code"].clone()), (json!("ZIMA10"), json!("1"), json!("10")));
    assert!(o.get("_order_discount").is_none(), "the stand-in's bookkeeping never shows");
    // Each kind of discount on the whole order among the demo orders.
    let o = |shop: &mut Shop, id: u64| shop.get(&format!("/webapi/rest/orders/{id}"));
    let amount = o(&mut shop, 13);
    assert_eq!(
        (amount["promo_code"].clone(), amount["discount_code"].clone(), amount["sum"].clone()),
        (json!("RABAT20"), json!("0"), json!("224.34")),
        "60.00 + 56.97 + 112.38 − 20.00 + 14.99"
    );
    let free = o(&mut shop, 14);
    assert_eq!((free["shipping_cost"].clone(), free["sum"].clone()), (json!("0.00"), json!("45.80")), "free shipping shows as a shipping cost of 0");
    let both = o(&mut shop, 15);
    assert_eq!(
        (both["discount_client"].clone(), both["promo_code"].clone(), both["shipping_cost"].clone(), both["sum"].clone()),
        (json!("5"), json!("LATO15"), json!("0.00"), json!("54.38"))
    );
    let all = o(&mut shop, 16);
    assert_eq!(all["sum"], json!("14.99"), "a 100 % code leaves the shipping");
    let group = o(&mut shop, 17);
    assert_eq!(
        (group["discount_group"].clone(), group["discount_levels"].clone(), group["code_id"].clone(), group["sum"].clone()),
        (json!("3"), json!("2"), json!(null), json!("188.76")),
        "198.69 × 95 %"
    );
}

#[test]
fn seeded_orders_keep_origins_addresses_and_customers() {
    let mut shop = Shop::demo();
    let origins: Vec<String> = shop.all("/webapi/rest/orders").iter().map(|o| o["origin"].as_str().unwrap().to_string()).collect();
    assert_eq!(origins, ["0", "0", "0", "5", "0", "0", "0", "3", "4", "0", "0", "0", "0", "0", "0", "0", "0"]);
    let o3 = shop.get("/webapi/rest/orders/3");
    let seed = &catalogue::demo().orders[2];
    assert_eq!(o3["billing_address"]["tax_identification_number"], json!(seed.billing.nip), "NIP exactly as typed");
    assert_eq!(o3["delivery_address"]["city"], json!("Pruszków"));
    assert_eq!(o3["notes"], json!("Proszę o fakturę VAT & dostawę przed 10:00."));
    assert_eq!(shop.get("/webapi/rest/orders/11")["status_id"], json!("8"));
    assert_eq!(shop.get("/webapi/rest/orders/9")["code"], json!(""), "only storefront orders have a confirmation code");
    let u = shop.get(&format!("/webapi/rest/users/{}", o3["user_id"].as_str().unwrap()));
    assert_eq!(u["email"], json!("zamowienia@podlipa.example.pl"));
    // Customers are unique per e-mail.
    let emails: std::collections::BTreeSet<String> = catalogue::demo().orders.iter().map(|o| o.email.to_lowercase()).collect();
    assert_eq!(shop.get("/webapi/rest/users")["count"], json!(emails.len().to_string()));
}

#[test]
fn fresh_shop_statuses() {
    let mut shop = Shop::demo();
    let v = shop.get("/webapi/rest/statuses?limit=50");
    assert_eq!(v["count"], json!("11"));
    let types: Vec<&str> = v["list"].as_array().unwrap().iter().map(|s| s["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["1", "2", "2", "2", "2", "2", "3", "4", "4", "3", "4"]);
    let n = names(&v, "name");
    assert_eq!((n[0].as_str(), n[6].as_str(), n[7].as_str(), n[10].as_str()), ("złożone", "przesyłka wysłana", "anulowane", "zwrócone"));
}

#[test]
fn units_languages_currencies_shippings_payments() {
    let mut shop = Shop::demo();
    let units = shop.get("/webapi/rest/units");
    let fps: Vec<(String, String)> = units["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["translations"]["pl_PL"]["name"].as_str().unwrap().into(), u["floating_point"].as_str().unwrap().into()))
        .collect();
    let expected: Vec<(String, String)> = [("szt.", "0"), ("kg", "1"), ("lbs", "1"), ("zestaw", "0"), ("wielopak", "0"), ("usł.", "0")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(fps, expected);
    let langs = shop.get("/webapi/rest/languages");
    assert_eq!(langs["list"][0], json!({"lang_id": "1", "locale": "pl_PL", "currency_id": "1", "active": "1", "order": "1"}));
    assert_eq!(langs["list"][1]["active"], json!("0"), "en_US exists but is inactive");
    let cur = shop.get("/webapi/rest/currencies");
    let c: Vec<(&str, &str)> = cur["list"].as_array().unwrap().iter().map(|c| (c["name"].as_str().unwrap(), c["active"].as_str().unwrap())).collect();
    assert_eq!(c, [("PLN", "1"), ("USD", "0"), ("EUR", "0"), ("GBP", "0")]);
    assert_eq!(cur["list"][0]["default"], json!("1"));
    let ship = shop.get("/webapi/rest/shippings");
    assert_eq!(
        names(&ship, "name"),
        ["Kurier InPost", "Paczkomat InPost 24/7", "Poczta Polska — Pocztex", "Odbiór osobisty w sklepie", "Kurier DPD", "Kurier DPD — pobranie"]
    );
    let pay = shop.get("/webapi/rest/payments");
    assert_eq!(pay["list"][1]["translations"]["pl_PL"]["title"], json!("Płatność przy odbiorze (pobranie)"));
    assert_eq!(pay["count"], json!("6"));
    let codes = shop.get("/webapi/rest/promotion-codes");
    let kinds: Vec<(String, String)> =
        codes["list"].as_array().unwrap().iter().map(|c| (c["code"].as_str().unwrap().into(), c["discount_type"].as_str().unwrap().into())).collect();
    let expected: Vec<(String, String)> = [("ZIMA10", "1"), ("RABAT20", "2"), ("DARMOWA", "3"), ("GRATIS100", "1"), ("LATO15", "1")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(kinds, expected);
}

#[test]
fn cash_on_delivery_is_derived_from_the_payment() {
    let mut shop = Shop::demo();
    assert_eq!(shop.get("/webapi/rest/orders/1")["is_cash_on_delivery"], json!(false));
    shop.put("/webapi/rest/orders/1", &json!({"payment_id": 2}));
    assert_eq!(shop.get("/webapi/rest/orders/1")["is_cash_on_delivery"], json!(true));
}

#[test]
fn zero_rates_are_told_apart_by_tax_name() {
    let mut shop = Shop::demo();
    let voucher = shop.filtered("/webapi/rest/products", r#"{"stock.code":"VOUCH-50"}"#)["list"][0].clone();
    let course = shop.filtered("/webapi/rest/products", r#"{"stock.code":"KURS-PARZ"}"#)["list"][0].clone();
    assert_eq!((voucher["tax_id"].clone(), course["tax_id"].clone()), (json!("4"), json!("5")));
    let line = shop.filtered("/webapi/rest/order-products", r#"{"order_id":10}"#)["list"][0].clone();
    assert_eq!((line["tax"].clone(), line["tax_value"].clone()), (json!("zw."), json!("0")));
}

#[test]
fn ids_are_stable_for_a_scenario() {
    let a = ShoperState::from_scenario(&catalogue::demo()).state_json();
    let b = ShoperState::from_scenario(&catalogue::demo()).state_json();
    assert_eq!(a, b);
    assert_eq!(a["products"][0]["product_id"], json!("1"));
    assert_eq!(a["orders"][0]["lines"][0]["id"], json!("1"));
}

#[test]
fn state_json_holds_products_with_stocks_orders_with_lines_and_config() {
    let st = ShoperState::from_scenario(&catalogue::demo());
    let v = st.state_json();
    assert_eq!(v["scenario"], json!("demo"));
    assert_eq!(v["products"].as_array().unwrap().len(), 324);
    let shirt = v["products"].as_array().unwrap().iter().find(|p| p["code"] == json!("KOSZ-LEN")).unwrap();
    assert_eq!(shirt["stocks"].as_array().unwrap().len(), 4);
    assert_eq!(v["orders"].as_array().unwrap().len(), 17);
    assert_eq!(v["orders"][1]["lines"].as_array().unwrap().len(), 2);
    assert_eq!(v["config"]["rate_limit"]["limit"], json!(10.0));
    assert_eq!(v["config"]["fractional_stock"], json!("accept"));
    assert_eq!(v["application_config"]["shop_url"], json!("https://sklep-sandbox.shoparena.pl"));
}

#[test]
fn multilang_translations_only_for_named_locales() {
    let mut shop = Shop::with(&catalogue::multilang(), false);
    let langs = shop.get("/webapi/rest/languages");
    assert!(langs["list"].as_array().unwrap().iter().all(|l| l["active"] == json!("1")));
    let p1 = shop.get("/webapi/rest/products/1");
    assert_eq!(p1["translations"]["en_US"]["name"], json!("Kubek ceramiczny 300 ml (EN)"));
    assert_eq!(p1["translations"]["en_US"]["lang_id"], json!("2"));
    assert_eq!(p1["translations"]["pl_PL"]["translation_id"], json!("1"));
    let sitko = shop.filtered("/webapi/rest/products", r#"{"stock.code":"SITKO-EN"}"#)["list"][0].clone();
    let locales: Vec<&String> = sitko["translations"].as_object().unwrap().keys().collect();
    assert_eq!(locales, ["en_US"]);
    let by_name = shop.filtered("/webapi/rest/products", r#"{"translations.en_US.name":"Tea strainer"}"#);
    assert_eq!(by_name["count"], json!("1"));
    assert_eq!(shop.get("/webapi/rest/statuses/1")["translations"]["en_US"]["name"], json!("złożone"));
}

#[test]
fn big_scenario_seeds_and_lists_quickly() {
    let mut shop = Shop::with(&catalogue::big(2_000, 300), false);
    assert_eq!(shop.get("/webapi/rest/products")["count"], json!("1980"));
    assert_eq!(shop.get("/webapi/rest/orders")["count"], json!("300"));
    let v = shop.filtered("/webapi/rest/products?limit=50", r#"{"stock.code":{"in":["KAT-00001","KAT-00002"]}}"#);
    assert_eq!(v["count"], json!("2"));
}
