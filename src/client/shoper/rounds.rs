//! Many reads in few calls. Every read whose request is known up front — singletons and the
//! first page of every list — travels in one round of `/bulk` calls (25 operations each); the
//! remaining pages of all the lists follow together in a second round. A run's dictionaries and
//! catalogue cost `⌈reads/25⌉ + ⌈(pages − lists)/25⌉` calls instead of one call per dictionary
//! plus a page-1 call per list.

use super::lists::{ListPage, ListQuery};
use super::ShoperClient;
use crate::client::error::ApiError;
use crate::client::shoper::{BulkItemResult, BulkOp, BULK_MAX};
use crate::client::Service;
use crate::decode::stream::{Kept, Shape};
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
    /// Page 1 of a list, as Shoper answers it (`{"count", "pages", "list"}`), and nothing
    /// more: the first page of a keyset feed ([`ShoperClient::list_keyset_from`]), or a filter
    /// that cannot match more than a page (50 ids).
    Head { resource: String, filters: Option<Value>, order: Option<String> },
}

impl Read {
    pub fn one(path: &str) -> Read {
        Read::One(path.to_string())
    }

    pub fn list(resource: &str) -> Read {
        Read::List { resource: resource.to_string(), filters: None, order: None }
    }

    /// Page 1 of a list only ([`Read::Head`]).
    pub fn head(resource: &str) -> Read {
        Read::Head { resource: resource.to_string(), filters: None, order: None }
    }

    pub fn filtered(self, with: Value) -> Read {
        match self {
            Read::List { resource, order, .. } => Read::List { resource, filters: Some(with), order },
            Read::Head { resource, order, .. } => Read::Head { resource, filters: Some(with), order },
            one => one,
        }
    }

    /// `"product_id ASC"`.
    pub fn ordered(self, by: &str) -> Read {
        match self {
            Read::List { resource, filters, .. } => Read::List { resource, filters, order: Some(by.to_string()) },
            Read::Head { resource, filters, .. } => Read::Head { resource, filters, order: Some(by.to_string()) },
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
            Read::Head { resource, filters, order } => (BulkOp::get(id, resource.as_str(), ListQuery::new(filters.as_ref(), order.as_deref()).params(1)), None),
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

/// Reads under way ([`ShoperClient::first_round`]): the answers of the first round, and the
/// pages still to fetch, in the order of the reads.
#[derive(Debug, Default)]
pub struct Rounds {
    first: Vec<Result<Value, ApiError>>,
    rest: Vec<BulkOp>,
    owners: Vec<usize>,
    fetched: usize,
    /// From which read on pages are read row by row, in which shape ([`Rounds::rows_from`]).
    shaped: Option<(usize, &'static Shape)>,
}

/// A page of a list read: the index of the read, and its items (whole JSON values, or the
/// fields kept of each row of a read in [`Rounds::rows_from`]).
pub type Page = (usize, Result<Vec<Kept>, ApiError>);

impl Rounds {
    /// The first round's answers (once): a singleton's body, page 1 of a list as a JSON array.
    pub fn take_first(&mut self) -> Vec<Result<Value, ApiError>> {
        std::mem::take(&mut self.first)
    }

    /// The read the next page to fetch belongs to (`None` when every page is in).
    pub fn pending(&self) -> Option<usize> {
        self.owners.get(self.fetched).copied()
    }

    /// Read the later pages of the reads from `read` on in `shape` — the shape of a whole `/bulk`
    /// answer of such pages whose `list`s are [`Shape::Rows`]: each row as the [`Kept`] fields
    /// its decoder reads. A call that also carries pages of earlier reads is read whole.
    pub fn rows_from(&mut self, read: usize, shape: &'static Shape) {
        self.shaped = Some((read, shape));
    }
}

impl<H: Http, C: Clock> ShoperClient<'_, H, C> {
    /// Run every read in two rounds of `/bulk` calls. Each read gets its own result — a
    /// singleton's body, a list's items as a JSON array — so one refused read (a module switched
    /// off, a missing permission) does not sink the others; a failed call fails them all.
    pub async fn read_all(&mut self, reads: &[Read]) -> Result<Vec<Result<Value, ApiError>>, ApiError> {
        let mut rounds = self.first_round(reads).await?;
        let mut out = rounds.take_first();
        while let Some(pages) = self.next_pages(&mut rounds).await? {
            for (i, page) in pages {
                add_page(&mut out[i], page);
            }
        }
        Ok(out)
    }

    /// The first round of [`Self::read_all`]: singletons and the first page of every list; the
    /// other pages come from [`Self::next_pages`], so a caller can use each page as it arrives.
    pub async fn first_round(&mut self, reads: &[Read]) -> Result<Rounds, ApiError> {
        let (first, queries): (Vec<BulkOp>, Vec<Option<ListQuery>>) = reads.iter().enumerate().map(|(i, r)| r.first_op(format!("read-{i}"))).unzip();
        let mut rounds = Rounds::default();
        for (i, (op, answer)) in first.iter().zip(self.bulk(&first).await?).enumerate() {
            let answer = answer.into_result(op);
            let Some(query) = &queries[i] else {
                rounds.first.push(answer);
                continue;
            };
            match answer.and_then(ListPage::parse) {
                Ok(page) => {
                    for n in 2..=page.pages {
                        rounds.rest.push(BulkOp::get(format!("read-{i}-page-{n}"), op.path.as_str(), query.params(n)));
                        rounds.owners.push(i);
                    }
                    rounds.first.push(Ok(Value::Array(page.list)));
                }
                Err(e) => rounds.first.push(Err(e)),
            }
        }
        Ok(rounds)
    }

    /// The next pages of the second round — one `/bulk` call, up to [`BULK_MAX`] pages — in the
    /// order of the reads; `None` when every page is in.
    pub async fn next_pages(&mut self, rounds: &mut Rounds) -> Result<Option<Vec<Page>>, ApiError> {
        let end = (rounds.fetched + BULK_MAX).min(rounds.rest.len());
        if rounds.fetched == end {
            return Ok(None);
        }
        let (ops, owners) = (&rounds.rest[rounds.fetched..end], &rounds.owners[rounds.fetched..end]);
        let pages = match rounds.shaped {
            Some((from, row)) if owners.iter().all(|&i| i >= from) => owners.iter().copied().zip(self.bulk_pages(ops, row).await?).collect(),
            _ => {
                let answers = self.bulk_chunk(ops).await?;
                let page = |op, answer: BulkItemResult| {
                    BulkItemResult::into_result(answer, op).and_then(ListPage::parse).map(|p| p.list.into_iter().map(Kept::Value).collect())
                };
                ops.iter().zip(answers).zip(owners).map(|((op, answer), &i)| (i, page(op, answer))).collect()
            }
        };
        rounds.fetched = end;
        Ok(Some(pages))
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

/// Add a later page to a list read's answer (a failed page fails the read).
pub fn add_page(answer: &mut Result<Value, ApiError>, page: Result<Vec<Kept>, ApiError>) {
    match (answer, page) {
        (Ok(Value::Array(list)), Ok(page)) => list.extend(page.into_iter().map(Kept::into_value)),
        (slot @ Ok(_), Err(e)) => *slot = Err(e),
        _ => {}
    }
}

/// The next answer of a [`ShoperClient::read_all`] result, in the order the reads were given.
pub fn next_answer(answers: &mut impl Iterator<Item = Result<Value, ApiError>>) -> Result<Value, ApiError> {
    answers.next().unwrap_or(Err(ApiError::MalformedJson { service: Service::Shoper }))
}
