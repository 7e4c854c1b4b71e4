#![cfg(not(target_arch = "wasm32"))]
//! The bad-input catalogue (`docs/bad-input.md`): one test per row. Each feeds the engine one
//! kind of bad input — a wrong key, a page that is not an API, a broken number, a trap in the
//! catalogue, a full storage — and asserts what the merchant sees (the Polish text, quoted
//! verbatim in the catalogue) and that nothing was lost or half-written: the services' state,
//! the stored settings and connection, the order ledger, the next run.

mod common;

use common::harness::{assert_orders_settled, assert_stock_as_demanded, audit};
use kit::*;
use serde_json::{json, Value};
use shoper_systim::client::address::AddressProblem;
use shoper_systim::client::{Access, ApiError, AuthFailure, Interruption, PermissionArea, Service};
use shoper_systim::engine::connection::{Connection, ShoperAuthKind};
use shoper_systim::engine::report::{Outcome, Part, RunKind};
use shoper_systim::engine::RunRequest;

/// What the test support offers: the engine over the in-process sandbox with two seams a test
/// can bend — the wire (answers replaced or rewritten; any host but the sandbox's does not
/// resolve) and the extension's storage (writes refused as over quota).
pub mod kit {
    pub use super::common::harness::{
        business_state, configure_shoper, configure_systim, connection, demo_settings, inject, marker_count, systim_orders, systim_product_id, SHOP_HOST,
    };
    pub use super::common::oracle::{expected_stock, shop_rows, shop_stock};
    pub use super::common::{InProcess, SHOP_URL, SYSTIM_URL};
    use pollster::block_on;
    use sandbox::Request;
    use serde_json::{json, Value};
    use shoper_systim::engine::api::{Sender, SenderKind};
    pub use shoper_systim::engine::check::{Check, CheckStatus};
    use shoper_systim::engine::connection::{Connection, ShoperAuthKind};
    use shoper_systim::engine::report::{Entry, Outcome, Part, ProblemGroup, Report, RunKind};
    use shoper_systim::engine::{Engine, RunRequest};
    use shoper_systim::io::{Http, HttpRequest, HttpResponse, NetError, Storage, StoreError};
    use shoper_systim::mem::{MemStorage, VirtualClock};
    use shoper_systim::settings::Settings;
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::rc::Rc;

    /// The catalogue; every text a test says the merchant sees must be quoted in it verbatim.
    pub const CATALOGUE: &str = include_str!("../docs/bad-input.md");

    /// Assert that the catalogue quotes `text` exactly as the code produced it.
    pub fn quoted(text: &str) {
        assert!(!text.trim().is_empty(), "an empty message is shown to the merchant");
        assert!(CATALOGUE.contains(text), "docs/bad-input.md does not quote what the merchant sees:\n{text}");
    }

    /// How a rewritten exchange answers.
    #[derive(Clone)]
    pub enum Answer {
        /// This status and body instead of the service's answer (nothing reaches the service).
        Page(u16, String),
        /// The service's own answer (it did the work) with its body rewritten.
        Edit(Rc<dyn Fn(&str) -> String>),
    }

    struct Rule {
        url: String,
        needle: String,
        answer: Answer,
        left: u32,
    }

    /// The engine's `Http`: the in-process sandbox, except for exchanges a test rewrote.
    #[derive(Clone)]
    pub struct Wire {
        world: InProcess,
        rules: Rc<RefCell<Vec<Rule>>>,
    }

    impl Wire {
        /// The next `times` requests whose URL starts with `url` and whose URL or body contains
        /// `needle` get `answer`.
        pub fn rewrite(&self, url: &str, needle: &str, answer: Answer, times: u32) {
            self.rules.borrow_mut().push(Rule { url: url.into(), needle: needle.into(), answer, left: times });
        }

        /// Every exchange goes to the sandbox again.
        pub fn heal(&self) {
            self.rules.borrow_mut().clear();
        }

        fn pick(&self, req: &HttpRequest) -> Option<Answer> {
            let mut rules = self.rules.borrow_mut();
            let body = req.body.as_deref().unwrap_or("");
            let pos = rules.iter().position(|r| r.left > 0 && req.url.starts_with(&r.url) && (req.url.contains(&r.needle) || body.contains(&r.needle)))?;
            rules[pos].left -= 1;
            Some(rules[pos].answer.clone())
        }
    }

    impl Http for Wire {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
            match self.pick(&req) {
                None => self.world.send(req).await,
                Some(Answer::Page(status, body)) => Ok(HttpResponse { status, headers: vec![("content-type".into(), "text/html".into())], body }),
                Some(Answer::Edit(edit)) => {
                    let mut resp = self.world.send(req).await?;
                    resp.body = edit.as_ref()(&resp.body);
                    Ok(resp)
                }
            }
        }
    }

    /// Which writes the full storage refuses: `(key, value) -> refused`.
    type Full = Rc<dyn Fn(&str, &str) -> bool>;

    /// The extension's `storage.local`, able to refuse writes as the browser does when full.
    #[derive(Clone, Default)]
    pub struct Store {
        pub mem: MemStorage,
        full: Rc<RefCell<Option<Full>>>,
    }

    impl Store {
        /// From now on refuse (as over quota) every write `refused(key, value)` picks.
        pub fn fill_up(&self, refused: impl Fn(&str, &str) -> bool + 'static) {
            *self.full.borrow_mut() = Some(Rc::new(refused));
        }

        /// Space was freed.
        pub fn free_up(&self) {
            *self.full.borrow_mut() = None;
        }
    }

    impl Storage for Store {
        async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
            self.mem.get(key).await
        }
        async fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
            if self.full.borrow().as_ref().is_some_and(|refused| refused(key, value)) {
                return Err(StoreError::Quota("QUOTA_BYTES quota exceeded".into()));
            }
            self.mem.set(key, value).await
        }
        async fn remove(&self, key: &str) -> Result<(), StoreError> {
            self.mem.remove(key).await
        }
    }

    pub type Eng = Engine<Wire, Store, VirtualClock>;

    /// One merchant's world: the sandbox, the wire, the extension's storage and the engine.
    pub struct Case {
        pub world: InProcess,
        pub wire: Wire,
        pub store: Store,
        pub engine: Eng,
    }

    /// The demo scenario with the demo merchant's connection and settings.
    pub fn demo() -> Case {
        scenario("demo", |_| {})
    }

    /// A scenario whose shop knows its in-process URL, connected, with the demo settings as
    /// `edit` leaves them.
    pub fn scenario(name: &str, edit: impl FnOnce(&mut Settings)) -> Case {
        scenario_in(name, None, edit)
    }

    /// The demo with a Systim account that also answers the assumed methods (`listOrders`,
    /// `listCategories`…): for what only they make possible.
    pub fn generous_demo() -> Case {
        scenario_in("demo", Some(sandbox::systim::config::Profile::Generous), |_| {})
    }

    fn scenario_in(name: &str, profile: Option<sandbox::systim::config::Profile>, edit: impl FnOnce(&mut Settings)) -> Case {
        let world = InProcess::new(name);
        if let Some(profile) = profile {
            world.sandbox.borrow_mut().set_systim_profile(profile);
        }
        world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
        let wire = Wire { world: world.clone(), rules: Rc::default() };
        let store = Store::default();
        let engine = Engine::new(wire.clone(), store.clone(), world.clock.clone());
        engine.set_dev_hosts(true); // the in-process sandbox is at loopback addresses
        let mut settings = demo_settings(&world);
        edit(&mut settings);
        block_on(engine.save_connection(connection(&world))).expect("the demo connection is valid");
        block_on(engine.save_settings(settings)).expect("the demo settings are valid");
        Case { world, wire, store, engine }
    }

    pub fn extension_page() -> Sender {
        Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://bad-input/options.html".into(), tab_id: None }
    }

    impl Case {
        /// Store another connection (it must be valid).
        pub fn reconnect(&self, edit: impl FnOnce(&mut Connection)) {
            let mut conn = connection(&self.world);
            edit(&mut conn);
            block_on(self.engine.save_connection(conn)).expect("the connection is valid");
        }

        pub fn run(&self, kind: RunKind) -> Report {
            self.run_with(kind, false)
        }

        pub fn preview(&self, kind: RunKind) -> Report {
            self.run_with(kind, true)
        }

        fn run_with(&self, kind: RunKind, dry_run: bool) -> Report {
            block_on(self.engine.run(RunRequest { kind, dry_run, confirm_zeroing: false })).expect("the run starts")
        }

        /// A message from the options page, as the background hands it over.
        pub fn ask(&self, message: Value) -> Value {
            block_on(self.engine.handle_message(&message, &extension_page())).reply
        }

        /// "Sprawdź połączenie" on the stored connection, or on `conn` before saving it.
        pub fn checks(&self, conn: Option<Connection>) -> Vec<Check> {
            block_on(self.engine.test_connection(conn))
        }

        /// A stored record as JSON.
        pub fn stored(&self, key: &str) -> Option<Value> {
            self.store.mem.raw(key).map(|text| serde_json::from_str(&text).expect("stored records are JSON"))
        }

        /// The ledger entry of a shop order.
        pub fn ledger(&self, order_id: u64) -> Option<Value> {
            self.stored(&format!("shop:{SHOP_HOST}:order:{order_id}"))
        }

        pub fn ledger_state(&self, order_id: u64) -> String {
            self.ledger(order_id).map(|e| e["state"]["state"].as_str().unwrap_or("?").to_string()).unwrap_or_else(|| "none".into())
        }

        /// Order ids whose ledger entry is still open (looked at again by every run).
        pub fn open_orders(&self) -> Vec<u64> {
            self.stored(&format!("shop:{SHOP_HOST}:open")).map(|v| serde_json::from_value(v).unwrap()).unwrap_or_default()
        }

        /// Shop stock by stock id (thousandths).
        pub fn shop_stock(&self) -> BTreeMap<u64, i64> {
            shop_stock(&self.world)
        }

        /// The shop's stock rows carrying exactly `code`: (stock id, stock).
        pub fn rows_with(&self, code: &str) -> Vec<(u64, i64)> {
            shop_rows(&self.world, &self.world.state()).into_iter().filter(|r| r.code == code).map(|r| (r.stock_id, r.stock)).collect()
        }

        fn row(&self, code: &str) -> (u64, i64) {
            *self.rows_with(code).first().unwrap_or_else(|| panic!("no shop row {code:?}"))
        }

        /// Stock of the (first) shop row carrying `code`.
        pub fn stock_of(&self, code: &str) -> i64 {
            self.row(code).1
        }

        pub fn stock_id_of(&self, code: &str) -> u64 {
            self.row(code).0
        }

        /// Connect the shop with its static API token instead of the WebAPI user, pasted as
        /// `paste` turns it.
        pub fn use_api_token(&self, paste: impl FnOnce(&str) -> String) {
            let token = self.world.sandbox.borrow().info()["shoper_token"].as_str().unwrap().to_string();
            self.reconnect(|c| {
                c.shoper_auth = ShoperAuthKind::Token;
                c.shoper_token = paste(&token);
            });
        }

        /// Systim orders carrying this shop order's import marker.
        pub fn in_systim(&self, order_id: u64) -> usize {
            marker_count(&self.world, order_id)
        }

        /// What a call to the shop's REST API with the static token answers (past faults and the
        /// request log): how a test edits the shop like the merchant in the panel.
        pub fn shop_api(&self, method: &str, path: &str, body: Value) -> Value {
            let token = self.world.sandbox.borrow().info()["shoper_token"].as_str().unwrap().to_string();
            let req =
                Request::new(method, &format!("/webapi/rest/{path}")).with_header("authorization", &format!("Bearer {token}")).with_body(body.to_string());
            let resp = self.world.sandbox.borrow_mut().shoper.handle(&req, self.now());
            assert!(resp.status < 300, "{method} {path}: {} {}", resp.status, resp.body_text());
            resp.body_json()
        }

        /// A call to the Systim account's API as its user (the merchant in the Systim panel).
        pub fn systim_api(&self, params: &[(&str, &str)]) -> Value {
            let now = self.now();
            let token = self.world.sandbox.borrow_mut().systim.issue_token(now);
            let form = params.iter().fold(shoper_systim::client::Form::new().field("token", token), |f, (k, v)| f.field(*k, *v));
            let req = Request::new("POST", "/jsonAPI.php").with_header("content-type", "application/x-www-form-urlencoded").with_body(form.encode());
            let resp = self.world.sandbox.borrow_mut().systim.handle(&req, now);
            let body = resp.body_json();
            assert_eq!(body["error"]["code"].as_i64().unwrap_or(0), 0, "{params:?}: {body}");
            body["result"].clone()
        }

        /// Place a storefront order (see `ShoperState::place_storefront_order`).
        pub fn place_order(&self, spec: Value) -> u64 {
            self.world.control("POST", "/orders", spec)["order_id"].as_u64().unwrap()
        }

        pub fn now(&self) -> u64 {
            shoper_systim::io::Clock::now_ms(&self.world.clock)
        }
    }

    /// The run stopped on `expected` (code and Polish text), quoted in the catalogue.
    pub fn failed_with(report: &Report, expected: &shoper_systim::client::ApiError) {
        assert_eq!(report.summary.outcome, Outcome::Failed, "{report:#?}");
        let error = report.error.as_ref().expect("a failed run says why");
        assert_eq!(error.code, expected.code(), "{error:?}");
        assert_eq!(error.message_pl, expected.message_pl());
        quoted(&error.message_pl);
    }

    /// The groups of `reason` in a part's problems and notes (unreadable data comes in one group
    /// per service).
    pub fn groups<'r>(report: &'r Report, part: Part, reason: &str) -> Vec<&'r ProblemGroup> {
        let section = report.sections.iter().find(|s| s.kind == part).unwrap_or_else(|| panic!("no {part:?} section: {report:#?}"));
        let found: Vec<&ProblemGroup> = section.problems.iter().chain(&section.notes).filter(|g| g.reason == reason).collect();
        assert!(!found.is_empty(), "no {reason} in {part:?}: {section:#?}");
        found
    }

    /// The (first) group of `reason` in a part's problems or notes.
    pub fn group<'r>(report: &'r Report, part: Part, reason: &str) -> &'r ProblemGroup {
        groups(report, part, reason)[0]
    }

    /// The first item of a `reason` group whose Polish detail contains every one of `parts`,
    /// quoted in the catalogue.
    pub fn item_saying<'r>(report: &'r Report, part: Part, reason: &str, parts: &[&str]) -> &'r Entry {
        let all = groups(report, part, reason);
        let item = all.iter().flat_map(|g| g.items.iter().map(move |i| (*g, i))).find(|(_, i)| parts.iter().all(|p| i.detail_pl.contains(p)));
        let (g, item) = item.unwrap_or_else(|| panic!("no {reason} item saying {parts:?}: {all:#?}"));
        quoted(&g.title_pl);
        quoted(&item.detail_pl);
        item
    }

    /// Whether a part reports `reason` at all.
    pub fn reports(report: &Report, part: Part, reason: &str) -> bool {
        report.sections.iter().filter(|s| s.kind == part).flat_map(|s| s.problems.iter().chain(&s.notes)).any(|g| g.reason == reason)
    }

    /// The item about `reference` a part lists under `reason`, if any.
    pub fn listed<'r>(report: &'r Report, part: Part, reason: &str, reference: &str) -> Option<&'r Entry> {
        let in_part = report.sections.iter().filter(|s| s.kind == part).flat_map(|s| s.problems.iter().chain(&s.notes));
        in_part.filter(|g| g.reason == reason).flat_map(|g| &g.items).find(|i| i.reference == reference)
    }

    /// The item of a group about `reference` (an order "Zamówienie 12", a code), its title and
    /// detail quoted in the catalogue.
    pub fn shown<'r>(report: &'r Report, part: Part, reason: &str, reference: &str) -> &'r Entry {
        let all = groups(report, part, reason);
        let (g, item) = all
            .iter()
            .find_map(|g| g.items.iter().find(|i| i.reference == reference).map(|i| (g, i)))
            .unwrap_or_else(|| panic!("{reason} does not list {reference}: {all:#?}"));
        quoted(&g.title_pl);
        quoted(&item.detail_pl);
        item
    }

    /// The check of "Sprawdź połączenie" with this id.
    pub fn check<'c>(checks: &'c [Check], id: &str) -> &'c Check {
        checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}: {checks:#?}"))
    }

    /// A check that failed with `message` and a fix, both quoted in the catalogue.
    pub fn check_failed(checks: &[Check], id: &str, message: &str) {
        let c = check(checks, id);
        assert_eq!((c.status, c.message_pl.as_str()), (CheckStatus::Failed, message), "{c:#?}");
        quoted(&c.message_pl);
        if let Some(fix) = &c.fix_pl {
            quoted(fix);
        }
    }

    /// A run that finished without stopping on an error.
    pub fn finished(report: &Report) {
        assert!(report.error.is_none() && report.summary.outcome != Outcome::Failed, "{:?}: {report:#?}", report.error);
    }

    /// A part's done count.
    pub fn done(report: &Report, part: Part) -> u32 {
        report.sections.iter().find(|s| s.kind == part).map_or(0, |s| s.counts.done)
    }

    /// An `Edit` answer from a closure.
    pub fn edit(f: impl Fn(&str) -> String + 'static) -> Answer {
        Answer::Edit(Rc::new(f))
    }

    /// An `Edit` that rewrites the JSON of Systim's `result` (an object keyed by id).
    pub fn edit_result(f: impl Fn(&mut serde_json::Map<String, Value>) + 'static) -> Answer {
        edit(move |body| {
            let mut v: Value = serde_json::from_str(body).expect("Systim answers JSON");
            f(v["result"].as_object_mut().expect("a list keyed by id"));
            v.to_string()
        })
    }
}

/// Run `act`; then neither service has changed, and the stored connection, settings and order
/// ledger (every `shop:` record) are as they were.
pub(crate) fn nothing_changes<T>(case: &Case, act: impl FnOnce() -> T) -> T {
    let kept = |case: &Case| -> Vec<(String, Option<String>)> {
        let mut keys = case.store.mem.keys().into_iter().filter(|k| k.starts_with("shop:")).collect::<Vec<_>>();
        keys.extend(["connection".to_string(), "settings".to_string()]);
        keys.into_iter().map(|k| (k.clone(), case.store.mem.raw(&k))).collect()
    };
    let (services, stored) = (business_state(&case.world), kept(case));
    let out = act();
    assert_eq!(business_state(&case.world), services, "a service was changed");
    assert_eq!(kept(case), stored, "the extension's stored state was changed");
    out
}

// ---------------------------------------------------------------------------------------------
// Connection: keys, addresses, hosts. A run stops before writing anything; "Sprawdź połączenie"
// names the failing step and the fix.

/// Set up a wrong connection; every run kind stops on `error` and changes nothing; the connection
/// test fails at `check` with the same text.
fn refused(break_it: impl FnOnce(&Case), error: ApiError, check_id: &str) {
    let case = demo();
    break_it(&case);
    nothing_changes(&case, || {
        for kind in [RunKind::Orders, RunKind::SendProducts] {
            failed_with(&case.run(kind), &error);
        }
        check_failed(&case.checks(None), check_id, &error.message_pl());
    });
}

/// A host that answers with a web page to every request.
pub(crate) fn serves_page(case: &Case, origin: &str, status: u16, page: &str) {
    case.wire.rewrite(origin, "", Answer::Page(status, page.to_string()), u32::MAX);
}

const LANDING_PAGE: &str =
    "<!DOCTYPE html><html lang=\"pl\"><head><title>Sklep z herbatą — wkrótce otwarcie</title></head><body><h1>Już wkrótce!</h1></body></html>";

macro_rules! refusals {
    ($($(#[$doc:meta])* $name:ident: |$case:ident| $setup:expr => $error:expr, $check:literal;)+) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            refused(|$case: &Case| $setup, $error, $check);
        }
    )+};
}

refusals! {
    /// The WebAPI user's password is wrong.
    wrong_shop_password: |case| case.reconnect(|c| c.shoper_password = "Sklep!Haslo2025".into())
        => ApiError::ShoperAuthFailed(AuthFailure::WrongCredentials), "shop_credentials";
    /// An API token from "Dodaj integrację" that was revoked or has expired.
    expired_api_token: |case| {
        case.use_api_token(str::to_string);
        configure_shoper(&case.world, json!({"static_token_enabled": false}));
    } => ApiError::ShoperApiTokenRejected, "shop_credentials";
    /// An API token whose integration was not granted the orders area.
    api_token_without_orders_area: |case| {
        case.use_api_token(str::to_string);
        configure_shoper(&case.world, json!({"token_scopes": ["products", "categories", "taxes", "units", "statuses", "languages", "application", "warehouses"]}));
    } => ApiError::ShoperPermissionMissing { area: PermissionArea::Orders, access: Access::Read }, "shop_scope_orders";
    /// The Systim key is not the user's API key (e.g. the panel password).
    wrong_systim_key: |case| case.reconnect(|c| c.systim_key = "HasloDoPanelu1".into())
        => ApiError::SystimWrongCredentials, "systim_login";
    /// A Systim account name with a typo: no such host.
    unknown_systim_account: |case| case.reconnect(|c| c.systim_account = "herbaciarnia-zielinska".into())
        => ApiError::Unreachable { service: Service::Systim }, "systim_reachable";
    /// The shop address is a landing page on another platform, not a Shoper shop.
    shop_url_not_a_shoper_shop: |case| {
        case.reconnect(|c| c.shop_url = "https://herbata-wkrotce.pl".into());
        serves_page(case, "https://herbata-wkrotce.pl", 200, LANDING_PAGE);
    } => ApiError::NotJson { service: Service::Shoper, status: 200 }, "shop_is_shoper";
    /// The shop address is a site that answers 404 to the API paths (another server).
    shop_url_of_another_server: |case| {
        case.reconnect(|c| c.shop_url = "https://blog.herbaciarnia.pl".into());
        serves_page(case, "https://blog.herbaciarnia.pl", 404, "<html><body>404 Not Found</body></html>");
    } => ApiError::ShoperWrongAddress, "shop_is_shoper";
    /// The shop's host does not resolve (a typo, or the shop was closed).
    unreachable_shop_host: |case| case.reconnect(|c| c.shop_url = "https://herbaciarnia-zielinska.pl".into())
        => ApiError::Unreachable { service: Service::Shoper }, "shop_reachable";
}

/// The options page sends a connection with one field edited: refused with the field named and
/// its Polish message; the stored connection stays; the connection test names the same field.
fn field_refused(edit: impl FnOnce(&mut Connection), field: &str, message: &str) {
    let case = demo();
    let mut conn = connection(&case.world);
    edit(&mut conn);
    nothing_changes(&case, || {
        let reply = case.ask(json!({"type": "saveConnection", "connection": conn}));
        assert_eq!(reply["error"]["code"], "invalid_fields", "{reply}");
        quoted(reply["error"]["message_pl"].as_str().unwrap());
        let fields = reply["error"]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), 1, "{reply}");
        assert_eq!((fields[0]["field"].as_str(), fields[0]["message_pl"].as_str()), (Some(field), Some(message)));
        quoted(message);
        check_failed(&case.checks(Some(conn.clone())), &format!("field_{field}"), message);
    });
}

macro_rules! field_refusals {
    ($($(#[$doc:meta])* $name:ident: |$c:ident| $edit:expr => $field:literal, $message:expr;)+) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            field_refused(|$c: &mut Connection| $edit, $field, &$message);
        }
    )+};
}

field_refusals! {
    /// `http://` to a shop on the internet.
    shop_url_without_https: |c| c.shop_url = "http://herbaciarnia.pl".into() => "shopUrl", AddressProblem::InsecureHttp.message_pl(Service::Shoper);
    /// Another scheme than https.
    shop_url_with_another_scheme: |c| c.shop_url = "ftp://herbaciarnia.pl".into() => "shopUrl", AddressProblem::UnsupportedScheme.message_pl(Service::Shoper);
    /// A login and password typed into the address.
    shop_url_with_login_inside: |c| c.shop_url = "https://admin:Sklep!Haslo@herbaciarnia.pl".into() => "shopUrl", AddressProblem::ContainsCredentials.message_pl(Service::Shoper);
    /// A space in the host name.
    shop_url_with_space: |c| c.shop_url = "https://herbaciarnia .pl".into() => "shopUrl", AddressProblem::InvalidHost.message_pl(Service::Shoper);
    /// A Systim address without https.
    systim_url_without_https: |c| c.systim_account = "http://firma.systim.pl".into() => "systimAccount", AddressProblem::InsecureHttp.message_pl(Service::Systim);
    /// An API token copied with a line break in the middle.
    api_token_broken_in_two: |c| { c.shoper_auth = ShoperAuthKind::Token; c.shoper_token = "b3f1c0de5a5a5a5a0123456789abcdef\n0123456789abcdef0123456789abcdef".into(); }
        => "shoperToken", "Token API składa się tylko z liter i cyfr — sprawdź, czy skopiowano go w całości.";
    /// No Systim key at all.
    systim_key_missing: |c| c.systim_key = "   ".into() => "systimKey", "Podaj klucz API Systim (Ustawienia → Użytkownicy → Opcje → Wygeneruj klucz).";
}

/// Input a merchant copies carelessly but that names the right thing: accepted, normalised, and
/// the run imports every eligible order exactly once.
fn accepted(connect: impl FnOnce(&Case)) {
    let case = demo();
    connect(&case);
    finished(&case.run(RunKind::Orders));
    assert_orders_settled(&case.world);
    assert_eq!(audit(&case.world).imported, 11);
}

/// The shop address copied from the admin panel's address bar.
#[test]
fn shop_url_copied_from_the_admin_panel() {
    accepted(|case| case.reconnect(|c| c.shop_url = format!("  {SHOP_URL}/admin/orders/list?filter=new  ")));
}

/// An API token pasted with spaces and a line break around it.
#[test]
fn api_token_pasted_with_spaces_around() {
    accepted(|case| case.use_api_token(|token| format!("  {token}\n")));
}

/// The WebAPI session cached from an earlier run has expired in the shop: one fresh log-in.
#[test]
fn shop_session_expired_between_runs() {
    let case = demo();
    finished(&case.run(RunKind::Stock));
    case.world.control("POST", "/shoper/expire-tokens", Value::Null);
    finished(&case.run(RunKind::Orders));
    assert_orders_settled(&case.world);
}

/// Someone logged into the Systim panel with the integration's user, which ends its API session.
#[test]
fn systim_session_ended_by_a_panel_login() {
    let case = demo();
    finished(&case.run(RunKind::Stock));
    case.world.control("POST", "/systim/kill-tokens", Value::Null);
    finished(&case.run(RunKind::Orders));
    assert_orders_settled(&case.world);
}

// ---------------------------------------------------------------------------------------------
// What comes over the wire: pages instead of JSON, JSON cut off, numbers in other spellings.

/// A run stops on `error` with nothing changed; once the service answers properly again the next
/// run does all the work, each order exactly once.
fn stops_then_recovers(case: &Case, kind: RunKind, error: ApiError) {
    nothing_changes(case, || failed_with(&case.run(kind), &error));
    case.world.control("DELETE", "/faults", Value::Null);
    case.wire.heal();
    let before = case.shop_stock();
    finished(&case.run(RunKind::SendStock));
    assert_orders_settled(&case.world);
    assert_stock_as_demanded(&case.world, &before);
}

/// Systim answers a read with a PHP error page (status 200), every time the client retries.
#[test]
fn systim_html_page_instead_of_json() {
    let case = demo();
    inject(&case.world, "systim", "html_page", 10, "listProducts");
    stops_then_recovers(&case, RunKind::SendStock, ApiError::NotJson { service: Service::Systim, status: 200 });
}

/// The shop's gateway answers with an nginx "502 Bad Gateway" page, every time the client retries.
#[test]
fn shop_html_error_page_instead_of_json() {
    let case = demo();
    // The run's reads (dictionaries, catalogue, the first page of new orders) travel in `/bulk`.
    inject(&case.world, "shoper", "html_page", 10, "/bulk");
    stops_then_recovers(&case, RunKind::SendStock, ApiError::ServerError { service: Service::Shoper, status: 502 });
}

/// Half of a JSON text.
fn cut_in_half(body: &str) -> String {
    body[..body.len() / 2].to_string()
}

/// The shop's product list arrives cut off in the middle of the JSON.
#[test]
fn truncated_json_from_the_shop() {
    let case = demo();
    case.wire.rewrite(SHOP_URL, "/product-stocks", edit(cut_in_half), 1);
    stops_then_recovers(&case, RunKind::SendStock, ApiError::MalformedJson { service: Service::Shoper });
}

/// Systim's stock list arrives cut off, every time the client retries.
#[test]
fn truncated_json_from_systim() {
    let case = demo();
    case.wire.rewrite(SYSTIM_URL, "act=listPQuantities", edit(cut_in_half), u32::MAX);
    stops_then_recovers(&case, RunKind::SendStock, ApiError::MalformedJson { service: Service::Systim });
}

/// Systim creates the order but its answer comes back as a PHP error page, or cut off: the
/// outcome is unknown. The order waits; the next run finds it by its marker or sends it again —
/// either way it is in Systim exactly once.
fn unknown_outcome_of_add_order(answer: Answer, committed: bool) {
    let case = generous_demo(); // the marker check needs listOrders (without it: lost_answer_on_an_account_without_list_orders)
    case.wire.rewrite(SYSTIM_URL, "act=addOrder", answer, 1);
    let first = case.run(RunKind::Orders);
    assert_eq!(case.in_systim(1), usize::from(committed));
    if committed {
        // The check after the sends finds it by its marker in the same run: imported, not
        // held, and never sent again.
        let found = first.sections[0].done.iter().find(|e| e.reference == "Zamówienie 1").expect("reported as found");
        quoted(&found.detail_pl);
        assert_eq!(case.ledger_state(1), "imported");
        assert!(!first.sections[0].problems.iter().any(|g| g.reason == "import_outcome_unknown"), "{:?}", first.sections[0].problems);
    } else {
        let item = shown(&first, Part::Orders, "import_outcome_unknown", "Zamówienie 1");
        assert_eq!(item.detail_pl, ApiError::OutcomeUnknown { service: Service::Systim, cause: Interruption::UnreadableAnswer }.message_pl());
        assert_eq!(case.ledger_state(1), "intent");
    }
    let second = case.run(RunKind::Orders);
    finished(&second);
    assert_eq!(case.in_systim(1), 1);
    assert_eq!(case.ledger_state(1), "imported");
    assert_orders_settled(&case.world);
}

/// `addOrder` answered by a PHP error page: Systim created nothing.
#[test]
fn systim_html_page_instead_of_the_add_order_answer() {
    unknown_outcome_of_add_order(Answer::Page(200, "<br />\n<b>Fatal error</b>: Allowed memory size exhausted in <b>/var/www/jsonAPI.php</b>".into()), false);
}

/// `addOrder` created the order, but its answer arrives cut off.
#[test]
fn truncated_answer_to_add_order() {
    unknown_outcome_of_add_order(edit(cut_in_half), true);
}

/// Systim's answers in another dialect: every run still writes exactly what the rules demand.
fn systim_dialect(knobs: Value) {
    let case = if knobs["profile"] == "generous" { generous_demo() } else { demo() };
    configure_systim(&case.world, knobs);
    let before = case.shop_stock();
    finished(&case.run(RunKind::SendStock));
    assert_orders_settled(&case.world);
    assert_stock_as_demanded(&case.world, &before);
}

macro_rules! dialects {
    ($($(#[$doc:meta])* $name:ident: $knobs:tt;)+) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            systim_dialect(json!($knobs));
        }
    )+};
}

dialects! {
    /// Decimal numbers with a comma (`"3,750"`, `"30,00"`).
    systim_numbers_with_commas: {"decimal_comma": true};
    /// Lists as JSON arrays instead of objects keyed by id (with `listPQuantities` rows that
    /// carry `id_produktu`: an array of rows without it can be joined by barcode only, which
    /// `tests/systim_stock_rows.rs` covers).
    systim_lists_as_arrays: {"lists_as_arrays": true, "profile": "generous"};
    /// Error codes as strings (`"0"`).
    systim_codes_as_strings: {"code_as_string": true};
    /// Empty texts as `null`.
    systim_nulls_for_empty_texts: {"unset_as_null": true};
    /// An empty list as `{}` instead of code 8.
    systim_empty_lists_as_objects: {"empty_list": "object"};
}

/// Systim's quantity of one product replaced by `text` in its stock list.
pub(crate) fn systim_quantity_reads(case: &Case, code: &str, text: &'static str) {
    let id = systim_product_id(&case.world, code).to_string();
    case.wire.rewrite(SYSTIM_URL, "act=listPQuantities", edit_result(move |list| list[&id]["ilosc"] = json!(text)), u32::MAX);
}

/// A quantity that cannot be read exactly: that product's shop stock stays as it was (never
/// taken as 0), the report names the field; every other row gets its value.
fn quantity_unreadable(text: &'static str) {
    let case = demo();
    systim_quantity_reads(&case, "KAW-ETI-250", text);
    let before = case.shop_stock();
    let report = case.run(RunKind::Stock);
    finished(&report);
    assert_eq!(case.stock_of("KAW-ETI-250"), before[&case.stock_id_of("KAW-ETI-250")]);
    item_saying(&report, Part::Stock, "unreadable_data", &["„ilosc”", text]);
    let mut others = case.shop_stock();
    others.remove(&case.stock_id_of("KAW-ETI-250"));
    let expected = expected_stock(&case.world);
    assert!(others.iter().all(|(id, v)| expected.get(id).is_none_or(|want| want == v)));
}

/// More digits than any stock can have.
#[test]
fn stock_too_large_to_read() {
    quantity_unreadable("99999999999999999999");
}

/// More decimals than a quantity keeps (thousandths).
#[test]
fn stock_with_too_many_decimals() {
    quantity_unreadable("12.3456");
}

/// A word where a quantity belongs.
#[test]
fn stock_that_is_not_a_number() {
    quantity_unreadable("brak");
}

/// A huge but real stock reaches the shop exactly (no float rounding, no overflow).
#[test]
fn huge_stock() {
    let case = demo();
    let id = systim_product_id(&case.world, "KAW-ETI-250");
    case.world.control("POST", "/systim/stock", json!({"product_id": id, "store_id": 1, "quantity": "2000000000"}));
    finished(&case.run(RunKind::Stock));
    assert_eq!(case.stock_of("KAW-ETI-250"), 2_000_000_000_000);
}

/// Negative stock in Systim (overselling allowed there): the shop gets 0, with a note.
#[test]
fn negative_stock() {
    let case = demo();
    let report = case.run(RunKind::Stock);
    finished(&report);
    assert_eq!(case.stock_of("HER-CZA-50"), 0);
    shown(&report, Part::Stock, "negative_systim_stock", "HER-CZA-50");
}

/// 7.5 in Systim for a product sold by the piece: the shop, which refuses fractional stock for
/// such units, gets 7, with a note.
#[test]
fn fractional_stock_for_a_whole_unit() {
    let case = demo();
    configure_shoper(&case.world, json!({"fractional_stock": "reject"}));
    let report = case.run(RunKind::Stock);
    finished(&report);
    assert_eq!(case.stock_of("KOSZ-BAW-L"), 7_000);
    assert!(!reports(&report, Part::Stock, "stock_write_failed"));
    shown(&report, Part::Stock, "rounded_down", "KOSZ-BAW-L");
}

/// Systim shows 0 for everything (a new, empty store was linked): the brake stops the push; the
/// shop keeps its stock until the merchant confirms.
#[test]
fn systim_stock_all_zero() {
    let case = demo();
    case.wire.rewrite(SYSTIM_URL, "act=listPQuantities", edit_result(|list| list.values_mut().for_each(|row| row["ilosc"] = json!("0.000"))), u32::MAX);
    let before = case.shop_stock();
    let report = case.run(RunKind::Stock);
    assert_eq!(report.summary.outcome, Outcome::Refused);
    assert_eq!(case.shop_stock(), before);
    let g = group(&report, Part::Stock, "mass_zero_brake");
    quoted(&g.title_pl);
    quoted(&g.advice_pl);
    let confirmed = pollster::block_on(case.engine.run(RunRequest { kind: RunKind::Stock, dry_run: false, confirm_zeroing: true })).unwrap();
    finished(&confirmed);
    assert!(case.stock_of("KUB-300") == 0 && case.stock_of("KAW-ETI-250") == 0, "the confirmed run did not zero");
}

// ---------------------------------------------------------------------------------------------
// The catalogue's traps: codes, prices, categories, VAT. Nothing is guessed: the row keeps its
// stock, no duplicate product is created, the report names the row and why.

/// After "Wyślij produkty", the shop rows with `code` keep their stock and their number, `reason`
/// is reported for `reference`, and every other row carries what the rules demand.
fn left_alone(code: &str, reason: &str, reference: &str) {
    left_alone_in(demo(), code, reason, reference);
}

fn left_alone_in(case: Case, code: &str, reason: &str, reference: &str) {
    let before = case.shop_stock();
    let trapped = case.rows_with(code);
    assert!(!trapped.is_empty(), "no shop row {code:?}");
    let report = case.run(RunKind::SendProducts);
    finished(&report);
    assert_eq!(case.rows_with(code), trapped, "{code:?} was changed or duplicated");
    shown(&report, Part::Stock, reason, reference);
    assert_stock_as_demanded(&case.world, &before);
}

macro_rules! traps {
    ($($(#[$doc:meta])* $name:ident: $code:literal, $reason:literal, $reference:literal;)+) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            left_alone($code, $reason, $reference);
        }
    )+};
}

traps! {
    /// Two Systim products share the code `MIOD-LIP`.
    duplicated_code_in_systim: "MIOD-LIP", "ambiguous_code", "MIOD-LIP";
    /// Two shop products share the code `LYZ-SRE`.
    duplicated_code_in_the_shop: "LYZ-SRE", "ambiguous_code", "LYZ-SRE";
    /// A shop product without a code.
    empty_code_in_the_shop: "", "blank_code", "";
    /// `MLY-ZEL` in the shop, `MLY-ZEL ` (trailing space) in Systim.
    code_with_a_trailing_space: "MLY-ZEL", "near_miss", "MLY-ZEL";
    /// `czek-gorz-70` in the shop, `CZEK-GORZ-70` in Systim.
    code_differing_in_letter_case: "czek-gorz-70", "near_miss", "czek-gorz-70";
    /// Gross price 0 in Systim.
    zero_price_in_systim: "GRAT-KUB", "systim_price_not_positive", "GRAT-KUB";
    /// Gross price 0 in the shop.
    zero_price_in_the_shop: "PROBKA-HER", "shop_price_not_positive", "PROBKA-HER";
    /// 8 % in Systim, 5 % in the shop.
    vat_rate_differs: "ZUR-SUSZ", "vat_differs", "ZUR-SUSZ";
    /// `0%` in the shop, `zw` (exempt) in Systim: both zero, not the same rate.
    zero_rate_versus_exempt: "VOUCH-50", "vat_differs", "VOUCH-50";
}

/// `Kubki i filizanki` in Systim, `Kubki i filiżanki` in the shop (Systim's category names come
/// from `listCategories`: an account without it has the rule off — `category_unverifiable`).
#[test]
fn category_spelled_differently() {
    left_alone_in(generous_demo(), "FIL-POR", "category_differs", "FIL-POR");
}

/// With „Luźne porównywanie kodów produktów” on, codes differing in spaces or case match, and
/// the report says so.
#[test]
fn codes_matched_when_loose_comparison_is_on() {
    let case = scenario("demo", |s| s.matching.normalize_codes = true);
    let report = case.run(RunKind::Stock);
    finished(&report);
    assert_eq!((case.stock_of("MLY-ZEL"), case.stock_of("czek-gorz-70")), (6_000, 25_000));
    shown(&report, Part::Stock, "matched_after_normalization", "MLY-ZEL");
}

/// A Systim product without a code is created once as `SYSTIM-<id>` and recognised afterwards.
#[test]
fn systim_product_without_a_code() {
    let case = demo();
    let id = case.world.sandbox.borrow().systim.product_ids_by_code("")[0];
    let generated = format!("SYSTIM-{id}");
    let report = case.run(RunKind::Products);
    shown(&report, Part::Products, "generated_code", &generated);
    assert_eq!(case.rows_with(&generated).len(), 1);
    case.run(RunKind::Products);
    assert_eq!(case.rows_with(&generated).len(), 1, "created twice");
}

/// A Systim product in a category the shop does not have (`Szkło`) is not created.
#[test]
fn systim_category_missing_in_the_shop() {
    let case = generous_demo(); // Systim's category names come from listCategories
    let report = case.run(RunKind::Products);
    let id = systim_product_id(&case.world, "NOW-NOWA-KAT");
    shown(&report, Part::Products, "category_missing_in_shop", &format!("Systim #{id}"));
    assert!(case.rows_with("NOW-NOWA-KAT").is_empty());
}

/// A shop product with only an English name (no `pl_PL` translation) in a two-language shop:
/// it is still matched by code and gets its stock; the report names the missing translation;
/// no second product is created for it.
#[test]
fn product_without_a_polish_name() {
    let case = scenario("multilang", |_| {});
    let report = case.run(RunKind::SendProducts);
    finished(&report);
    assert_eq!(case.stock_of("SITKO-EN"), 6_000);
    assert_eq!(case.rows_with("SITKO-EN").len(), 1);
    item_saying(&report, Part::Stock, "data_notes", &["„translations.pl_PL”"]);
}

/// The shop has the warehouses module on, the settings still push the whole stock: stock and
/// product pushes stop before any write; orders are imported; the connection test warns.
#[test]
fn shop_with_multiple_warehouses() {
    let case = scenario("warehouses", |_| {});
    let products = shop_rows(&case.world, &case.world.state()).len();
    let before = case.shop_stock();
    let report = case.run(RunKind::SendProducts);
    finished(&report);
    assert_eq!(case.shop_stock(), before);
    assert_eq!(shop_rows(&case.world, &case.world.state()).len(), products);
    for part in [Part::Stock, Part::Products] {
        shown(&report, part, "warehouse_mapping_invalid", "");
    }
    assert_orders_settled(&case.world);
    let checks = case.checks(None);
    let warning = check(&checks, "shop_warehouses");
    assert_eq!(warning.status, CheckStatus::Warning);
    quoted(&warning.message_pl);
}

// ---------------------------------------------------------------------------------------------
// Orders: held with the reason until the merchant fixes it, then imported exactly once.

/// A held order is in the ledger as held and looked at again by every run.
fn held(case: &Case, order_id: u64) {
    assert_eq!(case.in_systim(order_id), 0, "order {order_id} reached Systim");
    assert_eq!(case.ledger_state(order_id), "held");
    assert!(case.open_orders().contains(&order_id));
}

/// Two order runs in a row hold the order for `reason`, saying so each time.
fn held_on_every_run(case: &Case, order_id: u64, reason: &str) {
    for _ in 0..2 {
        let report = case.run(RunKind::Orders);
        shown(&report, Part::Orders, reason, &format!("Zamówienie {order_id}"));
        held(case, order_id);
    }
}

/// An order whose product was deleted from the shop since; Systim still has it.
#[test]
fn deleted_product_in_an_order() {
    let case = demo();
    finished(&case.run(RunKind::Orders));
    assert_eq!(case.in_systim(7), 1);
    assert_orders_settled(&case.world);
}

/// A customer who left the street, postcode and city empty.
#[test]
fn customer_without_an_address() {
    let case = demo();
    held_on_every_run(&case, 12, "address_incomplete");
    let address = json!({"street1": "Polna 7", "postcode": "90-001", "city": "Łódź"});
    case.shop_api("PUT", "orders/12", json!({"billing_address": address, "delivery_address": address}));
    finished(&case.run(RunKind::Orders));
    assert_eq!(case.in_systim(12), 1);
    assert!(!case.open_orders().contains(&12));
    assert_orders_settled(&case.world);
}

/// The buyer's NIP as the customer typed it.
fn order_with_nip(case: &Case, nip: &str) -> u64 {
    case.place_order(json!({"lines": [{"code": "KUB-300", "quantity": 1}], "company": "Herbaciarnia Zielińska Sp. z o.o.", "nip": nip}))
}

/// The `nip` the Systim order of a shop order was sent with.
fn systim_nip(case: &Case, order_id: u64) -> String {
    let marker = format!("Shoper {order_id} @ {SHOP_HOST}");
    let order = systim_orders(&case.world).into_iter().find(|o| o["uwagi"].as_str().is_some_and(|u| u.starts_with(&marker))).expect("in Systim");
    order["sent"]["nip"].as_str().unwrap_or("").to_string()
}

/// NIP with dashes, spaces, a PL prefix in any case: Systim gets the ten digits.
#[test]
fn nip_in_every_spelling() {
    let case = demo();
    let spellings = ["586-212-09-28", "586 212 09 28", "PL5862120928", "pl 586-212-09-28", "PL-586 21 20 928", " 5862120928 "];
    let ids: Vec<u64> = spellings.iter().map(|nip| order_with_nip(&case, nip)).collect();
    finished(&case.run(RunKind::Orders));
    for (id, spelling) in ids.iter().zip(spellings) {
        assert_eq!(systim_nip(&case, *id), "5862120928", "{spelling:?}");
    }
    for (id, nip) in [(2, "5862120928"), (3, "5250001233"), (10, "5252248481")] {
        assert_eq!(systim_nip(&case, id), nip);
    }
}

/// A NIP with a wrong check digit.
#[test]
fn nip_with_a_wrong_check_digit() {
    let case = demo();
    let id = order_with_nip(&case, "586-212-09-29");
    held_on_every_run(&case, id, "invalid_nip");
}

/// A foreign EU VAT number: passed on as typed, with a note.
#[test]
fn foreign_vat_number() {
    let case = demo();
    let id = order_with_nip(&case, "DE123456789");
    let report = case.run(RunKind::Orders);
    shown(&report, Part::Orders, "foreign_vat_id", &format!("Zamówienie {id}"));
    assert_eq!(systim_nip(&case, id), "DE123456789");
}

/// A line given away for 0.00 zł next to a paid one.
#[test]
fn zero_price_line_in_an_order() {
    let case = demo();
    let id = case.place_order(json!({"lines": [{"code": "KUB-300", "quantity": 1}, {"code": "HER-ZIE-100", "quantity": 1, "price": "0.00"}]}));
    finished(&case.run(RunKind::Orders));
    assert_eq!(case.in_systim(id), 1);
    assert_orders_settled(&case.world);
}

/// An order with a product Systim does not have: held until the product is added in Systim.
#[test]
fn ordered_product_missing_in_systim() {
    let case = demo();
    held_on_every_run(&case, 6, "not_in_systim");
    let like = &case.world.state()["systim"]["products"].as_array().unwrap()[0].clone();
    case.systim_api(&[
        ("act", "addProduct"),
        ("nazwa", "Serwetki lniane"),
        ("kod_produktu", "TYLKO-SKLEP-ZAM"),
        ("cena_brutto", "29.00"),
        ("cena_netto", "23.58"),
        ("id_kategorii", &like["id_kategorii"].to_string()),
        ("stawka_vat", &like["stawka_vat"].to_string()),
        ("rodzaj", "0"),
    ]);
    finished(&case.run(RunKind::Orders));
    assert_eq!(case.in_systim(6), 1);
    assert_orders_settled(&case.world);
}

/// „Domyślna forma dostawy Systim” points at a method the account does not have: Systim refuses
/// each order (nothing created); once the setting is fixed each is imported once.
#[test]
fn delivery_method_unknown_to_systim() {
    let case = scenario("demo", |s| s.orders.default_delivery_id = Some(99));
    let report = case.run(RunKind::Orders);
    let item = shown(&report, Part::Orders, "systim_invalid_fields", "Zamówienie 1");
    assert!(item.detail_pl.contains("id_dostawy"), "{item:?}");
    assert!(systim_orders(&case.world).is_empty());
    held(&case, 1);
    let mut settings = demo_settings(&case.world);
    settings.orders.default_delivery_id = Some(1);
    assert_eq!(case.ask(json!({"type": "saveSettings", "settings": settings}))["ok"], true);
    finished(&case.run(RunKind::Orders));
    assert_orders_settled(&case.world);
}

/// No start point chosen: a real run imports nothing (not the shop's whole history) and says
/// why; the preview shows what would be imported.
#[test]
fn no_start_point_chosen() {
    let case = scenario("demo", |s| s.orders.start = shoper_systim::settings::StartPoint::Unset);
    let preview = case.preview(RunKind::Orders);
    assert!(done(&preview, Part::Orders) > 0);
    let report = nothing_changes(&case, || case.run(RunKind::Orders));
    let g = group(&report, Part::Orders, "start_point_unset");
    quoted(&g.title_pl);
    quoted(&g.advice_pl);
}

// ---------------------------------------------------------------------------------------------
// Systim accounts without the ASSUMED methods.

/// An account that knows none of the ASSUMED methods: the connection test names them; a run
/// creates nothing in either service and changes no stock.
#[test]
fn systim_account_without_the_assumed_methods() {
    let case = demo();
    configure_systim(&case.world, json!({"assumed_methods": false}));
    let checks = case.checks(None);
    assert_eq!(check(&checks, "systim_methods").status, CheckStatus::Ok, "the basic methods work");
    for act in ["listOrders", "listCategories", "listStores", "listDeliveryMethods", "listPaymentMethods"] {
        let c = check(&checks, &format!("systim_method_{act}"));
        assert_eq!(c.status, CheckStatus::Warning, "{act}");
        quoted(&c.message_pl);
    }
    let before = business_state(&case.world);
    // (without the assumed listProducts fields the products come without codes: one clear
    // problem, nothing written)
    finished(&case.run(RunKind::SendProducts));
    assert_eq!(business_state(&case.world), before);
}

/// An account without `listOrders`, and `addOrder`'s answer is lost after Systim created the
/// order: the order cannot be checked, so it is never sent again; the merchant is asked.
#[test]
fn lost_answer_on_an_account_without_list_orders() {
    let case = demo();
    configure_systim(&case.world, json!({"disabled_methods": ["listOrders"]}));
    inject(&case.world, "systim", "drop_after_commit", 1, "addOrder");
    case.run(RunKind::Orders);
    for _ in 0..2 {
        let report = case.run(RunKind::Orders);
        shown(&report, Part::Orders, "import_unverifiable", "Zamówienie 1");
        assert_eq!(case.in_systim(1), 1);
        assert_eq!(case.ledger_state(1), "unverifiable");
    }
}

// ---------------------------------------------------------------------------------------------
// The extension's own storage and settings.

/// The browser's storage is full when the order ledger is written: no order is sent without its
/// intent on record; after space is freed the next run imports each exactly once.
#[test]
fn storage_full_before_an_import() {
    let case = demo();
    case.store.fill_up(|key, _| key.contains(":order:"));
    storage_full_stops_the_run(&case);
    assert!(systim_orders(&case.world).is_empty(), "an order was sent without its intent on record");
    case.store.free_up();
    finished(&case.run(RunKind::Orders));
    assert_orders_settled(&case.world);
}

/// The storage fills up right after Systim accepted an order, before the import is recorded:
/// the order's intent stays, and the next run finds the order in Systim by its marker instead
/// of sending it again.
#[test]
fn storage_full_right_after_an_order_was_sent() {
    let case = demo();
    case.store.fill_up(|_, value| value.contains("\"state\":\"imported\""));
    storage_full_stops_the_run(&case);
    assert_eq!((case.in_systim(1), case.ledger_state(1)), (1, "intent".to_string()));
    case.store.free_up();
    finished(&case.run(RunKind::Orders));
    assert_eq!(case.in_systim(1), 1);
    assert_orders_settled(&case.world);
}

/// An order run that stops because the storage is full, and says so.
fn storage_full_stops_the_run(case: &Case) {
    let report = case.run(RunKind::Orders);
    assert_eq!(report.summary.outcome, Outcome::Failed);
    let error = report.error.as_ref().unwrap();
    assert_eq!(error.code, "storage_quota");
    quoted(&error.message_pl);
}

/// The storage is full when the merchant saves the settings: refused, the old ones stay.
#[test]
fn storage_full_when_saving_settings() {
    let case = demo();
    let stored = case.stored("settings");
    case.store.mem.set_quota(Some(case.store.mem.total_bytes()));
    let mut settings = demo_settings(&case.world);
    settings.interval_minutes = 15;
    let reply = case.ask(json!({"type": "saveSettings", "settings": settings}));
    assert_eq!(reply["ok"], false);
    quoted(reply["error"]["message_pl"].as_str().unwrap());
    assert_eq!(case.stored("settings"), stored);
}

/// Settings saved by an older version: fewer fields, one this version no longer knows. They
/// load with the merchant's choices kept and the new fields at their defaults, and a run uses
/// them (the start date and shipping service of the old settings).
#[test]
fn settings_from_an_older_version() {
    let case = demo();
    let shipping = systim_product_id(&case.world, "DOSTAWA");
    let old = json!({
        "auto_sync": true, "interval_minutes": 15, "legacy_webhook_secret": "x",
        "orders": {"origins": ["storefront"], "start": {"kind": "date", "value": "2026-11-01"}, "shipping_product_id": shipping,
                   "default_delivery_id": 1, "default_payment_id": 1},
    });
    store_raw(&case, "settings", &old);
    let reply = case.ask(json!({"type": "getSettings"}));
    let settings = &reply["settings"];
    assert_eq!((settings["auto_sync"].as_bool(), settings["interval_minutes"].as_u64()), (Some(true), Some(15)));
    assert_eq!(settings["orders"]["start"]["value"], "2026-11-01");
    assert_eq!(settings["stock"]["max_zero_share_percent"], 20);
    finished(&case.run(RunKind::Orders));
    assert_orders_settled(&case.world);
    assert_eq!(case.stored("settings"), Some(old), "reading rewrote the stored settings");
}

/// Write a record straight into the extension's storage (as an older version left it).
fn store_raw(case: &Case, key: &str, value: &Value) {
    pollster::block_on(shoper_systim::io::Storage::set(&case.store.mem, key, &value.to_string())).unwrap();
}

/// Settings the form sends with values out of range: every field named, in Polish; the stored
/// settings stay.
#[test]
fn settings_out_of_range() {
    let case = demo();
    let mut settings = serde_json::to_value(demo_settings(&case.world)).unwrap();
    settings["interval_minutes"] = json!(0);
    settings["orders"]["start"] = json!({"kind": "date", "value": "01.11.2026"});
    settings["stock"]["max_zero_share_percent"] = json!(150);
    let reply = nothing_changes(&case, || case.ask(json!({"type": "saveSettings", "settings": settings})));
    assert_eq!(reply["error"]["code"], "invalid_fields");
    quoted(reply["error"]["message_pl"].as_str().unwrap());
    let fields: Vec<&str> = reply["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["interval_minutes", "orders.start", "stock.max_zero_share_percent"]);
    for f in reply["error"]["fields"].as_array().unwrap() {
        quoted(f["message_pl"].as_str().unwrap());
    }
}

// ---------------------------------------------------------------------------------------------

/// Tests defined in a source file: `#[test] fn name(` and the rows of the table macros above
/// (`    name: …` at the top level of a macro call).
fn tests_in(source: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut marked = false;
    for line in source.lines() {
        let ident = |s: &str| s.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')).next().unwrap_or("").to_string();
        if line == "#[test]" {
            marked = true;
            continue;
        }
        if line.starts_with("///") || line.starts_with("#[") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("fn ").filter(|_| marked) {
            found.insert(ident(rest));
        }
        marked = false;
        if let Some(rest) = line.strip_prefix("    ").filter(|r| r.starts_with(|c: char| c.is_ascii_lowercase())) {
            let name = ident(rest);
            if rest[name.len()..].starts_with(": ") {
                found.insert(name);
            }
        }
    }
    found
}

/// The catalogue and the tests agree: rows are numbered 1, 2, 3…; every row names a test that
/// exists, in `tests/bad_input_known_bugs.rs` exactly when the row is marked FAILS; every test
/// here is a row.
#[test]
fn every_row_is_a_test_and_every_test_a_row() {
    let passing = tests_in(include_str!("bad_input.rs"));
    let failing = tests_in(include_str!("bad_input_known_bugs.rs"));
    let mut named = std::collections::BTreeSet::new();
    let rows = CATALOGUE.lines().filter(|l| l.split('|').nth(1).is_some_and(|n| n.trim().parse::<u32>().is_ok()));
    for (n, row) in rows.enumerate() {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[1], (n + 1).to_string(), "rows are numbered in order: {row}");
        let test = cells[cells.len() - 2].trim_matches('`');
        assert!(named.insert(test.to_string()), "{test} is named by two rows");
        let known_bug = row.contains("**FAILS — bug:**");
        let home = if known_bug { &failing } else { &passing };
        assert!(home.contains(test), "row {}: no test {test} in {}", n + 1, if known_bug { "bad_input_known_bugs.rs" } else { "bad_input.rs" });
    }
    let unnamed: Vec<&String> = passing.iter().chain(&failing).filter(|t| !named.contains(*t) && *t != "every_row_is_a_test_and_every_test_a_row").collect();
    assert!(unnamed.is_empty(), "tests without a row in docs/bad-input.md: {unnamed:?}");
}

// Rows that were known bugs until fixed (see the history of docs/bad-input.md).

/// A Systim quantity that cannot be read drops the whole Systim product: in "Wyślij stany" its
/// orders are held as if the product were missing from Systim.
#[test]
fn orders_of_a_product_whose_stock_is_unreadable() {
    let case = demo();
    systim_quantity_reads(&case, "KAW-ETI-250", "brak");
    case.run(RunKind::SendStock);
    assert_eq!((case.in_systim(2), case.in_systim(3)), (1, 1), "orders with KAW-ETI-250 were held: {} / {}", case.ledger_state(2), case.ledger_state(3));
}

/// The stock report blames a missing product where the quantity was unreadable: it must say
/// `quantity_unreadable` („Nie udało się odczytać stanu w Systim — nic nie wysłano”).
#[test]
fn unreadable_stock_reported_as_unreadable() {
    let case = demo();
    systim_quantity_reads(&case, "KAW-ETI-250", "99999999999999999999");
    let report = case.run(RunKind::Stock);
    let blamed = listed(&report, Part::Stock, "not_in_systim", "KAW-ETI-250");
    assert!(blamed.is_none(), "KAW-ETI-250 is reported as missing from Systim: {:?}", blamed.map(|i| &i.detail_pl));
    shown(&report, Part::Stock, "quantity_unreadable", "KAW-ETI-250");
}

/// Settings saved by an older version with one value this version does not know (a renamed
/// choice) lose every other choice: the whole record silently falls back to the defaults —
/// start point, mappings, "stock push off" — and the next save overwrites it.
#[test]
fn settings_with_a_value_this_version_does_not_know() {
    let case = demo();
    let old = json!({
        "interval_minutes": 15,
        "orders": {"missing_product": "skip_line", "start": {"kind": "date", "value": "2026-11-01"}, "default_delivery_id": 1},
        "stock": {"enabled": false},
    });
    pollster::block_on(shoper_systim::io::Storage::set(&case.store.mem, "settings", &old.to_string())).unwrap();
    let settings = &case.ask(json!({"type": "getSettings"}))["settings"];
    assert_eq!(settings["interval_minutes"], 15, "{settings}");
    assert_eq!(settings["orders"]["start"]["value"], "2026-11-01", "{settings}");
    assert_eq!(settings["stock"]["enabled"], false, "{settings}");
    let before = case.shop_stock();
    case.run(RunKind::Auto);
    assert_eq!(case.shop_stock(), before, "stock was pushed although the merchant switched the stock push off");
}

/// A setting of the wrong type (`"interval_minutes": "15"`, as an older page sends it) is
/// refused with the field empty and serde's English text inside the Polish message.
#[test]
fn setting_of_the_wrong_type() {
    let case = demo();
    let mut settings = serde_json::to_value(demo_settings(&case.world)).unwrap();
    settings["interval_minutes"] = json!("15");
    let reply = nothing_changes(&case, || case.ask(json!({"type": "saveSettings", "settings": settings})));
    let field = &reply["error"]["fields"][0];
    assert_eq!(field["field"], "interval_minutes", "{reply}");
    let pl = field["message_pl"].as_str().unwrap();
    assert!(!pl.contains("invalid type") && !pl.contains("expected"), "English inside the Polish message: {pl}");
}

/// The fields missing from an address are listed as "ulica vs kod vs miejscowosc" (the
/// separator of a comparison) instead of a list.
#[test]
fn missing_address_fields_listed_as_a_list() {
    let case = demo();
    let report = case.run(RunKind::Orders);
    let item = group(&report, Part::Orders, "address_incomplete").items.iter().find(|i| i.reference == "Zamówienie 12").expect("order 12 is held");
    assert!(!item.detail_pl.contains(" vs "), "{}", item.detail_pl);
    for field in ["ulica", "kod", "miejscowosc"] {
        assert!(item.detail_pl.contains(field), "{}", item.detail_pl);
    }
}

/// A Systim account name with a typo on a server answering 404: the merchant is told it is
/// "usually a temporary failure on Systim's side — try again later", though retrying cannot help.
#[test]
fn unknown_systim_account_answering_404() {
    let case = demo();
    case.reconnect(|c| c.systim_account = "herbaciarnia-zielinska".into());
    serves_page(&case, "https://herbaciarnia-zielinska.systim.pl", 404, "<html><body><h1>Nie znaleziono konta</h1></body></html>");
    let report = nothing_changes(&case, || case.run(RunKind::SendStock));
    let message = &report.error.as_ref().expect("the run fails").message_pl;
    assert!(message.contains("nazwę konta") && !message.contains("chwilowa"), "{message}");
}

/// An account without the ASSUMED surface sends no product codes and no gross prices: every
/// order is held as "W Systim nie ma produktu o tym kodzie" and every product as "Cena brutto w
/// Systim nie jest większa od 0" instead of one message saying the account does not give codes.
#[test]
fn systim_account_without_product_codes() {
    let case = demo();
    configure_systim(&case.world, json!({"assumed_methods": false}));
    let report = case.run(RunKind::SendProducts);
    assert!(!reports(&report, Part::Orders, "not_in_systim"), "every order blamed on a missing product");
    assert!(!reports(&report, Part::Products, "systim_price_not_positive"), "an absent price reported as 0");
    let text = serde_json::to_string(&report).unwrap();
    assert!(text.contains("kod_produktu"), "the report does not name the missing product codes");
}

/// A field ignored in a kept record (a missing `pl_PL` name, an EAN with a wrong check digit)
/// is listed under „Nieczytelne dane — te rekordy pominięto lub nie zmieniono”, though the
/// record was used and its stock written.
#[test]
fn kept_records_reported_as_skipped() {
    let case = scenario("multilang", |_| {});
    let report = case.run(RunKind::Stock);
    assert_eq!(case.stock_of("SITKO-EN"), 6_000);
    let notes = group(&report, Part::Stock, "data_notes");
    assert!(notes.items.iter().any(|i| i.detail_pl.contains("translations.pl_PL")), "{notes:#?}");
    quoted(&notes.title_pl);
    assert!(listed(&report, Part::Stock, "unreadable_data", "produkt Shoper id 999").is_none());
    for g in report.sections.iter().flat_map(|s| &s.problems).filter(|g| g.reason == "unreadable_data") {
        assert!(!g.items.iter().any(|i| i.detail_pl.contains("translations.pl_PL")), "a kept record listed as skipped: {g:#?}");
    }
}

/// A full storage while saving the settings answers `storage_error`; a run answers
/// `storage_quota` for the same cause (docs/engine.md lists both; the UI keys on the code).
#[test]
fn full_storage_has_one_code() {
    let case = demo();
    case.store.mem.set_quota(Some(case.store.mem.total_bytes()));
    let mut settings = demo_settings(&case.world);
    settings.interval_minutes = 15;
    let reply = case.ask(json!({"type": "saveSettings", "settings": settings}));
    assert_eq!(reply["error"]["code"], "storage_quota", "{reply}");
}

// ---------------------------------------------------------------------------------------------
// Settings files ("Importuj ustawienia"): all or nothing.

/// This installation's settings file (with its keys), changed by `edit`, imported back.
fn import_edited(case: &Case, edit: impl FnOnce(String) -> String) -> Value {
    let file = case.ask(json!({"type": "exportSettings", "withKeys": true}));
    let content = edit(file["content"].as_str().expect("a settings file").to_string());
    nothing_changes(case, || case.ask(json!({"type": "importSettings", "content": content})))
}

/// A settings file written by a newer version (format 2).
#[test]
fn settings_file_from_a_newer_version() {
    let case = demo();
    let reply = import_edited(&case, |f| f.replace("\"version\": 1", "\"version\": 2"));
    assert_eq!(reply["error"]["code"], "settings_file_version");
    quoted(reply["error"]["message_pl"].as_str().unwrap());
}

/// A settings file whose interval was edited by hand to 0.
#[test]
fn settings_file_with_a_bad_value() {
    let case = demo();
    let reply = import_edited(&case, |f| f.replace("\"interval_minutes\": 1", "\"interval_minutes\": 0"));
    assert_eq!(reply["error"]["code"], "settings_file_invalid");
    quoted(reply["error"]["message_pl"].as_str().unwrap());
    assert_eq!(reply["error"]["fields"][0]["field"], "settings.interval_minutes");
    quoted(reply["error"]["fields"][0]["message_pl"].as_str().unwrap());
}

/// Another file chosen by mistake: the products' CSV export, or some other JSON.
#[test]
fn not_a_settings_file() {
    let case = demo();
    for content in ["kod;nazwa;cena\nKUB-300;Kubek;30,00", "{\"orders\": []}"] {
        let reply = nothing_changes(&case, || case.ask(json!({"type": "importSettings", "content": content})));
        assert_eq!(reply["error"]["code"], "settings_file_unreadable");
        quoted(reply["error"]["message_pl"].as_str().unwrap());
    }
}

/// A settings file with keys whose shop address this version refuses.
#[test]
fn settings_file_with_a_refused_shop_address() {
    let case = demo();
    let reply = import_edited(&case, |f| f.replace(SHOP_URL, "ftp://sklep.example.pl"));
    assert_eq!(reply["error"]["code"], "settings_file_invalid");
    quoted(reply["error"]["message_pl"].as_str().unwrap());
}
