//! Native test support: the sandbox in-process behind the engine's `Http` trait, on a virtual
//! clock shared by both sides (rate-limit waits cost no real time; runs are deterministic).
//!
//! - [`world::World`]: what tests need of a sandbox, in-process ([`InProcess`]) or the real
//!   server over HTTP ([`net::RealHttp`]); [`tap::Tap`]: cut-offs and mid-run hooks for both.
//! - [`harness`]: engines with the demo connection and settings, runs, killed runs.
//! - [`oracle`]: what the sandbox's state must show, from the rules, independently of the engine.
#![allow(dead_code)]

use sandbox::wire::Delivery;
use sandbox::{Request, Sandbox, Service};
use shoper_systim::io::{Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::mem::{MemStorage, VirtualClock};
use shoper_systim::io::Clock;
use std::cell::RefCell;
use std::rc::Rc;
use tap::Tap;
use world::World;

pub mod harness;
pub mod net;
pub mod oracle;
pub mod tap;
pub mod world;

/// In-process base URLs: the port tells the adapter which stand-in a request is for.
pub const SHOP_URL: &str = "http://127.0.0.1:18001";
pub const SYSTIM_URL: &str = "http://127.0.0.1:18002";

/// Counts of what crossed the adapter.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    pub shoper_calls: u64,
    pub systim_calls: u64,
    pub dropped: u64,
    pub timed_out: u64,
}

#[derive(Clone)]
pub struct InProcess {
    pub sandbox: Rc<RefCell<Sandbox>>,
    pub clock: VirtualClock,
    pub traffic: Rc<RefCell<Traffic>>,
    /// Simulated network latency per call (virtual ms).
    pub latency_ms: u64,
    tap: Rc<Tap>,
    /// Shop dictionaries read once: reading them again would drain the static token's rate
    /// limit while the virtual clock stands still.
    dictionaries: Rc<RefCell<std::collections::BTreeMap<String, Vec<serde_json::Value>>>>,
}

impl InProcess {
    pub fn new(scenario: &str) -> Self {
        Self::with(Sandbox::new(scenario).expect("scenario"))
    }

    pub fn with(sandbox: Sandbox) -> Self {
        InProcess { sandbox: Rc::new(RefCell::new(sandbox)), clock: VirtualClock::default(), traffic: Rc::default(), latency_ms: 0, tap: Rc::default(), dictionaries: Rc::default() }
    }

    // The World methods tests call most, also without importing the trait.

    pub fn control(&self, method: &str, route: &str, body: serde_json::Value) -> serde_json::Value {
        World::control(self, method, route, body)
    }

    pub fn try_control(&self, method: &str, route: &str, body: serde_json::Value) -> Result<serde_json::Value, String> {
        World::try_control(self, method, route, body)
    }

    pub fn state(&self) -> serde_json::Value {
        World::state(self)
    }

    pub fn kill_after(&self, calls: u64, commit_last: bool) {
        self.tap.kill_after(calls, commit_last);
    }

    pub fn heal(&self) {
        self.tap.heal();
    }

    pub fn before_call(&self, matching: &str, nth: u32, action: impl FnOnce() + 'static) {
        self.tap.before_call(matching, nth, action);
    }

    pub fn after_call(&self, matching: &str, nth: u32, action: impl FnOnce() + 'static) {
        self.tap.after_call(matching, nth, action);
    }

    fn route(url: &str) -> Option<(Service, String)> {
        if let Some(rest) = url.strip_prefix(SHOP_URL) {
            Some((Service::Shoper, rest.to_string()))
        } else {
            url.strip_prefix(SYSTIM_URL).map(|rest| (Service::Systim, rest.to_string()))
        }
    }
}

impl World for InProcess {
    fn clock(&self) -> &VirtualClock {
        &self.clock
    }

    fn tap(&self) -> &Tap {
        &self.tap
    }

    fn server_now(&self) -> u64 {
        self.clock.now_ms()
    }

    fn tick(&self) {
        self.clock.advance(1);
    }

    fn shop_url(&self) -> String {
        SHOP_URL.into()
    }

    fn systim_url(&self) -> String {
        SYSTIM_URL.into()
    }

    /// Straight into the sandbox (no sockets).
    fn try_control(&self, method: &str, route: &str, body: serde_json::Value) -> Result<serde_json::Value, String> {
        let req = Request::new(method, &format!("/__sandbox{route}")).with_body(serde_json::to_vec(&body).unwrap());
        let resp = self.sandbox.borrow_mut().handle(Service::Shoper, &req, self.clock.now_ms());
        if resp.status < 300 {
            Ok(resp.body_json())
        } else {
            Err(format!("{} {}", resp.status, resp.body_text()))
        }
    }

    /// Past the fault injection and the request log: the oracle and the merchant's own actions
    /// must not disturb the run checked.
    fn shop_rest(&self, method: &str, path: &str, body: Option<&serde_json::Value>) -> serde_json::Value {
        let token = self.sandbox.borrow().info()["shoper_token"].as_str().unwrap().to_string();
        let mut req = Request::new(method, &format!("/webapi/rest/{path}")).with_header("authorization", &format!("Bearer {token}"));
        if let Some(b) = body {
            req = req.with_header("content-type", "application/json").with_body(serde_json::to_vec(b).unwrap());
        }
        let resp = self.sandbox.borrow_mut().shoper.handle(&req, self.clock.now_ms());
        assert_eq!(resp.status, 200, "{method} {path}: {}", resp.body_text());
        resp.body_json()
    }

    fn shop_dictionary(&self, resource: &str) -> Vec<serde_json::Value> {
        if let Some(list) = self.dictionaries.borrow().get(resource) {
            return list.clone();
        }
        let list = self.shop_rest("GET", &format!("{resource}?limit=50"), None)["list"].as_array().cloned().unwrap_or_default();
        self.dictionaries.borrow_mut().insert(resource.to_string(), list.clone());
        list
    }

    /// Built without the round trip through JSON text.
    fn state(&self) -> serde_json::Value {
        let sandbox = self.sandbox.borrow();
        serde_json::json!({
            "scenario": sandbox.scenario.name,
            "shoper": sandbox.shoper.state_json(),
            "systim": sandbox.systim.state_json(),
            "faults_injected": sandbox.faults.injected,
        })
    }

    fn systim_state(&self) -> serde_json::Value {
        self.sandbox.borrow().systim.state_json()
    }

    fn info(&self) -> serde_json::Value {
        self.sandbox.borrow().info()
    }

    fn log(&self) -> Vec<serde_json::Value> {
        self.sandbox.borrow().log.iter().map(|e| serde_json::to_value(e).unwrap()).collect()
    }
}

impl Http for InProcess {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        self.tap.run_hook(&req);
        let Some((service, path)) = Self::route(&req.url) else {
            return Err(NetError::Unreachable(format!("no host behind {}", req.url)));
        };
        let mut sreq = Request::new(req.method.as_str(), if path.is_empty() { "/" } else { &path });
        for (k, v) in &req.headers {
            sreq = sreq.with_header(k, v);
        }
        if let Some(b) = &req.body {
            sreq = sreq.with_body(b.as_bytes().to_vec());
        }
        {
            let mut t = self.traffic.borrow_mut();
            match service {
                Service::Shoper => t.shoper_calls += 1,
                Service::Systim => t.systim_calls += 1,
            }
        }
        self.clock.advance(self.latency_ms);
        let now = self.clock.now_ms();
        if let Some(commit) = self.tap.dies_now() {
            if commit {
                self.sandbox.borrow_mut().handle(service, &sreq, now);
            }
            return std::future::pending().await;
        }
        let resp = self.sandbox.borrow_mut().handle(service, &sreq, now);
        if resp.delivery == Delivery::Drop {
            self.traffic.borrow_mut().dropped += 1;
            return Err(NetError::Unreachable("connection reset by peer".into()));
        }
        if resp.delay_ms >= u64::from(req.timeout_ms) {
            self.traffic.borrow_mut().timed_out += 1;
            self.clock.advance(u64::from(req.timeout_ms));
            return Err(NetError::Timeout);
        }
        self.clock.advance(resp.delay_ms);
        Ok(HttpResponse { status: resp.status, headers: resp.headers.clone(), body: resp.body_text() })
    }
}

/// A fresh in-process world with empty extension storage.
pub fn world(scenario: &str) -> (InProcess, MemStorage) {
    (InProcess::new(scenario), MemStorage::new())
}
