#!/usr/bin/env bash
# Installs what spantag needs to build, serve and test, on a fresh offline machine
# (only the crates, npm, PyPI and Debian registries reachable). Idempotent: every
# step checks first, prints what it installs, and does nothing when all is present.
# Source it (`. .ci/tools.sh`) so that PATH and the environment carry over.
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130

say() { printf '[tools] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$_root/e2e/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER=/usr/bin/chromedriver

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "installing the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian chromium and chromium-driver (apt)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (cargo install, ~8 min)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ] \
  || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (cargo install, ~4 min)"
  # --locked fails offline: the registry lacks the exact webpki-roots the lock names.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked \
    || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ ! -x "$_root/e2e/node_modules/.bin/wasm-opt" ] || [ ! -d "$_root/e2e/node_modules/playwright-core" ]; then
  say "installing playwright-core and binaryen (wasm-opt) with npm ci in e2e/"
  (cd "$_root/e2e" && npm ci --no-audit --no-fund)
fi

if [ ! -f "$_root/target/.fetched" ] || [ "$_root/Cargo.lock" -nt "$_root/target/.fetched" ]; then
  say "fetching crates (cargo fetch), since trunk builds offline"
  (cd "$_root" && cargo fetch --quiet && mkdir -p target && touch target/.fetched)
fi

if ! python3 -c 'import jsonschema' 2>/dev/null; then
  say "installing jsonschema (pip), for the W3C export's schema check"
  python3 -m pip install --quiet jsonschema || python3 -m pip install --quiet --break-system-packages jsonschema
fi
