//! What happens around the engine during the soak, between two runs: customers buy in the
//! storefront, the warehouse changes Systim's stock, shipped orders are issued from Systim, the
//! merchant logs into Systim's web panel (its API tokens die), Shoper tokens expire, another app
//! eats the shop's rate limit. Every change the engine's writes are judged against is recorded
//! with its time: the truth the audit uses.

use crate::common::harness::inject;
use crate::common::oracle::{
    code_counts, eligible_pairs, id, milli, status_is_open, systim_ids_by_code, systim_orders_by_marker, wz_documents, wz_issued_by_order, Pair,
};
use crate::common::world::World;
use sandbox::catalogue::Rng;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Systim's main (and in the demo only) store.
const STORE: u64 = 1;
/// Status a shipped order gets in the shop.
pub const SHIPPED: u64 = 7;
/// "gotowe do wysłania": an open status. With the WZ on it triggers the document, and the
/// extension's WZ takes the goods off Systim's stock while the order is still open.
pub const READY: u64 = 6;
const CANCELLED: u64 = 8;

/// A shop order and the Systim products its lines take (lines without a Systim product left
/// out).
#[derive(Clone, Debug)]
pub struct PlacedOrder {
    pub placed_ms: u64,
    pub lines: Vec<(u64, i64)>,
}

/// What the engine had to respect, with times (virtual ms).
#[derive(Default)]
pub struct Truth {
    /// Systim product → its quantity from each time on (the first entry at time 0).
    pub quantity: BTreeMap<u64, Vec<(u64, i64)>>,
    pub orders: BTreeMap<u64, PlacedOrder>,
    /// Shop order → its status from each time on.
    pub statuses: BTreeMap<u64, Vec<(u64, u64)>>,
    /// How many shop rows carried each code before the first run.
    pub codes_at_start: BTreeMap<String, usize>,
}

impl Truth {
    /// The Systim figure of a product at `t`.
    pub fn quantity_at(&self, product: u64, t: u64) -> i64 {
        self.quantity.get(&product).and_then(|changes| changes.iter().rev().find(|(at, _)| *at <= t)).map(|(_, q)| *q).unwrap_or(0)
    }

    /// The Systim figure of a product now (the engine never changes it; only the world does).
    fn latest(&self, product: u64) -> i64 {
        self.quantity_at(product, u64::MAX)
    }

    /// When the order stopped being open (shipped, cancelled), if it did; `Some(placed)` for an
    /// order that was never open.
    pub fn closed_at(&self, order_id: u64) -> Option<u64> {
        self.statuses.get(&order_id)?.iter().find(|(_, status)| !status_is_open(*status)).map(|(at, _)| *at)
    }

    fn set_status(&mut self, order_id: u64, t: u64, status: u64) {
        self.statuses.entry(order_id).or_default().push((t, status));
    }

    fn set_quantity(&mut self, product: u64, t: u64, quantity: i64) {
        self.quantity.entry(product).or_default().push((t, quantity));
    }
}

pub struct Activity {
    rng: Rng,
    /// Shop rows the stock rules apply to: what customers buy and the warehouse restocks.
    pairs: Vec<Pair>,
    pub truth: Truth,
    /// Storefront orders placed during the soak.
    pub placed: u64,
    /// Token deaths and rate-limit bursts caused (besides the sandbox's random faults).
    pub disturbances: u64,
    /// The extension issues the WZ of each document (`invoicing.issue_wz`): orders go to
    /// [`READY`] first, and only the extension's WZ takes their goods off Systim's stock.
    wz: bool,
    /// WZ documents already in the truth, and the sales documents they were issued for.
    wz_seen: std::collections::BTreeSet<u64>,
    wz_documents_of: std::collections::BTreeSet<u64>,
}

impl Activity {
    /// Record the world as it is before the first run.
    pub fn new<W: World>(world: &W, seed: u64, wz: bool) -> Activity {
        let state = world.state();
        let pairs = eligible_pairs(world, &state);
        let mut truth = Truth { codes_at_start: code_counts(world, &state), ..Truth::default() };
        for p in state["systim"]["products"].as_array().into_iter().flatten() {
            let total: i64 = p["stock_milli"].as_object().map(|m| m.values().filter_map(Value::as_i64).sum()).unwrap_or(0);
            truth.set_quantity(id(&p["id"]), 0, total);
        }
        // Lines of the seeded orders by Systim code, whether the shop still sells the product or not.
        let by_code: BTreeMap<String, u64> =
            systim_ids_by_code(&state).into_iter().filter_map(|(code, ids)| (ids.len() == 1).then(|| (code, ids[0]))).collect();
        for o in state["shoper"]["orders"].as_array().into_iter().flatten() {
            let lines = o["lines"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| by_code.get(l["code"].as_str().unwrap_or("")).map(|pid| (*pid, milli(&l["quantity"]))))
                .collect();
            truth.orders.insert(id(&o["order_id"]), PlacedOrder { placed_ms: 0, lines });
            truth.set_status(id(&o["order_id"]), 0, id(&o["status_id"]));
        }
        Activity { rng: Rng::new(seed), pairs, truth, placed: 0, disturbances: 0, wz, wz_seen: Default::default(), wz_documents_of: Default::default() }
    }

    /// Everything that happens between two runs (about a minute of a shop's life).
    pub fn step<W: World>(&mut self, world: &W) {
        self.absorb_wzs(world);
        for _ in 0..self.rng.below(4) {
            self.place_order(world);
        }
        for _ in 0..self.rng.below(3) {
            self.restock(world);
        }
        self.ship_orders(world);
        self.disturb(world);
        // Whatever the next run does comes strictly after all of this.
        world.tick();
    }

    fn pick(&mut self) -> Pair {
        self.pairs[self.rng.below(self.pairs.len() as u64) as usize].clone()
    }

    /// A customer's order of one to three products in stock, often with a discount on the whole
    /// order; now and then one with a product Systim does not have (held, never imported) or
    /// cancelled at once (never imported).
    fn place_order<W: World>(&mut self, world: &W) {
        let lines: Vec<Pair> = (0..1 + self.rng.below(3)).map(|_| self.pick()).collect();
        let mut spec_lines: Vec<Value> = lines.iter().map(|p| json!({"stock_id": p.stock_id, "quantity": 1 + self.rng.below(2)})).collect();
        if self.rng.chance(0.04) {
            spec_lines.push(json!({"code": "SKL-TYLKO", "quantity": 1}));
        }
        let status = if self.rng.chance(0.03) { CANCELLED } else { 1 };
        let shipping = if self.rng.chance(0.5) { "14.99" } else { "0.00" };
        let mut spec = json!({"lines": spec_lines, "status_id": status, "shipping_cost": shipping, "email": format!("klient{}@example.pl", self.placed)});
        // About a third of the customers bring a discount on the whole order: a code (percent,
        // amount, free shipping, 100 %, percent with free shipping), their own or their group's.
        match self.rng.below(12) {
            n @ 0..=4 => spec["promo_code"] = json!(["ZIMA10", "RABAT20", "DARMOWA", "GRATIS100", "LATO15"][n as usize]),
            5 => spec["discount_client"] = json!("5"),
            6 => {
                spec["discount_group"] = json!("7.5");
                spec["discount_levels"] = json!("2");
            }
            _ => {}
        }
        // Out of stock in the shop: the customer goes away.
        let Ok(answer) = world.try_control("POST", "/orders", spec.clone()) else { return };
        let order_id = id(&answer["order_id"]);
        let t = world.server_now();
        let taken = lines.iter().zip(&spec_lines).map(|(p, l)| (p.systim_id, id(&l["quantity"]) as i64 * 1000)).collect();
        self.truth.orders.insert(order_id, PlacedOrder { placed_ms: t, lines: taken });
        self.truth.set_status(order_id, t, status);
        self.placed += 1;
    }

    /// A delivery or a stocktaking sets a product's Systim figure.
    fn restock<W: World>(&mut self, world: &W) {
        let pair = self.pick();
        let quantity = self.rng.below(40) as i64 * 1000;
        self.set_systim_quantity(world, pair.systim_id, quantity);
    }

    fn set_systim_quantity<W: World>(&mut self, world: &W, product: u64, quantity: i64) {
        let text = format!("{}{}.{:03}", if quantity < 0 { "-" } else { "" }, quantity.abs() / 1000, quantity.abs() % 1000);
        world.control("POST", "/systim/stock", json!({"product_id": product, "store_id": STORE, "quantity": text}));
        self.truth.set_quantity(product, world.server_now(), quantity);
    }

    /// The WZs the extension issued since the last look: Systim's figure dropped by their lines
    /// when each was made (during the run just ended, after every change recorded so far). A
    /// second WZ of the same document — a copy the browser's resend made, which no method can
    /// show — counts from now on: it lowered the figure after the run had read it, a change the
    /// engine could not have known (it sees it from the next run on, under-selling until the
    /// merchant deletes the copy).
    pub fn absorb_wzs<W: World>(&mut self, world: &W) {
        let mut new: Vec<Value> = wz_documents(&world.state()).into_iter().filter(|d| !self.wz_seen.contains(&id(&d["id"]))).collect();
        new.sort_by_key(|d| (id(&d["created_ms"]), id(&d["id"])));
        let now = world.server_now();
        let (mut first, mut copies) = (Vec::new(), Vec::new());
        for d in new {
            self.wz_seen.insert(id(&d["id"]));
            if self.wz_documents_of.insert(id(&d["id_faktury"])) {
                first.push((id(&d["created_ms"]), d));
            } else {
                copies.push((now, d));
            }
        }
        for (at, d) in first.into_iter().chain(copies) {
            for l in d["lines"].as_array().into_iter().flatten() {
                let product = id(&l["id_produktu"]);
                let left = self.truth.latest(product) - l["ilosc_milli"].as_i64().unwrap_or(0);
                self.truth.set_quantity(product, at, left);
            }
        }
    }

    /// Some imported orders still open are shipped: their status moves on in the shop and Systim
    /// issues their lines (its figure drops by them), as a goods-issue document would. With the
    /// WZ on, the extension issues it: orders are made ready first (the document's trigger), and
    /// a ready order is shipped once its WZ is in Systim — Systim's figure is left to the WZ.
    fn ship_orders<W: World>(&mut self, world: &W) {
        let state = world.state();
        let in_systim = systim_orders_by_marker(&json!({"systim": {"orders": state["systim"]["orders"]}}));
        let with_wz = wz_issued_by_order(&state);
        for (order_id, copies) in in_systim {
            let status = self.truth.statuses.get(&order_id).and_then(|s| s.last()).map(|(_, status)| *status);
            let open = status.is_some_and(status_is_open);
            if !open || !self.rng.chance(0.15) {
                continue;
            }
            if self.wz {
                let next = if status != Some(READY) {
                    READY
                } else if with_wz.contains_key(&order_id) {
                    SHIPPED
                } else {
                    continue;
                };
                world.shop_rest("PUT", &format!("orders/{order_id}"), Some(&json!({"status_id": next})));
                self.truth.set_status(order_id, world.server_now(), next);
                continue;
            }
            world.shop_rest("PUT", &format!("orders/{order_id}"), Some(&json!({"status_id": SHIPPED})));
            self.truth.set_status(order_id, world.server_now(), SHIPPED);
            for line in copies[0]["lines"].as_array().into_iter().flatten() {
                let product = id(&line["id"]);
                let left = self.truth.latest(product) - id(&line["ilosc_milli"]) as i64;
                self.set_systim_quantity(world, product, left);
            }
        }
    }

    /// Now and then, in the middle of the next run: Shoper tokens expire, the merchant logs into
    /// Systim (its API tokens die), or another app eats the shop's rate limit.
    fn disturb<W: World>(&mut self, world: &W) {
        let at_call = 1 + self.rng.below(60) as u32;
        let w = world.clone();
        match self.rng.below(20) {
            0 => world.before_call("", at_call, move || drop(w.control("POST", "/shoper/expire-tokens", Value::Null))),
            1 => world.before_call("", at_call, move || drop(w.control("POST", "/systim/kill-tokens", Value::Null))),
            2 => inject(world, "shoper", "http429", 3 + self.rng.below(6) as u32, ""),
            _ => return,
        }
        self.disturbances += 1;
    }
}
