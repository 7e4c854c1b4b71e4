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

test("keys are stored only through storage.local, never storage.sync, and encrypted there", () => {
  for (const s of sources) assert.doesNotMatch(s.text, /storage\.sync/, s.name);
  const api = sources.find((s) => s.name === "ext_api.js").text;
  assert.match(api, /storage\.local/);
  assert.match(api, /const SECRET_KEYS = new Set\(\["connection", "tokens"\]\)/, "the keys holding secrets are the encrypted ones");
  assert.match(api, /generateKey\(\{ name: "AES-GCM", length: 256 \}, false,/, "the AES key is created non-extractable");
});

test("the content script gives a page nothing to read, forge or pre-empt", () => {
  const content = sources.find((s) => s.name === "content.js").text;
  const code = content.replace(/\/\/.*$/gm, "");
  assert.doesNotMatch(code, /customElements|shoper-systim-|setAttribute\(\s*"part"|part:|\.title\s*=/, "no custom element names, no parts, no title");
  assert.match(code, /attachShadow\(\{ mode: "closed" \}\)/);
  assert.doesNotMatch(code, /document\.querySelector\([^)]*systim/, "no check of the page's DOM can switch the script off");
  const listeners = [...code.matchAll(/addEventListener\("(\w+)",\s*([^)]{0,12})/g)].filter(([, type]) => ["click", "keydown"].includes(type));
  assert.ok(listeners.length >= 4, "the click and key handlers");
  for (const [whole, , handler] of listeners) assert.match(handler, /^trusted\(/, `only the user's own events count: ${whole}`);
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
    assert.deepEqual(m.optional_host_permissions, ["https://*/*"], "only https may be asked for: no loopback, no http");
    const flags = fs.readFileSync(path.join(root, "dist", browser, "build_flags.js"), "utf8");
    assert.match(flags, /export const DEV_HOSTS = false;/, "the core of a normal build refuses the loopback machine");
    assert.equal(m.externally_connectable, undefined, "no page or other extension may message us");
    assert.equal(m.content_scripts, undefined, "the admin script is registered at run time for the shop only");
    assert.equal(m.web_accessible_resources, undefined, "nothing of ours is reachable from pages");
    const background = m.background;
    assert.equal(background.type, "module");
    if (browser === "chrome") assert.equal(background.service_worker, "background.js");
    else assert.deepEqual(background.scripts, ["background.js"]);
  });
}
