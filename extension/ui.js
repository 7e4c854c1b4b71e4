// Rendering helpers shared by the popup and the options page: texts (i18n), element building, the
// progress bar, the run report with problems grouped by reason, the history list, the connection
// summary (keys masked), the CSV download and the status poller. No extension API here: that is
// ext_api.js, imported for its side effect (globalThis.ExtApi).
import "./ext_api.js";

const Ext = globalThis.ExtApi;

/** "pl" or "en": the `_locales` file the browser chose; texts from the core follow it. */
export const lang = Ext.uiLanguage();

/** A text of the pages (`_locales`), with `$1`… substitutions. */
export const t = (key, ...subs) => Ext.i18n(key, subs.map(String));

/** A text that comes from the core in both languages (`title_pl`/`title_en`). */
export const pick = (obj, field) => (obj ? obj[`${field}_${lang}`] || obj[`${field}_pl`] || "" : "");

/** One message to the background (docs/messages.md); always resolves to an answer envelope. */
export const send = (message) => Ext.send(message);

/** The message of a refused answer, in the page's language. */
export const errorOf = (answer) => pick(answer?.error, "message") || t("err_unknown");

/** A counted noun: `plural("n_problems", 5)` → "5 problemów" (keys `_one`, `_few`, `_many`, `_other`). */
const pluralRules = new Intl.PluralRules(lang);
export const plural = (base, n) => t(`${base}_${pluralRules.select(n)}`, n);

/**
 * `h("button", {class: "primary", testid: "run", on: {click}}, "text", child)`. Props: `class`,
 * `text`, `testid`, `on` (event handlers), `hidden`, and any other attribute (null/false skip it).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "testid") el.dataset.testid = value;
    else if (key === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === "hidden") el.hidden = true;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Fills `data-i18n` (text) and `data-i18n-attr="attr:key;attr:key"` from `_locales`. */
export function localize(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

// --- time -----------------------------------------------------------------------------------

const dateTime = new Intl.DateTimeFormat(lang === "pl" ? "pl-PL" : "en-GB", { dateStyle: "short", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });

const timeOnly = new Intl.DateTimeFormat(lang === "pl" ? "pl-PL" : "en-GB", { timeStyle: "short" });

export const formatDateTime = (ms) => (ms ? dateTime.format(new Date(ms)) : "—");

/** Today's times as "18:10", older ones with the date. */
export const formatWhen = (ms) =>
  !ms ? "—" : new Date(ms).toDateString() === new Date().toDateString() ? timeOnly.format(new Date(ms)) : formatDateTime(ms);

/** "za 3 minuty", "2 min temu", "teraz". */
export function formatRelative(ms, now = Date.now()) {
  const seconds = Math.round((ms - now) / 1000);
  if (Math.abs(seconds) < 45) return relative.format(0, "second");
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return relative.format(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return relative.format(hours, "hour");
  return relative.format(Math.round(hours / 24), "day");
}

export function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? t("duration_seconds", s) : t("duration_minutes", Math.floor(s / 60), s % 60);
}

// --- runs -----------------------------------------------------------------------------------

export const kindLabel = (kind) => t(`kind_${kind}`);
export const outcomeLabel = (outcome) => t(`outcome_${outcome}`);

export const outcomePill = (outcome) =>
  h("span", { class: `pill outcome-${outcome}`, testid: "outcome", "data-outcome": outcome }, outcomeLabel(outcome));

/** The progress bar of a run under way (`Progress` of docs/messages.md): `{el, update(progress)}`. */
function createProgress(progress, { onCancel } = {}) {
  const fill = h("div", { class: "progress-fill" });
  const bar = h(
    "div",
    { class: "progress-track", role: "progressbar", "aria-label": t("progress_label"), "aria-valuemin": 0, "aria-valuemax": 100, testid: "progress-bar" },
    fill,
  );
  const phase = h("span", { class: "progress-phase", testid: "progress-phase", "aria-live": "polite" });
  const count = h("span", { class: "muted", testid: "progress-count" });
  const el = h(
    "div",
    { class: "progress", testid: "progress", "data-run-id": progress.runId },
    h(
      "div",
      { class: "progress-head" },
      h("strong", {}, kindLabel(progress.kind)),
      progress.dryRun ? h("span", { class: "pill preview" }, t("preview_badge")) : null,
      phase,
    ),
    bar,
    h(
      "div",
      { class: "progress-foot" },
      count,
      onCancel
        ? h("button", { type: "button", class: "link danger", testid: "cancel-run", on: { click: onCancel } }, t("btn_cancel"))
        : null,
    ),
  );
  const update = ({ phase: current, done = 0, total = 0 }) => {
    const known = total > 0;
    const percent = known ? Math.min(100, Math.round((done / total) * 100)) : null;
    el.dataset.phase = current;
    const phaseText = t(`phase_${current}`);
    if (phase.textContent !== phaseText) phase.textContent = phaseText; // announced only when it changes
    bar.classList.toggle("indeterminate", !known);
    fill.style.width = known ? `${percent}%` : "";
    if (known) bar.setAttribute("aria-valuenow", String(percent));
    else bar.removeAttribute("aria-valuenow");
    bar.setAttribute("aria-valuetext", known ? t("progress_count", done, total) : phaseText);
    count.textContent = known ? t("progress_count", done, total) : t("progress_working");
  };
  update(progress);
  return { el, update };
}

/**
 * Shows `progress` (or nothing, when null) in `container`, updating the bar in place while the
 * same run goes on, so that focus (on "Przerwij") and screen readers are not disturbed each poll.
 */
export function showProgress(container, progress, options) {
  const current = container.progressView;
  if (!progress) {
    if (current) container.replaceChildren();
    container.progressView = null;
  } else if (current && current.runId === progress.runId) {
    current.update(progress);
  } else {
    const view = createProgress(progress, options);
    container.progressView = { runId: progress.runId, update: view.update };
    container.replaceChildren(view.el);
  }
}

const ITEMS_SHOWN = 100;

/** `[{ref, detail_pl, detail_en}]` as a list, long lists cut with "…and N more"; `extra(item)` adds to an item. */
function renderItems(items, extra = () => null) {
  const list = h("ul", { class: "items" });
  for (const item of items.slice(0, ITEMS_SHOWN)) {
    list.append(h("li", {}, h("code", { class: "ref" }, item.ref), " ", h("span", {}, pick(item, "detail")), extra(item)));
  }
  if (items.length > ITEMS_SHOWN) list.append(h("li", { class: "muted" }, t("items_more", items.length - ITEMS_SHOWN)));
  return list;
}

/** The shop order an item of an orders problem names (`Zamówienie 123`). */
const orderIdOf = (item) => {
  const m = String(item.ref ?? "").match(/(\d+)\s*$/);
  return m ? Number(m[1]) : null;
};

/**
 * Decisions taken on this page (order id → the badge the answer gave): a stored report still
 * lists the order as held, so the buttons give way to what was decided.
 */
const decided = new Map();

/**
 * The merchant's decision on an order held as `import_unverifiable` (docs/messages.md
 * `resolveOrder`), or on its sales document held as `invoice_unverifiable` (`resolveDocument`):
 * "Jest już w Systim" with an optional Systim number, or "Wyślij ponownie".
 * `onResolved()` refreshes the view.
 */
function resolveControls(item, onResolved, type = "resolveOrder") {
  const orderId = orderIdOf(item);
  if (orderId === null) return null;
  const key = `${type}:${orderId}`;
  const done = decided.get(key);
  if (done) return h("p", { class: "resolved muted", testid: "resolve-done", "data-order-id": orderId }, t("resolve_done", pick(done, "text")));
  const number = h("input", {
    type: "text",
    class: "resolve-number",
    testid: "resolve-number",
    "aria-label": t("resolve_number_label"),
    placeholder: t("resolve_number_placeholder"),
    maxlength: 60,
  });
  const status = h("span", { class: "resolve-status", role: "status" });
  const buttons = [];
  const decide = async (decision) => {
    for (const b of buttons) b.disabled = true;
    const message = { type, orderId, decision };
    if (decision === "in_systim" && number.value.trim()) message.systimNumber = number.value.trim();
    const answer = await send(message);
    if (answer.ok) {
      decided.set(key, answer.badges?.[String(orderId)] ?? { text_pl: t("resolve_saved"), text_en: t("resolve_saved") });
      await onResolved?.();
    } else {
      status.textContent = errorOf(answer);
      for (const b of buttons) b.disabled = false;
    }
  };
  buttons.push(
    h("button", { type: "button", class: "small", testid: "resolve-in-systim", on: { click: () => decide("in_systim") } }, t("btn_in_systim")),
    h("button", { type: "button", class: "small secondary", testid: "resolve-send-again", on: { click: () => decide("send_again") } }, t("btn_send_again")),
  );
  return h(
    "div",
    { class: "resolve", testid: type === "resolveOrder" ? "resolve-order" : "resolve-document", "data-order-id": orderId },
    h("label", {}, h("span", { class: "muted" }, t("resolve_number_label")), " ", number),
    buttons,
    status,
  );
}

/** Problem groups whose items the merchant decides on, and the message that takes the decision. */
const RESOLVABLE = { import_unverifiable: "resolveOrder", invoice_unverifiable: "resolveDocument", wz_unverifiable: "resolveDocument" };

/** A group of the report's `problems` (open when short) or, with `note`, of its `notes` (closed). */
function renderProblemGroup(group, { note = false, onResolved } = {}) {
  const items = group.items ?? [];
  return h(
    "details",
    {
      class: note ? "problem note" : "problem",
      testid: note ? "note-group" : "problem-group",
      "data-reason": group.reason,
      open: !note && items.length <= 5,
    },
    h("summary", {}, h("span", { class: "count" }, String(items.length)), " ", pick(group, "title")),
    h("p", { class: "advice" }, h("strong", {}, t("report_what_to_do")), " ", pick(group, "advice")),
    renderItems(items, RESOLVABLE[group.reason] && !note ? (item) => resolveControls(item, onResolved, RESOLVABLE[group.reason]) : undefined),
  );
}

function renderSection(section, dryRun, { onResolved } = {}) {
  const c = section.counts ?? {};
  const count = (key, value) =>
    h("div", { class: `count-box count-${key}${value ? " nonzero" : ""}` }, h("dt", {}, t(`count_${key}${dryRun && key === "done" ? "_dry" : ""}`)), h("dd", {}, String(value ?? 0)));
  const problems = section.problems ?? [];
  const notes = section.notes ?? [];
  const done = section.done ?? [];
  return h(
    "section",
    { class: "report-section", testid: `report-section-${section.kind}`, "data-kind": section.kind },
    h("h4", {}, t(`section_${section.kind}`)),
    h("dl", { class: "counts" }, count("considered", c.considered), count("done", c.done), count("skipped", c.skipped), count("failed", c.failed)),
    problems.length ? h("div", { class: "problems" }, problems.map((g) => renderProblemGroup(g, { onResolved: dryRun ? null : onResolved }))) : null,
    notes.length
      ? h("div", { class: "problems notes" }, h("h5", {}, t("report_notes")), notes.map((g) => renderProblemGroup(g, { note: true })))
      : null,
    done.length
      ? h("details", { class: "done-list" }, h("summary", {}, t(dryRun ? "report_done_list_dry" : "report_done_list", done.length)), renderItems(done))
      : null,
  );
}

/**
 * A run's report (`Report`): headline, the error if the run failed, then per area the counts,
 * the problems grouped by reason (each with what to do and the items concerned) and what was done.
 * `onConfirmZeroing(report)` is offered when the mass-zero brake refused the run; `onResolved()`
 * is called after the merchant decided on an order held as `import_unverifiable`.
 */
export function renderReport(report, { onConfirmZeroing, onResolved } = {}) {
  if (!report) return h("p", { class: "empty muted", testid: "report-empty" }, t("report_none"));
  const meta = [kindLabel(report.kind), formatDateTime(report.startedMs)];
  if (report.finishedMs && report.startedMs) meta.push(formatDuration(report.finishedMs - report.startedMs));
  return h(
    "article",
    { class: `report outcome-${report.outcome}`, testid: "report-view", "data-run-id": report.runId },
    h(
      "header",
      { class: "report-head" },
      outcomePill(report.outcome),
      report.dryRun ? h("span", { class: "pill preview" }, t("preview_badge")) : null,
      h("h3", { testid: "report-headline" }, pick(report, "headline")),
      h("p", { class: "muted meta" }, meta.join(" · ")),
    ),
    report.error ? h("p", { class: "notice error", role: "alert", testid: "report-error" }, pick(report.error, "message")) : null,
    report.outcome === "refused" && onConfirmZeroing
      ? h(
          "div",
          { class: "notice warning" },
          h("p", {}, t("report_refused_explain")),
          h("button", { type: "button", class: "danger", testid: "confirm-zeroing", on: { click: () => onConfirmZeroing(report) } }, t("btn_confirm_zeroing")),
        )
      : null,
    (report.sections ?? []).map((s) => renderSection(s, report.dryRun, { onResolved })),
  );
}

/** The list of past runs (`RunSummary`, newest first); `onSelect(runId)` opens one. */
export function renderHistory(runs, { onSelect, selectedRunId } = {}) {
  if (!runs?.length) return h("p", { class: "empty muted", testid: "history-empty" }, t("history_none"));
  return h(
    "ol",
    { class: "history", testid: "history-list" },
    runs.map((run) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: `history-item${run.runId === selectedRunId ? " selected" : ""}`,
            testid: "history-item",
            "data-run-id": run.runId,
            "aria-current": run.runId === selectedRunId ? "true" : null,
            on: { click: () => onSelect?.(run.runId) },
          },
          outcomePill(run.outcome),
          h("span", { class: "history-when" }, `${kindLabel(run.kind)}${run.dryRun ? ` (${t("preview_badge")})` : ""} · ${formatDateTime(run.startedMs)}`),
          h("span", { class: "history-headline" }, pick(run, "headline")),
          run.problems ? h("span", { class: "history-problems" }, plural("n_problems", run.problems)) : null,
        ),
      ),
    ),
  );
}

/** The integrated shop and Systim account (the old connector's "Adres URL sklepu"); keys stay masked. */
export function renderConnectionSummary(connection) {
  if (!connection?.shopUrl) return h("p", { class: "muted", testid: "shop-url-summary" }, t("connection_none"));
  return h(
    "dl",
    { class: "connection-summary" },
    h("dt", {}, t("summary_shop")),
    h("dd", {}, h("a", { href: connection.shopUrl, target: "_blank", rel: "noopener noreferrer", testid: "shop-url-summary" }, connection.shopUrl)),
    h("dt", {}, t("summary_systim")),
    h("dd", { testid: "systim-summary" }, connection.systimAccount || "—"),
  );
}

/** Saves text as a file from the page (a Blob link; no `downloads` permission needed). */
export function downloadFile({ filename, mime, content }) {
  const url = URL.createObjectURL(new Blob([content], { type: mime || "text/plain;charset=utf-8" }));
  const a = h("a", { href: url, download: filename || "export.csv", hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Polls `getStatus`: fast while a run is under way, slowly otherwise. Calls `onStatus(answer)`
 * each time and `onRunEnded(runId)` when a run seen running is over. The bar therefore survives
 * closing and reopening the popup: the state lives in the background.
 */
export function watchStatus({ onStatus, onRunEnded, runningMs = 700, idleMs = 5000, awaitMs = 15_000 }) {
  let timer = null;
  let runningId = null; // the run the last poll saw under way
  let awaited = null; // {runId, until}: started from this page, not seen by a poll yet
  let stopped = false;
  let latest = 0; // only the newest poll schedules the next one
  const tick = async () => {
    const mine = ++latest;
    clearTimeout(timer);
    const answer = await send({ type: "getStatus" });
    if (stopped || mine !== latest) return;
    const running = answer.ok ? answer.running : null;
    if (awaited) {
      // A run starts a moment after its `run` answer: until it shows up under way or among the
      // last runs, it is neither running nor over (up to `awaitMs`, in case it never started).
      const finished = Object.values(answer.lastRuns ?? {}).some((run) => run?.runId === awaited.runId);
      if (running?.runId === awaited.runId || finished || Date.now() > awaited.until) {
        runningId = awaited.runId;
        awaited = null;
      }
    }
    if (runningId && (!running || running.runId !== runningId)) onRunEnded?.(runningId);
    runningId = running?.runId ?? null;
    onStatus(answer);
    timer = setTimeout(tick, running || awaited ? runningMs : idleMs);
  };
  tick();
  return {
    refresh: tick,
    /**
     * A run this page has just started (`runId` of the `run` answer): its end is reported
     * (`onRunEnded`) even when no poll catches it under way (a quick preview often is over first).
     */
    track(runId) {
      if (runId) awaited = { runId, until: Date.now() + awaitMs };
      return tick();
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** A short message in a live region (`kind`: info, success, error, warning). */
export function say(region, text, kind = "info") {
  region.replaceChildren(text ? h("p", { class: `notice ${kind}`, testid: `message-${kind}` }, text) : "");
}

/**
 * The latest report (or one picked from the history) with the history under it. Returns
 * `{refresh(runId?)}`; without a run id it shows the latest run, or the one picked last.
 */
export function reportPanel({ reportEl, historyEl, onConfirmZeroing }) {
  let picked = null;
  const refresh = async (runId = picked) => {
    picked = runId ?? null;
    const [report, history] = await Promise.all([
      send(picked ? { type: "getReport", runId: picked } : { type: "getReport" }),
      send({ type: "getHistory" }),
    ]);
    const shown = report.ok ? report.report : null;
    reportEl.replaceChildren(
      report.ok ? renderReport(shown, { onConfirmZeroing, onResolved: () => refresh() }) : h("p", { class: "notice error" }, errorOf(report)),
    );
    historyEl.replaceChildren(
      history.ok
        ? renderHistory(history.runs, { selectedRunId: shown?.runId, onSelect: (id) => refresh(id) })
        : h("p", { class: "notice error" }, errorOf(history)),
    );
  };
  return { refresh, showLatest: () => refresh(null) };
}

/** "Eksportuj produkty do CSV": asks the background for the file and saves it; reports in `region`. */
export async function exportCsv(region) {
  say(region, t("csv_preparing"), "info");
  const answer = await send({ type: "exportCsv" });
  if (!answer.ok) return say(region, errorOf(answer), "error");
  downloadFile(answer);
  say(region, t("csv_saved", answer.filename), "success");
}
