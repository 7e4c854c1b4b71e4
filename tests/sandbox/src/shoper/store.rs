//! Storage: one table of JSON rows per resource (rows hold DB columns in wire form — strings),
//! the resource registry (paths, scopes, verbs) and small row accessors.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::dec::Dec;

pub type Row = Map<String, Value>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Res {
    Orders,
    OrderProducts,
    Products,
    ProductStocks,
    Categories,
    CategoriesTree,
    Taxes,
    Units,
    Statuses,
    Languages,
    Currencies,
    Users,
    Shippings,
    Payments,
    Warehouses,
    PromotionCodes,
    ApplicationConfig,
    ApplicationVersion,
}

/// How a resource answers `GET /{res}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Paged list envelope; rows keyed by this id column.
    Collection(&'static str),
    /// Bare JSON array (`categories-tree`).
    Tree,
    /// Single object, no id (`application-config`).
    Singleton,
}

impl Res {
    pub const ALL: [Res; 18] = [
        Res::Orders,
        Res::OrderProducts,
        Res::Products,
        Res::ProductStocks,
        Res::Categories,
        Res::CategoriesTree,
        Res::Taxes,
        Res::Units,
        Res::Statuses,
        Res::Languages,
        Res::Currencies,
        Res::Users,
        Res::Shippings,
        Res::Payments,
        Res::Warehouses,
        Res::PromotionCodes,
        Res::ApplicationConfig,
        Res::ApplicationVersion,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Res::Orders => "orders",
            Res::OrderProducts => "order-products",
            Res::Products => "products",
            Res::ProductStocks => "product-stocks",
            Res::Categories => "categories",
            Res::CategoriesTree => "categories-tree",
            Res::Taxes => "taxes",
            Res::Units => "units",
            Res::Statuses => "statuses",
            Res::Languages => "languages",
            Res::Currencies => "currencies",
            Res::Users => "users",
            Res::Shippings => "shippings",
            Res::Payments => "payments",
            Res::Warehouses => "warehouses",
            Res::PromotionCodes => "promotion-codes",
            Res::ApplicationConfig => "application-config",
            Res::ApplicationVersion => "application-version",
        }
    }

    pub fn from_path(name: &str) -> Option<Res> {
        Res::ALL.into_iter().find(|r| r.path() == name)
    }

    /// Scope area; `None` = no scope needed.
    pub fn area(self) -> Option<&'static str> {
        Some(match self {
            Res::Orders | Res::OrderProducts => "orders",
            Res::Products | Res::ProductStocks => "products",
            Res::Categories | Res::CategoriesTree => "categories",
            Res::Taxes => "taxes",
            Res::Units => "units",
            Res::Statuses => "statuses",
            Res::Languages => "languages",
            Res::Currencies => "currencies",
            Res::Users => "users",
            Res::Shippings => "shippings",
            Res::Payments => "payments",
            Res::Warehouses => "warehouses",
            Res::PromotionCodes => "promotion_codes",
            Res::ApplicationVersion => "application",
            Res::ApplicationConfig => return None,
        })
    }

    pub fn shape(self) -> Shape {
        match self {
            Res::Orders => Shape::Collection("order_id"),
            Res::OrderProducts => Shape::Collection("id"),
            Res::Products => Shape::Collection("product_id"),
            Res::ProductStocks => Shape::Collection("stock_id"),
            Res::Categories => Shape::Collection("category_id"),
            Res::Taxes => Shape::Collection("tax_id"),
            Res::Units => Shape::Collection("unit_id"),
            Res::Statuses => Shape::Collection("status_id"),
            Res::Languages => Shape::Collection("lang_id"),
            Res::Currencies => Shape::Collection("currency_id"),
            Res::Users => Shape::Collection("user_id"),
            Res::Shippings => Shape::Collection("shipping_id"),
            Res::Payments => Shape::Collection("payment_id"),
            Res::Warehouses => Shape::Collection("warehouse_id"),
            Res::PromotionCodes => Shape::Collection("code_id"),
            Res::CategoriesTree => Shape::Tree,
            Res::ApplicationConfig | Res::ApplicationVersion => Shape::Singleton,
        }
    }

    /// POST/PUT/DELETE supported (the rest are read-only through the API).
    pub fn writable(self) -> bool {
        matches!(
            self,
            Res::Orders | Res::OrderProducts | Res::Products | Res::ProductStocks | Res::Categories | Res::Units | Res::Statuses | Res::Users | Res::Warehouses
        )
    }

    /// Column naming the parent row, for resources indexed under a parent.
    pub fn parent_key(self) -> Option<&'static str> {
        match self {
            Res::ProductStocks => Some("product_id"),
            Res::OrderProducts => Some("order_id"),
            _ => None,
        }
    }

    pub fn id_key(self) -> &'static str {
        match self.shape() {
            Shape::Collection(k) => k,
            _ => "id",
        }
    }
}

/// Rows of one resource with a never-reused id sequence.
#[derive(Clone, Debug, Default)]
pub struct Table {
    rows: BTreeMap<u64, Row>,
    next: u64,
}

impl Table {
    /// Reserves the next id (ids start at 1 and are never reused).
    pub fn alloc(&mut self) -> u64 {
        self.next += 1;
        self.next
    }
    pub fn put(&mut self, id: u64, row: Row) {
        self.next = self.next.max(id);
        self.rows.insert(id, row);
    }
    pub fn get(&self, id: u64) -> Option<&Row> {
        self.rows.get(&id)
    }
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Row> {
        self.rows.get_mut(&id)
    }
    fn remove(&mut self, id: u64) -> Option<Row> {
        self.rows.remove(&id)
    }
    pub fn contains(&self, id: u64) -> bool {
        self.rows.contains_key(&id)
    }
    pub fn ids(&self) -> Vec<u64> {
        self.rows.keys().copied().collect()
    }
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Row)> {
        self.rows.iter().map(|(k, v)| (*k, v))
    }
    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// A variant option (`Rozmiar`) and its values `(value_id, value)`.
#[derive(Clone, Debug)]
pub struct OptionGroup {
    pub id: u64,
    pub name: String,
    pub values: Vec<(u64, String)>,
}

/// All tables plus the few relations that are not resource columns.
#[derive(Clone, Debug, Default)]
pub struct Db {
    tables: BTreeMap<Res, Table>,
    /// Category → parent category (write-only `parent_id`; shown only through `categories-tree`).
    pub category_parent: BTreeMap<u64, u64>,
    /// Variant option groups (e.g. `Rozmiar` with values `S`, `M`, `L`).
    pub option_groups: Vec<OptionGroup>,
    /// `(child resource, parent id)` → child ids (stock rows of a product, lines of an order).
    children: BTreeMap<(Res, u64), BTreeSet<u64>>,
}

impl Db {
    pub fn t(&self, res: Res) -> &Table {
        static EMPTY: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
        self.tables.get(&res).unwrap_or_else(|| EMPTY.get_or_init(Table::default))
    }
    pub fn t_mut(&mut self, res: Res) -> &mut Table {
        self.tables.entry(res).or_default()
    }
    /// Inserts a row under a fresh id, writing the id column into the row.
    pub fn insert(&mut self, res: Res, mut row: Row) -> u64 {
        let id = self.t_mut(res).alloc();
        row.insert(res.id_key().to_string(), Value::String(id.to_string()));
        if let Some(pk) = res.parent_key() {
            self.children.entry((res, self::id(&row, pk))).or_default().insert(id);
        }
        self.t_mut(res).put(id, row);
        id
    }
    /// Removes a row (and its index entry).
    pub fn remove(&mut self, res: Res, id: u64) -> Option<Row> {
        let row = self.t_mut(res).remove(id)?;
        if let Some(pk) = res.parent_key() {
            if let Some(set) = self.children.get_mut(&(res, self::id(&row, pk))) {
                set.remove(&id);
            }
        }
        Some(row)
    }
    fn children_of(&self, res: Res, parent: u64) -> Vec<u64> {
        self.children.get(&(res, parent)).map(|s| s.iter().copied().collect()).unwrap_or_default()
    }
    /// Stock rows of a product, by id.
    pub fn stocks_of(&self, product_id: u64) -> Vec<u64> {
        self.children_of(Res::ProductStocks, product_id)
    }
    /// Lines of an order, by id.
    pub fn lines_of(&self, order_id: u64) -> Vec<u64> {
        self.children_of(Res::OrderProducts, order_id)
    }
}

/// Text of a column (`""` when missing or not a string/number).
pub fn text(row: &Row, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => if *b { "1" } else { "0" }.to_string(),
        _ => String::new(),
    }
}

/// A decimal column (0 when missing or malformed).
pub fn dec(row: &Row, key: &str) -> Dec {
    row.get(key).and_then(Dec::from_json).unwrap_or(Dec::ZERO)
}

/// An id column (0 when missing or malformed).
pub fn id(row: &Row, key: &str) -> u64 {
    text(row, key).parse().unwrap_or(0)
}

/// An id sent as a JSON number or a numeric string.
pub fn as_id(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str().and_then(|x| x.trim().parse().ok()))
}

pub fn flag(row: &Row, key: &str) -> bool {
    text(row, key) == "1"
}

pub fn s(v: impl ToString) -> Value {
    Value::String(v.to_string())
}

/// A clone of a template row built once (building rows from `json!` is slow in bulk).
pub fn cached(slot: &'static std::sync::OnceLock<Row>, build: fn() -> Row) -> Row {
    slot.get_or_init(build).clone()
}

/// Sets several columns to the same text.
pub fn set_all(row: &mut Row, keys: &[&str], value: &str) {
    for k in keys {
        row.insert(k.to_string(), s(value));
    }
}

/// A JSON object from owned values (`json!` would deep-copy variables through serde).
pub fn obj<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Builds a row from several `json!({...})` parts, in order (keeps each macro call small).
pub fn row_of_parts(parts: Vec<Value>) -> Row {
    parts.into_iter().flat_map(row_of).collect()
}

/// Builds a row from `json!({...})` (non-objects give an empty row).
pub fn row_of(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Row::new(),
    }
}
