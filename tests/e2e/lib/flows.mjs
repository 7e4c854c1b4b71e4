// What a merchant does with the extension, step by step through its pages (by data-testid):
// the first setup on the options page, and the runs from the popup.
import { until } from "./browser.mjs";
import { readWidgets } from "./widgets.mjs";

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);
export { byTestId };

/**
 * The notice a message region (`connection-message`, `message`, …) shows, once it shows one of
 * `kinds`: `{kind, text}`. Read in one go (the popup may replace it at any poll).
 */
export function notice(page, regionId, { kinds = ["success", "error", "warning"], timeout = 30_000 } = {}) {
  const read = () =>
    page.evaluate(
      ([id, wanted]) => {
        const el = document.querySelector(`[data-testid="${id}"] [data-testid^="message-"]`);
        const kind = el?.dataset.testid.replace("message-", "");
        return wanted.includes(kind) ? { kind, text: el.textContent.trim() } : null;
      },
      [regionId, kinds],
    );
  return until(read, { timeout, interval: 100, what: `a notice in ${regionId}` });
}

/** Types the connection into the options page's form (the sandbox's `connection()` shape). */
export async function fillConnection(page, connection) {
  await byTestId(page, `shoper-auth-${connection.shoperAuth}`).check();
  const fields = {
    "shop-url": connection.shopUrl,
    "systim-account": connection.systimAccount,
    "systim-login": connection.systimLogin,
    "systim-key": connection.systimKey,
    ...(connection.shoperAuth === "token"
      ? { "shoper-token": connection.shoperToken }
      : { "shoper-login": connection.shoperLogin, "shoper-password": connection.shoperPassword }),
  };
  for (const [id, value] of Object.entries(fields)) await byTestId(page, id).fill(value);
}

/** Clicks "Zapisz połączenie" and gives back the notice it ends with. */
export async function saveConnection(page) {
  await clearRegion(page, "connection-message");
  await byTestId(page, "save-connection").click();
  return notice(page, "connection-message");
}

/** Clicks "Sprawdź połączenie"; gives back `{summary, checks: [{id, status, text}]}` as shown. */
export async function testConnection(page) {
  await clearRegion(page, "connection-message");
  await byTestId(page, "test-connection").click();
  const summary = await notice(page, "connection-message", { timeout: 60_000 });
  const checks = await page.locator('[data-testid="checks"] > li').evaluateAll((items) =>
    items.map((li) => ({ id: li.dataset.testid.replace(/^check-/, ""), status: li.dataset.status, text: li.innerText.trim() })),
  );
  return { summary, checks };
}

async function clearRegion(page, regionId) {
  await page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.replaceChildren(), regionId);
}

/**
 * Sets fields of the settings form and clicks "Zapisz ustawienia". `fields` maps a control's
 * data-testid to a value: a string is typed, a boolean (un)checks, `{radio: true}` picks it.
 */
export async function saveSettingsForm(page, fields) {
  await byTestId(page, "f-orders-enabled").waitFor();
  for (const [id, value] of Object.entries(fields)) {
    const control = byTestId(page, id);
    if (typeof value === "boolean") await control.setChecked(value);
    else if (value?.radio) await control.check();
    else if (value?.select) await control.selectOption(value.select);
    else await control.fill(String(value));
  }
  await clearRegion(page, "settings-message");
  await byTestId(page, "save-settings").click();
  return notice(page, "settings-message");
}

/** The first-time setup on the options page: connection saved, then tested. */
export async function setUpConnection(page, connection) {
  await fillConnection(page, connection);
  const saved = await saveConnection(page);
  if (saved.kind !== "success") throw new Error(`the connection was not saved: ${saved.text}`);
  return testConnection(page);
}

// --- pick lists (names instead of ids) ---------------------------------------------------------

/** Waits until the settings form has its lists of names (`listChoices` answered). */
export async function choicesLoaded(page) {
  await byTestId(page, "f-orders-enabled").waitFor();
  await page.locator('#settings-form[data-choices="loaded"]').waitFor({ state: "attached", timeout: 30_000 });
}

/** Chooses the entry named `name` (a string: exactly; a RegExp: the first that matches) in a pick list. */
export async function pickByName(page, testid, name) {
  const select = byTestId(page, testid);
  await select.waitFor();
  const labels = async () => select.locator("option").allTextContents();
  const wanted = async () => (await labels()).find((l) => (typeof name === "string" ? l === name : name.test(l)));
  const deadline = Date.now() + 15_000;
  while (!(await wanted()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const label = await wanted();
  if (!label) throw new Error(`${testid}: no entry ${name} in ${JSON.stringify(await labels())}`);
  await select.selectOption({ label });
  return label;
}

/** Ticks the boxes named `names` in a list of boxes (statuses, Systim stores). */
export async function tickByName(page, testid, names) {
  for (const name of names) await byTestId(page, testid).locator("label", { hasText: name }).locator("input").check();
}

/** Searches a product (code or name) and chooses the entry whose label starts with `code`. */
export async function pickProduct(page, testid, code) {
  await byTestId(page, `${testid}-search`).fill(code);
  return pickByName(page, testid, new RegExp(`^${code} — `));
}

/** "Zaproponuj przypisania", then "Akceptuj" on the proposals whose text matches each of `which`. */
export async function acceptProposals(page, rowsTestid, which) {
  await byTestId(page, `${rowsTestid}-suggest`).click();
  const proposals = byTestId(page, `${rowsTestid}-proposals`);
  await proposals.locator(`[data-testid="${rowsTestid}-proposal"], [data-testid="${rowsTestid}-no-proposals"]`).first().waitFor();
  const accepted = [];
  for (const pattern of which) {
    const item = proposals.locator(`[data-testid="${rowsTestid}-proposal"]`, { hasText: pattern }).first();
    accepted.push(await item.locator("span").first().textContent());
    await item.locator(`[data-testid="${rowsTestid}-accept"]`).click();
  }
  return accepted;
}

/**
 * The demo's settings chosen by name in the pick lists (README "Demo"); not saved yet (the demo
 * takes its screenshot first). Only what Systim lists no names for is typed: the delivery method
 * on an account without `listDeliveryMethods`. Gives what was chosen, as lines to print.
 */
export async function demoSettingsByName(page, { categoryName = null } = {}) {
  await choicesLoaded(page);
  const chosen = [];
  await byTestId(page, "f-orders-start-date").check();
  await byTestId(page, "f-orders-start-date-value").fill("2026-11-01");
  chosen.push("orders from 2026-11-01");
  chosen.push(`default payment: ${await pickByName(page, "f-orders-default_payment_id", "przelew")}`);
  if (await byTestId(page, "f-orders-default_delivery_id").isVisible()) {
    chosen.push(`default delivery: ${await pickByName(page, "f-orders-default_delivery_id", /^Przesyłka kurierska$/)}`);
  } else {
    await byTestId(page, "f-orders-default_delivery_id-typed").fill("1");
    chosen.push("default delivery: 1 (typed: the Systim account lists no delivery methods)");
  }
  chosen.push(`shipping line: ${await pickProduct(page, "f-orders-shipping_product_id", "DOSTAWA")}`);
  chosen.push(`payments accepted: ${(await acceptProposals(page, "f-orders-payment_mapping", ["Przelew tradycyjny"])).join(", ")}`);
  if (categoryName !== null) {
    // an account that lists no categories, as the connection test advises
    await byTestId(page, "f-stock-require_same_category").setChecked(false);
    chosen.push(`Systim lists no categories: the same-category rule off, new products into ${await pickByName(page, "f-products-default_category_id", categoryName)}`);
  }
  return chosen;
}

/** Clicks "Zapisz ustawienia" and reads its notice. */
export async function clickSaveSettings(page) {
  await clearRegion(page, "settings-message");
  await byTestId(page, "save-settings").click();
  return notice(page, "settings-message");
}

// --- popup ---------------------------------------------------------------------------------

/** The run id of the report the page shows now (null for none). */
export const shownRunId = (page) =>
  page.locator('[data-testid="report-view"]').first().getAttribute("data-run-id", { timeout: 1000 }).catch(() => null);

/**
 * Clicks one of the popup's run buttons (`orders`, `send_stock`, `send_products`) with "Podgląd"
 * on or off, waits until the popup shows the report of this new run and reads it off the page.
 */
export async function runFromPopup(popup, kind, { preview = false, timeout = 120_000 } = {}) {
  await byTestId(popup, "preview").setChecked(preview);
  const button = byTestId(popup, `run-${kind}`);
  await until(() => button.isEnabled(), { what: `the ${kind} button to be enabled` });
  const before = await shownRunId(popup);
  await button.click();
  await until(async () => {
    const id = await shownRunId(popup);
    return id && id !== before;
  }, { timeout, what: `the report of the ${kind} run in the popup` });
  return readReport(popup);
}

/** The report as the page renders it: headline, outcome, and per area counts and problem groups. */
export function readReport(page) {
  return page.locator('[data-testid="report-view"]').first().evaluate((view) => {
    const text = (el) => (el?.textContent ?? "").trim();
    const group = (g) => ({
      reason: g.dataset.reason,
      count: Number(text(g.querySelector("summary .count"))),
      title: text(g.querySelector("summary")).replace(/^\d+\s*/, ""),
      advice: text(g.querySelector(".advice")),
      items: [...g.querySelectorAll("ul.items > li:not(.muted)")].map((li) => text(li)),
    });
    return {
      runId: view.dataset.runId,
      outcome: view.querySelector('[data-testid="outcome"]')?.dataset.outcome,
      preview: Boolean(view.querySelector(".report-head .pill.preview")),
      headline: text(view.querySelector('[data-testid="report-headline"]')),
      error: text(view.querySelector('[data-testid="report-error"]')) || null,
      sections: [...view.querySelectorAll("[data-testid^=report-section-]")].map((s) => ({
        kind: s.dataset.kind,
        counts: Object.fromEntries(
          [...s.querySelectorAll(".count-box")].map((box) => [
            box.className.match(/count-(considered|done|skipped|failed)/)[1],
            Number(text(box.querySelector("dd"))),
          ]),
        ),
        problems: [...s.querySelectorAll('[data-testid="problem-group"]')].map(group),
        notes: [...s.querySelectorAll('[data-testid="note-group"]')].map(group),
        done: [...s.querySelectorAll(".done-list ul.items > li")].map((li) => text(li)),
      })),
    };
  });
}

/** "Eksportuj produkty do CSV" on a page: the downloaded file's name and text. */
export async function exportCsvFromPage(page) {
  const [download] = await Promise.all([page.waitForEvent("download"), byTestId(page, "export-csv").click()]);
  const stream = await download.createReadStream();
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { filename: download.suggestedFilename(), content: Buffer.concat(chunks).toString("utf8") };
}

// --- admin panel ---------------------------------------------------------------------------

/**
 * The content script's badges on an admin page, once each has its answer:
 * `{"<order id>": {state, text, after}}` (from inside their closed shadow roots: lib/widgets.mjs).
 */
export async function orderBadges(page, { timeout = 20_000 } = {}) {
  return until(async () => {
    const badges = (await readWidgets(page))?.badges ?? {};
    const states = Object.values(badges).map((b) => b.state);
    return states.length && !states.includes("loading") ? badges : null;
  }, { timeout, what: "the order badges on the admin page" });
}

/** The "Systim" widget as it is now (`{open, sync, current, …}`), once the content script drew it. */
export async function systimWidget(page, { timeout = 20_000 } = {}) {
  return until(async () => (await readWidgets(page))?.panel ?? null, { timeout, what: "the Systim button on the admin page" });
}

/**
 * Clicks inside the admin panel's "Systim" widget as a mouse does (a closed shadow root: only
 * coordinates reach it). `item`: "toggle", or the menu's "sync" / "report" (opening it first).
 */
export async function clickSystimWidget(page, item) {
  let panel = await systimWidget(page);
  if (item !== "toggle" && !panel.open) {
    await page.mouse.click(panel.toggle.x, panel.toggle.y);
    panel = await until(async () => {
      const now = await systimWidget(page);
      return now.open ? now : null;
    }, { what: "the Systim menu to open" });
  }
  const at = { toggle: panel.toggle, sync: panel.syncNow, report: panel.report }[item];
  await page.mouse.click(at.x, at.y);
}
