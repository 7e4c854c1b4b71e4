//! The sync engine: runs of each kind as read → plan → (a dry run stops here) → execute →
//! report, over the I/O traits, with the order ledger, checkpoints and a run lock in storage.
//!
//! Everything the engine knows between runs lives in [`Storage`] (see [`store`] for the
//! layout): a browser may kill the background at any moment, and the next run continues from
//! what was stored — never importing an order twice, never writing stock from a stale plan.

pub mod api;
pub mod badges;
pub mod check;
pub mod choices;
pub mod connection;
mod context;
mod copies;
mod document_pdf;
pub mod invoices;
pub mod ledger;
pub mod lock;
pub mod methods;
pub mod migrate;
pub(crate) mod orders;
pub mod panel;
mod products;
pub mod prune;
pub mod report;
mod reservations;
pub mod resolve;
mod run;
pub mod session;
pub mod settings_file;
mod stock;
pub mod store;

use crate::client::address::HostRules;
use crate::io::{Clock, Http, Storage};
use crate::settings::Settings;
use connection::{Connection, FieldError};
use report::RunKind;
use serde::Serialize;
use std::cell::{Cell, RefCell};
use store::{load, save, StateError};

pub use run::{RunError, RunRequest};

pub const CONNECTION_KEY: &str = "connection";
pub const SETTINGS_KEY: &str = "settings";
pub const PROGRESS_KEY: &str = "progress";

/// Where a run is (for the progress bar; kept in storage so a reopened popup sees it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub run_id: String,
    pub kind: RunKind,
    pub dry_run: bool,
    pub phase: Phase,
    pub done: u32,
    pub total: u32,
    pub started_ms: u64,
    /// When this progress was written (a stale one belongs to a dead worker).
    pub updated_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Both sides are read at once.
    ReadingShop,
    /// Not reported any more (Systim is read with the shop); kept so that progress stored by
    /// an earlier version still reads.
    ReadingSystim,
    Planning,
    ImportingOrders,
    CreatingProducts,
    WritingStock,
    Finishing,
}

// Read by the generic readers of `json` (a field table, one reader for unit enums) instead of a
// derived reader each in the wasm; tested against the derive (`progress_reads_as_the_derive_reads_it`).
crate::read_fields!(Progress {
    run_id: "runId",
    kind: "kind",
    dry_run: "dryRun",
    phase: "phase",
    done: "done",
    total: "total",
    started_ms: "startedMs",
    updated_ms: "updatedMs",
});
crate::read_unit_enum!(Phase {
    ReadingShop = "reading_shop",
    ReadingSystim = "reading_systim",
    Planning = "planning",
    ImportingOrders = "importing_orders",
    CreatingProducts = "creating_products",
    WritingStock = "writing_stock",
    Finishing = "finishing",
});

/// The engine over its three seams. One per background; runs one at a time.
/// Told of each progress record as a run writes it (the extension forwards it to the popup).
type ProgressListener = Box<dyn Fn(&Progress)>;

pub struct Engine<H, S, C> {
    pub http: H,
    pub store: S,
    pub clock: C,
    cancel: Cell<bool>,
    running: Cell<bool>,
    on_progress: RefCell<Option<ProgressListener>>,
    last_progress_write: Cell<u64>,
    hosts: Cell<HostRules>,
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    pub fn new(http: H, store: S, clock: C) -> Self {
        Engine {
            http,
            store,
            clock,
            cancel: Cell::new(false),
            running: Cell::new(false),
            on_progress: RefCell::new(None),
            last_progress_write: Cell::new(0),
            hosts: Cell::new(HostRules::SHIPPED),
        }
    }

    /// Accept the loopback machine (the sandbox) as an address: a `--dev-hosts` build (the
    /// background passes the build's flag to `init_core`) and the native tests. Off by default.
    pub fn set_dev_hosts(&self, on: bool) {
        self.hosts.set(if on { HostRules::DEV } else { HostRules::SHIPPED });
    }

    /// The addresses this build accepts.
    pub fn host_rules(&self) -> HostRules {
        self.hosts.get()
    }

    /// Be told about progress as it happens (besides the copy in storage).
    pub fn set_progress_listener(&self, f: Box<dyn Fn(&Progress)>) {
        *self.on_progress.borrow_mut() = Some(f);
    }

    /// Ask the running run to stop at the next safe point.
    pub fn cancel(&self) -> bool {
        let was = self.running.get();
        if was {
            self.cancel.set(true);
        }
        was
    }

    pub fn is_running(&self) -> bool {
        self.running.get()
    }

    pub async fn connection(&self) -> Connection {
        load(&self.store, CONNECTION_KEY).await.unwrap_or(None).unwrap_or_default()
    }

    /// Validate and store the connection; secrets sent back masked keep their stored values
    /// while their addresses stay the same ([`Connection::accept`]).
    pub async fn save_connection(&self, incoming: Connection) -> Result<Connection, SaveError> {
        let stored = self.connection().await;
        let merged = incoming.accept(&stored, self.host_rules()).map_err(SaveError::Invalid)?;
        save(&self.store, CONNECTION_KEY, &merged).await.map_err(SaveError::State)?;
        if merged != stored {
            // Sessions opened with the old credentials must not outlive them.
            self.store.remove(session::TOKENS_KEY).await.map_err(|e| SaveError::State(e.into()))?;
        }
        Ok(merged)
    }

    /// The stored settings; unreadable or missing ones give the defaults (a newer field missing
    /// in an older version's settings takes its default).
    pub async fn settings(&self) -> Settings {
        self.settings_with_notes().await.0
    }

    /// The stored settings and the fields that no longer fit (they took their defaults).
    pub async fn settings_with_notes(&self) -> (Settings, Vec<String>) {
        match load::<serde_json::Value, _>(&self.store, SETTINGS_KEY).await {
            Ok(Some(v)) => Settings::from_stored(&v),
            _ => (Settings::default(), Vec::new()),
        }
    }

    pub async fn save_settings(&self, settings: Settings) -> Result<Settings, SaveError> {
        let errors: Vec<FieldError> =
            settings.validate().into_iter().map(|e| FieldError { field: e.field, message_pl: e.message_pl, message_en: e.message_en }).collect();
        if !errors.is_empty() {
            return Err(SaveError::Invalid(errors));
        }
        let invoicing_was_on = self.settings().await.invoicing.enabled;
        save(&self.store, SETTINGS_KEY, &settings).await.map_err(SaveError::State)?;
        if settings.invoicing.enabled && !invoicing_was_on {
            Box::pin(invoices::start_feed(&self.store, &self.connection().await, self.clock.now_ms())).await;
        }
        Ok(settings)
    }

    /// The running run's progress, if any (also a run of another worker whose progress is fresh).
    pub async fn progress(&self) -> Option<Progress> {
        let p: Progress = load(&self.store, PROGRESS_KEY).await.unwrap_or(None)?;
        let fresh = self.clock.now_ms().saturating_sub(p.updated_ms) < lock::LOCK_STALE_MS;
        (self.running.get() || fresh).then_some(p)
    }

    /// Store the progress of a run about to start (phase "reading the shop", nothing done).
    pub(crate) async fn announce(&self, run_id: &str, req: &RunRequest) {
        let now = self.clock.now_ms();
        let p = Progress {
            run_id: run_id.to_string(),
            kind: req.kind,
            dry_run: req.dry_run,
            phase: Phase::ReadingShop,
            done: 0,
            total: 0,
            started_ms: now,
            updated_ms: now,
        };
        let _ = save(&self.store, PROGRESS_KEY, &p).await;
    }

    fn emit(&self, p: &Progress) {
        if let Some(f) = self.on_progress.borrow().as_ref() {
            f(p);
        }
    }

    /// Report progress; stored at most twice a second (and at every phase change).
    async fn progress_to(&self, p: &mut Progress, phase: Phase, done: u32, total: u32) {
        let phase_changed = p.phase != phase;
        p.phase = phase;
        p.done = done;
        p.total = total;
        p.updated_ms = self.clock.now_ms();
        self.emit(p);
        if phase_changed || done == total || p.updated_ms.saturating_sub(self.last_progress_write.get()) >= 500 {
            self.last_progress_write.set(p.updated_ms);
            let _ = save(&self.store, PROGRESS_KEY, p).await;
            let _ = lock::heartbeat(&self.store, &p.run_id, p.updated_ms).await;
        }
    }
}

/// `id` into the ascending list `ids`, after any equal ones: a sorted list of ids without a sort
/// instance in the wasm (the one for `u64` cost it 1.5 KB gzipped); the lists are short.
pub(crate) fn insert_sorted(ids: &mut Vec<u64>, id: u64) {
    let at = ids.partition_point(|&x| x <= id);
    ids.insert(at, id);
}

/// `s` without every `suffix` at its end: `str::trim_end_matches` with a text pattern, without
/// its backward text search in the wasm (0.5 KB gzipped for two uses).
pub(crate) fn trim_end_text<'a>(mut s: &'a str, suffix: &str) -> &'a str {
    while let Some(rest) = s.strip_suffix(suffix).filter(|_| !suffix.is_empty()) {
        s = rest;
    }
    s
}

/// Why settings or a connection were not saved. Nothing stored was changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveError {
    Invalid(Vec<FieldError>),
    State(StateError),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As `str::trim_end_matches` with a text pattern.
    #[test]
    fn trim_end_text_trims_as_the_standard_library() {
        for (s, suffix) in
            [("https://a.systim.pl/jsonAPI.php", "/jsonAPI.php"), ("https://x/*/*", "/*"), ("/*", "/*"), ("abc", "/*"), ("", "x"), ("abc", ""), ("aaa", "aa")]
        {
            assert_eq!(trim_end_text(s, suffix), s.trim_end_matches(suffix), "{s} {suffix}");
        }
    }

    /// Ids inserted one by one come out as the standard sort orders them (equal ones kept).
    #[test]
    fn insert_sorted_orders_as_the_standard_sort() {
        let inputs: [Vec<u64>; 5] = [vec![], vec![7], vec![3, 1, 2], vec![5, 5, 1, 5, 0, u64::MAX, 0], (0..40).map(|i| (i * 7919) % 23).collect()];
        for input in inputs {
            let mut ours = Vec::new();
            for id in &input {
                insert_sorted(&mut ours, *id);
            }
            let mut sorted = input.clone();
            sorted.sort_unstable();
            assert_eq!(ours, sorted, "{input:?}");
        }
    }

    /// Progress as stored by any version reads as the derive read it, every phase included.
    #[test]
    fn progress_reads_as_the_derive_reads_it() {
        #[derive(Debug, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Derived {
            run_id: String,
            kind: RunKind,
            dry_run: bool,
            phase: DerivedPhase,
            done: u32,
            total: u32,
            started_ms: u64,
            updated_ms: u64,
        }
        #[derive(Debug, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum DerivedPhase {
            ReadingShop,
            ReadingSystim,
            Planning,
            ImportingOrders,
            CreatingProducts,
            WritingStock,
            Finishing,
        }
        let phases =
            [Phase::ReadingShop, Phase::ReadingSystim, Phase::Planning, Phase::ImportingOrders, Phase::CreatingProducts, Phase::WritingStock, Phase::Finishing];
        let stored: Vec<_> = phases
            .iter()
            .map(|&phase| {
                let progress = Progress { run_id: "r".into(), kind: RunKind::Auto, dry_run: true, phase, done: 3, total: 9, started_ms: 1, updated_ms: 2 };
                assert_eq!(crate::json::from_value::<Progress>(serde_json::to_value(&progress).unwrap()).unwrap(), progress);
                serde_json::to_value(progress).unwrap()
            })
            .collect();
        crate::json::assert_reads_as_derive::<Progress, Derived>(&[("struct Derived", "a map"), ("enum DerivedPhase", "enum Phase")], &stored);
        for phase in ["finishing", "Finishing", "reading", ""] {
            let ours = crate::json::from_value::<Phase>(phase.into()).map(|p| format!("{p:?}")).map_err(|e| e.to_string());
            let derived = crate::json::from_value::<DerivedPhase>(phase.into()).map(|p| format!("{p:?}")).map_err(|e| e.to_string());
            assert_eq!(ours, derived, "{phase}");
        }
    }
}
