#![cfg(not(target_arch = "wasm32"))]
//! The shop's admin panel beyond its main address (docs/admin-panel.md, issue #18): the shop's
//! other addresses get the admin-panel script and its badges and never a key; what a content
//! script may ask on the sign-in pages (only to pass on the addresses a login page names); the
//! proposals learnt from the login page and from the shop's application-config, never added
//! unseen; the unrecognised panel pages kept as patterns without data.

mod common;

use common::harness::{connection, demo_settings};
use common::{InProcess, SHOP_URL};
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::api::{Effect, Sender, SenderKind};
use shoper_systim::engine::connection::Connection;
use shoper_systim::engine::report::RunKind;
use shoper_systim::engine::{Engine, RunRequest};
use shoper_systim::io::{Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::mem::{MemStorage, VirtualClock};
use std::cell::RefCell;
use std::rc::Rc;

/// The same in-process shop under its other loopback name.
const OTHER_URL: &str = "http://localhost:18001";

/// The in-process world, recording the URL of every request the engine sends.
#[derive(Clone)]
struct Recorded {
    world: InProcess,
    urls: Rc<RefCell<Vec<String>>>,
}

impl Http for Recorded {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        self.urls.borrow_mut().push(req.url.clone());
        self.world.send(req).await
    }
}

type TestEngine = Engine<Recorded, MemStorage, VirtualClock>;

/// An engine of a dev-hosts build on the demo shop, with its connection and settings saved.
fn configured() -> (InProcess, TestEngine, Recorded) {
    let world = common::harness::demo_world();
    let wire = Recorded { world: world.clone(), urls: Rc::default() };
    let engine = Engine::new(wire.clone(), MemStorage::new(), world.clock.clone());
    engine.set_dev_hosts(true);
    block_on(engine.save_connection(connection(&world))).unwrap();
    block_on(engine.save_settings(demo_settings(&world))).unwrap();
    (world, engine, wire)
}

fn page() -> Sender {
    Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://abc/options.html".into(), tab_id: None }
}

fn tab(url: &str) -> Sender {
    Sender { kind: SenderKind::ContentScript, url: url.into(), tab_id: Some(3) }
}

fn ask(engine: &TestEngine, msg: Value, sender: &Sender) -> Value {
    block_on(engine.handle_message(&msg, sender)).reply
}

fn panel(engine: &TestEngine) -> Value {
    let reply = ask(engine, json!({"type": "adminPanel"}), &page());
    assert_eq!(reply["ok"], true, "{reply}");
    reply["adminPanel"].clone()
}

fn origins(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|p| p["origin"].as_str().unwrap().to_string()).collect()
}

#[test]
fn another_address_of_the_shop_gets_the_panel_script_and_badges_and_never_a_key() {
    let (world, engine, wire) = configured();
    // before it is added: nothing there
    let badges = json!({"type": "orderBadges", "orderIds": [1, 2]});
    assert_eq!(ask(&engine, badges.clone(), &tab(&format!("{OTHER_URL}/admin/orders")))["error"]["code"], "forbidden");

    let handled = block_on(engine.handle_message(&json!({"type": "adminPanel", "add": format!("{OTHER_URL}/admin/")}), &page()));
    assert_eq!(handled.reply["ok"], true, "{}", handled.reply);
    assert_eq!(origins(&handled.reply["adminPanel"]["aliases"]), [OTHER_URL]);
    assert_eq!(handled.reply["adminPanel"]["aliases"][0]["pattern"], "http://localhost/*");
    let register = handled.effects.iter().find(|e| matches!(e, Effect::RegisterContentScript { .. })).expect("registered anew");
    assert_eq!(
        *register,
        Effect::RegisterContentScript {
            origin: SHOP_URL.into(),
            matches: vec![
                "http://127.0.0.1/admin".into(),
                "http://127.0.0.1/admin/*".into(),
                "http://localhost/admin".into(),
                "http://localhost/admin/*".into()
            ],
        }
    );
    let keep =
        handled.effects.iter().find_map(|e| if let Effect::KeepHostAccess { origins } = e { Some(origins.clone()) } else { None }).expect("keepHostAccess");
    assert!(keep.contains(&"http://localhost/*".to_string()), "the other address keeps its access: {keep:?}");
    // the standing effects (a browser start) register it too
    let again = block_on(engine.on_startup()).into_iter().find(|e| matches!(e, Effect::RegisterContentScript { .. })).unwrap();
    assert_eq!(again, *register);

    // badges and the sync from the panel at the other address; not from its other ports or paths
    for url in [format!("{OTHER_URL}/admin/orders"), format!("{OTHER_URL}/admin"), format!("{OTHER_URL}/admin/orders/view/id/2?x")] {
        assert_eq!(ask(&engine, badges.clone(), &tab(&url))["ok"], true, "{url}");
    }
    for url in
        ["http://localhost:18009/admin/orders", "http://localhost:18001/administrator", "http://localhost:18001/", "https://localhost:18001/admin/orders"]
    {
        assert_eq!(ask(&engine, badges.clone(), &tab(url))["error"]["code"], "forbidden", "{url}");
    }
    // an admin page at the other address starts the automatic sync as the main one does
    let mut settings = block_on(engine.settings());
    settings.auto_sync = true;
    block_on(engine.save_settings(settings)).unwrap();
    let (run_id, req) = block_on(engine.on_admin_page(&format!("{OTHER_URL}/admin/orders"))).expect("a run starts");
    block_on(engine.run_started(run_id, req));

    // a run and a connection check from the options page: every request went to the main
    // address or Systim, none to the other address
    block_on(engine.run(RunRequest { kind: RunKind::SendStock, dry_run: false, confirm_zeroing: false })).unwrap();
    ask(&engine, json!({"type": "testConnection"}), &page());
    let urls = wire.urls.borrow().clone();
    assert!(!urls.is_empty());
    assert!(urls.iter().all(|u| !u.starts_with(OTHER_URL)), "a request went to the other address");
    // the keys' own addresses are still only the main one and Systim
    let status = ask(&engine, json!({"type": "getStatus"}), &page());
    assert_eq!(status["hostPermissions"], json!(["http://127.0.0.1/*"]));
    assert_eq!(status["connection"]["shopAliases"], json!([OTHER_URL]));
    drop(world);
}

#[test]
fn a_content_script_on_a_sign_in_page_may_only_pass_on_the_addresses_of_the_login_page() {
    let (_world, engine, _) = configured();
    let report = json!({"type": "reportShopAddresses", "domains": ["127.0.0.1", "localhost"]});
    let note = json!({"type": "reportPage", "pattern": "/admin/x/{n}", "problem": "no_panel_marks"});
    for path in ["/admin/auth/login", "/admin/auth/login/", "/admin/auth/totp-sms", "/admin/auth/mail-otp", "/admin/auth"] {
        for t in ["syncNow", "openReport"] {
            assert_eq!(ask(&engine, json!({"type": t}), &tab(&format!("{SHOP_URL}{path}")))["error"]["code"], "forbidden", "{t} from {path}");
        }
        assert_eq!(ask(&engine, json!({"type": "orderBadges", "orderIds": [1]}), &tab(&format!("{SHOP_URL}{path}")))["error"]["code"], "forbidden", "{path}");
        assert_eq!(ask(&engine, note.clone(), &tab(&format!("{SHOP_URL}{path}")))["error"]["code"], "forbidden", "{path}");
    }
    for path in ["/admin/auth/totp-sms", "/admin/auth/mail-otp", "/admin/orders", "/admin"] {
        assert_eq!(ask(&engine, report.clone(), &tab(&format!("{SHOP_URL}{path}")))["error"]["code"], "forbidden", "addresses from {path}");
    }
    assert_eq!(ask(&engine, report.clone(), &tab(&format!("{SHOP_URL}/admin/auth/login?redirect=x")))["ok"], true);
    assert_eq!(ask(&engine, note.clone(), &tab(&format!("{SHOP_URL}/admin/orders")))["ok"], true);
    // another site's login page: nothing
    assert_eq!(ask(&engine, report, &tab("http://localhost:18001/admin/auth/login"))["error"]["code"], "forbidden", "not an address of the shop yet");
    // and the options page's own message is not for content scripts
    assert_eq!(ask(&engine, json!({"type": "adminPanel", "add": OTHER_URL}), &tab(&format!("{SHOP_URL}/admin/orders")))["error"]["code"], "forbidden");
    assert!(panel(&engine)["aliases"].as_array().unwrap().is_empty());
}

#[test]
fn the_login_pages_addresses_are_proposed_checked_by_the_address_rules_and_added_only_when_asked() {
    let (_world, engine, _) = configured();
    let login = tab(&format!("{SHOP_URL}/admin/auth/login"));
    // the recorded attributes: the technical host, the shop's own domain; plus junk a page could put there
    let domains = json!(["127.0.0.1", "localhost", "LOCALHOST", "evil.example/x", "a b", "user@localhost"]);
    assert_eq!(ask(&engine, json!({"type": "reportShopAddresses", "domains": domains}), &login)["ok"], true);
    let shown = panel(&engine);
    assert_eq!(
        shown["proposals"],
        json!([{"origin": OTHER_URL, "pattern": "http://localhost/*", "source": "login_page"}]),
        "with the page's scheme and port; the main address is no proposal"
    );
    assert!(shown["aliases"].as_array().unwrap().is_empty(), "nothing added unseen");
    assert!(block_on(engine.connection()).shop_aliases.is_empty());
    // a name the address rules refuse for this page (plain http to the internet) is not proposed
    assert_eq!(ask(&engine, json!({"type": "reportShopAddresses", "domains": ["www.sklep.pl"]}), &login)["ok"], true);
    assert_eq!(origins(&panel(&engine)["proposals"]), [OTHER_URL]);
    // turned down: gone (until a login page names it again)
    let after = ask(&engine, json!({"type": "adminPanel", "forget": OTHER_URL}), &page());
    assert_eq!(after["adminPanel"]["proposals"], json!([]));
    ask(&engine, json!({"type": "reportShopAddresses", "domains": ["localhost"]}), &login);
    let added = ask(&engine, json!({"type": "adminPanel", "add": OTHER_URL}), &page());
    assert_eq!(origins(&added["adminPanel"]["aliases"]), [OTHER_URL]);
    assert_eq!(added["adminPanel"]["proposals"], json!([]), "an added address is no longer proposed");
    // removed again: proposed again
    let removed = ask(&engine, json!({"type": "adminPanel", "forget": OTHER_URL}), &page());
    assert_eq!(removed["adminPanel"]["aliases"], json!([]));
    assert_eq!(origins(&removed["adminPanel"]["proposals"]), [OTHER_URL]);
}

#[test]
fn an_https_shops_login_page_proposes_its_technical_host_and_its_own_domain() {
    let world = common::harness::demo_world();
    let engine = Engine::new(world.clone(), MemStorage::new(), world.clock.clone());
    let conn = Connection { shop_url: "https://sklep.plyndo.pl".into(), systim_account: "firma".into(), ..connection(&world) };
    block_on(engine.save_connection(conn)).unwrap();
    let login = Sender { kind: SenderKind::ContentScript, url: "https://sklep.plyndo.pl/admin/auth/login".into(), tab_id: Some(1) };
    // as the saved page of a real panel has them
    let domains = json!(["sklep562393.shoparena.pl", "sklep.plyndo.pl", "sklep562393.shoparena.pl"]);
    let reply = block_on(engine.handle_message(&json!({"type": "reportShopAddresses", "domains": domains}), &login)).reply;
    assert_eq!(reply["ok"], true, "{reply}");
    let view = block_on(engine.handle_message(&json!({"type": "adminPanel"}), &page())).reply;
    assert_eq!(
        view["adminPanel"]["proposals"],
        json!([{"origin": "https://sklep562393.shoparena.pl", "pattern": "https://sklep562393.shoparena.pl/*", "source": "login_page"}])
    );
    // a shipped build refuses the loopback machine as another address too
    let refused = block_on(engine.handle_message(&json!({"type": "adminPanel", "add": "http://localhost:8080"}), &page())).reply;
    assert_eq!(refused["error"]["code"], "invalid_fields");
    assert_eq!(refused["error"]["fields"][0]["field"], "shopAlias");
    assert!(refused["error"]["message_pl"].as_str().unwrap().contains("localhost"), "{refused}");
}

#[test]
fn the_shops_application_config_names_another_address_after_the_connection_check() {
    let (world, engine, _) = configured();
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": OTHER_URL})).unwrap();
    let checks = ask(&engine, json!({"type": "testConnection"}), &page());
    assert!(checks["checks"].as_array().unwrap().iter().any(|c| c["id"] == "shop_reachable" && c["status"] == "ok"), "{checks}");
    assert_eq!(panel(&engine)["proposals"], json!([{"origin": OTHER_URL, "pattern": "http://localhost/*", "source": "application_config"}]));
    // the shop's own address named there is no proposal
    world.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).unwrap();
    ask(&engine, json!({"type": "adminPanel", "forget": OTHER_URL}), &page());
    ask(&engine, json!({"type": "testConnection"}), &page());
    assert_eq!(panel(&engine)["proposals"], json!([]));
}

#[test]
fn the_other_addresses_stay_with_the_shops_address_and_go_with_it() {
    let (world, engine, _) = configured();
    ask(&engine, json!({"type": "adminPanel", "add": OTHER_URL}), &page());
    ask(&engine, json!({"type": "reportShopAddresses", "domains": ["localhost"]}), &tab(&format!("{SHOP_URL}/admin/auth/login")));
    // saved again as the options page sends it (keys masked, no shopAliases field): kept
    let view = ask(&engine, json!({"type": "getConnection"}), &page())["connection"].clone();
    let mut form = view.clone();
    form.as_object_mut().unwrap().remove("shopAliases");
    let handled = block_on(engine.handle_message(&json!({"type": "saveConnection", "connection": form}), &page()));
    let saved = handled.reply;
    assert_eq!(saved["connection"]["shopAliases"], json!([OTHER_URL]), "{saved}");
    assert_eq!(saved["hostPermissions"], json!(["http://127.0.0.1/*"]), "the keys' addresses only");
    let keep = handled.effects.iter().find_map(|e| if let Effect::KeepHostAccess { origins } = e { Some(origins.clone()) } else { None }).unwrap();
    assert_eq!(keep, ["http://127.0.0.1/*", "http://localhost/*"], "saving keeps the other address's access");
    // a shopAliases field sent with it changes nothing either: the aliases have their own message
    let mut forged = view.clone();
    forged["shopAliases"] = json!(["http://127.0.0.2:9"]);
    let saved = ask(&engine, json!({"type": "saveConnection", "connection": forged}), &page());
    assert_eq!(saved["connection"]["shopAliases"], json!([OTHER_URL]));
    // another shop: the old shop's addresses and proposals go
    let other_shop = Connection { shop_url: "http://127.0.0.1:18005".into(), ..connection(&world) };
    block_on(engine.save_connection(other_shop)).unwrap();
    let shown = panel(&engine);
    assert_eq!(shown["shop"], "http://127.0.0.1:18005");
    assert_eq!(shown["aliases"], json!([]));
    assert_eq!(shown["proposals"], json!([]));
}

#[test]
fn an_other_address_is_checked_by_the_rules_of_the_shops_own() {
    let (_world, engine, _) = configured();
    for (address, why) in [
        ("https://sklep.example.pl@evil.example/", "logins"),
        ("ftp://sklep.example.pl", "https"),
        ("http://www.sklep.pl", "http"),
        (SHOP_URL, "main"),
        ("", "empty"),
    ] {
        let reply = ask(&engine, json!({"type": "adminPanel", "add": address}), &page());
        if address.is_empty() {
            assert_eq!(reply["adminPanel"]["aliases"], json!([]), "nothing to add: just the view");
            continue;
        }
        assert_eq!(reply["error"]["code"], "invalid_fields", "{why}: {reply}");
        assert_eq!(reply["error"]["fields"][0]["field"], "shopAlias");
        assert!(!reply["error"]["message_pl"].as_str().unwrap().is_empty());
    }
    for n in 0..8 {
        assert_eq!(ask(&engine, json!({"type": "adminPanel", "add": format!("https://sklep{n}.example.pl")}), &page())["ok"], true);
    }
    let ninth = ask(&engine, json!({"type": "adminPanel", "add": "https://sklep9.example.pl"}), &page());
    assert!(ninth["error"]["message_pl"].as_str().unwrap().contains("najwyżej 8"), "{ninth}");
    // the same address written differently is the same address
    assert_eq!(
        ask(&engine, json!({"type": "adminPanel", "add": "HTTPS://Sklep0.example.pl/admin"}), &page())["adminPanel"]["aliases"].as_array().unwrap().len(),
        8
    );
}

#[test]
fn unrecognised_panel_pages_are_kept_as_patterns_without_data_newest_first_and_bounded() {
    let (world, engine, _) = configured();
    let at = tab(&format!("{SHOP_URL}/admin/orders/list"));
    let note = |pattern: &str, problem: &str| ask(&engine, json!({"type": "reportPage", "pattern": pattern, "problem": problem}), &at);
    assert_eq!(note("/admin/orders/view/{n}", "order_url")["ok"], true);
    world.clock.advance(60_000);
    assert_eq!(note("/admin/nowy-panel/{x}", "no_panel_marks")["ok"], true);
    assert_eq!(note("/admin/orders/view/{n}", "order_url")["ok"], true);
    // anything that could carry a page's data, or an unknown problem, is refused and not kept
    for (pattern, problem) in [
        ("/admin/klient/jan@example.pl", "no_panel_marks"),
        ("/admin/orders/12", "order_url"),
        ("/admin/abc123", "order_url"),
        ("/sklep", "order_url"),
        ("/admin/x", "layout"),
    ] {
        assert_eq!(note(pattern, problem)["error"]["code"], "bad_message", "{pattern} {problem}");
    }
    let shown = panel(&engine)["unrecognised"].clone();
    let list: Vec<(String, String, u64)> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["pattern"].as_str().unwrap().into(), u["problem"].as_str().unwrap().into(), u["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(list, [("/admin/orders/view/{n}".into(), "order_url".into(), 2), ("/admin/nowy-panel/{x}".into(), "no_panel_marks".into(), 1)]);
    for n in 0..20 {
        note(&format!("/admin/strona-{}", "x".repeat(n + 1)), "no_panel_marks");
    }
    assert_eq!(panel(&engine)["unrecognised"].as_array().unwrap().len(), 12, "bounded");
}
