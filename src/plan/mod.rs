//! The three sync plans as plain data: what to import, what stock to push, what products to
//! create — and, for everything left alone, why.
//!
//! A plan is computed from snapshots and settings only (no I/O, no clock); a dry run *is* the
//! plan. Every plan carries [`Counts`] in which the items considered equal the items handled plus
//! every skip reason, and a `check()` that asserts it.
//!
//! Reasons are one vocabulary ([`ReasonCode`], stable snake_case names, `crate::findings`) shared
//! by the matching, the three plans, the UI and `docs/rules.md`.

pub mod contractors;
pub mod invoice;
pub mod orders;
pub mod products;
pub mod spread;
pub mod stock;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use crate::findings::{Finding, Lang, ReasonCode, Severity};

/// What a plan did with the items it considered. `matched + to_create + Σ skipped = considered`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub considered: u32,
    /// Items paired with the other side and handled: orders to import; stock rows matched
    /// (changed or already equal); Systim products already in the shop.
    pub matched: u32,
    /// Items the plan creates (product plan only).
    pub to_create: u32,
    /// Items left alone, by reason (each item counted once, under its first reason).
    pub skipped: ReasonCounts,
}

impl Counts {
    pub fn skipped_total(&self) -> u32 {
        self.skipped.values().sum()
    }
    pub fn adds_up(&self) -> bool {
        self.matched + self.to_create + self.skipped_total() == self.considered
    }
    /// The invariant, with the numbers when it fails.
    pub fn check(&self) -> Result<(), String> {
        if self.adds_up() {
            Ok(())
        } else {
            Err(format!(
                "counts do not add up: matched {} + to_create {} + skipped {} != considered {}",
                self.matched,
                self.to_create,
                self.skipped_total(),
                self.considered
            ))
        }
    }
    fn record_skip(&mut self, reason: ReasonCode) {
        self.considered += 1;
        self.skipped.add(reason, 1);
    }
    fn record_matched(&mut self) {
        self.considered += 1;
        self.matched += 1;
    }
    fn record_created(&mut self) {
        self.considered += 1;
        self.to_create += 1;
    }
}

/// A count per reason, in reason order: a list kept sorted (a plan meets a few reasons; a tree
/// map of its own costs the extension's wasm 1 KB). Stored and sent as a JSON object, as a map.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ReasonCounts(Vec<(ReasonCode, u32)>);

impl ReasonCounts {
    /// `n` more under `reason` (a reason added with 0 is listed, counting nothing).
    pub fn add(&mut self, reason: ReasonCode, n: u32) {
        match self.0.binary_search_by(|(r, _)| r.cmp(&reason)) {
            Ok(at) => self.0[at].1 += n,
            Err(at) => self.0.insert(at, (reason, n)),
        }
    }
    pub fn get(&self, reason: &ReasonCode) -> Option<&u32> {
        self.0.iter().find(|(r, _)| r == reason).map(|(_, n)| n)
    }
    /// The reasons, in order.
    pub fn keys(&self) -> impl Iterator<Item = ReasonCode> + '_ {
        self.0.iter().map(|(r, _)| *r)
    }
    pub fn values(&self) -> impl Iterator<Item = &u32> {
        self.0.iter().map(|(_, n)| n)
    }
}

impl std::fmt::Debug for ReasonCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(r, n)| (r, n))).finish()
    }
}

impl Serialize for ReasonCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(r, n)| (r, n)))
    }
}

impl<'de> Deserialize<'de> for ReasonCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<ReasonCode, u32>::deserialize(d)?;
        Ok(ReasonCounts(map.into_iter().collect()))
    }
}

/// Something left alone, with the reason it is counted under.
pub trait Skip {
    fn reason(&self) -> ReasonCode;
}

impl Skip for Finding {
    fn reason(&self) -> ReasonCode {
        self.reason
    }
}

/// Skipped items and their counts, kept together so they cannot drift apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally<T = Finding> {
    pub skipped: Vec<T>,
    pub counts: Counts,
}

impl<T> Default for Tally<T> {
    fn default() -> Self {
        Tally { skipped: Vec::new(), counts: Counts::default() }
    }
}

impl<T: Skip> Tally<T> {
    pub(crate) fn skip(&mut self, item: T) {
        self.counts.record_skip(item.reason());
        self.skipped.push(item);
    }
    pub(crate) fn matched(&mut self) {
        self.counts.record_matched();
    }
    pub(crate) fn created(&mut self) {
        self.counts.record_created();
    }
    /// Counts add up and agree with the list of skipped items.
    pub fn check(&self) -> Result<(), String> {
        self.counts.check()?;
        let mut listed = ReasonCounts::default();
        for item in &self.skipped {
            listed.add(item.reason(), 1);
        }
        if listed != self.counts.skipped {
            return Err(format!("skipped list {listed:?} differs from counts {:?}", self.counts.skipped));
        }
        Ok(())
    }
}
