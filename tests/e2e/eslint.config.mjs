// ESLint for the extension's JavaScript (`./build.sh test` runs it from the repository's root:
// `eslint --config tests/e2e/eslint.config.mjs extension`). The recommended rules catch what a
// type-free language lets through: undefined names, unused variables and imports, unreachable
// code, duplicate keys, assignments in conditions. (A `tsc --checkJs` run was measured as well:
// almost all of its findings were DOM narrowing — `Element` vs `HTMLInputElement` — not mistakes.)
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["extension/pkg/**"] },
  { ...js.configs.recommended },
  {
    files: ["extension/**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.browser, ...globals.webextensions } },
  },
  {
    files: ["extension/tools/**/*.mjs"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.node } },
  },
  {
    // Functions handed to a page (`page.evaluate`) run in the browser.
    files: ["extension/tools/store-screenshots.mjs"],
    languageOptions: { globals: { ...globals.browser } },
  },
];
