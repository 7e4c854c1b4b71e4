//! The product part: Systim products missing in the shop are created there. Each creation is
//! guarded by a fresh look-up of its code in the shop, so a run cut off after a `POST` (or a
//! second browser) never creates a product twice.

use super::report::{custom_group, entry, group, Entry, Part, Section, SectionCounts};
use super::run::{ends_shop_writes, add_decode_problems, Failure, PartResult};
use super::session::{Session, ShopRead, SystimRead};
use super::stock::split_findings;
use super::{Engine, Phase, Progress};
use crate::client::error::ApiError;
use crate::io::{Clock, Http, Storage};
use crate::matching::Matching;
use crate::plan::products::{plan_products, CategoryRef, ProductCreation, ProductPlan};
use crate::settings::Settings;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn creation_body(c: &ProductCreation, category_id: u64, locale: &str) -> Value {
    let mut stock = Map::new();
    stock.insert("price".into(), Value::String(c.price.to_wire()));
    if let Some(q) = c.stock {
        stock.insert("stock".into(), Value::String(q.to_wire()));
    }
    let mut body = json!({
        "category_id": category_id,
        "categories": [category_id],
        "code": c.code.as_str(),
        "ean": c.ean,
        "pkwiu": "",
        "tax_id": c.tax_id,
        "stock": Value::Object(stock),
        "translations": { locale: { "name": c.name, "active": if c.active { 1 } else { 0 } } },
    });
    if let Some(unit) = c.unit_id {
        body["unit_id"] = json!(unit);
    }
    body
}

enum Created {
    New,
    AlreadyThere,
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    pub(super) async fn products_part(
        &self,
        session: &mut Session<'_, H, C>,
        settings: &Settings,
        shop: &ShopRead,
        systim: &SystimRead,
        dry_run: bool,
        progress: &mut Progress,
    ) -> Result<PartResult, (Section, Failure)> {
        let mut section = Section { kind: Part::Products, counts: SectionCounts::default(), done: Vec::new(), problems: Vec::new(), notes: Vec::new() };
        let read_problems: Vec<_> = shop.problems.iter().chain(&systim.problems).cloned().collect();
        add_decode_problems(&mut section, &read_problems);
        self.progress_to(progress, Phase::Planning, 0, 0).await;
        // A new product's first stock is written in its creation: it must already leave out what
        // imported orders reserve, or the shop would offer those units again.
        let inputs = match self.quantity_inputs(session, shop, systim, settings, dry_run).await {
            Ok(i) => i,
            Err(e) => return Err((section, e)),
        };
        let matching = Matching::new(&shop.snapshot, &systim.snapshot, settings.matching.normalize_codes);
        let plan = plan_products(&matching, settings, &inputs);
        describe(&plan, &mut section);
        if dry_run {
            section.counts.done = plan.creations.len() as u32;
            section.done = plan.creations.iter().map(|c| creation_entry(c, true)).collect();
            return Ok(PartResult { section, refused: false });
        }
        let mut categories: BTreeMap<String, u64> = BTreeMap::new();
        for name in &plan.categories_to_create {
            let body = json!({"root": 1, "translations": { plan.name_locale.as_str(): { "name": name, "active": 1 } }});
            match session.shoper.post("categories", &body).await {
                Ok(v) => {
                    if let Some(id) = id_of(&v) {
                        categories.insert(name.clone(), id);
                    }
                }
                Err(e) => section.problems.push(failure_group(vec![entry(name.clone(), e.message_pl(), e.message_en())])),
            }
        }
        let total = plan.creations.len() as u32;
        self.progress_to(progress, Phase::CreatingProducts, 0, total).await;
        let mut failed = Vec::new();
        for (n, c) in plan.creations.iter().enumerate() {
            if self.cancel.get() {
                break;
            }
            let category_id = match &c.category {
                CategoryRef::Existing { id } => Some(*id),
                CategoryRef::New { name } => categories.get(name).copied(),
            };
            let Some(category_id) = category_id else {
                failed.push(entry(c.code.as_str(), "nie utworzono kategorii produktu", "the product's category was not created"));
                continue;
            };
            match self.create_one(session, c, category_id, &plan.name_locale).await {
                Ok(Created::New) => section.done.push(creation_entry(c, false)),
                Ok(Created::AlreadyThere) => section.notes.push(custom_group(
                    "already_in_shop",
                    ("Produkt już jest w sklepie — nie utworzono go drugi raz", "The product is already in the shop — not created twice"),
                    ("Nic nie trzeba robić.", "Nothing to do."),
                    vec![entry(c.code.as_str(), "utworzony wcześniej (np. przez przerwaną synchronizację)", "created earlier (e.g. by an interrupted run)")],
                )),
                Err(e) if ends_shop_writes(&e) => {
                    failed.push(entry(c.code.as_str(), e.message_pl(), e.message_en()));
                    section.problems.push(failure_group(failed));
                    section.counts.failed = section.problems.iter().filter(|g| g.reason == "product_create_failed").map(|g| g.items.len() as u32).sum();
                    return Err((section, Failure::Api(e)));
                }
                Err(e) => failed.push(entry(c.code.as_str(), e.message_pl(), e.message_en())),
            }
            self.progress_to(progress, Phase::CreatingProducts, n as u32 + 1, total).await;
        }
        section.counts.done = section.done.len() as u32;
        section.counts.failed = failed.len() as u32;
        if !failed.is_empty() {
            section.problems.push(failure_group(failed));
        }
        Ok(PartResult { section, refused: false })
    }

    /// Create one product unless its code is already in the shop; then its warehouse stock.
    async fn create_one(&self, session: &mut Session<'_, H, C>, c: &ProductCreation, category_id: u64, locale: &str) -> Result<Created, ApiError> {
        let existing = session.shoper.get("product-stocks", &[("filters", &json!({"code": c.code.as_str()}).to_string()), ("limit", "1")]).await?;
        if existing.get("count").and_then(id_of).unwrap_or(0) > 0 {
            return Ok(Created::AlreadyThere);
        }
        let id = session.shoper.post("products", &creation_body(c, category_id, locale)).await?;
        let product_id = id_of(&id).ok_or(ApiError::MalformedJson { service: crate::client::Service::Shoper })?;
        if !c.warehouse_stock.is_empty() {
            let rows = session.shoper.get("product-stocks", &[("filters", &json!({"product_id": product_id}).to_string()), ("limit", "1")]).await?;
            let stock_id = rows.get("list").and_then(|l| l.get(0)).and_then(|r| r.get("stock_id")).and_then(id_of);
            if let Some(stock_id) = stock_id {
                let map: Map<String, Value> = c.warehouse_stock.iter().map(|(w, q)| (w.to_string(), Value::String(q.to_wire()))).collect();
                session.shoper.put(&format!("product-stocks/{stock_id}"), &json!({ "warehouses": map })).await?;
            }
        }
        Ok(Created::New)
    }
}

fn failure_group(items: Vec<Entry>) -> super::report::ProblemGroup {
    custom_group(
        "product_create_failed",
        ("Nie udało się utworzyć produktu w sklepie", "The product could not be created in the shop"),
        ("Sprawdź komunikat; następna synchronizacja spróbuje ponownie bez tworzenia duplikatów.", "Check the message; the next run tries again without creating duplicates."),
        items,
    )
}

fn creation_entry(c: &ProductCreation, planned: bool) -> Entry {
    let stock = c.stock.map(|q| q.to_pl()).unwrap_or_else(|| c.warehouse_stock.iter().map(|(_, q)| q.to_pl()).collect::<Vec<_>>().join(" + "));
    let (verb_pl, verb_en) = if planned { ("zostanie utworzony", "would be created") } else { ("utworzony", "created") };
    entry(
        c.code.as_str(),
        format!("{verb_pl}: {}, {}, stan {stock}", c.name, c.price.to_pl()),
        format!("{verb_en}: {}, {}, stock {stock}", c.name, c.price),
    )
}

fn describe(plan: &ProductPlan, section: &mut Section) {
    section.counts.considered = plan.tally.counts.considered;
    section.counts.skipped = plan.tally.counts.skipped_total();
    let (problems, info) = split_findings(&plan.tally.skipped);
    section.problems.extend(group(&plan.blocked));
    section.problems.extend(group(&problems));
    section.notes.extend(group(&info));
    section.notes.extend(group(&plan.notes));
}
