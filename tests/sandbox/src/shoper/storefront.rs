//! Orders placed "in the storefront" (origin 0) through the same order/line logic as the API.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::dec::Dec;
use super::discounts::{self, Asked};
use super::orders::order_code;
use super::schema;
use super::store::{as_id, dec, flag, id, row_of, s, text, Res};
use super::ShoperState;

/// One resolved line: stock row, quantity, optional explicit price.
struct Line {
    stock_id: u64,
    quantity: Dec,
    price: Option<Value>,
}

fn spec_text(spec: &Map<String, Value>, key: &str, default: &str) -> String {
    match spec.get(key) {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => default.to_string(),
    }
}

impl ShoperState {
    /// The first active stock row with this exact code whose product exists.
    fn stock_by_code(&self, code: &str) -> Option<u64> {
        self.db
            .t(Res::ProductStocks)
            .iter()
            .find(|(_, r)| text(r, "code") == code && flag(r, "active") && self.db.t(Res::Products).contains(id(r, "product_id")))
            .map(|(sid, _)| sid)
    }

    fn resolve_line(&self, line: &Value) -> Result<Line, String> {
        let l = line.as_object().ok_or("a line must be an object")?;
        let stock_id = match (l.get("stock_id").and_then(as_id), l.get("code").and_then(Value::as_str)) {
            (Some(sid), _) if self.db.t(Res::ProductStocks).contains(sid) => sid,
            (Some(sid), _) => return Err(format!("no stock row {sid}")),
            (None, Some(code)) => self.stock_by_code(code).ok_or_else(|| format!("no active product with code '{code}'"))?,
            (None, None) => return Err("a line needs 'code' or 'stock_id'".into()),
        };
        let quantity =
            l.get("quantity").map_or(Some(Dec::from_int(1)), Dec::from_json).filter(|q| *q > Dec::ZERO).ok_or("quantity must be a positive number")?;
        let price = l.get("price").cloned();
        if price.as_ref().is_some_and(|p| Dec::from_json(p).is_none()) {
            return Err("price must be a decimal".into());
        }
        Ok(Line { stock_id, quantity, price })
    }

    /// A stock row's effective gross price (what a line takes when the spec names none).
    fn list_price(&self, stock_id: u64) -> Dec {
        self.render_stock(stock_id).and_then(|v| v.get("comp_price").and_then(Dec::from_json)).unwrap_or_default()
    }

    /// The product is visible in the shop's default language.
    fn sellable(&self, stock_id: u64) -> bool {
        let (_, locale) = self.default_language();
        let pid = self.db.t(Res::ProductStocks).get(stock_id).map(|r| id(r, "product_id")).unwrap_or(0);
        let product = self.db.t(Res::Products).get(pid);
        let tr = product.and_then(|p| p.get("translations")).and_then(|t| t.get(&locale)).and_then(Value::as_object);
        tr.is_some_and(|t| flag(t, "active"))
    }

    fn check_stock(&self, lines: &[Line]) -> Result<(), String> {
        let mut wanted: BTreeMap<u64, Dec> = BTreeMap::new();
        for l in lines {
            let total = wanted.entry(l.stock_id).or_default();
            *total = *total + l.quantity;
        }
        for (sid, want) in wanted {
            let row = self.db.t(Res::ProductStocks).get(sid);
            let have = row.map(|r| dec(r, "stock")).unwrap_or_default();
            if want > have {
                let code = row.map(|r| text(r, "code")).unwrap_or_default();
                return Err(format!("not enough stock for '{code}': {} available, {} ordered", have.trimmed(), want.trimmed()));
            }
        }
        Ok(())
    }

    /// The customer by e-mail, created on first order.
    fn storefront_user(&mut self, spec: &Map<String, Value>, email: &str, now_ms: u64) -> Result<u64, String> {
        let existing = self.db.t(Res::Users).iter().find(|(_, r)| text(r, "email").eq_ignore_ascii_case(email)).map(|(uid, _)| uid);
        if let Some(uid) = existing {
            return Ok(uid);
        }
        let body =
            json!({"email": email, "login": email, "firstname": spec_text(spec, "firstname", "Klient"), "lastname": spec_text(spec, "lastname", "Sklepu")});
        self.create_simple(Res::Users, &row_of(body), now_ms).map_err(|e| e.description)
    }

    fn storefront_address(spec: &Map<String, Value>) -> Value {
        json!({
            "firstname": spec_text(spec, "firstname", "Klient"),
            "lastname": spec_text(spec, "lastname", "Sklepu"),
            "company": spec_text(spec, "company", ""),
            "tax_identification_number": spec_text(spec, "nip", ""),
            "street1": spec_text(spec, "street", "ul. Przykładowa 1"),
            "postcode": spec_text(spec, "postcode", "00-001"),
            "city": spec_text(spec, "city", "Warszawa"),
            "phone": spec_text(spec, "phone", "600000000"),
            "country_code": spec_text(spec, "country_code", "PL"),
        })
    }
}

/// See [`ShoperState::place_storefront_order`].
pub fn place(st: &mut ShoperState, spec: &Value, now_ms: u64) -> Result<u64, String> {
    let spec = spec.as_object().ok_or("storefront order spec must be a JSON object")?;
    let raw_lines = spec.get("lines").and_then(Value::as_array).filter(|l| !l.is_empty()).ok_or("storefront order needs a non-empty 'lines' array")?;
    let mut lines = Vec::new();
    for (i, l) in raw_lines.iter().enumerate() {
        let line = st.resolve_line(l).map_err(|e| format!("line {}: {e}", i + 1))?;
        if !st.sellable(line.stock_id) {
            return Err(format!("line {}: the product is not available in the storefront", i + 1));
        }
        lines.push(line);
    }
    if !st.cfg.allow_overselling {
        st.check_stock(&lines)?;
    }
    // Priced before anything is written: a bad discount places nothing.
    let asked = Asked::from_spec(spec)?;
    let list: Vec<(Dec, Dec)> =
        lines.iter().map(|l| (l.price.as_ref().and_then(Dec::from_json).unwrap_or_else(|| st.list_price(l.stock_id)), l.quantity)).collect();
    let shipping = spec.get("shipping_cost").map_or(Some(Dec::ZERO), Dec::from_json).ok_or("shipping_cost must be a decimal")?;
    let priced = discounts::price(&st.db, st.cfg.order_discounts, &list, shipping, &asked)?;
    let email = spec_text(spec, "email", "klient.sklepu@example.pl");
    let user_id = st.storefront_user(spec, &email, now_ms)?;
    let locale = spec_text(spec, "locale", &st.default_language().1);
    let lang_id = schema::lang_id(&st.db, &locale).ok_or_else(|| format!("unknown locale '{locale}'"))?;
    let address = ShoperState::storefront_address(spec);
    let body = json!({
        "user_id": user_id, "email": email,
        "status_id": spec.get("status_id").cloned().unwrap_or(json!(1)),
        "payment_id": spec.get("payment_id").cloned().unwrap_or(json!(1)),
        "shipping_id": spec.get("shipping_id").cloned().unwrap_or(json!(1)),
        "shipping_tax_id": 1,
        "shipping_cost": priced.shipping.fixed(2),
        "paid": spec.get("paid").cloned().unwrap_or(json!("0.00")),
        "notes": spec_text(spec, "notes", ""),
        "lang_id": lang_id,
        "billing_address": address, "delivery_address": address,
    });
    let oid = st.create_order(&row_of(body), "0", now_ms).map_err(|e| e.description)?;
    if let Some(order) = st.db.t_mut(Res::Orders).get_mut(oid) {
        order.insert("code".into(), s(order_code(oid)));
        order.insert("ip_address".into(), s("83.24.117.10"));
        for (k, v) in priced.fields {
            order.insert(k.into(), v);
        }
    }
    for (line, (price, perc)) in lines.iter().zip(priced.lines) {
        let body =
            json!({"order_id": oid, "stock_id": line.stock_id, "quantity": line.quantity.trimmed(), "price": price.fixed(2), "discount_perc": perc.fixed(4)});
        st.create_line(&row_of(body)).map_err(|e| e.description)?;
    }
    Ok(oid)
}
