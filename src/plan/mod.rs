//! The three sync plans as plain data: what to import, what stock to push, what products to
//! create — and, for everything left alone, why.
//!
//! A plan is computed from snapshots and settings only (no I/O, no clock); a dry run *is* the
//! plan. Every plan carries [`Counts`] in which the items considered equal the items handled plus
//! every skip reason, and a `check()` that asserts it.
//!
//! Reasons are one vocabulary ([`ReasonCode`], stable snake_case names) shared by the three plans,
//! the UI and `docs/rules.md`.

pub mod contractors;
pub mod orders;
pub mod products;
pub mod spread;
pub mod stock;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

use crate::money::{Money, Qty};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    ($($variant:ident => $code:literal, $sev:ident, $pl:literal, $en:literal;)+) => {
        /// Why an item was skipped, held or annotated. Names are stable: the UI, the saved history
        /// and `docs/rules.md` use them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ReasonCode { $($variant,)+ }

        impl ReasonCode {
            /// Every reason, in documentation order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant,)+];

            /// The one table of names and texts: (code, severity, Polish, English).
            fn row(self) -> (&'static str, Severity, &'static str, &'static str) {
                match self { $(ReasonCode::$variant => ($code, Severity::$sev, $pl, $en),)+ }
            }
        }
    };
}

reason_codes! {
    // Product codes and matching.
    BlankCode => "blank_code", Warning, "Brak kodu produktu", "No product code";
    NotInSystim => "not_in_systim", Warning, "W Systim nie ma produktu o tym kodzie", "No Systim product has this code";
    NearMiss => "near_miss", Warning, "Prawdopodobnie ten sam produkt, ale kody się różnią", "Probably the same product, but the codes differ";
    AmbiguousCode => "ambiguous_code", Warning, "Ten sam kod ma więcej niż jeden produkt — nie zgadujemy, który to", "More than one product has this code — not guessed";
    MatchedAfterNormalization => "matched_after_normalization", Info, "Dopasowano po ujednoliceniu kodów (spacje, wielkość liter)", "Matched after normalising the codes (spaces, case)";
    // Stock push.
    ShopPriceNotPositive => "shop_price_not_positive", Warning, "Cena brutto w Shoperze nie jest większa od 0", "The Shoper gross price is not above 0";
    SystimPriceNotPositive => "systim_price_not_positive", Warning, "Cena brutto w Systim nie jest większa od 0", "The Systim gross price is not above 0";
    CategoryDiffers => "category_differs", Warning, "Kategoria nazywa się inaczej w Systim i w Shoperze", "The category name differs between Systim and Shoper";
    CategoryUnverifiable => "category_unverifiable", Warning, "Systim tego konta nie podaje kategorii — reguły „ta sama kategoria” nie da się sprawdzić", "This Systim account does not list categories — the same-category rule cannot be checked";
    VatDiffers => "vat_differs", Warning, "Stawka VAT różni się w Systim i w Shoperze", "The VAT rate differs between Systim and Shoper";
    SystimQuantityBelowOne => "systim_quantity_below_one", Info, "Stan w Systim jest mniejszy niż 1 (wysyłanie zer wyłączone)", "The Systim quantity is below 1 (pushing zeros is off)";
    ZeroNotPushed => "zero_not_pushed", Info, "Stan do wysłania wynosi 0 (wysyłanie zer wyłączone)", "The quantity to push is 0 (pushing zeros is off)";
    QuantityUnreadable => "quantity_unreadable", Error, "Nie udało się odczytać stanu w Systim — nic nie wysłano", "The Systim quantity could not be read — nothing pushed";
    SystimService => "systim_service", Info, "W Systim to usługa, a nie towar", "This is a service in Systim, not goods";
    NegativeSystimStock => "negative_systim_stock", Warning, "Stan w Systim jest ujemny — wysłano 0", "The Systim quantity is negative — 0 pushed";
    RoundedDown => "rounded_down", Info, "Stan zaokrąglono w dół do pełnych sztuk (jednostka bez ułamków)", "Rounded down to whole units (unit without fractions)";
    ReservationSubtracted => "reservation_subtracted", Info, "Odjęto ilości z zamówień pobranych, a jeszcze niewydanych w Systim", "Quantities of imported orders not yet issued in Systim were subtracted";
    WarehouseMappingInvalid => "warehouse_mapping_invalid", Warning, "Powiązanie magazynów nie pasuje do sklepu", "The warehouse mapping does not fit the shop";
    WarehousesModuleOn => "warehouses_module_on", Warning, "Sklep ma włączony moduł magazynów — wskaż magazyn Shoper dla każdego powiązania", "The shop has the warehouses module on — choose a Shoper warehouse for each link";
    WarehousesModuleOff => "warehouses_module_off", Warning, "Sklep nie ma modułu magazynów — wybierz „cały stan sklepu”", "The shop has no warehouses module — choose \"the whole shop stock\"";
    UnknownWarehouse => "unknown_warehouse", Warning, "Wybrany magazyn nie istnieje", "The chosen warehouse does not exist";
    MassZeroBrake => "mass_zero_brake", Warning, "Ta synchronizacja wyzerowałaby zbyt wiele produktów — wymaga potwierdzenia", "This run would zero too many products — confirmation required";
    // Order import.
    OriginNotSelected => "origin_not_selected", Info, "Źródło zamówienia nie jest wybrane w ustawieniach", "The order's origin is not selected in the settings";
    StatusNotSelected => "status_not_selected", Info, "Status zamówienia nie jest wybrany w ustawieniach", "The order's status is not selected in the settings";
    StatusUnknown => "status_unknown", Warning, "Nieznany status zamówienia", "Unknown order status";
    BeforeStartPoint => "before_start_point", Info, "Zamówienie sprzed punktu startowego", "The order is older than the start point";
    OrderDateUnreadable => "order_date_unreadable", Error, "Nie udało się odczytać daty zamówienia", "The order date could not be read";
    NoLines => "no_lines", Warning, "Zamówienie nie ma pozycji", "The order has no lines";
    LineQuantityInvalid => "line_quantity_invalid", Warning, "Ilość w pozycji nie jest większa od 0", "The line quantity is not above 0";
    VatUnknown => "vat_unknown", Error, "Nieznana stawka VAT", "Unknown VAT rate";
    VatMissingInSystim => "vat_missing_in_systim", Warning, "Systim nie ma takiej stawki VAT", "Systim has no such VAT rate";
    InvalidNip => "invalid_nip", Warning, "Nieprawidłowy NIP nabywcy", "The buyer's NIP is invalid";
    AddressIncomplete => "address_incomplete", Warning, "Brak danych adresowych wymaganych przez Systim", "Address data required by Systim is missing";
    DeliveryNotMapped => "delivery_not_mapped", Warning, "Forma dostawy nie ma odpowiednika w Systim (ustaw mapowanie lub domyślną)", "The delivery method has no Systim counterpart (set a mapping or a default)";
    CurrencyNotMapped => "currency_not_mapped", Warning, "Waluta zamówienia nie ma odpowiednika w Systim", "The order currency has no Systim counterpart";
    ShippingProductNotSet => "shipping_product_not_set", Warning, "Zamówienie ma koszt wysyłki, a w ustawieniach nie wybrano usługi „wysyłka”", "The order has a shipping cost but no shipping service product is set";
    ShippingProductNotFound => "shipping_product_not_found", Warning, "Wybranej usługi „wysyłka” nie ma w Systim", "The chosen shipping service product is not in Systim";
    TotalsMismatch => "totals_mismatch", Warning, "Suma pozycji i wysyłki nie zgadza się z wartością zamówienia", "Lines plus shipping do not add up to the order total";
    OrderDiscountSpread => "order_discount_spread", Info, "Rabat zamówienia rozłożony na pozycje", "Order discount spread over the lines";
    OrderDiscountHeld => "order_discount_held", Warning, "Zamówienie z rabatem na całe zamówienie — wstrzymane (ustawienie „Rabat na całe zamówienie”)", "Order with a discount on the whole order — held (setting \"Discount on the whole order\")";
    OrderDiscountUnspreadable => "order_discount_unspreadable", Warning, "Rabatu zamówienia nie da się rozłożyć na ceny jednostkowe co do grosza", "The order discount cannot be spread over unit prices to the grosz";
    SystimCategoryNotSet => "systim_category_not_set", Warning, "Nie wiadomo, w jakiej kategorii Systim utworzyć produkt", "No Systim category to create the product in";
    LineDropped => "line_dropped", Warning, "Pozycję pominięto w imporcie — wartość zamówienia w Systim będzie niższa", "The line was left out — the order total in Systim will be lower";
    ProductCreatedInSystim => "product_created_in_systim", Info, "Produkt zostanie najpierw utworzony w Systim", "The product will be created in Systim first";
    BillingFromDelivery => "billing_from_delivery", Info, "Adres nabywcy niepełny — użyto adresu dostawy", "Billing address incomplete — the delivery address was used";
    ForeignVatId => "foreign_vat_id", Info, "Zagraniczny numer VAT przekazano bez zmian", "A foreign VAT number was passed on as typed";
    ContractorLinked => "contractor_linked", Info, "Nabywca powiązany po NIP z kontrahentem Systim", "The buyer is linked by NIP to a Systim contractor";
    ContractorCreated => "contractor_created", Info, "Kontrahent z tym NIP zostanie utworzony w Systim", "A contractor with this NIP will be created in Systim";
    ContractorAmbiguous => "contractor_ambiguous", Warning, "Kilku kontrahentów Systim ma ten NIP — zamówienia nie powiązano", "Several Systim contractors have this NIP — the order is not linked";
    // Product push.
    HiddenInSystim => "hidden_in_systim", Info, "Produkt jest ukryty w Systim", "The product is hidden in Systim";
    CodelessSkipped => "codeless_skipped", Info, "Produkt bez kodu pominięto (ustawienie)", "Product without a code skipped (setting)";
    SystimCategoryMissing => "systim_category_missing", Warning, "Produkt w Systim nie ma kategorii", "The Systim product has no category";
    SystimCategoriesUnknown => "systim_categories_unknown", Warning, "Systim tego konta nie podaje kategorii, a w ustawieniach nie wybrano kategorii dla nowych produktów", "This Systim account does not list categories and no category for new products is set";
    CategoryMissingInShop => "category_missing_in_shop", Warning, "W Shoperze nie ma kategorii o tej nazwie", "Shoper has no category with this name";
    CategoryAmbiguousInShop => "category_ambiguous_in_shop", Warning, "W Shoperze jest kilka kategorii o tej nazwie", "Shoper has several categories with this name";
    VatMissingInShop => "vat_missing_in_shop", Warning, "Shoper nie ma takiej stawki VAT", "Shoper has no such VAT rate";
    UnitMissingInShop => "unit_missing_in_shop", Warning, "Shoper nie ma takiej jednostki miary", "Shoper has no such unit";
    GeneratedCode => "generated_code", Info, "Produkt bez kodu dostanie kod SYSTIM-<id>", "The code-less product gets the code SYSTIM-<id>";
    CategoryCreated => "category_created", Info, "Kategoria zostanie utworzona w Shoperze", "The category will be created in Shoper";
}

impl ReasonCode {
    /// The stable snake_case name (`near_miss`), equal to the serde name.
    pub fn code(self) -> &'static str {
        self.row().0
    }
    pub fn severity(self) -> Severity {
        self.row().1
    }
    pub fn message_pl(self) -> &'static str {
        self.row().2
    }
    pub fn message_en(self) -> &'static str {
        self.row().3
    }
}

/// Which language a text is rendered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Pl,
    En,
}

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
        let (main, labels) = match lang {
            Lang::Pl => (self.reason.message_pl(), &LABELS_PL),
            Lang::En => (self.reason.message_en(), &LABELS_EN),
        };
        let mut parts: Vec<String> = Vec::new();
        if let Some(cause) = self.cause {
            parts.push(match lang {
                Lang::Pl => cause.message_pl().to_string(),
                Lang::En => cause.message_en().to_string(),
            });
        }
        let ids = [
            (labels.order, self.order_id),
            (labels.line, self.line_id),
            (labels.stock, self.stock_id),
            (labels.systim, self.systim_id),
        ];
        parts.extend(ids.iter().filter_map(|(label, id)| id.map(|id| format!("{label} {id}"))));
        if !self.codes.is_empty() {
            let quoted: Vec<String> = self.codes.iter().map(|c| format!("'{c}'")).collect();
            parts.push(format!("{}: {}", labels.codes, quoted.join(" vs ")));
        }
        for (label, list) in [(labels.shop_rows, &self.shop_stock_ids), (labels.systim_rows, &self.systim_ids)] {
            if !list.is_empty() {
                let ids: Vec<String> = list.iter().map(u64::to_string).collect();
                parts.push(format!("{label}: {}", ids.join(", ")));
            }
        }
        if !self.values.is_empty() {
            // Two sides compared read "a vs b"; anything else (the fields an address lacks) is a list.
            let compared = matches!(self.reason, ReasonCode::CategoryDiffers | ReasonCode::VatDiffers) && self.values.len() == 2;
            let text = if compared { self.values.join(" vs ") } else { self.values.join(", ") };
            parts.push(match (self.reason, lang) {
                (ReasonCode::AddressIncomplete, Lang::Pl) => format!("brakuje: {text}"),
                (ReasonCode::AddressIncomplete, Lang::En) => format!("missing: {text}"),
                _ => text,
            });
        }
        if let Some(a) = self.amount {
            parts.push(format!("{}: {}", labels.amount, a.to_pl()));
        }
        if let Some(e) = self.expected {
            parts.push(format!("{}: {}", labels.expected, e.to_pl()));
        }
        if let Some(q) = self.quantity {
            parts.push(format!("{}: {}", labels.quantity, q.to_pl()));
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

struct Labels {
    order: &'static str,
    line: &'static str,
    stock: &'static str,
    systim: &'static str,
    codes: &'static str,
    shop_rows: &'static str,
    systim_rows: &'static str,
    amount: &'static str,
    expected: &'static str,
    quantity: &'static str,
}

const LABELS_PL: Labels = Labels {
    order: "zamówienie",
    line: "pozycja",
    stock: "wariant Shoper (stock_id)",
    systim: "produkt Systim",
    codes: "kody",
    shop_rows: "warianty Shoper",
    systim_rows: "produkty Systim",
    amount: "kwota",
    expected: "oczekiwano",
    quantity: "ilość",
};

const LABELS_EN: Labels = Labels {
    order: "order",
    line: "line",
    stock: "Shoper stock row",
    systim: "Systim product",
    codes: "codes",
    shop_rows: "Shoper stock rows",
    systim_rows: "Systim products",
    amount: "amount",
    expected: "expected",
    quantity: "quantity",
};

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
    pub skipped: BTreeMap<ReasonCode, u32>,
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
        *self.skipped.entry(reason).or_insert(0) += 1;
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
        let mut listed: BTreeMap<ReasonCode, u32> = BTreeMap::new();
        for item in &self.skipped {
            *listed.entry(item.reason()).or_insert(0) += 1;
        }
        if listed != self.counts.skipped {
            return Err(format!("skipped list {listed:?} differs from counts {:?}", self.counts.skipped));
        }
        Ok(())
    }
}
