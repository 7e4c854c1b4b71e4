#![cfg(not(target_arch = "wasm32"))]
//! A shop read in two rounds of `/bulk` calls and decoded page by page gives the very snapshot a
//! whole read gives — with the categories, the products and the variant rows each longer than a
//! page — in `1 + ⌈(further pages)/25⌉` calls.

mod common;

use common::harness::connection;
use common::InProcess;
use pollster::block_on;
use sandbox::catalogue::{self, Scenario, ShopVariant};
use sandbox::Sandbox;
use serde_json::json;
use shoper_systim::decode::shoper::{self as dshop, ShopPayloads};
use shoper_systim::engine::session::Session;

/// 180 products (4 pages) in 178 categories (4 pages), every third with three variants (4 pages).
fn long_lists() -> Scenario {
    let mut scenario = catalogue::big(180, 0);
    for (k, product) in scenario.items.iter_mut().filter_map(|i| i.shop.as_mut()).enumerate() {
        product.category = format!("Kategoria {k}");
        if k % 3 == 0 {
            for size in ["S", "M", "L"] {
                let variant = ShopVariant {
                    code: format!("{}-{size}", product.code),
                    ean: String::new(),
                    option: format!("Rozmiar: {size}"),
                    price: 1_990,
                    stock: 2_000,
                    warehouse_stock: Vec::new(),
                };
                product.variants.push(variant);
            }
        }
    }
    scenario
}

#[test]
fn a_catalogue_read_in_rounds_page_by_page_equals_a_whole_read() {
    let net = InProcess::new("empty");
    *net.sandbox.borrow_mut() = Sandbox::from_scenario(long_lists());
    let mut session = Session::open(&net, &net.clock, &connection(&net)).expect("session");

    let read = block_on(session.read_shop_catalogue()).expect("catalogue");
    let calls = session.stats().0.requests - session.stats().0.auth_requests;
    // Round 1: 10 reads in one call; round 2: 3 + 3 + 3 further pages in one call.
    assert_eq!(calls, 2);
    assert_eq!(read.snapshot.categories.len(), 178);
    assert_eq!(read.snapshot.items.len(), 178 + 60 * 3);

    let whole = block_on(async {
        let shop = &mut session.shoper;
        let config = shop.application_config().await.unwrap();
        let lists = [
            shop.list_all("languages", None, None).await.unwrap(),
            shop.list_all("taxes", None, None).await.unwrap(),
            shop.list_all("units", None, None).await.unwrap(),
            shop.list_all("categories", None, None).await.unwrap(),
            shop.list_all("statuses", None, None).await.unwrap(),
            shop.list_all("products", None, Some("product_id ASC")).await.unwrap(),
            shop.list_all("product-stocks", Some(&json!({"extended": "1"})), Some("stock_id ASC")).await.unwrap(),
        ];
        let tree = shop.categories_tree().await.unwrap();
        let (config, _) = dshop::app_config(&config).unwrap();
        let [languages, taxes, units, categories, statuses, products, product_stocks] = &lists;
        let payloads = ShopPayloads { languages, taxes, units, categories, categories_tree: Some(&tree), statuses, warehouses: &[], products, product_stocks };
        dshop::snapshot(&config, &payloads)
    });
    assert_eq!(read.snapshot, whole.0);
    assert_eq!(read.problems, whole.1);
}
