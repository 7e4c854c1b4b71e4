//! Document plan tests: the kind by buyer, every reason, the exact amounts and form fields, the
//! rounding grosz, and a property over generated orders (the totals are Shoper's `sum`).

use super::*;
use crate::domain::{OrderDiscounts, ShopSnapshot, SystimSnapshot};
use crate::matching::{ShopIndex, SystimIndex};
use crate::plan::fixtures::{line, order, product, shop, systim};
use crate::plan::orders::{plan_orders, OrderContext, OrdersPlan};
use crate::settings::{IdMapping, InvoicingSettings, MissingProductPolicy};
use proptest::prelude::*;

const SHIPPING_ID: u64 = 900;
const CONTRACTOR: Option<ContractorRef> = Some(ProductRef::Existing { id: 41 });
/// A valid Polish NIP.
const NIP: &str = "526-025-09-95";

struct World {
    shop: ShopSnapshot,
    systim: SystimSnapshot,
    settings: Settings,
    invoicing: InvoicingSettings,
}

impl World {
    fn import_plan(&self, o: &ShopOrder) -> OrdersPlan {
        let systim = SystimIndex::new(&self.systim, false);
        let shop = ShopIndex::new(&self.shop);
        let ctx =
            OrderContext { settings: &self.settings, systim: &systim, shop: Some(&shop), statuses: &self.shop.statuses, shop_host: "sklep1.shoparena.pl" };
        plan_orders(std::slice::from_ref(o), &ctx)
    }
    fn import(&self, o: &ShopOrder) -> OrderImport {
        let plan = self.import_plan(o);
        assert_eq!(plan.imports.len(), 1, "not imported: {:?}", plan.tally.skipped);
        plan.imports[0].clone()
    }
    fn plan(&self, o: &ShopOrder, contractor: Option<ContractorRef>) -> Result<PlannedDocument, SkippedDocument> {
        self.plan_with_rates(o, contractor, &self.systim.vat_rates)
    }
    /// With `listVatRates` as read when the document is planned (the import read its own).
    fn plan_with_rates(
        &self,
        o: &ShopOrder,
        contractor: Option<ContractorRef>,
        rates: &[crate::domain::SystimVatRate],
    ) -> Result<PlannedDocument, SkippedDocument> {
        let ctx = InvoiceContext {
            settings: &self.settings,
            invoicing: &self.invoicing,
            vat_rates: rates,
            shop_host: "https://Sklep1.shoparena.pl/",
            issue_date: "2026-12-05",
        };
        let planned = plan_document(o, &self.import(o), contractor, &ctx);
        if let Ok(p) = &planned {
            p.document.check().unwrap();
        }
        planned
    }
    fn document(&self, o: &ShopOrder, contractor: Option<ContractorRef>) -> PlannedDocument {
        self.plan(o, contractor).unwrap_or_else(|s| panic!("skipped: {:?}", s.reasons))
    }
    fn reasons(&self, o: &ShopOrder, contractor: Option<ContractorRef>) -> Vec<ReasonCode> {
        match self.plan(o, contractor) {
            Ok(p) => panic!("planned: {p:?}"),
            Err(s) => s.reasons.iter().map(|f| f.reason).collect(),
        }
    }
}

fn world() -> World {
    let mut shipping = product(SHIPPING_ID, "WYSYLKA");
    shipping.is_service = true;
    let mut settings = Settings::default();
    settings.orders.default_delivery_id = Some(1);
    settings.orders.shipping_product_id = Some(SHIPPING_ID);
    settings.orders.payment_mapping = vec![IdMapping { shop_id: 1, systim_id: 1 }, IdMapping { shop_id: 2, systim_id: 4 }];
    let invoicing = InvoicingSettings { enabled: true, trigger_statuses: vec![7], ..InvoicingSettings::default() };
    World { shop: shop(vec![]), systim: systim(vec![product(1, "A"), product(2, "B"), shipping]), settings, invoicing }
}

/// Status "przesyłka wysłana" (7): a company with a NIP buys 2 × A at 123.00 (23 %) and 1 × B at
/// 10.80 (8 %), shipping 14.99 (23 %).
fn company_order() -> ShopOrder {
    let mut b = line(2, "B", 1_080, Qty::units(1));
    b.vat = Some(VatRate::Percent(8));
    let mut o = order(1001, vec![line(1, "A", 12_300, Qty::units(2)), b]);
    o.status_id = 7;
    o.shipping_cost = Money(1_499);
    o.sum += o.shipping_cost;
    o.billing.company = "Hurtownia Alfa".into();
    o.billing.tax_id = NIP.into();
    o
}

fn private_order() -> ShopOrder {
    let mut o = order(1002, vec![line(1, "A", 4_999, Qty::units(1))]);
    o.status_id = 7;
    o
}

#[test]
fn a_company_with_a_nip_gets_a_vat_invoice_whose_lines_are_computed_from_gross() {
    let planned = world().document(&company_order(), CONTRACTOR);
    let d = &planned.document;
    assert_eq!((d.kind, d.template_id, d.numbering_id, d.contractor), (DocumentKind::VatInvoice, 43, 1, CONTRACTOR));
    let amounts: Vec<(i64, i64, i64, i64, u64)> = d.lines.iter().map(|l| (l.unit_net.0, l.net.0, l.vat.0, l.gross.0, l.vat_id)).collect();
    assert_eq!(amounts, [(10_000, 20_000, 4_600, 24_600, 1), (1_000, 1_000, 80, 1_080, 2), (1_219, 1_219, 280, 1_499, 1)]);
    assert_eq!(d.totals, DocumentTotals { net: Money(22_219), vat: Money(4_960), gross: Money(27_179), order_sum: Money(27_179) });
    assert!(planned.warnings.is_empty());
    let params = d.to_params();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        params.iter().take(9).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        [
            "id_kontrahenta=41",
            "rodzaj=0",
            "id_szablonu=43",
            "id_numeracji=1",
            "data_wystawienia=2026-12-05",
            "data_sprzedazy=2026-12-05",
            "forma_platnosci=1",
            "termin_platnosci=0",
            "uwagi=Shoper 1001 @ sklep1.shoparena.pl",
        ]
    );
    assert_eq!((get("id_produktu[0]"), get("opis[0]"), get("ilosc[0]"), get("jednostka[0]")), (Some("1"), Some("Pozycja 1"), Some("2"), Some("szt.")));
    assert_eq!(
        (get("cena_netto[0]"), get("kwota_netto[0]"), get("stawka_vat[0]"), get("kwota_vat[0]"), get("kwota_brutto[0]")),
        (Some("100.00"), Some("200.00"), Some("1"), Some("46.00"), Some("246.00"))
    );
    assert_eq!((get("id_produktu[2]"), get("opis[2]"), get("kwota_brutto[2]")), (Some("900"), Some("Koszt wysyłki"), Some("14.99")));
    assert!(params.iter().all(|(k, _)| !k.starts_with("rabat") && !k.starts_with("email") && !k.starts_with("wyslij")), "{params:?}");
}

#[test]
fn a_private_buyer_gets_a_receipt_or_an_invoice_as_set() {
    let mut w = world();
    let d = w.document(&private_order(), None).document;
    assert_eq!((d.kind, d.template_id, d.numbering_id, d.contractor), (DocumentKind::Receipt, 15, 9, None));
    assert!(d.to_params().iter().any(|(k, v)| k == "rodzaj" && v == "15") && !d.to_params().iter().any(|(k, _)| k == "id_kontrahenta"));
    w.invoicing.private_buyer_document = PrivateBuyerDocument::Invoice;
    assert_eq!(w.reasons(&private_order(), None), [ReasonCode::InvoiceContractorMissing], "an invoice needs the buyer as a contractor");
    let d = w.document(&private_order(), Some(ProductRef::Existing { id: 7 })).document;
    assert_eq!((d.kind, d.template_id, d.numbering_id), (DocumentKind::VatInvoice, 43, 1));
    // A company with a NIP gets an invoice whatever the setting for private buyers says.
    w.invoicing.private_buyer_document = PrivateBuyerDocument::Receipt;
    assert_eq!(w.reasons(&company_order(), None), [ReasonCode::InvoiceContractorMissing]);
    // The templates and numberings are the settings'.
    w.invoicing.receipt_template_id = 115;
    w.invoicing.receipt_numbering_id = 19;
    let d = w.document(&private_order(), None).document;
    assert_eq!((d.template_id, d.numbering_id), (115, 19));
}

#[test]
fn nothing_is_issued_when_switched_off_or_before_a_chosen_status() {
    let mut w = world();
    let mut o = private_order();
    o.status_id = 1;
    let s = w.plan(&o, None).unwrap_err();
    assert_eq!(s.reason(), ReasonCode::InvoiceStatusNotChosen);
    assert_eq!((s.reasons[0].order_id, s.reasons[0].values.clone()), (Some(1002), vec!["status_id 1".to_string()]));
    w.invoicing.enabled = false;
    assert_eq!(w.reasons(&private_order(), None), [ReasonCode::InvoicingOff]);
}

#[test]
fn the_payment_form_is_mapped_and_never_left_to_become_cash() {
    let mut w = world();
    let mut o = private_order();
    o.payment_id = Some(2);
    assert_eq!(w.document(&o, None).document.payment_form, 4, "za pobraniem");
    o.payment_id = Some(3);
    let s = w.plan(&o, None).unwrap_err();
    assert_eq!((s.reason(), s.reasons[0].values.clone()), (ReasonCode::InvoicePaymentFormUnknown, vec!["payment_id 3".to_string()]));
    w.settings.orders.payment_mapping.push(IdMapping { shop_id: 3, systim_id: 12 });
    let s = w.plan(&o, None).unwrap_err();
    assert_eq!(s.reasons[0].values, ["id_formy_platnosci 12"], "an id outside 1–6 would be stored as cash");
}

#[test]
fn every_problem_is_listed_together() {
    let mut w = world();
    w.settings.orders.currency_mapping.push(IdMapping { shop_id: 2, systim_id: 1 });
    // The rate id 2 the import used reads as no rate in the list read now.
    let mut rates = w.systim.vat_rates.clone();
    rates.retain(|r| r.id != 2);
    rates.push(crate::domain::SystimVatRate { id: 2, name: "8 procent".into(), rate: None });
    let mut o = company_order();
    o.currency_id = Some(2);
    o.payment_id = Some(9);
    let s = w.plan_with_rates(&o, None, &rates).unwrap_err();
    let reasons: Vec<ReasonCode> = s.reasons.iter().map(|f| f.reason).collect();
    assert_eq!(
        reasons,
        [ReasonCode::InvoiceCurrencyNotPln, ReasonCode::InvoiceContractorMissing, ReasonCode::InvoicePaymentFormUnknown, ReasonCode::InvoiceVatRateUnknown]
    );
    assert_eq!((s.reasons[3].systim_id, s.reasons[3].line_id), (Some(2), Some(2)));
    assert_eq!(s.reasons[1].values, ["5260250995"], "the NIP the contractor is wanted for");
    assert!(s.reasons.iter().all(|f| f.order_id == Some(1001)));
}

#[test]
fn an_order_imported_without_a_line_gets_no_document() {
    let mut w = world();
    w.settings.orders.missing_product = MissingProductPolicy::ImportWithoutLine;
    let mut o = private_order();
    o.lines.push(line(5, "NIE-MA", 1_000, Qty::units(1)));
    o.sum = Money(5_999);
    let s = w.plan(&o, None).unwrap_err();
    assert_eq!((s.reason(), s.reasons[0].amount, s.reasons[0].expected), (ReasonCode::InvoiceLinesDropped, Some(Money(1_000)), Some(Money(5_999))));
}

#[test]
fn a_discount_on_the_whole_order_is_in_the_unit_prices_never_a_rabat() {
    let w = world();
    let mut o = company_order();
    o.discounts = OrderDiscounts { code: 100_000, code_id: Some(1), promo_code: "ZIMA10".into(), ..OrderDiscounts::default() };
    o.sum = Money(div_round(i128::from(2 * 12_300 + 1_080) * 90, 100) as i64) + o.shipping_cost;
    let planned = w.document(&o, CONTRACTOR);
    let d = &planned.document;
    assert_eq!(d.totals.gross, o.sum);
    assert_eq!(d.lines[0].gross, Money(22_140), "246.00 less 10 %");
    assert_eq!(d.lines[2].gross, Money(1_499), "shipping is not discounted");
    assert!(d.to_params().iter().all(|(k, _)| !k.starts_with("rabat")));
}

#[test]
fn a_shop_that_rounds_its_total_once_gets_its_grosz_on_one_line() {
    let mut w = world();
    let mut kg = product(3, "SER-KG");
    kg.unit = "kg".into();
    w.systim.products.push(kg);
    let cheese = |id| {
        let mut l = line(id, "SER-KG", 1_001, Qty::from_milli(500));
        l.unit = "kg".into();
        l.unit_fractional = true;
        l
    };
    // 3 × 5.005 rounds to 3 × 5.01 = 15.03 per line; the shop rounded 15.015 once: 15.02.
    let mut o = order(1003, vec![cheese(1), cheese(2), cheese(3)]);
    o.status_id = 7;
    o.sum = Money(1_502);
    let planned = w.document(&o, None);
    let grosses: Vec<i64> = planned.document.lines.iter().map(|l| l.gross.0).collect();
    assert_eq!(grosses, [500, 501, 501]);
    assert_eq!(planned.document.totals.gross, Money(1_502));
    let f = &planned.warnings[0];
    assert_eq!((f.reason, f.amount, f.line_id), (ReasonCode::InvoiceRoundingAdjusted, Some(Money(-1)), Some(1)));
    assert_eq!(planned.document.lines[0].unit, "kg");
}

#[test]
fn line_grosses_move_each_grosz_to_the_line_rounded_furthest_the_other_way() {
    let l = |price: i64, milli: i64| AddOrderLine {
        product: ProductRef::Existing { id: 1 },
        quantity: Qty::from_milli(milli),
        price: Money(price),
        vat_id: 1,
        source: LineSource::Shipping,
    };
    // 0.5 grosz each: per line 1 + 1 + 1 = 3; once 1.5 → 2.
    assert_eq!(line_grosses(&[l(1, 500), l(1, 500), l(1, 500)], Money(2)), Some(vec![Money(0), Money(1), Money(1)]));
    // 3.3 + 3.3 + 3.4 → 3 + 3 + 3 = 9, once 10: the 3.4 line takes it.
    assert_eq!(line_grosses(&[l(33, 100), l(33, 100), l(34, 100)], Money(10)), Some(vec![Money(3), Money(3), Money(4)]));
    // Exact lines have nothing to give; a sum further away than one grosz a line is refused.
    assert_eq!(line_grosses(&[l(100, 1_000)], Money(101)), None);
    assert_eq!(line_grosses(&[l(1, 500), l(1, 500)], Money(5)), None);
    assert_eq!(line_grosses(&[], Money(0)), Some(vec![]));
}

#[test]
fn email_and_ksef_only_when_switched_on_and_ksef_only_for_an_invoice() {
    let mut w = world();
    w.invoicing.send_email = true;
    w.invoicing.send_to_ksef = true;
    w.invoicing.payment_term_days = 14;
    let d = w.document(&company_order(), CONTRACTOR).document;
    let params = d.to_params();
    for pair in [("email_wyslij", "1"), ("email_adres", "adam@example.com"), ("wyslij_do_ksef", "1"), ("termin_platnosci", "14")] {
        assert!(params.iter().any(|(k, v)| (k.as_str(), v.as_str()) == pair), "{pair:?} in {params:?}");
    }
    let receipt = w.document(&private_order(), None).document;
    assert!(!receipt.send_to_ksef && !receipt.to_params().iter().any(|(k, _)| k == "wyslij_do_ksef"));
    let mut no_mail = private_order();
    no_mail.email = " ".into();
    assert_eq!(w.document(&no_mail, None).document.email, None);
}

#[test]
fn created_products_and_contractors_are_resolved_before_sending() {
    let mut d = world().document(&company_order(), Some(ProductRef::Created { index: 0 })).document;
    d.lines[1].product = ProductRef::Created { index: 1 };
    assert!(!d.is_resolved());
    assert!(!d.to_params().iter().any(|(k, _)| k == "id_kontrahenta" || k == "id_produktu[1]"));
    assert_eq!(d.clone().resolve_created(&[5], &[77]), Err(Unresolved::Product { index: 1 }));
    assert_eq!(d.clone().resolve_created(&[5, 6], &[]), Err(Unresolved::Contractor { index: 0 }));
    d.resolve_created(&[5, 6], &[77]).unwrap();
    assert!(d.is_resolved());
    assert!(d.to_params().iter().any(|(k, v)| k == "id_kontrahenta" && v == "77") && d.to_params().iter().any(|(k, v)| k == "id_produktu[1]" && v == "6"));
}

// --- the property: over generated orders, a planned document always equals Shoper's sum ---

fn a_line() -> impl Strategy<Value = (i64, i64, u8)> {
    // price in grosze, quantity in thousandths (whole or fractional), VAT choice
    (1_i64..200_000, prop_oneof![(1_i64..20).prop_map(|u| u * 1_000), 1_i64..20_000], 0_u8..5)
}

/// Lines, shipping, how the total is written, the discount, whether the buyer has a NIP.
type GeneratedOrder = (Vec<(i64, i64, u8)>, i64, u8, i64, bool);

fn an_order() -> impl Strategy<Value = GeneratedOrder> {
    // lines, shipping, how the total is written (per line / once / less a discount), the discount, NIP
    (prop::collection::vec(a_line(), 1..8), prop_oneof![Just(0_i64), 1_i64..5_000], 0_u8..3, 1_i64..1_000_000, any::<bool>())
}

fn build(lines: &[(i64, i64, u8)], shipping: i64, total: u8, discount: i64, nip: bool) -> ShopOrder {
    let rates = [VatRate::Percent(23), VatRate::Percent(8), VatRate::Percent(5), VatRate::Percent(0), VatRate::Exempt];
    let codes = ["A", "B", "C", "D", "E"];
    let order_lines: Vec<crate::domain::OrderLine> = lines
        .iter()
        .enumerate()
        .map(|(i, (price, milli, vat))| {
            let mut l = line(i as u64 + 1, codes[*vat as usize], *price, Qty::from_milli(*milli));
            l.vat = Some(rates[*vat as usize]);
            l.unit_fractional = milli % 1_000 != 0;
            l
        })
        .collect();
    let mut o = order(5000, order_lines);
    o.status_id = 7;
    o.shipping_cost = Money(shipping);
    let per_line: i64 = o.lines.iter().map(|l| l.price.times(l.quantity).0).sum();
    let once = div_round(o.lines.iter().map(|l| i128::from(l.price.0) * i128::from(l.quantity.0)).sum(), 1000) as i64;
    o.sum = Money(shipping)
        + match total {
            0 => Money(per_line),
            1 => Money(once),
            _ => {
                o.discounts = OrderDiscounts { code_id: Some(1), promo_code: "RABAT".into(), ..OrderDiscounts::default() };
                Money(per_line - discount.min(per_line))
            }
        };
    if nip {
        o.billing.company = "Firma".into();
        o.billing.tax_id = NIP.into();
    }
    o
}

fn property_world() -> World {
    let mut w = world();
    let ids = ["A", "B", "C", "D", "E"];
    let names = ["23%", "8%", "5%", "0%", "zw"];
    w.systim.products = ids
        .iter()
        .zip(names)
        .enumerate()
        .map(|(i, (code, vat))| {
            let mut p = product(i as u64 + 1, code);
            p.vat = VatRate::parse_name(vat);
            p.vat_id = Some(i as u64 + 1);
            p.unit = "kg".into();
            p
        })
        .collect();
    let mut shipping = product(SHIPPING_ID, "WYSYLKA");
    shipping.is_service = true;
    w.systim.products.push(shipping);
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Whatever the prices, quantities, rates, discount and rounding of the shop: when the order
    /// is imported, its document is planned, every line's net + VAT is its gross, VAT is the
    /// rate's share of the gross, each line is its value to within one grosz, the gross total is
    /// Shoper's `sum`, and no `rabat` is ever sent.
    #[test]
    fn an_imported_order_always_gets_a_document_whose_total_is_the_shops_sum((lines, shipping, total, discount, nip) in an_order()) {
        let w = property_world();
        let o = build(&lines, shipping, total, discount, nip);
        let plan = w.import_plan(&o);
        prop_assume!(plan.imports.len() == 1);
        let contractor = if nip { CONTRACTOR } else { None };
        let ctx = InvoiceContext { settings: &w.settings, invoicing: &w.invoicing, vat_rates: &w.systim.vat_rates, shop_host: "sklep1.shoparena.pl", issue_date: "2026-12-05" };
        let planned = plan_document(&o, &plan.imports[0], contractor, &ctx);
        let planned = match planned {
            Ok(p) => p,
            Err(s) => return Err(TestCaseError::fail(format!("skipped: {:?}", s.reasons))),
        };
        let d = &planned.document;
        prop_assert!(d.check().is_ok(), "{:?}", d.check());
        prop_assert_eq!(d.totals.gross, o.sum);
        prop_assert_eq!(d.kind, if nip { DocumentKind::VatInvoice } else { DocumentKind::Receipt });
        for (l, src) in d.lines.iter().zip(&plan.imports[0].request.lines) {
            let p = i128::from(w.systim.vat_rates.iter().find(|r| r.id == l.vat_id).and_then(|r| r.rate).unwrap().percent());
            prop_assert_eq!(l.vat.0 as i128, div_round(i128::from(l.gross.0) * p, 100 + p));
            prop_assert!((l.gross.0 - src.total().0).abs() <= 1, "line {:?} moved more than a grosz", l.source);
        }
        prop_assert!(d.to_params().iter().all(|(k, _)| !k.starts_with("rabat")));
    }
}
