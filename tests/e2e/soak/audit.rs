//! The browser soak's verdict (`tests/e2e/soak/soak.mjs`), by the native soak's own rules
//! (`tests/soak/audit.rs`, `tests/common/oracle.rs`) — not a second copy of them in JavaScript.
//!
//! The driver saves what it saw to a JSON file; this program reads it, offline:
//!
//! ```text
//! browser_soak_audit pairs <start.json>   the shop rows the stock rules apply to (JSON, stdout)
//! browser_soak_audit audit <soak.json>    the native soak's figures and the order audit (JSON, stdout);
//!                                         exit code 1 when a must-be-zero figure is not zero
//! ```
//!
//! `start.json`: `{"state": GET /__sandbox/state, "dictionaries": {"taxes": [...], "units": [...]}}`
//! (the shop's dictionaries as its REST API lists them). `soak.json`: `{"start": start.json,
//! "end": {"state", "log": [LogEntry…]}, "changes": {"orders": [{order_id, placed_ms, lines:
//! [[systim product, thousandths]…]}], "statuses": [[order_id, ms, status]…], "quantities":
//! [[systim product, ms, thousandths]…]}, "told": {"reports": [Report…], "badges": {"<order id>":
//! Badge}}}` — every time the sandbox's (real) clock; `told`: what the extension told the merchant
//! (the reports the driver read after each run, problems only; every order's badge at the end).
//!
//! Built and run by `./build.sh soak --browser` (`cargo build --release --example
//! browser_soak_audit`); an example, not a test, so that `cargo test` never runs it without its
//! input.

#[path = "../../common/mod.rs"]
mod common;

#[allow(dead_code)]
#[path = "../../soak/activity.rs"]
mod activity;
#[path = "../../soak/audit.rs"]
mod audit;

use activity::{PlacedOrder, Truth};
use common::harness::{systim_product_id, START_DATE};
use common::oracle::{audit_orders, code_counts, eligible_pairs, id, milli, systim_ids_by_code};
use common::tap::Tap;
use common::world::World;
use serde_json::{json, Value};
use shoper_systim::io::{Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::mem::VirtualClock;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A sandbox as it was saved: its state, log and dictionaries. Nothing can be asked of it
/// beyond what was saved (no engine runs on it).
#[derive(Clone)]
struct Snapshot {
    state: Rc<Value>,
    log: Rc<Vec<Value>>,
    dictionaries: Rc<Value>,
    clock: VirtualClock,
    tap: Rc<Tap>,
}

impl Snapshot {
    fn new(state: Value, log: Vec<Value>, dictionaries: Value) -> Snapshot {
        Snapshot { state: Rc::new(state), log: Rc::new(log), dictionaries: Rc::new(dictionaries), clock: VirtualClock::default(), tap: Rc::default() }
    }
}

impl Http for Snapshot {
    async fn send(&self, _req: HttpRequest) -> Result<HttpResponse, NetError> {
        Err(NetError::Unreachable("a saved snapshot answers no requests".into()))
    }
}

impl World for Snapshot {
    fn clock(&self) -> &VirtualClock {
        &self.clock
    }
    fn tap(&self) -> &Tap {
        &self.tap
    }
    fn server_now(&self) -> u64 {
        0
    }
    fn tick(&self) {}
    fn shop_url(&self) -> String {
        String::new()
    }
    fn systim_url(&self) -> String {
        String::new()
    }
    fn try_control(&self, method: &str, route: &str, _body: Value) -> Result<Value, String> {
        match (method, route) {
            ("GET", "/state") => Ok((*self.state).clone()),
            ("GET", "/log") => Ok(json!({"entries": *self.log})),
            _ => Err(format!("a saved snapshot has no {method} {route}")),
        }
    }
    fn shop_rest(&self, method: &str, path: &str, _body: Option<&Value>) -> Value {
        panic!("a saved snapshot has no shop REST API ({method} {path})")
    }
    fn shop_dictionary(&self, resource: &str) -> Vec<Value> {
        self.dictionaries[resource].as_array().cloned().unwrap_or_else(|| panic!("the snapshot has no shop dictionary {resource:?}"))
    }
    fn state(&self) -> Value {
        (*self.state).clone()
    }
    fn log(&self) -> Vec<Value> {
        (*self.log).clone()
    }
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn start_world(start: &Value) -> Snapshot {
    Snapshot::new(start["state"].clone(), Vec::new(), start["dictionaries"].clone())
}

/// The shop rows customers buy and the warehouse restocks (as the native soak picks them).
fn pairs(start: &Value) -> Value {
    let world = start_world(start);
    let state = world.state();
    let pairs: Vec<Value> = eligible_pairs(&world, &state)
        .into_iter()
        .map(|p| json!({"stock_id": p.stock_id, "code": p.code, "systim_id": p.systim_id, "fractional": p.fractional}))
        .collect();
    json!(pairs)
}

/// The truth before the first run, exactly as `Activity::new` records it, then the driver's
/// changes in order.
fn truth(start: &Value, changes: &Value) -> Truth {
    let world = start_world(start);
    let state = world.state();
    let mut truth = Truth { codes_at_start: code_counts(&world, &state), ..Truth::default() };
    for p in state["systim"]["products"].as_array().into_iter().flatten() {
        let total: i64 = p["stock_milli"].as_object().map(|m| m.values().filter_map(Value::as_i64).sum()).unwrap_or(0);
        truth.quantity.entry(id(&p["id"])).or_default().push((0, total));
    }
    let by_code: BTreeMap<String, u64> = systim_ids_by_code(&state).into_iter().filter_map(|(code, ids)| (ids.len() == 1).then(|| (code, ids[0]))).collect();
    for o in state["shoper"]["orders"].as_array().into_iter().flatten() {
        let lines = o["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| by_code.get(l["code"].as_str().unwrap_or("")).map(|pid| (*pid, milli(&l["quantity"]))))
            .collect();
        truth.orders.insert(id(&o["order_id"]), PlacedOrder { placed_ms: 0, lines });
        truth.statuses.entry(id(&o["order_id"])).or_default().push((0, id(&o["status_id"])));
    }
    for o in changes["orders"].as_array().into_iter().flatten() {
        let lines = o["lines"].as_array().into_iter().flatten().map(|l| (id(&l[0]), l[1].as_i64().unwrap_or(0))).collect();
        truth.orders.insert(id(&o["order_id"]), PlacedOrder { placed_ms: id(&o["placed_ms"]), lines });
    }
    for s in changes["statuses"].as_array().into_iter().flatten() {
        truth.statuses.entry(id(&s[0])).or_default().push((id(&s[1]), id(&s[2])));
    }
    for q in changes["quantities"].as_array().into_iter().flatten() {
        truth.quantity.entry(id(&q[0])).or_default().push((id(&q[1]), q[2].as_i64().unwrap_or(0)));
    }
    // The audit looks changes up by time: keep each history in time order (stable, so changes
    // at the same millisecond keep the order they were made in).
    for changes in truth.quantity.values_mut() {
        changes.sort_by_key(|(t, _)| *t);
    }
    for changes in truth.statuses.values_mut() {
        changes.sort_by_key(|(t, _)| *t);
    }
    truth
}

fn told(input: &Value) -> audit::Told {
    let mut told = audit::Told::default();
    for report in input["told"]["reports"].as_array().into_iter().flatten() {
        told.read(report);
    }
    for (id, badge) in input["told"]["badges"].as_object().into_iter().flatten() {
        if let Ok(id) = id.parse() {
            told.badges.insert(id, (badge["state"].as_str().unwrap_or("").to_string(), badge["text_pl"].as_str().unwrap_or("").to_string()));
        }
    }
    told
}

fn audit(input: &Value) -> (Value, bool) {
    let truth = truth(&input["start"], &input["changes"]);
    let end = &input["end"];
    let log = end["log"].as_array().cloned().unwrap_or_default();
    let world = Snapshot::new(end["state"].clone(), log, input["start"]["dictionaries"].clone());
    let told = told(input);
    let mut figures = audit::figures(&world, &truth, &told);
    // The sales documents (issue #16; invoicing is on, as natively): the copies the engine names
    // are on the badges (`document.copies`), as natively in its ledger.
    let issued: BTreeMap<u64, Vec<u64>> = input["told"]["badges"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(order, badge)| {
            let copies = badge["document"]["copies"].as_array().map(|c| c.iter().filter_map(Value::as_u64).collect()).unwrap_or_default();
            Some((order.parse().ok()?, copies)).filter(|_| badge["document"].is_object())
        })
        .collect();
    // With the WZ (`--wz`), the document comes at an open status and every document gets its WZ.
    let wz = input["wz"] == true;
    audit::documents(&mut figures, &world.state(), &told, if wz { activity::READY } else { activity::SHIPPED }, &issued);
    if wz {
        audit::wzs(&mut figures, &world.state(), &world.log(), &told);
    }
    let orders = audit_orders(&world.state(), START_DATE, systim_product_id(&world, "DOSTAWA"));
    let mut duplicated_codes = BTreeMap::new();
    for (code, n) in code_counts(&world, &world.state()) {
        let before = truth.codes_at_start.get(&code).copied().unwrap_or(0);
        if n > before.max(1) {
            duplicated_codes.insert(code, json!({"rows": n, "before": before}));
        }
    }
    let gates: BTreeMap<&str, u64> = figures.failed_gates().into_iter().collect();
    let clean = gates.is_empty();
    let out = json!({
        "figures": figures,
        "clean": clean,
        "failed_gates": gates,
        "details": figures.details,
        "unreported_orders": figures.unreported,
        "orders": {"missing": orders.missing, "wrong": orders.wrong, "unwanted": orders.unwanted, "duplicates": orders.duplicates, "imported_once": orders.imported},
        "duplicated_codes": duplicated_codes,
    });
    (out, clean)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, clean) = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["pairs", path] => (pairs(&read_json(path)), true),
        ["audit", path] => audit(&read_json(path)),
        _ => {
            eprintln!("usage: browser_soak_audit pairs <start.json> | audit <soak.json>");
            std::process::exit(2);
        }
    };
    println!("{out}");
    if !clean {
        std::process::exit(1);
    }
}
