//! Stock sync of N products with k of them changed in Systim, at both bandwidths.

use crate::floor::Floor;
use crate::report::Row;
use crate::world::World;
use sandbox::catalogue::{self, ShopProduct};
use sandbox::Sandbox;
use shoper_systim::engine::report::{Part, Report, RunKind};
use shoper_systim::settings::Settings;
use std::collections::HashSet;

/// Reading a shop's catalogue of products without variants: two singletons (application-config,
/// categories-tree), the dictionaries (languages, statuses, taxes, units: a page each), the
/// categories, the products and the (empty) variant rows. Warehouses are off in these shops.
pub fn catalogue_floor(sandbox: &Sandbox) -> Floor {
    let shop: Vec<&ShopProduct> = sandbox.scenario.items.iter().filter_map(|i| i.shop.as_ref()).collect();
    let categories = shop.iter().map(|p| p.category.as_str()).collect::<HashSet<_>>().len() as u64;
    Floor::reads(2, &[0, 0, 0, 0, categories, shop.len() as u64, 0])
}

/// A Systim product that has a partner in the shop, and its quantity in store 1 (thousandths).
struct Matched {
    id: u64,
    quantity: i64,
}

pub fn section_done(report: &Report, part: Part) -> u64 {
    report.sections.iter().filter(|s| s.kind == part).map(|s| u64::from(s.counts.done)).sum()
}

/// Systim products whose code the shop holds.
fn matched(world: &World) -> Vec<Matched> {
    let sandbox = world.net.sandbox.borrow();
    let shop_codes: HashSet<&str> = sandbox.scenario.items.iter().filter_map(|i| i.shop.as_ref()).map(|p| p.code.as_str()).collect();
    let state = sandbox.systim.state_json();
    let products = state["products"].as_array().cloned().unwrap_or_default();
    products
        .iter()
        .filter(|p| p["kod_produktu"].as_str().is_some_and(|c| shop_codes.contains(c)))
        .map(|p| Matched { id: p["id"].as_u64().unwrap_or(0), quantity: p["stock_milli"]["1"].as_i64().unwrap_or(0) })
        .collect()
}

/// Raise the Systim quantity of `k` products spread over the catalogue by one unit.
fn change(world: &World, matched: &mut [Matched], k: usize) {
    let step = matched.len() / k.max(1);
    let mut systim = world.net.sandbox.borrow_mut();
    for m in matched.iter_mut().step_by(step.max(1)).take(k) {
        m.quantity += 1_000;
        systim.systim.set_quantity(m.id, 1, m.quantity).expect("systim product");
    }
}

/// Every percentage at every bandwidth, without network latency, each case in a world of its own, so that every case starts from the same heap (the earlier
/// runs' leftovers once made a later 100 % run's engine CPU 0.5–1 s higher than alone).
pub fn cases(n: usize, bandwidths: &[f64], percents: &[usize], rows: &mut Vec<Row>) {
    for &bandwidth in bandwidths {
        for &percent in percents {
            measure_set(n, bandwidth, 0, &[percent], rows);
        }
    }
}

/// One percentage with `latency_ms` of virtual network latency per call: the pacing stays exact
/// when answers arrive late.
pub fn latency_cases(n: usize, percent: usize, latency_ms: u64, bandwidths: &[f64], rows: &mut Vec<Row>) {
    for &bandwidth in bandwidths {
        measure_set(n, bandwidth, latency_ms, &[percent], rows);
    }
}

/// A fresh world per set: the process heap a 100 % run leaves behind slows the next runs' real
/// time (not their calls or virtual time) by half.
fn measure_set(n: usize, bandwidth: f64, latency_ms: u64, percents: &[usize], rows: &mut Vec<Row>) {
    let world = World::new(catalogue::big(n, 0), Settings::default());
    // The shop takes Systim's figures once; from then on exactly the changed ones differ.
    world.run(RunKind::Stock, false, true);
    let mut matched = matched(&world);
    world.limited(bandwidth);
    world.set_latency(latency_ms);
    for &percent in percents {
        let k = (n * percent / 100).min(matched.len());
        change(&world, &mut matched, k);
        let (report, cost) = world.measure(RunKind::Stock);
        let written = section_done(&report, Part::Stock);
        assert_eq!(written, k as u64, "stock {n} × {percent} %: {written} written, {k} changed");
        let floor = catalogue_floor(&world.net.sandbox.borrow()) + Floor::writes(k as u64);
        eprintln!("  {n} × {percent} % at {bandwidth}/s: {} Shoper calls, {} ms virtual, {} ms real ({} engine, {} engine CPU, {} MB received, peak {} MB, engine peak {} MB) {:?} peak MB by phase {:?}", cost.shoper_calls, cost.wall_ms, cost.real_ms, cost.engine_real_ms, cost.engine_cpu_ms, cost.received_bytes / 1_000_000, cost.peak_bytes / 1_000_000, cost.engine_peak_bytes / 1_000_000, cost.real_phases, cost.phase_peaks);
        let latency = if latency_ms > 0 { format!(" latency={latency_ms}ms") } else { String::new() };
        let mut row = Row::new(format!("stock N={n} k={percent}% ({k}) bw={bandwidth}{latency}"), "stock", cost, floor, Some(bandwidth));
        row.latency_ms = latency_ms;
        row.extra("n", n).extra("k", k);
        rows.push(row);
    }
}
