// The release packages (`./build.sh package`, docs/release.md), from the wasm-bindgen output:
//
//   node extension/tools/package.mjs --pkg <dir> --out <dir> [--no-source]
//
// writes into <out>:
//   shoper-systim-<version>-chrome.zip    the Chrome Web Store upload (manifest.json at the root)
//   shoper-systim-<version>-firefox.zip   the addons.mozilla.org upload (signed there into the .xpi)
//   shoper-systim-<version>-source.zip    the source package for the AMO review: every file git
//                                         tracks, under shoper-systim-<version>/, plus
//                                         BUILD-FROM-SOURCE.md (the tools, their versions, the steps)
//                                         and BUILD-SHA256SUMS (what the steps must produce)
//   SHA256SUMS                            `sha256sum -c` format: the three zips and every file of
//                                         both unpacked builds
//   chrome/, firefox/                     the unpacked builds the zips hold (normal builds: https
//                                         addresses only, never --dev-hosts)
//
// Everything written is deterministic (sorted zip entries, fixed timestamps): the same sources and
// tools give the same bytes, which is what `./build.sh package --verify` checks by rebuilding from
// the source package in an empty directory. The source package is made only in a git checkout
// (the list of files is git's); a build from an unpacked source package (`--no-source`, or no .git)
// writes the store packages and the checksums of what it built.
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodeZip } from "./binary.mjs";
import { BROWSERS, buildBrowser, crateVersion, listFiles } from "./build.mjs";

const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const NAME = "shoper-systim";
/** Files of the source package written here (not in git). */
const BUILD_DOC = "BUILD-FROM-SOURCE.md";
const BUILD_SUMS = "BUILD-SHA256SUMS";

function fail(message) {
  console.error(`package.mjs: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { source: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--pkg" || a === "--out") args[a.slice(2)] = path.resolve(argv[++i] ?? "");
    else if (a === "--no-source") args.source = false;
    else fail(`unknown argument ${a}`);
  }
  if (!args.pkg || !args.out) fail("usage: node extension/tools/package.mjs --pkg <dir> --out <dir> [--no-source]");
  return args;
}

const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

/** `sha256sum` lines (two spaces), sorted by name. */
export function sumLines(entries) {
  return [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(({ name, hash }) => `${hash}  ${name}\n`)
    .join("");
}

/** The output of a command, or null when it cannot run here. */
function run(cmd, args, options = {}) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], ...options }).trim();
  } catch {
    return null;
  }
}

/** Whether REPO_DIR is a git checkout (the source package's file list is git's). */
function inGit() {
  return run("git", ["-C", REPO_DIR, "rev-parse", "--is-inside-work-tree"]) === "true";
}

/** Every tracked file as it is in the working tree: `{name, data, mode}`. */
function trackedFiles() {
  const out = execFileSync("git", ["-C", REPO_DIR, "ls-files", "-s", "-z"], { encoding: "utf8", maxBuffer: 64 << 20 });
  const files = [];
  for (const record of out.split("\0").filter(Boolean)) {
    const [meta, name] = record.split("\t");
    const gitMode = meta.split(" ")[0];
    if (gitMode === "160000") continue; // a submodule: none today
    const abs = path.join(REPO_DIR, name);
    if (!fs.existsSync(abs)) fail(`${name} is tracked but missing from the working tree`);
    files.push({ name, data: fs.readFileSync(abs), mode: gitMode === "100755" ? 0o755 : 0o644 });
  }
  return files;
}

/** The tools this build ran with (the source package's instructions name them). */
function toolVersions() {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "tests", "e2e", "package-lock.json"), "utf8"));
  const osRelease = fs.existsSync("/etc/os-release") ? fs.readFileSync("/etc/os-release", "utf8") : "";
  const pretty = osRelease.match(/^PRETTY_NAME="?([^"\n]*)"?/m)?.[1];
  return {
    os: [pretty ?? process.platform, run("uname", ["-m"]) ?? process.arch].join(", "),
    rustc: run("rustc", ["-V"]) ?? "unknown",
    cargo: run("cargo", ["-V"]) ?? "unknown",
    wasmBindgen: run("wasm-bindgen", ["--version"]) ?? "unknown",
    binaryen: lock.packages?.["node_modules/binaryen"]?.version ?? "unknown",
    node: process.version,
    npm: run("npm", ["-v"]) ?? "unknown",
  };
}

function buildDoc(version, tools, dirty) {
  const rustVersion = tools.rustc.match(/rustc (\S+)/)?.[1] ?? "<the rustc version above>";
  const wbgVersion = tools.wasmBindgen.match(/(\d+\.\d+\.\d+)/)?.[1] ?? "<the wasm-bindgen version in Cargo.lock>";
  return `# Building ${NAME} ${version} from this source package

This archive is the complete source of the browser extension "Shoper ⇄ Systim" ${version}: every
file of its git repository${dirty ? " (made from a working tree with uncommitted changes)" : ""}. The files of the add-on that are
generated or compiled:

- \`pkg/shoper_systim_bg.wasm\` — the Rust crate in \`src/\` compiled for \`wasm32-unknown-unknown\`
  (release profile of \`Cargo.toml\`: \`opt-level = "z"\`, LTO), processed by \`wasm-bindgen --target web\`
  and shrunk by \`wasm-opt\` (binaryen from npm, pinned in \`tests/e2e/package-lock.json\`); all in \`build.sh\`
  (\`build_wasm\`). Source paths are remapped (\`--remap-path-prefix\`) so that the build directory and the
  Cargo home do not end up in the binary.
- \`pkg/shoper_systim.js\` — the JavaScript glue generated by wasm-bindgen for that module.
- \`manifest.json\`, \`build_flags.js\`, \`icons/*.png\` — written by \`extension/tools/build.mjs\` (Node.js, no npm
  package: the icons are drawn in code by \`extension/tools/icons.mjs\`).

Every other file of the add-on is copied unchanged from \`extension/\`: nothing is minified, bundled or
transpiled. No file is downloaded during the build except the Rust crates (crates.io, versions locked in
\`Cargo.lock\`) and the npm packages (npm registry, locked in \`tests/e2e/package-lock.json\`).

## Tools used for the packages submitted

| tool | version |
|---|---|
| operating system | ${tools.os} |
| Rust | ${tools.rustc}, ${tools.cargo}, target \`wasm32-unknown-unknown\` |
| wasm-bindgen-cli | ${tools.wasmBindgen} (must equal the \`wasm-bindgen\` version in \`Cargo.lock\`) |
| binaryen (wasm-opt) | ${tools.binaryen} (npm) |
| Node.js / npm | ${tools.node} / ${tools.npm} |

The Rust compiler's version matters: another rustc gives another \`.wasm\`. Nothing else from the
machine goes into the files.

## Steps

\`\`\`sh
# 1. Rust ${rustVersion} with the wasm target, and the exact wasm-bindgen-cli of Cargo.lock
rustup toolchain install ${rustVersion} --profile minimal --target wasm32-unknown-unknown
rustup default ${rustVersion}
cargo install --locked wasm-bindgen-cli --version =${wbgVersion}
# 2. Node.js 20 or later with npm; the build's npm packages (wasm-opt) come with step 3
# 3. build (runs \`npm ci --ignore-scripts\` in tests/e2e when needed, then cargo, wasm-bindgen,
#    wasm-opt and extension/tools/package.mjs)
bash build.sh package
# 4. compare with what was submitted
(cd target/package && sha256sum -c ../../${BUILD_SUMS})
\`\`\`

\`target/package/${NAME}-${version}-firefox.zip\` is then byte for byte the package submitted to
addons.mozilla.org, \`target/package/firefox/\` its files unpacked (and likewise for Chrome).
\`${BUILD_SUMS}\` lists the SHA-256 of both packages and of every file in them. \`./build.sh setup\`
installs the same tools on Debian (it also installs what the tests need: browsers, geckodriver).

The repository's \`README.md\` describes the project; \`docs/ARCHITECTURE.md\` its layout;
\`docs/release.md\` how a release is made.
`;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const version = crateVersion();
  const zipName = (browser) => `${NAME}-${version}-${browser}.zip`;
  fs.rmSync(args.out, { recursive: true, force: true });
  fs.mkdirSync(args.out, { recursive: true });

  // The store packages and the checksums of what they hold.
  const built = [];
  for (const browser of BROWSERS) {
    const { dir, zip } = buildBrowser(browser, { pkg: args.pkg, out: args.out, devHosts: null, zipName });
    built.push({ name: path.basename(zip), hash: sha256(fs.readFileSync(zip)) });
    for (const f of listFiles(dir)) built.push({ name: `${browser}/${f.name}`, hash: sha256(f.data) });
    console.log(`${browser}: ${path.relative(process.cwd(), zip)} (${fs.statSync(zip).size} bytes)`);
  }
  const builtSums = sumLines(built);
  const all = [...built];

  const source = args.source && inGit();
  if (args.source && !source) console.log("source package: not made (not a git checkout: its file list is git's)");
  if (source) {
    const dirty = (run("git", ["-C", REPO_DIR, "status", "--porcelain", "--untracked-files=no"]) ?? "") !== "";
    if (dirty) console.log("source package: warning — the working tree has uncommitted changes (a release is made from a clean tree: docs/release.md)");
    const files = trackedFiles();
    for (const generated of [BUILD_DOC, BUILD_SUMS]) {
      if (files.some((f) => f.name === generated)) fail(`${generated} is tracked in git; it is written here`);
    }
    files.push({ name: BUILD_DOC, data: Buffer.from(buildDoc(version, toolVersions(), dirty)), mode: 0o644 });
    files.push({ name: BUILD_SUMS, data: Buffer.from(builtSums), mode: 0o644 });
    const prefix = `${NAME}-${version}/`;
    const zip = encodeZip(files.map((f) => ({ ...f, name: prefix + f.name })));
    const name = `${NAME}-${version}-source.zip`;
    fs.writeFileSync(path.join(args.out, name), zip);
    all.push({ name, hash: sha256(zip) });
    console.log(`source: ${path.relative(process.cwd(), path.join(args.out, name))} (${files.length} files, ${zip.length} bytes)`);
  }
  fs.writeFileSync(path.join(args.out, "SHA256SUMS"), sumLines(all));
  console.log(`checksums: ${path.relative(process.cwd(), path.join(args.out, "SHA256SUMS"))} (${all.length} entries)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
