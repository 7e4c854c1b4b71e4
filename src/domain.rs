//! The domain both sides are decoded into. Plain data: no I/O, no wire quirks (those live in
//! `decode`), exact numbers only (`money`).
//!
//! Shoper sells *stock rows* (`product-stocks`): every product has a base row and may have
//! variant rows, each with its own code, price and stock. Matching and stock sync therefore work
//! on [`ShopItem`] — one per stock row — carrying what the row inherits from its product
//! (category, VAT rate, unit, name).

use crate::money::{Money, Qty};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A VAT rate by meaning, not by number: `0%`, `zw.` and `np.` are different rates although all
/// three are worth 0 %.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRate {
    /// A percentage rate: 23, 8, 5, 0 (and historic 22, 7, 3 if an account still has them).
    Percent(u8),
    /// `zw.` — zwolniony (exempt).
    Exempt,
    /// `np.` — nie podlega (not subject to VAT).
    NotSubject,
    /// `oo` — odwrotne obciążenie (reverse charge).
    ReverseCharge,
}

impl VatRate {
    /// Read a rate name as either side spells it: `23%`, `23 %`, `23`, `0%`, `zw`, `zw.`, `ZW`,
    /// `np`, `np.`, `oo`, `o.o.`. Unknown names give `None`.
    pub fn parse_name(name: &str) -> Option<VatRate> {
        // Character by character (`str::to_lowercase` only differs in a final Σ, never part of a rate).
        let n: String = name.trim().chars().filter(|c| !c.is_whitespace()).flat_map(crate::case::to_lower).collect();
        let n = n.trim_end_matches('.');
        match n {
            "zw" => return Some(VatRate::Exempt),
            "np" => return Some(VatRate::NotSubject),
            "oo" | "o.o" => return Some(VatRate::ReverseCharge),
            _ => {}
        }
        let digits = n.strip_suffix('%').unwrap_or(n);
        // "23.00" and "23,0" appear in some exports.
        let int = match digits.split_once(['.', ',']) {
            Some((i, frac)) if frac.bytes().all(|b| b == b'0') => i,
            Some(_) => return None,
            None => digits,
        };
        if int.is_empty() || int.len() > 2 || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        int.parse::<u8>().ok().filter(|p| *p <= 99).map(VatRate::Percent)
    }

    /// The percentage used to compute net from gross (0 for the three non-percentage rates).
    pub fn percent(self) -> u8 {
        match self {
            VatRate::Percent(p) => p,
            _ => 0,
        }
    }

    /// Polish label as the UI shows it: `23%`, `zw.`, `np.`, `oo`.
    pub fn label(self) -> String {
        match self {
            VatRate::Percent(p) => format!("{p}%"),
            VatRate::Exempt => "zw.".into(),
            VatRate::NotSubject => "np.".into(),
            VatRate::ReverseCharge => "oo".into(),
        }
    }

    /// Net amount from a gross amount, rounded half away from zero.
    pub fn net_from_gross(self, gross: Money) -> Money {
        let p = i128::from(self.percent());
        Money(crate::money::div_round(i128::from(gross.0) * 100, 100 + p) as i64)
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A product code exactly as the side stores it (spaces and case included — the seed's rule is
/// an identical code).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductCode(pub String);

impl ProductCode {
    pub fn new(code: impl Into<String>) -> Self {
        ProductCode(code.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Empty or only white space: such a code never matches anything.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
    /// The code with surrounding white space removed, inner runs of white space collapsed and
    /// letters upper-cased: how near misses are recognised (and matched when the setting asks).
    pub fn normalized(&self) -> String {
        crate::case::upper_str(&self.0.split_whitespace().collect::<Vec<_>>().join(" "))
    }
    /// The Systim product id of a code generated for a code-less Systim product (`SYSTIM-<id>`).
    pub fn generated_systim_id(&self) -> Option<u64> {
        let rest = self.0.strip_prefix(GENERATED_CODE_PREFIX)?;
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest.parse().ok()
    }
    pub fn generated_for(systim_id: u64) -> ProductCode {
        ProductCode(format!("{GENERATED_CODE_PREFIX}{systim_id}"))
    }
}

/// Prefix of codes the product push gives to Systim products that have none.
pub const GENERATED_CODE_PREFIX: &str = "SYSTIM-";

impl fmt::Display for ProductCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Polish tax id, ten digits, normalised from any spelling (`586-212-09-28`,
/// `PL 5862120928`, `586 212 09 28`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Nip(String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NipError {
    /// Not ten digits after removing the country prefix and separators.
    WrongLength(String),
    /// Ten digits whose check digit is wrong (probably a typo).
    BadChecksum(String),
    /// A foreign (non-PL) EU VAT number; kept as typed.
    Foreign(String),
}

impl Nip {
    pub fn parse(raw: &str) -> Result<Nip, NipError> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '/')).collect();
        let upper = crate::case::upper_str(&compact);
        let digits = upper.strip_prefix("PL").unwrap_or(&upper);
        if digits.len() >= 2 && digits.as_bytes()[..2].iter().all(|b| b.is_ascii_alphabetic()) {
            return Err(NipError::Foreign(raw.trim().to_string()));
        }
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NipError::WrongLength(raw.trim().to_string()));
        }
        const W: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = W.iter().zip(&d).map(|(w, x)| w * x).sum();
        if sum % 11 != d[9] {
            return Err(NipError::BadChecksum(digits.to_string()));
        }
        Ok(Nip(digits.to_string()))
    }
    pub fn digits(&self) -> &str {
        &self.0
    }
}

/// Where a Shoper order was placed (`orders.origin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// 0 — the shop's storefront.
    Storefront,
    /// 1
    Facebook,
    /// 2
    Mobile,
    /// 3
    Allegro,
    /// 4 — created through the REST API.
    Api,
    /// 5 — created in the admin panel.
    AdminPanel,
    /// 6 — an admin acting as a customer in the storefront.
    AdminAsCustomer,
    /// 8
    Google,
    /// 100–111
    Apilo,
    Other(u16),
}

/// Read as serde's derive reads it (`"storefront"`, `{"other": 7}`), by the reader of `json` that
/// serves such enums instead of a derived one (tested against the derive below).
impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use Origin::*;
        const UNIT: [Origin; 9] = [Storefront, Facebook, Mobile, Allegro, Api, AdminPanel, AdminAsCustomer, Google, Apilo];
        const NAMES: &[&str] = &["storefront", "facebook", "mobile", "allegro", "api", "admin_panel", "admin_as_customer", "google", "apilo", "other"];
        Ok(crate::json::unit_or_newtype_variant(d, "Origin", NAMES)?.map_or_else(Other, |i| UNIT[i]))
    }
}

impl Origin {
    pub fn from_code(code: u16) -> Origin {
        match code {
            0 => Origin::Storefront,
            1 => Origin::Facebook,
            2 => Origin::Mobile,
            3 => Origin::Allegro,
            4 => Origin::Api,
            5 => Origin::AdminPanel,
            6 => Origin::AdminAsCustomer,
            8 => Origin::Google,
            100..=111 => Origin::Apilo,
            n => Origin::Other(n),
        }
    }
}

/// A postal address as the shop holds it (billing or delivery).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub firstname: String,
    pub lastname: String,
    pub company: String,
    /// Tax id exactly as typed by the customer ("" = none).
    pub tax_id: String,
    pub street1: String,
    pub street2: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    /// ISO 3166 alpha-2 (`PL`).
    pub country_code: String,
    pub phone: String,
}

impl Address {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.firstname.trim(), self.lastname.trim()).trim().to_string()
    }
    /// Street lines joined as one line.
    pub fn street(&self) -> String {
        match (self.street1.trim(), self.street2.trim()) {
            (a, "") => a.to_string(),
            ("", b) => b.to_string(),
            (a, b) => format!("{a} {b}"),
        }
    }
}

/// One line of a Shoper order (`order-products`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub id: u64,
    /// `None` when 0 (never in the catalogue); may point at a deleted product.
    pub product_id: Option<u64>,
    pub stock_id: Option<u64>,
    /// Code snapshot taken at order time.
    pub code: ProductCode,
    pub name: String,
    /// Variant label (`Rozmiar: M`), "" for none.
    pub option: String,
    /// Gross unit price as the line carries it (already discounted or not: see `docs/rules.md`,
    /// "Order-level discounts").
    pub price: Money,
    /// The line's discount percent, in [`PERCENT_SCALE`]ths of a percent (`"10.0000"` →
    /// 100 000). Whether `price` already includes it is unknown; the order plan finds out by
    /// reconciling against the order's `sum`.
    pub discount_perc: i64,
    pub quantity: Qty,
    pub vat: Option<VatRate>,
    pub unit: String,
    pub unit_fractional: bool,
}

/// Percent fields are kept in ten-thousandths of a percent (the 4 decimals of `discount_perc`):
/// `"10.0000"` → 100 000, `"5"` → 50 000.
pub const PERCENT_SCALE: i64 = 10_000;

/// What the order says about discounts on the whole order (shoper-api.md §13.1): the customer's,
/// their group's, the value threshold's and the code's percentages, and the code used. None of
/// them is an amount: the amount is what `sum` falls short of the lines and shipping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderDiscounts {
    /// `discount_client`, in [`PERCENT_SCALE`]ths of a percent.
    pub client: i64,
    /// `discount_group`.
    pub group: i64,
    /// `discount_levels` (value thresholds, "progi rabatowe").
    pub levels: i64,
    /// `discount_code` (percent of a percent-type code; what an amount-type code puts here is
    /// undocumented).
    pub code: i64,
    /// `code_id`: the promotion code used.
    pub code_id: Option<u64>,
    /// `promo_code`: the code as the buyer typed it.
    pub promo_code: String,
}

impl OrderDiscounts {
    /// Whether the order carries any order-level discount at all.
    pub fn any(&self) -> bool {
        [self.client, self.group, self.levels, self.code].iter().any(|p| *p != 0) || self.code_id.is_some() || !self.promo_code.trim().is_empty()
    }

    /// The discounts as Shoper names them, for the report (`promo_code LATO10`, `discount_client 5%`).
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        match (self.promo_code.trim(), self.code_id) {
            ("", Some(id)) => out.push(format!("code_id {id}")),
            ("", None) => {}
            (code, _) => out.push(format!("promo_code {code}")),
        }
        let named = [("discount_code", self.code), ("discount_client", self.client), ("discount_group", self.group), ("discount_levels", self.levels)];
        out.extend(named.iter().filter(|(_, p)| *p != 0).map(|(name, p)| format!("{name} {}%", percent_text(*p))));
        out
    }
}

/// `"12.5"` for 125 000 ([`PERCENT_SCALE`]ths of a percent).
fn percent_text(p: i64) -> String {
    let whole = p / PERCENT_SCALE;
    let frac = (p % PERCENT_SCALE).abs();
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:04}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A Shoper order with its lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopOrder {
    pub order_id: u64,
    /// Naive shop-local `YYYY-MM-DD HH:MM:SS`.
    pub date: String,
    pub status_id: u64,
    pub origin: Origin,
    /// Total gross including shipping.
    pub sum: Money,
    pub paid: Money,
    pub shipping_cost: Money,
    pub shipping_vat: Option<VatRate>,
    pub shipping_id: Option<u64>,
    pub payment_id: Option<u64>,
    pub currency_id: Option<u64>,
    pub lang_id: Option<u64>,
    pub email: String,
    /// The customer's note.
    pub notes: String,
    pub billing: Address,
    pub delivery: Address,
    /// Discounts on the whole order (none for most orders).
    #[serde(default)]
    pub discounts: OrderDiscounts,
    pub lines: Vec<OrderLine>,
}

/// A warehouse on either side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warehouse {
    pub id: u64,
    pub name: String,
}

/// One sellable stock row of the shop, with what it inherits from its product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopItem {
    pub product_id: u64,
    pub stock_id: u64,
    /// The product's base row (`default = 1`); variant rows are `false`.
    pub is_default: bool,
    pub code: ProductCode,
    pub ean: String,
    /// Name in the shop's default language (falls back to any language, flagged in `name_locale`).
    pub name: String,
    /// The locale the name came from.
    pub name_locale: String,
    /// Variant label, "" for the base row.
    pub option: String,
    pub category_id: Option<u64>,
    /// Main category name in the default language.
    pub category: Option<String>,
    pub tax_id: Option<u64>,
    pub vat: Option<VatRate>,
    /// Effective gross price of this row.
    pub price: Money,
    /// Total stock of the row (the sum when warehouses are on).
    pub stock: Qty,
    /// Per-warehouse stock when the multi-warehouse module is on.
    pub warehouses: Vec<(u64, Qty)>,
    pub unit: String,
    /// The unit allows fractional quantities (`floating_point`).
    pub unit_fractional: bool,
    pub active: bool,
}

/// A Systim product (`listProducts`) with its stock per warehouse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystimProduct {
    pub id: u64,
    pub code: ProductCode,
    pub ean: String,
    pub name: String,
    pub price_gross: Money,
    pub price_net: Money,
    /// VAT-rate id (`stawka_vat`) and what it means (from `listVatRates`).
    pub vat_id: Option<u64>,
    pub vat: Option<VatRate>,
    pub category_id: Option<u64>,
    pub category: Option<String>,
    pub unit: String,
    pub is_service: bool,
    pub hidden: bool,
    /// Quantity per Systim warehouse id (`listPQuantities`, or `ilosc` in the simplified mode).
    pub stock: Vec<(u64, Qty)>,
}

/// Shoper dictionaries the plans need.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopTax {
    pub id: u64,
    pub name: String,
    pub rate: Option<VatRate>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopUnit {
    pub id: u64,
    pub name: String,
    pub fractional: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopCategory {
    pub id: u64,
    /// Name in the default language.
    pub name: String,
    pub parent_id: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopLanguage {
    pub id: u64,
    pub locale: String,
    pub active: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopStatus {
    pub id: u64,
    /// 1 new, 2 open, 3 closed, 4 not completed (cancelled/rejected/returned).
    pub kind: u8,
    pub name: String,
}

/// Everything read from the shop for one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopSnapshot {
    pub default_locale: String,
    pub locales: Vec<ShopLanguage>,
    pub warehouses_enabled: bool,
    pub warehouses: Vec<Warehouse>,
    pub taxes: Vec<ShopTax>,
    pub units: Vec<ShopUnit>,
    pub categories: Vec<ShopCategory>,
    pub statuses: Vec<ShopStatus>,
    pub items: Vec<ShopItem>,
}

/// Systim dictionaries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystimVatRate {
    pub id: u64,
    pub name: String,
    pub rate: Option<VatRate>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystimCategory {
    pub id: u64,
    pub name: String,
    pub parent_id: Option<u64>,
}

/// A named id from a Systim dictionary (delivery methods, payment methods).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedId {
    pub id: u64,
    pub name: String,
}

/// Everything read from Systim for one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystimSnapshot {
    pub vat_rates: Vec<SystimVatRate>,
    pub categories: Vec<SystimCategory>,
    pub stores: Vec<Warehouse>,
    pub delivery_methods: Vec<NamedId>,
    pub payment_methods: Vec<NamedId>,
    pub products: Vec<SystimProduct>,
    /// Products whose quantity could not be read in some store: their stock is never pushed
    /// (an unreadable figure is not 0), but the product itself is kept (orders still match it).
    #[serde(default)]
    pub unreadable_stock: Vec<u64>,
    /// The account's category list was not read (`listCategories` is an assumed method, absent
    /// on some accounts): products carry no category, and the same-category rule cannot be
    /// checked — which is not the same as categories that differ.
    #[serde(default)]
    pub categories_unknown: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_names_from_both_sides_mean_the_same_rate() {
        for (name, rate) in [
            ("23%", VatRate::Percent(23)),
            ("23 %", VatRate::Percent(23)),
            ("23", VatRate::Percent(23)),
            ("8%", VatRate::Percent(8)),
            ("5,00", VatRate::Percent(5)),
            ("0%", VatRate::Percent(0)),
            ("zw.", VatRate::Exempt),
            ("zw", VatRate::Exempt),
            ("ZW", VatRate::Exempt),
            ("np.", VatRate::NotSubject),
            ("np", VatRate::NotSubject),
            ("oo", VatRate::ReverseCharge),
        ] {
            assert_eq!(VatRate::parse_name(name), Some(rate), "{name}");
        }
        for bad in ["", "%", "abc", "123%", "23.5%", "-5%"] {
            assert_eq!(VatRate::parse_name(bad), None, "{bad}");
        }
        assert_ne!(VatRate::parse_name("0%"), VatRate::parse_name("zw."));
        assert_ne!(VatRate::parse_name("zw."), VatRate::parse_name("np."));
    }

    #[test]
    fn net_from_gross_is_exact_to_the_grosz() {
        assert_eq!(VatRate::Percent(23).net_from_gross(Money(3_000)), Money(2_439));
        assert_eq!(VatRate::Percent(8).net_from_gross(Money(8_990)), Money(8_324));
        assert_eq!(VatRate::Exempt.net_from_gross(Money(19_900)), Money(19_900));
    }

    #[test]
    fn nip_in_every_spelling_normalises_to_ten_digits() {
        for raw in ["586-212-09-28", "5862120928", "PL5862120928", "PL 586 212 09 28", "pl-586-212-09-28", " 586.212.09.28 "] {
            assert_eq!(Nip::parse(raw).map(|n| n.digits().to_string()), Ok("5862120928".into()), "{raw}");
        }
        assert!(matches!(Nip::parse("586-212-09-29"), Err(NipError::BadChecksum(_))));
        assert!(matches!(Nip::parse("12345"), Err(NipError::WrongLength(_))));
        assert!(matches!(Nip::parse("DE123456789"), Err(NipError::Foreign(_))));
    }

    #[test]
    fn product_codes_keep_spaces_but_know_their_normal_form() {
        let c = ProductCode::new("  mly-zel ");
        assert_eq!(c.as_str(), "  mly-zel ");
        assert_eq!(c.normalized(), "MLY-ZEL");
        assert!(ProductCode::new("   ").is_blank());
        assert_eq!(ProductCode::new("SYSTIM-42").generated_systim_id(), Some(42));
        assert_eq!(ProductCode::new("SYSTIM-").generated_systim_id(), None);
        assert_eq!(ProductCode::new("SYSTIM-4a").generated_systim_id(), None);
        assert_eq!(ProductCode::generated_for(7).as_str(), "SYSTIM-7");
    }

    #[test]
    fn order_discounts_know_whether_there_is_one_and_name_it() {
        assert!(!OrderDiscounts::default().any());
        let code = OrderDiscounts { promo_code: "LATO10".into(), code_id: Some(3), code: 100_000, ..Default::default() };
        assert!(code.any());
        assert_eq!(code.describe(), ["promo_code LATO10", "discount_code 10%"]);
        let client = OrderDiscounts { client: 125_000, levels: 30_500, ..Default::default() };
        assert!(client.any());
        assert_eq!(client.describe(), ["discount_client 12.5%", "discount_levels 3.05%"]);
        assert!(OrderDiscounts { code_id: Some(1), ..Default::default() }.any());
        assert_eq!(OrderDiscounts { code_id: Some(1), ..Default::default() }.describe(), ["code_id 1"]);
        assert!(!OrderDiscounts { promo_code: "  ".into(), ..Default::default() }.any());
    }

    #[test]
    fn origins_decode_from_shoper_codes() {
        assert_eq!(Origin::from_code(0), Origin::Storefront);
        assert_eq!(Origin::from_code(5), Origin::AdminPanel);
        assert_eq!(Origin::from_code(105), Origin::Apilo);
        assert_eq!(Origin::from_code(42), Origin::Other(42));
    }

    /// The order origins (a setting's list) read as serde's derive reads them, every variant
    /// and the derive's messages included.
    #[test]
    fn origins_read_as_the_derive_reads_them() {
        #[derive(Debug, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Derived {
            Storefront,
            Facebook,
            Mobile,
            Allegro,
            Api,
            AdminPanel,
            AdminAsCustomer,
            Google,
            Apilo,
            Other(u16),
        }
        let mut inputs: Vec<serde_json::Value> =
            [0, 1, 2, 3, 4, 5, 6, 8, 100, 7, 65535].iter().map(|&c| serde_json::to_value(Origin::from_code(c)).unwrap()).collect();
        inputs.extend([
            serde_json::json!({"api": null}),
            serde_json::json!({"api": 1}),
            serde_json::json!("other"),
            serde_json::json!({"other": 70000}),
            serde_json::json!({"other": "7"}),
            serde_json::json!({"other": null}),
            serde_json::json!("Storefront"),
            serde_json::json!("shop"),
            serde_json::json!({"api": null, "other": 1}),
            serde_json::json!({}),
            serde_json::json!(3),
            serde_json::json!(null),
        ]);
        for input in inputs {
            let ours = crate::json::from_value::<Origin>(input.clone()).map(|o| serde_json::to_value(o).unwrap());
            let derived = crate::json::from_value::<Derived>(input.clone()).map(|o| serde_json::to_value(o).unwrap());
            assert_eq!(ours.map_err(|e| e.to_string()), derived.map_err(|e| e.to_string().replace("enum Derived", "enum Origin")), "{input}");
            let ours = serde_json::from_value::<Origin>(input.clone()).map(|o| serde_json::to_value(o).unwrap());
            let derived = serde_json::from_value::<Derived>(input.clone()).map(|o| serde_json::to_value(o).unwrap());
            assert_eq!(ours.map_err(|e| e.to_string()), derived.map_err(|e| e.to_string().replace("enum Derived", "enum Origin")), "{input}");
        }
    }
}
