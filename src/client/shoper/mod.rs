//! The Shoper REST client (`https://{shop}/webapi/rest/...`).
//!
//! - Auth: a WebAPI user (`POST /auth` with HTTP Basic → a token cached with its expiry, renewed
//!   ahead of expiry and once on 401 `unauthorized_client`) or a static API token (Bearer, no
//!   exchange; a 401 means it was revoked).
//! - Pacing: the leaky-bucket model in [`super::pacing`] delays each call just enough; 429 and
//!   `Retry-After` are handled by the shared transport and [`crate::retry`].
//! - Paging and bulk: see `lists.rs`; many reads in two rounds of bulk calls: `rounds.rs`.

mod answer;
mod lists;
mod rounds;

pub use lists::{keyset_head, BulkItemResult, BulkOp, BULK_MAX, PAGE_LIMIT};
pub use rounds::{add_page, items, next_answer, Page, Read, Rounds, IDS_PER_FILTER};

use super::address::parse_origin;
use super::error::{ApiError, AuthFailure};
use super::pacing::Pacer;
use super::transport::{by_status, Call, Tag, Transport};
use super::{Secret, Service, Stats, TokenState};
use crate::io::{Clock, Http, HttpRequest, HttpResponse, Method};
use crate::retry::{Idempotency, RetryPolicy};
use answer::{auth_failure_code, interpret};
use serde_json::Value;
use std::fmt;

/// Lifetime assumed when `/auth` does not state `expires_in` (Shoper's documented 30 days).
const DEFAULT_TOKEN_LIFETIME_S: u64 = 2_592_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShoperAuth {
    /// An administrator in a group with WebAPI access.
    WebApiUser { login: String, password: Secret },
    /// A token from "Dodaj integrację", used as Bearer directly.
    ApiToken(Secret),
}

#[derive(Clone, Debug)]
pub struct ShoperConfig {
    /// The shop's address as the merchant typed it (`https://sklep.pl`, `sklep.pl`).
    pub shop_url: String,
    pub auth: ShoperAuth,
    pub retry: RetryPolicy,
    pub timeout_ms: u32,
    /// Bucket units one `/bulk` call is assumed to use (Shoper does not document it).
    pub bulk_cost: u32,
    /// Log in again when the cached token expires within this margin.
    pub reauth_margin_ms: u64,
}

impl ShoperConfig {
    pub fn new(shop_url: impl Into<String>, auth: ShoperAuth) -> Self {
        ShoperConfig { shop_url: shop_url.into(), auth, retry: RetryPolicy::default(), timeout_ms: 30_000, bulk_cost: 1, reauth_margin_ms: 15 * 60_000 }
    }
}

pub struct ShoperClient<'a, H, C> {
    transport: Transport<'a, H, C>,
    origin: String,
    auth: ShoperAuth,
    token: Option<TokenState>,
    bulk_cost: u32,
    reauth_margin_ms: u64,
}

/// One REST request before authentication is added.
struct Spec<'p> {
    method: Method,
    path: &'p str,
    query: Vec<(String, String)>,
    body: Option<String>,
    call: Call,
}

impl<'a, H: Http, C: Clock> ShoperClient<'a, H, C> {
    pub fn new(http: &'a H, clock: &'a C, config: ShoperConfig) -> Result<Self, ApiError> {
        let origin = parse_origin(&config.shop_url).map_err(|problem| ApiError::InvalidAddress { service: Service::Shoper, problem })?;
        let transport = Transport {
            http,
            clock,
            service: Service::Shoper,
            policy: config.retry,
            timeout_ms: config.timeout_ms,
            stats: Stats::default(),
            pacer: Some(Pacer::new()),
        };
        Ok(ShoperClient { transport, origin, auth: config.auth, token: None, bulk_cost: config.bulk_cost.max(1), reauth_margin_ms: config.reauth_margin_ms })
    }

    /// `https://host[:port]`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The shop's host name (used in import markers).
    pub fn host(&self) -> &str {
        self.origin.split_once("://").map_or(self.origin.as_str(), |(_, host)| host)
    }

    pub fn stats(&self) -> Stats {
        self.transport.stats
    }

    /// The cached WebAPI token, for the engine to persist (`None` with a static API token).
    pub fn token_state(&self) -> Option<TokenState> {
        self.token.clone()
    }

    /// Reuse a token persisted from an earlier run (ignored with a static API token).
    pub fn restore_token(&mut self, state: TokenState) {
        if matches!(self.auth, ShoperAuth::WebApiUser { .. }) {
            self.token = Some(state);
        }
    }

    /// Log in now (a connection test). With a static API token there is nothing to exchange:
    /// the first call shows whether Shoper accepts it.
    pub async fn authenticate(&mut self) -> Result<(), ApiError> {
        self.token = None;
        self.bearer().await.map(|_| ())
    }

    pub async fn get(&mut self, path: &str, query: &[(&str, &str)]) -> Result<Value, ApiError> {
        let query = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.send(Spec { method: Method::Get, path, query, body: None, call: plain(Idempotency::Idempotent) }).await
    }

    /// Partial update; absolute values make it idempotent, so it is retried like a read.
    pub async fn put(&mut self, path: &str, body: &Value) -> Result<Value, ApiError> {
        self.send_body(Method::Put, path, body, Idempotency::Idempotent).await
    }

    /// Creation. Never repeated after a timeout, a lost connection or a 5xx: those give
    /// [`ApiError::OutcomeUnknown`].
    pub async fn post(&mut self, path: &str, body: &Value) -> Result<Value, ApiError> {
        self.send_body(Method::Post, path, body, Idempotency::NonIdempotent).await
    }

    /// Retried like a read: a repeat of a delete that did happen answers 404 (`ShoperNotFound`),
    /// which the caller may take as done.
    pub async fn delete(&mut self, path: &str) -> Result<Value, ApiError> {
        self.send(Spec { method: Method::Delete, path, query: Vec::new(), body: None, call: plain(Idempotency::Idempotent) }).await
    }

    async fn send_body(&mut self, method: Method, path: &str, body: &Value, kind: Idempotency) -> Result<Value, ApiError> {
        let body = Some(body.to_string());
        self.send(Spec { method, path, query: Vec::new(), body, call: plain(kind) }).await
    }

    /// Authenticate, send, re-authenticate once on 401 `unauthorized_client`, interpret.
    async fn send(&mut self, spec: Spec<'_>) -> Result<Value, ApiError> {
        let (method, path) = (spec.method, rest_path(spec.path));
        let response = self.exchange_signed(&spec).await?;
        interpret(&response, method, path, &self.secrets())
    }

    /// Authenticate and send; re-authenticate and send again once on 401 `unauthorized_client`.
    /// The answer is the caller's to interpret.
    async fn exchange_signed(&mut self, spec: &Spec<'_>) -> Result<HttpResponse, ApiError> {
        let mut reauthenticated = false;
        loop {
            let bearer = self.bearer().await?;
            let req = self.build(spec, &bearer);
            let response = self.transport.exchange(&req, spec.call, by_status).await?;
            if response.status == 401 && auth_failure_code(&response).is_none() {
                match self.auth {
                    ShoperAuth::ApiToken(_) => return Err(ApiError::ShoperApiTokenRejected),
                    ShoperAuth::WebApiUser { .. } if !reauthenticated => {
                        self.token = None;
                        reauthenticated = true;
                        continue;
                    }
                    ShoperAuth::WebApiUser { .. } => return Err(ApiError::ShoperTokenRejected),
                }
            }
            return Ok(response);
        }
    }

    fn build(&self, spec: &Spec<'_>, bearer: &Secret) -> HttpRequest {
        let mut url = self.url(spec.path);
        if !spec.query.is_empty() {
            url = format!("{url}?{}", crate::client::form::encode_pairs(&spec.query));
        }
        let req = self.transport.request(spec.method, url).header("Authorization", format!("Bearer {}", bearer.expose())).header("Accept", "application/json");
        match &spec.body {
            Some(body) => req.header("Content-Type", "application/json").body(body.clone()),
            None => req,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/webapi/rest/{}", self.origin, rest_path(path))
    }

    /// The token to send: the static one, or a cached one still fresh, or a new log-in.
    async fn bearer(&mut self) -> Result<Secret, ApiError> {
        if let ShoperAuth::ApiToken(token) = &self.auth {
            return Ok(token.clone());
        }
        let now = self.transport.clock.now_ms();
        let margin = self.reauth_margin_ms;
        let fresh = self.token.as_ref().filter(|t| t.expires_at_ms.is_none_or(|at| now.saturating_add(margin) < at));
        match fresh {
            Some(state) => Ok(state.token.clone()),
            None => self.log_in().await,
        }
    }

    async fn log_in(&mut self) -> Result<Secret, ApiError> {
        let ShoperAuth::WebApiUser { login, password } = &self.auth else {
            return Err(ApiError::ShoperApiTokenRejected);
        };
        let basic = base64(format!("{login}:{}", password.expose()).as_bytes());
        let req = self.transport.request(Method::Post, self.url("auth")).header("Authorization", format!("Basic {basic}")).header("Accept", "application/json");
        let call = Call::new(Idempotency::Idempotent, Tag::Auth);
        let response = self.transport.exchange(&req, call, by_status).await?;
        if response.status == 401 {
            let failure = auth_failure_code(&response).unwrap_or(AuthFailure::WrongCredentials);
            return Err(ApiError::ShoperAuthFailed(failure));
        }
        let answer = interpret(&response, Method::Post, "auth", &self.secrets())?;
        let state = token_from(&answer, self.transport.clock.now_ms())?;
        let token = state.token.clone();
        self.token = Some(state);
        Ok(token)
    }

    /// Everything that must never appear in an error text.
    fn secrets(&self) -> Vec<&Secret> {
        let credential = match &self.auth {
            ShoperAuth::WebApiUser { password, .. } => password,
            ShoperAuth::ApiToken(token) => token,
        };
        std::iter::once(credential).chain(self.token.as_ref().map(|t| &t.token)).collect()
    }
}

fn plain(idempotency: Idempotency) -> Call {
    Call::new(idempotency, Tag::Plain)
}

/// `"/webapi/rest/orders/5"`, `"/orders/5"` and `"orders/5"` all mean `orders/5`.
fn rest_path(path: &str) -> &str {
    let path = path.trim_start_matches('/');
    path.strip_prefix("webapi/rest/").unwrap_or(path)
}

/// `{"access_token":"…","expires_in":2592000,"token_type":"bearer"}` → a token state.
fn token_from(answer: &Value, now_ms: u64) -> Result<TokenState, ApiError> {
    let malformed = ApiError::MalformedJson { service: Service::Shoper };
    let token = answer.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()).ok_or(malformed)?;
    let expires_in_s = answer.get("expires_in").and_then(lenient_u64).unwrap_or(DEFAULT_TOKEN_LIFETIME_S);
    Ok(TokenState { token: Secret::new(token), expires_at_ms: Some(now_ms.saturating_add(expires_in_s.saturating_mul(1000))) })
}

/// A count or id sent as a JSON number or a numeric string.
pub(crate) fn lenient_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl<H, C> fmt::Debug for ShoperClient<'_, H, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShoperClient")
            .field("origin", &self.origin)
            .field("auth", &self.auth)
            .field("token", &self.token)
            .field("stats", &self.transport.stats)
            .finish()
    }
}

/// Standard base64 with padding (RFC 4648), for the `Basic` credentials: a dozen lines instead
/// of a crate in the wasm.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
