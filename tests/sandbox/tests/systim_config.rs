//! Code 1, the ASSUMED surface switch, and the wire-shape knobs for client robustness tests.

mod systim_support;

use serde_json::{json, Value};
use systim_support::*;

const ASSUMED: [&str; 5] = ["listCategories", "listStores", "listDeliveryMethods", "listPaymentMethods", "listOrders"];

#[test]
fn an_unknown_act_is_code_6_naming_act_even_in_the_generous_profile() {
    let mut st = demo();
    let t = login(&mut st, T0);
    for act in ["listInvoicesXYZ", "", "listproducts", "dodajZamowienie", "getOrder", "changeOrderStatus", "addSellInvoiceFromOrder"] {
        let v = call(&mut st, &t, act, &[], T0);
        assert_eq!((code(&v), fields(&v)), (6, vec!["act".to_string()]), "{act}: {v}");
        assert_eq!(v["error"]["message"], "Nieprawidłowe wartości pól");
        assert_eq!(v["result"], Value::Null);
    }
    assert_eq!(code(&post(&mut st, &[("token", &t)], T0)), 6, "no act at all");
}

#[test]
fn the_unknown_method_knob_chooses_code_1_or_an_error_page() {
    let mut st = demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"unknown_method": "code1"})).unwrap();
    let v = call(&mut st, &t, "listInvoicesXYZ", &[], T0);
    assert_eq!((code(&v), v["error"]["message"].as_str()), (1, Some("Nieznana metoda")));
    st.configure(&json!({"unknown_method": "error_page"})).unwrap();
    for status in [200, 500] {
        st.configure(&json!({"error_page_status": status})).unwrap();
        let req = sandbox::wire::Request::new("POST", "/jsonAPI.php")
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_body(encode(&[("act", "listInvoicesXYZ"), ("token", &t)]));
        let resp = st.handle(&req, T0);
        assert_eq!(resp.status, status);
        assert!(resp.header("content-type").unwrap().starts_with("text/html"));
        assert!(resp.body_text().contains("Fatal error") && resp.body_text().contains("listInvoicesXYZ"));
        assert!(serde_json::from_slice::<Value>(&resp.body).is_err(), "not JSON");
    }
    assert!(st.configure(&json!({"unknown_method": "code2"})).is_err());
    assert!(st.configure(&json!({"error_page_status": 404})).is_err());
}

#[test]
fn assumed_methods_off_answer_code_1_in_the_generous_profile_and_documented_ones_still_work() {
    let mut st = demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"assumed_methods": false})).unwrap();
    for act in ASSUMED {
        assert_eq!(code(&call(&mut st, &t, act, &[], T0)), 1, "{act}");
    }
    for act in ["listProducts", "listVatRates", "listCompanies"] {
        assert_ne!(code(&call(&mut st, &t, act, &[], T0)), 1, "{act}");
    }
    assert_eq!(code(&call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0)), 0);
    st.configure(&json!({"unknown_method": "code6"})).unwrap();
    assert_eq!(code(&call(&mut st, &t, "listOrders", &[], T0)), 6, "an explicit knob applies to switched-off methods too");
    st.configure(&json!({"assumed_methods": true})).unwrap();
    for act in ASSUMED {
        assert!(![1, 6].contains(&code(&call(&mut st, &t, act, &[], T0))), "{act}");
    }
}

#[test]
fn assumed_off_reduces_product_fields_and_ignores_the_nip_filter() {
    let mut st = demo();
    let t = login(&mut st, T0);
    for nip in ["5862120928", "1234567890"] {
        call(&mut st, &t, "addCompany", &[("nazwa", "Firma"), ("ulica", "Długa 1"), ("kod", "00-001"), ("miejscowosc", "Gdynia"), ("nip", nip)], T0);
    }
    st.configure(&json!({"assumed_methods": false})).unwrap();
    let v = call(&mut st, &t, "listProducts", &[], T0);
    let keys: Vec<&String> = v["result"]["1"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "nazwa", "cena_netto", "jednostka", "stawka_vat"]);
    let v = call(&mut st, &t, "listCompanies", &[("nip", "5862120928")], T0);
    assert_eq!(result_map(&v).len(), sandbox::systim::CONTRACTORS.len() + 2, "an unknown filter is ignored: the whole list");
}

#[test]
fn any_method_can_be_disabled() {
    let mut st = demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"disabled_methods": ["listPQuantities"]})).unwrap();
    assert_eq!(code(&call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0)), 1);
    st.configure(&json!({"disabled_methods": []})).unwrap();
    assert_eq!(code(&call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0)), 0);
}

#[test]
fn configure_rejects_unknown_knobs_and_bad_values_all_or_nothing() {
    let mut st = demo();
    assert!(st.configure(&json!({"no_such_knob": 1})).is_err());
    assert!(st.configure(&json!({"warehouse_mode": "magic"})).is_err());
    assert!(st.configure(&json!({"token_ttl_s": -1})).is_err());
    assert!(st.configure(&json!({"code_as_string": "yes"})).is_err());
    assert!(st.configure(&json!([1, 2])).is_err());
    assert!(st.configure(&json!({"lists_as_arrays": true, "bogus": 1})).is_err());
    assert_eq!(st.state_json()["config"]["lists_as_arrays"], false, "nothing applied on error");
    st.configure(&json!({"warehouse_mode": "advanced", "empty_list": "object", "fields_as": "string"})).unwrap();
    let cfg = &st.state_json()["config"];
    assert_eq!((cfg["warehouse_mode"].as_str(), cfg["empty_list"].as_str(), cfg["fields_as"].as_str()), (Some("advanced"), Some("object"), Some("string")));
}

#[test]
fn code_as_string_and_fields_shapes() {
    let mut st = demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"code_as_string": true})).unwrap();
    assert_eq!(call(&mut st, &t, "listVatRates", &[], T0)["error"]["code"], "0");
    let bad = [("nazwa", "X")];
    assert_eq!(call(&mut st, &t, "addCompany", &bad, T0)["error"]["code"], "6");
    let expect = [
        ("object", json!({"miejscowosc": "Nie wypełniono wymaganych pól", "kod": "Nie wypełniono wymaganych pól", "ulica": "Nie wypełniono wymaganych pól"})),
        ("string", json!("miejscowosc,kod,ulica")),
        ("absent", Value::Null),
    ];
    for (shape, want) in expect {
        st.configure(&json!({"fields_as": shape})).unwrap();
        let v = call(&mut st, &t, "addCompany", &bad, T0);
        assert_eq!(v["error"]["fields"], want, "{shape}");
    }
    assert!(!call(&mut st, &t, "addCompany", &bad, T0)["error"].as_object().unwrap().contains_key("fields"));
}

#[test]
fn lists_as_arrays_decimal_comma_null_unset_and_method_echo() {
    let mut st = demo();
    let t = login(&mut st, T0);
    st.configure(&json!({"lists_as_arrays": true, "decimal_comma": true, "unset_as_null": true, "echo_method": true})).unwrap();
    let v = call(&mut st, &t, "listProducts", &[], T0);
    assert_eq!(v["method"], "listProducts");
    let first = &v["result"][0];
    assert_eq!(first["id"], "1");
    assert_eq!(first["cena_brutto"], "30,00");
    assert_eq!(first["kod_kreskowy"], Value::Null, "the mug has no EAN");
}

#[test]
fn empty_lists_are_code_8_or_configured_success() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let v = call(&mut st, &t, "listOrders", &[], T0);
    assert_eq!(code(&v), 8);
    assert_eq!(v["error"]["message"], "Brak danych");
    assert_eq!(v["result"], json!([]));
    assert_eq!(code(&call(&mut st, &t, "listCompanies", &[], T0)), 0, "the demo account has contractors");
    st.configure(&json!({"empty_list": "object"})).unwrap();
    let v = call(&mut st, &t, "listOrders", &[], T0);
    assert_eq!((code(&v), &v["result"]), (0, &json!({})));
    st.configure(&json!({"empty_list": "array"})).unwrap();
    let v = call(&mut st, &t, "listOrders", &[], T0);
    assert_eq!((code(&v), &v["result"]), (0, &json!([])));
}
