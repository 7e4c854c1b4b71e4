//! Product plan (Systim → Shoper, one-way): which Systim products to create in the shop.
//!
//! A Systim product (goods, not a service; not hidden unless the setting says so) that has no
//! counterpart in the shop becomes a creation with everything the stock plan later checks —
//! identical code, category name and VAT rate, a positive gross price — so the two plans agree
//! and the new product gets its stock on the next run. Products without a code are created with
//! the code `SYSTIM-<id>`, which later runs recognise, so they are never created twice. A code
//! that differs from a shop code only in spaces or case is *not* created (it would duplicate the
//! product): it is reported as a near miss.

// A `Finding` is plain data that ends up in the plan either way; boxing it on the error path
// would only add an allocation per skipped item.
#![allow(clippy::result_large_err)]

use crate::domain::{ProductCode, ShopSnapshot, SystimProduct, VatRate};
use crate::matching::{code_problem, fast_map, normalized_note, FastMap, Match, MatchKind, Matching, Side};
use crate::money::{Money, Qty};
use crate::plan::stock::{store_total, warehouse_problems, LinkValue, QuantityInputs};
use crate::plan::{Finding, ReasonCode, Tally};
use crate::settings::{CategoryPolicy, CodelessPolicy, Settings};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The shop category a new product goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CategoryRef {
    Existing {
        id: u64,
    },
    /// Created first (listed in [`ProductPlan::categories_to_create`]).
    New {
        name: String,
    },
}

/// Data for `POST /products` (and the stock row it comes with).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCreation {
    pub systim_id: u64,
    pub code: ProductCode,
    /// The code was generated (`SYSTIM-<id>`) for a product without one.
    pub generated_code: bool,
    pub ean: String,
    /// Name, in [`ProductPlan::name_locale`].
    pub name: String,
    pub price: Money,
    pub tax_id: u64,
    pub category: CategoryRef,
    /// Shoper unit; `None` = the shop's default unit.
    pub unit_id: Option<u64>,
    /// Stock of a shop without warehouses…
    pub stock: Option<Qty>,
    /// …or per Shoper warehouse.
    pub warehouse_stock: Vec<(u64, Qty)>,
    pub active: bool,
}

/// The product plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPlan {
    /// Locale the names are written in (`translations.<locale>.name`).
    pub name_locale: String,
    pub creations: Vec<ProductCreation>,
    /// Top-level categories to create first, when the setting asks.
    pub categories_to_create: Vec<String>,
    #[serde(flatten)]
    pub tally: Tally,
    /// Remarks: generated codes, categories to create, matches after normalisation, stock notes.
    pub notes: Vec<Finding>,
    /// Configuration problems (warehouse mapping); when present nothing was considered.
    pub blocked: Vec<Finding>,
}

impl ProductPlan {
    /// Counts add up, agree with the lists, and no code is created twice (not even in another
    /// spelling of spaces or case).
    pub fn check(&self) -> Result<(), String> {
        self.tally.check()?;
        if self.creations.len() as u32 != self.tally.counts.to_create {
            return Err(format!("{} creations but to_create = {}", self.creations.len(), self.tally.counts.to_create));
        }
        let mut seen = HashSet::new();
        match self.creations.iter().find(|c| !seen.insert(c.code.normalized())) {
            Some(c) => Err(format!("code {:?} created twice", c.code.as_str())),
            None => Ok(()),
        }
    }
}

/// Plan the product push.
pub fn plan_products(matching: &Matching, settings: &Settings, inputs: &QuantityInputs) -> ProductPlan {
    let shop = matching.shop.snapshot();
    let mut plan = ProductPlan {
        name_locale: settings.products.name_locale.clone().unwrap_or_else(|| default_locale(shop)),
        blocked: warehouse_problems(settings, shop, matching.systim.snapshot()),
        ..ProductPlan::default()
    };
    if !plan.blocked.is_empty() {
        return plan;
    }
    let mut planner = Planner { matching, settings, inputs, dict: ShopDictionaries::new(shop), plan: &mut plan };
    for j in 0..matching.systim.products().len() {
        planner.consider(j);
    }
    plan
}

fn default_locale(shop: &ShopSnapshot) -> String {
    if shop.default_locale.is_empty() {
        "pl_PL".to_string()
    } else {
        shop.default_locale.clone()
    }
}

/// Shoper dictionaries looked up by what Systim knows: rate, category name, unit name.
struct ShopDictionaries<'a> {
    taxes: Vec<(VatRate, u64)>,
    categories: FastMap<&'a str, Vec<u64>>,
    /// (name, id, fractional); a handful, scanned without allocating.
    units: Vec<(&'a str, u64, bool)>,
}

impl<'a> ShopDictionaries<'a> {
    fn new(shop: &'a ShopSnapshot) -> Self {
        let mut categories: FastMap<&str, Vec<u64>> = fast_map(shop.categories.len());
        for c in &shop.categories {
            categories.entry(c.name.trim()).or_default().push(c.id);
        }
        let units = shop.units.iter().map(|u| (u.name.as_str(), u.id, u.fractional)).collect();
        let taxes = shop.taxes.iter().filter_map(|t| t.rate.map(|r| (r, t.id))).collect();
        ShopDictionaries { taxes, categories, units }
    }
}

/// Unit names compare without case, surrounding spaces or a final dot (`Szt` = `szt.`).
fn same_unit(a: &str, b: &str) -> bool {
    fn bare(s: &str) -> &str {
        s.trim().trim_end_matches('.').trim_end()
    }
    let (a, b) = (bare(a), bare(b));
    let lower = |s: &str| s.chars().flat_map(crate::case::to_lower).collect::<Vec<char>>();
    a.eq_ignore_ascii_case(b) || (!(a.is_ascii() && b.is_ascii()) && lower(a) == lower(b))
}

/// Why a product is not created, for the attribute checks.
type Refusal = Finding;

/// Stock of a shop without warehouses, or per Shoper warehouse.
type InitialStock = (Option<Qty>, Vec<(u64, Qty)>);

struct Planner<'p, 'a> {
    matching: &'p Matching<'a>,
    settings: &'p Settings,
    inputs: &'p QuantityInputs,
    dict: ShopDictionaries<'a>,
    plan: &'p mut ProductPlan,
}

impl<'p, 'a> Planner<'p, 'a> {
    fn consider(&mut self, j: usize) {
        let p: &'a SystimProduct = &self.matching.systim.products()[j];
        let about = |f: Finding| f.systim(p.id);
        match self.code_for(j, p) {
            Err(f) => self.plan.tally.skip(about(f)),
            Ok(None) => self.plan.tally.matched(),
            Ok(Some((code, generated))) => match self.creation(p, code, generated) {
                Ok(creation) => self.accept(creation),
                Err(f) => self.plan.tally.skip(about(f)),
            },
        }
    }

    /// The code to create the product under; `None` when it is already in the shop.
    fn code_for(&mut self, j: usize, p: &'a SystimProduct) -> Result<Option<(ProductCode, bool)>, Finding> {
        if p.is_service {
            return Err(Finding::new(ReasonCode::SystimService));
        }
        if p.hidden && !self.settings.products.include_hidden {
            return Err(Finding::new(ReasonCode::HiddenInSystim));
        }
        let (shop, systim) = (self.matching.shop.items(), self.matching.systim.products());
        let (m, spellings) = self.matching.systim_lookup(j);
        match m {
            Match::Found { index, kind } => {
                if kind == MatchKind::Normalized {
                    let row = &shop[index];
                    self.plan.notes.push(normalized_note(&p.code, &row.code).systim(p.id).shop_row(row.stock_id, row.product_id));
                }
                Ok(None)
            }
            Match::Blank => self.generated_code(p).map(|c| Some((c, true))),
            Match::NotFound => self.unique_in_systim(&p.code, &spellings).map(|()| Some((p.code.clone(), false))),
            _ => Err(code_problem(&m, &p.code, Side::Systim, shop, systim).unwrap_or_else(|| Finding::new(ReasonCode::AmbiguousCode))),
        }
    }

    /// `SYSTIM-<id>` for a code-less product, unless the setting skips them or the code is taken.
    fn generated_code(&self, p: &SystimProduct) -> Result<ProductCode, Finding> {
        if self.settings.products.codeless == CodelessPolicy::Skip {
            return Err(Finding::new(ReasonCode::CodelessSkipped));
        }
        let code = ProductCode::generated_for(p.id);
        if self.matching.systim.holds_code(&code) {
            return Err(Finding::new(ReasonCode::AmbiguousCode).code(code.as_str()));
        }
        if self.matching.shop_holds_code(&code) {
            return Err(Finding::new(ReasonCode::NearMiss).code(code.as_str()));
        }
        Ok(code)
    }

    /// A code held by several Systim products in different spellings is not created: the
    /// shop would end up with near-duplicate codes.
    fn unique_in_systim(&self, code: &ProductCode, spellings: &[usize]) -> Result<(), Finding> {
        if spellings.len() <= 1 {
            return Ok(());
        }
        let mut f = Finding::new(ReasonCode::AmbiguousCode).code(code.as_str());
        f.systim_ids = spellings.iter().map(|&j| self.matching.systim.products()[j].id).collect();
        Err(f)
    }

    fn creation(&mut self, p: &SystimProduct, code: ProductCode, generated_code: bool) -> Result<ProductCreation, Refusal> {
        if !p.price_gross.is_positive() {
            return Err(Finding::new(ReasonCode::SystimPriceNotPositive).amount(p.price_gross));
        }
        let tax_id = self.tax_for(p)?;
        let category = self.category_for(p)?;
        let (unit_id, fractional) = self.unit_for(p)?;
        let (stock, warehouse_stock) = self.stock_for(p, fractional)?;
        let name = if p.name.trim().is_empty() { code.as_str().to_string() } else { p.name.trim().to_string() };
        Ok(ProductCreation {
            systim_id: p.id,
            code,
            generated_code,
            ean: p.ean.trim().to_string(),
            name,
            price: p.price_gross,
            tax_id,
            category,
            unit_id,
            stock,
            warehouse_stock,
            active: !self.settings.products.create_inactive,
        })
    }

    fn tax_for(&self, p: &SystimProduct) -> Result<u64, Refusal> {
        let rate = p.vat.ok_or_else(|| Finding::new(ReasonCode::VatUnknown))?;
        self.dict.taxes.iter().find(|(r, _)| *r == rate).map(|(_, id)| *id).ok_or_else(|| Finding::new(ReasonCode::VatMissingInShop).value(rate.label()))
    }

    fn category_for(&mut self, p: &SystimProduct) -> Result<CategoryRef, Refusal> {
        if self.matching.systim.snapshot().categories_unknown {
            return match self.settings.products.default_category_id {
                Some(id) => Ok(CategoryRef::Existing { id }),
                None => Err(Finding::new(ReasonCode::SystimCategoriesUnknown)),
            };
        }
        let name = p.category.as_deref().map(str::trim).unwrap_or("");
        if name.is_empty() {
            return Err(Finding::new(ReasonCode::SystimCategoryMissing));
        }
        match self.dict.categories.get(name).map(Vec::as_slice) {
            Some([id]) => Ok(CategoryRef::Existing { id: *id }),
            Some(ids) => {
                let mut f = Finding::new(ReasonCode::CategoryAmbiguousInShop).value(name);
                f.values.extend(ids.iter().map(|id| format!("id {id}")));
                Err(f)
            }
            None if self.settings.products.missing_category == CategoryPolicy::Create => Ok(CategoryRef::New { name: name.to_string() }),
            None => Err(Finding::new(ReasonCode::CategoryMissingInShop).value(name)),
        }
    }

    /// The unit and whether it allows fractions; no unit in Systim = the shop's default unit.
    fn unit_for(&self, p: &SystimProduct) -> Result<(Option<u64>, bool), Refusal> {
        if p.unit.trim().is_empty() {
            return Ok((None, false));
        }
        match self.dict.units.iter().find(|(name, _, _)| same_unit(name, &p.unit)) {
            Some((_, id, fractional)) => Ok((Some(*id), *fractional)),
            None => Err(Finding::new(ReasonCode::UnitMissingInShop).value(p.unit.trim())),
        }
    }

    /// Initial stock, computed as the stock plan would (never from an unreadable quantity).
    fn stock_for(&mut self, p: &SystimProduct, fractional: bool) -> Result<InitialStock, Refusal> {
        if self.inputs.unreadable.contains(&p.id) {
            return Err(Finding::new(ReasonCode::QuantityUnreadable));
        }
        let rules = &self.settings.stock;
        let mut whole = None;
        let mut per_warehouse = Vec::new();
        let mut notes = Vec::new();
        for link in &rules.warehouses {
            let total = store_total(p, link).ok_or_else(|| Finding::new(ReasonCode::QuantityUnreadable))?;
            let value = LinkValue::compute(total, rules.reserved(p, self.inputs), fractional);
            value.annotate(|f| notes.push(f.systim(p.id)));
            match link.shop_warehouse {
                Some(w) => per_warehouse.push((w, value.new)),
                None => whole = Some(value.new),
            }
        }
        self.plan.notes.extend(notes);
        Ok((whole, per_warehouse))
    }

    /// Uniqueness of the codes follows from matching (a code held twice is ambiguous, a
    /// spelling variant is a near miss); `ProductPlan::check` and the property tests assert it.
    fn accept(&mut self, creation: ProductCreation) {
        if creation.generated_code {
            self.plan.notes.push(Finding::new(ReasonCode::GeneratedCode).code(creation.code.as_str()).systim(creation.systim_id));
        }
        if let CategoryRef::New { name } = &creation.category {
            if !self.plan.categories_to_create.contains(name) {
                self.plan.categories_to_create.push(name.clone());
                self.plan.notes.push(Finding::new(ReasonCode::CategoryCreated).value(name.clone()));
            }
        }
        self.plan.tally.created();
        self.plan.creations.push(creation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::fixtures::{item, product, shop, systim};
    use crate::settings::WarehouseLink;

    fn run_with(items: Vec<crate::domain::ShopItem>, products: Vec<SystimProduct>, settings: &Settings) -> ProductPlan {
        let s = shop(items);
        let y = systim(products);
        let plan = plan_products(&Matching::new(&s, &y, settings.matching.normalize_codes), settings, &QuantityInputs::default());
        plan.check().unwrap();
        plan
    }

    fn run(items: Vec<crate::domain::ShopItem>, products: Vec<SystimProduct>) -> ProductPlan {
        run_with(items, products, &Settings::default())
    }

    fn reasons(plan: &ProductPlan) -> Vec<ReasonCode> {
        plan.tally.skipped.iter().map(|f| f.reason).collect()
    }

    #[test]
    fn a_missing_product_is_created_with_every_field() {
        let mut p = product(7, "KUB-1");
        p.name = " Kubek „Żółw” ".into();
        p.ean = "5901234123457".into();
        p.price_gross = Money(2_999);
        p.vat = Some(VatRate::Exempt);
        p.stock = vec![(1, Qty::units(12)), (2, Qty::units(3))];
        let plan = run(vec![item(1, "INNY")], vec![p]);
        assert_eq!(plan.name_locale, "pl_PL");
        assert_eq!(
            plan.creations,
            vec![ProductCreation {
                systim_id: 7,
                code: ProductCode::new("KUB-1"),
                generated_code: false,
                ean: "5901234123457".into(),
                name: "Kubek „Żółw”".into(),
                price: Money(2_999),
                tax_id: 5,
                category: CategoryRef::Existing { id: 10 },
                unit_id: Some(1),
                stock: Some(Qty::units(15)),
                warehouse_stock: vec![],
                active: true,
            }]
        );
        assert_eq!((plan.tally.counts.considered, plan.tally.counts.to_create), (1, 1));
    }

    #[test]
    fn existing_products_are_not_created_again() {
        let plan = run(vec![item(1, "A"), item(2, "SYSTIM-2")], vec![product(1, "A"), product(2, "")]);
        assert!(plan.creations.is_empty());
        assert_eq!(plan.tally.counts.matched, 2);
    }

    #[test]
    fn codeless_products_get_a_generated_code_or_are_skipped() {
        let plan = run(vec![], vec![product(42, ""), product(43, "  ")]);
        let codes: Vec<&str> = plan.creations.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["SYSTIM-42", "SYSTIM-43"]);
        assert!(plan.creations.iter().all(|c| c.generated_code));
        assert_eq!(plan.notes[0].reason, ReasonCode::GeneratedCode);

        let mut settings = Settings::default();
        settings.products.codeless = CodelessPolicy::Skip;
        let plan = run_with(vec![], vec![product(42, "")], &settings);
        assert_eq!(reasons(&plan), [ReasonCode::CodelessSkipped]);
    }

    #[test]
    fn a_generated_code_taken_elsewhere_is_not_created() {
        let plan = run(vec![], vec![product(5, ""), product(6, "SYSTIM-5")]);
        assert_eq!(reasons(&plan), [ReasonCode::AmbiguousCode]);
        assert_eq!(plan.creations.len(), 1, "the literal SYSTIM-5 product itself is created once");
        let plan = run(vec![item(1, "systim-5")], vec![product(5, "")]);
        assert_eq!(reasons(&plan), [ReasonCode::NearMiss]);
    }

    #[test]
    fn near_misses_and_duplicates_are_reported_not_created() {
        let plan = run(
            vec![item(1, "ABC "), item(2, "D")],
            vec![product(1, "ABC"), product(2, "d"), product(3, "X"), product(4, "X"), product(5, "y"), product(6, "Y ")],
        );
        assert!(plan.creations.is_empty(), "{:?}", plan.creations);
        assert_eq!(
            reasons(&plan),
            [
                ReasonCode::NearMiss,
                ReasonCode::NearMiss,
                ReasonCode::AmbiguousCode,
                ReasonCode::AmbiguousCode,
                ReasonCode::AmbiguousCode,
                ReasonCode::AmbiguousCode
            ]
        );
        assert_eq!(plan.tally.skipped[0].codes, vec!["ABC".to_string(), "ABC ".to_string()]);
        assert_eq!(plan.tally.skipped[4].systim_ids, vec![5, 6]);
    }

    #[test]
    fn normalisation_on_counts_near_misses_as_existing() {
        let mut settings = Settings::default();
        settings.matching.normalize_codes = true;
        let plan = run_with(vec![item(1, "ABC ")], vec![product(1, "abc")], &settings);
        assert_eq!(plan.tally.counts.matched, 1);
        assert_eq!(plan.notes[0].reason, ReasonCode::MatchedAfterNormalization);
    }

    #[test]
    fn each_attribute_problem_has_its_reason() {
        type Edit = fn(&mut SystimProduct);
        let cases: [(Edit, ReasonCode); 9] = [
            (|p| p.is_service = true, ReasonCode::SystimService),
            (|p| p.hidden = true, ReasonCode::HiddenInSystim),
            (|p| p.price_gross = Money::ZERO, ReasonCode::SystimPriceNotPositive),
            (|p| p.vat = None, ReasonCode::VatUnknown),
            (|p| p.vat = Some(VatRate::ReverseCharge), ReasonCode::VatMissingInShop),
            (|p| p.category = None, ReasonCode::SystimCategoryMissing),
            (|p| p.category = Some("Zabawki".into()), ReasonCode::CategoryMissingInShop),
            (|p| p.unit = "paleta".into(), ReasonCode::UnitMissingInShop),
            (|p| p.stock.clear(), ReasonCode::QuantityUnreadable),
        ];
        for (edit, reason) in cases {
            let mut p = product(1, "A");
            edit(&mut p);
            let plan = run(vec![], vec![p]);
            assert_eq!(reasons(&plan), [reason]);
            assert!(plan.creations.is_empty());
        }
    }

    #[test]
    fn missing_categories_can_be_created_once() {
        let mut settings = Settings::default();
        settings.products.missing_category = CategoryPolicy::Create;
        let mut a = product(1, "A");
        a.category = Some("Zabawki".into());
        let mut b = product(2, "B");
        b.category = Some(" Zabawki".into());
        let plan = run_with(vec![], vec![a, b], &settings);
        assert_eq!(plan.categories_to_create, ["Zabawki"]);
        assert!(plan.creations.iter().all(|c| c.category == CategoryRef::New { name: "Zabawki".into() }));
    }

    #[test]
    fn options_inactive_hidden_locale_and_fractional_units() {
        let mut settings = Settings::default();
        settings.products.create_inactive = true;
        settings.products.include_hidden = true;
        settings.products.name_locale = Some("en_US".into());
        let mut p = product(1, "SER-1");
        p.hidden = true;
        p.unit = "KG".into();
        p.stock = vec![(1, Qty(2_750))];
        let plan = run_with(vec![], vec![p], &settings);
        let c = &plan.creations[0];
        assert_eq!((c.active, c.unit_id, c.stock), (false, Some(2), Some(Qty(2_750))));
        assert_eq!(plan.name_locale, "en_US");
    }

    #[test]
    fn warehouse_shops_get_stock_per_warehouse() {
        let mut settings = Settings::default();
        settings.stock.warehouses =
            vec![WarehouseLink { systim_stores: vec![1], shop_warehouse: Some(1) }, WarehouseLink { systim_stores: vec![2], shop_warehouse: Some(2) }];
        let mut s = shop(vec![]);
        s.warehouses_enabled = true;
        s.warehouses = vec![crate::domain::Warehouse { id: 1, name: "A".into() }, crate::domain::Warehouse { id: 2, name: "B".into() }];
        let mut p = product(1, "A");
        p.stock = vec![(1, Qty::units(2)), (2, Qty::units(3))];
        let y = systim(vec![p]);
        let plan = plan_products(&Matching::new(&s, &y, false), &settings, &QuantityInputs::default());
        assert_eq!(plan.creations[0].warehouse_stock, vec![(1, Qty::units(2)), (2, Qty::units(3))]);
        assert_eq!(plan.creations[0].stock, None);
    }
}
