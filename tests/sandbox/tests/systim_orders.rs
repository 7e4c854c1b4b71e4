//! addOrder / listOrders / addCompany / listCompanies.

mod systim_support;

use serde_json::{json, Value};
use systim_support::*;

fn setup() -> (sandbox::systim::SystimState, String, Vec<(String, String)>) {
    let mut st = demo();
    let t = login(&mut st, T0);
    let pairs = order_pairs("Shoper 1001 @ sklep.example.pl", &dostawa_id(&st));
    (st, t, pairs)
}

#[test]
fn add_order_stores_everything_sent_and_returns_an_integer_id() {
    let (mut st, t, pairs) = setup();
    let v = add_order(&mut st, &t, &pairs, &[], T0);
    assert_eq!(v["error"]["code"], 0, "{v}");
    assert_eq!(v["result"], json!(1));
    let state = st.state_json();
    let o = &state["orders"][0];
    assert_eq!(o["numer"], "ZAM/1/2026");
    assert_eq!(o["data"], "2026-11-20");
    assert_eq!(o["sent"]["telefon"], "640432543");
    assert_eq!(o["sent"]["produkty"]["1"]["cena"], "14.99");
    assert!(o["sent"].get("token").is_none() && o["sent"].get("act").is_none());
    assert_eq!(o["lines"].as_array().unwrap().len(), 2);
    assert_eq!(o["lines"][1]["id"].as_u64().unwrap().to_string(), dostawa_id(&st));
    assert_eq!(o["suma_brutto"], "74.99");
    assert_eq!(st.quantity(1, 1), Some(20_000), "addOrder does not touch stock");
}

#[test]
fn the_same_order_twice_makes_two_orders() {
    let (mut st, t, pairs) = setup();
    let a = add_order(&mut st, &t, &pairs, &[], T0);
    let b = add_order(&mut st, &t, &pairs, &[], T0);
    assert_eq!((&a["result"], &b["result"]), (&json!(1), &json!(2)));
    assert_eq!(st.orders_with_marker("Shoper 1001 @ sklep.example.pl"), 2);
    assert_eq!(st.state_json()["orders"][1]["numer"], "ZAM/2/2026");
    let given = add_order(&mut st, &t, &pairs, &[("numer", Some("SHOP/1001"))], T0);
    assert_eq!(st.state_json()["orders"][2]["numer"], "SHOP/1001", "{given}");
    add_order(&mut st, &t, &pairs, &[], T0);
    assert_eq!(st.state_json()["orders"][3]["numer"], "ZAM/3/2026", "a given number does not use up the sequence");
}

#[test]
fn missing_buyer_and_delivery_fields_are_named() {
    let (mut st, t, pairs) = setup();
    let v = add_order(&mut st, &t, &pairs, &[("ulica", None), ("kod_dostawy", Some(" ")), ("imie", None), ("id_dostawy", None)], T0);
    assert_eq!(code(&v), 6);
    assert_eq!(fields(&v), ["ulica", "kod_dostawy", "id_dostawy", "imie"]);
    assert_eq!(v["error"]["message"], "Nie wypełniono wymaganych pól");
    // An existing orderer replaces first and last name.
    call(&mut st, &t, "addCompany", &[("nazwa", "Firma"), ("ulica", "a"), ("kod", "b"), ("miejscowosc", "c")], T0);
    let v = add_order(&mut st, &t, &pairs, &[("imie", None), ("nazwisko", None), ("id_zamawiajacego", Some("1"))], T0);
    assert_eq!(code(&v), 0, "{v}");
    let v = add_order(&mut st, &t, &pairs, &[("id_zamawiajacego", Some("99"))], T0);
    assert_eq!(fields(&v), ["id_zamawiajacego"]);
    assert_eq!(st.order_count(), 1);
}

#[test]
fn unknown_ids_are_code_6_naming_the_field() {
    let (mut st, t, pairs) = setup();
    let v = add_order(&mut st, &t, &pairs, &[("produkty[1][id]", Some("999999")), ("id_formy_platnosci", Some("9")), ("id_waluty", Some("3"))], T0);
    assert_eq!(code(&v), 6);
    assert_eq!(fields(&v), ["id_formy_platnosci", "id_waluty", "produkty[1][id]"]);
    assert_eq!(v["error"]["message"], "Nieprawidłowe wartości pól");
    let v = add_order(&mut st, &t, &pairs, &[("produkty[0][id_stawki_vat]", Some("42")), ("produkty[0][ilosc]", Some("0"))], T0);
    assert_eq!(fields(&v), ["produkty[0][id_stawki_vat]", "produkty[0][ilosc]"]);
    let v = add_order(&mut st, &t, &pairs, &[("produkty[0][cena]", Some("30,00"))], T0);
    assert_eq!(fields(&v), ["produkty[0][cena]"]);
    assert_eq!(st.order_count(), 0);
}

#[test]
fn a_price_without_a_vat_rate_id_is_code_6() {
    let (mut st, t, pairs) = setup();
    let v = add_order(&mut st, &t, &pairs, &[("produkty[1][id_stawki_vat]", None)], T0);
    assert_eq!((code(&v), fields(&v)), (6, vec!["produkty[1][id_stawki_vat]".to_string()]));
    // Without a price the product's own price and rate apply: 2 × 30.00 + 14.99.
    let v = add_order(&mut st, &t, &pairs, &[("produkty[0][cena]", None), ("produkty[0][id_stawki_vat]", None)], T0);
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(st.state_json()["orders"][0]["suma_brutto"], "74.99");
}

#[test]
fn price_is_accepted_as_an_alias_of_cena() {
    let (mut st, t, pairs) = setup();
    let v = add_order(&mut st, &t, &pairs, &[("produkty[0][cena]", None), ("produkty[0][price]", Some("25.50"))], T0);
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(st.state_json()["orders"][0]["suma_brutto"], "65.99");
    assert_eq!(st.state_json()["orders"][0]["lines"][0]["sent"]["price"], "25.50");
}

#[test]
fn lines_missing_or_malformed_are_named() {
    let (mut st, t, pairs) = setup();
    let no_lines: Vec<(String, String)> = pairs.iter().filter(|(k, _)| !k.starts_with("produkty")).cloned().collect();
    assert_eq!(fields(&add_order(&mut st, &t, &no_lines, &[], T0)), ["produkty"]);
    assert_eq!(fields(&add_order(&mut st, &t, &no_lines, &[("produkty", Some("1"))], T0)), ["produkty"]);
    let v = add_order(&mut st, &t, &pairs, &[("produkty[0][id]", None), ("produkty[1][ilosc]", None)], T0);
    assert_eq!(fields(&v), ["produkty[0][id]", "produkty[1][ilosc]"]);
}

#[test]
fn suma_brutto_is_exact_in_gross_and_net_modes() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let kg = st.product_ids_by_code("PIE-CZA-KG")[0].to_string();
    let base = order_pairs("M", &kg);
    // 0.75 kg × 80.91 = 60.6825 → 60.68, plus 2 × 30.00.
    let v = add_order(
        &mut st,
        &t,
        &base,
        &[("produkty[1][ilosc]", Some("0.75")), ("produkty[1][cena]", Some("80.91")), ("produkty[1][id_stawki_vat]", Some("2"))],
        T0,
    );
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(st.state_json()["orders"][0]["suma_brutto"], "120.68");
    // Net prices: 2 × 24.39 = 48.78 → × 1.23 = 60.00 (59.9994); 0.75 × 83.24 net at 8 % = 62.43 → 67.42 (67.4244).
    let net = [
        ("naliczanie_brutto", Some("0")),
        ("produkty[0][cena]", Some("24.39")),
        ("produkty[1][ilosc]", Some("0.75")),
        ("produkty[1][cena]", Some("83.24")),
        ("produkty[1][id_stawki_vat]", Some("2")),
    ];
    add_order(&mut st, &t, &base, &net, T0);
    assert_eq!(st.state_json()["orders"][1]["suma_brutto"], "127.42");
}

#[test]
fn list_orders_filters_by_date_and_carries_the_marker() {
    let (mut st, t, pairs) = setup();
    st.configure(&json!({"token_ttl_s": 0})).unwrap();
    add_order(&mut st, &t, &pairs, &[("uwagi", Some("Shoper 1 @ sklep.example.pl\nTomorrow & <soon>"))], T0);
    add_order(&mut st, &t, &pairs, &[("uwagi", Some("Shoper 2 @ sklep.example.pl"))], T0 + DAY);
    add_order(&mut st, &t, &pairs, &[("uwagi", Some("Shoper 3 @ sklep.example.pl")), ("id_statusu", Some("4"))], T0 + 2 * DAY);
    let all = call(&mut st, &t, "listOrders", &[], T0 + 2 * DAY);
    assert_eq!(
        all["result"]["1"],
        json!({"id": "1", "numer": "ZAM/1/2026", "data": "2026-11-20", "uwagi": "Shoper 1 @ sklep.example.pl\nTomorrow &amp; &lt;soon&gt;", "id_statusu": "1", "suma_brutto": "74.99"})
    );
    assert_eq!(all["result"]["3"]["id_statusu"], "4");
    let ids = |v: &Value| result_map(v).keys().cloned().collect::<Vec<_>>();
    assert_eq!(ids(&call(&mut st, &t, "listOrders", &[("data_od", "2026-11-21")], T0)), ["2", "3"]);
    assert_eq!(ids(&call(&mut st, &t, "listOrders", &[("data_do", "2026-11-21")], T0)), ["1", "2"]);
    assert_eq!(ids(&call(&mut st, &t, "listOrders", &[("data_od", "2026-11-21"), ("data_do", "2026-11-21")], T0)), ["2"]);
    assert_eq!(code(&call(&mut st, &t, "listOrders", &[("data_od", "2026-12-01")], T0)), 8);
    let v = call(&mut st, &t, "listOrders", &[("data_od", "21.11.2026")], T0);
    assert_eq!((code(&v), fields(&v)), (6, vec!["data_od".to_string()]));
    assert_eq!(st.orders_with_marker("Shoper 2 @ sklep.example.pl"), 1);
    assert_eq!(st.marker_occurrences("@ sklep.example.pl"), 3);
}

#[test]
fn add_company_requires_address_and_list_companies_filters_by_nip_digits() {
    let mut st = demo();
    let t = login(&mut st, T0);
    let v = call(&mut st, &t, "addCompany", &[("nazwa", "Enadis"), ("nip", "123-456-32-18")], T0);
    assert_eq!((code(&v), fields(&v)), (6, vec!["miejscowosc".to_string(), "kod".into(), "ulica".into()]));
    let addr = [("ulica", "al. Zwycięstwa 96/98"), ("kod", "81-451"), ("miejscowosc", "Gdynia"), ("email", "kontakt@enadis.pl")];
    let mut a = vec![("nazwa", "Enadis"), ("nip", "123-456-32-18")];
    a.extend(addr);
    let seeded = sandbox::systim::CONTRACTORS.len() as u64;
    assert_eq!(call(&mut st, &t, "addCompany", &a, T0)["result"], json!(seeded + 1));
    let mut b = vec![("nazwa", "Inna"), ("nip", "1234567890")];
    b.extend(addr);
    assert_eq!(call(&mut st, &t, "addCompany", &b, T0)["result"], json!(seeded + 2));
    let v = call(&mut st, &t, "listCompanies", &[("nip", "PL1234563218")], T0);
    let id = (seeded + 1).to_string();
    assert_eq!(
        v["result"],
        json!({id.clone(): {"id": id, "nazwa": "Enadis", "nip": "123-456-32-18", "ulica": "al. Zwycięstwa 96/98", "kod": "81-451", "miejscowosc": "Gdynia", "email": "kontakt@enadis.pl"}})
    );
    assert_eq!(result_map(&call(&mut st, &t, "listCompanies", &[], T0)).len() as u64, seeded + 2);
    assert_eq!(code(&call(&mut st, &t, "listCompanies", &[("nip", "1111111111")], T0)), 8);
}
