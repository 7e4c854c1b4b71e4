//! Properties of all three plans on random worlds, the reason table, and a size check.

use super::orders::{plan_orders, OrderContext};
use super::products::plan_products;
use super::stock::{plan_stock, QuantityInputs};
use super::*;
use crate::domain::{ShopItem, ShopSnapshot, SystimProduct, SystimSnapshot, VatRate};
use crate::matching::{Matching, ShopIndex, SystimIndex};
use crate::plan::fixtures::{item, line, order, product, shop, systim};
use crate::settings::{MissingProductPolicy, Settings};
use proptest::prelude::*;
use std::collections::HashSet;

#[test]
fn reason_codes_are_stable_unique_and_worded_in_both_languages() {
    let mut seen = HashSet::new();
    for &r in ReasonCode::ALL {
        assert_eq!(serde_json::to_value(r).unwrap(), serde_json::Value::String(r.code().to_string()));
        assert!(seen.insert(r.code()), "{} twice", r.code());
        // worded in _locales (a reason without its text would show its code)
        for lang in [Lang::Pl, Lang::En] {
            let key = format!("core_reason_{}", r.code());
            assert_eq!(crate::texts::get(lang, &key), Some(r.message(lang)), "{key} ({lang:?})");
            assert!(r.message(lang) != r.code() && !r.message(lang).is_empty(), "{key} ({lang:?})");
        }
        assert_ne!(r.message_pl(), r.message_en(), "{}", r.code());
        assert_eq!(serde_json::from_str::<ReasonCode>(&format!("\"{}\"", r.code())).unwrap(), r);
    }
    assert_eq!(ReasonCode::NearMiss.code(), "near_miss");
    assert_eq!(ReasonCode::QuantityUnreadable.severity(), Severity::Error);
}

/// `docs/rules.md` explains every reason code and every setting.
#[test]
fn the_rules_document_names_every_reason_and_setting() {
    let doc = include_str!("../../docs/rules.md");
    for r in ReasonCode::ALL {
        assert!(doc.contains(&format!("| `{}` |", r.code())), "docs/rules.md lacks the reason {}", r.code());
    }
    // Top-level fields, and the fields of each group (`orders.start`, …).
    let mut settings = Vec::new();
    let serde_json::Value::Object(top) = serde_json::to_value(Settings::default()).unwrap() else { unreachable!() };
    for (name, value) in top {
        match value {
            serde_json::Value::Object(group) => settings.extend(group.keys().map(|field| format!("{name}.{field}"))),
            _ => settings.push(name),
        }
    }
    assert!(settings.len() > 25, "{settings:?}");
    for path in settings {
        assert!(doc.contains(&format!("| `{path}` |")), "docs/rules.md lacks the setting {path}");
    }
}

#[test]
fn counts_serialise_with_reason_names() {
    let mut tally: Tally = Tally::default();
    tally.matched();
    tally.created();
    tally.skip(Finding::new(ReasonCode::NearMiss).code("ABC ").code("ABC"));
    tally.check().unwrap();
    let json = serde_json::to_string(&tally.counts).unwrap();
    assert_eq!(json, r#"{"considered":3,"matched":1,"to_create":1,"skipped":{"near_miss":1}}"#);
    assert_eq!(serde_json::from_str::<Counts>(&json).unwrap(), tally.counts);
    let broken = Counts { considered: 4, ..tally.counts.clone() };
    assert!(broken.check().is_err());
}

#[test]
fn findings_read_as_sentences_in_both_languages() {
    let f = Finding::new(ReasonCode::LineDropped).cause(ReasonCode::NotInSystim).order(12).line(3).code("X-1").amount(crate::money::Money(4_999));
    assert_eq!(
        f.text_pl(),
        "Pozycję pominięto w imporcie — wartość zamówienia w Systim będzie niższa — W Systim nie ma produktu o tym kodzie; zamówienie 12; pozycja 3; kody: 'X-1'; kwota: 49,99 zł"
    );
    assert!(f.text_en().starts_with("The line was left out"));
    let json = serde_json::to_string(&f).unwrap();
    assert!(!json.contains("null") && !json.contains("[]"), "{json}");
    assert_eq!(serde_json::from_str::<Finding>(&json).unwrap(), f);
}

const CODES: &[&str] = &["", " ", "A", "a", "A ", "B", "b", "C", "D-1", "d-1", "SYSTIM-1", "SYSTIM-2", "SYSTIM-3"];
const CATEGORIES: &[&str] = &["Odzież", "Obuwie", "Zabawki"];

fn a_code() -> impl Strategy<Value = String> {
    prop::sample::select(CODES).prop_map(str::to_string)
}

fn a_vat() -> impl Strategy<Value = Option<VatRate>> {
    prop::sample::select(vec![Some(VatRate::Percent(23)), Some(VatRate::Percent(8)), Some(VatRate::Exempt), Some(VatRate::ReverseCharge), None])
}

fn a_product() -> impl Strategy<Value = SystimProduct> {
    (a_code(), prop::collection::vec((1u64..=2, -3_000i64..20_000), 0..3), any::<bool>(), a_vat(), prop::sample::select(CATEGORIES), 0u8..10).prop_map(
        |(code, stock, priced, vat, category, flags)| {
            let mut p = product(0, &code);
            p.stock = stock.into_iter().map(|(s, q)| (s, crate::money::Qty(q))).collect();
            p.price_gross = crate::money::Money(if priced { 1_000 } else { 0 });
            p.vat = vat;
            p.category = Some(category.to_string());
            p.is_service = flags == 0;
            p.hidden = flags == 1;
            p
        },
    )
}

fn an_item() -> impl Strategy<Value = ShopItem> {
    (a_code(), 0i64..20_000, any::<bool>(), a_vat(), prop::sample::select(CATEGORIES)).prop_map(|(code, stock, fractional, vat, category)| {
        let mut i = item(0, &code);
        i.stock = crate::money::Qty(stock);
        i.unit_fractional = fractional;
        i.vat = vat;
        i.category = Some(category.to_string());
        i
    })
}

fn a_world() -> impl Strategy<Value = (ShopSnapshot, SystimSnapshot, Settings, QuantityInputs)> {
    let settings = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), 0u8..=100);
    (prop::collection::vec(an_item(), 0..12), prop::collection::vec(a_product(), 0..12), settings, prop::collection::btree_map(1u64..12, 0i64..8_000, 0..4))
        .prop_map(|(items, products, (normalize, push_zeros, codeless_skip, create_categories, share), reserved)| {
            let items = items.into_iter().enumerate().map(|(i, mut it)| {
                it.stock_id = i as u64 + 1;
                it.product_id = i as u64 + 1;
                it
            });
            let products = products.into_iter().enumerate().map(|(j, mut p)| {
                p.id = j as u64 + 1;
                p
            });
            let mut s = Settings::default();
            s.matching.normalize_codes = normalize;
            s.stock.push_zeros = push_zeros;
            s.stock.max_zero_share_percent = share;
            s.stock.zero_brake_min_count = 1;
            if codeless_skip {
                s.products.codeless = crate::settings::CodelessPolicy::Skip;
            }
            if create_categories {
                s.products.missing_category = crate::settings::CategoryPolicy::Create;
            }
            let inputs = QuantityInputs { reserved_by_systim_id: reserved.into_iter().map(|(k, v)| (k, crate::money::Qty(v))).collect(), ..Default::default() };
            (shop(items.collect()), systim(products.collect()), s, inputs)
        })
}

/// A shop row as the product plan's creation would leave it.
fn created_row(c: &products::ProductCreation, stock_id: u64, p: &SystimProduct) -> ShopItem {
    let mut row = item(stock_id, c.code.as_str());
    row.category = p.category.clone();
    row.vat = p.vat;
    row
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn stock_plans_add_up_and_never_push_more_than_systim_has((s, y, settings, inputs) in a_world(), confirmed in any::<bool>()) {
        let m = Matching::new(&s, &y, settings.matching.normalize_codes);
        let plan = plan_stock(&m, &settings, &inputs, confirmed);
        prop_assert!(plan.check().is_ok(), "{:?}", plan.check());
        let mut targets = HashSet::new();
        for a in &plan.actions {
            let p = y.products.iter().find(|p| p.id == a.systim_id).unwrap();
            let total: i64 = p.stock.iter().map(|(_, q)| q.milli()).sum();
            prop_assert!(a.new.milli() >= 0 && a.new.milli() <= total.max(0), "{a:?} from {total}");
            prop_assert!(targets.insert((a.stock_id, a.warehouse_id)), "row written twice: {a:?}");
            prop_assert!(a.current != Some(a.new));
            if !settings.stock.push_zeros {
                prop_assert!(a.new.milli() > 0);
            }
        }
        prop_assert_eq!(plan.may_apply(), !plan.refused_unless_confirmed);
    }

    #[test]
    fn product_plans_never_create_duplicates_even_on_the_next_run((s, y, settings, inputs) in a_world()) {
        let m = Matching::new(&s, &y, settings.matching.normalize_codes);
        let plan = plan_products(&m, &settings, &inputs);
        prop_assert!(plan.check().is_ok(), "{:?}", plan.check());
        for c in &plan.creations {
            prop_assert!(!m.shop_holds_code(&c.code), "{:?} is already (nearly) in the shop", c.code);
        }
        // Apply the creations and plan again: nothing is created twice.
        let mut after = s.clone();
        for (n, c) in plan.creations.iter().enumerate() {
            let p = y.products.iter().find(|p| p.id == c.systim_id).unwrap();
            after.items.push(created_row(c, 1_000 + n as u64, p));
        }
        let again = plan_products(&Matching::new(&after, &y, settings.matching.normalize_codes), &settings, &inputs);
        prop_assert!(again.creations.is_empty(), "created again: {:?}", again.creations);
    }

    #[test]
    fn order_plans_add_up_and_create_each_product_once(
        (_, y, settings, _) in a_world(),
        orders in prop::collection::vec(prop::collection::vec((a_code(), 1i64..5_000, 1i64..4_000), 0..4), 0..6),
        policy in prop::sample::select(vec![MissingProductPolicy::Hold, MissingProductPolicy::CreateInSystim, MissingProductPolicy::ImportWithoutLine]),
    ) {
        let orders: Vec<crate::domain::ShopOrder> = orders.into_iter().enumerate().map(|(n, lines)| {
            order(n as u64 + 1, lines.into_iter().enumerate().map(|(k, (code, price, qty))| line(k as u64 + 1, &code, price, crate::money::Qty(qty))).collect())
        }).collect();
        let mut settings = settings;
        settings.orders.missing_product = policy;
        settings.orders.new_product_category_id = Some(100);
        settings.orders.default_delivery_id = Some(1);
        let s = shop(vec![]);
        let index = SystimIndex::new(&y, settings.matching.normalize_codes);
        let shop_index = ShopIndex::new(&s);
        let ctx = OrderContext { settings: &settings, systim: &index, shop: Some(&shop_index), statuses: &s.statuses, shop_host: "sklep.pl" };
        let plan = plan_orders(&orders, &ctx);
        prop_assert!(plan.check().is_ok(), "{:?}", plan.check());
        prop_assert_eq!(plan.tally.counts.considered as usize, orders.len());
        for p in &plan.products_to_create {
            prop_assert_eq!(index.find(&p.code), crate::matching::Match::NotFound, "{:?} exists in Systim", p.code);
        }
    }
}
