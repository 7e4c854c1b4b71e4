//! The order feed: where it starts (the cursor, else the merchant's start point), what the order
//! part reads first ([`prefetch`]: the cursor and the open ledger entries, read once per run, and
//! the first shop reads they imply, which travel with the shop's dictionaries), and the orders
//! read with their lines ([`OrdersPart::read_orders`]).

use super::OrdersPart;
use crate::client::error::ApiError;
use crate::client::shoper::{items, keyset_head, Read};
use crate::dates::DAY_MS;
use crate::decode::shoper as dshop;
use crate::decode::DecodeError;
use crate::domain::ShopOrder;
use crate::engine::context::RunContext;
use crate::engine::ledger::{Ledger, LedgerEntry, OrderState};
use crate::engine::store::load;
use crate::io::{Clock, Http, Storage};
use crate::settings::{Settings, StartPoint};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// New orders read per run (the rest waits for the next run, a minute later).
pub const MAX_NEW_ORDERS: usize = 500;
/// Ids per `in` filter.
const IDS_PER_QUERY: usize = 50;
/// A waiting order (its status not selected) is looked at for this long, then left alone.
const WAITING_DAYS: u64 = 30;

#[derive(Clone, Debug, Default, Serialize)]
pub(super) struct Cursor {
    pub last_order_id: u64,
}

// The table-driven reader of the stored records (`json::Object::fields`), as the derive reads it.
crate::read_fields!(Cursor { last_order_id: "last_order_id" });

/// Where the feed of new orders starts: after the cursor, else at the start point the merchant
/// chose (an order number, or a date as a filter).
pub(super) fn feed_start(cursor: Option<&Cursor>, settings: &Settings) -> (u64, Option<Value>) {
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
pub(super) fn revisit_ids(open: &[LedgerEntry], now: u64) -> BTreeSet<u64> {
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
pub(in crate::engine) struct OrderPrefetch {
    /// The feed's position, as stored (`None`: not stored yet).
    cursor: Option<Cursor>,
    /// The open ledger entries (`None`: not read — the part will not read orders, or the read
    /// failed and the part reads them again to report why).
    open: Option<Vec<LedgerEntry>>,
    /// The feed start the first page was read for.
    feed: Option<(u64, Option<Value>)>,
    /// The orders read again, [`IDS_PER_QUERY`] to a read.
    revisit: Vec<u64>,
    answers: Vec<Result<Value, ApiError>>,
}

impl OrderPrefetch {
    /// The reads, in the order their answers are expected ([`Self::answered`]).
    pub(in crate::engine) fn reads(&self) -> Vec<Read> {
        let Some((after, date_filter)) = &self.feed else { return Vec::new() };
        let mut reads = vec![keyset_head("orders", "order_id", *after, date_filter.as_ref())];
        let again = |chunk: &[u64]| Read::head("orders").filtered(json!({"order_id": {"in": chunk}})).ordered("order_id ASC");
        reads.extend(self.revisit.chunks(IDS_PER_QUERY).map(again));
        reads
    }

    pub(in crate::engine) fn answered(self, answers: Vec<Result<Value, ApiError>>) -> Self {
        OrderPrefetch { answers, ..self }
    }

    /// The prefetched answers if they were read for this feed start: the feed's first page, and
    /// the orders read again (with their ids).
    pub(super) fn first_page(self, after: u64, date_filter: Option<&Value>) -> Option<FirstPage> {
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
        Some(FirstPage { head, again: orders, read_again: ids })
    }

    /// The cursor and the open ledger entries as read, and the prefetched shop reads.
    pub(super) fn split(mut self) -> (Option<Cursor>, Option<Vec<LedgerEntry>>, Self) {
        (self.cursor.take(), self.open.take(), self)
    }
}

/// The answers read with the shop's dictionaries: the feed's first page, and the orders read
/// again (with their ids).
pub(super) struct FirstPage {
    head: Value,
    again: Vec<Value>,
    read_again: BTreeSet<u64>,
}

/// What the order part will read first: the cursor and the open ledger entries (read here, once
/// per run, and handed to the part), and the shop reads they imply (nothing when the part will
/// not read: no start point chosen).
pub(in crate::engine) async fn prefetch<H: Http, S: Storage, C: Clock>(cx: &RunContext<'_, H, S, C>) -> OrderPrefetch {
    let settings = cx.settings;
    let cursor: Option<Cursor> = load(cx.store, &cx.keys.cursor()).await.unwrap_or(None);
    if cursor.is_none() && settings.orders.start == StartPoint::Unset && !cx.dry_run() {
        return OrderPrefetch { cursor, ..OrderPrefetch::default() };
    }
    let Ok(open) = Ledger::new(cx.store, cx.keys.clone()).open_entries().await else {
        return OrderPrefetch { cursor, ..OrderPrefetch::default() };
    };
    let revisit = revisit_ids(&open, cx.now()).into_iter().collect();
    let feed = Some(feed_start(cursor.as_ref(), settings));
    OrderPrefetch { cursor, open: Some(open), feed, revisit, answers: Vec::new() }
}

/// What the feed gave: the orders with their lines (in id order), what decoding met, and the ids
/// of the new orders (past the cursor) in feed order.
pub(super) struct ReadOrders {
    pub orders: Vec<ShopOrder>,
    pub problems: Vec<DecodeError>,
    pub new_ids: Vec<u64>,
}

fn lenient_id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl<H: Http, S: Storage, C: Clock> OrdersPart<'_, '_, H, S, C> {
    /// New orders after `after` (plus `extra` by id), decoded with their lines. `prefetched`:
    /// the feed's first page and orders read again, read with the shop's dictionaries. The
    /// lines of all the orders come in two rounds of `/bulk` calls (50 orders to a filter).
    pub(super) async fn read_orders(
        &mut self,
        after: u64,
        date_filter: Option<&Value>,
        extra: &BTreeSet<u64>,
        prefetched: Option<FirstPage>,
    ) -> Result<ReadOrders, ApiError> {
        let (head, mut again, read_again) = match prefetched {
            Some(p) => (Some(p.head), p.again, p.read_again),
            None => (None, Vec::new(), BTreeSet::new()),
        };
        let mut raw = self.cx.session.shoper.list_keyset_from(head, "orders", "order_id", after, date_filter, MAX_NEW_ORDERS).await?;
        let new_ids: Vec<u64> = raw.iter().filter_map(|o| o.get("order_id").and_then(lenient_id)).collect();
        let mut fresh: BTreeSet<u64> = BTreeSet::new();
        for id in &new_ids {
            fresh.insert(*id);
        }
        again.retain(|o| o.get("order_id").and_then(lenient_id).is_some_and(|id| !fresh.contains(&id)));
        raw.extend(again);
        let wanted: Vec<u64> = extra.iter().copied().filter(|id| !fresh.contains(id) && !read_again.contains(id)).collect();
        if !wanted.is_empty() {
            raw.extend(self.cx.session.shoper.list_by_ids("orders", "order_id", &wanted, Some("order_id ASC")).await?);
        }
        let ids: Vec<u64> = raw.iter().filter_map(|o| o.get("order_id").and_then(lenient_id)).collect();
        let shoper = &mut self.cx.session.shoper;
        let lines = if ids.is_empty() { Vec::new() } else { shoper.list_by_ids("order-products", "order_id", &ids, Some("id ASC")).await? };
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
        Ok(ReadOrders { orders, problems, new_ids })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cursor as stored by any version reads as the derive read it.
    #[test]
    fn the_cursor_reads_as_the_derive_reads_it() {
        #[derive(Debug, Serialize, serde::Deserialize)]
        struct Derived {
            last_order_id: u64,
        }
        let stored = serde_json::to_value(Cursor { last_order_id: 1234 }).unwrap();
        crate::json::assert_reads_as_derive::<Cursor, Derived>(&[("struct Derived", "a map")], &[stored, json!({"last_order_id": 0})]);
    }
}
