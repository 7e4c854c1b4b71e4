//! What the sandbox must look like after a run, computed from the sandbox's own state (never
//! from the engine's report or storage): which orders belong in Systim and with which lines, and
//! which stock value each shop row must carry.
//!
//! The rules are the merchant-facing ones of `docs/rules.md`, written out again independently:
//! - an order is imported when it comes from the storefront, is not cancelled/rejected/returned,
//!   was placed on or after the start date, has a complete address and every line's code names
//!   exactly one Systim product; in Systim it carries the shop's lines at the shop's prices and a
//!   shipping line when shipping cost something — except an order with a discount on the whole
//!   order (`sum` below its lines and shipping, with a discount field set): its lines keep their
//!   products and quantities, each worth between 0 and its value in the shop, the shipping line
//!   as charged, and the whole equals `sum`;
//! - a stock row is written when its code names exactly one Systim product (a codeless one by
//!   the `SYSTIM-<id>` a product run gave it) and one shop row, the
//!   Systim product is not a service, both gross prices are above 0, the category names and the
//!   VAT rates are equal; the value is Systim's quantity minus what imported orders still open
//!   in the shop reserve, rounded down for whole-unit products, never below 0;
//! - a product run creates each visible, non-service Systim product whose code (`SYSTIM-<id>`
//!   when it has none) no shop row has, even up to case and spaces, when the code is unique in
//!   Systim and the shop has a category of the same name.
//!
//! An account that lists no categories (the strict profile: `listCategories` is an assumed
//! method) is run the way the report advises (`demo_settings`): the same-category rule off and
//! new products in a default shop category — so there the category plays no part.

use super::world::World;
use sandbox::control::parse_milli;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A JSON number or numeric string (ids in the state JSON come both ways).
pub fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => s.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

pub fn id(v: &Value) -> u64 {
    num(v) as u64
}

/// A decimal string or number in thousandths, exactly (`"0.75"` → 750).
pub fn milli(v: &Value) -> i64 {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    parse_milli(&text).unwrap_or_else(|| panic!("not a decimal: {v}"))
}

/// Money in grosze, exactly (`"80.91"` → 8091).
pub fn grosze(v: &Value) -> i64 {
    milli(v) / 10
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// Shoper statuses that end an order without completing it (cancelled, rejected, returned).
const NOT_COMPLETED: [u64; 3] = [8, 9, 11];
/// Shoper statuses of an order still being processed (types "new" and "in progress").
const OPEN: [u64; 6] = [1, 2, 3, 4, 5, 6];

pub fn status_is_open(status_id: u64) -> bool {
    OPEN.contains(&status_id)
}

/// A Shoper order id → the Systim orders whose notes carry its import marker.
pub fn systim_orders_by_marker(state: &Value) -> BTreeMap<u64, Vec<Value>> {
    let mut out: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    for o in state["systim"]["orders"].as_array().into_iter().flatten() {
        if let Some(id) = marker_order_id(text(&o["uwagi"])) {
            out.entry(id).or_default().push(o.clone());
        }
    }
    out
}

/// `Shoper 12 @ host` at the start of the notes → 12.
fn marker_order_id(notes: &str) -> Option<u64> {
    let rest = notes.trim_start().strip_prefix("Shoper ")?;
    let (id, _) = rest.split_once(" @ ")?;
    id.parse().ok()
}

/// Systim product ids by exact code (duplicates kept, so ambiguity shows).
pub fn systim_ids_by_code(state: &Value) -> BTreeMap<String, Vec<u64>> {
    let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for p in state["systim"]["products"].as_array().into_iter().flatten() {
        out.entry(text(&p["kod_produktu"]).to_string()).or_default().push(id(&p["id"]));
    }
    out
}

/// One line of an order as Systim must hold it: product, quantity (thousandths), gross unit
/// price (grosze).
pub type Line = (u64, i64, i64);

/// A storefront order that belongs in Systim, with the lines it must have there.
#[derive(Debug)]
pub struct ExpectedOrder {
    pub order_id: u64,
    pub lines: Vec<Line>,
    pub total: i64,
    /// A discount on the whole order: the product lines' prices are the shop's at most.
    pub discounted: bool,
}

/// Whether the order carries a discount on the whole order (shoper-api.md §13.1).
fn has_order_discount(o: &Value) -> bool {
    let set = |k: &str| milli_or_zero(&o[k]) != 0;
    ["discount_client", "discount_group", "discount_levels", "discount_code"].iter().any(|k| set(k))
        || !o["code_id"].is_null()
        || !text(&o["promo_code"]).trim().is_empty()
}

/// A percentage or amount as thousandths, 0 when unset; more decimals than three are fine when
/// they are zeros (`"10.0000"`); anything unreadable counts as set.
fn milli_or_zero(v: &Value) -> i64 {
    let t = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Null => return 0,
        other => other.to_string(),
    };
    let t = if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t };
    if t.is_empty() {
        return 0;
    }
    parse_milli(&t).unwrap_or(1)
}

/// Orders of the shop that must be in Systim (`start_date` as `YYYY-MM-DD`).
pub fn expected_orders(state: &Value, start_date: &str, shipping_product: u64) -> Vec<ExpectedOrder> {
    let codes = systim_ids_by_code(state);
    state["shoper"]["orders"].as_array().into_iter().flatten().filter_map(|o| expected_order(o, &codes, start_date, shipping_product)).collect()
}

fn expected_order(o: &Value, codes: &BTreeMap<String, Vec<u64>>, start_date: &str, shipping_product: u64) -> Option<ExpectedOrder> {
    let eligible = text(&o["origin"]) == "0" && !NOT_COMPLETED.contains(&id(&o["status_id"])) && text(&o["date"]) >= start_date && address_complete(o);
    if !eligible {
        return None;
    }
    let mut lines = Vec::new();
    for l in o["lines"].as_array().into_iter().flatten() {
        match codes.get(text(&l["code"])).map(Vec::as_slice) {
            Some([pid]) => lines.push((*pid, milli(&l["quantity"]), grosze(&l["price"]))),
            _ => return None,
        }
    }
    if lines.is_empty() {
        return None;
    }
    let shipping = grosze(&o["shipping_cost"]);
    let goods: i64 = lines.iter().map(|(_, q, p)| value(*q, *p)).sum();
    let discounted = goods + shipping != grosze(&o["sum"])
        && (has_order_discount(o) || o["lines"].as_array().into_iter().flatten().any(|l| milli_or_zero(&l["discount_perc"]) != 0));
    if shipping > 0 {
        lines.push((shipping_product, 1000, shipping));
    }
    lines.sort();
    Some(ExpectedOrder { order_id: id(&o["order_id"]), lines, total: grosze(&o["sum"]), discounted })
}

/// Price × quantity in grosze, rounded half away from zero.
fn value(qty_milli: i64, price: i64) -> i64 {
    let raw = i128::from(qty_milli) * i128::from(price);
    ((raw + 500 * raw.signum()) / 1000) as i64
}

/// A Systim copy of a discounted order: per product the same quantity (on one line, or split
/// over lines a grosz apart), worth between 0 and the shop's value of it, every price at least
/// 0; the shipping line as charged (it is never discounted).
fn discounted_copy_fits(copy: &[Line], expected: &ExpectedOrder, shipping_product: u64) -> bool {
    let per_product = |lines: &[Line]| {
        let mut m: BTreeMap<u64, (i64, i64)> = BTreeMap::new();
        for (p, q, price) in lines.iter().filter(|l| l.0 != shipping_product) {
            let e = m.entry(*p).or_default();
            e.0 += q;
            e.1 += value(*q, *price);
        }
        m
    };
    let shipping = |lines: &[Line]| lines.iter().filter(|l| l.0 == shipping_product).copied().collect::<Vec<_>>();
    let (got, want) = (per_product(copy), per_product(&expected.lines));
    copy.iter().all(|l| l.2 >= 0)
        && shipping(copy) == shipping(&expected.lines)
        && got.len() == want.len()
        && got.iter().zip(&want).all(|((p, (q, v)), (wp, (wq, wv)))| p == wp && q == wq && *v >= 0 && v <= wv)
}

fn address_complete(o: &Value) -> bool {
    ["billing_address", "delivery_address"].iter().all(|a| ["street1", "postcode", "city"].iter().all(|f| !text(&o[*a][*f]).trim().is_empty()))
}

/// The lines of a Systim order as sent: (product, quantity, gross unit price).
pub fn systim_lines(order: &Value) -> Vec<Line> {
    let mut lines: Vec<Line> =
        order["lines"].as_array().into_iter().flatten().map(|l| (id(&l["id"]), id(&l["ilosc_milli"]) as i64, grosze(&l["sent"]["cena"]))).collect();
    lines.sort();
    lines
}

/// How the orders in Systim differ from what the shop demands.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OrderAudit {
    /// Eligible orders in Systim exactly once.
    pub imported: u32,
    /// Eligible orders not in Systim.
    pub missing: Vec<u64>,
    /// Orders in Systim more than once (each extra copy counted).
    pub duplicates: u32,
    /// Orders in Systim that must not be there.
    pub unwanted: Vec<u64>,
    /// Eligible orders whose Systim copy has other lines or another total.
    pub wrong: Vec<u64>,
}

impl OrderAudit {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.duplicates == 0 && self.unwanted.is_empty() && self.wrong.is_empty()
    }
}

/// Compare Systim's orders with the shop's eligible orders.
pub fn audit_orders(state: &Value, start_date: &str, shipping_product: u64) -> OrderAudit {
    let expected = expected_orders(state, start_date, shipping_product);
    let in_systim = systim_orders_by_marker(state);
    let mut audit = OrderAudit::default();
    let wanted: BTreeSet<u64> = expected.iter().map(|e| e.order_id).collect();
    for (order_id, copies) in &in_systim {
        audit.duplicates += copies.len().saturating_sub(1) as u32;
        if !wanted.contains(order_id) {
            audit.unwanted.push(*order_id);
        }
    }
    for e in &expected {
        let Some(copies) = in_systim.get(&e.order_id) else {
            audit.missing.push(e.order_id);
            continue;
        };
        let fits = |c: &Value| if e.discounted { discounted_copy_fits(&systim_lines(c), e, shipping_product) } else { systim_lines(c) == e.lines };
        if copies.iter().any(|c| !fits(c) || id(&c["suma_brutto_grosze"]) as i64 != e.total) {
            audit.wrong.push(e.order_id);
        } else if copies.len() == 1 {
            audit.imported += 1;
        }
    }
    audit
}

/// A shop stock row with what the rules look at.
#[derive(Clone, Debug)]
pub struct ShopRow {
    pub stock_id: u64,
    pub code: String,
    pub price: i64,
    pub stock: i64,
    pub category: String,
    pub vat: String,
    pub fractional: bool,
}

/// A Systim product with what the rules look at.
#[derive(Clone, Debug)]
pub struct SystimProduct {
    pub id: u64,
    pub code: String,
    pub price: i64,
    pub category: String,
    pub vat: String,
    pub service: bool,
    pub hidden: bool,
    /// Sum over the account's stores, thousandths.
    pub quantity: i64,
    /// Systim gives its quantity as `null` (unknown): the stock rules leave its rows alone.
    pub quantity_unknown: bool,
}

/// `23%`, `zw.` and `zw` compare equal by label.
fn vat_label(name: &str) -> String {
    name.trim().trim_end_matches('.').to_lowercase()
}

fn names_by_id(list: &[Value], id_field: &str, name: impl Fn(&Value) -> String) -> BTreeMap<u64, String> {
    list.iter().map(|v| (id(&v[id_field]), name(v))).collect()
}

/// Every stock row of the shop (base rows and variants).
pub fn shop_rows<W: World>(world: &W, state: &Value) -> Vec<ShopRow> {
    let taxes = names_by_id(&world.shop_dictionary("taxes"), "tax_id", |t| vat_label(text(&t["name"])));
    let fractional: BTreeSet<u64> = world.shop_dictionary("units").iter().filter(|u| num(&u["floating_point"]) == 1.0).map(|u| id(&u["unit_id"])).collect();
    let categories = names_by_id(state["shoper"]["categories"].as_array().unwrap(), "category_id", |c| text(&c["translations"]["pl_PL"]["name"]).to_string());
    let mut rows = Vec::new();
    for p in state["shoper"]["products"].as_array().into_iter().flatten() {
        for s in p["stocks"].as_array().into_iter().flatten() {
            rows.push(ShopRow {
                stock_id: id(&s["stock_id"]),
                code: text(&s["code"]).to_string(),
                price: grosze(&s["comp_price"]),
                stock: milli(&s["stock"]),
                category: categories.get(&id(&p["category_id"])).cloned().unwrap_or_default(),
                vat: taxes.get(&id(&p["tax_id"])).cloned().unwrap_or_default(),
                fractional: fractional.contains(&id(&p["unit_id"])),
            });
        }
    }
    rows
}

pub fn systim_products(state: &Value) -> Vec<SystimProduct> {
    let sys = &state["systim"];
    let vat = names_by_id(sys["vat_rates"].as_array().unwrap(), "id", |v| vat_label(text(&v["nazwa"])));
    let categories = names_by_id(sys["categories"].as_array().unwrap(), "id", |c| text(&c["nazwa"]).to_string());
    sys["products"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| SystimProduct {
            id: id(&p["id"]),
            code: text(&p["kod_produktu"]).to_string(),
            price: id(&p["cena_brutto"]) as i64,
            category: categories.get(&id(&p["id_kategorii"])).cloned().unwrap_or_default(),
            vat: vat.get(&id(&p["stawka_vat"])).cloned().unwrap_or_default(),
            service: id(&p["rodzaj"]) == 1,
            hidden: p["ukryty"].as_bool().unwrap_or(false),
            quantity: p["stock_milli"].as_object().map(|m| m.values().map(|q| q.as_i64().unwrap_or(0)).sum()).unwrap_or(0),
            quantity_unknown: p["quantity_null"].as_bool().unwrap_or(false),
        })
        .collect()
}

/// Thousandths each Systim product owes to imported orders still open in the shop: an order's
/// lines, less what a WZ for its sales document (`id_faktury`) already took off Systim's stock.
pub fn reserved(state: &Value) -> BTreeMap<u64, i64> {
    let open: BTreeSet<u64> =
        state["shoper"]["orders"].as_array().into_iter().flatten().filter(|o| status_is_open(id(&o["status_id"]))).map(|o| id(&o["order_id"])).collect();
    let issued = wz_issued_by_order(state);
    let mut out: BTreeMap<u64, i64> = BTreeMap::new();
    for (order_id, copies) in systim_orders_by_marker(state) {
        if !open.contains(&order_id) {
            continue;
        }
        let mut owed: BTreeMap<u64, i64> = BTreeMap::new();
        for (product, qty, _) in copies.iter().flat_map(systim_lines) {
            *owed.entry(product).or_default() += qty;
        }
        for (product, qty) in issued.get(&order_id).into_iter().flatten() {
            *owed.entry(*product).or_default() -= qty;
        }
        for (product, qty) in owed {
            *out.entry(product).or_default() += qty.max(0);
        }
    }
    out
}

/// The goods lines of the WZs (`rodzaj` 4) issued for each order's sales documents (found by the
/// order's marker in the document's `uwagi`).
pub fn wz_issued_by_order(state: &Value) -> BTreeMap<u64, Vec<(u64, i64)>> {
    let order_of_invoice: BTreeMap<u64, u64> =
        state["systim"]["invoices"].as_array().into_iter().flatten().filter_map(|i| Some((id(&i["id"]), marker_order_id(text(&i["uwagi"]))?))).collect();
    let mut out: BTreeMap<u64, Vec<(u64, i64)>> = BTreeMap::new();
    for d in wz_documents(state) {
        let Some(order) = d["id_faktury"].as_u64().and_then(|i| order_of_invoice.get(&i)) else { continue };
        for l in d["lines"].as_array().into_iter().flatten() {
            out.entry(*order).or_default().push((id(&l["id_produktu"]), l["ilosc_milli"].as_i64().unwrap_or(0)));
        }
    }
    out
}

/// Systim's WZ documents (`addStoreDocument` `rodzaj` 4) issued for a sales document.
pub fn wz_documents(state: &Value) -> Vec<Value> {
    state["systim"]["documents"].as_array().into_iter().flatten().filter(|d| d["rodzaj"] == 4 && d["id_faktury"].is_u64()).cloned().collect()
}

/// A shop row the stock rules apply to, and its Systim product.
#[derive(Clone, Debug)]
pub struct Pair {
    pub stock_id: u64,
    pub code: String,
    pub systim_id: u64,
    pub fractional: bool,
}

/// Whether the sandbox's Systim account answers `listCategories`.
pub fn categories_listed(state: &Value) -> bool {
    let config = &state["systim"]["config"];
    config["profile"] != "strict"
        && config["assumed_methods"] != false
        && !config["disabled_methods"].as_array().is_some_and(|d| d.iter().any(|m| m == "listCategories"))
}

/// The shop rows the stock rules apply to.
pub fn eligible_pairs<W: World>(world: &W, state: &Value) -> Vec<Pair> {
    let same_category_rule = categories_listed(state);
    let rows = shop_rows(world, state);
    let products = systim_products(state);
    let mut out = Vec::new();
    for row in &rows {
        let same_code = |code: &str| !code.is_empty() && code == row.code;
        let shop_twins = rows.iter().filter(|r| same_code(&r.code)).count();
        let matches: Vec<&SystimProduct> = products.iter().filter(|p| same_code(&shop_code(p))).collect();
        let [p] = matches.as_slice() else { continue };
        let eligible = shop_twins == 1
            && !p.service
            && !p.quantity_unknown
            && row.price > 0
            && p.price > 0
            && (!same_category_rule || (!row.category.trim().is_empty() && row.category.trim() == p.category.trim()))
            && row.vat == p.vat;
        if eligible {
            out.push(Pair { stock_id: row.stock_id, code: row.code.clone(), systim_id: p.id, fractional: row.fractional });
        }
    }
    out
}

/// The value the rules demand for each eligible shop row (stock id → thousandths); rows not in
/// the map must be left alone.
pub fn expected_stock<W: World>(world: &W) -> BTreeMap<u64, i64> {
    expected_stock_in(world, &world.state())
}

pub fn expected_stock_in<W: World>(world: &W, state: &Value) -> BTreeMap<u64, i64> {
    let quantities: BTreeMap<u64, i64> = systim_products(state).into_iter().map(|p| (p.id, p.quantity)).collect();
    let reserved = reserved(state);
    eligible_pairs(world, state)
        .into_iter()
        .map(|pair| (pair.stock_id, demanded(quantities[&pair.systim_id] - reserved.get(&pair.systim_id).copied().unwrap_or(0), pair.fractional)))
        .collect()
}

/// Available quantity as the shop must show it: whole units unless the unit is fractional,
/// never below 0.
pub fn demanded(available: i64, fractional: bool) -> i64 {
    let value = if fractional { available } else { available.div_euclid(1000) * 1000 };
    value.max(0)
}

/// Shop stock by stock id, thousandths.
pub fn shop_stock<W: World>(world: &W) -> BTreeMap<u64, i64> {
    shop_stock_in(world, &world.state())
}

pub fn shop_stock_in<W: World>(world: &W, state: &Value) -> BTreeMap<u64, i64> {
    shop_rows(world, state).into_iter().map(|r| (r.stock_id, r.stock)).collect()
}

/// Codes compared the forgiving way (a near miss is not a missing product).
fn loose(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The code a Systim product has, or gets in the shop.
pub fn shop_code(p: &SystimProduct) -> String {
    if p.code.trim().is_empty() {
        format!("SYSTIM-{}", p.id)
    } else {
        p.code.clone()
    }
}

/// Codes of the Systim products a product run must create in the shop.
pub fn codes_to_create<W: World>(world: &W) -> BTreeSet<String> {
    let state = world.state();
    let rows = shop_rows(world, &state);
    let products = systim_products(&state);
    let shop_codes: BTreeSet<String> = rows.iter().map(|r| loose(&r.code)).collect();
    let shop_categories: BTreeSet<String> = shop_category_names(&state).into_iter().collect();
    let systim_twins = |code: &str| products.iter().filter(|q| loose(&shop_code(q)) == loose(code)).count();
    products
        .iter()
        .filter(|p| !p.service && !p.hidden && (!categories_listed(&state) || shop_categories.contains(p.category.trim())))
        .map(shop_code)
        .filter(|code| !shop_codes.contains(&loose(code)) && systim_twins(code) == 1)
        .collect()
}

fn shop_category_names(state: &Value) -> Vec<String> {
    state["shoper"]["categories"].as_array().into_iter().flatten().map(|c| text(&c["translations"]["pl_PL"]["name"]).trim().to_string()).collect()
}

/// How many shop stock rows carry each code.
pub fn shop_code_counts<W: World>(world: &W) -> BTreeMap<String, usize> {
    code_counts(world, &world.state())
}

pub fn code_counts<W: World>(world: &W, state: &Value) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in shop_rows(world, state) {
        *out.entry(r.code).or_default() += 1;
    }
    out
}
