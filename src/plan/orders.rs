//! Order plan (Shoper → Systim): for each Shoper order, an `addOrder` request as plain data, or
//! the reasons it is not imported.
//!
//! Filters first (origin, status, start point — each its own reason), then everything a correct
//! Systim order needs: every line paired with one Systim product by code (or handled by the
//! missing-product policy), the gross unit price actually charged, VAT by rate name, shipping as
//! a line of the configured service product, buyer and delivery addresses, NIP as digits, mapped
//! delivery, payment and currency. Lines plus shipping must equal Shoper's `sum` to the grosz, or
//! the plan says why not — a discount on the whole order is spread over the lines' prices
//! ([`super::spread`]) so that they do. All problems of an order are listed together.

// A `Finding` is plain data that ends up in the plan either way; boxing it on the error path
// would only add an allocation per skipped item.
#![allow(clippy::result_large_err)]

use crate::domain::{Address, Nip, NipError, OrderLine, Origin, ProductCode, ShopItem, ShopOrder, ShopStatus, VatRate, PERCENT_SCALE};
use crate::matching::{code_problem, fast_map, normalized_key, normalized_note, FastMap, Match, MatchKind, ShopIndex, Side, SystimIndex};
use crate::money::{div_round, Money, Qty};
use crate::plan::spread;
use crate::plan::{Finding, ReasonCode, Skip, Tally};
use crate::settings::{map_id, IdMapping, MissingProductPolicy, OrderDiscountPolicy, Settings, StartPoint, StatusFilter};
use serde::{Deserialize, Serialize};

/// What the order plan reads besides the orders.
pub struct OrderContext<'a> {
    pub settings: &'a Settings,
    pub systim: &'a SystimIndex<'a>,
    /// The shop's rows, used to name and categorise products created in Systim in the shop's
    /// default language (order lines carry names in the customer's language). Optional.
    pub shop: Option<&'a ShopIndex<'a>>,
    /// Shoper statuses (to know which are "not completed").
    pub statuses: &'a [ShopStatus],
    /// The shop's host or URL, for the import marker.
    pub shop_host: &'a str,
}

/// A postal address as Systim's `addOrder` takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystimAddress {
    /// Company, else the person's full name.
    pub name: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
}

/// Which Systim product a line refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProductRef {
    Existing {
        id: u64,
    },
    /// Created first: an index into [`OrdersPlan::products_to_create`].
    Created {
        index: usize,
    },
}

/// Where a request line comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LineSource {
    OrderLine { line_id: u64 },
    Shipping,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOrderLine {
    pub product: ProductRef,
    pub quantity: Qty,
    /// Gross unit price actually charged (a discount on the whole order spread in).
    pub price: Money,
    pub vat_id: u64,
    pub source: LineSource,
}

impl AddOrderLine {
    /// Price × quantity, rounded to the grosz.
    pub fn total(&self) -> Money {
        self.price.times(self.quantity)
    }
}

/// Systim `addOrder`, as plain data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOrderRequest {
    pub buyer: SystimAddress,
    pub first_name: String,
    pub last_name: String,
    /// Ten digits for a Polish NIP; a foreign VAT number as typed (without spaces).
    pub nip: Option<String>,
    pub email: String,
    pub phone: String,
    pub delivery: SystimAddress,
    pub delivery_method_id: u64,
    pub payment_method_id: Option<u64>,
    pub currency_id: u64,
    pub status_id: Option<u64>,
    pub lines: Vec<AddOrderLine>,
    /// `uwagi`: the import marker, then the customer's note.
    pub notes: String,
    /// `id_kontrahenta`: the Systim contractor with the buyer's NIP ([`super::contractors`]);
    /// `Created` indexes [`OrdersPlan::contractors_to_create`]. `None`: not linked (as before).
    #[serde(default)]
    pub contractor: Option<ContractorRef>,
}

/// Which Systim contractor a buyer is linked to (the same shape as a product reference).
pub type ContractorRef = ProductRef;

/// A line still refers to a product to be created first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnresolvedProduct {
    pub index: usize,
}

impl AddOrderRequest {
    /// Every line refers to an existing Systim product.
    pub fn is_resolved(&self) -> bool {
        self.lines.iter().all(|l| matches!(l.product, ProductRef::Existing { .. }))
    }

    /// Replace references to created products by their new ids (`created_ids[i]` is the id of
    /// `products_to_create[i]`).
    pub fn resolve_created(&mut self, created_ids: &[u64]) -> Result<(), UnresolvedProduct> {
        for line in &mut self.lines {
            if let ProductRef::Created { index } = line.product {
                let id = *created_ids.get(index).ok_or(UnresolvedProduct { index })?;
                line.product = ProductRef::Existing { id };
            }
        }
        Ok(())
    }

    /// The form fields, with PHP brackets for lines (`produkty[0][id]`). Call once
    /// [`is_resolved`](Self::is_resolved): a line still waiting for its product is sent with an
    /// empty id, which Systim refuses rather than booking a wrong product.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut params = Params::default();
        params.put("nazwa", &self.buyer.name);
        params.put("imie", &self.first_name);
        params.put("nazwisko", &self.last_name);
        params.opt("nip", self.nip.as_deref().unwrap_or(""));
        params.address(&self.buyer, "");
        params.opt("email", &self.email);
        params.opt("telefon", &self.phone);
        params.put("nazwa_dostawy", &self.delivery.name);
        params.address(&self.delivery, "_dostawy");
        params.put("id_dostawy", &self.delivery_method_id.to_string());
        params.opt("id_formy_platnosci", &self.payment_method_id.map(|id| id.to_string()).unwrap_or_default());
        params.put("id_waluty", &self.currency_id.to_string());
        params.opt("id_statusu", &self.status_id.map(|id| id.to_string()).unwrap_or_default());
        params.put("naliczanie_brutto", "1");
        for (i, line) in self.lines.iter().enumerate() {
            let id = match line.product {
                ProductRef::Existing { id } => id.to_string(),
                ProductRef::Created { .. } => String::new(),
            };
            params.put(&format!("produkty[{i}][id]"), &id);
            params.put(&format!("produkty[{i}][ilosc]"), &line.quantity.to_wire());
            params.put(&format!("produkty[{i}][cena]"), &line.price.to_wire());
            params.put(&format!("produkty[{i}][id_stawki_vat]"), &line.vat_id.to_string());
        }
        params.put("uwagi", &self.notes);
        if let Some(ProductRef::Existing { id }) = self.contractor {
            params.put("id_kontrahenta", &id.to_string());
        }
        params.0
    }
}

/// Form fields under construction.
#[derive(Default)]
pub(super) struct Params(pub(super) Vec<(String, String)>);

impl Params {
    pub(super) fn put(&mut self, name: &str, value: &str) {
        self.0.push((name.to_string(), value.to_string()));
    }
    /// Optional fields are left out when empty.
    pub(super) fn opt(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            self.put(name, value);
        }
    }
    pub(super) fn address(&mut self, a: &SystimAddress, suffix: &str) {
        self.put(&format!("ulica{suffix}"), &a.street);
        self.put(&format!("kod{suffix}"), &a.postcode);
        self.put(&format!("miejscowosc{suffix}"), &a.city);
        self.opt(&format!("panstwo{suffix}"), &a.country);
    }
}

/// Data for Systim `addProduct`, for a product an order needs and Systim lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSystimProduct {
    pub code: ProductCode,
    pub name: String,
    pub ean: String,
    pub price_gross: Money,
    pub price_net: Money,
    pub vat_id: u64,
    pub category_id: u64,
    pub unit: String,
    /// The orders waiting for it.
    pub for_orders: Vec<u64>,
}

impl NewSystimProduct {
    /// The form fields of `addProduct` (goods, `rodzaj=0`).
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut params = Params::default();
        params.put("nazwa", &self.name);
        params.put("cena_brutto", &self.price_gross.to_wire());
        params.put("cena_netto", &self.price_net.to_wire());
        params.put("id_kategorii", &self.category_id.to_string());
        params.put("stawka_vat", &self.vat_id.to_string());
        params.put("rodzaj", "0");
        params.opt("jednostka", &self.unit);
        params.put("kod_produktu", self.code.as_str());
        params.opt("kod_kreskowy", &self.ean);
        params.0
    }
}

/// What the request adds up to, against Shoper's total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Shoper's `sum` (lines + shipping, gross).
    pub order_sum: Money,
    /// Σ lines + shipping of the request.
    pub imported: Money,
    /// Value of lines left out under the "import without the line" policy.
    pub dropped: Money,
    /// A discount on the whole order spread over the lines' prices (0 for most orders).
    #[serde(default)]
    pub discount: Money,
}

/// An order to import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderImport {
    pub order_id: u64,
    pub request: AddOrderRequest,
    pub totals: Totals,
    /// Flags that do not stop the import: lines left out, products created first, addresses
    /// borrowed, codes matched after normalisation.
    pub warnings: Vec<Finding>,
}

/// An order not imported, with every reason (counted under the first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedOrder {
    pub order_id: u64,
    pub reasons: Vec<Finding>,
}

impl Skip for SkippedOrder {
    fn reason(&self) -> ReasonCode {
        self.reasons.first().map_or(ReasonCode::NoLines, |f| f.reason)
    }
}

/// The order plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdersPlan {
    pub imports: Vec<OrderImport>,
    /// Products to create in Systim before the imports that refer to them.
    pub products_to_create: Vec<NewSystimProduct>,
    /// Contractors to create in Systim (one per NIP) before the imports linked to them.
    #[serde(default)]
    pub contractors_to_create: Vec<super::contractors::NewContractor>,
    #[serde(flatten)]
    pub tally: Tally<SkippedOrder>,
}

impl OrdersPlan {
    /// Counts add up, every import is explained to the grosz, references point at planned
    /// creations, and no code is created twice.
    pub fn check(&self) -> Result<(), String> {
        self.tally.check()?;
        if self.imports.len() as u32 != self.tally.counts.matched {
            return Err(format!("{} imports but matched = {}", self.imports.len(), self.tally.counts.matched));
        }
        for import in &self.imports {
            let (t, lines) = (import.totals, &import.request.lines);
            let per_line: Money = lines.iter().map(AddOrderLine::total).sum();
            if per_line != t.imported || (t.imported + t.dropped != t.order_sum && rounded_once(lines) + t.dropped != t.order_sum) {
                return Err(format!("order {}: totals {t:?} do not add up", import.order_id));
            }
            let dangling = import.request.lines.iter().any(|l| matches!(l.product, ProductRef::Created { index } if index >= self.products_to_create.len()));
            if dangling {
                return Err(format!("order {} refers to a product that is not planned", import.order_id));
            }
        }
        // Codes are compared as the queue keys them: exactly (normal forms are merged by the
        // queue itself when normalisation is on).
        let mut codes = std::collections::HashSet::new();
        match self.products_to_create.iter().find(|p| !codes.insert(p.code.as_str())) {
            Some(p) => Err(format!("product {:?} planned twice", p.code.as_str())),
            None => Ok(()),
        }
    }
}

/// Plan one order (a plan with one import or one skipped order).
pub fn plan_order(order: &ShopOrder, ctx: &OrderContext) -> OrdersPlan {
    plan_orders(std::slice::from_ref(order), ctx)
}

/// Plan a batch of orders. Products several orders need are created once.
pub fn plan_orders(orders: &[ShopOrder], ctx: &OrderContext) -> OrdersPlan {
    let mut plan = OrdersPlan::default();
    let mut queue = CreationQueue::new(ctx.systim.normalize());
    for order in orders {
        match OrderPlanner::new(order, ctx).run() {
            Err(reasons) => plan.tally.skip(SkippedOrder { order_id: order.order_id, reasons }),
            Ok((mut import, creations)) => {
                let global: Vec<usize> = creations.products.into_iter().map(|p| queue.add(p)).collect();
                for line in &mut import.request.lines {
                    if let ProductRef::Created { index } = &mut line.product {
                        *index = global[*index];
                    }
                }
                plan.tally.matched();
                plan.imports.push(import);
            }
        }
    }
    plan.products_to_create = queue.products;
    plan
}

/// Products to create, once per code (per normal form when codes are normalised).
struct CreationQueue {
    products: Vec<NewSystimProduct>,
    by_code: FastMap<String, usize>,
    normalize: bool,
}

impl CreationQueue {
    fn new(normalize: bool) -> Self {
        CreationQueue { products: Vec::new(), by_code: fast_map(0), normalize }
    }
    /// The index of the product with this code, added if new; the waiting orders are merged.
    fn add(&mut self, product: NewSystimProduct) -> usize {
        let key = if self.normalize { normalized_key(&product.code).into_owned() } else { product.code.as_str().to_string() };
        if let Some(&i) = self.by_code.get(&key) {
            let waiting = &mut self.products[i].for_orders;
            for id in product.for_orders {
                if !waiting.contains(&id) {
                    waiting.push(id);
                }
            }
            return i;
        }
        self.by_code.insert(key, self.products.len());
        self.products.push(product);
        self.products.len() - 1
    }
}

/// A line's fate.
enum LineFate {
    /// One request line, or several when a discount's grosze needed the line split.
    Keep(Vec<AddOrderLine>),
    /// Left out under the "import without the line" policy, with its value.
    Drop(Money),
}

/// One order being planned: collects problems and warnings, then decides.
struct OrderPlanner<'o, 'c> {
    order: &'o ShopOrder,
    ctx: &'o OrderContext<'c>,
    problems: Vec<Finding>,
    warnings: Vec<Finding>,
    creations: CreationQueue,
    pricing: Pricing,
}

impl<'o, 'c> OrderPlanner<'o, 'c> {
    fn new(order: &'o ShopOrder, ctx: &'o OrderContext<'c>) -> Self {
        let creations = CreationQueue::new(ctx.systim.normalize());
        OrderPlanner { order, ctx, problems: Vec::new(), warnings: Vec::new(), creations, pricing: Pricing::AsCharged }
    }

    fn run(mut self) -> Result<(OrderImport, CreationQueue), Vec<Finding>> {
        let order_id = self.order.order_id;
        if let Some(filtered) = self.filter() {
            return Err(vec![filtered.order(order_id)]);
        }
        let draft = self.draft();
        let problems: Vec<Finding> = self.problems.into_iter().map(|f| f.order(order_id)).collect();
        match draft {
            Some((request, totals)) if problems.is_empty() => {
                let warnings = self.warnings.into_iter().map(|f| f.order(order_id)).collect();
                Ok((OrderImport { order_id, request, totals, warnings }, self.creations))
            }
            _ => Err(problems),
        }
    }

    /// The first filter the order fails, if any.
    fn filter(&self) -> Option<Finding> {
        let settings = &self.ctx.settings.orders;
        let order = self.order;
        if !settings.origins.contains(&order.origin) {
            return Some(Finding::new(ReasonCode::OriginNotSelected).value(origin_name(order.origin)));
        }
        let status = self.ctx.statuses.iter().find(|s| s.id == order.status_id);
        let selected = match (&settings.statuses, status) {
            (StatusFilter::Only(ids), _) => ids.contains(&order.status_id),
            (StatusFilter::AllExceptNotCompleted, Some(s)) => s.kind != 4,
            (StatusFilter::AllExceptNotCompleted, None) => {
                return Some(Finding::new(ReasonCode::StatusUnknown).value(format!("status_id {}", order.status_id)));
            }
        };
        if !selected {
            let name = status.map_or_else(|| format!("status_id {}", order.status_id), |s| s.name.clone());
            return Some(Finding::new(ReasonCode::StatusNotSelected).value(name));
        }
        self.start_point_filter()
    }

    fn start_point_filter(&self) -> Option<Finding> {
        let order = self.order;
        match &self.ctx.settings.orders.start {
            StartPoint::Unset => None,
            StartPoint::OrderId(first) => (order.order_id < *first).then(|| Finding::new(ReasonCode::BeforeStartPoint).value(format!("< {first}"))),
            StartPoint::Date(day) => match order_day(&order.date) {
                None => Some(Finding::new(ReasonCode::OrderDateUnreadable).value(order.date.clone())),
                Some(d) if d < day.as_str() => Some(Finding::new(ReasonCode::BeforeStartPoint).value(order.date.clone())),
                Some(_) => None,
            },
        }
    }

    /// Build the request, recording every problem; `None` when something essential is missing.
    fn draft(&mut self) -> Option<(AddOrderRequest, Totals)> {
        self.pricing = self.pricing();
        let (lines, dropped) = self.lines();
        let shipping = self.shipping_line();
        let parties = self.parties();
        let delivery_method_id = self.delivery_method();
        let currency_id = self.currency();
        let mut lines = lines?;
        lines.extend(shipping?);
        let totals = self.totals(&lines, dropped)?;
        let Parties { buyer, delivery, first_name, last_name, nip } = parties?;
        let settings = &self.ctx.settings.orders;
        let request = AddOrderRequest {
            buyer,
            first_name,
            last_name,
            nip,
            email: self.order.email.trim().to_string(),
            phone: first_non_empty(&[&self.order.billing.phone, &self.order.delivery.phone]),
            delivery,
            delivery_method_id: delivery_method_id?,
            payment_method_id: map_id(&settings.payment_mapping, self.order.payment_id, settings.default_payment_id),
            currency_id: currency_id?,
            status_id: settings.systim_status_id,
            lines,
            notes: marker_and_note(self.order, self.ctx.shop_host),
            contractor: None,
        };
        Some((request, totals))
    }

    /// Every order line, kept or dropped; `None` when a line stops the order.
    fn lines(&mut self) -> (Option<Vec<AddOrderLine>>, Money) {
        if self.order.lines.is_empty() {
            self.problems.push(Finding::new(ReasonCode::NoLines));
            return (None, Money::ZERO);
        }
        let mut kept = Vec::with_capacity(self.order.lines.len() + 1);
        let mut dropped = Money::ZERO;
        let mut complete = true;
        for (i, line) in self.order.lines.iter().enumerate() {
            let parts = match &self.pricing {
                Pricing::Spread { parts, .. } => parts[i].clone(),
                _ => vec![(line.quantity, line.price)],
            };
            match self.line(line, &parts) {
                Ok(LineFate::Keep(l)) => kept.extend(l),
                Ok(LineFate::Drop(value)) => dropped += value,
                Err(problem) => {
                    self.problems.push(problem.line(line.id));
                    complete = false;
                }
            }
        }
        (complete.then_some(kept), dropped)
    }

    /// One order line in `parts` of (quantity, unit price): the line's own, or with the order's
    /// discount spread in (two or three parts when its grosze needed a split).
    fn line(&mut self, line: &OrderLine, parts: &[(Qty, Money)]) -> Result<LineFate, Finding> {
        if line.quantity <= Qty::ZERO {
            return Err(Finding::new(ReasonCode::LineQuantityInvalid).quantity(line.quantity));
        }
        let m = self.ctx.systim.find(&line.code);
        let existing = match &m {
            Match::Found { index, kind } => {
                let p = &self.ctx.systim.products()[*index];
                if *kind == MatchKind::Normalized {
                    self.warnings.push(normalized_note(&line.code, &p.code).line(line.id).systim(p.id));
                }
                Some(p.id)
            }
            _ => match self.missing_product(line, &m)? {
                MissingFate::Create => None,
                MissingFate::Drop(cause) => {
                    let value: Money = parts.iter().map(|(q, p)| p.times(*q)).sum();
                    self.warnings.push(Finding::new(ReasonCode::LineDropped).cause(cause).line(line.id).code(line.code.as_str()).amount(value));
                    return Ok(LineFate::Drop(value));
                }
            },
        };
        let rate = line.vat.ok_or_else(|| Finding::new(ReasonCode::VatUnknown))?;
        let vat_id = self.ctx.systim.vat_id(rate).ok_or_else(|| Finding::new(ReasonCode::VatMissingInSystim).value(rate.label()))?;
        let product = match existing {
            Some(id) => ProductRef::Existing { id },
            None => ProductRef::Created { index: self.create(line, rate, vat_id)? },
        };
        let source = LineSource::OrderLine { line_id: line.id };
        Ok(LineFate::Keep(parts.iter().map(|&(quantity, price)| AddOrderLine { product, quantity, price, vat_id, source }).collect()))
    }

    /// What the missing-product policy does with a line without exactly one Systim product.
    fn missing_product(&self, line: &OrderLine, m: &Match) -> Result<MissingFate, Finding> {
        let problem = match m {
            Match::Blank => Finding::new(ReasonCode::BlankCode),
            Match::NotFound => Finding::new(ReasonCode::NotInSystim).code(line.code.as_str()),
            _ => code_problem(m, &line.code, Side::OrderLine, &[], self.ctx.systim.products()).unwrap_or_else(|| Finding::new(ReasonCode::NotInSystim)),
        };
        match (self.ctx.settings.orders.missing_product, m) {
            (_, Match::Ambiguous { .. }) => Err(problem),
            (MissingProductPolicy::ImportWithoutLine, _) => Ok(MissingFate::Drop(problem.reason)),
            (MissingProductPolicy::CreateInSystim, Match::NotFound) => Ok(MissingFate::Create),
            _ => Err(problem),
        }
    }

    /// Queue the product a line needs; its index in this order's queue.
    fn create(&mut self, line: &OrderLine, rate: VatRate, vat_id: u64) -> Result<usize, Finding> {
        let item = self.shop_item(line);
        let category = item.and_then(|i| i.category.as_deref()).and_then(|name| self.ctx.systim.category_id(name));
        let category_id = category.or(self.ctx.settings.orders.new_product_category_id).ok_or_else(|| Finding::new(ReasonCode::SystimCategoryNotSet))?;
        let gross = item.map(|i| i.price).filter(|p| p.is_positive()).unwrap_or(line.price);
        let (name, option) = item.map_or((&line.name, &line.option), |i| (&i.name, &i.option));
        self.warnings.push(Finding::new(ReasonCode::ProductCreatedInSystim).line(line.id).code(line.code.as_str()));
        Ok(self.creations.add(NewSystimProduct {
            code: line.code.clone(),
            name: display_name(name, option),
            ean: item.map(|i| i.ean.trim().to_string()).unwrap_or_default(),
            price_gross: gross,
            price_net: rate.net_from_gross(gross),
            vat_id,
            category_id,
            unit: line.unit.trim().to_string(),
            for_orders: vec![self.order.order_id],
        }))
    }

    /// The shop row the line was sold from, when it still carries the line's code.
    fn shop_item(&self, line: &OrderLine) -> Option<&'c ShopItem> {
        let item = self.ctx.shop?.by_stock_id(line.stock_id?)?;
        (item.code == line.code).then_some(item)
    }

    /// Shipping as a line of the configured service product (none when free).
    fn shipping_line(&mut self) -> Option<Option<AddOrderLine>> {
        let cost = self.order.shipping_cost;
        if !cost.is_positive() {
            return Some(None);
        }
        let line = self.try_shipping_line(cost).map_err(|f| self.problems.push(f.amount(cost))).ok()?;
        Some(Some(line))
    }

    fn try_shipping_line(&self, cost: Money) -> Result<AddOrderLine, Finding> {
        let id = self.ctx.settings.orders.shipping_product_id.ok_or_else(|| Finding::new(ReasonCode::ShippingProductNotSet))?;
        let product = self.ctx.systim.by_id(id).ok_or_else(|| Finding::new(ReasonCode::ShippingProductNotFound).systim(id))?;
        let vat_id = match self.order.shipping_vat {
            Some(rate) => self.ctx.systim.vat_id(rate).ok_or_else(|| Finding::new(ReasonCode::VatMissingInSystim).value(rate.label()))?,
            None => product.vat_id.ok_or_else(|| Finding::new(ReasonCode::VatUnknown).systim(id))?,
        };
        Ok(AddOrderLine { product: ProductRef::Existing { id }, quantity: Qty::units(1), price: cost, vat_id, source: LineSource::Shipping })
    }

    /// Buyer, delivery address, names and NIP.
    fn parties(&mut self) -> Option<Parties> {
        let nip = self.nip();
        let (billing, delivery) = (&self.order.billing, &self.order.delivery);
        let buyer = if missing_fields(billing).is_empty() {
            billing
        } else if missing_fields(delivery).is_empty() {
            self.warnings.push(Finding::new(ReasonCode::BillingFromDelivery));
            delivery
        } else {
            let mut f = Finding::new(ReasonCode::AddressIncomplete);
            f.values = missing_fields(billing).iter().map(|s| s.to_string()).collect();
            self.problems.push(f);
            return None;
        };
        let ship_to = if missing_fields(delivery).is_empty() { delivery } else { buyer };
        let person = [buyer, billing, delivery].into_iter().find(|a| !a.full_name().is_empty());
        let Some(person) = person else {
            self.problems.push(Finding::new(ReasonCode::AddressIncomplete).value("imie").value("nazwisko"));
            return None;
        };
        let nip = nip?;
        Some(Parties {
            buyer: systim_address(buyer),
            delivery: systim_address(ship_to),
            first_name: person.firstname.trim().to_string(),
            last_name: person.lastname.trim().to_string(),
            nip,
        })
    }

    /// The buyer's NIP as digits; a foreign VAT number passes as typed; a wrong one stops the order.
    fn nip(&mut self) -> Option<Option<String>> {
        let raw = first_non_empty(&[&self.order.billing.tax_id, &self.order.delivery.tax_id]);
        if raw.is_empty() {
            return Some(None);
        }
        match Nip::parse(&raw) {
            Ok(nip) => Some(Some(nip.digits().to_string())),
            Err(NipError::Foreign(typed)) => {
                self.warnings.push(Finding::new(ReasonCode::ForeignVatId).value(typed.clone()));
                Some(Some(typed.chars().filter(|c| !c.is_whitespace()).collect()))
            }
            Err(NipError::WrongLength(_) | NipError::BadChecksum(_)) => {
                self.problems.push(Finding::new(ReasonCode::InvalidNip).value(raw));
                None
            }
        }
    }

    fn delivery_method(&mut self) -> Option<u64> {
        let settings = &self.ctx.settings.orders;
        let (mapping, default) = (&settings.delivery_mapping, settings.default_delivery_id);
        self.mapped(mapping, default, self.order.shipping_id, "shipping_id", ReasonCode::DeliveryNotMapped)
    }

    fn currency(&mut self) -> Option<u64> {
        let mapping = &self.ctx.settings.orders.currency_mapping;
        self.mapped(mapping, None, self.order.currency_id, "currency_id", ReasonCode::CurrencyNotMapped)
    }

    /// A Shoper id through a mapping (with a default); a problem naming the id when unmapped.
    fn mapped(&mut self, mapping: &[IdMapping], default: Option<u64>, shop_id: Option<u64>, field: &str, reason: ReasonCode) -> Option<u64> {
        let id = map_id(mapping, shop_id, default);
        if id.is_none() {
            let shown = shop_id.map_or_else(|| "—".to_string(), |id| format!("{field} {id}"));
            self.problems.push(Finding::new(reason).value(shown));
        }
        id
    }

    /// Lines + shipping against Shoper's `sum`; dropped lines explain a shortfall, a discount
    /// spread over the lines is already in their prices.
    fn totals(&mut self, lines: &[AddOrderLine], dropped: Money) -> Option<Totals> {
        let imported: Money = lines.iter().map(AddOrderLine::total).sum();
        let sum = self.order.sum;
        let discount = match self.pricing {
            Pricing::Spread { discount, .. } => discount,
            Pricing::Held => return None, // the discount's own problem says why
            Pricing::AsCharged => Money::ZERO,
        };
        let totals = Totals { order_sum: sum, imported, dropped, discount };
        if imported + dropped == sum || rounded_once(lines) + dropped == sum {
            return Some(totals);
        }
        self.problems.push(Finding::new(ReasonCode::TotalsMismatch).amount(imported + dropped).expected(sum));
        None
    }

    /// How the lines' prices meet Shoper's `sum` (shoper-api.md §13.4: never recompute the
    /// total; reconcile the conventions against it):
    /// 1. lines × quantities + shipping = `sum` (rounded per line or once): the prices as they
    ///    are — no discount, or one already in the prices;
    /// 2. else, when lines carry `discount_perc`, the lines with it applied + shipping = `sum`:
    ///    the shop lists list prices with the discount still to apply — those values;
    /// 3. else, when the order carries a discount on the whole order (a `discount_*`, `code_id`
    ///    or `promo_code`) and `sum` is lower: the difference spread over the product lines;
    /// 4. anything else is left to the totals check (`totals_mismatch`).
    ///
    /// Shipping is taken as charged (`shipping_cost`; 0 under a free-shipping code) and never
    /// discounted here.
    fn pricing(&mut self) -> Pricing {
        let order = self.order;
        if order.lines.is_empty() || order.lines.iter().any(|l| l.quantity <= Qty::ZERO || l.price < Money::ZERO) {
            return Pricing::AsCharged; // the line's own problem holds the order
        }
        let lines: Vec<spread::Line> = order.lines.iter().map(|l| spread::Line { price: l.price, quantity: l.quantity, vat: l.vat }).collect();
        let values: Vec<i64> = lines.iter().map(spread::Line::value).collect();
        let goods = Money(values.iter().sum());
        let once: i128 = order.lines.iter().map(|l| i128::from(l.price.0) * i128::from(l.quantity.0)).sum();
        let shipping = order.shipping_cost;
        if goods + shipping == order.sum || Money(div_round(once, 1000) as i64) + shipping == order.sum {
            return Pricing::AsCharged;
        }
        let discount = goods + shipping - order.sum;
        // (a loop rather than a collect into an `Option`: smaller in the wasm)
        let mut after_perc: Option<Vec<i64>> = order.lines.iter().any(|l| l.discount_perc != 0).then(Vec::new);
        for line in &order.lines {
            match (after_perc.as_mut(), after_discount_perc(line)) {
                (Some(values), Some(v)) => values.push(v),
                _ => after_perc = None,
            }
        }
        let (targets, how) = match after_perc {
            Some(t) if Money(t.iter().sum()) + shipping == order.sum => (Some(t), "discount_perc".to_string()),
            // Shipping is never discounted here: a discount larger than the goods is no explanation.
            _ if order.discounts.any() && discount.is_positive() && discount <= goods => {
                (spread::proportional(&lines, discount.0), order.discounts.describe().join(", "))
            }
            _ => return Pricing::AsCharged,
        };
        let finding = |reason| Finding::new(reason).value(how.clone()).amount(discount).expected(order.sum);
        if self.ctx.settings.orders.order_discount == OrderDiscountPolicy::Hold {
            self.problems.push(finding(ReasonCode::OrderDiscountHeld));
            return Pricing::Held;
        }
        match targets.and_then(|t| spread::spread(&lines, &t)) {
            Some(parts) => {
                self.warnings.push(Finding::new(ReasonCode::OrderDiscountSpread).value(how).amount(discount));
                Pricing::Spread { parts, discount }
            }
            None => {
                self.problems.push(finding(ReasonCode::OrderDiscountUnspreadable));
                Pricing::Held
            }
        }
    }
}

/// The lines' prices against Shoper's `sum` ([`OrderPlanner::pricing`]).
enum Pricing {
    /// The lines' own prices.
    AsCharged,
    /// Per order line (in order) its parts — (quantity, unit price), usually one — with
    /// `discount` spread in.
    Spread { parts: Vec<spread::Parts>, discount: Money },
    /// A discount the setting holds, or one that cannot be spread: the problem is recorded.
    Held,
}

/// A line's value with its `discount_perc` applied (`None` for a percentage outside 0–100 %).
fn after_discount_perc(line: &OrderLine) -> Option<i64> {
    let full = 100 * PERCENT_SCALE;
    if !(0..=full).contains(&line.discount_perc) {
        return None;
    }
    let raw = i128::from(line.price.0) * i128::from(line.quantity.0) * i128::from(full - line.discount_perc);
    Some(div_round(raw, 1000 * i128::from(full)) as i64)
}

/// Who buys and where it goes, as `addOrder` wants it.
struct Parties {
    buyer: SystimAddress,
    delivery: SystimAddress,
    first_name: String,
    last_name: String,
    nip: Option<String>,
}

/// What the policy decided for a line without a Systim product.
#[derive(Clone, Copy)]
enum MissingFate {
    Drop(ReasonCode),
    Create,
}

/// Σ price × quantity rounded once at the end (some shops round the total, not each line).
fn rounded_once(lines: &[AddOrderLine]) -> Money {
    let milli: i128 = lines.iter().map(|l| i128::from(l.price.0) * i128::from(l.quantity.0)).sum();
    Money(div_round(milli, 1000) as i64)
}

/// Fields Systim requires that an address lacks (Systim's names).
fn missing_fields(a: &Address) -> Vec<&'static str> {
    let checks = [
        ("nazwa", a.company.trim().is_empty() && a.full_name().is_empty()),
        ("ulica", a.street().is_empty()),
        ("kod", a.postcode.trim().is_empty()),
        ("miejscowosc", a.city.trim().is_empty()),
    ];
    checks.iter().filter(|(_, missing)| *missing).map(|(name, _)| *name).collect()
}

fn systim_address(a: &Address) -> SystimAddress {
    let company = a.company.trim();
    SystimAddress {
        name: if company.is_empty() { a.full_name() } else { company.to_string() },
        street: a.street(),
        postcode: a.postcode.trim().to_string(),
        city: a.city.trim().to_string(),
        country: first_non_empty(&[&a.country, &a.country_code]),
    }
}

fn first_non_empty(values: &[&str]) -> String {
    values.iter().map(|v| v.trim()).find(|v| !v.is_empty()).unwrap_or("").to_string()
}

/// `Name (variant)` when the line is a variant.
fn display_name(name: &str, option: &str) -> String {
    match (name.trim(), option.trim()) {
        (n, "") => n.to_string(),
        (n, o) => format!("{n} ({o})"),
    }
}

/// The day part of a Shoper date (`YYYY-MM-DD HH:MM:SS`), when it is one.
fn order_day(date: &str) -> Option<&str> {
    let day = date.trim().get(..10)?;
    crate::settings::is_iso_day(day).then_some(day)
}

/// The settings' name of an origin (`admin_panel`, `other:42`).
fn origin_name(origin: Origin) -> String {
    match serde_json::to_value(origin) {
        Ok(serde_json::Value::String(s)) => s,
        _ => match origin {
            Origin::Other(code) => format!("other:{code}"),
            _ => String::new(),
        },
    }
}

/// `uwagi`: the marker line, then the customer's note.
fn marker_and_note(order: &ShopOrder, shop_host: &str) -> String {
    let marker = import_marker(order.order_id, shop_host);
    match order.notes.trim() {
        "" => marker,
        note => format!("{marker}\n{note}"),
    }
}

const MARKER_PREFIX: &str = "Shoper ";
const MARKER_SEPARATOR: &str = " @ ";

/// The shop's host from a URL or host (`https://Sklep1.shoparena.pl/admin` → `sklep1.shoparena.pl`).
pub fn shop_host(url_or_host: &str) -> String {
    let s = url_or_host.trim();
    let lower = s.to_ascii_lowercase();
    let rest = ["https://", "http://"].iter().find_map(|scheme| lower.strip_prefix(scheme)).unwrap_or(&lower);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.trim_end_matches('.').to_string()
}

/// The import marker written first in `uwagi`: `Shoper <order_id> @ <shop host>`. It lets an
/// import whose answer was lost be found again in Systim.
pub fn import_marker(order_id: u64, shop: &str) -> String {
    format!("{MARKER_PREFIX}{order_id}{MARKER_SEPARATOR}{}", shop_host(shop))
}

/// Read a marker from the start of a Systim order's notes: `(order_id, shop host)`. Tolerates
/// leading white space and an HTML line break after it.
pub fn parse_import_marker(notes: &str) -> Option<(u64, String)> {
    let rest = notes.trim_start().strip_prefix(MARKER_PREFIX)?;
    let (id, after) = rest.split_once(MARKER_SEPARATOR)?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let host: String = after.chars().take_while(|c| !c.is_whitespace() && *c != '<').collect();
    if host.is_empty() {
        return None;
    }
    Some((id.parse().ok()?, host.to_ascii_lowercase()))
}

/// Whether notes carry the marker of this very order of this shop.
pub fn is_import_marker_for(notes: &str, order_id: u64, shop: &str) -> bool {
    parse_import_marker(notes) == Some((order_id, shop_host(shop)))
}

#[cfg(test)]
#[path = "orders_tests.rs"]
mod tests;
