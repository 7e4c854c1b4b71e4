//! The order part ([`OrdersPart`]): Shoper orders into Systim, exactly once (see [`super::ledger`]).
//!
//! 1. Reconcile ([`reconcile`]): every `Intent` left by an earlier run (a lost answer, a killed
//!    worker) is looked up in Systim by its marker before anything is sent again.
//! 2. Read ([`feed`]): new orders after the cursor (keyset, ascending), plus the open ones (held,
//!    waiting, intents proven unsent); their lines in bulk. The cursor and the open ledger entries
//!    are read once, before the run reads the shop; the feed's first page and the open orders
//!    travel with the shop's dictionaries ([`OrderPrefetch`]); the lines of 500 orders take two
//!    `/bulk` calls.
//! 3. Plan ([`crate::plan::orders`]); buyers linked to Systim contractors ([`contractors`]); a dry
//!    run stops here.
//! 4. Execute ([`send`]): a marker check against Systim first, back to the day before the oldest
//!    order being sent (another browser may have imported it, however long ago), then the products
//!    and contractors the plan needs ([`systim_products`], [`contractors`]), then per order:
//!    intent (with the lines, reserving stock) → `addOrder` → result. What reached Systim since
//!    this run began is checked again after the 1st, 4th, 16th… send and once a minute; copies
//!    another importer made stop the sends (the rest is left for the next run, each order
//!    once). The cursor moves only past orders the ledger has recorded. Found orders are
//!    recorded as imported and reserve stock like the ones this run sent.

mod contractors;
mod feed;
mod reconcile;
mod send;
mod systim_products;

pub(super) use feed::{prefetch, OrderPrefetch};

use super::context::{section, PartOutcome, RunContext};
use super::copies;
use super::ledger::{Ledger, LedgerEntry, OrderState};
use super::report::{entry, group, keyed_group, Entry, Part, ProblemGroup, Section};
use super::reservations::Previewed;
use super::run::{add_decode_problems, Failure, PartResult};
use super::session::{ShopRead, SystimRead};
use super::store::{save, StateError};
use super::Phase;
use crate::client::error::ApiError;
use crate::dates::{ymd, DAY_MS};
use crate::io::{Clock, Http, Storage};
use crate::matching::SystimIndex;
use crate::plan::orders::{plan_orders, OrderContext, OrdersPlan, SkippedOrder};
use crate::plan::ReasonCode;
use crate::settings::StartPoint;
use feed::{feed_start, revisit_ids, Cursor};
use send::{lookback_from, SendWindow};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;

/// The order part of one run, over the run's context and the two sides' snapshots.
pub(super) struct OrdersPart<'p, 'r, H, S, C> {
    pub cx: &'p mut RunContext<'r, H, S, C>,
    pub shop: &'p ShopRead,
    pub systim: &'p SystimRead,
}

/// Systim codes that refuse a request for what it is (wrong key 4, invalid fields 6, not in this
/// version of the program 10, accounting month closed 16): the same body is refused the same
/// way every time, so neither this copy of the request nor one the browser may have sent before
/// it created anything.
const DETERMINISTIC_REFUSALS: [i64; 2] = [10, 16];

/// Errors after which `addOrder` certainly created nothing. Anything else that is not a clean
/// answer — no answer, a 5xx, an error page, Systim's code 2 (it may throttle the browser's own
/// resend of a copy already written) — leaves the outcome unknown.
pub(in crate::engine) fn certainly_not_created(e: &ApiError) -> bool {
    use ApiError::*;
    match e {
        // Refused by the client before anything was sent.
        InvalidAddress { .. } | Cancelled { .. } => true,
        SystimWrongCredentials | SystimInvalidFields { .. } | SystimUnknownMethod { .. } => true,
        // The token was refused, and the client's one log-in and repeat did not get through: a
        // copy sent earlier by the browser would have needed the token to die in between.
        SystimSessionLost => true,
        SystimError { code, .. } => DETERMINISTIC_REFUSALS.contains(code),
        _ => false,
    }
}

/// Errors that end the run: every later call would fail the same way (or Systim is throttling).
pub(in crate::engine) fn stops_the_run(e: &ApiError) -> bool {
    use crate::client::error::Interruption;
    matches!(
        e,
        ApiError::SystimWrongCredentials
            | ApiError::SystimSessionLost
            | ApiError::Unreachable { .. }
            | ApiError::RateLimited { .. }
            | ApiError::OutcomeUnknown { cause: Interruption::RateLimited, .. }
    ) || matches!(e, ApiError::SystimError { code, .. } if DETERMINISTIC_REFUSALS.contains(code))
}

/// Systim refused an `addOrder` for the number of calls (code 2, or a 429): no more sends this
/// run.
fn throttled(e: &ApiError) -> bool {
    use crate::client::error::Interruption;
    matches!(e, ApiError::OutcomeUnknown { cause: Interruption::RateLimited, .. } | ApiError::RateLimited { .. })
}

/// After a failed import: end the run when the error would repeat, else go on.
fn stop_if_fatal(e: ApiError) -> Result<(), Failure> {
    if stops_the_run(&e) {
        Err(Failure::Api(e))
    } else {
        Ok(())
    }
}

pub(in crate::engine) fn systim_id_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => o.get("id").and_then(systim_id_of),
        _ => None,
    }
}

pub(in crate::engine) fn order_ref(id: u64) -> String {
    format!("Zamówienie {id}")
}

/// What the run did, for the section.
#[derive(Default)]
struct Tally {
    /// A marker check got no answer that says anything: no send this run.
    check_failed: Option<ApiError>,
    done: Vec<Entry>,
    held: Vec<ProblemGroup>,
    failed: u32,
    /// Systim throttled the sends: the rest waits for the next run.
    throttled: bool,
}

impl<H: Http, S: Storage, C: Clock> OrdersPart<'_, '_, H, S, C> {
    /// Run the part. `first`: what it reads first (the cursor, the open ledger entries, the first
    /// shop reads), read before the run read the shop. A preview fills `previewed` with what its
    /// orders would reserve.
    pub(super) async fn run(&mut self, first: OrderPrefetch, previewed: &mut Previewed) -> PartOutcome {
        let mut section = section(Part::Orders);
        let (dry_run, settings, shop, systim) = (self.cx.dry_run(), self.cx.settings, self.shop, self.systim);
        let (cursor, open, prefetched) = first.split();
        if cursor.is_none() && settings.orders.start == StartPoint::Unset && !dry_run {
            section.problems.push(keyed_group("start_point_unset", Vec::new()));
            return Ok(PartResult { section, refused: false });
        }
        let keys = self.cx.keys.clone();
        let ledger = RunLedger::new(Ledger::new(self.cx.store, keys.clone()));
        let mut tally = Tally::default();
        if !dry_run {
            match self.settle_systim_creations().await {
                Ok(group) => section.problems.extend(group),
                Err(e) => return Err((section, e.into())),
            }
        }

        // 1. Reconcile what earlier runs left (`reconcile_open`). The open entries were read with
        //    the cursor, before the shop was read; read here only if that read failed.
        let open = match open {
            Some(o) => o,
            None => match ledger.open_entries().await {
                Ok(o) => o,
                Err(e) => return Err((section, e.into())),
            },
        };
        ledger.saw(open.iter().map(|e| e.order_id));
        let reconciled = match self.reconcile_open(&ledger, &open, &mut tally).await {
            Ok(r) => r,
            Err(e) => return Err((section, e.into())),
        };
        let mut revisit = revisit_ids(&open, self.cx.now());
        revisit.extend(reconciled.resend.iter().copied());

        // 2. Read new and open orders with their lines.
        self.cx.progress_to(Phase::ReadingShop, 0, 0).await;
        let (after, date_filter) = feed_start(cursor.as_ref(), settings);
        let first_page = prefetched.first_page(after, date_filter.as_ref());
        let read = self.read_orders(after, date_filter.as_ref(), &revisit, first_page).await;
        let feed::ReadOrders { orders, problems: read_problems, new_ids } = match read {
            Ok(r) => r,
            Err(e) => return Err((section, e.into())),
        };
        add_decode_problems(&mut section, &read_problems);

        // 3. Plan.
        self.cx.progress_to(Phase::Planning, 0, orders.len() as u32).await;
        let index = SystimIndex::new(&systim.snapshot, settings.matching.normalize_codes);
        let shop_index = crate::matching::ShopIndex::new(&shop.snapshot);
        let statuses = &shop.snapshot.statuses;
        let ctx = OrderContext { settings, systim: &index, shop: Some(&shop_index), statuses, shop_host: self.cx.host() };
        let mut plan = plan_orders(&orders, &ctx);
        if let Err(e) = self.link_buyers(&mut plan, &mut section).await {
            return Err((section, e.into()));
        }
        section.counts.considered = plan.tally.counts.considered + tally.done.len() as u32;
        if dry_run {
            *previewed = Previewed::of(&orders, &plan, &shop.snapshot.statuses, settings);
            self.describe_plan(&plan, &mut section);
            match copies::doubled_group(&ledger).await {
                Ok(Some(group)) => section.problems.push(group),
                Ok(None) => {}
                Err(e) => return Err((section, e.into())),
            }
            section.counts.done = plan.imports.len() as u32;
            section.counts.skipped = plan.tally.counts.skipped_total();
            return Ok(PartResult { section, refused: false });
        }

        // 4. Execute.
        let unreadable = read_problems.iter().filter(|p| p.record_skipped);
        let unreadable_ids: Vec<u64> = unreadable.filter_map(|p| record_order_id(&p.record)).collect();
        let run_started = ymd(self.cx.progress.started_ms.saturating_sub(DAY_MS));
        let window = SendWindow { since: lookback_from(&orders, &plan), run_started };
        let result = match self.record_not_imported(&ledger, &plan, &unreadable_ids).await {
            Ok(()) => self.execute_plan(&ledger, &plan, &window, &mut tally).await,
            Err(e) => Err(e.into()),
        };
        let deferred = result.as_ref().map(Vec::len).unwrap_or(0);
        if let Ok(ids) = &result {
            if !ids.is_empty() {
                section.notes.push(deferred_group(ids));
            }
        }
        if let Some(e) = &tally.check_failed {
            section.notes.push(error_group("marker_check_failed", "listOrders", e));
        }
        if tally.throttled {
            section.notes.push(keyed_group("systim_throttled_sends", Vec::new()));
        }
        let result = result.map(|_| ());
        if let Err(Failure::State(e)) = result {
            return Err((section, Failure::State(e)));
        }
        // Advance the cursor past every new order the ledger has recorded, in id order.
        let mut last = after;
        for id in &new_ids {
            match ledger.has(*id).await {
                Ok(true) => last = *id,
                _ => break,
            }
        }
        if last > after {
            if let Err(e) = save(self.cx.store, &keys.cursor(), &Cursor { last_order_id: last }).await {
                return Err((section, e.into()));
            }
        }
        self.describe_skips(&plan, &mut section);
        if !reconciled.unverifiable.is_empty() {
            section.problems.push(unverifiable_group(&reconciled.unverifiable, self.cx.host()));
        }
        match copies::doubled_group(&ledger).await {
            Ok(Some(group)) => section.problems.push(group),
            Ok(None) => {}
            Err(e) => return Err((section, e.into())),
        }
        section.notes.extend(copies::resolved_group(&reconciled.copy_changes));
        section.counts.done = tally.done.len() as u32;
        section.counts.skipped = plan.tally.counts.skipped_total() + deferred as u32;
        section.counts.failed = tally.failed;
        section.done = tally.done;
        section.problems.extend(tally.held);
        match result {
            Ok(()) => Ok(PartResult { section, refused: false }),
            Err(e) => Err((section, e)),
        }
    }

    /// Record the orders the plan does not import, so the cursor can pass them (held ones are
    /// looked at again on every run).
    async fn record_not_imported(&mut self, ledger: &RunLedger<'_, S>, plan: &OrdersPlan, unreadable: &[u64]) -> Result<(), StateError> {
        let now = self.cx.now();
        // Orders not imported: recorded so the cursor can pass them (held ones are retried).
        for skipped in &plan.tally.skipped {
            let state = skip_state(skipped, now);
            let prev = ledger.get(skipped.order_id).await?;
            // An order in Systim, or perhaps in Systim, stays so whatever became of it in the shop.
            if matches!(prev.as_ref().map(|p| &p.state), Some(OrderState::Imported { .. } | OrderState::Unverifiable { .. })) {
                continue;
            }
            ledger.put(&LedgerEntry { order_id: skipped.order_id, state, updated_ms: now, lines: Vec::new() }).await?;
        }
        for id in unreadable {
            let (pl, en) = ("Nie udało się odczytać zamówienia z Shopera", "The order could not be read from Shoper");
            let state = held("order_unreadable", pl, en, now);
            ledger.put(&LedgerEntry { order_id: *id, state, updated_ms: now, lines: Vec::new() }).await?;
        }
        Ok(())
    }

    async fn hold(&mut self, ledger: &RunLedger<'_, S>, id: u64, reason: &str, text: (&str, &str), tally: &mut Tally) -> Result<(), StateError> {
        let now = self.cx.now();
        let state = held(reason, text.0, text.1, now);
        ledger.put(&LedgerEntry { order_id: id, state, updated_ms: now, lines: Vec::new() }).await?;
        tally.failed += 1;
        Ok(())
    }

    fn describe_plan(&self, plan: &OrdersPlan, section: &mut Section) {
        for import in &plan.imports {
            section.done.push(entry(
                order_ref(import.order_id),
                format!(
                    "zostanie zaimportowane: {}, {}",
                    super::report::pl_count(import.request.lines.len(), "pozycja", "pozycje", "pozycji"),
                    import.totals.imported.to_pl()
                ),
                format!("would be imported: {} lines, {}", import.request.lines.len(), import.totals.imported),
            ));
        }
        self.describe_skips(plan, section);
    }

    fn describe_skips(&self, plan: &OrdersPlan, section: &mut Section) {
        let first_reasons: Vec<crate::plan::Finding> =
            plan.tally.skipped.iter().filter_map(|s| s.reasons.first().cloned().map(|f| f.order(s.order_id))).collect();
        let (info, problems): (Vec<_>, Vec<_>) = first_reasons.into_iter().partition(|f| f.reason.severity() == crate::plan::Severity::Info);
        section.problems.extend(group(&problems));
        section.notes.extend(group(&info));
        let mut warnings: Vec<crate::plan::Finding> = Vec::new();
        for i in &plan.imports {
            warnings.extend(i.warnings.iter().cloned().map(|f| f.order(i.order_id)));
        }
        section.notes.extend(group(&warnings));
    }
}

/// An order held for the merchant: why, in both languages.
fn held(reason: impl Into<String>, pl: impl Into<String>, en: impl Into<String>, since_ms: u64) -> OrderState {
    OrderState::Held { reason: reason.into(), detail_pl: pl.into(), detail_en: en.into(), since_ms }
}

/// The ledger state of an order the plan did not import.
fn skip_state(s: &SkippedOrder, now: u64) -> OrderState {
    let first = s.reasons.first();
    let reason = first.map(|f| f.reason).unwrap_or(ReasonCode::NoLines);
    match reason {
        ReasonCode::OriginNotSelected | ReasonCode::BeforeStartPoint => OrderState::Skipped { reason: reason.code().into() },
        ReasonCode::StatusNotSelected => OrderState::Waiting { reason: reason.code().into(), since_ms: now },
        _ => {
            let (pl, en): (Vec<String>, Vec<String>) = s.reasons.iter().map(|f| (f.text_pl(), f.text_en())).unzip();
            held(reason.code(), pl.join("; "), en.join("; "), now)
        }
    }
}

fn deferred_group(ids: &[u64]) -> ProblemGroup {
    keyed_group(
        "another_importer_active",
        ids.iter().map(|id| entry(order_ref(*id), "zostawione na następną synchronizację", "left for the next run")).collect(),
    )
}

fn unverifiable_group(ids: &[u64], host: &str) -> ProblemGroup {
    keyed_group(
        "import_unverifiable",
        ids.iter()
            .map(|id| {
                let marker = crate::plan::orders::import_marker(*id, host);
                entry(order_ref(*id), format!("znacznik w uwagach: „{marker}”"), format!("marker in the notes: \"{marker}\""))
            })
            .collect(),
    )
}

/// The ledger as the order part uses it: the orders it has seen recorded this run (read, or
/// written) are remembered, so that moving the cursor past the new orders does not read each of
/// their entries again. Entries are never removed during a run, so a remembered order stays
/// recorded; the values themselves are always read from storage.
struct RunLedger<'a, S: Storage> {
    ledger: Ledger<'a, S>,
    recorded: RefCell<BTreeSet<u64>>,
}

impl<'a, S: Storage> RunLedger<'a, S> {
    fn new(ledger: Ledger<'a, S>) -> Self {
        RunLedger { ledger, recorded: RefCell::new(BTreeSet::new()) }
    }

    /// Orders known to have an entry (the open ones, read before the run read the shop).
    fn saw(&self, ids: impl Iterator<Item = u64>) {
        self.recorded.borrow_mut().extend(ids);
    }

    async fn get(&self, order_id: u64) -> Result<Option<LedgerEntry>, StateError> {
        let entry = self.ledger.get(order_id).await?;
        if entry.is_some() {
            self.recorded.borrow_mut().insert(order_id);
        }
        Ok(entry)
    }

    async fn put(&self, entry: &LedgerEntry) -> Result<(), StateError> {
        self.ledger.put(entry).await?;
        self.recorded.borrow_mut().insert(entry.order_id);
        Ok(())
    }

    /// Whether the order has an entry (read only if this run has not seen it recorded).
    async fn has(&self, order_id: u64) -> Result<bool, StateError> {
        if self.recorded.borrow().contains(&order_id) {
            return Ok(true);
        }
        Ok(self.get(order_id).await?.is_some())
    }
}

impl<'a, S: Storage> std::ops::Deref for RunLedger<'a, S> {
    type Target = Ledger<'a, S>;
    fn deref(&self) -> &Ledger<'a, S> {
        &self.ledger
    }
}

/// A group of one entry: what met the error, in the error's words.
fn error_group(reason: &str, reference: impl Into<String>, e: &ApiError) -> ProblemGroup {
    keyed_group(reason, vec![entry(reference, e.message_pl(), e.message_en())])
}

/// The order id in a decode error's record name (`zamówienie Shoper 1023`).
fn record_order_id(record: &str) -> Option<u64> {
    record.strip_prefix("zamówienie Shoper ").and_then(|r| r.split_whitespace().next()).and_then(|s| s.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_names_give_order_ids() {
        assert_eq!(record_order_id("zamówienie Shoper 1023"), Some(1023));
        assert_eq!(record_order_id("produkt Systim id 3"), None);
    }
}
