//! The planning case, shared by the native benchmark (`benches/perf`) and the browser one
//! (`tests/wasm_bench.rs`): N shop rows against N Systim products — 45 % matched by code, 10 %
//! near misses (another case and a trailing space), 45 % only in Systim — with quantities that
//! differ for most matched pairs. Built through serde from wire-like JSON of the domain types.

use serde_json::{json, Value};
use shoper_systim::domain::{ShopSnapshot, SystimSnapshot};

fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a domain value")
}

fn shop_row(i: u64) -> Value {
    json!({
        "product_id": i, "stock_id": i, "is_default": true, "code": format!("KOD-{i}"), "ean": "",
        "name": format!("Koszulka {i}"), "name_locale": "pl_PL", "option": "",
        "category_id": 10, "category": "Odzież", "tax_id": 1, "vat": {"percent": 23},
        "price": 4_999 + i % 100, "stock": (i % 7) * 1_000, "warehouses": [],
        "unit": "szt.", "unit_fractional": false, "active": true,
    })
}

/// Systim product `j` of `n`: every tenth a near miss of shop row `j`, the others the code of
/// shop row `j + n/2` (a match while that row exists).
fn systim_product(j: u64, n: u64) -> Value {
    let code = if j.is_multiple_of(10) { format!("kod-{j} ") } else { format!("KOD-{}", j + n / 2) };
    json!({
        "id": j, "code": code, "ean": "", "name": format!("Koszulka {j}"),
        "price_gross": 4_999, "price_net": 4_064, "vat_id": 1, "vat": {"percent": 23},
        "category_id": 100, "category": "Odzież", "unit": "szt.", "is_service": false, "hidden": false,
        "stock": [[1, (j % 5) * 1_000]],
    })
}

/// Row by row, so that no JSON of the whole catalogue is ever held.
pub fn world(n: u64) -> (ShopSnapshot, SystimSnapshot) {
    let mut shop: ShopSnapshot = from(json!({
        "default_locale": "pl_PL",
        "locales": [{"id": 1, "locale": "pl_PL", "active": true}],
        "warehouses_enabled": false, "warehouses": [],
        "taxes": [{"id": 1, "name": "23%", "rate": {"percent": 23}}],
        "units": [{"id": 1, "name": "szt.", "fractional": false}],
        "categories": [{"id": 10, "name": "Odzież", "parent_id": null}],
        "statuses": [{"id": 1, "kind": 1, "name": "złożone"}],
        "items": [],
    }));
    shop.items = (1..=n).map(|i| from(shop_row(i))).collect();
    let mut systim: SystimSnapshot = from(json!({
        "vat_rates": [{"id": 1, "name": "23%", "rate": {"percent": 23}}],
        "categories": [{"id": 100, "name": "Odzież", "parent_id": null}],
        "stores": [{"id": 1, "name": "Główny"}],
        "delivery_methods": [], "payment_methods": [], "products": [],
    }));
    systim.products = (1..=n).map(|j| from(systim_product(j, n))).collect();
    (shop, systim)
}
