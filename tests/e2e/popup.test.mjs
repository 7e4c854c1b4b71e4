// The popup's actions, each previewed and then run: what the report says is what the sandbox
// holds afterwards; previews write nothing; the CSV downloads; progress survives a reopened popup.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { extensionOnSandbox } from "./lib/fixture.mjs";
import { byTestId, exportCsvFromPage, runFromPopup } from "./lib/flows.mjs";
import { checkAgainstState, checkCsv, sectionOf, writableState } from "./lib/report.mjs";

const POPUP = { width: 400, height: 600 };
let env;
let popup;
before(async () => {
  env = await extensionOnSandbox();
  popup = await env.browser.open("popup.html", POPUP);
});
after(() => env?.close());

const reportOf = async (shown) => (await env.send({ type: "getReport", runId: shown.runId })).report;

/** Every failed check, with its detail (empty when the state is what the report says). */
const failures = (checks) => checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.detail ?? ""}`);

/** Preview then run `kind` from the popup; asserts the preview wrote nothing. Gives both reports. */
async function previewThenRun(kind) {
  const untouched = writableState(await env.sandbox.state());
  const preview = await runFromPopup(popup, kind, { preview: true });
  assert.ok(preview.preview, "the report is marked as a preview");
  assert.equal(writableState(await env.sandbox.state()), untouched, "the preview wrote nothing");
  const run = await runFromPopup(popup, kind, { preview: false });
  assert.ok(!run.preview && !run.error, `the run ended without an error (${run.outcome}: ${run.error})`);
  return { preview, run, previewReport: await reportOf(preview), report: await reportOf(run) };
}

test("Synchronizuj zamówienia: preview, then the orders it named are imported, the held ones are not", async () => {
  const { preview, run, previewReport, report } = await previewThenRun("orders");
  const planned = sectionOf(previewReport, "orders").done.map((d) => d.ref);
  assert.ok(planned.length > 0, "the preview lists orders to import");
  assert.deepEqual(sectionOf(report, "orders").done.map((d) => d.ref), planned, "the run imports what the preview listed");
  assert.deepEqual(failures(checkAgainstState(await env.sandbox.state(), { orderReports: [report] })), []);
  const orders = run.sections.find((s) => s.kind === "orders");
  assert.ok(orders.problems.length > 0, "held orders are grouped by reason in the popup");
  assert.ok(orders.problems.every((g) => g.advice && g.count === g.items.length), "each group says what to do");
  assert.ok(preview.headline.startsWith("Podgląd"), preview.headline);
});

test("Wyślij stany: preview, then the shop holds the stock values the report lists", async () => {
  const { previewReport, report } = await previewThenRun("send_stock");
  const stock = sectionOf(report, "stock");
  // orders were imported by the previous test: the preview's reservations are the run's
  assert.equal(stock.counts.done, sectionOf(previewReport, "stock").counts.done, "the preview's count came true");
  assert.ok(stock.counts.done > 0 && stock.problems.length > 0);
  assert.deepEqual(failures(checkAgainstState(await env.sandbox.state(), { stockReport: report })), []);
});

test("Wyślij produkty: preview, then each product reported created exists once in the shop", async () => {
  const before = (await env.sandbox.state()).shoper.products.length;
  const { previewReport, report } = await previewThenRun("send_products");
  const created = sectionOf(report, "products");
  assert.ok(created.counts.done > 0);
  assert.deepEqual(created.done.map((d) => d.ref), sectionOf(previewReport, "products").done.map((d) => d.ref));
  const checks = checkAgainstState(await env.sandbox.state(), { productsReport: report, shopProductsBefore: before });
  assert.deepEqual(failures(checks), []);
  const again = await runFromPopup(popup, "send_products");
  assert.equal(again.sections.find((s) => s.kind === "products").counts.done, 0, "a second run creates nothing");
});

test("Eksportuj produkty do CSV downloads a file with a row per Systim product", async () => {
  const csv = await exportCsvFromPage(popup);
  assert.match(csv.filename, /\.csv$/);
  const check = checkCsv(csv.content, await env.sandbox.state());
  assert.ok(check.ok, `${check.what} ${check.detail ?? ""}`);
  assert.match(await byTestId(popup, "message").textContent(), new RegExp(csv.filename.replace(/\./g, "\\.")));
});

test("the progress bar of a run survives closing and reopening the popup", async () => {
  // a slow shop (each of the next calls answers after 2 s) makes the run last long enough
  await env.sandbox.faults({ slow_ms: 2000, rules: [{ service: "shoper", kind: "slow", count: 4 }] });
  try {
    await byTestId(popup, "preview").setChecked(false);
    await byTestId(popup, "run-send_stock").click();
    const bar = byTestId(popup, "progress");
    await bar.waitFor({ timeout: 10_000 });
    const runId = await bar.getAttribute("data-run-id");
    await popup.close();

    popup = await env.browser.open("popup.html", POPUP);
    const reopened = byTestId(popup, "progress");
    await reopened.waitFor({ timeout: 10_000 });
    assert.equal(await reopened.getAttribute("data-run-id"), runId, "the same run is shown under way");
    assert.match(await byTestId(popup, "progress-phase").textContent(), /\S/, "with its phase");
    assert.ok(await byTestId(popup, "run-orders").isDisabled(), "no second run can start meanwhile");
    await popup.locator(`[data-testid="report-view"][data-run-id="${runId}"]`).waitFor({ timeout: 90_000 });
    assert.equal(await reopened.count(), 0, "the bar is gone once the report is shown");
  } finally {
    await env.sandbox.clearFaults();
  }
});
