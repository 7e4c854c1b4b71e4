//! Orders and order lines (`order-products`): templates, business rules (origin, stock taken on
//! line creation and given back on deletion, `sum`/`is_paid`), rendering.

use std::sync::OnceLock;

use serde_json::{json, Value};

use super::clock;
use super::dec::Dec;
use super::discounts;
use super::error::{reason, ApiError, Errors};
use super::schema::{merge, require, Field, Kind};
use super::store::{as_id, cached, dec, flag, id, row_of, row_of_parts, s, set_all, text, Res, Row};
use super::ShoperState;

pub fn address_row() -> Value {
    json!({"address_id": "", "order_id": "", "type": "1", "firstname": "", "lastname": "", "company": "", "pesel": "",
        "city": "", "postcode": "", "street1": "", "street2": "", "state": "", "country": "Polska", "phone": "",
        "country_code": "PL", "tax_identification_number": ""})
}

/// A new order; `sum`, `is_*`, `total_products`, `shipping_tax_*` and address ids are computed at render.
pub fn order_row(now: &str) -> Row {
    static TEMPLATE: OnceLock<Row> = OnceLock::new();
    let mut row = cached(&TEMPLATE, order_template);
    set_all(&mut row, &["date", "status_date", "confirm_date"], now);
    set_all(&mut row, &["delivery_date"], now.get(..10).unwrap_or(now));
    row
}

fn order_template() -> Row {
    row_of_parts(vec![
        json!({
            "order_id": "", "user_id": null, "date": "", "status_date": "", "confirm_date": "",
            "delivery_date": "", "status_id": null, "sum": "0.00", "payment_id": null, "user_order": "0",
            "shipping_id": null, "shipping_cost": "0.00", "email": "", "delivery_code": "", "code": "", "confirm": "0",
            "notes": "", "notes_priv": "", "notes_pub": "", "currency_id": "1", "currency_rate": "1", "paid": "0.00",
            "ip_address": "", "discount_client": "0", "discount_group": "0", "discount_levels": "0", "discount_code": "0",
        }),
        json!({
            "code_id": null, "lang_id": "1", "origin": "4", "parent_order_id": null, "registered": "0",
            "delivery_email": null, "promo_code": "", "additional_fields": [], "properties": [], "tags": [],
            "order_url": "", "payment_url": "", "is_cash_on_delivery": false, "is_paid": false, "is_overpayment": false,
            "is_underpayment": false, "total_parcels": 0, "total_products": 0, "children": [], "loyalty_cost": 0,
            "loyalty_score": 0, "vat_eu": false, "shipping_tax_name": "", "shipping_tax_value": "", "shipping_tax_id": "1",
            "delivery_address": address_row(), "billing_address": address_row()
        }),
    ])
}

pub fn line_row() -> Row {
    static TEMPLATE: OnceLock<Row> = OnceLock::new();
    cached(&TEMPLATE, line_template)
}

fn line_template() -> Row {
    row_of(json!({
        "id": "", "order_id": "", "product_id": "0", "stock_id": "0", "price": "0.00", "discount_perc": "0.0000",
        "quantity": "1", "delivery_time": "1", "name": "", "code": "", "pkwiu": "", "tax": "23%", "tax_value": "23",
        "unit": "szt.", "option": "", "unit_fp": "0", "weight": "0", "type": "0", "loyalty": null,
        "delivery_time_hours": "24", "is_digital": 0, "text_options": [], "file_options": [], "warehouse_code": "",
        "ean": "", "images": null, "warehouses": {}
    }))
}

const ADDRESS_FIELDS: &[Field] = &[
    Field("firstname", Kind::Text),
    Field("lastname", Kind::Text),
    Field("company", Kind::Text),
    Field("tax_identification_number", Kind::Text),
    Field("pesel", Kind::Text),
    Field("street1", Kind::Text),
    Field("street2", Kind::Text),
    Field("postcode", Kind::Text),
    Field("city", Kind::Text),
    Field("state", Kind::Text),
    Field("country", Kind::Text),
    Field("country_code", Kind::Text),
    Field("phone", Kind::Text),
];

const ORDER_FIELDS: &[Field] = &[
    Field("user_id", Kind::Ref(Res::Users)),
    Field("date", Kind::Date),
    Field("status_id", Kind::Ref(Res::Statuses)),
    Field("confirm_date", Kind::Date),
    Field("delivery_date", Kind::Date),
    Field("payment_id", Kind::Ref(Res::Payments)),
    Field("shipping_id", Kind::Ref(Res::Shippings)),
    Field("shipping_cost", Kind::Money),
    Field("shipping_tax_id", Kind::Ref(Res::Taxes)),
    Field("email", Kind::Email),
    Field("delivery_code", Kind::Text),
    Field("confirm", Kind::Flag),
    Field("notes", Kind::Text),
    Field("notes_priv", Kind::Text),
    Field("notes_pub", Kind::Text),
    Field("currency_id", Kind::Ref(Res::Currencies)),
    Field("currency_rate", Kind::Qty),
    Field("paid", Kind::Money),
    Field("ip_address", Kind::Text),
    Field("lang_id", Kind::Ref(Res::Languages)),
    Field("promo_code", Kind::Text),
    Field("delivery_email", Kind::Text),
    Field("additional_fields", Kind::Json),
    Field("billing_address", Kind::Object(ADDRESS_FIELDS)),
    Field("delivery_address", Kind::Object(ADDRESS_FIELDS)),
];

const ORDER_REQUIRED: &[&str] =
    &["email", "status_id", "user_id", "payment_id", "shipping_id", "shipping_tax_id", "billing_address.phone", "delivery_address.phone"];

/// Line columns a caller may set (snapshots are filled from the catalogue when omitted).
const LINE_FIELDS: &[Field] = &[
    Field("price", Kind::Money),
    Field("discount_perc", Kind::Dec4),
    Field("quantity", Kind::Qty),
    Field("delivery_time", Kind::Int),
    Field("name", Kind::Text),
    Field("code", Kind::Text),
    Field("ean", Kind::Text),
    Field("pkwiu", Kind::Text),
    Field("tax", Kind::Text),
    Field("tax_value", Kind::Qty),
    Field("unit", Kind::Text),
    Field("unit_fp", Kind::Flag),
    Field("option", Kind::Text),
    Field("weight", Kind::Qty),
    Field("type", Kind::Int),
];

/// Deterministic 32-hex confirmation code of a storefront order.
pub fn order_code(order_id: u64) -> String {
    let mut x = order_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5EED;
    let mut out = String::new();
    for _ in 0..4 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(&format!("{:08x}", x as u32));
    }
    out
}

/// Line total rounded to grosze.
pub fn line_total(line: &Row) -> Dec {
    (dec(line, "price") * dec(line, "quantity")).round_dp(2)
}

/// Country name for an ISO code (the code wins on write).
fn country_name(code: &str) -> Option<&'static str> {
    Some(match code.to_ascii_uppercase().as_str() {
        "PL" => "Polska",
        "DE" => "Niemcy",
        "CZ" => "Czechy",
        "SK" => "Słowacja",
        "LT" => "Litwa",
        "UA" => "Ukraina",
        "GB" => "Wielka Brytania",
        "US" => "Stany Zjednoczone",
        _ => return None,
    })
}

fn sync_country(order: &mut Row) {
    for key in ["billing_address", "delivery_address"] {
        if let Some(Value::Object(addr)) = order.get_mut(key) {
            let code = text(addr, "country_code");
            if let Some(name) = country_name(&code) {
                addr.insert("country".into(), s(name));
            }
        }
    }
}

impl ShoperState {
    /// Creates an order with the given `origin` (`"4"` for the REST API, `"0"` for the storefront).
    pub(super) fn create_order(&mut self, body: &Row, origin: &str, now_ms: u64) -> Result<u64, ApiError> {
        let now = clock::local_datetime(now_ms);
        let mut row = order_row(&now);
        let mut errs = Errors::default();
        merge(&self.db, &mut row, body, ORDER_FIELDS, "", &mut errs);
        require(&row, ORDER_REQUIRED, &mut errs);
        errs.into_result()?;
        row.insert("origin".into(), s(origin));
        sync_country(&mut row);
        Ok(self.db.insert(Res::Orders, row))
    }

    pub(super) fn update_order(&mut self, oid: u64, body: &Row, now_ms: u64) -> Result<(), ApiError> {
        let old = self.db.t(Res::Orders).get(oid).cloned().ok_or_else(ApiError::not_found)?;
        let mut row = old.clone();
        let mut errs = Errors::default();
        merge(&self.db, &mut row, body, ORDER_FIELDS, "", &mut errs);
        require(&row, &["billing_address.phone", "delivery_address.phone"], &mut errs);
        errs.into_result()?;
        if text(&row, "status_id") != text(&old, "status_id") {
            row.insert("status_date".into(), s(clock::local_datetime(now_ms)));
        }
        sync_country(&mut row);
        self.db.t_mut(Res::Orders).put(oid, row);
        Ok(())
    }

    /// Deletes an order and its lines; their quantities go back to stock.
    pub(super) fn delete_order(&mut self, oid: u64) -> Result<(), ApiError> {
        self.db.remove(Res::Orders, oid).ok_or_else(ApiError::not_found)?;
        for lid in self.db.lines_of(oid) {
            if let Some(line) = self.db.remove(Res::OrderProducts, lid) {
                self.release_line(&line);
            }
        }
        Ok(())
    }

    /// Resolves `product_id`/`stock_id` of a new line to `(product_id, stock_id)` of the catalogue
    /// (`(0, 0)` = no catalogue product).
    fn line_refs(&self, body: &Row, errs: &mut Errors) -> (u64, u64) {
        let mut num = |k: &str| match body.get(k) {
            None | Some(Value::Null) => 0,
            Some(v) => as_id(v).unwrap_or_else(|| {
                errs.add(k, reason::NOT_AN_INTEGER);
                0
            }),
        };
        let (pid, sid) = (num("product_id"), num("stock_id"));
        if sid > 0 {
            match self.db.t(Res::ProductStocks).get(sid).map(|r| id(r, "product_id")) {
                Some(owner) if pid == 0 || pid == owner => return (owner, sid),
                _ => errs.add("stock_id", reason::not_found(&sid.to_string())),
            }
        } else if pid > 0 {
            match self.default_stock_id(pid) {
                Some(def) if self.db.t(Res::Products).contains(pid) => return (pid, def),
                _ => errs.add("product_id", reason::not_found(&pid.to_string())),
            }
        }
        (0, 0)
    }

    /// Catalogue snapshot of a line: name in the order's language, code, ean, tax, unit, option, price.
    fn snapshot(&self, row: &mut Row, pid: u64, sid: u64, locale: &str) {
        let Some(stock) = self.db.t(Res::ProductStocks).get(sid) else { return };
        let product = self.db.t(Res::Products).get(pid);
        let tax = product.and_then(|p| self.db.t(Res::Taxes).get(id(p, "tax_id")));
        let unit_id = product.map(|p| id(p, "unit_id")).unwrap_or(0);
        let unit = self.db.t(Res::Units).get(unit_id);
        let price = self.render_stock(sid).and_then(|v| v.get("comp_price").cloned()).unwrap_or_else(|| s("0.00"));
        let fields = [
            ("product_id", s(pid)),
            ("stock_id", s(sid)),
            ("price", price),
            ("name", s(self.product_name(pid, locale))),
            ("code", s(text(stock, "code"))),
            ("ean", s(text(stock, "ean"))),
            ("pkwiu", s(product.map(|p| text(p, "pkwiu")).unwrap_or_default())),
            ("tax", s(tax.map(|t| text(t, "name")).unwrap_or_else(|| "23%".into()))),
            ("tax_value", s(tax.map(|t| text(t, "value")).unwrap_or_else(|| "23".into()))),
            ("unit", s(self.unit_name(unit_id))),
            ("unit_fp", s(if unit.is_some_and(|u| flag(u, "floating_point")) { "1" } else { "0" })),
            ("option", s(self.option_label(stock))),
            ("weight", s(text(stock, "weight"))),
        ];
        for (k, v) in fields {
            row.insert(k.into(), v);
        }
    }

    pub(super) fn unit_name(&self, unit_id: u64) -> String {
        let (_, locale) = self.default_language();
        self.db
            .t(Res::Units)
            .get(unit_id)
            .and_then(|u| u.get("translations"))
            .and_then(|t| t.get(&locale).or_else(|| t.as_object().and_then(|m| m.values().next())))
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("szt.")
            .to_string()
    }

    /// `POST /order-products`: snapshot from the catalogue, caller's fields on top, stock taken.
    pub(super) fn create_line(&mut self, body: &Row) -> Result<u64, ApiError> {
        let mut errs = Errors::default();
        let mut row = line_row();
        merge(&self.db, &mut row, body, &[Field("order_id", Kind::Ref(Res::Orders))], "", &mut errs);
        require(&row, &["order_id"], &mut errs);
        let (pid, sid) = self.line_refs(body, &mut errs);
        let order_lang = self.db.t(Res::Orders).get(id(&row, "order_id")).map(|o| id(o, "lang_id")).unwrap_or(0);
        let locale = self.db.t(Res::Languages).get(order_lang).map(|l| text(l, "locale")).unwrap_or_default();
        self.snapshot(&mut row, pid, sid, &locale);
        merge(&self.db, &mut row, body, LINE_FIELDS, "", &mut errs);
        let catalogue_fields: &[&str] = if sid == 0 { &["name", "price"] } else { &[] };
        for f in catalogue_fields {
            if !body.contains_key(*f) {
                errs.add(f, reason::REQUIRED);
            }
        }
        if dec(&row, "quantity") <= Dec::ZERO {
            errs.add("quantity", reason::INVALID);
        }
        errs.into_result()?;
        let qty = dec(&row, "quantity");
        let lid = self.db.insert(Res::OrderProducts, row);
        if sid > 0 {
            let allocation = self.take_for_line(sid, qty);
            if let Some(line) = self.db.t_mut(Res::OrderProducts).get_mut(lid) {
                line.insert("warehouses".into(), allocation);
            }
        }
        Ok(lid)
    }

    /// `PUT /order-products/{id}`: a quantity change moves stock by the difference.
    pub(super) fn update_line(&mut self, lid: u64, body: &Row) -> Result<(), ApiError> {
        let old = self.db.t(Res::OrderProducts).get(lid).cloned().ok_or_else(ApiError::not_found)?;
        let mut errs = Errors::default();
        for key in ["order_id", "product_id", "stock_id"] {
            if body.contains_key(key) {
                errs.add(key, reason::READ_ONLY);
            }
        }
        if self.cfg.warehouses_enabled && body.contains_key("quantity") {
            errs.add("quantity", reason::READ_ONLY);
        }
        let mut row = old.clone();
        merge(&self.db, &mut row, body, LINE_FIELDS, "", &mut errs);
        if dec(&row, "quantity") <= Dec::ZERO {
            errs.add("quantity", reason::INVALID);
        }
        errs.into_result()?;
        let grown = dec(&row, "quantity") - dec(&old, "quantity");
        let sid = id(&row, "stock_id");
        self.db.t_mut(Res::OrderProducts).put(lid, row);
        if grown != Dec::ZERO && sid > 0 && self.cfg.update_stock_on_buy {
            self.adjust_stock(sid, -grown, None);
        }
        Ok(())
    }

    pub(super) fn delete_line(&mut self, lid: u64) -> Result<(), ApiError> {
        let line = self.db.remove(Res::OrderProducts, lid).ok_or_else(ApiError::not_found)?;
        self.release_line(&line);
        Ok(())
    }

    pub(super) fn render_line(&self, lid: u64) -> Option<Value> {
        let mut row = self.db.t(Res::OrderProducts).get(lid)?.clone();
        if !self.cfg.warehouses_enabled {
            row.remove("warehouses");
        }
        Some(Value::Object(row))
    }

    /// Σ line totals + shipping, less the part of a discount on the whole order that the lines
    /// do not show (`discounts.rs`).
    pub(super) fn order_sum(&self, oid: u64, order: &Row) -> Dec {
        let lines = self.db.t(Res::OrderProducts);
        let goods: Dec = self.db.lines_of(oid).into_iter().filter_map(|l| lines.get(l)).map(line_total).sum();
        goods + dec(order, "shipping_cost") - discounts::hidden_discount(order)
    }

    pub(super) fn render_order(&self, oid: u64) -> Option<Value> {
        let mut row = self.db.t(Res::Orders).get(oid)?.clone();
        let sum = self.order_sum(oid, &row);
        row.remove("_order_discount");
        let paid = dec(&row, "paid");
        let tax = self.db.t(Res::Taxes).get(id(&row, "shipping_tax_id"));
        let cod = self.db.t(Res::Payments).get(id(&row, "payment_id")).is_some_and(|p| text(p, "name") == "cod");
        let computed = [
            ("sum", s(sum.fixed(2))),
            ("order_url", s(format!("{}/pl/panel/order/{oid}", self.cfg.shop_url))),
            ("is_cash_on_delivery", json!(cod)),
            ("is_paid", json!(paid >= sum)),
            ("is_overpayment", json!(paid > sum)),
            ("is_underpayment", json!(paid < sum)),
            ("total_products", json!(self.db.lines_of(oid).len())),
            ("shipping_tax_name", s(tax.map(|t| text(t, "name")).unwrap_or_default())),
            ("shipping_tax_value", s(tax.map(|t| text(t, "value")).unwrap_or_default())),
        ];
        for (k, v) in computed {
            row.insert(k.into(), v);
        }
        for (key, n) in [("delivery_address", 1), ("billing_address", 0)] {
            if let Some(Value::Object(addr)) = row.get_mut(key) {
                addr.insert("address_id".into(), s(oid * 2 - n));
                addr.insert("order_id".into(), s(oid));
            }
        }
        Some(Value::Object(row))
    }

    /// An order with its lines (for the sandbox state and the admin pages).
    pub(super) fn order_with_lines(&self, oid: u64) -> Option<Value> {
        let mut v = self.render_order(oid)?;
        let lines: Vec<Value> = self.db.lines_of(oid).into_iter().filter_map(|l| self.render_line(l)).collect();
        if let Value::Object(m) = &mut v {
            m.insert("lines".into(), Value::Array(lines));
        }
        Some(v)
    }
}
