//! Builds the shop from a neutral [`Scenario`]: fresh-shop dictionaries (taxes, units, statuses,
//! languages, currencies, shippings, payments), categories, products with their stock rows,
//! warehouses, customers and orders. Ids start at 1 and follow the scenario order.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::auth::Auth;
use super::catalog::{product_row, product_tr_entry, stock_row};
use super::config::Config;
use super::dec::Dec;
use super::dicts::{category_row, category_tr_entry, status_row, status_tr_entry, tr_entry, unit_row, unit_tr_entry, user_row, warehouse_row};
use super::discounts::{self, Asked, Convention};
use super::orders::{line_row, order_code, order_row};
use super::store::{row_of, s, text, Db, OptionGroup, Res, Row};
use super::ShoperState;
use crate::catalogue::{Address, Item, OrderLineSeed, OrderSeed, Scenario, ShopProduct, Vat};

const STATUSES: [(u64, &str, &str); 11] = [
    (1, "złożone", "1"),
    (2, "przyjęte do realizacji", "2"),
    (3, "oczekiwanie na dostawę", "2"),
    (4, "w trakcie kompletowania", "2"),
    (5, "oczekiwanie na płatność", "2"),
    (6, "gotowe do wysłania", "2"),
    (7, "przesyłka wysłana", "3"),
    (8, "anulowane", "4"),
    (9, "odrzucone", "4"),
    (10, "dostarczone", "3"),
    (11, "zwrócone", "4"),
];
const UNITS: [(&str, bool); 6] = [("szt.", false), ("kg", true), ("lbs", true), ("zestaw", false), ("wielopak", false), ("usł.", false)];
const CURRENCIES: [(&str, &str); 4] = [("PLN", "1"), ("USD", "3.9800"), ("EUR", "4.2700"), ("GBP", "5.0000")];
/// A Polish shop's delivery methods (ids 1–4 are the ones the seeded orders use).
const SHIPPINGS: [(&str, &str, &str); 6] = [
    ("Kurier InPost", "14.99", "kurier"),
    ("Paczkomat InPost 24/7", "12.99", "paczkomaty"),
    ("Poczta Polska — Pocztex", "11.99", "poczta"),
    ("Odbiór osobisty w sklepie", "0.00", "odbior"),
    ("Kurier DPD", "16.99", "dpd"),
    ("Kurier DPD — pobranie", "21.99", "dpd_cod"),
];
/// A Polish shop's payment methods (`name` is the payment engine).
const PAYMENTS: [(&str, &str); 6] = [
    ("transfer", "Przelew tradycyjny"),
    ("cod", "Płatność przy odbiorze (pobranie)"),
    ("payu", "Płatności online PayU"),
    ("blik", "BLIK"),
    ("przelewy24", "Przelewy24"),
    ("paypo", "PayPo — kup teraz, zapłać za 30 dni"),
];

/// Ids given to one catalogue item: product, base stock row, variant rows.
#[derive(Clone, Debug, Default)]
struct Placed {
    product: u64,
    base: u64,
    variants: Vec<u64>,
}

struct Seeder<'a> {
    sc: &'a Scenario,
    db: Db,
    active_locales: Vec<String>,
    categories: BTreeMap<String, u64>,
    units: BTreeMap<String, u64>,
    users: BTreeMap<String, u64>,
    placed: Vec<Option<Placed>>,
}

/// Translations with the same text in every active locale.
fn same_in_all(locales: &[String], entry: impl Fn() -> Value) -> Value {
    Value::Object(locales.iter().map(|l| (l.clone(), entry())).collect())
}

fn tax_id(vat: Vat) -> u64 {
    match Vat::SHOPER_ALL.iter().position(|v| v.shoper_name() == vat.shoper_name()) {
        Some(i) => i as u64 + 1,
        None => 1,
    }
}

fn money(grosze: i64) -> String {
    Dec::from_minor(grosze, 2).fixed(2)
}

fn qty(milli: i64) -> String {
    Dec::from_minor(milli, 3).trimmed()
}

fn name_in<'p>(p: &'p ShopProduct, locale: &str) -> &'p str {
    p.names.iter().find(|(l, n)| l == locale && !n.is_empty()).or_else(|| p.names.iter().find(|(_, n)| !n.is_empty())).map(|(_, n)| n.as_str()).unwrap_or("")
}

impl<'a> Seeder<'a> {
    fn new(sc: &'a Scenario) -> Self {
        let mut active_locales = sc.shop_locales.clone();
        if active_locales.is_empty() {
            active_locales.push("pl_PL".into());
        }
        Seeder { sc, db: Db::default(), active_locales, categories: BTreeMap::new(), units: BTreeMap::new(), users: BTreeMap::new(), placed: Vec::new() }
    }

    fn insert(&mut self, res: Res, v: Value) -> u64 {
        self.db.insert(res, row_of(v))
    }

    fn languages(&mut self) {
        let mut all = self.active_locales.clone();
        for extra in ["pl_PL", "en_US"] {
            if !all.iter().any(|l| l == extra) {
                all.push(extra.to_string());
            }
        }
        for (i, locale) in all.iter().enumerate() {
            let active = if self.active_locales.contains(locale) { "1" } else { "0" };
            self.insert(Res::Languages, json!({"lang_id": "", "locale": locale, "currency_id": "1", "active": active, "order": (i + 1).to_string()}));
        }
    }

    fn dictionaries(&mut self) {
        for vat in Vat::SHOPER_ALL {
            let name = vat.shoper_name();
            self.insert(Res::Taxes, json!({"tax_id": "", "value": vat.percent().to_string(), "name": name, "class": name}));
        }
        for (name, fp) in UNITS {
            self.unit(name, fp);
        }
        for (sid, name, kind) in STATUSES {
            let mut row = status_row("");
            row.insert("type".into(), s(kind));
            row.insert("order".into(), s(sid));
            row.insert("default".into(), s(if sid == 1 { "1" } else { "0" }));
            row.insert("translations".into(), same_in_all(&self.active_locales, || status_tr_entry(name)));
            self.db.insert(Res::Statuses, row); // ids 1..=11 in table order
        }
        for (i, (name, rate)) in CURRENCIES.iter().enumerate() {
            let first = if i == 0 { "1" } else { "0" };
            self.insert(
                Res::Currencies,
                json!({"currency_id": "", "name": name, "rate": rate, "order": (i + 1).to_string(),
                "active": first, "rate_sync": "1", "auto_update": "0", "rate_date": "2009-12-09", "default": first}),
            );
        }
        let locales = self.active_locales.clone();
        for (i, (name, cost, engine)) in SHIPPINGS.iter().enumerate() {
            let tr = same_in_all(&locales, || {
                tr_entry(|| row_of(json!({"translation_id": "", "shipping_id": "", "name": "", "description": "", "lang_id": ""})), &[("name", name)])
            });
            self.insert(
                Res::Shippings,
                json!({"shipping_id": "", "tax_id": "1", "zone_id": "1", "cost": cost, "max_weight": "0.00",
                "min_order_value": "0.00", "engine": engine, "is_default": if i == 0 { "1" } else { "0" }, "order": (i + 1).to_string(),
                "active": "1", "tracking_url": "https://tracking.example.pl/{tracking_number}", "translations": tr}),
            );
        }
        for (i, (engine, title)) in PAYMENTS.iter().enumerate() {
            let tr = same_in_all(&locales, || {
                tr_entry(|| row_of(json!({"translation_id": "", "payment_id": "", "title": "", "description": "", "lang_id": ""})), &[("title", title)])
            });
            self.insert(Res::Payments, json!({"payment_id": "", "name": engine, "order": (i + 1).to_string(), "active": "1", "translations": tr}));
        }
        for (code, kind, discount, free_shipping) in discounts::CODES {
            self.db.insert(Res::PromotionCodes, discounts::code_row(code, kind, discount, free_shipping));
        }
    }

    fn unit(&mut self, name: &str, floating: bool) -> u64 {
        if let Some(id) = self.units.get(name) {
            return *id;
        }
        let mut row = unit_row("");
        row.insert("floating_point".into(), s(if floating { "1" } else { "0" }));
        row.insert("translations".into(), same_in_all(&self.active_locales, || unit_tr_entry(name)));
        let id = self.db.insert(Res::Units, row);
        self.units.insert(name.to_string(), id);
        id
    }

    fn category(&mut self, name: &str) -> u64 {
        if let Some(id) = self.categories.get(name) {
            return *id;
        }
        let mut row = category_row("");
        row.insert("order".into(), s(self.categories.len() + 1));
        row.insert("translations".into(), same_in_all(&self.active_locales, || category_tr_entry(name)));
        let id = self.db.insert(Res::Categories, row);
        self.categories.insert(name.to_string(), id);
        id
    }

    fn warehouses(&mut self) {
        for (i, name) in self.sc.shop_warehouses.iter().enumerate() {
            let mut row = warehouse_row("");
            let short: String = name.split_whitespace().filter_map(|w| w.chars().next()).collect();
            for (k, v) in [("name", name.clone()), ("short_name", short), ("default", if i == 0 { "1" } else { "0" }.into()), ("order", (i + 1).to_string())] {
                row.insert(k.into(), s(v));
            }
            self.db.insert(Res::Warehouses, row);
        }
    }

    /// `{"<option_id>": "<value_id>"}` for a label like `Rozmiar: M` (groups created on first use).
    fn option_map(&mut self, label: &str) -> Value {
        let (group, value) = label.split_once(':').map_or(("Wariant", label), |(g, v)| (g.trim(), v.trim()));
        let groups = &mut self.db.option_groups;
        let gi = match groups.iter().position(|g| g.name == group) {
            Some(i) => i,
            None => {
                groups.push(OptionGroup { id: groups.len() as u64 + 1, name: group.to_string(), values: Vec::new() });
                groups.len() - 1
            }
        };
        let next_value = groups.iter().map(|g| g.values.len() as u64).sum::<u64>() + 1;
        let g = &mut groups[gi];
        let vid = match g.values.iter().find(|v| v.1 == value) {
            Some(v) => v.0,
            None => {
                g.values.push((next_value, value.to_string()));
                next_value
            }
        };
        let gid = g.id;
        json!({ gid.to_string(): vid.to_string() })
    }

    /// Stock quantity and the warehouse map (module on) of a row.
    fn quantities(&self, row: &mut Row, stock: i64, per_warehouse: &[i64]) {
        let n = self.sc.shop_warehouses.len();
        if n == 0 {
            row.insert("stock".into(), s(qty(stock)));
            return;
        }
        let split: Vec<i64> =
            if per_warehouse.is_empty() { std::iter::once(stock).chain(std::iter::repeat(0)).take(n).collect() } else { per_warehouse.to_vec() };
        let map: Map<String, Value> = split.iter().enumerate().take(n).map(|(i, q)| ((i + 1).to_string(), s(qty(*q)))).collect();
        row.insert("stock".into(), s(qty(split.iter().take(n).sum())));
        row.insert("warehouses".into(), Value::Object(map));
    }

    fn product(&mut self, item: &Item) -> Option<Placed> {
        let p = item.shop.as_ref()?;
        let mut row = product_row("2026-01-05 10:00:00");
        let cat = self.category(&p.category);
        let unit = self.unit(&p.unit, p.unit == "kg");
        let translations: Map<String, Value> = p.names.iter().filter(|(_, n)| !n.is_empty()).map(|(l, n)| (l.clone(), product_tr_entry(n, p.active))).collect();
        for (k, v) in [
            ("tax_id", s(tax_id(p.vat))),
            ("unit_id", s(unit)),
            ("category_id", s(cat)),
            ("categories", json!([cat])),
            ("translations", Value::Object(translations)),
        ] {
            row.insert(k.into(), v);
        }
        let product = self.db.insert(Res::Products, row);
        let mut base = stock_row(true);
        self.stock_fields(&mut base, product, &p.code, &p.ean, p.price);
        self.quantities(&mut base, p.stock, &p.warehouse_stock);
        let base = self.db.insert(Res::ProductStocks, base);
        let mut variants = Vec::new();
        for v in &p.variants {
            let mut row = stock_row(false);
            self.stock_fields(&mut row, product, &v.code, &v.ean, v.price);
            row.insert("price_type".into(), s("1"));
            row.insert("options".into(), self.option_map(&v.option));
            self.quantities(&mut row, v.stock, &v.warehouse_stock);
            variants.push(self.db.insert(Res::ProductStocks, row));
        }
        Some(Placed { product, base, variants })
    }

    fn stock_fields(&self, row: &mut Row, product: u64, code: &str, ean: &str, price: i64) {
        for (k, v) in [
            ("product_id", product.to_string()),
            ("code", code.into()),
            ("ean", ean.into()),
            ("price", money(price)),
            ("price_wholesale", money(price)),
            ("price_special", money(price)),
        ] {
            row.insert(k.into(), s(v));
        }
    }

    fn user(&mut self, email: &str, who: &Address, date: &str) -> u64 {
        if let Some(id) = self.users.get(&email.to_lowercase()) {
            return *id;
        }
        let mut row = user_row(date);
        for (k, v) in [("login", email), ("email", email), ("firstname", &who.firstname), ("lastname", &who.lastname)] {
            row.insert(k.into(), s(v));
        }
        let id = self.db.insert(Res::Users, row);
        self.users.insert(email.to_lowercase(), id);
        id
    }

    fn address(a: &Address) -> Value {
        let mut v = super::orders::address_row();
        if let Value::Object(m) = &mut v {
            for (k, x) in [
                ("firstname", &a.firstname),
                ("lastname", &a.lastname),
                ("company", &a.company),
                ("city", &a.city),
                ("postcode", &a.postcode),
                ("street1", &a.street),
                ("country", &a.country),
                ("phone", &a.phone),
                ("country_code", &a.country_code),
                ("tax_identification_number", &a.nip),
            ] {
                m.insert(k.into(), s(x));
            }
        }
        v
    }

    fn order(&mut self, o: &OrderSeed) {
        let hundredths = |p: i64| Dec::from_minor(p, 2);
        let asked = Asked {
            client: hundredths(o.discounts.client),
            group: hundredths(o.discounts.group),
            levels: hundredths(o.discounts.levels),
            promo_code: o.discounts.promo_code.clone(),
        };
        let list: Vec<(Dec, Dec)> = o.lines.iter().map(|l| (Dec::from_minor(l.price, 2), Dec::from_minor(l.quantity, 3))).collect();
        // Seeded before any knob is set: the shop's default way of writing discounts.
        let priced = discounts::price(&self.db, Convention::default(), &list, Dec::from_minor(o.shipping_cost, 2), &asked).expect("seed promotion code");
        let user = self.user(&o.email, &o.billing, &o.date);
        let lang = self.db.t(Res::Languages).iter().find(|(_, r)| text(r, "locale") == o.locale).map(|(i, _)| i).unwrap_or(1);
        let mut row = order_row(&o.date);
        let fields = [
            ("user_id", s(user)),
            ("status_id", s(o.status_id)),
            ("payment_id", s(o.payment_id)),
            ("shipping_id", s(o.shipping_id)),
            ("shipping_cost", s(priced.shipping.fixed(2))),
            ("email", s(&o.email)),
            ("notes", s(&o.notes)),
            ("ip_address", s(if o.origin == 0 { "83.24.117.10" } else { "" })),
            ("lang_id", s(lang)),
            ("origin", s(o.origin)),
            ("delivery_address", Self::address(&o.delivery)),
            ("billing_address", Self::address(&o.billing)),
        ];
        for (k, v) in fields.into_iter().chain(priced.fields) {
            row.insert(k.into(), v);
        }
        let oid = self.db.insert(Res::Orders, row);
        if o.origin == 0 {
            if let Some(r) = self.db.t_mut(Res::Orders).get_mut(oid) {
                r.insert("code".into(), s(order_code(oid)));
            }
        }
        for (line, (price, perc)) in o.lines.iter().zip(priced.lines) {
            let row = self.line(oid, line, &o.locale, price, perc);
            self.db.insert(Res::OrderProducts, row);
        }
    }

    /// A line at `price` with `discount_perc` `perc`, as the shop records it.
    fn line(&self, oid: u64, l: &OrderLineSeed, locale: &str, price: Dec, perc: Dec) -> Row {
        let mut row = line_row();
        let base = [
            ("order_id", oid.to_string()),
            ("price", price.fixed(2)),
            ("quantity", qty(l.quantity)),
            ("discount_perc", perc.fixed(4)),
            ("name", "Produkt spoza katalogu".to_string()),
        ];
        for (k, v) in base {
            row.insert(k.into(), s(v));
        }
        let Some(idx) = l.item else { return row };
        let (Some(p), Some(Some(placed))) = (self.sc.items.get(idx).and_then(|it| it.shop.as_ref()), self.placed.get(idx)) else { return row };
        let variant = l.variant.and_then(|vi| p.variants.get(vi).zip(placed.variants.get(vi)));
        let (code, ean, option, stock_id) = match variant {
            Some((v, sid)) => (v.code.as_str(), v.ean.as_str(), v.option.as_str(), *sid),
            None => (p.code.as_str(), p.ean.as_str(), "", placed.base),
        };
        let unit = self.units.get(&p.unit).copied().unwrap_or(1);
        let fp = self.db.t(Res::Units).get(unit).map(|u| text(u, "floating_point")).unwrap_or_else(|| "0".into());
        for (k, v) in [
            ("product_id", placed.product.to_string()),
            ("stock_id", stock_id.to_string()),
            ("name", name_in(p, locale).to_string()),
            ("code", code.to_string()),
            ("ean", ean.to_string()),
            ("option", option.to_string()),
            ("tax", p.vat.shoper_name().to_string()),
            ("tax_value", p.vat.percent().to_string()),
            ("unit", p.unit.clone()),
            ("unit_fp", fp),
        ] {
            row.insert(k.into(), s(v));
        }
        row
    }

    fn run(mut self) -> Db {
        self.languages();
        self.dictionaries();
        self.warehouses();
        let sc = self.sc;
        self.placed = sc.items.iter().map(|it| self.product(it)).collect();
        for o in &sc.orders {
            self.order(o);
        }
        // Products deleted from the catalogue keep their ids only in old order lines.
        for (item, placed) in sc.items.iter().zip(&self.placed) {
            if let (Some(p), Some(pl)) = (&item.shop, placed) {
                if p.deleted {
                    self.db.remove(Res::Products, pl.product);
                    for sid in std::iter::once(pl.base).chain(pl.variants.iter().copied()) {
                        self.db.remove(Res::ProductStocks, sid);
                    }
                }
            }
        }
        self.db
    }
}

pub fn build(sc: &Scenario) -> ShoperState {
    let db = Seeder::new(sc).run();
    let cfg = Config { warehouses_enabled: !sc.shop_warehouses.is_empty(), ..Config::default() };
    ShoperState { cfg, db, auth: Auth::new(&sc.shoper_login, &sc.shoper_password, &sc.shoper_token), buckets: BTreeMap::new(), scenario: sc.name.clone() }
}
