// Headless Debian Chromium with the built extension (a `--dev-hosts` build, so the loopback
// sandbox needs no permission prompt), and the pages of the extension.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { paths } from "./paths.mjs";

/**
 * `node extension/tools/build.mjs --dev-hosts` into `outDir` (default: a fresh temporary
 * directory, so test files may run side by side); gives back the Chrome directory (Firefox's
 * zip is next to it). Cheap (no wasm build): run once per test file.
 */
export function buildDevExtension(outDir = fs.mkdtempSync(path.join(os.tmpdir(), "shoper-systim-dist-"))) {
  if (!fs.existsSync(path.join(paths.pkg, "shoper_systim_bg.wasm"))) {
    throw new Error(`${paths.pkg} has no wasm: run ./build.sh first`);
  }
  execFileSync(process.execPath, [paths.builder, "--pkg", paths.pkg, "--out", outDir, "--dev-hosts"], { stdio: "pipe" });
  return path.join(outDir, "chrome");
}

/** The options of a headless Chromium with the extension in `extensionDir` (new headless mode). */
export function chromiumOptions({ extensionDir, lang = "pl", downloads }) {
  return {
    executablePath: paths.chromium,
    headless: false, // the new headless mode, below, is the one that runs extensions
    locale: lang === "pl" ? "pl-PL" : "en-US",
    acceptDownloads: true,
    downloadsPath: downloads,
    viewport: { width: 1280, height: 900 },
    env: { ...process.env, LANGUAGE: lang, LANG: lang === "pl" ? "pl_PL.UTF-8" : "en_US.UTF-8" },
    args: [
      "--headless=new",
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      `--lang=${lang}`,
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--no-default-browser-check",
    ],
  };
}

/**
 * Launches Chromium with the extension in a fresh profile, in Polish. Resolves to
 * `{context, extensionId, worker, page(name), close()}`.
 */
export async function launchBrowser({ extensionDir, lang = "pl", downloads } = {}) {
  const ownBuild = !extensionDir;
  extensionDir ??= buildDevExtension();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "shoper-systim-profile-"));
  const context = await chromium.launchPersistentContext(profile, chromiumOptions({ extensionDir, lang, downloads }));
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker", { timeout: 30_000 }));
  const extensionId = new URL(worker.url()).host;
  const browser = {
    context,
    extensionId,
    worker,
    /** The service worker as it is now (Chrome may have restarted it). */
    async currentWorker() {
      const alive = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extensionId}/`));
      return alive ?? context.waitForEvent("serviceworker", { timeout: 30_000 });
    },
    url: (file) => `chrome-extension://${extensionId}/${file}`,
    /** Opens an extension page (`options.html`, `popup.html#…`) in a new tab. */
    async open(file, { width, height } = {}) {
      const page = await context.newPage();
      if (width) await page.setViewportSize({ width, height: height ?? 600 });
      await page.goto(browser.url(file));
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
      if (ownBuild) fs.rmSync(path.dirname(extensionDir), { recursive: true, force: true });
    },
  };
  return browser;
}

/** Everything a page holds as text: its markup, the values of its fields, its localStorage. */
export const pageText = (page) =>
  page.evaluate(() => {
    const values = [...document.querySelectorAll("input, textarea")].map((el) => el.value);
    return [document.documentElement.outerHTML, ...values, JSON.stringify(localStorage)].join("\n");
  });

/** One message of docs/messages.md, sent from an extension page (as the popup would). */
export const send = (page, message) => page.evaluate((m) => globalThis.ExtApi.send(m), message);

/** Polls `fn` until it returns a truthy value (which it resolves to), or fails after `timeout`. */
export async function until(fn, { timeout = 30_000, interval = 250, what = "the condition" } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * The extension's content-script world in `page` (an isolated world Playwright does not expose),
 * through the DevTools protocol. Call before navigating; `evaluate(expression)` (awaits promises,
 * returns by value) works once the content script has run.
 */
export async function contentScriptWorld(page, extensionId) {
  const cdp = await page.context().newCDPSession(page);
  const worlds = [];
  cdp.on("Runtime.executionContextCreated", ({ context }) => {
    if (context.origin === `chrome-extension://${extensionId}` && context.auxData?.type === "isolated") worlds.push(context.id);
  });
  await cdp.send("Runtime.enable");
  return {
    async evaluate(expression) {
      const contextId = await until(() => worlds.at(-1), { timeout: 15_000, what: "the content script's world" });
      const { result, exceptionDetails } = await cdp.send("Runtime.evaluate", { expression, contextId, awaitPromise: true, returnByValue: true });
      if (exceptionDetails) throw new Error(`in the content script's world: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      return result.value;
    },
  };
}
