// The one file that names the extension namespace (`browser` in Firefox and Chrome 148+, `chrome`
// before). Everything else — background, pages, content script, the wasm core — goes through the
// `globalThis.ExtApi` object defined here. Loads as a classic script (content script) and as a
// module side-effect import (`import "./ext_api.js"` in the background and the pages); it has no
// exports so that both work.
//
// In a content script (a web page's origin) ExtApi exposes only `send`, `i18n` and `uiLanguage`:
// no storage, no permissions, nothing that could reach keys.
(() => {
  "use strict";
  if (globalThis.ExtApi) return; // injected twice: keep the first
  const api = globalThis.browser ?? globalThis.chrome;
  if (!api?.runtime?.id) return; // not an extension context

  const extensionOrigin = new URL(api.runtime.getURL("/")).origin;
  const inExtension = globalThis.location?.origin === extensionOrigin;
  const ADMIN_SCRIPT_ID = "shoper-admin";

  const i18n = (key, subs) => api.i18n.getMessage(key, subs) || key;

  /** Which `_locales` file the browser picked: "pl" or "en" (texts from the core follow it). */
  const uiLanguage = () => (api.i18n.getMessage("lang_code") === "en" ? "en" : "pl");

  /** The answer envelope of docs/messages.md; a background that cannot be reached is an answer too. */
  const send = (message) =>
    Promise.resolve()
      .then(() => api.runtime.sendMessage(message))
      .then(
        (answer) => answer ?? unreachable(),
        () => unreachable(),
      );

  const unreachable = () => {
    const text = i18n("err_background_unreachable"); // already in the page's language
    return { ok: false, error: { code: "background_unreachable", message_pl: text, message_en: text } };
  };

  if (!inExtension) {
    globalThis.ExtApi = Object.freeze({ send, i18n, uiLanguage });
    return;
  }

  /** `https://shop.example:8443` → `https://shop.example/*` (match patterns carry no port). */
  const originPattern = (origin, path = "/*") => {
    try {
      const url = new URL(origin);
      if (url.protocol !== "https:" && url.protocol !== "http:") return null;
      return `${url.protocol}//${url.hostname}${path}`;
    } catch {
      return null;
    }
  };
  const patterns = (origins) => [...new Set((origins ?? []).map((o) => originPattern(o)).filter(Boolean))];

  /** An http(s) page under `/admin` (a shop's admin panel, whichever shop). */
  const isAdminUrl = (href) => {
    try {
      const url = new URL(href ?? "");
      return /^https?:$/.test(url.protocol) && /^\/admin(\/|$)/.test(url.pathname);
    } catch {
      return false;
    }
  };

  const unregisterAdminScript = async () => {
    const present = await api.scripting.getRegisteredContentScripts({ ids: [ADMIN_SCRIPT_ID] });
    if (present.length) await api.scripting.unregisterContentScripts({ ids: [ADMIN_SCRIPT_ID] });
  };

  globalThis.ExtApi = Object.freeze({
    send,
    i18n,
    uiLanguage,
    id: api.runtime.id,
    extensionOrigin,
    getURL: (path) => api.runtime.getURL(path),
    originPattern,
    isAdminUrl,

    /**
     * Chrome lets content scripts read storage.local unless told otherwise: keep it to the
     * extension's own pages and background (the keys live there). Where the browser has no such
     * switch (Firefox), the content script still never asks for storage (its ExtApi has none).
     */
    restrictStorage: () => api.storage.local.setAccessLevel?.({ accessLevel: "TRUSTED_CONTEXTS" }),

    // storage.local, string values under a key (the wasm core's Storage)
    storageGet: (key) => api.storage.local.get(key).then((items) => items[key] ?? null),
    storageSet: (key, value) => api.storage.local.set({ [key]: value }),
    storageRemove: (key) => api.storage.local.remove(key),

    // events (background); each listener is registered synchronously by the caller
    onMessage: (handler) =>
      api.runtime.onMessage.addListener((message, sender, sendResponse) => {
        Promise.resolve()
          .then(() => handler(message, sender))
          .then(sendResponse, () => sendResponse(undefined));
        return true; // answer asynchronously (works with both namespaces)
      }),
    onInstalled: (handler) => api.runtime.onInstalled.addListener((details) => handler(details?.reason ?? "")),
    onStartup: (handler) => api.runtime.onStartup.addListener(() => handler()),
    onAlarm: (handler) => api.alarms.onAlarm.addListener((alarm) => handler(alarm.name)),
    onTabLoaded: (handler) =>
      api.tabs.onUpdated.addListener((_tabId, change, tab) => {
        if (change.status === "complete" && tab?.url) handler(tab.url);
      }),
    onPermissionsRemoved: (handler) =>
      api.permissions.onRemoved.addListener((removed) => handler(removed?.origins ?? [])),
    onPermissionsAdded: (handler) =>
      api.permissions.onAdded.addListener((added) => handler(added?.origins ?? [])),
    onNotificationClicked: (handler) => api.notifications.onClicked.addListener((id) => handler(id)),

    // effects
    alarmCreate: (name, periodMinutes) =>
      api.alarms.create(name, { periodInMinutes: periodMinutes, delayInMinutes: periodMinutes }),
    alarmClear: (name) => api.alarms.clear(name),
    setBadge: async (text, color) => {
      await api.action.setBadgeText({ text: text ?? "" });
      if (color) await api.action.setBadgeBackgroundColor({ color });
    },
    notify: (id, title, message) =>
      api.notifications.create(id, {
        type: "basic",
        iconUrl: api.runtime.getURL("icons/icon-128.png"),
        title,
        message,
      }),
    /** The admin-panel content script, for the configured shop's origin only. */
    registerAdminScript: async (origin) => {
      const match = originPattern(origin, "/admin*");
      if (!match) throw new Error("not an http(s) origin");
      await unregisterAdminScript();
      await api.scripting.registerContentScripts([
        {
          id: ADMIN_SCRIPT_ID,
          matches: [match],
          js: ["ext_api.js", "content.js"],
          css: ["content.css"],
          runAt: "document_idle",
          allFrames: false,
          persistAcrossSessions: true,
        },
      ]);
    },
    unregisterAdminScript,
    /** Opens the options page, on one of its sections (`report`) when given. */
    openOptionsPage: (section) =>
      section
        ? api.tabs.create({ url: api.runtime.getURL(`options.html#${encodeURIComponent(section)}`) })
        : api.runtime.openOptionsPage(),
    /** Any extension API call resets Chrome's service-worker idle timer. */
    keepAlive: () => api.runtime.getPlatformInfo(),

    // host permissions: `request` must be the first thing a click handler does (no await before)
    permissionsRequest: (origins) => api.permissions.request({ origins: patterns(origins) }),
    permissionsContains: (origins) => api.permissions.contains({ origins: patterns(origins) }),

    /**
     * The origin of an open Shoper admin-panel tab, if the browser lets us see one (the tab the
     * toolbar button was clicked on, through `activeTab`, or a shop we already have access to).
     */
    findAdminTabOrigin: async () => {
      const tabs = await api.tabs.query({});
      const admin = tabs
        .filter((tab) => isAdminUrl(tab.url))
        .sort((a, b) => (b.active - a.active) || ((b.lastAccessed ?? 0) - (a.lastAccessed ?? 0)));
      return admin.length ? new URL(admin[0].url).origin : null;
    },
  });
})();
