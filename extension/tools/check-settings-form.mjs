// The options page edits every field of `Settings` and nothing else:
// `node extension/tools/check-settings-form.mjs` compares the leaf paths of the serde structs in
// src/settings.rs (`orders.missing_product`, …) with the paths of SETTINGS_FORM in options.js and
// exits 1 when a field was added, renamed or removed on one side only.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const EXT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rust = fs.readFileSync(path.join(EXT, "..", "src", "settings.rs"), "utf8");
const options = fs.readFileSync(path.join(EXT, "options.js"), "utf8");

/** `pub struct Name { pub field: Type, … }` → Map(Name → [[field, Type]]). */
const structs = new Map();
for (const [, attrs, name, body] of rust.matchAll(/((?:#\[[^\]]*\]\s*)*)pub struct (\w+) \{([^}]*)\}/g)) {
  if (/rename/.test(attrs) || /#\[serde\([^)]*rename/.test(body)) {
    console.error(`check-settings-form: ${name} renames serde fields; teach this check about it`);
    process.exit(1);
  }
  const fields = [...body.matchAll(/^\s*pub (\w+): ([^,\n]+),/gm)].map(([, f, ty]) => [f, ty.trim()]);
  structs.set(name, fields);
}

function leaves(structName, prefix = "") {
  return (structs.get(structName) ?? []).flatMap(([field, ty]) =>
    structs.has(ty) && ty !== "IdMapping" && ty !== "WarehouseLink" ? leaves(ty, `${prefix}${field}.`) : [`${prefix}${field}`],
  );
}

const expected = new Set(leaves("Settings"));
const inForm = new Set([
  ...[...options.matchAll(/\bpath: "([a-z_.]+)"/g)].map((m) => m[1]),
  ...[...options.matchAll(/idMapping\("([a-z_.]+)"[,)]/g)].map((m) => m[1]),
]);
const missing = [...expected].filter((p) => !inForm.has(p));
const extra = [...inForm].filter((p) => !expected.has(p));
if (!expected.size || missing.length || extra.length) {
  if (!expected.size) console.error("check-settings-form: no Settings struct found in src/settings.rs");
  if (missing.length) console.error(`check-settings-form: not in the options page: ${missing.join(", ")}`);
  if (extra.length) console.error(`check-settings-form: not in src/settings.rs: ${extra.join(", ")}`);
  process.exit(1);
}
console.log(`check-settings-form: all ${expected.size} fields of Settings are on the options page`);
