// The browser soak (docs/soak.md): the shipped wasm (`target/pkg`, the exports the extension's
// background calls) in headless Chromium and headless Firefox, against the HTTP sandbox with
// random faults, restarts of the page mid-run, customers ordering, stock changing and products
// added to Systim — so that the browser's own network stack (connection reuse, and its resend of
// a request whose reused connection closed before any byte of the answer) is in the loop. After
// one browser's soak: faults off, two fault-free runs, then the native soak's audit
// (tests/soak/audit.rs through audit.rs here) and the figures of issue #11.
//
//   node tests/e2e/soak/soak.mjs [--browsers chromium,firefox] [--orders 300] [--products 200]
//        [--seed 2026] [--rate 0.10] [--out target/soak/browser.json] [--merge target/soak/report.json]
//        [--patience 4000] [--sleep-cap 1000] [--kinds http500,slow,…]   (default: every kind the sandbox accepts)
//        [--systim-profile generous|strict]   (default generous: `listOrders`, so copies can be found)
//
// Needs `./build.sh` (target/pkg), `cargo build -p sandbox --release --bin sandbox` and
// `cargo build --release --example browser_soak_audit`. Exit code 1 when, in any browser, a
// must-be-zero figure of the audit (`copies_unreported`, `products_duplicated_left`, `missing`,
// `stock_mismatches`, … : tests/soak/audit.rs `failed_gates`) is not 0, or the soak disturbed nothing.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { paths } from "../lib/paths.mjs";
import { startSandbox, systimProductId } from "../lib/sandbox.mjs";
import { openPage, startPageServer } from "./pages.mjs";
import { READY, Rng, SHIPPED, World } from "./world.mjs";

const { values: args } = parseArgs({
  options: {
    browsers: { type: "string", default: "chromium,firefox" },
    orders: { type: "string", default: "300" },
    products: { type: "string", default: "200" },
    seed: { type: "string", default: "2026" },
    rate: { type: "string", default: "0.10" },
    out: { type: "string", default: path.join(paths.root, "target/soak/browser.json") },
    merge: { type: "string" },
    patience: { type: "string", default: "4000" },
    "sleep-cap": { type: "string", default: "1000" },
    kinds: { type: "string" },
    "systim-profile": { type: "string", default: "generous" },
    wz: { type: "boolean", default: false },
  },
});

const CFG = {
  browsers: args.browsers.split(",").map((b) => b.trim()).filter(Boolean),
  orders: Number(args.orders),
  products: Number(args.products),
  seed: Number(args.seed),
  rate: Number(args.rate),
  /** How long the page waits for an answer (the engine's 30 s deadline, shortened). */
  patienceMs: Number(args.patience),
  /** The longest real wait of one of the engine's sleeps; the rest passes on the wasm's clock. */
  sleepCapMs: Number(args["sleep-cap"]),
  out: path.resolve(args.out),
  systimProfile: args["systim-profile"],
  /** The WZ of every document issued by the extension, the document at an open status (docs/soak.md). */
  wz: args.wz,
};
/** A "slow" answer comes this late: past the page's patience, so it is a timeout. */
const SLOW_MS = CFG.patienceMs + 1000;
/** The engine takes over a lock older than this (src/engine/lock.rs), plus a margin. */
const LOCK_JUMP_MS = 120_000 + 1000;
/**
 * Share of runs killed part-way (as natively), and within how many API calls of their start (a run
 * here makes some 8 to 40, 15 as a rule: calls_per_run in the report).
 */
const KILL_CHANCE = 0.15;
const CALLS_PER_RUN = 20;
/** A run that has not ended after this long is a failure of the soak. */
const RUN_DEADLINE_MS = 10 * 60_000;
/** A run without a report (refused as busy) has ended when this many probes in a row saw none. */
const IDLE_PROBES = 50;
/** Fault kinds this driver knows; the sandbox's own list (probed) wins. */
const KNOWN_KINDS = ["http500", "http503", "http429", "html_page", "slow", "drop_after_commit", "write_then_close", "close_before_write",
  "reset_mid_answer", "write_then_close_then_429", "drop_after_commit_then_429"];
const AUDIT_BIN = path.join(paths.root, "target/release/examples/browser_soak_audit");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (browser, text) => console.log(`soak[${browser}]: ${text}`);

/** Mostly automatic runs, now and then the merchant's buttons (the native soak's mix). */
function pickKind(rng) {
  const n = rng.below(20);
  if (n <= 11) return "auto";
  if (n <= 14) return "send_stock";
  if (n <= 16) return "orders";
  if (n <= 18) return "stock";
  return "send_products";
}

/**
 * The fault kinds the running sandbox accepts: serde's refusal of an unknown kind lists them all
 * ("unknown variant `x`, expected one of `http500`, …"); if it does not, each known kind is tried.
 */
async function probeFaultKinds(sandbox) {
  let kinds = [];
  try {
    await sandbox.faults({ random: { rate: 0, seed: 1, kinds: ["__no_such_kind__"] } });
  } catch (e) {
    const listed = String(e.message).match(/expected one of (.*)$/);
    if (listed) kinds = [...listed[1].matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]);
  }
  if (!kinds.length) {
    for (const kind of KNOWN_KINDS) {
      try {
        await sandbox.faults({ random: { rate: 0, seed: 1, kinds: [kind] } });
        kinds.push(kind);
      } catch {
        /* not this sandbox's */
      }
    }
  }
  await sandbox.clearFaults();
  return kinds;
}

/** The audit's verdict (JSON); it exits 1 when a must-be-zero figure is not zero — still a verdict. */
function audit(mode, file) {
  if (!fs.existsSync(AUDIT_BIN)) throw new Error(`${AUDIT_BIN} is missing: cargo build --release --example browser_soak_audit`);
  try {
    return JSON.parse(execFileSync(AUDIT_BIN, [mode, file], { maxBuffer: 1 << 30 }).toString());
  } catch (e) {
    if (e.status === 1 && e.stdout?.length) return JSON.parse(e.stdout.toString());
    throw e;
  }
}

async function soakOne(browser, server) {
  const timings = {};
  let t = Date.now();
  const lap = (name) => {
    timings[name] = Math.round((Date.now() - t) / 100) / 10;
    t = Date.now();
  };
  // what this browser's soak saved (the audit's input, the badges): next to the report
  const dir = path.join(path.dirname(CFG.out), `${path.basename(CFG.out, ".json")}-${browser}`);
  fs.mkdirSync(dir, { recursive: true });
  const sandbox = await startSandbox({ scenario: "demo", systimProfile: CFG.systimProfile });
  let page = null;
  try {
    // The shop's own leaky bucket off: the page's waits are real, and a soak at the shop's real
    // pace would take hours; only injected 429s remain (as in `./build.sh soak --http`).
    await sandbox.shoperConfig({ rate_limit: false });
    const accepted = await probeFaultKinds(sandbox);
    const kinds = args.kinds ? args.kinds.split(",").filter((k) => accepted.includes(k)) : accepted;
    const start = await sandbox.state();
    const world = new World(sandbox, start, [], CFG.seed, { wz: CFG.wz });
    const dictionaries = {
      taxes: (await world.shopRest("GET", "taxes?limit=50")).list,
      units: (await world.shopRest("GET", "units?limit=50")).list,
    };
    const startFile = path.join(dir, "start.json");
    fs.writeFileSync(startFile, JSON.stringify({ state: start, dictionaries }));
    world.pairs = audit("pairs", startFile);
    log(browser, `sandbox ${sandbox.info.shoper} / ${sandbox.info.systim}; fault kinds: ${kinds.join(", ")}; ${world.pairs.length} stock pairs`);

    page = await openPage(browser, `${server.origin}/harness.html?patience=${CFG.patienceMs}&sleepCap=${CFG.sleepCapMs}`);
    log(browser, page.userAgent);
    const send = (message, sender) => page.call("send", ...(sender ? [message, sender] : [message]));
    const saved = await send({ type: "saveConnection", connection: sandbox.connection() });
    if (!saved?.ok) throw new Error(`saveConnection: ${JSON.stringify(saved)}`);
    const { settings } = await send({ type: "getSettings" });
    // The native soak's settings (tests/common/harness.rs demo_settings), and products created on
    // automatic runs too, so that product creations meet the faults often.
    settings.orders.start = { kind: "date", value: "2026-11-01" };
    settings.orders.shipping_product_id = systimProductId(start, "DOSTAWA");
    settings.orders.default_delivery_id = 1;
    settings.orders.default_payment_id = 1;
    settings.orders.payment_mapping = [{ shop_id: 1, systim_id: 1 }];
    settings.products.auto_create = true;
    // Sales documents on (issue #16), as in the native soak: every order the world ships gets one.
    settings.orders.link_contractors = true;
    settings.invoicing = { ...settings.invoicing, enabled: true, trigger_statuses: [CFG.wz ? READY : SHIPPED] };
    if (CFG.wz) Object.assign(settings.invoicing, { issue_wz: true, wz_store_id: start.systim.stores[0].id });
    if (CFG.systimProfile === "strict") {
      // An account that lists no categories: what the connection test advises (as the harness).
      settings.stock.require_same_category = false;
      settings.products.default_category_id = Number(start.shoper.categories[0].category_id);
    }
    const savedSettings = await send({ type: "saveSettings", settings });
    if (!savedSettings?.ok) throw new Error(`saveSettings: ${JSON.stringify(savedSettings)}`);
    lap("setup_s");

    const rng = new Rng(CFG.seed ^ 0x50a4);
    /** `calls`: requests the core made in each run that ended (not killed). */
    const runs = { total: 0, byOutcome: {}, byKind: {}, busy: 0, killed: 0, calls: [] };
    /** What the merchant was told after each run: the reports' problems (the audit reads them). */
    const toldReports = [];
    const readReport = async (runId) => {
      const { report } = await send({ type: "getReport", runId });
      if (!report) return null;
      runs.byOutcome[report.outcome] = (runs.byOutcome[report.outcome] ?? 0) + 1;
      const sections = (report.sections ?? []).map((s) => ({ kind: s.kind, problems: s.problems ?? [] })).filter((s) => s.problems.length);
      if (sections.length) toldReports.push({ runId, sections });
      return report;
    };
    const armFaults = (step) =>
      sandbox.faults({ random: { rate: CFG.rate, seed: CFG.seed * 1000 + step, kinds }, slow_ms: SLOW_MS });

    /**
     * One run: started with its kill and disturbance armed in the page (both by the number of the
     * core's requests, exactly), watched until it ends — its report read — or the page restarted.
     */
    const run = async (request, { kill = null, disturbance = null } = {}) => {
      runs.total += 1;
      runs.byKind[request.kind] = (runs.byKind[request.kind] ?? 0) + 1;
      const { bootId, fetches } = await page.call("probe");
      await page.call("arm", {
        killAt: kill ? kill.atCall : null,
        commitLast: Boolean(kill?.commitLast),
        hookAt: disturbance ? disturbance.atCall : null,
        hook: disturbance ? { method: "POST", url: `${sandbox.info.control}${disturbance.route}` } : null,
      });
      let started = await send({ type: "run", dryRun: false, ...request });
      if (started?.error?.code === "busy") {
        // A lock left by something the driver did not see die: outlive it, as a next alarm would.
        runs.busy += 1;
        await page.call("jumpClock", LOCK_JUMP_MS);
        started = await send({ type: "run", dryRun: false, ...request });
      }
      if (!started?.ok) throw new Error(`run ${request.kind} (step ${runs.total}, ${runs.killed} restarts so far): ${JSON.stringify(started)}; status ${JSON.stringify(await send({ type: "getStatus" }))}`);
      const deadline = Date.now() + RUN_DEADLINE_MS;
      let idle = 0;
      for (;;) {
        await sleep(40);
        if (Date.now() > deadline) {
          throw new Error(`run ${request.kind} ${started.runId} did not end within ${RUN_DEADLINE_MS / 1000} s`);
        }
        let probe;
        try {
          probe = await page.call("probe");
        } catch {
          continue; // the page is reloading
        }
        if (probe.bootId !== bootId) {
          // Killed and started again with its storage: the next run outlives the dead one's lock.
          runs.killed += 1;
          await page.call("jumpClock", LOCK_JUMP_MS);
          return { killed: true };
        }
        if (probe.running || probe.frozen) {
          idle = 0;
          continue;
        }
        // Ended: its report is there. (`getStatus` may miss a run under way for a moment — seen
        // here once per run or so since the 0.2.0 merges — so "not running" alone must last.)
        idle += 1;
        if ((await send({ type: "getReport", runId: started.runId }))?.report?.finishedMs || idle >= IDLE_PROBES) break;
      }
      await page.call("arm", null);
      runs.calls.push((await page.call("probe")).fetches - fetches);
      return { killed: false, report: await readReport(started.runId) };
    };

    let step = 0;
    while (world.placed < CFG.orders || world.added.length < CFG.products) {
      await sandbox.clearFaults();
      const disturbance = await world.step({ addProducts: world.added.length < CFG.products });
      await armFaults(step);
      const kind = pickKind(rng);
      const kill = rng.chance(KILL_CHANCE) ? { atCall: 1 + rng.below(CALLS_PER_RUN), commitLast: rng.chance(0.5) } : null;
      await run({ kind }, { kill, disturbance });
      step += 1;
      if (step % 10 === 0) {
        const s = await page.call("stats");
        log(browser, `step ${step}: ${world.placed}/${CFG.orders} orders, ${world.added.length}/${CFG.products} products added, ${runs.killed} restarts, clock +${Math.round(s.clockOffsetMs / 60000)} min`);
      }
    }
    lap("soak_s");

    // Faults off; two fault-free runs (the second sees what the first settled, as natively).
    await sandbox.clearFaults();
    await page.call("jumpClock", LOCK_JUMP_MS);
    if (CFG.wz) {
      // The merchant reads the reports and decides what they held by looking in Systim (as the
      // native WZ soak): an import or a WZ without a clear answer — there, or to be sent again;
      // one fault-free orders run then sends what is due.
      const held = (reason) =>
        new Set(
          toldReports.flatMap((r) => r.sections.flatMap((s) => s.problems.filter((g) => g.reason === reason).flatMap((g) => g.items.map((i) => Number(String(i.ref).match(/(\d+)\s*$/)?.[1]))))),
        );
      const state = await sandbox.state();
      const marked = (rows) => new Set(rows.map((r) => Number(String(r.uwagi ?? "").match(/^\s*Shoper (\d+) @ /)?.[1])).filter(Boolean));
      const imported = marked(state.systim.orders);
      const invoiceOrder = new Map(state.systim.invoices.map((d) => [d.id, Number(String(d.uwagi ?? "").match(/^\s*Shoper (\d+) @ /)?.[1])]));
      const withWz = new Set((state.systim.documents ?? []).filter((d) => d.rodzaj === 4 && invoiceOrder.has(d.id_faktury)).map((d) => invoiceOrder.get(d.id_faktury)));
      for (const orderId of held("import_unverifiable")) {
        await send({ type: "resolveOrder", orderId, decision: imported.has(orderId) ? "in_systim" : "send_again" });
      }
      for (const orderId of held("wz_unverifiable")) {
        await send({ type: "resolveDocument", orderId, decision: withWz.has(orderId) ? "in_systim" : "send_again" });
      }
      await run({ kind: "orders" });
      await world.absorbWzs();
    }
    const finals = [];
    for (let i = 0; i < 2; i++) {
      const { report } = await run({ kind: "send_products", confirmZeroing: true });
      finals.push({ outcome: report?.outcome, error: report?.error ?? null, headline: report?.headline_pl });
    }
    const shopUrl = sandbox.info.shoper;
    const end = await sandbox.state();
    const adminSender = { kind: "content_script", url: `${shopUrl}/admin/orders`, tabId: 1 };
    const orderIds = end.shoper.orders.map((o) => Number(o.order_id));
    const badges = {};
    for (let i = 0; i < orderIds.length; i += 200) {
      const answer = await send({ type: "orderBadges", orderIds: orderIds.slice(i, i + 200) }, adminSender);
      Object.assign(badges, answer?.badges ?? {});
    }
    const stats = await page.call("stats");
    lap("final_s");

    const endLog = (await sandbox.log(0)).entries;
    const soakFile = path.join(dir, "soak.json");
    fs.writeFileSync(
      soakFile,
      JSON.stringify({ start: { state: start, dictionaries }, end: { state: end, log: endLog }, changes: world.changes, told: { reports: toldReports, badges }, wz: CFG.wz }),
    );
    const verdict = audit("audit", soakFile);
    const figures = extraFigures({ verdict, endLog, start, end, world, stats, kinds, runs, finals });
    figures.browser = browser;
    fs.writeFileSync(path.join(dir, "badges.json"), JSON.stringify(badges, null, 1));
    lap("audit_s");
    figures.timings = { ...timings, total_s: Math.round(Object.values(timings).reduce((a, b) => a + b, 0) * 10) / 10 };
    return figures;
  } finally {
    await page?.close().catch(() => {});
    await sandbox.stop();
  }
}

/** Issue #11's figures for one browser: the audit's (verdict.figures), and what only the log and the driver know. */
function extraFigures({ verdict, endLog, start, end, world, stats, kinds, runs, finals }) {
  const f = verdict.figures;
  // Faults by kind, from the sandbox's log; resends as the log marks them (once it does).
  const faultsByKind = {};
  for (const e of endLog) if (e.fault) faultsByKind[e.fault] = (faultsByKind[e.fault] ?? 0) + 1;
  const marksResends = endLog.some((e) => "resend" in e || "resent" in e);
  const resends = inferResends(endLog);
  const startCodes = new Set(start.shoper.products.map((p) => p.code));
  const createdCodes = new Set(end.shoper.products.map((p) => p.code).filter((c) => !startCodes.has(c)));
  const apiRequests = endLog.length;
  return {
    seed: CFG.seed,
    fault_rate: CFG.rate,
    fault_kinds: kinds,
    systim_profile: CFG.systimProfile,
    // the audit's figures (tests/soak/audit.rs): the native soak's and issue #11's
    // (orders_in_systim, copies_made, copies_unreported, products_duplicated_left, missing, …)
    ...f,
    orders_placed: world.placed,
    faults_injected: f.faults_injected + world.disturbances,
    restarts: runs.killed,
    runs: runs.total,
    failed_gates: verdict.failed_gates,
    faults_by_kind: faultsByKind,
    disturbances: world.disturbances,
    resends_seen: marksResends ? endLog.filter((e) => e.resend === true || e.resent === true).length : null,
    resends_seen_by_what: marksResends ? countBy(endLog.filter((e) => e.resend === true || e.resent === true), resendKind) : null,
    resends_inferred: resends,
    api_requests_logged: apiRequests,
    page_fetches: stats.fetches,
    driver_api_calls: world.apiCalls,
    products_added_to_systim: world.added.length,
    products_created: createdCodes.size,
    runs_by_kind: runs.byKind,
    runs_by_outcome: runs.byOutcome,
    runs_busy: runs.busy,
    calls_per_run: percentiles(runs.calls),
    final_runs: finals,
    clock_offset_min: Math.round(stats.clockOffsetMs / 6000) / 10,
    virtual_sleep_min: Math.round(stats.virtualSleepMs / 6000) / 10,
    clean: verdict.clean,
    unreported_orders: verdict.unreported_orders,
    duplicated_codes: verdict.duplicated_codes,
    details: verdict.details.slice(0, 50),
  };
}

/** Within this long of a request whose answer was lost, the same request again is the browser's. */
const RESEND_WINDOW_MS = 50;

/**
 * What a resent request did: `shoper_creations` (a /bulk creating products), `shoper_stock_writes`
 * (a /bulk of stock PUTs), `shoper_other`, `systim_<method>`.
 */
function resendKind(e) {
  const ops = Array.isArray(e.body) ? e.body : [];
  if (e.service === "systim") return `systim_${e.act}`;
  if (ops.some((op) => op?.method === "POST")) return "shoper_creations";
  if (ops.some((op) => op?.method === "PUT" && /product-stocks/.test(op?.path ?? ""))) return "shoper_stock_writes";
  return "shoper_other";
}

function countBy(entries, key) {
  const out = {};
  for (const e of entries) out[key(e)] = (out[key(e)] ?? 0) + 1;
  return out;
}

/**
 * Requests the browser sent again by itself, inferred from the sandbox's log alone (a cross-check
 * of its own `resend` marks, and the only source where it has none): right after a request whose
 * answer never left the server (the connection closed), the same request — same method and path,
 * the same body (Shoper; Systim's bodies are not logged: the same method) — within
 * RESEND_WINDOW_MS. The engine never repeats a request that fast (its retries wait a backoff).
 */
function inferResends(entries) {
  const found = [];
  const lost = new Map(); // service → the last entry whose answer was not delivered
  for (const e of entries) {
    const before = lost.get(e.service);
    if (before && e.time_ms - before.time_ms <= RESEND_WINDOW_MS && e.method === before.method && e.path === before.path &&
        e.act === before.act && JSON.stringify(e.body ?? null) === JSON.stringify(before.body ?? null)) {
      found.push(e);
    }
    lost.set(e.service, e.delivered === false && e.fault !== "slow" ? e : null);
  }
  return countBy(found, resendKind);
}

/** min, median, 90th percentile and max of a list of numbers. */
function percentiles(list) {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
  return { min: sorted[0] ?? null, median: at(0.5), p90: at(0.9), max: sorted.at(-1) ?? null };
}


async function main() {
  const server = await startPageServer();
  const results = {};
  let failed = false;
  try {
    for (const browser of CFG.browsers) {
      try {
        results[browser] = await soakOne(browser, server);
      } catch (e) {
        failed = true;
        results[browser] = { browser, error: String(e?.stack ?? e) };
        console.error(`soak[${browser}]: FAILED: ${e?.stack ?? e}`);
      }
    }
  } finally {
    await server.close();
  }
  const report = { seed: CFG.seed, fault_rate: CFG.rate, orders: CFG.orders, products: CFG.products, patience_ms: CFG.patienceMs, sleep_cap_ms: CFG.sleepCapMs, browser: results };
  fs.mkdirSync(path.dirname(CFG.out), { recursive: true });
  fs.writeFileSync(CFG.out, JSON.stringify(report, null, 2));
  console.log(`soak: written to ${CFG.out}`);
  if (args.merge) {
    // report.json keeps the native soak's fields and gains the browsers'.
    let native = {};
    try {
      native = JSON.parse(fs.readFileSync(args.merge, "utf8"));
    } catch {
      /* no native report yet */
    }
    native.browser = Object.fromEntries(Object.entries(results).map(([b, r]) => [b, Object.fromEntries(Object.entries(r).filter(([k]) => !["details", "unreported_orders", "duplicated_codes"].includes(k)))]));
    fs.writeFileSync(args.merge, JSON.stringify(native, null, 2));
    console.log(`soak: merged into ${args.merge}`);
  }
  for (const [browser, r] of Object.entries(results)) {
    if (r.error) continue;
    const line = (keys) => keys.map((k) => `${k} ${JSON.stringify(r[k])}`).join(", ");
    console.log(`\nsoak[${browser}] ${r.timings.total_s} s: ${line(["orders_placed", "orders_in_systim", "products_created", "runs", "restarts", "faults_injected"])}`);
    console.log(`soak[${browser}] faults by kind: ${JSON.stringify(r.faults_by_kind)}; resends seen ${r.resends_seen === null ? "(the log does not mark them)" : `${r.resends_seen} ${JSON.stringify(r.resends_seen_by_what)}`}, inferred ${JSON.stringify(r.resends_inferred)}`);
    console.log(`soak[${browser}] ${line(["copies_made", "order_copies_made", "product_copies_made", "product_copies_deleted", "order_copies_by_our_code", "copies_unreported", "products_duplicated_left", "missing", "held_with_reason", "stock_mismatches", "unsell_writes", "wrong_orders"])}`);
    console.log(`soak[${browser}] ${line(["documents_issued", "document_copies_made", "document_copies_unreported", "documents_missing", "wrong_documents"])}`);
    if (CFG.wz) console.log(`soak[${browser}] ${line(["wz_issued", "wz_copies_made", "wz_copies_by_our_code", "wz_missing"])}`);
    for (const u of r.unreported_orders.slice(0, 10)) console.log(`soak[${browser}]   unreported copies of order ${u.order_id}: ${u.systim_copies.map((c) => c.numer || c.id).join(", ")} — badge "${u.badge}", in a report: ${u.in_report}`);
    for (const d of r.details.slice(0, 10)) console.log(`soak[${browser}]   ${d}`);
    const bad = Object.entries(r.failed_gates ?? {});
    if (bad.length || !r.clean) {
      failed = true;
      console.log(`soak[${browser}] FAILED: ${bad.map(([k, n]) => `${k} = ${n}`).join(", ")}`);
    }
    if (!(r.faults_injected > 0 && r.restarts > 0)) {
      failed = true;
      console.log(`soak[${browser}] FAILED: the soak disturbed nothing (faults ${r.faults_injected}, restarts ${r.restarts})`);
    }
  }
  console.log(failed ? "\nBROWSER SOAK FAILED" : "\nBROWSER SOAK OK");
  process.exit(failed ? 1 : 0);
}

await main();
