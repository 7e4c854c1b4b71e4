#![cfg(not(target_arch = "wasm32"))]
//! The admin panel's badge names an order's sales document and offers its PDF (issue #16): the
//! content script may ask to open it, only the extension's own page gets the PDF (fetched from
//! Systim's `getSellInvoicePDF` with the stored keys), never the shop's page.

mod common;

use common::harness::*;
use common::world::World;
use common::{InProcess, SHOP_URL};
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::api::{Effect, Sender, SenderKind};
use shoper_systim::engine::report::RunKind;
use shoper_systim::mem::MemStorage;

/// Shoper's "przesyłka wysłana": the status that triggers the document here.
const SENT: u64 = 7;

fn page() -> Sender {
    Sender { kind: SenderKind::ExtensionPage, url: "chrome-extension://abc/document.html?order=1".into(), tab_id: Some(4) }
}

fn panel() -> Sender {
    Sender { kind: SenderKind::ContentScript, url: format!("{SHOP_URL}/admin/orders"), tab_id: Some(3) }
}

fn ask(engine: &TestEngine, message: Value, from: &Sender) -> (Value, Vec<Effect>) {
    let handled = block_on(engine.handle_message(&message, from));
    (handled.reply, handled.effects)
}

/// An engine on `world` with invoicing on (documents for orders that reach „przesyłka wysłana”),
/// after a first orders run: the engine and the imported orders, in id order.
fn invoicing_on(world: &InProcess) -> (TestEngine, Vec<u64>) {
    let mut settings = demo_settings(world);
    settings.orders.link_contractors = true;
    settings.invoicing.enabled = true;
    settings.invoicing.trigger_statuses = vec![SENT];
    let engine = engine_with(world, MemStorage::new(), settings);
    run_ok(&engine, RunKind::Orders);
    let mut ids: Vec<u64> = common::oracle::systim_orders_by_marker(&world.state()).into_keys().collect();
    ids.sort_unstable();
    (engine, ids)
}

fn ship(world: &InProcess, id: u64) {
    world.shop_rest("PUT", &format!("orders/{id}"), Some(&json!({"status_id": SENT})));
}

/// The lean demo with invoicing on, its orders imported, the first one shipped and its document
/// issued: (world, engine, the invoiced order, an imported order without a document).
fn invoiced() -> (InProcess, TestEngine, u64, u64) {
    let world = lean_demo_world();
    let (engine, ids) = invoicing_on(&world);
    ship(&world, ids[0]);
    run_ok(&engine, RunKind::Orders);
    (world, engine, ids[0], ids[1])
}

#[test]
fn the_badge_names_the_document_and_only_the_extensions_page_gets_its_pdf() {
    let (world, engine, order, other) = invoiced();
    let issued = world.systim_state()["invoices"][0].clone();
    let number = issued["numer"].as_str().expect("a number").to_string();

    let (reply, _) = ask(&engine, json!({"type": "orderBadges", "orderIds": [order, other]}), &panel());
    assert_eq!(reply["ok"], true, "{reply}");
    let badge = &reply["badges"][order.to_string()];
    let (pl, en) = match issued["rodzaj"].as_u64() {
        Some(0) => ("faktura", "invoice"),
        Some(15) => ("paragon", "receipt"),
        other => panic!("a document of kind {other:?}"),
    };
    assert_eq!(badge["document"]["text_pl"], format!("{pl} {number}"), "{badge}");
    assert_eq!(badge["document"]["text_en"], format!("{en} {number}"));
    assert!(reply["badges"][other.to_string()].get("document").is_none(), "an order without a document names none");

    // the panel may ask to open it: the background opens the extension's page, the reply carries nothing
    let (reply, effects) = ask(&engine, json!({"type": "openDocument", "orderId": order}), &panel());
    assert_eq!(reply, json!({"ok": true}));
    assert_eq!(effects, [Effect::OpenDocument { order_id: order }]);
    // …but never the PDF itself
    let (reply, _) = ask(&engine, json!({"type": "documentPdf", "orderId": order}), &panel());
    assert_eq!(reply["error"]["code"], "forbidden", "{reply}");

    let (reply, _) = ask(&engine, json!({"type": "documentPdf", "orderId": order}), &page());
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["number"], number);
    let pdf = reply["pdf"]["base64"].as_str().unwrap();
    assert!(pdf.starts_with("JVBER"), "a PDF: {}", &pdf[..pdf.len().min(20)]);
    assert!(reply["pdf"]["name"].as_str().unwrap().ends_with(".pdf"));
    assert!(!reply["pdf"]["name"].as_str().unwrap().contains('/'), "a file name, not a path");
    let calls: Vec<_> = world.sandbox.borrow().log.iter().filter(|e| e.act == "getSellInvoicePDF").map(|e| e.delivered).collect();
    assert_eq!(calls, [true], "fetched from Systim once, when asked");

    // an order without a document: a plain answer, and Systim is not asked
    let (reply, _) = ask(&engine, json!({"type": "documentPdf", "orderId": other}), &page());
    assert_eq!(reply["error"]["code"], "no_document", "{reply}");
    assert!(reply["error"]["message_pl"].as_str().unwrap().contains(&other.to_string()));
}

#[test]
fn systim_refusing_the_pdf_gets_its_own_message() {
    let (world, engine, order, _) = invoiced();
    inject(&world, "systim", "html_page", 6, "getSellInvoicePDF");
    let (reply, _) = ask(&engine, json!({"type": "documentPdf", "orderId": order}), &page());
    assert_eq!(reply["ok"], false, "{reply}");
    let message = reply["error"]["message_pl"].as_str().unwrap();
    assert!(!message.is_empty() && !message.contains("JVBER"), "{reply}");
    // once it answers again, the PDF comes
    let (reply, _) = ask(&engine, json!({"type": "documentPdf", "orderId": order}), &page());
    assert_eq!(reply["ok"], true, "{reply}");
}

#[test]
fn a_document_the_browsers_resend_made_twice_is_named_on_the_badge_with_the_copy_to_delete() {
    let world = lean_demo_world().browser_like(true);
    let (engine, ids) = invoicing_on(&world);
    ship(&world, ids[0]);
    // the send goes on a reused connection, which the browser resends by itself
    inject(&world, "systim", "write_then_close", 1, "addSellInvoice");
    run(&engine, RunKind::Orders, false);
    let docs: Vec<Value> = world.systim_state()["invoices"].as_array().unwrap().clone();
    assert_eq!(docs.len(), 2, "the browser's resend made a copy");
    let kept = block_on(engine.issued_document(ids[0])).expect("issued");
    let copy = docs.iter().map(|d| d["id"].as_u64().unwrap()).find(|id| *id != kept.systim_id).unwrap();

    let (reply, _) = ask(&engine, json!({"type": "orderBadges", "orderIds": [ids[0]]}), &panel());
    let document = &reply["badges"][ids[0].to_string()]["document"];
    assert_eq!(document["copies"], json!([copy]), "{reply}");
    assert!(document["text_pl"].as_str().unwrap().ends_with(&format!("— w Systim 2 razy: usuń id {copy}")), "{document}");
}
