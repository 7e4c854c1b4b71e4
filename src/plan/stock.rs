//! Stock plan (Systim → Shoper, one-way): which Shoper stock rows get which absolute quantity.
//!
//! A row is written only when it is paired with exactly one Systim product (see `matching`) and
//! passes the seed's rules (gross price above 0 on both sides, same category name, same VAT rate,
//! and — only when pushing zeros is off — a Systim quantity of at least 1), each failing rule a
//! reason of its own. The value is the Systim quantity of the mapped store(s) minus what
//! imported-but-unsettled orders reserve, rounded down for units without fractions, never below
//! 0. Only values that differ from the shop's become actions. A run that would zero too large a
//! share of the matched rows is refused unless the caller confirms.

// A `Finding` is plain data that ends up in the plan either way; boxing it on the error path
// would only add an allocation per skipped item.
#![allow(clippy::result_large_err)]

use crate::domain::{ShopItem, ShopSnapshot, SystimProduct, SystimSnapshot};
use crate::matching::{code_problem, normalized_note, Match, MatchKind, Matching, Side};
use crate::money::Qty;
use crate::plan::{Finding, ReasonCode, Tally};
use crate::settings::{Settings, StockSettings, WarehouseLink};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What the caller knows about quantities that the snapshots do not show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuantityInputs {
    /// Quantities in imported orders that Systim has not settled yet (no WZ), by Systim product
    /// id. Shoper already took them off its stock; pushing Systim's figure unchanged would
    /// "un-sell" them.
    pub reserved_by_systim_id: BTreeMap<u64, Qty>,
    /// The same, by exact product code, for lines the caller recorded by code. A line must be
    /// recorded under its id or its code, not both.
    pub reserved_by_code: BTreeMap<String, Qty>,
    /// Systim products whose quantity could not be read. Never taken as 0.
    pub unreadable: BTreeSet<u64>,
}

impl QuantityInputs {
    /// Total reserved for a product (negative entries count as 0).
    pub fn reserved(&self, p: &SystimProduct) -> Qty {
        let by_id = self.reserved_by_systim_id.get(&p.id).copied().unwrap_or_default();
        let by_code = if p.code.is_blank() { Qty::ZERO } else { self.reserved_by_code.get(p.code.as_str()).copied().unwrap_or_default() };
        by_id.max(Qty::ZERO) + by_code.max(Qty::ZERO)
    }
}

/// One absolute write: `PUT /product-stocks/{stock_id}` with the new value (per warehouse when
/// the shop has warehouses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAction {
    pub stock_id: u64,
    pub product_id: u64,
    /// Target Shoper warehouse; `None` = the row's whole stock.
    pub warehouse_id: Option<u64>,
    pub code: String,
    pub systim_id: u64,
    /// The shop's value as read; `None` when the warehouse had no entry for the row.
    pub current: Option<Qty>,
    pub new: Qty,
    /// Systim quantity of the mapped store(s), before reservations.
    pub systim_quantity: Qty,
    pub reserved: Qty,
}

/// The mass-zero brake: how many matched rows this run would set to 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZeroBrake {
    /// Matched rows that would go to 0 (from a non-zero or unknown value).
    pub zeroing: u32,
    pub matched: u32,
    pub max_share_percent: u8,
    pub min_count: u32,
    /// More than the allowed share would be zeroed.
    pub tripped: bool,
    /// The caller confirmed the zeroing.
    pub confirmed: bool,
}

impl ZeroBrake {
    fn evaluate(zeroing: u32, matched: u32, settings: &StockSettings, confirmed: bool) -> ZeroBrake {
        let over_share = u64::from(zeroing) * 100 > u64::from(settings.max_share_percent()) * u64::from(matched);
        ZeroBrake {
            zeroing,
            matched,
            max_share_percent: settings.max_zero_share_percent,
            min_count: settings.zero_brake_min_count,
            tripped: over_share && zeroing >= settings.zero_brake_min_count.max(1),
            confirmed,
        }
    }
}

impl StockSettings {
    fn max_share_percent(&self) -> u8 {
        self.max_zero_share_percent.min(100)
    }
}

/// The stock plan. A dry run shows it; applying it means writing `actions` — only when
/// [`StockPlan::may_apply`] says so.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPlan {
    pub actions: Vec<StockAction>,
    /// Matched rows whose shop value is already right.
    pub unchanged: u32,
    #[serde(flatten)]
    pub tally: Tally,
    /// Remarks that change nothing: matched after normalisation, negative Systim stock, rounding.
    pub notes: Vec<Finding>,
    /// Configuration problems; when present nothing was considered and nothing may be written.
    pub blocked: Vec<Finding>,
    pub zero_brake: ZeroBrake,
    /// The brake tripped and the caller did not confirm: show the plan, write nothing.
    pub refused_unless_confirmed: bool,
}

impl StockPlan {
    pub fn may_apply(&self) -> bool {
        self.blocked.is_empty() && !self.refused_unless_confirmed
    }
    /// The counts add up and agree with the lists.
    pub fn check(&self) -> Result<(), String> {
        self.tally.check()?;
        let mut rows_written: BTreeSet<u64> = BTreeSet::new();
        for a in &self.actions {
            rows_written.insert(a.stock_id);
        }
        let expected = self.tally.counts.matched - self.unchanged;
        if rows_written.len() as u32 != expected {
            return Err(format!("{} rows written but {} matched rows changed", rows_written.len(), expected));
        }
        Ok(())
    }
}

/// Plan the stock push. `confirmed_zeroing` releases the mass-zero brake.
pub fn plan_stock(matching: &Matching, settings: &Settings, inputs: &QuantityInputs, confirmed_zeroing: bool) -> StockPlan {
    let shop = matching.shop.snapshot();
    let mut plan = StockPlan { blocked: warehouse_problems(settings, shop, matching.systim.snapshot()), ..StockPlan::default() };
    if !plan.blocked.is_empty() {
        return plan;
    }
    let rules = &settings.stock;
    let mut zeroing = 0;
    for i in 0..shop.items.len() {
        match plan_row(matching, i, rules, inputs, &mut plan.notes) {
            Err(finding) => plan.tally.skip(finding),
            Ok(writes) => {
                plan.tally.matched();
                if writes.is_empty() {
                    plan.unchanged += 1;
                }
                if writes.iter().any(|w| w.new == Qty::ZERO) {
                    zeroing += 1;
                }
                plan.actions.extend(writes);
            }
        }
    }
    plan.zero_brake = ZeroBrake::evaluate(zeroing, plan.tally.counts.matched, rules, confirmed_zeroing);
    plan.refused_unless_confirmed = plan.zero_brake.tripped && !confirmed_zeroing;
    plan
}

/// One shop row: its writes (possibly none), or why it is left alone.
fn plan_row(matching: &Matching, i: usize, rules: &StockSettings, inputs: &QuantityInputs, notes: &mut Vec<Finding>) -> Result<Vec<StockAction>, Finding> {
    let item = &matching.shop.items()[i];
    let m = matching.for_shop_item(i);
    let Match::Found { index, kind } = m else {
        return Err(unmatched(matching, item, &m));
    };
    let p = &matching.systim.products()[index];
    let about = |f: Finding| f.shop_row(item.stock_id, item.product_id).systim(p.id).code(item.code.as_str());
    if kind == MatchKind::Normalized {
        notes.push(normalized_note(&item.code, &p.code).shop_row(item.stock_id, item.product_id).systim(p.id));
    }
    eligibility(item, p, rules, inputs, matching.systim.snapshot().categories_unknown).map_err(about)?;
    let mut writes = Vec::new();
    let mut value_notes = Vec::new();
    let mut all_zero = true;
    for link in &rules.warehouses {
        let value = link_value(item, p, link, rules, inputs).ok_or_else(|| about(Finding::new(ReasonCode::QuantityUnreadable)))?;
        if !rules.push_zeros && value.systim < Qty::units(1) {
            return Err(about(Finding::new(ReasonCode::SystimQuantityBelowOne).quantity(value.systim)));
        }
        value.annotate(|f| value_notes.push(about(f)));
        all_zero &= value.new == Qty::ZERO;
        if value.new == Qty::ZERO && !rules.push_zeros {
            continue;
        }
        let current = current_value(item, link);
        if current != Some(value.new) {
            writes.push(StockAction {
                stock_id: item.stock_id,
                product_id: item.product_id,
                warehouse_id: link.shop_warehouse,
                code: item.code.as_str().to_string(),
                systim_id: p.id,
                current,
                new: value.new,
                systim_quantity: value.systim,
                reserved: value.reserved,
            });
        }
    }
    if all_zero && !rules.push_zeros {
        return Err(about(Finding::new(ReasonCode::ZeroNotPushed)));
    }
    notes.extend(value_notes);
    Ok(writes)
}

/// The report for a row without exactly one Systim product.
fn unmatched(matching: &Matching, item: &ShopItem, m: &Match) -> Finding {
    let shop = matching.shop.items();
    let finding = match m {
        Match::Blank => Finding::new(ReasonCode::BlankCode),
        Match::NotFound => Finding::new(ReasonCode::NotInSystim).code(item.code.as_str()),
        _ => code_problem(m, &item.code, Side::Shop, shop, matching.systim.products()).unwrap_or_else(|| Finding::new(ReasonCode::NotInSystim)),
    };
    finding.shop_row(item.stock_id, item.product_id)
}

/// The seed's rules for a matched pair, in the order the help page lists them.
fn eligibility(item: &ShopItem, p: &SystimProduct, rules: &StockSettings, inputs: &QuantityInputs, categories_unknown: bool) -> Result<(), Finding> {
    if p.is_service {
        return Err(Finding::new(ReasonCode::SystimService));
    }
    if !item.price.is_positive() {
        return Err(Finding::new(ReasonCode::ShopPriceNotPositive).amount(item.price));
    }
    if !p.price_gross.is_positive() {
        return Err(Finding::new(ReasonCode::SystimPriceNotPositive).amount(p.price_gross));
    }
    if rules.require_same_category && categories_unknown {
        return Err(Finding::new(ReasonCode::CategoryUnverifiable));
    }
    if rules.require_same_category && !same_category(item, p) {
        return Err(Finding::new(ReasonCode::CategoryDiffers).value(label(p.category.as_deref())).value(label(item.category.as_deref())));
    }
    if rules.require_same_vat && (p.vat.is_none() || p.vat != item.vat) {
        let vat = |v: Option<crate::domain::VatRate>| v.map(|v| v.label());
        return Err(Finding::new(ReasonCode::VatDiffers).value(label(vat(p.vat).as_deref())).value(label(vat(item.vat).as_deref())));
    }
    if inputs.unreadable.contains(&p.id) {
        return Err(Finding::new(ReasonCode::QuantityUnreadable));
    }
    Ok(())
}

/// A value as shown in a finding; `—` for none.
fn label(value: Option<&str>) -> String {
    value.map_or_else(|| "—".to_string(), str::to_string)
}

fn same_category(item: &ShopItem, p: &SystimProduct) -> bool {
    match (&item.category, &p.category) {
        (Some(a), Some(b)) => !a.trim().is_empty() && a.trim() == b.trim(),
        _ => false,
    }
}

/// What one link would write for a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkValue {
    /// Sum of the mapped stores.
    pub systim: Qty,
    pub reserved: Qty,
    pub new: Qty,
    pub rounded: bool,
}

impl LinkValue {
    pub(crate) fn compute(systim: Qty, reserved: Qty, fractional: bool) -> LinkValue {
        let available = systim - reserved;
        let rounded = !fractional && available > Qty::ZERO && !available.is_whole();
        let whole = if fractional { available } else { available.floor_units() };
        LinkValue { systim, reserved, new: whole.max(Qty::ZERO), rounded }
    }
    /// Notes worth telling the merchant: negative Systim stock, reservations, rounding.
    pub(crate) fn annotate(&self, mut note: impl FnMut(Finding)) {
        if self.systim < Qty::ZERO {
            note(Finding::new(ReasonCode::NegativeSystimStock).quantity(self.systim));
        }
        if self.reserved > Qty::ZERO {
            note(Finding::new(ReasonCode::ReservationSubtracted).quantity(self.reserved));
        }
        if self.rounded {
            note(Finding::new(ReasonCode::RoundedDown).quantity(self.systim - self.reserved));
        }
    }
}

/// The Systim quantity of the link's stores; `None` when none of them has an entry for the
/// product (unread — never taken as 0).
pub(crate) fn store_total(p: &SystimProduct, link: &WarehouseLink) -> Option<Qty> {
    let mut entries = p.stock.iter().filter(|(store, _)| link.systim_stores.is_empty() || link.systim_stores.contains(store)).peekable();
    entries.peek()?;
    Some(entries.map(|(_, q)| *q).sum())
}

fn link_value(item: &ShopItem, p: &SystimProduct, link: &WarehouseLink, rules: &StockSettings, inputs: &QuantityInputs) -> Option<LinkValue> {
    Some(LinkValue::compute(store_total(p, link)?, rules.reserved(p, inputs), item.unit_fractional))
}

impl StockSettings {
    /// What open orders reserve, when the setting asks to subtract it.
    pub(crate) fn reserved(&self, p: &SystimProduct, inputs: &QuantityInputs) -> Qty {
        if self.reserve_open_orders {
            inputs.reserved(p)
        } else {
            Qty::ZERO
        }
    }
}

fn current_value(item: &ShopItem, link: &WarehouseLink) -> Option<Qty> {
    match link.shop_warehouse {
        None => Some(item.stock),
        Some(w) => item.warehouses.iter().find(|(id, _)| *id == w).map(|(_, q)| *q),
    }
}

/// Why the warehouse mapping cannot be used with this shop (empty = fine).
pub(crate) fn warehouse_problems(settings: &Settings, shop: &ShopSnapshot, systim: &SystimSnapshot) -> Vec<Finding> {
    let links = &settings.stock.warehouses;
    let mut problems: Vec<Finding> = settings
        .validate()
        .into_iter()
        .filter(|e| e.field.starts_with("stock.warehouses"))
        .map(|e| Finding::new(ReasonCode::WarehouseMappingInvalid).value(e.field))
        .take(1)
        .collect();
    let targeted = links.iter().filter_map(|l| l.shop_warehouse);
    if shop.warehouses_enabled && links.iter().any(|l| l.shop_warehouse.is_none()) {
        problems.push(Finding::new(ReasonCode::WarehouseMappingInvalid).cause(ReasonCode::WarehousesModuleOn));
    }
    if !shop.warehouses_enabled && links.iter().any(|l| l.shop_warehouse.is_some()) {
        problems.push(Finding::new(ReasonCode::WarehouseMappingInvalid).cause(ReasonCode::WarehousesModuleOff));
    }
    for w in targeted.filter(|w| shop.warehouses_enabled && !shop.warehouses.iter().any(|sw| sw.id == *w)) {
        problems.push(Finding::new(ReasonCode::WarehouseMappingInvalid).cause(ReasonCode::UnknownWarehouse).value(format!("Shoper {w}")));
    }
    let known_stores = |s: &u64| systim.stores.is_empty() || systim.stores.iter().any(|st| st.id == *s);
    for s in links.iter().flat_map(|l| l.systim_stores.iter()).filter(|s| !known_stores(s)) {
        problems.push(Finding::new(ReasonCode::WarehouseMappingInvalid).cause(ReasonCode::UnknownWarehouse).value(format!("Systim {s}")));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{VatRate, Warehouse};
    use crate::money::Money;
    use crate::plan::fixtures::{item, product, shop, systim};

    fn run(items: Vec<ShopItem>, products: Vec<SystimProduct>, settings: &Settings, inputs: &QuantityInputs) -> StockPlan {
        let s = shop(items);
        let y = systim(products);
        let plan = plan_stock(&Matching::new(&s, &y, settings.matching.normalize_codes), settings, inputs, false);
        plan.check().unwrap();
        plan
    }

    fn one(it: ShopItem, p: SystimProduct) -> StockPlan {
        run(vec![it], vec![p], &Settings::default(), &QuantityInputs::default())
    }

    fn only_skip(plan: &StockPlan) -> ReasonCode {
        assert_eq!(plan.tally.skipped.len(), 1, "{plan:?}");
        plan.tally.skipped[0].reason
    }

    fn with_stock(mut p: SystimProduct, milli: i64) -> SystimProduct {
        p.stock = vec![(1, Qty(milli))];
        p
    }

    #[test]
    fn each_eligibility_rule_has_its_reason() {
        type Edit = fn(&mut ShopItem, &mut SystimProduct);
        let cases: [(&str, Edit, ReasonCode); 9] = [
            ("shop price 0", |i, _| i.price = Money::ZERO, ReasonCode::ShopPriceNotPositive),
            ("systim price 0", |_, p| p.price_gross = Money(-1), ReasonCode::SystimPriceNotPositive),
            ("category differs", |i, _| i.category = Some("Obuwie".into()), ReasonCode::CategoryDiffers),
            ("category missing", |_, p| p.category = None, ReasonCode::CategoryDiffers),
            ("vat differs", |_, p| p.vat = Some(VatRate::Percent(8)), ReasonCode::VatDiffers),
            ("0% is not zw.", |i, p| (i.vat, p.vat) = (Some(VatRate::Percent(0)), Some(VatRate::Exempt)), ReasonCode::VatDiffers),
            ("vat unknown", |i, p| (i.vat, p.vat) = (None, None), ReasonCode::VatDiffers),
            ("service", |_, p| p.is_service = true, ReasonCode::SystimService),
            ("code differs", |i, _| i.code = crate::domain::ProductCode::new("X-1"), ReasonCode::NotInSystim),
        ];
        for (name, edit, reason) in cases {
            let (mut it, mut p) = (item(1, "A"), product(1, "A"));
            edit(&mut it, &mut p);
            let plan = one(it, p);
            assert_eq!(only_skip(&plan), reason, "{name}");
            assert!(plan.actions.is_empty(), "{name}");
        }
    }

    #[test]
    fn category_and_vat_rules_can_be_switched_off() {
        let mut settings = Settings::default();
        settings.stock.require_same_category = false;
        settings.stock.require_same_vat = false;
        let mut it = item(1, "A");
        it.category = Some("Inna".into());
        it.vat = Some(VatRate::Percent(8));
        let plan = run(vec![it], vec![with_stock(product(1, "A"), 7_000)], &settings, &QuantityInputs::default());
        assert_eq!(plan.actions.len(), 1);
        assert_eq!(plan.actions[0].new, Qty::units(7));
    }

    #[test]
    fn values_subtract_reservations_round_down_and_clamp() {
        // (systim milli, reserved milli, fractional unit, shop current, expected new or None = unchanged)
        let cases: [(i64, i64, bool, i64, Option<i64>); 8] = [
            (7_000, 0, false, 5_000, Some(7_000)),
            (7_000, 2_000, false, 5_000, None),
            (7_000, 3_000, false, 5_000, Some(4_000)),
            (7_500, 0, false, 5_000, Some(7_000)),
            (7_500, 0, true, 5_000, Some(7_500)),
            (2_000, 5_000, false, 1_000, Some(0)),
            (-3_000, 0, false, 2_000, Some(0)),
            (750, 0, false, 0, None),
        ];
        for (systim_q, reserved, fractional, current, expected) in cases {
            let mut it = item(1, "A");
            it.unit_fractional = fractional;
            it.stock = Qty(current);
            let inputs = QuantityInputs { reserved_by_systim_id: [(1, Qty(reserved))].into(), ..Default::default() };
            let plan = run(vec![it], vec![with_stock(product(1, "A"), systim_q)], &Settings::default(), &inputs);
            let got = plan.actions.first().map(|a| a.new.milli());
            assert_eq!(got, expected, "systim {systim_q} reserved {reserved} fractional {fractional}");
            assert_eq!(plan.tally.counts.matched, 1);
            if let Some(a) = plan.actions.first() {
                assert_eq!((a.systim_quantity, a.reserved, a.current), (Qty(systim_q), Qty(reserved), Some(Qty(current))));
            }
        }
    }

    #[test]
    fn reservations_by_code_and_switching_them_off() {
        let inputs = QuantityInputs { reserved_by_code: [("A".to_string(), Qty::units(2))].into(), ..Default::default() };
        let plan = run(vec![item(1, "A")], vec![with_stock(product(1, "A"), 9_000)], &Settings::default(), &inputs);
        assert_eq!(plan.actions[0].new, Qty::units(7));
        assert_eq!((plan.notes[0].reason, plan.notes[0].quantity, plan.notes[0].stock_id), (ReasonCode::ReservationSubtracted, Some(Qty::units(2)), Some(1)));
        let mut off = Settings::default();
        off.stock.reserve_open_orders = false;
        let plan = run(vec![item(1, "A")], vec![with_stock(product(1, "A"), 9_000)], &off, &inputs);
        assert_eq!(plan.actions[0].new, Qty::units(9));
    }

    #[test]
    fn negative_and_rounded_values_are_noted() {
        let plan = one(item(1, "A"), with_stock(product(1, "A"), -2_000));
        assert_eq!(plan.actions[0].new, Qty::ZERO);
        assert_eq!(plan.notes[0].reason, ReasonCode::NegativeSystimStock);
        assert_eq!(plan.notes[0].quantity, Some(Qty::units(-2)));
        let plan = one(item(1, "A"), with_stock(product(1, "A"), 3_250));
        assert_eq!(plan.actions[0].new, Qty::units(3));
        assert_eq!(plan.notes[0].reason, ReasonCode::RoundedDown);
    }

    #[test]
    fn unreadable_quantities_are_errors_never_zero() {
        let inputs = QuantityInputs { unreadable: [1].into(), ..Default::default() };
        let plan = run(vec![item(1, "A")], vec![product(1, "A")], &Settings::default(), &inputs);
        assert_eq!(only_skip(&plan), ReasonCode::QuantityUnreadable);
        let mut p = product(1, "A");
        p.stock.clear();
        assert_eq!(only_skip(&one(item(1, "A"), p)), ReasonCode::QuantityUnreadable);
        let mut settings = Settings::default();
        settings.stock.warehouses[0].systim_stores = vec![2];
        let plan = run(vec![item(1, "A")], vec![product(1, "A")], &settings, &QuantityInputs::default());
        assert_eq!(only_skip(&plan), ReasonCode::QuantityUnreadable, "no entry for the mapped store");
    }

    #[test]
    fn zero_policy_off_is_the_old_rule() {
        let mut settings = Settings::default();
        settings.stock.push_zeros = false;
        let plan = run(vec![item(1, "A")], vec![with_stock(product(1, "A"), 500)], &settings, &QuantityInputs::default());
        assert_eq!(only_skip(&plan), ReasonCode::SystimQuantityBelowOne);
        let inputs = QuantityInputs { reserved_by_systim_id: [(1, Qty::units(3))].into(), ..Default::default() };
        let plan = run(vec![item(1, "A")], vec![with_stock(product(1, "A"), 2_000)], &settings, &inputs);
        assert_eq!(only_skip(&plan), ReasonCode::ZeroNotPushed);
        assert!(plan.notes.is_empty(), "no notes for a row left alone: {:?}", plan.notes);
        let plan = run(vec![item(1, "A")], vec![with_stock(product(1, "A"), 2_000)], &Settings::default(), &inputs);
        assert_eq!(plan.actions[0].new, Qty::ZERO, "default: zeros are pushed");
    }

    #[test]
    fn only_differences_become_actions() {
        let items = vec![item(1, "A"), item(2, "B"), item(3, "C")];
        let products = vec![with_stock(product(1, "A"), 5_000), with_stock(product(2, "B"), 6_000), with_stock(product(3, "D"), 1_000)];
        let plan = run(items, products, &Settings::default(), &QuantityInputs::default());
        assert_eq!(plan.actions.len(), 1);
        assert_eq!((plan.actions[0].stock_id, plan.actions[0].new), (2, Qty::units(6)));
        assert_eq!((plan.unchanged, plan.tally.counts.matched, plan.tally.counts.considered), (1, 2, 3));
        assert_eq!(plan.tally.counts.skipped.get(&ReasonCode::NotInSystim), Some(&1));
    }

    #[test]
    fn matching_problems_are_reported_per_row() {
        let items = vec![item(1, "ABC "), item(2, ""), item(3, "D"), item(4, "D")];
        let products = vec![product(1, "ABC"), product(2, "D")];
        let plan = run(items, products, &Settings::default(), &QuantityInputs::default());
        let reasons: Vec<ReasonCode> = plan.tally.skipped.iter().map(|f| f.reason).collect();
        assert_eq!(reasons, [ReasonCode::NearMiss, ReasonCode::BlankCode, ReasonCode::AmbiguousCode, ReasonCode::AmbiguousCode]);
        assert_eq!(plan.tally.skipped[2].shop_stock_ids, vec![3, 4]);
        let mut settings = Settings::default();
        settings.matching.normalize_codes = true;
        let plan = run(vec![item(1, "ABC ")], vec![with_stock(product(1, "ABC"), 9_000)], &settings, &QuantityInputs::default());
        assert_eq!(plan.actions.len(), 1);
        assert_eq!(plan.notes[0].reason, ReasonCode::MatchedAfterNormalization);
        assert_eq!(plan.notes[0].codes, vec!["ABC ".to_string(), "ABC".to_string()]);
    }

    fn warehouse_shop(items: Vec<ShopItem>) -> ShopSnapshot {
        let mut s = shop(items);
        s.warehouses_enabled = true;
        s.warehouses = vec![Warehouse { id: 1, name: "Magazyn główny".into() }, Warehouse { id: 2, name: "Sklep stacjonarny".into() }];
        s
    }

    #[test]
    fn warehouses_are_written_per_mapped_warehouse() {
        let mut settings = Settings::default();
        settings.stock.warehouses =
            vec![WarehouseLink { systim_stores: vec![1], shop_warehouse: Some(1) }, WarehouseLink { systim_stores: vec![2], shop_warehouse: Some(2) }];
        let mut it = item(1, "A");
        it.warehouses = vec![(1, Qty::units(4)), (2, Qty::units(3))];
        let mut p = product(1, "A");
        p.stock = vec![(1, Qty::units(4)), (2, Qty::units(8))];
        let s = warehouse_shop(vec![it]);
        let y = systim(vec![p]);
        let plan = plan_stock(&Matching::new(&s, &y, false), &settings, &QuantityInputs::default(), false);
        plan.check().unwrap();
        assert_eq!(plan.actions.len(), 1);
        assert_eq!((plan.actions[0].warehouse_id, plan.actions[0].current, plan.actions[0].new), (Some(2), Some(Qty::units(3)), Qty::units(8)));
    }

    #[test]
    fn several_stores_feed_one_warehouse_summed() {
        let mut settings = Settings::default();
        settings.stock.warehouses = vec![WarehouseLink { systim_stores: vec![1, 2], shop_warehouse: None }];
        let mut p = product(1, "A");
        p.stock = vec![(1, Qty::units(4)), (2, Qty::units(8)), (3, Qty::units(100))];
        let plan = run(vec![item(1, "A")], vec![p], &settings, &QuantityInputs::default());
        assert_eq!(plan.actions[0].new, Qty::units(12));
    }

    #[test]
    fn a_mapping_that_does_not_fit_the_shop_blocks_the_plan() {
        let y = systim(vec![product(1, "A")]);
        let with_module = warehouse_shop(vec![item(1, "A")]);
        let plan = plan_stock(&Matching::new(&with_module, &y, false), &Settings::default(), &QuantityInputs::default(), false);
        assert_eq!(plan.blocked[0].cause, Some(ReasonCode::WarehousesModuleOn));
        assert!(!plan.may_apply() && plan.actions.is_empty() && plan.tally.counts.considered == 0);

        let mut settings = Settings::default();
        settings.stock.warehouses = vec![WarehouseLink { systim_stores: vec![9], shop_warehouse: Some(5) }];
        let without = shop(vec![item(1, "A")]);
        let plan = plan_stock(&Matching::new(&without, &y, false), &settings, &QuantityInputs::default(), false);
        let causes: Vec<_> = plan.blocked.iter().map(|f| f.cause).collect();
        assert_eq!(causes, [Some(ReasonCode::WarehousesModuleOff), Some(ReasonCode::UnknownWarehouse)]);
    }

    #[test]
    fn the_mass_zero_brake_refuses_unless_confirmed() {
        let items: Vec<ShopItem> = (1..=10).map(|i| item(i, &format!("P{i}"))).collect();
        let products =
            |zeroed: u64| -> Vec<SystimProduct> { (1..=10).map(|i| with_stock(product(i, &format!("P{i}")), if i <= zeroed { 0 } else { 5_000 })).collect() };
        let s = shop(items);
        let cases = [(2, false), (3, true), (10, true)];
        for (zeroed, tripped) in cases {
            let y = systim(products(zeroed));
            let mut settings = Settings::default();
            settings.stock.zero_brake_min_count = 2;
            let m = Matching::new(&s, &y, false);
            let plan = plan_stock(&m, &settings, &QuantityInputs::default(), false);
            assert_eq!((plan.zero_brake.zeroing, plan.zero_brake.tripped), (zeroed as u32, tripped), "{zeroed} zeroed");
            assert_eq!(plan.may_apply(), !tripped);
            assert_eq!(plan.actions.len(), zeroed as usize, "the plan still shows what it would do");
            let confirmed = plan_stock(&m, &settings, &QuantityInputs::default(), true);
            assert!(confirmed.may_apply() && confirmed.zero_brake.confirmed);
        }
    }

    #[test]
    fn the_brake_ignores_small_numbers() {
        let s = shop(vec![item(1, "A"), item(2, "B")]);
        let y = systim(vec![with_stock(product(1, "A"), 0), product(2, "B")]);
        let plan = plan_stock(&Matching::new(&s, &y, false), &Settings::default(), &QuantityInputs::default(), false);
        assert_eq!(plan.zero_brake.zeroing, 1);
        assert!(!plan.zero_brake.tripped, "1 of 2 is 50 %, but below the minimum count of 5");
    }
}
