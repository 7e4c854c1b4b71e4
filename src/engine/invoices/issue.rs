//! `addSellInvoice` exactly once: the intent before the call, the answer into the ledger, and
//! `listSellInvoices` to settle whatever was not a clean answer (see [`super::ledger`]).
//!
//! - **Earlier runs' intents** ([`InvoicesPart::reconcile_intents`]): the list of the intent's issue
//!   date; candidates are documents the ledger does not hold with the same gross (and kind, buyer
//!   and marker where the rows show them). The marker's own rows → adopted (the oldest kept, the
//!   rest reported as copies). Otherwise one candidate and no other open intent alike → adopted;
//!   none → provably absent (the answer is a run old): sent again; else → unverifiable, held,
//!   never sent again.
//! - **This run's sends** ([`InvoicesPart::issue_all`]): the day's list is read before the first
//!   send and again after the last; the documents that appeared meanwhile, not in the ledger, are
//!   matched to this run's sends by gross (and what the rows show): a clean send's extra ones are
//!   copies the browser's resend made (reported for the merchant to delete), an unclear send's one
//!   is its document. An unclear send that nothing matches stays an intent for the next run.

use super::ledger::{document_label, DocumentEntry, DocumentLedger, DocumentState, Unchecked};
use super::rows::{rows, Row, Wanted};
use super::write_back::{document_line, write_back, WriteBack};
use super::{kind_words, InvoicesPart, Tally};
use crate::client::error::ApiError;
use crate::client::form::Form;
use crate::engine::orders::{certainly_not_created, order_ref, stops_the_run, systim_id_of};
use crate::engine::report::{entry, group_of};
use crate::engine::store::StateError;
use crate::io::{Clock, Http, Storage};
use crate::money::Money;
use crate::plan::invoice::{DocumentKind, PlannedDocument};
use crate::plan::orders::import_marker;
use crate::plan::ReasonCode;
use serde_json::Value;
use std::collections::BTreeSet;

/// What one send gave.
enum Outcome {
    Issued { systim_id: u64 },
    Unclear,
}

/// A send of this run, for the check after the sends.
struct Sent {
    order_id: u64,
    kind: DocumentKind,
    gross: Money,
    contractor: Option<u64>,
    outcome: Outcome,
}

fn contractor_of(p: &PlannedDocument) -> Option<u64> {
    match p.document.contractor {
        Some(crate::plan::orders::ProductRef::Existing { id }) => Some(id),
        _ => None,
    }
}

/// The reason a clear refusal is held under.
fn refusal_reason(e: &ApiError) -> ReasonCode {
    match e {
        ApiError::SystimError { code: 16, .. } => ReasonCode::InvoiceMonthClosed,
        ApiError::SystimInvalidFields { fields, .. } if fields.iter().any(|f| f == "othr") => ReasonCode::InvoicePlanLimit,
        _ => ReasonCode::InvoiceRefused,
    }
}

fn result_code(v: &Value) -> Option<i64> {
    match v.get("result_code")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl<H: Http, S: Storage, C: Clock> InvoicesPart<'_, '_, H, S, C> {
    /// The documents of one issue date in Systim.
    async fn list_day(&mut self, date: &str) -> Result<Vec<Row>, ApiError> {
        let form = Form::new().field("data_wystawienia_od", date).field("data_wystawienia_do", date);
        self.cx.session.systim.list("listSellInvoices", &form).await.map(|v| rows(&v))
    }

    fn wanted<'w>(&self, kind: DocumentKind, issue_date: &'w str, gross: Money, contractor: Option<u64>, marker: &'w str) -> Wanted<'w> {
        Wanted { kind, issue_date, gross, contractor, marker }
    }

    /// Record a document found in Systim (the oldest of `found` kept, the rest copies).
    async fn adopt(
        &mut self,
        ledger: &DocumentLedger<'_, S>,
        order_id: u64,
        kind: DocumentKind,
        gross: Money,
        found: &[&Row],
        tally: &mut Tally,
    ) -> Result<(), StateError> {
        // The oldest (lowest id) is kept, the others are copies (no sort: see `read_triggered`).
        let Some(kept) = found.iter().copied().min_by_key(|r| r.id) else { return Ok(()) };
        let copies: Vec<u64> = found.iter().map(|r| r.id).filter(|id| *id != kept.id).collect();
        let now = self.cx.now();
        let wants = self.wants_write_back();
        let state = DocumentState::Issued {
            kind,
            systim_id: kept.id,
            number: kept.number.clone(),
            gross: gross.0,
            at_ms: now,
            reconciled: true,
            accounting_failed: false,
            copies: copies.clone(),
            written_back: !wants,
            wz: super::wz::wz_for_new_document(self.cx.settings.invoicing.issue_wz),
        };
        ledger.put(&DocumentEntry { order_id, state, updated_ms: now }).await?;
        let label = document_label(&kept.number, kept.id);
        tally.done.push(entry(
            order_ref(order_id),
            format!("odnaleziony w Systim po niejasnej odpowiedzi: {label}"),
            format!("found in Systim after an unclear answer: {label}"),
        ));
        if !copies.is_empty() {
            self.report_copies(order_id, &label, &copies, tally);
        }
        if wants {
            self.write_back_document(ledger, order_id, tally).await?;
        }
        self.issue_wz(ledger, order_id, tally).await?;
        Ok(())
    }

    fn report_copies(&self, order_id: u64, kept: &str, copies: &[u64], tally: &mut Tally) {
        let list = copies.iter().map(|c| format!("id {c}")).collect::<Vec<_>>().join(", ");
        tally.problem(
            "invoice_doubled",
            entry(order_ref(order_id), format!("zostaw {kept}, usuń w Systim: {list}"), format!("keep {kept}, delete in Systim: {list}")),
        );
    }

    /// Settle the intents earlier runs left. Returns the orders whose document is provably not in
    /// Systim (to be sent again).
    pub(super) async fn reconcile_intents(
        &mut self,
        ledger: &DocumentLedger<'_, S>,
        intents: &[DocumentEntry],
        tally: &mut Tally,
    ) -> Result<BTreeSet<u64>, StateError> {
        let mut absent = BTreeSet::new();
        // Each issue date's list, read once (a list of days, not a map: see `ids_of`).
        let mut days: Vec<(String, Option<Vec<Row>>)> = Vec::new();
        for e in intents {
            if let DocumentState::Intent { issue_date, .. } = &e.state {
                if !days.iter().any(|(d, _)| d == issue_date) {
                    days.push((issue_date.clone(), None));
                }
            }
        }
        for (day, slot) in days.iter_mut() {
            match self.list_day(day).await {
                Ok(r) => *slot = Some(r),
                Err(e) => tally.note("invoice_check_failed", entry("listSellInvoices", e.message_pl(), e.message_en())),
            }
        }
        let host = self.cx.host().to_string();
        let mut known = ledger.known_ids().await?;
        for e in intents {
            let DocumentState::Intent { kind, issue_date, gross, contractor, .. } = &e.state else { continue };
            let (kind, gross, contractor) = (*kind, Money(*gross), *contractor);
            let Some((_, Some(day))) = days.iter().find(|(d, _)| d == issue_date) else {
                // Not readable now: the intent stays, nothing is sent.
                tally.failed += 1;
                tally.problem("invoice_outcome_unknown", entry(order_ref(e.order_id), "czeka na sprawdzenie w Systim", "waits to be checked in Systim"));
                continue;
            };
            let marker = import_marker(e.order_id, &host);
            let wanted = self.wanted(kind, issue_date, gross, contractor, &marker);
            let fitting: Vec<&Row> = day.iter().filter(|r| !known.contains(&r.id) && wanted.fits(r)).collect();
            let marked: Vec<&Row> = fitting.iter().copied().filter(|r| wanted.marked(r)).collect();
            // Other open intents the same rows could be (nothing in the rows tells them apart).
            let alike = intents
                .iter()
                .filter(|o| o.order_id != e.order_id)
                .any(|o| matches!(&o.state, DocumentState::Intent { issue_date: d, gross: g, .. } if d == issue_date && *g == gross.0));
            if !marked.is_empty() {
                known.extend(marked.iter().map(|r| r.id));
                self.adopt(ledger, e.order_id, kind, gross, &marked, tally).await?;
            } else if fitting.is_empty() {
                absent.insert(e.order_id);
            } else if fitting.len() == 1 && !alike {
                known.insert(fitting[0].id);
                self.adopt(ledger, e.order_id, kind, gross, &fitting, tally).await?;
            } else {
                let now = self.cx.now();
                let candidates = fitting.iter().map(|r| r.id).collect();
                let state = DocumentState::Unverifiable { kind, issue_date: issue_date.clone(), gross: gross.0, candidates, since_ms: now };
                ledger.put(&DocumentEntry { order_id: e.order_id, state, updated_ms: now }).await?;
            }
        }
        Ok(absent)
    }

    /// Issue the planned documents, then look for what the browser's resend made twice.
    pub(super) async fn issue_all(&mut self, ledger: &DocumentLedger<'_, S>, planned: Vec<PlannedDocument>, tally: &mut Tally) -> Result<(), StateError> {
        let Some(first) = planned.first() else { return Ok(()) };
        let day = first.document.issue_date.clone();
        // Without the day's list before the sends, a copy the browser's resend makes could never
        // be told from a document issued by hand: nothing is sent (the documents wait a run).
        let before: BTreeSet<u64> = match self.list_day(&day).await {
            Ok(r) => ids_of(r.iter().map(|r| r.id)),
            Err(e) => {
                tally.problem("invoice_check_failed", entry("listSellInvoices", e.message_pl(), e.message_en()));
                return Ok(());
            }
        };
        let orders = planned.iter().map(|p| p.order_id).collect();
        ledger.set_unchecked(Some(&Unchecked { day: day.clone(), before: before.iter().copied().collect(), orders })).await?;
        let mut sent = Vec::new();
        for p in &planned {
            if self.cx.cancelled() {
                break;
            }
            let (outcome, stop) = self.issue_one(ledger, p, tally).await?;
            if let Some(outcome) = outcome {
                sent.push(Sent { order_id: p.order_id, kind: p.document.kind, gross: p.document.totals.gross, contractor: contractor_of(p), outcome });
            }
            if stop {
                break;
            }
        }
        if sent.is_empty() {
            return ledger.set_unchecked(None).await;
        }
        let after = match self.list_day(&day).await {
            Ok(r) => r,
            Err(e) => {
                tally.note("invoice_check_failed", entry("listSellInvoices", e.message_pl(), e.message_en()));
                return Ok(());
            }
        };
        self.settle_sends(ledger, (&day, false), &before, after, &sent, tally).await?;
        ledger.set_unchecked(None).await
    }

    /// The check after the sends an earlier run did not get to (see [`Unchecked`]). `Ok(false)`:
    /// still not done (the list unreadable) — nothing is sent this run.
    pub(super) async fn settle_unchecked(&mut self, ledger: &DocumentLedger<'_, S>, tally: &mut Tally) -> Result<bool, StateError> {
        let Some(u) = ledger.unchecked().await? else { return Ok(true) };
        let after = match self.list_day(&u.day).await {
            Ok(r) => r,
            Err(e) => {
                tally.problem("invoice_check_failed", entry("listSellInvoices", e.message_pl(), e.message_en()));
                return Ok(false);
            }
        };
        let mut sent = Vec::new();
        for order_id in &u.orders {
            let Some(e) = ledger.get(*order_id).await? else { continue };
            let s = match e.state {
                DocumentState::Issued { kind, systim_id, gross, .. } => {
                    Sent { order_id: *order_id, kind, gross: Money(gross), contractor: None, outcome: Outcome::Issued { systim_id } }
                }
                DocumentState::Intent { kind, gross, contractor, ref issue_date, .. } if *issue_date == u.day => {
                    Sent { order_id: *order_id, kind, gross: Money(gross), contractor, outcome: Outcome::Unclear }
                }
                _ => continue,
            };
            sent.push(s);
        }
        let before = ids_of(u.before.iter().copied());
        self.settle_sends(ledger, (&u.day, true), &before, after, &sent, tally).await?;
        ledger.set_unchecked(None).await?;
        Ok(true)
    }

    /// Match the documents that appeared during the sends to the sends. `deferred`: the check of
    /// an earlier run's sends — documents made since by someone else are in the list too, so an
    /// unclear send that several documents fit (and no marker tells) is unverifiable, not adopted.
    async fn settle_sends(
        &mut self,
        ledger: &DocumentLedger<'_, S>,
        (day, deferred): (&str, bool),
        before: &BTreeSet<u64>,
        after: Vec<Row>,
        sent: &[Sent],
        tally: &mut Tally,
    ) -> Result<(), StateError> {
        let known = ledger.known_ids().await?;
        let host = self.cx.host().to_string();
        let new: Vec<Row> = after.into_iter().filter(|r| !before.contains(&r.id) && !known.contains(&r.id)).collect();
        let markers: Vec<String> = sent.iter().map(|s| import_marker(s.order_id, &host)).collect();
        let wanted: Vec<Wanted> = sent.iter().zip(&markers).map(|(s, m)| self.wanted(s.kind, day, s.gross, s.contractor, m)).collect();
        // Each new document to the one send it can be; a document several sends fit is ambiguous.
        let mut mine: Vec<Vec<&Row>> = vec![Vec::new(); sent.len()];
        let mut ambiguous: Vec<(&Row, Vec<usize>)> = Vec::new();
        for r in &new {
            let marked: Vec<usize> = (0..sent.len()).filter(|i| wanted[*i].marked(r)).collect();
            let fits: Vec<usize> = if marked.is_empty() { (0..sent.len()).filter(|i| wanted[*i].fits(r)).collect() } else { marked };
            match fits.as_slice() {
                [] => {}
                [one] => mine[*one].push(r),
                _ => ambiguous.push((r, fits)),
            }
        }
        for (i, s) in sent.iter().enumerate() {
            let Some(mut e) = ledger.get(s.order_id).await? else { continue };
            match (&s.outcome, &mut e.state) {
                (Outcome::Issued { systim_id }, DocumentState::Issued { copies, number, .. }) if !mine[i].is_empty() => {
                    copies.extend(mine[i].iter().map(|r| r.id));
                    let label = document_label(number, *systim_id);
                    let extra: Vec<u64> = mine[i].iter().map(|r| r.id).collect();
                    ledger.put(&e).await?;
                    self.report_copies(s.order_id, &label, &extra, tally);
                }
                (Outcome::Unclear, DocumentState::Intent { .. }) => {
                    let mut maybe: Vec<u64> = ambiguous.iter().filter(|(_, who)| who.contains(&i)).map(|(r, _)| r.id).collect();
                    if deferred && mine[i].len() > 1 && !mine[i].iter().all(|r| wanted[i].marked(r)) {
                        maybe.extend(mine[i].drain(..).map(|r| r.id));
                    }
                    if maybe.is_empty() && !mine[i].is_empty() {
                        tally.failed = tally.failed.saturating_sub(1);
                        forget_unclear(tally, s.order_id);
                        self.adopt(ledger, s.order_id, s.kind, s.gross, &mine[i], tally).await?;
                    } else if !maybe.is_empty() {
                        let now = self.cx.now();
                        let candidates = mine[i].iter().map(|r| r.id).chain(maybe).collect();
                        let state = DocumentState::Unverifiable { kind: s.kind, issue_date: day.to_string(), gross: s.gross.0, candidates, since_ms: now };
                        ledger.put(&DocumentEntry { order_id: s.order_id, state, updated_ms: now }).await?;
                    }
                }
                _ => {}
            }
        }
        for (r, who) in &ambiguous {
            if who.iter().all(|i| matches!(sent[*i].outcome, Outcome::Issued { .. })) {
                let orders = who.iter().map(|i| sent[*i].order_id.to_string()).collect::<Vec<_>>().join(", ");
                tally.problem(
                    "invoice_doubled",
                    entry(
                        format!("id {}", r.id),
                        format!("kopia dokumentu jednego z zamówień: {orders} — usuń ją w Systim"),
                        format!("a copy of the document of one of the orders {orders} — delete it in Systim"),
                    ),
                );
            }
        }
        Ok(())
    }

    /// One document: intent → `addSellInvoice` → result. Returns the outcome of a send (none: a
    /// clear refusal, or nothing sent) and whether the sends stop.
    async fn issue_one(&mut self, ledger: &DocumentLedger<'_, S>, p: &PlannedDocument, tally: &mut Tally) -> Result<(Option<Outcome>, bool), StateError> {
        let id = p.order_id;
        let doc = &p.document;
        let attempts = match ledger.get(id).await? {
            Some(DocumentEntry { state: DocumentState::Intent { attempts, .. }, .. }) => attempts,
            Some(DocumentEntry { state: DocumentState::Issued { .. } | DocumentState::Unverifiable { .. }, .. }) => return Ok((None, false)),
            _ => 0,
        };
        let now = self.cx.now();
        let run = self.cx.progress.run_id.clone();
        let intent = DocumentState::Intent {
            kind: doc.kind,
            issue_date: doc.issue_date.clone(),
            gross: doc.totals.gross.0,
            contractor: contractor_of(p),
            run,
            since_ms: now,
            attempts: attempts + 1,
        };
        ledger.put(&DocumentEntry { order_id: id, state: intent, updated_ms: now }).await?;
        let form = doc.to_params().into_iter().fold(Form::new(), |f, (k, v)| f.field(k, v));
        let (kind_pl, kind_en) = match doc.kind {
            DocumentKind::VatInvoice => ("fakturę VAT", "VAT invoice"),
            DocumentKind::Receipt => kind_words(doc.kind),
        };
        match self.cx.session.systim.call("addSellInvoice", &form).await {
            Ok(v) => {
                let Some(systim_id) = systim_id_of(&v).filter(|i| *i > 0) else {
                    tally.failed += 1;
                    tally.problem("invoice_outcome_unknown", entry(order_ref(id), "Systim nie podał numeru id dokumentu", "Systim gave no document id"));
                    return Ok((Some(Outcome::Unclear), false));
                };
                let mut number = v.get("numer").and_then(Value::as_str).unwrap_or_default().trim().to_string();
                if number.is_empty() {
                    number = self.number_of(systim_id).await;
                }
                let accounting_failed = result_code(&v) == Some(102);
                let wants = self.wants_write_back();
                let now = self.cx.now();
                let state = DocumentState::Issued {
                    kind: doc.kind,
                    systim_id,
                    number: number.clone(),
                    gross: doc.totals.gross.0,
                    at_ms: now,
                    reconciled: false,
                    accounting_failed,
                    copies: Vec::new(),
                    written_back: !wants,
                    wz: super::wz::wz_for_new_document(self.cx.settings.invoicing.issue_wz),
                };
                ledger.put(&DocumentEntry { order_id: id, state, updated_ms: now }).await?;
                let label = document_label(&number, systim_id);
                let gross = doc.totals.gross;
                tally.done.push(entry(order_ref(id), format!("wystawiono {kind_pl} {label}, {}", gross.to_pl()), format!("issued {kind_en} {label}, {gross}")));
                if accounting_failed {
                    let f = crate::plan::Finding::new(ReasonCode::InvoiceAccountingFailed).order(id).value(label);
                    tally.findings.push(f);
                }
                if wants {
                    self.write_back_document(ledger, id, tally).await?;
                }
                let stop = self.issue_wz(ledger, id, tally).await?;
                Ok((Some(Outcome::Issued { systim_id }), stop))
            }
            Err(e) if certainly_not_created(&e) => {
                let now = self.cx.now();
                let reason = refusal_reason(&e);
                let state = DocumentState::Held { reason: reason.code().to_string(), detail_pl: e.message_pl(), detail_en: e.message_en(), since_ms: now };
                ledger.put(&DocumentEntry { order_id: id, state, updated_ms: now }).await?;
                tally.held += 1;
                let item = entry(order_ref(id), e.message_pl(), e.message_en());
                match tally.problems.iter_mut().find(|g| g.reason == reason.code()) {
                    Some(g) => g.items.push(item),
                    None => tally.problems.push(group_of(reason, vec![item])),
                }
                Ok((None, stops_the_run(&e)))
            }
            Err(e) => {
                // No clear answer: the document may be in Systim (even twice). The intent stays.
                tally.failed += 1;
                tally.problem("invoice_outcome_unknown", entry(order_ref(id), e.message_pl(), e.message_en()));
                let stop = stops_the_run(&e) || matches!(e, ApiError::OutcomeUnknown { cause: crate::client::error::Interruption::RateLimited, .. });
                Ok((Some(Outcome::Unclear), stop))
            }
        }
    }

    /// A document's number when the answer had none (`listSellInvoices ids=`); empty when the list
    /// does not say.
    async fn number_of(&mut self, systim_id: u64) -> String {
        let form = Form::new().field("ids", systim_id.to_string());
        match self.cx.session.systim.list("listSellInvoices", &form).await {
            Ok(v) => rows(&v).into_iter().find(|r| r.id == systim_id).map(|r| r.number).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Whether the settings ask for a write-back after the document.
    pub(super) fn wants_write_back(&self) -> bool {
        let wb = &self.cx.settings.write_back;
        wb.status_after_invoice.is_some() || wb.numbers_in_notes
    }

    /// Write the document back to the order; on success the entry is marked so (a failure leaves
    /// it for the next run, which repeats it — harmless: the write-back is idempotent).
    pub(super) async fn write_back_document(&mut self, ledger: &DocumentLedger<'_, S>, order_id: u64, tally: &mut Tally) -> Result<(), StateError> {
        let Some(mut e) = ledger.get(order_id).await? else { return Ok(()) };
        let DocumentState::Issued { kind, systim_id, number, written_back, .. } = &mut e.state else { return Ok(()) };
        let wb = &self.cx.settings.write_back;
        let asked = WriteBack {
            status: wb.status_after_invoice,
            line: wb.numbers_in_notes.then(|| document_line(*kind == DocumentKind::VatInvoice, number, *systim_id)),
        };
        match write_back(&mut self.cx.session.shoper, order_id, &asked).await {
            Ok(_) => {
                *written_back = true;
                ledger.put(&e).await
            }
            Err(err) => {
                let (pl, en) = (
                    format!("zapis w zamówieniu nie powiódł się (ponowię): {}", err.message_pl()),
                    format!("writing to the order failed (will retry): {}", err.message_en()),
                );
                tally.note("write_back_failed", entry(order_ref(order_id), pl, en));
                Ok(())
            }
        }
    }

    /// Documents issued by earlier runs whose write-back did not get through: tried again.
    pub(super) async fn finish_write_backs(&mut self, ledger: &DocumentLedger<'_, S>, entries: &[DocumentEntry], tally: &mut Tally) -> Result<(), StateError> {
        for e in entries {
            let id = &e.order_id;
            if let DocumentState::Issued { written_back: false, .. } = e.state {
                if !self.wants_write_back() {
                    let mut done = e.clone();
                    if let DocumentState::Issued { written_back, .. } = &mut done.state {
                        *written_back = true;
                    }
                    ledger.put(&done).await?;
                    continue;
                }
                self.write_back_document(ledger, *id, tally).await?;
            }
        }
        Ok(())
    }
}

/// A set filled by insert (a collect sorts first, and every sort instance costs the wasm
/// kilobytes).
pub(super) fn ids_of(ids: impl Iterator<Item = u64>) -> BTreeSet<u64> {
    let mut set = BTreeSet::new();
    for id in ids {
        set.insert(id);
    }
    set
}

/// An unclear send the check after the sends found: no longer reported as unknown.
fn forget_unclear(tally: &mut Tally, order_id: u64) {
    let reference = order_ref(order_id);
    for g in tally.problems.iter_mut().filter(|g| g.reason == "invoice_outcome_unknown") {
        g.items.retain(|i| i.reference != reference);
    }
    tally.problems.retain(|g| !g.items.is_empty());
}
