// Headless Firefox ESR through geckodriver (plain W3C WebDriver over fetch: no extra package),
// with the extension installed as a temporary add-on under a fixed moz-extension:// UUID.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { until } from "./browser.mjs";
import { READ_WIDGETS } from "./widgets.mjs";

const ADDON_ID = "shoper-systim@extension.invalid"; // browser_specific_settings.gecko.id
const UUID = "5a1e5f1e-0000-4000-8000-00000000e2e0";
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf"; // the W3C element reference key
const SHADOW = "shadow-6066-11e4-a52e-4f735466cecf"; // the W3C shadow root reference key

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });

/**
 * Starts geckodriver and a headless Firefox session, installs `addonPath` (the Firefox zip of
 * the build; none: no add-on) temporarily (`temporary: false`: a normal install); `prefs` are added
 * to the profile's. Resolves to a small client: `url(file)`, `goto`, `navigate(url)`,
 * `run(script, ...args)` (async: the script's last argument is the callback), `chrome(script, ...args)`
 * (the browser's UI), `type(css, text)`, `click(css)`, `clickAt(x, y)`, `page()`, `closeTab()`, `close()`.
 */
export async function launchFirefox({ addonPath, prefs = {}, temporary = true, binary = process.env.FIREFOX_BIN ?? "/usr/bin/firefox-esr" }) {
  const port = await freePort();
  // --allow-system-access: WebDriver may not navigate to moz-extension:// pages, the browser chrome may
  const driver = spawn("geckodriver", ["--port", String(port), "--log", "error", "--allow-system-access"], { stdio: "ignore" });
  try {
    const client = await startSession(port, binary, addonPath, prefs, temporary);
    const closeSession = client.close;
    client.close = async () => {
      await closeSession();
      driver.kill("SIGTERM");
    };
    return client;
  } catch (e) {
    driver.kill("SIGTERM");
    throw e;
  }
}

async function startSession(port, binary, addonPath, extraPrefs, temporary) {
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, route, body) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const { value } = await response.json();
    if (!response.ok) throw new Error(`WebDriver ${method} ${route}: ${value?.error}: ${value?.message}`);
    return value;
  };
  await until(() => fetch(`${base}/status`).then((r) => r.ok, () => false), { timeout: 15_000, what: "geckodriver" });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "shoper-systim-firefox-"));
  const { sessionId } = await call("POST", "/session", {
    capabilities: {
      alwaysMatch: {
        browserName: "firefox",
        "moz:firefoxOptions": {
          binary,
          args: ["-headless", "-profile", profile],
          prefs: {
            "extensions.webextensions.uuids": JSON.stringify({ [ADDON_ID]: UUID }),
            "intl.locale.requested": "pl",
            "intl.accept_languages": "pl",
            ...extraPrefs,
          },
        },
      },
    },
  });
  const s = `/session/${sessionId}`;
  /** Installs an add-on package (`temporary: false`: a normal install, as from a file — unsigned only where the browser allows). */
  const install = (file, { temporary: temp = true } = {}) => call("POST", `${s}/moz/addon/install`, { path: path.resolve(file), temporary: temp });
  if (addonPath) await install(addonPath, { temporary });
  const find = async (css) => (await call("POST", `${s}/element`, { using: "css selector", value: css }))[ELEMENT];
  const setContext = (context) => call("POST", `${s}/moz/context`, { context });
  const run = (script, ...args) => call("POST", `${s}/execute/async`, { script, args });
  /** Clicks at a point of the viewport (W3C actions: what a mouse does, shadow roots included). */
  const clickAt = async (x, y) => {
    const at = { type: "pointerMove", x: Math.round(x), y: Math.round(y), origin: "viewport" };
    const actions = [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" },
      actions: [at, { type: "pointerDown", button: 0 }, { type: "pointerUp", button: 0 }] }];
    await call("POST", `${s}/actions`, { actions });
    await call("DELETE", `${s}/actions`);
  };
  return {
    install,
    url: (file) => `moz-extension://${UUID}/${file}`,
    /**
     * Opens `url` in a new tab from the browser's chrome and makes it the current one; waits until
     * it has loaded and `ready` (a script's boolean; default: the extension page's ExtApi is there).
     */
    async goto(url, { ready = "return Boolean(globalThis.ExtApi);" } = {}) {
      const before = await call("GET", `${s}/window/handles`);
      await setContext("chrome");
      try {
        await call("POST", `${s}/execute/sync`, {
          script: `gBrowser.selectedTab = gBrowser.addTab(arguments[0], {
            triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });`,
          args: [url],
        });
      } finally {
        await setContext("content");
      }
      const handle = await until(async () => (await call("GET", `${s}/window/handles`)).find((h) => !before.includes(h)), { what: "the new tab" });
      await call("POST", `${s}/window`, { handle });
      const loaded = `if (document.readyState !== 'complete') return false; ${ready}`;
      await until(() => call("POST", `${s}/execute/sync`, { script: loaded, args: [] }).catch(() => false), { what: `${url} loaded` });
    },
    /** Loads a web page (http/https) in the current tab; resolves once it has loaded. */
    navigate: (url) => call("POST", `${s}/url`, { url }),
    /** Runs `script` (sync, `arguments`) in the browser's own chrome (its UI: prefs, prompts). */
    async chrome(script, ...args) {
      await setContext("chrome");
      try {
        return await call("POST", `${s}/execute/sync`, { script, args });
      } finally {
        await setContext("content");
      }
    },
    /** Closes the current tab and switches to the last one left. */
    async closeTab() {
      const left = await call("DELETE", `${s}/window`);
      if (left.length) await call("POST", `${s}/window`, { handle: left.at(-1) });
    },
    run,
    clickAt,
    /**
     * The current tab as the few Playwright page calls the helpers of flows.mjs make
     * (`evaluate`, `locator(css)` with `first`/`evaluate`/`evaluateAll`/`getAttribute`/
     * `isEnabled`/`isDisabled`/`isVisible`/`textContent`/`count`/`boundingBox`/`click`/
     * `setChecked`, `mouse.click`): the same flows then drive Firefox. Functions passed to
     * `evaluate` run in the page as their source text, as Playwright runs them.
     */
    page() {
      const inPage = async (fnSource, ...args) => {
        // A script cut off by a navigation (the page still settling after `goto`) answers null
        // instead of calling back: it is run again in the new document.
        for (let attempt = 0; ; attempt++) {
          const answer = await run(`const done = arguments[arguments.length - 1];
            Promise.resolve().then(() => (${fnSource})(...[...arguments].slice(0, -1)))
              .then((value) => done({ value }), (e) => done({ error: String(e?.stack ?? e) }));`, ...args);
          if (answer === null && attempt < 5) {
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          if (answer === null) throw new Error("the page kept navigating away from the script");
          if (answer.error) throw new Error(`in the page: ${answer.error}`);
          return answer.value;
        }
      };
      const locator = (css, { nth = null } = {}) => {
        const pick = nth === null ? "[...document.querySelectorAll(css)]" : `[document.querySelectorAll(css)[${nth}]].filter(Boolean)`;
        const onAll = (body) => inPage(`(css, arg) => { const els = ${pick}; ${body} }`, css);
        const onOne = (body) => onAll(`const el = els[0]; if (!el) throw new Error("no element " + css); ${body}`);
        return {
          first: () => locator(css, { nth: 0 }),
          evaluate: (fn, arg) => inPage(`(css, arg) => { const els = ${pick}; if (!els[0]) throw new Error("no element " + css); return (${fn})(els[0], arg); }`, css, arg ?? null),
          evaluateAll: (fn, arg) => inPage(`(css, arg) => (${fn})(${pick}, arg)`, css, arg ?? null),
          getAttribute: (name) => onOne(`return el.getAttribute(${JSON.stringify(name)});`),
          isEnabled: () => onOne("return !el.disabled;"),
          isDisabled: () => onOne("return Boolean(el.disabled);"),
          isVisible: () => onAll("const el = els[0]; return Boolean(el && el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden');"),
          textContent: () => onOne("return el.textContent;"),
          count: () => onAll("return els.length;"),
          boundingBox: () => onOne("const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height };"),
          async click() {
            const index = nth ?? 0;
            const found = await call("POST", `${s}/elements`, { using: "css selector", value: css });
            if (!found[index]) throw new Error(`no element ${css}`);
            await call("POST", `${s}/element/${found[index][ELEMENT]}/click`, {});
          },
          async setChecked(checked) {
            if ((await onOne("return el.checked;")) !== checked) await this.click();
          },
        };
      };
      /**
       * The content script's widgets (lib/widgets.mjs): WebDriver opens their closed shadow roots
       * (Marionette's "Get Element Shadow Root" answers for closed ones too), the page cannot.
       */
      const widgets = async () => {
        const hosts = await call("POST", `${s}/elements`, { using: "css selector", value: "div, span" });
        const pairs = [];
        for (const host of hosts) {
          const root = await call("GET", `${s}/element/${host[ELEMENT]}/shadow`).catch(() => null);
          if (root?.[SHADOW]) pairs.push([host, root]);
        }
        return inPage(`(pairs) => (${READ_WIDGETS})((el) => (pairs.find(([host]) => host === el) ?? [])[1] ?? null)`, pairs);
      };
      return { evaluate: (fn, arg) => inPage(String(fn), arg ?? null), locator, mouse: { click: clickAt }, widgets };
    },
    async type(css, text) {
      const id = await find(css);
      await call("POST", `${s}/element/${id}/clear`, {});
      await call("POST", `${s}/element/${id}/value`, { text });
    },
    async click(css) {
      await call("POST", `${s}/element/${await find(css)}/click`, {});
    },
    async close() {
      await call("DELETE", s).catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Types the connection (`sandbox.connection()` shape) into the open options page and saves it
 * (the Save click also asks for host access).
 */
export async function fillConnection(firefox, c) {
  // the Save button waits for the core's address rules to load in the page
  await until(() => firefox.run("const done = arguments[arguments.length - 1]; done(!document.querySelector('[data-testid=\"save-connection\"]').disabled);"), { what: "the Save button" });
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
}
