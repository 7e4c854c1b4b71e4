//! Many reads in few calls. Every read whose request is known up front — singletons and the
//! first page of every list — travels in one round of `/bulk` calls (25 operations each); the
//! remaining pages of all the lists follow together in a second round. A run's dictionaries and
//! catalogue cost `⌈reads/25⌉ + ⌈(pages − lists)/25⌉` calls instead of one call per dictionary
//! plus a page-1 call per list.

use super::lists::{ListPage, ListQuery};
use super::ShoperClient;
use crate::client::error::ApiError;
use crate::client::shoper::BulkOp;
use crate::client::Service;
use crate::io::{Clock, Http, Method};
use serde_json::{json, Value};

/// Ids per `IN` filter of [`ShoperClient::list_by_ids`].
pub const IDS_PER_FILTER: usize = 50;

/// One read of [`ShoperClient::read_all`].
#[derive(Clone, Debug, PartialEq)]
pub enum Read {
    /// A singleton or a bare-array resource (`application-config`, `categories-tree`).
    One(String),
    /// Every item of a list resource (`filters` is the JSON object Shoper takes).
    List { resource: String, filters: Option<Value>, order: Option<String> },
}

impl Read {
    pub fn one(path: &str) -> Read {
        Read::One(path.to_string())
    }

    pub fn list(resource: &str) -> Read {
        Read::List { resource: resource.to_string(), filters: None, order: None }
    }

    pub fn filtered(self, with: Value) -> Read {
        match self {
            Read::List { resource, order, .. } => Read::List { resource, filters: Some(with), order },
            one => one,
        }
    }

    /// `"product_id ASC"`.
    pub fn ordered(self, by: &str) -> Read {
        match self {
            Read::List { resource, filters, .. } => Read::List { resource, filters, order: Some(by.to_string()) },
            one => one,
        }
    }

    fn first_op(&self, id: String) -> (BulkOp, Option<ListQuery>) {
        match self {
            Read::One(path) => (BulkOp { id, method: Method::Get, path: path.clone(), params: None, body: None }, None),
            Read::List { resource, filters, order } => {
                let query = ListQuery::new(filters.as_ref(), order.as_deref());
                (BulkOp::get(id, resource.as_str(), query.params(1)), Some(query))
            }
        }
    }
}

/// The items of a list read's answer.
pub fn items(answer: Value) -> Vec<Value> {
    match answer {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

impl<H: Http, C: Clock> ShoperClient<'_, H, C> {
    /// Run every read in two rounds of `/bulk` calls. Each read gets its own result — a
    /// singleton's body, a list's items as a JSON array — so one refused read (a module switched
    /// off, a missing permission) does not sink the others; a failed call fails them all.
    pub async fn read_all(&mut self, reads: &[Read]) -> Result<Vec<Result<Value, ApiError>>, ApiError> {
        let (first, queries): (Vec<BulkOp>, Vec<Option<ListQuery>>) = reads.iter().enumerate().map(|(i, r)| r.first_op(format!("read-{i}"))).unzip();
        let mut out = Vec::with_capacity(reads.len());
        let (mut rest, mut owners) = (Vec::new(), Vec::new());
        for (i, (op, answer)) in first.iter().zip(self.bulk(&first).await?).enumerate() {
            let answer = answer.into_result(op);
            let Some(query) = &queries[i] else {
                out.push(answer);
                continue;
            };
            match answer.and_then(ListPage::parse) {
                Ok(page) => {
                    for n in 2..=page.pages {
                        rest.push(BulkOp::get(format!("read-{i}-page-{n}"), op.path.as_str(), query.params(n)));
                        owners.push(i);
                    }
                    out.push(Ok(Value::Array(page.list)));
                }
                Err(e) => out.push(Err(e)),
            }
        }
        for ((op, answer), i) in rest.iter().zip(self.bulk(&rest).await?).zip(owners) {
            let page = answer.into_result(op).and_then(ListPage::parse);
            match (&mut out[i], page) {
                (Ok(Value::Array(list)), Ok(page)) => list.extend(page.list),
                (slot @ Ok(_), Err(e)) => *slot = Err(e),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Every item whose `field` is one of `ids` — `field IN […]` filters of
    /// [`IDS_PER_FILTER`] ids, all read through [`Self::read_all`] (order lines of 500 orders:
    /// two calls). Items come filter by filter, each in `order`.
    pub async fn list_by_ids(&mut self, resource: &str, field: &str, ids: &[u64], order: Option<&str>) -> Result<Vec<Value>, ApiError> {
        let reads: Vec<Read> = ids
            .chunks(IDS_PER_FILTER)
            .map(|chunk| Read::List { resource: resource.to_string(), filters: Some(json!({ field: { "in": chunk } })), order: order.map(str::to_string) })
            .collect();
        let mut all = Vec::new();
        for answer in self.read_all(&reads).await? {
            all.extend(items(answer?));
        }
        Ok(all)
    }
}

/// The next answer of a [`ShoperClient::read_all`] result, in the order the reads were given.
pub fn next_answer(answers: &mut impl Iterator<Item = Result<Value, ApiError>>) -> Result<Value, ApiError> {
    answers.next().unwrap_or(Err(ApiError::MalformedJson { service: Service::Shoper }))
}
