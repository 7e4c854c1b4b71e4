//! Systim jsonAPI payloads (systim-contract.md, systim-public-code.md, systim-api.md §1, §3, §8,
//! §11.2) → the domain.
//!
//! Every text is HTML-unescaped once (Systim `htmlspecialchars`es its output). Lists arrive as an
//! object keyed by id, an array, or `[]`; code 8 ("no data") is an empty list.
//!
//! The two lists that carry a whole catalogue — `listProducts` and `listPQuantities` (Systim has
//! no pages) — are read record by record from the answer's text ([`super::stream`]): the client
//! hands each record to a [`ProductRecords`] or [`StoreRows`] sink as it is read, with only the
//! fields these decoders read, and no `Value` tree of the whole answer is ever built. The
//! dictionaries are small and decoded from a `Value` first ([`Dictionaries`]), since products are
//! read against them; [`assemble`] makes the snapshot. The functions taking a `Value`
//! ([`products`], [`snapshot`]) run the very same sinks over a list held whole.
//!
//! **Stock rows.** Public code reads `listPQuantities` rows as `nazwa_produktu`, `kod_kreskowy`
//! (may be `null`) and `ilosc` (may be `null`); nobody reads `id_produktu`, and what the map key
//! means is unknown (probably the product id). A row belongs to the product its key — or its
//! `id_produktu`, when present — names **if the row agrees with that product**: at least one of
//! name (white space and case aside) and barcode on both sides and equal, and neither
//! contradicting. Otherwise it belongs to the one product with its barcode, when exactly one
//! product (counting those left out) has it. Otherwise it is reported by its name and its figure
//! is not used; the product it was meant for then has no figure in that store (never 0). A product
//! with two rows in one store has no figure there either. A row of a product whose record was left
//! out is not reported again (only an unreadable `ilosc` of it).
//!
//! What a bad value costs:
//!
//! | record | left out when unreadable | only the field is ignored (noted) |
//! |---|---|---|
//! | product | `id`, `cena_brutto`, `cena_netto` | EAN, `stawka_vat`/`id_kategorii` and unknown references, `rodzaj`, `ukryty`, texts; `ilosc` (simplified mode) or an unreadable, missing-figure or doubled `listPQuantities` row of it: the product is kept, with no stock figure at all (in `unreadable_stock`) |
//! | stock row (`listPQuantities`) | a row that is no object, or that cannot be told to be one product's (above); `ilosc` unset (`null`, `""`) or unreadable — never read as 0 | `id_produktu` (ignored when unreadable) |
//! | order (`listOrders`) | `id` | `suma_brutto`, `data`, `id_statusu` (so the import marker in `uwagi` is never lost) |
//! | dictionaries | their id | names, VAT cross-check |
//!
//! Unset prices (`""`, `null`) are 0 (no price, which the plans refuse to use); unset `ilosc` in
//! the simplified mode means no stock figure at all, not 0.

use super::lenient;
use super::stream::{self, Records};
use super::{by_id, decode_records, keep, lookup, At, ById, DecodeError, DecodedList, Kind, Rec, Record};
use crate::domain::{NamedId, ProductCode, SystimCategory, SystimProduct, SystimSnapshot, SystimVatRate, Warehouse};
use crate::money::{Money, Qty};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Envelope

/// `error` of a failed call (`code > 0`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystimEnvelopeError {
    pub code: u32,
    pub message: String,
    /// The offending fields, from `fields` in whichever of its forms.
    pub fields: Vec<String>,
}

impl SystimEnvelopeError {
    /// Unknown method (an ASSUMED method this account lacks).
    pub const UNKNOWN_METHOD: u32 = 1;
    /// Throttled or IP-blocked.
    pub const THROTTLED: u32 = 2;
    /// Wrong login or API key.
    pub const BAD_CREDENTIALS: u32 = 4;
    /// Missing or invalid field (named in `fields`).
    pub const INVALID_FIELD: u32 = 6;
    /// No data (list methods: an empty list).
    pub const NO_DATA: u32 = 8;
    /// No session: the token expired or was killed by a web login.
    pub const NO_SESSION: u32 = 13;
}

impl fmt::Display for SystimEnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = if self.message.trim().is_empty() { "bez opisu" } else { self.message.trim() };
        write!(f, "błąd Systim (kod {}): {message}", self.code)?;
        if !self.fields.is_empty() {
            write!(f, "; pola: {}", self.fields.join(", "))?;
        }
        Ok(())
    }
}

/// Why a Systim answer gave no result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystimResponseError {
    /// Not JSON at all: a PHP error page or an empty body (a transient server error).
    ServerErrorPage { snippet: String },
    /// The envelope reports a failure.
    Api(SystimEnvelopeError),
    /// JSON, but not an envelope that can be read.
    Malformed(DecodeError),
}

impl fmt::Display for SystimResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SystimResponseError::ServerErrorPage { snippet } if snippet.is_empty() => {
                write!(f, "Systim zwrócił pustą odpowiedź (błąd serwera)")
            }
            SystimResponseError::ServerErrorPage { snippet } => {
                write!(f, "Systim zwrócił stronę błędu serwera zamiast danych: „{snippet}”")
            }
            SystimResponseError::Api(e) => e.fmt(f),
            SystimResponseError::Malformed(e) => write!(f, "nieczytelna odpowiedź Systim: {e}"),
        }
    }
}

impl std::error::Error for SystimResponseError {}

const RESPONSE: &str = "odpowiedź Systim";

/// Read the envelope `{"error":{"code","message","fields"},"result":…}` and hand back `result`
/// (`null` when absent). `code` may be a number or a string; a missing or `null` `error` is
/// success.
pub fn envelope(body: &[u8]) -> Result<Value, SystimResponseError> {
    let mut value: Value = serde_json::from_slice(body).map_err(|_| SystimResponseError::ServerErrorPage { snippet: page_snippet(body) })?;
    let rec = Rec::root(&value, RESPONSE, true).map_err(SystimResponseError::Malformed)?;
    if let Some(error) = rec.object("error").map_err(|e| SystimResponseError::Malformed(DecodeError { record_skipped: true, ..e }))? {
        let code = error.maybe("code", lenient::uint_as::<u32>).map_err(SystimResponseError::Malformed)?.unwrap_or(0);
        if code > 0 {
            let mut ignored = Vec::new();
            let message = error.text("message", &mut ignored);
            let fields = error.get("fields").map(field_names).unwrap_or_default();
            return Err(SystimResponseError::Api(SystimEnvelopeError { code, message, fields }));
        }
    }
    Ok(value.get_mut("result").map(Value::take).unwrap_or(Value::Null))
}

/// [`envelope`] for list methods: code 8 ("no data") is an empty list.
pub fn list_envelope(body: &[u8]) -> Result<Value, SystimResponseError> {
    match envelope(body) {
        Err(SystimResponseError::Api(e)) if e.code == SystimEnvelopeError::NO_DATA => Ok(Value::Array(Vec::new())),
        other => other,
    }
}

/// `fields` as an array of names, an object keyed by name, one string, or absent.
fn field_names(fields: &Value) -> Vec<String> {
    let name = |v: &Value| lenient::text(v).ok().flatten().map(|t| lenient::unescape(t.trim()));
    let names: Vec<String> = match fields {
        Value::Array(items) => items.iter().filter_map(name).collect(),
        Value::Object(map) => map.keys().map(|k| lenient::unescape(k.trim())).collect(),
        other => name(other).into_iter().collect(),
    };
    names.into_iter().filter(|f| !f.is_empty()).collect()
}

/// The start of a non-JSON body as plain text: tags dropped, white space collapsed, at most 120
/// characters.
fn page_snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let collapsed = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(120).collect()
}

// ---------------------------------------------------------------------------------------------
// Lists

const PRODUCT: Kind = Kind { name: "produkt Systim id", id_fields: &["id"], entities: true };
const STOCK_ROW: Kind = Kind { name: "stan produktu Systim id", id_fields: &["id_produktu", "id"], entities: true };
const VAT_RATE: Kind = Kind { name: "stawka VAT Systim id", id_fields: &["id"], entities: true };
const CATEGORY: Kind = Kind { name: "kategoria Systim id", id_fields: &["id"], entities: true };
const STORE: Kind = Kind { name: "magazyn Systim id", id_fields: &["id"], entities: true };
const DELIVERY: Kind = Kind { name: "sposób dostawy Systim id", id_fields: &["id"], entities: true };
const PAYMENT: Kind = Kind { name: "forma płatności Systim id", id_fields: &["id"], entities: true };
const COMPANY: Kind = Kind { name: "kontrahent Systim id", id_fields: &["id"], entities: true };
const ORDER: Kind = Kind { name: "zamówienie Systim id", id_fields: &["id"], entities: true };

/// The records of a list result with their keys; a result that is no list is one error.
pub(super) fn records<'a>(result: &'a Value, method: &str) -> Result<Vec<(At<'a>, &'a Value)>, DecodeError> {
    let entries = lenient::entries(result).map_err(|e| DecodeError {
        record: format!("lista {method} (Systim)"),
        field: "result".into(),
        problem: e.to_string(),
        record_skipped: true,
    })?;
    Ok(entries.into_iter().enumerate().map(|(pos, (key, v))| (At { pos, key }, v)).collect())
}

pub(super) fn decode_list<'a, T>(
    result: &'a Value,
    method: &str,
    kind: &Kind,
    build: impl FnMut(&Rec<'a>, u64, &mut Vec<DecodeError>) -> Result<T, DecodeError>,
) -> DecodedList<T> {
    match records(result, method) {
        Ok(records) => decode_records(records, kind, build),
        Err(e) => (Vec::new(), vec![e]),
    }
}

/// `listVatRates`: `{id, nazwa, stawka}`; the rate is read from the name, cross-checked by value.
pub fn vat_rates(result: &Value) -> DecodedList<SystimVatRate> {
    decode_list(result, "listVatRates", &VAT_RATE, |rec, id, notes| {
        Ok(SystimVatRate { id, name: rec.text("nazwa", notes), rate: rec.vat("nazwa", "stawka", notes) })
    })
}

/// `listCategories` (ASSUMED): `{id, nazwa, id_rodzica}`.
pub fn categories(result: &Value) -> DecodedList<SystimCategory> {
    decode_list(result, "listCategories", &CATEGORY, |rec, id, notes| {
        Ok(SystimCategory { id, name: rec.text("nazwa", notes), parent_id: rec.reference("id_rodzica", notes) })
    })
}

/// `listStores` (ASSUMED): warehouses `{id, nazwa}`.
pub fn stores(result: &Value) -> DecodedList<Warehouse> {
    decode_list(result, "listStores", &STORE, |rec, id, notes| Ok(Warehouse { id, name: rec.text("nazwa", notes) }))
}

/// `listDeliveryMethods` (ASSUMED).
pub fn delivery_methods(result: &Value) -> DecodedList<NamedId> {
    decode_list(result, "listDeliveryMethods", &DELIVERY, named_id)
}

/// `listPaymentMethods` (ASSUMED).
pub fn payment_methods(result: &Value) -> DecodedList<NamedId> {
    decode_list(result, "listPaymentMethods", &PAYMENT, named_id)
}

fn named_id(rec: &Rec, id: u64, notes: &mut Vec<DecodeError>) -> Result<NamedId, DecodeError> {
    Ok(NamedId { id, name: rec.text("nazwa", notes) })
}

/// A contractor (`listCompanies`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystimCompany {
    pub id: u64,
    pub name: String,
    /// As stored (any spelling); normalise with [`crate::domain::Nip::parse`].
    pub nip: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub email: String,
}

/// `listCompanies`: `{id, nazwa, nip, ulica, kod, miejscowosc, email}`.
pub fn companies(result: &Value) -> DecodedList<SystimCompany> {
    decode_list(result, "listCompanies", &COMPANY, |rec, id, notes| {
        Ok(SystimCompany {
            id,
            name: rec.text("nazwa", notes),
            nip: rec.text("nip", notes),
            street: rec.text("ulica", notes),
            postcode: rec.text("kod", notes),
            city: rec.text("miejscowosc", notes),
            email: rec.text("email", notes),
        })
    })
}

/// An order header (`listOrders`, ASSUMED).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystimOrder {
    pub id: u64,
    /// `numer` (`ZAM/12/2024`).
    pub number: String,
    /// `data`, unset when empty or zero.
    pub date: Option<String>,
    /// `uwagi`: carries the import marker `Shoper <order_id> @ <host>`.
    pub notes: String,
    pub status_id: Option<u64>,
    /// `suma_brutto`; `None` when unset or unreadable (noted).
    pub total_gross: Option<Money>,
}

/// `listOrders`: `{id, numer, data, uwagi, id_statusu, suma_brutto}`. Only the id costs the
/// record: the marker in `uwagi` is what prevents duplicate imports.
pub fn orders(result: &Value) -> DecodedList<SystimOrder> {
    decode_list(result, "listOrders", &ORDER, |rec, id, notes| {
        Ok(SystimOrder {
            id,
            number: rec.text("numer", notes),
            date: rec.opt("data", lenient::date, notes),
            notes: rec.text("uwagi", notes),
            status_id: rec.reference("id_statusu", notes),
            total_gross: rec.opt("suma_brutto", lenient::money, notes),
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Stock and products

/// The Systim warehouse the simplified mode's `ilosc` belongs to (the account's first warehouse).
pub const SIMPLIFIED_STORE_ID: u64 = 1;

/// The problem of a list result that is no list.
fn not_a_list(method: &str, found: &'static str) -> DecodeError {
    DecodeError {
        record: format!("lista {method} (Systim)"),
        field: "result".into(),
        problem: lenient::WireError::WrongType { expected: "lista", found }.to_string(),
        record_skipped: true,
    }
}

/// A text as [`Rec::text`] reads it (entities decoded), but trimmed and without notes: the texts
/// a stock row is joined by only weaken the join when unreadable, and a row that cannot be joined
/// is reported as such.
fn join_text(value: Option<&Value>) -> String {
    match value.map(lenient::text) {
        // (Without `&` there is no entity to decode: the text is only trimmed, copied at most once.)
        Some(Ok(Some(text))) if text.contains('&') => lenient::unescape(text.trim()).trim().to_string(),
        Some(Ok(Some(text))) if text.trim().len() == text.len() => text,
        Some(Ok(Some(text))) => text.trim().to_string(),
        _ => String::new(),
    }
}

/// The fields of a product record the decoder reads.
const PRODUCT_FIELDS: &[&str] =
    &["id", "nazwa", "kod_produktu", "kod_kreskowy", "cena_netto", "cena_brutto", "stawka_vat", "id_kategorii", "jednostka", "rodzaj", "ukryty", "ilosc"];

/// The fields of a `listPQuantities` row the decoder reads.
const STOCK_ROW_FIELDS: &[&str] = &["id_produktu", "nazwa_produktu", "kod_kreskowy", "ilosc"];

/// One `listPQuantities` row as read. Public code reads only `nazwa_produktu`, `kod_kreskowy` and
/// `ilosc` (which may be `null`); what the list's key means is unknown (probably the product id),
/// and `id_produktu` has never been seen.
struct StockRow<'k> {
    /// The row's key when the list was an object.
    key: Option<&'k str>,
    pos: usize,
    /// `id_produktu` when present and readable: a claim checked like the key's.
    product_id: Option<u64>,
    /// `nazwa_produktu`, entities decoded, trimmed.
    name: String,
    /// `kod_kreskowy`, entities decoded, trimmed (`null` and `""` are none).
    barcode: String,
    /// `ilosc`; unset (`null`, `""`) or unreadable is no figure at all — never 0.
    quantity: Result<Qty, lenient::WireError>,
}

/// The dictionaries and stock a product list is decoded with. `None` means the method was not
/// available (an ASSUMED method unknown on this account, or not read): the products decode
/// without that information.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystimDictionaries<'a> {
    pub vat_rates: Option<&'a [SystimVatRate]>,
    pub categories: Option<&'a [SystimCategory]>,
    /// `listPQuantities` per warehouse id, as sent; `None` reads `ilosc` (simplified mode) into
    /// warehouse [`SIMPLIFIED_STORE_ID`].
    pub quantities: Option<&'a [(u64, &'a Value)]>,
}

/// What a kept product needs besides itself until its stock is known.
#[derive(Clone, Debug)]
struct Pending {
    /// Where in the list's problems this product's stock note belongs (after its other notes).
    note_at: usize,
    /// The simplified mode's `ilosc`: unset, a figure, or the note of an unreadable one.
    own: Result<Option<Qty>, Box<DecodeError>>,
    /// `kod_kreskowy` as sent (entities decoded, trimmed), valid EAN or not: rows join by it.
    barcode: String,
}

/// `listProducts` read record by record (a [`Records`] sink), with VAT (via `listVatRates`) and
/// category (via `listCategories` when available); stock comes from [`ProductsRead::join`].
pub struct ProductRecords<'d> {
    vat_rates: ById<'d, SystimVatRate>,
    categories: ById<'d, SystimCategory>,
    read: ProductsRead,
}

/// The products read, their stock still to be joined.
#[derive(Clone, Debug, Default)]
pub struct ProductsRead {
    products: Vec<SystimProduct>,
    pending: Vec<Pending>,
    /// Ids (and barcodes) of records left out: their stock rows are not reported again.
    left_out: Vec<(u64, String)>,
    errors: Vec<DecodeError>,
}

impl<'d> ProductRecords<'d> {
    pub fn new(vat_rates: Option<&'d [SystimVatRate]>, categories: Option<&'d [SystimCategory]>) -> Self {
        ProductRecords {
            vat_rates: by_id(vat_rates.unwrap_or_default(), |v| v.id),
            categories: by_id(categories.unwrap_or_default(), |c| c.id),
            read: ProductsRead::default(),
        }
    }

    pub fn finish(self) -> ProductsRead {
        self.read
    }

    fn product(&self, rec: &Rec, id: u64, notes: &mut Vec<DecodeError>) -> Result<SystimProduct, DecodeError> {
        let (vat_id, vat) = lookup(&self.vat_rates, rec, "stawka_vat", notes);
        let (category_id, category) = lookup(&self.categories, rec, "id_kategorii", notes);
        Ok(SystimProduct {
            id,
            code: ProductCode::new(rec.text("kod_produktu", notes)),
            ean: rec.opt("kod_kreskowy", lenient::gtin, notes).unwrap_or_default(),
            name: rec.text("nazwa", notes),
            price_gross: rec.maybe("cena_brutto", lenient::money)?.unwrap_or(Money::ZERO),
            price_net: rec.maybe("cena_netto", lenient::money)?.unwrap_or(Money::ZERO),
            vat_id,
            vat: vat.and_then(|v| v.rate),
            category_id,
            category: category.map(|c| c.name.clone()),
            unit: rec.text("jednostka", notes),
            is_service: rec.opt("rodzaj", lenient::uint, notes) == Some(1),
            hidden: rec.flag("ukryty", false, notes),
            stock: Vec::new(),
        })
    }
}

impl Records for ProductRecords<'_> {
    fn fields(&self) -> Option<&'static [&'static str]> {
        Some(PRODUCT_FIELDS)
    }

    fn record(&mut self, at: At<'_>, record: Record<'_>) {
        let (rec, id) = match Rec::open(record, &PRODUCT, at) {
            Ok(opened) => opened,
            Err(e) => return self.read.errors.push(e),
        };
        let mut notes = Vec::new();
        match self.product(&rec, id, &mut notes) {
            Ok(product) => {
                let read = &mut self.read;
                read.errors.append(&mut notes);
                let own = rec.maybe("ilosc", lenient::qty).map_err(|mut e| {
                    e.record_skipped = false;
                    e.problem = format!("{} — stanu nie wysłano", e.problem);
                    Box::new(e)
                });
                read.pending.push(Pending { note_at: read.errors.len(), own, barcode: join_text(rec.get("kod_kreskowy")) });
                read.products.push(product);
            }
            Err(e) => {
                self.read.left_out.push((id, join_text(rec.get("kod_kreskowy"))));
                self.read.errors.push(e);
            }
        }
    }

    fn not_a_list(&mut self, found: &'static str) {
        self.read.errors.push(not_a_list("listProducts", found));
    }
}

/// Names compared as a person would: white space collapsed, case ignored.
fn same_name(a: &str, b: &str) -> bool {
    fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
        s.split_whitespace().enumerate().flat_map(|(i, word)| (i > 0).then_some(' ').into_iter().chain(word.chars().flat_map(crate::case::to_upper)))
    }
    a == b || folded(a).eq(folded(b))
}

/// Whether a row is the product's: at least one of name and barcode is on both sides and the
/// same, and neither contradicts.
fn agrees(row: &StockRow, product: &SystimProduct, barcode: &str) -> bool {
    let name = (!row.name.is_empty() && !product.name.trim().is_empty()).then(|| same_name(&row.name, product.name.trim()));
    let code = (!row.barcode.is_empty() && !barcode.is_empty()).then(|| row.barcode == barcode);
    !matches!((name, code), (Some(false), _) | (_, Some(false)) | (None, None))
}

/// A list key as an id (`"12"`, `"12.00"`), if it is one.
fn key_id(key: &str) -> Option<u64> {
    let id = match key.parse::<u64>() {
        Ok(id) => Some(id),
        Err(_) => lenient::uint(&Value::String(key.to_string())).ok().flatten(),
    };
    id.filter(|id| *id > 0)
}

/// How stock rows find their products: by id (the key or `id_produktu`, when the row agrees with
/// that product), else by a barcode only one product has. Made by [`ProductsRead::join`]. (Every
/// map here is a `HashMap<u64, u64>`, a type the wasm carries anyway.)
pub struct Join<'p> {
    products: &'p [SystimProduct],
    pending: &'p [Pending],
    /// Product id → its place in `products`.
    by_id: HashMap<u64, u64>,
    /// Barcode (hashed) → the place of the one kept product with it, [`SEVERAL`] when several
    /// products have it (counting the ones left out, and any two barcodes whose hashes meet).
    by_barcode: HashMap<u64, u64>,
    /// Ids of the records left out.
    left_out: HashMap<u64, u64>,
}

const SEVERAL: u64 = u64::MAX;

/// FNV-1a: a barcode as a map key (a match is checked against the barcode itself).
fn barcode_key(barcode: &str) -> u64 {
    barcode.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Which product a row belongs to.
enum Owner {
    Product(usize),
    /// A product whose record was left out (already reported).
    LeftOut(u64),
    /// Cannot be told: why, in Polish.
    Unknown(String),
}

impl ProductsRead {
    /// The products' index for joining stock rows to them.
    pub fn join(&self) -> Join<'_> {
        let mut by_barcode: HashMap<u64, u64> = HashMap::new();
        let kept = self.pending.iter().enumerate().map(|(i, p)| (i as u64, p.barcode.as_str()));
        for (i, barcode) in kept.chain(self.left_out.iter().map(|(_, b)| (SEVERAL, b.as_str()))).filter(|(_, b)| !b.is_empty()) {
            by_barcode.entry(barcode_key(barcode)).and_modify(|one| *one = SEVERAL).or_insert(i);
        }
        Join {
            products: &self.products,
            pending: &self.pending,
            by_id: self.products.iter().enumerate().map(|(i, p)| (p.id, i as u64)).collect(),
            by_barcode,
            left_out: self.left_out.iter().map(|(id, _)| (*id, 0)).collect(),
        }
    }
}

impl<'p> Join<'p> {
    /// A sink for one warehouse's `listPQuantities`, joining each row as it is read.
    pub fn store(&self, store_id: u64) -> StoreRows<'_, 'p> {
        StoreRows { join: self, stock: StoreStock { store_id, figures: Vec::new(), errors: Vec::new() } }
    }

    /// The one product with this barcode: `Ok(place)`, `Err(true)` when several have it,
    /// `Err(false)` when none.
    fn by_barcode(&self, barcode: &str) -> Result<usize, bool> {
        match self.by_barcode.get(&barcode_key(barcode)) {
            Some(&SEVERAL) => Err(true),
            Some(&i) if self.pending[i as usize].barcode == barcode => Ok(i as usize),
            _ => Err(false),
        }
    }

    fn find(&self, row: &StockRow) -> Owner {
        let claims = [row.product_id, row.key.and_then(key_id).filter(|id| Some(*id) != row.product_id)];
        for id in claims.into_iter().flatten() {
            if let Some(&i) = self.by_id.get(&id) {
                if agrees(row, &self.products[i as usize], &self.pending[i as usize].barcode) {
                    return Owner::Product(i as usize);
                }
            }
        }
        if let Some(id) = claims.into_iter().flatten().find(|id| self.left_out.contains_key(id)) {
            return Owner::LeftOut(id);
        }
        let barcode = if row.barcode.is_empty() { Err(false) } else { self.by_barcode(&row.barcode) };
        if let Ok(i) = barcode {
            return Owner::Product(i);
        }
        let by_id = match claims.into_iter().flatten().find(|id| self.by_id.contains_key(id)) {
            Some(id) => format!("produkt id {id} ma inną nazwę lub inny kod kreskowy"),
            None => match (row.key, row.product_id) {
                (_, Some(id)) => format!("nie ma produktu id {id}"),
                (Some(key), None) => format!("klucz „{}” nie jest identyfikatorem produktu", lenient::shown(key)),
                (None, None) => "wiersz nie podaje identyfikatora produktu".to_string(),
            },
        };
        let shown = lenient::shown(&row.barcode);
        let by_barcode = match barcode {
            _ if row.barcode.is_empty() => "brak kodu kreskowego".to_string(),
            Err(true) => format!("kod kreskowy „{shown}” ma kilka produktów"),
            _ => format!("żaden produkt nie ma kodu kreskowego „{shown}”"),
        };
        Owner::Unknown(format!("nie wiadomo, którego produktu dotyczy wiersz: {by_id}, {by_barcode} — tej ilości nie użyto"))
    }
}

/// One warehouse's `listPQuantities` answer read row by row (a [`Records`] sink): every row is
/// joined to one product as it is read, or reported by its name; only the figures are kept.
pub struct StoreRows<'j, 'p> {
    join: &'j Join<'p>,
    stock: StoreStock,
}

/// What one warehouse's rows gave: per product (by its place in the [`ProductsRead`] they were
/// joined to) a figure, or `None` when the figure could not be read; and the rows' problems.
#[derive(Clone, Debug)]
pub struct StoreStock {
    store_id: u64,
    figures: Vec<(usize, Option<Qty>)>,
    errors: Vec<DecodeError>,
}

impl StoreRows<'_, '_> {
    /// The rows' figures. A product with two rows in the store has no figure there.
    pub fn finish(mut self) -> StoreStock {
        let store_id = self.stock.store_id;
        let mut rows_of: HashMap<u64, u64> = HashMap::new();
        for (i, _) in &self.stock.figures {
            *rows_of.entry(*i as u64).or_default() += 1;
        }
        if rows_of.values().all(|n| *n == 1) {
            return self.stock;
        }
        let mut figures = Vec::with_capacity(self.stock.figures.len());
        for (i, figure) in std::mem::take(&mut self.stock.figures) {
            match rows_of.get_mut(&(i as u64)) {
                Some(n) if *n > 1 => {
                    let record = format!("{} {} w magazynie {store_id}", STOCK_ROW.name, self.join.products[i].id);
                    let problem = format!("{n} wiersze stanu tego samego produktu — nie wiadomo, który jest właściwy; stanu nie wysłano");
                    self.stock.errors.push(DecodeError { record, field: super::WHOLE_RECORD.into(), problem, record_skipped: true });
                    // Reported once, with no figure.
                    *n = 0;
                    figures.push((i, None));
                }
                Some(0) => {}
                _ => figures.push((i, figure)),
            }
        }
        self.stock.figures = figures;
        self.stock
    }
}

impl Records for StoreRows<'_, '_> {
    fn fields(&self) -> Option<&'static [&'static str]> {
        Some(STOCK_ROW_FIELDS)
    }

    fn record(&mut self, at: At<'_>, record: Record<'_>) {
        let store_id = self.stock.store_id;
        let rec = match record {
            Record::Value(value @ Value::Object(_)) => Rec::root(value, "", true),
            Record::Fields(fields) => Rec::root(Record::Fields(fields), "", true),
            Record::Value(other) => Rec::root(other, &format!("{} {}", STOCK_ROW.name, at.describe()), true),
        };
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => return self.stock.errors.push(e),
        };
        let row = StockRow {
            key: at.key,
            pos: at.pos,
            product_id: rec.get("id_produktu").and_then(|v| lenient::uint(v).ok().flatten()).filter(|id| *id > 0),
            name: join_text(rec.get("nazwa_produktu")),
            barcode: join_text(rec.get("kod_kreskowy")),
            quantity: rec.get("ilosc").map_or(Ok(None), lenient::qty).and_then(|q| q.ok_or(lenient::WireError::Missing)),
        };
        let bad_figure = |id: u64, e: &lenient::WireError| DecodeError {
            record: format!("{} {id} w magazynie {store_id}", STOCK_ROW.name),
            field: "ilosc".into(),
            problem: e.to_string(),
            record_skipped: true,
        };
        match self.join.find(&row) {
            Owner::Product(i) => {
                if let Err(e) = &row.quantity {
                    self.stock.errors.push(bad_figure(self.join.products[i].id, e));
                }
                self.stock.figures.push((i, row.quantity.ok()));
            }
            Owner::LeftOut(id) => {
                if let Err(e) = &row.quantity {
                    self.stock.errors.push(bad_figure(id, e));
                }
            }
            Owner::Unknown(problem) => {
                let about = match row.name.is_empty() {
                    false => format!("„{}”", lenient::shown(&row.name)),
                    true => At { pos: row.pos, key: row.key }.describe(),
                };
                let record = format!("stan produktu Systim {about} w magazynie {store_id}");
                self.stock.errors.push(DecodeError { record, field: super::WHOLE_RECORD.into(), problem, record_skipped: true });
            }
        }
    }

    fn not_a_list(&mut self, found: &'static str) {
        self.stock.errors.push(not_a_list(&format!("listPQuantities (magazyn {})", self.stock.store_id), found));
    }
}

/// The products with their stock: per warehouse from `quantities` (rows joined to this very
/// `read`), else the simplified mode's own `ilosc`. Returns the products, the ids of products kept
/// although a figure of theirs could not be read (their stock must never be pushed), and the
/// problems — the stock rows' first (store by store), then the products' with each product's
/// stock note after its other notes.
fn with_stock(read: ProductsRead, quantities: Option<&[StoreStock]>) -> (DecodedList<SystimProduct>, Vec<u64>) {
    let n = read.products.len();
    let (mut entries, mut unreadable) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    let mut errors = Vec::new();
    for store in quantities.unwrap_or_default() {
        errors.extend(store.errors.iter().cloned());
        for (i, figure) in &store.figures {
            match figure {
                Some(q) => entries[*i].push((store.store_id, *q)),
                None => unreadable[*i].push(store.store_id),
            }
        }
    }
    let ProductsRead { mut products, pending, errors: product_errors, .. } = read;
    let mut unreadable_ids = Vec::new();
    let mut notes: Vec<(usize, DecodeError)> = Vec::new();
    for (i, (product, pending)) in products.iter_mut().zip(pending).enumerate() {
        let figure = if !unreadable[i].is_empty() {
            let list = unreadable[i].iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            let problem = format!("nieczytelny stan w magazynie {list} — stanu nie wysłano");
            let record = format!("{} {}", PRODUCT.name, product.id);
            Err(Box::new(DecodeError { record, field: "ilosc".into(), problem, record_skipped: false }))
        } else if quantities.is_some() {
            Ok(std::mem::take(&mut entries[i]))
        } else {
            pending.own.map(|q| q.map(|q| vec![(SIMPLIFIED_STORE_ID, q)]).unwrap_or_default())
        };
        match figure {
            Ok(stock) => product.stock = stock,
            Err(note) => {
                notes.push((pending.note_at, *note));
                unreadable_ids.push(product.id);
            }
        }
    }
    // Each stock note goes where the product's other notes end.
    let mut notes = notes.into_iter();
    let mut next = notes.next();
    for (at, e) in product_errors.into_iter().enumerate() {
        while let Some((_, note)) = next.take_if(|(note_at, _)| *note_at <= at) {
            errors.push(note);
            next = notes.next();
        }
        errors.push(e);
    }
    errors.extend(next.into_iter().chain(notes).map(|(_, note)| note));
    ((products, errors), unreadable_ids)
}

/// Each warehouse's `listPQuantities` as sent, joined to `read`.
fn stores_of(read: &ProductsRead, quantities: &[(u64, &Value)]) -> Vec<StoreStock> {
    let join = read.join();
    quantities
        .iter()
        .map(|(store_id, result)| {
            let mut rows = join.store(*store_id);
            stream::feed(result, &mut rows);
            rows.finish()
        })
        .collect()
}

/// `listProducts` → products with VAT (via `listVatRates`), category (via `listCategories` when
/// available) and stock per warehouse (see [`with_stock`]; the stock rows' problems come first).
pub fn products(result: &Value, dictionaries: &SystimDictionaries) -> DecodedList<SystimProduct> {
    products_and_unreadable_stock(result, dictionaries).0
}

/// As [`products`], plus the ids of products kept although a stock figure of theirs could not
/// be read (their stock must not be pushed).
pub fn products_and_unreadable_stock(result: &Value, dictionaries: &SystimDictionaries) -> (DecodedList<SystimProduct>, Vec<u64>) {
    let mut records = ProductRecords::new(dictionaries.vat_rates, dictionaries.categories);
    stream::feed(result, &mut records);
    let read = records.finish();
    let stores = dictionaries.quantities.map(|q| stores_of(&read, q));
    with_stock(read, stores.as_deref())
}

// ---------------------------------------------------------------------------------------------
// Snapshot

/// The small `result`s read from Systim for one run (after [`list_envelope`]). `None`: not read
/// or the method is unknown on this account.
#[derive(Clone, Debug, Default)]
pub struct SystimPayloads<'a> {
    pub products: Option<&'a Value>,
    pub vat_rates: Option<&'a Value>,
    pub categories: Option<&'a Value>,
    pub stores: Option<&'a Value>,
    pub delivery_methods: Option<&'a Value>,
    pub payment_methods: Option<&'a Value>,
    /// `listPQuantities` per warehouse id; `None` for the simplified warehouse mode.
    pub quantities: Option<Vec<(u64, &'a Value)>>,
}

pub(super) fn optional<'a, T>(result: Option<&'a Value>, decode: fn(&'a Value) -> DecodedList<T>, errors: &mut Vec<DecodeError>) -> Option<Vec<T>> {
    result.map(|r| keep(decode(r), errors))
}

/// Systim's dictionaries, decoded before the product list (which is read against them).
#[derive(Clone, Debug, Default)]
pub struct Dictionaries {
    pub vat_rates: Option<Vec<SystimVatRate>>,
    pub categories: Option<Vec<SystimCategory>>,
    pub stores: Vec<Warehouse>,
    pub delivery_methods: Vec<NamedId>,
    pub payment_methods: Vec<NamedId>,
    pub errors: Vec<DecodeError>,
}

impl Dictionaries {
    /// Decode the dictionaries of `p` (its products and quantities are not looked at).
    pub fn decode(p: &SystimPayloads) -> Self {
        let mut errors = Vec::new();
        let vat_rates = optional(p.vat_rates, vat_rates, &mut errors);
        let categories = optional(p.categories, categories, &mut errors);
        let stores = optional(p.stores, stores, &mut errors).unwrap_or_default();
        let delivery_methods = optional(p.delivery_methods, delivery_methods, &mut errors).unwrap_or_default();
        let payment_methods = optional(p.payment_methods, payment_methods, &mut errors).unwrap_or_default();
        Dictionaries { vat_rates, categories, stores, delivery_methods, payment_methods, errors }
    }

    /// A sink for `listProducts` read against these dictionaries.
    pub fn products(&self) -> ProductRecords<'_> {
        ProductRecords::new(self.vat_rates.as_deref(), self.categories.as_deref())
    }
}

/// The snapshot out of what was read: the dictionaries, the products (read record by record) and
/// each warehouse's stock rows joined to those products (`None`: the simplified warehouse mode),
/// with every problem met — the dictionaries', the stock rows', the products'.
pub fn assemble(dictionaries: Dictionaries, products: Option<ProductsRead>, quantities: Option<&[StoreStock]>) -> (SystimSnapshot, Vec<DecodeError>) {
    let Dictionaries { vat_rates, categories, stores, delivery_methods, payment_methods, mut errors } = dictionaries;
    let (products, unreadable_stock) = match products {
        Some(read) => {
            let (list, unreadable) = with_stock(read, quantities);
            (keep(list, &mut errors), unreadable)
        }
        None => (Vec::new(), Vec::new()),
    };
    let snapshot = SystimSnapshot {
        vat_rates: vat_rates.unwrap_or_default(),
        categories: categories.unwrap_or_default(),
        stores,
        delivery_methods,
        payment_methods,
        products,
        unreadable_stock,
        categories_unknown: false,
    };
    (snapshot, errors)
}

/// Decode everything held as `Value`s into a [`SystimSnapshot`] (what [`assemble`] gives for the
/// same answers read record by record).
pub fn snapshot(p: &SystimPayloads) -> (SystimSnapshot, Vec<DecodeError>) {
    let dictionaries = Dictionaries::decode(p);
    let products = p.products.map(|result| {
        let mut records = dictionaries.products();
        stream::feed(result, &mut records);
        records.finish()
    });
    let stores = match (&products, &p.quantities) {
        (Some(read), Some(q)) => Some(stores_of(read, q)),
        (None, Some(_)) => Some(Vec::new()),
        (_, None) => None,
    };
    assemble(dictionaries, products, stores.as_deref())
}

/// `true` when an answer says the method does not exist on this account (code 1): the feature
/// needing it is unavailable, nothing else stops.
pub fn is_unknown_method(error: &SystimResponseError) -> bool {
    matches!(error, SystimResponseError::Api(e) if e.code == SystimEnvelopeError::UNKNOWN_METHOD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::WHOLE_RECORD;
    use crate::domain::VatRate;
    use serde_json::json;

    fn body(value: Value) -> Vec<u8> {
        serde_json::to_vec(&value).unwrap()
    }

    fn ok(result: Value) -> Vec<u8> {
        body(json!({"error": {"code": 0, "message": "", "fields": []}, "result": result}))
    }

    fn api_error(code: Value, fields: Option<Value>) -> SystimEnvelopeError {
        let mut error = json!({"code": code, "message": "Brak pola &quot;nazwa&quot;"});
        if let Some(fields) = fields {
            error["fields"] = fields;
        }
        match envelope(&body(json!({"error": error, "result": null}))) {
            Err(SystimResponseError::Api(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn envelope_success_hands_back_the_result() {
        assert_eq!(envelope(&ok(json!({"token": "6aed"}))).unwrap(), json!({"token": "6aed"}));
        assert_eq!(envelope(&body(json!({"result": 5}))).unwrap(), json!(5));
        assert_eq!(envelope(&body(json!({"error": null, "result": 5}))).unwrap(), json!(5));
        assert_eq!(envelope(&body(json!({"error": {"code": "0"}, "method": "login", "result": 7}))).unwrap(), json!(7));
        assert_eq!(envelope(&body(json!({"error": {"code": 0}}))).unwrap(), Value::Null);
    }

    #[test]
    fn envelope_errors_with_code_as_number_or_string_and_fields_in_every_form() {
        let e = api_error(json!("13"), None);
        assert_eq!((e.code, e.message.as_str(), e.fields.len()), (13, "Brak pola \"nazwa\"", 0));
        assert_eq!(api_error(json!(6), Some(json!(["nazwa", "kod"]))).fields, ["nazwa", "kod"]);
        let mut keyed = api_error(json!(6), Some(json!({"nazwa": "wymagane", "kod": "zły"}))).fields;
        keyed.sort();
        assert_eq!(keyed, ["kod", "nazwa"]);
        assert_eq!(api_error(json!(6), Some(json!("nip"))).fields, ["nip"]);
        assert_eq!(api_error(json!(6), Some(json!([]))).fields, Vec::<String>::new());
        assert_eq!(api_error(json!(6), Some(json!(""))).fields, Vec::<String>::new());
        let shown = api_error(json!(6), Some(json!(["nazwa"]))).to_string();
        assert_eq!(shown, "błąd Systim (kod 6): Brak pola \"nazwa\"; pola: nazwa");
    }

    #[test]
    fn non_json_is_a_server_error_page() {
        let page = b"<html><body><b>Fatal error</b>: Cannot assign an empty string to a string offset</body></html>";
        match envelope(page) {
            Err(SystimResponseError::ServerErrorPage { snippet }) => {
                assert_eq!(snippet, "Fatal error : Cannot assign an empty string to a string offset");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(envelope(b""), Err(SystimResponseError::ServerErrorPage { .. })));
        assert!(matches!(envelope(b"{\"error\":{\"code\":0},\"res"), Err(SystimResponseError::ServerErrorPage { .. })));
        assert!(matches!(envelope(&[0xff, 0xfe]), Err(SystimResponseError::ServerErrorPage { .. })));
        assert!(SystimResponseError::ServerErrorPage { snippet: "x".into() }.to_string().contains("stronę błędu"));
    }

    #[test]
    fn malformed_envelopes_name_the_field() {
        for (value, field) in [
            (json!([1]), crate::decode::WHOLE_RECORD),
            (json!({"error": {"code": "abc"}}), "error.code"),
            (json!({"error": {"code": -2}}), "error.code"),
            (json!({"error": "boom"}), "error"),
        ] {
            match envelope(&body(value.clone())) {
                Err(SystimResponseError::Malformed(e)) => assert_eq!(e.field, field, "{value}"),
                other => panic!("{value}: {other:?}"),
            }
        }
    }

    #[test]
    fn code_8_is_an_empty_list_and_code_1_an_unknown_method() {
        let no_data = body(json!({"error": {"code": 8, "message": "Brak danych"}, "result": []}));
        assert_eq!(list_envelope(&no_data).unwrap(), json!([]));
        assert!(matches!(envelope(&no_data), Err(SystimResponseError::Api(SystimEnvelopeError { code: 8, .. }))));
        let unknown = envelope(&body(json!({"error": {"code": "1", "message": "Nieznana metoda"}})));
        assert!(is_unknown_method(&unknown.unwrap_err()));
    }

    // --- lists -----------------------------------------------------------------------------

    fn vat_map() -> Value {
        json!({
            "1": {"id": "1", "nazwa": "23%", "stawka": "23"},
            "4": {"id": "4", "nazwa": "0%", "stawka": "0.00"},
            "5": {"nazwa": "zw", "stawka": "0"},
            "6": {"nazwa": "np"},
            "7": {"nazwa": "oo", "stawka": ""},
            "2": {"id": 2, "nazwa": "8%", "stawka": "8,00"}
        })
    }

    #[test]
    fn vat_rates_keyed_by_id_with_or_without_id_fields() {
        let (rates, notes) = vat_rates(&vat_map());
        assert!(notes.is_empty(), "{notes:#?}");
        let mut by: Vec<_> = rates.iter().map(|r| (r.id, r.rate)).collect();
        by.sort();
        assert_eq!(
            by,
            [
                (1, Some(VatRate::Percent(23))),
                (2, Some(VatRate::Percent(8))),
                (4, Some(VatRate::Percent(0))),
                (5, Some(VatRate::Exempt)),
                (6, Some(VatRate::NotSubject)),
                (7, Some(VatRate::ReverseCharge)),
            ]
        );
    }

    #[test]
    fn lists_as_map_array_empty_or_not_a_list() {
        let array = json!([{"id": "3", "nazwa": "Magazyn główny"}, {"id": 4, "nazwa": "Sklep &amp; hurt"}]);
        let (stores, _) = stores(&array);
        assert_eq!(stores.iter().map(|s| (s.id, s.name.as_str())).collect::<Vec<_>>(), [(3, "Magazyn główny"), (4, "Sklep & hurt")]);
        assert_eq!(stores_of(json!([])), 0);
        assert_eq!(stores_of(json!({})), 0);
        assert_eq!(stores_of(json!(null)), 0);
        let (found, errors) = super::stores(&json!("Brak danych"));
        assert!(found.is_empty());
        assert_eq!((errors[0].record.as_str(), errors[0].field.as_str()), ("lista listStores (Systim)", "result"));
        let (found, errors) = super::stores(&json!({"x": {"nazwa": "?"}, "9": {"nazwa": "ok"}}));
        assert_eq!(found.len(), 1);
        assert_eq!((errors[0].record.as_str(), errors[0].field.as_str()), ("magazyn Systim id (klucz „x”)", "id"));
    }

    fn stores_of(result: Value) -> usize {
        let (found, errors) = stores(&result);
        assert!(errors.is_empty());
        found.len()
    }

    #[test]
    fn dictionaries_categories_methods_companies() {
        let (cats, _) = categories(&json!([{"id": "1", "nazwa": "Domyślna", "id_rodzica": "0"}, {"id": "2", "nazwa": "Kubki", "id_rodzica": "1"}]));
        assert_eq!(cats.iter().map(|c| c.parent_id).collect::<Vec<_>>(), [None, Some(1)]);
        let (methods, _) = delivery_methods(&json!({"1": {"id": "1", "nazwa": "Kurier"}}));
        assert_eq!(methods[0].name, "Kurier");
        let (methods, _) = payment_methods(&json!([{"id": "2", "nazwa": "Gotówka"}]));
        assert_eq!(methods[0].id, 2);
        let (companies, _) = companies(&json!({"41": {"nazwa": "Alfa &quot;Beta&quot;", "nip": "586-212-09-28", "miejscowosc": "Gdynia", "kod": "81-451"}}));
        assert_eq!((companies[0].id, companies[0].name.as_str(), companies[0].nip.as_str()), (41, "Alfa \"Beta\"", "586-212-09-28"));
    }

    #[test]
    fn order_headers_keep_the_marker_whatever_else_is_broken() {
        let header =
            json!({"id":"345","numer":"ZAM/12/2024","data":"2024-05-06","id_statusu":"1","uwagi":"Shoper 1023 @ sklep.pl &amp; co","suma_brutto":"60.00"});
        let (orders, notes) = orders(&json!({"345": header.clone()}));
        assert!(notes.is_empty());
        assert_eq!(orders[0].number, "ZAM/12/2024");
        assert_eq!((orders[0].date.as_deref(), orders[0].status_id, orders[0].total_gross), (Some("2024-05-06"), Some(1), Some(Money(6_000))));
        assert_eq!(orders[0].notes, "Shoper 1023 @ sklep.pl & co");
        let mut broken = header;
        broken["suma_brutto"] = json!("sześćdziesiąt");
        broken["data"] = json!("0000-00-00");
        let (orders, notes) = super::orders(&json!([broken]));
        assert_eq!((orders.len(), orders[0].total_gross, orders[0].date.clone()), (1, None, None));
        assert_eq!((notes[0].field.as_str(), notes[0].record_skipped), ("suma_brutto", false));
    }

    // --- products --------------------------------------------------------------------------

    /// systim-api.md §11.2 product record.
    fn kubek() -> Value {
        json!({"id":"12","nazwa":"Kubek 300 ml","kod_produktu":"KUB-300","kod_kreskowy":"5901234123457",
               "cena_netto":"24.39","cena_brutto":"30.00","stawka_vat":"1","id_kategorii":"1",
               "jednostka":"szt.","rodzaj":"0","ukryty":"0","opis":"","pkwiu":"","ilosc":"17.00"})
    }

    fn with(mut value: Value, field: &str, to: Value) -> Value {
        value[field] = to;
        value
    }

    struct Dicts {
        vat: Vec<SystimVatRate>,
        cats: Vec<SystimCategory>,
    }

    fn dicts() -> Dicts {
        Dicts { vat: vat_rates(&vat_map()).0, cats: categories(&json!({"1": {"nazwa": "Domyślna"}})).0 }
    }

    fn decode(result: Value, stores: Option<&[(u64, &Value)]>) -> DecodedList<SystimProduct> {
        let d = dicts();
        products(&result, &SystimDictionaries { vat_rates: Some(&d.vat), categories: Some(&d.cats), quantities: stores })
    }

    fn one(result: Value) -> (SystimProduct, Vec<DecodeError>) {
        let (mut found, notes) = decode(result, None);
        assert_eq!(found.len(), 1, "{notes:#?}");
        (found.remove(0), notes)
    }

    #[test]
    fn assumed_product_record_decodes_with_its_dictionaries() {
        let (p, notes) = one(json!({"12": kubek()}));
        assert!(notes.is_empty(), "{notes:#?}");
        assert_eq!((p.id, p.code.as_str(), p.ean.as_str(), p.name.as_str()), (12, "KUB-300", "5901234123457", "Kubek 300 ml"));
        assert_eq!((p.price_gross, p.price_net), (Money(3_000), Money(2_439)));
        assert_eq!((p.vat_id, p.vat), (Some(1), Some(VatRate::Percent(23))));
        assert_eq!((p.category_id, p.category.as_deref()), (Some(1), Some("Domyślna")));
        assert_eq!((p.unit.as_str(), p.is_service, p.hidden), ("szt.", false, false));
        assert_eq!(p.stock, [(SIMPLIFIED_STORE_ID, Qty(17_000))]);
    }

    #[test]
    fn entities_commas_and_unset_values() {
        let odd = json!({"id": 12, "nazwa": "Kowalski &amp; Synowie &quot;Mocne&quot; &#039;XL&#039;", "kod_produktu": "A&amp;B ",
                         "kod_kreskowy": null, "cena_brutto": "30,50", "cena_netto": "", "stawka_vat": "", "id_kategorii": null,
                         "rodzaj": "1", "ukryty": "1", "ilosc": null});
        let (p, notes) = one(json!([odd]));
        assert!(notes.is_empty(), "{notes:#?}");
        assert_eq!(p.name, "Kowalski & Synowie \"Mocne\" 'XL'");
        assert_eq!((p.code.as_str(), p.ean.as_str()), ("A&B ", ""));
        assert_eq!((p.price_gross, p.price_net), (Money(3_050), Money::ZERO));
        assert_eq!((p.vat_id, p.vat, p.category_id), (None, None, None));
        assert!(p.is_service && p.hidden);
        assert!(p.stock.is_empty(), "unset ilosc is no figure, not 0");
        let (p, _) = one(json!([with(kubek(), "kod_produktu", json!(101))]));
        assert_eq!(p.code.as_str(), "101");
    }

    #[test]
    fn money_costs_the_record_an_unreadable_stock_only_its_stock_and_ean_and_references_only_the_field() {
        for field in ["cena_brutto", "cena_netto", "id"] {
            let (found, errors) = decode(json!({"12": with(kubek(), field, json!("1.2.3"))}), None);
            assert!(found.is_empty());
            assert_eq!((errors[0].field.as_str(), errors[0].record_skipped), (field, true));
            let record = if field == "id" { "produkt Systim id (klucz „12”)" } else { "produkt Systim id 12" };
            assert_eq!(errors[0].record, record);
        }
        // Simplified mode: the product stays (orders still match it); its stock is no figure.
        let (found, errors) = decode(json!({"12": with(kubek(), "ilosc", json!("1.2.3"))}), None);
        assert_eq!((found.len(), found[0].stock.len()), (1, 0));
        assert_eq!((errors[0].field.as_str(), errors[0].record_skipped), ("ilosc", false));
        let ((_, _), unreadable) = products_and_unreadable_stock(&json!({"12": with(kubek(), "ilosc", json!("1.2.3"))}), &SystimDictionaries::default());
        assert_eq!(unreadable, [12]);
        let partly = with(with(with(kubek(), "kod_kreskowy", json!("123")), "stawka_vat", json!("99")), "rodzaj", json!("x"));
        let (p, notes) = one(json!([partly]));
        assert_eq!((p.ean.as_str(), p.vat_id, p.vat, p.is_service), ("", Some(99), None, false));
        assert_eq!(notes.iter().map(|n| n.field.as_str()).collect::<Vec<_>>(), ["stawka_vat", "kod_kreskowy", "rodzaj"]);
    }

    #[test]
    fn absent_assumed_dictionaries_do_not_break_products() {
        let (found, notes) = products(&json!({"12": kubek()}), &SystimDictionaries::default());
        assert!(notes.is_empty());
        assert_eq!((found[0].vat, found[0].category.clone(), found[0].category_id), (None, None, Some(1)));
    }

    #[test]
    fn per_store_quantities_replace_ilosc() {
        let store3 = json!({"12": {"nazwa_produktu": "Kubek 300 ml", "kod_kreskowy": null, "ilosc": "5,5"}});
        let store4 =
            json!([{"id_produktu": 12, "nazwa_produktu": "Kubek 300 ml", "ilosc": "-2"}, {"id_produktu": "13", "nazwa_produktu": "Talerz", "ilosc": "1"}]);
        let stores = [(3, &store3), (4, &store4)];
        let (found, notes) = decode(json!({"12": kubek()}), Some(&stores));
        assert_eq!(found[0].stock, [(3, Qty(5_500)), (4, Qty(-2_000))]);
        // The row of a product the list does not have is reported by its name.
        assert_eq!(notes.len(), 1, "{notes:#?}");
        assert_eq!((notes[0].record.as_str(), notes[0].field.as_str()), ("stan produktu Systim „Talerz” w magazynie 4", WHOLE_RECORD));
        assert!(notes[0].problem.contains("nie ma produktu id 13"), "{}", notes[0].problem);
        let (found, _) = decode(json!({"12": with(kubek(), "ilosc", json!("zły"))}), Some(&stores[..1]));
        assert_eq!(found.len(), 1, "ilosc is ignored when stock comes per warehouse");
    }

    #[test]
    fn an_unreadable_store_quantity_is_never_zero() {
        for bad in [json!(null), json!("x"), json!(""), json!("1e5")] {
            let rows = json!({"12": {"nazwa_produktu": "Kubek 300 ml", "ilosc": bad.clone()}});
            let store = (4, &rows);
            let ((found, errors), unreadable) = products_and_unreadable_stock(
                &json!([kubek(), with(kubek(), "id", json!("13"))]),
                &SystimDictionaries { quantities: Some(std::slice::from_ref(&store)), ..Default::default() },
            );
            assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), [12, 13], "the product is kept");
            assert!(found[0].stock.is_empty(), "but has no figure at all, never 0 ({bad})");
            assert_eq!(unreadable, [12]);
            assert_eq!((errors[0].record.as_str(), errors[0].field.as_str()), ("stan produktu Systim id 12 w magazynie 4", "ilosc"));
            assert_eq!((errors[1].record.as_str(), errors[1].field.as_str(), errors[1].record_skipped), ("produkt Systim id 12", "ilosc", false));
            assert!(errors[1].problem.contains("magazynie 4"));
        }
        let rows = json!({"x": {"ilosc": "1"}});
        let store = (4, &rows);
        let (found, errors) = decode(json!([kubek()]), Some(std::slice::from_ref(&store)));
        assert!(found[0].stock.is_empty());
        assert_eq!((errors[0].record.as_str(), errors[0].field.as_str()), ("stan produktu Systim (klucz „x”) w magazynie 4", WHOLE_RECORD));
    }

    #[test]
    fn snapshot_with_and_without_assumed_methods() {
        let (products, vats, stores) = (json!({"12": kubek()}), vat_map(), json!({"3": {"nazwa": "Główny"}}));
        let q3 = json!({"12": {"id_produktu": "12", "nazwa_produktu": "Kubek 300 ml", "ilosc": "4"}});
        let full = SystimPayloads {
            products: Some(&products),
            vat_rates: Some(&vats),
            categories: None,
            stores: Some(&stores),
            delivery_methods: None,
            payment_methods: None,
            quantities: Some(vec![(3, &q3)]),
        };
        let (snap, errors) = snapshot(&full);
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!((snap.vat_rates.len(), snap.categories.len(), snap.stores.len()), (6, 0, 1));
        assert_eq!(snap.products[0].stock, [(3, Qty(4_000))]);
        assert_eq!(snap.products[0].vat, Some(VatRate::Percent(23)));
        let (snap, errors) = snapshot(&SystimPayloads { products: Some(&products), ..SystimPayloads::default() });
        assert!(errors.is_empty());
        assert_eq!(snap.products[0].stock, [(SIMPLIFIED_STORE_ID, Qty(17_000))]);
    }
}

#[cfg(test)]
mod fuzz {
    //! Every Systim decoder on mutated records and arbitrary JSON or bytes: never a panic, every
    //! error names its record and field, an unreadable quantity never becomes a figure.
    use super::*;
    use crate::decode::testkit::{any_json, assert_named, mutated, record};
    use proptest::prelude::*;
    use serde_json::json;

    const PRODUCT_FIELDS: &[&str] =
        &["id", "nazwa", "kod_produktu", "kod_kreskowy", "cena_netto", "cena_brutto", "stawka_vat", "id_kategorii", "jednostka", "rodzaj", "ukryty", "ilosc"];
    const STOCK_FIELDS: &[&str] = &["id_produktu", "nazwa_produktu", "kod_kreskowy", "ilosc"];
    const DICT_FIELDS: &[&str] = &["id", "nazwa", "stawka", "id_rodzica", "nip", "numer", "data", "uwagi", "id_statusu", "suma_brutto"];

    fn kubek() -> Value {
        json!({"id":"12","nazwa":"Kubek","kod_produktu":"KUB-300","kod_kreskowy":"5901234123457","cena_netto":"24.39",
               "cena_brutto":"30.00","stawka_vat":"1","id_kategorii":"1","jednostka":"szt.","rodzaj":"0","ukryty":"0","ilosc":"17.00"})
    }

    /// A list result: an object keyed by (junk) ids or an array.
    fn list_of(item: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::collection::vec(item.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[0-9a-z]{0,3}", item, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
            any_json(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn envelopes(value in any_json(), bytes in prop::collection::vec(any::<u8>(), 0..64), error in record(&["code", "message", "fields"])) {
            let wrapped = serde_json::to_vec(&json!({"error": error, "result": value})).unwrap();
            for body in [serde_json::to_vec(&value).unwrap(), bytes, wrapped] {
                for outcome in [envelope(&body), list_envelope(&body)] {
                    if let Err(SystimResponseError::Malformed(e)) = outcome { assert_named(&[e]); }
                }
            }
        }

        #[test]
        fn dictionaries(result in list_of(record(DICT_FIELDS))) {
            assert_named(&vat_rates(&result).1);
            assert_named(&categories(&result).1);
            assert_named(&stores(&result).1);
            assert_named(&delivery_methods(&result).1);
            assert_named(&payment_methods(&result).1);
            assert_named(&companies(&result).1);
            assert_named(&orders(&result).1);
        }

        #[test]
        fn products_with_stock(
            result in list_of(prop_oneof![mutated(kubek()), record(PRODUCT_FIELDS)].boxed()),
            stock in list_of(record(STOCK_FIELDS)),
            per_store in any::<bool>(),
        ) {
            let stores = [(3, &stock)];
            let dictionaries = SystimDictionaries { quantities: per_store.then_some(&stores[..]), ..SystimDictionaries::default() };
            let ((found, errors), unreadable) = products_and_unreadable_stock(&result, &dictionaries);
            assert_named(&errors);
            for product in &found {
                // Every figure a product has came from a readable row, never from an unreadable one.
                let rows = lenient::entries(&stock).unwrap_or_default();
                let readable = rows.iter().filter_map(|(_, r)| r.get("ilosc").and_then(|q| lenient::qty(q).ok().flatten())).collect::<Vec<_>>();
                for (_, q) in &product.stock {
                    prop_assert!(!per_store || readable.contains(q), "a figure from nowhere");
                }
                let alone = found.iter().filter(|p| p.id == product.id).count() == 1;
                prop_assert!(!alone || !unreadable.contains(&product.id) || product.stock.is_empty(), "an unreadable figure became stock");
            }
        }

        #[test]
        fn whole_snapshot(products in list_of(mutated(kubek())), anything in any_json(), stock in list_of(record(STOCK_FIELDS))) {
            let payloads = SystimPayloads {
                products: Some(&products),
                vat_rates: Some(&anything),
                categories: Some(&anything),
                stores: Some(&anything),
                delivery_methods: Some(&anything),
                payment_methods: Some(&anything),
                quantities: Some(vec![(1, &stock), (2, &anything)]),
            };
            assert_named(&snapshot(&payloads).1);
        }
    }
}

#[cfg(test)]
mod equivalence {
    //! The record-by-record decoders against the whole-tree ones they replaced
    //! (`decode::systim_before`): on the same answers — read from their text, as the client reads
    //! them — the same products with the same stock, the same unreadable figures, the same
    //! problems in the same order. Stock rows here carry `id_produktu` and the product's own name
    //! and barcode (the old join by `id_produktu` alone and the new one agree on them); rows
    //! without them are the new join's own tests.
    use super::*;
    use crate::decode::systim_before as before;
    use crate::decode::testkit::{any_json, mutated, record, wire_string};
    use proptest::prelude::*;
    use serde_json::json;

    /// One run's answers as text.
    #[derive(Clone, Debug)]
    struct Texts {
        vat_rates: Option<String>,
        categories: Option<String>,
        products: Option<String>,
        quantities: Option<Vec<(u64, String)>>,
    }

    fn tree(text: &str) -> Value {
        serde_json::from_str(text).expect("JSON")
    }

    /// The new way: dictionaries from trees, the lists streamed from their text.
    fn streamed(t: &Texts) -> (SystimSnapshot, Vec<DecodeError>) {
        let (vat, cats) = (t.vat_rates.as_deref().map(tree), t.categories.as_deref().map(tree));
        let dictionaries = Dictionaries::decode(&SystimPayloads { vat_rates: vat.as_ref(), categories: cats.as_ref(), ..SystimPayloads::default() });
        let products = t.products.as_deref().map(|text| {
            let mut records = dictionaries.products();
            stream::from_text(text, &mut records).expect("JSON");
            records.finish()
        });
        let quantities: Option<Vec<StoreStock>> = match (&products, &t.quantities) {
            (Some(read), Some(stores)) => {
                let join = read.join();
                Some(
                    stores
                        .iter()
                        .map(|(id, text)| {
                            let mut rows = join.store(*id);
                            stream::from_text(text, &mut rows).expect("JSON");
                            rows.finish()
                        })
                        .collect(),
                )
            }
            _ => None,
        };
        assemble(dictionaries, products, quantities.as_deref())
    }

    /// The old way: every answer one tree.
    fn whole(t: &Texts) -> (SystimSnapshot, Vec<DecodeError>) {
        let (vat, cats, products) = (t.vat_rates.as_deref().map(tree), t.categories.as_deref().map(tree), t.products.as_deref().map(tree));
        let quantities: Option<Vec<(u64, Value)>> = t.quantities.as_ref().map(|s| s.iter().map(|(id, text)| (*id, tree(text))).collect());
        before::snapshot(&before::SystimPayloads {
            products: products.as_ref(),
            vat_rates: vat.as_ref(),
            categories: cats.as_ref(),
            quantities: quantities.as_ref().map(|s| s.iter().map(|(id, v)| (*id, v)).collect()),
            ..before::SystimPayloads::default()
        })
    }

    fn same(t: &Texts) -> Result<(), TestCaseError> {
        let (new, old) = (streamed(t), whole(t));
        prop_assert_eq!(&new.0, &old.0, "snapshot of {:?}", t);
        prop_assert_eq!(&new.1, &old.1, "problems of {:?}", t);
        Ok(())
    }

    /// Stock rows for the products of a list: keyed by id (or in an array), with `id_produktu`,
    /// the product's own name and barcode, and the given quantities in turn. Products that could
    /// not be told apart by name or barcode get no row. `None` when two records share an id (the
    /// old join gave both the row, the new one neither can be sure of).
    fn rows_for(products: &Value, quantities: &[Value], keyed: bool) -> Option<Value> {
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        for (pos, (key, value)) in lenient::entries(products).unwrap_or_default().into_iter().enumerate() {
            let Ok((rec, id)) = Rec::open(value, &PRODUCT, At { pos, key }) else { continue };
            if ids.contains(&id) {
                return None;
            }
            ids.push(id);
            let (name, barcode) = (rec.get("nazwa").cloned().unwrap_or(Value::Null), rec.get("kod_kreskowy").cloned().unwrap_or(Value::Null));
            if join_text(Some(&name)).is_empty() && join_text(Some(&barcode)).is_empty() {
                continue;
            }
            let ilosc = quantities.get(rows.len() % quantities.len().max(1)).cloned().unwrap_or(json!("1"));
            rows.push((id, json!({"id_produktu": id.to_string(), "nazwa_produktu": name, "kod_kreskowy": barcode, "ilosc": ilosc})));
        }
        Some(if keyed {
            Value::Object(rows.into_iter().map(|(id, row)| (id.to_string(), row)).collect())
        } else {
            Value::Array(rows.into_iter().map(|(_, row)| row).collect())
        })
    }

    fn kubek() -> Value {
        json!({"id":"12","nazwa":"Kubek 300 ml","kod_produktu":"KUB-300","kod_kreskowy":"5901234123457",
               "cena_netto":"24.39","cena_brutto":"30.00","stawka_vat":"1","id_kategorii":"1",
               "jednostka":"szt.","rodzaj":"0","ukryty":"0","opis":"","pkwiu":"","ilosc":"17.00"})
    }

    fn vat_map() -> Value {
        json!({"1": {"id": "1", "nazwa": "23%", "stawka": "23"}, "2": {"id": 2, "nazwa": "8%", "stawka": "8,00"}, "5": {"nazwa": "zw", "stawka": "0"}})
    }

    fn text(value: &Value) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn the_recorded_shapes_decode_as_before() {
        let odd = json!({"id": 14, "nazwa": "Kowalski &amp; Synowie &quot;Mocne&quot;", "kod_produktu": "A&amp;B ", "kod_kreskowy": null,
                         "cena_brutto": "30,50", "cena_netto": "", "stawka_vat": "7", "id_kategorii": null, "rodzaj": "1", "ukryty": "1", "ilosc": null});
        let mut bad_price = kubek();
        bad_price["id"] = json!("15");
        bad_price["cena_brutto"] = json!("1.2.3");
        let mut bad_stock = kubek();
        bad_stock["id"] = json!(16);
        bad_stock["ilosc"] = json!("dużo");
        bad_stock["kod_kreskowy"] = json!("123");
        let lists = [
            json!({"12": kubek(), "14": odd, "15": bad_price, "16": bad_stock, "x": {"nazwa": "bez id"}, "17": "nie obiekt"}),
            json!([kubek(), {"id": "13", "nazwa": "Talerz", "cena_brutto": "12", "ilosc": "3,5"}]),
            json!([]),
            json!({}),
            json!(null),
            json!("Brak danych"),
        ];
        for products in lists {
            for categories in [None, Some(json!({"1": {"nazwa": "Domyślna"}})), Some(json!("zły"))] {
                let base =
                    Texts { vat_rates: Some(text(&vat_map())), categories: categories.as_ref().map(text), products: Some(text(&products)), quantities: None };
                same(&base).unwrap();
                for keyed in [true, false] {
                    let rows = rows_for(&products, &[json!("4"), json!(null), json!("x"), json!(-2), json!("1,5"), json!("")], keyed).unwrap();
                    let stores = vec![(3, text(&rows)), (4, text(&json!([]))), (5, text(&json!("nie lista")))];
                    same(&Texts { quantities: Some(stores), ..base.clone() }).unwrap();
                }
            }
        }
    }

    fn list_of(item: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => prop::collection::vec(item.clone(), 0..6).prop_map(Value::Array),
            4 => prop::collection::btree_map("[0-9]{1,3}|[a-z]{1,2}", item, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
            1 => any_json(),
        ]
    }

    fn quantity() -> impl Strategy<Value = Value> {
        prop_oneof![
            3 => "-?[0-9]{1,6}([.,][0-9]{0,4})?".prop_map(Value::String),
            1 => Just(Value::Null),
            1 => wire_string().prop_map(Value::String),
            1 => any_json(),
        ]
    }

    const PRODUCT_FIELDS: &[&str] =
        &["id", "nazwa", "kod_produktu", "kod_kreskowy", "cena_netto", "cena_brutto", "stawka_vat", "id_kategorii", "jednostka", "rodzaj", "ukryty", "ilosc"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn generated_answers_decode_as_before(
            products in list_of(prop_oneof![6 => mutated(kubek()), 1 => record(PRODUCT_FIELDS)].boxed()),
            vat_rates in prop_oneof![3 => Just(vat_map()), 1 => any_json()],
            categories in prop::option::of(prop_oneof![3 => Just(json!({"1": {"nazwa": "Domyślna"}, "2": {"nazwa": "Kubki &amp; talerze"}})), 1 => any_json()]),
            quantities in prop::collection::vec(quantity(), 1..6),
            per_store in any::<bool>(),
            keyed in any::<bool>(),
        ) {
            let stores = match per_store {
                true => match rows_for(&products, &quantities, keyed) {
                    Some(rows) => Some(vec![(3, text(&rows))]),
                    None => return Ok(()),
                },
                false => None,
            };
            let texts = Texts { vat_rates: Some(text(&vat_rates)), categories: categories.as_ref().map(text), products: Some(text(&products)), quantities: stores };
            same(&texts)?;
        }
    }
}
