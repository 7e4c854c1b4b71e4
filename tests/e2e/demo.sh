#!/usr/bin/env bash
# The demo after the wasm build (./build.sh demo runs build_wasm, then this):
#   tests/e2e/demo.sh [--keep]
# 1. the extension with --dev-hosts into target/demo/dist (the loopback sandbox needs no prompt),
# 2. the sandbox binary (release),
# 3. tests/e2e/demo.mjs: sandbox + headless Chromium, setup through the options page, runs from the
#    popup, report, screenshots under target/demo/, state checks (exit 1 when they fail).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/target/demo
cd "$ROOT"
[ -f target/pkg/shoper_systim_bg.wasm ] || { echo "demo.sh: target/pkg is empty: build the wasm first (./build.sh)" >&2; exit 1; }
[ -d tests/e2e/node_modules/playwright-core ] || { echo "demo.sh: npm packages missing: ./build.sh setup" >&2; exit 1; }
printf '\n==> %s\n' "the extension with dev hosts into $OUT/dist" >&2
rm -rf "$OUT/dist"
node extension/tools/build.mjs --pkg target/pkg --out "$OUT/dist" --dev-hosts
printf '\n==> %s\n' "the sandbox" >&2
cargo build -p sandbox --release --bin sandbox
exec node tests/e2e/demo.mjs --extension "$OUT/dist/chrome" --out "$OUT" "$@"
