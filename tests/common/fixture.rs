//! Stored data of a released version, as a fixture (`tests/fixtures/storage-<version>.json`): the
//! extension's whole `storage.local` after a scripted life on the in-process sandbox, and what that
//! life did to the sandbox, so that a later version can be started on both (`tests/migration.rs`).
//!
//! A fixture holds:
//! - `storage`: every key and its value, exactly as the engine of that version wrote them;
//! - `world`: the sandbox it was captured from — scenario, Systim profile, the clock at the start
//!   and at the end, and the events that changed the sandbox in order: storefront orders placed,
//!   Systim configuration changed, and every order the engine created in Systim (with every
//!   parameter it sent). [`Fixture::replay_world`] rebuilds that sandbox through the sandbox's own
//!   APIs (no engine involved) and checks that it has the same Systim orders (ids, numbers,
//!   markers) as the one captured.
#![allow(dead_code)]

use super::harness::*;
use super::world::World;
use super::InProcess;
use sandbox::systim::config::Profile;
use sandbox::Request;
use serde_json::{json, Map, Value};
use shoper_systim::io::Clock;
use shoper_systim::mem::MemStorage;
use std::collections::BTreeMap;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

pub struct Fixture {
    pub json: Value,
}

impl Fixture {
    pub fn load(name: &str) -> Fixture {
        let path = format!("{FIXTURES}/{name}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Fixture { json: serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}")) }
    }

    pub fn version(&self) -> &str {
        self.json["version"].as_str().unwrap()
    }

    /// The stored keys and values (every value a string, as `storage.local` holds them).
    pub fn storage_map(&self) -> BTreeMap<String, String> {
        self.json["storage"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect()
    }

    /// A store holding exactly the fixture's records.
    pub fn storage(&self) -> MemStorage {
        let store = MemStorage::new();
        for (k, v) in self.storage_map() {
            pollster::block_on(shoper_systim::io::Storage::set(&store, &k, &v)).unwrap();
        }
        store
    }

    /// The stored record under `key`, parsed.
    pub fn record(&self, key: &str) -> Value {
        let text = self.json["storage"][key].as_str().unwrap_or_else(|| panic!("no {key} in the fixture"));
        serde_json::from_str(text).unwrap()
    }

    pub fn clock_end_ms(&self) -> u64 {
        self.json["world"]["clock_end_ms"].as_u64().unwrap()
    }

    /// The sandbox as the captured version left it, at the capture's last moment.
    pub fn replay_world(&self) -> InProcess {
        let w = &self.json["world"];
        assert_eq!(w["scenario"], "demo", "only the demo world is replayed");
        let profile = Profile::parse(w["systim_profile"].as_str().unwrap()).unwrap();
        // The demo shop as the captured version knew it: its orders are those before the first
        // storefront order the capture placed (later versions' demos have more).
        let first_placed = w["events"].as_array().unwrap().iter().find(|e| e["event"] == "storefront_order").map(|e| e["order_id"].as_u64().unwrap());
        let mut scenario = sandbox::catalogue::demo();
        if let Some(first) = first_placed {
            scenario.orders.truncate(first as usize - 1);
        }
        let world = InProcess::with_systim_profile(sandbox::Sandbox::from_scenario(scenario), profile);
        world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": super::SHOP_URL})).unwrap();
        let start = w["clock_start_ms"].as_u64().unwrap();
        world.clock.advance(start.saturating_sub(world.clock.now_ms()));
        for event in w["events"].as_array().unwrap() {
            let at = event["at_ms"].as_u64().unwrap();
            world.clock.advance(at.saturating_sub(world.clock.now_ms()));
            match event["event"].as_str().unwrap() {
                "storefront_order" => {
                    let id = world.control("POST", "/orders", event["spec"].clone())["order_id"].as_u64().unwrap();
                    assert_eq!(id, event["order_id"].as_u64().unwrap(), "the replayed shop gave another order id");
                }
                "systim_config" => {
                    world.control("POST", "/systim/config", event["knobs"].clone());
                }
                "systim_order" => {
                    // A session of its own each time (the hours between events outlast one).
                    let token = systim_login(&world);
                    let id = systim_add_order(&world, &token, &event["sent"]);
                    assert_eq!(id, event["id"].as_u64().unwrap(), "the replayed Systim account gave another order id");
                }
                other => panic!("unknown fixture event {other}"),
            }
        }
        world.clock.advance(self.clock_end_ms().saturating_sub(world.clock.now_ms()));
        // The same orders as captured: ids, numbers, dates and markers.
        let key = |o: &Value| json!([o["id"], o["numer"], o["data"], o["uwagi"], o["suma_brutto_grosze"]]);
        let replayed: Vec<Value> = systim_orders(&world).iter().map(key).collect();
        let captured: Vec<Value> = w["systim_orders"].as_array().unwrap().iter().map(key).collect();
        assert_eq!(replayed, captured, "the replayed Systim account differs from the captured one");
        world
    }
}

/// A Systim API call straight into the sandbox (past faults and the request log).
fn systim_call(world: &InProcess, form: &str) -> Value {
    let req = Request::new("POST", "/jsonAPI.php").with_header("content-type", "application/x-www-form-urlencoded").with_body(form.as_bytes().to_vec());
    let resp = world.sandbox.borrow_mut().systim.handle(&req, world.clock.now_ms());
    assert_eq!(resp.status, 200, "{}", resp.body_text());
    resp.body_json()
}

fn systim_login(world: &InProcess) -> String {
    let info = world.info();
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("act", "login").append_pair("login", info["systim_login"].as_str().unwrap()).append_pair("pass", info["systim_key"].as_str().unwrap());
    let answer = systim_call(world, &form.finish());
    answer["result"]["token"].as_str().unwrap_or_else(|| panic!("no Systim token: {answer}")).to_string()
}

/// `addOrder` with exactly the parameters an earlier version sent; the new order's id.
fn systim_add_order(world: &InProcess, token: &str, sent: &Value) -> u64 {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("act", "addOrder").append_pair("token", token);
    flatten(&mut form, "", sent);
    let answer = systim_call(world, &form.finish());
    answer["result"].as_u64().or_else(|| answer["result"].as_str().and_then(|s| s.parse().ok())).unwrap_or_else(|| panic!("addOrder refused: {answer}"))
}

/// Nested parameters back into form fields (`produkty[0][id]=…`).
fn flatten(form: &mut form_urlencoded::Serializer<'_, String>, prefix: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}[{k}]") };
                flatten(form, &name, v);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(form, &format!("{prefix}[{i}]"), v);
            }
        }
        Value::String(s) => {
            form.append_pair(prefix, s);
        }
        Value::Null => {
            form.append_pair(prefix, "");
        }
        other => {
            form.append_pair(prefix, &other.to_string());
        }
    }
}

/// The capture of a fixture: the sandbox changes a scripted life makes, recorded as it goes.
pub struct Capture {
    pub world: InProcess,
    pub store: MemStorage,
    pub profile: Profile,
    start_ms: u64,
    events: Vec<Value>,
    systim_seen: usize,
}

impl Capture {
    pub fn new(profile: Profile) -> Capture {
        let world = demo_world_in(profile);
        let start_ms = world.clock.now_ms();
        let systim_seen = systim_orders(&world).len();
        Capture { world, store: MemStorage::new(), profile, start_ms, events: Vec::new(), systim_seen }
    }

    /// A storefront order, placed now.
    pub fn place(&mut self, spec: Value) -> u64 {
        self.note_systim();
        let id = self.world.control("POST", "/orders", spec.clone())["order_id"].as_u64().unwrap();
        self.events.push(json!({"event": "storefront_order", "at_ms": self.world.clock.now_ms(), "spec": spec, "order_id": id}));
        id
    }

    pub fn configure_systim(&mut self, knobs: Value) {
        self.note_systim();
        self.world.control("POST", "/systim/config", knobs.clone());
        self.events.push(json!({"event": "systim_config", "at_ms": self.world.clock.now_ms(), "knobs": knobs}));
    }

    /// Record the Systim orders created since the last look (call after every run).
    pub fn note_systim(&mut self) {
        let orders = systim_orders(&self.world);
        for o in &orders[self.systim_seen..] {
            self.events.push(json!({"event": "systim_order", "at_ms": o["created_ms"], "id": o["id"], "sent": o["sent"]}));
        }
        self.systim_seen = orders.len();
    }

    pub fn into_json(mut self, about: &str) -> Value {
        self.note_systim();
        let mut storage = Map::new();
        for key in self.store.keys() {
            storage.insert(key.clone(), Value::String(self.store.raw(&key).unwrap()));
        }
        json!({
            "about": about,
            "version": env!("CARGO_PKG_VERSION"),
            "world": {
                "scenario": "demo",
                "systim_profile": self.profile.name(),
                "clock_start_ms": self.start_ms,
                "clock_end_ms": self.world.clock.now_ms(),
                "events": self.events,
                "systim_orders": systim_orders(&self.world),
            },
            "storage": storage,
        })
    }
}
