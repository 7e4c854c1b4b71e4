//! What a run tells the merchant: a summary for the history and a report with the problems
//! grouped by reason, each group with what to do. Plain data, in both languages, ready to render
//! (see `docs/messages.md`, shapes `RunSummary`, `Report`, `Section`, `ProblemGroup`).

use super::store::{load, save, StateError};
use crate::io::Storage;
use crate::plan::{Finding, ReasonCode, Severity};
use serde::{Deserialize, Serialize};

/// Which sync a run performs. The seed's buttons are combinations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// "Synchronizuj zamówienia".
    Orders,
    Stock,
    Products,
    /// "Wyślij stany": stock + orders.
    SendStock,
    /// "Wyślij produkty": products + stock + orders.
    SendProducts,
    /// The automatic run: orders + stock.
    Auto,
}

crate::read_unit_enum!(RunKind { Orders = "orders", Stock = "stock", Products = "products", SendStock = "send_stock", SendProducts = "send_products", Auto = "auto" });

/// The parts of a run, in the order they execute: orders first (so the stock push already
/// reserves what they sold), then products, then stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Orders,
    Products,
    Stock,
    /// The sales documents of the orders (after the order part, when invoicing is on).
    Invoices,
}

crate::read_unit_enum!(Part { Orders = "orders", Products = "products", Stock = "stock", Invoices = "invoices" });

impl RunKind {
    pub fn parts(self) -> &'static [Part] {
        match self {
            RunKind::Orders => &[Part::Orders],
            RunKind::Stock => &[Part::Stock],
            RunKind::Products => &[Part::Products],
            RunKind::SendStock | RunKind::Auto => &[Part::Orders, Part::Stock],
            RunKind::SendProducts => &[Part::Orders, Part::Products, Part::Stock],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything considered was handled or deliberately left alone.
    Ok,
    /// Done, but some items are held or failed and need the merchant.
    Partial,
    /// The run stopped on an error (nothing is lost: the next run continues).
    Failed,
    Cancelled,
    /// The mass-zero brake stopped the stock push: confirmation needed.
    Refused,
}

crate::read_unit_enum!(Outcome { Ok = "ok", Partial = "partial", Failed = "failed", Cancelled = "cancelled", Refused = "refused" });

/// A line of a report: which item, what happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(rename = "ref")]
    pub reference: String,
    pub detail_pl: String,
    pub detail_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemGroup {
    pub reason: String,
    pub severity: Severity,
    pub title_pl: String,
    pub title_en: String,
    pub advice_pl: String,
    pub advice_en: String,
    pub items: Vec<Entry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionCounts {
    pub considered: u32,
    pub done: u32,
    pub skipped: u32,
    pub failed: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub kind: Part,
    pub counts: SectionCounts,
    pub done: Vec<Entry>,
    pub problems: Vec<ProblemGroup>,
    /// Remarks that need nothing (matched after normalisation, rounding…), grouped like problems.
    #[serde(default)]
    pub notes: Vec<ProblemGroup>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorView {
    pub code: String,
    pub message_pl: String,
    pub message_en: String,
}

/// Read by hand as serde's derive reads it (every field required): see the `Deserialize` impl.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub run_id: String,
    pub kind: RunKind,
    pub dry_run: bool,
    pub started_ms: u64,
    pub finished_ms: u64,
    pub outcome: Outcome,
    #[serde(rename = "headline_pl")]
    pub headline_pl: String,
    #[serde(rename = "headline_en")]
    pub headline_en: String,
    /// Items needing the merchant (held orders, failed writes, warnings).
    pub problems: u32,
}

/// One generic reader (`json::Object::fields`) instead of a derived one in the wasm: the fields
/// in the object's order, the first of the wrong type being the error, then a missing one in the
/// order of the struct — as the derive does.
impl<'de> Deserialize<'de> for RunSummary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::json::{required, slot, Object};
        let (mut run_id, mut kind, mut dry_run, mut started_ms, mut finished_ms) = (None, None, None, None, None);
        let (mut outcome, mut headline_pl, mut headline_en, mut problems) = (None, None, None, None);
        let object = Object::of(d)?;
        (|| {
            object.fields(&mut [
                ("runId", &mut slot(&mut run_id)),
                ("kind", &mut slot(&mut kind)),
                ("dryRun", &mut slot(&mut dry_run)),
                ("startedMs", &mut slot(&mut started_ms)),
                ("finishedMs", &mut slot(&mut finished_ms)),
                ("outcome", &mut slot(&mut outcome)),
                ("headline_pl", &mut slot(&mut headline_pl)),
                ("headline_en", &mut slot(&mut headline_en)),
                ("problems", &mut slot(&mut problems)),
            ])?;
            Ok(RunSummary {
                run_id: required(run_id, "runId")?,
                kind: required(kind, "kind")?,
                dry_run: required(dry_run, "dryRun")?,
                started_ms: required(started_ms, "startedMs")?,
                finished_ms: required(finished_ms, "finishedMs")?,
                outcome: required(outcome, "outcome")?,
                headline_pl: required(headline_pl, "headline_pl")?,
                headline_en: required(headline_en, "headline_en")?,
                problems: required(problems, "problems")?,
            })
        })()
        .map_err(|e: crate::json::Error| serde::de::Error::custom(e))
    }
}

/// The summary's fields and `error`, `sections` side by side in one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    #[serde(flatten)]
    pub summary: RunSummary,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<ErrorView>,
    pub sections: Vec<Section>,
}

/// Read as `#[serde(flatten)]` reads it, but by splitting the object: serde's flattening buffers
/// through its `Content` deserialiser, whose code is a large share of the wasm.
impl<'de> Deserialize<'de> for Report {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Report, D::Error> {
        use serde::de::Error as _;
        #[derive(Deserialize)]
        struct Rest {
            #[serde(default)]
            error: Option<ErrorView>,
            sections: Vec<Section>,
        }
        let mut summary = serde_json::Map::deserialize(d)?;
        let mut rest = serde_json::Map::new();
        // Inserted one by one: a `collect` into the map would bring a sort of its own.
        for key in ["error", "sections"] {
            if let Some(v) = summary.remove(key) {
                rest.insert(key.to_string(), v);
            }
        }
        let summary: RunSummary = crate::json::from_value(serde_json::Value::Object(summary)).map_err(D::Error::custom)?;
        let Rest { error, sections } = crate::json::from_value(serde_json::Value::Object(rest)).map_err(D::Error::custom)?;
        Ok(Report { summary, error, sections })
    }
}

/// What to do about a reason: its key in `_locales` ([`crate::texts`]).
fn advice_key(reason: ReasonCode) -> &'static str {
    use ReasonCode::*;
    match reason {
        BlankCode => "core_advice_blank_code",
        NotInSystim => "core_advice_not_in_systim",
        NearMiss => "core_advice_near_miss",
        AmbiguousCode => "core_advice_ambiguous_code",
        ShopPriceNotPositive | SystimPriceNotPositive => "core_advice_shop_price_not_positive",
        CategoryDiffers => "core_advice_category_differs",
        CategoryUnverifiable => "core_advice_category_unverifiable",
        VatDiffers => "core_advice_vat_differs",
        QuantityUnreadable => "core_advice_quantity_unreadable",
        NegativeSystimStock => "core_advice_negative_systim_stock",
        WarehouseMappingInvalid | WarehousesModuleOn | WarehousesModuleOff | UnknownWarehouse => "core_advice_warehouse_mapping_invalid",
        MassZeroBrake => "core_advice_mass_zero_brake",
        StatusUnknown | OrderDateUnreadable => "core_advice_status_unknown",
        NoLines | LineQuantityInvalid => "core_advice_no_lines",
        VatUnknown | VatMissingInSystim => "core_advice_vat_unknown",
        InvalidNip => "core_advice_invalid_nip",
        AddressIncomplete => "core_advice_address_incomplete",
        DeliveryNotMapped => "core_advice_delivery_not_mapped",
        CurrencyNotMapped => "core_advice_currency_not_mapped",
        ShippingProductNotSet | ShippingProductNotFound => "core_advice_shipping_product_not_set",
        TotalsMismatch => "core_advice_totals_mismatch",
        OrderDiscountHeld => "core_advice_order_discount_held",
        OrderDiscountUnspreadable => "core_advice_order_discount_unspreadable",
        SystimCategoryNotSet => "core_advice_systim_category_not_set",
        LineDropped => "core_advice_line_dropped",
        SystimCategoryMissing => "core_advice_systim_category_missing",
        SystimCategoriesUnknown => "core_advice_systim_categories_unknown",
        CategoryMissingInShop | CategoryAmbiguousInShop => "core_advice_category_missing_in_shop",
        VatMissingInShop => "core_advice_vat_missing_in_shop",
        UnitMissingInShop => "core_advice_unit_missing_in_shop",
        ContractorAmbiguous => "core_advice_contractor_ambiguous",
        InvoiceLinesDropped => "core_advice_invoice_lines_dropped",
        InvoiceTotalsMismatch => "core_advice_totals_mismatch",
        InvoicePaymentFormUnknown => "core_advice_invoice_payment_form_unknown",
        InvoiceVatRateUnknown => "core_advice_vat_unknown",
        InvoiceContractorMissing => "core_advice_invoice_contractor_missing",
        InvoiceCurrencyNotPln => "core_advice_invoice_currency_not_pln",
        InvoiceMonthClosed => "core_advice_invoice_month_closed",
        InvoicePlanLimit => "core_advice_invoice_plan_limit",
        InvoiceAccountingFailed => "core_advice_invoice_accounting_failed",
        InvoiceRefused => "core_advice_invoice_refused",
        _ => "core_advice_nothing",
    }
}

/// What to do about a reason, in both languages.
pub fn advice(reason: ReasonCode) -> (String, String) {
    crate::texts::both(advice_key(reason))
}

/// Group findings by reason, in reason order, ready to render.
pub fn group(findings: &[Finding]) -> Vec<ProblemGroup> {
    // the reasons through the counting map type the plans use (no map of entry lists of its own
    // in the wasm), then each reason's findings in their order
    let mut reasons = crate::plan::ReasonCounts::default();
    for f in findings {
        reasons.add(f.reason, 0);
    }
    reasons.keys().map(|reason| group_of(reason, findings.iter().filter(|f| f.reason == reason).map(entry_of).collect())).collect()
}

pub fn group_of(reason: ReasonCode, items: Vec<Entry>) -> ProblemGroup {
    let (advice_pl, advice_en) = advice(reason);
    ProblemGroup {
        reason: reason.code().to_string(),
        severity: reason.severity(),
        title_pl: reason.message_pl().to_string(),
        title_en: reason.message_en().to_string(),
        advice_pl,
        advice_en,
        items,
    }
}

/// A group for an engine-level problem whose title and advice are in `_locales` as
/// `core_group_<reason>` and `core_group_<reason>_advice`.
pub fn keyed_group(reason: &str, items: Vec<Entry>) -> ProblemGroup {
    keyed_group_as(reason, reason, items)
}

/// [`keyed_group`] with the texts of `core_group_<texts>`.
pub fn keyed_group_as(reason: &str, texts: &str, items: Vec<Entry>) -> ProblemGroup {
    let key = format!("core_group_{texts}");
    let (title_pl, title_en) = crate::texts::both_fill(&key, &[]);
    let (advice_pl, advice_en) = crate::texts::both_fill(&format!("{key}_advice"), &[]);
    ProblemGroup { reason: reason.to_string(), severity: Severity::Warning, title_pl, title_en, advice_pl, advice_en, items }
}

fn entry_of(f: &Finding) -> Entry {
    let reference = if let Some(id) = f.order_id {
        format!("Zamówienie {id}")
    } else if let Some(code) = f.codes.first() {
        code.clone()
    } else if let Some(id) = f.systim_id {
        format!("Systim #{id}")
    } else {
        String::new()
    };
    Entry { reference, detail_pl: f.text_pl(), detail_en: f.text_en() }
}

/// A Polish counted noun: `1 pozycja`, `2 pozycje`, `5 pozycji`, `22 pozycje`, `12 pozycji`.
pub fn pl_count(n: usize, one: &str, few: &str, many: &str) -> String {
    let word = match (n % 10, n % 100) {
        _ if n == 1 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    };
    format!("{n} {word}")
}

pub fn entry(reference: impl Into<String>, pl: impl Into<String>, en: impl Into<String>) -> Entry {
    Entry { reference: reference.into(), detail_pl: pl.into(), detail_en: en.into() }
}

pub const HISTORY_KEY: &str = "history";
/// How many runs the history keeps (older reports are deleted).
pub const HISTORY_LIMIT: usize = 30;

pub fn report_key(run_id: &str) -> String {
    format!("report:{run_id}")
}

/// Add a report to the bounded history.
pub async fn record<S: Storage>(store: &S, report: &Report) -> Result<(), StateError> {
    save(store, &report_key(&report.summary.run_id), report).await?;
    let mut history: Vec<RunSummary> = load(store, HISTORY_KEY).await.unwrap_or(None).unwrap_or_default();
    history.insert(0, report.summary.clone());
    for old in history.split_off(HISTORY_LIMIT.min(history.len())) {
        store.remove(&report_key(&old.run_id)).await?;
    }
    save(store, HISTORY_KEY, &history).await
}

pub async fn history<S: Storage>(store: &S) -> Vec<RunSummary> {
    load(store, HISTORY_KEY).await.unwrap_or(None).unwrap_or_default()
}

/// A report by id, or the latest.
pub async fn find<S: Storage>(store: &S, run_id: Option<&str>) -> Option<Report> {
    let id = match run_id {
        Some(id) => id.to_string(),
        None => history(store).await.first()?.run_id.clone(),
    };
    load(store, &report_key(&id)).await.unwrap_or(None)
}

/// A report by id, or the latest, as stored — for the pages (`getReport`), which only show it.
/// The summary must read as a [`RunSummary`] and the sections be a list, else there is no report;
/// the sections are not read into their types only to be written out again (their readers would
/// cost ~7 KB of the gzipped wasm).
pub async fn find_json<S: Storage>(store: &S, run_id: Option<&str>) -> Option<serde_json::Value> {
    let id = match run_id {
        Some(id) => id.to_string(),
        None => history(store).await.first()?.run_id.clone(),
    };
    let report: serde_json::Value = load(store, &report_key(&id)).await.ok()??;
    let object = report.as_object()?;
    object.get("sections")?.as_array()?;
    let mut summary = serde_json::Map::new();
    for (k, v) in object.iter().filter(|(k, _)| !matches!(k.as_str(), "sections" | "error")) {
        summary.insert(k.clone(), v.clone());
    }
    crate::json::from_value::<RunSummary>(serde_json::Value::Object(summary)).ok()?;
    Some(report)
}

#[cfg(test)]
mod tests {
    /// The hand-written reader reads what serde's derive reads, with its messages.
    #[test]
    fn a_summary_reads_as_the_derive_reads_it() {
        use super::*;
        use serde_json::json;
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        struct Derived {
            run_id: String,
            kind: RunKind,
            dry_run: bool,
            started_ms: u64,
            finished_ms: u64,
            outcome: Outcome,
            #[serde(rename = "headline_pl")]
            headline_pl: String,
            #[serde(rename = "headline_en")]
            headline_en: String,
            problems: u32,
        }
        let good = json!({"runId": "r", "kind": "orders", "dryRun": false, "startedMs": 1, "finishedMs": 2, "outcome": "failed", "headline_pl": "a", "headline_en": "b", "problems": 3, "other": 1});
        let mut inputs = vec![good.clone(), json!({}), json!([]), json!(null)];
        for key in good.as_object().unwrap().keys() {
            for (value, also) in [
                (None, None),
                (Some(json!({"x": []})), None),
                (Some(json!(-1)), Some(("problems", json!("x")))),
                (Some(json!(1)), Some(("runId", json!(null)))),
            ] {
                let mut v = good.clone();
                match value {
                    Some(value) => v[key] = value,
                    None => drop(v.as_object_mut().unwrap().remove(key)),
                }
                if let Some((other, bad)) = also {
                    v[other] = bad;
                }
                inputs.push(v);
            }
        }
        for input in inputs {
            let ours = crate::json::from_value::<RunSummary>(input.clone());
            let derived = crate::json::from_value::<Derived>(input.clone());
            match (ours, derived) {
                (Ok(a), Ok(b)) => assert_eq!(
                    (a.run_id, a.kind, a.dry_run, a.started_ms, a.finished_ms, a.outcome, a.headline_pl, a.headline_en, a.problems),
                    (b.run_id, b.kind, b.dry_run, b.started_ms, b.finished_ms, b.outcome, b.headline_pl, b.headline_en, b.problems),
                    "{input}"
                ),
                // The same message, but for a value that is no object: the derive names its struct.
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string().replace("struct Derived", "a map"), "{input}"),
                (a, b) => panic!("{input}: ours {a:?}, derive {b:?}"),
            }
        }
    }

    /// Every variant of the hand-read enums reads back as it is written.
    #[test]
    fn kinds_parts_and_outcomes_read_back_as_written() {
        use super::*;
        fn back<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(all: &[T]) {
            for v in all {
                assert_eq!(&crate::json::from_value::<T>(serde_json::to_value(v).unwrap()).unwrap(), v);
            }
        }
        back(&[RunKind::Orders, RunKind::Stock, RunKind::Products, RunKind::SendStock, RunKind::SendProducts, RunKind::Auto]);
        back(&[Part::Orders, Part::Products, Part::Stock, Part::Invoices]);
        back(&[Outcome::Ok, Outcome::Partial, Outcome::Failed, Outcome::Cancelled, Outcome::Refused]);
    }

    #[test]
    fn findings_are_grouped_in_reason_order_each_in_the_order_found() {
        use crate::plan::{Finding, ReasonCode};
        let (first, second) = (ReasonCode::ALL[0], ReasonCode::ALL[1]);
        let findings = [Finding::new(second).code("B1"), Finding::new(first).code("A1"), Finding::new(second).code("B2")];
        let groups = super::group(&findings);
        let shown: Vec<(&str, Vec<&str>)> = groups.iter().map(|g| (g.reason.as_str(), g.items.iter().map(|e| e.reference.as_str()).collect())).collect();
        assert_eq!(shown, [(first.code(), vec!["A1"]), (second.code(), vec!["B1", "B2"])]);
    }

    #[test]
    fn polish_counted_nouns() {
        let c = |n| super::pl_count(n, "pozycja", "pozycje", "pozycji");
        assert_eq!(
            [c(1), c(2), c(4), c(5), c(12), c(22), c(25), c(0)],
            ["1 pozycja", "2 pozycje", "4 pozycje", "5 pozycji", "12 pozycji", "22 pozycje", "25 pozycji", "0 pozycji"]
        );
    }

    #[test]
    fn the_pages_get_the_report_as_recorded() {
        use super::*;
        use crate::mem::MemStorage;
        use pollster::block_on;
        let store = MemStorage::new();
        let summary = RunSummary {
            run_id: "r2".into(),
            kind: RunKind::Orders,
            dry_run: false,
            started_ms: 1,
            finished_ms: 2,
            outcome: Outcome::Failed,
            headline_pl: "Błąd.".into(),
            headline_en: "Failed.".into(),
            problems: 1,
        };
        let entry = Entry { reference: "zamówienie 7".into(), detail_pl: "p".into(), detail_en: "e".into() };
        let group = ProblemGroup {
            reason: "r".into(),
            severity: Severity::Warning,
            title_pl: "t".into(),
            title_en: "t".into(),
            advice_pl: "a".into(),
            advice_en: "a".into(),
            items: vec![entry.clone()],
        };
        let section = Section {
            kind: Part::Orders,
            counts: SectionCounts { considered: 2, done: 1, skipped: 1, failed: 0 },
            done: vec![entry],
            problems: vec![group.clone()],
            notes: vec![group],
        };
        let report = Report { summary, error: Some(ErrorView { code: "c".into(), message_pl: "p".into(), message_en: "e".into() }), sections: vec![section] };
        block_on(async {
            record(&store, &report).await.unwrap();
            let typed = serde_json::to_value(find(&store, None).await.unwrap()).unwrap();
            assert_eq!(find_json(&store, None).await.unwrap(), typed);
            assert_eq!(find_json(&store, Some("r2")).await.unwrap(), typed);
            assert_eq!(find_json(&store, Some("other")).await, None);
            for bad in ["{not json", "[]", r#"{"sections":[]}"#, r#"{"runId":"r2","sections":{}}"#] {
                crate::io::Storage::set(&store, &report_key("r2"), bad).await.unwrap();
                assert_eq!(find_json(&store, None).await, None, "{bad}");
            }
        });
    }

    #[test]
    fn a_report_reads_back_as_written_with_the_summary_flattened() {
        use super::*;
        let summary = RunSummary {
            run_id: "r1".into(),
            kind: RunKind::Stock,
            dry_run: true,
            started_ms: 1,
            finished_ms: 2,
            outcome: Outcome::Partial,
            headline_pl: "pl".into(),
            headline_en: "en".into(),
            problems: 3,
        };
        let section = Section { kind: Part::Stock, counts: SectionCounts::default(), done: Vec::new(), problems: Vec::new(), notes: Vec::new() };
        for error in [None, Some(ErrorView { code: "c".into(), message_pl: "p".into(), message_en: "e".into() })] {
            let report = Report { summary: summary.clone(), error, sections: vec![section.clone()] };
            let json = serde_json::to_value(&report).unwrap();
            assert_eq!(json["runId"], "r1");
            assert_eq!(json["headline_pl"], "pl");
            assert_eq!(serde_json::from_value::<Report>(json.clone()).unwrap(), report);
            assert_eq!(serde_json::from_str::<Report>(&json.to_string()).unwrap(), report);
        }
        let mut json = serde_json::to_value(Report { summary, error: None, sections: vec![] }).unwrap();
        json["error"] = serde_json::Value::Null;
        json["unknown"] = serde_json::json!(1);
        assert!(serde_json::from_value::<Report>(json.clone()).unwrap().error.is_none());
        json.as_object_mut().unwrap().remove("sections");
        assert!(serde_json::from_value::<Report>(json.clone()).is_err(), "sections are required");
        assert!(serde_json::from_value::<Report>(serde_json::json!([])).is_err());
    }
}
