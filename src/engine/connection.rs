//! The connection: which shop and which Systim account, with their keys. Stored only in the
//! extension's `storage.local` under `connection`; shown masked unless the merchant asks to see
//! the keys (the seed's "Pokaż klucze dostępu"); never written to logs, reports or messages to a
//! content script.

use crate::client::address::{parse_origin, shop_origin, systim_origin, systim_origin_for, AddressProblem, HostRules};
use crate::client::Service;
use crate::plan::Lang;
use crate::texts;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShoperAuthKind {
    /// A WebAPI administrator's login and password (`POST /webapi/rest/auth`).
    #[default]
    User,
    /// A static API token from "Dodaj integrację".
    Token,
}

/// What the merchant enters on the options page.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
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
    /// The shop's other addresses (its own domain, `www.`, the technical `*.shoparena.pl`), as
    /// origins: the admin-panel script and its badges work there too. No key is ever sent to
    /// them — only to `shop_url`. Added one by one by the merchant (`addShopAlias`); kept while
    /// the shop's address stays the same, dropped with it.
    pub shop_aliases: Vec<String>,
}

// Read by the generic readers of `json` (one for every unit enum, one field table per struct)
// instead of a derived reader each in the wasm; tested against the derive below.
crate::read_unit_enum!(ShoperAuthKind { User = "user", Token = "token" });
crate::read_over_default!(Connection {
    shop_url = "shopUrl",
    shoper_auth = "shoperAuth",
    shoper_login = "shoperLogin",
    shoper_password = "shoperPassword",
    shoper_token = "shoperToken",
    systim_account = "systimAccount",
    systim_login = "systimLogin",
    systim_key = "systimKey",
    shop_aliases = "shopAliases",
});

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys never reach a log, even through `{:?}`.
        f.debug_struct("Connection")
            .field("shop_url", &self.shop_url)
            .field("shoper_auth", &self.shoper_auth)
            .field("shoper_login", &self.shoper_login)
            .field("systim_account", &self.systim_account)
            .field("systim_login", &self.systim_login)
            .field("shop_aliases", &self.shop_aliases)
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

/// The field named by a refused other address of the shop (`addShopAlias`).
pub const ALIAS_FIELD: &str = "shopAlias";
/// At most this many other addresses of the shop.
pub const MAX_ALIASES: usize = 8;

/// The password's mask: none of its characters, whatever its length.
pub const PASSWORD_MASK: &str = "••••••••";

/// Mask an API key or token: its last four characters stay visible when it has at least
/// twelve (so that the merchant can tell keys apart); a shorter one shows nothing.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    if n == 0 {
        String::new()
    } else if n < 12 {
        PASSWORD_MASK.to_string()
    } else {
        let tail: String = secret.chars().skip(n - 4).collect();
        format!("••••••{tail}")
    }
}

/// Mask a password: fully.
pub fn mask_password(secret: &str) -> String {
    if secret.is_empty() {
        String::new()
    } else {
        PASSWORD_MASK.to_string()
    }
}

/// The match pattern for `permissions.request` of an origin (`scheme://host[:port]`): ports are
/// not part of match patterns.
pub fn permission_pattern(origin: &str) -> String {
    let (scheme, rest) = origin.split_once("://").unwrap_or(("https", origin));
    format!("{scheme}://{}/*", host_without_port(rest))
}

/// The match patterns of the shop's admin panel: `/admin` itself and the pages under `/admin/`
/// — not `/administrator` or `/admin-old` (a pattern `/admin*` would take those too).
pub fn admin_patterns(origin: &str) -> Vec<String> {
    let (scheme, rest) = origin.split_once("://").unwrap_or(("https", origin));
    let host = host_without_port(rest);
    vec![format!("{scheme}://{host}/admin"), format!("{scheme}://{host}/admin/*")]
}

/// Whether `url` is a page of the admin panel of the shop at `origin`: exactly `/admin`, or a
/// path under `/admin/` (a query or fragment may follow).
pub fn is_admin_page(origin: &str, url: &str) -> bool {
    let Some(rest) = url.strip_prefix(origin) else { return false };
    let path = rest.split(['?', '#']).next().unwrap_or("");
    path == "/admin" || path.starts_with("/admin/")
}

fn host_without_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.split(':').next().unwrap_or(authority)
    }
}

/// The host name of an origin (the shop's identity in storage keys and the import marker).
pub fn origin_host(origin: &str) -> String {
    let rest = origin.split_once("://").map_or(origin, |(_, r)| r);
    rest.to_string()
}

fn address_error(field: &str, problem: AddressProblem, service: Service) -> FieldError {
    FieldError { field: field.into(), message_pl: problem.message_pl(service), message_en: problem.message_en(service) }
}

/// Whether two typed addresses name the same origin (as typed, when one does not parse).
fn same_address(a: &str, b: &str, origin: fn(&str) -> Result<String, AddressProblem>) -> bool {
    match (origin(a), origin(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// A secret sent back masked while its address changed: the stored one belongs to the old
/// address and is not used; the merchant types it again.
fn rebind_error(field: &str) -> FieldError {
    match field {
        "systimKey" => {
            field_error(field, texts::t(Lang::Pl, "core_eng_the_systim_account_differs_from"), texts::t(Lang::En, "core_eng_the_systim_account_differs_from"))
        }
        "shoperToken" => {
            field_error(field, texts::t(Lang::Pl, "core_eng_the_shop_address_differs_from"), texts::t(Lang::En, "core_eng_the_shop_address_differs_from"))
        }
        _ => field_error(field, texts::t(Lang::Pl, "core_eng_the_shop_address_differs_from_2"), texts::t(Lang::En, "core_eng_the_shop_address_differs_from_2")),
    }
}

impl Connection {
    /// The shop's origin, normalised (its identity: ledger keys, the content script's origin).
    /// Whether this build may use it is [`Connection::validate`]'s to say.
    pub fn shop_origin(&self) -> Result<String, AddressProblem> {
        parse_origin(&self.shop_url)
    }

    /// The shop's origin when this build accepts it.
    pub fn shop_origin_for(&self, rules: HostRules) -> Result<String, AddressProblem> {
        shop_origin(&self.shop_url, rules)
    }

    /// The Systim base URL (`https://<account>.systim.pl`) when this build accepts it.
    pub fn systim_origin_for(&self, rules: HostRules) -> Result<String, AddressProblem> {
        systim_origin_for(&self.systim_account, rules)
    }

    /// The match patterns of the addresses this connection sends its keys to (the ones that are
    /// valid in this build): what the options page asks host access for.
    pub fn host_permissions(&self, rules: HostRules) -> Vec<String> {
        let mut patterns: Vec<String> = Vec::new();
        for origin in [self.shop_origin_for(rules).ok(), self.systim_origin_for(rules).ok()].into_iter().flatten() {
            let pattern = permission_pattern(&origin);
            if !patterns.contains(&pattern) {
                patterns.push(pattern);
            }
        }
        patterns
    }

    /// The origins of the shop's admin panel this build accepts: the shop's own first, then its
    /// other addresses (none while the shop's own address is refused).
    pub fn panel_origins(&self, rules: HostRules) -> Vec<String> {
        let Ok(main) = self.shop_origin_for(rules) else { return Vec::new() };
        let mut origins = vec![main];
        for origin in self.shop_aliases.iter().filter_map(|a| shop_origin(a, rules).ok()) {
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        origins
    }

    /// The path of `url` (no query, no fragment) when it is a page of the shop's admin panel at
    /// one of its addresses: exactly `/admin`, or under `/admin/`.
    pub fn panel_path<'u>(&self, rules: HostRules, url: &'u str) -> Option<&'u str> {
        let origin = self.panel_origins(rules).into_iter().find(|o| is_admin_page(o, url))?;
        url[origin.len()..].split(['?', '#']).next()
    }

    /// The host access the shop's other addresses need (for the admin-panel script there) beyond
    /// [`Connection::host_permissions`].
    pub fn alias_permissions(&self, rules: HostRules) -> Vec<String> {
        let keys = self.host_permissions(rules);
        let mut patterns: Vec<String> = Vec::new();
        for pattern in self.panel_origins(rules).iter().skip(1).map(|o| permission_pattern(o)) {
            if !keys.contains(&pattern) && !patterns.contains(&pattern) {
                patterns.push(pattern);
            }
        }
        patterns
    }

    /// Adds another address of the shop (checked by the rules of the shop's own); gives its origin.
    pub fn add_alias(&mut self, address: &str, rules: HostRules) -> Result<String, FieldError> {
        let Ok(main) = self.shop_origin_for(rules) else {
            return Err(field_error(
                ALIAS_FIELD,
                texts::t(Lang::Pl, "core_eng_save_the_connection_with_the"),
                texts::t(Lang::En, "core_eng_save_the_connection_with_the"),
            ));
        };
        let origin = shop_origin(address, rules).map_err(|p| address_error(ALIAS_FIELD, p, Service::Shoper))?;
        if origin == main {
            return Err(field_error(ALIAS_FIELD, texts::t(Lang::Pl, "core_eng_this_is_the_shop_s"), texts::t(Lang::En, "core_eng_this_is_the_shop_s")));
        }
        if !self.shop_aliases.contains(&origin) {
            if self.shop_aliases.len() >= MAX_ALIASES {
                return Err(field_error(
                    ALIAS_FIELD,
                    texts::t(Lang::Pl, "core_eng_at_most_other_shop_addresses"),
                    texts::t(Lang::En, "core_eng_at_most_other_shop_addresses"),
                ));
            }
            self.shop_aliases.push(origin.clone());
        }
        Ok(origin)
    }

    /// Removes one of the shop's other addresses (its origin, or the address as typed); whether
    /// it was there.
    pub fn remove_alias(&mut self, address: &str) -> bool {
        let origin = parse_origin(address).unwrap_or_else(|_| address.trim().to_string());
        let before = self.shop_aliases.len();
        self.shop_aliases.retain(|a| *a != origin);
        self.shop_aliases.len() != before
    }

    pub fn validate(&self, rules: HostRules) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Err(p) = self.shop_origin_for(rules) {
            errors.push(address_error("shopUrl", p, Service::Shoper));
        }
        match self.shoper_auth {
            ShoperAuthKind::User => {
                if self.shoper_login.trim().is_empty() {
                    errors.push(field_error(
                        "shoperLogin",
                        texts::t(Lang::Pl, "core_eng_enter_the_shop_s_webapi"),
                        texts::t(Lang::En, "core_eng_enter_the_shop_s_webapi"),
                    ));
                }
                if self.shoper_password.is_empty() {
                    errors.push(field_error(
                        "shoperPassword",
                        texts::t(Lang::Pl, "core_eng_enter_the_webapi_user_s"),
                        texts::t(Lang::En, "core_eng_enter_the_webapi_user_s"),
                    ));
                }
            }
            ShoperAuthKind::Token => {
                let t = self.shoper_token.trim();
                if t.is_empty() {
                    errors.push(field_error(
                        "shoperToken",
                        texts::t(Lang::Pl, "core_eng_enter_the_api_token_from"),
                        texts::t(Lang::En, "core_eng_enter_the_api_token_from"),
                    ));
                } else if !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    errors.push(field_error(
                        "shoperToken",
                        texts::t(Lang::Pl, "core_eng_an_api_token_has_only"),
                        texts::t(Lang::En, "core_eng_an_api_token_has_only"),
                    ));
                }
            }
        }
        if let Err(p) = self.systim_origin_for(rules) {
            errors.push(address_error("systimAccount", p, Service::Systim));
        }
        if self.systim_login.trim().is_empty() {
            errors.push(field_error(
                "systimLogin",
                texts::t(Lang::Pl, "core_eng_enter_the_systim_user_for"),
                texts::t(Lang::En, "core_eng_enter_the_systim_user_for"),
            ));
        }
        if self.systim_key.trim().is_empty() {
            errors.push(field_error(
                "systimKey",
                texts::t(Lang::Pl, "core_eng_enter_the_systim_api_key"),
                texts::t(Lang::En, "core_eng_enter_the_systim_api_key"),
            ));
        }
        errors
    }

    pub fn is_configured(&self, rules: HostRules) -> bool {
        self.validate(rules).is_empty()
    }

    /// The view for the options page and popup: keys masked unless `reveal`.
    pub fn view(&self, reveal: bool) -> Connection {
        let m = |s: &str| if reveal { s.to_string() } else { mask(s) };
        Connection {
            shoper_password: if reveal { self.shoper_password.clone() } else { mask_password(&self.shoper_password) },
            shoper_token: m(&self.shoper_token),
            systim_key: m(&self.systim_key),
            ..self.clone()
        }
    }

    /// What the options page sent, over the stored connection, validated: a secret sent back
    /// exactly in its masked form keeps the stored value — but only while its address (the
    /// shop's for the password and the token, the Systim account's for the key) is the stored
    /// one. For a new address the stored secret is dropped and the field asks for it again:
    /// keys never follow a newly typed address.
    pub fn accept(self, stored: &Connection, rules: HostRules) -> Result<Connection, Vec<FieldError>> {
        let (merged, errors) = self.merged(stored, rules);
        if errors.is_empty() {
            Ok(merged)
        } else {
            Err(errors)
        }
    }

    /// [`Connection::accept`]'s merge, with the refused fields beside it (a secret dropped for a
    /// new address is empty in the connection and named among the errors).
    pub fn merged(self, stored: &Connection, rules: HostRules) -> (Connection, Vec<FieldError>) {
        let same_shop = same_address(&self.shop_url, &stored.shop_url, parse_origin);
        let same_systim = same_address(&self.systim_account, &stored.systim_account, systim_origin);
        let mut merged = self;
        let mut unbound = Vec::new();
        let mut keep = |new: &mut String, old: &str, masked: String, same: bool, field: &'static str| {
            if !old.is_empty() && *new == masked {
                if same {
                    *new = old.to_string();
                } else {
                    new.clear();
                    unbound.push(field);
                }
            }
        };
        keep(&mut merged.shoper_password, &stored.shoper_password, mask_password(&stored.shoper_password), same_shop, "shoperPassword");
        keep(&mut merged.shoper_token, &stored.shoper_token, mask(&stored.shoper_token), same_shop, "shoperToken");
        keep(&mut merged.systim_key, &stored.systim_key, mask(&stored.systim_key), same_systim, "systimKey");
        // The other addresses are changed only by their own messages; they stay with the shop's
        // address and go with it (they were another shop's).
        merged.shop_aliases = if same_shop { stored.shop_aliases.clone() } else { Vec::new() };
        merged.shop_url = merged.shop_url.trim().to_string();
        merged.systim_account = merged.systim_account.trim().to_string();
        let errors = merged.validate(rules).into_iter().map(|e| if unbound.contains(&e.field.as_str()) { rebind_error(&e.field) } else { e }).collect();
        (merged, errors)
    }

    /// Every secret value, for "never leaked" checks.
    pub fn secrets(&self) -> Vec<&str> {
        [&self.shoper_password, &self.shoper_token, &self.systim_key].into_iter().map(|s| s.as_str()).filter(|s| !s.is_empty()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: HostRules = HostRules::DEV;

    fn sample() -> Connection {
        Connection {
            shop_url: "https://sklep.example.pl".into(),
            shoper_auth: ShoperAuthKind::User,
            shoper_login: "webapi".into(),
            shoper_password: "Tajne!Haslo123".into(),
            shoper_token: "a1b2c3d4e5f6g7h8".into(),
            systim_account: "firma".into(),
            systim_login: "jan@firma.pl".into(),
            systim_key: "c45lcd45e8a1".into(),
            shop_aliases: Vec::new(),
        }
    }

    #[test]
    fn origins_give_permission_patterns_without_ports_and_exact_admin_paths() {
        assert_eq!(permission_pattern("http://127.0.0.1:8080"), "http://127.0.0.1/*");
        assert_eq!(permission_pattern("https://sklep.example.pl"), "https://sklep.example.pl/*");
        assert_eq!(permission_pattern("http://[::1]:9"), "http://[::1]/*");
        assert_eq!(origin_host("https://sklep.example.pl"), "sklep.example.pl");
        assert_eq!(admin_patterns("http://127.0.0.1:8080"), ["http://127.0.0.1/admin", "http://127.0.0.1/admin/*"]);
        let shop = "https://sklep.example.pl";
        for yes in ["/admin", "/admin/", "/admin/orders", "/admin?x=1", "/admin#top", "/admin/orders/view/id/5?a"] {
            assert!(is_admin_page(shop, &format!("{shop}{yes}")), "{yes}");
        }
        for no in ["/administrator", "/admin-old/", "/adminx", "/", "/koszyk/admin"] {
            assert!(!is_admin_page(shop, &format!("{shop}{no}")), "{no}");
        }
        assert!(!is_admin_page(shop, "https://sklep.example.pl.evil.com/admin"));
        let c = sample();
        assert_eq!(c.systim_origin_for(DEV).unwrap(), "https://firma.systim.pl");
        assert_eq!(c.host_permissions(HostRules::SHIPPED), ["https://sklep.example.pl/*", "https://firma.systim.pl/*"]);
        // a refused address asks for nothing
        let bad = Connection { shop_url: "https://shop.example.com@evil.com/".into(), systim_account: "https://evil.com".into(), ..sample() };
        assert!(bad.host_permissions(DEV).is_empty());
    }

    #[test]
    fn the_shops_other_addresses_follow_the_shops_rules_and_give_its_panel_pages() {
        let mut c = Connection { shop_url: "https://sklep.example.pl".into(), ..sample() };
        assert_eq!(c.add_alias("WWW.sklep.example.pl/admin", HostRules::SHIPPED).unwrap(), "https://www.sklep.example.pl");
        assert_eq!(c.add_alias("https://www.sklep.example.pl", HostRules::SHIPPED).unwrap(), "https://www.sklep.example.pl", "once");
        assert_eq!(c.shop_aliases, ["https://www.sklep.example.pl"]);
        for refused in ["https://sklep.example.pl/", "http://www.sklep.pl", "https://a@b.pl", "http://localhost:8080", ""] {
            assert_eq!(c.add_alias(refused, HostRules::SHIPPED).unwrap_err().field, ALIAS_FIELD, "{refused}");
        }
        assert!(c.add_alias("http://localhost:8080", DEV).is_ok(), "the loopback machine in a dev-hosts build");
        assert_eq!(c.panel_origins(HostRules::SHIPPED), ["https://sklep.example.pl", "https://www.sklep.example.pl"], "a refused one is left out");
        assert_eq!(c.alias_permissions(HostRules::SHIPPED), ["https://www.sklep.example.pl/*"]);
        assert_eq!(c.host_permissions(HostRules::SHIPPED), ["https://sklep.example.pl/*", "https://firma.systim.pl/*"], "no key goes to another address");
        assert_eq!(c.panel_path(HostRules::SHIPPED, "https://www.sklep.example.pl/admin/orders?x#y"), Some("/admin/orders"));
        assert_eq!(c.panel_path(HostRules::SHIPPED, "https://sklep.example.pl/admin"), Some("/admin"));
        for no in [
            "https://www.sklep.example.pl/administrator",
            "https://www.sklep.example.pl.evil.pl/admin",
            "http://www.sklep.example.pl/admin",
            "https://inny.pl/admin",
        ] {
            assert_eq!(c.panel_path(HostRules::SHIPPED, no), None, "{no}");
        }
        assert!(c.remove_alias("https://WWW.sklep.example.pl/"));
        assert!(!c.remove_alias("https://www.sklep.example.pl"));
        // no shop address, no panel and nothing to add to
        let none = Connection::default();
        assert!(none.panel_origins(DEV).is_empty());
        assert!(none.clone().add_alias("https://x.pl", DEV).is_err());
    }

    #[test]
    fn validation_names_each_missing_field_in_polish() {
        let c = Connection { shoper_auth: ShoperAuthKind::Token, shoper_token: "abc def".into(), ..Connection::default() };
        let fields: Vec<String> = c.validate(DEV).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["shopUrl", "shoperToken", "systimAccount", "systimLogin", "systimKey"]);
        assert!(sample().validate(HostRules::SHIPPED).is_empty());
        let mut c = sample();
        c.shop_url = "http://sklep.example.pl".into();
        assert_eq!(c.validate(DEV)[0].field, "shopUrl");
        assert!(c.validate(DEV)[0].message_pl.contains("https"));
    }

    #[test]
    fn loopback_addresses_only_in_a_dev_hosts_build() {
        let local = Connection { shop_url: "http://127.0.0.1:1".into(), systim_account: "http://localhost:2".into(), ..sample() };
        assert!(local.is_configured(DEV));
        let fields: Vec<String> = local.validate(HostRules::SHIPPED).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["shopUrl", "systimAccount"]);
    }

    #[test]
    fn an_api_key_shows_at_most_its_last_four_characters_a_password_none() {
        let c = sample();
        let v = c.view(false);
        assert_eq!(v.shoper_password, PASSWORD_MASK);
        assert_eq!(v.systim_key, "••••••e8a1");
        assert_eq!(v.shoper_token, "••••••g7h8");
        for secret in c.secrets() {
            let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            assert!(!v.shoper_password.contains(&tail), "the password's mask shows none of it");
        }
        assert_eq!(mask("abcdefgh"), PASSWORD_MASK, "a short key shows nothing");
        assert_eq!(mask(""), "");
        assert_eq!(c.view(true).systim_key, "c45lcd45e8a1");
        assert_eq!(c.view(true).shoper_password, "Tajne!Haslo123");
        let debug = format!("{c:?}");
        for s in c.secrets() {
            assert!(!debug.contains(s));
        }
    }

    #[test]
    fn masked_keys_sent_back_keep_the_stored_ones_for_the_same_addresses() {
        let c = sample();
        let v = c.view(false);
        assert_eq!(v.clone().accept(&c, DEV).unwrap(), c);
        // the same address written differently is the same address
        let same = Connection { shop_url: "HTTPS://Sklep.Example.pl/admin/".into(), systim_account: "https://firma.systim.pl".into(), ..v.clone() };
        let kept = same.accept(&c, DEV).unwrap();
        assert_eq!((kept.shoper_password.as_str(), kept.systim_key.as_str()), (c.shoper_password.as_str(), c.systim_key.as_str()));
        let changed = Connection { systim_key: "nowyklucz".into(), ..v }.accept(&c, DEV).unwrap();
        assert_eq!(changed.systim_key, "nowyklucz");
        assert_eq!(changed.shoper_password, c.shoper_password);
    }

    #[test]
    fn a_new_address_drops_the_stored_keys_and_asks_for_them_again() {
        let c = sample();
        let masked = c.view(false);
        // the shop moved: its password and token stay behind, the Systim key stays (same account)
        let moved = Connection { shop_url: "https://inny-sklep.pl".into(), ..masked.clone() };
        let errors = moved.clone().accept(&c, DEV).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["shoperPassword"]);
        assert!(errors[0].message_pl.contains("wpisz hasło"), "{}", errors[0].message_pl);
        let token = Connection { shoper_auth: ShoperAuthKind::Token, ..moved.clone() }.accept(&c, DEV).unwrap_err();
        assert_eq!(token.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["shoperToken"]);
        // typed again: accepted, with the new password and the kept Systim key
        let retyped = Connection { shoper_password: "NoweHaslo!".into(), ..moved }.accept(&c, DEV).unwrap();
        assert_eq!((retyped.shoper_password.as_str(), retyped.systim_key.as_str()), ("NoweHaslo!", c.systim_key.as_str()));
        // another Systim account: the key stays behind
        let other = Connection { systim_account: "konkurencja".into(), ..masked }.accept(&c, DEV).unwrap_err();
        assert_eq!(other.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["systimKey"]);
        assert!(other[0].message_pl.contains("klucz API"), "{}", other[0].message_pl);
    }

    /// The connection as stored by any version reads as the derive read it (every field may be
    /// left out; unknown ones are ignored), and so does the kind of Shoper access.
    #[test]
    fn the_connection_reads_as_the_derive_reads_it() {
        #[derive(Debug, Default, serde::Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", default)]
        struct Derived {
            shop_url: String,
            shoper_auth: DerivedAuth,
            shoper_login: String,
            shoper_password: String,
            shoper_token: String,
            systim_account: String,
            systim_login: String,
            systim_key: String,
            shop_aliases: Vec<String>,
        }
        #[derive(Debug, Default, serde::Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum DerivedAuth {
            #[default]
            User,
            Token,
        }
        let full = Connection {
            shop_url: "https://sklep.example.pl".into(),
            shoper_auth: ShoperAuthKind::Token,
            shoper_login: "admin".into(),
            shoper_password: "hasło".into(),
            shoper_token: "t0ken".into(),
            systim_account: "firma".into(),
            systim_login: "jan@example.pl".into(),
            systim_key: "k3y".into(),
            shop_aliases: vec!["https://www.sklep.example.pl".into()],
        };
        let stored = [serde_json::to_value(&full).unwrap(), serde_json::to_value(Connection::default()).unwrap(), serde_json::json!({"shoperAuth": "other"})];
        crate::json::assert_reads_as_derive::<Connection, Derived>(&[("struct Derived", "a map"), ("enum DerivedAuth", "enum ShoperAuthKind")], &stored);
        assert_eq!(crate::json::from_value::<Connection>(stored[0].clone()).unwrap(), full);
        for auth in ["user", "token", "User", "other"] {
            let ours = crate::json::from_value::<ShoperAuthKind>(auth.into()).map(|k| format!("{k:?}"));
            let derived = crate::json::from_value::<DerivedAuth>(auth.into()).map(|k| format!("{k:?}"));
            assert_eq!(ours.map_err(|e| e.to_string()), derived.map_err(|e| e.to_string()), "{auth}");
        }
    }
}
