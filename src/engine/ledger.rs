//! The order ledger: what happened to every Shoper order this extension has looked at, kept in
//! storage so that an order is imported into Systim **exactly once** whatever fails.
//!
//! The protocol around `addOrder` (which never deduplicates):
//! 1. write [`OrderState::Intent`] with the import marker and the order's lines *before*
//!    sending (from then on the lines reserve stock: whatever the answer, the order may be in
//!    Systim, and the shop must not offer those units again);
//! 2. send; on an answer with the new id write [`OrderState::Imported`] right after;
//! 3. on a definite refusal (a validation error: nothing was created) write `Held` with the reason;
//! 4. on no answer (timeout, dropped connection, server error page) leave the `Intent`.
//!
//! An `Intent` found later (a crash, a killed worker, a lost answer) is reconciled through the
//! marker in Systim's `uwagi` (`listOrders`) before anything is sent again: found → `Imported`;
//! provably absent → sent again; cannot be checked → `Unverifiable`, held for the merchant and
//! never sent twice.
//!
//! Before the sends, the orders are looked up by their markers too (another browser on the same
//! shop may have imported them, days ago), and again after the 1st, 4th, 16th… send and once a
//! minute (a browser importing at the same time): copies this run did not make stop the sends
//! (`src/engine/orders.rs`). What stays open: two browsers that both checked before either sent
//! can send the same order once; the next check finds both copies and the report names them.
//! Systim offers nothing to close it.

use super::store::{load, save, ShopKeys, StateError};
use crate::io::Storage;
use crate::money::Qty;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Stored inside a [`LedgerEntry`] as `{"state": "imported", "systim_id": …}` (internally
/// tagged, see [`state_json`]); on its own serde sees it externally tagged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// `addOrder` is about to be sent or was sent without a known outcome (the entry's lines
    /// reserve stock meanwhile).
    Intent { marker: String, since_ms: u64, attempts: u32 },
    /// In Systim under this id.
    Imported {
        systim_id: u64,
        #[serde(default)]
        number: String,
        at_ms: u64,
        /// Found through the marker after a lost answer (not from `addOrder`'s own answer).
        #[serde(default)]
        reconciled: bool,
    },
    /// Not imported for a reason the merchant can fix (missing product, unknown VAT rate…);
    /// tried again on every run.
    Held { reason: String, detail_pl: String, detail_en: String, since_ms: u64 },
    /// Not (yet) eligible — e.g. its status is not among the selected ones; looked at again.
    Waiting { reason: String, since_ms: u64 },
    /// Deliberately not imported (origin not selected, before the start point, cancelled).
    Skipped { reason: String },
    /// An import whose outcome cannot be checked (the account does not answer `listOrders`):
    /// never sent again automatically; the merchant decides.
    Unverifiable { marker: String, since_ms: u64 },
}

impl OrderState {
    /// Final states leave the open index; the others are looked at on every run.
    pub fn is_final(&self) -> bool {
        matches!(self, OrderState::Imported { .. } | OrderState::Skipped { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub order_id: u64,
    #[serde(with = "state_json")]
    pub state: OrderState,
    pub updated_ms: u64,
    /// Systim product id and quantity of each imported line (for stock reservations).
    #[serde(default)]
    pub lines: Vec<(u64, Qty)>,
}

/// [`OrderState`] as `{"state": "<variant>", ...fields}`, without serde's buffered reading of
/// `#[serde(tag = "state")]` (see [`super::tagged`]).
mod state_json {
    use super::super::tagged;
    use super::OrderState;
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(state: &OrderState, s: S) -> Result<S::Ok, S::Error> {
        let value = serde_json::to_value(state).map_err(S::Error::custom)?;
        tagged::to_internal(value, "state").serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OrderState, D::Error> {
        tagged::from_internal(Value::deserialize(d)?, "state").map_err(D::Error::custom)
    }
}

/// The ledger of one shop.
pub struct Ledger<'a, S: Storage> {
    store: &'a S,
    keys: ShopKeys,
}

impl<'a, S: Storage> Ledger<'a, S> {
    pub fn new(store: &'a S, keys: ShopKeys) -> Self {
        Ledger { store, keys }
    }

    pub fn keys(&self) -> &ShopKeys {
        &self.keys
    }

    pub async fn get(&self, order_id: u64) -> Result<Option<LedgerEntry>, StateError> {
        load(self.store, &self.keys.order(order_id)).await
    }

    /// Record an entry. The entry itself is written first, then the open index, so a crash in
    /// between leaves at worst a stale index entry (harmless: it is re-read and dropped).
    pub async fn put(&self, entry: &LedgerEntry) -> Result<(), StateError> {
        save(self.store, &self.keys.order(entry.order_id), entry).await?;
        let mut open = self.open_ids().await?;
        let changed = if entry.state.is_final() { open.remove(&entry.order_id) } else { open.insert(entry.order_id) };
        if changed {
            save(self.store, &self.keys.open_orders(), &open).await?;
        }
        Ok(())
    }

    /// Ids of orders whose entry is not final.
    pub async fn open_ids(&self) -> Result<BTreeSet<u64>, StateError> {
        Ok(load(self.store, &self.keys.open_orders()).await?.unwrap_or_default())
    }

    /// Entries of the open orders (stale index ids are skipped).
    pub async fn open_entries(&self) -> Result<Vec<LedgerEntry>, StateError> {
        let mut out = Vec::new();
        for id in self.open_ids().await? {
            if let Some(e) = self.get(id).await? {
                if !e.state.is_final() {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::MemStorage;
    use pollster::block_on;

    fn entry(id: u64, state: OrderState) -> LedgerEntry {
        LedgerEntry { order_id: id, state, updated_ms: 1, lines: vec![] }
    }

    #[test]
    fn open_index_follows_the_state_of_each_order() {
        let store = MemStorage::new();
        let ledger = Ledger::new(&store, ShopKeys::new("Sklep.Example.PL"));
        block_on(async {
            ledger.put(&entry(7, OrderState::Intent { marker: "Shoper 7 @ sklep.example.pl".into(), since_ms: 1, attempts: 1 })).await.unwrap();
            ledger.put(&entry(8, OrderState::Skipped { reason: "origin".into() })).await.unwrap();
            assert_eq!(ledger.open_ids().await.unwrap().into_iter().collect::<Vec<_>>(), vec![7]);
            ledger.put(&entry(7, OrderState::Imported { systim_id: 55, number: "ZAM/1/2026".into(), at_ms: 2, reconciled: false })).await.unwrap();
            assert!(ledger.open_ids().await.unwrap().is_empty());
            assert!(matches!(ledger.get(7).await.unwrap().unwrap().state, OrderState::Imported { systim_id: 55, .. }));
        });
        // Keys are per shop host, lower-cased.
        assert!(store.keys().iter().any(|k| k == "shop:sklep.example.pl:order:7"));
    }

    #[test]
    fn entries_are_stored_with_the_state_named_inside() {
        let e = entry(9, OrderState::Imported { systim_id: 55, number: "ZAM/1".into(), at_ms: 2, reconciled: true });
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"order_id": 9, "updated_ms": 1, "lines": [],
                "state": {"state": "imported", "systim_id": 55, "number": "ZAM/1", "at_ms": 2, "reconciled": true}})
        );
        assert_eq!(serde_json::from_value::<LedgerEntry>(json).unwrap(), e);
        // As written by earlier versions (`#[serde(tag = "state")]`, tag first, defaults omitted).
        let old = r#"{"order_id":3,"state":{"state":"held","reason":"r","detail_pl":"p","detail_en":"e","since_ms":4},"updated_ms":5}"#;
        let read: LedgerEntry = serde_json::from_str(old).unwrap();
        assert_eq!(read.state, OrderState::Held { reason: "r".into(), detail_pl: "p".into(), detail_en: "e".into(), since_ms: 4 });
        let old = r#"{"order_id":3,"state":{"state":"imported","systim_id":7,"at_ms":1},"updated_ms":5}"#;
        assert!(matches!(serde_json::from_str::<LedgerEntry>(old).unwrap().state, OrderState::Imported { systim_id: 7, reconciled: false, .. }));
        assert!(serde_json::from_str::<LedgerEntry>(r#"{"order_id":3,"state":{"state":"gone"},"updated_ms":5}"#).is_err());
        assert!(serde_json::from_str::<LedgerEntry>(r#"{"order_id":3,"state":{"systim_id":7},"updated_ms":5}"#).is_err());
    }

    #[test]
    fn a_corrupt_entry_is_an_error_not_a_guess() {
        let store = MemStorage::new();
        block_on(async {
            crate::io::Storage::set(&store, "shop:s:order:1", "{not json").await.unwrap();
            let ledger = Ledger::new(&store, ShopKeys::new("s"));
            assert!(matches!(ledger.get(1).await, Err(StateError::Corrupt { .. })));
        });
    }
}
