//! REST dispatch: path → resource, verb checks (405), scopes (403), lists, single objects and the
//! create/update/delete shapes (bare id, `1`).

use serde_json::{json, Value};

use super::auth::Principal;
use super::error::ApiError;
use super::list::{self, Cond, ListQuery};
use super::store::{Res, Row, Shape};
use super::{ApiResult, Reply, ShoperState};

/// What a request asks of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verb {
    Read,
    Create,
    Edit,
    Delete,
}

impl Verb {
    fn of(method: &str) -> Option<Verb> {
        Some(match method {
            "GET" | "HEAD" => Verb::Read,
            "POST" => Verb::Create,
            "PUT" => Verb::Edit,
            "DELETE" => Verb::Delete,
            _ => return None,
        })
    }
    fn scope_action(self) -> &'static str {
        match self {
            Verb::Read => "read",
            Verb::Create => "create",
            Verb::Edit => "edit",
            Verb::Delete => "delete",
        }
    }
    /// Whether the verb applies to this resource with/without an id in the path.
    fn allowed(self, res: Res, has_id: bool) -> bool {
        let collection = matches!(res.shape(), Shape::Collection(_));
        match self {
            Verb::Read => true,
            Verb::Create => collection && res.writable() && !has_id,
            Verb::Edit | Verb::Delete => collection && res.writable() && has_id,
        }
    }
}

/// Top-level columns whose wire value is computed at render (stored rows hold placeholders).
fn computed_columns(res: Res) -> &'static [&'static str] {
    match res {
        Res::Products => &["code", "ean", "stock", "options"],
        Res::ProductStocks => &[
            "options",
            "warehouses",
            "comp_weight",
            "comp_price",
            "comp_promo_price",
            "comp_price_wholesale",
            "comp_promo_price_wholesale",
            "comp_price_special",
            "comp_promo_price_special",
            "historical_lowest_price",
            "wholesale_historical_lowest_price",
            "special_historical_lowest_price",
        ],
        Res::Orders => &[
            "sum",
            "order_url",
            "is_cash_on_delivery",
            "is_paid",
            "is_overpayment",
            "is_underpayment",
            "total_products",
            "shipping_tax_name",
            "shipping_tax_value",
        ],
        Res::OrderProducts => &["warehouses"],
        _ => &[],
    }
}

/// Fields filled into nested objects at render (translation and address ids).
const DECORATED: &[&str] = &[
    "translation_id",
    "trans_id",
    "lang_id",
    "permalink",
    "address_id",
    "order_id",
    "product_id",
    "category_id",
    "status_id",
    "unit_id",
    "shipping_id",
    "payment_id",
];

/// Whether a filter path reads the same from a stored row as from the rendered object.
fn stored_path(res: Res, path: &str) -> bool {
    let first = path.split('.').next().unwrap_or("");
    let last = path.rsplit('.').next().unwrap_or("");
    !computed_columns(res).contains(&first) && (!path.contains('.') || !DECORATED.contains(&last))
}

/// The request body as a JSON object (empty body = `{}`).
pub fn parse_body(body: &[u8]) -> Result<Row, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Row::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request("Invalid request body: a JSON object expected")),
        Err(_) => Err(ApiError::bad_request("Invalid request body: malformed JSON")),
    }
}

impl ShoperState {
    /// Serves `/webapi/rest/{segs…}` for an authenticated caller.
    pub(super) fn rest(&mut self, who: Principal, method: &str, segs: &[&str], pairs: &[(String, String)], body: &[u8], now_ms: u64) -> ApiResult {
        let name = segs.first().copied().unwrap_or("");
        let res = Res::from_path(name).filter(|_| segs.len() <= 2).ok_or_else(|| ApiError::unknown_resource(name))?;
        let verb = Verb::of(method).filter(|v| v.allowed(res, segs.len() == 2)).ok_or_else(|| ApiError::method_not_allowed(method))?;
        if let Some(area) = res.area() {
            if !self.scopes(who).allows(area, verb.scope_action()) {
                return Err(ApiError::insufficient_scope());
            }
        }
        if res == Res::Warehouses && !self.cfg.warehouses_enabled {
            return Err(ApiError::warehouses_disabled());
        }
        let Some(id_text) = segs.get(1) else {
            return match verb {
                Verb::Create => {
                    let id = self.create(res, &parse_body(body)?, now_ms)?;
                    Ok(Reply::json(json!(id)))
                }
                _ => self.read_collection(res, pairs),
            };
        };
        let id: u64 = id_text.parse().map_err(|_| ApiError::not_found())?;
        match verb {
            Verb::Edit => {
                let row = parse_body(body)?;
                self.update(res, id, &row, now_ms)?;
                Ok(Reply::json(json!(1)))
            }
            Verb::Delete => {
                self.delete(res, id, now_ms)?;
                Ok(Reply::json(json!(1)))
            }
            _ => self.render(res, id).map(Reply::json).ok_or_else(ApiError::not_found),
        }
    }

    fn read_collection(&self, res: Res, pairs: &[(String, String)]) -> ApiResult {
        match res.shape() {
            Shape::Tree => Ok(Reply::json(self.categories_tree())),
            Shape::Singleton if res == Res::ApplicationVersion => Ok(Reply::json(json!({"version": self.cfg.version}))),
            Shape::Singleton => Ok(Reply::json(self.application_config())),
            Shape::Collection(_) => self.list(res, pairs),
        }
    }

    fn list(&self, res: Res, pairs: &[(String, String)]) -> ApiResult {
        let q = ListQuery::parse(pairs)?;
        // Live quirk: these two bracket-form filters answer 404 on /products.
        if res == Res::Products && q.bracket_fields.iter().any(|f| f == "category_id" || f == "code") {
            return Err(ApiError::not_found());
        }
        let (info, rows) = if let Some(ids) = self.ids_in_id_order(res, &q) {
            // Only the page is rendered: a full read page by page stays linear.
            let info = list::page_info(ids.len(), q.limit, q.page);
            (info, ids[info.start..info.end].iter().filter_map(|id| self.render(res, *id)).collect())
        } else {
            let mut rows = self.filtered_rows(res, &q);
            list::sort_rows(&mut rows, &q.order, self.cfg.filters_case_insensitive);
            let info = list::page_info(rows.len(), q.limit, q.page);
            rows.truncate(info.end);
            (info, rows.split_off(info.start))
        };
        let headers = vec![
            ("x-shop-result-count".to_string(), info.count.to_string()),
            ("x-shop-result-page".to_string(), info.page.to_string()),
            ("x-shop-result-pages".to_string(), info.pages.to_string()),
        ];
        Ok(Reply { body: list::envelope(&info, rows), headers })
    }

    /// Ids passing the filters, when every condition reads stored columns and the order is the
    /// ids' own (none, or the id ascending); `None` when rows must be rendered to filter or sort.
    fn ids_in_id_order(&self, res: Res, q: &ListQuery) -> Option<Vec<u64>> {
        let by_id = match q.order.as_slice() {
            [] => true,
            [(path, descending)] => path == res.id_key() && !descending,
            _ => false,
        };
        if !by_id || (res == Res::Products && q.has_filter_prefix("stock.")) {
            return None;
        }
        let (cheap, costly) = q.split_filters(|p| stored_path(res, p));
        if !costly.is_empty() {
            return None;
        }
        let ci = self.cfg.filters_case_insensitive;
        Some(self.db.t(res).iter().filter(|(_, row)| list::matches_all_in(row, &cheap, ci)).map(|(id, _)| id).collect())
    }

    /// Rows passing the filters. Conditions that read stored columns run on the stored rows
    /// first, so only candidates are rendered.
    fn filtered_rows(&self, res: Res, q: &ListQuery) -> Vec<Value> {
        if res == Res::Products && q.has_filter_prefix("stock.") {
            return self.joined_products(q);
        }
        let ci = self.cfg.filters_case_insensitive;
        let (cheap, costly) = q.split_filters(|p| stored_path(res, p));
        self.db
            .t(res)
            .iter()
            .filter(|(_, row)| list::matches_all_in(row, &cheap, ci))
            .filter_map(|(id, _)| self.render(res, id))
            .filter(|v| list::matches_all(v, &costly, ci))
            .collect()
    }

    /// Filtering products on `stock.*` joins product-stocks: a product is listed once per
    /// matching stock row (and counted so), as the live shop does.
    fn joined_products(&self, q: &ListQuery) -> Vec<Value> {
        let ci = self.cfg.filters_case_insensitive;
        let (on_stock, on_product) = q.split_filters(|p| p.starts_with("stock."));
        let on_stock: Vec<Cond> = on_stock.into_iter().map(|c| Cond { path: c.path["stock.".len()..].to_string(), ..c }).collect();
        let (stock_cheap, stock_costly): (Vec<Cond>, Vec<Cond>) = on_stock.into_iter().partition(|c| stored_path(Res::ProductStocks, &c.path));
        let (cheap, costly): (Vec<Cond>, Vec<Cond>) = on_product.into_iter().partition(|c| stored_path(Res::Products, &c.path));
        let stocks = self.db.t(Res::ProductStocks);
        let stock_passes = |sid: &u64| {
            stocks.get(*sid).is_some_and(|row| list::matches_all_in(row, &stock_cheap, ci))
                && (stock_costly.is_empty() || self.render_stock(*sid).is_some_and(|v| list::matches_all(&v, &stock_costly, ci)))
        };
        let mut out = Vec::new();
        for (pid, row) in self.db.t(Res::Products).iter() {
            if !list::matches_all_in(row, &cheap, ci) {
                continue;
            }
            let hits = self.db.stocks_of(pid).iter().filter(|sid| stock_passes(sid)).count();
            if hits == 0 {
                continue;
            }
            if let Some(product) = self.render(Res::Products, pid).filter(|p| list::matches_all(p, &costly, ci)) {
                out.extend(std::iter::repeat_n(product, hits));
            }
        }
        out
    }

    /// One object in its wire shape.
    pub(super) fn render(&self, res: Res, id: u64) -> Option<Value> {
        match res {
            Res::Products => self.render_product(id),
            Res::ProductStocks => self.render_stock(id),
            Res::Orders => self.render_order(id),
            Res::OrderProducts => self.render_line(id),
            _ => self.render_simple(res, id),
        }
    }

    fn create(&mut self, res: Res, body: &Row, now_ms: u64) -> Result<u64, ApiError> {
        match res {
            Res::Products => self.create_product(body, now_ms),
            Res::ProductStocks => self.create_stock(body, now_ms),
            Res::Orders => self.create_order(body, "4", now_ms),
            Res::OrderProducts => self.create_line(body),
            _ => self.create_simple(res, body, now_ms),
        }
    }

    fn update(&mut self, res: Res, id: u64, body: &Row, now_ms: u64) -> Result<(), ApiError> {
        match res {
            Res::Products => self.update_product(id, body, now_ms),
            Res::ProductStocks => self.update_stock(id, body, now_ms),
            Res::Orders => self.update_order(id, body, now_ms),
            Res::OrderProducts => self.update_line(id, body),
            _ => self.update_simple(res, id, body),
        }
    }

    fn delete(&mut self, res: Res, id: u64, now_ms: u64) -> Result<(), ApiError> {
        match res {
            Res::Products => self.delete_product(id),
            Res::ProductStocks => self.delete_stock(id, now_ms),
            Res::Orders => self.delete_order(id),
            Res::OrderProducts => self.delete_line(id),
            Res::Warehouses => self.delete_warehouse(id),
            _ => self.db.remove(res, id).map(|_| ()).ok_or_else(ApiError::not_found),
        }
    }
}
