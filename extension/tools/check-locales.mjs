// Checks extension/_locales: `node extension/tools/check-locales.mjs` (exit 1 on any problem).
//
// - pl (the default) and en have exactly the same keys, none empty, with the same $1…$9;
// - every key the sources name statically exists: data-i18n / data-i18n-attr in the HTML,
//   t("…") / i18n("…") in the JS, __MSG_…__ in the manifest template, plural bases (all four
//   Polish categories), the labels of every settings field of the core's form
//   (src/settings_form.json), and the "core_…" keys the Rust core names (src/texts.rs; the keys
//   it builds at run time — reasons, per-service errors — are checked by its own tests);
// - the manifest texts fit the stores' limits.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const EXT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const LANGS = ["pl", "en"];
const PLURAL_CATEGORIES = ["one", "few", "many", "other"];
const problems = [];

const load = (lang) => JSON.parse(fs.readFileSync(path.join(EXT, "_locales", lang, "messages.json"), "utf8"));
const locales = Object.fromEntries(LANGS.map((l) => [l, load(l)]));
const placeholders = (text) => [...new Set(text.match(/\$[1-9]/g) ?? [])].sort().join(",");

// same keys, sane messages
const [base, ...others] = LANGS;
for (const lang of others) {
  for (const key of Object.keys(locales[base])) if (!(key in locales[lang])) problems.push(`${lang}: missing ${key}`);
  for (const key of Object.keys(locales[lang])) if (!(key in locales[base])) problems.push(`${lang}: extra ${key} (not in ${base})`);
}
for (const lang of LANGS) {
  for (const [key, entry] of Object.entries(locales[lang])) {
    if (!/^[A-Za-z0-9_]+$/.test(key) || key.startsWith("@@")) problems.push(`${lang}: bad key name ${key}`);
    if (typeof entry?.message !== "string" || entry.message.trim() === "") problems.push(`${lang}: ${key} is empty`);
    else if (/\$(?![1-9$])/.test(entry.message)) problems.push(`${lang}: ${key} has a lone $ (write $$)`);
    else if (/\$[1-9]\$(?!\$)/.test(entry.message)) problems.push(`${lang}: ${key} has two placeholders side by side ($1$2 reads as a named placeholder $1$)`);
  }
}
for (const key of Object.keys(locales[base])) {
  for (const lang of others) {
    const a = locales[base][key]?.message ?? "";
    const b = locales[lang][key]?.message ?? "";
    if (placeholders(a) !== placeholders(b)) problems.push(`${key}: ${base} uses [${placeholders(a)}], ${lang} uses [${placeholders(b)}]`);
  }
}

// keys named by the sources
const read = (name) => fs.readFileSync(path.join(EXT, name), "utf8");
const used = new Map(); // key → first file naming it
const use = (key, file) => used.has(key) || used.set(key, file);
for (const file of fs.readdirSync(EXT).filter((f) => f.endsWith(".html"))) {
  const html = read(file);
  for (const [, key] of html.matchAll(/data-i18n="([^"]+)"/g)) use(key, file);
  for (const [, pairs] of html.matchAll(/data-i18n-attr="([^"]+)"/g)) {
    for (const pair of pairs.split(";")) use(pair.split(":")[1].trim(), file);
  }
}
for (const file of fs.readdirSync(EXT).filter((f) => f.endsWith(".js"))) {
  const js = read(file);
  for (const [, key] of js.matchAll(/\b(?:t|i18n)\(\s*"([A-Za-z0-9_]+)"/g)) use(key, file);
  for (const [, baseKey] of js.matchAll(/\bplural\(\s*"([A-Za-z0-9_]+)"/g)) {
    for (const c of PLURAL_CATEGORIES) use(`${baseKey}_${c}`, file);
  }
}
for (const [, key] of read("manifest.template.json").matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) use(key, "manifest.template.json");
// The settings form the core describes (src/settings_form.json): each field's label and help, a
// choice's values, a column's header (and its "none" text when optional) — as options.js builds them.
const FORM = "src/settings_form.json";
for (const { group, fields } of JSON.parse(fs.readFileSync(path.join(EXT, "..", FORM), "utf8"))) {
  use(`group_${group}`, FORM);
  for (const f of fields) {
    const key = `set_${f.path.replace(/\./g, "_")}`;
    for (const k of [key, `${key}_help`, ...(f.options ?? []).map((o) => `${key}__${o}`)]) use(k, FORM);
    for (const c of f.columns ?? []) {
      use(`${key}_${c.key}`, FORM);
      if (c.type === "optInt" || c.type === "idList") use(`${key}_${c.key}_empty`, FORM);
    }
  }
}
// the core's texts (src/texts.rs): every "core_…" key a Rust source names, and the title and
// advice of every keyed_group("<reason>") / keyed_group_as(_, "<texts>")
const SRC = path.resolve(EXT, "../src");
const rustFiles = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? rustFiles(path.join(dir, e.name)) : e.name.endsWith(".rs") ? [path.join(dir, e.name)] : []));
for (const file of rustFiles(SRC)) {
  if (/(^|_)tests\.rs$|fixtures\.rs$|testkit\.rs$/.test(path.basename(file))) continue;
  const whole = fs.readFileSync(file, "utf8");
  const tests = whole.search(/\n#\[cfg\(test\)\]\n(pub(\(crate\))? )?mod /);
  const rs = tests < 0 ? whole : whole.slice(0, tests); // not the unit tests' own keys
  const name = path.relative(path.resolve(EXT, ".."), file);
  for (const [, key] of rs.matchAll(/"(core_[a-z0-9_]*[a-z0-9])"/g)) use(key, name);
  for (const [, reason, texts] of rs.matchAll(/\bkeyed_group(?:_as)?\(\s*"([a-z0-9_]+)"(?:,\s*"([a-z0-9_]+)")?/g)) {
    use(`core_group_${texts ?? reason}`, name);
    use(`core_group_${texts ?? reason}_advice`, name);
  }
}
for (const [key, file] of used) {
  for (const lang of LANGS) if (!(key in locales[lang])) problems.push(`${lang}: ${key} (named in ${file}) is missing`);
}

// store limits (Chrome Web Store / AMO)
for (const lang of LANGS) {
  const len = (key) => [...(locales[lang][key]?.message ?? "")].length;
  if (len("ext_name") > 75) problems.push(`${lang}: ext_name is longer than 75 characters`);
  if (len("ext_description") > 132) problems.push(`${lang}: ext_description is longer than 132 characters`);
}

// keys nobody names statically are fine when built at run time (`phase_${phase}`); list them with --unused
if (process.argv.includes("--unused")) {
  const unused = Object.keys(locales[base]).filter((k) => !used.has(k));
  console.log(`not named statically (${unused.length}): ${unused.join(" ")}`);
}

if (problems.length) {
  console.error(`check-locales: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-locales: ${LANGS.join(", ")} — ${Object.keys(locales[base]).length} keys each, ${used.size} named by the sources, all present`);
