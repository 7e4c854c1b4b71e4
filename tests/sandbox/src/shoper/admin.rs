//! Minimal admin-panel pages (reference §12), in Polish, with the structure a content script
//! relies on: the order list links to `/admin/orders/view/id/{id}`, the order view carries
//! `div[data-order-id]`, the lines table has `tr.tr_responsive-columns` rows with `data-label`
//! cells (`Cena`, `Ilość`…), prices like `1 234,56 zł`.

use serde_json::Value;

use super::dec::Dec;
use super::orders::line_total;
use super::store::{dec, id, text, Res, Row};
use super::ShoperState;
use crate::wire::{Request, Response};

const ORDERS_PER_PAGE: usize = 50;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// `1234.5` → `1 234,50 zł`.
pub fn zl(amount: Dec) -> String {
    let fixed = amount.fixed(2);
    let (sign, digits) = fixed.strip_prefix('-').map_or(("", fixed.as_str()), |d| ("-", d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{frac} zł")
}

fn decimal_comma(d: Dec) -> String {
    d.trimmed().replace('.', ",")
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"pl\">\n<head><meta charset=\"utf-8\"><title>{t} - Panel administracyjny Shoper</title></head>\n\
<body class=\"admin\">\n<header id=\"header\"><a href=\"/admin/\">Pulpit</a> | <a href=\"/admin/orders\">Zamówienia</a></header>\n\
<main id=\"content\">\n<h1>{t}</h1>\n{body}\n</main>\n</body>\n</html>\n",
        t = esc(title)
    )
}

pub fn not_found_page() -> String {
    layout("Nie znaleziono strony", "<p>Strona, której szukasz, nie istnieje.</p>")
}

fn origin_label(origin: &str) -> &'static str {
    match origin {
        "0" => "sklep",
        "1" => "Facebook",
        "2" => "aplikacja mobilna",
        "3" => "Allegro",
        "4" => "WebAPI",
        "5" => "panel administracyjny",
        "6" => "administrator jako klient",
        "8" => "Google",
        _ => "inne",
    }
}

/// Number from a path like `/admin/orders/view/id/12` or `…/id/12/page/1`.
fn path_id(rest: &str) -> Option<u64> {
    rest.strip_prefix("/id/")?.split('/').next()?.parse().ok()
}

pub fn page(st: &ShoperState, req: &Request) -> Response {
    let path = req.path.trim_end_matches('/');
    let page_no = req.query_pairs().into_iter().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(1).max(1);
    let html = match path {
        "/admin" | "/admin/dashboard" => Some(st.dashboard()),
        "/admin/auth/login" => Some(login_page()),
        "/admin/orders" | "/admin/orders/list" => Some(st.order_list(page_no)),
        _ => {
            if let Some(rest) = path.strip_prefix("/admin/orders/viewTable") {
                path_id(rest).and_then(|oid| st.lines_table(oid)).map(|t| layout("Produkty zamówienia", &t))
            } else if let Some(rest) = path.strip_prefix("/admin/orders/view") {
                path_id(rest).and_then(|oid| st.order_view(oid))
            } else {
                None
            }
        }
    };
    match html {
        Some(h) => Response::html(200, h),
        None => Response::html(404, not_found_page()),
    }
}

fn login_page() -> String {
    layout(
        "Logowanie do panelu",
        "<form method=\"post\" action=\"/admin/auth/login\" id=\"login-form\">\n\
<label>Login <input type=\"text\" name=\"login\"></label>\n\
<label>Hasło <input type=\"password\" name=\"password\"></label>\n\
<button type=\"submit\">Zaloguj się</button>\n</form>",
    )
}

impl ShoperState {
    fn status_name(&self, status_id: u64) -> String {
        let (_, locale) = self.default_language();
        self.db
            .t(Res::Statuses)
            .get(status_id)
            .and_then(|r| r.get("translations"))
            .and_then(|t| t.get(&locale))
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }

    fn dashboard(&self) -> String {
        let orders = self.db.t(Res::Orders).len();
        let products = self.db.t(Res::Products).len();
        layout(
            "Pulpit",
            &format!(
                "<section class=\"dashboard\">\n<p>Zamówienia: <strong>{orders}</strong></p>\n<p>Produkty: <strong>{products}</strong></p>\n\
<p><a href=\"/admin/orders\">Przejdź do listy zamówień</a></p>\n</section>"
            ),
        )
    }

    fn order_list(&self, page_no: usize) -> String {
        let mut ids = self.db.t(Res::Orders).ids();
        ids.reverse();
        let pages = ids.len().div_ceil(ORDERS_PER_PAGE).max(1);
        let page_no = page_no.min(pages);
        let mut rows = String::new();
        for oid in ids.iter().skip((page_no - 1) * ORDERS_PER_PAGE).take(ORDERS_PER_PAGE) {
            let Some(o) = self.db.t(Res::Orders).get(*oid) else { continue };
            let billing = o.get("billing_address").and_then(Value::as_object).cloned().unwrap_or_default();
            let customer = format!("{} {}", text(&billing, "firstname"), text(&billing, "lastname"));
            rows.push_str(&format!(
                "<tr class=\"order-row\" data-order-id=\"{oid}\"><td data-label=\"Nr\"><a href=\"/admin/orders/view/id/{oid}\">{oid}</a></td>\
<td data-label=\"Data\">{}</td><td data-label=\"Klient\">{}<br>{}</td><td data-label=\"Status\">{}</td>\
<td data-label=\"Źródło\">{}</td><td data-label=\"Kwota\">{}</td></tr>\n",
                esc(&text(o, "date")),
                esc(customer.trim()),
                esc(&text(o, "email")),
                esc(&self.status_name(id(o, "status_id"))),
                origin_label(&text(o, "origin")),
                zl(self.order_sum(*oid, o)),
            ));
        }
        let nav: String = (1..=pages).map(|p| format!("<a href=\"/admin/orders?page={p}\" class=\"page\">{p}</a> ")).collect();
        layout(
            "Zamówienia",
            &format!(
                "<table class=\"orders-list\">\n<thead><tr><th>Nr</th><th>Data</th><th>Klient</th><th>Status</th><th>Źródło</th><th>Kwota</th></tr></thead>\n\
<tbody>\n{rows}</tbody>\n</table>\n<nav class=\"pagination\">Strona {page_no} z {pages}: {nav}</nav>"
            ),
        )
    }

    fn line_row_html(&self, line: &Row) -> String {
        let option = text(line, "option");
        let option = if option.is_empty() { String::new() } else { format!("<br><small>{}</small>", esc(&option)) };
        format!(
            "<tr class=\"tr_responsive-columns\" data-order-product-id=\"{}\"><td data-label=\"Nazwa\">{}{option}</td>\
<td data-label=\"Kod\">{}</td><td data-label=\"Cena\">{}</td><td data-label=\"Ilość\">{} {}</td>\
<td data-label=\"VAT\">{}</td><td data-label=\"Wartość\">{}</td></tr>\n",
            id(line, "id"),
            esc(&text(line, "name")),
            esc(&text(line, "code")),
            zl(dec(line, "price")),
            decimal_comma(dec(line, "quantity")),
            esc(&text(line, "unit")),
            esc(&text(line, "tax")),
            zl(line_total(line)),
        )
    }

    fn lines_table(&self, oid: u64) -> Option<String> {
        self.db.t(Res::Orders).get(oid)?;
        let lines = self.db.t(Res::OrderProducts);
        let rows: String = self.db.lines_of(oid).into_iter().filter_map(|l| lines.get(l)).map(|l| self.line_row_html(l)).collect();
        Some(format!(
            "<table class=\"order-products\" id=\"order-products-{oid}\">\n<thead><tr><th>Nazwa</th><th>Kod</th><th>Cena</th><th>Ilość</th><th>VAT</th><th>Wartość</th></tr></thead>\n\
<tbody>\n{rows}</tbody>\n</table>"
        ))
    }

    fn order_view(&self, oid: u64) -> Option<String> {
        let o = self.db.t(Res::Orders).get(oid)?;
        let billing = o.get("billing_address").and_then(Value::as_object).cloned().unwrap_or_default();
        let addr = |k: &str| esc(&text(&billing, k));
        let table = self.lines_table(oid)?;
        let body = format!(
            "<div class=\"order-view\" data-order-id=\"{oid}\">\n\
<section class=\"order-details\"><h2>Szczegóły zamówienia</h2>\n\
<p>Data złożenia: <span class=\"order-date\">{date}</span></p>\n<p>Status: <span class=\"order-status\">{status}</span></p>\n\
<p>Źródło: {origin}</p>\n<p>E-mail: {email}</p></section>\n\
<section class=\"order-billing\"><h2>Dane do faktury</h2>\n<p>{first} {last}<br>{company}<br>NIP: {nip}<br>{street}<br>{post} {city}<br>tel. {phone}</p></section>\n\
<section class=\"order-products\"><h2>Produkty</h2>\n{table}\n</section>\n\
<section class=\"order-summary\"><p>Koszt dostawy: <span class=\"shipping-cost\">{shipping}</span></p>\n\
<p>Razem: <strong class=\"order-sum\">{sum}</strong></p></section>\n</div>",
            date = esc(&text(o, "date")),
            status = esc(&self.status_name(id(o, "status_id"))),
            origin = origin_label(&text(o, "origin")),
            email = esc(&text(o, "email")),
            first = addr("firstname"),
            last = addr("lastname"),
            company = addr("company"),
            nip = addr("tax_identification_number"),
            street = addr("street1"),
            post = addr("postcode"),
            city = addr("city"),
            phone = addr("phone"),
            shipping = zl(dec(o, "shipping_cost")),
            sum = zl(self.order_sum(oid, o)),
        );
        Some(layout(&format!("Zamówienie nr {oid}"), &body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zloty_format() {
        assert_eq!(zl(Dec::from_minor(3000, 2)), "30,00 zł");
        assert_eq!(zl(Dec::from_minor(123_456, 2)), "1 234,56 zł");
        assert_eq!(zl(Dec::from_minor(-5, 2)), "-0,05 zł");
    }
}
