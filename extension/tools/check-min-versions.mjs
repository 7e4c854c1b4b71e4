// The minimum browser versions the manifests declare, checked against what the code uses:
//
//   node extension/tools/check-min-versions.mjs [--wasm <file>] [--markdown]
//
// Every manifest key of both built manifests, every extension API the code calls (found in
// extension/*.js: `api.<namespace>.<member>`), the platform features it relies on (listed below)
// and the WebAssembly features the shipped .wasm really uses (`--wasm`: found by validating it
// with each enabled feature switched off in turn) are looked up in MDN's browser-compat-data (the
// npm package web-ext's linter brings, in tests/e2e/node_modules). The declared minimums —
// `minimum_chrome_version`, Firefox's `strict_min_version` (desktop and Android) — must be at least
// the highest version any of them needs; otherwise this exits 1 and names the feature. Calls made
// only where the browser has them (`?.()`, a `typeof` guard) are listed but need nothing.
// `--markdown` prints the table docs/release.md carries.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BROWSERS, resolveManifest } from "./build.mjs";

const EXT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NODE_DIR = path.join(EXT_DIR, "..", "tests", "e2e");
const require = createRequire(path.join(NODE_DIR, "package.json"));

/** Browsers of the check: BCD's name → how the manifest declares its minimum. */
const TARGETS = {
  chrome: { label: "Chrome", declared: (m) => m.chrome.minimum_chrome_version },
  firefox: { label: "Firefox", declared: (m) => m.firefox.browser_specific_settings?.gecko?.strict_min_version },
  firefox_android: { label: "Firefox for Android", declared: (m) => m.firefox.browser_specific_settings?.gecko_android?.strict_min_version },
};
const MANIFEST_OF = { chrome: "chrome", firefox: "firefox", firefox_android: "firefox" };

/** Used where present only: needs nothing (how the code guards it). */
const OPTIONAL = {
  "api.storage.StorageArea.setAccessLevel": "ext_api.js: `setAccessLevel?.(…)` — storage.local closed to content scripts where the browser can (Chrome 140)",
  "api.storage.StorageArea.getKeys": "ext_api.js storageScan: `typeof local.getKeys === \"function\"`, else `get(null)`",
};

/** API members reached through a variable (not `api.x.y`) — named here. */
const INDIRECT = [
  ["api.storage.StorageArea.getKeys", "ext_api.js storageScan"],
  ["api.storage.StorageArea.get", "ext_api.js storageScan"],
];

/** Features of the platform the code relies on (not extension APIs), with where. */
const PLATFORM = [
  ["javascript.statements.import", "ES modules: background, pages"],
  ["javascript.operators.optional_chaining", "every script"],
  ["javascript.operators.nullish_coalescing_assignment", "ext_api.js, options.js (`??=`)"],
  ["api.structuredClone", "options.js"],
  ["javascript.builtins.Intl.RelativeTimeFormat", "ui.js (\"5 min temu\")"],
  ["javascript.builtins.Intl.PluralRules", "ui.js"],
  ["api.SubtleCrypto.encrypt", "ext_api.js: keys at rest (AES-GCM)"],
  ["api.IDBObjectStore.add", "ext_api.js: the AES key kept in IndexedDB"],
  ["webassembly.api.instantiateStreaming_static", "the wasm-bindgen glue"],
];

/** Behaviours the code needs that browser-compat-data does not record, with the source. */
const BEHAVIOURS = [
  {
    browser: "chrome",
    version: 110,
    what: "extension API calls keep the service worker alive (the background's keep-alive during a run)",
    source: "developer.chrome.com: the extension service worker lifecycle (Chrome 110)",
  },
  {
    browser: "chrome",
    version: 114,
    what: "storage.local holds 10 MB (5 MB in Chrome 113 and earlier): the capacity of docs/storage.md",
    source: "developer.chrome.com: chrome.storage, storage.local",
  },
];

/** The wasm features rustc enables for wasm32-unknown-unknown (wasm-opt flag → BCD name). */
const WASM_FEATURES = [
  ["bulk-memory", "bulk-memory-operations"],
  ["nontrapping-float-to-int", "non-trapping-float-to-int-conversions"],
  ["sign-ext", "sign-extension-operations"],
  ["mutable-globals", null], // part of the first wasm releases' JS API everywhere
  ["reference-types", "reference-types"],
  ["multivalue", "multi-value"],
];

function parseArgs(argv) {
  const args = { wasm: null, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--wasm") args.wasm = argv[++i];
    else if (argv[i] === "--markdown") args.markdown = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

function loadBcd() {
  try {
    return require("@mdn/browser-compat-data");
  } catch {
    console.error("check-min-versions: @mdn/browser-compat-data is missing (./build.sh setup installs tests/e2e/node_modules)");
    process.exit(1);
  }
}

function at(bcd, dotted) {
  let node = bcd;
  for (const part of dotted.split(".")) node = node?.[part];
  return node?.__compat ? node : null;
}

/** The version a BCD support statement gives: a number, 0 for "always", null for unsupported. */
function versionOf(statement) {
  const list = Array.isArray(statement) ? statement : [statement];
  const main = list.find((s) => s && !s.flags && !s.prefix && !s.alternative_name && s.version_removed === undefined) ?? null;
  const v = main?.version_added;
  if (v === true) return 0;
  if (!v || v === "preview") return null;
  return Number.parseFloat(String(v).replace("≤", ""));
}

/** Manifest keys with a BCD entry, as dotted paths (`background.type`). */
function manifestKeys(bcd, manifest) {
  const out = [];
  const walk = (value, prefix) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    for (const key of Object.keys(value)) {
      const p = prefix ? `${prefix}.${key}` : key;
      if (at(bcd, `webextensions.manifest.${p}`)) {
        out.push(p);
        walk(value[key], p);
      }
    }
  };
  walk(manifest, "");
  for (const perm of manifest.permissions ?? []) {
    if (at(bcd, `webextensions.manifest.permissions.${perm}`)) out.push(`permissions.${perm}`);
  }
  return out;
}

/** `api.<ns>.<member>` uses in the extension's scripts, as BCD paths. */
function apiUses(bcd) {
  const uses = new Map(); // BCD path → where
  for (const file of fs.readdirSync(EXT_DIR).filter((f) => f.endsWith(".js"))) {
    const text = fs.readFileSync(path.join(EXT_DIR, file), "utf8");
    for (const m of text.matchAll(/\bapi\.([a-z]+)\.([a-zA-Z]+)(?:\.([a-zA-Z]+))?/g)) {
      let [, ns, member, sub] = m;
      let p = `api.${ns}.${member}`;
      if (ns === "storage" && member === "local") p = sub ? `api.storage.StorageArea.${sub}` : "api.storage.local";
      if (!at(bcd, `webextensions.${p}`)) throw new Error(`${file}: ${m[0]} is not in browser-compat-data (${p})`);
      if (!uses.has(p)) uses.set(p, file);
    }
    if (/registerContentScripts\([\s\S]*persistAcrossSessions/.test(text)) uses.set("api.scripting.RegisteredContentScript.persistAcrossSessions", file);
  }
  for (const [p, where] of INDIRECT) if (!uses.has(p)) uses.set(p, where);
  return uses;
}

/** The wasm features the binary uses: those without which it does not validate. */
function wasmUses(file) {
  const opt = path.join(NODE_DIR, "node_modules", ".bin", "wasm-opt");
  const used = [];
  for (const [flag, name] of WASM_FEATURES) {
    const others = WASM_FEATURES.filter(([f]) => f !== flag).map(([f]) => `--enable-${f}`);
    try {
      execFileSync(opt, [file, "--mvp-features", ...others, "-o", "/dev/null"], { stdio: "ignore" });
    } catch {
      if (name) used.push(name);
    }
  }
  return used;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const bcd = loadBcd();
  const template = JSON.parse(fs.readFileSync(path.join(EXT_DIR, "manifest.template.json"), "utf8"));
  const manifests = Object.fromEntries(BROWSERS.map((b) => [b, resolveManifest(template, b)]));

  // [feature, where, {browser: version|null}, optional]
  const rows = [];
  const support = (node) => Object.fromEntries(Object.keys(TARGETS).map((b) => [b, versionOf(node.__compat.support[b])]));
  const seen = new Map();
  for (const b of BROWSERS) {
    for (const key of manifestKeys(bcd, manifests[b])) {
      const entry = seen.get(key) ?? { browsers: new Set() };
      entry.browsers.add(b);
      seen.set(key, entry);
    }
  }
  for (const [key, { browsers }] of seen) {
    const s = support(at(bcd, `webextensions.manifest.${key}`));
    // A key only in one browser's manifest binds only that browser; Firefox for Android's own
    // block binds only it.
    for (const t of Object.keys(TARGETS)) if (!browsers.has(MANIFEST_OF[t])) s[t] = undefined;
    if (key.startsWith("browser_specific_settings.gecko_android")) s.firefox = undefined;
    rows.push({ feature: `manifest: ${key}`, where: [...browsers].join(", "), s });
  }
  for (const [p, where] of apiUses(bcd)) {
    rows.push({ feature: p.replace(/^api\./, ""), where, s: support(at(bcd, `webextensions.${p}`)), optional: OPTIONAL[p] });
  }
  for (const [p, where] of PLATFORM) rows.push({ feature: p, where, s: support(at(bcd, p)) });
  if (args.wasm) {
    for (const name of wasmUses(args.wasm)) rows.push({ feature: `webassembly.${name}`, where: path.basename(args.wasm), s: support(at(bcd, `webassembly.${name}`)) });
  }
  for (const b of BEHAVIOURS) rows.push({ feature: b.what, where: b.source, s: { [b.browser]: b.version } });

  let failed = false;
  const floors = {};
  for (const [t, { label, declared }] of Object.entries(TARGETS)) {
    const min = Number.parseFloat(declared(manifests) ?? "0");
    let floor = { version: 0, feature: "—" };
    for (const r of rows) {
      const v = r.s[t];
      if (r.optional || v === undefined) continue;
      if (v === null) {
        console.error(`check-min-versions: ${label} does not support ${r.feature} (${r.where})`);
        failed = true;
        continue;
      }
      if (v > floor.version) floor = { version: v, feature: r.feature };
    }
    floors[t] = { declared: min, ...floor };
    if (floor.version > min) {
      console.error(`check-min-versions: ${label} ${min} declared, but ${floor.feature} needs ${floor.version}`);
      failed = true;
    }
  }

  if (args.markdown) {
    const cell = (v) => (v === undefined ? "—" : v === null ? "no" : v === 0 ? "yes" : String(v));
    console.log("| feature | used in | Chrome | Firefox | Firefox for Android |");
    console.log("|---|---|---|---|---|");
    for (const r of rows) {
      const f = r.optional ? `${r.feature} (optional: ${r.optional})` : r.feature;
      console.log(`| ${f} | ${r.where} | ${cell(r.s.chrome)} | ${cell(r.s.firefox)} | ${cell(r.s.firefox_android)} |`);
    }
  }
  for (const [t, f] of Object.entries(floors)) {
    console.log(`check-min-versions: ${TARGETS[t].label}: ${f.declared} declared; the highest need is ${f.version} (${f.feature})`);
  }
  if (failed) process.exit(1);
}

main();
