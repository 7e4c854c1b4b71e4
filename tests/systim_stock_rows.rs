#![cfg(not(target_arch = "wasm32"))]
//! `listPQuantities` as real code reads it (issue #12 item 3): rows carry `nazwa_produktu`,
//! `kod_kreskowy` (may be `null`) and `ilosc` (may be `null`); nobody reads `id_produktu`, and what
//! the list's key means is unknown. The demo world's answers are rewritten on the wire into each of
//! those shapes and a stock run must push exactly the figures it can attribute — by the key when
//! the row is that product, else by a barcode only one product has — and leave every other row
//! of the shop as it was, saying why.

mod common;

use common::harness::{connection, demo_settings, demo_world, demo_world_in, systim_product_id, GENEROUS};
use common::oracle::{eligible_pairs, expected_stock_in, shop_stock};
use common::InProcess;
use pollster::block_on;
use serde_json::{json, Value};
use shoper_systim::engine::report::{Outcome, Part, Report, RunKind};
use shoper_systim::engine::{Engine, RunRequest};
use shoper_systim::io::{Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::mem::{MemStorage, VirtualClock};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// How one Systim method's `result` is rewritten.
type Edit = Rc<dyn Fn(&mut Value)>;

/// The in-process world, with the `result` of the Systim methods named rewritten.
#[derive(Clone)]
struct Rewritten {
    world: InProcess,
    edits: Rc<Vec<(&'static str, Edit)>>,
}

impl Http for Rewritten {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        let body = req.body.clone().unwrap_or_default();
        let edit = self.edits.iter().find(|(act, _)| body.split('&').any(|f| f == format!("act={act}"))).map(|(_, e)| e.clone());
        let mut response = self.world.send(req).await?;
        if let Some(edit) = edit {
            let mut answer: Value = serde_json::from_str(&response.body).expect("a JSON answer");
            edit(&mut answer["result"]);
            response.body = answer.to_string();
        }
        Ok(response)
    }
}

/// A stock run on the demo world with `edits` applied to Systim's answers.
fn stock_run(world: &InProcess, edits: Vec<(&'static str, Edit)>) -> Report {
    let wire = Rewritten { world: world.clone(), edits: Rc::new(edits) };
    let engine: Engine<Rewritten, MemStorage, VirtualClock> = Engine::new(wire, MemStorage::new(), world.clock.clone());
    engine.set_dev_hosts(true); // the sandbox is at loopback addresses
    block_on(async {
        engine.save_connection(connection(world)).await.expect("connection");
        engine.save_settings(demo_settings(world)).await.expect("settings");
    });
    let report = block_on(engine.run(RunRequest { kind: RunKind::Stock, dry_run: false, confirm_zeroing: false })).expect("the run starts");
    assert!(report.error.is_none() && report.summary.outcome != Outcome::Failed, "the run failed: {:?}", report.error);
    report
}

/// Every row of a list, whatever its shape.
fn rows_of(result: &mut Value) -> Vec<&mut Value> {
    match result {
        Value::Object(map) => map.values_mut().collect(),
        Value::Array(items) => items.iter_mut().collect(),
        _ => Vec::new(),
    }
}

fn without_id_produktu(result: &mut Value) {
    for row in rows_of(result) {
        row.as_object_mut().expect("a row").remove("id_produktu");
    }
}

/// The rows keyed by their position (`"0"`, `"1"`, …) instead of by product id: some of those
/// numbers are ids of other products.
fn keyed_by_row_number(result: &mut Value) {
    without_id_produktu(result);
    let rows: Vec<Value> = rows_of(result).into_iter().map(|r| r.take()).collect();
    *result = Value::Object(rows.into_iter().enumerate().map(|(k, row)| (k.to_string(), row)).collect());
}

fn in_an_array(result: &mut Value) {
    without_id_produktu(result);
    *result = Value::Array(rows_of(result).into_iter().map(|r| r.take()).collect());
}

/// The Systim product behind each shop row the stock rules apply to, with what the row must
/// become (before the run) and what it was.
struct Rows {
    /// stock id → (Systim product id, demanded value, value before).
    rows: BTreeMap<u64, (u64, i64, i64)>,
    barcodes: BTreeMap<u64, String>,
}

fn rows(world: &InProcess) -> Rows {
    let state = world.state();
    let expected = expected_stock_in(world, &state);
    let before = shop_stock(world);
    let rows = eligible_pairs(world, &state).into_iter().map(|p| (p.stock_id, (p.systim_id, expected[&p.stock_id], before[&p.stock_id]))).collect();
    let barcodes = state["systim"]["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_u64().unwrap(), p["kod_kreskowy"].as_str().unwrap_or("").to_string()))
        .collect();
    Rows { rows, barcodes }
}

impl Rows {
    /// Rows the run must change (their Systim product's figure differs from the shop's).
    fn changing(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.rows.iter().filter(|(_, (_, want, was))| want != was).map(|(stock, (systim, _, _))| (*stock, *systim))
    }

    /// After the run: the rows of `pushed` Systim products as demanded, every other row as before.
    fn assert_pushed_only(&self, world: &InProcess, pushed: impl Fn(u64) -> bool) {
        let now = shop_stock(world);
        for (stock, (systim, want, was)) in &self.rows {
            let expected = if pushed(*systim) { want } else { was };
            assert_eq!(&now[stock], expected, "stock row {stock} (Systim product {systim}): {} instead of {expected}", now[stock]);
        }
    }
}

/// The Polish texts of the stock report's items with `reason`.
fn said(report: &Report, reason: &str) -> Vec<String> {
    report
        .sections
        .iter()
        .filter(|s| s.kind == Part::Stock)
        .flat_map(|s| s.problems.iter().chain(&s.notes))
        .filter(|g| g.reason == reason)
        .flat_map(|g| g.items.iter().map(|i| format!("{} {}", i.reference, i.detail_pl)))
        .collect()
}

#[test]
fn rows_keyed_by_product_id_without_id_produktu_are_all_joined() {
    let world = demo_world_in(GENEROUS);
    let rows = rows(&world);
    assert!(rows.changing().count() > 10, "the demo has figures to push");
    let report = stock_run(&world, vec![("listPQuantities", Rc::new(without_id_produktu))]);
    rows.assert_pushed_only(&world, |_| true);
    assert!(said(&report, "unreadable_data").is_empty(), "{:?}", said(&report, "unreadable_data"));
}

#[test]
fn rows_keyed_by_a_row_number_are_joined_by_a_unique_barcode_and_the_rest_reported() {
    for (shape, edit) in [("keyed by row number", keyed_by_row_number as fn(&mut Value)), ("in an array", in_an_array)] {
        let world = demo_world();
        let rows = rows(&world);
        let with_barcode = |systim: u64| !rows.barcodes[&systim].is_empty();
        assert!(rows.changing().any(|(_, s)| with_barcode(s)) && rows.changing().any(|(_, s)| !with_barcode(s)), "both kinds change");
        let report = stock_run(&world, vec![("listPQuantities", Rc::new(edit))]);
        rows.assert_pushed_only(&world, with_barcode);
        // A row without a barcode is reported by its name; its product's stock stays unread.
        let unread = said(&report, "quantity_unreadable");
        let unjoined = said(&report, "unreadable_data");
        let kubek = systim_product_id(&world, "KUB-300");
        assert!(!with_barcode(kubek));
        assert!(unread.iter().any(|t| t.contains("KUB-300")), "{shape}: {unread:?}");
        assert!(
            unjoined.iter().any(|t| t.contains("„Kubek ceramiczny 300 ml”") && t.contains("nie wiadomo, którego produktu dotyczy wiersz")),
            "{shape}: {unjoined:?}"
        );
    }
}

#[test]
fn a_barcode_two_products_share_joins_neither() {
    let world = demo_world();
    let rows = rows(&world);
    let mut changing = rows.changing().filter(|(_, s)| !rows.barcodes[s].is_empty());
    let ((_, first), (_, second)) = (changing.next().unwrap(), changing.next().unwrap());
    let shared = rows.barcodes[&first].clone();
    // The product list gives the second product the first one's barcode.
    let give = move |result: &mut Value| {
        for p in rows_of(result) {
            if p["id"] == json!(second.to_string()) || p["id"] == json!(second) {
                p["kod_kreskowy"] = json!(shared.clone());
            }
        }
    };
    let report = stock_run(&world, vec![("listProducts", Rc::new(give)), ("listPQuantities", Rc::new(in_an_array))]);
    rows.assert_pushed_only(&world, |s| s != first && s != second && !rows.barcodes[&s].is_empty());
    let unjoined = said(&report, "unreadable_data");
    assert!(unjoined.iter().any(|t| t.contains(&format!("kod kreskowy „{}” ma kilka produktów", rows.barcodes[&first]))), "{unjoined:?}");
}

#[test]
fn a_quantity_systim_leaves_null_or_out_is_never_pushed() {
    let world = demo_world();
    let rows = rows(&world);
    let (kubek, herbata) = (systim_product_id(&world, "KUB-300"), systim_product_id(&world, "HER-ZIE-100"));
    let changing: BTreeSet<u64> = rows.changing().map(|(_, s)| s).collect();
    assert!(changing.contains(&kubek) && changing.contains(&herbata), "both would be pushed");
    let unknown = move |result: &mut Value| {
        without_id_produktu(result);
        if let Value::Object(map) = result {
            map.get_mut(&kubek.to_string()).expect("KUB-300's row")["ilosc"] = Value::Null;
            map.get_mut(&herbata.to_string()).expect("HER-ZIE-100's row").as_object_mut().unwrap().remove("ilosc");
        }
    };
    let report = stock_run(&world, vec![("listPQuantities", Rc::new(unknown))]);
    rows.assert_pushed_only(&world, |s| s != kubek && s != herbata);
    let unread = said(&report, "quantity_unreadable");
    for code in ["KUB-300", "HER-ZIE-100"] {
        assert!(unread.iter().any(|t| t.contains(code)), "{code}: {unread:?}");
    }
    let unreadable = said(&report, "unreadable_data");
    assert!(unreadable.iter().any(|t| t.contains("„ilosc”") && t.contains("brak wartości")), "{unreadable:?}");
}
