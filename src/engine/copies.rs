//! Copies of an imported order in Systim: found by every marker check, kept in the ledger,
//! reported until the merchant deletes them.
//!
//! One `addOrder` of ours can leave two orders in Systim: the browser resends a POST whose
//! kept-alive connection closed before any byte of the answer (Chromium and Firefox do this for
//! POST too), and two browsers that checked at the same instant may both send. Systim cannot
//! refuse a duplicate and has no delete method, so the engine finds copies afterwards: every
//! `listOrders` it reads is searched for orders carrying one marker more than once, whether the
//! order's `addOrder` was answered or not. Such an order stays `Imported` (it counts once in the
//! totals and reserves its stock once) with the other copies in its ledger entry and its id in
//! the shop's `doubled` index; every report shows it as a problem (`order_doubled`) naming the
//! copy to keep and the ones to delete, and its admin-panel badge is red. A later check that
//! covers it and finds the extra copies gone clears the problem.
//!
//! Which copy is kept: always the oldest (lowest id) still there — not the one `addOrder`
//! answered (after the browser's resend that is the newer copy), so that two browsers that both
//! see the copies advise the same deletion, and the advice never changes while nothing is deleted.

use super::ledger::{Ledger, LedgerEntry, OrderState, SystimCopy};
use super::report::{entry, keyed_group, ProblemGroup};
use super::store::{load, save, StateError};
use crate::io::Storage;
use crate::plan::Lang;
use crate::texts;
use std::collections::{BTreeSet, HashMap};

/// Systim orders carrying this shop's markers: shop order id → every copy, in the order listed.
pub(super) type Markers = HashMap<u64, Vec<SystimCopy>>;

/// The copy to keep (the lowest id) and the others. `None` when there is no copy at all.
pub(super) fn keep_one(copies: &[SystimCopy]) -> Option<(SystimCopy, Vec<SystimCopy>)> {
    let kept = copies.iter().min_by_key(|c| c.id)?.clone();
    // in id order, each id once: inserted in place (a handful of copies; no sort instance)
    let mut others: Vec<SystimCopy> = Vec::new();
    for c in copies {
        let at = others.partition_point(|o| o.id < c.id);
        if c.id != kept.id && others.get(at).is_none_or(|o| o.id != c.id) {
            others.insert(at, c.clone());
        }
    }
    Some((kept, others))
}

/// What a check changed in the doubled state of one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum CopyChange {
    /// Found more than once (newly, or with other copies than before).
    Doubled(u64),
    /// Its extra copies are gone: one order left in Systim.
    Resolved { order_id: u64, kept: SystimCopy },
    /// No copy left at all (every one deleted in Systim). Not sent again: the merchant deleted it.
    AllDeleted(u64),
}

/// Ids of this shop's orders found in Systim more than once.
pub(super) async fn doubled_ids<S: Storage>(ledger: &Ledger<'_, S>) -> Result<BTreeSet<u64>, StateError> {
    Ok(load(ledger.store(), &ledger.keys().doubled()).await?.unwrap_or_default())
}

/// Add an order to the doubled index (its ledger entry already names the copies).
pub(super) async fn mark_doubled<S: Storage>(ledger: &Ledger<'_, S>, order_id: u64) -> Result<(), StateError> {
    let mut ids = doubled_ids(ledger).await?;
    if ids.insert(order_id) {
        save_doubled(ledger, &ids).await?;
    }
    Ok(())
}

async fn save_doubled<S: Storage>(ledger: &Ledger<'_, S>, ids: &BTreeSet<u64>) -> Result<(), StateError> {
    save(ledger.store(), &ledger.keys().doubled(), ids).await
}

/// Take in what a marker check read. Imported orders found more than once get their copies
/// recorded. With `covered` (the check reached back far enough to see every order of the doubled
/// index), doubled orders whose extra copies are gone are cleared. Orders still waiting on an
/// intent are left to the reconcile, which reads the same markers.
pub(super) async fn record_copies<S: Storage>(ledger: &Ledger<'_, S>, markers: &Markers, now_ms: u64, covered: bool) -> Result<Vec<CopyChange>, StateError> {
    let before = doubled_ids(ledger).await?;
    let mut doubled = before.clone();
    let mut changes = Vec::new();
    let mut many: Vec<u64> = Vec::new();
    for (id, _) in markers.iter().filter(|(_, c)| c.len() > 1) {
        super::insert_sorted(&mut many, *id);
    }
    for order_id in many {
        let Some(mut e) = ledger.get(order_id).await? else { continue };
        let OrderState::Imported { systim_id, number, copies, .. } = &mut e.state else { continue };
        let Some((kept, others)) = keep_one(&markers[&order_id]) else { continue };
        if *copies != others || *systim_id != kept.id || (number.is_empty() && !kept.number.is_empty()) {
            *systim_id = kept.id;
            if !kept.number.is_empty() {
                *number = kept.number;
            }
            *copies = others;
            e.updated_ms = now_ms;
            ledger.put(&e).await?;
            changes.push(CopyChange::Doubled(order_id));
        }
        doubled.insert(order_id);
    }
    if covered {
        for order_id in before.iter().copied() {
            if markers.get(&order_id).is_some_and(|c| c.len() > 1) {
                continue;
            }
            doubled.remove(&order_id);
            let Some(mut e) = ledger.get(order_id).await? else { continue };
            let OrderState::Imported { systim_id, number, copies, .. } = &mut e.state else { continue };
            let left = markers.get(&order_id).and_then(|c| c.first()).cloned();
            copies.clear();
            match left {
                Some(kept) => {
                    *systim_id = kept.id;
                    if !kept.number.is_empty() {
                        *number = kept.number.clone();
                    }
                    changes.push(CopyChange::Resolved { order_id, kept });
                }
                None => changes.push(CopyChange::AllDeleted(order_id)),
            }
            e.updated_ms = now_ms;
            ledger.put(&e).await?;
        }
    }
    if doubled != before {
        save_doubled(ledger, &doubled).await?;
    }
    Ok(changes)
}

/// Earliest time any doubled order was imported (a check from the day before sees them all).
pub(super) async fn doubled_since<S: Storage>(ledger: &Ledger<'_, S>, ids: &BTreeSet<u64>) -> Result<Option<u64>, StateError> {
    let mut since: Option<u64> = None;
    for id in ids {
        if let Some(LedgerEntry { state: OrderState::Imported { at_ms, .. }, .. }) = ledger.get(*id).await? {
            since = Some(since.map_or(at_ms, |s| s.min(at_ms)));
        }
    }
    Ok(since)
}

fn order_ref(id: u64) -> String {
    format!("Zamówienie {id}")
}

fn labels(copies: &[SystimCopy]) -> String {
    copies.iter().map(SystimCopy::label).collect::<Vec<_>>().join(", ")
}

/// The problem every report shows while orders are in Systim more than once.
pub(super) async fn doubled_group<S: Storage>(ledger: &Ledger<'_, S>) -> Result<Option<ProblemGroup>, StateError> {
    let mut items = Vec::new();
    for id in doubled_ids(ledger).await? {
        let Some(LedgerEntry { state: OrderState::Imported { systim_id, number, copies, .. }, .. }) = ledger.get(id).await? else { continue };
        if copies.is_empty() {
            continue;
        }
        let kept = SystimCopy { id: systim_id, number }.label();
        let delete = labels(&copies);
        items.push(entry(
            order_ref(id),
            format!("w Systim {} razy — zostaw {kept}, usuń {delete}", copies.len() + 1),
            format!("in Systim {} times — keep {kept}, delete {delete}", copies.len() + 1),
        ));
    }
    if items.is_empty() {
        return Ok(None);
    }
    Ok(Some(keyed_group("order_doubled", items)))
}

/// Notes for orders whose copies were deleted since the last check.
pub(super) fn resolved_group(changes: &[CopyChange]) -> Option<ProblemGroup> {
    let items: Vec<_> = changes
        .iter()
        .filter_map(|c| match c {
            CopyChange::Resolved { order_id, kept } => {
                let k = kept.label();
                Some(entry(
                    order_ref(*order_id),
                    texts::fill(Lang::Pl, "core_eng_copies_deleted_is_left_in", &[&k.to_string()]),
                    texts::fill(Lang::En, "core_eng_copies_deleted_is_left_in", &[&k.to_string()]),
                ))
            }
            CopyChange::AllDeleted(order_id) => {
                Some(entry(order_ref(*order_id), texts::t(Lang::Pl, "core_eng_no_copy_is_left_in"), texts::t(Lang::En, "core_eng_no_copy_is_left_in")))
            }
            CopyChange::Doubled(_) => None,
        })
        .collect();
    (!items.is_empty()).then(|| keyed_group("order_copies_deleted", items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(id: u64, number: &str) -> SystimCopy {
        SystimCopy { id, number: number.into() }
    }

    #[test]
    fn the_oldest_copy_is_kept() {
        let copies = [copy(12, "Z/2"), copy(11, "Z/1"), copy(13, "")];
        let (kept, others) = keep_one(&copies).unwrap();
        assert_eq!((kept.id, others.iter().map(|c| c.id).collect::<Vec<_>>()), (11, vec![12, 13]));
        let (kept, others) = keep_one(&copies[..1]).unwrap();
        assert_eq!((kept.id, others.len()), (12, 0));
        assert_eq!(keep_one(&[]), None);
        // A copy listed twice is one copy.
        let (_, others) = keep_one(&[copy(11, ""), copy(12, ""), copy(12, "")]).unwrap();
        assert_eq!(others.len(), 1);
        // The others in id order, whatever order they were found in.
        let (kept, others) = keep_one(&[copy(14, ""), copy(13, ""), copy(11, ""), copy(14, ""), copy(12, "")]).unwrap();
        assert_eq!((kept.id, others.iter().map(|c| c.id).collect::<Vec<_>>()), (11, vec![12, 13, 14]));
    }
}
