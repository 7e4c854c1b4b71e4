// Headless Firefox ESR through geckodriver (plain W3C WebDriver over fetch: no extra package),
// with the extension installed as a temporary add-on under a fixed moz-extension:// UUID.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { until } from "./browser.mjs";

const ADDON_ID = "shoper-systim@extension.invalid"; // browser_specific_settings.gecko.id
const UUID = "5a1e5f1e-0000-4000-8000-00000000e2e0";
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf"; // the W3C element reference key

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
 * the build) temporarily. Resolves to a small client: `url(file)`, `goto`, `run(script, ...args)`
 * (async: the script's last argument is the callback), `type(css, text)`, `click(css)`, `close()`.
 */
export async function launchFirefox({ addonPath, binary = process.env.FIREFOX_BIN ?? "/usr/bin/firefox-esr" }) {
  const port = await freePort();
  // --allow-system-access: WebDriver may not navigate to moz-extension:// pages, the browser chrome may
  const driver = spawn("geckodriver", ["--port", String(port), "--log", "error", "--allow-system-access"], { stdio: "ignore" });
  try {
    const client = await startSession(port, binary, addonPath);
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

async function startSession(port, binary, addonPath) {
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
          },
        },
      },
    },
  });
  const s = `/session/${sessionId}`;
  await call("POST", `${s}/moz/addon/install`, { path: path.resolve(addonPath), temporary: true });
  const find = async (css) => (await call("POST", `${s}/element`, { using: "css selector", value: css }))[ELEMENT];
  const setContext = (context) => call("POST", `${s}/moz/context`, { context });
  return {
    url: (file) => `moz-extension://${UUID}/${file}`,
    /** Opens `url` in a new tab from the browser's chrome and makes it the current one. */
    async goto(url) {
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
      await until(() => call("POST", `${s}/execute/sync`, { script: "return document.readyState === 'complete' && Boolean(globalThis.ExtApi);", args: [] }).catch(() => false), { what: `${url} loaded` });
    },
    run: (script, ...args) => call("POST", `${s}/execute/async`, { script, args }),
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
