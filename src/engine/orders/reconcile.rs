//! Intents left by earlier runs settled from the markers Systim's orders carry: found (imported,
//! with any copies), absent (sent again), or unverifiable (no `listOrders`: held for the
//! merchant). The marker check itself ([`OrdersPart::markers`]) serves the sends too.

use super::{order_ref, OrdersPart, RunLedger, Tally};
use crate::client::error::ApiError;
use crate::dates::{ymd, DAY_MS};
use crate::decode::systim as dsys;
use crate::engine::copies::{self, keep_one, record_copies, CopyChange, Markers};
use crate::engine::ledger::{LedgerEntry, OrderState, SystimCopy};
use crate::engine::methods;
use crate::engine::report::{entry, Entry};
use crate::engine::store::StateError;
use crate::io::{Clock, Http, Storage};
use crate::money::Qty;
use crate::plan::orders::parse_import_marker;
use std::collections::{BTreeSet, HashMap};

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

/// What settling the earlier runs' intents gave.
#[derive(Default)]
pub(super) struct Reconciled {
    /// Intents proven absent from Systim: read again and sent again.
    pub resend: BTreeSet<u64>,
    /// Imports that cannot be checked: held for the merchant.
    pub unverifiable: Vec<u64>,
    /// Copies the check found new or deleted.
    pub copy_changes: Vec<CopyChange>,
}

/// An order as it is in Systim.
pub(super) struct InSystim {
    /// The copy kept (the oldest).
    pub kept: SystimCopy,
    /// The other copies, to be deleted in Systim.
    pub copies: Vec<SystimCopy>,
    /// Found by its marker after a lost answer (not from `addOrder`'s own answer).
    pub reconciled: bool,
    /// When it was written (copies are looked for from the day before).
    pub at_ms: u64,
}

/// An import whose outcome is not known yet: an intent, or one that could not be checked.
fn is_unsettled(e: &LedgerEntry) -> bool {
    matches!(e.state, OrderState::Intent { .. } | OrderState::Unverifiable { .. })
}

impl<H: Http, S: Storage, C: Clock> OrdersPart<'_, '_, H, S, C> {
    /// Settle the intents left by earlier runs (and imports that could not be checked, once the
    /// account answers `listOrders`), and look at the orders found in Systim more than once: one
    /// marker check back to the oldest of them. `open`: the open ledger entries, read once.
    pub(super) async fn reconcile_open(&mut self, ledger: &RunLedger<'_, S>, open: &[LedgerEntry], tally: &mut Tally) -> Result<Reconciled, StateError> {
        let doubled = copies::doubled_ids(ledger).await?;
        let unsettled: Vec<&LedgerEntry> = open.iter().filter(|e| is_unsettled(e)).collect();
        let held = |out: &mut Reconciled| {
            let ids = unsettled.iter().filter(|e| matches!(e.state, OrderState::Unverifiable { .. })).map(|e| e.order_id);
            out.unverifiable.extend(ids);
        };
        let mut out = Reconciled::default();
        if (unsettled.is_empty() && doubled.is_empty()) || self.cx.dry_run() {
            held(&mut out);
            return Ok(out);
        }
        let doubled_since = copies::doubled_since(ledger, &doubled).await?;
        let oldest = unsettled.iter().map(|e| e.updated_ms).chain(doubled_since).min().unwrap_or(0);
        let markers = match self.markers(&ymd(oldest.saturating_sub(DAY_MS))).await {
            Check::Markers(m) => Some(m),
            Check::Unavailable => None,
            Check::Inconclusive(e) => {
                // Nothing is concluded: the intents stay intents (never sent, never held for
                // a decision on the strength of a check that did not happen).
                tally.check_failed = Some(e);
                None
            }
        };
        if tally.check_failed.is_some() {
            held(&mut out);
        }
        for intent in unsettled.iter().filter(|_| tally.check_failed.is_none()) {
            match self.reconcile(ledger, intent, markers.as_ref()).await? {
                Settled::Imported(done) => tally.done.push(done),
                Settled::Absent => {
                    out.resend.insert(intent.order_id);
                }
                Settled::Unverifiable => out.unverifiable.push(intent.order_id),
            }
        }
        if let Some(markers) = &markers {
            out.copy_changes = record_copies(ledger, markers, self.cx.now(), true).await?;
        }
        Ok(out)
    }

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
    pub(super) async fn reconcile(&mut self, ledger: &RunLedger<'_, S>, intent: &LedgerEntry, markers: Option<&Markers>) -> Result<Settled, StateError> {
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
        let found = InSystim { kept, copies: others, reconciled: true, at_ms: intent.updated_ms };
        self.record_imported(ledger, intent.order_id, found, intent.lines.clone()).await?;
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
    /// the shop.
    pub(super) async fn record_imported(
        &mut self,
        ledger: &RunLedger<'_, S>,
        order_id: u64,
        found: InSystim,
        lines: Vec<(u64, Qty)>,
    ) -> Result<(), StateError> {
        let InSystim { kept, copies, reconciled, at_ms } = found;
        let doubled = !copies.is_empty();
        let state = OrderState::Imported { systim_id: kept.id, number: kept.number, at_ms, reconciled, copies };
        ledger.put(&LedgerEntry { order_id, state, updated_ms: self.cx.now(), lines }).await?;
        if doubled {
            copies::mark_doubled(ledger, order_id).await?;
        }
        self.cx.imported.push(order_id);
        self.cx.reservations.add(self.cx.store, order_id).await
    }
}
