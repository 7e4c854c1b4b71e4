//! The merchant's decision on an import that cannot be checked: an order whose `addOrder` got no
//! clear answer on an account without `listOrders` is held (`Unverifiable`) and never sent again
//! by the extension on its own. The merchant looks for its marker in Systim (`uwagi` starts with
//! `Shoper <order> @ <shop>`) and says which it is:
//! - **in Systim** — recorded as imported (the Systim number may be given); its lines keep
//!   reserving stock while the order is open in the shop;
//! - **send again** — the entry becomes `Held` (`resend_requested`): the next run plans the
//!   order again and sends it once.
//!
//! The same for a sales document held as `invoice_unverifiable`, and for the WZ of a document sent
//! without a clear answer (`wz_unverifiable`) ([`Engine::resolve_document`]).

use super::ledger::{Ledger, LedgerEntry, OrderState};
use super::store::{ShopKeys, StateError};
use super::Engine;
use crate::io::{Clock, Http, Storage};
use crate::plan::orders::shop_host;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    InSystim,
    SendAgain,
}

// One reader for every unit enum (`json::unit_variant`) instead of a derived one each in the wasm.
crate::read_unit_enum!(Decision { InSystim = "in_systim", SendAgain = "send_again" });

/// Why a decision was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// No connection (no shop to keep a ledger for).
    NotConfigured,
    /// The order is not waiting for a decision (never seen, imported, or already decided).
    NotAwaiting,
    State(String),
}

impl From<StateError> for ResolveError {
    fn from(e: StateError) -> Self {
        ResolveError::State(e.to_string())
    }
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// Take the merchant's decision on a held import that could not be checked.
    pub async fn resolve_order(&self, order_id: u64, decision: Decision, systim_number: &str) -> Result<OrderState, ResolveError> {
        let origin = self.connection().await.shop_origin().map_err(|_| ResolveError::NotConfigured)?;
        let ledger = Ledger::new(&self.store, ShopKeys::new(&shop_host(&origin)));
        let Some(entry) = ledger.get(order_id).await? else { return Err(ResolveError::NotAwaiting) };
        if !matches!(entry.state, OrderState::Unverifiable { .. }) {
            return Err(ResolveError::NotAwaiting);
        }
        let now = self.clock.now_ms();
        let state = match decision {
            Decision::InSystim => {
                OrderState::Imported { systim_id: 0, number: systim_number.trim().to_string(), at_ms: entry.updated_ms, reconciled: true, copies: Vec::new() }
            }
            Decision::SendAgain => OrderState::Held {
                reason: "resend_requested".into(),
                detail_pl: "wysłanie ponowne na Twoje polecenie — następna synchronizacja wyśle je raz".into(),
                detail_en: "to be sent again as you asked — the next run sends it once".into(),
                since_ms: now,
            },
        };
        let lines = if decision == Decision::InSystim { entry.lines.clone() } else { Vec::new() };
        // Sent again: its lines reserve nothing until then (the intent before the send does).
        ledger.put(&LedgerEntry { order_id, state: state.clone(), updated_ms: now, lines }).await?;
        Ok(state)
    }
}

/// What a merchant's decision on a sales document that could not be verified
/// (`invoice_unverifiable`) recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum DocumentDecided {
    /// Recorded as issued (never issued again).
    Issued,
    /// The next run issues it once.
    SendAgain,
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// Take the merchant's decision on a sales document held as unverifiable (an unclear
    /// `addSellInvoice` whose outcome Systim's list of documents cannot settle): `in_systim` —
    /// recorded as issued (with the number the merchant found, when given); `send_again` — held
    /// as `resend_requested`, so the next run issues it once.
    ///
    /// A document whose WZ was sent without a clear answer (`wz_unverifiable`): `in_systim` — the
    /// WZ recorded as issued (never sent again; the order stops reserving its goods); `send_again`
    /// — the next run issues the WZ once.
    pub async fn resolve_document(&self, order_id: u64, decision: Decision, systim_number: &str) -> Result<DocumentDecided, ResolveError> {
        use super::invoices::ledger::{DocumentEntry, DocumentLedger, DocumentState, WzState};
        let origin = self.connection().await.shop_origin().map_err(|_| ResolveError::NotConfigured)?;
        let keys = ShopKeys::new(&shop_host(&origin));
        let ledger = DocumentLedger::new(&self.store, keys.clone());
        let Some(mut entry) = ledger.get(order_id).await? else { return Err(ResolveError::NotAwaiting) };
        let now = self.clock.now_ms();
        if let DocumentState::Issued { wz: Some(wz @ WzState::Sent { .. }), .. } = &mut entry.state {
            let decided = match decision {
                Decision::InSystim => {
                    *wz = WzState::Issued { systim_id: 0, at_ms: now };
                    // Systim's quantities hold the goods: the order reserves them no longer.
                    super::reservations::Reservations::new(&keys).release(&self.store, order_id).await?;
                    DocumentDecided::Issued
                }
                Decision::SendAgain => {
                    *wz = WzState::due();
                    DocumentDecided::SendAgain
                }
            };
            entry.updated_ms = now;
            ledger.put(&entry).await?;
            return Ok(decided);
        }
        let DocumentState::Unverifiable { kind, gross, .. } = entry.state else { return Err(ResolveError::NotAwaiting) };
        let (state, decided) = match decision {
            Decision::InSystim => (
                DocumentState::Issued {
                    kind,
                    systim_id: 0,
                    number: systim_number.trim().to_string(),
                    gross,
                    at_ms: entry.updated_ms,
                    reconciled: true,
                    accounting_failed: false,
                    copies: Vec::new(),
                    // The next run writes it back to the order when the settings ask.
                    written_back: false,
                    // Recorded by the merchant without its Systim id: no WZ can name it.
                    wz: None,
                },
                DocumentDecided::Issued,
            ),
            Decision::SendAgain => (
                DocumentState::Held {
                    reason: "resend_requested".into(),
                    detail_pl: "wystawienie ponowne na Twoje polecenie — następna synchronizacja wystawi dokument raz".into(),
                    detail_en: "to be issued again as you asked — the next run issues the document once".into(),
                    since_ms: now,
                },
                DocumentDecided::SendAgain,
            ),
        };
        ledger.put(&DocumentEntry { order_id, state, updated_ms: now }).await?;
        Ok(decided)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The merchant's decision reads as serde's derive reads it.
    #[test]
    fn a_decision_reads_as_the_derive_reads_it() {
        #[derive(Debug, Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Derived {
            InSystim,
            SendAgain,
        }
        for input in [json!("in_systim"), json!("send_again"), json!({"send_again": null}), json!("in_system"), json!("InSystim"), json!(1), json!(null)] {
            let ours = crate::json::from_value::<Decision>(input.clone()).map(|d| serde_json::to_value(d).unwrap());
            let derived = crate::json::from_value::<Derived>(input.clone()).map(|d| serde_json::to_value(d).unwrap());
            assert_eq!(ours.map_err(|e| e.to_string()), derived.map_err(|e| e.to_string().replace("enum Derived", "enum Decision")), "{input}");
        }
    }
}
