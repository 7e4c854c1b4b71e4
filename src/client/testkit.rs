//! Test doubles for the clients: a scripted `Http` that records requests, and a virtual `Clock`
//! whose `sleep` advances time at once and records how long was slept.

use crate::io::{Clock, Http, HttpRequest, HttpResponse, NetError};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

pub struct VirtualClock {
    now: Cell<u64>,
    slept: Cell<u64>,
    sleeps: RefCell<Vec<u64>>,
    random: Cell<f64>,
}

impl VirtualClock {
    pub fn at(now_ms: u64) -> Self {
        VirtualClock { now: Cell::new(now_ms), slept: Cell::new(0), sleeps: RefCell::new(Vec::new()), random: Cell::new(0.5) }
    }
    pub fn advance(&self, ms: u64) {
        self.now.set(self.now.get() + ms);
    }
    pub fn slept(&self) -> u64 {
        self.slept.get()
    }
    pub fn sleeps(&self) -> Vec<u64> {
        self.sleeps.borrow().clone()
    }
    pub fn set_random(&self, value: f64) {
        self.random.set(value);
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    async fn sleep(&self, ms: u64) {
        self.advance(ms);
        self.slept.set(self.slept.get() + ms);
        self.sleeps.borrow_mut().push(ms);
    }
    fn random(&self) -> f64 {
        self.random.get()
    }
}

type Handler = Box<dyn FnMut(&HttpRequest) -> Result<HttpResponse, NetError>>;

/// Answers from a queue, or from a handler once the queue is empty. Panics when neither has an
/// answer (the test asked for fewer requests than the client made).
#[derive(Default)]
pub struct FakeHttp {
    queue: RefCell<VecDeque<Result<HttpResponse, NetError>>>,
    handler: RefCell<Option<Handler>>,
    requests: RefCell<Vec<HttpRequest>>,
}

impl FakeHttp {
    pub fn new() -> Self {
        FakeHttp::default()
    }
    pub fn with_handler(handler: impl FnMut(&HttpRequest) -> Result<HttpResponse, NetError> + 'static) -> Self {
        let fake = FakeHttp::default();
        *fake.handler.borrow_mut() = Some(Box::new(handler));
        fake
    }
    pub fn push(&self, answer: Result<HttpResponse, NetError>) -> &Self {
        self.queue.borrow_mut().push_back(answer);
        self
    }
    pub fn reply(&self, response: HttpResponse) -> &Self {
        self.push(Ok(response))
    }
    pub fn fail(&self, err: NetError) -> &Self {
        self.push(Err(err))
    }
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.borrow().clone()
    }
    pub fn count(&self) -> usize {
        self.requests.borrow().len()
    }
    pub fn pending(&self) -> usize {
        self.queue.borrow().len()
    }
}

impl Http for FakeHttp {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        self.requests.borrow_mut().push(req.clone());
        if let Some(answer) = self.queue.borrow_mut().pop_front() {
            return answer;
        }
        let mut handler = self.handler.borrow_mut();
        let handler = handler.as_mut().unwrap_or_else(|| panic!("unexpected request {} {}", req.method.as_str(), req.url));
        handler(&req)
    }
}

/// A JSON answer.
pub fn json(status: u16, body: Value) -> HttpResponse {
    text(status, &body.to_string()).with("content-type", "application/json")
}

/// A raw-body answer without headers.
pub fn text(status: u16, body: &str) -> HttpResponse {
    HttpResponse { status, headers: Vec::new(), body: body.to_string() }
}

pub trait WithHeader {
    fn with(self, name: &str, value: &str) -> Self;
}

impl WithHeader for HttpResponse {
    fn with(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }
}

/// The query pairs of a recorded request, decoded.
pub fn query_of(req: &HttpRequest) -> Vec<(String, String)> {
    let query = req.url.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

pub fn query_value(req: &HttpRequest, key: &str) -> Option<String> {
    query_of(req).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The form fields of a recorded request body, decoded.
pub fn form_of(req: &HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(req.body.as_deref().unwrap_or("").as_bytes()).into_owned().collect()
}

pub fn form_value(req: &HttpRequest, key: &str) -> Option<String> {
    form_of(req).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

pub fn header_of<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

pub fn run<F: std::future::Future>(future: F) -> F::Output {
    pollster::block_on(future)
}
