//! Pick lists for the settings (`listChoices`, `suggestMappings`: docs/messages.md): the named
//! entries of a shop's or a Systim account's list, read with the stored keys, so that the
//! merchant chooses "Przelew" or "Kurier DPD" instead of typing an id. Only ids and names leave
//! the core — never a key. A list is kept in storage for [`CACHE_MS`] (key `choices`);
//! `refresh` reads it again.
//!
//! Shop lists come in one round of `/bulk` calls, read from the records as Shoper sends them (no
//! new decoder: the id field, the name in the shop's language, one extra). Systim's lists are the
//! run's decoders; the assumed ones (stores, categories, delivery and payment methods) are
//! probed as a run probes them ([`super::methods`]): one the account lacks comes back
//! `available: false` — the page then takes a typed id, and for payments it offers Systim's
//! standard forms of payment by name ([`STANDARD_PAYMENTS`]).

use super::methods::{verdict, Probes, Verdict};
use super::session::Session;
use super::store::{load, save};
use super::Engine;
use crate::client::error::ApiError;
use crate::client::form::Form;
use crate::client::shoper::Read;
use crate::decode::systim as dsys;
use crate::io::{Clock, Http, Storage};
use crate::suggest::{suggest, Mapping, Why};
use serde_json::{json, Value};

/// Where the lists read lately are kept (`{kind: list}`).
pub const CACHE_KEY: &str = "choices";
/// How long a list read is reused without asking again.
pub const CACHE_MS: u64 = 10 * 60_000;
/// At most this many products answer a search.
pub const PRODUCTS_MAX: usize = 50;

/// The shop's lists: kind, resource, id field, where the name is (`translations.<locale>.<field>`
/// when the record has translations, else the record's own field), the extra field.
const SHOP: &[(&str, &str, &str, &str, &str)] = &[
    ("shop_statuses", "statuses", "status_id", "name", "type"),
    ("shop_payments", "payments", "payment_id", "title", "name"),
    ("shop_shippings", "shippings", "shipping_id", "name", "engine"),
    ("shop_currencies", "currencies", "currency_id", "name", "default"),
    ("shop_warehouses", "warehouses", "warehouse_id", "name", "default"),
    ("shop_languages", "languages", "locale", "locale", "active"),
    ("shop_categories", "categories", "category_id", "name", "parent_id"),
];

/// Systim's lists: kind and method (`listVatRates` is confirmed; the others are assumed).
const SYSTIM: &[(&str, &str)] = &[
    ("systim_stores", "listStores"),
    ("systim_categories", "listCategories"),
    ("systim_delivery", "listDeliveryMethods"),
    ("systim_payments", "listPaymentMethods"),
    ("systim_vat_rates", "listVatRates"),
];

/// Systim's standard forms of payment (`id_formy_platnosci`), named where the account does not
/// list them (docs/systim-surface.md).
pub const STANDARD_PAYMENTS: &[(u64, &str)] = &[(1, "przelew"), (2, "gotówka"), (3, "barter"), (4, "pobranie"), (5, "kompensata"), (6, "karta")];

fn is_kind(kind: &str) -> bool {
    kind == "systim_products" || SHOP.iter().any(|s| s.0 == kind) || SYSTIM.iter().any(|s| s.0 == kind)
}

/// A scalar of a Shoper record as text (`"1"`, `1`, `true`).
fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// `{id, name, extra}` of a shop record; the id is a number except for languages (their locale).
fn shop_item(rec: &Value, id_field: &str, name_field: &str, extra: &str, locale: &str) -> Option<Value> {
    let id = text(rec.get(id_field));
    let id = if id_field == "locale" { json!(id) } else { json!(id.parse::<u64>().ok()?) };
    let translations = rec.get("translations").and_then(Value::as_object);
    let name = match translations {
        Some(t) => t.get(locale).or_else(|| t.values().next()).map(|t| text(t.get(name_field))).unwrap_or_default(),
        None => text(rec.get(name_field)),
    };
    Some(json!({"id": id, "name": name, "extra": text(rec.get(extra))}))
}

fn not_configured() -> Value {
    super::api::error("not_configured", "Najpierw uzupełnij połączenie w ustawieniach.", "Complete the connection in the settings first.")
}

fn named(id: u64, name: &str, extra: &str) -> Value {
    json!({"id": id, "name": name, "extra": extra})
}

/// The Systim entries of an answer, decoded as a run decodes them.
fn systim_items(kind: &str, result: &Value) -> Vec<Value> {
    let mut items = Vec::new();
    match kind {
        "systim_stores" => {
            for s in dsys::stores(result).0 {
                items.push(named(s.id, &s.name, ""));
            }
        }
        "systim_categories" => {
            for c in dsys::categories(result).0 {
                items.push(named(c.id, &c.name, ""));
            }
        }
        "systim_delivery" => {
            for d in dsys::delivery_methods(result).0 {
                items.push(named(d.id, &d.name, ""));
            }
        }
        "systim_payments" => {
            for d in dsys::payment_methods(result).0 {
                items.push(named(d.id, &d.name, ""));
            }
        }
        _ => {
            for v in dsys::vat_rates(result).0 {
                items.push(named(v.id, &v.name, ""));
            }
        }
    }
    items
}

/// A list as the page gets it.
fn list(items: Vec<Value>, at_ms: u64) -> Value {
    json!({"available": true, "items": items, "readMs": at_ms})
}

/// A list the account or the shop does not give: why, in both languages.
fn unavailable(kind: &str, e: Option<&ApiError>) -> Value {
    let (pl, en) = match e {
        Some(e) => (e.message_pl(), e.message_en()),
        None => {
            ("Konto Systim nie udostępnia tej listy — wpisz numer.".to_string(), "The Systim account does not offer this list — type the number.".to_string())
        }
    };
    let mut v = json!({"available": false, "items": [], "message_pl": pl, "message_en": en});
    if kind == "systim_payments" {
        v["standard"] = json!(STANDARD_PAYMENTS.iter().map(|(id, name)| named(*id, name, "")).collect::<Vec<_>>());
    }
    v
}

/// Whether a product matches a search: its code or name contains every word (case and Polish
/// diacritics aside).
fn matches(words: &[String], code: &str, name: &str) -> bool {
    let hay = crate::suggest::words(&format!("{code} {name}")).join(" ");
    words.iter().all(|w| hay.contains(w.as_str()))
}

impl<H: Http, S: Storage, C: Clock> Engine<H, S, C> {
    /// `listChoices` or `suggestMappings`.
    pub(super) async fn choices_message(&self, m: super::api::Message) -> Value {
        match m {
            super::api::Message::ListChoices { kinds, refresh, query, ids } => self.list_choices(&kinds, refresh, &query, &ids).await,
            super::api::Message::SuggestMappings { mapping } => self.suggest_mappings(&mapping).await,
            _ => Value::Null,
        }
    }

    /// `listChoices {kinds, refresh, query, ids}`: each list by kind. `query` searches Systim's
    /// products (code or name; at most [`PRODUCTS_MAX`], services first); `ids` are products
    /// always answered when they exist (the stored shipping product).
    pub async fn list_choices(&self, kinds: &[String], refresh: bool, query: &str, ids: &[u64]) -> Value {
        if let Some(bad) = kinds.iter().find(|k| !is_kind(k)) {
            return super::api::error("bad_message", &format!("Nieznana lista: {bad}."), &format!("Unknown list: {bad}."));
        }
        let conn = self.connection().await;
        if !conn.is_configured(self.host_rules()) {
            return not_configured();
        }
        let now = self.clock.now_ms();
        // one storage key for every list read lately
        let mut cache: serde_json::Map<String, Value> = match load::<Value, _>(&self.store, CACHE_KEY).await {
            Ok(Some(Value::Object(m))) => m,
            _ => serde_json::Map::new(),
        };
        let mut out = serde_json::Map::new();
        let mut to_read = Vec::new();
        for kind in kinds {
            match cache.get(kind).filter(|c| !refresh && c["readMs"].as_u64().is_some_and(|at| at <= now && now - at < CACHE_MS)) {
                Some(c) => {
                    out.insert(kind.clone(), c.clone());
                }
                None => to_read.push(kind.as_str()),
            }
        }
        if !to_read.is_empty() {
            let Ok(mut session) = Session::open(&self.http, &self.clock, &conn) else { return not_configured() };
            session.restore_tokens(&self.store).await;
            let read = self.read_choices(&mut session, &to_read, (refresh, query, ids), now).await;
            session.save_tokens(&self.store).await;
            match read {
                Ok(lists) => {
                    for (kind, v) in lists {
                        if v["available"] == true && kind != "systim_products" {
                            cache.insert(kind.clone(), v.clone());
                        }
                        out.insert(kind, v);
                    }
                    let _ = save(&self.store, CACHE_KEY, &cache).await;
                }
                Err(e) => return super::api::error(e.code(), &e.message_pl(), &e.message_en()),
            }
        }
        json!({"ok": true, "choices": out})
    }

    async fn read_choices(
        &self,
        session: &mut Session<'_, H, C>,
        kinds: &[&str],
        (refresh, query, ids): (bool, &str, &[u64]),
        now: u64,
    ) -> Result<Vec<(String, Value)>, ApiError> {
        let mut out = Vec::new();
        let shop: Vec<_> = SHOP.iter().filter(|s| kinds.contains(&s.0)).collect();
        if !shop.is_empty() {
            let mut reads = vec![Read::one("application-config")];
            reads.extend(shop.iter().map(|s| Read::list(s.1)));
            let mut answers = session.shoper.read_all(&reads).await?.into_iter();
            let config = answers.next().unwrap_or(Ok(Value::Null))?;
            let locale = crate::decode::shoper::app_config(&config).map(|c| c.0.default_locale).unwrap_or_default();
            for ((kind, _, id, name, extra), answer) in shop.into_iter().zip(answers) {
                out.push((
                    kind.to_string(),
                    match answer {
                        Ok(v) => list(crate::client::shoper::items(v).iter().filter_map(|r| shop_item(r, id, name, extra, &locale)).collect(), now),
                        // the warehouses module off: no list (the whole stock is one)
                        Err(e) => unavailable(kind, Some(&e)),
                    },
                ));
            }
        }
        let mut probes = Probes::load(&self.store, &session.systim_origin).await;
        for (kind, act) in SYSTIM.iter().filter(|s| kinds.contains(&s.0)) {
            if *act != "listVatRates" && !refresh && probes.known(act, now) == Some(false) {
                // known to be absent (within a day): asked again only on "Odśwież" (or by "Sprawdź połączenie")
                out.push((kind.to_string(), unavailable(kind, None)));
                continue;
            }
            let result = if *act == "listVatRates" { session.systim.list_vat_rates().await } else { session.systim.probe_list(act, &Form::new()).await };
            let counts = if *act != "listVatRates" { probes.record(act, &verdict(&result), now) } else { verdict(&result) };
            out.push((
                kind.to_string(),
                match (&result, counts) {
                    (Ok(v), _) => list(systim_items(kind, v), now),
                    (Err(e @ ApiError::Cancelled { .. }), _) => return Err(e.clone()),
                    (Err(_), Verdict::Unavailable(_)) => unavailable(kind, None),
                    (Err(e), _) => unavailable(kind, Some(e)),
                },
            ));
        }
        probes.save_if_changed(&self.store).await;
        if kinds.contains(&"systim_products") {
            // read record by record, as a run reads the catalogue
            let dictionaries = dsys::Dictionaries::default();
            let read = session.systim.list_products_into(dictionaries.products()).await?.finish();
            let (snapshot, _) = dsys::assemble(dictionaries, Some(read), None);
            let words = crate::suggest::words(query);
            // the stored ones first, then services (a shipping line is one), then the others
            let mut items = Vec::new();
            for pass in 0..3 {
                for p in &snapshot.products {
                    let stored = ids.contains(&p.id);
                    let here = match pass {
                        0 => stored,
                        1 => !stored && p.is_service,
                        _ => !stored && !p.is_service,
                    };
                    if here && items.len() < PRODUCTS_MAX && (stored || matches(&words, p.code.as_str(), &p.name)) {
                        items.push(named(p.id, &p.name, p.code.as_str()));
                    }
                }
            }
            let mut v = list(items, now);
            v["total"] = json!(snapshot.products.len());
            out.push(("systim_products".to_string(), v));
        }
        Ok(out)
    }

    /// `suggestMappings {mapping}`: proposed pairs by name for `payment`, `delivery`, `currency` or
    /// `warehouse`, for the shop's entries not mapped yet — shown for the merchant to accept.
    pub async fn suggest_mappings(&self, mapping: &str) -> Value {
        let (shop_kind, systim_kind, how) = match mapping {
            "payment" => ("shop_payments", "systim_payments", Mapping::Payment),
            "delivery" => ("shop_shippings", "systim_delivery", Mapping::Delivery),
            "warehouse" => ("shop_warehouses", "systim_stores", Mapping::Warehouse),
            "currency" => ("shop_currencies", "", Mapping::Warehouse),
            other => return super::api::error("bad_message", &format!("Nieznane przypisanie: {other}."), &format!("Unknown mapping: {other}.")),
        };
        let mut kinds = vec![shop_kind.to_string()];
        if !systim_kind.is_empty() {
            kinds.push(systim_kind.to_string());
        }
        let answer = self.list_choices(&kinds, false, "", &[]).await;
        if answer["ok"] != true {
            return answer;
        }
        let entries = |v: &Value, out: &mut Vec<(u64, String)>| {
            for i in v.as_array().into_iter().flatten() {
                if let Some(id) = i["id"].as_u64() {
                    out.push((id, text(i.get("name"))));
                }
            }
        };
        let settings = self.settings().await;
        let o = &settings.orders;
        let mut mapped: Vec<u64> = Vec::new();
        match mapping {
            "payment" => o.payment_mapping.iter().for_each(|m| mapped.push(m.shop_id)),
            "delivery" => o.delivery_mapping.iter().for_each(|m| mapped.push(m.shop_id)),
            "currency" => o.currency_mapping.iter().for_each(|m| mapped.push(m.shop_id)),
            _ => settings.stock.warehouses.iter().for_each(|w| mapped.extend(w.shop_warehouse)),
        }
        let mut shop = Vec::new();
        entries(&answer["choices"][shop_kind]["items"], &mut shop);
        shop.retain(|(id, _)| !mapped.contains(id));
        let mut systim = Vec::new();
        match &answer["choices"][systim_kind] {
            // Systim's currency 0 is the złoty; no list of the others is known
            _ if mapping == "currency" => systim.push((0, "PLN".to_string())),
            v if v["available"] == true => entries(&v["items"], &mut systim),
            v => entries(&v["standard"], &mut systim),
        }
        let ours: Vec<(u64, &str)> = shop.iter().map(|(id, n)| (*id, n.as_str())).collect();
        let theirs: Vec<(u64, &str)> = systim.iter().map(|(id, n)| (*id, n.as_str())).collect();
        let name_of = |list: &[(u64, &str)], id: u64| list.iter().find(|e| e.0 == id).map(|e| e.1.to_string()).unwrap_or_default();
        let mut proposals = Vec::new();
        for p in suggest(how, &ours, &theirs) {
            let (pl, en) = match p.why {
                Why::SameName => ("ta sama nazwa".to_string(), "the same name".to_string()),
                Why::SameKind(kind) => (format!("ten sam rodzaj: {}", kind.replace('_', " ")), format!("the same kind: {}", kind.replace('_', " "))),
                Why::SimilarName => ("podobna nazwa".to_string(), "a similar name".to_string()),
            };
            proposals.push(json!({"shopId": p.shop_id, "shopName": name_of(&ours, p.shop_id), "systimId": p.systim_id, "systimName": name_of(&theirs, p.systim_id), "why_pl": pl, "why_en": en}));
        }
        json!({"ok": true, "mapping": mapping, "proposals": proposals})
    }
}
