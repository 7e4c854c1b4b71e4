// Where things are: the repository, the wasm package, the sandbox binary, the browser.
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const paths = {
  root,
  pkg: path.join(root, "target/pkg"),
  builder: path.join(root, "extension/tools/build.mjs"),
  sandboxBin: path.join(root, "target/release/sandbox"),
  /** Debian's real binary (`/usr/bin/chromium` is a shell wrapper). */
  chromium: process.env.CHROMIUM_BIN ?? "/usr/lib/chromium/chromium",
};
