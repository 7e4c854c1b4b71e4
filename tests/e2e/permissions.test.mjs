// Host access withdrawn after setup (the merchant removes the extension's access to the shop in
// the browser's settings; here `permissions.remove` from an extension page, as the browser would):
// the admin panel of the shop no longer gets the Systim button and badges, the options page offers
// "Zezwól na dostęp", the popup says that syncing cannot work. In Firefox, whose prompt for
// optional permissions can be switched off, the whole cycle: the options page's Save grants the
// access, it is withdrawn, "Zezwól na dostęp" gives it back and the Systim button returns; and
// the shop's other address (`localhost`): its access asked for in the "Dodaj adres" click (a
// refused prompt adds nothing), kept when the connection is saved, given back when it is removed.
//
// The `--dev-hosts-optional` build (its core accepts the loopback sandbox, but there is no host
// access at install: only `optional_host_permissions`), so the access is one the merchant granted
// and may withdraw. Systim is reached as `localhost`, the shop
// as `127.0.0.1`: withdrawing the shop's origin leaves Systim's alone. The shop is the sandbox's
// behind a pass-through that drops its permissive CORS headers, as a real shop's API need not
// send them: only the host access lets the extension reach it, as in the field.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { buildDevExtension, chromiumOptions, send, until } from "./lib/browser.mjs";
import { demoSettings, runToEnd } from "./lib/fixture.mjs";
import { fillConnection, launchFirefox } from "./lib/firefox.mjs";
import { byTestId, orderBadges, runFromPopup } from "./lib/flows.mjs";
import { paths } from "./lib/paths.mjs";
import { writableState } from "./lib/report.mjs";
import { trapServer } from "./lib/servers.mjs";
import { readWidgets } from "./lib/widgets.mjs";
import { startSandbox } from "./lib/sandbox.mjs";

const SHOP_PATTERN = "http://127.0.0.1/*";
const SYSTIM_PATTERN = "http://localhost/*";

/**
 * The sandbox's shop behind a loopback pass-through that sends no CORS headers (the sandbox's
 * are for its control API and the wasm test pages). Resolves to `{url, close()}`.
 */
async function shopWithoutCors(sandbox) {
  const target = new URL(sandbox.info.shoper);
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !name.startsWith("access-control-")));
        res.writeHead(answer.statusCode, headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/** The connection: the shop at `shopUrl`, Systim on `localhost` (another origin than the shop's). */
const connectionOf = (sandbox, shopUrl) => {
  const c = sandbox.connection();
  return { ...c, shopUrl, systimAccount: c.systimAccount.replace("//127.0.0.1:", "//localhost:") };
};

/**
 * The build whose core accepts the loopback sandbox but whose access to it is optional
 * (`--dev-hosts-optional`): asked for and withdrawn like a real shop's.
 */
function buildNormalExtension() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "shoper-systim-dist-"));
  execFileSync(process.execPath, [paths.builder, "--pkg", paths.pkg, "--out", out, "--dev-hosts-optional"], { stdio: "pipe" });
  return out;
}

/**
 * Watches a freshly loaded admin page for `ms` (long after the content script would have run at
 * document_idle): `{panel, badges}` — whether the Systim button appeared, how many badges.
 * `read()` gives the counts now.
 */
async function watchAdminPage(read, ms = 4000) {
  const deadline = Date.now() + ms;
  let seen = await read();
  while (!seen.panel && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    seen = await read();
  }
  return seen;
}

/** `{panel, badges}`: whether the Systim button is on `page`, how many badges (lib/widgets.mjs). */
const adminSeen = async (page) => {
  const widgets = await readWidgets(page);
  return { panel: widgets?.panel ? 1 : 0, badges: Object.keys(widgets?.badges ?? {}).length };
};

// === Chromium ==================================================================================

/**
 * Chromium whose extension holds the sandbox's loopback origins as granted *optional* host
 * access — the state after the merchant's "Zezwól" in the options page's prompt, which headless
 * Chromium cannot answer. One profile runs the dev build first (loopback granted at install),
 * then the optional-access build's manifest from the same directory: Chrome keeps the access the extension had,
 * now optional, which `permissions.remove` may withdraw.
 */
async function chromiumWithGrantedAccess() {
  const extensionDir = buildDevExtension();
  const normal = buildNormalExtension();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "shoper-systim-profile-"));
  const launch = () => chromium.launchPersistentContext(profile, chromiumOptions({ extensionDir }));
  const workerOf = async (context) => context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker", { timeout: 30_000 }));
  const cleanUp = () => {
    for (const dir of [profile, path.dirname(extensionDir), normal]) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const first = await launch();
    await workerOf(first);
    await first.close();
    fs.copyFileSync(path.join(normal, "chrome", "manifest.json"), path.join(extensionDir, "manifest.json"));
    const context = await launch();
    const extensionId = new URL((await workerOf(context)).url()).host;
    const url = (file) => `chrome-extension://${extensionId}/${file}`;
    return {
      context,
      url,
      async open(file, { width, height } = {}) {
        const page = await context.newPage();
        if (width) await page.setViewportSize({ width, height: height ?? 600 });
        await page.goto(url(file));
        return page;
      },
      async close() {
        await context.close().catch(() => {});
        cleanUp();
      },
    };
  } catch (e) {
    cleanUp();
    throw e;
  }
}

describe("Chromium", () => {
  let sandbox;
  let shop;
  let browser;
  let options;
  before(async () => {
    sandbox = await startSandbox();
    shop = await shopWithoutCors(sandbox);
    browser = await chromiumWithGrantedAccess();
    options = await browser.open("options.html");
    const granted = await options.evaluate(() => chrome.permissions.getAll());
    assert.deepEqual([...granted.origins].sort(), [SHOP_PATTERN, SYSTIM_PATTERN].sort(), "the access the merchant granted");
    const saved = await send(options, { type: "saveConnection", connection: connectionOf(sandbox, shop.url) });
    assert.ok(saved.ok, JSON.stringify(saved.error));
    const { settings } = await send(options, { type: "getSettings" });
    assert.ok((await send(options, { type: "saveSettings", settings: demoSettings(settings, await sandbox.state()) })).ok);
    const report = await runToEnd((m) => send(options, m), "orders");
    assert.ok(report.sections.find((s) => s.kind === "orders").done.length > 0, report.headline_pl);
  });
  after(async () => {
    await browser?.close();
    await shop?.close();
    await sandbox?.stop();
  });

  const adminPage = async () => {
    const page = await browser.context.newPage();
    await page.goto(`${shop.url}/admin/orders`);
    return page;
  };

  test("with access: the admin panel shows the Systim button and badges; no 'Zezwól na dostęp' on the options page or warning in the popup", async () => {
    const page = await adminPage();
    assert.equal((await watchAdminPage(() => adminSeen(page))).panel, 1, "the Systim button is on the page");
    assert.ok(Object.keys(await orderBadges(page)).length > 0, "the orders have badges");
    await page.close();
    const fresh = await browser.open("options.html");
    const fix = byTestId(fresh, "permission-fix");
    assert.equal(await until(() => fix.getAttribute("data-access"), { what: "the options page's access check" }), "granted");
    assert.ok(await fix.isHidden(), "no 'grant access' while access is granted");
    await fresh.close();
    const popup = await browser.open("popup.html", { width: 400, height: 600 });
    const state = byTestId(popup, "connection-state");
    assert.equal(await until(() => state.getAttribute("data-access"), { what: "the popup's access check" }), "granted");
    assert.equal(await state.getAttribute("data-state"), "configured");
    assert.ok(!(await byTestId(popup, "access-missing").isVisible()), "no access warning");
    await popup.close();
  });

  test("withdrawing the shop's access: a freshly loaded admin page has no Systim button and no badges", async () => {
    const removed = await options.evaluate((origin) => chrome.permissions.remove({ origins: [origin] }), SHOP_PATTERN);
    assert.equal(removed, true, "the browser withdrew the access");
    assert.deepEqual((await options.evaluate(() => chrome.permissions.getAll())).origins, [SYSTIM_PATTERN]);
    const page = await adminPage();
    assert.deepEqual(await watchAdminPage(() => adminSeen(page)), { panel: 0, badges: 0 });
    await page.close();
  });

  test("after the withdrawal the options page offers 'Zezwól na dostęp'", async () => {
    const fresh = await browser.open("options.html#connection");
    const fix = byTestId(fresh, "permission-fix");
    await fix.waitFor({ state: "visible" });
    assert.match(await fix.textContent(), /dostępu do adresu sklepu/);
    assert.ok(await byTestId(fresh, "grant-access").isVisible(), "the button that asks for the access again");
    await fresh.close();
  });

  test("after the withdrawal the popup says syncing cannot work; Wyślij stany writes nothing; the warning leads to 'Zezwól na dostęp'", async () => {
    const popup = await browser.open("popup.html", { width: 400, height: 600 });
    const warning = byTestId(popup, "access-missing");
    await warning.waitFor({ state: "visible" });
    assert.match(await warning.textContent(), /dostępu do adresu sklepu/);
    assert.equal(await byTestId(popup, "connection-state").getAttribute("data-state"), "no_access");

    const untouched = writableState(await sandbox.state());
    const run = await runFromPopup(popup, "send_stock");
    assert.equal(run.outcome, "failed", `without access the run cannot reach the shop (${run.headline}: ${run.error})`);
    assert.equal(writableState(await sandbox.state()), untouched, "nothing was written");
    assert.ok(await warning.isVisible(), "the popup still says why");
    const [opened] = await Promise.all([browser.context.waitForEvent("page"), byTestId(popup, "restore-access").click()]);
    await opened.waitForLoadState();
    assert.equal(opened.url(), browser.url("options.html#connection"));
    await byTestId(opened, "permission-fix").waitFor({ state: "visible" });
    await opened.close();
  });

  test("saving the connection on other addresses gives back the access granted for the old ones", async () => {
    assert.deepEqual((await options.evaluate(() => chrome.permissions.getAll())).origins, [SYSTIM_PATTERN]);
    // both services now on 127.0.0.1: the access to localhost is not used any more
    const moved = { ...connectionOf(sandbox, shop.url), systimAccount: sandbox.info.systim };
    const saved = await send(options, { type: "saveConnection", connection: moved });
    assert.ok(saved.ok, JSON.stringify(saved.error));
    assert.deepEqual(saved.hostPermissions, [SHOP_PATTERN]);
    await until(async () => (await options.evaluate(() => chrome.permissions.getAll())).origins.length === 0, { what: "the old grant given back" });
  });
});

// === Firefox ===================================================================================

describe("Firefox", () => {
  let sandbox;
  let shop;
  let firefox;
  let distDir;
  before(async () => {
    sandbox = await startSandbox();
    shop = await shopWithoutCors(sandbox);
    distDir = buildNormalExtension();
    firefox = await launchFirefox({
      addonPath: path.join(distDir, "shoper-systim-firefox.zip"),
      // optional permissions granted without the doorhanger (Firefox's own tests do the same)
      prefs: { "extensions.webextOptionalPermissionPrompts": false },
    });
  });
  after(async () => {
    await firefox?.close();
    await shop?.close();
    await sandbox?.stop();
    if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
  });

  /** A script (`body`, with `args`) in the current tab; `sendFx`: one message from an extension page. */
  const inPage = (body, ...args) =>
    firefox.run(`const done = arguments[arguments.length - 1];
      (async (...args) => { ${body} })(...[...arguments].slice(0, -1)).then(done, (e) => done({ thrown: String(e) }));`, ...args);
  const sendFx = (message) => inPage("return globalThis.ExtApi.send(args[0]);", message);
  const grantedOrigins = async () => [...(await inPage("return browser.permissions.getAll();")).origins].sort();

  /** Opens the shop's order list (at `origin`) in a new tab, watches it, closes it: `{panel, badges}`. */
  async function adminPageSeen({ waitForBadges = false, origin = shop.url } = {}) {
    await firefox.goto(`${origin}/admin/orders`, { ready: "return true;" });
    const seen = await watchAdminPage(() => adminSeen(firefox.page()));
    if (waitForBadges && seen.panel) seen.badges = Object.keys(await orderBadges(firefox.page())).length;
    await firefox.closeTab();
    return seen;
  }

  test("the options page's Save grants the shop and Systim access; the admin panel shows the Systim button and badges", async () => {
    await firefox.goto(firefox.url("options.html"));
    assert.deepEqual(await grantedOrigins(), [], "no host access at install");
    await fillConnection(firefox, connectionOf(sandbox, shop.url));
    await until(async () => (await sendFx({ type: "getStatus" })).configured, { what: "the connection saved" });
    assert.deepEqual(await grantedOrigins(), [SHOP_PATTERN, SYSTIM_PATTERN].sort(), "the click asked for both origins");
    const { settings } = await sendFx({ type: "getSettings" });
    assert.ok((await sendFx({ type: "saveSettings", settings: demoSettings(settings, await sandbox.state()) })).ok);
    const report = await runToEnd(sendFx, "orders");
    assert.ok(report.sections.find((s) => s.kind === "orders").done.length > 0, report.headline_pl);
    const seen = await adminPageSeen({ waitForBadges: true });
    assert.equal(seen.panel, 1, "the Systim button is on the page");
    assert.ok(seen.badges > 0, "the orders have badges");
  });

  test("withdrawing the shop's access removes the Systim button; the options page and the popup say so", async () => {
    assert.equal(await inPage("return browser.permissions.remove({ origins: [args[0]] });", SHOP_PATTERN), true);
    assert.deepEqual(await grantedOrigins(), [SYSTIM_PATTERN]);
    assert.deepEqual(await adminPageSeen(), { panel: 0, badges: 0 });

    await firefox.goto(firefox.url("options.html#connection"));
    const fix = await until(() => inPage(`const fix = document.querySelector('[data-testid="permission-fix"]');
      return !fix.hidden && fix.textContent;`), { what: "'Zezwól na dostęp' on the options page" });
    assert.match(fix, /access to the shop or Systim address|dostępu do adresu sklepu/);

    await firefox.goto(firefox.url("popup.html"));
    const warning = await until(() => inPage(`const el = document.querySelector('[data-testid="access-missing"]');
      return el && !el.hidden && el.textContent;`), { what: "the popup's warning" });
    assert.match(warning, /access to the shop or Systim address|dostępu do adresu sklepu/);
    await firefox.closeTab();
  });

  test("'Zezwól na dostęp' on the options page gives the access back, and the Systim button returns", async () => {
    await firefox.click('[data-testid="grant-access"]'); // the options page of the previous test
    await until(async () => (await grantedOrigins()).includes(SHOP_PATTERN), { what: "the access granted again" });
    await until(() => inPage(`return document.querySelector('[data-testid="permission-fix"]').hidden;`), { what: "'Zezwól na dostęp' to go" });
    // the background re-registers the admin-panel script when access comes back: poll fresh pages
    const seen = await until(async () => {
      const s = await adminPageSeen({ waitForBadges: true });
      return s.panel ? s : null;
    }, { timeout: 20_000, what: "the Systim button on a freshly loaded admin page" });
    assert.ok(seen.badges > 0, "with the badges");
  });

  test("a shop address that `new URL` reads as another host asks for no access to that host", async () => {
    await firefox.goto(firefox.url("options.html"));
    const before = await grantedOrigins();
    await fillConnection(firefox, { ...connectionOf(sandbox, shop.url), shopUrl: "https://sklep.example.pl@evil.example/" });
    const error = await until(() => inPage(`return document.querySelector('[data-error-for="shopUrl"]').textContent;`), { what: "the address refused" });
    assert.match(error, /loginu ani hasła|credentials/);
    assert.deepEqual(await grantedOrigins(), before, "no access asked for evil.example (the old page parsing would have)");
  });

  test("a refused access prompt stops 'Sprawdź połączenie' with a message; nothing is sent", async () => {
    const trap = await trapServer();
    try {
      assert.equal(await inPage("return browser.permissions.remove({ origins: [args[0]] });", SHOP_PATTERN), true);
      await firefox.chrome(`Services.prefs.setBoolPref("extensions.webextOptionalPermissionPrompts", true);`);
      await firefox.goto(firefox.url("options.html"));
      await until(() => inPage(`return !document.querySelector('[data-testid="test-connection"]').disabled;`), { what: "the page ready" });
      for (const [id, value] of Object.entries({ "shop-url": trap.url, "shoper-password": "Haslo-Dla-Nowego-Sklepu" })) {
        await firefox.type(`[data-testid="${id}"]`, value);
      }
      await firefox.click('[data-testid="test-connection"]');
      // the browser's prompt for 127.0.0.1: "Nie zezwalaj"
      await until(() => firefox.chrome(`
        const note = PopupNotifications.getNotification("addon-webext-permissions", gBrowser.selectedBrowser);
        if (!note) return false;
        note.secondaryActions[0].callback();
        PopupNotifications.remove(note);
        return true;`), { what: "the access prompt" });
      const message = await until(() => inPage(`const el = document.querySelector('[data-testid="connection-message"] [data-testid="message-error"]');
        return el && el.textContent;`), { what: "the refusal's message" });
      assert.match(message, /bez zgody na dostęp|without access/);
      assert.equal(await inPage(`return document.querySelectorAll('[data-testid="checks"] > li').length;`), 0, "no check ran");
      assert.deepEqual(await grantedOrigins(), [SYSTIM_PATTERN], "nothing granted");
      assert.deepEqual(trap.requests, [], "nothing was sent to the new address");
    } finally {
      await firefox.chrome(`Services.prefs.setBoolPref("extensions.webextOptionalPermissionPrompts", false);`);
      await trap.close();
    }
  });

  test("saving the connection on other addresses gives back the access granted for the old ones", async () => {
    await firefox.goto(firefox.url("options.html"));
    assert.deepEqual(await grantedOrigins(), [SYSTIM_PATTERN]);
    // both services now on 127.0.0.1: the click asks for it, and the access to localhost goes
    await fillConnection(firefox, { ...connectionOf(sandbox, shop.url), systimAccount: sandbox.info.systim });
    await until(async () => JSON.stringify(await grantedOrigins()) === JSON.stringify([SHOP_PATTERN]), { what: "only 127.0.0.1 left granted" });
  });

  // The shop under its other name: `localhost` (the same pass-through).
  const otherAddress = () => shop.url.replace("//127.0.0.1:", "//localhost:");
  const aliasesShown = () => inPage(`return [...document.querySelectorAll('[data-testid="panel-alias"]')].map((li) => li.dataset.origin);`);

  test("another address of the shop: a refused access prompt adds nothing", async () => {
    await firefox.chrome(`Services.prefs.setBoolPref("extensions.webextOptionalPermissionPrompts", true);`);
    try {
      await firefox.goto(firefox.url("options.html#admin-panel"));
      await until(() => inPage(`return document.querySelector('[data-testid="panel-main"]') !== null;`), { what: "the panel section" });
      await firefox.type('[data-testid="panel-add"]', otherAddress());
      await firefox.click('[data-testid="panel-add-button"]');
      await until(() => firefox.chrome(`
        const note = PopupNotifications.getNotification("addon-webext-permissions", gBrowser.selectedBrowser);
        if (!note) return false;
        note.secondaryActions[0].callback();
        PopupNotifications.remove(note);
        return true;`), { what: "the access prompt for localhost" });
      const said = await until(() => inPage(`const el = document.querySelector('[data-testid="panel-message"] [data-testid="message-error"]');
        return el && el.textContent;`), { what: "the refusal's message" });
      assert.match(said, /Bez zgody przeglądarki|Without the browser's access/);
      assert.deepEqual(await aliasesShown(), [], "not added");
      assert.deepEqual((await sendFx({ type: "adminPanel" })).adminPanel.aliases, []);
      assert.deepEqual(await grantedOrigins(), [SHOP_PATTERN]);
    } finally {
      await firefox.chrome(`Services.prefs.setBoolPref("extensions.webextOptionalPermissionPrompts", false);`);
    }
  });

  test("another address of the shop: 'Dodaj adres' asks for its access in the click, the Systim button appears there; saving keeps it, removing gives it back", async () => {
    await firefox.goto(firefox.url("options.html#admin-panel"));
    assert.deepEqual(await grantedOrigins(), [SHOP_PATTERN]);
    assert.deepEqual(await adminPageSeen({ origin: otherAddress() }), { panel: 0, badges: 0 }, "nothing there before");
    await until(() => inPage(`return document.querySelector('[data-testid="panel-main"]') !== null;`), { what: "the panel section" });
    await firefox.type('[data-testid="panel-add"]', otherAddress());
    await firefox.click('[data-testid="panel-add-button"]');
    await until(async () => (await aliasesShown()).length === 1, { what: "the address added" });
    assert.deepEqual(await grantedOrigins(), [SHOP_PATTERN, SYSTIM_PATTERN].sort(), "the click asked for http://localhost/*");
    const seen = await until(async () => {
      const s = await adminPageSeen({ origin: otherAddress(), waitForBadges: true });
      return s.panel ? s : null;
    }, { timeout: 20_000, what: "the Systim button at the other address" });
    assert.ok(seen.badges > 0, "with the badges");
    // saving the connection again keeps the other address and its access
    await firefox.goto(firefox.url("options.html"));
    await fillConnection(firefox, { ...connectionOf(sandbox, shop.url), systimAccount: sandbox.info.systim });
    await until(async () => (await sendFx({ type: "getStatus" })).configured, { what: "the connection saved" });
    await new Promise((r) => setTimeout(r, 1500)); // keepHostAccess runs after the answer
    assert.deepEqual(await grantedOrigins(), [SHOP_PATTERN, SYSTIM_PATTERN].sort(), "the other address keeps its access");
    // removed: its access is given back, the button goes
    await firefox.goto(firefox.url("options.html#admin-panel"));
    await until(async () => (await aliasesShown()).length === 1, { what: "the address listed" });
    await firefox.click('[data-testid="panel-alias"] [data-testid="panel-forget"]');
    await until(async () => JSON.stringify(await grantedOrigins()) === JSON.stringify([SHOP_PATTERN]), { what: "the access to localhost given back" });
    assert.deepEqual(await adminPageSeen({ origin: otherAddress() }), { panel: 0, badges: 0 });
  });
});
