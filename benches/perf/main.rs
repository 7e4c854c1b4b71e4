//! The benchmark (`./build.sh bench`): the engine's real code paths against the in-process
//! sandbox with Shoper's rate limit on, on a virtual clock (leaky-bucket waits are exact and cost
//! no real time). Prints a table, writes `target/bench/report.json`, and always exits 0: these
//! are figures, not assertions. `cargo bench --bench perf -- stock` runs the cases whose group
//! or name contains `stock`; `--quick` keeps to the small catalogues.

mod alloc;
mod browser;
#[path = "../../tests/common/mod.rs"]
mod common;
mod floor;
mod orders;
#[path = "../plan_world.rs"]
mod plan_world;
mod planning;
mod products;
mod report;
mod stock;
mod systim;
mod targets;
mod world;

use report::Row;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;
use std::time::Instant;

struct Options {
    filters: Vec<String>,
    quick: bool,
    /// `--sizes=1000,10000`: only these catalogue sizes for the stock cases.
    sizes: Option<Vec<usize>>,
    /// `--percents=100`: only these shares of changed products in the stock cases (1, 10, 100).
    percents: Option<Vec<usize>>,
    /// `--bandwidths=10`: only these leaky-bucket bandwidths in the stock cases (2, 10).
    bandwidths: Option<Vec<f64>>,
}

impl Options {
    fn parse() -> Options {
        // `cargo bench` passes `--bench`; everything else not starting with `--` filters.
        let args: Vec<String> = std::env::args().skip(1).collect();
        let sizes = args.iter().find_map(|a| a.strip_prefix("--sizes=")).map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
        let list = |prefix: &str| args.iter().find_map(|a| a.strip_prefix(prefix)).map(|v| v.split(',').map(|n| n.trim().to_string()).collect::<Vec<_>>());
        let percents = list("--percents=").map(|v| v.iter().filter_map(|n| n.parse().ok()).collect());
        let bandwidths = list("--bandwidths=").map(|v| v.iter().filter_map(|n| n.parse().ok()).collect());
        Options {
            quick: args.iter().any(|a| a == "--quick"),
            sizes,
            percents,
            bandwidths,
            filters: args.into_iter().filter(|a| !a.starts_with("--")).collect(),
        }
    }

    fn wants(&self, group: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| group.contains(f.as_str()))
    }
}

fn main() {
    let options = Options::parse();
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    if options.wants("planning") {
        planning::case(50_000, &mut rows);
    }
    if options.wants("systim") {
        for n in options.sizes.clone().unwrap_or(vec![50_000]) {
            systim::case(n, &mut rows);
        }
    }
    if options.wants("stock") {
        let all = if options.quick { vec![1_000] } else { vec![1_000, 10_000, 50_000] };
        for n in options.sizes.clone().unwrap_or(all) {
            let bandwidths = options.bandwidths.clone().unwrap_or(vec![2.0, 10.0]);
            stock::cases(n, &bandwidths, options.percents.as_deref().unwrap_or(&[1, 10, 100]), &mut rows);
            eprintln!("stock N={n} done after {:.1} s", started.elapsed().as_secs_f64());
        }
        stock::latency_cases(10_000, 10, 100, &[2.0, 10.0], &mut rows);
    }
    if options.wants("orders") {
        orders::cases(500, &[2.0, 10.0], &mut rows);
    }
    if options.wants("products") {
        products::cases(1_000, &[2.0, 10.0], &mut rows);
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    browser::wasm_rows(root, &mut rows, |group| options.wants(group));
    if options.wants("wasm") {
        browser::wasm_size_row(root, &mut rows);
    }
    if options.wants("popup") {
        browser::popup_row(root, &mut rows);
    }
    let text = format!("Measured {}.\n\n{}\n{}", browser::machine(), report::table(&rows), targets::summary(&rows));
    println!("{text}");
    let json: Vec<serde_json::Value> = rows.iter().map(Row::to_json).collect();
    let dir = root.join("target/bench");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(dir.join("report.json"), serde_json::to_string_pretty(&json).unwrap_or_default()))
        .and_then(|_| std::fs::write(dir.join("report.md"), &text));
    match written {
        Ok(()) => eprintln!("wrote {}", dir.join("report.json").display()),
        Err(e) => eprintln!("could not write the report: {e}"),
    }
    eprintln!("benchmark finished in {:.1} s", started.elapsed().as_secs_f64());
}
