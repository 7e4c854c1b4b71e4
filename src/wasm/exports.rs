//! The `#[wasm_bindgen]` exports the background calls (`docs/messages.md`). Conversions only:
//! JS values ↔ JSON, and starting the runs the core asks for on the page's event loop.

use super::{ExtensionStorage, FetchHttp, JsClock};
use crate::client::address::HostRules;
use crate::engine::api::{Effect, Sender};
use crate::engine::connection::Connection;
use crate::engine::{Engine, RunRequest};
use serde::Serialize;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

type BrowserEngine = Engine<FetchHttp, ExtensionStorage, JsClock>;

thread_local! {
    /// Made by `init_core`, once the merchant's texts are loaded: no export can reach the engine
    /// (and so render a text) before.
    static ENGINE: RefCell<Option<Rc<BrowserEngine>>> = const { RefCell::new(None) };
    static EFFECT_SINK: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

fn engine() -> Option<Rc<BrowserEngine>> {
    ENGINE.with(|e| e.borrow().clone())
}

/// Plain JSON-compatible JS values (objects, not `Map`s): storable and sendable as messages.
/// Built by the browser's own `JSON.parse` from serde_json's text (smaller code than converting
/// value by value, and one crossing of the boundary instead of one per field). The text is
/// written from a `Value` (its keys in sorted order), as stored records are: one JSON writer in
/// the wasm for both instead of a second one for typed values.
fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    serde_json::to_value(value).ok().and_then(|value| js_sys::JSON::parse(&value.to_string()).ok()).unwrap_or(JsValue::NULL)
}

/// A JS value as JSON (`undefined`, functions and anything `JSON.stringify` refuses: `null`).
fn from_js(value: &JsValue) -> Value {
    js_sys::JSON::stringify(value).ok().and_then(|text| text.as_string()).and_then(|text| serde_json::from_str(&text).ok()).unwrap_or(Value::Null)
}

/// What an export gives back: `{reply?, effects}`.
#[derive(Serialize)]
struct Answer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<&'a Value>,
    effects: &'a [Effect],
}

fn with_effects(reply: Option<Value>, effects: Vec<Effect>) -> JsValue {
    to_js(&Answer { reply: reply.as_ref(), effects: &effects })
}

/// Deliver effects that arise later (at the end of a run) to the background.
fn deliver(effects: Vec<Effect>) {
    EFFECT_SINK.with(|sink| {
        if let Some(f) = sink.borrow().as_ref() {
            let _ = f.call1(&JsValue::NULL, &to_js(&effects[..]));
        }
    });
}

/// Start a run in the background of the event loop; its effects go to the sink when it ends.
fn spawn_run(engine: &Rc<BrowserEngine>, start: Option<(String, RunRequest)>) {
    if let Some((run_id, req)) = start {
        let engine = Rc::clone(engine);
        wasm_bindgen_futures::spawn_local(async move {
            let effects = engine.run_started(run_id, req).await;
            deliver(effects);
        });
    }
}

/// Called once by the background with the function that applies late effects, the build's
/// `--dev-hosts` flag (`build_flags.js`, written by the builder: the loopback sandbox is an
/// address only in such a build — nothing a page sends can switch it on) and the text of the
/// extension's `_locales/pl/messages.json` and `_locales/en/messages.json` (the merchant's texts
/// the core renders: [`crate::texts`]). Throws if the texts are unreadable; the engine, and with
/// it every other export, exists only after this succeeded.
#[wasm_bindgen]
pub fn init_core(apply_effects: js_sys::Function, dev_hosts: bool, texts_pl: String, texts_en: String) -> Result<(), JsValue> {
    crate::texts::load(&texts_pl, &texts_en).map_err(|e| JsValue::from_str(&e))?;
    EFFECT_SINK.with(|sink| *sink.borrow_mut() = Some(apply_effects));
    ENGINE.with(|slot| {
        let mut slot = slot.borrow_mut();
        let engine = slot.get_or_insert_with(|| Rc::new(Engine::new(FetchHttp, ExtensionStorage, JsClock)));
        engine.set_dev_hosts(dev_hosts);
    });
    Ok(())
}

/// The core's address rules for the options page, which must ask for host access in the click
/// itself (no message to the background may come first): `{shop, systim, patterns}` — each
/// origin as the core normalises it (`null` when refused) and the match patterns to request.
#[wasm_bindgen]
pub fn address_origins(shop_url: String, systim_account: String, dev_hosts: bool) -> JsValue {
    let rules = if dev_hosts { HostRules::DEV } else { HostRules::SHIPPED };
    let conn = Connection { shop_url, systim_account, ..Connection::default() };
    to_js(&serde_json::json!({
        "shop": conn.shop_origin_for(rules).ok(),
        "systim": conn.systim_origin_for(rules).ok(),
        "patterns": conn.host_permissions(rules),
    }))
}

/// The settings form the options page draws (`src/settings_form.rs`): groups of fields, each with
/// its control, bounds, pick list and default — as JSON text.
#[wasm_bindgen]
pub fn settings_form() -> String {
    crate::settings_form::form().to_string()
}

/// What the background asks of the core. Every export below returns a `Promise` (as an
/// `async` export would), all through this one future type: one copy of the promise glue in the
/// wasm instead of one per export.
enum Event {
    Message(JsValue, JsValue),
    Startup,
    Installed(String),
    Alarm(String),
    AdminPage(String),
    PermissionsRemoved(JsValue),
}

async fn answer(engine: Rc<BrowserEngine>, event: Event) -> JsValue {
    let engine = &engine;
    match event {
        Event::Message(message, sender) => {
            let sender: Sender = crate::json::from_value(from_js(&sender)).unwrap_or_default();
            let handled = engine.handle_message(&from_js(&message), &sender).await;
            spawn_run(engine, handled.start);
            with_effects(Some(handled.reply), handled.effects)
        }
        Event::Startup => with_effects(None, engine.on_startup().await),
        Event::Installed(reason) => with_effects(None, engine.on_installed(&reason).await),
        Event::Alarm(name) => {
            spawn_run(engine, engine.on_alarm(&name).await);
            with_effects(None, Vec::new())
        }
        Event::AdminPage(url) => {
            spawn_run(engine, engine.on_admin_page(&url).await);
            with_effects(None, Vec::new())
        }
        Event::PermissionsRemoved(origins) => {
            let origins: Vec<String> = crate::json::from_value(from_js(&origins)).unwrap_or_default();
            with_effects(None, engine.on_permissions_removed(&origins).await)
        }
    }
}

fn promise(event: Event) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        match engine() {
            Some(engine) => Ok(answer(engine, event).await),
            None => Err(JsValue::from_str("the core is not initialised (init_core)")),
        }
    })
}

/// A message from a page or content script (`docs/messages.md`): `{reply, effects}`.
#[wasm_bindgen]
pub fn handle_message(message: JsValue, sender: JsValue) -> js_sys::Promise {
    promise(Event::Message(message, sender))
}

#[wasm_bindgen]
pub fn on_startup() -> js_sys::Promise {
    promise(Event::Startup)
}

/// `runtime.onInstalled` with its `reason` ("update" migrates stored data: `engine::migrate`).
#[wasm_bindgen]
pub fn on_installed(reason: JsValue) -> js_sys::Promise {
    promise(Event::Installed(reason.as_string().unwrap_or_default()))
}

#[wasm_bindgen]
pub fn on_alarm(name: String) -> js_sys::Promise {
    promise(Event::Alarm(name))
}

#[wasm_bindgen]
pub fn on_admin_page(url: String) -> js_sys::Promise {
    promise(Event::AdminPage(url))
}

#[wasm_bindgen]
pub fn on_permissions_removed(origins: JsValue) -> js_sys::Promise {
    promise(Event::PermissionsRemoved(origins))
}
