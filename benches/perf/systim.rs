//! Reading Systim alone, as a stock run reads it: the dictionaries, the whole product list (one
//! answer: Systim has no pages) and the quantities of every store — the engine's own time and
//! memory for the answers, the sandbox's work of building them left out. Best of a few reads.

use crate::common::harness::connection;
use crate::report::Row;
use crate::world::{Cost, World};
use sandbox::catalogue;
use shoper_systim::engine::session::Session;
use shoper_systim::settings::Settings;

const RUNS: usize = 3;

pub fn case(n: usize, rows: &mut Vec<Row>) {
    let world = World::new(catalogue::big(n, 0), Settings::default());
    let settings = Settings::default();
    let conn = connection(&world.net);
    let mut session = Session::open(&world.http, &world.net.clock, &conn).expect("session");
    let mut best: Option<Cost> = None;
    let (mut products, mut problems) = (0, 0);
    for _ in 0..RUNS {
        let (read, cost) = world.measure_work(session.read_systim(&settings, true, 0));
        let read = read.expect("Systim read");
        (products, problems) = (read.snapshot.products.len(), read.problems.len());
        drop(read);
        if best.as_ref().is_none_or(|b| cost.engine_cpu_ms < b.engine_cpu_ms) {
            best = Some(cost);
        }
    }
    let cost = best.expect("a run");
    eprintln!(
        "  Systim read of {n} products: {} ms engine CPU ({} ms engine, {} real), {} MB received, peak {} MB, engine peak {} MB",
        cost.engine_cpu_ms,
        cost.engine_real_ms,
        cost.real_ms,
        cost.received_bytes / 1_000_000,
        cost.peak_bytes / 1_000_000,
        cost.engine_peak_bytes / 1_000_000
    );
    let mut row = Row::offline(format!("Systim read N={n} (native)"), "systim");
    row.extra("engine_cpu_ms", cost.engine_cpu_ms)
        .extra("engine_ms", cost.engine_real_ms)
        .extra("real_ms", cost.real_ms)
        .extra("received_bytes", cost.received_bytes)
        .extra("peak_bytes", cost.peak_bytes)
        .extra("engine_peak_bytes", cost.engine_peak_bytes)
        .extra("systim_calls", cost.systim_calls)
        .extra("products", products as u64)
        .extra("problems", problems as u64)
        .extra("runs", RUNS as u64);
    rows.push(row);
}
