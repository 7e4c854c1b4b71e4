// Headless Firefox ESR (module event page instead of a service worker): the options page sets the
// connection up and checks it, an orders run through the popup's protocol imports into the
// sandbox's Systim, the popup's "Wyślij stany" and "Wyślij produkty" (previewed first) write what
// their reports say, and the shop's admin panel shows the Systim button and the order badges; a
// shipped order's sales document is named on its badge and its PDF shows in the extension's page.
// The same flows (lib/flows.mjs) drive Chromium in the other files.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildDevExtension, until } from "./lib/browser.mjs";
import { demoSettings, runToEnd, storefrontOrder } from "./lib/fixture.mjs";
import { fillConnection, launchFirefox } from "./lib/firefox.mjs";
import { clickSystimWidget, orderBadges, runFromPopup, systimWidget } from "./lib/flows.mjs";
import { checkAgainstState, checkBadges, sectionOf, writableState } from "./lib/report.mjs";
import { importedOrders, startSandbox, systimProductId } from "./lib/sandbox.mjs";

let sandbox;
let firefox;
before(async () => {
  sandbox = await startSandbox();
  distDir = path.dirname(buildDevExtension());
  firefox = await launchFirefox({ addonPath: path.join(distDir, "shoper-systim-firefox.zip") });
});
let distDir;
after(async () => {
  await firefox?.close();
  await sandbox?.stop();
  if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
});

/** One message from the open extension page (docs/messages.md). */
const send = (message) =>
  firefox.run("const done = arguments[arguments.length - 1]; globalThis.ExtApi.send(arguments[0]).then(done);", message);

test("Firefox: the options page saves and checks the connection", async () => {
  await firefox.goto(firefox.url("options.html"));
  await fillConnection(firefox, sandbox.connection());
  await until(async () => (await send({ type: "getStatus" })).configured, { what: "the connection saved" });
  // the Save click's own notice first (it would replace the check's summary if it came later)
  await until(() => firefox.run(`const done = arguments[arguments.length - 1];
    done(Boolean(document.querySelector('[data-testid="connection-message"] [data-testid="message-success"]')));`), { what: "the saved notice" });
  await firefox.click('[data-testid="test-connection"]');
  const checks = await until(
    () =>
      firefox.run(`const done = arguments[arguments.length - 1];
        const items = [...document.querySelectorAll('[data-testid="checks"] > li')];
        const summary = document.querySelector('[data-testid="connection-message"] [data-testid^="message-"]');
        done(summary && !/info/.test(summary.dataset.testid) ? { summary: summary.textContent, statuses: items.map((li) => li.dataset.status), ids: items.map((li) => li.dataset.testid) } : null);`),
    { timeout: 60_000, what: "the connection checks" },
  );
  // Every check passes; an assumed Systim method the account lacks (the sandbox's strict
  // profile) is a warning naming what it costs, never an error.
  assert.ok(checks.statuses.length >= 10 && checks.statuses.every((s, i) => s === "ok" || (s === "warning" && checks.ids[i].startsWith("check-systim_method_"))), JSON.stringify(checks));
  // Polish with firefox-esr-l10n-pl installed, English otherwise: the browser's language decides
  assert.match(checks.summary, /Wszystko działa|Everything works/, checks.summary);
});

/** Clicks the option of the select `testid` whose text matches `pattern` (WebDriver's own click). */
async function chooseByName(testid, pattern) {
  const nth = await until(
    () =>
      firefox.run(`const done = arguments[arguments.length - 1];
        const options = [...document.querySelectorAll('[data-testid="${testid}"] option')];
        const i = options.findIndex((o) => new RegExp(arguments[0]).test(o.textContent));
        // in the middle of the window: the sticky bar of buttons covers the bottom
        if (i >= 0) document.querySelector('[data-testid="${testid}"]').scrollIntoView({ block: "center" });
        done(i >= 0 ? i + 1 : null);`, pattern.source),
    { what: `${pattern} in ${testid}` },
  );
  await firefox.click(`[data-testid="${testid}"] option:nth-child(${nth})`);
}

test("Firefox: the settings are chosen by name in the pick lists, the shipping product searched by code", async () => {
  await firefox.goto(firefox.url("options.html"));
  await until(() => firefox.run(`const done = arguments[arguments.length - 1]; done(Boolean(document.querySelector('#settings-form[data-choices="loaded"]')));`), { what: "the lists of names" });
  await chooseByName("f-orders-default_payment_id", /^przelew$/);
  await firefox.run(`const done = arguments[arguments.length - 1]; document.querySelector('[data-testid="f-orders-shipping_product_id-search"]').scrollIntoView({ block: "center" }); done(true);`);
  await firefox.type('[data-testid="f-orders-shipping_product_id-search"]', "DOSTAWA");
  await chooseByName("f-orders-shipping_product_id", /^DOSTAWA — /);
  await firefox.click('[data-testid="save-settings"]');
  const saved = await until(async () => {
    const { settings } = await send({ type: "getSettings" });
    return settings.orders.shipping_product_id !== null ? settings : null;
  }, { what: "the settings saved" });
  assert.equal(saved.orders.default_payment_id, 1, "przelew: Systim's standard form 1");
  assert.equal(saved.orders.shipping_product_id, systimProductId(await sandbox.state(), "DOSTAWA"));
});

const reports = []; // the reports of the runs that wrote, in order (for the badges)

test("Firefox: an orders run imports into Systim what its report says", async () => {
  const { settings } = await send({ type: "getSettings" });
  assert.ok((await send({ type: "saveSettings", settings: demoSettings(settings, await sandbox.state()) })).ok);
  const report = await runToEnd(send, "orders");
  reports.push(report);
  const done = report.sections.find((s) => s.kind === "orders").done.length;
  assert.ok(done > 0, report.headline_pl);
  assert.equal(importedOrders(await sandbox.state()).size, done);
});

/** Every failed check, with its detail (empty when the state is what the report says). */
const failures = (checks) => checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.detail ?? ""}`);

let popup; // the popup page, open in a tab of its own
/** Preview then run `kind` from the popup (flows.mjs); asserts the preview wrote nothing. */
async function previewThenRun(kind) {
  if (!popup) {
    await firefox.goto(firefox.url("popup.html"));
    popup = firefox.page();
  }
  const untouched = writableState(await sandbox.state());
  const preview = await runFromPopup(popup, kind, { preview: true });
  assert.ok(preview.preview, "the report is marked as a preview");
  assert.equal(writableState(await sandbox.state()), untouched, "the preview wrote nothing");
  const run = await runFromPopup(popup, kind, { preview: false });
  assert.ok(!run.preview && !run.error, `the run ended without an error (${run.outcome}: ${run.error})`);
  const reportOf = async (shown) => (await send({ type: "getReport", runId: shown.runId })).report;
  const report = await reportOf(run);
  reports.push(report);
  return { run, previewReport: await reportOf(preview), report };
}

test("Firefox: the popup's Wyślij stany, previewed first, leaves the shop with the stock values its report lists", async () => {
  const { run, previewReport, report } = await previewThenRun("send_stock");
  const stock = sectionOf(report, "stock");
  assert.ok(stock.counts.done > 0, report.headline_pl);
  assert.equal(stock.counts.done, sectionOf(previewReport, "stock").counts.done, "the preview's count came true");
  assert.equal(run.sections.find((s) => s.kind === "stock").counts.done, stock.counts.done, "the popup shows the report's count");
  assert.deepEqual(failures(checkAgainstState(await sandbox.state(), { stockReport: report })), []);
});

test("Firefox: the popup's Wyślij produkty, previewed first, creates each missing product once", async () => {
  const before = (await sandbox.state()).shoper.products.length;
  const { previewReport, report } = await previewThenRun("send_products");
  const created = sectionOf(report, "products");
  assert.ok(created.counts.done > 0, report.headline_pl);
  assert.deepEqual(created.done.map((d) => d.ref), sectionOf(previewReport, "products").done.map((d) => d.ref), "the preview named them");
  const checks = checkAgainstState(await sandbox.state(), { productsReport: report, shopProductsBefore: before });
  assert.deepEqual(failures(checks), []);
  const again = await runFromPopup(popup, "send_products");
  assert.equal(again.sections.find((s) => s.kind === "products").counts.done, 0, "a second run creates nothing");
});

/** Opens a page of the shop's admin panel (the sandbox serves them) in a new tab. */
async function openAdmin(adminPath) {
  await firefox.goto(`${sandbox.info.shoper}/admin${adminPath}`, { ready: "return true;" });
  return firefox.page();
}

test("Firefox: the admin panel's order list shows the Systim button and each order's badge as the runs left it", async () => {
  const page = await openAdmin("/orders");
  const badges = await orderBadges(page);
  const [check] = checkBadges(badges, await sandbox.state(), reports);
  assert.ok(check.ok, check.detail);
  for (const id of importedOrders(await sandbox.state()).keys()) assert.match(badges[id].text, /Systim ✓/, `order ${id}: ${badges[id].text}`);
  assert.equal((await systimWidget(page)).open, false, "its menu starts closed");
  await clickSystimWidget(page, "toggle");
  await until(async () => (await systimWidget(page)).open, { what: "the menu to open on a click" });
  await firefox.closeTab();
});

test("Firefox: the admin panel's 'Synchronizuj teraz' imports a new order, its badge turns to ✓", async () => {
  const orderId = await sandbox.placeOrder(storefrontOrder("firefox-panel@example.pl"));
  let page = await openAdmin("/orders");
  assert.notEqual((await orderBadges(page))[orderId]?.state, "imported");
  await clickSystimWidget(page, "sync");
  await until(async () => (await systimWidget(page)).sync === "started", { what: "the sync to start" });
  await until(async () => importedOrders(await sandbox.state()).has(orderId), { timeout: 60_000, what: `order ${orderId} in Systim` });
  await firefox.closeTab(); // back on an extension page, which may send messages
  await until(async () => !(await send({ type: "getStatus" })).running, { timeout: 60_000, what: "the run to end" });
  page = await openAdmin(`/orders/view/id/${orderId}`);
  assert.equal((await orderBadges(page))[orderId]?.state, "imported");
  await firefox.closeTab();
});

test("Firefox: a shipped order's sales document is named on its badge and its PDF shows in the extension's page", async () => {
  const SENT = 7; // "przesyłka wysłana"
  await firefox.goto(firefox.url("options.html"));
  const { settings } = await send({ type: "getSettings" });
  settings.orders.link_contractors = true;
  settings.invoicing = { ...settings.invoicing, enabled: true, trigger_statuses: [SENT] };
  assert.ok((await send({ type: "saveSettings", settings })).ok);
  const [id] = importedOrders(await sandbox.state()).keys();
  await sandbox.setOrderStatus(id, SENT);
  const report = await runToEnd(send, "orders");
  const [issued, ...more] = (await sandbox.state()).systim.invoices.filter((d) => d.uwagi?.startsWith(`Shoper ${id} @`));
  assert.ok(issued && more.length === 0, `one document for order ${id}: ${JSON.stringify(sectionOf(report, "invoices"))}`);

  const page = await openAdmin("/orders");
  const badges = await until(async () => {
    const now = await orderBadges(page);
    return now[id]?.document ? now : null;
  }, { what: `the document on order ${id}'s badge` });
  assert.ok(badges[id].document.text.endsWith(issued.numer), badges[id].document.text);
  await firefox.closeTab();

  // the page the badge's button opens (the click itself: admin-panel.test.mjs in Chromium)
  await firefox.goto(firefox.url(`document.html?order=${id}`), { ready: "return Boolean(document.documentElement.dataset.ready);" });
  const shown = await firefox.run(`const done = arguments[arguments.length - 1];
    (async () => {
      const link = document.querySelector("[data-testid=document-download]");
      const blob = await (await fetch(link.href)).blob();
      const start = new TextDecoder().decode(await blob.slice(0, 5).arrayBuffer());
      done({ ready: document.documentElement.dataset.ready, name: link.download, type: blob.type, start, framed: document.querySelector("[data-testid=document-pdf]").src === link.href });
    })().catch((e) => done({ error: String(e) }));`);
  assert.equal(shown.ready, "1", JSON.stringify(shown));
  assert.deepEqual({ type: shown.type, start: shown.start, framed: shown.framed }, { type: "application/pdf", start: "%PDF-", framed: true }, JSON.stringify(shown));
  assert.match(shown.name, /\.pdf$/);
});
