//! The product push ([`Push`]): the creations of a product plan, with their look-ups before and
//! after and the stock writes of new products, spread over `/bulk` calls — a state machine with
//! no I/O of its own, driven by [`super::ProductsPart::run`] (see the module above for the rules).

use crate::client::error::ApiError;
use crate::client::shoper::{BulkItemResult, BulkOp, BULK_MAX, PAGE_LIMIT};
use crate::client::Service;
use crate::domain::ProductCode;
use crate::engine::report::{entry, keyed_group, Entry, Section};
use crate::engine::run::ends_shop_writes;
use crate::plan::products::{CategoryRef, ProductCreation, ProductPlan};
use crate::plan::Lang;
use crate::texts;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;

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
    /// Its creation was sent: the id the shop answered, or `None` without a clear answer (it may
    /// have happened — even twice, when the browser resent the call). The next call looks it up
    /// before anything else is done with it.
    Sent {
        answered: Option<u64>,
    },
    /// Created and seen by a look-up; its per-warehouse stock is still to be written.
    AwaitingStock {
        product_id: u64,
        stock_id: u64,
    },
    Created {
        product_id: u64,
    },
    AlreadyThere,
    Failed(Entry),
}

/// What an operation of a bulk call is for (indices into the plan's creations).
#[derive(Clone, Debug)]
pub(super) enum Purpose {
    /// A category of `categories_to_create`.
    Category(usize),
    /// The look-up of a call, one `code IN […]`: the creations of the call before (verified:
    /// created once, twice, or not at all) and the next batch (guarded: absent before creating).
    LookUp {
        verify: Vec<usize>,
        guard: Vec<usize>,
    },
    /// One code looked up alone (when its batch's answer could not be read row by row).
    One(usize),
    Create(usize),
    /// The per-warehouse stock of a new product.
    Stock(usize),
    /// A copy of a product this run created twice (the newer one), deleted.
    Delete {
        i: usize,
        product_id: u64,
    },
    /// The end-of-run look-up of every code this run created, a chunk at a time.
    Final(Vec<usize>),
}

/// What follows a failed operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    /// The call failed as a whole (its answer lost or unclear, a server error) for a reason a
    /// later call may not meet: the operation itself was not refused. A read or a stock write
    /// is tried once more; a creation may have happened and is looked up in the next call.
    Retry,
    /// The shop refused the operation: reported.
    Report,
    /// An error every later write would meet too ([`ends_shop_writes`]): the writes stop.
    Stop,
}

/// A stock row a look-up showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Row {
    pub product_id: u64,
    pub stock_id: u64,
    pub default: bool,
}

/// The product push under way: what is waiting for which kind of operation.
pub(super) struct Push<'a> {
    plan: &'a ProductPlan,
    states: Vec<State>,
    /// Created categories: name → position in `category_ids` (a map type the matching already
    /// has in the wasm).
    categories: crate::matching::FastMap<String, usize>,
    category_ids: Vec<u64>,
    category_failures: Vec<Entry>,
    categories_left: VecDeque<usize>,
    waiting: VecDeque<usize>,
    /// Creations sent in the last call: looked up in the next.
    sent: Vec<usize>,
    /// Codes looked up one by one.
    one_by_one: Vec<usize>,
    guarded: Vec<usize>,
    writing: VecDeque<usize>,
    /// Copies to delete: (creation, product id).
    deleting: VecDeque<(usize, u64)>,
    /// Copies deleted, and copies that could not be.
    deleted: Vec<Entry>,
    left: Vec<Entry>,
    /// A call that failed as a whole costs a look-up, a stock write or the final check one more
    /// try; a second failure is reported.
    lookup_retried: Vec<bool>,
    stock_retried: Vec<bool>,
    /// The end-of-run look-up: due, or done (sent); a failed one is sent once more.
    final_check: FinalCheck,
    final_retried: bool,
    pub cancelled: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FinalCheck {
    Due,
    Done,
}

impl<'a> Push<'a> {
    pub(super) fn new(plan: &'a ProductPlan) -> Self {
        let n = plan.creations.len();
        Push {
            plan,
            states: vec![State::Waiting; n],
            categories: crate::matching::fast_map(0),
            category_ids: Vec::new(),
            category_failures: Vec::new(),
            categories_left: (0..plan.categories_to_create.len()).collect(),
            waiting: (0..n).collect(),
            sent: Vec::new(),
            one_by_one: Vec::new(),
            guarded: Vec::new(),
            writing: VecDeque::new(),
            deleting: VecDeque::new(),
            deleted: Vec::new(),
            left: Vec::new(),
            lookup_retried: vec![false; n],
            stock_retried: vec![false; n],
            final_check: FinalCheck::Due,
            final_retried: false,
            cancelled: false,
        }
    }

    pub(super) fn code(&self, i: usize) -> &ProductCode {
        &self.plan.creations[i].code
    }

    /// Whether `code` is one of this push's creations still waiting for its look-up after it
    /// (codes of other runs' creations are not this push's to settle: kept).
    pub(super) fn unverified(&self, code: &str) -> bool {
        match self.plan.creations.iter().position(|c| c.code.as_str() == code) {
            Some(i) => matches!(self.states[i], State::Sent { .. } | State::Guarded | State::Waiting),
            None => true,
        }
    }

    fn needs_warehouse_stock(&self, i: usize) -> bool {
        !self.plan.creations[i].warehouse_stock.is_empty()
    }

    /// Creations past their creation call and its look-up (created, found, failed).
    pub(super) fn settled(&self) -> u32 {
        self.states.iter().filter(|s| !matches!(s, State::Waiting | State::Guarded | State::Sent { .. })).count() as u32
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

    /// Codes created by this run (for the final look-up).
    fn created(&self) -> Vec<usize> {
        (0..self.states.len()).filter(|&i| matches!(self.states[i], State::Created { .. } | State::AwaitingStock { .. })).collect()
    }

    /// The operations of the next bulk call (at most [`BULK_MAX`]), or none when all is done.
    /// In order: stock writes, deletions of copies, categories, creations, one-by-one look-ups,
    /// and last the look-up of the creations of the call before and of the next batch. When
    /// nothing else is left, the final look-up of every code created.
    pub(super) fn next_call(&mut self) -> Vec<(Purpose, BulkOp)> {
        let mut head: Vec<(Purpose, BulkOp)> = Vec::new();
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
            // At most a call's worth (one place stays for the look-up); the others were looked up
            // with the creations found missing after an unclear call: looked up again first.
            let mut guarded = std::mem::take(&mut self.guarded);
            let cap = (BULK_MAX - 1).saturating_sub(head.len());
            if guarded.len() > cap {
                for i in guarded.split_off(cap).into_iter().rev() {
                    self.states[i] = State::Waiting;
                    self.waiting.push_front(i);
                }
            }
            for i in guarded {
                let c = &self.plan.creations[i];
                let category_id = match &c.category {
                    CategoryRef::Existing { id } => Some(*id),
                    CategoryRef::New { name } => self.categories.get(name).map(|&n| self.category_ids[n]),
                };
                match category_id {
                    Some(category_id) => {
                        head.push((Purpose::Create(i), BulkOp::post(format!("create-{i}"), "products", creation_body(c, category_id, &self.plan.name_locale))))
                    }
                    None => self.fail(i, texts::t(Lang::Pl, "core_eng_the_product_s_category_was"), texts::t(Lang::En, "core_eng_the_product_s_category_was")),
                }
            }
        }
        let verify: Vec<usize> = std::mem::take(&mut self.sent);
        let may_guard = !self.cancelled && !self.waiting.is_empty();
        let mut room = BULK_MAX - head.len() - usize::from(!verify.is_empty() || may_guard);
        let singles: Vec<usize> = self.one_by_one.drain(..room.min(self.one_by_one.len())).collect();
        room -= singles.len();
        for &i in &singles {
            let params = first_page(json!({ "code": self.code(i).as_str() }));
            head.push((Purpose::One(i), BulkOp::get(format!("one-{i}"), "product-stocks", params)));
        }
        let mut call: Vec<(Purpose, BulkOp)> = Vec::new();
        while room > 0 {
            let Some(i) = self.writing.pop_front() else { break };
            if let Some(op) = self.stock_write(i) {
                call.push((Purpose::Stock(i), op));
                room -= 1;
            }
        }
        while room > 0 {
            let Some((i, product_id)) = self.deleting.pop_front() else { break };
            call.push((Purpose::Delete { i, product_id }, BulkOp::delete(format!("delete-{i}-{product_id}"), format!("products/{product_id}"))));
            room -= 1;
        }
        let new_with_stock = head.iter().filter(|(p, _)| matches!(p, Purpose::Create(i) if self.needs_warehouse_stock(*i))).count();
        let creating = head.iter().any(|(p, _)| matches!(p, Purpose::Create(_)));
        call.extend(head);
        // The last creations are verified by the final look-up itself when nothing else is left.
        let settling = !creating && !may_guard && self.one_by_one.is_empty() && self.deleting.is_empty() && call.is_empty();
        if settling && !verify.is_empty() {
            self.final_check = FinalCheck::Due;
            self.sent = verify;
            return self.final_call(call);
        }
        // The next batch is looked up only when no code waits for a look-up of its own.
        let guard: Vec<usize> = if may_guard && self.one_by_one.is_empty() {
            // The next call holds this batch's creations, a share of the stock writes due by
            // then, and its own look-up.
            let writes_next = (self.writing.len() + new_with_stock).min(WRITE_SHARE);
            let places = BULK_MAX.saturating_sub(1 + writes_next).max(1);
            let size = self.waiting.len().min(places);
            self.waiting.drain(..size).collect()
        } else {
            Vec::new()
        };
        if !verify.is_empty() || !guard.is_empty() {
            let codes: Vec<&str> = verify.iter().chain(&guard).map(|&i| self.code(i).as_str()).collect();
            let first = verify.first().or(guard.first()).copied().unwrap_or(0);
            let op = BulkOp::get(format!("look-up-{first}"), "product-stocks", first_page(json!({ "code": { "in": codes } })));
            call.push((Purpose::LookUp { verify, guard }, op));
        }
        let idle = call.is_empty()
            && self.one_by_one.is_empty()
            && self.deleting.is_empty()
            && (self.cancelled || (self.waiting.is_empty() && self.guarded.is_empty()));
        if idle && self.final_check == FinalCheck::Due {
            return self.final_call(call);
        }
        call
    }

    /// The final look-up: every code this run created, and the creations of the last call (which
    /// it verifies), [`FINAL_CODES_PER_READ`] codes a read.
    fn final_call(&mut self, mut call: Vec<(Purpose, BulkOp)>) -> Vec<(Purpose, BulkOp)> {
        self.final_check = FinalCheck::Done;
        let mut codes = self.created();
        codes.append(&mut self.sent);
        let room = BULK_MAX - call.len();
        let chunks: Vec<Vec<usize>> = codes.chunks(FINAL_CODES_PER_READ).map(<[usize]>::to_vec).collect();
        for (n, chunk) in chunks.into_iter().enumerate() {
            if n >= room {
                // More than a call holds (over 1,250 products): the rest is looked up one by one
                // where it must be (creations not yet verified), the others not again.
                self.one_by_one.extend(chunk.into_iter().filter(|&i| matches!(self.states[i], State::Sent { .. })));
                continue;
            }
            let list: Vec<&str> = chunk.iter().map(|&i| self.code(i).as_str()).collect();
            let op = BulkOp::get(format!("final-{}", chunk[0]), "product-stocks", first_page(json!({ "code": { "in": list } })));
            call.push((Purpose::Final(chunk), op));
        }
        call
    }

    /// The `PUT` of a new product's per-warehouse stock (its row id is known by now).
    fn stock_write(&mut self, i: usize) -> Option<BulkOp> {
        let State::AwaitingStock { stock_id, .. } = self.states[i] else { return None };
        let mut map = Map::new();
        for (w, q) in &self.plan.creations[i].warehouse_stock {
            map.insert(w.to_string(), Value::String(q.to_wire()));
        }
        Some(BulkOp::put(format!("stock-{i}"), format!("product-stocks/{stock_id}"), json!({ "warehouses": map })))
    }

    /// Take in the answers of a call. Returns the error that ends the shop writes, if one came.
    pub(super) fn settle(&mut self, purposes: Vec<Purpose>, ops: &[BulkOp], answers: Result<Vec<BulkItemResult>, ApiError>) -> Option<ApiError> {
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
                    } else if whole_call_failed || e.is_transient() || matches!(e, ApiError::RateLimited { .. }) {
                        // A 5xx or 429 for one operation of the call: not a refusal either.
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
                    self.categories.insert(self.plan.categories_to_create[k].clone(), self.category_ids.len());
                    self.category_ids.push(id);
                }
            }
            (Purpose::Category(k), Err((e, _))) => {
                // Never sent again in this run: the next run reads the shop's categories.
                self.category_failures.push(entry(self.plan.categories_to_create[k].clone(), e.message_pl(), e.message_en()));
            }
            (Purpose::LookUp { verify, guard }, Ok(answer)) => {
                let all: Vec<usize> = verify.iter().chain(&guard).copied().collect();
                match rows_by_code(&all.iter().map(|&i| self.code(i)).collect::<Vec<_>>(), &answer) {
                    Some(rows) => {
                        for (i, rows) in all.into_iter().zip(rows) {
                            self.looked_up(i, &rows);
                        }
                    }
                    None => self.one_by_one.extend(all),
                }
            }
            (Purpose::One(i), Ok(answer)) => match rows_by_code(&[self.code(i)], &answer) {
                Some(rows) => self.looked_up(i, &rows[0]),
                None => self.looked_up_failed(i, &ApiError::MalformedJson { service: Service::Shoper }, After::Report),
            },
            (Purpose::LookUp { verify, guard }, Err((e, then))) => {
                for i in guard.into_iter().rev().chain(verify) {
                    self.looked_up_failed(i, &e, then);
                }
            }
            (Purpose::One(i), Err((e, then))) => self.looked_up_failed(i, &e, then),
            (Purpose::Create(i), Ok(answer)) => match id_of(&answer) {
                Some(product_id) => self.sent_off(i, Some(product_id)),
                // An answer without an id: whether it was created, the look-up tells.
                None => self.sent_off(i, None),
            },
            // The call's answer was lost or unclear: it may have been created, even twice.
            (Purpose::Create(i), Err((_, After::Retry))) => self.sent_off(i, None),
            (Purpose::Create(i), Err((e, _))) => self.fail_with(i, &e),
            (Purpose::Stock(i), Ok(_)) => {
                if let State::AwaitingStock { product_id, .. } = self.states[i] {
                    self.states[i] = State::Created { product_id };
                }
            }
            (Purpose::Stock(i), Err((e, then))) => {
                if then == After::Retry && !self.stock_retried[i] {
                    self.stock_retried[i] = true;
                    self.writing.push_back(i);
                } else {
                    self.fail_stock(i, &e.message_pl(), &e.message_en());
                }
            }
            (Purpose::Delete { i, product_id }, result) => {
                let code = self.code(i).as_str().to_string();
                match result {
                    // Gone already (another browser deleted it, or the call was resent).
                    Ok(_) | Err((ApiError::ShoperNotFound { .. }, _)) => self.deleted.push(entry(
                        code,
                        texts::fill(Lang::Pl, "core_eng_created_twice_the_browser_resent", &[&product_id.to_string()]),
                        texts::fill(Lang::En, "core_eng_created_twice_the_browser_resent", &[&product_id.to_string()]),
                    )),
                    Err((e, _)) => self.left.push(entry(
                        code,
                        format!("produkt jest w sklepie dwa razy; kopii id {product_id} nie udało się usunąć ({}) — usuń ją w panelu sklepu", e.message_pl()),
                        format!(
                            "the product is in the shop twice; the copy id {product_id} could not be deleted ({}) — delete it in the shop's panel",
                            e.message_en()
                        ),
                    )),
                }
            }
            (Purpose::Final(chunk), Ok(answer)) => match rows_by_code(&chunk.iter().map(|&i| self.code(i)).collect::<Vec<_>>(), &answer) {
                Some(rows) => {
                    for (i, rows) in chunk.into_iter().zip(rows) {
                        self.looked_up(i, &rows);
                    }
                }
                // More rows than a page: copies of these codes, looked up one by one.
                None => self.one_by_one.extend(chunk),
            },
            (Purpose::Final(chunk), Err((e, then))) => {
                if then == After::Retry && !self.final_retried {
                    self.final_retried = true;
                    self.final_check = FinalCheck::Due;
                }
                // Creations it was to verify: looked up once more, or reported.
                for i in chunk {
                    if matches!(self.states[i], State::Sent { .. }) {
                        self.looked_up_failed(i, &e, then);
                    }
                }
            }
        }
    }

    /// A creation was sent (with the id the shop answered, if a clear answer came).
    fn sent_off(&mut self, i: usize, answered: Option<u64>) {
        self.states[i] = State::Sent { answered };
        self.sent.push(i);
        // A creation after the final look-up (one proven absent there) gets a final look-up too.
        self.final_check = FinalCheck::Due;
    }

    /// What a look-up showed of one code: before its creation (absent → created next; present
    /// → already there), after it (once → created; more than once → the newer copies deleted,
    /// the oldest kept; not at all → never created, so created now — the look-up just proved
    /// it absent).
    fn looked_up(&mut self, i: usize, rows: &[Row]) {
        match self.states[i] {
            State::Waiting if rows.is_empty() => {
                self.states[i] = State::Guarded;
                self.guarded.push(i);
            }
            State::Waiting => self.states[i] = State::AlreadyThere,
            State::Sent { answered } => {
                let Some((kept, stock_id, copies)) = keep_oldest(None, rows) else {
                    match answered {
                        None => {
                            self.states[i] = State::Guarded;
                            self.guarded.push(i);
                        }
                        // The shop answered an id that no look-up shows: looked at once more.
                        Some(id) if !self.lookup_retried[i] => {
                            self.lookup_retried[i] = true;
                            self.states[i] = State::Sent { answered: Some(id) };
                            self.one_by_one.push(i);
                        }
                        Some(id) => self.fail(
                            i,
                            texts::fill(Lang::Pl, "core_eng_the_shop_answered_id_yet", &[&id.to_string()]),
                            texts::fill(Lang::En, "core_eng_the_shop_answered_id_yet", &[&id.to_string()]),
                        ),
                    }
                    return;
                };
                self.deleting.extend(copies.into_iter().map(|id| (i, id)));
                if self.needs_warehouse_stock(i) {
                    self.states[i] = State::AwaitingStock { product_id: kept, stock_id };
                    self.writing.push_back(i);
                } else {
                    self.states[i] = State::Created { product_id: kept };
                }
            }
            State::Created { .. } | State::AwaitingStock { .. } => self.checked_at_the_end(i, rows),
            _ => {}
        }
    }

    /// The end-of-run look-up of a created code: copies made since (a resent call, another
    /// browser) are deleted, the product this run keeps stays.
    fn checked_at_the_end(&mut self, i: usize, rows: &[Row]) {
        let kept_now = match self.states[i] {
            State::Created { product_id } | State::AwaitingStock { product_id, .. } => product_id,
            _ => return,
        };
        if let Some((_, _, copies)) = keep_oldest(Some(kept_now), rows) {
            for id in copies {
                if !self.deleting.iter().any(|d| d.1 == id) {
                    self.deleting.push_back((i, id));
                }
            }
        }
    }

    /// A look-up without an answer: looked up again once (first in line), then reported. When
    /// the writes stop, the products it was for were not tried: they are not reported (as those
    /// after them).
    fn looked_up_failed(&mut self, i: usize, e: &ApiError, then: After) {
        let again = then == After::Retry && !self.lookup_retried[i];
        match (&self.states[i], then) {
            (State::Waiting, _) if again => {
                self.lookup_retried[i] = true;
                self.waiting.push_front(i);
            }
            (State::Waiting, After::Stop) => {}
            (State::Sent { .. }, _) if again => {
                self.lookup_retried[i] = true;
                self.sent.push(i);
            }
            // The writes stop: `abandon` says what is known of it.
            (State::Sent { .. }, After::Stop) => {}
            (State::Sent { answered }, _) => {
                let (pl, en) = match answered {
                    Some(id) => (
                        format!("utworzony (id {id}), ale nie udało się tego sprawdzić: {}", e.message_pl()),
                        format!("created (id {id}), but this could not be checked: {}", e.message_en()),
                    ),
                    None => (
                        format!("nie wiadomo, czy powstał: {} — następna synchronizacja sprawdzi kod i nie utworzy go drugi raz", e.message_pl()),
                        format!("unknown whether it was created: {} — the next run checks the code and never creates it twice", e.message_en()),
                    ),
                };
                self.fail(i, pl, en);
            }
            (State::Created { .. } | State::AwaitingStock { .. }, _) => {}
            _ => self.fail_with(i, e),
        }
    }

    /// The writes stop: products created whose stock is still to be written are reported, and
    /// creations sent without a look-up after them are reported as what is known of them (the
    /// next run that reads the catalogue checks their codes for copies).
    pub(super) fn abandon(&mut self, e: &ApiError) {
        for i in 0..self.states.len() {
            match self.states[i] {
                State::AwaitingStock { .. } => self.fail_stock(i, &e.message_pl(), &e.message_en()),
                State::Sent { answered: Some(product_id) } if !self.needs_warehouse_stock(i) => self.states[i] = State::Created { product_id },
                State::Sent { answered: Some(product_id) } => self.fail(
                    i,
                    format!("utworzony (id {product_id}), ale nie zapisano jego stanu w magazynach: {}", e.message_pl()),
                    format!("created (id {product_id}), but its warehouse stock was not written: {}", e.message_en()),
                ),
                State::Sent { answered: None } => self.fail(
                    i,
                    format!("nie wiadomo, czy powstał: {} — następna synchronizacja sprawdzi kod i nie utworzy go drugi raz", e.message_pl()),
                    format!("unknown whether it was created: {} — the next run checks the code and never creates it twice", e.message_en()),
                ),
                _ => {}
            }
        }
    }

    /// The section's entries: created (in plan order), already in the shop, failed, copies.
    pub(super) fn report(self, section: &mut Section) {
        if !self.category_failures.is_empty() {
            section.problems.push(failure_group(self.category_failures));
        }
        let mut already = Vec::new();
        let mut failed = Vec::new();
        for (c, state) in self.plan.creations.iter().zip(self.states) {
            match state {
                State::Created { .. } => section.done.push(creation_entry(c, false)),
                State::AlreadyThere => already.push(entry(
                    c.code.as_str(),
                    texts::t(Lang::Pl, "core_eng_created_earlier_e_g_by"),
                    texts::t(Lang::En, "core_eng_created_earlier_e_g_by"),
                )),
                State::Failed(e) => failed.push(e),
                State::Waiting | State::Guarded | State::Sent { .. } | State::AwaitingStock { .. } => {}
            }
        }
        if !already.is_empty() {
            section.notes.push(keyed_group("already_in_shop", already));
        }
        if !self.deleted.is_empty() {
            section.notes.push(keyed_group("product_copy_deleted", self.deleted));
        }
        if !self.left.is_empty() {
            section.problems.push(keyed_group("product_copy_left", self.left));
        }
        section.counts.done = section.done.len() as u32;
        section.counts.failed = failed.len() as u32;
        if !failed.is_empty() {
            section.problems.push(failure_group(failed));
        }
    }
}

/// Codes per look-up of the final check: a page of rows holds them when none has a copy.
const FINAL_CODES_PER_READ: usize = PAGE_LIMIT as usize;

/// The product to keep among a code's rows — `kept` while it is there, else the oldest (lowest
/// id) — with its stock row (the default one) and the other products (copies to delete).
pub(super) fn keep_oldest(kept: Option<u64>, rows: &[Row]) -> Option<(u64, u64, Vec<u64>)> {
    let mut products: Vec<u64> = Vec::new();
    for r in rows {
        if !products.contains(&r.product_id) {
            crate::engine::insert_sorted(&mut products, r.product_id);
        }
    }
    let keep = kept.filter(|k| products.contains(k)).or_else(|| products.first().copied())?;
    let of_kept = |r: &&Row| r.product_id == keep;
    let stock_id = rows.iter().filter(of_kept).find(|r| r.default).or_else(|| rows.iter().find(of_kept))?.stock_id;
    Some((keep, stock_id, products.into_iter().filter(|p| *p != keep).collect()))
}

/// The rows of a `code IN […]` look-up by code (in the order of `codes`), or `None` when the
/// answer cannot be read row by row: more than a page, a row without its ids, or a row whose
/// code is none of `codes` as written or normalised (the shop compared more loosely, e.g.
/// accents): those are looked up one by one.
fn rows_by_code(codes: &[&ProductCode], answer: &Value) -> Option<Vec<Vec<Row>>> {
    if answer.get("pages").and_then(id_of)? > 1 {
        return None;
    }
    let mut found = vec![Vec::new(); codes.len()];
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
        let product_id = row.get("product_id").and_then(id_of)?;
        let stock_id = row.get("stock_id").and_then(id_of)?;
        let default = row.get("default").and_then(id_of) == Some(1);
        found[at].push(Row { product_id, stock_id, default });
    }
    Some(found)
}

fn failure_group(items: Vec<Entry>) -> crate::engine::report::ProblemGroup {
    keyed_group("product_create_failed", items)
}

pub(super) fn creation_entry(c: &ProductCreation, planned: bool) -> Entry {
    let stock = c.stock.map(|q| q.to_pl()).unwrap_or_else(|| c.warehouse_stock.iter().map(|(_, q)| q.to_pl()).collect::<Vec<_>>().join(" + "));
    let (verb_pl, verb_en) = if planned { ("zostanie utworzony", "would be created") } else { ("utworzony", "created") };
    entry(c.code.as_str(), format!("{verb_pl}: {}, {}, stan {stock}", c.name, c.price.to_pl()), format!("{verb_en}: {}, {}, stock {stock}", c.name, c.price))
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

    /// A shop for the push: products by code, answering each operation of a call in order.
    #[derive(Default)]
    struct Shop {
        /// (code, product id, stock id)
        rows: Vec<(String, u64, u64)>,
        next_id: u64,
        calls: Vec<Vec<BulkOp>>,
    }

    impl Shop {
        fn answer(&mut self, ops: &[BulkOp]) -> Vec<BulkItemResult> {
            let mut out = Vec::new();
            for op in ops {
                let body = match (op.method, op.path.as_str()) {
                    (crate::io::Method::Post, "products") => {
                        self.next_id += 1;
                        let code = op.body.as_ref().unwrap()["code"].as_str().unwrap().to_string();
                        self.rows.push((code, self.next_id, self.next_id + 5000));
                        json!(self.next_id)
                    }
                    (crate::io::Method::Post, _) => {
                        self.next_id += 1;
                        json!(self.next_id)
                    }
                    (crate::io::Method::Get, _) => {
                        let filters: Value = serde_json::from_str(op.params.as_ref().unwrap()["filters"].as_str().unwrap()).unwrap();
                        let codes: Vec<String> = match &filters["code"] {
                            Value::String(c) => vec![c.clone()],
                            other => other["in"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect(),
                        };
                        let list: Vec<Value> = self
                            .rows
                            .iter()
                            .filter(|r| codes.contains(&r.0))
                            .map(|(code, p, st)| json!({"stock_id": st.to_string(), "product_id": p.to_string(), "code": code, "default": "1"}))
                            .collect();
                        let pages = list.len().div_ceil(50);
                        let list: Vec<Value> = list.into_iter().take(50).collect();
                        json!({"count": list.len().to_string(), "pages": pages, "page": 1, "list": list})
                    }
                    (crate::io::Method::Delete, path) => {
                        let id: u64 = path.trim_start_matches("products/").parse().unwrap();
                        self.rows.retain(|r| r.1 != id);
                        json!(1)
                    }
                    _ => json!(1),
                };
                out.push(BulkItemResult { id: op.id.clone(), status: 200, body });
            }
            out
        }

        fn products(&self, code: &str) -> usize {
            self.rows.iter().filter(|r| r.0 == code).count()
        }
    }

    /// How the next call reaches the shop.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Wire {
        /// Answered.
        Clean,
        /// Executed, its answer lost.
        Lost,
        /// Executed, the connection closed before the answer, the browser sent it again: executed
        /// twice, the second answer comes back.
        Resent,
        /// Executed twice as above, and the answer lost too.
        ResentLost,
        /// Never reached the shop, no answer.
        Dropped,
    }

    /// The next call of `push` through `wire`; `None` when the push is done.
    fn step(push: &mut Push, shop: &mut Shop, wire: Wire) -> Option<Option<ApiError>> {
        let call = push.next_call();
        if call.is_empty() {
            return None;
        }
        assert!(call.len() <= BULK_MAX, "{} operations in a call", call.len());
        let (purposes, ops): (Vec<Purpose>, Vec<BulkOp>) = call.into_iter().unzip();
        shop.calls.push(ops.clone());
        let lost = ApiError::OutcomeUnknown { service: Service::Shoper, cause: crate::client::error::Interruption::ConnectionLost };
        let answers = match wire {
            Wire::Clean => Ok(shop.answer(&ops)),
            Wire::Lost => {
                shop.answer(&ops);
                Err(lost)
            }
            Wire::Resent => {
                shop.answer(&ops);
                Ok(shop.answer(&ops))
            }
            Wire::ResentLost => {
                shop.answer(&ops);
                shop.answer(&ops);
                Err(lost)
            }
            Wire::Dropped => Err(lost),
        };
        Some(push.settle(purposes, &ops, answers))
    }

    /// Drive a push to its end, the calls numbered in `faults` going through their wire.
    fn drive(plan: &ProductPlan, shop: &mut Shop, faults: &[(usize, Wire)]) -> Section {
        let mut push = Push::new(plan);
        let mut n = 0;
        loop {
            let wire = faults.iter().find(|f| f.0 == n).map_or(Wire::Clean, |f| f.1);
            match step(&mut push, shop, wire) {
                None => break,
                Some(fatal) => assert!(fatal.is_none()),
            }
            n += 1;
            assert!(n < 1000, "the push does not end");
        }
        let mut report = section();
        push.report(&mut report);
        report
    }

    fn calls(plan: &ProductPlan) -> Vec<Vec<BulkOp>> {
        let mut shop = Shop { next_id: 100, ..Shop::default() };
        let report = drive(plan, &mut shop, &[]);
        assert_eq!(report.counts.done as usize, plan.creations.len(), "{:?}", report.problems);
        shop.calls
    }

    fn looked_up(ops: &[BulkOp]) -> Vec<String> {
        let guard = ops.last().filter(|op| op.path == "product-stocks").expect("a look-up last");
        let filters: Value = serde_json::from_str(guard.params.as_ref().unwrap()["filters"].as_str().unwrap()).unwrap();
        filters["code"]["in"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
    }

    fn section() -> Section {
        crate::engine::context::section(crate::engine::report::Part::Products)
    }

    fn assert_each_once(plan: &ProductPlan, shop: &Shop) {
        for c in &plan.creations {
            assert_eq!(shop.products(c.code.as_str()), 1, "{} in the shop", c.code.as_str());
        }
    }

    #[test]
    fn a_creation_call_without_an_answer_is_looked_up_and_nothing_is_created_twice() {
        let plan = plan(60, false);
        for wire in [Wire::Lost, Wire::Dropped, Wire::ResentLost] {
            let mut shop = Shop::default();
            let report = drive(&plan, &mut shop, &[(1, wire)]);
            assert_each_once(&plan, &shop);
            assert_eq!((report.counts.done, report.counts.failed), (60, 0), "{:?}", report.problems);
        }
    }

    #[test]
    fn a_call_the_browser_resent_leaves_no_copy_and_the_report_says_so() {
        let plan = plan(60, false);
        for at in [1, 2, 3] {
            let mut shop = Shop::default();
            let report = drive(&plan, &mut shop, &[(at, Wire::Resent)]);
            assert_each_once(&plan, &shop);
            assert_eq!(report.counts.done, 60);
            let deleted = report.notes.iter().find(|g| g.reason == "product_copy_deleted").expect("the copies are named");
            assert!(!deleted.items.is_empty() && deleted.items.len() <= 24, "{} copies", deleted.items.len());
            // Found by the look-up in the very next call and deleted in the one after — not left
            // for the final look-up (the last creation call's copies are the final look-up's).
            let first_delete = shop.calls.iter().position(|c| c.iter().any(|op| op.method == crate::io::Method::Delete)).expect("copies deleted");
            if at < 3 {
                assert_eq!(first_delete, at + 2, "copies of call {at} deleted in call {first_delete}");
            }
        }
    }

    #[test]
    fn the_oldest_copy_is_kept_and_the_newer_deleted() {
        let plan = plan(3, false);
        let mut shop = Shop::default();
        drive(&plan, &mut shop, &[(1, Wire::Resent)]);
        // The first copies were 1..=3, the resent ones 4..=6.
        let mut ids: Vec<u64> = shop.rows.iter().map(|r| r.1).collect();
        ids.sort_unstable();
        assert_eq!(ids, [1, 2, 3]);
    }

    #[test]
    fn new_products_keep_their_warehouse_stock_when_a_copy_is_deleted() {
        let plan = plan(30, true);
        let mut shop = Shop::default();
        let report = drive(&plan, &mut shop, &[(1, Wire::Resent)]);
        assert_each_once(&plan, &shop);
        assert_eq!(report.counts.done, 30, "{:?}", report.problems);
        let kept: Vec<u64> = shop.rows.iter().map(|r| r.2).collect();
        let written: Vec<u64> = shop
            .calls
            .iter()
            .flatten()
            .filter(|op| op.method == crate::io::Method::Put)
            .map(|op| op.path.trim_start_matches("product-stocks/").parse().unwrap())
            .collect();
        for row in kept {
            assert!(written.contains(&row), "the kept product's row {row} got no stock");
        }
    }

    #[test]
    fn an_error_every_write_would_meet_stops_the_push_reporting_only_what_was_tried() {
        let plan = plan(60, true);
        let mut push = Push::new(&plan);
        let mut shop = Shop::default();
        step(&mut push, &mut shop, Wire::Clean).unwrap();
        step(&mut push, &mut shop, Wire::Clean).unwrap();
        let call = push.next_call();
        let (purposes, ops): (Vec<Purpose>, Vec<BulkOp>) = call.into_iter().unzip();
        let fatal = push.settle(purposes, &ops, Err(ApiError::ShoperTokenRejected)).expect("the writes stop");
        push.abandon(&fatal);
        let mut report = section();
        push.report(&mut report);
        // The first batch (24) was created (answered with ids) and not yet looked up: reported
        // as created without its stock; the second (12: half a call went to the first batch's
        // stock writes) was refused with the call.
        assert_eq!(report.counts.done, 0);
        assert_eq!(report.counts.failed, 24 + 12, "{:?}", report.problems);
        let items = &report.problems[0].items;
        assert!(items[..24].iter().all(|e| e.detail_en.starts_with("created (id") && e.detail_en.contains("warehouse stock was not written")), "{items:?}");
        assert!(items[24..].iter().all(|e| e.detail_en == ApiError::ShoperTokenRejected.message_en()), "{items:?}");
    }

    #[test]
    fn a_thousand_products_take_a_look_up_42_calls_of_creations_and_a_final_look_up() {
        let calls = calls(&plan(1000, false));
        assert_eq!(calls.len(), 44);
        assert_eq!(calls[0].len(), 1);
        for call in &calls[1..42] {
            assert_eq!(call.iter().filter(|op| op.path == "products").count(), 24);
            assert_eq!(call.last().unwrap().path, "product-stocks", "the look-up goes last");
        }
        assert_eq!(calls[42].iter().filter(|op| op.path == "products").count(), 1000 - 41 * 24);
        assert_eq!(calls[43].len(), 20, "the final look-up: 1,000 codes, 50 a read");
    }

    #[test]
    fn every_code_is_looked_up_just_before_its_creation_and_just_after() {
        for warehouses in [false, true] {
            let calls = calls(&plan(300, warehouses));
            for (n, call) in calls.iter().enumerate() {
                for op in call.iter().filter(|op| op.path == "products") {
                    let code = op.body.as_ref().unwrap()["code"].as_str().unwrap().to_string();
                    assert!(looked_up(&calls[n - 1]).contains(&code), "{code} not looked up just before");
                    let after: Vec<String> = calls[n + 1]
                        .iter()
                        .filter(|op| op.path == "product-stocks")
                        .flat_map(|op| {
                            let f: Value = serde_json::from_str(op.params.as_ref().unwrap()["filters"].as_str().unwrap()).unwrap();
                            f["code"]["in"].as_array().cloned().unwrap_or_default()
                        })
                        .map(|c| c.as_str().unwrap().to_string())
                        .collect();
                    assert!(after.contains(&code), "{code} not looked up just after");
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
        assert!(calls.len() <= ops.div_ceil(BULK_MAX) + 3, "{} calls for {ops} operations", calls.len());
    }

    #[test]
    fn a_look_up_answer_is_read_row_by_row_or_not_at_all() {
        let (a, b) = (ProductCode::new("AB-1"), ProductCode::new("CD-2"));
        let codes = [&a, &b];
        let page = |list: Value| json!({"count": "1", "pages": 1, "page": 1, "list": list});
        let row = |code: &str| json!({"code": code, "product_id": "7", "stock_id": "9", "default": "1"});
        let seven = Row { product_id: 7, stock_id: 9, default: true };
        assert_eq!(rows_by_code(&codes, &page(json!([row("cd-2 ")]))), Some(vec![vec![], vec![seven]]));
        assert_eq!(rows_by_code(&codes, &json!({"count": "0", "pages": 0, "page": 1, "list": []})), Some(vec![vec![], vec![]]));
        assert_eq!(rows_by_code(&codes, &page(json!([row("ÄB-1")]))), None, "a row matching none of the codes as written");
        assert_eq!(rows_by_code(&codes, &page(json!([{"code": "AB-1"}]))), None, "a row without its ids");
        assert_eq!(rows_by_code(&codes, &json!({"count": "60", "pages": 2, "page": 1, "list": []})), None, "more than a page");
        assert_eq!(rows_by_code(&codes, &json!({"list": []})), None, "no page count");
    }

    #[test]
    fn the_product_kept_is_the_one_already_kept_else_the_oldest() {
        let r = |p, s| Row { product_id: p, stock_id: s, default: true };
        assert_eq!(keep_oldest(None, &[r(9, 90), r(4, 40)]), Some((4, 40, vec![9])));
        assert_eq!(keep_oldest(Some(9), &[r(9, 90), r(4, 40)]), Some((9, 90, vec![4])));
        assert_eq!(keep_oldest(Some(5), &[r(9, 90), r(4, 40)]), Some((4, 40, vec![9])), "the kept one is gone");
        assert_eq!(keep_oldest(None, &[]), None);
    }
}
