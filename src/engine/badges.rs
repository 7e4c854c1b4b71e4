//! Per-order badges for the Shoper admin panel (content script): what happened to each order.

use super::ledger::{Ledger, OrderState, SystimCopy};
use super::store::ShopKeys;
use super::Engine;
use crate::io::{Clock, Http, Storage};
use crate::plan::orders::shop_host;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most this many orders per request (a page of the order list).
pub const MAX_BADGES: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BadgeState {
    Imported,
    /// In Systim more than once: the merchant must delete the copies named.
    Doubled,
    Held,
    NotImported,
    Pending,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Badge {
    pub state: BadgeState,
    pub text_pl: String,
    pub text_en: String,
}

fn badge(state: BadgeState, pl: impl Into<String>, en: impl Into<String>) -> Badge {
    Badge { state, text_pl: pl.into(), text_en: en.into() }
}

fn from_state(state: &OrderState) -> Badge {
    match state {
        OrderState::Imported { systim_id, number, copies, .. } if !copies.is_empty() => {
            let kept = SystimCopy { id: *systim_id, number: number.clone() }.label();
            let extra: Vec<String> = copies.iter().map(SystimCopy::label).collect();
            let extra = extra.join(", ");
            badge(
                BadgeState::Doubled,
                format!("w Systim {} razy: zostaw {kept}, usuń {extra}", copies.len() + 1),
                format!("in Systim {} times: keep {kept}, delete {extra}", copies.len() + 1),
            )
        }
        OrderState::Imported { systim_id: 0, number, .. } if number.is_empty() => badge(BadgeState::Imported, "w Systim ✓ (potwierdzone przez Ciebie)", "in Systim ✓ (confirmed by you)"),
        OrderState::Imported { systim_id, number, .. } => {
            let n = if number.is_empty() { format!("id {systim_id}") } else { format!("nr {number}") };
            badge(BadgeState::Imported, format!("w Systim ✓ {n}"), format!("in Systim ✓ {n}"))
        }
        OrderState::Held { detail_pl, detail_en, .. } => badge(BadgeState::Held, format!("wstrzymane: {detail_pl}"), format!("held: {detail_en}")),
        OrderState::Waiting { .. } => badge(BadgeState::Pending, "czeka: status nie jest wybrany do importu", "waiting: its status is not selected"),
        OrderState::Skipped { reason } => {
            let (pl, en) = match reason.as_str() {
                "origin_not_selected" => ("nie importowane: zamówienie z innego źródła niż sklep (np. z panelu)", "not imported: not placed in the storefront (e.g. admin panel)"),
                "before_start_point" => ("nie importowane: sprzed punktu startowego", "not imported: before the start point"),
                _ => ("nie importowane", "not imported"),
            };
            badge(BadgeState::NotImported, pl, en)
        }
        OrderState::Intent { .. } => badge(BadgeState::Pending, "import w toku — zostanie sprawdzony", "import in progress — will be checked"),
        OrderState::Unverifiable { .. } => badge(BadgeState::Held, "wstrzymane: nie da się sprawdzić, czy dotarło do Systim", "held: cannot check whether it reached Systim"),
    }
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// Badges for the orders shown on an admin page (unknown orders: not looked at yet).
    pub async fn order_badges(&self, ids: &[u64]) -> BTreeMap<String, Badge> {
        self.badges(ids).await.into_iter().map(|(id, b)| (id.to_string(), b)).collect()
    }

    /// [`Self::order_badges`] as the reply carries it: `{"<order id>": badge}` — built as a JSON
    /// object directly (the wasm needs no map type of badges of its own).
    pub(super) async fn order_badges_json(&self, ids: &[u64]) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for (id, b) in self.badges(ids).await {
            out.insert(id.to_string(), serde_json::to_value(b).unwrap_or_default());
        }
        serde_json::Value::Object(out)
    }

    async fn badges(&self, ids: &[u64]) -> Vec<(u64, Badge)> {
        let conn = self.connection().await;
        let Ok(origin) = conn.shop_origin() else { return Vec::new() };
        let keys = ShopKeys::new(&shop_host(&origin));
        let pruned = super::prune::record(&self.store, &keys).await;
        let ledger = Ledger::new(&self.store, keys);
        let mut out = Vec::new();
        for id in ids.iter().take(MAX_BADGES) {
            let b = match ledger.get(*id).await {
                Ok(Some(e)) => from_state(&e.state),
                // Settled long ago; its entry was pruned (`super::prune`).
                Ok(None) if pruned.covers(*id) => badge(BadgeState::Unknown, "rozliczone dawno temu — szczegóły usunięto z pamięci rozszerzenia", "settled long ago — its details were removed from the extension's storage"),
                _ => badge(BadgeState::Unknown, "jeszcze nie synchronizowane", "not synced yet"),
            };
            out.push((*id, b));
        }
        out
    }
}
