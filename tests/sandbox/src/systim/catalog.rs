//! Products and stock: `listProducts`, `addProduct`, `listPQuantities`, `addStoreDocument`.

use serde_json::json;

use super::check::{self, lines, Check, Params, Scope, OPTIONAL, REQUIRED};
use super::config::PqKey;
use super::envelope::{num, text, text_or_null, Cell, Fault, Outcome, Record};
use super::methods::Ctx;
use super::model::{by_id, next_id, Data, Movement, Product, StoreDocument};
use super::num::{money, parse_scaled, quantity};

pub fn list_products(d: &mut Data, _: &Params, ctx: &Ctx) -> Result<Outcome, Fault> {
    let rows = d.products.iter().map(|p| (p.id, product_record(d, ctx, p)));
    Ok(Outcome::List(rows.collect()))
}

/// The contract's product record; with the ASSUMED surface off only the fields third-party
/// code is known to read (`nazwa`, `cena_netto`, `jednostka`, `stawka_vat`).
fn product_record(d: &Data, ctx: &Ctx, p: &Product) -> Record {
    if !ctx.cfg.assumed_methods {
        return vec![
            ("id", num(p.id)),
            ("nazwa", text(&p.nazwa)),
            ("cena_netto", num(money(p.cena_netto))),
            ("jednostka", text(&p.jednostka)),
            ("stawka_vat", num(p.vat_id)),
        ];
    }
    // In the advanced warehouse the product has no quantity of its own (see listPQuantities).
    let ilosc = if ctx.cfg.advanced_warehouse { text("") } else { num(quantity(d.quantity(p.id, d.main_store()))) };
    vec![
        ("id", num(p.id)),
        ("nazwa", text(&p.nazwa)),
        ("kod_produktu", text(&p.kod_produktu)),
        ("kod_kreskowy", text(&p.kod_kreskowy)),
        ("cena_netto", num(money(p.cena_netto))),
        ("cena_brutto", num(money(p.cena_brutto))),
        ("stawka_vat", num(p.vat_id)),
        ("id_kategorii", num(p.category_id)),
        ("jednostka", text(&p.jednostka)),
        ("rodzaj", num(p.rodzaj)),
        ("ukryty", num(u8::from(p.ukryty))),
        ("ilosc", ilosc),
    ]
}

const FLAG: [&str; 2] = ["0", "1"];

pub fn add_product(d: &mut Data, params: &Params, ctx: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let mut c = Check::default();
    let nazwa = c.require(s, "nazwa").unwrap_or_default().to_string();
    let cena_brutto = c.money(s, "cena_brutto", REQUIRED);
    let cena_netto = c.money(s, "cena_netto", REQUIRED);
    let category_id = c.reference(s, "id_kategorii", REQUIRED, |i| by_id(&d.categories, i).is_some());
    let vat_id = c.reference(s, "stawka_vat", REQUIRED, |i| by_id(&d.vat_rates, i).is_some());
    let rodzaj = c.one_of(s, "rodzaj", REQUIRED, &FLAG);
    let ukryty = c.one_of(s, "ukryty", OPTIONAL, &FLAG);
    if c.one_of(s, "naliczanie", OPTIONAL, &FLAG).as_deref() == Some("1") && !params.contains_key("ceny") {
        c.missing("ceny".into());
    }
    // `ilosc` only counts in the simplified warehouse; the advanced one ignores it.
    let ilosc = if ctx.cfg.advanced_warehouse { None } else { c.parsed(s, "ilosc", OPTIONAL, |v| parse_scaled(v, 3)) };
    c.finish()?;
    let id = next_id(&d.products);
    d.products.push(Product {
        id,
        nazwa,
        kod_produktu: s.text("kod_produktu").to_string(),
        kod_kreskowy: s.text("kod_kreskowy").to_string(),
        cena_netto: cena_netto.unwrap_or_default(),
        cena_brutto: cena_brutto.unwrap_or_default(),
        vat_id: vat_id.unwrap_or_default(),
        category_id: category_id.unwrap_or_default(),
        jednostka: s.text("jednostka").to_string(),
        rodzaj: u8::from(rodzaj.as_deref() == Some("1")),
        ukryty: ukryty.as_deref() == Some("1"),
        note: String::new(),
        sent: Some(check::sent(params)),
    });
    if let Some(q) = ilosc {
        let store = d.main_store();
        d.add_stock(id, store, q);
    }
    Ok(Outcome::Value(json!(id)))
}

/// Stock of every goods product (services have none) in one store.
///
/// Rows as public code reads them: `nazwa_produktu`, `kod_kreskowy` (`null` when empty), `ilosc`
/// (`null` for the products of `null_quantities`); the generous profile adds the contract's
/// `id_produktu` first. The key is the product id, or (`pquantities_key: "row"`) the row's rank
/// by product name.
pub fn list_quantities(d: &mut Data, params: &Params, ctx: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let mut c = Check::default();
    let store = c.reference(s, "id_magazynu", REQUIRED, |i| by_id(&d.stores, i).is_some());
    c.finish()?;
    let store = store.unwrap_or_default();
    let goods: Vec<&Product> = d.products.iter().filter(|p| p.rodzaj == 0).collect();
    let row_numbers = match ctx.cfg.pquantities_key {
        PqKey::ProductId => None,
        PqKey::Row => {
            let mut by_name: Vec<(&str, u64)> = goods.iter().map(|p| (p.nazwa.as_str(), p.id)).collect();
            by_name.sort();
            Some(by_name.into_iter().zip(1_u64..).map(|((_, id), row)| (id, row)).collect::<std::collections::BTreeMap<u64, u64>>())
        }
    };
    let row = |p: &&Product| -> (u64, Record) {
        let mut cells = Vec::with_capacity(4);
        if !ctx.cfg.strict() {
            cells.push(("id_produktu", num(p.id)));
        }
        let ilosc = if ctx.null_quantities.contains(&p.id) { Cell::Null } else { num(quantity(d.quantity(p.id, store))) };
        cells.extend([("nazwa_produktu", text(&p.nazwa)), ("kod_kreskowy", text_or_null(&p.kod_kreskowy)), ("ilosc", ilosc)]);
        let key = row_numbers.as_ref().and_then(|rows| rows.get(&p.id).copied()).unwrap_or(p.id);
        (key, cells)
    };
    Ok(Outcome::List(goods.iter().map(row).collect()))
}

/// A line naming a product and a positive quantity (`produkty[i]`, `pozycje[i]`).
pub fn product_line<'d>(c: &mut Check, d: &'d Data, s: Scope<'_>, id_field: &str) -> Option<(&'d Product, i64)> {
    let product = c.reference(s, id_field, REQUIRED, |i| d.product(i).is_some()).and_then(|i| d.product(i));
    let qty = c.quantity(s, "ilosc", REQUIRED);
    Some((product?, qty?))
}

/// Document kinds (`rodzaj`) and the sign they move stock with: receipts PZ 3, ZW 9, PRW 20;
/// issues WZ 4, WW 10, WP 11; transfer MM 8.
const RECEIPTS: [u64; 3] = [3, 9, 20];
const ISSUES: [u64; 3] = [4, 10, 11];
const TRANSFER: u64 = 8;

pub fn add_store_document(d: &mut Data, params: &Params, ctx: &Ctx) -> Result<Outcome, Fault> {
    let s = Scope::root(params);
    let mut c = Check::default();
    let store_exists = |i| by_id(&d.stores, i).is_some();
    let store = c.reference(s, "id_magazynu", REQUIRED, store_exists);
    c.date(s, "data_wystawienia", REQUIRED);
    c.reference(s, "id_kontrahenta", OPTIONAL, |i| by_id(&d.companies, i).is_some());
    // `id_faktury` (doc): the sales document an issue (WZ) is made for.
    let invoice_id = c.reference(s, "id_faktury", OPTIONAL, |i| by_id(&d.invoices, i).is_some());
    let rodzaj = c.parsed(s, "rodzaj", REQUIRED, |v| check::id(v).filter(|r| RECEIPTS.contains(r) || ISSUES.contains(r) || *r == TRANSFER));
    let source = match rodzaj {
        Some(r) if RECEIPTS.contains(&r) => {
            c.date(s, "data_przyjecia", REQUIRED);
            None
        }
        Some(r) if ISSUES.contains(&r) => {
            c.date(s, "data_wydania", REQUIRED);
            None
        }
        Some(_) => {
            c.date(s, "data_operacji", REQUIRED);
            c.reference(s, "id_magazynu_zrodlowego", REQUIRED, store_exists)
        }
        None => None,
    };
    if invoice_id.is_some() && !rodzaj.is_some_and(|r| ISSUES.contains(&r)) {
        c.invalid("id_faktury".into());
    }
    if source.is_some() && source == store {
        c.invalid("id_magazynu_zrodlowego".into());
    }
    let moves = document_lines(&mut c, d, params);
    c.finish()?;
    let doc = StoreDocument {
        id: next_id(&d.documents),
        rodzaj: rodzaj.unwrap_or_default(),
        store_id: store.unwrap_or_default(),
        source_store_id: source,
        invoice_id,
        lines: moves,
        sent: check::sent(params),
        created_ms: ctx.now_ms,
    };
    apply_document(d, &doc);
    let id = doc.id;
    d.documents.push(doc);
    Ok(Outcome::Value(json!(id)))
}

fn document_lines(c: &mut Check, d: &Data, params: &Params) -> Vec<Movement> {
    let mut moves = Vec::new();
    for line in lines(c, params, "pozycje") {
        let s = line.scope();
        c.money(s, "cena_netto", OPTIONAL);
        if let Some((p, qty)) = product_line(c, d, s, "id_produktu") {
            moves.push(Movement { product_id: p.id, qty_milli: qty });
        }
    }
    moves
}

fn apply_document(d: &mut Data, doc: &StoreDocument) {
    for m in &doc.lines {
        match doc.source_store_id {
            Some(source) => {
                d.add_stock(m.product_id, source, m.qty_milli.saturating_neg());
                d.add_stock(m.product_id, doc.store_id, m.qty_milli);
            }
            None if ISSUES.contains(&doc.rodzaj) => d.add_stock(m.product_id, doc.store_id, m.qty_milli.saturating_neg()),
            None => d.add_stock(m.product_id, doc.store_id, m.qty_milli),
        }
    }
}
