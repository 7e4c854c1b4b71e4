//! Native test support: the sandbox in-process behind the engine's `Http` trait, on a virtual
//! clock shared by both sides (rate-limit waits cost no real time; runs are deterministic).
#![allow(dead_code)]

use sandbox::wire::Delivery;
use sandbox::{Request, Sandbox, Service};
use shoper_systim::io::{Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::mem::{MemStorage, VirtualClock};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub mod harness;
pub mod oracle;

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
    /// Calls left before the transport dies, and whether the dying call reaches the sandbox.
    cutoff: Rc<Cell<Option<(u64, bool)>>>,
    /// Something to do in the middle of a run: before the n-th call matching a text.
    hook: Rc<RefCell<Option<Hook>>>,
}

/// See [`InProcess::before_call`] and [`InProcess::after_call`].
struct Hook {
    matching: String,
    left: u32,
    /// Fire before the call that follows the n-th match instead of before the match.
    after: bool,
    /// The n-th match has passed: fire before the next call.
    armed: bool,
    action: Box<dyn FnOnce()>,
}

impl InProcess {
    pub fn new(scenario: &str) -> Self {
        Self::with(Sandbox::new(scenario).expect("scenario"))
    }

    pub fn with(sandbox: Sandbox) -> Self {
        InProcess {
            sandbox: Rc::new(RefCell::new(sandbox)),
            clock: VirtualClock::default(),
            traffic: Rc::default(),
            latency_ms: 0,
            cutoff: Rc::default(),
            hook: Rc::default(),
        }
    }

    /// Run `action` just before the `nth` call whose URL or body contains `matching` reaches the
    /// sandbox (an expired token, a second browser's run… in the middle of a run).
    pub fn before_call(&self, matching: &str, nth: u32, action: impl FnOnce() + 'static) {
        self.set_hook(matching, nth, false, action);
    }

    /// Run `action` just before the call that follows the `nth` call matching `matching`.
    pub fn after_call(&self, matching: &str, nth: u32, action: impl FnOnce() + 'static) {
        self.set_hook(matching, nth, true, action);
    }

    /// Forget a hook that has not fired.
    pub fn clear_hook(&self) {
        self.hook.borrow_mut().take();
    }

    fn set_hook(&self, matching: &str, nth: u32, after: bool, action: impl FnOnce() + 'static) {
        *self.hook.borrow_mut() = Some(Hook { matching: matching.into(), left: nth, after, armed: false, action: Box::new(action) });
    }

    fn run_hook(&self, req: &HttpRequest) {
        let due = {
            let mut slot = self.hook.borrow_mut();
            let Some(hook) = slot.as_mut() else { return };
            let matches = req.url.contains(&hook.matching) || req.body.as_deref().unwrap_or("").contains(&hook.matching);
            if !hook.armed && matches {
                hook.left = hook.left.saturating_sub(1);
                hook.armed = hook.left == 0 && hook.after;
                if hook.left == 0 && !hook.after {
                    slot.take()
                } else {
                    None
                }
            } else if hook.armed {
                slot.take()
            } else {
                None
            }
        };
        if let Some(hook) = due {
            (hook.action)();
        }
    }

    /// After `calls` more calls, every call hangs forever (a killed background: the caller's
    /// future is dropped while it waits). The dying call is served first when `commit_last`.
    pub fn kill_after(&self, calls: u64, commit_last: bool) {
        self.cutoff.set(Some((calls, commit_last)));
    }

    /// Undo [`Self::kill_after`].
    pub fn heal(&self) {
        self.cutoff.set(None);
    }

    /// Whether this call is the one the cut-off takes (and whether it is served first).
    fn dies_now(&self) -> Option<bool> {
        let (left, commit) = self.cutoff.get()?;
        if left == 0 {
            return Some(commit);
        }
        self.cutoff.set(Some((left - 1, commit)));
        None
    }

    /// Call the control API (`/__sandbox/...`) directly.
    pub fn control(&self, method: &str, route: &str, body: serde_json::Value) -> serde_json::Value {
        self.try_control(method, route, body).unwrap_or_else(|e| panic!("control {route}: {e}"))
    }

    /// The control API, a refusal (a storefront order beyond stock…) as `Err`.
    pub fn try_control(&self, method: &str, route: &str, body: serde_json::Value) -> Result<serde_json::Value, String> {
        let req = Request::new(method, &format!("/__sandbox{route}")).with_body(serde_json::to_vec(&body).unwrap());
        let resp = self.sandbox.borrow_mut().handle(Service::Shoper, &req, shoper_systim::io::Clock::now_ms(&self.clock));
        if resp.status < 300 {
            Ok(resp.body_json())
        } else {
            Err(format!("{} {}", resp.status, resp.body_text()))
        }
    }

    /// What `GET /__sandbox/state` answers, built without the round trip through JSON text.
    pub fn state(&self) -> serde_json::Value {
        let sandbox = self.sandbox.borrow();
        serde_json::json!({
            "scenario": sandbox.scenario.name,
            "shoper": sandbox.shoper.state_json(),
            "systim": sandbox.systim.state_json(),
            "faults_injected": sandbox.faults.injected,
        })
    }

    fn route(url: &str) -> Option<(Service, String)> {
        if let Some(rest) = url.strip_prefix(SHOP_URL) {
            Some((Service::Shoper, rest.to_string()))
        } else {
            url.strip_prefix(SYSTIM_URL).map(|rest| (Service::Systim, rest.to_string()))
        }
    }
}

impl Http for InProcess {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        self.run_hook(&req);
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
        let now = shoper_systim::io::Clock::now_ms(&self.clock);
        if let Some(commit) = self.dies_now() {
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
