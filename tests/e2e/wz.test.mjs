// The WZ through the real browser (issue #16): Systim lists no store documents, so a WZ whose
// answer was lost can never be checked — the extension holds it in the report, never sends it
// again, keeps the order's goods reserved, and the merchant settles it with the report's button.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { extensionOnSandbox, runToEnd } from "./lib/fixture.mjs";
import { orderIdOf, sectionOf } from "./lib/report.mjs";
import { importedOrders } from "./lib/sandbox.mjs";

const POPUP = { width: 400, height: 600 };
/** "gotowe do wysłania": an open status (the order still reserves its goods when it triggers). */
const READY = 6;

/** The items of a problem group of the documents' section. */
const problemItems = (report, reason) => (sectionOf(report, "invoices")?.problems ?? []).find((g) => g.reason === reason)?.items ?? [];

/** addStoreDocument calls in the sandbox's log (the browser's resends included). */
const storeDocumentCalls = async (sandbox) => (await sandbox.log(0)).entries.filter((e) => e.service === "systim" && e.act === "addStoreDocument");

/** The WZs in Systim for the order's sales documents. */
function wzOf(state, orderId) {
  const invoices = state.systim.invoices.filter((d) => d.uwagi?.startsWith(`Shoper ${orderId} @`)).map((d) => d.id);
  return (state.systim.documents ?? []).filter((d) => d.rodzaj === 4 && invoices.includes(d.id_faktury));
}

let env;
before(async () => {
  env = await extensionOnSandbox();
});
after(() => env?.close());

test("a WZ whose answer was lost is held in the report and never resent; „Jest już w Systim” settles it", async () => {
  await runToEnd(env.send, "orders");
  const state = await env.sandbox.state();
  const { settings } = await env.send({ type: "getSettings" });
  settings.orders.link_contractors = true;
  settings.invoicing = { ...settings.invoicing, enabled: true, trigger_statuses: [READY], issue_wz: true, wz_store_id: state.systim.stores[0].id };
  const saved = await env.send({ type: "saveSettings", settings });
  assert.ok(saved.ok, JSON.stringify(saved));
  const [orderId] = importedOrders(state).keys();
  await env.sandbox.setOrderStatus(orderId, READY);
  // Written, its answer lost; a resend by the browser, if any, is refused (code 2) unserved.
  await env.sandbox.faults({ rules: [{ service: "systim", kind: "drop_after_commit", then: "429", count: 1, matching: "addStoreDocument" }] });

  const first = await runToEnd(env.send, "orders");
  assert.equal(wzOf(await env.sandbox.state(), orderId).length, 1, "Systim made the WZ");
  assert.deepEqual(
    problemItems(first, "wz_unverifiable").map((i) => orderIdOf(i.ref)),
    [orderId],
    JSON.stringify(sectionOf(first, "invoices")?.problems ?? first),
  );
  const second = await runToEnd(env.send, "orders");
  assert.deepEqual(problemItems(second, "wz_unverifiable").map((i) => orderIdOf(i.ref)), [orderId], "held on every run");
  const sends = (await storeDocumentCalls(env.sandbox)).length;
  let { badges } = await env.send({ type: "orderBadges", orderIds: [orderId] });
  assert.match(badges[String(orderId)].document.text_pl, /· WZ: sprawdź w Systim$/);

  const popup = await env.browser.open("popup.html", POPUP);
  const held = popup.locator(`[data-testid="resolve-document"][data-order-id="${orderId}"]`);
  await held.waitFor({ timeout: 20_000 });
  await held.locator('[data-testid="resolve-in-systim"]').click();
  await popup.locator(`[data-testid="resolve-done"][data-order-id="${orderId}"]`).waitFor({ timeout: 20_000 });
  await popup.close();

  const third = await runToEnd(env.send, "orders");
  assert.deepEqual(problemItems(third, "wz_unverifiable"), [], "no longer awaiting a decision");
  assert.equal((await storeDocumentCalls(env.sandbox)).length, sends, "no addStoreDocument after the lost answer");
  assert.equal(wzOf(await env.sandbox.state(), orderId).length, 1, "one WZ in Systim");
  ({ badges } = await env.send({ type: "orderBadges", orderIds: [orderId] }));
  assert.match(badges[String(orderId)].document.text_pl, /· WZ wystawiona$/);
});
