//! The `#[wasm_bindgen]` exports the background calls (`docs/messages.md`). Conversions only:
//! JS values ↔ JSON, and starting the runs the core asks for on the page's event loop.

use super::{ExtensionStorage, FetchHttp, JsClock};
use crate::engine::api::{Effect, Sender};
use crate::engine::{Engine, RunRequest};
use serde::Serialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

type BrowserEngine = Engine<FetchHttp, ExtensionStorage, JsClock>;

thread_local! {
    static ENGINE: Rc<BrowserEngine> = Rc::new(Engine::new(FetchHttp, ExtensionStorage, JsClock));
    static EFFECT_SINK: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

fn engine() -> Rc<BrowserEngine> {
    ENGINE.with(Rc::clone)
}

/// Plain JSON-compatible JS values (objects, not `Map`s): storable and sendable as messages.
fn to_js<T: Serialize>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

fn from_js(value: JsValue) -> Value {
    serde_wasm_bindgen::from_value(value).unwrap_or(Value::Null)
}

fn with_effects(reply: Option<Value>, effects: Vec<Effect>) -> JsValue {
    match reply {
        Some(r) => to_js(&json!({"reply": r, "effects": effects})),
        None => to_js(&json!({"effects": effects})),
    }
}

/// Deliver effects that arise later (at the end of a run) to the background.
fn deliver(effects: Vec<Effect>) {
    EFFECT_SINK.with(|sink| {
        if let Some(f) = sink.borrow().as_ref() {
            let _ = f.call1(&JsValue::NULL, &to_js(&effects));
        }
    });
}

/// Start a run in the background of the event loop; its effects go to the sink when it ends.
fn spawn_run(start: Option<(String, RunRequest)>) {
    if let Some((run_id, req)) = start {
        let engine = engine();
        wasm_bindgen_futures::spawn_local(async move {
            let effects = engine.run_started(run_id, req).await;
            deliver(effects);
        });
    }
}

/// Called once by the background with the function that applies late effects.
#[wasm_bindgen]
pub fn init_core(apply_effects: js_sys::Function) {
    EFFECT_SINK.with(|sink| *sink.borrow_mut() = Some(apply_effects));
}

#[wasm_bindgen]
pub async fn handle_message(message: JsValue, sender: JsValue) -> JsValue {
    let sender: Sender = serde_json::from_value(from_js(sender)).unwrap_or_default();
    let handled = engine().handle_message(&from_js(message), &sender).await;
    spawn_run(handled.start);
    with_effects(Some(handled.reply), handled.effects)
}

#[wasm_bindgen]
pub async fn on_startup() -> JsValue {
    with_effects(None, engine().on_startup().await)
}

#[wasm_bindgen]
pub async fn on_installed(_reason: JsValue) -> JsValue {
    with_effects(None, engine().on_startup().await)
}

#[wasm_bindgen]
pub async fn on_alarm(name: String) -> JsValue {
    spawn_run(engine().on_alarm(&name).await);
    with_effects(None, Vec::new())
}

#[wasm_bindgen]
pub async fn on_admin_page(url: String) -> JsValue {
    spawn_run(engine().on_admin_page(&url).await);
    with_effects(None, Vec::new())
}

#[wasm_bindgen]
pub async fn on_permissions_removed(origins: JsValue) -> JsValue {
    let origins: Vec<String> = serde_json::from_value(from_js(origins)).unwrap_or_default();
    with_effects(None, engine().on_permissions_removed(&origins).await)
}
