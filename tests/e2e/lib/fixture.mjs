// One sandbox and one browser per test file: `const env = await extensionOnSandbox()` in a
// `before`, `env.close()` in an `after`.
import { launchBrowser, send, until } from "./browser.mjs";
import { startSandbox, systimProductId } from "./sandbox.mjs";

/** The demo's settings (README "Demo") over the defaults the core gave. */
export function demoSettings(settings, state) {
  const s = structuredClone(settings);
  s.orders.start = { kind: "date", value: "2026-11-01" };
  s.orders.default_delivery_id = 1;
  s.orders.default_payment_id = 1;
  s.orders.shipping_product_id = systimProductId(state, "DOSTAWA");
  // A Systim account that lists no categories (the strict profile, the sandbox's default): what
  // the connection test and the report advise — the same-category rule off, a shop category for
  // new products (as tests/common/harness.rs's demo_settings).
  const config = state.systim?.config ?? {};
  if (config.profile === "strict" || config.assumed_methods === false || (config.disabled_methods ?? []).includes("listCategories")) {
    s.stock.require_same_category = false;
    s.products.default_category_id = Number(state.shoper.categories[0].category_id);
  }
  return s;
}

/**
 * Saves the sandbox's connection and the demo settings through the protocol (from an extension
 * page, as the options page does); the first-setup test does the same through the form.
 */
export async function configure(page, sandbox, { patch = (s) => s } = {}) {
  const saved = await send(page, { type: "saveConnection", connection: sandbox.connection() });
  if (!saved.ok) throw new Error(`saveConnection: ${JSON.stringify(saved.error)}`);
  const { settings } = await send(page, { type: "getSettings" });
  const answer = await send(page, { type: "saveSettings", settings: patch(demoSettings(settings, await sandbox.state())) });
  if (!answer.ok) throw new Error(`saveSettings: ${JSON.stringify(answer.error)}`);
}

/**
 * A sandbox (`scenario`) and Chromium with the extension; `configured` also saves the connection
 * and the demo settings. `env.options` is an open options page (for protocol calls).
 */
export async function extensionOnSandbox({ scenario = "demo", configured = true, patch } = {}) {
  const sandbox = await startSandbox({ scenario });
  let browser;
  try {
    browser = await launchBrowser();
    const options = await browser.open("options.html");
    if (configured) await configure(options, sandbox, { patch });
    return {
      sandbox,
      browser,
      options,
      send: (message) => send(options, message),
      /** Waits until no run is under way (a run started meanwhile would answer `busy`). */
      idle: (timeout = 90_000) =>
        until(async () => !(await send(options, { type: "getStatus" })).running, { timeout, what: "the run under way to end" }),
      async close() {
        await browser.close();
        await sandbox.stop();
      },
    };
  } catch (e) {
    await browser?.close();
    await sandbox.stop();
    throw e;
  }
}

/** A storefront order of the demo shop's plain products, dated now (after the demo start date). */
export const storefrontOrder = (email = "e2e@example.pl") => ({
  email,
  firstname: "Jan",
  lastname: "Testowy",
  street: "Długa 5",
  postcode: "00-238",
  city: "Warszawa",
  phone: "600100200",
  lines: [{ code: "KUB-300", quantity: 1 }],
});

/**
 * Starts a run through the protocol (`send`: any page's message function) and resolves to its
 * report once it has ended.
 */
export async function runToEnd(send, kind, { dryRun = false, timeout = 90_000 } = {}) {
  const started = await send({ type: "run", kind, dryRun });
  if (!started.ok) throw new Error(`run ${kind}: ${JSON.stringify(started.error)}`);
  return until(async () => {
    const { report } = await send({ type: "getReport", runId: started.runId });
    return report?.finishedMs ? report : null;
  }, { timeout, what: `the ${kind} run's report` });
}
