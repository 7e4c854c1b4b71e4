//! Shoper REST WebAPI stand-in (`/webapi/rest/...`) and minimal admin-panel pages (`/admin/...`),
//! following `shared/reference/shoper-api.md`. Pure core: no sockets, no clock (time is `now_ms`).
//!
//! # Public API
//! - [`ShoperState::from_scenario`] seeds the shop from a neutral [`Scenario`].
//! - [`ShoperState::handle`] serves one request (REST, `auth`, `bulk`, admin pages).
//! - [`ShoperState::configure`] applies knobs (JSON object; unknown knob → `Err`):
//!   ```json
//!   {"rate_limit": {"enabled": true, "limit": 10, "bandwidth": 2, "bulk_cost": 1},
//!    "token_lifetime_s": 2592000,
//!    "token_scopes": ["orders:read", "products"],   // static token; "area:action", "area" or "*"
//!    "user_scopes": ["*"],                          // WebAPI user (all areas by default)
//!    "static_token_enabled": true,
//!    "fractional_stock": "accept",                  // accept | truncate | reject
//!    "warehouses_enabled": true,
//!    "update_stock_on_buy": true,
//!    "allow_overselling": false,                    // storefront orders beyond stock
//!    "filters_case_insensitive": true,              // MySQL `_ci` collation in filters
//!    "shop_url": "https://sklep-sandbox.shoparena.pl",
//!    "version": "5.26.35",
//!    "order_discounts": "sum_only"}              // sum_only | in_line_prices | line_discount_perc
//!   ```
//!   `rate_limit` also takes `false`/`true`; `bulk_cost` also takes `"per_op"`.
//! - [`ShoperState::place_storefront_order`] places an origin-0 order (see its docs for the spec).
//! - [`ShoperState::expire_tokens`], [`ShoperState::state_json`].
//!
//! # Behaviour where the reference is silent (assumptions, kept deliberate)
//! - Bucket: one per credential (WebAPI user, static token); `/auth`, 401s and admin pages are
//!   not charged; 429 leaves the level unchanged; a bulk call is admitted when one unit fits.
//! - Filters: a condition on a missing field sees `null`; string comparisons follow a MySQL
//!   `_ci` collation (case-insensitive, trailing spaces ignored; knob); numbers compare
//!   numerically unless written with a leading zero (`0187` stays text). The `/products` 404
//!   quirk applies to the bracket form only (as observed). Arrays other than the legacy
//!   `[op, value]` pair mean IN.
//! - Beyond the last page: empty list, `page` = last page (1 when empty).
//! - Stock: API order lines may take stock below zero; deleting a line (not only the order)
//!   gives it back; a line quantity PUT moves the difference; `sold` follows. Storefront orders
//!   refuse insufficient stock unless `allow_overselling`. With warehouses on, lines take from the
//!   default warehouse and `stock`/`stock_relative` writes are rejected as read-only.
//! - Status 10 of the fresh shop (not recorded) is `dostarczone` (type 3).
//! - Error texts the reference does not give are English (`Resource not found` style); every
//!   field-validation message uses the Polish pattern.

mod admin;
mod auth;
mod bucket;
mod bulk;
mod catalog;
mod clock;
mod config;
mod dec;
mod dicts;
mod discounts;
mod error;
mod list;
mod orders;
mod rest;
mod schema;
mod seed;
mod stock;
mod store;
mod storefront;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::catalogue::Scenario;
use crate::wire::{Request, Response};
use auth::{Auth, Principal};
use bucket::Bucket;
use config::{BulkCost, Config};
use error::ApiError;
use store::{obj, Db, Res};

pub use config::AREAS;
pub use dec::Dec;

pub struct ShoperState {
    cfg: Config,
    db: Db,
    auth: Auth,
    buckets: BTreeMap<&'static str, Bucket>,
    scenario: String,
}

/// A successful REST answer before it becomes a [`Response`].
#[derive(Debug)]
pub(crate) struct Reply {
    body: Value,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn json(body: Value) -> Reply {
        Reply { body, headers: Vec::new() }
    }
}

type ApiResult = Result<Reply, ApiError>;

fn to_response(result: ApiResult) -> Response {
    match result {
        Ok(reply) => {
            let mut resp = Response::json(200, &reply.body);
            reply.headers.iter().for_each(|(k, v)| resp.set_header(k, v));
            resp
        }
        Err(err) => {
            let mut resp = Response::json(err.status, &err.body());
            err.headers.iter().for_each(|(k, v)| resp.set_header(k, v));
            resp
        }
    }
}

impl ShoperState {
    pub fn from_scenario(sc: &Scenario) -> Self {
        seed::build(sc)
    }

    /// Serve one request addressed to the shop (REST API, auth, bulk, admin pages).
    pub fn handle(&mut self, req: &Request, now_ms: u64) -> Response {
        if let Some(sub) = req.path.strip_prefix("/webapi/rest") {
            if sub.is_empty() || sub.starts_with('/') {
                return self.handle_api(req, sub, now_ms);
            }
        }
        if req.path == "/admin" || req.path.starts_with("/admin/") {
            return admin::page(self, req);
        }
        Response::html(404, admin::not_found_page())
    }

    fn handle_api(&mut self, req: &Request, sub: &str, now_ms: u64) -> Response {
        let segs: Vec<&str> = sub.split('/').filter(|s| !s.is_empty()).collect();
        if segs == ["auth"] {
            return to_response(self.auth_endpoint(req, now_ms));
        }
        let who = match self.auth.principal(req, now_ms, self.cfg.static_token_enabled) {
            Ok(who) => who,
            Err(e) => return to_response(Err(e)),
        };
        let is_bulk = segs == ["bulk"];
        let cost = if is_bulk { self.bulk_cost(&req.body) } else { 1.0 };
        let rate = self.cfg.rate.clone();
        let bucket = self.buckets.entry(who.bucket_key()).or_default();
        let admitted = if rate.enabled { bucket.take(now_ms, &rate, cost) } else { Ok(()) };
        let result = match admitted {
            Err(e) => Err(e),
            Ok(()) if is_bulk => self.bulk(who, &req.method, &req.body, now_ms),
            Ok(()) => self.rest(who, &req.method, &segs, &req.query_pairs(), &req.body, now_ms),
        };
        let mut resp = to_response(result);
        let bucket = self.buckets.entry(who.bucket_key()).or_default();
        for (k, v) in bucket.headers(&rate) {
            resp.set_header(&k, &v);
        }
        if rate.enabled {
            resp.bucket_level = Some(bucket.level);
        }
        if req.method == "HEAD" {
            resp.body.clear();
        }
        resp
    }

    fn auth_endpoint(&mut self, req: &Request, now_ms: u64) -> ApiResult {
        if req.method != "POST" {
            return Err(ApiError::method_not_allowed(&req.method));
        }
        self.auth.authenticate(req, now_ms, self.cfg.token_lifetime_s).map(Reply::json)
    }

    fn bulk_cost(&self, body: &[u8]) -> f64 {
        match self.cfg.rate.bulk_cost {
            BulkCost::PerCall(c) => c,
            BulkCost::PerOp => match serde_json::from_slice::<Value>(body) {
                Ok(Value::Array(ops)) => ops.len().max(1) as f64,
                _ => 1.0,
            },
        }
    }

    /// Full state as JSON for `/__sandbox/state`: config, products with all stock rows, orders
    /// with their lines, customers, categories, warehouses, tokens and bucket levels.
    pub fn state_json(&self) -> Value {
        let products: Vec<Value> = self.db.t(Res::Products).ids().into_iter().filter_map(|id| self.product_with_stocks(id)).collect();
        let orders: Vec<Value> = self.db.t(Res::Orders).ids().into_iter().filter_map(|id| self.order_with_lines(id)).collect();
        let all = |res: Res| -> Vec<Value> { self.db.t(res).ids().into_iter().filter_map(|id| self.render(res, id)).collect() };
        let buckets: serde_json::Map<String, Value> = self.buckets.iter().map(|(k, b)| (k.to_string(), json!(b.level))).collect();
        obj([
            ("scenario", json!(self.scenario)),
            ("config", self.cfg.to_json()),
            ("application_config", self.application_config()),
            ("products", Value::Array(products)),
            ("orders", Value::Array(orders)),
            ("users", Value::Array(all(Res::Users))),
            ("categories", Value::Array(all(Res::Categories))),
            ("categories_tree", self.categories_tree()),
            ("warehouses", Value::Array(all(Res::Warehouses))),
            ("tokens_issued", json!(self.auth.issued_count())),
            ("buckets", Value::Object(buckets)),
        ])
    }

    /// Place an order as a customer would in the storefront (origin 0), through the shop's own
    /// logic (stock decremented). Returns the new order id. Spec (every key but `lines` optional):
    /// ```json
    /// {"lines": [{"code": "KUB-300", "quantity": 2}, {"stock_id": 7, "quantity": "0.75", "price": "80.91"}],
    ///  "email": "jan@example.pl", "firstname": "Jan", "lastname": "Kowalski",
    ///  "company": "Firma Sp. z o.o.", "nip": "586-212-09-28",
    ///  "street": "Długa 5", "postcode": "00-238", "city": "Warszawa", "phone": "600100200",
    ///  "shipping_cost": "14.99", "shipping_id": 1, "payment_id": 1, "status_id": 1,
    ///  "paid": "74.99", "notes": "…", "locale": "pl_PL",
    ///  "discount_client": "5", "discount_group": "0", "discount_levels": "2", "promo_code": "ZIMA10"}
    /// ```
    /// A line names a stock row by `code` (first active row with that code) or `stock_id`;
    /// `price` defaults to the row's effective gross price. The discount keys (percentages, and a
    /// code of `/promotion-codes`: `ZIMA10`, `RABAT20`, `DARMOWA`, `GRATIS100`, `LATO15`) make a
    /// discount on the whole order, written as the `order_discounts` knob says (`discounts.rs`);
    /// a free-shipping code turns `shipping_cost` into 0. Quantities and money may be numbers
    /// or decimal strings. Fails on unknown codes, inactive products and (unless
    /// `allow_overselling`) on insufficient stock.
    pub fn place_storefront_order(&mut self, spec: &Value, now_ms: u64) -> Result<u64, String> {
        storefront::place(self, spec, now_ms)
    }

    /// Make every issued access token expired (next call answers 401 unauthorized_client).
    pub fn expire_tokens(&mut self) {
        self.auth.expire_all();
    }

    /// Apply configuration knobs (see the module docs); unknown knobs are an error and nothing
    /// is applied then.
    pub fn configure(&mut self, knobs: &Value) -> Result<(), String> {
        let obj = knobs.as_object().ok_or("Shoper knobs must be a JSON object")?;
        let mut cfg = self.cfg.clone();
        let mut warehouses = None;
        for (key, v) in obj {
            if key == "warehouses_enabled" {
                warehouses = Some(v.as_bool().ok_or("knob 'warehouses_enabled' must be true or false")?);
            } else {
                cfg.apply_knob(key, v)?;
            }
        }
        self.cfg = cfg;
        if let Some(on) = warehouses {
            self.set_warehouses_enabled(on);
        }
        Ok(())
    }

    /// Scope set of a caller.
    fn scopes(&self, who: Principal) -> &config::Scopes {
        match who {
            Principal::WebApiUser => &self.cfg.user_scopes,
            Principal::StaticToken => &self.cfg.token_scopes,
        }
    }
}
