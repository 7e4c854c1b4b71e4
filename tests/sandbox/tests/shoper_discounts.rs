//! Discounts on the whole order (shoper-api.md §13): promotion codes, the order's discount
//! fields, free shipping, and both ways a shop may show a discount on its lines (§13.4: the
//! `order_discounts` knob).

mod shoper_util;

use serde_json::{json, Value};
use shoper_util::*;

/// 2 mugs at 30,00 zł (23 %), 3 teas at 18,99 zł (5 %), 1,25 kg of pepper at 89,90 zł (8 %):
/// 229,35 zł of goods (229,345 before rounding), 14,99 zł shipping.
fn basket(extra: Value) -> Value {
    let mut spec = json!({"lines": [{"code": "KUB-300", "quantity": 2}, {"code": "HER-ZIE-100", "quantity": 3}, {"code": "PIE-CZA-KG", "quantity": "1.25"}],
        "shipping_cost": "14.99", "email": "rabat@example.pl"});
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    spec
}

fn place(shop: &mut Shop, spec: Value) -> (Value, Vec<Value>) {
    let oid = shop.st.place_storefront_order(&spec, shop.now).unwrap();
    let order = shop.get(&format!("/webapi/rest/orders/{oid}"));
    let lines = shop.filtered("/webapi/rest/order-products", &format!(r#"{{"order_id":{oid}}}"#))["list"].as_array().unwrap().clone();
    (order, lines)
}

fn field(lines: &[Value], key: &str) -> Vec<String> {
    lines.iter().map(|l| l[key].as_str().unwrap().to_string()).collect()
}

#[test]
fn promotion_codes_are_a_read_only_resource() {
    let mut shop = Shop::demo();
    let code = shop.get("/webapi/rest/promotion-codes/2");
    assert_eq!((code["code"].clone(), code["discount_type"].clone(), code["discount"].clone()), (json!("RABAT20"), json!("2"), json!("20.00")));
    assert_eq!(code["max_discount_amount"], Value::Null);
    assert_eq!(shop.post("/webapi/rest/promotion-codes", &json!({"code": "NOWY"})).status, 405);
    assert_eq!(shop.filtered("/webapi/rest/promotion-codes", r#"{"discount_type":"3"}"#)["list"][0]["code"], json!("DARMOWA"));
}

#[test]
fn by_default_only_the_sum_shows_the_discount() {
    let mut shop = Shop::demo();
    let (o, lines) = place(&mut shop, basket(json!({"promo_code": "zima10", "discount_client": "5"})));
    assert_eq!(field(&lines, "price"), ["30.00", "18.99", "89.90"]);
    assert_eq!(field(&lines, "discount_perc"), ["0.0000", "0.0000", "0.0000"]);
    // 15 % of the goods, rounded once: 229.345 × 0.85 = 194.94; plus shipping.
    assert_eq!(o["sum"], json!("209.93"));
    let fields: Vec<Value> =
        ["discount_client", "discount_group", "discount_levels", "discount_code", "code_id", "promo_code"].iter().map(|k| o[*k].clone()).collect();
    assert_eq!(fields, [json!("5"), json!("0"), json!("0"), json!("10"), json!("1"), json!("ZIMA10")]);
    assert!(o.get("_order_discount").is_none());
}

#[test]
fn lines_can_show_the_discount_in_their_prices() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"order_discounts": "in_line_prices"})).unwrap();
    let (o, lines) = place(&mut shop, basket(json!({"promo_code": "ZIMA10"})));
    assert_eq!(field(&lines, "price"), ["27.00", "17.09", "80.91"]);
    assert_eq!(field(&lines, "discount_perc"), ["10.0000", "10.0000", "10.0000"]);
    // Σ lines + shipping: 54.00 + 51.27 + 101.14 (1.25 × 80.91 = 101.1375) + 14.99.
    assert_eq!(o["sum"], json!("221.40"));
}

#[test]
fn lines_can_carry_list_prices_with_the_discount_still_to_apply() {
    let mut shop = Shop::demo();
    shop.st.configure(&json!({"order_discounts": "line_discount_perc"})).unwrap();
    let (o, lines) = place(&mut shop, basket(json!({"discount_group": "10"})));
    assert_eq!(field(&lines, "price"), ["30.00", "18.99", "89.90"]);
    assert_eq!(field(&lines, "discount_perc"), ["10.0000", "10.0000", "10.0000"]);
    // Per line: 54.00 + 51.27 (51.273) + 101.14 (112.38 × 0.9 = 101.142) + 14.99.
    assert_eq!(o["sum"], json!("221.40"));
    assert_eq!(o["code_id"], Value::Null);
}

#[test]
fn an_amount_code_comes_off_the_goods_in_every_convention() {
    for knob in ["sum_only", "in_line_prices", "line_discount_perc"] {
        let mut shop = Shop::demo();
        shop.st.configure(&json!({"order_discounts": knob})).unwrap();
        let (o, lines) = place(&mut shop, basket(json!({"promo_code": "RABAT20"})));
        assert_eq!(field(&lines, "price"), ["30.00", "18.99", "89.90"], "{knob}: no percentage, no line changes");
        assert_eq!((o["sum"].clone(), o["discount_code"].clone(), o["code_id"].clone()), (json!("224.34"), json!("0"), json!("2")), "{knob}");
    }
}

#[test]
fn a_free_shipping_code_zeroes_the_shipping_cost() {
    let mut shop = Shop::demo();
    let (o, _) = place(&mut shop, basket(json!({"promo_code": "DARMOWA"})));
    assert_eq!((o["shipping_cost"].clone(), o["sum"].clone()), (json!("0.00"), json!("229.35")));
    // LATO15: 15 % and free shipping.
    let (o, _) = place(&mut shop, basket(json!({"promo_code": "LATO15"})));
    assert_eq!((o["shipping_cost"].clone(), o["sum"].clone()), (json!("0.00"), json!("194.94")));
}

#[test]
fn a_100_percent_code_and_an_amount_larger_than_the_goods_leave_the_shipping() {
    let mut shop = Shop::demo();
    let (o, _) = place(&mut shop, basket(json!({"promo_code": "GRATIS100"})));
    assert_eq!(o["sum"], json!("14.99"));
    let (o, _) = place(&mut shop, json!({"lines": [{"code": "HER-ZIE-100", "quantity": 1}], "shipping_cost": "14.99", "promo_code": "RABAT20"}));
    assert_eq!(o["sum"], json!("14.99"), "a 20 zł code on 18,99 zł of goods");
}

#[test]
fn bad_discounts_are_refused_and_nothing_is_placed() {
    let mut shop = Shop::demo();
    let before = shop.get("/webapi/rest/orders")["count"].clone();
    for spec in [basket(json!({"promo_code": "NIEMA"})), basket(json!({"discount_client": "120"})), basket(json!({"discount_group": "dużo"}))] {
        assert!(shop.st.place_storefront_order(&spec, shop.now).is_err(), "{spec}");
    }
    assert_eq!(shop.get("/webapi/rest/orders")["count"], before);
    assert!(shop.st.configure(&json!({"order_discounts": "sometimes"})).is_err());
}
