//! One run's connection to both services: the two clients built from the stored connection,
//! their session tokens restored from and saved to storage, and the snapshots read through them.

use super::connection::{origin_host, Connection, ShoperAuthKind};
use super::store::{load, save};
use crate::client::error::ApiError;
use crate::client::shoper::{add_page, items, next_answer, Page, Read, Rounds, ShoperAuth, ShoperClient, ShoperConfig};
use crate::client::systim::{SystimClient, SystimConfig};
use crate::client::{Secret, Stats, TokenState};
use crate::decode::shoper::{self as dshop, ItemsDecoder, ShopConfig, ShopPayloads};
use crate::decode::stream::Kept;
use crate::decode::systim::{self as dsys, StoreStock, SystimPayloads};
use crate::decode::{DecodeError, DecodedList};
use crate::domain::{ShopItem, ShopSnapshot, SystimSnapshot};
use crate::io::{Clock, Http, Storage};
use crate::settings::{MissingProductPolicy, Settings};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub const TOKENS_KEY: &str = "tokens";

/// Session tokens kept between runs (a Shoper token lives 30 days; logging in on every run
/// would cost a call each time). Tied to the origins they were issued for.
#[derive(Clone, Debug, Default, Serialize)]
struct StoredTokens {
    shop_origin: String,
    shoper: Option<TokenState>,
    systim_origin: String,
    systim: Option<TokenState>,
}

// The table-driven reader of the stored records (`json::Object::fields`), as the derive reads it
// (a missing `Option` is `None`).
crate::read_fields!(StoredTokens { shop_origin: "shop_origin", shoper: "shoper" = default, systim_origin: "systim_origin", systim: "systim" = default });

pub struct Session<'e, H, C> {
    pub shoper: ShoperClient<'e, H, C>,
    pub systim: SystimClient<'e, H, C>,
    /// The shop's host: its identity in storage keys and in the import marker.
    pub host: String,
    pub shop_origin: String,
    pub systim_origin: String,
    /// Which assumed Systim methods this account has ([`super::methods`]): restored with the
    /// tokens, saved after the run.
    pub probes: super::methods::Probes,
}

/// ASSUMED Systim methods a run did without (each turns one feature off, never the run).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unavailable {
    /// Refused by this account (now or within a day: [`super::methods`]).
    pub methods: Vec<String>,
    /// Called, but no answer said anything (a timeout, a lost connection, throttling): done
    /// without for this run only.
    #[serde(default)]
    pub not_now: Vec<String>,
}

impl Unavailable {
    pub fn has(&self, act: &str) -> bool {
        self.methods.iter().chain(&self.not_now).any(|m| m == act)
    }
}

/// An assumed list method, called only when the account is not known to lack it; any failure
/// but a cancellation is recorded ([`super::methods::Probes`]) and done without — a run never
/// fails because an optional method failed.
async fn assumed<H: Http, C: Clock>(
    systim: &mut SystimClient<'_, H, C>,
    probes: &mut super::methods::Probes,
    now_ms: u64,
    act: &str,
    unavailable: &mut Unavailable,
) -> Result<Option<Value>, ApiError> {
    use super::methods::Verdict;
    if probes.known(act, now_ms) == Some(false) {
        unavailable.methods.push(act.to_string());
        return Ok(None);
    }
    let result = systim.probe_list(act, &crate::client::form::Form::new()).await;
    let verdict = probes.record(act, &super::methods::verdict(&result), now_ms);
    match (result, verdict) {
        (Ok(v), _) => Ok(Some(v)),
        (Err(e @ ApiError::Cancelled { .. }), _) => Err(e),
        (Err(_), Verdict::Unavailable(_)) => {
            unavailable.methods.push(act.to_string());
            Ok(None)
        }
        (Err(_), _) => {
            unavailable.not_now.push(act.to_string());
            Ok(None)
        }
    }
}

/// An answer that refuses the method itself (not a fault of this one answer): code 1, code 6
/// naming `act`, code 10 (not in this version of the program).
fn refuses_the_method(e: &ApiError) -> bool {
    match e {
        ApiError::SystimUnknownMethod { .. } => true,
        ApiError::SystimInvalidFields { fields, .. } => fields.iter().any(|f| f == "act"),
        ApiError::SystimError { code, .. } => *code == 10,
        _ => false,
    }
}

/// Where the catalogue's rows are among a run's reads (after the dictionaries).
const PRODUCTS: usize = 8;

/// Pages of rows into the decoder: product pages as they come, variant rows after every product
/// page — the second round brings them after the products, but page 1 of the variant rows came
/// in the first round and waits.
struct Rows<'c> {
    decoder: ItemsDecoder<'c>,
    waiting_variants: Option<Vec<Kept>>,
}

impl Rows<'_> {
    fn feed(&mut self, (read, page): Page) -> Result<(), ApiError> {
        let page = page?;
        if read == PRODUCTS {
            self.decoder.products(&page);
        } else {
            self.release_variants();
            self.decoder.variants(&page);
        }
        Ok(())
    }

    fn release_variants(&mut self) {
        if let Some(page) = self.waiting_variants.take() {
            self.decoder.variants(&page);
        }
    }

    fn finish(mut self) -> DecodedList<ShopItem> {
        self.release_variants();
        self.decoder.finish()
    }
}

/// What was read from the shop.
pub struct ShopRead {
    pub config: ShopConfig,
    pub snapshot: ShopSnapshot,
    pub problems: Vec<DecodeError>,
}

/// What was read from Systim.
pub struct SystimRead {
    pub snapshot: SystimSnapshot,
    pub problems: Vec<DecodeError>,
    pub unavailable: Unavailable,
}

impl<'e, H: Http, C: Clock> Session<'e, H, C> {
    /// Build both clients from the connection (its addresses already validated).
    pub fn open(http: &'e H, clock: &'e C, conn: &Connection) -> Result<Self, ApiError> {
        let auth = match conn.shoper_auth {
            ShoperAuthKind::User => ShoperAuth::WebApiUser { login: conn.shoper_login.clone(), password: Secret::new(conn.shoper_password.clone()) },
            ShoperAuthKind::Token => ShoperAuth::ApiToken(Secret::new(conn.shoper_token.trim())),
        };
        let shoper = ShoperClient::new(http, clock, ShoperConfig::new(conn.shop_url.clone(), auth))?;
        let systim =
            SystimClient::new(http, clock, SystimConfig::new(conn.systim_account.clone(), conn.systim_login.clone(), Secret::new(conn.systim_key.clone())))?;
        let shop_origin = shoper.origin().to_string();
        let systim_origin = super::trim_end_text(systim.endpoint(), "/jsonAPI.php").to_string();
        let probes = super::methods::Probes::new(&systim_origin);
        Ok(Session { host: origin_host(&shop_origin), shop_origin, systim_origin, shoper, systim, probes })
    }

    pub async fn restore_tokens<S: Storage>(&mut self, store: &S) {
        self.probes = super::methods::Probes::load(store, &self.systim_origin).await;
        let Some(t) = load::<StoredTokens, _>(store, TOKENS_KEY).await.unwrap_or(None) else { return };
        if t.shop_origin == self.shop_origin {
            if let Some(s) = t.shoper {
                self.shoper.restore_token(s);
            }
        }
        if t.systim_origin == self.systim_origin {
            if let Some(s) = t.systim {
                self.systim.restore_token(s);
            }
        }
    }

    pub async fn save_tokens<S: Storage>(&mut self, store: &S) {
        self.probes.save_if_changed(store).await;
        let t = StoredTokens {
            shop_origin: self.shop_origin.clone(),
            shoper: self.shoper.token_state(),
            systim_origin: self.systim_origin.clone(),
            systim: self.systim.token_state(),
        };
        // A failure to cache a token costs one log-in next time; it is not worth failing a run.
        let _ = save(store, TOKENS_KEY, &t).await;
    }

    pub fn stats(&self) -> (Stats, Stats) {
        (self.shoper.stats(), self.systim.stats())
    }

    pub async fn shop_config(&mut self) -> Result<(ShopConfig, Vec<DecodeError>), ApiError> {
        let body = self.shoper.application_config().await?;
        dshop::app_config(&body).map_err(|_| ApiError::MalformedJson { service: crate::client::Service::Shoper })
    }

    /// Dictionaries only (statuses, languages…), for order runs.
    pub async fn read_shop_dictionaries(&mut self) -> Result<ShopRead, ApiError> {
        Ok(read_shop(&mut self.shoper, false, Vec::new()).await?.0)
    }

    /// The whole catalogue: products with their base rows, variant rows, dictionaries.
    pub async fn read_shop_catalogue(&mut self) -> Result<ShopRead, ApiError> {
        Ok(read_shop(&mut self.shoper, true, Vec::new()).await?.0)
    }

    /// The dictionaries (and the catalogue when `catalogue`), with `extra` single-page reads
    /// ([`Read::Head`]: the first page of the order feed, the open orders) in the same first
    /// `/bulk` call; their answers come back in the order given.
    pub async fn read_shop_with(&mut self, catalogue: bool, extra: Vec<Read>) -> Result<(ShopRead, Vec<Result<Value, ApiError>>), ApiError> {
        debug_assert!(extra.iter().all(|r| matches!(r, Read::Head { .. })), "extra reads must be single pages");
        read_shop(&mut self.shoper, catalogue, extra).await
    }

    /// Both sides at once: the shop's reads ([`Self::read_shop_with`]) and Systim's
    /// ([`Self::read_systim`]) are under way together (different services, different limits),
    /// so a run waits for the longer of the two instead of their sum.
    #[allow(clippy::type_complexity)]
    pub async fn read_both(
        &mut self,
        catalogue: bool,
        extra: Vec<Read>,
        settings: &Settings,
        quantities: bool,
        now_ms: u64,
    ) -> (Result<(ShopRead, Vec<Result<Value, ApiError>>), ApiError>, Result<SystimRead, ApiError>) {
        let shop = read_shop(&mut self.shoper, catalogue, extra);
        let systim = read_systim(&mut self.systim, &mut self.probes, now_ms, settings, quantities);
        crate::join::join(shop, systim).await
    }

    /// Systim dictionaries and products; quantities per store when `quantities` (the stores the
    /// settings link, or every store).
    pub async fn read_systim(&mut self, settings: &Settings, quantities: bool, now_ms: u64) -> Result<SystimRead, ApiError> {
        read_systim(&mut self.systim, &mut self.probes, now_ms, settings, quantities).await
    }
}

/// Every read in two rounds of `/bulk` calls ([`ShoperClient::first_round`]): the
/// dictionaries with the first page of every list, then the remaining pages — a catalogue of
/// N products costs `1 + ⌈(N/50 − 1)/25⌉` calls besides the writes, and no dictionary is read
/// twice. Product pages are decoded as they arrive, so the raw JSON of the whole catalogue
/// (~2.5 KB a product) is never held at once.
async fn read_shop<H: Http, C: Clock>(
    shoper: &mut ShoperClient<'_, H, C>,
    catalogue: bool,
    extra: Vec<Read>,
) -> Result<(ShopRead, Vec<Result<Value, ApiError>>), ApiError> {
    let mut reads = vec![Read::one("application-config"), Read::list("languages"), Read::list("statuses")];
    if catalogue {
        reads.extend([
            Read::list("taxes"),
            Read::list("units"),
            Read::list("categories"),
            Read::one("categories-tree"),
            // Answers 400 when the multi-warehouse module is off; the config says which.
            Read::list("warehouses"),
            Read::list("products").ordered("product_id ASC"),
            // Base rows come embedded in the products; only variant rows are read here.
            Read::list("product-stocks").filtered(json!({"extended": "1"})).ordered("stock_id ASC"),
        ]);
    }
    let own = reads.len();
    reads.extend(extra);
    let mut rounds = shoper.first_round(&reads).await?;
    // Of the catalogue's later pages only what the rows decoder reads is kept, field by field.
    rounds.rows_from(PRODUCTS, &dshop::CATALOGUE_PAGES);
    let mut answers = rounds.take_first();
    let extra_answers = answers.split_off(own.min(answers.len()));
    // The dictionaries' further pages (more than 50 categories) come first in the second
    // round, as they were asked first; rows wait until every dictionary page is in.
    let mut early = Vec::new();
    while rounds.pending().is_some_and(|i| i < PRODUCTS) {
        for (i, page) in shoper.next_pages(&mut rounds).await?.unwrap_or_default() {
            match answers.get_mut(i).filter(|_| i < PRODUCTS) {
                Some(answer) => add_page(answer, page),
                None => early.push((i, page)),
            }
        }
    }
    let first_rows = if catalogue { answers.split_off(PRODUCTS) } else { Vec::new() };
    let mut answers = answers.into_iter();
    let config_body = next_answer(&mut answers)?;
    let (config, mut problems) = dshop::app_config(&config_body).map_err(|_| ApiError::MalformedJson { service: crate::client::Service::Shoper })?;
    let languages = items(next_answer(&mut answers)?);
    let statuses = items(next_answer(&mut answers)?);
    let (taxes, units, categories, tree, warehouses) = if catalogue {
        let taxes = items(next_answer(&mut answers)?);
        let units = items(next_answer(&mut answers)?);
        let categories = items(next_answer(&mut answers)?);
        let tree = next_answer(&mut answers)?;
        let warehouses = match (config.warehouses_enabled, next_answer(&mut answers)) {
            (true, Err(ApiError::ShoperRejected { status: 400, .. })) | (false, _) => Vec::new(),
            (true, answer) => items(answer?),
        };
        (taxes, units, categories, Some(tree), warehouses)
    } else {
        Default::default()
    };
    let payloads = ShopPayloads {
        languages: &languages,
        taxes: &taxes,
        units: &units,
        categories: &categories,
        categories_tree: tree.as_ref(),
        statuses: &statuses,
        warehouses: &warehouses,
        products: &[],
        product_stocks: &[],
    };
    let (mut snapshot, more) = dshop::dictionaries(&config, &payloads);
    problems.extend(more);
    if catalogue {
        let (rows, more) = read_rows(shoper, &mut rounds, &snapshot, first_rows, early).await?;
        snapshot.items = rows;
        problems.extend(more);
    }
    Ok((ShopRead { config, snapshot, problems }, extra_answers))
}

/// The shop's rows, decoded page by page as the pages come: `first` holds page 1 of the
/// products and of the variant rows, `early` pages fetched with the dictionaries' last pages.
async fn read_rows<H: Http, C: Clock>(
    shoper: &mut ShoperClient<'_, H, C>,
    rounds: &mut Rounds,
    snapshot: &ShopSnapshot,
    first: Vec<Result<Value, ApiError>>,
    early: Vec<Page>,
) -> Result<DecodedList<ShopItem>, ApiError> {
    let catalogue = dshop::catalogue(snapshot);
    let mut first = first.into_iter();
    let mut rows = Rows { decoder: ItemsDecoder::new(&catalogue), waiting_variants: None };
    let whole = |answer: Value| items(answer).into_iter().map(Kept::Value).collect();
    rows.feed((PRODUCTS, next_answer(&mut first).map(whole)))?;
    rows.waiting_variants = Some(whole(next_answer(&mut first)?));
    for page in early {
        rows.feed(page)?;
    }
    while let Some(pages) = shoper.next_pages(rounds).await? {
        for page in pages {
            rows.feed(page)?;
        }
    }
    Ok(rows.finish())
}

/// Systim dictionaries and products; quantities per store when `quantities` (the stores the
/// settings link, or every store). The dictionaries come first: the product list — a whole
/// catalogue in one answer — is decoded against them record by record as its text is read, and
/// each store's stock rows are joined to those products as they are read (only the figures stay).
///
/// Only what the run uses is read: confirmed methods (`listVatRates`, `listProducts`,
/// `listPQuantities`) must answer; the assumed ones (`listCategories`, `listStores`) are optional
/// ([`assumed`]) and the delivery and payment lists are never read by a run (the settings give
/// their numbers).
async fn read_systim<H: Http, C: Clock>(
    systim: &mut SystimClient<'_, H, C>,
    probes: &mut super::methods::Probes,
    now_ms: u64,
    settings: &Settings,
    quantities: bool,
) -> Result<SystimRead, ApiError> {
    let mut unavailable = Unavailable::default();
    let vat_rates = systim.list_vat_rates().await?;
    // Categories pair products (stock, product push) and place products created in Systim
    // for orders; stores carry quantities. An order import needs neither.
    let wants_categories = quantities || settings.orders.missing_product == MissingProductPolicy::CreateInSystim;
    let categories = if wants_categories { assumed(systim, probes, now_ms, "listCategories", &mut unavailable).await? } else { None };
    let stores = if quantities { assumed(systim, probes, now_ms, "listStores", &mut unavailable).await? } else { None };
    let dictionaries = dsys::Dictionaries::decode(&SystimPayloads {
        vat_rates: Some(&vat_rates),
        categories: categories.as_ref(),
        stores: stores.as_ref(),
        ..SystimPayloads::default()
    });
    let products = systim.list_products_into(dictionaries.products()).await?.finish();
    let mut per_store: Vec<StoreStock> = Vec::new();
    if quantities {
        // Each store's rows are joined to the products as they are read; only the figures stay.
        let join = products.join();
        for store_id in stores_to_read(settings, stores.as_ref()) {
            // A confirmed method, yet refused by some accounts (a plan without the warehouse
            // module): the quantities stay unknown — never 0 — and the run goes on.
            match systim.list_pquantities_into(store_id, join.store(store_id)).await {
                Ok(rows) => per_store.push(rows.finish()),
                Err(e) if refuses_the_method(&e) => {
                    unavailable.methods.push("listPQuantities".to_string());
                    per_store.clear();
                    break;
                }
                Err(e) => return Err(e),
            }
        }
    }
    let quantities = (!per_store.is_empty()).then_some(per_store.as_slice());
    let (mut snapshot, problems) = dsys::assemble(dictionaries, Some(products), quantities);
    snapshot.categories_unknown = wants_categories && categories.is_none();
    Ok(SystimRead { snapshot, problems, unavailable })
}

fn stores_to_read(settings: &Settings, stores: Option<&Value>) -> Vec<u64> {
    let mut linked: Vec<u64> = Vec::new();
    for id in settings.stock.warehouses.iter().flat_map(|l| l.systim_stores.iter().copied()) {
        if !linked.contains(&id) {
            super::insert_sorted(&mut linked, id);
        }
    }
    if !linked.is_empty() {
        return linked;
    }
    let listed = stores.map(|s| dsys::stores(s).0.into_iter().map(|w| w.id).collect::<Vec<u64>>()).unwrap_or_default();
    if listed.is_empty() {
        vec![1]
    } else {
        listed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens as stored by any version read as the derive read them (a token left out or `null`
    /// is none; unknown fields are ignored).
    #[test]
    fn stored_tokens_read_as_the_derive_reads_them() {
        #[derive(Debug, Serialize, serde::Deserialize)]
        struct Derived {
            shop_origin: String,
            shoper: Option<DerivedToken>,
            systim_origin: String,
            systim: Option<DerivedToken>,
        }
        #[derive(Debug, Serialize, serde::Deserialize)]
        struct DerivedToken {
            token: String,
            expires_at_ms: Option<u64>,
        }
        let shoper = TokenState { token: "abc".into(), expires_at_ms: Some(9) };
        let systim = TokenState { token: "def".into(), expires_at_ms: None };
        let both = StoredTokens {
            shop_origin: "https://sklep.pl".into(),
            shoper: Some(shoper.clone()),
            systim_origin: "https://f.systim.pl".into(),
            systim: Some(systim.clone()),
        };
        let none = StoredTokens { shop_origin: "https://sklep.pl".into(), ..StoredTokens::default() };
        let stored = [serde_json::to_value(&both).unwrap(), serde_json::to_value(&none).unwrap()];
        crate::json::assert_reads_as_derive::<StoredTokens, Derived>(&[("struct Derived", "a map"), ("struct DerivedToken", "a map")], &stored);
        let tokens = [serde_json::to_value(&shoper).unwrap(), serde_json::to_value(&systim).unwrap(), json!({"token": "x"})];
        crate::json::assert_reads_as_derive::<TokenState, DerivedToken>(&[("struct DerivedToken", "a map")], &tokens);
        let read = crate::json::from_value::<StoredTokens>(stored[0].clone()).unwrap();
        assert_eq!((read.shoper, read.systim), (Some(shoper), Some(systim)));
    }
}
