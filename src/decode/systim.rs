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

    /// The product's stock per store, or `None` when a figure could not be read (noted; the
    /// product is kept, its stock is never pushed).
    fn stock_of(&self, rec: &Rec, id: u64, notes: &mut Vec<DecodeError>) -> Option<Vec<(u64, Qty)>> {
        if let Some(stores) = self.unreadable.get(&id) {
            let list = stores.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            notes.push(rec.err("ilosc", format!("nieczytelny stan w magazynie {list} — stanu nie wysłano"), false));
            return None;
        }
        if self.per_store {
            return Some(self.stock.get(&id).cloned().unwrap_or_default());
        }
        match rec.maybe("ilosc", lenient::qty) {
            Ok(q) => Some(q.map(|q| vec![(SIMPLIFIED_STORE_ID, q)]).unwrap_or_default()),
            Err(mut e) => {
                e.record_skipped = false;
                e.problem = format!("{} — stanu nie wysłano", e.problem);
                notes.push(e);
                None
            }
        }
    }
}

/// `listProducts` → products with VAT (via `listVatRates`), category (via `listCategories` when
/// available) and stock per warehouse.
pub fn products(result: &Value, dictionaries: &SystimDictionaries) -> DecodedList<SystimProduct> {
    products_and_unreadable_stock(result, dictionaries).0
}

/// As [`products`], plus the ids of products kept although a stock figure of theirs could not
/// be read (their stock must not be pushed).
pub fn products_and_unreadable_stock(result: &Value, dictionaries: &SystimDictionaries) -> (DecodedList<SystimProduct>, Vec<u64>) {
    let lk = ProductLookups::new(dictionaries);
    let unreadable = std::cell::RefCell::new(Vec::new());
    let list = decode_list(result, "listProducts", &PRODUCT, |rec, id, notes| {
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
            stock: lk.stock_of(rec, id, notes).unwrap_or_else(|| {
                unreadable.borrow_mut().push(id);
                Vec::new()
            }),
        })
    });
    (list, unreadable.into_inner())
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
    let (products, unreadable_stock) = match p.products {
        Some(r) => {
            let (list, unreadable) = products_and_unreadable_stock(r, &dictionaries);
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
    };
    (snapshot, errors)
}

/// `true` when an answer says the method does not exist on this account (code 1): the feature
/// needing it is unavailable, nothing else stops.
pub fn is_unknown_method(error: &SystimResponseError) -> bool {
    matches!(error, SystimResponseError::Api(e) if e.code == SystimEnvelopeError::UNKNOWN_METHOD)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let header = json!({"id":"345","numer":"ZAM/12/2024","data":"2024-05-06","id_statusu":"1","uwagi":"Shoper 1023 @ sklep.pl &amp; co","suma_brutto":"60.00"});
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

    fn decode(result: Value, stores: Option<&[StoreQuantities]>) -> DecodedList<SystimProduct> {
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
        let store3 = quantities(3, &json!({"12": {"id_produktu": "12", "nazwa_produktu": "Kubek", "kod_kreskowy": null, "ilosc": "5,5"}}));
        let store4 = quantities(4, &json!([{"id_produktu": 12, "ilosc": "-2"}, {"id_produktu": "13", "ilosc": "1"}]));
        let stores = [store3, store4];
        let (found, notes) = decode(json!({"12": kubek()}), Some(&stores));
        assert!(notes.is_empty());
        assert_eq!(found[0].stock, [(3, Qty(5_500)), (4, Qty(-2_000))]);
        let (found, _) = decode(json!({"12": with(kubek(), "ilosc", json!("zły"))}), Some(&stores[..1]));
        assert_eq!(found.len(), 1, "ilosc is ignored when stock comes per warehouse");
    }

    #[test]
    fn an_unreadable_store_quantity_is_never_zero() {
        for bad in [json!(null), json!("x"), json!(""), json!("1e5")] {
            let store = quantities(4, &json!({"12": {"id_produktu": "12", "ilosc": bad.clone()}}));
            assert_eq!(store.unreadable, [12], "{bad}");
            assert_eq!((store.errors[0].record.as_str(), store.errors[0].field.as_str()), ("stan produktu Systim id 12 w magazynie 4", "ilosc"));
            let (found, errors) = decode(json!([kubek(), with(kubek(), "id", json!("13"))]), Some(std::slice::from_ref(&store)));
            assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), [12, 13], "the product is kept");
            assert!(found[0].stock.is_empty(), "but has no figure at all, never 0");
            assert_eq!((errors[0].record.as_str(), errors[0].field.as_str(), errors[0].record_skipped), ("produkt Systim id 12", "ilosc", false));
            assert!(errors[0].problem.contains("magazynie 4"));
        }
        let store = quantities(4, &json!({"x": {"ilosc": "1"}}));
        assert!(store.unreadable.is_empty() && store.rows.is_empty());
        assert_eq!(store.errors[0].field, "id_produktu");
    }

    #[test]
    fn snapshot_with_and_without_assumed_methods() {
        let (products, vats, stores) = (json!({"12": kubek()}), vat_map(), json!({"3": {"nazwa": "Główny"}}));
        let q3 = json!({"12": {"id_produktu": "12", "ilosc": "4"}});
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

    const PRODUCT_FIELDS: &[&str] = &["id", "nazwa", "kod_produktu", "kod_kreskowy", "cena_netto", "cena_brutto",
        "stawka_vat", "id_kategorii", "jednostka", "rodzaj", "ukryty", "ilosc"];
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
            let store = quantities(3, &stock);
            assert_named(&store.errors);
            let stores = [store];
            let dictionaries = SystimDictionaries { quantities: per_store.then_some(&stores[..]), ..SystimDictionaries::default() };
            let ((found, errors), unreadable) = products_and_unreadable_stock(&result, &dictionaries);
            assert_named(&errors);
            for product in &found {
                let bad = per_store && stores[0].unreadable.contains(&product.id);
                prop_assert!(!bad || (product.stock.is_empty() && unreadable.contains(&product.id)), "an unreadable figure became stock");
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
