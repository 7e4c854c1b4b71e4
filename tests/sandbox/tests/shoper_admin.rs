//! Admin-panel pages: structure a content script relies on, Polish text, zł prices.

mod shoper_util;

use sandbox::Request;
use shoper_util::*;

fn page(shop: &mut Shop, path: &str) -> (u16, String) {
    let r = shop.send(Request::new("GET", path));
    (r.status, r.body_text())
}

#[test]
fn order_list_links_every_order_and_rows_carry_the_id() {
    let mut shop = Shop::demo();
    let (status, html) = page(&mut shop, "/admin/orders");
    assert_eq!(status, 200);
    for id in 1..=12 {
        assert!(html.contains(&format!("href=\"/admin/orders/view/id/{id}\"")), "link {id}");
        assert!(html.contains(&format!("<tr class=\"order-row\" data-order-id=\"{id}\">")), "row {id}");
    }
    assert!(html.contains("Zamówienia"));
    assert!(html.contains("74,99 zł"));
}

#[test]
fn order_view_has_the_order_id_and_a_labelled_lines_table() {
    let mut shop = Shop::demo();
    let (status, html) = page(&mut shop, "/admin/orders/view/id/2");
    assert_eq!(status, 200);
    assert!(html.contains("<div class=\"order-view\" data-order-id=\"2\">"));
    assert!(html.contains("Zamówienie nr 2"));
    assert_eq!(html.matches("<tr class=\"tr_responsive-columns\"").count(), 2);
    assert!(html.contains("<td data-label=\"Cena\">18,99 zł</td>"));
    assert!(html.contains("<td data-label=\"Ilość\">10 szt.</td>"));
    assert!(html.contains("Herbaciarnia Zielińska Sp. z o.o."));
    let (_, html) = page(&mut shop, "/admin/orders/view/id/5/page/1");
    assert!(html.contains("<td data-label=\"Ilość\">0,75 kg</td>"));
    assert!(html.contains("156,67 zł"));
}

#[test]
fn order_view_escapes_html() {
    let mut shop = Shop::demo();
    let (_, html) = page(&mut shop, "/admin/orders/view/id/10");
    assert!(html.contains("Herbata &quot;Earl Grey&quot; &amp; bergamotka &lt;100 g&gt;"));
    assert!(!html.contains("<100 g>"));
}

#[test]
fn lines_table_page_and_other_pages() {
    let mut shop = Shop::demo();
    let (status, html) = page(&mut shop, "/admin/orders/viewTable/id/6");
    assert_eq!(status, 200);
    assert!(html.contains("data-label=\"Cena\">129,00 zł"));
    assert!(html.contains("Rozmiar: M"));
    let (status, html) = page(&mut shop, "/admin/");
    assert_eq!(status, 200);
    assert!(html.contains("Pulpit"));
    let (status, html) = page(&mut shop, "/admin/auth/login");
    assert_eq!(status, 200);
    assert!(html.contains("name=\"password\"") && html.contains("Zaloguj"));
}

#[test]
fn unknown_admin_pages_and_orders_answer_404() {
    let mut shop = Shop::demo();
    for path in ["/admin/orders/view/id/999", "/admin/orders/view/id/abc", "/admin/products", "/cokolwiek"] {
        assert_eq!(page(&mut shop, path).0, 404, "{path}");
    }
}

#[test]
fn new_orders_appear_on_the_list_first() {
    let mut shop = Shop::demo();
    let oid = shop.st.place_storefront_order(&serde_json::json!({"lines": [{"code": "KUB-300", "quantity": 1}]}), shop.now).unwrap();
    let (_, html) = page(&mut shop, "/admin/orders");
    let first = html.find("data-order-id=").unwrap();
    assert!(html[first..].starts_with(&format!("data-order-id=\"{oid}\"")));
}
