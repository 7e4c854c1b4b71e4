//! Behaviour switches of the Systim stand-in (`SystimState::configure`).

use serde_json::{json, Value};

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
}

impl Config {
    pub fn new(advanced_warehouse: bool) -> Config {
        Config {
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
            _ => return Err(format!("systim configure: unknown knob '{name}'")),
        }
        Ok(())
    }

    pub fn to_json(&self) -> Value {
        json!({
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

/// Index of `v` among `options`.
fn choice(name: &str, v: &Value, options: &[&str]) -> Result<usize, String> {
    v.as_str()
        .and_then(|s| options.iter().position(|o| *o == s))
        .ok_or_else(|| format!("systim configure: '{name}' must be one of {}", options.join(", ")))
}
