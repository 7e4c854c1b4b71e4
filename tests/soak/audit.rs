//! The soak's verdict, from the sandbox's own state and request log and the recorded truth —
//! never from the engine's reports or storage.

use crate::activity::Truth;
use crate::common::harness::{systim_product_id, START_DATE};
use crate::common::oracle::{audit_orders, code_counts, demanded, eligible_pairs, expected_stock_in, id, milli, shop_stock_in, systim_lines, systim_orders_by_marker, Pair};
use crate::common::world::World;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Default, Serialize)]
pub struct Figures {
    pub orders_placed: u64,
    /// Shop orders with a copy in Systim.
    pub orders_in_systim: u64,
    /// Extra Systim copies of a shop order.
    pub duplicates: u64,
    /// Eligible orders not in Systim.
    pub missing: u64,
    /// Orders in Systim with other lines or another total than the shop's.
    pub wrong_orders: u64,
    /// Orders in Systim that must not be there (other origins, cancelled, unknown products).
    pub unwanted_orders: u64,
    /// Shop products created more than once (codes held by more rows than before the soak).
    pub duplicate_products: u64,
    pub faults_injected: u64,
    pub restarts: u64,
    pub runs: u64,
    /// Stock writes that reached the shop.
    pub stock_writes: u64,
    /// Eligible rows whose final value is not what the rules demand, plus writes to rows the
    /// rules leave alone.
    pub stock_mismatches: u64,
    /// Writes above Systim's figure minus what imported open orders reserved at that moment.
    pub unsell_writes: u64,
    /// Writes of 0 where even every open order of the shop left something to sell.
    pub zeroed_unreadable: u64,
    /// What each counted problem was, for the failure message.
    #[serde(skip)]
    pub details: Vec<String>,
}

impl Figures {
    pub fn is_clean(&self) -> bool {
        [self.duplicates, self.missing, self.wrong_orders, self.unwanted_orders, self.duplicate_products, self.stock_mismatches, self.unsell_writes, self.zeroed_unreadable].iter().all(|n| *n == 0)
    }
}

/// One stock value written to the shop: by row, or (a product created) by code.
struct Write {
    at: u64,
    row: Option<u64>,
    code: Option<String>,
    value: i64,
}

/// Stock writes that reached the shop (a refused or replaced answer committed nothing; a slow or
/// dropped one did), from the sandbox's request log (`LogEntry` as JSON).
fn stock_writes(log: &[Value]) -> Vec<Write> {
    let mut out = Vec::new();
    for e in log.iter().filter(|e| e["service"] == "shoper" && e["status"] == 200) {
        let body = &e["body"];
        if body.is_null() {
            continue;
        }
        let at = id(&e["time_ms"]);
        match (e["method"].as_str().unwrap_or(""), e["path"].as_str().unwrap_or("").trim_start_matches("/webapi/rest/")) {
            ("POST", "bulk") => {
                for op in body.as_array().into_iter().flatten().filter(|op| op["method"] == "PUT") {
                    out.extend(row_write(at, op["path"].as_str().unwrap_or(""), &op["body"]));
                }
            }
            ("PUT", path) => out.extend(row_write(at, path, body)),
            ("POST", "products") => {
                if let Some(v) = body["stock"].get("stock") {
                    out.push(Write { at, row: None, code: body["code"].as_str().map(str::to_string), value: milli(v) });
                }
            }
            _ => {}
        }
    }
    out
}

fn row_write(at: u64, path: &str, body: &Value) -> Option<Write> {
    let row = path.rsplit_once("product-stocks/")?.1.parse().ok()?;
    Some(Write { at, row: Some(row), code: None, value: milli(body.get("stock")?) })
}

/// Quantities held back for a product over time: (from, until, thousandths).
type Intervals = BTreeMap<u64, Vec<(u64, u64, i64)>>;

fn held_at(intervals: &Intervals, product: u64, t: u64) -> i64 {
    intervals.get(&product).into_iter().flatten().filter(|(from, until, _)| *from <= t && t < *until).map(|(_, _, q)| q).sum()
}

/// What imported orders reserve: each Systim copy's lines, from its creation until its shop
/// order was shipped or cancelled.
fn reservations(state: &Value, truth: &Truth) -> Intervals {
    let mut out = Intervals::new();
    for (order_id, copies) in systim_orders_by_marker(state) {
        let until = truth.closed_at(order_id).unwrap_or(u64::MAX);
        for copy in copies {
            let from = id(&copy["created_ms"]);
            for (product, qty, _) in systim_lines(&copy) {
                out.entry(product).or_default().push((from, until, qty));
            }
        }
    }
    out
}

/// The most any engine could hold back: every order of the shop, imported or not, while open.
fn most_held(truth: &Truth) -> Intervals {
    let mut out = Intervals::new();
    for (order_id, order) in &truth.orders {
        let until = truth.closed_at(*order_id).unwrap_or(u64::MAX);
        for (product, qty) in &order.lines {
            out.entry(*product).or_default().push((order.placed_ms, until, *qty));
        }
    }
    out
}

/// Judge every stock write against the truth at its moment.
fn judge_writes(figures: &mut Figures, writes: &[Write], pairs: &[Pair], state: &Value, truth: &Truth) {
    let by_row: BTreeMap<u64, &Pair> = pairs.iter().map(|p| (p.stock_id, p)).collect();
    let by_code: BTreeMap<&str, &Pair> = pairs.iter().map(|p| (p.code.as_str(), p)).collect();
    let reserved = reservations(state, truth);
    let most = most_held(truth);
    for w in writes {
        let pair = match (&w.row, &w.code) {
            (Some(row), _) => by_row.get(row),
            (None, Some(code)) => by_code.get(code.as_str()),
            _ => None,
        };
        let Some(pair) = pair else {
            figures.stock_mismatches += 1;
            figures.details.push(format!("row {:?} / code {:?}, which the rules leave alone, set to {} at {}", w.row, w.code, w.value, w.at));
            continue;
        };
        let quantity = truth.quantity_at(pair.systim_id, w.at);
        let allowed = demanded(quantity - held_at(&reserved, pair.systim_id, w.at), pair.fractional);
        if w.value > allowed {
            figures.unsell_writes += 1;
            figures.details.push(format!("{} set to {} at {}: Systim {quantity}, {allowed} left after imported open orders", pair.code, w.value, w.at));
        }
        if w.value == 0 && demanded(quantity - held_at(&most, pair.systim_id, w.at), pair.fractional) > 0 {
            figures.zeroed_unreadable += 1;
            figures.details.push(format!("{} zeroed at {} while Systim had {quantity}", pair.code, w.at));
        }
    }
}

/// The verdict after the final fault-free run.
pub fn figures<W: World>(world: &W, truth: &Truth) -> Figures {
    let state = world.state();
    let orders = audit_orders(&state, START_DATE, systim_product_id(world, "DOSTAWA"));
    let mut figures = Figures {
        orders_in_systim: systim_orders_by_marker(&state).len() as u64,
        duplicates: u64::from(orders.duplicates),
        missing: orders.missing.len() as u64,
        wrong_orders: orders.wrong.len() as u64,
        unwanted_orders: orders.unwanted.len() as u64,
        faults_injected: id(&state["faults_injected"]),
        ..Figures::default()
    };
    for (code, n) in code_counts(world, &state) {
        let before = truth.codes_at_start.get(&code).copied().unwrap_or(0);
        if n > before.max(1) {
            figures.duplicate_products += (n - before.max(1)) as u64;
            figures.details.push(format!("{n} shop rows with code {code:?}, {before} before"));
        }
    }
    let expected = expected_stock_in(world, &state);
    let now = shop_stock_in(world, &state);
    for (row, want) in &expected {
        if now.get(row) != Some(want) {
            figures.stock_mismatches += 1;
            figures.details.push(format!("row {row} ends at {:?}, the rules demand {want}", now.get(row)));
        }
    }
    let writes = stock_writes(&world.log());
    figures.stock_writes = writes.len() as u64;
    judge_writes(&mut figures, &writes, &eligible_pairs(world, &state), &state, truth);
    figures
}
