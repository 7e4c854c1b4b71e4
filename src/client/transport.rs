//! The request loop both clients share: pacing, sending, counting, and retrying by the policy in
//! [`crate::retry`]. It knows nothing of either API's bodies beyond what a `judge` says about an
//! answer (Systim reports throttling and PHP errors inside a 200).

use super::error::{ApiError, Interruption};
use super::pacing::Pacer;
use super::{Service, Stats};
use crate::io::{Clock, Http, HttpRequest, HttpResponse, Method, NetError};
use crate::retry::{classify, classify_net, next_delay_ms, safe_to_repeat, Idempotency, Outcome, RetryPolicy};

/// What kind of call a request is, for counting and pacing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    Plain,
    Bulk,
    Auth,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Call {
    pub idempotency: Idempotency,
    /// Units of the rate-limit bucket the call uses.
    pub cost: u32,
    pub tag: Tag,
}

impl Call {
    pub fn new(idempotency: Idempotency, tag: Tag) -> Self {
        Call { idempotency, cost: 1, tag }
    }
}

pub(crate) struct Transport<'a, H, C> {
    pub http: &'a H,
    pub clock: &'a C,
    pub service: Service,
    pub policy: RetryPolicy,
    pub timeout_ms: u32,
    pub stats: Stats,
    /// Shoper's leaky-bucket model; `None` for Systim (no rate headers).
    pub pacer: Option<Pacer>,
}

/// The default judge: status and `Retry-After` only.
pub(crate) fn by_status(response: &HttpResponse, now_ms: u64) -> Outcome {
    classify(response.status, &response.headers, now_ms)
}

impl<'a, H: Http, C: Clock> Transport<'a, H, C> {
    pub fn request(&self, method: Method, url: impl Into<String>) -> HttpRequest {
        let mut req = HttpRequest::new(method, url);
        req.timeout_ms = self.timeout_ms;
        req
    }

    /// Send `req`, retrying as the policy allows. Returns the final answer for the caller to
    /// interpret (success, a permanent refusal, or a transient failure whose retries ran out),
    /// or an error when no usable answer came: network failure, rate limit not lifting, or an
    /// interrupted non-idempotent request ([`ApiError::OutcomeUnknown`]).
    pub async fn exchange(&mut self, req: &HttpRequest, call: Call, judge: impl Fn(&HttpResponse, u64) -> Outcome) -> Result<HttpResponse, ApiError> {
        let mut attempt = 0;
        loop {
            let result = self.send_once(req, call).await;
            let outcome = match &result {
                Ok(response) => judge(response, self.clock.now_ms()),
                Err(err) => classify_net(err),
            };
            if matches!(outcome, Outcome::Success | Outcome::Permanent) {
                return result.map_err(|err| self.net_error(&err, call.idempotency));
            }
            if matches!(outcome, Outcome::RateLimited { .. }) {
                self.stats.rate_limited += 1;
            }
            if !safe_to_repeat(call.idempotency, &outcome) {
                return Err(self.outcome_unknown(&result, &outcome));
            }
            match next_delay_ms(&self.policy, attempt, &outcome, self.clock.random()) {
                Some(delay) => {
                    self.sleep(delay, false).await;
                    attempt += 1;
                    self.stats.retries += 1;
                }
                None => return self.give_up(result, outcome, call.idempotency),
            }
        }
    }

    async fn send_once(&mut self, req: &HttpRequest, call: Call) -> Result<HttpResponse, NetError> {
        self.pace(call.cost).await;
        self.stats.requests += 1;
        match call.tag {
            Tag::Bulk => self.stats.bulk_requests += 1,
            Tag::Auth => self.stats.auth_requests += 1,
            Tag::Plain => {}
        }
        let result = self.http.send(req.clone()).await.and_then(refuse_redirect);
        if let (Some(pacer), Ok(response)) = (self.pacer.as_mut(), &result) {
            pacer.observe(response, self.clock.now_ms());
        }
        result
    }

    async fn pace(&mut self, cost: u32) {
        let Some(wait) = self.pacer.as_ref().map(|p| p.wait_ms(cost, self.clock.now_ms())) else { return };
        self.sleep(wait, true).await;
        let now = self.clock.now_ms();
        if let Some(pacer) = self.pacer.as_mut() {
            pacer.note_sent(cost, now);
        }
    }

    pub async fn sleep(&mut self, ms: u64, pacing: bool) {
        if ms == 0 {
            return;
        }
        self.clock.sleep(ms).await;
        self.stats.slept_ms += ms;
        if pacing {
            self.stats.paced_ms += ms;
        }
    }

    fn give_up(&self, result: Result<HttpResponse, NetError>, outcome: Outcome, idempotency: Idempotency) -> Result<HttpResponse, ApiError> {
        match (outcome, result) {
            (Outcome::RateLimited { .. }, _) => Err(ApiError::RateLimited { service: self.service }),
            (_, Ok(response)) => Ok(response),
            (_, Err(err)) => Err(self.net_error(&err, idempotency)),
        }
    }

    fn net_error(&self, err: &NetError, idempotency: Idempotency) -> ApiError {
        let service = self.service;
        match (err, idempotency) {
            // A write answered with a redirect counts as one whose outcome is unknown (a server
            // may act and then redirect), like any other interrupted write.
            (_, Idempotency::NonIdempotent) => ApiError::OutcomeUnknown { service, cause: interruption(&Err(err.clone())) },
            (NetError::Timeout, _) => ApiError::Timeout { service },
            (NetError::Unreachable(_), _) => ApiError::Unreachable { service },
            (NetError::Aborted, _) => ApiError::Cancelled { service },
            // Its own address answered "go elsewhere": said as such, nothing sent elsewhere.
            (NetError::Redirected(target), _) => ApiError::Redirected { service, target: target.clone() },
        }
    }

    fn outcome_unknown(&self, result: &Result<HttpResponse, NetError>, outcome: &Outcome) -> ApiError {
        let cause = match outcome {
            // A 429, or Systim's code 2 inside a 200.
            Outcome::RateLimited { .. } => Interruption::RateLimited,
            _ => interruption(result),
        };
        ApiError::OutcomeUnknown { service: self.service, cause }
    }
}

fn interruption(result: &Result<HttpResponse, NetError>) -> Interruption {
    match result {
        Err(NetError::Timeout) => Interruption::Timeout,
        Err(NetError::Unreachable(_)) => Interruption::ConnectionLost,
        Err(NetError::Aborted) => Interruption::Cancelled,
        Err(NetError::Redirected(_)) => Interruption::Redirected,
        Ok(response) if response.status >= 500 => Interruption::ServerError(response.status),
        Ok(_) => Interruption::UnreadableAnswer,
    }
}

/// A 3xx answer is never taken as an answer, nor followed: it becomes
/// [`NetError::Redirected`] with the target's origin (only the origin: a `Location` may carry a
/// query). `304 Not Modified` is no redirect.
fn refuse_redirect(response: HttpResponse) -> Result<HttpResponse, NetError> {
    if !(300..400).contains(&response.status) || response.status == 304 {
        return Ok(response);
    }
    // An absolute target by its origin; a relative one (the same host) is not named.
    let target = response.header("location").and_then(|l| {
        let (scheme, rest) = l.trim().split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit('@').next().unwrap_or(authority); // never a user:password@ part
        Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
    });
    Err(NetError::Redirected(target))
}
