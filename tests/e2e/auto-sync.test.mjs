// Automatic sync: the popup's switch, the alarm every minute, a run when the shop's admin panel
// is opened — each bringing a new storefront order into Systim without a click on "Synchronizuj".
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { extensionOnSandbox, storefrontOrder } from "./lib/fixture.mjs";
import { byTestId, notice } from "./lib/flows.mjs";
import { importedOrders } from "./lib/sandbox.mjs";

let env;
let popup;
before(async () => {
  env = await extensionOnSandbox();
  popup = await env.browser.open("popup.html", { width: 400, height: 600 });
});
after(() => env?.close());

/** The auto-sync alarm as Chrome holds it (null when there is none). */
const alarm = async () => (await env.browser.currentWorker()).evaluate(async () => (await chrome.alarms.get("auto-sync")) ?? null);

/** Places a storefront order and waits until an automatic run brought it into Systim. */
async function reachesSystim(placed, trigger) {
  const orderId = await env.sandbox.placeOrder(storefrontOrder(placed));
  assert.ok(!importedOrders(await env.sandbox.state()).has(orderId));
  await env.idle(); // a trigger while a run is under way is dropped (that run read the shop before)
  await trigger();
  await until(async () => importedOrders(await env.sandbox.state()).has(orderId), { timeout: 90_000, what: `order ${orderId} in Systim` });
  return orderId;
}

/** Clicks the popup's auto-sync switch (the checkbox under its styled track). */
async function flipSwitch(on) {
  await byTestId(popup, "auto-sync").setChecked(on, { force: true });
  return notice(popup, "message");
}

test("the popup's switch turns auto-sync on, every minute, with an alarm", async () => {
  assert.equal(await alarm(), null, "no alarm before");
  const said = await flipSwitch(true);
  assert.equal(said.kind, "success", said.text);
  await until(async () => /Co 1 min/.test(await byTestId(popup, "next-run").textContent()), { what: "'Co 1 min' under the switch" });
  const created = await until(alarm, { what: "the alarm" });
  assert.equal(created.periodInMinutes, 1);
  assert.equal((await env.send({ type: "getSettings" })).settings.auto_sync, true);
});

test("opening the shop's admin panel syncs: a new order reaches Systim", async () => {
  // Only the admin page may bring this order in: the minute alarm the switch set is cleared first
  // (auto-sync stays on), so a broken admin-page trigger cannot pass thanks to the alarm.
  const worker = await env.browser.currentWorker();
  await worker.evaluate(() => chrome.alarms.clear("auto-sync"));
  assert.equal(await alarm(), null);
  // The admin page syncs at most once a minute after the last automatic run (switching auto-sync
  // on ran one): move that run a minute back, as if the merchant came to the panel later.
  await worker.evaluate(async () => {
    const key = "auto:last_run_ms";
    const last = (await chrome.storage.local.get(key))[key];
    if (last != null) await chrome.storage.local.set({ [key]: typeof last === "string" ? String(Number(last) - 61_000) : last - 61_000 });
  });
  assert.equal((await env.send({ type: "getSettings" })).settings.auto_sync, true);
  await reachesSystim("admin-open@example.pl", async () => {
    const page = await env.browser.context.newPage();
    await page.goto(`${env.sandbox.info.shoper}/admin/orders`);
  });
  assert.equal(await alarm(), null, "no alarm could have run in the meantime");
});

test("the alarm syncs: a new order reaches Systim, the popup shows the automatic run", async () => {
  await reachesSystim("alarm@example.pl", async () => {
    const worker = await env.browser.currentWorker();
    // what Chrome does every minute, now: the alarm fires (and stays periodic)
    await worker.evaluate(() => chrome.alarms.create("auto-sync", { when: Date.now(), periodInMinutes: 1 }));
  });
  await env.idle();
  assert.equal((await env.send({ type: "getStatus" })).lastRuns.orders.kind, "auto");
  await until(async () => /\d/.test(await byTestId(popup, "last-run-orders").textContent()), { timeout: 10_000, what: "the last run in the popup" });
});

test("the switch turns auto-sync off and the alarm is gone", async () => {
  const said = await flipSwitch(false);
  assert.equal(said.kind, "success", said.text);
  await until(async () => (await alarm()) === null, { what: "the alarm cleared" });
  await until(async () => /Wyłączona/.test(await byTestId(popup, "next-run").textContent()), { what: "'Wyłączona' under the switch" });
});
