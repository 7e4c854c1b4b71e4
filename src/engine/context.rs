//! What every part of a run works with: [`RunContext`] — the run's session with both services,
//! storage, the clock, the settings, this shop's storage keys, the run's request and progress, and
//! the reservation index read once for the run. Each part ([`super::orders::OrdersPart`],
//! [`super::stock::StockPart`], [`super::products::ProductsPart`]) is a struct over it and the
//! two sides' snapshots.

use super::report::{Part, Section, SectionCounts};
use super::reservations::{quantity_inputs, Previewed, Reservations};
use super::run::{add_decode_problems, Failure, RunRequest};
use super::session::{Session, ShopRead, SystimRead};
use super::store::ShopKeys;
use super::{Engine, Phase, Progress};
use crate::io::{Clock, Http, Storage};
use crate::matching::Matching;
use crate::plan::stock::QuantityInputs;
use crate::settings::Settings;

pub(super) struct RunContext<'r, H, S, C> {
    /// Both services, logged in for this run.
    pub session: Session<'r, H, C>,
    pub store: &'r S,
    pub clock: &'r C,
    pub settings: &'r Settings,
    /// This shop's storage keys.
    pub keys: ShopKeys,
    pub req: &'r RunRequest,
    pub progress: Progress,
    /// Imported orders that still reserve stock: read once, shared by the order, product and stock parts.
    pub reservations: Reservations,
    /// Orders recorded as imported by this run (for the write-back after the import).
    pub imported: Vec<u64>,
    /// The cancel flag and the progress listener.
    engine: &'r Engine<H, S, C>,
}

impl<'r, H: Http, S: Storage, C: Clock> RunContext<'r, H, S, C> {
    pub fn new(engine: &'r Engine<H, S, C>, session: Session<'r, H, C>, settings: &'r Settings, req: &'r RunRequest, progress: Progress) -> Self {
        let keys = ShopKeys::new(&session.host);
        let reservations = Reservations::new(&keys);
        RunContext { session, store: &engine.store, clock: &engine.clock, settings, keys, req, progress, reservations, imported: Vec::new(), engine }
    }

    pub fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    pub fn dry_run(&self) -> bool {
        self.req.dry_run
    }

    /// The merchant asked the run to stop (checked at each safe point).
    pub fn cancelled(&self) -> bool {
        self.engine.cancel.get()
    }

    /// The shop's host: its identity in the import marker.
    pub fn host(&self) -> &str {
        &self.session.host
    }

    /// Report where the run is (stored at most twice a second, and at every phase change).
    pub async fn progress_to(&mut self, phase: Phase, done: u32, total: u32) {
        self.engine.progress_to(&mut self.progress, phase, done, total).await;
    }
}

/// An empty section of a part.
pub(super) fn section(kind: Part) -> Section {
    Section { kind, counts: SectionCounts::default(), done: Vec::new(), problems: Vec::new(), notes: Vec::new() }
}

/// Where the stock and product parts start: their section with both reads' problems, the
/// quantities net of what orders reserve (`previewed`: what a preview's orders would reserve) and
/// the matching of the two snapshots. `Err`: the section so far and the failure.
pub(super) async fn planning_start<'a, H: Http, S: Storage, C: Clock>(
    cx: &mut RunContext<'_, H, S, C>,
    kind: Part,
    (shop, systim): (&'a ShopRead, &'a SystimRead),
    previewed: &Previewed,
) -> Result<(Section, QuantityInputs, Matching<'a>), (Section, Failure)> {
    let mut section = section(kind);
    let read_problems: Vec<_> = shop.problems.iter().chain(&systim.problems).cloned().collect();
    add_decode_problems(&mut section, &read_problems);
    cx.progress_to(Phase::Planning, 0, 0).await;
    let inputs = match quantity_inputs(cx, shop, systim, previewed).await {
        Ok(i) => i,
        Err(e) => return Err((section, e)),
    };
    let matching = Matching::new(&shop.snapshot, &systim.snapshot, cx.settings.matching.normalize_codes);
    Ok((section, inputs, matching))
}

/// What a part gives back: its section, and whether it stopped the rest of the run; or its section
/// so far and the failure that ended the run.
pub(super) type PartOutcome = Result<super::run::PartResult, (Section, Failure)>;
