// Assembles the extension for both browsers from extension/ and the wasm-bindgen output:
//
//   node extension/tools/build.mjs --pkg <dir> --out <dir> [--dev-hosts | --dev-hosts-optional]
//
// writes <out>/chrome and <out>/firefox (unpacked, loadable as they are) and
// <out>/shoper-systim-chrome.zip / <out>/shoper-systim-firefox.zip. `--pkg` is the directory with
// shoper_systim.js + shoper_systim_bg.wasm (`wasm-bindgen --target web`). The store packages, the
// source package and their checksums come from `package.mjs` (`./build.sh package`), on top of this.
//
// `--dev-hosts` makes a build for the loopback sandbox (the demo and the end-to-end tests) —
// never one that is shipped: the core accepts http://127.0.0.1 and http://localhost as addresses
// (`build_flags.js`, which the background passes to the core at start: no page can switch it on)
// and the manifest grants them at install. `--dev-hosts-optional` is the same but leaves the
// loopback access optional, asked for like a real shop's (the host-access tests). A normal build
// accepts only https addresses of the internet, and asks for nothing but https.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodeZip } from "./binary.mjs";
import { iconFiles } from "./icons.mjs";

const EXT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REPO_DIR = path.resolve(EXT_DIR, "..");
export const BROWSERS = ["chrome", "firefox"];
const DEV_HOSTS = ["http://127.0.0.1/*", "http://localhost/*"];
/** Written into each build: what the core of this build accepts (see the top of this file). */
const FLAGS_FILE = "build_flags.js";

/** The extension's own files, copied as they are. */
const SOURCES = [
  "ext_api.js",
  "background.js",
  "ui.js",
  "ui.css",
  "popup.html",
  "popup.js",
  "popup.css",
  "options.html",
  "options.js",
  "options.css",
  "document.html",
  "document.js",
  "content.js",
  "_locales",
];
/** What the pages and the background load from the wasm-bindgen output (snippets only if present). */
const PKG_FILES = ["shoper_systim.js", "shoper_systim_bg.wasm", "snippets"];

function parseArgs(argv) {
  const args = { devHosts: null }; // null, "granted" or "optional"
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--pkg" || a === "--out") args[a.slice(2)] = argv[++i];
    else if (a === "--dev-hosts") args.devHosts = "granted";
    else if (a === "--dev-hosts-optional") args.devHosts = "optional";
    else fail(`unknown argument ${a}`);
  }
  if (!args.pkg || !args.out) fail("usage: node extension/tools/build.mjs --pkg <dir> --out <dir> [--dev-hosts | --dev-hosts-optional]");
  return args;
}

function fail(message) {
  console.error(`build.mjs: ${message}`);
  process.exit(1);
}

/**
 * The crate's version (Cargo.toml, [package]) — one version for the core and the extension
 * (docs/release.md: the version scheme). Only `MAJOR.MINOR.PATCH`: what both stores accept as a
 * manifest `version` and what an update compares.
 */
export function crateVersion() {
  const toml = fs.readFileSync(path.join(REPO_DIR, "Cargo.toml"), "utf8");
  const pkg = toml.slice(toml.indexOf("[package]"));
  const m = pkg.match(/^version\s*=\s*"([^"]*)"/m);
  if (!m) fail("no [package] version in Cargo.toml");
  if (!/^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$/.test(m[1])) {
    fail(`Cargo.toml version ${m[1]}: only MAJOR.MINOR.PATCH is released (docs/release.md)`);
  }
  return m[1];
}

/**
 * Resolves the template for one browser: `//` keys are comments and go; `__<browser>__key`
 * replaces `key` (null removes it); other browsers' overrides go.
 */
export function resolveManifest(value, browser) {
  if (Array.isArray(value)) return value.map((v) => resolveManifest(v, browser));
  if (value === null || typeof value !== "object") return value;
  const out = {};
  const overrides = [];
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith("//")) continue;
    const m = key.match(/^__([a-z]+)__(.+)$/);
    if (!m) out[key] = resolveManifest(v, browser);
    else if (!BROWSERS.includes(m[1])) fail(`unknown browser in manifest key ${key}`);
    else if (m[1] === browser) overrides.push([m[2], v]);
  }
  for (const [key, v] of overrides) {
    if (v === null) delete out[key];
    else out[key] = resolveManifest(v, browser);
  }
  return out;
}

function manifestFor(browser, { devHosts }) {
  const template = JSON.parse(fs.readFileSync(path.join(EXT_DIR, "manifest.template.json"), "utf8"));
  const manifest = resolveManifest(template, browser);
  manifest.version = crateVersion();
  // Shown by Chrome next to the name (Firefox has no version_name: there it is left out); a
  // loopback build says what it is, so that it is never mistaken for a store build.
  if ("version_name" in manifest) manifest.version_name = devHosts ? `${manifest.version} dev-hosts` : manifest.version;
  if (devHosts) manifest.optional_host_permissions = [...new Set([...(manifest.optional_host_permissions ?? []), ...DEV_HOSTS])];
  if (devHosts === "granted") manifest.host_permissions = [...new Set([...(manifest.host_permissions ?? []), ...DEV_HOSTS])];
  if (!manifest.host_permissions?.length) delete manifest.host_permissions;
  return manifest;
}

/** `build_flags.js`: an ES module the background and the options page import. */
export function flagsModule({ devHosts }) {
  return [
    "// Written by extension/tools/build.mjs for this build; not a setting (nothing at run time changes it).",
    "// DEV_HOSTS: the loopback sandbox (http://127.0.0.1, http://localhost) is an address the core accepts.",
    `export const DEV_HOSTS = ${devHosts ? "true" : "false"};`,
    "",
  ].join("\n");
}

function copyInto(src, dest) {
  fs.cpSync(src, dest, { recursive: true, filter: (p) => !path.basename(p).startsWith(".") });
}

/** Every file under `dir`, as `{name, data}` with `/`-separated names relative to it. */
export function listFiles(dir, prefix = "") {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const abs = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(abs, rel) : [{ name: rel, data: fs.readFileSync(abs) }];
  });
}

/**
 * One browser's build: the unpacked tree `<out>/<browser>` and its zip (`zipName(browser)`, in
 * `<out>`; by default `shoper-systim-<browser>.zip`). `args`: `{pkg, out, devHosts, zipName?}`.
 */
export function buildBrowser(browser, args) {
  const dir = path.join(args.out, browser);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const name of SOURCES) {
    const src = path.join(EXT_DIR, name);
    if (!fs.existsSync(src)) fail(`extension/${name} is missing`);
    copyInto(src, path.join(dir, name));
  }
  for (const name of PKG_FILES) {
    const src = path.join(args.pkg, name);
    if (fs.existsSync(src)) copyInto(src, path.join(dir, "pkg", name));
    else if (name !== "snippets") fail(`${src} is missing (run the wasm build first)`);
  }
  for (const [name, data] of Object.entries(iconFiles())) {
    fs.mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
  fs.writeFileSync(path.join(dir, FLAGS_FILE), flagsModule(args));
  const manifest = manifestFor(browser, args);
  fs.writeFileSync(path.join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const zip = path.join(args.out, args.zipName ? args.zipName(browser) : `shoper-systim-${browser}.zip`);
  fs.writeFileSync(zip, encodeZip(listFiles(dir)));
  return { dir, zip };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  args.pkg = path.resolve(args.pkg);
  args.out = path.resolve(args.out);
  fs.mkdirSync(args.out, { recursive: true });
  for (const browser of BROWSERS) {
    const { dir, zip } = buildBrowser(browser, args);
    const size = fs.statSync(zip).size;
    console.log(`${browser}: ${dir} (${path.basename(zip)}, ${size} bytes)${args.devHosts ? ` [dev hosts: ${args.devHosts}]` : ""}`);
  }
}
