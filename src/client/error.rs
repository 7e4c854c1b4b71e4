//! Every error the clients report: a stable machine code, a Polish message for the merchant
//! (what is wrong and what to do) and an English one for logs. No variant carries a password,
//! an API key or a token; server-provided text is passed through `redact` before it lands here.
//! The table in `docs/errors.md` lists them all (a test keeps it complete).

use super::address::AddressProblem;
use super::Service;
use crate::io::Method;
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
    fn pl(self) -> &'static str {
        match self {
            Access::Read => "odczyt",
            Access::Create => "dodawanie",
            Access::Edit => "edycja",
            Access::Delete => "usuwanie",
        }
    }
    fn en(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Create => "create",
            Access::Edit => "edit",
            Access::Delete => "delete",
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
        const CONFIGURATION: &[&str] = &[
            "taxes", "units", "statuses", "languages", "currencies", "shippings", "payments", "gauges",
        ];
        const PRODUCTS: &[&str] = &["producers", "options", "attributes", "availabilities", "deliveries", "specialoffers"];
        let starts = |prefix: &str| resource == prefix || resource.starts_with(&format!("{prefix}-"));
        match resource {
            _ if starts("order") || starts("orders") || resource == "parcels" => PermissionArea::Orders,
            _ if starts("product") || starts("products") || starts("option") || PRODUCTS.contains(&resource) => {
                PermissionArea::Products
            }
            _ if starts("categories") => PermissionArea::Categories,
            _ if starts("user") || starts("users") || resource == "subscribers" => PermissionArea::Customers,
            _ if starts("warehouse") || starts("warehouses") => PermissionArea::Warehouses,
            "webhooks" => PermissionArea::Webhooks,
            _ if starts("application") || CONFIGURATION.contains(&resource) => PermissionArea::Configuration,
            other => PermissionArea::Other(other.to_string()),
        }
    }

    pub fn label_pl(&self) -> String {
        match self {
            PermissionArea::Orders => "Zamówienia".into(),
            PermissionArea::Products => "Produkty".into(),
            PermissionArea::Categories => "Kategorie".into(),
            PermissionArea::Customers => "Klienci".into(),
            PermissionArea::Warehouses => "Magazyny".into(),
            PermissionArea::Webhooks => "Webhooki".into(),
            PermissionArea::Configuration => "Konfiguracja".into(),
            PermissionArea::Other(name) => name.clone(),
        }
    }

    pub fn label_en(&self) -> String {
        match self {
            PermissionArea::Other(name) => name.clone(),
            area => format!("{area:?}"),
        }
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
            ShoperWrongAddress | ShoperAuthFailed(_) | ShoperTokenRejected | ShoperApiTokenRejected
            | ShoperPermissionMissing { .. } | ShoperNotFound { .. } | ShoperRejected { .. } => Service::Shoper,
            SystimWrongCredentials | SystimInvalidFields { .. } | SystimUnknownMethod { .. } | SystimSessionLost
            | SystimError { .. } => Service::Systim,
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

    /// What is wrong and what to do, in Polish, for the merchant.
    pub fn message_pl(&self) -> String {
        use ApiError::*;
        let who = subject_pl(self.service());
        let with = with_pl(self.service());
        match self {
            InvalidAddress { service, problem } => problem.message_pl(*service),
            Unreachable { .. } => format!(
                "Nie można połączyć się {with}. Sprawdź połączenie z internetem, adres w ustawieniach i czy przeglądarka daje rozszerzeniu dostęp do tego adresu (Ustawienia → „Zezwól na dostęp”), potem spróbuj ponownie."
            ),
            Redirected { service, target } => {
                let (address, fix) = match service {
                    Service::Shoper => ("Adres sklepu", "Wpisz w ustawieniach adres, pod którym sklep działa teraz (np. z www albo bez), i ponownie jego hasło lub token."),
                    Service::Systim => ("Adres konta Systim", "Sprawdź w ustawieniach nazwę konta Systim (część adresu przed .systim.pl)."),
                };
                let whereto = match target {
                    Some(t) => format!("pod inny adres ({t})"),
                    None => "pod inny adres".to_string(),
                };
                format!("{address} przekierowuje zapytania {whereto}. Rozszerzenie nie wysyła kluczy pod adres, którego nie wpisano w ustawieniach, więc nic nie wysłano dalej. {fix}")
            }
            Timeout { .. } => format!("{who} nie odpowiedział w wyznaczonym czasie. Spróbuj ponownie za kilka minut."),
            Cancelled { .. } => "Operacja została przerwana.".into(),
            OutcomeUnknown { cause, .. } => format!(
                "Zapis {} nie dostał jednoznacznej odpowiedzi ({}), więc nie wiadomo, czy się udał — ani czy nie udał się dwa razy. \
                 Program sprawdzi to sam przed ponownym wysłaniem — nie powtarzaj tej operacji ręcznie.",
                to_pl(self.service()),
                cause.pl()
            ),
            RateLimited { service: Service::Shoper } => "Sklep Shoper odrzuca zapytania z powodu limitu API mimo odczekania. \
                Spróbuj ponownie za kilka minut; jeśli to się powtarza, sprawdź, czy inne integracje nie zużywają limitu sklepu."
                .into(),
            RateLimited { service: Service::Systim } => "Systim czasowo blokuje zapytania (zbyt wiele zapytań albo blokada \
                adresu IP) mimo odczekania. Spróbuj ponownie za kilkanaście minut; jeśli blokada trwa, skontaktuj się z pomocą Systim."
                .into(),
            ServerError { status, .. } => format!(
                "{who} zgłasza błąd serwera (HTTP {status}). To zwykle chwilowy problem po jego stronie — spróbuj ponownie później."
            ),
            NotJson { service: Service::Shoper, .. } => "Pod podanym adresem nie odpowiada API sklepu Shoper (zamiast danych \
                przyszła strona WWW). Sprawdź w ustawieniach adres sklepu — to adres główny, np. https://twojsklep.pl."
                .into(),
            // 404/410: the address is wrong (a typo in the account name) — retrying cannot help.
            NotJson { service: Service::Systim, status: status @ (404 | 410) } => format!(
                "Pod tym adresem nie ma konta Systim (HTTP {status}). Sprawdź nazwę konta Systim w ustawieniach — \
                 to część adresu przed .systim.pl, np. firma dla firma.systim.pl."
            ),
            NotJson { service: Service::Systim, status } => format!(
                "Systim zwrócił stronę błędu zamiast danych (HTTP {status}). Zwykle to chwilowa awaria po stronie Systim — \
                 spróbuj ponownie później. Jeśli błąd się powtarza, sprawdź nazwę konta Systim w ustawieniach."
            ),
            MalformedJson { .. } => format!(
                "{who} zwrócił odpowiedź w nieoczekiwanym formacie. Spróbuj ponownie; jeśli błąd się powtarza, zgłoś go razem z kodem błędu."
            ),
            ShoperWrongAddress => "Pod podanym adresem nie ma API sklepu Shoper (HTTP 404). Sprawdź w ustawieniach adres \
                sklepu, np. https://twojsklep.pl."
                .into(),
            ShoperAuthFailed(failure) => failure.message_pl().into(),
            ShoperTokenRejected => "Shoper odrzuca dostęp nawet po ponownym zalogowaniu. Sprawdź w panelu Shoper, czy \
                użytkownik WebAPI nadal istnieje i ma dostęp do WebAPI, potem spróbuj ponownie."
                .into(),
            ShoperApiTokenRejected => "Token API sklepu Shoper jest nieważny: został unieważniony, wygasł albo integracja \
                została usunięta. Wygeneruj nowy token w panelu Shoper i wpisz go w ustawieniach."
                .into(),
            ShoperPermissionMissing { area, access } => format!(
                "Brak uprawnienia w sklepie Shoper: „{}: {}”. Nadaj je w panelu Shoper użytkownikowi WebAPI (lub integracji) \
                 i spróbuj ponownie.",
                area.label_pl(),
                access.pl()
            ),
            ShoperNotFound { path } => format!(
                "Obiektu {path} nie ma już w sklepie Shoper — prawdopodobnie został usunięty. Odśwież dane i spróbuj ponownie."
            ),
            ShoperRejected { status: 400, error, description } => format!(
                "Shoper odrzucił dane: {}. Popraw wskazane dane w sklepie lub w ustawieniach i spróbuj ponownie.",
                or_code(description, error)
            ),
            ShoperRejected { status, error, description } => format!(
                "Shoper odmówił wykonania operacji (HTTP {status}): {}. Spróbuj ponownie później; jeśli błąd się powtarza, \
                 sprawdź ten obiekt w panelu Shoper.",
                or_code(description, error)
            ),
            SystimWrongCredentials => "Systim odrzucił login lub klucz API. Sprawdź w ustawieniach login użytkownika i klucz \
                API wygenerowany w Systim (Ustawienia → Użytkownicy → Hasło do API) — to nie jest hasło do panelu."
                .into(),
            SystimInvalidFields { act, fields, message } => format!(
                "Systim odrzucił dane ({act}): błędne lub brakujące pola: {}{}. Popraw je (np. mapowanie stawek VAT, \
                 dostaw lub płatności w ustawieniach) i spróbuj ponownie.",
                list_or_dash(fields),
                suffix(message)
            ),
            SystimUnknownMethod { act } => format!(
                "Twoje konto Systim nie obsługuje funkcji {act}. Ta część synchronizacji jest wyłączona; pozostałe działają normalnie."
            ),
            SystimSessionLost => "Systim zamyka sesję API nawet po ponownym zalogowaniu. Zwykle dzieje się tak, gdy ktoś \
                loguje się tym samym użytkownikiem do panelu Systim — użyj dla integracji osobnego użytkownika i spróbuj ponownie."
                .into(),
            SystimError { act, code, message } => format!(
                "Systim zgłosił błąd {code} przy {act}{}. {}",
                suffix(message),
                systim_hint_pl(*code)
            ),
        }
    }

    /// The same in English, for logs and support.
    pub fn message_en(&self) -> String {
        use ApiError::*;
        let who = subject_en(self.service());
        match self {
            InvalidAddress { service, problem } => problem.message_en(*service),
            Unreachable { .. } => format!("Cannot connect to {who}. Check the connection, the address, and that the browser gives the extension access to it (Settings → “Allow access”), then try again."),
            Redirected { target, .. } => format!(
                "{who} redirects to another address{}; keys go only to the address in the settings, so nothing was sent there. Check the address.",
                target.as_ref().map(|t| format!(" ({t})")).unwrap_or_default()
            ),
            Timeout { .. } => format!("{who} did not answer in time. Try again in a few minutes."),
            Cancelled { .. } => "The operation was cancelled.".into(),
            OutcomeUnknown { cause, .. } => format!(
                "A write to {who} got no clear answer ({}); whether it took effect (once, or twice) is unknown. \
                 It will be checked before anything is sent again.",
                cause.en()
            ),
            RateLimited { .. } => format!("{who} keeps rejecting requests (rate limit) after waiting. Try again later."),
            ServerError { status, .. } => format!("{who} reports a server error (HTTP {status}). Try again later."),
            NotJson { status, .. } => format!("{who} answered with a web page instead of JSON (HTTP {status})."),
            MalformedJson { .. } => format!("{who} answered with JSON of an unexpected shape."),
            ShoperWrongAddress => "No Shoper API at this address (404 without Shoper's error body).".into(),
            ShoperAuthFailed(failure) => format!("Shoper refused the WebAPI log-in: {}.", failure.en()),
            ShoperTokenRejected => "Shoper rejects the access token even after a fresh log-in.".into(),
            ShoperApiTokenRejected => "The Shoper API token is invalid (revoked, expired or its integration removed).".into(),
            ShoperPermissionMissing { area, access } => {
                format!("Missing Shoper permission: {} ({}).", area.label_en(), access.en())
            }
            ShoperNotFound { path } => format!("{path} no longer exists in the shop."),
            ShoperRejected { status, error, description } => {
                format!("Shoper rejected the request (HTTP {status}): {}.", or_code(description, error))
            }
            SystimWrongCredentials => "Systim rejected the login or the API key.".into(),
            SystimInvalidFields { act, fields, message } => {
                format!("Systim rejected {act}: invalid or missing fields {}{}.", list_or_dash(fields), suffix(message))
            }
            SystimUnknownMethod { act } => format!("This Systim account does not support {act}; the feature is off."),
            SystimSessionLost => "Systim keeps dropping the API session even after a fresh log-in.".into(),
            SystimError { act, code, message } => format!("Systim error {code} in {act}{}.", suffix(message)),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message_en())
    }
}

impl std::error::Error for ApiError {}

impl Interruption {
    fn pl(self) -> String {
        match self {
            Interruption::Timeout => "brak odpowiedzi w wyznaczonym czasie".into(),
            Interruption::ConnectionLost => "zerwane połączenie".into(),
            Interruption::Cancelled => "operacja przerwana".into(),
            Interruption::ServerError(status) => format!("błąd serwera HTTP {status}"),
            Interruption::UnreadableAnswer => "nieczytelna odpowiedź serwera".into(),
            Interruption::RateLimited => "odpowiedź „zbyt wiele zapytań”, która mogła dotyczyć ponowionej kopii już zapisanego żądania".into(),
            Interruption::Redirected => "przekierowanie pod inny adres, nie wysłano tam nic".into(),
        }
    }
    fn en(self) -> String {
        match self {
            Interruption::Timeout => "timeout".into(),
            Interruption::ConnectionLost => "connection lost".into(),
            Interruption::Cancelled => "cancelled".into(),
            Interruption::ServerError(status) => format!("server error HTTP {status}"),
            Interruption::UnreadableAnswer => "unreadable answer".into(),
            Interruption::RateLimited => "a rate-limit answer, which may concern a resent copy of a request already written".into(),
            Interruption::Redirected => "redirected to another address, nothing sent there".into(),
        }
    }
}

impl AuthFailure {
    fn message_pl(self) -> &'static str {
        match self {
            AuthFailure::WrongCredentials => {
                "Shoper odrzucił login lub hasło użytkownika WebAPI. Sprawdź je w ustawieniach (to dane użytkownika \
                 z grupy z dostępem do WebAPI)."
            }
            AuthFailure::IpNotAllowed => {
                "Shoper nie pozwala temu użytkownikowi WebAPI logować się z Twojego adresu IP. Zmień ograniczenie adresów \
                 IP użytkownika w panelu Shoper."
            }
            AuthFailure::WebApiAccessDenied => {
                "Użytkownik nie ma dostępu do WebAPI. W panelu Shoper przypisz go do grupy administratorów z typem \
                 dostępu „dostęp do webapi”."
            }
            AuthFailure::AdminAccessDenied => {
                "Shoper odmówił dostępu temu kontu. Sprawdź w panelu Shoper, czy konto administratora jest aktywne \
                 i należy do grupy z dostępem do WebAPI."
            }
        }
    }
    fn en(self) -> &'static str {
        match self {
            AuthFailure::WrongCredentials => "wrong login or password",
            AuthFailure::IpNotAllowed => "IP address not allowed",
            AuthFailure::WebApiAccessDenied => "the user's group has no WebAPI access",
            AuthFailure::AdminAccessDenied => "admin access denied",
        }
    }
}

fn subject_pl(service: Service) -> &'static str {
    match service {
        Service::Shoper => "Sklep Shoper",
        Service::Systim => "Systim",
    }
}

fn to_pl(service: Service) -> &'static str {
    match service {
        Service::Shoper => "do sklepu Shoper",
        Service::Systim => "do Systim",
    }
}

fn with_pl(service: Service) -> &'static str {
    match service {
        Service::Shoper => "ze sklepem Shoper",
        Service::Systim => "z Systim",
    }
}

fn subject_en(service: Service) -> &'static str {
    match service {
        Service::Shoper => "Shoper",
        Service::Systim => "Systim",
    }
}

fn systim_hint_pl(code: i64) -> &'static str {
    match code {
        8 => "Systim nie zwrócił danych — sprawdź, czy szukany obiekt istnieje.",
        10 => "Ta funkcja nie jest dostępna w Twoim pakiecie Systim.",
        16 => "Miesiąc (okres księgowy) jest zamknięty — zmień datę albo otwórz miesiąc w Systim.",
        _ => "Spróbuj ponownie; jeśli błąd się powtarza, skontaktuj się z pomocą Systim.",
    }
}

fn or_code(description: &str, error: &str) -> String {
    if description.trim().is_empty() {
        format!("kod {error}")
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
