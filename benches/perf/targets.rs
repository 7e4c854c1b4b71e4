//! The targets, checked row by row (reported, never asserted).

use crate::report::Row;
use serde_json::{json, Value};

pub struct Target {
    pub name: &'static str,
    pub holds: bool,
    /// The measured value against its limit, in words.
    pub detail: String,
}

fn target(name: &'static str, holds: bool, detail: String) -> Target {
    Target { name, holds, detail }
}

fn number(row: &Row, key: &str) -> Option<f64> {
    row.extra.get(key).and_then(Value::as_f64)
}

/// Orders imported per case come in the `orders` extra; "a fixed few" Systim calls is taken
/// as at most 10.
const FIXED_FEW: u64 = 10;
const MAX_PLAN_MS_NATIVE: f64 = 100.0;
const MAX_PLAN_MS_WASM: f64 = 300.0;
const MAX_PLAN_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
const MAX_WASM_GZIP_BYTES: f64 = 300.0 * 1024.0;
/// Issue #12: a stock run over 50,000 products, natively — the engine's own memory (the answers
/// it receives included, the sandbox's work of building them left out) and CPU time.
const BIG_STOCK_N: f64 = 50_000.0;
const MAX_BIG_STOCK_ENGINE_BYTES: u64 = 64 * 1024 * 1024;
const MAX_BIG_STOCK_ENGINE_CPU_MS: u64 = 1_500;

pub fn check(row: &Row) -> Vec<Target> {
    let mut out = Vec::new();
    if let (Some(c), Some(f)) = (&row.cost, &row.floor) {
        if row.group == "stock" {
            out.push(target("calls ≤ floor + 10", c.shoper_calls <= f.calls + 10, format!("{} ≤ {} + 10", c.shoper_calls, f.calls)));
        }
        if row.group == "stock" && row.latency_ms == 0 && number(row, "n") == Some(BIG_STOCK_N) {
            let mib = c.engine_peak_bytes as f64 / 1048576.0;
            out.push(target("50k stock: engine peak ≤ 64 MiB", c.engine_peak_bytes <= MAX_BIG_STOCK_ENGINE_BYTES, format!("{mib:.1} MiB ≤ 64 MiB")));
            let cpu = c.engine_cpu_ms;
            out.push(target("50k stock: engine CPU ≤ 1.5 s", cpu <= MAX_BIG_STOCK_ENGINE_CPU_MS, format!("{cpu} ms ≤ {MAX_BIG_STOCK_ENGINE_CPU_MS} ms")));
        }
        if row.group == "orders" {
            let orders = number(row, "orders").unwrap_or(0.0) as u64;
            let beyond = c.shoper_calls.saturating_sub(f.calls);
            out.push(target("≤ 1 Shoper call per order beyond list pages", beyond <= orders, format!("{beyond} beyond the floor for {orders} orders")));
            out.push(target(
                "1 Systim call per order + a fixed few",
                c.systim_calls <= orders + FIXED_FEW,
                format!("{} ≤ {orders} + {FIXED_FEW}", c.systim_calls),
            ));
        }
        if let Some(floor_ms) = row.floor_ms() {
            let limit = floor_ms as f64 * 1.10;
            out.push(target("wall ≤ 1.10 × floor", c.wall_ms as f64 <= limit, format!("{} ms ≤ {limit:.0} ms", c.wall_ms)));
        }
        out.push(target("429s ≤ 1 % of calls", c.http_429 * 100 <= c.shoper_calls, format!("{} of {}", c.http_429, c.shoper_calls)));
    }
    if row.group == "planning" {
        let limit = if row.case.contains("native") { MAX_PLAN_MS_NATIVE } else { MAX_PLAN_MS_WASM };
        if let Some(ms) = number(row, "plan_ms") {
            out.push(target("planning time", ms < limit, format!("{ms:.1} ms < {limit} ms")));
        }
        if let Some(bytes) = number(row, "peak_bytes") {
            out.push(target("planning peak memory", bytes < MAX_PLAN_BYTES, format!("{:.1} MiB < 64 MiB", bytes / 1048576.0)));
        }
    }
    if let Some(gz) = number(row, "wasm_gzip_bytes") {
        out.push(target(".wasm gzipped", gz <= MAX_WASM_GZIP_BYTES, format!("{:.1} KiB ≤ 300 KiB", gz / 1024.0)));
    }
    out
}

pub fn to_json(targets: &[Target]) -> Value {
    Value::Array(targets.iter().map(|t| json!({"target": t.name, "holds": t.holds, "detail": t.detail})).collect())
}

/// Every target of every row, the ones that do not hold first.
pub fn summary(rows: &[Row]) -> String {
    let mut lines: Vec<(bool, String)> = rows
        .iter()
        .flat_map(|r| {
            check(r).into_iter().map(move |t| (t.holds, format!("{} {} — {}: {}", if t.holds { "holds" } else { "MISSED" }, r.case, t.name, t.detail)))
        })
        .collect();
    lines.sort_by_key(|(holds, _)| *holds);
    lines.into_iter().map(|(_, l)| l + "\n").collect()
}
