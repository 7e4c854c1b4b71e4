// An order's page in layouts the sandbox does not serve (the real panel's heading element is not
// known): the badge goes before `[data-order-id]` of this very order, else after the text
// "Podgląd zamówienia" wherever it is, else after the first `h1`, else into the Systim menu — and
// what was not recognised is named as a pattern on the options page. Pages written by the test at
// the shop's admin address (the sandbox's shop behind a pass-through). Chromium; the script is
// the same in Firefox (admin-addresses.test.mjs runs the sandbox's pages in both).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, send as sendFrom, until } from "./lib/browser.mjs";
import { orderBadges, systimWidget } from "./lib/flows.mjs";
import { startSandbox } from "./lib/sandbox.mjs";
import { shopWithPages } from "./lib/servers.mjs";

/** The page for each order id: a layout per id (see the tests). */
function orderPage(path) {
  const id = path.match(/\/id\/(\d+)/)?.[1];
  const bodies = {
    1: `<div class="title"><b>Podgląd zamówienia</b> nr 1</div><section><p>Zamówienie bez atrybutu data-order-id</p></section>`,
    2: `<h2>Podgląd zamówienia</h2><div data-order-id="999"><p>inne zamówienie</p></div>`,
    3: `<h1>Zamówienie 3</h1><p>bez elementu zamówienia</p>`,
    4: `<p>Nic, co by wskazywało zamówienie.</p>`,
    5: `<div data-order-id=" 5 "><header><h1>Zamówienie</h1></header></div><p>Podgląd zamówienia</p>`,
  };
  const body = id ? bodies[id] ?? "" : "<p>Zamówienia</p>";
  return `<!doctype html><html lang="pl" class="ctrl-orders actn-view"><head><meta charset="utf-8"><title>Zamówienie</title></head>
<body><main>${body}</main></body></html>`;
}

let sandbox;
let shop;
let browser;
let options;
const send = (m) => sendFrom(options, m);
before(async () => {
  sandbox = await startSandbox();
  shop = await shopWithPages(sandbox, orderPage);
  browser = await launchBrowser();
  options = await browser.open("options.html");
  assert.ok((await send({ type: "saveConnection", connection: { ...sandbox.connection(), shopUrl: shop.url } })).ok);
});
after(async () => {
  await browser?.close();
  await shop?.close();
  await sandbox?.stop();
});

async function badgeOf(id) {
  const page = await browser.context.newPage();
  await page.goto(`${shop.url}/admin/orders/view/id/${id}`);
  const badges = await orderBadges(page);
  const panel = await systimWidget(page);
  return { page, badge: badges[id], panel, count: Object.keys(badges).length };
}

test("[data-order-id] of this very order first (its value trimmed)", async () => {
  const { page, badge, count } = await badgeOf(5);
  assert.equal(badge.by, "order 5");
  assert.equal(count, 1);
  await page.close();
});

test("no [data-order-id]: after the text 'Podgląd zamówienia', wherever it is", async () => {
  const { page, badge } = await badgeOf(1);
  assert.equal(badge.after, "b", "right after the element holding the text");
  await page.close();
});

test("[data-order-id] of another order is not this order's: the heading instead", async () => {
  const { page, badge } = await badgeOf(2);
  assert.equal(badge.after, "h2");
  await page.close();
});

test("neither: after the first h1", async () => {
  const { page, badge } = await badgeOf(3);
  assert.equal(badge.after, "h1");
  await page.close();
});

test("nothing to place it by: the badge goes into the Systim menu, and the page is named on the options page", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${shop.url}/admin/orders/view/id/4`);
  const panel = await until(async () => {
    const p = await systimWidget(page);
    return /^Zamówienie 4: /.test(p.current) ? p : null;
  }, { what: "the order's badge in the menu" });
  assert.match(panel.current, /jeszcze nie synchronizowane/);
  await new Promise((r) => setTimeout(r, 4000)); // what is still missing after 3 s is noted
  await page.goto(`${shop.url}/admin/orders/view/123-abc`);
  await new Promise((r) => setTimeout(r, 4000));
  await page.close();
  const noted = await until(async () => {
    const list = (await send({ type: "adminPanel" })).adminPanel.unrecognised;
    return list.length >= 2 ? list : null;
  }, { what: "the pages noted" });
  assert.deepEqual(
    noted.map((u) => [u.pattern, u.problem]).sort(),
    [["/admin/orders/view/id/{n}", "order_page"], ["/admin/orders/view/{x}", "order_url"]],
  );
});
