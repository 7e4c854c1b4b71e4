// Installing for good and updating, in the real browsers (README "Instalacja", docs/storage.md):
// an older build is installed the way the README tells a merchant — Firefox ESR: the unsigned
// package installed from a file (not a temporary add-on) with xpinstall.signatures.required off;
// Chromium: loaded unpacked from a folder — set up, its data made to look like 0.1.0's (no schema
// record), then the new build replaces it the way the README says (Firefox: the newer package
// installed over it; Chromium: the files replaced in the folder, the browser started again). The
// update reaches the core as `on_installed("update")`: the schema record is written, and the
// connection — encrypted at rest under the AES key kept in IndexedDB — the settings and the
// history are all still there.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { encodeZip } from "../../extension/tools/binary.mjs";
import { crateVersion, listFiles } from "../../extension/tools/build.mjs";
import { chromium } from "playwright-core";
import { buildDevExtension, chromiumOptions, send as sendFrom, until } from "./lib/browser.mjs";
import { fillConnection, launchFirefox } from "./lib/firefox.mjs";
import * as flow from "./lib/flows.mjs";
import { startSandbox } from "./lib/sandbox.mjs";

const VERSION = crateVersion();
const OLD = "0.0.1";
const temp = fs.mkdtempSync(path.join(os.tmpdir(), "shoper-systim-update-"));
let sandbox;
after(async () => {
  await sandbox?.stop();
  fs.rmSync(temp, { recursive: true, force: true });
});

/** A copy of a built tree with another manifest version. */
function withVersion(srcDir, destDir, version) {
  fs.rmSync(destDir, { recursive: true, force: true });
  fs.cpSync(srcDir, destDir, { recursive: true });
  const file = path.join(destDir, "manifest.json");
  const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
  manifest.version = version;
  if (manifest.version_name) manifest.version_name = `${version} dev-hosts`;
  fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return destDir;
}

const zipOf = (dir, file) => {
  fs.writeFileSync(file, encodeZip(listFiles(dir)));
  return file;
};

test("Firefox ESR: the unsigned package installs for good, and the update keeps the keys, settings and history", async () => {
  sandbox ??= await startSandbox();
  const built = path.dirname(buildDevExtension(path.join(temp, "ff-dist")));
  const oldZip = zipOf(withVersion(path.join(built, "firefox"), path.join(temp, "ff-old"), OLD), path.join(temp, "old.xpi"));
  const newZip = zipOf(path.join(built, "firefox"), path.join(temp, "new.xpi"));
  const firefox = await launchFirefox({ addonPath: oldZip, temporary: false, prefs: { "xpinstall.signatures.required": false } });
  const inPage = (body, ...args) => firefox.run(`const done = arguments[arguments.length - 1]; (async () => { ${body} })().then(done, (e) => done({ error: String(e) }));`, ...args);
  const send = (message) => inPage("return globalThis.ExtApi.send(arguments[0]);", message);
  try {
    await firefox.goto(firefox.url("options.html"));
    const self = await inPage("return browser.management.getSelf();");
    assert.equal(self.installType, "normal", "installed from the file, not as a temporary add-on (which goes at restart)");
    assert.equal(self.version, OLD);
    await fillConnection(firefox, sandbox.connection());
    await until(async () => (await send({ type: "getStatus" })).configured, { what: "the connection saved" });
    const { settings } = await send({ type: "getSettings" });
    assert.ok((await send({ type: "saveSettings", settings: { ...settings, interval_minutes: 7 } })).ok);
    // 0.1.0 wrote no schema record: the data now looks like its.
    await inPage('await browser.storage.local.remove("schema_version");');
    const before = await inPage('return browser.storage.local.get(null);');
    assert.match(before.connection, /^aes-gcm:1:/, "the keys are encrypted at rest");
    assert.equal(before.schema_version, undefined);

    await firefox.install(newZip, { temporary: false });
    await firefox.goto(firefox.url("options.html"));
    const updated = await inPage("return browser.management.getSelf();");
    assert.equal(updated.version, VERSION);
    assert.equal(updated.installType, "normal");
    const schema = await until(async () => (await inPage('return browser.storage.local.get("schema_version");')).schema_version, { what: "the migration on update" });
    assert.equal(JSON.parse(schema).by, VERSION);
    const after = await inPage('return browser.storage.local.get(null);');
    assert.equal(after.connection, before.connection, "the stored connection untouched");
    assert.equal(await inPage("return globalThis.ExtApi.storedKeysUnreadable();"), false, "the encryption key survived the update");
    const { connection } = await send({ type: "getConnection" });
    assert.equal(connection.shopUrl, sandbox.connection().shopUrl);
    assert.equal((await send({ type: "getSettings" })).settings.interval_minutes, 7);
    assert.ok((await send({ type: "getStatus" })).configured);
  } finally {
    await firefox.close();
  }
});

test("Chromium: loaded unpacked from a folder, updated by replacing the files and starting again, keeps the keys, settings and history", async () => {
  sandbox ??= await startSandbox();
  const built = path.dirname(buildDevExtension(path.join(temp, "cr-dist")));
  const folder = withVersion(path.join(built, "chrome"), path.join(temp, "cr-folder"), OLD);
  const profile = path.join(temp, "cr-profile");
  /** Chromium on the same profile, the extension loaded from the folder (its id: the folder's). */
  const launch = async () => {
    const context = await chromium.launchPersistentContext(profile, chromiumOptions({ extensionDir: folder }));
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker", { timeout: 30_000 }));
    const page = await context.newPage();
    await page.goto(`chrome-extension://${new URL(worker.url()).host}/options.html`);
    return { context, page };
  };
  let { context, page } = await launch();
  let before;
  try {
    const self = await page.evaluate(() => chrome.management.getSelf());
    assert.equal(self.installType, "development", "loaded unpacked");
    assert.equal(self.version, OLD);
    await flow.setUpConnection(page, sandbox.connection());
    const { settings } = await sendFrom(page, { type: "getSettings" });
    assert.ok((await sendFrom(page, { type: "saveSettings", settings: { ...settings, interval_minutes: 7 } })).ok);
    const preview = await sendFrom(page, { type: "run", kind: "orders", dryRun: true });
    assert.ok(preview.ok, JSON.stringify(preview));
    await until(async () => (await sendFrom(page, { type: "getHistory" })).runs?.length === 1, { timeout: 60_000, what: "the preview in the history" });
    // 0.1.0 wrote no schema record: the data now looks like its.
    await page.evaluate(() => chrome.storage.local.remove("schema_version"));
    before = await page.evaluate(() => chrome.storage.local.get(null));
    assert.match(before.connection, /^aes-gcm:1:/, "the keys are encrypted at rest");
  } finally {
    await context.close();
  }
  // The README's update: the new version's files into the same folder, then Chrome again.
  fs.cpSync(path.join(built, "chrome"), folder, { recursive: true });
  ({ context, page } = await launch());
  try {
    assert.equal((await page.evaluate(() => chrome.management.getSelf())).version, VERSION);
    const schema = await until(async () => (await page.evaluate(() => chrome.storage.local.get("schema_version"))).schema_version, { what: "the migration on update" });
    assert.equal(JSON.parse(schema).by, VERSION);
    const after = await page.evaluate(() => chrome.storage.local.get(null));
    assert.equal(after.connection, before.connection, "the stored connection untouched");
    assert.equal(after.history, before.history, "the history untouched");
    assert.equal(after.settings, before.settings, "the settings untouched");
    assert.equal(await page.evaluate(() => globalThis.ExtApi.storedKeysUnreadable()), false, "the encryption key survived the update");
    assert.equal((await sendFrom(page, { type: "getConnection" })).connection.shopUrl, sandbox.connection().shopUrl);
    assert.equal((await sendFrom(page, { type: "getSettings" })).settings.interval_minutes, 7);
    assert.equal((await sendFrom(page, { type: "getHistory" })).runs.length, 1);
    assert.ok((await sendFrom(page, { type: "getStatus" })).configured);
  } finally {
    await context.close();
  }
});
