//! Admin-panel pages with the recorded structure of the real panel (reference §12 and §14, from
//! a saved login page of a real panel and scrapers of real order pages), in Polish:
//! - `<html data-version=… class="ctrl-<controller> actn-<action>">` on every page of the panel:
//!   `ctrl-auth actn-login` on the login page (recorded), `ctrl-auth actn-totp-sms` /
//!   `actn-mail-otp` on the two-factor pages (their classes are a guess), `ctrl-dashboard`,
//!   `ctrl-orders actn-list|view|viewTable` after signing in (guess: the same scheme);
//! - `<body>` with the shop's data attributes (recorded on the login page): `data-domain` and
//!   `data-license-domain` (the technical host), `data-domain-name` (the shop's own domain) —
//!   here the host of the configured `shop_url` and the same loopback server under its other
//!   name (`127.0.0.1` ↔ `localhost`), so one sandbox is one shop under two addresses;
//! - the login page at `/admin/auth/login` (form fields `login`, `password`, `redirect`), the
//!   two-factor pages `/admin/auth/totp-sms` and `/admin/auth/mail-otp` ("Wprowadź kod
//!   weryfikacyjny");
//! - the order view at `/admin/orders/view/id/{id}` with `div[data-order-id]` and the text
//!   "Podgląd zamówienia" — deliberately not in an `h1` (unconfirmed in the real panel); its lines
//!   table, also its own page `/admin/orders/viewTable/id/{id}`, has `tr.tr_responsive-columns`
//!   rows with `data-label` cells (`Cena`, `Ilość`…), prices like `1 234,56 zł`;
//! - the order list at `/admin/orders` and `/admin/orders/list` (unconfirmed URL and markup)
//!   linking to each order's view, `?page=` and `?limit=` (1–100, default 50); the dashboard's
//!   "Najnowsze zamówienia" with "Zamówienie N" links;
//! - full page loads; with `?render=live` the list swaps its rows in place (fetch, no reload, the
//!   URL unchanged) and with `?render=history` the order pages swap in place and the URL changes
//!   by `history.pushState` (back through `popstate`) — pages rendered in the browser, as parts of
//!   the real panel are; `window.sandboxPanel.swap(url)` does what a click does;
//! - a page the panel does not know: a bare 404 without the panel's marks.

use serde_json::Value;

use super::dec::Dec;
use super::orders::line_total;
use super::store::{dec, id, text, Res, Row};
use super::ShoperState;
use crate::wire::{Request, Response};

const ORDERS_PER_PAGE: usize = 50;
/// The panel version of the recorded login page.
const PANEL_VERSION: &str = "5.26.41";

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

/// What the page's own script does with `?render=live|history` (see the module's documentation).
const RENDER_SCRIPT: &str = r#"<script>
(() => {
  const mode = new URLSearchParams(location.search).get("render");
  if (mode !== "live" && mode !== "history") return;
  const isList = (url) => /^\/admin\/orders(\/list)?\/?$/.test(url.pathname);
  const swap = async (href, push) => {
    const doc = new DOMParser().parseFromString(await (await fetch(href)).text(), "text/html");
    if (mode === "live") {
      for (const part of ["table.orders-list tbody", "nav.pagination"]) document.querySelector(part).replaceWith(doc.querySelector(part));
    } else {
      document.documentElement.className = doc.documentElement.className;
      document.title = doc.title;
      document.querySelector("main").replaceWith(doc.querySelector("main"));
      if (push) history.pushState(null, "", href);
    }
  };
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href]");
    if (!link || link.origin !== location.origin) return;
    const url = new URL(link.href);
    if (!(isList(url) || (mode === "history" && url.pathname.startsWith("/admin/orders/view/")))) return;
    event.preventDefault();
    swap(url.href, true);
  });
  if (mode === "history") addEventListener("popstate", () => swap(location.href, false));
  window.sandboxPanel = { swap: (href) => swap(new URL(href, location.href).href, true) };
})();
</script>
"#;

/// One page of the panel: `ctrl`/`actn` for the `<html>` classes, `signed_in` for the panel's menu.
struct Page<'a> {
    ctrl: &'a str,
    actn: &'a str,
    title: &'a str,
    body: String,
    signed_in: bool,
}

/// A page the panel does not know: no panel marks (the content script shows nothing there).
pub fn not_found_page() -> String {
    "<!DOCTYPE html>\n<html lang=\"pl\">\n<head><meta charset=\"utf-8\"><title>404 - Nie znaleziono strony</title></head>\n\
<body>\n<h1>Nie znaleziono strony</h1>\n<p>Strona, której szukasz, nie istnieje.</p>\n</body>\n</html>\n"
        .to_string()
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

/// Number from a path like `/admin/orders/view/id/12` (a `/page/1` tail tolerated).
fn path_id(rest: &str) -> Option<u64> {
    rest.strip_prefix("/id/")?.split('/').next()?.parse().ok()
}

/// The list's query: page, rows per page, and the `render` variant kept in its links.
struct ListQuery {
    page: usize,
    limit: usize,
    render: Option<String>,
}

impl ListQuery {
    fn of(req: &Request) -> Self {
        let pairs = req.query_pairs();
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        ListQuery {
            page: get("page").and_then(|v| v.parse().ok()).unwrap_or(1).max(1),
            limit: get("limit").and_then(|v| v.parse().ok()).unwrap_or(ORDERS_PER_PAGE).clamp(1, 100),
            render: get("render").filter(|r| r == "live" || r == "history"),
        }
    }

    fn href(&self, page: usize) -> String {
        let mut href = format!("/admin/orders?page={page}");
        if self.limit != ORDERS_PER_PAGE {
            href.push_str(&format!("&amp;limit={}", self.limit));
        }
        if let Some(r) = &self.render {
            href.push_str(&format!("&amp;render={r}"));
        }
        href
    }
}

pub fn page(st: &ShoperState, req: &Request) -> Response {
    let path = req.path.trim_end_matches('/');
    let auth = |actn: &'static str, title: &'static str, body: &'static str| Some(Page { ctrl: "auth", actn, title, body: body.to_string(), signed_in: false });
    let found = match path {
        "/admin" | "/admin/dashboard" => Some(st.dashboard()),
        "/admin/auth/login" => auth("login", "Panel administratora", LOGIN_FORM),
        "/admin/auth/totp-sms" => auth("totp-sms", "Weryfikacja dwuetapowa", TOTP_SMS_FORM),
        "/admin/auth/mail-otp" => auth("mail-otp", "Weryfikacja dwuetapowa", MAIL_OTP_FORM),
        "/admin/orders" | "/admin/orders/list" => Some(st.order_list(&ListQuery::of(req))),
        _ => {
            if let Some(rest) = path.strip_prefix("/admin/orders/viewTable") {
                path_id(rest).and_then(|oid| st.lines_table(oid)).map(|t| Page {
                    ctrl: "orders",
                    actn: "viewTable",
                    title: "Produkty zamówienia",
                    body: format!("<h1>Produkty zamówienia</h1>\n{t}"),
                    signed_in: true,
                })
            } else if let Some(rest) = path.strip_prefix("/admin/orders/view") {
                path_id(rest).and_then(|oid| st.order_view(oid))
            } else {
                None
            }
        }
    };
    match found {
        Some(p) => Response::html(200, st.panel_html(&p)),
        None => Response::html(404, not_found_page()),
    }
}

const LOGIN_FORM: &str = "<form class=\"form_block\" action=\"/admin/auth/login\" method=\"post\" id=\"login-form\">\n\
<input type=\"hidden\" name=\"redirect\" value=\"\">\n\
<h1>Zaloguj się</h1>\n<p class=\"size_xl\">do Panelu administracyjnego sklepu</p>\n\
<input class=\"control\" name=\"login\" type=\"text\" title=\"Login\" placeholder=\"Login\">\n\
<input class=\"control\" name=\"password\" type=\"password\" title=\"Hasło\" placeholder=\"Hasło\">\n\
<a class=\"link size_s\" href=\"/admin/auth/reminder\">Nie pamiętam hasła</a>\n\
<button class=\"btn btn_bg\" type=\"submit\">Zaloguj się</button>\n</form>";

const TOTP_SMS_FORM: &str = "<form class=\"form_block\" action=\"/admin/auth/totp-sms\" method=\"post\">\n\
<h1>Wprowadź kod weryfikacyjny</h1>\n<p>Wysłaliśmy kod SMS na numer telefonu administratora.</p>\n\
<input class=\"control\" name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\">\n\
<button class=\"btn btn_bg\" type=\"submit\">Zaloguj się</button>\n</form>";

const MAIL_OTP_FORM: &str = "<form class=\"form_block\" action=\"/admin/auth/mail-otp\" method=\"post\">\n\
<h1>Wprowadź kod weryfikacyjny</h1>\n<p>Wysłaliśmy kod na adres e-mail administratora.</p>\n\
<input class=\"control\" name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\">\n\
<button class=\"btn btn_bg\" type=\"submit\">Zaloguj się</button>\n</form>";

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

    /// The shop's two addresses as its panel names them: the technical host (`data-domain`,
    /// `data-license-domain`: the configured `shop_url`'s host) and its own domain
    /// (`data-domain-name`: the same loopback server under its other name).
    fn domains(&self) -> (String, String) {
        let rest = self.cfg.shop_url.split_once("://").map_or(self.cfg.shop_url.as_str(), |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or("");
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h).to_string();
        let own = match host.as_str() {
            "127.0.0.1" => "localhost".to_string(),
            "localhost" => "127.0.0.1".to_string(),
            _ => "www.sklep-sandbox.pl".to_string(),
        };
        (host, own)
    }

    fn panel_html(&self, p: &Page) -> String {
        let (technical, own) = self.domains();
        let menu = if p.signed_in {
            "<header class=\"ui__header\"><nav class=\"ui__menu\"><a href=\"/admin/dashboard\">Pulpit</a> | <a href=\"/admin/orders\">Zamówienia</a> | \
<a href=\"/admin/auth/logout\">Wyloguj</a></nav></header>\n"
        } else {
            ""
        };
        format!(
            "<!DOCTYPE html>\n<html data-version=\"{PANEL_VERSION}\" class=\"ctrl-{ctrl} actn-{actn} browser_chrome\" lang=\"pl\">\n\
<head><meta charset=\"utf-8\"><title>{title} - Panel Administracyjny</title></head>\n\
<body data-decimal-sep=\",\" data-thousand-sep=\"\" data-domain=\"{technical}\" data-shop=\"17865660100000001\" data-license-id=\"100001\" \
data-domain-name=\"{own}\" data-license-domain=\"{technical}\" data-locale=\"pl\">\n{menu}<main class=\"container\">\n{body}\n</main>\n{script}</body>\n</html>\n",
            ctrl = p.ctrl,
            actn = p.actn,
            title = esc(p.title),
            technical = esc(&technical),
            own = esc(&own),
            body = p.body,
            script = if p.signed_in { RENDER_SCRIPT } else { "" },
        )
    }

    /// The dashboard, with the newest orders as "Zamówienie N" links.
    fn dashboard(&self) -> Page<'static> {
        let mut ids = self.db.t(Res::Orders).ids();
        ids.reverse();
        let products = self.db.t(Res::Products).len();
        let newest: String = ids
            .iter()
            .take(5)
            .filter_map(|oid| self.db.t(Res::Orders).get(*oid).map(|o| (oid, o)))
            .map(|(oid, o)| format!("<tr><td><a href=\"/admin/orders/view/id/{oid}\">Zamówienie {oid}</a></td><td>{}</td></tr>\n", zl(self.order_sum(*oid, o))))
            .collect();
        Page {
            ctrl: "dashboard",
            actn: "index",
            title: "Pulpit",
            body: format!(
                "<h1>Pulpit</h1>\n<section class=\"dashboard\">\n<p>Zamówienia: <strong>{}</strong></p>\n<p>Produkty: <strong>{products}</strong></p>\n\
<h2>Najnowsze zamówienia</h2>\n<table class=\"newest-orders\"><tbody>\n{newest}</tbody></table>\n\
<p><a href=\"/admin/orders\">Przejdź do listy zamówień</a></p>\n</section>",
                ids.len()
            ),
            signed_in: true,
        }
    }

    fn order_list(&self, q: &ListQuery) -> Page<'static> {
        let mut ids = self.db.t(Res::Orders).ids();
        ids.reverse();
        let pages = ids.len().div_ceil(q.limit).max(1);
        let page_no = q.page.min(pages);
        let mut rows = String::new();
        for oid in ids.iter().skip((page_no - 1) * q.limit).take(q.limit) {
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
        let nav: String = (1..=pages).map(|p| format!("<a href=\"{}\" class=\"page\">{p}</a> ", q.href(p))).collect();
        Page {
            ctrl: "orders",
            actn: "list",
            title: "Zamówienia",
            body: format!(
                "<h1>Zamówienia</h1>\n<table class=\"orders-list\">\n<thead><tr><th>Nr</th><th>Data</th><th>Klient</th><th>Status</th><th>Źródło</th><th>Kwota</th></tr></thead>\n\
<tbody>\n{rows}</tbody>\n</table>\n<nav class=\"pagination\">Strona {page_no} z {pages}: {nav}</nav>"
            ),
            signed_in: true,
        }
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

    fn order_view(&self, oid: u64) -> Option<Page<'static>> {
        let o = self.db.t(Res::Orders).get(oid)?;
        let billing = o.get("billing_address").and_then(Value::as_object).cloned().unwrap_or_default();
        let addr = |k: &str| esc(&text(&billing, k));
        let table = self.lines_table(oid)?;
        // "Podgląd zamówienia" in the page's title bar, not an `h1`: the real panel's heading
        // element is not known, `div[data-order-id]` is.
        let body = format!(
            "<div class=\"ui__title-bar\"><span class=\"ui__title\">Podgląd zamówienia</span> <span class=\"ui__subtitle\">nr {oid}</span></div>\n\
<div class=\"order-view\" data-order-id=\"{oid}\">\n\
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
        Some(Page { ctrl: "orders", actn: "view", title: "Podgląd zamówienia", body, signed_in: true })
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
