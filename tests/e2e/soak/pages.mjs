// The browser soak's page (harness.html) in headless Chromium (playwright-core) or headless
// Firefox ESR (geckodriver, lib/firefox.mjs), behind one small interface:
//
//   const page = await openPage("chromium" | "firefox", url)
//   await page.call("send", message, sender?)   // globalThis.soak.send(...) in the page, awaited
//   await page.close()
//
// (the page kills and reloads itself, at the request the driver armed: harness.js `soak.arm`)
//
// plus a tiny static server for the page and the shipped wasm (`target/pkg`).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { launchFirefox } from "../lib/firefox.mjs";
import { paths } from "../lib/paths.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".json": "application/json; charset=utf-8", ".wasm": "application/wasm" };

/**
 * Serves `harness.html`, `harness.js` (this directory), `/pkg/*` (the shipped wasm) and
 * `/_locales/{pl,en}/messages.json` (the extension's, the texts the core renders) on a free
 * loopback port. Resolves to `{origin, close()}`.
 */
export async function startPageServer({ pkg = paths.pkg } = {}) {
  if (!fs.existsSync(path.join(pkg, "shoper_systim_bg.wasm"))) throw new Error(`${pkg} has no wasm: run ./build.sh first`);
  const files = (urlPath) => {
    if (urlPath === "/harness.html" || urlPath === "/harness.js") return path.join(HERE, urlPath.slice(1));
    const m = urlPath.match(/^\/pkg\/([\w.-]+)$/);
    if (m) return path.join(pkg, m[1]);
    // the texts the core renders (init_core), as the extension ships them
    const l = urlPath.match(/^\/_locales\/(pl|en)\/messages\.json$/);
    return l ? path.join(paths.root, "extension/_locales", l[1], "messages.json") : null;
  };
  const server = http.createServer((req, res) => {
    const file = files(new URL(req.url, "http://x").pathname);
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => server.listen(0, "127.0.0.1", resolve).on("error", reject));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The harness in one browser; `url` is the harness page. */
export async function openPage(browser, url) {
  const page = browser === "firefox" ? await firefoxPage(url) : await chromiumPage(url);
  await page.call("ready");
  page.userAgent = await page.call("userAgent");
  return page;
}

/**
 * What runs in the page for `call(method, ...args)`: the harness's `soak[method](...args)` once
 * the core is ready (`ready` and `userAgent` are the driver's own).
 */
const IN_PAGE = `async (method, args) => {
  await globalThis.soak.ready;
  if (method === "ready") return true;
  if (method === "userAgent") return navigator.userAgent;
  return globalThis.soak[method](...args);
}`;

async function chromiumPage(url) {
  const browser = await chromium.launch({
    executablePath: paths.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    return {
      name: "chromium",
      version: browser.version(),
      call: (method, ...args) =>
        page.evaluate(`(${IN_PAGE})(${JSON.stringify(method)}, ${JSON.stringify(args)})`).catch((e) => {
          throw new Error(`chromium: soak.${method}: ${e.message}`);
        }),
      close: () => browser.close(),
    };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

async function firefoxPage(url) {
  const firefox = await launchFirefox({});
  try {
    await firefox.navigate(url);
    const version = await firefox.run("arguments[0](navigator.userAgent)");
    return {
      name: "firefox",
      version,
      async call(method, ...args) {
        // No retry: a message may start a run, and must not be sent twice.
        const answer = await firefox.run(
          `const done = arguments[arguments.length - 1];
           (${IN_PAGE})(arguments[0], arguments[1]).then((value) => done({ value }), (e) => done({ error: String(e?.stack ?? e) }));`,
          method,
          args,
        );
        if (!answer) throw new Error(`firefox: soak.${method}: the page answered nothing (navigated away?)`);
        if (answer.error) throw new Error(`firefox: soak.${method}: ${answer.error}`);
        return answer.value;
      },
      close: () => firefox.close(),
    };
  } catch (e) {
    await firefox.close();
    throw e;
  }
}
