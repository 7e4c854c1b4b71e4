// A smoke test in headless Firefox ESR (module event page instead of a service worker): the
// options page sets the connection up and checks it, and an orders run from the popup's protocol
// imports into the sandbox's Systim. The rest of the suite runs in Chromium.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildDevExtension, until } from "./lib/browser.mjs";
import { demoSettings, runToEnd } from "./lib/fixture.mjs";
import { launchFirefox } from "./lib/firefox.mjs";
import { importedOrders, startSandbox } from "./lib/sandbox.mjs";

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
  const c = sandbox.connection();
  for (const [id, value] of Object.entries({
    "shop-url": c.shopUrl,
    "shoper-login": c.shoperLogin,
    "shoper-password": c.shoperPassword,
    "systim-account": c.systimAccount,
    "systim-login": c.systimLogin,
    "systim-key": c.systimKey,
  })) {
    await firefox.type(`[data-testid="${id}"]`, value);
  }
  await firefox.click('[data-testid="save-connection"]');
  await until(async () => (await send({ type: "getStatus" })).configured, { what: "the connection saved" });
  await firefox.click('[data-testid="test-connection"]');
  const checks = await until(
    () =>
      firefox.run(`const done = arguments[arguments.length - 1];
        const items = [...document.querySelectorAll('[data-testid="checks"] > li')];
        const summary = document.querySelector('[data-testid="connection-message"] [data-testid^="message-"]');
        done(summary && !/info/.test(summary.dataset.testid) ? { summary: summary.textContent, statuses: items.map((li) => li.dataset.status) } : null);`),
    { timeout: 60_000, what: "the connection checks" },
  );
  assert.ok(checks.statuses.length >= 10 && checks.statuses.every((s) => s === "ok"), JSON.stringify(checks));
  // Polish with firefox-esr-l10n-pl installed, English otherwise: the browser's language decides
  assert.match(checks.summary, /Wszystko działa|Everything works/, checks.summary);
});

test("Firefox: an orders run imports into Systim what its report says", async () => {
  const { settings } = await send({ type: "getSettings" });
  assert.ok((await send({ type: "saveSettings", settings: demoSettings(settings, await sandbox.state()) })).ok);
  const report = await runToEnd(send, "orders");
  const done = report.sections.find((s) => s.kind === "orders").done.length;
  assert.ok(done > 0, report.headline_pl);
  assert.equal(importedOrders(await sandbox.state()).size, done);
});
