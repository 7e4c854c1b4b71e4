//! PHP bracket parsing, exact numbers and dates, HTML escaping, and robustness on any input.

mod systim_support;

use sandbox::systim::{envelope, form, num};
use sandbox::wire::Request;
use serde_json::json;
use systim_support::*;

#[test]
fn brackets_raw_and_percent_encoded_parse_the_same() {
    let raw = form::parse("act=addOrder&produkty[0][id]=12&produkty[0][ilosc]=2&produkty[1][id]=3");
    let enc = form::parse("act=addOrder&produkty%5B0%5D%5Bid%5D=12&produkty%5B0%5D%5Bilosc%5D=2&produkty%5B1%5D%5Bid%5D=3");
    let want = json!({"act": "addOrder", "produkty": {"0": {"id": "12", "ilosc": "2"}, "1": {"id": "3"}}});
    assert_eq!(serde_json::Value::Object(raw), want);
    assert_eq!(serde_json::Value::Object(enc), want);
}

#[test]
fn numeric_keys_keep_insertion_order_and_empty_brackets_append() {
    let p = form::parse("p[5][id]=a&p[1][id]=b&p[10][id]=c&q[]=x&q[]=y&q[7]=z&q[]=w");
    let keys: Vec<&String> = p["p"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["5", "1", "10"]);
    assert_eq!(p["q"], json!({"0": "x", "1": "y", "7": "z", "8": "w"}));
}

#[test]
fn php_name_quirks() {
    let p = form::parse("a.b=1&c d=2&e[f=3&g[h]x[i]=4&[j]=5&k=6&k=7&m=1&m[n]=2");
    assert_eq!(p["a_b"], "1");
    assert_eq!(p["c_d"], "2");
    assert_eq!(p["e_f"], "3");
    assert_eq!(p["g"], json!({"h": "4"}));
    assert!(!p.contains_key("") && !p.contains_key("[j]"));
    assert_eq!(p["k"], "7", "last value wins");
    assert_eq!(p["m"], json!({"n": "2"}), "a nested key replaces a scalar");
    let deep = format!("x{}=1", "[a]".repeat(70));
    assert!(form::parse(&deep).is_empty(), "nesting past 64 levels is dropped");
}

#[test]
fn query_and_form_body_merge_body_wins_and_plain_bodies_are_ignored() {
    let mut st = demo();
    let (l, k) = creds(&st);
    let body = format!("login={}&pass={}", l, k);
    let req = Request::new("POST", "/jsonAPI?act=login&pass=wrong").with_header("content-type", "application/x-www-form-urlencoded").with_body(body.clone());
    assert_eq!(st.handle(&req, T0).body_json()["error"]["code"], 0);
    // Without the form content type PHP does not parse the body: no credentials → code 4.
    let req = Request::new("POST", "/jsonAPI.php?act=login").with_header("content-type", "text/plain").with_body(body);
    assert_eq!(st.handle(&req, T0).body_json()["error"]["code"], 4);
}

#[test]
fn get_with_query_string_works_and_other_paths_do_not() {
    let mut st = demo();
    let (l, k) = creds(&st);
    let q = encode(&[("act", "login"), ("login", &l), ("pass", &k)]);
    let resp = st.handle(&Request::new("GET", &format!("/jsonAPI.php?{q}")), T0);
    assert_eq!(resp.body_json()["error"]["code"], 0);
    assert_eq!(st.handle(&Request::new("GET", "/api.php?act=login"), T0).status, 404);
    assert_eq!(st.handle(&Request::new("DELETE", "/jsonAPI.php"), T0).status, 405);
}

#[test]
fn decimals_parse_exactly_and_print_like_systim() {
    assert_eq!(num::parse_scaled("30.00", 2), Some(3000));
    assert_eq!(num::parse_scaled("0.5", 2), Some(50));
    assert_eq!(num::parse_scaled(".5", 3), Some(500));
    assert_eq!(num::parse_scaled("-2", 3), Some(-2000));
    for bad in ["", "-", ".", "1,5", "1e3", "1.234", "abc", "1.2.3", "9999999999999999"] {
        assert_eq!(num::parse_scaled(bad, 2), None, "{bad}");
    }
    assert_eq!(num::money(2439), "24.39");
    assert_eq!(num::money(-250), "-2.50");
    assert_eq!(num::quantity(7_500), "7.50");
    assert_eq!(num::quantity(1_250), "1.25");
    assert_eq!(num::quantity(750), "0.75");
    assert_eq!(num::quantity(1), "0.001");
    assert_eq!(num::quantity(-2_000), "-2.00");
    assert_eq!(num::mul_div_round(8091, 750, 1000), 6068); // 60.6825 → 60.68
    assert_eq!(num::mul_div_round(-5, 1, 10), -1); // half away from zero
}

#[test]
fn dates_are_polish_local_with_dst() {
    assert_eq!(num::warsaw_date(T0).1, "2026-11-20");
    // 2026-11-20 23:30 UTC is already the 21st in Warsaw (CET, +1).
    assert_eq!(num::warsaw_date(T0 + 13 * 3_600_000 + 30 * MINUTE).1, "2026-11-21");
    // 2026-07-01 22:30 UTC is 00:30 on the 2nd in Warsaw (CEST, +2).
    assert_eq!(num::warsaw_date(1_782_945_000_000).1, "2026-07-02");
    assert!(num::valid_date("2024-02-29") && !num::valid_date("2026-02-29") && !num::valid_date("2026-13-01") && !num::valid_date("2026-1-01"));
}

#[test]
fn html_escaping_matches_htmlspecialchars() {
    assert_eq!(envelope::html_escape(r#"Kowalski & "Synowie" <b>'x'</b>"#), "Kowalski &amp; &quot;Synowie&quot; &lt;b&gt;&#039;x&#039;&lt;/b&gt;");
}

#[test]
fn never_panics_on_garbage() {
    let mut st = demo();
    let token = login(&mut st, T0);
    let acts = ["addOrder", "addProduct", "addCompany", "listPQuantities", "listOrders", "addStoreDocument", "listCompanies", "login", ""];
    let junk = [
        "%ZZ%5B%5D[[[]]]=&&&==",
        "produkty=abc&pozycje=1",
        "produkty[]=&produkty[0][id]=99999999999999999999999",
        "produkty[0][id]=1&produkty[0][ilosc]=-1&produkty[0][cena]=1e9",
        "produkty[0][id]=1&produkty[0][ilosc]=999999999999999.999&produkty[0][cena]=999999999999999.99&produkty[0][id_stawki_vat]=1",
        "id_magazynu=18446744073709551616&data_od=2026-02-30&nip=%00%FF",
        "rodzaj=8&id_magazynu=1&id_magazynu_zrodlowego=1&pozycje[0][id_produktu]=1&pozycje[0][ilosc]=1",
        "\u{0}\u{1}=\u{ffff}",
    ];
    let mut seed = 7u64;
    for act in acts {
        for j in junk {
            let body = format!("act={act}&token={token}&{j}");
            let v = post_raw(&mut st, &body, T0);
            assert!(v["error"]["code"].is_u64(), "{body} → {v}");
        }
        for _ in 0..50 {
            let bytes: Vec<u8> = (0..64)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let mut body = format!("act={act}&token={token}&").into_bytes();
            body.extend(bytes);
            let req = Request::new("POST", "/jsonAPI.php").with_header("content-type", "application/x-www-form-urlencoded").with_body(body);
            assert_eq!(st.handle(&req, T0).status, 200);
        }
    }
}
