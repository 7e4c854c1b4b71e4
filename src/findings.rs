//! The reasons: one vocabulary ([`ReasonCode`], stable snake_case names) of why an item was
//! handled as it was, shared by the matching, the three plans, the reports, the UI and
//! `docs/rules.md`; a [`Finding`] is one reason with the specifics a merchant needs to act. Below
//! the matching and the plans (`tests/tidy.rs`), which both report with them; `plan` re-exports
//! them.

use crate::money::{Money, Qty};
use serde::{Deserialize, Serialize};

/// How much a reason asks of the merchant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Left alone on purpose (a filter or a setting); nothing to do.
    Info,
    /// Needs the merchant's attention (fix a code, map a method, confirm).
    Warning,
    /// Data could not be read; nothing was assumed.
    Error,
}

macro_rules! reason_codes {
    ($($variant:ident => $code:literal, $sev:ident;)+) => {
        /// Why an item was skipped, held or annotated. Names are stable: the UI, the saved history
        /// and `docs/rules.md` use them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ReasonCode { $($variant,)+ }

        impl ReasonCode {
            /// Every reason, in documentation order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant,)+];

            /// The one table of names and severities (the texts: `core_reason_<code>` in
            /// `_locales`, [`crate::texts`]).
            fn row(self) -> (&'static str, Severity) {
                match self { $(ReasonCode::$variant => ($code, Severity::$sev),)+ }
            }
        }
    };
}

reason_codes! {
    // Product codes and matching.
    BlankCode => "blank_code", Warning;
    NotInSystim => "not_in_systim", Warning;
    NearMiss => "near_miss", Warning;
    AmbiguousCode => "ambiguous_code", Warning;
    MatchedAfterNormalization => "matched_after_normalization", Info;
    // Stock push.
    ShopPriceNotPositive => "shop_price_not_positive", Warning;
    SystimPriceNotPositive => "systim_price_not_positive", Warning;
    CategoryDiffers => "category_differs", Warning;
    CategoryUnverifiable => "category_unverifiable", Warning;
    VatDiffers => "vat_differs", Warning;
    SystimQuantityBelowOne => "systim_quantity_below_one", Info;
    ZeroNotPushed => "zero_not_pushed", Info;
    QuantityUnreadable => "quantity_unreadable", Error;
    SystimService => "systim_service", Info;
    NegativeSystimStock => "negative_systim_stock", Warning;
    RoundedDown => "rounded_down", Info;
    ReservationSubtracted => "reservation_subtracted", Info;
    WarehouseMappingInvalid => "warehouse_mapping_invalid", Warning;
    WarehousesModuleOn => "warehouses_module_on", Warning;
    WarehousesModuleOff => "warehouses_module_off", Warning;
    UnknownWarehouse => "unknown_warehouse", Warning;
    MassZeroBrake => "mass_zero_brake", Warning;
    // Order import.
    OriginNotSelected => "origin_not_selected", Info;
    StatusNotSelected => "status_not_selected", Info;
    StatusUnknown => "status_unknown", Warning;
    BeforeStartPoint => "before_start_point", Info;
    OrderDateUnreadable => "order_date_unreadable", Error;
    NoLines => "no_lines", Warning;
    LineQuantityInvalid => "line_quantity_invalid", Warning;
    VatUnknown => "vat_unknown", Error;
    VatMissingInSystim => "vat_missing_in_systim", Warning;
    InvalidNip => "invalid_nip", Warning;
    AddressIncomplete => "address_incomplete", Warning;
    DeliveryNotMapped => "delivery_not_mapped", Warning;
    CurrencyNotMapped => "currency_not_mapped", Warning;
    ShippingProductNotSet => "shipping_product_not_set", Warning;
    ShippingProductNotFound => "shipping_product_not_found", Warning;
    TotalsMismatch => "totals_mismatch", Warning;
    OrderDiscountSpread => "order_discount_spread", Info;
    OrderDiscountHeld => "order_discount_held", Warning;
    OrderDiscountUnspreadable => "order_discount_unspreadable", Warning;
    SystimCategoryNotSet => "systim_category_not_set", Warning;
    LineDropped => "line_dropped", Warning;
    ProductCreatedInSystim => "product_created_in_systim", Info;
    BillingFromDelivery => "billing_from_delivery", Info;
    ForeignVatId => "foreign_vat_id", Info;
    ContractorLinked => "contractor_linked", Info;
    ContractorCreated => "contractor_created", Info;
    ContractorAmbiguous => "contractor_ambiguous", Warning;
    // Sales documents (`plan::invoice`; the last three are Systim's answers, for the engine).
    InvoicingOff => "invoicing_off", Info;
    InvoiceStatusNotChosen => "invoice_status_not_chosen", Info;
    InvoiceLinesDropped => "invoice_lines_dropped", Warning;
    InvoiceTotalsMismatch => "invoice_totals_mismatch", Warning;
    InvoicePaymentFormUnknown => "invoice_payment_form_unknown", Warning;
    InvoiceVatRateUnknown => "invoice_vat_rate_unknown", Warning;
    InvoiceContractorMissing => "invoice_contractor_missing", Warning;
    InvoiceCurrencyNotPln => "invoice_currency_not_pln", Warning;
    InvoiceRoundingAdjusted => "invoice_rounding_adjusted", Info;
    InvoiceMonthClosed => "invoice_month_closed", Warning;
    InvoicePlanLimit => "invoice_plan_limit", Warning;
    InvoiceAccountingFailed => "invoice_accounting_failed", Warning;
    InvoiceRefused => "invoice_refused", Warning;
    InvoiceOrderNotImported => "invoice_order_not_imported", Info;
    InvoiceProductPending => "invoice_product_pending", Info;
    // Product push.
    HiddenInSystim => "hidden_in_systim", Info;
    CodelessSkipped => "codeless_skipped", Info;
    SystimCategoryMissing => "systim_category_missing", Warning;
    SystimCategoriesUnknown => "systim_categories_unknown", Warning;
    CategoryMissingInShop => "category_missing_in_shop", Warning;
    CategoryAmbiguousInShop => "category_ambiguous_in_shop", Warning;
    VatMissingInShop => "vat_missing_in_shop", Warning;
    UnitMissingInShop => "unit_missing_in_shop", Warning;
    GeneratedCode => "generated_code", Info;
    CategoryCreated => "category_created", Info;
}

impl ReasonCode {
    /// The stable snake_case name (`near_miss`), equal to the serde name.
    pub fn code(self) -> &'static str {
        self.row().0
    }
    pub fn severity(self) -> Severity {
        self.row().1
    }
    /// The reason's text (`core_reason_<code>` in `_locales`).
    pub fn message(self, lang: Lang) -> &'static str {
        let mut key = String::from("core_reason_");
        key.push_str(self.code());
        crate::texts::get(lang, &key).unwrap_or(self.code())
    }
    pub fn message_pl(self) -> &'static str {
        self.message(Lang::Pl)
    }
    pub fn message_en(self) -> &'static str {
        self.message(Lang::En)
    }
}

pub use crate::texts::Lang;

/// One reason with the specifics a merchant needs to act: which order/line/product, which codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub reason: ReasonCode,
    /// The underlying reason, when `reason` is a consequence (a line dropped *because* …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<ReasonCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_id: Option<u64>,
    /// Shoper stock row (and product) the finding is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systim_id: Option<u64>,
    /// Codes concerned, exactly as stored (a near miss lists ours first, then the other side's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// Every Shoper stock row / Systim product concerned (ambiguity, near misses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shop_stock_ids: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systim_ids: Vec<u64>,
    /// An amount concerned (the value of a dropped line, what was imported)…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// …and what it should have been (the order total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Qty>,
    /// The two values compared (e.g. category or VAT names on both sides), or a field name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl Finding {
    pub fn new(reason: ReasonCode) -> Finding {
        Finding {
            reason,
            cause: None,
            order_id: None,
            line_id: None,
            stock_id: None,
            product_id: None,
            systim_id: None,
            codes: Vec::new(),
            shop_stock_ids: Vec::new(),
            systim_ids: Vec::new(),
            amount: None,
            expected: None,
            quantity: None,
            values: Vec::new(),
        }
    }
    pub fn cause(mut self, cause: ReasonCode) -> Self {
        self.cause = Some(cause);
        self
    }
    pub fn order(mut self, id: u64) -> Self {
        self.order_id = Some(id);
        self
    }
    pub fn line(mut self, id: u64) -> Self {
        self.line_id = Some(id);
        self
    }
    /// The Shoper stock row and its product.
    pub fn shop_row(mut self, stock_id: u64, product_id: u64) -> Self {
        self.stock_id = Some(stock_id);
        self.product_id = Some(product_id);
        self
    }
    pub fn systim(mut self, id: u64) -> Self {
        self.systim_id = Some(id);
        self
    }
    pub fn code(mut self, code: &str) -> Self {
        self.codes.push(code.to_string());
        self
    }
    pub fn amount(mut self, amount: Money) -> Self {
        self.amount = Some(amount);
        self
    }
    pub fn expected(mut self, expected: Money) -> Self {
        self.expected = Some(expected);
        self
    }
    pub fn quantity(mut self, q: Qty) -> Self {
        self.quantity = Some(q);
        self
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.values.push(v.into());
        self
    }

    /// A sentence for the merchant: the reason's text followed by the specifics.
    pub fn text(&self, lang: Lang) -> String {
        let main = self.reason.message(lang);
        let label = |key| crate::texts::t(lang, key);
        let mut parts: Vec<String> = Vec::new();
        if let Some(cause) = self.cause {
            parts.push(cause.message(lang).to_string());
        }
        let ids = [
            (label("core_finding_order"), self.order_id),
            (label("core_finding_line"), self.line_id),
            (label("core_finding_stock"), self.stock_id),
            (label("core_finding_systim"), self.systim_id),
        ];
        parts.extend(ids.iter().filter_map(|(label, id)| id.map(|id| format!("{label} {id}"))));
        if !self.codes.is_empty() {
            let quoted: Vec<String> = self.codes.iter().map(|c| format!("'{c}'")).collect();
            parts.push(format!("{}: {}", label("core_finding_codes"), quoted.join(" vs ")));
        }
        for (label, list) in [(label("core_finding_shop_rows"), &self.shop_stock_ids), (label("core_finding_systim_rows"), &self.systim_ids)] {
            if !list.is_empty() {
                let ids: Vec<String> = list.iter().map(u64::to_string).collect();
                parts.push(format!("{label}: {}", ids.join(", ")));
            }
        }
        if !self.values.is_empty() {
            // Two sides compared read "a vs b"; anything else (the fields an address lacks) is a list.
            let compared = matches!(self.reason, ReasonCode::CategoryDiffers | ReasonCode::VatDiffers) && self.values.len() == 2;
            let text = if compared { self.values.join(" vs ") } else { self.values.join(", ") };
            parts.push(match self.reason {
                ReasonCode::AddressIncomplete => crate::texts::fill(lang, "core_finding_missing", &[&text]),
                _ => text,
            });
        }
        if let Some(a) = self.amount {
            parts.push(format!("{}: {}", label("core_finding_amount"), a.to_pl()));
        }
        if let Some(e) = self.expected {
            parts.push(format!("{}: {}", label("core_finding_expected"), e.to_pl()));
        }
        if let Some(q) = self.quantity {
            parts.push(format!("{}: {}", label("core_finding_quantity"), q.to_pl()));
        }
        if parts.is_empty() {
            main.to_string()
        } else {
            format!("{main} — {}", parts.join("; "))
        }
    }
    pub fn text_pl(&self) -> String {
        self.text(Lang::Pl)
    }
    pub fn text_en(&self) -> String {
        self.text(Lang::En)
    }
}
