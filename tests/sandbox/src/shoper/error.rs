//! The error envelope `{"error": "<code>", "error_description": "<text>"}` and the Polish
//! validation messages (`Wartość pola '<field>' jest niepoprawna: <reason>`, joined by `"; "`).

use serde_json::{json, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
    /// Extra response headers (e.g. `Retry-After`).
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        ApiError { status, code, description: description.into(), headers: Vec::new() }
    }
    pub fn not_found() -> Self {
        ApiError::new(404, "invalid_request", "Resource not found")
    }
    pub fn bad_request(description: impl Into<String>) -> Self {
        ApiError::new(400, "invalid_request", description)
    }
    pub fn unknown_resource(name: &str) -> Self {
        ApiError::bad_request(format!("Invalid resource name: '{name}'"))
    }
    pub fn method_not_allowed(method: &str) -> Self {
        ApiError::new(405, "invalid_request", format!("Method {method} is not supported by this resource"))
    }
    pub fn invalid_token() -> Self {
        ApiError::new(401, "unauthorized_client", "Provided access token is invalid")
    }
    pub fn auth_failure() -> Self {
        ApiError::new(401, "auth_failure", "Invalid user credentials")
    }
    pub fn insufficient_scope() -> Self {
        ApiError::new(403, "insufficient_scope", "The request requires higher privileges than provided by the access token")
    }
    pub fn warehouses_disabled() -> Self {
        ApiError::bad_request("Warehouses module is disabled")
    }
    pub fn body(&self) -> Value {
        json!({"error": self.code, "error_description": self.description})
    }
}

/// One failed field check.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

/// Reasons as the shop words them.
pub mod reason {
    pub const REQUIRED: &str = "Pole wymagane";
    pub const INVALID: &str = "Niepoprawna wartość";
    pub const NOT_A_NUMBER: &str = "Wartość musi być liczbą";
    pub const NOT_AN_INTEGER: &str = "Wartość musi być liczbą całkowitą";
    pub const READ_ONLY: &str = "Pole tylko do odczytu";
    pub const BAD_EMAIL: &str = "Niepoprawny adres e-mail";
    pub const BAD_DATE: &str = "Niepoprawny format daty";
    pub fn not_found(value: &str) -> String {
        format!("Nie znaleziono wartości '{value}'")
    }
    pub fn exists(value: &str) -> String {
        format!("Wartość '{value}' już istnieje")
    }
}

/// Collects field errors of one write and turns them into a single 400.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: &str, reason: impl Into<String>) {
        self.0.push(FieldError { field: field.to_string(), reason: reason.into() });
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
    /// `Ok(())` when nothing failed, else the 400 envelope.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let text: Vec<String> = self.0.iter().map(|e| format!("Wartość pola '{}' jest niepoprawna: {}", e.field, e.reason)).collect();
        Err(ApiError::bad_request(text.join("; ")))
    }
}
