//! The shop's admin panel beyond its main address (`docs/admin-panel.md`): the other addresses
//! the merchant adds (`Connection::shop_aliases`), the candidates the extension learns for them
//! — the shop's `application-config` (`shop_url`, read by "Sprawdź połączenie") and the login
//! page's `<body>` (`data-domain`, `data-domain-name`, `data-license-domain`, reported by the
//! admin-panel script) — shown as proposals and never added unseen; and the panel pages the
//! script did not recognise, kept on this computer for the merchant's bug report.
//!
//! | storage key | value |
//! |---|---|
//! | `panel:learnt` | `{shop, items: [{origin, source}]}`: proposals, for the shop at `shop` only |
//! | `panel:unrecognised` | `[{pattern, problem, count, lastMs}]`, newest first, bounded |

use super::api::{error, Effect};
use super::connection::{permission_pattern, Connection};
use super::store::{load, save, StateError};
use super::{Engine, CONNECTION_KEY};
use crate::client::address::shop_origin;
use crate::io::{Clock, Http, Storage};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const LEARNT_KEY: &str = "panel:learnt";
const UNRECOGNISED_KEY: &str = "panel:unrecognised";
/// At most this many proposals are kept (the newest).
const MAX_LEARNT: usize = 6;
/// At most this many unrecognised page patterns are kept (the newest).
const MAX_UNRECOGNISED: usize = 12;
/// At most this many addresses are taken from one login page (it names three).
const MAX_REPORTED: usize = 3;

/// Where a proposed address was learnt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `shop_url` of the shop's `application-config` (read with the keys, from the main address).
    ApplicationConfig,
    /// The `<body>` data attributes of the panel's login page at one of the shop's addresses.
    LoginPage,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub origin: String,
    pub source: Source,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Learnt {
    /// The shop's origin these proposals belong to: another shop's are not shown.
    shop: String,
    items: Vec<Proposal>,
}

/// What the admin-panel script could not make out on a page of the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// A page under `/admin` (not a login page) without the panel's `ctrl-… actn-…` marks: the
    /// Systim button is not shown there.
    NoPanelMarks,
    /// A path under `/admin/orders/view` without an order id where one is expected (`/id/{n}`).
    OrderUrl,
    /// An order's page with neither `[data-order-id]` of that order nor a heading: the badge
    /// went into the Systim menu.
    OrderPage,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unrecognised {
    pub pattern: String,
    pub problem: Problem,
    pub count: u32,
    pub last_ms: u64,
}

/// A path pattern as the admin-panel script makes it: `/admin` then segments that are a word
/// (letters, `-`, `_`), `{n}` (digits) or `{x}` (anything else) — nothing of a page's data (an
/// e-mail, a token, a name) fits.
pub fn valid_pattern(pattern: &str) -> bool {
    let Some(rest) = pattern.strip_prefix("/admin") else { return false };
    pattern.len() <= 200
        && (rest.is_empty() || rest.starts_with('/'))
        && rest.split('/').skip(1).count() <= 16
        && rest.split('/').skip(1).all(|seg| {
            seg == "{n}" || seg == "{x}" || (!seg.is_empty() && seg.len() <= 40 && seg.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_'))
        })
}

/// `scheme://` and `:port` of an origin (`http://127.0.0.1:8080` → `("http", ":8080")`).
fn scheme_and_port(origin: &str) -> (&str, &str) {
    let (scheme, authority) = origin.split_once("://").unwrap_or(("https", origin));
    let host_end = authority.rfind(']').unwrap_or(0);
    let port = authority[host_end..].find(':').map_or("", |i| &authority[host_end + i..]);
    (scheme, port)
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// `{shop, aliases: [{origin, pattern}], proposals: [{origin, pattern, source}],
    /// unrecognised: [Unrecognised]}` for the options page (`getAdminPanel`).
    pub async fn admin_panel(&self) -> Value {
        let conn = self.connection().await;
        let rules = self.host_rules();
        let origins = conn.panel_origins(rules);
        let learnt: Learnt = load(&self.store, LEARNT_KEY).await.unwrap_or(None).unwrap_or_default();
        let shop = origins.first();
        let item = |origin: &str| json!({"origin": origin, "pattern": permission_pattern(origin)});
        let proposals: Vec<Value> = learnt
            .items
            .iter()
            .filter(|p| shop == Some(&learnt.shop) && !origins.contains(&p.origin))
            .map(|p| json!({"origin": p.origin, "pattern": permission_pattern(&p.origin), "source": p.source}))
            .collect();
        let unrecognised: Vec<Unrecognised> = load(&self.store, UNRECOGNISED_KEY).await.unwrap_or(None).unwrap_or_default();
        json!({
            "shop": shop,
            "aliases": origins.iter().skip(1).map(|o| item(o)).collect::<Vec<_>>(),
            "proposals": proposals,
            "unrecognised": unrecognised,
        })
    }

    /// `addShopAlias` / `forgetShopAddress`: the view, and the effects (the admin-panel script
    /// on the new set of addresses; host access of an address no longer used given back).
    pub async fn edit_aliases(&self, address: &str, add: bool) -> (Value, Vec<Effect>) {
        let rules = self.host_rules();
        let mut conn = self.connection().await;
        if add {
            if let Err(e) = conn.add_alias(address, rules) {
                return (json!({"ok": false, "error": {"code": "invalid_fields", "message_pl": e.message_pl, "message_en": e.message_en, "fields": [e]}}), Vec::new());
            }
        } else if !conn.remove_alias(address) {
            // a proposal the merchant turned down
            if let Err(e) = self.forget_learnt(address).await {
                return (state_error(e), Vec::new());
            }
            return (ok_view(self.admin_panel().await), Vec::new());
        }
        // Written as it is: the keys and the shop's address are unchanged, so the session stays.
        if let Err(e) = save(&self.store, CONNECTION_KEY, &conn).await {
            return (state_error(e), Vec::new());
        }
        let mut effects = self.standing_effects().await;
        effects.push(Effect::KeepHostAccess { origins: all_permissions(&conn, rules) });
        (ok_view(self.admin_panel().await), effects)
    }

    async fn forget_learnt(&self, address: &str) -> Result<(), StateError> {
        let Some(mut learnt) = load::<Learnt, _>(&self.store, LEARNT_KEY).await? else { return Ok(()) };
        let origin = crate::client::address::parse_origin(address).unwrap_or_default();
        learnt.items.retain(|p| p.origin != origin);
        save(&self.store, LEARNT_KEY, &learnt).await
    }

    /// Keeps `origin` as a proposal for the shop at `shop` (unless it is that shop).
    async fn learn(&self, shop: &str, origin: String, source: Source) {
        let mut learnt: Learnt = load(&self.store, LEARNT_KEY).await.unwrap_or(None).unwrap_or_default();
        if learnt.shop != shop {
            learnt = Learnt { shop: shop.to_string(), items: Vec::new() };
        }
        if origin == shop || learnt.items.iter().any(|p| p.origin == origin) {
            return;
        }
        learnt.items.push(Proposal { origin, source });
        if learnt.items.len() > MAX_LEARNT {
            learnt.items.remove(0);
        }
        // Only a proposal is lost if this fails.
        let _ = save(&self.store, LEARNT_KEY, &learnt).await;
    }

    /// `shop_url` of the shop's `application-config`, read while testing `conn`: a proposal when
    /// it names another address (an `http://` one is taken as `https://`).
    pub async fn learn_from_config(&self, conn: &Connection, shop_url: &str) {
        let rules = self.host_rules();
        let Ok(shop) = conn.shop_origin_for(rules) else { return };
        let origin = shop_origin(shop_url, rules).or_else(|_| shop_origin(&shop_url.trim().replacen("http://", "https://", 1), rules));
        if let Ok(origin) = origin {
            self.learn(&shop, origin, Source::ApplicationConfig).await;
        }
    }

    /// The host names a login page of the panel names in its `<body>` (`reportShopAddresses`):
    /// each a proposal, with the scheme and port of the page they were read on.
    pub async fn learn_from_login_page(&self, page_url: &str, domains: &[String]) {
        let conn = self.connection().await;
        let rules = self.host_rules();
        let origins = conn.panel_origins(rules);
        let (Some(shop), Some(page)) = (origins.first(), origins.iter().find(|o| page_url.starts_with(o.as_str()))) else { return };
        let (scheme, port) = scheme_and_port(page);
        for domain in domains.iter().take(MAX_REPORTED) {
            let host = domain.trim().to_ascii_lowercase();
            if host.is_empty() || host.len() > 253 || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
                continue;
            }
            if let Ok(origin) = shop_origin(&format!("{scheme}://{host}{port}"), rules) {
                if !origins.contains(&origin) {
                    self.learn(shop, origin, Source::LoginPage).await;
                }
            }
        }
    }

    /// A page pattern the admin-panel script did not recognise (`reportPage`); whether it was
    /// well-formed (and so kept).
    pub async fn note_unrecognised(&self, pattern: &str, problem: Problem) -> bool {
        if !valid_pattern(pattern) {
            return false;
        }
        let mut list: Vec<Unrecognised> = load(&self.store, UNRECOGNISED_KEY).await.unwrap_or(None).unwrap_or_default();
        let count = match list.iter().position(|u| u.pattern == pattern && u.problem == problem) {
            Some(i) => list.remove(i).count.saturating_add(1),
            None => 1,
        };
        list.insert(0, Unrecognised { pattern: pattern.to_string(), problem, count, last_ms: self.clock.now_ms() });
        list.truncate(MAX_UNRECOGNISED);
        let _ = save(&self.store, UNRECOGNISED_KEY, &list).await;
        true
    }
}

/// Every host access the connection uses: its keys' addresses and the shop's other addresses.
pub fn all_permissions(conn: &Connection, rules: crate::client::address::HostRules) -> Vec<String> {
    let mut patterns = conn.host_permissions(rules);
    patterns.extend(conn.alias_permissions(rules));
    patterns
}

fn ok_view(view: Value) -> Value {
    json!({"ok": true, "adminPanel": view})
}

fn state_error(e: StateError) -> Value {
    error("storage_error", &e.to_string(), "The extension's storage refused the write; nothing was changed.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_carry_words_and_placeholders_only() {
        for good in ["/admin", "/admin/orders/view/{n}", "/admin/orders/list", "/admin/x-y_z/{x}/{n}"] {
            assert!(valid_pattern(good), "{good}");
        }
        for bad in ["", "/adminx", "/administrator", "/admin/", "/admin//x", "/admin/jan@example.pl", "/admin/orders/12", "/admin/abc123", "/admin/{y}", "/sklep/admin"] {
            assert!(!valid_pattern(bad), "{bad}");
        }
        assert!(!valid_pattern(&format!("/admin{}", "/a".repeat(17))));
    }

    #[test]
    fn the_scheme_and_port_of_an_origin() {
        assert_eq!(scheme_and_port("http://127.0.0.1:8080"), ("http", ":8080"));
        assert_eq!(scheme_and_port("https://sklep.pl"), ("https", ""));
        assert_eq!(scheme_and_port("http://[::1]:9"), ("http", ":9"));
        assert_eq!(scheme_and_port("http://[::1]"), ("http", ""));
    }
}
