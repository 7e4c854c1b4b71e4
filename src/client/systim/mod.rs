//! The Systim.pl client: `POST {base}/jsonAPI.php`, form-encoded, `act=<method>`, per
//! `systim-contract.md`.
//!
//! - `act=login` with the login and the API key gives a token, cached and exposed for
//!   persistence; code 13 (session gone) → log in again once and repeat once.
//! - Code 2 (throttled) → back off tens of seconds through the clock, a bounded number of times.
//! - Code 4 → stop at once; code 6 → the fields; code 1 → [`ApiError::SystimUnknownMethod`], so
//!   the caller turns off only the feature that needs the method; code 8 on a list → empty list.
//! - A non-JSON answer is a transient server error: retried for reads, never for `add*`, which
//!   give [`ApiError::OutcomeUnknown`] instead.
//! - Answers are never parsed into one `Value` tree: the envelope is read in one pass over the
//!   text (`envelope.rs`) — the judge of an answer takes only its code, a small result becomes a
//!   `Value`, and a list read with [`SystimClient::list_into`] goes record by record into a
//!   [`Records`] sink (Systim sends a whole catalogue in one answer; a careful client allows
//!   64 MiB).
//!
//! Methods: `methods.rs` (documented or seen in working clients) and [`assumed`] (not published;
//! every one of them in that one module).

pub mod assumed;
mod envelope;
mod methods;

use super::address::systim_origin;
use super::error::ApiError;
use super::form::Form;
use super::transport::{by_status, Call, Tag, Transport};
use super::{redact, Secret, Service, Stats, TokenState};
use crate::decode::stream::Records;
use crate::io::{Clock, Http, HttpResponse, Method};
use crate::retry::{Idempotency, Outcome, RetryPolicy};
use envelope::{Envelope, Parsed, Take};
use serde_json::Value;
use std::fmt;

const UNKNOWN_METHOD: i64 = 1;
const THROTTLED: i64 = 2;
const WRONG_CREDENTIALS: i64 = 4;
const INVALID_FIELDS: i64 = 6;
const NO_DATA: i64 = 8;
const SESSION_LOST: i64 = 13;

#[derive(Clone, Debug)]
pub struct SystimConfig {
    /// The account name (`firma` → `https://firma.systim.pl`) or a full base URL.
    pub account: String,
    /// The user the API key was generated for.
    pub login: String,
    /// The generated API key ("Hasło do API"), not the web password.
    pub api_key: Secret,
    /// Backoff for code 2 and transient failures (see [`RetryPolicy::systim`]).
    pub retry: RetryPolicy,
    pub timeout_ms: u32,
}

impl SystimConfig {
    pub fn new(account: impl Into<String>, login: impl Into<String>, api_key: Secret) -> Self {
        SystimConfig { account: account.into(), login: login.into(), api_key, retry: RetryPolicy::systim(), timeout_ms: 30_000 }
    }
}

pub struct SystimClient<'a, H, C> {
    transport: Transport<'a, H, C>,
    endpoint: String,
    login: String,
    api_key: Secret,
    token: Option<Secret>,
}

impl<'a, H: Http, C: Clock> SystimClient<'a, H, C> {
    pub fn new(http: &'a H, clock: &'a C, config: SystimConfig) -> Result<Self, ApiError> {
        let origin = systim_origin(&config.account).map_err(|problem| ApiError::InvalidAddress { service: Service::Systim, problem })?;
        let transport =
            Transport { http, clock, service: Service::Systim, policy: config.retry, timeout_ms: config.timeout_ms, stats: Stats::default(), pacer: None };
        Ok(SystimClient { transport, endpoint: format!("{origin}/jsonAPI.php"), login: config.login, api_key: config.api_key, token: None })
    }

    /// `https://{konto}.systim.pl/jsonAPI.php`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn stats(&self) -> Stats {
        self.transport.stats
    }

    /// The session token, for the engine to persist (Systim states no expiry).
    pub fn token_state(&self) -> Option<TokenState> {
        self.token.clone().map(|token| TokenState { token, expires_at_ms: None })
    }

    pub fn restore_token(&mut self, state: TokenState) {
        self.token = Some(state.token);
    }

    /// Log in now (a connection test): checks the login and the API key.
    pub async fn login(&mut self) -> Result<(), ApiError> {
        self.log_in().await.map(|_| ())
    }

    /// Call `act` with `params` and return `result`. `add*` methods are non-idempotent.
    pub async fn call(&mut self, act: &str, params: &Form) -> Result<Value, ApiError> {
        let body = self.answer(act, params).await?;
        self.taken(&body, Take::Value)
    }

    /// A list method: as [`Self::call`], but code 8 ("no data") is an empty list. The result is
    /// passed on as sent (an object keyed by id, an array, or `[]`).
    pub async fn list(&mut self, act: &str, params: &Form) -> Result<Value, ApiError> {
        match self.call(act, params).await {
            Err(ApiError::SystimError { code: NO_DATA, .. }) => Ok(Value::Array(Vec::new())),
            other => other,
        }
    }

    /// A list method that may not exist on this account (an assumed one, probed): at most one
    /// retry after a transient failure (an unknown `act` may well answer with an error page every
    /// time), code 2 waited out as usual.
    pub async fn probe_list(&mut self, act: &str, params: &Form) -> Result<Value, ApiError> {
        let policy = self.transport.policy;
        self.transport.policy = RetryPolicy { max_retries: 1, base_ms: 1_000, ..policy };
        let result = self.list(act, params).await;
        self.transport.policy = policy;
        result
    }

    /// A list method read record by record into `sink` (a whole catalogue comes in one answer;
    /// its records are never held as one `Value` tree). Code 8 ("no data") leaves the sink empty.
    pub async fn list_into<R: Records>(&mut self, act: &str, params: &Form, mut sink: R) -> Result<R, ApiError> {
        match self.answer(act, params).await {
            Ok(body) => self.taken(&body, Take::List(&mut sink)).map(|_| sink),
            Err(ApiError::SystimError { code: NO_DATA, .. }) => Ok(sink),
            Err(e) => Err(e),
        }
    }

    /// The body of the answer to `act` that counts: a success (code 0), after logging in again
    /// once on code 13; any other code is its error.
    async fn answer(&mut self, act: &str, params: &Form) -> Result<String, ApiError> {
        let idempotency = idempotency_of(act);
        let mut logged_in_again = false;
        loop {
            let token = match self.token.clone() {
                Some(token) => token,
                None => self.log_in().await?,
            };
            let form = Form::new().field("act", act).field("token", token.expose()).extend(params);
            let (envelope, body) = self.round_trip(&form, idempotency, Tag::Plain).await?;
            if envelope.code == SESSION_LOST && !logged_in_again {
                self.token = None;
                logged_in_again = true;
                continue;
            }
            return self.result_of(act, envelope).map(|()| body);
        }
    }

    /// `result` of a successful answer, taken as `take` says.
    fn taken(&self, body: &str, take: Take<'_>) -> Result<Value, ApiError> {
        match envelope::read(body, take) {
            Parsed::Envelope(e) => Ok(e.result),
            _ => Err(ApiError::MalformedJson { service: Service::Systim }),
        }
    }

    async fn log_in(&mut self) -> Result<Secret, ApiError> {
        let form = Form::new().field("act", "login").field("login", self.login.as_str()).field("pass", self.api_key.expose());
        let (envelope, body) = self.round_trip(&form, Idempotency::Idempotent, Tag::Auth).await?;
        self.result_of("login", envelope)?;
        let result = self.taken(&body, Take::Value)?;
        let token = result.get("token").and_then(Value::as_str).filter(|t| !t.is_empty());
        let token = Secret::new(token.ok_or(ApiError::MalformedJson { service: Service::Systim })?);
        self.token = Some(token.clone());
        Ok(token)
    }

    /// One request through the transport (which retries code 2 and transient failures): its
    /// envelope's code (`result` is read later, by the caller) and the body.
    async fn round_trip(&mut self, form: &Form, idempotency: Idempotency, tag: Tag) -> Result<(Envelope<()>, String), ApiError> {
        let req = self
            .transport
            .request(Method::Post, self.endpoint.as_str())
            .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
            .header("Accept", "application/json")
            .body(form.encode());
        let response = self.transport.exchange(&req, Call::new(idempotency, tag), judge).await?;
        let service = Service::Systim;
        match envelope::code(&response.body) {
            Parsed::Envelope(envelope) => Ok((envelope, response.body)),
            _ if response.status >= 500 => Err(ApiError::ServerError { service, status: response.status }),
            Parsed::NotJson => Err(ApiError::NotJson { service, status: response.status }),
            Parsed::Malformed => Err(ApiError::MalformedJson { service }),
        }
    }

    /// `result` on success, else the error the code stands for.
    fn result_of(&self, act: &str, envelope: Envelope<()>) -> Result<(), ApiError> {
        let secrets = [&self.api_key].into_iter().chain(self.token.as_ref()).collect::<Vec<_>>();
        let message = redact(&envelope.message, &secrets);
        let act = act.to_string();
        Err(match envelope.code {
            code if code <= 0 => return Ok(()),
            UNKNOWN_METHOD => ApiError::SystimUnknownMethod { act },
            THROTTLED => ApiError::RateLimited { service: Service::Systim },
            WRONG_CREDENTIALS => ApiError::SystimWrongCredentials,
            INVALID_FIELDS => ApiError::SystimInvalidFields { act, fields: envelope.fields, message },
            SESSION_LOST => ApiError::SystimSessionLost,
            code => ApiError::SystimError { act, code, message },
        })
    }
}

/// Creations (`add*`) must not run twice.
fn idempotency_of(act: &str) -> Idempotency {
    if act.starts_with("add") {
        Idempotency::NonIdempotent
    } else {
        Idempotency::Idempotent
    }
}

/// Systim speaks through the envelope inside a 200: code 2 is a rate limit, a page that is not
/// an envelope is a transient server failure. Only the code is kept: `result` is checked to be
/// JSON and skipped (a catalogue is read once, by the caller's seed).
fn judge(response: &HttpResponse, now_ms: u64) -> Outcome {
    match by_status(response, now_ms) {
        Outcome::Success => match envelope::code(&response.body) {
            Parsed::Envelope(e) if e.code == THROTTLED => Outcome::RateLimited { retry_after_ms: None },
            Parsed::Envelope(_) => Outcome::Success,
            Parsed::NotJson | Parsed::Malformed => Outcome::Transient { retry_after_ms: None },
        },
        other => other,
    }
}

impl<H, C> fmt::Debug for SystimClient<'_, H, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystimClient")
            .field("endpoint", &self.endpoint)
            .field("login", &self.login)
            .field("api_key", &self.api_key)
            .field("token", &self.token)
            .field("stats", &self.transport.stats)
            .finish()
    }
}

#[cfg(test)]
mod tests;
