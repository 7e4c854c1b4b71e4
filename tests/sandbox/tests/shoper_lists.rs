//! List envelope, paging rules, every filter form and operator, dotted paths, ordering.

mod shoper_util;

use serde_json::{json, Value};
use shoper_util::*;

/// `order_id`s of an orders list call with a JSON filter.
fn order_ids(shop: &mut Shop, filters: &str) -> Vec<u64> {
    ids(&shop.filtered("/webapi/rest/orders?limit=50", filters), "order_id")
}

fn ids(list: &Value, key: &str) -> Vec<u64> {
    list["list"].as_array().unwrap().iter().map(|o| o[key].as_str().unwrap().parse().unwrap()).collect()
}

#[test]
fn envelope_has_count_as_a_string_and_result_headers() {
    let mut shop = Shop::demo();
    let r = shop.call("GET", "/webapi/rest/orders", None);
    let v = r.body_json();
    assert_eq!(v["count"], json!("17"));
    assert_eq!(v["pages"], json!(2));
    assert_eq!(v["page"], json!(1));
    assert_eq!(r.header("X-Shop-Result-Count"), Some("17"));
    assert_eq!(r.header("X-Shop-Result-Pages"), Some("2"));
}

#[test]
fn default_limit_is_10() {
    let mut shop = Shop::demo();
    assert_eq!(shop.get("/webapi/rest/products")["list"].as_array().unwrap().len(), 10);
}

#[test]
fn limit_over_50_silently_becomes_10() {
    let mut shop = Shop::demo();
    let v = shop.get("/webapi/rest/products?limit=60");
    assert_eq!(v["list"].as_array().unwrap().len(), 10);
    assert_eq!(v["pages"], json!(33)); // 324 products / 10
    assert_eq!(shop.get("/webapi/rest/products?limit=50")["list"].as_array().unwrap().len(), 50);
    assert_eq!(shop.get("/webapi/rest/products?limit=0")["list"].as_array().unwrap().len(), 10);
    assert_eq!(shop.get("/webapi/rest/products?limit=abc")["list"].as_array().unwrap().len(), 10);
}

#[test]
fn page_beyond_the_last_is_empty_and_clamped() {
    let mut shop = Shop::demo();
    let v = shop.get("/webapi/rest/orders?page=2");
    assert_eq!(ids(&v, "order_id"), vec![11, 12, 13, 14, 15, 16, 17]);
    let v = shop.get("/webapi/rest/orders?page=5");
    assert_eq!(v, json!({"count": "17", "pages": 2, "page": 2, "list": []}));
    let v = shop.get("/webapi/rest/orders?limit=50&page=2");
    assert_eq!((v["page"].clone(), v["list"].as_array().unwrap().len()), (json!(1), 0));
    assert_eq!(shop.get("/webapi/rest/orders?page=0")["page"], json!(1));
}

#[test]
fn empty_result_envelope() {
    let mut shop = Shop::demo();
    let v = shop.filtered("/webapi/rest/orders", r#"{"order_id":{">":1000}}"#);
    assert_eq!(v, json!({"count": "0", "pages": 0, "page": 1, "list": []}));
    let mut empty = Shop::with(&sandbox::catalogue::by_name("empty").unwrap(), false);
    assert_eq!(empty.get("/webapi/rest/products"), json!({"count": "0", "pages": 0, "page": 1, "list": []}));
}

#[test]
fn shorthand_equality_and_explicit_equals() {
    let mut shop = Shop::demo();
    assert_eq!(order_ids(&mut shop, r#"{"order_id":5}"#), vec![5]);
    assert_eq!(order_ids(&mut shop, r#"{"order_id":"5"}"#), vec![5]);
    assert_eq!(order_ids(&mut shop, r#"{"status_id":{"=":"8"}}"#), vec![11]);
    assert_eq!(order_ids(&mut shop, r#"{"email":"api@example.pl"}"#), vec![9]);
}

#[test]
fn comparison_operators_compare_numbers_numerically() {
    let mut shop = Shop::demo();
    assert_eq!(order_ids(&mut shop, r#"{"order_id":{">":9}}"#), vec![10, 11, 12, 13, 14, 15, 16, 17]);
    assert_eq!(order_ids(&mut shop, r#"{"order_id":{">=":"10"}}"#), vec![10, 11, 12, 13, 14, 15, 16, 17]);
    assert_eq!(order_ids(&mut shop, r#"{"order_id":{"<":3}}"#), vec![1, 2]);
    assert_eq!(order_ids(&mut shop, r#"{"order_id":{"<=":2}}"#), vec![1, 2]);
    assert_eq!(order_ids(&mut shop, r#"{"order_id":{">":3,"<":6}}"#), vec![4, 5]);
    assert_eq!(order_ids(&mut shop, r#"{"origin":{"!=":"0"}}"#), vec![4, 8, 9]);
    assert_eq!(order_ids(&mut shop, r#"{"origin":{"<>":0}}"#), vec![4, 8, 9]);
}

#[test]
fn date_range_filter_on_naive_local_dates() {
    let mut shop = Shop::demo();
    let f = r#"{"date":{">=":"2026-11-23 00:00:00","<=":"2026-11-23 23:59:59"}}"#;
    assert_eq!(order_ids(&mut shop, f), vec![7, 8, 9]);
}

#[test]
fn like_operator_spellings() {
    let mut shop = Shop::demo();
    for op in ["like", "LIKE", "~"] {
        let f = format!(r#"{{"email":{{"{op}":"%@allegromail.pl"}}}}"#);
        assert_eq!(order_ids(&mut shop, &f), vec![8], "{op}");
    }
    assert_eq!(order_ids(&mut shop, r#"{"email":{"like":"ADAM.%"}}"#), vec![1]);
    assert_eq!(order_ids(&mut shop, r#"{"email":{"like":"_dam.nowak@example.pl"}}"#), vec![1]);
}

#[test]
fn not_like_operator_spellings() {
    let mut shop = Shop::demo();
    for op in ["not like", "NOT LIKE", "!~"] {
        let f = format!(r#"{{"email":{{"{op}":"%example.pl"}}}}"#);
        assert_eq!(order_ids(&mut shop, &f), vec![8], "{op}");
    }
}

#[test]
fn in_and_not_in_spellings() {
    let mut shop = Shop::demo();
    assert_eq!(order_ids(&mut shop, r#"{"order_id":{"in":[1,2,3]}}"#), vec![1, 2, 3]);
    assert_eq!(order_ids(&mut shop, r#"{"order_id":{"IN":["4","5"]}}"#), vec![4, 5]);
    assert_eq!(order_ids(&mut shop, r#"{"origin":{"NOT IN":[0]}}"#), vec![4, 8, 9]);
    assert_eq!(order_ids(&mut shop, r#"{"origin":{"not_in":["0","3"]}}"#), vec![4, 9]);
}

#[test]
fn legacy_array_form() {
    let mut shop = Shop::demo();
    assert_eq!(order_ids(&mut shop, r#"{"order_id":[">", 10]}"#), vec![11, 12, 13, 14, 15, 16, 17]);
    assert_eq!(order_ids(&mut shop, r#"{"email":["=", "api@example.pl"]}"#), vec![9]);
}

#[test]
fn php_bracket_form() {
    let mut shop = Shop::demo();
    let v = shop.get("/webapi/rest/orders?filters%5Border_id%5D%5B%3E%5D=10");
    assert_eq!(ids(&v, "order_id"), vec![11, 12, 13, 14, 15, 16, 17]);
    let v = shop.get("/webapi/rest/orders?filters[order_id][>]=10&filters[order_id][<]=12");
    assert_eq!(ids(&v, "order_id"), vec![11]);
    let v = shop.get("/webapi/rest/orders?filters[email]=api%40example.pl");
    assert_eq!(ids(&v, "order_id"), vec![9]);
    let v = shop.get("/webapi/rest/orders?filters[order_id]=5");
    assert_eq!(ids(&v, "order_id"), vec![5]);
    let v = shop.get("/webapi/rest/orders?filters[order_id][in][]=2&filters[order_id][in][]=3");
    assert_eq!(ids(&v, "order_id"), vec![2, 3]);
}

#[test]
fn keyset_paging_recipe_works() {
    let mut shop = Shop::demo();
    let v = shop.filtered("/webapi/rest/orders?limit=5&order=order_id%20ASC", r#"{"order_id":{">":5}}"#);
    assert_eq!(ids(&v, "order_id"), vec![6, 7, 8, 9, 10]);
}

#[test]
fn products_bracket_filters_on_category_id_and_code_answer_404() {
    let mut shop = Shop::demo();
    for q in ["filters[category_id]=1", "filters[code]=KUB-300", "filters[code][like]=KUB%25"] {
        let r = shop.call("GET", &format!("/webapi/rest/products?{q}"), None);
        assert_eq!(r.status, 404, "{q}");
        assert_eq!(r.body_json(), json!({"error": "invalid_request", "error_description": "Resource not found"}));
    }
    // The JSON form of the same filter works.
    let v = shop.filtered("/webapi/rest/products", r#"{"category_id":1}"#);
    assert!(v["count"].as_str().unwrap().parse::<u32>().unwrap() > 0);
}

#[test]
fn dotted_path_into_stock() {
    let mut shop = Shop::demo();
    let v = shop.filtered("/webapi/rest/products", r#"{"stock.code":"KUB-300"}"#);
    assert_eq!(v["count"], json!("1"));
    assert_eq!(v["list"][0]["code"], json!("KUB-300"));
    let v = shop.filtered("/webapi/rest/products", r#"{"stock.code":{"IN":["KUB-300","HER-ZIE-100"]}}"#);
    assert_eq!(v["count"], json!("2"));
}

#[test]
fn dotted_path_reaches_variant_rows_through_the_join() {
    let mut shop = Shop::demo();
    let v = shop.filtered("/webapi/rest/products", r#"{"stock.code":"KOSZ-LEN-M"}"#);
    assert_eq!(v["count"], json!("1"));
    assert_eq!(v["list"][0]["code"], json!("KOSZ-LEN"), "the product is listed with its default stock");
}

#[test]
fn stock_join_duplicates_products_once_per_matching_row() {
    let mut shop = Shop::demo();
    // The shirt: base row 0 in stock, variants S=2, M=5, L=1.
    let f = r#"{"stock.stock":{">":0},"translations.pl_PL.name":"Koszula lniana"}"#;
    let v = shop.filtered("/webapi/rest/products", f);
    assert_eq!(v["count"], json!("3"));
    let pids: Vec<&Value> = v["list"].as_array().unwrap().iter().map(|p| &p["product_id"]).collect();
    assert!(pids.windows(2).all(|w| w[0] == w[1]), "same product repeated: {pids:?}");
}

#[test]
fn translations_paths_with_and_without_locale() {
    let mut shop = Shop::demo();
    for key in ["translations.name", "translations.pl_PL.name", "translation.pl_PL.name"] {
        let f = format!(r#"{{"{key}":{{"~":"%Młynek żeliwny do%"}}}}"#);
        let v = shop.filtered("/webapi/rest/products", &f);
        assert_eq!(v["count"], json!("1"), "{key}");
        assert_eq!(v["list"][0]["code"], json!("MLY-ZEL"));
    }
}

#[test]
fn string_equality_uses_a_case_insensitive_collation_by_default() {
    let mut shop = Shop::demo();
    let f = enc(r#"{"code":"CZEK-GORZ-70"}"#);
    let v = shop.get(&format!("/webapi/rest/product-stocks?filters={f}"));
    assert_eq!(v["list"][0]["code"], json!("czek-gorz-70"));
    let v = shop.filtered("/webapi/rest/product-stocks", r#"{"code":"MLY-ZEL   "}"#);
    assert_eq!(v["count"], json!("1"), "trailing spaces are ignored like MySQL PAD SPACE");
    shop.st.configure(&json!({"filters_case_insensitive": false})).unwrap();
    assert_eq!(shop.get(&format!("/webapi/rest/product-stocks?filters={f}"))["count"], json!("0"));
}

#[test]
fn order_with_direction_bare_field_and_repeated_terms() {
    let mut shop = Shop::demo();
    assert_eq!(ids(&shop.get("/webapi/rest/orders?order=order_id%20ASC&limit=3"), "order_id"), vec![1, 2, 3]);
    assert_eq!(ids(&shop.get("/webapi/rest/orders?order=order_id%20desc&limit=3"), "order_id"), vec![17, 16, 15]);
    // A bare field sorts descending.
    assert_eq!(ids(&shop.get("/webapi/rest/orders?order=order_id&limit=3"), "order_id"), vec![17, 16, 15]);
    let v = shop.get("/webapi/rest/orders?order[]=status_id%20DESC&order[]=order_id%20ASC&limit=3");
    assert_eq!(ids(&v, "order_id"), vec![11, 1, 2]);
    let v = shop.get("/webapi/rest/products?order=translations.pl_PL.name%20ASC&limit=1");
    assert_eq!(v["list"][0]["translations"]["pl_PL"]["name"], json!("Bon podarunkowy 50 zł"));
}

#[test]
fn numeric_ordering_of_string_columns() {
    let mut shop = Shop::demo();
    let f = enc(r#"{"price":{">=":"45","<":"130"}}"#);
    let v = shop.get(&format!("/webapi/rest/product-stocks?order=price%20ASC&limit=50&filters={f}"));
    let prices: Vec<f64> = v["list"].as_array().unwrap().iter().map(|r| num(&r["price"])).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert!(prices.first().unwrap() < &100.0 && prices.last().unwrap() >= &100.0, "{prices:?}");
}

#[test]
fn malformed_filters_and_order_answer_400() {
    let mut shop = Shop::demo();
    for q in [
        "filters=%7Bnot-json",
        "filters=%5B1%5D",
        "filters=%22x%22",
        &format!("filters={}", enc(r#"{"order_id":{"??":1}}"#)),
        "order=order_id%20UP",
        "order=order_id%20ASC%20x",
    ] {
        let r = shop.call("GET", &format!("/webapi/rest/orders?{q}"), None);
        assert_eq!(r.status, 400, "{q}: {}", r.body_text());
        assert_eq!(r.body_json()["error"], json!("invalid_request"));
    }
}
