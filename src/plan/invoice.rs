//! The sales document of a Shoper order (issue #16) as plain data: Systim `addSellInvoice` with
//! every amount computed here, or the reasons it is not issued. No I/O, no clock (the issue date
//! comes in), money in grosze.
//!
//! The lines are the order import's ([`super::orders`]): the same matching, the same spread of a
//! discount on the whole order into the unit prices, the same shipping line. So an order is
//! planned with [`super::orders::plan_orders`] first and its [`OrderImport`] handed here.
//!
//! Amounts, per line, "od brutto" (the shop's prices are gross; the gross is what the buyer paid):
//! - `kwota_brutto` = the line's gross: unit price × quantity rounded half away from zero, so the
//!   lines add up to Shoper's `sum`. A shop that rounds its total once (not per line) differs from
//!   the per-line sum by a grosz or a few: each such grosz goes to one line — to the lines whose
//!   rounding moved them furthest the other way (largest remainder), at most one grosz per line —
//!   noted as `invoice_rounding_adjusted`. The document's gross total is Shoper's `sum`, always;
//! - `kwota_vat` = gross × p / (100 + p), rounded half away from zero (0 for `zw`, `np`, `oo`);
//! - `kwota_netto` = gross − VAT (so net + VAT = gross on every line, exactly);
//! - `cena_netto` = net ÷ quantity, rounded to the grosz (what the document prints per unit;
//!   × quantity it may differ from `kwota_netto` by the rounding, as on any invoice computed from
//!   gross).
//!
//! Never a per-line `rabat`: on 3 or more lines it crashes Systim (`systim-public-code.md` §3);
//! discounts are already in the unit prices.

// A `Finding` is plain data that ends up in the plan either way (as in `orders`).
#![allow(clippy::result_large_err)]

use crate::domain::{ShopOrder, SystimVatRate, VatRate};
use crate::money::{div_round, Money, Qty};
use crate::plan::orders::{import_marker, AddOrderLine, ContractorRef, LineSource, OrderImport, Params, ProductRef};
use crate::plan::{Finding, ReasonCode, Skip};
use crate::settings::{InvoicingSettings, PrivateBuyerDocument, Settings};
use serde::{Deserialize, Serialize};

/// Systim's payment forms that `forma_platnosci` takes (live-checked ids): 1 przelew, 2 gotówka,
/// 3 barter, 4 za pobraniem, 5 rozliczenie saldami, 6 karta płatnicza. Anything else is stored as
/// cash, silently — so it is never sent.
pub const PAYMENT_FORMS: std::ops::RangeInclusive<u64> = 1..=6;

/// The kind of document (`rodzaj`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Faktura VAT, `rodzaj` 0.
    VatInvoice,
    /// Paragon (non-fiscal), `rodzaj` 15.
    Receipt,
}

impl DocumentKind {
    /// Systim's `rodzaj`.
    pub fn rodzaj(self) -> u64 {
        match self {
            DocumentKind::VatInvoice => 0,
            DocumentKind::Receipt => 15,
        }
    }
    /// The print template and numbering the settings give this kind.
    pub fn template_and_numbering(self, s: &InvoicingSettings) -> (u64, u64) {
        match self {
            DocumentKind::VatInvoice => (s.invoice_template_id, s.invoice_numbering_id),
            DocumentKind::Receipt => (s.receipt_template_id, s.receipt_numbering_id),
        }
    }
}

/// One line of the document, every amount computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLine {
    /// `id_produktu` (the product the import line refers to; `Created` until it exists).
    pub product: ProductRef,
    /// `opis`: the product's name as sold (with the variant), or the shipping line's text.
    pub description: String,
    pub quantity: Qty,
    /// `jednostka`.
    pub unit: String,
    /// `cena_netto`: net per unit.
    pub unit_net: Money,
    /// `kwota_netto`, `kwota_vat`, `kwota_brutto`: net + VAT = gross.
    pub net: Money,
    pub vat: Money,
    pub gross: Money,
    /// `stawka_vat`: the VAT-rate id from `listVatRates`.
    pub vat_id: u64,
    pub source: LineSource,
}

/// What the document adds up to; `gross` equals Shoper's `sum`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentTotals {
    pub net: Money,
    pub vat: Money,
    pub gross: Money,
    /// Shoper's `sum`.
    pub order_sum: Money,
}

/// Systim `addSellInvoice`, as plain data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellDocument {
    pub kind: DocumentKind,
    /// `id_szablonu`, `id_numeracji` (bound to the kind in Systim).
    pub template_id: u64,
    pub numbering_id: u64,
    /// `id_kontrahenta`; `None` only for a receipt.
    pub contractor: Option<ContractorRef>,
    /// `data_wystawienia` and `data_sprzedazy` (`YYYY-MM-DD`; the sale date is the issue date).
    pub issue_date: String,
    pub sale_date: String,
    /// `forma_platnosci`, one of [`PAYMENT_FORMS`].
    pub payment_form: u64,
    /// `termin_platnosci`, days.
    pub payment_term_days: u32,
    /// `uwagi`: the order's import marker (`Shoper <id> @ <host>`).
    pub notes: String,
    /// `email_wyslij=1` with `email_adres`.
    pub email: Option<String>,
    /// `wyslij_do_ksef=1` (a VAT invoice only).
    pub send_to_ksef: bool,
    pub lines: Vec<DocumentLine>,
    pub totals: DocumentTotals,
}

/// A line or the buyer still refers to something to be created first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unresolved {
    Product { index: usize },
    Contractor { index: usize },
}

impl SellDocument {
    /// Replace references to created products and contractors by their new ids.
    pub fn resolve_created(&mut self, product_ids: &[u64], contractor_ids: &[u64]) -> Result<(), Unresolved> {
        for line in &mut self.lines {
            if let ProductRef::Created { index } = line.product {
                line.product = ProductRef::Existing { id: *product_ids.get(index).ok_or(Unresolved::Product { index })? };
            }
        }
        if let Some(ProductRef::Created { index }) = self.contractor {
            self.contractor = Some(ProductRef::Existing { id: *contractor_ids.get(index).ok_or(Unresolved::Contractor { index })? });
        }
        Ok(())
    }

    /// Every reference names an existing Systim record.
    pub fn is_resolved(&self) -> bool {
        let existing = |r: &ProductRef| matches!(r, ProductRef::Existing { .. });
        self.lines.iter().all(|l| existing(&l.product)) && self.contractor.as_ref().is_none_or(existing)
    }

    /// The form fields of `addSellInvoice`: lines as parallel arrays (`opis[0]`, `ilosc[0]`, …).
    /// Never a `rabat`. Call once [`is_resolved`](Self::is_resolved): an unresolved buyer is left
    /// out (Systim refuses a VAT invoice without one) and an unresolved product's id too.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut p = Params::default();
        if let Some(ProductRef::Existing { id }) = self.contractor {
            p.put("id_kontrahenta", &id.to_string());
        }
        p.put("rodzaj", &self.kind.rodzaj().to_string());
        p.put("id_szablonu", &self.template_id.to_string());
        p.put("id_numeracji", &self.numbering_id.to_string());
        p.put("data_wystawienia", &self.issue_date);
        p.put("data_sprzedazy", &self.sale_date);
        p.put("forma_platnosci", &self.payment_form.to_string());
        p.put("termin_platnosci", &self.payment_term_days.to_string());
        p.put("uwagi", &self.notes);
        if let Some(email) = &self.email {
            p.put("email_wyslij", "1");
            p.put("email_adres", email);
        }
        if self.send_to_ksef {
            p.put("wyslij_do_ksef", "1");
        }
        for (i, l) in self.lines.iter().enumerate() {
            if let ProductRef::Existing { id } = l.product {
                p.put(&format!("id_produktu[{i}]"), &id.to_string());
            }
            p.put(&format!("opis[{i}]"), &l.description);
            p.put(&format!("ilosc[{i}]"), &l.quantity.to_wire());
            p.put(&format!("jednostka[{i}]"), &l.unit);
            p.put(&format!("cena_netto[{i}]"), &l.unit_net.to_wire());
            p.put(&format!("kwota_netto[{i}]"), &l.net.to_wire());
            p.put(&format!("stawka_vat[{i}]"), &l.vat_id.to_string());
            p.put(&format!("kwota_vat[{i}]"), &l.vat.to_wire());
            p.put(&format!("kwota_brutto[{i}]"), &l.gross.to_wire());
        }
        p.0
    }

    /// Every line's net + VAT = gross, the totals are the lines' sums and the gross is Shoper's
    /// `sum`.
    pub fn check(&self) -> Result<(), String> {
        if let Some(l) = self.lines.iter().find(|l| l.net + l.vat != l.gross) {
            return Err(format!("line {:?}: net {} + VAT {} != gross {}", l.source, l.net, l.vat, l.gross));
        }
        let t = self.totals;
        let sums = (
            self.lines.iter().map(|l| l.net).sum::<Money>(),
            self.lines.iter().map(|l| l.vat).sum::<Money>(),
            self.lines.iter().map(|l| l.gross).sum::<Money>(),
        );
        if sums != (t.net, t.vat, t.gross) || t.gross != t.order_sum {
            return Err(format!("totals {t:?} are not the lines' sums {sums:?} or not the order's sum"));
        }
        if self.kind == DocumentKind::VatInvoice && self.contractor.is_none() {
            return Err("a VAT invoice without a contractor".into());
        }
        Ok(())
    }
}

/// A document to issue for an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedDocument {
    pub order_id: u64,
    pub document: SellDocument,
    /// Notes that do not stop it (`invoice_rounding_adjusted`).
    pub warnings: Vec<Finding>,
}

/// An order whose document is not issued, with every reason (counted under the first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedDocument {
    pub order_id: u64,
    pub reasons: Vec<Finding>,
}

impl Skip for SkippedDocument {
    fn reason(&self) -> ReasonCode {
        self.reasons.first().map_or(ReasonCode::InvoiceTotalsMismatch, |f| f.reason)
    }
}

/// What the document plan reads besides the order.
pub struct InvoiceContext<'a> {
    pub settings: &'a Settings,
    /// The document's own settings (`settings.invoicing`).
    pub invoicing: &'a InvoicingSettings,
    /// `listVatRates`.
    pub vat_rates: &'a [SystimVatRate],
    /// The shop's host or URL, for the marker in `uwagi`.
    pub shop_host: &'a str,
    /// The issue date, `YYYY-MM-DD` (Polish calendar day, from the caller's clock).
    pub issue_date: &'a str,
}

/// Plan the document of one order from its import plan. `contractor`: the buyer's Systim
/// contractor when the caller knows one beyond the import's own link (the import's
/// `id_kontrahenta` is used otherwise).
pub fn plan_document(
    order: &ShopOrder,
    import: &OrderImport,
    contractor: Option<ContractorRef>,
    ctx: &InvoiceContext,
) -> Result<PlannedDocument, SkippedDocument> {
    let skip = |reasons: Vec<Finding>| SkippedDocument { order_id: order.order_id, reasons: reasons.into_iter().map(|f| f.order(order.order_id)).collect() };
    let s = &ctx.invoicing;
    if !s.enabled {
        return Err(skip(vec![Finding::new(ReasonCode::InvoicingOff)]));
    }
    if !s.trigger_statuses.contains(&order.status_id) {
        return Err(skip(vec![Finding::new(ReasonCode::InvoiceStatusNotChosen).value(format!("status_id {}", order.status_id))]));
    }
    let request = &import.request;
    let mut problems = Vec::new();
    if import.totals.dropped != Money::ZERO {
        problems.push(Finding::new(ReasonCode::InvoiceLinesDropped).amount(import.totals.dropped).expected(import.totals.order_sum));
    }
    if request.currency_id != 0 {
        problems.push(Finding::new(ReasonCode::InvoiceCurrencyNotPln).value(format!("id_waluty {}", request.currency_id)));
    }
    let kind = match (&request.nip, s.private_buyer_document) {
        (Some(_), _) | (None, PrivateBuyerDocument::Invoice) => DocumentKind::VatInvoice,
        (None, PrivateBuyerDocument::Receipt) => DocumentKind::Receipt,
    };
    let contractor = contractor.or(request.contractor);
    if kind == DocumentKind::VatInvoice && contractor.is_none() {
        problems.push(Finding::new(ReasonCode::InvoiceContractorMissing).values_of(request.nip.iter()));
    }
    let payment_form = request.payment_method_id.filter(|id| PAYMENT_FORMS.contains(id));
    if payment_form.is_none() {
        let shown = request
            .payment_method_id
            .map_or_else(|| format!("payment_id {}", order.payment_id.map_or("—".into(), |id| id.to_string())), |id| format!("id_formy_platnosci {id}"));
        problems.push(Finding::new(ReasonCode::InvoicePaymentFormUnknown).value(shown));
    }
    let rates: Vec<Option<VatRate>> = request.lines.iter().map(|l| ctx.vat_rates.iter().find(|r| r.id == l.vat_id).and_then(|r| r.rate)).collect();
    for (l, rate) in request.lines.iter().zip(&rates) {
        if rate.is_none() {
            problems.push(Finding::new(ReasonCode::InvoiceVatRateUnknown).systim(l.vat_id).line_of(l.source));
        }
    }
    let grosses = match line_grosses(&request.lines, import.totals.order_sum) {
        Some(g) => g,
        None => {
            let per_line: Money = request.lines.iter().map(AddOrderLine::total).sum();
            problems.push(Finding::new(ReasonCode::InvoiceTotalsMismatch).amount(per_line).expected(import.totals.order_sum));
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Err(skip(problems));
    }
    let mut warnings = Vec::new();
    let adjusted: Vec<(&AddOrderLine, i64)> = request.lines.iter().zip(&grosses).map(|(l, g)| (l, g.0 - l.total().0)).filter(|(_, d)| *d != 0).collect();
    if !adjusted.is_empty() {
        let moved = Money(adjusted.iter().map(|(_, d)| d).sum());
        let mut f = Finding::new(ReasonCode::InvoiceRoundingAdjusted).order(order.order_id).amount(moved);
        for (l, _) in adjusted {
            f = f.line_of(l.source);
        }
        warnings.push(f);
    }
    let lines: Vec<DocumentLine> =
        request.lines.iter().zip(grosses).zip(&rates).map(|((l, gross), rate)| document_line(order, l, gross, rate.unwrap_or(VatRate::Percent(0)))).collect();
    let totals = DocumentTotals {
        net: lines.iter().map(|l| l.net).sum(),
        vat: lines.iter().map(|l| l.vat).sum(),
        gross: lines.iter().map(|l| l.gross).sum(),
        order_sum: import.totals.order_sum,
    };
    let (template_id, numbering_id) = kind.template_and_numbering(s);
    let email = order.email.trim();
    let document = SellDocument {
        kind,
        template_id,
        numbering_id,
        contractor,
        issue_date: ctx.issue_date.to_string(),
        sale_date: ctx.issue_date.to_string(),
        payment_form: payment_form.unwrap_or_default(),
        payment_term_days: s.payment_term_days,
        notes: import_marker(order.order_id, ctx.shop_host),
        email: (s.send_email && !email.is_empty()).then(|| email.to_string()),
        send_to_ksef: s.send_to_ksef && kind == DocumentKind::VatInvoice,
        lines,
        totals,
    };
    Ok(PlannedDocument { order_id: order.order_id, document, warnings })
}

impl Finding {
    /// The Shoper order line a document line comes from (none for shipping).
    fn line_of(self, source: LineSource) -> Finding {
        match source {
            LineSource::OrderLine { line_id } => self.line(line_id),
            LineSource::Shipping => self,
        }
    }
    fn values_of<'s>(mut self, values: impl Iterator<Item = &'s String>) -> Finding {
        self.values.extend(values.cloned());
        self
    }
}

/// Each line's gross so that they add up to `sum`: price × quantity rounded per line, then each
/// grosz still missing (or too many) given to the line whose exact value was rounded furthest the
/// other way — at most one per line. `None` when `sum` is further away than that.
pub fn line_grosses(lines: &[AddOrderLine], sum: Money) -> Option<Vec<Money>> {
    // exact values in thousandths of a grosz
    let exact: Vec<i128> = lines.iter().map(|l| i128::from(l.price.0) * i128::from(l.quantity.0)).collect();
    let mut grosses: Vec<i64> = exact.iter().map(|e| div_round(*e, 1000) as i64).collect();
    let diff = sum.0 - grosses.iter().sum::<i64>();
    if diff == 0 {
        return Some(grosses.into_iter().map(Money).collect());
    }
    // remainder of each line after its rounding: positive = rounded down
    let remainder = |i: usize| exact[i] - i128::from(grosses[i]) * 1000;
    // Each grosz to the line rounded furthest the other way (the lower index on a tie), picked
    // one at a time rather than by a sort (each sort instance costs the wasm kilobytes); only
    // lines whose value was rounded (a remainder the other way) take one.
    let steps = diff.unsigned_abs() as usize;
    let signed = |i: usize| if diff > 0 { remainder(i) } else { -remainder(i) };
    let mut eligible: Vec<usize> = Vec::with_capacity(steps);
    while eligible.len() < steps {
        let next = (0..lines.len()).filter(|i| !eligible.contains(i) && signed(*i) > 0).max_by_key(|i| (signed(*i), std::cmp::Reverse(*i)));
        match next {
            Some(i) => eligible.push(i),
            None => break,
        }
    }
    if eligible.len() < steps {
        return None;
    }
    for i in eligible {
        grosses[i] += diff.signum();
    }
    Some(grosses.into_iter().map(Money).collect())
}

fn document_line(order: &ShopOrder, l: &AddOrderLine, gross: Money, rate: VatRate) -> DocumentLine {
    let p = i128::from(rate.percent());
    let vat = Money(div_round(i128::from(gross.0) * p, 100 + p) as i64);
    let net = gross - vat;
    let unit_net = if l.quantity.0 > 0 { Money(div_round(i128::from(net.0) * 1000, i128::from(l.quantity.0)) as i64) } else { net };
    let default_unit = || crate::texts::t(crate::texts::Lang::Pl, "core_invoice_unit").to_string();
    let (description, unit) = match l.source {
        LineSource::OrderLine { line_id } => match order.lines.iter().find(|ol| ol.id == line_id) {
            Some(ol) => {
                let name = match (ol.name.trim(), ol.option.trim()) {
                    (n, "") => n.to_string(),
                    (n, o) => format!("{n} ({o})"),
                };
                let unit = if ol.unit.trim().is_empty() { default_unit() } else { ol.unit.trim().to_string() };
                (name, unit)
            }
            None => (String::new(), default_unit()),
        },
        LineSource::Shipping => (crate::texts::t(crate::texts::Lang::Pl, "core_invoice_shipping_line").to_string(), default_unit()),
    };
    DocumentLine { product: l.product, description, quantity: l.quantity, unit, unit_net, net, vat, gross, vat_id: l.vat_id, source: l.source }
}

#[cfg(test)]
#[path = "invoice_tests.rs"]
mod tests;
