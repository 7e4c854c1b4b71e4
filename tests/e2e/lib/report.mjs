// Reading a run's `Report` (docs/messages.md, as `getReport` answers it) and checking it against
// the sandbox's state: what the merchant is told must be what happened.
import { documentsOf, grosze, importedOrders } from "./sandbox.mjs";

/** The report's section of one area (`orders`, `stock`, `products`), or null. */
export const sectionOf = (report, kind) => report?.sections?.find((s) => s.kind === kind) ?? null;

/** `"Zamówienie 12"` → 12 (order refs end with the Shoper order id). */
export const orderIdOf = (ref) => Number(String(ref).match(/(\d+)\s*$/)?.[1] ?? NaN);

/** Shoper order ids among a section's done items, or among the items of its problem groups. */
export const doneOrderIds = (section) => (section?.done ?? []).map((d) => orderIdOf(d.ref));
export const problemOrderIds = (section) =>
  (section?.problems ?? []).flatMap((g) => g.items.map((i) => orderIdOf(i.ref)));

/** `"stan 17 → 15 (…)"` → 15: a stock item's new value, as a number. */
export function newStockValue(item) {
  const m = String(item.detail_pl).match(/→\s*(-?[\d\s]+(?:,\d+)?)/);
  if (!m) throw new Error(`no new value in the stock item ${item.ref}: ${item.detail_pl}`);
  return Number(m[1].replace(/\s/g, "").replace(",", "."));
}

/** Numbers as the shop stores them ("2.5000") compared as numbers. */
const sameNumber = (a, b) => Math.abs(Number(a) - Number(b)) < 1e-9;

/** Shoper stock rows (main product and variants) whose code is exactly `code`. */
export const shopStockRows = (state, code) =>
  state.shoper.products.flatMap((p) => p.stocks ?? [p.stock]).filter((row) => row.code === code);

/**
 * Checks the sandbox state against reports of runs that wrote (not previews). Each check is
 * `{ok, what, detail?}`; `host` is the shop's host as markers carry it.
 */
export function checkAgainstState(state, { orderReports = [], stockReport = null, productsReport = null, shopProductsBefore = null }) {
  const checks = [];
  const check = (ok, what, detail) => checks.push({ ok: Boolean(ok), what, detail });

  if (orderReports.length) {
    const imported = importedOrders(state);
    const reported = new Set(orderReports.flatMap((r) => doneOrderIds(sectionOf(r, "orders"))));
    const inSystim = [...imported.keys()].sort((a, b) => a - b);
    check(
      inSystim.length === reported.size && inSystim.every((id) => reported.has(id)),
      `orders reported imported (${reported.size}) are the Systim orders with import markers (${inSystim.length})`,
      `reported ${[...reported].sort((a, b) => a - b).join(", ")}; in Systim ${inSystim.join(", ")}`,
    );
    const twice = [...imported].filter(([, orders]) => orders.length > 1).map(([id]) => id);
    check(twice.length === 0, "no order imported twice", twice.length ? `twice: ${twice.join(", ")}` : undefined);
    const held = [...new Set(orderReports.flatMap((r) => problemOrderIds(sectionOf(r, "orders"))))];
    const leaked = held.filter((id) => imported.has(id));
    check(leaked.length === 0, `held orders (${held.length}) are not in Systim`, leaked.length ? `in Systim: ${leaked.join(", ")}` : undefined);
  }

  const stock = sectionOf(stockReport, "stock");
  if (stock) {
    const wrong = stock.done.filter((item) => {
      const rows = shopStockRows(state, item.ref);
      return rows.length !== 1 || !sameNumber(rows[0].stock, newStockValue(item));
    });
    check(
      stock.done.length === stock.counts.done && wrong.length === 0,
      `stock values reported changed (${stock.counts.done}) are in the shop`,
      wrong.length ? `not as reported: ${wrong.map((i) => `${i.ref} (${i.detail_pl})`).join("; ")}` : undefined,
    );
  }

  const products = sectionOf(productsReport, "products");
  if (products) {
    const notOnce = products.done.filter((item) => shopStockRows(state, item.ref).length !== 1);
    check(
      products.done.length === products.counts.done && notOnce.length === 0,
      `products reported created (${products.counts.done}) exist once each in the shop`,
      notOnce.length ? `not exactly once: ${notOnce.map((i) => i.ref).join(", ")}` : undefined,
    );
    if (shopProductsBefore !== null) {
      const added = state.shoper.products.length - shopProductsBefore;
      check(added === products.counts.done, `the shop has ${added} new products, as many as reported created`);
    }
  }
  return checks;
}

/** A fingerprint of everything a run may write (previews must leave it as it was). */
export function writableState(state) {
  return JSON.stringify({
    systimOrders: state.systim.orders.map((o) => o.id),
    shopProducts: state.shoper.products.map((p) => [p.product_id, (p.stocks ?? [p.stock]).map((r) => [r.code, r.stock])]),
  });
}

/** The report as lines of text (for the demo's output): per area the counts, what was done, each group. */
export function reportLines(report, { itemsShown = 8 } = {}) {
  if (!report) return ["(no report)"];
  const lines = [`${report.outcome}${report.dryRun ? " (preview)" : ""}: ${report.headline_pl}`];
  if (report.error) lines.push(`  error: ${report.error.message_pl}`);
  const refs = (items) => {
    const shown = items.slice(0, itemsShown).map((i) => i.ref || "(bez kodu)");
    return items.length > itemsShown ? `${shown.join(", ")}, … (+${items.length - itemsShown})` : shown.join(", ");
  };
  for (const s of report.sections ?? []) {
    const c = s.counts;
    lines.push(`  ${s.kind}: considered ${c.considered}, done ${c.done}, skipped ${c.skipped}, failed ${c.failed}`);
    if (s.done.length) lines.push(`    ${report.dryRun ? "would do" : "done"}: ${refs(s.done)}`);
    for (const g of s.problems ?? []) lines.push(`    ! ${g.title_pl} [${g.reason}] (${g.items.length}): ${refs(g.items)}`);
    for (const g of s.notes ?? []) lines.push(`    i ${g.title_pl} [${g.reason}] (${g.items.length}): ${refs(g.items)}`);
  }
  return lines;
}

/**
 * The admin-panel badges against the state: orders in Systim say "imported", orders held in the
 * latest report say "held", orders placed from the admin panel say "not_imported".
 */
export function checkBadges(badges, state, orderReports) {
  const expected = new Map();
  for (const id of importedOrders(state).keys()) expected.set(id, "imported");
  const latest = orderReports.findLast((r) => sectionOf(r, "orders"));
  for (const id of problemOrderIds(sectionOf(latest, "orders"))) expected.set(id, "held");
  for (const o of state.shoper.orders) if (o.origin === "5") expected.set(Number(o.order_id), "not_imported");
  const wrong = [...expected].filter(([id, state]) => badges[id]?.state !== state);
  return [
    {
      ok: wrong.length === 0,
      what: `admin-panel badges: ${[...expected.values()].filter((s) => s === "imported").length} imported ✓, held and panel orders marked as such`,
      detail: wrong.map(([id, s]) => `#${id}: expected ${s}, shown ${badges[id]?.state ?? "nothing"}`).join("; ") || undefined,
    },
  ];
}

/**
 * The sales documents against the state (issue #16): every order shipped after invoicing was
 * switched on has exactly one document in Systim, with the shop's total; no other order has one;
 * each shipped order's badge names its document.
 */
export function checkDocuments(state, shipped, badges, wzStore = null) {
  const wrong = [];
  const wzWrong = [];
  const wzOf = (doc) => (state.systim.documents ?? []).filter((d) => d.rodzaj === 4 && d.id_faktury === doc.id);
  for (const id of shipped) {
    const docs = documentsOf(state, id);
    const order = state.shoper.orders.find((o) => Number(o.order_id) === id);
    if (docs.length !== 1) wrong.push(`#${id}: ${docs.length} documents`);
    else if (docs[0].kwota_brutto_grosze !== grosze(order.sum)) wrong.push(`#${id}: document ${docs[0].kwota_brutto_grosze} gr, shop ${order.sum}`);
    else if (!badges[id]?.document?.text?.includes(docs[0].numer)) wrong.push(`#${id}: badge ${JSON.stringify(badges[id]?.document ?? null)}`);
    if (wzStore !== null && docs.length === 1) {
      const wz = wzOf(docs[0]);
      if (wz.length !== 1) wzWrong.push(`#${id}: ${wz.length} WZ`);
      else if (wz[0].id_magazynu !== wzStore || !wz[0].lines.length) wzWrong.push(`#${id}: WZ ${JSON.stringify(wz[0])}`);
      else if (!badges[id]?.document?.text?.includes("WZ")) wzWrong.push(`#${id}: the badge does not name the WZ: ${badges[id]?.document?.text}`);
    }
  }
  const others = (state.systim.invoices ?? []).filter((d) => !shipped.some((id) => documentsOf(state, id).includes(d)));
  if (others.length) wrong.push(`documents of other orders: ${others.map((d) => d.uwagi).join(", ")}`);
  const checks = [
    {
      ok: wrong.length === 0,
      what: `sales documents: one for each of the ${shipped.length} shipped orders, with the shop's total, named on its badge; none for other orders`,
      detail: wrong.join("; ") || undefined,
    },
  ];
  if (wzStore !== null) {
    checks.push({ ok: wzWrong.length === 0, what: `WZ: one for each document, from store ${wzStore}, with the order's goods, named on its badge`, detail: wzWrong.join("; ") || undefined });
  }
  return checks;
}

/** `a;"b;c";"d ""e"""` rows → arrays of fields (the export's `;`-separated, quoted CSV). */
export function parseCsv(text, separator = ";") {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[i++];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) (row.push(field), (field = ""));
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      (row = []), (field = "");
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** The product CSV against Systim: one row per product that is goods (services are not exported). */
export function checkCsv(content, state) {
  const [header, ...rows] = parseCsv(content.replace(/^\uFEFF/, ""));
  const codeAt = header.indexOf("product_code");
  const goods = state.systim.products.filter((p) => p.rodzaj === 0);
  const systimCodes = new Set(goods.map((p) => p.kod_produktu));
  const strangers = rows.map((r) => r[codeAt]).filter((code) => !systimCodes.has(code) && !/^SYSTIM-\d+$/.test(code));
  return {
    rows: rows.length,
    ok: codeAt >= 0 && rows.length === goods.length && strangers.length === 0,
    what: `the CSV has a row per Systim product that is goods (${rows.length} of ${goods.length})`,
    detail: strangers.length ? `codes not in Systim: ${strangers.join(", ")}` : undefined,
  };
}

/** Orders the runs left alone on purpose (origin or status not selected), by reason, each once. */
function notForImport(orders) {
  const refs = new Map();
  for (const g of orders.flatMap((o) => o.notes ?? [])) {
    for (const item of g.items) refs.set(item.ref, g.reason);
  }
  const counts = {};
  for (const reason of refs.values()) counts[reason] = (counts[reason] ?? 0) + 1;
  return Object.entries(counts).map(([reason, n]) => `${reason} ${n}`).join(", ") || "none";
}

/** `reason n, reason n` over a section's problem groups (or notes). */
const byReason = (groups) => (groups ?? []).map((g) => `${g.reason} ${g.items.length}`).join(", ") || "none";

/**
 * The demo's closing summary over the reports of the runs that wrote: orders imported and held,
 * stock values changed and skipped, products created, CSV rows.
 */
export function summaryLines({ orderReports, stockReport, productsReport, csvRows }) {
  const orders = orderReports.map((r) => sectionOf(r, "orders")).filter(Boolean);
  const imported = orders.flatMap(doneOrderIds);
  const last = orders.at(-1);
  const stock = sectionOf(stockReport, "stock");
  const products = sectionOf(productsReport, "products");
  return [
    `orders: ${imported.length} imported (${imported.join(", ") || "none"}); held now: ${
      last?.problems.map((g) => `${g.items.map((i) => orderIdOf(i.ref)).join(", ")} (${g.reason})`).join("; ") || "none"
    }; not for import: ${notForImport(orders)}`,
    `stock: ${stock?.counts.done ?? 0} values changed, ${stock?.counts.skipped ?? 0} skipped; problems by reason: ${byReason(stock?.problems)}; notes: ${byReason(stock?.notes)}`,
    `products: ${products?.counts.done ?? 0} created (${products?.done.map((d) => d.ref).join(", ") || "none"}), ${products?.counts.skipped ?? 0} skipped; problems by reason: ${byReason(products?.problems)}`,
    `CSV export: ${csvRows} rows`,
  ];
}
