//! Order import of M storefront orders (about three lines each) into Systim.

use crate::floor::Floor;
use crate::report::Row;
use crate::stock::section_done;
use crate::world::World;
use pollster::block_on;
use sandbox::catalogue;
use shoper_systim::engine::report::{Part, RunKind};
use shoper_systim::settings::{Settings, StartPoint};

/// Ids per `order_id IN […]` filter when order lines are read.
const IDS_PER_FILTER: usize = 50;

fn settings(shipping_product: u64) -> Settings {
    let mut s = Settings::default();
    s.orders.shipping_product_id = Some(shipping_product);
    s.orders.start = StartPoint::OrderId(1);
    s.orders.default_delivery_id = Some(1);
    s.orders.default_payment_id = Some(1);
    s
}

pub fn cases(orders: usize, bandwidths: &[f64], rows: &mut Vec<Row>) {
    for &bandwidth in bandwidths {
        let mut scenario = catalogue::big(1_000, orders);
        let scenario_lines: Vec<u64> = scenario.orders.iter().map(|o| o.lines.len() as u64).collect();
        let lines: u64 = scenario_lines.iter().sum();
        // A product only in Systim becomes the service that carries shipping costs.
        let shipping = scenario.items.iter_mut().find_map(|i| if i.shop.is_none() { i.systim.as_mut() } else { None }).expect("a Systim-only product");
        shipping.kind = 1;
        let code = shipping.code.clone();
        let world = World::new(scenario, Settings::default());
        let id = world.net.sandbox.borrow().systim.product_ids_by_code(&code)[0];
        block_on(world.engine.save_settings(settings(id))).expect("settings");
        world.warm_up(RunKind::Orders);
        world.limited(bandwidth);
        let (report, cost) = world.measure(RunKind::Orders);
        let imported = section_done(&report, Part::Orders);
        eprintln!(
            "  {orders} orders at {bandwidth}/s: {imported} imported, {} Shoper calls, {} Systim calls, {} ms virtual, {} ms real",
            cost.shoper_calls, cost.systim_calls, cost.wall_ms, cost.real_ms
        );
        // The dictionaries (application-config; languages, statuses) with the first page of new
        // orders, the further pages of the keyset one by one, then the lines of 50 orders per
        // filter in two rounds.
        let per_filter: Vec<u64> = scenario_lines.chunks(IDS_PER_FILTER).map(|c| c.iter().sum()).collect();
        let floor = Floor::reads(1, &[0, 0, 0]) + Floor::keyset_rest(orders as u64) + Floor::reads(0, &per_filter);
        let mut row = Row::new(format!("orders M={orders} ({lines} lines) bw={bandwidth}"), "orders", cost, floor, Some(bandwidth));
        row.extra("orders", orders).extra("lines", lines).extra("imported", imported);
        rows.push(row);
    }
}
