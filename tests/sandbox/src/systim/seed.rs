//! Building the account from a neutral [`Scenario`]: stable ids per scenario.
//!
//! Categories: 1 "Domyślna", 2 "Usługi", then the items' categories in first-seen order.
//! VAT rates 1..=7: `23%`, `8%`, `5%`, `0%`, `zw`, `np`, `oo` (a default account's mapping).
//! Stores from `systim_stores` (ids from 1; at least one). Products from the items' Systim sides
//! in item order (ids from 1), stock per store from `SystimProduct::stock`.

use crate::catalogue::{Scenario, SystimProduct, Vat};

use super::model::{Data, Named, Product, VatRate};

const FIXED_CATEGORIES: [&str; 2] = ["Domyślna", "Usługi"];
const DEFAULT_STORE: &str = "Magazyn główny";
const DELIVERY_METHODS: [&str; 4] = ["Przesyłka kurierska", "Odbiór osobisty", "Paczkomat InPost", "Poczta Polska"];
const PAYMENT_METHODS: [&str; 6] = ["przelew", "gotówka", "barter", "za pobraniem", "rozliczenie saldami", "karta płatnicza"];

pub fn data_from_scenario(sc: &Scenario) -> Data {
    let mut data = Data {
        categories: categories(sc),
        vat_rates: vat_rates(),
        stores: numbered(sc.systim_stores.iter().map(String::as_str)),
        delivery_methods: numbered(DELIVERY_METHODS.into_iter()),
        payment_methods: numbered(PAYMENT_METHODS.into_iter()),
        ..Data::default()
    };
    if data.stores.is_empty() {
        data.stores = numbered([DEFAULT_STORE].into_iter());
    }
    for item in &sc.items {
        if let Some(sp) = &item.systim {
            add_product(&mut data, sp, item.note);
        }
    }
    data
}

fn numbered<'a>(names: impl Iterator<Item = &'a str>) -> Vec<Named> {
    names.zip(1..).map(|(nazwa, id)| Named { id, nazwa: nazwa.to_string(), parent: 0 }).collect()
}

fn categories(sc: &Scenario) -> Vec<Named> {
    let mut names: Vec<&str> = FIXED_CATEGORIES.to_vec();
    for sp in sc.items.iter().filter_map(|it| it.systim.as_ref()) {
        if !names.contains(&sp.category.as_str()) {
            names.push(&sp.category);
        }
    }
    numbered(names.into_iter())
}

fn vat_rates() -> Vec<VatRate> {
    Vat::SYSTIM_ALL.iter().zip(1..).map(|(v, id)| VatRate { id, nazwa: v.systim_name().to_string(), percent: v.percent() }).collect()
}

/// The VAT-rate id of a seed rate.
pub fn vat_id(v: Vat) -> u64 {
    Vat::SYSTIM_ALL.iter().position(|x| *x == v).map_or(1, |i| i as u64 + 1)
}

fn add_product(data: &mut Data, sp: &SystimProduct, note: &str) {
    let id = super::model::next_id(&data.products);
    let category_id = data.categories.iter().find(|c| c.nazwa == sp.category).map_or(1, |c| c.id);
    data.products.push(Product {
        id,
        nazwa: sp.name.clone(),
        kod_produktu: sp.code.clone(),
        kod_kreskowy: sp.ean.clone(),
        cena_netto: sp.price_net,
        cena_brutto: sp.price_gross,
        vat_id: vat_id(sp.vat),
        category_id,
        jednostka: sp.unit.clone(),
        rodzaj: sp.kind,
        ukryty: sp.hidden,
        note: note.to_string(),
        sent: None,
    });
    let store_ids: Vec<u64> = data.stores.iter().map(|s| s.id).collect();
    for (store_id, qty) in store_ids.into_iter().zip(sp.stock.iter()) {
        data.add_stock(id, store_id, *qty);
    }
}
