//! The order part: Shoper orders into Systim, exactly once (see [`super::ledger`]).
//!
//! 1. Reconcile: every `Intent` left by an earlier run (a lost answer, a killed worker) is looked
//!    up in Systim by its marker before anything is sent again.
//! 2. Read: new orders after the cursor (keyset, ascending), plus the open ones (held, waiting,
//!    intents proven unsent); their lines in bulk. The feed's first page and the open orders
//!    travel with the shop's dictionaries ([`OrderPrefetch`]); the lines of 500 orders take two
//!    `/bulk` calls.
//! 3. Plan ([`crate::plan::orders`]); a dry run stops here.
//! 4. Execute: a marker check against Systim first, back to the day before the oldest order
//!    being sent (another browser may have imported it, however long ago), then per order:
//!    intent (with the lines, reserving stock) → `addOrder` → result. What reached Systim since
//!    this run began is checked again after the 1st, 4th, 16th… send and once a minute; copies
//!    another importer made stop the sends (the rest is left for the next run, each order
//!    once). The cursor moves only past orders the ledger has recorded. Found orders are
//!    recorded as imported and reserve stock like the ones this run sent.

mod contractors;

use super::copies::{self, keep_one, record_copies, CopyChange, Markers};
use super::ledger::{Ledger, LedgerEntry, OrderState, SystimCopy};
use super::report::{entry, group, keyed_group, keyed_group_as, Entry, Part, ProblemGroup, Section, SectionCounts};
use super::run::{add_decode_problems, Failure, PartResult};
use super::session::{Session, ShopRead, SystimRead};
use super::store::{load, save, ShopKeys, StateError};
use super::{Engine, Phase, Progress};
use crate::client::error::ApiError;
use crate::client::form::Form;
use crate::client::shoper::{items, keyset_head, Read};
use crate::dates::{date_ms, ymd, DAY_MS};
use crate::decode::shoper as dshop;
use crate::decode::systim as dsys;
use crate::domain::ShopOrder;
use crate::io::{Clock, Http, Storage};
use crate::matching::SystimIndex;
use crate::money::Qty;
use crate::plan::orders::{parse_import_marker, plan_orders, LineSource, OrderContext, OrdersPlan, ProductRef, SkippedOrder};
use crate::plan::ReasonCode;
use crate::settings::{Settings, StartPoint};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// New orders read per run (the rest waits for the next run, a minute later).
pub const MAX_NEW_ORDERS: usize = 500;
/// Ids per `in` filter.
const IDS_PER_QUERY: usize = 50;
/// A waiting order (its status not selected) is looked at for this long, then left alone.
const WAITING_DAYS: u64 = 30;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Cursor {
    last_order_id: u64,
}

/// Where the feed of new orders starts: after the cursor, else at the start point the merchant
/// chose (an order number, or a date as a filter).
fn feed_start(cursor: Option<&Cursor>, settings: &Settings) -> (u64, Option<Value>) {
    let after = cursor.map(|c| c.last_order_id).unwrap_or(match &settings.orders.start {
        StartPoint::OrderId(n) => n.saturating_sub(1),
        _ => 0,
    });
    let date_filter = match (cursor, &settings.orders.start) {
        (None, StartPoint::Date(d)) => Some(json!({"date": {">=": format!("{d} 00:00:00")}})),
        _ => None,
    };
    (after, date_filter)
}

/// Orders recorded earlier that are looked at again: held ones, and those waiting for their
/// status (for [`WAITING_DAYS`]).
fn revisit_ids(open: &[LedgerEntry], now: u64) -> BTreeSet<u64> {
    // Sets and maps are filled by insert rather than collected: a collect sorts first, and
    // every sort instance costs the wasm kilobytes (docs/benchmarks.md).
    let mut set = BTreeSet::new();
    for e in open {
        let again = match &e.state {
            OrderState::Held { .. } => true,
            OrderState::Waiting { since_ms, .. } => now.saturating_sub(*since_ms) < WAITING_DAYS * DAY_MS,
            _ => false,
        };
        if again {
            set.insert(e.order_id);
        }
    }
    set
}

/// The order part's shop reads that are known before the run reads anything — the first page
/// of the feed of new orders and the orders to look at again — so they travel in the run's
/// first `/bulk` call with the shop's dictionaries instead of in calls of their own.
#[derive(Debug, Default)]
pub(super) struct OrderPrefetch {
    /// The feed start the first page was read for.
    feed: Option<(u64, Option<Value>)>,
    /// The orders read again, [`IDS_PER_QUERY`] to a read.
    revisit: Vec<u64>,
    answers: Vec<Result<Value, ApiError>>,
}

impl OrderPrefetch {
    /// The reads, in the order their answers are expected ([`Self::answered`]).
    pub(super) fn reads(&self) -> Vec<Read> {
        let Some((after, date_filter)) = &self.feed else { return Vec::new() };
        let mut reads = vec![keyset_head("orders", "order_id", *after, date_filter.as_ref())];
        reads.extend(self.revisit.chunks(IDS_PER_QUERY).map(|chunk| Read::head("orders").filtered(json!({"order_id": {"in": chunk}})).ordered("order_id ASC")));
        reads
    }

    pub(super) fn answered(self, answers: Vec<Result<Value, ApiError>>) -> Self {
        OrderPrefetch { answers, ..self }
    }

    /// The prefetched answers if they were read for this feed start: the feed's first page, and
    /// the orders read again (with their ids).
    fn take(self, after: u64, date_filter: Option<&Value>) -> Option<(Value, Vec<Value>, BTreeSet<u64>)> {
        let (a, d) = self.feed?;
        if a != after || d.as_ref() != date_filter || self.answers.is_empty() {
            return None;
        }
        let mut answers = self.answers.into_iter();
        let head = answers.next()?.ok()?;
        let mut orders = Vec::new();
        for answer in answers {
            orders.extend(answer.ok()?.get_mut("list").map(Value::take).map(items).unwrap_or_default());
        }
        let mut ids = BTreeSet::new();
        for id in self.revisit {
            ids.insert(id);
        }
        Some((head, orders, ids))
    }
}

/// Imported orders whose lines still reserve stock (their Shoper status is open).
pub(super) fn reserving_key(keys: &ShopKeys) -> String {
    format!("shop:{}:reserving", keys.host())
}

type PartError = (Section, Failure);

/// Systim codes that refuse a request for what it is (wrong key 4, invalid fields 6, not in this
/// version of the program 10, accounting month closed 16): the same body is refused the same
/// way every time, so neither this copy of the request nor one the browser may have sent before
/// it created anything.
const DETERMINISTIC_REFUSALS: [i64; 2] = [10, 16];

/// Errors after which `addOrder` certainly created nothing. Anything else that is not a clean
/// answer — no answer, a 5xx, an error page, Systim's code 2 (it may throttle the browser's own
/// resend of a copy already written) — leaves the outcome unknown.
fn certainly_not_created(e: &ApiError) -> bool {
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
fn stops_the_run(e: &ApiError) -> bool {
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
    matches!(e, ApiError::OutcomeUnknown { cause: crate::client::error::Interruption::RateLimited, .. } | ApiError::RateLimited { .. })
}

/// After a failed import: end the run when the error would repeat, else go on.
fn stop_if_fatal(e: ApiError) -> Result<(), Failure> {
    if stops_the_run(&e) {
        Err(Failure::Api(e))
    } else {
        Ok(())
    }
}

/// What a marker check gave.
enum Check {
    Markers(Markers),
    /// The account has no `listOrders` (refused now or recorded so).
    Unavailable,
    /// No answer that says anything (throttled, no connection): nothing is concluded this run.
    Inconclusive(ApiError),
}

/// How an intent left by an earlier run was settled.
enum Settled {
    /// Found in Systim by its marker.
    Imported(Entry),
    /// Provably not in Systim: sent again.
    Absent,
    /// No `listOrders`: held for the merchant.
    Unverifiable,
}

/// How far back the marker checks before sending look (`YYYY-MM-DD`, Systim order dates).
struct SendWindow {
    /// The day before the oldest order about to be sent was placed: an import of it by another
    /// browser cannot be older.
    since: String,
    /// The day before this run began: imports by a browser running at the same time.
    run_started: String,
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
fn lookback_from(orders: &[ShopOrder], plan: &OrdersPlan) -> String {
    let at: HashMap<u64, u64> = orders.iter().enumerate().map(|(n, o)| (o.order_id, n as u64)).collect();
    let oldest = plan.imports.iter().map(|i| at.get(&i.order_id).and_then(|&n| date_ms(&orders[n as usize].date)).unwrap_or(0)).min().unwrap_or(0);
    ymd(oldest.saturating_sub(DAY_MS))
}

fn systim_id_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => o.get("id").and_then(systim_id_of),
        _ => None,
    }
}

fn order_ref(id: u64) -> String {
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

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// What the order part will read first, from the cursor and the ledger (nothing when the
    /// part will not read: no start point chosen).
    pub(super) async fn order_prefetch(&self, host: &str, settings: &Settings, dry_run: bool) -> OrderPrefetch {
        let keys = ShopKeys::new(host);
        let cursor: Option<Cursor> = load(&self.store, &keys.cursor()).await.unwrap_or(None);
        if cursor.is_none() && settings.orders.start == StartPoint::Unset && !dry_run {
            return OrderPrefetch::default();
        }
        let Ok(open) = Ledger::new(&self.store, keys).open_entries().await else { return OrderPrefetch::default() };
        let revisit = revisit_ids(&open, self.clock.now_ms()).into_iter().collect();
        OrderPrefetch { feed: Some(feed_start(cursor.as_ref(), settings)), revisit, answers: Vec::new() }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn orders_part(
        &self,
        session: &mut Session<'_, H, C>,
        settings: &Settings,
        shop: &ShopRead,
        systim: &SystimRead,
        prefetched: OrderPrefetch,
        (dry_run, previewed): (bool, &mut BTreeMap<u64, Qty>),
        progress: &mut Progress,
    ) -> Result<PartResult, PartError> {
        let keys = ShopKeys::new(&session.host);
        let mut section = Section { kind: Part::Orders, counts: SectionCounts::default(), done: Vec::new(), problems: Vec::new(), notes: Vec::new() };
        let cursor: Option<Cursor> = load(&self.store, &keys.cursor()).await.unwrap_or(None);
        if cursor.is_none() && settings.orders.start == StartPoint::Unset && !dry_run {
            section.problems.push(keyed_group("start_point_unset", Vec::new()));
            return Ok(PartResult { section, refused: false });
        }
        let ledger = Ledger::new(&self.store, keys.clone());
        let mut tally = Tally::default();
        if !dry_run {
            match self.settle_systim_creations(&session.host, systim).await {
                Ok(group) => section.problems.extend(group),
                Err(e) => return Err((section, e.into())),
            }
        }

        // 1. Reconcile intents left by earlier runs (and imports that could not be checked, once
        //    the account answers `listOrders`), and look at the orders found in Systim more than
        //    once: one marker check back to the oldest of them.
        let open = match ledger.open_entries().await {
            Ok(o) => o,
            Err(e) => return Err((section, e.into())),
        };
        let doubled = match copies::doubled_ids(&ledger).await {
            Ok(d) => d,
            Err(e) => return Err((section, e.into())),
        };
        let unsettled: Vec<&LedgerEntry> = open.iter().filter(|e| matches!(e.state, OrderState::Intent { .. } | OrderState::Unverifiable { .. })).collect();
        let mut resend: BTreeSet<u64> = BTreeSet::new();
        let mut unverifiable: Vec<u64> = Vec::new();
        let mut copy_changes: Vec<CopyChange> = Vec::new();
        if (!unsettled.is_empty() || !doubled.is_empty()) && !dry_run {
            let doubled_since = match copies::doubled_since(&ledger, &doubled).await {
                Ok(d) => d,
                Err(e) => return Err((section, e.into())),
            };
            let since = unsettled.iter().map(|e| e.updated_ms).chain(doubled_since).min().unwrap_or(0).saturating_sub(DAY_MS);
            let markers = match self.markers(session, &ymd(since)).await {
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
                unverifiable.extend(unsettled.iter().filter(|e| matches!(e.state, OrderState::Unverifiable { .. })).map(|e| e.order_id));
            }
            for intent in unsettled.iter().filter(|_| tally.check_failed.is_none()) {
                match self.reconcile(&ledger, intent, markers.as_ref()).await {
                    Ok(Settled::Imported(done)) => tally.done.push(done),
                    Ok(Settled::Absent) => {
                        resend.insert(intent.order_id);
                    }
                    Ok(Settled::Unverifiable) => unverifiable.push(intent.order_id),
                    Err(e) => return Err((section, e.into())),
                }
            }
            if let Some(markers) = &markers {
                match record_copies(&ledger, markers, self.clock.now_ms(), true).await {
                    Ok(c) => copy_changes.extend(c),
                    Err(e) => return Err((section, e.into())),
                }
            }
        } else {
            unverifiable.extend(unsettled.iter().filter(|e| matches!(e.state, OrderState::Unverifiable { .. })).map(|e| e.order_id));
        }
        let mut revisit = revisit_ids(&open, self.clock.now_ms());
        revisit.extend(resend.iter().copied());

        // 2. Read new and open orders with their lines.
        self.progress_to(progress, Phase::ReadingShop, 0, 0).await;
        let (after, date_filter) = feed_start(cursor.as_ref(), settings);
        let prefetched = prefetched.take(after, date_filter.as_ref());
        let (orders, read_problems, new_ids) = match self.read_orders(session, after, date_filter.as_ref(), &revisit, prefetched).await {
            Ok(r) => r,
            Err(e) => return Err((section, e.into())),
        };
        add_decode_problems(&mut section, &read_problems);

        // 3. Plan.
        self.progress_to(progress, Phase::Planning, 0, orders.len() as u32).await;
        let index = SystimIndex::new(&systim.snapshot, settings.matching.normalize_codes);
        let shop_index = crate::matching::ShopIndex::new(&shop.snapshot);
        let ctx = OrderContext { settings, systim: &index, shop: Some(&shop_index), statuses: &shop.snapshot.statuses, shop_host: &session.host };
        let mut plan = plan_orders(&orders, &ctx);
        if let Err(e) = self.link_buyers(session, settings, &mut plan, dry_run, &mut section).await {
            return Err((section, e.into()));
        }
        section.counts.considered = plan.tally.counts.considered + tally.done.len() as u32;
        if dry_run {
            *previewed = previewed_reservations(&orders, &plan, &shop.snapshot.statuses, settings);
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
        let unreadable_ids: Vec<u64> = read_problems.iter().filter(|p| p.record_skipped).filter_map(|p| record_order_id(&p.record)).collect();
        let window = SendWindow { since: lookback_from(&orders, &plan), run_started: ymd(progress.started_ms.saturating_sub(DAY_MS)) };
        let result = match self.record_not_imported(&ledger, &plan, &unreadable_ids).await {
            Ok(()) => self.execute_plan(session, &ledger, &plan, &window, &mut tally, progress).await,
            Err(e) => Err(e.into()),
        };
        let deferred = result.as_ref().map(Vec::len).unwrap_or(0);
        if let Ok(ids) = &result {
            if !ids.is_empty() {
                section.notes.push(deferred_group(ids));
            }
        }
        if let Some(e) = &tally.check_failed {
            section.notes.push(keyed_group("marker_check_failed", vec![entry("listOrders", e.message_pl(), e.message_en())]));
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
            match ledger.get(*id).await {
                Ok(Some(_)) => last = *id,
                _ => break,
            }
        }
        if last > after {
            if let Err(e) = save(&self.store, &keys.cursor(), &Cursor { last_order_id: last }).await {
                return Err((section, e.into()));
            }
        }
        self.describe_skips(&plan, &mut section);
        if !unverifiable.is_empty() {
            section.problems.push(unverifiable_group(&unverifiable, &session.host));
        }
        match copies::doubled_group(&ledger).await {
            Ok(Some(group)) => section.problems.push(group),
            Ok(None) => {}
            Err(e) => return Err((section, e.into())),
        }
        section.notes.extend(copies::resolved_group(&copy_changes));
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

    /// Systim orders dated `from` (`YYYY-MM-DD`) or later with this shop's markers. `listOrders`
    /// is an assumed method ([`super::methods`]): known to be absent on this account → not
    /// called; refused now → recorded as absent; no answer that says anything → inconclusive.
    async fn markers(&self, session: &mut Session<'_, H, C>, from: &str) -> Check {
        let now = self.clock.now_ms();
        if session.probes.known("listOrders", now) == Some(false) {
            return Check::Unavailable;
        }
        let result = session.systim.list_orders(Some(from), None).await;
        let verdict = session.probes.record("listOrders", &super::methods::verdict(&result), now);
        let result = match (result, verdict) {
            (Ok(v), _) => v,
            (Err(_), super::methods::Verdict::Unavailable(_)) => return Check::Unavailable,
            (Err(e), _) => return Check::Inconclusive(e),
        };
        let (orders, _) = dsys::orders(&result);
        let mut map: Markers = HashMap::new();
        for o in orders {
            if let Some((id, host)) = parse_import_marker(&o.notes) {
                if host == session.host {
                    map.entry(id).or_default().push(SystimCopy { id: o.id, number: o.number });
                }
            }
        }
        Check::Markers(map)
    }

    /// Settle one intent (or an import that could not be checked before) from the markers:
    /// imported (found — also more than once: the copies are recorded), absent (to be sent
    /// again), or unverifiable (no `listOrders`: held for the merchant, keeping its reservation).
    async fn reconcile(&self, ledger: &Ledger<'_, S>, intent: &LedgerEntry, markers: Option<&Markers>) -> Result<Settled, StateError> {
        let (OrderState::Intent { marker, .. } | OrderState::Unverifiable { marker, .. }) = &intent.state else { return Ok(Settled::Absent) };
        let now = self.clock.now_ms();
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
    async fn record_imported(
        &self,
        ledger: &Ledger<'_, S>,
        order_id: u64,
        (kept, copies): (SystimCopy, Vec<SystimCopy>),
        lines: Vec<(u64, Qty)>,
        (reconciled, at_ms): (bool, u64),
    ) -> Result<(), StateError> {
        let doubled = !copies.is_empty();
        let state = OrderState::Imported { systim_id: kept.id, number: kept.number, at_ms, reconciled, copies };
        ledger.put(&LedgerEntry { order_id, state, updated_ms: self.clock.now_ms(), lines }).await?;
        if doubled {
            copies::mark_doubled(ledger, order_id).await?;
        }
        self.add_reserving(ledger.keys(), order_id).await
    }

    /// New orders after `after` (plus `extra` by id), decoded with their lines. `prefetched`:
    /// the feed's first page and orders read again, read with the shop's dictionaries. The
    /// lines of all the orders come in two rounds of `/bulk` calls (50 orders to a filter).
    async fn read_orders(
        &self,
        session: &mut Session<'_, H, C>,
        after: u64,
        date_filter: Option<&Value>,
        extra: &BTreeSet<u64>,
        prefetched: Option<(Value, Vec<Value>, BTreeSet<u64>)>,
    ) -> Result<(Vec<ShopOrder>, Vec<crate::decode::DecodeError>, Vec<u64>), ApiError> {
        let (head, mut again, read_again) = match prefetched {
            Some((head, again, ids)) => (Some(head), again, ids),
            None => (None, Vec::new(), BTreeSet::new()),
        };
        let mut raw = session.shoper.list_keyset_from(head, "orders", "order_id", after, date_filter, MAX_NEW_ORDERS).await?;
        let new_ids: Vec<u64> = raw.iter().filter_map(|o| o.get("order_id").and_then(lenient_id)).collect();
        let mut fresh: BTreeSet<u64> = BTreeSet::new();
        for id in &new_ids {
            fresh.insert(*id);
        }
        again.retain(|o| o.get("order_id").and_then(lenient_id).is_some_and(|id| !fresh.contains(&id)));
        raw.extend(again);
        let wanted: Vec<u64> = extra.iter().copied().filter(|id| !fresh.contains(id) && !read_again.contains(id)).collect();
        if !wanted.is_empty() {
            raw.extend(session.shoper.list_by_ids("orders", "order_id", &wanted, Some("order_id ASC")).await?);
        }
        let ids: Vec<u64> = raw.iter().filter_map(|o| o.get("order_id").and_then(lenient_id)).collect();
        let lines = if ids.is_empty() { Vec::new() } else { session.shoper.list_by_ids("order-products", "order_id", &ids, Some("id ASC")).await? };
        let (mut orders, mut problems) = dshop::orders(&raw);
        let (decoded_lines, line_problems) = dshop::order_lines(&lines);
        problems.extend(line_problems);
        dshop::attach_lines(&mut orders, decoded_lines);
        // In id order (grouped rather than sorted: see `revisit_ids`).
        let mut by_id: BTreeMap<u64, Vec<ShopOrder>> = BTreeMap::new();
        for o in orders.drain(..) {
            by_id.entry(o.order_id).or_default().push(o);
        }
        orders.extend(by_id.into_values().flatten());
        Ok((orders, problems, new_ids))
    }

    /// Record the orders the plan does not import, so the cursor can pass them (held ones are
    /// looked at again on every run).
    async fn record_not_imported(&self, ledger: &Ledger<'_, S>, plan: &OrdersPlan, unreadable: &[u64]) -> Result<(), StateError> {
        let now = self.clock.now_ms();
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
            let state = OrderState::Held {
                reason: "order_unreadable".into(),
                detail_pl: "Nie udało się odczytać zamówienia z Shopera".into(),
                detail_en: "The order could not be read from Shoper".into(),
                since_ms: now,
            };
            ledger.put(&LedgerEntry { order_id: *id, state, updated_ms: now, lines: Vec::new() }).await?;
        }
        Ok(())
    }

    async fn execute_plan(
        &self,
        session: &mut Session<'_, H, C>,
        ledger: &Ledger<'_, S>,
        plan: &OrdersPlan,
        window: &SendWindow,
        tally: &mut Tally,
        progress: &mut Progress,
    ) -> Result<Vec<u64>, Failure> {
        if plan.imports.is_empty() {
            return Ok(Vec::new());
        }
        // Another browser may have imported some of these already (at any time since the
        // oldest of them was placed).
        if tally.check_failed.is_some() {
            return Ok(Vec::new());
        }
        let known = match self.markers(session, &window.since).await {
            Check::Markers(m) => Some(m),
            Check::Unavailable => None,
            Check::Inconclusive(e) => {
                tally.check_failed = Some(e);
                return Ok(Vec::new());
            }
        };
        if let Some(known) = &known {
            record_copies(ledger, known, self.clock.now_ms(), false).await?;
        }
        let created = self.create_products(session, plan, tally).await?;
        let contractors = self.create_contractors(session, plan, tally).await?;
        let mut sending =
            Sending { created, contractors, known, sent: HashMap::new(), yielding: false, numbered: BTreeSet::new(), unchecked: 0, unclear: Vec::new() };
        let total = plan.imports.len() as u32;
        self.progress_to(progress, Phase::ImportingOrders, 0, total).await;
        let mut next_check = 1;
        let mut checked_ms = self.clock.now_ms();
        let mut deferred = Vec::new();
        let mut failure = None;
        for (n, import) in plan.imports.iter().enumerate() {
            if self.cancel.get() {
                break;
            }
            let now = self.clock.now_ms();
            let count_due = sending.sent.len() == next_check;
            let time_due = !sending.sent.is_empty() && now.saturating_sub(checked_ms) >= RECHECK_AFTER_MS;
            if !sending.yielding && sending.known.is_some() && (count_due || time_due) {
                if count_due {
                    next_check *= RECHECK_FACTOR;
                }
                self.recheck(session, ledger, &mut sending, &plan.imports[n..], &window.run_started).await?;
                checked_ms = now;
            }
            match self.import_one(session, ledger, import, &sending, tally).await {
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
            self.progress_to(progress, Phase::ImportingOrders, n as u32 + 1, total).await;
        }
        // A last look after the sends: the browser may have written an order twice, whatever
        // answer came back, and an order sent without a clear answer may be there already.
        if sending.known.is_some() && sending.unchecked > 0 {
            match self.recheck(session, ledger, &mut sending, &[], &window.run_started).await {
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
    async fn settle_unclear(&self, ledger: &Ledger<'_, S>, sending: &Sending, tally: &mut Tally) -> Result<(), StateError> {
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
    async fn recheck(
        &self,
        session: &mut Session<'_, H, C>,
        ledger: &Ledger<'_, S>,
        sending: &mut Sending,
        remaining: &[crate::plan::orders::OrderImport],
        since: &str,
    ) -> Result<(), Failure> {
        let recent = match self.markers(session, since).await {
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
        record_copies(ledger, known, self.clock.now_ms(), false).await?;
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
    async fn import_one(
        &self,
        session: &mut Session<'_, H, C>,
        ledger: &Ledger<'_, S>,
        import: &crate::plan::orders::OrderImport,
        sending: &Sending,
        tally: &mut Tally,
    ) -> Result<Sent, Failure> {
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
        let lines = reserved_lines(import, created);
        if let Some((kept, others)) = sending.known.as_ref().and_then(|k| k.get(&id)).and_then(|c| keep_one(c)) {
            let label = kept.label();
            self.record_imported(ledger, id, (kept, others), lines, (true, self.clock.now_ms())).await?;
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
        let now = self.clock.now_ms();
        let marker = crate::plan::orders::import_marker(id, &session.host);
        let intent = LedgerEntry {
            order_id: id,
            state: OrderState::Intent { marker, since_ms: now, attempts: prev_attempts + 1 },
            updated_ms: now,
            lines: lines.clone(),
        };
        // The reservation index first: a storage that fills up between the two writes must not
        // leave an intent whose request never left (without `listOrders` it could never be
        // verified, only held); an index entry without an intent reserves nothing.
        self.add_reserving(ledger.keys(), id).await?;
        ledger.put(&intent).await?;
        let form = request.to_params().into_iter().fold(Form::new(), |f, (k, v)| f.field(k, v));
        match session.systim.call("addOrder", &form).await {
            Ok(v) => {
                let systim_id = systim_id_of(&v).unwrap_or(0);
                let at = self.clock.now_ms();
                self.record_imported(ledger, id, (SystimCopy { id: systim_id, number: String::new() }, Vec::new()), lines, (false, at)).await?;
                tally.done.push(entry(
                    order_ref(id),
                    format!("zaimportowane do Systim (id {systim_id}), wartość {}", import.totals.imported.to_pl()),
                    format!("imported into Systim (id {systim_id}), total {}", import.totals.imported),
                ));
                Ok(Sent::Answered(systim_id))
            }
            Err(e) if certainly_not_created(&e) => {
                let state = OrderState::Held { reason: e.code().to_string(), detail_pl: e.message_pl(), detail_en: e.message_en(), since_ms: now };
                ledger.put(&LedgerEntry { order_id: id, state, updated_ms: self.clock.now_ms(), lines: Vec::new() }).await?;
                tally.failed += 1;
                tally.held.push(keyed_group_as(e.code(), "systim_refused_order", vec![entry(order_ref(id), e.message_pl(), e.message_en())]));
                stop_if_fatal(e).map(|()| Sent::Settled)
            }
            Err(e) => {
                // No clear answer: the order may be in Systim (even twice). The intent stays;
                // a check after the sends or the next run's looks the order up by its marker
                // before anything is sent again.
                tally.failed += 1;
                tally.held.push(keyed_group("import_outcome_unknown", vec![entry(order_ref(id), e.message_pl(), e.message_en())]));
                stop_if_fatal(e).map(|()| Sent::Unclear)
            }
        }
    }

    /// Create the products the plan needs in Systim first; `None` where creation failed or its
    /// outcome is unknown (the orders that need it wait). Each code is recorded before its
    /// `addProduct` leaves: the next run's product list tells whether it was created — once, or
    /// twice (the browser may resend a creation), which the report then names.
    async fn create_products(&self, session: &mut Session<'_, H, C>, plan: &OrdersPlan, tally: &mut Tally) -> Result<Vec<Option<u64>>, Failure> {
        let mut ids = Vec::with_capacity(plan.products_to_create.len());
        if plan.products_to_create.is_empty() {
            return Ok(ids);
        }
        let key = ShopKeys::new(&session.host).systim_creating();
        let mut pending: Vec<super::products::PendingCreation> = load(&self.store, &key).await?.unwrap_or_default();
        let now = self.clock.now_ms();
        for p in &plan.products_to_create {
            if !pending.iter().any(|q| q.code == p.code.as_str()) {
                pending.push(super::products::PendingCreation { code: p.code.as_str().to_string(), at_ms: now });
            }
        }
        save(&self.store, &key, &pending).await?;
        for p in &plan.products_to_create {
            let form = p.to_params().into_iter().fold(Form::new(), |f, (k, v)| f.field(k, v));
            match session.systim.call("addProduct", &form).await {
                Ok(v) => ids.push(systim_id_of(&v)),
                Err(e) if certainly_not_created(&e) => {
                    pending.retain(|q| q.code != p.code.as_str());
                    tally.held.push(keyed_group("product_creation_failed", vec![entry(p.code.as_str(), e.message_pl(), e.message_en())]));
                    ids.push(None);
                }
                Err(e) => {
                    tally.held.push(keyed_group("product_creation_unclear", vec![entry(p.code.as_str(), e.message_pl(), e.message_en())]));
                    ids.push(None);
                }
            }
        }
        save(&self.store, &key, &pending).await?;
        Ok(ids)
    }

    /// Products an earlier run created in Systim (or tried to): the product list just read says
    /// how many there are of each code. Once (or none: the creation did not happen, the plan
    /// will create it) → forgotten; more than once → a problem naming the copies to delete (the
    /// API has no delete), until one is left.
    async fn settle_systim_creations(&self, host: &str, systim: &SystimRead) -> Result<Option<ProblemGroup>, StateError> {
        let key = ShopKeys::new(host).systim_creating();
        let pending: Vec<super::products::PendingCreation> = load(&self.store, &key).await?.unwrap_or_default();
        if pending.is_empty() {
            return Ok(None);
        }
        let mut items = Vec::new();
        let mut kept = Vec::new();
        for p in pending {
            let mut ids: Vec<u64> = systim.snapshot.products.iter().filter(|sp| sp.code.as_str() == p.code).map(|sp| sp.id).collect();
            if ids.len() > 1 {
                ids.sort_unstable();
                let others: Vec<String> = ids[1..].iter().map(|id| format!("id {id}")).collect();
                items.push(entry(
                    p.code.clone(),
                    format!("w Systim {} razy — zostaw id {}, usuń {}", ids.len(), ids[0], others.join(", ")),
                    format!("in Systim {} times — keep id {}, delete {}", ids.len(), ids[0], others.join(", ")),
                ));
                kept.push(p);
            }
        }
        save(&self.store, &key, &kept).await?;
        Ok((!items.is_empty()).then(|| keyed_group("systim_product_doubled", items)))
    }

    async fn hold(&self, ledger: &Ledger<'_, S>, id: u64, reason: &str, text: (&str, &str), tally: &mut Tally) -> Result<(), StateError> {
        let now = self.clock.now_ms();
        let state = OrderState::Held { reason: reason.into(), detail_pl: text.0.into(), detail_en: text.1.into(), since_ms: now };
        ledger.put(&LedgerEntry { order_id: id, state, updated_ms: now, lines: Vec::new() }).await?;
        tally.failed += 1;
        Ok(())
    }

    async fn add_reserving(&self, keys: &ShopKeys, id: u64) -> Result<(), StateError> {
        let key = reserving_key(keys);
        let mut ids: BTreeSet<u64> = load(&self.store, &key).await?.unwrap_or_default();
        if ids.insert(id) {
            save(&self.store, &key, &ids).await?;
        }
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
        let warnings: Vec<crate::plan::Finding> = plan.imports.iter().flat_map(|i| i.warnings.iter().cloned().map(move |f| f.order(i.order_id))).collect();
        section.notes.extend(group(&warnings));
    }
}

/// The Systim product lines of an import (not shipping), for stock reservations.
fn reserved_lines(import: &crate::plan::orders::OrderImport, created: &[Option<u64>]) -> Vec<(u64, Qty)> {
    import
        .request
        .lines
        .iter()
        .filter(|l| matches!(l.source, LineSource::OrderLine { .. }))
        .filter_map(|l| match l.product {
            ProductRef::Existing { id } => Some((id, l.quantity)),
            ProductRef::Created { index } => created.get(index).copied().flatten().map(|id| (id, l.quantity)),
        })
        .collect()
}

/// What the orders a preview would import would reserve (as the real run's stock part would
/// count them: lines of orders whose status is open, by Systim id; products the run would
/// first create in Systim have no id yet and reserve nothing).
fn previewed_reservations(orders: &[ShopOrder], plan: &OrdersPlan, statuses: &[crate::domain::ShopStatus], settings: &Settings) -> BTreeMap<u64, Qty> {
    if !settings.stock.reserve_open_orders {
        return BTreeMap::new();
    }
    // 1: open, 0: closed (a map type the wasm carries anyway)
    let open: HashMap<u64, u64> = statuses.iter().map(|s| (s.id, matches!(s.kind, 1 | 2) as u64)).collect();
    let status: HashMap<u64, u64> = orders.iter().map(|o| (o.order_id, o.status_id)).collect();
    let mut out: BTreeMap<u64, Qty> = BTreeMap::new();
    for import in &plan.imports {
        // An unknown status reserves, as in the stock part: under-selling is safer.
        if !status.get(&import.order_id).map(|s| open.get(s).is_none_or(|&o| o != 0)).unwrap_or(true) {
            continue;
        }
        for (id, q) in reserved_lines(import, &[]) {
            *out.entry(id).or_default() += q;
        }
    }
    out
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
            OrderState::Held { reason: reason.code().into(), detail_pl: pl.join("; "), detail_en: en.join("; "), since_ms: now }
        }
    }
}

/// Take an order out of the "outcome unknown" group once a check settled it.
fn forget_unknown(held: &mut Vec<ProblemGroup>, order_id: u64) {
    let item = order_ref(order_id);
    for g in held.iter_mut().filter(|g| g.reason == "import_outcome_unknown") {
        g.items.retain(|i| i.reference != item);
    }
    held.retain(|g| g.reason != "import_outcome_unknown" || !g.items.is_empty());
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

fn lenient_id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The order id in a decode error's record name (`zamówienie Shoper 1023`).
fn record_order_id(record: &str) -> Option<u64> {
    record.strip_prefix("zamówienie Shoper ").and_then(|r| r.split_whitespace().next()).and_then(|s| s.parse().ok())
}

/// Map of reserved quantities by Systim id from ledger entries (used by the stock part).
pub(super) fn sum_reserved(entries: &[LedgerEntry]) -> BTreeMap<u64, Qty> {
    let mut out: BTreeMap<u64, Qty> = BTreeMap::new();
    for e in entries {
        for (id, q) in &e.lines {
            *out.entry(*id).or_default() += *q;
        }
    }
    out
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

    #[test]
    fn record_names_give_order_ids() {
        assert_eq!(record_order_id("zamówienie Shoper 1023"), Some(1023));
        assert_eq!(record_order_id("produkt Systim id 3"), None);
    }
}
