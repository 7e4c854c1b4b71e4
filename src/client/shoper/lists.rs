//! Lists, `/bulk` and the keyset feed.
//!
//! - Every list request sends `limit=50` (a larger value silently becomes 10) and the number of
//!   pages comes from `pages`, never from a short page.
//! - [`ShoperClient::list_all`] reads page 1, then fetches pages 2..=pages through `/bulk`, 25
//!   pages per call.
//! - [`ShoperClient::list_keyset`] walks `id > cursor` ordered by id ascending: offset paging
//!   shifts when orders arrive during the read, a keyset does not.

use super::answer::{failure, interpret_with};
use super::rounds::Read;
use super::{lenient_u64, plain, rest_path, ShoperClient, Spec};
use crate::client::error::ApiError;
use crate::client::transport::{Call, Tag};
use crate::client::{redact, Secret, Service};
use crate::decode::stream::{self, Kept, Shape};
use crate::io::{Clock, Http, Method};
use crate::retry::Idempotency;
use serde_json::{json, Map, Value};

/// Operations per `/bulk` call (Shoper rejects more).
pub const BULK_MAX: usize = 25;
/// The largest page Shoper serves.
pub const PAGE_LIMIT: u64 = 50;

/// One operation inside a `/bulk` call. `path` is relative to `/webapi/rest/` (`product-stocks/5`).
#[derive(Clone, Debug, PartialEq)]
pub struct BulkOp {
    /// Chosen by the caller, unique within the call; results carry it back.
    pub id: String,
    pub method: Method,
    pub path: String,
    /// Query parameters (`filters` inside is a JSON *string*).
    pub params: Option<Value>,
    pub body: Option<Value>,
}

impl BulkOp {
    pub fn get(id: impl Into<String>, path: impl Into<String>, params: Value) -> Self {
        BulkOp { id: id.into(), method: Method::Get, path: path.into(), params: Some(params), body: None }
    }
    pub fn put(id: impl Into<String>, path: impl Into<String>, body: Value) -> Self {
        BulkOp { id: id.into(), method: Method::Put, path: path.into(), params: None, body: Some(body) }
    }
    pub fn post(id: impl Into<String>, path: impl Into<String>, body: Value) -> Self {
        BulkOp { id: id.into(), method: Method::Post, path: path.into(), params: None, body: Some(body) }
    }
    pub fn delete(id: impl Into<String>, path: impl Into<String>) -> Self {
        BulkOp { id: id.into(), method: Method::Delete, path: path.into(), params: None, body: None }
    }

    /// The operation as `/bulk` takes it, written straight from the operation (no copy of its
    /// body): `{"body"?, "id", "method", "params"?, "path"}`, keys in the order a JSON object
    /// without `preserve_order` writes them.
    fn to_wire(&self) -> Wire<'_> {
        Wire(self)
    }
}

/// [`BulkOp::to_wire`].
pub(super) struct Wire<'a>(&'a BulkOp);

impl serde::Serialize for Wire<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let op = self.0;
        let mut map = s.serialize_map(None)?;
        if let Some(body) = &op.body {
            map.serialize_entry("body", body)?;
        }
        map.serialize_entry("id", &op.id)?;
        map.serialize_entry("method", op.method.as_str())?;
        if let Some(params) = &op.params {
            map.serialize_entry("params", params)?;
        }
        map.serialize_entry("path", &format!("/webapi/rest/{}", rest_path(&op.path)))?;
        map.end()
    }
}

/// The answer to one bulk operation: its HTTP status and body.
#[derive(Clone, Debug, PartialEq)]
pub struct BulkItemResult {
    pub id: String,
    pub status: u16,
    pub body: Value,
}

impl BulkItemResult {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body, or the error the item's status and envelope stand for (as for a direct call).
    pub fn into_result(self, op: &BulkOp) -> Result<Value, ApiError> {
        if self.is_success() {
            Ok(self.body)
        } else {
            Err(failure(self.status, Some(&self.body), op.method, rest_path(&op.path), &[]))
        }
    }
}

/// The query of one list page: `limit=50`, `page`, and the optional filters and order.
pub(super) struct ListQuery {
    filters: Option<String>,
    order: Option<String>,
}

impl ListQuery {
    pub(super) fn new(filters: Option<&Value>, order: Option<&str>) -> Self {
        ListQuery { filters: filters.map(Value::to_string), order: order.map(str::to_string) }
    }

    /// As a JSON object, the form `/bulk` takes.
    pub(super) fn params(&self, page: u64) -> Value {
        let mut params = Map::new();
        params.insert("limit".into(), json!(PAGE_LIMIT));
        params.insert("page".into(), json!(page));
        if let Some(filters) = &self.filters {
            params.insert("filters".into(), json!(filters));
        }
        if let Some(order) = &self.order {
            params.insert("order".into(), json!(order));
        }
        Value::Object(params)
    }

    /// As query-string pairs.
    fn pairs(&self, page: u64) -> Vec<(String, String)> {
        let Value::Object(params) = self.params(page) else { return Vec::new() };
        params.into_iter().map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect()
    }
}

/// `{"count":"57","pages":6,"page":1,"list":[…]}`.
pub(super) struct ListPage {
    pub(super) pages: u64,
    pub(super) list: Vec<Value>,
}

impl ListPage {
    pub(super) fn parse(answer: Value) -> Result<ListPage, ApiError> {
        let malformed = || ApiError::MalformedJson { service: Service::Shoper };
        let pages = answer.get("pages").and_then(lenient_u64).ok_or_else(malformed)?;
        match answer {
            Value::Object(mut map) => match map.remove("list") {
                Some(Value::Array(list)) => Ok(ListPage { pages, list }),
                _ => Err(malformed()),
            },
            _ => Err(malformed()),
        }
    }
}

impl<H: Http, C: Clock> ShoperClient<'_, H, C> {
    /// Run `ops` through `/bulk`, [`BULK_MAX`] per call; results come in the order of `ops`.
    /// A chunk containing a `POST` is not repeated after an interruption.
    pub async fn bulk(&mut self, ops: &[BulkOp]) -> Result<Vec<BulkItemResult>, ApiError> {
        let mut results = Vec::with_capacity(ops.len());
        for chunk in ops.chunks(BULK_MAX) {
            results.extend(self.bulk_chunk(chunk).await?);
        }
        Ok(results)
    }

    /// One `/bulk` call (the answer `{"items": [{"id", "code", "body"}]}`).
    pub(super) async fn bulk_chunk(&mut self, chunk: &[BulkOp]) -> Result<Vec<BulkItemResult>, ApiError> {
        let answer = self.send(bulk_spec(chunk, self.bulk_cost)).await?;
        bulk_results(chunk, answer, &self.secrets())
    }

    /// One `/bulk` call of list pages read in `shape` (a [`Shape`] of the whole answer whose
    /// pages' `list`s are [`Shape::Rows`], as `decode::shoper::CATALOGUE_PAGES`): the rows of
    /// each page, or the error its item stands for (as [`BulkItemResult::into_result`] and
    /// [`ListPage::parse`] would say of a whole answer).
    pub(super) async fn bulk_pages(&mut self, chunk: &[BulkOp], shape: &'static Shape) -> Result<Vec<Result<Vec<Kept>, ApiError>>, ApiError> {
        let response = self.exchange_signed(&bulk_spec(chunk, self.bulk_cost)).await?;
        let answer = interpret_with(&response, Method::Post, "bulk", &self.secrets(), |text| stream::kept(text, shape))?;
        page_results(chunk, answer, &self.secrets())
    }

    /// Every item of a list resource (`products`, `product-stocks`, `categories`…), optionally
    /// filtered (`filters` is the JSON object Shoper takes) and ordered (`"product_id ASC"`).
    pub async fn list_all(&mut self, resource: &str, filters: Option<&Value>, order: Option<&str>) -> Result<Vec<Value>, ApiError> {
        let query = ListQuery::new(filters, order);
        let first = self.list_page(resource, &query).await?;
        let mut items = first.list;
        let rest: Vec<BulkOp> = (2..=first.pages).map(|n| BulkOp::get(format!("page-{n}"), resource, query.params(n))).collect();
        for (op, result) in rest.iter().zip(self.bulk(&rest).await?) {
            items.extend(ListPage::parse(result.into_result(op)?)?.list);
        }
        Ok(items)
    }

    /// Up to `max` items with `id_field > after_id`, ascending by id (the order feed:
    /// `list_keyset("orders", "order_id", cursor, None, 500)`). `extra_filters` (a JSON object)
    /// is ANDed. Fails with `MalformedJson` if the shop returns an id not above the cursor (a
    /// filter Shoper ignored), which would otherwise loop or skip.
    pub async fn list_keyset(
        &mut self,
        resource: &str,
        id_field: &str,
        after_id: u64,
        extra_filters: Option<&Value>,
        max: usize,
    ) -> Result<Vec<Value>, ApiError> {
        self.list_keyset_from(None, resource, id_field, after_id, extra_filters, max).await
    }

    /// [`Self::list_keyset`] whose first page may already be in: `first` is Shoper's answer to
    /// [`keyset_head`]`(…)` read earlier (with other reads in one `/bulk` call, see
    /// [`super::rounds::Read::Head`]).
    pub async fn list_keyset_from(
        &mut self,
        first: Option<Value>,
        resource: &str,
        id_field: &str,
        after_id: u64,
        extra_filters: Option<&Value>,
        max: usize,
    ) -> Result<Vec<Value>, ApiError> {
        let mut cursor = after_id;
        let mut items = Vec::new();
        let mut first = first;
        while items.len() < max {
            let page = match first.take() {
                Some(answer) => ListPage::parse(answer)?,
                None => {
                    let (filters, order) = keyset_query(id_field, cursor, extra_filters);
                    self.list_page(resource, &ListQuery::new(Some(&filters), Some(&order))).await?
                }
            };
            let (more, received) = (page.pages > 1, page.list.len());
            for item in page.list.into_iter().take(max - items.len()) {
                cursor = id_above(&item, id_field, cursor)?;
                items.push(item);
            }
            if !more || received == 0 {
                break;
            }
        }
        Ok(items)
    }

    /// The singleton `application-config` (default language, time zone, warehouses flag).
    pub async fn application_config(&mut self) -> Result<Value, ApiError> {
        self.get("application-config", &[]).await
    }

    /// The category hierarchy: a bare array of `{"id", "children"}`.
    pub async fn categories_tree(&mut self) -> Result<Value, ApiError> {
        self.get("categories-tree", &[]).await
    }

    /// All warehouses, or `None` when the multi-warehouse module is off (Shoper answers 400).
    pub async fn list_warehouses(&mut self) -> Result<Option<Vec<Value>>, ApiError> {
        match self.list_all("warehouses", None, None).await {
            Err(ApiError::ShoperRejected { status: 400, .. }) => Ok(None),
            other => other.map(Some),
        }
    }

    async fn list_page(&mut self, resource: &str, query: &ListQuery) -> Result<ListPage, ApiError> {
        let spec = Spec { method: Method::Get, path: resource, query: query.pairs(1), body: None, call: plain(Idempotency::Idempotent) };
        ListPage::parse(self.send(spec).await?)
    }
}

/// A `/bulk` call of `chunk`: repeated after an interruption unless it creates something.
fn bulk_spec(chunk: &[BulkOp], cost: u32) -> Spec<'static> {
    let creates = chunk.iter().any(|op| op.method == Method::Post);
    let idempotency = if creates { Idempotency::NonIdempotent } else { Idempotency::Idempotent };
    let call = Call { idempotency, cost, tag: Tag::Bulk };
    // (Cannot fail: texts and JSON values only.)
    // (written through a `Value`, as every JSON text the wasm writes: one writer in it)
    let body = serde_json::to_value(chunk.iter().map(BulkOp::to_wire).collect::<Vec<_>>()).map(|body| body.to_string()).unwrap_or_default();
    Spec { method: Method::Post, path: "bulk", query: Vec::new(), body: Some(body), call }
}

/// [`bulk_results`] of an answer of list pages: each page's rows, or its error. A page whose
/// body has no `pages` or whose `list` is not an array is unreadable, as [`ListPage::parse`] says.
pub(super) fn page_results(chunk: &[BulkOp], mut answer: Kept, secrets: &[&Secret]) -> Result<Vec<Result<Vec<Kept>, ApiError>>, ApiError> {
    let malformed = || ApiError::MalformedJson { service: Service::Shoper };
    let Some(Kept::Rows(mut items)) = answer.take("items") else { return Err(malformed()) };
    let id = |item: &Kept| match item.field("id") {
        Some(Kept::Value(Value::String(id))) => Some(id.clone()),
        _ => None,
    };
    // (a loop rather than a collect into a `Result`: smaller in the wasm)
    let mut results = Vec::with_capacity(chunk.len());
    for (i, op) in chunk.iter().enumerate() {
        let at = items.iter().position(|item| id(item).as_deref() == Some(op.id.as_str())).unwrap_or(i);
        let item = items.get_mut(at).ok_or_else(malformed)?;
        let code = match item.field("code") {
            Some(Kept::Value(code)) => lenient_u64(code),
            _ => None,
        };
        let status = code.and_then(|c| u16::try_from(c).ok()).ok_or_else(malformed)?;
        let mut body = item.take("body").unwrap_or(Kept::Value(Value::Null));
        if !(200..300).contains(&status) {
            let mut body = body.into_value();
            redact_envelope(&mut body, secrets);
            results.push(Err(failure(status, Some(&body), op.method, rest_path(&op.path), &[])));
            continue;
        }
        let pages = match body.field("pages") {
            Some(Kept::Value(pages)) => lenient_u64(pages),
            _ => None,
        };
        results.push(match (pages, body.take("list")) {
            (Some(_), Some(Kept::Rows(rows))) => Ok(rows),
            _ => Err(malformed()),
        });
    }
    Ok(results)
}

/// Match `/bulk` items to the operations (by id, else by position); error texts are redacted.
/// The bodies are moved out of the answer, not copied (a bulk call of 25 product pages carries
/// megabytes of JSON).
pub(super) fn bulk_results(chunk: &[BulkOp], answer: Value, secrets: &[&Secret]) -> Result<Vec<BulkItemResult>, ApiError> {
    let malformed = || ApiError::MalformedJson { service: Service::Shoper };
    let mut items = match answer {
        Value::Object(mut answer) => match answer.remove("items") {
            Some(Value::Array(items)) => items,
            _ => return Err(malformed()),
        },
        _ => return Err(malformed()),
    };
    let mut results = Vec::with_capacity(chunk.len());
    for (i, op) in chunk.iter().enumerate() {
        let at = items.iter().position(|it| it.get("id").and_then(Value::as_str) == Some(&op.id)).unwrap_or(i);
        let item = items.get_mut(at).ok_or_else(malformed)?;
        let status = item.get("code").and_then(lenient_u64).and_then(|c| u16::try_from(c).ok()).ok_or_else(malformed)?;
        let mut body = item.get_mut("body").map(Value::take).unwrap_or(Value::Null);
        redact_envelope(&mut body, secrets);
        results.push(BulkItemResult { id: op.id.clone(), status, body });
    }
    Ok(results)
}

fn redact_envelope(body: &mut Value, secrets: &[&Secret]) {
    if let Some(Value::String(text)) = body.get_mut("error_description") {
        *text = redact(text, secrets);
    }
}

/// The first page of a keyset feed: `id_field > after_id` (ANDed with `extra_filters`, a JSON
/// object), ascending by `id_field`.
pub fn keyset_head(resource: &str, id_field: &str, after_id: u64, extra_filters: Option<&Value>) -> Read {
    let (filters, order) = keyset_query(id_field, after_id, extra_filters);
    Read::head(resource).filtered(filters).ordered(&order)
}

fn keyset_query(id_field: &str, after_id: u64, extra_filters: Option<&Value>) -> (Value, String) {
    let mut filters = extra_filters.and_then(Value::as_object).cloned().unwrap_or_default();
    filters.insert(id_field.to_string(), json!({ ">": after_id }));
    (Value::Object(filters), format!("{id_field} ASC"))
}

/// The item's id, required to be above `cursor`.
fn id_above(item: &Value, id_field: &str, cursor: u64) -> Result<u64, ApiError> {
    item.get(id_field).and_then(lenient_u64).filter(|id| *id > cursor).ok_or(ApiError::MalformedJson { service: Service::Shoper })
}
