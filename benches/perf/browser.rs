//! Figures measured outside this binary, merged into the report: the browser's planning and
//! 50,000-product stock cases (`wasm-bench {json}` lines of `tests/wasm_bench.rs`, saved by
//! `./build.sh bench` in `target/bench/wasm.log`), the size of the built `.wasm` (`target/pkg`, after wasm-opt) and the
//! popup's time to interactive (`tests/e2e/bench-popup.mjs`, `target/bench/popup.json`).

use crate::report::Row;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// When a file was last written (Unix seconds), so a stale figure shows as such.
fn written_at(path: &Path) -> Option<u64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    modified.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// The browser's cases (`wasm-bench {json}` lines), those of the groups `wanted` names.
pub fn wasm_rows(root: &Path, rows: &mut Vec<Row>, wanted: impl Fn(&str) -> bool) {
    let log = root.join("target/bench/wasm.log");
    let Ok(text) = std::fs::read_to_string(&log) else {
        eprintln!("no {} (run through ./build.sh bench for the browser figures)", log.display());
        return;
    };
    for line in text.lines().filter_map(|l| l.split_once("wasm-bench ").map(|(_, json)| json)) {
        let Ok(Value::Object(mut figures)) = serde_json::from_str::<Value>(line) else { continue };
        let case = figures.remove("case").and_then(|c| c.as_str().map(str::to_string)).unwrap_or_default();
        let group = match figures.remove("group").as_ref().and_then(Value::as_str) {
            Some("stock-wasm") => "stock-wasm",
            Some("systim-wasm") => "systim-wasm",
            _ => "planning",
        };
        if !wanted(group) {
            continue;
        }
        let mut row = Row::offline(case, group);
        row.extra.extend(figures);
        row.extra("measured_at_unix_s", written_at(&log));
        rows.push(row);
    }
}

pub fn wasm_size_row(root: &Path, rows: &mut Vec<Row>) {
    let wasm = root.join("target/pkg/shoper_systim_bg.wasm");
    let Ok(bytes) = std::fs::read(&wasm) else {
        eprintln!("no {} (./build.sh builds it)", wasm.display());
        return;
    };
    let gzipped = Command::new("gzip").args(["-9", "-c"]).arg(&wasm).output().ok().filter(|o| o.status.success()).map(|o| o.stdout.len() as u64);
    let mut row = Row::offline("wasm size (after wasm-opt)".into(), "wasm");
    row.extra("wasm_bytes", bytes.len() as u64).extra("wasm_gzip_bytes", gzipped).extra("measured_at_unix_s", written_at(&wasm));
    rows.push(row);
}

/// The popup's time to interactive and the background's core init, in headless Chromium: the
/// summary `tests/e2e/bench-popup.mjs` writes (`./build.sh bench` runs it after the wasm build
/// and removes the previous file first). Without the file, a row that says so.
pub fn popup_row(root: &Path, rows: &mut Vec<Row>) {
    let file = root.join("target/bench/popup.json");
    let summary = std::fs::read_to_string(&file).ok().and_then(|text| serde_json::from_str::<Value>(&text).ok());
    let Some(Value::Object(mut figures)) = summary else {
        eprintln!("no {} (./build.sh bench measures the popup with tests/e2e/bench-popup.mjs)", file.display());
        let mut row = Row::offline("popup time to interactive".into(), "popup");
        row.extra("not_measured", format!("no {}", file.strip_prefix(root).unwrap_or(&file).display()));
        rows.push(row);
        return;
    };
    // shift_remove: the figures keep the order the script wrote them in
    let case = figures.shift_remove("case").and_then(|c| c.as_str().map(str::to_string)).unwrap_or_else(|| "popup time to interactive".into());
    let mut row = Row::offline(case, "popup");
    row.extra.extend(figures);
    rows.push(row);
}

fn run(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Date, CPU, cores, memory, system and compiler, in one line.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1048576.0);
    let date = run("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let system = run("uname", &["-srm"]).unwrap_or_default();
    let rustc = run("rustc", &["--version"]).unwrap_or_default();
    format!("{date}; {cpu}, {cores} cores, {mem_gib:.0} GiB RAM; {system}; {rustc}")
}
