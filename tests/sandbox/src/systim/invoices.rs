//! Sales documents: `addSellInvoice`, `listSellInvoices`, `getSellInvoicePDF`
//! (`../shared/reference/systim-public-code.md` §3, all three seen in mcpsystim's code).
//!
//! `addSellInvoice` computes nothing: every line's amounts are stored and printed as sent. It never
//! deduplicates (the same request twice is two documents with two numbers). What the stand-in
//! holds to, each from the reference:
//! - `rodzaj` 0 VAT invoice, 1 pro forma, 6 fiscal receipt, 15 receipt, 22 bill, 26 offer (the
//!   foreign-currency kinds are not modelled: refused as invalid);
//! - `id_szablonu` and `id_numeracji` are required and bound to the kind (the standard ids of a
//!   fresh account); a numbering of another kind is refused with "błędne przypisanie rodzaju
//!   dokumentu do numeracji";
//! - `id_kontrahenta` required but for receipts and offers;
//! - lines as parallel arrays `opis[i]`, `ilosc[i]`, `jednostka[i]`, `cena_netto[i]`,
//!   `kwota_netto[i]`, `stawka_vat[i]` (a VAT-rate id), `kwota_vat[i]`, `kwota_brutto[i]`,
//!   optional `id_produktu[i]`;
//! - `forma_platnosci` 1–6 is kept; a name, another number or nothing is stored as 2 (cash),
//!   silently (live);
//! - a per-line `rabat` on a document of 3 or more lines crashes the backend: a PHP fatal-error
//!   page, not JSON, nothing issued, no number used (live);
//! - the answer `{id, numer, result_code, ksef_data}`: `numer` empty for a pro forma (live) and,
//!   with the knob `empty_invoice_number`, for every kind; `result_code` from the knob
//!   `invoice_result_code` (102: issued, accounting failed — still issued);
//! - code 6 with `fields: ["othr"]` for a kind the plan lacks (`plan_refuses_kinds`), code 16 for
//!   a date in a closed month (`closed_months`), nothing issued.
//!
//! `listSellInvoices` filters by `ids` (comma-separated) and `data_wystawienia_od`/`_do`. Its
//! rows carry what mcpsystim reads (`numer`, `data_wystawienia`, `kwota_brutto`,
//! `forma_platnosci`, `termin_platnosci`); the generous profile adds what no code shows
//! (`rodzaj`, `id_kontrahenta`, `data_sprzedazy`, `kwota_netto`, `uwagi`), so an engine may not
//! rely on finding its marker or the buyer there on a strict account.

use base64::Engine as _;
use serde_json::json;

use super::check::{self, Check, Params, Scope, OPTIONAL, REQUIRED};
use super::envelope::{num, text, Fault, Outcome, Record};
use super::methods::Ctx;
use super::model::{by_id, next_id, Data, Invoice, InvoiceLine};
use super::num::{money, parse_scaled};

/// `rodzaj` → (standard template id, standard numbering id, number prefix).
const KINDS: [(u64, u64, u64, &str); 6] = [(0, 43, 1, "FV"), (1, 1, 5, "PRO"), (6, 15, 39, "PF"), (15, 15, 9, "PAR"), (22, 22, 16, "R"), (26, 26, 21, "OF")];

/// Kinds that need no contractor: receipts and offers.
const NO_BUYER_KINDS: [u64; 3] = [6, 15, 26];
/// Kinds whose lines need no VAT amounts: bills and offers.
const NO_VAT_KINDS: [u64; 2] = [22, 26];
/// The pro forma: its number is not in the answer.
const PRO_FORMA: u64 = 1;

/// The line arrays of `addSellInvoice`.
const LINE_FIELDS: [&str; 9] = ["opis", "ilosc", "jednostka", "cena_netto", "kwota_netto", "stawka_vat", "kwota_vat", "kwota_brutto", "id_produktu"];

/// What Systim's PHP prints when `rabat` meets 3 or more lines (live; status 200 with
/// display_errors on — the `error_page_status` knob).
pub fn rabat_crash_page() -> String {
    "<br />\n<b>Fatal error</b>:  Uncaught Error: Cannot assign an empty string to a string offset in /var/www/systim/class/FakturaSprzedazy.php:412\nStack trace:\n#0 /var/www/systim/jsonAPI.php(57): FakturaSprzedazy-&gt;zapisz()\n#1 {main}\n  thrown in <b>/var/www/systim/class/FakturaSprzedazy.php</b> on line <b>412</b><br />\n".to_string()
}

fn kind(rodzaj: u64) -> Option<(u64, u64, u64, &'static str)> {
    KINDS.iter().copied().find(|k| k.0 == rodzaj)
}

/// The line keys: every key of any line array, in first-seen order.
fn line_keys(params: &Params) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for field in LINE_FIELDS.iter().chain(std::iter::once(&"rabat")) {
        if let Some(map) = params.get(*field).and_then(serde_json::Value::as_object) {
            for k in map.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    keys
}

/// `field[key]` as sent.
fn cell<'a>(params: &'a Params, field: &str, key: &str) -> Option<&'a str> {
    params.get(field)?.as_object()?.get(key)?.as_str()
}

/// A money amount of a line (signed: correction documents carry negative amounts).
fn line_money(c: &mut Check, params: &Params, field: &str, key: &str, required: bool) -> i64 {
    match cell(params, field, key).filter(|v| !v.trim().is_empty()) {
        None => {
            if required {
                c.missing(format!("{field}[{key}]"));
            }
            0
        }
        Some(v) => parse_scaled(v, 2).unwrap_or_else(|| {
            c.invalid(format!("{field}[{key}]"));
            0
        }),
    }
}

pub fn add_sell_invoice(d: &mut Data, params: &Params, ctx: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let keys = line_keys(params);
    let discounted = keys.iter().any(|k| cell(params, "rabat", k).is_some_and(|r| !r.trim().is_empty()));
    if discounted && keys.len() >= 3 {
        return Ok(Outcome::Page(rabat_crash_page()));
    }
    let mut c = Check::default();
    let rodzaj = c.parsed(s, "rodzaj", REQUIRED, |v| check::id(v).filter(|r| kind(*r).is_some()));
    let template = c.parsed(s, "id_szablonu", REQUIRED, check::id);
    let numbering = c.parsed(s, "id_numeracji", REQUIRED, check::id);
    let issued = c.date(s, "data_wystawienia", REQUIRED);
    let sold = c.date(s, "data_sprzedazy", REQUIRED);
    let buyer_required = rodzaj.is_some_and(|r| !NO_BUYER_KINDS.contains(&r));
    let buyer = c.reference(s, "id_kontrahenta", buyer_required, |i| by_id(&d.companies, i).is_some());
    let term = c.parsed(s, "termin_platnosci", OPTIONAL, check::id);
    if s.filled("email_wyslij").is_some_and(|v| v.trim() == "1") {
        c.parsed(s, "email_adres", REQUIRED, |v| v.contains('@').then_some(()));
    }
    let vat_needed = rodzaj.is_some_and(|r| !NO_VAT_KINDS.contains(&r));
    if keys.is_empty() {
        c.missing("opis".into());
    }
    let mut lines = Vec::with_capacity(keys.len());
    for key in &keys {
        let opis = cell(params, "opis", key).unwrap_or("").trim().to_string();
        if opis.is_empty() {
            c.missing(format!("opis[{key}]"));
        }
        let qty = match cell(params, "ilosc", key).filter(|v| !v.trim().is_empty()) {
            None => {
                c.missing(format!("ilosc[{key}]"));
                0
            }
            Some(v) => parse_scaled(v, 3).filter(|q| *q > 0).unwrap_or_else(|| {
                c.invalid(format!("ilosc[{key}]"));
                0
            }),
        };
        let product_id = match cell(params, "id_produktu", key).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => {
                let found = check::id(v).filter(|i| d.product(*i).is_some());
                if found.is_none() {
                    c.invalid(format!("id_produktu[{key}]"));
                }
                found
            }
        };
        let vat_id = match cell(params, "stawka_vat", key).filter(|v| !v.trim().is_empty()) {
            None => {
                if vat_needed {
                    c.missing(format!("stawka_vat[{key}]"));
                }
                None
            }
            Some(v) => {
                let found = check::id(v).filter(|i| by_id(&d.vat_rates, *i).is_some());
                if found.is_none() {
                    c.invalid(format!("stawka_vat[{key}]"));
                }
                found
            }
        };
        lines.push(InvoiceLine {
            key: key.clone(),
            product_id,
            opis,
            qty_milli: qty,
            jednostka: cell(params, "jednostka", key).unwrap_or("").to_string(),
            cena_netto: line_money(&mut c, params, "cena_netto", key, REQUIRED),
            kwota_netto: line_money(&mut c, params, "kwota_netto", key, REQUIRED),
            vat_id,
            kwota_vat: line_money(&mut c, params, "kwota_vat", key, vat_needed),
            kwota_brutto: line_money(&mut c, params, "kwota_brutto", key, vat_needed),
            rabat: cell(params, "rabat", key).unwrap_or("").to_string(),
        });
    }
    c.finish()?;
    // Every field is there and valid (`finish` passed): the kind's bindings, then the account.
    let (rodzaj, issued, sold) = (rodzaj.unwrap_or_default(), issued.unwrap_or_default(), sold.unwrap_or_default());
    let (_, standard_template, standard_numbering, prefix) = kind(rodzaj).unwrap_or(KINDS[0]);
    if numbering != Some(standard_numbering) {
        return Err(Fault::numbering_mismatch());
    }
    if template != Some(standard_template) {
        return Err(Fault { fields: vec!["id_szablonu".into()], ..Fault::numbering_mismatch() });
    }
    if ctx.cfg.plan_refuses_kinds.contains(&rodzaj) {
        return Err(Fault::refused(6));
    }
    if ctx.cfg.closed_months.iter().any(|m| issued.starts_with(m.as_str())) {
        return Err(Fault::refused(16));
    }
    let year: i64 = issued.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let n = d.invoice_numbers.entry((standard_numbering, year)).or_insert(0);
    *n += 1;
    let numer = format!("{prefix}/{n}/{year}");
    let payment = s.filled("forma_platnosci").and_then(check::id).filter(|f| (1..=6).contains(f)).unwrap_or(2);
    let id = next_id(&d.invoices);
    let answered_number = if rodzaj == PRO_FORMA || ctx.cfg.empty_invoice_number { String::new() } else { numer.clone() };
    d.invoices.push(Invoice {
        id,
        numer,
        rodzaj,
        id_szablonu: standard_template,
        id_numeracji: standard_numbering,
        id_kontrahenta: buyer,
        data_wystawienia: issued,
        data_sprzedazy: sold,
        forma_platnosci: payment,
        termin_platnosci: term,
        uwagi: s.text("uwagi").to_string(),
        lines,
        result_code: ctx.cfg.invoice_result_code,
        created_ms: ctx.now_ms,
        sent: check::sent(params),
    });
    Ok(Outcome::Value(json!({
        "id": id.to_string(),
        "numer": answered_number,
        "result_code": ctx.cfg.invoice_result_code,
        "ksef_data": "",
    })))
}

/// Documents by `ids` (comma-separated) and issue-date range, both optional.
pub fn list_sell_invoices(d: &mut Data, params: &Params, ctx: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let mut c = Check::default();
    let from = c.date(s, "data_wystawienia_od", OPTIONAL);
    let to = c.date(s, "data_wystawienia_do", OPTIONAL);
    let ids: Option<Vec<u64>> = s.filled("ids").map(|list| list.split(',').filter_map(check::id).collect());
    if s.filled("ids").is_some() && ids.as_ref().is_some_and(Vec::is_empty) {
        c.invalid("ids".into());
    }
    c.finish()?;
    let wanted = |i: &&Invoice| {
        ids.as_ref().is_none_or(|ids| ids.contains(&i.id))
            && from.as_ref().is_none_or(|f| i.data_wystawienia >= *f)
            && to.as_ref().is_none_or(|t| i.data_wystawienia <= *t)
    };
    let strict = ctx.cfg.strict();
    Ok(Outcome::List(d.invoices.iter().filter(wanted).map(|i| invoice_record(i, strict)).collect()))
}

fn invoice_record(i: &Invoice, strict: bool) -> (u64, Record) {
    let mut rec: Record = vec![
        ("id", num(i.id)),
        ("numer", text(&i.numer)),
        ("data_wystawienia", text(&i.data_wystawienia)),
        ("kwota_brutto", num(money(i.gross()))),
        ("forma_platnosci", num(i.forma_platnosci)),
        ("termin_platnosci", i.termin_platnosci.map_or_else(|| text(""), num)),
    ];
    if !strict {
        rec.extend([
            ("rodzaj", num(i.rodzaj)),
            ("id_kontrahenta", i.id_kontrahenta.map_or_else(|| text(""), num)),
            ("data_sprzedazy", text(&i.data_sprzedazy)),
            ("kwota_netto", num(money(i.net()))),
            ("uwagi", text(&i.uwagi)),
        ]);
    }
    (i.id, rec)
}

/// `{file: <base64 PDF>, name}` of one document.
pub fn get_sell_invoice_pdf(d: &mut Data, params: &Params, _: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let mut c = Check::default();
    let id = c.reference(s, "id", REQUIRED, |i| by_id(&d.invoices, i).is_some());
    c.finish()?;
    let invoice = id.and_then(|i| by_id(&d.invoices, i)).ok_or_else(|| Fault::fields(Vec::new(), vec!["id".into()]))?;
    let pdf = invoice_pdf(invoice);
    let name = format!("{}.pdf", invoice.numer.replace('/', "_"));
    Ok(Outcome::Value(json!({"file": base64::engine::general_purpose::STANDARD.encode(pdf), "name": name})))
}

/// A small, valid one-page PDF naming the document and its gross total (ASCII only).
pub fn invoice_pdf(invoice: &Invoice) -> Vec<u8> {
    let ascii = |s: &str| -> String { s.chars().filter(|c| c.is_ascii_alphanumeric() || " /.-,".contains(*c)).collect() };
    let line = format!("{} {} PLN", ascii(&invoice.numer), money(invoice.gross()));
    let content = format!("BT /F1 14 Tf 72 760 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1));
    out.into_bytes()
}
