//! `POST /webapi/rest/auth` (HTTP Basic, form body or query string) and bearer-token checks.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{json, Value};

use super::error::ApiError;
use crate::wire::Request;

/// Who is calling: the WebAPI administrator (through an issued token) or the static integration token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    WebApiUser,
    StaticToken,
}

impl Principal {
    /// The leaky bucket is kept per credential.
    pub fn bucket_key(self) -> &'static str {
        match self {
            Principal::WebApiUser => "webapi-user",
            Principal::StaticToken => "static-token",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Auth {
    pub login: String,
    pub password: String,
    pub static_token: String,
    /// Issued token → expiry (unix ms).
    tokens: BTreeMap<String, u64>,
    issued: u64,
}

/// splitmix64: deterministic token material without a random source.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Auth {
    pub fn new(login: &str, password: &str, static_token: &str) -> Auth {
        Auth { login: login.to_string(), password: password.to_string(), static_token: static_token.to_string(), tokens: BTreeMap::new(), issued: 0 }
    }

    /// Serves `POST /webapi/rest/auth`.
    pub fn authenticate(&mut self, req: &Request, now_ms: u64, lifetime_s: u64) -> Result<Value, ApiError> {
        let (login, password) = credentials(req).ok_or_else(ApiError::auth_failure)?;
        if login != self.login || password != self.password {
            return Err(ApiError::auth_failure());
        }
        let token = self.issue(now_ms, lifetime_s);
        Ok(json!({"access_token": token, "expires_in": lifetime_s, "token_type": "bearer"}))
    }

    fn issue(&mut self, now_ms: u64, lifetime_s: u64) -> String {
        self.issued += 1;
        let seed = mix(now_ms ^ mix(self.issued));
        let token = format!("{:016x}{:016x}{:08x}", mix(seed), mix(seed ^ 1), mix(seed ^ 2) as u32);
        self.tokens.insert(token.clone(), now_ms.saturating_add(lifetime_s.saturating_mul(1000)));
        token
    }

    /// Resolves `Authorization: Bearer <token>`.
    pub fn principal(&self, req: &Request, now_ms: u64, static_enabled: bool) -> Result<Principal, ApiError> {
        let header = req.header("authorization").unwrap_or("");
        let (scheme, token) = header.trim().split_once(' ').unwrap_or(("", ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::invalid_token());
        }
        let token = token.trim();
        if static_enabled && !self.static_token.is_empty() && token == self.static_token {
            return Ok(Principal::StaticToken);
        }
        match self.tokens.get(token) {
            Some(&expires) if now_ms < expires => Ok(Principal::WebApiUser),
            _ => Err(ApiError::invalid_token()),
        }
    }

    /// Every issued token becomes expired.
    pub fn expire_all(&mut self) {
        for exp in self.tokens.values_mut() {
            *exp = 0;
        }
    }

    pub fn issued_count(&self) -> usize {
        self.tokens.len()
    }
}

/// Login and password from Basic auth, a form body or the query string (in that order).
fn credentials(req: &Request) -> Option<(String, String)> {
    basic(req).or_else(|| pair_from(form_urlencoded::parse(&req.body))).or_else(|| pair_from(form_urlencoded::parse(req.query.as_bytes())))
}

fn basic(req: &Request) -> Option<(String, String)> {
    let header = req.header("authorization")?.trim();
    let (scheme, payload) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(payload.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (login, password) = text.split_once(':')?;
    Some((login.to_string(), password.to_string()))
}

fn pair_from(pairs: form_urlencoded::Parse<'_>) -> Option<(String, String)> {
    let mut id = None;
    let mut secret = None;
    for (k, v) in pairs {
        match k.as_ref() {
            "client_id" => id = Some(v.into_owned()),
            "client_secret" => secret = Some(v.into_owned()),
            _ => {}
        }
    }
    Some((id?, secret?))
}
