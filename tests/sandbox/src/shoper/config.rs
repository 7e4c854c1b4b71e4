//! Knobs of the stand-in (`ShoperState::configure`) and the per-area scope matrix.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::discounts::Convention;

/// Shop areas a WebAPI user / integration token can be granted.
pub const AREAS: [&str; 16] = [
    "orders",
    "products",
    "categories",
    "taxes",
    "units",
    "statuses",
    "languages",
    "currencies",
    "users",
    "warehouses",
    "shippings",
    "payments",
    "application",
    "webhooks",
    "parcels",
    "promotion_codes",
];
pub const ACTIONS: [&str; 4] = ["read", "create", "edit", "delete"];

/// A set of `(area, action)` grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes(BTreeSet<(String, String)>);

impl Scopes {
    pub fn all() -> Scopes {
        Scopes(AREAS.iter().flat_map(|a| ACTIONS.iter().map(move |x| (a.to_string(), x.to_string()))).collect())
    }
    pub fn allows(&self, area: &str, action: &str) -> bool {
        self.0.contains(&(area.to_string(), action.to_string()))
    }
    /// From `["orders:read", "products", "*"]`: `area:action`, a bare area (all four actions) or `*`.
    pub fn parse(v: &Value) -> Result<Scopes, String> {
        let list = v.as_array().ok_or("scopes must be an array of strings like \"orders:read\"")?;
        let mut set = BTreeSet::new();
        for item in list {
            let s = item.as_str().ok_or("scopes must be strings")?;
            if s == "*" {
                return Ok(Scopes::all());
            }
            let (area, action) = s.split_once(':').map_or((s, None), |(a, x)| (a, Some(x)));
            if !AREAS.contains(&area) {
                return Err(format!("unknown scope area '{area}' (known: {})", AREAS.join(", ")));
            }
            match action {
                None => set.extend(ACTIONS.iter().map(|x| (area.to_string(), x.to_string()))),
                Some(x) if ACTIONS.contains(&x) => {
                    set.insert((area.to_string(), x.to_string()));
                }
                Some(x) => return Err(format!("unknown scope action '{x}' (read, create, edit, delete)")),
            }
        }
        Ok(Scopes(set))
    }
    pub fn to_json(&self) -> Value {
        Value::Array(self.0.iter().map(|(a, x)| Value::String(format!("{a}:{x}"))).collect())
    }
}

/// What a write of a fractional stock does for a product whose unit is integer-only (reference §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FractionalStock {
    Accept,
    Truncate,
    Reject,
}

/// How a bulk call is charged against the bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BulkCost {
    /// Fixed units per bulk call.
    PerCall(f64),
    /// One unit per operation inside the call.
    PerOp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    pub enabled: bool,
    pub limit: f64,
    pub bandwidth: f64,
    pub bulk_cost: BulkCost,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub rate: RateLimit,
    pub token_lifetime_s: u64,
    pub token_scopes: Scopes,
    pub user_scopes: Scopes,
    pub static_token_enabled: bool,
    pub fractional_stock: FractionalStock,
    pub warehouses_enabled: bool,
    pub update_stock_on_buy: bool,
    pub allow_overselling: bool,
    /// MySQL-like `_ci` collation in filters: case-insensitive, trailing spaces ignored.
    pub filters_case_insensitive: bool,
    pub shop_url: String,
    pub version: String,
    /// How discounts on the whole order show on the lines and in `sum` (see `discounts.rs`).
    pub order_discounts: Convention,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rate: RateLimit { enabled: true, limit: 10.0, bandwidth: 2.0, bulk_cost: BulkCost::PerCall(1.0) },
            token_lifetime_s: 2_592_000,
            token_scopes: Scopes::all(),
            user_scopes: Scopes::all(),
            static_token_enabled: true,
            fractional_stock: FractionalStock::Accept,
            warehouses_enabled: false,
            update_stock_on_buy: true,
            allow_overselling: false,
            filters_case_insensitive: true,
            shop_url: "https://sklep-sandbox.shoparena.pl".to_string(),
            version: "5.26.35".to_string(),
            order_discounts: Convention::default(),
        }
    }
}

fn as_bool(key: &str, v: &Value) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| format!("knob '{key}' must be true or false"))
}

fn as_positive(key: &str, v: &Value) -> Result<f64, String> {
    match v.as_f64() {
        Some(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("knob '{key}' must be a positive number")),
    }
}

impl RateLimit {
    /// `false` / `true`, or `{"limit":10,"bandwidth":2,"bulk_cost":1|"per_op","enabled":true}`.
    fn apply(&mut self, v: &Value) -> Result<(), String> {
        if let Some(b) = v.as_bool() {
            self.enabled = b;
            return Ok(());
        }
        let obj = v.as_object().ok_or("knob 'rate_limit' must be a boolean or an object")?;
        for (k, x) in obj {
            match k.as_str() {
                "enabled" => self.enabled = as_bool("rate_limit.enabled", x)?,
                "limit" => self.limit = as_positive("rate_limit.limit", x)?,
                "bandwidth" => self.bandwidth = as_positive("rate_limit.bandwidth", x)?,
                "bulk_cost" if x.as_str() == Some("per_op") => self.bulk_cost = BulkCost::PerOp,
                "bulk_cost" => match x.as_f64() {
                    Some(c) if c.is_finite() && c >= 0.0 => self.bulk_cost = BulkCost::PerCall(c),
                    _ => return Err("knob 'rate_limit.bulk_cost' must be a number >= 0 or \"per_op\"".into()),
                },
                other => return Err(format!("unknown knob 'rate_limit.{other}' (enabled, limit, bandwidth, bulk_cost)")),
            }
        }
        Ok(())
    }
    fn to_json(&self) -> Value {
        let bulk = match self.bulk_cost {
            BulkCost::PerCall(c) => json!(c),
            BulkCost::PerOp => json!("per_op"),
        };
        json!({"enabled": self.enabled, "limit": self.limit, "bandwidth": self.bandwidth, "bulk_cost": bulk})
    }
}

/// Knob names accepted by [`Config::apply_knob`] (besides `warehouses_enabled`, handled by the state).
pub const KNOBS: &str = "rate_limit, token_lifetime_s, token_scopes, user_scopes, static_token_enabled, \
fractional_stock, warehouses_enabled, update_stock_on_buy, allow_overselling, filters_case_insensitive, shop_url, version, order_discounts";

impl Config {
    /// Applies one knob; `warehouses_enabled` is applied by the caller (it migrates stock).
    pub fn apply_knob(&mut self, key: &str, v: &Value) -> Result<(), String> {
        match key {
            "rate_limit" => self.rate.apply(v)?,
            "token_lifetime_s" => self.token_lifetime_s = v.as_u64().ok_or("knob 'token_lifetime_s' must be a non-negative integer")?,
            "token_scopes" => self.token_scopes = Scopes::parse(v)?,
            "user_scopes" => self.user_scopes = Scopes::parse(v)?,
            "static_token_enabled" => self.static_token_enabled = as_bool(key, v)?,
            "fractional_stock" => {
                self.fractional_stock = match v.as_str() {
                    Some("accept") => FractionalStock::Accept,
                    Some("truncate") => FractionalStock::Truncate,
                    Some("reject") => FractionalStock::Reject,
                    _ => return Err("knob 'fractional_stock' must be \"accept\", \"truncate\" or \"reject\"".into()),
                }
            }
            "update_stock_on_buy" => self.update_stock_on_buy = as_bool(key, v)?,
            "allow_overselling" => self.allow_overselling = as_bool(key, v)?,
            "filters_case_insensitive" => self.filters_case_insensitive = as_bool(key, v)?,
            "shop_url" => self.shop_url = v.as_str().ok_or("knob 'shop_url' must be a string")?.trim_end_matches('/').to_string(),
            "version" => self.version = v.as_str().ok_or("knob 'version' must be a string")?.to_string(),
            "order_discounts" => self.order_discounts = Convention::parse(v)?,
            other => return Err(format!("unknown Shoper knob '{other}' (known: {KNOBS})")),
        }
        Ok(())
    }

    pub fn to_json(&self) -> Value {
        let mode = match self.fractional_stock {
            FractionalStock::Accept => "accept",
            FractionalStock::Truncate => "truncate",
            FractionalStock::Reject => "reject",
        };
        let mut m = Map::new();
        m.insert("rate_limit".into(), self.rate.to_json());
        m.insert("token_lifetime_s".into(), json!(self.token_lifetime_s));
        m.insert("token_scopes".into(), self.token_scopes.to_json());
        m.insert("user_scopes".into(), self.user_scopes.to_json());
        m.insert("static_token_enabled".into(), json!(self.static_token_enabled));
        m.insert("fractional_stock".into(), json!(mode));
        m.insert("warehouses_enabled".into(), json!(self.warehouses_enabled));
        m.insert("update_stock_on_buy".into(), json!(self.update_stock_on_buy));
        m.insert("allow_overselling".into(), json!(self.allow_overselling));
        m.insert("filters_case_insensitive".into(), json!(self.filters_case_insensitive));
        m.insert("shop_url".into(), json!(self.shop_url));
        m.insert("version".into(), json!(self.version));
        m.insert("order_discounts".into(), json!(self.order_discounts.name()));
        Value::Object(m)
    }
}
