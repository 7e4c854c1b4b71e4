//! HTTP clients for the Shoper REST API and the Systim.pl JSON API.
//!
//! Both clients are generic over [`crate::io::Http`] and [`crate::io::Clock`], borrow them, and
//! take `&mut self` for every call — so one client has at most one request in flight. They
//! return wire JSON ([`serde_json::Value`]) and typed errors ([`ApiError`]); decoding into domain
//! types happens in `crate::decode`. Secrets (passwords, API keys, tokens) are held in [`Secret`]
//! and never appear in `Debug` output or error text.

pub mod address;
pub mod error;
pub mod form;
pub mod pacing;
pub mod shoper;
pub mod systim;
mod transport;

#[cfg(test)]
mod testkit;

pub use error::{Access, ApiError, AuthFailure, Interruption, PermissionArea};
pub use form::Form;
pub use shoper::{BulkItemResult, BulkOp, ShoperAuth, ShoperClient, ShoperConfig};
pub use systim::{SystimClient, SystimConfig};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which remote service a call or an error belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Shoper,
    Systim,
}

/// A credential or token. `Debug` prints `***`; the value is reachable only through
/// [`Secret::expose`]. Serialises as the plain string (for the engine to persist tokens).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// A session token and when it expires, for the engine to persist between runs and hand back
/// through `restore_token`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenState {
    pub token: Secret,
    /// Unix ms; `None` when the service does not say (Systim).
    pub expires_at_ms: Option<u64>,
}

// The table-driven reader of the stored records (`json::Object::fields`), as the derive reads it
// (a missing `Option` is `None`).
crate::read_fields!(TokenState { token: "token", expires_at_ms: "expires_at_ms" = default });

/// What a client has done so far (read by the engine's report and the benchmark).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Every HTTP request sent, including retries, bulk and authentication calls.
    pub requests: u64,
    /// Requests to Shoper `/bulk`.
    pub bulk_requests: u64,
    /// Log-ins: Shoper `/auth`, Systim `act=login`.
    pub auth_requests: u64,
    /// Shoper 429 answers and Systim code 2 answers received.
    pub rate_limited: u64,
    /// Requests repeated after a rate limit or a transient failure.
    pub retries: u64,
    /// Total time slept through the clock (pacing and backoff).
    pub slept_ms: u64,
    /// The part of `slept_ms` spent pacing ahead of the Shoper rate limit.
    pub paced_ms: u64,
}

/// Replace every occurrence of a non-empty secret in server-provided text with `***` (a server
/// may echo a parameter back in an error message).
pub(crate) fn redact(text: &str, secrets: &[&Secret]) -> String {
    secrets.iter().filter(|s| s.expose().len() >= 4).fold(text.to_string(), |acc, s| acc.replace(s.expose(), "***"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_but_serialise_plainly() {
        let state = TokenState { token: Secret::new("abcdef0123"), expires_at_ms: Some(5) };
        assert!(!format!("{state:?}").contains("abcdef0123"));
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(json, r#"{"token":"abcdef0123","expires_at_ms":5}"#);
        assert_eq!(serde_json::from_str::<TokenState>(&json).unwrap(), state);
    }

    #[test]
    fn redact_masks_echoed_secrets() {
        let key = Secret::new("k3y-v4lue");
        assert_eq!(redact("bad pass k3y-v4lue!", &[&key]), "bad pass ***!");
    }
}
