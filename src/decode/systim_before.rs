//! The Systim product and stock decoders as they were before lists were read record by record
//! (`decode::stream`) and before `listPQuantities` rows were joined without `id_produktu`: each
//! list a whole `serde_json::Value` tree, rows joined by `id_produktu` (or the key) alone. Kept
//! for the tests only, as the oracle the streaming decoders are checked against.
#![allow(dead_code)]

use super::lenient;
use super::systim::{categories, decode_list, delivery_methods, optional, payment_methods, records, stores, vat_rates, SIMPLIFIED_STORE_ID};
use super::{by_id, keep, lookup, At, ById, DecodeError, DecodedList, Kind, Rec};
use crate::domain::{ProductCode, SystimCategory, SystimProduct, SystimSnapshot, SystimVatRate};
use crate::money::{Money, Qty};
use serde_json::Value;
use std::collections::HashMap;

const PRODUCT: Kind = Kind { name: "produkt Systim id", id_fields: &["id"], entities: true };
const STOCK_ROW: Kind = Kind { name: "stan produktu Systim id", id_fields: &["id_produktu", "id"], entities: true };

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
    vat_rates: ById<'a, SystimVatRate>,
    categories: ById<'a, SystimCategory>,
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
    let dictionaries = SystimDictionaries { vat_rates: vat_rates.as_deref(), categories: categories.as_deref(), quantities: quantities.as_deref() };
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
        categories_unknown: false,
    };
    (snapshot, errors)
}
