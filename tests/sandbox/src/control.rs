//! The whole sandbox world — both stand-ins, fault injection and the request log — and its
//! control API under `/__sandbox/` (served on both ports, permissive CORS everywhere).
//!
//! | route | body | answer |
//! |---|---|---|
//! | `GET /__sandbox/info` | | scenario name, credentials and the Systim profile |
//! | `POST /__sandbox/reset` | `{"scenario":"demo", "systim_profile"?: "strict"}` | `{"ok":true}`; state, faults and log start anew (with the start-up Systim profile unless named) |
//! | `GET /__sandbox/state` | | `{"scenario", "shoper": {...}, "systim": {...}, "faults_injected", "faults": {"injected", "by_kind", "resends_seen", "armed_429"}}` |
//! | `POST /__sandbox/orders` | storefront order spec (see `ShoperState::place_storefront_order`) | `{"order_id": N}` |
//! | `POST /__sandbox/faults` | `{"rules":[RuleSpec…], "random": RandomFaults?, "slow_ms"?}` | `{"ok":true}` |
//! | `DELETE /__sandbox/faults` | | clears rules, random faults and armed refusals (counters stay) |
//! | `POST /__sandbox/shoper/config` | knobs (see `ShoperState::configure`) | `{"ok":true}` |
//! | `POST /__sandbox/shoper/expire-tokens` | | every Shoper token now answers 401 |
//! | `POST /__sandbox/systim/config` | knobs (see `SystimState::configure`), e.g. `{"profile":"strict"}` | `{"ok":true}` |
//! | `POST /__sandbox/systim/kill-tokens` | | a "web login": every Systim token answers code 13 |
//! | `DELETE /__sandbox/systim/orders/{id}` | | `{"ok":true}`; the merchant deletes an order in Systim's panel (404 if none) |
//! | `POST /__sandbox/systim/stock` | `{"product_id":1,"store_id":1,"quantity":"12.5"}` | `{"ok":true}` |
//! | `POST /__sandbox/systim/products` | a product spec or `{"products":[spec…]}` (see `SystimState::create_products`) | `{"ids":[N…]}` |
//! | `GET /__sandbox/log?since=N` | | `{"next": M, "entries": [LogEntry…]}` |
//! | `DELETE /__sandbox/log` | | clears the log |
//!
//! Errors answer 400 `{"error": "..."}`.

use crate::catalogue::Scenario;
use crate::faults::{fingerprint, systim_act, FaultKind, Faults, RandomFaults, RuleSpec};
use crate::shoper::ShoperState;
use crate::systim::config::{Profile, DEFAULT_PROFILE};
use crate::systim::SystimState;
use crate::wire::{Delivery, Request, Response, Service};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One API call as the sandbox saw it. Bodies of Shoper writes are kept (they hold no secrets;
/// the soak reads stock writes from them); Systim bodies and all query strings are not (they may
/// hold keys).
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub service: Service,
    pub method: String,
    pub path: String,
    /// Systim method name (`act`), "" for Shoper.
    pub act: String,
    pub status: u16,
    pub time_ms: u64,
    /// Shoper leaky-bucket level after the call.
    pub bucket_level: Option<f64>,
    pub fault: Option<FaultKind>,
    /// Which request of its connection this was (1 = a fresh connection, 2+ = reused, 0 =
    /// unknown: in-process).
    pub connection_seq: u32,
    /// The request is identical to an earlier one whose connection closed without an answer
    /// (a browser's own resend, or a client's retry).
    pub resend: bool,
    /// False when the connection was closed or reset, or the answer delayed (`slow`).
    pub delivered: bool,
    /// JSON body of a Shoper PUT/POST (not `/auth`).
    pub body: Option<Value>,
}

pub struct Sandbox {
    pub scenario: Scenario,
    pub shoper: ShoperState,
    pub systim: SystimState,
    pub faults: Faults,
    pub log: Vec<LogEntry>,
    next_seq: u64,
    /// The Systim profile the world starts with (and returns to on a reset).
    systim_profile: Profile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    #[serde(default)]
    rules: Vec<RuleSpec>,
    #[serde(default)]
    random: Option<RandomFaults>,
    #[serde(default)]
    slow_ms: Option<u64>,
}

fn ok() -> Response {
    Response::json(200, &json!({"ok": true}))
}

fn bad(msg: impl Into<String>) -> Response {
    Response::json(400, &json!({"error": msg.into()}))
}

fn parse_body<T: for<'de> Deserialize<'de>>(req: &Request) -> Result<T, Response> {
    let body: &[u8] = if req.body.is_empty() { b"{}" } else { &req.body };
    serde_json::from_slice(body).map_err(|e| bad(format!("bad JSON body: {e}")))
}

impl Sandbox {
    /// A world with the default Systim profile ([`DEFAULT_PROFILE`]).
    pub fn new(scenario: &str) -> Result<Sandbox, String> {
        Sandbox::with_profile(scenario, DEFAULT_PROFILE)
    }

    /// A world whose Systim account starts in `profile` (and returns to it on a reset).
    pub fn with_profile(scenario: &str, profile: Profile) -> Result<Sandbox, String> {
        let scenario = crate::catalogue::by_name(scenario)?;
        Ok(Sandbox::from_scenario_with(scenario, profile))
    }

    pub fn from_scenario(scenario: Scenario) -> Sandbox {
        Sandbox::from_scenario_with(scenario, DEFAULT_PROFILE)
    }

    pub fn from_scenario_with(scenario: Scenario, profile: Profile) -> Sandbox {
        Sandbox {
            shoper: ShoperState::from_scenario(&scenario),
            systim: SystimState::from_scenario_with(&scenario, profile),
            scenario,
            faults: Faults::default(),
            log: Vec::new(),
            next_seq: 0,
            systim_profile: profile,
        }
    }

    /// Switch the Systim profile now and make it the one a reset returns to.
    pub fn set_systim_profile(&mut self, profile: Profile) {
        self.systim_profile = profile;
        self.systim.set_profile(profile);
    }

    /// The Systim profile a reset returns to.
    pub fn systim_profile(&self) -> Profile {
        self.systim_profile
    }

    /// What `GET /__sandbox/state` answers.
    pub fn state_json(&self) -> Value {
        json!({
            "scenario": self.scenario.name,
            "shoper": self.shoper.state_json(),
            "systim": self.systim.state_json(),
            "faults_injected": self.faults.injected,
            "faults": {
                "injected": self.faults.injected,
                "by_kind": self.faults.by_kind,
                "resends_seen": self.faults.resends,
                "armed_429": self.faults.armed_count(),
            },
        })
    }

    /// Serve one request arriving at `service`'s port.
    pub fn handle(&mut self, service: Service, req: &Request, now_ms: u64) -> Response {
        let mut resp = if req.method == "OPTIONS" {
            Response::new(204, "text/plain", Vec::new())
        } else if req.path.starts_with("/__sandbox/") || req.path == "/__sandbox" {
            self.control(req, now_ms)
        } else {
            self.api(service, req, now_ms)
        };
        add_cors(&mut resp);
        resp
    }

    fn api(&mut self, service: Service, req: &Request, now_ms: u64) -> Response {
        let fp = fingerprint(service, req);
        let resend = self.faults.take_resend(fp, now_ms);
        if self.faults.take_armed_429(fp, now_ms) {
            // The resend of a dropped request, refused without being served.
            let resp = match service {
                Service::Shoper => Faults::replace(FaultKind::Resend429, service),
                Service::Systim => self.systim.throttled_answer(),
            };
            self.record(service, req, &resp, Some(FaultKind::Resend429), resend, now_ms);
            return resp;
        }
        let picked = self.faults.pick(service, req);
        let fault = picked.map(|p| p.kind);
        let resp = match fault {
            Some(kind) if !kind.commits() => Faults::replace(kind, service),
            _ => {
                let served = match service {
                    Service::Shoper => self.shoper.handle(req, now_ms),
                    Service::Systim => self.systim.handle(req, now_ms),
                };
                match fault {
                    Some(kind) => self.faults.degrade(kind, served),
                    None => served,
                }
            }
        };
        if resp.delivery.no_answer() {
            self.faults.note_dropped(fp, now_ms, picked.is_some_and(|p| p.then_429));
        }
        self.record(service, req, &resp, fault, resend, now_ms);
        resp
    }

    fn record(&mut self, service: Service, req: &Request, resp: &Response, fault: Option<FaultKind>, resend: bool, now_ms: u64) {
        let body = (service == Service::Shoper && matches!(req.method.as_str(), "PUT" | "POST") && !req.path.ends_with("/auth"))
            .then(|| serde_json::from_slice(&req.body).ok())
            .flatten();
        self.log.push(LogEntry {
            seq: self.next_seq,
            service,
            method: req.method.clone(),
            path: req.path.clone(),
            act: if service == Service::Systim { systim_act(req) } else { String::new() },
            status: resp.status,
            time_ms: now_ms,
            bucket_level: resp.bucket_level,
            fault,
            connection_seq: req.connection_seq,
            resend,
            delivered: resp.delivery == Delivery::Normal && resp.delay_ms == 0,
            body,
        });
        self.next_seq += 1;
    }

    fn control(&mut self, req: &Request, now_ms: u64) -> Response {
        let route = req.path.trim_start_matches("/__sandbox").trim_end_matches('/');
        match (req.method.as_str(), route) {
            ("GET", "/info") => Response::json(200, &self.info()),
            ("POST", "/reset") => self.reset(req),
            ("GET", "/state") => Response::json(200, &self.state_json()),
            ("POST", "/orders") => match parse_body::<Value>(req) {
                Ok(spec) => match self.shoper.place_storefront_order(&spec, now_ms) {
                    Ok(id) => Response::json(200, &json!({"order_id": id})),
                    Err(e) => bad(e),
                },
                Err(r) => r,
            },
            ("POST", "/faults") => self.set_faults(req),
            ("DELETE", "/faults") => {
                self.faults.clear();
                ok()
            }
            ("POST", "/shoper/config") => self.configure(req, Service::Shoper),
            ("POST", "/systim/config") => self.configure(req, Service::Systim),
            ("POST", "/shoper/expire-tokens") => {
                self.shoper.expire_tokens();
                ok()
            }
            ("POST", "/systim/kill-tokens") => {
                self.systim.kill_tokens();
                ok()
            }
            ("POST", "/systim/stock") => self.set_systim_stock(req),
            ("POST", "/systim/products") => match parse_body::<Value>(req) {
                Ok(spec) => match self.systim.create_products(&spec) {
                    Ok(ids) => Response::json(200, &json!({"ids": ids})),
                    Err(e) => bad(e),
                },
                Err(r) => r,
            },
            ("DELETE", path) if path.starts_with("/systim/orders/") => match path["/systim/orders/".len()..].parse::<u64>() {
                Ok(id) if self.systim.delete_order(id) => ok(),
                Ok(id) => Response::json(404, &json!({"error": format!("no Systim order {id}")})),
                Err(_) => bad("an order id expected"),
            },
            ("GET", "/log") => {
                let since = req.query_pairs().into_iter().find(|(k, _)| k == "since").and_then(|(_, v)| v.parse::<u64>().ok()).unwrap_or(0);
                let entries: Vec<&LogEntry> = self.log.iter().filter(|e| e.seq >= since).collect();
                Response::json(200, &json!({"next": self.next_seq, "entries": entries}))
            }
            ("DELETE", "/log") => {
                self.log.clear();
                ok()
            }
            _ => Response::json(404, &json!({"error": format!("unknown control route {} {}", req.method, req.path)})),
        }
    }

    /// Scenario name and credentials (what `main.rs` prints on start-up, minus the URLs).
    pub fn info(&self) -> Value {
        json!({
            "scenario": self.scenario.name,
            "shoper_login": self.scenario.shoper_login,
            "shoper_password": self.scenario.shoper_password,
            "shoper_token": self.scenario.shoper_token,
            "systim_login": self.scenario.systim_login,
            "systim_key": self.scenario.systim_key,
            "systim_profile": self.systim.profile().name(),
        })
    }

    fn reset(&mut self, req: &Request) -> Response {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            scenario: Option<String>,
            systim_profile: Option<String>,
        }
        let body: Body = match parse_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let name = body.scenario.unwrap_or_else(|| self.scenario.name.clone());
        let profile = match body.systim_profile.as_deref().map(Profile::parse) {
            None => self.systim_profile,
            Some(Ok(p)) => p,
            Some(Err(e)) => return bad(e),
        };
        match Sandbox::with_profile(&name, profile) {
            Ok(fresh) => {
                *self = fresh;
                ok()
            }
            Err(e) => bad(e),
        }
    }

    fn set_faults(&mut self, req: &Request) -> Response {
        let body: FaultsBody = match parse_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if let Some(r) = &body.random {
            if !(0.0..=1.0).contains(&r.rate) {
                return bad("random.rate must be within 0..1");
            }
        }
        let rules = match body.rules.into_iter().map(RuleSpec::into_rule).collect::<Result<Vec<_>, _>>() {
            Ok(rules) => rules,
            Err(e) => return bad(e),
        };
        self.faults.rules.extend(rules);
        if let Some(r) = body.random {
            let rng = crate::catalogue::Rng::new(r.seed);
            self.faults.random = Some((r, rng));
        }
        if let Some(ms) = body.slow_ms {
            self.faults.slow_ms = ms;
        }
        ok()
    }

    fn configure(&mut self, req: &Request, service: Service) -> Response {
        let knobs: Value = match parse_body(req) {
            Ok(v) => v,
            Err(r) => return r,
        };
        let result = match service {
            Service::Shoper => self.shoper.configure(&knobs),
            Service::Systim => self.systim.configure(&knobs),
        };
        match result {
            Ok(()) => ok(),
            Err(e) => bad(e),
        }
    }

    fn set_systim_stock(&mut self, req: &Request) -> Response {
        #[derive(Deserialize)]
        struct Body {
            product_id: u64,
            store_id: u64,
            quantity: Value,
        }
        let body: Body = match parse_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let text = match &body.quantity {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let Some(milli) = parse_milli(&text) else {
            return bad(format!("quantity '{text}' is not a decimal number with at most 3 decimals"));
        };
        match self.systim.set_quantity(body.product_id, body.store_id, milli) {
            Ok(()) => ok(),
            Err(e) => bad(e),
        }
    }
}

/// `"12.5"` → 12500 (thousandths); at most three decimals.
pub fn parse_milli(text: &str) -> Option<i64> {
    let t = text.trim().replace(',', ".");
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, t),
    };
    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
    if int.is_empty() || frac.len() > 3 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = int.parse::<i64>().ok()?.checked_mul(1000)? + format!("{frac:0<3}").parse::<i64>().ok()?;
    Some(if neg { -v } else { v })
}

fn add_cors(resp: &mut Response) {
    resp.set_header("access-control-allow-origin", "*");
    resp.set_header("access-control-allow-methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    resp.set_header("access-control-allow-headers", "*, authorization, content-type");
    resp.set_header("access-control-expose-headers", "*, x-shop-api-calls, x-shop-api-limit, x-shop-api-bandwidth, retry-after, x-shop-result-count");
    resp.set_header("access-control-max-age", "600");
}
