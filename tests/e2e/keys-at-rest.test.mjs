// Keys encrypted at rest (extension/ext_api.js): storage.local holds the connection and the
// session tokens only as AES-GCM ciphertext, under a key kept non-extractable in the extension's
// IndexedDB — whoever reads storage.local (in Firefox a content script may; here the test reads
// it directly, and in Chromium also from the content script's world, which is refused) sees no
// key. A connection stored in clear by an earlier version is encrypted on its first read. When the
// IndexedDB key is gone, the extension does not crash: the options page and the popup ask for the
// keys again, and a connection saved anew works.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { buildDevExtension, send as sendFrom, until } from "./lib/browser.mjs";
import { extensionOnSandbox, runToEnd } from "./lib/fixture.mjs";
import { launchFirefox } from "./lib/firefox.mjs";
import { startSandbox } from "./lib/sandbox.mjs";
import { inContentWorld } from "./lib/widgets.mjs";

const CIPHER = /^aes-gcm:1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/;

/** Checks a dump of storage.local (`{key: value}`): secrets only as ciphertext, no key in clear. */
function assertCiphertextOnly(items, secrets) {
  assert.match(items.connection ?? "", CIPHER, "the connection is ciphertext");
  assert.match(items.tokens ?? "", CIPHER, "the session tokens are ciphertext");
  const all = JSON.stringify(items);
  for (const secret of secrets) assert.ok(!all.includes(secret), `a key is readable in storage.local: …${secret.slice(-3)}`);
}

// === Chromium ==================================================================================

describe("Chromium", () => {
  let env;
  let worker; // the background, for direct reads and writes of storage.local
  before(async () => {
    env = await extensionOnSandbox();
    await runToEnd(env.send, "orders", { dryRun: true }); // logs in: session tokens stored too
    worker = await env.browser.currentWorker();
  });
  after(() => env?.close());

  const storage = async () => (await env.browser.currentWorker()).evaluate(() => chrome.storage.local.get(null));

  test("storage.local holds the keys only as ciphertext; the content script cannot read it at all", async () => {
    assertCiphertextOnly(await storage(), env.sandbox.secrets());
    const page = await env.browser.context.newPage();
    await page.goto(`${env.sandbox.info.shoper}/admin/orders`);
    const seen = await until(
      () => inContentWorld(page, `chrome.storage.local.get(null).then((v) => JSON.stringify(v), (e) => "refused: " + e.message)`),
      { what: "the content script's world" },
    );
    assert.match(seen, /^refused/, "storage.local is closed to content scripts in Chromium");
    await page.close();
  });

  test("clear text written once the key exists is refused (nothing of ours wrote it)", async () => {
    const forged = JSON.stringify({ ...env.sandbox.connection(), shopUrl: "https://obcy-sklep.example" });
    await worker.evaluate((value) => chrome.storage.local.set({ connection: value }), forged);
    assert.equal((await env.send({ type: "getStatus" })).configured, false, "not taken");
    assert.equal((await storage()).connection, forged, "and not encrypted as if it were ours");
  });

  test("a connection stored in clear by an earlier version (no key made yet) is encrypted on its first read", async () => {
    await env.options.evaluate(() => new Promise((resolve) => (indexedDB.deleteDatabase("shoper-systim-keys").onsuccess = resolve)));
    const clear = JSON.stringify({ ...env.sandbox.connection(), shoperAuth: "user" });
    await worker.evaluate((value) => chrome.storage.local.set({ connection: value }), clear);
    assert.equal((await storage()).connection, clear, "stored in clear, as before this version");
    const status = await env.send({ type: "getStatus" });
    assert.equal(status.configured, true, "read as it was");
    assert.equal(status.connection.shopUrl, env.sandbox.info.shoper);
    await until(async () => CIPHER.test((await storage()).connection), { what: "the connection encrypted in place" });
    await runToEnd(env.send, "orders", { dryRun: true }); // the tokens, encrypted under the new key too
    assertCiphertextOnly(await storage(), env.sandbox.secrets());
  });

  test("without its IndexedDB key the options page and the popup ask for the keys again; saved anew, all works", async () => {
    const deleted = await env.options.evaluate(
      () => new Promise((resolve) => {
        const request = indexedDB.deleteDatabase("shoper-systim-keys");
        request.onsuccess = () => resolve("deleted");
        request.onerror = () => resolve(`error: ${request.error}`);
        request.onblocked = () => resolve("blocked");
      }),
    );
    assert.equal(deleted, "deleted", "the background let go of the key database");
    const status = await env.send({ type: "getStatus" });
    assert.equal(status.configured, false, "the stored keys cannot be used");
    await env.options.reload();
    const warning = env.options.locator('[data-testid="connection-message"] [data-testid="message-warning"]');
    await warning.waitFor();
    assert.match(await warning.textContent(), /nie da się odczytać.*Wpisz ponownie/);
    const popup = await env.browser.open("popup.html", { width: 400, height: 600 });
    await until(async () => (await popup.locator('[data-testid="connection-state"]').getAttribute("data-state")) === "keys_unreadable", { what: "the popup's state" });
    assert.match(await popup.locator('[data-testid="connection-state"]').textContent(), /Wpisz klucze/);
    await popup.close();
    // the merchant enters the connection again: a new key, and everything works
    assert.ok((await env.send({ type: "saveConnection", connection: env.sandbox.connection() })).ok);
    const report = await runToEnd(env.send, "orders", { dryRun: true });
    assert.notEqual(report.outcome, "failed", report.error?.message_pl);
    assertCiphertextOnly(await storage(), env.sandbox.secrets());
  });
});

// === Firefox ===================================================================================

describe("Firefox", () => {
  let sandbox;
  let firefox;
  let distDir;
  const inPage = (body, ...args) =>
    firefox.run(`const done = arguments[arguments.length - 1];
      (async (...args) => { ${body} })(...[...arguments].slice(0, -1)).then(done, (e) => done({ thrown: String(e) }));`, ...args);
  const send = (message) => inPage("return globalThis.ExtApi.send(args[0]);", message);
  const storage = () => inPage("return browser.storage.local.get(null);");
  before(async () => {
    sandbox = await startSandbox();
    distDir = path.dirname(buildDevExtension());
    firefox = await launchFirefox({ addonPath: path.join(distDir, "shoper-systim-firefox.zip") });
    await firefox.goto(firefox.url("options.html"));
    assert.ok((await send({ type: "saveConnection", connection: sandbox.connection() })).ok);
    await runToEnd(send, "orders", { dryRun: true });
  });
  after(async () => {
    await firefox?.close();
    await sandbox?.stop();
    if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
  });

  test("storage.local (which Firefox content scripts may read) holds the keys only as ciphertext", async () => {
    assertCiphertextOnly(await storage(), sandbox.secrets());
  });

  test("clear text written once the key exists is refused; before it, an earlier version's is encrypted on first read", async () => {
    const clear = JSON.stringify(sandbox.connection());
    await inPage("await browser.storage.local.set({ connection: args[0] }); return true;", clear);
    assert.equal((await send({ type: "getStatus" })).configured, false, "a content script's write is not taken");
    await inPage(`return new Promise((resolve) => (indexedDB.deleteDatabase("shoper-systim-keys").onsuccess = () => resolve(true)));`);
    assert.equal((await send({ type: "getStatus" })).configured, true, "an earlier version's clear text is read");
    await until(async () => CIPHER.test((await storage()).connection), { what: "the connection encrypted in place" });
    assertCiphertextOnly(await storage(), sandbox.secrets());
  });

  test("without its IndexedDB key the options page asks for the keys again; saved anew, all works", async () => {
    const deleted = await inPage(`return new Promise((resolve) => {
      const request = indexedDB.deleteDatabase("shoper-systim-keys");
      request.onsuccess = () => resolve("deleted");
      request.onerror = () => resolve("error: " + request.error);
      request.onblocked = () => resolve("blocked");
    });`);
    assert.equal(deleted, "deleted");
    assert.equal((await send({ type: "getStatus" })).configured, false);
    await firefox.goto(firefox.url("options.html"));
    const warning = await until(() => inPage(`const el = document.querySelector('[data-testid="connection-message"] [data-testid="message-warning"]');
      return el && el.textContent;`), { what: "the options page's warning" });
    assert.match(warning, /nie da się odczytać|cannot be read/);
    assert.ok((await send({ type: "saveConnection", connection: sandbox.connection() })).ok);
    const report = await runToEnd(send, "orders", { dryRun: true });
    assert.notEqual(report.outcome, "failed", report.error?.message_pl);
    assertCiphertextOnly(await storage(), sandbox.secrets());
  });
});
