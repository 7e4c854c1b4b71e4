//! Fault injection, applied around both stand-ins.
//!
//! A fault either answers *instead of* the stand-in (nothing is committed: 500, 503, 429, a
//! PHP-style error page, a connection closed before the request is served) or *after* it (the
//! write is committed: the answer is slow past the client's timeout, the connection is closed
//! without an answer — the worst case for `addOrder` — or the answer is cut off mid-body).
//! Faults come from a queue of rules ("the next 2 calls matching `addOrder`") or at random at a
//! configured rate from a seeded generator (the soak).
//!
//! # The network faults a browser meets (see `docs/sandbox.md`)
//! Browsers resend ANY request, POST included, by themselves when a *reused* keep-alive
//! connection closes before any byte of the answer arrived. So:
//! - `write_then_close` serves the request (committed) and closes the connection without an
//!   answer, but only for a request that is not known to be the first of its connection
//!   ([`crate::wire::Request::connection_seq`] ≠ 1): a rule waits for such a request; a random
//!   draw that falls on a fresh connection becomes `drop_after_commit` (logged as such).
//! - `close_before_write` closes the connection without serving the request (nothing committed).
//! - `reset_mid_answer` serves the request, sends the headers and half the body, then aborts.
//! - `write_then_close_then_429` / `drop_after_commit_then_429` (random kinds, or a rule's
//!   `"then": "429"` on `write_then_close` / `drop_after_commit`) also arm a refusal of the
//!   *resend*: the next request identical to the dropped one (same service, method, path, query
//!   and body) within [`RESEND_WINDOW_MS`] is answered without being served — Shoper 429 with
//!   `Retry-After`, Systim code 2 (HTTP 200) — and logged as `resend_429`. A random
//!   `write_then_close_then_429` on a fresh connection becomes `drop_after_commit_then_429`.
//!
//! Every request identical to one whose connection closed without an answer (`Drop`/`Close`)
//! within [`RESEND_WINDOW_MS`] is a *resend*: the log marks it and the state counts it.

use crate::catalogue::Rng;
use crate::wire::{Delivery, Request, Response, Service};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::hash::{Hash, Hasher};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// Like `drop_after_commit`, but only on a reused connection, where a browser resends the
    /// request by itself: one `fetch`, two writes.
    WriteThenClose,
    /// The connection is closed without the request being served; nothing committed.
    CloseBeforeWrite,
    /// Served (committed); headers and half the body go out, then the connection is aborted.
    ResetMidAnswer,
    /// `write_then_close`, and the resend that follows is refused (Shoper 429, Systim code 2).
    #[serde(rename = "write_then_close_then_429")]
    WriteThenCloseThen429,
    /// `drop_after_commit`, and the resend that follows (if any) is refused.
    #[serde(rename = "drop_after_commit_then_429")]
    DropAfterCommitThen429,
    /// Logged only (never configured): the refusal a resend of a dropped request met.
    #[serde(rename = "resend_429", skip_deserializing)]
    Resend429,
}

impl FaultKind {
    /// What a random draw picks from when `kinds` is empty: the original server-side faults. The
    /// network faults of a browser's connection (`write_then_close`, `close_before_write`,
    /// `reset_mid_answer`, `write_then_close_then_429`) must be named, so soaks that configure
    /// "all kinds" keep their meaning.
    pub const DEFAULT_RANDOM: [FaultKind; 6] =
        [FaultKind::Http500, FaultKind::Http503, FaultKind::Http429, FaultKind::HtmlPage, FaultKind::Slow, FaultKind::DropAfterCommit];

    /// The faults of a browser's connection.
    pub const NETWORK: [FaultKind; 5] = [
        FaultKind::WriteThenClose,
        FaultKind::CloseBeforeWrite,
        FaultKind::ResetMidAnswer,
        FaultKind::WriteThenCloseThen429,
        FaultKind::DropAfterCommitThen429,
    ];

    /// Whether the stand-in handles the request before the fault shows.
    pub fn commits(self) -> bool {
        matches!(
            self,
            FaultKind::Slow
                | FaultKind::DropAfterCommit
                | FaultKind::WriteThenClose
                | FaultKind::ResetMidAnswer
                | FaultKind::WriteThenCloseThen429
                | FaultKind::DropAfterCommitThen429
        )
    }

    /// The resend of the dropped request is to be refused.
    pub fn refuses_resend(self) -> bool {
        matches!(self, FaultKind::WriteThenCloseThen429 | FaultKind::DropAfterCommitThen429)
    }

    /// Applies only to a request that is not known to be the first of its connection.
    pub fn needs_reused_connection(self) -> bool {
        matches!(self, FaultKind::WriteThenClose | FaultKind::WriteThenCloseThen429)
    }
}

/// What follows a dropped answer (`"then"` of a rule in the control API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Then {
    /// The resend is refused: Shoper 429 with `Retry-After`, Systim code 2.
    #[serde(rename = "429")]
    Refuse429,
}

/// "The next `count` calls to `service` whose path or Systim `act` contains `matching`".
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultRule {
    pub service: Service,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    /// Substring of the path (Shoper) or the `act` (Systim); empty = every call; `bulk:<part>` = a
    /// Shoper bulk call with an operation whose path contains `<part>`.
    #[serde(default)]
    pub matching: String,
}

/// A rule as `POST /__sandbox/faults` takes it: a [`FaultRule`] and, on `write_then_close` and
/// `drop_after_commit`, `"then": "429"` (stored as the `…_then_429` kind).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub service: Service,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub matching: String,
    #[serde(default)]
    pub then: Option<Then>,
}

impl RuleSpec {
    /// The rule, or why it cannot be used.
    pub fn into_rule(self) -> Result<FaultRule, String> {
        let kind = match (self.kind, self.then) {
            (FaultKind::Resend429, _) => return Err("resend_429 is logged, not configured".into()),
            (kind, None) => kind,
            (FaultKind::WriteThenClose, Some(Then::Refuse429)) => FaultKind::WriteThenCloseThen429,
            (FaultKind::DropAfterCommit, Some(Then::Refuse429)) => FaultKind::DropAfterCommitThen429,
            (kind, Some(_)) => return Err(format!("\"then\" applies to write_then_close and drop_after_commit rules, not to {kind:?}")),
        };
        Ok(FaultRule { service: self.service, kind, count: self.count, matching: self.matching })
    }
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
    /// Kinds to draw from ([`FaultKind::DEFAULT_RANDOM`] when empty).
    #[serde(default)]
    pub kinds: Vec<FaultKind>,
    /// Only calls to these services (both when empty).
    #[serde(default)]
    pub services: Vec<Service>,
}

/// How long after a dropped answer an identical request counts as its resend (and meets an
/// armed 429). A browser resends at once; the window only keeps stale entries from matching an
/// unrelated identical request much later.
pub const RESEND_WINDOW_MS: u64 = 60_000;

/// Dropped answers remembered for resend detection.
const DROPPED_KEPT: usize = 256;

/// A request's identity for resend detection: service, method, path, query and body.
pub fn fingerprint(service: Service, req: &Request) -> u64 {
    // `DefaultHasher::new()` has fixed keys: the same value for the same request in a process.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    service.hash(&mut h);
    req.method.hash(&mut h);
    req.path.hash(&mut h);
    req.query.hash(&mut h);
    req.body.hash(&mut h);
    h.finish()
}

/// The fault chosen for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Picked {
    pub kind: FaultKind,
    /// Refuse the resend of this call's dropped answer.
    pub then_429: bool,
}

#[derive(Clone, Debug)]
pub struct Faults {
    pub rules: VecDeque<FaultRule>,
    pub random: Option<(RandomFaults, Rng)>,
    /// How long a `Slow` answer waits.
    pub slow_ms: u64,
    /// Faults injected so far.
    pub injected: u64,
    /// Faults injected so far, by kind.
    pub by_kind: BTreeMap<FaultKind, u64>,
    /// Requests seen that were identical to an earlier one whose answer was dropped.
    pub resends: u64,
    /// Fingerprints of requests whose connection closed without an answer, with the time.
    dropped: VecDeque<(u64, u64)>,
    /// Fingerprints whose next identical request is refused (429 / code 2), with the time.
    armed_429: VecDeque<(u64, u64)>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rules: VecDeque::new(),
            random: None,
            slow_ms: 35_000,
            injected: 0,
            by_kind: BTreeMap::new(),
            resends: 0,
            dropped: VecDeque::new(),
            armed_429: VecDeque::new(),
        }
    }
}

/// The Systim method name of a request (from the query or the form body), for matching and logs.
pub fn systim_act(req: &Request) -> String {
    let from = |bytes: &[u8]| form_urlencoded::parse(bytes).find(|(k, _)| k == "act").map(|(_, v)| v.into_owned());
    from(req.query.as_bytes()).or_else(|| from(&req.body)).unwrap_or_default()
}

/// Whether a Shoper call is the one a rule's `matching` names: a substring of the path, or
/// `bulk:<part>` — a bulk call one of whose operations' path contains `<part>` (every read of the
/// engine goes through `/webapi/rest/bulk`, so "the read of products" is named `bulk:products`).
pub fn shoper_matches(req: &Request, matching: &str) -> bool {
    let Some(part) = matching.strip_prefix("bulk:") else { return req.path.contains(matching) };
    if !req.path.ends_with("/bulk") {
        return false;
    }
    match serde_json::from_slice::<serde_json::Value>(&req.body) {
        Ok(serde_json::Value::Array(ops)) => ops.iter().filter_map(|op| op.get("path").and_then(|p| p.as_str())).any(|p| p.contains(part)),
        _ => false,
    }
}

impl Faults {
    /// `DELETE /__sandbox/faults`: rules, random faults and armed refusals go; the counters and
    /// the memory of dropped answers (resend detection) stay.
    pub fn clear(&mut self) {
        self.rules.clear();
        self.random = None;
        self.armed_429.clear();
        self.slow_ms = Faults::default().slow_ms;
    }

    fn count(&mut self, kind: FaultKind) {
        self.injected += 1;
        *self.by_kind.entry(kind).or_insert(0) += 1;
    }

    /// Pick the fault (if any) for this call, consuming a rule or drawing at random.
    pub fn pick(&mut self, service: Service, req: &Request) -> Option<Picked> {
        let act = if service == Service::Systim { systim_act(req) } else { String::new() };
        let subject_matches = |matching: &str| match service {
            Service::Shoper => shoper_matches(req, matching),
            Service::Systim => act.contains(matching),
        };
        let fresh = req.connection_seq == 1;
        let applies = |r: &FaultRule| r.service == service && subject_matches(&r.matching) && !(fresh && r.kind.needs_reused_connection());
        if let Some(pos) = self.rules.iter().position(applies) {
            let rule = &mut self.rules[pos];
            let picked = Picked { kind: rule.kind, then_429: rule.kind.refuses_resend() };
            rule.count = rule.count.saturating_sub(1);
            if rule.count == 0 {
                self.rules.remove(pos);
            }
            self.count(picked.kind);
            return Some(picked);
        }
        let (cfg, rng) = self.random.as_mut()?;
        if !cfg.services.is_empty() && !cfg.services.contains(&service) {
            return None;
        }
        if !rng.chance(cfg.rate) {
            return None;
        }
        let kinds: &[FaultKind] = if cfg.kinds.is_empty() { &FaultKind::DEFAULT_RANDOM } else { &cfg.kinds };
        let drawn = kinds[rng.below(kinds.len() as u64) as usize];
        // On a fresh connection a browser does not resend: the close is a plain dropped answer.
        let kind = match drawn {
            FaultKind::WriteThenClose if fresh => FaultKind::DropAfterCommit,
            FaultKind::WriteThenCloseThen429 if fresh => FaultKind::DropAfterCommitThen429,
            other => other,
        };
        self.count(kind);
        Some(Picked { kind, then_429: kind.refuses_resend() })
    }

    /// Note a request whose connection closed without an answer (resend detection), and arm the
    /// refusal of its resend when asked.
    pub fn note_dropped(&mut self, fp: u64, now_ms: u64, then_429: bool) {
        self.dropped.push_back((fp, now_ms));
        while self.dropped.len() > DROPPED_KEPT {
            self.dropped.pop_front();
        }
        if then_429 {
            self.armed_429.push_back((fp, now_ms));
        }
    }

    /// Whether this request repeats one whose answer was dropped (each drop matches one resend).
    pub fn take_resend(&mut self, fp: u64, now_ms: u64) -> bool {
        self.dropped.retain(|(_, t)| now_ms.saturating_sub(*t) <= RESEND_WINDOW_MS);
        match self.dropped.iter().position(|(f, _)| *f == fp) {
            Some(i) => {
                self.dropped.remove(i);
                self.resends += 1;
                true
            }
            None => false,
        }
    }

    /// Whether this request meets an armed refusal (consumed; counted as `resend_429`).
    pub fn take_armed_429(&mut self, fp: u64, now_ms: u64) -> bool {
        self.armed_429.retain(|(_, t)| now_ms.saturating_sub(*t) <= RESEND_WINDOW_MS);
        match self.armed_429.iter().position(|(f, _)| *f == fp) {
            Some(i) => {
                self.armed_429.remove(i);
                self.count(FaultKind::Resend429);
                true
            }
            None => false,
        }
    }

    /// Refusals armed and not yet met.
    pub fn armed_count(&self) -> usize {
        self.armed_429.len()
    }

    /// The answer a fault gives instead of the stand-in (for kinds that do not commit).
    pub fn replace(kind: FaultKind, service: Service) -> Response {
        let shoper_err = |status: u16, code: &str, text: &str| Response::json(status, &serde_json::json!({"error": code, "error_description": text}));
        match (kind, service) {
            (FaultKind::Http500, Service::Shoper) => shoper_err(500, "server_error", "Internal server error"),
            (FaultKind::Http503, Service::Shoper) => shoper_err(503, "temporarily_unavailable", "Service temporarily unavailable"),
            (FaultKind::Http429 | FaultKind::Resend429, _) => {
                let mut r = shoper_err(429, "temporarily_unavailable", "Too many requests");
                r.set_header("retry-after", "1");
                r
            }
            (FaultKind::Http500, Service::Systim) => Response::html(500, php_fatal_page()),
            (FaultKind::Http503, Service::Systim) => Response::html(503, "<html><body><h1>503 Service Unavailable</h1></body></html>"),
            (FaultKind::HtmlPage, Service::Systim) => Response::html(200, php_fatal_page()),
            (FaultKind::HtmlPage, Service::Shoper) => Response::html(
                502,
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            ),
            (FaultKind::CloseBeforeWrite, _) => {
                // No answer at all: status 0 in the log.
                let mut r = Response::new(0, "text/plain", Vec::new());
                r.delivery = Delivery::Close;
                r
            }
            (
                FaultKind::Slow
                | FaultKind::DropAfterCommit
                | FaultKind::WriteThenClose
                | FaultKind::ResetMidAnswer
                | FaultKind::WriteThenCloseThen429
                | FaultKind::DropAfterCommitThen429,
                _,
            ) => unreachable!("committing faults do not replace the answer"),
        }
    }

    /// Turn a served answer into the faulty one (for kinds that commit).
    pub fn degrade(&self, kind: FaultKind, mut resp: Response) -> Response {
        match kind {
            FaultKind::Slow => resp.delay_ms = self.slow_ms,
            FaultKind::DropAfterCommit | FaultKind::WriteThenClose | FaultKind::WriteThenCloseThen429 | FaultKind::DropAfterCommitThen429 => {
                resp.delivery = Delivery::Drop
            }
            FaultKind::ResetMidAnswer => resp.delivery = Delivery::Reset,
            _ => {}
        }
        resp
    }
}

fn php_fatal_page() -> String {
    "<br />\n<b>Fatal error</b>:  Uncaught Error: Cannot assign an empty string to a string offset in /var/www/systim/jsonAPI.php:812\nStack trace:\n#0 {main}\n  thrown in <b>/var/www/systim/jsonAPI.php</b> on line <b>812</b><br />\n".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(path: &str, body: &str) -> Request {
        Request { method: "POST".into(), path: path.into(), body: body.as_bytes().to_vec(), ..Request::default() }
    }

    #[test]
    fn a_bulk_rule_meets_the_bulk_call_that_reads_its_path_and_no_other() {
        let reads =
            post("/webapi/rest/bulk", r#"[{"id":"a","path":"/webapi/rest/products","method":"GET"},{"id":"b","path":"/webapi/rest/taxes","method":"GET"}]"#);
        assert!(shoper_matches(&reads, "bulk:products"));
        assert!(shoper_matches(&reads, "bulk:taxes"));
        assert!(!shoper_matches(&reads, "bulk:orders"));
        // A plain rule still names the call's own path only.
        assert!(!shoper_matches(&reads, "/products"));
        assert!(shoper_matches(&reads, "/bulk"));
        let create = post("/webapi/rest/products", "{}");
        assert!(shoper_matches(&create, "/products"));
        assert!(!shoper_matches(&create, "bulk:products"));
        assert!(!shoper_matches(&post("/webapi/rest/bulk", "not json"), "bulk:products"));
    }
}
