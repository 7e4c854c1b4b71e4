//! The sends of the order part: intent → `addOrder` → result per planned order, with the marker
//! checks around them that find what another importer (or the browser's own resend) put in
//! Systim ([`OrdersPart::execute_plan`]).

use super::reconcile::{Check, InSystim, Settled};
use super::{certainly_not_created, contractors, error_group, held, order_ref, stop_if_fatal, systim_id_of, throttled, OrdersPart, RunLedger, Tally};
use crate::client::form::Form;
use crate::dates::{date_ms, ymd, DAY_MS};
use crate::domain::ShopOrder;
use crate::engine::copies::{keep_one, record_copies, Markers};
use crate::engine::ledger::{LedgerEntry, OrderState, SystimCopy};
use crate::engine::report::{entry, keyed_group_as, ProblemGroup};
use crate::engine::reservations;
use crate::engine::run::Failure;
use crate::engine::store::StateError;
use crate::engine::Phase;
use crate::io::{Clock, Http, Storage};
use crate::plan::orders::{OrderImport, OrdersPlan, ProductRef};
use std::collections::{BTreeSet, HashMap};

/// How far back the marker checks before sending look (`YYYY-MM-DD`, Systim order dates).
pub(super) struct SendWindow {
    /// The day before the oldest order about to be sent was placed: an import of it by another
    /// browser cannot be older.
    pub since: String,
    /// The day before this run began: imports by a browser running at the same time.
    pub run_started: String,
}

/// What every send of a run shares.
struct Sending {
    /// Systim ids of the products created for the plan (`None` where creation failed).
    created: Vec<Option<u64>>,
    /// What became of the contractors created for the plan.
    contractors: Vec<contractors::NewContractor>,
    /// This shop's markers in Systim as last checked; `None` without `listOrders`.
    known: Option<Markers>,
    /// Orders this run sent: shop order id → the Systim id `addOrder` answered (0 if none).
    sent: HashMap<u64, u64>,
    /// Another importer was seen at work: nothing more is sent this run.
    yielding: bool,
    /// Orders this run sent without a clear answer (their intent stays).
    unclear: Vec<u64>,
    /// Orders this run sent whose Systim number a marker check has told (and the ledger holds).
    numbered: BTreeSet<u64>,
    /// Sends since the last marker check (a last check follows the sends when any).
    unchecked: usize,
}

/// After how many sends the markers are checked again: after the 1st, 4th, 16th, 64th, 256th
/// (each time ×4). A browser that begins importing while another one is at it sees the other's
/// copies at its first checks and stops; the other one sees its copies at its next check and
/// stops too. Checking before every send would cost a `listOrders` (all of the day's orders)
/// per order and halve the imports Systim allows a minute.
const RECHECK_FACTOR: usize = 4;
/// The markers are also checked again when this long has passed since the last check (an
/// answer that took long: another browser may have run meanwhile).
const RECHECK_AFTER_MS: u64 = 60_000;

/// What became of one planned order.
enum Sent {
    /// `addOrder` answered (with this Systim id, 0 if the answer named none).
    Answered(u64),
    /// Sent without a clear answer: the intent stays (a check after the sends, or the next
    /// run's, finds it).
    Unclear,
    /// Not sent: another importer is at work (left for the next run, not recorded).
    Deferred,
    /// Found in Systim, held or refused: recorded in the ledger.
    Settled,
}

/// Copies in `recent` that neither this run sent nor an earlier check saw, of orders this run
/// sent or is about to send: another importer at work right now.
fn foreign_copies(recent: &Markers, before: Option<&Markers>, sent: &HashMap<u64, u64>, remaining: &BTreeSet<u64>) -> bool {
    recent.iter().any(|(order_id, copies)| {
        let ours = sent.get(order_id);
        if ours.is_none() && !remaining.contains(order_id) {
            return false;
        }
        let seen = before.and_then(|b| b.get(order_id)).map(Vec::as_slice).unwrap_or_default();
        let unseen: Vec<u64> = copies.iter().map(|c| c.id).filter(|id| !seen.iter().any(|s| s.id == *id)).collect();
        match ours {
            // Our own copy is the one whose id we know; with no id, only a second copy tells.
            Some(0) => unseen.len() + seen.len() > 1 && !unseen.is_empty(),
            Some(mine) => unseen.iter().any(|id| id != mine),
            None => !unseen.is_empty(),
        }
    })
}

/// The day before the oldest order the plan imports was placed (every date if one is unreadable).
pub(super) fn lookback_from(orders: &[ShopOrder], plan: &OrdersPlan) -> String {
    let at: HashMap<u64, u64> = orders.iter().enumerate().map(|(n, o)| (o.order_id, n as u64)).collect();
    let placed = |id: &u64| at.get(id).and_then(|&n| date_ms(&orders[n as usize].date)).unwrap_or(0);
    let oldest = plan.imports.iter().map(|i| placed(&i.order_id)).min().unwrap_or(0);
    ymd(oldest.saturating_sub(DAY_MS))
}

/// Take an order out of the "outcome unknown" group once a check settled it.
fn forget_unknown(held: &mut Vec<ProblemGroup>, order_id: u64) {
    let item = order_ref(order_id);
    for g in held.iter_mut().filter(|g| g.reason == "import_outcome_unknown") {
        g.items.retain(|i| i.reference != item);
    }
    held.retain(|g| g.reason != "import_outcome_unknown" || !g.items.is_empty());
}

impl<H: Http, S: Storage, C: Clock> OrdersPart<'_, '_, H, S, C> {
    pub(super) async fn execute_plan(
        &mut self,
        ledger: &RunLedger<'_, S>,
        plan: &OrdersPlan,
        window: &SendWindow,
        tally: &mut Tally,
    ) -> Result<Vec<u64>, Failure> {
        if plan.imports.is_empty() {
            return Ok(Vec::new());
        }
        // Another browser may have imported some of these already (at any time since the
        // oldest of them was placed).
        if tally.check_failed.is_some() {
            return Ok(Vec::new());
        }
        let known = match self.markers(&window.since).await {
            Check::Markers(m) => Some(m),
            Check::Unavailable => None,
            Check::Inconclusive(e) => {
                tally.check_failed = Some(e);
                return Ok(Vec::new());
            }
        };
        if let Some(known) = &known {
            record_copies(ledger, known, self.cx.now(), false).await?;
        }
        let created = self.create_products(plan, tally).await?;
        let contractors = self.create_contractors(plan, tally).await?;
        let (sent, numbered) = (HashMap::new(), BTreeSet::new());
        let mut sending = Sending { created, contractors, known, sent, yielding: false, numbered, unchecked: 0, unclear: Vec::new() };
        let total = plan.imports.len() as u32;
        self.cx.progress_to(Phase::ImportingOrders, 0, total).await;
        let mut next_check = 1;
        let mut checked_ms = self.cx.now();
        let mut deferred = Vec::new();
        let mut failure = None;
        for (n, import) in plan.imports.iter().enumerate() {
            if self.cx.cancelled() {
                break;
            }
            let now = self.cx.now();
            let count_due = sending.sent.len() == next_check;
            let time_due = !sending.sent.is_empty() && now.saturating_sub(checked_ms) >= RECHECK_AFTER_MS;
            if !sending.yielding && sending.known.is_some() && (count_due || time_due) {
                if count_due {
                    next_check *= RECHECK_FACTOR;
                }
                self.recheck(ledger, &mut sending, &plan.imports[n..], &window.run_started).await?;
                checked_ms = now;
            }
            match self.import_one(ledger, import, &sending, tally).await {
                Ok(Sent::Answered(systim_id)) => {
                    sending.sent.insert(import.order_id, systim_id);
                    sending.unchecked += 1;
                }
                Ok(Sent::Unclear) => {
                    sending.unclear.push(import.order_id);
                    sending.unchecked += 1;
                }
                Ok(Sent::Deferred) => deferred.push(import.order_id),
                Ok(Sent::Settled) => {}
                Err(Failure::Api(e)) => {
                    // The sends stop; what was sent is still looked for below.
                    if e.is_outcome_unknown() {
                        sending.unclear.push(import.order_id);
                        sending.unchecked += 1;
                    }
                    if throttled(&e) {
                        // Systim limits the calls: the rest waits for the next run (the run
                        // itself goes on — its stock part writes to the shop).
                        tally.throttled = true;
                    } else {
                        failure = Some(Failure::Api(e));
                    }
                    break;
                }
                Err(e) => return Err(e),
            }
            self.cx.progress_to(Phase::ImportingOrders, n as u32 + 1, total).await;
        }
        // A last look after the sends: the browser may have written an order twice, whatever
        // answer came back, and an order sent without a clear answer may be there already.
        if sending.known.is_some() && sending.unchecked > 0 {
            match self.recheck(ledger, &mut sending, &[], &window.run_started).await {
                Ok(()) => self.settle_unclear(ledger, &sending, tally).await?,
                // Throttled or unreachable: the next run's check does it.
                Err(Failure::Api(_)) if failure.is_some() => {}
                Err(e) => return Err(e),
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(deferred),
        }
    }

    /// Orders this run sent without a clear answer that the last check found in Systim: imported
    /// (with their copies). The others keep their intent for the next run's check, which comes
    /// late enough for a slow server to have finished writing.
    async fn settle_unclear(&mut self, ledger: &RunLedger<'_, S>, sending: &Sending, tally: &mut Tally) -> Result<(), StateError> {
        let Some(known) = &sending.known else { return Ok(()) };
        for id in &sending.unclear {
            let Some(intent) = ledger.get(*id).await? else { continue };
            if !matches!(intent.state, OrderState::Intent { .. }) {
                continue;
            }
            if let Settled::Imported(done) = self.reconcile(ledger, &intent, Some(known)).await? {
                tally.done.push(done);
                tally.failed = tally.failed.saturating_sub(1);
                forget_unknown(&mut tally.held, *id);
            }
        }
        Ok(())
    }

    /// Read the markers of the orders that reached Systim since this run began; copies made by
    /// another importer (not by this run, not seen before) of this run's orders stop the sends.
    /// Every order the check sees more than once gets its copies recorded, whether its
    /// `addOrder` was answered or not (the browser may have resent it). The Systim numbers of
    /// this run's imports the check reads (`addOrder` answers only the id) go into the ledger,
    /// for the badges.
    async fn recheck(&mut self, ledger: &RunLedger<'_, S>, sending: &mut Sending, remaining: &[OrderImport], since: &str) -> Result<(), Failure> {
        let recent = match self.markers(since).await {
            Check::Markers(m) => m,
            Check::Unavailable => return Ok(()),
            // Another browser cannot be ruled out: no more sends this run (the rest waits).
            Check::Inconclusive(_) => {
                sending.yielding = true;
                return Ok(());
            }
        };
        sending.unchecked = 0;
        let mut to_send = BTreeSet::new();
        for i in remaining {
            to_send.insert(i.order_id);
        }
        let remaining = to_send;
        sending.yielding = sending.yielding || foreign_copies(&recent, sending.known.as_ref(), &sending.sent, &remaining);
        let known = sending.known.get_or_insert_with(HashMap::new);
        for (order_id, copies) in recent {
            let all = known.entry(order_id).or_default();
            for copy in copies {
                if !all.iter().any(|c| c.id == copy.id) {
                    all.push(copy);
                }
            }
        }
        record_copies(ledger, known, self.cx.now(), false).await?;
        for (order_id, systim_id) in &sending.sent {
            if *systim_id == 0 || sending.numbered.contains(order_id) {
                continue;
            }
            let Some(number) = known.get(order_id).and_then(|c| c.iter().find(|c| c.id == *systim_id)).map(|c| c.number.clone()).filter(|n| !n.is_empty())
            else {
                continue;
            };
            if let Some(mut e) = ledger.get(*order_id).await? {
                if let OrderState::Imported { systim_id: kept, number: stored, .. } = &mut e.state {
                    if *kept == *systim_id && stored.is_empty() {
                        *stored = number;
                        ledger.put(&e).await?;
                    }
                }
            }
            sending.numbered.insert(*order_id);
        }
        Ok(())
    }

    /// Import one planned order: intent → `addOrder` → result, unless it is in Systim already,
    /// its earlier import cannot be verified, or another importer is at work.
    async fn import_one(&mut self, ledger: &RunLedger<'_, S>, import: &OrderImport, sending: &Sending, tally: &mut Tally) -> Result<Sent, Failure> {
        let id = import.order_id;
        let created = &sending.created;
        let mut request = import.request.clone();
        if request.resolve_created(&created.iter().map(|c| c.unwrap_or(0)).collect::<Vec<_>>()).is_err()
            || request.lines.iter().any(|l| matches!(l.product, ProductRef::Existing { id: 0 }))
        {
            self.hold(
                ledger,
                id,
                "product_creation_failed",
                ("Nie udało się utworzyć brakującego produktu w Systim", "A missing product could not be created in Systim"),
                tally,
            )
            .await?;
            return Ok(Sent::Settled);
        }
        let prev_attempts = match ledger.get(id).await? {
            // An import that cannot be verified is never sent again automatically.
            Some(LedgerEntry { state: OrderState::Imported { .. } | OrderState::Unverifiable { .. }, .. }) => return Ok(Sent::Settled),
            Some(LedgerEntry { state: OrderState::Intent { attempts, .. }, .. }) => attempts,
            _ => 0,
        };
        let lines = reservations::lines_of(import, created);
        if let Some((kept, others)) = sending.known.as_ref().and_then(|k| k.get(&id)).and_then(|c| keep_one(c)) {
            let label = kept.label();
            let found = InSystim { kept, copies: others, reconciled: true, at_ms: self.cx.now() };
            self.record_imported(ledger, id, found, lines).await?;
            tally.done.push(entry(
                order_ref(id),
                format!("już było w Systim ({label}) — nie wysłano ponownie"),
                format!("already in Systim ({label}) — not sent again"),
            ));
            return Ok(Sent::Settled);
        }
        if sending.yielding {
            return Ok(Sent::Deferred);
        }
        if let Some(ProductRef::Created { index }) = request.contractor {
            match sending.contractors.get(index) {
                Some(contractors::NewContractor::Created(cid)) => request.contractor = Some(ProductRef::Existing { id: *cid }),
                Some(contractors::NewContractor::Refused) => request.contractor = None,
                _ => {
                    let text = ("Czeka na sprawdzenie kontrahenta w Systim", "Waits for its contractor to be checked in Systim");
                    self.hold(ledger, id, "contractor_creation_unclear", text, tally).await?;
                    return Ok(Sent::Settled);
                }
            }
        }
        // The intent reserves the order's stock from now on: whatever becomes of the answer, the
        // shop must not offer these units again.
        let now = self.cx.now();
        let marker = crate::plan::orders::import_marker(id, &self.cx.session.host);
        let intent = LedgerEntry {
            order_id: id,
            state: OrderState::Intent { marker, since_ms: now, attempts: prev_attempts + 1 },
            updated_ms: now,
            lines: lines.clone(),
        };
        // The reservation index first: a storage that fills up between the two writes must not
        // leave an intent whose request never left (without `listOrders` it could never be
        // verified, only held); an index entry without an intent reserves nothing.
        self.cx.reservations.add(self.cx.store, id).await?;
        ledger.put(&intent).await?;
        let form = request.to_params().into_iter().fold(Form::new(), |f, (k, v)| f.field(k, v));
        match self.cx.session.systim.call("addOrder", &form).await {
            Ok(v) => {
                let systim_id = systim_id_of(&v).unwrap_or(0);
                let kept = SystimCopy { id: systim_id, number: String::new() };
                let answered = InSystim { kept, copies: Vec::new(), reconciled: false, at_ms: self.cx.now() };
                self.record_imported(ledger, id, answered, lines).await?;
                tally.done.push(entry(
                    order_ref(id),
                    format!("zaimportowane do Systim (id {systim_id}), wartość {}", import.totals.imported.to_pl()),
                    format!("imported into Systim (id {systim_id}), total {}", import.totals.imported),
                ));
                Ok(Sent::Answered(systim_id))
            }
            Err(e) if certainly_not_created(&e) => {
                let state = held(e.code(), e.message_pl(), e.message_en(), now);
                ledger.put(&LedgerEntry { order_id: id, state, updated_ms: self.cx.now(), lines: Vec::new() }).await?;
                tally.failed += 1;
                let refused = vec![entry(order_ref(id), e.message_pl(), e.message_en())];
                tally.held.push(keyed_group_as(e.code(), "systim_refused_order", refused));
                stop_if_fatal(e).map(|()| Sent::Settled)
            }
            Err(e) => {
                // No clear answer: the order may be in Systim (even twice). The intent stays;
                // a check after the sends or the next run's looks the order up by its marker
                // before anything is sent again.
                tally.failed += 1;
                tally.held.push(error_group("import_outcome_unknown", order_ref(id), &e));
                stop_if_fatal(e).map(|()| Sent::Unclear)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_by_another_importer_are_told_from_this_runs_own() {
        let markers = |pairs: &[(u64, u64)]| -> Markers {
            let mut m: Markers = HashMap::new();
            for (order, systim) in pairs {
                m.entry(*order).or_default().push(SystimCopy { id: *systim, number: format!("ZAM/{systim}") });
            }
            m
        };
        let sent: HashMap<u64, u64> = [(1, 101), (2, 0)].into_iter().collect();
        let remaining: BTreeSet<u64> = [3, 4].into_iter().collect();
        // Our own copies, and a copy of an order outside this run: nobody else at work.
        assert!(!foreign_copies(&markers(&[(1, 101), (2, 102), (9, 900)]), None, &sent, &remaining));
        // A copy of an order still to send.
        assert!(foreign_copies(&markers(&[(1, 101), (3, 300)]), None, &sent, &remaining));
        // …unless an earlier check saw it (it is recorded as found, not sent).
        assert!(!foreign_copies(&markers(&[(3, 300)]), Some(&markers(&[(3, 300)])), &sent, &remaining));
        // A second copy of an order this run sent (its id known, or not).
        assert!(foreign_copies(&markers(&[(1, 101), (1, 555)]), None, &sent, &remaining));
        assert!(foreign_copies(&markers(&[(2, 102), (2, 556)]), None, &sent, &remaining));
        assert!(foreign_copies(&markers(&[(2, 102), (2, 556)]), Some(&markers(&[(2, 102)])), &sent, &remaining));
        assert!(!foreign_copies(&markers(&[(2, 102)]), Some(&markers(&[(2, 102)])), &sent, &remaining));
    }
}
