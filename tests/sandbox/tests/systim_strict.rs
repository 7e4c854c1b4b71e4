//! The strict profile: Systim as public integrator code shows it
//! (`shared/reference/systim-public-code.md`), and the knobs it brings (`unknown_method`,
//! `pquantities_key`, `null_quantities`, `refuse`).

mod systim_support;

use serde_json::{json, Value};
use systim_support::*;

/// The methods no public code calls, which the strict account does not have.
const ABSENT: [&str; 8] =
    ["listCategories", "listStores", "listOrders", "listDeliveryMethods", "listPaymentMethods", "getOrder", "changeOrderStatus", "addSellInvoiceFromOrder"];

fn mug(st: &sandbox::systim::SystimState) -> u64 {
    st.product_ids_by_code("KUB-300")[0]
}

#[test]
fn methods_no_public_code_calls_answer_code_6_naming_act() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    for act in ABSENT {
        let v = call(&mut st, &t, act, &[], T0);
        assert_eq!((code(&v), fields(&v)), (6, vec!["act".to_string()]), "{act}: {v}");
        assert_eq!(v["error"]["message"], "Nieprawidłowe wartości pól");
    }
    // Turning the generous switch on does not bring them back: the profile decides.
    st.configure(&json!({"assumed_methods": true})).unwrap();
    assert_eq!(code(&call(&mut st, &t, "listOrders", &[], T0)), 6);
    assert_eq!(st.state_json()["config"]["profile"], "strict");
}

#[test]
fn the_confirmed_methods_all_work() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    for (act, params) in [("listProducts", vec![]), ("listVatRates", vec![]), ("listPQuantities", vec![("id_magazynu", "1")])] {
        assert_eq!(code(&call(&mut st, &t, act, &params, T0)), 0, "{act}");
    }
    let company = call(&mut st, &t, "addCompany", &[("nazwa", "Firma"), ("ulica", "Długa 1"), ("kod", "00-001"), ("miejscowosc", "Gdynia")], T0);
    assert_eq!(code(&company), 0, "{company}");
    assert_eq!(code(&call(&mut st, &t, "listCompanies", &[], T0)), 0);
    let product = [("nazwa", "Nowy"), ("cena_brutto", "12.30"), ("cena_netto", "10.00"), ("id_kategorii", "1"), ("stawka_vat", "1"), ("rodzaj", "0")];
    assert_eq!(code(&call(&mut st, &t, "addProduct", &product, T0)), 0);
    let pairs = order_pairs("Shoper 1 @ sklep", &dostawa_id(&st));
    let order = add_order(&mut st, &t, &pairs, &[], T0);
    assert_eq!(code(&order), 0, "{order}");
    assert_eq!(st.order_count(), 1);
}

#[test]
fn absent_methods_can_answer_an_error_page_or_code_1_instead() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"unknown_method": "error_page", "error_page_status": 500})).unwrap();
    let req = sandbox::wire::Request::new("POST", "/jsonAPI.php")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(encode(&[("act", "listDeliveryMethods"), ("token", &t)]));
    let resp = st.handle(&req, T0);
    assert_eq!(resp.status, 500);
    assert!(serde_json::from_slice::<Value>(&resp.body).is_err(), "a PHP page, not JSON: {}", resp.body_text());
    assert!(resp.body_text().contains("Call to undefined method") && resp.body_text().contains("listDeliveryMethods"));
    st.configure(&json!({"unknown_method": "code1"})).unwrap();
    assert_eq!(code(&call(&mut st, &t, "listStores", &[], T0)), 1);
}

#[test]
fn switched_off_methods_answer_code_6_in_the_strict_profile() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"disabled_methods": ["listPQuantities"]})).unwrap();
    let v = call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0);
    assert_eq!((code(&v), fields(&v)), (6, vec!["act".to_string()]));
}

#[test]
fn list_companies_ignores_the_nip_parameter() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    for nip in ["5862120928", "1234567890"] {
        call(&mut st, &t, "addCompany", &[("nazwa", "Firma"), ("ulica", "Długa 1"), ("kod", "00-001"), ("miejscowosc", "Gdynia"), ("nip", nip)], T0);
    }
    let seeded = sandbox::systim::CONTRACTORS.len();
    let v = call(&mut st, &t, "listCompanies", &[("nip", "5862120928")], T0);
    assert_eq!(result_map(&v).len(), seeded + 2, "the whole list comes back: {v}");
    // The generous profile filters (the contract's ASSUMED filter): the seeded contractor with
    // that NIP (`586-212-09-28`) and the one just added.
    st.configure(&json!({"profile": "generous"})).unwrap();
    assert_eq!(result_map(&call(&mut st, &t, "listCompanies", &[("nip", "586-212-09-28")], T0)).len(), 2);
}

#[test]
fn quantity_rows_carry_no_product_id_and_are_keyed_by_it() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    let v = call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0);
    let id = mug(&st).to_string();
    assert_eq!(v["result"][&id], json!({"nazwa_produktu": "Kubek ceramiczny 300 ml", "kod_kreskowy": null, "ilosc": "20.00"}));
    for (key, row) in result_map(&v) {
        let names: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(names, ["nazwa_produktu", "kod_kreskowy", "ilosc"], "row {key}");
    }
}

#[test]
fn quantity_rows_can_be_keyed_by_an_opaque_row_number() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"pquantities_key": "row"})).unwrap();
    let v = call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0);
    let rows = result_map(&v);
    let products = st.state_json()["products"].as_array().unwrap().clone();
    let goods = products.iter().filter(|p| p["rodzaj"] == 0).count();
    let mut keys: Vec<u64> = rows.keys().map(|k| k.parse().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, (1..=goods as u64).collect::<Vec<_>>(), "one row number per goods product");
    // The mug's row is found by its name; its key names another product.
    let (key, _) = rows.iter().find(|(_, r)| r["nazwa_produktu"] == "Kubek ceramiczny 300 ml").unwrap();
    assert_ne!(key, &mug(&st).to_string(), "the key is not the product id");
    let mismatched = rows.iter().filter(|(k, r)| {
        let named = products.iter().find(|p| p["id"].as_u64() == k.parse::<u64>().ok());
        named.is_none_or(|p| p["nazwa"] != r["nazwa_produktu"])
    });
    assert!(mismatched.count() > goods / 2, "most keys name another product than their row");
    // A barcode join finds the right row.
    let regular = st.product_ids_by_code("KAT-00040")[0];
    let ean = products.iter().find(|p| p["id"] == regular).unwrap()["kod_kreskowy"].clone();
    assert_eq!(rows.values().filter(|r| r["kod_kreskowy"] == ean).count(), 1);
}

#[test]
fn the_strict_demo_has_null_quantities_and_the_knob_sets_them() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    let qty = |st: &mut sandbox::systim::SystimState, code: &str| {
        let id = st.product_ids_by_code(code)[0].to_string();
        let v = call(st, &t, "listPQuantities", &[("id_magazynu", "1")], T0);
        v["result"][&id]["ilosc"].clone()
    };
    assert_eq!(qty(&mut st, "KSI-HERB"), Value::Null);
    assert_eq!(qty(&mut st, "KURS-PARZ"), Value::Null);
    assert_eq!(qty(&mut st, "KUB-300"), "20.00");
    // The state says which quantities Systim withholds (what an audit must leave alone).
    let state = st.state_json();
    let book = st.product_ids_by_code("KSI-HERB")[0];
    let nulls: Vec<u64> = state["null_quantities"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(nulls.contains(&book) && nulls.len() == 2, "{nulls:?}");
    assert_eq!(state["products"].as_array().unwrap().iter().filter(|p| p["quantity_null"] == true).count(), 2);
    let mug = mug(&st);
    st.configure(&json!({"null_quantities": [mug]})).unwrap();
    assert_eq!(qty(&mut st, "KUB-300"), Value::Null);
    assert_eq!(qty(&mut st, "KSI-HERB"), "5.00", "the knob replaces the profile's default");
    assert_eq!(st.quantity(mug, 1), Some(20_000), "the stock itself is unchanged");
    // The generous profile has none by default.
    let mut gen = demo();
    let t2 = login(&mut gen, T0);
    let v = call(&mut gen, &t2, "listPQuantities", &[("id_magazynu", "1")], T0);
    assert!(result_map(&v).values().all(|r| r["ilosc"].is_string()));
}

#[test]
fn refuse_answers_codes_10_and_16_with_polish_texts_and_commits_nothing() {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"refuse": {"addOrder": 16, "addProduct": 10, "addCompany": 6}})).unwrap();
    let pairs = order_pairs("Shoper 7 @ sklep", &dostawa_id(&st));
    let v = add_order(&mut st, &t, &pairs, &[], T0);
    assert_eq!(code(&v), 16);
    assert!(v["error"]["message"].as_str().unwrap().starts_with("Miesiąc księgowy jest zamknięty"));
    assert_eq!(st.order_count(), 0, "nothing committed");
    let products = st.state_json()["products"].as_array().unwrap().len();
    let v = call(
        &mut st,
        &t,
        "addProduct",
        &[("nazwa", "X"), ("cena_brutto", "1"), ("cena_netto", "1"), ("id_kategorii", "1"), ("stawka_vat", "1"), ("rodzaj", "0")],
        T0,
    );
    assert_eq!((code(&v), v["error"]["message"].as_str()), (10, Some("Ta wersja programu nie pozwala na wykonanie tej operacji")));
    assert_eq!(st.state_json()["products"].as_array().unwrap().len(), products);
    let v = call(&mut st, &t, "addCompany", &[("nazwa", "Firma"), ("ulica", "a"), ("kod", "b"), ("miejscowosc", "c")], T0);
    assert_eq!((code(&v), fields(&v)), (6, vec!["othr".to_string()]), "a plan limit, as seen live");
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0)), 0, "other methods are served");
    st.configure(&json!({"refuse": {}})).unwrap();
    assert_eq!(code(&add_order(&mut st, &t, &pairs, &[], T0)), 0);
    assert!(st.configure(&json!({"refuse": {"addOrder": 0}})).is_err());
    assert!(st.configure(&json!({"refuse": ["addOrder"]})).is_err());
}

#[test]
fn throttling_is_code_2_in_the_strict_profile_too() {
    let mut st = strict_demo();
    st.configure(&json!({"throttle_per_minute": 3})).unwrap();
    let t = login(&mut st, T0);
    for _ in 0..2 {
        assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0)), 0);
    }
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0)), 2);
    assert_eq!(code(&call(&mut st, &t, "listVatRates", &[], T0 + MINUTE)), 0);
}

#[test]
fn the_profile_is_a_knob_and_tokens_are_38_hex_digits_in_both() {
    let mut st = demo();
    assert_eq!(st.state_json()["config"]["profile"], "generous");
    let t = login(&mut st, T0);
    assert_eq!(code(&call(&mut st, &t, "listOrders", &[], T0)), 8, "generous: listOrders exists (empty)");
    st.configure(&json!({"profile": "strict"})).unwrap();
    assert_eq!(code(&call(&mut st, &t, "listOrders", &[], T0)), 6);
    assert_eq!(login(&mut st, T0).len(), 38);
    assert!(st.configure(&json!({"profile": "lenient"})).is_err());
}
