// A hostile page at the configured shop's admin address (the shop's own scripts gone bad, an
// injected ad, XSS in the panel): before the content script runs it pre-registers the element
// names the extension once used and pre-inserts the element that used to switch the script off;
// it injects order links (to this shop and to another host), watches every mutation, reads every
// attribute, text and open shadow root it can find, probes `::part()`, and dispatches synthetic
// clicks and keys everywhere. The extension's button and badges must still be there, and the page
// must learn nothing: no key, no badge or reason text, no Systim number — and no run may start.
// Pages at `/administrator` and `/admin-stary` get no content script at all. Chromium and
// Firefox (content scripts live in different worlds there: an isolated world, Xray wrappers).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { buildDevExtension, launchBrowser, send as sendFrom, until } from "./lib/browser.mjs";
import { demoSettings, runToEnd } from "./lib/fixture.mjs";
import { launchFirefox } from "./lib/firefox.mjs";
import { clickSystimWidget, orderBadges, systimWidget } from "./lib/flows.mjs";
import { writableState } from "./lib/report.mjs";
import { importedOrders, startSandbox } from "./lib/sandbox.mjs";
import { shopWithPages } from "./lib/servers.mjs";
import { contentScriptRan, inContentWorld, readWidgets } from "./lib/widgets.mjs";

/** The page's own script: traps set before the extension's content script (document_idle) runs. */
const TRAPS = `
  window.__hostile = { created: [], mutations: [] };
  for (const name of ["shoper-systim-panel", "shoper-systim-badge"]) {
    customElements.define(name, class extends HTMLElement {
      constructor() {
        super();
        window.__hostile.created.push(name);
        try { this.attachShadow({ mode: "open" }); } catch {}
      }
    });
  }
  // the element whose presence once made the content script step aside
  document.documentElement.append(document.createElement("shoper-systim-panel"));
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") window.__hostile.mutations.push(r.attributeName + "=" + r.target.getAttribute(r.attributeName));
      if (r.type === "characterData") window.__hostile.mutations.push(r.target.data);
      for (const n of r.addedNodes) window.__hostile.mutations.push(n.nodeType === 1 ? n.outerHTML : n.textContent);
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true, attributeOldValue: true });
`;

/** `::part()` probes: had the widgets exposed parts, these would reshape them (and show in sizes). */
const PART_PROBES = ["badge", "held", "imported", "not_imported", "pending", "menu", "closed", "toggle", "item", "status"]
  .map((p) => `*::part(${p}) { display: block !important; width: 777px !important; }`)
  .join("\n");

function hostilePage({ local, foreign }) {
  const links = [
    ...local.map((id) => `<li><a href="/admin/orders/view/id/${id}">Zamówienie ${id}</a></li>`),
    ...foreign.map((id) => `<li><a href="https://sklep-obcy.example/admin/orders/view/id/${id}">Obce ${id}</a>
      <a href="//sklep-obcy.example/admin/orders/view/id/${id}">obce</a></li>`),
  ];
  // the panel's marks (a page can fake them: they say where the script is, they guard nothing)
  return `<!doctype html><html lang="pl" class="ctrl-orders actn-list"><head><meta charset="utf-8"><title>Zamówienia</title>
<style>${PART_PROBES}</style><script>${TRAPS}</script></head>
<body><h1>Zamówienia</h1><ul id="orders">${links.join("\n")}</ul></body></html>`;
}

/**
 * Everything the page can get at, after poking every element: each element's name, attributes
 * and `title`, open shadow roots, the markup, the visible text, the mutation log; plus what its
 * synthetic clicks and keys were dispatched at. Runs in the page's own world.
 */
function harvest() {
  const seen = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      seen.push(el.localName, el.title ?? "");
      for (const name of el.getAttributeNames()) seen.push(`${name}=${el.getAttribute(name)}`);
      if (el.shadowRoot) {
        seen.push(el.shadowRoot.innerHTML);
        walk(el.shadowRoot);
      }
    }
  };
  walk(document);
  // one more fake order link, added after the script started
  const late = document.createElement("a");
  late.href = "/admin/orders/view/id/999999";
  late.textContent = "późne";
  document.getElementById("orders").append(late);
  // synthetic input everywhere (links would navigate away: neither they nor what they hold are
  // clicked — a synthetic click on a link follows it)
  let poked = 0;
  for (const el of document.querySelectorAll("*")) {
    if (el.closest("a")) continue;
    el.dispatchEvent(new MouseEvent("click", { bubbles: true, composed: true, cancelable: true }));
    el.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, composed: true }));
    el.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, composed: true }));
    if (typeof el.click === "function") el.click();
    poked++;
  }
  const corner = document.elementFromPoint(window.innerWidth - 40, window.innerHeight - 30);
  corner?.click();
  seen.push(document.documentElement.outerHTML, document.body.innerText, ...window.__hostile.mutations);
  const hosts = [...document.querySelectorAll("div, span")].filter((el) => {
    try {
      el.attachShadow({ mode: "open" }).remove?.();
      return false;
    } catch {
      return true; // it already has a shadow root, which the page cannot open
    }
  });
  return {
    text: seen.join("\n"),
    created: window.__hostile.created,
    poked,
    hostShadows: hosts.map((el) => el.shadowRoot),
    corner: corner ? corner.localName : null,
  };
}

/** Whatever the page must not learn: keys, every badge text, Systim numbers, the widget's texts. */
function secretsOf(sandbox, badges) {
  const texts = Object.values(badges).map((b) => b.text).filter((t) => t.length > 3);
  const numbers = texts.flatMap((t) => t.match(/nr (\S+)/)?.slice(1) ?? []).filter((n) => n.length >= 4);
  return [...sandbox.secrets(), ...texts, ...numbers, "Synchronizuj teraz", "Otwórz raport", "Sync now", "Open report"];
}

/**
 * Both browsers: a sandbox with one orders run done (imported and held orders, so the badges
 * have something to hide), the shop behind `shopWithPages` serving the hostile admin pages.
 */
async function world() {
  const sandbox = await startSandbox();
  const ids = { local: [], foreign: [] };
  const shop = await shopWithPages(sandbox, () => hostilePage(ids));
  return { sandbox, shop, ids };
}

function pickIds(state) {
  const orders = state.shoper.orders.map((o) => Number(o.order_id));
  const imported = [...importedOrders(state).keys()];
  // one imported order is linked only from another host: it must get no badge
  const foreign = [imported[0]];
  return { local: orders.filter((id) => !foreign.includes(id)), foreign };
}

async function assertNothingLeaked({ harvested, badges, sandbox, ids }) {
  for (const secret of secretsOf(sandbox, badges)) {
    assert.ok(!harvested.text.includes(secret), `the page read ${JSON.stringify(secret.slice(0, 24))}`);
  }
  assert.deepEqual(harvested.created, ["shoper-systim-panel"], "only the page's own element used its registered names");
  assert.ok(harvested.hostShadows.every((root) => root === null), "no shadow root of ours is open to the page");
  assert.ok(harvested.poked > 10);
  for (const id of ids.foreign) assert.equal(badges[id], undefined, `order ${id}, linked only from another host, has no badge`);
  for (const id of ids.local.slice(0, 3)) assert.ok(badges[id], `order ${id} has its badge`);
  const [held] = Object.entries(badges).filter(([, b]) => b.state === "held");
  assert.ok(held, "a held order's reason is among what the page must not read");
  for (const badge of Object.values(badges)) {
    assert.deepEqual(badge.host.attributes, ["style"], "a badge's host carries nothing but its inline style");
    assert.equal(badge.host.tag, "span");
  }
}

// === Chromium ==================================================================================

describe("Chromium", () => {
  let env;
  let browser;
  let options;
  const send = (m) => sendFrom(options, m);
  before(async () => {
    env = await world();
    browser = await launchBrowser();
    options = await browser.open("options.html");
    const connection = { ...env.sandbox.connection(), shopUrl: env.shop.url };
    assert.ok((await send({ type: "saveConnection", connection })).ok);
    const { settings } = await send({ type: "getSettings" });
    assert.ok((await send({ type: "saveSettings", settings: demoSettings(settings, await env.sandbox.state()) })).ok);
    await runToEnd(send, "orders");
    Object.assign(env.ids, pickIds(await env.sandbox.state()));
  });
  after(async () => {
    await browser?.close();
    await env?.shop.close();
    await env?.sandbox.stop();
  });

  test("the widgets survive the page's traps; the page reads nothing of them and its synthetic input starts nothing", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${env.shop.url}/admin/orders`);
    const badges = await orderBadges(page);
    const panel = await systimWidget(page);
    assert.deepEqual(panel.host, { tag: "div", attributes: ["style"] }, "a bare div hosts the button");
    const untouched = writableState(await env.sandbox.state());
    const runsBefore = (await send({ type: "getHistory" })).runs.length;

    const harvested = await page.evaluate(harvest);
    assert.equal(new URL(page.url()).pathname, "/admin/orders", "still on the same page");
    await assertNothingLeaked({ harvested, badges, sandbox: env.sandbox, ids: env.ids });

    // untrusted clicks from inside our own world too (the content script's `.click()`)
    const clicked = await inContentWorld(page, `(() => { let n = 0;
      for (const host of document.querySelectorAll("div")) {
        const root = chrome.dom.openOrClosedShadowRoot(host);
        for (const b of root?.querySelectorAll("button") ?? []) { b.click(); n++; }
      }
      return n; })()`);
    assert.equal(clicked, 3, "the toggle and both menu items were clicked by a script");
    await new Promise((r) => setTimeout(r, 1500));
    const after = await systimWidget(page);
    assert.equal(after.open, false, "the menu did not open");
    assert.equal(after.sync, null, "no sync was asked for");
    assert.equal((await send({ type: "getStatus" })).running, null, "no run under way");
    assert.equal((await send({ type: "getHistory" })).runs.length, runsBefore, "no run started");
    assert.equal(writableState(await env.sandbox.state()), untouched, "nothing written");
    // the late fake link to a real-looking id got a badge too — readable by us only
    assert.ok((await orderBadges(page))["999999"], "the late link has its badge");

    // a real mouse click still works (the widget is alive, the test could fail)
    await clickSystimWidget(page, "toggle");
    await until(async () => (await systimWidget(page)).open, { what: "the menu to open on a real click" });
    await page.close();
  });

  test("no content script on /administrator or /admin-stary", async () => {
    for (const pathname of ["/administrator", "/admin-stary/orders"]) {
      const page = await browser.context.newPage();
      await page.goto(`${env.shop.url}${pathname}`);
      await new Promise((r) => setTimeout(r, 2500)); // long after document_idle
      assert.equal(await contentScriptRan(page), false, `${pathname}: the content script did not run`);
      assert.equal(await readWidgets(page), null);
      await page.close();
    }
    const page = await browser.context.newPage();
    await page.goto(`${env.shop.url}/admin`);
    await until(() => contentScriptRan(page), { what: "the content script on /admin itself" });
    await page.close();
  });
});

// === Firefox ===================================================================================

describe("Firefox", () => {
  let env;
  let firefox;
  let distDir;
  const sendFx = (message) =>
    firefox.run("const done = arguments[arguments.length - 1]; globalThis.ExtApi.send(arguments[0]).then(done);", message);
  before(async () => {
    env = await world();
    distDir = path.dirname(buildDevExtension());
    firefox = await launchFirefox({ addonPath: path.join(distDir, "shoper-systim-firefox.zip") });
    await firefox.goto(firefox.url("options.html"));
    const connection = { ...env.sandbox.connection(), shopUrl: env.shop.url };
    assert.ok((await sendFx({ type: "saveConnection", connection })).ok);
    const { settings } = await sendFx({ type: "getSettings" });
    assert.ok((await sendFx({ type: "saveSettings", settings: demoSettings(settings, await env.sandbox.state()) })).ok);
    await runToEnd(sendFx, "orders");
    Object.assign(env.ids, pickIds(await env.sandbox.state()));
  });
  after(async () => {
    await firefox?.close();
    await env?.shop.close();
    await env?.sandbox.stop();
    if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
  });

  test("the widgets survive the page's traps; the page reads nothing of them and its synthetic input starts nothing", async () => {
    const runsBefore = (await sendFx({ type: "getHistory" })).runs.length;
    const untouched = writableState(await env.sandbox.state());
    await firefox.goto(`${env.shop.url}/admin/orders`, { ready: "return true;" });
    const page = firefox.page();
    const badges = await orderBadges(page);
    assert.deepEqual((await systimWidget(page)).host, { tag: "div", attributes: ["style"] });
    const harvested = await page.evaluate(harvest);
    await assertNothingLeaked({ harvested, badges, sandbox: env.sandbox, ids: env.ids });
    await new Promise((r) => setTimeout(r, 1500));
    const after = await systimWidget(page);
    assert.equal(after.open, false, "the menu did not open");
    assert.equal(after.sync, null, "no sync was asked for");
    await firefox.closeTab(); // back on the options page
    assert.equal((await sendFx({ type: "getStatus" })).running, null);
    assert.equal((await sendFx({ type: "getHistory" })).runs.length, runsBefore, "no run started");
    assert.equal(writableState(await env.sandbox.state()), untouched, "nothing written");
  });

  test("no content script on /administrator or /admin-stary", async () => {
    for (const pathname of ["/administrator", "/admin-stary/orders"]) {
      await firefox.goto(`${env.shop.url}${pathname}`, { ready: "return true;" });
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal((await readWidgets(firefox.page())).panel, null, `${pathname}: no Systim button`);
      await firefox.closeTab();
    }
    await firefox.goto(`${env.shop.url}/admin`, { ready: "return true;" });
    await until(async () => (await readWidgets(firefox.page())).panel, { what: "the Systim button on /admin itself" });
    await firefox.closeTab();
  });
});
