//! "Sprawdź połączenie": each check the merchant can act on, in order, with a fix for each
//! failure. Stops at the first check later ones depend on.

use super::connection::{Connection, ShoperAuthKind};
use super::session::Session;
use super::Engine;
use crate::client::error::ApiError;
use crate::client::AuthFailure;
use crate::io::{Clock, Http, Storage};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Failed,
    Warning,
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub id: String,
    pub status: CheckStatus,
    pub message_pl: String,
    pub message_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_pl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_en: Option<String>,
}

fn ok(id: &str, pl: impl Into<String>, en: impl Into<String>) -> Check {
    Check { id: id.into(), status: CheckStatus::Ok, message_pl: pl.into(), message_en: en.into(), fix_pl: None, fix_en: None }
}

fn warn(id: &str, pl: impl Into<String>, en: impl Into<String>) -> Check {
    Check { status: CheckStatus::Warning, ..ok(id, pl, en) }
}

fn failed(id: &str, e: &ApiError, fix: (&str, &str)) -> Check {
    Check { id: id.into(), status: CheckStatus::Failed, message_pl: e.message_pl(), message_en: e.message_en(), fix_pl: Some(fix.0.into()), fix_en: Some(fix.1.into()) }
}

fn skipped(id: &str) -> Check {
    Check { status: CheckStatus::Skipped, ..ok(id, "pominięto (wcześniejszy krok nie przeszedł)", "skipped (an earlier step failed)") }
}

/// The permission areas the sync needs, each probed with a harmless call: a read, or a write to
/// an object that does not exist (404 = allowed, 403 = not granted).
const SHOP_PROBES: &[(&str, &str, &str)] = &[
    ("orders", "GET", "orders"),
    ("order_products", "GET", "order-products"),
    ("products", "GET", "products"),
    ("products_edit", "PUT", "product-stocks/0"),
    ("categories", "GET", "categories"),
    ("taxes", "GET", "taxes"),
    ("units", "GET", "units"),
    ("statuses", "GET", "statuses"),
    ("languages", "GET", "languages"),
];

fn shop_failure_id(e: &ApiError) -> &'static str {
    match e {
        ApiError::Unreachable { .. } | ApiError::Timeout { .. } | ApiError::InvalidAddress { .. } | ApiError::Redirected { .. } => "shop_reachable",
        ApiError::ShoperWrongAddress | ApiError::NotJson { .. } | ApiError::MalformedJson { .. } => "shop_is_shoper",
        _ => "shop_credentials",
    }
}

fn shop_fix(e: &ApiError, kind: ShoperAuthKind) -> (&'static str, &'static str) {
    match (e, kind) {
        (ApiError::Unreachable { .. } | ApiError::Timeout { .. }, _) => ("Sprawdź adres sklepu i połączenie z internetem.", "Check the shop address and the internet connection."),
        (ApiError::Redirected { .. }, _) => (
            "Wpisz adres, pod którym sklep działa teraz (ten z paska przeglądarki po otwarciu panelu /admin), i ponownie jego klucze.",
            "Enter the address the shop answers at now (the one in the address bar on its /admin panel), and its keys again.",
        ),
        (ApiError::ShoperWrongAddress | ApiError::NotJson { .. } | ApiError::MalformedJson { .. }, _) => {
            ("Podaj adres sklepu Shoper (ten sam, pod którym otwiera się panel /admin).", "Enter the Shoper shop's address (the one where /admin opens).")
        }
        (ApiError::ShoperAuthFailed(AuthFailure::WebApiAccessDenied), _) => (
            "W panelu: Konfiguracja → Administracja, system → Grupy administratorów: nadaj grupie „dostęp do WebAPI”.",
            "In the panel: Configuration → Administration → Admin groups: give the group \"WebAPI access\".",
        ),
        (_, ShoperAuthKind::Token) => ("Wygeneruj nowy token w „Dodaj integrację” i wklej go w całości.", "Generate a new token in \"Add integration\" and paste it whole."),
        _ => ("Sprawdź login i hasło użytkownika WebAPI (wielkość liter ma znaczenie).", "Check the WebAPI user's login and password (case matters)."),
    }
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// Test a connection (the stored one when `None`). Never changes anything in either service.
    /// Nothing is sent anywhere while an address is refused or a key would follow a newly typed
    /// address (the merchant types it again: [`Connection::accept`]).
    pub async fn test_connection(&self, conn: Option<Connection>) -> Vec<Check> {
        let rules = self.host_rules();
        let stored = self.connection().await;
        let (conn, invalid) = match conn {
            Some(c) => c.merged(&stored, rules),
            None => {
                let invalid = stored.validate(rules);
                (stored, invalid)
            }
        };
        let mut checks = Vec::new();
        // Addresses and keys: a refused one stops the test before any request.
        const STOPS: [&str; 5] = ["shopUrl", "systimAccount", "shoperPassword", "shoperToken", "systimKey"];
        let stop = invalid.iter().any(|e| STOPS.contains(&e.field.as_str()));
        if !invalid.is_empty() {
            for e in &invalid {
                checks.push(Check { id: format!("field_{}", e.field), status: CheckStatus::Failed, message_pl: e.message_pl.clone(), message_en: e.message_en.clone(), fix_pl: None, fix_en: None });
            }
            if stop {
                return checks;
            }
        } else {
            checks.push(ok("shop_address", "Adresy poprawne", "Addresses are valid"));
        }
        let Ok(mut session) = Session::open(&self.http, &self.clock, &conn) else { return checks };
        self.check_shop(&mut session, &conn, &mut checks).await;
        self.check_systim(&mut session, &mut checks).await;
        checks
    }

    async fn check_shop(&self, session: &mut Session<'_, H, C>, conn: &Connection, checks: &mut Vec<Check>) {
        let config = match session.shop_config().await {
            Ok((c, _)) => c,
            Err(e) => {
                let id = shop_failure_id(&e);
                for step in ["shop_reachable", "shop_is_shoper", "shop_credentials"] {
                    if step == id {
                        checks.push(failed(step, &e, shop_fix(&e, conn.shoper_auth)));
                        break;
                    }
                    checks.push(ok(step, "w porządku", "fine"));
                }
                checks.push(skipped("shop_scopes"));
                return;
            }
        };
        // the shop's own idea of its address: offered as another address of its panel
        self.learn_from_config(conn, &config.shop_url).await;
        checks.push(ok("shop_reachable", "Sklep odpowiada", "The shop answers"));
        checks.push(ok("shop_is_shoper", format!("To sklep Shoper ({})", session.host), format!("This is a Shoper shop ({})", session.host)));
        checks.push(ok("shop_credentials", "Logowanie do API sklepu działa", "Logging in to the shop API works"));
        for (area, method, path) in SHOP_PROBES {
            let id = format!("shop_scope_{area}");
            let result = match *method {
                "PUT" => session.shoper.put(path, &json!({})).await,
                _ => session.shoper.get(path, &[("limit", "1")]).await,
            };
            match result {
                Ok(_) | Err(ApiError::ShoperNotFound { .. }) | Err(ApiError::ShoperRejected { status: 400, .. }) => checks.push(ok(&id, "uprawnienie nadane", "permission granted")),
                Err(e @ ApiError::ShoperPermissionMissing { .. }) => checks.push(failed(
                    &id,
                    &e,
                    ("Nadaj to uprawnienie grupie administratorów WebAPI (albo integracji) w panelu Shoper.", "Grant this permission to the WebAPI admin group (or the integration) in the Shoper panel."),
                )),
                Err(e) => checks.push(failed(&id, &e, ("Spróbuj ponownie za chwilę.", "Try again in a moment."))),
            }
        }
        match session.shoper.list_all("languages", None, None).await {
            Ok(langs) => {
                let active = langs.iter().filter(|l| l.get("active").map(|a| a == "1" || a == 1 || a == true).unwrap_or(false)).count();
                checks.push(if active > 1 {
                    warn("shop_languages", format!("Aktywnych języków: {active}; nazwy nowych produktów w {}", config.default_locale), format!("{active} active languages; new product names in {}", config.default_locale))
                } else {
                    ok("shop_languages", format!("Język sklepu: {}", config.default_locale), format!("Shop language: {}", config.default_locale))
                });
            }
            Err(e) => checks.push(failed("shop_languages", &e, ("Nadaj uprawnienie do odczytu języków.", "Grant read access to languages."))),
        }
        checks.push(if config.warehouses_enabled {
            warn("shop_warehouses", "Sklep ma moduł wielu magazynów — wskaż magazyn w ustawieniach stanów", "The shop uses several warehouses — choose one in the stock settings")
        } else {
            ok("shop_warehouses", "Jeden magazyn w sklepie", "One warehouse in the shop")
        });
    }

    async fn check_systim(&self, session: &mut Session<'_, H, C>, checks: &mut Vec<Check>) {
        if let Err(e) = session.systim.login().await {
            let (id, fix) = match &e {
                ApiError::Unreachable { .. } | ApiError::Timeout { .. } | ApiError::NotJson { .. } | ApiError::InvalidAddress { .. } | ApiError::Redirected { .. } => {
                    ("systim_reachable", ("Sprawdź nazwę konta Systim (część adresu przed .systim.pl).", "Check the Systim account name (the part before .systim.pl)."))
                }
                _ => ("systim_login", ("Wygeneruj klucz API w Systim: Ustawienia → Użytkownicy → Opcje → Wygeneruj klucz; login to nazwa tego użytkownika.", "Generate an API key in Systim: Settings → Users → Options → Generate key; the login is that user's name.")),
            };
            if id == "systim_login" {
                checks.push(ok("systim_reachable", "Systim odpowiada", "Systim answers"));
            }
            checks.push(failed(id, &e, fix));
            return;
        }
        checks.push(ok("systim_reachable", "Systim odpowiada", "Systim answers"));
        checks.push(ok("systim_login", "Logowanie do Systim działa", "Logging in to Systim works"));
        // Every assumed method probed again (on demand: the merchant clicked), the verdicts kept
        // for the runs of this account.
        let now = self.clock.now_ms();
        let mut probes = super::methods::Probes::load(&self.store, &session.systim_origin).await;
        let mut unavailable = Vec::new();
        for (act, _, _) in super::methods::ASSUMED {
            let params = match *act {
                "listOrders" => crate::client::form::Form::new().field("data_od", crate::dates::ymd(now)),
                _ => crate::client::form::Form::new(),
            };
            let result = session.systim.probe_list(act, &params).await;
            let verdict = super::methods::verdict(&result);
            probes.record(act, &verdict, now);
            match verdict {
                super::methods::Verdict::Available => {}
                super::methods::Verdict::Unavailable(_) => unavailable.push(*act),
                super::methods::Verdict::Inconclusive => checks.push(warn(
                    &format!("systim_method_{act}"),
                    format!("Nie udało się sprawdzić metody {act} (Systim nie odpowiedział) — sprawdź połączenie ponownie za chwilę"),
                    format!("Could not check the method {act} (Systim did not answer) — check the connection again in a moment"),
                )),
            }
        }
        probes.save_if_changed(&self.store).await;
        if unavailable.is_empty() {
            checks.push(ok("systim_methods", "Konto udostępnia wszystkie metody, z których korzysta rozszerzenie", "The account offers every method the extension uses"));
        } else {
            checks.push(ok(
                "systim_methods",
                "Podstawowe metody działają; synchronizacja zamówień, stanów i produktów działa bez metod wymienionych niżej",
                "The basic methods work; orders, stock and products sync without the methods listed below",
            ));
            for act in unavailable {
                let (pl, en) = super::methods::cost(act);
                checks.push(warn(&format!("systim_method_{act}"), format!("Konto nie udostępnia metody {act}: {pl}."), format!("The account does not offer {act}: {en}.")));
            }
        }
    }
}
