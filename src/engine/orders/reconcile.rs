//! Intents left by earlier runs settled from the markers Systim's orders carry: found (imported,
//! with any copies), absent (sent again), or unverifiable (no `listOrders`: held for the
//! merchant). The marker check itself ([`OrdersPart::markers`]) serves the sends too.

use super::{order_ref, OrdersPart};
use crate::client::error::ApiError;
use crate::decode::systim as dsys;
use crate::engine::copies::{self, keep_one, Markers};
use crate::engine::ledger::{Ledger, LedgerEntry, OrderState, SystimCopy};
use crate::engine::methods;
use crate::engine::report::{entry, Entry};
use crate::engine::store::StateError;
use crate::io::{Clock, Http, Storage};
use crate::money::Qty;
use crate::plan::orders::parse_import_marker;
use std::collections::HashMap;

/// What a marker check gave.
pub(super) enum Check {
    Markers(Markers),
    /// The account has no `listOrders` (refused now or recorded so).
    Unavailable,
    /// No answer that says anything (throttled, no connection): nothing is concluded this run.
    Inconclusive(ApiError),
}

/// How an intent left by an earlier run was settled.
pub(super) enum Settled {
    /// Found in Systim by its marker.
    Imported(Entry),
    /// Provably not in Systim: sent again.
    Absent,
    /// No `listOrders`: held for the merchant.
    Unverifiable,
}

impl<H: Http, S: Storage, C: Clock> OrdersPart<'_, '_, H, S, C> {
    /// Systim orders dated `from` (`YYYY-MM-DD`) or later with this shop's markers. `listOrders`
    /// is an assumed method ([`super::methods`]): known to be absent on this account → not
    /// called; refused now → recorded as absent; no answer that says anything → inconclusive.
    pub(super) async fn markers(&mut self, from: &str) -> Check {
        let now = self.cx.now();
        if self.cx.session.probes.known("listOrders", now) == Some(false) {
            return Check::Unavailable;
        }
        let result = self.cx.session.systim.list_orders(Some(from), None).await;
        let verdict = self.cx.session.probes.record("listOrders", &methods::verdict(&result), now);
        let result = match (result, verdict) {
            (Ok(v), _) => v,
            (Err(_), methods::Verdict::Unavailable(_)) => return Check::Unavailable,
            (Err(e), _) => return Check::Inconclusive(e),
        };
        let (orders, _) = dsys::orders(&result);
        let mut map: Markers = HashMap::new();
        for o in orders {
            if let Some((id, host)) = parse_import_marker(&o.notes) {
                if host == self.cx.session.host {
                    map.entry(id).or_default().push(SystimCopy { id: o.id, number: o.number });
                }
            }
        }
        Check::Markers(map)
    }

    /// Settle one intent (or an import that could not be checked before) from the markers:
    /// imported (found — also more than once: the copies are recorded), absent (to be sent
    /// again), or unverifiable (no `listOrders`: held for the merchant, keeping its reservation).
    pub(super) async fn reconcile(&mut self, ledger: &Ledger<'_, S>, intent: &LedgerEntry, markers: Option<&Markers>) -> Result<Settled, StateError> {
        let (OrderState::Intent { marker, .. } | OrderState::Unverifiable { marker, .. }) = &intent.state else { return Ok(Settled::Absent) };
        let now = self.cx.now();
        let Some(markers) = markers else {
            if matches!(intent.state, OrderState::Intent { .. }) {
                let e = LedgerEntry { state: OrderState::Unverifiable { marker: marker.clone(), since_ms: now }, updated_ms: now, ..intent.clone() };
                ledger.put(&e).await?;
            }
            return Ok(Settled::Unverifiable);
        };
        let Some((kept, others)) = markers.get(&intent.order_id).and_then(|c| keep_one(c)) else { return Ok(Settled::Absent) };
        let n = others.len();
        let label = kept.label();
        // The order was written around the last attempt: copies are looked for from then on.
        self.record_imported(ledger, intent.order_id, (kept, others), intent.lines.clone(), (true, intent.updated_ms)).await?;
        let (pl, en) = if n > 0 {
            (
                format!("odnalezione w Systim po niejasnej odpowiedzi: {label} — i {n} kopia(e) do usunięcia"),
                format!("found in Systim after an unclear answer: {label} — and {n} copy(ies) to delete"),
            )
        } else {
            (format!("odnalezione w Systim po niejasnej odpowiedzi: {label}"), format!("found in Systim after an unclear answer: {label}"))
        };
        Ok(Settled::Imported(entry(order_ref(intent.order_id), pl, en)))
    }

    /// Record an order as in Systim (from `addOrder`'s answer or found by its marker), with the
    /// other copies the markers showed. Its lines keep reserving stock while the order is open in
    /// the shop. `at_ms`: when it was written (copies are looked for from the day before).
    pub(super) async fn record_imported(
        &mut self,
        ledger: &Ledger<'_, S>,
        order_id: u64,
        (kept, copies): (SystimCopy, Vec<SystimCopy>),
        lines: Vec<(u64, Qty)>,
        (reconciled, at_ms): (bool, u64),
    ) -> Result<(), StateError> {
        let doubled = !copies.is_empty();
        let state = OrderState::Imported { systim_id: kept.id, number: kept.number, at_ms, reconciled, copies };
        ledger.put(&LedgerEntry { order_id, state, updated_ms: self.cx.now(), lines }).await?;
        if doubled {
            copies::mark_doubled(ledger, order_id).await?;
        }
        self.cx.reservations.add(self.cx.store, order_id).await
    }
}
