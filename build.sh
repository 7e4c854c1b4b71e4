#!/usr/bin/env bash
# The project's only build entry point.
#
#   ./build.sh            build the extension into dist/chrome and dist/firefox (+ zip packages)
#   ./build.sh setup      install every tool the build and the tests need (idempotent; skips what is present)
#   ./build.sh test       setup, rustfmt and clippy, native tests, wasm tests in headless Chromium and Firefox, extension lint, e2e, short browser soak
#   ./build.sh fmt        format the Rust sources (rustfmt with the project's settings, below)
#   ./build.sh sandbox    run the sandbox shop + Systim account in the foreground (args passed on, e.g. --scenario big:1000,50)
#   ./build.sh demo       a full sync against the built-in sandbox through the real extension (see README)
#   ./build.sh bench      the benchmark (figures, not assertions)
#   ./build.sh soak       the fault soak (--http: over the sandbox server; --browser: the shipped wasm in Chromium and Firefox)
#   ./build.sh package    the release: store packages, source package, checksums in target/package
#                         (--verify: then rebuild from the source package in an empty directory and
#                         compare every checksum; --screenshots: the listing's images in docs/store)
#
# Nothing here downloads a prebuilt binary: tools come from Debian packages, crates.io (built from
# source) and the npm registry only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
WASM_TARGET=wasm32-unknown-unknown
NODE_DIR=$ROOT/tests/e2e
PKG_DIR=$ROOT/target/pkg

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# The exact wasm-bindgen version in Cargo.lock: the CLI must match it to the letter.
wbg_version() { awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock; }

# Tools built from crates.io, each at one version whose own Cargo.lock builds here with
# `cargo install --locked` (checked with rustc 1.95): the dependency tree is the one its authors
# published, never one resolved afresh at install time. geckodriver 0.37.1 drives Firefox ESR 153
# (the e2e tests); wasm-pack 0.15.1 runs the wasm-bindgen tests (`--mode no-install`: it uses the
# pinned wasm-bindgen-cli below, never downloads one).
WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1

cargo_install() { # crate version — source build from crates.io with the crate's own lock file; no fallback
  local crate=$1 version=$2
  [ -n "$version" ] || die "cargo_install $crate: no version (every tool is pinned)"
  cargo install --locked "$crate" --version "=$version" ||
    die "cargo install --locked $crate $version failed; not retried without --locked (an unlocked build would pick whatever versions crates.io offers today)"
}

# Whether `tool --version` names exactly this version.
has_version() { command -v "$1" >/dev/null && "$1" --version 2>/dev/null | head -n 1 | grep -qwF -- "$2"; }

setup_debian() {
  local missing=() pkg
  # chromium-l10n: Debian's Chromium has only the English UI locale without it; the extension's
  # Polish pages (and the demo screenshots) need it.
  for pkg in chromium chromium-driver chromium-l10n firefox-esr; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

setup_rust() {
  rustup target list --installed | grep -qx "$WASM_TARGET" || { say "adding the $WASM_TARGET target"; rustup target add "$WASM_TARGET"; }
  local v; v=$(wbg_version)
  [ -n "$v" ] || die "wasm-bindgen is not in Cargo.lock"
  if ! { command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q " $v\$"; }; then
    say "installing wasm-bindgen-cli $v (from source)"
    cargo_install wasm-bindgen-cli "$v"
  fi
  has_version wasm-pack "$WASM_PACK_VERSION" || { say "installing wasm-pack $WASM_PACK_VERSION (from source)"; cargo_install wasm-pack "$WASM_PACK_VERSION"; }
  has_version geckodriver "$GECKODRIVER_VERSION" || { say "installing geckodriver $GECKODRIVER_VERSION (from source)"; cargo_install geckodriver "$GECKODRIVER_VERSION"; }
}

setup_node() {
  [ -f "$NODE_DIR/package-lock.json" ] || return 0
  if [ ! -d "$NODE_DIR/node_modules" ] || [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
    say "installing npm packages (tests/e2e)"
    # --ignore-scripts: no install script of any of the ~330 packages runs (none of the locked
    # versions declares one today — the lock file's hasInstallScript — and none is needed: wasm-opt
    # is binaryen's JS/wasm build, playwright-core drives the Debian Chromium and downloads nothing).
    (cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
}

cmd_setup() {
  setup_debian
  setup_rust
  setup_node
}

# --- build -------------------------------------------------------------------------------------

# Paths in the wasm (panic locations) are remapped: the build directory and the Cargo home never
# end up in a shipped file, and a rebuild elsewhere gives the same bytes (docs/release.md).
WASM_RUSTFLAGS="--remap-path-prefix=$ROOT=/src --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo"

build_wasm() { # [extra cargo args, e.g. --locked]
  say "building the core for $WASM_TARGET"
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_RUSTFLAGS" cargo build --lib --release --target "$WASM_TARGET" "$@"
  rm -rf "$PKG_DIR"
  wasm-bindgen --target web --no-typescript --out-dir "$PKG_DIR" --out-name shoper_systim \
    "target/$WASM_TARGET/release/shoper_systim.wasm"
  local opt="$NODE_DIR/node_modules/.bin/wasm-opt"
  if [ -x "$opt" ]; then
    say "shrinking the wasm with wasm-opt"
    # --flatten --rereloop before -Oz -Oz: control flow rebuilt by the relooper, then shrunk;
    # --reorder-functions-by-name (before the names are stripped): related functions side by side,
    # which gzip packs better. Together 6 KB less gzipped than -Oz --converge (measured).
    # -ocimfs 25: a function with one caller is inlined into it only when small (binaryen inlines
    # every such function by default, which merged the run and the message dispatch into two
    # functions of 170 and 70 KB): 2 % more bytes, but 27.8 KB less gzipped (measured; 15-35
    # all within 0.6 KB, 0 and 100 worse), as gzip finds the functions' like code again.
    # --low-memory-unused: a constant added to an address is folded into the access's offset
    # (1.1 KB less gzipped, measured). It assumes no access reaches the lowest 1 KiB through an
    # address that wraps around 2^32; Rust computes addresses inside its objects only, and the
    # lowest KiB is the far end of the 1 MiB stack (rustc's wasm places the stack first).
    "$opt" --low-memory-unused --flatten --rereloop -Oz -Oz -ocimfs 25 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      --enable-reference-types --enable-multivalue --reorder-functions-by-name --strip-debug --strip-producers --strip-target-features \
      "$PKG_DIR/shoper_systim_bg.wasm" -o "$PKG_DIR/shoper_systim_bg.wasm"
  else
    say "wasm-opt not installed (run ./build.sh setup); the wasm is not shrunk"
  fi
  # The size budget (issue #6, as benches/perf/targets.rs checks it): the wasm as shipped (after
  # wasm-opt), gzip -9, at most 300 KiB.
  local size gz budget=307200
  size=$(stat -c %s "$PKG_DIR/shoper_systim_bg.wasm")
  gz=$(gzip -9 -c "$PKG_DIR/shoper_systim_bg.wasm" | wc -c)
  say "wasm: $size bytes, $gz bytes gzipped (gzip -9; budget $budget; $(rustc -V))"
  # The figures in docs/benchmarks.md were measured with the toolchain Cargo.toml's rust-version
  # names; another one builds other code (and its own Unicode tables).
  local measured
  measured=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
  case "$(rustc -V)" in "rustc $measured".*) ;; *) say "warning: $(rustc -V) is not the rust $measured the wasm's size was measured with" ;; esac
  [ "$gz" -le "$budget" ] || say "warning: the gzipped wasm is over its budget of $budget bytes (issue #6)"
}

build_extension() {
  [ -f extension/tools/build.mjs ] || die "extension/tools/build.mjs is missing"
  say "assembling dist/chrome and dist/firefox"
  node extension/tools/build.mjs --pkg "$PKG_DIR" --out "$ROOT/dist"
}

cmd_build() {
  build_wasm
  build_extension
}

# --- sandbox -----------------------------------------------------------------------------------

SANDBOX_PID=""
SANDBOX_INFO=""

stop_sandbox() {
  if [ -n "$SANDBOX_PID" ]; then
    kill "$SANDBOX_PID" 2>/dev/null || true
    wait "$SANDBOX_PID" 2>/dev/null || true
    SANDBOX_PID=""
  fi
}

# Start the sandbox in the background and read its first line (URLs and credentials).
start_sandbox() { # [sandbox args...]
  cargo build -p sandbox --release --bin sandbox
  local out; out=$(mktemp)
  "$ROOT/target/release/sandbox" "$@" >"$out" 2>"$out.err" &
  SANDBOX_PID=$!
  trap stop_sandbox EXIT
  local i
  for i in $(seq 1 100); do
    if [ -s "$out" ]; then
      SANDBOX_INFO=$(head -n 1 "$out")
      export SANDBOX_INFO
      say "sandbox running: $(printf '%s' "$SANDBOX_INFO" | sed -E 's/"(shoper|systim)_(password|token|key)":"[^"]*"/"\1_\2":"…"/g')"
      return 0
    fi
    kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$out.err" >&2; die "the sandbox did not start"; }
    sleep 0.1
  done
  die "the sandbox printed nothing within 10 s"
}

cmd_sandbox() {
  cargo build -p sandbox --release --bin sandbox
  exec "$ROOT/target/release/sandbox" "$@"
}

# --- tests -------------------------------------------------------------------------------------

wasm_tests() { # chrome|firefox
  local browser=$1
  say "wasm tests in headless $browser"
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" \
  WASM_BINDGEN_TEST_TIMEOUT=180 WASM_BINDGEN_TEST_DRIVER_TIMEOUT=60 \
    wasm-pack --log-level warn test --headless "--$browser" --mode no-install . --test web --test worker
}

# rustfmt's settings, here rather than in a rustfmt.toml (the top level holds only what the
# project's layout names): lines up to 160 characters, small constructs kept on one line.
RUSTFMT_CONFIG=max_width=160,use_small_heuristics=Max

cmd_fmt() {
  cargo fmt --all -- --config "$RUSTFMT_CONFIG"
}

# Formatting and clippy, native and wasm32, warnings as errors. rustfmt and clippy are rustup
# components of the machine's toolchain (nothing can be downloaded here): a machine without them
# says so loudly and goes on.
lint_rust() {
  if cargo fmt --version >/dev/null 2>&1; then
    say "rustfmt --check (./build.sh fmt formats)"
    cargo fmt --all --check -- --config "$RUSTFMT_CONFIG" >/dev/null 2>&1 || {
      cargo fmt --all --check -- --config "$RUSTFMT_CONFIG" | head -40
      die "unformatted Rust sources: run ./build.sh fmt"
    }
  else
    say "warning: rustfmt is not installed (rustup component rustfmt): formatting NOT checked"
  fi
  if cargo clippy --version >/dev/null 2>&1; then
    say "clippy, native (every target) and wasm32 (the library and its browser tests), warnings as errors"
    cargo clippy --all-targets --workspace -- -D warnings
    cargo clippy --target wasm32-unknown-unknown --lib --test web --test worker -- -D warnings
  else
    say "warning: clippy is not installed (rustup component clippy): lints NOT checked"
  fi
}

cmd_test() {
  cmd_setup
  lint_rust
  say "native tests (core, engine against the in-process sandbox, sandbox)"
  cargo test --workspace
  start_sandbox --scenario demo
  wasm_tests chrome
  wasm_tests firefox
  stop_sandbox
  if [ -f extension/tools/build.mjs ]; then
    say "extension checks (locales complete in pl and en)"
    node extension/tools/check-locales.mjs
    say "ESLint on the extension's JavaScript (tests/e2e/eslint.config.mjs)"
    "$NODE_DIR/node_modules/.bin/eslint" --config tests/e2e/eslint.config.mjs extension
    cmd_build
    say "minimum browser versions against every API and wasm feature used (MDN browser-compat-data)"
    node extension/tools/check-min-versions.mjs --wasm "$PKG_DIR/shoper_systim_bg.wasm"
    if [ -x "$NODE_DIR/node_modules/.bin/web-ext" ]; then
      say "web-ext lint (dist/firefox)"
      "$NODE_DIR/node_modules/.bin/web-ext" lint --source-dir "$ROOT/dist/firefox" --warnings-as-errors
    fi
    say "release packages (store zips, source package, checksums; the rebuild check is ./build.sh package --verify)"
    node --test extension/tools/package.test.mjs
    if compgen -G "$NODE_DIR/*.test.mjs" >/dev/null; then
      say "end-to-end tests (headless Chromium with the built extension)"
      (cd "$NODE_DIR" && node --test --test-concurrency=1 ./*.test.mjs)
    fi
    if [ "${BROWSER_SOAK:-1}" != 0 ]; then
      say "browser soak, short and fixed-seed (docs/soak.md; BROWSER_SOAK=0 skips it)"
      browser_soak --orders 40 --products 20 --seed 2026 --out "$ROOT/target/soak/browser-test.json"
      say "browser soak with the WZ (documents at an open status, each with its WZ; docs/soak.md)"
      browser_soak --orders 40 --products 10 --seed 2026 --wz --out "$ROOT/target/soak/browser-test-wz.json"
    fi
  fi
  say "all tests passed"
}

cmd_demo() {
  cmd_setup
  build_wasm
  tests/e2e/demo.sh "$@"
}

# The fault soak (tests/soak): the real engine through many runs under random faults, restarts,
# new orders and changing stock; prints its figures and writes target/soak/report.json.
#   ./build.sh soak            in-process (virtual clock), 2,000 orders — about 9 minutes here
#   ./build.sh soak --http     against the sandbox server over real HTTP, 500 orders
#   ./build.sh soak --browser  the shipped wasm in headless Chromium and Firefox against the sandbox
#                              server (docs/soak.md): 300 orders and 200 products per browser;
#                              target/soak/browser.json, merged into report.json under "browser";
#                              further arguments go to soak.mjs (--wz: each document with its WZ)
cmd_soak() {
  local orders=${SOAK_ORDERS:-2000} http=""
  if [ "${1:-}" = "--browser" ]; then
    shift
    cmd_setup
    build_wasm
    browser_soak --orders "${SOAK_ORDERS:-300}" --products "${SOAK_PRODUCTS:-200}" --seed "${SOAK_SEED:-2026}" \
      --rate "${SOAK_FAULT_RATE:-0.10}" --browsers "${SOAK_BROWSERS:-chromium,firefox}" \
      --out "$ROOT/target/soak/browser.json" --merge "$ROOT/target/soak/report.json" "$@"
    return
  fi
  if [ "${1:-}" = "--http" ]; then
    http=1
    orders=${SOAK_ORDERS:-500}
    cargo build -p sandbox --release --bin sandbox
  fi
  SOAK_ORDERS=$orders SOAK_SEED=${SOAK_SEED:-2026} SOAK_FAULT_RATE=${SOAK_FAULT_RATE:-0.10} SOAK_HTTP=${http:-0} \
    cargo test --release --test soak -- --nocapture
}

# The browser soak (tests/e2e/soak, docs/soak.md) on the wasm in target/pkg; arguments go to soak.mjs.
browser_soak() {
  cargo build -p sandbox --release --bin sandbox
  cargo build --release --example browser_soak_audit
  node "$NODE_DIR/soak/soak.mjs" "$@"
}

# The benchmark (docs/benchmarks.md): figures, never assertions. The planning case and a stock
# run over 50,000 products run in headless Chromium first (their lines go to
# target/bench/wasm.log), then, on the freshly built
# wasm, the popup's time to interactive (tests/e2e/bench-popup.mjs: target/bench/popup.json),
# then the native cases, which merge both into target/bench/report.json and report.md. Extra
# arguments filter the cases. A browser case that fails prints a line; the benchmark goes on.
cmd_bench() {
  cmd_setup
  mkdir -p target/bench
  say "planning 50,000 × 50,000 and a 50,000-product stock run in headless Chromium (wasm, release)"
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" WASM_BINDGEN_TEST_TIMEOUT=600 WASM_BINDGEN_TEST_DRIVER_TIMEOUT=60 \
    wasm-pack --log-level warn test --release --headless --chrome --mode no-install . --test wasm_bench -- --nocapture 2>&1 |
    tee target/bench/wasm-run.log | grep 'wasm-bench ' >target/bench/wasm.log || say "the browser cases printed nothing (see target/bench/wasm-run.log)"
  build_wasm
  say "the popup's time to interactive in headless Chromium (the extension with this wasm, on the sandbox)"
  rm -f target/bench/popup.json
  if cargo build -p sandbox --release --bin sandbox &&
    node "$NODE_DIR/bench-popup.mjs" --out "$ROOT/target/bench/popup.json" 2>target/bench/popup-run.log | tee target/bench/popup.log; then
    :
  else
    say "the popup was not measured (see target/bench/popup-run.log)"
  fi
  say "API cases and native planning"
  cargo bench --bench perf -- "$@"
}

# --- release ------------------------------------------------------------------------------------

PACKAGE_DIR=$ROOT/target/package

# The release packages (extension/tools/package.mjs): a normal build (https addresses only), the
# Cargo.lock as it is (--locked), linted as addons.mozilla.org lints it. Needs only the Rust wasm
# target, the pinned wasm-bindgen-cli and the npm packages (installed here when missing) — what the
# source package's BUILD-FROM-SOURCE.md asks a reviewer to install.
cmd_package() {
  local verify="" keep="" screenshots=""
  for arg in "$@"; do
    case "$arg" in
      --verify) verify=1 ;;
      --keep) keep=1 ;;
      --screenshots) screenshots=1 ;;
      *) die "package: unknown argument '$arg' (--verify, --keep, --screenshots)" ;;
    esac
  done
  local v; v=$(wbg_version)
  { command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q " $v\$"; } ||
    die "wasm-bindgen-cli $v is needed (./build.sh setup, or: cargo install --locked wasm-bindgen-cli --version =$v)"
  rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET" || die "the $WASM_TARGET target is needed (rustup target add $WASM_TARGET)"
  setup_node
  build_wasm --locked
  say "packaging into target/package"
  node extension/tools/package.mjs --pkg "$PKG_DIR" --out "$PACKAGE_DIR"
  if [ -d "$NODE_DIR/node_modules/@mdn/browser-compat-data" ]; then
    node extension/tools/check-min-versions.mjs --wasm "$PKG_DIR/shoper_systim_bg.wasm"
  fi
  if [ -x "$NODE_DIR/node_modules/.bin/web-ext" ]; then
    say "web-ext lint (the addons.mozilla.org package)"
    "$NODE_DIR/node_modules/.bin/web-ext" lint --source-dir "$PACKAGE_DIR/firefox" --warnings-as-errors
  fi
  if [ -n "$screenshots" ]; then
    say "the store listing's screenshots and tiles (docs/store), by the demo flow on the sandbox"
    cargo build -p sandbox --release --bin sandbox
    node extension/tools/store-screenshots.mjs --out "$ROOT/docs/store"
  fi
  [ -n "$verify" ] && verify_package "$keep"
  return 0
}

# Unpack the source package in an empty directory, build there from its own instructions
# (build.sh package, a fresh target/ and node_modules), and compare every checksum of what it built
# with SHA256SUMS. Takes minutes (a full release build of the wasm): not part of `test`.
verify_package() { # [keep]
  local keep=$1 src tmp
  src=$(ls "$PACKAGE_DIR"/*-source.zip 2>/dev/null | head -n 1)
  [ -n "$src" ] || die "no source package in target/package (package.mjs makes one only in a git checkout)"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoper-systim-verify.XXXXXX")
  say "rebuilding from $(basename "$src") in $tmp"
  unzip -q "$src" -d "$tmp"
  local dir; dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  [ -f "$dir/BUILD-SHA256SUMS" ] || die "the source package has no BUILD-SHA256SUMS"
  (cd "$dir" && env -u CARGO_TARGET_DIR bash build.sh package) || die "the build from the source package failed (kept in $tmp)"
  say "comparing checksums"
  local rebuilt="$dir/target/package/SHA256SUMS" expected="$PACKAGE_DIR/SHA256SUMS"
  local want got
  want=$(grep -v -- '-source\.zip$' "$expected")
  got=$(cat "$rebuilt")
  if [ "$want" != "$got" ]; then
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
    die "the rebuild from the source package differs (above: < submitted, > rebuilt; kept in $tmp)"
  fi
  (cd "$dir/target/package" && sha256sum --quiet -c ../../BUILD-SHA256SUMS) || die "BUILD-SHA256SUMS does not match the rebuild (kept in $tmp)"
  say "identical: $(printf '%s\n' "$got" | wc -l) checksums (both store packages and every file in them) rebuilt from the source package"
  if [ -n "$keep" ]; then say "kept: $tmp"; else rm -rf "$tmp"; fi
}

case "${1:-build}" in
  build) cmd_build ;;
  setup) cmd_setup ;;
  test) cmd_test ;;
  fmt) cmd_fmt ;;
  sandbox) shift; cmd_sandbox "$@" ;;
  demo) shift; cmd_demo "$@" ;;
  soak) shift; cmd_soak "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  package) shift; cmd_package "$@" ;;
  -h | --help | help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command '$1' (try ./build.sh help)" ;;
esac
