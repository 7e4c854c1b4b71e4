//! Systim jsonAPI payloads (systim-contract.md, systim-api.md §1, §3, §8, §11.2) → the domain.
//!
//! Every text is HTML-unescaped once (Systim `htmlspecialchars`es its output). Lists arrive as an
//! object keyed by id, an array, or `[]`; code 8 ("no data") is an empty list.
//!
//! What a bad value costs:
//!
//! | record | left out when unreadable | only the field is ignored (noted) |
//! |---|---|---|
//! | product | `id`, `cena_brutto`, `cena_netto`, `ilosc` (simplified mode), any unreadable `listPQuantities` row of it | EAN, `stawka_vat`/`id_kategorii` and unknown references, `rodzaj`, `ukryty`, texts |
//! | stock row (`listPQuantities`) | `id_produktu`, `ilosc` (also `null`: never read as 0) | — |
//! | order (`listOrders`) | `id` | `suma_brutto`, `data`, `id_statusu` (so the import marker in `uwagi` is never lost) |
//! | dictionaries | their id | names, VAT cross-check |
//!
//! Unset prices (`""`, `null`) are 0 (no price, which the plans refuse to use); unset `ilosc` in
//! the simplified mode means no stock figure at all, not 0.

use super::lenient;
use super::{by_id, decode_records, keep, lookup, At, DecodeError, DecodedList, Kind, Rec};
use crate::domain::{
    NamedId, ProductCode, SystimCategory, SystimProduct, SystimSnapshot, SystimVatRate, Warehouse,
};
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
    let mut value: Value =
        serde_json::from_slice(body).map_err(|_| SystimResponseError::ServerErrorPage { snippet: page_snippet(body) })?;
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
fn records<'a>(result: &'a Value, method: &str) -> Result<Vec<(At<'a>, &'a Value)>, DecodeError> {
    let entries = lenient::entries(result).map_err(|e| DecodeError {
        record: format!("lista {method} (Systim)"),
        field: "result".into(),
        problem: e.to_string(),
        record_skipped: true,
    })?;
    Ok(entries.into_iter().enumerate().map(|(pos, (key, v))| (At { pos, key }, v)).collect())
}

fn decode_list<'a, T>(
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

/// One warehouse's `listPQuantities` answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreQuantities {
    pub store_id: u64,
    /// Product id → quantity.
    pub rows: Vec<(u64, Qty)>,
    /// Products whose quantity here could not be read: they must not be synchronised.
    pub unreadable: Vec<u64>,
    pub errors: Vec<DecodeError>,
}

/// `listPQuantities` for warehouse `store_id`: map product id → `{id_produktu, nazwa_produktu,
/// kod_kreskowy, ilosc}`. An `ilosc` that is unset or bad is an error for that product.
pub fn quantities(store_id: u64, result: &Value) -> StoreQuantities {
    let mut out = StoreQuantities { store_id, ..StoreQuantities::default() };
    let records = match records(result, &format!("listPQuantities (magazyn {store_id})")) {
        Ok(records) => records,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    for (at, value) in records {
        match stock_row(value, at, store_id) {
            Ok(row) => out.rows.push(row),
            Err((product, e)) => {
                out.unreadable.extend(product);
                out.errors.push(e);
            }
        }
    }
    out
}

fn stock_row(value: &Value, at: At, store_id: u64) -> Result<(u64, Qty), (Option<u64>, DecodeError)> {
    let (rec, product_id) = Rec::open(value, &STOCK_ROW, at).map_err(|e| (None, e))?;
    let rec = rec.relabel(format!("{} {product_id} w magazynie {store_id}", STOCK_ROW.name));
    let qty = rec.req("ilosc", lenient::qty).map_err(|e| (Some(product_id), e))?;
    Ok((product_id, qty))
}

/// The dictionaries and stock a product list is decoded with. `None` means the method was not
/// available (an ASSUMED method unknown on this account, or not read): the products decode
/// without that information.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystimDictionaries<'a> {
    pub vat_rates: Option<&'a [SystimVatRate]>,
    pub categories: Option<&'a [SystimCategory]>,
    /// Per-warehouse stock (`listPQuantities`); `None` reads `ilosc` (simplified mode) into
    /// warehouse [`SIMPLIFIED_STORE_ID`].
    pub quantities: Option<&'a [StoreQuantities]>,
}

struct ProductLookups<'a> {
    vat_rates: HashMap<u64, &'a SystimVatRate>,
    categories: HashMap<u64, &'a SystimCategory>,
    stock: HashMap<u64, Vec<(u64, Qty)>>,
    unreadable: HashMap<u64, Vec<u64>>,
    per_store: bool,
}

impl<'a> ProductLookups<'a> {
    fn new(d: &SystimDictionaries<'a>) -> Self {
        let mut stock: HashMap<u64, Vec<(u64, Qty)>> = HashMap::new();
        let mut unreadable: HashMap<u64, Vec<u64>> = HashMap::new();
        for store in d.quantities.unwrap_or_default() {
            for (product, qty) in &store.rows {
                stock.entry(*product).or_default().push((store.store_id, *qty));
            }
            for product in &store.unreadable {
                unreadable.entry(*product).or_default().push(store.store_id);
            }
        }
        ProductLookups {
            vat_rates: by_id(d.vat_rates.unwrap_or_default(), |v| v.id),
            categories: by_id(d.categories.unwrap_or_default(), |c| c.id),
            stock,
            unreadable,
            per_store: d.quantities.is_some(),
        }
    }

    fn stock_of(&self, rec: &Rec, id: u64) -> Result<Vec<(u64, Qty)>, DecodeError> {
        if let Some(stores) = self.unreadable.get(&id) {
            let list = stores.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            return Err(rec.err("ilosc", format!("nieczytelny stan w magazynie {list}"), true));
        }
        if self.per_store {
            return Ok(self.stock.get(&id).cloned().unwrap_or_default());
        }
        Ok(rec.maybe("ilosc", lenient::qty)?.map(|q| vec![(SIMPLIFIED_STORE_ID, q)]).unwrap_or_default())
    }
}

/// `listProducts` → products with VAT (via `listVatRates`), category (via `listCategories` when
/// available) and stock per warehouse.
pub fn products(result: &Value, dictionaries: &SystimDictionaries) -> DecodedList<SystimProduct> {
    let lk = ProductLookups::new(dictionaries);
    decode_list(result, "listProducts", &PRODUCT, |rec, id, notes| {
        let (vat_id, vat) = lookup(&lk.vat_rates, rec, "stawka_vat", notes);
        let (category_id, category) = lookup(&lk.categories, rec, "id_kategorii", notes);
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
            stock: lk.stock_of(rec, id)?,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Snapshot

/// The `result`s read from Systim for one run (after [`list_envelope`]). `None`: not read or the
/// method is unknown on this account.
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

fn optional<'a, T>(result: Option<&'a Value>, decode: fn(&'a Value) -> DecodedList<T>, errors: &mut Vec<DecodeError>) -> Option<Vec<T>> {
    result.map(|r| keep(decode(r), errors))
}

/// Decode everything into a [`SystimSnapshot`], dictionaries first, with every problem met.
pub fn snapshot(p: &SystimPayloads) -> (SystimSnapshot, Vec<DecodeError>) {
    let mut errors = Vec::new();
    let vat_rates = optional(p.vat_rates, vat_rates, &mut errors);
    let categories = optional(p.categories, categories, &mut errors);
    let stores = optional(p.stores, stores, &mut errors).unwrap_or_default();
    let delivery_methods = optional(p.delivery_methods, delivery_methods, &mut errors).unwrap_or_default();
    let payment_methods = optional(p.payment_methods, payment_methods, &mut errors).unwrap_or_default();
    let quantities: Option<Vec<StoreQuantities>> = p.quantities.as_ref().map(|stores| {
        stores
            .iter()
            .map(|(store, result)| {
                let mut q = quantities(*store, result);
                errors.append(&mut q.errors);
                q
            })
            .collect()
    });
    let dictionaries = SystimDictionaries {
        vat_rates: vat_rates.as_deref(),
        categories: categories.as_deref(),
        quantities: quantities.as_deref(),
    };
    let products = p.products.map(|r| keep(products(r, &dictionaries), &mut errors)).unwrap_or_default();
    let snapshot = SystimSnapshot {
        vat_rates: vat_rates.unwrap_or_default(),
        categories: categories.unwrap_or_default(),
        stores,
        delivery_methods,
        payment_methods,
        products,
    };
    (snapshot, errors)
}

/// `true` when an answer says the method does not exist on this account (code 1): the feature
/// needing it is unavailable, nothing else stops.
pub fn is_unknown_method(error: &SystimResponseError) -> bool {
    matches!(error, SystimResponseError::Api(e) if e.code == SystimEnvelopeError::UNKNOWN_METHOD)
}
