//! The document ledger: what became of the sales document of every Shoper order the invoices part
//! has looked at — one document per order, issued **exactly once** (`docs/invoicing.md`).
//!
//! `addSellInvoice` never deduplicates, and the browser may resend it by itself. So:
//! 1. [`DocumentState::Intent`] (issue date, gross total, buyer, run) is written **before** the call;
//! 2. a clean answer → [`DocumentState::Issued`] with the id (and number);
//! 3. a clear refusal (codes 6, 10, 16, invalid fields) → [`DocumentState::Held`] with Systim's text;
//! 4. anything else leaves the intent, settled from `listSellInvoices` (same issue date, same gross,
//!    not a document the ledger knows; buyer and marker only where the rows carry them): found →
//!    issued; none, at a later run → sent again; more than one with nothing to tell them apart →
//!    [`DocumentState::Unverifiable`], never sent again — the merchant decides.
//!
//! Storage: `shop:<host>:document:<order id>` the entry, `shop:<host>:documents_open` the ids of
//! orders whose entry is not final, `shop:<host>:document_ids` every Systim document id the ledger
//! holds (issued ones and their copies: never a candidate for another order),
//! `shop:<host>:documents_unchecked` a run's sends not yet checked ([`Unchecked`]), and
//! `shop:<host>:invoice_cursor` where the feed of triggered orders stands.

use crate::engine::store::{load, save, ShopKeys, StateError};
use crate::io::Storage;
use crate::plan::invoice::DocumentKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A document as the merchant finds it in Systim: its number, or its id while Systim gave none.
pub fn document_label(number: &str, systim_id: u64) -> String {
    if number.is_empty() {
        format!("id {systim_id}")
    } else {
        number.to_string()
    }
}

/// What happened to one order's document. Stored internally tagged (`{"state": "issued", …}`),
/// read by hand (see the `Deserialize` impl).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DocumentState {
    /// `addSellInvoice` is about to be sent, or was sent without a clear answer, by run `run`.
    Intent { kind: DocumentKind, issue_date: String, gross: i64, contractor: Option<u64>, run: String, since_ms: u64, attempts: u32 },
    /// In Systim under this id. `copies`: other documents the same request made (the browser's
    /// resend), for the merchant to delete.
    Issued {
        kind: DocumentKind,
        systim_id: u64,
        number: String,
        gross: i64,
        at_ms: u64,
        /// Found through `listSellInvoices` after an unclear answer.
        reconciled: bool,
        /// `result_code` 102: issued, but Systim's accounting of it failed.
        accounting_failed: bool,
        copies: Vec<u64>,
        /// The write-back to the shop is done (or none was asked for).
        written_back: bool,
        /// The document's WZ (`invoicing.issue_wz` when it was issued); none: no WZ is issued.
        #[serde(skip_serializing_if = "Option::is_none")]
        wz: Option<WzState>,
    },
    /// Not issued for a reason the merchant can fix, or that passes (a closed month, the order
    /// not imported yet); looked at again on every run while the order is in a chosen status.
    Held { reason: String, detail_pl: String, detail_en: String, since_ms: u64 },
    /// An unclear `addSellInvoice` whose outcome the list cannot settle (unreadable, or several
    /// documents alike): never sent again; the merchant decides. `candidates`: the documents it
    /// may be.
    Unverifiable { kind: DocumentKind, issue_date: String, gross: i64, candidates: Vec<u64>, since_ms: u64 },
    /// Never issued: the order itself is left out of the import for good (its origin, the start
    /// point), or it waited longer than [`HELD_DAYS`].
    Skipped { reason: String },
}

/// A held document is looked at again for this long, then left alone (its order's status must
/// change again for it to be read anew).
pub const HELD_DAYS: u64 = 30;

impl DocumentState {
    /// Issued, written back and its WZ issued (or none asked for), or skipped: out of the open
    /// index. A WZ due or sent without a clear answer keeps the entry open.
    pub fn is_final(&self) -> bool {
        matches!(self, DocumentState::Issued { written_back: true, wz: None | Some(WzState::Issued { .. }), .. } | DocumentState::Skipped { .. })
    }
}

/// The WZ of an issued document (`addStoreDocument` `rodzaj` 4 with `id_faktury`), exactly once
/// without a list to check it by: Systim has no method that lists store documents (none that real
/// code calls), so a WZ sent without a clean answer is never sent again by the extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WzState {
    /// To be issued by the next chance (right after the document, or the next run). `refused_*`:
    /// Systim's words when it refused the last try clearly (nothing issued; tried again).
    Due { refused_pl: String, refused_en: String },
    /// Sent (or about to be) without a clean answer: it may be in Systim. Never sent again; the
    /// order keeps reserving its goods until the merchant says (`resolveDocument`).
    Sent { since_ms: u64 },
    /// In Systim under this id: Systim's quantities hold the order's goods from now on.
    Issued { systim_id: u64, at_ms: u64 },
}

impl WzState {
    pub fn due() -> Self {
        WzState::Due { refused_pl: String::new(), refused_en: String::new() }
    }
}

impl<'de> Deserialize<'de> for WzState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let (state, mut f) = crate::json::internal::<D>(d, "state")?;
        let state = match state.as_str() {
            "due" => (|| Ok(WzState::Due { refused_pl: f.take_or_default("refused_pl")?, refused_en: f.take_or_default("refused_en")? }))(),
            "sent" => (|| Ok(WzState::Sent { since_ms: f.take("since_ms")? }))(),
            "issued" => (|| Ok(WzState::Issued { systim_id: f.take("systim_id")?, at_ms: f.take("at_ms")? }))(),
            other => return Err(D::Error::unknown_variant(other, &["due", "sent", "issued"])),
        };
        state.map_err(|e: crate::json::Error| D::Error::custom(e))
    }
}

impl<'de> Deserialize<'de> for DocumentState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let (state, mut f) = crate::json::internal::<D>(d, "state")?;
        let state = match state.as_str() {
            "intent" => (|| {
                Ok(DocumentState::Intent {
                    kind: f.take("kind")?,
                    issue_date: f.take("issue_date")?,
                    gross: f.take("gross")?,
                    contractor: f.take_or_default("contractor")?,
                    run: f.take_or_default("run")?,
                    since_ms: f.take("since_ms")?,
                    attempts: f.take_or_default("attempts")?,
                })
            })(),
            "issued" => (|| {
                Ok(DocumentState::Issued {
                    kind: f.take("kind")?,
                    systim_id: f.take("systim_id")?,
                    number: f.take_or_default("number")?,
                    gross: f.take_or_default("gross")?,
                    at_ms: f.take("at_ms")?,
                    reconciled: f.take_or_default("reconciled")?,
                    accounting_failed: f.take_or_default("accounting_failed")?,
                    copies: f.take_or_default("copies")?,
                    written_back: f.take_or_default("written_back")?,
                    wz: f.take_or_default("wz")?,
                })
            })(),
            "held" => (|| {
                Ok(DocumentState::Held {
                    reason: f.take("reason")?,
                    detail_pl: f.take_or_default("detail_pl")?,
                    detail_en: f.take_or_default("detail_en")?,
                    since_ms: f.take("since_ms")?,
                })
            })(),
            "unverifiable" => (|| {
                Ok(DocumentState::Unverifiable {
                    kind: f.take("kind")?,
                    issue_date: f.take("issue_date")?,
                    gross: f.take("gross")?,
                    candidates: f.take_or_default("candidates")?,
                    since_ms: f.take("since_ms")?,
                })
            })(),
            "skipped" => (|| Ok(DocumentState::Skipped { reason: f.take("reason")? }))(),
            other => return Err(D::Error::unknown_variant(other, &["intent", "issued", "held", "unverifiable", "skipped"])),
        };
        state.map_err(|e: crate::json::Error| D::Error::custom(e))
    }
}

/// One order's document entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DocumentEntry {
    pub order_id: u64,
    pub state: DocumentState,
    pub updated_ms: u64,
}

impl<'de> Deserialize<'de> for DocumentEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::json::{required, slot, Object};
        let (mut order_id, mut state, mut updated_ms) = (None, None, None);
        let object = Object::of(d)?;
        (|| {
            object.fields(&mut [("order_id", &mut slot(&mut order_id)), ("state", &mut slot(&mut state)), ("updated_ms", &mut slot(&mut updated_ms))])?;
            Ok(DocumentEntry { order_id: required(order_id, "order_id")?, state: required(state, "state")?, updated_ms: required(updated_ms, "updated_ms")? })
        })()
        .map_err(|e: crate::json::Error| serde::de::Error::custom(e))
    }
}

/// Where the feed of triggered orders stands: Shoper's `status_date` (shop time) of the last order
/// the ledger recorded; orders whose status changed at or after it are read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InvoiceCursor {
    pub status_date: String,
}

crate::read_over_default!(InvoiceCursor { status_date });

/// The sends of a run whose check after the sends did not happen (its list unreadable, the run
/// killed): the day, the documents that were there before the first send, the orders sent. The
/// next run does the check; until then nothing more is sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Unchecked {
    pub day: String,
    pub before: Vec<u64>,
    pub orders: Vec<u64>,
}

crate::read_over_default!(Unchecked { day, before, orders });

fn unchecked_key(keys: &ShopKeys) -> String {
    format!("shop:{}:documents_unchecked", keys.host())
}

pub(crate) fn document_key(keys: &ShopKeys, order_id: u64) -> String {
    format!("shop:{}:document:{order_id}", keys.host())
}
pub(crate) fn open_key(keys: &ShopKeys) -> String {
    format!("shop:{}:documents_open", keys.host())
}
fn ids_key(keys: &ShopKeys) -> String {
    format!("shop:{}:document_ids", keys.host())
}
pub(crate) fn cursor_key(keys: &ShopKeys) -> String {
    format!("shop:{}:invoice_cursor", keys.host())
}

/// The document ledger of one shop.
pub struct DocumentLedger<'a, S: Storage> {
    store: &'a S,
    keys: ShopKeys,
}

impl<'a, S: Storage> DocumentLedger<'a, S> {
    pub fn new(store: &'a S, keys: ShopKeys) -> Self {
        DocumentLedger { store, keys }
    }

    pub async fn get(&self, order_id: u64) -> Result<Option<DocumentEntry>, StateError> {
        load(self.store, &document_key(&self.keys, order_id)).await
    }

    /// Record an entry: the entry first, then the open index and the known document ids (a crash
    /// in between leaves at worst a stale index entry).
    pub async fn put(&self, entry: &DocumentEntry) -> Result<(), StateError> {
        save(self.store, &document_key(&self.keys, entry.order_id), entry).await?;
        let mut open = self.open_ids().await?;
        let changed = if entry.state.is_final() { open.remove(&entry.order_id) } else { open.insert(entry.order_id) };
        if changed {
            save(self.store, &open_key(&self.keys), &open).await?;
        }
        if let DocumentState::Issued { systim_id, copies, .. } = &entry.state {
            self.know(std::iter::once(*systim_id).chain(copies.iter().copied())).await?;
        }
        Ok(())
    }

    /// Forget an entry that is no longer due (the order left the chosen statuses before its
    /// document was issued or tried).
    pub async fn forget(&self, order_id: u64) -> Result<(), StateError> {
        self.store.remove(&document_key(&self.keys, order_id)).await?;
        let mut open = self.open_ids().await?;
        if open.remove(&order_id) {
            save(self.store, &open_key(&self.keys), &open).await?;
        }
        Ok(())
    }

    pub async fn open_ids(&self) -> Result<BTreeSet<u64>, StateError> {
        Ok(load(self.store, &open_key(&self.keys)).await?.unwrap_or_default())
    }

    pub async fn open_entries(&self) -> Result<Vec<DocumentEntry>, StateError> {
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

    /// Every Systim document id the ledger holds (issued, copies).
    pub async fn known_ids(&self) -> Result<BTreeSet<u64>, StateError> {
        Ok(load(self.store, &ids_key(&self.keys)).await?.unwrap_or_default())
    }

    /// Pruning (`super::super::prune`): whether the entry of `order_id`'s document may go with its
    /// order's entry — none, or final without copies. `Some(ids)`: it may (the Systim ids to
    /// forget with it); `None`: it must stay, and so must the order's entry (a WZ still due reads
    /// its lines).
    pub async fn prunable(&self, order_id: u64) -> Result<Option<Vec<u64>>, StateError> {
        Ok(match self.get(order_id).await? {
            None => Some(Vec::new()),
            Some(e) => match &e.state {
                DocumentState::Issued { systim_id, copies, .. } if e.state.is_final() && copies.is_empty() => Some(vec![*systim_id]),
                DocumentState::Skipped { .. } => Some(Vec::new()),
                _ => None,
            },
        })
    }

    /// Remove a prunable entry (after its order's entry) and forget its Systim ids: an old
    /// document is never a candidate for a new intent (those look at recent days).
    pub async fn remove_pruned(&self, order_id: u64, ids: &[u64]) -> Result<(), StateError> {
        self.store.remove(&document_key(&self.keys, order_id)).await?;
        self.change_known(|known| {
            for id in ids {
                known.remove(id);
            }
        })
        .await
    }

    pub async fn know(&self, ids: impl Iterator<Item = u64>) -> Result<(), StateError> {
        self.change_known(|known| known.extend(ids)).await
    }

    /// The known ids, changed only one way by `change` (all added, or all removed), saved when
    /// their number moved.
    async fn change_known(&self, change: impl FnOnce(&mut BTreeSet<u64>)) -> Result<(), StateError> {
        let mut known = self.known_ids().await?;
        let before = known.len();
        change(&mut known);
        if known.len() != before {
            save(self.store, &ids_key(&self.keys), &known).await?;
        }
        Ok(())
    }

    pub async fn unchecked(&self) -> Result<Option<Unchecked>, StateError> {
        load(self.store, &unchecked_key(&self.keys)).await
    }

    pub async fn set_unchecked(&self, u: Option<&Unchecked>) -> Result<(), StateError> {
        match u {
            Some(u) => save(self.store, &unchecked_key(&self.keys), u).await,
            None => Ok(self.store.remove(&unchecked_key(&self.keys)).await?),
        }
    }

    pub async fn cursor(&self) -> Result<Option<InvoiceCursor>, StateError> {
        load(self.store, &cursor_key(&self.keys)).await
    }

    pub async fn set_cursor(&self, cursor: &InvoiceCursor) -> Result<(), StateError> {
        save(self.store, &cursor_key(&self.keys), cursor).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::MemStorage;
    use pollster::block_on;

    fn issued(id: u64, written_back: bool) -> DocumentState {
        DocumentState::Issued {
            kind: DocumentKind::Receipt,
            systim_id: id,
            number: "PAR/1/2026".into(),
            gross: 12_345,
            at_ms: 5,
            reconciled: false,
            accounting_failed: false,
            copies: vec![id + 1],
            written_back,
            wz: None,
        }
    }

    fn with_wz(mut state: DocumentState, step: WzState) -> DocumentState {
        if let DocumentState::Issued { wz, .. } = &mut state {
            *wz = Some(step);
        }
        state
    }

    #[test]
    fn every_state_reads_back_as_written_and_the_indexes_follow() {
        let store = MemStorage::new();
        let ledger = DocumentLedger::new(&store, ShopKeys::new("Sklep.PL"));
        block_on(async {
            let states = [
                DocumentState::Intent {
                    kind: DocumentKind::VatInvoice,
                    issue_date: "2026-12-05".into(),
                    gross: 100,
                    contractor: Some(7),
                    run: "r1".into(),
                    since_ms: 1,
                    attempts: 1,
                },
                DocumentState::Held { reason: "invoice_month_closed".into(), detail_pl: "p".into(), detail_en: "e".into(), since_ms: 2 },
                DocumentState::Unverifiable { kind: DocumentKind::Receipt, issue_date: "2026-12-05".into(), gross: 100, candidates: vec![3, 4], since_ms: 3 },
                issued(40, false),
                issued(40, true),
                with_wz(issued(40, true), WzState::due()),
                with_wz(issued(40, true), WzState::Due { refused_pl: "odmowa".into(), refused_en: "refused".into() }),
                with_wz(issued(40, true), WzState::Sent { since_ms: 7 }),
                with_wz(issued(40, false), WzState::Issued { systim_id: 77, at_ms: 8 }),
                with_wz(issued(40, true), WzState::Issued { systim_id: 77, at_ms: 8 }),
                DocumentState::Skipped { reason: "origin_not_selected".into() },
            ];
            for state in states {
                let e = DocumentEntry { order_id: 9, state, updated_ms: 6 };
                ledger.put(&e).await.unwrap();
                assert_eq!(ledger.get(9).await.unwrap(), Some(e.clone()));
                assert_eq!(ledger.open_ids().await.unwrap().contains(&9), !e.state.is_final(), "{e:?}");
            }
            assert_eq!(ledger.known_ids().await.unwrap().into_iter().collect::<Vec<_>>(), [40, 41]);
            assert!(crate::json::from_value::<DocumentState>(serde_json::json!({"state": "gone"})).is_err());
            // A WZ due or unclear keeps the entry open (looked at on every run); issued, it is done.
            assert!(!with_wz(issued(1, true), WzState::due()).is_final());
            assert!(!with_wz(issued(1, true), WzState::Sent { since_ms: 1 }).is_final());
            assert!(with_wz(issued(1, true), WzState::Issued { systim_id: 2, at_ms: 1 }).is_final());
            let bad_wz = serde_json::json!({"state": "issued", "kind": "receipt", "systim_id": 1, "at_ms": 1, "wz": {"state": "lost"}});
            assert!(crate::json::from_value::<DocumentState>(bad_wz).is_err());
            assert!(crate::json::from_value::<DocumentState>(serde_json::json!({"state": "issued", "kind": "receipt"})).is_err());
        });
    }
}
