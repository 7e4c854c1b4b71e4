//! The "simple" resources (categories, units, statuses, users, warehouses and the read-only
//! dictionaries): row templates, writable columns, generic create/update/render, translations,
//! `categories-tree` and `application-config`.

use serde_json::{json, Value};

use super::clock;
use super::error::{reason, ApiError, Errors};
use super::schema::{self, merge, require, Field, Kind, TrSpec};
use super::store::{as_id, id, obj, row_of, s, text, Res, Row};
use super::ShoperState;

pub fn category_row(_now: &str) -> Row {
    row_of(json!({"category_id": "", "order": "0", "root": "1", "in_loyalty": "0", "sort_type": "0",
        "image_background": "", "image_thumbnail": "", "translations": {}}))
}

fn category_tr() -> Row {
    row_of(json!({"trans_id": "", "category_id": "", "name": "", "description": "", "description_bottom": "",
        "active": "1", "pres_id": null, "isdefault": "0", "lang_id": "", "seo_title": "", "seo_description": "",
        "seo_keywords": "", "custom_heading": "", "seo_url": "", "permalink": "", "items": 0, "attribute_groups": []}))
}

pub fn unit_row(_now: &str) -> Row {
    row_of(json!({"unit_id": "", "floating_point": "0", "translations": {}}))
}

fn unit_tr() -> Row {
    row_of(json!({"translation_id": "", "unit_id": "", "name": "", "lang_id": ""}))
}

pub fn status_row(_now: &str) -> Row {
    row_of(json!({"status_id": "", "active": "1", "default": "0", "color": "", "type": "2", "email_change": "0",
        "order": "0", "translations": {}}))
}

fn status_tr() -> Row {
    row_of(json!({"trans_id": "", "status_id": "", "name": "", "lang_id": "", "message": "", "message_html": ""}))
}

pub fn user_row(now: &str) -> Row {
    row_of(json!({"user_id": "", "login": "", "email": "", "firstname": "", "lastname": "", "active": "1",
        "group_id": null, "lang_id": "1", "date_add": now, "discount": "0.00", "newsletter": "0", "origin": "0",
        "comment": ""}))
}

pub fn warehouse_row(_now: &str) -> Row {
    row_of(json!({"warehouse_id": "", "name": "", "short_name": "", "active": "1", "default": "0", "order": "0",
        "visible": "1", "online": "1", "fulfilment": "0", "accepts_returns": "0", "shippings": [],
        "stock_relocation_price": "0.00", "stock_relocation_time": "0", "company_name": "", "tax_id": "",
        "street1": "", "street2": "", "postcode": "", "city": "", "state": "", "country": "Polska",
        "country_code": "PL", "phone": "", "email": "", "personal_pickup_additional_informations": ""}))
}

pub fn tr_entry(template: fn() -> Row, fields: &[(&str, &str)]) -> Value {
    let mut entry = template();
    for (k, v) in fields {
        entry.insert(k.to_string(), s(v));
    }
    Value::Object(entry)
}

pub fn category_tr_entry(name: &str) -> Value {
    tr_entry(category_tr, &[("name", name)])
}
pub fn unit_tr_entry(name: &str) -> Value {
    tr_entry(unit_tr, &[("name", name)])
}
pub fn status_tr_entry(name: &str) -> Value {
    tr_entry(status_tr, &[("name", name), ("message", name), ("message_html", name)])
}

static CATEGORY_TR: TrSpec = TrSpec {
    fields: &[
        Field("name", Kind::Text),
        Field("description", Kind::Text),
        Field("description_bottom", Kind::Text),
        Field("active", Kind::Flag),
        Field("seo_title", Kind::Text),
        Field("seo_description", Kind::Text),
        Field("seo_keywords", Kind::Text),
        Field("custom_heading", Kind::Text),
        Field("seo_url", Kind::Text),
    ],
    template: category_tr,
};
static UNIT_TR: TrSpec = TrSpec { fields: &[Field("name", Kind::Text)], template: unit_tr };
static STATUS_TR: TrSpec =
    TrSpec { fields: &[Field("name", Kind::Text), Field("message", Kind::Text), Field("message_html", Kind::Text)], template: status_tr };

const CATEGORY_FIELDS: &[Field] = &[
    Field("order", Kind::Int),
    Field("in_loyalty", Kind::Flag),
    Field("sort_type", Kind::Int),
    Field("image_background", Kind::Text),
    Field("image_thumbnail", Kind::Text),
    Field("translations", Kind::Translations(&CATEGORY_TR)),
];
const UNIT_FIELDS: &[Field] = &[Field("floating_point", Kind::Flag), Field("translations", Kind::Translations(&UNIT_TR))];
const STATUS_FIELDS: &[Field] = &[
    Field("active", Kind::Flag),
    Field("default", Kind::Flag),
    Field("color", Kind::Text),
    Field("type", Kind::Int),
    Field("email_change", Kind::Flag),
    Field("order", Kind::Int),
    Field("translations", Kind::Translations(&STATUS_TR)),
];
const USER_FIELDS: &[Field] = &[
    Field("login", Kind::Text),
    Field("email", Kind::Email),
    Field("firstname", Kind::Text),
    Field("lastname", Kind::Text),
    Field("active", Kind::Flag),
    Field("group_id", Kind::NullableInt),
    Field("lang_id", Kind::Ref(Res::Languages)),
    Field("discount", Kind::Money),
    Field("newsletter", Kind::Flag),
    Field("comment", Kind::Text),
];
const WAREHOUSE_FIELDS: &[Field] = &[
    Field("name", Kind::Text),
    Field("short_name", Kind::Text),
    Field("active", Kind::Flag),
    Field("order", Kind::Int),
    Field("visible", Kind::Flag),
    Field("online", Kind::Flag),
    Field("fulfilment", Kind::Flag),
    Field("accepts_returns", Kind::Flag),
    Field("shippings", Kind::IntList),
    Field("stock_relocation_price", Kind::Money),
    Field("stock_relocation_time", Kind::Int),
    Field("company_name", Kind::Text),
    Field("tax_id", Kind::Text),
    Field("street1", Kind::Text),
    Field("street2", Kind::Text),
    Field("postcode", Kind::Text),
    Field("city", Kind::Text),
    Field("state", Kind::Text),
    Field("country", Kind::Text),
    Field("country_code", Kind::Text),
    Field("phone", Kind::Text),
    Field("email", Kind::Text),
    Field("personal_pickup_additional_informations", Kind::Text),
];

/// Template, writable columns and required columns of a simple writable resource.
struct Simple {
    template: fn(&str) -> Row,
    fields: &'static [Field],
    required: &'static [&'static str],
    /// Whether POST needs the default language's `translations.<locale>.name`.
    needs_name: bool,
}

fn simple(res: Res) -> Option<Simple> {
    let (template, fields, required, needs_name): (fn(&str) -> Row, _, &'static [&'static str], _) = match res {
        Res::Categories => (category_row, CATEGORY_FIELDS, &[], true),
        Res::Units => (unit_row, UNIT_FIELDS, &[], true),
        Res::Statuses => (status_row, STATUS_FIELDS, &["type"], true),
        Res::Users => (user_row, USER_FIELDS, &["email"], false),
        Res::Warehouses => (warehouse_row, WAREHOUSE_FIELDS, &["name", "short_name"], false),
        _ => return None,
    };
    Some(Simple { template, fields, required, needs_name })
}

impl ShoperState {
    /// `(lang_id, locale)` of the shop's default language (lowest `order` among active ones).
    pub(super) fn default_language(&self) -> (u64, String) {
        self.db
            .t(Res::Languages)
            .iter()
            .filter(|(_, r)| text(r, "active") == "1")
            .min_by_key(|(lid, r)| (id(r, "order"), *lid))
            .map(|(lid, r)| (lid, text(r, "locale")))
            .unwrap_or((1, "pl_PL".to_string()))
    }

    pub(super) fn create_simple(&mut self, res: Res, body: &Row, now_ms: u64) -> Result<u64, ApiError> {
        let spec = simple(res).ok_or_else(|| ApiError::method_not_allowed("POST"))?;
        let mut row = (spec.template)(&clock::local_datetime(now_ms));
        let mut errs = Errors::default();
        merge(&self.db, &mut row, body, spec.fields, "", &mut errs);
        require(&row, spec.required, &mut errs);
        if spec.needs_name {
            require(&row, &[format!("translations.{}.name", self.default_language().1).as_str()], &mut errs);
        }
        self.check_simple(res, None, &row, body, &mut errs);
        errs.into_result()?;
        let new_id = self.db.insert(res, row);
        self.after_simple_write(res, new_id, body);
        Ok(new_id)
    }

    pub(super) fn update_simple(&mut self, res: Res, row_id: u64, body: &Row) -> Result<(), ApiError> {
        let spec = simple(res).ok_or_else(|| ApiError::method_not_allowed("PUT"))?;
        let mut row = self.db.t(res).get(row_id).cloned().ok_or_else(ApiError::not_found)?;
        let mut errs = Errors::default();
        merge(&self.db, &mut row, body, spec.fields, "", &mut errs);
        require(&row, spec.required, &mut errs);
        self.check_simple(res, Some(row_id), &row, body, &mut errs);
        errs.into_result()?;
        self.db.t_mut(res).put(row_id, row);
        self.after_simple_write(res, row_id, body);
        Ok(())
    }

    /// Resource-specific rules: unique e-mail, status type range, category parent.
    fn check_simple(&self, res: Res, row_id: Option<u64>, row: &Row, body: &Row, errs: &mut Errors) {
        match res {
            Res::Users => {
                let email = text(row, "email");
                let taken = self.db.t(Res::Users).iter().any(|(uid, r)| Some(uid) != row_id && text(r, "email").eq_ignore_ascii_case(&email));
                if taken {
                    errs.add("email", reason::exists(&email));
                }
            }
            Res::Statuses if !(1..=4).contains(&id(row, "type")) => errs.add("type", reason::INVALID),
            Res::Categories => {
                if let Some(parent) = body.get("parent_id") {
                    let pid = as_id(parent);
                    let ok = matches!(pid, Some(0)) || pid.is_some_and(|p| Some(p) != row_id && self.db.t(Res::Categories).contains(p));
                    if !ok {
                        errs.add("parent_id", reason::not_found(parent.to_string().trim_matches('"')));
                    }
                }
            }
            _ => {}
        }
    }

    fn after_simple_write(&mut self, res: Res, row_id: u64, body: &Row) {
        if res != Res::Categories {
            return;
        }
        let Some(parent) = body.get("parent_id") else { return };
        let pid = as_id(parent).unwrap_or(0);
        if pid == 0 {
            self.db.category_parent.remove(&row_id);
        } else {
            self.db.category_parent.insert(row_id, pid);
        }
        if let Some(row) = self.db.t_mut(Res::Categories).get_mut(row_id) {
            row.insert("root".into(), s(if pid == 0 { "1" } else { "0" }));
        }
    }

    pub(super) fn render_simple(&self, res: Res, row_id: u64) -> Option<Value> {
        let mut row = self.db.t(res).get(row_id)?.clone();
        self.decorate_translations(res, row_id, &mut row);
        Some(Value::Object(row))
    }

    /// Fills the per-locale ids (`translation_id`/`trans_id`, owner id, `lang_id`, `permalink`).
    pub(super) fn decorate_translations(&self, res: Res, owner: u64, row: &mut Row) {
        let Some(Value::Object(trs)) = row.get_mut("translations") else { return };
        let tr_key = if matches!(res, Res::Categories | Res::Statuses) { "trans_id" } else { "translation_id" };
        for (locale, entry) in trs.iter_mut() {
            let Value::Object(e) = entry else { continue };
            let lang = schema::lang_id(&self.db, locale).unwrap_or(0);
            // The default language's entry shares the owner's id (as recorded); others are offset.
            e.insert(tr_key.into(), s(owner + lang.saturating_sub(1) * 1_000_000));
            e.insert(res.id_key().into(), s(owner));
            e.insert("lang_id".into(), s(lang));
            if e.contains_key("permalink") {
                let kind = if res == Res::Categories { "c" } else { "p" };
                let permalink = self.permalink(locale, kind, &text(e, "name"), owner);
                e.insert("permalink".into(), s(permalink));
            }
        }
    }

    fn permalink(&self, locale: &str, kind: &str, name: &str, owner: u64) -> String {
        let lang = locale.split('_').next().unwrap_or("pl");
        format!("{}/{lang}/{kind}/{}/{owner}", self.cfg.shop_url, slug(name))
    }

    /// `GET /categories-tree`: bare array of `{"id", "children"}` with JSON integer ids.
    pub(super) fn categories_tree(&self) -> Value {
        let cats = self.db.t(Res::Categories);
        let parent_of = |cid: u64| self.db.category_parent.get(&cid).copied().filter(|p| cats.contains(*p) && *p != cid);
        let mut roots: Vec<u64> = cats.ids().into_iter().filter(|c| parent_of(*c).is_none()).collect();
        let order = |cid: &u64| (cats.get(*cid).map(|r| id(r, "order")).unwrap_or(0), *cid);
        roots.sort_by_key(order);
        let children = |p: u64| {
            let mut v: Vec<u64> = cats.ids().into_iter().filter(|c| parent_of(*c) == Some(p)).collect();
            v.sort_by_key(order);
            v
        };
        fn node(cid: u64, depth: usize, children: &dyn Fn(u64) -> Vec<u64>) -> Value {
            let kids: Vec<Value> = if depth > 32 { Vec::new() } else { children(cid).into_iter().map(|c| node(c, depth + 1, children)).collect() };
            obj([("id", json!(cid)), ("children", Value::Array(kids))])
        }
        Value::Array(roots.into_iter().map(|r| node(r, 0, &children)).collect())
    }

    /// `GET /application-config` (singleton; needs no scope).
    pub(super) fn application_config(&self) -> Value {
        let (lang_id, locale) = self.default_language();
        let flag = |b: bool| if b { "1" } else { "0" };
        json!({
            "shop_url": self.cfg.shop_url,
            "shop_company_name": "Sklep Sandbox Sp. z o.o.",
            "shop_tax_id": "5252248481",
            "locale_timezone": "Europe/Warsaw",
            "default_language_name": locale,
            "default_language_id": lang_id.to_string(),
            "default_currency_name": "PLN",
            "default_currency_id": "1",
            "warehouses_enabled": self.cfg.warehouses_enabled,
            "shopping_update_stock_on_buy": flag(self.cfg.update_stock_on_buy),
            "shopping_allow_overselling": if self.cfg.allow_overselling { "1" } else { "" },
            "shopping_parcel_create_status_id": "6",
            "shopping_parcel_send_status_id": "7",
            "product_defaults_tax_id": "1",
            "product_defaults_unit_id": "1",
            "product_defaults_stock": "0",
            "loyalty_enable": "0",
        })
    }
}

/// URL slug as the storefront builds it: Polish letters folded, other characters → `-`.
pub fn slug(name: &str) -> String {
    let folded: String = name
        .chars()
        .map(|c| match c {
            'ą' => 'a',
            'ć' => 'c',
            'ę' => 'e',
            'ł' => 'l',
            'ń' => 'n',
            'ó' => 'o',
            'ś' => 's',
            'ź' | 'ż' => 'z',
            'Ą' => 'A',
            'Ć' => 'C',
            'Ę' => 'E',
            'Ł' => 'L',
            'Ń' => 'N',
            'Ó' => 'O',
            'Ś' => 'S',
            'Ź' | 'Ż' => 'Z',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect();
    folded.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}
