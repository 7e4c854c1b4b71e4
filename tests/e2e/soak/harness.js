// The browser soak's page: the shipped wasm (`target/pkg`, what the extension's background loads)
// called the way extension/background.js calls it, in an ordinary page that the driver
// (soak.mjs) scripts and kills. The page plays the background's part:
//
// - `globalThis.ExtApi.storageGet/storageSet/storageRemove` — the only imports of the wasm that
//   ext_api.js provides — over IndexedDB (asynchronous, like storage.local, and kept across a
//   reload: a killed and restarted background finds what it stored);
// - `handle_message(message, sender)` with the sender the background would describe, and
//   `init_core(applyEffects, devHosts, textsPl, textsEn)` (a `--dev-hosts` build's, so that the loopback sandbox is
//   an address); effects are recorded, not applied (no extension API here);
// - the wasm's clock (`Date.now`, read through its imports at every call) runs `clockOffsetMs`
//   ahead of the real one: the driver jumps it forward after a restart so that the killed run's
//   lock (2 minutes) is stale without waiting 2 real minutes, and long sleeps move it (below);
// - a `setTimeout` of exactly 30,000 ms — the fetch deadline the engine's clients set (and its
//   longest backoff) — waits `patience` ms instead (query parameter, default 4,000), so an
//   answer slower than that is a timeout in seconds, not in half a minute;
// - any other `setTimeout` longer than `sleepCap` ms (default 1,000) — the engine's sleeps:
//   backoff, `Retry-After`, the rest Systim's code 2 asks for — waits `sleepCap` ms and moves the
//   wasm's clock by the rest as it wakes (as the native soak's virtual clock does);
// - the page dies at the request the driver armed (`soak.arm`, below) and reloads itself.
// Everything else is real: fetch, the browser's connection pool and its resends, every other
// timer, storage.
import init, * as core from "/pkg/shoper_systim.js";

const params = new URL(location.href).searchParams;
const PATIENCE_MS = Number(params.get("patience") ?? 4000);
const SLEEP_CAP_MS = Number(params.get("sleepCap") ?? 1000);
const ENGINE_TIMEOUT_MS = 30_000;
const OFFSET_KEY = "soak:clockOffsetMs";
const FETCHES_KEY = "soak:fetches";
const SLEPT_KEY = "soak:virtualSleepMs";

// --- the clock: real time plus an offset the driver moves ---------------------------------------
const realNow = Date.now.bind(Date);
let offsetMs = Number(localStorage.getItem(OFFSET_KEY) ?? 0);
Date.now = () => realNow() + offsetMs;

const jumpClock = (ms) => {
  offsetMs += ms;
  localStorage.setItem(OFFSET_KEY, String(offsetMs));
};
const realSetTimeout = globalThis.setTimeout.bind(globalThis);
globalThis.setTimeout = (handler, ms, ...rest) => {
  if (ms === ENGINE_TIMEOUT_MS) return realSetTimeout(handler, PATIENCE_MS, ...rest);
  if (typeof handler === "function" && ms > SLEEP_CAP_MS) {
    // A long sleep (backoff, Retry-After, Systim's rest after code 2): the cap in real time, the
    // rest on the wasm's clock, moved just before the sleeper wakes.
    return realSetTimeout(() => {
      jumpClock(ms - SLEEP_CAP_MS);
      localStorage.setItem(SLEPT_KEY, String(Number(localStorage.getItem(SLEPT_KEY) ?? 0) + ms - SLEEP_CAP_MS));
      handler(...rest);
    }, SLEEP_CAP_MS);
  }
  return realSetTimeout(handler, ms, ...rest);
};

// --- fetch: the core's requests counted (kept across reloads); a kill and a hook armed by call ----
// `soak.arm({killAt, commitLast, hookAt, hook})`: at the core's `killAt`-th request from now the
// page dies — nothing it asks of the network or of storage completes any more (the dying request
// is served first when `commitLast`, and its answer never reaches the core), and it reloads, as a
// killed background restarts; before the `hookAt`-th request, `hook` (`{method, url}`, a control
// route of the sandbox) is called — a token expiring in the middle of a run.
const realFetch = globalThis.fetch.bind(globalThis);
const never = () => new Promise(() => {});
let armed = null;
let callsSinceArmed = 0;
let frozen = false;

globalThis.fetch = async (...args) => {
  const url = String(args[0]?.url ?? args[0]);
  if (url.startsWith(location.origin)) return realFetch(...args);
  if (frozen) return never();
  localStorage.setItem(FETCHES_KEY, String(Number(localStorage.getItem(FETCHES_KEY) ?? 0) + 1));
  callsSinceArmed += 1;
  if (armed?.hookAt === callsSinceArmed && armed.hook) {
    await realFetch(armed.hook.url, { method: armed.hook.method }).catch(() => {});
  }
  if (armed?.killAt === callsSinceArmed) {
    frozen = true;
    const served = armed.commitLast ? realFetch(...args).then((r) => r.text()).catch(() => {}) : Promise.resolve();
    served.then(() => location.reload());
    return never();
  }
  return realFetch(...args);
};

// --- storage: IndexedDB, one transaction per call -------------------------------------------------
const database = new Promise((resolve, reject) => {
  const open = indexedDB.open("soak-storage", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("kv");
  open.onsuccess = () => resolve(open.result);
  open.onerror = () => reject(open.error);
});

async function transaction(mode, act) {
  const db = await database;
  return new Promise((resolve, reject) => {
    const tx = db.transaction("kv", mode);
    const request = act(tx.objectStore("kv"));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error ?? new Error("storage transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("storage transaction aborted"));
  });
}

globalThis.ExtApi = Object.freeze({
  storageGet: (key) => (frozen ? never() : transaction("readonly", (s) => s.get(key)).then((v) => (typeof v === "string" ? v : null))),
  storageSet: (key, value) => (frozen ? never() : transaction("readwrite", (s) => s.put(value, key)).then(() => undefined)),
  storageRemove: (key) => (frozen ? never() : transaction("readwrite", (s) => s.delete(key)).then(() => undefined)),
  // `[[key, value], …]` as JSON text for the keys starting with `prefix` (ext_api.js storageScan)
  storageScan: (prefix) =>
    frozen
      ? never()
      : transaction("readonly", (s) => {
          const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
          const keys = s.getAllKeys(range);
          const values = s.getAll(range);
          return { get result() { return JSON.stringify(keys.result.map((k, i) => [k, values.result[i]]).filter(([, v]) => typeof v === "string")); } };
        }),
});

// --- the core -------------------------------------------------------------------------------------
const effects = [];
const lateEffects = [];
const record = (list, items) => {
  for (const e of Array.isArray(items) ? items : []) list.push(e);
};

// `true`: the loopback sandbox is an address, as in a `--dev-hosts` build (extension/build_flags.js)
// the texts the core renders: the extension's own files, as background.js hands them over
const coreText = (lang) => fetch(`/_locales/${lang}/messages.json`).then((r) => r.text());
const ready = Promise.all([init(), coreText("pl"), coreText("en")]).then(([, pl, en]) =>
  core.init_core((late) => record(lateEffects, late), true, pl, en),
);

/** The sender background.js describes for one of the extension's own pages. */
const PAGE = Object.freeze({ kind: "extension_page", url: `${location.origin}/options.html`, tabId: null });

globalThis.soak = {
  ready: ready.then(() => true),
  /** A message of docs/messages.md; `sender` defaults to an extension page. Resolves to the reply. */
  async send(message, sender = PAGE) {
    await ready;
    const result = await core.handle_message(message, sender);
    record(effects, result?.effects);
    return result?.reply ?? null;
  },
  /** This page load (a kill and restart gives a new one). */
  bootId: `${realNow()}-${Math.random()}`,
  /** See "fetch" above; `null` disarms. */
  arm(plan) {
    armed = plan;
    callsSinceArmed = 0;
    return true;
  },
  /** `{bootId, frozen, running, fetches}`, without touching storage once the page is dying. */
  async probe() {
    const fetches = Number(localStorage.getItem(FETCHES_KEY) ?? 0);
    if (frozen) return { bootId: this.bootId, frozen, running: true, fetches };
    const status = await this.send({ type: "getStatus" });
    return { bootId: this.bootId, frozen, running: Boolean(status?.running), fetches };
  },
  /** Moves the wasm's clock (and this page's) forward; kept across reloads. */
  jumpClock(ms) {
    jumpClock(ms);
    return offsetMs;
  },
  stats() {
    return {
      clockOffsetMs: offsetMs,
      virtualSleepMs: Number(localStorage.getItem(SLEPT_KEY) ?? 0),
      fetches: Number(localStorage.getItem(FETCHES_KEY) ?? 0),
      effects: effects.length,
      lateEffects: lateEffects.length,
      notifications: [...effects, ...lateEffects].filter((e) => e?.type === "notify").length,
    };
  },
};
