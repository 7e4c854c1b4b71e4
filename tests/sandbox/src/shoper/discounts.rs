//! Discounts on the whole order (shoper-api.md §13): the shop's promotion codes
//! (`/promotion-codes`, read-only) and what a discounted storefront order looks like.
//!
//! No recorded discounted order exists, so how the real shop writes one is partly unknown (§13.3).
//! The stand-in makes the unknown part a knob, `order_discounts` (§13.4):
//!
//! | knob | lines | `sum` |
//! |---|---|---|
//! | `sum_only` (default) | list prices, `discount_perc` `0.0000` | Σ lines × (100 − p) %, rounded once, − amount code + shipping |
//! | `in_line_prices` | `price` already discounted by p (rounded per unit), `discount_perc` = p (informational) | Σ lines − amount code + shipping |
//! | `line_discount_perc` | list prices, `discount_perc` = p still to apply | Σ round(line × (100 − p) %) − amount code + shipping |
//!
//! p = `discount_client` + `discount_group` + `discount_levels` + a percent code's percentage
//! (added up, at most 100). An amount code comes off the goods (never below 0) and shows in no
//! field but `code_id`/`promo_code` (`discount_code` stays `"0"`: what Shoper writes there for
//! one is undocumented). A free-shipping code (type 3, or `additional_free_shipping`) makes
//! `shipping_cost` `0.00`. The part of the discount the lines do not show is kept in the order
//! row as `_order_discount` (never rendered) and subtracted when `sum` is rendered.

use serde_json::{json, Map, Value};

use super::dec::Dec;
use super::store::{row_of, s, text, Db, Res, Row};

/// How the shop records a discount on the whole order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Convention {
    #[default]
    SumOnly,
    InLinePrices,
    LineDiscountPerc,
}

impl Convention {
    pub fn parse(v: &Value) -> Result<Convention, String> {
        match v.as_str() {
            Some("sum_only") => Ok(Convention::SumOnly),
            Some("in_line_prices") => Ok(Convention::InLinePrices),
            Some("line_discount_perc") => Ok(Convention::LineDiscountPerc),
            _ => Err("knob 'order_discounts' must be \"sum_only\", \"in_line_prices\" or \"line_discount_perc\"".into()),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Convention::SumOnly => "sum_only",
            Convention::InLinePrices => "in_line_prices",
            Convention::LineDiscountPerc => "line_discount_perc",
        }
    }
}

/// The demo shop's promotion codes: code, `discount_type` (1 percent, 2 amount, 3 free shipping),
/// `discount`, `additional_free_shipping`.
pub const CODES: [(&str, u8, &str, bool); 5] = [
    ("ZIMA10", 1, "10.00", false),
    ("RABAT20", 2, "20.00", false),
    ("DARMOWA", 3, "0.00", false),
    ("GRATIS100", 1, "100.00", false),
    ("LATO15", 1, "15.00", true),
];

/// A `/promotion-codes` row (§13.2's recorded shape).
pub fn code_row(code: &str, kind: u8, discount: &str, free_shipping: bool) -> Row {
    row_of(json!({"code_id": "", "code": code, "discount_type": kind.to_string(), "discount": discount, "max_discount_amount": null,
        "min_amount": "0.00", "global": "1", "additional_free_shipping": if free_shipping { "1" } else { "0" }, "shippings": [],
        "ranges": [], "usage_count": 0, "active": "1", "date_from": "2026-01-01 00:00:00", "date_to": null}))
}

/// What a customer brings to the checkout: their and their group's discount, the threshold
/// discount, a code (percentages as decimal strings or numbers).
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub client: Dec,
    pub group: Dec,
    pub levels: Dec,
    pub promo_code: String,
}

impl Asked {
    /// From a storefront spec's `discount_client`, `discount_group`, `discount_levels`,
    /// `promo_code`.
    pub fn from_spec(spec: &Map<String, Value>) -> Result<Asked, String> {
        let percent = |k: &str| match spec.get(k) {
            None | Some(Value::Null) => Ok(Dec::ZERO),
            Some(v) => Dec::from_json(v).filter(|p| *p >= Dec::ZERO && *p <= Dec::from_int(100)).ok_or(format!("'{k}' must be a percentage from 0 to 100")),
        };
        let promo_code = spec.get("promo_code").and_then(Value::as_str).unwrap_or("").trim().to_string();
        Ok(Asked { client: percent("discount_client")?, group: percent("discount_group")?, levels: percent("discount_levels")?, promo_code })
    }
}

/// An order's lines, shipping and discount fields as the shop records them.
pub struct Priced {
    /// Per line: `price`, `discount_perc`.
    pub lines: Vec<(Dec, Dec)>,
    pub shipping: Dec,
    /// Order fields: `discount_*`, `code_id`, `promo_code`, `_order_discount`.
    pub fields: Vec<(&'static str, Value)>,
}

fn percent_text(p: Dec) -> String {
    p.trimmed()
}

/// Price an order: `list` holds each line's price before the order's discounts and its
/// quantity; `shipping` the shipping method's cost.
pub fn price(db: &Db, convention: Convention, list: &[(Dec, Dec)], shipping: Dec, asked: &Asked) -> Result<Priced, String> {
    let code = if asked.promo_code.is_empty() {
        None
    } else {
        let found = db.t(Res::PromotionCodes).iter().find(|(_, r)| text(r, "code").eq_ignore_ascii_case(&asked.promo_code) && text(r, "active") == "1");
        Some(found.ok_or_else(|| format!("unknown promotion code '{}'", asked.promo_code))?)
    };
    let kind = code.map(|(_, r)| text(r, "discount_type")).unwrap_or_default();
    let value = code.and_then(|(_, r)| Dec::parse(&text(r, "discount"))).unwrap_or_default();
    let code_percent = if kind == "1" { value } else { Dec::ZERO };
    let amount = if kind == "2" { value } else { Dec::ZERO };
    let free_shipping = kind == "3" || code.is_some_and(|(_, r)| text(r, "additional_free_shipping") == "1");
    let hundred = Dec::from_int(100);
    let p = (asked.client + asked.group + asked.levels + code_percent).min(hundred);
    let keep = (hundred - p) * Dec::from_minor(1, 2); // the share left to pay, (100 − p) / 100
    let listed: Vec<Dec> = list.iter().map(|(price, qty)| (*price * *qty).round_dp(2)).collect();
    let (lines, shown, goods) = match convention {
        Convention::SumOnly => {
            let exact: Dec = list.iter().map(|(price, qty)| *price * *qty).sum();
            (list.iter().map(|(price, _)| (*price, Dec::ZERO)).collect(), listed.iter().copied().sum::<Dec>(), (exact * keep).round_dp(2))
        }
        Convention::InLinePrices => {
            let lines: Vec<(Dec, Dec)> = list.iter().map(|(price, _)| ((*price * keep).round_dp(2), p)).collect();
            let total: Dec = lines.iter().zip(list).map(|((price, _), (_, qty))| (*price * *qty).round_dp(2)).sum();
            (lines, total, total)
        }
        Convention::LineDiscountPerc => {
            let goods = list.iter().map(|(price, qty)| (*price * *qty * keep).round_dp(2)).sum();
            (list.iter().map(|(price, _)| (*price, p)).collect(), listed.iter().copied().sum::<Dec>(), goods)
        }
    };
    let charged = if amount > goods { Dec::ZERO } else { goods - amount };
    let fields = vec![
        ("discount_client", s(percent_text(asked.client))),
        ("discount_group", s(percent_text(asked.group))),
        ("discount_levels", s(percent_text(asked.levels))),
        ("discount_code", s(percent_text(code_percent))),
        ("code_id", code.map_or(Value::Null, |(id, _)| s(id))),
        ("promo_code", s(code.map(|(_, r)| text(r, "code")).unwrap_or_default())),
        ("_order_discount", s((shown - charged).fixed(2))),
    ];
    Ok(Priced { lines, shipping: if free_shipping { Dec::ZERO } else { shipping }, fields })
}

/// The part of an order's discount its lines do not show.
pub fn hidden_discount(order: &Row) -> Dec {
    Dec::parse(&text(order, "_order_discount")).unwrap_or_default()
}
