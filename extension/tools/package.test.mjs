// The release packages (`package.mjs`), checked in `./build.sh test` on the wasm it just built:
// what each store receives, that two runs give the same bytes, that the checksums are right and
// the source package holds every file of the repository. (The rebuild from the source package in
// an empty directory takes minutes: `./build.sh package --verify`, docs/release.md.)
//
//   node --test extension/tools/package.test.mjs   (after ./build.sh, which leaves target/pkg)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { crateVersion } from "./build.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PKG = path.join(REPO, "target", "pkg");
const VERSION = crateVersion();

/** Entries of a zip written by binary.mjs: `{name, data, mode}` (stored or deflated). */
function unzip(buf) {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    const external = buf.readUInt32LE(at + 38);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString("utf8");
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const body = buf.subarray(start, start + size);
    entries.push({ name, data: method === 8 ? zlib.inflateRawSync(body) : body, mode: (external >>> 16) & 0o777 });
    at += 46 + nameLen + extra + comment;
  }
  return entries;
}

function pack(out, extra = []) {
  execFileSync(process.execPath, [path.join(REPO, "extension", "tools", "package.mjs"), "--pkg", PKG, "--out", out, ...extra], { stdio: "pipe" });
}

const pngSize = (b) => ({ width: b.readUInt32BE(16), height: b.readUInt32BE(20) });

/** The permissions docs/store/permissions.md justifies (first column of its first table). */
function justified() {
  const doc = fs.readFileSync(path.join(REPO, "docs", "store", "permissions.md"), "utf8");
  const table = doc.split("## Permissions")[1].split("\n## ")[0];
  return [...table.matchAll(/^\| `([a-zA-Z]+)` \|/gm)].map((m) => m[1]).sort();
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shoper-systim-package-test-"));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the wasm build is there", () => {
  assert.ok(fs.existsSync(path.join(PKG, "shoper_systim_bg.wasm")), "run ./build.sh first (./build.sh test does)");
});

test("each store gets its own package: manifest at the root, the crate's version, icons, title, minimum versions, only justified permissions", () => {
  const out = path.join(dir, "a");
  pack(out, ["--no-source"]);
  for (const browser of ["chrome", "firefox"]) {
    const zip = path.join(out, `shoper-systim-${VERSION}-${browser}.zip`);
    const entries = new Map(unzip(fs.readFileSync(zip)).map((e) => [e.name, e.data]));
    const m = JSON.parse(entries.get("manifest.json"));
    assert.equal(m.version, VERSION);
    if (browser === "chrome") {
      assert.equal(m.version_name, VERSION, "Chrome shows the version");
      assert.ok(Number(m.minimum_chrome_version) >= 114, "10 MB of storage.local (docs/storage.md)");
      assert.equal(m.browser_specific_settings, undefined);
    } else {
      assert.equal(m.version_name, undefined, "Firefox has no version_name");
      assert.ok(m.browser_specific_settings.gecko.id && m.browser_specific_settings.gecko.strict_min_version);
      assert.ok(m.browser_specific_settings.gecko.data_collection_permissions.required.length);
    }
    for (const size of [16, 32, 48, 128]) {
      const file = m.icons[String(size)];
      assert.deepEqual(pngSize(entries.get(file)), { width: size, height: size }, `${browser}: ${file}`);
    }
    assert.equal(m.action.default_title, "__MSG_ext_short_name__");
    for (const key of m.action.default_title.match(/__MSG_(\w+)__/).slice(1)) {
      for (const lang of ["pl", "en"]) assert.ok(JSON.parse(entries.get(`_locales/${lang}/messages.json`))[key], `${lang}: ${key}`);
    }
    assert.deepEqual([...m.permissions].sort(), justified(), `${browser}: every permission justified in docs/store/permissions.md, nothing more`);
    assert.deepEqual(m.host_permissions ?? [], []);
    assert.match(entries.get("build_flags.js").toString(), /DEV_HOSTS = false/, "never a --dev-hosts build");
    assert.ok(entries.has("pkg/shoper_systim_bg.wasm") && entries.has("pkg/shoper_systim.js") && entries.has("background.js"));
    assert.ok(![...entries.keys()].some((n) => n.startsWith(".") || n.includes("/.")), "no hidden files");
    // The unpacked tree is what the zip holds.
    for (const [name, data] of entries) assert.ok(data.equals(fs.readFileSync(path.join(out, browser, name))), `${browser}/${name}`);
  }
});

test("two runs give the same bytes, and SHA256SUMS names every package and file correctly", () => {
  const a = path.join(dir, "b1");
  const b = path.join(dir, "b2");
  pack(a, ["--no-source"]);
  pack(b, ["--no-source"]);
  const sums = fs.readFileSync(path.join(a, "SHA256SUMS"), "utf8");
  assert.equal(sums, fs.readFileSync(path.join(b, "SHA256SUMS"), "utf8"));
  const lines = sums.trim().split("\n");
  assert.ok(lines.some((l) => l.endsWith(`  shoper-systim-${VERSION}-chrome.zip`)) && lines.some((l) => l.endsWith(`  shoper-systim-${VERSION}-firefox.zip`)));
  for (const line of lines) {
    const [hash, name] = line.split("  ");
    assert.equal(crypto.createHash("sha256").update(fs.readFileSync(path.join(a, name))).digest("hex"), hash, name);
  }
  assert.ok(lines.some((l) => l.endsWith("  chrome/pkg/shoper_systim_bg.wasm")) && lines.some((l) => l.endsWith("  firefox/pkg/shoper_systim.js")));
});

test("the source package holds every tracked file, its build instructions and the checksums of what they build", () => {
  const out = path.join(dir, "c");
  pack(out);
  const zip = path.join(out, `shoper-systim-${VERSION}-source.zip`);
  const entries = unzip(fs.readFileSync(zip));
  const prefix = `shoper-systim-${VERSION}/`;
  assert.ok(entries.every((e) => e.name.startsWith(prefix)));
  const names = new Map(entries.map((e) => [e.name.slice(prefix.length), e]));
  const tracked = execFileSync("git", ["-C", REPO, "ls-files"], { encoding: "utf8" }).trim().split("\n");
  for (const file of tracked) {
    assert.ok(names.has(file), `${file} is missing from the source package`);
    assert.ok(names.get(file).data.equals(fs.readFileSync(path.join(REPO, file))), `${file} differs from the working tree`);
  }
  assert.equal(names.size, tracked.length + 2, "nothing but the tracked files and the two build files");
  assert.equal(names.get("build.sh").mode, 0o755, "build.sh stays executable");
  assert.equal(names.get("Cargo.toml").mode, 0o644);
  const doc = names.get("BUILD-FROM-SOURCE.md").data.toString();
  for (const tool of ["rustc ", "wasm-bindgen", "binaryen", "Node.js", "bash build.sh package", "sha256sum -c ../../BUILD-SHA256SUMS"]) assert.ok(doc.includes(tool), `BUILD-FROM-SOURCE.md names ${tool}`);
  const built = names.get("BUILD-SHA256SUMS").data.toString();
  const all = fs.readFileSync(path.join(out, "SHA256SUMS"), "utf8");
  assert.equal(all.split("\n").filter((l) => l && !l.endsWith("-source.zip")).join("\n") + "\n", built, "what the source must rebuild is what was packaged");
  assert.ok(all.includes(`  shoper-systim-${VERSION}-source.zip\n`));
  assert.ok(!names.has("target/pkg/shoper_systim_bg.wasm") && ![...names.keys()].some((n) => n.startsWith("node_modules") || n.includes("/node_modules/")), "no build output, no npm packages");
});
