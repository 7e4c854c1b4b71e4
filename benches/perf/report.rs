//! One row per case: `target/bench/report.json` and the table printed (and kept in
//! docs/benchmarks.md).

use crate::floor::{bucket_ms, Floor};
use crate::targets;
use crate::world::{Cost, LIMIT};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

pub struct Row {
    pub case: String,
    /// stock, orders, products, planning, wasm, popup.
    pub group: &'static str,
    pub cost: Option<Cost>,
    pub floor: Option<Floor>,
    /// The shop's bandwidth when the case ran rate-limited.
    pub bandwidth: Option<f64>,
    /// Virtual network latency of every call.
    pub latency_ms: u64,
    pub extra: Map<String, Value>,
}

impl Row {
    pub fn new(case: String, group: &'static str, cost: Cost, floor: Floor, bandwidth: Option<f64>) -> Row {
        Row { case, group, cost: Some(cost), floor: Some(floor), bandwidth, latency_ms: 0, extra: Map::new() }
    }

    /// A case without API calls (planning).
    pub fn offline(case: String, group: &'static str) -> Row {
        Row { case, group, cost: None, floor: None, bandwidth: None, latency_ms: 0, extra: Map::new() }
    }

    pub fn extra(&mut self, key: &str, value: impl Into<Value>) -> &mut Row {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// The bucket's least time for the floor's calls; with latency, also no less than the
    /// calls one after another (one request in flight), and the last call's own trip.
    pub fn floor_ms(&self) -> Option<u64> {
        let calls = self.floor?.calls;
        let bucket = bucket_ms(calls, LIMIT, self.bandwidth?);
        Some(if self.latency_ms == 0 { bucket } else { (calls * self.latency_ms).max(bucket + self.latency_ms) })
    }

    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("case".into(), json!(self.case));
        o.insert("group".into(), json!(self.group));
        if let (Some(c), Some(f)) = (&self.cost, &self.floor) {
            o.insert("shoper_calls".into(), json!(c.shoper_calls));
            o.insert("systim_calls".into(), json!(c.systim_calls));
            o.insert("http_429".into(), json!(c.http_429));
            o.insert("wall_ms".into(), json!(c.wall_ms));
            o.insert("floor_calls".into(), json!(f.calls));
            o.insert("floor_ms".into(), json!(self.floor_ms()));
            o.insert("shoper_bulk_calls".into(), json!(c.shoper_bulk));
            o.insert("shoper_ops".into(), json!(c.shoper_ops));
            o.insert("shoper_page_calls".into(), json!(c.shoper_page_calls));
            o.insert("floor_page_calls".into(), json!(f.page_calls));
            o.insert("peak_bucket_level".into(), json!(c.peak_bucket));
            o.insert("real_ms".into(), json!(c.real_ms));
            o.insert("engine_real_ms".into(), json!(c.engine_real_ms));
            o.insert("engine_cpu_ms".into(), json!(c.engine_cpu_ms));
            o.insert("received_bytes".into(), json!(c.received_bytes));
            o.insert("peak_bytes".into(), json!(c.peak_bytes));
            o.insert("engine_peak_bytes".into(), json!(c.engine_peak_bytes));
            o.insert("real_ms_by_phase".into(), Value::Object(c.real_phases.iter().map(|(p, ms)| (p.clone(), json!(ms))).collect()));
            o.insert("bandwidth".into(), json!(self.bandwidth));
            o.insert("latency_ms".into(), json!(self.latency_ms));
            o.insert("calls_by_endpoint".into(), json!(c.by_endpoint));
        }
        o.extend(self.extra.clone());
        o.insert("targets".into(), targets::to_json(&targets::check(self)));
        Value::Object(o)
    }
}

fn cell(v: Option<u64>) -> String {
    v.map_or_else(|| "—".into(), |v| v.to_string())
}

/// A Markdown table of the API cases, then one of the offline ones.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str("| case | Shoper calls | floor | bulk | page calls | floor page calls | Systim calls | 429 | wall ms (virtual) | floor ms | real ms | engine ms | engine CPU ms | peak MB | engine peak MB |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let (Some(c), Some(f)) = (&r.cost, &r.floor) else { continue };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.case,
            c.shoper_calls,
            f.calls,
            c.shoper_bulk,
            c.shoper_page_calls,
            f.page_calls,
            c.systim_calls,
            c.http_429,
            c.wall_ms,
            cell(r.floor_ms()),
            c.real_ms,
            c.engine_real_ms,
            c.engine_cpu_ms,
            c.peak_bytes / 1_000_000,
            c.engine_peak_bytes / 1_000_000
        );
    }
    let offline: Vec<&Row> = rows.iter().filter(|r| r.cost.is_none()).collect();
    if !offline.is_empty() {
        out.push_str("\n| case | figures |\n|---|---|\n");
        for r in offline {
            let figures: Vec<String> = r.extra.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let _ = writeln!(out, "| {} | {} |", r.case, figures.join(", "));
        }
    }
    out
}
