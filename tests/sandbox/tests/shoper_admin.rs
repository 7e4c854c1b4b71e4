//! Admin-panel pages: the recorded structure a content script relies on (reference §14), Polish
//! text, zł prices.

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
    assert!(html.contains("<span class=\"ui__title\">Podgląd zamówienia</span>"));
    assert!(!html.contains("<h1"), "the heading element of the real order page is not known: no h1 to lean on");
    assert!(html.contains("class=\"ctrl-orders actn-view"));
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
fn every_page_carries_the_panels_marks_and_the_shops_addresses() {
    let mut shop = Shop::demo();
    for (path, classes) in [
        ("/admin/auth/login", "ctrl-auth actn-login"),
        ("/admin/auth/totp-sms", "ctrl-auth actn-totp-sms"),
        ("/admin/auth/mail-otp", "ctrl-auth actn-mail-otp"),
        ("/admin", "ctrl-dashboard actn-index"),
        ("/admin/orders/list", "ctrl-orders actn-list"),
        ("/admin/orders/view/id/3", "ctrl-orders actn-view"),
        ("/admin/orders/viewTable/id/3", "ctrl-orders actn-viewTable"),
    ] {
        let (status, html) = page(&mut shop, path);
        assert_eq!(status, 200, "{path}");
        assert!(html.contains(&format!("<html data-version=\"5.26.41\" class=\"{classes} ")), "{path}");
        // the technical host and the shop's own domain (here the same server under its other name)
        assert!(html.contains("data-domain=\"sklep-sandbox.shoparena.pl\""), "{path}");
        assert!(html.contains("data-license-domain=\"sklep-sandbox.shoparena.pl\""), "{path}");
        assert!(html.contains("data-domain-name=\"www.sklep-sandbox.pl\""), "{path}");
        assert_eq!(html.contains("window.sandboxPanel"), !path.starts_with("/admin/auth"), "{path}: the page's own script after signing in");
    }
    let (_, html) = page(&mut shop, "/admin/auth/mail-otp");
    assert!(html.contains("Wprowadź kod weryfikacyjny"));
    // a loopback shop names its other loopback name
    shop.st.configure(&serde_json::json!({"shop_url": "http://127.0.0.1:8080"})).unwrap();
    let (_, html) = page(&mut shop, "/admin/auth/login");
    assert!(html.contains("data-domain=\"127.0.0.1\"") && html.contains("data-domain-name=\"localhost\""));
    // a page the panel does not know has none of the panel's marks
    let (status, html) = page(&mut shop, "/admin/nie-ma-takiej/5");
    assert_eq!(status, 404);
    assert!(!html.contains("ctrl-") && !html.contains("data-domain"));
}

#[test]
fn the_list_pages_through_its_orders_and_keeps_its_variant_in_its_links() {
    let mut shop = Shop::demo();
    let (_, html) = page(&mut shop, "/admin/orders?limit=5&page=2&render=live");
    assert_eq!(html.matches("<tr class=\"order-row\"").count(), 5);
    assert!(html.contains("Strona 2 z 4"), "17 orders in the demo shop, 5 a page");
    assert!(html.contains("href=\"/admin/orders?page=3&amp;limit=5&amp;render=live\""));
    let (_, html) = page(&mut shop, "/admin/orders?limit=5&render=bogus");
    assert!(html.contains("href=\"/admin/orders?page=2&amp;limit=5\""), "an unknown variant is not passed on");
    let (_, html) = page(&mut shop, "/admin/dashboard");
    assert_eq!(html.matches(">Zamówienie ").count(), 5, "the newest orders on the dashboard");
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
