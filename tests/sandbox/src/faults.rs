//! Fault injection, applied around both stand-ins.
//!
//! A fault either answers *instead of* the stand-in (nothing is committed: 500, 503, 429, a
//! PHP-style error page) or *after* it (the write is committed: the answer is slow past the
//! client's timeout, or the connection is dropped without an answer — the worst case for
//! `addOrder`). Faults come from a queue of rules ("the next 2 calls matching `addOrder`") or at
//! random at a configured rate from a seeded generator (the soak).

use crate::catalogue::Rng;
use crate::wire::{Delivery, Request, Response, Service};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 500 with the service's own error body; nothing committed.
    Http500,
    /// 503 maintenance; nothing committed.
    Http503,
    /// 429 with `Retry-After: 1` (Shoper's envelope); nothing committed.
    Http429,
    /// A non-JSON PHP fatal-error page with status 200 (Systim style) or 500; nothing committed.
    HtmlPage,
    /// The request is served (committed) but the answer comes only after `slow_ms`.
    Slow,
    /// The request is served (committed) and the connection is closed without an answer.
    DropAfterCommit,
}

impl FaultKind {
    pub const ALL: [FaultKind; 6] =
        [FaultKind::Http500, FaultKind::Http503, FaultKind::Http429, FaultKind::HtmlPage, FaultKind::Slow, FaultKind::DropAfterCommit];

    /// Whether the stand-in handles the request before the fault shows.
    pub fn commits(self) -> bool {
        matches!(self, FaultKind::Slow | FaultKind::DropAfterCommit)
    }
}

/// "The next `count` calls to `service` whose path or Systim `act` contains `matching`".
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultRule {
    pub service: Service,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    /// Substring of the path (Shoper) or the `act` (Systim); empty = every call.
    #[serde(default)]
    pub matching: String,
}

fn one() -> u32 {
    1
}

/// Random faults at a rate (the soak).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RandomFaults {
    /// Probability per API call, 0.0..=1.0.
    pub rate: f64,
    pub seed: u64,
    /// Kinds to draw from (all when empty).
    #[serde(default)]
    pub kinds: Vec<FaultKind>,
    /// Only calls to these services (both when empty).
    #[serde(default)]
    pub services: Vec<Service>,
}

#[derive(Clone, Debug)]
pub struct Faults {
    pub rules: VecDeque<FaultRule>,
    pub random: Option<(RandomFaults, Rng)>,
    /// How long a `Slow` answer waits.
    pub slow_ms: u64,
    /// Faults injected so far.
    pub injected: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults { rules: VecDeque::new(), random: None, slow_ms: 35_000, injected: 0 }
    }
}

/// The Systim method name of a request (from the query or the form body), for matching and logs.
pub fn systim_act(req: &Request) -> String {
    let from = |bytes: &[u8]| form_urlencoded::parse(bytes).find(|(k, _)| k == "act").map(|(_, v)| v.into_owned());
    from(req.query.as_bytes()).or_else(|| from(&req.body)).unwrap_or_default()
}

impl Faults {
    /// Pick the fault (if any) for this call, consuming a rule or drawing at random.
    pub fn pick(&mut self, service: Service, req: &Request) -> Option<FaultKind> {
        let subject = match service {
            Service::Shoper => req.path.clone(),
            Service::Systim => systim_act(req),
        };
        if let Some(pos) = self.rules.iter().position(|r| r.service == service && subject.contains(&r.matching)) {
            let rule = &mut self.rules[pos];
            let kind = rule.kind;
            rule.count = rule.count.saturating_sub(1);
            if rule.count == 0 {
                self.rules.remove(pos);
            }
            self.injected += 1;
            return Some(kind);
        }
        let (cfg, rng) = self.random.as_mut()?;
        if !cfg.services.is_empty() && !cfg.services.contains(&service) {
            return None;
        }
        if !rng.chance(cfg.rate) {
            return None;
        }
        let kinds: &[FaultKind] = if cfg.kinds.is_empty() { &FaultKind::ALL } else { &cfg.kinds };
        let kind = kinds[rng.below(kinds.len() as u64) as usize];
        self.injected += 1;
        Some(kind)
    }

    /// The answer a fault gives instead of the stand-in (for kinds that do not commit).
    pub fn replace(kind: FaultKind, service: Service) -> Response {
        let shoper_err = |status: u16, code: &str, text: &str| {
            Response::json(status, &serde_json::json!({"error": code, "error_description": text}))
        };
        match (kind, service) {
            (FaultKind::Http500, Service::Shoper) => shoper_err(500, "server_error", "Internal server error"),
            (FaultKind::Http503, Service::Shoper) => shoper_err(503, "temporarily_unavailable", "Service temporarily unavailable"),
            (FaultKind::Http429, _) => {
                let mut r = shoper_err(429, "temporarily_unavailable", "Too many requests");
                r.set_header("retry-after", "1");
                r
            }
            (FaultKind::Http500, Service::Systim) => Response::html(500, php_fatal_page()),
            (FaultKind::Http503, Service::Systim) => Response::html(503, "<html><body><h1>503 Service Unavailable</h1></body></html>"),
            (FaultKind::HtmlPage, Service::Systim) => Response::html(200, php_fatal_page()),
            (FaultKind::HtmlPage, Service::Shoper) => Response::html(502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"),
            (FaultKind::Slow | FaultKind::DropAfterCommit, _) => unreachable!("committing faults do not replace the answer"),
        }
    }

    /// Turn a served answer into the faulty one (for kinds that commit).
    pub fn degrade(&self, kind: FaultKind, mut resp: Response) -> Response {
        match kind {
            FaultKind::Slow => resp.delay_ms = self.slow_ms,
            FaultKind::DropAfterCommit => resp.delivery = Delivery::Drop,
            _ => {}
        }
        resp
    }
}

fn php_fatal_page() -> String {
    "<br />\n<b>Fatal error</b>:  Uncaught Error: Cannot assign an empty string to a string offset in /var/www/systim/jsonAPI.php:812\nStack trace:\n#0 {main}\n  thrown in <b>/var/www/systim/jsonAPI.php</b> on line <b>812</b><br />\n".to_string()
}
