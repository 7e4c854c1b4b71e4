//! Sales documents: `addSellInvoice`, `listSellInvoices`, `getSellInvoicePDF`, and the WZ
//! (`addStoreDocument` `rodzaj=4` with `id_faktury`), in the strict profile unless named —
//! all four are seen in public code (`systim-public-code.md` §1, §3).

mod systim_support;

use base64::Engine as _;
use sandbox::wire::Delivery;
use sandbox::{Request, Sandbox, Service};
use serde_json::{json, Value};
use systim_support::*;

/// A strict demo account with a token (the demo seeds contractors: id 1 is one).
fn setup() -> (sandbox::systim::SystimState, String) {
    let mut st = strict_demo();
    let t = login(&mut st, T0);
    assert!(!st.state_json()["companies"].as_array().unwrap().is_empty());
    (st, t)
}

/// A complete VAT invoice of `n` lines (each 2 × 10.00 net at 23 %, VAT-rate id 1), as the
/// caller computes it.
fn invoice(kind: &str, template: &str, numbering: &str, buyer: Option<&str>, n: usize) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = [
        ("rodzaj", kind),
        ("id_szablonu", template),
        ("id_numeracji", numbering),
        ("data_wystawienia", "2026-11-20"),
        ("data_sprzedazy", "2026-11-19"),
        ("forma_platnosci", "1"),
        ("termin_platnosci", "14"),
        ("uwagi", "Shoper 1001 @ sklep.example.pl"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Some(b) = buyer {
        p.push(("id_kontrahenta".into(), b.into()));
    }
    for i in 0..n {
        for (f, v) in [
            ("opis", "Kubek 500 ml"),
            ("ilosc", "2"),
            ("jednostka", "szt."),
            ("cena_netto", "10.00"),
            ("kwota_netto", "20.00"),
            ("stawka_vat", "1"),
            ("kwota_vat", "4.60"),
            ("kwota_brutto", "24.60"),
        ] {
            p.push((format!("{f}[{i}]"), v.into()));
        }
    }
    p
}

fn vat_invoice(n: usize) -> Vec<(String, String)> {
    invoice("0", "43", "1", Some("1"), n)
}

fn receipt(n: usize) -> Vec<(String, String)> {
    invoice("15", "15", "9", None, n)
}

/// `pairs` with changes: `(key, Some(v))` sets, `(key, None)` removes.
fn with(pairs: &[(String, String)], changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let mut out = pairs.to_vec();
    for (key, value) in changes {
        out.retain(|(k, _)| k != key);
        if let Some(v) = value {
            out.push((key.to_string(), v.to_string()));
        }
    }
    out
}

fn issue(st: &mut sandbox::systim::SystimState, t: &str, pairs: &[(String, String)]) -> Value {
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    call(st, t, "addSellInvoice", &refs, T0)
}

fn invoices(st: &sandbox::systim::SystimState) -> Vec<Value> {
    st.state_json()["invoices"].as_array().unwrap().clone()
}

#[test]
fn a_vat_invoice_is_stored_as_sent_and_answered_with_id_number_result_code_and_ksef_data() {
    let (mut st, t) = setup();
    let v = issue(&mut st, &t, &vat_invoice(2));
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(v["result"], json!({"id": "1", "numer": "FV/1/2026", "result_code": 0, "ksef_data": ""}));
    let inv = &invoices(&st)[0];
    assert_eq!((inv["rodzaj"].as_u64(), inv["id_szablonu"].as_u64(), inv["id_numeracji"].as_u64()), (Some(0), Some(43), Some(1)));
    assert_eq!((inv["id_kontrahenta"].as_u64(), inv["forma_platnosci"].as_u64(), inv["termin_platnosci"].as_u64()), (Some(1), Some(1), Some(14)));
    assert_eq!((inv["data_wystawienia"].as_str(), inv["data_sprzedazy"].as_str()), (Some("2026-11-20"), Some("2026-11-19")));
    assert_eq!(inv["lines"].as_array().unwrap().len(), 2);
    assert_eq!(inv["lines"][1]["kwota_vat_grosze"], 460);
    assert_eq!(inv["kwota_brutto_grosze"], 4_920);
    // The API computes nothing: inconsistent amounts are printed as sent.
    let odd = with(&vat_invoice(1), &[("kwota_brutto[0]", Some("99.99"))]);
    assert_eq!(code(&issue(&mut st, &t, &odd)), 0);
    assert_eq!(invoices(&st)[1]["kwota_brutto_grosze"], 9_999);
    assert_eq!(st.quantity(1, 1), Some(20_000), "an invoice does not move stock (the WZ does)");
}

#[test]
fn the_same_invoice_twice_is_two_documents_with_two_numbers() {
    let (mut st, t) = setup();
    let a = issue(&mut st, &t, &vat_invoice(1));
    let b = issue(&mut st, &t, &vat_invoice(1));
    assert_eq!((a["result"]["numer"].as_str(), b["result"]["numer"].as_str()), (Some("FV/1/2026"), Some("FV/2/2026")));
    assert_eq!(st.invoices_with_marker("Shoper 1001 @ sklep.example.pl"), 2);
    // Each kind has its own numbering.
    let r = issue(&mut st, &t, &receipt(1));
    assert_eq!(r["result"]["numer"], "PAR/1/2026");
}

#[test]
fn a_receipt_needs_no_contractor_and_an_invoice_does() {
    let (mut st, t) = setup();
    let v = issue(&mut st, &t, &receipt(1));
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(invoices(&st)[0]["id_kontrahenta"], Value::Null);
    let v = issue(&mut st, &t, &invoice("0", "43", "1", None, 1));
    assert_eq!((code(&v), fields(&v)), (6, vec!["id_kontrahenta".to_string()]));
    let v = issue(&mut st, &t, &invoice("0", "43", "1", Some("777"), 1));
    assert_eq!((code(&v), fields(&v)), (6, vec!["id_kontrahenta".to_string()]), "an unknown contractor");
    assert_eq!(st.invoice_count(), 1);
}

#[test]
fn template_and_numbering_are_required_and_bound_to_the_kind() {
    let (mut st, t) = setup();
    let v = issue(&mut st, &t, &with(&vat_invoice(1), &[("id_szablonu", None), ("id_numeracji", None)]));
    assert_eq!((code(&v), fields(&v)), (6, vec!["id_szablonu".to_string(), "id_numeracji".to_string()]));
    // A receipt on the invoice's numbering (and the other way round).
    let v = issue(&mut st, &t, &invoice("15", "43", "1", None, 1));
    assert_eq!(code(&v), 6);
    assert_eq!(v["error"]["message"], "błędne przypisanie rodzaju dokumentu do numeracji");
    assert_eq!(fields(&v), ["id_numeracji"]);
    let v = issue(&mut st, &t, &invoice("0", "15", "1", Some("1"), 1));
    assert_eq!((code(&v), fields(&v)), (6, vec!["id_szablonu".to_string()]));
    let v = issue(&mut st, &t, &invoice("3", "43", "1", Some("1"), 1));
    assert_eq!((code(&v), fields(&v)), (6, vec!["rodzaj".to_string()]), "a kind Systim does not have");
    assert_eq!(st.invoice_count(), 0);
    assert_eq!(issue(&mut st, &t, &vat_invoice(1))["result"]["numer"], "FV/1/2026", "no refused call used a number");
}

#[test]
fn line_fields_are_named_per_line() {
    let (mut st, t) = setup();
    let v = issue(
        &mut st,
        &t,
        &with(&vat_invoice(2), &[("opis[1]", None), ("ilosc[0]", Some("0")), ("stawka_vat[1]", Some("42")), ("kwota_vat[0]", Some("4,60"))]),
    );
    assert_eq!(code(&v), 6);
    assert_eq!(fields(&v), ["opis[1]", "ilosc[0]", "kwota_vat[0]", "stawka_vat[1]"]);
    let no_lines: Vec<(String, String)> = vat_invoice(1).into_iter().filter(|(k, _)| !k.contains('[')).collect();
    assert_eq!(fields(&issue(&mut st, &t, &no_lines)), ["opis"]);
    assert_eq!(st.invoice_count(), 0);
}

#[test]
fn a_payment_form_that_is_no_id_from_1_to_6_silently_becomes_cash() {
    let (mut st, t) = setup();
    for (sent, stored) in [(Some("4"), 4), (Some("6"), 6), (Some("przelew"), 2), (Some("7"), 2), (None, 2)] {
        let v = issue(&mut st, &t, &with(&vat_invoice(1), &[("forma_platnosci", sent)]));
        assert_eq!(code(&v), 0, "{sent:?}: {v}");
        assert_eq!(invoices(&st).last().unwrap()["forma_platnosci"], stored, "{sent:?}");
    }
}

#[test]
fn a_line_discount_on_three_lines_crashes_the_backend_and_issues_nothing() {
    let (mut st, t) = setup();
    let crash = with(&vat_invoice(3), &[("rabat[1]", Some("10"))]);
    let refs: Vec<(&str, &str)> = crash.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut pairs = vec![("act", "addSellInvoice"), ("token", t.as_str())];
    pairs.extend(refs);
    let req = Request::new("POST", "/jsonAPI.php").with_header("content-type", "application/x-www-form-urlencoded").with_body(encode(&pairs).into_bytes());
    let resp = st.handle(&req, T0);
    assert_eq!(resp.status, 200, "PHP with display_errors on");
    assert!(resp.header("content-type").is_some_and(|c| c.starts_with("text/html")), "{:?}", resp.header("content-type"));
    let body = resp.body_text();
    assert!(serde_json::from_str::<Value>(&body).is_err() && body.contains("Fatal error"), "{body}");
    assert_eq!(st.invoice_count(), 0);
    st.configure(&json!({"error_page_status": 500})).unwrap();
    assert_eq!(st.handle(&req, T0).status, 500);
    // Two lines with a discount are served (and the discount kept); no number was used before.
    let v = issue(&mut st, &t, &with(&vat_invoice(2), &[("rabat[0]", Some("10"))]));
    assert_eq!(v["result"]["numer"], "FV/1/2026", "{v}");
    assert_eq!(invoices(&st)[0]["lines"][0]["rabat"], "10");
    // Three lines without a discount are fine.
    assert_eq!(code(&issue(&mut st, &t, &vat_invoice(3))), 0);
}

#[test]
fn result_code_102_is_an_issued_document_and_an_empty_number_is_read_back_by_id() {
    let (mut st, t) = setup();
    st.configure(&json!({"invoice_result_code": 102, "empty_invoice_number": true})).unwrap();
    let v = issue(&mut st, &t, &vat_invoice(1));
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!((v["result"]["result_code"].as_u64(), v["result"]["numer"].as_str()), (Some(102), Some("")));
    assert_eq!(st.invoice_count(), 1, "issued although its accounting failed");
    let id = v["result"]["id"].as_str().unwrap().to_string();
    let list = call(&mut st, &t, "listSellInvoices", &[("ids", &id)], T0);
    assert_eq!(list["result"][&id]["numer"], "FV/1/2026");
    assert!(st.configure(&json!({"invoice_result_code": 7})).is_err());
    // A pro forma never has its number in the answer.
    st.configure(&json!({"empty_invoice_number": false, "invoice_result_code": 0})).unwrap();
    let v = issue(&mut st, &t, &invoice("1", "1", "5", Some("1"), 1));
    assert_eq!(v["result"]["numer"], "", "{v}");
    assert_eq!(invoices(&st)[1]["numer"], "PRO/1/2026");
}

#[test]
fn a_kind_outside_the_plan_is_code_6_and_a_closed_month_code_16() {
    let (mut st, t) = setup();
    st.configure(&json!({"plan_refuses_kinds": [15], "closed_months": ["2026-10"]})).unwrap();
    let v = issue(&mut st, &t, &receipt(1));
    assert_eq!((code(&v), fields(&v)), (6, vec!["othr".to_string()]));
    assert_eq!(v["error"]["message"], "Funkcja dostępna tylko w wersji Pro programu");
    assert_eq!(code(&issue(&mut st, &t, &vat_invoice(1))), 0, "the invoice is in the plan");
    let october = with(&vat_invoice(1), &[("data_wystawienia", Some("2026-10-31"))]);
    let v = issue(&mut st, &t, &october);
    assert_eq!(code(&v), 16);
    assert!(v["error"]["message"].as_str().unwrap().contains("Miesiąc księgowy jest zamknięty"));
    assert_eq!(st.invoice_count(), 1);
    assert!(st.configure(&json!({"closed_months": ["10.2026"]})).is_err());
    // The blanket refusal works as for every method.
    st.configure(&json!({"refuse": {"addSellInvoice": 16}})).unwrap();
    assert_eq!(code(&issue(&mut st, &t, &vat_invoice(1))), 16);
    assert_eq!(st.invoice_count(), 1);
}

#[test]
fn list_sell_invoices_filters_by_ids_and_issue_dates_and_strict_rows_carry_only_what_code_reads() {
    let (mut st, t) = setup();
    for day in ["2026-11-18", "2026-11-19", "2026-11-20"] {
        issue(&mut st, &t, &with(&vat_invoice(1), &[("data_wystawienia", Some(day))]));
    }
    let keys = |v: &Value| -> Vec<String> { result_map(v).keys().cloned().collect() };
    let all = call(&mut st, &t, "listSellInvoices", &[], T0);
    assert_eq!(keys(&all), ["1", "2", "3"]);
    let row: Vec<&String> = result_map(&all)["1"].as_object().unwrap().keys().collect();
    assert_eq!(row, ["id", "numer", "data_wystawienia", "kwota_brutto", "forma_platnosci", "termin_platnosci"]);
    assert_eq!(all["result"]["2"]["kwota_brutto"], "24.60");
    let range = call(&mut st, &t, "listSellInvoices", &[("data_wystawienia_od", "2026-11-19"), ("data_wystawienia_do", "2026-11-19")], T0);
    assert_eq!(keys(&range), ["2"]);
    assert_eq!(keys(&call(&mut st, &t, "listSellInvoices", &[("ids", "1,3")], T0)), ["1", "3"]);
    let none = call(&mut st, &t, "listSellInvoices", &[("data_wystawienia_od", "2026-12-01")], T0);
    assert_eq!(code(&none), 8, "no data");
    let bad = call(&mut st, &t, "listSellInvoices", &[("data_wystawienia_od", "20.11.2026")], T0);
    assert_eq!((code(&bad), fields(&bad)), (6, vec!["data_wystawienia_od".to_string()]));
    // The generous account also shows what no code reads: the marker, the buyer, the kind.
    st.set_profile(Profile::Generous);
    let all = call(&mut st, &t, "listSellInvoices", &[("ids", "1")], T0);
    assert_eq!(all["result"]["1"]["uwagi"], "Shoper 1001 @ sklep.example.pl");
    assert_eq!((all["result"]["1"]["id_kontrahenta"].as_str(), all["result"]["1"]["rodzaj"].as_str()), (Some("1"), Some("0")));
}

#[test]
fn the_pdf_comes_as_base64_of_a_pdf_naming_the_document() {
    let (mut st, t) = setup();
    issue(&mut st, &t, &vat_invoice(2));
    let v = call(&mut st, &t, "getSellInvoicePDF", &[("id", "1")], T0);
    assert_eq!(code(&v), 0, "{v}");
    assert_eq!(v["result"]["name"], "FV_1_2026.pdf");
    let pdf = base64::engine::general_purpose::STANDARD.decode(v["result"]["file"].as_str().unwrap()).unwrap();
    let text = String::from_utf8(pdf).unwrap();
    assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"), "{text}");
    assert!(text.contains("(FV/1/2026 49.20 PLN)"), "{text}");
    // The cross-reference table points at each object.
    let xref = text.find("\nxref\n").unwrap() + 1;
    assert_eq!(text.split("startxref\n").nth(1).unwrap().lines().next().unwrap(), xref.to_string());
    for (n, line) in text[xref..].lines().skip(3).take(5).enumerate() {
        let offset: usize = line[..10].parse().unwrap();
        assert!(text[offset..].starts_with(&format!("{} 0 obj", n + 1)), "object {}", n + 1);
    }
    let v = call(&mut st, &t, "getSellInvoicePDF", &[("id", "9")], T0);
    assert_eq!((code(&v), fields(&v)), (6, vec!["id".to_string()]));
}

#[test]
fn a_wz_is_issued_for_an_invoice_and_moves_stock() {
    let (mut st, t) = setup();
    issue(&mut st, &t, &vat_invoice(1));
    let wz = |invoice: &'static str, rodzaj: &'static str, date: &'static str| {
        vec![
            ("rodzaj", rodzaj),
            ("id_magazynu", "1"),
            ("data_wystawienia", "2026-11-20"),
            (date, "2026-11-20"),
            ("id_faktury", invoice),
            ("pozycje[0][id_produktu]", "1"),
            ("pozycje[0][ilosc]", "2"),
        ]
    };
    let v = call(&mut st, &t, "addStoreDocument", &wz("1", "4", "data_wydania"), T0);
    assert_eq!(v["result"], json!(1), "{v}");
    assert_eq!(st.state_json()["documents"][0]["id_faktury"], 1);
    assert_eq!(st.quantity(1, 1), Some(18_000));
    let v = call(&mut st, &t, "addStoreDocument", &wz("5", "4", "data_wydania"), T0);
    assert_eq!((code(&v), fields(&v)), (6, vec!["id_faktury".to_string()]), "an unknown invoice");
    let v = call(&mut st, &t, "addStoreDocument", &wz("1", "3", "data_przyjecia"), T0);
    assert_eq!((code(&v), fields(&v)), (6, vec!["id_faktury".to_string()]), "a receipt (PZ) is issued for no invoice");
    assert_eq!(st.quantity(1, 1), Some(18_000));
}

// --- the network faults, as for addOrder (tests/sandbox/tests/network_faults.rs) ---

fn control(sb: &mut Sandbox, route: &str, body: Value) {
    let req = Request::new("POST", &format!("/__sandbox{route}")).with_body(serde_json::to_vec(&body).unwrap());
    let r = sb.handle(Service::Shoper, &req, 1_000);
    assert_eq!(r.status, 200, "{}", r.body_text());
}

/// A world with a token; the invoice's form body.
fn world() -> (Sandbox, String, String) {
    let mut sb = Sandbox::with_profile("demo", Profile::Strict).unwrap();
    let token = sb.systim.issue_token(T0);
    let mut pairs: Vec<(String, String)> = vec![("act".into(), "addSellInvoice".into()), ("token".into(), token.clone())];
    pairs.extend(vat_invoice(1));
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let body = encode(&refs);
    (sb, token, body)
}

/// One request as the `seq`-th of its connection.
fn send(sb: &mut Sandbox, body: &str, seq: u32, now: u64) -> sandbox::Response {
    let req = Request::new("POST", "/jsonAPI.php")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(body.as_bytes().to_vec())
        .on_connection(seq);
    sb.handle(Service::Systim, &req, now)
}

#[test]
fn a_lost_answer_may_hide_an_issued_invoice() {
    let (mut sb, _, body) = world();
    control(&mut sb, "/faults", json!({"rules": [{"service": "systim", "kind": "drop_after_commit", "matching": "addSellInvoice"}]}));
    assert_eq!(send(&mut sb, &body, 1, T0).delivery, Delivery::Drop);
    assert_eq!(sb.systim.invoice_count(), 1, "issued, though nobody heard");
    for kind in ["slow", "reset_mid_answer"] {
        control(&mut sb, "/faults", json!({"rules": [{"service": "systim", "kind": kind, "matching": "addSellInvoice"}]}));
        send(&mut sb, &body, 1, T0 + 1_000);
    }
    assert_eq!(sb.systim.invoice_count(), 3, "slow and cut answers are issued documents too");
    for kind in ["http500", "html_page", "close_before_write"] {
        control(&mut sb, "/faults", json!({"rules": [{"service": "systim", "kind": kind, "matching": "addSellInvoice"}]}));
        send(&mut sb, &body, 1, T0 + 2_000);
    }
    assert_eq!(sb.systim.invoice_count(), 3, "faults that serve nothing issue nothing");
}

#[test]
fn the_browsers_resend_of_a_dropped_invoice_issues_a_second_one() {
    let (mut sb, _, body) = world();
    control(&mut sb, "/faults", json!({"rules": [{"service": "systim", "kind": "write_then_close", "matching": "addSellInvoice"}]}));
    assert_eq!(send(&mut sb, &body, 2, T0).delivery, Delivery::Drop);
    let resent = send(&mut sb, &body, 1, T0 + 10);
    assert_eq!(resent.body_json()["result"]["numer"], "FV/2/2026", "the page hears only of the second");
    assert_eq!(sb.systim.invoices_with_marker("Shoper 1001 @ sklep.example.pl"), 2, "one fetch, two invoices");
}

#[test]
fn a_resend_refused_with_code_2_says_nothing_of_the_invoice_already_issued() {
    let (mut sb, _, body) = world();
    control(&mut sb, "/faults", json!({"rules": [{"service": "systim", "kind": "write_then_close", "matching": "addSellInvoice", "then": "429"}]}));
    assert_eq!(send(&mut sb, &body, 2, T0).delivery, Delivery::Drop);
    let resent = send(&mut sb, &body, 1, T0 + 10);
    assert_eq!(resent.body_json()["error"]["code"], 2);
    assert_eq!(sb.systim.invoice_count(), 1, "issued once, by the request whose answer was lost");
}
