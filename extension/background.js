// The background (Chrome: module service worker; Firefox: module event page). It holds no logic:
// it forwards browser events and page messages to the wasm core (docs/messages.md) and applies
// the effects the core returns, through ExtApi. Listeners are registered synchronously, in the
// first turn; each waits for the core to be ready. No top-level await (not allowed in a SW).
import "./ext_api.js";
import { DEV_HOSTS } from "./build_flags.js";
import init, * as core from "./pkg/shoper_systim.js";

const Ext = globalThis.ExtApi;

// before anything else: the keys in storage.local are for the extension's own contexts only
Promise.resolve()
  .then(() => Ext.restrictStorage())
  .catch((e) => console.warn("shoper-systim: storage access level not set:", errorText(e)));

// marks for the benchmark (tests/e2e/bench-popup.mjs), from the worker's start: the wasm
// instantiated, the core ready
// (the texts the core renders, both languages, are read alongside and handed over with init_core:
// the core takes no message before it has them)
const texts = Ext.coreTexts();
const ready = init()
  .then(() => performance.mark("wasm-instantiated"))
  .then(() => texts)
  .then(({ pl, en }) => core.init_core(applyEffects, DEV_HOSTS === true, pl, en)) // the build's, not a page's, say
  .then(() => void performance.mark("core-ready"));
ready.catch((e) => console.error("shoper-systim: the core did not start:", errorText(e)));

// --- events → core ------------------------------------------------------------------------

Ext.onInstalled((reason) => event("on_installed", reason));
Ext.onStartup(() => event("on_startup"));
Ext.onAlarm((name) => event("on_alarm", name));
Ext.onTabLoaded((url) => {
  if (Ext.isAdminUrl(url)) event("on_admin_page", url);
});
Ext.onPermissionsRemoved((origins) => event("on_permissions_removed", origins));
// Host access given (again: the options page's "Zezwól na dostęp" after the merchant withdrew it):
// the standing effects anew, so that the admin-panel script the withdrawal unregistered returns.
Ext.onPermissionsAdded((origins) => {
  if (origins.length) event("on_startup");
});
Ext.onNotificationClicked(() => Ext.openOptionsPage("report"));

Ext.onMessage(async (message, sender) => {
  try {
    const result = await callCore("handle_message", message, describeSender(sender));
    if (!result?.reply) return internalError();
    if (result.reply.ok && result.reply.runId) keepAliveWhileRunning();
    return result.reply;
  } catch (e) {
    console.error("shoper-systim: a message failed:", errorText(e));
    return internalError();
  }
});

/** Calls one core export, applies the effects it returns, and gives back `{reply?, effects}`. */
async function callCore(name, ...args) {
  await ready;
  const fn = core[name];
  if (typeof fn !== "function") throw new Error(`the core has no export ${name}`);
  const result = await fn(...args);
  await applyEffects(result?.effects);
  return result;
}

/** A background event: it may start a run (alarm, admin page), so keep the worker up while it lasts. */
function event(name, ...args) {
  callCore(name, ...args).then(keepAliveWhileRunning, (e) =>
    console.error(`shoper-systim: ${name} failed:`, errorText(e)),
  );
}

// --- effects (core → browser) --------------------------------------------------------------

const effectHandlers = {
  alarm: (e) => Ext.alarmCreate(e.name, e.periodMinutes),
  clearAlarm: (e) => Ext.alarmClear(e.name),
  badge: (e) => Ext.setBadge(e.text ?? "", e.color),
  notify: (e) => Ext.notify(e.id, e.title, e.message),
  registerContentScript: (e) => Ext.registerAdminScript(e.matches),
  unregisterContentScript: () => Ext.unregisterAdminScript(),
  openOptions: (e) => Ext.openOptionsPage(e.section),
  openDocument: (e) => Ext.openDocument(e.orderId),
  keepHostAccess: (e) => Ext.keepHostAccess(e.origins),
};

/**
 * Applies effects in order; one that fails is logged and does not stop the others. Takes the
 * array itself (late effects, through init_core) or a result's `effects`.
 */
async function applyEffects(effects) {
  const list = Array.isArray(effects) ? effects : Array.isArray(effects?.effects) ? effects.effects : [];
  for (const effect of list) {
    const handler = effectHandlers[effect?.type];
    if (!handler) {
      console.warn("shoper-systim: unknown effect", String(effect?.type));
      continue;
    }
    try {
      await handler(effect);
    } catch (e) {
      console.warn(`shoper-systim: effect ${effect.type} failed:`, errorText(e));
    }
  }
}

// --- senders ------------------------------------------------------------------------------

/** `{kind, url, tabId}` for the core, which decides what each kind may ask (docs/messages.md). */
function describeSender(sender) {
  const url = sender?.url ?? "";
  const parsed = parseUrl(url);
  const fromUs = sender?.id === Ext.id;
  let kind = "other";
  if (fromUs && parsed?.origin === Ext.extensionOrigin) {
    kind = "extension_page";
  } else if (fromUs && sender.tab && (sender.frameId ?? 0) === 0 && /^https?:$/.test(parsed?.protocol ?? "")) {
    kind = "content_script";
  }
  return { kind, url, tabId: sender?.tab?.id ?? null };
}

const SELF = Object.freeze({ kind: "extension_page", url: Ext.getURL("background.js"), tabId: null });

// --- keeping the worker alive during a run --------------------------------------------------

const KEEP_ALIVE_MS = 20_000;
let keepAliveTimer = null;

/**
 * Chrome stops an idle service worker after ~30 s; any extension API call resets that timer.
 * While the core reports a run under way, touch the API every 20 s.
 */
function keepAliveWhileRunning() {
  if (keepAliveTimer !== null) return;
  keepAliveTimer = setInterval(async () => {
    Ext.keepAlive();
    const status = await callCore("handle_message", { type: "getStatus" }, SELF).catch(() => null);
    if (!status?.reply?.running) {
      clearInterval(keepAliveTimer);
      keepAliveTimer = null;
    }
  }, KEEP_ALIVE_MS);
}

// --- small helpers --------------------------------------------------------------------------

function internalError() {
  const text = Ext.i18n("err_internal");
  return { ok: false, error: { code: "internal", message_pl: text, message_en: text } };
}

function parseUrl(url) {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Error text for the console only: never a message or a key. */
function errorText(e) {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
