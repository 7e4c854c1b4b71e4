//! The product part: Systim products missing in the shop are created there, through `/bulk`.
//!
//! Each creation is guarded by a fresh look-up of its code in the shop, so a run cut off after a
//! creation, a bulk call whose answer was lost, or a second browser never creates a product
//! twice. The look-ups travel with the creations: one bulk call carries the creations of the
//! current batch and, last, the look-up of the next batch (`product-stocks` with
//! `code IN […]`, one operation), so every batch is looked up in the call just before the one
//! that creates it; the first batch's look-up goes first (with the categories to create, if
//! any). 1,000 products cost 43 calls besides the reads, where a look-up and a `POST` per
//! product cost 2,000.
//!
//! A multi-warehouse shop needs each new product's stock row id for its per-warehouse stock:
//! the rows of the products a call created are read in the next call (`product_id IN […]`, one
//! operation) and their `PUT`s fill the free places of the calls after it.

use super::report::{custom_group, entry, group, Entry, Part, Section, SectionCounts};
use super::run::{add_decode_problems, ends_shop_writes, Failure, PartResult};
use super::session::{Session, ShopRead, SystimRead};
use super::stock::split_findings;
use super::{Engine, Phase, Progress};
use crate::client::error::ApiError;
use crate::client::shoper::{BulkItemResult, BulkOp, BULK_MAX, IDS_PER_FILTER, PAGE_LIMIT};
use crate::client::Service;
use crate::domain::ProductCode;
use crate::io::{Clock, Http, Storage};
use crate::money::Qty;
use crate::matching::Matching;
use crate::plan::products::{plan_products, CategoryRef, ProductCreation, ProductPlan};
use crate::settings::Settings;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, VecDeque};

/// Places of a creation call kept for the stock writes of products created before (a
/// multi-warehouse shop): creations and writes share the calls, so new products do not wait
/// for the end of the run for their stock.
const WRITE_SHARE: usize = 12;

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

/// Page 1 of a list filtered by `filters` (the query parameters `/bulk` takes).
fn first_page(filters: Value) -> Value {
    json!({ "limit": PAGE_LIMIT, "page": 1, "filters": filters.to_string() })
}

/// Where one planned creation stands.
#[derive(Clone, Debug)]
enum State {
    /// Not looked up yet.
    Waiting,
    /// Looked up and absent: created in the next call.
    Guarded,
    /// Created; its per-warehouse stock is still to be written.
    AwaitingStock { product_id: u64, stock_id: Option<u64> },
    Created,
    AlreadyThere,
    Failed(Entry),
}

/// What an operation of a bulk call is for (indices into the plan's creations).
#[derive(Clone, Debug)]
enum Purpose {
    /// A category of `categories_to_create`.
    Category(usize),
    /// The look-up of a batch: `code IN […]`.
    Guard(Vec<usize>),
    /// A look-up of one code (when the batch's answer could not be told apart row by row).
    GuardOne(usize),
    Create(usize),
    /// The stock rows of new products (`product_id IN […]`).
    Rows(Vec<usize>),
    /// The per-warehouse stock of a new product.
    Stock(usize),
}

/// What follows a failed operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    /// The call failed as a whole (its answer lost, a server error) for a reason a later call
    /// may not meet: the operation itself was not refused. A read or a stock write is tried once
    /// more; a creation is reported (it may have happened: the next run's look-up tells).
    Retry,
    /// The shop refused the operation: reported.
    Report,
    /// An error every later write would meet too ([`ends_shop_writes`]): the writes stop.
    Stop,
}

/// The product push under way: what is waiting for which kind of operation.
struct Push<'a> {
    plan: &'a ProductPlan,
    states: Vec<State>,
    categories: BTreeMap<String, u64>,
    category_failures: Vec<Entry>,
    categories_left: VecDeque<usize>,
    waiting: VecDeque<usize>,
    verify: Vec<usize>,
    guarded: Vec<usize>,
    reading: Vec<usize>,
    writing: VecDeque<usize>,
    /// A call that failed as a whole (its answer lost, a server error) costs a look-up or a
    /// stock write one more try; a second failure is reported.
    guard_retried: Vec<bool>,
    stock_retried: Vec<bool>,
    cancelled: bool,
}

impl<'a> Push<'a> {
    fn new(plan: &'a ProductPlan) -> Self {
        let n = plan.creations.len();
        Push {
            plan,
            states: vec![State::Waiting; n],
            categories: BTreeMap::new(),
            category_failures: Vec::new(),
            categories_left: (0..plan.categories_to_create.len()).collect(),
            waiting: (0..n).collect(),
            verify: Vec::new(),
            guarded: Vec::new(),
            reading: Vec::new(),
            writing: VecDeque::new(),
            guard_retried: vec![false; n],
            stock_retried: vec![false; n],
            cancelled: false,
        }
    }

    fn code(&self, i: usize) -> &ProductCode {
        &self.plan.creations[i].code
    }

    fn needs_warehouse_stock(&self, i: usize) -> bool {
        !self.plan.creations[i].warehouse_stock.is_empty()
    }

    /// Creations past their creation call (created, found, failed).
    fn settled(&self) -> u32 {
        self.states.iter().filter(|s| !matches!(s, State::Waiting | State::Guarded)).count() as u32
    }

    fn fail(&mut self, i: usize, pl: impl Into<String>, en: impl Into<String>) {
        let code = self.code(i).as_str().to_string();
        self.states[i] = State::Failed(entry(code, pl, en));
    }

    fn fail_with(&mut self, i: usize, e: &ApiError) {
        self.fail(i, e.message_pl(), e.message_en());
    }

    /// A created product whose warehouse stock could not be written.
    fn fail_stock(&mut self, i: usize, pl: &str, en: &str) {
        self.fail(i, format!("utworzony, ale nie zapisano jego stanu w magazynach: {pl}"), format!("created, but its warehouse stock was not written: {en}"));
    }

    /// The operations of the next bulk call (at most [`BULK_MAX`]), or none when all is done.
    /// In order: stock writes, stock-row reads, categories, creations, one-by-one look-ups, and
    /// last the look-up of the next batch, so that it sees this call's creations.
    fn next_call(&mut self) -> Vec<(Purpose, BulkOp)> {
        let mut head: Vec<(Purpose, BulkOp)> = Vec::new();
        let mut verifying = false;
        if !self.cancelled {
            while head.len() < BULK_MAX {
                let Some(k) = self.categories_left.pop_front() else { break };
                let name = &self.plan.categories_to_create[k];
                let body = json!({"root": 1, "translations": { self.plan.name_locale.as_str(): { "name": name, "active": 1 } }});
                head.push((Purpose::Category(k), BulkOp::post(format!("category-{k}"), "categories", body)));
            }
            if !self.categories_left.is_empty() {
                // More categories than one call holds: the look-ups wait for the last of them.
                return head;
            }
            for i in std::mem::take(&mut self.guarded) {
                let c = &self.plan.creations[i];
                let category_id = match &c.category {
                    CategoryRef::Existing { id } => Some(*id),
                    CategoryRef::New { name } => self.categories.get(name).copied(),
                };
                match category_id {
                    Some(category_id) => head.push((Purpose::Create(i), BulkOp::post(format!("create-{i}"), "products", creation_body(c, category_id, &self.plan.name_locale)))),
                    None => self.fail(i, "nie utworzono kategorii produktu", "the product's category was not created"),
                }
            }
            let room = BULK_MAX - head.len();
            let one_by_one: Vec<usize> = self.verify.drain(..room.min(self.verify.len())).collect();
            verifying = !one_by_one.is_empty() || !self.verify.is_empty();
            for i in one_by_one {
                let params = json!({ "filters": json!({ "code": self.code(i).as_str() }).to_string(), "limit": 1 });
                head.push((Purpose::GuardOne(i), BulkOp::get(format!("guard-one-{i}"), "product-stocks", params)));
            }
        }
        let mut rows_read = 0;
        let mut reads = Vec::new();
        while !self.reading.is_empty() && head.len() + reads.len() < BULK_MAX {
            let take = self.reading.len().min(IDS_PER_FILTER);
            let batch: Vec<usize> = self.reading.drain(..take).collect();
            let ids: Vec<u64> = batch.iter().filter_map(|&i| match self.states[i] {
                State::AwaitingStock { product_id, .. } => Some(product_id),
                _ => None,
            }).collect();
            rows_read += batch.len();
            reads.push((Purpose::Rows(batch), BulkOp::get(format!("rows-{}", reads.len()), "product-stocks", first_page(json!({ "product_id": { "in": ids } })))));
        }
        let guard = !self.cancelled && !verifying && !self.waiting.is_empty() && head.len() + reads.len() < BULK_MAX;
        let room = BULK_MAX - head.len() - reads.len() - usize::from(guard);
        let mut call: Vec<(Purpose, BulkOp)> = Vec::new();
        for i in self.writing.drain(..room.min(self.writing.len())).collect::<Vec<_>>() {
            if let Some(op) = self.stock_write(i) {
                call.push((Purpose::Stock(i), op));
            }
        }
        call.extend(reads);
        let new_with_stock = head.iter().filter(|(p, _)| matches!(p, Purpose::Create(i) if self.needs_warehouse_stock(*i))).count();
        call.extend(head);
        if guard {
            // The next call holds this batch's creations, the stock rows of this call's new
            // products, a share of the stock writes due by then and the look-up after it.
            let reads_next = (new_with_stock + self.reading.len()).div_ceil(IDS_PER_FILTER);
            let writes_next = (self.writing.len() + rows_read).min(WRITE_SHARE);
            let places = BULK_MAX.saturating_sub(reads_next + writes_next).max(2);
            let size = if self.waiting.len() <= places { self.waiting.len() } else { places - 1 };
            let batch: Vec<usize> = self.waiting.drain(..size).collect();
            let codes: Vec<&str> = batch.iter().map(|&i| self.code(i).as_str()).collect();
            let op = BulkOp::get(format!("guard-{}", batch[0]), "product-stocks", first_page(json!({ "code": { "in": codes } })));
            call.push((Purpose::Guard(batch), op));
        }
        call
    }

    /// The `PUT` of a new product's per-warehouse stock (its row id is known by now).
    fn stock_write(&mut self, i: usize) -> Option<BulkOp> {
        let State::AwaitingStock { stock_id: Some(stock_id), .. } = self.states[i] else { return None };
        let mut map = Map::new();
        for (w, q) in &self.plan.creations[i].warehouse_stock {
            map.insert(w.to_string(), Value::String(q.to_wire()));
        }
        Some(BulkOp::put(format!("stock-{i}"), format!("product-stocks/{stock_id}"), json!({ "warehouses": map })))
    }

    /// Take in the answers of a call. Returns the error that ends the shop writes, if one came.
    fn settle(&mut self, purposes: Vec<Purpose>, ops: &[BulkOp], answers: Result<Vec<BulkItemResult>, ApiError>) -> Option<ApiError> {
        let (results, whole_call_failed): (Vec<Result<Value, ApiError>>, bool) = match answers {
            Ok(items) => (items.into_iter().zip(ops).map(|(item, op)| item.into_result(op)).collect(), false),
            Err(e) => (ops.iter().map(|_| Err(e.clone())).collect(), true),
        };
        let mut fatal = None;
        for (purpose, result) in purposes.into_iter().zip(results) {
            let result = match result {
                Ok(v) => Ok(v),
                Err(e) => {
                    let then = if ends_shop_writes(&e) {
                        After::Stop
                    } else if whole_call_failed {
                        After::Retry
                    } else {
                        After::Report
                    };
                    if then == After::Stop && fatal.is_none() && !matches!(purpose, Purpose::Category(_)) {
                        fatal = Some(e.clone());
                    }
                    Err((e, then))
                }
            };
            self.settle_one(purpose, result);
        }
        fatal
    }

    fn settle_one(&mut self, purpose: Purpose, result: Result<Value, (ApiError, After)>) {
        match (purpose, result) {
            (Purpose::Category(k), Ok(v)) => {
                if let Some(id) = id_of(&v) {
                    self.categories.insert(self.plan.categories_to_create[k].clone(), id);
                }
            }
            (Purpose::Category(k), Err((e, _))) => {
                self.category_failures.push(entry(self.plan.categories_to_create[k].clone(), e.message_pl(), e.message_en()));
            }
            (Purpose::Guard(batch), Ok(answer)) => match codes_found(&batch.iter().map(|&i| self.code(i)).collect::<Vec<_>>(), &answer) {
                Some(found) => {
                    for (i, there) in batch.into_iter().zip(found) {
                        self.looked_up(i, there);
                    }
                }
                None => self.verify.extend(batch),
            },
            (Purpose::GuardOne(i), Ok(answer)) => match answer.get("count").and_then(id_of) {
                Some(n) => self.looked_up(i, n > 0),
                None => self.fail_with(i, &ApiError::MalformedJson { service: Service::Shoper }),
            },
            (Purpose::Guard(batch), Err((e, then))) => {
                for i in batch.into_iter().rev() {
                    self.guard_failed(i, &e, then);
                }
            }
            (Purpose::GuardOne(i), Err((e, then))) => self.guard_failed(i, &e, then),
            (Purpose::Create(i), Ok(answer)) => match id_of(&answer) {
                Some(product_id) if self.needs_warehouse_stock(i) => {
                    self.states[i] = State::AwaitingStock { product_id, stock_id: None };
                    self.reading.push(i);
                }
                Some(_) => self.states[i] = State::Created,
                None => self.fail_with(i, &ApiError::MalformedJson { service: Service::Shoper }),
            },
            (Purpose::Create(i), Err((e, _))) => self.fail_with(i, &e),
            (Purpose::Rows(batch), Ok(answer)) => {
                let rows = answer.get("list").and_then(Value::as_array).cloned().unwrap_or_default();
                for i in batch {
                    let State::AwaitingStock { product_id, .. } = self.states[i] else { continue };
                    match stock_row_of(&rows, product_id) {
                        Some(stock_id) => {
                            self.states[i] = State::AwaitingStock { product_id, stock_id: Some(stock_id) };
                            self.writing.push_back(i);
                        }
                        None => self.fail_stock(i, "sklep nie pokazał wiersza stanu nowego produktu", "the shop did not show the new product's stock row"),
                    }
                }
            }
            (Purpose::Rows(batch), Err((e, then))) => {
                for i in batch {
                    if then == After::Retry && !self.stock_retried[i] {
                        self.stock_retried[i] = true;
                        self.reading.push(i);
                    } else {
                        self.fail_stock(i, &e.message_pl(), &e.message_en());
                    }
                }
            }
            (Purpose::Stock(i), Ok(_)) => self.states[i] = State::Created,
            (Purpose::Stock(i), Err((e, then))) => {
                if then == After::Retry && !self.stock_retried[i] {
                    self.stock_retried[i] = true;
                    self.writing.push_back(i);
                } else {
                    self.fail_stock(i, &e.message_pl(), &e.message_en());
                }
            }
        }
    }

    fn looked_up(&mut self, i: usize, there: bool) {
        if there {
            self.states[i] = State::AlreadyThere;
        } else {
            self.states[i] = State::Guarded;
            self.guarded.push(i);
        }
    }

    /// A look-up without an answer: looked up again once (first in line), then reported. When
    /// the writes stop, the products it was for were not tried: they are not reported (as those
    /// after them).
    fn guard_failed(&mut self, i: usize, e: &ApiError, then: After) {
        match then {
            After::Retry if !self.guard_retried[i] => {
                self.guard_retried[i] = true;
                self.waiting.push_front(i);
            }
            After::Stop => self.states[i] = State::Waiting,
            _ => self.fail_with(i, e),
        }
    }

    /// The writes stop: products created whose stock is still to be written are reported.
    fn abandon(&mut self, e: &ApiError) {
        for i in 0..self.states.len() {
            if matches!(self.states[i], State::AwaitingStock { .. }) {
                self.fail_stock(i, &e.message_pl(), &e.message_en());
            }
        }
    }

    /// The section's entries: created (in plan order), already in the shop, failed.
    fn report(self, section: &mut Section) {
        if !self.category_failures.is_empty() {
            section.problems.push(failure_group(self.category_failures));
        }
        let mut already = Vec::new();
        let mut failed = Vec::new();
        for (c, state) in self.plan.creations.iter().zip(self.states) {
            match state {
                State::Created => section.done.push(creation_entry(c, false)),
                State::AlreadyThere => already.push(entry(c.code.as_str(), "utworzony wcześniej (np. przez przerwaną synchronizację)", "created earlier (e.g. by an interrupted run)")),
                State::Failed(e) => failed.push(e),
                State::Waiting | State::Guarded | State::AwaitingStock { .. } => {}
            }
        }
        if !already.is_empty() {
            section.notes.push(custom_group(
                "already_in_shop",
                ("Produkt już jest w sklepie — nie utworzono go drugi raz", "The product is already in the shop — not created twice"),
                ("Nic nie trzeba robić.", "Nothing to do."),
                already,
            ));
        }
        section.counts.done = section.done.len() as u32;
        section.counts.failed = failed.len() as u32;
        if !failed.is_empty() {
            section.problems.push(failure_group(failed));
        }
    }
}

/// Which of `codes` the rows of a `code IN […]` look-up show, or `None` when the answer cannot
/// be read row by row: more than a page, or a row whose code is none of `codes` as written or
/// normalised (the shop compared more loosely, e.g. accents): those are looked up one by one.
fn codes_found(codes: &[&ProductCode], answer: &Value) -> Option<Vec<bool>> {
    if answer.get("pages").and_then(id_of)? > 1 {
        return None;
    }
    let mut found = vec![false; codes.len()];
    for row in answer.get("list")?.as_array()? {
        let code = match row.get("code")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let at = codes.iter().position(|c| c.as_str() == code).or_else(|| {
            let loose = ProductCode::new(code).normalized();
            codes.iter().position(|c| c.normalized() == loose)
        })?;
        found[at] = true;
    }
    Some(found)
}

/// The stock row of a new product among `rows` (its default row; it has no other yet).
fn stock_row_of(rows: &[Value], product_id: u64) -> Option<u64> {
    let of_product = |r: &&Value| r.get("product_id").and_then(id_of) == Some(product_id);
    let is_default = |r: &&Value| r.get("default").and_then(id_of) == Some(1);
    let row = rows.iter().filter(of_product).find(is_default).or_else(|| rows.iter().find(of_product))?;
    row.get("stock_id").and_then(id_of)
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    pub(super) async fn products_part(
        &self,
        session: &mut Session<'_, H, C>,
        settings: &Settings,
        shop: &ShopRead,
        systim: &SystimRead,
        (dry_run, previewed): (bool, &BTreeMap<u64, Qty>),
        progress: &mut Progress,
    ) -> Result<PartResult, (Section, Failure)> {
        let mut section = Section { kind: Part::Products, counts: SectionCounts::default(), done: Vec::new(), problems: Vec::new(), notes: Vec::new() };
        let read_problems: Vec<_> = shop.problems.iter().chain(&systim.problems).cloned().collect();
        add_decode_problems(&mut section, &read_problems);
        self.progress_to(progress, Phase::Planning, 0, 0).await;
        // A new product's first stock is written in its creation: it must already leave out what
        // imported orders reserve, or the shop would offer those units again.
        let inputs = match self.quantity_inputs(session, shop, systim, settings, (dry_run, previewed)).await {
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
        let total = plan.creations.len() as u32;
        self.progress_to(progress, Phase::CreatingProducts, 0, total).await;
        let mut push = Push::new(&plan);
        loop {
            push.cancelled |= self.cancel.get();
            let call = push.next_call();
            if call.is_empty() {
                break;
            }
            let (purposes, ops): (Vec<Purpose>, Vec<BulkOp>) = call.into_iter().unzip();
            let answers = session.shoper.bulk(&ops).await;
            let fatal = push.settle(purposes, &ops, answers);
            self.progress_to(progress, Phase::CreatingProducts, push.settled(), total).await;
            if let Some(e) = fatal {
                push.abandon(&e);
                push.report(&mut section);
                return Err((section, Failure::Api(e)));
            }
        }
        push.report(&mut section);
        Ok(PartResult { section, refused: false })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Money, Qty};

    fn creation(code: &str, warehouses: bool) -> ProductCreation {
        ProductCreation {
            systim_id: 1,
            code: ProductCode::new(code),
            generated_code: false,
            ean: String::new(),
            name: code.to_string(),
            price: Money::from_grosze(1000),
            tax_id: 1,
            category: CategoryRef::Existing { id: 1 },
            unit_id: None,
            stock: if warehouses { None } else { Some(Qty::units(1)) },
            warehouse_stock: if warehouses { vec![(1, Qty::units(1)), (2, Qty::units(2))] } else { Vec::new() },
            active: true,
        }
    }

    fn plan(n: usize, warehouses: bool) -> ProductPlan {
        ProductPlan { name_locale: "pl_PL".into(), creations: (0..n).map(|i| creation(&format!("K-{i}"), warehouses)).collect(), ..ProductPlan::default() }
    }

    /// What a shop that holds none of the codes answers to a call.
    fn shop_answers(push: &Push, purposes: &[Purpose], ops: &[BulkOp], next_id: &mut u64) -> Vec<BulkItemResult> {
        purposes
            .iter()
            .zip(ops)
            .map(|(p, op)| {
                let body = match p {
                    Purpose::Guard(_) => json!({"count": "0", "pages": 0, "page": 1, "list": []}),
                    Purpose::Rows(batch) => {
                        let list: Vec<Value> = batch
                            .iter()
                            .map(|&i| match push.states[i] {
                                State::AwaitingStock { product_id, .. } => json!({"stock_id": (product_id + 5000).to_string(), "product_id": product_id.to_string(), "default": "1"}),
                                _ => unreachable!(),
                            })
                            .collect();
                        json!({"count": list.len().to_string(), "pages": 1, "page": 1, "list": list})
                    }
                    Purpose::Create(_) | Purpose::Category(_) => {
                        *next_id += 1;
                        json!(*next_id)
                    }
                    _ => json!(1),
                };
                BulkItemResult { id: op.id.clone(), status: 200, body }
            })
            .collect()
    }

    /// The next call of `push`, answered with `answers` (the shop's when `None`).
    fn step(push: &mut Push, next_id: &mut u64, answers: Option<Result<Vec<BulkItemResult>, ApiError>>) -> Option<(Vec<BulkOp>, Option<ApiError>)> {
        let call = push.next_call();
        if call.is_empty() {
            return None;
        }
        assert!(call.len() <= BULK_MAX, "{} operations in a call", call.len());
        let (purposes, ops): (Vec<Purpose>, Vec<BulkOp>) = call.into_iter().unzip();
        let answers = answers.unwrap_or_else(|| Ok(shop_answers(push, &purposes, &ops, next_id)));
        let fatal = push.settle(purposes, &ops, answers);
        Some((ops, fatal))
    }

    /// Drive a push against a shop that holds no code and answers every operation.
    fn calls(plan: &ProductPlan) -> Vec<Vec<BulkOp>> {
        let mut push = Push::new(plan);
        let mut calls = Vec::new();
        let mut next_id = 100;
        while let Some((ops, fatal)) = step(&mut push, &mut next_id, None) {
            assert!(fatal.is_none());
            calls.push(ops);
            assert!(calls.len() < 1000, "the push does not end");
        }
        assert!(push.states.iter().all(|s| matches!(s, State::Created)), "{:?}", push.states);
        calls
    }

    fn looked_up(ops: &[BulkOp]) -> Vec<String> {
        let guard = ops.last().filter(|op| op.path == "product-stocks").expect("a look-up last");
        let filters: Value = serde_json::from_str(guard.params.as_ref().unwrap()["filters"].as_str().unwrap()).unwrap();
        filters["code"]["in"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
    }

    fn section() -> Section {
        Section { kind: Part::Products, counts: SectionCounts::default(), done: Vec::new(), problems: Vec::new(), notes: Vec::new() }
    }

    #[test]
    fn a_creation_call_without_an_answer_is_reported_and_the_next_batch_looked_up_again() {
        let plan = plan(60, false);
        let mut push = Push::new(&plan);
        let mut next_id = 100;
        let (first, _) = step(&mut push, &mut next_id, None).unwrap();
        let lost = ApiError::OutcomeUnknown { service: Service::Shoper, cause: crate::client::error::Interruption::ConnectionLost };
        let (second, fatal) = step(&mut push, &mut next_id, Some(Err(lost))).unwrap();
        assert!(fatal.is_none());
        let (third, _) = step(&mut push, &mut next_id, None).unwrap();
        assert_eq!(third.len(), 1, "only the look-up again: {third:?}");
        assert_eq!(looked_up(&third), looked_up(&second));
        while step(&mut push, &mut next_id, None).is_some() {}
        let mut report = section();
        push.report(&mut report);
        assert_eq!((report.counts.done, report.counts.failed), (36, 24));
        let failed: Vec<&str> = report.problems[0].items.iter().map(|e| e.reference.as_str()).collect();
        assert_eq!(failed, looked_up(&first));
    }

    #[test]
    fn an_error_every_write_would_meet_stops_the_push_reporting_only_what_was_tried() {
        let plan = plan(60, true);
        let mut push = Push::new(&plan);
        let mut next_id = 100;
        step(&mut push, &mut next_id, None).unwrap();
        step(&mut push, &mut next_id, None).unwrap();
        let (_, fatal) = step(&mut push, &mut next_id, Some(Err(ApiError::ShoperTokenRejected))).unwrap();
        let fatal = fatal.expect("the writes stop");
        push.abandon(&fatal);
        let mut report = section();
        push.report(&mut report);
        // The first batch (24) was created but its stock not written; the second (23: a place
        // went to the first batch's stock rows) was tried; the third was only being looked up.
        assert_eq!(report.counts.done, 0);
        assert_eq!(report.counts.failed, 24 + 23);
        assert!(report.problems[0].items[..24].iter().all(|e| e.detail_en.starts_with("created, but its warehouse stock was not written")));
    }

    #[test]
    fn a_thousand_products_take_a_look_up_and_42_calls_of_24_creations() {
        let calls = calls(&plan(1000, false));
        assert_eq!(calls.len(), 43);
        assert_eq!(calls[0].len(), 1);
        for call in &calls[1..42] {
            assert_eq!(call.iter().filter(|op| op.path == "products").count(), 24);
            assert_eq!(call.last().unwrap().path, "product-stocks", "the look-up of the next batch goes last");
        }
        assert_eq!(calls[42].len(), 1000 - 41 * 24);
    }

    #[test]
    fn a_small_push_is_one_look_up_and_one_creation_call() {
        assert_eq!(calls(&plan(25, false)).len(), 2);
        assert_eq!(calls(&plan(26, false)).len(), 3);
    }

    #[test]
    fn every_code_is_looked_up_in_the_call_just_before_its_creation() {
        for warehouses in [false, true] {
            let calls = calls(&plan(300, warehouses));
            for (n, call) in calls.iter().enumerate() {
                for op in call.iter().filter(|op| op.path == "products") {
                    let code = op.body.as_ref().unwrap()["code"].as_str().unwrap();
                    let guard = &calls[n - 1].last().unwrap().params.as_ref().unwrap()["filters"];
                    let codes: Value = serde_json::from_str(guard.as_str().unwrap()).unwrap();
                    assert!(codes["code"]["in"].as_array().unwrap().iter().any(|c| c == code), "{code} not looked up just before");
                }
            }
        }
    }

    #[test]
    fn new_products_of_a_multi_warehouse_shop_get_their_stock_in_few_calls() {
        let calls = calls(&plan(200, true));
        let ops: usize = calls.iter().map(Vec::len).sum();
        let puts = calls.iter().flatten().filter(|op| op.method == crate::io::Method::Put).count();
        assert_eq!(puts, 200);
        // 200 creations, 200 writes, a look-up and a row read per batch: within a few calls of
        // the fewest that many operations need.
        assert!(calls.len() <= ops.div_ceil(BULK_MAX) + 3, "{} calls for {ops} operations", calls.len());
    }

    #[test]
    fn a_look_up_answer_is_read_row_by_row_or_not_at_all() {
        let (a, b) = (ProductCode::new("AB-1"), ProductCode::new("CD-2"));
        let codes = [&a, &b];
        let page = |list: Value| json!({"count": "1", "pages": 1, "page": 1, "list": list});
        assert_eq!(codes_found(&codes, &page(json!([{"code": "cd-2 "}]))), Some(vec![false, true]));
        assert_eq!(codes_found(&codes, &json!({"count": "0", "pages": 0, "page": 1, "list": []})), Some(vec![false, false]));
        assert_eq!(codes_found(&codes, &page(json!([{"code": "ÄB-1"}]))), None, "a row matching none of the codes as written");
        assert_eq!(codes_found(&codes, &json!({"count": "60", "pages": 2, "page": 1, "list": []})), None, "more than a page");
        assert_eq!(codes_found(&codes, &json!({"list": []})), None, "no page count");
    }
}
