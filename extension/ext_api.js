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

  /**
   * A match pattern of host access, as the core gives it (`https://shop.example/*`,
   * `http://127.0.0.1/*`): one scheme, one host, every path. Anything else is dropped — the
   * core's address rules decide what is asked for, never a page's parsing.
   */
  const HOST_PATTERN = /^(https|http):\/\/(\[[0-9a-f:]+\]|[a-z0-9.-]+)\/\*$/;
  const patterns = (list) => [...new Set((Array.isArray(list) ? list : []).filter((p) => typeof p === "string" && HOST_PATTERN.test(p)))];
  /** The admin panel's match patterns (the core's: `/admin` and `/admin/*` of the shop). */
  const ADMIN_PATTERN = /^(https|http):\/\/(\[[0-9a-f:]+\]|[a-z0-9.-]+)\/admin(\/\*)?$/;

  /** An http(s) page at `/admin` or under `/admin/` (a shop's admin panel, whichever shop). */
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

  // --- secrets at rest --------------------------------------------------------------------------
  //
  // The storage keys that hold secrets (the connection with its keys, the session tokens) are
  // kept in storage.local encrypted with AES-GCM: the key is a WebCrypto key created
  // non-extractable and kept in this extension origin's IndexedDB, so whoever can read
  // storage.local (in Firefox, a content script can) sees only ciphertext, and the key itself
  // cannot be read out of the browser. The core stores and reads plain strings as before.
  //
  // A value stored in clear by an earlier version is encrypted on its first read (clear text that
  // appears once the key exists is refused: nothing of ours wrote it). A value that
  // cannot be decrypted (the IndexedDB key was deleted, or does not fit) reads as absent: the
  // core then sees no connection and the pages ask for the keys again
  // (`storedKeysUnreadable`); the ciphertext stays until a new connection is saved.

  const SECRET_KEYS = new Set(["connection", "tokens"]);
  const CIPHER_PREFIX = "aes-gcm:1:";
  const KEY_DB = "shoper-systim-keys";
  const KEY_STORE = "keys";
  const KEY_ID = "storage";

  let keyDb = null;
  /** The IndexedDB holding the key (closed when a page deletes it, reopened on the next use). */
  const openKeyDb = () =>
    (keyDb ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(KEY_DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(KEY_STORE);
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          keyDb = null;
        };
        db.onclose = () => (keyDb = null);
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("the key database is blocked"));
    }).catch((e) => {
      keyDb = null;
      throw e;
    }));

  const inStore = (db, mode, op) =>
    new Promise((resolve, reject) => {
      const tx = db.transaction(KEY_STORE, mode);
      const request = op(tx.objectStore(KEY_STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error("aborted"));
    });

  /** The stored AES key; with `create`, one is made (once) when there is none. */
  const storageKey = async ({ create }) => {
    const db = await openKeyDb();
    const found = await inStore(db, "readonly", (s) => s.get(KEY_ID));
    if (found || !create) return found ?? null;
    const fresh = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    // `add` fails if another context stored one meanwhile: that one is the key
    await inStore(db, "readwrite", (s) => s.add(fresh, KEY_ID)).catch(() => null);
    return inStore(db, "readonly", (s) => s.get(KEY_ID));
  };

  const utf8 = new TextEncoder();
  const toBase64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

  /** `aes-gcm:1:<iv>:<ciphertext>`; the storage key name is bound in as associated data. */
  const encrypt = async (name, plain) => {
    const key = await storageKey({ create: true });
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(name) }, key, utf8.encode(plain));
    return `${CIPHER_PREFIX}${toBase64(iv)}:${toBase64(sealed)}`;
  };

  /** The plain text, or null when it cannot be decrypted (no key, another key, damaged). */
  const decrypt = async (name, stored) => {
    try {
      const [iv, sealed] = stored.slice(CIPHER_PREFIX.length).split(":");
      const key = await storageKey({ create: false });
      if (!key) return null;
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv), additionalData: utf8.encode(name) }, key, fromBase64(sealed));
      return new TextDecoder().decode(plain);
    } catch {
      return null;
    }
  };

  const isCipher = (value) => typeof value === "string" && value.startsWith(CIPHER_PREFIX);
  const rawGet = (key) => api.storage.local.get(key).then((items) => items[key] ?? null);

  /** One operation at a time on a secret key (a migration must not overwrite a newer write). */
  const queues = new Map();
  const serially = (key, op) => {
    const next = (queues.get(key) ?? Promise.resolve()).then(op, op);
    queues.set(key, next.catch(() => {}));
    return next;
  };

  const storageGet = (key) => {
    if (!SECRET_KEYS.has(key)) return rawGet(key);
    return serially(key, async () => {
      const stored = await rawGet(key);
      if (stored === null) return null;
      if (isCipher(stored)) return decrypt(key, stored);
      // Clear text: an earlier version's, encrypted in place on this first read — but only before
      // this version made its key. After that nothing of ours writes clear text, so it came from
      // elsewhere (in Firefox a content script may write storage.local): not taken.
      if (await storageKey({ create: false })) return null;
      await api.storage.local.set({ [key]: await encrypt(key, String(stored)) });
      return stored;
    });
  };

  const storageSet = (key, value) =>
    SECRET_KEYS.has(key)
      ? serially(key, async () => api.storage.local.set({ [key]: await encrypt(key, value) }))
      : api.storage.local.set({ [key]: value });

  const storageRemove = (key) =>
    SECRET_KEYS.has(key) ? serially(key, () => api.storage.local.remove(key)) : api.storage.local.remove(key);

  /**
   * The records whose key starts with `prefix` (never a secret's), as JSON text
   * `[[key, value], …]`: what the core's ledger pruning looks through once a day. `getKeys`
   * (Chrome 130, Firefox 143) reads only those values; before it, the whole area is read.
   */
  const storageScan = async (prefix) => {
    const local = api.storage.local;
    const keys = typeof local.getKeys === "function" ? (await local.getKeys()).filter((k) => k.startsWith(prefix)) : null;
    const items = keys ? (keys.length ? await local.get(keys) : {}) : await local.get(null);
    const found = Object.entries(items).filter(([k, v]) => k.startsWith(prefix) && !SECRET_KEYS.has(k) && typeof v === "string");
    return JSON.stringify(found);
  };

  globalThis.ExtApi = Object.freeze({
    send,
    i18n,
    uiLanguage,
    id: api.runtime.id,
    extensionOrigin,
    getURL: (path) => api.runtime.getURL(path),
    isAdminUrl,

    /**
     * The extension's own `_locales/{pl,en}/messages.json` as text, both languages whatever the
     * browser's (chrome.i18n serves only the UI language): the core renders its texts (reasons,
     * reports, badges, errors) from their `core_…` keys in both (src/texts.rs).
     */
    coreTexts: async () => {
      const read = async (lang) => {
        const response = await fetch(api.runtime.getURL(`_locales/${lang}/messages.json`));
        if (!response.ok) throw new Error(`_locales/${lang}/messages.json: HTTP ${response.status}`);
        return response.text();
      };
      const [pl, en] = await Promise.all([read("pl"), read("en")]);
      return { pl, en };
    },

    /**
     * Chrome lets content scripts read storage.local unless told otherwise: keep it to the
     * extension's own pages and background (the keys live there). Where the browser has no such
     * switch (Firefox), the content script still never asks for storage (its ExtApi has none).
     */
    restrictStorage: () => api.storage.local.setAccessLevel?.({ accessLevel: "TRUSTED_CONTEXTS" }),

    // storage.local, string values under a key (the wasm core's Storage); secrets encrypted
    storageGet,
    storageSet,
    storageRemove,
    storageScan,
    /**
     * Whether a connection is stored that cannot be read any more (its encryption key was lost):
     * the pages then ask the merchant to enter the connection again.
     */
    storedKeysUnreadable: async () => {
      const stored = await rawGet("connection");
      return isCipher(stored) && (await decrypt("connection", stored)) === null;
    },

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
    /**
     * The admin-panel content script, for the configured shop's admin pages only (`matches`: the
     * core's patterns, `/admin` and `/admin/*` of each of the shop's addresses).
     */
    registerAdminScript: async (matches) => {
      // the shop's addresses may share a host (ports are not part of match patterns): once each
      const valid = [...new Set((Array.isArray(matches) ? matches : []).filter((m) => typeof m === "string" && ADMIN_PATTERN.test(m)))];
      if (!valid.length) throw new Error("no admin-panel match pattern");
      await unregisterAdminScript();
      await api.scripting.registerContentScripts([
        {
          id: ADMIN_SCRIPT_ID,
          matches: valid,
          js: ["ext_api.js", "content.js"],
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
    /** Opens the page showing the PDF of an order's sales document (document.html). */
    openDocument: (orderId) => api.tabs.create({ url: api.runtime.getURL(`document.html?order=${encodeURIComponent(String(orderId))}`) }),
    /** Any extension API call resets Chrome's service-worker idle timer. */
    keepAlive: () => api.runtime.getPlatformInfo(),

    // host permissions, as the core's match patterns: `request` must be the first thing a click
    // handler does (no await before)
    permissionsRequest: (list) => {
      const origins = patterns(list);
      return origins.length ? api.permissions.request({ origins }) : Promise.resolve(true);
    },
    permissionsContains: (list) => {
      const origins = patterns(list);
      return origins.length ? api.permissions.contains({ origins }) : Promise.resolve(true);
    },
    /**
     * Gives back host access the connection no longer uses: every granted origin but `keep`
     * (the core's patterns) and those the manifest grants at install.
     */
    keepHostAccess: async (keep) => {
      const wanted = new Set([...patterns(keep), ...(api.runtime.getManifest().host_permissions ?? [])]);
      const { origins = [] } = await api.permissions.getAll();
      const stale = origins.filter((o) => !wanted.has(o));
      if (stale.length) await api.permissions.remove({ origins: stale });
      return stale;
    },

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
