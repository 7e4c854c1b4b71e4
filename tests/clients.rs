#![cfg(not(target_arch = "wasm32"))]
//! The Shoper and Systim clients against the in-process sandbox (`demo` scenario): no sockets,
//! a virtual clock, faults injected through the sandbox's own rules.

use sandbox::faults::{FaultKind, FaultRule};
use sandbox::wire::Delivery;
use sandbox::{Request, Sandbox, Service};
use serde_json::{json, Value};
use shoper_systim::client::error::{AuthFailure, Interruption};
use shoper_systim::client::{ApiError, Secret, ShoperAuth, ShoperClient, ShoperConfig, SystimClient, SystimConfig};
use shoper_systim::io::{Clock, Http, HttpRequest, HttpResponse, NetError};
use std::cell::{Cell, RefCell};

const SHOP: &str = "http://127.0.0.1:1";
const SYSTIM: &str = "http://127.0.0.1:2";

/// Time that moves only when slept through or when the sandbox is slow.
struct TestClock(Cell<u64>);

impl Clock for TestClock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
    async fn sleep(&self, ms: u64) {
        self.0.set(self.0.get() + ms);
    }
    fn random(&self) -> f64 {
        0.5
    }
}

/// `Http` over `Sandbox::handle`; the origin picks the service.
struct Sandboxed<'c> {
    sandbox: RefCell<Sandbox>,
    clock: &'c TestClock,
}

impl Sandboxed<'_> {
    fn credential(&self, key: &str) -> String {
        self.sandbox.borrow().info()[key].as_str().unwrap().to_string()
    }
    fn inject(&self, service: Service, kind: FaultKind, matching: &str) {
        let rule = FaultRule { service, kind, count: 1, matching: matching.into() };
        self.sandbox.borrow_mut().faults.rules.push_back(rule);
    }
}

impl Http for Sandboxed<'_> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        let (service, path) = match req.url.strip_prefix(SHOP) {
            Some(path) => (Service::Shoper, path),
            None => (Service::Systim, req.url.strip_prefix(SYSTIM).expect("a sandbox URL")),
        };
        let mut sreq = Request::new(req.method.as_str(), path);
        for (name, value) in &req.headers {
            sreq = sreq.with_header(name, value);
        }
        sreq = sreq.with_body(req.body.clone().unwrap_or_default().into_bytes());
        let resp = self.sandbox.borrow_mut().handle(service, &sreq, self.clock.now_ms());
        if resp.delay_ms >= u64::from(req.timeout_ms) {
            self.clock.sleep(u64::from(req.timeout_ms)).await;
            return Err(NetError::Timeout);
        }
        self.clock.sleep(resp.delay_ms).await;
        if resp.delivery == Delivery::Drop {
            return Err(NetError::Unreachable("connection closed".into()));
        }
        let headers = resp.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        Ok(HttpResponse { status: resp.status, headers, body: String::from_utf8_lossy(&resp.body).into_owned() })
    }
}

fn world(clock: &TestClock) -> Sandboxed<'_> {
    Sandboxed { sandbox: RefCell::new(Sandbox::new("demo").unwrap()), clock }
}

fn clock() -> TestClock {
    TestClock(Cell::new(1_767_225_600_000)) // 2026-01-01
}

fn shop_user<'a>(http: &'a Sandboxed<'a>, clock: &'a TestClock) -> ShoperClient<'a, Sandboxed<'a>, TestClock> {
    let auth = ShoperAuth::WebApiUser { login: http.credential("shoper_login"), password: Secret::new(http.credential("shoper_password")) };
    ShoperClient::new(http, clock, ShoperConfig::new(SHOP, auth)).unwrap()
}

fn systim<'a>(http: &'a Sandboxed<'a>, clock: &'a TestClock) -> SystimClient<'a, Sandboxed<'a>, TestClock> {
    let config = SystimConfig::new(SYSTIM, http.credential("systim_login"), Secret::new(http.credential("systim_key")));
    SystimClient::new(http, clock, config).unwrap()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    pollster::block_on(future)
}

fn count_of(answer: &Value) -> usize {
    answer["count"].as_str().unwrap().parse().unwrap()
}

#[test]
fn shoper_reads_every_product_through_pages_and_bulk_without_a_429() {
    let clock = clock();
    let http = world(&clock);
    let mut shop = shop_user(&http, &clock);
    let expected = count_of(&block_on(shop.get("products", &[("limit", "1")])).unwrap());
    let products = block_on(shop.list_all("products", None, Some("product_id ASC"))).unwrap();
    assert_eq!(products.len(), expected);
    assert!(expected > 50, "the demo shop spans several pages");
    let stats = shop.stats();
    assert_eq!(stats.rate_limited, 0);
    assert!(stats.bulk_requests >= 1);
}

#[test]
fn shoper_order_feed_walks_every_order_once() {
    let clock = clock();
    let http = world(&clock);
    let mut shop = shop_user(&http, &clock);
    let expected = count_of(&block_on(shop.get("orders", &[("limit", "1")])).unwrap());
    let orders = block_on(shop.list_keyset("orders", "order_id", 0, None, 100_000)).unwrap();
    let ids: Vec<u64> = orders.iter().map(|o| o["order_id"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(ids.len(), expected);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn shoper_tokens_expiring_mid_run_cost_one_log_in() {
    let clock = clock();
    let http = world(&clock);
    let mut shop = shop_user(&http, &clock);
    block_on(shop.application_config()).unwrap();
    http.sandbox.borrow_mut().shoper.expire_tokens();
    block_on(shop.application_config()).unwrap();
    assert_eq!(shop.stats().auth_requests, 2);
}

#[test]
fn shoper_refuses_a_wrong_password_and_accepts_the_static_token() {
    let clock = clock();
    let http = world(&clock);
    let auth = ShoperAuth::WebApiUser { login: http.credential("shoper_login"), password: Secret::new("zle-haslo") };
    let mut wrong = ShoperClient::new(&http, &clock, ShoperConfig::new(SHOP, auth)).unwrap();
    assert_eq!(block_on(wrong.authenticate()), Err(ApiError::ShoperAuthFailed(AuthFailure::WrongCredentials)));

    let token = ShoperAuth::ApiToken(Secret::new(http.credential("shoper_token")));
    let mut shop = ShoperClient::new(&http, &clock, ShoperConfig::new(SHOP, token)).unwrap();
    assert!(block_on(shop.application_config()).unwrap().is_object());
}

#[test]
fn shoper_faults_are_retried_for_reads() {
    let clock = clock();
    let http = world(&clock);
    let mut shop = shop_user(&http, &clock);
    http.inject(Service::Shoper, FaultKind::Http429, "taxes");
    http.inject(Service::Shoper, FaultKind::Http503, "taxes");
    assert!(!block_on(shop.list_all("taxes", None, None)).unwrap().is_empty());
    assert_eq!(shop.stats().rate_limited, 1);
    assert_eq!(shop.stats().retries, 2);
}

#[test]
fn systim_logs_in_lists_and_logs_in_again_after_a_web_login() {
    let clock = clock();
    let http = world(&clock);
    let mut systim = systim(&http, &clock);
    first_id(&block_on(systim.list_products()).unwrap());
    http.sandbox.borrow_mut().systim.kill_tokens();
    assert!(block_on(systim.list_vat_rates()).is_ok());
    assert_eq!(systim.stats().auth_requests, 2);
}

#[test]
fn systim_refuses_a_wrong_api_key_once() {
    let clock = clock();
    let http = world(&clock);
    let config = SystimConfig::new(SYSTIM, http.credential("systim_login"), Secret::new("zly-klucz"));
    let mut systim = SystimClient::new(&http, &clock, config).unwrap();
    assert_eq!(block_on(systim.list_products()), Err(ApiError::SystimWrongCredentials));
    assert_eq!(systim.stats().requests, 1);
}

#[test]
fn systim_php_error_page_on_a_read_is_retried() {
    let clock = clock();
    let http = world(&clock);
    let mut systim = systim(&http, &clock);
    block_on(systim.login()).unwrap();
    http.inject(Service::Systim, FaultKind::HtmlPage, "listVatRates");
    assert!(block_on(systim.list_vat_rates()).is_ok());
    assert_eq!(systim.stats().retries, 1);
}

/// The first id of a map-or-array list result.
fn first_id(list: &Value) -> String {
    let first = match list {
        Value::Object(map) => map.values().next().cloned(),
        Value::Array(items) => items.first().cloned(),
        _ => None,
    };
    let id = &first.expect("a non-empty list")["id"];
    id.as_str().map_or_else(|| id.to_string(), str::to_string)
}

#[test]
fn systim_add_order_whose_answer_is_lost_is_not_sent_twice() {
    let clock = clock();
    let http = world(&clock);
    // The assumed methods (delivery list, order list) are served: this checks the client alone.
    http.sandbox.borrow_mut().set_systim_profile(sandbox::systim::config::Profile::Generous);
    let mut systim = systim(&http, &clock);
    let product = first_id(&block_on(systim.list_products()).unwrap());
    let delivery = first_id(&block_on(systim.list_delivery_methods()).unwrap());
    let marker = "Shoper 9001 @ sklep.example.pl";
    let order = json!({
        "nazwa": "Jan Kowalski", "imie": "Jan", "nazwisko": "Kowalski",
        "ulica": "Myśliwska 98", "kod": "30-718", "miejscowosc": "Kraków",
        "nazwa_dostawy": "Jan Kowalski", "ulica_dostawy": "Myśliwska 98", "kod_dostawy": "30-718", "miejscowosc_dostawy": "Kraków",
        "id_dostawy": delivery, "naliczanie_brutto": 1, "uwagi": marker,
        "produkty": [{"id": product, "ilosc": "1"}],
    });
    http.inject(Service::Systim, FaultKind::DropAfterCommit, "addOrder");
    let err = block_on(systim.add_order(&order)).unwrap_err();
    assert_eq!(err, ApiError::OutcomeUnknown { service: shoper_systim::client::Service::Systim, cause: Interruption::ConnectionLost });

    let orders = block_on(systim.list_orders(None, None)).unwrap();
    let with_marker = |o: &Value| o["uwagi"].as_str().is_some_and(|u| u.contains(marker));
    let found = match &orders {
        Value::Object(map) => map.values().filter(|o| with_marker(o)).count(),
        Value::Array(items) => items.iter().filter(|o| with_marker(o)).count(),
        _ => 0,
    };
    assert_eq!(found, 1, "committed once, not repeated");
}
