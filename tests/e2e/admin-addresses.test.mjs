// The admin-panel script on the sandbox's recorded-structure pages (reference §14: `ctrl-… actn-…`
// on <html>, the shop's addresses on <body>, `div[data-order-id]` and "Podgląd zamówienia" on the
// order page, the login and two-factor pages), one shop under two addresses — `127.0.0.1` (the
// connection's) and `localhost` (the same server under its other name) — in Chromium and Firefox:
// - a page at the other address shows nothing until that address is added;
// - the login and two-factor pages get nothing; the login page's addresses become a one-click
//   proposal on the options page (and so does the shop's application-config, Chromium), and the
//   click adds the address;
// - under both addresses every order link gets exactly one badge, beside that very link and with
//   the state the sandbox and the report say; the order page gets its badge beside
//   `[data-order-id]`, the dashboard's "Zamówienie N" links theirs;
// - a list that swaps its rows without a reload, and one whose URL changes by `pushState` (and
//   back by `popstate`): every link shown still has exactly one correct badge, a badge whose link
//   went goes with it;
// - a page without the panel's marks is named (as a pattern) on the options page;
// - a removed address shows nothing again.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { buildDevExtension, launchBrowser, send as sendFrom, until } from "./lib/browser.mjs";
import { demoSettings, runToEnd } from "./lib/fixture.mjs";
import { launchFirefox } from "./lib/firefox.mjs";
import { checkBadges } from "./lib/report.mjs";
import { importedOrders, startSandbox } from "./lib/sandbox.mjs";
import { contentScriptRan, readWidgets } from "./lib/widgets.mjs";

/** Long after the content script would have run and settled (document_idle + 3 s). */
const QUIET_MS = 4000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The ids of this shop's orders the page links to, sorted (read in the page). */
const linkedIds = (page) =>
  page.evaluate(() =>
    [...new Set([...document.querySelectorAll("a[href]")].map((a) => (new URL(a.href).pathname.match(/^\/admin\/orders\/view\/id\/(\d+)$/) ?? [])[1]).filter(Boolean))].sort(),
  );

/** Whether the page holds an element of ours: our hosts are the only elements with an inline style. */
const ourElements = (page) => page.evaluate(() => document.querySelectorAll("[style]").length);

/**
 * Waits until every order linked on the page has exactly one badge, right after a link to that
 * order, each with its answer: `{ids, badges}`. `orderPage`: the order page's id, whose badge sits
 * before its `[data-order-id]` instead.
 */
async function oneBadgePerLink(page, { orderPage = null, timeout = 20_000 } = {}) {
  let seen = null;
  try {
    return await until(async () => {
      const ids = await linkedIds(page);
      const widgets = await readWidgets(page);
      const list = widgets?.list ?? [];
      const want = orderPage ? [...new Set([...ids, String(orderPage)])].sort() : ids;
      seen = { url: await page.evaluate(() => location.pathname + location.search), want, list };
      const byId = new Map(list.map((b) => [b.id, b]));
      const placed = (id) => byId.get(id)?.by === (String(id) === String(orderPage) ? `order ${id}` : `link ${id}`);
      const ok =
        want.length > 0 &&
        list.length === want.length &&
        byId.size === want.length &&
        want.every(placed) &&
        list.every((b) => b.state !== "loading");
      return ok ? { ids: want, badges: widgets.badges } : null;
    }, { timeout, what: "exactly one badge beside each order link" });
  } catch (e) {
    throw new Error(`${e.message}; last seen: ${JSON.stringify(seen).slice(0, 1500)}`);
  }
}

/** Nothing of ours on the page: no widgets, no host element. */
async function assertNothing(page, what) {
  await sleep(QUIET_MS);
  const widgets = await readWidgets(page);
  assert.equal(widgets?.panel ?? null, null, `${what}: no Systim button`);
  assert.deepEqual(Object.keys(widgets?.badges ?? {}), [], `${what}: no badge`);
  assert.equal(await ourElements(page), 0, `${what}: no element of ours`);
}

/**
 * The tests, for one browser. `b` drives it: `open(url)` → a page (`evaluate`, `locator`, read by
 * `readWidgets`), `close(page)`, `send(message)` (from an extension page), `options()` → the
 * options page opened afresh, `click(page, css)`, `ran(page)` (Chromium: whether the content
 * script ran at all; null where it cannot be told).
 */
function suite(b, env) {
  const main = () => env.sandbox.info.shoper; // http://127.0.0.1:<port>
  const other = () => main().replace("//127.0.0.1:", "//localhost:");

  /** The options page's "Panel sklepu" as shown: `{aliases, proposals: [{origin, source}], unrecognised}`. */
  const panelShown = (page) =>
    page.evaluate(() => {
      const rows = (testid) => [...document.querySelectorAll(`[data-testid="${testid}"]`)];
      return {
        main: rows("panel-main").map((li) => li.dataset.origin),
        aliases: rows("panel-alias").map((li) => li.dataset.origin),
        proposals: rows("panel-proposal").map((li) => ({ origin: li.dataset.origin, source: li.querySelector(".muted")?.textContent })),
        unrecognised: rows("panel-unrecognised-page").map((li) => ({ pattern: li.querySelector("code").textContent, problem: li.dataset.problem })),
      };
    });

  test("a page at the shop's other address shows nothing and carries nothing of ours until that address is added", async () => {
    const page = await b.open(`${other()}/admin/orders`);
    await assertNothing(page, "localhost, not added");
    if (b.ran) assert.equal(await b.ran(page), false, "the content script did not even run there");
    await b.close(page);
  });

  test("the login and two-factor pages get nothing; the login page's addresses become a proposal, added with one click", async () => {
    for (const path of ["/admin/auth/login", "/admin/auth/totp-sms", "/admin/auth/mail-otp"]) {
      const page = await b.open(`${main()}${path}`);
      await assertNothing(page, path);
      await b.close(page);
    }
    const options = await b.options();
    const shown = await until(async () => {
      const s = await panelShown(options);
      return s.proposals.some((p) => p.origin === other()) ? s : null;
    }, { what: "the other address proposed on the options page" });
    assert.deepEqual(shown.main, [main()]);
    assert.deepEqual(shown.aliases, []);
    assert.deepEqual(shown.proposals.map((p) => p.origin), [other()], "only the other address: the main one is no proposal");
    // Firefox speaks Polish only with its Polish language pack installed
    assert.match(shown.proposals[0].source, /ze strony logowania panelu|from the panel's login page/);
    await b.click(options, `[data-testid="panel-proposal"][data-origin="${other()}"] [data-testid="panel-proposal-add"]`);
    const added = await until(async () => {
      const s = await panelShown(options);
      return s.aliases.length ? s : null;
    }, { what: "the address added" });
    assert.deepEqual(added.aliases, [other()]);
    assert.deepEqual(added.proposals, [], "an added address is no longer proposed");
    const said = await options.evaluate(() => document.querySelector('[data-testid="panel-message"]').textContent);
    assert.match(said, /(Dodano adres|Address) http:\/\/localhost:\d+/);
    await b.close(options);
  });

  test("under both addresses every order link gets exactly one correct badge; the order page and the dashboard get theirs", async () => {
    const state = await env.sandbox.state();
    const [imported] = importedOrders(state).keys();
    for (const origin of [main(), other()]) {
      const list = await b.open(`${origin}/admin/orders`);
      const { ids, badges } = await oneBadgePerLink(list);
      assert.equal(ids.length, state.shoper.orders.length, `${origin}: every order is on the list`);
      const [check] = checkBadges(badges, state, [env.ordersReport]);
      assert.ok(check.ok, `${origin}: ${check.detail}`);
      await b.close(list);

      const view = await b.open(`${origin}/admin/orders/view/id/${imported}`);
      const shown = await oneBadgePerLink(view, { orderPage: imported });
      assert.deepEqual(shown.ids, [String(imported)], "the order page: its own badge only");
      assert.equal(shown.badges[imported].state, "imported");
      await b.close(view);

      const dashboard = await b.open(`${origin}/admin/dashboard`);
      const newest = await oneBadgePerLink(dashboard);
      assert.equal(newest.ids.length, 5, "the dashboard's five newest orders");
      await b.close(dashboard);
    }
  });

  test("a list that swaps its rows without a reload: every link shown keeps exactly one correct badge", async () => {
    const state = await env.sandbox.state();
    const page = await b.open(`${main()}/admin/orders?render=live&limit=5`);
    const seen = new Set();
    const first = await oneBadgePerLink(page);
    first.ids.forEach((id) => seen.add(id));
    const pages = Math.ceil(state.shoper.orders.length / 5);
    for (const next of [...Array.from({ length: pages - 1 }, (_, i) => i + 2), pages, 1]) {
      // the panel's own script: fetch, swap the rows (the same page twice: rows replaced by equal rows)
      await page.evaluate((n) => window.sandboxPanel.swap(`/admin/orders?page=${n}&limit=5&render=live`), next);
      const { ids, badges } = await oneBadgePerLink(page);
      assert.equal(await page.evaluate(() => location.search), "?render=live&limit=5", "no reload, no new URL");
      const [check] = checkBadges(Object.fromEntries(Object.entries(badges).filter(([id]) => ids.includes(id))), state, [env.ordersReport]);
      const expected = check.detail?.split("; ").filter((d) => ids.some((id) => d.startsWith(`#${id}:`))) ?? [];
      assert.deepEqual(expected, [], `page ${next}: ${check.detail}`);
      ids.forEach((id) => seen.add(id));
    }
    assert.equal(seen.size, state.shoper.orders.length, "every order went through the list");
    await b.close(page);
  });

  test("a panel that changes its URL with pushState: the order page found by [data-order-id], the list again after popstate", async () => {
    const state = await env.sandbox.state();
    const page = await b.open(`${other()}/admin/orders?render=history&limit=5`);
    const list = await oneBadgePerLink(page);
    const id = list.ids.find((i) => importedOrders(state).has(Number(i))) ?? list.ids[0];
    await page.locator(`a[href="/admin/orders/view/id/${id}"]`).first().click();
    await until(async () => (await page.evaluate(() => location.pathname)) === `/admin/orders/view/id/${id}`, { what: "the URL pushed" });
    const view = await oneBadgePerLink(page, { orderPage: id });
    assert.deepEqual(view.ids, [id], "only the order's own badge: the list's went with its links");
    assert.equal(view.badges[id].state, list.badges[id].state);
    assert.ok((await readWidgets(page)).panel, "the Systim button stays");
    await page.evaluate(() => history.back());
    await until(async () => (await page.evaluate(() => location.pathname)) === "/admin/orders", { what: "back on the list" });
    const again = await oneBadgePerLink(page);
    assert.deepEqual(again.ids, list.ids, "the list's badges are back, one per link");
    await b.close(page);
  });

  test("a page without the panel's marks is named, as a pattern, on the options page", async () => {
    const page = await b.open(`${main()}/admin/nie-ma-takiej-strony/12345`);
    await assertNothing(page, "a page the panel does not know");
    await b.close(page);
    const options = await b.options();
    const shown = await until(async () => {
      const s = await panelShown(options);
      return s.unrecognised.length ? s : null;
    }, { what: "the unrecognised page on the options page" });
    assert.deepEqual(shown.unrecognised, [{ pattern: "/admin/nie-ma-takiej-strony/{n}", problem: "no_panel_marks" }], "no number, no host: a pattern");
    await b.close(options);
  });

  test("a removed address shows nothing again", async () => {
    const options = await b.options();
    await until(async () => (await panelShown(options)).aliases.length === 1, { what: "the added address listed" });
    await b.click(options, `[data-testid="panel-alias"][data-origin="${other()}"] [data-testid="panel-forget"]`);
    await until(async () => (await panelShown(options)).aliases.length === 0, { what: "the address removed" });
    await b.close(options);
    const page = await b.open(`${other()}/admin/orders`);
    await assertNothing(page, "localhost, removed");
    await b.close(page);
    // the main address keeps working
    const list = await b.open(`${main()}/admin/orders`);
    await oneBadgePerLink(list);
    await b.close(list);
  });
}

/** The sandbox with the connection, the demo settings and one orders run. */
async function prepare(send) {
  const sandbox = await startSandbox();
  assert.ok((await send({ type: "saveConnection", connection: sandbox.connection() })).ok);
  const { settings } = await send({ type: "getSettings" });
  assert.ok((await send({ type: "saveSettings", settings: demoSettings(settings, await sandbox.state()) })).ok);
  return { sandbox, ordersReport: await runToEnd(send, "orders") };
}

// === Chromium ==================================================================================

describe("Chromium", () => {
  const env = {};
  let browser;
  let options;
  const send = (m) => sendFrom(options, m);
  before(async () => {
    browser = await launchBrowser();
    options = await browser.open("options.html");
    Object.assign(env, await prepare(send));
  });
  after(async () => {
    await browser?.close();
    await env.sandbox?.stop();
  });

  test("the shop's application-config names another address: proposed after 'Sprawdź połączenie', 'Pomiń' drops it", async () => {
    const main = env.sandbox.info.shoper;
    const other = main.replace("//127.0.0.1:", "//localhost:");
    await env.sandbox.shoperConfig({ shop_url: other });
    try {
      const page = await browser.open("options.html#admin-panel");
      await page.locator('[data-testid="test-connection"]:not([disabled])').click();
      const proposal = page.locator(`[data-testid="panel-proposal"][data-origin="${other}"]`);
      await proposal.waitFor({ timeout: 60_000 });
      assert.match(await proposal.textContent(), /z konfiguracji sklepu/);
      await proposal.locator('[data-testid="panel-proposal-dismiss"]').click();
      await proposal.waitFor({ state: "detached" });
      assert.deepEqual((await send({ type: "adminPanel" })).adminPanel.proposals, [], "turned down: no longer proposed");
      await page.close();
    } finally {
      await env.sandbox.shoperConfig({ shop_url: main });
    }
  });

  suite(
    {
      async open(url) {
        const page = await browser.context.newPage();
        await page.goto(url);
        return page;
      },
      close: (page) => page.close(),
      options: () => browser.open("options.html#admin-panel"),
      click: (page, css) => page.locator(css).click(),
      ran: (page) => contentScriptRan(page),
    },
    env,
  );
});

// === Firefox ===================================================================================

describe("Firefox", () => {
  const env = {};
  let firefox;
  let distDir;
  const send = (message) =>
    firefox.run("const done = arguments[arguments.length - 1]; globalThis.ExtApi.send(arguments[0]).then(done);", message);
  before(async () => {
    distDir = path.dirname(buildDevExtension());
    firefox = await launchFirefox({ addonPath: path.join(distDir, "shoper-systim-firefox.zip") });
    await firefox.goto(firefox.url("options.html"));
    Object.assign(env, await prepare(send));
  });
  after(async () => {
    await firefox?.close();
    await env.sandbox?.stop();
    if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
  });

  suite(
    {
      async open(url) {
        await firefox.goto(url, { ready: "return true;" });
        return firefox.page();
      },
      close: () => firefox.closeTab(),
      async options() {
        await firefox.goto(firefox.url("options.html#admin-panel"));
        return firefox.page();
      },
      click: (_page, css) => firefox.click(css),
      ran: null,
    },
    env,
  );
});
