//! Native test support: the sandbox in-process behind the engine's `Http` trait, on a virtual
//! clock shared by both sides (rate-limit waits cost no real time; runs are deterministic).
//!
//! - [`world::World`]: what tests need of a sandbox, in-process ([`InProcess`]) or the real
//!   server over HTTP ([`net::RealHttp`]); [`tap::Tap`]: cut-offs and mid-run hooks for both.
//! - [`harness`]: engines with the demo connection and settings, runs, killed runs.
//! - [`oracle`]: what the sandbox's state must show, from the rules, independently of the engine.
//!
//! The Systim profile of every in-process world is `SANDBOX_SYSTIM_PROFILE` (`strict` |
//! `generous`) when set, else `sandbox::systim::config::DEFAULT_PROFILE`; a world made with
//! [`InProcess::with_systim_profile`] has the profile it names.
//!
//! [`InProcess::browser_like`] adds a model of a browser's network stack (off by default).
#![allow(dead_code)]

use sandbox::systim::config::{Profile, PROFILE_ENV};
use sandbox::wire::Delivery;
use sandbox::{Request, Response, Sandbox, Service};
use shoper_systim::io::Clock;
use shoper_systim::io::{Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::mem::{MemStorage, VirtualClock};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tap::Tap;
use world::World;

pub mod fixture;
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
    /// Calls the engine made (a browser's resend is not one of them).
    pub shoper_calls: u64,
    pub systim_calls: u64,
    /// Answers lost after the work was done (`drop_after_commit`, `write_then_close`).
    pub dropped: u64,
    /// Connections closed before the request was served (`close_before_write`).
    pub closed: u64,
    /// Answers cut off mid-body (`reset_mid_answer`).
    pub reset: u64,
    pub timed_out: u64,
    /// Requests the browser model sent again by itself (one per closed reused connection).
    pub resent: u64,
}

/// The Systim profile the environment asks for (`SANDBOX_SYSTIM_PROFILE`), if any.
pub fn env_systim_profile() -> Option<Profile> {
    match std::env::var(PROFILE_ENV) {
        Ok(v) if !v.trim().is_empty() => Some(Profile::parse(&v).unwrap_or_else(|e| panic!("{PROFILE_ENV}: {e}"))),
        _ => None,
    }
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
    /// The browser's network stack is modelled (see [`InProcess::browser_like`]).
    browser: Rc<Cell<bool>>,
    /// Per service (Shoper, Systim): requests sent on the open connection (0 = none open).
    connections: Rc<Cell<[u32; 2]>>,
}

impl InProcess {
    /// A world on a named scenario; the Systim profile from the environment, else the default.
    pub fn new(scenario: &str) -> Self {
        Self::with(Sandbox::new(scenario).expect("scenario"))
    }

    /// A world around `sandbox`; `SANDBOX_SYSTIM_PROFILE`, when set, switches its Systim
    /// profile (and the one a reset returns to).
    pub fn with(mut sandbox: Sandbox) -> Self {
        if let Some(profile) = env_systim_profile() {
            sandbox.set_systim_profile(profile);
        }
        Self::around(sandbox)
    }

    /// A world whose Systim account is in `profile`, whatever the environment says.
    pub fn with_systim_profile(mut sandbox: Sandbox, profile: Profile) -> Self {
        sandbox.set_systim_profile(profile);
        Self::around(sandbox)
    }

    fn around(sandbox: Sandbox) -> Self {
        InProcess {
            sandbox: Rc::new(RefCell::new(sandbox)),
            clock: VirtualClock::default(),
            traffic: Rc::default(),
            latency_ms: 0,
            tap: Rc::default(),
            dictionaries: Rc::default(),
            browser: Rc::default(),
            connections: Rc::default(),
        }
    }

    /// Model a browser's network stack (off by default; shared by every clone of the world):
    /// - per service, one kept-alive connection: the first request opens it (`connection_seq`
    ///   1), later ones reuse it (2, 3, …); a connection that closes or is reset, or whose answer
    ///   times out, is gone, and the next request opens a new one;
    /// - a request whose REUSED connection closes before any byte of the answer
    ///   (`write_then_close`, `drop_after_commit`, `close_before_write` there) is sent again
    ///   once, identical, on a new connection, as Chromium and Firefox do — POST included — and
    ///   the engine gets the outcome of that resend; on a fresh connection the engine gets
    ///   `NetError::Unreachable`;
    /// - `reset_mid_answer`: the request was served, then `NetError::Unreachable`;
    /// - an answer slower than the request's timeout: `NetError::Timeout`.
    ///
    /// Without it every request is `connection_seq` 0 (unknown: the sandbox treats it as
    /// reused) and any lost answer is `NetError::Unreachable`, never resent.
    pub fn browser_like(self, on: bool) -> Self {
        self.set_browser_like(on);
        self
    }

    pub fn set_browser_like(&self, on: bool) {
        self.browser.set(on);
        self.connections.set([0, 0]);
    }

    pub fn is_browser_like(&self) -> bool {
        self.browser.get()
    }

    /// A snapshot of the traffic counters.
    pub fn traffic(&self) -> Traffic {
        self.traffic.borrow().clone()
    }

    fn slot(service: Service) -> usize {
        match service {
            Service::Shoper => 0,
            Service::Systim => 1,
        }
    }

    /// The place of the next request on its service's connection (browser model).
    fn next_on_connection(&self, service: Service) -> u32 {
        let mut open = self.connections.get();
        let i = Self::slot(service);
        open[i] = open[i].saturating_add(1);
        self.connections.set(open);
        open[i]
    }

    /// The service's connection is gone: the next request opens a new one.
    fn close_connection(&self, service: Service) {
        let mut open = self.connections.get();
        open[Self::slot(service)] = 0;
        self.connections.set(open);
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
        self.sandbox.borrow().state_json()
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

impl InProcess {
    /// One request on the wire, in the sandbox, at the current (virtual) time.
    fn exchange(&self, service: Service, sreq: &Request) -> Response {
        self.clock.advance(self.latency_ms);
        self.sandbox.borrow_mut().handle(service, sreq, self.clock.now_ms())
    }

    /// What the engine sees of an answer (after the browser model's resend, if any).
    fn outcome(&self, service: Service, sreq: &mut Request, resp: Response, timeout_ms: u32, may_resend: bool) -> Result<HttpResponse, NetError> {
        let browser = self.browser.get();
        match resp.delivery {
            Delivery::Normal => {}
            Delivery::Drop | Delivery::Close => {
                {
                    let mut t = self.traffic.borrow_mut();
                    if resp.delivery == Delivery::Drop {
                        t.dropped += 1;
                    } else {
                        t.closed += 1;
                    }
                }
                if !browser {
                    return Err(NetError::Unreachable("connection closed without an answer".into()));
                }
                self.close_connection(service);
                if !(may_resend && sreq.connection_seq >= 2) {
                    return Err(NetError::Unreachable("connection closed without an answer".into()));
                }
                // The browser's own resend: identical, on a new connection, once.
                self.traffic.borrow_mut().resent += 1;
                sreq.connection_seq = self.next_on_connection(service);
                let again = self.exchange(service, sreq);
                return self.outcome(service, sreq, again, timeout_ms, false);
            }
            Delivery::Reset => {
                self.traffic.borrow_mut().reset += 1;
                if browser {
                    self.close_connection(service);
                }
                return Err(NetError::Unreachable("connection reset while the answer was read".into()));
            }
        }
        if resp.delay_ms >= u64::from(timeout_ms) {
            self.traffic.borrow_mut().timed_out += 1;
            self.clock.advance(u64::from(timeout_ms));
            if browser {
                // The fetch is aborted: its connection goes with it.
                self.close_connection(service);
            }
            return Err(NetError::Timeout);
        }
        self.clock.advance(resp.delay_ms);
        Ok(HttpResponse { status: resp.status, headers: resp.headers.clone(), body: resp.body_text() })
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
        if self.browser.get() {
            sreq.connection_seq = self.next_on_connection(service);
        }
        if let Some(commit) = self.tap.dies_now() {
            if commit {
                self.exchange(service, &sreq);
            }
            return std::future::pending().await;
        }
        let resp = self.exchange(service, &sreq);
        self.outcome(service, &mut sreq, resp, req.timeout_ms, true)
    }
}

/// A fresh in-process world with empty extension storage.
pub fn world(scenario: &str) -> (InProcess, MemStorage) {
    (InProcess::new(scenario), MemStorage::new())
}
