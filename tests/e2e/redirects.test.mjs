// No redirect is followed with a key. The shop and the Systim account answer every request with
// a 301, 302, 307 or 308 pointing at a trap on another origin (which a followed redirect could
// reach: this dev build has access to the loopback machine): "Sprawdź połączenie" and a run fail
// with a message naming the redirect, the redirecting addresses did get the requests, and the
// trap gets nothing — no Systim log-in POST re-sent with its key, no Shoper log-in with the
// password. The browser's own fetch decides here, so both browsers.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { buildDevExtension, launchBrowser, send as sendFrom } from "./lib/browser.mjs";
import { launchFirefox } from "./lib/firefox.mjs";
import { redirectServer, trapServer } from "./lib/servers.mjs";

const STATUSES = [301, 302, 307, 308];

/** The connection: the shop at 127.0.0.1, Systim at localhost, both on the redirecting server. */
const connectionOn = (server) => ({
  shopUrl: server.url,
  shoperAuth: "user",
  shoperLogin: "webapi",
  shoperPassword: "Haslo-Ktore-Nie-Moze-Wyjsc-1",
  shoperToken: "",
  systimAccount: server.url.replace("//127.0.0.1:", "//localhost:"),
  systimLogin: "jan@firma.pl",
  systimKey: "KluczSystim-Ktory-Nie-Moze-Wyjsc-2",
});

/** Runs every status through `send` (a page's message function) and checks the outcome. */
async function everyStatus(send) {
  const trap = await trapServer();
  const redirect = { status: 301, to: trap.url };
  const server = await redirectServer(redirect);
  try {
    const connection = connectionOn(server);
    const saved = await send({ type: "saveConnection", connection });
    assert.ok(saved.ok, JSON.stringify(saved.error));
    for (const status of STATUSES) {
      redirect.status = status;
      const before = server.requests.length;
      const { checks } = await send({ type: "testConnection" });
      const failed = Object.fromEntries(checks.filter((c) => c.status === "failed").map((c) => [c.id, c.message_pl]));
      assert.match(failed.shop_reachable ?? "", /Adres sklepu przekierowuje zapytania pod inny adres/, `${status}: ${JSON.stringify(checks)}`);
      assert.match(failed.systim_reachable ?? "", /Adres konta Systim przekierowuje zapytania pod inny adres/, `${status}: ${JSON.stringify(checks)}`);
      const asked = server.requests.slice(before);
      assert.ok(asked.some((r) => r.url.startsWith("/webapi/rest/")), `${status}: the shop was asked`);
      assert.ok(asked.some((r) => r.url.startsWith("/jsonAPI.php") && r.method === "POST"), `${status}: Systim's log-in was posted`);
      assert.deepEqual(trap.requests, [], `${status}: the redirect was followed`);
    }
    // a run fails on it too, and reports why
    const started = await send({ type: "run", kind: "orders", dryRun: true });
    assert.ok(started.ok, JSON.stringify(started.error));
    let report = null;
    for (let i = 0; i < 120 && !report?.finishedMs; i++) {
      await new Promise((r) => setTimeout(r, 250));
      report = (await send({ type: "getReport", runId: started.runId })).report;
    }
    assert.equal(report.outcome, "failed");
    assert.match(report.error.message_pl, /przekierowuje/);
    assert.deepEqual(trap.requests, [], "the run followed no redirect");
  } finally {
    await server.close();
    await trap.close();
  }
}

describe("Chromium", () => {
  let browser;
  let options;
  before(async () => {
    browser = await launchBrowser();
    options = await browser.open("options.html");
  });
  after(() => browser?.close());

  test("301, 302, 307 and 308 from the shop and from Systim: refused, named, not followed", () => everyStatus((m) => sendFrom(options, m)));
});

describe("Firefox", () => {
  let firefox;
  let distDir;
  before(async () => {
    distDir = path.dirname(buildDevExtension());
    firefox = await launchFirefox({ addonPath: path.join(distDir, "shoper-systim-firefox.zip") });
    await firefox.goto(firefox.url("options.html"));
  });
  after(async () => {
    await firefox?.close();
    if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
  });

  test("301, 302, 307 and 308 from the shop and from Systim: refused, named, not followed", () =>
    everyStatus((message) => firefox.run("const done = arguments[arguments.length - 1]; globalThis.ExtApi.send(arguments[0]).then(done);", message)));
});
