// The popup's time to interactive, for `./build.sh bench` (docs/benchmarks.md): figures, never
// assertions (the exit code is 1 only when nothing could be measured).
//
//   node tests/e2e/bench-popup.mjs [--warm 10] [--cold 3] [--out target/bench/popup.json]
//
// The sandbox (`demo` scenario) and headless Chromium with the extension (a `--dev-hosts` build of
// target/pkg, as the end-to-end tests use: the same files as dist/chrome, with loopback host access
// for the sandbox), configured with the sandbox's connection and the demo settings. Then
// `popup.html` is opened in a new tab (400 × 600, Chrome's popup size) again and again, each time a
// new page, and closed once measured:
//
// - cold: the service worker is stopped first (as Chrome does after 30 s idle), so the popup's
//   first message starts it again: worker start, wasm instantiation, core init, then the answer;
// - warm: the worker is running (the popup was just open).
//
// Time to interactive (TTI) = from the popup's navigation start (its performance time origin) to
// the `popup-ready` mark in popup.js: the first getStatus answer from the background rendered —
// state shown, the run buttons ("Synchronizuj zamówienia", "Wyślij stany", …) enabled (each open
// checks they are). Also: `popup-script` (popup.js starts running: HTML, CSS and modules loaded)
// and `popup-report` (the report panel and history filled, a second pair of messages).
//
// Core init (background.js marks, from the worker's own time origin, i.e. its start):
// `wasm-instantiated` and `core-ready` (init_core done), read off each restarted worker and off
// the first worker of the fresh profile (the install, no compiled code cached yet).
//
// Prints `popup-bench {json}` lines (one per open, then a summary) and writes the summary to
// --out (default target/bench/popup.json), which benches/perf merges into the report.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { extensionOnSandbox } from "./lib/fixture.mjs";
import { paths } from "./lib/paths.mjs";

const { values: args } = parseArgs({
  options: {
    warm: { type: "string", default: "10" },
    cold: { type: "string", default: "3" },
    out: { type: "string", default: path.join(paths.root, "target/bench/popup.json") },
  },
});
const WARM = Number(args.warm);
const COLD = Number(args.cold);
const POPUP_SIZE = { width: 400, height: 600 };
const READY_TIMEOUT_MS = 60_000;
const RUN_BUTTONS = ["run-orders", "run-send_stock", "run-send_products", "export-csv"];

const log = (text) => console.error(`bench-popup: ${text}`);
const emit = (figures) => console.log(`popup-bench ${JSON.stringify(figures)}`);
const round = (ms) => (ms == null ? null : Math.round(ms * 10) / 10);

function stats(values) {
  const v = values.filter((x) => typeof x === "number").sort((a, b) => a - b);
  if (!v.length) return { median: null, max: null, min: null };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median: round(median), max: round(v.at(-1)), min: round(v[0]) };
}

/**
 * The background's marks, from the worker's start, and that start (its time origin, epoch ms).
 * Playwright keeps one Worker for the extension's service worker target across restarts (the
 * target id stays), and evaluating in it reaches the running instance.
 */
async function coreMarks(worker) {
  return worker
    .evaluate(() => {
      const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
      return { origin: performance.timeOrigin, wasm: at("wasm-instantiated"), core: at("core-ready") };
    })
    .catch(() => ({ origin: null, wasm: null, core: null }));
}

/**
 * The extension's service worker as DevTools sees it (`running`, `stopping`, `stopped`, …), kept
 * up to date from the ServiceWorker domain's events on `cdp`.
 */
async function watchWorker(cdp) {
  const status = { running: null, waiters: [] };
  cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
    for (const v of versions) if (v.scriptURL.endsWith("/background.js")) status.running = v.runningStatus;
    status.waiters = status.waiters.filter((w) => !w());
  });
  await cdp.send("ServiceWorker.enable");
  status.until = (wanted, timeout = 10_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the service worker is ${status.running}, not ${wanted}`)), timeout);
      const check = () => status.running === wanted && (clearTimeout(timer), resolve(), true);
      if (!check()) status.waiters.push(check);
    });
  return status;
}

/** Stops every service worker of the profile (the extension's is the only one) and waits. */
async function stopWorker(cdp, status) {
  // seen running first (the last popup started it), so a "stopped" of before does not count
  await status.until("running", 5_000).catch(() => {});
  await cdp.send("ServiceWorker.stopAllWorkers");
  await status.until("stopped");
}

/** One open of the popup in a new page: its marks, once it says it is interactive. */
async function openPopup(browser) {
  const page = await browser.context.newPage();
  try {
    await page.setViewportSize(POPUP_SIZE);
    await page.goto(browser.url("popup.html"));
    await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: READY_TIMEOUT_MS, polling: 10 });
    // the report panel too (its mark is read when there; a panel that never fills does not fail the open)
    await page
      .waitForFunction(() => performance.getEntriesByName("popup-report").length > 0, null, { timeout: 10_000, polling: 10 })
      .catch(() => log("the report panel did not fill within 10 s"));
    return await page.evaluate((buttons) => {
      const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
      const nav = performance.getEntriesByType("navigation")[0];
      return {
        origin: performance.timeOrigin,
        ready: document.documentElement.dataset.ready,
        state: document.getElementById("state")?.dataset.state ?? null,
        buttonsEnabled: buttons.every((id) => document.getElementById(id) && !document.getElementById(id).disabled),
        tti: at("popup-ready"),
        script: at("popup-script"),
        report: at("popup-report"),
        domContentLoaded: nav?.domContentLoadedEventEnd ?? null,
      };
    }, RUN_BUTTONS);
  } finally {
    await page.close().catch(() => {});
  }
}

async function main() {
  const env = await extensionOnSandbox();
  try {
    const { browser } = env;
    const install = await coreMarks(browser.worker);
    // nothing else may wake the worker: the options page (it polls the status) goes, and DevTools
    // talks through a blank page
    await env.options.close();
    const blank = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(blank);
    const status = await watchWorker(cdp);
    const version = (await cdp.send("Browser.getVersion").catch(() => ({}))).product ?? "Chromium";
    log(`${version}; the core at install: wasm ${round(install.wasm)} ms, ready ${round(install.core)} ms after the worker's start`);

    const opens = [];
    const measure = async (kind, i) => {
      if (kind === "cold") {
        await stopWorker(cdp, status);
        if (status.running !== "stopped") log(`open cold ${i}: the worker is ${status.running} before the popup opens`);
      }
      const m = await openPopup(browser);
      let core = { origin: null, wasm: null, core: null };
      if (kind === "cold") {
        core = await coreMarks(await browser.currentWorker());
        // the worker must be one started for this popup, not the one stopped before it
        if (!(core.origin > m.origin - 1000)) {
          log(`open cold ${i}: the worker read is not the one the popup started`);
          core = { origin: null, wasm: null, core: null };
        }
      }
      const figures = {
        kind,
        i,
        tti_ms: round(m.tti),
        script_ms: round(m.script),
        report_ms: round(m.report),
        dom_content_loaded_ms: round(m.domContentLoaded),
        worker_start_ms: core.origin == null ? null : round(core.origin - m.origin),
        wasm_instantiated_ms: round(core.wasm),
        core_init_ms: round(core.core),
        ready: m.ready,
        state: m.state,
        buttons_enabled: m.buttonsEnabled,
      };
      if (m.ready !== "1" || !m.buttonsEnabled) log(`open ${kind} ${i}: not interactive as expected (ready=${m.ready}, state=${m.state}, buttons enabled: ${m.buttonsEnabled})`);
      emit(figures);
      opens.push(figures);
    };
    // cold first: the first one is also the first time the browser loads the popup's files
    for (let i = 0; i < COLD; i++) await measure("cold", i);
    for (let i = 0; i < WARM; i++) await measure("warm", i);

    const good = opens.filter((o) => o.ready === "1" && o.buttons_enabled);
    const of = (kind, key) => good.filter((o) => o.kind === kind).map((o) => o[key]);
    const warm = stats(of("warm", "tti_ms"));
    const cold = stats(of("cold", "tti_ms"));
    const firstCold = good.find((o) => o.kind === "cold");
    const summary = {
      case: "popup time to interactive (headless Chromium)",
      browser: `headless ${version.replace("Chrome/", "Chromium ")}`,
      warm_opens: of("warm", "tti_ms").length,
      cold_opens: of("cold", "tti_ms").length,
      popup_tti_ms_median: warm.median,
      popup_tti_ms_max: warm.max,
      popup_tti_ms_min: warm.min,
      popup_tti_ms_cold: firstCold?.tti_ms ?? null,
      popup_tti_ms_cold_median: cold.median,
      popup_tti_ms_cold_max: cold.max,
      popup_script_ms_median: stats(of("warm", "script_ms")).median,
      popup_report_ms_median: stats(of("warm", "report_ms")).median,
      popup_report_ms_cold: firstCold?.report_ms ?? null,
      core_init_ms: stats(of("cold", "core_init_ms")).median,
      core_init_ms_max: stats(of("cold", "core_init_ms")).max,
      wasm_instantiated_ms: stats(of("cold", "wasm_instantiated_ms")).median,
      core_init_ms_install: round(install.core),
      wasm_instantiated_ms_install: round(install.wasm),
      measured_at_unix_s: Math.floor(Date.now() / 1000),
    };
    emit(summary);
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    fs.writeFileSync(args.out, `${JSON.stringify(summary, null, 2)}\n`);
    log(`wrote ${args.out}`);
    return good.length > 0;
  } finally {
    await env.close();
  }
}

main().then(
  (measured) => process.exit(measured ? 0 : 1),
  (e) => {
    log(`failed: ${e?.stack ?? e}`);
    process.exit(1);
  },
);
