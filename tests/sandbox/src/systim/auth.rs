//! Login, session tokens and throttling.
//!
//! Tokens are 38 hex digits (as the manual's example and a public client's test show — never
//! assume 40), deterministic per state (no clock, no OS randomness). A token lives
//! `token_ttl_s` seconds since its last successful use or its issue (sliding, like Systim's
//! "automatic logout" inactivity time); `kill_all` is a web-panel login. Throttling counts the
//! calls admitted in the trailing 60 s; refused calls are not counted, so a client that backs
//! off for a minute always gets through again.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{json, Map, Value};

use super::envelope::Fault;
use super::form::leaf;

const WINDOW_MS: u64 = 60_000;

#[derive(Clone, Debug)]
pub struct Auth {
    pub login: String,
    pub key: String,
    /// token → last use (or issue) time, ms.
    tokens: BTreeMap<String, u64>,
    seed: u64,
    issued: u64,
    /// Times of the calls admitted in the current throttling window.
    recent: VecDeque<u64>,
}

impl Auth {
    pub fn new(login: &str, key: &str, seed_text: &str) -> Auth {
        let seed = seed_text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        Auth { login: login.to_string(), key: key.to_string(), tokens: BTreeMap::new(), seed, issued: 0, recent: VecDeque::new() }
    }

    /// Count this call against the per-minute limit; `false` = refuse with code 2.
    pub fn admit(&mut self, now_ms: u64, per_minute: u64) -> bool {
        while self.recent.front().is_some_and(|t| now_ms.saturating_sub(*t) >= WINDOW_MS) {
            self.recent.pop_front();
        }
        if per_minute == 0 {
            self.recent.clear();
            return true;
        }
        if self.recent.len() as u64 >= per_minute {
            return false;
        }
        self.recent.push_back(now_ms);
        true
    }

    /// `act=login`: `{"token": …}` or code 4 (`result: null`).
    pub fn login(&mut self, params: &Map<String, Value>, now_ms: u64, ttl_s: u64) -> Result<Value, Fault> {
        self.forget_expired(now_ms, ttl_s);
        self.check_credentials(params)?;
        Ok(json!({ "token": self.issue(now_ms) }))
    }

    fn check_credentials(&self, params: &Map<String, Value>) -> Result<(), Fault> {
        let ok = leaf(params, "login") == Some(self.login.as_str()) && leaf(params, "pass") == Some(self.key.as_str());
        if ok {
            Ok(())
        } else {
            Err(Fault::bad_login())
        }
    }

    /// A fresh token, as a successful login gives.
    pub fn issue(&mut self, now_ms: u64) -> String {
        self.issued += 1;
        let mut state = self.seed ^ self.issued.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ now_ms;
        let token = format!("{:016x}{:016x}{:06x}", splitmix(&mut state), splitmix(&mut state), splitmix(&mut state) & 0xff_ffff);
        self.tokens.insert(token.clone(), now_ms);
        token
    }

    /// Any call other than `login`: a live `token`, or (when allowed) the old `login` + `pass`.
    pub fn authorize(&mut self, params: &Map<String, Value>, now_ms: u64, ttl_s: u64, legacy: bool) -> Result<(), Fault> {
        self.forget_expired(now_ms, ttl_s);
        if let Some(token) = leaf(params, "token") {
            return self.touch(token, now_ms);
        }
        if legacy && params.contains_key("login") && params.contains_key("pass") {
            return self.check_credentials(params);
        }
        Err(Fault::no_session())
    }

    fn touch(&mut self, token: &str, now_ms: u64) -> Result<(), Fault> {
        let last = self.tokens.get_mut(token).ok_or_else(Fault::no_session)?;
        *last = (*last).max(now_ms);
        Ok(())
    }

    fn forget_expired(&mut self, now_ms: u64, ttl_s: u64) {
        if ttl_s > 0 {
            let ttl_ms = ttl_s.saturating_mul(1_000);
            self.tokens.retain(|_, last| now_ms.saturating_sub(*last) < ttl_ms);
        }
    }

    pub fn kill_all(&mut self) {
        self.tokens.clear();
    }

    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
