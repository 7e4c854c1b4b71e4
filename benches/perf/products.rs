//! Product push: Systim products missing in the shop created there.

use crate::floor::{Floor, PAGE};
use crate::report::Row;
use crate::stock::{catalogue_floor, section_done};
use crate::world::World;
use sandbox::catalogue;
use shoper_systim::engine::report::{Part, RunKind};
use shoper_systim::settings::Settings;

pub fn cases(new: usize, bandwidths: &[f64], rows: &mut Vec<Row>) {
    for &bandwidth in bandwidths {
        // Twice as many products as are pushed; `big` leaves every hundredth out of the shop,
        // and so many more odd ones are taken out that exactly `new` are only in Systim.
        let mut scenario = catalogue::big(2 * new, 0);
        let missing = scenario.items.iter().filter(|i| i.shop.is_none()).count();
        for item in scenario.items.iter_mut().skip(1).step_by(2).take(new - missing) {
            item.shop = None;
        }
        let world = World::new(scenario, Settings::default());
        world.warm_up(RunKind::Products);
        world.limited(bandwidth);
        let (report, cost) = world.measure(RunKind::Products);
        let created = section_done(&report, Part::Products);
        eprintln!(
            "  push {new} at {bandwidth}/s: {created} created, {} Shoper calls, {} ms virtual, {} ms real",
            cost.shoper_calls, cost.wall_ms, cost.real_ms
        );
        // The catalogue, a guard read per 50 codes (`code IN […]`, a page each) in one round, the
        // creations 25 to a bulk call.
        let guards = vec![0; new.div_ceil(PAGE as usize)];
        let floor = catalogue_floor(&world.net.sandbox.borrow()) + Floor::reads(0, &guards) + Floor::writes(new as u64);
        let mut row = Row::new(format!("product push {new} bw={bandwidth}"), "products", cost, floor, Some(bandwidth));
        row.extra("created", created);
        rows.push(row);
    }
}
