//! The WZ of an issued document (`invoicing.issue_wz`): `addStoreDocument rodzaj=4
//! id_faktury=<document>` from the store `invoicing.wz_store_id`, with the goods lines the order's
//! import recorded (its reservation: what the order holds in Systim, not the shipping line).
//!
//! Exactly once without a list: no method that lists store documents is confirmed, so a sent WZ
//! can never be looked up. The entry's [`WzState::Sent`] is written **before** the call; a clean
//! answer records the WZ; a clear refusal (Systim named the fault: nothing was made) makes it due
//! again with Systim's words, tried on the next run; **anything else leaves it `Sent`** — shown on
//! every run (`wz_unverifiable`), never sent again, until the merchant says whether Systim has it
//! (`resolveDocument`). A run killed between the two writes leaves `Sent` too.
//!
//! With the WZ issued, the order stops reserving its goods ([`super::super::reservations`]): from
//! the next run on, whose Systim quantities hold the issue. A WZ that is due or unclear keeps the
//! reservation (a double subtraction under-sells for a while; dropping it could oversell).

use super::ledger::{DocumentEntry, DocumentLedger, DocumentState, WzState};
use super::{InvoicesPart, Tally};
use crate::client::form::Form;
use crate::dates::warsaw_ymd;
use crate::engine::ledger::Ledger;
use crate::engine::orders::{certainly_not_created, order_ref, stops_the_run, systim_id_of};
use crate::engine::report::entry;
use crate::engine::store::StateError;
use crate::io::{Clock, Http, Storage};

/// The WZ a newly issued document gets under the current settings.
pub(super) fn wz_for_new_document(issue_wz: bool) -> Option<WzState> {
    issue_wz.then(WzState::due)
}

impl<H: Http, S: Storage, C: Clock> InvoicesPart<'_, '_, H, S, C> {
    /// Issue the WZ of `order_id`'s document when its entry has one due. `Ok(true)`: Systim
    /// cannot take more now (the run's sends stop).
    pub(super) async fn issue_wz(&mut self, ledger: &DocumentLedger<'_, S>, order_id: u64, tally: &mut Tally) -> Result<bool, StateError> {
        let Some(mut e) = ledger.get(order_id).await? else { return Ok(false) };
        let DocumentState::Issued { systim_id, number, wz: wz @ Some(WzState::Due { .. }), .. } = &mut e.state else { return Ok(false) };
        let (document, label) = (*systim_id, super::ledger::document_label(number, *systim_id));
        let now = self.cx.now();
        let invoicing = &self.cx.settings.invoicing;
        // Switched off meanwhile, or a document recorded by the merchant without its Systim id:
        // no WZ from the extension.
        let store = invoicing.wz_store_id.filter(|_| invoicing.issue_wz && document > 0);
        let lines = match store {
            Some(_) => Ledger::new(self.cx.store, self.cx.keys.clone()).get(order_id).await?.map(|o| o.lines).unwrap_or_default(),
            None => Vec::new(),
        };
        let Some(store) = store.filter(|_| !lines.is_empty()) else {
            // Nothing to take off (no goods line in Systim): no WZ.
            *wz = None;
            e.updated_ms = now;
            return ledger.put(&e).await.map(|_| false);
        };
        *wz = Some(WzState::Sent { since_ms: now });
        e.updated_ms = now;
        ledger.put(&e).await?;
        let day = warsaw_ymd(now);
        let mut form = Form::new()
            .field("rodzaj", "4")
            .field("id_magazynu", store.to_string())
            .field("data_wystawienia", day.as_str())
            .field("data_wydania", day.as_str())
            .field("id_faktury", document.to_string());
        for (i, (product, qty)) in lines.iter().enumerate() {
            form = form.field(format!("pozycje[{i}][id_produktu]"), product.to_string()).field(format!("pozycje[{i}][ilosc]"), qty.to_wire());
        }
        let result = self.cx.session.systim.call("addStoreDocument", &form).await;
        let step = match &result {
            Ok(v) => match systim_id_of(v).filter(|id| *id > 0) {
                Some(id) => {
                    // Out of the reservations before the record: a crash in between leaves `Sent`
                    // (held for the merchant) with the goods no longer reserved — as Systim has them.
                    self.cx.reservations.release(self.cx.store, order_id).await?;
                    tally.note("wz_issued", entry(order_ref(order_id), format!("WZ id {id} do dokumentu {label}"), format!("WZ id {id} for document {label}")));
                    WzState::Issued { systim_id: id, at_ms: self.cx.now() }
                }
                None => {
                    tally.problem("wz_unverifiable", entry(order_ref(order_id), "Systim nie podał numeru id WZ", "Systim gave no WZ id"));
                    return Ok(false);
                }
            },
            Err(err) if certainly_not_created(err) => {
                tally.problem("wz_refused", entry(order_ref(order_id), err.message_pl(), err.message_en()));
                WzState::Due { refused_pl: err.message_pl(), refused_en: err.message_en() }
            }
            Err(err) => {
                tally.problem("wz_unverifiable", entry(order_ref(order_id), err.message_pl(), err.message_en()));
                return Ok(stops_the_run(err));
            }
        };
        let stop = result.as_ref().err().is_some_and(stops_the_run);
        if let DocumentState::Issued { wz, .. } = &mut e.state {
            *wz = Some(step);
        }
        e.updated_ms = self.cx.now();
        ledger.put(&e).await?;
        Ok(stop)
    }

    /// The WZs earlier runs left due (refused, or their turn did not come): issued now. WZs sent
    /// without a clear answer are only shown ([`Self::show_unverifiable`]).
    pub(super) async fn finish_wzs(&mut self, ledger: &DocumentLedger<'_, S>, entries: &[DocumentEntry], tally: &mut Tally) -> Result<(), StateError> {
        for e in entries {
            let due = matches!(e.state, DocumentState::Issued { wz: Some(WzState::Due { .. }), .. });
            if due && (self.cx.cancelled() || self.issue_wz(ledger, e.order_id, tally).await?) {
                break;
            }
        }
        Ok(())
    }
}
