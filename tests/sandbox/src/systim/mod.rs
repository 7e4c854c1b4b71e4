//! Systim.pl `jsonAPI.php` stand-in, per `../shared/reference/systim-contract.md` as corrected by
//! `../shared/reference/systim-public-code.md` (which wins where they disagree).
//! Contract used by `control.rs` — keep these signatures.
//!
//! A call goes: path check → PHP form parsing (`form`) → throttling (code 2) → `login`, or a
//! session check (code 13; code 4 for bad legacy credentials) → the `act` table (an `act` the
//! account does not have: see below) → the `refuse` knob (code 10, 16, …) → the method (code 6
//! for missing/invalid fields, code 8 for empty lists) → the envelope (`envelope`), always HTTP
//! 200 JSON for logical outcomes. Time comes only from `now_ms`; nothing here panics on any
//! input.
//!
//! Like PHP, the body is read as parameters only with `Content-Type:
//! application/x-www-form-urlencoded`; other methods than GET/POST answer 405, other paths 404
//! (HTML, like a web server). An unknown `act` without a session answers 13 (the session is
//! checked first).
//!
//! # Profiles (`profile` knob; [`config::DEFAULT_PROFILE`])
//!
//! | | strict (Systim as public code shows it) | generous (the contract's guesses too) |
//! |---|---|---|
//! | methods | `login`, `listProducts`, `listVatRates`, `listPQuantities`, `listCompanies`, `addCompany`, `addProduct`, `addOrder`, `addStoreDocument`, `addSellInvoice`, `listSellInvoices`, `getSellInvoicePDF` (`invoices`) | also `listCategories`, `listStores`, `listDeliveryMethods`, `listPaymentMethods`, `listOrders` (ASSUMED) |
//! | an `act` the account lacks | `unknown_method` (default `code6`: code 6, `fields: ["act"]`) | the same for unknown acts; a method switched off by `assumed_methods: false` / `disabled_methods` answers code 1 unless `unknown_method` is set |
//! | `listCompanies` `nip` | ignored: the whole list | filters by digits |
//! | `listPQuantities` row | `nazwa_produktu`, `kod_kreskowy`, `ilosc` | `id_produktu` first, then the same |
//! | `listSellInvoices` row | `numer`, `data_wystawienia`, `kwota_brutto`, `forma_platnosci`, `termin_platnosci` | also `rodzaj`, `id_kontrahenta`, `data_sprzedazy`, `kwota_netto`, `uwagi` (ASSUMED) |
//! | `null` `ilosc` | `null_quantities`, default the scenario's (demo: `KSI-HERB`, `KURS-PARZ`) | `null_quantities`, default none |
//!
//! In both: tokens are 38 hex digits; `pquantities_key` `product_id` (default) or `row` (an
//! opaque row number); `refuse: {act: code}` answers code 10 ("Ta wersja programu nie pozwala na
//! wykonanie tej operacji"), 16 ("Miesiąc księgowy jest zamknięty…"), 6 with `fields: ["othr"]`
//! ("Pro only", as seen live) or any other code instead of serving `act` (nothing committed);
//! `unknown_method: "error_page"` answers a PHP fatal-error page (`error_page_status` 200 or
//! 500); throttling (code 2) past `throttle_per_minute`. `listProducts` keeps the contract's
//! field names in both profiles (public code shows no other names; without codes nothing could
//! be matched). See `docs/sandbox.md`.

mod auth;
mod catalog;
pub mod check;
pub mod config;
pub mod envelope;
pub mod form;
pub mod invoices;
mod methods;
pub mod model;
pub mod num;
mod orders;
mod seed;

use serde_json::{json, Value};

use crate::catalogue::Scenario;
use crate::wire::{Request, Response};

use auth::Auth;
use config::{Config, Profile, UnknownMethod};
use envelope::{Fault, Outcome};
use methods::{Ctx, Lookup};
use model::Data;

pub use seed::{vat_id, CONTRACTORS};

const API_PATHS: [&str; 2] = ["/jsonAPI.php", "/jsonAPI"];

/// Codes of the demo products whose `listPQuantities` quantity is `null` in the strict profile:
/// a clean match and an exempt product, both linked to the shop and in stock.
const STRICT_NULL_CODES: [&str; 2] = ["KSI-HERB", "KURS-PARZ"];

pub struct SystimState {
    config: Config,
    auth: Auth,
    data: Data,
    calls: u64,
    /// The scenario's products with a `null` quantity in the strict profile.
    strict_nulls: Vec<u64>,
}

/// What a call ends in before it goes on the wire.
enum Answer {
    Envelope(Result<Outcome, Fault>),
    /// A non-JSON PHP error page (status, HTML).
    Page(u16, String),
}

fn null_quantities<'a>(config: &'a Config, strict_nulls: &'a [u64]) -> &'a [u64] {
    config.null_quantities.as_deref().unwrap_or(if config.strict() { strict_nulls } else { &[] })
}

impl SystimState {
    /// The account of a scenario in the default profile ([`config::DEFAULT_PROFILE`]).
    pub fn from_scenario(sc: &Scenario) -> Self {
        Self::from_scenario_with(sc, config::DEFAULT_PROFILE)
    }

    pub fn from_scenario_with(sc: &Scenario, profile: Profile) -> Self {
        let data = seed::data_from_scenario(sc);
        let strict_nulls = data.products.iter().filter(|p| STRICT_NULL_CODES.contains(&p.kod_produktu.as_str())).map(|p| p.id).collect();
        SystimState {
            config: Config::new(sc.systim_advanced_warehouse, profile),
            auth: Auth::new(&sc.systim_login, &sc.systim_key, &sc.name),
            data,
            calls: 0,
            strict_nulls,
        }
    }

    pub fn profile(&self) -> Profile {
        self.config.profile
    }

    /// Switch the profile (the other knobs stay).
    pub fn set_profile(&mut self, profile: Profile) {
        self.config.profile = profile;
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
        match self.dispatch(&act, &params, now_ms) {
            Answer::Envelope(outcome) => Response::json(200, &envelope::render(&self.config, &act, outcome)),
            Answer::Page(status, html) => Response::html(status, html),
        }
    }

    /// Code 2 in the account's envelope (HTTP 200), as throttling answers: what the resend of a
    /// dropped request meets when a fault arms it. Not counted as a call.
    pub fn throttled_answer(&self) -> Response {
        Response::json(200, &envelope::render(&self.config, "", Err(Fault::throttled())))
    }

    fn dispatch(&mut self, act: &str, params: &check::Params, now_ms: u64) -> Answer {
        if !self.auth.admit(now_ms, self.config.throttle_per_minute) {
            return Answer::Envelope(Err(Fault::throttled()));
        }
        if act == "login" {
            return Answer::Envelope(self.auth.login(params, now_ms, self.config.token_ttl_s).map(Outcome::Value));
        }
        if let Err(f) = self.auth.authorize(params, now_ms, self.config.token_ttl_s, self.config.legacy_auth) {
            return Answer::Envelope(Err(f));
        }
        let method = match methods::find(act, &self.config) {
            Lookup::Found(m) => m,
            Lookup::Absent => return self.refuse_unknown(act, UnknownMethod::Code6),
            Lookup::SwitchedOff => {
                let default = if self.config.strict() { UnknownMethod::Code6 } else { UnknownMethod::Code1 };
                return self.refuse_unknown(act, default);
            }
        };
        if let Some(code) = self.config.refuse.get(act) {
            return Answer::Envelope(Err(Fault::refused(*code)));
        }
        let nulls = null_quantities(&self.config, &self.strict_nulls);
        let ctx = Ctx { cfg: &self.config, now_ms, null_quantities: nulls };
        match (method.run)(&mut self.data, params, &ctx) {
            Ok(Outcome::Page(html)) => Answer::Page(self.config.error_page_status, html),
            outcome => Answer::Envelope(outcome),
        }
    }

    /// The products whose `listPQuantities` `ilosc` is `null`: the knob, else the profile's
    /// default.
    pub fn null_quantities(&self) -> &[u64] {
        null_quantities(&self.config, &self.strict_nulls)
    }

    /// How an `act` the account does not have is refused (the `unknown_method` knob, else
    /// `default`).
    fn refuse_unknown(&self, act: &str, default: UnknownMethod) -> Answer {
        match self.config.unknown_method.unwrap_or(default) {
            UnknownMethod::Code6 => Answer::Envelope(Err(Fault::unknown_act())),
            UnknownMethod::Code1 => Answer::Envelope(Err(Fault::unknown_method())),
            UnknownMethod::ErrorPage => Answer::Page(self.config.error_page_status, envelope::undefined_method_page(act)),
        }
    }

    /// Full state for tests: products (with stock per store in thousandths and `quantity_null`:
    /// `listPQuantities` gives their `ilosc` as `null`), `null_quantities` (those products' ids),
    /// orders with every field and line they were sent, contractors, warehouse documents, dictionaries, the number
    /// of tokens (expired ones are dropped at the next login or session check), the number of
    /// API calls and the configuration. Texts are raw (not HTML-escaped).
    pub fn state_json(&self) -> Value {
        let mut state = self.data.to_json();
        let nulls = self.null_quantities().to_vec();
        if let Some(products) = state.get_mut("products").and_then(Value::as_array_mut) {
            for p in products {
                let unknown = p["id"].as_u64().is_some_and(|id| nulls.contains(&id));
                p["quantity_null"] = json!(unknown);
            }
        }
        if let Value::Object(map) = &mut state {
            map.insert("null_quantities".into(), json!(nulls));
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
    /// `profile` "generous"|"strict"; `unknown_method` "code6"|"error_page"|"code1";
    /// `error_page_status` 200|500; `pquantities_key` "product_id"|"row"; `null_quantities`
    /// [product id…]; `refuse` {act: code}; `assumed_methods` bool, `disabled_methods` [act…],
    /// `warehouse_mode` "simplified"|"advanced", `token_ttl_s` (0 = never),
    /// `throttle_per_minute` (0 = off), `empty_list` "code8"|"object"|"array",
    /// `code_as_string`, `lists_as_arrays`, `fields_as` "array"|"object"|"string"|"absent",
    /// `decimal_comma`, `unset_as_null`, `echo_method`, `legacy_auth` (bools); sales documents
    /// (`invoices`): `invoice_result_code` 0|100|101|102, `empty_invoice_number` (bool),
    /// `plan_refuses_kinds` [rodzaj…] (code 6 `othr`), `closed_months` ["YYYY-MM"…] (code 16).
    pub fn configure(&mut self, knobs: &Value) -> Result<(), String> {
        self.config.apply(knobs)
    }

    /// Create products as the merchant would in Systim's panel (the control route
    /// `POST /__sandbox/systim/products`), all or nothing. `spec` is one product or
    /// `{"products": [product…]}`; a product:
    /// ```json
    /// {"name": "Kubek 500 ml", "code": "KUB-500", "ean": "5901234123457",
    ///  "price_gross": "36.90", "vat_id": 1, "category_id": 1,
    ///  "quantity": "12", "store_id": 1, "unit": "szt.", "service": false, "hidden": false}
    /// ```
    /// Only `name` and `price_gross` are required; `vat_id` and `category_id` default to 1,
    /// `quantity` to 0 in the first store, `unit` to `szt.`. The net price is the gross one
    /// less VAT, rounded half up. Money and quantities may be numbers or decimal strings.
    /// Returns the new ids in order.
    pub fn create_products(&mut self, spec: &Value) -> Result<Vec<u64>, String> {
        let items: Vec<&Value> = match spec.get("products") {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(_) => return Err("systim products: \"products\" must be an array".into()),
            None => vec![spec],
        };
        let before = self.data.products.len();
        let mut ids = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match seed::add_control_product(&mut self.data, item) {
                Ok(id) => ids.push(id),
                Err(e) => {
                    // All or nothing: the products just added (and their stock) go again.
                    self.data.products.truncate(before);
                    self.data.stock.retain(|(product, _), _| !ids.contains(product));
                    return Err(format!("systim products[{i}]: {e}"));
                }
            }
        }
        Ok(ids)
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
    /// Delete an order, as the merchant does in Systim's panel (the API has no such method).
    pub fn delete_order(&mut self, id: u64) -> bool {
        let before = self.data.orders.len();
        self.data.orders.retain(|o| o.id != id);
        self.data.orders.len() != before
    }

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

    /// How many sales documents have `marker` in their `uwagi`.
    pub fn invoices_with_marker(&self, marker: &str) -> usize {
        self.data.invoices.iter().filter(|i| !marker.is_empty() && i.uwagi.contains(marker)).count()
    }

    pub fn invoice_count(&self) -> usize {
        self.data.invoices.len()
    }

    /// Read-only access to the account data.
    pub fn data(&self) -> &Data {
        &self.data
    }
}
