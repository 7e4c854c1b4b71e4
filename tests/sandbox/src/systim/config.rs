//! Behaviour switches of the Systim stand-in (`SystimState::configure`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// How much of the contract's guessed surface the account has.
///
/// `Strict` is Systim as public code shows it (`shared/reference/systim-public-code.md`): only
/// the methods real integrators call exist, `listCompanies` takes no filter, `listPQuantities`
/// rows carry no `id_produktu` and some `ilosc` are `null`. `Generous` also serves the ASSUMED
/// methods and fields of `systim-contract.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Generous,
    Strict,
}

/// The profile of a fresh account — of `Sandbox::new`, of the sandbox binary without
/// `--systim-profile` and of the in-process test worlds without `SANDBOX_SYSTIM_PROFILE`.
/// THE ONE LINE TO CHANGE to run every test against the strict profile by default.
pub const DEFAULT_PROFILE: Profile = Profile::Strict;

/// The environment variable the sandbox binary and `tests/common` read (`strict` | `generous`)
/// to override [`DEFAULT_PROFILE`] for a whole run.
pub const PROFILE_ENV: &str = "SANDBOX_SYSTIM_PROFILE";

impl Profile {
    pub fn parse(text: &str) -> Result<Profile, String> {
        match text.trim() {
            "strict" => Ok(Profile::Strict),
            "generous" => Ok(Profile::Generous),
            other => Err(format!("systim profile must be strict or generous, not '{other}'")),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Profile::Generous => "generous",
            Profile::Strict => "strict",
        }
    }
}

/// How an `act` the account does not have is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownMethod {
    /// Code 6, "Nieprawidłowe wartości pól", `fields: ["act"]` (plausible: Systim answers an
    /// operation it refuses with code 6 and a non-field token in `fields`).
    Code6,
    /// A PHP fatal-error page (not JSON), status `error_page_status`.
    ErrorPage,
    /// Code 1 "Nieznana metoda" (the contract's old guess; no source shows it).
    Code1,
}

const UNKNOWN_METHOD: [&str; 3] = ["code6", "error_page", "code1"];

/// What the key of a `listPQuantities` row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PqKey {
    /// The product id.
    ProductId,
    /// An opaque row number: the row's rank by product name (1, 2, …) — in the range of product
    /// ids but naming another product, so only a join checked by barcode or name is right.
    Row,
}

/// How a list method answers when it has no rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmptyList {
    /// `error.code` 8 "Brak danych", `result: []` (what the real API does).
    Code8,
    /// Success with `result: {}`.
    Object,
    /// Success with `result: []`.
    Array,
}

/// Shape of `error.fields`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldsAs {
    /// `["nazwa","kod"]`
    Array,
    /// `{"nazwa":"<message>","kod":"<message>"}`
    Object,
    /// `"nazwa,kod"`
    String,
    /// no `fields` key at all
    Absent,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub profile: Profile,
    /// `None`: the profile's default — code 6 for every act the account lacks, except that the
    /// generous profile answers code 1 for a method switched off by `assumed_methods: false` or
    /// `disabled_methods` (what the engine's "feature off" tests rely on today).
    pub unknown_method: Option<UnknownMethod>,
    /// HTTP status of the `error_page` refusal: 200 (PHP with display_errors on) or 500.
    pub error_page_status: u16,
    pub pquantities_key: PqKey,
    /// Products whose `listPQuantities` `ilosc` is `null` (every store). `None`: the profile's
    /// default — none in generous; in strict, the scenario's (two demo products).
    pub null_quantities: Option<Vec<u64>>,
    /// `act` → error code answered instead of serving it (nothing committed): 10 "this version
    /// does not allow", 16 "accounting month closed", 6 "Pro only" with `fields: ["othr"]`, …
    pub refuse: BTreeMap<String, u32>,
    /// ASSUMED surface on: `listCategories`, `listStores`, `listDeliveryMethods`,
    /// `listPaymentMethods`, `listOrders`, the assumed `listProducts` fields, the `nip` filter.
    pub assumed_methods: bool,
    /// Further methods answering code 1, by `act`.
    pub disabled_methods: Vec<String>,
    /// Advanced warehouse ("magazyn zaawansowany"): stock only from documents.
    pub advanced_warehouse: bool,
    /// Token lifetime in seconds since its last use (sliding); 0 = never expires.
    pub token_ttl_s: u64,
    /// Calls allowed in any trailing 60 s before code 2; 0 = no limit.
    pub throttle_per_minute: u64,
    pub empty_list: EmptyList,
    /// `error.code` as a JSON string (`"0"`, `"6"`) instead of an integer.
    pub code_as_string: bool,
    /// Lists as JSON arrays instead of objects keyed by id.
    pub lists_as_arrays: bool,
    pub fields_as: FieldsAs,
    /// Decimal numbers in lists with a comma (`"3,00"`).
    pub decimal_comma: bool,
    /// Empty texts in lists as `null` instead of `""`.
    pub unset_as_null: bool,
    /// Echo `"method": <act>` in every answer.
    pub echo_method: bool,
    /// Accept the old `login` + `pass` on every call in place of a token.
    pub legacy_auth: bool,
    /// `result_code` of every `addSellInvoice` served: 0 (auto-accounting off, default), 100
    /// (ledger entry created), 101 (updated) or 102 (issued, but its accounting failed).
    pub invoice_result_code: u64,
    /// `addSellInvoice` answers `numer: ""` for every kind (a pro forma always does, as seen live);
    /// the number is still given and `listSellInvoices` shows it.
    pub empty_invoice_number: bool,
    /// Sales-document kinds (`rodzaj`) the account's plan does not include: code 6
    /// "Funkcja dostępna tylko w wersji Pro programu", `fields: ["othr"]` (seen live for fiscal
    /// receipts), nothing issued.
    pub plan_refuses_kinds: Vec<u64>,
    /// Closed accounting months (`YYYY-MM`): a sales document dated in one is refused with code 16.
    pub closed_months: Vec<String>,
}

impl Config {
    pub fn new(advanced_warehouse: bool, profile: Profile) -> Config {
        Config {
            profile,
            unknown_method: None,
            error_page_status: 200,
            pquantities_key: PqKey::ProductId,
            null_quantities: None,
            refuse: BTreeMap::new(),
            assumed_methods: true,
            disabled_methods: Vec::new(),
            advanced_warehouse,
            token_ttl_s: 1_800,
            throttle_per_minute: 0,
            empty_list: EmptyList::Code8,
            code_as_string: false,
            lists_as_arrays: false,
            fields_as: FieldsAs::Array,
            decimal_comma: false,
            unset_as_null: false,
            echo_method: false,
            legacy_auth: true,
            invoice_result_code: 0,
            empty_invoice_number: false,
            plan_refuses_kinds: Vec::new(),
            closed_months: Vec::new(),
        }
    }

    /// Apply knobs from a JSON object; all or nothing (an error leaves the config unchanged).
    pub fn apply(&mut self, knobs: &Value) -> Result<(), String> {
        let obj = knobs.as_object().ok_or("systim configure: a JSON object of knobs expected")?;
        let mut next = self.clone();
        for (name, value) in obj {
            next.set(name, value)?;
        }
        *self = next;
        Ok(())
    }

    fn set(&mut self, name: &str, v: &Value) -> Result<(), String> {
        match name {
            "profile" => self.profile = [Profile::Generous, Profile::Strict][choice(name, v, &["generous", "strict"])?],
            "unknown_method" => {
                self.unknown_method = Some([UnknownMethod::Code6, UnknownMethod::ErrorPage, UnknownMethod::Code1][choice(name, v, &UNKNOWN_METHOD)?])
            }
            "error_page_status" => {
                self.error_page_status = match v.as_u64() {
                    Some(200) => 200,
                    Some(500) => 500,
                    _ => return Err(format!("systim configure: '{name}' must be 200 or 500")),
                }
            }
            "pquantities_key" => self.pquantities_key = [PqKey::ProductId, PqKey::Row][choice(name, v, &["product_id", "row"])?],
            "null_quantities" => self.null_quantities = Some(ids(name, v)?),
            "refuse" => self.refuse = refusals(name, v)?,
            "assumed_methods" => self.assumed_methods = flag(name, v)?,
            "disabled_methods" => self.disabled_methods = strings(name, v)?,
            "warehouse_mode" => self.advanced_warehouse = choice(name, v, &["simplified", "advanced"])? == 1,
            "token_ttl_s" => self.token_ttl_s = count(name, v)?,
            "throttle_per_minute" => self.throttle_per_minute = count(name, v)?,
            "empty_list" => self.empty_list = [EmptyList::Code8, EmptyList::Object, EmptyList::Array][choice(name, v, &["code8", "object", "array"])?],
            "code_as_string" => self.code_as_string = flag(name, v)?,
            "lists_as_arrays" => self.lists_as_arrays = flag(name, v)?,
            "fields_as" => self.fields_as = [FieldsAs::Array, FieldsAs::Object, FieldsAs::String, FieldsAs::Absent][choice(name, v, &FIELDS_AS)?],
            "decimal_comma" => self.decimal_comma = flag(name, v)?,
            "unset_as_null" => self.unset_as_null = flag(name, v)?,
            "echo_method" => self.echo_method = flag(name, v)?,
            "legacy_auth" => self.legacy_auth = flag(name, v)?,
            "invoice_result_code" => {
                self.invoice_result_code = match v.as_u64() {
                    Some(c @ (0 | 100 | 101 | 102)) => c,
                    _ => return Err(format!("systim configure: '{name}' must be 0, 100, 101 or 102")),
                }
            }
            "empty_invoice_number" => self.empty_invoice_number = flag(name, v)?,
            "plan_refuses_kinds" => self.plan_refuses_kinds = ids(name, v)?,
            "closed_months" => self.closed_months = months(name, v)?,
            _ => return Err(format!("systim configure: unknown knob '{name}'")),
        }
        Ok(())
    }

    pub fn strict(&self) -> bool {
        self.profile == Profile::Strict
    }

    pub fn to_json(&self) -> Value {
        json!({
            "profile": self.profile.name(),
            "unknown_method": self.unknown_method.map(|u| UNKNOWN_METHOD[u as usize]),
            "error_page_status": self.error_page_status,
            "pquantities_key": match self.pquantities_key { PqKey::ProductId => "product_id", PqKey::Row => "row" },
            "null_quantities": self.null_quantities,
            "refuse": self.refuse,
            "assumed_methods": self.assumed_methods,
            "disabled_methods": self.disabled_methods,
            "warehouse_mode": if self.advanced_warehouse { "advanced" } else { "simplified" },
            "token_ttl_s": self.token_ttl_s,
            "throttle_per_minute": self.throttle_per_minute,
            "empty_list": match self.empty_list { EmptyList::Code8 => "code8", EmptyList::Object => "object", EmptyList::Array => "array" },
            "code_as_string": self.code_as_string,
            "lists_as_arrays": self.lists_as_arrays,
            "fields_as": FIELDS_AS[self.fields_as as usize],
            "decimal_comma": self.decimal_comma,
            "unset_as_null": self.unset_as_null,
            "echo_method": self.echo_method,
            "legacy_auth": self.legacy_auth,
            "invoice_result_code": self.invoice_result_code,
            "empty_invoice_number": self.empty_invoice_number,
            "plan_refuses_kinds": self.plan_refuses_kinds,
            "closed_months": self.closed_months,
        })
    }
}

const FIELDS_AS: [&str; 4] = ["array", "object", "string", "absent"];

fn flag(name: &str, v: &Value) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("systim configure: '{name}' must be true or false"))
}

fn count(name: &str, v: &Value) -> Result<u64, String> {
    v.as_u64().ok_or_else(|| format!("systim configure: '{name}' must be a non-negative integer"))
}

fn strings(name: &str, v: &Value) -> Result<Vec<String>, String> {
    let err = || format!("systim configure: '{name}' must be an array of strings");
    let items = v.as_array().ok_or_else(err)?;
    items.iter().map(|i| i.as_str().map(str::to_string).ok_or_else(err)).collect()
}

fn ids(name: &str, v: &Value) -> Result<Vec<u64>, String> {
    let err = || format!("systim configure: '{name}' must be an array of product ids");
    let items = v.as_array().ok_or_else(err)?;
    items.iter().map(|i| i.as_u64().ok_or_else(err)).collect()
}

fn months(name: &str, v: &Value) -> Result<Vec<String>, String> {
    let list = strings(name, v)?;
    let month = |m: &String| m.len() == 7 && super::num::valid_date(&format!("{m}-01"));
    match list.iter().find(|m| !month(m)) {
        Some(bad) => Err(format!("systim configure: '{name}' must list months as YYYY-MM, not '{bad}'")),
        None => Ok(list),
    }
}

fn refusals(name: &str, v: &Value) -> Result<BTreeMap<String, u32>, String> {
    let err = || format!("systim configure: '{name}' must map methods to error codes 1..=99, e.g. {{\"addOrder\": 16}}");
    let map = v.as_object().ok_or_else(err)?;
    map.iter()
        .map(|(act, code)| match code.as_u64() {
            Some(c @ 1..=99) => Ok((act.clone(), c as u32)),
            _ => Err(err()),
        })
        .collect()
}

/// Index of `v` among `options`.
fn choice(name: &str, v: &Value, options: &[&str]) -> Result<usize, String> {
    v.as_str().and_then(|s| options.iter().position(|o| *o == s)).ok_or_else(|| format!("systim configure: '{name}' must be one of {}", options.join(", ")))
}
