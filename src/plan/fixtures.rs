//! Small builders for tests: a plausible shop row, Systim product, order and dictionaries, to be
//! adjusted field by field in each case.

use crate::domain::*;
use crate::money::{Money, Qty};

pub fn item(stock_id: u64, code: &str) -> ShopItem {
    ShopItem {
        product_id: stock_id,
        stock_id,
        is_default: true,
        code: ProductCode::new(code),
        ean: String::new(),
        name: format!("Produkt {stock_id}"),
        name_locale: "pl_PL".into(),
        option: String::new(),
        category_id: Some(10),
        category: Some("Odzież".into()),
        tax_id: Some(1),
        vat: Some(VatRate::Percent(23)),
        price: Money(10_000),
        stock: Qty::units(5),
        warehouses: Vec::new(),
        unit: "szt.".into(),
        unit_fractional: false,
        active: true,
    }
}

pub fn product(id: u64, code: &str) -> SystimProduct {
    SystimProduct {
        id,
        code: ProductCode::new(code),
        ean: String::new(),
        name: format!("Towar {id}"),
        price_gross: Money(10_000),
        price_net: Money(8_130),
        vat_id: Some(1),
        vat: Some(VatRate::Percent(23)),
        category_id: Some(100),
        category: Some("Odzież".into()),
        unit: "szt.".into(),
        is_service: false,
        hidden: false,
        stock: vec![(1, Qty::units(5))],
    }
}

fn tax(id: u64, name: &str) -> ShopTax {
    ShopTax { id, name: name.into(), rate: VatRate::parse_name(name) }
}

fn vat(id: u64, name: &str) -> SystimVatRate {
    SystimVatRate { id, name: name.into(), rate: VatRate::parse_name(name) }
}

pub fn shop(items: Vec<ShopItem>) -> ShopSnapshot {
    ShopSnapshot {
        default_locale: "pl_PL".into(),
        locales: vec![ShopLanguage { id: 1, locale: "pl_PL".into(), active: true }, ShopLanguage { id: 2, locale: "en_US".into(), active: true }],
        warehouses_enabled: false,
        warehouses: Vec::new(),
        taxes: vec![tax(1, "23%"), tax(2, "8%"), tax(3, "5%"), tax(4, "0%"), tax(5, "zw."), tax(6, "np.")],
        units: vec![ShopUnit { id: 1, name: "szt.".into(), fractional: false }, ShopUnit { id: 2, name: "kg".into(), fractional: true }],
        categories: vec![ShopCategory { id: 10, name: "Odzież".into(), parent_id: None }, ShopCategory { id: 11, name: "Obuwie".into(), parent_id: None }],
        statuses: vec![
            ShopStatus { id: 1, kind: 1, name: "złożone".into() },
            ShopStatus { id: 2, kind: 2, name: "przyjęte do realizacji".into() },
            ShopStatus { id: 7, kind: 3, name: "przesyłka wysłana".into() },
            ShopStatus { id: 8, kind: 4, name: "anulowane".into() },
        ],
        items,
    }
}

pub fn systim(products: Vec<SystimProduct>) -> SystimSnapshot {
    SystimSnapshot {
        vat_rates: vec![vat(1, "23%"), vat(2, "8%"), vat(3, "5%"), vat(4, "0%"), vat(5, "zw"), vat(6, "np")],
        categories: vec![
            SystimCategory { id: 100, name: "Odzież".into(), parent_id: None },
            SystimCategory { id: 101, name: "Usługi".into(), parent_id: None },
        ],
        stores: vec![Warehouse { id: 1, name: "Główny".into() }, Warehouse { id: 2, name: "Sklep".into() }],
        delivery_methods: vec![NamedId { id: 1, name: "Kurier".into() }],
        payment_methods: vec![NamedId { id: 1, name: "Przelew".into() }],
        products,
        unreadable_stock: Vec::new(),
        categories_unknown: false,
    }
}

pub fn line(id: u64, code: &str, price: i64, quantity: Qty) -> OrderLine {
    OrderLine {
        id,
        product_id: Some(id),
        stock_id: Some(id),
        code: ProductCode::new(code),
        name: format!("Pozycja {id}"),
        option: String::new(),
        price: Money(price),
        discount_perc: 0,
        quantity,
        vat: Some(VatRate::Percent(23)),
        unit: "szt.".into(),
        unit_fractional: false,
    }
}

pub fn address() -> Address {
    Address {
        firstname: "Adam".into(),
        lastname: "Nowak".into(),
        company: String::new(),
        tax_id: String::new(),
        street1: "Myśliwska 98".into(),
        street2: String::new(),
        postcode: "30-718".into(),
        city: "Kraków".into(),
        country: "Polska".into(),
        country_code: "PL".into(),
        phone: "640432543".into(),
    }
}

/// A storefront order, status "złożone", whose `sum` equals its lines (no shipping).
pub fn order(order_id: u64, lines: Vec<OrderLine>) -> ShopOrder {
    let sum = lines.iter().map(|l| l.price.times(l.quantity)).sum();
    ShopOrder {
        order_id,
        date: "2024-05-10 12:00:00".into(),
        status_id: 1,
        origin: Origin::Storefront,
        sum,
        paid: Money::ZERO,
        shipping_cost: Money::ZERO,
        shipping_vat: Some(VatRate::Percent(23)),
        shipping_id: Some(8),
        payment_id: Some(1),
        currency_id: Some(1),
        lang_id: Some(1),
        email: "adam@example.com".into(),
        notes: String::new(),
        billing: address(),
        delivery: address(),
        discounts: OrderDiscounts::default(),
        lines,
    }
}
