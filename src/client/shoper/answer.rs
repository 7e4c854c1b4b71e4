//! What a Shoper answer means: the JSON payload, or which [`ApiError`].
//!
//! Shoper's error body is `{"error": "<code>", "error_description": "<text>"}`. Only an answer
//! carrying it comes from the API itself: a 404 without it is a wrong host (a proxy or another
//! site), a 404 with it is an object that is gone.

use crate::client::error::{Access, ApiError, AuthFailure, PermissionArea};
use crate::client::{redact, Secret, Service};
use crate::io::{HttpResponse, Method};
use serde_json::Value;

/// A body as far as JSON goes.
pub(super) enum Body<T = Value> {
    Json(T),
    /// Starts like JSON but does not parse.
    Broken,
    /// An HTML page or plain text.
    NotJson,
}

impl Body {
    pub fn parse(text: &str) -> Body {
        Body::read(text, |t| serde_json::from_str(t))
    }
}

impl<T> Body<T> {
    /// The body read by `read` (an empty body reads as `null`): the same answer, whatever `read`
    /// keeps, when the text is not JSON.
    pub fn read(text: &str, read: impl FnOnce(&str) -> serde_json::Result<T>) -> Body<T> {
        let trimmed = text.trim();
        match read(if trimmed.is_empty() { "null" } else { trimmed }) {
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
pub(super) fn interpret(response: &HttpResponse, method: Method, path: &str, secrets: &[&Secret]) -> Result<Value, ApiError> {
    interpret_with(response, method, path, secrets, |t| serde_json::from_str(t))
}

/// [`interpret`] reading a 2xx answer's text with `read` (which may keep only part of it).
pub(super) fn interpret_with<T>(
    response: &HttpResponse,
    method: Method,
    path: &str,
    secrets: &[&Secret],
    read: impl FnOnce(&str) -> serde_json::Result<T>,
) -> Result<T, ApiError> {
    let status = response.status;
    if (200..300).contains(&status) {
        return match Body::read(&response.body, read) {
            Body::Json(value) => Ok(value),
            Body::Broken => Err(ApiError::MalformedJson { service: Service::Shoper }),
            Body::NotJson => Err(ApiError::NotJson { service: Service::Shoper, status }),
        };
    }
    match Body::parse(&response.body) {
        Body::Json(value) => Err(failure(status, Some(&value), method, path, secrets)),
        _ => Err(failure(status, None, method, path, secrets)),
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
