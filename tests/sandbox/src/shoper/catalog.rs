//! Products and product-stocks (the SKU/price/stock grain): row templates, writes, rendering.

use std::sync::OnceLock;

use serde_json::{json, Value};

use super::clock;
use super::dec::Dec;
use super::error::{reason, ApiError, Errors};
use super::schema::{merge, require, Field, Kind, TrSpec};
use super::store::{cached, dec, flag, id, row_of, row_of_parts, s, set_all, text, Res, Row};
use super::ShoperState;

/// A new product; computed columns (`code`, `stock`, `options`…) are placeholders filled at render.
pub fn product_row(now: &str) -> Row {
    static TEMPLATE: OnceLock<Row> = OnceLock::new();
    let mut row = cached(&TEMPLATE, product_template);
    set_all(&mut row, &["add_date", "edit_date"], now);
    row
}

fn product_template() -> Row {
    row_of_parts(vec![
        json!({
            "product_id": "", "producer_id": null, "group_id": null, "tax_id": "1", "add_date": "", "edit_date": "",
            "other_price": "0.00", "pkwiu": "", "unit_id": "1", "in_loyalty": "0", "loyalty_score": null,
            "loyalty_price": null, "bestseller": "0", "newproduct": "0", "dimension_w": "0.0000", "dimension_h": "0.0000",
            "dimension_l": "0.0000", "vol_weight": "0.0000", "currency_id": null, "gauge_id": null,
        }),
        json!({
            "unit_price_calculation": "0", "type": "0", "category_id": null, "categories": [], "is_product_of_day": false,
            "is_digital": 0, "collections": [], "promo_price": null, "code": "", "ean": "", "stock": {},
            "translations": {}, "options": [], "options_non_stock": [], "attributes": {}, "related": [],
            "main_image": false, "feeds_excludes": [], "tags": [],
            "safety_information": {"gpsr_producer_id": null, "gpsr_importer_id": null, "gpsr_responsible_id": null, "gpsr_certificates": []}
        }),
    ])
}

fn product_tr() -> Row {
    row_of(json!({"translation_id": "", "product_id": "", "name": "", "short_description": "", "description": "",
        "active": "1", "lang_id": "", "isdefault": "0", "seo_title": "", "seo_description": "", "seo_keywords": "",
        "order": "1", "main_page": "0", "main_page_order": "0", "booster": "", "seo_url": "", "permalink": ""}))
}

pub fn product_tr_entry(name: &str, active: bool) -> Value {
    super::dicts::tr_entry(product_tr, &[("name", name), ("active", if active { "1" } else { "0" })])
}

/// A new stock row; `comp_*` and `historical_*` are computed at render.
pub fn stock_row(is_default: bool) -> Row {
    static TEMPLATE: OnceLock<Row> = OnceLock::new();
    let mut row = cached(&TEMPLATE, stock_template);
    if !is_default {
        for (k, v) in [("extended", "1"), ("default", "0"), ("price_type", "0")] {
            row.insert(k.into(), s(v));
        }
    }
    row
}

fn stock_template() -> Row {
    row_of_parts(vec![
        json!({
            "stock_id": "", "extended": "0", "price": "0.00", "price_type": "1", "price_buying": "0.00",
            "price_buying_net": "0.00", "stock": "0", "package": "0", "warn_level": "1", "sold": "0", "weight": "1",
            "weight_type": "1", "active": "1", "default": "1", "product_id": "", "availability_id": null,
            "delivery_id": null, "gfx_id": null, "code": "", "ean": "",
        }),
        json!({
            "comp_weight": "", "comp_price": "",
            "comp_promo_price": "", "price_wholesale": "0.00", "comp_price_wholesale": "", "comp_promo_price_wholesale": "",
            "price_special": "0.00", "comp_price_special": "", "comp_promo_price_special": "", "price_type_wholesale": "1",
            "price_type_special": "1", "calculation_unit_id": null, "calculation_unit_ratio": "0",
            "calculated_availability_id": null, "options": [], "historical_lowest_price": "",
            "wholesale_historical_lowest_price": "", "special_historical_lowest_price": "", "warehouses": {}
        }),
    ])
}

static PRODUCT_TR: TrSpec = TrSpec {
    fields: &[
        Field("name", Kind::Text),
        Field("short_description", Kind::Text),
        Field("description", Kind::Text),
        Field("active", Kind::Flag),
        Field("seo_title", Kind::Text),
        Field("seo_description", Kind::Text),
        Field("seo_keywords", Kind::Text),
        Field("order", Kind::Int),
        Field("main_page", Kind::Flag),
        Field("main_page_order", Kind::Int),
        Field("booster", Kind::Text),
        Field("seo_url", Kind::Text),
    ],
    template: product_tr,
};

const PRODUCT_FIELDS: &[Field] = &[
    Field("producer_id", Kind::NullableInt),
    Field("tax_id", Kind::Ref(Res::Taxes)),
    Field("unit_id", Kind::Ref(Res::Units)),
    Field("category_id", Kind::Ref(Res::Categories)),
    Field("categories", Kind::IntList),
    Field("other_price", Kind::Money),
    Field("pkwiu", Kind::Text),
    Field("in_loyalty", Kind::Flag),
    Field("bestseller", Kind::Flag),
    Field("newproduct", Kind::Flag),
    Field("dimension_w", Kind::Dec4),
    Field("dimension_h", Kind::Dec4),
    Field("dimension_l", Kind::Dec4),
    Field("vol_weight", Kind::Dec4),
    Field("type", Kind::Int),
    Field("collections", Kind::IntList),
    Field("related", Kind::IntList),
    Field("translations", Kind::Translations(&PRODUCT_TR)),
];

/// Stock columns writable both on `/product-stocks` and through a product's nested `stock`.
const STOCK_COMMON: &[Field] = &[
    Field("price", Kind::Money),
    Field("price_type", Kind::Int),
    Field("price_buying", Kind::Money),
    Field("price_buying_net", Kind::Money),
    Field("package", Kind::Qty),
    Field("warn_level", Kind::Qty),
    Field("weight", Kind::Qty),
    Field("price_wholesale", Kind::Money),
    Field("price_special", Kind::Money),
    Field("price_type_wholesale", Kind::Int),
    Field("price_type_special", Kind::Int),
    Field("availability_id", Kind::NullableInt),
    Field("delivery_id", Kind::NullableInt),
    Field("gfx_id", Kind::NullableInt),
    Field("calculation_unit_id", Kind::NullableInt),
    Field("calculation_unit_ratio", Kind::Qty),
];

/// Writable only on `/product-stocks` (read-only inside a product's nested `stock`).
const STOCK_OWN: &[Field] = &[
    Field("extended", Kind::Flag),
    Field("active", Kind::Flag),
    Field("default", Kind::Flag),
    Field("code", Kind::Text),
    Field("ean", Kind::Text),
    Field("weight_type", Kind::Int),
];

/// Effective gross price of a stock row given the base (default row) price.
fn effective_price(row: &Row, base: Dec) -> Dec {
    let price = dec(row, "price");
    match text(row, "price_type").as_str() {
        "0" => base,
        "2" => base + price,
        "3" => base - price,
        _ => price,
    }
}

/// `options` of a variant: `{"<option_id>":"<value_id>"}`, or `[]` when none.
fn check_options(body: &Row, errs: &mut Errors) -> Option<Value> {
    let v = body.get("options")?;
    match v {
        Value::Array(a) if a.is_empty() => Some(json!([])),
        Value::Object(m) if m.values().all(|x| x.is_string() || x.is_u64()) => {
            Some(Value::Object(m.iter().map(|(k, x)| (k.clone(), s(x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())))).collect()))
        }
        _ => {
            errs.add("options", reason::INVALID);
            None
        }
    }
}

fn reject_read_only(body: &Row, fields: &[Field], prefix: &str, errs: &mut Errors) {
    for Field(name, _) in fields {
        if body.contains_key(*name) {
            errs.add(&format!("{prefix}{name}"), reason::READ_ONLY);
        }
    }
}

impl ShoperState {
    pub(super) fn unit_is_integer(&self, unit_id: u64) -> bool {
        self.db.t(Res::Units).get(unit_id).is_some_and(|u| !flag(u, "floating_point"))
    }

    fn product_unit_is_integer(&self, product_id: u64) -> bool {
        let unit = self.db.t(Res::Products).get(product_id).map(|p| id(p, "unit_id")).unwrap_or(0);
        self.unit_is_integer(unit)
    }

    pub(super) fn default_stock_id(&self, product_id: u64) -> Option<u64> {
        let stocks = self.db.t(Res::ProductStocks);
        self.db.stocks_of(product_id).into_iter().find(|sid| stocks.get(*sid).is_some_and(|r| flag(r, "default")))
    }

    fn touch_product(&mut self, product_id: u64, now_ms: u64) {
        if let Some(p) = self.db.t_mut(Res::Products).get_mut(product_id) {
            p.insert("edit_date".into(), s(clock::local_datetime(now_ms)));
        }
    }

    /// Validates a product body into `(product row, default stock row)` without storing anything.
    fn product_write(&self, mut product: Row, mut stock: Row, body: &Row, creating: bool) -> Result<(Row, Row), ApiError> {
        let mut errs = Errors::default();
        merge(&self.db, &mut product, body, PRODUCT_FIELDS, "", &mut errs);
        for key in ["code", "ean"] {
            if let Some(v) = body.get(key) {
                merge(&self.db, &mut stock, &row_of(json!({ key: v })), &[Field(key, Kind::Text)], "", &mut errs);
            }
        }
        match body.get("stock") {
            Some(Value::Object(sb)) => {
                merge(&self.db, &mut stock, sb, STOCK_COMMON, "stock.", &mut errs);
                reject_read_only(sb, STOCK_OWN, "stock.", &mut errs);
                let integer = self.unit_is_integer(id(&product, "unit_id"));
                self.write_quantities(&mut stock, sb, integer, "stock.", &mut errs);
                if creating && !sb.contains_key("price") {
                    errs.add("stock.price", reason::REQUIRED);
                }
            }
            Some(_) => errs.add("stock", reason::INVALID),
            None if creating => errs.add("stock", reason::REQUIRED),
            None => {}
        }
        if creating {
            require(&product, &["category_id"], &mut errs);
            require(&product, &[format!("translations.{}.name", self.default_language().1).as_str()], &mut errs);
        }
        errs.into_result()?;
        if product.get("categories").and_then(Value::as_array).is_some_and(Vec::is_empty) && id(&product, "category_id") > 0 {
            product.insert("categories".into(), json!([id(&product, "category_id")]));
        }
        Ok((product, stock))
    }

    pub(super) fn create_product(&mut self, body: &Row, now_ms: u64) -> Result<u64, ApiError> {
        let now = clock::local_datetime(now_ms);
        let (product, mut stock) = self.product_write(product_row(&now), stock_row(true), body, true)?;
        let pid = self.db.insert(Res::Products, product);
        stock.insert("product_id".into(), s(pid));
        self.db.insert(Res::ProductStocks, stock);
        Ok(pid)
    }

    pub(super) fn update_product(&mut self, pid: u64, body: &Row, now_ms: u64) -> Result<(), ApiError> {
        let product = self.db.t(Res::Products).get(pid).cloned().ok_or_else(ApiError::not_found)?;
        let sid = self.default_stock_id(pid).unwrap_or(0);
        let stock = self.db.t(Res::ProductStocks).get(sid).cloned().unwrap_or_else(|| stock_row(true));
        let (product, stock) = self.product_write(product, stock, body, false)?;
        self.db.t_mut(Res::Products).put(pid, product);
        if sid > 0 {
            self.db.t_mut(Res::ProductStocks).put(sid, stock);
        }
        self.touch_product(pid, now_ms);
        Ok(())
    }

    pub(super) fn delete_product(&mut self, pid: u64) -> Result<(), ApiError> {
        self.db.remove(Res::Products, pid).ok_or_else(ApiError::not_found)?;
        for sid in self.db.stocks_of(pid) {
            self.db.remove(Res::ProductStocks, sid);
        }
        Ok(())
    }

    /// Validates a stock body onto `row` (product-stocks POST/PUT).
    fn stock_write(&self, mut row: Row, body: &Row, product_id: u64) -> Result<Row, ApiError> {
        let mut errs = Errors::default();
        merge(&self.db, &mut row, body, STOCK_COMMON, "", &mut errs);
        merge(&self.db, &mut row, body, STOCK_OWN, "", &mut errs);
        if let Some(options) = check_options(body, &mut errs) {
            row.insert("options".into(), options);
        }
        let integer = self.product_unit_is_integer(product_id);
        self.write_quantities(&mut row, body, integer, "", &mut errs);
        errs.into_result()?;
        Ok(row)
    }

    pub(super) fn create_stock(&mut self, body: &Row, now_ms: u64) -> Result<u64, ApiError> {
        let mut errs = Errors::default();
        let mut row = stock_row(false);
        merge(&self.db, &mut row, body, &[Field("product_id", Kind::Ref(Res::Products))], "", &mut errs);
        require(&row, &["product_id"], &mut errs);
        errs.into_result()?;
        let pid = id(&row, "product_id");
        if body.contains_key("price") && !body.contains_key("price_type") {
            row.insert("price_type".into(), s("1"));
        }
        let mut row = self.stock_write(row, body, pid)?;
        let becomes_default = flag(&row, "default");
        row.insert("default".into(), s("0"));
        let sid = self.db.insert(Res::ProductStocks, row);
        if becomes_default {
            self.make_default_stock(pid, sid);
        }
        self.touch_product(pid, now_ms);
        Ok(sid)
    }

    pub(super) fn update_stock(&mut self, sid: u64, body: &Row, now_ms: u64) -> Result<(), ApiError> {
        let old = self.db.t(Res::ProductStocks).get(sid).cloned().ok_or_else(ApiError::not_found)?;
        let pid = id(&old, "product_id");
        let mut row = self.stock_write(old.clone(), body, pid)?;
        let becomes_default = flag(&row, "default") && !flag(&old, "default");
        row.insert("default".into(), old.get("default").cloned().unwrap_or_else(|| s("0")));
        self.db.t_mut(Res::ProductStocks).put(sid, row);
        if becomes_default {
            self.make_default_stock(pid, sid);
        }
        self.touch_product(pid, now_ms);
        Ok(())
    }

    /// Exactly one default row per product.
    fn make_default_stock(&mut self, pid: u64, sid: u64) {
        for other in self.db.stocks_of(pid) {
            if let Some(r) = self.db.t_mut(Res::ProductStocks).get_mut(other) {
                let is_it = other == sid;
                r.insert("default".into(), s(if is_it { "1" } else { "0" }));
                r.insert("extended".into(), s(if is_it { "0" } else { "1" }));
            }
        }
    }

    pub(super) fn delete_stock(&mut self, sid: u64, now_ms: u64) -> Result<(), ApiError> {
        let row = self.db.t(Res::ProductStocks).get(sid).ok_or_else(ApiError::not_found)?;
        if flag(row, "default") {
            return Err(ApiError::new(400, "cannot_delete_internal_object", "The default stock of a product cannot be deleted"));
        }
        let pid = id(row, "product_id");
        self.db.remove(Res::ProductStocks, sid);
        self.touch_product(pid, now_ms);
        Ok(())
    }

    pub(super) fn render_stock(&self, sid: u64) -> Option<Value> {
        let mut row = self.db.t(Res::ProductStocks).get(sid)?.clone();
        let pid = id(&row, "product_id");
        let base = self.default_stock_id(pid).and_then(|d| self.db.t(Res::ProductStocks).get(d)).map(|d| dec(d, "price")).unwrap_or(Dec::ZERO);
        let price = effective_price(&row, base).fixed(2);
        for key in [
            "comp_price",
            "comp_promo_price",
            "comp_price_wholesale",
            "comp_promo_price_wholesale",
            "comp_price_special",
            "comp_promo_price_special",
            "historical_lowest_price",
            "wholesale_historical_lowest_price",
            "special_historical_lowest_price",
        ] {
            row.insert(key.into(), s(&price));
        }
        row.insert("comp_weight".into(), row.get("weight").cloned().unwrap_or_else(|| s("0")));
        if row.get("options").is_some_and(|o| o.as_object().is_some_and(|m| m.is_empty())) {
            row.insert("options".into(), json!([]));
        }
        if !self.cfg.warehouses_enabled {
            row.remove("warehouses");
        }
        Some(Value::Object(row))
    }

    pub(super) fn render_product(&self, pid: u64) -> Option<Value> {
        let mut row = self.db.t(Res::Products).get(pid)?.clone();
        let stocks = self.db.stocks_of(pid);
        let default = self.default_stock_id(pid);
        if let Some(Value::Object(stock)) = default.and_then(|sid| self.render_stock(sid)) {
            row.insert("code".into(), stock.get("code").cloned().unwrap_or_else(|| s("")));
            row.insert("ean".into(), stock.get("ean").cloned().unwrap_or_else(|| s("")));
            row.insert("stock".into(), Value::Object(stock));
        }
        let variants: Vec<Value> = stocks.into_iter().filter(|sid| Some(*sid) != default).map(Value::from).collect();
        row.insert("options".into(), Value::Array(variants));
        self.decorate_translations(Res::Products, pid, &mut row);
        Some(Value::Object(row))
    }

    /// A product with every stock row (for the sandbox state).
    pub(super) fn product_with_stocks(&self, pid: u64) -> Option<Value> {
        let mut v = self.render_product(pid)?;
        let stocks: Vec<Value> = self.db.stocks_of(pid).into_iter().filter_map(|sid| self.render_stock(sid)).collect();
        if let Value::Object(m) = &mut v {
            m.insert("stocks".into(), Value::Array(stocks));
        }
        Some(v)
    }

    /// Name of a product in a locale, falling back to the default language, then any.
    pub(super) fn product_name(&self, pid: u64, locale: &str) -> String {
        let Some(trs) = self.db.t(Res::Products).get(pid).and_then(|p| p.get("translations")).and_then(Value::as_object) else {
            return String::new();
        };
        let name_in = |loc: &str| trs.get(loc).and_then(Value::as_object).map(|t| text(t, "name")).filter(|n| !n.is_empty());
        name_in(locale)
            .or_else(|| name_in(&self.default_language().1))
            .or_else(|| trs.values().filter_map(Value::as_object).map(|t| text(t, "name")).find(|n| !n.is_empty()))
            .unwrap_or_default()
    }

    /// Variant label as shown on order lines (`Rozmiar: M`), from the row's option map.
    pub(super) fn option_label(&self, stock: &Row) -> String {
        let Some(Value::Object(opts)) = stock.get("options") else { return String::new() };
        let mut parts = Vec::new();
        for (oid, vid) in opts {
            if let Some(group) = self.db.option_groups.iter().find(|g| g.id.to_string() == *oid) {
                let wanted = vid.as_str().unwrap_or_default();
                let value = group.values.iter().find(|v| v.0.to_string() == wanted).map(|v| v.1.as_str()).unwrap_or_default();
                parts.push(format!("{}: {value}", group.name));
            }
        }
        parts.join("; ")
    }
}
