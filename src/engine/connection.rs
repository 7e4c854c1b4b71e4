//! The connection: which shop and which Systim account, with their keys. Stored only in the
//! extension's `storage.local` under `connection`; shown masked unless the merchant asks to see
//! the keys (the seed's "Pokaż klucze dostępu"); never written to logs, reports or messages to a
//! content script.

use crate::client::address::{parse_origin, systim_origin, AddressProblem};
use crate::client::Service;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShoperAuthKind {
    /// A WebAPI administrator's login and password (`POST /webapi/rest/auth`).
    #[default]
    User,
    /// A static API token from "Dodaj integrację".
    Token,
}

/// What the merchant enters on the options page.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Connection {
    pub shop_url: String,
    pub shoper_auth: ShoperAuthKind,
    pub shoper_login: String,
    pub shoper_password: String,
    pub shoper_token: String,
    /// Account name or number (`firma` → `https://firma.systim.pl`) or a full base URL.
    pub systim_account: String,
    pub systim_login: String,
    pub systim_key: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys never reach a log, even through `{:?}`.
        f.debug_struct("Connection")
            .field("shop_url", &self.shop_url)
            .field("shoper_auth", &self.shoper_auth)
            .field("shoper_login", &self.shoper_login)
            .field("systim_account", &self.systim_account)
            .field("systim_login", &self.systim_login)
            .finish_non_exhaustive()
    }
}

/// One refused field, with the reason in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message_pl: String,
    pub message_en: String,
}

fn field_error(field: &str, pl: &str, en: &str) -> FieldError {
    FieldError { field: field.into(), message_pl: pl.into(), message_en: en.into() }
}

/// Mask a secret: only its last four characters stay visible.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    if n == 0 {
        return String::new();
    }
    let tail: String = secret.chars().skip(n.saturating_sub(4)).collect();
    if n <= 4 {
        "••••".to_string()
    } else {
        format!("••••••{tail}")
    }
}

/// The match pattern for `permissions.request` of an origin (`scheme://host[:port]`): ports are
/// not part of match patterns.
pub fn permission_pattern(origin: &str) -> String {
    let (scheme, rest) = origin.split_once("://").unwrap_or(("https", origin));
    let host = if rest.starts_with('[') {
        rest.split_inclusive(']').next().unwrap_or(rest)
    } else {
        rest.split(':').next().unwrap_or(rest)
    };
    format!("{scheme}://{host}/*")
}

/// The host name of an origin (the shop's identity in storage keys and the import marker).
pub fn origin_host(origin: &str) -> String {
    let rest = origin.split_once("://").map_or(origin, |(_, r)| r);
    rest.to_string()
}

fn address_error(field: &str, problem: AddressProblem, service: Service) -> FieldError {
    FieldError { field: field.into(), message_pl: problem.message_pl(service), message_en: problem.message_en(service) }
}

impl Connection {
    /// `https://sklep.pl` (normalised), when the address is valid.
    pub fn shop_origin(&self) -> Result<String, AddressProblem> {
        parse_origin(&self.shop_url)
    }

    /// The Systim base URL: an account name becomes `https://<name>.systim.pl`.
    pub fn systim_origin(&self) -> Result<String, AddressProblem> {
        systim_origin(&self.systim_account)
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Err(p) = self.shop_origin() {
            errors.push(address_error("shopUrl", p, Service::Shoper));
        }
        match self.shoper_auth {
            ShoperAuthKind::User => {
                if self.shoper_login.trim().is_empty() {
                    errors.push(field_error("shoperLogin", "Podaj login użytkownika WebAPI sklepu.", "Enter the shop's WebAPI user login."));
                }
                if self.shoper_password.is_empty() {
                    errors.push(field_error("shoperPassword", "Podaj hasło użytkownika WebAPI.", "Enter the WebAPI user's password."));
                }
            }
            ShoperAuthKind::Token => {
                let t = self.shoper_token.trim();
                if t.is_empty() {
                    errors.push(field_error("shoperToken", "Podaj token API z „Dodaj integrację”.", "Enter the API token from \u{201c}Add integration\u{201d}."));
                } else if !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    errors.push(field_error("shoperToken", "Token API składa się tylko z liter i cyfr — sprawdź, czy skopiowano go w całości.", "An API token has only letters and digits — check it was copied whole."));
                }
            }
        }
        if let Err(p) = self.systim_origin() {
            errors.push(address_error("systimAccount", p, Service::Systim));
        }
        if self.systim_login.trim().is_empty() {
            errors.push(field_error("systimLogin", "Podaj login użytkownika Systim, dla którego wygenerowano klucz API.", "Enter the Systim user for whom the API key was generated."));
        }
        if self.systim_key.trim().is_empty() {
            errors.push(field_error("systimKey", "Podaj klucz API Systim (Ustawienia → Użytkownicy → Opcje → Wygeneruj klucz).", "Enter the Systim API key (Settings → Users → Options → Generate key)."));
        }
        errors
    }

    pub fn is_configured(&self) -> bool {
        self.validate().is_empty()
    }

    /// The view for the options page and popup: keys masked unless `reveal`.
    pub fn view(&self, reveal: bool) -> Connection {
        let m = |s: &str| if reveal { s.to_string() } else { mask(s) };
        Connection {
            shoper_password: m(&self.shoper_password),
            shoper_token: m(&self.shoper_token),
            systim_key: m(&self.systim_key),
            ..self.clone()
        }
    }

    /// Apply what the options page sent: a secret sent back exactly in its masked form keeps the
    /// stored value.
    pub fn merged_with_stored(mut self, stored: &Connection) -> Connection {
        let keep = |new: &mut String, old: &str| {
            if !old.is_empty() && *new == mask(old) {
                *new = old.to_string();
            }
        };
        keep(&mut self.shoper_password, &stored.shoper_password);
        keep(&mut self.shoper_token, &stored.shoper_token);
        keep(&mut self.systim_key, &stored.systim_key);
        self.shop_url = self.shop_url.trim().to_string();
        self.systim_account = self.systim_account.trim().to_string();
        self
    }

    /// Every secret value, for "never leaked" checks.
    pub fn secrets(&self) -> Vec<&str> {
        [&self.shoper_password, &self.shoper_token, &self.systim_key].into_iter().map(|s| s.as_str()).filter(|s| !s.is_empty()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Connection {
        Connection {
            shop_url: "https://sklep.example.pl".into(),
            shoper_auth: ShoperAuthKind::User,
            shoper_login: "webapi".into(),
            shoper_password: "Tajne!Haslo123".into(),
            shoper_token: String::new(),
            systim_account: "firma".into(),
            systim_login: "jan@firma.pl".into(),
            systim_key: "c45lcd45e8a1".into(),
        }
    }

    #[test]
    fn origins_give_permission_patterns_without_ports() {
        assert_eq!(permission_pattern("http://127.0.0.1:8080"), "http://127.0.0.1/*");
        assert_eq!(permission_pattern("https://sklep.example.pl"), "https://sklep.example.pl/*");
        assert_eq!(origin_host("https://sklep.example.pl"), "sklep.example.pl");
        let mut c = sample();
        assert_eq!(c.systim_origin().unwrap(), "https://firma.systim.pl");
        c.shop_url = "http://sklep.example.pl".into();
        assert_eq!(c.validate()[0].field, "shopUrl");
        assert!(c.validate()[0].message_pl.contains("https"));
    }

    #[test]
    fn validation_names_each_missing_field_in_polish() {
        let c = Connection { shoper_auth: ShoperAuthKind::Token, shoper_token: "abc def".into(), ..Connection::default() };
        let fields: Vec<String> = c.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["shopUrl", "shoperToken", "systimAccount", "systimLogin", "systimKey"]);
        assert!(sample().validate().is_empty());
    }

    #[test]
    fn keys_are_masked_in_views_and_debug_and_kept_when_sent_back_masked() {
        let c = sample();
        let v = c.view(false);
        assert_eq!(v.shoper_password, "••••••o123");
        assert_eq!(v.systim_key, "••••••e8a1");
        assert_eq!(c.view(true).systim_key, "c45lcd45e8a1");
        let debug = format!("{c:?}");
        for s in c.secrets() {
            assert!(!debug.contains(s));
        }
        let back = v.clone().merged_with_stored(&c);
        assert_eq!(back, c);
        let changed = Connection { systim_key: "nowyklucz".into(), ..v }.merged_with_stored(&c);
        assert_eq!(changed.systim_key, "nowyklucz");
        assert_eq!(changed.shoper_password, c.shoper_password);
    }
}
