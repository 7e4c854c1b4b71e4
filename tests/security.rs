#![cfg(not(target_arch = "wasm32"))]
//! Security checks (docs/security.md): keys stay in the connection record; nothing a page,
//! a content script, a report, the history, an error or a log line can show holds them; senders
//! are checked; only https (or loopback http) is accepted.

mod common;

use common::{InProcess, SHOP_URL, SYSTIM_URL};
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::api::{Sender, SenderKind};
use shoper_systim::engine::connection::{Connection, ShoperAuthKind};
use shoper_systim::engine::Engine;
use shoper_systim::io::{HttpRequest, Method};
use shoper_systim::mem::MemStorage;

fn configured(world: &InProcess, store: MemStorage) -> (Engine<InProcess, MemStorage, shoper_systim::mem::VirtualClock>, Connection) {
    let info = world.sandbox.borrow().info();
    let s = |k: &str| info[k].as_str().unwrap().to_string();
    let conn = Connection {
        shop_url: SHOP_URL.into(),
        shoper_auth: ShoperAuthKind::User,
        shoper_login: s("shoper_login"),
        shoper_password: s("shoper_password"),
        shoper_token: s("shoper_token"),
        systim_account: SYSTIM_URL.into(),
        systim_login: s("systim_login"),
        systim_key: s("systim_key"),
    };
    let engine = Engine::new(world.clone(), store, world.clock.clone());
    block_on(engine.save_connection(conn.clone())).unwrap();
    (engine, conn)
}

fn page() -> Sender {
    Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://abc/popup.html".into(), tab_id: None }
}

fn admin_tab(url: &str) -> Sender {
    Sender { kind: SenderKind::ContentScript, url: url.into(), tab_id: Some(7) }
}

fn ask(engine: &Engine<InProcess, MemStorage, shoper_systim::mem::VirtualClock>, msg: Value, sender: &Sender) -> Value {
    block_on(engine.handle_message(&msg, sender)).reply
}

fn assert_no_secret(text: &str, conn: &Connection, what: &str) {
    for secret in conn.secrets() {
        assert!(!text.contains(secret), "{what} leaks a key: …{}…", &secret[..3]);
    }
}

#[test]
fn keys_never_leave_the_connection_record_through_views_reports_or_history() {
    let world = InProcess::new("demo");
    let store = MemStorage::new();
    let (engine, conn) = configured(&world, store.clone());
    // A dry run, a real run and one that fails on a wrong Systim key: reports and history.
    for msg in [json!({"type": "run", "kind": "send_stock", "dryRun": true}), json!({"type": "testConnection"})] {
        let reply = ask(&engine, msg, &page());
        assert_no_secret(&reply.to_string(), &conn, "a reply");
    }
    let report = block_on(engine.run(shoper_systim::engine::RunRequest { kind: shoper_systim::engine::report::RunKind::SendStock, dry_run: true, confirm_zeroing: false })).unwrap();
    assert_no_secret(&serde_json::to_string(&report).unwrap(), &conn, "a report");
    let wrong = Connection { systim_key: "zlyklucz123".into(), ..conn.clone() };
    block_on(engine.save_connection(wrong.clone())).unwrap();
    let failed = block_on(engine.run(shoper_systim::engine::RunRequest { kind: shoper_systim::engine::report::RunKind::Orders, dry_run: false, confirm_zeroing: false })).unwrap();
    assert!(failed.error.is_some(), "a wrong key fails the run");
    assert_no_secret(&serde_json::to_string(&failed).unwrap(), &wrong, "a failed report");
    // Views are masked; only revealKeys shows them.
    for t in ["getStatus", "getConnection"] {
        assert_no_secret(&ask(&engine, json!({"type": t}), &page()).to_string(), &wrong, t);
    }
    assert!(ask(&engine, json!({"type": "revealKeys"}), &page()).to_string().contains("zlyklucz123"));
    // In storage, keys are only in `connection` (and session tokens, derived, under `tokens`).
    for key in store.keys().into_iter().filter(|k| k != "connection" && k != "tokens") {
        assert_no_secret(&store.raw(&key).unwrap(), &wrong, &format!("storage key {key}"));
        assert_no_secret(&store.raw(&key).unwrap(), &conn, &format!("storage key {key}"));
    }
}

#[test]
fn a_content_script_gets_only_badges_sync_and_the_report_link_and_only_from_the_shop_admin() {
    let world = InProcess::new("demo");
    let (engine, conn) = configured(&world, MemStorage::new());
    let admin = admin_tab(&format!("{SHOP_URL}/admin/orders"));
    for t in ["getConnection", "revealKeys", "getStatus", "getSettings", "getReport", "getHistory", "exportCsv", "testConnection"] {
        let reply = ask(&engine, json!({"type": t}), &admin);
        assert_eq!(reply["error"]["code"], "forbidden", "{t} from a content script: {reply}");
    }
    let badges = ask(&engine, json!({"type": "orderBadges", "orderIds": [1, 2]}), &admin);
    assert_eq!(badges["ok"], true, "{badges}");
    assert_no_secret(&badges.to_string(), &conn, "badges");
    // The same script on another site, or outside /admin, or a sender of unknown kind: nothing.
    for sender in [admin_tab("https://evil.example/admin/orders"), admin_tab(&format!("{SHOP_URL}/koszyk")), Sender { kind: SenderKind::Other, ..page() }] {
        let reply = ask(&engine, json!({"type": "orderBadges", "orderIds": [1]}), &sender);
        assert_eq!(reply["error"]["code"], "forbidden", "{sender:?}");
    }
    // Malformed and unknown messages are refused, not guessed.
    assert_eq!(ask(&engine, json!({"kind": "orders"}), &page())["error"]["code"], "bad_message");
    assert_eq!(ask(&engine, json!({"type": "deleteEverything"}), &page())["error"]["code"], "unknown_message");
    assert_eq!(ask(&engine, json!({"type": "run", "kind": "everything"}), &page())["error"]["code"], "bad_message");
}

#[test]
fn only_https_or_loopback_http_is_accepted_for_either_service() {
    let world = InProcess::new("empty");
    let engine = Engine::new(world.clone(), MemStorage::new(), world.clock.clone());
    let base = Connection {
        shop_url: "http://sklep.example.pl".into(),
        shoper_auth: ShoperAuthKind::Token,
        shoper_token: "abc123".into(),
        systim_account: "http://firma.example.pl".into(),
        systim_login: "x".into(),
        systim_key: "y".into(),
        ..Connection::default()
    };
    let reply = ask(&engine, json!({"type": "saveConnection", "connection": base}), &page());
    let fields: Vec<&str> = reply["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["shopUrl", "systimAccount"], "{reply}");
    assert!(block_on(engine.connection()).shop_url.is_empty(), "nothing saved on error");
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
