use super::*;
use crate::client::error::{Access, AuthFailure, Interruption, PermissionArea};
use crate::client::testkit::*;
use crate::io::{HttpResponse, NetError};
use serde_json::json;
use std::rc::Rc;

const PASSWORD: &str = "S3kretne-Haslo!";
const TOKEN: &str = "7650625f762df80b4918c59da469e8c36362ec85";
const API_TOKEN: &str = "c0ffee0123456789c0ffee0123456789c0ffee0123456789c0ffee0123456789";
const T0: u64 = 1_700_000_000_000;

fn user_config() -> ShoperConfig {
    let auth = ShoperAuth::WebApiUser { login: "jan".into(), password: Secret::new(PASSWORD) };
    ShoperConfig::new("https://sklep.example.pl", auth)
}

fn token_config() -> ShoperConfig {
    ShoperConfig::new("https://sklep.example.pl", ShoperAuth::ApiToken(Secret::new(API_TOKEN)))
}

fn auth_ok(expires_in: u64) -> HttpResponse {
    json(200, json!({"access_token": TOKEN, "expires_in": expires_in, "token_type": "bearer"}))
}

fn envelope(status: u16, error: &str, description: &str) -> HttpResponse {
    json(status, json!({"error": error, "error_description": description}))
}

fn unauthorized() -> HttpResponse {
    envelope(401, "unauthorized_client", "Provided access token is invalid")
}

fn page(count: u64, pages: u64, list: Vec<Value>) -> HttpResponse {
    json(200, json!({"count": count.to_string(), "pages": pages, "page": 1, "list": list}))
}

fn paths(http: &FakeHttp) -> Vec<String> {
    http.requests().iter().map(|r| format!("{} {}", r.method.as_str(), r.url.split('?').next().unwrap_or(""))).collect()
}

#[test]
fn logs_in_with_basic_auth_and_reuses_the_token() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(auth_ok(2_592_000)).reply(json(200, json!({"a": 1}))).reply(json(200, json!({"b": 2})));
    let mut shop = ShoperClient::new(&http, &clock, user_config()).unwrap();
    assert_eq!(run(shop.get("application-config", &[])).unwrap(), json!({"a": 1}));
    assert_eq!(run(shop.get("/webapi/rest/taxes/1", &[])).unwrap(), json!({"b": 2}));

    let reqs = http.requests();
    assert_eq!(
        paths(&http),
        [
            "POST https://sklep.example.pl/webapi/rest/auth",
            "GET https://sklep.example.pl/webapi/rest/application-config",
            "GET https://sklep.example.pl/webapi/rest/taxes/1",
        ]
    );
    assert_eq!(header_of(&reqs[0], "authorization"), Some("Basic amFuOlMza3JldG5lLUhhc2xvIQ=="));
    assert_eq!(reqs[0].body, None);
    for req in &reqs[1..] {
        assert_eq!(header_of(req, "authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    }
    let state = shop.token_state().unwrap();
    assert_eq!((state.token.expose(), state.expires_at_ms), (TOKEN, Some(T0 + 2_592_000_000)));
    assert_eq!(shop.stats().auth_requests, 1);
    assert_eq!(shop.stats().requests, 3);
}

#[test]
fn logs_in_again_shortly_before_the_token_expires() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(auth_ok(3600)).reply(json(200, json!(1))).reply(auth_ok(3600)).reply(json(200, json!(2)));
    let mut shop = ShoperClient::new(&http, &clock, user_config()).unwrap();
    run(shop.get("taxes", &[])).unwrap();
    clock.advance(3_600_000 - 10 * 60_000); // 10 minutes left, margin is 15
    run(shop.get("taxes", &[])).unwrap();
    assert_eq!(shop.stats().auth_requests, 2);
    assert_eq!(http.pending(), 0);
}

#[test]
fn a_restored_token_is_used_without_logging_in() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(json(200, json!([])));
    let mut shop = ShoperClient::new(&http, &clock, user_config()).unwrap();
    shop.restore_token(TokenState { token: Secret::new("restored0token"), expires_at_ms: Some(T0 + 86_400_000) });
    run(shop.get("taxes", &[])).unwrap();
    assert_eq!(header_of(&http.requests()[0], "authorization"), Some("Bearer restored0token"));
    assert_eq!(shop.stats().auth_requests, 0);
}

#[test]
fn a_401_logs_in_again_once_and_then_gives_up() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(auth_ok(2_592_000)).reply(unauthorized()).reply(auth_ok(2_592_000)).reply(unauthorized());
    let mut shop = ShoperClient::new(&http, &clock, user_config()).unwrap();
    assert_eq!(run(shop.get("orders", &[])), Err(ApiError::ShoperTokenRejected));
    assert_eq!(shop.stats().auth_requests, 2);
    assert_eq!(http.count(), 4);
}

#[test]
fn a_401_followed_by_a_fresh_token_succeeds() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(unauthorized()).reply(auth_ok(2_592_000)).reply(json(200, json!(7)));
    let mut shop = ShoperClient::new(&http, &clock, user_config()).unwrap();
    shop.restore_token(TokenState { token: Secret::new("expired-token"), expires_at_ms: None });
    assert_eq!(run(shop.post("orders", &json!({"x": 1}))), Ok(json!(7)));
}

#[test]
fn wrong_credentials_and_other_login_refusals_are_named() {
    let cases = [
        ("auth_failure", AuthFailure::WrongCredentials),
        ("auth_ip_not_allowed", AuthFailure::IpNotAllowed),
        ("auth_webapi_access_denied", AuthFailure::WebApiAccessDenied),
        ("auth_admin_access_denied", AuthFailure::AdminAccessDenied),
    ];
    for (code, failure) in cases {
        let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
        http.reply(envelope(401, code, ""));
        let mut shop = ShoperClient::new(&http, &clock, user_config()).unwrap();
        assert_eq!(run(shop.authenticate()), Err(ApiError::ShoperAuthFailed(failure)), "{code}");
        assert_eq!(http.count(), 1, "never retried");
    }
}

#[test]
fn a_static_token_is_sent_as_bearer_and_a_401_says_it_was_revoked() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(json(200, json!({}))).reply(unauthorized());
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    run(shop.get("taxes", &[])).unwrap();
    let err = run(shop.get("taxes", &[])).unwrap_err();
    assert_eq!(err, ApiError::ShoperApiTokenRejected);
    assert!(err.message_pl().contains("Wygeneruj nowy token"));
    assert_eq!(header_of(&http.requests()[0], "authorization"), Some(format!("Bearer {API_TOKEN}").as_str()));
    assert_eq!((http.count(), shop.stats().auth_requests), (2, 0));
    assert_eq!(shop.token_state(), None);
}

#[test]
fn a_403_names_the_permission_area_and_access() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let scope = || envelope(403, "insufficient_scope", "The request requires higher privileges than provided by the access token");
    http.reply(scope()).reply(scope());
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(
        run(shop.put("product-stocks/181", &json!({"stock": 5}))),
        Err(ApiError::ShoperPermissionMissing { area: PermissionArea::Products, access: Access::Edit })
    );
    assert_eq!(run(shop.get("orders", &[("limit", "50")])), Err(ApiError::ShoperPermissionMissing { area: PermissionArea::Orders, access: Access::Read }));
}

#[test]
fn a_404_with_the_envelope_is_a_gone_object_and_without_it_a_wrong_host() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(envelope(404, "invalid_request", "Resource not found")).reply(text(404, "<html>Not Found</html>"));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(run(shop.get("/products/7", &[])), Err(ApiError::ShoperNotFound { path: "products/7".into() }));
    assert_eq!(run(shop.get("products/7", &[])), Err(ApiError::ShoperWrongAddress));
}

#[test]
fn html_instead_of_json_means_not_a_shop() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(text(200, "<!DOCTYPE html><html><body>Witaj</body></html>")).reply(text(200, "{\"list\": ["));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let err = run(shop.get("taxes", &[])).unwrap_err();
    assert_eq!(err, ApiError::NotJson { service: Service::Shoper, status: 200 });
    assert_eq!(err.code(), "shoper_not_json");
    assert_eq!(run(shop.get("taxes", &[])), Err(ApiError::MalformedJson { service: Service::Shoper }));
}

#[test]
fn validation_errors_carry_shopers_polish_description() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let description = "Wartość pola 'email' jest niepoprawna: Pole wymagane";
    http.reply(envelope(400, "invalid_request", description));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let err = run(shop.post("users", &json!({}))).unwrap_err();
    assert_eq!(err.code(), "shoper_validation");
    assert!(err.message_pl().contains(description));
    assert_eq!(http.count(), 1);
}

#[test]
fn invalid_shop_addresses_are_refused_up_front() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let mut config = token_config();
    config.shop_url = "http://sklep.example.pl".into();
    let err = ShoperClient::new(&http, &clock, config).unwrap_err();
    assert_eq!(err.code(), "shoper_invalid_address");
    let mut local = token_config();
    local.shop_url = "http://127.0.0.1:8080/".into();
    assert_eq!(ShoperClient::new(&http, &clock, local).unwrap().host(), "127.0.0.1:8080");
}

fn at_limit(body: Value) -> HttpResponse {
    json(200, body).with("X-Shop-Api-Calls", "10").with("X-Shop-Api-Limit", "10").with("X-Shop-Api-Bandwidth", "2")
}

#[test]
fn a_full_bucket_delays_the_next_call_just_enough() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(at_limit(json!(1))).reply(json(200, json!(2)));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    run(shop.get("taxes", &[])).unwrap();
    clock.advance(100);
    run(shop.get("taxes", &[])).unwrap();
    assert_eq!(clock.sleeps(), [400], "one unit leaks in 500 ms, 100 ms had passed");
    assert_eq!((shop.stats().paced_ms, shop.stats().slept_ms), (400, 400));
}

#[test]
fn retry_after_is_honoured_on_a_429() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let limited = envelope(429, "temporarily_unavailable", "Too many requests").with("Retry-After", "3");
    http.reply(limited).reply(json(200, json!({"ok": true})));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(run(shop.get("taxes", &[])), Ok(json!({"ok": true})));
    assert_eq!(clock.sleeps(), [3000]);
    let stats = shop.stats();
    assert_eq!((stats.rate_limited, stats.retries, stats.requests), (1, 1, 2));
}

#[test]
fn a_429_to_a_creation_is_an_unknown_outcome_not_a_retry() {
    // The 429 may answer the browser's own resend of a POST whose first copy was written.
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(envelope(429, "temporarily_unavailable", "Too many requests").with("Retry-After", "1"));
    http.reply(json(200, json!(99)));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let err = run(shop.post("products", &json!({}))).unwrap_err();
    assert_eq!(err, ApiError::OutcomeUnknown { service: Service::Shoper, cause: Interruption::RateLimited });
    assert_eq!(http.count(), 1, "the creation was not sent again");
    assert!(err.message_pl().contains("dwa razy"), "{}", err.message_pl());
}

#[test]
fn a_429_that_never_lifts_ends_as_rate_limited() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let mut config = token_config();
    config.retry.max_retries = 2;
    for _ in 0..3 {
        http.reply(envelope(429, "temporarily_unavailable", "").with("Retry-After", "1"));
    }
    let mut shop = ShoperClient::new(&http, &clock, config).unwrap();
    let err = run(shop.get("taxes", &[])).unwrap_err();
    assert_eq!((err.code(), http.count()), ("shoper_rate_limited", 3));
}

/// A Shoper stand-in with the documented leaky bucket, on the virtual clock.
fn bucket_shop(clock: Rc<VirtualClock>, limit: f64, bandwidth: f64) -> FakeHttp {
    let (mut level, mut at) = (0.0f64, clock.now_ms());
    FakeHttp::with_handler(move |_req| {
        let now = clock.now_ms();
        level = (level - bandwidth * (now - at) as f64 / 1000.0).max(0.0);
        at = now;
        let headers = |r: HttpResponse, level: f64| {
            r.with("X-Shop-Api-Calls", &level.ceil().to_string())
                .with("X-Shop-Api-Limit", &limit.to_string())
                .with("X-Shop-Api-Bandwidth", &bandwidth.to_string())
        };
        if level + 1.0 > limit + 1e-9 {
            let wait = ((level + 1.0 - limit) / bandwidth).ceil().max(1.0);
            return Ok(headers(envelope(429, "temporarily_unavailable", ""), level).with("Retry-After", &wait.to_string()));
        }
        level += 1.0;
        Ok(headers(json(200, json!({"ok": 1})), level))
    })
}

#[test]
fn a_hundred_calls_at_limit_10_and_bandwidth_2_never_hit_a_429_and_take_the_minimum_time() {
    let clock = Rc::new(VirtualClock::at(T0));
    let http = bucket_shop(clock.clone(), 10.0, 2.0);
    let mut shop = ShoperClient::new(&http, &*clock, token_config()).unwrap();
    for _ in 0..100 {
        run(shop.get("products/1", &[])).unwrap();
    }
    let stats = shop.stats();
    assert_eq!((stats.rate_limited, stats.requests), (0, 100));
    let floor_ms = (100 - 10) * 1000 / 2; // the first 10 fill the bucket, then 2 per second
    let elapsed = clock.now_ms() - T0;
    assert!(elapsed >= floor_ms && elapsed <= floor_ms + 1_000, "elapsed {elapsed} ms, floor {floor_ms} ms");
}

#[test]
fn reads_are_retried_after_transient_failures() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.fail(NetError::Timeout).reply(text(502, "Bad Gateway")).reply(json(200, json!(5)));
    clock.set_random(1.0);
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(run(shop.get("taxes", &[])), Ok(json!(5)));
    assert_eq!(shop.stats().retries, 2);
    assert_eq!(clock.sleeps(), [1000, 2000], "exponential backoff at the top of its jitter");
}

#[test]
fn a_read_that_keeps_failing_reports_the_last_failure() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let mut config = token_config();
    config.retry.max_retries = 1;
    http.fail(NetError::Unreachable("refused".into())).fail(NetError::Unreachable("refused".into()));
    http.reply(text(500, "oops")).reply(text(503, "<html>maintenance</html>"));
    let mut shop = ShoperClient::new(&http, &clock, config).unwrap();
    assert_eq!(run(shop.get("taxes", &[])), Err(ApiError::Unreachable { service: Service::Shoper }));
    assert_eq!(run(shop.get("taxes", &[])), Err(ApiError::ServerError { service: Service::Shoper, status: 503 }));
}

#[test]
fn a_creation_is_never_repeated_after_a_timeout_or_a_server_error() {
    let cases = [
        (Err(NetError::Timeout), Interruption::Timeout),
        (Err(NetError::Unreachable("reset".into())), Interruption::ConnectionLost),
        (Ok(text(500, "Internal")), Interruption::ServerError(500)),
        (Ok(text(503, "busy").with("Retry-After", "1")), Interruption::ServerError(503)),
    ];
    for (answer, cause) in cases {
        let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
        http.push(answer);
        let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
        let err = run(shop.post("orders", &json!({"user_id": 4}))).unwrap_err();
        assert_eq!(err, ApiError::OutcomeUnknown { service: Service::Shoper, cause });
        assert_eq!(http.count(), 1, "{cause:?}");
    }
}

fn numbered(from: u64, to: u64) -> Vec<Value> {
    (from..=to).map(|id| json!({"product_id": id.to_string()})).collect()
}

/// A `/bulk` answer with one page of 50 items per requested page operation.
fn bulk_pages(req: &HttpRequest) -> HttpResponse {
    let ops: Vec<Value> = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
    let items: Vec<Value> = ops
        .iter()
        .map(|op| {
            let n = op["params"]["page"].as_u64().unwrap();
            json!({"id": op["id"], "code": 200, "body": {"count": "2550", "pages": 51, "page": n, "list": numbered(n * 50 - 49, n * 50)}})
        })
        .collect();
    json(200, json!({"errors": false, "items": items}))
}

#[test]
fn list_all_reads_one_page_without_bulk() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(page(3, 1, numbered(1, 3)));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let items = run(shop.list_all("products", Some(&json!({"stock.active": 1})), Some("product_id ASC"))).unwrap();
    assert_eq!(items.len(), 3);
    let req = &http.requests()[0];
    assert_eq!(query_value(req, "limit").as_deref(), Some("50"));
    assert_eq!(query_value(req, "page").as_deref(), Some("1"));
    assert_eq!(query_value(req, "filters").as_deref(), Some(r#"{"stock.active":1}"#));
    assert_eq!(query_value(req, "order").as_deref(), Some("product_id ASC"));
    assert_eq!(shop.stats().bulk_requests, 0);
}

#[test]
fn list_all_of_an_empty_collection_makes_one_call() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(page(0, 0, vec![]));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(run(shop.list_all("products", None, None)).unwrap(), Vec::<Value>::new());
    assert_eq!(http.count(), 1);
}

#[test]
fn list_all_fans_out_51_pages_through_two_bulk_calls() {
    let http = FakeHttp::with_handler(|r| Ok(bulk_pages(r)));
    let clock = VirtualClock::at(T0);
    http.reply(page(2550, 51, numbered(1, 50)));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let items = run(shop.list_all("products", Some(&json!({"a": 1})), None)).unwrap();
    let ids: Vec<u64> = items.iter().map(|i| lenient_u64(&i["product_id"]).unwrap()).collect();
    assert_eq!(ids, (1..=2550).collect::<Vec<_>>(), "every page once, in order; never stopped on a page");

    let reqs = http.requests();
    assert_eq!(reqs.len(), 3);
    let chunks: Vec<Vec<Value>> = reqs[1..].iter().map(|r| serde_json::from_str(r.body.as_deref().unwrap()).unwrap()).collect();
    assert_eq!((chunks[0].len(), chunks[1].len()), (25, 25));
    let op = &chunks[0][0];
    assert_eq!(op["path"], "/webapi/rest/products");
    assert_eq!(op["method"], "GET");
    assert_eq!(op["params"], json!({"limit": 50, "page": 2, "filters": "{\"a\":1}"}));
    assert_eq!(chunks[1][24]["params"]["page"], 51);
    assert_eq!(shop.stats().bulk_requests, 2);
}

#[test]
fn list_all_reports_a_failed_page() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(page(60, 2, numbered(1, 50)));
    http.reply(json(200, json!({"errors": true, "items": [{"id": "page-2", "code": 403, "body": {"error": "insufficient_scope"}}]})));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let err = run(shop.list_all("orders", None, None)).unwrap_err();
    assert_eq!(err, ApiError::ShoperPermissionMissing { area: PermissionArea::Orders, access: Access::Read });
}

fn orders(ids: std::ops::RangeInclusive<u64>) -> Vec<Value> {
    ids.map(|id| json!({"order_id": id.to_string()})).collect()
}

#[test]
fn the_keyset_feed_walks_order_ids_upwards() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(page(70, 2, orders(101..=150))).reply(page(20, 1, orders(151..=170)));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let items = run(shop.list_keyset("orders", "order_id", 100, Some(&json!({"status_id": 1})), 1000)).unwrap();
    assert_eq!(items.len(), 70);

    let reqs = http.requests();
    assert_eq!(reqs.len(), 2);
    let filters: Vec<Value> = reqs.iter().map(|r| serde_json::from_str(&query_value(r, "filters").unwrap()).unwrap()).collect();
    assert_eq!(filters[0], json!({"status_id": 1, "order_id": {">": 100}}));
    assert_eq!(filters[1], json!({"status_id": 1, "order_id": {">": 150}}));
    for req in &reqs {
        assert_eq!(query_value(req, "order").as_deref(), Some("order_id ASC"));
        assert_eq!(query_value(req, "limit").as_deref(), Some("50"));
        assert_eq!(query_value(req, "page").as_deref(), Some("1"));
    }
}

#[test]
fn the_keyset_feed_stops_at_max_and_on_an_empty_page() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(page(70, 2, orders(1..=50)));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(run(shop.list_keyset("orders", "order_id", 0, None, 30)).unwrap().len(), 30);
    http.reply(page(0, 0, vec![]));
    assert!(run(shop.list_keyset("orders", "order_id", 170, None, 30)).unwrap().is_empty());
    assert_eq!(http.count(), 2);
}

#[test]
fn the_keyset_feed_refuses_a_shop_that_ignores_the_filter() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(page(5, 1, orders(1..=5)));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(run(shop.list_keyset("orders", "order_id", 3, None, 10)), Err(ApiError::MalformedJson { service: Service::Shoper }));
}

/// A `/bulk` answer of `1` for every operation, items in reverse order (matching is by id).
fn bulk_ones(req: &HttpRequest) -> HttpResponse {
    let ops: Vec<Value> = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
    let items: Vec<Value> = ops.iter().rev().map(|op| json!({"id": op["id"], "code": 200, "body": 1})).collect();
    json(200, json!({"errors": false, "items": items}))
}

#[test]
fn bulk_splits_into_chunks_of_25_and_keeps_the_order() {
    let http = FakeHttp::with_handler(|r| Ok(bulk_ones(r)));
    let clock = VirtualClock::at(T0);
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let ops: Vec<BulkOp> = (0..60).map(|i| BulkOp::put(format!("s{i}"), format!("product-stocks/{i}"), json!({"stock": i}))).collect();
    let results = run(shop.bulk(&ops)).unwrap();
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ops.iter().map(|o| o.id.as_str()).collect::<Vec<_>>());
    assert!(results.iter().all(BulkItemResult::is_success));
    let sizes: Vec<usize> = http.requests().iter().map(|r| serde_json::from_str::<Vec<Value>>(r.body.as_deref().unwrap()).unwrap().len()).collect();
    assert_eq!(sizes, [25, 25, 10]);
    assert_eq!(http.requests()[0].url, "https://sklep.example.pl/webapi/rest/bulk");
    assert_eq!(shop.stats().bulk_requests, 3);
}

/// What the shop receives: each operation's method, its path under `/webapi/rest/`, its query
/// parameters and its body, exactly (keys as a JSON object without `preserve_order` writes them).
#[test]
fn bulk_operations_go_out_as_shoper_documents_them() {
    let http = FakeHttp::with_handler(|r| Ok(bulk_ones(r)));
    let clock = VirtualClock::at(T0);
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let ops = [
        BulkOp::get("g", "products", json!({"page": 2, "limit": 50})),
        BulkOp::put("p", "product-stocks/7", json!({"stock": "4.5", "price": "10.00"})),
        BulkOp::delete("d", "product-images/3"),
    ];
    run(shop.bulk(&ops)).unwrap();
    let sent: Value = serde_json::from_str(http.requests()[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        sent,
        json!([
            {"id": "g", "method": "GET", "path": "/webapi/rest/products", "params": {"page": 2, "limit": 50}},
            {"id": "p", "method": "PUT", "path": "/webapi/rest/product-stocks/7", "body": {"stock": "4.5", "price": "10.00"}},
            {"id": "d", "method": "DELETE", "path": "/webapi/rest/product-images/3"},
        ])
    );
    assert!(http.requests()[0].body.as_deref().unwrap().starts_with(r#"[{"id":"g","method":"GET","params":{"#));
}

#[test]
fn a_bulk_call_with_a_creation_is_not_repeated_after_a_timeout() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.fail(NetError::Timeout);
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let ops = [BulkOp::post("new", "order-products", json!({"order_id": 1}))];
    let err = run(shop.bulk(&ops)).unwrap_err();
    assert_eq!(err.code(), "shoper_outcome_unknown");
    assert_eq!(http.count(), 1);
}

#[test]
fn a_configured_bulk_cost_is_paced_for() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(at_limit(json!(1))).reply(json(200, json!({"errors": false, "items": [{"id": "a", "code": 200, "body": 1}]})));
    let mut config = token_config();
    config.bulk_cost = 4;
    let mut shop = ShoperClient::new(&http, &clock, config).unwrap();
    run(shop.get("taxes", &[])).unwrap();
    run(shop.bulk(&[BulkOp::delete("a", "product-images/7")])).unwrap();
    assert_eq!(clock.sleeps(), [2000], "4 units at 2 per second");
}

#[test]
fn warehouses_module_off_is_not_an_error() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(envelope(400, "invalid_request", "Warehouses module is disabled"));
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(run(shop.list_warehouses()), Ok(None));
}

#[test]
fn secrets_never_reach_errors_or_debug_output() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let echo = format!("Niepoprawne dane: {PASSWORD} / {TOKEN}");
    http.reply(auth_ok(2_592_000)).reply(envelope(400, "invalid_request", &echo));
    let mut shop = ShoperClient::new(&http, &clock, user_config()).unwrap();
    let err = run(shop.post("orders", &json!({}))).unwrap_err();
    let mut shown = vec![format!("{err:?}"), err.to_string(), err.message_pl(), err.message_en(), format!("{shop:?}")];
    shown.push(format!("{:?}", shop.token_state()));
    shown.push(format!("{:?}", user_config()));
    shown.push(format!("{:?}", token_config()));
    for text in &shown {
        for secret in [PASSWORD, TOKEN, API_TOKEN] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
    }
}

/// A shop behind `/bulk`: a config, warehouses switched off (400), and 60 rows (two pages) in
/// every list, whatever the filter.
fn bulk_shop(req: &HttpRequest) -> HttpResponse {
    let ops: Vec<Value> = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
    let items: Vec<Value> = ops
        .iter()
        .map(|op| {
            let (code, body) = match op["path"].as_str().unwrap() {
                "/webapi/rest/application-config" => (200, json!({"shop_default_language_id": 1})),
                "/webapi/rest/warehouses" => (400, json!({"error": "invalid_request", "error_description": "Module disabled"})),
                _ => {
                    let n = op["params"]["page"].as_u64().unwrap();
                    (200, json!({"count": "60", "pages": 2, "page": n, "list": numbered(n * 50 - 49, (n * 50).min(60))}))
                }
            };
            json!({"id": op["id"], "code": code, "body": body})
        })
        .collect();
    json(200, json!({"errors": true, "items": items}))
}

fn bulk_bodies(http: &FakeHttp) -> Vec<Vec<Value>> {
    http.requests().iter().map(|r| serde_json::from_str(r.body.as_deref().unwrap()).unwrap()).collect()
}

#[test]
fn read_all_sends_singletons_and_first_pages_in_one_call_and_the_other_pages_in_a_second() {
    let http = FakeHttp::with_handler(|r| Ok(bulk_shop(r)));
    let clock = VirtualClock::at(T0);
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    let reads = [
        Read::one("application-config"),
        Read::list("warehouses"),
        Read::list("products").ordered("product_id ASC"),
        Read::list("product-stocks").filtered(json!({"extended": "1"})),
    ];
    let answers = run(shop.read_all(&reads)).unwrap();
    assert_eq!(answers[0], Ok(json!({"shop_default_language_id": 1})));
    assert!(matches!(answers[1], Err(ApiError::ShoperRejected { status: 400, .. })), "a refused read sinks only itself");
    for answer in &answers[2..] {
        let ids: Vec<u64> = items(answer.clone().unwrap()).iter().map(|i| lenient_u64(&i["product_id"]).unwrap()).collect();
        assert_eq!(ids, (1..=60).collect::<Vec<_>>());
    }
    let calls = bulk_bodies(&http);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].len(), 4);
    assert_eq!(calls[0][0].get("params"), None);
    assert_eq!(calls[0][2]["params"], json!({"limit": 50, "page": 1, "order": "product_id ASC"}));
    let second: Vec<(&str, u64)> = calls[1].iter().map(|op| (op["path"].as_str().unwrap(), op["params"]["page"].as_u64().unwrap())).collect();
    assert_eq!(second, [("/webapi/rest/products", 2), ("/webapi/rest/product-stocks", 2)]);
    assert_eq!(calls[1][1]["params"]["filters"], "{\"extended\":\"1\"}");
    assert_eq!(shop.stats().requests, 2);
}

#[test]
fn list_by_ids_reads_50_ids_per_filter_all_filters_in_one_round() {
    let http = FakeHttp::with_handler(|r| Ok(bulk_shop(r)));
    let clock = VirtualClock::at(T0);
    let mut shop = ShoperClient::new(&http, &clock, token_config()).unwrap();
    assert_eq!(run(shop.list_by_ids("order-products", "order_id", &[], None)).unwrap(), Vec::<Value>::new());
    assert_eq!(http.count(), 0, "no ids, no call");
    let ids: Vec<u64> = (1..=120).collect();
    let lines = run(shop.list_by_ids("order-products", "order_id", &ids, Some("id ASC"))).unwrap();
    assert_eq!(lines.len(), 3 * 60);
    let calls = bulk_bodies(&http);
    assert_eq!((calls.len(), calls[0].len(), calls[1].len()), (2, 3, 3));
    let filter: Value = serde_json::from_str(calls[0][2]["params"]["filters"].as_str().unwrap()).unwrap();
    assert_eq!(filter, json!({"order_id": {"in": (101..=120).collect::<Vec<u64>>()}}));
    assert_eq!(calls[0][2]["params"]["order"], "id ASC");
}

#[test]
fn basic_credentials_are_standard_base64() {
    for (raw, encoded) in [
        (&b""[..], ""),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg=="),
        (b"fooba", "Zm9vYmE="),
        (b"foobar", "Zm9vYmFy"),
        (b"webapi:Sklep!Haslo2026", "d2ViYXBpOlNrbGVwIUhhc2xvMjAyNg=="),
        ("łódź:żółw€".as_bytes(), "xYLDs2TFujrFvMOzxYJ34oKs"),
        (b"a:\x00\xff", "YToA/w=="),
    ] {
        assert_eq!(super::base64(raw), encoded);
    }
}

mod pages_read_row_by_row {
    use super::super::lists::{bulk_results, page_results, BulkOp, ListPage};
    use crate::client::error::ApiError;
    use crate::decode::shoper::{CATALOGUE_PAGES, CATALOGUE_ROW};
    use crate::decode::stream::{kept, pruned, Kept, Shape};
    use crate::decode::testkit::{any_json, record};
    use proptest::prelude::*;
    use serde_json::{json, Value};

    const IDS: [&str; 3] = ["read-8-page-2", "read-8-page-3", "read-9-page-2"];

    /// A catalogue row: the fields the row shape names (a nested `stock` among them), others.
    fn row() -> BoxedStrategy<Value> {
        prop_oneof![
            3 => (record(&["product_id", "stock_id", "code", "price", "translations", "opis"]), record(&["stock_id", "stock", "price", "x"]), any::<bool>())
                .prop_map(|(mut row, stock, nested)| {
                    if nested {
                        row["stock"] = stock;
                    }
                    row
                }),
            1 => any_json(),
        ]
        .boxed()
    }

    fn item() -> BoxedStrategy<Value> {
        let id = prop_oneof![prop::sample::select(&IDS[..]).prop_map(Value::from), any_json()];
        let code = prop_oneof![Just(json!(200)), Just(json!("200")), Just(json!(404)), Just(json!(500)), any_json()];
        let page = (prop::collection::vec(row(), 0..4), prop_oneof![Just(json!(2)), Just(json!("2")), any_json()])
            .prop_map(|(list, pages)| json!({"count": "9", "pages": pages, "list": list}));
        let error = Just(json!({"error": "not_found", "error_description": "Brak strony"}));
        let body = prop_oneof![4 => page, 1 => error, 1 => any_json()];
        prop_oneof![5 => (id, code, body).prop_map(|(id, code, body)| json!({"id": id, "code": code, "body": body})), 1 => any_json()].boxed()
    }

    fn answer() -> BoxedStrategy<Value> {
        prop_oneof![
            6 => prop::collection::vec(item(), 0..4).prop_map(|items| json!({"errors": false, "items": items})),
            1 => any_json(),
        ]
        .boxed()
    }

    type Said = Result<Vec<Result<Vec<Value>, ApiError>>, ApiError>;

    /// The answer as one pruned JSON tree, each row pruned to the row shape (as runs read it before
    /// rows were read field by field).
    const BULK_OF_ROWS: Shape = Shape::Object {
        fields: &[(
            "items",
            Shape::Each(&Shape::Object { fields: &[("body", Shape::Object { fields: &[("list", Shape::Each(&CATALOGUE_ROW))], others: true })], others: true }),
        )],
        others: true,
    };

    /// What the whole answer says: each page's rows pruned to the row shape, or the error.
    fn whole(chunk: &[BulkOp], text: &str) -> Said {
        let items = bulk_results(chunk, pruned(text, &BULK_OF_ROWS).unwrap(), &[])?;
        Ok(items.into_iter().zip(chunk).map(|(item, op)| item.into_result(op).and_then(ListPage::parse).map(|page| page.list)).collect())
    }

    fn by_rows(chunk: &[BulkOp], text: &str) -> Said {
        let pages = page_results(chunk, kept(text, &CATALOGUE_PAGES).unwrap(), &[])?;
        Ok(pages.into_iter().map(|page| page.map(|rows| rows.into_iter().map(Kept::into_value).collect())).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A `/bulk` answer of catalogue pages read row by row says what the whole answer says:
        /// each page's rows (the fields the row shape names), the same error of a page, the same
        /// unreadable answer.
        #[test]
        fn pages_read_row_by_row_say_what_the_whole_answer_says(answer in answer()) {
            let chunk: Vec<BulkOp> = IDS.iter().map(|id| BulkOp::get(*id, "products", json!({"page": 2}))).collect();
            let text = answer.to_string();
            prop_assert_eq!(by_rows(&chunk, &text), whole(&chunk, &text));
        }
    }

    #[test]
    fn a_page_without_its_list_or_page_count_is_unreadable() {
        let chunk = [BulkOp::get("p", "products", json!({"page": 2}))];
        let malformed = ApiError::MalformedJson { service: crate::client::Service::Shoper };
        for body in [json!({"pages": 2}), json!({"pages": 2, "list": {"1": {}}}), json!({"list": []}), json!("x")] {
            let text = json!({"items": [{"id": "p", "code": 200, "body": body}]}).to_string();
            assert_eq!(by_rows(&chunk, &text), Ok(vec![Err(malformed.clone())]), "{body}");
        }
        let text = json!({"items": [{"id": "p", "code": 200, "body": {"pages": 3, "list": [{"product_id": 7, "opis": "długi"}]}}]}).to_string();
        assert_eq!(by_rows(&chunk, &text), Ok(vec![Ok(vec![json!({"product_id": 7})])]));
    }
}
