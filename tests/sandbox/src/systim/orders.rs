//! Contractors and orders: `addCompany`, `listCompanies`, `addOrder`, `listOrders`.
//!
//! `addOrder` stores everything it is sent and never deduplicates; it does not touch stock and
//! does not create a contractor from the buyer data.

use serde_json::json;

use super::catalog::product_line;
use super::check::{self, lines, Check, Line, Params, Scope, OPTIONAL, REQUIRED};
use super::envelope::{num, text, Fault, Outcome, Record};
use super::methods::Ctx;
use super::model::{by_id, next_id, Company, Data, Order, OrderLine};
use super::num::{money, mul_div_round, warsaw_date};

const COMPANY_REQUIRED: [&str; 4] = ["nazwa", "miejscowosc", "kod", "ulica"];

pub fn add_company(d: &mut Data, params: &Params, _: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let mut c = Check::default();
    c.require_all(s, &COMPANY_REQUIRED);
    c.parsed(s, "termin_platnosci", OPTIONAL, check::id);
    c.date(s, "zaplanowany_kontakt", OPTIONAL);
    c.finish()?;
    let id = next_id(&d.companies);
    d.companies.push(Company { id, sent: check::sent(params) });
    Ok(Outcome::Value(json!(id)))
}

/// All contractors, or (ASSUMED filter, generous profile only) those whose NIP has the same
/// digits as `nip`. Public code shows no filter: the strict profile ignores `nip`.
pub fn list_companies(d: &mut Data, params: &Params, ctx: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let filters = ctx.cfg.assumed_methods && !ctx.cfg.strict();
    let wanted = s.filled("nip").filter(|_| filters).map(digits).filter(|n| !n.is_empty());
    let rows = d.companies.iter().filter(|co| wanted.as_ref().is_none_or(|w| digits(company_text(co, "nip")) == *w)).map(company_record);
    Ok(Outcome::List(rows.collect()))
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn company_text<'a>(co: &'a Company, name: &str) -> &'a str {
    Scope::root(&co.sent).text(name)
}

fn company_record(co: &Company) -> (u64, Record) {
    let mut rec: Record = vec![("id", num(co.id))];
    for name in ["nazwa", "nip", "ulica", "kod", "miejscowosc", "email"] {
        rec.push((name, text(company_text(co, name))));
    }
    (co.id, rec)
}

/// Buyer and delivery address fields `addOrder` requires.
const ORDER_REQUIRED: [&str; 8] = ["nazwa", "kod", "miejscowosc", "ulica", "nazwa_dostawy", "kod_dostawy", "miejscowosc_dostawy", "ulica_dostawy"];

pub fn add_order(d: &mut Data, params: &Params, ctx: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let mut c = Check::default();
    c.require_all(s, &ORDER_REQUIRED);
    c.reference(s, "id_dostawy", REQUIRED, |i| by_id(&d.delivery_methods, i).is_some());
    c.reference(s, "id_formy_platnosci", OPTIONAL, |i| by_id(&d.payment_methods, i).is_some());
    c.reference(s, "id_kontrahenta", OPTIONAL, |i| by_id(&d.companies, i).is_some());
    c.one_of(s, "id_waluty", OPTIONAL, &["0"]);
    check_orderer(&mut c, s, d);
    let status = c.parsed(s, "id_statusu", OPTIONAL, check::id).unwrap_or(1);
    let gross_prices = c.one_of(s, "naliczanie_brutto", OPTIONAL, &["0", "1"]).as_deref() == Some("1");
    let order_lines = lines(&mut c, params, "produkty").iter().filter_map(|l| order_line(&mut c, d, l, gross_prices)).collect::<Vec<_>>();
    c.finish()?;
    let (year, date) = warsaw_date(ctx.now_ms);
    let numer = match s.filled("numer") {
        Some(n) => n.to_string(),
        None => next_order_number(d, year),
    };
    let id = next_id(&d.orders);
    d.orders.push(Order {
        id,
        numer,
        data: date,
        created_ms: ctx.now_ms,
        id_statusu: status.to_string(),
        uwagi: s.text("uwagi").to_string(),
        suma_brutto: order_lines.iter().fold(0_i64, |sum, l| sum.saturating_add(l.gross)),
        lines: order_lines,
        sent: check::sent(params),
    });
    Ok(Outcome::Value(json!(id)))
}

/// An existing orderer (`id_zamawiajacego`) or a new one by first and last name.
fn check_orderer(c: &mut Check, s: Scope<'_>, d: &Data) {
    if s.filled("id_zamawiajacego").is_some() {
        c.reference(s, "id_zamawiajacego", REQUIRED, |i| by_id(&d.companies, i).is_some());
    } else {
        c.require_all(s, &["imie", "nazwisko"]);
    }
}

/// One `produkty[i]` line. A price (`cena`, or the doc example's `price`) needs `id_stawki_vat`;
/// without a price the product's own price and rate apply.
fn order_line(c: &mut Check, d: &Data, line: &Line<'_>, gross_prices: bool) -> Option<OrderLine> {
    let s = line.scope();
    let price_field = ["cena", "price"].into_iter().find(|f| s.filled(f).is_some());
    let price = price_field.and_then(|f| c.money(s, f, REQUIRED));
    let vat = c.reference(s, "id_stawki_vat", price_field.is_some(), |i| by_id(&d.vat_rates, i).is_some());
    let (product, qty) = product_line(c, d, s, "id")?;
    let vat_id = vat.unwrap_or(product.vat_id);
    let unit = price.unwrap_or(if gross_prices { product.cena_brutto } else { product.cena_netto });
    let value = mul_div_round(unit, qty, 1_000);
    let gross = if gross_prices { value } else { mul_div_round(value, 100 + d.vat_percent(vat_id), 100) };
    Some(OrderLine { key: line.key.clone(), product_id: product.id, qty_milli: qty, vat_id, gross, sent: line.map.clone() })
}

fn next_order_number(d: &mut Data, year: i64) -> String {
    let n = d.order_numbers.entry(year).or_insert(0);
    *n += 1;
    format!("ZAM/{n}/{year}")
}

/// Orders whose date is within `data_od`..=`data_do` (both optional, `YYYY-MM-DD`).
pub fn list_orders(d: &mut Data, params: &Params, _: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let mut c = Check::default();
    let from = c.date(s, "data_od", OPTIONAL);
    let to = c.date(s, "data_do", OPTIONAL);
    c.finish()?;
    let in_range = |o: &&Order| from.as_ref().is_none_or(|f| o.data >= *f) && to.as_ref().is_none_or(|t| o.data <= *t);
    Ok(Outcome::List(d.orders.iter().filter(in_range).map(order_record).collect()))
}

fn order_record(o: &Order) -> (u64, Record) {
    let rec = vec![
        ("id", num(o.id)),
        ("numer", text(&o.numer)),
        ("data", text(&o.data)),
        ("uwagi", text(&o.uwagi)),
        ("id_statusu", num(&o.id_statusu)),
        ("suma_brutto", num(money(o.suma_brutto))),
    ];
    (o.id, rec)
}
