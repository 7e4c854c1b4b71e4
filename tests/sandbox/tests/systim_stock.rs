//! addProduct, warehouse modes and warehouse documents.

mod systim_support;

use serde_json::json;
use systim_support::*;

const PRODUCT: [(&str, &str); 8] = [
    ("nazwa", "Kubek nowy"),
    ("cena_brutto", "12.30"),
    ("cena_netto", "10.00"),
    ("id_kategorii", "3"),
    ("stawka_vat", "1"),
    ("rodzaj", "0"),
    ("kod_produktu", "KUB-NEW"),
    ("ilosc", "5.5"),
];

#[test]
fn simplified_mode_ilosc_sets_store_1_stock() {
    let mut st = scenario("warehouses");
    let t = login(&mut st, T0);
    let v = call(&mut st, &t, "addProduct", &PRODUCT, T0);
    let id = v["result"].as_u64().expect("integer id");
    assert_eq!(st.quantity(id, 1), Some(5_500));
    assert_eq!(st.quantity(id, 2), Some(0));
    let v = call(&mut st, &t, "listProducts", &[], T0);
    let rec = &v["result"][id.to_string()];
    assert_eq!((rec["ilosc"].as_str(), rec["kod_produktu"].as_str(), rec["cena_netto"].as_str()), (Some("5.50"), Some("KUB-NEW"), Some("10.00")));
    assert_eq!(st.state_json()["products"][id as usize - 1]["sent"]["ilosc"], "5.5");
}

#[test]
fn advanced_mode_ignores_ilosc_and_shows_no_product_quantity() {
    let mut st = demo();
    st.configure(&json!({"warehouse_mode": "advanced"})).unwrap();
    let t = login(&mut st, T0);
    let mut bad_qty = PRODUCT.to_vec();
    bad_qty.push(("ilosc", "not a number"));
    let id = call(&mut st, &t, "addProduct", &bad_qty, T0)["result"].as_u64().expect("ilosc is not even read");
    assert_eq!(st.quantity(id, 1), Some(0));
    let v = call(&mut st, &t, "listProducts", &[], T0);
    assert_eq!(v["result"]["1"]["ilosc"], "");
    let v = call(&mut st, &t, "listPQuantities", &[("id_magazynu", "1")], T0);
    assert_eq!(v["result"]["1"]["ilosc"], "20.00", "per-store stock is still there");
}

#[test]
fn add_product_names_missing_and_unknown_fields() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let v = call(&mut st, &t, "addProduct", &[("nazwa", "X")], T0);
    assert_eq!(code(&v), 6);
    assert_eq!(fields(&v), ["cena_brutto", "cena_netto", "id_kategorii", "stawka_vat", "rodzaj"]);
    let mut bad = PRODUCT.to_vec();
    bad.extend([("id_kategorii", "999"), ("stawka_vat", "23"), ("rodzaj", "2"), ("cena_brutto", "12.345")]);
    let v = call(&mut st, &t, "addProduct", &bad, T0);
    assert_eq!(fields(&v), ["cena_brutto", "id_kategorii", "stawka_vat", "rodzaj"]);
    let mut grouped = PRODUCT.to_vec();
    grouped.push(("naliczanie", "1"));
    assert_eq!(fields(&call(&mut st, &t, "addProduct", &grouped, T0)), ["ceny"]);
    let before = st.state_json()["products"].as_array().unwrap().len();
    let v = call(
        &mut st,
        &t,
        "addProduct",
        &[("nazwa", "Usługa montażu"), ("cena_brutto", "0"), ("cena_netto", "0"), ("id_kategorii", "2"), ("stawka_vat", "5"), ("rodzaj", "1"), ("ukryty", "1")],
        T0,
    );
    assert_eq!(v["result"], json!(before + 1), "ids continue after the seed");
    let v = call(&mut st, &t, "listProducts", &[], T0);
    let rec = &v["result"][(before + 1).to_string()];
    assert_eq!(
        (rec["rodzaj"].as_str(), rec["ukryty"].as_str(), rec["stawka_vat"].as_str(), rec["kod_produktu"].as_str()),
        (Some("1"), Some("1"), Some("5"), Some(""))
    );
}

#[test]
fn store_documents_move_stock() {
    let mut st = scenario("warehouses");
    let t = login(&mut st, T0);
    let doc = |rodzaj: &'static str, date: &'static str| {
        vec![
            ("rodzaj", rodzaj),
            ("id_magazynu", "1"),
            ("data_wystawienia", "2026-11-20"),
            (date, "2026-11-20"),
            ("pozycje[0][id_produktu]", "1"),
            ("pozycje[0][ilosc]", "2.5"),
            ("pozycje[0][cena_netto]", "24.39"),
        ]
    };
    assert_eq!(call(&mut st, &t, "addStoreDocument", &doc("3", "data_przyjecia"), T0)["result"], json!(1));
    assert_eq!(st.quantity(1, 1), Some(22_500));
    call(&mut st, &t, "addStoreDocument", &doc("4", "data_wydania"), T0);
    call(&mut st, &t, "addStoreDocument", &doc("4", "data_wydania"), T0);
    assert_eq!(st.quantity(1, 1), Some(17_500));
    let mut mm = doc("8", "data_operacji");
    mm.push(("id_magazynu_zrodlowego", "2"));
    call(&mut st, &t, "addStoreDocument", &mm, T0);
    assert_eq!((st.quantity(1, 1), st.quantity(1, 2)), (Some(20_000), Some(-1_500)));
    assert_eq!(st.state_json()["documents"].as_array().unwrap().len(), 4);
}

#[test]
fn store_documents_validate_kind_dates_stores_and_lines() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let v = call(&mut st, &t, "addStoreDocument", &[("rodzaj", "4"), ("id_magazynu", "1")], T0);
    assert_eq!(fields(&v), ["data_wystawienia", "data_wydania", "pozycje"]);
    let v = call(
        &mut st,
        &t,
        "addStoreDocument",
        &[("rodzaj", "5"), ("id_magazynu", "7"), ("data_wystawienia", "2026-11-20"), ("pozycje[0][id_produktu]", "99999"), ("pozycje[0][ilosc]", "-1")],
        T0,
    );
    assert_eq!(fields(&v), ["id_magazynu", "rodzaj", "pozycje[0][id_produktu]", "pozycje[0][ilosc]"]);
    let v = call(
        &mut st,
        &t,
        "addStoreDocument",
        &[
            ("rodzaj", "8"),
            ("id_magazynu", "1"),
            ("id_magazynu_zrodlowego", "1"),
            ("data_wystawienia", "2026-11-20"),
            ("data_operacji", "2026-11-20"),
            ("pozycje[0][id_produktu]", "1"),
            ("pozycje[0][ilosc]", "1"),
        ],
        T0,
    );
    assert_eq!(fields(&v), ["id_magazynu_zrodlowego"]);
    assert_eq!(st.quantity(1, 1), Some(20_000));
}
