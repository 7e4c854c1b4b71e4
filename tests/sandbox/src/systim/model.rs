//! The account's data: dictionaries, products, stock per store, contractors, orders, documents.
//! Texts are stored exactly as sent (escaping happens on output); money in grosze, quantities in
//! thousandths. Every collection is kept sorted by id (ids only grow).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::num;

/// A dictionary row: category, store, delivery or payment method.
#[derive(Clone, Debug)]
pub struct Named {
    pub id: u64,
    pub nazwa: String,
    /// Parent id (categories only; 0 = top level).
    pub parent: u64,
}

#[derive(Clone, Debug)]
pub struct VatRate {
    pub id: u64,
    pub nazwa: String,
    pub percent: i64,
}

#[derive(Clone, Debug)]
pub struct Product {
    pub id: u64,
    pub nazwa: String,
    pub kod_produktu: String,
    pub kod_kreskowy: String,
    pub cena_netto: i64,
    pub cena_brutto: i64,
    pub vat_id: u64,
    pub category_id: u64,
    pub jednostka: String,
    /// 0 product, 1 service.
    pub rodzaj: u8,
    pub ukryty: bool,
    /// Seed note naming the trap this product is (empty for products added through the API).
    pub note: String,
    /// Every parameter `addProduct` was sent (credentials removed); `None` for seeded products.
    pub sent: Option<Map<String, Value>>,
}

#[derive(Clone, Debug)]
pub struct Company {
    pub id: u64,
    pub sent: Map<String, Value>,
}

#[derive(Clone, Debug)]
pub struct OrderLine {
    /// The line's key as sent (`produkty[<key>]`).
    pub key: String,
    pub product_id: u64,
    pub qty_milli: i64,
    /// VAT-rate id in force for the line (sent, else the product's).
    pub vat_id: u64,
    /// Gross value of the line, grosze (unit price × quantity, rounded per line).
    pub gross: i64,
    pub sent: Map<String, Value>,
}

#[derive(Clone, Debug)]
pub struct Order {
    pub id: u64,
    pub numer: String,
    /// Order date `YYYY-MM-DD` (Polish local date at creation).
    pub data: String,
    pub created_ms: u64,
    pub id_statusu: String,
    pub uwagi: String,
    pub suma_brutto: i64,
    pub lines: Vec<OrderLine>,
    pub sent: Map<String, Value>,
}

/// A stock movement line of a warehouse document.
#[derive(Clone, Debug)]
pub struct Movement {
    pub product_id: u64,
    pub qty_milli: i64,
}

#[derive(Clone, Debug)]
pub struct StoreDocument {
    pub id: u64,
    pub rodzaj: u64,
    pub store_id: u64,
    pub source_store_id: Option<u64>,
    /// `id_faktury`: the sales document a WZ is issued for.
    pub invoice_id: Option<u64>,
    pub lines: Vec<Movement>,
    pub sent: Map<String, Value>,
    /// When it was made (the sandbox's clock).
    pub created_ms: u64,
}

/// One line of a sales document, exactly as sent (the API computes nothing).
#[derive(Clone, Debug)]
pub struct InvoiceLine {
    pub key: String,
    pub product_id: Option<u64>,
    pub opis: String,
    pub qty_milli: i64,
    pub jednostka: String,
    pub cena_netto: i64,
    pub kwota_netto: i64,
    pub vat_id: Option<u64>,
    pub kwota_vat: i64,
    pub kwota_brutto: i64,
    /// A per-line discount as sent (percent text; only on documents of one or two lines — three
    /// or more crash the backend).
    pub rabat: String,
}

/// A sales document (`addSellInvoice`).
#[derive(Clone, Debug)]
pub struct Invoice {
    pub id: u64,
    /// The number given by its numbering (`FV/1/2026`).
    pub numer: String,
    pub rodzaj: u64,
    pub id_szablonu: u64,
    pub id_numeracji: u64,
    pub id_kontrahenta: Option<u64>,
    pub data_wystawienia: String,
    pub data_sprzedazy: String,
    /// The payment form id in force: the one sent when it is 1–6, else 2 (cash), as Systim
    /// stores a name or nothing.
    pub forma_platnosci: u64,
    pub termin_platnosci: Option<u64>,
    pub uwagi: String,
    pub lines: Vec<InvoiceLine>,
    /// `result_code` answered: 0 auto-accounting off, 100/101 ledger entry, 102 accounting failed.
    pub result_code: u64,
    pub created_ms: u64,
    pub sent: Map<String, Value>,
}

impl Invoice {
    pub fn gross(&self) -> i64 {
        self.lines.iter().fold(0_i64, |s, l| s.saturating_add(l.kwota_brutto))
    }
    pub fn net(&self) -> i64 {
        self.lines.iter().fold(0_i64, |s, l| s.saturating_add(l.kwota_netto))
    }
}

#[derive(Clone, Debug, Default)]
pub struct Data {
    pub categories: Vec<Named>,
    pub vat_rates: Vec<VatRate>,
    pub stores: Vec<Named>,
    pub delivery_methods: Vec<Named>,
    pub payment_methods: Vec<Named>,
    pub products: Vec<Product>,
    /// (product id, store id) → quantity in thousandths; absent = 0.
    pub stock: BTreeMap<(u64, u64), i64>,
    pub companies: Vec<Company>,
    pub orders: Vec<Order>,
    pub documents: Vec<StoreDocument>,
    /// Last automatic order number per year (`ZAM/<n>/<year>`).
    pub order_numbers: BTreeMap<i64, u64>,
    pub invoices: Vec<Invoice>,
    /// Last number per (numbering id, year) of sales documents.
    pub invoice_numbers: BTreeMap<(u64, i64), u64>,
}

/// Anything stored with an id.
pub trait HasId {
    fn id(&self) -> u64;
}

macro_rules! has_id {
    ($($t:ty),*) => { $(impl HasId for $t { fn id(&self) -> u64 { self.id } })* };
}
has_id!(Named, VatRate, Product, Company, Order, StoreDocument, Invoice);

/// The row with `id` in an id-sorted collection.
pub fn by_id<T: HasId>(rows: &[T], id: u64) -> Option<&T> {
    rows.binary_search_by_key(&id, HasId::id).ok().and_then(|i| rows.get(i))
}

/// The id the next row of an id-sorted collection gets.
pub fn next_id<T: HasId>(rows: &[T]) -> u64 {
    rows.last().map_or(1, |r| r.id().saturating_add(1))
}

impl Data {
    pub fn product(&self, id: u64) -> Option<&Product> {
        by_id(&self.products, id)
    }
    pub fn quantity(&self, product_id: u64, store_id: u64) -> i64 {
        self.stock.get(&(product_id, store_id)).copied().unwrap_or(0)
    }
    /// Add `delta` thousandths to a product's stock in a store (saturating).
    pub fn add_stock(&mut self, product_id: u64, store_id: u64, delta: i64) {
        let q = self.stock.entry((product_id, store_id)).or_insert(0);
        *q = q.saturating_add(delta);
    }
    /// The first store (the one the simplified warehouse's product quantity belongs to).
    pub fn main_store(&self) -> u64 {
        self.stores.first().map_or(1, |s| s.id)
    }
    pub fn vat_percent(&self, vat_id: u64) -> i64 {
        by_id(&self.vat_rates, vat_id).map_or(0, |v| v.percent)
    }

    /// Full state for tests (texts raw, not escaped).
    pub fn to_json(&self) -> Value {
        json!({
            "categories": self.categories.iter().map(|c| json!({"id": c.id, "nazwa": c.nazwa, "id_rodzica": c.parent})).collect::<Vec<_>>(),
            "vat_rates": self.vat_rates.iter().map(|v| json!({"id": v.id, "nazwa": v.nazwa, "stawka": v.percent})).collect::<Vec<_>>(),
            "stores": named_json(&self.stores),
            "delivery_methods": named_json(&self.delivery_methods),
            "payment_methods": named_json(&self.payment_methods),
            "products": self.products.iter().map(|p| self.product_json(p)).collect::<Vec<_>>(),
            "companies": self.companies.iter().map(|c| json!({"id": c.id, "sent": c.sent})).collect::<Vec<_>>(),
            "orders": self.orders.iter().map(order_json).collect::<Vec<_>>(),
            "documents": self.documents.iter().map(document_json).collect::<Vec<_>>(),
            "invoices": self.invoices.iter().map(invoice_json).collect::<Vec<_>>(),
        })
    }

    fn product_json(&self, p: &Product) -> Value {
        let stock: Map<String, Value> = self.stores.iter().map(|s| (s.id.to_string(), json!(self.quantity(p.id, s.id)))).collect();
        json!({
            "id": p.id, "nazwa": p.nazwa, "kod_produktu": p.kod_produktu, "kod_kreskowy": p.kod_kreskowy,
            "cena_netto": p.cena_netto, "cena_brutto": p.cena_brutto, "stawka_vat": p.vat_id,
            "id_kategorii": p.category_id, "jednostka": p.jednostka, "rodzaj": p.rodzaj, "ukryty": p.ukryty,
            "note": p.note, "stock_milli": stock, "sent": p.sent,
        })
    }
}

fn named_json(rows: &[Named]) -> Value {
    Value::Array(rows.iter().map(|r| json!({"id": r.id, "nazwa": r.nazwa})).collect())
}

fn order_json(o: &Order) -> Value {
    let lines: Vec<Value> = o
        .lines
        .iter()
        .map(|l| json!({"key": l.key, "id": l.product_id, "ilosc_milli": l.qty_milli, "id_stawki_vat": l.vat_id, "brutto_grosze": l.gross, "sent": l.sent}))
        .collect();
    json!({
        "id": o.id, "numer": o.numer, "data": o.data, "created_ms": o.created_ms, "id_statusu": o.id_statusu,
        "uwagi": o.uwagi, "suma_brutto": num::money(o.suma_brutto), "suma_brutto_grosze": o.suma_brutto,
        "lines": lines, "sent": o.sent,
    })
}

fn invoice_json(i: &Invoice) -> Value {
    let lines: Vec<Value> = i
        .lines
        .iter()
        .map(|l| {
            json!({
                "key": l.key, "id_produktu": l.product_id, "opis": l.opis, "ilosc_milli": l.qty_milli, "jednostka": l.jednostka,
                "cena_netto_grosze": l.cena_netto, "kwota_netto_grosze": l.kwota_netto, "stawka_vat": l.vat_id,
                "kwota_vat_grosze": l.kwota_vat, "kwota_brutto_grosze": l.kwota_brutto, "rabat": l.rabat,
            })
        })
        .collect();
    json!({
        "id": i.id, "numer": i.numer, "rodzaj": i.rodzaj, "id_szablonu": i.id_szablonu, "id_numeracji": i.id_numeracji,
        "id_kontrahenta": i.id_kontrahenta, "data_wystawienia": i.data_wystawienia, "data_sprzedazy": i.data_sprzedazy,
        "forma_platnosci": i.forma_platnosci, "termin_platnosci": i.termin_platnosci, "uwagi": i.uwagi,
        "kwota_netto_grosze": i.net(), "kwota_brutto_grosze": i.gross(), "kwota_brutto": num::money(i.gross()),
        "result_code": i.result_code, "created_ms": i.created_ms, "lines": lines, "sent": i.sent,
    })
}

fn document_json(d: &StoreDocument) -> Value {
    let lines: Vec<Value> = d.lines.iter().map(|l| json!({"id_produktu": l.product_id, "ilosc_milli": l.qty_milli})).collect();
    json!({"id": d.id, "rodzaj": d.rodzaj, "id_magazynu": d.store_id, "id_magazynu_zrodlowego": d.source_store_id, "id_faktury": d.invoice_id, "lines": lines, "sent": d.sent, "created_ms": d.created_ms})
}
