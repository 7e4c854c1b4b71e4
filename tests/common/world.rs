//! What tests and the soak need of a sandbox, in-process or a real server over HTTP: its control
//! API, its state and log, the shop's REST API, and the engine's transport and clock.

use super::tap::Tap;
use serde_json::Value;
use shoper_systim::io::Http;
use shoper_systim::mem::VirtualClock;

pub trait World: Http + Clone + 'static {
    /// The engine's clock (virtual for both kinds of world).
    fn clock(&self) -> &VirtualClock;
    fn tap(&self) -> &Tap;
    /// The sandbox's own time: the time in its log and its records.
    fn server_now(&self) -> u64;
    /// Let the sandbox's time move on, so what follows comes strictly after what went before.
    fn tick(&self);
    fn shop_url(&self) -> String;
    fn systim_url(&self) -> String;
    /// The control API (`/__sandbox/...`); a refusal (a storefront order beyond stock…) is `Err`.
    fn try_control(&self, method: &str, route: &str, body: Value) -> Result<Value, String>;
    /// The shop's REST API with the static token.
    fn shop_rest(&self, method: &str, path: &str, body: Option<&Value>) -> Value;

    /// A dictionary of the shop (`taxes`, `units`), as its REST API lists it.
    fn shop_dictionary(&self, resource: &str) -> Vec<Value> {
        self.shop_rest("GET", &format!("{resource}?limit=50"), None)["list"].as_array().cloned().unwrap_or_default()
    }

    fn control(&self, method: &str, route: &str, body: Value) -> Value {
        self.try_control(method, route, body).unwrap_or_else(|e| panic!("control {route}: {e}"))
    }
    /// What `GET /__sandbox/state` answers.
    fn state(&self) -> Value {
        self.control("GET", "/state", Value::Null)
    }
    /// The account's part of the state.
    fn systim_state(&self) -> Value {
        self.state()["systim"].take()
    }
    /// Scenario name and credentials.
    fn info(&self) -> Value {
        self.control("GET", "/info", Value::Null)
    }
    /// Every API call the sandbox saw (`LogEntry` as JSON).
    fn log(&self) -> Vec<Value> {
        self.control("GET", "/log", Value::Null)["entries"].as_array().cloned().unwrap_or_default()
    }
    fn kill_after(&self, calls: u64, commit_last: bool) {
        self.tap().kill_after(calls, commit_last);
    }
    fn heal(&self) {
        self.tap().heal();
    }
    fn before_call(&self, matching: &str, nth: u32, action: impl FnOnce() + 'static) {
        self.tap().before_call(matching, nth, action);
    }
    fn after_call(&self, matching: &str, nth: u32, action: impl FnOnce() + 'static) {
        self.tap().after_call(matching, nth, action);
    }
    fn clear_hook(&self) {
        self.tap().clear_hook();
    }
}
