//! The product part: Systim products missing in the shop are created there, through `/bulk`.
//!
//! Every creation is looked up by its code twice: **before** (in the call just before the one
//! that creates it: absent → created; present → already there, never created twice) and
//! **after** (in the call just after it: created once → done; more than once → the newer copies
//! deleted, the oldest kept; not at all → created again, the look-up having just proved it
//! absent). The "after" is not optional: the browser itself resends a `/bulk` POST whose
//! kept-alive connection closed before any byte of the answer — one call of ours, every
//! creation in it twice, whatever answer comes back — and a call that got no clear answer
//! (lost, 429, 5xx) may have created anything. So a creation's status is never the last word:
//! its code is. Once nothing else is left, a final look-up of every code the run created finds
//! what a resent last call or another browser made meanwhile.
//!
//! The look-ups travel with the creations: one bulk call carries the creations of the current
//! batch and, last, one `product-stocks` read with `code IN […]` for the creations of the call
//! before and the next batch together, so the happy path costs no call more than the creations
//! need — 1,000 products: a look-up, 42 calls of 24 creations, the final look-up (20 reads of
//! 50 codes in one call).
//!
//! A creation whose look-up after it never came (the background killed, the run stopped by an
//! error every write would meet) is not forgotten: the codes of every creation call are stored
//! before it is sent (`shop:<host>:creating`) and dropped once a look-up saw them; the next run
//! that reads the shop's catalogue finds any copies among them and deletes the newer ones
//! ([`settle_pending_creations`]).
//!
//! A multi-warehouse shop needs each new product's stock row id for its per-warehouse stock:
//! the look-up after a creation shows it (the row carries the code), and the `PUT`s fill the
//! free places of the calls after it.

mod push;

use super::context::{planning_start, PartOutcome, RunContext};
use super::report::{entry, group, keyed_group_as, Part, ProblemGroup, Section};
use super::reservations::Previewed;
use super::run::{Failure, PartResult};
use super::session::{ShopRead, SystimRead};
use super::stock::split_findings;
use super::store::{load, save, StateError};
use super::Phase;
use crate::client::error::ApiError;
use crate::client::shoper::BulkOp;
use crate::io::{Clock, Http, Storage};
use crate::plan::products::{plan_products, ProductPlan};
use crate::plan::Lang;
use crate::texts;
use push::{creation_entry, keep_oldest, Purpose, Push, Row};
use serde::Serialize;

/// The product part of one run, over the run's context and the two sides' snapshots.
pub(super) struct ProductsPart<'p, 'r, H, S, C> {
    pub cx: &'p mut RunContext<'r, H, S, C>,
    pub shop: &'p ShopRead,
    pub systim: &'p SystimRead,
}

impl<H: Http, S: Storage, C: Clock> ProductsPart<'_, '_, H, S, C> {
    /// Plan the creations (first stock net of reservations; `previewed`: what a preview's orders
    /// would reserve) and push them (not in a dry run).
    pub(super) async fn run(&mut self, previewed: &Previewed) -> PartOutcome {
        let (settings, dry_run) = (self.cx.settings, self.cx.dry_run());
        // A new product's first stock is written in its creation: it must already leave out what
        // imported orders reserve, or the shop would offer those units again.
        let (mut section, inputs, matching) = planning_start(self.cx, Part::Products, (self.shop, self.systim), previewed).await?;
        let plan = plan_products(&matching, settings, &inputs);
        describe(&plan, &mut section);
        if dry_run {
            section.counts.done = plan.creations.len() as u32;
            section.done = plan.creations.iter().map(|c| creation_entry(c, true)).collect();
            return Ok(PartResult { section, refused: false });
        }
        let total = plan.creations.len() as u32;
        self.cx.progress_to(Phase::CreatingProducts, 0, total).await;
        let mut push = Push::new(&plan);
        let key = self.cx.keys.creating();
        let mut pending: Vec<PendingCreation> = match load(self.cx.store, &key).await {
            Ok(p) => p.unwrap_or_default(),
            Err(e) => return Err((section, Failure::State(e))),
        };
        loop {
            push.cancelled |= self.cx.cancelled();
            let call = push.next_call();
            if call.is_empty() {
                break;
            }
            let (purposes, ops): (Vec<Purpose>, Vec<BulkOp>) = call.into_iter().unzip();
            // Before the creations leave: a run that dies now finds their copies next time.
            let now = self.cx.now();
            let before = pending.len();
            for p in &purposes {
                if let Purpose::Create(i) = p {
                    let code = push.code(*i).as_str();
                    if !pending.iter().any(|q| q.code == code) {
                        pending.push(PendingCreation { code: code.to_string(), at_ms: now });
                    }
                }
            }
            if pending.len() != before {
                if let Err(e) = save(self.cx.store, &key, &pending).await {
                    return Err((section, Failure::State(e)));
                }
            }
            let answers = self.cx.session.shoper.bulk(&ops).await;
            let fatal = push.settle(purposes, &ops, answers);
            // Codes a look-up has seen since (or that the shop refused) need no later check.
            let before = pending.len();
            pending.retain(|q| push.unverified(&q.code));
            if pending.len() != before {
                if let Err(e) = save(self.cx.store, &key, &pending).await {
                    return Err((section, Failure::State(e)));
                }
            }
            self.cx.progress_to(Phase::CreatingProducts, push.settled(), total).await;
            if let Some(e) = fatal {
                push.abandon(&e);
                push.report(&mut section);
                return Err((section, Failure::Api(e)));
            }
        }
        push.report(&mut section);
        Ok(PartResult { section, refused: false })
    }
}

/// A creation sent to the shop and not yet seen by a look-up (stored before the call leaves).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(super) struct PendingCreation {
    pub code: String,
    pub at_ms: u64,
}

// The table-driven reader of the stored records (`json::Object::fields`), as the derive reads it.
crate::read_fields!(PendingCreation { code: "code", at_ms: "at_ms" });

/// Add `codes` to the pending creations stored under `key` (stamped `now`), before their creations
/// leave: the next look-up tells whether each was made — once, or twice by the browser's own
/// resend. Returns the list as stored.
pub(super) async fn note_pending<'c, S: Storage>(
    store: &S,
    key: &str,
    codes: impl Iterator<Item = &'c str>,
    now: u64,
) -> Result<Vec<PendingCreation>, StateError> {
    let mut pending: Vec<PendingCreation> = load(store, key).await?.unwrap_or_default();
    for code in codes {
        if !pending.iter().any(|q| q.code == code) {
            pending.push(PendingCreation { code: code.to_string(), at_ms: now });
        }
    }
    save(store, key, &pending).await?;
    Ok(pending)
}

/// Creations an earlier run sent and never looked up after (it died, or stopped): with the
/// shop's catalogue just read, any code among them that now has more than one product was
/// created twice by us (the code was looked up absent before the creation) — the newer products
/// are deleted, the oldest kept — and the record is cleared. Returns the ids deleted (to leave
/// out of this run's snapshot) and a note for the report.
pub(super) async fn settle_pending_creations<H: Http, S: Storage, C: Clock>(
    cx: &mut RunContext<'_, H, S, C>,
    shop: &crate::domain::ShopSnapshot,
) -> Result<(Vec<u64>, Option<ProblemGroup>), Failure> {
    let store = cx.store;
    let key = cx.keys.creating();
    let pending: Vec<PendingCreation> = load(store, &key).await?.unwrap_or_default();
    if pending.is_empty() {
        return Ok((Vec::new(), None));
    }
    let mut deletes: Vec<(String, u64)> = Vec::new();
    for p in &pending {
        let rows: Vec<Row> = shop
            .items
            .iter()
            .filter(|it| it.code.as_str() == p.code)
            .map(|it| Row { product_id: it.product_id, stock_id: it.stock_id, default: it.is_default })
            .collect();
        if let Some((_, _, copies)) = keep_oldest(None, &rows) {
            deletes.extend(copies.into_iter().map(|id| (p.code.clone(), id)));
        }
    }
    let ops: Vec<BulkOp> = deletes.iter().map(|(_, id)| BulkOp::delete(format!("delete-{id}"), format!("products/{id}"))).collect();
    let mut deleted = Vec::new();
    let mut items = Vec::new();
    let mut left = false;
    if !ops.is_empty() {
        let answers = cx.session.shoper.bulk(&ops).await?;
        for ((code, id), answer) in deletes.into_iter().zip(answers.into_iter().zip(&ops).map(|(a, op)| a.into_result(op))) {
            match answer {
                Ok(_) | Err(ApiError::ShoperNotFound { .. }) => {
                    deleted.push(id);
                    items.push(entry(
                        code,
                        texts::fill(Lang::Pl, "core_eng_created_twice_by_an_interrupted", &[&id.to_string()]),
                        texts::fill(Lang::En, "core_eng_created_twice_by_an_interrupted", &[&id.to_string()]),
                    ));
                }
                Err(_) => left = true,
            }
        }
    }
    // A copy that could not be deleted stays recorded: the next run tries again.
    if !left {
        save(store, &key, &Vec::<PendingCreation>::new()).await?;
    }
    let note = (!items.is_empty()).then(|| keyed_group_as("product_copy_deleted", "product_copy_deleted_later", items));
    Ok((deleted, note))
}

fn describe(plan: &ProductPlan, section: &mut Section) {
    section.counts.considered = plan.tally.counts.considered;
    section.counts.skipped = plan.tally.counts.skipped_total();
    let (problems, info) = split_findings(&plan.tally.skipped);
    section.problems.extend(group(&plan.blocked));
    section.problems.extend(group(&problems));
    section.notes.extend(group(&info));
    section.notes.extend(group(&plan.notes));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pending creations as stored by any version read as the derive read them.
    #[test]
    fn pending_creations_read_as_the_derive_reads_them() {
        #[derive(Debug, Serialize, serde::Deserialize)]
        struct Derived {
            code: String,
            at_ms: u64,
        }
        let stored = serde_json::to_value(PendingCreation { code: "ABC-1".into(), at_ms: 77 }).unwrap();
        crate::json::assert_reads_as_derive::<PendingCreation, Derived>(&[("struct Derived", "a map")], std::slice::from_ref(&stored));
        let list = crate::json::from_value::<Vec<PendingCreation>>(serde_json::Value::Array(vec![stored])).unwrap();
        assert_eq!(list, vec![PendingCreation { code: "ABC-1".into(), at_ms: 77 }]);
    }
}
