//! What a Shoper answer means: the JSON payload, or which [`ApiError`].
//!
//! Shoper's error body is `{"error": "<code>", "error_description": "<text>"}`. Only an answer
//! carrying it comes from the API itself: a 404 without it is a wrong host (a proxy or another
//! site), a 404 with it is an object that is gone.

use crate::client::error::{Access, ApiError, AuthFailure, PermissionArea};
use crate::client::{redact, Secret, Service};
use crate::decode::stream::{pruned, Shape};
use crate::io::{HttpResponse, Method};
use serde_json::Value;

/// A body as far as JSON goes.
pub(super) enum Body {
    Json(Value),
    /// Starts like JSON but does not parse.
    Broken,
    /// An HTML page or plain text.
    NotJson,
}

impl Body {
    pub fn parse(text: &str) -> Body {
        Body::parse_in(text, &Shape::Whole)
    }

    /// Only the parts `shape` keeps ([`Shape`]): the same answer when the text is not JSON.
    pub fn parse_in(text: &str, shape: &'static Shape) -> Body {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Body::Json(Value::Null);
        }
        match pruned(trimmed, shape) {
            Ok(value) => Body::Json(value),
            Err(_) if trimmed.starts_with(['{', '[']) => Body::Broken,
            Err(_) => Body::NotJson,
        }
    }
}

/// Shoper's error envelope.
pub(super) struct Envelope {
    pub error: String,
    pub description: String,
}

impl Envelope {
    pub fn of(body: &Value) -> Option<Envelope> {
        let error = body.get("error")?.as_str()?.to_string();
        let description = body.get("error_description").and_then(Value::as_str).unwrap_or("").to_string();
        Some(Envelope { error, description })
    }
}

/// The payload of a 2xx answer, or the error any other answer stands for.
/// Of a 2xx answer only the parts `shape` names are kept.
pub(super) fn interpret(response: &HttpResponse, method: Method, path: &str, secrets: &[&Secret], shape: &'static Shape) -> Result<Value, ApiError> {
    let status = response.status;
    let body = if (200..300).contains(&status) { Body::parse_in(&response.body, shape) } else { Body::parse(&response.body) };
    match (body, (200..300).contains(&status)) {
        (Body::Json(value), true) => Ok(value),
        (Body::Json(value), false) => Err(failure(status, Some(&value), method, path, secrets)),
        (Body::Broken, true) => Err(ApiError::MalformedJson { service: Service::Shoper }),
        (_, false) => Err(failure(status, None, method, path, secrets)),
        (Body::NotJson, true) => Err(ApiError::NotJson { service: Service::Shoper, status }),
    }
}

/// The error for a non-2xx status with its (JSON) body, also used for `/bulk` items.
pub(super) fn failure(status: u16, body: Option<&Value>, method: Method, path: &str, secrets: &[&Secret]) -> ApiError {
    let envelope = body.and_then(Envelope::of);
    let path = path.split('?').next().unwrap_or(path).trim_start_matches('/');
    match (status, envelope) {
        (401, e) => match e.and_then(|e| AuthFailure::from_code(&e.error)) {
            Some(login_failure) => ApiError::ShoperAuthFailed(login_failure),
            None => ApiError::ShoperTokenRejected,
        },
        (403, Some(_)) => ApiError::ShoperPermissionMissing { area: PermissionArea::from_path(path), access: Access::of(method) },
        (404, Some(_)) => ApiError::ShoperNotFound { path: path.to_string() },
        (404, None) => ApiError::ShoperWrongAddress,
        (429, _) => ApiError::RateLimited { service: Service::Shoper },
        (500..=599, _) => ApiError::ServerError { service: Service::Shoper, status },
        (_, Some(e)) => ApiError::ShoperRejected { status, error: e.error, description: redact(&e.description, secrets) },
        (_, None) if body.is_some() => ApiError::MalformedJson { service: Service::Shoper },
        (_, None) => ApiError::NotJson { service: Service::Shoper, status },
    }
}

/// The log-in failure a 401 names (`auth_failure`, `auth_ip_not_allowed`…), if it names one.
pub(super) fn auth_failure_code(response: &HttpResponse) -> Option<AuthFailure> {
    let Body::Json(body) = Body::parse(&response.body) else { return None };
    Envelope::of(&body).and_then(|e| AuthFailure::from_code(&e.error))
}
