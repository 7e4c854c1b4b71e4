use super::assumed::ASSUMED_METHODS;
use super::*;
use crate::client::error::Interruption;
use crate::client::testkit::*;
use crate::io::NetError;
use serde_json::json;

const API_KEY: &str = "c45lcd45-tajny-klucz";
const TOKEN: &str = "6aed003dc54951c043f8d1ad4b4804a2a8a40f";
const T0: u64 = 1_700_000_000_000;

fn config() -> SystimConfig {
    SystimConfig::new("firma", "admin", Secret::new(API_KEY))
}

fn ok(result: Value) -> HttpResponse {
    json(200, json!({"error": {"code": 0, "message": "", "fields": []}, "result": result}))
}

fn code(code: Value, message: &str) -> HttpResponse {
    json(200, json!({"error": {"code": code, "message": message}, "result": null}))
}

fn logged_in() -> HttpResponse {
    ok(json!({"token": TOKEN}))
}

fn acts(http: &FakeHttp) -> Vec<String> {
    http.requests().iter().map(|r| form_value(r, "act").unwrap_or_default()).collect()
}

#[test]
fn logs_in_with_the_api_key_and_sends_the_token_afterwards() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(ok(json!({"1": {"nazwa": "23%"}}))).reply(ok(json!([])));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    assert_eq!(systim.endpoint(), "https://firma.systim.pl/jsonAPI.php");
    assert_eq!(run(systim.list_vat_rates()).unwrap(), json!({"1": {"nazwa": "23%"}}));
    run(systim.list_products()).unwrap();

    let reqs = http.requests();
    assert_eq!(acts(&http), ["login", "listVatRates", "listProducts"]);
    assert_eq!(form_of(&reqs[0]), [("act".into(), "login".into()), ("login".into(), "admin".into()), ("pass".into(), API_KEY.into())]);
    for req in &reqs {
        assert_eq!(req.url, "https://firma.systim.pl/jsonAPI.php");
        assert_eq!(req.method, Method::Post);
        assert_eq!(header_of(req, "content-type"), Some("application/x-www-form-urlencoded; charset=UTF-8"));
    }
    for req in &reqs[1..] {
        assert_eq!(form_value(req, "token").as_deref(), Some(TOKEN));
        assert_eq!(form_value(req, "pass"), None);
    }
    assert_eq!(systim.token_state().unwrap().token.expose(), TOKEN);
    assert_eq!(systim.stats().auth_requests, 1);
}

#[test]
fn order_lines_travel_in_php_bracket_form() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(ok(json!(345)));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    let order = json!({
        "nazwa": "Jan Kowalski",
        "naliczanie_brutto": 1,
        "uwagi": "Shoper 1001 @ sklep.example.pl",
        "produkty": [{"id": 12, "ilosc": "2", "cena": "30.00", "id_stawki_vat": 1}],
    });
    assert_eq!(run(systim.add_order(&order)), Ok(json!(345)));
    let req = &http.requests()[1];
    let body = req.body.as_deref().unwrap();
    assert!(body.contains("produkty%5B0%5D%5Bid%5D=12"), "{body}");
    assert_eq!(form_value(req, "produkty[0][cena]").as_deref(), Some("30.00"));
    assert_eq!(form_value(req, "uwagi").as_deref(), Some("Shoper 1001 @ sklep.example.pl"));
    assert_eq!(form_value(req, "act").as_deref(), Some("addOrder"));
}

#[test]
fn a_lost_session_logs_in_again_exactly_once() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(code(json!("13"), "Brak sesji użytkownika")).reply(logged_in()).reply(ok(json!([1])));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    assert_eq!(run(systim.list_products()), Ok(json!([1])));
    assert_eq!(acts(&http), ["login", "listProducts", "login", "listProducts"]);

    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(code(json!(13), "")).reply(logged_in()).reply(code(json!(13), ""));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    assert_eq!(run(systim.list_products()), Err(ApiError::SystimSessionLost));
    assert_eq!(http.count(), 4);
}

#[test]
fn a_restored_token_that_expired_is_replaced_by_one_login() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(code(json!(13), "")).reply(logged_in()).reply(ok(json!(9)));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    systim.restore_token(TokenState { token: Secret::new("old-token"), expires_at_ms: None });
    assert_eq!(run(systim.add_order(&json!({"nazwa": "x"}))), Ok(json!(9)), "13 is a refusal: safe to repeat an add");
    assert_eq!(form_value(&http.requests()[0], "token").as_deref(), Some("old-token"));
    assert_eq!(acts(&http), ["addOrder", "login", "addOrder"]);
}

#[test]
fn wrong_credentials_stop_at_once() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(code(json!(4), "Nieprawidlowy login lub haslo"));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    let err = run(systim.login()).unwrap_err();
    assert_eq!(err, ApiError::SystimWrongCredentials);
    assert!(err.message_pl().contains("klucz API"));
    assert_eq!(http.count(), 1);
    assert_eq!(clock.slept(), 0);
}

#[test]
fn throttling_backs_off_tens_of_seconds_then_resumes() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(code(json!(2), "Dostęp zablokowany")).reply(code(json!("2"), "")).reply(ok(json!([])));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    assert_eq!(run(systim.list_products()), Ok(json!([])));
    assert_eq!(clock.sleeps(), [22_500, 45_000], "30 s then 60 s steps with jitter 0.5 (at least half)");
    assert_eq!((systim.stats().rate_limited, systim.stats().retries), (2, 2));
}

#[test]
fn throttling_that_does_not_lift_is_reported_after_bounded_attempts() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in());
    for _ in 0..4 {
        http.reply(code(json!(2), ""));
    }
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    let err = run(systim.list_products()).unwrap_err();
    assert_eq!(err.code(), "systim_throttled");
    assert_eq!(http.count(), 5);
    assert_eq!(http.pending(), 0);
}

#[test]
fn no_data_is_an_empty_list_for_lists_only() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(code(json!(8), "Brak danych")).reply(code(json!(8), "Brak danych"));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    assert_eq!(run(systim.list_pquantities(3)), Ok(json!([])));
    assert_eq!(form_value(&http.requests()[1], "id_magazynu").as_deref(), Some("3"));
    let err = run(systim.call("getOrder", &Form::new().field("id", "1"))).unwrap_err();
    assert_eq!(err, ApiError::SystimError { act: "getOrder".into(), code: 8, message: "Brak danych".into() });
}

#[test]
fn an_unknown_method_turns_off_only_that_feature() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(code(json!(1), "Nieznana metoda")).reply(ok(json!({"1": {"nazwa": "Główny"}})));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    assert_eq!(run(systim.list_stores()), Err(ApiError::SystimUnknownMethod { act: "listStores".into() }));
    assert!(run(systim.list_products()).is_ok(), "the client keeps working");
    assert!(ASSUMED_METHODS.contains(&"listStores"));
}

#[test]
fn invalid_fields_are_named_whatever_shape_they_come_in() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let fields_object = json(200, json!({"error": {"code": 6, "message": "Błędne dane", "fields": {"id_stawki_vat": "nie istnieje"}}, "result": null}));
    let fields_string = json(200, json!({"error": {"code": "6", "message": "", "fields": "nip"}, "result": null}));
    http.reply(logged_in()).reply(fields_object).reply(fields_string);
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    let err = run(systim.add_product(&json!({"nazwa": "Kubek"}))).unwrap_err();
    assert_eq!(err, ApiError::SystimInvalidFields { act: "addProduct".into(), fields: vec!["id_stawki_vat".into()], message: "Błędne dane".into() });
    assert!(err.message_pl().contains("id_stawki_vat"));
    let err = run(systim.add_company(&json!({"nazwa": "Firma"}))).unwrap_err();
    assert!(matches!(err, ApiError::SystimInvalidFields { ref fields, .. } if fields == &["nip"]));
    assert_eq!(http.count(), 3, "code 6 is never retried");
}

#[test]
fn a_php_error_page_is_retried_for_reads() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(text(200, "<br /><b>Fatal error</b>: ...")).reply(text(500, "Internal Server Error"));
    http.reply(ok(json!({"5": {"id": "5"}})));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    assert_eq!(run(systim.list_companies(Some("5862120928"))), Ok(json!({"5": {"id": "5"}})));
    assert_eq!(form_value(&http.requests()[3], "nip").as_deref(), Some("5862120928"));
    assert_eq!(systim.stats().retries, 2);
}

#[test]
fn a_php_error_page_that_persists_is_reported() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in());
    for _ in 0..4 {
        http.reply(text(200, "<html>Fatal error</html>"));
    }
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    let err = run(systim.list_categories()).unwrap_err();
    assert_eq!(err, ApiError::NotJson { service: Service::Systim, status: 200 });
    assert!(err.is_transient());
}

#[test]
fn add_order_is_never_repeated_after_an_interruption() {
    let cases = [
        (Err(NetError::Timeout), Interruption::Timeout),
        (Err(NetError::Unreachable("connection reset".into())), Interruption::ConnectionLost),
        (Ok(text(200, "<b>Fatal error</b>")), Interruption::UnreadableAnswer),
        (Ok(text(502, "Bad Gateway")), Interruption::ServerError(502)),
    ];
    for (answer, cause) in cases {
        let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
        http.reply(logged_in()).push(answer);
        let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
        let err = run(systim.add_order(&json!({"nazwa": "Jan"}))).unwrap_err();
        assert_eq!(err, ApiError::OutcomeUnknown { service: Service::Systim, cause });
        assert_eq!(acts(&http), ["login", "addOrder"], "{cause:?}");
    }
}

#[test]
fn a_throttled_add_order_is_not_repeated_it_may_answer_a_resend() {
    // Code 2 to addOrder may be Systim throttling the browser's own resend of a request whose
    // first copy was written: the outcome is unknown, the engine verifies before sending again.
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(code(json!(2), "")).reply(ok(json!(77)));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    let err = run(systim.add_order(&json!({"nazwa": "Jan"}))).unwrap_err();
    assert_eq!(err, ApiError::OutcomeUnknown { service: Service::Systim, cause: Interruption::RateLimited });
    assert_eq!(acts(&http), ["login", "addOrder"]);
}

#[test]
fn a_throttled_read_is_repeated_after_a_rest() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(code(json!(2), "")).reply(ok(json!([])));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    assert_eq!(run(systim.list_products()), Ok(json!([])));
    assert!(clock.sleeps()[0] >= 15_000, "tens of seconds: {:?}", clock.sleeps());
}

#[test]
fn list_orders_sends_the_optional_dates() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    http.reply(logged_in()).reply(ok(json!([]))).reply(ok(json!([])));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    run(systim.list_orders(Some("2024-05-01"), Some("2024-05-31"))).unwrap();
    run(systim.list_orders(None, None)).unwrap();
    let reqs = http.requests();
    assert_eq!(form_value(&reqs[1], "data_od").as_deref(), Some("2024-05-01"));
    assert_eq!(form_value(&reqs[1], "data_do").as_deref(), Some("2024-05-31"));
    assert_eq!(form_value(&reqs[2], "data_od"), None);
}

#[test]
fn a_full_base_url_is_accepted_and_plain_http_only_locally() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let mut local = config();
    local.account = "http://127.0.0.1:8081".into();
    assert_eq!(SystimClient::new(&http, &clock, local).unwrap().endpoint(), "http://127.0.0.1:8081/jsonAPI.php");
    let mut remote = config();
    remote.account = "http://firma.systim.pl".into();
    assert_eq!(SystimClient::new(&http, &clock, remote).unwrap_err().code(), "systim_invalid_address");
}

#[test]
fn secrets_never_reach_errors_or_debug_output() {
    let (http, clock) = (FakeHttp::new(), VirtualClock::at(T0));
    let echo = format!("Zły parametr pass={API_KEY} token={TOKEN}");
    http.reply(logged_in()).reply(code(json!(16), &echo)).reply(code(json!(6), &echo));
    let mut systim = SystimClient::new(&http, &clock, config()).unwrap();
    let errors = [run(systim.list_products()).unwrap_err(), run(systim.add_order(&json!({}))).unwrap_err()];
    let mut shown: Vec<String> = errors.iter().flat_map(|e| [format!("{e:?}"), e.to_string(), e.message_pl(), e.message_en()]).collect();
    shown.extend([format!("{systim:?}"), format!("{:?}", config()), format!("{:?}", systim.token_state())]);
    for text in &shown {
        for secret in [API_KEY, TOKEN] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
    }
    assert!(errors[0].message_pl().contains("***"));
}
