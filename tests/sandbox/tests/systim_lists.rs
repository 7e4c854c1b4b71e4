//! List methods: keyed by id, string scalars, HTML escaping, dictionaries, stock per store.

mod systim_support;

use serde_json::{json, Value};
use systim_support::*;

const LISTS: [&str; 7] = ["listProducts", "listCategories", "listVatRates", "listStores", "listDeliveryMethods", "listPaymentMethods", "listCompanies"];

#[test]
fn lists_are_objects_keyed_by_id_with_string_scalars() {
    let mut st = demo();
    let t = login(&mut st, T0);
    call(&mut st, &t, "addCompany", &[("nazwa", "Firma"), ("ulica", "Długa 1"), ("kod", "00-001"), ("miejscowosc", "Gdynia")], T0);
    let mut checked = Vec::new();
    for (act, extra) in LISTS.iter().map(|a| (*a, vec![])).chain([("listPQuantities", vec![("id_magazynu", "1")])]) {
        let v = call(&mut st, &t, act, &extra, T0);
        assert_eq!(code(&v), 0, "{act}: {v}");
        for (key, rec) in result_map(&v) {
            let rec = rec.as_object().unwrap();
            let id = rec.get("id").or_else(|| rec.get("id_produktu")).unwrap();
            assert_eq!(id, &Value::String(key.clone()), "{act}: key is the record id");
            assert!(rec.values().all(|x| x.is_string() || x.is_null()), "{act}: {rec:?}");
        }
        checked.push(act);
    }
    assert_eq!(checked.len(), 8);
}

#[test]
fn product_record_has_the_contract_fields() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let v = call(&mut st, &t, "listProducts", &[], T0);
    assert_eq!(
        v["result"]["1"],
        json!({"id": "1", "nazwa": "Kubek ceramiczny 300 ml", "kod_produktu": "KUB-300", "kod_kreskowy": "", "cena_netto": "24.39",
               "cena_brutto": "30.00", "stawka_vat": "1", "id_kategorii": "3", "jednostka": "szt.", "rodzaj": "0", "ukryty": "0", "ilosc": "20.00"})
    );
}

#[test]
fn texts_are_html_escaped_on_output_and_raw_in_state() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let v = call(&mut st, &t, "listProducts", &[], T0);
    let id = st.product_ids_by_code("HER-AMP")[0].to_string();
    assert_eq!(v["result"][&id]["nazwa"], "Herbata &quot;Earl Grey&quot; &amp; bergamotka &lt;100 g&gt;");
    let added = call(&mut st, &t, "addCompany", &[("nazwa", "Kowalski & Synowie 'K'"), ("ulica", "a"), ("kod", "b"), ("miejscowosc", "c")], T0);
    let id = added["result"].to_string();
    let v = call(&mut st, &t, "listCompanies", &[], T0);
    assert_eq!(v["result"][&id]["nazwa"], "Kowalski &amp; Synowie &#039;K&#039;");
    let state = st.state_json();
    let company = state["companies"].as_array().unwrap().iter().find(|c| c["id"].as_u64().map(|n| n.to_string()) == Some(id.clone())).unwrap();
    assert_eq!(company["sent"]["nazwa"], "Kowalski & Synowie 'K'");
    // A seeded contractor's Polish name, escaped the same way (none of its characters needs it).
    assert_eq!(v["result"]["4"]["nazwa"], "Palarnia Śląska Jan Kowalczyk");
}

#[test]
fn dictionaries_match_a_default_account() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let names = |v: &Value, field: &str| result_map(v).values().map(|r| r[field].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let v = call(&mut st, &t, "listVatRates", &[], T0);
    assert_eq!(names(&v, "nazwa"), ["23%", "8%", "5%", "0%", "zw", "np", "oo"]);
    assert_eq!(names(&v, "stawka"), ["23", "8", "5", "0", "0", "0", "0"]);
    let v = call(&mut st, &t, "listPaymentMethods", &[], T0);
    assert_eq!(names(&v, "nazwa"), ["przelew", "gotówka", "barter", "za pobraniem", "rozliczenie saldami", "karta płatnicza"]);
    let v = call(&mut st, &t, "listDeliveryMethods", &[], T0);
    assert_eq!(v["result"]["1"], json!({"id": "1", "nazwa": "Przesyłka kurierska"}));
    assert_eq!(result_map(&v).len(), 4);
    let v = call(&mut st, &t, "listCategories", &[], T0);
    assert_eq!(v["result"]["1"], json!({"id": "1", "nazwa": "Domyślna", "id_rodzica": "0"}));
    assert_eq!(v["result"]["2"]["nazwa"], "Usługi");
    let v = call(&mut st, &t, "listStores", &[], T0);
    assert_eq!(v["result"], json!({"1": {"id": "1", "nazwa": "Magazyn główny"}}));
}

#[test]
fn quantities_per_store_and_unknown_store_is_code_6() {
    let mut st = scenario("warehouses");
    let t = login(&mut st, T0);
    let mug = st.product_ids_by_code("KUB-300")[0].to_string();
    let v1 = call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0);
    let v2 = call(&mut st, &t, "listPQuantities", &[("id_magazynu", "2")], T0);
    assert_eq!(v1["result"][&mug], json!({"id_produktu": mug, "nazwa_produktu": "Kubek ceramiczny 300 ml", "kod_kreskowy": null, "ilosc": "20.00"}));
    assert_eq!(v2["result"][&mug]["ilosc"], "1.00");
    let regular = st.product_ids_by_code("KAT-00040")[0].to_string();
    assert_eq!(v1["result"][&regular]["kod_kreskowy"], "5900010000401");
    let dostawa = dostawa_id(&st);
    assert!(v1["result"].get(&dostawa).is_none(), "services have no stock rows");
    for (id, field) in [("3", "id_magazynu"), ("abc", "id_magazynu"), ("", "id_magazynu")] {
        let v = call(&mut st, &t, "listPQuantities", &[("id_magazynu", id)], T0);
        assert_eq!((code(&v), fields(&v)), (6, vec![field.to_string()]), "{id}");
    }
}

#[test]
fn quantities_print_like_systim() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let q = |v: &Value, code: &str, st: &sandbox::systim::SystimState| v["result"][st.product_ids_by_code(code)[0].to_string()]["ilosc"].clone();
    let v = call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0);
    assert_eq!(q(&v, "KOSZ-BAW-L", &st), "7.50");
    assert_eq!(q(&v, "PIE-CZA-KG", &st), "3.75");
    assert_eq!(q(&v, "NOW-PRZ-KUR", &st), "1.25");
    assert_eq!(q(&v, "HER-CZA-50", &st), "-2.00");
    assert_eq!(q(&v, "KAW-KOL-1KG", &st), "0.00");
    let id = st.product_ids_by_code("KUB-300")[0];
    st.set_quantity(id, 1, 1).unwrap();
    let v = call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0);
    assert_eq!(q(&v, "KUB-300", &st), "0.001");
    assert!(st.set_quantity(id, 9, 1).is_err() && st.set_quantity(99_999, 1, 1).is_err());
}
