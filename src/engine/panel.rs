//! The shop's admin panel beyond its main address (`docs/admin-panel.md`): the other addresses
//! the merchant adds (`Connection::shop_aliases`), the candidates the extension learns for them
//! — the shop's `application-config` (`shop_url`, read by "Sprawdź połączenie") and the login
//! page's `<body>` (`data-domain`, `data-domain-name`, `data-license-domain`, reported by the
//! admin-panel script) — shown as proposals and never added unseen; and the panel pages the
//! script did not recognise, kept on this computer for the merchant's bug report.
//!
//! All of it in one storage record, `panel`: `{shop, proposals: [{origin, source}],
//! unrecognised: [{pattern, problem, count, lastMs}]}` — proposals for the shop at `shop` only,
//! newest last; unrecognised pages newest first; both bounded. Kept as a plain JSON value and
//! handled by one function ([`Engine::panel_message`]): no typed reader or writer, no state
//! machine of its own in `dispatch` — the wasm stays small.

use super::api::{error, Effect, Handled, Message};
use super::connection::{is_admin_page, permission_pattern, Connection};
use super::{Engine, CONNECTION_KEY};
use crate::client::address::{parse_origin, shop_origin, HostRules};
use crate::io::{Clock, Http, Storage};
use crate::plan::Lang;
use crate::texts;
use serde_json::{json, Value};

const PANEL_KEY: &str = "panel";
/// At most this many proposals are kept (the newest).
const MAX_LEARNT: usize = 6;
/// At most this many unrecognised page patterns are kept (the newest).
const MAX_UNRECOGNISED: usize = 12;
/// At most this many addresses are taken from one login page (it names three).
const MAX_REPORTED: usize = 3;

/// Where a proposal was learnt: the shop's `application-config` (`shop_url`, read with the keys
/// from the main address) or the `<body>` of the panel's login page at one of its addresses.
pub const FROM_CONFIG: &str = "application_config";
pub const FROM_LOGIN_PAGE: &str = "login_page";

/// What the admin-panel script could not make out on a page of the panel (`reportPage`):
/// `no_panel_marks` — a page under `/admin` (not a sign-in page) without the panel's
/// `ctrl-… actn-…` marks, where the Systim button is not shown; `order_url` — a path under
/// `/admin/orders/view` without the order id where one is expected (`/id/{n}`); `order_page` —
/// an order's page with neither `[data-order-id]` of that order nor a heading (the badge went
/// into the Systim menu).
pub const PROBLEMS: [&str; 3] = ["no_panel_marks", "order_url", "order_page"];

fn text<'v>(value: &'v Value, field: &str) -> &'v str {
    value.get(field).and_then(Value::as_str).unwrap_or("")
}

/// The list under `field` of the record (created empty when missing).
fn list<'v>(record: &'v mut Value, field: &str) -> &'v mut Vec<Value> {
    if !record[field].is_array() {
        record[field] = Value::Array(Vec::new());
    }
    record[field].as_array_mut().expect("an array")
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
    /// The `panel` record as stored (an empty object when there is none or it is unreadable).
    async fn panel_record(&self) -> Value {
        let text = self.store.get(PANEL_KEY).await.ok().flatten().unwrap_or_default();
        serde_json::from_str::<Value>(&text).ok().filter(Value::is_object).unwrap_or_else(|| json!({}))
    }

    /// Keeps `origin` as a proposal for the shop at `shop` (not the shop's own addresses, not
    /// twice); the record is written by the caller.
    fn learn(record: &mut Value, shop: &str, known: &[String], origin: &str, source: &str) {
        if text(record, "shop") != shop {
            *record = json!({"shop": shop, "unrecognised": record["unrecognised"].take()});
        }
        let proposals = list(record, "proposals");
        if known.iter().any(|o| o == origin) || proposals.iter().any(|p| text(p, "origin") == origin) {
            return;
        }
        proposals.push(json!({"origin": origin, "source": source}));
        if proposals.len() > MAX_LEARNT {
            proposals.remove(0);
        }
    }

    /// `shop_url` of the shop's `application-config`, read while testing `conn`: a proposal when
    /// it names another address (an `http://` one taken as `https://`).
    pub async fn learn_from_config(&self, conn: &Connection, shop_url: &str) {
        let rules = self.host_rules();
        let Ok(shop) = conn.shop_origin_for(rules) else { return };
        let origin = shop_origin(shop_url, rules).or_else(|_| shop_origin(&shop_url.trim().replacen("http://", "https://", 1), rules));
        if let Ok(origin) = origin {
            let mut record = self.panel_record().await;
            Self::learn(&mut record, &shop, &conn.panel_origins(rules), &origin, FROM_CONFIG);
            // only a proposal is lost if this fails
            let _ = self.store.set(PANEL_KEY, &record.to_string()).await;
        }
    }

    /// `adminPanel` (the options page), `reportShopAddresses` and `reportPage` (the admin-panel
    /// script at `from`, checked by the caller: a login page for the first, a page of the panel
    /// for the second).
    pub(super) async fn panel_message(&self, message: Message, from: &str) -> Handled {
        let rules = self.host_rules();
        let mut conn = self.connection().await;
        let origins = conn.panel_origins(rules);
        let mut record = self.panel_record().await;
        let stored = record.clone();
        let mut effects = Vec::new();
        let reply = match message {
            Message::AdminPanel { add, forget } => {
                let mut changed = false;
                if !add.is_empty() {
                    match conn.add_alias(&add, rules) {
                        Ok(_) => changed = true,
                        Err(e) => {
                            let reply = json!({"ok": false, "error": {"code": "invalid_fields", "message_pl": e.message_pl, "message_en": e.message_en, "fields": [e]}});
                            return Handled { reply, effects, start: None };
                        }
                    }
                } else if !forget.is_empty() {
                    changed = conn.remove_alias(&forget);
                    // not added: a proposal turned down
                    let origin = parse_origin(&forget).unwrap_or_default();
                    list(&mut record, "proposals").retain(|p| changed || text(p, "origin") != origin);
                }
                // the keys and the shop's own address are unchanged: written as it is, the session stays
                if changed {
                    if let Err(e) = super::store::save(&self.store, CONNECTION_KEY, &conn).await {
                        return Handled {
                            reply: error("storage_error", &e.to_string(), "The extension's storage refused the write; nothing was changed."),
                            effects,
                            start: None,
                        };
                    }
                    effects = self.standing_effects().await;
                    effects.push(Effect::KeepHostAccess { origins: all_permissions(&conn, rules) });
                }
                let origins = conn.panel_origins(rules);
                let shop = origins.first().map(String::as_str);
                let item = |origin: &str, source: &str| json!({"origin": origin, "pattern": permission_pattern(origin), "source": source});
                let proposals: Vec<Value> = match shop {
                    Some(s) if text(&record, "shop") == s => list(&mut record, "proposals")
                        .iter()
                        .filter(|p| !origins.iter().any(|o| o == text(p, "origin")))
                        .map(|p| item(text(p, "origin"), text(p, "source")))
                        .collect(),
                    _ => Vec::new(),
                };
                json!({"ok": true, "adminPanel": {
                    "shop": shop,
                    "aliases": origins.iter().skip(1).map(|o| item(o, "")).collect::<Vec<_>>(),
                    "proposals": proposals,
                    "unrecognised": list(&mut record, "unrecognised"),
                }})
            }
            Message::ReportShopAddresses { domains } => {
                let page = origins.iter().find(|o| is_admin_page(o, from));
                if let (Some(shop), Some(page)) = (origins.first(), page) {
                    let (scheme, port) = scheme_and_port(page);
                    for domain in domains.iter().take(MAX_REPORTED) {
                        let host = domain.trim().to_ascii_lowercase();
                        if host.is_empty() || host.len() > 253 || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
                            continue;
                        }
                        if let Ok(origin) = shop_origin(&format!("{scheme}://{host}{port}"), rules) {
                            Self::learn(&mut record, shop, &origins, &origin, FROM_LOGIN_PAGE);
                        }
                    }
                }
                json!({"ok": true})
            }
            Message::ReportPage { pattern, problem } => {
                if !valid_pattern(&pattern) || !PROBLEMS.contains(&problem.as_str()) {
                    return Handled {
                        reply: error(
                            "bad_message",
                            texts::t(Lang::Pl, "core_eng_malformed_page_pattern"),
                            texts::t(Lang::En, "core_eng_malformed_page_pattern"),
                        ),
                        effects,
                        start: None,
                    };
                }
                let now = self.clock.now_ms();
                let pages = list(&mut record, "unrecognised");
                let same = |u: &Value| text(u, "pattern") == pattern && text(u, "problem") == problem;
                let count = pages.iter().position(same).map_or(1, |i| pages.remove(i)["count"].as_u64().unwrap_or(0) + 1);
                pages.insert(0, json!({"pattern": pattern, "problem": problem, "count": count, "lastMs": now}));
                pages.truncate(MAX_UNRECOGNISED);
                json!({"ok": true})
            }
            _ => json!({"ok": false}),
        };
        if record != stored {
            // only a proposal or a note is lost if this fails
            let _ = self.store.set(PANEL_KEY, &record.to_string()).await;
        }
        Handled { reply, effects, start: None }
    }
}

/// Every host access the connection uses: its keys' addresses and the shop's other addresses.
pub fn all_permissions(conn: &Connection, rules: HostRules) -> Vec<String> {
    let mut patterns = conn.host_permissions(rules);
    patterns.extend(conn.alias_permissions(rules));
    patterns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_carry_words_and_placeholders_only() {
        for good in ["/admin", "/admin/orders/view/{n}", "/admin/orders/list", "/admin/x-y_z/{x}/{n}"] {
            assert!(valid_pattern(good), "{good}");
        }
        for bad in [
            "",
            "/adminx",
            "/administrator",
            "/admin/",
            "/admin//x",
            "/admin/jan@example.pl",
            "/admin/orders/12",
            "/admin/abc123",
            "/admin/{y}",
            "/sklep/admin",
        ] {
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
