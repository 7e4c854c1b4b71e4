// The content script on the configured shop's admin panel: order badges on the list and on an
// order's page, the "Systim" button (sync now, open the report), and no key anywhere near it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { contentScriptWorld, pageText, until } from "./lib/browser.mjs";
import { extensionOnSandbox, runToEnd, storefrontOrder } from "./lib/fixture.mjs";
import { clickSystimWidget, orderBadges, systimWidget } from "./lib/flows.mjs";
import { checkBadges, sectionOf } from "./lib/report.mjs";
import { importedOrders } from "./lib/sandbox.mjs";

let env;
let ordersReport;
before(async () => {
  env = await extensionOnSandbox();
  ordersReport = await runToEnd(env.send, "orders");
});
after(() => env?.close());

const adminUrl = (path) => `${env.sandbox.info.shoper}/admin${path}`;

async function openAdmin(path) {
  const page = await env.browser.context.newPage();
  await page.goto(adminUrl(path));
  return page;
}

test("the order list shows imported ✓, held and panel-order badges", async () => {
  const page = await openAdmin("/orders");
  const badges = await orderBadges(page);
  const [check] = checkBadges(badges, await env.sandbox.state(), [ordersReport]);
  assert.ok(check.ok, check.detail);
  const imported = [...importedOrders(await env.sandbox.state()).keys()];
  assert.ok(imported.length > 0);
  for (const id of imported) assert.match(badges[id].text, /^w Systim ✓/, `order ${id}: ${badges[id].text}`);
  const fromPanel = (await env.sandbox.state()).shoper.orders.find((o) => o.origin === "5").order_id;
  assert.match(badges[fromPanel].text, /^nie importowane: .*panel/, badges[fromPanel].text);
  const held = sectionOf(ordersReport, "orders").problems[0].items[0].ref.match(/\d+$/)[0];
  assert.match(badges[held].text, /^wstrzymane: /, badges[held].text);
  await page.close();
});

test("an order's page shows its badge beside the order's own element ([data-order-id])", async () => {
  const [id] = importedOrders(await env.sandbox.state()).keys();
  const page = await openAdmin(`/orders/view/id/${id}`);
  const badges = await orderBadges(page);
  assert.equal(badges[id]?.state, "imported");
  assert.equal(badges[id].by, `order ${id}`, "the badge sits right before div[data-order-id] of this order");
  await page.close();
});

test("the Systim button: 'Synchronizuj teraz' imports a new order, its badge turns to ✓", async () => {
  const orderId = await env.sandbox.placeOrder(storefrontOrder("panel-sync@example.pl"));
  const page = await openAdmin("/orders");
  assert.equal((await systimWidget(page)).open, false, "the menu starts closed");
  assert.notEqual((await orderBadges(page))[orderId]?.state, "imported");
  await clickSystimWidget(page, "sync");
  await until(async () => (await systimWidget(page)).sync === "started", { what: "the sync to start" });
  await until(async () => importedOrders(await env.sandbox.state()).has(orderId), { timeout: 60_000, what: `order ${orderId} in Systim` });
  await page.reload();
  assert.equal((await orderBadges(page))[orderId]?.state, "imported");
  await page.close();
});

test("the Systim button: 'Otwórz raport' opens the report on the options page", async () => {
  const page = await openAdmin("/orders");
  await orderBadges(page);
  const [options] = await Promise.all([env.browser.context.waitForEvent("page"), clickSystimWidget(page, "report")]);
  await options.waitForLoadState();
  assert.equal(options.url(), `chrome-extension://${env.browser.extensionId}/options.html#report`);
  await options.locator('[data-testid="report-view"]').waitFor();
  await options.close();
  await page.close();
});

test("an order's sales document: the badge names it and its PDF opens in the extension's own page, not the shop's", async () => {
  const SENT = 7; // "przesyłka wysłana"
  const { settings } = await env.send({ type: "getSettings" });
  settings.orders.link_contractors = true;
  settings.invoicing = { ...settings.invoicing, enabled: true, trigger_statuses: [SENT] };
  assert.ok((await env.send({ type: "saveSettings", settings })).ok);
  const [id] = importedOrders(await env.sandbox.state()).keys();
  await env.sandbox.setOrderStatus(id, SENT);
  await runToEnd(env.send, "orders");
  const issued = (await env.sandbox.state()).systim.invoices.filter((d) => d.uwagi?.startsWith(`Shoper ${id} @`));
  assert.equal(issued.length, 1, "one document for the order");
  const number = issued[0].numer;

  const page = await openAdmin("/orders");
  await page.setViewportSize({ width: 1280, height: 2400 }); // every badge in view: a click lands by coordinates
  const badges = await until(async () => {
    const now = await orderBadges(page);
    return now[id]?.document ? now : null;
  }, { what: `the document on order ${id}'s badge` });
  assert.match(badges[id].document.text, new RegExp(`(faktura|paragon) ${number.replace(/[/]/g, "\\/")}$`), badges[id].document.text);
  const others = Object.entries(badges).filter(([other, b]) => other !== String(id) && b.document);
  assert.deepEqual(others, [], "no other order names a document");

  const [tab] = await Promise.all([env.browser.context.waitForEvent("page"), page.mouse.click(badges[id].document.at.x, badges[id].document.at.y)]);
  await tab.waitForLoadState();
  assert.equal(tab.url(), `chrome-extension://${env.browser.extensionId}/document.html?order=${id}`);
  await tab.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 30_000 });
  assert.equal(await tab.evaluate(() => document.documentElement.dataset.ready), "1", await tab.locator("[data-testid=document-state]").textContent());
  const download = tab.locator("[data-testid=document-download]");
  assert.match(await download.getAttribute("download"), /\.pdf$/);
  const head = await tab.evaluate(async () => {
    const blob = await (await fetch(document.querySelector("[data-testid=document-download]").href)).blob();
    return { type: blob.type, start: new TextDecoder().decode(await blob.slice(0, 5).arrayBuffer()) };
  });
  assert.deepEqual(head, { type: "application/pdf", start: "%PDF-" });
  assert.equal(await tab.locator("[data-testid=document-pdf]").getAttribute("src"), await download.getAttribute("href"), "shown in the page");
  // the shop's page got the number and nothing of the PDF
  assert.ok(!(await page.content()).includes("JVBER"));
  await tab.close();
  await page.close();
});

test("no key reaches the admin page or the content script's world", async () => {
  const page = await env.browser.context.newPage();
  const world = await contentScriptWorld(page, env.browser.extensionId);
  await page.goto(adminUrl("/orders"));
  await orderBadges(page);
  const secrets = env.sandbox.secrets();

  const text = await pageText(page);
  for (const secret of secrets) assert.ok(!text.includes(secret), "a key is in the page");

  assert.deepEqual(await world.evaluate("Object.keys(globalThis.ExtApi).sort()"), ["i18n", "send", "uiLanguage"]);
  const seen = await world.evaluate(`(async () => {
    const answers = [];
    for (const type of ["getConnection", "revealKeys", "getSettings", "getReport", "exportCsv"]) {
      answers.push(await globalThis.ExtApi.send({ type }));
    }
    const attacker = { shopUrl: "https://attacker.example", shoperAuth: "token", shoperLogin: "", shoperPassword: "",
      shoperToken: "x", systimAccount: "attacker", systimLogin: "a", systimKey: "k" };
    answers.push(await globalThis.ExtApi.send({ type: "saveConnection", connection: attacker }));
    answers.push(await globalThis.ExtApi.send({ type: "orderBadges", orderIds: [1, 2, 3] }));
    const storage = await (globalThis.chrome?.storage?.local?.get(null) ?? Promise.resolve({})).catch((e) => "refused: " + e.message);
    const globals = Object.getOwnPropertyNames(globalThis).filter((k) => !/^(chrome|browser|window|self|document|top|parent|frames)$/.test(k))
      .map((k) => { try { return JSON.stringify(globalThis[k]) ?? ""; } catch { return ""; } });
    return { answers, storage, text: JSON.stringify({ answers, storage, globals }) };
  })()`);
  for (const answer of seen.answers.slice(0, 6)) assert.equal(answer.error?.code, "forbidden", JSON.stringify(answer));
  assert.ok(seen.answers[6].ok, "badges are answered");
  assert.equal((await env.send({ type: "getConnection" })).connection.shopUrl, env.sandbox.info.shoper, "the connection is unchanged");
  assert.match(String(seen.storage), /^refused/, "storage.local is closed to the content script");
  for (const secret of secrets) assert.ok(!seen.text.includes(secret), "a key is in the content script's world");
  await page.close();
});
