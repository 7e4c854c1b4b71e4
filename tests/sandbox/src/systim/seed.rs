//! Building the account from a neutral [`Scenario`]: stable ids per scenario.
//!
//! Categories: 1 "Domyślna", 2 "Usługi", then the items' categories in first-seen order.
//! VAT rates 1..=7: `23%`, `8%`, `5%`, `0%`, `zw`, `np`, `oo` (a default account's mapping).
//! Stores from `systim_stores` (ids from 1; at least one). Products from the items' Systim sides
//! in item order (ids from 1), stock per store from `SystimProduct::stock`. Contractors from
//! [`CONTRACTORS`] (ids from 1), in every scenario.

use serde_json::Value;

use crate::catalogue::{Scenario, SystimProduct, Vat};

use super::model::{by_id, next_id, Company, Data, Named, Product, VatRate};
use super::num::{mul_div_round, parse_scaled};

const FIXED_CATEGORIES: [&str; 2] = ["Domyślna", "Usługi"];
const DEFAULT_STORE: &str = "Magazyn główny";
const DELIVERY_METHODS: [&str; 4] = ["Przesyłka kurierska", "Odbiór osobisty", "Paczkomat InPost", "Poczta Polska"];
const PAYMENT_METHODS: [&str; 6] = ["przelew", "gotówka", "barter", "za pobraniem", "rozliczenie saldami", "karta płatnicza"];

/// The account's contractors (`nazwa`, `nip` as a bookkeeper typed it, `ulica`, `kod`,
/// `miejscowosc`, `email`). The demo orders meet them: order 2's NIP (`586-212-09-28`) is
/// contractor 2, spelled the same; order 10's (`5252248481`) is contractor 6, typed with `PL`;
/// order 15's (`7792433421`) is held by two contractors (3 and 5: ambiguous, never guessed);
/// order 3's (`PL 525 000 12 33`) is nobody's yet (created by the first import).
pub const CONTRACTORS: [[&str; 6]; 7] = [
    ["Hurtownia Kawy Mokka Sp. z o.o.", "676-238-91-75", "ul. Zabłocie 23", "30-701", "Kraków", "biuro@mokka.example.pl"],
    ["Herbaciarnia Zielińska Sp. z o.o.", "586-212-09-28", "al. Zwycięstwa 96/98", "81-451", "Gdynia", "biuro@herbaciarnia.example.pl"],
    ["Kawiarnia Pod Zegarem s.c.", "779-243-34-21", "Stary Rynek 41", "61-772", "Poznań", "zegar@example.pl"],
    ["Palarnia Śląska Jan Kowalczyk", "954-245-66-23", "ul. Mariacka 12", "40-014", "Katowice", ""],
    ["Kawiarnia Pod Zegarem Joanna Kaczmarek", "7792433421", "Stary Rynek 41", "61-772", "Poznań", ""],
    ["Akademia Baristy Zieliński", "PL5252248481", "Kawowa 1", "65-001", "Zielona Góra", "szkolenia@example.pl"],
    ["Delikatesy Pod Arkadami Sp. j.", "521 301 86 76", "ul. Nowy Świat 15", "00-029", "Warszawa", "zakupy@arkady.example.pl"],
];

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
    for (c, id) in CONTRACTORS.iter().zip(1..) {
        let fields = ["nazwa", "nip", "ulica", "kod", "miejscowosc", "email"];
        let sent = fields.iter().zip(c).map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
        data.companies.push(Company { id, sent });
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

/// A product created through the control API (`SystimState::create_products`); its id.
pub fn add_control_product(data: &mut Data, spec: &Value) -> Result<u64, String> {
    const KNOWN: [&str; 11] = ["name", "code", "ean", "price_gross", "vat_id", "category_id", "quantity", "store_id", "unit", "service", "hidden"];
    let obj = spec.as_object().ok_or("a JSON object expected")?;
    if let Some(k) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!("unknown field '{k}' (known: {})", KNOWN.join(", ")));
    }
    let text = |k: &str| -> Result<String, String> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("'{k}' must be a string")),
        }
    };
    let decimal = |k: &str, scale: u32| -> Result<Option<i64>, String> {
        let raw = match obj.get(k) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(format!("'{k}' must be a decimal number")),
        };
        parse_scaled(&raw, scale).map(Some).ok_or_else(|| format!("'{k}' = '{raw}' is not a decimal number with at most {scale} decimals"))
    };
    let id_of = |k: &str, default: u64| -> Result<u64, String> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_u64().ok_or_else(|| format!("'{k}' must be a positive integer")),
        }
    };
    let flag = |k: &str| -> Result<bool, String> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| format!("'{k}' must be true or false")),
        }
    };
    let name = text("name")?;
    if name.trim().is_empty() {
        return Err("'name' is required".into());
    }
    let gross = decimal("price_gross", 2)?.ok_or("'price_gross' is required")?;
    if gross < 0 {
        return Err("'price_gross' must not be negative".into());
    }
    let vat_id = id_of("vat_id", 1)?;
    let percent = by_id(&data.vat_rates, vat_id).map(|v| v.percent).ok_or_else(|| format!("no VAT rate {vat_id}"))?;
    let category_id = id_of("category_id", 1)?;
    if by_id(&data.categories, category_id).is_none() {
        return Err(format!("no category {category_id}"));
    }
    let store_id = id_of("store_id", data.main_store())?;
    if by_id(&data.stores, store_id).is_none() {
        return Err(format!("no store {store_id}"));
    }
    let quantity = decimal("quantity", 3)?.unwrap_or(0);
    let unit = match text("unit")? {
        u if u.is_empty() => "szt.".to_string(),
        u => u,
    };
    let id = next_id(&data.products);
    data.products.push(Product {
        id,
        nazwa: name,
        kod_produktu: text("code")?,
        kod_kreskowy: text("ean")?,
        cena_netto: mul_div_round(gross, 100, 100 + percent),
        cena_brutto: gross,
        vat_id,
        category_id,
        jednostka: unit,
        rodzaj: u8::from(flag("service")?),
        ukryty: flag("hidden")?,
        note: "created through the control API".to_string(),
        sent: None,
    });
    if quantity != 0 {
        data.add_stock(id, store_id, quantity);
    }
    Ok(id)
}
