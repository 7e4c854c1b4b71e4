//! A run from start to report: lock, read both sides, run each part, record the report.

use super::connection::FieldError;
use super::context::RunContext;
use super::invoices::InvoicesPart;
use super::orders::OrdersPart;
use super::products::ProductsPart;
use super::report::{self, entry, keyed_group, ErrorView, Outcome, Part, Report, RunKind, RunSummary, Section, SectionCounts};
use super::reservations::Previewed;
use super::session::{Session, ShopRead, SystimRead};
use super::stock::StockPart;
use super::store::{load, save, ShopKeys, StateError};
use super::{lock, Engine, Phase, Progress, PROGRESS_KEY};
use crate::client::error::ApiError;
use crate::decode::DecodeError;
use crate::io::{Clock, Http, Storage};
use crate::plan::Lang;
use crate::settings::{MissingProductPolicy, Settings};
use crate::texts;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    pub kind: RunKind,
    #[serde(default)]
    pub dry_run: bool,
    /// Release the mass-zero brake for this run.
    #[serde(default)]
    pub confirm_zeroing: bool,
}

/// Why a run did not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// Another run holds the lock (its id).
    Busy(String),
    /// The connection is not (fully) configured.
    NotConfigured(Vec<FieldError>),
}

/// What an interrupted run left behind (found by the next run).
#[derive(Clone, Debug, Serialize)]
struct Checkpoint {
    run_id: String,
    kind: RunKind,
    started_ms: u64,
    phase: Phase,
}

// The table-driven reader of the stored records (`json::Object::fields`), as the derive reads it.
crate::read_fields!(Checkpoint { run_id: "run_id", kind: "kind", started_ms: "started_ms", phase: "phase" });

/// A part's result: its section and whether it stopped the rest of the run.
pub(super) struct PartResult {
    pub section: Section,
    pub refused: bool,
}

/// An error that ends the run (what was done so far stays done).
pub(super) fn error_view(e: &ApiError) -> ErrorView {
    ErrorView { code: e.code().to_string(), message_pl: e.message_pl(), message_en: e.message_en() }
}

/// Shop errors every later write would meet too: the writes stop and the run ends with it.
pub(super) fn ends_shop_writes(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::ShoperPermissionMissing { .. }
            | ApiError::ShoperAuthFailed(_)
            | ApiError::ShoperTokenRejected
            | ApiError::ShoperApiTokenRejected
            | ApiError::Unreachable { .. }
    )
}

/// What ends a run early: a service's answer, or the extension's own storage.
#[derive(Debug)]
pub(super) enum Failure {
    Api(ApiError),
    State(StateError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<StateError> for Failure {
    fn from(e: StateError) -> Self {
        Failure::State(e)
    }
}

impl Failure {
    pub(super) fn view(&self) -> ErrorView {
        match self {
            Failure::Api(e) => error_view(e),
            Failure::State(e) => {
                let code = if matches!(e, StateError::Store(crate::io::StoreError::Quota(_))) { "storage_quota" } else { "storage_error" };
                ErrorView {
                    code: code.into(),
                    message_pl: e.to_string(),
                    message_en: "The extension's storage refused the write; nothing was sent twice. Clear the history and run again.".into(),
                }
            }
        }
    }
}

/// What decoding met, into the section: records left out (or left unchanged) are problems;
/// fields ignored on records that were used are notes.
pub(super) fn add_decode_problems(section: &mut Section, problems: &[DecodeError]) {
    let entries = |kept: bool| -> Vec<report::Entry> {
        problems
            .iter()
            .filter(|p| p.record_skipped != kept)
            .map(|p| entry(p.record.clone(), p.to_string(), format!("{}: field {}: {}", p.record, p.field, p.problem)))
            .collect()
    };
    let skipped = entries(false);
    if !skipped.is_empty() {
        section.problems.push(keyed_group("unreadable_data", skipped));
    }
    let kept = entries(true);
    if !kept.is_empty() {
        section.notes.push(keyed_group("data_notes", kept));
    }
}

/// Systim lists products but none with a code (an account whose `listProducts` lacks
/// `kod_produktu`): said once, instead of every product being reported missing.
fn no_product_codes(systim: &SystimRead) -> Option<report::ProblemGroup> {
    let products = &systim.snapshot.products;
    if products.is_empty() || products.iter().any(|p| !p.code.is_blank()) {
        return None;
    }
    Some(keyed_group(
        "systim_no_product_codes",
        vec![entry(
            "listProducts",
            texts::fill(Lang::Pl, "core_eng_products_with_a_code", &[&products.len().to_string()]),
            texts::fill(Lang::En, "core_eng_products_with_a_code", &[&products.len().to_string()]),
        )],
    ))
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    pub fn new_run_id(&self) -> String {
        format!("{:x}-{:04x}", self.clock.now_ms(), (self.clock.random() * 65536.0) as u32)
    }

    /// Run a sync (or its preview) and return the report, which is also kept in the history.
    pub async fn run(&self, req: RunRequest) -> Result<Report, RunError> {
        let id = self.new_run_id();
        self.run_with_id(id, req).await
    }

    pub async fn run_with_id(&self, run_id: String, req: RunRequest) -> Result<Report, RunError> {
        if self.running.get() {
            return Err(RunError::Busy(String::new()));
        }
        let conn = self.connection().await;
        let problems = conn.validate(self.host_rules());
        if !problems.is_empty() {
            return Err(RunError::NotConfigured(problems));
        }
        let started_ms = self.clock.now_ms();
        match lock::acquire(&self.store, &run_id, started_ms).await {
            Ok(Ok(())) => {}
            Ok(Err(holder)) => return Err(RunError::Busy(holder)),
            // Storage refuses even the lock: report it as a failed run below.
            Err(_) => {}
        }
        self.running.set(true);
        self.cancel.set(false);
        // Stored data of an older version is brought up to this one before anything reads it
        // (`super::migrate`; normally done already by `runtime.onInstalled`).
        let migrated = super::migrate::ensure(&self.store, started_ms).await;
        let settings = self.settings().await;
        let progress = Progress {
            run_id: run_id.clone(),
            kind: req.kind,
            dry_run: req.dry_run,
            phase: Phase::ReadingShop,
            done: 0,
            total: 0,
            started_ms,
            updated_ms: started_ms,
        };
        let (sections, error, refused) = match migrated {
            Ok(_) => self.execute(&conn, &settings, &req, progress).await,
            Err(e) => (Vec::new(), Some(Failure::State(e).view()), false),
        };
        let report = self.finish(&req, &run_id, started_ms, sections, error, refused).await;
        let _ = self.store.remove(PROGRESS_KEY).await;
        let _ = lock::release(&self.store, &run_id).await;
        self.running.set(false);
        self.cancel.set(false);
        Ok(report)
    }

    async fn execute(
        &self,
        conn: &super::connection::Connection,
        settings: &Settings,
        req: &RunRequest,
        progress: Progress,
    ) -> (Vec<Section>, Option<ErrorView>, bool) {
        let mut sections = Vec::new();
        let mut session = match Session::open(&self.http, &self.clock, conn) {
            Ok(s) => s,
            Err(e) => return (sections, Some(error_view(&e)), false),
        };
        session.restore_tokens(&self.store).await;
        let mut cx = RunContext::new(self, session, settings, req, progress);
        let interrupted = self.note_interrupted(&cx.keys, req, &cx.progress).await;
        let result = read_and_run(&mut cx, &mut sections).await;
        cx.session.save_tokens(&self.store).await;
        if !req.dry_run {
            // A preview leaves a dead run's checkpoint for the next real run to report.
            let _ = self.store.remove(&cx.keys.checkpoint()).await;
            // Storage stays bounded: once a day, settled ledger entries older than the setting go
            // (`super::prune`; a failure leaves them for the next day).
            let _ = super::prune::prune_if_due(&self.store, &cx.keys, settings.orders.ledger_days, self.clock.now_ms()).await;
        }
        if let (Some(note), Some(first)) = (interrupted, sections.first_mut()) {
            first.notes.insert(0, note);
        }
        match result {
            Ok(refused) => (sections, None, refused),
            Err(e) => (sections, Some(e.view()), false),
        }
    }

    /// Record this run's checkpoint; if a previous run left one, say so in the report.
    async fn note_interrupted(&self, keys: &ShopKeys, req: &RunRequest, progress: &Progress) -> Option<report::ProblemGroup> {
        let mut previous: Option<Checkpoint> = load(&self.store, &keys.checkpoint()).await.unwrap_or(None);
        // The dead run's last progress record says how far it got (its checkpoint only that it
        // began); this run's progress is about to replace it, so the checkpoint takes it over.
        let last: Option<Progress> = load(&self.store, PROGRESS_KEY).await.unwrap_or(None);
        if let (Some(p), Some(l)) = (previous.as_mut(), last) {
            if l.run_id == p.run_id {
                p.phase = l.phase;
            }
        }
        let mine = Checkpoint { run_id: progress.run_id.clone(), kind: req.kind, started_ms: progress.started_ms, phase: Phase::ReadingShop };
        // A preview keeps the dead run's checkpoint for the next real run.
        let kept = if req.dry_run { previous.as_ref() } else { Some(&mine) };
        if let Some(checkpoint) = kept {
            let _ = save(&self.store, &keys.checkpoint(), checkpoint).await;
        }
        let p = previous.filter(|p| p.run_id != progress.run_id)?;
        let (phase_pl, phase_en) = phase_words(p.phase);
        let words = entry(p.run_id, format!("przerwana w fazie: {phase_pl}"), format!("interrupted while {phase_en}"));
        Some(keyed_group("previous_run_interrupted", vec![words]))
    }

    async fn finish(&self, req: &RunRequest, run_id: &str, started_ms: u64, sections: Vec<Section>, error: Option<ErrorView>, refused: bool) -> Report {
        let problems: u32 = sections.iter().map(|s| s.problems.iter().map(|g| g.items.len() as u32).sum::<u32>()).sum();
        let outcome = if error.is_some() {
            Outcome::Failed
        } else if self.cancel.get() {
            Outcome::Cancelled
        } else if refused {
            Outcome::Refused
        } else if problems > 0 {
            Outcome::Partial
        } else {
            Outcome::Ok
        };
        let (headline_pl, headline_en) = headline(req.dry_run, outcome, &sections);
        let report = Report {
            summary: RunSummary {
                run_id: run_id.to_string(),
                kind: req.kind,
                dry_run: req.dry_run,
                started_ms,
                finished_ms: self.clock.now_ms(),
                outcome,
                headline_pl,
                headline_en,
                problems,
            },
            error,
            sections,
        };
        let _ = report::record(&self.store, &report).await;
        report
    }
}

/// The parts of this run, in order (products only where a product run or the automatic run's
/// setting asks for them; orders and stock where enabled or asked for by name).
fn parts_for(req: &RunRequest, settings: &Settings) -> Vec<Part> {
    let mut parts: Vec<Part> = req.kind.parts().to_vec();
    if req.kind == RunKind::Auto && settings.products.auto_create {
        parts.insert(1, Part::Products);
    }
    parts.retain(|p| match p {
        Part::Orders => settings.orders.enabled || req.kind == RunKind::Orders,
        Part::Stock => settings.stock.enabled || req.kind == RunKind::Stock,
        Part::Products => true,
        Part::Invoices => false,
    });
    parts
}

/// Read both sides (with what the order part reads first), then run each part over them.
async fn read_and_run<H: Http, S: Storage, C: Clock>(cx: &mut RunContext<'_, H, S, C>, sections: &mut Vec<Section>) -> Result<bool, Failure> {
    let (settings, dry_run) = (cx.settings, cx.dry_run());
    let parts = parts_for(cx.req, settings);
    let wants_quantities = parts.iter().any(|p| matches!(p, Part::Stock | Part::Products));
    let catalogue = wants_quantities || settings.orders.missing_product == MissingProductPolicy::CreateInSystim;
    cx.progress_to(Phase::ReadingShop, 0, 0).await;
    // The order part's first reads (the cursor and the open ledger entries; its feed's first page
    // and the orders it looks at again) travel with the shop's dictionaries.
    let prefetch = if parts.contains(&Part::Orders) { super::orders::prefetch(cx).await } else { Default::default() };
    // Both sides are read at the same time: the run waits for the longer of the two.
    let now = cx.now();
    let (shop, systim) = cx.session.read_both(catalogue, prefetch.reads(), settings, wants_quantities, now).await;
    let (mut shop, answers): (ShopRead, _) = shop?;
    let systim: SystimRead = systim?;
    // Creations an earlier run sent and never looked up after: their copies go first.
    let mut copies_note = None;
    if catalogue && !dry_run && wants_quantities {
        let (deleted, note) = super::products::settle_pending_creations(cx, &shop.snapshot).await?;
        shop.snapshot.items.retain(|it| !deleted.contains(&it.product_id));
        copies_note = note;
    }
    let mut prefetch = Some(prefetch.answered(answers));
    if let Some(group) = no_product_codes(&systim) {
        // Every part pairs products by code: without codes each would blame every product.
        for part in parts {
            sections.push(Section { kind: part, counts: SectionCounts::default(), done: Vec::new(), problems: vec![group.clone()], notes: Vec::new() });
        }
        return Ok(false);
    }
    let mut refused = false;
    // A preview imports nothing, yet the real run's stock would be net of the orders it
    // imports first: the order part's preview says what they would reserve.
    let mut previewed = Previewed::default();
    for part in parts {
        if cx.cancelled() {
            break;
        }
        let (shop, systim) = (&shop, &systim);
        let result = match part {
            Part::Orders => OrdersPart { cx, shop, systim }.run(prefetch.take().unwrap_or_default(), &mut previewed).await,
            Part::Products => ProductsPart { cx, shop, systim }.run(&previewed).await,
            Part::Stock => StockPart { cx, shop, systim }.run(&previewed).await,
            Part::Invoices => continue,
        };
        // The sales documents follow the order part, over the same snapshots.
        let result = match result {
            Ok(mut orders) if part == Part::Orders => {
                super::invoices::write_back::after_import(cx, &mut orders.section).await?;
                if !cx.settings.invoicing.enabled || cx.cancelled() {
                    Ok(orders)
                } else {
                    sections.push(orders.section);
                    refused |= orders.refused;
                    InvoicesPart { cx, shop, systim }.run().await
                }
            }
            other => other,
        };
        match result {
            Ok(PartResult { mut section, refused: r }) => {
                if !matches!(section.kind, Part::Orders | Part::Invoices) {
                    section.notes.extend(copies_note.take());
                    section.notes.extend(methods_note(&systim.unavailable));
                }
                sections.push(section);
                refused |= r;
            }
            Err((section, e)) => {
                sections.push(section);
                return Err(e);
            }
        }
    }
    Ok(refused)
}

/// A phase in words, for the merchant.
fn phase_words(phase: Phase) -> (&'static str, &'static str) {
    match phase {
        Phase::ReadingShop => (texts::t(Lang::Pl, "core_eng_reading_the_shop_and_systim"), texts::t(Lang::En, "core_eng_reading_the_shop_and_systim")),
        Phase::ReadingSystim => ("odczyt Systim", "reading Systim"),
        Phase::Planning => ("planowanie", "planning"),
        Phase::ImportingOrders => (texts::t(Lang::Pl, "core_eng_importing_orders"), texts::t(Lang::En, "core_eng_importing_orders")),
        Phase::CreatingProducts => (texts::t(Lang::Pl, "core_eng_creating_products"), texts::t(Lang::En, "core_eng_creating_products")),
        Phase::WritingStock => (texts::t(Lang::Pl, "core_eng_writing_stock"), texts::t(Lang::En, "core_eng_writing_stock")),
        Phase::Finishing => ("zakończenie", "finishing"),
    }
}

fn headline(dry_run: bool, outcome: Outcome, sections: &[Section]) -> (String, String) {
    let mut pl = Vec::new();
    let mut en = Vec::new();
    for s in sections {
        let (verb_pl, verb_en) = match (s.kind, dry_run) {
            (Part::Orders, false) => (texts::t(Lang::Pl, "core_eng_orders_imported"), texts::t(Lang::En, "core_eng_orders_imported")),
            (Part::Orders, true) => (texts::t(Lang::Pl, "core_eng_orders_to_import"), texts::t(Lang::En, "core_eng_orders_to_import")),
            (Part::Stock, false) => (texts::t(Lang::Pl, "core_eng_stock_values_changed"), texts::t(Lang::En, "core_eng_stock_values_changed")),
            (Part::Stock, true) => (texts::t(Lang::Pl, "core_eng_stock_values_to_change"), texts::t(Lang::En, "core_eng_stock_values_to_change")),
            (Part::Products, false) => (texts::t(Lang::Pl, "core_eng_products_created"), texts::t(Lang::En, "core_eng_products_created")),
            (Part::Products, true) => (texts::t(Lang::Pl, "core_eng_products_to_create"), texts::t(Lang::En, "core_eng_products_to_create")),
            (Part::Invoices, false) => (texts::t(Lang::Pl, "core_eng_documents_issued"), texts::t(Lang::En, "core_eng_documents_issued")),
            (Part::Invoices, true) => (texts::t(Lang::Pl, "core_eng_documents_to_issue"), texts::t(Lang::En, "core_eng_documents_to_issue")),
        };
        pl.push(format!("{verb_pl}: {}", s.counts.done));
        en.push(format!("{verb_en}: {}", s.counts.done));
        let held = s.counts.skipped + s.counts.failed;
        if held > 0 {
            pl.push(format!("pominięte: {held}"));
            en.push(format!("skipped: {held}"));
        }
    }
    let (prefix_pl, prefix_en) = match outcome {
        Outcome::Failed => (texts::t(Lang::Pl, "core_eng_failed"), texts::t(Lang::En, "core_eng_failed")),
        Outcome::Cancelled => ("Przerwano. ", "Cancelled. "),
        Outcome::Refused => ("Wstrzymano — wymaga potwierdzenia. ", "Stopped — confirmation needed. "),
        _ if dry_run => (texts::t(Lang::Pl, "core_eng_preview"), texts::t(Lang::En, "core_eng_preview")),
        _ => ("", ""),
    };
    (format!("{prefix_pl}{}", pl.join(", ")), format!("{prefix_en}{}", en.join(", ")))
}

/// What the stock and product parts did without: the assumed Systim methods this account
/// refused (or that gave no answer this time), each with what it costs and what is done instead.
fn methods_note(unavailable: &super::session::Unavailable) -> Option<super::report::ProblemGroup> {
    let mut items = Vec::new();
    for act in &unavailable.methods {
        let (pl, en) = match super::methods::cost(act) {
            ("", _) => (texts::t(Lang::Pl, "core_eng_quantities_cannot_be_read_so"), texts::t(Lang::En, "core_eng_quantities_cannot_be_read_so")),
            known => known,
        };
        items.push(entry(act.clone(), format!("tego konta Systim nie ma tej metody: {pl}"), format!("this Systim account does not have this method: {en}")));
    }
    for act in &unavailable.not_now {
        items.push(entry(act.clone(), texts::t(Lang::Pl, "core_eng_systim_gave_no_answer_this"), texts::t(Lang::En, "core_eng_systim_gave_no_answer_this")));
    }
    (!items.is_empty()).then(|| keyed_group("systim_method_unavailable", items))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkpoint an interrupted run of any version left reads as the derive read it.
    #[test]
    fn a_checkpoint_reads_as_the_derive_reads_it() {
        #[derive(Debug, Serialize, serde::Deserialize)]
        struct Derived {
            run_id: String,
            kind: RunKind,
            started_ms: u64,
            phase: Phase,
        }
        let stored = serde_json::to_value(Checkpoint { run_id: "r-2".into(), kind: RunKind::SendStock, started_ms: 4, phase: Phase::WritingStock }).unwrap();
        crate::json::assert_reads_as_derive::<Checkpoint, Derived>(&[("struct Derived", "a map")], &[stored]);
    }
}
