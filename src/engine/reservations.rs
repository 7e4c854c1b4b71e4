//! Reservations: the orders imported into Systim whose Shoper status is still open. Systim has not
//! issued their goods yet, so its quantities still count them, while the shop has taken them off
//! already: every stock value the engine writes — a stock push, a new product's first stock — is
//! net of them (setting `stock.reserve_open_orders`).
//!
//! The index of reserving orders is `shop:<host>:reserving` (their lines are in their ledger
//! entries). The order part adds an order before its intent is written ([`Reservations::add`]);
//! the stock and product parts read the quantities ([`quantity_inputs`]), and drop the orders that
//! moved on in the shop. The index is read once per run and kept in the run's context.
//! A preview imports nothing: what its orders would reserve travels as [`Previewed`].

use super::context::RunContext;
use super::ledger::{Ledger, LedgerEntry};
use super::run::Failure;
use super::session::{ShopRead, SystimRead};
use super::store::{load, save, ShopKeys, StateError};
use crate::decode::shoper as dshop;
use crate::domain::{ShopOrder, ShopStatus};
use crate::io::{Clock, Http, Storage};
use crate::money::Qty;
use crate::plan::orders::{LineSource, OrderImport, OrdersPlan, ProductRef};
use crate::plan::stock::QuantityInputs;
use crate::settings::Settings;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The storage key of the index of reserving orders.
pub(super) fn key(keys: &ShopKeys) -> String {
    format!("shop:{}:reserving", keys.host())
}

/// The index of reserving orders, read from storage at its first use in a run.
pub(super) struct Reservations {
    key: String,
    ids: Option<BTreeSet<u64>>,
    /// Orders whose WZ this run issued: out of the index, yet still counted by this run's stock
    /// (its Systim quantities were read before the WZ took the goods off).
    released: BTreeSet<u64>,
}

impl Reservations {
    pub fn new(keys: &ShopKeys) -> Self {
        Reservations { key: key(keys), ids: None, released: BTreeSet::new() }
    }

    async fn ids<S: Storage>(&mut self, store: &S) -> Result<&BTreeSet<u64>, StateError> {
        if self.ids.is_none() {
            self.ids = Some(load(store, &self.key).await?.unwrap_or_default());
        }
        Ok(self.ids.get_or_insert_with(BTreeSet::new))
    }

    /// Store the index as `ids` (kept only once storage took it).
    async fn replace<S: Storage>(&mut self, store: &S, ids: BTreeSet<u64>) -> Result<(), StateError> {
        save(store, &self.key, &ids).await?;
        self.ids = Some(ids);
        Ok(())
    }

    /// An order imported (or about to be): its ledger lines reserve stock from now on.
    pub async fn add<S: Storage>(&mut self, store: &S, order_id: u64) -> Result<(), StateError> {
        let ids = self.ids(store).await?;
        if ids.contains(&order_id) {
            return Ok(());
        }
        let mut ids = ids.clone();
        ids.insert(order_id);
        self.replace(store, ids).await
    }

    /// The order's WZ is issued: Systim's own quantities hold its goods from now on, so it stops
    /// reserving — from the next run on (this run's quantities were read before the WZ).
    pub async fn release<S: Storage>(&mut self, store: &S, order_id: u64) -> Result<(), StateError> {
        let ids = self.ids(store).await?;
        if !ids.contains(&order_id) {
            return Ok(());
        }
        let mut ids = ids.clone();
        ids.remove(&order_id);
        self.replace(store, ids).await?;
        self.released.insert(order_id);
        Ok(())
    }
}

/// What the orders a preview would import would reserve, by Systim product id (empty in a real
/// run: its imports are in the ledger by the time stock is counted).
#[derive(Debug, Default)]
pub(super) struct Previewed {
    pub by_systim_id: BTreeMap<u64, Qty>,
}

impl Previewed {
    /// As the real run's stock part would count the plan's imports: lines of orders whose
    /// status is open, by Systim id; products the run would first create in Systim have no id
    /// yet and reserve nothing.
    pub fn of(orders: &[ShopOrder], plan: &OrdersPlan, statuses: &[ShopStatus], settings: &Settings) -> Self {
        let mut out = Previewed::default();
        if !settings.stock.reserve_open_orders {
            return out;
        }
        // 1: open, 0: closed (a map type the wasm carries anyway)
        let open: HashMap<u64, u64> = statuses.iter().map(|s| (s.id, matches!(s.kind, 1 | 2) as u64)).collect();
        let status: HashMap<u64, u64> = orders.iter().map(|o| (o.order_id, o.status_id)).collect();
        for import in &plan.imports {
            // An unknown status reserves, as in the stock part: under-selling is safer.
            if !status.get(&import.order_id).map(|s| open.get(s).is_none_or(|&o| o != 0)).unwrap_or(true) {
                continue;
            }
            for (id, q) in lines_of(import, &[]) {
                *out.by_systim_id.entry(id).or_default() += q;
            }
        }
        out
    }
}

/// The Systim product lines of an import (not shipping): what its ledger entry reserves.
/// `created`: the Systim ids of the products the run created for the plan.
pub(super) fn lines_of(import: &OrderImport, created: &[Option<u64>]) -> Vec<(u64, Qty)> {
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

/// Reserved quantities by Systim id from ledger entries.
fn sum(entries: &[LedgerEntry]) -> BTreeMap<u64, Qty> {
    let mut out: BTreeMap<u64, Qty> = BTreeMap::new();
    for e in entries {
        for (id, q) in &e.lines {
            *out.entry(*id).or_default() += *q;
        }
    }
    out
}

/// What the stock and product plans need besides the snapshots: the quantities imported open
/// orders reserve (plus what a preview's orders would), and the products whose Systim quantity
/// could not be read (never taken as 0). Orders that moved on in the shop leave the index (not
/// in a dry run).
pub(super) async fn quantity_inputs<H: Http, S: Storage, C: Clock>(
    cx: &mut RunContext<'_, H, S, C>,
    shop: &ShopRead,
    systim: &SystimRead,
    previewed: &Previewed,
) -> Result<QuantityInputs, Failure> {
    let mut inputs = reserved(cx, shop).await?;
    for (id, q) in &previewed.by_systim_id {
        *inputs.reserved_by_systim_id.entry(*id).or_default() += *q;
    }
    for id in &systim.snapshot.unreadable_stock {
        inputs.unreadable.insert(*id);
    }
    Ok(inputs)
}

/// The quantities of the indexed orders still open in the shop (their statuses read in one round
/// of `/bulk` calls, 50 orders to a filter).
async fn reserved<H: Http, S: Storage, C: Clock>(cx: &mut RunContext<'_, H, S, C>, shop: &ShopRead) -> Result<QuantityInputs, Failure> {
    if !cx.settings.stock.reserve_open_orders {
        return Ok(QuantityInputs::default());
    }
    let ids = cx.reservations.ids(cx.store).await?.clone();
    // This run's WZs: their goods are still in the quantities this run read.
    let released = cx.reservations.released.clone();
    if ids.is_empty() && released.is_empty() {
        return Ok(QuantityInputs::default());
    }
    let mut open_kinds: BTreeMap<u64, bool> = BTreeMap::new();
    for s in &shop.snapshot.statuses {
        open_kinds.insert(s.id, matches!(s.kind, 1 | 2));
    }
    let mut still_open = BTreeSet::new();
    let list: Vec<u64> = ids.iter().chain(&released).copied().collect();
    let raw = cx.session.shoper.list_by_ids("orders", "order_id", &list, None).await?;
    let (orders, _) = dshop::orders(&raw);
    for o in orders {
        // An unknown status keeps the reservation: under-selling is safer than un-selling.
        if *open_kinds.get(&o.status_id).unwrap_or(&true) {
            still_open.insert(o.order_id);
        }
    }
    let ledger = Ledger::new(cx.store, cx.keys.clone());
    let mut entries = Vec::new();
    for id in &still_open {
        if let Some(e) = ledger.get(*id).await? {
            entries.push(e);
        }
    }
    let mut indexed = still_open.clone();
    for id in &released {
        indexed.remove(id);
    }
    if !cx.dry_run() && indexed != ids {
        cx.reservations.replace(cx.store, indexed).await?;
    }
    Ok(QuantityInputs { reserved_by_systim_id: sum(&entries), ..QuantityInputs::default() })
}
