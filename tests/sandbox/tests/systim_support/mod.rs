//! Shared helpers for the `systim_*` tests: build requests the way a client would and read the
//! envelope back.
#![allow(dead_code)]

use sandbox::catalogue;
pub use sandbox::systim::config::Profile;
use sandbox::systim::SystimState;
use sandbox::wire::Request;
use serde_json::Value;

/// 2026-11-20 10:00:00 UTC (11:00 in Warsaw).
pub const T0: u64 = 1_795_168_800_000;
pub const MINUTE: u64 = 60_000;
pub const DAY: u64 = 86_400_000;

/// The demo account in the generous profile (named, so flipping `DEFAULT_PROFILE` keeps these
/// tests' meaning).
pub fn demo() -> SystimState {
    SystimState::from_scenario_with(&catalogue::demo(), Profile::Generous)
}

/// The demo account in the strict profile.
pub fn strict_demo() -> SystimState {
    SystimState::from_scenario_with(&catalogue::demo(), Profile::Strict)
}

pub fn scenario(name: &str) -> SystimState {
    SystimState::from_scenario_with(&catalogue::by_name(name).expect("scenario"), Profile::Generous)
}

pub fn strict_scenario(name: &str) -> SystimState {
    SystimState::from_scenario_with(&catalogue::by_name(name).expect("scenario"), Profile::Strict)
}

/// Form-encode pairs (brackets percent-encoded, as a form encoder does).
pub fn encode(pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// POST a raw urlencoded body to `/jsonAPI.php`; the parsed JSON answer.
pub fn post_raw(st: &mut SystimState, body: &str, now: u64) -> Value {
    let req = Request::new("POST", "/jsonAPI.php")
        .with_header("content-type", "application/x-www-form-urlencoded; charset=UTF-8")
        .with_body(body.as_bytes().to_vec());
    let resp = st.handle(&req, now);
    assert_eq!(resp.status, 200, "logical outcomes are HTTP 200");
    assert_eq!(resp.header("content-type"), Some("application/json"));
    resp.body_json()
}

pub fn post(st: &mut SystimState, pairs: &[(&str, &str)], now: u64) -> Value {
    post_raw(st, &encode(pairs), now)
}

/// `act` with a token and parameters.
pub fn call(st: &mut SystimState, token: &str, act: &str, params: &[(&str, &str)], now: u64) -> Value {
    let mut pairs = vec![("act", act), ("token", token)];
    pairs.extend_from_slice(params);
    post(st, &pairs, now)
}

/// The account's API login and key, owned.
pub fn creds(st: &SystimState) -> (String, String) {
    let (l, k) = st.credentials();
    (l.to_string(), k.to_string())
}

pub fn login(st: &mut SystimState, now: u64) -> String {
    let (l, k) = creds(st);
    let v = post(st, &[("act", "login"), ("login", &l), ("pass", &k)], now);
    assert_eq!(code(&v), 0, "login: {v}");
    v["result"]["token"].as_str().expect("token").to_string()
}

/// `error.code` as a number (accepts a string code too).
pub fn code(v: &Value) -> u64 {
    let c = &v["error"]["code"];
    c.as_u64().or_else(|| c.as_str().and_then(|s| s.parse().ok())).expect("error.code")
}

pub fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"].as_array().map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

pub fn result_map(v: &Value) -> &serde_json::Map<String, Value> {
    v["result"].as_object().unwrap_or_else(|| panic!("result is not an object: {v}"))
}

/// A complete, valid `addOrder` as this project sends it, with one mug line (id 1) and the
/// shipping service line (`DOSTAWA`, id `dostawa`).
pub fn order_pairs(marker: &str, dostawa: &str) -> Vec<(String, String)> {
    let uwagi = format!("{marker}\nProszę dzwonić przed dostawą");
    let fixed = [
        ("nazwa", "Adam Nowak"),
        ("imie", "Adam"),
        ("nazwisko", "Nowak"),
        ("nip", ""),
        ("ulica", "Myśliwska 98"),
        ("kod", "30-718"),
        ("miejscowosc", "Kraków"),
        ("panstwo", "Polska"),
        ("email", "adam.nowak@example.pl"),
        ("telefon", "640432543"),
        ("nazwa_dostawy", "Adam Nowak"),
        ("ulica_dostawy", "Myśliwska 98"),
        ("kod_dostawy", "30-718"),
        ("miejscowosc_dostawy", "Kraków"),
        ("panstwo_dostawy", "Polska"),
        ("id_dostawy", "1"),
        ("id_formy_platnosci", "1"),
        ("id_waluty", "0"),
        ("naliczanie_brutto", "1"),
        ("produkty[0][id]", "1"),
        ("produkty[0][ilosc]", "2"),
        ("produkty[0][cena]", "30.00"),
        ("produkty[0][id_stawki_vat]", "1"),
        ("produkty[1][ilosc]", "1"),
        ("produkty[1][cena]", "14.99"),
        ("produkty[1][id_stawki_vat]", "1"),
    ];
    let mut v: Vec<(String, String)> = fixed.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    v.push(("produkty[1][id]".into(), dostawa.into()));
    v.push(("uwagi".into(), uwagi));
    v
}

/// `addOrder` from owned pairs, with changes: `(key, Some(value))` sets, `(key, None)` removes.
pub fn add_order(st: &mut SystimState, token: &str, pairs: &[(String, String)], changes: &[(&str, Option<&str>)], now: u64) -> Value {
    let mut pairs: Vec<(String, String)> = pairs.to_vec();
    for (key, value) in changes {
        pairs.retain(|(k, _)| k != key);
        if let Some(v) = value {
            pairs.push((key.to_string(), v.to_string()));
        }
    }
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    call(st, token, "addOrder", &refs, now)
}

/// The id of the seeded `DOSTAWA` service product.
pub fn dostawa_id(st: &SystimState) -> String {
    st.product_ids_by_code("DOSTAWA")[0].to_string()
}
