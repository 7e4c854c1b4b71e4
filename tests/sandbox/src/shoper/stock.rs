//! Stock quantities: absolute/relative writes, the fractional-stock mode for integer units,
//! per-warehouse maps (module on: `stock` is their read-only sum) and movements caused by orders.

use serde_json::{json, Map, Value};

use super::config::FractionalStock;
use super::dec::Dec;
use super::error::{reason, ApiError, Errors};
use super::store::{dec, flag, id, s, text, Res, Row};
use super::ShoperState;

/// A decimal as a JSON number (integers stay integers).
pub fn dec_number(d: Dec) -> Value {
    if d.is_integral() {
        json!(d.trimmed().parse::<i64>().unwrap_or(0))
    } else {
        json!(d.to_f64())
    }
}

fn warehouse_sum(map: &Map<String, Value>) -> Dec {
    map.values().filter_map(Dec::from_json).sum()
}

impl ShoperState {
    /// The fractional-stock rule for integer-only units (reference §7).
    fn fit_stock(&self, value: Dec, integer_unit: bool, field: &str, errs: &mut Errors) -> Dec {
        if !integer_unit || value.is_integral() {
            return value;
        }
        match self.cfg.fractional_stock {
            FractionalStock::Accept => value,
            FractionalStock::Truncate => value.trunc(),
            FractionalStock::Reject => {
                errs.add(field, reason::NOT_AN_INTEGER);
                value
            }
        }
    }

    /// Applies `stock`, `stock_relative`, `sold`, `sold_relative` and `warehouses` from a body.
    /// `stock_relative`/`sold_relative` win over the absolute fields.
    pub(super) fn write_quantities(&self, row: &mut Row, body: &Row, integer_unit: bool, prefix: &str, errs: &mut Errors) {
        let num = |key: &str, errs: &mut Errors| -> Option<Dec> {
            let v = body.get(key)?;
            let d = Dec::from_json(v);
            if d.is_none() {
                errs.add(&format!("{prefix}{key}"), reason::NOT_A_NUMBER);
            }
            d
        };
        if self.cfg.warehouses_enabled {
            for key in ["stock", "stock_relative"] {
                if body.contains_key(key) {
                    errs.add(&format!("{prefix}{key}"), reason::READ_ONLY);
                }
            }
            if let Some(map) = body.get("warehouses") {
                self.write_warehouse_map(row, map, integer_unit, &format!("{prefix}warehouses"), errs);
            }
        } else if let Some(delta) = num("stock_relative", errs) {
            let v = self.fit_stock(dec(row, "stock") + delta, integer_unit, &format!("{prefix}stock_relative"), errs);
            row.insert("stock".into(), s(v.trimmed()));
        } else if let Some(abs) = num("stock", errs) {
            let v = self.fit_stock(abs, integer_unit, &format!("{prefix}stock"), errs);
            row.insert("stock".into(), s(v.trimmed()));
        }
        if let Some(delta) = num("sold_relative", errs) {
            row.insert("sold".into(), s((dec(row, "sold") + delta).trimmed()));
        } else if let Some(abs) = num("sold", errs) {
            row.insert("sold".into(), s(abs.trimmed()));
        }
    }

    fn write_warehouse_map(&self, row: &mut Row, map: &Value, integer_unit: bool, field: &str, errs: &mut Errors) {
        let Some(entries) = map.as_object() else {
            errs.add(field, reason::INVALID);
            return;
        };
        let mut current = row.get("warehouses").and_then(Value::as_object).cloned().unwrap_or_default();
        for (wid, qty) in entries {
            let known = wid.parse::<u64>().is_ok_and(|w| self.db.t(Res::Warehouses).contains(w));
            match (known, Dec::from_json(qty)) {
                (false, _) => errs.add(field, reason::not_found(wid)),
                (true, None) => errs.add(field, reason::NOT_A_NUMBER),
                (true, Some(q)) => {
                    let q = self.fit_stock(q, integer_unit, field, errs);
                    current.insert(wid.clone(), s(q.trimmed()));
                }
            }
        }
        row.insert("stock".into(), s(warehouse_sum(&current).trimmed()));
        row.insert("warehouses".into(), Value::Object(current));
    }

    /// The warehouse orders are fulfilled from: the default one, else the lowest id.
    pub(super) fn default_warehouse(&self) -> Option<u64> {
        let whs = self.db.t(Res::Warehouses);
        whs.iter().find(|(_, r)| flag(r, "default")).map(|(w, _)| w).or_else(|| whs.ids().first().copied())
    }

    /// Changes a stock row by `delta` (negative = sold) in `warehouse` (module on; default
    /// warehouse when `None`); `sold` moves the opposite way. Returns the warehouse used.
    pub(super) fn adjust_stock(&mut self, stock_id: u64, delta: Dec, warehouse: Option<u64>) -> Option<u64> {
        let wh = if self.cfg.warehouses_enabled { warehouse.or_else(|| self.default_warehouse()) } else { None };
        let row = self.db.t_mut(Res::ProductStocks).get_mut(stock_id)?;
        match wh {
            Some(w) => {
                let mut map = row.get("warehouses").and_then(Value::as_object).cloned().unwrap_or_default();
                let key = w.to_string();
                let now = map.get(&key).and_then(Dec::from_json).unwrap_or(Dec::ZERO) + delta;
                map.insert(key, s(now.trimmed()));
                row.insert("stock".into(), s(warehouse_sum(&map).trimmed()));
                row.insert("warehouses".into(), Value::Object(map));
            }
            None => {
                let now = dec(row, "stock") + delta;
                row.insert("stock".into(), s(now.trimmed()));
            }
        }
        let sold = dec(row, "sold") - delta;
        row.insert("sold".into(), s(sold.trimmed()));
        wh
    }

    /// Takes an order line's quantity out of stock; returns the line's `warehouses` allocation.
    pub(super) fn take_for_line(&mut self, stock_id: u64, qty: Dec) -> Value {
        if !self.cfg.update_stock_on_buy {
            return json!({});
        }
        match self.adjust_stock(stock_id, -qty, None) {
            Some(w) => json!({"1": {"quantity": dec_number(qty), "source_warehouse_id": w, "shipping_warehouse_id": w}}),
            None => json!({}),
        }
    }

    /// Puts a deleted order line's quantity back (into the warehouses it was taken from).
    pub(super) fn release_line(&mut self, line: &Row) {
        if !self.cfg.update_stock_on_buy {
            return;
        }
        let stock_id = id(line, "stock_id");
        let allocation = line.get("warehouses").and_then(Value::as_object).filter(|m| !m.is_empty());
        match allocation {
            Some(alloc) => {
                for a in alloc.values().filter_map(Value::as_object) {
                    let qty = a.get("quantity").and_then(Dec::from_json).unwrap_or(Dec::ZERO);
                    let wh = a.get("source_warehouse_id").and_then(Value::as_u64);
                    self.adjust_stock(stock_id, qty, wh);
                }
            }
            None => {
                self.adjust_stock(stock_id, dec(line, "quantity"), None);
            }
        }
    }

    /// Turns the multi-warehouse module on (creating a default warehouse holding every row's
    /// stock when there is none) or off (`stock` keeps the sum).
    pub(super) fn set_warehouses_enabled(&mut self, on: bool) {
        self.cfg.warehouses_enabled = on;
        if !on {
            return;
        }
        if self.db.t(Res::Warehouses).len() == 0 {
            let mut row = super::dicts::warehouse_row("");
            for (k, v) in [("name", "Magazyn główny"), ("short_name", "MG"), ("default", "1"), ("order", "1")] {
                row.insert(k.into(), s(v));
            }
            self.db.insert(Res::Warehouses, row);
        }
        let Some(main) = self.default_warehouse() else { return };
        for sid in self.db.t(Res::ProductStocks).ids() {
            if let Some(row) = self.db.t_mut(Res::ProductStocks).get_mut(sid) {
                let empty = row.get("warehouses").and_then(Value::as_object).is_none_or(Map::is_empty);
                if empty {
                    let stock = text(row, "stock");
                    row.insert("warehouses".into(), json!({ main.to_string(): stock }));
                }
            }
        }
    }

    /// Deletes a warehouse (not the default one); its quantities leave the stock sums.
    pub(super) fn delete_warehouse(&mut self, wid: u64) -> Result<(), ApiError> {
        let row = self.db.t(Res::Warehouses).get(wid).ok_or_else(ApiError::not_found)?;
        if flag(row, "default") {
            return Err(ApiError::new(400, "cannot_delete_internal_object", "The default warehouse cannot be deleted"));
        }
        self.db.remove(Res::Warehouses, wid);
        let key = wid.to_string();
        for sid in self.db.t(Res::ProductStocks).ids() {
            if let Some(row) = self.db.t_mut(Res::ProductStocks).get_mut(sid) {
                if let Some(Value::Object(map)) = row.get_mut("warehouses") {
                    if map.remove(&key).is_some() {
                        let sum = warehouse_sum(map).trimmed();
                        row.insert("stock".into(), s(sum));
                    }
                }
            }
        }
        Ok(())
    }
}
