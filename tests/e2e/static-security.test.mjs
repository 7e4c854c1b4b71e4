// Static security checks of the extension sources and the built manifests (docs/security.md):
// one file touches the extension API, no remote or dynamic code, no key store but storage.local,
// host access only on request for https (loopback http for the sandbox), a strict CSP.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ext = path.join(root, "extension");
const sources = fs
  .readdirSync(ext)
  .filter((f) => /\.(js|html)$/.test(f))
  .map((f) => ({ name: f, text: fs.readFileSync(path.join(ext, f), "utf8") }));

test("only ext_api.js names the browser/chrome extension namespace", () => {
  const code = (text) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
  const touching = sources.filter((s) => s.name.endsWith(".js") && /\b(chrome|browser)\s*(\.|\?\?)/.test(code(s.text)));
  assert.deepEqual(touching.map((s) => s.name), ["ext_api.js"]);
});

test("no dynamic code, no HTML from data, no remote scripts", () => {
  for (const s of sources) {
    assert.doesNotMatch(s.text, /\beval\s*\(|new\s+Function\s*\(|\.innerHTML\s*=|document\.write\s*\(|insertAdjacentHTML/, s.name);
    assert.doesNotMatch(s.text, /<script[^>]+src=["']https?:/i, s.name);
    assert.doesNotMatch(s.text, /import\s*\(\s*["']https?:/, s.name);
  }
});

test("keys are stored only through storage.local, never storage.sync", () => {
  for (const s of sources) assert.doesNotMatch(s.text, /storage\.sync/, s.name);
  const api = sources.find((s) => s.name === "ext_api.js").text;
  assert.match(api, /storage\.local/);
});

for (const browser of ["chrome", "firefox"]) {
  test(`${browser} manifest: strict CSP, host access only on request, nothing exposed`, (t) => {
    const file = path.join(root, "dist", browser, "manifest.json");
    if (!fs.existsSync(file)) {
      assert.fail(`${file} is missing: run ./build.sh first (./build.sh test does)`);
    }
    const m = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.equal(m.manifest_version, 3);
    assert.equal(m.content_security_policy.extension_pages, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
    assert.deepEqual(m.host_permissions ?? [], [], "no host access at install in the normal build");
    for (const p of m.optional_host_permissions) {
      assert.ok(p.startsWith("https://") || /^http:\/\/(127\.0\.0\.1|localhost)\//.test(p), p);
    }
    assert.equal(m.externally_connectable, undefined, "no page or other extension may message us");
    assert.equal(m.content_scripts, undefined, "the admin script is registered at run time for the shop only");
    assert.equal(m.web_accessible_resources, undefined, "nothing of ours is reachable from pages");
    const background = m.background;
    assert.equal(background.type, "module");
    if (browser === "chrome") assert.equal(background.service_worker, "background.js");
    else assert.deepEqual(background.scripts, ["background.js"]);
  });
}
