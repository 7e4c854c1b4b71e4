//! "Sprawdź połączenie": each check the merchant can act on, in order, with a fix for each
//! failure. Stops at the first check later ones depend on.

use super::connection::{Connection, ShoperAuthKind};
use super::session::Session;
use super::Engine;
use crate::client::error::ApiError;
use crate::client::AuthFailure;
use crate::io::{Clock, Http, Storage};
use crate::plan::Lang;
use crate::texts;
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
    Check {
        id: id.into(),
        status: CheckStatus::Failed,
        message_pl: e.message_pl(),
        message_en: e.message_en(),
        fix_pl: Some(fix.0.into()),
        fix_en: Some(fix.1.into()),
    }
}

fn skipped(id: &str) -> Check {
    Check {
        status: CheckStatus::Skipped,
        ..ok(id, texts::t(Lang::Pl, "core_check_skipped_an_earlier_step_failed"), texts::t(Lang::En, "core_check_skipped_an_earlier_step_failed"))
    }
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
        (ApiError::Unreachable { .. } | ApiError::Timeout { .. }, _) => {
            (texts::t(Lang::Pl, "core_check_check_the_shop_address_and"), texts::t(Lang::En, "core_check_check_the_shop_address_and"))
        }
        (ApiError::Redirected { .. }, _) => {
            (texts::t(Lang::Pl, "core_check_enter_the_address_the_shop"), texts::t(Lang::En, "core_check_enter_the_address_the_shop"))
        }
        (ApiError::ShoperWrongAddress | ApiError::NotJson { .. } | ApiError::MalformedJson { .. }, _) => {
            (texts::t(Lang::Pl, "core_check_enter_the_shoper_shop_s"), texts::t(Lang::En, "core_check_enter_the_shoper_shop_s"))
        }
        (ApiError::ShoperAuthFailed(AuthFailure::WebApiAccessDenied), _) => (
            texts::t(Lang::Pl, "core_check_in_the_panel_configuration_administration"),
            texts::t(Lang::En, "core_check_in_the_panel_configuration_administration"),
        ),
        (_, ShoperAuthKind::Token) => (texts::t(Lang::Pl, "core_check_generate_a_new_token_in"), texts::t(Lang::En, "core_check_generate_a_new_token_in")),
        _ => (texts::t(Lang::Pl, "core_check_check_the_webapi_user_s"), texts::t(Lang::En, "core_check_check_the_webapi_user_s")),
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
                checks.push(Check {
                    id: format!("field_{}", e.field),
                    status: CheckStatus::Failed,
                    message_pl: e.message_pl.clone(),
                    message_en: e.message_en.clone(),
                    fix_pl: None,
                    fix_en: None,
                });
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
                    checks.push(ok(step, texts::t(Lang::Pl, "core_check_fine"), texts::t(Lang::En, "core_check_fine")));
                }
                checks.push(skipped("shop_scopes"));
                return;
            }
        };
        // the shop's own idea of its address: offered as another address of its panel
        self.learn_from_config(conn, &config.shop_url).await;
        checks.push(ok("shop_reachable", texts::t(Lang::Pl, "core_check_the_shop_answers"), texts::t(Lang::En, "core_check_the_shop_answers")));
        checks.push(ok(
            "shop_is_shoper",
            texts::fill(Lang::Pl, "core_check_this_is_a_shoper_shop", &[&session.host.to_string()]),
            texts::fill(Lang::En, "core_check_this_is_a_shoper_shop", &[&session.host.to_string()]),
        ));
        checks.push(ok("shop_credentials", texts::t(Lang::Pl, "core_check_logging_in_to_the_shop"), texts::t(Lang::En, "core_check_logging_in_to_the_shop")));
        for (area, method, path) in SHOP_PROBES {
            let id = format!("shop_scope_{area}");
            let result = match *method {
                "PUT" => session.shoper.put(path, &json!({})).await,
                _ => session.shoper.get(path, &[("limit", "1")]).await,
            };
            match result {
                Ok(_) | Err(ApiError::ShoperNotFound { .. }) | Err(ApiError::ShoperRejected { status: 400, .. }) => {
                    checks.push(ok(&id, "uprawnienie nadane", "permission granted"))
                }
                Err(e @ ApiError::ShoperPermissionMissing { .. }) => checks.push(failed(
                    &id,
                    &e,
                    (texts::t(Lang::Pl, "core_check_grant_this_permission_to_the"), texts::t(Lang::En, "core_check_grant_this_permission_to_the")),
                )),
                Err(e) => checks.push(failed(
                    &id,
                    &e,
                    (texts::t(Lang::Pl, "core_check_try_again_in_a_moment"), texts::t(Lang::En, "core_check_try_again_in_a_moment")),
                )),
            }
        }
        match session.shoper.list_all("languages", None, None).await {
            Ok(langs) => {
                let active = langs.iter().filter(|l| l.get("active").map(|a| a == "1" || a == 1 || a == true).unwrap_or(false)).count();
                checks.push(if active > 1 {
                    warn(
                        "shop_languages",
                        texts::fill(Lang::Pl, "core_check_active_languages_new_product_names", &[&active.to_string(), &config.default_locale.to_string()]),
                        texts::fill(Lang::En, "core_check_active_languages_new_product_names", &[&active.to_string(), &config.default_locale.to_string()]),
                    )
                } else {
                    ok(
                        "shop_languages",
                        texts::fill(Lang::Pl, "core_check_shop_language", &[&config.default_locale.to_string()]),
                        texts::fill(Lang::En, "core_check_shop_language", &[&config.default_locale.to_string()]),
                    )
                });
            }
            Err(e) => checks.push(failed(
                "shop_languages",
                &e,
                (texts::t(Lang::Pl, "core_check_grant_read_access_to_languages"), texts::t(Lang::En, "core_check_grant_read_access_to_languages")),
            )),
        }
        checks.push(if config.warehouses_enabled {
            warn(
                "shop_warehouses",
                texts::t(Lang::Pl, "core_check_the_shop_uses_several_warehouses"),
                texts::t(Lang::En, "core_check_the_shop_uses_several_warehouses"),
            )
        } else {
            ok("shop_warehouses", texts::t(Lang::Pl, "core_check_one_warehouse_in_the_shop"), texts::t(Lang::En, "core_check_one_warehouse_in_the_shop"))
        });
    }

    async fn check_systim(&self, session: &mut Session<'_, H, C>, checks: &mut Vec<Check>) {
        if let Err(e) = session.systim.login().await {
            let (id, fix) = match &e {
                ApiError::Unreachable { .. }
                | ApiError::Timeout { .. }
                | ApiError::NotJson { .. }
                | ApiError::InvalidAddress { .. }
                | ApiError::Redirected { .. } => (
                    "systim_reachable",
                    (texts::t(Lang::Pl, "core_check_check_the_systim_account_name"), texts::t(Lang::En, "core_check_check_the_systim_account_name")),
                ),
                _ => ("systim_login", (texts::t(Lang::Pl, "core_check_generate_an_api_key_in"), texts::t(Lang::En, "core_check_generate_an_api_key_in"))),
            };
            if id == "systim_login" {
                checks.push(ok("systim_reachable", "Systim odpowiada", "Systim answers"));
            }
            checks.push(failed(id, &e, fix));
            return;
        }
        checks.push(ok("systim_reachable", "Systim odpowiada", "Systim answers"));
        checks.push(ok(
            "systim_login",
            texts::t(Lang::Pl, "core_check_logging_in_to_systim_works"),
            texts::t(Lang::En, "core_check_logging_in_to_systim_works"),
        ));
        // Every assumed method probed again (on demand: the merchant clicked), the verdicts kept
        // for the runs of this account.
        let now = self.clock.now_ms();
        let mut probes = super::methods::Probes::load(&self.store, &session.systim_origin).await;
        let mut unavailable = Vec::new();
        for act in super::methods::ASSUMED {
            let params = match *act {
                "listOrders" => crate::client::form::Form::new().field("data_od", crate::dates::ymd(now)),
                _ => crate::client::form::Form::new(),
            };
            let result = session.systim.probe_list(act, &params).await;
            let verdict = probes.record(act, &super::methods::verdict(&result), now);
            match verdict {
                super::methods::Verdict::Available => {}
                super::methods::Verdict::Unavailable(_) => unavailable.push(*act),
                super::methods::Verdict::Inconclusive | super::methods::Verdict::Doubtful(_) => checks.push(warn(
                    &format!("systim_method_{act}"),
                    texts::fill(Lang::Pl, "core_check_could_not_check_the_method", &[act]),
                    texts::fill(Lang::En, "core_check_could_not_check_the_method", &[act]),
                )),
            }
        }
        probes.save_if_changed(&self.store).await;
        if unavailable.is_empty() {
            checks.push(ok(
                "systim_methods",
                texts::t(Lang::Pl, "core_check_the_account_offers_every_method"),
                texts::t(Lang::En, "core_check_the_account_offers_every_method"),
            ));
        } else {
            checks.push(ok(
                "systim_methods",
                texts::t(Lang::Pl, "core_check_the_basic_methods_work_orders"),
                texts::t(Lang::En, "core_check_the_basic_methods_work_orders"),
            ));
            for act in unavailable {
                let (pl, en) = super::methods::cost(act);
                checks.push(warn(
                    &format!("systim_method_{act}"),
                    texts::fill(Lang::Pl, "core_check_method_missing", &[act, pl]),
                    texts::fill(Lang::En, "core_check_method_missing", &[act, en]),
                ));
            }
        }
    }
}
