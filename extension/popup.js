// The popup: a remote control. It shows the state the background reports (getStatus), starts runs,
// shows the progress of the one under way (even after being closed and reopened) and the report.
import {
  t, h, pick, send, errorOf, localize, say, watchStatus, showProgress, reportPanel, renderConnectionSummary,
  exportCsv, formatWhen, formatRelative, outcomePill, kindLabel, plural,
} from "./ui.js";

const $ = (id) => document.getElementById(id);
const RUN_BUTTONS = ["run-orders", "run-send_stock", "run-send_products"];
const AREAS = ["orders", "stock", "products"];

let latestStatus = null;
let startedNotice = null; // the "started…" message of this page's run, until the run ends

// Marks for the benchmark (tests/e2e/bench-popup.mjs): the module runs, the popup is interactive
// (the first status answer rendered: state shown, buttons enabled or disabled as it says), the
// report panel filled. `data-ready` on <html>: "1" (or "error" when the answer was one).
performance.mark("popup-script");

localize();
$("open-options").addEventListener("click", () => openOptions());
$("open-setup").addEventListener("click", () => openOptions());
$("open-problems").addEventListener("click", () => openOptions("report"));
for (const id of RUN_BUTTONS) $(id).addEventListener("click", (e) => startRun(e.currentTarget.dataset.kind));
$("export-csv").addEventListener("click", exportProducts);
$("auto-sync").addEventListener("change", (e) => setAutoSync(e.currentTarget.checked));

// the preview switch is the merchant's habit, not a setting: remembered by this page only
const PREVIEW_KEY = "popup.preview";
$("preview").checked = localStorage.getItem(PREVIEW_KEY) === "1";
$("preview").addEventListener("change", (e) => localStorage.setItem(PREVIEW_KEY, e.currentTarget.checked ? "1" : "0"));

// host access withdrawn (or never given): syncing cannot work; the options page can ask again
const accessWarning = h(
  "div",
  { class: "notice warning", testid: "access-missing", role: "alert", hidden: true },
  h("p", {}, t("popup_access_missing")),
  h("button", { type: "button", testid: "restore-access", on: { click: () => openOptions("connection") } }, t("btn_restore_access")),
);
$("connection-summary").after(accessWarning);
let accessMissing = false; // as the last check found
let accessChecks = 0;
// a connection saved but no longer readable (its encryption key is gone): asked once
let keysUnreadable = false;
globalThis.ExtApi.storedKeysUnreadable().then(
  (lost) => {
    keysUnreadable = lost;
    if (latestStatus) showState(Boolean(latestStatus.configured));
  },
  () => {},
);

const reports = reportPanel({
  reportEl: $("report"),
  historyEl: $("history-list"),
  onConfirmZeroing: (report) => startRun(report.kind, { confirmZeroing: true }),
});
const watcher = watchStatus({
  onStatus: showStatus,
  onRunEnded: () => {
    // "started…" is over: the report says what happened (a newer message stays)
    if (startedNotice?.isConnected) say($("message"), "");
    startedNotice = null;
    reports.showLatest();
  },
});
reports.refresh().then(() => performance.mark("popup-report"));

function openOptions(section) {
  globalThis.ExtApi.openOptionsPage(section);
  window.close();
}

// --- status ---------------------------------------------------------------------------------

function showStatus(answer) {
  if (!answer.ok) {
    $("state").textContent = errorOf(answer);
    $("state").dataset.state = "error";
    return markReady("error");
  }
  latestStatus = answer;
  const { configured, connection, autoSync, running, lastRuns } = answer;
  showState(configured);
  checkAccess(configured ? answer.hostPermissions : null);
  $("connection-summary").replaceChildren(renderConnectionSummary(connection));
  $("open-problems").hidden = !answer.problems;
  $("open-problems").textContent = answer.problems ? plural("n_problems", answer.problems) : "";
  $("setup").hidden = configured;
  for (const id of [...RUN_BUTTONS, "export-csv"]) $(id).disabled = !configured || Boolean(running);
  showProgress($("progress"), running, { onCancel: cancelRun });

  $("auto-sync").checked = Boolean(autoSync?.enabled);
  $("auto-sync").disabled = !configured;
  $("next-run").textContent = nextRunText(autoSync);
  $("last-runs").replaceChildren(
    ...AREAS.flatMap((area) => {
      const run = lastRuns?.[area];
      return [
        h("dt", {}, t(`section_${area}`)),
        h(
          "dd",
          { testid: `last-run-${area}` },
          run ? [outcomePill(run.outcome), " ", h("span", { title: pick(run, "headline") }, formatWhen(run.finishedMs || run.startedMs))] : t("last_run_never"),
        ),
      ];
    }),
  );
  markReady("1");
}

function showState(configured) {
  const state = !configured ? (keysUnreadable ? "keys_unreadable" : "not_configured") : accessMissing ? "no_access" : "configured";
  $("state").textContent = t(`state_${state}`);
  $("state").dataset.state = state;
  accessWarning.hidden = state !== "no_access";
}

/**
 * Whether the browser still gives the extension access to the shop's and Systim's addresses (the
 * merchant may withdraw it in the browser's settings at any time). Without it a run can only
 * fail as if the shop could not be reached: say what is wrong and where to put it right.
 */
async function checkAccess(hostPermissions) {
  const mine = ++accessChecks;
  const origins = hostPermissions ?? []; // the core's patterns for the stored connection
  const granted = origins.length === 0 || (await globalThis.ExtApi.permissionsContains(origins).catch(() => true));
  if (mine !== accessChecks) return;
  accessMissing = !granted;
  $("state").dataset.access = granted ? "granted" : "missing"; // the check is done (tests wait for it)
  showState(Boolean(latestStatus?.configured));
}

function markReady(value) {
  if (document.documentElement.dataset.ready) return;
  performance.mark("popup-ready");
  document.documentElement.dataset.ready = value;
}

function nextRunText(autoSync) {
  if (!autoSync?.enabled) return t("auto_off");
  const every = t("auto_every", autoSync.intervalMinutes);
  return autoSync.nextRunMs ? `${every} · ${t("auto_next", formatRelative(autoSync.nextRunMs))}` : every;
}

// --- actions --------------------------------------------------------------------------------

async function startRun(kind, { confirmZeroing = false } = {}) {
  const dryRun = $("preview").checked && !confirmZeroing;
  say($("message"), "");
  const message = { type: "run", kind, dryRun };
  if (confirmZeroing) message.confirmZeroing = true;
  const answer = await send(message);
  if (!answer.ok) return say($("message"), errorOf(answer), "error");
  say($("message"), t(dryRun ? "run_started_preview" : "run_started", kindLabel(kind)), "info");
  startedNotice = $("message").firstElementChild;
  watcher.track(answer.runId);
}

async function cancelRun() {
  const answer = await send({ type: "cancel" });
  if (!answer.ok) return say($("message"), errorOf(answer), "error");
  say($("message"), t(answer.cancelled ? "run_cancelling" : "run_nothing_to_cancel"), "info");
  watcher.refresh();
}

async function exportProducts() {
  const button = $("export-csv");
  button.disabled = true;
  await exportCsv($("message"));
  button.disabled = Boolean(latestStatus?.running) || !latestStatus?.configured;
}

async function setAutoSync(enabled) {
  const answer = await send({ type: "setAutoSync", enabled });
  if (!answer.ok) {
    $("auto-sync").checked = !enabled;
    return say($("message"), errorOf(answer), "error");
  }
  say($("message"), t(enabled ? "auto_enabled" : "auto_disabled"), "success");
  watcher.refresh();
}
