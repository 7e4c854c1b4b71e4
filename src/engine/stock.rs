//! The stock part: Systim quantities into the shop. Absolute writes of changed values only,
//! through `/bulk` in chunks of 25 — idempotent, so a run cut off anywhere is simply run again.

use super::context::{planning_start, PartOutcome, RunContext};
use super::report::{entry, group, group_of, keyed_group, Part, Section};
use super::reservations::Previewed;
use super::run::{ends_shop_writes, Failure, PartResult};
use super::session::{ShopRead, SystimRead};
use super::Phase;
use crate::client::error::ApiError;
use crate::client::shoper::BulkOp;
use crate::io::{Clock, Http, Storage};
use crate::plan::stock::{plan_stock, StockAction, StockPlan};
use crate::plan::{Finding, ReasonCode, Severity};
use crate::texts;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const BULK_MAX: usize = 25;

/// Split findings into those that need the merchant and remarks.
pub(super) fn split_findings(findings: &[Finding]) -> (Vec<Finding>, Vec<Finding>) {
    findings.iter().cloned().partition(|f| f.reason.severity() != Severity::Info)
}

/// The stock part of one run, over the run's context and the two sides' snapshots.
pub(super) struct StockPart<'p, 'r, H, S, C> {
    pub cx: &'p mut RunContext<'r, H, S, C>,
    pub shop: &'p ShopRead,
    pub systim: &'p SystimRead,
}

impl<H: Http, S: Storage, C: Clock> StockPart<'_, '_, H, S, C> {
    /// Plan the stock values from both snapshots, net of reservations (`previewed`: what a
    /// preview's orders would reserve), and write the changed ones (not in a dry run, not past
    /// the mass-zero brake unless confirmed).
    pub(super) async fn run(&mut self, previewed: &Previewed) -> PartOutcome {
        let (settings, req) = (self.cx.settings, self.cx.req);
        let (mut section, inputs, matching) = planning_start(self.cx, Part::Stock, (self.shop, self.systim), previewed).await?;
        let plan = plan_stock(&matching, settings, &inputs, req.confirm_zeroing);
        describe(&plan, &mut section, req.dry_run);
        if plan.refused_unless_confirmed {
            let b = &plan.zero_brake;
            let (zeroing, matched, share) = (b.zeroing.to_string(), b.matched.to_string(), b.max_share_percent.to_string());
            let (pl, en) = texts::both_fill("core_eng_to_be_zeroed_of_matched", &[&zeroing, &matched, &share]);
            section.problems.push(group_of(ReasonCode::MassZeroBrake, vec![entry("", pl, en)]));
            return Ok(PartResult { section, refused: true });
        }
        if req.dry_run || !plan.may_apply() {
            return Ok(PartResult { section, refused: false });
        }
        // Freed, not only emptied: the list of what was written replaces it (49,500 entries at 100 %).
        section.done = Vec::new();
        let (written, fatal) = self.write_stock(&plan.actions, &mut section).await;
        section.counts.done = written.len() as u32;
        section.done = plan.actions.iter().filter(|a| written.contains(&a.stock_id)).map(action_entry).collect();
        match fatal {
            None => Ok(PartResult { section, refused: false }),
            Some(e) => Err((section, Failure::Api(e))),
        }
    }

    /// Write the actions; returns the stock ids written and the error that stopped the writes
    /// (one every later write would meet too: a missing permission, refused credentials).
    /// Failures are reported in the section, each with the reason Shoper gave.
    async fn write_stock(&mut self, actions: &[StockAction], section: &mut Section) -> (BTreeSet<u64>, Option<ApiError>) {
        let bodies = bulk_bodies(actions);
        let total = bodies.len();
        let mut bodies = bodies.into_iter();
        let mut written = BTreeSet::new();
        let mut failed = Vec::new();
        let mut fatal = None;
        let mut sent = 0;
        self.cx.progress_to(Phase::WritingStock, 0, total as u32).await;
        loop {
            // Each call's operations are built as it is sent: 50,000 of them at once would hold
            // tens of megabytes through the whole push.
            let mut chunk: Vec<(u64, BulkOp)> = Vec::new();
            for (id, body) in bodies.by_ref().take(BULK_MAX) {
                chunk.push((id, body.op(id)));
            }
            if chunk.is_empty() || self.cx.cancelled() || fatal.is_some() {
                break;
            }
            let batch: Vec<BulkOp> = chunk.iter().map(|(_, op)| op.clone()).collect();
            let results: Vec<Result<(), ApiError>> = match self.cx.session.shoper.bulk(&batch).await {
                Ok(results) => results.into_iter().zip(&batch).map(|(r, op)| r.into_result(op).map(|_| ())).collect(),
                Err(e) => chunk.iter().map(|_| Err(e.clone())).collect(),
            };
            for ((stock_id, _), result) in chunk.iter().zip(results) {
                match result {
                    Ok(()) => {
                        written.insert(*stock_id);
                    }
                    Err(e) => {
                        failed.push(entry(format!("stock {stock_id}"), e.message_pl(), e.message_en()));
                        if ends_shop_writes(&e) && fatal.is_none() {
                            fatal = Some(e);
                        }
                    }
                }
            }
            sent += chunk.len();
            self.cx.progress_to(Phase::WritingStock, sent as u32, total as u32).await;
        }
        if !failed.is_empty() {
            section.counts.failed = failed.len() as u32;
            section.problems.push(keyed_group("stock_write_failed", failed));
        }
        (written, fatal)
    }
}

/// One PUT per stock row (several warehouses of a row merged into one `warehouses` map): the
/// stock ids and what each request carries, the whole-row values first, then the rows by
/// warehouse, each in id order. The operations and their JSON bodies are made a call's worth at
/// a time ([`Body::op`]).
fn bulk_bodies(actions: &[StockAction]) -> Vec<(u64, Body)> {
    let mut rows: BTreeMap<u64, Map<String, Value>> = BTreeMap::new();
    let mut whole: BTreeMap<u64, String> = BTreeMap::new();
    for a in actions {
        match a.warehouse_id {
            Some(w) => {
                rows.entry(a.stock_id).or_default().insert(w.to_string(), Value::String(a.new.to_wire()));
            }
            None => {
                whole.insert(a.stock_id, a.new.to_wire());
            }
        }
    }
    let mut bodies = Vec::with_capacity(whole.len() + rows.len());
    for (id, stock) in whole {
        bodies.push((id, Body::Stock(stock)));
    }
    for (id, warehouses) in rows {
        bodies.push((id, Body::Warehouses(warehouses)));
    }
    bodies
}

/// A stock row's new value: one for the row, or one per warehouse.
enum Body {
    Stock(String),
    Warehouses(Map<String, Value>),
}

impl Body {
    fn op(self, id: u64) -> BulkOp {
        let body = match self {
            Body::Stock(stock) => json!({ "stock": stock }),
            Body::Warehouses(warehouses) => json!({ "warehouses": warehouses }),
        };
        BulkOp::put(format!("stock-{id}"), format!("product-stocks/{id}"), body)
    }
}

fn action_entry(a: &StockAction) -> super::report::Entry {
    let current = a.current.map(|q| q.to_pl()).unwrap_or_else(|| "—".into());
    let reserved =
        if a.reserved.milli() > 0 { format!(" (Systim {} − zarezerwowane {})", a.systim_quantity.to_pl(), a.reserved.to_pl()) } else { String::new() };
    entry(
        a.code.clone(),
        format!("stan {current} → {}{reserved}", a.new.to_pl()),
        format!("stock {} → {}", a.current.map(|q| q.to_wire()).unwrap_or_else(|| "—".into()), a.new.to_wire()),
    )
}

fn describe(plan: &StockPlan, section: &mut Section, dry_run: bool) {
    section.counts.considered = plan.tally.counts.considered;
    section.counts.skipped = plan.tally.counts.skipped_total();
    section.counts.done = if dry_run { plan.actions.len() as u32 } else { 0 };
    section.done = plan.actions.iter().map(action_entry).collect();
    let (problems, info) = split_findings(&plan.tally.skipped);
    section.problems.extend(group(&plan.blocked));
    section.problems.extend(group(&problems));
    section.notes.extend(group(&info));
    section.notes.extend(group(&plan.notes));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Qty;

    fn action(stock_id: u64, warehouse_id: Option<u64>, new: i64) -> StockAction {
        StockAction {
            stock_id,
            product_id: stock_id,
            warehouse_id,
            code: format!("K{stock_id}"),
            systim_id: 1,
            current: None,
            new: Qty(new),
            systim_quantity: Qty(new),
            reserved: Qty::ZERO,
        }
    }

    /// One operation per row: the whole-row values first, then the rows by warehouse (their
    /// warehouses in one map), each in id order.
    #[test]
    fn stock_operations_are_one_per_row_in_order() {
        let actions = [action(9, Some(2), 1_500), action(5, None, 3_000), action(9, Some(1), 0), action(3, None, 250), action(4, Some(1), 7_000)];
        let ops: Vec<(u64, String, String, Value)> = bulk_bodies(&actions)
            .into_iter()
            .map(|(id, body)| {
                let op = body.op(id);
                (id, op.id, op.path, op.body.unwrap_or_default())
            })
            .collect();
        let want = [
            (3, "stock-3", "product-stocks/3", json!({"stock": "0.25"})),
            (5, "stock-5", "product-stocks/5", json!({"stock": "3"})),
            (4, "stock-4", "product-stocks/4", json!({"warehouses": {"1": "7"}})),
            (9, "stock-9", "product-stocks/9", json!({"warehouses": {"1": "0", "2": "1.5"}})),
        ];
        assert_eq!(ops, want.map(|(id, op, path, body)| (id, op.to_string(), path.to_string(), body)));
    }
}
