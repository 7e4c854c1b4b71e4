//! The stock part: Systim quantities into the shop. Absolute writes of changed values only,
//! through `/bulk` in chunks of 25 — idempotent, so a run cut off anywhere is simply run again.

use super::ledger::Ledger;
use super::orders::{reserving_key, sum_reserved};
use super::report::{entry, group, group_of, keyed_group, Part, Section, SectionCounts};
use super::run::{add_decode_problems, ends_shop_writes, Failure, PartResult, RunRequest};
use super::session::{Session, ShopRead, SystimRead};
use super::store::{load, save, ShopKeys, StateError};
use super::{Engine, Phase, Progress};
use crate::client::error::ApiError;
use crate::client::shoper::BulkOp;
use crate::decode::shoper as dshop;
use crate::io::{Clock, Http, Storage};
use crate::matching::Matching;
use crate::money::Qty;
use crate::plan::stock::{plan_stock, QuantityInputs, StockAction, StockPlan};
use crate::plan::Lang;
use crate::plan::{Finding, ReasonCode, Severity};
use crate::settings::Settings;
use crate::texts;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const BULK_MAX: usize = 25;

/// Split findings into those that need the merchant and remarks.
pub(super) fn split_findings(findings: &[Finding]) -> (Vec<Finding>, Vec<Finding>) {
    findings.iter().cloned().partition(|f| f.reason.severity() != Severity::Info)
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    pub(super) async fn stock_part(
        &self,
        session: &mut Session<'_, H, C>,
        settings: &Settings,
        shop: &ShopRead,
        systim: &SystimRead,
        (req, previewed): (&RunRequest, &BTreeMap<u64, Qty>),
        progress: &mut Progress,
    ) -> Result<PartResult, (Section, Failure)> {
        let mut section = Section { kind: Part::Stock, counts: SectionCounts::default(), done: Vec::new(), problems: Vec::new(), notes: Vec::new() };
        let read_problems: Vec<_> = shop.problems.iter().chain(&systim.problems).cloned().collect();
        add_decode_problems(&mut section, &read_problems);
        self.progress_to(progress, Phase::Planning, 0, 0).await;
        let inputs = match self.quantity_inputs(session, shop, systim, settings, (req.dry_run, previewed)).await {
            Ok(i) => i,
            Err(e) => return Err((section, e)),
        };
        let matching = Matching::new(&shop.snapshot, &systim.snapshot, settings.matching.normalize_codes);
        let plan = plan_stock(&matching, settings, &inputs, req.confirm_zeroing);
        describe(&plan, &mut section, req.dry_run);
        if plan.refused_unless_confirmed {
            let b = &plan.zero_brake;
            section.problems.push(group_of(
                ReasonCode::MassZeroBrake,
                vec![entry(
                    "",
                    texts::fill(
                        Lang::Pl,
                        "core_eng_to_be_zeroed_of_matched",
                        &[&b.zeroing.to_string(), &b.matched.to_string(), &b.max_share_percent.to_string()],
                    ),
                    texts::fill(
                        Lang::En,
                        "core_eng_to_be_zeroed_of_matched",
                        &[&b.zeroing.to_string(), &b.matched.to_string(), &b.max_share_percent.to_string()],
                    ),
                )],
            ));
            return Ok(PartResult { section, refused: true });
        }
        if req.dry_run || !plan.may_apply() {
            return Ok(PartResult { section, refused: false });
        }
        // Freed, not only emptied: the list of what was written replaces it (49,500 entries at 100 %).
        section.done = Vec::new();
        let (written, fatal) = self.write_stock(session, &plan.actions, &mut section, progress).await;
        section.counts.done = written.len() as u32;
        section.done = plan.actions.iter().filter(|a| written.contains(&a.stock_id)).map(action_entry).collect();
        match fatal {
            None => Ok(PartResult { section, refused: false }),
            Some(e) => Err((section, Failure::Api(e))),
        }
    }

    /// Quantities of imported orders Systim has not issued yet (their Shoper status is still
    /// new or in progress). Orders that moved on leave the reserving set (not in a dry run).
    /// Every stock value the engine writes — a stock push or a new product's first stock — is
    /// net of these.
    /// What the plans need besides the snapshots: reservations of imported open orders and the
    /// products whose Systim quantity could not be read (never taken as 0).
    /// `previewed`: what the orders a preview would import would reserve (empty in a real run,
    /// whose imports are in the ledger by now).
    pub(super) async fn quantity_inputs(
        &self,
        session: &mut Session<'_, H, C>,
        shop: &ShopRead,
        systim: &SystimRead,
        settings: &Settings,
        (dry_run, previewed): (bool, &BTreeMap<u64, Qty>),
    ) -> Result<QuantityInputs, Failure> {
        let mut reserved = self.reservations(session, shop, settings, dry_run).await?;
        for (id, q) in previewed {
            *reserved.reserved_by_systim_id.entry(*id).or_default() += *q;
        }
        let mut unreadable = BTreeSet::new();
        for id in &systim.snapshot.unreadable_stock {
            unreadable.insert(*id);
        }
        Ok(QuantityInputs { unreadable, ..reserved })
    }

    async fn reservations(&self, session: &mut Session<'_, H, C>, shop: &ShopRead, settings: &Settings, dry_run: bool) -> Result<QuantityInputs, Failure> {
        if !settings.stock.reserve_open_orders {
            return Ok(QuantityInputs::default());
        }
        let keys = ShopKeys::new(&session.host);
        let key = reserving_key(&keys);
        let ids: BTreeSet<u64> = load(&self.store, &key).await?.unwrap_or_default();
        if ids.is_empty() {
            return Ok(QuantityInputs::default());
        }
        let mut open_kinds: BTreeMap<u64, bool> = BTreeMap::new();
        for s in &shop.snapshot.statuses {
            open_kinds.insert(s.id, matches!(s.kind, 1 | 2));
        }
        let mut still_open = BTreeSet::new();
        let list: Vec<u64> = ids.iter().copied().collect();
        // 50 orders to a filter, every filter in one round of `/bulk` calls.
        let raw = session.shoper.list_by_ids("orders", "order_id", &list, None).await?;
        let (orders, _) = dshop::orders(&raw);
        for o in orders {
            // An unknown status keeps the reservation: under-selling is safer than un-selling.
            if *open_kinds.get(&o.status_id).unwrap_or(&true) {
                still_open.insert(o.order_id);
            }
        }
        let ledger = Ledger::new(&self.store, keys.clone());
        let mut entries = Vec::new();
        for id in &still_open {
            if let Some(e) = ledger.get(*id).await? {
                entries.push(e);
            }
        }
        if !dry_run && still_open != ids {
            save(&self.store, &key, &still_open).await.map_err(|e: StateError| Failure::State(e))?;
        }
        Ok(QuantityInputs { reserved_by_systim_id: sum_reserved(&entries), ..QuantityInputs::default() })
    }

    /// Write the actions; returns the stock ids written and the error that stopped the writes
    /// (one every later write would meet too: a missing permission, refused credentials).
    /// Failures are reported in the section, each with the reason Shoper gave.
    async fn write_stock(
        &self,
        session: &mut Session<'_, H, C>,
        actions: &[StockAction],
        section: &mut Section,
        progress: &mut Progress,
    ) -> (BTreeSet<u64>, Option<ApiError>) {
        let (total, mut ops) = bulk_ops(actions);
        let mut written = BTreeSet::new();
        let mut failed = Vec::new();
        let mut fatal = None;
        let mut sent = 0;
        self.progress_to(progress, Phase::WritingStock, 0, total as u32).await;
        loop {
            // Each call's operations are built as it is sent: 50,000 of them at once would hold
            // tens of megabytes through the whole push.
            let chunk: Vec<(u64, BulkOp)> = ops.by_ref().take(BULK_MAX).collect();
            if chunk.is_empty() || self.cancel.get() || fatal.is_some() {
                break;
            }
            let batch: Vec<BulkOp> = chunk.iter().map(|(_, op)| op.clone()).collect();
            let results: Vec<Result<(), ApiError>> = match session.shoper.bulk(&batch).await {
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
            self.progress_to(progress, Phase::WritingStock, sent as u32, total as u32).await;
        }
        if !failed.is_empty() {
            section.counts.failed = failed.len() as u32;
            section.problems.push(keyed_group("stock_write_failed", failed));
        }
        (written, fatal)
    }
}

/// One PUT per stock row (several warehouses of a row merged into one `warehouses` map): how
/// many, and the operations, made one by one as they are taken.
fn bulk_ops(actions: &[StockAction]) -> (usize, impl Iterator<Item = (u64, BulkOp)>) {
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
    let total = whole.len() + rows.len();
    let ops = whole
        .into_iter()
        .map(|(id, v)| (id, BulkOp::put(format!("stock-{id}"), format!("product-stocks/{id}"), json!({ "stock": v }))))
        .chain(rows.into_iter().map(|(id, m)| (id, BulkOp::put(format!("stock-{id}"), format!("product-stocks/{id}"), json!({ "warehouses": m })))));
    (total, ops)
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
