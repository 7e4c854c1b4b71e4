//! The user's choices, as one typed, serialisable struct.
//!
//! Every struct here is `#[serde(default)]` (read by `json::read_over_default!`, a field list
//! per struct, instead of serde's derived reader: smaller in the wasm): settings saved by an older version (with fewer
//! fields) load with the new fields at their defaults, and unknown fields are ignored. Connection
//! data and credentials (shop URL, Systim account, keys) are *not* here — they live in a separate
//! struct so that settings can be shown, exported and logged freely.
//!
//! `docs/rules.md` explains every field in plain words (Polish UI terms included).

use crate::domain::Origin;
use serde::{Deserialize, Serialize};

mod invoicing;
pub use invoicing::{InvoicingSettings, PrivateBuyerDocument, WriteBackSettings};

/// Everything the merchant configures (except the connection).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(default)]
pub struct Settings {
    /// Run the sync by itself ("Synchronizuj automatycznie"). Off until the merchant has seen a
    /// preview and switched it on.
    pub auto_sync: bool,
    /// Minutes between automatic runs.
    pub interval_minutes: u32,
    pub matching: MatchingSettings,
    pub orders: OrderSettings,
    pub stock: StockSettings,
    pub products: ProductSettings,
    /// The sales document issued in Systim (issue #16): off by default.
    pub invoicing: InvoicingSettings,
    /// What is written back to the Shoper order: nothing by default.
    pub write_back: WriteBackSettings,
}

crate::read_over_default!(Settings { auto_sync, interval_minutes, matching, orders, stock, products, invoicing, write_back });

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_sync: false,
            interval_minutes: 1,
            matching: MatchingSettings::default(),
            orders: OrderSettings::default(),
            stock: StockSettings::default(),
            products: ProductSettings::default(),
            invoicing: InvoicingSettings::default(),
            write_back: WriteBackSettings::default(),
        }
    }
}

/// How product codes are compared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(default)]
pub struct MatchingSettings {
    /// Off: codes must be identical (the seed's rule). On: surrounding white space is ignored,
    /// inner runs of white space count as one space and letter case is ignored.
    pub normalize_codes: bool,
}

crate::read_over_default!(MatchingSettings { normalize_codes });

/// Which Shoper statuses are imported: `{"mode": "only", "ids": [1, 2]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "ids")]
pub enum StatusFilter {
    /// Every status except those of the kind "not completed" (cancelled, rejected, returned).
    AllExceptNotCompleted,
    /// Only these Shoper status ids.
    Only(Vec<u64>),
}

/// Where the first run starts (later runs continue from the engine's cursor):
/// `{"kind": "order_id", "value": 120}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum StartPoint {
    /// Not chosen: the plan does not filter; the engine asks the merchant on the first run.
    Unset,
    /// Orders with this id or a later one.
    OrderId(u64),
    /// Orders placed on this day (`YYYY-MM-DD`, shop-local) or later.
    Date(String),
}

// Read by hand as `#[serde(tag = "…", content = "…")]` reads them: serde's derive buffers such
// enums through its `Content` deserialiser, a large share of the wasm for two small enums.

impl<'de> Deserialize<'de> for StatusFilter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (mode, ids) = crate::json::adjacent::<D>(d, "mode", "ids")?;
        match mode.as_str() {
            "all_except_not_completed" => crate::json::no_content::<D>(ids).map(|()| StatusFilter::AllExceptNotCompleted),
            "only" => crate::json::content::<D, _>(ids, "ids").map(StatusFilter::Only),
            other => Err(serde::de::Error::unknown_variant(other, &["all_except_not_completed", "only"])),
        }
    }
}

impl<'de> Deserialize<'de> for StartPoint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, value) = crate::json::adjacent::<D>(d, "kind", "value")?;
        match kind.as_str() {
            "unset" => crate::json::no_content::<D>(value).map(|()| StartPoint::Unset),
            "order_id" => crate::json::content::<D, _>(value, "value").map(StartPoint::OrderId),
            "date" => crate::json::content::<D, _>(value, "value").map(StartPoint::Date),
            other => Err(serde::de::Error::unknown_variant(other, &["unset", "order_id", "date"])),
        }
    }
}

/// What happens to an order a line of which has no product in Systim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingProductPolicy {
    /// The order waits, with the reason, until the product exists in Systim.
    Hold,
    /// The product is created in Systim first, then the order is imported.
    CreateInSystim,
    /// The order is imported without that line (the old connector's behaviour), flagged.
    ImportWithoutLine,
}

crate::read_unit_enum!(MissingProductPolicy { Hold = "hold", CreateInSystim = "create_in_systim", ImportWithoutLine = "import_without_line" });

/// What happens to an order whose total is lower than its lines and shipping because of a
/// discount on the whole order (a discount code, the customer's or their group's discount, a
/// value threshold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderDiscountPolicy {
    /// The discount is spread over the product lines' prices, so that the Systim order's total
    /// equals the shop's to the grosz (noted in the report).
    Spread,
    /// The order waits, to be entered by hand (the behaviour before spreading existed).
    Hold,
}

crate::read_unit_enum!(OrderDiscountPolicy { Spread = "spread", Hold = "hold" });

/// A Shoper id mapped to a Systim id (payment, delivery, currency).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct IdMapping {
    pub shop_id: u64,
    pub systim_id: u64,
}

/// Both fields required, read as serde's derive reads them (the fields in the object's order,
/// then a missing one), by the generic reader instead of a derived one.
impl<'de> Deserialize<'de> for IdMapping {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::json::{required, slot, Object};
        let (mut shop_id, mut systim_id) = (None, None);
        let object = Object::of(d)?;
        (|| {
            object.fields(&mut [("shop_id", &mut slot(&mut shop_id)), ("systim_id", &mut slot(&mut systim_id))])?;
            Ok(IdMapping { shop_id: required(shop_id, "shop_id")?, systim_id: required(systim_id, "systim_id")? })
        })()
        .map_err(|e: crate::json::Error| serde::de::Error::custom(e))
    }
}

/// Look a Shoper id up in a mapping, falling back to a default.
pub fn map_id(mapping: &[IdMapping], shop_id: Option<u64>, default: Option<u64>) -> Option<u64> {
    shop_id.and_then(|id| mapping.iter().find(|m| m.shop_id == id)).map(|m| m.systim_id).or(default)
}

/// Order import (Shoper → Systim).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(default)]
pub struct OrderSettings {
    pub enabled: bool,
    /// Where orders must come from to be imported (default: the storefront only).
    pub origins: Vec<Origin>,
    pub statuses: StatusFilter,
    pub start: StartPoint,
    pub missing_product: MissingProductPolicy,
    /// Orders with a discount on the whole order.
    pub order_discount: OrderDiscountPolicy,
    /// Buyers with a Polish NIP linked to the Systim contractor with that NIP (`id_kontrahenta`),
    /// a new NIP's contractor created once (`addCompany`). Off: the buyer's data only, unlinked
    /// (the behaviour before; `id_kontrahenta` on `addOrder` is documented, not yet live-checked).
    pub link_contractors: bool,
    /// Systim category for products created from orders when the shop's category name has no
    /// Systim counterpart.
    pub new_product_category_id: Option<u64>,
    /// Shoper `payment_id` → Systim `id_formy_platnosci`.
    pub payment_mapping: Vec<IdMapping>,
    pub default_payment_id: Option<u64>,
    /// Shoper `shipping_id` → Systim `id_dostawy`.
    pub delivery_mapping: Vec<IdMapping>,
    pub default_delivery_id: Option<u64>,
    /// Shoper `currency_id` → Systim `id_waluty` (0 = PLN). An unmapped currency holds the order.
    pub currency_mapping: Vec<IdMapping>,
    /// Systim service product that carries the shipping cost as an order line.
    pub shipping_product_id: Option<u64>,
    /// Systim order status given to imported orders (`id_statusu`); none = Systim's default.
    pub systim_status_id: Option<u64>,
    /// Days an order stays in the extension's import ledger once it is settled (imported or
    /// deliberately skipped); older entries are pruned, never what exactly-once still needs
    /// (`engine::prune`, docs/storage.md).
    pub ledger_days: u32,
}

crate::read_over_default!(OrderSettings {
    enabled,
    origins,
    statuses,
    start,
    missing_product,
    order_discount,
    link_contractors,
    new_product_category_id,
    payment_mapping,
    default_payment_id,
    delivery_mapping,
    default_delivery_id,
    currency_mapping,
    shipping_product_id,
    systim_status_id,
    ledger_days
});

impl Default for OrderSettings {
    fn default() -> Self {
        OrderSettings {
            enabled: true,
            origins: vec![Origin::Storefront],
            statuses: StatusFilter::AllExceptNotCompleted,
            start: StartPoint::Unset,
            missing_product: MissingProductPolicy::Hold,
            order_discount: OrderDiscountPolicy::Spread,
            link_contractors: true,
            new_product_category_id: None,
            payment_mapping: Vec::new(),
            default_payment_id: None,
            delivery_mapping: Vec::new(),
            default_delivery_id: None,
            // A fresh shop's default currency (id 1) is PLN, Systim's currency 0.
            currency_mapping: vec![IdMapping { shop_id: 1, systim_id: 0 }],
            shipping_product_id: None,
            systim_status_id: None,
            ledger_days: DEFAULT_LEDGER_DAYS,
        }
    }
}

/// Which Systim stores feed which Shoper warehouse.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(default)]
pub struct WarehouseLink {
    /// Systim store ids summed; empty = every store.
    pub systim_stores: Vec<u64>,
    /// Target Shoper warehouse; `None` = the whole stock of a shop without the warehouses module.
    pub shop_warehouse: Option<u64>,
}

crate::read_over_default!(WarehouseLink { systim_stores, shop_warehouse });

/// Stock push (Systim → Shoper).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(default)]
pub struct StockSettings {
    pub enabled: bool,
    pub warehouses: Vec<WarehouseLink>,
    /// Push 0 when Systim has nothing left. Off = the old rule (skip quantities below 1).
    pub push_zeros: bool,
    /// Largest share (percent) of matched products one run may set to 0 without confirmation.
    pub max_zero_share_percent: u8,
    /// The brake never trips for fewer zeroings than this (small shops).
    pub zero_brake_min_count: u32,
    /// Subtract quantities of imported orders Systim has not settled yet.
    pub reserve_open_orders: bool,
    /// The old rule: categories must have identical names on both sides.
    pub require_same_category: bool,
    /// The old rule: VAT rates must be identical on both sides.
    pub require_same_vat: bool,
}

crate::read_over_default!(StockSettings {
    enabled,
    warehouses,
    push_zeros,
    max_zero_share_percent,
    zero_brake_min_count,
    reserve_open_orders,
    require_same_category,
    require_same_vat
});

impl Default for StockSettings {
    fn default() -> Self {
        StockSettings {
            enabled: true,
            warehouses: vec![WarehouseLink::default()],
            push_zeros: true,
            max_zero_share_percent: 20,
            zero_brake_min_count: 5,
            reserve_open_orders: true,
            require_same_category: true,
            require_same_vat: true,
        }
    }
}

/// Products without a code in Systim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodelessPolicy {
    /// Create them in the shop with the code `SYSTIM-<id>`, recognised by later runs.
    CreateWithGeneratedCode,
    Skip,
}

crate::read_unit_enum!(CodelessPolicy { CreateWithGeneratedCode = "create_with_generated_code", Skip = "skip" });

/// A Systim category with no Shoper category of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryPolicy {
    /// Do not create the product; report the missing category.
    Report,
    /// Create the category (top level) in the shop, then the product.
    Create,
}

crate::read_unit_enum!(CategoryPolicy { Report = "report", Create = "create" });

/// Product push (Systim → Shoper).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(default)]
pub struct ProductSettings {
    /// Create missing products on every automatic run; off = only on demand ("Wyślij produkty").
    pub auto_create: bool,
    pub codeless: CodelessPolicy,
    pub missing_category: CategoryPolicy,
    /// New products are created hidden in the storefront.
    pub create_inactive: bool,
    /// Push products hidden in Systim too.
    pub include_hidden: bool,
    /// Locale for names of new products (`pl_PL`); none = the shop's default language.
    pub name_locale: Option<String>,
    /// The Shoper category (id) new products go to when Systim does not say theirs: the account
    /// lists no categories (`listCategories` unavailable). None = such products are not created.
    pub default_category_id: Option<u64>,
}

crate::read_over_default!(ProductSettings { auto_create, codeless, missing_category, create_inactive, include_hidden, name_locale, default_category_id });

impl Default for ProductSettings {
    fn default() -> Self {
        ProductSettings {
            auto_create: false,
            codeless: CodelessPolicy::CreateWithGeneratedCode,
            missing_category: CategoryPolicy::Report,
            create_inactive: false,
            include_hidden: false,
            name_locale: None,
            default_category_id: None,
        }
    }
}

/// A setting that cannot be used, named by its path (`orders.origins`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsError {
    pub field: String,
    pub message_pl: String,
    pub message_en: String,
}

impl SettingsError {
    /// The problem of `field`, worded by `key` in `_locales` (`$1`: the field, then `args`).
    fn new(field: &str, key: &str, args: &[&str]) -> Self {
        let mut all = vec![field];
        all.extend_from_slice(args);
        let (message_pl, message_en) = crate::texts::both_fill(key, &all);
        SettingsError { field: field.to_string(), message_pl, message_en }
    }
}

/// Put `stored`'s fields over `root` (at `pointer`) one by one, keeping each that leaves a valid
/// `Settings`; fields this version does not have are ignored.
fn overlay(root: &mut serde_json::Value, pointer: &str, stored: &serde_json::Value, dropped: &mut Vec<String>) {
    let serde_json::Value::Object(fields) = stored else { return };
    for (key, value) in fields {
        let here = format!("{pointer}/{key}");
        let Some(slot) = root.pointer_mut(&here) else { continue };
        let previous = std::mem::replace(slot, value.clone());
        if crate::json::from_value::<Settings>(root.clone()).is_ok() {
            continue;
        }
        if let Some(slot) = root.pointer_mut(&here) {
            *slot = previous.clone();
        }
        if previous.is_object() && value.is_object() {
            overlay(root, &here, value, dropped);
        } else {
            dropped.push(here.trim_start_matches('/').replace('/', "."));
        }
    }
}

/// Longest allowed interval: one day.
pub const MAX_INTERVAL_MINUTES: u32 = 24 * 60;

/// How long a settled order stays in the ledger by default, and the range allowed (days).
pub const DEFAULT_LEDGER_DAYS: u32 = 180;
pub const LEDGER_DAYS: std::ops::RangeInclusive<u32> = 30..=3650;

impl Settings {
    /// Read stored settings leniently: every field that still fits this version is kept, each
    /// one that does not (a value an older or newer version wrote, a wrong type) takes its
    /// default and is named in the returned list (`orders.missing_product`). One odd value never
    /// costs the merchant the rest of their settings.
    pub fn from_stored(stored: &serde_json::Value) -> (Settings, Vec<String>) {
        let mut merged = serde_json::to_value(Settings::default()).unwrap_or_default();
        let mut dropped = Vec::new();
        overlay(&mut merged, "", stored, &mut dropped);
        (crate::json::from_value(merged).unwrap_or_default(), dropped)
    }

    /// Every problem at once, so the form can mark all fields.
    pub fn validate(&self) -> Vec<SettingsError> {
        let mut errors = Vec::new();
        if !(1..=MAX_INTERVAL_MINUTES).contains(&self.interval_minutes) {
            errors.push(SettingsError::new("interval_minutes", "core_setting_interval_minutes", &[]));
        }
        self.orders.validate(&mut errors);
        self.stock.validate(&mut errors);
        self.products.validate(&mut errors);
        self.invoicing.validate(&mut errors);
        self.invoicing.validate_wz_store(&self.stock.warehouses, &mut errors);
        self.write_back.validate(&mut errors);
        errors
    }
}

impl OrderSettings {
    fn validate(&self, errors: &mut Vec<SettingsError>) {
        if self.enabled && self.origins.is_empty() {
            errors.push(SettingsError::new("orders.origins", "core_setting_orders_origins", &[]));
        }
        if matches!(&self.statuses, StatusFilter::Only(ids) if ids.is_empty()) {
            errors.push(SettingsError::new("orders.statuses", "core_setting_orders_statuses", &[]));
        }
        if let StartPoint::Date(day) = &self.start {
            if !is_iso_day(day) {
                errors.push(SettingsError::new("orders.start", "core_setting_orders_start", &[]));
            }
        }
        if !LEDGER_DAYS.contains(&self.ledger_days) {
            errors.push(SettingsError::new("orders.ledger_days", "core_setting_orders_ledger_days", &[]));
        }
        check_mapping(errors, "orders.payment_mapping", "core_setting_orders_payment_mapping", &self.payment_mapping);
        check_mapping(errors, "orders.delivery_mapping", "core_setting_orders_delivery_mapping", &self.delivery_mapping);
        check_mapping(errors, "orders.currency_mapping", "core_setting_orders_currency_mapping", &self.currency_mapping);
        let zero_ids = [
            ("orders.default_delivery_id", "core_setting_orders_default_delivery_id", self.default_delivery_id),
            ("orders.shipping_product_id", "core_setting_orders_shipping_product_id", self.shipping_product_id),
            ("orders.new_product_category_id", "core_setting_orders_new_product_category_id", self.new_product_category_id),
        ];
        for (field, key, id) in zero_ids {
            if id == Some(0) {
                errors.push(SettingsError::new(field, key, &[]));
            }
        }
    }
}

fn check_mapping(errors: &mut Vec<SettingsError>, field: &str, key: &str, mapping: &[IdMapping]) {
    let mut seen = std::collections::BTreeSet::new();
    for m in mapping {
        if !seen.insert(m.shop_id) {
            errors.push(SettingsError::new(field, key, &[&m.shop_id.to_string()]));
        }
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
pub(crate) fn is_iso_day(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| s[r].bytes().all(|c| c.is_ascii_digit());
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

impl StockSettings {
    fn validate(&self, errors: &mut Vec<SettingsError>) {
        if self.max_zero_share_percent > 100 {
            errors.push(SettingsError::new("stock.max_zero_share_percent", "core_setting_stock_max_zero_share_percent", &[]));
        }
        if self.enabled && self.warehouses.is_empty() {
            errors.push(SettingsError::new("stock.warehouses", "core_setting_stock_warehouses_none", &[]));
        }
        let targeted = self.warehouses.iter().filter(|l| l.shop_warehouse.is_some()).count();
        if targeted > 0 && targeted < self.warehouses.len() {
            errors.push(SettingsError::new("stock.warehouses", "core_setting_stock_warehouses_mixed", &[]));
        }
        // a few links at most: a list (no set type of its own in the wasm for optional ids)
        let mut targets: Vec<Option<u64>> = Vec::new();
        let mut stores = std::collections::BTreeSet::new();
        for link in &self.warehouses {
            if targets.contains(&link.shop_warehouse) {
                errors.push(SettingsError::new("stock.warehouses", "core_setting_stock_warehouses_target_twice", &[]));
            } else {
                targets.push(link.shop_warehouse);
            }
            if link.systim_stores.iter().any(|s| !stores.insert(*s)) || (link.systim_stores.is_empty() && self.warehouses.len() > 1) {
                errors.push(SettingsError::new("stock.warehouses", "core_setting_stock_warehouses_store_twice", &[]));
            }
        }
    }
}

impl ProductSettings {
    fn validate(&self, errors: &mut Vec<SettingsError>) {
        if let Some(locale) = &self.name_locale {
            if !is_locale(locale) {
                errors.push(SettingsError::new("products.name_locale", "core_setting_products_name_locale", &[]));
            }
        }
    }
}

/// `ll_CC`, as Shoper keys translations.
fn is_locale(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5 && b[2] == b'_' && b[..2].iter().all(u8::is_ascii_lowercase) && b[3..].iter().all(u8::is_ascii_uppercase)
}

#[cfg(test)]
mod stored_tests {
    use super::*;
    use serde_json::json;

    /// Settings stored before invoicing existed read with it switched off and nothing written
    /// back; the merchant's own values are kept.
    #[test]
    fn settings_stored_before_invoicing_read_with_it_off() {
        let mut old = serde_json::to_value(Settings { interval_minutes: 7, ..Settings::default() }).unwrap();
        let object = old.as_object_mut().unwrap();
        object.remove("invoicing");
        object.remove("write_back");
        let s: Settings = crate::json::from_value(old.clone()).unwrap();
        assert_eq!((s.interval_minutes, &s.invoicing, &s.write_back), (7, &InvoicingSettings::default(), &WriteBackSettings::default()));
        assert!(!s.invoicing.enabled);
        let (lenient, dropped) = Settings::from_stored(&old);
        assert_eq!((lenient, dropped.len()), (s, 0));
        // …and a partial group keeps what it has.
        let partial = json!({"invoicing": {"enabled": true, "trigger_statuses": [4]}, "write_back": {"numbers_in_notes": true}});
        let s: Settings = crate::json::from_value(partial).unwrap();
        assert!(s.invoicing.enabled && s.write_back.numbers_in_notes);
        assert_eq!((s.invoicing.trigger_statuses, s.invoicing.invoice_template_id), (vec![4], 43));
    }

    #[test]
    fn one_unknown_value_costs_only_its_own_field() {
        let stored = json!({
            "interval_minutes": 15,
            "orders": {"missing_product": "skip_line", "start": {"kind": "order_id", "value": 120}},
            "stock": {"enabled": false, "max_zero_share_percent": "dużo"},
            "removed_in_this_version": true,
        });
        let (s, dropped) = Settings::from_stored(&stored);
        assert_eq!(s.interval_minutes, 15);
        assert_eq!(s.orders.start, StartPoint::OrderId(120));
        assert!(!s.stock.enabled, "the merchant's choice survives");
        assert_eq!(s.orders.missing_product, MissingProductPolicy::Hold);
        assert_eq!(s.stock.max_zero_share_percent, StockSettings::default().max_zero_share_percent);
        assert_eq!(dropped, ["orders.missing_product", "stock.max_zero_share_percent"]);
        let (all, none) = Settings::from_stored(&serde_json::to_value(Settings::default()).unwrap());
        assert_eq!((all, none.len()), (Settings::default(), 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field the settings store is read back: each one (and each part of one) replaced by
    /// a value of no setting's type makes the settings unreadable. A field left out of its
    /// struct's `read_over_default!` list would be ignored instead, and fail here.
    #[test]
    fn every_stored_field_is_read() {
        fn paths(value: &serde_json::Value, here: String, out: &mut Vec<String>) {
            let children: Vec<(String, &serde_json::Value)> = match value {
                serde_json::Value::Object(m) => m.iter().map(|(k, v)| (format!("{here}/{k}"), v)).collect(),
                serde_json::Value::Array(a) => a.iter().enumerate().map(|(i, v)| (format!("{here}/{i}"), v)).collect(),
                _ => Vec::new(),
            };
            for (path, child) in children {
                out.push(path.clone());
                paths(child, path, out);
            }
        }
        let mut s = Settings::default();
        s.orders.statuses = StatusFilter::Only(vec![1]);
        s.orders.start = StartPoint::OrderId(5);
        s.orders.payment_mapping = vec![IdMapping { shop_id: 2, systim_id: 3 }];
        s.stock.warehouses = vec![WarehouseLink { systim_stores: vec![1], shop_warehouse: Some(2) }];
        s.invoicing.trigger_statuses = vec![3];
        s.write_back = WriteBackSettings { status_after_import: Some(2), status_after_invoice: Some(4), numbers_in_notes: true };
        let stored = serde_json::to_value(&s).unwrap();
        assert_eq!(crate::json::from_value::<Settings>(stored.clone()).unwrap(), s);
        let mut all = Vec::new();
        paths(&stored, String::new(), &mut all);
        assert!(all.len() > 40, "{all:?}");
        for path in all {
            let mut bad = stored.clone();
            *bad.pointer_mut(&path).unwrap() = serde_json::json!([[[]]]);
            assert!(crate::json::from_value::<Settings>(bad).is_err(), "{path} is not read");
        }
    }

    /// The hand-written readers accept and refuse what serde's adjacent tagging does.
    #[test]
    fn status_filter_and_start_point_read_as_adjacently_tagged_enums() {
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "snake_case", tag = "mode", content = "ids")]
        enum Filter {
            AllExceptNotCompleted,
            Only(Vec<u64>),
        }
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "snake_case", tag = "kind", content = "value")]
        enum Start {
            Unset,
            OrderId(u64),
            Date(String),
        }
        use serde_json::json;
        for v in [
            json!({"mode": "all_except_not_completed"}),
            json!({"mode": "all_except_not_completed", "ids": null}),
            json!({"mode": "all_except_not_completed", "ids": [1]}),
            json!({"mode": "only", "ids": [1, 2]}),
            json!({"ids": [3], "mode": "only"}),
            json!({"mode": "only"}),
            json!({"mode": "only", "ids": "1"}),
            json!({"mode": "some"}),
            json!({"mode": 1}),
            json!({"ids": [1]}),
            json!("only"),
            json!(null),
        ] {
            let ours = crate::json::from_value::<StatusFilter>(v.clone());
            let serde = serde_json::from_value::<Filter>(v.clone());
            assert_eq!(ours.is_ok(), serde.is_ok(), "{v}: {ours:?} {serde:?}");
            match (ours, serde) {
                (Ok(StatusFilter::AllExceptNotCompleted), Ok(Filter::AllExceptNotCompleted)) => {}
                (Ok(StatusFilter::Only(a)), Ok(Filter::Only(b))) => assert_eq!(a, b),
                (Err(_), Err(_)) => {}
                other => panic!("{v}: {other:?}"),
            }
            assert_eq!(serde_json::from_value::<StatusFilter>(v.clone()).is_ok(), serde_json::from_value::<Filter>(v.clone()).is_ok(), "{v}");
        }
        for v in [
            json!({"kind": "unset"}),
            json!({"kind": "order_id", "value": 120}),
            json!({"kind": "date", "value": "2024-05-01"}),
            json!({"value": "2024-05-01", "kind": "date", "other": 1}),
            json!({"kind": "date", "value": 5}),
            json!({"kind": "order_id"}),
            json!({"kind": "order_id", "value": -1}),
            json!({"kind": "later"}),
            json!([]),
        ] {
            let ours = crate::json::from_value::<StartPoint>(v.clone());
            let serde = serde_json::from_value::<Start>(v.clone());
            assert_eq!(ours.is_ok(), serde.is_ok(), "{v}: {ours:?} {serde:?}");
            match (ours, serde) {
                (Ok(StartPoint::Unset), Ok(Start::Unset)) | (Err(_), Err(_)) => {}
                (Ok(StartPoint::OrderId(a)), Ok(Start::OrderId(b))) => assert_eq!(a, b),
                (Ok(StartPoint::Date(a)), Ok(Start::Date(b))) => assert_eq!(a, b),
                other => panic!("{v}: {other:?}"),
            }
        }
        // What this version writes reads back.
        for f in [StatusFilter::AllExceptNotCompleted, StatusFilter::Only(vec![4])] {
            assert_eq!(crate::json::from_value::<StatusFilter>(serde_json::to_value(&f).unwrap()).unwrap(), f);
        }
        for p in [StartPoint::Unset, StartPoint::OrderId(9), StartPoint::Date("2024-01-02".into())] {
            assert_eq!(serde_json::from_str::<StartPoint>(&serde_json::to_string(&p).unwrap()).unwrap(), p);
        }
    }

    fn fields(s: &Settings) -> Vec<String> {
        s.validate().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn defaults_are_the_products_defaults_and_valid() {
        let s = Settings::default();
        assert!(s.validate().is_empty(), "{:?}", s.validate());
        assert_eq!(s.interval_minutes, 1);
        assert_eq!(s.orders.origins, vec![Origin::Storefront]);
        assert_eq!(s.orders.statuses, StatusFilter::AllExceptNotCompleted);
        assert_eq!(s.orders.missing_product, MissingProductPolicy::Hold);
        assert_eq!(s.orders.order_discount, OrderDiscountPolicy::Spread);
        assert!(s.stock.push_zeros && s.stock.reserve_open_orders);
        assert_eq!(s.stock.max_zero_share_percent, 20);
        assert!(!s.matching.normalize_codes);
        assert_eq!(s.products.codeless, CodelessPolicy::CreateWithGeneratedCode);
        assert_eq!(s.products.missing_category, CategoryPolicy::Report);
        assert_eq!(s.orders.ledger_days, 180);
    }

    #[test]
    fn settings_saved_by_an_older_version_still_load() {
        let old = r#"{"auto_sync":true,"orders":{"origins":["storefront","admin_panel"]},"unknown_later_field":1}"#;
        let s: Settings = serde_json::from_str(old).unwrap();
        assert!(s.auto_sync);
        assert_eq!(s.orders.origins, vec![Origin::Storefront, Origin::AdminPanel]);
        assert_eq!(s.orders.missing_product, MissingProductPolicy::Hold);
        assert_eq!(s.stock, StockSettings::default());
        let empty: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Settings::default());
    }

    #[test]
    fn settings_round_trip_through_json() {
        let mut s = Settings::default();
        s.orders.start = StartPoint::Date("2024-05-01".into());
        s.orders.statuses = StatusFilter::Only(vec![1, 2]);
        s.orders.origins.push(Origin::Other(42));
        s.stock.warehouses = vec![WarehouseLink { systim_stores: vec![1, 2], shop_warehouse: Some(7) }];
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""start":{"kind":"date","value":"2024-05-01"}"#), "{json}");
        assert!(json.contains(r#""statuses":{"mode":"only","ids":[1,2]}"#), "{json}");
        assert_eq!(serde_json::from_str::<Settings>(&json).unwrap(), s);
    }

    #[test]
    fn each_invalid_field_is_named_with_a_polish_message() {
        type Edit = fn(&mut Settings);
        let cases: [(Edit, &str); 14] = [
            (|s| s.interval_minutes = 0, "interval_minutes"),
            (|s| s.interval_minutes = 1441, "interval_minutes"),
            (|s| s.orders.origins.clear(), "orders.origins"),
            (|s| s.orders.statuses = StatusFilter::Only(vec![]), "orders.statuses"),
            (|s| s.orders.start = StartPoint::Date("01.05.2024".into()), "orders.start"),
            (|s| s.orders.start = StartPoint::Date("2024-13-01".into()), "orders.start"),
            (|s| s.orders.payment_mapping = vec![IdMapping { shop_id: 1, systim_id: 2 }, IdMapping { shop_id: 1, systim_id: 3 }], "orders.payment_mapping"),
            (|s| s.orders.shipping_product_id = Some(0), "orders.shipping_product_id"),
            (|s| s.stock.max_zero_share_percent = 101, "stock.max_zero_share_percent"),
            (|s| s.stock.warehouses.clear(), "stock.warehouses"),
            (
                |s| {
                    s.stock.warehouses = vec![
                        WarehouseLink { systim_stores: vec![1], shop_warehouse: Some(1) },
                        WarehouseLink { systim_stores: vec![1], shop_warehouse: Some(2) },
                    ]
                },
                "stock.warehouses",
            ),
            (|s| s.products.name_locale = Some("polski".into()), "products.name_locale"),
            (|s| s.orders.ledger_days = 29, "orders.ledger_days"),
            (|s| s.orders.ledger_days = 3651, "orders.ledger_days"),
        ];
        for (edit, field) in cases {
            let mut s = Settings::default();
            edit(&mut s);
            let errors = s.validate();
            assert_eq!(fields(&s), vec![field.to_string()], "{errors:?}");
            assert!(errors[0].message_pl.contains(field) && !errors[0].message_pl.is_empty());
        }
    }

    #[test]
    fn whole_stock_and_specific_warehouses_do_not_mix() {
        let mut s = Settings::default();
        s.stock.warehouses = vec![WarehouseLink::default(), WarehouseLink { systim_stores: vec![2], shop_warehouse: Some(3) }];
        assert!(fields(&s).iter().all(|f| f == "stock.warehouses") && !fields(&s).is_empty());
    }

    #[test]
    fn a_shop_warehouse_is_targeted_once() {
        let link = |store, target| WarehouseLink { systim_stores: vec![store], shop_warehouse: target };
        let twice = |s: &Settings| s.validate().iter().filter(|e| e.message_en.ends_with("the same Shoper warehouse is targeted twice")).count();
        let mut s = Settings::default();
        s.stock.warehouses = vec![link(1, Some(3)), link(2, Some(4))];
        assert_eq!(twice(&s), 0);
        s.stock.warehouses = vec![link(1, Some(3)), link(2, Some(4)), link(5, Some(3))];
        assert_eq!(twice(&s), 1);
        s.stock.warehouses = vec![link(1, Some(3)), link(2, Some(3)), link(5, Some(3))];
        assert_eq!(twice(&s), 2);
    }

    /// The hand-written reader reads what serde's derive reads, with its messages.
    #[test]
    fn an_id_mapping_reads_as_the_derive_reads_it() {
        #[derive(Debug, Deserialize)]
        struct Derived {
            shop_id: u64,
            systim_id: u64,
        }
        use serde_json::json;
        for input in [
            json!({"shop_id": 1, "systim_id": 0, "x": 1}),
            json!({"shop_id": 1}),
            json!({"systim_id": 1}),
            json!({"shop_id": "1", "systim_id": -1}),
            json!({"systim_id": -1}),
            json!({}),
            json!([1, 2]),
        ] {
            let ours = crate::json::from_value::<IdMapping>(input.clone());
            let derived = crate::json::from_value::<Derived>(input.clone());
            match (ours, derived) {
                (Ok(a), Ok(b)) => assert_eq!((a.shop_id, a.systim_id), (b.shop_id, b.systim_id), "{input}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string().replace("struct Derived", "a map"), "{input}"),
                (a, b) => panic!("{input}: ours {a:?}, derive {b:?}"),
            }
        }
    }

    /// Every variant of the hand-read enums reads back as it is written.
    #[test]
    fn policies_read_back_as_written() {
        fn back<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(all: &[T]) {
            for v in all {
                assert_eq!(&crate::json::from_value::<T>(serde_json::to_value(v).unwrap()).unwrap(), v);
            }
        }
        back(&[MissingProductPolicy::Hold, MissingProductPolicy::CreateInSystim, MissingProductPolicy::ImportWithoutLine]);
        back(&[OrderDiscountPolicy::Spread, OrderDiscountPolicy::Hold]);
        back(&[CodelessPolicy::CreateWithGeneratedCode, CodelessPolicy::Skip]);
        back(&[CategoryPolicy::Report, CategoryPolicy::Create]);
    }

    #[test]
    fn ids_map_with_a_default() {
        let m = [IdMapping { shop_id: 5, systim_id: 50 }];
        assert_eq!(map_id(&m, Some(5), Some(1)), Some(50));
        assert_eq!(map_id(&m, Some(6), Some(1)), Some(1));
        assert_eq!(map_id(&m, None, None), None);
    }
}
