//! No input makes the stand-in panic: every odd request gets an envelope.

mod shoper_util;

use sandbox::Request;
use serde_json::json;
use shoper_util::*;

#[test]
fn odd_paths_and_queries_get_envelopes() {
    let mut shop = Shop::demo();
    let paths = [
        "/webapi/rest",
        "/webapi/rest/",
        "/webapi/rest//orders",
        "/webapi/rest/orders/-1",
        "/webapi/rest/orders/99999999999999999999999",
        "/webapi/rest/orders/1.5",
        "/webapi/rest/orders?limit=-5&page=-1",
        "/webapi/rest/orders?limit=99999999999999999999999&page=99999999999999999999",
        "/webapi/rest/orders?filters[",
        "/webapi/rest/orders?filters[]=1",
        "/webapi/rest/orders?filters[a][b][c][d]=1",
        "/webapi/rest/orders?filters=%7B%22a%22%3A%7B%22in%22%3A5%7D%7D",
        "/webapi/rest/orders?filters=%7B%22order_id%22%3A%7B%22%3E%22%3A%7B%7D%7D%7D",
        "/webapi/rest/orders?filters=%7B%22billing_address%22%3A%7B%22like%22%3A%22%25%22%7D%7D",
        "/webapi/rest/orders?order=",
        "/webapi/rest/orders?order[]=%20",
        "/webapi/rest/orders?order=billing_address.city%20ASC",
        "/webapi/rest/products?filters=%7B%22stock.stock%22%3A%7B%22%3E%22%3A%221e999%22%7D%7D",
        "/webapi/rest/categories-tree/1",
        "/webapi/rest/application-config/1",
        "/webapi/rest/%00",
        "/webapireszta",
    ];
    for p in paths {
        let r = shop.call("GET", p, None);
        assert!(matches!(r.status, 200 | 400 | 404 | 405), "{p}: {}", r.status);
        if p.starts_with("/webapi/rest") && r.status != 200 {
            assert!(r.body_json()["error"].is_string(), "{p}: {}", r.body_text());
        }
    }
}

#[test]
fn odd_bodies_get_400_not_a_panic() {
    let mut shop = Shop::demo();
    let bodies = [
        json!({"stock": {"price": 1e308}}),
        json!({"stock": {"price": "99999999999999999999.99"}}),
        json!({"stock": {"stock": -1e20}}),
        json!({"stock": {"stock_relative": "NaN"}}),
        json!({"translations": "pl"}),
        json!({"translations": {"pl_PL": "nazwa"}}),
        json!({"categories": "1,2"}),
        json!({"categories": [1, "x"]}),
        json!({"tax_id": {"a": 1}}),
        json!({"tax_id": -1}),
        json!({"unit_id": 1.5}),
        json!({"stock": [1]}),
    ];
    for b in bodies {
        let r = shop.put("/webapi/rest/products/1", &b);
        assert_eq!(r.status, 400, "{b}: {}", r.body_text());
        assert!(r.body_json()["error_description"].as_str().unwrap().starts_with("Wartość pola '"), "{b}");
    }
    let deep = "[".repeat(10_000);
    let req = Request::new("POST", "/webapi/rest/products").with_header("Authorization", &format!("Bearer {}", shop.token)).with_body(deep.clone());
    assert_eq!(shop.send(req).status, 400);
    let req = Request::new("POST", "/webapi/rest/bulk").with_header("Authorization", &format!("Bearer {}", shop.token)).with_body(deep);
    assert_eq!(shop.send(req).status, 400);
    let req = Request::new("PUT", "/webapi/rest/orders/1").with_header("Authorization", &format!("Bearer {}", shop.token)).with_body(vec![0xff, 0xfe, 0x00]);
    assert_eq!(shop.send(req).status, 400);
}

#[test]
fn odd_order_and_line_writes() {
    let mut shop = Shop::demo();
    for b in [json!({"quantity": 0}), json!({"quantity": -2}), json!({"quantity": "dużo"}), json!({"price": "1e3"}), json!({"stock_id": 5})] {
        let r = shop.put("/webapi/rest/order-products/1", &b);
        assert_eq!(r.status, 400, "{b}: {}", r.body_text());
    }
    for b in [json!({"date": "jutro"}), json!({"email": "x"}), json!({"billing_address": "Kraków"}), json!({"billing_address": {"phone": ""}})] {
        assert_eq!(shop.put("/webapi/rest/orders/1", &b).status, 400, "{b}");
    }
    assert_eq!(shop.post("/webapi/rest/order-products", &json!({"order_id": 1, "product_id": "abc", "quantity": 1})).status, 400);
    assert_eq!(shop.post("/webapi/rest/order-products", &json!({"order_id": 1, "stock_id": 2, "product_id": 1, "quantity": 1})).status, 400);
}

#[test]
fn bad_knobs_and_specs_are_errors() {
    let mut shop = Shop::demo();
    for k in [json!(1), json!({"nie_ma": 1}), json!({"token_lifetime_s": -1}), json!({"warehouses_enabled": "tak"}), json!({"shop_url": 5})] {
        assert!(shop.st.configure(&k).is_err(), "{k}");
    }
    assert!(shop.st.configure(&json!({"rate_limit": {"limit": 5}, "nie_ma": 1})).is_err());
    assert_eq!(shop.st.state_json()["config"]["rate_limit"]["limit"], json!(10.0), "a rejected batch applies nothing");
    for spec in [
        json!(null),
        json!({"lines": "KUB-300"}),
        json!({"lines": [{"stock_id": 999999}]}),
        json!({"lines": [{"code": "KUB-300", "price": "tanio"}]}),
        json!({"lines": [{"code": "KUB-300"}], "locale": "xx_XX"}),
    ] {
        assert!(shop.st.place_storefront_order(&spec, shop.now).is_err(), "{spec}");
    }
}

#[test]
fn time_going_backwards_does_not_break_the_bucket() {
    let mut shop = Shop::with(&sandbox::catalogue::demo(), true);
    shop.call("GET", "/webapi/rest/orders/1", None);
    shop.now -= 10_000;
    let r = shop.call("GET", "/webapi/rest/orders/1", None);
    assert_eq!((r.status, r.header("X-Shop-Api-Calls")), (200, Some("2")));
    shop.now = 0;
    assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).status, 200);
    shop.now = u64::MAX;
    assert_eq!(shop.call("GET", "/webapi/rest/orders/1", None).status, 200);
}
