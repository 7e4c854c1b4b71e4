//! Pruning the order ledger, so that storage stays bounded (docs/storage.md).
//!
//! Once a day, at the end of a real run (under its lock), the entries of orders settled longer
//! ago than `orders.ledger_days` (default 180) are removed: those imported into Systim — found
//! there once — and those deliberately skipped. Everything exactly-once still needs stays:
//!
//! - the cursor (never touched here);
//! - every entry of an order that is not final — intent, held, waiting, unverifiable — and every
//!   id in the open index: these are read again by id, reconciled, or wait for the merchant;
//! - entries with copies in Systim and every id in the `doubled` index (the problem stays in each
//!   report until the merchant deletes the copies);
//! - entries of orders still reserving stock (their lines are subtracted from what is pushed);
//! - entries after the cursor (the feed has not passed them yet);
//! - an entry that cannot be read (nothing is removed on a guess);
//! - entries of orders whose sales document is not final (a WZ still due reads the order's
//!   lines) or has copies in Systim.
//!
//! The sales document's entry (`super::invoices::ledger`) goes with its order's entry (after it).
//! An order in the pruned range that reaches the document's status again gets no second document:
//! without its order's entry it is skipped (`order_pruned`), never issued.
//!
//! Why a pruned order is never imported again: the feed of new orders reads only orders after the
//! cursor (a keyset on `order_id`), and the cursor never moves back — a start point changed in
//! the settings does not move it once it exists; the orders read again by id are those of the
//! open index, whose entries are never pruned. Systim's markers are a second guard: every send is
//! preceded by a look-up of the markers already in Systim (`super::orders`).
//!
//! The highest and lowest pruned order ids are kept (`shop:<host>:pruned`): the admin panel's
//! badge of an order in that range without an entry says its details were removed, not that it
//! was never synced.

use super::ledger::{LedgerEntry, OrderState};
use super::store::{load, save, ShopKeys, StateError};
use crate::dates::DAY_MS;
use crate::io::Storage;
use std::collections::BTreeSet;

/// A pass looks through the ledger at most this often.
pub const PASS_EVERY_MS: u64 = DAY_MS;

/// What pruning did so far, at `shop:<host>:pruned`: `{"last_ms", "from_id", "through_id",
/// "removed"}` (read and written by hand through a `Value`: derived readers cost the wasm).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PruneRecord {
    /// When the last pass ran.
    pub last_ms: u64,
    /// The lowest and highest order ids ever pruned (0 while none was).
    pub from_id: u64,
    pub through_id: u64,
    /// Entries pruned in all passes.
    pub removed: u64,
}

impl PruneRecord {
    fn from_value(v: &serde_json::Value) -> PruneRecord {
        let n = |k: &str| v.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
        PruneRecord { last_ms: n("last_ms"), from_id: n("from_id"), through_id: n("through_id"), removed: n("removed") }
    }

    fn to_value(&self) -> serde_json::Value {
        serde_json::json!({"last_ms": self.last_ms, "from_id": self.from_id, "through_id": self.through_id, "removed": self.removed})
    }
}

impl PruneRecord {
    /// Whether `order_id` lies where entries were pruned (an order there without an entry was
    /// settled long ago).
    pub fn covers(&self, order_id: u64) -> bool {
        self.through_id > 0 && (self.from_id..=self.through_id).contains(&order_id)
    }
}

pub fn record_key(keys: &ShopKeys) -> String {
    format!("shop:{}:pruned", keys.host())
}

/// What pruning did so far for a shop (the default when never).
pub async fn record<S: Storage>(store: &S, keys: &ShopKeys) -> PruneRecord {
    load::<serde_json::Value, _>(store, &record_key(keys)).await.unwrap_or(None).map(|v| PruneRecord::from_value(&v)).unwrap_or_default()
}

/// One pass's outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Ledger entries looked at.
    pub examined: usize,
    /// Order ids whose entries were removed (in the order the store listed them).
    pub removed: Vec<u64>,
    /// False when the store cannot list its keys (nothing pruned).
    pub listed: bool,
}

/// Whether an entry may go: settled (imported without copies, or skipped) and unchanged since
/// before `cutoff_ms`.
fn prunable(entry: &LedgerEntry, cutoff_ms: u64) -> bool {
    let settled = match &entry.state {
        OrderState::Imported { copies, .. } => copies.is_empty(),
        OrderState::Skipped { .. } => true,
        OrderState::Intent { .. } | OrderState::Held { .. } | OrderState::Waiting { .. } | OrderState::Unverifiable { .. } => false,
    };
    settled && entry.updated_ms < cutoff_ms
}

async fn ids_at<S: Storage>(store: &S, key: &str, into: &mut BTreeSet<u64>) -> Result<(), StateError> {
    let ids: BTreeSet<u64> = load(store, key).await?.unwrap_or_default();
    into.extend(ids);
    Ok(())
}

/// One pass over a shop's ledger (see the module documentation). An index that cannot be read
/// stops the pass before anything is removed.
pub async fn prune<S: Storage>(store: &S, keys: &ShopKeys, keep_days: u32, now_ms: u64) -> Result<Pass, StateError> {
    let cursor = load::<serde_json::Value, _>(store, &keys.cursor()).await?.and_then(|c| c.get("last_order_id").and_then(serde_json::Value::as_u64));
    let Some(cursor) = cursor else {
        // No cursor: every entry is still ahead of the feed.
        return Ok(Pass { listed: true, ..Pass::default() });
    };
    let mut protected = BTreeSet::new();
    for key in [keys.open_orders(), keys.doubled(), super::reservations::key(keys), super::invoices::ledger::open_key(keys)] {
        ids_at(store, &key, &mut protected).await?;
    }
    let prefix = format!("shop:{}:order:", keys.host());
    let Some(records) = store.scan(&prefix).await? else { return Ok(Pass::default()) };
    let cutoff = now_ms.saturating_sub(u64::from(keep_days) * DAY_MS);
    let mut pass = Pass { listed: true, ..Pass::default() };
    let mut doomed = Vec::new();
    for (key, text) in &records {
        let Some(id) = key.strip_prefix(&prefix).and_then(|rest| rest.parse::<u64>().ok()) else { continue };
        pass.examined += 1;
        if id > cursor || protected.contains(&id) {
            continue;
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { continue };
        let Ok(entry) = crate::json::from_value::<LedgerEntry>(value) else { continue };
        if entry.order_id == id && prunable(&entry, cutoff) {
            doomed.push((id, key));
        }
    }
    // An order whose document must stay keeps its entry too.
    let documents = super::invoices::ledger::DocumentLedger::new(store, keys.clone());
    let mut kept = Vec::new();
    for (id, key) in doomed {
        if let Some(ids) = documents.prunable(id).await? {
            kept.push((id, key, ids));
        }
    }
    let doomed = kept;
    let mut rec = record(store, keys).await;
    // (min and max by hand: a sort or a map of these pairs would cost the wasm kilobytes)
    let first = doomed.iter().map(|(id, _, _)| *id).min();
    let last = doomed.iter().map(|(id, _, _)| *id).max();
    if let (Some(first), Some(last)) = (first, last) {
        // The range first: a pass cut short leaves entries the record already covers (their
        // badges still read them), never a pruned one it does not.
        rec.from_id = if rec.through_id == 0 { first } else { rec.from_id.min(first) };
        rec.through_id = rec.through_id.max(last);
        save(store, &record_key(keys), &rec.to_value()).await?;
    }
    for (id, key, document_ids) in doomed {
        // The order's entry first: a pass cut short in between leaves the document's entry,
        // final, which still keeps the order from a second document.
        store.remove(key).await?;
        documents.remove_pruned(id, &document_ids).await?;
        pass.removed.push(id);
    }
    rec.last_ms = now_ms;
    rec.removed += pass.removed.len() as u64;
    save(store, &record_key(keys), &rec.to_value()).await?;
    Ok(pass)
}

/// A pass when the last one is a day old or more (at the end of a real run).
pub async fn prune_if_due<S: Storage>(store: &S, keys: &ShopKeys, keep_days: u32, now_ms: u64) -> Result<Option<Pass>, StateError> {
    let last = record(store, keys).await.last_ms;
    if last != 0 && now_ms.saturating_sub(last) < PASS_EVERY_MS {
        return Ok(None);
    }
    prune(store, keys, keep_days, now_ms).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ledger::{Ledger, SystimCopy};
    use crate::mem::MemStorage;
    use pollster::block_on;

    const NOW: u64 = 1_000 * DAY_MS;

    fn imported(copies: Vec<SystimCopy>) -> OrderState {
        OrderState::Imported { systim_id: 9, number: "ZAM/1".into(), at_ms: 1, reconciled: false, copies }
    }

    /// A ledger of every kind of entry, each `age_days` old; the cursor at 100.
    fn ledger(store: &MemStorage, keys: &ShopKeys, age_days: u64) {
        let at = NOW - age_days * DAY_MS;
        let ledger = Ledger::new(store, keys.clone());
        let states: Vec<(u64, OrderState)> = vec![
            (1, imported(vec![])),
            (2, OrderState::Skipped { reason: "origin_not_selected".into() }),
            (3, OrderState::Intent { marker: "m".into(), since_ms: at, attempts: 1 }),
            (4, OrderState::Held { reason: "not_in_systim".into(), detail_pl: "p".into(), detail_en: "e".into(), since_ms: at }),
            (5, OrderState::Waiting { reason: "status_not_selected".into(), since_ms: at }),
            (6, OrderState::Unverifiable { marker: "m".into(), since_ms: at }),
            (7, imported(vec![SystimCopy { id: 10, number: "ZAM/2".into() }])),
            (8, imported(vec![])),   // reserving stock
            (9, imported(vec![])),   // in the doubled index (its copies being settled)
            (101, imported(vec![])), // after the cursor
        ];
        block_on(async {
            for (id, state) in states {
                ledger.put(&LedgerEntry { order_id: id, state, updated_ms: at, lines: vec![(1, crate::money::Qty::from_milli(1_000))] }).await.unwrap();
            }
            save(store, &keys.cursor(), &serde_json::json!({"last_order_id": 100})).await.unwrap();
            save(store, &super::super::reservations::key(keys), &[8u64]).await.unwrap();
            save(store, &keys.doubled(), &[7u64, 9]).await.unwrap();
        });
    }

    fn ids_left(store: &MemStorage, keys: &ShopKeys) -> Vec<u64> {
        let prefix = format!("shop:{}:order:", keys.host());
        let mut ids: Vec<u64> = store.keys().iter().filter_map(|k| k.strip_prefix(&prefix)?.parse().ok()).collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn only_settled_entries_older_than_the_setting_go_and_everything_exactly_once_needs_stays() {
        let store = MemStorage::new();
        let keys = ShopKeys::new("sklep.example.pl");
        ledger(&store, &keys, 181);
        block_on(async {
            let mut pass = prune(&store, &keys, 180, NOW).await.unwrap();
            pass.removed.sort_unstable();
            assert_eq!(pass.removed, vec![1, 2]);
            assert_eq!(pass.examined, 10);
        });
        assert_eq!(ids_left(&store, &keys), vec![3, 4, 5, 6, 7, 8, 9, 101]);
        assert_eq!(store.raw(&keys.cursor()).unwrap(), r#"{"last_order_id":100}"#, "the cursor is kept");
        let rec = block_on(record(&store, &keys));
        assert_eq!((rec.from_id, rec.through_id, rec.removed, rec.last_ms), (1, 2, 2, NOW));
        assert!(rec.covers(2) && !rec.covers(3) && !rec.covers(0));
    }

    #[test]
    fn a_document_goes_with_its_order_unless_it_is_still_open_or_has_copies() {
        use crate::engine::invoices::ledger::{DocumentEntry, DocumentLedger, DocumentState, WzState};
        use crate::plan::invoice::DocumentKind;
        let store = MemStorage::new();
        let keys = ShopKeys::new("sklep.example.pl");
        ledger(&store, &keys, 181);
        let documents = DocumentLedger::new(&store, keys.clone());
        let issued = |id: u64, wz: Option<WzState>, copies: Vec<u64>| DocumentState::Issued {
            kind: DocumentKind::Receipt,
            systim_id: id,
            number: String::new(),
            gross: 100,
            at_ms: 1,
            reconciled: false,
            accounting_failed: false,
            copies,
            written_back: true,
            wz,
        };
        block_on(async {
            // 1: settled; 2 (a skipped order, i.e. prunable itself): its WZ still unclear.
            documents
                .put(&DocumentEntry { order_id: 1, state: issued(501, Some(WzState::Issued { systim_id: 9, at_ms: 1 }), vec![]), updated_ms: 1 })
                .await
                .unwrap();
            documents.put(&DocumentEntry { order_id: 2, state: issued(502, Some(WzState::Sent { since_ms: 1 }), vec![]), updated_ms: 1 }).await.unwrap();
            let pass = prune(&store, &keys, 180, NOW).await.unwrap();
            assert_eq!(pass.removed, vec![1]);
            assert!(documents.get(1).await.unwrap().is_none());
            assert!(documents.get(2).await.unwrap().is_some(), "a WZ waiting for the merchant keeps the document");
            assert_eq!(documents.known_ids().await.unwrap().into_iter().collect::<Vec<_>>(), [502]);
            // Once its WZ is settled, it goes with its order at the next pass; one with copies stays.
            documents.put(&DocumentEntry { order_id: 2, state: issued(502, None, vec![503]), updated_ms: 1 }).await.unwrap();
            assert!(prune(&store, &keys, 180, NOW).await.unwrap().removed.is_empty(), "copies the merchant must delete keep it");
            documents.put(&DocumentEntry { order_id: 2, state: issued(502, None, vec![]), updated_ms: 1 }).await.unwrap();
            assert_eq!(prune(&store, &keys, 180, NOW).await.unwrap().removed, vec![2]);
            assert!(documents.get(2).await.unwrap().is_none());
        });
        assert_eq!(ids_left(&store, &keys), vec![3, 4, 5, 6, 7, 8, 9, 101]);
    }

    #[test]
    fn entries_newer_than_the_setting_stay() {
        let store = MemStorage::new();
        let keys = ShopKeys::new("sklep.example.pl");
        ledger(&store, &keys, 179);
        let pass = block_on(prune(&store, &keys, 180, NOW)).unwrap();
        assert!(pass.removed.is_empty());
        // A shorter setting reaches them.
        let mut pass = block_on(prune(&store, &keys, 30, NOW)).unwrap();
        pass.removed.sort_unstable();
        assert_eq!(pass.removed, vec![1, 2]);
    }

    /// A store that cannot list its keys (the trait's default `scan`).
    struct NoListing(MemStorage);

    impl Storage for NoListing {
        async fn get(&self, key: &str) -> Result<Option<String>, crate::io::StoreError> {
            self.0.get(key).await
        }
        async fn set(&self, key: &str, value: &str) -> Result<(), crate::io::StoreError> {
            self.0.set(key, value).await
        }
        async fn remove(&self, key: &str) -> Result<(), crate::io::StoreError> {
            self.0.remove(key).await
        }
    }

    #[test]
    fn without_a_cursor_or_a_listing_nothing_goes() {
        let store = MemStorage::new();
        let keys = ShopKeys::new("sklep.example.pl");
        ledger(&store, &keys, 400);
        let pass = block_on(prune(&NoListing(store.clone()), &keys, 180, NOW)).unwrap();
        assert!(!pass.listed && pass.removed.is_empty());
        block_on(async { store.remove(&keys.cursor()).await.unwrap() });
        assert!(block_on(prune(&store, &keys, 180, NOW)).unwrap().removed.is_empty());
        assert_eq!(ids_left(&store, &keys).len(), 10);
    }

    #[test]
    fn an_unreadable_entry_or_index_is_never_a_reason_to_remove() {
        let store = MemStorage::new();
        let keys = ShopKeys::new("sklep.example.pl");
        ledger(&store, &keys, 400);
        block_on(async {
            store.set(&keys.order(1), "{not json").await.unwrap();
            assert_eq!(prune(&store, &keys, 180, NOW).await.unwrap().removed, vec![2]);
            store.set(&keys.open_orders(), "[broken").await.unwrap();
            assert!(prune(&store, &keys, 180, NOW).await.is_err(), "a pass without the open index removes nothing");
        });
        assert_eq!(ids_left(&store, &keys), vec![1, 3, 4, 5, 6, 7, 8, 9, 101]);
    }

    #[test]
    fn a_pass_runs_at_most_once_a_day() {
        let store = MemStorage::new();
        let keys = ShopKeys::new("sklep.example.pl");
        ledger(&store, &keys, 400);
        block_on(async {
            assert!(prune_if_due(&store, &keys, 180, NOW).await.unwrap().is_some());
            assert!(prune_if_due(&store, &keys, 180, NOW + DAY_MS - 1).await.unwrap().is_none());
            assert!(prune_if_due(&store, &keys, 180, NOW + DAY_MS).await.unwrap().is_some());
        });
    }

    #[test]
    fn another_shops_ledger_is_not_touched() {
        let store = MemStorage::new();
        let ours = ShopKeys::new("sklep.example.pl");
        let theirs = ShopKeys::new("sklep.example.pl.evil");
        ledger(&store, &ours, 400);
        ledger(&store, &theirs, 400);
        block_on(prune(&store, &ours, 180, NOW)).unwrap();
        assert_eq!(ids_left(&store, &theirs).len(), 10);
    }
}
