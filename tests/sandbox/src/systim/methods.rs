//! The `act` table and the dictionary lists (categories, VAT rates, stores, delivery and
//! payment methods).

use super::catalog;
use super::check::Params;
use super::config::Config;
use super::envelope::{num, text, Fault, Outcome, Record};
use super::invoices;
use super::model::{Data, Named};
use super::orders;

/// What a method sees besides the data and its parameters.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub now_ms: u64,
    /// Products whose `listPQuantities` `ilosc` is `null` (the knob, or the profile's default).
    pub null_quantities: &'a [u64],
}

pub type Handler = fn(&mut Data, &Params, &Ctx) -> Result<Outcome, Fault>;

pub struct Method {
    pub act: &'static str,
    /// No public code calls it (the contract's ASSUMED tag): absent in the strict profile,
    /// switchable off in the generous one.
    pub assumed: bool,
    pub run: Handler,
}

/// Every method but `login` (which needs no session).
pub const METHODS: &[Method] = &[
    Method { act: "listProducts", assumed: false, run: catalog::list_products },
    Method { act: "listCategories", assumed: true, run: list_categories },
    Method { act: "listVatRates", assumed: false, run: list_vat_rates },
    Method { act: "listStores", assumed: true, run: |d, _, _| Ok(named_list(&d.stores)) },
    Method { act: "listPQuantities", assumed: false, run: catalog::list_quantities },
    Method { act: "listDeliveryMethods", assumed: true, run: |d, _, _| Ok(named_list(&d.delivery_methods)) },
    Method { act: "listPaymentMethods", assumed: true, run: |d, _, _| Ok(named_list(&d.payment_methods)) },
    Method { act: "listCompanies", assumed: false, run: orders::list_companies },
    Method { act: "addCompany", assumed: false, run: orders::add_company },
    Method { act: "addProduct", assumed: false, run: catalog::add_product },
    Method { act: "addOrder", assumed: false, run: orders::add_order },
    Method { act: "listOrders", assumed: true, run: orders::list_orders },
    Method { act: "addStoreDocument", assumed: false, run: catalog::add_store_document },
    Method { act: "addSellInvoice", assumed: false, run: invoices::add_sell_invoice },
    Method { act: "listSellInvoices", assumed: false, run: invoices::list_sell_invoices },
    Method { act: "getSellInvoicePDF", assumed: false, run: invoices::get_sell_invoice_pdf },
];

/// What the account has for an `act`.
pub enum Lookup {
    Found(&'static Method),
    /// Not a method of this account: unknown to the stand-in (`getOrder`,
    /// `changeOrderStatus`, `addSellInvoiceFromOrder`, typos…), or ASSUMED in the strict profile.
    Absent,
    /// A method switched off by `assumed_methods: false` or `disabled_methods`.
    SwitchedOff,
}

pub fn find(act: &str, cfg: &Config) -> Lookup {
    let Some(method) = METHODS.iter().find(|m| m.act == act) else {
        return Lookup::Absent;
    };
    if method.assumed && cfg.strict() {
        return Lookup::Absent;
    }
    if (method.assumed && !cfg.assumed_methods) || cfg.disabled_methods.iter().any(|d| d == act) {
        return Lookup::SwitchedOff;
    }
    Lookup::Found(method)
}

fn named_list(rows: &[Named]) -> Outcome {
    Outcome::List(rows.iter().map(|r| (r.id, vec![("id", num(r.id)), ("nazwa", text(&r.nazwa))])).collect())
}

fn list_categories(d: &mut Data, _: &Params, _: &Ctx) -> Result<Outcome, Fault> {
    let row = |c: &Named| -> (u64, Record) { (c.id, vec![("id", num(c.id)), ("nazwa", text(&c.nazwa)), ("id_rodzica", num(c.parent))]) };
    Ok(Outcome::List(d.categories.iter().map(row).collect()))
}

fn list_vat_rates(d: &mut Data, _: &Params, _: &Ctx) -> Result<Outcome, Fault> {
    let rows = d.vat_rates.iter().map(|v| (v.id, vec![("id", num(v.id)), ("nazwa", text(&v.nazwa)), ("stawka", num(v.percent))]));
    Ok(Outcome::List(rows.collect()))
}
