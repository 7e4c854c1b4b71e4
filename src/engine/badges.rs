//! Per-order badges for the Shoper admin panel (content script): what happened to each order.

use super::ledger::{Ledger, OrderState, SystimCopy};
use super::store::ShopKeys;
use super::Engine;
use crate::io::{Clock, Http, Storage};
use crate::plan::orders::shop_host;
use crate::plan::Lang;
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
    /// The order's sales document, when one was issued: „faktura FV/12/2026” — the panel offers
    /// its PDF (`openDocument`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentLabel>,
}

/// How a badge names the order's sales document — and, when the browser's resend made it more
/// than once, the copies to delete in Systim (their ids).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLabel {
    pub text_pl: String,
    pub text_en: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<u64>,
}

impl DocumentLabel {
    fn of(doc: &IssuedDocument) -> DocumentLabel {
        let key = match doc.kind {
            crate::plan::invoice::DocumentKind::VatInvoice => "core_badge_document_invoice",
            crate::plan::invoice::DocumentKind::Receipt => "core_badge_document_receipt",
        };
        let number = super::invoices::ledger::document_label(&doc.number, doc.systim_id);
        let (mut text_pl, mut text_en) = crate::texts::both_fill(key, &[&number]);
        if !doc.copies.is_empty() {
            let ids: Vec<String> = doc.copies.iter().map(|id| format!("id {id}")).collect();
            let (pl, en) = crate::texts::both_fill("core_badge_document_copies", &[&(doc.copies.len() + 1).to_string(), &ids.join(", ")]);
            (text_pl, text_en) = (format!("{text_pl} — {pl}"), format!("{text_en} — {en}"));
        }
        if let Some(issued) = doc.wz {
            let (pl, en) = crate::texts::both_fill(if issued { "core_badge_document_wz" } else { "core_badge_document_wz_unclear" }, &[]);
            (text_pl, text_en) = (format!("{text_pl} · {pl}"), format!("{text_en} · {en}"));
        }
        DocumentLabel { text_pl, text_en, copies: doc.copies.clone() }
    }
}

/// A badge whose texts are `key` in `_locales` ([`crate::texts`]).
fn badge_of(state: BadgeState, key: &str, args: &[&str]) -> Badge {
    let (text_pl, text_en) = crate::texts::both_fill(key, args);
    Badge { state, text_pl, text_en, document: None }
}

fn from_state(state: &OrderState) -> Badge {
    match state {
        OrderState::Imported { systim_id, number, copies, .. } if !copies.is_empty() => {
            let kept = SystimCopy { id: *systim_id, number: number.clone() }.label();
            let extra: Vec<String> = copies.iter().map(SystimCopy::label).collect();
            let extra = extra.join(", ");
            badge_of(BadgeState::Doubled, "core_badge_doubled", &[&(copies.len() + 1).to_string(), &kept, &extra])
        }
        OrderState::Imported { systim_id: 0, number, .. } if number.is_empty() => badge_of(BadgeState::Imported, "core_badge_confirmed", &[]),
        OrderState::Imported { systim_id, number, .. } => {
            let n = if number.is_empty() { format!("id {systim_id}") } else { format!("nr {number}") };
            badge_of(BadgeState::Imported, "core_badge_imported", &[&n])
        }
        OrderState::Held { detail_pl, detail_en, .. } => {
            let (pl, en) = (crate::texts::fill(Lang::Pl, "core_badge_held", &[detail_pl]), crate::texts::fill(Lang::En, "core_badge_held", &[detail_en]));
            Badge { state: BadgeState::Held, text_pl: pl, text_en: en, document: None }
        }
        OrderState::Waiting { .. } => badge_of(BadgeState::Pending, "core_badge_waiting", &[]),
        OrderState::Skipped { reason } => {
            let key = match reason.as_str() {
                "origin_not_selected" => "core_badge_skipped_origin",
                "before_start_point" => "core_badge_skipped_before_start",
                _ => "core_badge_skipped",
            };
            badge_of(BadgeState::NotImported, key, &[])
        }
        OrderState::Intent { .. } => badge_of(BadgeState::Pending, "core_badge_intent", &[]),
        OrderState::Unverifiable { .. } => badge_of(BadgeState::Held, "core_badge_unverifiable", &[]),
    }
}

/// The sales document issued in Systim for an order ([`Engine::issued_document`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IssuedDocument {
    pub kind: crate::plan::invoice::DocumentKind,
    /// Systim's id (for `getSellInvoicePDF`) and number (empty when Systim did not say).
    pub systim_id: u64,
    pub number: String,
    /// Other documents the same request made (the browser's resend), to be deleted in Systim.
    pub copies: Vec<u64>,
    /// `result_code` 102: issued, its accounting failed.
    pub accounting_failed: bool,
    /// Its WZ: issued (`Some(true)`), sent without a clear answer (`Some(false)`), none or not
    /// yet (`None`).
    pub wz: Option<bool>,
}

/// The document a document ledger's entry holds, when issued.
fn issued(state: super::invoices::ledger::DocumentState) -> Option<IssuedDocument> {
    match state {
        super::invoices::ledger::DocumentState::Issued { kind, systim_id, number, copies, accounting_failed, wz, .. } => {
            use super::invoices::ledger::WzState;
            let wz = match wz {
                Some(WzState::Issued { .. }) => Some(true),
                Some(WzState::Sent { .. }) => Some(false),
                _ => None,
            };
            Some(IssuedDocument { kind, systim_id, number, copies, accounting_failed, wz })
        }
        _ => None,
    }
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// The sales document issued for a Shoper order, if any (issue #16: the admin panel's badge
    /// and the PDF).
    pub async fn issued_document(&self, order_id: u64) -> Option<IssuedDocument> {
        use super::invoices::ledger::DocumentLedger;
        let origin = self.connection().await.shop_origin().ok()?;
        let ledger = DocumentLedger::new(&self.store, ShopKeys::new(&shop_host(&origin)));
        issued(ledger.get(order_id).await.ok()??.state)
    }

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
        let documents = super::invoices::ledger::DocumentLedger::new(&self.store, keys.clone());
        let ledger = Ledger::new(&self.store, keys);
        let mut out = Vec::new();
        for id in ids.iter().take(MAX_BADGES) {
            let mut b = match ledger.get(*id).await {
                Ok(Some(e)) => from_state(&e.state),
                // Settled long ago; its entry was pruned (`super::prune`).
                Ok(None) if pruned.covers(*id) => badge_of(BadgeState::Unknown, "core_badge_pruned", &[]),
                _ => badge_of(BadgeState::Unknown, "core_badge_not_synced", &[]),
            };
            if let Ok(Some(entry)) = documents.get(*id).await {
                b.document = issued(entry.state).as_ref().map(DocumentLabel::of);
            }
            out.push((*id, b));
        }
        out
    }
}
