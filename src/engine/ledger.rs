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
//! (`src/engine/orders/`). What stays open: two browsers that both checked before either sent
//! can send the same order once; the next check finds both copies and the report names them.
//! Systim offers nothing to close it.
//!
//! **Copies.** The browser itself may resend an `addOrder` whose kept-alive connection closed
//! before any byte of the answer (Chromium and Firefox do this for POST too): one send of ours,
//! two orders in Systim — whatever answer came back. Every marker check therefore counts the
//! copies of every order it sees; an order found more than once stays `Imported` (it counts
//! once, reserves once) but carries the other copies in [`OrderState::Imported::copies`] and
//! its id in the shop's `doubled` index: a problem in every report, a red badge naming both
//! Systim numbers, until a later check finds the extra copies deleted. Systim has no delete
//! method, so the merchant deletes them; the advice names which to keep.

use super::store::{load, save, ShopKeys, StateError};
use crate::io::Storage;
use crate::money::Qty;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Stored as `{"state": "imported", "systim_id": …}`: serde's internal tagging, read by hand
/// (see the `Deserialize` impl).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
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
        /// Other Systim orders carrying this order's marker (the browser's resend, another
        /// browser): to be deleted in Systim. The one kept is `systim_id`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        copies: Vec<SystimCopy>,
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

/// A Systim order (id and number; the number is empty until a marker check reads it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SystimCopy {
    pub id: u64,
    #[serde(default)]
    pub number: String,
}

impl SystimCopy {
    /// How the merchant finds it in Systim: its number, else its id.
    pub fn label(&self) -> String {
        if self.number.is_empty() {
            format!("id {}", self.id)
        } else {
            format!("nr {}", self.number)
        }
    }
}

impl OrderState {
    /// Final states leave the open index; the others are looked at on every run.
    pub fn is_final(&self) -> bool {
        matches!(self, OrderState::Imported { .. } | OrderState::Skipped { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub order_id: u64,
    pub state: OrderState,
    pub updated_ms: u64,
    /// Systim product id and quantity of each imported line (for stock reservations).
    #[serde(default)]
    pub lines: Vec<(u64, Qty)>,
}

// `SystimCopy` and `LedgerEntry` are read field by field as serde's derive reads them (`id`,
// `order_id`, `state`, `updated_ms` required; `number`, `lines` default): one generic reader
// (`json::Object`) instead of a derived one per struct in the wasm.

impl<'de> Deserialize<'de> for SystimCopy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::json::{required, slot, Object};
        let (mut id, mut number) = (None, None);
        let object = Object::of(d)?;
        (|| {
            object.fields(&mut [("id", &mut slot(&mut id)), ("number", &mut slot(&mut number))])?;
            Ok(SystimCopy { id: required(id, "id")?, number: number.unwrap_or_default() })
        })()
        .map_err(|e: crate::json::Error| serde::de::Error::custom(e))
    }
}

impl<'de> Deserialize<'de> for LedgerEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::json::{required, slot, Object};
        let (mut order_id, mut state, mut updated_ms, mut lines) = (None, None, None, None);
        let object = Object::of(d)?;
        (|| {
            object.fields(&mut [
                ("order_id", &mut slot(&mut order_id)),
                ("state", &mut slot(&mut state)),
                ("updated_ms", &mut slot(&mut updated_ms)),
                ("lines", &mut slot(&mut lines)),
            ])?;
            Ok(LedgerEntry {
                order_id: required(order_id, "order_id")?,
                state: required(state, "state")?,
                updated_ms: required(updated_ms, "updated_ms")?,
                lines: lines.unwrap_or_default(),
            })
        })()
        .map_err(|e: crate::json::Error| serde::de::Error::custom(e))
    }
}

/// Read as `#[serde(tag = "state")]` reads it (other fields than the variant's are ignored), field
/// by field: serde's derive would buffer the object through its `Content` deserialiser and give
/// each variant a reader of its own, a large share of the wasm.
impl<'de> Deserialize<'de> for OrderState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let (state, mut f) = crate::json::internal::<D>(d, "state")?;
        let state = match state.as_str() {
            "intent" => (|| Ok(OrderState::Intent { marker: f.take("marker")?, since_ms: f.take("since_ms")?, attempts: f.take("attempts")? }))(),
            "imported" => (|| {
                Ok(OrderState::Imported {
                    systim_id: f.take("systim_id")?,
                    number: f.take_or_default("number")?,
                    at_ms: f.take("at_ms")?,
                    reconciled: f.take_or_default("reconciled")?,
                    copies: f.take_or_default("copies")?,
                })
            })(),
            "held" => (|| {
                Ok(OrderState::Held {
                    reason: f.take("reason")?,
                    detail_pl: f.take("detail_pl")?,
                    detail_en: f.take("detail_en")?,
                    since_ms: f.take("since_ms")?,
                })
            })(),
            "waiting" => (|| Ok(OrderState::Waiting { reason: f.take("reason")?, since_ms: f.take("since_ms")? }))(),
            "skipped" => (|| Ok(OrderState::Skipped { reason: f.take("reason")? }))(),
            "unverifiable" => (|| Ok(OrderState::Unverifiable { marker: f.take("marker")?, since_ms: f.take("since_ms")? }))(),
            other => return Err(D::Error::unknown_variant(other, &["intent", "imported", "held", "waiting", "skipped", "unverifiable"])),
        };
        state.map_err(|e: crate::json::Error| D::Error::custom(e))
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

    pub fn store(&self) -> &'a S {
        self.store
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

    /// The hand-written readers read what serde's derive reads, with its messages.
    #[test]
    fn entries_read_as_the_derive_reads_them() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Copy {
            id: u64,
            #[serde(default)]
            number: String,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Entry {
            order_id: u64,
            #[serde(deserialize_with = "OrderState::deserialize")]
            state: OrderState,
            updated_ms: u64,
            #[serde(default)]
            lines: Vec<(u64, Qty)>,
        }
        use serde_json::json;
        let imported = json!({"state": "imported", "systim_id": 4, "at_ms": 1, "copies": [{"id": 5}, {"id": 6, "number": "Z/2"}]});
        for input in [
            json!({"order_id": 1, "state": imported, "updated_ms": 2, "lines": [[3, 1500]]}),
            json!({"order_id": 1, "state": {"state": "skipped", "reason": "x"}, "updated_ms": 2, "other": true}),
            json!({"order_id": 1, "state": {"state": "imported", "systim_id": 4, "at_ms": 1, "copies": [{"number": "Z/2"}]}, "updated_ms": 2}),
            json!({"order_id": 1, "state": {"state": "imported", "systim_id": 4, "at_ms": 1, "copies": [{"id": "5"}]}, "updated_ms": 2}),
            json!({"order_id": 1, "state": {"state": "imported", "systim_id": 4, "at_ms": 1, "copies": [[5, "a"]]}, "updated_ms": 2}),
            json!({"order_id": 1, "updated_ms": 2}),
            json!({"order_id": "1", "updated_ms": 2}),
            json!({"state": {"state": "later"}, "updated_ms": "x"}),
            json!({"lines": "x", "updated_ms": -1}),
            json!({"order_id": 1, "state": {"state": "skipped", "reason": "x"}, "updated_ms": 2, "lines": null}),
            json!({}),
            json!([1, {"state": "skipped", "reason": "x"}, 2]),
            json!(null),
        ] {
            let ours = crate::json::from_value::<LedgerEntry>(input.clone());
            let derived = crate::json::from_value::<Entry>(input.clone());
            match (ours, derived) {
                (Ok(a), Ok(b)) => assert_eq!((a.order_id, a.state, a.updated_ms, a.lines), (b.order_id, b.state, b.updated_ms, b.lines), "{input}"),
                // The same message, but for a value that is no object: the derive names its struct.
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string().replace("struct Entry", "a map"), "{input}"),
                (a, b) => panic!("{input}: ours {a:?}, derive {b:?}"),
            }
            if let Some(copies) = input.pointer("/state/copies") {
                let ours = crate::json::from_value::<Vec<SystimCopy>>(copies.clone());
                let derived = crate::json::from_value::<Vec<Copy>>(copies.clone());
                match (ours, derived) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a.into_iter().map(|c| (c.id, c.number)).collect::<Vec<_>>(), b.into_iter().map(|c| (c.id, c.number)).collect::<Vec<_>>())
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string().replace("struct Copy", "a map"), "{copies}"),
                    (a, b) => panic!("{copies}: ours {a:?}, derive {b:?}"),
                }
            }
        }
    }

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
            ledger
                .put(&entry(7, OrderState::Imported { systim_id: 55, number: "ZAM/1/2026".into(), at_ms: 2, reconciled: false, copies: vec![] }))
                .await
                .unwrap();
            assert!(ledger.open_ids().await.unwrap().is_empty());
            assert!(matches!(ledger.get(7).await.unwrap().unwrap().state, OrderState::Imported { systim_id: 55, .. }));
        });
        // Keys are per shop host, lower-cased.
        assert!(store.keys().iter().any(|k| k == "shop:sklep.example.pl:order:7"));
    }

    #[test]
    fn entries_are_stored_with_the_state_named_inside() {
        let e = entry(9, OrderState::Imported { systim_id: 55, number: "ZAM/1".into(), at_ms: 2, reconciled: true, copies: vec![] });
        let text = serde_json::to_string(&e).unwrap();
        assert!(text.contains(r#""state":{"state":"imported","systim_id":55,"number":"ZAM/1","at_ms":2,"reconciled":true}"#), "{text}");
        assert_eq!(serde_json::from_str::<LedgerEntry>(&text).unwrap(), e);
        assert_eq!(crate::json::from_value::<LedgerEntry>(serde_json::from_str(&text).unwrap()).unwrap(), e);
    }

    /// The hand-written reader accepts and refuses what `#[serde(tag = "state")]` does.
    #[test]
    fn states_read_as_the_derived_internally_tagged_reader_reads_them() {
        #[derive(Debug, Deserialize)]
        #[serde(tag = "state", rename_all = "snake_case")]
        enum Derived {
            Intent {
                marker: String,
                since_ms: u64,
                attempts: u32,
            },
            Imported {
                systim_id: u64,
                #[serde(default)]
                number: String,
                at_ms: u64,
                #[serde(default)]
                reconciled: bool,
                #[serde(default)]
                copies: Vec<SystimCopy>,
            },
            Held {
                reason: String,
                detail_pl: String,
                detail_en: String,
                since_ms: u64,
            },
            Waiting {
                reason: String,
                since_ms: u64,
            },
            Skipped {
                reason: String,
            },
            Unverifiable {
                marker: String,
                since_ms: u64,
            },
        }
        fn same(ours: &OrderState, derived: &Derived) -> bool {
            // Exhaustive on purpose: a new state needs its arm in the reader (and here).
            match (ours, derived) {
                (OrderState::Intent { marker, since_ms, attempts }, Derived::Intent { marker: m, since_ms: s, attempts: a }) => {
                    (marker, since_ms, attempts) == (m, s, a)
                }
                (
                    OrderState::Imported { systim_id, number, at_ms, reconciled, copies },
                    Derived::Imported { systim_id: i, number: n, at_ms: t, reconciled: r, copies: c },
                ) => (systim_id, number, at_ms, reconciled, copies) == (i, n, t, r, c),
                (OrderState::Held { reason, detail_pl, detail_en, since_ms }, Derived::Held { reason: r, detail_pl: p, detail_en: e, since_ms: s }) => {
                    (reason, detail_pl, detail_en, since_ms) == (r, p, e, s)
                }
                (OrderState::Waiting { reason, since_ms }, Derived::Waiting { reason: r, since_ms: s }) => (reason, since_ms) == (r, s),
                (OrderState::Skipped { reason }, Derived::Skipped { reason: r }) => reason == r,
                (OrderState::Unverifiable { marker, since_ms }, Derived::Unverifiable { marker: m, since_ms: s }) => (marker, since_ms) == (m, s),
                (
                    OrderState::Intent { .. }
                    | OrderState::Imported { .. }
                    | OrderState::Held { .. }
                    | OrderState::Waiting { .. }
                    | OrderState::Skipped { .. }
                    | OrderState::Unverifiable { .. },
                    _,
                ) => false,
            }
        }
        for text in [
            r#"{"state":"intent","marker":"m","since_ms":1,"attempts":2}"#,
            r#"{"marker":"m","since_ms":1,"attempts":2,"state":"intent"}"#,
            r#"{"state":"intent","marker":"m","since_ms":1}"#,
            r#"{"state":"intent","marker":"m","since_ms":-1,"attempts":2}"#,
            r#"{"state":"imported","systim_id":7,"at_ms":1}"#,
            r#"{"state":"imported","systim_id":7,"at_ms":1,"number":"Z/1","reconciled":true,"reason":5}"#,
            r#"{"state":"imported","systim_id":7,"at_ms":1,"number":null}"#,
            r#"{"state":"imported","systim_id":"7","at_ms":1}"#,
            r#"{"state":"imported","systim_id":7,"at_ms":1,"copies":[{"id":8,"number":"Z/2"},{"id":9}]}"#,
            r#"{"state":"imported","systim_id":7,"at_ms":1,"copies":[{"number":"Z/2"}]}"#,
            r#"{"state":"imported","systim_id":7,"at_ms":1,"copies":null}"#,
            r#"{"state":"held","reason":"r","detail_pl":"p","detail_en":"e","since_ms":4}"#,
            r#"{"state":"held","reason":"r","detail_pl":"p","since_ms":4}"#,
            r#"{"state":"waiting","reason":"status","since_ms":4,"marker":[1]}"#,
            r#"{"state":"skipped","reason":"origin"}"#,
            r#"{"state":"skipped"}"#,
            r#"{"state":"unverifiable","marker":"m","since_ms":9}"#,
            r#"{"state":"gone"}"#,
            r#"{"state":3,"reason":"x"}"#,
            r#"{"reason":"x"}"#,
            r#""skipped""#,
        ] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let ours = crate::json::from_value::<OrderState>(value.clone());
            let from_text = serde_json::from_str::<OrderState>(text);
            let derived = serde_json::from_value::<Derived>(value);
            assert_eq!(ours.is_ok(), derived.is_ok(), "{text}: {ours:?} {derived:?}");
            assert_eq!(from_text.is_ok(), derived.is_ok(), "{text}");
            if let (Ok(o), Ok(d)) = (&ours, &derived) {
                assert!(same(o, d), "{text}");
            }
        }
        // serde would also take the tag and the fields in order from an array; never written.
        assert!(crate::json::from_value::<OrderState>(serde_json::json!(["skipped", "x"])).is_err());
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
