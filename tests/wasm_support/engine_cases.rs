// The engine in the browser, against the running sandbox over real HTTP (included by both test
// binaries: a page and a dedicated worker). One test per binary: the sandbox is shared, so the
// steps run in order after a reset.

use serde_json::json;
use shoper_systim::engine::connection::{Connection, ShoperAuthKind};
use shoper_systim::engine::report::{Outcome, RunKind};
use shoper_systim::engine::{Engine, RunRequest};
use shoper_systim::wasm::FetchHttp;
use wasm_bindgen::JsValue;

fn browser_connection() -> Connection {
    let info = support::info();
    let s = |k: &str| info[k].as_str().unwrap().to_string();
    Connection {
        shop_url: s("shoper"),
        shoper_auth: ShoperAuthKind::User,
        shoper_login: s("shoper_login"),
        shoper_password: s("shoper_password"),
        shoper_token: String::new(),
        systim_account: s("systim"),
        systim_login: s("systim_login"),
        systim_key: s("systim_key"),
        shop_aliases: Vec::new(),
    }
}

/// Plain JS objects, as the background sends them (not `Map`s).
fn js(v: serde_json::Value) -> JsValue {
    use serde::Serialize;
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap()
}

/// What an export's promise resolves to.
async fn settled(p: js_sys::Promise) -> JsValue {
    wasm_bindgen_futures::JsFuture::from(p).await.expect("the export's promise resolves")
}

fn rust(v: JsValue) -> serde_json::Value {
    serde_wasm_bindgen::from_value(v).unwrap()
}

#[wasm_bindgen_test]
async fn the_engine_previews_and_runs_every_kind_over_fetch_and_extension_storage() {
    support::install_fake_ext_api();
    support::load_texts();
    support::control(Method::Post, "/reset", r#"{"scenario":"demo"}"#).await;
    let engine = Engine::new(FetchHttp, ExtensionStorage, JsClock);
    engine.set_dev_hosts(true); // the sandbox is at loopback addresses
    engine.save_connection(browser_connection()).await.expect("connection saved");
    let mut settings = engine.settings().await;
    settings.orders.start = shoper_systim::settings::StartPoint::Date("2026-11-01".into());
    settings.orders.default_delivery_id = Some(1);
    engine.save_settings(settings).await.expect("settings saved");
    let mut previewed_orders = 0;
    for kind in [RunKind::Orders, RunKind::Stock, RunKind::Products, RunKind::SendStock, RunKind::SendProducts, RunKind::Auto] {
        let preview = engine.run(RunRequest { kind, dry_run: true, confirm_zeroing: false }).await.expect("preview starts");
        assert!(preview.error.is_none(), "{kind:?} preview: {:?}", preview.error);
        assert_eq!(preview.sections.len(), kind.parts().len(), "{kind:?}");
        if kind == RunKind::Orders {
            previewed_orders = preview.sections[0].counts.done;
        }
    }
    let before = support::control(Method::Get, "/state", "").await;
    assert_eq!(before["systim"]["orders"].as_array().map_or(0, |a| a.len()), 0, "previews change nothing");
    let real = engine.run(RunRequest { kind: RunKind::SendProducts, dry_run: false, confirm_zeroing: false }).await.expect("run starts");
    assert!(matches!(real.summary.outcome, Outcome::Ok | Outcome::Partial), "{:?} {:?}", real.summary.outcome, real.error);
    let after = support::control(Method::Get, "/state", "").await;
    let imported = after["systim"]["orders"].as_array().map_or(0, |a| a.len());
    assert!(imported > 0, "the demo shop has orders to import");
    assert_eq!(imported as u32, real.sections[0].counts.done, "Systim holds exactly the orders the report names");
    assert_eq!(imported as u32, previewed_orders, "the preview announced exactly the orders the run imported");
    let again = engine.run(RunRequest { kind: RunKind::Orders, dry_run: false, confirm_zeroing: false }).await.expect("run starts");
    assert_eq!(again.sections[0].counts.done, 0, "nothing imported twice");
    let state = support::control(Method::Get, "/state", "").await;
    assert_eq!(state["systim"]["orders"].as_array().map_or(0, |a| a.len()), imported);
    // Leave a fresh world (and empty rate-limit buckets) for the other tests.
    support::control(Method::Post, "/reset", r#"{"scenario":"demo"}"#).await;
}

#[wasm_bindgen_test]
async fn the_exported_api_answers_in_the_documented_shapes() {
    use shoper_systim::wasm::exports;
    support::install_fake_ext_api();
    let page = js(json!({"kind": "extension_page", "url": "chrome-extension://x/popup.html", "tabId": null}));
    // Before init_core hands the texts over, no export reaches the engine: nothing can be
    // rendered without its texts.
    let early = wasm_bindgen_futures::JsFuture::from(exports::handle_message(js(json!({"type": "getStatus"})), page.clone())).await;
    assert!(early.is_err(), "an export answered before init_core");
    let noop = js_sys::Function::new_no_args("");
    assert!(exports::init_core(noop.clone(), true, "{}".into(), "{}".into()).is_err(), "texts without the core's keys are refused");
    let (pl, en) = (include_str!("../../extension/_locales/pl/messages.json"), include_str!("../../extension/_locales/en/messages.json"));
    exports::init_core(noop, true, pl.into(), en.into()).expect("init_core with the extension's texts");
    let answer = rust(settled(shoper_systim::wasm::exports::handle_message(js(json!({"type": "getStatus"})), page.clone())).await);
    let reply = &answer["reply"];
    assert_eq!(reply["ok"], true, "{answer}");
    for key in ["configured", "connection", "autoSync", "running", "lastRuns", "problems"] {
        assert!(reply.get(key).is_some(), "getStatus lacks {key}: {reply}");
    }
    assert!(answer["effects"].is_array());
    let bad = rust(settled(shoper_systim::wasm::exports::handle_message(js(json!({"type": "nope"})), page.clone())).await);
    assert_eq!(bad["reply"]["error"]["code"], "unknown_message");
    assert_eq!(bad["reply"]["error"]["message_pl"], "Nieznany rodzaj wiadomości.", "the Polish text from _locales");
    let other = js(json!({"kind": "other", "url": "https://evil.example/", "tabId": 3}));
    let refused = rust(settled(shoper_systim::wasm::exports::handle_message(js(json!({"type": "getConnection"})), other)).await);
    assert_eq!(refused["reply"]["error"]["code"], "forbidden");
    let startup = rust(settled(shoper_systim::wasm::exports::on_startup()).await);
    assert!(startup["effects"].as_array().is_some_and(|e| e.iter().any(|x| x["type"] == "badge")), "{startup}");
}
