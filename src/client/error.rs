//! Every error the clients report: a stable machine code, a Polish message for the merchant
//! (what is wrong and what to do) and an English one for logs. No variant carries a password,
//! an API key or a token; server-provided text is passed through `redact` before it lands here.
//! The table in `docs/errors.md` lists them all (a test keeps it complete).

use super::address::AddressProblem;
use super::Service;
use crate::io::Method;
use crate::plan::Lang;
use crate::texts;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The configured address of the shop or the Systim account is not usable.
    InvalidAddress { service: Service, problem: AddressProblem },
    /// No connection (DNS, refused, reset, TLS, CORS).
    Unreachable { service: Service },
    /// The address answered with a redirect, which is not followed (keys go only to the address
    /// the merchant typed); the target's origin when known.
    Redirected { service: Service, target: Option<String> },
    /// No answer within the timeout (for a read; a write gives [`ApiError::OutcomeUnknown`]).
    Timeout { service: Service },
    /// The caller cancelled the request.
    Cancelled { service: Service },
    /// A non-idempotent request (Shoper `POST`, Systim `add*`) was interrupted after it may have
    /// reached the server. It is not retried; the engine must reconcile before sending it again.
    OutcomeUnknown { service: Service, cause: Interruption },
    /// Shoper 429 or Systim code 2 still there after the allowed waits.
    RateLimited { service: Service },
    /// 5xx after retries.
    ServerError { service: Service, status: u16 },
    /// An HTML page or text instead of JSON (Shoper: not a shop's API; Systim: a PHP error page).
    NotJson { service: Service, status: u16 },
    /// JSON that does not parse or does not have the expected shape.
    MalformedJson { service: Service },
    /// Shoper answered 404 without its error envelope: the host is not a Shoper shop.
    ShoperWrongAddress,
    /// `/auth` refused the WebAPI user.
    ShoperAuthFailed(AuthFailure),
    /// 401 again right after a fresh log-in.
    ShoperTokenRejected,
    /// 401 for a static API token: revoked, expired or the integration was removed.
    ShoperApiTokenRejected,
    /// 403 `insufficient_scope`: the user or integration lacks a permission.
    ShoperPermissionMissing { area: PermissionArea, access: Access },
    /// 404 with Shoper's envelope: the object is gone.
    ShoperNotFound { path: String },
    /// Any other refusal with Shoper's envelope (400 validation, 405, 409…).
    ShoperRejected { status: u16, error: String, description: String },
    /// Systim code 4.
    SystimWrongCredentials,
    /// Systim code 6: missing or invalid fields (also an unknown referenced id).
    SystimInvalidFields { act: String, fields: Vec<String>, message: String },
    /// Systim code 1: the account does not know this method; only the feature needing it stops.
    SystimUnknownMethod { act: String },
    /// Systim code 13 again right after a fresh log-in.
    SystimSessionLost,
    /// Any other Systim code (8 outside lists, 10, 16…).
    SystimError { act: String, code: i64, message: String },
}

/// What interrupted a non-idempotent request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interruption {
    Timeout,
    ConnectionLost,
    Cancelled,
    ServerError(u16),
    UnreadableAnswer,
    /// A 429 or Systim's code 2 to a creation: it may answer the browser's own resend of a
    /// request whose first copy was written.
    RateLimited,
    /// The answer was a redirect to another address (not followed).
    Redirected,
}

/// Why Shoper's `/auth` refused the WebAPI user (the `error` field of the 401).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    /// `auth_failure`: wrong login or password.
    WrongCredentials,
    /// `auth_ip_not_allowed`.
    IpNotAllowed,
    /// `auth_webapi_access_denied`: the user's group has no WebAPI access.
    WebApiAccessDenied,
    /// `auth_admin_access_denied`.
    AdminAccessDenied,
}

impl AuthFailure {
    /// From the `error` code of a 401 envelope; `None` for codes that are not about log-in.
    pub fn from_code(code: &str) -> Option<AuthFailure> {
        match code {
            "auth_failure" => Some(AuthFailure::WrongCredentials),
            "auth_ip_not_allowed" => Some(AuthFailure::IpNotAllowed),
            "auth_webapi_access_denied" => Some(AuthFailure::WebApiAccessDenied),
            "auth_admin_access_denied" => Some(AuthFailure::AdminAccessDenied),
            _ => None,
        }
    }
}

/// The kind of permission a request needs, from its HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Create,
    Edit,
    Delete,
}

impl Access {
    pub fn of(method: Method) -> Access {
        match method {
            Method::Get | Method::Head => Access::Read,
            Method::Post => Access::Create,
            Method::Put => Access::Edit,
            Method::Delete => Access::Delete,
        }
    }
    fn key(self) -> &'static str {
        match self {
            Access::Read => "core_access_read",
            Access::Create => "core_access_create",
            Access::Edit => "core_access_edit",
            Access::Delete => "core_access_delete",
        }
    }
}

/// The area of the shop a Shoper permission covers, derived from the REST resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PermissionArea {
    Orders,
    Products,
    Categories,
    Customers,
    Warehouses,
    Webhooks,
    Configuration,
    /// A resource outside the areas above, by its name.
    Other(String),
}

impl PermissionArea {
    /// From a REST path such as `/webapi/rest/product-stocks/5?x=1`, `orders` or `bulk`.
    pub fn from_path(path: &str) -> PermissionArea {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let path = path.trim_start_matches('/');
        let path = path.strip_prefix("webapi/rest/").unwrap_or(path);
        let resource = path.split('/').next().unwrap_or("").to_ascii_lowercase();
        Self::from_resource(&resource)
    }

    fn from_resource(resource: &str) -> PermissionArea {
        const CONFIGURATION: &[&str] = &["taxes", "units", "statuses", "languages", "currencies", "shippings", "payments", "gauges"];
        const PRODUCTS: &[&str] = &["producers", "options", "attributes", "availabilities", "deliveries", "specialoffers"];
        let starts = |prefix: &str| resource == prefix || resource.starts_with(&format!("{prefix}-"));
        match resource {
            _ if starts("order") || starts("orders") || resource == "parcels" => PermissionArea::Orders,
            _ if starts("product") || starts("products") || starts("option") || PRODUCTS.contains(&resource) => PermissionArea::Products,
            _ if starts("categories") => PermissionArea::Categories,
            _ if starts("user") || starts("users") || resource == "subscribers" => PermissionArea::Customers,
            _ if starts("warehouse") || starts("warehouses") => PermissionArea::Warehouses,
            "webhooks" => PermissionArea::Webhooks,
            _ if starts("application") || CONFIGURATION.contains(&resource) => PermissionArea::Configuration,
            other => PermissionArea::Other(other.to_string()),
        }
    }

    /// The area's name as Shoper's panel shows it (`core_area_…`).
    pub fn label(&self, lang: Lang) -> String {
        let key = match self {
            PermissionArea::Orders => "core_area_orders",
            PermissionArea::Products => "core_area_products",
            PermissionArea::Categories => "core_area_categories",
            PermissionArea::Customers => "core_area_customers",
            PermissionArea::Warehouses => "core_area_warehouses",
            PermissionArea::Webhooks => "core_area_webhooks",
            PermissionArea::Configuration => "core_area_configuration",
            PermissionArea::Other(name) => return name.clone(),
        };
        texts::t(lang, key).to_string()
    }
}

impl ApiError {
    /// Which service the error comes from.
    pub fn service(&self) -> Service {
        use ApiError::*;
        match self {
            InvalidAddress { service, .. }
            | Unreachable { service }
            | Redirected { service, .. }
            | Timeout { service }
            | Cancelled { service }
            | OutcomeUnknown { service, .. }
            | RateLimited { service }
            | ServerError { service, .. }
            | NotJson { service, .. }
            | MalformedJson { service } => *service,
            ShoperWrongAddress
            | ShoperAuthFailed(_)
            | ShoperTokenRejected
            | ShoperApiTokenRejected
            | ShoperPermissionMissing { .. }
            | ShoperNotFound { .. }
            | ShoperRejected { .. } => Service::Shoper,
            SystimWrongCredentials | SystimInvalidFields { .. } | SystimUnknownMethod { .. } | SystimSessionLost | SystimError { .. } => Service::Systim,
        }
    }

    /// Whether the same call may succeed later without the user changing anything.
    /// A write whose outcome is unknown (it may have happened, even twice).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, ApiError::OutcomeUnknown { .. })
    }

    pub fn is_transient(&self) -> bool {
        use ApiError::*;
        match self {
            Unreachable { .. } | Timeout { .. } | RateLimited { .. } | ServerError { .. } | SystimSessionLost => true,
            NotJson { service, .. } => *service == Service::Systim,
            _ => false,
        }
    }

    /// A stable snake_case code for the UI, logs and `docs/errors.md`.
    pub fn code(&self) -> &'static str {
        use ApiError::*;
        let by_service = |shoper: &'static str, systim: &'static str| match self.service() {
            Service::Shoper => shoper,
            Service::Systim => systim,
        };
        match self {
            InvalidAddress { .. } => by_service("shoper_invalid_address", "systim_invalid_address"),
            Unreachable { .. } => by_service("shoper_unreachable", "systim_unreachable"),
            Redirected { .. } => by_service("shoper_redirected", "systim_redirected"),
            Timeout { .. } => by_service("shoper_timeout", "systim_timeout"),
            Cancelled { .. } => "cancelled",
            OutcomeUnknown { .. } => by_service("shoper_outcome_unknown", "systim_outcome_unknown"),
            RateLimited { .. } => by_service("shoper_rate_limited", "systim_throttled"),
            ServerError { .. } => by_service("shoper_server_error", "systim_server_error"),
            NotJson { .. } => by_service("shoper_not_json", "systim_not_json"),
            MalformedJson { .. } => by_service("shoper_malformed_response", "systim_malformed_response"),
            ShoperWrongAddress => "shoper_wrong_address",
            ShoperAuthFailed(AuthFailure::WrongCredentials) => "shoper_auth_failed",
            ShoperAuthFailed(AuthFailure::IpNotAllowed) => "shoper_ip_not_allowed",
            ShoperAuthFailed(AuthFailure::WebApiAccessDenied) => "shoper_no_webapi_access",
            ShoperAuthFailed(AuthFailure::AdminAccessDenied) => "shoper_admin_access_denied",
            ShoperTokenRejected => "shoper_token_rejected",
            ShoperApiTokenRejected => "shoper_api_token_invalid",
            ShoperPermissionMissing { .. } => "shoper_permission_missing",
            ShoperNotFound { .. } => "shoper_not_found",
            ShoperRejected { status: 400, .. } => "shoper_validation",
            ShoperRejected { .. } => "shoper_request_rejected",
            SystimWrongCredentials => "systim_wrong_credentials",
            SystimInvalidFields { .. } => "systim_invalid_fields",
            SystimUnknownMethod { .. } => "systim_method_unavailable",
            SystimSessionLost => "systim_session_lost",
            SystimError { .. } => "systim_error",
        }
    }

    /// What is wrong and what to do, for the merchant (`core_error_…` in `_locales`).
    pub fn message(&self, lang: Lang) -> String {
        use ApiError::*;
        let svc = match self.service() {
            Service::Shoper => "shoper",
            Service::Systim => "systim",
        };
        let fill = |key: &str, args: &[&str]| texts::fill(lang, key, args);
        let per_service = |key: &str, args: &[&str]| texts::fill(lang, &format!("core_error_{key}_{svc}"), args);
        match self {
            InvalidAddress { service, problem } => problem.message(lang, *service),
            Unreachable { .. } => per_service("unreachable", &[]),
            Redirected { target, .. } => per_service("redirected", &[&target.as_ref().map(|t| format!(" ({t})")).unwrap_or_default()]),
            Timeout { .. } => per_service("timeout", &[]),
            Cancelled { .. } => fill("core_error_cancelled", &[]),
            OutcomeUnknown { cause, .. } => per_service("outcome_unknown", &[&cause.text(lang)]),
            RateLimited { .. } => per_service("rate_limited", &[]),
            ServerError { status, .. } => per_service("server_error", &[&status.to_string()]),
            // 404/410 from Systim: the address is wrong (a typo in the account name) — retrying cannot help.
            NotJson { service: Service::Systim, status: status @ (404 | 410) } => fill("core_error_no_account_systim", &[&status.to_string()]),
            NotJson { service: Service::Shoper, .. } => fill("core_error_not_json_shoper", &[]),
            NotJson { status, .. } => fill("core_error_not_json_systim", &[&status.to_string()]),
            MalformedJson { .. } => per_service("malformed", &[]),
            ShoperWrongAddress => fill("core_error_wrong_address_shoper", &[]),
            ShoperAuthFailed(failure) => fill(failure.key(), &[]),
            ShoperTokenRejected => fill("core_error_token_rejected_shoper", &[]),
            ShoperApiTokenRejected => fill("core_error_api_token_rejected_shoper", &[]),
            ShoperPermissionMissing { area, access } => fill("core_error_permission_missing_shoper", &[&area.label(lang), texts::t(lang, access.key())]),
            ShoperNotFound { path } => fill("core_error_not_found_shoper", &[path]),
            ShoperRejected { status: 400, error, description } => fill("core_error_invalid_data_shoper", &[&or_code(lang, description, error)]),
            ShoperRejected { status, error, description } => fill("core_error_rejected_shoper", &[&status.to_string(), &or_code(lang, description, error)]),
            SystimWrongCredentials => fill("core_error_wrong_credentials_systim", &[]),
            SystimInvalidFields { act, fields, message } => fill("core_error_invalid_fields_systim", &[act, &(list_or_dash(fields) + &suffix(message))]),
            SystimUnknownMethod { act } => fill("core_error_unknown_method_systim", &[act]),
            SystimSessionLost => fill("core_error_session_lost_systim", &[]),
            SystimError { act, code, message } => {
                let hint = match code {
                    8 => "core_systim_hint_no_data",
                    10 => "core_systim_hint_not_in_plan",
                    16 => "core_systim_hint_month_closed",
                    _ => "core_systim_hint_other",
                };
                fill("core_error_systim", &[&code.to_string(), &format!("{act}{}", suffix(message)), texts::t(lang, hint)])
            }
        }
    }

    /// What is wrong and what to do, in Polish, for the merchant.
    pub fn message_pl(&self) -> String {
        self.message(Lang::Pl)
    }

    /// The same in English, for logs and support.
    pub fn message_en(&self) -> String {
        self.message(Lang::En)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message_en())
    }
}

impl std::error::Error for ApiError {}

impl Interruption {
    fn text(self, lang: Lang) -> String {
        let key = match self {
            Interruption::Timeout => "core_interruption_timeout",
            Interruption::ConnectionLost => "core_interruption_connection_lost",
            Interruption::Cancelled => "core_interruption_cancelled",
            Interruption::ServerError(status) => return texts::fill(lang, "core_interruption_server_error", &[&status.to_string()]),
            Interruption::UnreadableAnswer => "core_interruption_unreadable_answer",
            Interruption::RateLimited => "core_interruption_rate_limited",
            Interruption::Redirected => "core_interruption_redirected",
        };
        texts::t(lang, key).to_string()
    }
}

impl AuthFailure {
    fn key(self) -> &'static str {
        match self {
            AuthFailure::WrongCredentials => "core_error_auth_wrong_credentials_shoper",
            AuthFailure::IpNotAllowed => "core_error_auth_ip_not_allowed_shoper",
            AuthFailure::WebApiAccessDenied => "core_error_auth_no_webapi_shoper",
            AuthFailure::AdminAccessDenied => "core_error_auth_admin_denied_shoper",
        }
    }
}

fn or_code(lang: Lang, description: &str, error: &str) -> String {
    if description.trim().is_empty() {
        texts::fill(lang, "core_error_code", &[error])
    } else {
        description.trim().to_string()
    }
}

fn list_or_dash(fields: &[String]) -> String {
    if fields.is_empty() {
        "—".into()
    } else {
        fields.join(", ")
    }
}

fn suffix(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    if message.is_empty() {
        String::new()
    } else {
        format!(" ({message})")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One of every variant (and every service where it varies).
    pub(crate) fn samples() -> Vec<ApiError> {
        let mut all = Vec::new();
        for service in [Service::Shoper, Service::Systim] {
            all.extend([
                ApiError::InvalidAddress { service, problem: AddressProblem::InsecureHttp },
                ApiError::Unreachable { service },
                ApiError::Redirected { service, target: Some("https://inny.example".into()) },
                ApiError::Timeout { service },
                ApiError::Cancelled { service },
                ApiError::OutcomeUnknown { service, cause: Interruption::Timeout },
                ApiError::RateLimited { service },
                ApiError::ServerError { service, status: 502 },
                ApiError::NotJson { service, status: 200 },
                ApiError::MalformedJson { service },
            ]);
        }
        all.extend([
            ApiError::ShoperWrongAddress,
            ApiError::ShoperAuthFailed(AuthFailure::WrongCredentials),
            ApiError::ShoperAuthFailed(AuthFailure::IpNotAllowed),
            ApiError::ShoperAuthFailed(AuthFailure::WebApiAccessDenied),
            ApiError::ShoperAuthFailed(AuthFailure::AdminAccessDenied),
            ApiError::ShoperTokenRejected,
            ApiError::ShoperApiTokenRejected,
            ApiError::ShoperPermissionMissing { area: PermissionArea::Orders, access: Access::Read },
            ApiError::ShoperNotFound { path: "products/7".into() },
            ApiError::ShoperRejected { status: 400, error: "invalid_request".into(), description: "Wartość pola".into() },
            ApiError::ShoperRejected { status: 409, error: "server_error".into(), description: String::new() },
            ApiError::SystimWrongCredentials,
            ApiError::SystimInvalidFields { act: "addOrder".into(), fields: vec!["nip".into()], message: "Błąd".into() },
            ApiError::SystimUnknownMethod { act: "listStores".into() },
            ApiError::SystimSessionLost,
            ApiError::SystimError { act: "addOrder".into(), code: 16, message: String::new() },
        ]);
        all
    }

    #[test]
    fn every_error_has_a_snake_case_code_and_both_messages() {
        for e in samples() {
            let code = e.code();
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
            assert!(e.message_pl().len() > 20, "{code}");
            assert!(e.message_en().len() > 15, "{code}");
        }
    }

    /// The texts are keys of `_locales` the core builds at run time (per service, per problem):
    /// each of them exists in both languages, with every placeholder filled.
    #[test]
    fn every_message_is_worded_in_both_languages() {
        let mut all = samples();
        for service in [Service::Shoper, Service::Systim] {
            all.extend(
                [
                    AddressProblem::Empty,
                    AddressProblem::UnsupportedScheme,
                    AddressProblem::InsecureHttp,
                    AddressProblem::InvalidHost,
                    AddressProblem::ContainsCredentials,
                    AddressProblem::NotSystim,
                    AddressProblem::Loopback,
                ]
                .map(|problem| ApiError::InvalidAddress { service, problem }),
            );
            all.push(ApiError::NotJson { service, status: 404 });
            all.push(ApiError::Redirected { service, target: None });
            for cause in [
                Interruption::ConnectionLost,
                Interruption::Cancelled,
                Interruption::ServerError(503),
                Interruption::UnreadableAnswer,
                Interruption::RateLimited,
                Interruption::Redirected,
            ] {
                all.push(ApiError::OutcomeUnknown { service, cause });
            }
        }
        for code in [8, 10, 1] {
            all.push(ApiError::SystimError { act: "addOrder".into(), code, message: "m".into() });
        }
        for (access, area) in [
            (Access::Create, "products"),
            (Access::Edit, "categories"),
            (Access::Delete, "users"),
            (Access::Read, "warehouses"),
            (Access::Read, "webhooks"),
            (Access::Read, "taxes"),
        ] {
            all.push(ApiError::ShoperPermissionMissing { area: PermissionArea::from_path(area), access });
        }
        for e in all {
            for (lang, text) in [("pl", e.message_pl()), ("en", e.message_en())] {
                assert!(!text.contains("core_") && !text.contains('$'), "{e:?} ({lang}): {text}");
            }
            assert_ne!(e.message_pl(), e.message_en(), "{e:?}");
        }
        // what a merchant reads, exactly as before the texts moved to _locales
        let e = ApiError::ShoperPermissionMissing { area: PermissionArea::Orders, access: Access::Edit };
        assert_eq!(
            e.message_pl(),
            "Brak uprawnienia w sklepie Shoper: „Zamówienia: edycja”. Nadaj je w panelu Shoper użytkownikowi WebAPI (lub integracji) i spróbuj ponownie."
        );
        assert_eq!(e.message_en(), "Missing Shoper permission: Orders (edit).");
        let e = ApiError::OutcomeUnknown { service: Service::Systim, cause: Interruption::ServerError(502) };
        assert_eq!(e.message_pl(), "Zapis do Systim nie dostał jednoznacznej odpowiedzi (błąd serwera HTTP 502), więc nie wiadomo, czy się udał — ani czy nie udał się dwa razy. Program sprawdzi to sam przed ponownym wysłaniem — nie powtarzaj tej operacji ręcznie.");
    }

    #[test]
    fn docs_list_every_code() {
        let docs = include_str!("../../docs/errors.md");
        for e in samples() {
            assert!(docs.contains(&format!("`{}`", e.code())), "docs/errors.md lacks {}", e.code());
        }
    }

    #[test]
    fn permission_area_follows_the_resource() {
        let cases = [
            ("/webapi/rest/orders/5", PermissionArea::Orders),
            ("order-products?filters=x", PermissionArea::Orders),
            ("product-stocks/181", PermissionArea::Products),
            ("/webapi/rest/products", PermissionArea::Products),
            ("categories-tree", PermissionArea::Categories),
            ("users", PermissionArea::Customers),
            ("warehouses", PermissionArea::Warehouses),
            ("taxes", PermissionArea::Configuration),
            ("application-config", PermissionArea::Configuration),
            ("webhooks/3", PermissionArea::Webhooks),
            ("loyalty-events", PermissionArea::Other("loyalty-events".into())),
        ];
        for (path, area) in cases {
            assert_eq!(PermissionArea::from_path(path), area, "{path}");
        }
    }

    #[test]
    fn permission_message_names_area_and_access() {
        let e = ApiError::ShoperPermissionMissing { area: PermissionArea::Products, access: Access::Edit };
        assert!(e.message_pl().contains("„Produkty: edycja”"), "{}", e.message_pl());
    }
}
