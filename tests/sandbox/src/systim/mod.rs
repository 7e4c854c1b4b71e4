//! Systim.pl `jsonAPI.php` stand-in, exactly per `../shared/reference/systim-contract.md`.
//! Contract used by `control.rs` — keep these signatures.
//!
//! A call goes: path check → PHP form parsing (`form`) → throttling (code 2) → `login`, or a
//! session check (code 13; code 4 for bad legacy credentials) → the `act` table (code 1 for
//! unknown or switched-off methods) → the method (code 6 for missing/invalid fields, code 8 for
//! empty lists) → the envelope (`envelope`), always HTTP 200 JSON for logical outcomes.
//! Time comes only from `now_ms`; nothing here panics on any input.
//!
//! Like PHP, the body is read as parameters only with `Content-Type:
//! application/x-www-form-urlencoded`; other methods than GET/POST answer 405, other paths 404
//! (HTML, like a web server). An unknown `act` without a session answers 13, not 1 (the session
//! is checked first).

mod auth;
mod catalog;
pub mod check;
pub mod config;
pub mod envelope;
pub mod form;
mod methods;
pub mod model;
pub mod num;
mod orders;
mod seed;

use serde_json::{json, Value};

use crate::catalogue::Scenario;
use crate::wire::{Request, Response};

use auth::Auth;
use config::Config;
use envelope::{Fault, Outcome};
use methods::Ctx;
use model::Data;

pub use seed::vat_id;

const API_PATHS: [&str; 2] = ["/jsonAPI.php", "/jsonAPI"];

pub struct SystimState {
    config: Config,
    auth: Auth,
    data: Data,
    calls: u64,
}

impl SystimState {
    pub fn from_scenario(sc: &Scenario) -> Self {
        SystimState {
            config: Config::new(sc.systim_advanced_warehouse),
            auth: Auth::new(&sc.systim_login, &sc.systim_key, &sc.name),
            data: seed::data_from_scenario(sc),
            calls: 0,
        }
    }

    /// Serve one request addressed to the account (`/jsonAPI.php`, `/jsonAPI`).
    pub fn handle(&mut self, req: &Request, now_ms: u64) -> Response {
        if !API_PATHS.contains(&req.path.as_str()) {
            return Response::html(404, "<html><body><h1>404 Not Found</h1></body></html>");
        }
        if req.method != "GET" && req.method != "POST" {
            return Response::html(405, "<html><body><h1>405 Method Not Allowed</h1></body></html>");
        }
        self.calls += 1;
        let params = form::request_params(req);
        let act = form::leaf(&params, "act").unwrap_or("").to_string();
        let outcome = self.dispatch(&act, &params, now_ms);
        Response::json(200, &envelope::render(&self.config, &act, outcome))
    }

    fn dispatch(&mut self, act: &str, params: &check::Params, now_ms: u64) -> Result<Outcome, Fault> {
        if !self.auth.admit(now_ms, self.config.throttle_per_minute) {
            return Err(Fault::throttled());
        }
        if act == "login" {
            return self.auth.login(params, now_ms, self.config.token_ttl_s).map(Outcome::Value);
        }
        self.auth.authorize(params, now_ms, self.config.token_ttl_s, self.config.legacy_auth)?;
        let method = methods::find(act, &self.config).ok_or_else(Fault::unknown_method)?;
        let ctx = Ctx { cfg: &self.config, now_ms };
        (method.run)(&mut self.data, params, &ctx)
    }

    /// Full state for tests: products (with stock per store in thousandths), orders with every
    /// field and line they were sent, contractors, warehouse documents, dictionaries, the number
    /// of tokens (expired ones are dropped at the next login or session check), the number of
    /// API calls and the configuration. Texts are raw (not HTML-escaped).
    pub fn state_json(&self) -> Value {
        let mut state = self.data.to_json();
        if let Value::Object(map) = &mut state {
            map.insert("config".into(), self.config.to_json());
            map.insert("tokens".into(), json!(self.auth.token_count()));
            map.insert("calls".into(), json!(self.calls));
            map.insert("login".into(), json!(self.auth.login));
        }
        state
    }

    /// A "web login": every API token dies (next call answers code 13).
    pub fn kill_tokens(&mut self) {
        self.auth.kill_all();
    }

    /// Set a product's quantity in one store (thousandths), as a warehouse document would.
    pub fn set_quantity(&mut self, product_id: u64, store_id: u64, qty_milli: i64) -> Result<(), String> {
        if self.data.product(product_id).is_none() {
            return Err(format!("systim: no product {product_id}"));
        }
        if model::by_id(&self.data.stores, store_id).is_none() {
            return Err(format!("systim: no store {store_id}"));
        }
        self.data.stock.insert((product_id, store_id), qty_milli);
        Ok(())
    }

    /// Knobs (all optional, unknown ones are an error, all-or-nothing):
    /// `assumed_methods` bool, `disabled_methods` [act…], `warehouse_mode` "simplified"|"advanced",
    /// `token_ttl_s` (0 = never), `throttle_per_minute` (0 = off), `empty_list`
    /// "code8"|"object"|"array", `code_as_string`, `lists_as_arrays`, `fields_as`
    /// "array"|"object"|"string"|"absent", `decimal_comma`, `unset_as_null`, `echo_method`,
    /// `legacy_auth` (bools).
    pub fn configure(&mut self, knobs: &Value) -> Result<(), String> {
        self.config.apply(knobs)
    }

    /// How many orders have `marker` in their `uwagi` (each order counted once).
    pub fn orders_with_marker(&self, marker: &str) -> usize {
        self.data.orders.iter().filter(|o| o.uwagi.contains(marker)).count()
    }

    /// How many times `marker` occurs in the `uwagi` of every order, summed.
    pub fn marker_occurrences(&self, marker: &str) -> usize {
        if marker.is_empty() {
            return 0;
        }
        self.data.orders.iter().map(|o| o.uwagi.matches(marker).count()).sum()
    }

    pub fn order_count(&self) -> usize {
        self.data.orders.len()
    }

    /// Stock of a product in a store, thousandths (`None` for an unknown product or store).
    pub fn quantity(&self, product_id: u64, store_id: u64) -> Option<i64> {
        self.data.product(product_id)?;
        model::by_id(&self.data.stores, store_id)?;
        Some(self.data.quantity(product_id, store_id))
    }

    /// Ids of the products whose `kod_produktu` is exactly `code` (traps included: duplicates,
    /// trailing spaces are not trimmed).
    pub fn product_ids_by_code(&self, code: &str) -> Vec<u64> {
        self.data.products.iter().filter(|p| p.kod_produktu == code).map(|p| p.id).collect()
    }

    /// A live token, as a successful `login` at `now_ms` would give.
    pub fn issue_token(&mut self, now_ms: u64) -> String {
        self.auth.issue(now_ms)
    }

    pub fn token_count(&self) -> usize {
        self.auth.token_count()
    }

    /// The account's API login and key (from the scenario).
    pub fn credentials(&self) -> (&str, &str) {
        (&self.auth.login, &self.auth.key)
    }

    /// Read-only access to the account data.
    pub fn data(&self) -> &Data {
        &self.data
    }
}
