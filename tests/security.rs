#![cfg(not(target_arch = "wasm32"))]
//! Security checks (docs/security.md): keys stay in the connection record and go only to the
//! addresses they were given for; nothing a page, a content script, a report, the history, an
//! error or a log line can show holds them; senders are checked; only the shop's https address
//! and `https://<account>.systim.pl` are accepted (the loopback sandbox only in a dev-hosts
//! build); a redirect is never followed.

mod common;

use common::{InProcess, SHOP_URL, SYSTIM_URL};
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::api::{Effect, Sender, SenderKind};
use shoper_systim::engine::connection::{Connection, ShoperAuthKind, PASSWORD_MASK};
use shoper_systim::engine::report::RunKind;
use shoper_systim::engine::{Engine, RunRequest};
use shoper_systim::io::{Http, HttpRequest, HttpResponse, Method, NetError};
use shoper_systim::mem::{MemStorage, VirtualClock};
use std::cell::RefCell;
use std::rc::Rc;

/// The in-process world behind a wire that records every request and may answer some of them
/// with a redirect instead of passing them on (a server that moved, or one that tries to pull a
/// key elsewhere).
#[derive(Clone)]
struct Wire {
    world: InProcess,
    sent: Rc<RefCell<Vec<HttpRequest>>>,
    /// `(url prefix, status, Location)`: requests under the prefix get this answer.
    redirect: Rc<RefCell<Vec<(String, u16, String)>>>,
}

impl Wire {
    fn new(world: &InProcess) -> Self {
        Wire { world: world.clone(), sent: Rc::default(), redirect: Rc::default() }
    }

    fn redirect(&self, prefix: &str, status: u16, location: &str) {
        self.redirect.borrow_mut().push((prefix.into(), status, location.into()));
    }

    fn urls(&self) -> Vec<String> {
        self.sent.borrow().iter().map(|r| r.url.clone()).collect()
    }

    /// Every request that carried one of `secrets` (in a header, the body or the URL).
    fn carrying(&self, secrets: &[&str]) -> Vec<String> {
        self.sent
            .borrow()
            .iter()
            .filter(|r| {
                let text = format!("{} {:?} {}", r.url, r.headers, r.body.as_deref().unwrap_or(""));
                secrets.iter().any(|s| !s.is_empty() && text.contains(s))
            })
            .map(|r| r.url.clone())
            .collect()
    }
}

impl Http for Wire {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        self.sent.borrow_mut().push(req.clone());
        let rule = self.redirect.borrow().iter().find(|(prefix, ..)| req.url.starts_with(prefix.as_str())).cloned();
        match rule {
            Some((_, status, location)) => Ok(HttpResponse { status, headers: vec![("location".into(), location)], body: String::new() }),
            None => self.world.send(req).await,
        }
    }
}

type WireEngine = Engine<Wire, MemStorage, VirtualClock>;

/// The sandbox's connection (loopback addresses: an engine of a dev-hosts build).
fn sandbox_connection(world: &InProcess) -> Connection {
    let info = world.sandbox.borrow().info();
    let s = |k: &str| info[k].as_str().unwrap().to_string();
    Connection {
        shop_url: SHOP_URL.into(),
        shoper_auth: ShoperAuthKind::User,
        shoper_login: s("shoper_login"),
        shoper_password: s("shoper_password"),
        shoper_token: s("shoper_token"),
        systim_account: SYSTIM_URL.into(),
        systim_login: s("systim_login"),
        systim_key: s("systim_key"),
        shop_aliases: Vec::new(),
    }
}

/// An engine of a dev-hosts build on the wire, with the sandbox's connection saved.
fn configured(world: &InProcess, store: MemStorage) -> (WireEngine, Wire, Connection) {
    let wire = Wire::new(world);
    let engine = Engine::new(wire.clone(), store, world.clock.clone());
    engine.set_dev_hosts(true);
    let conn = sandbox_connection(world);
    block_on(engine.save_connection(conn.clone())).unwrap();
    (engine, wire, conn)
}

fn page() -> Sender {
    Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://abc/popup.html".into(), tab_id: None }
}

fn admin_tab(url: &str) -> Sender {
    Sender { kind: SenderKind::ContentScript, url: url.into(), tab_id: Some(7) }
}

fn ask<H: Http>(engine: &Engine<H, MemStorage, VirtualClock>, msg: Value, sender: &Sender) -> Value {
    block_on(engine.handle_message(&msg, sender)).reply
}

fn assert_no_secret(text: &str, conn: &Connection, what: &str) {
    for secret in conn.secrets() {
        assert!(!text.contains(secret), "{what} leaks a key: …{}…", &secret[..3]);
    }
}

/// `{field: message_pl}` of an `invalid_fields` answer.
fn refused_fields(reply: &Value) -> Vec<(String, String)> {
    reply["error"]["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| (f["field"].as_str().unwrap().to_string(), f["message_pl"].as_str().unwrap().to_string())).collect())
        .unwrap_or_default()
}

/// The checks of a testConnection answer: `[(id, status, message_pl)]`.
fn checks(reply: &Value) -> Vec<(String, String, String)> {
    reply["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().into(), c["status"].as_str().unwrap().into(), c["message_pl"].as_str().unwrap().into()))
        .collect()
}

#[test]
fn keys_never_leave_the_connection_record_through_views_reports_or_history() {
    let world = InProcess::new("demo");
    let store = MemStorage::new();
    let (engine, _, conn) = configured(&world, store.clone());
    // A dry run, a real run and one that fails on a wrong Systim key: reports and history.
    for msg in [json!({"type": "run", "kind": "send_stock", "dryRun": true}), json!({"type": "testConnection"})] {
        let reply = ask(&engine, msg, &page());
        assert_no_secret(&reply.to_string(), &conn, "a reply");
    }
    let report = block_on(engine.run(RunRequest { kind: RunKind::SendStock, dry_run: true, confirm_zeroing: false })).unwrap();
    assert_no_secret(&serde_json::to_string(&report).unwrap(), &conn, "a report");
    let wrong = Connection { systim_key: "zlyklucz123".into(), ..conn.clone() };
    block_on(engine.save_connection(wrong.clone())).unwrap();
    let failed = block_on(engine.run(RunRequest { kind: RunKind::Orders, dry_run: false, confirm_zeroing: false })).unwrap();
    assert!(failed.error.is_some(), "a wrong key fails the run");
    assert_no_secret(&serde_json::to_string(&failed).unwrap(), &wrong, "a failed report");
    // Views are masked; only revealKeys shows them.
    for t in ["getStatus", "getConnection"] {
        assert_no_secret(&ask(&engine, json!({"type": t}), &page()).to_string(), &wrong, t);
    }
    assert!(ask(&engine, json!({"type": "revealKeys"}), &page()).to_string().contains("zlyklucz123"));
    // In storage, keys are only in `connection` (and session tokens, derived, under `tokens`):
    // the two keys the extension encrypts at rest (extension/ext_api.js).
    for key in store.keys().into_iter().filter(|k| k != "connection" && k != "tokens") {
        assert_no_secret(&store.raw(&key).unwrap(), &wrong, &format!("storage key {key}"));
        assert_no_secret(&store.raw(&key).unwrap(), &conn, &format!("storage key {key}"));
    }
}

#[test]
fn views_show_at_most_the_last_four_characters_of_an_api_key_and_nothing_of_the_password() {
    let world = InProcess::new("demo");
    let (engine, _, conn) = configured(&world, MemStorage::new());
    let token = Connection { shoper_auth: ShoperAuthKind::Token, shoper_token: "TOKEN1234567890abcdWXYZ".into(), ..conn.clone() };
    block_on(engine.save_connection(token.clone())).unwrap();
    for t in ["getConnection", "getStatus"] {
        let view = &ask(&engine, json!({"type": t}), &page())["connection"];
        assert_eq!(view["shoperPassword"], PASSWORD_MASK, "{t}: the password shows none of its characters");
        assert_eq!(view["shoperToken"], "••••••WXYZ", "{t}");
        let key_tail: String = conn.systim_key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        assert_eq!(view["systimKey"].as_str().unwrap().trim_start_matches('•'), key_tail, "{t}");
        let password_tail: String = conn.shoper_password.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        assert!(!view.to_string().contains(&password_tail), "{t}: no part of the password");
    }
    // The masks sent back keep the stored secrets.
    let view = ask(&engine, json!({"type": "getConnection"}), &page())["connection"].clone();
    assert_eq!(ask(&engine, json!({"type": "saveConnection", "connection": view}), &page())["ok"], true);
    assert_eq!(block_on(engine.connection()), token);
}

#[test]
fn a_newly_typed_address_never_gets_the_stored_keys() {
    let world = InProcess::new("demo");
    let (engine, wire, conn) = configured(&world, MemStorage::new());
    let masked = ask(&engine, json!({"type": "getConnection"}), &page())["connection"].clone();
    // A typo in the shop address ("your shop has moved"), the key fields left as they were.
    let mut moved = masked.clone();
    moved["shopUrl"] = json!("https://sklep-literowka.pl");
    let sent_before = wire.sent.borrow().len();
    let reply = ask(&engine, json!({"type": "saveConnection", "connection": moved}), &page());
    let fields = refused_fields(&reply);
    assert_eq!(fields.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["shoperPassword"], "{reply}");
    assert!(fields[0].1.contains("wpisz hasło"), "said in Polish what to do: {}", fields[0].1);
    assert_eq!(block_on(engine.connection()), conn, "nothing saved");
    // "Sprawdź połączenie" with the same form: refused in place, nothing sent anywhere.
    let tested = checks(&ask(&engine, json!({"type": "testConnection", "connection": moved}), &page()));
    assert_eq!(tested, [("field_shoperPassword".into(), "failed".into(), fields[0].1.clone())]);
    assert_eq!(wire.sent.borrow().len(), sent_before, "no request left: {:?}", &wire.urls()[sent_before..]);
    // Another Systim account: its key must be typed again; the shop's stays.
    let mut other = masked.clone();
    other["systimAccount"] = json!("konkurencja");
    let fields = refused_fields(&ask(&engine, json!({"type": "saveConnection", "connection": other}), &page()));
    assert_eq!(fields.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["systimKey"]);
    assert!(checks(&ask(&engine, json!({"type": "testConnection", "connection": other}), &page())).iter().all(|c| c.0.starts_with("field_")));
    assert_eq!(wire.sent.borrow().len(), sent_before);
    // Typed again for the new address: now it goes there — the new key, never the old one.
    let mut retyped = moved.clone();
    retyped["shoperPassword"] = json!("NoweHaslo!2026");
    ask(&engine, json!({"type": "testConnection", "connection": retyped}), &page());
    let new_host: Vec<String> = wire.urls()[sent_before..].iter().filter(|u| u.starts_with("https://sklep-literowka.pl")).cloned().collect();
    assert!(!new_host.is_empty(), "the test went to the new address");
    assert!(
        wire.carrying(&[&conn.shoper_password, &conn.shoper_token, &conn.systim_key]).iter().all(|u| u.starts_with(SHOP_URL) || u.starts_with(SYSTIM_URL)),
        "a stored key left for another address: {:?}",
        wire.carrying(&conn.secrets())
    );
}

#[test]
fn systim_only_at_its_own_address_and_the_loopback_machine_only_in_a_dev_hosts_build() {
    let world = InProcess::new("empty");
    let wire = Wire::new(&world);
    let shipped = Engine::new(wire.clone(), MemStorage::new(), world.clock.clone());
    // The sandbox's loopback addresses: refused by a shipped build, in Polish, nothing saved.
    let reply = ask(&shipped, json!({"type": "saveConnection", "connection": sandbox_connection(&world)}), &page());
    let fields = refused_fields(&reply);
    assert_eq!(fields.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["shopUrl", "systimAccount"], "{reply}");
    assert!(fields.iter().all(|(_, m)| m.contains("localhost") && m.contains("wersji testowej")), "{fields:?}");
    assert!(block_on(shipped.connection()).shop_url.is_empty(), "nothing saved on error");
    // Systim anywhere but https://<account>.systim.pl, and plain http anywhere: refused.
    let base = Connection {
        shop_url: "http://sklep.example.pl".into(),
        shoper_auth: ShoperAuthKind::Token,
        shoper_token: "abc123".into(),
        systim_account: "https://firma.example.pl".into(),
        systim_login: "x".into(),
        systim_key: "y".into(),
        ..Connection::default()
    };
    for engine_rules in [false, true] {
        shipped.set_dev_hosts(engine_rules);
        let fields = refused_fields(&ask(&shipped, json!({"type": "saveConnection", "connection": base}), &page()));
        assert_eq!(fields.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["shopUrl", "systimAccount"]);
        assert!(fields[1].1.contains("https://<nazwa konta>.systim.pl"), "{}", fields[1].1);
        for systim in ["https://evil.example", "https://firma.systim.pl.evil.example", "https://firma.systim.pl:8443", "systim.pl"] {
            let conn = Connection { shop_url: "https://sklep.example.pl".into(), systim_account: systim.into(), ..base.clone() };
            let tested = checks(&ask(&shipped, json!({"type": "testConnection", "connection": conn}), &page()));
            assert_eq!(tested.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["field_systimAccount"], "{systim}");
        }
    }
    assert!(wire.sent.borrow().is_empty(), "no request to a refused address: {:?}", wire.urls());
    // The account name and the account's URL are the same address.
    shipped.set_dev_hosts(false);
    let good = Connection { shop_url: "https://sklep.example.pl".into(), systim_account: "https://Firma.systim.pl/jsonAPI.php".into(), ..base };
    let saved = ask(&shipped, json!({"type": "saveConnection", "connection": good}), &page());
    assert_eq!(saved["hostPermissions"], json!(["https://sklep.example.pl/*", "https://firma.systim.pl/*"]), "{saved}");
}

#[test]
fn the_permission_prompt_asks_only_for_the_addresses_the_core_sends_keys_to_and_old_grants_go() {
    let world = InProcess::new("demo");
    let (engine, _, conn) = configured(&world, MemStorage::new());
    let handled = block_on(engine.handle_message(&json!({"type": "saveConnection", "connection": conn.view(false)}), &page()));
    let patterns = json!(["http://127.0.0.1/*"]); // the shop and Systim both on loopback: one pattern
    assert_eq!(handled.reply["hostPermissions"], patterns, "{}", handled.reply);
    assert!(handled.effects.contains(&Effect::KeepHostAccess { origins: vec!["http://127.0.0.1/*".into()] }), "{:?}", handled.effects);
    assert_eq!(ask(&engine, json!({"type": "getStatus"}), &page())["hostPermissions"], patterns);
    // What `new URL` would read as another host is refused, so no prompt can name it.
    let tricky = Connection { shop_url: "https://sklep.example.pl@evil.example/".into(), ..conn.clone() };
    assert!(tricky.host_permissions(engine.host_rules()).iter().all(|p| !p.contains("evil")));
    let reply = ask(&engine, json!({"type": "saveConnection", "connection": tricky}), &page());
    assert_eq!(refused_fields(&reply)[0].0, "shopUrl");
    // The admin-panel script is registered for /admin and /admin/* of the shop only.
    let register = block_on(engine.on_startup()).into_iter().find(|e| matches!(e, Effect::RegisterContentScript { .. })).unwrap();
    assert_eq!(
        register,
        Effect::RegisterContentScript { origin: SHOP_URL.into(), matches: vec!["http://127.0.0.1/admin".into(), "http://127.0.0.1/admin/*".into()] }
    );
}

#[test]
fn a_content_script_gets_only_badges_sync_and_the_report_link_and_only_from_the_shop_admin() {
    let world = InProcess::new("demo");
    let (engine, _, conn) = configured(&world, MemStorage::new());
    let admin = admin_tab(&format!("{SHOP_URL}/admin/orders"));
    for t in ["getConnection", "revealKeys", "getStatus", "getSettings", "getReport", "getHistory", "exportCsv", "testConnection"] {
        let reply = ask(&engine, json!({"type": t}), &admin);
        assert_eq!(reply["error"]["code"], "forbidden", "{t} from a content script: {reply}");
    }
    for url in [format!("{SHOP_URL}/admin"), format!("{SHOP_URL}/admin/"), format!("{SHOP_URL}/admin/orders/view/id/2?x=1")] {
        let badges = ask(&engine, json!({"type": "orderBadges", "orderIds": [1, 2]}), &admin_tab(&url));
        assert_eq!(badges["ok"], true, "{url}: {badges}");
        assert_no_secret(&badges.to_string(), &conn, "badges");
    }
    // The same script on another site, outside /admin (also /administrator), or a sender of
    // unknown kind: nothing.
    for sender in [
        admin_tab("https://evil.example/admin/orders"),
        admin_tab(&format!("{SHOP_URL}/koszyk")),
        admin_tab(&format!("{SHOP_URL}/administrator")),
        admin_tab(&format!("{SHOP_URL}/admin-stary/orders")),
        admin_tab(&format!("{SHOP_URL}.evil.example/admin/orders")),
        Sender { kind: SenderKind::Other, ..page() },
    ] {
        let reply = ask(&engine, json!({"type": "orderBadges", "orderIds": [1]}), &sender);
        assert_eq!(reply["error"]["code"], "forbidden", "{sender:?}");
    }
    // An /administrator page does not start a sync either.
    let mut settings = block_on(engine.settings());
    settings.auto_sync = true;
    block_on(engine.save_settings(settings)).unwrap();
    assert!(block_on(engine.on_admin_page(&format!("{SHOP_URL}/administrator"))).is_none());
    // Malformed and unknown messages are refused, not guessed.
    assert_eq!(ask(&engine, json!({"kind": "orders"}), &page())["error"]["code"], "bad_message");
    assert_eq!(ask(&engine, json!({"type": "deleteEverything"}), &page())["error"]["code"], "unknown_message");
    assert_eq!(ask(&engine, json!({"type": "run", "kind": "everything"}), &page())["error"]["code"], "bad_message");
}

#[test]
fn a_redirect_from_either_service_is_never_followed_and_is_named_with_its_target() {
    for status in [301, 302, 307, 308] {
        let world = InProcess::new("demo");
        let (engine, wire, conn) = configured(&world, MemStorage::new());
        wire.redirect(SHOP_URL, status, "https://obcy-sklep.example/webapi/rest/auth?x=tajne");
        wire.redirect(SYSTIM_URL, status, "https://obcy-systim.example/jsonAPI.php");
        let tested = checks(&ask(&engine, json!({"type": "testConnection"}), &page()));
        let failed = |id: &str| tested.iter().find(|c| c.0 == id && c.1 == "failed").map(|c| c.2.clone());
        let shop = failed("shop_reachable").unwrap_or_else(|| panic!("{status}: {tested:?}"));
        assert!(shop.contains("przekierowuje") && shop.contains("https://obcy-sklep.example") && !shop.contains("tajne"), "{status}: {shop}");
        let systim = failed("systim_reachable").unwrap_or_else(|| panic!("{status}: {tested:?}"));
        assert!(systim.contains("przekierowuje") && systim.contains("https://obcy-systim.example"), "{status}: {systim}");
        // A run fails on the redirect too, writing nothing.
        let report = block_on(engine.run(RunRequest { kind: RunKind::SendStock, dry_run: false, confirm_zeroing: false })).unwrap();
        let error = report.error.expect("the run fails");
        assert!(error.message_pl.contains("przekierowuje"), "{status}: {}", error.message_pl);
        let urls = wire.urls();
        assert!(!urls.is_empty() && urls.iter().all(|u| u.starts_with(SHOP_URL) || u.starts_with(SYSTIM_URL)), "{status}: followed to {urls:?}");
        assert!(world.state()["systim"]["orders"].as_array().unwrap().is_empty());
        assert_no_secret(&serde_json::to_string(&error).unwrap(), &conn, "the error");
    }
}

/// Systim answers every `addOrder` with a 307 (as a server may do after acting on it).
struct AddOrderRedirected(Wire);

impl Http for AddOrderRedirected {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        let add_order = req.url.starts_with(SYSTIM_URL) && req.body.as_deref().is_some_and(|b| b.contains("act=addOrder"));
        if add_order {
            self.0.sent.borrow_mut().push(req);
            return Ok(HttpResponse { status: 307, headers: vec![("location".into(), "https://inny.example/jsonAPI.php".into())], body: String::new() });
        }
        self.0.send(req).await
    }
}

#[test]
fn a_write_answered_with_a_redirect_is_not_sent_again_before_the_markers_are_checked() {
    let world = InProcess::new("demo");
    let wire = Wire::new(&world);
    let engine = Engine::new(AddOrderRedirected(wire.clone()), MemStorage::new(), world.clock.clone());
    engine.set_dev_hosts(true);
    block_on(engine.save_connection(sandbox_connection(&world))).unwrap();
    block_on(engine.save_settings(common::harness::demo_settings(&world))).unwrap();
    let report = block_on(engine.run(RunRequest { kind: RunKind::Orders, dry_run: false, confirm_zeroing: false })).unwrap();
    let sent: Vec<String> = wire.sent.borrow().iter().filter_map(|r| r.body.clone()).filter(|b| b.contains("act=addOrder")).collect();
    assert!(!sent.is_empty(), "the run tried to import");
    let mut unique = sent.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), sent.len(), "an order answered with a redirect was sent again in the same run");
    assert!(wire.urls().iter().all(|u| !u.contains("inny.example")), "the redirect was followed");
    let text = serde_json::to_string(&report).unwrap();
    assert!(text.contains("przekierowanie pod inny adres"), "the report names the redirect: {text}");
    // The next run sends an order again only after the Systim markers showed it absent.
    let before = wire.sent.borrow().len();
    block_on(engine.run(RunRequest { kind: RunKind::Orders, dry_run: false, confirm_zeroing: false })).unwrap();
    let next: Vec<HttpRequest> = wire.sent.borrow()[before..].to_vec();
    let first_add = next.iter().position(|r| r.body.as_deref().is_some_and(|b| b.contains("act=addOrder")));
    let first_check = next.iter().position(|r| r.body.as_deref().is_some_and(|b| b.contains("act=listOrders")));
    if let Some(add) = first_add {
        assert!(first_check.is_some_and(|check| check < add), "an order was sent again before the markers were checked");
    }
}

#[test]
fn requests_print_without_headers_values_bodies_or_queries() {
    let req = HttpRequest::new(Method::Post, "https://firma.systim.pl/jsonAPI.php?token=tajny")
        .header("Authorization", "Bearer tajnytoken")
        .body("act=login&login=a&pass=tajneHaslo");
    let printed = format!("{req:?}");
    for secret in ["tajny", "tajnytoken", "tajneHaslo"] {
        assert!(!printed.contains(secret), "{printed}");
    }
    assert!(printed.contains("Authorization") && printed.contains("body_bytes"));
}
