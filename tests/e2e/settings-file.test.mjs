// "Eksportuj ustawienia" / "Importuj ustawienia" between two browser profiles (two Chromium
// instances, each with its own profile and extension storage): a file with keys sets up the
// second profile completely; a file without keys carries none and leaves them to be typed; a file
// of a newer version or with a bad value is refused in Polish and changes nothing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { buildDevExtension, launchBrowser, send, until } from "./lib/browser.mjs";
import { configure } from "./lib/fixture.mjs";
import { byTestId, notice } from "./lib/flows.mjs";
import { startSandbox } from "./lib/sandbox.mjs";

let sandbox;
let extensionDir;
const browsers = [];

before(async () => {
  sandbox = await startSandbox({ scenario: "demo" });
  extensionDir = buildDevExtension();
});
after(async () => {
  for (const b of browsers) await b.close();
  await sandbox?.stop();
});

/** A fresh profile with the extension; its options page, ready. */
async function profile() {
  const browser = await launchBrowser({ extensionDir });
  browsers.push(browser);
  const options = await browser.open("options.html");
  await byTestId(options, "f-orders-enabled").waitFor();
  return options;
}

/** "Eksportuj ustawienia" through its dialog; the downloaded file's name and text. */
async function exportFile(page, { withKeys }) {
  await byTestId(page, "export-settings").click();
  const dialog = byTestId(page, "export-dialog");
  await dialog.waitFor();
  if (withKeys) {
    await byTestId(page, "export-with-keys").check();
    assert.ok(await byTestId(page, "export-keys-warning").isVisible(), "ticking the keys shows the warning");
    assert.ok(await byTestId(page, "export-save").isDisabled(), "no file with keys before the warning is confirmed");
    await byTestId(page, "export-keys-confirm").check();
  }
  const [download] = await Promise.all([page.waitForEvent("download"), byTestId(page, "export-save").click()]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  return { filename: download.suggestedFilename(), content: Buffer.concat(chunks).toString("utf8") };
}

/** "Importuj ustawienia" with `content` as the chosen file; the notice it ends with. */
async function importFile(page, content, name = "ustawienia.json") {
  await page.evaluate(() => document.querySelector('[data-testid="settings-message"]').replaceChildren());
  await byTestId(page, "import-file").setInputFiles({ name, mimeType: "application/json", buffer: Buffer.from(content, "utf8") });
  return notice(page, "settings-message");
}

const settingsOf = async (page) => (await send(page, { type: "getSettings" })).settings;

let first;
let withKeys;
let withoutKeys;

test("the first profile exports its setup: without keys by default, with keys only after the warning", async () => {
  first = await profile();
  await configure(first, sandbox, {
    patch: (s) => ({ ...s, interval_minutes: 9, orders: { ...s.orders, order_discount: "hold", systim_status_id: 3 } }),
  });
  await first.reload();
  await byTestId(first, "f-orders-enabled").waitFor();
  const secrets = sandbox.secrets();

  withoutKeys = await exportFile(first, { withKeys: false });
  assert.match(withoutKeys.filename, /^shoper-systim-ustawienia-.*\.json$/);
  assert.doesNotMatch(withoutKeys.filename, /z-kluczami/);
  for (const secret of secrets) assert.ok(!withoutKeys.content.includes(secret), "a key in a file exported without keys");
  assert.equal((await notice(first, "settings-message")).kind, "success");

  withKeys = await exportFile(first, { withKeys: true });
  assert.match(withKeys.filename, /-z-kluczami\.json$/);
  const file = JSON.parse(withKeys.content);
  assert.equal(file.format, "shoper-systim-settings");
  assert.equal(file.version, 1);
  assert.equal(file.connection.systimKey, sandbox.info.systim_key);
  const saved = await notice(first, "settings-message");
  assert.equal(saved.kind, "warning", "the page reminds that the file holds keys");
});

test("a second profile imports the file with keys and is set up exactly as the first", async () => {
  const second = await profile();
  const shown = await importFile(second, withKeys.content, withKeys.filename);
  assert.equal(shown.kind, "success", shown.text);
  assert.deepEqual(await settingsOf(second), await settingsOf(first));
  const [a, b] = await Promise.all([send(first, { type: "revealKeys" }), send(second, { type: "revealKeys" })]);
  assert.deepEqual(b.connection, a.connection, "the connection with its keys");
  assert.equal((await send(second, { type: "getStatus" })).configured, true);
  // The form shows what was imported.
  assert.equal(await byTestId(second, "shop-url").inputValue(), sandbox.info.shoper);
  assert.equal(await byTestId(second, "f-interval_minutes").inputValue(), "9");
  assert.equal(await byTestId(second, "f-orders-order_discount").inputValue(), "hold");
});

test("a third profile imports the file without keys: settings applied, keys left to be typed", async () => {
  const third = await profile();
  const shown = await importFile(third, withoutKeys.content);
  assert.equal(shown.kind, "warning", shown.text);
  assert.match(shown.text, /wpisz klucze/);
  assert.deepEqual(await settingsOf(third), await settingsOf(first));
  assert.equal((await send(third, { type: "getStatus" })).configured, false, "no connection without its keys");
  assert.equal(await byTestId(third, "shop-url").inputValue(), sandbox.info.shoper, "the address is in the form");
  assert.equal(await byTestId(third, "systim-key").inputValue(), "");
  // Typing the keys and saving completes the setup.
  await byTestId(third, "shoper-password").fill(sandbox.info.shoper_password);
  await byTestId(third, "systim-key").fill(sandbox.info.systim_key);
  await byTestId(third, "save-connection").click();
  await until(async () => (await send(third, { type: "getStatus" })).configured, { what: "the connection saved" });
});

test("a file of a newer version or with a bad value is refused in Polish and changes nothing", async () => {
  const before = await settingsOf(first);
  const connection = (await send(first, { type: "revealKeys" })).connection;
  const newer = await importFile(first, withoutKeys.content.replace('"version": 1', '"version": 2'));
  assert.equal(newer.kind, "error");
  assert.match(newer.text, /nowszej wersji rozszerzenia \(format 2\).*Nic nie zmieniono\./);
  const bad = await importFile(first, withoutKeys.content.replace('"interval_minutes": 9', '"interval_minutes": 0'));
  assert.equal(bad.kind, "error");
  assert.match(bad.text, /settings\.interval_minutes.*Nic nie zmieniono\./);
  assert.match(await byTestId(first, "import-errors").textContent(), /podaj liczbę od 1 do 1440/);
  const other = await importFile(first, "kod;nazwa;cena\nKUB-300;Kubek;30,00", "produkty.csv");
  assert.match(other.text, /To nie jest plik ustawień/);
  assert.deepEqual(await settingsOf(first), before);
  assert.deepEqual((await send(first, { type: "revealKeys" })).connection, connection);
});
