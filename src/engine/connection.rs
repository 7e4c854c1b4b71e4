//! The connection: which shop and which Systim account, with their keys. Stored only in the
//! extension's `storage.local` under `connection`; shown masked unless the merchant asks to see
//! the keys (the seed's "Pokaż klucze dostępu"); never written to logs, reports or messages to a
//! content script.

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

/// A parsed base URL: `scheme://host[:port]` without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
}

impl Origin {
    pub fn as_url(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }
    /// The match pattern for `permissions.request` (ports are not part of match patterns).
    pub fn permission_pattern(&self) -> String {
        format!("{}://{}/*", self.scheme, self.host)
    }
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host == "127.0.0.1" || self.host == "[::1]"
    }
}

/// Parse what a merchant types as a shop or account address: `sklep.pl`, `https://sklep.pl/`,
/// `https://sklep.pl/admin/orders`. Only https, except plain http on loopback (the sandbox).
pub fn parse_origin(input: &str) -> Result<Origin, (&'static str, &'static str)> {
    let t = input.trim();
    if t.is_empty() {
        return Err(("Podaj adres.", "Enter the address."));
    }
    let (scheme, rest) = match t.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("https".to_string(), t),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(("Adres nie może zawierać loginu ani hasła.", "The address must not contain a login or password."));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => match p.parse::<u16>() {
            Ok(port) => (h.to_ascii_lowercase(), Some(port)),
            Err(_) => return Err(("Nieprawidłowy numer portu w adresie.", "Invalid port number in the address.")),
        },
        _ => (authority.to_ascii_lowercase(), None),
    };
    let valid_host = !host.is_empty()
        && host.len() <= 253
        && (host.starts_with('[') || host.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')));
    if !valid_host {
        return Err(("To nie jest poprawny adres strony.", "This is not a valid web address."));
    }
    let origin = Origin { scheme: scheme.clone(), host, port };
    match scheme.as_str() {
        "https" => Ok(origin),
        "http" if origin.is_loopback() => Ok(origin),
        "http" => Err(("Adres musi zaczynać się od https:// (połączenie szyfrowane).", "The address must start with https:// (an encrypted connection).")),
        _ => Err(("Nieobsługiwany protokół; użyj https://.", "Unsupported protocol; use https://.")),
    }
}

impl Connection {
    pub fn shop_origin(&self) -> Option<Origin> {
        parse_origin(&self.shop_url).ok()
    }

    /// The Systim base URL: an account name becomes `https://<name>.systim.pl`.
    pub fn systim_origin(&self) -> Result<Origin, (&'static str, &'static str)> {
        let a = self.systim_account.trim();
        let is_name = !a.is_empty() && !a.contains("://") && !a.contains('.') && !a.contains(':');
        if is_name {
            if !a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(("Nazwa konta Systim może zawierać tylko litery, cyfry i myślnik.", "A Systim account name may only contain letters, digits and hyphens."));
            }
            return Ok(Origin { scheme: "https".into(), host: format!("{}.systim.pl", a.to_ascii_lowercase()), port: None });
        }
        parse_origin(a)
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Err((pl, en)) = parse_origin(&self.shop_url) {
            errors.push(field_error("shopUrl", pl, en));
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
        if let Err((pl, en)) = self.systim_origin() {
            errors.push(field_error("systimAccount", pl, en));
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
    fn addresses_are_normalised_and_only_https_or_loopback_accepted() {
        assert_eq!(parse_origin("sklep.example.pl").unwrap().as_url(), "https://sklep.example.pl");
        assert_eq!(parse_origin(" https://Sklep.Example.pl/admin/orders ").unwrap().as_url(), "https://sklep.example.pl");
        assert_eq!(parse_origin("http://127.0.0.1:8080").unwrap().as_url(), "http://127.0.0.1:8080");
        assert_eq!(parse_origin("http://localhost:3000/x").unwrap().permission_pattern(), "http://localhost/*");
        assert!(parse_origin("http://sklep.example.pl").unwrap_err().0.contains("https"));
        assert!(parse_origin("ftp://sklep.pl").is_err());
        assert!(parse_origin("https://user:pass@sklep.pl").is_err());
        assert!(parse_origin("https://sklep..pl").is_err());
        assert!(parse_origin("").is_err());
        assert!(parse_origin("https://sklep.pl:99999").is_err());
    }

    #[test]
    fn systim_account_name_or_url() {
        let mut c = sample();
        assert_eq!(c.systim_origin().unwrap().as_url(), "https://firma.systim.pl");
        c.systim_account = "41216".into();
        assert_eq!(c.systim_origin().unwrap().as_url(), "https://41216.systim.pl");
        c.systim_account = "http://127.0.0.1:9001".into();
        assert_eq!(c.systim_origin().unwrap().as_url(), "http://127.0.0.1:9001");
        c.systim_account = "firma z spacją".into();
        assert!(c.systim_origin().is_err());
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
