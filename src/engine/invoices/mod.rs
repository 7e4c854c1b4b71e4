//! The invoices part ([`InvoicesPart`], issue #16, `docs/invoicing.md`): the sales document of
//! every imported Shoper order that reaches a chosen status, issued in Systim **exactly once**
//! ([`ledger`]). It runs right after the order part of the same run, over the same snapshots, when
//! `invoicing.enabled` is on.
//!
//! 1. Read: the orders whose status is one of `invoicing.trigger_statuses` and changed at or after
//!    the feed's position (`status_date`, shop time; set when the merchant switches invoicing on,
//!    [`start_feed`], else by the first run — no document for an order that
//!    reached the status before, or while invoicing was off), plus the orders of
//!    the open ledger entries, with their lines.
//! 2. Settle what earlier runs left ([`issue`]): intents from `listSellInvoices` — found, absent
//!    (sent again), or unverifiable (held, never sent again).
//! 3. Plan: the order must be imported (its order ledger entry `Imported`); its document is planned
//!    from the same import plan ([`crate::plan::orders`] then [`crate::plan::invoice`]), the buyer
//!    linked to the Systim contractor by NIP. A dry run stops here and lists the documents.
//! 4. Issue ([`issue`]): intent → `addSellInvoice` → result; the day's list read before and after
//!    the sends finds documents the browser's own resend made twice.
//! 5. Write back ([`write_back`]): the status after the document and its number in the order's
//!    private note, when the settings ask.

mod issue;
pub mod ledger;
mod rows;
pub mod write_back;
mod wz;

use super::context::{section, PartOutcome, RunContext};
use super::ledger::{Ledger, OrderState};
use super::orders::order_ref;
use super::report::{entry, group, keyed_group, Entry, Part, ProblemGroup, Section};
use super::run::{add_decode_problems, PartResult};
use super::session::{ShopRead, SystimRead};
use super::store::StateError;
use crate::client::error::ApiError;
use crate::dates::{warsaw_datetime, warsaw_ymd};
use crate::decode::shoper as dshop;
use crate::decode::DecodeError;
use crate::domain::ShopOrder;
use crate::io::{Clock, Http, Storage};
use crate::matching::{ShopIndex, SystimIndex};
use crate::plan::contractors::link_contractors;
use crate::plan::invoice::{plan_document, DocumentKind, InvoiceContext, PlannedDocument};
use crate::plan::orders::{plan_orders, OrderContext};
use crate::plan::{Finding, ReasonCode, Severity};
use crate::settings::{StartPoint, StatusFilter};
use ledger::{DocumentEntry, DocumentLedger, DocumentState, InvoiceCursor, WzState, HELD_DAYS};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Documents issued per run at most (the rest waits for the next run).
pub const MAX_DOCUMENTS: usize = 100;

/// The invoices part of one run.
pub(super) struct InvoicesPart<'p, 'r, H, S, C> {
    pub cx: &'p mut RunContext<'r, H, S, C>,
    pub shop: &'p ShopRead,
    pub systim: &'p SystimRead,
}

/// A triggered order as read.
struct Triggered {
    order: ShopOrder,
    /// Shoper's `status_date` (shop time).
    status_date: String,
    /// Read by the status feed (not only as an open entry's order).
    from_feed: bool,
}

/// What the run did, for the section.
#[derive(Default)]
struct Tally {
    done: Vec<Entry>,
    /// Orders not issued, each by its first reason.
    findings: Vec<Finding>,
    problems: Vec<ProblemGroup>,
    notes: Vec<ProblemGroup>,
    held: u32,
    failed: u32,
}

impl Tally {
    fn problem(&mut self, reason: &str, e: Entry) {
        match self.problems.iter_mut().find(|g| g.reason == reason) {
            Some(g) => g.items.push(e),
            None => self.problems.push(keyed_group(reason, vec![e])),
        }
    }
    fn note(&mut self, reason: &str, e: Entry) {
        match self.notes.iter_mut().find(|g| g.reason == reason) {
            Some(g) => g.items.push(e),
            None => self.notes.push(keyed_group(reason, vec![e])),
        }
    }
}

fn lenient_id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A document's kind in words.
fn kind_words(kind: DocumentKind) -> (&'static str, &'static str) {
    match kind {
        DocumentKind::VatInvoice => ("faktura VAT", "VAT invoice"),
        DocumentKind::Receipt => ("paragon", "receipt"),
    }
}

/// A held document's state from the first reason of its plan.
fn held_state(f: &Finding, now: u64) -> DocumentState {
    DocumentState::Held { reason: f.reason.code().to_string(), detail_pl: f.text_pl(), detail_en: f.text_en(), since_ms: now }
}

impl<H: Http, S: Storage, C: Clock> InvoicesPart<'_, '_, H, S, C> {
    pub(super) async fn run(&mut self) -> PartOutcome {
        let mut section = section(Part::Invoices);
        let mut tally = Tally::default();
        let result = self.work(&mut section, &mut tally).await;
        let findings = std::mem::take(&mut tally.findings);
        let (info, problems): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| f.reason.severity() == Severity::Info);
        section.problems.extend(group(&problems));
        section.problems.extend(tally.problems);
        section.notes.extend(group(&info));
        section.notes.extend(tally.notes);
        section.counts.done = tally.done.len() as u32;
        section.counts.skipped = tally.held;
        section.counts.failed = tally.failed;
        section.done = tally.done;
        match result {
            Ok(()) => Ok(PartResult { section, refused: false }),
            Err(e) => Err((section, e.into())),
        }
    }

    async fn work(&mut self, section: &mut Section, tally: &mut Tally) -> Result<(), StateError> {
        let (dry_run, now) = (self.cx.dry_run(), self.cx.now());
        let ledger = DocumentLedger::new(self.cx.store, self.cx.keys.clone());
        // The feed starts when invoicing is first seen on: no document for an order that reached
        // the status before (the merchant may have issued it by hand).
        let cursor = match ledger.cursor().await? {
            Some(c) => c,
            None => {
                let c = InvoiceCursor { status_date: warsaw_datetime(now) };
                ledger.set_cursor(&c).await?;
                c
            }
        };
        // An earlier run's sends not yet checked: checked first (nothing is sent until they are).
        let checked = dry_run || self.settle_unchecked(&ledger, tally).await?;
        // The open entries, in id order (a list, not a map: each map type costs the wasm kilobytes).
        let mut entries: Vec<DocumentEntry> = ledger.open_entries().await?;
        let revisit: Vec<u64> = entries.iter().map(|e| e.order_id).collect();
        let (triggered, problems) = match self.read_triggered(&cursor, &revisit).await {
            Ok(r) => r,
            Err(e) => {
                tally.problem("invoice_orders_unread", entry("Shoper", e.message_pl(), e.message_en()));
                self.show_unverifiable(&entries, tally);
                return Ok(());
            }
        };
        add_decode_problems(section, &problems);
        section.counts.considered = triggered.len() as u32;
        let triggers = &self.cx.settings.invoicing.trigger_statuses;
        let due = issue::ids_of(triggered.iter().filter(|t| triggers.contains(&t.order.status_id)).map(|t| t.order.order_id));

        // Earlier runs' intents first: found, absent (sent again below), or unverifiable.
        let intents: Vec<DocumentEntry> = entries.iter().filter(|e| matches!(e.state, DocumentState::Intent { .. })).cloned().collect();
        let mut absent = BTreeSet::new();
        if !dry_run && !intents.is_empty() {
            absent = self.reconcile_intents(&ledger, &intents, tally).await?;
            for id in intents.iter().map(|e| e.order_id) {
                let now = ledger.get(id).await?;
                entries.retain(|e| e.order_id != id);
                entries.extend(now);
            }
        }
        if !dry_run {
            self.finish_write_backs(&ledger, &entries, tally).await?;
            self.finish_wzs(&ledger, &entries, tally).await?;
        }
        self.show_unverifiable(&entries, tally);

        // What is to be planned: due orders without an entry, held ones, intents proven absent.
        let mut to_plan: Vec<&ShopOrder> = Vec::new();
        for t in &triggered {
            let id = t.order.order_id;
            // A final entry (issued, skipped) is not in the open index: an order read again (the
            // feed re-reads its last position) is never planned twice.
            if !entries.iter().any(|e| e.order_id == id) {
                entries.extend(ledger.get(id).await?);
            }
            let planned = match entries.iter().find(|e| e.order_id == id).map(|e| &e.state) {
                None | Some(DocumentState::Held { .. }) => true,
                Some(DocumentState::Intent { .. }) => absent.contains(&id),
                Some(_) => false,
            };
            if planned && due.contains(&id) && to_plan.len() < MAX_DOCUMENTS {
                to_plan.push(&t.order);
            }
        }
        // Held entries (and absent intents) whose order left the chosen statuses: no longer due.
        if !dry_run {
            for e in &entries {
                let id = e.order_id;
                let stale = matches!(e.state, DocumentState::Held { .. }) || absent.contains(&id);
                if stale && !due.contains(&id) {
                    ledger.forget(id).await?;
                }
            }
        }
        let planned = self.plan(&ledger, &to_plan, tally).await?;
        if dry_run {
            for p in &planned {
                let (pl, en) = kind_words(p.document.kind);
                let gross = p.document.totals.gross;
                let (wz_pl, wz_en) = if self.cx.settings.invoicing.issue_wz { (" i WZ", " and its WZ") } else { ("", "") };
                tally.done.push(entry(
                    order_ref(p.order_id),
                    format!("zostanie wystawiony dokument{wz_pl}: {pl}, {}", gross.to_pl()),
                    format!("a document{wz_en} would be issued: {en}, {gross}"),
                ));
            }
            return Ok(());
        }
        if checked {
            self.issue_all(&ledger, planned, tally).await?;
        }
        self.move_cursor(&ledger, &cursor, &triggered).await
    }

    /// The triggered orders (status in the chosen ones, changed at or after the cursor, oldest
    /// change first) and the orders of the open entries, with their lines.
    async fn read_triggered(&mut self, cursor: &InvoiceCursor, revisit: &[u64]) -> Result<(Vec<Triggered>, Vec<DecodeError>), ApiError> {
        let triggers = self.cx.settings.invoicing.trigger_statuses.clone();
        let shoper = &mut self.cx.session.shoper;
        let mut raw = if triggers.is_empty() {
            Vec::new()
        } else {
            let filters = json!({"status_id": {"in": triggers}, "status_date": {">=": cursor.status_date}});
            shoper.list_all("orders", Some(&filters), Some("status_date ASC")).await?
        };
        let fed = issue::ids_of(raw.iter().filter_map(|o| o.get("order_id").and_then(lenient_id)));
        let wanted: Vec<u64> = revisit.iter().copied().filter(|id| !fed.contains(id)).collect();
        if !wanted.is_empty() {
            raw.extend(shoper.list_by_ids("orders", "order_id", &wanted, Some("order_id ASC")).await?);
        }
        let dates: Vec<(u64, String)> = raw
            .iter()
            .filter_map(|o| Some((o.get("order_id").and_then(lenient_id)?, o.get("status_date").and_then(Value::as_str).unwrap_or_default().to_string())))
            .collect();
        let ids: Vec<u64> = dates.iter().map(|(id, _)| *id).collect();
        let lines = if ids.is_empty() { Vec::new() } else { shoper.list_by_ids("order-products", "order_id", &ids, Some("id ASC")).await? };
        let (mut orders, mut problems) = dshop::orders(&raw);
        let (decoded, line_problems) = dshop::order_lines(&lines);
        problems.extend(line_problems);
        dshop::attach_lines(&mut orders, decoded);
        // In the order read: the feed's oldest status change first (Shoper sorts it), then the
        // orders of the open entries (no sort of our own: each sort instance costs the wasm
        // kilobytes).
        let out: Vec<Triggered> = orders
            .into_iter()
            .map(|order| {
                let id = order.order_id;
                let status_date = dates.iter().find(|(i, _)| *i == id).map(|(_, d)| d.clone()).unwrap_or_default();
                Triggered { status_date, from_feed: fed.contains(&id), order }
            })
            .collect();
        Ok((out, problems))
    }

    /// Plan the documents of `orders`: imported first, then the same import plan, the buyer
    /// linked by NIP, then the document. What cannot be issued is held in the ledger (a dry run
    /// writes nothing) with its reasons.
    async fn plan(&mut self, ledger: &DocumentLedger<'_, S>, orders: &[&ShopOrder], tally: &mut Tally) -> Result<Vec<PlannedDocument>, StateError> {
        let now = self.cx.now();
        let order_ledger = Ledger::new(self.cx.store, self.cx.keys.clone());
        let pruned = super::prune::record(self.cx.store, &self.cx.keys).await;
        let mut imported = Vec::new();
        for o in orders {
            match order_ledger.get(o.order_id).await? {
                Some(e) if matches!(e.state, OrderState::Imported { .. }) => imported.push((*o).clone()),
                // Left out of the import for good: no document either (final, never read again).
                Some(e) if matches!(e.state, OrderState::Skipped { .. }) => {
                    let OrderState::Skipped { reason } = e.state else { continue };
                    if !self.cx.dry_run() {
                        ledger.put(&DocumentEntry { order_id: o.order_id, state: DocumentState::Skipped { reason }, updated_ms: now }).await?;
                    }
                }
                // Settled long ago and pruned (its document's entry with it): never a second
                // document, nothing to tell.
                None if pruned.covers(o.order_id) => {
                    if !self.cx.dry_run() {
                        ledger
                            .put(&DocumentEntry { order_id: o.order_id, state: DocumentState::Skipped { reason: "order_pruned".into() }, updated_ms: now })
                            .await?;
                    }
                }
                _ => {
                    let f = Finding::new(ReasonCode::InvoiceOrderNotImported).order(o.order_id);
                    self.hold(ledger, o.order_id, &f, tally).await?;
                }
            }
        }
        if imported.is_empty() {
            return Ok(Vec::new());
        }
        let settings = self.cx.settings;
        // The import plan of orders already imported: whatever the import's own filters say now.
        let mut relaxed = settings.clone();
        relaxed.orders.statuses = StatusFilter::Only(settings.invoicing.trigger_statuses.clone());
        relaxed.orders.start = StartPoint::Unset;
        for o in &imported {
            if !relaxed.orders.origins.contains(&o.origin) {
                relaxed.orders.origins.push(o.origin);
            }
        }
        let (shop, systim) = (self.shop, self.systim);
        let index = SystimIndex::new(&systim.snapshot, settings.matching.normalize_codes);
        let shop_index = ShopIndex::new(&shop.snapshot);
        let ctx = OrderContext { settings: &relaxed, systim: &index, shop: Some(&shop_index), statuses: &shop.snapshot.statuses, shop_host: self.cx.host() };
        let mut plan = plan_orders(&imported, &ctx);
        for s in &plan.tally.skipped {
            let f = s.reasons.first().cloned().unwrap_or_else(|| Finding::new(ReasonCode::InvoiceTotalsMismatch)).order(s.order_id);
            self.hold(ledger, s.order_id, &f, tally).await?;
        }
        if plan.imports.iter().any(|i| i.request.nip.is_some()) {
            match self.cx.session.systim.list_companies(None).await {
                Ok(v) => link_contractors(&mut plan, &crate::plan::contractors::Contractors::new(&crate::decode::systim::companies(&v).0), &[]),
                Err(e) => tally.note("contractors_unread", entry("listCompanies", e.message_pl(), e.message_en())),
            }
        }
        let issue_date = warsaw_ymd(now);
        let host = self.cx.host().to_string();
        let ictx =
            InvoiceContext { settings, invoicing: &settings.invoicing, vat_rates: &systim.snapshot.vat_rates, shop_host: &host, issue_date: &issue_date };
        let mut out = Vec::new();
        for import in &plan.imports {
            let Some(order) = imported.iter().find(|o| o.order_id == import.order_id) else { continue };
            match plan_document(order, import, None, &ictx) {
                Ok(mut p) => {
                    if p.document.resolve_created(&[], &[]).is_err() || !p.document.is_resolved() {
                        let reason = if p.document.lines.iter().any(|l| !matches!(l.product, crate::plan::orders::ProductRef::Existing { .. })) {
                            ReasonCode::InvoiceProductPending
                        } else {
                            ReasonCode::InvoiceContractorMissing
                        };
                        self.hold(ledger, p.order_id, &Finding::new(reason).order(p.order_id), tally).await?;
                        continue;
                    }
                    if let Err(problem) = p.document.check() {
                        let f = Finding::new(ReasonCode::InvoiceTotalsMismatch).order(p.order_id).value(problem);
                        self.hold(ledger, p.order_id, &f, tally).await?;
                        continue;
                    }
                    tally.findings.append(&mut p.warnings);
                    out.push(p);
                }
                Err(skipped) => {
                    let f = skipped.reasons.first().cloned().unwrap_or_else(|| Finding::new(ReasonCode::InvoiceTotalsMismatch)).order(skipped.order_id);
                    self.hold(ledger, skipped.order_id, &f, tally).await?;
                }
            }
        }
        Ok(out)
    }

    /// Record a document not issued (a dry run only reports it).
    async fn hold(&mut self, ledger: &DocumentLedger<'_, S>, order_id: u64, f: &Finding, tally: &mut Tally) -> Result<(), StateError> {
        tally.findings.push(f.clone());
        tally.held += 1;
        if self.cx.dry_run() {
            return Ok(());
        }
        let now = self.cx.now();
        // Held since the first time (a document waiting longer than HELD_DAYS is left alone);
        // never over a document that is, or may be, in Systim.
        let since = match ledger.get(order_id).await? {
            Some(DocumentEntry { state: DocumentState::Held { since_ms, .. }, .. }) => since_ms,
            Some(DocumentEntry { state: DocumentState::Issued { .. } | DocumentState::Unverifiable { .. }, .. }) => return Ok(()),
            _ => now,
        };
        let state = if now.saturating_sub(since) > HELD_DAYS * crate::dates::DAY_MS {
            DocumentState::Skipped { reason: f.reason.code().to_string() }
        } else {
            held_state(f, since)
        };
        ledger.put(&DocumentEntry { order_id, state, updated_ms: now }).await
    }

    /// Documents and WZs that cannot be verified, shown on every run until the merchant decides.
    fn show_unverifiable(&self, entries: &[DocumentEntry], tally: &mut Tally) {
        for e in entries {
            if let DocumentState::Issued { wz: Some(WzState::Sent { since_ms }), number, systim_id, .. } = &e.state {
                let (day, number) = (crate::dates::warsaw_ymd(*since_ms), ledger::document_label(number, *systim_id));
                tally.problem(
                    "wz_unverifiable",
                    entry(
                        order_ref(e.order_id),
                        format!("WZ do dokumentu {number} wysłana {day} bez jasnej odpowiedzi — sprawdź w Systim"),
                        format!("the WZ for document {number} was sent on {day} without a clear answer — check in Systim"),
                    ),
                );
            }
            if let DocumentState::Unverifiable { candidates, gross, issue_date, .. } = &e.state {
                let list = candidates.iter().map(|c| format!("id {c}")).collect::<Vec<_>>().join(", ");
                let gross = crate::money::Money(*gross);
                tally.problem(
                    "invoice_unverifiable",
                    entry(
                        order_ref(e.order_id),
                        format!("{issue_date}, {}: w Systim może to być jeden z dokumentów: {list}", gross.to_pl()),
                        format!("{issue_date}, {gross}: in Systim it may be one of the documents: {list}"),
                    ),
                );
            }
        }
    }

    /// Move the feed past the orders (oldest status change first) the ledger now holds.
    async fn move_cursor(&mut self, ledger: &DocumentLedger<'_, S>, cursor: &InvoiceCursor, triggered: &[Triggered]) -> Result<(), StateError> {
        let mut last = cursor.status_date.clone();
        for t in triggered.iter().filter(|t| t.from_feed) {
            if ledger.get(t.order.order_id).await?.is_none() {
                break;
            }
            if t.status_date > last {
                last = t.status_date.clone();
            }
        }
        if last != cursor.status_date {
            ledger.set_cursor(&InvoiceCursor { status_date: last }).await?;
        }
        Ok(())
    }
}

/// The merchant switched invoicing on: the feed of triggered orders starts now, so that an order
/// shipped before the next run gets its document, and none that reached the status while invoicing
/// was off gets one by surprise. (Without a shop yet, the first run starts it.)
pub(super) async fn start_feed<S: Storage>(store: &S, conn: &super::connection::Connection, now_ms: u64) {
    let Ok(origin) = conn.shop_origin() else { return };
    let ledger = DocumentLedger::new(store, super::store::ShopKeys::new(&crate::plan::orders::shop_host(&origin)));
    // A failure leaves the feed to start at the first run, as before this setting was saved.
    let _ = ledger.set_cursor(&InvoiceCursor { status_date: warsaw_datetime(now_ms) }).await;
}
